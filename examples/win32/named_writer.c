/* SPDX-License-Identifier: MIT */
/*
 * named_writer: the first process of MSDN's "Creating Named Shared Memory".
 * It creates the named file mapping "Local\MyFileMappingObject", copies a
 * message into a view of it and waits for the reader (named_reader) to say,
 * through the named event "Local\MyReaderDone", that it has read it.
 *
 *   named_writer          starts named_reader (from its own directory) itself
 *   named_writer /wait    waits for you to run named_reader from another console
 *
 * Plain Win32 code: it builds unchanged as C or C++, ANSI or UNICODE.
 */
#include <windows.h>
#include <stdio.h>
#include <tchar.h>

#define BUF_SIZE 256
#define READER_TIMEOUT 30000 /* ms */

TCHAR szName[] = TEXT("Local\\MyFileMappingObject");
TCHAR szDoneName[] = TEXT("Local\\MyReaderDone");
TCHAR szMsg[] = TEXT("Message from first process.");

/* Starts named_reader from the directory this program was started from. */
static BOOL StartReader(LPCTSTR lpSelf, PROCESS_INFORMATION *ppi)
{
	TCHAR szCmd[MAX_PATH + 32];
	STARTUPINFO si;
	size_t nDir = 0;
	size_t i;

	/* Everything up to and including the last path separator. */
	for (i = 0; lpSelf[i] != 0; i++)
		if (lpSelf[i] == TEXT('\\') || lpSelf[i] == TEXT('/'))
			nDir = i + 1;
	if (nDir + 16 >= MAX_PATH) {
		_tprintf(TEXT("Path of this program is too long.\n"));
		return FALSE;
	}
	szCmd[0] = TEXT('"');
	CopyMemory(szCmd + 1, lpSelf, nDir * sizeof(TCHAR));
	_tcscpy(szCmd + 1 + nDir, TEXT("named_reader\""));

	ZeroMemory(&si, sizeof(si));
	si.cb = sizeof(si);
	ZeroMemory(ppi, sizeof(*ppi));
	if (!CreateProcess(NULL, szCmd, NULL, NULL, FALSE, 0, NULL, NULL, &si,
	                   ppi)) {
		_tprintf(TEXT("CreateProcess failed (%d): %s\n"),
		         (int)GetLastError(), szCmd);
		return FALSE;
	}
	_tprintf(TEXT("Started the reader: %s (pid %lu).\n"), szCmd,
	         (unsigned long)ppi->dwProcessId);
	return TRUE;
}

int _tmain(int argc, TCHAR *argv[])
{
	HANDLE hMapFile;
	HANDLE hDone;
	LPTSTR pBuf;
	PROCESS_INFORMATION pi;
	BOOL bSpawn = !(argc > 1 && _tcscmp(argv[1], TEXT("/wait")) == 0);
	DWORD dwWait;
	DWORD dwExitCode = 0;
	int ret = 0;

	/* Created before the message exists, so the reader can always open it. */
	hDone = CreateEvent(NULL, FALSE, FALSE, szDoneName);
	if (hDone == NULL) {
		_tprintf(TEXT("Could not create event object (%d).\n"),
		         (int)GetLastError());
		return 1;
	}

	hMapFile = CreateFileMapping(
	        INVALID_HANDLE_VALUE, /* use paging file */
	        NULL,                 /* default security */
	        PAGE_READWRITE,       /* read/write access */
	        0,                    /* maximum object size (high-order DWORD) */
	        BUF_SIZE,             /* maximum object size (low-order DWORD) */
	        szName);              /* name of mapping object */
	if (hMapFile == NULL) {
		_tprintf(TEXT("Could not create file mapping object (%d).\n"),
		         (int)GetLastError());
		CloseHandle(hDone);
		return 1;
	}

	pBuf = (LPTSTR)MapViewOfFile(hMapFile,            /* handle to map object */
	                             FILE_MAP_ALL_ACCESS, /* read/write permission */
	                             0, 0, BUF_SIZE);
	if (pBuf == NULL) {
		_tprintf(TEXT("Could not map view of file (%d).\n"),
		         (int)GetLastError());
		CloseHandle(hMapFile);
		CloseHandle(hDone);
		return 1;
	}

	CopyMemory((PVOID)pBuf, szMsg, (_tcslen(szMsg) * sizeof(TCHAR)));
	_tprintf(TEXT("Writer: wrote \"%s\" into %s.\n"), szMsg, szName);

	if (bSpawn) {
		fflush(stdout);
		if (!StartReader(argv[0], &pi)) {
			UnmapViewOfFile(pBuf);
			CloseHandle(hMapFile);
			CloseHandle(hDone);
			return 1;
		}
	} else {
		_tprintf(TEXT("Waiting for named_reader (up to %d seconds)...\n"),
		         READER_TIMEOUT / 1000);
	}
	fflush(stdout);

	dwWait = WaitForSingleObject(hDone, READER_TIMEOUT);
	if (dwWait == WAIT_OBJECT_0) {
		_tprintf(TEXT("Writer: the reader has read the message.\n"));
	} else {
		_tprintf(TEXT("Writer: the reader did not answer (wait result %lu).\n"),
		         (unsigned long)dwWait);
		ret = 1;
	}

	if (bSpawn) {
		WaitForSingleObject(pi.hProcess, INFINITE);
		GetExitCodeProcess(pi.hProcess, &dwExitCode);
		_tprintf(TEXT("Writer: the reader exited with code %lu.\n"),
		         (unsigned long)dwExitCode);
		if (dwExitCode != 0)
			ret = 1;
		CloseHandle(pi.hProcess);
		CloseHandle(pi.hThread);
	}

	UnmapViewOfFile(pBuf);
	CloseHandle(hMapFile);
	CloseHandle(hDone);
	return ret;
}
