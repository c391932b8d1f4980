/* SPDX-License-Identifier: MIT */
/*
 * shmap_wait_multiple: wait-any (lowest index, mixed kinds, abandoned
 * mutexes, 64 objects woken from another process) and wait-all (all or
 * nothing, as seen from other processes, under contention, opposite orders),
 * argument checks and timeouts.
 */
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "harness.h"

/* What the processes of one case tell each other, in shared memory. */
struct ctl {
	atomic_int step[8];
	atomic_int rc;
	atomic_int done;
	atomic_long n_all, n_a, n_b;
	volatile int counter;
};

static struct ctl *ctl;

static void ctl_init(void)
{
	void *p = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	T_ASSERT(p != MAP_FAILED);
	ctl = p;
}

static void wait_step(int i, int v)
{
	double end = t_now() + 20;
	while (atomic_load(&ctl->step[i]) < v) {
		if (t_now() > end)
			T_FAIL("step[%d] never reached %d", i, v);
		usleep(200);
	}
}

static void set_step(int i, int v)
{
	atomic_store(&ctl->step[i], v);
}

/* "Local\tw-<i>" */
static const char *nm(int i)
{
	static char buf[8][32];
	static int next;
	char *b = buf[next++ % 8];
	snprintf(b, 32, "Local\\tw-%d", i);
	return b;
}

static void close_all(shmap_sync **s, int n)
{
	for (int i = 0; i < n; i++)
		T_OK(shmap_sync_close(s[i]));
}

static int drain(shmap_sync *s)
{
	int n = 0, r;
	while ((r = shmap_wait(s, 0)) == 0)
		n++;
	T_EQ(r, -ETIMEDOUT);
	return n;
}

/* Fails unless the elapsed time since t0 is at least ms. */
static void check_waited(double t0, int ms)
{
	double took = t_now() - t0;
	if (took < ms / 1000.0)
		T_FAIL("a %d ms timeout expired after %.1f ms", ms,
		       took * 1000);
}

/* ---- probes: another process opens a name and polls it ---- */

enum { K_EVENT, K_SEM, K_MUTEX };

static int g_probe_kind, g_probe_name;

static void probe_child(int arg)
{
	shmap_sync *s;
	int r;
	(void)arg;
	if (g_probe_kind == K_EVENT)
		T_OK(shmap_event_open(nm(g_probe_name), 0, &s));
	else if (g_probe_kind == K_SEM)
		T_OK(shmap_sem_open(nm(g_probe_name), 0, &s));
	else
		T_OK(shmap_mutex_open(nm(g_probe_name), 0, &s));
	r = shmap_wait(s, 0);
	if (g_probe_kind == K_MUTEX && (r == 0 || r == SHMAP_EABANDONED))
		T_OK(shmap_mutex_release(s));
	atomic_store(&ctl->rc, r);
	T_OK(shmap_sync_close(s));
}

/* What wait(0) on the object named nm(i) gives in another process. */
static int probe(int kind, int i)
{
	g_probe_kind = kind;
	g_probe_name = i;
	atomic_store(&ctl->rc, 12345);
	t_reap(t_spawn(probe_child, 0));
	return atomic_load(&ctl->rc);
}

/* Holds the mutex nm(i) until killed, after telling step[0]. */
static void mutex_holder_child(int i)
{
	shmap_sync *m;
	T_OK(shmap_mutex_open(nm(i), 0, &m));
	T_OK(shmap_wait(m, 0));
	set_step(0, 1);
	t_linger();
}

/* ---- wait-any ---- */

static void set_child(int arg)
{
	shmap_sync *a, *b;
	(void)arg;
	T_OK(shmap_event_open(nm(5), 0, &a));
	T_OK(shmap_event_open(nm(2), 0, &b));
	T_OK(shmap_event_set(a));
	T_OK(shmap_event_set(b));
	T_OK(shmap_sync_close(a));
	T_OK(shmap_sync_close(b));
}

static void any_lowest_index(void)
{
	shmap_sync *e[8];
	unsigned idx = 99;
	ctl_init();
	for (int i = 0; i < 8; i++)
		T_OK(shmap_event_create(nm(i), 0, NULL, &e[i]));
	T_EQ(shmap_wait_multiple(e, 8, 0, 0, &idx), -ETIMEDOUT);
	t_reap(t_spawn(set_child, 0)); /* sets 5, then 2 */
	T_OK(shmap_wait_multiple(e, 8, 0, 0, &idx));
	T_EQ(idx, 2);
	/* 2 was taken (auto-reset), 5 stays set. */
	T_EQ(probe(K_EVENT, 2), -ETIMEDOUT);
	idx = 99;
	T_OK(shmap_wait_multiple(e, 8, 0, SHMAP_INFINITE, &idx));
	T_EQ(idx, 5);
	T_EQ(shmap_wait_multiple(e, 8, 0, 0, &idx), -ETIMEDOUT);
	/* Again, with a finite timeout, and 7 and 0. */
	T_OK(shmap_event_set(e[7]));
	T_OK(shmap_event_set(e[0]));
	T_OK(shmap_wait_multiple(e, 8, 0, 1000, &idx));
	T_EQ(idx, 0);
	T_OK(shmap_wait_multiple(e, 8, 0, 1000, &idx));
	T_EQ(idx, 7);
	T_EQ(shmap_wait_multiple(e, 8, 0, 0, &idx), -ETIMEDOUT);
	close_all(e, 8);
	/* A manual-reset event stays set: the same index again. */
	for (int i = 0; i < 4; i++)
		T_OK(shmap_event_create(nm(i), i == 3 ? SHMAP_EVENT_MANUAL : 0,
		                        NULL, &e[i]));
	T_OK(shmap_event_set(e[3]));
	for (int k = 0; k < 3; k++) {
		idx = 99;
		T_OK(shmap_wait_multiple(e, 4, 0, 0, &idx));
		T_EQ(idx, 3);
	}
	T_OK(shmap_event_set(e[1]));
	T_OK(shmap_wait_multiple(e, 4, 0, 0, &idx));
	T_EQ(idx, 1);
	T_OK(shmap_wait_multiple(e, 4, 0, 0, &idx));
	T_EQ(idx, 3);
	T_OK(shmap_event_reset(e[3]));
	T_EQ(shmap_wait_multiple(e, 4, 0, 0, &idx), -ETIMEDOUT);
	close_all(e, 4);
}

/* Holds mutex nm(2), releases it at step[1], stays until step[2]. */
static void release_later_child(int arg)
{
	shmap_sync *m;
	(void)arg;
	T_OK(shmap_mutex_open(nm(2), 0, &m));
	T_OK(shmap_wait(m, 0));
	set_step(0, 1);
	wait_step(1, 1);
	T_OK(shmap_mutex_release(m));
	set_step(3, 1);
	wait_step(2, 1);
	T_OK(shmap_sync_close(m));
}

static void any_mixed(void)
{
	shmap_sync *o[4];
	unsigned idx;
	ctl_init();
	T_OK(shmap_event_create(nm(0), 0, NULL, &o[0]));
	T_OK(shmap_sem_create(nm(1), 0, 5, NULL, &o[1]));
	T_OK(shmap_mutex_create(nm(2), 0, NULL, &o[2]));
	T_OK(shmap_event_create(nm(3), SHMAP_EVENT_MANUAL, NULL, &o[3]));
	pid_t h = t_spawn(release_later_child, 0);
	wait_step(0, 1);
	T_EQ(shmap_wait_multiple(o, 4, 0, 0, &idx), -ETIMEDOUT);
	T_EQ(shmap_wait_multiple(o, 4, 0, 60, &idx), -ETIMEDOUT);
	/* The semaphore, twice. */
	T_OK(shmap_sem_release(o[1], 2, NULL));
	T_OK(shmap_wait_multiple(o, 4, 0, 0, &idx));
	T_EQ(idx, 1);
	T_OK(shmap_wait_multiple(o, 4, 0, SHMAP_INFINITE, &idx));
	T_EQ(idx, 1);
	T_EQ(shmap_wait_multiple(o, 4, 0, 0, &idx), -ETIMEDOUT);
	/* The manual event, while the mutex is held elsewhere. */
	T_OK(shmap_event_set(o[3]));
	T_OK(shmap_wait_multiple(o, 4, 0, 0, &idx));
	T_EQ(idx, 3);
	T_OK(shmap_event_set(o[0]));
	T_OK(shmap_wait_multiple(o, 4, 0, 0, &idx));
	T_EQ(idx, 0);
	T_OK(shmap_wait_multiple(o, 4, 0, 0, &idx));
	T_EQ(idx, 3);
	T_OK(shmap_event_reset(o[3]));
	/* The mutex, once its owner releases it; then it is ours. */
	set_step(1, 1);
	T_OK(shmap_wait_multiple(o, 4, 0, SHMAP_INFINITE, &idx));
	T_EQ(idx, 2);
	wait_step(3, 1);
	T_EQ(probe(K_MUTEX, 2), -ETIMEDOUT);
	/* An owned mutex is signalled for its owner: recursion. */
	T_OK(shmap_wait_multiple(o, 4, 0, 0, &idx));
	T_EQ(idx, 2);
	T_OK(shmap_mutex_release(o[2]));
	T_EQ(probe(K_MUTEX, 2), -ETIMEDOUT);
	T_OK(shmap_mutex_release(o[2]));
	T_EQ(shmap_mutex_release(o[2]), -EPERM);
	T_EQ(probe(K_MUTEX, 2), 0);
	T_EQ(probe(K_SEM, 1), -ETIMEDOUT);
	T_EQ(probe(K_EVENT, 0), -ETIMEDOUT);
	set_step(2, 1);
	t_reap(h);
	close_all(o, 4);
}

/* Waits any on nm(0..3) (event, sem, mutex, event) for a mutex abandoned. */
static void any_abandoned_waiter_child(int timeout)
{
	shmap_sync *o[4];
	unsigned idx = 99;
	T_OK(shmap_event_open(nm(0), 0, &o[0]));
	T_OK(shmap_sem_open(nm(1), 0, &o[1]));
	T_OK(shmap_mutex_open(nm(2), 0, &o[2]));
	T_OK(shmap_event_open(nm(3), 0, &o[3]));
	set_step(1, 1);
	T_EQ(shmap_wait_multiple(o, 4, 0, timeout, &idx), SHMAP_EABANDONED);
	T_EQ(idx, 2);
	T_OK(shmap_mutex_release(o[2]));
	T_EQ(shmap_mutex_release(o[2]), -EPERM);
	close_all(o, 4);
}

static void any_abandoned(void)
{
	shmap_sync *o[4];
	unsigned idx = 99;
	ctl_init();
	T_OK(shmap_event_create(nm(0), 0, NULL, &o[0]));
	T_OK(shmap_sem_create(nm(1), 0, 5, NULL, &o[1]));
	T_OK(shmap_mutex_create(nm(2), 0, NULL, &o[2]));
	T_OK(shmap_event_create(nm(3), 0, NULL, &o[3]));
	/* Killed before the wait. */
	pid_t h = t_spawn(mutex_holder_child, 2);
	wait_step(0, 1);
	t_kill_reap(h);
	T_EQ(shmap_wait_multiple(o, 4, 0, SHMAP_INFINITE, &idx),
	     SHMAP_EABANDONED);
	T_EQ(idx, 2);
	T_EQ(probe(K_MUTEX, 2), -ETIMEDOUT); /* ours now */
	T_OK(shmap_mutex_release(o[2]));
	T_EQ(shmap_mutex_release(o[2]), -EPERM);
	T_EQ(probe(K_MUTEX, 2), 0);
	/* Killed while another process sleeps in a finite wait-any. */
	memset(ctl, 0, sizeof *ctl);
	h = t_spawn(mutex_holder_child, 2);
	wait_step(0, 1);
	pid_t w = t_spawn(any_abandoned_waiter_child, 10000);
	wait_step(1, 1);
	usleep(150000);
	t_kill_reap(h);
	t_reap(w);
	T_EQ(probe(K_MUTEX, 2), 0);
	/* A lower index that is signalled comes first. */
	memset(ctl, 0, sizeof *ctl);
	h = t_spawn(mutex_holder_child, 2);
	wait_step(0, 1);
	t_kill_reap(h);
	T_OK(shmap_sem_release(o[1], 1, NULL));
	T_OK(shmap_wait_multiple(o, 4, 0, SHMAP_INFINITE, &idx));
	T_EQ(idx, 1);
	T_EQ(shmap_wait_multiple(o, 4, 0, SHMAP_INFINITE, &idx),
	     SHMAP_EABANDONED);
	T_EQ(idx, 2);
	T_OK(shmap_mutex_release(o[2]));
	close_all(o, 4);
}

/* Sets (or releases) nm(63) 200 ms after step[0]. */
static void signal_63_child(int sem)
{
	shmap_sync *s;
	if (sem)
		T_OK(shmap_sem_open(nm(63), 0, &s));
	else
		T_OK(shmap_event_open(nm(63), 0, &s));
	wait_step(0, sem ? 2 : 1);
	usleep(200000);
	if (sem)
		T_OK(shmap_sem_release(s, 1, NULL));
	else
		T_OK(shmap_event_set(s));
	T_OK(shmap_sync_close(s));
}

static void any_64_woken_by_process(void)
{
	shmap_sync *e[SHMAP_WAIT_MAX];
	unsigned idx = 99;
	ctl_init();
	for (int i = 0; i < SHMAP_WAIT_MAX; i++)
		T_OK(shmap_event_create(nm(i), 0, NULL, &e[i]));
	pid_t p = t_spawn(signal_63_child, 0);
	set_step(0, 1);
	double t0 = t_now();
	T_OK(shmap_wait_multiple(e, SHMAP_WAIT_MAX, 0, SHMAP_INFINITE, &idx));
	T_EQ(idx, 63);
	T_ASSERT(t_now() - t0 >= 0.15);
	t_reap(p);
	T_EQ(shmap_wait_multiple(e, SHMAP_WAIT_MAX, 0, 0, &idx), -ETIMEDOUT);
	/* A semaphore in place 63, and a finite timeout. */
	T_OK(shmap_sync_close(e[63]));
	T_OK(shmap_sem_create(nm(63), 0, 1, NULL, &e[63]));
	p = t_spawn(signal_63_child, 1);
	set_step(0, 2);
	idx = 99;
	T_OK(shmap_wait_multiple(e, SHMAP_WAIT_MAX, 0, 10000, &idx));
	T_EQ(idx, 63);
	t_reap(p);
	T_EQ(shmap_wait(e[63], 0), -ETIMEDOUT);
	close_all(e, SHMAP_WAIT_MAX);
}

/* ---- wait-all ---- */

/* nm(0) auto event, nm(1) semaphore, nm(2) mutex, nm(3) manual event. */
static void make_four(shmap_sync **o, int set)
{
	T_OK(shmap_event_create(nm(0), set ? SHMAP_EVENT_SET : 0, NULL, &o[0]));
	T_OK(shmap_sem_create(nm(1), set ? 2 : 0, 10, NULL, &o[1]));
	T_OK(shmap_mutex_create(nm(2), 0, NULL, &o[2]));
	unsigned manual = SHMAP_EVENT_MANUAL | (set ? SHMAP_EVENT_SET : 0);
	T_OK(shmap_event_create(nm(3), manual, NULL, &o[3]));
}

static void all_basic(void)
{
	shmap_sync *o[4];
	unsigned idx = 99;
	ctl_init();
	make_four(o, 1);
	T_OK(shmap_wait_multiple(o, 4, 1, 0, &idx));
	T_EQ(idx, 0);
	/* One of each taken. */
	T_EQ(probe(K_EVENT, 0), -ETIMEDOUT);
	T_EQ(probe(K_MUTEX, 2), -ETIMEDOUT);
	T_EQ(probe(K_EVENT, 3), 0);
	T_EQ(drain(o[1]), 1);
	T_OK(shmap_mutex_release(o[2]));
	T_EQ(shmap_mutex_release(o[2]), -EPERM);
	/* A mutex this thread owns counts as signalled: recursion. */
	T_OK(shmap_event_set(o[0]));
	T_OK(shmap_sem_release(o[1], 1, NULL));
	T_OK(shmap_wait(o[2], 0));
	T_OK(shmap_wait_multiple(o, 4, 1, SHMAP_INFINITE, &idx));
	T_EQ(idx, 0);
	T_OK(shmap_mutex_release(o[2]));
	T_EQ(probe(K_MUTEX, 2), -ETIMEDOUT);
	T_OK(shmap_mutex_release(o[2]));
	T_EQ(shmap_mutex_release(o[2]), -EPERM);
	T_EQ(probe(K_MUTEX, 2), 0);
	T_EQ(probe(K_SEM, 1), -ETIMEDOUT);
	T_EQ(probe(K_EVENT, 0), -ETIMEDOUT);
	close_all(o, 4);
}

/* Holds nm(2); sets nm(0), releases nm(1), then tells step[2] and frees
 * nm(2), 100 ms apart. */
static void signal_one_by_one_child(int arg)
{
	shmap_sync *o[4];
	(void)arg;
	T_OK(shmap_event_open(nm(0), 0, &o[0]));
	T_OK(shmap_sem_open(nm(1), 0, &o[1]));
	T_OK(shmap_mutex_open(nm(2), 0, &o[2]));
	T_OK(shmap_event_open(nm(3), 0, &o[3]));
	T_OK(shmap_wait(o[2], 0));
	set_step(0, 1);
	wait_step(1, 1);
	usleep(100000);
	T_OK(shmap_event_set(o[3]));
	usleep(100000);
	T_OK(shmap_event_set(o[0]));
	usleep(100000);
	T_OK(shmap_sem_release(o[1], 1, NULL));
	usleep(100000);
	set_step(2, 1);
	T_OK(shmap_mutex_release(o[2]));
	close_all(o, 4);
}

static void all_waits_for_every_one(void)
{
	shmap_sync *o[4];
	unsigned idx = 99;
	ctl_init();
	make_four(o, 0);
	pid_t p = t_spawn(signal_one_by_one_child, 0);
	wait_step(0, 1);
	set_step(1, 1);
	T_OK(shmap_wait_multiple(o, 4, 1, SHMAP_INFINITE, &idx));
	/* Not before the last one was signalled. */
	T_EQ(atomic_load(&ctl->step[2]), 1);
	T_EQ(idx, 0);
	t_reap(p);
	T_EQ(probe(K_EVENT, 0), -ETIMEDOUT);
	T_EQ(probe(K_SEM, 1), -ETIMEDOUT);
	T_EQ(probe(K_MUTEX, 2), -ETIMEDOUT);
	T_EQ(probe(K_EVENT, 3), 0);
	T_OK(shmap_mutex_release(o[2]));
	T_EQ(shmap_mutex_release(o[2]), -EPERM);
	close_all(o, 4);
}

/* Checks from another process that the four objects are as made set. */
static void all_untouched_child(int arg)
{
	shmap_sync *o[4];
	(void)arg;
	T_OK(shmap_event_open(nm(0), 0, &o[0]));
	T_OK(shmap_sem_open(nm(1), 0, &o[1]));
	T_OK(shmap_mutex_open(nm(2), 0, &o[2]));
	T_OK(shmap_event_open(nm(3), 0, &o[3]));
	T_OK(shmap_wait(o[0], 0));
	T_OK(shmap_event_set(o[0]));
	T_OK(shmap_wait(o[1], 0));
	T_OK(shmap_wait(o[1], 0));
	T_EQ(shmap_wait(o[1], 0), -ETIMEDOUT);
	T_OK(shmap_sem_release(o[1], 2, NULL));
	T_OK(shmap_wait(o[2], 0));
	T_OK(shmap_mutex_release(o[2]));
	T_OK(shmap_wait(o[3], 0));
	close_all(o, 4);
}

static void all_timeout_takes_nothing(void)
{
	shmap_sync *o[5];
	unsigned idx;
	ctl_init();
	make_four(o, 1);
	T_OK(shmap_sem_create(nm(4), 0, 1, NULL, &o[4])); /* never signalled */
	T_EQ(shmap_wait_multiple(o, 5, 1, 0, &idx), -ETIMEDOUT);
	t_reap(t_spawn(all_untouched_child, 0));
	double t0 = t_now();
	T_EQ(shmap_wait_multiple(o, 5, 1, 100, &idx), -ETIMEDOUT);
	check_waited(t0, 100);
	t_reap(t_spawn(all_untouched_child, 0));
	/* The missing one first, last, and in the middle. */
	shmap_sync *first[5] = {o[4], o[0], o[1], o[2], o[3]};
	shmap_sync *mid[5] = {o[0], o[1], o[4], o[2], o[3]};
	T_EQ(shmap_wait_multiple(first, 5, 1, 30, &idx), -ETIMEDOUT);
	T_EQ(shmap_wait_multiple(mid, 5, 1, 30, &idx), -ETIMEDOUT);
	t_reap(t_spawn(all_untouched_child, 0));
	/* A mutex this thread owns keeps its recursion count. */
	T_OK(shmap_wait(o[2], 0));
	T_EQ(shmap_wait_multiple(o, 5, 1, 50, &idx), -ETIMEDOUT);
	T_OK(shmap_mutex_release(o[2]));
	T_EQ(shmap_mutex_release(o[2]), -EPERM);
	t_reap(t_spawn(all_untouched_child, 0));
	close_all(o, 5);
}

/*
 * A wait-all that cannot complete must not be seen taking anything, even
 * for a moment: while it waits, the other objects behave as if nobody waited
 * on them. nm(0) auto event (set), nm(1) semaphore at its maximum of 1,
 * nm(2) mutex (free), nm(4) semaphore at 0 that makes the wait-all wait.
 * Wait-all may take objects in any order it likes, so each trial makes a
 * new nm(4). Nor does such a wait-all lock any object (which would make a
 * poll wait for it, failing if the locking process is descheduled for more
 * than the millisecond of grace): the objects are sampled for its locks.
 */
static void all_waiter_child(int arg)
{
	shmap_sync *o[4];
	unsigned idx = 99;
	(void)arg;
	T_OK(shmap_event_open(nm(0), 0, &o[0]));
	T_OK(shmap_sem_open(nm(1), 0, &o[1]));
	T_OK(shmap_mutex_open(nm(2), 0, &o[2]));
	T_OK(shmap_sem_open(nm(4), 0, &o[3]));
	set_step(0, 1);
	T_OK(shmap_wait_multiple(o, 4, 1, 20000, &idx));
	T_EQ(idx, 0);
	set_step(1, 1);
	wait_step(2, 1);
	T_OK(shmap_mutex_release(o[2]));
	T_EQ(shmap_mutex_release(o[2]), -EPERM);
	close_all(o, 4);
}

static void all_invisible_while_waiting(void)
{
	shmap_sync *o[5];
	long bad_event = 0, bad_sem = 0, bad_mutex = 0, rounds = 0, locked = 0;
	ctl_init();
	T_OK(shmap_event_create(nm(0), SHMAP_EVENT_SET, NULL, &o[0]));
	T_OK(shmap_sem_create(nm(1), 1, 1, NULL, &o[1]));
	T_OK(shmap_mutex_create(nm(2), 0, NULL, &o[2]));
	for (int trial = 0; trial < 4; trial++) {
		memset(ctl, 0, sizeof *ctl);
		T_OK(shmap_sem_create(nm(4), 0, 1, NULL, &o[4]));
		pid_t w = t_spawn(all_waiter_child, 0);
		wait_step(0, 1);
		usleep(20000);
		double end = t_now() + 0.25;
		while (t_now() < end) {
			int r = shmap_wait(o[0], 0);
			if (r == 0)
				T_OK(shmap_event_set(o[0]));
			else
				bad_event++;
			r = shmap_sem_release(o[1], 1, NULL);
			if (r != -EOVERFLOW)
				bad_sem++;
			r = shmap_wait(o[2], 0);
			if (r == 0)
				T_OK(shmap_mutex_release(o[2]));
			else
				bad_mutex++;
			rounds++;
			/* The set and the release woke the wait-all: watch
			 * its attempt for 100 us. */
			double until = t_now() + 0.0001;
			while (t_now() < until)
				locked += shmap__sync_locked(o[0]) +
				          shmap__sync_locked(o[1]) +
				          shmap__sync_locked(o[2]);
		}
		T_EQ(atomic_load(&ctl->step[1]), 0);
		/* Now the last one: the waiter takes one of each. */
		T_OK(shmap_sem_release(o[4], 1, NULL));
		wait_step(1, 1);
		T_EQ(shmap_wait(o[0], 0), -ETIMEDOUT);
		T_EQ(shmap_wait(o[1], 0), -ETIMEDOUT);
		T_EQ(shmap_wait(o[4], 0), -ETIMEDOUT);
		T_EQ(shmap_wait(o[2], 0), -ETIMEDOUT);
		set_step(2, 1);
		t_reap(w);
		T_OK(shmap_wait(o[2], 0));
		T_OK(shmap_mutex_release(o[2]));
		T_OK(shmap_event_set(o[0]));
		T_OK(shmap_sem_release(o[1], 1, NULL));
		T_OK(shmap_sync_close(o[4]));
	}
	T_OK(shmap_sync_close(o[0]));
	T_OK(shmap_sync_close(o[1]));
	T_OK(shmap_sync_close(o[2]));
	if (bad_event || bad_sem || bad_mutex || locked)
		T_FAIL("in %ld rounds beside a waiting wait-all: %ld polls "
		       "of a set event failed, %ld releases of a full "
		       "semaphore succeeded, %ld polls of a free mutex failed, "
		       "%ld samples found an object locked",
		       rounds, bad_event, bad_sem, bad_mutex, locked);
}

static double cpu_seconds(void)
{
	struct rusage ru;
	T_OK(getrusage(RUSAGE_SELF, &ru));
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Waits all on a signalled object and one never signalled; checks CPU. */
static void blocked_all_child(int kind)
{
	shmap_sync *o[2];
	unsigned idx;
	if (kind == K_EVENT)
		T_OK(shmap_event_open(nm(0), 0, &o[0]));
	else if (kind == K_SEM)
		T_OK(shmap_sem_open(nm(1), 0, &o[0]));
	else
		T_OK(shmap_mutex_open(nm(2), 0, &o[0]));
	T_OK(shmap_sem_open(nm(4), 0, &o[1]));
	double cpu = cpu_seconds();
	T_EQ(shmap_wait_multiple(o, 2, 1, 300, &idx), -ETIMEDOUT);
	cpu = cpu_seconds() - cpu;
	if (cpu > 0.1)
		T_FAIL("kind %d: a blocked 300 ms wait-all used %.0f ms of CPU",
		       kind, cpu * 1000);
	close_all(o, 2);
}

/*
 * A wait-all with one object missing sleeps; it does not spin. New nm(4)
 * objects for the order of taking, as above.
 */
static void all_blocked_sleeps(void)
{
	shmap_sync *o[5];
	ctl_init();
	T_OK(shmap_event_create(nm(0), SHMAP_EVENT_SET, NULL, &o[0]));
	T_OK(shmap_sem_create(nm(1), 1, 1, NULL, &o[1]));
	T_OK(shmap_mutex_create(nm(2), 0, NULL, &o[2]));
	for (int trial = 0; trial < 4; trial++) {
		T_OK(shmap_sem_create(nm(4), 0, 1, NULL, &o[4]));
		t_reap(t_spawn(blocked_all_child, K_EVENT));
		t_reap(t_spawn(blocked_all_child, K_SEM));
		t_reap(t_spawn(blocked_all_child, K_MUTEX));
		T_OK(shmap_sync_close(o[4]));
	}
	T_OK(shmap_sync_close(o[0]));
	T_OK(shmap_sync_close(o[1]));
	T_OK(shmap_sync_close(o[2]));
}

static void abandoned_check_child(int arg)
{
	shmap_sync *m;
	(void)arg;
	T_OK(shmap_mutex_open(nm(2), 0, &m));
	T_EQ(shmap_wait(m, 10000), SHMAP_EABANDONED);
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(m));
}

/* Each trial makes new objects, for the order of taking, as above. */
static void all_abandoned(void)
{
	shmap_sync *o[2], *x;
	unsigned idx = 99;
	ctl_init();
	for (int trial = 0; trial < 4; trial++) {
		T_OK(shmap_sem_create(nm(1), 1, 5, NULL, &o[0]));
		T_OK(shmap_mutex_create(nm(2), 0, NULL, &o[1]));
		memset(ctl, 0, sizeof *ctl);
		pid_t h = t_spawn(mutex_holder_child, 2);
		wait_step(0, 1);
		t_kill_reap(h);
		T_EQ(shmap_wait_multiple(o, 2, 1, 5000, &idx),
		     SHMAP_EABANDONED);
		T_EQ(idx, 1);
		T_EQ(drain(o[0]), 0); /* the semaphore was taken too */
		T_EQ(probe(K_MUTEX, 2), -ETIMEDOUT);
		T_OK(shmap_mutex_release(o[1]));
		T_EQ(shmap_mutex_release(o[1]), -EPERM);
		T_EQ(probe(K_MUTEX, 2), 0);
		close_all(o, 2);
	}
	/* A wait-all that times out did not acquire the abandoned mutex:
	 * the next wait still reports it abandoned. */
	for (int trial = 0; trial < 4; trial++) {
		T_OK(shmap_mutex_create(nm(2), 0, NULL, &o[1]));
		T_OK(shmap_sem_create(nm(4), 0, 1, NULL, &x));
		memset(ctl, 0, sizeof *ctl);
		pid_t h = t_spawn(mutex_holder_child, 2);
		wait_step(0, 1);
		t_kill_reap(h);
		shmap_sync *ox[2] = {o[1], x};
		T_EQ(shmap_wait_multiple(ox, 2, 1, 200, &idx), -ETIMEDOUT);
		t_reap(t_spawn(abandoned_check_child, 0));
		T_OK(shmap_sync_close(o[1]));
		T_OK(shmap_sync_close(x));
	}
}

/* ---- wait-all under contention ---- */

enum { UNITS = 6000 };

/* Consumer: 0 takes A and B together, 1 takes A, 2 takes B. */
static void contention_child(int what)
{
	shmap_sync *o[2];
	unsigned idx;
	long mine = 0;
	T_OK(shmap_sem_open(nm(0), 0, &o[0]));
	T_OK(shmap_sem_open(nm(1), 0, &o[1]));
	atomic_fetch_add(&ctl->step[0], 1);
	for (;;) {
		int r;
		if (what == 0)
			r = shmap_wait_multiple(o, 2, 1, 20, &idx);
		else
			r = shmap_wait(o[what - 1], 20);
		if (r == 0) {
			mine++;
			if (what == 0)
				atomic_fetch_add(&ctl->n_all, 1);
			else if (what == 1)
				atomic_fetch_add(&ctl->n_a, 1);
			else
				atomic_fetch_add(&ctl->n_b, 1);
			if (what)
				usleep(50); /* the single takers are slower */
			continue;
		}
		T_EQ(r, -ETIMEDOUT);
		if (atomic_load(&ctl->done))
			break;
	}
	close_all(o, 2);
}

static void all_contention(void)
{
	static const int kinds[] = {0, 0, 1, 2};
	shmap_sync *a, *b;
	pid_t p[4];
	long rel_a = 0, rel_b = 0;
	ctl_init();
	T_OK(shmap_sem_create(nm(0), 0, 1000000, NULL, &a));
	T_OK(shmap_sem_create(nm(1), 0, 1000000, NULL, &b));
	for (int i = 0; i < 4; i++)
		p[i] = t_spawn(contention_child, kinds[i]);
	wait_step(0, 4);
	srand(7);
	for (int i = 0; i < UNITS; i++) {
		uint32_t n = 1 + (uint32_t)(rand() % 3);
		switch (rand() % 3) {
		case 0:
			T_OK(shmap_sem_release(a, n, NULL));
			rel_a += n;
			break;
		case 1:
			T_OK(shmap_sem_release(b, n, NULL));
			rel_b += n;
			break;
		default:
			T_OK(shmap_sem_release(a, 1, NULL));
			T_OK(shmap_sem_release(b, 1, NULL));
			rel_a++;
			rel_b++;
		}
		if (i % 8 == 0)
			usleep(100);
	}
	usleep(100000);
	atomic_store(&ctl->done, 1);
	for (int i = 0; i < 4; i++)
		t_reap(p[i]);
	long left_a = drain(a), left_b = drain(b);
	long all = atomic_load(&ctl->n_all);
	long na = atomic_load(&ctl->n_a), nb = atomic_load(&ctl->n_b);
	if (na + all + left_a != rel_a || nb + all + left_b != rel_b)
		T_FAIL("released A %ld, B %ld; taken: %ld by wait-all, A %ld "
		       "alone, B %ld alone; left A %ld, B %ld",
		       rel_a, rel_b, all, na, nb, left_a, left_b);
	T_ASSERT(all > 0);
	T_ASSERT(na > 0 && nb > 0);
	T_OK(shmap_sync_close(a));
	T_OK(shmap_sync_close(b));
}

enum { ORDER_ROUNDS = 3000 };

/* Takes nm(0) and nm(1) (mutexes, or semaphores of maximum 1) together,
 * in the given order, ORDER_ROUNDS times. */
static void order_child(int arg)
{
	int reversed = arg & 1, sems = arg & 2;
	shmap_sync *x, *y;
	unsigned idx;
	if (sems) {
		T_OK(shmap_sem_open(nm(0), 0, &x));
		T_OK(shmap_sem_open(nm(1), 0, &y));
	} else {
		T_OK(shmap_mutex_open(nm(0), 0, &x));
		T_OK(shmap_mutex_open(nm(1), 0, &y));
	}
	shmap_sync *o[2] = {reversed ? y : x, reversed ? x : y};
	atomic_fetch_add(&ctl->step[0], 1);
	wait_step(0, 2);
	for (int i = 0; i < ORDER_ROUNDS; i++) {
		int r = shmap_wait_multiple(o, 2, 1, 10000, &idx);
		if (r)
			T_FAIL("round %d: wait-all returned %d", i, r);
		ctl->counter = ctl->counter + 1;
		for (int k = 0; k < 2; k++)
			if (sems)
				T_OK(shmap_sem_release(o[k], 1, NULL));
			else
				T_OK(shmap_mutex_release(o[k]));
	}
	T_OK(shmap_sync_close(x));
	T_OK(shmap_sync_close(y));
}

static void all_opposite_orders(void)
{
	shmap_sync *x, *y;
	ctl_init();
	for (int sems = 0; sems < 2; sems++) {
		memset(ctl, 0, sizeof *ctl);
		if (sems) {
			T_OK(shmap_sem_create(nm(0), 1, 1, NULL, &x));
			T_OK(shmap_sem_create(nm(1), 1, 1, NULL, &y));
		} else {
			T_OK(shmap_mutex_create(nm(0), 0, NULL, &x));
			T_OK(shmap_mutex_create(nm(1), 0, NULL, &y));
		}
		pid_t p = t_spawn(order_child, sems ? 2 : 0);
		pid_t q = t_spawn(order_child, sems ? 3 : 1);
		t_reap(p);
		t_reap(q);
		T_EQ(ctl->counter, 2 * ORDER_ROUNDS);
		T_OK(shmap_wait(x, 0));
		T_OK(shmap_wait(y, 0));
		if (sems) {
			T_EQ(shmap_wait(x, 0), -ETIMEDOUT);
			T_EQ(shmap_wait(y, 0), -ETIMEDOUT);
		} else {
			T_OK(shmap_mutex_release(x));
			T_OK(shmap_mutex_release(y));
		}
		T_OK(shmap_sync_close(x));
		T_OK(shmap_sync_close(y));
	}
}

/* ---- arguments and timeouts ---- */

static shmap_sync *g_inherited;

static void inherited_child(int arg)
{
	unsigned idx;
	(void)arg;
	T_EQ(shmap_wait_multiple(&g_inherited, 1, 0, 0, &idx), -EBADF);
	T_EQ(shmap_wait_multiple(&g_inherited, 1, 1, 0, &idx), -EBADF);
}

static void invalid_arguments(void)
{
	shmap_sync *s, *t, *s2, *o[SHMAP_WAIT_MAX + 1];
	unsigned idx;
	ctl_init();
	T_OK(shmap_sem_create(nm(0), 1, 100, NULL, &s));
	T_OK(shmap_sem_create(nm(1), 1, 100, NULL, &t));
	for (int i = 0; i <= SHMAP_WAIT_MAX; i++)
		o[i] = s;
	for (int all = 0; all < 2; all++) {
		T_EQ(shmap_wait_multiple(o, 0, all, 0, &idx), -EINVAL);
		T_EQ(shmap_wait_multiple(o, SHMAP_WAIT_MAX + 1, all, 0, &idx),
		     -EINVAL);
		T_EQ(shmap_wait_multiple(NULL, 1, all, 0, &idx), -EINVAL);
		shmap_sync *withnull[3] = {t, NULL, s};
		T_EQ(shmap_wait_multiple(withnull, 3, all, 0, &idx), -EINVAL);
		shmap_sync *nullfirst[2] = {NULL, t};
		T_EQ(shmap_wait_multiple(nullfirst, 2, all, 0, &idx), -EINVAL);
	}
	/* One object twice in a wait-all, through one handle or two. */
	shmap_sync *twice[3] = {s, t, s};
	T_EQ(shmap_wait_multiple(twice, 3, 1, 0, &idx), -EINVAL);
	T_EQ(shmap_wait_multiple(o, SHMAP_WAIT_MAX, 1, 0, &idx), -EINVAL);
	T_OK(shmap_sem_open(nm(0), 0, &s2));
	shmap_sync *two_handles[2] = {s, s2};
	T_EQ(shmap_wait_multiple(two_handles, 2, 1, 0, &idx), -EINVAL);
	/* The refused calls took nothing. */
	T_EQ(probe(K_SEM, 0), 0);
	T_EQ(probe(K_SEM, 1), 0);
	T_OK(shmap_sem_release(s, 1, NULL));
	T_OK(shmap_sem_release(t, 1, NULL));
	/* The same object twice in a wait-any is fine. */
	idx = 99;
	T_OK(shmap_wait_multiple(twice, 3, 0, 0, &idx));
	T_EQ(idx, 0);
	T_OK(shmap_wait_multiple(twice, 3, 0, 0, &idx));
	T_EQ(idx, 1);
	T_EQ(shmap_wait_multiple(twice, 3, 0, 0, &idx), -ETIMEDOUT);
	T_OK(shmap_sem_release(s, 1, NULL));
	idx = 99;
	T_OK(shmap_wait_multiple(o, SHMAP_WAIT_MAX, 0, 0, &idx));
	T_EQ(idx, 0);
	T_OK(shmap_sem_release(s, 1, NULL));
	T_OK(shmap_wait_multiple(two_handles, 2, 0, 0, &idx));
	T_EQ(shmap_wait_multiple(two_handles, 2, 0, 0, &idx), -ETIMEDOUT);
	/* A handle a fork made unusable. */
	g_inherited = s;
	t_reap(t_spawn(inherited_child, 0));
	T_OK(shmap_sync_close(s2));
	T_OK(shmap_sync_close(s));
	T_OK(shmap_sync_close(t));
}

/* Holds the mutex nm(2) until step[1]; sets event nm(0) 100 ms after. */
static void timeout_helper_child(int arg)
{
	shmap_sync *m, *e;
	(void)arg;
	T_OK(shmap_mutex_open(nm(2), 0, &m));
	T_OK(shmap_event_open(nm(0), 0, &e));
	T_OK(shmap_wait(m, 0));
	set_step(0, 1);
	wait_step(1, 1);
	usleep(100000);
	T_OK(shmap_event_set(e));
	wait_step(2, 1);
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(m));
	T_OK(shmap_sync_close(e));
}

static void timeouts(void)
{
	static const int ms[] = {1, 20, 100, 250};
	shmap_sync *o[3], *ready;
	unsigned idx;
	ctl_init();
	T_OK(shmap_event_create(nm(0), 0, NULL, &o[0]));
	T_OK(shmap_sem_create(nm(1), 0, 1, NULL, &o[1]));
	T_OK(shmap_mutex_create(nm(2), 0, NULL, &o[2]));
	T_OK(shmap_sem_create(nm(3), 1, 1, NULL, &ready));
	pid_t p = t_spawn(timeout_helper_child, 0);
	wait_step(0, 1);
	/* Timeout 0 polls, any or all. */
	double t0 = t_now();
	T_EQ(shmap_wait_multiple(o, 3, 0, 0, &idx), -ETIMEDOUT);
	T_EQ(shmap_wait_multiple(o, 3, 1, 0, &idx), -ETIMEDOUT);
	T_ASSERT(t_now() - t0 < 1.0);
	shmap_sync *all_but_one[2] = {ready, o[1]};
	for (unsigned i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		t0 = t_now();
		T_EQ(shmap_wait_multiple(o, 3, 0, ms[i], &idx), -ETIMEDOUT);
		check_waited(t0, ms[i]);
		t0 = t_now();
		T_EQ(shmap_wait_multiple(o, 2, 0, ms[i], &idx), -ETIMEDOUT);
		check_waited(t0, ms[i]);
		t0 = t_now();
		T_EQ(shmap_wait_multiple(all_but_one, 2, 1, ms[i], &idx),
		     -ETIMEDOUT);
		check_waited(t0, ms[i]);
	}
	T_EQ(drain(ready), 1);
	/* A signal ends a wait-any before its timeout. */
	set_step(1, 1);
	t0 = t_now();
	idx = 99;
	T_OK(shmap_wait_multiple(o, 3, 0, 10000, &idx));
	T_EQ(idx, 0);
	T_ASSERT(t_now() - t0 < 9.0);
	set_step(2, 1);
	t_reap(p);
	close_all(o, 3);
	T_OK(shmap_sync_close(ready));
}

/*
 * A wait-all killed inside its locked section (every object locked, none
 * committed) must not wedge the objects: they stay as they were and become
 * usable again once its death is noticed.
 */
static void all_killed_while_locked(void)
{
	shmap_sync *o[3];
	T_OK(shmap_event_create(nm(0), SHMAP_EVENT_SET, NULL, &o[0]));
	T_OK(shmap_sem_create(nm(1), 2, 5, NULL, &o[1]));
	T_OK(shmap_mutex_create(nm(2), 0, NULL, &o[2]));
	pid_t pid = fork();
	if (pid == 0) {
		shmap_sync *c[3];
		unsigned idx;
		T_OK(shmap_event_open(nm(0), 0, &c[0]));
		T_OK(shmap_sem_open(nm(1), 0, &c[1]));
		T_OK(shmap_mutex_open(nm(2), 0, &c[2]));
		shmap__crash_at = SHMAP__CP_WAITALL_LOCKED;
		shmap_wait_multiple(c, 3, 1, 1000, &idx);
		_exit(0);
	}
	int st = t_wait(pid, 20);
	T_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* Nothing was taken: the event is set, the count is 2, the mutex
	 * is free (and not abandoned). */
	double t0 = t_now();
	T_OK(shmap_wait(o[0], 5000));
	T_OK(shmap_wait(o[1], 5000));
	T_OK(shmap_wait(o[1], 0));
	T_EQ(shmap_wait(o[1], 0), -ETIMEDOUT);
	T_OK(shmap_wait(o[2], 5000));
	T_OK(shmap_mutex_release(o[2]));
	T_ASSERT(t_now() - t0 < 4.0);
	for (int i = 0; i < 3; i++)
		T_OK(shmap_sync_close(o[i]));
}

int main(void)
{
	t_setup();
	t_run("any: lowest signalled index", any_lowest_index, 30);
	t_run("any: events, semaphores, mutexes", any_mixed, 30);
	t_run("any: abandoned mutex", any_abandoned, 30);
	t_run("any: 64 objects, woken by another process",
	      any_64_woken_by_process, 30);
	t_run("all: takes one of each", all_basic, 30);
	t_run("all: waits for every one", all_waits_for_every_one, 30);
	t_run("all: a timeout takes nothing", all_timeout_takes_nothing, 30);
	t_run("all: never seen taking some", all_invisible_while_waiting, 30);
	t_run("all: killed while locked wedges nothing", all_killed_while_locked,
	      30);
	t_run("all: a blocked wait-all sleeps", all_blocked_sleeps, 30);
	t_run("all: abandoned mutex", all_abandoned, 30);
	t_run("all: contention with single waits", all_contention, 60);
	t_run("all: opposite orders do not livelock", all_opposite_orders, 60);
	t_run("invalid arguments", invalid_arguments, 30);
	t_run("timeouts", timeouts, 30);
	return t_finish();
}
