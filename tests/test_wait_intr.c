/* SPDX-License-Identifier: MIT */
/* shmap_wait_ex's SHMAP_WAIT_INTR: a signal handler that runs while the
 * wait sleeps ends it with -EINTR; without the flag the wait goes on. */
#include <pthread.h>
#include <sys/syscall.h>

#include "harness.h"

static atomic_int g_handled;
static pid_t g_waiter;
static shmap_sync *g_set_after; /* set by the signaller after its signal */

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&g_handled, 1);
}

static void install(int restart)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = restart ? SA_RESTART : 0;
	T_OK(sigaction(SIGUSR1, &sa, NULL));
}

/* Signals the waiter thread once it sleeps; then, if asked, sets
 * g_set_after once it sleeps again. */
static void *signaller(void *arg)
{
	(void)arg;
	if (!t_asleep(g_waiter))
		return (void *)1;
	syscall(SYS_tgkill, getpid(), g_waiter, SIGUSR1);
	if (g_set_after) {
		while (!atomic_load(&g_handled))
			usleep(1000);
		if (!t_asleep(g_waiter))
			return (void *)1;
		shmap_event_set(g_set_after);
	}
	return NULL;
}

/* Waits on n fresh events with flags while a thread signals us. */
static int wait_signalled(unsigned n, unsigned flags, int set_after)
{
	shmap_sync *e[2];
	pthread_t t;
	void *trc;
	unsigned idx = 7;
	for (unsigned i = 0; i < n; i++)
		T_OK(shmap_event_create(NULL, 0, NULL, &e[i]));
	atomic_store(&g_handled, 0);
	g_waiter = (pid_t)syscall(SYS_gettid);
	g_set_after = set_after ? e[n - 1] : NULL;
	T_OK(pthread_create(&t, NULL, signaller, NULL));
	int rc = shmap_wait_ex(e, n, flags, 30000, &idx);
	T_OK(pthread_join(t, &trc));
	T_ASSERT(trc == NULL);
	T_EQ(atomic_load(&g_handled), 1);
	if (rc == -EINTR)
		T_EQ(idx, 7u); /* untouched */
	for (unsigned i = 0; i < n; i++)
		T_OK(shmap_sync_close(e[i]));
	return rc;
}

static void intr_one(void)
{
	install(0);
	T_EQ(wait_signalled(1, SHMAP_WAIT_INTR, 0), -EINTR);
}

/* A timed futex wait reports the handler even under SA_RESTART (and every
 * sleep of a wait is timed: it sleeps in slices). */
static void intr_one_restart(void)
{
	install(1);
	T_EQ(wait_signalled(1, SHMAP_WAIT_INTR, 0), -EINTR);
}

static void intr_two(void)
{
	install(0);
	T_EQ(wait_signalled(2, SHMAP_WAIT_INTR, 0), -EINTR);
	T_EQ(wait_signalled(2, SHMAP_WAIT_INTR | SHMAP_WAIT_ALL, 0), -EINTR);
}

/* Without the flag, the wait sleeps on and takes the set that follows. */
static void no_intr(void)
{
	install(0);
	T_OK(wait_signalled(1, 0, 1));
	T_OK(wait_signalled(2, 0, 1));
	install(1);
	T_OK(wait_signalled(1, 0, 1));
}

static void flags_checked(void)
{
	shmap_sync *e;
	unsigned idx = 5;
	T_OK(shmap_event_create(NULL, SHMAP_EVENT_SET, NULL, &e));
	T_EQ(shmap_wait_ex(&e, 1, 0x4u, 0, &idx), -EINVAL);
	T_EQ(shmap_wait_ex(NULL, 1, 0, 0, &idx), -EINVAL);
	T_EQ(idx, 5u);
	/* Signalled: taken, whatever the flags. */
	T_OK(shmap_wait_ex(&e, 1, SHMAP_WAIT_INTR | SHMAP_WAIT_ALL, 0, &idx));
	T_EQ(idx, 0u);
	T_EQ(shmap_wait_ex(&e, 1, SHMAP_WAIT_INTR, 0, NULL), -ETIMEDOUT);
	T_OK(shmap_sync_close(e));
}

static void kill_parent(int arg)
{
	(void)arg;
	if (t_asleep(getppid()))
		kill(getppid(), SIGUSR1);
}

/* A signal from another process, as Ctrl-C would come. */
static void intr_from_process(void)
{
	shmap_sync *s;
	install(0);
	atomic_store(&g_handled, 0);
	T_OK(shmap_sem_create(NULL, 0, 1, NULL, &s));
	pid_t pid = t_spawn(kill_parent, 0);
	T_EQ(shmap_wait_ex(&s, 1, SHMAP_WAIT_INTR, 30000, NULL), -EINTR);
	T_EQ(atomic_load(&g_handled), 1);
	t_reap(pid);
	/* It took nothing: a release of 1 is there for the next wait. */
	T_OK(shmap_sem_release(s, 1, NULL));
	T_OK(shmap_wait_ex(&s, 1, SHMAP_WAIT_INTR, 0, NULL));
	T_OK(shmap_sync_close(s));
}

int main(void)
{
	t_setup();
	t_run("SHMAP_WAIT_INTR, one object", intr_one, 60);
	t_run("SHMAP_WAIT_INTR, one object, SA_RESTART", intr_one_restart, 60);
	t_run("SHMAP_WAIT_INTR, two objects", intr_two, 60);
	t_run("without SHMAP_WAIT_INTR a wait goes on", no_intr, 60);
	t_run("flags", flags_checked, 30);
	t_run("a signal from another process", intr_from_process, 60);
	return t_finish();
}
