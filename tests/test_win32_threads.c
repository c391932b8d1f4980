/* SPDX-License-Identifier: MIT */
/*
 * Win32 threads: CreateThread, exit codes, waits on thread handles,
 * suspended starts, thread IDs, a mutex abandoned by an ending thread,
 * Interlocked operations, critical sections and the clocks.
 */
#include <errno.h>
#include <pthread.h>

#include "harness.h"
#include <process.h>
#include <windows.h>

#define NTHR 4
#define ITERS 20000

static LONG g_count;
static LONGLONG g_count64;
static LONG g_plain;
static CRITICAL_SECTION g_cs;

static DWORD WINAPI bump(LPVOID arg)
{
	(void)arg;
	for (int i = 0; i < ITERS; i++) {
		InterlockedIncrement(&g_count);
		InterlockedExchangeAdd64(&g_count64, 2);
		EnterCriticalSection(&g_cs);
		EnterCriticalSection(&g_cs); /* recursive */
		g_plain++;
		LeaveCriticalSection(&g_cs);
		LeaveCriticalSection(&g_cs);
	}
	return 7;
}

/* Threads counting with Interlocked* and a critical section; the handles
 * waited for all at once; exit codes. */
static void counting(void)
{
	HANDLE h[NTHR];
	InitializeCriticalSectionAndSpinCount(&g_cs, 100);
	for (int i = 0; i < NTHR; i++) {
		h[i] = CreateThread(NULL, 0, bump, NULL, 0, NULL);
		T_ASSERT(h[i] != NULL);
	}
	T_EQ(WaitForMultipleObjects(NTHR, h, TRUE, 10000), WAIT_OBJECT_0);
	T_EQ(g_count, NTHR * ITERS);
	T_EQ(g_count64, 2LL * NTHR * ITERS);
	T_EQ(g_plain, NTHR * ITERS);
	for (int i = 0; i < NTHR; i++) {
		DWORD code = 0;
		T_ASSERT(GetExitCodeThread(h[i], &code));
		T_EQ(code, 7);
		T_ASSERT(CloseHandle(h[i]));
	}
	DeleteCriticalSection(&g_cs);
}

static DWORD WINAPI wait_event(LPVOID arg)
{
	WaitForSingleObject((HANDLE)arg, INFINITE);
	return 42;
}

static DWORD WINAPI exit_early(LPVOID arg)
{
	(void)arg;
	ExitThread(5);
	return 6; /* never reached */
}

/* STILL_ACTIVE while running; a wait-any mixing a thread handle with an
 * unsignalled event returns the thread's index; ExitThread's code. */
static void exit_codes(void)
{
	HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
	T_ASSERT(ev != NULL);
	HANDLE t = CreateThread(NULL, 0, wait_event, ev, 0, NULL);
	T_ASSERT(t != NULL);
	DWORD code = 0;
	T_ASSERT(GetExitCodeThread(t, &code));
	T_EQ(code, STILL_ACTIVE);
	T_EQ(WaitForSingleObject(t, 50), WAIT_TIMEOUT);
	HANDLE e = CreateThread(NULL, 0, exit_early, NULL, 0, NULL);
	T_ASSERT(e != NULL);
	HANDLE both[3] = {ev, t, e};
	T_EQ(WaitForMultipleObjects(3, both, FALSE, 5000), WAIT_OBJECT_0 + 2);
	T_ASSERT(GetExitCodeThread(e, &code));
	T_EQ(code, 5);
	/* A signalled thread stays signalled. */
	T_EQ(WaitForSingleObject(e, 0), WAIT_OBJECT_0);
	T_ASSERT(SetEvent(ev));
	T_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
	T_ASSERT(GetExitCodeThread(t, &code));
	T_EQ(code, 42);
	T_EQ(WaitForMultipleObjects(3, both, TRUE, 0), WAIT_OBJECT_0);
	T_ASSERT(GetExitCodeThread(GetCurrentThread(), &code));
	T_EQ(code, STILL_ACTIVE);
	T_ASSERT(CloseHandle(GetCurrentThread()));
	T_ASSERT(CloseHandle(t));
	T_ASSERT(CloseHandle(e));
	T_ASSERT(CloseHandle(ev));
	/* A thread handle is not an event. */
	SetLastError(0);
	T_ASSERT(!GetExitCodeThread(ev, &code));
	T_EQ(GetLastError(), ERROR_INVALID_HANDLE);
}

static DWORD g_ids[NTHR];

static DWORD WINAPI record_id(LPVOID arg)
{
	g_ids[(intptr_t)arg] = GetCurrentThreadId();
	return 0;
}

/* Thread IDs: distinct, the creator's lpThreadId and GetThreadId agree
 * with the thread's own GetCurrentThreadId. */
static void thread_ids(void)
{
	HANDLE h[NTHR];
	DWORD tid[NTHR];
	for (intptr_t i = 0; i < NTHR; i++) {
		h[i] = CreateThread(NULL, 64 * 1024, record_id, (LPVOID)i, 0,
		                    &tid[i]);
		T_ASSERT(h[i] != NULL);
	}
	T_EQ(WaitForMultipleObjects(NTHR, h, TRUE, 5000), WAIT_OBJECT_0);
	for (int i = 0; i < NTHR; i++) {
		T_EQ(g_ids[i], tid[i]);
		T_EQ(GetThreadId(h[i]), tid[i]);
		T_ASSERT(tid[i] != GetCurrentThreadId());
		for (int j = 0; j < i; j++)
			T_ASSERT(tid[i] != tid[j]);
		T_ASSERT(CloseHandle(h[i]));
	}
	T_EQ(GetThreadId(GetCurrentThread()), GetCurrentThreadId());
	T_EQ(GetCurrentThreadId(), (DWORD)getpid());
}

static LONG g_ran;

static DWORD WINAPI mark(LPVOID arg)
{
	(void)arg;
	InterlockedExchange(&g_ran, 1);
	return 3;
}

/* CREATE_SUSPENDED: nothing runs until ResumeThread; unknown flags and a
 * NULL routine are refused. */
static void suspended(void)
{
	DWORD tid = 0;
	HANDLE h = CreateThread(NULL, 0, mark, NULL, CREATE_SUSPENDED, &tid);
	T_ASSERT(h != NULL);
	T_ASSERT(tid != 0);
	T_EQ(WaitForSingleObject(h, 100), WAIT_TIMEOUT);
	T_EQ(InterlockedCompareExchange(&g_ran, 0, 0), 0);
	T_EQ(ResumeThread(h), 1);
	T_EQ(WaitForSingleObject(h, 5000), WAIT_OBJECT_0);
	T_EQ(g_ran, 1);
	T_EQ(ResumeThread(h), 0);
	T_ASSERT(CloseHandle(h));
	SetLastError(0);
	T_ASSERT(CreateThread(NULL, 0, mark, NULL, 0x1000, NULL) == NULL);
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
	SetLastError(0);
	T_ASSERT(CreateThread(NULL, 0, NULL, NULL, 0, NULL) == NULL);
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
}

static DWORD WINAPI detached(LPVOID arg)
{
	Sleep(50);
	SetEvent((HANDLE)arg);
	return 0;
}

/* Closing a running thread's handle leaves it running. */
static void close_running(void)
{
	HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
	HANDLE h = CreateThread(NULL, 0, detached, ev, 0, NULL);
	T_ASSERT(h != NULL);
	T_ASSERT(CloseHandle(h));
	T_EQ(WaitForSingleObject(ev, 5000), WAIT_OBJECT_0);
	T_ASSERT(CloseHandle(ev));
}

static DWORD WINAPI take_and_end(LPVOID arg)
{
	T_EQ(WaitForSingleObject((HANDLE)arg, 0), WAIT_OBJECT_0);
	return 0; /* ends owning it */
}

/* A thread that ends owning a named mutex abandons it: the next waiter
 * gets WAIT_ABANDONED and owns it. */
static void abandoned_mutex(void)
{
	HANDLE m = CreateMutexA(NULL, FALSE, "Local\\thr-abandon");
	T_ASSERT(m != NULL);
	HANDLE t = CreateThread(NULL, 0, take_and_end, m, 0, NULL);
	T_ASSERT(t != NULL);
	T_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
	T_EQ(WaitForSingleObject(m, 10000), WAIT_ABANDONED);
	T_ASSERT(ReleaseMutex(m));
	T_ASSERT(CloseHandle(t));
	T_ASSERT(CloseHandle(m));
}

static HANDLE g_dup;
static DWORD g_dup_id;

/* Duplicates the calling thread's pseudo handle into g_dup, then waits for
 * the event arg before ending. */
static DWORD WINAPI dup_self(LPVOID arg)
{
	if (!DuplicateHandle(GetCurrentProcess(), GetCurrentThread(),
	                     GetCurrentProcess(), &g_dup, 0, FALSE,
	                     DUPLICATE_SAME_ACCESS))
		return 1;
	g_dup_id = GetCurrentThreadId();
	SetEvent(((HANDLE *)arg)[0]);
	WaitForSingleObject(((HANDLE *)arg)[1], 20000);
	return 9;
}

static void *dup_self_pthread(void *arg)
{
	dup_self(arg);
	return NULL;
}

/* Waits for the thread behind g_dup: running until told, then signalled
 * with code; the duplicate is a real handle naming that thread. */
static void check_dup(HANDLE *ev, DWORD code)
{
	DWORD c = 0;
	T_EQ(WaitForSingleObject(ev[0], 5000), WAIT_OBJECT_0);
	T_ASSERT(g_dup != NULL && g_dup != GetCurrentThread());
	T_EQ(GetThreadId(g_dup), g_dup_id);
	T_ASSERT(GetExitCodeThread(g_dup, &c));
	T_EQ(c, STILL_ACTIVE);
	T_EQ(WaitForSingleObject(g_dup, 20), WAIT_TIMEOUT);
	T_ASSERT(SetEvent(ev[1]));
	T_EQ(WaitForSingleObject(g_dup, 5000), WAIT_OBJECT_0);
	T_ASSERT(GetExitCodeThread(g_dup, &c));
	T_EQ(c, code);
	T_ASSERT(CloseHandle(g_dup));
	T_ASSERT(ResetEvent(ev[0]) && ResetEvent(ev[1]));
	g_dup = NULL;
}

/* GetCurrentThread(): a thread waiting on itself times out; duplicated,
 * it is a real handle, for a CreateThread thread and for any other. */
static void pseudo_handle(void)
{
	HANDLE ev[2] = {CreateEventA(NULL, TRUE, FALSE, NULL),
	                CreateEventA(NULL, TRUE, FALSE, NULL)};
	T_ASSERT(ev[0] && ev[1]);
	T_EQ(WaitForSingleObject(GetCurrentThread(), 30), WAIT_TIMEOUT);
	HANDLE t = CreateThread(NULL, 0, dup_self, ev, 0, NULL);
	T_ASSERT(t != NULL);
	check_dup(ev, 9);
	T_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
	T_ASSERT(CloseHandle(t));
	pthread_t th;
	T_OK(pthread_create(&th, NULL, dup_self_pthread, ev));
	check_dup(ev, 0);
	T_OK(pthread_join(th, NULL));
	/* Not a mutex, so not released as one. */
	SetLastError(0);
	T_ASSERT(!ReleaseMutex(GetCurrentThread()));
	T_EQ(GetLastError(), ERROR_INVALID_HANDLE);
	T_ASSERT(CloseHandle(ev[0]) && CloseHandle(ev[1]));
}

static unsigned __stdcall crt_fn(void *arg)
{
	InterlockedIncrement((LONG *)arg);
	_endthreadex(11);
	return 12;
}

static LONG g_bt;

static void __cdecl bt_fn(void *arg)
{
	InterlockedExchange(&g_bt, (LONG)(intptr_t)arg);
	SetEvent(g_dup); /* reused as a plain event here */
}

/* _beginthreadex gives a thread handle (CreateThread's); _beginthread's
 * handle closes itself as the thread ends. */
static void crt_threads(void)
{
	LONG n = 0;
	unsigned id = 0;
	uintptr_t h = _beginthreadex(NULL, 0, crt_fn, &n, 0, &id);
	T_ASSERT(h != 0 && id != 0);
	T_EQ(WaitForSingleObject((HANDLE)h, 5000), WAIT_OBJECT_0);
	DWORD code = 0;
	T_ASSERT(GetExitCodeThread((HANDLE)h, &code));
	T_EQ(code, 11);
	T_EQ(n, 1);
	T_EQ(GetThreadId((HANDLE)h), id);
	T_ASSERT(CloseHandle((HANDLE)h));
	errno = 0;
	T_EQ(_beginthreadex(NULL, 0, NULL, NULL, 0, NULL), 0);
	T_EQ(errno, EINVAL);

	g_dup = CreateEventA(NULL, TRUE, FALSE, NULL);
	uintptr_t b = _beginthread(bt_fn, 0, (void *)(intptr_t)5);
	T_ASSERT(b != (uintptr_t)-1);
	T_EQ(WaitForSingleObject(g_dup, 5000), WAIT_OBJECT_0);
	T_EQ(g_bt, 5);
	/* Gone once the thread has ended. */
	double t0 = t_now();
	DWORD c;
	while (GetExitCodeThread((HANDLE)b, &c) && t_now() - t0 < 5)
		Sleep(1);
	T_EQ(GetLastError(), ERROR_INVALID_HANDLE);
	T_ASSERT(CloseHandle(g_dup));
	g_dup = NULL;
}

/* Interlocked return values, as Windows documents them. */
static void interlocked(void)
{
	LONG v = 5;
	T_EQ(InterlockedIncrement(&v), 6);
	T_EQ(InterlockedDecrement(&v), 5);
	T_EQ(InterlockedExchange(&v, 9), 5);
	T_EQ(InterlockedCompareExchange(&v, 1, 8), 9); /* no match */
	T_EQ(v, 9);
	T_EQ(InterlockedCompareExchange(&v, 1, 9), 9);
	T_EQ(v, 1);
	T_EQ(InterlockedExchangeAdd(&v, 4), 1);
	T_EQ(InterlockedAdd(&v, 1), 6);
	T_EQ(InterlockedAnd(&v, 4), 6);
	T_EQ(InterlockedOr(&v, 3), 4);
	T_EQ(InterlockedXor(&v, 1), 7);
	T_EQ(v, 6);
	LONGLONG w = 1LL << 40;
	T_EQ(InterlockedIncrement64(&w), (1LL << 40) + 1);
	T_EQ(InterlockedDecrement64(&w), 1LL << 40);
	T_EQ(InterlockedExchange64(&w, 3), 1LL << 40);
	T_EQ(InterlockedCompareExchange64(&w, 4, 3), 3);
	T_EQ(InterlockedAnd64(&w, 6), 4);
	T_EQ(InterlockedOr64(&w, 1), 4);
	T_EQ(InterlockedXor64(&w, 5), 5);
	T_EQ(InterlockedAdd64(&w, 10), 10);
	int a = 1, b = 2;
	PVOID p = &a;
	T_ASSERT(InterlockedExchangePointer(&p, &b) == &a);
	T_ASSERT(InterlockedCompareExchangePointer(&p, &a, &a) == &b);
	T_ASSERT(p == &b);
	T_ASSERT(InterlockedCompareExchangePointer(&p, &a, &b) == &b);
	T_ASSERT(p == &a);
	MemoryBarrier();
}

static DWORD WINAPI try_other(LPVOID arg)
{
	return TryEnterCriticalSection((LPCRITICAL_SECTION)arg) ? 1 : 0;
}

/* TryEnter: TRUE for the holder (recursively), FALSE for another thread
 * until the holder has left as often as it entered. */
static void critical_section_try(void)
{
	CRITICAL_SECTION cs;
	DWORD code = 9;
	InitializeCriticalSection(&cs);
	T_ASSERT(TryEnterCriticalSection(&cs));
	EnterCriticalSection(&cs);
	HANDLE t = CreateThread(NULL, 0, try_other, &cs, 0, NULL);
	T_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
	T_ASSERT(GetExitCodeThread(t, &code));
	T_EQ(code, 0);
	T_ASSERT(CloseHandle(t));
	LeaveCriticalSection(&cs);
	t = CreateThread(NULL, 0, try_other, &cs, 0, NULL);
	T_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
	T_ASSERT(GetExitCodeThread(t, &code));
	T_EQ(code, 0);
	T_ASSERT(CloseHandle(t));
	LeaveCriticalSection(&cs);
	t = CreateThread(NULL, 0, try_other, &cs, 0, NULL);
	T_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
	T_ASSERT(GetExitCodeThread(t, &code));
	T_EQ(code, 1); /* and it ended holding it: not ours */
	T_ASSERT(!TryEnterCriticalSection(&cs));
	T_ASSERT(CloseHandle(t));
}

/* A queue of numbers guarded by a critical section, with one condition
 * variable for "not empty" and one, statically initialized, for "not
 * full". */
#define QCAP 4
#define QITEMS 2000
static CRITICAL_SECTION g_qcs;
static CONDITION_VARIABLE g_not_empty;
static CONDITION_VARIABLE g_not_full = CONDITION_VARIABLE_INIT;
static int g_q[QCAP], g_qn, g_qhead;
static LONGLONG g_qsum;

static DWORD WINAPI q_producer(LPVOID arg)
{
	(void)arg;
	for (int i = 1; i <= QITEMS; i++) {
		EnterCriticalSection(&g_qcs);
		while (g_qn == QCAP)
			T_ASSERT(SleepConditionVariableCS(&g_not_full, &g_qcs, INFINITE));
		g_q[(g_qhead + g_qn++) % QCAP] = i;
		LeaveCriticalSection(&g_qcs);
		WakeConditionVariable(&g_not_empty);
	}
	return 0;
}

static DWORD WINAPI q_consumer(LPVOID arg)
{
	(void)arg;
	for (;;) {
		EnterCriticalSection(&g_qcs);
		while (g_qn == 0)
			T_ASSERT(SleepConditionVariableCS(&g_not_empty, &g_qcs, INFINITE));
		int v = g_q[g_qhead];
		g_qhead = (g_qhead + 1) % QCAP;
		g_qn--;
		if (v > 0)
			g_qsum += v;
		LeaveCriticalSection(&g_qcs);
		WakeConditionVariable(&g_not_full);
		if (v < 0)
			return 0; /* the end marker */
	}
}

static LONG g_cv_flag, g_cv_awake;

static DWORD WINAPI cv_sleeper(LPVOID arg)
{
	(void)arg;
	EnterCriticalSection(&g_qcs);
	InterlockedIncrement(&g_cv_awake);
	while (!g_cv_flag)
		SleepConditionVariableCS(&g_not_empty, &g_qcs, INFINITE);
	/* Woken holding the lock, entered once. */
	T_EQ(g_qcs.RecursionCount, 1);
	LeaveCriticalSection(&g_qcs);
	return 0;
}

/* SleepConditionVariableCS: FALSE and ERROR_TIMEOUT at the time limit
 * with the lock held again, a wake with nobody asleep forgotten (Wine's
 * conformance tests), WakeConditionVariable and WakeAllConditionVariable
 * moving a producer-consumer queue and a crowd of sleepers. */
static void condition_variables(void)
{
	InitializeCriticalSection(&g_qcs);
	InitializeConditionVariable(&g_not_empty);
	EnterCriticalSection(&g_qcs);
	SetLastError(0);
	DWORD t0 = GetTickCount();
	T_ASSERT(!SleepConditionVariableCS(&g_not_empty, &g_qcs, 50));
	T_EQ(GetLastError(), ERROR_TIMEOUT);
	T_ASSERT(GetTickCount() - t0 >= 40);
	HANDLE t = CreateThread(NULL, 0, try_other, &g_qcs, 0, NULL);
	DWORD code = 9;
	T_EQ(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
	T_ASSERT(GetExitCodeThread(t, &code));
	T_EQ(code, 0); /* held by us again */
	T_ASSERT(CloseHandle(t));
	WakeConditionVariable(&g_not_empty);
	WakeAllConditionVariable(&g_not_empty);
	T_ASSERT(!SleepConditionVariableCS(&g_not_empty, &g_qcs, 0));
	T_EQ(GetLastError(), ERROR_TIMEOUT);
	LeaveCriticalSection(&g_qcs);

	HANDLE th[4];
	th[0] = CreateThread(NULL, 0, q_producer, NULL, 0, NULL);
	th[1] = CreateThread(NULL, 0, q_producer, NULL, 0, NULL);
	th[2] = CreateThread(NULL, 0, q_consumer, NULL, 0, NULL);
	th[3] = CreateThread(NULL, 0, q_consumer, NULL, 0, NULL);
	T_EQ(WaitForMultipleObjects(2, th, TRUE, 20000), WAIT_OBJECT_0);
	for (int i = 0; i < 2; i++) {
		EnterCriticalSection(&g_qcs);
		while (g_qn == QCAP)
			SleepConditionVariableCS(&g_not_full, &g_qcs, INFINITE);
		g_q[(g_qhead + g_qn++) % QCAP] = -1;
		LeaveCriticalSection(&g_qcs);
		WakeConditionVariable(&g_not_empty);
	}
	T_EQ(WaitForMultipleObjects(2, th + 2, TRUE, 20000), WAIT_OBJECT_0);
	T_EQ(g_qsum, 2LL * QITEMS * (QITEMS + 1) / 2);
	for (int i = 0; i < 4; i++)
		T_ASSERT(CloseHandle(th[i]));

	for (int i = 0; i < 4; i++)
		th[i] = CreateThread(NULL, 0, cv_sleeper, NULL, 0, NULL);
	while (InterlockedCompareExchange(&g_cv_awake, 0, 0) < 4)
		Sleep(1);
	EnterCriticalSection(&g_qcs);
	g_cv_flag = 1;
	LeaveCriticalSection(&g_qcs);
	WakeAllConditionVariable(&g_not_empty);
	T_EQ(WaitForMultipleObjects(4, th, TRUE, 20000), WAIT_OBJECT_0);
	for (int i = 0; i < 4; i++)
		T_ASSERT(CloseHandle(th[i]));
	DeleteCriticalSection(&g_qcs);
}

/* The tick counts and the performance counter follow CLOCK_MONOTONIC. */
static void clocks(void)
{
	LARGE_INTEGER f, c0, c1;
	T_ASSERT(QueryPerformanceFrequency(&f));
	T_EQ(f.QuadPart, 10000000);
	ULONGLONG t0 = GetTickCount64();
	DWORD d0 = GetTickCount();
	T_ASSERT(QueryPerformanceCounter(&c0));
	Sleep(100);
	T_ASSERT(QueryPerformanceCounter(&c1));
	ULONGLONG el = GetTickCount64() - t0;
	T_ASSERT(el >= 99 && el < 2000);
	T_ASSERT((DWORD)(GetTickCount() - d0) >= 99);
	LONGLONG us = (c1.QuadPart - c0.QuadPart) * 1000000 / f.QuadPart;
	T_ASSERT(us >= 99000 && us < 2000000);
	T_EQ((DWORD)t0, (DWORD)(t0 & 0xFFFFFFFFu));
	T_ASSERT(SwitchToThread());
}

int main(void)
{
	t_setup();
	t_run("threads count with Interlocked and a critical section", counting,
	      30);
	t_run("exit codes, STILL_ACTIVE, mixed waits", exit_codes, 20);
	t_run("thread IDs", thread_ids, 20);
	t_run("CREATE_SUSPENDED and ResumeThread", suspended, 20);
	t_run("closing a running thread's handle", close_running, 20);
	t_run("a thread ending with a mutex abandons it", abandoned_mutex, 30);
	t_run("GetCurrentThread's pseudo handle", pseudo_handle, 20);
	t_run("_beginthreadex and _beginthread", crt_threads, 20);
	t_run("Interlocked return values", interlocked, 10);
	t_run("TryEnterCriticalSection", critical_section_try, 20);
	t_run("condition variables with a critical section", condition_variables, 60);
	t_run("tick counts and the performance counter", clocks, 20);
	return t_finish();
}
