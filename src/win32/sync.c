/* SPDX-License-Identifier: MIT */
/* Events, mutexes, semaphores and waits. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "w32.h"

static HANDLE new_sync(int type, shmap_sync *s, DWORD access, int inherit)
{
	struct w32_obj *o = w32_obj_new(type);
	if (o)
		o->sync = s; /* complete before another thread can see it */
	HANDLE h = o ? w32_handle_new(o, access, inherit) : NULL;
	if (!h) {
		free(o);
		shmap_sync_close(s);
		return NULL;
	}
	return h;
}

/* Creates (kind 'E', 'X', 'S') or opens a sync object with a UTF-8 name. */
static HANDLE make(int type, const char *name, LPSECURITY_ATTRIBUTES sa,
                   unsigned a1, unsigned a2, unsigned a3, DWORD all_access)
{
	shmap_sync *s;
	/* Inheritance is the handle table's (see create_mapping). */
	shmap_attr attr = {w32_sa_mode(sa), 0};
	int rc;
	if (type == W32_EVENT)
		rc = shmap_event_create(name, (a1 ? SHMAP_EVENT_MANUAL : 0) |
		                                      (a2 ? SHMAP_EVENT_SET : 0),
		                        &attr, &s);
	else if (type == W32_MUTEX)
		rc = shmap_mutex_create(name, (int)a1, &attr, &s);
	else
		rc = (int)a2 <= 0 || (int)a1 < 0 || a1 > a2
		             ? -EINVAL
		             : shmap_sem_create(name, a1, a2, &attr, &s);
	(void)a3;
	if (rc) {
		w32_error(rc);
		return NULL;
	}
	int existed = shmap_sync_existed(s);
	HANDLE h = new_sync(type, s, all_access, sa && sa->bInheritHandle);
	if (h)
		w32_set_error(existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
	return h;
}

#define ACCESS_SYSTEM_SECURITY_ 0x01000000u
#define MAXIMUM_ALLOWED_ 0x02000000u

/* The GENERIC_* bits of access as the object's own rights, as Windows maps
 * them for events, mutexes and semaphores. */
static DWORD map_generic(int type, DWORD access)
{
	DWORD r = access & ~(DWORD)(GENERIC_READ | GENERIC_WRITE |
	                            GENERIC_EXECUTE | GENERIC_ALL);
	if (access & GENERIC_READ)
		r |= READ_CONTROL | 0x0001; /* *_QUERY_STATE */
	if (access & GENERIC_WRITE)
		r |= READ_CONTROL | (type == W32_MUTEX ? 0 : 0x0002);
	if (access & GENERIC_EXECUTE)
		r |= READ_CONTROL | SYNCHRONIZE;
	if (access & GENERIC_ALL)
		r |= type == W32_EVENT   ? EVENT_ALL_ACCESS
		     : type == W32_MUTEX ? MUTEX_ALL_ACCESS
		                         : SEMAPHORE_ALL_ACCESS;
	return r;
}

static HANDLE open_sync(int type, DWORD access, BOOL inherit, const char *name)
{
	shmap_sync *s;
	unsigned fl = 0; /* inheritance is the handle table's */
	if (!name) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	access = map_generic(type, access);
	DWORD all = type == W32_EVENT   ? EVENT_ALL_ACCESS
	            : type == W32_MUTEX ? MUTEX_ALL_ACCESS
	                                : SEMAPHORE_ALL_ACCESS;
	DWORD valid = all | MAXIMUM_ALLOWED_;
	int rc = type == W32_EVENT   ? shmap_event_open(name, fl, &s)
	         : type == W32_MUTEX ? shmap_mutex_open(name, fl, &s)
	                             : shmap_sem_open(name, fl, &s);
	if (rc) {
		w32_error(rc);
		return NULL;
	}
	/* Windows grants no right the object type does not define (its
	 * DACL grants none) and ACCESS_SYSTEM_SECURITY only with a privilege
	 * a normal process does not hold; a handle with no rights is refused. */
	DWORD e = !access                              ? ERROR_ACCESS_DENIED
	          : (access & ACCESS_SYSTEM_SECURITY_) ? ERROR_PRIVILEGE_NOT_HELD
	          : (access & ~valid)                  ? ERROR_ACCESS_DENIED
	                                               : ERROR_SUCCESS;
	if (e != ERROR_SUCCESS) {
		shmap_sync_close(s);
		w32_set_error(e);
		return NULL;
	}
	if (access & MAXIMUM_ALLOWED_) /* everything the DACL gives: all */
		access = (access & ~MAXIMUM_ALLOWED_) | all;
	HANDLE h = new_sync(type, s, access, inherit != 0);
	if (h)
		w32_set_error(ERROR_SUCCESS);
	return h;
}

#define WIDE(call)                                                             \
	char *n = name ? w32_narrow(name) : NULL;                              \
	HANDLE h = call;                                                       \
	free(n);                                                               \
	return h

HANDLE WINAPI CreateEventA(LPSECURITY_ATTRIBUTES sa, BOOL manual, BOOL initial,
                           LPCSTR name)
{
	return make(W32_EVENT, name, sa, manual != 0, initial != 0, 0,
	            EVENT_ALL_ACCESS);
}

HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES sa, BOOL manual, BOOL initial,
                           LPCWSTR name)
{
	WIDE(make(W32_EVENT, n, sa, manual != 0, initial != 0, 0,
	          EVENT_ALL_ACCESS));
}

HANDLE WINAPI OpenEventA(DWORD access, BOOL inherit, LPCSTR name)
{
	return open_sync(W32_EVENT, access, inherit, name);
}

HANDLE WINAPI OpenEventW(DWORD access, BOOL inherit, LPCWSTR name)
{
	WIDE(open_sync(W32_EVENT, access, inherit, n));
}

HANDLE WINAPI CreateMutexA(LPSECURITY_ATTRIBUTES sa, BOOL owner, LPCSTR name)
{
	return make(W32_MUTEX, name, sa, owner != 0, 0, 0, MUTEX_ALL_ACCESS);
}

HANDLE WINAPI CreateMutexW(LPSECURITY_ATTRIBUTES sa, BOOL owner, LPCWSTR name)
{
	WIDE(make(W32_MUTEX, n, sa, owner != 0, 0, 0, MUTEX_ALL_ACCESS));
}

HANDLE WINAPI OpenMutexA(DWORD access, BOOL inherit, LPCSTR name)
{
	return open_sync(W32_MUTEX, access, inherit, name);
}

HANDLE WINAPI OpenMutexW(DWORD access, BOOL inherit, LPCWSTR name)
{
	WIDE(open_sync(W32_MUTEX, access, inherit, n));
}

HANDLE WINAPI CreateSemaphoreA(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max,
                               LPCSTR name)
{
	if (initial < 0 || max <= 0 || initial > max) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	return make(W32_SEMAPHORE, name, sa, (unsigned)initial, (unsigned)max, 0,
	            SEMAPHORE_ALL_ACCESS);
}

HANDLE WINAPI CreateSemaphoreW(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max,
                               LPCWSTR name)
{
	if (initial < 0 || max <= 0 || initial > max) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	WIDE(make(W32_SEMAPHORE, n, sa, (unsigned)initial, (unsigned)max, 0,
	          SEMAPHORE_ALL_ACCESS));
}

HANDLE WINAPI OpenSemaphoreA(DWORD access, BOOL inherit, LPCSTR name)
{
	return open_sync(W32_SEMAPHORE, access, inherit, name);
}

HANDLE WINAPI OpenSemaphoreW(DWORD access, BOOL inherit, LPCWSTR name)
{
	WIDE(open_sync(W32_SEMAPHORE, access, inherit, n));
}

/* Runs op on the object of h if it is of type and access allows modify. */
static BOOL modify(HANDLE h, int type, DWORD right,
                   int (*op)(shmap_sync *, void *), void *arg)
{
	DWORD access;
	struct w32_obj *o = w32_get(h, type, &access);
	if (!o)
		return FALSE;
	int rc = (access & right) ? op(o->sync, arg) : -EACCES;
	w32_put(o);
	if (rc == -EPERM && type == W32_MUTEX) {
		w32_set_error(ERROR_NOT_OWNER); /* not the owner thread */
		return FALSE;
	}
	if (rc) {
		w32_error(rc);
		return FALSE;
	}
	return TRUE;
}

static int op_set(shmap_sync *s, void *a)
{
	(void)a;
	return shmap_event_set(s);
}

static int op_reset(shmap_sync *s, void *a)
{
	(void)a;
	return shmap_event_reset(s);
}

static int op_pulse(shmap_sync *s, void *a)
{
	(void)a;
	return shmap_event_pulse(s);
}

static int op_release_mutex(shmap_sync *s, void *a)
{
	(void)a;
	return shmap_mutex_release(s);
}

struct sem_rel {
	LONG n;
	LPLONG prev;
};

static int op_release_sem(shmap_sync *s, void *a)
{
	struct sem_rel *r = a;
	uint32_t prev;
	if (r->n <= 0)
		return -EINVAL;
	int rc = shmap_sem_release(s, (uint32_t)r->n, &prev);
	if (rc == 0 && r->prev)
		*r->prev = (LONG)prev;
	return rc;
}

BOOL WINAPI SetEvent(HANDLE h)
{
	return modify(h, W32_EVENT, EVENT_MODIFY_STATE, op_set, NULL);
}

BOOL WINAPI ResetEvent(HANDLE h)
{
	return modify(h, W32_EVENT, EVENT_MODIFY_STATE, op_reset, NULL);
}

BOOL WINAPI PulseEvent(HANDLE h)
{
	return modify(h, W32_EVENT, EVENT_MODIFY_STATE, op_pulse, NULL);
}

BOOL WINAPI ReleaseMutex(HANDLE h)
{
	/* Any handle may try; only the owner thread succeeds. */
	return modify(h, W32_MUTEX, ~(DWORD)0, op_release_mutex, NULL);
}

BOOL WINAPI ReleaseSemaphore(HANDLE h, LONG n, LPLONG prev)
{
	struct sem_rel r = {n, prev};
	return modify(h, W32_SEMAPHORE, SEMAPHORE_MODIFY_STATE, op_release_sem,
	              &r);
}

/* ---- waits ---- */

static int ms_timeout(DWORD ms)
{
	return ms == INFINITE ? SHMAP_INFINITE
	                      : ms > (DWORD)INT32_MAX ? INT32_MAX : (int)ms;
}

static int is_sync(const struct w32_obj *o)
{
	/* A thread waits as its private manual-reset event, set as it
	 * ends (thread.c). */
	return o->type == W32_EVENT || o->type == W32_MUTEX ||
	       o->type == W32_SEMAPHORE || o->type == W32_THREAD;
}

static int is_proc(const struct w32_obj *o)
{
	return o->type == W32_PROCESS;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Milliseconds left until deadline (-1: none), rounded up, so a wait never
 * ends before its deadline. */
static int ms_left(int64_t deadline)
{
	if (deadline < 0)
		return SHMAP_INFINITE;
	int64_t left = deadline - now_ns();
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

static DWORD wait_result(int rc, unsigned index)
{
	if (rc == 0)
		return WAIT_OBJECT_0 + index;
	if (rc == SHMAP_EABANDONED)
		return WAIT_ABANDONED_0 + index;
	if (rc == -ETIMEDOUT)
		return WAIT_TIMEOUT;
	w32_error(rc);
	return WAIT_FAILED;
}

#define PROC_TIMEOUT (-1)
#define PROC_CANCELLED (-2)

/*
 * Waits until one of the processes among o[0..n) has ended (all of them
 * with all), sleeping in ppoll on their pidfds (and on cancel_fd, if not
 * -1) so it wakes as a process ends; a process without a pidfd (Linux
 * before 5.3) is polled every millisecond. Returns the lowest index of an
 * ended process (0 with all), PROC_TIMEOUT at deadline (-1: none), or
 * PROC_CANCELLED once cancel_fd is readable.
 */
static int proc_wait(struct w32_obj **o, DWORD n, int all, int64_t deadline,
                     int cancel_fd)
{
	struct pollfd pf[MAXIMUM_WAIT_OBJECTS + 1];
	for (;;) {
		nfds_t np = 0;
		int pending = 0, slow = 0;
		for (DWORD i = 0; i < n; i++) {
			if (!is_proc(o[i]))
				continue;
			if (w32_reap(o[i])) {
				if (!all)
					return (int)i;
				continue;
			}
			pending = 1;
			if (o[i]->fd >= 0)
				pf[np++] = (struct pollfd){o[i]->fd, POLLIN, 0};
			else
				slow = 1;
		}
		if (!pending)
			return 0; /* all, and every one has ended */
		if (cancel_fd >= 0)
			pf[np++] = (struct pollfd){cancel_fd, POLLIN, 0};
		int64_t left = deadline < 0 ? INT64_MAX : deadline - now_ns();
		if (left <= 0)
			return PROC_TIMEOUT;
		if (slow && left > 1000000)
			left = 1000000;
		struct timespec ts = {(time_t)(left / 1000000000),
		                      (long)(left % 1000000000)};
		int r = ppoll(pf, np, left == INT64_MAX ? NULL : &ts, NULL);
		if (r < 0 && errno != EINTR)
			return PROC_TIMEOUT; /* cannot happen with valid fds */
		if (cancel_fd >= 0 && r > 0 && (pf[np - 1].revents & POLLIN))
			return PROC_CANCELLED;
		/* A pidfd readable with the process not reaped by us means
		 * someone else reaped it: w32_reap counts that as ended. */
	}
}

/* Wakes a wait-any on sync objects when one of its processes ends. */
struct watcher {
	struct w32_obj **o;
	DWORD n;
	shmap_sync *ev; /* private auto-reset event the waiter also waits on */
	int cancel_fd;  /* eventfd: the waiter is done */
};

static void *watch(void *arg)
{
	struct watcher *w = arg;
	if (proc_wait(w->o, w->n, 0, -1, w->cancel_fd) >= 0)
		shmap_event_set(w->ev);
	return NULL;
}

/* Starts the watcher thread with every signal blocked, so the program's
 * handlers run on its own threads. 0 or -1. */
static int watcher_start(struct watcher *w, pthread_t *th)
{
	sigset_t all, old;
	int rc;
	w->ev = NULL;
	w->cancel_fd = eventfd(0, EFD_CLOEXEC);
	if (w->cancel_fd < 0)
		return -1;
	if (shmap_event_create(NULL, 0, NULL, &w->ev)) {
		close(w->cancel_fd);
		return -1;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(th, NULL, watch, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		shmap_sync_close(w->ev);
		close(w->cancel_fd);
		return -1;
	}
	return 0;
}

static void watcher_stop(struct watcher *w, pthread_t th)
{
	uint64_t one = 1;
	(void)!write(w->cancel_fd, &one, sizeof one);
	pthread_join(th, NULL);
	shmap_sync_close(w->ev);
	close(w->cancel_fd);
}

/*
 * The result of a wait-any that found process p ended: a sync object
 * before p wins if it is signalled (taken at once), as Windows returns the
 * lowest signalled index; only objects before p are tried, so none after
 * the chosen index is taken.
 */
static DWORD lowest_from(int p, shmap_sync **syncs, const unsigned *map,
                         unsigned ns)
{
	unsigned before = 0, idx = 0;
	while (before < ns && map[before] < (unsigned)p)
		before++;
	int rc = before ? shmap_wait_multiple(syncs, before, 0, 0, &idx)
	                : -ETIMEDOUT;
	return rc == -ETIMEDOUT ? WAIT_OBJECT_0 + (DWORD)p
	                        : wait_result(rc, map[idx]);
}

/*
 * Wait-any over processes and sync objects, when no watcher thread can be
 * had: slices of 1 ms, polling the processes between them.
 */
static DWORD wait_any_sliced(struct w32_obj **o, DWORD n, shmap_sync **syncs,
                             const unsigned *map, unsigned ns,
                             int64_t deadline)
{
	for (;;) {
		int p = proc_wait(o, n, 0, now_ns(), -1);
		if (p >= 0)
			return lowest_from(p, syncs, map, ns);
		int slice = ms_left(deadline);
		if (slice < 0 || slice > 1)
			slice = 1;
		unsigned idx = 0;
		int rc = shmap_wait_multiple(syncs, ns, 0, slice, &idx);
		if (rc != -ETIMEDOUT)
			return wait_result(rc, map[idx]);
		if (deadline >= 0 && now_ns() >= deadline)
			return WAIT_TIMEOUT;
	}
}

/*
 * Waits on objects some of which are processes. A process, once ended,
 * stays signalled and is never taken, so a wait-all first waits for every
 * process, then for all the sync objects at once. A wait-any on processes
 * alone sleeps on their pidfds; with sync objects too, a watcher thread
 * sleeps on the pidfds and sets a private event the waiter waits on beside
 * the sync objects, so either kind wakes it at once.
 */
static DWORD wait_mixed(struct w32_obj **o, DWORD n, BOOL all, DWORD ms)
{
	int64_t deadline = ms == INFINITE ? -1 : now_ns() + (int64_t)ms * 1000000;
	shmap_sync *syncs[MAXIMUM_WAIT_OBJECTS];
	unsigned map[MAXIMUM_WAIT_OBJECTS], ns = 0, idx = 0;
	for (DWORD i = 0; i < n; i++)
		if (is_sync(o[i])) {
			map[ns] = i;
			syncs[ns++] = o[i]->sync;
		}
	if (all) {
		if (proc_wait(o, n, 1, deadline, -1) < 0)
			return WAIT_TIMEOUT;
		if (!ns)
			return WAIT_OBJECT_0;
		int rc = shmap_wait_multiple(syncs, ns, 1, ms_left(deadline),
		                             &idx);
		return wait_result(rc, rc ? map[idx] : 0);
	}
	if (!ns) {
		int p = proc_wait(o, n, 0, deadline, -1);
		return p >= 0 ? WAIT_OBJECT_0 + (DWORD)p : WAIT_TIMEOUT;
	}
	/* Already signalled: no thread needed. */
	int p = proc_wait(o, n, 0, now_ns(), -1);
	if (p >= 0)
		return lowest_from(p, syncs, map, ns);
	int rc = shmap_wait_multiple(syncs, ns, 0, 0, &idx);
	if (rc != -ETIMEDOUT || ms == 0)
		return wait_result(rc, map[idx]);
	struct watcher w = {o, n, NULL, -1};
	pthread_t th;
	if (watcher_start(&w, &th))
		return wait_any_sliced(o, n, syncs, map, ns, deadline);
	syncs[ns] = w.ev;
	rc = shmap_wait_multiple(syncs, ns + 1, 0, ms_left(deadline), &idx);
	DWORD r;
	if (rc == 0 && idx == ns) {
		/* A process ended: return it, unless a sync object before it
		 * is signalled too (the lowest index wins, as on Windows). */
		r = lowest_from(proc_wait(o, n, 0, now_ns(), -1), syncs, map,
		                ns);
	} else {
		r = wait_result(rc, rc == -ETIMEDOUT || idx >= ns ? 0 : map[idx]);
	}
	watcher_stop(&w, th);
	return r;
}

DWORD WINAPI WaitForMultipleObjects(DWORD n, const HANDLE *hs, BOOL all,
                                    DWORD ms)
{
	struct w32_obj *o[MAXIMUM_WAIT_OBJECTS];
	shmap_sync *syncs[MAXIMUM_WAIT_OBJECTS];
	DWORD got = 0, r;
	int mixed = 0;
	if (n == 0 || n > MAXIMUM_WAIT_OBJECTS || !hs) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return WAIT_FAILED;
	}
	for (; got < n; got++) {
		DWORD access;
		o[got] = w32_get(hs[got], 0, &access);
		if (!o[got])
			break;
		if (!is_sync(o[got]) && !is_proc(o[got])) {
			w32_put(o[got]);
			w32_set_error(ERROR_INVALID_HANDLE);
			break;
		}
		if (is_sync(o[got]) && !(access & SYNCHRONIZE)) {
			w32_put(o[got]);
			w32_set_error(ERROR_ACCESS_DENIED);
			break;
		}
		mixed |= is_proc(o[got]);
		syncs[got] = o[got]->sync;
	}
	if (got < n) {
		r = WAIT_FAILED;
	} else if (mixed) {
		for (DWORD i = 0; all && i < n; i++)
			for (DWORD j = 0; j < i; j++)
				if (o[i] == o[j]) {
					w32_set_error(ERROR_INVALID_PARAMETER);
					r = WAIT_FAILED;
					goto out;
				}
		r = wait_mixed(o, n, all, ms);
	} else {
		unsigned idx = 0;
		int rc = shmap_wait_multiple(syncs, n, all != 0, ms_timeout(ms),
		                             &idx);
		r = wait_result(rc, idx);
	}
out:
	for (DWORD i = 0; i < got; i++)
		w32_put(o[i]);
	return r;
}

DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD ms)
{
	return WaitForMultipleObjects(1, &h, FALSE, ms);
}

void WINAPI Sleep(DWORD ms)
{
	if (ms == INFINITE) {
		for (;;)
			pause();
	}
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

DWORD WINAPI SignalObjectAndWait(HANDLE hSignal, HANDLE hWait, DWORD ms,
                                 BOOL alertable)
{
	(void)alertable; /* no APCs are ever queued */
	struct w32_obj *o = w32_get(hSignal, 0, NULL);
	if (!o)
		return WAIT_FAILED;
	int type = o->type;
	w32_put(o);
	BOOL ok;
	switch (type) {
	case W32_EVENT:
		ok = SetEvent(hSignal);
		break;
	case W32_MUTEX:
		ok = ReleaseMutex(hSignal);
		break;
	case W32_SEMAPHORE:
		ok = ReleaseSemaphore(hSignal, 1, NULL);
		break;
	default:
		w32_set_error(ERROR_INVALID_HANDLE);
		ok = FALSE;
	}
	if (!ok)
		return WAIT_FAILED;
	return WaitForSingleObject(hWait, ms);
}
