/*
 * Threads of one process share the handle registry and the view table:
 * concurrent create/open/map/unmap/close, with fork racing them.
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
		exit(T_SKIP);
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

int main(void)
{
	t_setup();
	t_run("threads with fork racing", threads_and_fork, 120);
	t_run("fork while threads are in view calls", fork_in_view_calls, 60);
	t_run("existed flag set before fork sees the hold", existed_flag_vs_fork,
	      60);
	return t_finish();
}
