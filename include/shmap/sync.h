/* SPDX-License-Identifier: MIT */
/* shmap: events, mutexes and semaphores across processes, and waits on them. */
#ifndef SHMAP_SYNC_H
#define SHMAP_SYNC_H

#include <shmap/common.h>
#include <shmap/object.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A handle to an event, a mutex or a semaphore: a named object (same
 * namespaces, lifetime, permissions and type checks as mappings; a name is
 * one object of one type) or an anonymous one placed in memory the caller
 * owns. All three kinds are waited on with shmap_wait and
 * shmap_wait_multiple, like Windows HANDLEs with WaitForSingleObject.
 *
 * A process that may write a named or unnamed object's backing file may
 * cut it short. The object is then lost to every handle that touches it:
 * each operation on it returns SHMAP_EINPAGE (an in-page error), never a
 * SIGBUS, and the handle can only be closed. For this the first create or
 * open of a sync object in a process (or its first guard scope,
 * shmap_guard_begin) installs a SIGBUS handler (SA_SIGINFO, SA_NODEFER).
 * Every SIGBUS that is not a fault on a sync block or in a guard scope goes
 * on to the disposition that was in place before: a SA_SIGINFO handler is
 * called with all three arguments, a plain one with the signal number;
 * SIG_DFL is restored and the signal takes its default action (a sent one
 * is raised again); under SIG_IGN a sent SIGBUS is ignored and a fault
 * takes the default action, as the kernel would. A handler installed
 * after shmap's must pass on the SIGBUS it does not handle to the one it
 * replaced (sigaction's old action), or a cut file kills the process with
 * SIGBUS again instead of failing with SHMAP_EINPAGE. Objects in caller
 * memory (shmap_sync_attach) are the caller's to keep mapped.
 */
typedef struct shmap_sync shmap_sync;

/* The timeout that never expires. */
#define SHMAP_INFINITE (-1)
/* The most objects one shmap_wait_multiple call takes. */
#define SHMAP_WAIT_MAX 64
/*
 * Not a failure: the wait acquired a mutex whose owner thread or process
 * ended while holding it (WAIT_ABANDONED). The caller now owns the mutex,
 * which works normally from here on; the data it guards may be inconsistent.
 */
#define SHMAP_EABANDONED (-4005)

/* How many handles (in all processes) may hold a shmap_event_fd at once. */
#define SHMAP_EVENT_LISTENERS_MAX 22

/* Event flags. */
#define SHMAP_EVENT_MANUAL 0x1u /* manual reset: stays set until reset */
#define SHMAP_EVENT_SET 0x2u    /* initially signalled */

/*
 * Creates the named event (or, for a NULL or empty name, an unnamed one only
 * this process and its inheriting children reach) and stores a handle in
 * *out. flags is a mask of SHMAP_EVENT_*. If the name exists as an event,
 * that event is opened, its own reset mode and state kept, and
 * shmap_sync_existed() reports 1. The first sync handle of the process
 * installs shmap's SIGBUS handler, which chains to the one before it (see
 * shmap_sync above; a handler installed later without chaining removes the
 * protection from cut files). Returns 0, SHMAP_ETYPE if the name holds
 * another type, -EEXIST with SHMAP_ATTR_EXCL, -errno if the handler could
 * not be installed, or the errors of shmap_map_create for names,
 * permissions, a corrupt object and one of another shared-memory format
 * (SHMAP_EFORMAT, also for a block of another format).
 */
SHMAP_API int shmap_event_create(const char *name, unsigned flags,
                                 const shmap_attr *attr, shmap_sync **out);

/*
 * Opens the existing named event. flags is 0 or SHMAP_OPEN_INHERIT. Like a
 * create, the first sync handle of the process installs shmap's SIGBUS
 * handler, chaining to the one before it (see shmap_sync above). Returns
 * 0, -ENOENT if no live object has that name, SHMAP_ETYPE if the name holds
 * another type, SHMAP_EFORMAT if its block has another shared-memory format,
 * or the errors of shmap_map_open.
 */
SHMAP_API int shmap_event_open(const char *name, unsigned flags,
                               shmap_sync **out);

/*
 * Signals the event. A manual-reset event releases every waiter, present and
 * future, until reset; an auto-reset event releases exactly one waiter and
 * resets itself (if none waits, the first to come). Setting a set event does
 * nothing. Makes no system call unless someone sleeps on the event or holds
 * a descriptor from shmap_event_fd. Returns 0, or -EINVAL if e is not an
 * event, -EBADF for a handle a fork made unusable, SHMAP_EINPAGE if the
 * object was lost (see shmap_sync).
 */
SHMAP_API int shmap_event_set(shmap_sync *e);

/* Resets the event to non-signalled. Returns 0, -EINVAL, -EBADF or
 * SHMAP_EINPAGE. */
SHMAP_API int shmap_event_reset(shmap_sync *e);

/*
 * Releases the waiters waiting at this moment and leaves the event reset: all
 * of them for a manual-reset event, one for an auto-reset event, none if none
 * waits. Like PulseEvent it is inherently racy (a waiter about to wait is
 * missed; a pulse left unused by a wait-any that took another object may
 * release one more waiter later; wait-all ignores pulses); prefer set.
 * Returns 0, -EINVAL, -EBADF or SHMAP_EINPAGE.
 */
SHMAP_API int shmap_event_pulse(shmap_sync *e);

/*
 * Stores in *out a descriptor of this process that becomes readable when the
 * event is set, for poll, select or epoll beside sockets. After it polls
 * readable, call shmap_wait(e, 0): it empties the descriptor and then takes
 * (auto-reset) or checks (manual-reset) the event, so a set that comes later
 * makes it readable again and no signal is missed; -ETIMEDOUT then means
 * another waiter took it. The descriptor is owned by the handle: do not read
 * or close it; it is close-on-exec and not usable by a forked child, which
 * asks for its own. Repeated calls return the same descriptor. Returns 0,
 * -EINVAL if e is not an event, -EBADF for a handle a fork made unusable,
 * -ENOSPC if SHMAP_EVENT_LISTENERS_MAX live listeners already listen to the
 * event, SHMAP_EINPAGE if the object was lost, or a negative errno from
 * socket or bind.
 */
SHMAP_API int shmap_event_fd(shmap_sync *e, int *out);

/*
 * Creates the named mutex (NULL or empty name: unnamed). If initial_owner is
 * nonzero and the mutex is created (not found existing), the calling thread
 * owns it. An existing name is opened as for events. Returns as
 * shmap_event_create.
 */
SHMAP_API int shmap_mutex_create(const char *name, int initial_owner,
                                 const shmap_attr *attr, shmap_sync **out);

/* Opens the existing named mutex; as shmap_event_open. */
SHMAP_API int shmap_mutex_open(const char *name, unsigned flags,
                               shmap_sync **out);

/*
 * Releases one acquisition of the mutex by the calling thread; the mutex is
 * free once every acquisition is released (it is recursive). Returns 0,
 * -EPERM if the calling thread does not own it (ERROR_NOT_OWNER), -EINVAL if
 * m is not a mutex, -EBADF, or SHMAP_EINPAGE if the object was lost.
 */
SHMAP_API int shmap_mutex_release(shmap_sync *m);

/*
 * Creates the named semaphore (NULL or empty name: unnamed) with a count of
 * initial, which may never exceed maximum (at least 1, at most INT32_MAX).
 * An existing name is opened as for events, keeping its counts. Returns as
 * shmap_event_create, or -EINVAL for initial > maximum or a bad maximum.
 */
SHMAP_API int shmap_sem_create(const char *name, uint32_t initial,
                               uint32_t maximum, const shmap_attr *attr,
                               shmap_sync **out);

/* Opens the existing named semaphore; as shmap_event_open. */
SHMAP_API int shmap_sem_open(const char *name, unsigned flags,
                             shmap_sync **out);

/*
 * Adds n (at least 1) to the semaphore's count, releasing up to n waiters,
 * and stores the count before the release in *previous if it is not NULL.
 * Returns 0, -EOVERFLOW if the count would pass the maximum, in which case
 * nothing changes (ERROR_TOO_MANY_POSTS), -EINVAL, -EBADF, or
 * SHMAP_EINPAGE if the object was lost.
 */
SHMAP_API int shmap_sem_release(shmap_sync *s, uint32_t n, uint32_t *previous);

/*
 * Closes a handle of any kind. A named object's name goes with the last
 * handle in any process, as for mappings. Closing a mutex the calling thread
 * owns does not release it: it becomes abandoned when the thread ends.
 * Returns 0 or an error of the lifetime protocol; a NULL handle returns 0.
 */
SHMAP_API int shmap_sync_close(shmap_sync *s);

/* Returns 1 if the create call that made s found the name already existing. */
SHMAP_API int shmap_sync_existed(const shmap_sync *s);

/*
 * Sets how many times a wait through this handle polls the object before it
 * goes to sleep (for shmap_wait_multiple, the first handle's setting
 * applies): 0 never spins; the default comes from the environment variable
 * SHMAP_SPIN, read when the process makes its first sync handle, else 200 on
 * a machine with more than one CPU and 0 on one. Returns 0 or -EINVAL.
 */
SHMAP_API int shmap_sync_set_spin(shmap_sync *s, unsigned spins);

/*
 * Waits until the object is signalled, then takes it: an auto-reset event is
 * reset, a semaphore's count goes down by one, a mutex is owned by the
 * calling thread (once more, if it already owns it). As on Windows, a
 * release, semaphore release or auto-reset set while threads wait is
 * handed to one of those waiters (in turn), never to the releaser's next
 * wait or a later one; a wait handed the object as it times out returns 0.
 * Memory: everything a thread wrote (to shared memory or any other) before
 * it set an event, released a mutex or a semaphore is visible to the
 * thread whose wait returns 0 or SHMAP_EABANDONED because of it, in any
 * process, as Windows' waits are full barriers. timeout_ms 0 only polls;
 * SHMAP_INFINITE never times out (a wait may run up to a millisecond past
 * its deadline while another process's wait-all holds the object for an
 * instant). Returns 0, SHMAP_EABANDONED (a mutex was acquired from an owner
 * that died), -ETIMEDOUT, -EINVAL, -EBADF, or SHMAP_EINPAGE if the object
 * was lost, then or while the wait slept (noticed when its sleep ends: at
 * most a second later, 20 ms for a mutex).
 */
SHMAP_API int shmap_wait(shmap_sync *s, int timeout_ms);

/*
 * Waits on n objects (1 to SHMAP_WAIT_MAX). With wait_all 0, returns as soon
 * as one is signalled, takes it, and stores its index in *index: the lowest
 * signalled index, or first an object a release handed to this wait (see
 * shmap_wait). With wait_all nonzero, waits until every one is signalled
 * at the same moment and takes them all at once, never some of them; *index
 * is 0, or the index of an abandoned mutex among them. Returns 0,
 * SHMAP_EABANDONED (the object at *index is a mutex whose owner died),
 * -ETIMEDOUT, -EINVAL (n out of range, a NULL entry, or one object twice
 * with wait_all), -EBADF, or SHMAP_EINPAGE if one of the objects was lost
 * (as for shmap_wait). A wait-any may still take a signalled object before
 * a lost one in index order; a wait-all takes nothing once it sees one lost.
 * A cut landing in the instant of a wait-all's commit is not reported by it:
 * it returns 0 (or SHMAP_EABANDONED) having taken the objects, and the next
 * operation on the lost one returns SHMAP_EINPAGE.
 */
SHMAP_API int shmap_wait_multiple(shmap_sync *const *objs, unsigned n,
                                  int wait_all, int timeout_ms,
                                  unsigned *index);

/* shmap_wait_ex flags. */
#define SHMAP_WAIT_ALL 0x1u  /* wait-all, as shmap_wait_multiple's wait_all */
#define SHMAP_WAIT_INTR 0x2u /* a signal handler that runs ends the wait */

/*
 * Waits as shmap_wait_multiple, with flags a mask of SHMAP_WAIT_*:
 * SHMAP_WAIT_ALL waits for all, and with SHMAP_WAIT_INTR a signal whose
 * handler runs while the wait sleeps ends it with -EINTR, having taken
 * nothing (what was signalled before the signal is still taken: the wait
 * looks once more first). Handlers installed with SA_RESTART end a wait on
 * one object too, but not one on several (the kernel restarts futex_waitv
 * for them); a signal that comes before the wait goes to sleep, while it
 * spins or looks, is not seen. Without SHMAP_WAIT_INTR, signals never end
 * a wait. Returns what shmap_wait_multiple returns, -EINTR, or -EINVAL for
 * an unknown flag.
 */
SHMAP_API int shmap_wait_ex(shmap_sync *const *objs, unsigned n,
                            unsigned flags, int timeout_ms, unsigned *index);

/*
 * Anonymous objects in memory the caller owns, like process-shared pthread
 * objects: put a shmap_sync_mem in any mapping (shared between processes or
 * not), initialise it once with one of the init functions, then make a
 * handle in each process with shmap_sync_attach. The memory must stay mapped
 * while any handle uses it, and while a thread owns the mutex in it.
 * SHMAP_SYNC_SIZE is part of the ABI: it has room for later versions'
 * fields (an init zeroes all of it), so it stays 512 through 1.x; the
 * block starts with a format word, so a library of another format refuses
 * it (SHMAP_EFORMAT).
 */
#define SHMAP_SYNC_SIZE 512
#ifdef __cplusplus
#define SHMAP_ALIGN64 alignas(64)
#else
#define SHMAP_ALIGN64 _Alignas(64)
#endif
typedef struct shmap_sync_mem {
	SHMAP_ALIGN64 unsigned char bytes[SHMAP_SYNC_SIZE];
} shmap_sync_mem;

/*
 * Initialises an event in mem; flags as for shmap_event_create. Returns 0,
 * or -EINVAL for a NULL or misaligned mem or bad flags.
 */
SHMAP_API int shmap_event_init(shmap_sync_mem *mem, unsigned flags);

/* Initialises a free mutex in mem. Returns 0, or -EINVAL for a bad mem. */
SHMAP_API int shmap_mutex_init(shmap_sync_mem *mem);

/*
 * Initialises a semaphore in mem. Returns 0, or -EINVAL for a bad mem or
 * counts (as shmap_sem_create).
 */
SHMAP_API int shmap_sem_init(shmap_sync_mem *mem, uint32_t initial,
                             uint32_t maximum);

/*
 * Makes a handle to the object initialised in mem. Returns 0, SHMAP_EBADOBJ
 * if mem holds no initialised object, SHMAP_EFORMAT if a version of shmap
 * with another shared-memory format initialised it, -EINVAL for a NULL or
 * misaligned mem, or -ENOMEM. Close the handle with shmap_sync_close; mem is left as it is.
 */
SHMAP_API int shmap_sync_attach(shmap_sync_mem *mem, shmap_sync **out);

#ifdef __cplusplus
}
#endif

#endif
