/* SPDX-License-Identifier: MIT */
/*
 * Channels under load and under fire: MPMC with four senders of 10^6
 * messages each and four receivers, broadcast to readers that fall
 * behind, processes killed or stopped in the middle of a send or
 * receive, and a block scribbled on.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#include "harness.h"

#define NAME "Local\\test-chan-stress"

/* What the processes of one case share. */
struct ctl {
	atomic_int go;
	atomic_int done;
	atomic_ullong committed[4]; /* per sender: messages committed */
	atomic_ullong got[4];       /* per receiver: messages received */
	atomic_ullong sum[4];       /* per receiver: checksums */
	atomic_ullong missed[4];
	atomic_uchar seen[];        /* per message: times received */
};

static struct ctl *ctl;

static void ctl_init(size_t seen)
{
	void *p = mmap(NULL, sizeof *ctl + seen, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	T_ASSERT(p != MAP_FAILED);
	ctl = p;
}

static int small(void)
{
	const char *s = getenv("SHMAP_TEST_SMALL");
	return s && *s && strcmp(s, "0");
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

struct msg {
	uint32_t producer;
	uint32_t seq;
	uint64_t check;
};

/* ---- MPMC, 4 x 4 ---- */

static unsigned g_per;

static void mpmc_producer(int id)
{
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &c));
	while (!atomic_load(&ctl->go))
		;
	for (uint32_t i = 0; i < g_per; i++) {
		struct msg m = {(uint32_t)id, i, mix((uint64_t)id << 32 | i)};
		/* Half the messages short, to vary the lengths. */
		T_OK(shmap_chan_send(c, &m, (i & 1) ? sizeof m : 8, 20000));
	}
	T_OK(shmap_chan_close(c));
}

static void mpmc_consumer(int id)
{
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &c));
	uint32_t next[4] = {0};
	int have[4] = {0};
	for (;;) {
		struct msg m;
		size_t len;
		int rc = shmap_chan_recv(c, &m, sizeof m, 200, &len);
		if (rc == -ETIMEDOUT && atomic_load(&ctl->done))
			break;
		if (rc == -ETIMEDOUT)
			continue;
		T_OK(rc);
		T_ASSERT(m.producer < 4);
		T_EQ(len, (m.seq & 1) ? sizeof m : 8);
		if (len == sizeof m)
			T_EQ(m.check, mix((uint64_t)m.producer << 32 | m.seq));
		/* In order per producer, as this receiver sees them. */
		if (have[m.producer])
			T_ASSERT(m.seq > next[m.producer] - 1 + 0 ||
			         next[m.producer] == 0);
		T_ASSERT(!have[m.producer] || m.seq >= next[m.producer]);
		have[m.producer] = 1;
		next[m.producer] = m.seq + 1;
		atomic_fetch_add(&ctl->seen[(size_t)m.producer * g_per + m.seq], 1);
		atomic_fetch_add(&ctl->got[id], 1);
	}
	T_OK(shmap_chan_close(c));
}

static void mpmc_4x4(void)
{
	g_per = small() ? 25000 : 1000000; /* 10^6 per sender */
	ctl_init((size_t)4 * g_per);
	shmap_chan_config cfg = {SHMAP_CHAN_MPMC, 1024, sizeof(struct msg), 16};
	shmap_chan *c;
	T_OK(shmap_chan_create(NAME, &cfg, 0, NULL, &c));
	pid_t p[8];
	for (int i = 0; i < 4; i++)
		p[i] = t_spawn(mpmc_consumer, i);
	for (int i = 0; i < 4; i++)
		p[4 + i] = t_spawn(mpmc_producer, i);
	atomic_store(&ctl->go, 1);
	for (int i = 4; i < 8; i++)
		T_EQ(t_exit_code(t_wait(p[i], 240)), 0);
	atomic_store(&ctl->done, 1);
	for (int i = 0; i < 4; i++)
		T_EQ(t_exit_code(t_wait(p[i], 60)), 0);
	uint64_t total = 0;
	for (int i = 0; i < 4; i++)
		total += atomic_load(&ctl->got[i]);
	T_EQ(total, (uint64_t)4 * g_per);
	for (size_t i = 0; i < (size_t)4 * g_per; i++)
		if (atomic_load(&ctl->seen[i]) != 1)
			T_FAIL("message %zu of producer %zu seen %d times",
			       i % g_per, i / g_per, atomic_load(&ctl->seen[i]));
	struct shmap_chan_stats st;
	T_OK(shmap_chan_stats(c, &st));
	T_EQ(st.sent, total);
	T_EQ(st.received, total);
	T_EQ(st.skipped, 0);
	T_EQ(st.queued, 0);
	T_EQ(st.senders, 0);
	T_EQ(st.receivers, 0);
	T_OK(shmap_chan_close(c));
}

/* ---- broadcast, a slow reader ---- */

#define BC_MSGS 200000

static void bc_reader(int id)
{
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &c));
	atomic_fetch_add(&ctl->go, 1);
	uint64_t expect = 0, got = 0, gaps = 0, missed = 0;
	for (;;) {
		uint64_t v;
		size_t len;
		int rc = shmap_chan_recv(c, &v, sizeof v, 20000, &len);
		if (rc == SHMAP_EOVERRUN) {
			uint64_t n;
			T_OK(shmap_chan_missed(c, &n));
			T_ASSERT(n > 0);
			missed += n;
			continue;
		}
		T_OK(rc);
		T_ASSERT(v >= expect);
		gaps += v - expect;
		expect = v + 1;
		got++;
		if (id == 3 && got % 64 == 0)
			usleep(1000); /* the slow one */
		if (v == BC_MSGS - 1)
			break;
	}
	/* Exactly the messages it missed were reported. */
	T_EQ(gaps, missed);
	T_EQ(got + missed, BC_MSGS);
	atomic_store(&ctl->got[id], got);
	atomic_store(&ctl->missed[id], missed);
	T_OK(shmap_chan_close(c));
}

static void broadcast_slow_reader(void)
{
	ctl_init(0);
	shmap_chan_config cfg = {SHMAP_CHAN_BROADCAST, 256, 8, 8};
	shmap_chan *c;
	T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_SEND, NULL, &c));
	pid_t p[4];
	for (int i = 0; i < 4; i++)
		p[i] = t_spawn(bc_reader, i);
	while (atomic_load(&ctl->go) < 4)
		usleep(1000);
	for (uint64_t i = 0; i < BC_MSGS; i++) {
		T_OK(shmap_chan_send(c, &i, sizeof i, 0));
		if (i % 256 == 0)
			sched_yield();
	}
	for (int i = 0; i < 4; i++)
		T_EQ(t_exit_code(t_wait(p[i], 120)), 0);
	T_ASSERT(atomic_load(&ctl->missed[3]) > 0);
	struct shmap_chan_stats st;
	T_OK(shmap_chan_stats(c, &st));
	uint64_t got = 0, missed = 0;
	for (int i = 0; i < 4; i++)
		got += atomic_load(&ctl->got[i]), missed += atomic_load(&ctl->missed[i]);
	T_EQ(st.sent, BC_MSGS);
	T_EQ(st.received, got);
	T_EQ(st.missed, missed);
	T_OK(shmap_chan_close(c));
}

/* ---- killed and stopped processes ---- */

static void reserve_and_die(int shape)
{
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &c));
	uint64_t v = 1;
	if (shape == SHMAP_CHAN_SPSC)
		T_OK(shmap_chan_send(c, &v, 8, 0));
	void *p;
	T_OK(shmap_chan_reserve(c, 8, 0, &p));
	memset(p, 0xee, 8);
	raise(SIGKILL);
}

/* A sender killed between reserve and commit: SPSC and broadcast give its
 * role to the next opener and lose nothing committed; MPMC's receivers
 * skip its slot and count it. */
static void dead_sender(void)
{
	static const unsigned shapes[] = {SHMAP_CHAN_SPSC, SHMAP_CHAN_MPMC,
	                                  SHMAP_CHAN_BROADCAST};
	for (int k = 0; k < 3; k++) {
		shmap_chan_config cfg = {shapes[k], 8, 8, 0};
		shmap_chan *r, *s;
		T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_RECV, NULL, &r));
		pid_t p = t_spawn(reserve_and_die, (int)shapes[k]);
		int st;
		T_EQ(waitpid(p, &st, 0), p);
		T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &s));
		uint64_t v = 2, got;
		size_t len;
		T_OK(shmap_chan_send(s, &v, 8, 0));
		if (shapes[k] == SHMAP_CHAN_SPSC) {
			T_OK(shmap_chan_recv(r, &got, 8, 5000, &len));
			T_EQ(got, 1);
		}
		T_OK(shmap_chan_recv(r, &got, 8, 5000, &len));
		T_EQ(got, 2);
		struct shmap_chan_stats sst;
		T_OK(shmap_chan_stats(r, &sst));
		T_EQ(sst.skipped, shapes[k] == SHMAP_CHAN_MPMC ? 1 : 0);
		T_EQ(shmap_chan_recv(r, &got, 8, 0, &len), -EAGAIN);
		T_OK(shmap_chan_close(s));
		T_OK(shmap_chan_close(r));
	}
}

static void peek_and_die(int unused)
{
	(void)unused;
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &c));
	const void *m;
	size_t len;
	T_OK(shmap_chan_peek(c, 5000, &m, &len));
	raise(SIGKILL);
}

/* A receiver killed before its release: the message goes to another
 * receiver (MPMC), or stays for the next one (SPSC). */
static void dead_receiver(void)
{
	static const unsigned shapes[] = {SHMAP_CHAN_SPSC, SHMAP_CHAN_MPMC};
	for (int k = 0; k < 2; k++) {
		shmap_chan_config cfg = {shapes[k], 8, 8, 0};
		shmap_chan *r, *s;
		T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_SEND, NULL, &s));
		uint64_t v = 5, got;
		size_t len;
		T_OK(shmap_chan_send(s, &v, 8, 0));
		pid_t p = t_spawn(peek_and_die, 0);
		int st;
		T_EQ(waitpid(p, &st, 0), p);
		T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &r));
		T_OK(shmap_chan_recv(r, &got, 8, 5000, &len));
		T_EQ(got, 5);
		T_EQ(shmap_chan_recv(r, &got, 8, 0, &len), -EAGAIN);
		v = 6;
		T_OK(shmap_chan_send(s, &v, 8, 0));
		T_OK(shmap_chan_recv(r, &got, 8, 0, &len));
		T_EQ(got, 6);
		T_OK(shmap_chan_close(s));
		T_OK(shmap_chan_close(r));
	}
	/* MPMC, with another receiver already waiting: it gets the
	 * message without a new open. */
	shmap_chan_config cfg = {SHMAP_CHAN_MPMC, 8, 8, 0};
	shmap_chan *r, *s;
	T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_SEND, NULL, &s));
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &r));
	uint64_t v = 9, got;
	size_t len;
	T_OK(shmap_chan_send(s, &v, 8, 0));
	pid_t p = t_spawn(peek_and_die, 0);
	int st;
	T_EQ(waitpid(p, &st, 0), p);
	T_OK(shmap_chan_recv(r, &got, 8, 5000, &len));
	T_EQ(got, 9);
	T_OK(shmap_chan_close(s));
	T_OK(shmap_chan_close(r));
}

static void reserve_stop_commit(int shape)
{
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &c));
	void *p;
	T_OK(shmap_chan_reserve(c, 8, 0, &p));
	uint64_t v = 100;
	memcpy(p, &v, 8);
	raise(SIGSTOP);
	T_OK(shmap_chan_commit(c, 8));
	T_OK(shmap_chan_close(c));
	(void)shape;
}

/* A stopped sender is alive: receivers time out behind it, and after
 * SIGCONT its message and those behind it arrive, none overwritten. */
static void stopped_sender(void)
{
	static const unsigned shapes[] = {SHMAP_CHAN_MPMC, SHMAP_CHAN_BROADCAST};
	for (int k = 0; k < 2; k++) {
		shmap_chan_config cfg = {shapes[k], 4, 8, 0};
		shmap_chan *r, *s = NULL;
		T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_RECV, NULL, &r));
		pid_t p = t_spawn(reserve_stop_commit, (int)shapes[k]);
		int st;
		T_EQ(waitpid(p, &st, WUNTRACED), p);
		T_ASSERT(WIFSTOPPED(st));
		uint64_t v, got;
		size_t len;
		if (shapes[k] == SHMAP_CHAN_MPMC) {
			T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &s));
			for (v = 0; v < 3; v++)
				T_OK(shmap_chan_send(s, &v, 8, 0));
			T_EQ(shmap_chan_send(s, &v, 8, 50), -ETIMEDOUT);
		}
		T_EQ(shmap_chan_recv(r, &got, 8, 300, &len), -ETIMEDOUT);
		struct shmap_chan_stats sst;
		T_OK(shmap_chan_stats(r, &sst));
		T_EQ(sst.skipped, 0);
		T_OK(kill(p, SIGCONT));
		T_OK(shmap_chan_recv(r, &got, 8, 10000, &len));
		T_EQ(got, 100);
		for (v = 0; s && v < 3; v++) {
			T_OK(shmap_chan_recv(r, &got, 8, 10000, &len));
			T_EQ(got, v);
		}
		t_reap(p);
		T_OK(shmap_chan_stats(r, &sst));
		T_EQ(sst.skipped, 0);
		T_EQ(sst.overruns, 0);
		if (s)
			T_OK(shmap_chan_close(s));
		T_OK(shmap_chan_close(r));
	}
}

/* ---- random kills ---- */

#define K_MSGS 3000
#define K_SEEN(p, i) ctl->seen[(size_t)(p)*K_MSGS + (i)]

static void k_producer(int id)
{
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &c));
	for (uint32_t i = 0; i < K_MSGS; i++) {
		void *p;
		T_OK(shmap_chan_reserve(c, sizeof(struct msg), 20000, &p));
		struct msg m = {(uint32_t)id, i, mix(i)};
		memcpy(p, &m, sizeof m);
		T_OK(shmap_chan_commit(c, sizeof m));
		atomic_store(&ctl->committed[id], i + 1);
	}
	T_OK(shmap_chan_close(c));
}

static void k_consumer(int id)
{
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &c));
	for (;;) {
		const void *p;
		size_t len;
		int rc = shmap_chan_peek(c, 100, &p, &len);
		if (rc == -ETIMEDOUT) {
			if (atomic_load(&ctl->done))
				break;
			continue;
		}
		T_OK(rc);
		T_EQ(len, sizeof(struct msg));
		struct msg m;
		memcpy(&m, p, sizeof m);
		T_ASSERT(m.producer < 2 && m.seq < K_MSGS);
		T_EQ(m.check, mix(m.seq));
		atomic_fetch_add(&K_SEEN(m.producer, m.seq), 1);
		T_OK(shmap_chan_release(c));
		atomic_fetch_add(&ctl->got[id], 1);
	}
	T_OK(shmap_chan_close(c));
}

static void random_kills(void)
{
	int rounds = small() ? 60 : 200;
	ctl_init((size_t)2 * K_MSGS);
	srand((unsigned)getpid());
	int killed_receivers = 0;
	for (int r = 0; r < rounds; r++) {
		memset(ctl, 0, sizeof *ctl + 2 * K_MSGS);
		shmap_chan_config cfg = {SHMAP_CHAN_MPMC, 16, sizeof(struct msg), 8};
		shmap_chan *c;
		T_OK(shmap_chan_create(NAME, &cfg, 0, NULL, &c));
		pid_t p[4];
		p[0] = t_spawn(k_consumer, 0);
		p[1] = t_spawn(k_consumer, 1);
		p[2] = t_spawn(k_producer, 0);
		p[3] = t_spawn(k_producer, 1);
		int victim = rand() % 4;
		usleep((useconds_t)(rand() % 20000));
		kill(p[victim], SIGKILL);
		if (victim < 2)
			killed_receivers++;
		for (int i = 2; i < 4; i++) {
			int st = t_wait(p[i], 60);
			T_ASSERT(st != -1);
			if (i != victim)
				T_EQ(t_exit_code(st), 0);
		}
		atomic_store(&ctl->done, 1);
		for (int i = 0; i < 2; i++) {
			int st = t_wait(p[i], 60);
			T_ASSERT(st != -1);
			if (i != victim)
				T_EQ(t_exit_code(st), 0);
		}
		uint64_t dups = 0, seen_total = 0;
		for (int q = 0; q < 2; q++) {
			uint64_t n = atomic_load(&ctl->committed[q]);
			for (uint32_t i = 0; i < K_MSGS; i++) {
				int s = atomic_load(&K_SEEN(q, i));
				seen_total += (uint64_t)s;
				if (i < n && s == 0)
					T_FAIL("round %d: committed message %u of "
					       "producer %d lost (victim %d)",
					       r, i, q, victim);
				if (s > 1)
					dups += (uint64_t)s - 1;
				/* Past what was committed: at most the one
				 * a killed producer was sending. */
				if (i > n && s)
					T_FAIL("round %d: message %u of producer "
					       "%d past its commits", r, i, q);
			}
		}
		/* Only a receiver killed between its look and its release
		 * brings a message twice. */
		T_ASSERT(dups <= (victim < 2 ? 1u : 0u));
		struct shmap_chan_stats st;
		T_OK(shmap_chan_stats(c, &st));
		T_EQ(st.queued, 0);
		T_ASSERT(st.skipped <= (victim >= 2 ? 1u : 0u));
		T_ASSERT(st.sent + st.skipped >= seen_total - dups);
		T_OK(shmap_chan_close(c));
	}
	(void)killed_receivers;
}

/* ---- a hostile block ---- */

static void scribble(void)
{
	int rounds = small() ? 300 : 2000;
	srand(12345);
	static const unsigned shapes[] = {SHMAP_CHAN_SPSC, SHMAP_CHAN_MPMC,
	                                  SHMAP_CHAN_BROADCAST};
	for (int r = 0; r < rounds; r++) {
		unsigned shape = shapes[r % 3];
		shmap_chan_config cfg = {shape, 4, 24, 2};
		shmap_chan *a, *b = NULL;
		T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_SEND, NULL, &a));
		size_t size;
		unsigned char *m = t_map_backing(NAME, &size);
		size_t data = 4096, len = size - data;
		uint64_t v = 1;
		shmap_chan_send(a, &v, 8, 0);
		int before = rand() % 4 == 0;
		if (!before)
			shmap_chan_open(NAME, SHMAP_CHAN_RECV, &b);
		/* A few words anywhere in the block, or in its hot part. */
		int n = 1 + rand() % 4;
		for (int i = 0; i < n; i++) {
			size_t off = (rand() % 2) ? (size_t)rand() % len
			                          : (size_t)rand() % 640;
			off &= ~(size_t)3;
			uint32_t w = (rand() % 3 == 0) ? (uint32_t)rand()
			             : (rand() % 2) ? 0xffffffffu : (uint32_t)(rand() % 64);
			if (off + 4 <= len)
				memcpy(m + data + off, &w, 4);
		}
		if (before && shmap_chan_open(NAME, SHMAP_CHAN_RECV, &b))
			b = NULL;
		for (int i = 0; i < 6; i++) {
			char buf[64];
			size_t got;
			const void *pk;
			void *rs;
			shmap_chan_send(a, buf, (size_t)(rand() % 25), i & 1 ? 1 : 0);
			if (shmap_chan_reserve(a, 8, 0, &rs) == 0)
				(rand() % 2) ? shmap_chan_commit(a, 8) : shmap_chan_cancel(a);
			if (!b)
				continue;
			int rc = shmap_chan_recv(b, buf, sizeof buf, i & 1 ? 1 : 0, &got);
			if (rc == 0)
				T_ASSERT(got <= 24);
			if (shmap_chan_peek(b, 0, &pk, &got) == 0) {
				T_ASSERT(got <= 24);
				shmap_chan_release(b);
			}
		}
		struct shmap_chan_stats st;
		shmap_chan_stats(a, &st);
		munmap(m, size);
		shmap_chan_close(b);
		T_OK(shmap_chan_close(a));
	}
}

int main(void)
{
	t_setup();
	t_run("mpmc 4 senders x 4 receivers", mpmc_4x4, 280);
	t_run("broadcast to 4 readers, one slow", broadcast_slow_reader, 200);
	t_run("dead sender", dead_sender, 60);
	t_run("dead receiver", dead_receiver, 60);
	t_run("stopped sender", stopped_sender, 60);
	t_run("random kills", random_kills, 280);
	t_run("scribbled block", scribble, 200);
	return t_finish();
}
