/* SPDX-License-Identifier: MIT */
/*
 * Threads of one process share the handle registry and the view table:
 * concurrent create/open/map/unmap/close, with fork racing them. Events,
 * mutexes and semaphores order memory: what a thread wrote before a set
 * or release is what the thread its wait returns for reads (plain data,
 * so the thread sanitizer build checks the ordering too).
 */
#include <grp.h>
#include <pthread.h>
#include <stdatomic.h>

#include "harness.h"

enum { THREADS = 4, CYCLES = 1500 };

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	char name[32];
	snprintf(name, sizeof name, "Local\\thr%d", id % 2);
	for (int c = 0; c < CYCLES; c++) {
		shmap_map *m, *o;
		volatile uint32_t *v, *w;
		shmap_attr attr = {0, (c & 1) ? SHMAP_ATTR_INHERIT : 0};
		if (shmap_map_create(name, 65536, SHMAP_PROT_READWRITE, &attr, &m))
			return (void *)1;
		if (shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v))
			return (void *)2;
		v[id * 16] = (uint32_t)c;
		if (shmap_map_open(name, SHMAP_ACCESS_READ, &o))
			return (void *)3;
		if (shmap_view_map(o, (uint64_t)id * 64, 64, SHMAP_ACCESS_READ,
		                   (void **)&w))
			return (void *)4;
		if (w[0] != (uint32_t)c)
			return (void *)5;
		if (shmap_view_unmap((void *)w) || shmap_map_close(o))
			return (void *)6;
		if (shmap_view_unmap((void *)v) || shmap_map_close(m))
			return (void *)7;
	}
	return NULL;
}

static atomic_int stop_forking;

/* Forks while the workers run; children only check they can exit. */
static void *forker(void *arg)
{
	(void)arg;
	int forks = 0;
	while (!stop_forking && forks < 200) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0 || t_exit_code(t_wait(pid, 10)) != 0)
			return (void *)1;
		forks++;
	}
	return NULL;
}

static void threads_and_fork(void)
{
	pthread_t t[THREADS], f;
	void *r;
	for (int i = 0; i < THREADS; i++)
		T_OK(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i));
	T_OK(pthread_create(&f, NULL, forker, NULL));
	for (int i = 0; i < THREADS; i++) {
		T_OK(pthread_join(t[i], &r));
		if (r)
			T_FAIL("worker %d failed at step %d", i, (int)(intptr_t)r);
	}
	stop_forking = 1;
	T_OK(pthread_join(f, &r));
	T_ASSERT(r == NULL);
	/* The forked children held the inheritable handles and left by _exit,
	 * like killed holders: a name one of them held last is gone, its file
	 * an unheld leftover that the sweep removes. */
	shmap_map *m;
	T_EQ(shmap_map_open("Local\\thr0", SHMAP_ACCESS_READ, &m), -ENOENT);
	T_EQ(shmap_map_open("Local\\thr1", SHMAP_ACCESS_READ, &m), -ENOENT);
	T_ASSERT(shmap_gc() >= 0);
	T_EQ(t_count_files(t_dir), 0);
}

static atomic_int stop_views;
static void *view_base;

/* Keeps the view table busy: query, map and unmap without pause. */
static void *view_spinner(void *arg)
{
	shmap_map *m = arg;
	while (!stop_views) {
		void *v;
		if (shmap_view_query(view_base, NULL, NULL))
			return (void *)1;
		if (shmap_view_map(m, 0, 4096, SHMAP_ACCESS_READ, &v) ||
		    shmap_view_unmap(v))
			return (void *)2;
	}
	return NULL;
}

/*
 * A child forked while another thread holds the view-table lock must still
 * be able to use views: fork takes the lock first, and both sides release it.
 */
static void fork_in_view_calls(void)
{
	shmap_map *m;
	pthread_t t[2];
	void *r;
	T_OK(shmap_map_create("Local\\fv", 65536, SHMAP_PROT_READWRITE, NULL,
	                      &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, &view_base));
	for (int i = 0; i < 2; i++)
		T_OK(pthread_create(&t[i], NULL, view_spinner, m));
	for (int f = 0; f < 300; f++) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			void *base, *v;
			size_t len;
			if (shmap_view_query(view_base, &base, &len) ||
			    base != view_base || len != 65536)
				_exit(3);
			if (shmap_view_map(m, 0, 4096, SHMAP_ACCESS_READ, &v) ==
			            0 &&
			    shmap_view_unmap(v))
				_exit(4);
			_exit(0);
		}
		T_ASSERT(pid > 0);
		int code = t_exit_code(t_wait(pid, 10));
		if (code != 0)
			T_FAIL("child of fork %d: exit %d (-1: hung)", f, code);
	}
	stop_views = 1;
	for (int i = 0; i < 2; i++) {
		T_OK(pthread_join(t[i], &r));
		T_ASSERT(r == NULL);
	}
	T_OK(shmap_view_unmap(view_base));
	T_OK(shmap_map_close(m));
}

static atomic_int stop_global;

/* Opens an existing Global object through create, over and over. */
static void *global_opener(void *arg)
{
	(void)arg;
	shmap_attr attr = {0, SHMAP_ATTR_INHERIT};
	while (!stop_global) {
		shmap_map *m;
		if (shmap_map_create("Global\\race", 4096, SHMAP_PROT_READWRITE,
		                     &attr, &m))
			return (void *)1;
		if (!shmap_map_existed(m) || shmap_map_close(m))
			return (void *)2;
	}
	return NULL;
}

/*
 * An unprivileged caller's create of an existing Global object marks it
 * existing before the fork registry can see it: a fork racing the create
 * reads the flags of a fully made hold (ThreadSanitizer checks this).
 */
static void existed_flag_vs_fork(void)
{
	shmap_map *g;
	shmap_attr mode = {0666, 0};
	if (geteuid() != 0)
		t_skip("a Global\\ name needs root");
	T_OK(shmap_map_create("Global\\race", 4096, SHMAP_PROT_READWRITE, &mode,
	                      &g));
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		pthread_t t;
		void *r;
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(5);
		if (pthread_create(&t, NULL, global_opener, NULL))
			_exit(6);
		for (int f = 0; f < 100; f++) {
			pid_t c = fork();
			if (c == 0)
				_exit(0);
			if (c < 0 || t_exit_code(t_wait(c, 10)) != 0)
				_exit(7);
		}
		stop_global = 1;
		if (pthread_join(t, &r) || r)
			_exit(8);
		exit(0);
	}
	T_EQ(t_exit_code(t_wait(pid, 60)), 0);
	T_OK(shmap_map_close(g));
}

/* ---- memory ordering through events, mutexes and semaphores ---- */

enum { VIS_ROUNDS = 3000, VIS_WORDS = 32 };

struct vis {
	shmap_sync *go, *done, *mtx;
	int sem; /* go and done are semaphores, not events */
	unsigned buf[VIS_WORDS]; /* plain: published by set, read after wait */
	unsigned long sum;       /* plain: guarded by mtx */
	int bad;
};

/* Waits for each round's set, checks the words the setter wrote before
 * it, writes its own, and answers through the other object. */
static void *vis_reader(void *arg)
{
	struct vis *v = arg;
	for (unsigned r = 1; r <= VIS_ROUNDS; r++) {
		if (shmap_wait(v->go, 10000))
			return (void *)1;
		for (int i = 0; i < VIS_WORDS; i++)
			if (v->buf[i] != r * 3 + (unsigned)i)
				v->bad = (int)r;
		for (int i = 0; i < VIS_WORDS; i++)
			v->buf[i] = r * 5 + (unsigned)i;
		if (v->sem ? shmap_sem_release(v->done, 1, NULL)
		            : shmap_event_set(v->done))
			return (void *)2;
	}
	return NULL;
}

static void vis_pingpong(shmap_sync *go, shmap_sync *done, int sem)
{
	struct vis *v = calloc(1, sizeof *v);
	T_ASSERT(v);
	v->go = go;
	v->done = done;
	v->sem = sem;
	pthread_t th;
	T_OK(pthread_create(&th, NULL, vis_reader, v));
	for (unsigned r = 1; r <= VIS_ROUNDS; r++) {
		for (int i = 0; i < VIS_WORDS; i++)
			v->buf[i] = r * 3 + (unsigned)i;
		T_OK(sem ? shmap_sem_release(go, 1, NULL) : shmap_event_set(go));
		T_OK(shmap_wait(done, 10000));
		for (int i = 0; i < VIS_WORDS; i++)
			T_EQ(v->buf[i], r * 5 + (unsigned)i);
	}
	void *ret;
	T_OK(pthread_join(th, &ret));
	T_ASSERT(ret == NULL);
	T_EQ(v->bad, 0);
	free(v);
}

static void *vis_adder(void *arg)
{
	struct vis *v = arg;
	for (int i = 0; i < VIS_ROUNDS; i++) {
		if (shmap_wait(v->mtx, 10000))
			return (void *)1;
		v->sum += 1; /* plain read-modify-write under the mutex */
		if (shmap_mutex_release(v->mtx))
			return (void *)2;
	}
	return NULL;
}

static void memory_ordering(void)
{
	shmap_sync *a, *b;
	T_OK(shmap_event_create(NULL, 0, NULL, &a));
	T_OK(shmap_event_create(NULL, 0, NULL, &b));
	vis_pingpong(a, b, 0);
	T_OK(shmap_sync_close(a));
	T_OK(shmap_sync_close(b));
	T_OK(shmap_sem_create(NULL, 0, 1, NULL, &a));
	T_OK(shmap_sem_create(NULL, 0, 1, NULL, &b));
	vis_pingpong(a, b, 1);
	T_OK(shmap_sync_close(a));
	T_OK(shmap_sync_close(b));

	struct vis *v = calloc(1, sizeof *v);
	T_ASSERT(v);
	T_OK(shmap_mutex_create(NULL, 0, NULL, &v->mtx));
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		T_OK(pthread_create(&th[i], NULL, vis_adder, v));
	for (int i = 0; i < 3; i++) {
		void *ret;
		T_OK(pthread_join(th[i], &ret));
		T_ASSERT(ret == NULL);
	}
	T_EQ(v->sum, 3ul * VIS_ROUNDS);
	T_OK(shmap_sync_close(v->mtx));
	free(v);
}

int main(void)
{
	t_setup();
	t_run("threads with fork racing", threads_and_fork, 120);
	t_run("fork while threads are in view calls", fork_in_view_calls, 60);
	t_run("writes before a set or release are seen after the wait",
	      memory_ordering, 120);
	t_run("existed flag set before fork sees the hold", existed_flag_vs_fork,
	      60);
	return t_finish();
}
