/* SPDX-License-Identifier: MIT */
/*
 * Events across processes: create/open and type checks, auto and manual
 * reset, set on a set event, pulse, timeouts, descriptors for epoll, no
 * system call without sleepers (checked with seccomp), unnamed and anonymous
 * events, and lifetime under kill -9.
 */
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "harness.h"

#define NAME "Local\\test-event"
#define NAME2 "Local\\test-event-2"
#define SHM "Local\\test-event-shm"
#define NWAIT 5
#define ROUNDS 100000

/* Counters the processes of a case share, in a shmap mapping. */
struct shared {
	atomic_int ready;    /* children about to wait */
	atomic_int released; /* children whose wait returned */
	atomic_int flag;     /* a child reports something happened */
	atomic_int go;       /* the parent lets a child go on */
	atomic_uint counter; /* ping-pong turns */
	unsigned payload;    /* plain data published by set, read after wait */
};

static shmap_map *g_shm;
static struct shared *g_sh;

static void shm_new(void)
{
	T_OK(shmap_map_create(SHM, 4096, SHMAP_PROT_READWRITE, NULL, &g_shm));
	T_EQ(shmap_map_existed(g_shm), 0);
	T_OK(shmap_view_map(g_shm, 0, 0, SHMAP_ACCESS_WRITE, (void **)&g_sh));
}

static void shm_free(void)
{
	T_OK(shmap_view_unmap(g_sh));
	T_OK(shmap_map_close(g_shm));
	g_sh = NULL;
	g_shm = NULL;
}

/* Forks a child that dies with the case process, so none is left behind. */
static pid_t spawn(void)
{
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
	}
	return pid;
}

static void reap(pid_t pid)
{
	int st = t_wait(pid, 20);
	if (t_exit_code(st) != 0)
		T_FAIL("child %d: %s %d", (int)pid,
		       st != -1 && WIFSIGNALED(st) ? "signal" : "exit",
		       st != -1 && WIFSIGNALED(st) ? WTERMSIG(st)
		                                   : t_exit_code(st));
}

/* Polls until *v reaches at least want; fails after secs seconds. */
static void await_for(atomic_int *v, int want, double secs)
{
	double end = t_now() + secs;
	while (atomic_load(v) < want) {
		if (t_now() > end)
			T_FAIL("waited %.0f s for %d, have %d", secs, want,
			       atomic_load(v));
		usleep(500);
	}
}

static void await(atomic_int *v, int want)
{
	await_for(v, want, 10);
}

/* Waits until pid is in state (S: asleep, as on a futex; T: stopped). */
static void await_state(pid_t pid, char state)
{
	char path[64], buf[512];
	double end = t_now() + 10;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	for (;;) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			char *p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == state)
				return;
		}
		if (t_now() > end)
			T_FAIL("process %d never reached state %c", (int)pid,
			       state);
		usleep(500);
	}
}

static void await_asleep(pid_t pid)
{
	await_state(pid, 'S');
}

/*
 * Starts n children that open the event name, count themselves ready, wait
 * for it with timeout_ms expecting expect, and count their release. Returns
 * once all sleep, and checks none was released without a signal.
 */
static void start_waiters(const char *name, pid_t *pids, int n,
                          int timeout_ms, int expect)
{
	int base = atomic_load(&g_sh->ready);
	for (int i = 0; i < n; i++) {
		pids[i] = spawn();
		if (pids[i] == 0) {
			shmap_sync *e;
			T_OK(shmap_event_open(name, 0, &e));
			atomic_fetch_add(&g_sh->ready, 1);
			T_EQ(shmap_wait(e, timeout_ms), expect);
			atomic_fetch_add(&g_sh->released, 1);
			T_OK(shmap_sync_close(e));
			exit(0);
		}
	}
	await(&g_sh->ready, base + n);
	for (int i = 0; i < n; i++)
		await_asleep(pids[i]);
	usleep(50000);
	T_EQ(atomic_load(&g_sh->released), 0);
}

/* Waits for want releases, then a grace period: there must be no more. */
static void expect_released(int want)
{
	await_for(&g_sh->released, want, 5);
	usleep(200000);
	T_EQ(atomic_load(&g_sh->released), want);
}

/* A child opens name, waits timeout_ms expecting expect; its exit code. */
static int child_wait(const char *name, int timeout_ms, int expect)
{
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_sync *e;
		T_OK(shmap_event_open(name, 0, &e));
		T_EQ(shmap_wait(e, timeout_ms), expect);
		T_OK(shmap_sync_close(e));
		exit(0);
	}
	return t_exit_code(t_wait(pid, 20));
}

/* A child opens name and sets it; its exit code. */
static int child_set(const char *name)
{
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_sync *e;
		T_OK(shmap_event_open(name, 0, &e));
		T_OK(shmap_event_set(e));
		T_OK(shmap_sync_close(e));
		exit(0);
	}
	return t_exit_code(t_wait(pid, 20));
}

/* ---- create, open, close, types, arguments ---- */

static void create_open_close(void)
{
	shmap_sync *a, *b, *c;
	shmap_attr excl = {0, SHMAP_ATTR_EXCL};
	T_EQ(shmap_event_open(NAME, 0, &a), -ENOENT);
	T_OK(shmap_event_create(NAME, 0, NULL, &a));
	T_EQ(shmap_sync_existed(a), 0);
	T_EQ(t_count_files(t_dir), 1);
	T_OK(shmap_event_open(NAME, 0, &b));
	/* Set through one handle, taken through the other, once. */
	T_EQ(shmap_wait(b, 0), -ETIMEDOUT);
	T_OK(shmap_event_set(a));
	T_OK(shmap_wait(b, 0));
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	T_EQ(shmap_wait(b, 0), -ETIMEDOUT);
	/* Create of an existing name opens it, keeping its mode and state. */
	T_OK(shmap_event_create(NAME, SHMAP_EVENT_MANUAL | SHMAP_EVENT_SET,
	                        NULL, &c));
	T_EQ(shmap_sync_existed(c), 1);
	T_EQ(shmap_wait(c, 0), -ETIMEDOUT);
	T_OK(shmap_event_set(c));
	T_OK(shmap_wait(a, 0));
	T_EQ(shmap_wait(c, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(c));
	T_EQ(shmap_event_create(NAME, 0, &excl, &c), -EEXIST);
	T_EQ(t_count_files(t_dir), 1);
	T_OK(shmap_sync_close(b));
	T_OK(shmap_sync_close(a));
	T_EQ(shmap_event_open(NAME, 0, &a), -ENOENT);
	T_EQ(t_count_files(t_dir), 0);

	/* The other way round: a manual, set event stays so. */
	T_OK(shmap_event_create(NAME, SHMAP_EVENT_MANUAL | SHMAP_EVENT_SET,
	                        NULL, &a));
	T_EQ(shmap_sync_existed(a), 0);
	T_OK(shmap_event_create(NAME, 0, NULL, &b));
	T_EQ(shmap_sync_existed(b), 1);
	T_OK(shmap_wait(b, 0));
	T_OK(shmap_wait(b, 0));
	T_OK(shmap_wait(a, 0));
	T_OK(shmap_event_reset(b));
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	/* Bare names are Local. */
	T_OK(shmap_event_open("test-event", 0, &c));
	T_OK(shmap_event_set(c));
	T_OK(shmap_wait(a, 0));
	T_OK(shmap_sync_close(c));
	T_OK(shmap_sync_close(a));
	T_OK(shmap_sync_close(b));
	/* After the last close a create makes a new event, not set. */
	T_OK(shmap_event_create(NAME, 0, NULL, &a));
	T_EQ(shmap_sync_existed(a), 0);
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(a));
	T_OK(shmap_sync_close(NULL));
	/* The library leaves errno alone. */
	errno = 1234;
	T_EQ(shmap_event_open(NAME, 0, &a), -ENOENT);
	T_OK(shmap_event_create(NAME, 0, NULL, &a));
	T_EQ(shmap_wait(a, 1), -ETIMEDOUT);
	T_OK(shmap_event_set(a));
	T_OK(shmap_sync_close(a));
	T_EQ(errno, 1234);
}

static void type_mismatch(void)
{
	shmap_sync *e, *m, *s, *x;
	shmap_map *p, *q;
	T_OK(shmap_event_create(NAME, 0, NULL, &e));
	T_EQ(shmap_mutex_open(NAME, 0, &x), SHMAP_ETYPE);
	T_EQ(shmap_sem_open(NAME, 0, &x), SHMAP_ETYPE);
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &q), SHMAP_ETYPE);
	T_EQ(shmap_mutex_create(NAME, 0, NULL, &x), SHMAP_ETYPE);
	T_EQ(shmap_sem_create(NAME, 0, 1, NULL, &x), SHMAP_ETYPE);
	T_EQ(shmap_map_create(NAME, 4096, SHMAP_PROT_READWRITE, NULL, &q),
	     SHMAP_ETYPE);

	T_OK(shmap_mutex_create("Local\\test-event-mutex", 0, NULL, &m));
	T_OK(shmap_sem_create("Local\\test-event-sem", 1, 2, NULL, &s));
	T_OK(shmap_map_create("Local\\test-event-map", 4096,
	                      SHMAP_PROT_READWRITE, NULL, &p));
	const char *others[] = {"Local\\test-event-mutex",
	                        "Local\\test-event-sem",
	                        "Local\\test-event-map"};
	for (int i = 0; i < 3; i++) {
		T_EQ(shmap_event_open(others[i], 0, &x), SHMAP_ETYPE);
		T_EQ(shmap_event_create(others[i], 0, NULL, &x), SHMAP_ETYPE);
		T_EQ(shmap_event_create(others[i], SHMAP_EVENT_MANUAL, NULL,
		                        &x),
		     SHMAP_ETYPE);
	}
	/* Event calls on other kinds are refused, and the other way round. */
	T_EQ(shmap_event_set(m), -EINVAL);
	T_EQ(shmap_event_reset(m), -EINVAL);
	T_EQ(shmap_event_pulse(m), -EINVAL);
	T_EQ(shmap_event_set(s), -EINVAL);
	int fd = -7;
	T_EQ(shmap_event_fd(m, &fd), -EINVAL);
	T_EQ(shmap_event_fd(s, &fd), -EINVAL);
	T_EQ(fd, -7);
	T_EQ(shmap_mutex_release(e), -EINVAL);
	T_EQ(shmap_sem_release(e, 1, NULL), -EINVAL);
	/* The refused calls changed nothing: the mutex is free, the count 1. */
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_wait(s, 0));
	T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	T_EQ(shmap_wait(e, 0), -ETIMEDOUT);
	T_EQ(t_count_files(t_dir), 4);
	T_OK(shmap_sync_close(e));
	T_OK(shmap_sync_close(m));
	T_OK(shmap_sync_close(s));
	T_OK(shmap_map_close(p));
	/* The refused attempts took no hold: every name is gone. */
	T_EQ(shmap_event_open(NAME, 0, &x), -ENOENT);
	for (int i = 0; i < 3; i++)
		T_EQ(shmap_event_open(others[i], 0, &x), -ENOENT);
	T_EQ(t_count_files(t_dir), 0);
}

static void bad_arguments(void)
{
	shmap_sync *e, *x = NULL;
	int fd;
	T_EQ(shmap_event_create(NAME, 0x4, NULL, &x), -EINVAL);
	T_EQ(shmap_event_create(NAME, 0x80000000u, NULL, &x), -EINVAL);
	T_EQ(shmap_event_create(NULL, 0x4, NULL, &x), -EINVAL);
	T_EQ(shmap_event_create(NAME, 0, NULL, NULL), -EINVAL);
	T_ASSERT(x == NULL);
	/* Nothing was created by the refused calls. */
	T_EQ(shmap_event_open(NAME, 0, &x), -ENOENT);
	T_EQ(t_count_files(t_dir), 0);
	T_EQ(shmap_event_create("Bogus\\x", 0, NULL, &x), SHMAP_EBADPATH);
	T_EQ(shmap_event_create("Local\\a\\b", 0, NULL, &x), SHMAP_EBADPATH);
	T_OK(shmap_event_create(NAME, 0, NULL, &e));
	T_EQ(shmap_event_open(NAME, 0x1, &x), -EINVAL);
	T_EQ(shmap_event_open(NAME, SHMAP_OPEN_INHERIT | 0x2, &x), -EINVAL);
	T_EQ(shmap_event_open(NULL, 0, &x), -EINVAL);
	T_EQ(shmap_event_open("", 0, &x), -EINVAL);
	T_EQ(shmap_event_open(NAME, 0, NULL), -EINVAL);
	T_OK(shmap_event_open(NAME, SHMAP_OPEN_INHERIT, &x));
	T_OK(shmap_sync_close(x));
	T_EQ(shmap_event_set(NULL), -EINVAL);
	T_EQ(shmap_event_reset(NULL), -EINVAL);
	T_EQ(shmap_event_pulse(NULL), -EINVAL);
	T_EQ(shmap_event_fd(NULL, &fd), -EINVAL);
	T_EQ(shmap_event_fd(e, NULL), -EINVAL);
	T_EQ(shmap_wait(NULL, 0), -EINVAL);
	T_EQ(shmap_sync_set_spin(NULL, 0), -EINVAL);
	T_OK(shmap_sync_close(e));
	T_EQ(t_count_files(t_dir), 0);
}

/* ---- signalling across processes ---- */

/*
 * Two processes take turns through two auto-reset events; a shared counter
 * checks every turn came in order, a plain payload that each set published
 * what was written before it. nospin: every wait sleeps, for fewer rounds.
 */
static void ping_pong_run(int nospin)
{
	const unsigned rounds = nospin ? ROUNDS / 4 : ROUNDS;
	shmap_sync *ping, *pong;
	shm_new();
	T_OK(shmap_event_create(NAME, 0, NULL, &ping));
	T_OK(shmap_event_create(NAME2, 0, NULL, &pong));
	if (nospin)
		T_OK(shmap_sync_set_spin(pong, 0));
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_sync *pi, *po;
		shmap_map *m;
		struct shared *s;
		T_OK(shmap_event_open(NAME, 0, &pi));
		T_OK(shmap_event_open(NAME2, 0, &po));
		if (nospin)
			T_OK(shmap_sync_set_spin(pi, 0));
		T_OK(shmap_map_open(SHM, SHMAP_ACCESS_ALL, &m));
		T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&s));
		for (unsigned i = 0; i < rounds; i++) {
			T_OK(shmap_wait(pi, SHMAP_INFINITE));
			unsigned c = atomic_load_explicit(&s->counter,
			                                  memory_order_relaxed);
			if (c != 2 * i + 1 || s->payload != i * 7)
				T_FAIL("child round %u: counter %u payload %u",
				       i, c, s->payload);
			s->payload = i * 11;
			atomic_store_explicit(&s->counter, c + 1,
			                      memory_order_relaxed);
			T_OK(shmap_event_set(po));
		}
		T_OK(shmap_view_unmap(s));
		T_OK(shmap_map_close(m));
		T_OK(shmap_sync_close(pi));
		T_OK(shmap_sync_close(po));
		exit(0);
	}
	double t0 = t_now();
	for (unsigned i = 0; i < rounds; i++) {
		unsigned c = atomic_load_explicit(&g_sh->counter,
		                                  memory_order_relaxed);
		if (c != 2 * i || (i && g_sh->payload != (i - 1) * 11))
			T_FAIL("parent round %u: counter %u payload %u", i, c,
			       g_sh->payload);
		g_sh->payload = i * 7;
		atomic_store_explicit(&g_sh->counter, c + 1,
		                      memory_order_relaxed);
		T_OK(shmap_event_set(ping));
		int rc = shmap_wait(pong, 20000);
		if (rc)
			T_FAIL("round %u: wait %s", i, shmap_strerror(rc));
	}
	double dt = t_now() - t0;
	T_EQ(atomic_load(&g_sh->counter), 2 * rounds);
	reap(pid);
	/* Every set was taken by exactly one wait. */
	T_EQ(shmap_wait(ping, 0), -ETIMEDOUT);
	T_EQ(shmap_wait(pong, 0), -ETIMEDOUT);
	fprintf(stderr, "  %u round trips%s in %.2f s (%.1f us each)\n",
	        rounds, nospin ? " without spinning" : "", dt,
	        dt * 1e6 / rounds);
	T_OK(shmap_sync_close(ping));
	T_OK(shmap_sync_close(pong));
	shm_free();
}

static void ping_pong(void)
{
	ping_pong_run(0);
}

static void ping_pong_sleeping(void)
{
	ping_pong_run(1);
}

static void auto_releases_one(void)
{
	shmap_sync *e;
	pid_t pids[NWAIT];
	shm_new();
	T_OK(shmap_event_create(NAME, 0, NULL, &e));
	start_waiters(NAME, pids, NWAIT, SHMAP_INFINITE, 0);
	for (int k = 1; k <= NWAIT; k++) {
		T_OK(shmap_event_set(e));
		expect_released(k);
		/* The release reset the event. */
		T_EQ(shmap_wait(e, 0), -ETIMEDOUT);
	}
	for (int i = 0; i < NWAIT; i++)
		reap(pids[i]);
	/* A set with nobody waiting stays for the first to come, only. */
	T_OK(shmap_event_set(e));
	T_EQ(child_wait(NAME, 0, 0), 0);
	T_EQ(child_wait(NAME, 0, -ETIMEDOUT), 0);
	T_EQ(shmap_wait(e, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(e));
	shm_free();
}

static void manual_releases_all(void)
{
	shmap_sync *e;
	pid_t pids[NWAIT];
	shm_new();
	T_OK(shmap_event_create(NAME, SHMAP_EVENT_MANUAL, NULL, &e));
	start_waiters(NAME, pids, NWAIT, SHMAP_INFINITE, 0);
	T_OK(shmap_event_set(e));
	expect_released(NWAIT);
	for (int i = 0; i < NWAIT; i++)
		reap(pids[i]);
	/* It stays set: later waits, here and elsewhere, return at once. */
	T_OK(shmap_wait(e, 0));
	T_OK(shmap_wait(e, SHMAP_INFINITE));
	T_EQ(child_wait(NAME, 0, 0), 0);
	T_EQ(child_wait(NAME, SHMAP_INFINITE, 0), 0);
	T_OK(shmap_wait(e, 0));
	/* Until reset. */
	T_OK(shmap_event_reset(e));
	T_EQ(shmap_wait(e, 0), -ETIMEDOUT);
	T_EQ(shmap_wait(e, 20), -ETIMEDOUT);
	T_EQ(child_wait(NAME, 0, -ETIMEDOUT), 0);
	T_EQ(child_wait(NAME, 20, -ETIMEDOUT), 0);
	/* Reset of a reset event does nothing either. */
	T_OK(shmap_event_reset(e));
	T_EQ(shmap_wait(e, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(e));
	shm_free();
}

/*
 * A waiter released by a manual-reset set has seen the event set, so its
 * reset undoes the set even while the setter has not finished (here it is
 * stopped right after its change, before its wake; the waiter, never woken,
 * looks again when its slice of sleep ends).
 */
static void manual_release_sees_set(void)
{
	shmap_sync *e;
	shm_new();
	T_OK(shmap_event_create(NAME, SHMAP_EVENT_MANUAL, NULL, &e));
	pid_t w = spawn();
	if (w == 0) {
		shmap_sync *c;
		T_OK(shmap_event_open(NAME, 0, &c));
		atomic_fetch_add(&g_sh->ready, 1);
		T_OK(shmap_wait(c, 10000));
		T_OK(shmap_event_reset(c));
		T_OK(shmap_sync_close(c));
		exit(0);
	}
	await(&g_sh->ready, 1);
	await_asleep(w);
	pid_t s = spawn();
	if (s == 0) {
		shmap_sync *c;
		T_OK(shmap_event_open(NAME, 0, &c));
		shmap__crash_signal = SIGSTOP;
		shmap__crash_at = SHMAP__CP_EVENT_SET;
		T_OK(shmap_event_set(c));
		T_OK(shmap_sync_close(c));
		exit(0);
	}
	await_state(s, 'T');
	reap(w);
	kill(s, SIGCONT);
	reap(s);
	T_EQ(shmap_wait(e, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(e));
	shm_free();
}

/*
 * The handshake of an auto-reset request and a manual-reset reply, reset by
 * the requester after each wait, for two seconds: a reply must never be
 * seen before its set (a waiter spinning on another CPU once returned
 * between the two steps of a set and reset it before the set took effect).
 */
static void manual_reply_handshake(void)
{
	shmap_sync *a, *b;
	shm_new();
	T_OK(shmap_event_create(NAME, 0, NULL, &a));
	T_OK(shmap_event_create(NAME2, SHMAP_EVENT_MANUAL, NULL, &b));
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_sync *ca, *cb;
		T_OK(shmap_event_open(NAME, 0, &ca));
		T_OK(shmap_event_open(NAME2, 0, &cb));
		for (unsigned i = 1;; i++) {
			T_OK(shmap_wait(ca, 10000));
			if (atomic_load(&g_sh->flag))
				break;
			T_EQ(g_sh->payload, i);
			g_sh->payload = i + 1000000;
			T_OK(shmap_event_set(cb));
		}
		T_OK(shmap_sync_close(ca));
		T_OK(shmap_sync_close(cb));
		exit(0);
	}
	double end = t_now() + 2;
	unsigned i;
	for (i = 1; i <= 1000000 && (i % 1024 || t_now() < end); i++) {
		g_sh->payload = i;
		T_OK(shmap_event_set(a));
		T_OK(shmap_wait(b, 10000));
		T_OK(shmap_event_reset(b));
		if (g_sh->payload != i + 1000000)
			T_FAIL("round %u: reply %u before its set", i,
			       g_sh->payload);
	}
	atomic_store(&g_sh->flag, 1);
	T_OK(shmap_event_set(a));
	reap(pid);
	T_EQ(shmap_wait(b, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(a));
	T_OK(shmap_sync_close(b));
	shm_free();
}

static void set_on_set(void)
{
	shmap_sync *a, *m;
	pid_t pids[2];
	shm_new();
	T_OK(shmap_event_create(NAME, 0, NULL, &a));
	T_OK(shmap_event_set(a));
	T_OK(shmap_event_set(a));
	T_OK(shmap_wait(a, 0));
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	/* Two sets with nobody waiting release one of two later waiters. */
	T_OK(shmap_event_set(a));
	T_OK(shmap_event_set(a));
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_sync *c;
		T_OK(shmap_event_open(NAME, 0, &c));
		T_OK(shmap_event_set(c));
		T_OK(shmap_sync_close(c));
		exit(0);
	}
	reap(pid);
	for (int i = 0; i < 2; i++) {
		pids[i] = spawn();
		if (pids[i] == 0) {
			shmap_sync *c;
			T_OK(shmap_event_open(NAME, 0, &c));
			int rc = shmap_wait(c, 500);
			T_ASSERT(rc == 0 || rc == -ETIMEDOUT);
			if (rc == 0)
				atomic_fetch_add(&g_sh->released, 1);
			T_OK(shmap_sync_close(c));
			exit(0);
		}
	}
	reap(pids[0]);
	reap(pids[1]);
	T_EQ(atomic_load(&g_sh->released), 1);
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(a));

	T_OK(shmap_event_create(NAME2, SHMAP_EVENT_MANUAL, NULL, &m));
	T_OK(shmap_event_set(m));
	T_OK(shmap_event_set(m));
	T_EQ(child_set(NAME2), 0);
	T_OK(shmap_wait(m, 0));
	/* One reset undoes any number of sets. */
	T_OK(shmap_event_reset(m));
	T_EQ(shmap_wait(m, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(m));
	shm_free();
}

static void pulse(void)
{
	shmap_sync *m, *a;
	pid_t pids[NWAIT];
	shm_new();
	/* Manual: every current waiter goes, the event stays reset. */
	T_OK(shmap_event_create(NAME, SHMAP_EVENT_MANUAL, NULL, &m));
	start_waiters(NAME, pids, NWAIT, SHMAP_INFINITE, 0);
	T_OK(shmap_event_pulse(m));
	expect_released(NWAIT);
	for (int i = 0; i < NWAIT; i++)
		reap(pids[i]);
	T_EQ(shmap_wait(m, 0), -ETIMEDOUT);
	T_EQ(child_wait(NAME, 0, -ETIMEDOUT), 0);

	/* Auto: one current waiter per pulse. */
	atomic_store(&g_sh->ready, 0);
	atomic_store(&g_sh->released, 0);
	T_OK(shmap_event_create(NAME2, 0, NULL, &a));
	start_waiters(NAME2, pids, NWAIT, SHMAP_INFINITE, 0);
	for (int k = 1; k <= NWAIT; k++) {
		T_OK(shmap_event_pulse(a));
		expect_released(k);
		T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	}
	for (int i = 0; i < NWAIT; i++)
		reap(pids[i]);

	/* No waiter: nothing happens, the event stays reset. */
	T_OK(shmap_event_pulse(m));
	T_OK(shmap_event_pulse(a));
	T_EQ(shmap_wait(m, 0), -ETIMEDOUT);
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	T_EQ(child_wait(NAME, 0, -ETIMEDOUT), 0);
	T_EQ(child_wait(NAME2, 0, -ETIMEDOUT), 0);
	/* A pulse leaves a set event reset. */
	T_OK(shmap_event_set(m));
	T_OK(shmap_event_set(a));
	T_OK(shmap_event_pulse(m));
	T_OK(shmap_event_pulse(a));
	T_EQ(shmap_wait(m, 0), -ETIMEDOUT);
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(m));
	T_OK(shmap_sync_close(a));
	shm_free();
}

/*
 * Each pulse releases one current waiter, also when the second comes before
 * the scheduler ran any waiter (here: they are stopped, deterministically).
 */
static void auto_pulses_back_to_back(void)
{
	shmap_sync *a;
	pid_t pids[3];
	shm_new();
	T_OK(shmap_event_create(NAME, 0, NULL, &a));
	start_waiters(NAME, pids, 3, SHMAP_INFINITE, 0);
	for (int i = 0; i < 3; i++) {
		kill(pids[i], SIGSTOP);
		await_state(pids[i], 'T');
	}
	T_OK(shmap_event_pulse(a));
	T_OK(shmap_event_pulse(a));
	for (int i = 0; i < 3; i++)
		kill(pids[i], SIGCONT);
	/* The third waiter stays; it is killed below. */
	expect_released(2);
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	for (int i = 0; i < 3; i++)
		kill(pids[i], SIGKILL), waitpid(pids[i], NULL, 0);
	T_OK(shmap_sync_close(a));
	shm_free();
}

static void timeouts(void)
{
	shmap_sync *e;
	double t0, dt;
	T_OK(shmap_event_create(NAME, 0, NULL, &e));
	t0 = t_now();
	T_EQ(shmap_wait(e, 0), -ETIMEDOUT);
	T_ASSERT(t_now() - t0 < 2);
	const int ms[] = {1, 50, 200};
	for (int spin = 0; spin < 2; spin++) {
		if (spin)
			T_OK(shmap_sync_set_spin(e, 0));
		for (int i = 0; i < 3; i++) {
			t0 = t_now();
			T_EQ(shmap_wait(e, ms[i]), -ETIMEDOUT);
			dt = t_now() - t0;
			if (dt < ms[i] / 1000.0 || dt > ms[i] / 1000.0 + 5)
				T_FAIL("wait(%d) took %.4f s", ms[i], dt);
		}
	}
	/* The same in another process. */
	T_EQ(child_wait(NAME, 0, -ETIMEDOUT), 0);
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_sync *c;
		T_OK(shmap_event_open(NAME, 0, &c));
		t0 = t_now();
		T_EQ(shmap_wait(c, 200), -ETIMEDOUT);
		T_ASSERT(t_now() - t0 >= 0.2);
		T_OK(shmap_sync_close(c));
		exit(0);
	}
	reap(pid);
	/* A set from another process ends a long wait early. */
	pid = spawn();
	if (pid == 0) {
		shmap_sync *c;
		T_OK(shmap_event_open(NAME, 0, &c));
		usleep(100000);
		T_OK(shmap_event_set(c));
		T_OK(shmap_sync_close(c));
		exit(0);
	}
	t0 = t_now();
	T_OK(shmap_wait(e, 20000));
	T_ASSERT(t_now() - t0 < 10);
	reap(pid);
	/* A set event is taken by a poll. */
	T_OK(shmap_event_set(e));
	T_OK(shmap_wait(e, 0));
	T_EQ(shmap_wait(e, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(e));
}

/* ---- descriptors for epoll ---- */

static int ep_new(int fd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
	T_ASSERT(ep >= 0);
	T_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	return ep;
}

/* 1 if epoll reports the descriptor readable within ms, else 0. */
static int ep_ready(int ep, int ms)
{
	struct epoll_event ev;
	int n;
	do
		n = epoll_wait(ep, &ev, 1, ms);
	while (n < 0 && errno == EINTR);
	T_ASSERT(n >= 0);
	if (n == 1)
		T_ASSERT(ev.events & EPOLLIN);
	return n;
}

static void fd_mode(unsigned mode)
{
	shmap_sync *e;
	int fd, fd2, ep;
	T_OK(shmap_event_create(NAME, mode, NULL, &e));
	T_OK(shmap_event_fd(e, &fd));
	T_ASSERT(fd >= 0);
	T_OK(shmap_event_fd(e, &fd2));
	T_EQ(fd2, fd);
	T_ASSERT(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ep = ep_new(fd);
	T_EQ(ep_ready(ep, 0), 0);
	/* Another process sets: readable; the wait drains it. */
	T_EQ(child_set(NAME), 0);
	T_EQ(ep_ready(ep, 5000), 1);
	T_EQ(ep_ready(ep, 0), 1);
	T_OK(shmap_wait(e, 0));
	T_EQ(ep_ready(ep, 0), 0);
	if (mode & SHMAP_EVENT_MANUAL) {
		T_OK(shmap_wait(e, 0));
		T_OK(shmap_event_reset(e));
	}
	T_EQ(shmap_wait(e, 0), -ETIMEDOUT);
	T_EQ(ep_ready(ep, 0), 0);
	/* A set after the drain makes it readable again. */
	T_EQ(child_set(NAME), 0);
	T_EQ(ep_ready(ep, 5000), 1);
	T_OK(shmap_wait(e, 0));
	T_EQ(ep_ready(ep, 0), 0);
	T_OK(shmap_event_reset(e));
	/* A set by this process too. */
	T_OK(shmap_event_set(e));
	T_EQ(ep_ready(ep, 5000), 1);
	T_OK(shmap_wait(e, 0));
	T_EQ(ep_ready(ep, 0), 0);
	close(ep);
	T_OK(shmap_sync_close(e));
	T_EQ(fcntl(fd, F_GETFD), -1);

	/* Asked for while set: readable at once. */
	T_OK(shmap_event_create(NAME, mode | SHMAP_EVENT_SET, NULL, &e));
	T_EQ(shmap_sync_existed(e), 0);
	T_OK(shmap_event_fd(e, &fd));
	ep = ep_new(fd);
	T_EQ(ep_ready(ep, 0), 1);
	T_OK(shmap_wait(e, 0));
	T_EQ(ep_ready(ep, 0), 0);
	T_EQ(shmap_wait(e, 0),
	     (mode & SHMAP_EVENT_MANUAL) ? 0 : -ETIMEDOUT);
	close(ep);
	T_OK(shmap_sync_close(e));
}

static void fd_auto(void)
{
	fd_mode(0);
}

static void fd_manual(void)
{
	fd_mode(SHMAP_EVENT_MANUAL);
}

/* Two processes with their own descriptors both see one set. */
static void fd_two_listeners(void)
{
	shmap_sync *e;
	int fd, ep;
	shm_new();
	T_OK(shmap_event_create(NAME, 0, NULL, &e));
	T_OK(shmap_event_fd(e, &fd));
	ep = ep_new(fd);
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_sync *c;
		int cfd, cep;
		T_OK(shmap_event_open(NAME, 0, &c));
		T_OK(shmap_event_fd(c, &cfd));
		cep = ep_new(cfd);
		T_EQ(ep_ready(cep, 0), 0);
		atomic_fetch_add(&g_sh->ready, 1);
		T_EQ(ep_ready(cep, 10000), 1);
		atomic_store(&g_sh->flag, 1);
		await(&g_sh->go, 1);
		/* The parent took the auto-reset event first. */
		T_EQ(shmap_wait(c, 0), -ETIMEDOUT);
		T_EQ(ep_ready(cep, 0), 0);
		close(cep);
		T_OK(shmap_sync_close(c));
		exit(0);
	}
	await(&g_sh->ready, 1);
	T_EQ(child_set(NAME), 0);
	T_EQ(ep_ready(ep, 5000), 1);
	await(&g_sh->flag, 1);
	T_OK(shmap_wait(e, 0));
	T_EQ(ep_ready(ep, 0), 0);
	atomic_store(&g_sh->go, 1);
	reap(pid);
	/* The child's close left this listener in place. */
	T_EQ(child_set(NAME), 0);
	T_EQ(ep_ready(ep, 5000), 1);
	T_OK(shmap_wait(e, 0));
	close(ep);
	T_OK(shmap_sync_close(e));
	shm_free();
}

/* A forked child does not inherit the listener; it asks for its own. */
static void fd_fork_child(void)
{
	shmap_attr inh = {0, SHMAP_ATTR_INHERIT};
	shmap_sync *e;
	int fd, ep;
	shm_new();
	T_OK(shmap_event_create(NAME, 0, &inh, &e));
	T_OK(shmap_event_fd(e, &fd));
	ep = ep_new(fd);
	pid_t pid = spawn();
	if (pid == 0) {
		int cfd, cep;
		errno = 0;
		T_EQ(fcntl(fd, F_GETFD), -1);
		T_EQ(errno, EBADF);
		T_OK(shmap_event_fd(e, &cfd));
		T_ASSERT(fcntl(cfd, F_GETFD) & FD_CLOEXEC);
		cep = ep_new(cfd);
		T_EQ(ep_ready(cep, 0), 0);
		atomic_fetch_add(&g_sh->ready, 1);
		T_EQ(ep_ready(cep, 10000), 1);
		atomic_store(&g_sh->flag, 1);
		await(&g_sh->go, 1);
		T_EQ(shmap_wait(e, 0), -ETIMEDOUT);
		T_EQ(ep_ready(cep, 0), 0);
		close(cep);
		T_OK(shmap_sync_close(e));
		exit(0);
	}
	await(&g_sh->ready, 1);
	T_OK(shmap_event_set(e));
	T_EQ(ep_ready(ep, 5000), 1);
	await(&g_sh->flag, 1);
	T_OK(shmap_wait(e, 0));
	T_EQ(ep_ready(ep, 0), 0);
	atomic_store(&g_sh->go, 1);
	reap(pid);
	/* A child that closes the inherited handle without asking. */
	pid = spawn();
	if (pid == 0) {
		T_OK(shmap_sync_close(e));
		exit(0);
	}
	reap(pid);
	T_EQ(child_set(NAME), 0);
	T_EQ(ep_ready(ep, 5000), 1);
	T_OK(shmap_wait(e, 0));
	close(ep);
	T_OK(shmap_sync_close(e));
	shm_free();
}

/* Closing a handle gives its listener slot back. */
static void fd_slots_released(void)
{
	shmap_sync *keep, *h[SHMAP_EVENT_LISTENERS_MAX + 1];
	int fd;
	T_OK(shmap_event_create(NAME, 0, NULL, &keep));
	for (int i = 0; i < 30; i++) {
		shmap_sync *x;
		T_OK(shmap_event_open(NAME, 0, &x));
		T_OK(shmap_event_fd(x, &fd));
		T_ASSERT(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		T_OK(shmap_sync_close(x));
	}
	/* A closed listener costs the next set nothing and keeps nothing. */
	T_OK(shmap_event_set(keep));
	T_OK(shmap_wait(keep, 0));
	/* All slots are free again, and one more than all is refused. */
	for (int i = 0; i < SHMAP_EVENT_LISTENERS_MAX; i++) {
		T_OK(shmap_event_open(NAME, 0, &h[i]));
		T_OK(shmap_event_fd(h[i], &fd));
	}
	T_OK(shmap_event_open(NAME, 0, &h[SHMAP_EVENT_LISTENERS_MAX]));
	T_EQ(shmap_event_fd(h[SHMAP_EVENT_LISTENERS_MAX], &fd), -ENOSPC);
	for (int i = 0; i <= SHMAP_EVENT_LISTENERS_MAX; i++)
		T_OK(shmap_sync_close(h[i]));
	for (int i = 0; i < 30; i++) {
		shmap_sync *x;
		T_OK(shmap_event_open(NAME, 0, &x));
		T_OK(shmap_event_fd(x, &fd));
		T_OK(shmap_sync_close(x));
	}
	T_OK(shmap_sync_close(keep));
}

/* Listeners killed with SIGKILL do not keep the event's slots. */
static void fd_dead_listeners(void)
{
	shmap_sync *e;
	int fd, ep;
	shm_new();
	T_OK(shmap_event_create(NAME, 0, NULL, &e));
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_sync *h[SHMAP_EVENT_LISTENERS_MAX];
		for (int i = 0; i < SHMAP_EVENT_LISTENERS_MAX; i++) {
			T_OK(shmap_event_open(NAME, 0, &h[i]));
			T_OK(shmap_event_fd(h[i], &fd));
		}
		atomic_store(&g_sh->ready, 1);
		for (;;)
			pause();
	}
	await(&g_sh->ready, 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* Nobody listens now: a new listener must get a slot. */
	T_OK(shmap_event_fd(e, &fd));
	ep = ep_new(fd);
	T_EQ(child_set(NAME), 0);
	T_EQ(ep_ready(ep, 5000), 1);
	T_OK(shmap_wait(e, 0));
	close(ep);
	T_OK(shmap_sync_close(e));
	shm_free();
}

/* ---- no system call without a sleeper ---- */

#if defined(__x86_64__)
#define T_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define T_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define T_AUDIT_ARCH AUDIT_ARCH_I386
#endif
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

/*
 * From here on the calling process is killed by its next futex or sendto
 * system call (the only ways a set wakes anybody). Returns 0, or -1 if
 * seccomp filters are not available.
 */
static int forbid_wakeups(void)
{
	struct sock_filter f[] = {
#ifdef T_AUDIT_ARCH
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		         offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, T_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		         offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_futex, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_futex_waitv, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendto, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof f / sizeof f[0]),
		.filter = f,
	};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return -1;
	return 0;
}

/* Ends the process at once: no atexit handler, no sanitizer report. */
static void hard_exit(int code)
{
	syscall(SYS_exit_group, code);
	_exit(code);
}

/*
 * A child opens name and mname, installs the filter, then sets and resets
 * both rounds times, and leaves mname set. Returns its wait status; 77 as
 * exit code means no seccomp.
 */
static int filtered_setter(const char *name, const char *mname, int rounds)
{
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_sync *a, *m = NULL;
		T_OK(shmap_event_open(name, 0, &a));
		if (mname)
			T_OK(shmap_event_open(mname, 0, &m));
		if (forbid_wakeups())
			hard_exit(t_skip_code("seccomp filters not available"));
		for (int i = 0; i < rounds; i++) {
			if (shmap_event_set(a) || shmap_event_reset(a))
				hard_exit(10);
			if (m && (shmap_event_set(m) || shmap_event_set(m) ||
			          shmap_event_reset(m)))
				hard_exit(11);
		}
		if (m && shmap_event_set(m))
			hard_exit(12);
		hard_exit(0);
	}
	return t_wait(pid, 20);
}

static void skip_without_seccomp(int st, shmap_sync *a, shmap_sync *b)
{
	if (t_exit_code(st) == T_SKIP) {
		shmap_sync_close(a);
		shmap_sync_close(b);
		if (g_shm)
			shm_free();
		t_skip("seccomp filters not available");
	}
}

/* Fails unless the filtered child of status st exited 0. */
static void expect_clean(int st, const char *who)
{
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		T_FAIL("%s: %s %d", who,
		       st != -1 && WIFSIGNALED(st) ? "signal" : "exit",
		       st != -1 && WIFSIGNALED(st) ? WTERMSIG(st)
		                                   : t_exit_code(st));
}

static void set_without_sleeper_no_syscall(void)
{
	shmap_sync *a, *m;
	T_OK(shmap_event_create(NAME, 0, NULL, &a));
	T_OK(shmap_event_create(NAME2, SHMAP_EVENT_MANUAL, NULL, &m));
	/* Waits that ended before leave nothing behind either. */
	T_EQ(shmap_wait(a, 1), -ETIMEDOUT);
	T_EQ(child_wait(NAME, 20, -ETIMEDOUT), 0);
	T_OK(shmap_event_set(m));
	T_EQ(child_wait(NAME2, SHMAP_INFINITE, 0), 0);
	T_OK(shmap_event_reset(m));
	int st = filtered_setter(NAME, NAME2, 1000);
	skip_without_seccomp(st, a, m);
	expect_clean(st, "filtered setter");
	/* The sets happened: the manual event is set, the auto one not. */
	T_OK(shmap_wait(m, 0));
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(a));
	T_OK(shmap_sync_close(m));
}

/* A child waits on the mutex or semaphore name until it times out. */
static int child_wait_kind(const char *name, int mutex, int timeout_ms)
{
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_sync *s;
		if (mutex)
			T_OK(shmap_mutex_open(name, 0, &s));
		else
			T_OK(shmap_sem_open(name, 0, &s));
		T_EQ(shmap_wait(s, timeout_ms), -ETIMEDOUT);
		T_OK(shmap_sync_close(s));
		exit(0);
	}
	return t_exit_code(t_wait(pid, 20));
}

/*
 * Mutexes and semaphores likewise: with nobody waiting, a take and a
 * release make no system call, also after waiters that timed out (they
 * listed themselves for a hand-off, and left).
 */
static void release_without_waiter_no_syscall(void)
{
	shmap_sync *m, *s;
	T_OK(shmap_mutex_create(NAME, 1, NULL, &m));
	T_OK(shmap_sem_create(NAME2, 0, 1, NULL, &s));
	T_EQ(child_wait_kind(NAME, 1, 20), 0);
	T_EQ(child_wait_kind(NAME2, 0, 20), 0);
	T_OK(shmap_mutex_release(m));
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_sync *cm, *cs;
		T_OK(shmap_mutex_open(NAME, 0, &cm));
		T_OK(shmap_sem_open(NAME2, 0, &cs));
		if (forbid_wakeups())
			hard_exit(t_skip_code("seccomp filters not available"));
		for (int i = 0; i < 1000; i++) {
			if (shmap_wait(cm, 0) || shmap_mutex_release(cm))
				hard_exit(10);
			if (shmap_sem_release(cs, 1, NULL) || shmap_wait(cs, 0))
				hard_exit(11);
		}
		if (shmap_sem_release(cs, 1, NULL))
			hard_exit(12);
		hard_exit(0);
	}
	int st = t_wait(pid, 20);
	skip_without_seccomp(st, m, s);
	expect_clean(st, "filtered releaser");
	/* The releases happened: the mutex is free, the semaphore at 1. */
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_wait(s, 0));
	T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(m));
	T_OK(shmap_sync_close(s));
}

/* The filter works: a set that must wake a sleeper or a listener dies. */
static void set_with_sleeper_syscall(void)
{
	shmap_sync *e, *l;
	pid_t pids[1];
	shm_new();
	T_OK(shmap_event_create(NAME, 0, NULL, &e));
	start_waiters(NAME, pids, 1, SHMAP_INFINITE, 0);
	int st = filtered_setter(NAME, NULL, 1);
	skip_without_seccomp(st, e, NULL);
	T_ASSERT(st != -1 && WIFSIGNALED(st));
	T_EQ(WTERMSIG(st), SIGSYS);
	/* The setter died inside the set; whether the sleeper still wakes is
	 * not specified, so end it. */
	kill(pids[0], SIGKILL);
	waitpid(pids[0], NULL, 0);

	/* A listener makes a set send. */
	T_OK(shmap_event_create(NAME2, 0, NULL, &l));
	int fd;
	T_OK(shmap_event_fd(l, &fd));
	st = filtered_setter(NAME2, NULL, 1);
	T_ASSERT(st != -1 && WIFSIGNALED(st));
	T_EQ(WTERMSIG(st), SIGSYS);
	T_OK(shmap_sync_close(l));
	T_OK(shmap_sync_close(e));
	shm_free();
}

/*
 * A sleeper killed by SIGKILL does not count as sleeping for ever. Nothing
 * can learn of its death without a system call, so one set and reset may
 * make some; after that none may.
 */
static void killed_sleeper_no_syscall(void)
{
	shmap_sync *e;
	pid_t pids[1];
	shm_new();
	T_OK(shmap_event_create(NAME, 0, NULL, &e));
	start_waiters(NAME, pids, 1, SHMAP_INFINITE, 0);
	kill(pids[0], SIGKILL);
	waitpid(pids[0], NULL, 0);
	T_OK(shmap_event_set(e));
	T_OK(shmap_event_reset(e));
	int st = filtered_setter(NAME, NULL, 1000);
	skip_without_seccomp(st, e, NULL);
	expect_clean(st, "filtered setter after a killed sleeper");
	T_OK(shmap_sync_close(e));
	shm_free();
}

/* ---- unnamed and anonymous events ---- */

static void unnamed_inherit(void)
{
	shmap_attr inh = {0, SHMAP_ATTR_INHERIT};
	shmap_sync *go, *back, *priv, *named, *ninh;
	T_OK(shmap_event_create(NULL, 0, &inh, &go));
	T_OK(shmap_event_create("", SHMAP_EVENT_MANUAL, &inh, &back));
	T_OK(shmap_event_create(NULL, 0, NULL, &priv));
	T_EQ(shmap_sync_existed(go), 0);
	T_EQ(shmap_sync_existed(back), 0);
	/* Unnamed events leave nothing in the backing directory. */
	T_EQ(t_count_files(t_dir), 0);
	/* Two unnamed events are two events. */
	T_OK(shmap_event_set(priv));
	T_EQ(shmap_wait(go, 0), -ETIMEDOUT);
	T_OK(shmap_wait(priv, 0));
	T_OK(shmap_event_create(NAME, 0, NULL, &named));
	T_OK(shmap_event_create(NAME2, SHMAP_EVENT_MANUAL, &inh, &ninh));
	pid_t pid = spawn();
	if (pid == 0) {
		/* Handles without inherit are unusable here. */
		T_EQ(shmap_wait(priv, 0), -EBADF);
		T_EQ(shmap_event_set(priv), -EBADF);
		T_EQ(shmap_event_reset(named), -EBADF);
		T_EQ(shmap_event_set(named), -EBADF);
		T_EQ(shmap_event_pulse(named), -EBADF);
		T_OK(shmap_sync_close(priv));
		T_OK(shmap_sync_close(named));
		T_OK(shmap_wait(go, 10000));
		T_EQ(shmap_wait(go, 0), -ETIMEDOUT);
		/* The inherited named handle holds the name by itself. */
		T_OK(shmap_wait(ninh, 10000));
		shmap_sync *again;
		T_OK(shmap_event_open(NAME2, 0, &again));
		T_OK(shmap_sync_close(again));
		T_OK(shmap_sync_close(ninh));
		T_OK(shmap_event_set(back));
		T_OK(shmap_sync_close(go));
		T_OK(shmap_sync_close(back));
		exit(0);
	}
	T_OK(shmap_event_set(ninh));
	T_OK(shmap_sync_close(ninh));
	T_OK(shmap_event_set(go));
	T_OK(shmap_wait(back, 10000));
	T_OK(shmap_wait(back, 0));
	reap(pid);
	T_EQ(shmap_event_open(NAME2, 0, &ninh), -ENOENT);
	/* The child took the auto-reset event; the parent's handles work. */
	T_EQ(shmap_wait(go, 0), -ETIMEDOUT);
	T_OK(shmap_event_set(priv));
	T_OK(shmap_wait(priv, 0));
	T_OK(shmap_sync_close(go));
	T_OK(shmap_sync_close(back));
	T_OK(shmap_sync_close(priv));
	T_OK(shmap_sync_close(named));
}

static void anonymous_in_mapping(void)
{
	shmap_map *m;
	char *v;
	shmap_sync *a, *b, *x;
	T_OK(shmap_map_create(SHM, 65536, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	shmap_sync_mem *ga = (shmap_sync_mem *)(v + 128);
	shmap_sync_mem *gb = (shmap_sync_mem *)(v + 1024);
	unsigned *payload = (unsigned *)(v + 4096);
	T_EQ(shmap_event_init(ga, 0x4), -EINVAL);
	T_EQ(shmap_event_init(NULL, 0), -EINVAL);
	T_EQ(shmap_event_init((shmap_sync_mem *)(v + 8), 0), -EINVAL);
	T_OK(shmap_event_init(ga, 0));
	T_OK(shmap_event_init(gb, SHMAP_EVENT_MANUAL));
	T_OK(shmap_sync_attach(ga, &a));
	T_OK(shmap_sync_attach(gb, &b));
	T_EQ(shmap_sync_existed(a), 0);
	T_EQ(shmap_mutex_release(a), -EINVAL);
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_map *cm;
		char *cv;
		shmap_sync *ca, *cb;
		/* Its own view, at another address, of the same memory. */
		T_OK(shmap_map_open(SHM, SHMAP_ACCESS_ALL, &cm));
		T_OK(shmap_view_map(cm, 0, 0, SHMAP_ACCESS_WRITE,
		                    (void **)&cv));
		T_ASSERT(cv != v);
		T_OK(shmap_sync_attach((shmap_sync_mem *)(cv + 128), &ca));
		T_OK(shmap_sync_attach((shmap_sync_mem *)(cv + 1024), &cb));
		for (unsigned i = 1; i <= 100; i++) {
			T_OK(shmap_wait(ca, 10000));
			T_EQ(*(unsigned *)(cv + 4096), i);
			*(unsigned *)(cv + 4096) = i + 1000;
			T_OK(shmap_event_set(cb));
		}
		T_OK(shmap_sync_close(ca));
		T_OK(shmap_sync_close(cb));
		T_OK(shmap_view_unmap(cv));
		T_OK(shmap_map_close(cm));
		exit(0);
	}
	for (unsigned i = 1; i <= 100; i++) {
		*payload = i;
		T_OK(shmap_event_set(a));
		T_OK(shmap_wait(b, 10000));
		T_OK(shmap_event_reset(b));
		T_EQ(*payload, i + 1000);
	}
	reap(pid);
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	T_EQ(shmap_wait(b, 0), -ETIMEDOUT);
	/* Closing a handle leaves the memory as it is: attach again. */
	T_OK(shmap_event_set(b));
	T_OK(shmap_sync_close(b));
	T_OK(shmap_sync_attach(gb, &b));
	T_OK(shmap_wait(b, 0));
	T_OK(shmap_sync_close(b));
	/* Not an object, or not aligned. */
	shmap_sync_mem *g = (shmap_sync_mem *)(v + 2048);
	T_EQ(shmap_sync_attach(g, &x), SHMAP_EBADOBJ);
	memset(g, 0xab, sizeof *g);
	T_EQ(shmap_sync_attach(g, &x), SHMAP_EBADOBJ);
	T_EQ(shmap_sync_attach((shmap_sync_mem *)(v + 128 + 8), &x), -EINVAL);
	T_EQ(shmap_sync_attach((shmap_sync_mem *)(v + 128 + 32), &x), -EINVAL);
	T_EQ(shmap_sync_attach(NULL, &x), -EINVAL);
	T_EQ(shmap_sync_attach(ga, NULL), -EINVAL);
	/* A mutex in memory is no event. */
	T_OK(shmap_mutex_init(g));
	T_OK(shmap_sync_attach(g, &x));
	T_EQ(shmap_event_set(x), -EINVAL);
	T_EQ(shmap_event_fd(x, &(int){0}), -EINVAL);
	T_OK(shmap_sync_close(x));
	T_OK(shmap_sync_close(a));
	/* Only the mapping was ever in the backing directory. */
	T_EQ(t_count_files(t_dir), 1);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
}

/* ---- lifetime ---- */

static void lifetime(void)
{
	shmap_sync *a, *b;
	shm_new();
	T_OK(shmap_event_create(NAME, SHMAP_EVENT_MANUAL | SHMAP_EVENT_SET,
	                        NULL, &a));
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_sync *c;
		T_OK(shmap_event_open(NAME, 0, &c));
		T_OK(shmap_wait(c, 0));
		atomic_store(&g_sh->ready, 1);
		await(&g_sh->go, 1);
		T_OK(shmap_sync_close(c));
		exit(0);
	}
	await(&g_sh->ready, 1);
	/* The child's handle keeps the name and its state. */
	T_OK(shmap_sync_close(a));
	T_OK(shmap_event_open(NAME, 0, &b));
	T_OK(shmap_wait(b, 0));
	T_OK(shmap_sync_close(b));
	atomic_store(&g_sh->go, 1);
	reap(pid);
	T_EQ(shmap_event_open(NAME, 0, &a), -ENOENT);
	shm_free();
	T_EQ(t_count_files(t_dir), 0);
	T_OK(shmap_event_create(NAME, 0, NULL, &a));
	T_EQ(shmap_sync_existed(a), 0);
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(a));
	T_EQ(t_count_files(t_dir), 0);
}

/* A child creates name (set), tells the parent, then is killed. */
static void killed_holder(const char *name, int share_first)
{
	int p[2];
	char c;
	shmap_sync *a;
	T_OK(pipe(p));
	pid_t pid = spawn();
	if (pid == 0) {
		shmap_sync *e;
		close(p[0]);
		T_OK(shmap_event_create(name, SHMAP_EVENT_MANUAL |
		                                      SHMAP_EVENT_SET,
		                        NULL, &e));
		T_EQ(write(p[1], "x", 1), 1);
		for (;;)
			pause();
	}
	close(p[1]);
	T_EQ(read(p[0], &c, 1), 1);
	close(p[0]);
	if (share_first) {
		/* Another holder came and went: the child is the last. */
		T_OK(shmap_event_open(name, 0, &a));
		T_OK(shmap_wait(a, 0));
		T_OK(shmap_sync_close(a));
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void killed_holder_gc(void)
{
	shmap_sync *a;
	/* This process has used the library: its first-use sweep is done. */
	T_EQ(shmap_event_open(NAME, 0, &a), -ENOENT);
	killed_holder(NAME, 1);
	/* The file is left, invisible; gc removes exactly it. */
	T_EQ(t_count_files(t_dir), 1);
	T_EQ(shmap_gc(), 1);
	T_EQ(t_count_files(t_dir), 0);
	T_EQ(shmap_event_open(NAME, 0, &a), -ENOENT);
	T_EQ(shmap_gc(), 0);

	/* Without gc: open finds nothing, and a create is a new event. */
	killed_holder(NAME2, 0);
	T_EQ(shmap_event_open(NAME2, 0, &a), -ENOENT);
	T_OK(shmap_event_create(NAME2, 0, NULL, &a));
	T_EQ(shmap_sync_existed(a), 0);
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(a));
	T_EQ(shmap_gc(), 0);
	T_EQ(t_count_files(t_dir), 0);
}

int main(void)
{
	t_setup();
	t_run("create, open, close, existed", create_open_close, 30);
	t_run("type mismatch", type_mismatch, 30);
	t_run("bad arguments", bad_arguments, 30);
	t_run("cross-process ping-pong", ping_pong, 90);
	t_run("cross-process ping-pong, no spinning", ping_pong_sleeping, 90);
	t_run("auto-reset releases one waiter per set", auto_releases_one, 60);
	t_run("manual-reset releases all, stays set", manual_releases_all, 60);
	t_run("a manual-reset waiter's reset follows the set",
	      manual_release_sees_set, 30);
	t_run("manual-reset reply handshake, two seconds",
	      manual_reply_handshake, 60);
	t_run("set on a set event", set_on_set, 30);
	t_run("pulse", pulse, 60);
	t_run("two quick auto pulses release two", auto_pulses_back_to_back,
	      30);
	t_run("timeouts", timeouts, 30);
	t_run("epoll descriptor, auto reset", fd_auto, 30);
	t_run("epoll descriptor, manual reset", fd_manual, 30);
	t_run("epoll descriptors of two processes", fd_two_listeners, 30);
	t_run("epoll descriptor in a forked child", fd_fork_child, 30);
	t_run("closing gives listener slots back", fd_slots_released, 30);
	t_run("killed listeners keep no slots", fd_dead_listeners, 30);
	t_run("set without sleeper: no system call",
	      set_without_sleeper_no_syscall, 30);
	t_run("mutex and semaphore without waiters: no system call",
	      release_without_waiter_no_syscall, 30);
	t_run("set with sleeper or listener: system call",
	      set_with_sleeper_syscall, 30);
	t_run("killed sleeper: no system call", killed_sleeper_no_syscall, 30);
	t_run("unnamed events and inheritance", unnamed_inherit, 30);
	t_run("anonymous event in a mapping", anonymous_in_mapping, 30);
	t_run("lifetime", lifetime, 30);
	t_run("killed holder, gc", killed_holder_gc, 30);
	return t_finish();
}
