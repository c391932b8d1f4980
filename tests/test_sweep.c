/* SPDX-License-Identifier: MIT */
/*
 * Sweeping leftovers, and counting an object's handles in the kernel's lock
 * table, across real processes: what a sweep reports is what it removes, a
 * dry run removes nothing, and nothing but shmap's unheld files goes.
 */
#include "harness.h"

#define NAME "Local\\sweep"
#define SIZE 4096

/* The handles open on the object at the backing path of name, counted in
 * the lock table. */
static unsigned handles_of(const char *name)
{
	char path[4096];
	struct stat st;
	unsigned n = 12345;
	t_backing_path(name, path, sizeof path);
	T_OK(stat(path, &st));
	T_OK(shmap__lock_holders(st.st_dev, st.st_ino, 0, &n));
	return n;
}

/* The name a holder child creates (or opens, if it exists). */
static const char *g_name;

/* A child holding one handle on g_name until killed; writes a byte to fd
 * once it holds it. */
static void hold_child(int fd)
{
	shmap_map *m;
	T_OK(shmap_map_create(g_name, SIZE, SHMAP_PROT_READWRITE, NULL, &m));
	T_EQ(write(fd, "h", 1), 1);
	t_linger();
}

/* Starts a child holding name; returns once it does. */
static pid_t spawn_holder(const char *name)
{
	int p[2];
	char c;
	g_name = name;
	T_OK(pipe(p));
	pid_t pid = t_spawn(hold_child, p[1]);
	T_EQ(read(p[0], &c, 1), 1);
	close(p[0]), close(p[1]);
	return pid;
}

/* Leaves a leftover of name: its sole holder is killed. Returns its pid. */
static pid_t make_leftover(const char *name)
{
	pid_t pid = spawn_holder(name);
	t_kill_reap(pid);
	return pid;
}

static void lock_table_counts(void)
{
	shmap_map *a, *b;
	void *v;
	T_OK(shmap_map_create(NAME, SIZE, SHMAP_PROT_READWRITE, NULL, &a));
	T_EQ(handles_of(NAME), 1);
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_ALL, &b));
	T_EQ(handles_of(NAME), 2);
	pid_t k1 = spawn_holder(NAME), k2 = spawn_holder(NAME);
	T_EQ(handles_of(NAME), 4);
	/* A view holds no lock; a killed holder's lock is gone. */
	T_OK(shmap_view_map(b, 0, 0, SHMAP_ACCESS_READ, &v));
	t_kill_reap(k1);
	T_EQ(handles_of(NAME), 3);
	/* A classic fcntl lock over the byte, from outside the protocol,
	 * is no handle. */
	char path[4096];
	t_backing_path(NAME, path, sizeof path);
	pid_t pid = fork();
	if (pid == 0) {
		struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
		int fd = open(path, O_RDWR);
		T_ASSERT(fd >= 0);
		T_OK(fcntl(fd, F_SETLK, &fl));
		T_EQ(handles_of(NAME), 3);
		exit(0);
	}
	t_reap(pid);
	T_OK(shmap_map_close(b));
	T_EQ(handles_of(NAME), 2);
	t_kill_reap(k2);
	T_EQ(handles_of(NAME), 1);
	/* Only byte 0 of this file counts: its gate byte has none, nor has
	 * a file of our own nobody locks. */
	struct stat st;
	unsigned n = 99;
	T_OK(stat(path, &st));
	T_OK(shmap__lock_holders(st.st_dev, st.st_ino, 1, &n));
	T_EQ(n, 0);
	T_OK(stat(t_dir, &st));
	n = 99;
	T_OK(shmap__lock_holders(st.st_dev, st.st_ino, 0, &n));
	T_EQ(n, 0);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(a));
}

/* What a sweep's callback saw. */
struct seen {
	int calls;
	int stop_at; /* return 7 at this call (1-based), 0: never */
	char name[64];
	char path[4096];
	int error, global, live;
	unsigned handles, mode;
	enum shmap_type type;
	uint64_t size;
	pid_t creator_pid;
	uid_t creator_uid, owner;
	uint64_t ctime_ns;
};

static int record(const shmap_object_info *o, void *ctx)
{
	struct seen *s = ctx;
	s->calls++;
	snprintf(s->name, sizeof s->name, "%s", o->name ? o->name : "(null)");
	snprintf(s->path, sizeof s->path, "%s", o->path);
	s->error = o->error;
	s->global = o->global;
	s->live = o->live;
	s->handles = o->handles;
	s->mode = o->mode;
	s->type = o->type;
	s->size = o->size;
	s->creator_pid = o->creator_pid;
	s->creator_uid = o->creator_uid;
	s->owner = o->owner;
	s->ctime_ns = o->ctime_ns;
	return s->calls == s->stop_at ? 7 : 0;
}

static int exists(const char *name)
{
	char path[4096];
	struct stat st;
	t_backing_path(name, path, sizeof path);
	return stat(path, &st) == 0;
}

static void killed_holder_leftover(void)
{
	struct seen s = {0};
	char path[4096];
	pid_t pid = make_leftover(NAME);
	t_backing_path(NAME, path, sizeof path);
	/* A dry run names it and keeps it. */
	T_EQ(shmap_sweep(SHMAP_SWEEP_DRY_RUN, record, &s), 1);
	T_EQ(s.calls, 1);
	T_ASSERT(!strcmp(s.name, NAME));
	T_ASSERT(!strcmp(s.path, path));
	T_EQ(s.error, 0);
	T_EQ(s.type, SHMAP_TYPE_MAPPING);
	T_EQ(s.size, SIZE);
	T_EQ(s.creator_pid, pid);
	T_EQ(s.creator_uid, geteuid());
	T_EQ(s.owner, geteuid());
	T_EQ(s.mode, 0600);
	T_EQ(s.global, 0);
	T_EQ(s.live, 0);
	T_EQ(s.handles, 0);
	T_ASSERT(s.ctime_ns > 0);
	T_ASSERT(exists(NAME));
	T_EQ(shmap_sweep(SHMAP_SWEEP_DRY_RUN, NULL, NULL), 1);
	T_ASSERT(exists(NAME));
	/* A real sweep reports the same, then removes it. */
	memset(&s, 0, sizeof s);
	T_EQ(shmap_sweep(0, record, &s), 1);
	T_EQ(s.calls, 1);
	T_ASSERT(!strcmp(s.name, NAME));
	T_EQ(s.size, SIZE);
	T_EQ(s.creator_pid, pid);
	T_ASSERT(!exists(NAME));
	T_EQ(shmap_sweep(0, record, &s), 0);
	T_EQ(s.calls, 1);
	T_EQ(shmap_sweep(0x100, NULL, NULL), -EINVAL);
}

/* Writes a file of n bytes (from data) at the backing path of name. */
static void plant(const char *name, const void *data, size_t n)
{
	char path[4096];
	t_backing_path(name, path, sizeof path);
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	T_ASSERT(fd >= 0);
	T_EQ(write(fd, data, n), (ssize_t)n);
	close(fd);
}

static void unplant(const char *name)
{
	char path[4096];
	t_backing_path(name, path, sizeof path);
	T_OK(unlink(path));
}

/* A file with the prefix that is no object survives every sweep, the
 * first-use one included. */
static void non_object_kept(void)
{
	struct seen s = {0};
	plant("Local\\notes", "7 bytes", 7);
	/* Zeros where the magic would be: no object either. */
	static const char zeros[8192];
	plant("Local\\zeros", zeros, sizeof zeros);
	shmap_map *m;
	T_EQ(shmap_map_open("Local\\other", SHMAP_ACCESS_READ, &m), -ENOENT);
	T_EQ(shmap_sweep(SHMAP_SWEEP_DRY_RUN, record, &s), 0);
	T_EQ(shmap_sweep(0, record, &s), 0);
	T_EQ(shmap_gc(), 0);
	T_EQ(s.calls, 0);
	T_ASSERT(exists("Local\\notes") && exists("Local\\zeros"));
	unplant("Local\\notes");
	unplant("Local\\zeros");
}

/* A child that creates NAME and is killed at crash point cp. */
static void crash_child(int cp)
{
	shmap_map *m;
	shmap__crash_at = cp;
	shmap_map_create(NAME, SIZE, SHMAP_PROT_READWRITE, NULL, &m);
	_exit(3);
}

static void crash_create_at(int cp)
{
	int st;
	pid_t pid = t_spawn(crash_child, cp);
	T_EQ(waitpid(pid, &st, 0), pid);
	T_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	T_ASSERT(exists(NAME));
}

/* A create killed right after its O_EXCL leaves an empty file; one killed
 * with its data reserved, a file with the magic but no header yet. Both
 * are reported without a name, and removed. */
static void unfinished_create_removed(void)
{
	int cps[] = {SHMAP__CP_CREATE_FILE, SHMAP__CP_CREATE_SIZED};
	for (size_t i = 0; i < sizeof cps / sizeof *cps; i++) {
		struct seen s = {0};
		crash_create_at(cps[i]);
		T_EQ(shmap_sweep(SHMAP_SWEEP_DRY_RUN, record, &s), 1);
		T_ASSERT(exists(NAME));
		T_EQ(s.calls, 1);
		T_ASSERT(!strcmp(s.name, "(null)"));
		T_EQ(s.error, SHMAP_EBADOBJ);
		T_EQ(s.size, 0);
		T_EQ(s.creator_pid, 0);
		T_EQ(shmap_sweep(0, record, &s), 1);
		T_EQ(s.calls, 2);
		T_ASSERT(!exists(NAME));
	}
}

/* Another format's leftover (the right magic, another format word) is a
 * leftover too: reported as such, without its fields, and removed. */
static void other_format_removed(void)
{
	struct seen s = {0};
	struct shmap__hdr h;
	static char file[2 * 65536];
	memset(&h, 0, sizeof h);
	h.magic = SHMAP__MAGIC;
	h.format = 1; /* layout version 1's word */
	h.size = 99;
	memcpy(file, &h, sizeof h);
	plant(NAME, file, sizeof file);
	T_EQ(shmap_sweep(0, record, &s), 1);
	T_EQ(s.calls, 1);
	T_EQ(s.error, SHMAP_EFORMAT);
	T_ASSERT(!strcmp(s.name, "(null)"));
	T_EQ(s.size, 0);
	T_ASSERT(!exists(NAME));
}

/* Live objects are never reported, held here or by another process; a
 * nonzero return from fn stops the sweep, is returned, and keeps the
 * object it was called for. */
static void live_kept_and_stop(void)
{
	struct seen s = {0};
	shmap_map *mine;
	pid_t holder = spawn_holder("Local\\held");
	T_OK(shmap_map_create("Local\\mine", SIZE, SHMAP_PROT_READWRITE, NULL,
	                      &mine));
	make_leftover("Local\\left1");
	make_leftover("Local\\left2");
	s.stop_at = 1;
	T_EQ(shmap_sweep(0, record, &s), 7);
	T_EQ(s.calls, 1);
	T_ASSERT(exists("Local\\left1") && exists("Local\\left2"));
	s.stop_at = 2;
	s.calls = 0;
	T_EQ(shmap_sweep(SHMAP_SWEEP_DRY_RUN, record, &s), 7);
	T_EQ(s.calls, 2);
	T_ASSERT(exists("Local\\left1") && exists("Local\\left2"));
	s.stop_at = 2;
	s.calls = 0;
	T_EQ(shmap_sweep(0, record, &s), 7);
	T_EQ(s.calls, 2);
	T_EQ(exists("Local\\left1") + exists("Local\\left2"), 1);
	s.stop_at = 0;
	s.calls = 0;
	T_EQ(shmap_sweep(0, record, &s), 1);
	T_EQ(s.calls, 1);
	T_ASSERT(!exists("Local\\left1") && !exists("Local\\left2"));
	T_ASSERT(strcmp(s.name, "Local\\mine") && strcmp(s.name, "Local\\held"));
	T_ASSERT(exists("Local\\mine") && exists("Local\\held"));
	T_OK(shmap_map_close(mine));
	t_kill_reap(holder);
	T_EQ(shmap_gc(), 1);
}

/* Sweeps as nobody: its own leftover goes, root's Local and Global ones
 * and a file squatted under nobody's prefix by root stay. */
static void nobody_sweeps(int fd)
{
	(void)fd;
	if (t_become_nobody())
		exit(5);
	struct seen s = {0};
	make_leftover("Local\\nobodys");
	T_EQ(shmap_sweep(0, record, &s), 1);
	T_EQ(s.calls, 1);
	T_ASSERT(!strcmp(s.name, "Local\\nobodys"));
	T_EQ(s.owner, T_NOBODY);
	T_ASSERT(!exists("Local\\nobodys"));
}

static void other_users_untouched(void)
{
	if (!t_nobody_ok())
		t_skip("needs root and a switch to uid %d", T_NOBODY);
	struct seen s = {0};
	char squat[4096], mine[4096], path[4096];
	/* This process's first-use sweep, done now: the children below
	 * inherit it instead of sweeping what their siblings left. */
	T_EQ(shmap_gc(), 0);
	make_leftover("Local\\roots");
	make_leftover("Global\\roots");
	/* A root-owned file named as nobody's leftover would be. */
	snprintf(squat, sizeof squat, "%s/shmap.u%d.squat", t_dir, T_NOBODY);
	t_backing_path("Local\\roots", mine, sizeof mine);
	T_OK(rename(mine, squat));
	make_leftover("Local\\roots");
	pid_t pid = t_spawn(nobody_sweeps, 0);
	t_reap(pid);
	T_ASSERT(exists("Local\\roots") && exists("Global\\roots"));
	T_OK(access(squat, F_OK));
	/* Nor does root's sweep see nobody's files. */
	T_EQ(shmap_sweep(SHMAP_SWEEP_DRY_RUN, record, &s), 2);
	T_ASSERT(strcmp(s.path, squat));
	T_OK(unlink(squat));
	T_EQ(shmap_sweep(0, NULL, NULL), 2);
	t_backing_path("Global\\roots", path, sizeof path);
	T_ASSERT(!exists("Local\\roots") && access(path, F_OK) < 0);
}

int main(void)
{
	t_setup();
	t_run("lock table counts handles", lock_table_counts, 60);
	t_run("a killed holder's leftover: dry run, then sweep",
	      killed_holder_leftover, 60);
	t_run("a file with the prefix that is no object is kept",
	      non_object_kept, 60);
	t_run("a create killed before its header is removed",
	      unfinished_create_removed, 60);
	t_run("another format's leftover is removed", other_format_removed, 60);
	t_run("live objects kept; a nonzero callback stops",
	      live_kept_and_stop, 60);
	t_run("another user's files untouched", other_users_untouched, 60);
	return t_finish();
}
