/* SPDX-License-Identifier: MIT */
/*
 * A Windows program that includes nothing but windows.h and tchar.h, as
 * programs do on Windows, and uses the C runtime they bring: system,
 * malloc, printf, memset, strlen, the _s functions and, in C++, their
 * array forms. Built as strict C11 (ANSI) and as C++17 (UNICODE).
 */
#include <windows.h>
#include <tchar.h>

int _tmain(int argc, _TCHAR **argv)
{
	UNREFERENCED_PARAMETER(argv);
	TCHAR buf[32];
	char *p = (char *)malloc(16);
	if (!p || system(NULL) == 0)
		exit(1);
	memset(p, 0, 16);
	strcpy_s(p, 16, "heap");
	_tcscpy_s(buf, _countof(buf), _T("n="));
	_stprintf_s(buf + 2, _countof(buf) - 2, _T("%d"), argc);
	_tcscat_s(buf, _countof(buf), _T("!"));
#ifdef __cplusplus
	/* MSVC's C++ array forms take the size from the array. */
	wchar_t w[8];
	char a[8];
	if (wcscpy_s(w, L"x") || strcpy_s(a, "y") || sprintf_s(a, "%d", 5) != 1 ||
	    _itoa_s(7, a, 10) || _snprintf_s(a, _TRUNCATE, "%s", "abcdefghij") != -1 ||
	    strlen(a) != 7)
		return 1;
#endif
	int ok = _tcscmp(buf, _T("n=1!")) == 0 && strlen(p) == 4;
	free(p);
	printf("crt headers: %s\n", ok ? "ok" : "failed");
	return !ok;
}
