/* SPDX-License-Identifier: MIT */
/* Liveness of threads and processes through /proc (see live.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "live.h"

#define NS_RETIRE 0x80000000u

__thread uint64_t shmap__t_ident;
/* This process's identity without namespace bits, 0 until asked. */
static _Atomic uint64_t g_pident;

/* Reads field 3 (state) and 22 (start time) of the stat file at path. */
static int read_stat(const char *path, char *state, uint64_t *start)
{
	char buf[1024];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	/* After ')': field 3 is the first token, field 22 the twentieth.
	 * Parsed by hand: strtok is not thread-safe. */
	int field = 2;
	for (char *q = p + 1; *q;) {
		while (*q == ' ')
			q++;
		if (!*q)
			break;
		field++;
		if (field == 3)
			*state = *q;
		if (field == 22) {
			*start = strtoull(q, NULL, 10);
			return 0;
		}
		while (*q && *q != ' ')
			q++;
	}
	return -EIO;
}

/* Clock ticks since boot now: at least the start time of any thread. */
static uint64_t ticks_now(void)
{
	struct timespec ts;
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * (uint64_t)hz +
	       (uint64_t)ts.tv_nsec / (1000000000ull / (uint64_t)hz);
}

static pthread_once_t g_fork_once = PTHREAD_ONCE_INIT;
static void fork_init(void);

/*
 * The tid (or pid) and start time read from the stat file at path. Without
 * a descriptor to read it (EMFILE), the time now bounds the start from
 * above: a later thread with the same tid started later still, so the
 * liveness test (shmap__ident_alive) holds for both.
 */
static uint64_t ident_of(uint64_t tid, const char *path)
{
	/* The fork handler must exist before any identity is cached, so a
	 * child never keeps its parent's. */
	pthread_once(&g_fork_once, fork_init);
	int e = errno;
	char st;
	uint64_t start;
	if (read_stat(path, &st, &start))
		start = ticks_now();
	errno = e;
	return (tid & SHMAP__ID_TID_MASK) |
	       (start & SHMAP__ID_START_MASK) << SHMAP__ID_START_SHIFT;
}

__attribute__((noinline)) uint64_t shmap__self_slow(void)
{
	shmap__t_ident = ident_of((uint64_t)syscall(SYS_gettid),
	                          "/proc/thread-self/stat");
	return shmap__t_ident;
}

static uint64_t process_self(void)
{
	/* relaxed: a fact about the process; a race computes it twice. */
	uint64_t v = atomic_load_explicit(&g_pident, memory_order_relaxed);
	if (!v) {
		v = ident_of((uint64_t)getpid(), "/proc/self/stat");
		atomic_store_explicit(&g_pident, v, memory_order_relaxed);
	}
	return v;
}

/*
 * This process's namespace key: a hash of the inode numbers of its PID and
 * time namespaces, never 0; 0 if /proc does not say (see live.h).
 */
_Atomic uint32_t shmap__my_ns;
/* Whether this process's /proc is its own PID namespace's (1 yes, 0 no, -1
 * not known yet): only then may it look owners up (a /proc mounted by an
 * ancestor namespace shows other processes under the same numbers). */
static atomic_int g_proc_own = -1;
atomic_int shmap__ns_known;

static uint32_t ns_key(void)
{
	struct stat p, t;
	/* stat, not open: works at EMFILE, and in the fork handler. */
	if (stat("/proc/self/ns/pid", &p))
		return 0;
	/* No time namespaces (before Linux 5.6): one time for everybody. */
	uint64_t ti = stat("/proc/self/ns/time", &t) == 0 ? t.st_ino : 0;
	uint64_t h = ((uint64_t)p.st_ino << 32) ^ (ti & 0xffffffffull);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	uint32_t k = (uint32_t)h & ~NS_RETIRE;
	return k ? k : 1;
}

/* Writes v in decimal at p; returns the end. Async-signal-safe. */
static char *put_dec(char *p, unsigned long v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = tmp[--n];
	return p;
}

/*
 * Whether /proc is this process's PID namespace's: 1 yes, 0 no, -1 cannot
 * tell now (no descriptor left). Its thread-self link must read
 * "<pid>/task/<tid>" with our own numbers, and the NSpid line of our status
 * there must hold one pid: a /proc of an ancestor namespace shows our pid
 * there, then ours (and may show the same numbers by chance), one of
 * another namespace does not show us at all.
 */
static int proc_is_own(void)
{
	char want[64], buf[4096], *p = want;
	p = put_dec(p, (unsigned long)getpid());
	memcpy(p, "/task/", 6);
	p = put_dec(p + 6, (unsigned long)syscall(SYS_gettid));
	ssize_t n = readlink("/proc/thread-self", buf, sizeof buf);
	if (n != p - want || memcmp(buf, want, (size_t)n) != 0)
		return 0;
	int fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == EMFILE || errno == ENFILE ? -1 : 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *q = strstr(buf, "\nNSpid:");
	if (!q)
		return 0;
	int fields = 0;
	for (q += 7; *q && *q != '\n';) {
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q < '0' || *q > '9')
			break;
		fields++;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	return fields == 1;
}

int shmap__proc_own(void)
{
	/* relaxed: a fact about the process; a race computes it twice. */
	int v = atomic_load_explicit(&g_proc_own, memory_order_relaxed);
	if (v < 0) {
		int e = errno;
		v = proc_is_own();
		errno = e;
		atomic_store_explicit(&g_proc_own, v, memory_order_relaxed);
	}
	return v > 0;
}

static void ns_learn(void)
{
	int e = errno;
	atomic_store_explicit(&shmap__my_ns, ns_key(), memory_order_relaxed);
	errno = e;
	/* Learnt when first needed: it may take a descriptor. */
	atomic_store_explicit(&g_proc_own, -1, memory_order_relaxed);
}

static __attribute__((noinline)) void my_ns_learn(void)
{
	pthread_once(&g_fork_once, fork_init);
	ns_learn();
	atomic_store_explicit(&shmap__ns_known, 1, memory_order_release);
}

uint32_t shmap__ns_self_slow(void)
{
	my_ns_learn();
	return atomic_load_explicit(&shmap__my_ns, memory_order_relaxed);
}

/* The pid the fork state below was brought up to date for, and whether
 * our namespaces changed at that fork. */
static pid_t g_forked_pid;
static int g_forked_moved;

int shmap__live_forked(void)
{
	pid_t pid = getpid();
	if (g_forked_pid == pid)
		return g_forked_moved;
	shmap__t_ident = 0;
	atomic_store(&g_pident, 0);
	/* A parent that unshared its PID or time namespace forks into the
	 * new one. */
	uint32_t old = atomic_load(&shmap__my_ns);
	ns_learn();
	g_forked_moved = atomic_load(&shmap__my_ns) != old;
	atomic_store(&shmap__ns_known, 1);
	g_forked_pid = pid;
	return g_forked_moved;
}

static void fork_child(void)
{
	shmap__live_forked();
}

static void fork_init(void)
{
	pthread_atfork(NULL, NULL, fork_child);
}

/*
 * The namespace table. An entry is 0 (free), a key (ns_key: bit 31 clear),
 * or a key with NS_RETIRE set while someone reclaims it. Entries are
 * claimed in order by a first identity stored, so while the table has room
 * one namespace has one index. When it is full (and the object says what
 * names an entry), an entry no stored identity names may be reused, by
 * this rule:
 * - the reclaimer marks the entry retired (CAS), then looks at what names
 *   entries, and gives the entry back if anything names it, else takes it
 *   (CAS);
 * - whoever stores an identity naming an entry reads the entry again after
 *   the store (shmap__ns_mine), and if it is no longer its key, undoes the
 *   store and tries again.
 * All of these are seq_cst, so of the reclaimer's look and the writer's
 * second read at least one sees the other: an entry never changes while an
 * identity names it, or the identity is withdrawn before it is used. A
 * judge (shmap__ident_dead) only acts if the entry is its own key: a
 * retired one matches nobody. The one cost: a waiter of the new namespace
 * that judges a withdrawn identity in the instant before it is withdrawn
 * may take a mutex as abandoned although the writer lives; the writer
 * never had it (its take fails and it waits on), so no two threads ever
 * own it.
 */
uint64_t shmap__ns_find(struct shmap__nstab *t, int claim,
                        int (*named)(const void *ctx, unsigned i),
                        const void *ctx)
{
	uint32_t me = shmap__ns_self();
	if (!me)
		return 0;
	/* seq_cst, every load and CAS: see the rule above. */
	for (unsigned i = 0; i < SHMAP__NSIDS; i++) {
		uint32_t v = atomic_load(&t->nsid[i]);
		if (v == 0 && claim)
			atomic_compare_exchange_strong(&t->nsid[i], &v, me);
		/* v is now the entry's value, ours if our CAS won. */
		if ((v == 0 && claim) || v == me)
			return (uint64_t)(i + 1) << SHMAP__ID_NS_SHIFT;
	}
	/* Full: reuse an entry no identity names (a stale retired one too:
	 * its reclaimer was killed halfway). */
	for (unsigned i = 0; claim && named && i < SHMAP__NSIDS; i++) {
		uint32_t v = atomic_load(&t->nsid[i]);
		uint32_t r = v | NS_RETIRE;
		if (v == 0 || named(ctx, i))
			continue;
		if (v != r && !atomic_compare_exchange_strong(&t->nsid[i], &v, r))
			continue;
		if (named(ctx, i)) {
			atomic_compare_exchange_strong(&t->nsid[i], &r,
			                               r & ~NS_RETIRE);
			continue;
		}
		if (atomic_compare_exchange_strong(&t->nsid[i], &r, me))
			return (uint64_t)(i + 1) << SHMAP__ID_NS_SHIFT;
	}
	return 0;
}

uint64_t shmap__ident_thread(struct shmap__nstab *t)
{
	return shmap__self() | shmap__ns_find(t, 1, NULL, NULL);
}

uint64_t shmap__ident_process(struct shmap__nstab *t)
{
	return process_self() | shmap__ns_find(t, 1, NULL, NULL);
}

pid_t shmap__ident_pid(uint64_t ident)
{
	return (pid_t)(ident & SHMAP__ID_TID_MASK);
}

int shmap__ident_alive(uint64_t ident)
{
	char path[64], st = 0;
	uint64_t start = 0;
	int e = errno, alive;
	snprintf(path, sizeof path, "/proc/%u/stat",
	         (unsigned)(ident & SHMAP__ID_TID_MASK));
	int rc = read_stat(path, &st, &start);
	if (rc == -ENOENT || rc == -ESRCH || rc == -EMFILE || rc == -ENFILE)
		/* Gone, only hidden from us (hidepid=2 hides other users'
		 * processes), or not readable for want of a descriptor: dead
		 * only if no such thread exists at all. A hidden thread that
		 * reused the tid stays alive until it ends; a readable one is
		 * told apart below. */
		alive = !(kill((pid_t)(ident & SHMAP__ID_TID_MASK), 0) < 0 &&
		          errno == ESRCH);
	else if (rc)
		alive = 1;
	else if (st == 'Z' || st == 'X')
		alive = 0;
	else
		/* It started at or before the recorded time (equal if it
		 * could read it); a thread that reused its tid started
		 * after. */
		alive = (start & SHMAP__ID_START_MASK) <=
		        ((ident >> SHMAP__ID_START_SHIFT) & SHMAP__ID_START_MASK);
	errno = e;
	return alive;
}

int shmap__ident_dead(struct shmap__nstab *t, uint64_t ident)
{
	unsigned ns = (unsigned)((ident >> SHMAP__ID_NS_SHIFT) &
	                         SHMAP__ID_NS_MASK);
	uint32_t me = shmap__ns_self();
	/* seq_cst: the entry is read after the identity naming it, which
	 * the caller loaded (the table's rule, shmap__ns_find). */
	return ns != 0 && ns <= SHMAP__NSIDS && me &&
	       atomic_load(&t->nsid[ns - 1]) == me && shmap__proc_own() &&
	       !shmap__ident_alive(ident);
}
