/* SPDX-License-Identifier: MIT */
/*
 * Cross-process ping-pong round trips: shmap events (blocking, default
 * spin, spinning) beside the floors measured in the same run: a raw
 * shared-memory spin, a raw futex, eventfd, a pipe and a unix socket.
 * Each figure is the median over RUNS runs of ROUNDS round trips between a
 * parent and a forked child, pinned to two different CPUs (where the machine
 * has two) so every method pays the same cross-core wakeup.
 *
 * Then two processes taking turns on one mutex (loop: wait, touch,
 * release): the cost of a hand-off each way, and how often a take found
 * the other side's mark (strict alternation: every time).
 *
 * Then the uncontended cost of one mutex take and release in one process
 * (shmap_wait + shmap_mutex_release on a named mutex) beside a raw lock in
 * shared memory (a CAS to take, a store to release), same run, same median.
 */
#include "bench_pair.h"

#include <linux/futex.h>
#include <sched.h>
#include <shmap.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int rounds = 20000, runs = 7;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_sync: %s: %s\n", what, shmap_strerror(rc));
	exit(1);
}

/* One ping-pong method: setup in the parent, then a side per process. */
struct method {
	const char *name;
	void (*setup)(void);
	void (*side)(int parent); /* runs `rounds` round trips */
	void (*teardown)(void);
};

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Raw shared-memory spin: the floor for spinning. */
static _Atomic uint32_t *spin_word;

static void spin_setup(void)
{
	spin_word = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	atomic_store(spin_word, 0);
}

static void spin_side(int parent)
{
	for (uint32_t i = 0; i < (uint32_t)rounds; i++) {
		uint32_t want = 2 * i + (parent ? 0 : 1);
		while (atomic_load_explicit(spin_word, memory_order_acquire) != want)
			relax();
		atomic_store_explicit(spin_word, want + 1, memory_order_release);
	}
}

/* Raw auto-reset flags: the floor for spinning with "take" semantics. The
 * setter stores 1; the waiter spins until it sees 1, then consumes it with
 * a CAS, as any auto-reset event must (one waiter takes it). */
static void flag_side(int parent)
{
	_Atomic uint32_t *ping = spin_word, *pong = spin_word + 16;
	for (int i = 0; i < rounds; i++) {
		_Atomic uint32_t *give = parent ? ping : pong;
		_Atomic uint32_t *take = parent ? pong : ping;
		if (parent)
			atomic_store_explicit(give, 1, memory_order_release);
		for (;;) {
			uint32_t one = 1;
			if (atomic_load_explicit(take, memory_order_relaxed) &&
			    atomic_compare_exchange_strong_explicit(
			            take, &one, 0, memory_order_acquire,
			            memory_order_relaxed))
				break;
			relax();
		}
		if (!parent)
			atomic_store_explicit(give, 1, memory_order_release);
	}
}

static void spin_teardown(void)
{
	munmap(spin_word, 4096);
}

/* Raw futex: the floor for blocking. Each side sleeps until its turn. */
static void futex_side(int parent)
{
	for (uint32_t i = 0; i < (uint32_t)rounds; i++) {
		uint32_t want = 2 * i + (parent ? 0 : 1), v;
		while ((v = atomic_load(spin_word)) != want)
			syscall(SYS_futex, spin_word, FUTEX_WAIT, v, NULL, NULL, 0);
		atomic_store(spin_word, want + 1);
		syscall(SYS_futex, spin_word, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
}

/* File-descriptor ping-pongs: eventfd, pipe, unix socket. */
static int fds[4]; /* parent reads fds[0], writes fds[1]; child the others */

static void xwrite(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		die("write", -1);
}

static void xread(int fd, void *p, size_t n)
{
	if (read(fd, p, n) != (ssize_t)n)
		die("read", -1);
}

static void fd_side(int parent, size_t n)
{
	uint64_t one = 1, v;
	int rd = parent ? fds[0] : fds[2], wr = parent ? fds[1] : fds[3];
	for (int i = 0; i < rounds; i++) {
		if (parent) {
			xwrite(wr, &one, n);
			xread(rd, &v, n);
		} else {
			xread(rd, &v, n);
			xwrite(wr, &one, n);
		}
	}
}

static void efd_setup(void)
{
	int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);
	fds[0] = a; /* parent reads a, child writes a */
	fds[3] = a;
	fds[1] = b;
	fds[2] = b;
}

static void efd_side(int parent)
{
	fd_side(parent, 8);
}

static void pipe_setup(void)
{
	int p[2], q[2];
	if (pipe(p) || pipe(q))
		die("pipe", -1);
	fds[0] = p[0];
	fds[3] = p[1];
	fds[2] = q[0];
	fds[1] = q[1];
}

static void byte_side(int parent)
{
	fd_side(parent, 1);
}

static void sock_setup(void)
{
	int s[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s))
		die("socketpair", -1);
	fds[0] = fds[1] = s[0];
	fds[2] = fds[3] = s[1];
}

static void fd_teardown(void)
{
	for (int i = 0; i < 4; i++)
		close(fds[i]);
}

/* shmap events: two auto-reset events, the child opens them by name. */
static unsigned ev_spin;

static void ev_setup(void)
{
}

static void ev_side(int parent)
{
	shmap_sync *ping = NULL, *pong = NULL;
	int rc = shmap_event_create("Local\\bench-ping", 0, NULL, &ping);
	if (rc == 0)
		rc = shmap_event_create("Local\\bench-pong", 0, NULL, &pong);
	if (rc)
		die("event create", rc);
	shmap_sync_set_spin(ping, ev_spin);
	shmap_sync_set_spin(pong, ev_spin);
	for (int i = 0; i < rounds; i++) {
		if (parent) {
			shmap_event_set(ping);
			if ((rc = shmap_wait(pong, SHMAP_INFINITE)))
				die("wait", rc);
		} else {
			if ((rc = shmap_wait(ping, SHMAP_INFINITE)))
				die("wait", rc);
			shmap_event_set(pong);
		}
	}
	shmap_sync_close(ping);
	shmap_sync_close(pong);
}

static void ev_teardown(void)
{
}

/*
 * Contended mutex hand-off: both processes loop { wait; touch the shared
 * word; release } on one named mutex. A trip is two hand-offs, one each
 * way. spin_word[0] holds who touched last; spin_word[16] counts the
 * parent's takes that found the child's mark (strict alternation: all).
 */
static void mx_side(int parent)
{
	shmap_sync *m = NULL;
	int rc = shmap_mutex_create("Local\\bench-handoff", 0, NULL, &m);
	if (rc)
		die("mutex create", rc);
	shmap_sync_set_spin(m, ev_spin);
	uint32_t me = parent ? 1 : 2;
	for (int i = 0; i < rounds; i++) {
		if ((rc = shmap_wait(m, SHMAP_INFINITE)))
			die("mutex wait", rc);
		uint32_t last = atomic_load_explicit(spin_word,
		                                     memory_order_relaxed);
		if (parent && last == 2)
			atomic_fetch_add_explicit(spin_word + 16, 1,
			                          memory_order_relaxed);
		atomic_store_explicit(spin_word, me, memory_order_relaxed);
		if ((rc = shmap_mutex_release(m)))
			die("mutex release", rc);
	}
	shmap_sync_close(m);
}

static double mx_alternated; /* the last run's share of alternating takes */

static void mx_teardown(void)
{
	mx_alternated = (double)atomic_load(spin_word + 16) / rounds;
	spin_teardown();
}

static void raw_setup(void)
{
	spin_setup();
}

static double run_once(const struct method *m)
{
	m->setup();
	/* The child must hold the events before the parent's first round,
	 * and both must exist until both finish: a pipe says "ready". */
	int go[2], done[2];
	if (pipe(go) || pipe(done))
		die("pipe", -1);
	pid_t pid = fork();
	if (pid == 0) {
		char c = 0;
		bp_pin(1);
		xwrite(go[1], &c, 1);
		m->side(0);
		xread(done[0], &c, 1);
		_exit(0);
	}
	char c;
	xread(go[0], &c, 1);
	double t0 = now_us();
	m->side(1);
	double t = (now_us() - t0) / rounds;
	xwrite(done[1], &c, 1);
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die("child failed", -1);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	m->teardown();
	return t;
}

/* Uncontended mutex take + release: ns per pair, shmap then raw. */
#define PAIRS 1000000

static double mutex_pairs(void)
{
	shmap_sync *m;
	int rc = shmap_mutex_create("Local\\bench-mutex", 0, NULL, &m);
	if (rc)
		die("mutex create", rc);
	double t0 = now_us();
	for (int i = 0; i < PAIRS; i++) {
		if ((rc = shmap_wait(m, SHMAP_INFINITE)))
			die("mutex wait", rc);
		if ((rc = shmap_mutex_release(m)))
			die("mutex release", rc);
	}
	double t = (now_us() - t0) * 1e3 / PAIRS;
	shmap_sync_close(m);
	return t;
}

static double raw_lock_pairs(void)
{
	spin_setup();
	_Atomic uint64_t *w = (_Atomic uint64_t *)spin_word;
	uint64_t me = (uint64_t)getpid();
	double t0 = now_us();
	for (int i = 0; i < PAIRS; i++) {
		uint64_t zero = 0;
		while (!atomic_compare_exchange_strong_explicit(
		        w, &zero, me, memory_order_acquire, memory_order_relaxed))
			zero = 0;
		atomic_store_explicit(w, 0, memory_order_release);
	}
	double t = (now_us() - t0) * 1e3 / PAIRS;
	spin_teardown();
	return t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median of t[0..n). */
static double median_of(double *t, int n)
{
	qsort(t, (size_t)n, sizeof t[0], cmp);
	return t[n / 2];
}

int main(int argc, char **argv)
{
	if (argc > 1)
		rounds = atoi(argv[1]);
	if (argc > 2)
		runs = atoi(argv[2]);
	if (rounds < 1 || runs < 1 || runs > 64) {
		fprintf(stderr, "usage: bench_sync [rounds] [runs<=64]\n");
		return 2;
	}
	bp_pin(0);
	const struct method spin = {"raw shared-memory spin", raw_setup,
	                            spin_side, spin_teardown};
	const struct method fut = {"raw futex", raw_setup, futex_side,
	                           spin_teardown};
	const struct method flag = {"raw auto-reset flag", raw_setup, flag_side,
	                            spin_teardown};
	const struct method efd = {"eventfd", efd_setup, efd_side, fd_teardown};
	const struct method pip = {"pipe", pipe_setup, byte_side, fd_teardown};
	const struct method unx = {"unix socket", sock_setup, byte_side,
	                           fd_teardown};
	const struct method ev = {"shmap event", ev_setup, ev_side, ev_teardown};
	const struct method mx = {"shmap mutex hand-off", raw_setup, mx_side,
	                          mx_teardown};

	/* Methods take turns within each run, so slow phases of a shared
	 * machine (or vCPUs moved by the host) fall on all of them alike. */
	enum { SPIN, FLAG, FUT, EFD, PIPE, UNX, BLOCK, DEF, EVSPIN, MXBLOCK,
	       MXDEF, N };
	const struct method *ms[N] = {&spin, &flag, &fut, &efd, &pip, &unx,
	                              &ev,   &ev,   &ev,  &mx,  &mx};
	const unsigned evspins[N] = {0, 0, 0, 0, 0, 0, 0, 200, 1u << 30, 0, 200};
	double t[N][64], med[N], tm[64], tr[64], alt[2][64];
	for (int r = 0; r < runs; r++) {
		for (int k = 0; k < N; k++) {
			ev_spin = evspins[k];
			t[k][r] = run_once(ms[k]);
			if (k >= MXBLOCK)
				alt[k - MXBLOCK][r] = mx_alternated;
		}
		tm[r] = mutex_pairs();
		tr[r] = raw_lock_pairs();
	}
	for (int k = 0; k < N; k++)
		med[k] = median_of(t[k], runs);
	double t_spin = med[SPIN], t_flag = med[FLAG], t_fut = med[FUT];
	double t_efd = med[EFD];
	double t_pipe = med[PIPE], t_unx = med[UNX], t_block = med[BLOCK];
	double t_def = med[DEF], t_evspin = med[EVSPIN];

	printf("ping-pong round trip between two processes on two CPUs, median "
	       "of %d runs x %d rounds\n",
	       runs, rounds);
	printf("%-38s %9s %10s %10s\n", "method", "us/trip", "vs futex",
	       "vs spin");
#define ROW(name, t)                                                           \
	printf("%-38s %9.3f %10.2f %10.2f\n", name, t, (t) / t_fut, (t) / t_spin)
	ROW("raw shared-memory spin", t_spin);
	ROW("raw auto-reset flag (spin, CAS take)", t_flag);
	ROW("raw futex (blocking floor)", t_fut);
	ROW("eventfd", t_efd);
	ROW("pipe", t_pipe);
	ROW("unix socket", t_unx);
	ROW("shmap event, blocking (spin 0)", t_block);
	ROW("shmap event, default spin (200)", t_def);
	ROW("shmap event, spinning", t_evspin);
	printf("shmap event, spinning, vs raw auto-reset flag: %.2fx\n",
	       t_evspin / t_flag);
	printf("\ncontended mutex, two processes each looping wait, touch, "
	       "release; a trip is one take by each\n");
	printf("%-38s %9s %10s %10s %10s\n", "method", "us/trip", "vs futex",
	       "vs spin", "alternate");
	for (int k = MXBLOCK; k <= MXDEF; k++)
		printf("%-38s %9.3f %10.2f %10.2f %9.0f%%\n",
		       k == MXBLOCK ? "shmap mutex hand-off, blocking (spin 0)"
		                    : "shmap mutex hand-off, default spin (200)",
		       med[k], med[k] / t_fut, med[k] / t_spin,
		       100 * median_of(alt[k - MXBLOCK], runs));
	double t_mx = median_of(tm, runs), t_raw = median_of(tr, runs);
	printf("\nuncontended take + release in one process, median of %d runs "
	       "x %d pairs\n",
	       runs, PAIRS);
	printf("%-38s %9s %10s\n", "method", "ns/pair", "vs raw");
	printf("%-38s %9.1f %10.2f\n", "raw lock (CAS take, store release)",
	       t_raw, 1.0);
	printf("%-38s %9.1f %10.2f\n", "shmap mutex (wait + release)", t_mx,
	       t_mx / t_raw);
	return 0;
}
