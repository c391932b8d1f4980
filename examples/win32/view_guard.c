/* SPDX-License-Identifier: MIT */
/*
 * view_guard: guarded access to a file view with structured exceptions.
 * It maps a file read-only, reads it the way Microsoft's "Reading and
 * Writing From a File View" guards a read (__except taking only
 * EXCEPTION_IN_PAGE_ERROR), then writes to the read-only view inside a
 * __try whose filter takes the access violation, and shows the exception's
 * code and address; a __finally block unmaps the view either way.
 *
 *   view_guard [directory]     the file goes there, or in the current one
 *
 * Plain Win32 code: it builds unchanged as C or C++, ANSI or UNICODE.
 */
#include <windows.h>
#include <stdio.h>
#include <tchar.h>

static DWORD g_dwCode;
static ULONG_PTR g_ulWrite, g_ulAddress;

/* The filter: note what happened, take access violations only. */
static int Filter(DWORD dwCode, EXCEPTION_POINTERS *pInfo)
{
	g_dwCode = dwCode;
	g_ulWrite = pInfo->ExceptionRecord->ExceptionInformation[0];
	g_ulAddress = pInfo->ExceptionRecord->ExceptionInformation[1];
	return dwCode == EXCEPTION_ACCESS_VIOLATION ? EXCEPTION_EXECUTE_HANDLER
	                                            : EXCEPTION_CONTINUE_SEARCH;
}

int _tmain(int argc, TCHAR *argv[])
{
	LPCTSTR lpDir = argc > 1 ? argv[1] : TEXT(".");
	TCHAR szPath[MAX_PATH];
	HANDLE hFile, hMap;
	char *volatile pView;
	volatile char cValue = 0;
	volatile int nFailed = 0, nDenied = 0, nUnmapped = 0;
	DWORD dwDone;

	_stprintf(szPath, TEXT("%s/view_guard.dat"), lpDir);
	hFile = CreateFile(szPath, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	                   CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY, NULL);
	if (hFile == INVALID_HANDLE_VALUE)
		return 1;
	if (!WriteFile(hFile, "guarded", 7, &dwDone, NULL))
		return 1;
	hMap = CreateFileMapping(hFile, NULL, PAGE_READONLY, 0, 0, NULL);
	if (hMap == NULL)
		return 1;
	pView = (char *)MapViewOfFile(hMap, FILE_MAP_READ, 0, 0, 0);
	if (pView == NULL)
		return 1;

	__try {
		__try {
			cValue = pView[0];
		} __except (GetExceptionCode() == EXCEPTION_IN_PAGE_ERROR
		                    ? EXCEPTION_EXECUTE_HANDLER
		                    : EXCEPTION_CONTINUE_SEARCH) {
			nFailed = 1;
		}
		_tprintf(TEXT("Read '%c' from the view%s\n"), cValue,
		         nFailed ? TEXT(", after an in-page error") : TEXT(""));

		__try {
			pView[0] = 'G';
		} __except (Filter(GetExceptionCode(), GetExceptionInformation())) {
			nDenied = 1;
		}
		if (nDenied)
			_tprintf(TEXT("Writing to the read-only view raised 0x%08lX%s, a %s at offset %ld\n"),
			         (unsigned long)g_dwCode,
			         g_dwCode == EXCEPTION_ACCESS_VIOLATION
			                 ? TEXT(" (EXCEPTION_ACCESS_VIOLATION)")
			                 : TEXT(""),
			         g_ulWrite == 1 ? TEXT("write") : TEXT("read"),
			         (long)(g_ulAddress - (ULONG_PTR)pView));
	} __finally {
		nUnmapped = UnmapViewOfFile(pView);
		_tprintf(TEXT("The __finally block unmapped the view (%s)\n"),
		         AbnormalTermination() ? TEXT("abnormal") : TEXT("normal"));
	}

	CloseHandle(hMap);
	CloseHandle(hFile);
	DeleteFile(szPath);
	return nDenied && nUnmapped && cValue == 'g' ? 0 : 1;
}
