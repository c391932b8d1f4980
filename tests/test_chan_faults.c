/* SPDX-License-Identifier: MIT */
/*
 * Channels against faults of their peers: a forked child closing the
 * parent's handles, receivers that never sleep or only poll while a dead
 * sender's slot or a dead receiver's claim sits at the head.
 */
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>

#include "harness.h"

#define NAME "Local\\test-chan-faults"

static shmap_chan *g_inherited;

static void close_inherited(int unused)
{
	(void)unused;
	T_OK(shmap_chan_close(g_inherited));
}

/* A child that closes the handles it inherited leaves the parent's roles
 * and reservation alone: nobody else becomes the SPSC sender, and the
 * parent's MPMC reservation is still its own to commit. */
static void forked_close(void)
{
	shmap_chan_config cfg = {SHMAP_CHAN_SPSC, 4, 8, 0};
	shmap_chan *s, *x;
	T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_SEND, NULL, &s));
	g_inherited = s;
	t_reap(t_spawn(close_inherited, 0));
	T_EQ(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &x), -EBUSY);
	T_OK(shmap_chan_close(s));

	cfg.shape = SHMAP_CHAN_MPMC;
	shmap_chan *r;
	T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_SEND, NULL, &s));
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &r));
	void *p;
	T_OK(shmap_chan_reserve(s, 8, 0, &p));
	g_inherited = s;
	t_reap(t_spawn(close_inherited, 0));
	uint64_t v = 77, got;
	size_t len;
	T_EQ(shmap_chan_recv(r, &got, 8, 0, &len), -EAGAIN);
	memcpy(p, &v, 8);
	T_OK(shmap_chan_commit(s, 8));
	T_OK(shmap_chan_recv(r, &got, 8, 0, &len));
	T_EQ(got, 77);
	struct shmap_chan_stats st;
	T_OK(shmap_chan_stats(r, &st));
	T_EQ(st.skipped, 0);
	T_OK(shmap_chan_close(r));
	T_OK(shmap_chan_close(s));
}

static void reserve_and_die(int unused)
{
	(void)unused;
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &c));
	void *p;
	T_OK(shmap_chan_reserve(c, 8, 0, &p));
	raise(SIGKILL);
}

/* Dies holding a message it had no room for (-EMSGSIZE keeps it claimed). */
static void hold_and_die(int unused)
{
	(void)unused;
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &c));
	size_t len;
	T_EQ(shmap_chan_recv(c, NULL, 0, 5000, &len), -EMSGSIZE);
	T_EQ(len, 8);
	raise(SIGKILL);
}

static void reap_killed(pid_t p)
{
	int st;
	T_EQ(waitpid(p, &st, 0), p);
	T_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/* MPMC: a receiver that spins without end (set_spin UINT_MAX) or only
 * polls (timeout 0) still passes a dead sender's slot at the head and
 * takes over a dead receiver's message. */
static void dead_peers_never_sleeping(void)
{
	for (int poll = 0; poll < 2; poll++) {
		shmap_chan_config cfg = {SHMAP_CHAN_MPMC, 8, 8, 0};
		shmap_chan *r, *s;
		T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_RECV, NULL, &r));
		if (!poll)
			T_OK(shmap_chan_set_spin(r, UINT_MAX));
		int to = poll ? 0 : 3000;
		reap_killed(t_spawn(reserve_and_die, 0));
		T_OK(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &s));
		uint64_t v = 2, got = 0;
		size_t len;
		T_OK(shmap_chan_send(s, &v, 8, 0));
		T_OK(shmap_chan_recv(r, &got, 8, to, &len));
		T_EQ(got, 2);
		struct shmap_chan_stats st;
		T_OK(shmap_chan_stats(r, &st));
		T_EQ(st.skipped, 1);
		/* A receiver killed holding a message. */
		v = 3;
		T_OK(shmap_chan_send(s, &v, 8, 0));
		reap_killed(t_spawn(hold_and_die, 0));
		T_OK(shmap_chan_recv(r, &got, 8, to, &len));
		T_EQ(got, 3);
		T_OK(shmap_chan_close(s));
		T_OK(shmap_chan_close(r));
	}
}

/* Creates an MPMC channel of capacity 4, one sender and one receiver, in
 * *c, both roles its, and maps its backing file (*file, *size) as a
 * hostile peer would: returns the channel's block there. */
static unsigned char *mpmc_mapped(shmap_chan **c, unsigned char **file,
                                  size_t *size)
{
	shmap_chan_config cfg = {SHMAP_CHAN_MPMC, 4, 8, 1};
	T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_SEND | SHMAP_CHAN_RECV,
	                       NULL, c));
	*file = t_map_backing(NAME, size);
	return *file + 4096;
}

/* MPMC: a receiver whose claim on a slot was taken from it meanwhile (a
 * peer that judged it dead, or wrote the block) ends its receipt without
 * freeing the slot over what is there now. */
static void lost_claim_keeps_newer(void)
{
	shmap_chan *c;
	unsigned char *file;
	size_t size, len;
	unsigned char *b = mpmc_mapped(&c, &file, &size);
	/* Slot 0: after the 640 bytes before the entries and two entries
	 * of 64. */
	_Atomic uint64_t *state = (_Atomic uint64_t *)(b + 640 + 2 * 64);
	uint64_t v = 1;
	const void *m;
	T_OK(shmap_chan_send(c, &v, 8, 0));
	T_OK(shmap_chan_peek(c, 0, &m, &len));
	/* Position 4 (the slot's next lap) written and full: phase 2. */
	uint64_t newer = (4ull << 12) | (2ull << 10);
	atomic_store(state, newer);
	T_OK(shmap_chan_release(c));
	T_EQ(atomic_load(state), newer);
	munmap(file, size);
	T_OK(shmap_chan_close(c));
}

/* Dies halfway through counting itself a sleeper (a crash point). */
static void die_falling_asleep(int unused)
{
	(void)unused;
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &c));
	T_OK(shmap_chan_set_spin(c, 0));
	shmap__crash_at = SHMAP__CP_CHAN_ASLEEP;
	uint64_t v;
	size_t len;
	shmap_chan_recv(c, &v, 8, 5000, &len);
	_exit(3);
}

static void sleep_for_one(int unused)
{
	(void)unused;
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &c));
	T_OK(shmap_chan_set_spin(c, 0));
	uint64_t v;
	size_t len;
	/* Without a wake it would sleep for ever (t_reap gives up). */
	T_OK(shmap_chan_recv(c, &v, 8, SHMAP_INFINITE, &len));
	T_EQ(v, 8);
	T_OK(shmap_chan_close(c));
}

/* A receiver killed halfway through counting itself a sleeper: whoever
 * takes its entry over does not uncount another sleeper, which the next
 * send then still wakes. */
static void dead_half_sleeper(void)
{
	shmap_chan_config cfg = {SHMAP_CHAN_MPMC, 4, 8, 2};
	shmap_chan *s, *r;
	T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_SEND, NULL, &s));
	reap_killed(t_spawn(die_falling_asleep, 0));
	pid_t p = t_spawn(sleep_for_one, 0);
	T_ASSERT(t_asleep(p));
	/* The table is full: this open takes the dead receiver's entry. */
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &r));
	uint64_t v = 8;
	T_OK(shmap_chan_send(s, &v, 8, 0));
	t_reap(p);
	T_OK(shmap_chan_close(r));
	T_OK(shmap_chan_close(s));
}

/* Stops (a crash point with SIGSTOP) in its rescue, having judged the
 * dead receiver's entry and its claim free to take, then goes on after
 * another process took the entry over: the message is not its too. */
static void rescue_late(int unused)
{
	(void)unused;
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &c));
	shmap__crash_signal = SIGSTOP;
	shmap__crash_at = SHMAP__CP_CHAN_RESCUE;
	uint64_t v = 0;
	size_t len;
	T_EQ(shmap_chan_recv(c, &v, 8, 0, &len), -EAGAIN);
	T_EQ(shmap__crash_at, 0); /* it did stop there */
	T_OK(shmap_chan_close(c));
}

/* MPMC: a receiver about to take over a dead receiver's message while a
 * new process takes over the dead one's entry (and with it the message)
 * does not get it too: one message, delivered once. */
static void rescue_races_takeover(void)
{
	shmap_chan_config cfg = {SHMAP_CHAN_MPMC, 4, 8, 2};
	shmap_chan *s, *r;
	T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_SEND, NULL, &s));
	uint64_t v = 3, got = 0;
	size_t len;
	T_OK(shmap_chan_send(s, &v, 8, 0));
	reap_killed(t_spawn(hold_and_die, 0));
	pid_t p = t_spawn(rescue_late, 0);
	int st;
	T_EQ(waitpid(p, &st, WUNTRACED), p);
	T_ASSERT(WIFSTOPPED(st));
	/* The table is full: this open takes the dead receiver's entry. */
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &r));
	T_OK(kill(p, SIGCONT));
	t_reap(p);
	T_OK(shmap_chan_recv(r, &got, 8, 0, &len));
	T_EQ(got, 3);
	T_EQ(shmap_chan_recv(r, &got, 8, 0, &len), -EAGAIN);
	T_OK(shmap_chan_close(r));
	T_OK(shmap_chan_close(s));
}

/* MPMC, capacity 4, one sender and one receiver: the block written so
 * that every slot says it was written laps ahead, so that each turn of
 * a try of a send or a receive moves the position on to the next slot,
 * which says so again, for billions of turns. */
static void hostile_loops_end(void)
{
	shmap_chan *c;
	unsigned char *file;
	size_t size, len;
	unsigned char *b = mpmc_mapped(&c, &file, &size);
	_Atomic uint64_t *tail = (_Atomic uint64_t *)(b + 64);
	_Atomic uint64_t *head = (_Atomic uint64_t *)(b + 128);
	/* Slot j: after the 640 bytes before the entries and two entries
	 * of 64; position j + 2^32, free (phase 0). */
	for (uint64_t j = 0; j < 4; j++)
		atomic_store((_Atomic uint64_t *)(b + 640 + 2 * 64 + 64 * j),
		             (j + (4ull << 30)) << 12);
	uint64_t v = 1;
	/* A poll stops at its first look at the clock, long before the
	 * bound of one try (100000 turns). */
	T_EQ(shmap_chan_recv(c, &v, 8, 0, &len), -EAGAIN);
	T_ASSERT(atomic_load(head) < 10000);
	T_EQ(shmap_chan_send(c, &v, 8, 0), -EAGAIN);
	T_ASSERT(atomic_load(tail) < 10000);
	/* A short timeout ends a wait, spinning (never sleeping) or not. */
	for (int spin = 0; spin < 2; spin++) {
		if (spin)
			T_OK(shmap_chan_set_spin(c, UINT_MAX));
		T_EQ(shmap_chan_recv(c, &v, 8, 20, &len), -ETIMEDOUT);
		T_EQ(shmap_chan_send(c, &v, 8, 20), -ETIMEDOUT);
	}
	munmap(file, size);
	T_OK(shmap_chan_close(c));
}

/* Holds a message (a peek), then stops until killed. */
static void peek_and_stop(int unused)
{
	(void)unused;
	shmap_chan *c;
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &c));
	const void *m;
	size_t len;
	T_OK(shmap_chan_peek(c, 0, &m, &len));
	raise(SIGSTOP);
	_exit(3);
}

/* MPMC: a receiver asleep while another holds a message notices, within
 * a slice of its sleep, that the holder died, and delivers it. */
static void holder_dies_under_sleeper(void)
{
	shmap_chan_config cfg = {SHMAP_CHAN_MPMC, 4, 8, 2};
	shmap_chan *s;
	T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_SEND, NULL, &s));
	uint64_t v = 8;
	T_OK(shmap_chan_send(s, &v, 8, 0));
	pid_t d = t_spawn(peek_and_stop, 0);
	int st;
	T_EQ(waitpid(d, &st, WUNTRACED), d);
	T_ASSERT(WIFSTOPPED(st));
	pid_t p = t_spawn(sleep_for_one, 0);
	T_ASSERT(t_asleep(p));
	t_kill_reap(d);
	t_reap(p);
	T_OK(shmap_chan_close(s));
}

int main(void)
{
	t_setup();
	t_run("a forked child's close keeps the parent's roles", forked_close, 30);
	t_run("dead peers, receivers that never sleep",
	      dead_peers_never_sleeping, 60);
	t_run("a lost claim keeps what is there now", lost_claim_keeps_newer, 30);
	t_run("a receiver killed falling asleep", dead_half_sleeper, 90);
	t_run("a rescue racing a takeover delivers once",
	      rescue_races_takeover, 60);
	t_run("a sleeper takes over a message whose holder died",
	      holder_dies_under_sleeper, 90);
	t_run("a hostile block ends a try at the deadline", hostile_loops_end,
	      120);
	return t_finish();
}
