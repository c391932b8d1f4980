/* SPDX-License-Identifier: MIT */
/*
 * The wait engine: shmap_wait, shmap_wait_multiple and shmap_wait_ex over
 * handles of any waitable kind. A kind is one table of operations (struct
 * shmap__waitops); the engine knows nothing else about it. sync.c defines
 * the event, mutex and semaphore; another module (chan.c) makes handles of
 * its own kinds with shmap__waitable_new.
 *
 * The sleep protocol every kind follows (its futex word, "word"):
 * - Every change that may make the object available (a set, a release, a
 *   message) is made by a seq_cst atomic operation, then the signaller
 *   calls shmap__wait_wake(word) (every sleeper) or shmap__wait_wake_n (as
 *   many as can take what it made available, and the waiters it handed
 *   something). That bumps the word by SHMAP__WAIT_STEP and wakes only if
 *   bit 0 (SHMAP__WB_SLEEP) says one sleeps; with nobody asleep it is one
 *   load. Bits 4-31 of the word are the signal count; bit 1 is the kind's
 *   own (sync: SEQ_LISTED); a kind changes the word only by these or by
 *   CAS keeping bits 0, 2 and 3.
 * - A waiter loads the word (acquire), tries the object (take or lock), and
 *   to sleep sets bit 0 by CAS, fences (seq_cst), tries again, then sleeps
 *   while the word holds the value it set: a signal after its load either
 *   changed the word (no sleep) or saw bit 0 (a wake). A sleeper that
 *   finds bit 0 set by another sets bit 2 too (SHMAP__WB_MANY); a wait-all
 *   sets bit 3 (SHMAP__WB_ALL).
 * - Waking all clears bits 0, 2 and 3: every sleeper wakes and announces
 *   itself again. Without bit 2 at most one sleeps, and waking it is waking
 *   all. With bit 2 (and not 3) shmap__wait_wake_n wakes only n and keeps
 *   the bits; if fewer than n were asleep, every sleeper is awake, and it
 *   clears them as waking all does. A waiter listed at place "at" of a
 *   kind's table of waiters sleeps alone on it (FUTEX_WAIT_BITSET with
 *   shmap__wait_bit(at)), so a hand-off to it wakes it and no other
 *   single-object sleeper (one more if it was not asleep: it may have
 *   been killed, and the one woken finds that out). A wait-any that slept and took one object, or
 *   gave up, passes one wake on to each other word (it may have been the
 *   one woken there). A wait-all needs every wake: one it cannot use would
 *   otherwise be lost to the others, and two of them would hand it back and
 *   forth.
 * A waiter sleeps in slices (a second; SHMAP__WK_SLICE kinds 20 ms), so a
 * signaller killed between its change and its wake costs a slice, and so
 * does a sleeper woken alone and killed (or stopped) before its try: the
 * others find what it was woken for at the end of their slice (what was
 * handed to it, sooner: see in_flight).
 *
 * To plug a level-triggered kind in (signalled while a predicate holds, a
 * wait takes nothing: a channel with a message for this handle):
 *     static int my_take(void *ctx, struct shmap__wseen *ps, int check_dead)
 *     { return predicate(ctx) ? SHMAP__W_TAKEN : SHMAP__W_BUSY; }
 *     static _Atomic uint32_t *my_word(void *ctx) { return &shared(ctx)->w; }
 *     static const struct shmap__waitops my_ops = {
 *         .flags = SHMAP__WK_LEVEL, .word = my_word, .take = my_take };
 *     shmap__waitable_new(&my_ops, ctx, &h);   ... shmap__waitable_free(h);
 * and after making the predicate true: shmap__wait_wake(word), and, if
 * .listeners is given, shmap__pollfd_notify on that table (pollfd.h).
 * A level kind needs no lock/commit/unlock: a wait-all checks it with take
 * while it holds every other object locked, which is one moment.
 */
#ifndef SHMAP_WAIT_H
#define SHMAP_WAIT_H

#include <stdatomic.h>
#include <stdint.h>

#include "internal.h"
#include "pollfd.h"

/* What a try returns. LOCKED: a wait-all holds it for a moment, try again
 * soon; LOST: its memory was cut away (SHMAP_EINPAGE). */
enum {
	SHMAP__W_BUSY = 0,
	SHMAP__W_TAKEN = 1,
	SHMAP__W_ABANDONED = 2,
	SHMAP__W_LOCKED = 3,
	SHMAP__W_LOST = 4
};

/* One waiter's view of one object during one wait: zeroed (at = -1) by
 * the engine before begin; the kind's to use. */
struct shmap__wseen {
	uint32_t gen;
	uint32_t sgen;
	int at;      /* a place in a table of waiters, -1: none */
	uint64_t me; /* what was listed there */
};

#define SHMAP__WK_LEVEL 0x1u /* a wait takes nothing (see the top) */
#define SHMAP__WK_SLICE 0x2u /* may be held by one who dies unseen: short
                                slices, and check_dead on the last try */

/*
 * A kind. ctx is what shmap__waitable_new was given (sync.c's kinds: the
 * handle). word and take are required; every other entry may be NULL.
 */
struct shmap__waitops {
	unsigned flags; /* SHMAP__WK_* */
	/* The futex word (see the top); the same for the object's life. */
	_Atomic uint32_t *(*word)(void *ctx);
	/* A wait-all's lock order: the same for one object in every process
	 * (NULL: the word's address; fine for a level kind, which locks
	 * nothing). Two handles of one object in one wait-all: -EINVAL. */
	uint64_t (*order)(void *ctx);
	/* Before the first try of a wait (a snapshot into ps). */
	void (*begin)(void *ctx, struct shmap__wseen *ps);
	/* Wait-any: takes the object if available (TAKEN, ABANDONED), else
	 * BUSY or LOCKED. A level kind only says whether it is signalled
	 * (and is asked with ps NULL too).
	 * check_dead: after a slice, judge holders that may have died. */
	int (*take)(void *ctx, struct shmap__wseen *ps, int check_dead);
	/* Wait-any: takes only what was handed to this waiter (TAKEN/BUSY). */
	int (*take_handed)(void *ctx, struct shmap__wseen *ps);
	/* Wait-all: whether it looks available, without locking (BUSY,
	 * TAKEN); *dead is given to lock (an owner judged dead here). */
	int (*look)(void *ctx, int check_dead, uint64_t *dead);
	/* Wait-all: locks it if available, changing nothing it holds:
	 * TAKEN (locked), BUSY, LOCKED (another wait-all has it). */
	int (*lock)(void *ctx, uint64_t dead);
	/* Wait-all, all locked: whether it is still available now. */
	int (*ready)(void *ctx);
	/* Wait-all: takes the locked object, unlocking it (TAKEN,
	 * ABANDONED); or unlocks it unchanged. */
	int (*commit)(void *ctx);
	void (*unlock)(void *ctx);
	/* A wait-all lock held this long (100 ms): free it if its holder
	 * died. */
	void (*recover)(void *ctx);
	/* A waiter from here on (after a first failed try, before it
	 * spins or sleeps), called every turn until it returns 0: lists
	 * the waiter for hand-offs (1: try again next turn). */
	int (*enlist)(void *ctx, struct shmap__wseen *ps, int first,
	              int check_dead);
	/* Whether something handed to another waiter may be stuck with a
	 * dead one (sleep in short slices). */
	int (*in_flight)(void *ctx, const struct shmap__wseen *ps);
	/* The wait is over (took: this object was taken); enlisted says
	 * enlist was called. Passes on what was handed and not taken. */
	void (*end)(void *ctx, struct shmap__wseen *ps, int took,
	            int enlisted);
	/* Whether its memory was cut away (sync.c's kinds: their region). */
	int (*lost)(void *ctx);
	/* Listener slots in shared memory for shmap__waitable_fd. */
	_Atomic uint64_t *(*listeners)(void *ctx, unsigned *n);
};

/*
 * A handle, of any kind. sync.c's kinds fill all of it; one made by
 * shmap__waitable_new has only ops, ctx, kind SHMAP__KIND_EXT, spins and
 * pfd.
 */
#define SHMAP__KIND_EXT 0xffffffffu
struct shmap_sync {
	const struct shmap__waitops *ops;
	void *ctx;
	struct shmap__obj obj; /* named object or memfd; fd -1 if none */
	struct sync_blk *b;
	void *map; /* our mapping of the block's page, if we made one */
	size_t map_len;
	uint32_t kind;
	unsigned spins;
	int has_obj;
	struct shmap__pollfd pfd; /* listener (pollfd.h) */
	/* Our namespace's index in b->ns as ID_NS bits, NS_UNSET until
	 * the first take or lock through this handle registers it. */
	_Atomic uint64_t nsbits;
	struct shmap__region *region; /* our mapping, as registered; or NULL */
	/* Our last take through this handle had to wait, and how long its
	 * release may yield for the next waiter (see linger in sync.c). */
	atomic_int handed;
	_Atomic int64_t linger_ns;
	struct shmap_sync *next, *prev;
};

/* Whether the memory of s was cut away. */
static inline int shmap__wait_lost(const shmap_sync *s)
{
	return shmap__region_lost(s->region) ||
	       (s->ops->lost && s->ops->lost(s->ctx));
}

/* The engine's bits of a word (see the top). */
#define SHMAP__WB_SLEEP 0x1u
#define SHMAP__WB_MANY 0x4u
#define SHMAP__WB_ALL 0x8u
#define SHMAP__WAIT_STEP 0x10u

/* The futex bitset of a waiter listed at place at (-1: none) of a kind's
 * table of waiters; a hand-off to places wakes with the OR of theirs. */
static inline uint32_t shmap__wait_bit(int at)
{
	return at < 0 ? 1u : 1u << (1 + (unsigned)at % 31u);
}

/* After a change that may make the object of word available (made by a
 * seq_cst operation): wakes every sleeper, if any announced itself. */
void shmap__wait_wake(_Atomic uint32_t *word);
/* The same with word just loaded as o (seq_cst). */
void shmap__wait_wake_seen(_Atomic uint32_t *word, uint32_t o);
/*
 * The same, waking only n sleepers (any) and those whose bitset meets bits
 * (waiters handed something; 0: none), where the bits of o allow it (see
 * the top); o is word just loaded (seq_cst).
 */
void shmap__wait_wake_n(_Atomic uint32_t *word, uint32_t o, int n,
                        uint32_t bits);

/* The engine: flags SHMAP_WAIT_*. Returns 0, SHMAP_EABANDONED, -ETIMEDOUT,
 * -EINTR, SHMAP_EINPAGE or -EINVAL; *index as shmap_wait_ex says. */
int shmap__wait(shmap_sync *const *objs, unsigned n, unsigned flags,
                int timeout_ms, unsigned *index);

/* A handle of the kind ops over ctx (see the top); 0 or -ENOMEM. */
int shmap__waitable_new(const struct shmap__waitops *ops, void *ctx,
                        shmap_sync **out);
/* Frees a handle from shmap__waitable_new (its listener too); NULL is
 * ignored. No wait may be using it. */
void shmap__waitable_free(shmap_sync *s);
/* A descriptor readable while s is signalled (ops->listeners required,
 * else -ENOTSUP): 0, -ENOSPC (table full) or -errno. Owned by s. */
int shmap__waitable_fd(shmap_sync *s, int *fd);

#endif
