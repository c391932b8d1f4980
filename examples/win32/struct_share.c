/* SPDX-License-Identifier: MIT */
/*
 * struct_share: two processes share a structure through a named file
 * mapping. The parent creates the mapping, fills in a record and starts a
 * second copy of itself ("struct_share child"). The child opens the mapping
 * with FILE_MAP_READ only, shows the record, and shows that its handle
 * cannot give a writable view: MapViewOfFile(FILE_MAP_WRITE) fails with
 * ERROR_ACCESS_DENIED. The parent checks the child's exit code.
 *
 * Plain Win32 code: it builds unchanged as C or C++, ANSI or UNICODE.
 */
#include <windows.h>
#include <stdio.h>
#include <tchar.h>

#define RECORD_MAGIC 0x53484D52 /* 'SHMR' */
#define EXIT_READ_FAILED 2
#define EXIT_BAD_RECORD 3
#define EXIT_WRITE_ALLOWED 4

typedef struct _SHARED_RECORD {
	DWORD dwMagic;
	DWORD dwWriterPid;
	LONG lUpdates;
	LONGLONG llTotal;
	TCHAR szName[32];
} SHARED_RECORD, *PSHARED_RECORD;

TCHAR szMapName[] = TEXT("Local\\StructShareRecord");

static int RunChild(void)
{
	HANDLE hMap;
	const SHARED_RECORD *pRec;
	LPVOID pWrite;
	DWORD dwErr;
	LONGLONG llExpect = 0;
	LONG i;

	/* Read access is all this process asks for. */
	hMap = OpenFileMapping(FILE_MAP_READ, FALSE, szMapName);
	if (hMap == NULL) {
		_tprintf(TEXT("child: OpenFileMapping failed (%lu)\n"),
		         (unsigned long)GetLastError());
		return EXIT_READ_FAILED;
	}
	pRec = (const SHARED_RECORD *)MapViewOfFile(hMap, FILE_MAP_READ, 0, 0,
	                                            sizeof(SHARED_RECORD));
	if (pRec == NULL) {
		_tprintf(TEXT("child: MapViewOfFile(FILE_MAP_READ) failed (%lu)\n"),
		         (unsigned long)GetLastError());
		CloseHandle(hMap);
		return EXIT_READ_FAILED;
	}

	_tprintf(TEXT("child: record from pid %lu: name=\"%s\" updates=%ld total=%I64d\n"),
	         (unsigned long)pRec->dwWriterPid, pRec->szName,
	         (long)pRec->lUpdates, pRec->llTotal);
	for (i = 1; i <= pRec->lUpdates; i++)
		llExpect += i * 1000;
	if (pRec->dwMagic != RECORD_MAGIC || pRec->llTotal != llExpect) {
		_tprintf(TEXT("child: the record is not what the parent wrote\n"));
		UnmapViewOfFile(pRec);
		CloseHandle(hMap);
		return EXIT_BAD_RECORD;
	}

	/* A FILE_MAP_READ handle cannot give a writable view. */
	pWrite = MapViewOfFile(hMap, FILE_MAP_WRITE, 0, 0, sizeof(SHARED_RECORD));
	dwErr = GetLastError();
	UnmapViewOfFile(pRec);
	if (pWrite != NULL) {
		_tprintf(TEXT("child: a FILE_MAP_WRITE view was granted\n"));
		UnmapViewOfFile(pWrite);
		CloseHandle(hMap);
		return EXIT_WRITE_ALLOWED;
	}
	_tprintf(TEXT("child: FILE_MAP_WRITE view refused, error %lu%s\n"),
	         (unsigned long)dwErr,
	         dwErr == ERROR_ACCESS_DENIED ? TEXT(" (ERROR_ACCESS_DENIED)")
	                                      : TEXT(""));
	CloseHandle(hMap);
	return dwErr == ERROR_ACCESS_DENIED ? 0 : EXIT_WRITE_ALLOWED;
}

static int RunParent(LPCTSTR lpSelf)
{
	HANDLE hMap;
	PSHARED_RECORD pRec;
	TCHAR szCmd[MAX_PATH + 32];
	STARTUPINFO si;
	PROCESS_INFORMATION pi;
	DWORD dwExitCode = 0;
	LONG i;

	hMap = CreateFileMapping(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
	                         sizeof(SHARED_RECORD), szMapName);
	if (hMap == NULL) {
		_tprintf(TEXT("parent: CreateFileMapping failed (%lu)\n"),
		         (unsigned long)GetLastError());
		return 1;
	}
	pRec = (PSHARED_RECORD)MapViewOfFile(hMap, FILE_MAP_ALL_ACCESS, 0, 0,
	                                     sizeof(SHARED_RECORD));
	if (pRec == NULL) {
		_tprintf(TEXT("parent: MapViewOfFile failed (%lu)\n"),
		         (unsigned long)GetLastError());
		CloseHandle(hMap);
		return 1;
	}

	pRec->dwMagic = RECORD_MAGIC;
	pRec->dwWriterPid = GetCurrentProcessId();
	_tcscpy(pRec->szName, TEXT("sensor-7"));
	for (i = 1; i <= 5; i++) {
		pRec->lUpdates = i;
		pRec->llTotal += i * 1000;
	}
	_tprintf(TEXT("parent: wrote record name=\"%s\" updates=%ld total=%I64d\n"),
	         pRec->szName, (long)pRec->lUpdates, pRec->llTotal);

	_sntprintf(szCmd, sizeof(szCmd) / sizeof(szCmd[0]), TEXT("\"%s\" child"),
	           lpSelf);
	ZeroMemory(&si, sizeof(si));
	si.cb = sizeof(si);
	ZeroMemory(&pi, sizeof(pi));
	fflush(stdout);
	if (!CreateProcess(NULL, szCmd, NULL, NULL, FALSE, 0, NULL, NULL, &si,
	                   &pi)) {
		_tprintf(TEXT("parent: CreateProcess failed (%lu)\n"),
		         (unsigned long)GetLastError());
		UnmapViewOfFile(pRec);
		CloseHandle(hMap);
		return 1;
	}
	WaitForSingleObject(pi.hProcess, INFINITE);
	GetExitCodeProcess(pi.hProcess, &dwExitCode);
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	_tprintf(TEXT("parent: child exited with code %lu\n"),
	         (unsigned long)dwExitCode);

	UnmapViewOfFile(pRec);
	CloseHandle(hMap);
	return dwExitCode == 0 ? 0 : 1;
}

int _tmain(int argc, TCHAR *argv[])
{
	if (argc > 1 && _tcscmp(argv[1], TEXT("child")) == 0)
		return RunChild();
	return RunParent(argv[0]);
}
