/* SPDX-License-Identifier: MIT */
/*
 * An object whose create has not finished (its creator stopped, or killed
 * before the object was built) is not found, in Local and Global names and
 * under any umask: never refused for its mode. Empty files of owners the
 * namespace does not trust stay refused.
 */
#include <fcntl.h>
#include <grp.h>

#include "harness.h"

#define RW SHMAP_PROT_READWRITE

static int g_nobody_ok;

static const char *g_name;
static mode_t g_umask;
static pid_t g_stopped; /* a creator left stopped should a check fail */

static void kill_stopped(void)
{
	if (g_stopped > 0)
		kill(g_stopped, SIGKILL);
}

static int do_create(const char *name, int mutex)
{
	shmap_attr attr = {0666, 0};
	const shmap_attr *a = !strncmp(name, "Global\\", 7) ? &attr : NULL;
	if (mutex) {
		shmap_sync *s;
		int rc = shmap_mutex_create(name, 0, a, &s);
		if (rc == 0)
			shmap_sync_close(s);
		return rc;
	}
	shmap_map *m;
	int rc = shmap_map_create(name, 65536, RW, a, &m);
	if (rc == 0)
		shmap_map_close(m);
	return rc;
}

/* A creator of name under umask, stopped by sig at crash point cp. */
static pid_t creator_at(const char *name, int mutex, int cp, int sig)
{
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		umask(g_umask);
		shmap__crash_signal = sig;
		shmap__crash_at = cp;
		_exit(do_create(name, mutex) == 0 ? 0 : 4);
	}
	int st = 0;
	if (sig == SIGSTOP) {
		g_stopped = pid;
		atexit(kill_stopped);
	}
	for (int i = 0; i < 2000; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG | WUNTRACED);
		T_ASSERT(r >= 0);
		if (r == pid) {
			if (sig == SIGSTOP)
				T_ASSERT(WIFSTOPPED(st));
			else
				T_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == sig);
			return pid;
		}
		usleep(5000);
	}
	T_FAIL("the creator did not reach its crash point");
	return -1;
}

static int open_rc(const char *name, int mutex)
{
	if (mutex) {
		shmap_sync *s;
		int rc = shmap_mutex_open(name, 0, &s);
		if (rc == 0)
			shmap_sync_close(s);
		return rc;
	}
	shmap_map *m;
	int rc = shmap_map_open(name, SHMAP_ACCESS_ALL, &m);
	if (rc == 0)
		shmap_map_close(m);
	return rc;
}

/* nobody's open of name gives want (only where nobody may switch). */
static void nobody_opens(const char *name, int mutex, int want)
{
	if (!g_nobody_ok || strncmp(name, "Global\\", 7))
		return;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (t_become_nobody())
			_exit(2);
		_exit(open_rc(name, mutex) == want ? 0 : 1);
	}
	if (t_exit_code(t_wait(pid, 20)) != 0)
		T_FAIL("nobody's open of %s did not give %d", name, want);
}

static void killed_creator(int mutex)
{
	const char *name = g_name;
	/* Killed right after making its file: not found, for anyone, and
	 * a later create is fresh. */
	creator_at(name, mutex, SHMAP__CP_CREATE_FILE, SIGKILL);
	nobody_opens(name, mutex, -ENOENT);
	T_EQ(open_rc(name, mutex), -ENOENT);
	T_EQ(t_count_files(t_dir), 0);
	creator_at(name, mutex, SHMAP__CP_CREATE_FILE, SIGKILL);
	umask(g_umask);
	T_OK(do_create(name, mutex));
	T_EQ(t_count_files(t_dir), 0);
}

static void stopped_creator(int mutex)
{
	const char *name = g_name;
	/* Stopped in its live window: not found; resumed, it finishes. */
	pid_t pid = creator_at(name, mutex, SHMAP__CP_CREATE_FILE, SIGSTOP);
	nobody_opens(name, mutex, -ENOENT);
	T_EQ(open_rc(name, mutex), -ENOENT);
	T_OK(kill(pid, SIGCONT));
	T_EQ(t_exit_code(t_wait(pid, 20)), 0);
	T_EQ(t_count_files(t_dir), 0);
	/* Stopped a second time before anyone looks: resumed, it builds
	 * the object in its file, with the mode asked for. */
	pid = creator_at(name, mutex, SHMAP__CP_CREATE_FILE, SIGSTOP);
	T_OK(kill(pid, SIGCONT));
	T_EQ(t_exit_code(t_wait(pid, 20)), 0);
}

static void need_global(void)
{
	if (!strncmp(g_name, "Global\\", 7) && geteuid() != 0)
		t_skip("a Global\\ name needs root");
}

static void killed_map(void)
{
	need_global();
	killed_creator(0);
}

static void killed_mutex(void)
{
	need_global();
	killed_creator(1);
}

static void stopped_map(void)
{
	need_global();
	stopped_creator(0);
}

static void stopped_mutex(void)
{
	need_global();
	stopped_creator(1);
}

/* Makes an empty file at path with exactly mode. */
static void raw_empty(const char *path, mode_t mode)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, mode);
	T_ASSERT(fd >= 0);
	T_OK(fchmod(fd, mode));
	close(fd);
}

/*
 * Empty files stay refused where the owner is not trusted: another user's,
 * a Local one readable by others, and a privileged one someone holds.
 */
static void untrusted_empty_refused(void)
{
	char path[4096];
	struct stat st;
	if (geteuid() != 0 || !g_nobody_ok)
		t_skip("%s", geteuid() ? "not root"
		                       : "a child cannot become nobody here");
	/* nobody's empty files at root's Local and at a Global name. */
	static const char *const names[] = {"Local\\e", "Global\\e"};
	for (int i = 0; i < 2; i++) {
		t_backing_path(names[i], path, sizeof path);
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			if (t_become_nobody())
				_exit(2);
			raw_empty(path, 0600);
			_exit(0);
		}
		T_EQ(t_exit_code(t_wait(pid, 20)), 0);
		T_EQ(open_rc(names[i], 0), -EACCES);
		T_EQ(do_create(names[i], 0), -EACCES);
		T_OK(stat(path, &st));
		T_EQ(st.st_uid, T_NOBODY);
		T_EQ(st.st_size, 0);
		T_OK(unlink(path));
	}
	/* root's own empty Local file others may read. */
	t_backing_path("Local\\e", path, sizeof path);
	raw_empty(path, 0644);
	T_EQ(open_rc("Local\\e", 0), -EACCES);
	T_OK(unlink(path));
	/* root's empty Global 0644 file, which nobody opened and holds
	 * with a read lock: refused, without waiting. */
	t_backing_path("Global\\e", path, sizeof path);
	raw_empty(path, 0644);
	int p[2], q[2];
	T_OK(pipe(p));
	T_OK(pipe(q)); /* the holder lives until we close q[1] or exit */
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		char c = 1;
		if (t_become_nobody())
			_exit(2);
		int fd = open(path, O_RDONLY);
		struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET,
		                   .l_start = 0, .l_len = 1};
		if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) < 0)
			_exit(3);
		close(q[1]);
		if (write(p[1], &c, 1) != 1)
			_exit(4);
		if (read(q[0], &c, 1) < 0)
			_exit(5);
		_exit(0);
	}
	close(q[0]);
	char c;
	T_EQ(read(p[0], &c, 1), 1);
	double t0 = t_now();
	T_EQ(open_rc("Global\\e", 0), -EACCES);
	T_EQ(do_create("Global\\e", 0), -EACCES);
	T_ASSERT(t_now() - t0 < 5);
	close(q[1]);
	T_EQ(t_exit_code(t_wait(pid, 20)), 0);
	/* Unheld now: an unfinished leftover, removed. */
	T_EQ(open_rc("Global\\e", 0), -ENOENT);
	T_EQ(t_count_files(t_dir), 0);
}

static void run(const char *ns, const char *what, void (*fn)(void))
{
	static const mode_t masks[] = {022, 0277};
	char label[128];
	g_name = ns;
	for (int i = 0; i < 2; i++) {
		g_umask = masks[i];
		snprintf(label, sizeof label, "%s %s, umask %03o", ns, what,
		         (unsigned)masks[i]);
		t_run(label, fn, 60);
	}
}

int main(void)
{
	t_setup();
	g_nobody_ok = t_nobody_ok();
	static const char *const names[] = {"Local\\unfinished",
	                                    "Global\\unfinished"};
	for (int i = 0; i < 2; i++) {
		run(names[i], "map, creator killed", killed_map);
		run(names[i], "mutex, creator killed", killed_mutex);
		run(names[i], "map, creator stopped", stopped_map);
		run(names[i], "mutex, creator stopped", stopped_mutex);
	}
	t_run("untrusted empty files refused", untrusted_empty_refused, 60);
	return t_finish();
}
