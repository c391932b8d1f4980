/* SPDX-License-Identifier: MIT */
/*
 * Semaphores: counts and limits, releases and waits across processes,
 * exactly k of N waiters released, timeouts, type checks, caller memory.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "harness.h"

#define NAME "Local\\test-sem"
#define MAPNAME "Local\\test-sem-map"

/* What the processes of one case tell each other, in shared memory. */
struct ctl {
	atomic_int step[8];
	atomic_int woken;
	atomic_int taken;
	atomic_int done;
};

static struct ctl *ctl;

static void ctl_init(void)
{
	void *p = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	T_ASSERT(p != MAP_FAILED);
	ctl = p;
}

static void wait_until(atomic_int *p, int v)
{
	double end = t_now() + 20;
	while (atomic_load(p) < v) {
		if (t_now() > end)
			T_FAIL("a counter stayed at %d, below %d",
			       atomic_load(p), v);
		usleep(200);
	}
}

/* Takes the count down to 0 with polls; returns how many it took. */
static int drain(shmap_sync *s)
{
	int n = 0, r;
	while ((r = shmap_wait(s, 0)) == 0)
		n++;
	T_EQ(r, -ETIMEDOUT);
	return n;
}

/* ---- cases ---- */

static void create_open_close(void)
{
	shmap_sync *a, *b, *u;
	shmap_attr excl = {0, SHMAP_ATTR_EXCL};
	uint32_t prev = 99;
	T_EQ(shmap_sem_open(NAME, 0, &a), -ENOENT);
	T_OK(shmap_sem_create(NAME, 2, 5, NULL, &a));
	T_EQ(shmap_sync_existed(a), 0);
	T_EQ(shmap_sem_create(NAME, 2, 5, &excl, &b), -EEXIST);
	T_OK(shmap_sem_open(NAME, 0, &b));
	T_EQ(shmap_sync_existed(b), 0);
	/* Two handles, one count. */
	T_OK(shmap_wait(a, 0));
	T_OK(shmap_wait(b, 0));
	T_EQ(shmap_wait(a, 0), -ETIMEDOUT);
	T_EQ(shmap_wait(b, 0), -ETIMEDOUT);
	T_OK(shmap_sem_release(b, 1, &prev));
	T_EQ(prev, 0);
	T_OK(shmap_sync_close(b));
	T_EQ(drain(a), 1);
	T_OK(shmap_sync_close(a));
	T_EQ(shmap_sem_open(NAME, 0, &a), -ENOENT);
	/* Unnamed: NULL and empty names. */
	T_OK(shmap_sem_create(NULL, 1, 1, NULL, &u));
	T_EQ(shmap_sync_existed(u), 0);
	T_EQ(drain(u), 1);
	T_OK(shmap_sync_close(u));
	T_OK(shmap_sem_create("", 0, 3, NULL, &u));
	T_EQ(shmap_wait(u, 0), -ETIMEDOUT);
	T_OK(shmap_sem_release(u, 3, &prev));
	T_EQ(prev, 0);
	T_EQ(drain(u), 3);
	T_OK(shmap_sync_close(u));
	T_EQ(shmap_sem_open(NULL, 0, &a), -EINVAL);
	T_EQ(shmap_sem_open("", 0, &a), -EINVAL);
	T_EQ(shmap_sem_open(NAME, 0x80, &a), -EINVAL);
}

static void invalid_counts(void)
{
	shmap_sync *s, *m;
	shmap_sync_mem *mem;
	const uint32_t big = (uint32_t)INT32_MAX + 1;
	uint32_t prev;
	T_EQ(shmap_sem_create(NAME, 6, 5, NULL, &s), -EINVAL);
	T_EQ(shmap_sem_create(NAME, 0, 0, NULL, &s), -EINVAL);
	T_EQ(shmap_sem_create(NAME, 1, 0, NULL, &s), -EINVAL);
	T_EQ(shmap_sem_create(NAME, 0, big, NULL, &s), -EINVAL);
	T_EQ(shmap_sem_create(NAME, 0, UINT32_MAX, NULL, &s), -EINVAL);
	T_EQ(shmap_sem_create(NAME, big, big, NULL, &s), -EINVAL);
	T_EQ(shmap_sem_create(NULL, 2, 1, NULL, &s), -EINVAL);
	T_EQ(shmap_sem_create(NAME, 0, 1, NULL, NULL), -EINVAL);
	/* The refused creates made nothing. */
	T_EQ(shmap_sem_open(NAME, 0, &s), -ENOENT);
	/* The limits themselves are fine. */
	T_OK(shmap_sem_create(NAME, INT32_MAX, INT32_MAX, NULL, &s));
	T_OK(shmap_sync_close(s));
	T_OK(shmap_sem_create(NAME, 0, 1, NULL, &s));
	T_EQ(shmap_sem_release(s, 0, &prev), -EINVAL);
	T_EQ(shmap_sem_release(NULL, 1, &prev), -EINVAL);
	T_EQ(shmap_wait(s, 0), -ETIMEDOUT); /* the n = 0 added nothing */
	T_OK(shmap_mutex_create(NULL, 0, NULL, &m));
	T_EQ(shmap_sem_release(m, 1, &prev), -EINVAL);
	T_EQ(shmap_event_set(s), -EINVAL);
	T_EQ(shmap_mutex_release(s), -EINVAL);
	T_OK(shmap_sync_close(m));
	T_OK(shmap_sync_close(s));
	/* The same checks for semaphores in caller memory. */
	mem = aligned_alloc(64, sizeof *mem);
	T_ASSERT(mem);
	T_EQ(shmap_sem_init(mem, 6, 5), -EINVAL);
	T_EQ(shmap_sem_init(mem, 0, 0), -EINVAL);
	T_EQ(shmap_sem_init(mem, 0, big), -EINVAL);
	T_EQ(shmap_sem_init(NULL, 0, 1), -EINVAL);
	free(mem);
}

static void existed_child(int arg)
{
	shmap_sync *s;
	uint32_t prev = 99;
	(void)arg;
	/* Other counts asked for: the original 3 of 10 are kept. */
	T_OK(shmap_sem_create(NAME, 0, 1, NULL, &s));
	T_EQ(shmap_sync_existed(s), 1);
	T_OK(shmap_sem_release(s, 6, &prev));
	T_EQ(prev, 3);
	T_EQ(shmap_sem_release(s, 2, &prev), -EOVERFLOW);
	T_OK(shmap_sem_release(s, 1, &prev));
	T_EQ(prev, 9);
	T_EQ(shmap_sem_release(s, 1, &prev), -EOVERFLOW);
	T_OK(shmap_sync_close(s));
}

static void existed_keeps_counts(void)
{
	shmap_sync *s, *t;
	T_OK(shmap_sem_create(NAME, 3, 10, NULL, &s));
	T_OK(shmap_sem_create(NAME, 7, 7, NULL, &t));
	T_EQ(shmap_sync_existed(t), 1);
	T_OK(shmap_sync_close(t));
	t_reap(t_spawn(existed_child, 0));
	T_EQ(drain(s), 10);
	T_OK(shmap_sync_close(s));
}

static void release_returns_previous(void)
{
	shmap_sync *s;
	uint32_t prev = 99;
	T_OK(shmap_sem_create(NAME, 0, 100, NULL, &s));
	T_OK(shmap_sem_release(s, 1, &prev));
	T_EQ(prev, 0);
	T_OK(shmap_sem_release(s, 5, &prev));
	T_EQ(prev, 1);
	T_OK(shmap_sem_release(s, 10, NULL));
	T_OK(shmap_sem_release(s, 10, &prev));
	T_EQ(prev, 16);
	T_OK(shmap_wait(s, 0));
	T_OK(shmap_wait(s, 0));
	T_OK(shmap_sem_release(s, 1, &prev));
	T_EQ(prev, 24);
	T_EQ(drain(s), 25);
	T_OK(shmap_sync_close(s));
}

static void release_past_maximum(void)
{
	shmap_sync *s;
	uint32_t prev;
	T_OK(shmap_sem_create(NAME, 3, 5, NULL, &s));
	T_EQ(shmap_sem_release(s, 3, &prev), -EOVERFLOW);
	T_EQ(shmap_sem_release(s, UINT32_MAX, &prev), -EOVERFLOW);
	T_EQ(drain(s), 3); /* unchanged by the refused releases */
	T_OK(shmap_sem_release(s, 5, &prev));
	T_EQ(prev, 0);
	T_EQ(shmap_sem_release(s, 1, &prev), -EOVERFLOW);
	T_EQ(drain(s), 5);
	T_OK(shmap_sem_release(s, 2, &prev));
	T_EQ(shmap_sem_release(s, 4, &prev), -EOVERFLOW);
	T_OK(shmap_sem_release(s, 3, &prev));
	T_EQ(prev, 2);
	T_EQ(drain(s), 5);
	T_OK(shmap_sync_close(s));
	/* At the top of the range: no wrap-around lets a release through. */
	T_OK(shmap_sem_create(NULL, INT32_MAX - 1, INT32_MAX, NULL, &s));
	T_EQ(shmap_sem_release(s, 2, &prev), -EOVERFLOW);
	T_EQ(shmap_sem_release(s, UINT32_MAX, &prev), -EOVERFLOW);
	T_EQ(shmap_sem_release(s, (uint32_t)INT32_MAX + 2, &prev), -EOVERFLOW);
	T_OK(shmap_sem_release(s, 1, &prev));
	T_EQ(prev, INT32_MAX - 1);
	T_EQ(shmap_sem_release(s, 1, &prev), -EOVERFLOW);
	T_OK(shmap_wait(s, 0));
	T_OK(shmap_sem_release(s, 1, &prev));
	T_EQ(prev, INT32_MAX - 1);
	T_OK(shmap_sync_close(s));
}

static void release_child(int n)
{
	shmap_sync *s;
	T_OK(shmap_sem_open(NAME, 0, &s));
	T_OK(shmap_sem_release(s, (uint32_t)n, NULL));
	T_OK(shmap_sync_close(s));
}

static void waits_decrement(void)
{
	shmap_sync *s;
	T_OK(shmap_sem_create(NAME, 4, 10, NULL, &s));
	for (int i = 0; i < 4; i++)
		T_OK(shmap_wait(s, i % 2 ? 0 : SHMAP_INFINITE));
	T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	t_reap(t_spawn(release_child, 2));
	T_OK(shmap_wait(s, 0));
	T_OK(shmap_wait(s, 100));
	T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	t_reap(t_spawn(release_child, 10));
	T_EQ(drain(s), 10);
	T_OK(shmap_sync_close(s));
}

/* Waits once for NAME (up to 20 s) and counts itself in ctl->woken. */
static void one_waiter_child(int arg)
{
	shmap_sync *s;
	(void)arg;
	T_OK(shmap_sem_open(NAME, 0, &s));
	atomic_fetch_add(&ctl->step[0], 1);
	T_OK(shmap_wait(s, 20000));
	atomic_fetch_add(&ctl->woken, 1);
	T_OK(shmap_sync_close(s));
}

/* Releases k and checks exactly `expect` waiters in all have woken. */
static void release_and_count(shmap_sync *s, uint32_t k, int expect)
{
	T_OK(shmap_sem_release(s, k, NULL));
	wait_until(&ctl->woken, expect);
	usleep(200000); /* time for a wrong extra wake */
	T_EQ(atomic_load(&ctl->woken), expect);
}

static void release_k_of_n(void)
{
	enum { N = 6 };
	shmap_sync *s;
	pid_t p[N];
	ctl_init();
	T_OK(shmap_sem_create(NAME, 0, 100, NULL, &s));
	for (int i = 0; i < N; i++)
		p[i] = t_spawn(one_waiter_child, 0);
	wait_until(&ctl->step[0], N);
	usleep(200000); /* all asleep in shmap_wait */
	T_EQ(atomic_load(&ctl->woken), 0);
	release_and_count(s, 2, 2);
	release_and_count(s, 1, 3);
	release_and_count(s, 3, 6);
	for (int i = 0; i < N; i++)
		t_reap(p[i]);
	/* Every unit went to a waiter. */
	T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	/* More than wait: the rest stays in the count. */
	memset(ctl, 0, sizeof *ctl);
	for (int i = 0; i < 2; i++)
		p[i] = t_spawn(one_waiter_child, 0);
	wait_until(&ctl->step[0], 2);
	usleep(100000);
	release_and_count(s, 5, 2);
	for (int i = 0; i < 2; i++)
		t_reap(p[i]);
	T_EQ(drain(s), 3);
	T_OK(shmap_sync_close(s));
}

static void delayed_release_child(int n)
{
	usleep(100000);
	release_child(n);
}

static void timeouts(void)
{
	static const int ms[] = {1, 20, 100, 250};
	shmap_sync *s;
	T_OK(shmap_sem_create(NAME, 0, 1, NULL, &s));
	double t0 = t_now();
	T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	T_ASSERT(t_now() - t0 < 1.0);
	for (unsigned i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		t0 = t_now();
		T_EQ(shmap_wait(s, ms[i]), -ETIMEDOUT);
		double took = t_now() - t0;
		if (took < ms[i] / 1000.0)
			T_FAIL("wait(%d) timed out after %.1f ms", ms[i],
			       took * 1000);
	}
	/* A release ends a wait before its timeout. */
	pid_t p = t_spawn(delayed_release_child, 1);
	t0 = t_now();
	T_OK(shmap_wait(s, 10000));
	T_ASSERT(t_now() - t0 < 9.0);
	t_reap(p);
	T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(s));
}

static void type_mismatch(void)
{
	shmap_sync *se, *ev, *mu, *x;
	shmap_map *map, *mx;
	T_OK(shmap_sem_create("Local\\ts-se", 1, 1, NULL, &se));
	T_OK(shmap_event_create("Local\\ts-ev", 0, NULL, &ev));
	T_OK(shmap_mutex_create("Local\\ts-mu", 0, NULL, &mu));
	T_OK(shmap_map_create("Local\\ts-map", 4096, SHMAP_PROT_READWRITE, NULL,
	                      &map));
	T_EQ(shmap_sem_create("Local\\ts-ev", 0, 1, NULL, &x), SHMAP_ETYPE);
	T_EQ(shmap_sem_open("Local\\ts-ev", 0, &x), SHMAP_ETYPE);
	T_EQ(shmap_sem_create("Local\\ts-mu", 0, 1, NULL, &x), SHMAP_ETYPE);
	T_EQ(shmap_sem_open("Local\\ts-mu", 0, &x), SHMAP_ETYPE);
	T_EQ(shmap_sem_create("Local\\ts-map", 0, 1, NULL, &x), SHMAP_ETYPE);
	T_EQ(shmap_sem_open("Local\\ts-map", 0, &x), SHMAP_ETYPE);
	T_EQ(shmap_event_create("Local\\ts-se", 0, NULL, &x), SHMAP_ETYPE);
	T_EQ(shmap_event_open("Local\\ts-se", 0, &x), SHMAP_ETYPE);
	T_EQ(shmap_mutex_create("Local\\ts-se", 0, NULL, &x), SHMAP_ETYPE);
	T_EQ(shmap_mutex_open("Local\\ts-se", 0, &x), SHMAP_ETYPE);
	T_EQ(shmap_map_create("Local\\ts-se", 4096, SHMAP_PROT_READWRITE, NULL,
	                      &mx),
	     SHMAP_ETYPE);
	T_EQ(shmap_map_open("Local\\ts-se", SHMAP_ACCESS_READ, &mx),
	     SHMAP_ETYPE);
	T_OK(shmap_sync_close(ev));
	T_OK(shmap_sync_close(mu));
	T_OK(shmap_map_close(map));
	T_EQ(drain(se), 1);
	T_OK(shmap_sync_close(se));
	T_EQ(shmap_sem_open("Local\\ts-se", 0, &x), -ENOENT);
	T_EQ(shmap_event_open("Local\\ts-ev", 0, &x), -ENOENT);
	T_EQ(shmap_mutex_open("Local\\ts-mu", 0, &x), -ENOENT);
	T_EQ(shmap_map_open("Local\\ts-map", SHMAP_ACCESS_READ, &mx), -ENOENT);
}

/* ---- producers and consumers ---- */

enum { UNITS = 20000, SEM_MAX = 8 };

static void consumer_child(int id)
{
	shmap_sync *s;
	int mine = 0, r;
	T_OK(shmap_sem_open(NAME, 0, &s));
	atomic_fetch_add(&ctl->step[0], 1);
	for (;;) {
		r = shmap_wait(s, id == 0 ? 0 : 50);
		if (r == 0) {
			mine++;
			atomic_fetch_add(&ctl->taken, 1);
			continue;
		}
		T_EQ(r, -ETIMEDOUT);
		if (atomic_load(&ctl->done))
			break;
	}
	T_OK(shmap_sync_close(s));
	atomic_fetch_add(&ctl->step[1], mine);
}

/*
 * One producer releases UNITS in batches against a small maximum, three
 * consumers (one of them polling) take: every unit is taken exactly once
 * and the count never passes the maximum.
 */
static void producer_consumers(void)
{
	shmap_sync *s;
	pid_t p[3];
	uint32_t prev;
	int released = 0, refused = 0;
	ctl_init();
	T_OK(shmap_sem_create(NAME, 0, SEM_MAX, NULL, &s));
	for (int i = 0; i < 3; i++)
		p[i] = t_spawn(consumer_child, i);
	wait_until(&ctl->step[0], 3);
	srand(1);
	while (released < UNITS) {
		uint32_t n = 1 + (uint32_t)(rand() % 4);
		if (n > (uint32_t)(UNITS - released))
			n = (uint32_t)(UNITS - released);
		int r = shmap_sem_release(s, n, &prev);
		if (r == 0) {
			T_ASSERT(prev + n <= SEM_MAX);
			released += (int)n;
		} else {
			T_EQ(r, -EOVERFLOW);
			refused++;
			sched_yield();
		}
	}
	wait_until(&ctl->taken, UNITS);
	atomic_store(&ctl->done, 1);
	for (int i = 0; i < 3; i++)
		t_reap(p[i]);
	T_EQ(atomic_load(&ctl->taken), UNITS);
	T_EQ(atomic_load(&ctl->step[1]), UNITS);
	T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(s));
}

/* ---- a semaphore in caller memory ---- */

static void mem_child(int arg)
{
	shmap_map *map;
	char *v;
	shmap_sync *s;
	(void)arg;
	T_OK(shmap_map_open(MAPNAME, SHMAP_ACCESS_ALL, &map));
	T_OK(shmap_view_map(map, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	T_OK(shmap_sync_attach((shmap_sync_mem *)v, &s));
	T_OK(shmap_wait(s, 0));
	T_OK(shmap_wait(s, 0));
	T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	T_OK(shmap_sem_release(s, 3, NULL));
	T_EQ(shmap_sem_release(s, 1, NULL), -EOVERFLOW);
	T_OK(shmap_sync_close(s));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(map));
}

static void sem_in_memory(void)
{
	shmap_map *map;
	char *v;
	shmap_sync *s;
	uint32_t prev;
	T_OK(shmap_map_create(MAPNAME, 4096, SHMAP_PROT_READWRITE, NULL, &map));
	T_OK(shmap_view_map(map, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	T_EQ(shmap_sem_init((shmap_sync_mem *)(v + 32), 0, 1), -EINVAL);
	T_OK(shmap_sem_init((shmap_sync_mem *)v, 2, 3));
	T_OK(shmap_sync_attach((shmap_sync_mem *)v, &s));
	t_reap(t_spawn(mem_child, 0));
	T_EQ(shmap_sem_release(s, 1, &prev), -EOVERFLOW);
	T_EQ(drain(s), 3);
	T_OK(shmap_sync_close(s));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(map));
}

int main(void)
{
	t_setup();
	t_run("create, open, close", create_open_close, 30);
	t_run("invalid counts", invalid_counts, 30);
	t_run("existing name keeps counts", existed_keeps_counts, 30);
	t_run("release returns the previous count", release_returns_previous,
	      30);
	t_run("release past the maximum", release_past_maximum, 30);
	t_run("waits decrement", waits_decrement, 30);
	t_run("release k of N waiting processes", release_k_of_n, 30);
	t_run("timeouts", timeouts, 30);
	t_run("type mismatch", type_mismatch, 30);
	t_run("producer and consumers", producer_consumers, 60);
	t_run("semaphore in caller memory", sem_in_memory, 30);
	return t_finish();
}
