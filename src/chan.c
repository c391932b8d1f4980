/* SPDX-License-Identifier: MIT */
/*
 * Message channels: a ring of slots in a named object (see shmap/chan.h).
 *
 * The channel's block (struct cblk) starts the object's data: constants
 * written once at create, then the write position (tail) and the read
 * position (head) on lines of their own, the two futex pairs (data: the
 * receivers sleep there; space: the senders do), the namespace table of
 * the identities, the folded counters, the tables of senders and of
 * receivers (one 64-byte entry each, written by its holder only), then
 * the slots, each a 16-byte slot header and max_msg bytes, 64-byte aligned.
 *
 * SPSC: a Lamport ring. The sender alone writes tail, the receiver alone
 * head; each keeps the other's last value in its handle and reads the
 * shared one only when that says full or empty, so the fast path is a
 * copy, one release store and a check whether someone sleeps.
 *
 * MPMC: Vyukov's ring with a claim per slot. A slot's 64-bit state word
 * holds a position (52 bits), a phase (free, writing, full, reading) and
 * the index of the sender or receiver entry that claimed it; a claim is
 * one CAS of that word (tail and head are hints every party advances), so
 * a process killed between claim and commit is named in the slot. Each
 * entry records its claim first, so whoever takes a dead entry over can
 * settle it. A slot written by a dead sender is skipped by the receiver
 * that finds it at the head (counted in skipped); a slot being read by a
 * dead receiver is taken over by another receiver when it next runs out
 * of messages, and delivered again.
 *
 * Broadcast: a single-writer log. A slot's state word is a seqlock: the
 * writer marks it writing at the position it is about to overwrite, fills
 * it, marks it full, then publishes tail. Each reader keeps its position
 * in its handle and entry; a reader more than capacity behind, or one that
 * finds the slot's state changed around its copy, is told SHMAP_EOVERRUN
 * and moves to the oldest message still there.
 *
 * Sleeping: a party that has spun in vain counts itself in the sleepers
 * word of its side (seq_cst), reads the side's futex word, fences
 * (seq_cst), tries once more and sleeps. Whoever makes progress for the
 * other side fences (seq_cst) and reads the sleepers word: only if it is nonzero does it bump the
 * futex word and wake one (SPSC, MPMC) or all (broadcast). Every way out
 * of a wait tries once more, so a wake is never swallowed by a sleeper
 * that then times out.
 *
 * The receivers' futex word dseq is also the word of the handles'
 * waitables (shmap_chan_waitable, a level kind of wait.h): its bit 0 says
 * a waitable's waiter sleeps, bit 1 (LISTENED) that a descriptor may
 * listen (a slot of listen[] is taken), and a wake adds 4, so one wake
 * after a message serves both kinds of sleeper. The sender's check is the
 * same one load of that line: with nobody asleep or listening, no system
 * call.
 *
 * Everything read from the block is hostile input: the handle copies the
 * constants at open, validates them against the object's size and never
 * reads them again; positions are masked, lengths checked before use.
 * The mapping is registered with guard.c, so a cut file makes calls fail
 * with SHMAP_EINPAGE (see sync.c).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "futex.h"
#include "internal.h"
#include "live.h"
#include "wait.h"

#define CH_MAGIC16 0x4843u /* "CH" */
#define CH_VERSION 2u
#define SLOT_HDR 16u
#define LINE 64u
#define CAP_MAX (1u << 24)
#define MSG_MAX (1u << 30)
#define ROLES_DEFAULT 64u
#define SLICE_NS 20000000ll /* a wait behind a claim checks it this often */
#define LEN_CANCEL 0xffffffffu /* MPMC: a cancelled reservation */
#define LOOPS_MAX 100000 /* tries of a claim before it counts as busy */

/* The state word of an MPMC or broadcast slot (see the top of the file). */
#define IDX_MASK 0x3ffull
#define PH_SHIFT 10
#define POS_SHIFT 12
enum { PH_FREE = 0, PH_WRITING = 1, PH_FULL = 2, PH_READING = 3 };
#define MK(pos, ph, idx)                                                       \
	(((uint64_t)(pos) << POS_SHIFT) | ((uint64_t)(ph) << PH_SHIFT) |       \
	 (uint64_t)(idx))
#define ST_PH(s) ((unsigned)(((s) >> PH_SHIFT) & 3u))
#define ST_IDX(s) ((unsigned)((s)&IDX_MASK))
/* How far the position of state s is ahead of pos (52-bit arithmetic). */
static inline int64_t st_diff(uint64_t s, uint64_t pos)
{
	return (int64_t)((s & ~((1ull << POS_SHIFT) - 1)) -
	                 (pos << POS_SHIFT)) >>
	       POS_SHIFT;
}

/* One sender, receiver or reader; written by its holder only, except
 * when a dead holder's entry is taken over. */
struct ent {
	_Atomic uint64_t ident; /* 0 free, else the holder's identity */
	_Atomic uint64_t claim; /* MPMC: the state word of its claim, or 0 */
	_Atomic uint64_t pos;   /* broadcast reader: its next position */
	_Atomic uint64_t msgs;  /* sent, or received */
	_Atomic uint64_t bytes;
	_Atomic uint64_t waits; /* full waits, or empty waits */
	_Atomic uint64_t missed; /* broadcast reader */
	_Atomic uint32_t overruns;
	_Atomic uint32_t asleep; /* counted in its side's sleepers */
};
_Static_assert(sizeof(struct ent) == LINE, "an entry fills a line");

/* Counters of entries given up or taken over, and events that no entry
 * owns. */
struct ctr {
	_Atomic uint64_t sent, sent_bytes, recv, recv_bytes;
	_Atomic uint64_t full_waits, empty_waits, skipped, overruns, missed;
};

struct cblk {
	uint32_t magic; /* "CH" | format << 16 */
	uint32_t shape;
	uint32_t capacity;
	uint32_t max_msg;
	uint32_t stride;
	uint32_t nsend; /* entries in the table of senders */
	uint32_t nrecv; /* ... of receivers (readers) */
	uint32_t zero;
	uint64_t start; /* the first position */
	uint64_t size;  /* bytes of the block, slots included */
	_Alignas(64) _Atomic uint64_t tail; /* next position written */
	_Alignas(64) _Atomic uint64_t head; /* next position received */
	_Alignas(64) _Atomic uint32_t dseq; /* receivers sleep on it */
	_Atomic uint32_t dsleep;            /* receivers asleep */
	_Alignas(64) _Atomic uint32_t sseq; /* senders sleep on it */
	_Atomic uint32_t ssleep;
	_Alignas(64) struct shmap__nstab ns;
	_Alignas(64) struct ctr ctr;
	/* Listeners of the handles' descriptors (pollfd.h); while one may
	 * be there, bit 1 of dseq (LISTENED) is set. */
	_Atomic uint64_t listen[SHMAP_CHAN_LISTENERS_MAX];
	_Alignas(64) unsigned char ents[]; /* nsend + nrecv entries */
};
#define ENTS_OFF 640u
_Static_assert(offsetof(struct cblk, ents) == ENTS_OFF, "entries at 640");

struct slot {
	_Atomic uint64_t state;
	_Atomic uint32_t len;
	uint32_t zero;
};
_Static_assert(sizeof(struct slot) == SLOT_HDR, "slot header");

#define CB_OFF(i, f) SHMAP__FOLD(i, offsetof(struct cblk, f))
#define EN_OFF(i, f) SHMAP__FOLD(i, offsetof(struct ent, f))
#define CH_FORMAT                                                              \
	((SHMAP__FOLD(0, CH_VERSION) + SHMAP__FOLD(1, ENTS_OFF) +               \
	  SHMAP__FOLD(2, sizeof(struct ent)) + SHMAP__FOLD(3, SLOT_HDR) +       \
	  SHMAP__FOLD(4, sizeof(struct shmap__nstab)) + CB_OFF(5, shape) +      \
	  CB_OFF(6, capacity) + CB_OFF(7, max_msg) + CB_OFF(8, stride) +        \
	  CB_OFF(9, nsend) + CB_OFF(10, nrecv) + CB_OFF(11, start) +            \
	  CB_OFF(12, size) + CB_OFF(13, tail) + CB_OFF(14, head) +              \
	  CB_OFF(15, dseq) + CB_OFF(16, dsleep) + CB_OFF(17, sseq) +            \
	  CB_OFF(18, ssleep) + CB_OFF(19, ns) + CB_OFF(20, ctr) +               \
	  EN_OFF(21, claim) + EN_OFF(22, pos) + EN_OFF(23, msgs) +              \
	  EN_OFF(24, asleep) + SHMAP__FOLD(25, sizeof(struct ctr)) +            \
	  SHMAP__FOLD(26, POS_SHIFT) + CB_OFF(27, listen) +                     \
	  SHMAP__FOLD(28, SHMAP_CHAN_LISTENERS_MAX)) &                                         \
	 0xffffu)
#define CH_MAGIC (CH_MAGIC16 | CH_FORMAT << 16)

/* The constants of a channel, as checked (geom_check). */
struct geom {
	uint32_t shape, cap, max, stride, nsend, nrecv;
	uint64_t start, size, slots_off;
};

struct shmap_chan {
	/* The hot fields first. */
	struct cblk *b;
	unsigned char *slots;
	struct ent *ents;
	uint64_t mask;
	uint32_t cap, max, stride, shape, nsend, nrecv;
	unsigned flags, spins;
	/* Sending. */
	struct ent *se;     /* our sender entry, or NULL */
	unsigned sidx;      /* its index */
	uint64_t tail;      /* SPSC, broadcast: the next position we write */
	uint64_t head_seen; /* SPSC: head as last read */
	int resv;           /* a reservation is outstanding */
	uint64_t rpos;      /* its position */
	size_t rlen;        /* its length */
	/* Receiving. */
	struct ent *re;     /* our receiver entry, or NULL */
	unsigned ridx;
	uint64_t head;      /* SPSC, broadcast: the next position we read */
	uint64_t tail_seen; /* SPSC: tail as last read */
	int held;           /* MPMC: we hold a claim on hpos */
	int peeked;         /* a peek is outstanding */
	uint64_t hpos, hstate;
	uint32_t hlen;
	int slice;          /* the last try waited on a claim: sleep in slices */
	int tmo;            /* the timeout of the call under way */
	int64_t until;      /* its deadline (-1: none), or UNTIL_UNSET */
	uint64_t missed;    /* broadcast: since the last shmap_chan_missed */
	uint64_t ident;
	pid_t pid;          /* the process that opened it (a forked child
	                     * only closes it) */
	struct shmap__obj obj;
	int has_obj;
	void *map;
	size_t map_len;
	struct shmap__region *region;
	shmap_sync *w; /* our waitable, once asked for */
};

#define UNTIL_UNSET INT64_MIN

/* Starts a call that waits up to timeout_ms: its deadline is set at its
 * first look at the clock (a call that needs none makes none). */
static inline void call_begin(shmap_chan *c, int timeout_ms)
{
	c->tmo = timeout_ms;
	c->until = UNTIL_UNSET;
}

/* The deadline of the call under way (-1: none). */
static int64_t deadline(shmap_chan *c)
{
	if (c->until == UNTIL_UNSET)
		c->until = shmap__deadline_ns(c->tmo);
	return c->until;
}

/* Whether the call under way is past its deadline, looked at every 64th
 * turn n of a loop over the block's state: a hostile block can keep such
 * a loop turning up to its bound (LOOPS_MAX), far past a short timeout. */
static inline int overdue(shmap_chan *c, unsigned n)
{
	if ((n & 63) != 63 || c->tmo < 0)
		return 0;
	int64_t d = deadline(c);
	return shmap__now_ns() >= d;
}

/* Test hook: the first position of channels created from now on. */
uint64_t shmap__chan_start;

static inline struct slot *slot_at(const shmap_chan *c, uint64_t pos)
{
	return (struct slot *)(c->slots + (size_t)(pos & c->mask) * c->stride);
}

static inline int lost(const shmap_chan *c)
{
	return shmap__region_lost(c->region);
}

/* Copies a message of n bytes (none: buf may be NULL). libc's memcpy:
 * 16-byte moves inline made a 64 B round trip between two processes
 * slower (0.26 against 0.17 us). */
static inline void copy_msg(void *d, const void *s, size_t n)
{
	if (n)
		memcpy(d, s, n);
}

/* Adds v to a counter only its entry's holder writes. */
static inline void bump(_Atomic uint64_t *w, uint64_t v)
{
	/* relaxed: a counter one party writes; readers take a snapshot. */
	atomic_store_explicit(w, atomic_load_explicit(w, memory_order_relaxed) + v,
	                      memory_order_relaxed);
}

/* ---- geometry ---- */

static uint32_t stride_for(uint32_t max)
{
	return (uint32_t)(((uint64_t)SLOT_HDR + max + LINE - 1) & ~(uint64_t)(LINE - 1));
}

static int geom_make(struct geom *g, uint32_t shape, uint32_t cap, uint32_t max,
                     uint32_t nsend, uint32_t nrecv)
{
	if (shape < SHMAP_CHAN_SPSC || shape > SHMAP_CHAN_BROADCAST ||
	    cap < 2 || cap > CAP_MAX || (cap & (cap - 1)) || max < 1 ||
	    max > MSG_MAX || nsend < 1 || nrecv < 1 ||
	    nsend > SHMAP_CHAN_ROLES_MAX || nrecv > SHMAP_CHAN_ROLES_MAX)
		return SHMAP_EBADOBJ;
	if (shape != SHMAP_CHAN_MPMC && nsend != 1)
		return SHMAP_EBADOBJ;
	if (shape == SHMAP_CHAN_SPSC && nrecv != 1)
		return SHMAP_EBADOBJ;
	g->shape = shape;
	g->cap = cap;
	g->max = max;
	g->stride = stride_for(max);
	g->nsend = nsend;
	g->nrecv = nrecv;
	g->slots_off = ENTS_OFF + (uint64_t)(nsend + nrecv) * sizeof(struct ent);
	g->size = g->slots_off + (uint64_t)cap * g->stride;
	return 0;
}

/* Reads and checks the constants of the block at b (len bytes there, at
 * least the constants; the caller checks that what it uses is there). */
static int geom_check(const struct cblk *b, uint64_t len, struct geom *g)
{
	if (len < ENTS_OFF)
		return SHMAP_EBADOBJ;
	uint32_t magic = b->magic;
	if ((magic & 0xffffu) != CH_MAGIC16)
		return SHMAP_EBADOBJ;
	if (magic != CH_MAGIC)
		return SHMAP_EFORMAT;
	int rc = geom_make(g, b->shape, b->capacity, b->max_msg, b->nsend,
	                   b->nrecv);
	if (rc)
		return rc;
	g->start = b->start;
	if (b->stride != g->stride || b->size != g->size)
		return SHMAP_EBADOBJ;
	return 0;
}

/* Writes a new block at b (g->size bytes, zero). */
static void block_init(struct cblk *b, const struct geom *g)
{
	b->magic = CH_MAGIC;
	b->shape = g->shape;
	b->capacity = g->cap;
	b->max_msg = g->max;
	b->stride = g->stride;
	b->nsend = g->nsend;
	b->nrecv = g->nrecv;
	b->start = g->start;
	b->size = g->size;
	atomic_init(&b->tail, g->start);
	atomic_init(&b->head, g->start);
	unsigned char *slots = (unsigned char *)b + g->slots_off;
	for (uint64_t i = 0; i < g->cap; i++) {
		uint64_t pos = g->start + i;
		struct slot *s = (struct slot *)(slots + (size_t)(pos & (g->cap - 1)) *
		                                                 g->stride);
		/* Broadcast: a position a lap back, written, so that no
		 * reader takes it for the one it waits for. */
		atomic_init(&s->state, g->shape == SHMAP_CHAN_BROADCAST
		                               ? MK(pos - g->cap, PH_FULL, 0)
		                               : MK(pos, PH_FREE, 0));
	}
}

struct build {
	struct geom g;
};

static int build_block(int fd, void *arg)
{
	struct build *bd = arg;
	size_t len = (size_t)bd->g.size;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	               (off_t)shmap__data_offset());
	if (p == MAP_FAILED)
		return -errno;
	block_init(p, &bd->g);
	munmap(p, len);
	return 0;
}

/* ---- waking ---- */

/* Wakes a sleeper of the side whose futex pair is seq/sleepers, if any.
 * all: every one of them (broadcast). */
static inline void wake_side(_Atomic uint32_t *seq, _Atomic uint32_t *sleepers,
                             int all)
{
	/* seq_cst: our publication (tail, head, a state word) is ordered
	 * before the load of the sleepers word, as a sleeper's count is
	 * before its last look (the Dekker pair; see the top of the file). */
	atomic_thread_fence(memory_order_seq_cst);
	/* relaxed: ordered by the fence above. */
	if (__builtin_expect(atomic_load_explicit(sleepers, memory_order_relaxed) != 0, 0)) {
		SHMAP__ERRNO_SAVE;
		/* relaxed: the futex call orders what matters. */
		atomic_fetch_add_explicit(seq, 1, memory_order_relaxed);
		shmap__futex_wake(seq, all ? INT_MAX : 1);
		SHMAP__ERRNO_RESTORE;
	}
}

#define LISTENED 2u /* bit 1 of dseq (see the top of the file) */

/* The slow half of wake_data: sl and q are dsleep and dseq as it read
 * them, one of them asking for something. */
static __attribute__((noinline)) void wake_data_slow(shmap_chan *c, uint32_t sl,
                                                     uint32_t q)
{
	struct cblk *b = c->b;
	/* The SPSC fast paths save no errno: their system calls are here. */
	SHMAP__ERRNO_SAVE;
	if (q & LISTENED) {
		shmap__pollfd_notify(b->listen, SHMAP_CHAN_LISTENERS_MAX);
		unsigned i = 0;
		/* relaxed: a stale id costs one more notify. */
		while (i < SHMAP_CHAN_LISTENERS_MAX &&
		       !atomic_load_explicit(&b->listen[i], memory_order_relaxed))
			i++;
		/* Nobody listens any more: clear the bit, unless the word
		 * moved since q (a listener bumps it after taking its slot). */
		if (i == SHMAP_CHAN_LISTENERS_MAX)
			atomic_compare_exchange_strong(&b->dseq, &q, q & ~LISTENED);
	}
	if (!sl && !(q & 1u)) {
		SHMAP__ERRNO_RESTORE;
		return;
	}
	/* seq_cst: as shmap__wait_wake; the bump keeps bit 1 and takes
	 * bit 0 (the waitables' sleepers) as a wake of theirs does. */
	uint32_t o = atomic_load(&b->dseq);
	while (!atomic_compare_exchange_weak(&b->dseq, &o, (o & ~1u) + 4u))
		;
	shmap__futex_wake(&b->dseq, (o & 1u) || c->shape == SHMAP_CHAN_BROADCAST
	                                    ? INT_MAX
	                                    : 1);
	SHMAP__ERRNO_RESTORE;
}

/* After a message: wakes a receiver asleep (broadcast: all of them), the
 * waitables' sleepers and the descriptors' listeners, if there are any. */
static inline void wake_data(shmap_chan *c)
{
	struct cblk *b = c->b;
	/* seq_cst: our publication is ordered before the loads below, as a
	 * sleeper's count or bit is before its last look (wake_side). */
	atomic_thread_fence(memory_order_seq_cst);
	/* relaxed, both: ordered by the fence; one line. */
	uint32_t sl = atomic_load_explicit(&b->dsleep, memory_order_relaxed);
	uint32_t q = atomic_load_explicit(&b->dseq, memory_order_relaxed);
	if (__builtin_expect(sl != 0 || (q & (1u | LISTENED)) != 0, 0))
		wake_data_slow(c, sl, q);
}

static inline void wake_space(shmap_chan *c)
{
	wake_side(&c->b->sseq, &c->b->ssleep, 0);
}

/* ---- entries ---- */

/* Whether the holder id of an entry is gone: free (0) or dead. */
static int ident_gone(shmap_chan *c, uint64_t id)
{
	return id == 0 || shmap__ident_dead(&c->b->ns, id);
}

/* Folds the counters of entry e (of a receiver if recv) into the block's. */
static void fold(shmap_chan *c, struct ent *e, int recv)
{
	struct ctr *t = &c->b->ctr;
	/* relaxed, all: counters; a monitor may see one twice meanwhile. */
	uint64_t m = atomic_exchange_explicit(&e->msgs, 0, memory_order_relaxed);
	uint64_t by = atomic_exchange_explicit(&e->bytes, 0, memory_order_relaxed);
	uint64_t w = atomic_exchange_explicit(&e->waits, 0, memory_order_relaxed);
	uint64_t mi = atomic_exchange_explicit(&e->missed, 0, memory_order_relaxed);
	uint32_t o = atomic_exchange_explicit(&e->overruns, 0, memory_order_relaxed);
	atomic_fetch_add_explicit(recv ? &t->recv : &t->sent, m, memory_order_relaxed);
	atomic_fetch_add_explicit(recv ? &t->recv_bytes : &t->sent_bytes, by,
	                          memory_order_relaxed);
	atomic_fetch_add_explicit(recv ? &t->empty_waits : &t->full_waits, w,
	                          memory_order_relaxed);
	atomic_fetch_add_explicit(&t->missed, mi, memory_order_relaxed);
	atomic_fetch_add_explicit(&t->overruns, o, memory_order_relaxed);
	/* A holder that died asleep is still counted as a sleeper. */
	if (atomic_exchange_explicit(&e->asleep, 0, memory_order_relaxed)) {
		_Atomic uint32_t *sl = recv ? &c->b->dsleep : &c->b->ssleep;
		uint32_t v = atomic_load_explicit(sl, memory_order_relaxed);
		/* relaxed: a sleeper count only costs or saves a wake. */
		while (v && !atomic_compare_exchange_weak_explicit(
		                    sl, &v, v - 1, memory_order_relaxed,
		                    memory_order_relaxed))
			;
	}
}

/*
 * Settles the claim an entry's last holder left (MPMC), now that entry e
 * (index idx) is ours: a sender's slot is marked abandoned (receivers skip
 * it), a receiver's message becomes our receiver entry's (c->re) to
 * deliver again. Only the holder of e settles its claim, so no two
 * parties take one message over: the slot's word alone could not tell
 * them apart, as an entry's new holder claims the message with the very
 * word its last holder left there.
 */
static void settle(shmap_chan *c, struct ent *e, unsigned idx, int recv)
{
	/* relaxed: the CAS on the slot below decides. Cleared only once
	 * settled, so a death meanwhile leaves it to e's next taker. */
	uint64_t cl = atomic_load_explicit(&e->claim, memory_order_relaxed);
	uint64_t want = cl;
	if (cl && c->shape == SHMAP_CHAN_MPMC && ST_IDX(cl) == idx + 1) {
		uint64_t pos = cl >> POS_SHIFT;
		struct slot *s = slot_at(c, pos);
		uint64_t mine = MK(pos, PH_READING, c->ridx + 1);
		if (!recv) {
			/* acq_rel: as every claim. */
			atomic_compare_exchange_strong(&s->state, &want,
			                               MK(pos, PH_WRITING, 0));
		} else if (ST_PH(cl) == PH_READING) {
			/* relaxed: published by the CAS (its release
			 * half), as in take. */
			atomic_store_explicit(&c->re->claim, mine,
			                      memory_order_relaxed);
			/* acq_rel: as every claim. */
			if (atomic_compare_exchange_strong(&s->state, &want,
			                                   mine)) {
				c->held = 1;
				c->hpos = pos;
				c->hstate = mine;
				if (e == c->re)
					return;
			} else {
				/* relaxed: a stale claim never matches. */
				atomic_store_explicit(&c->re->claim, 0,
				                      memory_order_relaxed);
			}
		}
	}
	/* relaxed: as above. */
	atomic_store_explicit(&e->claim, 0, memory_order_relaxed);
}

/* Takes an entry of the senders' (recv 0) or receivers' table: a free one,
 * else one whose holder died. */
static int role_take(shmap_chan *c, int recv)
{
	struct ent *t = c->ents + (recv ? c->nsend : 0);
	unsigned n = recv ? c->nrecv : c->nsend;
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < n; i++) {
			/* relaxed: the CAS below decides. */
			uint64_t id = atomic_load_explicit(&t[i].ident,
			                                   memory_order_relaxed);
			if (pass == 0 ? id != 0 : !ident_gone(c, id))
				continue;
			/* acquire: the last holder's writes to the entry,
			 * its claim above all, are visible to us. */
			if (!atomic_compare_exchange_strong_explicit(
			            &t[i].ident, &id, c->ident,
			            memory_order_acquire, memory_order_relaxed))
				continue;
			fold(c, &t[i], recv);
			if (recv) {
				c->re = &t[i];
				c->ridx = i;
			} else {
				c->se = &t[i];
				c->sidx = i;
			}
			settle(c, &t[i], i, recv);
			return 0;
		}
	}
	return c->shape == SHMAP_CHAN_MPMC ||
	                       (recv && c->shape == SHMAP_CHAN_BROADCAST)
	               ? -ENOSPC
	               : -EBUSY;
}

/* Gives up entry e (of a receiver if recv). */
static void role_drop(shmap_chan *c, struct ent *e, int recv)
{
	fold(c, e, recv);
	/* release: the counters and any claim left for another receiver
	 * are written before the entry can be taken. */
	atomic_store_explicit(&e->ident, 0, memory_order_release);
}

/* ---- sending ---- */

/* Claims room for a message: 0 with the payload's place in *p, -EAGAIN
 * if the channel is full, -ETIMEDOUT if the call's deadline passed while
 * a claim was tried (MPMC), or an error. */
static int claim_send(shmap_chan *c, void **p)
{
	struct cblk *b = c->b;
	if (c->shape == SHMAP_CHAN_SPSC) {
		uint64_t t = c->tail;
		if (t - c->head_seen >= c->cap) {
			/* acquire: pairs with the receiver's release of head;
			 * its reads of the slot are done before we write. */
			uint64_t h = atomic_load_explicit(&b->head, memory_order_acquire);
			if (t - h > c->cap)
				return SHMAP_EBADOBJ;
			c->head_seen = h;
			if (t - h == c->cap)
				return -EAGAIN;
		}
		c->rpos = t;
		*p = (unsigned char *)slot_at(c, t) + SLOT_HDR;
		return 0;
	}
	if (c->shape == SHMAP_CHAN_BROADCAST) {
		uint64_t t = c->tail;
		struct slot *s = slot_at(c, t);
		/* relaxed, then a release fence: the mark is seen before
		 * any byte we write (the seqlock writer's order). */
		atomic_store_explicit(&s->state, MK(t, PH_WRITING, 0),
		                      memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
		c->rpos = t;
		*p = (unsigned char *)s + SLOT_HDR;
		return 0;
	}
	/* relaxed: a hint; the slot's state decides. */
	uint64_t t = atomic_load_explicit(&b->tail, memory_order_relaxed);
	uint64_t mine;
	for (unsigned i = 0;; i++) {
		if (i == LOOPS_MAX)
			return -EAGAIN;
		if (overdue(c, i))
			return -ETIMEDOUT;
		struct slot *s = slot_at(c, t);
		/* acquire: the last reader of the slot is done with it. */
		uint64_t st = atomic_load_explicit(&s->state, memory_order_acquire);
		int64_t d = st_diff(st, t);
		if (d == 0 && ST_PH(st) == PH_FREE && ST_IDX(st) == 0) {
			mine = MK(t, PH_WRITING, c->sidx + 1);
			/* relaxed: the claim CAS below publishes it (its
			 * release half) to whoever takes our entry over. */
			atomic_store_explicit(&c->se->claim, mine,
			                      memory_order_relaxed);
			/* acq_rel: acquire as the load above; release so
			 * the recorded claim precedes the claim itself. */
			if (atomic_compare_exchange_strong_explicit(
			            &s->state, &st, mine, memory_order_acq_rel,
			            memory_order_relaxed)) {
				/* relaxed: a hint (on a copy: a failed CAS
				 * overwrites it). */
				uint64_t tt = t;
				atomic_compare_exchange_strong_explicit(
				        &b->tail, &tt, t + 1, memory_order_relaxed,
				        memory_order_relaxed);
				c->rpos = t;
				*p = (unsigned char *)s + SLOT_HDR;
				return 0;
			}
			continue;
		}
		if (d > 0 && d % c->cap == 0) {
			/* Written laps later: we slept since we read tail. */
			uint64_t t2 = atomic_load_explicit(&b->tail,
			                                   memory_order_relaxed);
			if (t2 != t) {
				t = t2;
				continue;
			}
		}
		if (d == 0 || (d > 0 && d % c->cap == 0)) {
			/* Claimed by another, or long done: tail is behind.
			 * relaxed: a hint. */
			if (atomic_compare_exchange_strong_explicit(
			            &b->tail, &t, t + 1, memory_order_relaxed,
			            memory_order_relaxed))
				t++;
			continue;
		}
		if (d == -(int64_t)c->cap) {
			/* Last lap's message is still there: full, unless
			 * tail moved meanwhile. */
			uint64_t t2 = atomic_load_explicit(&b->tail,
			                                   memory_order_relaxed);
			if (t2 == t)
				return -EAGAIN;
			t = t2;
			continue;
		}
		return SHMAP_EBADOBJ;
	}
}

/* Publishes the claimed message of len bytes (LEN_CANCEL: none). */
static void publish(shmap_chan *c, uint32_t len)
{
	struct cblk *b = c->b;
	struct slot *s = slot_at(c, c->rpos);
	/* relaxed: published by the release below. */
	atomic_store_explicit(&s->len, len, memory_order_relaxed);
	if (c->shape == SHMAP_CHAN_SPSC) {
		c->tail = c->rpos + 1;
		/* release: the payload and its length before the position. */
		atomic_store_explicit(&b->tail, c->tail, memory_order_release);
	} else if (c->shape == SHMAP_CHAN_BROADCAST) {
		/* release: the payload before the seqlock's end mark, and
		 * the mark before the position. */
		atomic_store_explicit(&s->state, MK(c->rpos, PH_FULL, 0),
		                      memory_order_release);
		c->tail = c->rpos + 1;
		atomic_store_explicit(&b->tail, c->tail, memory_order_release);
	} else {
		/* release: the payload and length before the full mark. */
		atomic_store_explicit(&s->state, MK(c->rpos, PH_FULL, 0),
		                      memory_order_release);
		/* relaxed: the claim is settled; a stale one never matches. */
		atomic_store_explicit(&c->se->claim, 0, memory_order_relaxed);
	}
	if (len != LEN_CANCEL) {
		bump(&c->se->msgs, 1);
		bump(&c->se->bytes, len);
	}
	wake_data(c);
}

/* ---- receiving ---- */

/* Frees the MPMC slot at pos, which we claimed (c->hstate), for the next
 * lap and wakes a sender. A claim taken from us meanwhile (we were judged
 * dead, or the block was written) leaves the slot as it is now: what is
 * there may be a newer lap's. */
static void mpmc_free(shmap_chan *c, uint64_t pos)
{
	uint64_t st = c->hstate;
	/* release: our reads of the slot are done before it can be
	 * written again (pairs with the sender's acquire). */
	atomic_compare_exchange_strong_explicit(
	        &slot_at(c, pos)->state, &st, MK(pos + c->cap, PH_FREE, 0),
	        memory_order_release, memory_order_relaxed);
	/* relaxed: a stale claim never matches a slot. */
	atomic_store_explicit(&c->re->claim, 0, memory_order_relaxed);
	wake_space(c);
}

/* Skips the MPMC slot at pos, whose state is st (a sender that died, or
 * an abandoned claim): 1 if we did. */
static int mpmc_skip(shmap_chan *c, uint64_t pos, uint64_t st)
{
	struct slot *s = slot_at(c, pos);
	/* release: as mpmc_free. */
	if (!atomic_compare_exchange_strong_explicit(
	            &s->state, &st, MK(pos + c->cap, PH_FREE, 0),
	            memory_order_release, memory_order_relaxed))
		return 0;
	atomic_fetch_add_explicit(&c->b->ctr.skipped, 1, memory_order_relaxed);
	wake_space(c);
	return 1;
}

/* Broadcast: moves the reader past what was overwritten (see the top of
 * the file) and reports it. */
static int overrun(shmap_chan *c)
{
	/* acquire: as every read of tail. */
	uint64_t t = atomic_load_explicit(&c->b->tail, memory_order_acquire);
	uint64_t old = t - c->cap;
	/* acquire: the slot's mark as a reader reads it. */
	if (atomic_load_explicit(&slot_at(c, old)->state, memory_order_acquire) !=
	    MK(old, PH_FULL, 0))
		old++;
	if ((int64_t)(old - c->head) <= 0)
		old = c->head + 1;
	uint64_t n = old - c->head;
	c->head = old;
	c->missed += n;
	bump(&c->re->missed, n);
	atomic_store_explicit(&c->re->overruns,
	                      atomic_load_explicit(&c->re->overruns,
	                                           memory_order_relaxed) + 1,
	                      memory_order_relaxed);
	/* relaxed: a position for monitors. */
	atomic_store_explicit(&c->re->pos, old, memory_order_relaxed);
	return SHMAP_EOVERRUN;
}

/* Finds the next message: 0 with it in c->hpos, hlen (and hstate), -EAGAIN
 * if there is none yet, -ETIMEDOUT if the call's deadline passed while it
 * looked (MPMC), or an error. */
static int take(shmap_chan *c)
{
	struct cblk *b = c->b;
	c->slice = 0;
	if (c->shape == SHMAP_CHAN_SPSC) {
		uint64_t h = c->head;
		if (h == c->tail_seen) {
			/* acquire: pairs with the sender's release of tail:
			 * the payload is visible. */
			uint64_t t = atomic_load_explicit(&b->tail, memory_order_acquire);
			if (t - h > c->cap)
				return SHMAP_EBADOBJ;
			c->tail_seen = t;
			if (t == h)
				return -EAGAIN;
		}
		uint32_t len = atomic_load_explicit(&slot_at(c, h)->len,
		                                    memory_order_relaxed);
		if (len > c->max) {
			c->head = h + 1;
			/* release: as every move of head. */
			atomic_store_explicit(&b->head, h + 1, memory_order_release);
			atomic_fetch_add_explicit(&b->ctr.skipped, 1,
			                          memory_order_relaxed);
			wake_space(c);
			return SHMAP_EBADOBJ;
		}
		c->hpos = h;
		c->hlen = len;
		return 0;
	}
	if (c->shape == SHMAP_CHAN_BROADCAST) {
		uint64_t h = c->head;
		/* acquire: pairs with the writer's release of tail. */
		uint64_t t = atomic_load_explicit(&b->tail, memory_order_acquire);
		if (t == h || (int64_t)(t - h) < 0)
			return -EAGAIN;
		if (t - h > c->cap)
			return overrun(c);
		struct slot *s = slot_at(c, h);
		/* acquire: the seqlock's begin; the payload after it. */
		uint64_t st = atomic_load_explicit(&s->state, memory_order_acquire);
		if (st != MK(h, PH_FULL, 0)) {
			if (st_diff(st, h) > 0)
				return overrun(c);
			c->head = h + 1;
			atomic_fetch_add_explicit(&b->ctr.skipped, 1,
			                          memory_order_relaxed);
			return SHMAP_EBADOBJ;
		}
		uint32_t len = atomic_load_explicit(&s->len, memory_order_relaxed);
		if (len > c->max) {
			atomic_thread_fence(memory_order_acquire);
			if (atomic_load_explicit(&s->state, memory_order_relaxed) != st)
				return overrun(c);
			c->head = h + 1;
			atomic_fetch_add_explicit(&b->ctr.skipped, 1,
			                          memory_order_relaxed);
			return SHMAP_EBADOBJ;
		}
		c->hpos = h;
		c->hstate = st;
		c->hlen = len;
		return 0;
	}
	/* Turns of the loop below, cancelled messages passed included. */
	unsigned n = 0;
	for (;;) {
		if (!c->held) {
			/* relaxed: a hint; the slot's state decides. */
			uint64_t h = atomic_load_explicit(&b->head, memory_order_relaxed);
			for (;; n++) {
				if (n == LOOPS_MAX)
					return -EAGAIN;
				if (overdue(c, n))
					return -ETIMEDOUT;
				struct slot *s = slot_at(c, h);
				/* acquire: pairs with the sender's release of
				 * the full mark: the payload is visible. */
				uint64_t st = atomic_load_explicit(&s->state,
				                                   memory_order_acquire);
				int64_t d = st_diff(st, h);
				if (d == 0 && ST_PH(st) == PH_FULL) {
					uint64_t mine = MK(h, PH_READING, c->ridx + 1);
					/* relaxed: published by the CAS. */
					atomic_store_explicit(&c->re->claim, mine,
					                      memory_order_relaxed);
					/* acq_rel: acquire as above, release
					 * so the record precedes the claim. */
					if (!atomic_compare_exchange_strong_explicit(
					            &s->state, &st, mine,
					            memory_order_acq_rel,
					            memory_order_relaxed))
						continue;
					/* relaxed: a hint (on a copy: a
					 * failed CAS overwrites it). */
					uint64_t hh = h;
					atomic_compare_exchange_strong_explicit(
					        &b->head, &hh, h + 1,
					        memory_order_relaxed,
					        memory_order_relaxed);
					c->held = 1;
					c->hpos = h;
					c->hstate = mine;
					break;
				}
				if (d == 0 && ST_PH(st) == PH_WRITING) {
					if (ST_IDX(st) == 0 || ST_IDX(st) > c->nsend) {
						/* Abandoned by a sender whose
						 * entry was taken over. */
						mpmc_skip(c, h, st);
						continue;
					}
					c->slice = 1;
					return -EAGAIN;
				}
				if (d == 0 && ST_PH(st) == PH_FREE)
					return -EAGAIN;
				if (d > 0 && d % c->cap == 0) {
					/* We slept since we read head. */
					uint64_t h2 = atomic_load_explicit(
					        &b->head, memory_order_relaxed);
					if (h2 != h) {
						h = h2;
						continue;
					}
				}
				if ((d == 0 && ST_PH(st) == PH_READING) ||
				    (d > 0 && d % c->cap == 0)) {
					/* relaxed: a hint. */
					if (atomic_compare_exchange_strong_explicit(
					            &b->head, &h, h + 1,
					            memory_order_relaxed,
					            memory_order_relaxed))
						h++;
					continue;
				}
				if (d == -(int64_t)c->cap)
					return -EAGAIN;
				return SHMAP_EBADOBJ;
			}
		}
		uint32_t len = atomic_load_explicit(&slot_at(c, c->hpos)->len,
		                                    memory_order_relaxed);
		if (len == LEN_CANCEL) {
			c->held = 0;
			mpmc_free(c, c->hpos);
			continue;
		}
		if (len > c->max) {
			c->held = 0;
			mpmc_free(c, c->hpos);
			atomic_fetch_add_explicit(&b->ctr.skipped, 1,
			                          memory_order_relaxed);
			return SHMAP_EBADOBJ;
		}
		c->hlen = len;
		return 0;
	}
}

/* Ends the receipt of the message take found: 0, or SHMAP_EOVERRUN if a
 * broadcast writer overwrote it meanwhile. */
static int finish(shmap_chan *c)
{
	uint64_t h = c->hpos;
	if (c->shape == SHMAP_CHAN_SPSC) {
		c->head = h + 1;
		/* release: our reads of the slot are done before the sender
		 * may reuse it (pairs with its acquire of head). */
		atomic_store_explicit(&c->b->head, h + 1, memory_order_release);
		wake_space(c);
	} else if (c->shape == SHMAP_CHAN_BROADCAST) {
		/* acquire: the seqlock's end; our reads come before the
		 * second look at the mark. */
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&slot_at(c, h)->state,
		                         memory_order_relaxed) != c->hstate)
			return overrun(c);
		c->head = h + 1;
		/* relaxed: a position for monitors. */
		atomic_store_explicit(&c->re->pos, h + 1, memory_order_relaxed);
	} else {
		c->held = 0;
		mpmc_free(c, h);
	}
	bump(&c->re->msgs, 1);
	bump(&c->re->bytes, c->hlen);
	return 0;
}

/* MPMC: skips the head's slot if the sender writing it died (1: it did).
 * Sets c->slice while a live sender's claim holds us up. */
static int skip_dead_head(shmap_chan *c)
{
	struct cblk *b = c->b;
	uint64_t h = atomic_load_explicit(&b->head, memory_order_relaxed);
	struct slot *s = slot_at(c, h);
	uint64_t st = atomic_load_explicit(&s->state, memory_order_acquire);
	if (st_diff(st, h) != 0 || ST_PH(st) != PH_WRITING)
		return 0;
	unsigned i = ST_IDX(st);
	if (i >= 1 && i <= c->nsend) {
		struct ent *e = &c->ents[i - 1];
		uint64_t id = atomic_load_explicit(&e->ident, memory_order_relaxed);
		if (!ident_gone(c, id) ||
		    atomic_load_explicit(&e->ident, memory_order_relaxed) != id) {
			c->slice = 1;
			return 0;
		}
	}
	if (!mpmc_skip(c, h, st))
		return 0;
	atomic_compare_exchange_strong(&b->head, &h, h + 1);
	return 1;
}

/*
 * MPMC, at a receiver's sleep point: takes over a message a dead receiver
 * claimed (1: it is held now), and skips the head's slot if its sender is
 * dead. Sets c->slice while a live party's claim may hold us up.
 */
static int rescue(shmap_chan *c)
{
	struct ent *t = c->ents + c->nsend;
	for (unsigned i = 0; i < c->nrecv; i++) {
		if (i == c->ridx)
			continue;
		/* relaxed, both: the slot's CAS decides. */
		uint64_t cl = atomic_load_explicit(&t[i].claim, memory_order_relaxed);
		if (!cl || ST_IDX(cl) != i + 1 || ST_PH(cl) != PH_READING)
			continue;
		uint64_t pos = cl >> POS_SHIFT;
		struct slot *s = slot_at(c, pos);
		if (atomic_load_explicit(&s->state, memory_order_relaxed) != cl)
			continue;
		uint64_t id = atomic_load_explicit(&t[i].ident, memory_order_relaxed);
		if (!ident_gone(c, id)) {
			c->slice = 1;
			continue;
		}
		SHMAP__CRASH(SHMAP__CP_CHAN_RESCUE);
		/* We hold entry i while we settle its claim, as whoever
		 * takes it over does (see settle): a process that took it
		 * since we read id has the claim, and we give up. acquire:
		 * as role_take, the last holder's claim is visible. */
		if (!atomic_compare_exchange_strong_explicit(
		            &t[i].ident, &id, c->ident, memory_order_acquire,
		            memory_order_relaxed))
			continue;
		settle(c, &t[i], i, 1);
		role_drop(c, &t[i], 1);
		if (c->held)
			return 1;
	}
	skip_dead_head(c);
	return 0;
}

/* ---- waiting ---- */

/* One try of a send (send) or receive. */
static inline int attempt(shmap_chan *c, int send, void **p)
{
	return send ? claim_send(c, p) : take(c);
}

/* Waits until attempt succeeds, as shmap_chan_send describes, up to the
 * deadline of the call (call_begin). */
static int wait_for(shmap_chan *c, int send, void **p)
{
	struct cblk *b = c->b;
	_Atomic uint32_t *seq = send ? &b->sseq : &b->dseq;
	_Atomic uint32_t *sleepers = send ? &b->ssleep : &b->dsleep;
	struct ent *e = send ? c->se : c->re;
	int64_t until = deadline(c);
	unsigned spins = c->spins;
	bump(&e->waits, 1);
	for (unsigned k = 0;; k++) {
		int rc = attempt(c, send, p);
		if (rc != -EAGAIN)
			return rc;
		if (lost(c))
			return SHMAP_EINPAGE;
		if (spins == UINT_MAX || k < spins) {
			shmap__cpu_relax();
			if ((k & 63) != 63)
				continue;
			/* A receiver that never sleeps still passes dead
			 * parties now and then. */
			if ((k & 1023) == 1023 && !send &&
			    c->shape == SHMAP_CHAN_MPMC && rescue(c))
				continue;
			if (until < 0 || shmap__now_ns() < until)
				continue;
			return -ETIMEDOUT;
		}
		if (!send && c->shape == SHMAP_CHAN_MPMC && rescue(c))
			continue;
		/* rescue's word that a live receiver holds a message we may
		 * have to take over: the last try below starts afresh. */
		int held_up = c->slice;
		int64_t now = shmap__now_ns();
		if (until >= 0 && now >= until)
			return -ETIMEDOUT;
		/* seq_cst: the count before the last look (the Dekker pair
		 * with wake_side). */
		atomic_fetch_add(sleepers, 1);
		SHMAP__CRASH(SHMAP__CP_CHAN_ASLEEP);
		/* relaxed: only a taker of our entry reads it. Marked after
		 * the count and cleared before it: a death between leaves a
		 * count too many (a wake wasted), never one too few (a
		 * sleeper that is never woken). */
		atomic_store_explicit(&e->asleep, 1, memory_order_relaxed);
		uint32_t v = atomic_load(seq);
		/* seq_cst: the count (and v) before the last look, whose
		 * loads are only acquire: the Dekker pair needs a fence on
		 * each side (the other is in wake_side and wake_data). */
		atomic_thread_fence(memory_order_seq_cst);
		rc = attempt(c, send, p);
		if (rc == -EAGAIN) {
			int64_t at = until;
			if ((c->slice || held_up) &&
			    (at < 0 || now + SLICE_NS < at))
				at = now + SLICE_NS;
			rc = shmap__futex_wait(seq, v, at);
			if (rc == -EINTR && !(c->flags & SHMAP_CHAN_INTR))
				rc = 0;
			if (rc == -ETIMEDOUT)
				rc = 0; /* the loop's check ends it */
			if (rc == 0)
				rc = -EAGAIN;
		}
		atomic_store_explicit(&e->asleep, 0, memory_order_relaxed);
		SHMAP__CRASH(SHMAP__CP_CHAN_ASLEEP);
		atomic_fetch_sub(sleepers, 1);
		if (rc == -EINTR) {
			rc = attempt(c, send, p);
			return rc == -EAGAIN || rc == -ETIMEDOUT ? -EINTR : rc;
		}
		if (rc != -EAGAIN)
			return rc;
	}
}

/* ---- handles ---- */

/* Maps the block of the object c holds, checks it, and takes the roles. */
static int attach(shmap_chan *c, unsigned flags)
{
	const struct shmap__hdr *h = &c->obj.hdr;
	struct geom g;
	struct stat st;
	c->has_obj = 1;
	if (h->size < ENTS_OFF || h->size > (uint64_t)SIZE_MAX ||
	    (h->flags & SHMAP__HF_FILE))
		return SHMAP_EBADOBJ;
	c->map_len = (size_t)h->size;
	c->map = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
	              c->obj.fd, (off_t)h->data_offset);
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		return -errno;
	}
	/* Registered before the first look, then the size checked: a cut
	 * before the check is refused, one after it is caught. */
	int rc = shmap__region_add(c->map, c->map_len, &c->region);
	if (rc)
		return rc;
	if (fstat(c->obj.fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size < h->data_offset + h->size)
		return SHMAP_EBADOBJ;
	c->b = c->map;
	rc = geom_check(c->b, h->size, &g);
	if (rc == 0 && g.size > h->size)
		rc = SHMAP_EBADOBJ;
	if (rc == 0 && lost(c))
		rc = SHMAP_EBADOBJ;
	if (rc)
		return rc;
	c->shape = g.shape;
	c->cap = g.cap;
	c->mask = g.cap - 1;
	c->max = g.max;
	c->stride = g.stride;
	c->nsend = g.nsend;
	c->nrecv = g.nrecv;
	c->ents = (struct ent *)((unsigned char *)c->b + ENTS_OFF);
	c->slots = (unsigned char *)c->b + g.slots_off;
	c->flags = flags;
	c->ident = shmap__ident_process(&c->b->ns);
	if (flags & SHMAP_CHAN_SEND) {
		rc = role_take(c, 0);
		if (rc)
			return rc;
		/* relaxed: we are the only sender (SPSC, broadcast). */
		c->tail = atomic_load_explicit(&c->b->tail, memory_order_relaxed);
		c->head_seen = atomic_load_explicit(&c->b->head, memory_order_acquire);
	}
	if (flags & SHMAP_CHAN_RECV) {
		rc = role_take(c, 1);
		if (rc)
			return rc;
		/* acquire: as every read of tail. */
		c->tail_seen = atomic_load_explicit(&c->b->tail, memory_order_acquire);
		c->head = c->shape == SHMAP_CHAN_BROADCAST
		                  ? c->tail_seen
		                  : atomic_load_explicit(&c->b->head,
		                                         memory_order_relaxed);
		if (c->shape == SHMAP_CHAN_BROADCAST)
			atomic_store_explicit(&c->re->pos, c->head,
			                      memory_order_relaxed);
	}
	return lost(c) ? SHMAP_EINPAGE : 0;
}

static int chan_alloc(shmap_chan **out)
{
	shmap_chan *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->obj.fd = -1;
	c->pid = getpid();
	c->spins = shmap__spin_default();
	*out = c;
	return 0;
}

static int chan_create(const char *name, const shmap_chan_config *cfg,
                       unsigned flags, const shmap_attr *attr,
                       shmap_chan **out)
{
	if (!out || !cfg ||
	    (flags & ~(SHMAP_CHAN_SEND | SHMAP_CHAN_RECV | SHMAP_CHAN_INTR)))
		return -EINVAL;
	uint32_t cap = cfg->capacity;
	if (cap < 2 || cap > CAP_MAX)
		return -EINVAL;
	while (cap & (cap - 1))
		cap += cap & -cap;
	uint32_t roles = cfg->readers_max ? cfg->readers_max : ROLES_DEFAULT;
	uint32_t ns = cfg->shape == SHMAP_CHAN_MPMC ? roles : 1;
	uint32_t nr = cfg->shape == SHMAP_CHAN_SPSC ? 1 : roles;
	struct build bd;
	memset(&bd, 0, sizeof bd);
	if (geom_make(&bd.g, cfg->shape, cap, cfg->max_msg, ns, nr))
		return -EINVAL;
	bd.g.start = shmap__chan_start;
	shmap_chan *c;
	int rc = chan_alloc(&c);
	if (rc)
		return rc;
	struct shmap__hdr tmpl;
	memset(&tmpl, 0, sizeof tmpl);
	tmpl.type = SHMAP_TYPE_CHANNEL;
	tmpl.size = bd.g.size;
	if (!name || !*name) {
		tmpl.flags = SHMAP__HF_ANON;
		rc = shmap__obj_anon(&tmpl, bd.g.size,
		                     attr ? attr->flags & (SHMAP_ATTR_INHERIT |
		                                           SHMAP_ATTR_NORESERVE)
		                          : 0,
		                     &c->obj);
		if (rc == 0)
			rc = build_block(c->obj.fd, &bd);
	} else {
		rc = shmap__obj_create_cb(name, &tmpl, bd.g.size, attr,
		                          build_block, &bd, &c->obj);
	}
	if (rc == 0)
		rc = attach(c, flags);
	if (rc) {
		shmap_chan_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int shmap_chan_create(const char *name, const shmap_chan_config *cfg,
                      unsigned flags, const shmap_attr *attr, shmap_chan **out)
{
	SHMAP__ERRNO_SAVE;
	int rc = chan_create(name, cfg, flags, attr, out);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_chan_open(const char *name, unsigned flags, shmap_chan **out)
{
	SHMAP__ERRNO_SAVE;
	shmap_chan *c = NULL;
	int rc = !out || !name || !*name ||
	                         (flags & ~(SHMAP_CHAN_SEND | SHMAP_CHAN_RECV |
	                                    SHMAP_CHAN_INTR | SHMAP_OPEN_INHERIT))
	                 ? -EINVAL
	                 : chan_alloc(&c);
	if (rc == 0)
		rc = shmap__obj_open(name, SHMAP_TYPE_CHANNEL,
		                     flags & SHMAP_OPEN_INHERIT, &c->obj);
	if (rc == 0)
		rc = attach(c, flags & ~SHMAP_OPEN_INHERIT);
	if (rc && c)
		shmap_chan_close(c);
	else if (rc == 0)
		*out = c;
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_chan_close(shmap_chan *c)
{
	SHMAP__ERRNO_SAVE;
	int rc = 0;
	if (c) {
		/* Its listener first, while the block is mapped (a fork
		 * child has none). */
		shmap__waitable_free(c->w);
		/* A forked child's close leaves the roles, the reservation
		 * and the claims to the parent, whose they are. */
		if (c->b && !lost(c) && c->pid == getpid()) {
			if (c->resv)
				shmap_chan_cancel(c);
			/* A held MPMC message stays claimed by our entry:
			 * freed below, it goes to another receiver. */
			if (c->se)
				role_drop(c, c->se, 0);
			if (c->re)
				role_drop(c, c->re, 1);
		}
		shmap__region_del(c->region);
		if (c->map)
			munmap(c->map, c->map_len);
		if (c->has_obj)
			rc = shmap__obj_close(&c->obj);
		else if (c->obj.fd >= 0)
			close(c->obj.fd);
		free(c);
	}
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_chan_existed(const shmap_chan *c)
{
	return c && (c->obj.oflags & SHMAP__OF_EXISTED) ? 1 : 0;
}

int shmap_chan_set_spin(shmap_chan *c, unsigned spins)
{
	if (!c)
		return -EINVAL;
	c->spins = spins;
	return 0;
}

/* ---- sending, public ---- */

/* SPSC: whether there is room at our tail, reading head only when the
 * last value we saw says full (anything odd is left to claim_send). */
static inline int spsc_room(shmap_chan *c)
{
	uint64_t t = c->tail;
	if (t - c->head_seen < c->cap)
		return 1;
	/* acquire: pairs with the receiver's release of head; its reads of
	 * the slot are done before we write. */
	uint64_t h = atomic_load_explicit(&c->b->head, memory_order_acquire);
	if (t - h >= c->cap)
		return 0;
	c->head_seen = h;
	return 1;
}

/* SPSC: publishes the message of len bytes written at our tail (the fast
 * paths: no system call but a wake's, which keeps errno). */
static inline int spsc_publish(shmap_chan *c, uint32_t len)
{
	uint64_t t = c->tail;
	/* relaxed: published by the release below. */
	atomic_store_explicit(&slot_at(c, t)->len, len, memory_order_relaxed);
	c->tail = t + 1;
	/* release: the payload and its length before the position. */
	atomic_store_explicit(&c->b->tail, t + 1, memory_order_release);
	bump(&c->se->msgs, 1);
	bump(&c->se->bytes, len);
	wake_data(c);
	return lost(c) ? SHMAP_EINPAGE : 0;
}

static int reserve(shmap_chan *c, size_t len, int timeout_ms, void **p)
{
	if (!c || !p)
		return -EINVAL;
	if (!c->se)
		return -EPERM;
	if (c->resv)
		return -EINVAL;
	if (len > c->max)
		return -EMSGSIZE;
	call_begin(c, timeout_ms);
	int rc = claim_send(c, p);
	if (rc == -EAGAIN && timeout_ms != 0)
		rc = wait_for(c, 1, p);
	if (rc == -ETIMEDOUT && timeout_ms == 0)
		rc = -EAGAIN;
	if (rc == 0 && lost(c))
		rc = SHMAP_EINPAGE;
	if (rc == 0) {
		c->resv = 1;
		c->rlen = len;
	}
	return rc;
}

int shmap_chan_send(shmap_chan *c, const void *msg, size_t len, int timeout_ms)
{
	void *p;
	if (!msg && len)
		return -EINVAL;
	/* SPSC with room as last seen: no set-up, no system call (a wake's
	 * is in wake_data and keeps errno). */
	if (c && c->shape == SHMAP_CHAN_SPSC && c->se && !c->resv &&
	    len <= c->max && spsc_room(c)) {
		copy_msg((unsigned char *)slot_at(c, c->tail) + SLOT_HDR, msg,
		         len);
		return spsc_publish(c, (uint32_t)len);
	}
	SHMAP__ERRNO_SAVE;
	int rc = reserve(c, len, timeout_ms, &p);
	if (rc == 0) {
		copy_msg(p, msg, len);
		c->resv = 0;
		publish(c, (uint32_t)len);
		rc = lost(c) ? SHMAP_EINPAGE : 0;
	}
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_chan_reserve(shmap_chan *c, size_t len, int timeout_ms, void **slot)
{
	/* SPSC with room: as reserve, without set-up or errno. */
	if (c && slot && c->shape == SHMAP_CHAN_SPSC && c->se && !c->resv &&
	    len <= c->max && spsc_room(c)) {
		if (lost(c))
			return SHMAP_EINPAGE;
		c->rpos = c->tail;
		*slot = (unsigned char *)slot_at(c, c->tail) + SLOT_HDR;
		c->resv = 1;
		c->rlen = len;
		return 0;
	}
	SHMAP__ERRNO_SAVE;
	int rc = reserve(c, len, timeout_ms, slot);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_chan_commit(shmap_chan *c, size_t len)
{
	if (!c || !c->resv || len > c->rlen)
		return -EINVAL;
	if (c->shape == SHMAP_CHAN_SPSC) {
		c->resv = 0;
		return spsc_publish(c, (uint32_t)len);
	}
	SHMAP__ERRNO_SAVE;
	c->resv = 0;
	publish(c, (uint32_t)len);
	SHMAP__ERRNO_RESTORE;
	return lost(c) ? SHMAP_EINPAGE : 0;
}

int shmap_chan_cancel(shmap_chan *c)
{
	if (!c || !c->resv)
		return -EINVAL;
	c->resv = 0;
	/* SPSC and broadcast published nothing; MPMC's claimed slot is
	 * passed over by receivers. */
	if (c->shape == SHMAP_CHAN_MPMC) {
		SHMAP__ERRNO_SAVE;
		publish(c, LEN_CANCEL);
		SHMAP__ERRNO_RESTORE;
	}
	return lost(c) ? SHMAP_EINPAGE : 0;
}

/* ---- receiving, public ---- */

static void cw_refresh(shmap_chan *c);

/* SPSC: whether a message waits at our head, reading tail only when the
 * last value we saw says none (anything odd is left to take). */
static inline int spsc_ready(shmap_chan *c)
{
	uint64_t h = c->head;
	if (h != c->tail_seen)
		return 1;
	/* acquire: pairs with the sender's release of tail: the payload
	 * is visible. */
	uint64_t t = atomic_load_explicit(&c->b->tail, memory_order_acquire);
	if (t == h || t - h > c->cap)
		return 0;
	c->tail_seen = t;
	return 1;
}

static int take_wait(shmap_chan *c, int timeout_ms)
{
	if (!c->re)
		return -EPERM;
	if (c->peeked)
		return -EINVAL;
	call_begin(c, timeout_ms);
	int rc = take(c);
	if ((rc == -EAGAIN || rc == -ETIMEDOUT) && timeout_ms == 0 &&
	    c->shape == SHMAP_CHAN_MPMC) {
		/* A receiver that only polls passes dead parties too. */
		rescue(c);
		rc = take(c);
		if (rc == -ETIMEDOUT)
			rc = -EAGAIN;
	}
	if (rc == -EAGAIN && timeout_ms != 0)
		rc = wait_for(c, 0, NULL);
	if (rc == 0 && lost(c))
		rc = SHMAP_EINPAGE;
	return rc;
}

int shmap_chan_recv(shmap_chan *c, void *buf, size_t cap, int timeout_ms,
                    size_t *len)
{
	if (!c || !len || (!buf && cap))
		return -EINVAL;
	/* SPSC with a message there: no set-up, no system call (a wake's
	 * is in wake_side and keeps errno). */
	if (c->shape == SHMAP_CHAN_SPSC && c->re && !c->peeked && !c->w &&
	    spsc_ready(c)) {
		uint64_t h = c->head;
		struct slot *s = slot_at(c, h);
		/* relaxed: ordered by the acquire of tail that saw it. */
		uint32_t n = atomic_load_explicit(&s->len, memory_order_relaxed);
		if (__builtin_expect(n <= c->max && n <= cap, 1)) {
			copy_msg(buf, (unsigned char *)s + SLOT_HDR, n);
			*len = n;
			c->head = h + 1;
			/* release: our reads of the slot are done before the
			 * sender may reuse it (pairs with its acquire). */
			atomic_store_explicit(&c->b->head, h + 1,
			                      memory_order_release);
			wake_space(c);
			bump(&c->re->msgs, 1);
			bump(&c->re->bytes, n);
			return lost(c) ? SHMAP_EINPAGE : 0;
		}
	}
	SHMAP__ERRNO_SAVE;
	int rc = take_wait(c, timeout_ms);
	if (rc == 0) {
		*len = c->hlen;
		if (c->hlen > cap) {
			rc = -EMSGSIZE;
		} else {
			copy_msg(buf, (unsigned char *)slot_at(c, c->hpos) +
			                      SLOT_HDR,
			         c->hlen);
			rc = finish(c);
			if (rc == 0 && lost(c))
				rc = SHMAP_EINPAGE;
		}
	}
	cw_refresh(c);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_chan_peek(shmap_chan *c, int timeout_ms, const void **msg, size_t *len)
{
	if (!c || !msg || !len)
		return -EINVAL;
	/* SPSC with a message there: as take_wait, without set-up or errno. */
	if (c->shape == SHMAP_CHAN_SPSC && c->re && !c->peeked &&
	    spsc_ready(c)) {
		uint64_t h = c->head;
		struct slot *s = slot_at(c, h);
		/* relaxed: ordered by the acquire of tail that saw it. */
		uint32_t n = atomic_load_explicit(&s->len, memory_order_relaxed);
		if (__builtin_expect(n <= c->max, 1)) {
			if (lost(c))
				return SHMAP_EINPAGE;
			c->hpos = h;
			c->hlen = n;
			*msg = (unsigned char *)s + SLOT_HDR;
			*len = n;
			c->peeked = 1;
			return 0;
		}
	}
	SHMAP__ERRNO_SAVE;
	int rc = take_wait(c, timeout_ms);
	if (rc == 0) {
		*msg = (unsigned char *)slot_at(c, c->hpos) + SLOT_HDR;
		*len = c->hlen;
		c->peeked = 1;
	}
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_chan_release(shmap_chan *c)
{
	if (!c || !c->peeked)
		return -EINVAL;
	if (c->shape == SHMAP_CHAN_SPSC && !c->w) {
		/* SPSC: finish makes no system call but a wake's, which
		 * keeps errno; no waitable to refresh. */
		c->peeked = 0;
		finish(c);
		return lost(c) ? SHMAP_EINPAGE : 0;
	}
	SHMAP__ERRNO_SAVE;
	c->peeked = 0;
	int rc = finish(c);
	if (rc == 0 && lost(c))
		rc = SHMAP_EINPAGE;
	cw_refresh(c);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_chan_missed(shmap_chan *c, uint64_t *missed)
{
	if (!c || !missed)
		return -EINVAL;
	*missed = c->missed;
	c->missed = 0;
	return 0;
}

/* ---- the waitable (a level kind of wait.h) ---- */

/* Whether a message waits for c's receiver (SHMAP__W_TAKEN) or not
 * (SHMAP__W_BUSY); a wait takes nothing. A corrupt state counts as one:
 * a receive returns at once with it. ps->gen: an MPMC sender's claim
 * holds the head (see cw_in_flight). */
static int cw_take(void *ctx, struct shmap__wseen *ps, int check_dead)
{
	shmap_chan *c = ctx;
	struct cblk *b = c->b;
	if (ps)
		ps->gen = 0;
	if (lost(c))
		return SHMAP__W_BUSY;
	if (c->shape != SHMAP_CHAN_MPMC) {
		/* acquire: as every read of tail. SPSC and broadcast: our
		 * position is in the handle. */
		uint64_t t = atomic_load_explicit(&b->tail, memory_order_acquire);
		if (c->shape == SHMAP_CHAN_SPSC)
			return t != c->head ? SHMAP__W_TAKEN : SHMAP__W_BUSY;
		return (int64_t)(t - c->head) > 0 ? SHMAP__W_TAKEN
		                                  : SHMAP__W_BUSY;
	}
	if (c->held)
		return SHMAP__W_TAKEN;
	/* relaxed: a hint, as in take; the slots' states decide. */
	uint64_t h = atomic_load_explicit(&b->head, memory_order_relaxed);
	for (unsigned i = 0; i < 64; i++, h++) {
		/* acquire: as take's look at a slot. */
		uint64_t st = atomic_load_explicit(&slot_at(c, h)->state,
		                                   memory_order_acquire);
		int64_t d = st_diff(st, h);
		unsigned ph = ST_PH(st);
		if (d == 0 && ph == PH_FULL)
			return SHMAP__W_TAKEN;
		/* Being read, or done: head is behind. */
		if ((d == 0 && ph == PH_READING) || (d > 0 && d % c->cap == 0))
			continue;
		if (d == 0 && ph == PH_WRITING) {
			/* Abandoned: a receive passes over it. */
			if (ST_IDX(st) == 0 || ST_IDX(st) > c->nsend)
				return SHMAP__W_TAKEN;
			if (check_dead && skip_dead_head(c))
				return cw_take(ctx, ps, 0);
			if (ps)
				ps->gen = 1;
			return SHMAP__W_BUSY;
		}
		if ((d == 0 && ph == PH_FREE) || d == -(int64_t)c->cap)
			return SHMAP__W_BUSY;
		return SHMAP__W_TAKEN;
	}
	return SHMAP__W_BUSY;
}

static _Atomic uint32_t *cw_word(void *ctx)
{
	return &((shmap_chan *)ctx)->b->dseq;
}

/* A sender's claim holds the head: sleep in short slices, then see
 * whether it died (cw_take with check_dead). */
static int cw_in_flight(void *ctx, const struct shmap__wseen *ps)
{
	(void)ctx;
	return ps->gen != 0;
}

static int cw_lost(void *ctx)
{
	return lost(ctx);
}

/* Where slots of a lost block go: never written, never read as ids. */
static _Atomic uint64_t cw_noslots[SHMAP_CHAN_LISTENERS_MAX];

static _Atomic uint64_t *cw_listeners(void *ctx, unsigned *n)
{
	shmap_chan *c = ctx;
	*n = SHMAP_CHAN_LISTENERS_MAX;
	return lost(c) ? cw_noslots : c->b->listen;
}

static const struct shmap__waitops cw_ops = {
        .flags = SHMAP__WK_LEVEL,
        .word = cw_word,
        .take = cw_take,
        .in_flight = cw_in_flight,
        .lost = cw_lost,
        .listeners = cw_listeners,
};

/* After a receive through c: its descriptor stays readable only while
 * another message waits. */
static void cw_refresh(shmap_chan *c)
{
	shmap_sync *w = c->w;
	if (!w || w->pfd.fd < 0)
		return;
	shmap__pollfd_drain(&w->pfd);
	if (cw_take(c, NULL, 0) == SHMAP__W_TAKEN)
		shmap__pollfd_poke(&w->pfd);
}

int shmap_chan_waitable(shmap_chan *c, shmap_sync **out)
{
	if (!c || !out)
		return -EINVAL;
	if (!c->re)
		return -EPERM;
	if (lost(c))
		return SHMAP_EINPAGE;
	SHMAP__ERRNO_SAVE;
	int rc = c->w ? 0 : shmap__waitable_new(&cw_ops, c, &c->w);
	if (rc == 0)
		*out = c->w;
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_chan_fd(shmap_chan *c, int *fd)
{
	shmap_sync *w;
	if (!fd)
		return -EINVAL;
	int rc = shmap_chan_waitable(c, &w);
	if (rc)
		return rc;
	SHMAP__ERRNO_SAVE;
	int fresh = w->pfd.fd < 0;
	rc = shmap__waitable_fd(w, fd);
	if (rc == 0 && fresh) {
		struct cblk *b = c->b;
		uint32_t q = atomic_load(&b->dseq);
		/* seq_cst: LISTENED is set before our look below (a sender
		 * publishes, fences, then reads the word: it notifies, or we
		 * see its message); the bump fails a notifier's clearing CAS
		 * that read the word before our slot was taken. */
		while (!atomic_compare_exchange_weak(&b->dseq, &q,
		                                     (q | LISTENED) + 4u))
			;
		/* seq_cst: the bit before our look, whose loads are only
		 * acquire (the Dekker pair with wake_data's fence). */
		atomic_thread_fence(memory_order_seq_cst);
		if (cw_take(c, NULL, 0) == SHMAP__W_TAKEN)
			shmap__pollfd_poke(&w->pfd);
	}
	if (rc == 0 && lost(c))
		rc = SHMAP_EINPAGE; /* the listener stays until close */
	SHMAP__ERRNO_RESTORE;
	return rc;
}

/* ---- statistics ---- */

/* Fills *st from the block at b (len bytes), live memory or a copy; own:
 * the entry listed first, or NULL. */
static int stats_read(const struct cblk *bc, uint64_t len,
                      const struct ent *own, struct shmap_chan_stats *st)
{
	struct geom g;
	/* Only read; the cast drops const for the atomic loads. */
	struct cblk *b = (struct cblk *)bc;
	memset(st, 0, sizeof *st);
	int rc = geom_check(b, len, &g);
	/* The constants and the entries are all a snapshot reads. */
	if (rc == 0 && g.slots_off > len)
		rc = SHMAP_EBADOBJ;
	if (rc) {
		st->error = rc;
		return rc;
	}
	st->valid = 1;
	st->shape = g.shape;
	st->capacity = g.cap;
	st->max_msg = g.max;
	st->readers_max = g.nrecv;
	/* relaxed, every load: a snapshot promises no order. */
#define LD(x) atomic_load_explicit(&(x), memory_order_relaxed)
	st->sent = LD(b->ctr.sent);
	st->sent_bytes = LD(b->ctr.sent_bytes);
	st->received = LD(b->ctr.recv);
	st->received_bytes = LD(b->ctr.recv_bytes);
	st->full_waits = LD(b->ctr.full_waits);
	st->empty_waits = LD(b->ctr.empty_waits);
	st->skipped = LD(b->ctr.skipped);
	st->overruns = LD(b->ctr.overruns);
	st->missed = LD(b->ctr.missed);
	uint64_t t = LD(b->tail);
	st->write_position = t;
	if (g.shape != SHMAP_CHAN_BROADCAST) {
		st->read_position = LD(b->head);
		uint64_t q = t - st->read_position;
		st->queued = q > g.cap ? 0 : q;
	}
	struct ent *e = (struct ent *)((unsigned char *)b + ENTS_OFF);
	unsigned shown = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < g.nsend + g.nrecv; i++) {
			int recv = i >= g.nsend;
			uint64_t id = LD(e[i].ident);
			if (pass == 0) {
				if (!id)
					continue;
				if (recv)
					st->receivers++;
				else
					st->senders++;
				uint64_t m = LD(e[i].msgs), by = LD(e[i].bytes);
				uint64_t w = LD(e[i].waits);
				*(recv ? &st->received : &st->sent) += m;
				*(recv ? &st->received_bytes : &st->sent_bytes) += by;
				*(recv ? &st->empty_waits : &st->full_waits) += w;
				st->missed += LD(e[i].missed);
				st->overruns += LD(e[i].overruns);
				if (recv && g.shape == SHMAP_CHAN_BROADCAST) {
					uint64_t lag = t - LD(e[i].pos);
					if (lag <= (uint64_t)INT64_MAX && lag > st->lag_max)
						st->lag_max = lag;
				}
				continue;
			}
			/* pass 1: the readers, own first. */
			if (!id || !recv || g.shape != SHMAP_CHAN_BROADCAST)
				continue;
			if (shown == SHMAP_CHAN_READERS_SHOWN)
				break;
			if (own && &e[i] != own && shown == 0) {
				/* list own first */
				const struct ent *o = own;
				shmap_chan_reader *r = &st->reader[shown++];
				r->pid = shmap__ident_pid(LD(((struct ent *)o)->ident));
				r->position = LD(((struct ent *)o)->pos);
				r->lag = t - r->position;
				r->received = LD(((struct ent *)o)->msgs);
				r->missed = LD(((struct ent *)o)->missed);
				if (shown == SHMAP_CHAN_READERS_SHOWN)
					break;
			}
			if (&e[i] == own && shown > 0)
				continue;
			shmap_chan_reader *r = &st->reader[shown++];
			r->pid = shmap__ident_pid(id);
			r->position = LD(e[i].pos);
			r->lag = t - r->position;
			if (r->lag > (uint64_t)INT64_MAX)
				r->lag = 0;
			r->received = LD(e[i].msgs);
			r->missed = LD(e[i].missed);
		}
	}
#undef LD
	return 0;
}

int shmap__chan_peek(const void *blk, size_t len, struct shmap_chan_stats *out)
{
	return stats_read(blk, len, NULL, out);
}

int shmap_chan_stats(shmap_chan *c, struct shmap_chan_stats *st)
{
	if (!c || !st)
		return -EINVAL;
	int rc = stats_read(c->b, c->map_len,
	                    c->shape == SHMAP_CHAN_BROADCAST ? c->re : NULL, st);
	if (lost(c))
		return SHMAP_EINPAGE;
	return rc;
}
