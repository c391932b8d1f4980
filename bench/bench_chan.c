/* SPDX-License-Identifier: MIT */
/*
 * Message transport between two processes: shmap channels beside the floors
 * and other transports, all measured in the same run.
 *
 * Figures (each the median over REPS repetitions; in every repetition each
 * method runs once per figure and size, in turn, so slow phases of a shared
 * machine fall on all of them alike):
 *  - round trip (us) of a 64 B, 4 KiB and 1 MiB message and its reply;
 *  - one-way throughput of 64 B messages (M msg/s) and of 1 MiB messages
 *    (GB/s), beside single-thread memcpy of 1 MiB buffers (GB/s);
 *  - the cost of a zero-copy send and receive (reserve + commit, peek +
 *    release) in one process by message size, the payload untouched (ns).
 * Each side is its own process (fork; peers are programs run with exec),
 * pinned to two different CPUs (bench_pair.h). Every byte of every message is written by its
 * sender and checked by its receiver (bench_pair.h).
 *
 * Usage: bench_chan [--reps N] [--target-ms MS] [--csv FILE]
 *                   [--peer NAME=PROGRAM]...
 * A peer program runs `PROGRAM rt|tput SIZE COUNT` and prints ns per round
 * trip or per message (bench_pair.h). A peer that fails is reported and
 * left out of the rest of the run.
 */
#include "bench_pair.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <shmap.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#if __has_include(<shmap/chan.h>)
#include <shmap/chan.h>
#define HAVE_CHAN 1
#else
#define HAVE_CHAN 0
#endif

#define KiB 1024u
#define MiB (1024u * 1024u)
#define MAXREPS 64

static const char *prog = "bench_chan";

static void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", prog, what);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		die("out of memory");
	/* Touched now, not while timed (not with zeros, which a compiler
	 * may turn, with the malloc, into a calloc that touches nothing). */
	memset(p, 0x5a, n);
	return p;
}

static void *shared_alloc(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

/* Messages a channel or ring holds: a round trip needs one at a time. */
static uint32_t capacity_for(int mode, size_t size)
{
	if (mode == BP_RT)
		return 4;
	return size <= 4 * KiB ? 1024 : 8;
}

/* Local buffers each side fills and checks (the copying methods). */
static unsigned char *lbuf;
static size_t lbuf_size;

static void lbuf_prepare(size_t size)
{
	lbuf = xmalloc(size);
	lbuf_size = size;
}

static void lbuf_finish(void)
{
	free(lbuf);
	lbuf = NULL;
}

static void check_or_die(const void *p, size_t n, uint64_t seq)
{
	if (!bp_check(p, n, seq))
		die("a received message is not what was sent");
}

/* ---- the 8-byte spin floor: one shared word each way ---------------- */

static _Atomic uint64_t *words; /* [0] parent to child, [16] back */
static int side_parent;

static void words_prepare(int mode, size_t size)
{
	(void)mode;
	(void)size;
	words = shared_alloc(4096);
}

static void words_finish(void)
{
	munmap((void *)words, 4096);
}

static void any_setup(int parent, int mode, size_t size)
{
	(void)mode;
	(void)size;
	side_parent = parent;
}

static void nothing_teardown(int parent)
{
	(void)parent;
}

static void word_send(uint64_t seq, size_t size)
{
	(void)size;
	/* release: the word is the message; nothing else to publish, but the
	 * same order a real sender needs. */
	atomic_store_explicit(&words[side_parent ? 0 : 16], seq + 1,
	                      memory_order_release);
}

static void word_recv(uint64_t seq, size_t size)
{
	(void)size;
	_Atomic uint64_t *w = &words[side_parent ? 16 : 0];
	while (atomic_load_explicit(w, memory_order_acquire) != seq + 1)
		bp_relax();
}

/* ---- the raw SPSC spin ring: the floor for a ring ------------------- */

struct ring {
	_Alignas(64) _Atomic uint64_t head; /* written by the producer only */
	_Alignas(64) _Atomic uint64_t tail; /* written by the consumer only */
	_Alignas(64) uint32_t cap, slot;    /* slot: bytes, whole cache lines */
	/* cap slots, then cap lengths: a 64 B message fills one cache line,
	 * and one line of lengths serves 16 messages. */
	_Alignas(64) unsigned char data[];
};

static struct ring *rings[2]; /* [0] parent to child, [1] back */
static size_t ring_bytes;
/* Each process's own view: the index it owns and the other side's, cached
 * so the shared line is read only when the cached one says full/empty. */
static uint64_t r_head, r_tail_seen, r_tail, r_head_seen;

static void ring_prepare(int mode, size_t size)
{
	uint32_t cap = capacity_for(mode, size);
	uint32_t slot = (uint32_t)((size + 63) & ~(size_t)63);
	ring_bytes = sizeof(struct ring) + (size_t)cap * (slot + 4);
	for (int i = 0; i < 2; i++) {
		rings[i] = shared_alloc(ring_bytes);
		rings[i]->cap = cap;
		rings[i]->slot = slot;
	}
	r_head = r_tail_seen = r_tail = r_head_seen = 0;
	lbuf_prepare(size);
}

static void ring_finish(void)
{
	for (int i = 0; i < 2; i++)
		munmap(rings[i], ring_bytes);
	lbuf_finish();
}

static unsigned char *ring_len(struct ring *r, size_t i)
{
	return r->data + (size_t)r->cap * r->slot + 4 * i;
}

static void ring_send(uint64_t seq, size_t size)
{
	struct ring *r = rings[side_parent ? 0 : 1];
	bp_fill(lbuf, size, seq);
	while (r_head - r_tail_seen == r->cap) {
		/* acquire: the consumer's copy out of the slot is done. */
		r_tail_seen = atomic_load_explicit(&r->tail,
		                                   memory_order_acquire);
		if (r_head - r_tail_seen == r->cap)
			bp_relax();
	}
	size_t i = (size_t)(r_head & (r->cap - 1));
	uint32_t len = (uint32_t)size;
	memcpy(ring_len(r, i), &len, 4);
	memcpy(r->data + i * r->slot, lbuf, size);
	/* release: the slot's bytes before the index that publishes them. */
	atomic_store_explicit(&r->head, ++r_head, memory_order_release);
}

static void ring_recv(uint64_t seq, size_t size)
{
	struct ring *r = rings[side_parent ? 1 : 0];
	while (r_tail == r_head_seen) {
		/* acquire: the slot's bytes are visible once head is. */
		r_head_seen = atomic_load_explicit(&r->head,
		                                   memory_order_acquire);
		if (r_tail == r_head_seen)
			bp_relax();
	}
	size_t i = (size_t)(r_tail & (r->cap - 1));
	uint32_t len;
	memcpy(&len, ring_len(r, i), 4);
	if (len != size)
		die("raw ring: wrong length");
	memcpy(lbuf, r->data + i * r->slot, size);
	/* release: the copy out is done before the slot is given back. */
	atomic_store_explicit(&r->tail, ++r_tail, memory_order_release);
	check_or_die(lbuf, size, seq);
}

/* ---- raw futex, eventfd: a shared buffer each way and a wake-up ----- */

struct box {
	_Alignas(64) _Atomic uint32_t seq; /* the futex word: seq + 1 */
	_Alignas(64) unsigned char data[];
};

static struct box *boxes[2]; /* [0] parent to child, [1] back */
static size_t box_bytes;
static int efd[2] = {-1, -1};

static void box_prepare(int mode, size_t size)
{
	(void)mode;
	box_bytes = sizeof(struct box) + size;
	for (int i = 0; i < 2; i++)
		boxes[i] = shared_alloc(box_bytes);
	lbuf_prepare(size);
}

static void box_finish(void)
{
	for (int i = 0; i < 2; i++)
		munmap(boxes[i], box_bytes);
	lbuf_finish();
}

static void box_put(struct box *b, uint64_t seq, size_t size)
{
	bp_fill(lbuf, size, seq);
	memcpy(b->data, lbuf, size);
	/* release: the payload before the word that says it is there. */
	atomic_store_explicit(&b->seq, (uint32_t)seq + 1, memory_order_release);
}

static void box_take(struct box *b, uint64_t seq, size_t size)
{
	memcpy(lbuf, b->data, size);
	check_or_die(lbuf, size, seq);
}

static void futex_send(uint64_t seq, size_t size)
{
	struct box *b = boxes[side_parent ? 0 : 1];
	box_put(b, seq, size);
	syscall(SYS_futex, &b->seq, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void futex_recv(uint64_t seq, size_t size)
{
	struct box *b = boxes[side_parent ? 1 : 0];
	uint32_t v;
	/* acquire: pairs with box_put's release. */
	while ((v = atomic_load_explicit(&b->seq, memory_order_acquire)) !=
	       (uint32_t)seq + 1)
		syscall(SYS_futex, &b->seq, FUTEX_WAIT, v, NULL, NULL, 0);
	box_take(b, seq, size);
}

static void efd_prepare(int mode, size_t size)
{
	box_prepare(mode, size);
	efd[0] = eventfd(0, EFD_CLOEXEC);
	efd[1] = eventfd(0, EFD_CLOEXEC);
	if (efd[0] < 0 || efd[1] < 0)
		die("eventfd");
}

static void efd_finish(void)
{
	close(efd[0]);
	close(efd[1]);
	box_finish();
}

static void efd_send(uint64_t seq, size_t size)
{
	int i = side_parent ? 0 : 1;
	uint64_t one = 1;
	box_put(boxes[i], seq, size);
	if (write(efd[i], &one, 8) != 8)
		die("eventfd write");
}

static void efd_recv(uint64_t seq, size_t size)
{
	int i = side_parent ? 1 : 0;
	uint64_t v;
	if (read(efd[i], &v, 8) != 8)
		die("eventfd read");
	/* acquire: pairs with box_put's release (the read already orders). */
	if (atomic_load_explicit(&boxes[i]->seq, memory_order_acquire) !=
	    (uint32_t)seq + 1)
		die("eventfd: woken before the message");
	box_take(boxes[i], seq, size);
}

/* ---- pipe and unix socket (SOCK_STREAM): bytes through the kernel ---- */

static int fds[4]; /* parent reads fds[0], writes fds[1]; the child
                      reads fds[2], writes fds[3] */

static void write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write");
		p += w;
		n -= (size_t)w;
	}
}

static void read_all(int fd, unsigned char *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("read");
		p += r;
		n -= (size_t)r;
	}
}

static void pipe_prepare(int mode, size_t size)
{
	(void)mode;
	int p[2], q[2];
	if (pipe2(p, O_CLOEXEC) || pipe2(q, O_CLOEXEC))
		die("pipe");
	fds[0] = p[0];
	fds[3] = p[1];
	fds[2] = q[0];
	fds[1] = q[1];
	lbuf_prepare(size);
}

static void sock_prepare(int mode, size_t size)
{
	(void)mode;
	int s[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s))
		die("socketpair");
	fds[0] = fds[1] = s[0];
	fds[2] = fds[3] = s[1];
	lbuf_prepare(size);
}

static void fd_finish(void)
{
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	lbuf_finish();
}

static void fd_send(uint64_t seq, size_t size)
{
	bp_fill(lbuf, size, seq);
	write_all(side_parent ? fds[1] : fds[3], lbuf, size);
}

static void fd_recv(uint64_t seq, size_t size)
{
	read_all(side_parent ? fds[0] : fds[2], lbuf, size);
	check_or_die(lbuf, size, seq);
}

/* ---- shmap channels ------------------------------------------------- */

#if HAVE_CHAN
/* Each measurement's channels get names of their own. */
static unsigned chan_gen;
static shmap_chan *ch_out, *ch_in;
static int chan_zc;       /* reserve/commit + peek/release */
static int chan_set_spin; /* call shmap_chan_set_spin(chan_spin) */
static unsigned chan_spin;

static void chan_name(char *buf, size_t n, int parent, int dir)
{
	snprintf(buf, n, "Local\\bench-chan-%ld-%u-%d",
	         (long)(parent ? getpid() : getppid()), chan_gen, dir);
}

static void chan_die(const char *what, int rc)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, shmap_strerror(rc));
	exit(1);
}

static shmap_chan *chan_get(int parent, int mode, size_t size, int dir,
                            unsigned role)
{
	char name[96];
	shmap_chan *c = NULL;
	int rc;
	chan_name(name, sizeof name, parent, dir);
	if (parent) {
		shmap_chan_config cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.shape = SHMAP_CHAN_SPSC;
		cfg.capacity = capacity_for(mode, size);
		cfg.max_msg = (uint32_t)size;
		rc = shmap_chan_create(name, &cfg, role, NULL, &c);
	} else {
		rc = shmap_chan_open(name, role, &c);
	}
	if (rc)
		chan_die(parent ? "shmap_chan_create" : "shmap_chan_open", rc);
	if (chan_set_spin && (rc = shmap_chan_set_spin(c, chan_spin)))
		chan_die("shmap_chan_set_spin", rc);
	return c;
}

/* dir 0 runs parent to child, dir 1 back (round trips only). */
static void chan_setup(int parent, int mode, size_t size)
{
	side_parent = parent;
	ch_out = ch_in = NULL;
	if (mode == BP_RT) {
		ch_out = chan_get(parent, mode, size, parent ? 0 : 1,
		                  SHMAP_CHAN_SEND);
		ch_in = chan_get(parent, mode, size, parent ? 1 : 0,
		                 SHMAP_CHAN_RECV);
	} else if (parent) {
		ch_in = chan_get(parent, mode, size, 0, SHMAP_CHAN_RECV);
	} else {
		ch_out = chan_get(parent, mode, size, 0, SHMAP_CHAN_SEND);
	}
}

static void chan_teardown(int parent)
{
	(void)parent;
	if (ch_out)
		shmap_chan_close(ch_out);
	if (ch_in)
		shmap_chan_close(ch_in);
}

static void chan_send(uint64_t seq, size_t size)
{
	int rc;
	if (chan_zc) {
		void *slot;
		if ((rc = shmap_chan_reserve(ch_out, size, SHMAP_INFINITE,
		                             &slot)))
			chan_die("shmap_chan_reserve", rc);
		bp_fill(slot, size, seq);
		if ((rc = shmap_chan_commit(ch_out, size)))
			chan_die("shmap_chan_commit", rc);
	} else {
		bp_fill(lbuf, size, seq);
		if ((rc = shmap_chan_send(ch_out, lbuf, size, SHMAP_INFINITE)))
			chan_die("shmap_chan_send", rc);
	}
}

static void chan_recv(uint64_t seq, size_t size)
{
	size_t len = 0;
	int rc;
	if (chan_zc) {
		const void *msg;
		if ((rc = shmap_chan_peek(ch_in, SHMAP_INFINITE, &msg, &len)))
			chan_die("shmap_chan_peek", rc);
		if (len != size)
			die("shmap channel: wrong length");
		check_or_die(msg, size, seq);
		if ((rc = shmap_chan_release(ch_in)))
			chan_die("shmap_chan_release", rc);
	} else {
		if ((rc = shmap_chan_recv(ch_in, lbuf, lbuf_size,
		                          SHMAP_INFINITE, &len)))
			chan_die("shmap_chan_recv", rc);
		if (len != size)
			die("shmap channel: wrong length");
		check_or_die(lbuf, size, seq);
	}
}

static void chan_prepare_mode(size_t size, int zc, int set_spin,
                              unsigned spin)
{
	chan_gen++;
	chan_zc = zc;
	chan_set_spin = set_spin;
	chan_spin = spin;
	lbuf_prepare(size);
}

static void chan_spin_prepare(int mode, size_t size)
{
	(void)mode;
	chan_prepare_mode(size, 0, 1, UINT_MAX);
}

static void chan_spin_zc_prepare(int mode, size_t size)
{
	(void)mode;
	chan_prepare_mode(size, 1, 1, UINT_MAX);
}

static void chan_default_prepare(int mode, size_t size)
{
	(void)mode;
	chan_prepare_mode(size, 0, 0, 0);
}

static void chan_nospin_prepare(int mode, size_t size)
{
	(void)mode;
	chan_prepare_mode(size, 0, 1, 0);
}

/* Zero-copy send + receive in one process, the payload untouched: what
 * the calls cost by message size (ns per message). */
static double chan_zc_cost(size_t size, uint64_t count)
{
	char name[96];
	shmap_chan *tx = NULL, *rx = NULL;
	shmap_chan_config cfg;
	int rc;
	memset(&cfg, 0, sizeof cfg);
	cfg.shape = SHMAP_CHAN_SPSC;
	cfg.capacity = 8;
	cfg.max_msg = (uint32_t)size;
	chan_gen++;
	chan_name(name, sizeof name, 1, 2);
	if ((rc = shmap_chan_create(name, &cfg, SHMAP_CHAN_SEND, NULL, &tx)) ||
	    (rc = shmap_chan_open(name, SHMAP_CHAN_RECV, &rx)))
		chan_die("zero-copy cost: create/open", rc);
	shmap_chan_set_spin(tx, UINT_MAX);
	shmap_chan_set_spin(rx, UINT_MAX);
	double t0 = 0;
	for (uint64_t i = 0; i <= count; i++) {
		void *slot;
		const void *msg;
		size_t len;
		if (i == 1)
			t0 = bp_now_ns(); /* the first message touched the pages */
		if ((rc = shmap_chan_reserve(tx, size, SHMAP_INFINITE, &slot)) ||
		    (rc = shmap_chan_commit(tx, size)) ||
		    (rc = shmap_chan_peek(rx, SHMAP_INFINITE, &msg, &len)) ||
		    (rc = shmap_chan_release(rx)))
			chan_die("zero-copy cost", rc);
	}
	double t = (bp_now_ns() - t0) / (double)count;
	shmap_chan_close(rx);
	shmap_chan_close(tx);
	return t;
}
#endif

/* ---- single-thread memcpy of 1 MiB buffers -------------------------- */

/* ns per memcpy of size bytes, one buffer to another, from and to `set`
 * bytes of buffers in turn: set == size stays in the CPU's caches, a set
 * larger than the last-level cache goes to memory. */
static double memcpy_ns(size_t size, size_t set, uint64_t count)
{
	unsigned char *a = xmalloc(set), *b = xmalloc(set);
	size_t n = set / size;
	for (size_t k = 0; k < n; k++) {
		bp_fill(a + k * size, size, 1);
		memcpy(b + k * size, a + k * size, size);
	}
	double t0 = bp_now_ns();
	for (uint64_t i = 0; i < count; i++) {
		size_t off = (size_t)(i % n) * size;
		memcpy(b + off, a + off, size);
		__asm__ __volatile__("" ::: "memory"); /* keep every copy */
	}
	double t = (bp_now_ns() - t0) / (double)count;
	if (!bp_check(b, size, 1))
		die("memcpy check");
	free(a);
	free(b);
	return t;
}

/* ---- methods, figures, the run -------------------------------------- */

enum { F_RT, F_TPUT, F_ZC, NFIG };
enum { LOCAL, PEER, MEMCPY, ZCCOST };

struct method {
	const char *name;
	int kind;
	unsigned figs; /* 1 << F_* */
	int only8;     /* the 8-byte word: round trip of 8 B only */
	size_t set;    /* MEMCPY: bytes of buffers copied in turn (0: one) */
	struct bp_side side;
	void (*prepare)(int mode, size_t size);
	void (*finish)(void);
	const char *path; /* PEER: the program */
	int broken;
	int is_shmap;
};

#define MAXM 32
static struct method ms[MAXM];
static int nm;

static struct method *add(const char *name, int kind, unsigned figs)
{
	if (nm == MAXM)
		die("too many methods");
	struct method *m = &ms[nm++];
	memset(m, 0, sizeof *m);
	m->name = name;
	m->kind = kind;
	m->figs = figs;
	m->side.name = name;
	m->side.setup = any_setup;
	m->side.teardown = nothing_teardown;
	return m;
}

static void add_local(const char *name, unsigned figs,
                      void (*prepare)(int, size_t), void (*finish)(void),
                      void (*send)(uint64_t, size_t),
                      void (*recv)(uint64_t, size_t))
{
	struct method *m = add(name, LOCAL, figs);
	m->prepare = prepare;
	m->finish = finish;
	m->side.send = send;
	m->side.recv = recv;
}

/* The figures' cells: a figure at one message size. */
struct cell {
	int fig;
	size_t size;
};

static const struct cell cells[] = {
	{F_RT, 64},          {F_RT, 4 * KiB},  {F_RT, MiB},   {F_TPUT, 64},
	{F_TPUT, MiB},       {F_ZC, 64},       {F_ZC, 4 * KiB}, {F_ZC, MiB},
};
#define NCELL ((int)(sizeof cells / sizeof cells[0]))

static int applies(const struct method *m, const struct cell *c)
{
	if (m->broken || !(m->figs & (1u << c->fig)))
		return 0;
	if (m->kind == MEMCPY)
		return c->size == MiB;
	if (m->only8)
		return c->fig == F_RT && c->size == 64;
	return 1;
}

/* The size a method moves in a cell: the 8-byte word moves 8. */
static size_t cell_size(const struct method *m, const struct cell *c)
{
	return m->only8 ? 8 : c->size;
}

/* Prints the last lines of a peer's error output. */
static void show_tail(FILE *f)
{
	static char lines[6][256];
	int n = 0;
	rewind(f);
	while (fgets(lines[n % 6], sizeof lines[0], f))
		n++;
	for (int i = n > 6 ? n - 6 : 0; i < n; i++)
		printf("  %s", lines[i % 6]);
}

static double run_peer(struct method *m, int mode, size_t size,
                       uint64_t count)
{
	int out[2];
	FILE *err = tmpfile(); /* a peer's chatter, shown if it fails */
	if (!err || pipe2(out, O_CLOEXEC))
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char sz[32], n[32];
		snprintf(sz, sizeof sz, "%zu", size);
		snprintf(n, sizeof n, "%llu", (unsigned long long)count);
		dup2(out[1], 1);
		dup2(fileno(err), 2);
		bp_unpin(); /* the peer pins its sides itself */
		execl(m->path, m->path, mode == BP_RT ? "rt" : "tput", sz, n,
		      (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	char buf[64] = "";
	ssize_t got = 0, r;
	while (got < (ssize_t)sizeof buf - 1 &&
	       (r = read(out[0], buf + got, sizeof buf - 1 - (size_t)got)) > 0)
		got += r;
	close(out[0]);
	int st;
	waitpid(pid, &st, 0);
	double v = got > 0 ? strtod(buf, NULL) : -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) || v <= 0) {
		printf("peer %s failed (%s %zu B, status %d): left out of the "
		       "rest of this run\n",
		       m->name, mode == BP_RT ? "round trip" : "one-way", size,
		       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		show_tail(err);
		m->broken = 1;
		v = -1;
	}
	fclose(err);
	return v;
}

/* One measurement: ns per round trip, per message, or per copy. */
static double measure(struct method *m, const struct cell *c, uint64_t count)
{
	size_t size = cell_size(m, c);
	int mode = c->fig == F_RT ? BP_RT : BP_TPUT;
	switch (m->kind) {
	case PEER:
		return run_peer(m, mode, size, count);
	case MEMCPY:
		return memcpy_ns(size, m->set ? m->set : size, count);
	case ZCCOST:
#if HAVE_CHAN
		return chan_zc_cost(size, count);
#else
		return -1;
#endif
	default:
		break;
	}
	m->prepare(mode, size);
	double t = bp_run(&m->side, mode, size, count);
	m->finish();
	if (t < 0)
		die("a side failed");
	return t;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The load average over the last minute, from /proc/loadavg (-1 unknown). */
static double loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

static int reps = 11;
static double target_ms = 40;
static double res[MAXM][NCELL][MAXREPS]; /* ns per op */
static int nres[MAXM][NCELL];
static double med[MAXM][NCELL];

/* The figure's value of ns per op: us, M msg/s or GB/s, or ns. */
static double value(const struct cell *c, double ns)
{
	switch (c->fig) {
	case F_RT:
		return ns / 1e3;
	case F_TPUT:
		return c->size == 64 ? 1e3 / ns : (double)c->size / ns;
	default:
		return ns;
	}
}

static const char *unit(const struct cell *c)
{
	switch (c->fig) {
	case F_RT:
		return "us";
	case F_TPUT:
		return c->size == 64 ? "Mmsg/s" : "GB/s";
	default:
		return "ns";
	}
}

static const char *fig_key(int fig)
{
	return fig == F_RT ? "roundtrip" : fig == F_TPUT ? "oneway" : "zerocopy_cost";
}

static const char *size_name(size_t s)
{
	return s == 8 ? "8 B" : s == 64 ? "64 B" : s == 4 * KiB ? "4 KiB"
	                                                      : "1 MiB";
}

static int find(const char *name)
{
	for (int i = 0; i < nm; i++)
		if (!strcmp(ms[i].name, name))
			return i;
	return -1;
}

/* The first peer whose name starts with prefix, or NULL. */
static const char *peer_named(const char *prefix)
{
	for (int i = 0; i < nm; i++)
		if (ms[i].kind == PEER &&
		    !strncmp(ms[i].name, prefix, strlen(prefix)))
			return ms[i].name;
	return NULL;
}

static int cell_of(int fig, size_t size)
{
	for (int c = 0; c < NCELL; c++)
		if (cells[c].fig == fig && cells[c].size == size)
			return c;
	return -1;
}

/* The median value of method name in (fig, size), or 0 if not measured. */
static double got(const char *name, int fig, size_t size)
{
	int i = find(name), c = cell_of(fig, size);
	if (i < 0 || c < 0 || !nres[i][c])
		return 0;
	return value(&cells[c], med[i][c]);
}

static void goal(const char *what, double ratio, double limit, int at_most)
{
	if (ratio <= 0) {
		printf("%-58s %8s %8s  %s\n", what, "-", "", "not measured");
		return;
	}
	int pass = at_most ? ratio <= limit : ratio >= limit;
	char lim[16];
	snprintf(lim, sizeof lim, "%s%.2f", at_most ? "<=" : ">=", limit);
	printf("%-58s %8.3f %8s  %s\n", what, ratio, lim, pass ? "PASS" : "MISS");
}

#define M_SPIN "shmap channel (spin)"
#define M_SPINZC "shmap channel (spin; zero-copy)"
#define M_DEF "shmap channel (default spin)"
#define M_NOSPIN "shmap channel (spin 0)"
#define M_RING "raw SPSC spin ring"
#define M_WORD "raw 8 B spin ping-pong"
#define M_FUTEX "raw futex ping-pong"
#define M_MEMCPY "memcpy (one thread)"
#define M_MEMCPY_MEM "memcpy (one thread; 64 MiB set)"
#define M_ZC "shmap zero-copy send+receive"

static void print_tables(void)
{
	printf("\nround trip between two processes on two CPUs, us, median of "
	       "%d runs\n",
	       reps);
	printf("%-42s %10s %10s %10s\n", "method", "64 B", "4 KiB", "1 MiB");
	for (int i = 0; i < nm; i++) {
		if (!(ms[i].figs & (1u << F_RT)) || ms[i].kind == ZCCOST)
			continue;
		printf("%-42s", ms[i].only8 ? M_WORD " (8 B)" : ms[i].name);
		for (int c = 0; c < 3; c++) {
			if (nres[i][c])
				printf(" %10.3f", value(&cells[c], med[i][c]));
			else
				printf(" %10s", "-");
		}
		printf("\n");
	}
	printf("\none-way throughput, child process to parent, median of %d "
	       "runs\n",
	       reps);
	printf("%-42s %12s %12s\n", "method", "64 B Mmsg/s", "1 MiB GB/s");
	for (int i = 0; i < nm; i++) {
		if (!(ms[i].figs & (1u << F_TPUT)))
			continue;
		printf("%-42s", ms[i].name);
		for (int c = 3; c < 5; c++) {
			if (nres[i][c])
				printf(" %12.3f", value(&cells[c], med[i][c]));
			else
				printf(" %12s", "-");
		}
		printf("\n");
	}
	int z = find(M_ZC);
	if (z >= 0 && nres[z][5]) {
		printf("\nzero-copy send + receive in one process (reserve, "
		       "commit, peek, release; payload untouched), ns/msg\n");
		printf("%-42s %10s %10s %10s\n", "method", "64 B", "4 KiB",
		       "1 MiB");
		printf("%-42s %10.1f %10.1f %10.1f\n", M_ZC, med[z][5],
		       med[z][6], med[z][7]);
	}

	printf("\ngoals, as ratios of medians of this run\n");
	printf("%-58s %8s %8s  %s\n", "goal", "ratio", "target", "result");
	static const size_t sz3[3] = {64, 4 * KiB, MiB};
	char what[96];
	for (int k = 0; k < 3; k++) {
		snprintf(what, sizeof what, "spin channel / raw SPSC ring, round trip %s",
		         size_name(sz3[k]));
		double a = got(M_SPIN, F_RT, sz3[k]), b = got(M_RING, F_RT, sz3[k]);
		goal(what, a && b ? a / b : 0, 1.3, 1);
	}
	{
		double a = got(M_SPIN, F_RT, 64), b = got(M_WORD, F_RT, 64);
		goal("spin channel 64 B / raw 8 B spin, round trip", a && b ? a / b : 0,
		     2.0, 1);
	}
	for (int k = 0; k < 3; k++) {
		snprintf(what, sizeof what, "default-spin channel / raw futex, round trip %s",
		         size_name(sz3[k]));
		double a = got(M_DEF, F_RT, sz3[k]), b = got(M_FUTEX, F_RT, sz3[k]);
		goal(what, a && b ? a / b : 0, 1.2, 1);
	}
	{
		double a = got(M_NOSPIN, F_RT, 64), b = got(M_FUTEX, F_RT, 64);
		goal("(also) spin-0 channel / raw futex, round trip 64 B",
		     a && b ? a / b : 0, 1.2, 1);
	}
	double m64 = got(M_SPIN, F_TPUT, 64);
	goal("spin channel 64 B one-way, M msg/s (copy send/recv)", m64, 20, 0);
	for (int i = 0; i < nm; i++) {
		if (ms[i].kind != PEER)
			continue;
		snprintf(what, sizeof what, "spin channel / %s, 64 B one-way msg/s",
		         ms[i].name);
		double b = got(ms[i].name, F_TPUT, 64);
		goal(what, m64 && b ? m64 / b : 0, 1.0, 0);
	}
	{
		double a = got(M_SPIN, F_TPUT, MiB), b = got(M_MEMCPY, F_TPUT, MiB);
		goal("spin channel 1 MiB one-way (copy) / memcpy, GB/s", a && b ? a / b : 0,
		     0.8, 0);
		a = got(M_SPINZC, F_TPUT, MiB);
		goal("(also) zero-copy 1 MiB one-way / memcpy, GB/s", a && b ? a / b : 0,
		     0.8, 0);
	}
	{
		double a = got(M_ZC, F_ZC, MiB), b = got(M_ZC, F_ZC, 64);
		goal("zero-copy send+receive cost, 1 MiB / 64 B", a && b ? a / b : 0,
		     1.5, 1);
	}
	const char *ice = peer_named("iceoryx");
	if (ice) {
		for (int k = 0; k < 3; k++) {
			snprintf(what, sizeof what,
			         "iceoryx / zero-copy spin channel, round trip %s",
			         size_name(sz3[k]));
			double a = got(ice, F_RT, sz3[k]),
			       b = got(M_SPINZC, F_RT, sz3[k]);
			goal(what, a && b ? a / b : 0, 1.0, 0);
		}
		double a = got(M_SPINZC, F_TPUT, 64), b = got(ice, F_TPUT, 64);
		goal("zero-copy spin channel / iceoryx, 64 B one-way msg/s",
		     a && b ? a / b : 0, 1.0, 0);
		a = got(M_SPINZC, F_TPUT, MiB);
		b = got(ice, F_TPUT, MiB);
		goal("zero-copy spin channel / iceoryx, 1 MiB one-way GB/s",
		     a && b ? a / b : 0, 1.0, 0);
	} else {
		printf("%-58s %8s %8s  %s\n", "faster than iceoryx", "-", "",
		       "not measured (no iceoryx peer)");
	}
}

static void write_csv(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		die("cannot write the CSV file");
	fprintf(f, "figure,method,size,unit,min,median,max\n");
	for (int c = 0; c < NCELL; c++)
		for (int i = 0; i < nm; i++) {
			int n = nres[i][c];
			if (!n)
				continue;
			double *v = res[i][c], a = value(&cells[c], v[0]),
			       b = value(&cells[c], v[n - 1]);
			/* v is sorted by ns; a rate's min is at the other end */
			fprintf(f, "%s,%s,%zu,%s,%.4f,%.4f,%.4f\n", fig_key(cells[c].fig),
			        ms[i].name, cell_size(&ms[i], &cells[c]), unit(&cells[c]),
			        a < b ? a : b, value(&cells[c], med[i][c]), a < b ? b : a);
		}
	if (fclose(f))
		die("cannot write the CSV file");
}

int main(int argc, char **argv)
{
	const char *csv = NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	add(M_WORD, LOCAL, 1u << F_RT)->only8 = 1;
	{
		struct method *w = &ms[nm - 1];
		w->prepare = words_prepare;
		w->finish = words_finish;
		w->side.send = word_send;
		w->side.recv = word_recv;
	}
	unsigned both = (1u << F_RT) | (1u << F_TPUT);
	add_local(M_RING, both, ring_prepare, ring_finish, ring_send, ring_recv);
	add_local(M_FUTEX, 1u << F_RT, box_prepare, box_finish, futex_send,
	          futex_recv);
	add_local("eventfd", 1u << F_RT, efd_prepare, efd_finish, efd_send,
	          efd_recv);
	add_local("pipe", 1u << F_RT, pipe_prepare, fd_finish, fd_send, fd_recv);
	add_local("unix socket (SOCK_STREAM)", both, sock_prepare, fd_finish,
	          fd_send, fd_recv);
#if HAVE_CHAN
	add_local(M_SPIN, both, chan_spin_prepare, lbuf_finish, chan_send,
	          chan_recv);
	add_local(M_SPINZC, both, chan_spin_zc_prepare, lbuf_finish, chan_send,
	          chan_recv);
	add_local(M_DEF, both, chan_default_prepare, lbuf_finish, chan_send,
	          chan_recv);
	add_local(M_NOSPIN, 1u << F_RT, chan_nospin_prepare, lbuf_finish,
	          chan_send, chan_recv);
	for (int i = nm - 4; i < nm; i++) {
		ms[i].is_shmap = 1;
		ms[i].side.setup = chan_setup;
		ms[i].side.teardown = chan_teardown;
	}
	add(M_ZC, ZCCOST, 1u << F_ZC)->is_shmap = 1;
#else
	printf("shmap channels are not in this build (no shmap/chan.h): their "
	       "rows are left out\n");
#endif
	add(M_MEMCPY, MEMCPY, 1u << F_TPUT);
	/* the same, cycling through 64 MiB: copies from and to memory */
	add(M_MEMCPY_MEM, MEMCPY, 1u << F_TPUT)->set = 64 * (size_t)MiB;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--reps") && a + 1 < argc)
			reps = atoi(argv[++a]);
		else if (!strcmp(argv[a], "--target-ms") && a + 1 < argc)
			target_ms = atof(argv[++a]);
		else if (!strcmp(argv[a], "--csv") && a + 1 < argc)
			csv = argv[++a];
		else if (!strcmp(argv[a], "--peer") && a + 1 < argc) {
			char *spec = argv[++a], *eq = strchr(spec, '=');
			if (!eq)
				die("--peer NAME=PROGRAM");
			*eq = 0;
			add(spec, PEER, both)->path = eq + 1;
		} else {
			fprintf(stderr, "usage: bench_chan [--reps N] [--target-ms MS] "
			                "[--csv FILE] [--peer NAME=PROGRAM]...\n");
			return 2;
		}
	}
	if (reps < 1 || reps > MAXREPS || target_ms <= 0)
		die("--reps 1..64, --target-ms > 0");
	bp_alarm_s = 600;
	bp_pin(0);
	if (!bp_have_cpus)
		printf("this process may run on one CPU only: both sides share "
		       "it, unpinned (a spinning side waits for the other's "
		       "time slice)\n");

	/* Counts: from a short pilot run each, so one measurement takes about
	 * target_ms whatever the method's speed. */
	static uint64_t count[MAXM][NCELL];
	for (int c = 0; c < NCELL; c++)
		for (int i = 0; i < nm; i++) {
			if (!applies(&ms[i], &cells[c]))
				continue;
			uint64_t pilot = cells[c].size >= MiB ? 8 : 64;
			double ns = measure(&ms[i], &cells[c], pilot);
			if (ns <= 0)
				continue;
			double n = target_ms * 1e6 / ns;
			count[i][c] = n < 4 ? 4 : n > 5e7 ? 50000000 : (uint64_t)n;
		}
	double load0 = loadavg();
	printf("%d runs, each method in turn in every run, about %.0f ms per "
	       "measurement\n",
	       reps, target_ms);
	for (int r = 0; r < reps; r++) {
		for (int c = 0; c < NCELL; c++)
			for (int i = 0; i < nm; i++) {
				if (!applies(&ms[i], &cells[c]) || !count[i][c])
					continue;
				double ns = measure(&ms[i], &cells[c], count[i][c]);
				if (ns > 0)
					res[i][c][nres[i][c]++] = ns;
			}
		if (isatty(2)) /* progress, on a terminal only */
			fprintf(stderr, "\rrun %d of %d done%s", r + 1, reps,
			        r + 1 == reps ? "\n" : "");
	}
	printf("load average %.2f before the runs, %.2f after\n", load0,
	       loadavg());
	for (int i = 0; i < nm; i++)
		for (int c = 0; c < NCELL; c++) {
			/* A peer that failed part-way has fewer: not a median of
			 * this run's repetitions, so left out. */
			if (nres[i][c] < reps || ms[i].broken) {
				nres[i][c] = 0;
				continue;
			}
			qsort(res[i][c], (size_t)nres[i][c], sizeof(double), cmpd);
			med[i][c] = res[i][c][nres[i][c] / 2];
		}
	print_tables();
	if (csv)
		write_csv(csv);
	return 0;
}
