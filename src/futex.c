/* SPDX-License-Identifier: MIT */
/* Futexes, time and the spin policy (see futex.h). */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "futex.h"

int64_t shmap__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int64_t shmap__deadline_ns(int timeout_ms)
{
	return timeout_ms < 0 ? -1
	                      : shmap__now_ns() + (int64_t)timeout_ms * 1000000ll;
}

static struct timespec to_ts(int64_t ns)
{
	struct timespec ts = {ns / 1000000000ll, ns % 1000000000ll};
	return ts;
}

/* What a failed wait means to the caller (see futex.h). */
static int wait_result(long r, int err)
{
	if (r >= 0)
		return 0;
	return err == ETIMEDOUT ? -ETIMEDOUT : err == EINTR ? -EINTR : 0;
}

_Atomic unsigned long shmap__futex_woken;

static void count_woken(long r)
{
	/* relaxed: a counter only tests read, after the waits are over. */
	if (r >= 0)
		atomic_fetch_add_explicit(&shmap__futex_woken, 1,
		                          memory_order_relaxed);
}

int shmap__futex_wake_bits(_Atomic uint32_t *w, int n, uint32_t bits)
{
	int e = errno;
	/* Not FUTEX_PRIVATE: the word is shared between processes. */
	long r = syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE_BITSET, n, NULL,
	                 NULL, bits);
	errno = e;
	return r > 0 ? (int)r : 0;
}

int shmap__futex_wake(_Atomic uint32_t *w, int n)
{
	return shmap__futex_wake_bits(w, n, FUTEX_BITSET_MATCH_ANY);
}

int shmap__futex_wait_bits(_Atomic uint32_t *w, uint32_t val, uint32_t bits,
                           int64_t until_ns)
{
	int e = errno;
	struct timespec ts = to_ts(until_ns);
	/* WAIT_BITSET: its timeout is absolute, on CLOCK_MONOTONIC. */
	long r = syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT_BITSET, val,
	                 until_ns < 0 ? NULL : &ts, NULL, bits);
	int rc = wait_result(r, errno);
	count_woken(r);
	errno = e;
	return rc;
}

int shmap__futex_wait(_Atomic uint32_t *w, uint32_t val, int64_t until_ns)
{
	return shmap__futex_wait_bits(w, val, FUTEX_BITSET_MATCH_ANY, until_ns);
}

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

static atomic_int g_no_waitv;

int shmap__futex_waitv(_Atomic uint32_t *const *w, const uint32_t *val,
                       unsigned n, int64_t until_ns)
{
	struct futex_waitv wv[SHMAP__WAITV_MAX];
	if (n == 0 || n > SHMAP__WAITV_MAX)
		return -EINVAL;
	/* relaxed: a fact about the kernel; a race asks it twice. */
	if (n == 1 || atomic_load_explicit(&g_no_waitv, memory_order_relaxed)) {
		/* Without futex_waitv, poll the others every millisecond. */
		int64_t u = until_ns;
		if (n > 1 && (u < 0 || u > shmap__now_ns() + 1000000))
			u = shmap__now_ns() + 1000000;
		int rc = shmap__futex_wait(w[0], val[0], u);
		return rc == -ETIMEDOUT && u != until_ns ? 0 : rc;
	}
	int e = errno;
	memset(wv, 0, sizeof wv[0] * n);
	for (unsigned i = 0; i < n; i++) {
		wv[i].val = val[i];
		wv[i].uaddr = (uintptr_t)w[i];
		wv[i].flags = FUTEX_32;
	}
	struct timespec ts = to_ts(until_ns);
	long r = syscall(SYS_futex_waitv, wv, n, 0, until_ns < 0 ? NULL : &ts,
	                 CLOCK_MONOTONIC);
	int err = errno;
	count_woken(r);
	/* Any failure but these means futex_waitv is not usable here (not
	 * built, refused by a filter): poll from now on, never spin. */
	if (r < 0 && err != EAGAIN && err != EINTR && err != ETIMEDOUT &&
	    err != EFAULT) /* EFAULT: a file cut short under a word */
		atomic_store(&g_no_waitv, 1);
	errno = e;
	return wait_result(r, err);
}

static unsigned g_spins;
static pthread_once_t g_spin_once = PTHREAD_ONCE_INIT;

static void spin_init(void)
{
	int err = errno;
	const char *e = getenv("SHMAP_SPIN");
	if (e && *e)
		g_spins = (unsigned)strtoul(e, NULL, 10);
	else
		g_spins = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 200 : 0;
	errno = err;
}

unsigned shmap__spin_default(void)
{
	pthread_once(&g_spin_once, spin_init);
	return g_spins;
}
