/* SPDX-License-Identifier: MIT */
/*
 * Named objects and their lifetime, without a daemon.
 *
 * One file per name in the backing directory: a header page, then data.
 * Holds are OFD byte-range locks on the file's open file description:
 * byte 0 is the holder lock (shared by every handle in every process),
 * byte 1 the gate (exclusive, serialises open, create and close of a name).
 * A name is live while someone holds byte 0; a file nobody holds is a
 * leftover of a killed last holder and is treated as absent, then removed.
 * Every unlock is explicit, so a descriptor a fork copied never keeps a lock.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define HOLD_BYTE 0
#define GATE_BYTE 1
#define MAX_TRIES 10000

volatile int shmap__crash_at;
volatile int shmap__crash_signal;

void shmap__crash_point(int n)
{
	(void)n;
	if (shmap__crash_signal) {
		shmap__crash_at = 0; /* resumed, it runs on to the end */
		kill(getpid(), shmap__crash_signal);
		return;
	}
	kill(getpid(), SIGKILL);
}

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = start;
	fl.l_len = len;
	while (fcntl(fd, cmd, &fl) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EACCES)
			return -EAGAIN;
		return -errno;
	}
	return 0;
}

int shmap__lock_timeout_ms = SHMAP_LOCK_TIMEOUT_MS;

/* How long a close waits for a busy gate before leaving the cleanup. */
#define CLOSE_GATE_MS 100

/*
 * While the file under a busy gate grows (a create reserving its data with
 * fallocate holds the gate), an open or create waits on, restarting its
 * timeout, for at most this many timeouts in all: only a writer can grow
 * the file, and even a hostile one cannot stall us past that bound.
 */
int shmap__gate_progress_timeouts = 10;

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000 +
	       (long)(t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * Takes a lock of type on byte without ever blocking in the kernel: anyone
 * who may open the file could hold a byte forever, so a busy byte is polled,
 * backing off from 20 us to 10 ms, for at most ms milliseconds; then -EBUSY.
 * With progress, each growth of the file's allocated blocks past the most
 * seen restarts the ms, up to shmap__gate_progress_timeouts * ms in all.
 * A read lock on the gate fails at once: shmap never takes one, so it is
 * held by someone not following the protocol.
 */
static int lk_bounded(int fd, short type, off_t byte, long ms, int progress)
{
	struct timespec start, t0, nap = {0, 20000};
	blkcnt_t most = -1;
	int rc = lk(fd, F_OFD_SETLK, type, byte, 1);
	if (rc != -EAGAIN)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &start);
	t0 = start;
	for (;;) {
		struct stat st;
		if (progress && fstat(fd, &st) == 0 && st.st_blocks > most) {
			if (most >= 0 &&
			    ms_since(&start) <
			            (long)shmap__gate_progress_timeouts * ms)
				clock_gettime(CLOCK_MONOTONIC, &t0);
			most = st.st_blocks;
		}
		if (byte == GATE_BYTE || byte == SHMAP__SHARE_BYTE(SHMAP__SB_GATE)) {
			struct flock fl;
			if (shmap__lk_holder(fd, byte, &fl) == 0 &&
			    fl.l_type == F_RDLCK)
				return -EBUSY;
		}
		if (ms_since(&t0) >= ms)
			return -EBUSY;
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 10000000)
			nap.tv_nsec *= 2;
		rc = lk(fd, F_OFD_SETLK, type, byte, 1);
		if (rc != -EAGAIN)
			return rc;
	}
}

int shmap__lk_holder(int fd, off_t byte, struct flock *fl)
{
	memset(fl, 0, sizeof *fl);
	fl->l_type = F_WRLCK; /* conflicts with any lock another one holds */
	fl->l_whence = SEEK_SET;
	fl->l_start = byte;
	fl->l_len = 1;
	while (fcntl(fd, F_OFD_GETLK, fl) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int shmap__lk(int fd, int cmd, short type, off_t start, off_t len)
{
	return lk(fd, cmd, type, start, len);
}

int shmap__lk_wait(int fd, short type, off_t byte)
{
	return lk_bounded(fd, type, byte, shmap__lock_timeout_ms, 0);
}

/* Counts the lock table's line into counts if it is an OFD lock, read or
 * write, over byte of a file which counts. */
static void lock_line(const char *line, off_t byte,
                      long (*which)(void *, dev_t, ino_t), void *ctx,
                      unsigned *counts)
{
	char kind[16], mode[16], type[16], end[24];
	unsigned maj, min;
	unsigned long long lino;
	long long start;
	/* "1: OFDLCK ADVISORY  READ -1 00:1a:161521 0 0"; a waiter blocked
	 * behind a lock is "2: -> POSIX ..." (or "->POSIX"): it holds
	 * nothing, and its "->" field fails the match. */
	if (sscanf(line, "%*d: %15s %15s %15s %*d %x:%x:%llu %lld %23s", kind,
	           mode, type, &maj, &min, &lino, &start, end) != 8)
		return;
	if (strcmp(kind, "OFDLCK") ||
	    (strcmp(type, "READ") && strcmp(type, "WRITE")))
		return;
	if (start > (long long)byte ||
	    (strcmp(end, "EOF") && atoll(end) < (long long)byte))
		return;
	long i = which(ctx, makedev(maj, min), (ino_t)lino);
	if (i >= 0)
		counts[i]++;
}

/*
 * The kernel hands the lock table out at most a buffer (a page, 4 KiB or
 * more) per read, and walks it anew from the start for the next read, to
 * the line it stopped at: a lock taken or let go meanwhile, anywhere in the
 * machine, makes a later line appear twice or not at all. A read that
 * returns less than a page less the longest line ended at the end of the
 * table: one consistent snapshot.
 */
#define LOCK_PAGE_MIN 4096
#define LOCK_LINE_MAX 512

/*
 * Reads the lock table once, adding 1 to counts[which(ctx, dev, ino)] for
 * each OFD lock, read or write, that covers byte (which returns -1 for a
 * file not counted). *whole is 1 if the table came in one read (the counts
 * are one snapshot). 0 or a negative errno.
 */
static int lock_table(off_t byte, long (*which)(void *, dev_t, ino_t),
                      void *ctx, unsigned *counts, int *whole)
{
	char buf[2 * LOCK_PAGE_MIN];
	size_t have = 0;
	int rc = 0, reads = 0;
	int fd = open("/proc/locks", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*whole = 0;
	while (!*whole) {
		ssize_t k = read(fd, buf + have, sizeof buf - 1 - have);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			rc = k < 0 ? -errno : 0;
			*whole = k == 0 && reads == 0; /* empty */
			break;
		}
		*whole = reads++ == 0 && k < LOCK_PAGE_MIN - LOCK_LINE_MAX;
		have += (size_t)k;
		buf[have] = 0;
		char *line = buf, *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			lock_line(line, byte, which, ctx, counts);
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		if (have == sizeof buf - 1)
			have = 0; /* a line longer than the buffer: no lock's */
		memmove(buf, line, have);
	}
	close(fd);
	return rc;
}

/* Reads of the lock table shmap__lock_counts makes at most. */
#define LOCK_READS 8

int shmap__lock_counts(off_t byte, long (*which)(void *, dev_t, ino_t),
                       void *ctx, size_t n, unsigned *counts)
{
	unsigned *prev = calloc(n ? n : 1, sizeof *prev);
	int rc = prev ? 0 : -ENOMEM, whole = 0;
	/* A table that needs several reads may be torn (see lock_table):
	 * two reads in a row that agree are taken for the truth. */
	for (int r = 0; rc == 0 && r < LOCK_READS; r++) {
		memset(counts, 0, n * sizeof *counts);
		rc = lock_table(byte, which, ctx, counts, &whole);
		if (rc || whole ||
		    (r > 0 && !memcmp(prev, counts, n * sizeof *counts)))
			break;
		memcpy(prev, counts, n * sizeof *counts);
	}
	free(prev);
	return rc;
}

struct lock_file {
	dev_t dev;
	ino_t ino;
};

static long lock_file(void *ctx, dev_t dev, ino_t ino)
{
	struct lock_file *c = ctx;
	return dev == c->dev && ino == c->ino ? 0 : -1;
}

int shmap__lock_holders(dev_t dev, ino_t ino, off_t byte, unsigned *out)
{
	struct lock_file c = {dev, ino};
	return shmap__lock_counts(byte, lock_file, &c, 1, out);
}

static int gate_take(int fd)
{
	return lk_bounded(fd, F_WRLCK, GATE_BYTE, shmap__lock_timeout_ms, 1);
}

static int gate_release(int fd)
{
	return lk(fd, F_OFD_SETLK, F_UNLCK, GATE_BYTE, 1);
}

/* 0 if nobody else holds the name (we now hold it alone), else -EAGAIN. */
static int hold_try_excl(int fd)
{
	return lk(fd, F_OFD_SETLK, F_WRLCK, HOLD_BYTE, 1);
}

static int hold_shared(int fd)
{
	return lk_bounded(fd, F_RDLCK, HOLD_BYTE, shmap__lock_timeout_ms, 0);
}

/* Releases both bytes in one unlock, then closes. */
static void drop(int fd)
{
	(void)lk(fd, F_OFD_SETLK, F_UNLCK, 0, 2);
	close(fd);
}

/*
 * How every backing file is opened: read-write for the lock protocol, never
 * through a symlink, and without blocking or a controlling terminal should
 * someone have planted a FIFO or device at the path.
 */
static int open_flags(unsigned inherit)
{
	return O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	       (inherit ? 0 : O_CLOEXEC);
}

/* The error for a backing path that cannot be opened. */
static int open_error(int e)
{
	/* A symlink, directory or other planted thing is a squatted name. */
	return e == ELOOP || e == EISDIR || e == ENXIO ? -EACCES : -e;
}

/* Whether fd is still the file linked at path (nobody unlinked or replaced it). */
static int still_linked(int fd, const char *path, struct stat *st)
{
	struct stat ps;
	if (fstat(fd, st) < 0 || st->st_nlink == 0)
		return 0;
	if (lstat(path, &ps) < 0)
		return 0;
	return ps.st_dev == st->st_dev && ps.st_ino == st->st_ino;
}

/*
 * Takes the gate of fd (bounded) and checks, under it, that fd is still the
 * file linked at path, and its only link (*st refreshed). Returns 0 with the
 * gate held; otherwise fd is closed and the return is -EAGAIN (unlinked or
 * replaced meanwhile: start again), -EACCES (a second link) or the gate's
 * error. cp is the crash point reached once the gate is held (or
 * SHMAP__CP_NONE).
 */
static int gate_linked(int fd, const char *path, struct stat *st, int cp)
{
	int rc = gate_take(fd);
	if (rc) {
		close(fd);
		return rc;
	}
	if (cp != SHMAP__CP_NONE)
		SHMAP__CRASH(cp);
	if (!still_linked(fd, path, st)) {
		drop(fd);
		return -EAGAIN;
	}
	/* Owner and mode were checked before the gate; only the link count
	 * can have changed since. */
	if (st->st_nlink != 1) {
		drop(fd);
		return -EACCES;
	}
	return 0;
}

/*
 * Whether m is a Global mode shmap makes: the owner reads and writes, group
 * and other each read and write or have nothing. A class that could read
 * without writing could open the file only to lock bytes of it.
 */
static int global_mode_ok(mode_t m)
{
	unsigned g = (m >> 3) & 7, o = m & 7;
	return (m & 07700) == 0600 && (g == 0 || g == 6) && (o == 0 || o == 6);
}

/*
 * The mode of a new Global object asked for as a: per class, read-write
 * stays, read-only (or execute) becomes nothing, so 0644 is 0600; a class
 * that may write without reading is refused. Returns 0 or -EACCES.
 */
static int global_mode(unsigned a, mode_t *out)
{
	mode_t m = 0600;
	for (int shift = 0; shift <= 3; shift += 3) {
		unsigned c = (a >> shift) & 7;
		if ((c & 6) == 6)
			m |= (mode_t)6 << shift;
		else if (c & 2)
			return -EACCES;
	}
	*out = m;
	return 0;
}

/*
 * Refuses files the namespace does not allow us to trust, whatever their
 * mode in the Global namespace (gc removes a privileged owner's leftover of
 * any mode); check_owner also checks the mode.
 */
static int owner_ok(int ns, uid_t uid, const struct stat *st)
{
	if (!S_ISREG(st->st_mode) || st->st_nlink != 1)
		return -EACCES;
	if (ns == SHMAP__NS_LOCAL)
		return st->st_uid == uid && (st->st_mode & 07777) == 0600
		               ? 0
		               : -EACCES;
	return shmap__uid_privileged(st->st_uid) ? 0 : -EACCES;
}

static int check_owner_only(int ns, const struct stat *st)
{
	return owner_ok(ns, geteuid(), st);
}

int shmap__obj_trusted(int ns, uid_t uid, const struct stat *st)
{
	if (ns == SHMAP__NS_GLOBAL && !global_mode_ok(st->st_mode & 07777))
		return -EACCES;
	return owner_ok(ns, uid, st);
}

/* Refuses files the namespace does not allow us to trust. */
static int check_owner(int ns, const struct stat *st)
{
	return shmap__obj_trusted(ns, geteuid(), st);
}

/*
 * The check before any lock. An empty file is never a built object, but it
 * may be one being made (a create widens the mode only under the gate) or
 * the leftover of a create killed early, its mode narrowed by umask. So an
 * empty file of an owner the namespace trusts (Local: ours, owner bits
 * only; Global: privileged, any mode) that check_owner refuses goes on to
 * the gate all the same, with *unfinished set: unheld, it is removed (open)
 * or built (create); held, it is refused with -EACCES as before.
 */
static int check_before_gate(int ns, const struct stat *st, int *unfinished)
{
	int rc = check_owner(ns, st);
	*unfinished = 0;
	if (rc == 0 || st->st_size != 0 || !S_ISREG(st->st_mode) ||
	    st->st_nlink != 1)
		return rc;
	if (ns == SHMAP__NS_LOCAL ? st->st_uid == geteuid() &&
	                                    (st->st_mode & 07777 & ~0600) == 0
	                          : shmap__uid_privileged(st->st_uid)) {
		*unfinished = 1;
		return 0;
	}
	return rc;
}

/*
 * Whether the Global path we may not open is an empty file of a privileged
 * owner: an object whose create has not yet widened its mode, or the
 * leftover of such a create. Neither is an object yet: not found.
 */
static int global_unfinished(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       st.st_nlink == 1 && st.st_size == 0 &&
	       shmap__uid_privileged(st.st_uid);
}

/*
 * A create killed between making its file and widening the mode umask
 * narrowed leaves an empty file we cannot open or that check_owner refuses.
 * If path is such a file (ours, regular, empty, its mode a strict subset of
 * want), gives it mode want through an O_PATH descriptor, which needs no
 * read or write permission, and returns 1: the caller retries, and the
 * retry treats the file as any unheld leftover. Returns 0 otherwise.
 */
static int repair_narrowed(const char *path, mode_t want)
{
	struct stat st;
	char proc[64];
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	         st.st_nlink == 1 && st.st_uid == geteuid() &&
	         st.st_size == 0 && (st.st_mode & 07777) != want &&
	         (st.st_mode & 07777 & ~want) == 0;
	if (ok) {
		/* fchmod refuses an O_PATH descriptor; its /proc link does not. */
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		ok = chmod(proc, want) == 0;
	}
	close(fd);
	return ok;
}

uint64_t shmap__data_offset(void)
{
	/* Data must start on a page boundary of this machine, whatever its
	 * page size (4 KiB, 16 KiB, 64 KiB). */
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
	return pg > SHMAP__HDR_SIZE ? pg : SHMAP__HDR_SIZE;
}

int shmap__hdr_check(const struct shmap__hdr *h, uint64_t st_size)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
	if (h->magic != SHMAP__MAGIC)
		return SHMAP_EBADOBJ;
	if (h->format != SHMAP__FORMAT)
		return SHMAP_EFORMAT; /* another version's layout */
	if (h->state != SHMAP__READY)
		return SHMAP_EBADOBJ;
	if (h->type < SHMAP_TYPE_MAPPING || h->type > SHMAP__TYPE_LAST)
		return SHMAP_EBADOBJ;
	if (h->flags & ~(SHMAP__HF_FILE | SHMAP__HF_ANON))
		return SHMAP_EBADOBJ;
	if (h->data_offset < SHMAP__HDR_SIZE || h->data_offset > (1u << 20) ||
	    h->data_offset % pg)
		return SHMAP_EBADOBJ;
	if (h->name_len >= SHMAP__NAME_BYTES || h->name[h->name_len] ||
	    strlen(h->name) != h->name_len)
		return SHMAP_EBADOBJ;
	if (h->path_len >= SHMAP__PATH_BYTES || h->path[h->path_len] ||
	    strlen(h->path) != h->path_len)
		return SHMAP_EBADOBJ;
	if (h->flags & SHMAP__HF_FILE) {
		if (st_size != h->data_offset)
			return SHMAP_EBADOBJ;
	} else {
		if (h->size > (uint64_t)INT64_MAX - h->data_offset ||
		    st_size != h->data_offset + h->size)
			return SHMAP_EBADOBJ;
	}
	return 0;
}

/* Reads and validates the header of an object we hold, st_size bytes long. */
static int read_hdr(int fd, uint64_t st_size, uint32_t type, const char *canon,
                    struct shmap__hdr *h)
{
	ssize_t r = pread(fd, h, sizeof *h, 0);
	if (r < 0)
		return -errno;
	if ((size_t)r != sizeof *h)
		return SHMAP_EBADOBJ;
	int rc = shmap__hdr_check(h, st_size);
	if (rc)
		return rc;
	if (canon && strcmp(h->name, canon))
		return SHMAP_EBADOBJ; /* a hashed path shared by two names */
	if (type && h->type != type)
		return SHMAP_ETYPE;
	return 0;
}

/*
 * Sizes the file to total bytes. Committed (the default), the data is
 * reserved now with fallocate, after checking memory and space can hold
 * it, so a full tmpfs fails here and never as SIGBUS in a view; that costs
 * time and memory in proportion to the size. With noreserve the file is only
 * sized (ftruncate, O(1)); pages are allocated as they are first touched.
 */
static int reserve_space(int fd, uint64_t total, int noreserve)
{
	if (noreserve)
		return ftruncate(fd, (off_t)total) < 0 ? -errno : 0;
	int rc = shmap__reserve_check(fd, total);
	if (rc)
		return rc;
	for (;;) {
		if (fallocate(fd, 0, 0, (off_t)total) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EOPNOTSUPP && errno != ENOSYS)
			return -errno;
		int e = posix_fallocate(fd, 0, (off_t)total);
		return e == EINTR ? -EINTR : -e;
	}
}

/* Sizes the file, then writes a READY header: the object is built. */
static int build(int fd, const char *canon, const struct shmap__hdr *tmpl,
                 uint64_t reserve, int noreserve, int (*on_build)(int, void *),
                 void *arg, struct shmap__hdr *h)
{
	if (reserve > (uint64_t)INT64_MAX - shmap__data_offset())
		return -EFBIG;
	if (canon) {
		/* The magic first, its state not READY: from here on the file
		 * is shmap's however the create ends, so a sweep may remove
		 * it once unheld (see sweep_one); nobody opens it. */
		struct shmap__hdr claim = {.magic = SHMAP__MAGIC,
		                           .format = SHMAP__FORMAT};
		ssize_t w = pwrite(fd, &claim, offsetof(struct shmap__hdr, type), 0);
		if (w < 0)
			return -errno;
		if (w != offsetof(struct shmap__hdr, type))
			return -EIO;
	}
	int rc = reserve_space(fd, shmap__data_offset() + reserve, noreserve);
	if (rc == 0 && on_build)
		rc = on_build(fd, arg);
	if (rc)
		return rc;
	SHMAP__CRASH(SHMAP__CP_CREATE_SIZED);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	*h = *tmpl;
	h->magic = SHMAP__MAGIC;
	h->format = SHMAP__FORMAT;
	h->state = SHMAP__READY;
	h->data_offset = shmap__data_offset();
	if (!(h->flags & SHMAP__HF_FILE))
		h->size = reserve;
	h->creator_uid = (uint32_t)geteuid();
	h->creator_pid = (uint32_t)getpid();
	h->ctime_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	memset(h->name, 0, sizeof h->name);
	snprintf(h->name, sizeof h->name, "%s", canon ? canon : "");
	h->name_len = (uint32_t)strlen(h->name);
	ssize_t w = pwrite(fd, h, sizeof *h, 0);
	if (w < 0)
		return -errno;
	return (size_t)w == sizeof *h ? 0 : -EIO;
}

/* The registry of holds, for fork. */
static pthread_mutex_t g_reg = PTHREAD_MUTEX_INITIALIZER;
static struct shmap__obj *g_head;
static pthread_once_t g_atfork_once = PTHREAD_ONCE_INIT;

static int rehold(struct shmap__obj *o);

/*
 * Before fork, each inheritable named hold gets a new open file description
 * with a shared holder lock of its own, for the child. The parent drops its
 * reference at once; the child's keeps the lock. So the child holds the name
 * from the moment fork returns, even if the parent closes right away.
 */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&g_reg);
	for (struct shmap__obj *o = g_head; o; o = o->next) {
		o->fork_fd = -1;
		if (o->fd >= 0 && (o->oflags & SHMAP__OF_INHERIT) &&
		    (o->oflags & SHMAP__OF_NAMED))
			o->fork_fd = rehold(o);
	}
}

static void atfork_parent(void)
{
	for (struct shmap__obj *o = g_head; o; o = o->next) {
		if (o->fork_fd >= 0)
			close(o->fork_fd);
		o->fork_fd = -1;
	}
	pthread_mutex_unlock(&g_reg);
}

/* Takes a fresh hold on o's object through a new open file description. */
static int rehold(struct shmap__obj *o)
{
	int fd = open(o->path, open_flags(o->oflags & SHMAP__OF_INHERIT));
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_dev != o->dev ||
	    (uint64_t)st.st_ino != o->ino ||
	    lk(fd, F_OFD_SETLK, F_RDLCK, HOLD_BYTE, 1) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * In a forked child, the inherited descriptors share the parent's open file
 * descriptions and so its locks: the child must never unlock or probe through
 * them. Inheritable holds are replaced by the child's own, made in
 * atfork_prepare; the others become unusable (operations return -EBADF).
 */
static void atfork_child(void)
{
	for (struct shmap__obj *o = g_head; o; o = o->next) {
		int nfd = o->fork_fd;
		o->fork_fd = -1;
		if (o->fd < 0)
			continue;
		if (!(o->oflags & SHMAP__OF_INHERIT)) {
			close(o->fd);
			o->fd = -1;
			continue;
		}
		if (!(o->oflags & SHMAP__OF_NAMED))
			continue; /* a memfd has no locks: sharing it is fine */
		if (nfd < 0 || dup2(nfd, o->fd) < 0) {
			close(o->fd);
			o->fd = -1;
		}
		if (nfd >= 0)
			close(nfd);
	}
	pthread_mutex_unlock(&g_reg);
}

static void atfork_init(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static void reg_add(struct shmap__obj *o)
{
	pthread_once(&g_atfork_once, atfork_init);
	pthread_mutex_lock(&g_reg);
	o->prev = NULL;
	o->next = g_head;
	if (g_head)
		g_head->prev = o;
	g_head = o;
	pthread_mutex_unlock(&g_reg);
}

static void reg_del(struct shmap__obj *o)
{
	pthread_mutex_lock(&g_reg);
	if (o->prev)
		o->prev->next = o->next;
	else if (g_head == o)
		g_head = o->next;
	if (o->next)
		o->next->prev = o->prev;
	o->next = o->prev = NULL;
	pthread_mutex_unlock(&g_reg);
}

void shmap__obj_track(struct shmap__obj *o)
{
	reg_add(o);
}

/* Finishes a hold on the file fd, st: records identity, registers for fork. */
static int finish(struct shmap__obj *o, int fd, const struct stat *st,
                  const char *path, unsigned oflags, const struct shmap__hdr *h)
{
	o->path = NULL;
	if (path && !(o->path = strdup(path)))
		return -ENOMEM;
	o->fd = fd;
	o->oflags = oflags;
	o->mode = (unsigned)st->st_mode;
	o->fork_fd = -1;
	o->dev = (uint64_t)st->st_dev;
	o->ino = (uint64_t)st->st_ino;
	o->hdr = *h;
	reg_add(o);
	return 0;
}

static int path_for(const char *name, struct shmap__name *n, char *path,
                    size_t len)
{
	int rc = shmap__name_parse(name, n);
	if (rc)
		return rc;
	return shmap__name_path(n, geteuid(), path, len);
}

/* Opens the live object at path; extra oflags are set before o is published. */
static int do_open(const struct shmap__name *n, const char *path,
                   uint32_t type, unsigned inherit, unsigned extra,
                   struct shmap__obj *o)
{
	for (int tries = 0; tries < MAX_TRIES; tries++) {
		struct stat st;
		struct shmap__hdr h;
		int unfinished;
		int fd = open(path, open_flags(inherit));
		if (fd < 0) {
			if (errno == EACCES && repair_narrowed(path, 0600))
				continue;
			if (errno == EACCES && n->ns == SHMAP__NS_GLOBAL &&
			    global_unfinished(path))
				return -ENOENT;
			return open_error(errno);
		}
		SHMAP__CRASH(SHMAP__CP_OPEN_FD);
		/* Whose file it is decides before any lock: a stranger's file
		 * must not make us wait on a lock it holds. */
		if (fstat(fd, &st) < 0) {
			int e = -errno;
			close(fd);
			return e;
		}
		if (st.st_nlink == 0) {
			close(fd);
			continue;
		}
		int rc = check_before_gate(n->ns, &st, &unfinished);
		if (rc) {
			close(fd);
			if (repair_narrowed(path, 0600))
				continue;
			return rc;
		}
		rc = gate_linked(fd, path, &st, SHMAP__CP_OPEN_GATE);
		if (rc == -EAGAIN)
			continue;
		if (rc)
			return rc;
		rc = hold_try_excl(fd);
		if (rc == 0) {
			/* Nobody holds it: a leftover, or a create not yet
			 * begun (that creator will see the unlink and retry). */
			unlink(path);
			SHMAP__CRASH(SHMAP__CP_STALE_UNLINKED);
			drop(fd);
			return -ENOENT;
		}
		if (rc == -EAGAIN && unfinished)
			rc = -EACCES; /* held, and not a mode we accept */
		if (rc == -EAGAIN)
			rc = hold_shared(fd);
		if (rc == 0) {
			SHMAP__CRASH(SHMAP__CP_OPEN_SHARED);
			rc = read_hdr(fd, (uint64_t)st.st_size, type, n->canon, &h);
		}
		if (rc == 0)
			rc = gate_release(fd);
		if (rc == 0)
			rc = finish(o, fd, &st, path,
			            SHMAP__OF_NAMED | extra |
			                    (inherit ? SHMAP__OF_INHERIT : 0),
			            &h);
		if (rc)
			drop(fd);
		return rc;
	}
	return -EAGAIN;
}

int shmap__obj_open(const char *name, uint32_t type, unsigned inherit,
                    struct shmap__obj *o)
{
	struct shmap__name n;
	char path[4096];
	shmap__init();
	int rc = path_for(name, &n, path, sizeof path);
	return rc ? rc : do_open(&n, path, type, inherit, 0, o);
}

int shmap__obj_create(const char *name, const struct shmap__hdr *tmpl,
                      uint64_t reserve, const shmap_attr *attr,
                      struct shmap__obj *o)
{
	return shmap__obj_create_cb(name, tmpl, reserve, attr, NULL, NULL, o);
}

int shmap__obj_create_cb(const char *name, const struct shmap__hdr *tmpl,
                         uint64_t reserve, const shmap_attr *attr,
                         int (*on_build)(int, void *), void *arg,
                         struct shmap__obj *o)
{
	struct shmap__name n;
	char path[4096];
	unsigned aflags = attr ? attr->flags : 0;
	unsigned inherit = aflags & SHMAP_ATTR_INHERIT;
	shmap__init();
	int rc = path_for(name, &n, path, sizeof path);
	if (rc)
		return rc;
	mode_t mode = 0600;
	if (n.ns == SHMAP__NS_GLOBAL) {
		if (attr && attr->mode && (rc = global_mode(attr->mode, &mode)))
			return rc;
		if (!shmap__caller_privileged()) {
			/* Opening an existing Global object needs no privilege. */
			/* EXISTED goes in before the fork registry sees o. */
			rc = do_open(&n, path, tmpl->type, inherit,
			             SHMAP__OF_EXISTED, o);
			if (rc == 0 && (aflags & SHMAP_ATTR_EXCL)) {
				shmap__obj_close(o);
				return -EEXIST;
			}
			return rc == -ENOENT ? -EACCES : rc;
		}
	}
	for (int tries = 0; tries < MAX_TRIES; tries++) {
		struct stat st;
		struct shmap__hdr h;
		int unfinished;
		/* Owner-only until built: the mode is widened under the gate
		 * (below), so until then nobody else can open the file, and an
		 * opener who can sees an unfinished object, not a refusal. */
		int fd = open(path, O_CREAT | O_EXCL | open_flags(inherit), 0600);
		if (fd < 0) {
			if (errno != EEXIST)
				return -errno;
			fd = open(path, open_flags(inherit));
			if (fd < 0) {
				if (errno == ENOENT ||
				    (errno == EACCES && repair_narrowed(path, 0600)))
					continue;
				return open_error(errno);
			}
		} else {
			SHMAP__CRASH(SHMAP__CP_CREATE_FILE);
		}
		if (fstat(fd, &st) < 0) {
			rc = -errno;
			close(fd);
			return rc;
		}
		if (st.st_nlink == 0) {
			close(fd);
			continue;
		}
		/* Whose file it is decides before any lock (see do_open). */
		if ((rc = check_before_gate(n.ns, &st, &unfinished))) {
			close(fd);
			if (repair_narrowed(path, 0600))
				continue;
			return rc;
		}
		rc = gate_linked(fd, path, &st, SHMAP__CP_CREATE_GATE);
		if (rc == -EAGAIN)
			continue;
		if (rc)
			return rc;
		rc = hold_try_excl(fd);
		if (rc == 0) {
			SHMAP__CRASH(SHMAP__CP_CREATE_EXCL);
			if (st.st_size != 0) {
				/* A leftover: never reuse its inode, so no old
				 * view can ever see the new object. One of
				 * another owner (Global) we may not remove. */
				rc = unlink(path) < 0 ? -errno : 0;
				SHMAP__CRASH(SHMAP__CP_STALE_UNLINKED);
				drop(fd);
				if (rc == -EPERM || rc == -EACCES)
					return -EACCES;
				continue;
			}
			/* Widened (or umask's narrowing undone) only now: an
			 * opener let in by the final mode waits on the gate. */
			if ((st.st_mode & 07777) != mode &&
			    (fchmod(fd, mode) < 0 || fstat(fd, &st) < 0)) {
				/* Not ours to change (another owner's file). */
				rc = errno == EPERM ? -EACCES : -errno;
				unlink(path);
				drop(fd);
				return rc;
			}
			rc = build(fd, n.canon, tmpl, reserve,
			           (aflags & SHMAP_ATTR_NORESERVE) != 0, on_build,
			           arg, &h);
			if (rc) {
				unlink(path);
				drop(fd);
				return rc;
			}
			SHMAP__CRASH(SHMAP__CP_CREATE_BUILT);
			/* Exclusive to shared in one step: never unheld. */
			rc = lk(fd, F_OFD_SETLK, F_RDLCK, HOLD_BYTE, 1);
			if (rc == 0) {
				SHMAP__CRASH(SHMAP__CP_CREATE_SHARED);
				rc = gate_release(fd);
			}
			if (rc == 0)
				rc = finish(o, fd, &st, path,
				            SHMAP__OF_NAMED |
				                    (inherit ? SHMAP__OF_INHERIT : 0),
				            &h);
			if (rc) {
				unlink(path);
				drop(fd);
			}
			return rc;
		}
		if (rc == -EAGAIN && unfinished)
			rc = -EACCES; /* held, and not a mode we accept */
		if (rc != -EAGAIN) {
			drop(fd);
			return rc;
		}
		/* Live: the existing object is returned, its size kept. */
		if (aflags & SHMAP_ATTR_EXCL) {
			drop(fd);
			return -EEXIST;
		}
		rc = hold_shared(fd);
		if (rc == 0)
			rc = read_hdr(fd, (uint64_t)st.st_size, tmpl->type, n.canon,
			              &h);
		if (rc == 0)
			rc = gate_release(fd);
		if (rc == 0)
			rc = finish(o, fd, &st, path,
			            SHMAP__OF_NAMED | SHMAP__OF_EXISTED |
			                    (inherit ? SHMAP__OF_INHERIT : 0),
			            &h);
		if (rc)
			drop(fd);
		return rc;
	}
	return -EAGAIN;
}

int shmap__obj_anon(const struct shmap__hdr *tmpl, uint64_t reserve,
                    unsigned aflags, struct shmap__obj *o)
{
	unsigned inherit = aflags & SHMAP_ATTR_INHERIT;
	struct shmap__hdr h;
	struct stat st;
	int fd = memfd_create("shmap", MFD_ALLOW_SEALING |
	                                       (inherit ? 0 : MFD_CLOEXEC));
	if (fd < 0)
		return -errno;
	int rc = build(fd, NULL, tmpl, reserve,
	               (aflags & SHMAP_ATTR_NORESERVE) != 0, NULL, NULL, &h);
	/* Sealed against resizing, so no view can ever SIGBUS. */
	if (rc == 0 && fcntl(fd, F_ADD_SEALS,
	                     F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		rc = -errno;
	if (rc == 0 && fstat(fd, &st) < 0)
		rc = -errno;
	if (rc == 0)
		rc = finish(o, fd, &st, NULL,
		            (inherit ? SHMAP__OF_INHERIT : 0),
		            &h);
	if (rc)
		close(fd);
	return rc;
}

int shmap__obj_from_fd(int fd, uint32_t type, unsigned inherit,
                       struct shmap__obj *o)
{
	struct shmap__hdr h;
	struct stat st;
	shmap__init();
	if (fd < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	if (!S_ISREG(st.st_mode))
		return SHMAP_EBADOBJ;
	int rc = read_hdr(fd, (uint64_t)st.st_size, type, NULL, &h);
	if (rc)
		return rc;
	if (h.flags & SHMAP__HF_ANON) {
		int seals = fcntl(fd, F_GET_SEALS);
		if (seals < 0 || !(seals & F_SEAL_SHRINK))
			return SHMAP_EBADOBJ;
		int nfd = fcntl(fd, inherit ? F_DUPFD : F_DUPFD_CLOEXEC, 3);
		if (nfd < 0)
			return -errno;
		rc = finish(o, nfd, &st, NULL,
		            (inherit ? SHMAP__OF_INHERIT : 0),
		            &h);
		if (rc)
			close(nfd);
		return rc;
	}
	/* Named: take our own hold by name, then check it is this object. */
	rc = shmap__obj_open(h.name, type, inherit, o);
	if (rc)
		return rc;
	if (o->dev != (uint64_t)st.st_dev || o->ino != (uint64_t)st.st_ino) {
		shmap__obj_close(o);
		return -ENOENT;
	}
	return 0;
}

int shmap__obj_hold_fd(const struct shmap__obj *o, int cloexec)
{
	if (o->fd < 0)
		return -EBADF;
	if (!(o->oflags & SHMAP__OF_NAMED)) {
		int fd = fcntl(o->fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 3);
		return fd < 0 ? -errno : fd;
	}
	/* Our own hold keeps the name live and linked meanwhile. */
	int fd = open(o->path, open_flags(!cloexec));
	struct stat st;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_dev != o->dev ||
	    (uint64_t)st.st_ino != o->ino) {
		close(fd);
		return -ESTALE;
	}
	int rc = lk(fd, F_OFD_SETLK, F_RDLCK, HOLD_BYTE, 1);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

int shmap__obj_adopt(int fd, uint32_t type, struct shmap__obj *o)
{
	struct shmap__hdr h;
	struct shmap__name n;
	struct stat st;
	char path[4096];
	shmap__init();
	if (fd < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	if (!S_ISREG(st.st_mode))
		return SHMAP_EBADOBJ;
	int rc = read_hdr(fd, (uint64_t)st.st_size, type, NULL, &h);
	if (rc)
		return rc;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	if (h.flags & SHMAP__HF_ANON)
		return finish(o, fd, &st, NULL, 0, &h);
	/* The descriptor carries a hold: the name is live; check it is ours
	 * and still linked, as an open would. */
	if ((rc = shmap__name_parse(h.name, &n)) ||
	    (rc = shmap__name_path(&n, geteuid(), path, sizeof path)))
		return rc == -EINVAL ? SHMAP_EBADOBJ : rc;
	if (!still_linked(fd, path, &st))
		return -ENOENT;
	if ((rc = check_owner(n.ns, &st)))
		return rc;
	if ((rc = lk(fd, F_OFD_SETLK, F_RDLCK, HOLD_BYTE, 1)))
		return rc;
	return finish(o, fd, &st, path, SHMAP__OF_NAMED,
	              &h);
}

/* Whether the caller may remove a name whose file st describes. */
static int may_unlink(const struct stat *st)
{
	return st->st_uid == geteuid() || geteuid() == 0;
}

/* The error for a file at path we may not open: not ours (or root's to
 * remove) is -EPERM; ours and empty, a create umask narrowed, is no object. */
static int unlink_refused(const char *path, int e)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return -errno;
	if (!may_unlink(&st))
		return -EPERM;
	return S_ISREG(st.st_mode) && st.st_size == 0 ? -ENOENT : open_error(e);
}

static int unlink_name(const struct shmap__name *n, const char *path,
                       unsigned *handles)
{
	for (int tries = 0; tries < MAX_TRIES; tries++) {
		struct stat st;
		struct shmap__hdr h;
		shmap_object_info info;
		int unfinished;
		int fd = open(path, open_flags(0));
		if (fd < 0)
			return errno == ENOENT ? -ENOENT : unlink_refused(path, errno);
		/* Whose file it is decides before any lock (see do_open). */
		if (fstat(fd, &st) < 0) {
			int e = -errno;
			close(fd);
			return e;
		}
		int rc = st.st_nlink == 0 ? -EAGAIN
		         : !may_unlink(&st) ? -EPERM
		                            : check_before_gate(n->ns, &st, &unfinished);
		if (rc)
			close(fd);
		else
			rc = gate_linked(fd, path, &st, SHMAP__CP_NONE);
		if (rc == -EAGAIN)
			continue;
		if (rc)
			return rc;
		rc = hold_try_excl(fd);
		if (rc == 0) {
			/* Nobody holds it: no object, as for open; a leftover
			 * of ours goes, as a sweep would remove it. */
			if (shmap__info_read(fd, &st, path, &h, &info) == 1)
				unlink(path);
			drop(fd);
			return -ENOENT;
		}
		if (rc == -EAGAIN)
			rc = unfinished ? -EACCES
			                : read_hdr(fd, (uint64_t)st.st_size, 0,
			                           n->canon, &h);
		if (rc == 0 && handles)
			rc = shmap__lock_holders(st.st_dev, st.st_ino, HOLD_BYTE,
			                         handles);
		if (rc == 0 && unlink(path) < 0)
			rc = errno == EACCES ? -EPERM : -errno;
		drop(fd);
		return rc;
	}
	return -EAGAIN;
}

/*
 * Removes the name of a live object as ipcrm does: under the gate, as an
 * open would check it, only if the caller owns the file or is root, and
 * only if the file is the object of that name; holders keep their handles
 * and views (their close finds the name no longer linked to their file and
 * leaves whatever is there now alone).
 */
int shmap_unlink(const char *name, unsigned *handles)
{
	SHMAP__ERRNO_SAVE;
	struct shmap__name n;
	char path[4096];
	int rc;
	shmap__init();
	if (!name)
		rc = -EINVAL;
	else if (!(rc = path_for(name, &n, path, sizeof path)))
		rc = unlink_name(&n, path, handles);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap__obj_close(struct shmap__obj *o)
{
	int rc = 0;
	reg_del(o);
	if (o->fd >= 0 && (o->oflags & SHMAP__OF_NAMED)) {
		rc = lk(o->fd, F_OFD_SETLK, F_WRLCK, GATE_BYTE, 1);
		if (rc == -EAGAIN) {
			/* Busy: let go of the hold first, so that should the
			 * gate stay busy, the name is merely unheld, which
			 * the next open, create or gc of it cleans up. */
			(void)lk(o->fd, F_OFD_SETLK, F_UNLCK, HOLD_BYTE, 1);
			rc = lk_bounded(o->fd, F_WRLCK, GATE_BYTE,
			                CLOSE_GATE_MS, 0);
		}
		if (rc == 0) {
			struct stat st;
			SHMAP__CRASH(SHMAP__CP_CLOSE_GATE);
			/* Converts our hold, or takes one if we let it go. */
			if (hold_try_excl(o->fd) == 0) {
				SHMAP__CRASH(SHMAP__CP_CLOSE_EXCL);
				/* The last holder anywhere: the name goes. A
				 * Global file of another owner cannot be
				 * unlinked in a sticky directory; unheld, it is
				 * a leftover, invisible until removed. */
				if (still_linked(o->fd, o->path, &st) &&
				    unlink(o->path) < 0 && errno != EPERM &&
				    errno != EACCES)
					rc = -errno;
				SHMAP__CRASH(SHMAP__CP_CLOSE_UNLINKED);
			}
		} else if (rc == -EBUSY) {
			rc = 0; /* the handle is closed all the same */
		}
		drop(o->fd);
	} else if (o->fd >= 0) {
		close(o->fd);
	}
	o->fd = -1;
	free(o->path);
	o->path = NULL;
	return rc;
}

int shmap__info_read(int fd, const struct stat *st, const char *path,
                     struct shmap__hdr *h, shmap_object_info *info)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	memset(info, 0, sizeof *info);
	info->path = path;
	info->mode = (unsigned)st->st_mode & 07777;
	info->owner = st->st_uid;
	info->global = !strncmp(base, "shmap.g.", 8);
	info->error = SHMAP_EBADOBJ;
	if (st->st_size == 0)
		return 1; /* a create that had not written its magic yet */
	ssize_t r = pread(fd, h, sizeof *h, 0);
	if (r < 0)
		return -errno;
	if ((size_t)r < sizeof h->magic || h->magic != SHMAP__MAGIC)
		return 0;
	if ((size_t)r < sizeof *h)
		return 1;
	info->error = shmap__hdr_check(h, (uint64_t)st->st_size);
	if (info->error)
		return 1;
	/* The stored name must be the one this file is the backing of (its
	 * owner's, for Local): a name is shown only if it leads here. */
	struct shmap__name n;
	char want[4096];
	const char *wbase;
	if (shmap__name_parse(h->name, &n) ||
	    shmap__name_path(&n, st->st_uid, want, sizeof want) ||
	    !(wbase = strrchr(want, '/')) || strcmp(wbase + 1, base)) {
		info->error = SHMAP_EBADOBJ;
		return 1;
	}
	info->name = h->name;
	info->file_path = (h->flags & SHMAP__HF_FILE) ? h->path : NULL;
	info->type = (enum shmap_type)h->type;
	info->size = h->size;
	info->prot = h->type == SHMAP_TYPE_MAPPING ? h->prot : 0;
	info->creator_uid = h->creator_uid;
	info->creator_pid = (pid_t)h->creator_pid;
	info->ctime_ns = h->ctime_ns;
	return 1;
}

/*
 * What a sweep may remove: a file of the caller's namespaces that nobody
 * holds, and that is empty or starts with the magic. Nothing else: a file
 * with the prefix and other contents is no object of ours.
 *
 * Another format's file (SHMAP_EFORMAT) goes too. Its name is at a path
 * this version's open and create use, and they remove any unheld file
 * there without reading it (docs/lifetime.md, "The protocol"): every
 * version holds its objects with the same shared lock on byte 0 under the
 * same gate, or they could not share the directory at all. So an unheld
 * file is a leftover whatever its format, exactly as open judges it.
 *
 * An empty file is a create killed between its O_EXCL and its first write
 * (build writes the magic before anything else), or one in flight that has
 * not taken the gate yet. Removing the second cannot hurt it: a create
 * checks that its file is still linked only after it holds the gate, and
 * it builds only while it holds the gate and the exclusive holder lock.
 * We remove only while we hold both (a busy gate, or a holder, and we do
 * nothing). So the create either took the gate first, and we fail our try
 * of it and keep the file, or takes it after our unlink, finds its file
 * unlinked and starts again with a new O_EXCL: the same argument as for
 * open's removal of an unheld file ("a create not yet begun").
 *
 * fn runs for each file to remove before it goes; in a real sweep, while
 * we hold its gate and exclusive lock, so what is reported is what goes
 * (an open or create of that name meanwhile waits for the gate); in a dry
 * run after we have let go of them. Returns 1 if the file went (or, dry,
 * would go), 0 if not, or fn's nonzero return as *stop (the file stays).
 */
static int sweep_one(const char *path, int global, unsigned flags,
                     shmap_object_fn fn, void *ctx, int *stop)
{
	struct stat st;
	struct shmap__hdr h;
	shmap_object_info info;
	int gone = 0, ns = global ? SHMAP__NS_GLOBAL : SHMAP__NS_LOCAL;
	for (int tries = 0; tries < 2; tries++) {
		int fd = open(path, open_flags(0));
		if (fd < 0 && (errno != EACCES || tries ||
		               !repair_narrowed(path, 0600)))
			return 0;
		if (fd < 0)
			continue;
		/* Files the namespace would refuse to open (squatted) are
		 * never touched, nor locked; an empty one of ours umask
		 * narrowed is repaired, then swept. */
		if (fstat(fd, &st) < 0 || check_owner_only(ns, &st)) {
			close(fd);
			if (tries || !repair_narrowed(path, 0600))
				return 0;
			continue;
		}
		/* Never wait: a busy gate means someone is using the name. */
		if (lk(fd, F_OFD_SETLK, F_WRLCK, GATE_BYTE, 1) == 0 &&
		    still_linked(fd, path, &st) && check_owner_only(ns, &st) == 0 &&
		    hold_try_excl(fd) == 0 &&
		    shmap__info_read(fd, &st, path, &h, &info) == 1) {
			int dry = (flags & SHMAP_SWEEP_DRY_RUN) != 0;
			if (dry) {
				drop(fd); /* a dry run holds nothing past the probe */
				fd = -1;
			}
			if (fn && (*stop = fn(&info, ctx)))
				gone = 0; /* stopped: this one stays */
			else
				gone = dry || unlink(path) == 0;
		}
		if (fd >= 0)
			drop(fd);
		break;
	}
	return gone;
}

int shmap__sweep(unsigned flags, shmap_object_fn fn, void *ctx)
{
	const char *dir = shmap__dir_raw();
	char local[64], path[4096];
	int removed = 0, stop = 0, global = shmap__caller_privileged();
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	snprintf(local, sizeof local, "shmap.u%u.", (unsigned)geteuid());
	for (struct dirent *e; !stop && (e = readdir(d));) {
		int g = !strncmp(e->d_name, "shmap.g.", 8);
		if (!(g && global) && strncmp(e->d_name, local, strlen(local)))
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >=
		    (int)sizeof path)
			continue;
		removed += sweep_one(path, g, flags, fn, ctx, &stop);
	}
	closedir(d);
	return stop ? stop : removed;
}
