/* SPDX-License-Identifier: MIT */
/*
 * single_instance: the classic "is another copy of me running?" check.
 * CreateMutex on a name: if GetLastError() then says ERROR_ALREADY_EXISTS,
 * another instance holds the name. The first instance starts a second copy
 * of itself, which finds the mutex, says so and exits with code 1; then it
 * closes its mutex and starts a third copy, which finds no other instance
 * (the name went away with the last handle) and exits with code 0.
 *
 *   single_instance          the first instance
 *   single_instance /child   an instance that starts no others
 *
 * Plain Win32 code: it builds unchanged as C or C++, ANSI or UNICODE.
 */
#include <windows.h>
#include <stdio.h>
#include <tchar.h>

TCHAR szMutexName[] = TEXT("Local\\SingleInstanceDemo.{6F1C2A7E-55B1-4C52-9D0F-1E3B7A9C4D21}");

/* Runs a copy of this program with /child; returns its exit code. */
static DWORD RunAnotherInstance(LPCTSTR lpSelf)
{
	TCHAR szCmd[MAX_PATH + 32];
	STARTUPINFO si;
	PROCESS_INFORMATION pi;
	DWORD dwExitCode = 0xFFFFFFFF;

	_sntprintf(szCmd, sizeof(szCmd) / sizeof(szCmd[0]), TEXT("\"%s\" /child"),
	           lpSelf);
	ZeroMemory(&si, sizeof(si));
	si.cb = sizeof(si);
	ZeroMemory(&pi, sizeof(pi));
	fflush(stdout);
	if (!CreateProcess(NULL, szCmd, NULL, NULL, FALSE, 0, NULL, NULL, &si,
	                   &pi)) {
		_tprintf(TEXT("CreateProcess failed (%lu)\n"),
		         (unsigned long)GetLastError());
		return dwExitCode;
	}
	WaitForSingleObject(pi.hProcess, INFINITE);
	GetExitCodeProcess(pi.hProcess, &dwExitCode);
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	return dwExitCode;
}

int _tmain(int argc, TCHAR *argv[])
{
	BOOL bChild = argc > 1 && _tcscmp(argv[1], TEXT("/child")) == 0;
	DWORD dwPid = GetCurrentProcessId();
	DWORD dwCode;
	HANDLE hMutex;
	int ret = 0;

	hMutex = CreateMutex(NULL, FALSE, szMutexName);
	if (hMutex == NULL) {
		_tprintf(TEXT("[%lu] CreateMutex failed (%lu)\n"), (unsigned long)dwPid,
		         (unsigned long)GetLastError());
		return 2;
	}
	if (GetLastError() == ERROR_ALREADY_EXISTS) {
		_tprintf(TEXT("[%lu] Another instance is already running. Exiting.\n"),
		         (unsigned long)dwPid);
		CloseHandle(hMutex);
		return 1;
	}
	_tprintf(TEXT("[%lu] No other instance is running: this is the only one.\n"),
	         (unsigned long)dwPid);
	if (bChild) {
		CloseHandle(hMutex);
		return 0;
	}

	/* While we hold the mutex, a second instance must give up. */
	dwCode = RunAnotherInstance(argv[0]);
	_tprintf(TEXT("[%lu] Second instance exited with code %lu: %s\n"),
	         (unsigned long)dwPid, (unsigned long)dwCode,
	         dwCode == 1 ? TEXT("it saw this instance running")
	                     : TEXT("UNEXPECTED"));
	if (dwCode != 1)
		ret = 1;

	/* Once our handle is closed the name is gone: a new instance runs. */
	CloseHandle(hMutex);
	dwCode = RunAnotherInstance(argv[0]);
	_tprintf(TEXT("[%lu] After closing the mutex, a new instance exited with code %lu: %s\n"),
	         (unsigned long)dwPid, (unsigned long)dwCode,
	         dwCode == 0 ? TEXT("it ran as the only instance")
	                     : TEXT("UNEXPECTED"));
	if (dwCode != 0)
		ret = 1;
	return ret;
}
