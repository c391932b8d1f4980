/* SPDX-License-Identifier: MIT */
/*
 * Read-only inspection: the objects of the backing directory, their state,
 * their memory, and the processes that hold them.
 *
 * Nothing here takes a lock, a hold or a place in a table. Object files are
 * opened read-only; whether someone holds one is asked of the kernel
 * (F_OFD_GETLK on the holder byte, which needs no write access); a sync
 * object's block is read with pread, so a file cut short meanwhile gives a
 * short read, never a SIGBUS; memory is counted without touching a page.
 *
 * Every handle holds byte 0 of its object's file with an OFD lock, so the
 * kernel's lock table (/proc/locks, world-readable) counts the handles of
 * every process of the machine. Which processes they are, and which views
 * they map, comes from /proc: a process's descriptors (fd/N, by device and
 * inode) are its handles, its maps lines of the object's file (or of a file
 * mapping's data file) its views. One walk of /proc serves every object of
 * a call. Processes come and go during the walk: one that vanishes is
 * skipped, and each is read through a descriptor of its /proc directory,
 * so a pid reused meanwhile is never mistaken for it.
 *
 * Everything read (headers, blocks, /proc, the lock table) is someone
 * else's: checked and bounded before use.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

#define HOLD_BYTE 0 /* the holder lock (object.c) */

/* ---- reading /proc files line by line ---- */

struct rd {
	int fd;
	size_t pos, len;
	char buf[4096];
};

/*
 * Reads the next line into line (its first cap - 1 bytes; the rest of a
 * longer line is dropped), without its newline. Returns 1, or 0 at the end
 * of the file or on a read error.
 */
static int rd_line(struct rd *r, char *line, size_t cap)
{
	size_t n = 0;
	int any = 0;
	for (;;) {
		if (r->pos == r->len) {
			ssize_t k;
			do
				k = read(r->fd, r->buf, sizeof r->buf);
			while (k < 0 && errno == EINTR);
			if (k <= 0) {
				line[n] = 0;
				return any;
			}
			r->pos = 0;
			r->len = (size_t)k;
		}
		any = 1;
		char *p = r->buf + r->pos;
		char *nl = memchr(p, '\n', r->len - r->pos);
		size_t take = nl ? (size_t)(nl - p) : r->len - r->pos;
		size_t room = cap - 1 - n;
		memcpy(line + n, p, take < room ? take : room);
		n += take < room ? take : room;
		r->pos += take + (nl != NULL);
		if (nl) {
			line[n] = 0;
			return 1;
		}
	}
}

/* Splits s in place at spaces and tabs into at most max tokens. */
static int split(char *s, char **tok, int max)
{
	int n = 0;
	while (n < max) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		tok[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = 0;
	}
	return n;
}

/*
 * Parses an unsigned number in base 10 or 16 at *p, at least one digit and
 * no overflow, moving *p past it. Returns 0 or -1.
 */
static int num(const char **p, int base, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / (unsigned)base)
			return -1;
		v = v * (unsigned)base + d;
	}
	if (s == *p)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

/* Parses all of s as one number. */
static int num_all(const char *s, int base, uint64_t *out)
{
	return num(&s, base, out) || *s ? -1 : 0;
}

int shmap__proc_status(int dirfd, const char *path, const char *key,
                       unsigned idx, uint64_t *out)
{
	struct rd r;
	char line[256];
	size_t klen = strlen(key);
	r.fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (r.fd < 0)
		return -errno;
	r.pos = r.len = 0;
	int rc = -ENOENT;
	while (rc == -ENOENT && rd_line(&r, line, sizeof line)) {
		char *tok[8];
		if (strncmp(line, key, klen))
			continue;
		int n = split(line + klen, tok, 8);
		rc = (int)idx < n && num_all(tok[idx], 10, out) == 0 ? 0 : -EIO;
	}
	close(r.fd);
	return rc;
}

/* ---- the objects ---- */

/* What one call found of one object. */
struct ent {
	shmap_object_info info;
	char *name, *path, *file_path; /* owned; info points at them */
	uint64_t dev, ino;             /* the object's file */
	uint64_t data_offset;
	int data_key;       /* a file mapping whose data file is known: */
	uint64_t fdev, fino; /* its identity (from the header) */
	unsigned long mark; /* the process scan that last found it */
	size_t hit;         /* and its record there */
};

struct ents {
	struct ent *v;
	size_t n, cap;
};

/* Frees what e holds. */
static void ent_clear(struct ent *e)
{
	free(e->name);
	free(e->path);
	free(e->file_path);
	e->name = e->path = e->file_path = NULL;
}

static void ents_free(struct ents *es)
{
	for (size_t i = 0; i < es->n; i++)
		ent_clear(&es->v[i]);
	free(es->v);
	es->v = NULL;
	es->n = es->cap = 0;
}

/*
 * Makes room for one more element of size bytes in the array v of n
 * elements and *cap places, doubling it. Returns the array (v, or where
 * it moved), or NULL without memory (v is then kept).
 */
static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	size_t c = *cap ? *cap * 2 : 8;
	void *nv = c > SIZE_MAX / size ? NULL : realloc(v, c * size);
	if (nv)
		*cap = c;
	return nv;
}

/* A new zeroed entry at the end of es, or NULL. */
static struct ent *ents_add(struct ents *es)
{
	struct ent *v = grow(es->v, es->n, &es->cap, sizeof *v);
	if (!v)
		return NULL;
	es->v = v;
	struct ent *e = &es->v[es->n];
	memset(e, 0, sizeof *e);
	return e;
}

/* Whether the caller has any of the capabilities mask (bits of the first
 * 32) in its effective set; without capget, whether it is root. */
static int has_cap(uint32_t mask)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return geteuid() == 0;
	return (d[0].effective & mask) != 0;
}

/* Whether the caller may read every user's files. */
static int may_read_all(void)
{
	return has_cap(1u << CAP_DAC_OVERRIDE | 1u << CAP_DAC_READ_SEARCH);
}

/*
 * Whether the kernel tells the caller which pages of fd's file (st) are in
 * memory: only for a file it owns or may write, or with CAP_FOWNER.
 * Otherwise cachestat refuses (-EPERM) and mincore says every page is,
 * closing a side channel on other users' files.
 */
static int may_count(int fd, const struct stat *st)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	return st->st_uid == geteuid() || has_cap(1u << CAP_FOWNER) ||
	       faccessat(AT_FDCWD, p, W_OK, AT_EACCESS) == 0;
}

int shmap__inspect_no_cachestat;

#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif

/* Bytes of [off, off + len) of fd's file in memory, by mincore over a
 * read-only mapping, in windows of a bounded size, where the file has
 * data: a hole has no pages, and skipping holes keeps a huge sparse object
 * cheap. Pages never written (reserved by fallocate) count as holes. */
static uint64_t resident_mincore(int fd, uint64_t off, uint64_t len)
{
	unsigned char vec[4096];
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE), total = 0;
	uint64_t pos = off, end = off + len;
	while (pos < end) {
		off_t d = lseek(fd, (off_t)pos, SEEK_DATA);
		uint64_t hole = end;
		if (d < 0 && errno == ENXIO)
			break;
		if (d < 0) {
			d = (off_t)pos; /* no SEEK_DATA: look at everything */
		} else {
			off_t h = lseek(fd, d, SEEK_HOLE);
			if (h >= 0 && (uint64_t)h < end)
				hole = (uint64_t)h;
		}
		uint64_t at = (uint64_t)d / pg * pg;
		if (at < pos)
			at = pos;
		if (at >= end || hole <= at)
			break;
		while (at < hole) {
			uint64_t n = hole - at;
			if (n > pg * sizeof vec)
				n = pg * sizeof vec;
			void *m = mmap(NULL, (size_t)n, PROT_READ, MAP_SHARED, fd,
			               (off_t)at);
			if (m == MAP_FAILED)
				return total;
			if (mincore(m, (size_t)n, vec) == 0)
				for (size_t i = 0; i < (n + pg - 1) / pg; i++)
					total += vec[i] & 1 ? pg : 0;
			munmap(m, (size_t)n);
			at += n;
		}
		pos = hole;
	}
	return total < len ? total : len;
}

/* Bytes of [off, off + len) of fd's file (st) in memory now, touching no
 * page: cachestat (Linux 6.5) counts them from the page cache, skipping
 * what is not there; without it, mincore. 0 if the kernel will not say. */
static uint64_t resident(int fd, const struct stat *st, uint64_t off,
                         uint64_t len)
{
	struct {
		uint64_t off, len;
	} range = {off, len};
	struct {
		uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted,
		        nr_recently_evicted;
	} cs;
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
	if (len == 0)
		return 0;
	if (!shmap__inspect_no_cachestat &&
	    syscall(SYS_cachestat, fd, &range, &cs, 0) == 0)
		return cs.nr_cache > len / pg ? len : cs.nr_cache * pg;
	return may_count(fd, st) ? resident_mincore(fd, off, len) : 0;
}

/*
 * Whether st is the data file the header h of an object owned by owner
 * names, and one we may look at for that owner: the header is the owner's
 * word, so the file must be one the owner could have mapped. The caller
 * looks at another user's file only if that user owns it (or is root): an
 * object must not make a privileged monitor open, or measure, a file its
 * owner could not.
 */
static int data_file_ok(const struct shmap__hdr *h, uid_t owner,
                        const struct stat *st)
{
	return S_ISREG(st->st_mode) && (uint64_t)st->st_dev == h->file_dev &&
	       (uint64_t)st->st_ino == h->file_ino &&
	       (owner == geteuid() || owner == 0 || st->st_uid == owner);
}

/* The bytes of a file mapping's data file in memory, if the file at the
 * stored (absolute) path is still the very file the creator mapped. */
static uint64_t resident_file(const struct shmap__hdr *h, uid_t owner)
{
	struct stat st;
	uint64_t r = 0;
	/* Looked at before it is opened: never open a device or FIFO. */
	if (h->path[0] != '/' || stat(h->path, &st) < 0 ||
	    !data_file_ok(h, owner, &st))
		return 0;
	int fd = open(h->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && data_file_ok(h, owner, &st))
		r = resident(fd, &st, 0, h->size);
	close(fd);
	return r;
}

/* Whether someone holds the holder byte of fd's file: 1, 0, or -errno. */
static int held(int fd)
{
	struct flock fl;
	int rc = shmap__lk_holder(fd, HOLD_BYTE, &fl);
	return rc ? rc : fl.l_type != F_UNLCK;
}

/*
 * Whether the namespace trusts the file st of the valid header h (whose
 * name shmap__info_read found to lead to that file): the owner and mode its
 * namespace requires, as an open checks them, and for a file mapping, whose
 * header names a file, no write for group or other (an open refuses such
 * an object too: anyone could make it name any file). 0 or SHMAP_EBADOBJ.
 */
static int trusted(const struct shmap__hdr *h, const struct stat *st)
{
	struct shmap__name n;
	if (shmap__name_parse(h->name, &n) ||
	    shmap__obj_trusted(n.ns, st->st_uid, st) ||
	    ((h->flags & SHMAP__HF_FILE) && (st->st_mode & 022)))
		return SHMAP_EBADOBJ;
	return 0;
}

/* Reads the state of the sync object whose header is h from fd. */
static void sync_state(int fd, const struct shmap__hdr *h, shmap_sync_state *s)
{
	_Alignas(64) unsigned char blk[SHMAP_SYNC_SIZE];
	ssize_t r;
	do
		r = pread(fd, blk, sizeof blk, (off_t)h->data_offset);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		memset(s, 0, sizeof *s);
		s->error = -errno;
		return;
	}
	(void)shmap__sync_peek(blk, (size_t)r, h->type, s);
}

/* Reads the counters of the channel whose header is h from fd. */
static void chan_state(int fd, const struct shmap__hdr *h,
                       struct shmap_chan_stats *s)
{
	size_t n = h->size < SHMAP__CHAN_PEEK_MAX ? (size_t)h->size
	                                          : SHMAP__CHAN_PEEK_MAX;
	unsigned char *blk = aligned_alloc(64, (n + 63) & ~(size_t)63);
	ssize_t r = -1;
	memset(s, 0, sizeof *s);
	if (!blk) {
		s->error = -ENOMEM;
		return;
	}
	do
		r = pread(fd, blk, n, (off_t)h->data_offset);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		s->error = -errno;
	else
		(void)shmap__chan_peek(blk, (size_t)r, s);
	free(blk);
}

/*
 * Fills e from the file fname of the backing directory dir (descriptor
 * dfd). Returns 1 when e is an entry to report, 0 for a file that is no
 * object (gone, not regular, empty, no magic), or -ENOMEM.
 */
static int inspect_file(int dfd, const char *dir, const char *fname,
                        struct ent *e)
{
	struct stat st;
	struct shmap__hdr h;
	int global = !strncmp(fname, "shmap.g.", 8);
	/* Looked at before it is opened: never open a device or FIFO. */
	if (fstatat(dfd, fname, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_size == 0)
		return 0;
	size_t plen = strlen(dir) + strlen(fname) + 2;
	if (!(e->path = malloc(plen)))
		return -ENOMEM;
	snprintf(e->path, plen, "%s/%s", dir, fname);
	e->info.path = e->path;
	e->info.global = global;
	e->info.mode = (unsigned)(st.st_mode & 07777);
	e->info.owner = st.st_uid;
	e->dev = (uint64_t)st.st_dev;
	e->ino = (uint64_t)st.st_ino;
	int fd = openat(dfd, fname,
	                O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != EACCES && errno != EPERM)
			return 0;
		e->info.error = -EACCES;
		return 1;
	}
	int rc = 1;
	/* Gone, replaced, or in the making (empty): no object. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
	    shmap__info_read(fd, &st, e->path, &h, &e->info) != 1) {
		rc = 0;
		goto out;
	}
	e->dev = (uint64_t)st.st_dev;
	e->ino = (uint64_t)st.st_ino;
	if (e->info.error == 0 && (e->info.error = trusted(&h, &st))) {
		/* As shmap__info_read leaves an object it refuses. */
		shmap_object_info bad;
		memset(&bad, 0, sizeof bad);
		bad.path = e->info.path;
		bad.mode = e->info.mode;
		bad.owner = e->info.owner;
		bad.global = e->info.global;
		bad.error = e->info.error;
		e->info = bad;
	}
	if (e->info.error)
		goto out;
	/* Ours, not pointing into h, which goes with this call. */
	if (!(e->name = strdup(e->info.name)) ||
	    (e->info.file_path && !(e->file_path = strdup(e->info.file_path)))) {
		rc = -ENOMEM;
		goto out;
	}
	e->info.name = e->name;
	e->info.file_path = e->file_path;
	e->info.live = held(fd) == 1;
	e->data_offset = h.data_offset;
	if (h.flags & SHMAP__HF_FILE) {
		e->data_key = 1;
		e->fdev = h.file_dev;
		e->fino = h.file_ino;
		e->info.resident = h.path_len ? resident_file(&h, st.st_uid) : 0;
	} else {
		e->info.resident = resident(fd, &st, h.data_offset, h.size);
	}
	if (h.type == SHMAP_TYPE_EVENT || h.type == SHMAP_TYPE_MUTEX ||
	    h.type == SHMAP_TYPE_SEMAPHORE)
		sync_state(fd, &h, &e->info.sync);
	if (h.type == SHMAP_TYPE_CHANNEL)
		chan_state(fd, &h, &e->info.chan);
out:
	close(fd);
	return rc;
}

/* Names first, in order; then what has none, by path. */
static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	if (x->name && y->name)
		return strcmp(x->name, y->name);
	if (x->name || y->name)
		return x->name ? -1 : 1;
	return strcmp(x->path, y->path);
}

/*
 * Collects the objects of the backing directory: the caller's Local names
 * (every user's with all) and the Global names. 0 or a negative errno.
 */
static int collect(int all, struct ents *es)
{
	const char *dir = shmap__dir();
	char local[32];
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	snprintf(local, sizeof local, "shmap.u%u.", (unsigned)geteuid());
	int rc = 0;
	for (struct dirent *de; rc == 0 && (de = readdir(d));) {
		const char *f = de->d_name;
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		/* Every user's Local names are the files "shmap.u<uid>.". */
		if (strncmp(f, "shmap.g.", 8) &&
		    strncmp(f, all ? "shmap.u" : local, all ? 7 : strlen(local)))
			continue;
		struct ent *e = ents_add(es);
		if (!e) {
			rc = -ENOMEM;
			break;
		}
		rc = inspect_file(dirfd(d), dir, f, e);
		if (rc == 1) {
			es->n++;
			rc = 0;
		} else {
			ent_clear(e);
		}
	}
	closedir(d);
	return rc;
}

/*
 * Finds the object name of the caller's namespaces into es (one entry).
 * Returns 0, -ENOENT if there is none, or another negative error code.
 */
static int collect_one(const char *name, struct ents *es)
{
	struct shmap__name n;
	char path[4096];
	int rc = shmap__name_parse(name, &n);
	if (rc == 0)
		rc = shmap__name_path(&n, geteuid(), path, sizeof path);
	if (rc)
		return rc;
	char *slash = strrchr(path, '/');
	*slash = 0; /* shmap__name_path wrote "<dir>/<file>" */
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	struct ent *e = ents_add(es);
	rc = e ? inspect_file(dfd, path, slash + 1, e) : -ENOMEM;
	close(dfd);
	if (rc == 1 && e->name && strcmp(e->name, n.canon))
		rc = 0; /* another name's object at a hashed path */
	if (rc == 1) {
		es->n++;
		return 0;
	}
	if (e)
		ent_clear(e);
	return rc ? rc : -ENOENT;
}

/* ---- keys: finding objects by device and inode ---- */

struct key {
	uint64_t dev, ino;
	size_t ent;
	int data; /* a file mapping's data file, not the object's file */
};

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->ent < y->ent ? -1 : x->ent > y->ent;
}

/* The keys of the objects of es that were read, sorted. */
static int keys_make(const struct ents *es, struct key **out, size_t *n)
{
	struct key *k = malloc((2 * es->n + 1) * sizeof *k);
	size_t m = 0;
	if (!k)
		return -ENOMEM;
	for (size_t i = 0; i < es->n; i++) {
		const struct ent *e = &es->v[i];
		if (e->info.error)
			continue;
		k[m++] = (struct key){e->dev, e->ino, i, 0};
		if (e->data_key)
			k[m++] = (struct key){e->fdev, e->fino, i, 1};
	}
	if (m > 1)
		qsort(k, m, sizeof *k, key_cmp);
	*out = k;
	*n = m;
	return 0;
}

/* The first of the keys of (dev, ino), *count of them; NULL if none. */
static const struct key *key_find(const struct key *k, size_t n, uint64_t dev,
                                  uint64_t ino, size_t *count)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k[mid].dev < dev || (k[mid].dev == dev && k[mid].ino < ino))
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < n && k[end].dev == dev && k[end].ino == ino)
		end++;
	*count = end - lo;
	return end > lo ? &k[lo] : NULL;
}

struct handles_ctx {
	const struct key *keys;
	size_t nk;
};

/* The entry whose object's file is dev:ino, or -1. */
static long handle_of(void *ctx, dev_t dev, ino_t ino)
{
	struct handles_ctx *c = ctx;
	size_t cnt;
	const struct key *k = key_find(c->keys, c->nk, (uint64_t)dev,
	                               (uint64_t)ino, &cnt);
	for (size_t i = 0; k && i < cnt; i++)
		if (!k[i].data)
			return (long)k[i].ent;
	return -1;
}

/* Counts the handles of every object of es in the kernel's lock table: one
 * OFD lock on the holder byte each. Left 0 if the table cannot be read. */
static void count_handles(struct ents *es, const struct key *keys, size_t nk)
{
	struct handles_ctx c = {keys, nk};
	if (es->n == 0)
		return;
	unsigned *n = malloc(es->n * sizeof *n);
	if (n && shmap__lock_counts(HOLD_BYTE, handle_of, &c, es->n, n) == 0)
		for (size_t i = 0; i < es->n; i++)
			es->v[i].info.handles = n[i];
	free(n);
}

/* ---- the walk of /proc ---- */

/* What one process holds of one object. */
struct hit {
	size_t ent;
	unsigned handles;
	shmap_view_info *views;
	size_t nviews, cap;
};

/* One holder of shmap_holders, kept until the walk is over. */
struct holder {
	shmap_holder_info info;
	char *command;
	shmap_view_info *views;
};

struct walk {
	struct ents *es;
	struct key *keys;
	size_t nkeys;
	int collect;        /* keep holders (shmap_holders), not counts */
	unsigned long seq;  /* the process scan under way */
	struct hit *hits;   /* this process's */
	size_t nhits, caphits;
	unsigned hidden;
	struct holder *hs;
	size_t nhs, caphs;
};

/* This process's record of entry i, made if new; NULL without memory. */
static struct hit *hit_of(struct walk *w, size_t i)
{
	struct ent *e = &w->es->v[i];
	if (e->mark == w->seq)
		return &w->hits[e->hit];
	struct hit *v = grow(w->hits, w->nhits, &w->caphits, sizeof *v);
	if (!v)
		return NULL;
	w->hits = v;
	struct hit *h = &w->hits[w->nhits];
	memset(h, 0, sizeof *h);
	h->ent = i;
	e->mark = w->seq;
	e->hit = w->nhits++;
	return h;
}

static void hits_clear(struct walk *w)
{
	for (size_t i = 0; i < w->nhits; i++)
		free(w->hits[i].views);
	w->nhits = 0;
}

/* Counts the descriptors of the process (directory pfd) open on objects.
 * 0, 1 if the caller may not read them, 2 if the process is gone, or
 * -ENOMEM. */
static int scan_fds(struct walk *w, int pfd)
{
	int fdd = openat(pfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fdd < 0)
		return errno == EACCES || errno == EPERM ? 1 : 2;
	DIR *d = fdopendir(fdd);
	if (!d) {
		close(fdd);
		return errno == ENOMEM ? -ENOMEM : 2;
	}
	int rc = 0;
	for (struct dirent *de; rc == 0 && (de = readdir(d));) {
		struct stat st;
		uint64_t fd;
		size_t cnt;
		if (num_all(de->d_name, 10, &fd) ||
		    fstatat(dirfd(d), de->d_name, &st, 0) < 0)
			continue; /* ".", "..", or closed meanwhile */
		const struct key *k = key_find(w->keys, w->nkeys,
		                               (uint64_t)st.st_dev,
		                               (uint64_t)st.st_ino, &cnt);
		for (size_t i = 0; k && i < cnt; i++) {
			struct hit *h;
			if (k[i].data)
				continue; /* a section's hold on its data file */
			if (!(h = hit_of(w, k[i].ent)))
				rc = -ENOMEM;
			else
				h->handles++;
		}
	}
	closedir(d);
	return rc;
}

/* Adds the maps line range [start, end) at file offset off, perms, of the
 * file of key k to its object's views. 0 or -ENOMEM. */
static int add_view(struct walk *w, const struct key *k, uint64_t start,
                    uint64_t end, uint64_t off, const char *perms)
{
	const struct ent *e = &w->es->v[k->ent];
	/* A sync object's only mapping is the library's own, of its block. */
	if (e->info.type != SHMAP_TYPE_MAPPING)
		return 0;
	uint64_t base = k->data ? 0 : e->data_offset;
	if (off < base) {
		/* The header page of the object's file is no view of data. */
		if (end - start <= base - off)
			return 0;
		start += base - off;
		off = base;
	}
	struct hit *h = hit_of(w, k->ent);
	if (!h)
		return -ENOMEM;
	shmap_view_info *nv = grow(h->views, h->nviews, &h->cap, sizeof *nv);
	if (!nv)
		return -ENOMEM;
	h->views = nv;
	shmap_view_info *v = &h->views[h->nviews++];
	v->start = start;
	v->end = end;
	v->offset = off - base;
	v->access = (perms[0] == 'r' ? SHMAP_ACCESS_READ : 0) |
	            (perms[2] == 'x' ? SHMAP_ACCESS_EXEC : 0);
	if (perms[3] == 's')
		v->access |= perms[1] == 'w' ? SHMAP_ACCESS_WRITE : 0;
	else
		v->access |= SHMAP_ACCESS_COPY;
	return 0;
}

/* Finds the views of objects in the maps of the process (directory pfd).
 * 0, 1 if the caller may not read them, 2 if the process is gone, or
 * -ENOMEM. A line is "<start>-<end> <perms> <offset> <maj>:<min> <inode>
 * [path]", numbers in hex but the inode. */
static int scan_maps(struct walk *w, int pfd)
{
	struct rd r;
	char line[256];
	r.fd = openat(pfd, "maps", O_RDONLY | O_CLOEXEC);
	if (r.fd < 0)
		return errno == EACCES || errno == EPERM ? 1 : 2;
	r.pos = r.len = 0;
	int rc = 0;
	while (rc == 0 && rd_line(&r, line, sizeof line)) {
		char *tok[6];
		uint64_t start, end, off, maj, min, ino;
		size_t cnt;
		if (split(line, tok, 6) < 5)
			continue;
		const char *p = tok[0], *q = tok[3];
		if (num(&p, 16, &start) || *p++ != '-' ||
		    num_all(p, 16, &end) || end <= start ||
		    strlen(tok[1]) != 4 || num_all(tok[2], 16, &off) ||
		    num(&q, 16, &maj) || *q++ != ':' || num_all(q, 16, &min) ||
		    num_all(tok[4], 10, &ino) || ino == 0 || maj > 0xfff ||
		    min > 0xfffff)
			continue;
		uint64_t dev = (uint64_t)makedev((unsigned)maj, (unsigned)min);
		const struct key *k = key_find(w->keys, w->nkeys, dev, ino, &cnt);
		for (size_t i = 0; k && rc == 0 && i < cnt; i++)
			rc = add_view(w, &k[i], start, end, off, tok[1]);
	}
	close(r.fd);
	return rc;
}

/* Whether the process (directory pfd) can hold nothing: a kernel thread,
 * a zombie, or gone. From its stat file, which anyone may read. */
static int holds_nothing(int pfd)
{
	char buf[1024];
	int fd = openat(pfd, "stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = 0;
	/* After the last ')' (the command may hold any): field 3 the state,
	 * field 9 the flags. */
	char *tok[8], *p = strrchr(buf, ')');
	uint64_t flags;
	if (!p || split(p + 1, tok, 7) < 7 || num_all(tok[6], 10, &flags))
		return 0;
	return tok[0][0] == 'Z' || tok[0][0] == 'X' ||
	       (flags & 0x00200000u) != 0; /* PF_KTHREAD */
}

/* The command line of the process (directory pfd), arguments joined by
 * spaces (at most 4 KiB of it), else its name; NULL without memory. */
static char *command_of(int pfd)
{
	char buf[4096];
	size_t n = 0;
	int fd = openat(pfd, "cmdline", O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && n < sizeof buf - 1) {
		ssize_t k = read(fd, buf + n, sizeof buf - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	while (n && buf[n - 1] == ' ')
		n--;
	if (n == 0 && (fd = openat(pfd, "comm", O_RDONLY | O_CLOEXEC)) >= 0) {
		ssize_t k = read(fd, buf, sizeof buf - 1);
		n = k > 0 ? (size_t)k : 0;
		close(fd);
		while (n && (buf[n - 1] == '\n' || !buf[n - 1]))
			n--;
	}
	buf[n] = 0;
	return strdup(buf);
}

static int view_cmp(const void *a, const void *b)
{
	const shmap_view_info *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Records what the process pid (directory pfd) holds. 0 or -ENOMEM. */
static int emit(struct walk *w, pid_t pid, int pfd)
{
	for (size_t i = 0; i < w->nhits; i++) {
		struct hit *h = &w->hits[i];
		if (!w->collect) {
			w->es->v[h->ent].info.processes++;
			w->es->v[h->ent].info.views += (unsigned)h->nviews;
			continue;
		}
		struct holder *v = grow(w->hs, w->nhs, &w->caphs, sizeof *v);
		if (!v)
			return -ENOMEM;
		w->hs = v;
		struct holder *o = &w->hs[w->nhs];
		uint64_t uid;
		struct stat st;
		memset(o, 0, sizeof *o);
		if (!(o->command = command_of(pfd)))
			return -ENOMEM;
		/* The effective uid: /proc/<pid> itself is root's while the
		 * process is not dumpable (after a setuid, say). */
		if (shmap__proc_status(pfd, "status", "Uid:", 1, &uid))
			uid = fstat(pfd, &st) == 0 ? st.st_uid : (uid_t)-1;
		if (h->nviews > 1)
			qsort(h->views, h->nviews, sizeof *h->views, view_cmp);
		o->views = h->views;
		h->views = NULL;
		o->info.pid = pid;
		o->info.uid = (uid_t)uid;
		o->info.command = o->command;
		o->info.handles = h->handles;
		o->info.nviews = (unsigned)h->nviews;
		o->info.views = o->views;
		for (size_t k = 0; k < h->nviews; k++)
			o->info.access |= o->views[k].access;
		w->nhs++;
	}
	return 0;
}

/* Looks at the process pid (named name in /proc, directory procfd). */
static int scan_pid(struct walk *w, int procfd, const char *name, pid_t pid)
{
	int pfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return 0; /* gone */
	w->seq++;
	int rc = scan_fds(w, pfd);
	if (rc == 0)
		rc = scan_maps(w, pfd);
	if (rc == 1 && !holds_nothing(pfd))
		w->hidden++;
	if (rc == 0)
		rc = emit(w, pid, pfd);
	hits_clear(w);
	close(pfd);
	return rc < 0 ? rc : 0;
}

static void walk_free(struct walk *w)
{
	hits_clear(w);
	free(w->hits);
	for (size_t i = 0; i < w->nhs; i++) {
		free(w->hs[i].command);
		free(w->hs[i].views);
	}
	free(w->hs);
}

/*
 * Counts the handles of the objects of w->es from the lock table, then,
 * with procs, walks every process of /proc once for them. 0 or a negative
 * errno.
 */
static int walk_procs(struct walk *w, int procs)
{
	int rc = keys_make(w->es, &w->keys, &w->nkeys);
	if (rc)
		return rc;
	count_handles(w->es, w->keys, w->nkeys);
	DIR *d = procs ? opendir("/proc") : NULL;
	if (procs && !d)
		rc = -errno;
	for (struct dirent *de; d && rc == 0 && (de = readdir(d));) {
		uint64_t pid;
		if (!num_all(de->d_name, 10, &pid) && pid > 0 &&
		    pid <= INT32_MAX)
			rc = scan_pid(w, dirfd(d), de->d_name, (pid_t)pid);
	}
	if (d)
		closedir(d);
	free(w->keys);
	w->keys = NULL;
	return rc;
}

/* ---- the public functions ---- */

/* Completes the entries of es (handles, and unless no_holders the walk),
 * then reports them to fn in name order. */
static int report(struct ents *es, int no_holders, shmap_object_fn fn,
                  void *ctx)
{
	struct walk w;
	int rc = 0;
	memset(&w, 0, sizeof w);
	w.es = es;
	if (es->n > 1)
		qsort(es->v, es->n, sizeof *es->v, ent_cmp);
	rc = walk_procs(&w, !no_holders);
	for (size_t i = 0; rc == 0 && i < es->n; i++)
		es->v[i].info.processes_hidden = w.hidden;
	walk_free(&w);
	for (size_t i = 0; rc == 0 && i < es->n; i++)
		rc = fn(&es->v[i].info, ctx);
	return rc;
}

int shmap_list(unsigned flags, shmap_object_fn fn, void *ctx)
{
	SHMAP__ERRNO_SAVE;
	struct ents es = {0};
	int rc = 0;
	if (!fn || (flags & ~(SHMAP_LIST_ALL_USERS | SHMAP_LIST_NO_HOLDERS)))
		rc = -EINVAL;
	else if ((flags & SHMAP_LIST_ALL_USERS) && !may_read_all())
		rc = -EPERM;
	if (rc == 0)
		rc = collect((flags & SHMAP_LIST_ALL_USERS) != 0, &es);
	if (rc == 0)
		rc = report(&es, (flags & SHMAP_LIST_NO_HOLDERS) != 0, fn, ctx);
	ents_free(&es);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_inspect(const char *name, shmap_object_fn fn, void *ctx)
{
	SHMAP__ERRNO_SAVE;
	struct ents es = {0};
	int rc = fn ? collect_one(name, &es) : -EINVAL;
	if (rc == 0)
		rc = report(&es, 0, fn, ctx);
	ents_free(&es);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

static int holder_cmp(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;
	return x->info.pid < y->info.pid ? -1 : x->info.pid > y->info.pid;
}

int shmap_holders(const char *name, shmap_holder_fn fn, void *ctx,
                  shmap_holders_summary *summary)
{
	SHMAP__ERRNO_SAVE;
	struct ents es = {0};
	struct walk w;
	memset(&w, 0, sizeof w);
	w.es = &es;
	w.collect = 1;
	int rc = fn ? collect_one(name, &es) : -EINVAL;
	if (rc == 0)
		rc = es.v[0].info.error;
	if (rc == 0)
		rc = walk_procs(&w, 1);
	if (rc == 0) {
		const shmap_object_info *o = &es.v[0].info;
		shmap_holders_summary s;
		memset(&s, 0, sizeof s);
		if (w.nhs > 1)
			qsort(w.hs, w.nhs, sizeof *w.hs, holder_cmp);
		for (size_t i = 0; i < w.nhs; i++)
			s.handles_seen += w.hs[i].info.handles;
		s.handles = o->handles;
		s.processes = (unsigned)w.nhs;
		s.processes_hidden = w.hidden;
		/* A hidden process may keep a view with no handle: only an
		 * object without views is known complete by its handles. */
		s.complete = w.hidden == 0 ||
		             (s.handles_seen >= s.handles &&
		              o->type != SHMAP_TYPE_MAPPING);
		if (summary)
			*summary = s;
		for (size_t i = 0; rc == 0 && i < w.nhs; i++)
			rc = fn(&w.hs[i].info, ctx);
	}
	walk_free(&w);
	ents_free(&es);
	SHMAP__ERRNO_RESTORE;
	return rc;
}
