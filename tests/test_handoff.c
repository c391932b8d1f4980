/* SPDX-License-Identifier: MIT */
/*
 * Hand-off on release, as Windows does it: a mutex released, an auto-reset
 * event set or a semaphore released while another thread or process waits
 * goes to that waiter, never to the releaser's next wait or a later
 * arrival. Two processes (or threads) taking turns on one object alternate
 * strictly when each releases to a side asleep in its wait; the releaser's immediate re-wait does not steal; a waiter
 * handed the object and then killed, timed out, or satisfied by another
 * object of a wait-any passes it on; wait-all still works beside it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "harness.h"

#define NAME "Local\\test-handoff"
#define NAME2 "Local\\test-handoff-2"
#define ROUNDS 300
/* How long a waiter may take to get an object a dead waiter was handed. */
#define PROMPT 1.5

enum { MUTEX, SEM, EVENT };
static const char *const kind_names[] = {"mutex", "semaphore", "event"};

/* Memory every process forked from here shares. */
struct shared {
	_Atomic int last;   /* who had the object last */
	_Atomic int bad;    /* the first round a side found itself last, +1 */
	_Atomic int misses; /* rounds a side found itself last */
	_Atomic int waiting[2]; /* side 0 or 1 is in (or entering) its wait */
	_Atomic int done[2];    /* side 0 or 1 has taken all its turns */
	_Atomic int got[4]; /* results reported by children */
};
static struct shared *g_sh;

static void shared_new(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	T_ASSERT(p != MAP_FAILED);
	g_sh = p;
}

/* Creates the object of kind, held (mutex owned by the calling thread,
 * semaphore at 0 of 1, auto-reset event not set). */
static shmap_sync *create_held(int kind, const char *name)
{
	shmap_sync *s;
	if (kind == MUTEX)
		T_OK(shmap_mutex_create(name, 1, NULL, &s));
	else if (kind == SEM)
		T_OK(shmap_sem_create(name, 0, 1, NULL, &s));
	else
		T_OK(shmap_event_create(name, 0, NULL, &s));
	T_EQ(shmap_sync_existed(s), 0);
	return s;
}

static shmap_sync *open_kind(int kind, const char *name)
{
	shmap_sync *s;
	if (kind == MUTEX)
		T_OK(shmap_mutex_open(name, 0, &s));
	else if (kind == SEM)
		T_OK(shmap_sem_open(name, 0, &s));
	else
		T_OK(shmap_event_open(name, 0, &s));
	return s;
}

/* Gives the object up: release, release one unit, or set. */
static void unlock(int kind, shmap_sync *s)
{
	if (kind == MUTEX)
		T_OK(shmap_mutex_release(s));
	else if (kind == SEM)
		T_OK(shmap_sem_release(s, 1, NULL));
	else
		T_OK(shmap_event_set(s));
}

/* Waits until the thread or process tid sleeps inside its wait. */
static void until_asleep(pid_t tid)
{
	T_ASSERT(t_asleep(tid));
}

/* ---- strict alternation ---- */

/* Until side `who` (thread tid) is asleep in its wait, or done. The
 * hand-off is then certain: the object must go to it, not to our next
 * wait. How soon it gets there is the scheduler's business, so the test
 * waits for it rather than racing it (without the wait, a side kept off
 * the CPU misses the hand-off, on Windows too). */
static int peer_waiting(int who, pid_t tid)
{
	for (int i = 0; i < 20000; i++) {
		if (atomic_load(&g_sh->done[who]))
			return 1;
		if (atomic_load(&g_sh->waiting[who]) && t_sleeping(tid)) {
			usleep(200);
			if (atomic_load(&g_sh->waiting[who]) && t_sleeping(tid))
				return 1;
		}
		usleep(200);
	}
	return 0;
}

/* One side's rounds: take the object, find the other side's mark, leave
 * ours, and give the object up once the other side sleeps in its wait. */
static int alternate_side(int kind, shmap_sync *s, int me, int rounds,
                          pid_t peer)
{
	for (int i = 0; i < rounds; i++) {
		atomic_store(&g_sh->waiting[me], 1);
		int rc = shmap_wait(s, 10000);
		atomic_store(&g_sh->waiting[me], 0);
		if (rc)
			return rc;
		if (atomic_load(&g_sh->last) == me) {
			atomic_fetch_add(&g_sh->misses, 1);
			if (!atomic_load(&g_sh->bad))
				atomic_store(&g_sh->bad, i + 1);
		}
		atomic_store(&g_sh->last, me);
		if (!peer_waiting(!me, peer))
			return -ETIMEDOUT;
		unlock(kind, s);
	}
	atomic_store(&g_sh->done[me], 1);
	return 0;
}

/* Every take must follow the other side's. */
static void alternation_verdict(const char *what)
{
	if (atomic_load(&g_sh->misses))
		T_FAIL("%s: %d of %d takes followed the same side's, the "
		       "first in round %d",
		       what, atomic_load(&g_sh->misses), 2 * ROUNDS,
		       atomic_load(&g_sh->bad));
}

static void alternate_child(int kind)
{
	shmap_sync *s = open_kind(kind, NAME);
	T_OK(alternate_side(kind, s, 1, ROUNDS, getppid()));
	T_OK(shmap_sync_close(s));
}

static void alternate_procs(int kind)
{
	shared_new();
	shmap_sync *s = create_held(kind, NAME);
	atomic_store(&g_sh->last, 0);
	pid_t pid = t_spawn(alternate_child, kind);
	until_asleep(pid);
	unlock(kind, s);
	T_OK(alternate_side(kind, s, 0, ROUNDS, pid));
	t_reap(pid);
	alternation_verdict(kind_names[kind]);
	T_OK(shmap_sync_close(s));
}

static void mutex_procs(void)
{
	alternate_procs(MUTEX);
}

static void sem_procs(void)
{
	alternate_procs(SEM);
}

static void event_procs(void)
{
	alternate_procs(EVENT);
}

struct side {
	shmap_sync *s;
	int kind, rc;
	_Atomic pid_t tid;
	pid_t main_tid;
};

static void *alternate_thread(void *arg)
{
	struct side *sd = arg;
	atomic_store(&sd->tid, (pid_t)syscall(SYS_gettid));
	sd->rc = alternate_side(sd->kind, sd->s, 1, ROUNDS, sd->main_tid);
	return NULL;
}

static void mutex_threads(void)
{
	shared_new();
	shmap_sync *s = create_held(MUTEX, NAME);
	struct side sd = {s, MUTEX, -1, 0, (pid_t)syscall(SYS_gettid)};
	pthread_t th;
	T_OK(pthread_create(&th, NULL, alternate_thread, &sd));
	while (!atomic_load(&sd.tid))
		usleep(1000);
	until_asleep(atomic_load(&sd.tid));
	unlock(MUTEX, s);
	T_OK(alternate_side(MUTEX, s, 0, ROUNDS, atomic_load(&sd.tid)));
	T_OK(pthread_join(th, NULL));
	T_OK(sd.rc);
	alternation_verdict("mutex, threads");
	T_OK(shmap_sync_close(s));
}

/* ---- the releaser's next wait does not steal ---- */

/* Waits on NAME for up to 10 s, reports the result in got[slot] (+1000
 * while waiting), and gives the object back. */
static void report_child(int arg)
{
	int kind = arg & 0xff, slot = arg >> 8;
	shmap_sync *s = open_kind(kind, NAME);
	atomic_store(&g_sh->got[slot], 1000);
	int rc = shmap_wait(s, 10000);
	atomic_store(&g_sh->got[slot], rc);
	if (rc == 0 && kind == MUTEX)
		unlock(kind, s);
	T_OK(shmap_sync_close(s));
}

static pid_t start_reporter(int kind, int slot)
{
	atomic_store(&g_sh->got[slot], -1);
	pid_t pid = t_spawn(report_child, kind | slot << 8);
	until_asleep(pid);
	T_EQ(atomic_load(&g_sh->got[slot]), 1000);
	return pid;
}

static void no_steal(int kind)
{
	shared_new();
	shmap_sync *s = create_held(kind, NAME);
	pid_t pid = start_reporter(kind, 0);
	unlock(kind, s);
	/* The waiter was handed it: our own wait right after finds it
	 * taken. */
	T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	t_reap(pid);
	T_EQ(atomic_load(&g_sh->got[0]), 0);
	/* Nothing more: the waiter took the one release. */
	if (kind != MUTEX)
		T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(s));
}

static void mutex_no_steal(void)
{
	no_steal(MUTEX);
}

static void sem_no_steal(void)
{
	no_steal(SEM);
}

static void event_no_steal(void)
{
	no_steal(EVENT);
}

/* A semaphore released by 2 with one waiter: one unit to the waiter, one
 * left in the count (previous count 0). */
static void sem_release_more_than_waiters(void)
{
	shared_new();
	shmap_sync *s;
	uint32_t prev = 9;
	T_OK(shmap_sem_create(NAME, 0, 3, NULL, &s));
	pid_t pid = start_reporter(SEM, 0);
	T_OK(shmap_sem_release(s, 2, &prev));
	T_EQ(prev, 0);
	T_OK(shmap_wait(s, 0));
	T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	t_reap(pid);
	T_EQ(atomic_load(&g_sh->got[0]), 0);
	/* The count is 0 again: 3 more fit, 4 do not. */
	T_EQ(shmap_sem_release(s, 4, NULL), -EOVERFLOW);
	T_OK(shmap_sem_release(s, 3, &prev));
	T_EQ(prev, 0);
	T_OK(shmap_sync_close(s));
}

/* ---- a waiter handed the object is killed ---- */

/* Waiters A (listed first) and B sleep; A is killed; the release goes to
 * B, or to A and on to B once A is found dead, promptly either way. */
static void killed_waiter(int kind)
{
	shared_new();
	shmap_sync *s = create_held(kind, NAME);
	pid_t a = start_reporter(kind, 0);
	pid_t b = start_reporter(kind, 1);
	t_kill_reap(a);
	double t0 = t_now();
	unlock(kind, s);
	t_reap(b);
	T_EQ(atomic_load(&g_sh->got[1]), 0);
	T_ASSERT(t_now() - t0 < PROMPT);
	/* A mutex came back free from B; nothing else is left over. */
	if (kind == MUTEX) {
		T_OK(shmap_wait(s, 0));
		unlock(kind, s);
	} else {
		T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	}
	T_OK(shmap_sync_close(s));
}

static void mutex_killed_waiter(void)
{
	killed_waiter(MUTEX);
}

static void sem_killed_waiter(void)
{
	killed_waiter(SEM);
}

static void event_killed_waiter(void)
{
	killed_waiter(EVENT);
}

/* The only waiter is killed: whatever it was handed is not lost, the
 * next wait gets it promptly (a mutex not as abandoned). */
static void killed_lone_waiter(int kind)
{
	shared_new();
	shmap_sync *s = create_held(kind, NAME);
	pid_t a = start_reporter(kind, 0);
	t_kill_reap(a);
	unlock(kind, s);
	double t0 = t_now();
	T_OK(shmap_wait(s, 5000));
	T_ASSERT(t_now() - t0 < PROMPT);
	if (kind == MUTEX)
		unlock(kind, s);
	/* And only once. */
	T_EQ(shmap_wait(s, kind == MUTEX ? 0 : 100),
	     kind == MUTEX ? 0 : -ETIMEDOUT);
	if (kind == MUTEX)
		unlock(kind, s);
	T_OK(shmap_sync_close(s));
}

static void mutex_killed_lone_waiter(void)
{
	killed_lone_waiter(MUTEX);
}

static void sem_killed_lone_waiter(void)
{
	killed_lone_waiter(SEM);
}

static void event_killed_lone_waiter(void)
{
	killed_lone_waiter(EVENT);
}

/* A poll (no waiter itself) also finds what a dead waiter was handed. */
static void mutex_killed_waiter_poll(void)
{
	shared_new();
	shmap_sync *s = create_held(MUTEX, NAME);
	pid_t a = start_reporter(MUTEX, 0);
	t_kill_reap(a);
	unlock(MUTEX, s);
	T_OK(shmap_wait(s, 0));
	unlock(MUTEX, s);
	T_OK(shmap_sync_close(s));
}

/* ---- a waiter timing out right at the hand-off ---- */

struct racer {
	shmap_sync *s;
	int kind, timeout_ms, rc;
	pthread_barrier_t *go;
};

static void *timed_waiter(void *arg)
{
	struct racer *r = arg;
	pthread_barrier_wait(r->go);
	r->rc = shmap_wait(r->s, r->timeout_ms);
	if (r->rc == 0 && r->kind == MUTEX)
		T_OK(shmap_mutex_release(r->s));
	return NULL;
}

/* A thread waits 2 ms while we release at about that moment: it takes the
 * object or times out, and either way the object is not lost: when it did
 * not take it, the release is ours to take at once, and only once. */
static void timeout_at_handoff(int kind)
{
	shmap_sync *s = create_held(kind, NAME);
	pthread_barrier_t go;
	int took = 0, missed = 0;
	T_OK(pthread_barrier_init(&go, NULL, 2));
	for (int i = 0; i < 200; i++) {
		struct racer r = {s, kind, 2, -1, &go};
		pthread_t th;
		T_OK(pthread_create(&th, NULL, timed_waiter, &r));
		pthread_barrier_wait(&go);
		/* 1.5 to 2.5 ms: around the waiter's deadline. */
		struct timespec d = {0, 1500000 + (i % 11) * 100000};
		nanosleep(&d, NULL);
		unlock(kind, s);
		T_OK(pthread_join(th, NULL));
		T_ASSERT(r.rc == 0 || r.rc == -ETIMEDOUT);
		if (r.rc == 0)
			took++;
		else
			missed++;
		/* Held by us again: the mutex the waiter gave back, or what
		 * it did not take. */
		if (kind == MUTEX || r.rc != 0) {
			double t0 = t_now();
			T_OK(shmap_wait(s, 5000));
			T_ASSERT(t_now() - t0 < PROMPT);
		}
		if (kind != MUTEX)
			T_EQ(shmap_wait(s, 0), -ETIMEDOUT);
	}
	fprintf(stderr, "  %s: the waiter took it %d times, timed out %d\n",
	        kind_names[kind], took, missed);
	T_OK(pthread_barrier_destroy(&go));
	if (kind == MUTEX)
		unlock(kind, s);
	T_OK(shmap_sync_close(s));
}

static void mutex_timeout_at_handoff(void)
{
	timeout_at_handoff(MUTEX);
}

static void sem_timeout_at_handoff(void)
{
	timeout_at_handoff(SEM);
}

static void event_timeout_at_handoff(void)
{
	timeout_at_handoff(EVENT);
}

/* ---- wait-any and wait-all ---- */

/* Waits on {NAME2 event, NAME mutex} in the order arg says, reports the
 * result in got[0] and the index in got[1], releases the mutex if it took
 * it. */
static void wait_any_child(int mutex_first)
{
	shmap_sync *o[2];
	unsigned idx = 9;
	T_OK(shmap_mutex_open(NAME, 0, &o[mutex_first ? 0 : 1]));
	T_OK(shmap_event_open(NAME2, 0, &o[mutex_first ? 1 : 0]));
	atomic_store(&g_sh->got[0], 1000);
	int rc = shmap_wait_multiple(o, 2, 0, 10000, &idx);
	atomic_store(&g_sh->got[1], (int)idx);
	atomic_store(&g_sh->got[0], rc);
	if (rc == 0 && idx == (mutex_first ? 0u : 1u))
		T_OK(shmap_mutex_release(o[idx]));
	T_OK(shmap_sync_close(o[0]));
	T_OK(shmap_sync_close(o[1]));
}

/* A wait-any with the mutex among others is handed the mutex. */
static void wait_any_handed(void)
{
	shared_new();
	shmap_sync *m = create_held(MUTEX, NAME), *e;
	T_OK(shmap_event_create(NAME2, 0, NULL, &e));
	atomic_store(&g_sh->got[0], -1);
	pid_t pid = t_spawn(wait_any_child, 0);
	until_asleep(pid);
	T_OK(shmap_mutex_release(m));
	T_EQ(shmap_wait(m, 0), -ETIMEDOUT);
	t_reap(pid);
	T_EQ(atomic_load(&g_sh->got[0]), 0);
	T_EQ(atomic_load(&g_sh->got[1]), 1);
	T_OK(shmap_sync_close(e));
	T_OK(shmap_sync_close(m));
}

/* A wait-any waits on an event (lower index) and the mutex, and both come
 * at once: it takes one (the mutex, if it was handed to it first), and the
 * other is not lost: the mutex reaches the single waiter behind it or is
 * free, the event stays set. */
static void wait_any_passes_on(void)
{
	shared_new();
	for (int with_waiter = 0; with_waiter < 2; with_waiter++) {
		shmap_sync *m = create_held(MUTEX, NAME), *e;
		T_OK(shmap_event_create(NAME2, 0, NULL, &e));
		atomic_store(&g_sh->got[0], -1);
		pid_t pid = t_spawn(wait_any_child, 0);
		until_asleep(pid);
		pid_t other = with_waiter ? start_reporter(MUTEX, 2) : 0;
		/* Both at once: whichever the wait-any takes, nothing is
		 * lost. */
		T_OK(shmap_event_set(e));
		T_OK(shmap_mutex_release(m));
		t_reap(pid);
		T_EQ(atomic_load(&g_sh->got[0]), 0);
		int idx = atomic_load(&g_sh->got[1]);
		T_ASSERT(idx == 0 || idx == 1);
		if (other) {
			/* The mutex reached the other waiter, promptly. */
			t_reap(other);
			T_EQ(atomic_load(&g_sh->got[2]), 0);
		}
		double t0 = t_now();
		T_OK(shmap_wait(m, 5000));
		T_ASSERT(t_now() - t0 < PROMPT);
		T_OK(shmap_mutex_release(m));
		/* The event was taken only if the wait-any took it. */
		T_EQ(shmap_wait(e, 0), idx == 0 ? -ETIMEDOUT : 0);
		T_OK(shmap_sync_close(e));
		T_OK(shmap_sync_close(m));
	}
}

/* Waits for {NAME mutex, NAME2 event} all at once, reports in got[3]. */
static void wait_all_child(int unused)
{
	(void)unused;
	shmap_sync *o[2];
	unsigned idx = 9;
	T_OK(shmap_mutex_open(NAME, 0, &o[0]));
	T_OK(shmap_event_open(NAME2, 0, &o[1]));
	atomic_store(&g_sh->got[3], 1000);
	int rc = shmap_wait_multiple(o, 2, 1, 10000, &idx);
	atomic_store(&g_sh->got[3], rc);
	if (rc == 0)
		T_OK(shmap_mutex_release(o[0]));
	T_OK(shmap_sync_close(o[0]));
	T_OK(shmap_sync_close(o[1]));
}

/* A wait-all is not handed a mutex it cannot take with the rest: the
 * single waiter gets it; once it is free and the event set, the wait-all
 * takes both. */
static void wait_all_beside(void)
{
	shared_new();
	shmap_sync *m = create_held(MUTEX, NAME), *e;
	T_OK(shmap_event_create(NAME2, 0, NULL, &e));
	atomic_store(&g_sh->got[3], -1);
	pid_t all = t_spawn(wait_all_child, 0);
	until_asleep(all);
	pid_t one = start_reporter(MUTEX, 0);
	T_OK(shmap_mutex_release(m));
	t_reap(one);
	T_EQ(atomic_load(&g_sh->got[0]), 0);
	T_EQ(atomic_load(&g_sh->got[3]), 1000);
	T_OK(shmap_event_set(e));
	t_reap(all);
	T_EQ(atomic_load(&g_sh->got[3]), 0);
	T_EQ(shmap_wait(e, 0), -ETIMEDOUT);
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(e));
	T_OK(shmap_sync_close(m));
}

/* ---- many waiters, a full table ---- */

static void crowd_child(int unused)
{
	(void)unused;
	shmap_sync *s = open_kind(MUTEX, NAME);
	for (int k = 0; k < 20; k++) {
		T_OK(shmap_wait(s, 20000));
		atomic_fetch_add(&g_sh->got[0], 1);
		T_OK(shmap_mutex_release(s));
	}
	T_OK(shmap_sync_close(s));
}

/* More waiters than the table has places, some killed: every live one
 * gets through. */
static void crowd(void)
{
	shared_new();
	enum { N = 30 };
	pid_t pids[N];
	shmap_sync *s = create_held(MUTEX, NAME);
	atomic_store(&g_sh->got[0], 0);
	for (int i = 0; i < N; i++)
		pids[i] = t_spawn(crowd_child, i);
	usleep(200000);
	for (int i = 0; i < N; i += 7)
		t_kill_reap(pids[i]);
	T_OK(shmap_mutex_release(s));
	for (int i = 0; i < N; i++)
		if (i % 7)
			t_reap(pids[i]);
	T_ASSERT(atomic_load(&g_sh->got[0]) >= (N - 5) * 20);
	T_OK(shmap_wait(s, 5000));
	T_OK(shmap_mutex_release(s));
	T_OK(shmap_sync_close(s));
}

int main(void)
{
	t_setup();
	t_run("two processes alternate on a mutex", mutex_procs, 60);
	t_run("two threads alternate on a mutex", mutex_threads, 60);
	t_run("two processes alternate on a semaphore", sem_procs, 60);
	t_run("two processes alternate on an auto-reset event", event_procs,
	      60);
	t_run("mutex: the releaser's next wait does not steal", mutex_no_steal,
	      30);
	t_run("semaphore: the releaser's next wait does not steal",
	      sem_no_steal, 30);
	t_run("event: the setter's next wait does not steal", event_no_steal,
	      30);
	t_run("semaphore released past its waiters keeps the rest",
	      sem_release_more_than_waiters, 30);
	t_run("mutex: a waiter killed asleep, the other gets it",
	      mutex_killed_waiter, 30);
	t_run("semaphore: a waiter killed asleep, the other gets it",
	      sem_killed_waiter, 30);
	t_run("event: a waiter killed asleep, the other gets it",
	      event_killed_waiter, 30);
	t_run("mutex: the only waiter killed, the next wait gets it",
	      mutex_killed_lone_waiter, 30);
	t_run("semaphore: the only waiter killed, the next wait gets it",
	      sem_killed_lone_waiter, 30);
	t_run("event: the only waiter killed, the next wait gets it",
	      event_killed_lone_waiter, 30);
	t_run("mutex: the only waiter killed, a poll gets it",
	      mutex_killed_waiter_poll, 30);
	t_run("mutex: a waiter timing out at the hand-off",
	      mutex_timeout_at_handoff, 60);
	t_run("semaphore: a waiter timing out at the hand-off",
	      sem_timeout_at_handoff, 60);
	t_run("event: a waiter timing out at the hand-off",
	      event_timeout_at_handoff, 60);
	t_run("wait-any is handed the mutex", wait_any_handed, 30);
	t_run("wait-any handed the mutex while another object is set",
	      wait_any_passes_on, 30);
	t_run("wait-all beside a hand-off", wait_all_beside, 30);
	t_run("more waiters than places, some killed", crowd, 120);
	return t_finish();
}
