/* SPDX-License-Identifier: MIT */
/*
 * Liveness: who holds or waits on an object, and whether they still exist.
 *
 * An identity is one 64-bit word, so a thread killed right after writing it
 * has written all of it: bits 0-21 the tid or pid (pid_max is at most 2^22),
 * bits 22-58 its start time in clock ticks since boot (or an upper bound of
 * it), bits 59-62 one plus the index of its namespaces in the object's
 * table (0: unknown, never found dead). Bit 63 is always 0 (objects use it
 * as a lock bit). Never 0: no thread has tid 0. A thread's identity and a
 * process's are the same encoding (a process is named by its pid and the
 * start time of its first thread).
 *
 * Only a caller in the named thread's PID and time namespaces, whose /proc
 * is its own, judges it dead: /proc/<tid> names a thread of one PID
 * namespace, and a start time read there is shifted by the reader's time
 * namespace. Reuse-proof: a thread that reused the tid started later.
 */
#ifndef SHMAP_LIVE_H
#define SHMAP_LIVE_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

/* A table of namespaces kept in shared memory by each object that records
 * identities; an identity names an entry by index (hostile input). */
#define SHMAP__NSIDS 10
struct shmap__nstab {
	_Atomic uint32_t nsid[SHMAP__NSIDS];
};

#define SHMAP__ID_TID_MASK 0x3fffffull
#define SHMAP__ID_START_SHIFT 22
#define SHMAP__ID_START_MASK ((1ull << 37) - 1)
#define SHMAP__ID_NS_SHIFT 59
#define SHMAP__ID_NS_MASK 0xfull
/* The tid and start time of an identity, without its namespace. */
#define SHMAP__ID_THREAD_MASK ((1ull << SHMAP__ID_NS_SHIFT) - 1)

/* The calling thread's / process's identity under table t, claiming an
 * entry of t for our namespaces if none is ours yet (namespace bits 0 if
 * the table is full or /proc does not say). */
uint64_t shmap__ident_thread(struct shmap__nstab *t);
uint64_t shmap__ident_process(struct shmap__nstab *t);
/* 1 if ident is known to have ended (judged only from its own pid/time
 * namespace with its own /proc; else 0 = alive or cannot tell). */
int shmap__ident_dead(struct shmap__nstab *t, uint64_t ident);
/* The tid or pid an identity names (in its own PID namespace). */
pid_t shmap__ident_pid(uint64_t ident);

/* ---- finer pieces, for objects that cache and reclaim entries ---- */

/* The calling thread's tid and start time (no namespace bits).
 * initial-exec and hidden: one load off the thread pointer, no call to
 * __tls_get_addr, on every take and release (guard.c's t_top does so too). */
extern __thread uint64_t shmap__t_ident
        __attribute__((tls_model("initial-exec"), visibility("hidden")));
uint64_t shmap__self_slow(void);
static inline uint64_t shmap__self(void)
{
	return shmap__t_ident ? shmap__t_ident : shmap__self_slow();
}
/* This process's namespace key (never has bit 31), 0 if /proc does not
 * say. A process never changes its own; a forked child may be in others.
 * Inline, with shmap__ns_mine: every take and release asks. */
extern _Atomic uint32_t shmap__my_ns __attribute__((visibility("hidden")));
extern atomic_int shmap__ns_known __attribute__((visibility("hidden")));
uint32_t shmap__ns_self_slow(void);
static inline uint32_t shmap__ns_self(void)
{
	/* acquire: pairs with the release in live.c; a race computes it
	 * twice. */
	if (!atomic_load_explicit(&shmap__ns_known, memory_order_acquire))
		return shmap__ns_self_slow();
	return atomic_load_explicit(&shmap__my_ns, memory_order_relaxed);
}
/*
 * Finds (or, with claim, claims) our entry in t; returns it as ID_NS bits,
 * or 0. With named (which says whether any identity the object keeps names
 * entry i), a full table reuses an entry nothing names, under the rule in
 * live.c: whoever stores an identity naming an entry reads the entry again
 * after the store (shmap__ns_mine), and withdraws the store if it changed.
 * Without named, a full table gives 0 and entries are never reused.
 */
uint64_t shmap__ns_find(struct shmap__nstab *t, int claim,
                        int (*named)(const void *ctx, unsigned i),
                        const void *ctx);
/* Whether the entry ident names (if any) holds our key; seq_cst. */
static inline int shmap__ns_mine(const struct shmap__nstab *t, uint64_t ident)
{
	unsigned i = (unsigned)((ident >> SHMAP__ID_NS_SHIFT) &
	                        SHMAP__ID_NS_MASK);
	if (i == 0)
		return 1;
	uint32_t me = shmap__ns_self();
	/* seq_cst: the table's rule (shmap__ns_find). */
	return i <= SHMAP__NSIDS && me &&
	       atomic_load((_Atomic uint32_t *)&t->nsid[i - 1]) == me;
}
/* Whether o (bit 63 clear) is the calling thread: the same tid and start
 * time, and an entry with our key (or no entry). */
static inline int shmap__ident_is_me(const struct shmap__nstab *t, uint64_t o)
{
	return (o & SHMAP__ID_THREAD_MASK) == shmap__self() &&
	       shmap__ns_mine(t, o);
}
/* Whether the thread or process ident names still runs, looked up in our
 * /proc whatever its namespace (unknown counts as yes). */
int shmap__ident_alive(uint64_t ident);
/* Whether this process may look identities up in its /proc. */
int shmap__proc_own(void);
/* In a fork child (from an atfork handler; any number of calls): forgets
 * the parent's identities; returns whether our namespaces changed. */
int shmap__live_forked(void);

#endif
