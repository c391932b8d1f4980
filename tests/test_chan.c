/* SPDX-License-Identifier: MIT */
/*
 * Channels: the three shapes, every call and its error paths, reserve and
 * commit, peek and release, timeouts, roles, positions across 2^64, and
 * messages between processes.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "harness.h"

#define NAME "Local\\test-chan"

static shmap_chan *mk(unsigned shape, uint32_t cap, uint32_t max,
                      unsigned flags)
{
	shmap_chan_config cfg = {shape, cap, max, 0};
	shmap_chan *c;
	T_OK(shmap_chan_create(NAME, &cfg, flags, NULL, &c));
	return c;
}

static void send_u64(shmap_chan *c, uint64_t v, int to)
{
	T_OK(shmap_chan_send(c, &v, sizeof v, to));
}

static uint64_t recv_u64(shmap_chan *c, int to)
{
	uint64_t v;
	size_t len;
	T_OK(shmap_chan_recv(c, &v, sizeof v, to, &len));
	T_EQ(len, sizeof v);
	return v;
}

/* ---- cases ---- */

static void config_errors(void)
{
	shmap_chan *c;
	shmap_chan_config cfg = {SHMAP_CHAN_SPSC, 8, 64, 0};
	T_EQ(shmap_chan_create(NAME, NULL, 0, NULL, &c), -EINVAL);
	T_EQ(shmap_chan_create(NAME, &cfg, 0x100, NULL, &c), -EINVAL);
	cfg.shape = 0;
	T_EQ(shmap_chan_create(NAME, &cfg, 0, NULL, &c), -EINVAL);
	cfg.shape = 4;
	T_EQ(shmap_chan_create(NAME, &cfg, 0, NULL, &c), -EINVAL);
	cfg.shape = SHMAP_CHAN_MPMC;
	cfg.capacity = 1;
	T_EQ(shmap_chan_create(NAME, &cfg, 0, NULL, &c), -EINVAL);
	cfg.capacity = (1u << 24) + 1;
	T_EQ(shmap_chan_create(NAME, &cfg, 0, NULL, &c), -EINVAL);
	cfg.capacity = 8;
	cfg.max_msg = 0;
	T_EQ(shmap_chan_create(NAME, &cfg, 0, NULL, &c), -EINVAL);
	cfg.max_msg = (1u << 30) + 1;
	T_EQ(shmap_chan_create(NAME, &cfg, 0, NULL, &c), -EINVAL);
	cfg.max_msg = 8;
	cfg.readers_max = SHMAP_CHAN_ROLES_MAX + 1;
	T_EQ(shmap_chan_create(NAME, &cfg, 0, NULL, &c), -EINVAL);
	T_EQ(shmap_chan_open(NAME, 0, &c), -ENOENT);
	T_EQ(shmap_chan_open(NAME, 0x10000, &c), -EINVAL);
	T_EQ(shmap_chan_open(NULL, 0, &c), -EINVAL);
	/* Rounded up to a power of two. */
	cfg.capacity = 5;
	cfg.readers_max = 0;
	T_OK(shmap_chan_create(NAME, &cfg, 0, NULL, &c));
	struct shmap_chan_stats st;
	T_OK(shmap_chan_stats(c, &st));
	T_EQ(st.valid, 1);
	T_EQ(st.capacity, 8);
	T_EQ(st.max_msg, 8);
	T_EQ(st.shape, SHMAP_CHAN_MPMC);
	T_EQ(st.readers_max, 64);
	T_EQ(shmap_chan_existed(c), 0);
	/* The name holds a channel, not an event; and the other way. */
	shmap_sync *e;
	T_EQ(shmap_event_open(NAME, 0, &e), SHMAP_ETYPE);
	T_OK(shmap_chan_close(c));
	T_OK(shmap_event_create(NAME, 0, NULL, &e));
	T_EQ(shmap_chan_open(NAME, 0, &c), SHMAP_ETYPE);
	T_EQ(shmap_chan_create(NAME, &cfg, 0, NULL, &c), SHMAP_ETYPE);
	T_OK(shmap_sync_close(e));
	T_EQ(shmap_chan_close(NULL), 0);
	T_EQ(shmap_chan_set_spin(NULL, 1), -EINVAL);
}

static void spsc_basics(void)
{
	shmap_chan *c = mk(SHMAP_CHAN_SPSC, 4, 16, SHMAP_CHAN_SEND | SHMAP_CHAN_RECV);
	char buf[64];
	size_t len = 99;
	T_EQ(shmap_chan_recv(c, buf, sizeof buf, 0, &len), -EAGAIN);
	T_EQ(shmap_chan_recv(c, buf, sizeof buf, 20, &len), -ETIMEDOUT);
	T_EQ(shmap_chan_send(c, buf, 17, 0), -EMSGSIZE);
	for (int i = 0; i < 4; i++)
		T_OK(shmap_chan_send(c, "abcdefghijklmnop", (size_t)i + 1, 0));
	T_EQ(shmap_chan_send(c, "x", 1, 0), -EAGAIN);
	T_EQ(shmap_chan_send(c, "x", 1, 20), -ETIMEDOUT);
	/* Too small a buffer: the message stays. */
	T_EQ(shmap_chan_recv(c, buf, 0, 0, &len), -EMSGSIZE);
	T_EQ(len, 1);
	for (int i = 0; i < 4; i++) {
		T_OK(shmap_chan_recv(c, buf, sizeof buf, 0, &len));
		T_EQ(len, (size_t)i + 1);
		T_ASSERT(memcmp(buf, "abcdefghijklmnop", len) == 0);
	}
	/* Empty messages. */
	T_OK(shmap_chan_send(c, NULL, 0, 0));
	T_OK(shmap_chan_recv(c, NULL, 0, 0, &len));
	T_EQ(len, 0);
	struct shmap_chan_stats st;
	T_OK(shmap_chan_stats(c, &st));
	T_EQ(st.sent, 5);
	T_EQ(st.received, 5);
	T_EQ(st.sent_bytes, 10);
	T_EQ(st.received_bytes, 10);
	T_EQ(st.full_waits, 1);
	T_EQ(st.empty_waits, 1);
	T_EQ(st.queued, 0);
	T_EQ(st.senders, 1);
	T_EQ(st.receivers, 1);
	T_OK(shmap_chan_close(c));
}

static void reserve_commit_peek(void)
{
	static const unsigned shapes[] = {SHMAP_CHAN_SPSC, SHMAP_CHAN_MPMC,
	                                  SHMAP_CHAN_BROADCAST};
	for (int k = 0; k < 3; k++) {
		shmap_chan *c = mk(shapes[k], 4, 32, SHMAP_CHAN_SEND | SHMAP_CHAN_RECV);
		void *p;
		const void *m;
		size_t len;
		T_EQ(shmap_chan_commit(c, 0), -EINVAL);
		T_EQ(shmap_chan_cancel(c), -EINVAL);
		T_EQ(shmap_chan_release(c), -EINVAL);
		T_EQ(shmap_chan_reserve(c, 33, 0, &p), -EMSGSIZE);
		T_OK(shmap_chan_reserve(c, 32, 0, &p));
		T_EQ((uintptr_t)p % 16, 0);
		T_EQ(shmap_chan_reserve(c, 1, 0, &p), -EINVAL);
		T_EQ(shmap_chan_send(c, "x", 1, 0), -EINVAL);
		memcpy(p, "cancelled", 9);
		T_OK(shmap_chan_cancel(c));
		T_EQ(shmap_chan_peek(c, 0, &m, &len), -EAGAIN);
		T_OK(shmap_chan_reserve(c, 32, 0, &p));
		memcpy(p, "hello, world", 12);
		T_EQ(shmap_chan_commit(c, 33), -EINVAL);
		T_OK(shmap_chan_commit(c, 12));
		T_OK(shmap_chan_peek(c, 0, &m, &len));
		T_EQ(len, 12);
		T_ASSERT(memcmp(m, "hello, world", 12) == 0);
		char buf[32];
		T_EQ(shmap_chan_recv(c, buf, sizeof buf, 0, &len), -EINVAL);
		T_EQ(shmap_chan_peek(c, 0, &m, &len), -EINVAL);
		T_OK(shmap_chan_release(c));
		T_EQ(shmap_chan_release(c), -EINVAL);
		T_EQ(shmap_chan_peek(c, 0, &m, &len), -EAGAIN);
		/* Around the ring a few times, mixing the ways. */
		for (uint64_t i = 0; i < 50; i++) {
			T_OK(shmap_chan_reserve(c, 8, 0, &p));
			memcpy(p, &i, 8);
			T_OK(shmap_chan_commit(c, 8));
			send_u64(c, i + 1000, 0);
			T_OK(shmap_chan_peek(c, 0, &m, &len));
			T_EQ(len, 8);
			uint64_t v;
			memcpy(&v, m, 8);
			T_EQ(v, i);
			T_OK(shmap_chan_release(c));
			T_EQ(recv_u64(c, 0), i + 1000);
		}
		struct shmap_chan_stats st;
		T_OK(shmap_chan_stats(c, &st));
		T_EQ(st.sent, 101);
		T_EQ(st.received, 101);
		T_EQ(st.skipped, 0);
		T_OK(shmap_chan_close(c));
	}
}

static void roles(void)
{
	shmap_chan *s = mk(SHMAP_CHAN_SPSC, 4, 8, SHMAP_CHAN_SEND);
	shmap_chan *r, *x;
	T_EQ(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &x), -EBUSY);
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &r));
	T_EQ(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &x), -EBUSY);
	T_OK(shmap_chan_open(NAME, 0, &x)); /* no role: statistics */
	char b[8];
	size_t len;
	T_EQ(shmap_chan_send(x, "x", 1, 0), -EPERM);
	T_EQ(shmap_chan_recv(x, b, 8, 0, &len), -EPERM);
	T_EQ(shmap_chan_recv(s, b, 8, 0, &len), -EPERM);
	T_EQ(shmap_chan_send(r, "x", 1, 0), -EPERM);
	/* create of an existing name opens it. */
	shmap_chan_config cfg = {SHMAP_CHAN_MPMC, 64, 64, 0};
	shmap_chan *y;
	T_OK(shmap_chan_create(NAME, &cfg, 0, NULL, &y));
	T_EQ(shmap_chan_existed(y), 1);
	struct shmap_chan_stats st;
	T_OK(shmap_chan_stats(y, &st));
	T_EQ(st.shape, SHMAP_CHAN_SPSC);
	T_EQ(st.capacity, 4);
	T_OK(shmap_chan_close(y));
	shmap_attr a = {0, SHMAP_ATTR_EXCL};
	T_EQ(shmap_chan_create(NAME, &cfg, 0, &a, &y), -EEXIST);
	/* A role given up is free again. */
	T_OK(shmap_chan_close(s));
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &s));
	send_u64(s, 7, 0);
	T_EQ(recv_u64(r, 0), 7);
	T_OK(shmap_chan_close(x));
	T_OK(shmap_chan_close(s));
	T_OK(shmap_chan_close(r));
	/* The name went with the last handle. */
	T_EQ(shmap_chan_open(NAME, 0, &x), -ENOENT);
	/* Broadcast: one sender, readers up to readers_max. */
	shmap_chan_config bc = {SHMAP_CHAN_BROADCAST, 8, 8, 2};
	T_OK(shmap_chan_create(NAME, &bc, SHMAP_CHAN_SEND, NULL, &s));
	T_EQ(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &x), -EBUSY);
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &r));
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &y));
	T_EQ(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &x), -ENOSPC);
	T_OK(shmap_chan_close(y));
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &y));
	T_OK(shmap_chan_close(y));
	T_OK(shmap_chan_close(r));
	T_OK(shmap_chan_close(s));
}

static void unnamed(void)
{
	shmap_chan_config cfg = {SHMAP_CHAN_SPSC, 2, 8, 0};
	shmap_chan *c;
	T_OK(shmap_chan_create(NULL, &cfg, SHMAP_CHAN_SEND | SHMAP_CHAN_RECV,
	                       NULL, &c));
	send_u64(c, 42, 0);
	T_EQ(recv_u64(c, 0), 42);
	T_OK(shmap_chan_close(c));
}

/* Broadcast: each reader gets every message from its joining on. */
static void broadcast_basics(void)
{
	shmap_chan *s = mk(SHMAP_CHAN_BROADCAST, 8, 8, SHMAP_CHAN_SEND);
	shmap_chan *r1, *r2;
	send_u64(s, 1, 0); /* before anyone joined */
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &r1));
	send_u64(s, 2, 0);
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &r2));
	for (uint64_t i = 3; i < 9; i++)
		send_u64(s, i, 0);
	for (uint64_t i = 2; i < 9; i++)
		T_EQ(recv_u64(r1, 0), i);
	for (uint64_t i = 3; i < 9; i++)
		T_EQ(recv_u64(r2, 0), i);
	uint64_t v;
	size_t len;
	T_EQ(shmap_chan_recv(r1, &v, 8, 0, &len), -EAGAIN);
	/* The sender never waits: r1 falls 12 behind, 4 are lost. */
	for (uint64_t i = 9; i < 21; i++)
		send_u64(s, i, 0);
	T_EQ(shmap_chan_recv(r1, &v, 8, 0, &len), SHMAP_EOVERRUN);
	uint64_t missed;
	T_OK(shmap_chan_missed(r1, &missed));
	T_EQ(missed, 4);
	T_OK(shmap_chan_missed(r1, &missed));
	T_EQ(missed, 0);
	for (uint64_t i = 13; i < 21; i++)
		T_EQ(recv_u64(r1, 0), i);
	T_EQ(shmap_chan_recv(r2, &v, 8, 0, &len), SHMAP_EOVERRUN);
	T_OK(shmap_chan_missed(r2, &missed));
	T_EQ(missed, 4);
	for (uint64_t i = 13; i < 21; i++)
		T_EQ(recv_u64(r2, 0), i);
	/* A peeked message overwritten before its release: 21 and 22 are
	 * lost, 23 is the oldest left. */
	const void *m;
	send_u64(s, 21, 0);
	T_OK(shmap_chan_peek(r2, 0, &m, &len));
	for (uint64_t i = 22; i < 31; i++)
		send_u64(s, i, 0);
	T_EQ(shmap_chan_release(r2), SHMAP_EOVERRUN);
	T_OK(shmap_chan_missed(r2, &missed));
	T_EQ(missed, 2);
	T_EQ(recv_u64(r2, 0), 23);
	struct shmap_chan_stats st;
	T_OK(shmap_chan_stats(r2, &st));
	T_EQ(st.sent, 30);
	T_EQ(st.receivers, 2);
	T_EQ(st.overruns, 3);
	T_EQ(st.missed, 10);
	T_EQ(st.received, 7 + 8 + 6 + 8 + 1);
	T_EQ(st.reader[0].pid, getpid());
	/* Message v went at position v - 1. */
	T_EQ(st.reader[0].position, 23);
	T_EQ(st.reader[0].lag, 7);
	T_EQ(st.reader[0].missed, 6);
	T_EQ(st.reader[1].position, 20);
	T_EQ(st.lag_max, 10);
	T_OK(shmap_chan_close(r1));
	T_OK(shmap_chan_close(r2));
	T_OK(shmap_chan_close(s));
}

/* Positions that run across 2^64, in every shape. */
static void wrap(void)
{
	static const unsigned shapes[] = {SHMAP_CHAN_SPSC, SHMAP_CHAN_MPMC,
	                                  SHMAP_CHAN_BROADCAST};
	for (int k = 0; k < 3; k++) {
		shmap__chan_start = UINT64_MAX - 5;
		shmap_chan *c = mk(shapes[k], 4, 8, SHMAP_CHAN_SEND | SHMAP_CHAN_RECV);
		shmap__chan_start = 0;
		for (uint64_t i = 0; i < 40; i++) {
			send_u64(c, i, 0);
			if (i % 3 == 0)
				send_u64(c, i + 100, 0);
			T_EQ(recv_u64(c, 0), i);
			if (i % 3 == 0)
				T_EQ(recv_u64(c, 0), i + 100);
		}
		struct shmap_chan_stats st;
		T_OK(shmap_chan_stats(c, &st));
		T_EQ(st.write_position, UINT64_MAX - 5 + 54);
		T_EQ(st.received, 54);
		T_OK(shmap_chan_close(c));
	}
}

static int got_info(const shmap_object_info *i, void *ctx)
{
	*(struct shmap_chan_stats *)ctx = i->chan;
	return i->type == SHMAP_TYPE_CHANNEL ? 0 : 1;
}

/* A monitor reads the counters from the object's file, opening nothing. */
static void inspected(void)
{
	shmap_chan *s = mk(SHMAP_CHAN_BROADCAST, 8, 8, SHMAP_CHAN_SEND);
	shmap_chan *r;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &r));
	for (uint64_t i = 0; i < 12; i++)
		send_u64(s, i, 0);
	uint64_t v;
	size_t len;
	T_EQ(shmap_chan_recv(r, &v, 8, 0, &len), SHMAP_EOVERRUN);
	T_EQ(recv_u64(r, 0), 4);
	struct shmap_chan_stats st, mine;
	T_OK(shmap_inspect(NAME, got_info, &st));
	T_OK(shmap_chan_stats(r, &mine));
	T_EQ(st.valid, 1);
	T_EQ(st.shape, SHMAP_CHAN_BROADCAST);
	T_EQ(st.sent, 12);
	T_EQ(st.received, 1);
	T_EQ(st.missed, 4);
	T_EQ(st.overruns, 1);
	T_EQ(st.receivers, 1);
	T_EQ(st.reader[0].pid, getpid());
	T_EQ(st.reader[0].position, 5);
	T_EQ(st.reader[0].lag, 7);
	T_ASSERT(memcmp(&st, &mine, sizeof st) == 0);
	T_OK(shmap_chan_close(r));
	T_OK(shmap_chan_close(s));
}

/* ---- between processes ---- */

#define N_MSGS 200000

static void spsc_sender(int n)
{
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &c));
	for (uint64_t i = 0; i < (uint64_t)n; i++) {
		uint64_t m[2] = {i, ~i};
		T_OK(shmap_chan_send(c, m, (i % 2) ? 16 : 8, SHMAP_INFINITE));
	}
	T_OK(shmap_chan_close(c));
}

static void spsc_processes(void)
{
	shmap_chan *c = mk(SHMAP_CHAN_SPSC, 64, 16, SHMAP_CHAN_RECV);
	pid_t p = t_spawn(spsc_sender, N_MSGS);
	for (uint64_t i = 0; i < N_MSGS; i++) {
		uint64_t m[2];
		size_t len;
		T_OK(shmap_chan_recv(c, m, sizeof m, 10000, &len));
		T_EQ(len, (i % 2) ? 16 : 8);
		T_EQ(m[0], i);
		if (len == 16)
			T_EQ(m[1], ~i);
	}
	t_reap(p);
	T_OK(shmap_chan_close(c));
}

/* Sleepers on both sides: one message at a time, each side waiting. */
static void pingpong_child(int n)
{
	shmap_chan *a, *b;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &a));
	T_OK(shmap_chan_open("Local\\test-chan-back", SHMAP_CHAN_SEND, &b));
	shmap_chan_set_spin(a, 0);
	for (int i = 0; i < n; i++)
		send_u64(b, recv_u64(a, 10000) + 1, 10000);
	T_OK(shmap_chan_close(a));
	T_OK(shmap_chan_close(b));
}

static void pingpong_sleeping(void)
{
	static const unsigned shapes[] = {SHMAP_CHAN_SPSC, SHMAP_CHAN_MPMC,
	                                  SHMAP_CHAN_BROADCAST};
	for (int k = 0; k < 3; k++) {
		shmap_chan *a = mk(shapes[k], 2, 8, SHMAP_CHAN_SEND);
		shmap_chan_config cfg = {shapes[k], 2, 8, 0};
		shmap_chan *b;
		T_OK(shmap_chan_create("Local\\test-chan-back", &cfg,
		                       SHMAP_CHAN_RECV, NULL, &b));
		shmap_chan_set_spin(b, 0);
		pid_t p = t_spawn(pingpong_child, 2000);
		/* Broadcast: the reader joins at the next message; wait
		 * for it to be there. */
		struct shmap_chan_stats st;
		do {
			T_OK(shmap_chan_stats(a, &st));
			usleep(1000);
		} while (st.receivers == 0);
		uint64_t v = 0;
		for (int i = 0; i < 2000; i++) {
			send_u64(a, v, 10000);
			T_EQ(recv_u64(b, 10000), v + 1);
			v += 2;
		}
		t_reap(p);
		T_OK(shmap_chan_close(a));
		T_OK(shmap_chan_close(b));
	}
}

static void sig_handler(int sig)
{
	(void)sig;
}

/* SHMAP_CHAN_INTR: a signal handler ends a blocking receive with -EINTR;
 * without it the receive waits on. */
static void intr(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = sig_handler;
	sigaction(SIGALRM, &sa, NULL);
	shmap_chan *c = mk(SHMAP_CHAN_MPMC, 4, 8,
	                   SHMAP_CHAN_SEND | SHMAP_CHAN_RECV | SHMAP_CHAN_INTR);
	shmap_chan *d;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &d));
	uint64_t v;
	size_t len;
	alarm(1);
	T_EQ(shmap_chan_recv(c, &v, 8, 10000, &len), -EINTR);
	alarm(1);
	T_EQ(shmap_chan_recv(d, &v, 8, 1500, &len), -ETIMEDOUT);
	T_OK(shmap_chan_close(d));
	T_OK(shmap_chan_close(c));
}

int main(void)
{
	t_setup();
	t_run("configuration errors", config_errors, 30);
	t_run("spsc basics", spsc_basics, 30);
	t_run("reserve, commit, cancel, peek, release", reserve_commit_peek, 30);
	t_run("roles", roles, 30);
	t_run("unnamed channel", unnamed, 30);
	t_run("broadcast basics and overruns", broadcast_basics, 30);
	t_run("positions across 2^64", wrap, 30);
	t_run("counters read by inspection", inspected, 30);
	t_run("spsc between processes", spsc_processes, 120);
	t_run("sleeping both ways", pingpong_sleeping, 120);
	t_run("interrupted waits", intr, 30);
	return t_finish();
}
