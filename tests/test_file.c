/* SPDX-License-Identifier: MIT */
/*
 * File-backed mappings: creation from a path or a descriptor, sizes and
 * growth, view kinds, flushing, named file mappings across processes, and
 * in-page errors (a file truncated under a view) with guarded access.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "harness.h"

#define NAME "Local\\test-file"

static char f_dir[256]; /* the files of the cases, under /tmp */
static size_t pg;

static void fpath(char *buf, size_t len, const char *leaf)
{
	snprintf(buf, len, "%s/%s", f_dir, leaf);
}

/* The pattern every test file starts with: byte i of the file. */
static unsigned char pat(size_t i)
{
	return (unsigned char)(i * 31 + 7 + (i >> 8));
}

/* Creates path with len bytes: the pattern, or fill if it is not -1. */
static void make_file_fill(const char *path, size_t len, int fill)
{
	unsigned char *b = malloc(len ? len : 1);
	T_ASSERT(b);
	for (size_t i = 0; i < len; i++)
		b[i] = fill < 0 ? pat(i) : (unsigned char)fill;
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
	T_ASSERT(fd >= 0);
	T_EQ(write(fd, b, len), (ssize_t)len);
	T_OK(close(fd));
	free(b);
}

static void make_file(const char *path, size_t len)
{
	make_file_fill(path, len, -1);
}

static long long fsize(const char *path)
{
	struct stat st;
	T_OK(stat(path, &st));
	return (long long)st.st_size;
}

/* Reads n bytes at off of path through a descriptor of its own. */
static void file_read(const char *path, off_t off, void *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_EQ(pread(fd, buf, n, off), (ssize_t)n);
	T_OK(close(fd));
}

/* Asserts that path holds the n bytes s at off. */
#define T_FILE_HAS(path, off, s, n)                                            \
	do {                                                                   \
		char t_buf[256];                                               \
		T_ASSERT((n) <= sizeof t_buf);                                 \
		file_read((path), (off), t_buf, (n));                          \
		T_ASSERT(!memcmp(t_buf, (s), (n)));                            \
	} while (0)

/* Whether [off, off + n) of mem holds the file pattern. */
static int is_pat(const unsigned char *mem, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (mem[i] != pat(off + i))
			return 0;
	return 1;
}

/* Whether [off, off + n) of the file at path holds the pattern. */
static int file_is_pat(const char *path, size_t off, size_t n)
{
	unsigned char *b = malloc(n ? n : 1);
	T_ASSERT(b);
	file_read(path, (off_t)off, b, n);
	int ok = is_pat(b, off, n);
	free(b);
	return ok;
}

static int all_bytes(const unsigned char *mem, int c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (mem[i] != (unsigned char)c)
			return 0;
	return 1;
}

/* Runs fn(arg) in a child that exits 0 if fn returns; returns its status. */
static int in_child(void (*fn)(void *), void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = {0, 0};
		setrlimit(RLIMIT_CORE, &no_core);
		fn(arg);
		_exit(0);
	}
	return t_wait(pid, 10);
}

struct cut {
	const char *path;
	off_t len;
};

static void cut_file(void *arg)
{
	const struct cut *c = arg;
	int fd = open(c->path, O_RDWR | O_CLOEXEC);
	_exit(fd >= 0 && ftruncate(fd, c->len) == 0 ? 0 : 1);
}

/* Another process sets the size of path to len. */
static void truncate_elsewhere(const char *path, off_t len)
{
	struct cut c = {path, len};
	T_EQ(t_exit_code(in_child(cut_file, &c)), 0);
	T_EQ(fsize(path), len);
}

static void same_mask(const sigset_t *a, const sigset_t *b)
{
	for (int s = 1; s < NSIG; s++)
		T_EQ(sigismember(a, s), sigismember(b, s));
}

/* ---- creation ---------------------------------------------------------- */

static void create_path_and_fd(void)
{
	char p[300];
	shmap_map *m;
	shmap_map_info info;
	unsigned char *v;
	void *x;
	size_t len = 3 * pg + 123, vlen;
	int fd, dfd;

	fpath(p, sizeof p, "a");
	make_file(p, len);

	/* From a path; size 0 is the file's size. */
	T_OK(shmap_map_create_path(NULL, p, 0, SHMAP_PROT_READONLY, NULL, &m));
	T_OK(shmap_map_query(m, &info));
	T_EQ(info.size, len);
	T_EQ(info.prot, SHMAP_PROT_READONLY);
	T_EQ(info.access, SHMAP_ACCESS_READ | SHMAP_ACCESS_COPY);
	T_EQ(info.file_backed, 1);
	T_EQ(info.named, 0);
	T_EQ(info.existed, 0);
	T_EQ(shmap_map_existed(m), 0);
	/* An unnamed file mapping has no object descriptor to pass on. */
	T_EQ(shmap_map_fd(m, &dfd), -EBADF);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&v));
	T_OK(shmap_view_query(v + len - 1, NULL, &vlen));
	T_EQ(vlen, len);
	T_ASSERT(is_pat(v, 0, len));
	T_EQ(shmap_view_map(m, 0, len + 1, SHMAP_ACCESS_READ, &x), -EINVAL);
	T_EQ(shmap_view_map(m, len, 0, SHMAP_ACCESS_READ, &x), -EINVAL);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));

	/* From a descriptor, which the library duplicates. */
	fd = open(p, O_RDWR | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_OK(
	    shmap_map_create_file(NULL, fd, 0, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_map_query(m, &info));
	T_EQ(info.size, len);
	T_EQ(info.prot, SHMAP_PROT_READWRITE);
	T_EQ(info.access, SHMAP_ACCESS_ALL | SHMAP_ACCESS_COPY);
	T_EQ(info.file_backed, 1);
	T_OK(shmap_map_close(m));
	/* The caller's descriptor outlives the mapping ... */
	T_ASSERT(fcntl(fd, F_GETFD) >= 0);
	T_EQ(pwrite(fd, "X", 1, 0), 1);
	/* ... and the mapping outlives the caller's descriptor. */
	T_OK(
	    shmap_map_create_file(NULL, fd, 0, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(close(fd));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	T_EQ(v[0], 'X');
	T_ASSERT(is_pat(v + 1, 1, len - 1));
	v[1] = 'Y';
	T_OK(shmap_view_flush(v, 0));
	T_FILE_HAS(p, 0, "XY", 2);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));

	/* A size below the file's: views cover only that much. */
	fd = open(p, O_RDONLY | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_OK(shmap_map_create_file(NULL, fd, pg + 1, SHMAP_PROT_READONLY, NULL,
	                           &m));
	T_OK(close(fd));
	T_OK(shmap_map_query(m, &info));
	T_EQ(info.size, pg + 1);
	T_OK(shmap_view_map(m, 2, 0, SHMAP_ACCESS_READ, (void **)&v));
	T_OK(shmap_view_query(v, NULL, &vlen));
	T_EQ(vlen, pg - 1);
	T_ASSERT(is_pat(v, 2, pg - 1));
	T_EQ(shmap_view_map(m, 0, pg + 2, SHMAP_ACCESS_READ, &x), -EINVAL);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
	T_EQ(fsize(p), len);
	T_OK(unlink(p));
}

static void empty_file(void)
{
	char p[300];
	shmap_map *m;
	shmap_map_info info;
	unsigned char *v;

	fpath(p, sizeof p, "empty");
	make_file(p, 0);
	int fd = open(p, O_RDWR | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_EQ(shmap_map_create_file(NULL, fd, 0, SHMAP_PROT_READWRITE, NULL, &m),
	     -ENODATA);
	T_EQ(shmap_map_create_file(NULL, fd, 0, SHMAP_PROT_READONLY, NULL, &m),
	     -ENODATA);
	T_EQ(shmap_map_create_path(NULL, p, 0, SHMAP_PROT_WRITECOPY, NULL, &m),
	     -ENODATA);
	T_EQ(shmap_map_create_path(NAME, p, 0, SHMAP_PROT_READWRITE, NULL, &m),
	     -ENODATA);
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &m), -ENOENT);
	T_EQ(fsize(p), 0);
	/* A size grows even an empty file. */
	T_OK(shmap_map_create_file(NULL, fd, 5000, SHMAP_PROT_READWRITE, NULL,
	                           &m));
	T_EQ(fsize(p), 5000);
	T_OK(shmap_map_query(m, &info));
	T_EQ(info.size, 5000);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&v));
	T_ASSERT(all_bytes(v, 0, 5000));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
	T_OK(close(fd));
	T_OK(unlink(p));
}

static void grow_writable(void)
{
	char p[300];
	shmap_map *m;
	shmap_map_info info;
	unsigned char *v;
	const size_t old = 10000, big = 40000;

	fpath(p, sizeof p, "grow");
	make_file(p, old);
	T_OK(shmap_map_create_path(NULL, p, big, SHMAP_PROT_READWRITE, NULL,
	                           &m));
	T_EQ(fsize(p), big);
	T_OK(shmap_map_query(m, &info));
	T_EQ(info.size, big);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	T_ASSERT(is_pat(v, 0, old));
	T_ASSERT(all_bytes(v + old, 0, big - old));
	v[big - 1] = 0x5a;
	T_OK(shmap_view_flush(v + big - 1, 1));
	T_FILE_HAS(p, big - 1, "\x5a", 1);
	T_ASSERT(file_is_pat(p, 0, old));
	T_OK(shmap_map_sync(m));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));

	/* Named, from a descriptor. */
	int fd = open(p, O_RDWR | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_OK(shmap_map_create_file(NAME, fd, big + pg, SHMAP_PROT_READWRITE,
	                           NULL, &m));
	T_OK(close(fd));
	T_EQ(fsize(p), big + pg);
	T_OK(shmap_map_query(m, &info));
	T_EQ(info.size, big + pg);
	T_EQ(info.named, 1);
	T_OK(shmap_map_sync(m));
	T_OK(shmap_map_close(m));
	T_EQ(fsize(p), big + pg);
	T_OK(unlink(p));
}

static void access_refused(void)
{
	char p[300], missing[300];
	shmap_map *m;
	const size_t len = 10000;

	fpath(p, sizeof p, "ro");
	fpath(missing, sizeof missing, "missing");
	make_file(p, len);
	int ro = open(p, O_RDONLY | O_CLOEXEC);
	int rw = open(p, O_RDWR | O_CLOEXEC);
	int wo = open(p, O_WRONLY | O_CLOEXEC);
	T_ASSERT(ro >= 0 && rw >= 0 && wo >= 0);

	/* Growth needs a writable file and SHMAP_PROT_READWRITE. */
	T_EQ(shmap_map_create_file(NULL, ro, 2 * len, SHMAP_PROT_READONLY, NULL,
	                           &m),
	     -EACCES);
	T_EQ(shmap_map_create_file(NULL, ro, 2 * len, SHMAP_PROT_WRITECOPY,
	                           NULL, &m),
	     -EACCES);
	T_EQ(shmap_map_create_file(NULL, ro, 2 * len, SHMAP_PROT_READWRITE,
	                           NULL, &m),
	     -EACCES);
	T_EQ(shmap_map_create_file(NULL, rw, 2 * len, SHMAP_PROT_READONLY, NULL,
	                           &m),
	     -EACCES);
	T_EQ(shmap_map_create_file(NULL, rw, len + 1, SHMAP_PROT_WRITECOPY,
	                           NULL, &m),
	     -EACCES);
	T_EQ(shmap_map_create_path(NULL, p, 2 * len, SHMAP_PROT_READONLY, NULL,
	                           &m),
	     -EACCES);
	T_EQ(shmap_map_create_path(NAME, p, 2 * len, SHMAP_PROT_READONLY, NULL,
	                           &m),
	     -EACCES);
	/* Read-write needs a read-write descriptor. */
	T_EQ(shmap_map_create_file(NULL, ro, 0, SHMAP_PROT_READWRITE, NULL, &m),
	     -EACCES);
	T_EQ(shmap_map_create_file(NAME, ro, 0, SHMAP_PROT_READWRITE, NULL, &m),
	     -EACCES);
	T_EQ(shmap_map_create_file(NULL, wo, 0, SHMAP_PROT_READWRITE, NULL, &m),
	     -EACCES);
	T_EQ(shmap_map_create_file(NULL, wo, 0, SHMAP_PROT_READONLY, NULL, &m),
	     -EACCES);
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &m), -ENOENT);
	/* Nothing of that touched the file. */
	T_EQ(fsize(p), len);
	T_ASSERT(file_is_pat(p, 0, len));

	/* Bad arguments. */
	T_EQ(shmap_map_create_file(NULL, -1, 0, SHMAP_PROT_READONLY, NULL, &m),
	     -EBADF);
	T_EQ(shmap_map_create_file(NULL, ro, 0, 0, NULL, &m), -EINVAL);
	T_EQ(shmap_map_create_file(NULL, ro, 0, 9, NULL, &m), -EINVAL);
	T_EQ(
	    shmap_map_create_file(NULL, ro, 0, SHMAP_PROT_READONLY, NULL, NULL),
	    -EINVAL);
	T_EQ(shmap_map_create_path(NULL, missing, 0, SHMAP_PROT_READONLY, NULL,
	                           &m),
	     -ENOENT);
	T_EQ(
	    shmap_map_create_path(NULL, NULL, 0, SHMAP_PROT_READONLY, NULL, &m),
	    -EINVAL);

	/* What fits how the file was opened is fine. */
	T_OK(shmap_map_create_file(NULL, ro, 0, SHMAP_PROT_READONLY, NULL, &m));
	T_OK(shmap_map_close(m));
	T_OK(shmap_map_create_file(NULL, ro, len, SHMAP_PROT_WRITECOPY, NULL,
	                           &m));
	T_OK(shmap_map_close(m));
	T_OK(shmap_map_create_file(NULL, rw, len - 1, SHMAP_PROT_READONLY, NULL,
	                           &m));
	T_OK(shmap_map_close(m));
	T_EQ(fsize(p), len);
	T_OK(close(ro));
	T_OK(close(rw));
	T_OK(close(wo));
	T_OK(unlink(p));
}

/* ---- views ------------------------------------------------------------- */

/* In a child: SIGSEGV at its default (a sanitizer may have its own). */
static void write_to(void *addr)
{
	signal(SIGSEGV, SIG_DFL);
	*(volatile char *)addr = 1;
}

static void view_kinds(void)
{
	char p[300];
	shmap_map *m;
	unsigned char *r, *w, *c, *u;
	void *x;
	const size_t len = 2 * pg;

	fpath(p, sizeof p, "kinds");
	make_file(p, len);

	/* Read-write mapping: read, write and copy-on-write views. */
	T_OK(shmap_map_create_path(NULL, p, 0, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&r));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&w));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_COPY, (void **)&c));
	T_ASSERT(is_pat(r, 0, len) && is_pat(w, 0, len) && is_pat(c, 0, len));
	w[10] = 'W';
	T_EQ(r[10], 'W');
	T_FILE_HAS(p, 10, "W", 1);
	c[20] = 'C';
	c[pg + 20] = 'C';
	T_EQ(c[10], 'W');
	T_EQ(r[20], pat(20));
	T_EQ(w[20], pat(20));
	T_EQ(r[pg + 20], pat(pg + 20));
	/* Flushing and syncing never carry a private copy to the file. */
	T_OK(shmap_view_flush(c, 0));
	T_OK(shmap_view_flush(w, 0));
	T_OK(shmap_map_sync(m));
	T_ASSERT(file_is_pat(p, 11, len - 11));
	/* The private copy no longer follows the file where it was copied. */
	w[30] = 'S';
	T_EQ(c[30], pat(30));
	T_EQ(c[20], 'C');
	/* A read view is read-only memory. */
	int st = in_child(write_to, r + 5);
	T_ASSERT(st != -1 && WIFSIGNALED(st));
	T_EQ(WTERMSIG(st), SIGSEGV);
	T_EQ(r[5], pat(5));
	/* A view at an offset that is no page multiple. */
	T_OK(shmap_view_map(m, 100, 50, SHMAP_ACCESS_WRITE, (void **)&u));
	T_ASSERT(is_pat(u, 100, 50));
	u[0] = 'U';
	T_EQ(r[100], 'U');
	T_OK(shmap_view_unmap(u));
	T_OK(shmap_view_unmap(c));
	T_OK(shmap_view_unmap(w));
	T_OK(shmap_view_unmap(r));
	T_OK(shmap_map_close(m));
	T_FILE_HAS(p, 100, "U", 1);
	T_FILE_HAS(p, 30, "S", 1);
	make_file(p, len);

	/* Read-only mapping: no write views; copy-on-write stays private. */
	T_OK(shmap_map_create_path(NULL, p, 0, SHMAP_PROT_READONLY, NULL, &m));
	T_EQ(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, &x), -EACCES);
	T_EQ(shmap_view_map(m, 0, 0, SHMAP_ACCESS_ALL, &x), -EACCES);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&r));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_COPY, (void **)&c));
	memset(c, 'c', len);
	T_OK(shmap_view_flush(c, 0));
	T_ASSERT(is_pat(r, 0, len));
	T_ASSERT(all_bytes(c, 'c', len));
	T_OK(shmap_view_unmap(c));
	T_OK(shmap_view_unmap(r));
	T_OK(shmap_map_close(m));
	T_ASSERT(file_is_pat(p, 0, len));

	/* Write-copy mapping: the same. */
	T_OK(shmap_map_create_path(NULL, p, 0, SHMAP_PROT_WRITECOPY, NULL, &m));
	T_EQ(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, &x), -EACCES);
	T_OK(shmap_view_map(m, pg, 0, SHMAP_ACCESS_COPY, (void **)&c));
	T_ASSERT(is_pat(c, pg, pg));
	memset(c, 'k', pg);
	T_OK(shmap_view_flush(c, pg));
	T_OK(shmap_map_sync(m));
	T_OK(shmap_view_unmap(c));
	T_OK(shmap_map_close(m));
	T_ASSERT(file_is_pat(p, 0, len));
	T_OK(unlink(p));
}

static void flush_and_sync(void)
{
	char p[300];
	shmap_map *m, *pf;
	unsigned char *v, *u;
	int local = 0;
	const size_t len = 3 * pg;

	fpath(p, sizeof p, "flush");
	make_file(p, len);
	T_OK(shmap_map_create_path(NULL, p, 0, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));

	memcpy(v + pg + 5, "flushed", 7);
	T_OK(shmap_view_flush(v, 0));
	T_FILE_HAS(p, pg + 5, "flushed", 7);
	T_OK(shmap_map_sync(m));

	/* Sub-ranges: unaligned starts, length 0 (to the end), clipping. */
	memcpy(v + 2 * pg + 9, "partial", 7);
	T_OK(shmap_view_flush(v + 2 * pg + 8, 0));
	T_FILE_HAS(p, 2 * pg + 9, "partial", 7);
	memcpy(v + 99, "abc", 3);
	T_OK(shmap_view_flush(v + 99, 3));
	T_FILE_HAS(p, 99, "abc", 3);
	T_OK(shmap_view_flush(v + pg + 1, (size_t)1 << 40));
	T_OK(shmap_view_flush(v + len - 1, 1));
	T_OK(shmap_view_flush(v + len - 1, 0));

	/* A view whose start is no page multiple flushes from its start. */
	T_OK(shmap_view_map(m, pg + 17, 100, SHMAP_ACCESS_WRITE, (void **)&u));
	memcpy(u, "off", 3);
	T_OK(shmap_view_flush(u, 0));
	T_OK(shmap_view_flush(u + 50, 10));
	T_OK(shmap_view_flush(u + 99, 1));
	T_FILE_HAS(p, pg + 17, "off", 3);
	T_EQ(v[pg + 17], 'o');

	/* Addresses in no view. */
	T_EQ(shmap_view_flush(&local, 0), -EINVAL);
	T_EQ(shmap_view_flush(NULL, 0), -EINVAL);
	T_EQ(shmap_view_flush(u + 100, 1), -EINVAL);
	T_EQ(shmap_view_flush(v + len, 0), -EINVAL);
	T_OK(shmap_view_unmap(u));
	T_EQ(shmap_view_flush(u, 0), -EINVAL);

	/* The view outlives the handle, and flushes still reach the file. */
	T_OK(shmap_map_sync(m));
	T_OK(shmap_map_close(m));
	memcpy(v + 7, "late", 4);
	T_OK(shmap_view_flush(v + 7, 4));
	T_FILE_HAS(p, 7, "late", 4);
	T_OK(shmap_view_unmap(v));
	T_EQ(shmap_view_flush(v, 0), -EINVAL);

	/* Syncing a page-file mapping is a no-op that succeeds. */
	T_OK(shmap_map_create(NAME, 4096, SHMAP_PROT_READWRITE, NULL, &pf));
	T_OK(shmap_map_sync(pf));
	T_OK(shmap_map_close(pf));
	T_EQ(shmap_map_sync(NULL), -EINVAL);
	T_OK(unlink(p));
}

/* ---- named file mappings across processes ------------------------------ */

/* A child opens NAME, expects pattern except where marks are, writes. */
struct child_job {
	size_t len;
	const char *have; /* expected at have_off, or NULL */
	size_t have_off;
	const char *put; /* written and flushed at put_off */
	size_t put_off;
};

static void open_and_write(void *arg)
{
	const struct child_job *j = arg;
	shmap_map *c, *r;
	shmap_map_info info;
	unsigned char *v;
	void *x;
	size_t hl = j->have ? strlen(j->have) : 0;

	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_ALL, &c));
	T_OK(shmap_map_query(c, &info));
	T_EQ(info.size, j->len);
	T_EQ(info.named, 1);
	T_EQ(info.file_backed, 1);
	T_EQ(info.prot, SHMAP_PROT_READWRITE);
	T_EQ(info.existed, 0);
	T_OK(shmap_view_map(c, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	if (j->have) {
		T_ASSERT(is_pat(v, 0, j->have_off));
		T_ASSERT(!memcmp(v + j->have_off, j->have, hl));
		T_ASSERT(is_pat(v + j->have_off + hl, j->have_off + hl,
		                j->len - j->have_off - hl));
	} else {
		T_ASSERT(is_pat(v, 0, j->len));
	}
	memcpy(v + j->put_off, j->put, strlen(j->put));
	T_OK(shmap_view_flush(v, 0));
	T_OK(shmap_map_sync(c));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(c));
	/* A read-only handle of the same mapping. */
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_READ, &r));
	T_EQ(shmap_view_map(r, 0, 0, SHMAP_ACCESS_WRITE, &x), -EACCES);
	T_OK(shmap_view_map(r, 0, 0, SHMAP_ACCESS_READ, (void **)&v));
	T_ASSERT(!memcmp(v + j->put_off, j->put, strlen(j->put)));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(r));
	exit(0);
}

static void named_open_by_child(void)
{
	char p[300];
	shmap_map *m;
	shmap_map_info info;
	unsigned char *v;
	const size_t len = 20000;

	fpath(p, sizeof p, "named");
	make_file(p, len);
	T_OK(shmap_map_create_path(NAME, p, 0, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_map_query(m, &info));
	T_EQ(info.named, 1);
	T_EQ(info.file_backed, 1);
	T_EQ(info.size, len);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	memcpy(v + 100, "parent", 6);
	T_OK(shmap_view_flush(v + 100, 6));

	struct child_job j = {len, "parent", 100, "child", 15000};
	T_EQ(t_exit_code(in_child(open_and_write, &j)), 0);
	T_FILE_HAS(p, 15000, "child", 5);
	T_FILE_HAS(p, 100, "parent", 6);
	T_ASSERT(!memcmp(v + 15000, "child", 5));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &m), -ENOENT);
	T_EQ(fsize(p), len);
	T_OK(unlink(p));
}

static void named_after_rename(void)
{
	char p[300], p2[300];
	shmap_map *m;
	unsigned char *v;
	const size_t len = 2 * pg;

	fpath(p, sizeof p, "before");
	fpath(p2, sizeof p2, "after");
	make_file(p, len);
	T_OK(shmap_map_create_path(NAME, p, 0, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(rename(p, p2));
	/* A decoy takes the old path: it must not be what the child maps. */
	make_file_fill(p, len, 'D');

	struct child_job j1 = {len, NULL, 0, "renamed", 4000};
	T_EQ(t_exit_code(in_child(open_and_write, &j1)), 0);
	T_FILE_HAS(p2, 4000, "renamed", 7);
	T_ASSERT(file_is_pat(p2, 0, 4000));
	T_FILE_HAS(p, 4000, "DDDDDDD", 7);

	/* Unlinked altogether: still reachable through the creator. */
	T_OK(unlink(p2));
	struct child_job j2 = {len, "renamed", 4000, "deleted", 6000};
	T_EQ(t_exit_code(in_child(open_and_write, &j2)), 0);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&v));
	T_ASSERT(!memcmp(v + 4000, "renamed", 7));
	T_ASSERT(!memcmp(v + 6000, "deleted", 7));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &m), -ENOENT);
	T_EQ(fsize(p), len);
	T_OK(unlink(p));
}

static void named_lifetime(void)
{
	char p[300], p2[300];
	shmap_map *a, *b, *c;
	shmap_map_info info;
	unsigned char *va, *vb;
	const size_t len = 2 * pg;

	fpath(p, sizeof p, "life");
	fpath(p2, sizeof p2, "other");
	make_file(p, len);
	make_file_fill(p2, pg, 'Q');
	T_OK(shmap_map_create_path(NAME, p, 0, SHMAP_PROT_READWRITE, NULL, &a));
	/* The name exists: its own file is used, not the one given. */
	T_OK(
	    shmap_map_create_path(NAME, p2, 0, SHMAP_PROT_READWRITE, NULL, &b));
	T_EQ(shmap_map_existed(b), 1);
	T_OK(shmap_map_query(b, &info));
	T_EQ(info.size, len);
	T_EQ(info.existed, 1);
	T_EQ(info.file_backed, 1);
	T_OK(shmap_view_map(b, 0, 0, SHMAP_ACCESS_WRITE, (void **)&vb));
	T_ASSERT(is_pat(vb, 0, len));
	memcpy(vb + 10, "via b", 5);
	T_OK(shmap_view_flush(vb, 0));
	T_FILE_HAS(p, 10, "via b", 5);
	T_FILE_HAS(p2, 10, "QQQQQ", 5);
	T_OK(shmap_view_map(a, 0, 0, SHMAP_ACCESS_WRITE, (void **)&va));
	T_ASSERT(!memcmp(va + 10, "via b", 5));

	/* The name lives while any handle does. */
	T_OK(shmap_map_close(a));
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c));
	T_OK(shmap_map_close(c));
	T_OK(shmap_map_close(b));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c), -ENOENT);
	/* Views stay valid, and still reach the file. */
	T_ASSERT(!memcmp(va + 10, "via b", 5));
	memcpy(va + pg, "after close", 11);
	T_ASSERT(!memcmp(vb + pg, "after close", 11));
	T_OK(shmap_view_flush(va + pg, 11));
	T_FILE_HAS(p, pg, "after close", 11);

	/* A new create is a new object over the new file. */
	T_OK(
	    shmap_map_create_path(NAME, p2, 0, SHMAP_PROT_READWRITE, NULL, &c));
	T_EQ(shmap_map_existed(c), 0);
	T_OK(shmap_map_query(c, &info));
	T_EQ(info.size, pg);
	T_OK(shmap_map_close(c));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c), -ENOENT);
	T_OK(shmap_view_unmap(va));
	T_OK(shmap_view_unmap(vb));
	T_OK(unlink(p));
	T_OK(unlink(p2));
}

/* ---- in-page errors ---------------------------------------------------- */

/*
 * A file of three pages under a read-write view, every page brought in, then
 * cut to one page by another process: pages 1 and 2 of the view are gone.
 */
static void setup_cut(char *p, size_t plen, shmap_map **m, unsigned char **v)
{
	fpath(p, plen, "cut");
	make_file(p, 3 * pg);
	T_OK(shmap_map_create_path(NULL, p, 0, SHMAP_PROT_READWRITE, NULL, m));
	T_OK(shmap_view_map(*m, 0, 0, SHMAP_ACCESS_WRITE, (void **)v));
	for (size_t i = 0; i < 3 * pg; i += pg)
		T_EQ((*v)[i], pat(i));
	truncate_elsewhere(p, (off_t)pg);
}

static void finish_cut(const char *p, shmap_map *m, unsigned char *v)
{
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
	T_OK(unlink(p));
}

static void truncated_read_write(void)
{
	char p[300];
	shmap_map *m;
	unsigned char *v, buf[64];
	sigset_t before, after;

	setup_cut(p, sizeof p, &m, &v);
	T_OK(sigprocmask(SIG_SETMASK, NULL, &before));
	T_EQ(shmap_view_read(v + pg, buf, 16), SHMAP_EINPAGE);
	T_EQ(shmap_view_read(v + 2 * pg + 100, buf, 16), SHMAP_EINPAGE);
	T_EQ(shmap_view_read(v + pg - 8, buf, 16), SHMAP_EINPAGE);
	/* The part still backed reads fine. */
	memset(buf, 0, sizeof buf);
	T_OK(shmap_view_read(v + 10, buf, sizeof buf));
	T_ASSERT(is_pat(buf, 10, sizeof buf));
	unsigned char *page = malloc(pg);
	T_ASSERT(page);
	T_OK(shmap_view_read(v, page, pg));
	T_ASSERT(is_pat(page, 0, pg));
	free(page);
	/* Writes likewise. */
	T_EQ(shmap_view_write(v + pg, "abc", 3), SHMAP_EINPAGE);
	T_EQ(shmap_view_write(v + 2 * pg + 1, "abc", 3), SHMAP_EINPAGE);
	T_EQ(shmap_view_write(v + pg - 1, "abc", 3), SHMAP_EINPAGE);
	T_OK(shmap_view_write(v + 20, "abc", 3));
	T_OK(shmap_view_flush(v, 0));
	T_FILE_HAS(p, 20, "abc", 3);
	T_EQ(fsize(p), pg);
	/* Fault after fault: the handler stays in place. */
	for (int i = 0; i < 200; i++)
		T_EQ(shmap_view_read(v + pg + (size_t)i * 7, buf, 1),
		     SHMAP_EINPAGE);
	T_OK(sigprocmask(SIG_SETMASK, NULL, &after));
	same_mask(&before, &after);
	/* Grown back by someone, the pages are there again, zero filled. */
	truncate_elsewhere(p, (off_t)(3 * pg));
	T_OK(shmap_view_read(v + pg, buf, sizeof buf));
	T_ASSERT(all_bytes(buf, 0, sizeof buf));
	T_OK(shmap_view_write(v + 2 * pg, "back", 4));
	T_OK(shmap_view_flush(v, 0));
	T_FILE_HAS(p, 2 * pg, "back", 4);
	finish_cut(p, m, v);
}

/* Whether a is in page n of the view v. */
static int in_page(const void *a, const unsigned char *v, size_t n)
{
	const unsigned char *c = a;
	return c >= v + n * pg && c < v + (n + 1) * pg;
}

static void guard_scope(void)
{
	char p[300];
	shmap_map *m;
	unsigned char *v;
	volatile unsigned char *vv;
	volatile unsigned sum = 0;
	volatile int reached;
	shmap_guard g;
	sigset_t before, after;

	setup_cut(p, sizeof p, &m, &v);
	vv = v;
	T_OK(sigprocmask(SIG_SETMASK, NULL, &before));

	/* No fault: 0. */
	reached = 0;
	SHMAP_GUARDED(&g)
	{
		sum += vv[0];
		sum += vv[pg - 1];
		reached = 1;
	}
	T_OK(shmap_guard_end(&g));
	T_EQ(reached, 1);
	T_ASSERT(g.fault_addr == NULL);
	T_EQ(sum, pat(0) + pat(pg - 1));

	/* A read of a page that is gone ends the scope. */
	reached = 0;
	SHMAP_GUARDED(&g)
	{
		sum += vv[pg + 5];
		reached = 1;
	}
	T_EQ(shmap_guard_end(&g), SHMAP_EINPAGE);
	T_EQ(reached, 0);
	T_ASSERT(in_page(g.fault_addr, v, 1));

	/* So does a write. */
	reached = 0;
	SHMAP_GUARDED(&g)
	{
		vv[2 * pg + 7] = 1;
		reached = 1;
	}
	T_EQ(shmap_guard_end(&g), SHMAP_EINPAGE);
	T_EQ(reached, 0);
	T_ASSERT(in_page(g.fault_addr, v, 2));

	/* A scope after a faulted one starts clean. */
	reached = 0;
	SHMAP_GUARDED(&g)
	{
		vv[3] = 'g';
		reached = 1;
	}
	T_OK(shmap_guard_end(&g));
	T_EQ(reached, 1);
	T_ASSERT(g.fault_addr == NULL);
	T_OK(shmap_view_flush(v, 1));
	T_FILE_HAS(p, 3, "g", 1);

	/* Many faulted scopes in a row. */
	for (volatile int i = 0; i < 200; i++) {
		SHMAP_GUARDED(&g)
		{
			sum += vv[pg + (size_t)i];
		}
		T_EQ(shmap_guard_end(&g), SHMAP_EINPAGE);
	}
	T_OK(sigprocmask(SIG_SETMASK, NULL, &after));
	same_mask(&before, &after);
	finish_cut(p, m, v);
}

static void guard_nested(void)
{
	char p[300];
	shmap_map *m;
	unsigned char *v, buf[8];
	volatile unsigned char *vv;
	volatile unsigned sum = 0;
	volatile int irc, i2rc, rrc, after;
	int orc;
	shmap_guard outer, inner, in2;

	setup_cut(p, sizeof p, &m, &v);
	vv = v;

	/* The inner scope faults; the outer one goes on to its end. */
	irc = 1;
	after = 0;
	SHMAP_GUARDED(&outer)
	{
		SHMAP_GUARDED(&inner)
		{
			sum += vv[pg];
		}
		irc = shmap_guard_end(&inner);
		sum += vv[0];
		after = 1;
	}
	orc = shmap_guard_end(&outer);
	T_EQ(irc, SHMAP_EINPAGE);
	T_EQ(orc, 0);
	T_EQ(after, 1);
	T_ASSERT(in_page(inner.fault_addr, v, 1));
	T_ASSERT(outer.fault_addr == NULL);

	/* The outer scope faults after an inner one closed cleanly. */
	irc = 1;
	after = 0;
	SHMAP_GUARDED(&outer)
	{
		SHMAP_GUARDED(&inner)
		{
			sum += vv[1];
		}
		irc = shmap_guard_end(&inner);
		sum += vv[2 * pg + 3];
		after = 1;
	}
	orc = shmap_guard_end(&outer);
	T_EQ(irc, 0);
	T_EQ(orc, SHMAP_EINPAGE);
	T_EQ(after, 0);
	T_ASSERT(inner.fault_addr == NULL);
	T_ASSERT(in_page(outer.fault_addr, v, 2));

	/* Three deep, with the library's own scope inside a user's. */
	irc = i2rc = rrc = 1;
	after = 0;
	SHMAP_GUARDED(&outer)
	{
		SHMAP_GUARDED(&inner)
		{
			rrc = shmap_view_read(v + pg, buf, sizeof buf);
			SHMAP_GUARDED(&in2)
			{
				sum += vv[2 * pg];
			}
			i2rc = shmap_guard_end(&in2);
			sum += vv[0];
		}
		irc = shmap_guard_end(&inner);
		after = 1;
	}
	orc = shmap_guard_end(&outer);
	T_EQ(rrc, SHMAP_EINPAGE);
	T_EQ(i2rc, SHMAP_EINPAGE);
	T_EQ(irc, 0);
	T_EQ(orc, 0);
	T_EQ(after, 1);
	T_ASSERT(in_page(in2.fault_addr, v, 2));
	(void)sum; /* the reads exist to fault; their sum is not checked */

	/* A library copy that faults leaves the user's scope running. */
	SHMAP_GUARDED(&outer)
	{
		rrc = shmap_view_write(v + 2 * pg, "x", 1);
	}
	T_OK(shmap_guard_end(&outer));
	T_EQ(rrc, SHMAP_EINPAGE);
	finish_cut(p, m, v);
}

/*
 * In a grandchild: SIGBUS is at its default, a guarded fault installs shmap's
 * handler, then a fault outside any scope must still end the process.
 */
static void fault_outside_scope(void *arg)
{
	volatile unsigned char *v = arg;
	shmap_guard g;
	signal(SIGBUS, SIG_DFL);
	SHMAP_GUARDED(&g)
	{
		(void)v[pg];
	}
	if (shmap_guard_end(&g) != SHMAP_EINPAGE)
		_exit(3);
	(void)v[pg + 1];
	_exit(4);
}

static void user_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	_exit(si->si_code > 0 ? 42 : 43);
}

/* As above, with a handler of the program's installed before shmap's. */
static void fault_to_prev_handler(void *arg)
{
	volatile unsigned char *v = arg;
	shmap_guard g;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = user_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL))
		_exit(2);
	SHMAP_GUARDED(&g)
	{
		(void)v[2 * pg];
	}
	if (shmap_guard_end(&g) != SHMAP_EINPAGE)
		_exit(3);
	(void)v[pg];
	_exit(4);
}

static void sigbus_outside_scope(void)
{
	char p[300];
	shmap_map *m;
	unsigned char *v;

	setup_cut(p, sizeof p, &m, &v);
	int st = in_child(fault_outside_scope, v);
	T_ASSERT(st != -1);
	if (WIFEXITED(st))
		T_FAIL("grandchild exited %d instead of dying of SIGBUS",
		       WEXITSTATUS(st));
	T_EQ(WTERMSIG(st), SIGBUS);
	T_EQ(t_exit_code(in_child(fault_to_prev_handler, v)), 42);
	finish_cut(p, m, v);
}

/* A SIGBUS someone sends is no fault: it takes its default action. */
static void sent_outside_scope(void *arg)
{
	volatile unsigned char *v = arg;
	shmap_guard g;
	signal(SIGBUS, SIG_DFL);
	SHMAP_GUARDED(&g)
	{
		(void)v[pg];
	}
	if (shmap_guard_end(&g) != SHMAP_EINPAGE)
		_exit(3);
	kill(getpid(), SIGBUS);
	_exit(4);
}

static void sent_inside_scope(void *arg)
{
	volatile unsigned char *v = arg;
	shmap_guard g;
	signal(SIGBUS, SIG_DFL);
	SHMAP_GUARDED(&g)
	{
		(void)v[0];
		kill(getpid(), SIGBUS);
	}
	_exit(shmap_guard_end(&g) == SHMAP_EINPAGE ? 5 : 4);
}

static void sent_sigbus(void)
{
	char p[300];
	shmap_map *m;
	unsigned char *v;
	int st[2];

	setup_cut(p, sizeof p, &m, &v);
	st[0] = in_child(sent_outside_scope, v);
	st[1] = in_child(sent_inside_scope, v);
	finish_cut(p, m, v);
	for (int i = 0; i < 2; i++) {
		const char *where = i ? "inside" : "outside";
		T_ASSERT(st[i] != -1);
		if (WIFEXITED(st[i]))
			fprintf(stderr,
			        "sent SIGBUS %s a scope: grandchild "
			        "exited %d instead of dying of SIGBUS\n",
			        where, WEXITSTATUS(st[i]));
	}
	for (int i = 0; i < 2; i++) {
		T_ASSERT(WIFSIGNALED(st[i]));
		T_EQ(WTERMSIG(st[i]), SIGBUS);
	}
}

/*
 * A named file mapping grows its file only when the call creates the
 * object: not when the name exists, and not when SHMAP_ATTR_EXCL refuses.
 */
static void existing_name_never_grows(void)
{
	char a[512], b[512];
	shmap_map *first, *again;
	shmap_map_info info;
	shmap_attr excl = {0, SHMAP_ATTR_EXCL};
	fpath(a, sizeof a, "a");
	fpath(b, sizeof b, "b");
	make_file(a, 3 * pg);
	make_file(b, 10);
	T_OK(shmap_map_create_path(NAME, a, 0, SHMAP_PROT_READWRITE, NULL,
	                           &first));
	T_EQ(shmap_map_create_path(NAME, b, 1 << 20, SHMAP_PROT_READWRITE,
	                           &excl, &again),
	     -EEXIST);
	T_EQ(fsize(b), 10);
	T_OK(shmap_map_create_path(NAME, b, 1 << 20, SHMAP_PROT_READWRITE, NULL,
	                           &again));
	T_EQ(shmap_map_existed(again), 1);
	T_EQ(fsize(b), 10);
	T_OK(shmap_map_query(again, &info));
	T_EQ(info.size, 3 * pg); /* the existing object, its own file */
	T_OK(shmap_map_close(again));
	T_OK(shmap_map_close(first));
	T_OK(unlink(a));
	T_OK(unlink(b));
}

static char locked_path[512];
static int lock_pipe[2];

/* Holds a classic fcntl lock of type over the whole of locked_path, as a
 * whole-file F_SETLK or lockf does, until killed. */
static void hold_whole_lock(int type)
{
	t_lock_whole(locked_path, (short)type);
	T_EQ(write(lock_pipe[1], "r", 1), 1);
	pause();
}

/* Creates, opens by name and views a mapping of locked_path, in less than
 * a second. */
static void map_locked(int fd)
{
	shmap_map *m, *named, *o;
	void *v;
	double t0 = t_now();
	if (fd >= 0)
		T_OK(shmap_map_create_file(NULL, fd, 0, SHMAP_PROT_READWRITE,
		                           NULL, &m));
	else
		T_OK(shmap_map_create_path(NULL, locked_path, 0,
		                           SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, &v));
	T_OK(shmap_map_create_path(NAME, locked_path, 0, SHMAP_PROT_READWRITE,
	                           NULL, &named));
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_WRITE, &o));
	T_ASSERT(t_now() - t0 < 1.0);
	T_OK(shmap_map_close(o));
	T_OK(shmap_map_close(named));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
}

/* A file under someone's fcntl locks over its whole length (which cover
 * the bytes where file mappings keep their marks, docs/lifetime.md) maps
 * at once, as it did before there were marks: another process's read or
 * write lock, or this process's own. */
static void whole_file_locked(void)
{
	static const short types[] = {F_RDLCK, F_WRLCK};
	char c;
	shmap__lock_timeout_ms = 3000;
	fpath(locked_path, sizeof locked_path, "locked");
	make_file(locked_path, 4 * pg);
	T_OK(pipe(lock_pipe));
	for (size_t i = 0; i < 2; i++) {
		pid_t pid = t_spawn(hold_whole_lock, types[i]);
		T_EQ(read(lock_pipe[0], &c, 1), 1);
		map_locked(-1);
		t_kill_reap(pid);
	}
	int fd = open(locked_path, O_RDWR | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_OK(lockf(fd, F_LOCK, 0));
	map_locked(fd);
	T_OK(close(fd));
	T_OK(close(lock_pipe[0]));
	T_OK(close(lock_pipe[1]));
	T_OK(unlink(locked_path));
}

/* Sets the soft descriptor limit to spare above the lowest free
 * descriptor, keeping the limits as they were in *old. */
static void limit_fds(int spare, struct rlimit *old)
{
	struct rlimit rl;
	int top = open("/dev/null", O_RDONLY | O_CLOEXEC);
	T_ASSERT(top >= 0);
	T_OK(close(top));
	T_OK(getrlimit(RLIMIT_NOFILE, old));
	rl = *old;
	rl.rlim_cur = (rlim_t)(top + spare);
	T_OK(setrlimit(RLIMIT_NOFILE, &rl));
}

/*
 * Views of a file mapping take no descriptor each: with the descriptor
 * limit a few above what is open, hundreds of views map and the process
 * can still open files. The views keep the file's "mapped" lock byte after
 * the mapping closes, until the last of them goes.
 */
static void views_in(const char *dir)
{
	char p[512];
	void *v[300];
	shmap_map *m;
	struct rlimit old;
	snprintf(p, sizeof p, "%s/views", dir);
	make_file(p, 4 * pg);
	int probe = open(p, O_RDONLY | O_CLOEXEC);
	T_ASSERT(probe >= 0);
	T_OK(shmap_map_create_path(NULL, p, 0, SHMAP_PROT_READWRITE, NULL,
	                           &m));
	limit_fds(8, &old);
	for (size_t i = 0; i < 300; i++)
		T_OK(shmap_view_map(m, (i % 4) * pg, pg,
		                    i % 2 ? SHMAP_ACCESS_WRITE : SHMAP_ACCESS_READ,
		                    &v[i]));
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_OK(close(fd));
	T_OK(setrlimit(RLIMIT_NOFILE, &old));
	T_OK(shmap_map_close(m));
	T_EQ(shmap__share_held(probe, SHMAP__SB_MAPPED), 1);
	for (size_t i = 0; i < 299; i++)
		T_OK(shmap_view_unmap(v[i]));
	T_EQ(shmap__share_held(probe, SHMAP__SB_MAPPED), 1);
	T_OK(shmap_view_unmap(v[299]));
	T_EQ(shmap__share_held(probe, SHMAP__SB_MAPPED), 0);
	T_OK(close(probe));
	T_OK(unlink(p));
}

static void many_views_few_descriptors(void)
{
	views_in(f_dir);
}

static char ovl_mnt[300];

static void views_in_overlay(int unused)
{
	(void)unused;
	views_in(ovl_mnt);
}

/* The same on overlayfs, whose memory mappings reference the file
 * underneath rather than the open file description they were made from:
 * there only the views' own descriptor keeps the byte. Skipped where an
 * overlay cannot be mounted. */
static void views_on_overlayfs(void)
{
	char base[256], dirs[4][300], opts[1024];
	static const char *const leaf[4] = {"lower", "upper", "work", "mnt"};
	if (geteuid() != 0)
		t_skip("mounting an overlayfs needs root");
	snprintf(base, sizeof base, "/tmp/shmap-ovl.XXXXXX");
	T_ASSERT(mkdtemp(base));
	for (int i = 0; i < 4; i++) {
		snprintf(dirs[i], sizeof dirs[i], "%s/%s", base, leaf[i]);
		T_OK(mkdir(dirs[i], 0700));
	}
	snprintf(ovl_mnt, sizeof ovl_mnt, "%s", dirs[3]);
	snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s",
	         dirs[0], dirs[1], dirs[2]);
	int code = T_SKIP, merr = 0;
	if (mount("overlay", ovl_mnt, "overlay", 0, opts) < 0) {
		merr = errno;
	} else {
		code = t_exit_code(t_wait(t_spawn(views_in_overlay, 0), 30));
		if (umount(ovl_mnt) < 0 && umount2(ovl_mnt, MNT_DETACH) < 0)
			fprintf(stderr, "  umount %s: %s\n", ovl_mnt,
			        strerror(errno));
	}
	snprintf(opts, sizeof opts, "%s/views", dirs[1]);
	unlink(opts); /* left by a failed case */
	snprintf(opts, sizeof opts, "%s/work", dirs[2]);
	rmdir(opts); /* the overlay's own */
	for (int i = 3; i >= 0; i--)
		rmdir(dirs[i]);
	T_OK(rmdir(base));
	if (merr)
		t_skip("mount overlay: %s", strerror(merr));
	if (code == T_SKIP)
		t_skip("the case in the overlay skipped");
	T_EQ(code, 0);
}

/* Opening a named file mapping with no descriptor left for its file says
 * so (-EMFILE), not that the file is gone (-ESTALE). */
static void open_out_of_descriptors(void)
{
	char p[512];
	shmap_map *m, *o;
	struct rlimit old;
	fpath(p, sizeof p, "fds");
	make_file(p, pg);
	T_OK(shmap_map_create_path(NAME, p, 0, SHMAP_PROT_READWRITE, NULL,
	                           &m));
	for (int spare = 0; spare < 4; spare++) {
		limit_fds(spare, &old);
		int rc = shmap_map_open(NAME, SHMAP_ACCESS_READ, &o);
		T_OK(setrlimit(RLIMIT_NOFILE, &old));
		if (rc == 0)
			T_OK(shmap_map_close(o));
		else
			T_EQ(rc, -EMFILE);
	}
	T_OK(shmap_map_close(m));
	T_OK(unlink(p));
}

/* Runs a case that must also leave its scratch directory f_dir empty. */
static void run(const char *name, void (*fn)(void), double timeout)
{
	t_run_dir(name, fn, timeout, f_dir);
}

int main(void)
{
	t_setup();
	pg = (size_t)sysconf(_SC_PAGESIZE);
	snprintf(f_dir, sizeof f_dir, "/tmp/shmap-file.XXXXXX");
	if (!mkdtemp(f_dir)) {
		perror("mkdtemp");
		return 1;
	}
	run("create from path and from descriptor", create_path_and_fd, 30);
	run("empty file: -ENODATA, or grown", empty_file, 30);
	run("larger size grows a writable file", grow_writable, 30);
	run("growth and protection refused: -EACCES", access_refused, 30);
	run("read, write and copy-on-write views", view_kinds, 30);
	run("flush and sync reach the file", flush_and_sync, 30);
	run("named file mapping opened by a child", named_open_by_child, 30);
	run("named file mapping after rename and unlink", named_after_rename,
	    30);
	run("named file mapping lifetime", named_lifetime, 30);
	run("an existing name never grows the caller's file",
	    existing_name_never_grows, 30);
	run("a file locked whole by fcntl locks still maps at once",
	    whole_file_locked, 60);
	run("views take no descriptor each", many_views_few_descriptors, 60);
	run("views hold the file on overlayfs too", views_on_overlayfs, 60);
	run("a named file mapping opened with no descriptor left: -EMFILE",
	    open_out_of_descriptors, 30);
	run("truncated file: view read/write give EINPAGE",
	    truncated_read_write, 30);
	run("guard scope", guard_scope, 30);
	run("nested guard scopes", guard_nested, 30);
	run("SIGBUS outside any scope goes to the previous handler",
	    sigbus_outside_scope, 30);
	run("sent SIGBUS takes its default action", sent_sigbus, 30);
	t_rm_dir(f_dir);
	return t_finish();
}
