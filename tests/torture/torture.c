/* SPDX-License-Identifier: MIT */
/*
 * Torture: worker processes doing random create/open/map/write/close of
 * named mappings and random event, mutex and semaphore operations and waits,
 * while a supervisor SIGKILLs random workers and starts new ones in their
 * place. It checks, during the run and afterwards:
 *
 *  - every call returns a result its contract allows;
 *  - data written through views reads back through other views and other
 *    processes exactly (per-worker records under a sequence lock, tagged
 *    with the object's identity, so a recreated object never shows old data
 *    and a fresh one is zero filled);
 *  - counters protected by named mutexes stay exact: every update is
 *    journaled, an owner killed mid-update must be reported to the next
 *    owner as SHMAP_EABANDONED (who then rolls the update forward), and any
 *    other inconsistency is a violation;
 *  - no wait returns later than its timeout plus a slack (time the waiter
 *    spent queued for a CPU does not count: a busy machine is not the
 *    library's fault), no mutex stays wedged, no worker hangs in a call;
 *  - once all workers have exited and one open has run, nothing is left in
 *    the backing directory.
 *
 * Everything lives in a private backing directory (SHMAP_DIR). Settings come
 * from the environment: TORTURE_SECONDS (600), TORTURE_PROCS (2 x CPUs,
 * at least 4), TORTURE_KILL_RATE (kills per second, 25), TORTURE_SEED
 * (random; printed), TORTURE_SLACK_MS (500), TORTURE_WEDGE_MS (3000),
 * TORTURE_OWNED_CREATE (1: counter mutexes are sometimes created owned),
 * TORTURE_VERBOSE (1: a progress line every 10 s). Exits 0 with no violation, 1 otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "shmap.h"

#define MAX_PROCS 64
#define N_MAPS 6      /* named mappings t.map.<i> */
#define N_EVENTS 4    /* t.ev.<i>: even i manual reset, odd auto reset */
#define N_MUTEXES 3   /* t.mx.<i>: plain mutexes */
#define N_SEMS 3      /* t.sem.<i> */
#define N_CTR 2       /* t.ctr.<i> mappings guarded by mutexes t.cmx.<i> */
#define MAX_HELD 12   /* handles a worker keeps open between operations */
#define REC_BYTES 1024u /* one worker's record in each mapping */
#define PAYLOAD (REC_BYTES - 32u)
#define CTR_TIMEOUT_MS 100

/* ---- settings and shared statistics ---- */

static unsigned g_procs, g_seconds;
static double g_kill_rate;
static uint64_t g_seed;
static int64_t g_slack_ns, g_wedge_ns;
static int g_verbose, g_owned_create;
static char g_dir[256];

struct ctr_watch {
	_Atomic int64_t last_ok;      /* last acquisition of t.cmx.<i> */
	_Atomic int64_t last_timeout; /* last timed-out wait on it */
};

struct stats {
	_Atomic uint64_t ops, checks, violations, abandoned, recovered,
		recreated, timeouts, increments, kills, spawns, gcs;
	_Atomic int64_t max_overrun_ns;     /* past a wait's timeout */
	_Atomic int64_t max_own_overrun_ns; /* the same, less CPU queueing */
	_Atomic int stop;
	_Atomic int messages;
	struct ctr_watch ctr[N_CTR];
	_Atomic int turn; /* the stopped worker that may close and exit */
	struct {
		_Atomic int64_t heartbeat; /* last progress, monotonic ns */
		_Atomic int paused;        /* stopped, waiting for its turn */
	} slot[MAX_PROCS];
};
static struct stats *S;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void violation(const char *fmt, ...)
{
	atomic_fetch_add(&S->violations, 1);
	if (atomic_fetch_add(&S->messages, 1) >= 40)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fprintf(stderr, "torture: VIOLATION [pid %d] %s\n", (int)getpid(), buf);
}

static void check(int ok, const char *what, int rc)
{
	atomic_fetch_add(&S->checks, 1);
	if (!ok)
		violation("%s: %d (%s)", what, rc, shmap_strerror(rc));
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	return v && *v ? strtoull(v, NULL, 0) : def;
}

/* ---- deterministic randomness ---- */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t g_rng;
static unsigned rnd(unsigned n)
{
	return (unsigned)(splitmix(&g_rng) % n);
}

/* ---- the worker ---- */

static unsigned g_slot;

static void beat(void)
{
	atomic_store_explicit(&S->slot[g_slot].heartbeat, now_ns(),
	                      memory_order_relaxed);
}

#define OP() atomic_fetch_add_explicit(&S->ops, 1, memory_order_relaxed)

static uint64_t map_size(unsigned i)
{
	return (uint64_t)REC_BYTES * MAX_PROCS * (1 + i % 3);
}

static void obj_name(char *buf, size_t n, const char *kind, unsigned i)
{
	snprintf(buf, n, "%s%s.%u", i & 1 ? "Local\\" : "", kind, i);
}

/* Identity of the live named object name (it must be held by the caller). */
static uint64_t name_ino(const char *name)
{
	struct shmap__name n;
	char path[SHMAP__PATH_BYTES];
	struct stat st;
	if (shmap__name_parse(name, &n) ||
	    shmap__name_path(&n, geteuid(), path, sizeof path) ||
	    stat(path, &st))
		return 0;
	return ((uint64_t)st.st_dev << 40) ^ (uint64_t)st.st_ino;
}

/* A worker's record in a mapping: a sequence lock over a payload. */
struct rec {
	_Atomic uint64_t seq; /* odd while being written */
	uint64_t ino;         /* identity of the object written to */
	uint64_t sum;         /* hash of ino, seq, slot and payload */
	uint32_t slot, len;
	unsigned char data[PAYLOAD];
};
_Static_assert(sizeof(struct rec) == REC_BYTES, "record size");

static uint64_t rec_hash(uint64_t ino, uint64_t seq, uint32_t slot,
                         const unsigned char *p, uint32_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ ino ^ (seq << 17) ^ slot;
	for (uint32_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

struct held_map {
	shmap_map *m;
	unsigned idx;
	uint64_t size, ino;
	unsigned char *view; /* whole-object view, or NULL */
};

static struct held_map g_maps[MAX_HELD];
static unsigned g_nmaps;

/* Checks every record of a mapping seen through view v. */
static void verify_records(const struct held_map *h, const unsigned char *v)
{
	unsigned n = (unsigned)(h->size / REC_BYTES);
	struct rec copy;
	for (unsigned r = 0; r < n; r++) {
		struct rec *p = (struct rec *)(void *)(v + (size_t)r * REC_BYTES);
		if (r >= MAX_PROCS) {
			/* Past the records: nobody writes here, must be zero. */
			static const unsigned char zero[REC_BYTES];
			check(!memcmp(p, zero, REC_BYTES), "untouched bytes",
			      0);
			continue;
		}
		for (int tries = 0; tries < 4; tries++) {
			/* acquire: the payload reads come after this load. */
			uint64_t s1 = atomic_load_explicit(&p->seq,
			                                   memory_order_acquire);
			if (s1 & 1)
				break; /* being written, or its writer died */
			memcpy((char *)&copy + 8, (char *)p + 8, REC_BYTES - 8);
			/* acquire fence: the copy is done before the recheck. */
			atomic_thread_fence(memory_order_acquire);
			if (atomic_load_explicit(&p->seq,
			                         memory_order_relaxed) != s1)
				continue;
			atomic_fetch_add(&S->checks, 1);
			if (s1 == 0) {
				static const unsigned char zero[REC_BYTES];
				if (memcmp((char *)&copy + 8, zero,
				           REC_BYTES - 8))
					violation("map %u record %u: seq 0 but "
					          "not zero filled",
					          h->idx, r);
			} else if (copy.ino != h->ino) {
				violation("map %u record %u: written to object "
				          "%" PRIx64 ", seen in %" PRIx64,
				          h->idx, r, copy.ino, h->ino);
			} else if (copy.slot != r || copy.len > PAYLOAD ||
			           copy.sum != rec_hash(copy.ino, s1, r,
			                                copy.data, copy.len)) {
				violation("map %u record %u: torn or corrupt "
				          "(seq %" PRIu64 ")",
				          h->idx, r, s1);
			}
			break;
		}
	}
}

/* Writes this worker's record of h through a fresh view, checks it. */
static void write_record(struct held_map *h)
{
	uint64_t off = (uint64_t)g_slot * REC_BYTES;
	uint64_t voff = off & ~(uint64_t)4095;
	unsigned char *v;
	int rc = shmap_view_map(h->m, voff, 0, SHMAP_ACCESS_WRITE, (void **)&v);
	OP();
	check(rc == 0, "view_map write", rc);
	if (rc)
		return;
	struct rec *p = (struct rec *)(void *)(v + (off - voff));
	uint64_t s = atomic_load_explicit(&p->seq, memory_order_relaxed) | 1;
	atomic_store_explicit(&p->seq, s, memory_order_relaxed);
	/* release fence: the odd sequence is visible before any payload. */
	atomic_thread_fence(memory_order_release);
	unsigned char buf[PAYLOAD];
	uint32_t len = 1 + rnd(PAYLOAD);
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (unsigned char)splitmix(&g_rng);
	if (rnd(2)) {
		memcpy(p->data, buf, len);
	} else {
		rc = shmap_view_write(p->data, buf, len);
		OP();
		check(rc == 0, "view_write", rc);
	}
	p->ino = h->ino;
	p->slot = g_slot;
	p->len = len;
	p->sum = rec_hash(h->ino, s + 1, g_slot, buf, len);
	/* release: the payload is complete before the even sequence. */
	atomic_store_explicit(&p->seq, s + 1, memory_order_release);
	/* Coherence: the whole-object view sees the same bytes at once. */
	if (h->view) {
		struct rec *q = (struct rec *)(void *)(h->view + off);
		atomic_fetch_add(&S->checks, 1);
		if (atomic_load(&q->seq) != s + 1 || q->len != len ||
		    memcmp(q->data, buf, len))
			violation("map %u: a write through one view is not "
			          "seen through another",
			          h->idx);
	}
	rc = shmap_view_unmap(v);
	OP();
	check(rc == 0, "view_unmap", rc);
}

static void open_map(void)
{
	if (g_nmaps >= MAX_HELD)
		return;
	unsigned i = rnd(N_MAPS);
	char name[64];
	obj_name(name, sizeof name, "t.map", i);
	struct held_map h = { .idx = i };
	int rc;
	if (rnd(3) == 0) {
		rc = shmap_map_open(name, SHMAP_ACCESS_ALL, &h.m);
		OP();
		check(rc == 0 || rc == -ENOENT, "map_open", rc);
	} else {
		rc = shmap_map_create(name, map_size(i), SHMAP_PROT_READWRITE,
		                      NULL, &h.m);
		OP();
		check(rc == 0, "map_create", rc);
	}
	if (rc)
		return;
	shmap_map_info info;
	rc = shmap_map_query(h.m, &info);
	check(rc == 0 && info.size == map_size(i), "map size", rc);
	h.size = map_size(i);
	int fd;
	struct stat st;
	rc = shmap_map_fd(h.m, &fd);
	check(rc == 0, "map_fd", rc);
	if (rc == 0 && fstat(fd, &st) == 0)
		h.ino = ((uint64_t)st.st_dev << 40) ^ (uint64_t)st.st_ino;
	/* The object's inode is the name's while we hold it. */
	uint64_t by_name = name_ino(name);
	atomic_fetch_add(&S->checks, 1);
	if (by_name != h.ino)
		violation("map %u: the name leads to another object than the "
		          "handle",
		          i);
	if (rnd(2)) {
		rc = shmap_view_map(h.m, 0, 0, SHMAP_ACCESS_READ,
		                    (void **)&h.view);
		OP();
		check(rc == 0, "view_map read", rc);
		if (rc)
			h.view = NULL;
		else
			verify_records(&h, h.view);
	}
	g_maps[g_nmaps++] = h;
}

static void close_map(unsigned k)
{
	struct held_map *h = &g_maps[k];
	int rc;
	if (h->view) {
		verify_records(h, h->view);
		/* Sometimes keep the view past the close: it must stay valid. */
		if (rnd(2)) {
			rc = shmap_map_close(h->m);
			OP();
			check(rc == 0, "map_close", rc);
			h->m = NULL;
			verify_records(h, h->view);
		}
		rc = shmap_view_unmap(h->view);
		OP();
		check(rc == 0, "view_unmap", rc);
	}
	if (h->m) {
		rc = shmap_map_close(h->m);
		OP();
		check(rc == 0, "map_close", rc);
	}
	g_maps[k] = g_maps[--g_nmaps];
}

static void map_op(void)
{
	unsigned r = rnd(10);
	if (g_nmaps == 0 || r < 3) {
		open_map();
		return;
	}
	unsigned k = rnd(g_nmaps);
	if (r < 6) {
		close_map(k);
	} else if (r < 9) {
		write_record(&g_maps[k]);
	} else {
		unsigned char *v;
		int rc = shmap_view_map(g_maps[k].m, 0, 0, SHMAP_ACCESS_READ,
		                        (void **)&v);
		OP();
		check(rc == 0, "view_map read", rc);
		if (rc == 0) {
			verify_records(&g_maps[k], v);
			rc = shmap_view_unmap(v);
			OP();
			check(rc == 0, "view_unmap", rc);
		}
	}
}

/* ---- waits ---- */

static int g_schedstat = -1;

/*
 * Time this thread spent runnable but not running (run_delay of
 * /proc/thread-self/schedstat), or 0 where the kernel does not tell. A wait
 * that returns late because the machine was busy is not the library's
 * fault: that time is taken off its overrun.
 */
static int64_t run_delay(void)
{
	char buf[96];
	if (g_schedstat < 0)
		return 0;
	ssize_t n = pread(g_schedstat, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = strchr(buf, ' ');
	return p ? strtoll(p + 1, NULL, 10) : 0;
}

static void max_store(_Atomic int64_t *m, int64_t v)
{
	int64_t cur = atomic_load(m);
	while (v > cur && !atomic_compare_exchange_weak(m, &cur, v))
		;
}

struct wait_clock {
	int64_t t, rd;
};

static struct wait_clock clock_start(void)
{
	return (struct wait_clock){ now_ns(), run_delay() };
}

static void note_overrun(struct wait_clock c, int timeout_ms,
                         const char *what)
{
	int64_t elapsed = now_ns() - c.t, queued = run_delay() - c.rd;
	if (timeout_ms < 0)
		return;
	int64_t over = elapsed - (int64_t)timeout_ms * 1000000;
	max_store(&S->max_overrun_ns, over);
	max_store(&S->max_own_overrun_ns, over - queued);
	atomic_fetch_add(&S->checks, 1);
	if (over - queued > g_slack_ns)
		violation("%s with timeout %d ms returned after %.1f ms (%.1f "
		          "ms of it waiting for a CPU)",
		          what, timeout_ms, (double)elapsed / 1e6,
		          (double)queued / 1e6);
}

static int timed_wait(shmap_sync *s, int timeout_ms, const char *what)
{
	struct wait_clock c = clock_start();
	int rc = shmap_wait(s, timeout_ms);
	note_overrun(c, timeout_ms, what);
	OP();
	if (rc == -ETIMEDOUT)
		atomic_fetch_add(&S->timeouts, 1);
	return rc;
}

struct held_sync {
	shmap_sync *s;
	int kind; /* SHMAP_TYPE_* */
	unsigned idx;
};
static struct held_sync g_syncs[MAX_HELD];
static unsigned g_nsyncs;
/* How many times this thread holds each plain mutex (through any handle). */
static unsigned g_owned[N_MUTEXES];

/* Notes an acquisition that a successful wait made on h. */
static void took(const struct held_sync *h)
{
	if (h->kind == SHMAP_TYPE_MUTEX)
		g_owned[h->idx]++;
}

static void open_sync(void)
{
	if (g_nsyncs >= MAX_HELD)
		return;
	char name[64];
	struct held_sync h;
	int rc, open_only = rnd(3) == 0;
	switch (rnd(3)) {
	case 0:
		h.kind = SHMAP_TYPE_EVENT;
		h.idx = rnd(N_EVENTS);
		obj_name(name, sizeof name, "t.ev", h.idx);
		rc = open_only ? shmap_event_open(name, 0, &h.s)
		               : shmap_event_create(name,
		                                    h.idx % 2 == 0
		                                            ? SHMAP_EVENT_MANUAL
		                                            : 0,
		                                    NULL, &h.s);
		break;
	case 1:
		h.kind = SHMAP_TYPE_MUTEX;
		h.idx = rnd(N_MUTEXES);
		obj_name(name, sizeof name, "t.mx", h.idx);
		rc = open_only ? shmap_mutex_open(name, 0, &h.s)
		               : shmap_mutex_create(name, 0, NULL, &h.s);
		break;
	default:
		h.kind = SHMAP_TYPE_SEMAPHORE;
		h.idx = rnd(N_SEMS);
		obj_name(name, sizeof name, "t.sem", h.idx);
		rc = open_only ? shmap_sem_open(name, 0, &h.s)
		               : shmap_sem_create(name, 2, 4, NULL, &h.s);
		break;
	}
	OP();
	check(rc == 0 || (open_only && rc == -ENOENT), "sync create/open", rc);
	if (rc == 0)
		g_syncs[g_nsyncs++] = h;
}

static int give_back(struct held_sync *h);

static void close_sync(unsigned k)
{
	/* Our holds go first: with the last handle closed, the name may go
	 * and a new object of that name is not ours. */
	struct held_sync *h = &g_syncs[k];
	while (h->kind == SHMAP_TYPE_MUTEX && g_owned[h->idx])
		if (give_back(h))
			g_owned[h->idx] = 0;
	int rc = shmap_sync_close(g_syncs[k].s);
	OP();
	check(rc == 0, "sync_close", rc);
	g_syncs[k] = g_syncs[--g_nsyncs];
}

/* Releases what a successful wait took on h, as its kind needs. */
static int give_back(struct held_sync *h)
{
	int rc = 0;
	if (h->kind == SHMAP_TYPE_MUTEX) {
		rc = shmap_mutex_release(h->s);
		check(rc == 0, "mutex_release", rc);
		if (rc == 0 && g_owned[h->idx])
			g_owned[h->idx]--;
	} else if (h->kind == SHMAP_TYPE_SEMAPHORE) {
		uint32_t prev = 99;
		rc = shmap_sem_release(h->s, 1, &prev);
		check(rc == 0 || rc == -EOVERFLOW, "sem_release", rc);
		check(rc != 0 || prev < 4, "sem previous count", (int)prev);
		rc = 0;
	}
	OP();
	return rc;
}

static void sync_op(void)
{
	unsigned r = rnd(12);
	if (g_nsyncs == 0 || r < 2) {
		open_sync();
		return;
	}
	if (r < 4) {
		close_sync(rnd(g_nsyncs));
		return;
	}
	struct held_sync *h = &g_syncs[rnd(g_nsyncs)];
	int timeout = rnd(4) == 0 ? 0 : rnd(4) ? (int)rnd(5) : (int)rnd(40);
	int rc;
	if (r < 6 && h->kind == SHMAP_TYPE_EVENT) {
		unsigned w = rnd(3);
		rc = w == 0   ? shmap_event_set(h->s)
		     : w == 1 ? shmap_event_reset(h->s)
		              : shmap_event_pulse(h->s);
		OP();
		check(rc == 0, "event set/reset/pulse", rc);
		return;
	}
	if (r < 6 && h->kind == SHMAP_TYPE_SEMAPHORE) {
		uint32_t prev = 99;
		rc = shmap_sem_release(h->s, 1 + rnd(2), &prev);
		OP();
		check(rc == 0 || rc == -EOVERFLOW, "sem_release", rc);
		check(rc != 0 || prev < 4, "sem previous count", (int)prev);
		return;
	}
	if (r < 10) {
		rc = timed_wait(h->s, timeout, "wait");
		check(rc == 0 || rc == -ETIMEDOUT ||
		              (rc == SHMAP_EABANDONED &&
		               h->kind == SHMAP_TYPE_MUTEX),
		      "wait", rc);
		if (rc == SHMAP_EABANDONED)
			atomic_fetch_add(&S->abandoned, 1);
		if (rc == 0 || rc == SHMAP_EABANDONED) {
			took(h);
			if (h->kind == SHMAP_TYPE_MUTEX && rnd(2)) {
				/* Recursive: a second take, then a release
				 * too many must be refused. */
				rc = timed_wait(h->s, 0, "recursive wait");
				check(rc == 0, "recursive wait", rc);
				if (rc == 0)
					took(h);
				while (g_owned[h->idx])
					if (give_back(h))
						g_owned[h->idx] = 0;
				rc = shmap_mutex_release(h->s);
				OP();
				check(rc == -EPERM, "release not owned", rc);
			} else if (rnd(16)) {
				give_back(h);
			}
			/* else keep it: a mutex we own stays owned until we
			 * are killed or exit, then it is abandoned. */
		}
		return;
	}
	/* Wait on several at once (distinct objects for wait-all). */
	shmap_sync *objs[MAX_HELD];
	struct held_sync *hs[MAX_HELD];
	unsigned n = 0;
	for (unsigned k = 0; k < g_nsyncs && n < 4; k++) {
		int dup = 0;
		for (unsigned j = 0; j < n; j++)
			dup |= hs[j]->kind == g_syncs[k].kind &&
			       hs[j]->idx == g_syncs[k].idx;
		if (!dup && rnd(2)) {
			hs[n] = &g_syncs[k];
			objs[n++] = g_syncs[k].s;
		}
	}
	if (n == 0)
		return;
	int all = (int)rnd(2);
	unsigned index = 99;
	struct wait_clock c = clock_start();
	rc = shmap_wait_multiple(objs, n, all, timeout, &index);
	note_overrun(c, timeout, all ? "wait-all" : "wait-any");
	OP();
	check(rc == 0 || rc == -ETIMEDOUT || rc == SHMAP_EABANDONED,
	      "wait_multiple", rc);
	if (rc == -ETIMEDOUT)
		atomic_fetch_add(&S->timeouts, 1);
	if (rc == SHMAP_EABANDONED) {
		atomic_fetch_add(&S->abandoned, 1);
		check(index < n && hs[index]->kind == SHMAP_TYPE_MUTEX,
		      "abandoned index", (int)index);
	}
	if (rc == 0 || rc == SHMAP_EABANDONED) {
		check(index < n, "wait index", (int)index);
		if (index >= n)
			return;
		if (all) {
			for (unsigned k = 0; k < n; k++) {
				took(hs[k]);
				give_back(hs[k]);
			}
		} else {
			took(hs[index]);
			give_back(hs[index]);
		}
	}
}

/* ---- journaled counters under named mutexes ---- */

/*
 * The counter object: a, b and the per-slot counts must always agree
 * (a == b == sum of counts) when nobody holds the mutex. An update first
 * writes the journal, then changes the fields; whoever takes the mutex next
 * finds pending set only if the updater died inside, which the mutex must
 * report as abandoned, and rolls the update forward. The journal records
 * the identity of the mutex object too: if every holder of the mutex died
 * and it was made anew while the counter object lived on (a dying process
 * still held it), a pending update is found through a fresh mutex and that
 * is no violation.
 */
struct counter {
	_Atomic uint64_t pending;
	uint64_t j_old, j_slot_old, j_mutex;
	uint32_t j_slot, j_pid;
	uint64_t a;
	uint64_t count[MAX_PROCS];
	uint64_t b;
};

static void ctr_name(char *buf, size_t n, const char *kind, unsigned i)
{
	snprintf(buf, n, "Local\\%s.%u", kind, i);
}

static uint64_t counter_sum(const struct counter *c)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < MAX_PROCS; i++)
		s += c->count[i];
	return s;
}

/* Checks and repairs c, owned through the mutex identified by mx_ino. */
static void counter_enter(struct counter *c, int rc, uint64_t mx_ino,
                          unsigned i)
{
	uint64_t pend = atomic_load(&c->pending);
	atomic_fetch_add(&S->checks, 1);
	if (pend) {
		if (rc == SHMAP_EABANDONED) {
			atomic_fetch_add(&S->recovered, 1);
		} else if (c->j_mutex != mx_ino) {
			atomic_fetch_add(&S->recreated, 1);
		} else {
			violation("counter %u: update of pid %u interrupted "
			          "but the mutex was not reported abandoned",
			          i, c->j_pid);
		}
		uint32_t s = c->j_slot;
		if (s < MAX_PROCS) {
			c->a = c->b = c->j_old + 1;
			c->count[s] = c->j_slot_old + 1;
		} else {
			violation("counter %u: journal slot %u", i, s);
		}
		atomic_store(&c->pending, 0);
	}
	uint64_t sum = counter_sum(c);
	if (c->a != c->b || c->a != sum) {
		violation("counter %u inconsistent: a %" PRIu64 " b %" PRIu64
		          " sum %" PRIu64 " (rc %d)",
		          i, c->a, c->b, sum, rc);
		c->b = c->a = sum; /* report each break once */
	}
}

static void counter_update(struct counter *c, uint64_t mx_ino)
{
	c->j_old = c->a;
	c->j_slot = g_slot;
	c->j_slot_old = c->count[g_slot];
	c->j_mutex = mx_ino;
	c->j_pid = (uint32_t)getpid();
	/* seq_cst: the journal is complete before pending says so. */
	atomic_store(&c->pending, 1);
	c->a = c->j_old + 1;
	if (rnd(2)) /* widen the window for a kill or an intruder */
		for (volatile unsigned k = rnd(50000); k > 0; k--)
			;
	c->count[g_slot]++;
	c->b = c->j_old + 1;
	/* seq_cst: the fields are complete before pending clears. */
	atomic_store(&c->pending, 0);
	atomic_fetch_add(&S->increments, 1);
}

struct ctr_hold {
	shmap_map *m;
	shmap_sync *mx;
	struct counter *c;
	uint64_t mx_ino;
};
static struct ctr_hold g_ctr[N_CTR];

/* Mutex first, mapping second; closed the other way round. */
static int ctr_open(unsigned i, struct ctr_hold *h)
{
	char mname[64], cname[64];
	ctr_name(mname, sizeof mname, "t.cmx", i);
	ctr_name(cname, sizeof cname, "t.ctr", i);
	/* Sometimes created owned: a creator killed before its release must
	 * leave the mutex abandoned, not wedged. */
	int own = g_owned_create && rnd(4) == 0;
	int rc = shmap_mutex_create(mname, own, NULL, &h->mx);
	OP();
	check(rc == 0, "counter mutex_create", rc);
	if (rc)
		return rc;
	own = own && !shmap_sync_existed(h->mx);
	h->mx_ino = name_ino(mname);
	rc = shmap_map_create(cname, sizeof(struct counter),
	                      SHMAP_PROT_READWRITE, NULL, &h->m);
	OP();
	check(rc == 0, "counter map_create", rc);
	if (rc == 0) {
		rc = shmap_view_map(h->m, 0, 0, SHMAP_ACCESS_WRITE,
		                    (void **)&h->c);
		OP();
		check(rc == 0, "counter view_map", rc);
		if (rc == 0 && own) {
			atomic_store(&S->ctr[i].last_ok, now_ns());
			counter_enter(h->c, 0, h->mx_ino, i);
			counter_update(h->c, h->mx_ino);
			rc = shmap_mutex_release(h->mx);
			OP();
			check(rc == 0, "owned counter mutex_release", rc);
			return 0;
		}
		if (rc == 0)
			return 0;
		shmap_map_close(h->m);
	}
	shmap_sync_close(h->mx);
	h->mx = NULL;
	return rc;
}

static void ctr_close(struct ctr_hold *h)
{
	if (!h->mx)
		return;
	shmap_view_unmap(h->c);
	int rc = shmap_map_close(h->m);
	OP();
	check(rc == 0, "counter map_close", rc);
	rc = shmap_sync_close(h->mx);
	OP();
	check(rc == 0, "counter mutex close", rc);
	h->mx = NULL;
}

static void counter_op(void)
{
	unsigned i = rnd(N_CTR);
	struct ctr_hold *h = &g_ctr[i];
	if (!h->mx)
		return;
	int rc = timed_wait(h->mx, CTR_TIMEOUT_MS, "counter wait");
	check(rc == 0 || rc == SHMAP_EABANDONED || rc == -ETIMEDOUT,
	      "counter wait", rc);
	if (rc == -ETIMEDOUT) {
		atomic_store(&S->ctr[i].last_timeout, now_ns());
		return;
	}
	if (rc != 0 && rc != SHMAP_EABANDONED)
		return;
	atomic_store(&S->ctr[i].last_ok, now_ns());
	if (rc == SHMAP_EABANDONED)
		atomic_fetch_add(&S->abandoned, 1);
	counter_enter(h->c, rc, h->mx_ino, i);
	for (unsigned k = 1 + rnd(3); k > 0; k--)
		counter_update(h->c, h->mx_ino);
	rc = shmap_mutex_release(h->mx);
	OP();
	check(rc == 0, "counter mutex_release", rc);
}

static void worker(unsigned slot, unsigned gen)
{
	g_slot = slot;
	g_schedstat = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	g_rng = g_seed ^ (0x51ed270b27c2d4c9ull * (slot + 1)) ^
	        (0x2545f4914f6cdd1dull * (gen + 1));
	beat();
	for (unsigned i = 0; i < N_CTR; i++)
		(void)ctr_open(i, &g_ctr[i]);
	while (!atomic_load_explicit(&S->stop, memory_order_relaxed)) {
		beat();
		unsigned r = rnd(100);
		if (r < 40)
			map_op();
		else if (r < 80)
			sync_op();
		else if (r < 99)
			counter_op();
		else {
			int rc = shmap_gc();
			OP();
			check(rc >= 0, "gc", rc);
			atomic_fetch_add(&S->gcs, 1);
		}
	}
	/* Asked to stop: pause, then, when our turn comes, close everything
	 * in a random order and exit. One worker closes at a time, so no
	 * close finds a gate busy (which would leave the name's cleanup to a
	 * later user). */
	atomic_store(&S->slot[slot].paused, 1);
	while (atomic_load(&S->turn) != (int)slot) {
		beat();
		usleep(1000);
	}
	while (g_nmaps || g_nsyncs) {
		beat();
		if (g_nmaps && (!g_nsyncs || rnd(2)))
			close_map(rnd(g_nmaps));
		else if (g_nsyncs)
			close_sync(rnd(g_nsyncs));
	}
	for (unsigned i = 0; i < N_CTR; i++)
		ctr_close(&g_ctr[i]);
	fflush(stderr);
	_exit(0);
}

/* ---- the supervisor ---- */

struct proc {
	pid_t pid;
	unsigned gen;
	int killed; /* we sent SIGKILL */
};
static struct proc g_proc[MAX_PROCS];
static unsigned g_gen;

static void spawn(unsigned slot)
{
	unsigned gen = g_gen++;
	atomic_store(&S->slot[slot].heartbeat, now_ns());
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("torture: fork");
		exit(2);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		worker(slot, gen);
	}
	g_proc[slot] = (struct proc){ .pid = pid, .gen = gen };
	atomic_fetch_add(&S->spawns, 1);
}

/* Judges how a worker ended. */
static void ended(unsigned slot, int st)
{
	struct proc *p = &g_proc[slot];
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && p->killed)
		return;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	if (WIFSIGNALED(st))
		violation("worker %u (pid %d) died of signal %d", slot,
		          (int)p->pid, WTERMSIG(st));
	else
		violation("worker %u (pid %d) exited with %d", slot,
		          (int)p->pid, WEXITSTATUS(st));
}

/* Collects workers that ended on their own (none should), replaces them. */
static void reap(void)
{
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (unsigned s = 0; s < g_procs; s++)
			if (g_proc[s].pid == pid) {
				ended(s, st);
				spawn(s);
			}
}

static void kill_reap(unsigned slot)
{
	int st;
	g_proc[slot].killed = 1;
	kill(g_proc[slot].pid, SIGKILL);
	waitpid(g_proc[slot].pid, &st, 0);
	ended(slot, st);
	g_proc[slot].pid = 0;
}

static void watch(int64_t t, int64_t *wedge_reported)
{
	for (unsigned i = 0; i < N_CTR; i++) {
		int64_t ok = atomic_load(&S->ctr[i].last_ok);
		int64_t to = atomic_load(&S->ctr[i].last_timeout);
		if (to - ok > g_wedge_ns && ok > wedge_reported[i]) {
			violation("counter mutex %u wedged: its waits timed out "
			          "for %.1f s without one success",
			          i, (double)(to - ok) / 1e9);
			wedge_reported[i] = t;
			/* Later episodes need a fresh success first. */
			atomic_store(&S->ctr[i].last_ok, t);
			atomic_store(&S->ctr[i].last_timeout, t);
		}
	}
	for (unsigned s = 0; s < g_procs; s++) {
		int64_t hb = atomic_load(&S->slot[s].heartbeat);
		if (g_proc[s].pid && t - hb > g_wedge_ns + g_slack_ns) {
			violation("worker %u (pid %d) made no progress for "
			          "%.1f s",
			          s, (int)g_proc[s].pid, (double)(t - hb) / 1e9);
			kill_reap(s);
			spawn(s);
		}
	}
}

static int count_files(const char *dir, int list)
{
	int n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n++;
		if (list)
			fprintf(stderr, "torture:   left: %s\n", e->d_name);
	}
	closedir(d);
	return n;
}

static void rm_dir(const char *dir)
{
	char p[512];
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/*
 * After the run. Leftovers were swept while the workers were paused, no
 * kill came since, and the workers closed one at a time: every name must be
 * gone with its last close, so the directory must be empty even before
 * another open runs; and every open must then fail.
 */
static void final_checks(shmap_map **keep, struct counter **kc)
{
	/* The counters, checked once more through fresh mutexes. */
	for (unsigned i = 0; i < N_CTR; i++) {
		char mname[64];
		shmap_sync *mx;
		ctr_name(mname, sizeof mname, "t.cmx", i);
		int rc = shmap_mutex_create(mname, 0, NULL, &mx);
		check(rc == 0, "final mutex_create", rc);
		if (rc)
			continue;
		check(!shmap_sync_existed(mx), "counter mutex gone", 0);
		rc = shmap_wait(mx, 1000);
		check(rc == 0, "final counter wait", rc);
		counter_enter(kc[i], rc, name_ino(mname), i);
		printf("torture: counter %u = %" PRIu64 "\n", i, kc[i]->a);
		shmap_mutex_release(mx);
		shmap_sync_close(mx);
		shmap_view_unmap(kc[i]);
		check(shmap_map_close(keep[i]) == 0, "final counter close", 0);
	}
	int left = count_files(g_dir, 0);
	atomic_fetch_add(&S->checks, 1);
	if (left != 0) {
		violation("%d file(s) left in the backing directory after "
		          "every holder closed",
		          left);
		count_files(g_dir, 1);
	}
	/* Every name: nothing live, so every open fails. */
	static const struct {
		const char *kind;
		unsigned n;
	} pools[] = { { "t.map", N_MAPS },  { "t.ev", N_EVENTS },
		      { "t.mx", N_MUTEXES }, { "t.sem", N_SEMS } };
	for (unsigned p = 0; p < sizeof pools / sizeof *pools; p++)
		for (unsigned i = 0; i < pools[p].n; i++) {
			char name[64];
			obj_name(name, sizeof name, pools[p].kind, i);
			shmap_map *m;
			shmap_sync *s;
			int rc = p == 0   ? shmap_map_open(name, 1, &m)
			         : p == 1 ? shmap_event_open(name, 0, &s)
			         : p == 2 ? shmap_mutex_open(name, 0, &s)
			                  : shmap_sem_open(name, 0, &s);
			check(rc == -ENOENT, "open after all exited", rc);
		}
	for (unsigned i = 0; i < N_CTR; i++) {
		char name[64];
		shmap_map *m;
		ctr_name(name, sizeof name, "t.ctr", i);
		int rc = shmap_map_open(name, 1, &m);
		check(rc == -ENOENT, "counter open after all exited", rc);
	}
	int after = count_files(g_dir, 0);
	atomic_fetch_add(&S->checks, 1);
	if (after != 0) {
		violation("%d file(s) left in the backing directory after all "
		          "exited and an open ran",
		          after);
		count_files(g_dir, 1);
	}
}

int main(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	g_procs = (unsigned)env_u64("TORTURE_PROCS",
	                            ncpu > 2 ? (uint64_t)(2 * ncpu) : 4);
	if (g_procs < 1)
		g_procs = 1;
	if (g_procs > MAX_PROCS)
		g_procs = MAX_PROCS;
	g_seconds = (unsigned)env_u64("TORTURE_SECONDS", 600);
	const char *kr = getenv("TORTURE_KILL_RATE");
	g_kill_rate = kr && *kr ? strtod(kr, NULL) : 25.0;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	g_seed = env_u64("TORTURE_SEED",
	                 ((uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32) &
	                         0xffffffffu);
	g_slack_ns = (int64_t)env_u64("TORTURE_SLACK_MS", 500) * 1000000;
	g_wedge_ns = (int64_t)env_u64("TORTURE_WEDGE_MS", 3000) * 1000000;
	g_verbose = (int)env_u64("TORTURE_VERBOSE", 0);
	g_owned_create = (int)env_u64("TORTURE_OWNED_CREATE", 1);

	snprintf(g_dir, sizeof g_dir, "/dev/shm/shmap-torture.XXXXXX");
	if (!mkdtemp(g_dir)) {
		snprintf(g_dir, sizeof g_dir, "/tmp/shmap-torture.XXXXXX");
		if (!mkdtemp(g_dir)) {
			perror("torture: mkdtemp");
			return 2;
		}
	}
	/* Set before the library's first use, in us and every worker. */
	setenv("SHMAP_DIR", g_dir, 1);
	if (strcmp(shmap_backing_dir(), g_dir)) {
		fprintf(stderr, "torture: backing dir is %s, not %s\n",
		        shmap_backing_dir(), g_dir);
		return 2;
	}
	S = mmap(NULL, sizeof *S, PROT_READ | PROT_WRITE,
	         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (S == MAP_FAILED) {
		perror("torture: mmap");
		return 2;
	}
	printf("torture: %u processes, %u s, %.1f kills/s, seed %" PRIu64
	       ", dir %s\n",
	       g_procs, g_seconds, g_kill_rate, g_seed, g_dir);
	fflush(stdout);

	/* The supervisor keeps the counter objects (not their mutexes), so
	 * the counts run over the whole run. */
	shmap_map *keep[N_CTR];
	struct counter *kc[N_CTR];
	for (unsigned i = 0; i < N_CTR; i++) {
		char name[64];
		ctr_name(name, sizeof name, "t.ctr", i);
		if (shmap_map_create(name, sizeof(struct counter),
		                     SHMAP_PROT_READWRITE, NULL, &keep[i]) ||
		    shmap_view_map(keep[i], 0, 0, SHMAP_ACCESS_WRITE,
		                   (void **)&kc[i])) {
			fprintf(stderr, "torture: cannot make counter %u\n", i);
			return 2;
		}
		atomic_store(&S->ctr[i].last_ok, now_ns());
	}

	uint64_t rng = g_seed ^ 0x6a09e667f3bcc908ull;
	int64_t start = now_ns(), end = start + (int64_t)g_seconds * 1000000000;
	int64_t next_kill = start, next_report = start + 10 * 1000000000ll;
	int64_t wedge_reported[N_CTR] = { 0 };
	for (unsigned s = 0; s < g_procs; s++)
		spawn(s);
	for (;;) {
		int64_t t = now_ns();
		if (t >= end)
			break;
		reap();
		if (g_kill_rate > 0 && t >= next_kill) {
			unsigned s = (unsigned)(splitmix(&rng) % g_procs);
			kill_reap(s);
			atomic_fetch_add(&S->kills, 1);
			spawn(s);
			/* Exponential gaps: kills land at any point. */
			double u = (double)(splitmix(&rng) >> 11) / 9007199254740992.0;
			double gap = -__builtin_log(1.0 - u) / g_kill_rate;
			next_kill = t + (int64_t)(gap * 1e9);
		}
		watch(t, wedge_reported);
		if (g_verbose && t >= next_report) {
			printf("torture: %.0f s: %" PRIu64 " ops, %" PRIu64
			       " kills, %" PRIu64 " violations\n",
			       (double)(t - start) / 1e9, atomic_load(&S->ops),
			       atomic_load(&S->kills),
			       atomic_load(&S->violations));
			fflush(stdout);
			next_report = t + 10 * 1000000000ll;
		}
		int64_t wake = next_kill < t + 5000000 ? next_kill : t + 5000000;
		if (wake > t) {
			struct timespec d = { 0, (long)(wake - t) };
			nanosleep(&d, NULL);
		}
	}

	/* No more kills. Pause every worker, sweep what killed holders (and
	 * closes that found a gate busy) left, then let the workers close
	 * and exit one by one. */
	atomic_store(&S->turn, -1);
	atomic_store(&S->stop, 1);
	int64_t deadline = now_ns() + 10 * 1000000000ll + g_wedge_ns;
	for (unsigned s = 0; s < g_procs; s++) {
		while (g_proc[s].pid && !atomic_load(&S->slot[s].paused)) {
			int st;
			if (waitpid(g_proc[s].pid, &st, WNOHANG) == g_proc[s].pid) {
				ended(s, st);
				g_proc[s].pid = 0;
			} else if (now_ns() > deadline) {
				violation("worker %u (pid %d) did not stop", s,
				          (int)g_proc[s].pid);
				kill_reap(s);
			} else {
				usleep(2000);
			}
		}
	}
	int swept = shmap_gc();
	check(swept >= 0, "gc", swept);
	printf("torture: %d leftover(s) swept after the last kill\n", swept);
	for (unsigned s = 0; s < g_procs; s++) {
		atomic_store(&S->turn, (int)s);
		deadline = now_ns() + 10 * 1000000000ll + g_wedge_ns;
		while (g_proc[s].pid) {
			int st;
			pid_t r = waitpid(g_proc[s].pid, &st, WNOHANG);
			if (r == g_proc[s].pid) {
				ended(s, st);
				g_proc[s].pid = 0;
			} else if (now_ns() > deadline) {
				violation("worker %u (pid %d) did not exit", s,
				          (int)g_proc[s].pid);
				kill_reap(s);
			} else {
				usleep(2000);
			}
		}
	}
	final_checks(keep, kc);

	double secs = (double)(now_ns() - start) / 1e9;
	uint64_t viol = atomic_load(&S->violations);
	printf("torture: %.1f s, seed %" PRIu64 "\n"
	       "torture: operations %" PRIu64 ", kills %" PRIu64
	       ", spawns %" PRIu64 ", checks %" PRIu64 "\n"
	       "torture: increments %" PRIu64 ", abandoned %" PRIu64
	       ", updates recovered %" PRIu64 " (+%" PRIu64
	       " via a remade mutex), timeouts %" PRIu64 ", gc %" PRIu64
	       "\n"
	       "torture: max wait overrun %.2f ms, %.2f ms not counting time "
	       "queued for a CPU (slack %lld ms)\n"
	       "torture: violations %" PRIu64 "\n",
	       secs, g_seed, atomic_load(&S->ops), atomic_load(&S->kills),
	       atomic_load(&S->spawns), atomic_load(&S->checks),
	       atomic_load(&S->increments), atomic_load(&S->abandoned),
	       atomic_load(&S->recovered), atomic_load(&S->recreated),
	       atomic_load(&S->timeouts), atomic_load(&S->gcs),
	       (double)atomic_load(&S->max_overrun_ns) / 1e6,
	       (double)atomic_load(&S->max_own_overrun_ns) / 1e6,
	       (long long)(g_slack_ns / 1000000), viol);
	rm_dir(g_dir);
	return viol ? 1 : 0;
}
