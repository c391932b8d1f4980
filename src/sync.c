/* SPDX-License-Identifier: MIT */
/*
 * Events, mutexes and semaphores over futexes in shared memory.
 *
 * Every object is one block (struct sync_blk) in shared memory: the data of a
 * named object, a memfd for an unnamed one, or memory the caller owns. The
 * block's seq word is the one futex everybody sleeps on: every signal (set,
 * release) bumps it and, if a sleeper announced itself in its bit 0, wakes
 * the waiters it handed something, or as many sleepers as can take what it
 * made available (one for a release of one or an auto-reset set: see
 * wait.h for when it must wake all), who race with spinners to take it. A
 * manual-reset set and a pulse wake every sleeper. A signal with nobody
 * asleep costs no system call. The waits are wait.c's engine, which knows
 * each kind here by its table of operations (g_event_ops, ...).
 *
 * Hand-off, as Windows does it: a waiter that finds the object taken puts
 * its identity in a place of the block's table of waiters and says so in
 * bit 1 of seq. A release, set or semaphore release that then finds bit 1
 * takes back what it just made available and hands it to one of the waiters
 * in the table, in turn: a mutex's owner word names the place (PEND), an
 * event's or semaphore's place gets its GRANT bit. Only that waiter may
 * take it, so neither the releaser's next wait nor a later arrival can. A
 * waiter that leaves without taking what it was handed (it timed out, or a
 * wait-any took another object) passes it on to another waiter, or back to
 * the object; one killed is found dead through /proc, as a dead mutex
 * owner is, by a waiter that slept a slice while the hand-off stayed, and
 * what it was handed is taken by that waiter (a mutex not as abandoned: its
 * last owner released it). Waiters that find the table full wait as before
 * and get their place when one frees up.
 *
 * Mutex owners are threads named by one 64-bit word, written in one store:
 * (tid, start time, namespaces), see live.h; a waiter that has slept a
 * slice while the mutex stays owned checks /proc whether the owner still
 * exists, and takes the mutex as abandoned if not. Only a waiter in the
 * owner's PID and time namespaces, whose /proc is its own, judges; any
 * other waits on. Sleeping and waking are futex.h's.
 *
 * Anyone who may write a named object's file may also cut it short. The
 * mapping of every block is registered with guard.c, whose SIGBUS handler
 * then marks the block lost and maps a zero page over it: every operation
 * checks the flag after touching the block and fails with SHMAP_EINPAGE,
 * never with a signal.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "futex.h"
#include "internal.h"
#include "live.h"
#include "pollfd.h"
#include "wait.h"

/*
 * The block's first word is its magic and format word: "SY" in the low
 * half, the format in the high half (see SHMAP__FOLD in internal.h), so a
 * block of another layout is refused (SHMAP_EFORMAT), never misread, and
 * anything without "SY" is SHMAP_EBADOBJ. BLK_VERSION is bumped with every
 * change of what the block's words mean. Version 6: bits 2 and 3 of seq are
 * the wait engine's (wait.h), its count moves up to bits 4-31. Version 5:
 * SHMAP_SYNC_SIZE 512, the rest reserved. Versions 1 to 4 wrote "SYNC",
 * "SYN2", "SYN3" and "SYN4" (4: the tables of waiters for hand-offs, bit 1 of seq and the turn; 3: a
 * manual-reset event's set generation in bits 1-30 of its state word).
 */
#define BLK_SY 0x5953u /* "SY" */
#define BLK_VERSION 6u
#define SLOTS SHMAP_EVENT_LISTENERS_MAX
#define EPLACES 4 /* an event's places for waiters (see struct sync_blk) */
#define LINGER_NS 4000000ll    /* how long linger() yields at most */
#define LINGER_FIRST 1000000ll /* and on a handle's first linger */

/*
 * The shared block; lives in memory every party can write: hostile input.
 * Line 0 is what every take and signal touches; pulse bookkeeping, which
 * waiters write, and the event listeners each have lines of their own, so
 * they never pull line 0 away from a setter.
 */
struct sync_blk {
	uint32_t magic;
	uint32_t kind;  /* SHMAP_TYPE_EVENT, _MUTEX or _SEMAPHORE */
	uint64_t order; /* random: the order wait-all takes objects in */
	/* The futex word: bumped by 16 on every signal (bits 4-31); bit 0
	 * says someone sleeps on it (or did: a killed sleeper costs one wake,
	 * no more), bits 2 and 3 who (wait.h); bit 1 that the table of
	 * waiters may hold one not yet handed anything (SEQ_LISTED). */
	_Atomic uint32_t seq;
	_Atomic uint32_t state;    /* event: bit 0 set, and (manual-reset)
	                            * bits 1-30 the set generation (see
	                            * SGEN32); semaphore: the count */
	uint32_t flags;            /* event: SHMAP_EVENT_MANUAL */
	uint32_t max;              /* semaphore: the maximum count */
	union {
		struct {
			/* mutex: an identity (see ID_*), a place handed
			 * the mutex (PEND), 0 free */
			_Atomic uint64_t owner;
			uint32_t recursion; /* touched by the owner only */
		};
		/* auto-reset event: the table of waiters (see place_tab) */
		_Atomic uint64_t eplace[EPLACES];
	};

	_Alignas(64) _Atomic uint32_t pulse_gen; /* event: bumped by pulses */
	_Atomic uint32_t pulse_tokens; /* auto-reset pulses: releases left */
	_Atomic uint32_t waiting;      /* event: waiters past a first try */
	_Atomic uint32_t turn; /* the place a hand-off looks at first */
	/* The wait-all thread allowed to set LOCK, an identity: taken by
	 * CAS before the bit is set, given back after it is cleared, so
	 * lockers and recoverers are serialised. */
	_Atomic uint64_t lk_owner;
	/* The namespaces of the processes that took the object; an
	 * identity names one by index. Claimed by a first take or lock,
	 * reused when full (the rule is above shmap__ns_find). */
	struct shmap__nstab ns;

	/* event: listener ids, 0 free; always scanned (a count could drift
	 * when a listener is killed halfway). Mutex, semaphore: the table of
	 * waiters. */
	_Alignas(64) _Atomic uint64_t slot[SLOTS];

	/* Zero, for what later formats add: SHMAP_SYNC_SIZE, part of the
	 * ABI, need not change for them. */
	unsigned char reserved[SHMAP_SYNC_SIZE - 128 - SLOTS * 8];
};
_Static_assert(sizeof(struct sync_blk) == SHMAP_SYNC_SIZE, "block fills its size");
_Static_assert(offsetof(struct sync_blk, magic) == 0, "every version looks at 0");
_Static_assert(offsetof(struct sync_blk, slot) == 128, "two lines before slots");
_Static_assert(offsetof(struct sync_blk, eplace) == 32 &&
                       offsetof(struct sync_blk, pulse_gen) == 64,
               "an event's places fill line 0");
#define NSIDS SHMAP__NSIDS

#define BLK_OFF(i, f) SHMAP__FOLD(i, offsetof(struct sync_blk, f))
/* The format: the low 16 bits of the fold of the layout (see SHMAP__FOLD). */
#define BLK_FORMAT                                                             \
	((SHMAP__FOLD(0, BLK_VERSION) + SHMAP__FOLD(1, sizeof(struct sync_blk)) +   \
	  SHMAP__FOLD(2, SLOTS) + SHMAP__FOLD(3, EPLACES) +                    \
	  SHMAP__FOLD(4, NSIDS) + BLK_OFF(5, kind) + BLK_OFF(6, order) +       \
	  BLK_OFF(7, seq) + BLK_OFF(8, state) + BLK_OFF(9, flags) +            \
	  BLK_OFF(10, max) + BLK_OFF(11, owner) + BLK_OFF(12, recursion) +     \
	  BLK_OFF(13, eplace) + BLK_OFF(14, pulse_gen) +                       \
	  BLK_OFF(15, pulse_tokens) + BLK_OFF(16, waiting) + BLK_OFF(17, turn) + \
	  BLK_OFF(18, lk_owner) + BLK_OFF(19, ns) + BLK_OFF(20, slot) +      \
	  BLK_OFF(21, reserved)) &                                             \
	 0xffffu)
#define BLK_MAGIC (BLK_SY | BLK_FORMAT << 16)
_Static_assert(sizeof(struct shmap__nstab) == 4 * NSIDS &&
                       offsetof(struct sync_blk, ns) == 88 && BLK_FORMAT == 0xe14e,
               "version 6's layout, whatever the namespace table's type");
_Static_assert(BLK_FORMAT != 0x434e && BLK_FORMAT != 0x324e &&
                       BLK_FORMAT != 0x334e && BLK_FORMAT != 0x344e &&
                       BLK_FORMAT != 0x679d,
               "not the word of versions 1 to 5");

/* Identities (mutex owner, wait-all lock owner, waiters): see live.h. */
#define ID_TID_MASK SHMAP__ID_TID_MASK
#define ID_START_SHIFT SHMAP__ID_START_SHIFT
#define ID_NS_SHIFT SHMAP__ID_NS_SHIFT
#define ID_NS_MASK SHMAP__ID_NS_MASK

/*
 * Wait-all takes several objects at once: it sets LOCK in each one's state
 * word (checking it is available), then commits them all. Single takes
 * leave a locked object alone (LOCKED: try again in a moment); sets and
 * releases keep the bit. Event state: bit 0 signalled; semaphore state: the
 * count in bits 0-30; mutex owner: bit 63.
 */
#define LOCK32 0x80000000u
#define COUNT32 0x7fffffffu
/* A manual-reset event's set generation, bumped by every set that finds
 * the event unset, in the same atomic change as bit 0: a waiter sees both
 * or neither, so one released by the bump never runs ahead of the bit. */
#define SGEN32 0x7ffffffeu
#define LOCK64 (1ull << 63)

/*
 * Hand-offs (see the top of the file). A place in a table of waiters holds
 * 0 (free) or a waiter's identity, with GRANT once an event's set or a
 * semaphore's unit was handed to it. A mutex handed to the waiter at place
 * i has PEND(i) as its owner word: tid 0, which no thread has, and i + 1
 * where the start time would be. SEQ_LISTED is bit 1 of seq.
 */
#define GRANT (1ull << 63)
#define PEND(i) ((uint64_t)((i) + 1) << ID_START_SHIFT)
#define SEQ_LISTED 2u
#define SEQ_STEP SHMAP__WAIT_STEP

/* LOST: a block was cut away under us (see the top of the file). */
enum { BUSY = 0, TAKEN = 1, ABANDONED = 2, LOCKED = 3, LOST = 4 };

/* ---- identities in a block (live.h) ---- */

/* Whether lk_owner, a place for a waiter or owner names entry i, read in
 * that order: a commit stores the owner before it clears lk_owner, and a
 * waiter handed a mutex stores the owner before it leaves its place. An
 * event's listener ids never have ID_NS bits. seq_cst: the namespace
 * table's rule (shmap__ns_find). */
#define NAMES(v, i) ((((v) >> ID_NS_SHIFT) & ID_NS_MASK) == (i) + 1)
static int ns_named(const void *ctx, unsigned i)
{
	struct sync_blk *b = (struct sync_blk *)ctx;
	if (NAMES(atomic_load(&b->lk_owner), i))
		return 1;
	/* Which words hold identities: read once, hostile. */
	uint32_t kind = b->kind;
	for (unsigned k = 0; kind == SHMAP_TYPE_EVENT && k < EPLACES; k++)
		if (NAMES(atomic_load(&b->eplace[k]), i))
			return 1;
	for (unsigned k = 0; k < SLOTS; k++)
		if (NAMES(atomic_load(&b->slot[k]), i))
			return 1;
	return kind == SHMAP_TYPE_MUTEX && NAMES(atomic_load(&b->owner), i);
}

/* Our entry in b's namespace table as ID_NS bits (claiming one, and
 * reusing one nothing names when the table is full), or 0. */
static uint64_t ns_find(struct sync_blk *b, int claim)
{
	return shmap__ns_find(&b->ns, claim, ns_named, b);
}

#define NS_UNSET (~0ull)

/*
 * Our ID_NS bits in the block of s: claimed by the first take or lock, and
 * claimed again after ns_still found the entry reclaimed (while nothing
 * named it) and forgot them.
 */
static inline uint64_t ns_bits(struct shmap_sync *s)
{
	/* relaxed: a cache, checked by ns_still after every store of it. */
	uint64_t v = atomic_load_explicit(&s->nsbits, memory_order_relaxed);
	if (v == NS_UNSET) {
		v = ns_find(s->b, 1);
		atomic_store_explicit(&s->nsbits, v, memory_order_relaxed);
	}
	return v;
}

/*
 * After storing the identity id (from ns_bits), the writer's second read
 * of the table's rule: whether id's entry still holds our key. If not, the
 * caller withdraws the store, and the next ns_bits claims afresh.
 */
static inline int ns_still(struct shmap_sync *s, uint64_t id)
{
	if (shmap__ns_mine(&s->b->ns, id))
		return 1;
	atomic_store_explicit(&s->nsbits, NS_UNSET, memory_order_relaxed);
	return 0;
}

static inline uint64_t my_ident(void)
{
	return shmap__self();
}

/* The calling thread's identity in the block of s, for a take or lock. */
static inline uint64_t me_in(struct shmap_sync *s)
{
	return my_ident() | ns_bits(s);
}

/* Whether the identity o (LOCK bit clear) is the calling thread's (entries
 * are compared by key, not index: two handles may have claimed apart). */
static inline int is_me(const struct sync_blk *b, uint64_t o)
{
	return shmap__ident_is_me(&b->ns, o);
}

/*
 * Whether the thread named by id, found in *who, is known dead (see
 * live.h). *who is read again after the slow look-up, so a new owner that
 * came meanwhile is never taken for the dead one.
 */
static int known_dead(const struct sync_blk *b, _Atomic uint64_t *who, uint64_t id)
{
	/* The table is only read: judging writes nothing to it. */
	return shmap__ident_dead((struct shmap__nstab *)&b->ns, id) &&
	       atomic_load(who) == id;
}


/* ---- the handle registry, for fork ---- */

static pthread_mutex_t g_reg = PTHREAD_MUTEX_INITIALIZER;
static struct shmap_sync *g_head;

static void fork_prepare(void)
{
	pthread_mutex_lock(&g_reg);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&g_reg);
}

/* The child is another process: new identities (its listeners are
 * pollfd.c's). */
static void fork_child(void)
{
	/* New identities; entries claimed afresh if our namespaces
	 * changed (a parent that unshared them forks into the new ones). */
	int moved = shmap__live_forked();
	for (struct shmap_sync *s = g_head; moved && s; s = s->next)
		atomic_store(&s->nsbits, NS_UNSET);
	pthread_mutex_unlock(&g_reg);
}

static pthread_once_t g_fork_once = PTHREAD_ONCE_INIT;

static void fork_init(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

static void reg_add(struct shmap_sync *s)
{
	pthread_once(&g_fork_once, fork_init);
	/* Registered by the first take or lock through s, not here: a
	 * process that only opens, sets or releases claims no entry. */
	atomic_init(&s->nsbits, NS_UNSET);
	pthread_mutex_lock(&g_reg);
	s->prev = NULL;
	s->next = g_head;
	if (g_head)
		g_head->prev = s;
	g_head = s;
	pthread_mutex_unlock(&g_reg);
}

static void reg_del(struct shmap_sync *s)
{
	pthread_mutex_lock(&g_reg);
	if (s->prev)
		s->prev->next = s->next;
	else if (g_head == s)
		g_head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	pthread_mutex_unlock(&g_reg);
}

/* ---- taking and signalling ---- */

/* After a seq_cst change of the state: wakes the waiters handed
 * something (handed: the OR of shmap__wait_bit of their places, 0 if
 * none), and one more sleeper if none was: what a hand-off did not take
 * went to the object (see wait.h). */
static inline void wake_handed(struct sync_blk *b, uint32_t handed)
{
	/* seq_cst: as in shmap__wait_wake. Nobody asleep: no call. */
	uint32_t q = atomic_load(&b->seq);
	if (q & SHMAP__WB_SLEEP)
		shmap__wait_wake_n(&b->seq, q, handed ? 0 : 1, handed);
}

/* ---- hand-offs (see the top of the file) ---- */

/* The table of waiters of an object of kind (the handle's, trusted). */
static _Atomic uint64_t *place_tab(struct sync_blk *b, uint32_t kind, unsigned *n)
{
	if (kind == SHMAP_TYPE_EVENT) {
		*n = EPLACES;
		return b->eplace;
	}
	*n = SLOTS;
	return b->slot;
}

/* Whether waiters of s are listed: mutexes, semaphores, auto-reset events
 * (a manual-reset set releases every waiter: nothing to hand). */
static int listed_kind(const struct shmap_sync *s)
{
	return s->kind != SHMAP_TYPE_EVENT ||
	       !(s->b->flags & SHMAP_EVENT_MANUAL);
}

static inline int is_pend(uint64_t o)
{
	return (o & ID_TID_MASK) == 0 && (o & ~LOCK64) != 0;
}

/* The place a PEND word names, or -1 for one no table has (hostile). */
static int pend_place(uint64_t o)
{
	uint64_t i = (o & ~LOCK64) >> ID_START_SHIFT;
	return i >= 1 && i <= SLOTS ? (int)i - 1 : -1;
}

/*
 * The next place, from the turn on, holding a waiter not yet handed
 * anything; the turn moves past it, so every listed waiter gets its hand-off
 * before any place is served twice. -1 if there is none.
 */
static int pick(struct sync_blk *b, _Atomic uint64_t *tab, unsigned n)
{
	/* relaxed: the turn only spreads hand-offs; a stale one is fine. */
	unsigned t = atomic_load_explicit(&b->turn, memory_order_relaxed) % n;
	for (unsigned k = 0; k < n; k++) {
		unsigned i = (t + k) % n;
		/* seq_cst: pairs with the waiter's listing, then its look at
		 * the object (tidy and place_off rely on it too). */
		uint64_t v = atomic_load(&tab[i]);
		if (v && !(v & GRANT)) {
			atomic_store_explicit(&b->turn, i + 1,
			                      memory_order_relaxed);
			return (int)i;
		}
	}
	return -1;
}

/*
 * Clears SEQ_LISTED if no place holds a waiter not yet handed anything, so
 * signals take the fast path again. seq is read before the places and
 * changed by CAS: a waiter listed after our look has changed seq (list),
 * and our CAS fails.
 */
static void tidy(struct sync_blk *b, _Atomic uint64_t *tab, unsigned n)
{
	/* seq_cst, all: see above. */
	uint32_t q = atomic_load(&b->seq);
	if (!(q & SEQ_LISTED))
		return;
	for (unsigned i = 0; i < n; i++) {
		uint64_t v = atomic_load(&tab[i]);
		if (v && !(v & GRANT))
			return;
	}
	atomic_compare_exchange_strong(&b->seq, &q, q & ~SEQ_LISTED);
}

/* Hands what the caller holds to the waiter at place i: GRANT, by CAS, so
 * a waiter that leaves meanwhile is never handed anything. */
static int grant(_Atomic uint64_t *tab, int i)
{
	uint64_t v = atomic_load(&tab[i]);
	/* seq_cst: pairs with the waiter's leave (place_off). */
	return v && !(v & GRANT) &&
	       atomic_compare_exchange_strong(&tab[i], &v, v | GRANT);
}

/*
 * The mutex's owner word is from (0 just released, or a PEND whose waiter
 * has left): hands it to the next listed waiter, or leaves it free. After
 * naming a place, looks at it again: its waiter may have left before it
 * could see the PEND (place_off looks the other way round), and then the
 * mutex goes on. Bounded: a hostile peer cannot hold us here. Returns the
 * bit of the place handed the mutex (shmap__wait_bit), or 0 if none was.
 */
static uint32_t hand_mutex(struct shmap_sync *s, uint64_t from)
{
	struct sync_blk *b = s->b;
	unsigned n;
	_Atomic uint64_t *tab = place_tab(b, SHMAP_TYPE_MUTEX, &n);
	for (unsigned tries = 0; tries <= 2 * n; tries++) {
		int i = pick(b, tab, n);
		uint64_t to = i < 0 ? 0 : PEND(i);
		if (i < 0)
			tidy(b, tab, n);
		/* seq_cst: the owner word before the look at the place. */
		if (to == from || !atomic_compare_exchange_strong(&b->owner,
		                                                  &from, to))
			return 0; /* taken meanwhile, or freed */
		if (i < 0 || atomic_load(&tab[i]))
			return i < 0 ? 0 : shmap__wait_bit(i);
		from = to;
	}
	atomic_compare_exchange_strong(&b->owner, &from, 0);
	return 0;
}

/*
 * Gives back to the count one unit a semaphore release or a leaving waiter
 * holds. Releases made meanwhile may have filled the count (they did not
 * count the unit in flight): it then passes the maximum by this unit for a
 * while, never by more, which is better than losing the unit.
 */
static void unit_back(struct sync_blk *b)
{
	uint32_t v = atomic_load_explicit(&b->state, memory_order_relaxed);
	/* seq_cst: as any release. */
	while ((v & COUNT32) < COUNT32 &&
	       !atomic_compare_exchange_weak(&b->state, &v, v + 1))
		;
}

/*
 * Hands one unit (semaphore) or one set (auto-reset event) that the caller
 * holds, taken from the object, to a listed waiter; if none is left, gives
 * it back to the object. Returns the bit of the waiter's place
 * (shmap__wait_bit), or 0 if none got it.
 */
static uint32_t hand_one(struct shmap_sync *s)
{
	struct sync_blk *b = s->b;
	unsigned n;
	_Atomic uint64_t *tab = place_tab(b, s->kind, &n);
	for (unsigned tries = 0; tries < n; tries++) {
		int i = pick(b, tab, n);
		if (i < 0)
			break;
		if (grant(tab, i))
			return shmap__wait_bit(i);
	}
	tidy(b, tab, n);
	if (s->kind == SHMAP_TYPE_SEMAPHORE)
		unit_back(b);
	else
		atomic_fetch_or(&b->state, 1u); /* seq_cst: as a set */
	return 0;
}

/*
 * After a signal that found SEQ_LISTED: takes back up to n of what it just
 * made available (units, or the set) and hands each to a listed waiter
 * (SEQ_LISTED may be stale: then the first goes back, and tidy clears it).
 * What a waiter spinning or a wait-all took first is theirs; a wait-all's
 * LOCK is left alone (it is about to take the object). Returns how many
 * were handed; *bits gets the bits of their places (shmap__wait_bit).
 */
static unsigned hand_over(struct shmap_sync *s, uint32_t n, uint32_t *bits)
{
	struct sync_blk *b = s->b;
	unsigned handed = 0;
	*bits = 0;
	uint32_t need = s->kind == SHMAP_TYPE_EVENT ? 1u : COUNT32;
	while (handed < n) {
		uint32_t v = atomic_load_explicit(&b->state,
		                                  memory_order_relaxed);
		uint32_t to;
		do {
			if ((v & LOCK32) || !(v & need))
				return handed;
			to = s->kind == SHMAP_TYPE_EVENT ? v & ~1u : v - 1;
			/* acquire: we take it as a waiter would. */
		} while (!atomic_compare_exchange_weak_explicit(
		        &b->state, &v, to, memory_order_acquire,
		        memory_order_relaxed));
		uint32_t bit = hand_one(s);
		if (!bit)
			break;
		*bits |= bit;
		handed++;
	}
	return handed;
}

/* Whether a waiter not yet handed anything is listed (SEQ_LISTED may stay
 * set for a while after the last one left). relaxed, all: only a sign to
 * wait for; the release looks again. */
static int listed(_Atomic uint32_t *seq, _Atomic uint64_t *tab, unsigned n)
{
	if (!(atomic_load_explicit(seq, memory_order_relaxed) & SEQ_LISTED))
		return 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t v = atomic_load_explicit(&tab[i], memory_order_relaxed);
		if (v && !(v & GRANT))
			return 1;
	}
	return 0;
}

/*
 * Before a release, set or semaphore release through s, if our last take
 * through it had to wait (we were listed): spins (as a waiter would), then
 * yields, while no waiter is listed. The thread we took it from is most
 * likely on its way back to wait, as two sides taking turns are, and the
 * few instructions it needs to list itself (delayed by its wake-up call,
 * or by us preempting it on waking) must not let our own next wait take
 * the object first: a waiter woken from its sleep never wins that race on
 * Windows. How long it yields adapts: it starts at LINGER_FIRST (longer
 * than a wake-up), doubles up to LINGER_NS while the others come back in
 * time, and halves each time one does not, so a partner that has gone
 * costs one short stall, and one that comes back late is still waited for.
 */
static __attribute__((noinline)) void linger_slow(struct shmap_sync *s)
{
	/* relaxed, all: hints private to this process. */
	atomic_store_explicit(&s->handed, 0, memory_order_relaxed);
	_Atomic uint32_t *seq = &s->b->seq;
	int64_t budget = atomic_load_explicit(&s->linger_ns,
	                                      memory_order_relaxed);
	int64_t t0 = 0;
	/* A spinning handle's count may be huge: time bounds the rest. */
	unsigned spins = s->spins < 1000 ? s->spins : 1000;
	unsigned n;
	_Atomic uint64_t *tab = place_tab(s->b, s->kind, &n);
	for (unsigned k = 0; !listed(seq, tab, n); k++) {
		if (k < spins) {
			shmap__cpu_relax();
			continue;
		}
		int64_t t = shmap__now_ns();
		if (k == spins)
			t0 = t;
		if (t - t0 >= budget) {
			atomic_store_explicit(&s->linger_ns, budget / 2,
			                      memory_order_relaxed);
			return;
		}
		sched_yield();
	}
	budget = budget < LINGER_NS / 2 ? budget * 2 + 10000 : LINGER_NS;
	atomic_store_explicit(&s->linger_ns, budget, memory_order_relaxed);
}

static inline void linger(struct shmap_sync *s)
{
	/* relaxed: a hint private to this process. */
	if (atomic_load_explicit(&s->handed, memory_order_relaxed))
		linger_slow(s);
}

/*
 * A waiter lists itself at a free place of s's table: me, then SEQ_LISTED
 * with a bump of seq (so a tidy that looked before fails), then, by the
 * namespace table's rule, our entry checked again. Returns the place or -1
 * (full, or our entry was reclaimed).
 */
static int place_on(struct shmap_sync *s, uint64_t me)
{
	struct sync_blk *b = s->b;
	unsigned n;
	_Atomic uint64_t *tab = place_tab(b, s->kind, &n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t zero = 0;
		/* seq_cst: listed before we look at the object again, and
		 * under the namespace table's rule (ns_find). */
		if (!atomic_load(&tab[i]) &&
		    atomic_compare_exchange_strong(&tab[i], &zero, me)) {
			if (!ns_still(s, me)) {
				atomic_compare_exchange_strong(&tab[i], &me, 0);
				return -1;
			}
			uint32_t q = atomic_load(&b->seq);
			while (!atomic_compare_exchange_weak(
			        &b->seq, &q, (q | SEQ_LISTED) + SEQ_STEP))
				;
			return (int)i;
		}
	}
	return -1;
}

/*
 * A waiter leaves place i of s's table (me: what it listed). What it was
 * handed and did not take goes on: a GRANT to the next waiter or back to
 * the object; a mutex's PEND likewise, unless a new waiter has the place
 * (the PEND is then its). The place is cleared before the look at the
 * owner word: a hand-off that named it meanwhile is seen either here or by
 * hand_mutex's second look.
 */
static void place_off(struct shmap_sync *s, int i, uint64_t me)
{
	struct sync_blk *b = s->b;
	unsigned n;
	_Atomic uint64_t *tab = place_tab(b, s->kind, &n);
	(void)n;
	uint64_t v = me;
	int granted = 0;
	/* seq_cst, all: see above. */
	while (!atomic_compare_exchange_weak(&tab[i], &v, 0)) {
		if (v != me && v != (me | GRANT))
			return; /* not ours any more (found dead, wrongly) */
		granted = v == (me | GRANT);
	}
	if (s->kind == SHMAP_TYPE_MUTEX) {
		uint64_t o = atomic_load(&b->owner);
		if (o == PEND(i) && !atomic_load(&tab[i]))
			wake_handed(b, hand_mutex(s, o));
	} else if (granted) {
		uint32_t bit = hand_one(s);
		if (!bit && s->kind == SHMAP_TYPE_EVENT)
			shmap__pollfd_notify(b->slot, SLOTS);
		wake_handed(b, bit);
	}
}


/* Whether a GRANT at our place is there to take; takes it (and the place). */
static int take_grant(struct shmap_sync *s, struct shmap__wseen *ps)
{
	unsigned n;
	_Atomic uint64_t *tab = place_tab(s->b, s->kind, &n);
	if (ps->at < 0)
		return 0;
	uint64_t v = ps->me | GRANT;
	/* Only now the CAS, so a spinning waiter does not pull the line from
	 * the releaser on every turn. relaxed: the CAS below decides. */
	if (atomic_load_explicit(&tab[ps->at], memory_order_relaxed) != v)
		return 0;
	/* acquire: what the releaser wrote before its release is ours. */
	if (!atomic_compare_exchange_strong_explicit(&tab[ps->at], &v, 0,
	                                             memory_order_acquire,
	                                             memory_order_relaxed))
		return 0;
	ps->at = -1;
	atomic_store_explicit(&s->handed, 1, memory_order_relaxed);
	return 1;
}

/*
 * With check_dead, after a slice: takes a GRANT whose waiter is known dead
 * (it was handed something it will never take). Returns TAKEN or BUSY.
 */
static int salvage(struct shmap_sync *s)
{
	struct sync_blk *b = s->b;
	unsigned n;
	_Atomic uint64_t *tab = place_tab(b, s->kind, &n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t v = atomic_load(&tab[i]);
		/* acquire: as take_grant. */
		if ((v & GRANT) && known_dead(b, &tab[i], v) &&
		    atomic_compare_exchange_strong_explicit(
		            &tab[i], &v, 0, memory_order_acquire,
		            memory_order_relaxed))
			return TAKEN;
	}
	return BUSY;
}

/* For a waiter that found no place, after a slice: clears the places of
 * waiters known dead that were handed nothing. */
static void sweep(struct shmap_sync *s)
{
	unsigned n;
	_Atomic uint64_t *tab = place_tab(s->b, s->kind, &n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t v = atomic_load(&tab[i]);
		if (v && !(v & GRANT) && known_dead(s->b, &tab[i], v))
			atomic_compare_exchange_strong(&tab[i], &v, 0);
	}
}

/* Whether a mutex handed to place i (o is its PEND) may be taken by
 * another: its waiter has left or is known dead (cleared then). */
static int pend_stale(struct shmap_sync *s, uint64_t o)
{
	unsigned n;
	_Atomic uint64_t *tab = place_tab(s->b, SHMAP_TYPE_MUTEX, &n);
	int i = pend_place(o);
	if (i < 0)
		return 1;
	uint64_t v = atomic_load(&tab[i]);
	if (!v)
		return 1;
	if (!known_dead(s->b, &tab[i], v))
		return 0;
	atomic_compare_exchange_strong(&tab[i], &v, 0);
	return 1;
}

/* The mutex's owner word was o (free, dead, handed to us or to a waiter
 * gone): makes the calling thread the owner by CAS. Returns result, or
 * BUSY or LOCKED if the word changed. */
static inline int own(struct shmap_sync *s, uint64_t o, int result)
{
	struct sync_blk *b = s->b;
	uint64_t me = me_in(s), was = o;
	/* seq_cst (acquire would do for the mutex): an identity
	 * stored under the namespace table's rule (ns_find). */
	if (!atomic_compare_exchange_strong(&b->owner, &o, me))
		return (o & LOCK64) ? LOCKED : BUSY;
	if (!ns_still(s, me)) {
		/* Our entry was reclaimed under us: put back what we
		 * found (unless someone took it already), try again. */
		atomic_compare_exchange_strong(&b->owner, &me, was);
		return LOCKED;
	}
	SHMAP__CRASH(SHMAP__CP_MUTEX_OWNED);
	b->recursion = 1;
	return result;
}

/* ---- the kinds' operations for the wait engine (wait.h) ---- */

/* ctx of sync.c's kinds: the handle. */
#define H(ctx) ((struct shmap_sync *)(ctx))

static _Atomic uint32_t *sync_word(void *ctx)
{
	return &H(ctx)->b->seq;
}

static uint64_t sync_order(void *ctx)
{
	return H(ctx)->b->order;
}

static void ev_begin(void *ctx, struct shmap__wseen *ps)
{
	struct sync_blk *b = H(ctx)->b;
	ps->gen = atomic_load(&b->pulse_gen);
	/* relaxed: only compared; ev_take loads it again to take. */
	ps->sgen = atomic_load_explicit(&b->state, memory_order_relaxed) &
	           SGEN32;
}

static int ev_take(void *ctx, struct shmap__wseen *ps, int check_dead)
{
	struct shmap_sync *s = H(ctx);
	struct sync_blk *b = s->b;
	/* acquire: the setter's writes before set are visible to us. */
	uint32_t gen = atomic_load_explicit(&b->pulse_gen, memory_order_acquire);
	int manual = (b->flags & SHMAP_EVENT_MANUAL) != 0;
	if (take_grant(s, ps))
		return TAKEN;
	if (gen != ps->gen) {
		if (manual)
			return TAKEN;
		uint32_t t = atomic_load(&b->pulse_tokens);
		while (t > 0)
			if (atomic_compare_exchange_weak(&b->pulse_tokens, &t,
			                                 t - 1))
				return TAKEN;
		ps->gen = gen; /* that pulse went to someone else */
	}
	/* acquire: for a manual event this load is the take. */
	uint32_t v = atomic_load_explicit(&b->state, memory_order_acquire);
	/* A set since our snapshot, even if a reset came after it. */
	if (manual && (v & SGEN32) != ps->sgen)
		return TAKEN;
	for (;;) {
		if (!(v & 1u))
			return check_dead && !manual ? salvage(s) : BUSY;
		if (manual)
			return TAKEN;
		if (v & LOCK32)
			return LOCKED;
		/* Only now the CAS, so a spinning waiter does not pull the
		 * line from the setter on every turn. acq_rel: consuming the
		 * signal orders with the setter. */
		if (atomic_compare_exchange_weak_explicit(
		            &b->state, &v, v & ~1u, memory_order_acq_rel,
		            memory_order_acquire))
			return TAKEN;
	}
}

static int sem_take(void *ctx, struct shmap__wseen *ps, int check_dead)
{
	struct shmap_sync *s = H(ctx);
	struct sync_blk *b = s->b;
	if (take_grant(s, ps))
		return TAKEN;
	uint32_t v = atomic_load_explicit(&b->state, memory_order_relaxed);
	for (;;) {
		if (!(v & COUNT32))
			return check_dead ? salvage(s) : BUSY;
		if (v & LOCK32)
			return LOCKED;
		/* acquire: what the releaser wrote before releasing. */
		if (atomic_compare_exchange_weak_explicit(
		            &b->state, &v, v - 1, memory_order_acquire,
		            memory_order_relaxed))
			return TAKEN;
	}
}

static int mx_take(void *ctx, struct shmap__wseen *ps, int check_dead)
{
	struct shmap_sync *s = H(ctx);
	struct sync_blk *b = s->b;
	/* acquire: the previous owner's writes happen before ours. */
	uint64_t o = atomic_load_explicit(&b->owner, memory_order_acquire);
	if (o & LOCK64)
		return LOCKED;
	if (is_pend(o)) {
		/* Handed to us, or to a waiter gone: not abandoned, its last
		 * owner released it. */
		if (ps->at >= 0 && o == PEND(ps->at)) {
			int r = own(s, o, TAKEN);
			if (r == TAKEN)
				atomic_store_explicit(&s->handed, 1,
				                      memory_order_relaxed);
			return r;
		}
		return check_dead && pend_stale(s, o) ? own(s, o, TAKEN) : BUSY;
	}
	if (o != 0 && is_me(b, o)) {
		if (b->recursion == UINT32_MAX)
			return BUSY;
		b->recursion++;
		return TAKEN;
	}
	int result = TAKEN;
	if (o != 0) {
		if (!check_dead || !known_dead(b, &b->owner, o))
			return BUSY;
		result = ABANDONED;
	}
	return own(s, o, result);
}

/* Takes an event or semaphore only if it was handed to us (a GRANT at our
 * place). Returns TAKEN or BUSY. */
static int grant_take_handed(void *ctx, struct shmap__wseen *ps)
{
	return ps->at >= 0 && take_grant(H(ctx), ps) ? TAKEN : BUSY;
}

/* A mutex, only if its owner word is the PEND naming our place. */
static int mx_take_handed(void *ctx, struct shmap__wseen *ps)
{
	struct shmap_sync *s = H(ctx);
	if (ps->at < 0)
		return BUSY;
	/* relaxed: own() decides by CAS. */
	uint64_t o = atomic_load_explicit(&s->b->owner, memory_order_relaxed);
	return o == PEND(ps->at) && own(s, o, TAKEN) == TAKEN ? TAKEN : BUSY;
}

/*
 * Wait-all, before locking anything: whether the object looks available,
 * read without a lock (the lock looks again under it). So a wait-all that
 * cannot complete locks nothing, and others never meet its LOCK bits; and
 * the slow part, judging a mutex owner dead through /proc, is done here,
 * outside any locked section: *dead keeps the identity found dead (or the
 * PEND of a waiter gone), which mx_lock may then replace. relaxed, every
 * load: a hint; the lock decides under LOCK.
 */
static int mx_look(void *ctx, int check_dead, uint64_t *dead)
{
	struct shmap_sync *s = H(ctx);
	struct sync_blk *b = s->b;
	uint64_t o = atomic_load_explicit(&b->owner, memory_order_relaxed);
	if (o == 0 || (o & LOCK64) || is_me(b, o))
		return TAKEN;
	if (!check_dead || (is_pend(o) ? !pend_stale(s, o)
	                               : !known_dead(b, &b->owner, o)))
		return BUSY;
	*dead = o;
	return TAKEN;
}

static int ev_look(void *ctx, int check_dead, uint64_t *dead)
{
	(void)check_dead, (void)dead;
	return atomic_load_explicit(&H(ctx)->b->state, memory_order_relaxed) &
	                       1u
	               ? TAKEN
	               : BUSY;
}

static int sem_look(void *ctx, int check_dead, uint64_t *dead)
{
	(void)check_dead, (void)dead;
	return atomic_load_explicit(&H(ctx)->b->state, memory_order_relaxed) &
	                       COUNT32
	               ? TAKEN
	               : BUSY;
}

/*
 * Wait-all, first step: takes the object's lk_owner (TAKEN), or returns
 * LOCKED if another wait-all holds it.
 */
static int lk_take(struct shmap_sync *s)
{
	struct sync_blk *b = s->b;
	uint64_t me = me_in(s), zero = 0;
	/* seq_cst (acq_rel would order the previous holder's commit before
	 * our look): an identity stored under the table's rule (ns_find). */
	if (!atomic_compare_exchange_strong(&b->lk_owner, &zero, me))
		return LOCKED;
	if (!ns_still(s, me)) {
		/* Our entry was reclaimed under us: give the lock back. */
		atomic_compare_exchange_strong(&b->lk_owner, &me, 0);
		return LOCKED;
	}
	SHMAP__CRASH(SHMAP__CP_WAITALL_LK);
	return TAKEN;
}

/* Gives lk_owner back after a lock that failed. */
static int lk_fail(struct sync_blk *b, int r)
{
	/* release: give the right to lock back. */
	atomic_store_explicit(&b->lk_owner, 0, memory_order_release);
	return r;
}

/* Wait-all: sets LOCK on a mutex that is free, ours, or still owned by
 * dead (an identity mx_look found dead), without changing its owner. */
static int mx_lock(void *ctx, uint64_t dead)
{
	struct shmap_sync *s = H(ctx);
	struct sync_blk *b = s->b;
	if (lk_take(s) != TAKEN)
		return LOCKED;
	uint64_t o = atomic_load_explicit(&b->owner, memory_order_acquire);
	for (;;) {
		if (o & LOCK64)
			return lk_fail(b, LOCKED); /* only a hostile block */
		int mine = o != 0 && is_me(b, o);
		if ((o != 0 && !mine && o != dead) ||
		    (mine && b->recursion == UINT32_MAX))
			return lk_fail(b, BUSY);
		/* acquire: as for a single take. */
		if (atomic_compare_exchange_weak_explicit(
		            &b->owner, &o, o | LOCK64, memory_order_acquire,
		            memory_order_acquire))
			return TAKEN;
	}
}

/* Wait-all: sets LOCK on an event or semaphore whose state has a bit of
 * need, without changing what it holds. */
static int state_lock(struct shmap_sync *s, uint32_t need)
{
	struct sync_blk *b = s->b;
	if (lk_take(s) != TAKEN)
		return LOCKED;
	uint32_t v = atomic_load_explicit(&b->state, memory_order_acquire);
	for (;;) {
		if (v & LOCK32)
			return lk_fail(b, LOCKED);
		if (!(v & need))
			return lk_fail(b, BUSY);
		/* acquire: as for a single take. */
		if (atomic_compare_exchange_weak_explicit(
		            &b->state, &v, v | LOCK32, memory_order_acquire,
		            memory_order_acquire))
			return TAKEN;
	}
}

static int ev_lock(void *ctx, uint64_t dead)
{
	(void)dead;
	return state_lock(H(ctx), 1u);
}

static int sem_lock(void *ctx, uint64_t dead)
{
	(void)dead;
	return state_lock(H(ctx), COUNT32);
}

/* Wait-all, all locked: a reset may have come between two locks. */
static int ev_ready(void *ctx)
{
	return (atomic_load(&H(ctx)->b->state) & 1u) != 0;
}

/* Wait-all, on failure: drops LOCK, leaving the object as it was. release,
 * both: nothing we did while locked may move past the unlock. */
static void mx_unlock(void *ctx)
{
	struct sync_blk *b = H(ctx)->b;
	atomic_fetch_and_explicit(&b->owner, ~LOCK64, memory_order_release);
	atomic_store_explicit(&b->lk_owner, 0, memory_order_release);
}

static void state_unlock(void *ctx)
{
	struct sync_blk *b = H(ctx)->b;
	atomic_fetch_and_explicit(&b->state, ~LOCK32, memory_order_release);
	atomic_store_explicit(&b->lk_owner, 0, memory_order_release);
}

/* Wait-all, on success: takes the locked object and drops LOCK at once. */
static int ev_commit(void *ctx)
{
	struct sync_blk *b = H(ctx)->b;
	/* release: ends the locked section. Sets and resets that came
	 * meanwhile kept the bit; an auto-reset event is consumed. */
	atomic_fetch_and_explicit(&b->state,
	                          (b->flags & SHMAP_EVENT_MANUAL)
	                                  ? ~LOCK32
	                                  : ~(LOCK32 | 1u),
	                          memory_order_release);
	atomic_store_explicit(&b->lk_owner, 0, memory_order_release);
	return TAKEN;
}

static int sem_commit(void *ctx)
{
	struct sync_blk *b = H(ctx)->b;
	/* release: as above; only releases came meanwhile. */
	atomic_fetch_sub_explicit(&b->state, LOCK32 + 1, memory_order_release);
	atomic_store_explicit(&b->lk_owner, 0, memory_order_release);
	return TAKEN;
}

static int mx_commit(void *ctx)
{
	struct sync_blk *b = H(ctx)->b;
	int r = TAKEN;
	/* relaxed: our own store, the identity mx_lock checked. */
	uint64_t me = atomic_load_explicit(&b->lk_owner, memory_order_relaxed);
	uint64_t o = atomic_load(&b->owner) & ~LOCK64;
	if (o != 0 && is_me(b, o)) {
		b->recursion++;
	} else {
		b->recursion = 1;
		r = o && !is_pend(o) ? ABANDONED : TAKEN;
	}
	/* release: nobody changes a locked mutex; hand it to us. */
	atomic_store_explicit(&b->owner, me, memory_order_release);
	SHMAP__CRASH(SHMAP__CP_MUTEX_OWNED);
	atomic_store_explicit(&b->lk_owner, 0, memory_order_release);
	return r;
}

/*
 * A wait-all killed inside its locked section leaves lk_owner (and maybe
 * LOCK) set: if that thread is known dead, take lk_owner over by CAS (so
 * only one recoverer acts, and never on a live holder), clear the bit
 * (nothing was committed) and give lk_owner back.
 */
static void recover_lock(struct shmap_sync *s, int mutex)
{
	struct sync_blk *b = s->b;
	uint64_t holder = atomic_load_explicit(&b->lk_owner,
	                                       memory_order_acquire);
	if (!holder || !known_dead(b, &b->lk_owner, holder))
		return;
	uint64_t me = me_in(s), dead = holder;
	/* seq_cst: an identity stored under the table's rule (ns_find). */
	if (!atomic_compare_exchange_strong(&b->lk_owner, &holder, me))
		return;
	if (!ns_still(s, me)) {
		/* Our entry was reclaimed under us: leave it to others. */
		atomic_compare_exchange_strong(&b->lk_owner, &me, dead);
		return;
	}
	if (mutex)
		atomic_fetch_and(&b->owner, ~LOCK64);
	else
		atomic_fetch_and(&b->state, ~LOCK32);
	atomic_store(&b->lk_owner, 0);
}

static void mx_recover(void *ctx)
{
	recover_lock(H(ctx), 1);
}

static void state_recover(void *ctx)
{
	recover_lock(H(ctx), 0);
}

/*
 * A waiter from here on: listed where the object hands off (a place is
 * taken once; a full table is tried each turn, and swept of dead waiters
 * after a slice). A pulse releases the waiters already waiting: an event
 * counts us once a first try has failed and we are going to wait (a pulse
 * before that was too early for us, as for a thread about to wait on
 * Windows).
 */
static int sync_enlist(void *ctx, struct shmap__wseen *ps, int first,
                       int check_dead)
{
	struct shmap_sync *s = H(ctx);
	int again = 0;
	if (listed_kind(s)) {
		if (check_dead)
			sweep(s);
		uint64_t me = me_in(s);
		int at = place_on(s, me);
		if (at >= 0) {
			ps->at = at;
			ps->me = me;
		}
		again = at < 0;
	}
	if (first && s->kind == SHMAP_TYPE_EVENT)
		atomic_fetch_add(&s->b->waiting, 1);
	return again;
}

/* Whether an event or semaphore has handed something to a waiter other
 * than us: if that waiter was killed, we find it out after a slice
 * (salvage). */
static int grant_in_flight(void *ctx, const struct shmap__wseen *ps)
{
	struct shmap_sync *s = H(ctx);
	unsigned k;
	if (!listed_kind(s))
		return 0;
	_Atomic uint64_t *tab = place_tab(s->b, s->kind, &k);
	for (unsigned j = 0; j < k; j++) {
		/* relaxed: a hint for how long to sleep. */
		uint64_t v = atomic_load_explicit(&tab[j], memory_order_relaxed);
		if ((v & GRANT) && (ps->at != (int)j || v != (ps->me | GRANT)))
			return 1;
	}
	return 0;
}

/* The wait is over: a listed waiter that took the object, handed or not,
 * had to wait for it, so its release lingers (see linger); what it was
 * handed and did not take goes on. */
static void sync_end(void *ctx, struct shmap__wseen *ps, int took,
                     int enlisted)
{
	struct shmap_sync *s = H(ctx);
	if (took && ps->at >= 0)
		atomic_store_explicit(&s->handed, 1, memory_order_relaxed);
	if (ps->at >= 0)
		place_off(s, ps->at, ps->me);
	if (enlisted && s->kind == SHMAP_TYPE_EVENT &&
	    atomic_fetch_sub(&s->b->waiting, 1) == 1)
		atomic_store(&s->b->pulse_tokens, 0);
}

static const struct shmap__waitops g_event_ops = {
        .word = sync_word,
        .order = sync_order,
        .begin = ev_begin,
        .take = ev_take,
        .take_handed = grant_take_handed,
        .look = ev_look,
        .lock = ev_lock,
        .ready = ev_ready,
        .commit = ev_commit,
        .unlock = state_unlock,
        .recover = state_recover,
        .enlist = sync_enlist,
        .in_flight = grant_in_flight,
        .end = sync_end,
};

static const struct shmap__waitops g_sem_ops = {
        .word = sync_word,
        .order = sync_order,
        .take = sem_take,
        .take_handed = grant_take_handed,
        .look = sem_look,
        .lock = sem_lock,
        .commit = sem_commit,
        .unlock = state_unlock,
        .recover = state_recover,
        .enlist = sync_enlist,
        .in_flight = grant_in_flight,
        .end = sync_end,
};

/* A mutex's owner may die unseen: its waiters sleep in short slices. */
static const struct shmap__waitops g_mutex_ops = {
        .flags = SHMAP__WK_SLICE,
        .word = sync_word,
        .order = sync_order,
        .take = mx_take,
        .take_handed = mx_take_handed,
        .look = mx_look,
        .lock = mx_lock,
        .commit = mx_commit,
        .unlock = mx_unlock,
        .recover = mx_recover,
        .enlist = sync_enlist,
        .end = sync_end,
};

/* Every handle of kind gets its table here. */
static void set_kind(struct shmap_sync *s, uint32_t kind)
{
	s->kind = kind;
	s->ctx = s;
	s->ops = kind == SHMAP_TYPE_MUTEX       ? &g_mutex_ops
	         : kind == SHMAP_TYPE_SEMAPHORE ? &g_sem_ops
	                                        : &g_event_ops;
}

static int do_set(struct shmap_sync *e)
{
	struct sync_blk *b = e->b;
	uint32_t was, bits = 0;
	unsigned handed = 0;
	int manual = (b->flags & SHMAP_EVENT_MANUAL) != 0;
	if (manual) {
		/* A manual-reset set releases every present waiter even if a
		 * reset comes before they run: the change that sets bit 0
		 * also bumps the generation they compare with, so a waiter
		 * released by it has seen the bit set (its reset comes after
		 * ours), and a wait that begins later sees the new
		 * generation. A set LOCK bit stays. */
		was = atomic_load_explicit(&b->state, memory_order_relaxed);
		uint32_t v;
		do
			v = (was & 1u) ? was
			               : (was & ~SGEN32) |
			                         ((was + 2u) & SGEN32) | 1u;
		/* seq_cst: as the fetch_or below. */
		while (!atomic_compare_exchange_weak(&b->state, &was, v));
	} else {
		linger(e);
		/* seq_cst: publishes the setter's writes to whoever
		 * consumes, and orders before wake()'s look at the sleeper
		 * bit. */
		was = atomic_fetch_or(&b->state, 1u);
	}
	SHMAP__CRASH(SHMAP__CP_EVENT_SET);
	/* Wake even if it was set: a setter killed between its change and
	 * its wake must not leave a sleeper asleep on a set event. seq_cst:
	 * as in shmap__wait_wake, and SEQ_LISTED is seen if a waiter listed itself
	 * before its last look at the state. */
	uint32_t q = atomic_load(&b->seq);
	if ((q & SEQ_LISTED) && !(was & 1u) && !manual)
		handed = hand_over(e, 1, &bits);
	/* Wake all for a manual-reset event: every waiter takes the set. */
	if (manual)
		shmap__wait_wake_seen(&b->seq, q);
	else
		wake_handed(b, bits);
	if (!(was & 1u) && !handed)
		shmap__pollfd_notify(b->slot, SLOTS);
	return 0;
}

static int do_mutex_release(struct shmap_sync *m)
{
	struct sync_blk *b = m->b;
	/* Our identity, without the LOCK bit: no wait-all locks a mutex we
	 * own but us. Compared by key, so a handle that never took claims
	 * no entry (we may own the mutex through another handle). relaxed:
	 * only we store our own identity. */
	uint64_t o = atomic_load_explicit(&b->owner, memory_order_relaxed);
	uint64_t bits = atomic_load_explicit(&m->nsbits, memory_order_relaxed);
	if (o == 0 || (o & LOCK64) ||
	    (o != (my_ident() | bits) && !is_me(b, o)))
		return -EPERM;
	if (b->recursion > 1) {
		b->recursion--;
		return 0;
	}
	linger(m);
	b->recursion = 0;
	/* seq_cst: our writes under the mutex reach the next owner, and the
	 * store orders before the look at seq (as in shmap__wait_wake). */
	atomic_store(&b->owner, 0);
	wake_handed(b, (atomic_load(&b->seq) & SEQ_LISTED) ? hand_mutex(m, 0)
	                                                   : 0);
	return 0;
}

static int do_sem_release(struct shmap_sync *s, uint32_t n,
                          uint32_t *previous)
{
	struct sync_blk *b = s->b;
	uint32_t max = b->max; /* read once: shared memory is hostile */
	if (max > COUNT32)
		max = COUNT32; /* a count must never reach the LOCK bit */
	linger(s);
	uint32_t v = atomic_load_explicit(&b->state, memory_order_relaxed);
	do {
		if ((uint64_t)(v & COUNT32) + n > max)
			return -EOVERFLOW;
		/* seq_cst: our writes reach whoever takes the count, and
		 * this orders before wake(). A set LOCK bit stays. */
	} while (!atomic_compare_exchange_weak(&b->state, &v, v + n));
	if (previous)
		*previous = v & COUNT32;
	/* seq_cst: as in shmap__wait_wake. */
	uint32_t bits = 0, handed = 0;
	if (atomic_load(&b->seq) & SEQ_LISTED)
		handed = hand_over(s, n, &bits);
	/* The waiters handed units, and as many sleepers as units are left
	 * (n - handed <= COUNT32 fits an int). */
	shmap__wait_wake_n(&b->seq, atomic_load(&b->seq), (int)(n - handed),
	                   bits);
	return 0;
}

/* ---- handles ---- */

/* Whether a fault took the block of s away (see the top of the file). */
static inline int lost(const shmap_sync *s)
{
	return shmap__region_lost(s->region);
}

static int check_handle(const shmap_sync *s, uint32_t kind)
{
	if (!s || (kind && s->kind != kind))
		return -EINVAL;
	if (s->has_obj && s->obj.fd < 0)
		return -EBADF;
	return 0;
}

/*
 * Builds a block; own makes the calling thread the mutex's owner, with its
 * namespace registered first, all before anyone can see the block.
 */
static void blk_init(struct sync_blk *b, uint32_t kind, uint32_t flags,
                     uint32_t state, uint32_t max, int own)
{
	memset(b, 0, sizeof *b);
	b->magic = BLK_MAGIC;
	b->kind = kind;
	b->flags = flags;
	b->max = max;
	atomic_init(&b->state, state);
	atomic_init(&b->owner, own ? my_ident() | ns_find(b, 1) : 0);
	b->recursion = own ? 1 : 0;
	/* Any fixed random order across processes will do. */
	uint64_t r = (uint64_t)shmap__now_ns() ^ ((uint64_t)getpid() << 40) ^
	             (uint64_t)(uintptr_t)b;
	r ^= r >> 33;
	r *= 0xff51afd7ed558ccdull;
	r ^= r >> 33;
	b->order = r;
}

/* Whether magic is a block's first word in this library's format: 0,
 * SHMAP_EFORMAT for another format, SHMAP_EBADOBJ for no block. */
static int blk_format(uint32_t magic)
{
	if ((magic & 0xffffu) != BLK_SY)
		return SHMAP_EBADOBJ;
	return magic == BLK_MAGIC ? 0 : SHMAP_EFORMAT;
}

static int blk_check(const struct sync_blk *b, uint32_t kind)
{
	int rc = blk_format(b->magic);
	if (rc)
		return rc;
	if (b->kind != kind)
		return SHMAP_EBADOBJ;
	if (kind == SHMAP_TYPE_SEMAPHORE && (b->max == 0 || b->max > INT32_MAX))
		return SHMAP_EBADOBJ;
	return 0;
}

int shmap__sync_peek(const void *blk, size_t len, uint32_t kind,
                     shmap_sync_state *out)
{
	/* Only read; the casts below drop const for the atomic loads. */
	struct sync_blk *b = (struct sync_blk *)blk;
	memset(out, 0, sizeof *out);
	int rc = len < sizeof *b ? SHMAP_EBADOBJ : blk_check(b, kind);
	if (rc) {
		out->error = rc;
		return rc;
	}
	/* relaxed, every load: b is a private copy nobody writes, and a
	 * snapshot promises no order among its words anyway. */
	uint32_t state = atomic_load_explicit(&b->state, memory_order_relaxed);
	unsigned busy = 0;
	for (unsigned i = 0; kind != SHMAP_TYPE_EVENT && i < SLOTS; i++)
		busy += atomic_load_explicit(&b->slot[i],
		                             memory_order_relaxed) != 0;
	out->valid = 1;
	if (kind == SHMAP_TYPE_EVENT) {
		out->set = (state & 1u) != 0;
		out->manual_reset = (b->flags & SHMAP_EVENT_MANUAL) != 0;
		out->waiters = atomic_load_explicit(&b->waiting,
		                                    memory_order_relaxed);
		return 0;
	}
	out->waiters = busy;
	if (kind == SHMAP_TYPE_SEMAPHORE) {
		out->count = state & COUNT32;
		out->max = b->max;
		return 0;
	}
	uint64_t id = atomic_load_explicit(&b->owner, memory_order_relaxed) &
	              ~LOCK64;
	/* Free, or being handed to a waiter (PEND): no owner yet. */
	if (id == 0 || is_pend(id))
		return 0;
	out->owner_tid = (pid_t)(id & ID_TID_MASK);
	out->recursion = b->recursion;
	/* Judged as a waiter judges it: only an owner of our namespaces,
	 * through a /proc of our own; another is neither dead nor found. */
	out->abandoned = known_dead(b, &b->owner, id);
	unsigned ns = (unsigned)((id >> ID_NS_SHIFT) & ID_NS_MASK);
	uint64_t tgid;
	if (!out->abandoned && ns >= 1 && shmap__ns_mine(&b->ns, id) &&
	    shmap__proc_own() && shmap__ident_alive(id)) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%u/status",
		         (unsigned)out->owner_tid);
		if (shmap__proc_status(AT_FDCWD, path, "Tgid:", 0, &tgid) == 0 &&
		    tgid > 0 && tgid <= ID_TID_MASK)
			out->owner_pid = (pid_t)tgid;
	}
	return 0;
}

static int sync_alloc(shmap_sync **out)
{
	shmap_sync *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->obj.fd = -1;
	shmap__pollfd_init(&s->pfd);
	s->spins = shmap__spin_default();
	atomic_init(&s->linger_ns, LINGER_FIRST);
	*out = s;
	return 0;
}

/* Maps the block of a named or memfd object s holds. */
static int map_block(shmap_sync *s, uint32_t kind)
{
	const struct shmap__hdr *h = &s->obj.hdr;
	struct stat st;
	/* The block lives in the object's own file, never elsewhere. */
	if (h->size < sizeof(struct sync_blk) || (h->flags & SHMAP__HF_FILE))
		return SHMAP_EBADOBJ;
	s->map_len = (size_t)sysconf(_SC_PAGESIZE);
	s->map = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
	              s->obj.fd, (off_t)h->data_offset);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		return -errno;
	}
	s->b = s->map;
	set_kind(s, kind);
	s->has_obj = 1;
	/* Registered before the first look, then the size checked again:
	 * a cut before the check is refused, one after it is caught. */
	int rc = shmap__region_add(s->map, s->map_len, &s->region);
	if (rc)
		return rc;
	if (fstat(s->obj.fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size < h->data_offset + sizeof(struct sync_blk))
		return SHMAP_EBADOBJ;
	rc = blk_check(s->b, kind);
	return rc == 0 && lost(s) ? SHMAP_EBADOBJ : rc;
}

static void sync_free(shmap_sync *s)
{
	shmap__region_del(s->region);
	if (s->map)
		munmap(s->map, s->map_len);
	if (s->obj.fd >= 0 || s->obj.path)
		shmap__obj_close(&s->obj);
	free(s);
}

/* Writes the initial block while the new object is still private. */
static int write_block(int fd, void *arg)
{
	ssize_t w = pwrite(fd, arg, sizeof(struct sync_blk),
	                   (off_t)shmap__data_offset());
	if (w < 0)
		return -errno;
	return w == (ssize_t)sizeof(struct sync_blk) ? 0 : -EIO;
}

static int create(const char *name, uint32_t kind, uint32_t flags,
                  uint32_t state, uint32_t max, int own,
                  const shmap_attr *attr, shmap_sync **out)
{
	shmap_sync *s;
	struct shmap__hdr tmpl;
	int rc = out ? sync_alloc(&s) : -EINVAL;
	if (rc)
		return rc;
	memset(&tmpl, 0, sizeof tmpl);
	tmpl.type = kind;
	struct sync_blk init;
	blk_init(&init, kind, flags, state, max, own);
	if (!name || !*name) {
		tmpl.flags = SHMAP__HF_ANON;
		rc = shmap__obj_anon(&tmpl, SHMAP_SYNC_SIZE,
		                     attr && (attr->flags & SHMAP_ATTR_INHERIT),
		                     &s->obj);
		if (rc == 0)
			rc = write_block(s->obj.fd, &init);
	} else {
		rc = shmap__obj_create_cb(name, &tmpl, SHMAP_SYNC_SIZE, attr,
		                          write_block, &init, &s->obj);
	}
	if (rc == 0)
		rc = map_block(s, kind);
	if (rc) {
		sync_free(s);
		return rc;
	}
	reg_add(s);
	*out = s;
	return 0;
}

static int open_named(const char *name, uint32_t kind, unsigned flags,
                      shmap_sync **out)
{
	shmap_sync *s;
	if (!out || !name || !*name || (flags & ~SHMAP_OPEN_INHERIT))
		return -EINVAL;
	int rc = sync_alloc(&s);
	if (rc)
		return rc;
	rc = shmap__obj_open(name, kind, flags & SHMAP_OPEN_INHERIT, &s->obj);
	if (rc == 0)
		rc = map_block(s, kind);
	if (rc) {
		sync_free(s);
		return rc;
	}
	reg_add(s);
	*out = s;
	return 0;
}

int shmap_event_create(const char *name, unsigned flags,
                       const shmap_attr *attr, shmap_sync **out)
{
	SHMAP__ERRNO_SAVE;
	int rc = (flags & ~(SHMAP_EVENT_MANUAL | SHMAP_EVENT_SET))
	                 ? -EINVAL
	                 : create(name, SHMAP_TYPE_EVENT,
	                          flags & SHMAP_EVENT_MANUAL,
	                          (flags & SHMAP_EVENT_SET) ? 1 : 0, 0, 0, attr,
	                          out);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_event_open(const char *name, unsigned flags, shmap_sync **out)
{
	SHMAP__ERRNO_SAVE;
	int rc = open_named(name, SHMAP_TYPE_EVENT, flags, out);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_mutex_create(const char *name, int initial_owner,
                       const shmap_attr *attr, shmap_sync **out)
{
	SHMAP__ERRNO_SAVE;
	int rc = create(name, SHMAP_TYPE_MUTEX, 0, 0, 0, initial_owner != 0,
	                attr, out);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_mutex_open(const char *name, unsigned flags, shmap_sync **out)
{
	SHMAP__ERRNO_SAVE;
	int rc = open_named(name, SHMAP_TYPE_MUTEX, flags, out);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_sem_create(const char *name, uint32_t initial, uint32_t maximum,
                     const shmap_attr *attr, shmap_sync **out)
{
	SHMAP__ERRNO_SAVE;
	int rc = maximum == 0 || maximum > INT32_MAX || initial > maximum
	                 ? -EINVAL
	                 : create(name, SHMAP_TYPE_SEMAPHORE, 0, initial,
	                          maximum, 0, attr, out);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_sem_open(const char *name, unsigned flags, shmap_sync **out)
{
	SHMAP__ERRNO_SAVE;
	int rc = open_named(name, SHMAP_TYPE_SEMAPHORE, flags, out);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_sync_close(shmap_sync *s)
{
	SHMAP__ERRNO_SAVE;
	int rc = 0;
	if (s && s->kind == SHMAP__KIND_EXT) {
		rc = -EINVAL; /* another module's: it frees it */
	} else if (s) {
		reg_del(s);
		shmap__pollfd_close(&s->pfd, s->b->slot);
		/* An owned mutex may go: its owner lives in the block, and
		 * waiters find it abandoned when the owner thread ends. */
		shmap__region_del(s->region);
		if (s->map)
			munmap(s->map, s->map_len);
		if (s->has_obj)
			rc = shmap__obj_close(&s->obj);
		free(s);
	}
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_sync_existed(const shmap_sync *s)
{
	return s && (s->obj.oflags & SHMAP__OF_EXISTED) ? 1 : 0;
}

int shmap_sync_set_spin(shmap_sync *s, unsigned spins)
{
	if (!s)
		return -EINVAL;
	s->spins = spins;
	return 0;
}

int shmap_event_set(shmap_sync *e)
{
	SHMAP__ERRNO_SAVE;
	int rc = check_handle(e, SHMAP_TYPE_EVENT);
	if (rc == 0)
		rc = do_set(e);
	if (rc == 0 && lost(e))
		rc = SHMAP_EINPAGE;
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_event_reset(shmap_sync *e)
{
	int rc = check_handle(e, SHMAP_TYPE_EVENT);
	if (rc == 0)
		/* release: orders our earlier writes before the reset; a
		 * wait-all's LOCK bit stays. */
		atomic_fetch_and_explicit(&e->b->state, ~1u,
		                          memory_order_release);
	if (rc == 0 && lost(e))
		rc = SHMAP_EINPAGE;
	return rc;
}

int shmap_event_pulse(shmap_sync *e)
{
	SHMAP__ERRNO_SAVE;
	int rc = check_handle(e, SHMAP_TYPE_EVENT);
	if (rc == 0) {
		struct sync_blk *b = e->b;
		atomic_fetch_and(&b->state, ~1u);
		if (atomic_load(&b->waiting)) {
			/* One more release for an auto-reset event, never
			 * more than there are waiters to take them. */
			if (!(b->flags & SHMAP_EVENT_MANUAL)) {
				uint32_t w = atomic_load(&b->waiting);
				uint32_t t = atomic_load(&b->pulse_tokens);
				while (t < w && !atomic_compare_exchange_weak(
				                        &b->pulse_tokens, &t, t + 1))
					;
			}
			/* seq_cst: the token is visible before the new gen. */
			atomic_fetch_add(&b->pulse_gen, 1);
			/* Wake all: every waiter must look at the new gen. */
			shmap__wait_wake(&b->seq);
		}
		if (lost(e))
			rc = SHMAP_EINPAGE;
	}
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_event_fd(shmap_sync *e, int *out)
{
	SHMAP__ERRNO_SAVE;
	int rc = check_handle(e, SHMAP_TYPE_EVENT);
	if (rc == 0 && !out)
		rc = -EINVAL;
	if (rc == 0 && lost(e))
		rc = SHMAP_EINPAGE;
	if (rc == 0 && e->pfd.fd < 0) {
		rc = shmap__pollfd_open(&e->pfd, e->b->slot, SLOTS);
		/* Already set: readable now. */
		if (rc == 0 && (atomic_load(&e->b->state) & 1u))
			shmap__pollfd_notify(e->b->slot, SLOTS);
	}
	if (rc == 0 && lost(e))
		rc = SHMAP_EINPAGE; /* the listener stays until close */
	if (rc == 0)
		*out = e->pfd.fd;
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_mutex_release(shmap_sync *m)
{
	SHMAP__ERRNO_SAVE;
	int rc = check_handle(m, SHMAP_TYPE_MUTEX);
	if (rc == 0) {
		rc = do_mutex_release(m);
		if (lost(m))
			rc = SHMAP_EINPAGE;
	}
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_sem_release(shmap_sync *s, uint32_t n, uint32_t *previous)
{
	SHMAP__ERRNO_SAVE;
	int rc = check_handle(s, SHMAP_TYPE_SEMAPHORE);
	if (rc == 0 && n == 0)
		rc = -EINVAL;
	if (rc == 0) {
		rc = do_sem_release(s, n, previous);
		if (lost(s))
			rc = SHMAP_EINPAGE;
	}
	SHMAP__ERRNO_RESTORE;
	return rc;
}

/* ---- for tests ---- */

int shmap__sync_locked(const shmap_sync *s)
{
	return (atomic_load(&s->b->lk_owner) != 0) ||
	       (s->kind == SHMAP_TYPE_MUTEX
	                ? (atomic_load(&s->b->owner) & LOCK64) != 0
	                : (atomic_load(&s->b->state) & LOCK32) != 0);
}

/* ---- anonymous objects in the caller's memory ---- */

static int mem_ok(const shmap_sync_mem *mem)
{
	return mem && ((uintptr_t)mem % 64) == 0;
}

int shmap_event_init(shmap_sync_mem *mem, unsigned flags)
{
	if (!mem_ok(mem) || (flags & ~(SHMAP_EVENT_MANUAL | SHMAP_EVENT_SET)))
		return -EINVAL;
	blk_init((struct sync_blk *)mem, SHMAP_TYPE_EVENT, flags & SHMAP_EVENT_MANUAL,
	         (flags & SHMAP_EVENT_SET) ? 1 : 0, 0, 0);
	return 0;
}

int shmap_mutex_init(shmap_sync_mem *mem)
{
	if (!mem_ok(mem))
		return -EINVAL;
	blk_init((struct sync_blk *)mem, SHMAP_TYPE_MUTEX, 0, 0, 0, 0);
	return 0;
}

int shmap_sem_init(shmap_sync_mem *mem, uint32_t initial, uint32_t maximum)
{
	if (!mem_ok(mem) || maximum == 0 || maximum > INT32_MAX ||
	    initial > maximum)
		return -EINVAL;
	blk_init((struct sync_blk *)mem, SHMAP_TYPE_SEMAPHORE, 0, initial, maximum,
	         0);
	return 0;
}

int shmap_sync_attach(shmap_sync_mem *mem, shmap_sync **out)
{
	shmap_sync *s;
	if (!mem_ok(mem) || !out)
		return -EINVAL;
	struct sync_blk *b = (struct sync_blk *)mem;
	/* The format first: another format may keep its kind elsewhere. */
	int rc = blk_format(b->magic);
	if (rc)
		return rc;
	uint32_t kind = b->kind; /* read once: shared memory is hostile */
	if (kind != SHMAP_TYPE_EVENT && kind != SHMAP_TYPE_MUTEX &&
	    kind != SHMAP_TYPE_SEMAPHORE)
		return SHMAP_EBADOBJ;
	rc = blk_check(b, kind);
	if (rc)
		return rc;
	if ((rc = sync_alloc(&s)))
		return rc;
	s->b = b;
	set_kind(s, kind);
	reg_add(s);
	*out = s;
	return 0;
}

int shmap__sync_hold(const shmap_sync *s, int cloexec, int *fd)
{
	if (!s || !s->has_obj)
		return -EBADF;
	int r = shmap__obj_hold_fd(&s->obj, cloexec);
	if (r < 0)
		return r;
	*fd = r;
	return 0;
}

int shmap__sync_adopt(int fd, uint32_t kind, shmap_sync **out)
{
	shmap_sync *s;
	int rc = out ? sync_alloc(&s) : -EINVAL;
	if (rc) {
		close(fd);
		return rc;
	}
	rc = shmap__obj_adopt(fd, kind, &s->obj);
	if (rc)
		close(fd); /* else the hold has it, and closes it on failure */
	else
		rc = map_block(s, kind);
	if (rc) {
		sync_free(s);
		return rc;
	}
	reg_add(s);
	*out = s;
	return 0;
}
