/* SPDX-License-Identifier: MIT */
/* shmap: mappings (page-file, file-backed, anonymous) and their views. */
#ifndef SHMAP_MAP_H
#define SHMAP_MAP_H

#include <shmap/common.h>
#include <shmap/object.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An open handle to a mapping object. */
typedef struct shmap_map shmap_map;

/* Protection of a mapping: what its views may ever do (PAGE_* on Windows). */
#define SHMAP_PROT_READONLY 1u
#define SHMAP_PROT_READWRITE 2u
#define SHMAP_PROT_WRITECOPY 3u

/* Access of a handle or a view (FILE_MAP_* on Windows). */
#define SHMAP_ACCESS_READ 0x1u
#define SHMAP_ACCESS_WRITE 0x2u /* implies read */
#define SHMAP_ACCESS_COPY 0x4u  /* copy-on-write view; needs read */
#define SHMAP_ACCESS_ALL (SHMAP_ACCESS_READ | SHMAP_ACCESS_WRITE)
/* Open flag: a forked child gets its own hold on the object. */
#define SHMAP_OPEN_INHERIT 0x100u

/* What shmap_map_query reports about a handle. */
typedef struct shmap_map_info {
	uint64_t size;    /* bytes that views may cover */
	unsigned prot;    /* SHMAP_PROT_* of the mapping object */
	unsigned access;  /* SHMAP_ACCESS_* this handle grants */
	int named;        /* 1 if the object has a name */
	int file_backed;  /* 1 if views reach a user file */
	int existed;      /* 1 if the create call found the name existing */
	int inheritable;  /* 1 if a forked child keeps a hold */
} shmap_map_info;

/*
 * Creates a page-file-backed mapping of size bytes, zero filled, and stores a
 * handle with full access in *out. The memory is reserved now (in time and
 * memory proportional to size), so a full backing filesystem fails here with
 * -ENOSPC, and a size that memory and swap (or the caller's memory cgroup)
 * cannot hold with -ENOMEM, rather than later in a view or by the OOM killer;
 * with SHMAP_ATTR_NORESERVE in attr the mapping is only sized, in constant
 * time, and pages are allocated as first written (see SHMAP_ATTR_NORESERVE).
 * With a NULL or empty name the mapping is anonymous: a sealed memfd that,
 * when attr has SHMAP_ATTR_INHERIT, a forked child keeps using and an exec'd
 * child adopts with shmap_map_open_fd.
 * If the name exists, the existing object is opened instead, its size kept,
 * and shmap_map_existed() reports 1 (unless attr has SHMAP_ATTR_EXCL, which
 * makes this -EEXIST). Returns 0, -EINVAL for size 0 or a bad prot,
 * -ENAMETOOLONG, SHMAP_EBADPATH for a bad prefix, SHMAP_ETYPE if the name holds
 * another object type, SHMAP_EBADOBJ for a corrupt object, SHMAP_EFORMAT
 * for one another version of shmap made in another shared-memory format,
 * -EACCES if the caller may not create or use the name, -EBUSY if another process holds the
 * name's lock longer than the lock timeout (30 s; at once for a lock shmap
 * never takes), or another negative errno.
 */
SHMAP_API int shmap_map_create(const char *name, uint64_t size, unsigned prot,
                               const shmap_attr *attr, shmap_map **out);

/*
 * Creates a mapping whose views reach the open file fd (the file is opened
 * again through it, on an open file description of the mapping's own, or
 * the descriptor duplicated if that fails; the caller keeps its own). The
 * mapping and each of its views hold the file's "mapped" lock byte, so
 * that while any of them lives a Win32 SetEndOfFile below the file's size,
 * CREATE_ALWAYS or TRUNCATE_EXISTING through shmap fails with
 * ERROR_USER_MAPPED_FILE (docs/lifetime.md). size 0 means the file's size; a size
 * larger than the file grows it, with its blocks reserved, which needs a
 * writable file and SHMAP_PROT_READWRITE; the file grows only if this call
 * creates the object. If the name exists, the existing object is returned
 * as it is (its own file, size and protection) and fd is not used. prot must fit how fd was opened. The name rules and
 * the existing-name case are those of shmap_map_create; a named file mapping
 * can be opened by name from other processes, which then open the same file
 * by its path (or through the creator while it lives), with their own
 * permissions on the file. The object's mode never grants write to group or
 * other, since its header names the file. Returns 0, -ENODATA for an empty
 * file with size 0, -EACCES if prot or growth needs access fd lacks, -ENOSPC
 * if the file cannot grow, or the errors of shmap_map_create.
 */
SHMAP_API int shmap_map_create_file(const char *name, int fd, uint64_t size,
                                    unsigned prot, const shmap_attr *attr,
                                    shmap_map **out);

/*
 * Opens the file at path (read-only for SHMAP_PROT_READONLY and
 * SHMAP_PROT_WRITECOPY, read-write for SHMAP_PROT_READWRITE) and behaves as
 * shmap_map_create_file. Returns its results, or the negative errno of open.
 */
SHMAP_API int shmap_map_create_path(const char *name, const char *path,
                                    uint64_t size, unsigned prot,
                                    const shmap_attr *attr, shmap_map **out);

/*
 * Opens the existing mapping called name with access, a mask of
 * SHMAP_ACCESS_* plus optionally SHMAP_OPEN_INHERIT. Returns 0, -ENOENT if no
 * live object has that name, SHMAP_ETYPE if it holds another type, -EACCES
 * if the object's mode, owner or protection refuses the access (or, for a
 * file mapping, the file's permissions do), SHMAP_EBADOBJ for a corrupt
 * object, SHMAP_EFORMAT for one of another shared-memory format, -ESTALE if a file mapping's file can no longer be found, -EBUSY as
 * for shmap_map_create, or another negative errno.
 */
SHMAP_API int shmap_map_open(const char *name, unsigned access,
                             shmap_map **out);

/*
 * Makes a new handle from a descriptor obtained with shmap_map_fd in this or
 * another process (for example inherited across exec), with access as in
 * shmap_map_open. The descriptor is duplicated, not consumed; for a named
 * object the sender must keep its handle until this returns. Returns 0,
 * -EBADF, SHMAP_EBADOBJ if fd is not a shmap object, SHMAP_EFORMAT if it is
 * one of another shared-memory format, SHMAP_ETYPE if it is one of another
 * type, -EACCES, or -ENOENT if a named object is no longer live.
 */
SHMAP_API int shmap_map_open_fd(int fd, unsigned access, shmap_map **out);

/*
 * Closes a handle. When it was the last handle to a named object in any
 * process, the name is removed: a later open fails with -ENOENT and a later
 * create makes a new zero-filled object. Views stay valid until unmapped.
 * The handle is freed in every case; returns 0, or a negative errno if the
 * lifetime protocol met an I/O error. A NULL handle returns 0.
 */
SHMAP_API int shmap_map_close(shmap_map *m);

/* Returns 1 if the create call that made m found the name already existing. */
SHMAP_API int shmap_map_existed(const shmap_map *m);

/* Stores a description of m in *out. Returns 0, or -EINVAL for NULL. */
SHMAP_API int shmap_map_query(const shmap_map *m, shmap_map_info *out);

/*
 * Stores in *out the descriptor of the object behind m (the memfd of an
 * anonymous mapping, the backing file of a named one) for passing to a child,
 * which adopts it with shmap_map_open_fd. The descriptor stays owned by m and
 * is close-on-exec unless the handle is inheritable. Returns 0, -EINVAL for a
 * NULL argument, or -EBADF for a handle that has no object descriptor (an
 * unnamed file mapping) or that a fork made unusable.
 */
SHMAP_API int shmap_map_fd(const shmap_map *m, int *out);

/*
 * Writes the file behind a file-backed mapping to stable storage, data and
 * metadata (the size it grew to): FlushFileBuffers on Windows. Returns 0 (at
 * once for a page-file mapping, which has no disk), a negative errno from
 * fsync, -EINVAL for NULL, or -EBADF for a handle a fork made unusable.
 */
SHMAP_API int shmap_map_sync(shmap_map *m);

/*
 * Maps a view of length bytes starting at offset into the mapping and stores
 * its address in *out. length 0 maps to the end. Any offset is accepted (the
 * Win32 layer adds its 64 KiB granularity rule). access is SHMAP_ACCESS_READ,
 * SHMAP_ACCESS_WRITE (read and write, shared with every view) or
 * SHMAP_ACCESS_COPY (private copy-on-write). The view does not depend on the
 * handle: it stays valid after the handle closes, until shmap_view_unmap.
 * Returns 0, -EINVAL if the range leaves the object or is empty or access is
 * not one of those, -EACCES for a write view the handle or the mapping's
 * protection does not allow (every handle may map read and copy-on-write
 * views), -EBADF for a handle a fork made unusable, -ENOMEM, or -EMFILE
 * when the first view of a file mapping finds no descriptor left for the
 * one its views keep (docs/lifetime.md).
 */
SHMAP_API int shmap_view_map(shmap_map *m, uint64_t offset, size_t length,
                             unsigned access, void **out);

/*
 * As shmap_view_map, placing the view at address at (MapViewOfFileEx). at
 * NULL means anywhere. Returns the results of shmap_view_map, -EINVAL if at
 * or the file offset of the view is not page-aligned, or -EEXIST if memory
 * is already mapped there (nothing is ever replaced).
 */
SHMAP_API int shmap_view_map_at(shmap_map *m, uint64_t offset, size_t length,
                                unsigned access, void *at, void **out);

/*
 * Unmaps the view containing addr. Returns 0, or -EINVAL if addr lies in no
 * view of this process.
 */
SHMAP_API int shmap_view_unmap(void *addr);

/*
 * Writes the dirty pages of [addr, addr+length) of a view to its file and
 * waits for the writes (FlushViewOfFile). length 0 flushes to the end of the
 * view; the range is clipped to the view. Returns 0, -EINVAL if addr lies in
 * no view, or a negative errno from msync.
 */
SHMAP_API int shmap_view_flush(const void *addr, size_t length);

/*
 * Describes the view containing addr: its base address and length. Returns 0
 * or -EINVAL if addr lies in no view of this process. Either out may be NULL.
 */
SHMAP_API int shmap_view_query(const void *addr, void **base, size_t *length);

/*
 * Copies n bytes from view memory at src to dst, returning SHMAP_EINPAGE
 * instead of dying when a page cannot be brought in (the file was truncated
 * by another process, an I/O error, a full /dev/shm under a mapping made with
 * SHMAP_ATTR_NORESERVE). [src, src + n) must lie inside one view of this
 * process, else -EINVAL and nothing is copied. Returns 0 or SHMAP_EINPAGE,
 * after which dst holds an unspecified prefix of the bytes; or, if shmap's
 * SIGBUS handler could not be installed, the negative errno of sigaction,
 * with nothing copied.
 */
SHMAP_API int shmap_view_read(const void *src, void *dst, size_t n);

/*
 * As shmap_view_read, in the other direction: copies into view memory, which
 * must lie inside one writable view (-EACCES for a read-only view).
 */
SHMAP_API int shmap_view_write(void *dst, const void *src, size_t n);

#ifdef __cplusplus
}
#endif

#endif
