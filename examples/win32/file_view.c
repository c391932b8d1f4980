/* SPDX-License-Identifier: MIT */
/*
 * file_view: a view of a real file. It writes some text to a temporary
 * file with WriteFile, maps the file (size 0: the file's size), upper-cases
 * the text through the view, flushes and unmaps it, and reads the file back
 * with ReadFile. It also shows that an empty file cannot be mapped
 * (ERROR_FILE_INVALID). Both files are deleted at the end.
 *
 *   file_view [directory]     the files go there, or in the current directory
 *
 * Plain Win32 code: it builds unchanged as C or C++, ANSI or UNICODE.
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>
#include <tchar.h>

static const char szText[] = "the quick brown fox jumps over the lazy dog";

static int Fail(LPCTSTR lpWhat)
{
	_tprintf(TEXT("%s failed (%lu)\n"), lpWhat, (unsigned long)GetLastError());
	return 1;
}

/* Creates an empty file and tries to map it. */
static int MapEmptyFile(LPCTSTR lpPath)
{
	HANDLE hFile, hMap;
	DWORD dwErr;

	hFile = CreateFile(lpPath, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	                   CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY, NULL);
	if (hFile == INVALID_HANDLE_VALUE)
		return Fail(TEXT("CreateFile (empty file)"));
	hMap = CreateFileMapping(hFile, NULL, PAGE_READWRITE, 0, 0, NULL);
	dwErr = GetLastError();
	CloseHandle(hFile);
	if (!DeleteFile(lpPath))
		return Fail(TEXT("DeleteFile (empty file)"));
	if (hMap != NULL) {
		_tprintf(TEXT("Mapping an empty file unexpectedly succeeded\n"));
		CloseHandle(hMap);
		return 1;
	}
	_tprintf(TEXT("Mapping an empty file fails with error %lu%s\n"),
	         (unsigned long)dwErr,
	         dwErr == ERROR_FILE_INVALID ? TEXT(" (ERROR_FILE_INVALID)")
	                                     : TEXT(""));
	return dwErr == ERROR_FILE_INVALID ? 0 : 1;
}

int _tmain(int argc, TCHAR *argv[])
{
	LPCTSTR lpDir = argc > 1 ? argv[1] : TEXT(".");
	TCHAR szPath[MAX_PATH];
	TCHAR szEmpty[MAX_PATH];
	char szBack[128];
	HANDLE hFile, hMap;
	LPSTR pView;
	DWORD dwSize, dwDone, i;

	_sntprintf(szPath, MAX_PATH, TEXT("%s\\file_view_%lu.tmp"), lpDir,
	           (unsigned long)GetCurrentProcessId());
	_sntprintf(szEmpty, MAX_PATH, TEXT("%s\\file_view_%lu.empty"), lpDir,
	           (unsigned long)GetCurrentProcessId());

	/* 1. An ordinary file, written the ordinary way. */
	hFile = CreateFile(szPath, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	                   CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY, NULL);
	if (hFile == INVALID_HANDLE_VALUE)
		return Fail(TEXT("CreateFile"));
	if (!WriteFile(hFile, szText, (DWORD)strlen(szText), &dwDone, NULL) ||
	    dwDone != strlen(szText))
		return Fail(TEXT("WriteFile"));
	dwSize = GetFileSize(hFile, NULL);
	_tprintf(TEXT("Wrote %lu bytes to %s\n"), (unsigned long)dwSize, szPath);

	/* 2. Map all of it (size 0 = the file's size) and change it in place. */
	hMap = CreateFileMapping(hFile, NULL, PAGE_READWRITE, 0, 0, NULL);
	if (hMap == NULL)
		return Fail(TEXT("CreateFileMapping"));
	pView = (LPSTR)MapViewOfFile(hMap, FILE_MAP_ALL_ACCESS, 0, 0, 0);
	if (pView == NULL)
		return Fail(TEXT("MapViewOfFile"));
	for (i = 0; i < dwSize; i++)
		if (pView[i] >= 'a' && pView[i] <= 'z')
			pView[i] = (char)(pView[i] - 'a' + 'A');
	if (!FlushViewOfFile(pView, 0))
		return Fail(TEXT("FlushViewOfFile"));
	_tprintf(TEXT("Upper-cased %lu bytes through the view\n"),
	         (unsigned long)dwSize);
	UnmapViewOfFile(pView);
	CloseHandle(hMap);
	CloseHandle(hFile);

	/* 3. Read it back with ReadFile. */
	hFile = CreateFile(szPath, GENERIC_READ, FILE_SHARE_READ, NULL,
	                   OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	if (hFile == INVALID_HANDLE_VALUE)
		return Fail(TEXT("CreateFile (reopen)"));
	if (!ReadFile(hFile, szBack, sizeof(szBack) - 1, &dwDone, NULL))
		return Fail(TEXT("ReadFile"));
	szBack[dwDone] = '\0';
	CloseHandle(hFile);
	_tprintf(TEXT("Read back: %hs\n"), szBack);
	if (!DeleteFile(szPath))
		return Fail(TEXT("DeleteFile"));

	/* 4. There is nothing to map in an empty file. */
	if (MapEmptyFile(szEmpty) != 0)
		return 1;
	_tprintf(TEXT("Deleted the temporary files\n"));
	return 0;
}
