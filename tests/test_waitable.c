/* SPDX-License-Identifier: MIT */
/* A kind of waitable object from outside sync.c (wait.h): a level-triggered
 * one, signalled while a flag is set, whose wait takes nothing. */
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>

#include "harness.h"
#include "futex.h"
#include "wait.h"

#define NAME "shmap-test-waitable"

/* What another module keeps in its shared memory. */
struct lvl {
	_Atomic uint32_t word;
	_Atomic uint32_t flag;
	_Atomic uint64_t slots[2];
};

static int lvl_take(void *ctx, struct shmap__wseen *ps, int check_dead)
{
	(void)ps, (void)check_dead;
	return atomic_load(&((struct lvl *)ctx)->flag) ? SHMAP__W_TAKEN
	                                               : SHMAP__W_BUSY;
}

static _Atomic uint32_t *lvl_word(void *ctx)
{
	return &((struct lvl *)ctx)->word;
}

static _Atomic uint64_t *lvl_slots(void *ctx, unsigned *n)
{
	*n = 2;
	return ((struct lvl *)ctx)->slots;
}

static const struct shmap__waitops lvl_ops = {
        .flags = SHMAP__WK_LEVEL,
        .word = lvl_word,
        .take = lvl_take,
        .listeners = lvl_slots,
};

static void lvl_set(struct lvl *l, uint32_t v)
{
	atomic_store(&l->flag, v); /* seq_cst, as wait.h asks */
	shmap__wait_wake(&l->word);
	if (v)
		shmap__pollfd_notify(l->slots, 2);
}

static int readable(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void level_waits(void)
{
	struct lvl l;
	memset(&l, 0, sizeof l);
	shmap_sync *w, *e;
	T_OK(shmap__waitable_new(&lvl_ops, &l, &w));
	T_EQ(shmap_wait(w, 0), -ETIMEDOUT);
	T_EQ(shmap_wait(w, 20), -ETIMEDOUT);
	lvl_set(&l, 1);
	/* A wait takes nothing: it stays signalled. */
	T_OK(shmap_wait(w, 0));
	T_OK(shmap_wait(w, SHMAP_INFINITE));
	/* Wait-any and wait-all with an auto-reset event. */
	T_OK(shmap_event_create(NULL, 0, NULL, &e));
	shmap_sync *o[2] = {e, w};
	unsigned idx = 9;
	T_OK(shmap_wait_multiple(o, 2, 0, 0, &idx));
	T_EQ(idx, 1u);
	T_EQ(shmap_wait_multiple(o, 2, 1, 0, &idx), -ETIMEDOUT);
	T_OK(shmap_event_set(e));
	T_OK(shmap_wait_multiple(o, 2, 1, 0, &idx));
	/* The event was taken, the level object was not. */
	T_EQ(shmap_wait(e, 0), -ETIMEDOUT);
	T_OK(shmap_wait(w, 0));
	lvl_set(&l, 0);
	T_OK(shmap_event_set(e));
	T_EQ(shmap_wait_multiple(o, 2, 1, 0, &idx), -ETIMEDOUT);
	T_OK(shmap_wait(e, 0)); /* the failed wait-all took nothing */
	/* Twice in one wait-all. */
	shmap_sync *twice[2] = {w, w};
	T_EQ(shmap_wait_multiple(twice, 2, 1, 0, &idx), -EINVAL);
	T_EQ(shmap_sync_close(w), -EINVAL); /* its module frees it */
	T_OK(shmap_sync_close(e));
	shmap__waitable_free(w);
}

static struct lvl g_l;
static _Atomic int g_tid;

static void *sleeper(void *arg)
{
	shmap_sync *w = arg;
	atomic_store(&g_tid, (int)syscall(SYS_gettid));
	return (void *)(intptr_t)shmap_wait(w, 20000);
}

/* A sleeper is woken by the signal, as a sleeper on an event is. */
static void level_wakes_sleeper(void)
{
	shmap_sync *w;
	pthread_t t;
	void *rc;
	T_OK(shmap__waitable_new(&lvl_ops, &g_l, &w));
	T_OK(pthread_create(&t, NULL, sleeper, w));
	while (!atomic_load(&g_tid))
		usleep(1000);
	T_ASSERT(t_asleep(atomic_load(&g_tid)));
	lvl_set(&g_l, 1);
	T_OK(pthread_join(t, &rc));
	T_EQ((int)(intptr_t)rc, 0);
	shmap__waitable_free(w);
}

/* The descriptor is readable while the object is signalled. */
static void level_fd(void)
{
	struct lvl l;
	memset(&l, 0, sizeof l);
	shmap_sync *w;
	int fd, fd2;
	T_OK(shmap__waitable_new(&lvl_ops, &l, &w));
	T_OK(shmap__waitable_fd(w, &fd));
	T_OK(shmap__waitable_fd(w, &fd2));
	T_EQ(fd, fd2);
	T_ASSERT(!readable(fd));
	lvl_set(&l, 1);
	T_ASSERT(readable(fd));
	T_OK(shmap_wait(w, 0)); /* drains, and finds it still signalled */
	T_ASSERT(readable(fd));
	lvl_set(&l, 0);
	T_EQ(shmap_wait(w, 0), -ETIMEDOUT);
	T_ASSERT(!readable(fd));
	shmap__waitable_free(w);
	/* Signalled before the descriptor was asked for. */
	lvl_set(&l, 1);
	T_OK(shmap__waitable_new(&lvl_ops, &l, &w));
	T_OK(shmap__waitable_fd(w, &fd));
	T_ASSERT(readable(fd));
	shmap__waitable_free(w);
	T_EQ(l.slots[0] | l.slots[1], 0u);
}

int main(void)
{
	t_setup();
	t_run("a level kind's waits", level_waits, 30);
	t_run("a level kind wakes its sleeper", level_wakes_sleeper, 30);
	t_run("a level kind's descriptor", level_fd, 30);
	return t_finish();
}
