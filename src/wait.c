/* SPDX-License-Identifier: MIT */
/* The wait engine over kinds of waitable objects (see wait.h). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "futex.h"
#include "wait.h"

#define SLICE_NS 20000000ll /* a SHMAP__WK_SLICE waiter's sleep between checks */
#define LONG_SLICE_NS 1000000000ll /* anyone else's */

void (*shmap__waitall_hook)(void);

enum {
	BUSY = SHMAP__W_BUSY,
	TAKEN = SHMAP__W_TAKEN,
	ABANDONED = SHMAP__W_ABANDONED,
	LOCKED = SHMAP__W_LOCKED,
	LOST = SHMAP__W_LOST
};

#define WB_BITS (SHMAP__WB_SLEEP | SHMAP__WB_MANY | SHMAP__WB_ALL)

void shmap__wait_wake_seen(_Atomic uint32_t *w, uint32_t o)
{
	/* seq_cst, the CAS: as in shmap__wait_wake. */
	while (o & SHMAP__WB_SLEEP)
		if (atomic_compare_exchange_weak(
		            w, &o, (o & ~WB_BITS) + SHMAP__WAIT_STEP)) {
			shmap__futex_wake(w, INT_MAX);
			return;
		}
}

void shmap__wait_wake_n(_Atomic uint32_t *w, uint32_t o, int n,
                        uint32_t bits)
{
	for (;;) {
		if (!(o & SHMAP__WB_SLEEP))
			return;
		/* Wake all: one sleeper at most, or a wait-all (see wait.h). */
		if (!(o & SHMAP__WB_MANY) || (o & SHMAP__WB_ALL)) {
			shmap__wait_wake_seen(w, o);
			return;
		}
		/* seq_cst: as in shmap__wait_wake; the bits stay. */
		if (atomic_compare_exchange_weak(w, &o, o + SHMAP__WAIT_STEP))
			break;
	}
	/* A hand-off that found its waiter not asleep (spinning, about to
	 * sleep, or killed) wakes one more: if the waiter was killed, that
	 * one sleeps in short slices while the hand-off is in flight, and
	 * finds it dead (a dead sleeper must not strand the others). */
	if (bits && shmap__futex_wake_bits(w, INT_MAX, bits) == 0 && n < 1)
		n = 1;
	/* Fewer asleep than n: all are awake now; clear the bits (a sleeper
	 * that came since is woken with them). */
	if (n > 0 && shmap__futex_wake(w, n) < n)
		shmap__wait_wake_seen(w, o + SHMAP__WAIT_STEP);
}

void shmap__wait_wake(_Atomic uint32_t *w)
{
	/* seq_cst: every caller changed the state with a seq_cst operation;
	 * the sleeper sets bit 0 with a seq_cst CAS, fences, then looks at
	 * the state: either it sees our change, or we see its bit. */
	shmap__wait_wake_seen(w, atomic_load(w));
}

static inline int lost(const shmap_sync *s)
{
	return shmap__wait_lost(s);
}

/* Whether something among objs was handed to a waiter other than us that
 * may be dead: we find that out after a slice, so we sleep in short ones. */
static int in_flight(shmap_sync *const *objs, unsigned n,
                     const struct shmap__wseen *ps)
{
	for (unsigned i = 0; i < n; i++)
		if (objs[i]->ops->in_flight &&
		    objs[i]->ops->in_flight(objs[i]->ctx, &ps[i]))
			return 1;
	return 0;
}

/* Wait-all, before locking anything: whether every object looks available
 * (see look in wait.h). */
static int look_all(shmap_sync *const *objs, unsigned n,
                    const unsigned *order, int check_dead, uint64_t *dead)
{
	for (unsigned k = 0; k < n; k++) {
		const struct shmap__waitops *op = objs[order[k]]->ops;
		void *ctx = objs[order[k]]->ctx;
		dead[order[k]] = 0;
		if (op->look ? op->look(ctx, check_dead, &dead[order[k]]) != TAKEN
		             : (op->flags & SHMAP__WK_LEVEL) &&
		                       op->take(ctx, NULL, 0) != TAKEN)
			return BUSY;
	}
	return TAKEN;
}

/* Wait-all: lock one object (a level kind: whether it is signalled). */
static int lock_one(shmap_sync *s, uint64_t dead)
{
	return s->ops->lock ? s->ops->lock(s->ctx, dead)
	                    : s->ops->take(s->ctx, NULL, 0);
}

static void unlock_one(shmap_sync *s)
{
	if (s->ops->unlock)
		s->ops->unlock(s->ctx);
}

/*
 * One attempt: any (lowest index first), or all at once: lock every object
 * in the shared order, then commit them all, or unlock them all unchanged.
 */
static int attempt(shmap_sync *const *objs, unsigned n, int all,
                   const unsigned *order, struct shmap__wseen *ps,
                   int check_dead, unsigned *index, unsigned *locked_at)
{
	int r, seen_locked = 0;
	if (!all) {
		/* What was handed to us is ours already, as when Windows
		 * satisfies a wait at the release: it comes first. */
		for (unsigned i = 0; n > 1 && i < n; i++)
			if (objs[i]->ops->take_handed &&
			    objs[i]->ops->take_handed(objs[i]->ctx, &ps[i]) ==
			            TAKEN) {
				*index = i;
				return TAKEN;
			}
		for (unsigned i = 0; i < n; i++) {
			r = objs[i]->ops->take(objs[i]->ctx, &ps[i], check_dead);
			if (r == TAKEN || r == ABANDONED) {
				*index = i;
				return r;
			}
			if (r == LOCKED && !seen_locked) {
				seen_locked = 1;
				*locked_at = i;
			}
		}
		return seen_locked ? LOCKED : BUSY;
	}
	uint64_t dead[SHMAP_WAIT_MAX];
	if (look_all(objs, n, order, check_dead, dead) == BUSY)
		return BUSY;
	unsigned k;
	for (k = 0; k < n; k++) {
		r = lock_one(objs[order[k]], dead[order[k]]);
		if (r != TAKEN)
			break;
	}
	if (k < n) {
		if (r == LOCKED)
			*locked_at = order[k];
		while (k-- > 0)
			unlock_one(objs[order[k]]);
		return r;
	}
	/* All locked: a reset may have come between two locks, so every
	 * event must still be set now, at one moment (a level kind still
	 * signalled), or nothing is taken; nor if a block was lost (its
	 * lock was taken on a zero page). */
	for (k = 0; k < n; k++) {
		const shmap_sync *o = objs[order[k]];
		int gone = lost(o);
		int ready = o->ops->ready ? o->ops->ready(o->ctx)
		            : !o->ops->lock ? o->ops->take(o->ctx, NULL, 0) == TAKEN
		                            : 1;
		if (gone || !ready) {
			for (unsigned j = n; j-- > 0;)
				unlock_one(objs[order[j]]);
			return gone ? LOST : BUSY;
		}
	}
	SHMAP__CRASH(SHMAP__CP_WAITALL_LOCKED);
	if (shmap__waitall_hook)
		shmap__waitall_hook();
	int result = TAKEN;
	for (k = 0; k < n; k++) {
		const shmap_sync *o = objs[order[k]];
		if (o->ops->commit && o->ops->commit(o->ctx) == ABANDONED) {
			result = ABANDONED;
			*index = order[k];
		}
	}
	return result;
}

/*
 * After an attempt: a wait-any that took a live object keeps it; a take
 * from a lost block, or any lost block otherwise, ends the wait with LOST.
 * A wait-all that committed has taken its objects: a block cut after its
 * check (while it commits) is the next operation's to report, as a cut
 * just after the wait returned would be.
 */
static int check_lost(shmap_sync *const *objs, unsigned n, int all, int r,
                      unsigned index)
{
	if (r == TAKEN || r == ABANDONED)
		return all || !lost(objs[index]) ? r : LOST;
	for (unsigned i = 0; i < n; i++)
		if (lost(objs[i]))
			return LOST;
	return r;
}

static int check_handle(const shmap_sync *s)
{
	if (!s || !s->ops)
		return -EINVAL;
	if (s->has_obj && s->obj.fd < 0)
		return -EBADF;
	return 0;
}

static uint64_t order_key(const shmap_sync *s)
{
	return s->ops->order ? s->ops->order(s->ctx)
	                     : (uint64_t)(uintptr_t)s->ops->word(s->ctx);
}

/*
 * The first try of a wait for one object, as the engine's first turn makes
 * it, without the engine's set-up (an uncontended take is most waits): TAKEN
 * or ABANDONED with the wait over, LOST (likewise), or BUSY: the engine
 * begins the wait afresh. Not for a handle with a descriptor (its wake-ups
 * are drained, and a level kind's kept, by the engine), nor for a kind with
 * begin (an event: its snapshot must be the one the whole wait compares
 * with, or a set and reset between the two would pass us by).
 */
static inline int wait_one_fast(shmap_sync *s)
{
	struct shmap__wseen ps = {.at = -1};
	const struct shmap__waitops *op = s->ops;
	if (s->pfd.fd >= 0 || op->begin)
		return BUSY;
	int r = op->take(s->ctx, &ps, 0);
	if (r != TAKEN && r != ABANDONED)
		return BUSY;
	int gone = lost(s);
	if (op->end)
		op->end(s->ctx, &ps, !gone, 0);
	return gone ? LOST : r;
}

int shmap__wait(shmap_sync *const *objs, unsigned n, unsigned flags,
                int timeout_ms, unsigned *index)
{
	struct shmap__wseen ps[SHMAP_WAIT_MAX];
	_Atomic uint32_t *words[SHMAP_WAIT_MAX]; /* what we sleep on */
	uint32_t seqs[SHMAP_WAIT_MAX];
	uint32_t last[SHMAP_WAIT_MAX]; /* what we slept on last (0: never) */
	uint64_t keys[SHMAP_WAIT_MAX];
	unsigned order[SHMAP_WAIT_MAX];
	int slicing = 0, rc, all = (flags & SHMAP_WAIT_ALL) != 0;

	if (n == 0 || n > SHMAP_WAIT_MAX)
		return -EINVAL;
	if (n == 1 && !(flags & SHMAP_WAIT_ALL)) {
		if ((rc = check_handle(objs[0])))
			return rc;
		*index = 0;
		switch (wait_one_fast(objs[0])) {
		case TAKEN:
			return 0;
		case ABANDONED:
			return SHMAP_EABANDONED;
		case LOST:
			return SHMAP_EINPAGE;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if ((rc = check_handle(objs[i])))
			return rc;
		words[i] = objs[i]->ops->word(objs[i]->ctx);
		order[i] = i;
		slicing |= (objs[i]->ops->flags & SHMAP__WK_SLICE) != 0;
		if (!all)
			continue;
		keys[i] = order_key(objs[i]);
		/* One object twice, through one handle or two mappings. */
		for (unsigned j = 0; j < i; j++)
			if (words[j] == words[i] || keys[j] == keys[i])
				/* Lost blocks all read order 0. */
				return lost(objs[i]) || lost(objs[j])
				               ? SHMAP_EINPAGE
				               : -EINVAL;
	}
	if (all) {
		/* Every process locks shared objects in the same order. */
		for (unsigned i = 1; i < n; i++)
			for (unsigned j = i;
			     j > 0 && keys[order[j - 1]] > keys[order[j]]; j--) {
				unsigned t = order[j];
				order[j] = order[j - 1];
				order[j - 1] = t;
			}
	}
	for (unsigned i = 0; i < n; i++) {
		shmap__pollfd_drain(&objs[i]->pfd);
		memset(&ps[i], 0, sizeof ps[i]);
		ps[i].at = -1;
		last[i] = 0;
		if (objs[i]->ops->begin)
			objs[i]->ops->begin(objs[i]->ctx, &ps[i]);
	}
	int64_t deadline = shmap__deadline_ns(timeout_ms);
	unsigned spins = objs[0]->spins, spun = 0, locked_at = 0;
	int check_dead = 0, slept = 0, enlisted = 0, intr = 0, r;
	/* Objects that want enlist called again (wait-any). */
	uint64_t want = 0;
	int64_t locked_since = -1;
	*index = 0;
	for (;;) {
		/* acquire: a signal after this snapshot changes the word, so
		 * the futex below will not sleep through it. */
		for (unsigned i = 0; i < n; i++)
			seqs[i] = atomic_load_explicit(words[i],
			                               memory_order_acquire);
		r = attempt(objs, n, all, order, ps, check_dead, index,
		            &locked_at);
		/* The fast path: a wait-any took a live object. */
		if (r == TAKEN && !all && !lost(objs[*index]))
			break;
		/* Every turn, so a waiter on a lost block stops at once. */
		r = check_lost(objs, n, all, r, *index);
		if (r == TAKEN || r == ABANDONED || r == LOST || intr)
			break;
		int64_t now = timeout_ms > 0 || slicing || r == LOCKED
		                      ? shmap__now_ns()
		                      : 0;
		if (r == LOCKED) {
			/* Another wait-all is inside its short locked section:
			 * the object may well be free; even a poll looks again
			 * once it is over. Spin, then nap; free a lock whose
			 * holder died. */
			if (locked_since < 0)
				locked_since = now;
			/* A poll or a deadline still ends the wait, after a
			 * millisecond of grace for the locked section. */
			if ((timeout_ms == 0 && now - locked_since > 1000000ll) ||
			    (deadline >= 0 && now > deadline + 1000000ll))
				break;
			if (now - locked_since > 100000000ll &&
			    objs[locked_at]->ops->recover)
				objs[locked_at]->ops->recover(objs[locked_at]->ctx);
			if (now - locked_since < 2000000ll)
				shmap__cpu_relax();
			else
				usleep(1000);
			continue;
		}
		locked_since = -1;
		if (timeout_ms == 0 || (deadline >= 0 && now >= deadline)) {
			/* Last chance: an owner, or a waiter handed what we
			 * wait for, may have died unseen. */
			if (check_dead || !(slicing || in_flight(objs, n, ps)))
				break;
			check_dead = 1;
			continue;
		}
		/* A waiter from here on: enlisted where the object hands off
		 * (a kind may ask again each turn: its table was full). */
		if (!enlisted && !all)
			for (unsigned i = 0; i < n; i++)
				if (objs[i]->ops->enlist)
					want |= 1ull << i;
		for (unsigned i = 0; want && i < n; i++)
			if ((want & (1ull << i)) &&
			    !objs[i]->ops->enlist(objs[i]->ctx, &ps[i], !enlisted,
			                          check_dead))
				want &= ~(1ull << i);
		enlisted |= !all;
		if (spun < spins) {
			spun++;
			shmap__cpu_relax();
			continue;
		}
		/* Sleep in slices: a holder may die unseen, and a signaller
		 * may be killed between its change and its wake. */
		if (!now)
			now = shmap__now_ns();
		int short_slice = slicing || want || in_flight(objs, n, ps);
		int64_t slice = short_slice ? SLICE_NS : LONG_SLICE_NS;
		int64_t until = deadline;
		if (until < 0 || until > now + slice)
			until = now + slice;
		/* Announce the sleep: set bit 0 on the word we tried against
		 * (bit 2 if another set it since we last slept on it, bit 3
		 * for a wait-all: see wait.h); if it moved meanwhile,
		 * something was signalled: try again. */
		int moved = 0;
		for (unsigned i = 0; i < n && !moved; i++) {
			uint32_t v = seqs[i];
			uint32_t to = v | SHMAP__WB_SLEEP |
			              (all ? SHMAP__WB_ALL : 0u);
			if ((v & SHMAP__WB_SLEEP) && v != last[i])
				to |= SHMAP__WB_MANY;
			/* seq_cst: pairs with the CAS in shmap__wait_wake. */
			if (to != v &&
			    !atomic_compare_exchange_strong(words[i], &v, to))
				moved = 1;
			seqs[i] = last[i] = to;
		}
		slept = 1;
		if (moved)
			continue;
		/* seq_cst: the bits are set before we look at the states
		 * again; pairs with the seq_cst state change before a wake. */
		atomic_thread_fence(memory_order_seq_cst);
		r = attempt(objs, n, all, order, ps, check_dead, index,
		            &locked_at);
		r = check_lost(objs, n, all, r, *index);
		if (r == TAKEN || r == ABANDONED || r == LOST)
			break;
		if (r == LOCKED)
			continue;
		/* A sleeper on a block cut meanwhile sleeps until its slice
		 * ends (a second at most; 20 ms for a slicing kind), then
		 * faults on its next look and stops: a cut wakes no futex. */
		/* Alone on one word, a listed waiter sleeps on its own bit,
		 * so only a hand-off to it (or a wake of any) wakes it. */
		if (n == 1 && !all)
			rc = shmap__futex_wait_bits(words[0], seqs[0],
			                            shmap__wait_bit(ps[0].at),
			                            until);
		else
			rc = shmap__futex_waitv(words, seqs, n, until);
		/* A signal's handler ran: with SHMAP_WAIT_INTR, one more
		 * look (what was signalled before it is taken), then stop. */
		intr = rc == -EINTR && (flags & SHMAP_WAIT_INTR);
		/* A whole slice without a signal: are the owners, and the
		 * waiters handed something, alive? */
		check_dead = short_slice && until != deadline &&
		             shmap__now_ns() >= until;
	}
	/* Timed out, but handed an object meanwhile: it was ours before the
	 * deadline passed, as on Windows; take it rather than pass it on. */
	for (unsigned i = 0; (r == BUSY || r == LOCKED) && !all && i < n; i++)
		if (objs[i]->ops->take_handed &&
		    objs[i]->ops->take_handed(objs[i]->ctx, &ps[i]) == TAKEN) {
			r = TAKEN;
			*index = i;
		}
	int took = r == TAKEN || r == ABANDONED;
	/* A waiter that had to wait for what it took lingers at its
	 * release (sync.c's linger); what it was handed and did not take
	 * goes on. */
	for (unsigned i = 0; i < n; i++)
		if (objs[i]->ops->end)
			objs[i]->ops->end(objs[i]->ctx, &ps[i],
			                  took && !all && *index == i, enlisted);
	/* A level kind stays signalled: its descriptor stays readable. */
	for (unsigned i = 0; took && i < n; i++)
		if ((objs[i]->ops->flags & SHMAP__WK_LEVEL) &&
		    objs[i]->pfd.fd >= 0 &&
		    objs[i]->ops->take(objs[i]->ctx, NULL, 0) == TAKEN)
			shmap__pollfd_poke(&objs[i]->pfd);
	/* Gave up after announcing a sleep, or a wait-any took one object:
	 * we may have been the one sleeper a wake went to, on any other
	 * word: pass one on. Alone there, that takes our bit back so signals
	 * stay free, the way a signal does (bump, never just clear: another
	 * waiter may be about to sleep on the odd value). seq_cst: as a
	 * signal. */
	for (unsigned i = 0; slept && r != LOST && i < n; i++)
		if (!took || (!all && i != *index))
			shmap__wait_wake_n(words[i], atomic_load(words[i]), 1, 0);
	if (r == TAKEN)
		return 0;
	if (r == LOST)
		return SHMAP_EINPAGE;
	if (r == ABANDONED)
		return SHMAP_EABANDONED;
	return intr ? -EINTR : -ETIMEDOUT;
}

int shmap_wait(shmap_sync *s, int timeout_ms)
{
	SHMAP__ERRNO_SAVE;
	unsigned index;
	int rc = shmap__wait(&s, 1, 0, timeout_ms, &index);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_wait_multiple(shmap_sync *const *objs, unsigned n, int wait_all,
                        int timeout_ms, unsigned *index)
{
	SHMAP__ERRNO_SAVE;
	unsigned i = 0;
	int rc = objs ? shmap__wait(objs, n, wait_all ? SHMAP_WAIT_ALL : 0,
	                            timeout_ms, &i)
	              : -EINVAL;
	if (index && (rc == 0 || rc == SHMAP_EABANDONED))
		*index = i;
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_wait_ex(shmap_sync *const *objs, unsigned n, unsigned flags,
                  int timeout_ms, unsigned *index)
{
	SHMAP__ERRNO_SAVE;
	unsigned i = 0;
	int rc = objs && !(flags & ~(SHMAP_WAIT_ALL | SHMAP_WAIT_INTR))
	                 ? shmap__wait(objs, n, flags, timeout_ms, &i)
	                 : -EINVAL;
	if (index && (rc == 0 || rc == SHMAP_EABANDONED))
		*index = i;
	SHMAP__ERRNO_RESTORE;
	return rc;
}

/* ---- handles of other modules' kinds ---- */

int shmap__waitable_new(const struct shmap__waitops *ops, void *ctx,
                        shmap_sync **out)
{
	if (!ops || !ops->word || !ops->take || !out)
		return -EINVAL;
	shmap_sync *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->ops = ops;
	s->ctx = ctx;
	s->obj.fd = -1;
	s->kind = SHMAP__KIND_EXT;
	s->spins = shmap__spin_default();
	shmap__pollfd_init(&s->pfd);
	*out = s;
	return 0;
}

void shmap__waitable_free(shmap_sync *s)
{
	if (!s)
		return;
	unsigned n = 0;
	_Atomic uint64_t *slots =
	        s->ops->listeners ? s->ops->listeners(s->ctx, &n) : NULL;
	if (slots)
		shmap__pollfd_close(&s->pfd, slots);
	free(s);
}

int shmap__waitable_fd(shmap_sync *s, int *fd)
{
	unsigned n = 0;
	if (!s || !fd)
		return -EINVAL;
	_Atomic uint64_t *slots =
	        s->ops->listeners ? s->ops->listeners(s->ctx, &n) : NULL;
	if (!slots)
		return -ENOTSUP;
	int rc = 0;
	if (s->pfd.fd < 0) {
		rc = shmap__pollfd_open(&s->pfd, slots, n);
		/* Signalled already: readable now. */
		if (rc == 0 && s->ops->take(s->ctx, NULL, 0) == TAKEN &&
		    (s->ops->flags & SHMAP__WK_LEVEL))
			shmap__pollfd_poke(&s->pfd);
	}
	if (rc == 0)
		*fd = s->pfd.fd;
	return rc;
}
