/* SPDX-License-Identifier: MIT */
/*
 * A signal wakes as many sleepers as can take what it made available: a
 * semaphore release of one, an auto-reset set and a mutex release wake one
 * of N sleepers, the others stay asleep; a release of n wakes n. Counted
 * by the futex waits that returned woken (shmap__futex_woken, internal),
 * looked at once every sleeper is asleep again: a wake of all would have
 * counted each. Then a stress of releases of one and of several against
 * wait-any, wait-all and single waiters: every unit is taken once.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include "futex.h"
#include "harness.h"

enum { N = 6 };

struct sleeper {
	shmap_sync *obj;
	atomic_int tid;
	atomic_int done;
	atomic_int *returned;
	atomic_int *let_go; /* a mutex taker releases once this is set */
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	atomic_store(&s->tid, (int)syscall(SYS_gettid));
	if (shmap_wait(s->obj, SHMAP_INFINITE) != 0)
		return (void *)1;
	atomic_store(&s->done, 1);
	atomic_fetch_add(s->returned, 1);
	if (s->let_go) {
		while (!atomic_load(s->let_go))
			usleep(1000);
		if (shmap_mutex_release(s->obj) != 0)
			return (void *)2;
	}
	return NULL;
}

/* Waits (10 s at most) until *returned reaches want. */
static void await_returned(atomic_int *returned, int want)
{
	for (int i = 0; i < 10000 && atomic_load(returned) < want; i++)
		usleep(1000);
	T_EQ(atomic_load(returned), want);
}

/* Every sleeper not done is asleep (past its spin, in its futex). */
static void all_asleep(struct sleeper *s, int n)
{
	for (int i = 0; i < n; i++) {
		while (!atomic_load(&s[i].tid))
			usleep(1000);
		if (!atomic_load(&s[i].done))
			T_ASSERT(t_asleep(atomic_load(&s[i].tid)));
	}
}

/*
 * N threads sleep on obj; signal wakes one: exactly one returns, the rest
 * are asleep, and one futex wait returned woken. Then more (n - 1 more
 * wakes, by signal_rest) and every thread returns.
 */
static void one_of_n(shmap_sync *obj, int (*signal)(shmap_sync *),
                     int (*signal_rest)(shmap_sync *, atomic_int *),
                     int mutex)
{
	struct sleeper s[N];
	pthread_t th[N];
	atomic_int returned = 0, let_go = 0;
	T_OK(shmap_sync_set_spin(obj, 0));
	for (int i = 0; i < N; i++) {
		memset(&s[i], 0, sizeof s[i]);
		s[i].obj = obj;
		s[i].returned = &returned;
		s[i].let_go = mutex ? &let_go : NULL;
		T_OK(pthread_create(&th[i], NULL, sleeper_main, &s[i]));
	}
	all_asleep(s, N);
	unsigned long w0 = atomic_load(&shmap__futex_woken);
	T_OK(signal(obj));
	await_returned(&returned, 1);
	/* The others had every chance to wake and sleep again. */
	all_asleep(s, N);
	T_EQ(atomic_load(&returned), 1);
	T_EQ(atomic_load(&shmap__futex_woken) - w0, 1);
	atomic_store(&let_go, 1);
	T_OK(signal_rest(obj, &returned));
	await_returned(&returned, N);
	for (int i = 0; i < N; i++) {
		void *ret;
		T_OK(pthread_join(th[i], &ret));
		T_ASSERT(ret == NULL);
	}
}

static int sem_one(shmap_sync *s)
{
	return shmap_sem_release(s, 1, NULL);
}

static int sem_rest(shmap_sync *s, atomic_int *returned)
{
	(void)returned;
	return shmap_sem_release(s, N - 1, NULL);
}

static void sem_release_one(void)
{
	shmap_sync *s;
	T_OK(shmap_sem_create(NULL, 0, 100, NULL, &s));
	one_of_n(s, sem_one, sem_rest, 0);
	uint32_t prev = 99;
	T_OK(shmap_sem_release(s, 1, &prev));
	T_EQ(prev, 0);
	T_OK(shmap_sync_close(s));
}

/* One set at a time: a set of a set event adds nothing. */
static int ev_rest(shmap_sync *e, atomic_int *returned)
{
	for (int i = 2; i <= N; i++) {
		if (shmap_event_set(e))
			return 1;
		await_returned(returned, i);
	}
	return 0;
}

static void event_set_one(void)
{
	shmap_sync *e;
	T_OK(shmap_event_create(NULL, 0, NULL, &e));
	one_of_n(e, shmap_event_set, ev_rest, 0);
	T_OK(shmap_sync_close(e));
}

static int mx_rest(shmap_sync *m, atomic_int *returned)
{
	(void)m, (void)returned;
	return 0; /* each taker releases it to the next */
}

static void mutex_release_one(void)
{
	shmap_sync *m;
	T_OK(shmap_mutex_create(NULL, 1, NULL, &m));
	one_of_n(m, shmap_mutex_release, mx_rest, 1);
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(m));
}

/* ---- stress ---- */

enum { UNITS = 20000, TAKERS = 5 };

struct stress {
	shmap_sync *sem, *never, *always;
	atomic_int taken;
	atomic_int bad;
};

static void *taker(void *arg)
{
	struct stress *st = ((struct stress **)arg)[0];
	int how = (int)(intptr_t)((void **)arg)[1];
	shmap_sync *any[2] = {st->never, st->sem};
	shmap_sync *all[2] = {st->always, st->sem};
	for (;;) {
		unsigned idx = 9;
		int rc = how == 0   ? shmap_wait(st->sem, SHMAP_INFINITE)
		         : how == 1 ? shmap_wait_multiple(any, 2, 0,
		                                          SHMAP_INFINITE, &idx)
		                    : shmap_wait_multiple(all, 2, 1,
		                                          SHMAP_INFINITE, &idx);
		if (rc != 0 || (how == 1 && idx != 1)) {
			atomic_store(&st->bad, 1);
			return NULL;
		}
		/* One more than UNITS for each taker: the last ends it. */
		if (atomic_fetch_add(&st->taken, 1) >= UNITS)
			return NULL;
	}
}

static void stress_releases(void)
{
	struct stress st;
	memset(&st, 0, sizeof st);
	T_OK(shmap_sem_create(NULL, 0, 1000000, NULL, &st.sem));
	T_OK(shmap_event_create(NULL, 0, NULL, &st.never));
	T_OK(shmap_event_create(NULL, SHMAP_EVENT_MANUAL | SHMAP_EVENT_SET,
	                        NULL, &st.always));
	T_OK(shmap_sync_set_spin(st.sem, 0));
	void *args[TAKERS][2];
	pthread_t th[TAKERS];
	for (int i = 0; i < TAKERS; i++) {
		args[i][0] = &st;
		args[i][1] = (void *)(intptr_t)(i % 3);
		T_OK(pthread_create(&th[i], NULL, taker, args[i]));
	}
	unsigned seed = 1;
	int given = 0;
	while (given < UNITS + TAKERS) {
		seed = seed * 1103515245u + 12345u;
		int n = (seed >> 16) % 4 == 0 ? 1 + (int)((seed >> 20) % 3) : 1;
		if (n > UNITS + TAKERS - given)
			n = UNITS + TAKERS - given;
		T_OK(shmap_sem_release(st.sem, (uint32_t)n, NULL));
		given += n;
		if ((seed >> 24) % 8 == 0)
			sched_yield();
	}
	for (int i = 0; i < TAKERS; i++)
		T_OK(pthread_join(th[i], NULL));
	T_EQ(atomic_load(&st.bad), 0);
	T_EQ(atomic_load(&st.taken), UNITS + TAKERS);
	/* Every unit was taken once: none is left. */
	T_EQ(shmap_wait(st.sem, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(st.sem));
	T_OK(shmap_sync_close(st.never));
	T_OK(shmap_sync_close(st.always));
}

int main(void)
{
	t_setup();
	t_run("a semaphore release of one wakes one of N sleepers",
	      sem_release_one, 60);
	t_run("an auto-reset set wakes one of N sleepers", event_set_one, 60);
	t_run("a mutex release wakes one of N sleepers", mutex_release_one, 60);
	t_run("releases of one and of several against every kind of wait",
	      stress_releases, 120);
	return t_finish();
}
