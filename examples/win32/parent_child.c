/* SPDX-License-Identifier: MIT */
/*
 * parent_child: handle inheritance. The parent creates an unnamed file
 * mapping and two auto-reset events, all inheritable, and starts a second
 * copy of itself with bInheritHandles = TRUE, passing the handle values on
 * the command line. The child finds the same handles at the same values,
 * waits for the request event, reads the request from the mapping, writes
 * its reply there and sets the reply event. Its exit code is the length of
 * the request it read, which the parent checks.
 *
 *   parent_child                         the parent
 *   parent_child child <map> <req> <rep> the child (started by the parent)
 *
 * Plain Win32 code: it builds unchanged as C or C++, ANSI or UNICODE.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <tchar.h>

#define TIMEOUT_MS 10000

typedef struct _MAILBOX {
	TCHAR szRequest[128];
	TCHAR szReply[128];
} MAILBOX, *PMAILBOX;

static HANDLE HandleFromArg(LPCTSTR lpArg)
{
	return (HANDLE)(ULONG_PTR)_tcstoul(lpArg, NULL, 10);
}

static int RunChild(HANDLE hMap, HANDLE hRequest, HANDLE hReply)
{
	PMAILBOX pBox;
	DWORD dwLen;

	_tprintf(TEXT("child: inherited mapping %Iu, events %Iu and %Iu\n"),
	         (ULONG_PTR)hMap, (ULONG_PTR)hRequest, (ULONG_PTR)hReply);
	if (WaitForSingleObject(hRequest, TIMEOUT_MS) != WAIT_OBJECT_0) {
		_tprintf(TEXT("child: no request (%lu)\n"),
		         (unsigned long)GetLastError());
		return 255;
	}
	pBox = (PMAILBOX)MapViewOfFile(hMap, FILE_MAP_ALL_ACCESS, 0, 0,
	                               sizeof(MAILBOX));
	if (pBox == NULL) {
		_tprintf(TEXT("child: MapViewOfFile failed (%lu)\n"),
		         (unsigned long)GetLastError());
		return 255;
	}
	_tprintf(TEXT("child: request: \"%s\"\n"), pBox->szRequest);
	dwLen = (DWORD)_tcslen(pBox->szRequest);
	_sntprintf(pBox->szReply, sizeof(pBox->szReply) / sizeof(TCHAR),
	           TEXT("pong from child %lu"),
	           (unsigned long)GetCurrentProcessId());
	fflush(stdout);
	UnmapViewOfFile(pBox);
	if (!SetEvent(hReply)) {
		_tprintf(TEXT("child: SetEvent failed (%lu)\n"),
		         (unsigned long)GetLastError());
		return 255;
	}
	CloseHandle(hMap);
	CloseHandle(hRequest);
	CloseHandle(hReply);
	return (int)dwLen;
}

static int RunParent(LPCTSTR lpSelf)
{
	SECURITY_ATTRIBUTES sa;
	HANDLE hMap, hRequest, hReply;
	PMAILBOX pBox;
	TCHAR szCmd[MAX_PATH + 96];
	STARTUPINFO si;
	PROCESS_INFORMATION pi;
	DWORD dwExitCode = 0, dwLen;
	int ret = 0;

	sa.nLength = sizeof(sa);
	sa.lpSecurityDescriptor = NULL;
	sa.bInheritHandle = TRUE;

	hMap = CreateFileMapping(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0,
	                         sizeof(MAILBOX), NULL);
	hRequest = CreateEvent(&sa, FALSE, FALSE, NULL);
	hReply = CreateEvent(&sa, FALSE, FALSE, NULL);
	if (hMap == NULL || hRequest == NULL || hReply == NULL) {
		_tprintf(TEXT("parent: could not create the objects (%lu)\n"),
		         (unsigned long)GetLastError());
		return 1;
	}

	_sntprintf(szCmd, sizeof(szCmd) / sizeof(szCmd[0]),
	           TEXT("\"%s\" child %Iu %Iu %Iu"), lpSelf, (ULONG_PTR)hMap,
	           (ULONG_PTR)hRequest, (ULONG_PTR)hReply);
	ZeroMemory(&si, sizeof(si));
	si.cb = sizeof(si);
	ZeroMemory(&pi, sizeof(pi));
	_tprintf(TEXT("parent: starting %s\n"), szCmd);
	fflush(stdout);
	if (!CreateProcess(NULL, szCmd, NULL, NULL, TRUE /* inherit handles */, 0,
	                   NULL, NULL, &si, &pi)) {
		_tprintf(TEXT("parent: CreateProcess failed (%lu)\n"),
		         (unsigned long)GetLastError());
		return 1;
	}

	/* The child is already running: now write the request and wake it. */
	pBox = (PMAILBOX)MapViewOfFile(hMap, FILE_MAP_ALL_ACCESS, 0, 0,
	                               sizeof(MAILBOX));
	if (pBox == NULL) {
		_tprintf(TEXT("parent: MapViewOfFile failed (%lu)\n"),
		         (unsigned long)GetLastError());
		TerminateProcess(pi.hProcess, 1);
		return 1;
	}
	_tcscpy(pBox->szRequest, TEXT("ping from the parent"));
	dwLen = (DWORD)_tcslen(pBox->szRequest);
	SetEvent(hRequest);

	if (WaitForSingleObject(hReply, TIMEOUT_MS) == WAIT_OBJECT_0) {
		_tprintf(TEXT("parent: reply: \"%s\"\n"), pBox->szReply);
	} else {
		_tprintf(TEXT("parent: no reply from the child\n"));
		ret = 1;
	}

	WaitForSingleObject(pi.hProcess, INFINITE);
	GetExitCodeProcess(pi.hProcess, &dwExitCode);
	_tprintf(TEXT("parent: child exit code %lu (request length %lu): %s\n"),
	         (unsigned long)dwExitCode, (unsigned long)dwLen,
	         dwExitCode == dwLen ? TEXT("ok") : TEXT("WRONG"));
	if (dwExitCode != dwLen)
		ret = 1;

	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	UnmapViewOfFile(pBox);
	CloseHandle(hMap);
	CloseHandle(hRequest);
	CloseHandle(hReply);
	return ret;
}

int _tmain(int argc, TCHAR *argv[])
{
	if (argc == 5 && _tcscmp(argv[1], TEXT("child")) == 0)
		return RunChild(HandleFromArg(argv[2]), HandleFromArg(argv[3]),
		                HandleFromArg(argv[4]));
	return RunParent(argv[0]);
}
