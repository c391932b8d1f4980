/* SPDX-License-Identifier: MIT */
/*
 * event_child: the child of event_parent (installed as Debug/Process2). It
 * opens the parent's named mapping and events, waits for the request,
 * shows it, writes its reply into the same view and sets the reply event.
 * Run alone, it finds no mapping and exits with ERROR_FILE_NOT_FOUND's
 * code, 2.
 */
#include <Windows.h>
#include <stdio.h>
#include <tchar.h>

#define BUF_SIZE 256
#define TIMEOUT_MS 10000

TCHAR szMapName[] = TEXT("SharedMemoryDemo");
TCHAR szRequestEvent[] = TEXT("SharedMemoryDemoRequest");
TCHAR szReplyEvent[] = TEXT("SharedMemoryDemoReply");

int _tmain()
{
	HANDLE hMapFile, hRequest, hReply;
	LPTSTR pBuf;

	hMapFile = OpenFileMapping(FILE_MAP_ALL_ACCESS, FALSE, szMapName);
	if (hMapFile == NULL) {
		DWORD dwErr = GetLastError();
		_tprintf(TEXT("Process2: OpenFileMapping failed (%lu).\n"), dwErr);
		return (int)dwErr;
	}
	pBuf = (LPTSTR)MapViewOfFile(hMapFile, FILE_MAP_ALL_ACCESS, 0, 0, BUF_SIZE);
	hRequest = OpenEvent(SYNCHRONIZE, FALSE, szRequestEvent);
	hReply = OpenEvent(EVENT_MODIFY_STATE, FALSE, szReplyEvent);
	if (pBuf == NULL || hRequest == NULL || hReply == NULL) {
		_tprintf(TEXT("Process2: setup failed (%lu).\n"), GetLastError());
		return 1;
	}

	if (WaitForSingleObject(hRequest, TIMEOUT_MS) != WAIT_OBJECT_0) {
		_tprintf(TEXT("Process2: no request.\n"));
		return 1;
	}
	_tprintf(TEXT("Process2: request: %s\n"), pBuf);
	CopyMemory(pBuf, TEXT("Hello from Process2"), 20 * sizeof(TCHAR));
	SetEvent(hReply);

	CloseHandle(hReply);
	CloseHandle(hRequest);
	UnmapViewOfFile(pBuf);
	CloseHandle(hMapFile);
	return 0;
}
