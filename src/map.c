/* SPDX-License-Identifier: MIT */
/* Mappings: page-file-backed, file-backed and anonymous; views of them. */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/*
 * A file mapping's descriptor that its views keep, so that the section's
 * lock bytes live while any view does, even where a memory mapping does
 * not reference the open file description it was made from (overlayfs):
 * one for the mapping and all its views, made with the first view and
 * closed with the last reference.
 */
struct vhold {
	int fd;
	unsigned refs; /* the mapping's and each view's; under g_views */
};

struct shmap_map {
	/* The hold: a named object, a memfd, or for an unnamed file mapping
	 * the file itself. fd -1 once a fork made the handle unusable. */
	struct shmap__obj obj;
	int file_fd;       /* named file mapping: the user's file, else -1 */
	uint64_t data_off; /* file offset of the mapping's byte 0 */
	uint64_t size;
	unsigned prot, access;
	int file_backed;
	struct vhold *vh; /* a file mapping's, once it has had a view */
};

static void vhold_put(struct vhold *h);

/* The descriptor views map. */
static int data_fd(const shmap_map *m)
{
	return m->file_fd >= 0 ? m->file_fd : m->obj.fd;
}

static int prot_ok(unsigned prot)
{
	return prot == SHMAP_PROT_READONLY || prot == SHMAP_PROT_READWRITE ||
	       prot == SHMAP_PROT_WRITECOPY;
}

/* Normalises a handle access mask; 0 if it is not one. */
static unsigned handle_access(unsigned a)
{
	a &= ~SHMAP_OPEN_INHERIT;
	if (!a || (a & ~(SHMAP_ACCESS_READ | SHMAP_ACCESS_WRITE |
	                 SHMAP_ACCESS_COPY)))
		return 0;
	if (a & SHMAP_ACCESS_WRITE)
		a |= SHMAP_ACCESS_READ;
	return a;
}

static int map_alloc(shmap_map **out)
{
	shmap_map *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	m->obj.fd = -1;
	m->file_fd = -1;
	*out = m;
	return 0;
}

static void map_free(shmap_map *m)
{
	if (!m)
		return;
	vhold_put(m->vh);
	if (m->file_fd >= 0)
		close(m->file_fd);
	if (m->obj.fd >= 0 || m->obj.path)
		shmap__obj_close(&m->obj);
	free(m);
}

/* Opens path only if it is the regular file dev/ino, without blocking. A
 * failed open that says nothing of the file (no permission, no descriptor
 * or memory left) leaves its errno in *err. */
static int open_exact(const char *path, int fl, uint64_t dev, uint64_t ino,
                      int *err)
{
	struct stat st;
	/* Check before opening: a damaged header may name a FIFO or device. */
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino)
		return -1;
	int fd = open(path, fl | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == EACCES || errno == EMFILE || errno == ENFILE ||
		    errno == ENOMEM)
			*err = errno;
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino ||
	    fcntl(fd, F_SETFL, fl & O_ACCMODE) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Opens the file behind a named file mapping: by its stored path, or through
 * the creator's descriptor while the creator lives; either way it must be the
 * very file (device and inode) the creator mapped, and long enough.
 */
static int attach_file(shmap_map *m)
{
	const struct shmap__hdr *h = &m->obj.hdr;
	int fl = (m->access & SHMAP_ACCESS_WRITE ? O_RDWR : O_RDONLY) |
	         (m->obj.oflags & SHMAP__OF_INHERIT ? 0 : O_CLOEXEC);
	int err = 0, fd = -1;
	char proc[64];
	struct stat st;
	/* The header names the file: trust it only if nobody but its owner
	 * (whom the namespace checks vouched for) can have written it. */
	if (m->obj.mode & 022)
		return -EACCES;
	if (h->path_len)
		fd = open_exact(h->path, fl, h->file_dev, h->file_ino, &err);
	if (fd < 0 && h->creator_fd >= 0) {
		snprintf(proc, sizeof proc, "/proc/%u/fd/%d",
		         (unsigned)h->creator_pid, (int)h->creator_fd);
		fd = open_exact(proc, fl, h->file_dev, h->file_ino, &err);
	}
	if (fd < 0)
		return err ? -err : -ESTALE;
	/* The section's hold on the file, before its size is trusted. */
	int rc = shmap__share_mapped(fd, h->prot == SHMAP_PROT_READWRITE);
	if (rc) {
		close(fd);
		return rc;
	}
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size < h->size) {
		close(fd);
		return SHMAP_EBADOBJ; /* the file is shorter than the mapping */
	}
	m->file_fd = fd;
	return 0;
}

/* Fills the handle from the validated header of a mapping object. */
static int from_hdr(shmap_map *m, unsigned access)
{
	const struct shmap__hdr *h = &m->obj.hdr;
	if (!prot_ok(h->prot) || h->size == 0)
		return SHMAP_EBADOBJ;
	if ((access & SHMAP_ACCESS_WRITE) && h->prot != SHMAP_PROT_READWRITE)
		return -EACCES;
	m->size = h->size;
	m->prot = h->prot;
	m->access = access;
	if (h->flags & SHMAP__HF_FILE) {
		m->file_backed = 1;
		m->data_off = 0;
		return attach_file(m);
	}
	m->data_off = h->data_offset;
	return 0;
}

/* A creator's handle has full access, or what the protection leaves. */
static int from_hdr_create(shmap_map *m)
{
	unsigned access = SHMAP_ACCESS_ALL | SHMAP_ACCESS_COPY;
	if (m->obj.hdr.prot != SHMAP_PROT_READWRITE)
		access = SHMAP_ACCESS_READ | SHMAP_ACCESS_COPY;
	return from_hdr(m, access);
}

static int finish_out(int rc, shmap_map *m, shmap_map **out)
{
	if (rc) {
		map_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int shmap_map_create(const char *name, uint64_t size, unsigned prot,
                     const shmap_attr *attr, shmap_map **out)
{
	SHMAP__ERRNO_SAVE;
	struct shmap__hdr tmpl;
	shmap_map *m = NULL;
	int rc = -EINVAL;
	if (out && size && prot_ok(prot))
		rc = map_alloc(&m);
	if (rc == 0) {
		memset(&tmpl, 0, sizeof tmpl);
		tmpl.type = SHMAP_TYPE_MAPPING;
		tmpl.prot = prot;
		tmpl.size = size;
		if (!name || !*name) {
			tmpl.flags = SHMAP__HF_ANON;
			rc = shmap__obj_anon(&tmpl, size,
			                     attr ? attr->flags &
			                                    (SHMAP_ATTR_INHERIT |
			                                     SHMAP_ATTR_NORESERVE)
			                          : 0,
			                     &m->obj);
		} else {
			rc = shmap__obj_create(name, &tmpl, size, attr, &m->obj);
		}
		if (rc == 0)
			rc = from_hdr_create(m);
		rc = finish_out(rc, m, out);
	}
	SHMAP__ERRNO_RESTORE;
	return rc;
}

/* The path of fd, or "" if it has none a stranger could open. */
static void fd_path(int fd, char *buf, size_t len)
{
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, buf, len - 1);
	if (n <= 0 || (size_t)n >= len - 1 || buf[0] != '/') {
		buf[0] = 0;
		return;
	}
	buf[n] = 0;
	static const char del[] = " (deleted)";
	size_t dl = sizeof del - 1;
	if ((size_t)n >= dl && !strcmp(buf + n - dl, del))
		buf[0] = 0;
}

/*
 * Grows a file from old to size bytes with its blocks reserved, so a full
 * disk fails here, not as SIGBUS in a view; on failure the file is as it was.
 */
static int grow_file(int fd, uint64_t old, uint64_t size)
{
	int rc = shmap__reserve_check(fd, size - old);
	if (rc)
		return rc;
	while (fallocate(fd, 0, (off_t)old, (off_t)(size - old)) < 0) {
		if (errno == EINTR)
			continue;
		rc = -errno;
		break;
	}
	if (rc == -EOPNOTSUPP || rc == -ENOSYS)
		rc = ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
	if (rc) {
		struct stat st;
		if (fstat(fd, &st) == 0 && (uint64_t)st.st_size != old)
			(void)!ftruncate(fd, (off_t)old);
	}
	return rc;
}

struct grow {
	int fd;
	uint64_t old, size;
};

static int grow_cb(int obj_fd, void *arg)
{
	(void)obj_fd; /* the header file; it is the user's file that grows */
	struct grow *g = arg;
	return grow_file(g->fd, g->old, g->size);
}

/* Completes m, unnamed and file-backed over fd: the hold is the file itself. */
static void unnamed_file_done(shmap_map *m, int fd, uint64_t size,
                              unsigned prot)
{
	m->obj.fd = fd;
	m->size = size;
	m->prot = prot;
	m->access = prot == SHMAP_PROT_READWRITE
	                    ? SHMAP_ACCESS_ALL | SHMAP_ACCESS_COPY
	                    : SHMAP_ACCESS_READ | SHMAP_ACCESS_COPY;
	m->file_backed = 1;
	shmap__obj_track(&m->obj);
}

/*
 * A descriptor of fd's file on an open file description of its own (so
 * that the mapping's lock bytes are its own, not those of the caller's
 * descriptor), readable, and writable if fd is; a duplicate of fd if the
 * file cannot be reopened. -errno on failure.
 */
static int own_description(int fd, int acc, unsigned inherit,
                           const struct stat *st)
{
	char proc[64];
	struct stat nst;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	int nfd = open(proc, (acc == O_RDWR ? O_RDWR : O_RDONLY) | O_NOCTTY |
	                             O_NONBLOCK | (inherit ? 0 : O_CLOEXEC));
	if (nfd >= 0 && nfd < 3) {
		int hi = fcntl(nfd, inherit ? F_DUPFD : F_DUPFD_CLOEXEC, 3);
		close(nfd);
		nfd = hi;
	}
	if (nfd >= 0 &&
	    (fstat(nfd, &nst) < 0 || nst.st_dev != st->st_dev ||
	     nst.st_ino != st->st_ino ||
	     fcntl(nfd, F_SETFL, acc == O_RDWR ? O_RDWR : O_RDONLY) < 0)) {
		close(nfd);
		nfd = -1;
	}
	if (nfd < 0)
		nfd = fcntl(fd, inherit ? F_DUPFD : F_DUPFD_CLOEXEC, 3);
	return nfd < 0 ? -errno : nfd;
}

static int create_file(const char *name, int fd, uint64_t size, unsigned prot,
                       const shmap_attr *attr, shmap_map **out)
{
	struct stat st;
	shmap_map *m = NULL;
	unsigned inherit = attr && (attr->flags & SHMAP_ATTR_INHERIT);
	if (!out || !prot_ok(prot))
		return -EINVAL;
	if (fd < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	int acc = fcntl(fd, F_GETFL);
	if (acc < 0)
		return -errno;
	acc &= O_ACCMODE;
	if (acc == O_WRONLY ||
	    (prot == SHMAP_PROT_READWRITE && acc != O_RDWR))
		return -EACCES;
	int dfd = own_description(fd, acc, inherit, &st);
	if (dfd < 0)
		return dfd;
	/* The section's hold on the file, before its size is read: from now
	 * on no truncation through shmap shrinks it. */
	int rc = shmap__share_mapped(dfd, prot == SHMAP_PROT_READWRITE);
	if (rc == 0 && fstat(dfd, &st) < 0)
		rc = -errno;
	if (rc == 0 && size == 0) {
		if (st.st_size == 0)
			rc = -ENODATA;
		size = (uint64_t)st.st_size;
	}
	if (rc == 0 && size > (uint64_t)INT64_MAX)
		rc = -EINVAL;
	/* A larger size grows the file, as Windows does, before anyone maps;
	 * for a name, only if this call creates the object. */
	struct grow grow = {dfd, (uint64_t)st.st_size, size};
	if (rc == 0 && size > grow.old && prot != SHMAP_PROT_READWRITE)
		rc = -EACCES;
	if (rc == 0 && size > grow.old && (!name || !*name))
		rc = grow_cb(-1, &grow);
	if (rc == 0)
		rc = map_alloc(&m);
	if (rc) {
		close(dfd);
		return rc;
	}
	if (!name || !*name) {
		/* Unnamed: the hold is the file itself. */
		memset(&m->obj.hdr, 0, sizeof m->obj.hdr);
		m->obj.oflags = inherit ? SHMAP__OF_INHERIT : 0;
		unnamed_file_done(m, dfd, size, prot);
		*out = m;
		return 0;
	}
	struct shmap__hdr tmpl;
	memset(&tmpl, 0, sizeof tmpl);
	tmpl.type = SHMAP_TYPE_MAPPING;
	tmpl.prot = prot;
	tmpl.size = size;
	tmpl.flags = SHMAP__HF_FILE;
	tmpl.file_dev = (uint64_t)st.st_dev;
	tmpl.file_ino = (uint64_t)st.st_ino;
	tmpl.creator_fd = dfd;
	fd_path(dfd, tmpl.path, sizeof tmpl.path);
	tmpl.path_len = (uint32_t)strlen(tmpl.path);
	/* Others must never write a header that names a file (see
	 * attach_file): group and other get read permission at most. */
	shmap_attr fattr = {0600, 0};
	if (attr) {
		fattr = *attr;
		fattr.mode &= ~022u;
	}
	rc = shmap__obj_create_cb(name, &tmpl, 0, &fattr,
	                          size > grow.old ? grow_cb : NULL, &grow,
	                          &m->obj);
	if (rc == 0 && !(m->obj.oflags & SHMAP__OF_EXISTED)) {
		m->file_fd = dfd;
		dfd = -1;
	}
	if (dfd >= 0)
		close(dfd); /* an existing object brings its own file */
	if (rc == 0 && m->file_fd >= 0) {
		m->size = size;
		m->prot = prot;
		m->access = prot == SHMAP_PROT_READWRITE
		                    ? SHMAP_ACCESS_ALL | SHMAP_ACCESS_COPY
		                    : SHMAP_ACCESS_READ | SHMAP_ACCESS_COPY;
		m->file_backed = 1;
	} else if (rc == 0) {
		rc = from_hdr_create(m);
	}
	return finish_out(rc, m, out);
}

int shmap_map_create_file(const char *name, int fd, uint64_t size,
                          unsigned prot, const shmap_attr *attr,
                          shmap_map **out)
{
	SHMAP__ERRNO_SAVE;
	int rc = create_file(name, fd, size, prot, attr, out);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_map_create_path(const char *name, const char *path, uint64_t size,
                          unsigned prot, const shmap_attr *attr,
                          shmap_map **out)
{
	SHMAP__ERRNO_SAVE;
	int rc = -EINVAL;
	if (path && prot_ok(prot)) {
		int fd = open(path, (prot == SHMAP_PROT_READWRITE ? O_RDWR
		                                                   : O_RDONLY) |
		                            O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
		} else {
			rc = create_file(name, fd, size, prot, attr, out);
			close(fd);
		}
	}
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_map_open(const char *name, unsigned access, shmap_map **out)
{
	SHMAP__ERRNO_SAVE;
	shmap_map *m = NULL;
	unsigned a = handle_access(access);
	int rc = -EINVAL;
	if (out && a && name && *name)
		rc = map_alloc(&m);
	if (rc == 0) {
		rc = shmap__obj_open(name, SHMAP_TYPE_MAPPING,
		                     access & SHMAP_OPEN_INHERIT, &m->obj);
		if (rc == 0)
			rc = from_hdr(m, a);
		rc = finish_out(rc, m, out);
	}
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_map_open_fd(int fd, unsigned access, shmap_map **out)
{
	SHMAP__ERRNO_SAVE;
	shmap_map *m = NULL;
	unsigned a = handle_access(access);
	int rc = -EINVAL;
	if (out && a)
		rc = map_alloc(&m);
	if (rc == 0) {
		rc = shmap__obj_from_fd(fd, SHMAP_TYPE_MAPPING,
		                        access & SHMAP_OPEN_INHERIT, &m->obj);
		if (rc == 0)
			rc = from_hdr(m, a);
		rc = finish_out(rc, m, out);
	}
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_map_close(shmap_map *m)
{
	SHMAP__ERRNO_SAVE;
	int rc = 0;
	if (m) {
		vhold_put(m->vh);
		if (m->file_fd >= 0)
			close(m->file_fd);
		m->file_fd = -1;
		rc = shmap__obj_close(&m->obj);
		free(m);
	}
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_map_existed(const shmap_map *m)
{
	return m && (m->obj.oflags & SHMAP__OF_EXISTED) ? 1 : 0;
}

int shmap_map_query(const shmap_map *m, shmap_map_info *out)
{
	if (!m || !out)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	out->size = m->size;
	out->prot = m->prot;
	out->access = m->access;
	out->named = (m->obj.oflags & SHMAP__OF_NAMED) != 0;
	out->file_backed = m->file_backed;
	out->existed = shmap_map_existed(m);
	out->inheritable = (m->obj.oflags & SHMAP__OF_INHERIT) != 0;
	return 0;
}

int shmap_map_fd(const shmap_map *m, int *out)
{
	if (!m || !out)
		return -EINVAL;
	if (m->obj.fd < 0 ||
	    (m->file_backed && !(m->obj.oflags & SHMAP__OF_NAMED)))
		return -EBADF;
	*out = m->obj.fd;
	return 0;
}

int shmap_map_sync(shmap_map *m)
{
	SHMAP__ERRNO_SAVE;
	int rc = 0;
	if (!m)
		rc = -EINVAL;
	else if (m->obj.fd < 0)
		rc = -EBADF;
	else if (m->file_backed && fsync(data_fd(m)) < 0)
		rc = -errno;
	SHMAP__ERRNO_RESTORE;
	return rc;
}

/* The views of this process, found by any address inside them. */
struct view {
	char *base;     /* what the caller got */
	size_t len;     /* what the caller asked for */
	void *map_base; /* page-aligned start of the kernel mapping */
	size_t map_len;
	int writable;   /* mapped with PROT_WRITE (shared or copy) */
	struct vhold *vh; /* a file's view: its mapping's hold, else NULL */
	struct view *next;
};

static pthread_mutex_t g_views = PTHREAD_MUTEX_INITIALIZER;
static struct view *g_view_head;
static pthread_once_t g_views_once = PTHREAD_ONCE_INIT;

/*
 * fork copies g_views in whatever state another thread left it: held across
 * fork, the child could never take it again. fork takes it first instead.
 */
static void views_prepare(void)
{
	pthread_mutex_lock(&g_views);
}

static void views_release(void)
{
	pthread_mutex_unlock(&g_views);
}

static void views_atfork_init(void)
{
	pthread_atfork(views_prepare, views_release, views_release);
}

/* Takes the view-table lock, registering its fork handler on first use. */
static void views_lock(void)
{
	pthread_once(&g_views_once, views_atfork_init);
	pthread_mutex_lock(&g_views);
}

/* A reference to m's view hold in *out, made with its first view: 0, or
 * -EMFILE or another negative errno if no descriptor could be had. */
static int vhold_get(shmap_map *m, struct vhold **out)
{
	int rc = 0;
	views_lock();
	if (!m->vh) {
		struct vhold *h = malloc(sizeof *h);
		int fd = h ? fcntl(data_fd(m), F_DUPFD_CLOEXEC, 3) : -1;
		if (fd < 0) {
			rc = h ? -errno : -ENOMEM;
			free(h);
		} else {
			h->fd = fd;
			h->refs = 1; /* the mapping's */
			m->vh = h;
		}
	}
	if (rc == 0) {
		m->vh->refs++;
		*out = m->vh;
	}
	pthread_mutex_unlock(&g_views);
	return rc;
}

/* Drops a reference to a view hold (NULL: none), closing it with the
 * last. */
static void vhold_put(struct vhold *h)
{
	if (!h)
		return;
	views_lock();
	int last = --h->refs == 0;
	pthread_mutex_unlock(&g_views);
	if (last) {
		close(h->fd);
		free(h);
	}
}

/* Finds the view containing addr; call with g_views held. */
static struct view **view_find(const void *addr)
{
	const char *a = addr;
	for (struct view **p = &g_view_head; *p; p = &(*p)->next)
		if (a >= (*p)->base && a < (*p)->base + (*p)->len)
			return p;
	return NULL;
}

static int view_map(shmap_map *m, uint64_t offset, size_t length,
                    unsigned access, void *at, void **out);

int shmap_view_map(shmap_map *m, uint64_t offset, size_t length,
                   unsigned access, void **out)
{
	SHMAP__ERRNO_SAVE;
	int rc = view_map(m, offset, length, access, NULL, out);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_view_map_at(shmap_map *m, uint64_t offset, size_t length,
                      unsigned access, void *at, void **out)
{
	SHMAP__ERRNO_SAVE;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int rc = -EINVAL;
	if (!at)
		rc = view_map(m, offset, length, access, NULL, out);
	else if ((uintptr_t)at % pg == 0 && m && (m->data_off + offset) % pg == 0)
		rc = view_map(m, offset, length, access, at, out);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

static int view_map(shmap_map *m, uint64_t offset, size_t length,
                    unsigned access, void *at, void **out)
{
	int rc = 0;
	int prot = PROT_READ, flags = MAP_SHARED;
	struct view *v = NULL;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	if (!m || !out) {
		rc = -EINVAL;
	} else if (m->obj.fd < 0) {
		rc = -EBADF;
	} else if (access == SHMAP_ACCESS_READ) {
		if (!(m->access & (SHMAP_ACCESS_READ | SHMAP_ACCESS_COPY)))
			rc = -EACCES;
	} else if (access == SHMAP_ACCESS_WRITE ||
	           access == (SHMAP_ACCESS_READ | SHMAP_ACCESS_WRITE)) {
		if (!(m->access & SHMAP_ACCESS_WRITE) ||
		    m->prot != SHMAP_PROT_READWRITE)
			rc = -EACCES;
		prot |= PROT_WRITE;
	} else if (access == SHMAP_ACCESS_COPY ||
	           access == (SHMAP_ACCESS_READ | SHMAP_ACCESS_COPY)) {
		prot |= PROT_WRITE;
		flags = MAP_PRIVATE;
	} else {
		rc = -EINVAL;
	}
	if (rc == 0 && offset >= m->size)
		rc = -EINVAL;
	if (rc == 0 && length == 0) {
		if (m->size - offset > (uint64_t)(SIZE_MAX - pg))
			rc = -ENOMEM;
		else
			length = (size_t)(m->size - offset);
	}
	if (rc == 0 && (uint64_t)length > m->size - offset)
		rc = -EINVAL;
	if (rc == 0 && !(v = calloc(1, sizeof *v)))
		rc = -ENOMEM;
	if (rc == 0 && m->file_backed && (rc = vhold_get(m, &v->vh)))
		free(v);
	if (rc == 0) {
		uint64_t foff = m->data_off + offset;
		size_t delta = (size_t)(foff % pg);
		if (length > SIZE_MAX - pg - delta) {
			rc = -ENOMEM;
		} else {
			v->map_len = length + delta;
			/* At a given address only if it is free: never over
			 * someone else's memory. */
			v->map_base = mmap(at, v->map_len, prot,
			                   flags | (at ? MAP_FIXED_NOREPLACE : 0),
			                   data_fd(m), (off_t)(foff - delta));
			if (v->map_base == MAP_FAILED) {
				rc = -errno;
			} else if (at && v->map_base != at) {
				/* A kernel without MAP_FIXED_NOREPLACE
				 * treats it as a hint. */
				munmap(v->map_base, v->map_len);
				rc = -EEXIST;
			}
		}
		if (rc == 0) {
			v->base = (char *)v->map_base + delta;
			v->len = length;
			v->writable = (prot & PROT_WRITE) != 0;
			views_lock();
			v->next = g_view_head;
			g_view_head = v;
			pthread_mutex_unlock(&g_views);
			*out = v->base;
		} else {
			vhold_put(v->vh);
			free(v);
		}
	}
	return rc;
}

int shmap_view_unmap(void *addr)
{
	SHMAP__ERRNO_SAVE;
	struct view *v = NULL;
	views_lock();
	struct view **p = view_find(addr);
	if (p) {
		v = *p;
		*p = v->next;
	}
	pthread_mutex_unlock(&g_views);
	if (v) {
		munmap(v->map_base, v->map_len);
		vhold_put(v->vh);
		free(v);
	}
	SHMAP__ERRNO_RESTORE;
	return v ? 0 : -EINVAL;
}

int shmap_view_query(const void *addr, void **base, size_t *length)
{
	int rc = -EINVAL;
	views_lock();
	struct view **p = view_find(addr);
	if (p) {
		if (base)
			*base = (*p)->base;
		if (length)
			*length = (*p)->len;
		rc = 0;
	}
	pthread_mutex_unlock(&g_views);
	return rc;
}

int shmap_view_flush(const void *addr, size_t length)
{
	SHMAP__ERRNO_SAVE;
	int rc = -EINVAL;
	char *start = NULL, *end = NULL;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	views_lock();
	struct view **p = view_find(addr);
	if (p) {
		struct view *v = *p;
		char *vend = v->base + v->len;
		start = (char *)addr;
		end = length == 0 || length > (size_t)(vend - start)
		              ? vend
		              : start + length;
		/* msync wants a page-aligned start; the view's pages are ours. */
		start -= (uintptr_t)start % pg;
		if (start < (char *)v->map_base)
			start = v->map_base;
		rc = 0;
	}
	pthread_mutex_unlock(&g_views);
	if (rc == 0 && msync(start, (size_t)(end - start), MS_SYNC) < 0)
		rc = errno == ENOMEM ? -EINVAL : -errno;
	SHMAP__ERRNO_RESTORE;
	return rc;
}

/*
 * Checks that [p, p + n) lies inside one view of this process, writable if
 * write: 0, -EINVAL (outside any view, or past its end) or -EACCES (a
 * write to a read-only view, which would fault with SIGSEGV, not SIGBUS).
 */
static int view_range(const void *p, size_t n, int write)
{
	int rc = -EINVAL;
	views_lock();
	struct view **vp = view_find(p);
	if (vp) {
		const struct view *v = *vp;
		if (n > (size_t)(v->base + v->len - (const char *)p))
			rc = -EINVAL;
		else
			rc = write && !v->writable ? -EACCES : 0;
	}
	pthread_mutex_unlock(&g_views);
	return rc;
}

int shmap_view_read(const void *src, void *dst, size_t n)
{
	SHMAP__ERRNO_SAVE;
	int rc = view_range(src, n, 0);
	if (rc == 0)
		rc = shmap__guarded_copy(dst, src, n);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_view_write(void *dst, const void *src, size_t n)
{
	SHMAP__ERRNO_SAVE;
	int rc = view_range(dst, n, 1);
	if (rc == 0)
		rc = shmap__guarded_copy(dst, src, n);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap__map_hold(const shmap_map *m, int cloexec, int *fd, int *unnamed_file)
{
	if (!m || m->obj.fd < 0)
		return -EBADF;
	*unnamed_file = m->file_backed && !(m->obj.oflags & SHMAP__OF_NAMED);
	int r = shmap__obj_hold_fd(&m->obj, cloexec);
	if (r < 0)
		return r;
	*fd = r;
	return 0;
}

int shmap__map_adopt(int fd, unsigned access, shmap_map **out)
{
	shmap_map *m = NULL;
	unsigned a = handle_access(access);
	int rc = a && out ? map_alloc(&m) : -EINVAL;
	if (rc == 0) {
		rc = shmap__obj_adopt(fd, SHMAP_TYPE_MAPPING, &m->obj);
		if (rc == 0) {
			fd = -1; /* the hold has it, and closes it on failure */
			rc = from_hdr(m, a);
		}
		rc = finish_out(rc, m, out);
	}
	if (rc && fd >= 0)
		close(fd);
	return rc;
}

int shmap__map_adopt_file(int fd, uint64_t size, unsigned prot,
                          shmap_map **out)
{
	struct stat st;
	shmap_map *m = NULL;
	int acc = fcntl(fd, F_GETFL) & O_ACCMODE, rc = 0;
	if (!out || !prot_ok(prot) || size == 0 || size > (uint64_t)INT64_MAX)
		rc = -EINVAL;
	else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		rc = -EBADF;
	else if ((uint64_t)st.st_size < size)
		rc = SHMAP_EBADOBJ; /* never grown: the parent's fitted */
	else if (acc == O_WRONLY ||
	         (prot == SHMAP_PROT_READWRITE && acc != O_RDWR))
		rc = -EACCES;
	else if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		rc = -errno;
	else
		rc = map_alloc(&m);
	if (rc) {
		close(fd);
		return rc;
	}
	unnamed_file_done(m, fd, size, prot); /* map_alloc zeroed the header */
	*out = m;
	return 0;
}
