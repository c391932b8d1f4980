/* SPDX-License-Identifier: MIT */
/*
 * Security: per-user namespaces, squatted and planted backing files, object
 * modes and the Global\ privilege rule, with real processes of two users
 * (root and nobody). Needs root; every case skips otherwise.
 */
#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>

#include "harness.h"

#define RW SHMAP_PROT_READWRITE

static int g_nobody_ok; /* whether a child can become nobody here */

static void need_root(void)
{
	if (geteuid() != 0 || !g_nobody_ok)
		t_skip("%s", geteuid() ? "not root"
		                       : "a child cannot become nobody here");
}

/* Forks a child running as nobody: returns its pid, or 0 in the child. */
static pid_t fork_nobody(void)
{
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0 && t_become_nobody())
		T_FAIL("cannot become nobody: %s", strerror(errno));
	return pid;
}

static void wait_ok(pid_t pid)
{
	int code = t_exit_code(t_wait(pid, 20));
	if (code != 0)
		T_FAIL("the nobody child failed (exit %d)", code);
}

/* One-byte messages between the two sides of a case. */
static void send_byte(int fd, char c)
{
	T_EQ(write(fd, &c, 1), 1);
}

static void recv_byte(int fd, char want)
{
	char c = 0;
	if (read(fd, &c, 1) != 1)
		T_FAIL("the other process went away (expected '%c')", want);
	T_EQ(c, want);
}

/* Makes a plain file with exactly mode (umask notwithstanding). */
static void raw_create(const char *path, mode_t mode, const char *data)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, mode);
	if (fd < 0)
		T_FAIL("open %s: %s", path, strerror(errno));
	T_OK(fchmod(fd, mode));
	T_EQ(write(fd, data, strlen(data)), (long long)strlen(data));
	T_OK(close(fd));
}

/* What a file looked like, to show later that nobody touched it. */
struct snap {
	struct stat st;
	char data[256];
	ssize_t n;
};

static void snap_take(const char *path, struct snap *s)
{
	memset(s, 0, sizeof *s);
	if (lstat(path, &s->st) < 0)
		T_FAIL("lstat %s: %s", path, strerror(errno));
	if (S_ISLNK(s->st.st_mode)) {
		s->n = readlink(path, s->data, sizeof s->data);
		return;
	}
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	T_ASSERT(fd >= 0);
	if (S_ISREG(s->st.st_mode))
		s->n = read(fd, s->data, sizeof s->data);
	close(fd);
}

static int ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static void snap_same(const char *path, const struct snap *a)
{
	struct snap b;
	snap_take(path, &b);
	T_EQ(b.st.st_dev, a->st.st_dev);
	T_EQ(b.st.st_ino, a->st.st_ino);
	T_EQ(b.st.st_mode, a->st.st_mode);
	T_EQ(b.st.st_uid, a->st.st_uid);
	T_EQ(b.st.st_gid, a->st.st_gid);
	T_EQ(b.st.st_nlink, a->st.st_nlink);
	T_EQ(b.st.st_size, a->st.st_size);
	T_ASSERT(ts_eq(b.st.st_mtim, a->st.st_mtim));
	T_ASSERT(ts_eq(b.st.st_ctim, a->st.st_ctim));
	T_EQ(b.n, a->n);
	T_ASSERT(!memcmp(b.data, a->data, sizeof b.data));
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void dir_path(const char *leaf, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", t_dir, leaf);
}

/* The backing directory is shared like /dev/shm: nobody can use it. */
static void backing_dir_shared(void)
{
	struct stat st;
	char path[512];
	need_root();
	T_OK(stat(t_dir, &st));
	T_EQ(st.st_mode & 07777, 01777);
	dir_path("nobody-probe", path, sizeof path);
	pid_t pid = fork_nobody();
	if (pid == 0) {
		raw_create(path, 0600, "probe");
		T_OK(unlink(path));
		exit(0);
	}
	wait_ok(pid);
	T_ASSERT(!exists(path));
}

/*
 * nobody plants a file where root's Local\x lives (the uid is in the file
 * name, so the path is predictable): root must refuse it, not use it, not
 * remove it, and not change a byte of it.
 */
static void squat_local(mode_t mode)
{
	char path[4096];
	struct snap before;
	shmap_map *m = NULL;
	shmap_attr excl = {0, SHMAP_ATTR_EXCL};
	need_root();
	t_backing_path("Local\\x", path, sizeof path); /* root's path */
	T_ASSERT(strstr(path, "shmap.u0."));
	pid_t pid = fork_nobody();
	if (pid == 0) {
		raw_create(path, mode, "squatter's bytes");
		exit(0);
	}
	wait_ok(pid);
	snap_take(path, &before);
	T_EQ(before.st.st_uid, T_NOBODY);
	T_EQ(before.st.st_mode & 07777, mode);
	T_EQ(shmap_map_create("Local\\x", 4096, RW, NULL, &m), -EACCES);
	T_EQ(shmap_map_create("x", 4096, RW, NULL, &m), -EACCES);
	T_EQ(shmap_map_create("Local\\x", 4096, RW, &excl, &m), -EACCES);
	T_EQ(shmap_map_open("Local\\x", SHMAP_ACCESS_ALL, &m), -EACCES);
	T_EQ(shmap_map_open("Local\\x", SHMAP_ACCESS_READ, &m), -EACCES);
	snap_same(path, &before);
	/* Once the squatter is gone the name works again. */
	T_OK(unlink(path));
	T_OK(shmap_map_create("Local\\x", 4096, RW, NULL, &m));
	T_EQ(shmap_map_existed(m), 0);
	T_OK(shmap_map_close(m));
}

static void squat_local_0600(void)
{
	squat_local(0600);
}

static void squat_local_0666(void)
{
	squat_local(0666);
}

/* A directory or a FIFO squatted at root's Local path is refused too. */
static void squat_local_special(void)
{
	char path[4096];
	struct snap before;
	shmap_map *m = NULL;
	int rc;
	need_root();
	t_backing_path("Local\\special", path, sizeof path);
	for (int kind = 0; kind < 2; kind++) {
		pid_t pid = fork_nobody();
		if (pid == 0) {
			if (kind == 0)
				T_OK(mkdir(path, 0777));
			else
				T_OK(mkfifo(path, 0666));
			exit(0);
		}
		wait_ok(pid);
		snap_take(path, &before);
		rc = shmap_map_create("Local\\special", 4096, RW, NULL, &m);
		if (rc >= 0)
			T_FAIL("create over a squatted %s gave %d",
			       kind ? "FIFO" : "directory", rc);
		rc = shmap_map_open("Local\\special", SHMAP_ACCESS_ALL, &m);
		if (rc >= 0)
			T_FAIL("open of a squatted %s gave %d",
			       kind ? "FIFO" : "directory", rc);
		snap_same(path, &before);
		if (kind == 0)
			T_OK(rmdir(path));
		else
			T_OK(unlink(path));
	}
}

/*
 * A symlink at the backing path, to a file or to nowhere, is refused by
 * create and open, for Local and Global names, and its target is untouched
 * (a dangling target is not created).
 */
static void symlink_refused(void)
{
	static const char *const names[] = {"Local\\link", "Global\\link"};
	char path[4096], target[512], nowhere[512];
	struct snap link_before, target_before;
	shmap_map *m = NULL;
	need_root();
	dir_path("link-target", target, sizeof target);
	dir_path("link-nowhere", nowhere, sizeof nowhere);
	raw_create(target, 0600, "the target's bytes");
	for (int i = 0; i < 2; i++) {
		t_backing_path(names[i], path, sizeof path);
		for (int dangling = 0; dangling < 2; dangling++) {
			T_OK(symlink(dangling ? nowhere : target, path));
			snap_take(path, &link_before);
			snap_take(target, &target_before);
			T_EQ(shmap_map_create(names[i], 4096, RW, NULL, &m),
			     -EACCES);
			T_EQ(shmap_map_open(names[i], SHMAP_ACCESS_ALL, &m),
			     -EACCES);
			T_EQ(shmap_map_open(names[i], SHMAP_ACCESS_READ, &m),
			     -EACCES);
			snap_same(path, &link_before);
			snap_same(target, &target_before);
			T_ASSERT(!exists(nowhere));
			T_OK(unlink(path));
		}
	}
	/* The same planted by nobody. */
	t_backing_path("Local\\link", path, sizeof path);
	pid_t pid = fork_nobody();
	if (pid == 0) {
		T_OK(symlink(target, path));
		exit(0);
	}
	wait_ok(pid);
	snap_take(target, &target_before);
	T_EQ(shmap_map_create("Local\\link", 4096, RW, NULL, &m), -EACCES);
	T_EQ(shmap_map_open("Local\\link", SHMAP_ACCESS_ALL, &m), -EACCES);
	snap_same(target, &target_before);
	T_OK(unlink(path));
	T_OK(unlink(target));
}

/* A Local backing file of the right owner but another mode is refused. */
static void local_wrong_mode(void)
{
	static const mode_t modes[] = {0644, 0666,  0660,  0604, 0400,
	                               0700, 02600, 04600, 01600};
	char path[4096];
	struct snap before;
	shmap_map *m = NULL, *a = NULL;
	void *v;
	need_root();
	t_backing_path("Local\\mode", path, sizeof path);
	/* A raw file root made with another mode. */
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		raw_create(path, modes[i], "not an object of ours");
		snap_take(path, &before);
		T_EQ(shmap_map_create("Local\\mode", 4096, RW, NULL, &m),
		     -EACCES);
		T_EQ(shmap_map_open("Local\\mode", SHMAP_ACCESS_READ, &m),
		     -EACCES);
		snap_same(path, &before);
		T_OK(unlink(path));
	}
	/* A live object whose mode someone changed afterwards. */
	T_OK(shmap_map_create("Local\\mode", 4096, RW, NULL, &a));
	T_OK(shmap_view_map(a, 0, 0, SHMAP_ACCESS_WRITE, &v));
	strcpy(v, "live");
	T_OK(chmod(path, 0644));
	T_EQ(shmap_map_open("Local\\mode", SHMAP_ACCESS_READ, &m), -EACCES);
	T_EQ(shmap_map_create("Local\\mode", 4096, RW, NULL, &m), -EACCES);
	T_ASSERT(!strcmp(v, "live"));
	T_OK(chmod(path, 0600));
	T_OK(shmap_map_open("Local\\mode", SHMAP_ACCESS_READ, &m));
	T_OK(shmap_map_close(m));
	/* A second link to the file is refused as well. */
	char extra[512];
	dir_path("extra-link", extra, sizeof extra);
	T_OK(link(path, extra));
	T_EQ(shmap_map_open("Local\\mode", SHMAP_ACCESS_READ, &m), -EACCES);
	T_OK(unlink(extra));
	T_OK(chmod(path, 0640));
	/* The holder's close still removes its own name. */
	T_OK(shmap_map_close(a));
	T_ASSERT(!exists(path));
	T_ASSERT(!strcmp(v, "live"));
	T_OK(shmap_view_unmap(v));
}

/*
 * root and nobody create "Local\same" at the same moment: two fresh objects
 * in two files, neither sees the other's bytes, and nobody's name never
 * reaches root's object.
 */
static void local_names_per_user(void)
{
	char root_path[4096], nobody_path[4096];
	int to_child[2], to_parent[2];
	shmap_map *m = NULL;
	unsigned char *v;
	need_root();
	t_backing_path("Local\\same", root_path, sizeof root_path);
	T_OK(pipe(to_child));
	T_OK(pipe(to_parent));
	pid_t pid = fork_nobody();
	if (pid == 0) {
		shmap_map *c = NULL, *o = NULL;
		unsigned char *cv, *ov;
		close(to_child[1]);
		close(to_parent[0]);
		t_backing_path("Local\\same", nobody_path, sizeof nobody_path);
		T_ASSERT(strcmp(nobody_path, root_path));
		send_byte(to_parent[1], 'r');
		recv_byte(to_child[0], 'g');
		T_OK(shmap_map_create("Local\\same", 4096, RW, NULL, &c));
		T_EQ(shmap_map_existed(c), 0);
		T_OK(shmap_view_map(c, 0, 0, SHMAP_ACCESS_WRITE, (void **)&cv));
		for (int i = 0; i < 4096; i++)
			T_EQ(cv[i], 0);
		memset(cv, 0x55, 4096);
		send_byte(to_parent[1], 'c');
		recv_byte(to_child[0], 'v');
		for (int i = 0; i < 4096; i++)
			T_EQ(cv[i], 0x55);
		/* Its own name reaches its own object, never root's. */
		T_OK(shmap_map_open("Local\\same", SHMAP_ACCESS_READ, &o));
		T_OK(shmap_view_map(o, 0, 0, SHMAP_ACCESS_READ, (void **)&ov));
		T_EQ(ov[0], 0x55);
		T_OK(shmap_view_unmap(ov));
		T_OK(shmap_map_close(o));
		/* root's file is closed to it, by mode. */
		T_EQ(open(root_path, O_RDWR), -1);
		T_EQ(errno, EACCES);
		T_OK(shmap_view_unmap(cv));
		T_OK(shmap_map_close(c));
		/* root's object is live, yet nobody's name is absent. */
		T_EQ(shmap_map_open("Local\\same", SHMAP_ACCESS_READ, &o),
		     -ENOENT);
		T_ASSERT(!exists(nobody_path));
		exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	recv_byte(to_parent[0], 'r');
	send_byte(to_child[1], 'g');
	T_OK(shmap_map_create("Local\\same", 4096, RW, NULL, &m));
	T_EQ(shmap_map_existed(m), 0);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	for (int i = 0; i < 4096; i++)
		T_EQ(v[i], 0);
	memset(v, 0xaa, 4096);
	recv_byte(to_parent[0], 'c');
	/* Both objects are live now, in two files of two owners. */
	struct stat rs, ns;
	snprintf(nobody_path, sizeof nobody_path, "%s/shmap.u%u.same", t_dir,
	         T_NOBODY);
	T_OK(stat(root_path, &rs));
	T_OK(stat(nobody_path, &ns));
	T_EQ(rs.st_uid, 0);
	T_EQ(ns.st_uid, T_NOBODY);
	T_EQ(rs.st_mode & 07777, 0600);
	T_EQ(ns.st_mode & 07777, 0600);
	T_ASSERT(rs.st_ino != ns.st_ino);
	send_byte(to_child[1], 'v');
	wait_ok(pid);
	for (int i = 0; i < 4096; i++)
		T_EQ(v[i], 0xaa);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
	close(to_child[1]);
	close(to_parent[0]);
}

/* Creating in Global\ needs privilege, and a refusal leaves nothing. */
static void global_create_needs_privilege(void)
{
	char path[4096];
	need_root();
	t_backing_path("Global\\g", path, sizeof path);
	pid_t pid = fork_nobody();
	if (pid == 0) {
		shmap_map *m = NULL;
		shmap_attr open_mode = {0666, 0};
		T_EQ(shmap_map_create("Global\\g", 4096, RW, NULL, &m),
		     -EACCES);
		T_EQ(shmap_map_create("Global\\g", 4096, RW, &open_mode, &m),
		     -EACCES);
		T_ASSERT(!exists(path));
		T_EQ(shmap_map_open("Global\\g", SHMAP_ACCESS_READ, &m),
		     -ENOENT);
		T_EQ(t_count_files(t_dir), 0);
		exit(0);
	}
	wait_ok(pid);
	T_ASSERT(!exists(path));
}

/*
 * A Global object's mode decides who may open it: 0666 lets nobody in (read
 * and write, and create returns the existing object), 0600 keeps it out.
 */
static void global_mode_decides(void)
{
	shmap_map *g = NULL, *p = NULL;
	shmap_attr open_mode = {0666, 0};
	char path[4096], ppath[4096];
	struct stat st;
	char *v;
	need_root();
	T_OK(shmap_map_create("Global\\g", 8192, RW, &open_mode, &g));
	T_OK(shmap_map_create("Global\\private", 8192, RW, NULL, &p));
	t_backing_path("Global\\g", path, sizeof path);
	t_backing_path("Global\\private", ppath, sizeof ppath);
	T_OK(stat(path, &st));
	T_EQ(st.st_mode & 07777, 0666);
	T_OK(stat(ppath, &st));
	T_EQ(st.st_mode & 07777, 0600);
	T_OK(shmap_view_map(g, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	strcpy(v, "from root");
	pid_t pid = fork_nobody();
	if (pid == 0) {
		shmap_map *a = NULL, *b = NULL, *r = NULL;
		shmap_attr excl = {0666, SHMAP_ATTR_EXCL};
		shmap_map_info info;
		char *cv;
		T_OK(shmap_map_open("Global\\g", SHMAP_ACCESS_ALL, &a));
		T_OK(shmap_view_map(a, 0, 0, SHMAP_ACCESS_WRITE, (void **)&cv));
		T_ASSERT(!strcmp(cv, "from root"));
		strcpy(cv + 100, "from nobody");
		T_OK(shmap_view_unmap(cv));
		T_OK(shmap_map_open("Global\\g", SHMAP_ACCESS_READ, &r));
		T_OK(shmap_map_close(r));
		T_OK(shmap_map_create("Global\\g", 4096, RW, NULL, &b));
		T_EQ(shmap_map_existed(b), 1);
		T_OK(shmap_map_query(b, &info));
		T_EQ(info.size, 8192);
		T_EQ(shmap_map_create("Global\\g", 4096, RW, &excl, &r),
		     -EEXIST);
		T_OK(shmap_map_close(b));
		T_OK(shmap_map_close(a));
		/* The 0600 one stays closed to it, every way. */
		T_EQ(shmap_map_open("Global\\private", SHMAP_ACCESS_READ, &r),
		     -EACCES);
		T_EQ(shmap_map_open("Global\\private", SHMAP_ACCESS_ALL, &r),
		     -EACCES);
		T_EQ(shmap_map_create("Global\\private", 4096, RW, NULL, &r),
		     -EACCES);
		exit(0);
	}
	wait_ok(pid);
	T_ASSERT(!strcmp(v + 100, "from nobody"));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(g));
	T_OK(shmap_map_close(p));
	T_ASSERT(!exists(path));
	T_ASSERT(!exists(ppath));
}

/*
 * nobody plants "shmap.g.<name>" before root uses the Global name: root
 * refuses it, whatever its mode, and leaves it as it is.
 */
static void squat_global(void)
{
	static const mode_t modes[] = {0600, 0666};
	char path[4096];
	struct snap before;
	shmap_map *m = NULL;
	shmap_attr open_mode = {0666, 0};
	need_root();
	t_backing_path("Global\\squat", path, sizeof path);
	for (int i = 0; i < 2; i++) {
		pid_t pid = fork_nobody();
		if (pid == 0) {
			raw_create(path, modes[i], "squatter's bytes");
			exit(0);
		}
		wait_ok(pid);
		snap_take(path, &before);
		T_EQ(before.st.st_uid, T_NOBODY);
		T_EQ(shmap_map_create("Global\\squat", 4096, RW, NULL, &m),
		     -EACCES);
		T_EQ(
		    shmap_map_create("Global\\squat", 4096, RW, &open_mode, &m),
		    -EACCES);
		T_EQ(shmap_map_open("Global\\squat", SHMAP_ACCESS_ALL, &m),
		     -EACCES);
		T_EQ(shmap_map_open("Global\\squat", SHMAP_ACCESS_READ, &m),
		     -EACCES);
		snap_same(path, &before);
		T_OK(unlink(path));
	}
}

/*
 * A 0666 Global object lets nobody write its bytes, header included. That
 * must not let nobody choose the file root's handles reach: a header turned
 * into a file mapping of a root-only file is refused, and the file stays
 * unread and unwritten.
 */
static void global_header_cannot_redirect(void)
{
	static const char secret_data[] = "root's secret";
	shmap_map *g = NULL, *m = NULL;
	shmap_attr open_mode = {0666, 0};
	char secret[512], path[4096];
	struct stat ss;
	struct snap before;
	need_root();
	dir_path("secret", secret, sizeof secret);
	raw_create(secret, 0600, secret_data);
	T_OK(stat(secret, &ss));
	T_OK(shmap_map_create("Global\\redir", 4096, RW, &open_mode, &g));
	t_backing_path("Global\\redir", path, sizeof path);
	pid_t pid = fork_nobody();
	if (pid == 0) {
		struct shmap__hdr h;
		int fd = open(path, O_RDWR);
		T_ASSERT(fd >= 0);
		T_EQ(open(secret, O_RDONLY), -1); /* not nobody's to read */
		T_EQ(pread(fd, &h, sizeof h, 0), (long long)sizeof h);
		h.flags = SHMAP__HF_FILE;
		h.size = sizeof secret_data - 1;
		h.file_dev = ss.st_dev;
		h.file_ino = ss.st_ino;
		memset(h.path, 0, sizeof h.path);
		snprintf(h.path, sizeof h.path, "%s", secret);
		h.path_len = (uint32_t)strlen(h.path);
		T_EQ(pwrite(fd, &h, sizeof h, 0), (long long)sizeof h);
		T_OK(ftruncate(fd, (off_t)h.data_offset));
		close(fd);
		exit(0);
	}
	wait_ok(pid);
	snap_take(secret, &before);
	int rc = shmap_map_open("Global\\redir", SHMAP_ACCESS_ALL, &m);
	int leaked = 0;
	if (rc == 0) {
		char *v;
		T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&v));
		leaked = !memcmp(v, secret_data, sizeof secret_data - 1);
		T_OK(shmap_view_unmap(v));
		T_OK(shmap_map_close(m));
	}
	T_OK(shmap_map_close(g));
	snap_same(secret, &before);
	T_OK(unlink(secret));
	if (rc == 0)
		T_FAIL("root opened a Global object whose header another user "
		       "pointed at a root-only file%s",
		       leaked ? "; its view shows that file" : "");
	T_ASSERT(rc < 0);
}

/*
 * nobody holds the last handle to root's 0666 Global object: its close ends
 * the object (Windows lifetime) and reports success, for both users.
 */
static void global_last_close_by_other_user(void)
{
	shmap_map *g = NULL, *m = NULL;
	shmap_attr open_mode = {0666, 0};
	int to_child[2], to_parent[2];
	unsigned char *v;
	need_root();
	T_OK(shmap_map_create("Global\\handoff", 4096, RW, &open_mode, &g));
	T_OK(pipe(to_child));
	T_OK(pipe(to_parent));
	pid_t pid = fork_nobody();
	if (pid == 0) {
		shmap_map *c = NULL, *o = NULL;
		char *cv;
		close(to_child[1]);
		close(to_parent[0]);
		T_OK(shmap_map_open("Global\\handoff", SHMAP_ACCESS_ALL, &c));
		T_OK(shmap_view_map(c, 0, 0, SHMAP_ACCESS_WRITE, (void **)&cv));
		strcpy(cv, "old object");
		T_OK(shmap_view_unmap(cv));
		send_byte(to_parent[1], 'o');
		recv_byte(to_child[0], 'c'); /* root has closed */
		int rc = shmap_map_close(c);
		T_EQ(shmap_map_open("Global\\handoff", SHMAP_ACCESS_READ, &o),
		     -ENOENT);
		T_EQ(shmap_map_create("Global\\handoff", 4096, RW, NULL, &o),
		     -EACCES);
		/* The file is root's, in a sticky directory: nobody cannot
		 * unlink it, but that is no error of the close. */
		T_EQ(rc, 0);
		exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	recv_byte(to_parent[0], 'o');
	T_OK(shmap_map_close(g));
	send_byte(to_child[1], 'c');
	wait_ok(pid);
	/* For root too the name is gone: a create makes a new object over
	 * what the unlink nobody could not do left behind. */
	T_OK(shmap_map_create("Global\\handoff", 4096, RW, NULL, &m));
	T_EQ(shmap_map_existed(m), 0);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&v));
	for (int i = 0; i < 4096; i++)
		T_EQ(v[i], 0);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
	T_EQ(shmap_map_open("Global\\handoff", SHMAP_ACCESS_READ, &m), -ENOENT);
	close(to_child[1]);
	close(to_parent[0]);
}

/*
 * umask never narrows a Global mode chosen in the attributes; a Local object
 * is 0600 whatever attr.mode and umask say.
 */
static const struct {
	const char *name;
	unsigned mode; /* attr.mode */
	mode_t want;   /* the file's */
} g_modes[] = {
    {"Global\\m", 0666, 0666},  {"Global\\m", 0, 0600},
    {"Global\\m", 0640, 0600},  {"Global\\m", 0604, 0600},
    {"Global\\m", 0644, 0600},  {"Global\\m", 0660, 0660},
    {"Global\\m", 0606, 0606},  {"Global\\m", 0664, 0660},
    {"Global\\m", 0777, 0666},
    {"Global\\m", 06666, 0666}, {"Local\\m", 0666, 0600},
    {"Local\\m", 0644, 0600},   {"Local\\m", 0, 0600},
    {"Local\\m", 0400, 0600},   {"m", 0777, 0600},
};

static void modes_and_umask(void)
{
	static const mode_t umasks[] = {077, 0, 0777, 022};
	char path[4096];
	struct stat st;
	shmap_map *m = NULL;
	need_root();
	for (size_t u = 0; u < sizeof umasks / sizeof umasks[0]; u++) {
		umask(umasks[u]);
		for (size_t i = 0; i < sizeof g_modes / sizeof g_modes[0];
		     i++) {
			shmap_attr attr = {g_modes[i].mode, 0};
			const char *name = g_modes[i].name;
			T_OK(shmap_map_create(name, 4096, RW, &attr, &m));
			T_EQ(shmap_map_existed(m), 0);
			t_backing_path(name, path, sizeof path);
			T_OK(stat(path, &st));
			if ((st.st_mode & 07777) != g_modes[i].want)
				T_FAIL("%s mode %o under umask %03o: file mode "
				       "%o, expected %o",
				       name, g_modes[i].mode, umasks[u],
				       st.st_mode & 07777, g_modes[i].want);
			T_EQ(st.st_uid, 0);
			T_OK(shmap_map_close(m));
		}
		/* NULL attributes: 0600 in both namespaces. */
		T_OK(shmap_map_create("Global\\m", 4096, RW, NULL, &m));
		t_backing_path("Global\\m", path, sizeof path);
		T_OK(stat(path, &st));
		T_EQ(st.st_mode & 07777, 0600);
		T_OK(shmap_map_close(m));
	}
}

/* A Global mode whose class may write without reading is refused. */
static void global_write_only_refused(void)
{
	static const unsigned bad[] = {0622, 0620, 0602, 0632};
	shmap_map *m = NULL;
	need_root();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		shmap_attr attr = {bad[i], 0};
		T_EQ(shmap_map_create("Global\\w", 4096, RW, &attr, &m),
		     -EACCES);
		T_EQ(t_count_files(t_dir), 0);
	}
}

static double elapsed(double t0)
{
	return t_now() - t0;
}

/* Takes an OFD lock of type on byte 1 (the gate) of fd; 0 or -1. */
static int lock_gate(int fd, short type)
{
	return t_ofd_lock(fd, type, 1);
}

/*
 * nobody makes the backing file of root's name (Local: root's own path;
 * Global) and holds its gate: root's create and open fail at once with
 * -EACCES, without waiting on the lock, and leave the file as it is.
 */
static void squat_with_gate_held(void)
{
	static const char *names[] = {"Local\\gsq", "Global\\gsq"};
	static const short types[] = {F_WRLCK, F_RDLCK};
	shmap_map *m = NULL;
	shmap_attr open_mode = {0666, 0};
	need_root();
	for (int i = 0; i < 4; i++) {
		const char *name = names[i % 2];
		int to_parent[2], to_child[2];
		char path[4096];
		T_OK(pipe(to_parent));
		T_OK(pipe(to_child));
		t_backing_path(name, path, sizeof path);
		pid_t pid = fork_nobody();
		if (pid == 0) {
			close(to_parent[0]), close(to_child[1]);
			int fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0666);
			T_ASSERT(fd >= 0);
			T_OK(fchmod(fd, 0666));
			T_OK(lock_gate(fd, types[i / 2]));
			send_byte(to_parent[1], 'l');
			recv_byte(to_child[0], 'd');
			close(fd);
			exit(0);
		}
		recv_byte(to_parent[0], 'l');
		double t0 = t_now();
		T_EQ(shmap_map_create(name, 4096, RW, NULL, &m), -EACCES);
		T_EQ(shmap_map_create(name, 4096, RW, &open_mode, &m), -EACCES);
		T_EQ(shmap_map_open(name, SHMAP_ACCESS_ALL, &m), -EACCES);
		T_ASSERT(elapsed(t0) < 1.0);
		send_byte(to_child[1], 'd');
		wait_ok(pid);
		T_OK(unlink(path));
		close(to_parent[0]), close(to_parent[1]);
		close(to_child[0]), close(to_child[1]);
	}
}

/*
 * A Global object created 0644 is 0600: a user with read permission only
 * cannot even open the file, so it cannot lock a byte of it. A file of the
 * old read-only-others kind (0644) is refused before any lock, so a reader
 * holding its gate stalls neither root's open nor its last close.
 */
static void global_reader_cannot_stall(void)
{
	shmap_map *g = NULL, *m = NULL;
	shmap_attr ro = {0644, 0};
	char path[4096];
	struct stat st;
	int to_parent[2], to_child[2];
	need_root();
	T_OK(shmap_map_create("Global\\ro", 4096, RW, &ro, &g));
	t_backing_path("Global\\ro", path, sizeof path);
	T_OK(stat(path, &st));
	T_EQ(st.st_mode & 07777, 0600);
	pid_t pid = fork_nobody();
	if (pid == 0) {
		T_EQ(open(path, O_RDONLY), -1);
		T_EQ(errno, EACCES);
		exit(0);
	}
	wait_ok(pid);
	/* The old kind: root's live object, readable by others. */
	T_OK(chmod(path, 0644));
	T_OK(pipe(to_parent));
	T_OK(pipe(to_child));
	pid = fork_nobody();
	if (pid == 0) {
		close(to_parent[0]), close(to_child[1]);
		int fd = open(path, O_RDONLY);
		T_ASSERT(fd >= 0);
		T_OK(lock_gate(fd, F_RDLCK));
		send_byte(to_parent[1], 'l');
		recv_byte(to_child[0], 'd');
		close(fd);
		exit(0);
	}
	recv_byte(to_parent[0], 'l');
	double t0 = t_now();
	T_EQ(shmap_map_open("Global\\ro", SHMAP_ACCESS_ALL, &m), -EACCES);
	T_OK(shmap_map_close(g));
	T_ASSERT(elapsed(t0) < 1.0);
	send_byte(to_child[1], 'd');
	wait_ok(pid);
	/* Root's close could not take the gate; the file is unheld and the
	 * next gc removes it. */
	T_EQ(shmap_gc(), 1);
	T_ASSERT(!exists(path));
	close(to_parent[0]), close(to_parent[1]);
	close(to_child[0]), close(to_child[1]);
}

/*
 * A user granted read-write on a 0666 Global object may make operations on
 * it fail, never hang: a read lock on the gate fails root's open at once
 * with -EBUSY, a write lock after the lock timeout; root's last close
 * returns within a fraction of a second either way, and once the peer lets
 * go the name is gone and its file cleaned up by the next user.
 */
static void global_writer_gate_bounded(void)
{
	static const short types[] = {F_RDLCK, F_WRLCK};
	shmap_attr open_mode = {0666, 0};
	need_root();
	shmap__lock_timeout_ms = 300;
	for (int i = 0; i < 2; i++) {
		shmap_map *g = NULL, *m = NULL;
		int to_parent[2], to_child[2];
		char path[4096];
		T_OK(shmap_map_create("Global\\wr", 4096, RW, &open_mode, &g));
		t_backing_path("Global\\wr", path, sizeof path);
		T_OK(pipe(to_parent));
		T_OK(pipe(to_child));
		pid_t pid = fork_nobody();
		if (pid == 0) {
			close(to_parent[0]), close(to_child[1]);
			int fd = open(path, O_RDWR);
			T_ASSERT(fd >= 0);
			T_OK(lock_gate(fd, types[i]));
			send_byte(to_parent[1], 'l');
			recv_byte(to_child[0], 'd');
			close(fd);
			exit(0);
		}
		recv_byte(to_parent[0], 'l');
		double t0 = t_now();
		T_EQ(shmap_map_open("Global\\wr", SHMAP_ACCESS_ALL, &m), -EBUSY);
		T_EQ(shmap_map_create("Global\\wr", 4096, RW, &open_mode, &m),
		     -EBUSY);
		double t = elapsed(t0);
		if (types[i] == F_RDLCK)
			T_ASSERT(t < 0.2);
		else
			T_ASSERT(t >= 0.55 && t < 2.0);
		t0 = t_now();
		T_OK(shmap_map_close(g));
		t = elapsed(t0);
		if (types[i] == F_RDLCK)
			T_ASSERT(t < 0.2);
		else
			T_ASSERT(t >= 0.09 && t < 0.5);
		send_byte(to_child[1], 'd');
		wait_ok(pid);
		T_EQ(shmap_map_open("Global\\wr", SHMAP_ACCESS_ALL, &m), -ENOENT);
		T_ASSERT(!exists(path));
		close(to_parent[0]), close(to_parent[1]);
		close(to_child[0]), close(to_child[1]);
	}
}

int main(void)
{
	t_setup();
	g_nobody_ok = t_nobody_ok();
	if (geteuid() == 0 && !g_nobody_ok)
		fprintf(stderr, "cannot switch to uid %d: skipping\n", T_NOBODY);
	t_run("backing directory is shared", backing_dir_shared, 20);
	t_run("Local name squatted by nobody (0600)", squat_local_0600, 20);
	t_run("Local name squatted by nobody (0666)", squat_local_0666, 20);
	t_run("Local name squatted by a directory or FIFO", squat_local_special,
	      20);
	t_run("symlink at the backing path", symlink_refused, 20);
	t_run("Local file of the wrong mode or links", local_wrong_mode, 20);
	t_run("Local names are per user", local_names_per_user, 20);
	t_run("Global create needs privilege", global_create_needs_privilege,
	      20);
	t_run("Global mode decides who opens", global_mode_decides, 20);
	t_run("Global name squatted by nobody", squat_global, 20);
	t_run("Global header cannot redirect root",
	      global_header_cannot_redirect, 20);
	t_run("Global last close by another user",
	      global_last_close_by_other_user, 20);
	t_run("modes and umask", modes_and_umask, 20);
	t_run("Global write-only class refused", global_write_only_refused, 20);
	t_run("name squatted with its gate held", squat_with_gate_held, 20);
	t_run("Global reader cannot stall root", global_reader_cannot_stall, 20);
	t_run("Global writer's gate lock is bounded",
	      global_writer_gate_bounded, 20);
	return t_finish();
}
