/* SPDX-License-Identifier: MIT */
/*
 * A channel's waitable and descriptor (shmap_chan_waitable, shmap_chan_fd):
 * in waits beside events, mutexes and semaphores, any and all, with
 * messages sent by other processes; epoll on the descriptor; a broadcast
 * reader's own view.
 */
#include <stdint.h>
#include <sys/epoll.h>

#include "harness.h"

#define NAME "Local\\test-chan-wait"
#define EV1 "Local\\test-chan-wait-e1"
#define EV2 "Local\\test-chan-wait-e2"
#define GO "Local\\test-chan-wait-go"

static const unsigned shapes[] = {SHMAP_CHAN_SPSC, SHMAP_CHAN_MPMC,
                                  SHMAP_CHAN_BROADCAST};

static shmap_chan *mk(unsigned shape, unsigned flags)
{
	shmap_chan_config cfg = {shape, 8, 16, 0};
	shmap_chan *c;
	T_OK(shmap_chan_create(NAME, &cfg, flags, NULL, &c));
	return c;
}

static shmap_sync *ev(const char *name)
{
	shmap_sync *e;
	T_OK(shmap_event_create(name, 0, NULL, &e));
	return e;
}

static void send_u64(shmap_chan *c, uint64_t v)
{
	T_OK(shmap_chan_send(c, &v, sizeof v, 10000));
}

static uint64_t recv_u64(shmap_chan *c)
{
	uint64_t v;
	size_t len;
	T_OK(shmap_chan_recv(c, &v, sizeof v, 0, &len));
	T_EQ(len, sizeof v);
	return v;
}

/* ---- the calls ---- */

static void calls(void)
{
	shmap_chan *s = mk(SHMAP_CHAN_MPMC, SHMAP_CHAN_SEND);
	shmap_chan *r;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &r));
	shmap_sync *w, *w2;
	int fd;
	T_EQ(shmap_chan_waitable(s, &w), -EPERM);
	T_EQ(shmap_chan_fd(s, &fd), -EPERM);
	T_EQ(shmap_chan_waitable(NULL, &w), -EINVAL);
	T_EQ(shmap_chan_waitable(r, NULL), -EINVAL);
	T_EQ(shmap_chan_fd(r, NULL), -EINVAL);
	T_OK(shmap_chan_waitable(r, &w));
	T_OK(shmap_chan_waitable(r, &w2));
	T_ASSERT(w == w2);
	T_EQ(shmap_wait(w, 0), -ETIMEDOUT);
	send_u64(s, 7);
	/* Level: a wait takes nothing. */
	T_OK(shmap_wait(w, 0));
	T_OK(shmap_wait(w, 0));
	T_EQ(recv_u64(r), 7u);
	T_EQ(shmap_wait(w, 0), -ETIMEDOUT);
	/* Owned by the channel. */
	T_EQ(shmap_sync_close(w), -EINVAL);
	/* With a mutex and a semaphore, all at once: both taken, the
	 * channel's message left. */
	shmap_sync *m, *sem;
	T_OK(shmap_mutex_create(NULL, 0, NULL, &m));
	T_OK(shmap_sem_create(NULL, 1, 1, NULL, &sem));
	shmap_sync *o[3] = {m, sem, w};
	unsigned idx;
	T_EQ(shmap_wait_ex(o, 3, SHMAP_WAIT_ALL, 0, &idx), -ETIMEDOUT);
	send_u64(s, 8);
	T_OK(shmap_wait_ex(o, 3, SHMAP_WAIT_ALL, 0, &idx));
	T_EQ(shmap_wait(sem, 0), -ETIMEDOUT); /* taken */
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_wait(w, 0));
	T_EQ(recv_u64(r), 8u);
	T_OK(shmap_sync_close(m));
	T_OK(shmap_sync_close(sem));
	T_OK(shmap_chan_close(r));
	T_OK(shmap_chan_close(s));
}

/* ---- wait-any: each of three objects in turn ---- */

/* Sets EV1, sends a message, sets EV2: one at a time, each after GO. */
static void any_child(int n)
{
	(void)n;
	shmap_chan *c;
	shmap_sync *e1, *e2, *go;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &c));
	T_OK(shmap_event_open(EV1, 0, &e1));
	T_OK(shmap_event_open(EV2, 0, &e2));
	T_OK(shmap_event_open(GO, 0, &go));
	T_OK(shmap_wait(go, 10000));
	T_OK(shmap_event_set(e1));
	T_OK(shmap_wait(go, 10000));
	send_u64(c, 42);
	T_OK(shmap_wait(go, 10000));
	T_OK(shmap_event_set(e2));
	shmap_sync_close(e1);
	shmap_sync_close(e2);
	shmap_sync_close(go);
	shmap_chan_close(c);
}

static void wait_any(void)
{
	for (int k = 0; k < 3; k++) {
		shmap_chan *c = mk(shapes[k], SHMAP_CHAN_RECV);
		shmap_sync *e1 = ev(EV1), *e2 = ev(EV2), *go = ev(GO), *w;
		T_OK(shmap_chan_waitable(c, &w));
		shmap_sync *o[3] = {e1, w, e2};
		pid_t p = t_spawn(any_child, 0);
		for (unsigned i = 0; i < 3; i++) {
			unsigned idx = 99;
			T_EQ(shmap_wait_multiple(o, 3, 0, 0, &idx), -ETIMEDOUT);
			T_OK(shmap_event_set(go));
			T_OK(shmap_wait_multiple(o, 3, 0, 20000, &idx));
			T_EQ(idx, i);
			if (i == 1) {
				/* Still there until received. */
				T_OK(shmap_wait_ex(o, 3, 0, 0, &idx));
				T_EQ(idx, 1u);
				T_EQ(recv_u64(c), 42u);
			}
		}
		unsigned idx;
		T_EQ(shmap_wait_multiple(o, 3, 0, 0, &idx), -ETIMEDOUT);
		t_reap(p);
		shmap_sync_close(e1);
		shmap_sync_close(e2);
		shmap_sync_close(go);
		T_OK(shmap_chan_close(c));
	}
}

/* ---- wait-all: channel and event ---- */

/* Sends a message; after GO, sets EV1. */
static void all_child(int n)
{
	(void)n;
	shmap_chan *c;
	shmap_sync *e1, *go;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &c));
	T_OK(shmap_event_open(EV1, 0, &e1));
	T_OK(shmap_event_open(GO, 0, &go));
	send_u64(c, 5);
	T_OK(shmap_wait(go, 10000));
	T_OK(shmap_event_set(e1));
	shmap_sync_close(e1);
	shmap_sync_close(go);
	shmap_chan_close(c);
}

static void wait_all(void)
{
	for (int k = 0; k < 3; k++) {
		shmap_chan *c = mk(shapes[k], SHMAP_CHAN_RECV);
		shmap_sync *e1 = ev(EV1), *go = ev(GO), *w;
		T_OK(shmap_chan_waitable(c, &w));
		shmap_sync *o[2] = {w, e1};
		unsigned idx;
		/* The event alone: nothing taken. */
		T_OK(shmap_event_set(e1));
		T_EQ(shmap_wait_multiple(o, 2, 1, 0, &idx), -ETIMEDOUT);
		T_OK(shmap_wait(e1, 0));
		pid_t p = t_spawn(all_child, 0);
		T_OK(shmap_wait(w, 20000));
		/* The message alone. */
		T_EQ(shmap_wait_multiple(o, 2, 1, 0, &idx), -ETIMEDOUT);
		T_OK(shmap_event_set(go));
		T_OK(shmap_wait_ex(o, 2, SHMAP_WAIT_ALL, 20000, &idx));
		T_EQ(shmap_wait(e1, 0), -ETIMEDOUT); /* the event was taken */
		T_OK(shmap_wait(w, 0));              /* the message was not */
		T_EQ(recv_u64(c), 5u);
		T_EQ(shmap_wait(w, 0), -ETIMEDOUT);
		t_reap(p);
		shmap_sync_close(e1);
		shmap_sync_close(go);
		T_OK(shmap_chan_close(c));
	}
}

/* ---- the descriptor under epoll ---- */

/* Sends n messages after each GO. */
static void fd_child(int n)
{
	shmap_chan *c;
	shmap_sync *go;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &c));
	T_OK(shmap_event_open(GO, 0, &go));
	for (int round = 1; round <= 2; round++) {
		T_OK(shmap_wait(go, 10000));
		for (int i = 0; i < n * round; i++)
			send_u64(c, (uint64_t)i);
	}
	shmap_sync_close(go);
	shmap_chan_close(c);
}

static int ready(int ep, int timeout_ms)
{
	struct epoll_event got;
	int n = epoll_wait(ep, &got, 1, timeout_ms);
	T_ASSERT(n >= 0);
	return n == 1 && (got.events & EPOLLIN);
}

static void epoll_fd(void)
{
	for (int k = 0; k < 3; k++) {
		shmap_chan *c = mk(shapes[k], SHMAP_CHAN_RECV);
		shmap_sync *go = ev(GO);
		int fd, fd2;
		T_OK(shmap_chan_fd(c, &fd));
		T_OK(shmap_chan_fd(c, &fd2));
		T_EQ(fd, fd2);
		int ep = epoll_create1(EPOLL_CLOEXEC);
		T_ASSERT(ep >= 0);
		struct epoll_event want = {.events = EPOLLIN};
		T_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &want));
		T_ASSERT(!ready(ep, 0));
		pid_t p = t_spawn(fd_child, 1);
		T_OK(shmap_event_set(go));
		T_ASSERT(ready(ep, 20000));
		T_EQ(recv_u64(c), 0u);
		T_ASSERT(!ready(ep, 0));
		/* Two: readable until the last is received. */
		T_OK(shmap_event_set(go));
		t_reap(p); /* both sent */
		T_ASSERT(ready(ep, 0));
		T_EQ(recv_u64(c), 0u);
		T_ASSERT(ready(ep, 0));
		T_EQ(recv_u64(c), 1u);
		T_ASSERT(!ready(ep, 0));
		close(ep);
		shmap_sync_close(go);
		T_OK(shmap_chan_close(c));
	}
}

/* A descriptor asked for with a message waiting is readable at once. */
static void fd_late(void)
{
	shmap_chan *c = mk(SHMAP_CHAN_SPSC, SHMAP_CHAN_SEND | SHMAP_CHAN_RECV);
	send_u64(c, 3);
	int fd;
	T_OK(shmap_chan_fd(c, &fd));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event want = {.events = EPOLLIN};
	T_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &want));
	T_ASSERT(ready(ep, 0));
	/* A wait drains the socket and, still signalled, fills it again. */
	shmap_sync *w;
	T_OK(shmap_chan_waitable(c, &w));
	T_OK(shmap_wait(w, 0));
	T_ASSERT(ready(ep, 0));
	T_EQ(recv_u64(c), 3u);
	T_ASSERT(!ready(ep, 0));
	close(ep);
	T_OK(shmap_chan_close(c));
	/* A close gives the slot back: more handles than the table has
	 * room for come and go, one at a time. */
	c = mk(SHMAP_CHAN_MPMC, SHMAP_CHAN_SEND);
	for (unsigned i = 0; i < SHMAP_CHAN_LISTENERS_MAX + 2; i++) {
		shmap_chan *d;
		T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &d));
		T_OK(shmap_chan_fd(d, &fd));
		send_u64(c, i); /* notifies the listener */
		T_EQ(recv_u64(d), i);
		T_OK(shmap_chan_close(d));
	}
	T_OK(shmap_chan_close(c));
}

/* ---- broadcast readers ---- */

static void bc_child(int n)
{
	shmap_chan *c;
	shmap_sync *go;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &c));
	T_OK(shmap_event_open(GO, 0, &go));
	T_OK(shmap_wait(go, 10000));
	for (int i = 0; i < n; i++)
		send_u64(c, (uint64_t)i);
	shmap_sync_close(go);
	shmap_chan_close(c);
}

static void broadcast_reader(void)
{
	shmap_chan *r1 = mk(SHMAP_CHAN_BROADCAST, SHMAP_CHAN_RECV), *r2;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &r2));
	shmap_sync *go = ev(GO), *w1, *w2;
	T_OK(shmap_chan_waitable(r1, &w1));
	T_OK(shmap_chan_waitable(r2, &w2));
	T_ASSERT(w1 != w2);
	pid_t p = t_spawn(bc_child, 1);
	T_OK(shmap_event_set(go));
	shmap_sync *o[2] = {w1, w2};
	unsigned idx;
	T_OK(shmap_wait_multiple(o, 2, 1, 20000, &idx));
	/* r1 reads it: r1 is no longer behind, r2 still is. */
	T_EQ(recv_u64(r1), 0u);
	T_EQ(shmap_wait(w1, 0), -ETIMEDOUT);
	T_OK(shmap_wait(w2, 0));
	T_OK(shmap_wait_multiple(o, 2, 0, 0, &idx));
	T_EQ(idx, 1u);
	T_EQ(recv_u64(r2), 0u);
	T_EQ(shmap_wait(w2, 0), -ETIMEDOUT);
	t_reap(p);
	/* Overrun: signalled; the receive says so. */
	p = t_spawn(bc_child, 20);
	T_OK(shmap_event_set(go));
	t_reap(p);
	T_OK(shmap_wait(w1, 0));
	uint64_t v;
	size_t len;
	T_EQ(shmap_chan_recv(r1, &v, sizeof v, 0, &len), SHMAP_EOVERRUN);
	while (shmap_wait(w1, 0) == 0)
		v = recv_u64(r1);
	T_EQ(v, 19u);
	shmap_sync_close(go);
	T_OK(shmap_chan_close(r2));
	T_OK(shmap_chan_close(r1));
}

int main(void)
{
	t_setup();
	t_run("calls, and waits with a mutex and a semaphore", calls, 30);
	t_run("wait-any: two events and a channel in turn", wait_any, 60);
	t_run("wait-all: a channel and an event", wait_all, 60);
	t_run("the descriptor under epoll", epoll_fd, 60);
	t_run("a descriptor asked for late, and given back", fd_late, 30);
	t_run("broadcast readers' own waitables", broadcast_reader, 60);
	return t_finish();
}
