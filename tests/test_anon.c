/* SPDX-License-Identifier: MIT */
/*
 * Anonymous mappings (sealed memfds) and handles across fork and exec:
 * inheritable and non-inheritable handles, adoption of a descriptor by an
 * exec'd child, and what shmap_map_open_fd makes of descriptors that are not
 * shmap mappings.
 */
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>

#include "harness.h"

#define NAME "Local\\test-anon"

static char adopt_path[4096]; /* build/tests/adopt_child */
static char f_dir[256];       /* scratch files, under /tmp */
static size_t pg;

static int cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	T_ASSERT(fl >= 0);
	return (fl & FD_CLOEXEC) != 0;
}

static int all_zero(const unsigned char *mem, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (mem[i])
			return 0;
	return 1;
}

/* A pipe the parent uses to tell a child to go on. */
static void go_pipe(int p[2])
{
	T_OK(pipe2(p, O_CLOEXEC));
}

static void go(int p[2])
{
	T_EQ(write(p[1], "g", 1), 1);
	T_OK(close(p[1]));
}

/* In the child: waits up to 10 s for go(). */
static void wait_go(int p[2])
{
	struct pollfd pfd = {p[0], POLLIN, 0};
	char c;
	T_OK(close(p[1]));
	T_EQ(poll(&pfd, 1, 10000), 1);
	T_EQ(read(p[0], &c, 1), 1);
	T_OK(close(p[0]));
}

/*
 * Fork+execs adopt_child on fd. It adopts the descriptor, expects the string
 * expect at offset 0 of a mapping of size bytes and writes put at size / 2.
 * Returns the child's pid; see adopt_child.c for its exit codes.
 */
static pid_t spawn_adopt(int fd, uint64_t size, int named, const char *expect,
                         const char *put)
{
	char fds[16], sizes[32], nameds[4];
	snprintf(fds, sizeof fds, "%d", fd);
	snprintf(sizes, sizeof sizes, "%llu", (unsigned long long)size);
	snprintf(nameds, sizeof nameds, "%d", named);
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		execl(adopt_path, "adopt_child", fds, sizes, nameds, expect,
		      put, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* ---- anonymous mappings ------------------------------------------------ */

static void anon_basics(void)
{
	shmap_map *m, *e;
	shmap_map_info info;
	unsigned char *v, *w, *c;
	void *x;
	int fd;
	struct stat st;
	const size_t size = 3 * pg + 100;

	T_OK(shmap_map_create(NULL, size, SHMAP_PROT_READWRITE, NULL, &m));
	T_EQ(shmap_map_existed(m), 0);
	T_OK(shmap_map_query(m, &info));
	T_EQ(info.size, size);
	T_EQ(info.prot, SHMAP_PROT_READWRITE);
	T_EQ(info.access, SHMAP_ACCESS_ALL | SHMAP_ACCESS_COPY);
	T_EQ(info.named, 0);
	T_EQ(info.file_backed, 0);
	T_EQ(info.existed, 0);
	T_EQ(info.inheritable, 0);
	/* Nothing in the backing directory: it is a memfd. */
	T_EQ(t_count_files(t_dir), 0);
	T_OK(shmap_map_fd(m, &fd));
	T_ASSERT(fd > 2);
	T_EQ(cloexec(fd), 1);
	T_OK(fstat(fd, &st));
	T_ASSERT(S_ISREG(st.st_mode));
	T_EQ(st.st_nlink, 0);
	T_EQ(st.st_size, SHMAP__HDR_SIZE + size);

	/* Zero filled, coherent views, private copies. */
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	T_OK(shmap_view_map(m, pg + 3, 10, SHMAP_ACCESS_READ, (void **)&w));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_COPY, (void **)&c));
	T_ASSERT(all_zero(v, size));
	T_ASSERT(all_zero(c, size));
	v[pg + 3] = 'a';
	v[size - 1] = 'z';
	T_EQ(w[0], 'a');
	c[0] = 'c';
	T_EQ(v[0], 0);
	T_EQ(shmap_view_map(m, 0, size + 1, SHMAP_ACCESS_READ, &x), -EINVAL);
	T_EQ(shmap_view_map(m, size, 0, SHMAP_ACCESS_READ, &x), -EINVAL);
	T_OK(shmap_view_flush(v, 0));
	T_OK(shmap_map_sync(m));
	T_OK(shmap_view_unmap(c));
	T_OK(shmap_view_unmap(w));

	/* The memory lives while a view does. */
	T_OK(shmap_map_close(m));
	T_EQ(v[pg + 3], 'a');
	T_EQ(v[size - 1], 'z');
	v[5] = 'x';
	T_OK(shmap_view_unmap(v));

	/* An empty name is no name; each create is a new object. */
	T_OK(shmap_map_create("", 4096, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_map_create("", 4096, SHMAP_PROT_READWRITE, NULL, &e));
	T_EQ(shmap_map_existed(e), 0);
	T_OK(shmap_map_query(m, &info));
	T_EQ(info.named, 0);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	T_OK(shmap_view_map(e, 0, 0, SHMAP_ACCESS_READ, (void **)&w));
	v[0] = 1;
	T_EQ(w[0], 0);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_view_unmap(w));
	T_OK(shmap_map_close(m));
	T_OK(shmap_map_close(e));

	/* Read-only anonymous memory: no write views. */
	T_OK(shmap_map_create(NULL, 4096, SHMAP_PROT_READONLY, NULL, &m));
	T_EQ(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, &x), -EACCES);
	T_OK(shmap_map_close(m));
	T_EQ(shmap_map_create(NULL, 0, SHMAP_PROT_READWRITE, NULL, &m),
	     -EINVAL);
	T_EQ(t_count_files(t_dir), 0);
}

static void anon_sealed(void)
{
	shmap_map *m, *b;
	unsigned char *v, *w;
	int fd, bfd;
	struct stat st;
	const size_t size = 2 * pg;
	const int want = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

	T_OK(shmap_map_create(NULL, size, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_map_fd(m, &fd));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	T_EQ(fcntl(fd, F_GET_SEALS) & want, want);
	errno = 0;
	T_EQ(ftruncate(fd, SHMAP__HDR_SIZE + pg), -1);
	T_EQ(errno, EPERM);
	errno = 0;
	T_EQ(ftruncate(fd, 0), -1);
	T_EQ(errno, EPERM);
	errno = 0;
	T_EQ(ftruncate(fd, SHMAP__HDR_SIZE + 4 * size), -1);
	T_EQ(errno, EPERM);
	errno = 0;
	T_EQ(fallocate(fd, 0, 0, SHMAP__HDR_SIZE + 4 * size), -1);
	T_EQ(errno, EPERM);
	/* Nobody can add or remove seals either. */
	errno = 0;
	T_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1);
	T_EQ(errno, EPERM);
	T_OK(fstat(fd, &st));
	T_EQ(st.st_size, SHMAP__HDR_SIZE + size);
	/* The whole view is still there. */
	v[size - 1] = 'e';
	T_EQ(v[size - 1], 'e');

	/* An adopted copy is the same sealed memfd. */
	T_OK(shmap_map_open_fd(fd, SHMAP_ACCESS_ALL, &b));
	T_OK(shmap_map_fd(b, &bfd));
	T_ASSERT(bfd != fd);
	T_EQ(fcntl(bfd, F_GET_SEALS) & want, want);
	errno = 0;
	T_EQ(ftruncate(bfd, 0), -1);
	T_EQ(errno, EPERM);
	T_OK(shmap_view_map(b, 0, 0, SHMAP_ACCESS_READ, (void **)&w));
	T_EQ(w[size - 1], 'e');
	T_OK(shmap_view_unmap(w));
	T_OK(shmap_map_close(b));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
}

/* ---- fork -------------------------------------------------------------- */

static void anon_inherit_fork(void)
{
	shmap_map *m;
	shmap_map_info info;
	shmap_attr inh = {0, SHMAP_ATTR_INHERIT};
	unsigned char *v;
	int fd;
	const size_t size = 2 * pg;

	T_OK(shmap_map_create(NULL, size, SHMAP_PROT_READWRITE, &inh, &m));
	T_OK(shmap_map_query(m, &info));
	T_EQ(info.inheritable, 1);
	T_OK(shmap_map_fd(m, &fd));
	T_EQ(cloexec(fd), 0);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	strcpy((char *)v, "from parent");

	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		unsigned char *cv;
		int cfd;
		T_OK(shmap_map_fd(m, &cfd));
		T_OK(
		    shmap_view_map(m, pg, 0, SHMAP_ACCESS_WRITE, (void **)&cv));
		strcpy((char *)cv, "from child");
		T_OK(shmap_view_unmap(cv));
		T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&cv));
		T_ASSERT(!strcmp((char *)cv, "from parent"));
		T_OK(shmap_view_unmap(cv));
		T_OK(shmap_view_unmap(v));
		T_OK(shmap_map_close(m));
		exit(0);
	}
	T_EQ(t_exit_code(t_wait(pid, 10)), 0);
	T_ASSERT(!strcmp((char *)v + pg, "from child"));
	/* The parent's handle is untouched by the child's close. */
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_view_map(m, pg, 0, SHMAP_ACCESS_READ, (void **)&v));
	T_ASSERT(!strcmp((char *)v, "from child"));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
}

static void anon_noinherit_fork(void)
{
	shmap_map *m;
	unsigned char *v;
	void *x;
	int fd;
	const size_t size = 2 * pg;

	T_OK(shmap_map_create(NULL, size, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	strcpy((char *)v, "before fork");

	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		T_EQ(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, &x), -EBADF);
		T_EQ(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, &x), -EBADF);
		T_EQ(shmap_map_fd(m, &fd), -EBADF);
		/* A view mapped before the fork still works. */
		T_ASSERT(!strcmp((char *)v, "before fork"));
		strcpy((char *)v + pg, "child wrote");
		T_OK(shmap_view_flush(v, 0));
		T_OK(shmap_view_unmap(v));
		T_OK(shmap_map_close(m));
		exit(0);
	}
	T_EQ(t_exit_code(t_wait(pid, 10)), 0);
	T_ASSERT(!strcmp((char *)v + pg, "child wrote"));
	/* The child's copy going away did not hurt the parent's handle. */
	T_OK(shmap_map_fd(m, &fd));
	T_ASSERT(fcntl(fd, F_GETFD) >= 0);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&v));
	T_ASSERT(!strcmp((char *)v, "before fork"));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
}

/* ---- exec -------------------------------------------------------------- */

static void exec_adopt_anon(void)
{
	shmap_map *m;
	shmap_attr inh = {0, SHMAP_ATTR_INHERIT};
	char *v;
	int fd;
	const size_t size = 4 * pg;

	T_OK(shmap_map_create(NULL, size, SHMAP_PROT_READWRITE, &inh, &m));
	T_OK(shmap_map_fd(m, &fd));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	strcpy(v, "from parent");
	pid_t pid = spawn_adopt(fd, size, 0, "from parent", "from child");
	/* Our handle may go at once: the child's descriptor keeps the memfd. */
	T_OK(shmap_map_close(m));
	T_EQ(t_exit_code(t_wait(pid, 10)), 0);
	T_ASSERT(!strcmp(v + size / 2, "from child"));

	/* A mismatch in the child is seen as one. */
	T_OK(shmap_map_create(NULL, size, SHMAP_PROT_READWRITE, &inh, &m));
	T_OK(shmap_map_fd(m, &fd));
	pid = spawn_adopt(fd, size, 0, "not there", "x");
	T_EQ(t_exit_code(t_wait(pid, 10)), 7);
	T_OK(shmap_map_close(m));
	T_OK(shmap_view_unmap(v));
}

static void exec_noinherit(void)
{
	shmap_map *m;
	char *v;
	int fd, copy;
	const size_t size = 2 * pg;

	T_OK(shmap_map_create(NULL, size, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_map_fd(m, &fd));
	T_EQ(cloexec(fd), 1);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	strcpy(v, "cloexec");
	/* The handle's own descriptor does not cross exec. */
	pid_t pid = spawn_adopt(fd, size, 0, "cloexec", "x");
	T_EQ(t_exit_code(t_wait(pid, 10)), 3);
	T_EQ(v[size / 2], 0);
	/* A copy the program makes inheritable does. */
	copy = fcntl(fd, F_DUPFD, 3);
	T_ASSERT(copy >= 0);
	pid = spawn_adopt(copy, size, 0, "cloexec", "through a copy");
	T_OK(close(copy));
	T_EQ(t_exit_code(t_wait(pid, 10)), 0);
	T_ASSERT(!strcmp(v + size / 2, "through a copy"));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
}

static void exec_adopt_named(void)
{
	shmap_map *m, *c;
	shmap_attr inh = {0, SHMAP_ATTR_INHERIT};
	char *v;
	int fd;
	const size_t size = 2 * pg;

	T_OK(shmap_map_create(NAME, size, SHMAP_PROT_READWRITE, &inh, &m));
	T_OK(shmap_map_fd(m, &fd));
	T_EQ(cloexec(fd), 0);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	strcpy(v, "named parent");
	pid_t pid = spawn_adopt(fd, size, 1, "named parent", "named child");
	T_EQ(t_exit_code(t_wait(pid, 10)), 0);
	T_ASSERT(!strcmp(v + size / 2, "named child"));
	T_OK(shmap_map_close(m));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c), -ENOENT);
	T_OK(shmap_view_unmap(v));

	/* A non-inheritable named handle, through a copy of its descriptor. */
	T_OK(shmap_map_create(NAME, size, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_map_fd(m, &fd));
	T_EQ(cloexec(fd), 1);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	strcpy(v, "second");
	int copy = fcntl(fd, F_DUPFD, 3);
	T_ASSERT(copy >= 0);
	pid = spawn_adopt(copy, size, 1, "second", "adopted");
	T_OK(close(copy));
	T_EQ(t_exit_code(t_wait(pid, 10)), 0);
	T_ASSERT(!strcmp(v + size / 2, "adopted"));
	/* The child's close and exit left our hold alone. */
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c));
	T_OK(shmap_map_close(c));
	T_OK(shmap_map_close(m));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c), -ENOENT);
	T_OK(shmap_view_unmap(v));
}

/* ---- shmap_map_open_fd on what is no shmap mapping --------------------- */

static int tmp_file(const char *leaf, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", f_dir, leaf);
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600);
	T_ASSERT(fd >= 0);
	return fd;
}

/* Copies all of from into to, from offset 0. */
static void copy_fd(int from, int to)
{
	struct stat st;
	T_OK(fstat(from, &st));
	char *b = malloc((size_t)st.st_size);
	T_ASSERT(b);
	T_EQ(pread(from, b, (size_t)st.st_size, 0), st.st_size);
	T_EQ(pwrite(to, b, (size_t)st.st_size, 0), st.st_size);
	free(b);
}

static void open_fd_not_shmap(void)
{
	shmap_map *m, *a, *n;
	struct shmap__obj ev;
	struct shmap__hdr tmpl;
	char path[300], path2[300];
	int fd, p[2];

	T_EQ(shmap_map_open_fd(-1, SHMAP_ACCESS_READ, &m), -EBADF);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_OK(close(fd));
	T_EQ(shmap_map_open_fd(fd, SHMAP_ACCESS_READ, &m), -EBADF);

	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	T_EQ(shmap_map_open_fd(fd, SHMAP_ACCESS_READ, &m), SHMAP_EBADOBJ);
	T_OK(close(fd));
	fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_EQ(shmap_map_open_fd(fd, SHMAP_ACCESS_READ, &m), SHMAP_EBADOBJ);
	T_OK(close(fd));
	T_OK(pipe2(p, O_CLOEXEC));
	T_EQ(shmap_map_open_fd(p[0], SHMAP_ACCESS_READ, &m), SHMAP_EBADOBJ);
	T_OK(close(p[0]));
	T_OK(close(p[1]));

	/* Regular files: empty, short, garbage. */
	fd = tmp_file("garbage", path, sizeof path);
	T_EQ(shmap_map_open_fd(fd, SHMAP_ACCESS_READ, &m), SHMAP_EBADOBJ);
	T_EQ(pwrite(fd, "SHMAPOBJ", 8, 0), 8);
	T_EQ(shmap_map_open_fd(fd, SHMAP_ACCESS_READ, &m), SHMAP_EBADOBJ);
	char junk[3 * 4096];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)(i * 131 + 17);
	T_EQ(pwrite(fd, junk, sizeof junk, 0), (ssize_t)sizeof junk);
	T_EQ(shmap_map_open_fd(fd, SHMAP_ACCESS_ALL, &m), SHMAP_EBADOBJ);
	memset(junk, 0xff, sizeof junk);
	T_EQ(pwrite(fd, junk, sizeof junk, 0), (ssize_t)sizeof junk);
	T_EQ(shmap_map_open_fd(fd, SHMAP_ACCESS_ALL, &m), SHMAP_EBADOBJ);
	T_OK(close(fd));
	T_OK(unlink(path));

	/* A true anonymous object's bytes, but not in a sealed memfd. */
	T_OK(shmap_map_create(NULL, 4096, SHMAP_PROT_READWRITE, NULL, &a));
	int afd;
	T_OK(shmap_map_fd(a, &afd));
	fd = tmp_file("anon-copy", path, sizeof path);
	copy_fd(afd, fd);
	T_EQ(shmap_map_open_fd(fd, SHMAP_ACCESS_ALL, &m), SHMAP_EBADOBJ);
	T_OK(close(fd));
	T_OK(unlink(path));
	fd = memfd_create("forged", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	T_ASSERT(fd >= 0);
	copy_fd(afd, fd);
	T_EQ(shmap_map_open_fd(fd, SHMAP_ACCESS_ALL, &m), SHMAP_EBADOBJ);
	T_OK(close(fd));
	T_OK(shmap_map_close(a));

	/* A true named object's bytes in another file: not that object. */
	T_OK(shmap_map_create(NAME, 4096, SHMAP_PROT_READWRITE, NULL, &n));
	int nfd;
	T_OK(shmap_map_fd(n, &nfd));
	fd = tmp_file("named-copy", path2, sizeof path2);
	copy_fd(nfd, fd);
	int rc = shmap_map_open_fd(fd, SHMAP_ACCESS_ALL, &m);
	T_ASSERT(rc == SHMAP_EBADOBJ || rc == -ENOENT);
	T_OK(close(fd));
	T_OK(unlink(path2));
	/* ... and the attempt left the real one as it was. */
	T_OK(shmap_map_close(n));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &m), -ENOENT);

	/* Another type of shmap object. */
	memset(&tmpl, 0, sizeof tmpl);
	tmpl.type = SHMAP_TYPE_EVENT;
	T_OK(shmap__obj_create("Local\\test-anon-ev", &tmpl, 64, NULL, &ev));
	T_EQ(shmap_map_open_fd(ev.fd, SHMAP_ACCESS_READ, &m), SHMAP_ETYPE);
	T_OK(shmap__obj_close(&ev));

	/* Bad arguments. */
	T_OK(shmap_map_create(NULL, 4096, SHMAP_PROT_READWRITE, NULL, &a));
	T_OK(shmap_map_fd(a, &afd));
	T_EQ(shmap_map_open_fd(afd, 0, &m), -EINVAL);
	T_EQ(shmap_map_open_fd(afd, SHMAP_ACCESS_READ, NULL), -EINVAL);
	T_OK(shmap_map_close(a));
	T_EQ(t_count_files(f_dir), 0);
}

/* ---- holds: adopted descriptors and inherited handles ------------------ */

static void open_fd_separate_hold(void)
{
	shmap_map *a, *b, *c;
	shmap_map_info info;
	char *va, *vb;
	int fd, stale;

	T_OK(shmap_map_create(NAME, 8192, SHMAP_PROT_READWRITE, NULL, &a));
	T_OK(shmap_map_fd(a, &fd));
	T_OK(shmap_map_open_fd(fd, SHMAP_ACCESS_ALL, &b));
	T_OK(shmap_map_query(b, &info));
	T_EQ(info.named, 1);
	T_EQ(info.size, 8192);
	T_EQ(info.access, SHMAP_ACCESS_ALL);
	T_OK(shmap_view_map(a, 0, 0, SHMAP_ACCESS_WRITE, (void **)&va));
	T_OK(shmap_view_map(b, 0, 0, SHMAP_ACCESS_WRITE, (void **)&vb));
	strcpy(va, "through a");
	T_ASSERT(!strcmp(vb, "through a"));

	/* b is a hold of its own: the name outlives a. */
	T_OK(shmap_map_close(a));
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c));
	T_OK(shmap_map_close(c));
	T_OK(shmap_map_close(b));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c), -ENOENT);
	T_ASSERT(!strcmp(vb, "through a"));
	T_OK(shmap_view_unmap(va));
	T_OK(shmap_view_unmap(vb));

	/* The other order. */
	T_OK(shmap_map_create(NAME, 8192, SHMAP_PROT_READWRITE, NULL, &a));
	T_OK(shmap_map_fd(a, &fd));
	T_OK(shmap_map_open_fd(fd, SHMAP_ACCESS_READ, &b));
	T_OK(shmap_map_query(b, &info));
	T_EQ(info.access, SHMAP_ACCESS_READ);
	T_EQ(shmap_view_map(b, 0, 0, SHMAP_ACCESS_WRITE, (void **)&vb),
	     -EACCES);
	T_OK(shmap_map_close(b));
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c));
	T_OK(shmap_map_close(c));

	/* A descriptor of an object whose name is gone adopts nothing ... */
	stale = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	T_ASSERT(stale >= 0);
	T_OK(shmap_map_close(a));
	T_EQ(shmap_map_open_fd(stale, SHMAP_ACCESS_READ, &b), -ENOENT);
	/* ... not even a new object of the same name. */
	T_OK(shmap_map_create(NAME, 8192, SHMAP_PROT_READWRITE, NULL, &a));
	T_EQ(shmap_map_existed(a), 0);
	T_EQ(shmap_map_open_fd(stale, SHMAP_ACCESS_READ, &b), -ENOENT);
	T_OK(close(stale));
	T_OK(shmap_map_close(a));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c), -ENOENT);
}

/*
 * The child of an inheritable handle h: it says it runs, waits until the
 * parent has closed all of its handles, then finds the name still held by
 * h; its own close of h (and of extra, an unusable handle, if given) is the
 * last, and the name goes.
 */
static void inherited_hold_child(int go_p[2], int ready_p[2], shmap_map *h,
                                 shmap_map *extra, char *pv)
{
	shmap_map *c;
	char *v;
	void *x;
	int fd;

	T_OK(close(ready_p[0]));
	go(ready_p);
	wait_go(go_p);
	if (extra) {
		T_EQ(shmap_view_map(extra, 0, 0, SHMAP_ACCESS_READ, &x),
		     -EBADF);
		T_EQ(shmap_map_fd(extra, &fd), -EBADF);
		T_OK(shmap_map_close(extra));
	}
	T_OK(shmap_map_fd(h, &fd));
	T_EQ(cloexec(fd), 0);
	T_OK(shmap_view_map(h, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	T_ASSERT(!strcmp(v, "parent"));
	strcpy(v + 100, "child");
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c));
	T_OK(shmap_map_close(c));
	T_OK(shmap_map_close(h));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c), -ENOENT);
	T_OK(shmap_view_unmap(pv));
	exit(0);
}

/*
 * A named inheritable handle, made by create with SHMAP_ATTR_INHERIT or by
 * open with SHMAP_OPEN_INHERIT, is a hold of its own in a forked child. With
 * wait_ready the parent closes its handles once the child runs; without, at
 * once after fork returns, as a program does after CreateProcess: the
 * child's hold must exist by then.
 */
static void named_inherit(int by_open, int wait_ready)
{
	shmap_map *a, *b = NULL, *c, *h;
	shmap_map_info info;
	shmap_attr inh = {0, SHMAP_ATTR_INHERIT};
	char *v;
	int fd, go_p[2], ready_p[2];

	if (by_open) {
		T_OK(shmap_map_create(NAME, 8192, SHMAP_PROT_READWRITE, NULL,
		                      &a));
		T_OK(shmap_map_open(NAME, SHMAP_ACCESS_ALL | SHMAP_OPEN_INHERIT,
		                    &b));
		T_OK(shmap_map_query(a, &info));
		T_EQ(info.inheritable, 0);
		T_OK(shmap_map_fd(a, &fd));
		T_EQ(cloexec(fd), 1);
		h = b;
	} else {
		T_OK(shmap_map_create(NAME, 8192, SHMAP_PROT_READWRITE, &inh,
		                      &a));
		h = a;
	}
	T_OK(shmap_map_query(h, &info));
	T_EQ(info.inheritable, 1);
	T_EQ(info.access,
	     by_open ? SHMAP_ACCESS_ALL : SHMAP_ACCESS_ALL | SHMAP_ACCESS_COPY);
	T_OK(shmap_map_fd(h, &fd));
	T_EQ(cloexec(fd), 0);
	T_OK(shmap_view_map(a, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	strcpy(v, "parent");
	go_pipe(go_p);
	go_pipe(ready_p);
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0)
		inherited_hold_child(go_p, ready_p, h, by_open ? a : NULL, v);
	T_OK(close(go_p[0]));
	if (wait_ready)
		wait_go(ready_p);
	T_OK(shmap_map_close(a));
	T_OK(shmap_map_close(b));
	/* Still live: the child holds it. */
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c));
	T_OK(shmap_map_close(c));
	go(go_p);
	T_EQ(t_exit_code(t_wait(pid, 10)), 0);
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c), -ENOENT);
	T_ASSERT(!strcmp(v + 100, "child"));
	T_OK(shmap_view_unmap(v));
	if (!wait_ready) {
		T_OK(close(ready_p[1]));
		T_OK(close(ready_p[0]));
	}
}

static void inherit_attr_child_runs(void)
{
	named_inherit(0, 1);
}

/*
 * A child that is slow to start: this fork handler, registered before the
 * library registers its own, runs first in every forked child. The parent
 * then closes its handles before the child has run any code of shmap's.
 */
static void slow_child(void)
{
	usleep(100000);
}

static void inherit_attr_at_once(void)
{
	T_OK(pthread_atfork(NULL, NULL, slow_child));
	named_inherit(0, 0);
}

static void inherit_open_child_runs(void)
{
	named_inherit(1, 1);
}

static void inherit_open_at_once(void)
{
	T_OK(pthread_atfork(NULL, NULL, slow_child));
	named_inherit(1, 0);
}

static void named_noinherit_fork(void)
{
	shmap_map *m, *c;
	char *v;
	void *x;
	int fd;

	T_OK(shmap_map_create(NAME, 8192, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	strcpy(v, "parent");
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		T_EQ(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, &x), -EBADF);
		T_EQ(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, &x), -EBADF);
		T_EQ(shmap_map_fd(m, &fd), -EBADF);
		/* A view mapped before the fork still works. */
		T_ASSERT(!strcmp(v, "parent"));
		strcpy(v + 100, "child");
		/* The child's close is 0 and ends nothing of the parent's. */
		T_OK(shmap_map_close(m));
		T_OK(shmap_map_open(NAME, SHMAP_ACCESS_ALL, &c));
		T_OK(shmap_map_close(c));
		T_OK(shmap_view_unmap(v));
		exit(0);
	}
	T_EQ(t_exit_code(t_wait(pid, 10)), 0);
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c));
	T_OK(shmap_map_close(c));
	T_ASSERT(!strcmp(v + 100, "child"));
	/* The parent's handle works as before. */
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&v));
	T_ASSERT(!strcmp(v + 100, "child"));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &c), -ENOENT);
}

/* Runs a case that must also leave its scratch directory f_dir empty. */
static void run(const char *name, void (*fn)(void), double timeout)
{
	t_run_dir(name, fn, timeout, f_dir);
}

int main(void)
{
	char self[4096];
	t_setup();
	pg = (size_t)sysconf(_SC_PAGESIZE);
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0) {
		perror("readlink /proc/self/exe");
		return 1;
	}
	self[n] = 0;
	snprintf(adopt_path, sizeof adopt_path, "%s/adopt_child",
	         dirname(self));
	if (access(adopt_path, X_OK)) {
		fprintf(stderr, "%s: %s\n", adopt_path, strerror(errno));
		return 1;
	}
	snprintf(f_dir, sizeof f_dir, "/tmp/shmap-anon.XXXXXX");
	if (!mkdtemp(f_dir)) {
		perror("mkdtemp");
		return 1;
	}
	run("anonymous mapping basics", anon_basics, 30);
	run("anonymous memfd is sealed", anon_sealed, 30);
	run("inheritable anonymous handle in a forked child", anon_inherit_fork,
	    30);
	run("non-inheritable anonymous handle in a forked child",
	    anon_noinherit_fork, 30);
	run("exec'd child adopts an anonymous mapping", exec_adopt_anon, 30);
	run("close-on-exec descriptor, and an inheritable copy", exec_noinherit,
	    30);
	run("exec'd child adopts a named mapping", exec_adopt_named, 30);
	run("open_fd on descriptors that are no shmap mapping",
	    open_fd_not_shmap, 30);
	run("open_fd of a named object is a hold of its own",
	    open_fd_separate_hold, 30);
	run("inheritable named handle (ATTR_INHERIT), close once child runs",
	    inherit_attr_child_runs, 30);
	run("inheritable named handle (OPEN_INHERIT), close once child runs",
	    inherit_open_child_runs, 30);
	run("inheritable named handle (ATTR_INHERIT), close right after fork",
	    inherit_attr_at_once, 30);
	run("inheritable named handle (OPEN_INHERIT), close right after fork",
	    inherit_open_at_once, 30);
	run("non-inheritable named handle in a forked child",
	    named_noinherit_fork, 30);
	t_rm_dir(f_dir);
	return t_finish();
}
