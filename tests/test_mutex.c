/* SPDX-License-Identifier: MIT */
/*
 * Mutexes: create/open/close, type checks, recursion and ownership by
 * threads, initial owners, abandonment by killed and exiting owners, mutual
 * exclusion across processes and threads, timeouts, mutexes in caller memory.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "harness.h"

#define NAME "Local\\test-mutex"
#define MAPNAME "Local\\test-mutex-map"

/* What the processes of one case tell each other, in shared memory. */
struct ctl {
	atomic_int step[8];
	atomic_int rc;
};

static struct ctl *ctl;

static void ctl_init(void)
{
	void *p = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	T_ASSERT(p != MAP_FAILED);
	ctl = p;
}

/* Waits until step[i] reaches v; fails after 20 s. */
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

/* ---- probes: one fresh process opens NAME and tries something ---- */

enum { P_WAIT0, P_RELEASE };

static void probe_child(int what)
{
	shmap_sync *m;
	int r;
	T_OK(shmap_mutex_open(NAME, 0, &m));
	if (what == P_WAIT0) {
		r = shmap_wait(m, 0);
		if (r == 0 || r == SHMAP_EABANDONED)
			T_OK(shmap_mutex_release(m));
	} else {
		r = shmap_mutex_release(m);
	}
	atomic_store(&ctl->rc, r);
	T_OK(shmap_sync_close(m));
}

/* Returns what wait(0) (P_WAIT0) or release (P_RELEASE) gave in a child. */
static int probe(int what)
{
	atomic_store(&ctl->rc, 12345);
	t_reap(t_spawn(probe_child, what));
	return atomic_load(&ctl->rc);
}

/* ---- thread helpers ---- */

static void *run_in_thread_ret;

static void run_in_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	T_OK(pthread_create(&t, NULL, fn, arg));
	T_OK(pthread_join(t, &run_in_thread_ret));
}

/* A thread that does not own m: release and polls must fail. */
static void *not_owner_thread(void *arg)
{
	shmap_sync *m = arg;
	intptr_t bad = 0;
	if (shmap_mutex_release(m) != -EPERM)
		bad |= 1;
	if (shmap_wait(m, 0) != -ETIMEDOUT)
		bad |= 2;
	if (shmap_wait(m, 30) != -ETIMEDOUT)
		bad |= 4;
	return (void *)bad;
}

static void check_not_owner_thread(shmap_sync *m)
{
	run_in_thread(not_owner_thread, m);
	T_EQ((intptr_t)run_in_thread_ret, 0);
}

/* ---- cases ---- */

static void open_child(int arg)
{
	shmap_sync *m;
	(void)arg;
	T_OK(shmap_mutex_open(NAME, 0, &m));
	T_OK(shmap_wait(m, SHMAP_INFINITE));
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(m));
}

static void create_open_close(void)
{
	shmap_sync *a, *b, *c, *u, *e;
	shmap_attr excl = {0, SHMAP_ATTR_EXCL};
	ctl_init();
	T_EQ(shmap_mutex_open(NAME, 0, &a), -ENOENT);
	T_OK(shmap_mutex_create(NAME, 0, NULL, &a));
	T_EQ(shmap_sync_existed(a), 0);
	T_OK(shmap_mutex_create(NAME, 0, NULL, &b));
	T_EQ(shmap_sync_existed(b), 1);
	T_EQ(shmap_mutex_create(NAME, 0, &excl, &c), -EEXIST);
	T_OK(shmap_mutex_open(NAME, 0, &c));
	T_EQ(shmap_sync_existed(c), 0);
	/* Three handles, one mutex: recursion is by thread, not by handle. */
	T_OK(shmap_wait(a, 0));
	T_OK(shmap_wait(b, 0));
	T_EQ(probe(P_WAIT0), -ETIMEDOUT);
	T_OK(shmap_mutex_release(c));
	T_EQ(probe(P_WAIT0), -ETIMEDOUT);
	T_OK(shmap_mutex_release(a));
	T_EQ(shmap_mutex_release(b), -EPERM);
	t_reap(t_spawn(open_child, 0));
	T_EQ(probe(P_WAIT0), 0);
	T_OK(shmap_sync_close(a));
	T_OK(shmap_sync_close(b));
	T_EQ(probe(P_WAIT0), 0); /* c still holds the name */
	T_OK(shmap_sync_close(c));
	T_EQ(shmap_mutex_open(NAME, 0, &a), -ENOENT);
	T_OK(shmap_sync_close(NULL));

	/* Unnamed mutexes, NULL or empty name. */
	T_OK(shmap_mutex_create(NULL, 0, NULL, &u));
	T_EQ(shmap_sync_existed(u), 0);
	T_OK(shmap_wait(u, 0));
	T_OK(shmap_wait(u, 0));
	check_not_owner_thread(u);
	T_OK(shmap_mutex_release(u));
	T_OK(shmap_mutex_release(u));
	T_EQ(shmap_mutex_release(u), -EPERM);
	T_OK(shmap_sync_close(u));
	T_OK(shmap_mutex_create("", 0, NULL, &u));
	T_OK(shmap_wait(u, SHMAP_INFINITE));
	T_OK(shmap_mutex_release(u));
	T_OK(shmap_sync_close(u));

	/* Bad arguments and verbs of other kinds. */
	T_EQ(shmap_mutex_create(NAME, 0, NULL, NULL), -EINVAL);
	T_EQ(shmap_mutex_open(NULL, 0, &a), -EINVAL);
	T_EQ(shmap_mutex_open("", 0, &a), -EINVAL);
	T_EQ(shmap_mutex_open(NAME, 0x80, &a), -EINVAL);
	T_EQ(shmap_mutex_release(NULL), -EINVAL);
	T_OK(shmap_mutex_create(NAME, 0, NULL, &a));
	T_OK(shmap_event_create(NULL, 0, NULL, &e));
	T_EQ(shmap_mutex_release(e), -EINVAL);
	T_EQ(shmap_event_set(a), -EINVAL);
	T_EQ(shmap_event_reset(a), -EINVAL);
	T_EQ(shmap_sem_release(a, 1, NULL), -EINVAL);
	T_OK(shmap_sync_close(e));
	T_OK(shmap_sync_close(a));
	T_EQ(shmap_mutex_open(NAME, 0, &a), -ENOENT);
}

static void type_mismatch(void)
{
	shmap_sync *ev, *mu, *se, *x;
	shmap_map *map, *mx;
	T_OK(shmap_event_create("Local\\tm-ev", 0, NULL, &ev));
	T_OK(shmap_mutex_create("Local\\tm-mu", 0, NULL, &mu));
	T_OK(shmap_sem_create("Local\\tm-se", 1, 1, NULL, &se));
	T_OK(shmap_map_create("Local\\tm-map", 4096, SHMAP_PROT_READWRITE, NULL,
	                      &map));
	/* A mutex where something else is ... */
	T_EQ(shmap_mutex_create("Local\\tm-ev", 0, NULL, &x), SHMAP_ETYPE);
	T_EQ(shmap_mutex_open("Local\\tm-ev", 0, &x), SHMAP_ETYPE);
	T_EQ(shmap_mutex_create("Local\\tm-se", 1, NULL, &x), SHMAP_ETYPE);
	T_EQ(shmap_mutex_open("Local\\tm-se", 0, &x), SHMAP_ETYPE);
	T_EQ(shmap_mutex_create("Local\\tm-map", 0, NULL, &x), SHMAP_ETYPE);
	T_EQ(shmap_mutex_open("Local\\tm-map", 0, &x), SHMAP_ETYPE);
	/* ... and something else where a mutex is. */
	T_EQ(shmap_event_create("Local\\tm-mu", 0, NULL, &x), SHMAP_ETYPE);
	T_EQ(shmap_event_open("Local\\tm-mu", 0, &x), SHMAP_ETYPE);
	T_EQ(shmap_sem_create("Local\\tm-mu", 1, 1, NULL, &x), SHMAP_ETYPE);
	T_EQ(shmap_sem_open("Local\\tm-mu", 0, &x), SHMAP_ETYPE);
	T_EQ(shmap_map_create("Local\\tm-mu", 4096, SHMAP_PROT_READWRITE, NULL,
	                      &mx),
	     SHMAP_ETYPE);
	T_EQ(shmap_map_open("Local\\tm-mu", SHMAP_ACCESS_READ, &mx),
	     SHMAP_ETYPE);
	/* The mutex still works, and the refused calls took no holds. */
	T_OK(shmap_wait(mu, 0));
	T_OK(shmap_mutex_release(mu));
	T_OK(shmap_sync_close(ev));
	T_OK(shmap_sync_close(mu));
	T_OK(shmap_sync_close(se));
	T_OK(shmap_map_close(map));
	T_EQ(shmap_mutex_open("Local\\tm-mu", 0, &x), -ENOENT);
	T_EQ(shmap_event_open("Local\\tm-ev", 0, &x), -ENOENT);
	T_EQ(shmap_sem_open("Local\\tm-se", 0, &x), -ENOENT);
	T_EQ(shmap_map_open("Local\\tm-map", SHMAP_ACCESS_READ, &mx), -ENOENT);
}

/* A forked copy of the owning thread is another process: not the owner. */
static void forked_copy_child(int arg)
{
	shmap_sync *m;
	(void)arg;
	T_OK(shmap_mutex_open(NAME, 0, &m));
	T_EQ(shmap_mutex_release(m), -EPERM);
	T_EQ(shmap_wait(m, 0), -ETIMEDOUT);
	T_EQ(shmap_wait(m, 50), -ETIMEDOUT);
	T_OK(shmap_sync_close(m));
}

static shmap_sync *g_inherited;

static void inherited_child(int arg)
{
	(void)arg;
	/* A handle the fork copied without SHMAP_ATTR_INHERIT is unusable. */
	T_EQ(shmap_mutex_release(g_inherited), -EBADF);
	T_EQ(shmap_wait(g_inherited, 0), -EBADF);
}

static void recursion(void)
{
	shmap_sync *m;
	ctl_init();
	T_OK(shmap_mutex_create(NAME, 0, NULL, &m));
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_wait(m, SHMAP_INFINITE));
	T_OK(shmap_wait(m, 100));
	/* Held three times: others fail, and their failures change nothing. */
	T_EQ(probe(P_WAIT0), -ETIMEDOUT);
	T_EQ(probe(P_RELEASE), -EPERM);
	check_not_owner_thread(m);
	t_reap(t_spawn(forked_copy_child, 0));
	g_inherited = m;
	t_reap(t_spawn(inherited_child, 0));
	T_OK(shmap_mutex_release(m));
	T_EQ(probe(P_WAIT0), -ETIMEDOUT);
	T_EQ(probe(P_RELEASE), -EPERM);
	check_not_owner_thread(m);
	T_OK(shmap_mutex_release(m));
	T_EQ(probe(P_WAIT0), -ETIMEDOUT);
	check_not_owner_thread(m);
	T_EQ(probe(P_RELEASE), -EPERM);
	T_OK(shmap_mutex_release(m));
	/* Free now: a fourth release fails, others may take it. */
	T_EQ(shmap_mutex_release(m), -EPERM);
	T_EQ(probe(P_WAIT0), 0);
	T_EQ(probe(P_RELEASE), -EPERM);
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));
	T_EQ(shmap_mutex_release(m), -EPERM);
	T_OK(shmap_sync_close(m));
}

static void create_owned_child(int expect_free)
{
	shmap_sync *m;
	T_OK(shmap_mutex_create(NAME, 1, NULL, &m));
	T_EQ(shmap_sync_existed(m), 1);
	/* initial_owner was ignored: this thread does not own it. */
	T_EQ(shmap_mutex_release(m), -EPERM);
	if (expect_free) {
		T_OK(shmap_wait(m, 0));
		T_OK(shmap_mutex_release(m));
		T_EQ(shmap_mutex_release(m), -EPERM);
	} else {
		T_EQ(shmap_wait(m, 0), -ETIMEDOUT);
		T_EQ(shmap_mutex_release(m), -EPERM);
	}
	T_OK(shmap_sync_close(m));
}

static void initial_owner(void)
{
	shmap_sync *m, *u;
	ctl_init();
	/* A fresh create with initial_owner: the calling thread owns it. */
	T_OK(shmap_mutex_create(NAME, 1, NULL, &m));
	T_EQ(shmap_sync_existed(m), 0);
	T_EQ(probe(P_WAIT0), -ETIMEDOUT);
	T_EQ(probe(P_RELEASE), -EPERM);
	check_not_owner_thread(m);
	t_reap(t_spawn(create_owned_child, 0));
	T_OK(shmap_mutex_release(m));
	T_EQ(shmap_mutex_release(m), -EPERM);
	T_EQ(probe(P_WAIT0), 0);
	/* An existing name: initial_owner is ignored, free or held. */
	t_reap(t_spawn(create_owned_child, 1));
	T_OK(shmap_wait(m, 0));
	t_reap(t_spawn(create_owned_child, 0));
	T_OK(shmap_mutex_release(m));
	T_EQ(shmap_mutex_release(m), -EPERM);
	T_OK(shmap_sync_close(m));
	/* Unnamed. */
	T_OK(shmap_mutex_create(NULL, 1, NULL, &u));
	check_not_owner_thread(u);
	T_OK(shmap_mutex_release(u));
	T_EQ(shmap_mutex_release(u), -EPERM);
	T_OK(shmap_sync_close(u));
}

/* Holds NAME twice, tells step[0], and waits to be killed. */
static void holder_child(int arg)
{
	shmap_sync *m;
	(void)arg;
	T_OK(shmap_mutex_open(NAME, 0, &m));
	T_OK(shmap_wait(m, SHMAP_INFINITE));
	T_OK(shmap_wait(m, 0));
	set_step(0, 1);
	t_linger();
}

/*
 * Opens NAME, waits for the owner's step[0], tells step[1], waits with
 * timeout arg and expects to inherit an abandoned mutex once; tells step[2]
 * and waits for step[3] before it releases (once frees it).
 */
static void abandoned_waiter_child(int timeout)
{
	shmap_sync *m;
	T_OK(shmap_mutex_open(NAME, 0, &m));
	wait_step(0, 1);
	set_step(1, 1);
	T_EQ(shmap_wait(m, timeout), SHMAP_EABANDONED);
	set_step(2, 1);
	wait_step(3, 1);
	T_OK(shmap_mutex_release(m));
	T_EQ(shmap_mutex_release(m), -EPERM);
	T_OK(shmap_sync_close(m));
}

/* Takes and gives NAME rounds times; every wait must be plain 0. */
static void service_child(int rounds)
{
	shmap_sync *m;
	T_OK(shmap_mutex_open(NAME, 0, &m));
	for (int i = 0; i < rounds; i++) {
		T_OK(shmap_wait(m, SHMAP_INFINITE));
		T_OK(shmap_mutex_release(m));
	}
	T_OK(shmap_sync_close(m));
}

static void normal_service(shmap_sync *m)
{
	pid_t p[3];
	for (int i = 0; i < 3; i++)
		p[i] = t_spawn(service_child, 300);
	for (int i = 0; i < 300; i++) {
		T_OK(shmap_wait(m, SHMAP_INFINITE));
		T_OK(shmap_mutex_release(m));
	}
	for (int i = 0; i < 3; i++)
		t_reap(p[i]);
	T_EQ(probe(P_WAIT0), 0);
}

static void abandoned_sleeping_waiter(void)
{
	shmap_sync *m;
	ctl_init();
	T_OK(shmap_mutex_create(NAME, 0, NULL, &m));
	pid_t h = t_spawn(holder_child, 0);
	wait_step(0, 1);
	pid_t w = t_spawn(abandoned_waiter_child, SHMAP_INFINITE);
	wait_step(1, 1);
	usleep(200000); /* the waiter sleeps in shmap_wait */
	T_EQ(atomic_load(&ctl->step[2]), 0);
	T_EQ(shmap_wait(m, 0), -ETIMEDOUT);
	t_kill_reap(h);
	wait_step(2, 1);
	/* The waiter owns it now, once. */
	T_EQ(shmap_wait(m, 0), -ETIMEDOUT);
	T_EQ(probe(P_WAIT0), -ETIMEDOUT);
	set_step(3, 1);
	t_reap(w);
	/* Free after one release, and no longer abandoned. */
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));
	normal_service(m);
	T_OK(shmap_sync_close(m));
}

static void abandoned_fresh_waiter(void)
{
	shmap_sync *m;
	ctl_init();
	T_OK(shmap_mutex_create(NAME, 0, NULL, &m));
	/* The killed owner is not collected yet (a zombie). */
	pid_t h = t_spawn(holder_child, 0);
	wait_step(0, 1);
	T_OK(kill(h, SIGKILL));
	usleep(50000);
	set_step(3, 1);
	pid_t w = t_spawn(abandoned_waiter_child, SHMAP_INFINITE);
	t_reap(w);
	int st;
	T_EQ(waitpid(h, &st, 0), h);
	T_ASSERT(WIFSIGNALED(st));
	T_EQ(probe(P_WAIT0), 0);
	/* The killed owner is collected; the waiter has a finite timeout. */
	memset(ctl, 0, sizeof *ctl);
	h = t_spawn(holder_child, 0);
	wait_step(0, 1);
	t_kill_reap(h);
	set_step(3, 1);
	t_reap(t_spawn(abandoned_waiter_child, 5000));
	/* This process, too. */
	memset(ctl, 0, sizeof *ctl);
	h = t_spawn(holder_child, 0);
	wait_step(0, 1);
	t_kill_reap(h);
	T_EQ(shmap_wait(m, SHMAP_INFINITE), SHMAP_EABANDONED);
	T_EQ(probe(P_WAIT0), -ETIMEDOUT);
	T_OK(shmap_mutex_release(m));
	T_EQ(shmap_mutex_release(m), -EPERM);
	normal_service(m);
	T_OK(shmap_sync_close(m));
}

/*
 * A poll or a short wait on a mutex whose owner is dead must acquire it as
 * abandoned, as WaitForSingleObject(m, 0) does: the mutex is signalled.
 */
static void abandoned_poll(void)
{
	static const int timeout[] = {0, 10};
	int r[2];
	shmap_sync *m;
	ctl_init();
	T_OK(shmap_mutex_create(NAME, 0, NULL, &m));
	for (int i = 0; i < 2; i++) {
		memset(ctl, 0, sizeof *ctl);
		pid_t h = t_spawn(holder_child, 0);
		wait_step(0, 1);
		t_kill_reap(h);
		r[i] = shmap_wait(m, timeout[i]);
		if (r[i] != 0 && r[i] != SHMAP_EABANDONED)
			/* Not taken: a long wait must find it abandoned. */
			T_EQ(shmap_wait(m, SHMAP_INFINITE), SHMAP_EABANDONED);
		T_OK(shmap_mutex_release(m));
		T_EQ(shmap_mutex_release(m), -EPERM);
	}
	T_OK(shmap_sync_close(m));
	if (r[0] != SHMAP_EABANDONED || r[1] != SHMAP_EABANDONED)
		T_FAIL("wait(0) gave %d, wait(10) gave %d, expected %d (both)",
		       r[0], r[1], SHMAP_EABANDONED);
}

/* Owns m twice, tells step[0], waits for step[6], ends without release. */
static void *exiting_owner_thread(void *arg)
{
	shmap_sync *m = arg;
	if (shmap_wait(m, 0) || shmap_wait(m, 0))
		return (void *)1;
	set_step(0, 1);
	wait_step(6, 1);
	pthread_exit(NULL);
}

/* Waits in another thread of this process: returns the wait's result. */
static void *waiter_thread(void *arg)
{
	shmap_sync *m;
	intptr_t r;
	(void)arg;
	if (shmap_mutex_open(NAME, 0, &m))
		return (void *)1;
	set_step(4, 1);
	r = shmap_wait(m, SHMAP_INFINITE);
	if (r == SHMAP_EABANDONED &&
	    (shmap_mutex_release(m) || shmap_mutex_release(m) != -EPERM))
		r = 2;
	shmap_sync_close(m);
	return (void *)r;
}

/* Waits as waiter_thread; then ends the process, 0 if it was abandoned. */
static void *last_waiter_thread(void *arg)
{
	intptr_t r = (intptr_t)waiter_thread(arg);
	if (r != SHMAP_EABANDONED)
		fprintf(stderr, "last waiter: %ld, expected %d\n", (long)r,
		        SHMAP_EABANDONED);
	fflush(stderr);
	_exit(r == SHMAP_EABANDONED ? 0 : 1);
}

/* The main thread owns NAME and leaves by pthread_exit; a thread waits. */
static void leader_exit_child(int arg)
{
	shmap_sync *m;
	pthread_t t;
	(void)arg;
	T_OK(shmap_mutex_open(NAME, 0, &m));
	T_OK(shmap_wait(m, 0));
	T_OK(pthread_create(&t, NULL, last_waiter_thread, NULL));
	wait_step(4, 1);
	usleep(100000);
	pthread_exit(NULL);
}

static void thread_exit_abandons(void)
{
	shmap_sync *m;
	pthread_t t, w;
	void *r;
	ctl_init();
	T_OK(shmap_mutex_create(NAME, 0, NULL, &m));
	/* A waiter in another process (forked first: a fork copies only the
	 * calling thread). */
	set_step(3, 1);
	pid_t wp = t_spawn(abandoned_waiter_child, SHMAP_INFINITE);
	T_OK(pthread_create(&t, NULL, exiting_owner_thread, m));
	wait_step(0, 1);
	check_not_owner_thread(m);
	wait_step(1, 1);
	usleep(150000);
	T_EQ(atomic_load(&ctl->step[2]), 0);
	set_step(6, 1);
	T_OK(pthread_join(t, &r));
	T_ASSERT(r == NULL);
	t_reap(wp);
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));

	/* A waiter in another thread of this process. */
	memset(ctl, 0, sizeof *ctl);
	T_OK(pthread_create(&t, NULL, exiting_owner_thread, m));
	wait_step(0, 1);
	T_OK(pthread_create(&w, NULL, waiter_thread, NULL));
	wait_step(4, 1);
	usleep(150000);
	set_step(6, 1);
	T_OK(pthread_join(t, &r));
	T_ASSERT(r == NULL);
	T_OK(pthread_join(w, &r));
	T_EQ((intptr_t)r, SHMAP_EABANDONED);
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));

	/* The owner is a process's main thread that leaves by pthread_exit
	 * while the process lives on in its waiting thread. */
	memset(ctl, 0, sizeof *ctl);
	pid_t lp = t_spawn(leader_exit_child, 0);
	t_reap(lp);
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));
	normal_service(m);
	T_OK(shmap_sync_close(m));
}

/* Owns NAME and leaves by exit(0); arg 1: close the handle first. */
static void exit_owner_child(int close_first)
{
	shmap_sync *m;
	T_OK(shmap_mutex_open(NAME, 0, &m));
	T_OK(shmap_wait(m, SHMAP_INFINITE));
	if (close_first) {
		/* Closing does not release. */
		T_OK(shmap_sync_close(m));
		set_step(0, 1);
		wait_step(5, 1);
	}
	exit(0);
}

static void exit_normally_abandons(void)
{
	shmap_sync *m;
	ctl_init();
	T_OK(shmap_mutex_create(NAME, 0, NULL, &m));
	t_reap(t_spawn(exit_owner_child, 0));
	T_EQ(shmap_wait(m, SHMAP_INFINITE), SHMAP_EABANDONED);
	T_OK(shmap_mutex_release(m));
	T_EQ(shmap_mutex_release(m), -EPERM);
	/* The owner closed its handle, and a waiter sleeps when it exits. */
	set_step(3, 1);
	pid_t o = t_spawn(exit_owner_child, 1);
	wait_step(0, 1);
	T_EQ(probe(P_WAIT0), -ETIMEDOUT);
	pid_t w = t_spawn(abandoned_waiter_child, SHMAP_INFINITE);
	wait_step(1, 1);
	usleep(150000);
	set_step(5, 1);
	t_reap(o);
	t_reap(w);
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(m));
}

/* ---- mutual exclusion ---- */

static volatile int *g_counter;

/* Opens NAME and MAPNAME, waits for step[0], and counts rounds times. */
static void count_child(int rounds)
{
	shmap_sync *m;
	shmap_map *map;
	volatile int *c;
	T_OK(shmap_mutex_open(NAME, 0, &m));
	T_OK(shmap_map_open(MAPNAME, SHMAP_ACCESS_ALL, &map));
	T_OK(shmap_view_map(map, 0, 0, SHMAP_ACCESS_WRITE, (void **)&c));
	wait_step(0, 1);
	for (int i = 0; i < rounds; i++) {
		int r = shmap_wait(m, SHMAP_INFINITE);
		if (r)
			T_FAIL("round %d: wait returned %d", i, r);
		*c = *c + 1;
		if ((r = shmap_mutex_release(m)))
			T_FAIL("round %d: release returned %d", i, r);
	}
	T_OK(shmap_view_unmap((void *)c));
	T_OK(shmap_map_close(map));
	T_OK(shmap_sync_close(m));
}

static shmap_sync *g_mutex;
static int g_rounds;

static void *count_thread(void *arg)
{
	(void)arg;
	wait_step(0, 1);
	for (int i = 0; i < g_rounds; i++) {
		if (shmap_wait(g_mutex, SHMAP_INFINITE))
			return (void *)1;
		*g_counter = *g_counter + 1;
		if (shmap_mutex_release(g_mutex))
			return (void *)2;
	}
	return NULL;
}

static void counter(int procs, int proc_rounds, int threads, int thr_rounds)
{
	void *view;
	shmap_sync *m;
	shmap_map *map;
	pid_t p[8];
	pthread_t t[8];
	void *r;
	ctl_init();
	T_OK(shmap_mutex_create(NAME, 0, NULL, &m));
	T_OK(shmap_map_create(MAPNAME, 4096, SHMAP_PROT_READWRITE, NULL, &map));
	T_OK(shmap_view_map(map, 0, 0, SHMAP_ACCESS_WRITE, &view));
	g_counter = view;
	for (int i = 0; i < procs; i++)
		p[i] = t_spawn(count_child, proc_rounds);
	g_mutex = m;
	g_rounds = thr_rounds;
	for (int i = 0; i < threads; i++)
		T_OK(pthread_create(&t[i], NULL, count_thread, NULL));
	set_step(0, 1);
	for (int i = 0; i < threads; i++) {
		T_OK(pthread_join(t[i], &r));
		T_ASSERT(r == NULL);
	}
	for (int i = 0; i < procs; i++)
		t_reap(p[i]);
	T_EQ(*g_counter, procs * proc_rounds + threads * thr_rounds);
	T_EQ(probe(P_WAIT0), 0);
	T_OK(shmap_view_unmap((void *)g_counter));
	T_OK(shmap_map_close(map));
	T_OK(shmap_sync_close(m));
}

static void counter_processes(void)
{
	counter(4, 100000, 0, 0);
}

static void counter_threads_and_processes(void)
{
	counter(2, 30000, 4, 30000);
}

/* Holds NAME, tells step[0], releases when step[1] comes. */
static void hold_until_told_child(int arg)
{
	shmap_sync *m;
	(void)arg;
	T_OK(shmap_mutex_open(NAME, 0, &m));
	T_OK(shmap_wait(m, 0));
	set_step(0, 1);
	wait_step(1, 1);
	usleep(100000);
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(m));
}

static void *timed_thread(void *arg)
{
	double t0 = t_now();
	int r = shmap_wait(arg, 100);
	if (r != -ETIMEDOUT)
		return (void *)1;
	if (t_now() - t0 < 0.100)
		return (void *)2;
	return NULL;
}

static void timeouts(void)
{
	shmap_sync *m;
	static const int ms[] = {1, 20, 100, 250};
	ctl_init();
	T_OK(shmap_mutex_create(NAME, 0, NULL, &m));
	pid_t h = t_spawn(hold_until_told_child, 0);
	wait_step(0, 1);
	T_EQ(shmap_wait(m, 0), -ETIMEDOUT);
	for (unsigned i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		double t0 = t_now();
		T_EQ(shmap_wait(m, ms[i]), -ETIMEDOUT);
		double took = t_now() - t0;
		if (took < ms[i] / 1000.0)
			T_FAIL("wait(%d) timed out after %.1f ms", ms[i],
			       took * 1000);
	}
	run_in_thread(timed_thread, m);
	T_ASSERT(run_in_thread_ret == NULL);
	/* A wait that the release ends before its timeout. */
	set_step(1, 1);
	double t0 = t_now();
	T_OK(shmap_wait(m, 10000));
	T_ASSERT(t_now() - t0 < 9.0);
	t_reap(h);
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(m));
}

/* ---- a mutex in caller memory ---- */

enum { MEM_ROUNDS = 30000 };

/* Attaches the mutex in MAPNAME; arg 0: counts, 1: holds until killed. */
static void mem_child(int hold)
{
	shmap_map *map;
	char *v;
	shmap_sync *m;
	T_OK(shmap_map_open(MAPNAME, SHMAP_ACCESS_ALL, &map));
	T_OK(shmap_view_map(map, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	T_OK(shmap_sync_attach((shmap_sync_mem *)v, &m));
	if (hold) {
		T_OK(shmap_wait(m, SHMAP_INFINITE));
		T_OK(shmap_wait(m, SHMAP_INFINITE));
		set_step(0, 1);
		t_linger();
	}
	volatile int *c = (volatile int *)(v + 4096);
	wait_step(1, 1);
	for (int i = 0; i < MEM_ROUNDS; i++) {
		if (shmap_wait(m, SHMAP_INFINITE))
			T_FAIL("wait failed");
		*c = *c + 1;
		if (shmap_mutex_release(m))
			T_FAIL("release failed");
	}
	T_OK(shmap_sync_close(m));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(map));
}

static void mutex_in_memory(void)
{
	shmap_map *map;
	char *v;
	shmap_sync *m, *x;
	pid_t p[3];
	ctl_init();
	T_OK(shmap_map_create(MAPNAME, 1 << 16, SHMAP_PROT_READWRITE, NULL,
	                      &map));
	T_OK(shmap_view_map(map, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	shmap_sync_mem *mem = (shmap_sync_mem *)v;
	T_EQ(shmap_sync_attach(mem, &m), SHMAP_EBADOBJ); /* zero filled */
	T_EQ(shmap_sync_attach((shmap_sync_mem *)(v + 8), &m), -EINVAL);
	T_EQ(shmap_sync_attach(NULL, &m), -EINVAL);
	T_EQ(shmap_mutex_init(NULL), -EINVAL);
	T_EQ(shmap_mutex_init((shmap_sync_mem *)(v + 8)), -EINVAL);
	T_OK(shmap_mutex_init(mem));
	T_OK(shmap_sync_attach(mem, &m));
	T_OK(shmap_sync_attach(mem, &x));
	/* Recursion and ownership through two handles of one process. */
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_wait(x, 0));
	check_not_owner_thread(m);
	T_OK(shmap_mutex_release(x));
	T_OK(shmap_mutex_release(m));
	T_EQ(shmap_mutex_release(x), -EPERM);
	T_OK(shmap_sync_close(x));

	/* Mutual exclusion: three processes and this one. */
	volatile int *c = (volatile int *)(v + 4096);
	for (int i = 0; i < 3; i++)
		p[i] = t_spawn(mem_child, 0);
	set_step(1, 1);
	for (int i = 0; i < MEM_ROUNDS; i++) {
		T_OK(shmap_wait(m, SHMAP_INFINITE));
		*c = *c + 1;
		T_OK(shmap_mutex_release(m));
	}
	for (int i = 0; i < 3; i++)
		t_reap(p[i]);
	T_EQ(*c, 4 * MEM_ROUNDS);

	/* Abandonment: the owner is killed. */
	pid_t h = t_spawn(mem_child, 1);
	wait_step(0, 1);
	T_EQ(shmap_wait(m, 50), -ETIMEDOUT);
	t_kill_reap(h);
	T_EQ(shmap_wait(m, SHMAP_INFINITE), SHMAP_EABANDONED);
	T_OK(shmap_mutex_release(m));
	T_EQ(shmap_mutex_release(m), -EPERM);
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(m));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(map));
}

/* ---- thread identity across fork ---- */

static void identity_child(int arg)
{
	shmap_sync *m;
	(void)arg;
	wait_step(0, 1);
	T_OK(shmap_mutex_open(NAME, 0, &m));
	T_EQ(shmap_mutex_release(m), -EPERM);
	T_EQ(shmap_wait(m, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(m));
}

/*
 * A forked child is another process even when the parent forked before it
 * had any handle (here after a create with initial_owner that failed).
 */
static void fork_gets_new_identity(void)
{
	shmap_map *map;
	shmap_sync *m;
	ctl_init();
	T_OK(shmap_map_create(MAPNAME, 4096, SHMAP_PROT_READWRITE, NULL, &map));
	T_EQ(shmap_mutex_create(MAPNAME, 1, NULL, &m), SHMAP_ETYPE);
	pid_t c = t_spawn(identity_child, 0);
	T_OK(shmap_mutex_create(NAME, 1, NULL, &m));
	set_step(0, 1);
	t_reap(c);
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(m));
	T_OK(shmap_map_close(map));
}

int main(void)
{
	t_setup();
	t_run("create, open, close", create_open_close, 30);
	t_run("type mismatch", type_mismatch, 30);
	t_run("recursion and ownership", recursion, 30);
	t_run("initial owner", initial_owner, 30);
	t_run("abandoned: killed owner, sleeping waiter",
	      abandoned_sleeping_waiter, 30);
	t_run("abandoned: killed owner, fresh waiter", abandoned_fresh_waiter,
	      30);
	t_run("abandoned: poll and short wait", abandoned_poll, 30);
	t_run("abandoned: owner thread exits", thread_exit_abandons, 30);
	t_run("abandoned: owner process exits", exit_normally_abandons, 30);
	t_run("4 processes x 100000 increments", counter_processes, 60);
	t_run("4 threads + 2 processes increment",
	      counter_threads_and_processes, 60);
	t_run("timeouts", timeouts, 30);
	t_run("mutex in caller memory", mutex_in_memory, 30);
	t_run("fork gets a new thread identity", fork_gets_new_identity, 30);
	return t_finish();
}
