/* SPDX-License-Identifier: MIT */
/* shmap: named objects, namespaces, attributes and lifetime. */
#ifndef SHMAP_OBJECT_H
#define SHMAP_OBJECT_H

#include <shmap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Names. A name is "Local\xxx" (private to the calling user; the default when
 * no prefix is given) or "Global\xxx" (machine-wide). Names are case
 * sensitive, may hold any byte but '\' after the prefix, and are at most
 * SHMAP_NAME_MAX characters after the prefix (UTF-8 sequences count as one
 * character), so "x" and "Local\x" are one name with one limit.
 */
#define SHMAP_NAME_MAX 260

/* Object types stored in every object header. */
enum shmap_type {
	SHMAP_TYPE_MAPPING = 1,
	SHMAP_TYPE_EVENT = 2,
	SHMAP_TYPE_MUTEX = 3,
	SHMAP_TYPE_SEMAPHORE = 4,
	SHMAP_TYPE_CHANNEL = 5, /* a message channel (shmap/chan.h) */
};

/* Attribute flags. */
#define SHMAP_ATTR_INHERIT 0x1u /* a forked child gets its own hold */
#define SHMAP_ATTR_EXCL 0x2u    /* fail with -EEXIST instead of opening */
/*
 * A page-file-backed mapping created with SHMAP_ATTR_NORESERVE is only sized,
 * not reserved (Windows' SEC_RESERVE): the create is O(1) whatever the size,
 * and memory is taken as pages are first written. If /dev/shm (or memory)
 * runs out then, the access raises SIGBUS: use shmap_view_write or a guard
 * scope (shmap/guard.h) to get SHMAP_EINPAGE instead. Ignored for file
 * mappings and for a name that exists already.
 */
#define SHMAP_ATTR_NORESERVE 0x4u

/*
 * Creation attributes, the counterpart of SECURITY_ATTRIBUTES. A NULL
 * attribute pointer means all defaults. mode is the permission of a Global
 * object (0 means 0600); Local objects are always 0600. The owner always
 * reads and writes; group and other each get read and write (6) or nothing:
 * read-only bits are dropped (0644 gives 0600), and a class with write but
 * not read makes the create fail with -EACCES. flags is a mask of
 * SHMAP_ATTR_* values.
 */
typedef struct shmap_attr {
	unsigned mode;
	unsigned flags;
} shmap_attr;

/*
 * Removes what holders killed by a signal left in the backing directory: every
 * object of the caller's namespaces (its Local names; Global names too when
 * privileged) that no process holds and that the namespace would let it open,
 * if its file is a shmap object's or empty. Live objects, files squatted by
 * other users and files that are no objects are never touched. The same as
 * shmap_sweep(0, NULL, NULL) (shmap/inspect.h), which can also name each
 * one. Returns the number of objects removed, or a negative error code if
 * the backing directory cannot be read.
 */
SHMAP_API int shmap_gc(void);

/*
 * Returns the backing directory in use: the value of the SHMAP_DIR
 * environment variable when the library was first used (if shorter than
 * PATH_MAX), else "/dev/shm". Each process sweeps its leftovers there (see
 * shmap_gc) at its first object operation, not at this call.
 */
SHMAP_API const char *shmap_backing_dir(void);

#ifdef __cplusplus
}
#endif

#endif
