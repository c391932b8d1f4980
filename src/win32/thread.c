/* SPDX-License-Identifier: MIT */
/*
 * Threads, critical sections and clocks for the Win32 layer.
 *
 * A thread is a detached pthread. Its handle's object (W32_THREAD) holds a
 * private unnamed manual-reset event, set as the thread ends (it returns or
 * calls ExitThread), so waits treat a thread handle as that event and mix
 * it freely with events, mutexes and semaphores. The running thread holds
 * a reference to its object, so closing every handle leaves it running.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <process.h>

#include "w32.h"

struct w32_thread {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pid_t tid;     /* under mu; set by the thread as it starts */
	DWORD suspend; /* under mu; the thread waits while not 0 */
	int done;      /* atomic: the thread has ended */
	DWORD code;    /* atomic: its exit code, valid once done */
	LPTHREAD_START_ROUTINE fn;
	LPVOID arg;
	HANDLE close_at_end; /* under mu: _beginthread's handle */
};

/* The calling thread's object, if CreateThread started it. */
static __thread struct w32_obj *t_self;
/* The calling thread's ID, cached; 0 until asked. */
static __thread pid_t t_tid;

static pid_t my_tid(void)
{
	if (!t_tid)
		t_tid = (pid_t)syscall(SYS_gettid);
	return t_tid;
}

/* A forked child's only thread has a new ID. */
static void forget_tid(void)
{
	t_tid = 0;
}

__attribute__((constructor)) static void thread_init(void)
{
	pthread_atfork(NULL, NULL, forget_tid);
}

void w32_thread_free(struct w32_thread *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
}

/* Records the calling thread's end: its code, then its event. */
static void finish(DWORD code)
{
	struct w32_obj *o = t_self;
	if (!o)
		return;
	t_self = NULL;
	/* Release: whoever sees done sees the code. */
	__atomic_store_n(&o->thr->code, code, __ATOMIC_RELAXED);
	__atomic_store_n(&o->thr->done, 1, __ATOMIC_RELEASE);
	shmap_event_set(o->sync);
	pthread_mutex_lock(&o->thr->mu);
	HANDLE h = o->thr->close_at_end;
	pthread_mutex_unlock(&o->thr->mu);
	if (h)
		CloseHandle(h);
	w32_put(o);
}

/* Holds the object of a thread CreateThread did not start, once asked for;
 * its destructor records the thread's end (exit code 0). */
static pthread_key_t g_self_key;
static int g_self_key_ok;
static pthread_once_t g_self_once = PTHREAD_ONCE_INIT;

static void self_end(void *p)
{
	if (t_self == p)
		finish(0);
}

static void self_key_init(void)
{
	g_self_key_ok = pthread_key_create(&g_self_key, self_end) == 0;
}

/* A new thread object whose event is unset, or NULL and the last error. */
static struct w32_obj *thread_obj_new(void)
{
	struct w32_obj *o = w32_obj_new(W32_THREAD);
	if (!o)
		return NULL;
	struct w32_thread *t = calloc(1, sizeof *t);
	int rc =
	    t ? shmap_event_create(NULL, SHMAP_EVENT_MANUAL, NULL, &o->sync)
	      : -ENOMEM;
	if (rc) {
		free(t);
		free(o);
		w32_error(rc);
		return NULL;
	}
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	o->thr = t;
	return o;
}

struct w32_obj *w32_thread_self(void)
{
	struct w32_obj *o = t_self;
	if (!o) {
		pthread_once(&g_self_once, self_key_init);
		if (!g_self_key_ok) {
			w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
			return NULL;
		}
		o = thread_obj_new();
		if (!o)
			return NULL;
		o->thr->tid = my_tid();
		o->refs = 1; /* the thread's own, dropped as it ends */
		if (pthread_setspecific(g_self_key, o)) {
			w32_put(o);
			w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
			return NULL;
		}
		t_self = o;
	}
	w32_hold(o);
	return o;
}

static void *start(void *arg)
{
	struct w32_obj *o = arg;
	struct w32_thread *t = o->thr;
	t_self = o;
	pthread_mutex_lock(&t->mu);
	t->tid = my_tid();
	pthread_cond_broadcast(&t->cv);
	while (t->suspend)
		pthread_cond_wait(&t->cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
	finish(t->fn(t->arg));
	return NULL;
}

HANDLE WINAPI CreateThread(LPSECURITY_ATTRIBUTES sa, SIZE_T stack,
                           LPTHREAD_START_ROUTINE fn, LPVOID param, DWORD flags,
                           LPDWORD tid)
{
	(void)sa; /* a thread handle never crosses to a child */
	if (!fn || (flags & ~(DWORD)(CREATE_SUSPENDED |
	                             STACK_SIZE_PARAM_IS_A_RESERVATION))) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	struct w32_obj *o = thread_obj_new();
	if (!o)
		return NULL;
	struct w32_thread *t = o->thr;
	int rc;
	t->fn = fn;
	t->arg = param;
	t->suspend = (flags & CREATE_SUSPENDED) ? 1 : 0;
	HANDLE h = w32_handle_new(o, THREAD_ALL_ACCESS, 0);
	if (!h) {
		shmap_sync_close(o->sync);
		w32_thread_free(t);
		free(o);
		return NULL;
	}
	w32_hold(o); /* the thread's own reference, dropped as it ends */

	pthread_attr_t attr;
	pthread_t th;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (stack) {
		long page = sysconf(_SC_PAGESIZE);
		size_t min = PTHREAD_STACK_MIN;
		size_t sz = stack < min ? min : stack;
		if (page > 0)
			sz = (sz + (size_t)page - 1) & ~((size_t)page - 1);
		pthread_attr_setstacksize(&attr, sz);
	}
	rc = pthread_create(&th, &attr, start, o);
	pthread_attr_destroy(&attr);
	if (rc) {
		w32_put(o);
		CloseHandle(h);
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	pthread_mutex_lock(&t->mu);
	while (!t->tid)
		pthread_cond_wait(&t->cv, &t->mu);
	pid_t id = t->tid;
	pthread_mutex_unlock(&t->mu);
	if (tid)
		*tid = (DWORD)id;
	return h;
}

void WINAPI ExitThread(DWORD code)
{
	finish(code);
	pthread_exit(NULL);
}

BOOL WINAPI GetExitCodeThread(HANDLE h, LPDWORD code)
{
	if (!code) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	if (h == GetCurrentThread()) {
		*code = STILL_ACTIVE;
		return TRUE;
	}
	struct w32_obj *o = w32_get(h, W32_THREAD, NULL);
	if (!o)
		return FALSE;
	/* Acquire: pairs with the release in finish. */
	*code = __atomic_load_n(&o->thr->done, __ATOMIC_ACQUIRE)
	            ? __atomic_load_n(&o->thr->code, __ATOMIC_RELAXED)
	            : STILL_ACTIVE;
	w32_put(o);
	return TRUE;
}

DWORD WINAPI ResumeThread(HANDLE h)
{
	if (h == GetCurrentThread())
		return 0; /* running, so not suspended */
	struct w32_obj *o = w32_get(h, W32_THREAD, NULL);
	if (!o)
		return (DWORD)-1;
	struct w32_thread *t = o->thr;
	pthread_mutex_lock(&t->mu);
	DWORD prev = t->suspend;
	if (prev && --t->suspend == 0)
		pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	w32_put(o);
	return prev;
}

HANDLE WINAPI GetCurrentThread(void)
{
	return (HANDLE)(LONG_PTR)-2; /* the pseudo handle, as on Windows */
}

DWORD WINAPI GetCurrentThreadId(void)
{
	return (DWORD)my_tid();
}

DWORD WINAPI GetThreadId(HANDLE h)
{
	if (h == GetCurrentThread())
		return GetCurrentThreadId();
	struct w32_obj *o = w32_get(h, W32_THREAD, NULL);
	if (!o)
		return 0;
	pthread_mutex_lock(&o->thr->mu);
	DWORD id = (DWORD)o->thr->tid;
	pthread_mutex_unlock(&o->thr->mu);
	w32_put(o);
	return id;
}

BOOL WINAPI SwitchToThread(void)
{
	sched_yield();
	return TRUE;
}

/* ---- critical sections: a futex word (0 free, 1 held, 2 held with
 * sleepers), the owner's thread ID and a recursion count ---- */

/* The futex call: its result, or -errno, leaving errno as it was. */
static long futex(LONG *w, int op, int val, const struct timespec *rel)
{
	int e = errno;
	long r = syscall(SYS_futex, w, op, val, rel, NULL, 0);
	if (r < 0)
		r = -errno;
	errno = e;
	return r;
}

void WINAPI InitializeCriticalSection(LPCRITICAL_SECTION cs)
{
	InitializeCriticalSectionAndSpinCount(cs, 0);
}

BOOL WINAPI InitializeCriticalSectionAndSpinCount(LPCRITICAL_SECTION cs,
                                                  DWORD spin)
{
	cs->DebugInfo = NULL;
	cs->LockCount = 0;
	cs->RecursionCount = 0;
	cs->OwningThread = NULL;
	cs->LockSemaphore = NULL;
	cs->SpinCount = spin & 0x00FFFFFF; /* the high byte holds flags */
	return TRUE;
}

/* Whether the caller holds cs. Relaxed: only the caller ever stores its
 * own ID there, and it clears it before letting go. */
static int held_by_me(LPCRITICAL_SECTION cs)
{
	return (uintptr_t)__atomic_load_n(
	           &cs->OwningThread, __ATOMIC_RELAXED) == (uintptr_t)my_tid();
}

static void own(LPCRITICAL_SECTION cs)
{
	__atomic_store_n(&cs->OwningThread, (HANDLE)(uintptr_t)my_tid(),
	                 __ATOMIC_RELAXED);
	cs->RecursionCount = 1;
}

static int try_lock(LPCRITICAL_SECTION cs)
{
	LONG c = 0;
	/* Acquire: the holder's writes before it left are seen. */
	return __atomic_compare_exchange_n(&cs->LockCount, &c, 1, 0,
	                                   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void WINAPI EnterCriticalSection(LPCRITICAL_SECTION cs)
{
	if (held_by_me(cs)) {
		cs->RecursionCount++;
		return;
	}
	for (ULONG_PTR i = 0; i <= cs->SpinCount; i++)
		if (try_lock(cs)) {
			own(cs);
			return;
		}
	/* Acquire, as in try_lock; 2 tells the holder to wake a sleeper. */
	while (__atomic_exchange_n(&cs->LockCount, 2, __ATOMIC_ACQUIRE) != 0)
		futex(&cs->LockCount, FUTEX_WAIT_PRIVATE, 2, NULL);
	own(cs);
}

BOOL WINAPI TryEnterCriticalSection(LPCRITICAL_SECTION cs)
{
	if (held_by_me(cs)) {
		cs->RecursionCount++;
		return TRUE;
	}
	if (!try_lock(cs))
		return FALSE;
	own(cs);
	return TRUE;
}

void WINAPI LeaveCriticalSection(LPCRITICAL_SECTION cs)
{
	if (!held_by_me(cs) || --cs->RecursionCount > 0)
		return; /* not the holder's: ignored */
	__atomic_store_n(&cs->OwningThread, NULL, __ATOMIC_RELAXED);
	/* Release: the next holder sees everything done under the lock. */
	if (__atomic_exchange_n(&cs->LockCount, 0, __ATOMIC_RELEASE) == 2)
		futex(&cs->LockCount, FUTEX_WAKE_PRIVATE, 1, NULL);
}

void WINAPI DeleteCriticalSection(LPCRITICAL_SECTION cs)
{
	(void)cs; /* it owns no resource */
}

/* ---- condition variables: the low 32 bits of the pointer count wakes;
 * a sleeper notes the count under the lock and sleeps until it moves ---- */

/* The wake count. Only this file touches the word, always through this
 * pointer and atomically (the pointer is 8-byte aligned, so its first
 * four bytes are a valid futex word). */
static LONG *cv_word(PCONDITION_VARIABLE cv)
{
	return (LONG *)(void *)&cv->Ptr;
}

void WINAPI InitializeConditionVariable(PCONDITION_VARIABLE cv)
{
	cv->Ptr = NULL;
}

BOOL WINAPI SleepConditionVariableCS(PCONDITION_VARIABLE cv,
                                     PCRITICAL_SECTION cs, DWORD ms)
{
	LONG *w = cv_word(cv);
	/* Relaxed: read under the lock, so a waker that changes the
	 * condition (under the lock) moves the count after this read, and
	 * the futex compare below sees it moved instead of sleeping. */
	LONG seen = __atomic_load_n(w, __ATOMIC_RELAXED);
	struct timespec rel = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};
	LeaveCriticalSection(cs);
	long r = futex(w, FUTEX_WAIT_PRIVATE, seen, ms == INFINITE ? NULL : &rel);
	int timed_out = r == -ETIMEDOUT;
	EnterCriticalSection(cs);
	if (timed_out) {
		w32_set_error(ERROR_TIMEOUT);
		return FALSE;
	}
	return TRUE; /* woken, or the count had moved, or a signal: a wake */
}

static void cv_wake(PCONDITION_VARIABLE cv, int n)
{
	LONG *w = cv_word(cv);
	/* Sequentially consistent: a wake is a full barrier, as on Windows,
	 * and costs a system call anyway. */
	__atomic_add_fetch(w, 1, __ATOMIC_SEQ_CST);
	futex(w, FUTEX_WAKE_PRIVATE, n, NULL);
}

void WINAPI WakeConditionVariable(PCONDITION_VARIABLE cv)
{
	cv_wake(cv, 1);
}

void WINAPI WakeAllConditionVariable(PCONDITION_VARIABLE cv)
{
	cv_wake(cv, INT_MAX);
}

/* ---- clocks ---- */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

DWORD WINAPI GetTickCount(void)
{
	return (DWORD)(mono_ns() / 1000000u);
}

ULONGLONG WINAPI GetTickCount64(void)
{
	return mono_ns() / 1000000u;
}

BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *c)
{
	c->QuadPart = (LONGLONG)(mono_ns() / 100u);
	return TRUE;
}

BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *f)
{
	f->QuadPart = 10000000;
	return TRUE;
}

/* ---- Microsoft's C runtime (<process.h>) ---- */

uintptr_t _beginthreadex(void *security, unsigned stack_size,
                         unsigned (*start_address)(void *), void *arglist,
                         unsigned initflag, unsigned *thrdaddr)
{
	DWORD id = 0;
	if (!start_address) {
		errno = EINVAL; /* the C runtime's contract */
		return 0;
	}
	HANDLE h = CreateThread(security, stack_size, start_address, arglist,
	                        initflag, &id);
	if (!h) {
		errno =
		    GetLastError() == ERROR_INVALID_PARAMETER ? EINVAL : EAGAIN;
		return 0;
	}
	if (thrdaddr)
		*thrdaddr = id;
	return (uintptr_t)h;
}

void _endthreadex(unsigned retval)
{
	ExitThread(retval);
}

struct bt_start {
	void (*fn)(void *);
	void *arg;
};

static DWORD WINAPI bt_run(LPVOID p)
{
	struct bt_start b = *(struct bt_start *)p;
	free(p);
	b.fn(b.arg);
	return 0;
}

uintptr_t _beginthread(void (*start_address)(void *), unsigned stack_size,
                       void *arglist)
{
	struct bt_start *b = malloc(sizeof *b);
	if (!start_address || !b) {
		free(b);
		errno = start_address ? EAGAIN : EINVAL;
		return (uintptr_t)-1;
	}
	b->fn = start_address;
	b->arg = arglist;
	HANDLE h =
	    CreateThread(NULL, stack_size, bt_run, b, CREATE_SUSPENDED, NULL);
	if (!h) {
		free(b);
		errno = EAGAIN;
		return (uintptr_t)-1;
	}
	/* The handle closes itself as the thread ends, as on Windows. */
	struct w32_obj *o = w32_get(h, W32_THREAD, NULL);
	pthread_mutex_lock(&o->thr->mu);
	o->thr->close_at_end = h;
	pthread_mutex_unlock(&o->thr->mu);
	w32_put(o);
	ResumeThread(h);
	return (uintptr_t)h;
}

void _endthread(void)
{
	ExitThread(0);
}
