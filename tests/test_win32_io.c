/*
 * Win32 standard I/O: <strsafe.h>'s StringCch and StringCb calls.
 */
#include "harness.h"
#include <strsafe.h>
#include <windows.h>

/* Copy, Cat, Length and Printf truncate and terminate as documented. */
static void strsafe_narrow(void)
{
	char b[8];
	size_t n = 99;
	T_EQ(StringCchCopyA(b, sizeof b, "abc"), S_OK);
	T_ASSERT(strcmp(b, "abc") == 0);
	T_EQ(StringCchCatA(b, sizeof b, "defg"), S_OK);
	T_ASSERT(strcmp(b, "abcdefg") == 0);
	T_EQ(StringCchCatA(b, sizeof b, "h"), STRSAFE_E_INSUFFICIENT_BUFFER);
	T_ASSERT(strcmp(b, "abcdefg") == 0);
	T_EQ(StringCchCopyA(b, sizeof b, "0123456789"),
	     STRSAFE_E_INSUFFICIENT_BUFFER);
	T_ASSERT(strcmp(b, "0123456") == 0);
	T_EQ(StringCchLengthA(b, sizeof b, &n), S_OK);
	T_EQ(n, 7);
	T_EQ(StringCchLengthA(b, 7, &n), STRSAFE_E_INVALID_PARAMETER);
	T_EQ(n, 0);
	T_EQ(StringCchCopyA(b, 0, "x"), STRSAFE_E_INVALID_PARAMETER);
	T_ASSERT(strcmp(b, "0123456") == 0);
	memset(b, 'z', sizeof b); /* not terminated: Cat refuses */
	T_EQ(StringCchCatA(b, sizeof b, "x"), STRSAFE_E_INVALID_PARAMETER);
	T_EQ(StringCchPrintfA(b, sizeof b, "%d-%s", 42, "ab"), S_OK);
	T_ASSERT(strcmp(b, "42-ab") == 0);
	T_EQ(StringCchPrintfA(b, sizeof b, "%d-%s", 12345, "abcd"),
	     STRSAFE_E_INSUFFICIENT_BUFFER);
	T_ASSERT(strcmp(b, "12345-a") == 0);
	T_EQ(StringCbPrintfA(b, sizeof b, "%s", "hi"), S_OK);
	T_EQ(StringCbCopyA(b, 3, "hello"), STRSAFE_E_INSUFFICIENT_BUFFER);
	T_ASSERT(strcmp(b, "he") == 0);
	T_EQ(StringCbCatA(b, sizeof b, "y"), S_OK);
	T_ASSERT(strcmp(b, "hey") == 0);
	T_ASSERT(FAILED(STRSAFE_E_INSUFFICIENT_BUFFER));
	T_ASSERT(SUCCEEDED(S_OK));
	T_EQ((uint32_t)STRSAFE_E_INSUFFICIENT_BUFFER, 0x8007007AU);
}

/* The wide forms count characters; StringCb counts bytes; %s in a wide
 * format is a wide string, as on Windows. */
static void strsafe_wide(void)
{
	wchar_t w[6];
	size_t n;
	T_EQ(StringCchPrintfW(w, 6, L"%s=%d", L"ab", 7), S_OK);
	T_ASSERT(wcscmp(w, L"ab=7") == 0);
	T_EQ(StringCchPrintfW(w, 6, L"%s=%d", L"abcd", 7),
	     STRSAFE_E_INSUFFICIENT_BUFFER);
	T_ASSERT(wcscmp(w, L"abcd=") == 0);
	T_EQ(StringCbCopyW(w, sizeof w, L"xyz"), S_OK);
	T_EQ(StringCbCatW(w, sizeof w, L"uvw"), STRSAFE_E_INSUFFICIENT_BUFFER);
	T_ASSERT(wcscmp(w, L"xyzuv") == 0);
	T_EQ(StringCchLengthW(w, 6, &n), S_OK);
	T_EQ(n, 5);
	T_EQ(StringCbPrintfW(w, sizeof w, L"%c%S", L'q', "rs"), S_OK);
	T_ASSERT(wcscmp(w, L"qrs") == 0);
}

int main(void)
{
	t_setup();
	t_run("strsafe narrow: copy, cat, length, printf truncate", strsafe_narrow,
	      20);
	t_run("strsafe wide and StringCb", strsafe_wide, 20);
	return t_finish();
}
