/* SPDX-License-Identifier: MIT */
/*
 * named_reader: the second process of MSDN's "Creating Named Shared Memory".
 * It opens the file mapping named_writer created, prints the message in it
 * and sets the event "Local\MyReaderDone" so the writer knows.
 *
 * Plain Win32 code: it builds unchanged as C or C++, ANSI or UNICODE.
 */
#include <Windows.h>
#include <stdio.h>
#include <tchar.h>

#define BUF_SIZE 256

TCHAR szName[] = TEXT("Local\\MyFileMappingObject");
TCHAR szDoneName[] = TEXT("Local\\MyReaderDone");

int _tmain(void)
{
	HANDLE hMapFile;
	HANDLE hDone;
	LPCTSTR pBuf;

	hMapFile = OpenFileMapping(FILE_MAP_ALL_ACCESS, /* read/write access */
	                           FALSE,               /* do not inherit the name */
	                           szName);             /* name of mapping object */
	if (hMapFile == NULL) {
		_tprintf(TEXT("Could not open file mapping object (%d).\n"),
		         (int)GetLastError());
		return 1;
	}

	pBuf = (LPTSTR)MapViewOfFile(hMapFile,            /* handle to map object */
	                             FILE_MAP_ALL_ACCESS, /* read/write permission */
	                             0, 0, BUF_SIZE);
	if (pBuf == NULL) {
		_tprintf(TEXT("Could not map view of file (%d).\n"),
		         (int)GetLastError());
		CloseHandle(hMapFile);
		return 1;
	}

	_tprintf(TEXT("Reader: "));
	_tprintf(TEXT("%s\n"), pBuf);
	fflush(stdout);

	hDone = OpenEvent(EVENT_MODIFY_STATE, FALSE, szDoneName);
	if (hDone == NULL || !SetEvent(hDone)) {
		_tprintf(TEXT("Could not signal %s (%d).\n"), szDoneName,
		         (int)GetLastError());
		UnmapViewOfFile(pBuf);
		CloseHandle(hMapFile);
		return 1;
	}

	CloseHandle(hDone);
	UnmapViewOfFile(pBuf);
	CloseHandle(hMapFile);
	return 0;
}
