/* SPDX-License-Identifier: MIT */
// The Win32 thread calls, Interlocked operations and critical sections
// compile as C++ (as Windows programs written in C++ use them) and work.
#include <windows.h>

#include <cstdio>

static LONG g_n;
static CRITICAL_SECTION g_cs;

static DWORD WINAPI worker(LPVOID p)
{
	LONG *local = static_cast<LONG *>(p);
	for (int i = 0; i < 1000; i++) {
		InterlockedIncrement(&g_n);
		EnterCriticalSection(&g_cs);
		++*local;
		LeaveCriticalSection(&g_cs);
	}
	return 3;
}

int main()
{
	LONG local = 0;
	LONGLONG q = 0;
	PVOID pv = nullptr;
	HANDLE h[2];
	DWORD tid = 0, code = 0;
	InitializeCriticalSection(&g_cs);
	LPTHREAD_START_ROUTINE fn = worker;
	for (HANDLE &t : h)
		t = CreateThread(nullptr, 0, fn, &local, 0, &tid);
	if (!h[0] || !h[1] ||
	    WaitForMultipleObjects(2, h, TRUE, 10000) != WAIT_OBJECT_0 ||
	    !GetExitCodeThread(h[0], &code) || code != 3)
		return 1;
	CloseHandle(h[0]);
	CloseHandle(h[1]);
	DeleteCriticalSection(&g_cs);
	InterlockedCompareExchange64(&q, 5, 0);
	InterlockedExchangePointer(&pv, &local);
	LARGE_INTEGER f;
	QueryPerformanceFrequency(&f);
	if (g_n != 2000 || local != 2000 || q != 5 || pv != &local ||
	    f.QuadPart != 10000000 || GetTickCount64() == 0 || tid == 0)
		return 1;
	std::printf("c++ threads: ok\n");
	return 0;
}
