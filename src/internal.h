/* SPDX-License-Identifier: MIT */
/* Private to the library: shared-memory layouts and cross-file helpers. */
#ifndef SHMAP_INTERNAL_H
#define SHMAP_INTERNAL_H

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "shmap.h"

/* Marks the internal functions libshmap-win32 calls: libshmap.so exports
 * them in its SHMAP_PRIVATE version node (src/shmap.map), for the Win32
 * layer only, so a process has one copy of the library and its state. */
#define SHMAP__XLIB SHMAP_API

/*
 * Format words. Every layout placed in shared memory (the object header
 * below, the block of an event, mutex or semaphore in sync.c) carries one
 * at a place no format moves, and a library uses an object only if the word
 * is its own; another word behind the right magic is SHMAP_EFORMAT. A word
 * folds the layout's version, bumped with every change of what its fields
 * mean, with the offset of every field and the sizes that bound them: a
 * field added, moved or resized without a bump, or a compiler laying the
 * struct out otherwise (i386 aligns uint64_t to 4 bytes), gives another word
 * too. SHMAP__FOLD(i, v) is the share of the i-th value: v times an odd
 * number of i's own, so that a change of any one value below 2^16 changes
 * the low 16 bits of the sum.
 */
#define SHMAP__FOLD(i, v)                                                      \
	((uint32_t)(v) * ((2u * (uint32_t)(i) + 1u) * 0x9e3779b1u))

/* Every object file starts with this header, padded to SHMAP__HDR_SIZE. */
#define SHMAP__MAGIC 0x4a424f50414d4853ull /* "SHMAPOBJ" little-endian */
/* The highest type a header may hold (SHMAP_TYPE_CHANNEL). */
#define SHMAP__TYPE_LAST 5
/* The header's layout version: 1 before format words, 2 since. */
#define SHMAP__HDR_VERSION 2u
#define SHMAP__READY 0x59444552u /* "REDY" */
#define SHMAP__HDR_SIZE 4096u
#define SHMAP__NAME_BYTES 1056u /* "Global\" + 260 characters of UTF-8 */
#define SHMAP__PATH_BYTES 2560u

/* Header flags. */
#define SHMAP__HF_FILE 0x1u /* data lives in an external file, not here */
#define SHMAP__HF_ANON 0x2u /* memfd, no name */

struct shmap__hdr {
	uint64_t magic;
	uint32_t format;
	uint32_t state;       /* SHMAP__READY once built */
	uint32_t type;        /* enum shmap_type */
	uint32_t prot;        /* SHMAP_PROT_* for mappings */
	uint64_t size;        /* bytes of data */
	uint64_t data_offset; /* where data starts in this file */
	uint32_t flags;       /* SHMAP__HF_* */
	uint32_t creator_uid;
	uint32_t creator_pid;
	int32_t creator_fd; /* file-backed: the data fd in the creator */
	uint64_t ctime_ns;  /* CLOCK_REALTIME at creation */
	uint64_t file_dev;  /* file-backed: identity of the data file */
	uint64_t file_ino;
	uint32_t name_len;
	uint32_t path_len;
	char name[SHMAP__NAME_BYTES]; /* canonical name, NUL terminated */
	char path[SHMAP__PATH_BYTES]; /* file-backed: absolute path */
};
_Static_assert(sizeof(struct shmap__hdr) <= SHMAP__HDR_SIZE, "header fits");
/* Every format, past and future, has the magic at 0 and the format at 8. */
_Static_assert(offsetof(struct shmap__hdr, magic) == 0 &&
                       offsetof(struct shmap__hdr, format) == 8,
               "magic and format stay where every version looks");
#define SHMAP__HOFF(i, f) SHMAP__FOLD(i, offsetof(struct shmap__hdr, f))
/* The header's format word (see SHMAP__FOLD). */
#define SHMAP__FORMAT                                                          \
	(SHMAP__FOLD(0, SHMAP__HDR_VERSION) +                                  \
	 SHMAP__FOLD(1, sizeof(struct shmap__hdr)) +                           \
	 SHMAP__FOLD(2, SHMAP__HDR_SIZE) + SHMAP__FOLD(3, SHMAP__NAME_BYTES) + \
	 SHMAP__FOLD(4, SHMAP__PATH_BYTES) + SHMAP__HOFF(5, state) +           \
	 SHMAP__HOFF(6, type) + SHMAP__HOFF(7, prot) + SHMAP__HOFF(8, size) +  \
	 SHMAP__HOFF(9, data_offset) + SHMAP__HOFF(10, flags) +                \
	 SHMAP__HOFF(11, creator_uid) + SHMAP__HOFF(12, creator_pid) +         \
	 SHMAP__HOFF(13, creator_fd) + SHMAP__HOFF(14, ctime_ns) +             \
	 SHMAP__HOFF(15, file_dev) + SHMAP__HOFF(16, file_ino) +               \
	 SHMAP__HOFF(17, name_len) + SHMAP__HOFF(18, path_len) +               \
	 SHMAP__HOFF(19, name) + SHMAP__HOFF(20, path))
_Static_assert(SHMAP__FORMAT != 1u, "not the word of layout version 1");

/* Namespaces. */
enum { SHMAP__NS_LOCAL = 1, SHMAP__NS_GLOBAL = 2 };

struct shmap__name {
	int ns;
	char canon[SHMAP__NAME_BYTES]; /* "Local\x" or "Global\x" */
	const char *body;              /* points into canon, after the prefix */
};

/* name.c */
int shmap__name_parse(const char *name, struct shmap__name *out);
int shmap__name_path(const struct shmap__name *n, uid_t uid, char *buf,
                     size_t len);
int shmap__uid_privileged(uid_t uid);
int shmap__caller_privileged(void);
const char *shmap__dir(void);
const char *shmap__dir_raw(void); /* without running shmap__init */
void shmap__set_dir(const char *dir); /* tests: before any other call */

/* An open hold on an object: one descriptor, one open file description. */
struct shmap__obj {
	int fd;        /* -1 once a fork made the handle unusable */
	unsigned oflags; /* SHMAP__OF_* */
	uint64_t dev, ino;
	struct shmap__hdr hdr; /* validated copy read at open */
	char *path;            /* backing path of a named object */
	unsigned mode;         /* st_mode of the backing file at open */
	int fork_fd;           /* a child's hold, made before fork */
	struct shmap__obj *next, *prev;
};
#define SHMAP__OF_NAMED 0x1u
#define SHMAP__OF_INHERIT 0x2u
#define SHMAP__OF_EXISTED 0x4u

/*
 * Creates or opens the named object name of type hdr->type. *hdr carries the
 * type-specific fields (size, prot, flags, file fields); data bytes
 * [data_offset, data_offset + reserve) are reserved in the backing file
 * (only sized, if attr has SHMAP_ATTR_NORESERVE).
 * Returns 0 with SHMAP__OF_EXISTED set in o->oflags if the name existed.
 */
int shmap__obj_create(const char *name, const struct shmap__hdr *hdr,
                      uint64_t reserve, const shmap_attr *attr,
                      struct shmap__obj *o);
/*
 * As shmap__obj_create; when the object is really created (not found
 * existing), calls on_build(fd, arg) with the object's file while building
 * it, before anyone can open it. A negative return fails the create, which
 * then leaves no object.
 */
int shmap__obj_create_cb(const char *name, const struct shmap__hdr *hdr,
                         uint64_t reserve, const shmap_attr *attr,
                         int (*on_build)(int, void *), void *arg,
                         struct shmap__obj *o);
/* Opens the live object name, which must be of type. */
int shmap__obj_open(const char *name, uint32_t type, unsigned inherit,
                    struct shmap__obj *o);
/*
 * Creates an anonymous object (memfd) with hdr and reserve data bytes;
 * aflags is a mask of SHMAP_ATTR_INHERIT and SHMAP_ATTR_NORESERVE.
 */
int shmap__obj_anon(const struct shmap__hdr *hdr, uint64_t reserve,
                    unsigned aflags, struct shmap__obj *o);
/* Adopts a descriptor from shmap_map_fd; fd is duplicated. */
int shmap__obj_from_fd(int fd, uint32_t type, unsigned inherit,
                       struct shmap__obj *o);
/* Registers a hold made outside this file (an unnamed file mapping). */
void shmap__obj_track(struct shmap__obj *o);
/*
 * Returns a new descriptor (close-on-exec if cloexec) holding the object of
 * o for another process: a hold of its own on a named object, a duplicate
 * of a memfd or file. Or a negative errno.
 */
int shmap__obj_hold_fd(const struct shmap__obj *o, int cloexec);
/*
 * Makes o from a descriptor made by shmap__obj_hold_fd in a parent, taking
 * ownership of fd (the hold it carries becomes o's).
 */
int shmap__obj_adopt(int fd, uint32_t type, struct shmap__obj *o);
/* Releases the hold, removing the name if it was the last one. */
int shmap__obj_close(struct shmap__obj *o);
/* Sweeps leftovers as shmap_sweep does (which see); the first-use sweep
 * is shmap__sweep(0, NULL, NULL). */
int shmap__sweep(unsigned flags, shmap_object_fn fn, void *ctx);
/*
 * Reads the object file fd (st its fstat, path where it was found, in the
 * backing directory) into *info, as shmap_list and shmap_sweep report it:
 * path, mode, owner and global from the file; name, file_path (pointing
 * into *h, which the caller keeps while it uses info), type, size, prot,
 * creator and ctime_ns from the header, only if it is valid and its name
 * leads to this path (for its owner, if Local); otherwise those stay zero
 * and info->error says why (SHMAP_EBADOBJ, SHMAP_EFORMAT). The rest (live,
 * handles, holders, sync) is zero. Reads without locks: the caller decides
 * whether the file can change meanwhile. Returns 1 if the file is a shmap
 * file (it starts with the magic, of any format, or is empty: a create
 * that has not written it yet), 0 if it is not, or a negative errno.
 */
int shmap__info_read(int fd, const struct stat *st, const char *path,
                     struct shmap__hdr *h, shmap_object_info *info);
/* Where the data of a new object starts: the header page, page-aligned. */
uint64_t shmap__data_offset(void);
/* Validates a header read from an object file of st_size bytes: 0,
 * SHMAP_EFORMAT for another format word, or SHMAP_EBADOBJ. */
int shmap__hdr_check(const struct shmap__hdr *h, uint64_t st_size);
/*
 * Whether the backing file st is one its namespace trusts (regular, one
 * link; Local: owned by uid, the user of its Local namespace, mode 0600;
 * Global: a privileged owner and a mode shmap makes): 0, or -EACCES.
 */
struct stat;
int shmap__obj_trusted(int ns, uid_t uid, const struct stat *st);
/* Runs once per process before the first object operation. */
void shmap__init(void);

/*
 * The longest an open or create waits for a lock byte someone else holds
 * (milliseconds) before failing with -EBUSY. Tests may lower it.
 */
#ifndef SHMAP_LOCK_TIMEOUT_MS
#define SHMAP_LOCK_TIMEOUT_MS 30000
#endif
extern int shmap__lock_timeout_ms;
/* How many timeouts a wait on a gate whose file grows may last (object.c).
 * Tests may change it. */
extern int shmap__gate_progress_timeouts;

/*
 * object.c: one fcntl lock command on [start, start + len), retried on
 * EINTR: 0, -EAGAIN if another open file description holds a conflicting
 * lock, or another negative errno.
 */
int shmap__lk(int fd, int cmd, short type, off_t start, off_t len);
/*
 * object.c: a lock another open file description holds over byte, in *fl
 * (l_type F_UNLCK if none), as F_OFD_GETLK tells, which works on a
 * read-only descriptor: 0 or a negative errno.
 */
struct flock;
int shmap__lk_holder(int fd, off_t byte, struct flock *fl);
/* object.c: takes a lock of type on byte, polling a busy byte for at most
 * shmap__lock_timeout_ms (then -EBUSY); never blocks in the kernel. */
int shmap__lk_wait(int fd, short type, off_t byte);

/*
 * object.c: how many OFD locks, read or write, cover byte of the file
 * dev:ino (as fstat gives them), counted in the kernel's lock table
 * (/proc/locks): one per open file description holding it, in every
 * process of the machine, whoever owns them (the table lists OFD locks
 * whatever the reader's pid namespace or privilege). Waiters blocked on a
 * lock and classic POSIX or flock locks are not counted. For an object's
 * holder byte (0) that is the number of handles open on it: each holds it
 * shared, a create still building or a close on its last probe holds it
 * exclusive. A snapshot: holders come and go while the table is read.
 * Returns 0 with the count in *out, or a negative errno (-ENOENT without
 * /proc).
 */
int shmap__lock_holders(dev_t dev, ino_t ino, off_t byte, unsigned *out);
/*
 * object.c: the same count for n files at once: each OFD lock over byte of
 * a file for which which(ctx, dev, ino) returns i >= 0 (-1: a file not
 * counted) counts in counts[i] (n of them). The table is read until two
 * reads agree, as a single read of a changing table may count a lock twice
 * or miss it. 0 or a negative errno.
 */
int shmap__lock_counts(off_t byte, long (*which)(void *, dev_t, ino_t),
                       void *ctx, size_t n, unsigned *counts);

/*
 * share.c: the lock bytes of users' files (see docs/lifetime.md, "Share
 * modes and mapped files"): the last 64 bytes below 2^63, far past any real
 * data; a LockFile built on fcntl locks must refuse ranges reaching them.
 * Every byte but the gate is held shared by the open file descriptions it
 * describes; the gate is held exclusive, briefly.
 */
#define SHMAP__SHARE_BASE ((off_t)0x7fffffffffffffc0)
#define SHMAP__SHARE_LEN 64
#define SHMAP__SHARE_BYTE(b) (SHMAP__SHARE_BASE + (off_t)(b))
enum {
	SHMAP__SB_GATE = 0,     /* serialises check and acquire, truncation */
	SHMAP__SB_ACCESS = 1,   /* + 0, 1, 2: an open with read/write/delete access */
	SHMAP__SB_DENY = 4,     /* + 0, 1, 2: an open not sharing read/write/delete */
	SHMAP__SB_MAPPED = 7,   /* a file mapping (section) or a view of it lives */
	SHMAP__SB_MAPPED_W = 8, /* ... and it is writable (PAGE_READWRITE) */
};
/* Takes byte b shared: 0, -EOPNOTSUPP (someone outside the protocol holds
 * it exclusive) or another negative errno (see shmap__share_unsupported). */
SHMAP__XLIB int shmap__share_lock(int fd, int b);
/* Releases bytes [b, b + n) of this open file description. */
SHMAP__XLIB void shmap__share_unlock(int fd, int b, int n);
/* 1 if another open file description holds byte b, 0 if none does, or a
 * negative errno. */
SHMAP__XLIB int shmap__share_held(int fd, int b);
/* Takes the gate exclusive (fd must be writable), waiting at most the lock
 * timeout: 0, -EBUSY, -EOPNOTSUPP if a lock from outside the protocol (a
 * whole-file fcntl lock, say) covers it, or another negative errno. */
SHMAP__XLIB int shmap__share_gate(int fd);
/* Waits, at most the lock timeout, until nobody holds the gate: 0, -EBUSY,
 * -EOPNOTSUPP as for shmap__share_gate, or another negative errno. Works on
 * a read-only descriptor. */
SHMAP__XLIB int shmap__share_gate_wait(int fd);
/* Whether rc says the file system or kernel has no OFD locks for this file,
 * the descriptor cannot take them, or locks from outside the protocol
 * cover the reserved bytes: the protocol is then skipped. */
SHMAP__XLIB int shmap__share_unsupported(int rc);
/*
 * A file mapping's hold on fd (a readable open file description of its
 * own): the mapped byte, and the writable one if writable, then a wait until
 * no truncation is in progress. 0 (also when the file cannot have such
 * locks), -EBUSY, or another negative errno with nothing held.
 */
int shmap__share_mapped(int fd, int writable);

/*
 * reserve.c: whether bytes more can be reserved in fd's file: 0, -ENOSPC if
 * its filesystem has less space free, -ENOMEM if the file lives in memory
 * (tmpfs, memfd) and available memory plus free swap, system-wide or in the
 * caller's memory cgroup, is less. Sizes below SHMAP__RESERVE_CHECK_MIN are not
 * checked (their reservation fails cleanly on its own).
 */
#define SHMAP__RESERVE_CHECK_MIN (1u << 20)
int shmap__reserve_check(int fd, uint64_t bytes);
/* reserve.c: the room one memory cgroup directory leaves (v2 or v1 files),
 * memory plus at most swap_free of swap; UINT64_MAX when it sets no limit. */
uint64_t shmap__cgroup_dir_room(const char *dir, int v2, uint64_t swap_free);

/* Crash points for the lifetime crash tests: SIGKILL self at step n. */
enum {
	SHMAP__CP_NONE = 0,
	SHMAP__CP_CREATE_FILE,   /* after O_EXCL created an empty file */
	SHMAP__CP_CREATE_GATE,   /* create holds the gate */
	SHMAP__CP_CREATE_EXCL,   /* create holds the exclusive holder lock */
	SHMAP__CP_CREATE_SIZED,  /* data reserved, header not written */
	SHMAP__CP_CREATE_BUILT,  /* header written, lock still exclusive */
	SHMAP__CP_CREATE_SHARED, /* converted to shared, gate still held */
	SHMAP__CP_OPEN_FD,       /* open has an fd, no lock */
	SHMAP__CP_OPEN_GATE,     /* open holds the gate */
	SHMAP__CP_OPEN_SHARED,   /* open holds shared + gate */
	SHMAP__CP_CLOSE_GATE,    /* close holds the gate */
	SHMAP__CP_CLOSE_EXCL,    /* close won the exclusive probe */
	SHMAP__CP_CLOSE_UNLINKED, /* close unlinked the name, locks held */
	SHMAP__CP_STALE_UNLINKED, /* a stale object was unlinked, locks held */
	SHMAP__CP_WAITALL_LOCKED, /* wait-all locked every object, no commit */
	SHMAP__CP_MUTEX_OWNED,    /* a take just wrote the mutex owner word */
	SHMAP__CP_WAITALL_LK,     /* wait-all just took an object's lock owner */
	SHMAP__CP_EVENT_SET,      /* a set changed the state, has not woken */
	SHMAP__CP_CHAN_ASLEEP,    /* a channel wait did half of counting itself
	                           * a sleeper, or of uncounting */
	SHMAP__CP_CHAN_RESCUE,    /* a receiver judged a dead or closed
	                           * receiver's claim its to take over */
	SHMAP__CP_COUNT
};
extern volatile int shmap__crash_at;
/* The signal a crash point sends (0: SIGKILL; SIGSTOP to freeze there). */
extern volatile int shmap__crash_signal;
void shmap__crash_point(int n);
#define SHMAP__CRASH(n)                                                        \
	do {                                                                   \
		if (shmap__crash_at == (n))                                    \
			shmap__crash_point(n);                                 \
	} while (0)

/* sync.c, for tests: called by a wait-all that has locked and checked
 * every object, right before it commits them. */
extern void (*shmap__waitall_hook)(void);
/* sync.c, for tests: whether a wait-all holds s's object locked now. */
int shmap__sync_locked(const shmap_sync *s);

/* map.c: a hold on m's object for a child (see shmap__obj_hold_fd);
 * *unnamed_file says fd is an unnamed file mapping's plain file. */
SHMAP__XLIB int shmap__map_hold(const shmap_map *m, int cloexec, int *fd,
                                int *unnamed_file);
/* map.c: a mapping handle from a held descriptor; takes fd (closes it on
 * failure). */
SHMAP__XLIB int shmap__map_adopt(int fd, unsigned access, shmap_map **out);
/* map.c: an unnamed file mapping of size bytes of the regular file fd, as a
 * parent made it; takes fd (closes it on failure). Never grows the file:
 * SHMAP_EBADOBJ if it is shorter than size. */
SHMAP__XLIB int shmap__map_adopt_file(int fd, uint64_t size,
                                      unsigned prot, shmap_map **out);
/* sync.c: the same for events, mutexes and semaphores; takes fd. */
SHMAP__XLIB int shmap__sync_hold(const shmap_sync *s, int cloexec, int *fd);
SHMAP__XLIB int shmap__sync_adopt(int fd, uint32_t kind, shmap_sync **out);

/*
 * sync.c: the state of the event, mutex or semaphore (kind) whose block is
 * at blk, len bytes: a private copy of it, read from the object's file,
 * which is checked before anything in it is used. Returns 0 with out filled
 * (out->valid 1), or SHMAP_EBADOBJ or SHMAP_EFORMAT (also in out->error).
 */
int shmap__sync_peek(const void *blk, size_t len, uint32_t kind,
                     shmap_sync_state *out);
/*
 * chan.c: the counters of the channel whose block is at blk, len bytes (a
 * private copy read from the object's file, or live memory; the first
 * SHMAP__CHAN_PEEK_MAX bytes are enough), checked before anything in it is
 * used. Returns 0 with out filled (out->valid 1),
 * or SHMAP_EBADOBJ or SHMAP_EFORMAT (also in out->error).
 */
int shmap__chan_peek(const void *blk, size_t len, struct shmap_chan_stats *out);
#define SHMAP__CHAN_PEEK_MAX (512u + 2u * 1023u * 64u)
/* chan.c, for tests: the first position of channels created from now on
 * (0 by default), to run positions across 2^64. */
extern uint64_t shmap__chan_start;

/*
 * inspect.c: the number at index idx (0 first) on the line of the /proc
 * status file path (relative to dirfd, or AT_FDCWD) that starts with key
 * ("Tgid:", "Uid:"): 0, or a negative errno (-ENOENT: no such line).
 */
int shmap__proc_status(int dirfd, const char *path, const char *key,
                       unsigned idx, uint64_t *out);
/* inspect.c, for tests: count resident pages with mincore, never with
 * cachestat, to check what replaces it on older kernels. */
extern int shmap__inspect_no_cachestat;

/*
 * guard.c: a dispatcher for faults, for structured exceptions (the Win32
 * layer's __try). It sees every fault (si_code > 0) that raises SIGBUS or
 * SIGSEGV, except SIGBUS on sync blocks, before guard scopes; guard is the
 * innermost open guard scope of the thread, or NULL. It returns 1 to resume
 * the faulting code, 0 to pass the fault on (to guard, else to the handler
 * installed before shmap's), or leaves by longjmp.
 */
typedef int (*shmap__fault_hook_fn)(int sig, siginfo_t *si, void *uc,
                                    shmap_guard *guard);
/* Installs shmap's SIGBUS and SIGSEGV handlers (once) and sets the
 * dispatcher. Returns 0 or the negative errno of sigaction. */
SHMAP__XLIB int shmap__fault_hook_set(shmap__fault_hook_fn fn);
/* The innermost open guard scope of the calling thread, or NULL. */
SHMAP__XLIB shmap_guard *shmap__guard_top(void);
/* Ends guard scope g by the fault at addr, as its handler does: g's
 * shmap_guard_end will restore mask (the caller's mask if NULL) and
 * return SHMAP_EINPAGE. Async-signal-safe; leaves by longjmp. */
SHMAP__XLIB __attribute__((noreturn)) void
shmap__guard_fault(shmap_guard *g, void *addr, const sigset_t *mask);

/* guard.c: runs fn(a, b, n) under a guard; returns 0 or SHMAP_EINPAGE. */
int shmap__guarded_copy(void *dst, const void *src, size_t n);

/*
 * guard.c: sync blocks whose backing file someone may cut. A SIGBUS on an
 * address in [start, start + len) of a registered region marks it lost and
 * replaces the page-aligned range with private zero pages, so the access
 * completes; callers check shmap__region_lost after touching the block.
 * Faults elsewhere go to guard scopes and then to the handler installed
 * before shmap's. Returns 0, -ENOMEM, or the error installing the handler.
 */
struct shmap__region {
	_Atomic uintptr_t start; /* 0: not in use */
	_Atomic size_t len;
	_Atomic int lost;
	_Atomic int busy;
	struct shmap__region *next; /* set once, before the node is linked */
};
int shmap__region_add(void *start, size_t len, struct shmap__region **out);
/* Unregisters r (NULL is ignored); call before unmapping the range. */
void shmap__region_del(struct shmap__region *r);
/* Whether a fault on r's range lost it (0 for NULL). */
static inline int shmap__region_lost(const struct shmap__region *r)
{
	if (!r)
		return 0;
	/* acquire fence: our reads of the block above stay before the flag's
	 * load, so one that met the zero page sees the flag its handler set
	 * before mapping that page. */
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&r->lost, memory_order_relaxed);
}

/* Saves and restores errno around a public entry point. */
#define SHMAP__ERRNO_SAVE int shmap__saved_errno = errno
#define SHMAP__ERRNO_RESTORE (errno = shmap__saved_errno)

#endif
