/* SPDX-License-Identifier: MIT */
/*
 * event_parent: the parent of a common pattern from articles on Windows
 * shared memory, written as Visual Studio projects write it: it includes
 * <Windows.h> with a capital W, creates a named mapping and two named
 * auto-reset events, and starts the child by its application name alone,
 * "../Debug/Process2.exe", with an empty command line (Windows starts the
 * program with an empty command line; Linux programs have no .exe, so the
 * file Process2 runs). It writes a message into the view, sets the first
 * event, waits for the child's reply on the second, and reads it from the
 * view.
 *
 * Run it from a directory next to Debug/, where event_child is installed
 * as Debug/Process2 (the tests do so).
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
	STARTUPINFO si;
	PROCESS_INFORMATION pi;
	TCHAR szPath[MAX_PATH] = TEXT("");
	DWORD dwExit = 0;

	hMapFile = CreateFileMapping(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
	                             0, BUF_SIZE, szMapName);
	if (hMapFile == NULL) {
		_tprintf(TEXT("Process1: CreateFileMapping failed (%lu).\n"), GetLastError());
		return 1;
	}
	pBuf = (LPTSTR)MapViewOfFile(hMapFile, FILE_MAP_ALL_ACCESS, 0, 0, BUF_SIZE);
	if (pBuf == NULL) {
		_tprintf(TEXT("Process1: MapViewOfFile failed (%lu).\n"), GetLastError());
		CloseHandle(hMapFile);
		return 1;
	}
	hRequest = CreateEvent(NULL, FALSE, FALSE, szRequestEvent);
	hReply = CreateEvent(NULL, FALSE, FALSE, szReplyEvent);
	if (hRequest == NULL || hReply == NULL) {
		_tprintf(TEXT("Process1: CreateEvent failed (%lu).\n"), GetLastError());
		return 1;
	}

	ZeroMemory(&si, sizeof(si));
	si.cb = sizeof(si);
	ZeroMemory(&pi, sizeof(pi));
	if (!CreateProcess(TEXT("../Debug/Process2.exe"), szPath, NULL, NULL,
	                   FALSE, 0, NULL, NULL, &si, &pi)) {
		_tprintf(TEXT("Process1: CreateProcess failed (%lu).\n"), GetLastError());
		return 1;
	}
	_tprintf(TEXT("Process1: started Process2 with an empty command line.\n"));

	CopyMemory(pBuf, TEXT("Hello from Process1"), 20 * sizeof(TCHAR));
	SetEvent(hRequest);

	if (WaitForSingleObject(hReply, TIMEOUT_MS) != WAIT_OBJECT_0) {
		_tprintf(TEXT("Process1: no reply from Process2.\n"));
		TerminateProcess(pi.hProcess, 1);
		return 1;
	}
	_tprintf(TEXT("Process1: reply: %s\n"), pBuf);

	WaitForSingleObject(pi.hProcess, INFINITE);
	GetExitCodeProcess(pi.hProcess, &dwExit);
	_tprintf(TEXT("Process1: Process2 exited with code %lu.\n"), dwExit);

	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	CloseHandle(hReply);
	CloseHandle(hRequest);
	UnmapViewOfFile(pBuf);
	CloseHandle(hMapFile);
	return dwExit == 0 ? 0 : 1;
}
