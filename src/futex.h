/* SPDX-License-Identifier: MIT */
/*
 * Futexes in shared memory, time, and the spin policy: the one place the
 * library sleeps (as musl's __timedwait.c is). Every object protocol (sync.c,
 * chan.c) decides what to sleep on and when; this only sleeps and wakes.
 *
 * Signals: a wait that a signal handler interrupts returns -EINTR; it never
 * retries by itself. Callers decide: loop on (the default for every wait
 * that did not ask otherwise), or end with -EINTR (SHMAP_WAIT_INTR). A timed
 * futex wait reports the handler whether or not it was installed with
 * SA_RESTART (the kernel never restarts a timed FUTEX_WAIT); futex_waitv
 * restarts under SA_RESTART, so shmap__futex_waitv reports -EINTR only for
 * a handler without it. Every function here leaves errno as it found it.
 */
#ifndef SHMAP_FUTEX_H
#define SHMAP_FUTEX_H

#include <stdatomic.h>
#include <stdint.h>

/* CLOCK_MONOTONIC, in nanoseconds. */
int64_t shmap__now_ns(void);
/* The absolute monotonic time timeout_ms from now; -1 for SHMAP_INFINITE (or
 * any negative timeout). */
int64_t shmap__deadline_ns(int timeout_ms);
/*
 * Sleeps while *w == val, until until_ns (absolute monotonic, <0 forever).
 * Returns 0 (woken, or *w != val, or a spurious wake-up), -ETIMEDOUT, or
 * -EINTR (a signal handler ran). -EFAULT (a file cut short under w) counts
 * as 0: the caller finds the loss on its next look.
 */
int shmap__futex_wait(_Atomic uint32_t *w, uint32_t val, int64_t until_ns);
/* The same, woken only by a wake whose bitset meets bits (FUTEX_WAKE and
 * shmap__futex_wake meet every one). */
int shmap__futex_wait_bits(_Atomic uint32_t *w, uint32_t val, uint32_t bits,
                           int64_t until_ns);
/*
 * Sleeps while every *w[i] == val[i] (1 <= n <= SHMAP__WAITV_MAX) with
 * futex_waitv; where the kernel lacks it, sleeps on w[0] in slices of a
 * millisecond (returning 0 after each, so the caller looks at the others).
 * Same returns as shmap__futex_wait; -EINVAL for a bad n.
 */
#define SHMAP__WAITV_MAX 128
int shmap__futex_waitv(_Atomic uint32_t *const *w, const uint32_t *val,
                       unsigned n, int64_t until_ns);
/* Wakes n (1, or INT_MAX for all) sleepers on w, in any process; returns
 * how many it woke (0 on an error). */
int shmap__futex_wake(_Atomic uint32_t *w, int n);
/* Wakes up to n sleepers on w whose bitset meets bits (a futex_waitv
 * sleeper meets every bitset); returns how many. */
int shmap__futex_wake_bits(_Atomic uint32_t *w, int n, uint32_t bits);
/* For tests only: how many futex waits have returned woken (not timed out,
 * interrupted or refused by a changed word). */
extern _Atomic unsigned long shmap__futex_woken;
/* SHMAP_SPIN from the environment, else 200 on SMP, 0 on one CPU. */
unsigned shmap__spin_default(void);

/* One turn of a spin: tells the CPU (and a sibling hyperthread). */
static inline void shmap__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

#endif
