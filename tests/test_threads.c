/*
 * Threads of one process share the handle registry and the view table:
 * concurrent create/open/map/unmap/close, with fork racing them.
 */
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

int main(void)
{
	t_setup();
	t_run("threads with fork racing", threads_and_fork, 120);
	return t_finish();
}
