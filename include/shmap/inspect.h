/* SPDX-License-Identifier: MIT */
/* shmap: read-only inspection of objects, their holders and their state. */
#ifndef SHMAP_INSPECT_H
#define SHMAP_INSPECT_H

#include <sys/types.h>

#include <shmap/chan.h>
#include <shmap/common.h>
#include <shmap/map.h>
#include <shmap/object.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Everything here reads; nothing takes a hold, a lock or a place in a table
 * of waiters, so a monitor never changes an object's lifetime or wakes a
 * waiter. What it reports is a snapshot: holders come and go while it runs.
 *
 * The structures below are the library's, passed to callbacks by pointer
 * and valid only during the call. Later versions may add fields at their
 * ends: read them through the pointer, never copy or allocate them by size.
 */

/*
 * Access bits of a view or a holder (shmap_view_info, shmap_holder_info):
 * SHMAP_ACCESS_READ (pages can be read), SHMAP_ACCESS_WRITE (written,
 * shared with all) and SHMAP_ACCESS_COPY (copy-on-write: writes stay
 * private) of shmap/map.h, and: */
#define SHMAP_ACCESS_EXEC 0x8u /* pages can be executed */

/*
 * The state of an event, mutex or semaphore, read from its shared block
 * without taking it. valid is 0 (and the rest zero) when the block could not
 * be read or checked; error then says why.
 */
typedef struct shmap_sync_state {
	int valid;
	int error;          /* 0, or the code that kept the block unread */
	int set;            /* event: 1 if signalled */
	int manual_reset;   /* event: 1 for a manual-reset event */
	uint32_t count;     /* semaphore: the count now */
	uint32_t max;       /* semaphore: the maximum count */
	pid_t owner_pid;    /* mutex: the owner's process, 0 if free or unknown */
	pid_t owner_tid;    /* mutex: the owner's thread, 0 if free */
	int abandoned;      /* mutex: the owner thread ended without releasing */
	uint32_t recursion; /* mutex: how many times the owner holds it */
	uint32_t waiters;   /* threads waiting for it now, as far as the block
	                     * tells (a killed waiter may count until swept) */
} shmap_sync_state;

/*
 * One object of the backing directory, as shmap_list and shmap_sweep report
 * it. Fields from the header are zero (strings NULL) when error is not 0.
 */
typedef struct shmap_object_info {
	/* The canonical name from the object's header ("Local\x", "Global\x"),
	 * or NULL when the header could not be read (see error). */
	const char *name;
	const char *path;      /* the backing file */
	const char *file_path; /* a file-backed mapping's data file, else NULL */
	/* 0, or why the header could not be read: -EACCES (the caller may not
	 * read the file), SHMAP_EBADOBJ (not a valid object, or a create that
	 * has not finished), SHMAP_EFORMAT (another version's layout). */
	int error;
	enum shmap_type type;
	uint64_t size;   /* bytes of data */
	unsigned prot;   /* mapping: SHMAP_PROT_* of the section; else 0 */
	unsigned mode;   /* permission bits of the backing file */
	uid_t owner;     /* owner of the backing file */
	uid_t creator_uid;
	pid_t creator_pid;
	uint64_t ctime_ns; /* creation, CLOCK_REALTIME nanoseconds */
	int global;        /* 1 for a Global name, 0 for Local */
	/* 1 while some process holds it; 0 for a leftover of killed holders
	 * (shmap_gc removes those). */
	int live;
	/* Handles open on the object in every process of the machine, read
	 * from the kernel's lock table, processes the caller may not inspect
	 * included: one snapshot while the table fits in one read (some 80
	 * locks on the machine); a larger one is read until two reads agree,
	 * and may miss or double a handle while locks come and go. */
	unsigned handles;
	/* Processes found holding a handle or a view, among those the caller
	 * may inspect (see processes_hidden). */
	unsigned processes;
	unsigned views; /* views mapped in those processes */
	/* Processes whose descriptors and maps the caller may not read (other
	 * users', without privilege): holders among them are counted in
	 * handles, not in processes or views. */
	unsigned processes_hidden;
	/* Bytes of data in memory now; 0 where the kernel will not tell the
	 * caller (a file it neither owns nor may write, without CAP_FOWNER),
	 * and for a file mapping whose data file is not the object owner's
	 * (unless that owner is root or the caller): an object's header must
	 * not make a monitor measure a file its owner could not. */
	uint64_t resident;
	shmap_sync_state sync; /* events, mutexes, semaphores */
	/* Channels: the counters shmap_chan_stats reports (reader[] in table
	 * order), read from the object's file; valid 0 for other types. */
	struct shmap_chan_stats chan;
} shmap_object_info;

/* Called once per object; a nonzero return stops the walk and is returned. */
typedef int (*shmap_object_fn)(const shmap_object_info *obj, void *ctx);

/* Flags of shmap_list. */
#define SHMAP_LIST_ALL_USERS 0x1u /* every user's Local names (privileged) */
#define SHMAP_LIST_NO_HOLDERS 0x2u /* skip the /proc walk: processes, views
                                    * and processes_hidden stay 0 */

/*
 * Calls fn for every object in the backing directory that the caller can
 * see: its own Local names and every Global name, and with
 * SHMAP_LIST_ALL_USERS every user's Local names too (only when privileged:
 * root, or CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH; otherwise -EPERM).
 * Files that are not shmap objects are skipped; leftovers are reported
 * with live 0. Objects are reported in name order, then those whose header
 * could not be read (no name: see error) by path. Returns 0, fn's
 * nonzero return, or a negative error code if the directory cannot be
 * read.
 */
SHMAP_API int shmap_list(unsigned flags, shmap_object_fn fn, void *ctx);

/*
 * Reports the object name, as one entry of shmap_list would, into fn.
 * Returns 0, fn's nonzero return, -ENOENT if no such object exists (a
 * leftover is reported, with live 0), SHMAP_EBADPATH for a malformed name,
 * or another negative error code.
 */
SHMAP_API int shmap_inspect(const char *name, shmap_object_fn fn, void *ctx);

/* One view of an object in a holder's address space. */
typedef struct shmap_view_info {
	uint64_t start, end; /* address range [start, end) */
	uint64_t offset;     /* offset of start in the object's data */
	unsigned access;     /* SHMAP_ACCESS_* */
} shmap_view_info;

/*
 * One process holding an object: handles open on it, views mapped of it, or
 * both (a process that closed its handles but kept a view still holds the
 * object's memory).
 */
typedef struct shmap_holder_info {
	pid_t pid;
	uid_t uid;
	const char *command; /* its command line, arguments joined by spaces */
	unsigned handles;    /* descriptors open on the object */
	unsigned nviews;
	const shmap_view_info *views; /* nviews entries, by address */
	unsigned access; /* the union of the views' access bits (0: none) */
} shmap_holder_info;

typedef int (*shmap_holder_fn)(const shmap_holder_info *h, void *ctx);

/* What shmap_holders could and could not see. */
typedef struct shmap_holders_summary {
	unsigned handles;          /* handles open machine-wide (lock table) */
	unsigned handles_seen;     /* of those, found in inspected processes */
	unsigned processes;        /* holders reported */
	unsigned processes_hidden; /* processes the caller may not inspect */
	/* 1 when every holder was seen: processes_hidden is 0, or
	 * handles_seen >= handles and no hidden process could hold a view
	 * the caller cannot see (the object has none: not a mapping). */
	int complete;
} shmap_holders_summary;

/*
 * Calls fn for each process holding the object name, in pid order: as a
 * privileged caller every process, otherwise every process of the caller's
 * user. Found through /proc (descriptors, fdinfo, maps); the kernel's lock
 * table gives the machine-wide count of handles. *summary (if not NULL)
 * says what could not be seen. Returns 0, fn's nonzero return, -ENOENT if
 * no such object exists, SHMAP_EBADPATH, or another negative error code.
 */
SHMAP_API int shmap_holders(const char *name, shmap_holder_fn fn, void *ctx,
                            shmap_holders_summary *summary);

/* Flags of shmap_sweep. */
#define SHMAP_SWEEP_DRY_RUN 0x1u /* report what would go; remove nothing */

/*
 * Removes what holders killed by a signal left in the backing directory, as
 * shmap_gc does, calling fn (if not NULL) for each object removed, or with
 * SHMAP_SWEEP_DRY_RUN that would be removed, before it goes. A leftover is
 * an object file that no process holds, with a shmap header, or empty (a
 * create killed before it wrote one); a file with the prefix that is
 * neither is never removed. Returns the number of objects removed (or that
 * would be), fn's nonzero return (the walk stops, what went is gone), or a
 * negative error code if the backing directory cannot be read.
 */
SHMAP_API int shmap_sweep(unsigned flags, shmap_object_fn fn, void *ctx);

/*
 * Removes the name of a live object now, as an administrator does with
 * ipcrm: handles and views keep working, and the object's memory goes with
 * the last of them, but the name is free: an open finds nothing, a create
 * makes a new object. The caller must own the backing file or be
 * privileged (-EPERM otherwise). *handles (if not NULL) receives the
 * number of handles still open on the object. Returns 0, -ENOENT,
 * SHMAP_EBADPATH, -EBUSY if a create or close holds the name past the lock
 * timeout, or another negative error code.
 */
SHMAP_API int shmap_unlink(const char *name, unsigned *handles);

#ifdef __cplusplus
}
#endif

#endif
