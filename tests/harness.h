/* SPDX-License-Identifier: MIT */
/*
 * A small test harness. Each test program runs its cases in forked children
 * under a timeout, so one hang or crash cannot stall or take down the suite.
 * Every program works in a private backing directory and fails if anything
 * is left in it. Exit codes: 0 pass, 1 fail, 77 skip.
 *
 * SHMAP_TEST_CASE=<text> runs only the cases whose names contain text
 * (ignoring case); SHMAP_TEST_LIST=1 lists the cases instead of running
 * them. A case that cannot run here says why with t_skip("reason"), and
 * the program ends with a "skipped: <case>: <reason>" line for each.
 */
#ifndef SHMAP_TEST_HARNESS_H
#define SHMAP_TEST_HARNESS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "shmap.h"

#define T_SKIP 77

#define T_FAIL(...)                                                            \
	do {                                                                   \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                \
		fprintf(stderr, __VA_ARGS__);                                  \
		fprintf(stderr, "\n");                                         \
		exit(1);                                                       \
	} while (0)

#define T_ASSERT(c)                                                            \
	do {                                                                   \
		if (!(c))                                                      \
			T_FAIL("assertion failed: %s", #c);                    \
	} while (0)

/* Asserts an int expression equals an expected int, showing both. */
#define T_EQ(a, b)                                                             \
	do {                                                                   \
		long long t_a = (long long)(a), t_b = (long long)(b);          \
		if (t_a != t_b)                                                \
			T_FAIL("%s == %lld (%s), expected %s == %lld", #a,    \
			       t_a, t_a < 0 ? shmap_strerror((int)t_a) : "",  \
			       #b, t_b);                                       \
	} while (0)

#define T_OK(e) T_EQ((e), 0)

static char t_dir[256];

/* The case running (in its process and their children), or NULL. */
static const char *t_case;

/* Shared with every process of a case: the first reason given for
 * skipping it. */
struct t_shared {
	int taken;
	char why[200];
};
static struct t_shared *t_sh;

/* Records why (unless a process of the case recorded a reason first, the
 * more precise one) and says it on stderr. */
static inline void t_skip_why(const char *fmt, va_list ap)
{
	char why[sizeof t_sh->why];
	vsnprintf(why, sizeof why, fmt, ap);
	fprintf(stderr, "skip: %s: %s\n",
	        t_case ? t_case : program_invocation_short_name, why);
	/* Any order would do: the reason is read once the case has ended. */
	if (t_sh && !__atomic_exchange_n(&t_sh->taken, 1, __ATOMIC_RELAXED))
		memcpy(t_sh->why, why, sizeof why);
}

/* Skips the case (exit 77), saying why (a printf format). */
__attribute__((format(printf, 1, 2), noreturn)) static inline void
t_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	t_skip_why(fmt, ap);
	va_end(ap);
	exit(T_SKIP);
}

/* As t_skip, but returns T_SKIP for a child to pass to its parent. */
__attribute__((format(printf, 1, 2))) static inline int
t_skip_code(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	t_skip_why(fmt, ap);
	va_end(ap);
	return T_SKIP;
}

/* Takes (F_RDLCK, F_WRLCK) or lets go (F_UNLCK) of an OFD lock on byte of
 * fd, without waiting: fcntl's result. */
static inline int t_ofd_lock(int fd, short type, off_t byte)
{
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = byte;
	fl.l_len = 1;
	return fcntl(fd, F_OFD_SETLK, &fl);
}

/* Files in dir, not counting "." and "..". */
static inline int t_count_files(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static inline void t_list_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			fprintf(stderr, "  left: %s\n", e->d_name);
	closedir(d);
}

static inline void t_rm_dir(const char *dir)
{
	char p[512];
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* Creates the private backing directory; call first in main. */
static inline void t_setup(void)
{
	snprintf(t_dir, sizeof t_dir, "/dev/shm/shmap-test.XXXXXX");
	if (!mkdtemp(t_dir)) {
		snprintf(t_dir, sizeof t_dir, "/tmp/shmap-test.XXXXXX");
		if (!mkdtemp(t_dir)) {
			perror("mkdtemp");
			exit(1);
		}
	}
	chmod(t_dir, 01777); /* like /dev/shm: other users may create */
	void *sh = mmap(NULL, sizeof *t_sh, PROT_READ | PROT_WRITE,
	                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	t_sh = sh == MAP_FAILED ? NULL : sh;
	setenv("SHMAP_DIR", t_dir, 1);
	shmap__set_dir(t_dir);
}

/* Path of the backing file of name for the current user. */
static inline void t_backing_path(const char *name, char *buf, size_t len)
{
	struct shmap__name n;
	if (shmap__name_parse(name, &n) || shmap__name_path(&n, geteuid(), buf, len))
		T_FAIL("cannot compute backing path of %s", name);
}

/* Maps the whole backing file of name, shared and writable, storing its
 * size in *size: a test's view of what a hostile peer can write. */
static inline unsigned char *t_map_backing(const char *name, size_t *size)
{
	char path[4096];
	t_backing_path(name, path, sizeof path);
	int fd = open(path, O_RDWR);
	T_ASSERT(fd >= 0);
	struct stat sb;
	T_OK(fstat(fd, &sb));
	unsigned char *m = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE,
	                        MAP_SHARED, fd, 0);
	T_ASSERT(m != MAP_FAILED);
	close(fd);
	*size = (size_t)sb.st_size;
	return m;
}

static inline double t_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for pid up to timeout seconds; kills it then. Returns wait status. */
static inline int t_wait(pid_t pid, double timeout)
{
	int st;
	double end = t_now() + timeout;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		if (r < 0)
			return -1;
		if (t_now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			fprintf(stderr, "  timed out after %.0f s\n", timeout);
			return -1;
		}
		usleep(1000);
	}
}

/* Returns the exit code of a child that exited, or -1 (signal, timeout). */
static inline int t_exit_code(int st)
{
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The uid and gid of the unprivileged user tests switch to. */
#define T_NOBODY 65534

/* Makes this process nobody, with no supplementary groups; 0 on success. */
static inline int t_become_nobody(void)
{
	return setgroups(0, NULL) || setgid(T_NOBODY) || setuid(T_NOBODY) ||
	       geteuid() != T_NOBODY;
}

/* Whether a forked child can switch to nobody here (root only, and not in
 * every sandbox). */
static inline int t_nobody_ok(void)
{
	if (geteuid() != 0)
		return 0;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(t_become_nobody() ? 1 : 0);
	return pid > 0 && t_exit_code(t_wait(pid, 10)) == 0;
}

/* The mount point of t_with_tmpfs, while its case runs. */
static char t_mnt[256];

/*
 * Mounts a tmpfs with opts on a fresh directory, runs fn in a child whose
 * backing directory it is (set before the child's first library call),
 * then unmounts whatever fn did; fails if fn failed or left a file there.
 * Skips if not root or if the mount is refused.
 */
static inline void t_with_tmpfs(const char *opts, void (*fn)(void))
{
	if (geteuid() != 0)
		t_skip("mounting a tmpfs needs root");
	snprintf(t_mnt, sizeof t_mnt, "/tmp/shmap-tmpfs.XXXXXX");
	if (!mkdtemp(t_mnt))
		T_FAIL("mkdtemp: %s", strerror(errno));
	if (mount("shmap-test", t_mnt, "tmpfs", MS_NOSUID | MS_NODEV, opts)) {
		int e = errno;
		rmdir(t_mnt);
		t_skip("mount tmpfs: %s", strerror(e));
	}
	T_OK(chmod(t_mnt, 01777));
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		setenv("SHMAP_DIR", t_mnt, 1);
		shmap__set_dir(t_mnt);
		T_ASSERT(!strcmp(shmap_backing_dir(), t_mnt));
		fn();
		exit(0);
	}
	int code = t_exit_code(t_wait(pid, 30));
	int left = t_count_files(t_mnt);
	if (left)
		t_list_files(t_mnt);
	if (umount(t_mnt) < 0 && umount2(t_mnt, MNT_DETACH) < 0)
		fprintf(stderr, "  umount %s: %s\n", t_mnt, strerror(errno));
	rmdir(t_mnt);
	if (code != 0)
		T_FAIL("the case failed in the mounted filesystem (exit %d)",
		       code);
	T_EQ(left, 0);
}

/* Runs fn(arg) in a child process that dies with this one. */
static inline pid_t t_spawn(void (*fn)(int), int arg)
{
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		fn(arg);
		exit(0);
	}
	return pid;
}

/* Takes a classic fcntl lock of type (F_RDLCK or F_WRLCK) over the whole
 * of path, as a whole-file F_SETLK or lockf does, on a descriptor it
 * leaves open. */
static inline void t_lock_whole(const char *path, short type)
{
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_OK(fcntl(fd, F_SETLK, &fl));
}

/* Collects a child that must exit 0 within a minute. */
static inline void t_reap(pid_t pid)
{
	T_EQ(t_exit_code(t_wait(pid, 60)), 0);
}

/* Kills a child with SIGKILL and collects it. */
static inline void t_kill_reap(pid_t pid)
{
	int st;
	T_OK(kill(pid, SIGKILL));
	T_EQ(waitpid(pid, &st, 0), pid);
	T_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/* Whether thread or process tid (a thread of this process, or a process)
 * is asleep (state S) at this moment. */
static inline int t_sleeping(pid_t tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)getpid(),
	         (int)tid);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(path, sizeof path, "/proc/%d/stat", (int)tid);
		f = fopen(path, "r");
	}
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/*
 * Whether thread or process tid is found asleep five looks running, 2 ms
 * apart, within 10 s: it is inside a blocking call, past any spinning.
 */
static inline int t_asleep(pid_t tid)
{
	int asleep = 0;
	for (int i = 0; i < 5000 && asleep < 5; i++) {
		asleep = t_sleeping(tid) ? asleep + 1 : 0;
		usleep(2000);
	}
	return asleep >= 5;
}

/* Sleeps until killed (or, if something went wrong, for at most 60 s). */
static inline void t_linger(void)
{
	for (int i = 0; i < 600; i++)
		usleep(100000);
	exit(2);
}

static int t_failed, t_passed, t_skipped;

/* The skipped cases and why, for the summary (on the heap: a test may
 * look at where its own static data lies). */
struct t_skip_rec {
	char name[96];
	char why[sizeof t_sh->why];
};
static struct t_skip_rec *t_skips;
static int t_nskips;

/* Copies as much of s as fits in n bytes at d, terminated. */
static inline void t_copy(char *d, const char *s, size_t n)
{
	size_t k = strnlen(s, n - 1);
	memcpy(d, s, k);
	d[k] = 0;
}

/* Whether SHMAP_TEST_LIST asks for the names of the cases only. */
static inline int t_listing(void)
{
	const char *l = getenv("SHMAP_TEST_LIST");
	return l && *l && strcmp(l, "0");
}

/* Whether case name is to run: not listing, and SHMAP_TEST_CASE, if set,
 * is part of its name (ignoring case). */
static inline int t_selected(const char *name)
{
	const char *want = getenv("SHMAP_TEST_CASE");
	return !t_listing() && (!want || strcasestr(name, want));
}

/*
 * Runs fn in a forked child under a timeout. The case passes if the child
 * exits 0 and the backing directory is empty afterwards. Only prints name
 * if listing; does nothing if the case is not selected.
 */
static inline void t_run(const char *name, void (*fn)(void), double timeout)
{
	if (t_listing())
		printf("%s\n", name);
	if (!t_selected(name))
		return;
	if (t_sh)
		t_sh->taken = 0, t_sh->why[0] = 0;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		t_case = name;
		fn();
		exit(0);
	}
	int st = t_wait(pid, timeout);
	int code = t_exit_code(st);
	int left = t_count_files(t_dir);
	if (code == T_SKIP) {
		const char *why = t_sh && t_sh->taken ? t_sh->why
		                                      : "no reason given";
		printf("SKIP %s: %s\n", name, why);
		struct t_skip_rec *r =
			realloc(t_skips, (size_t)(t_nskips + 1) * sizeof *r);
		if (r) {
			t_skips = r;
			r += t_nskips++;
			t_copy(r->name, name, sizeof r->name);
			t_copy(r->why, why, sizeof r->why);
		}
		t_skipped++;
	} else if (code != 0) {
		if (st != -1 && WIFSIGNALED(st))
			printf("FAIL %s (signal %d)\n", name, WTERMSIG(st));
		else
			printf("FAIL %s (exit %d)\n", name, code);
		t_failed++;
	} else if (left != 0) {
		printf("FAIL %s (%d object(s) left in the backing directory)\n",
		       name, left);
		t_list_files(t_dir);
		t_failed++;
	} else {
		printf("ok   %s\n", name);
		t_passed++;
	}
	if (left > 0)
		t_rm_dir(t_dir), mkdir(t_dir, 01777), chmod(t_dir, 01777);
	fflush(stdout);
}

/*
 * As t_run, for a case that also works in a scratch directory of its own
 * (mode 0700): files it leaves there fail it too, and are removed.
 */
static inline void t_run_dir(const char *name, void (*fn)(void),
                             double timeout, const char *dir)
{
	int failed = t_failed;
	t_run(name, fn, timeout);
	int left = t_count_files(dir);
	if (left > 0) {
		if (t_failed == failed) {
			printf("FAIL %s (%d file(s) left in %s)\n", name, left,
			       dir);
			t_list_files(dir);
			t_failed++;
			t_passed--;
		}
		t_rm_dir(dir);
		mkdir(dir, 0700);
	}
}

/* Removes the private directory and returns the program's exit code. */
static inline int t_finish(void)
{
	const char *want = getenv("SHMAP_TEST_CASE");
	t_rm_dir(t_dir);
	if (t_listing())
		return 0;
	printf("%d passed, %d failed, %d skipped\n", t_passed, t_failed,
	       t_skipped);
	for (int i = 0; i < t_nskips; i++)
		printf("skipped: %s: %s\n", t_skips[i].name, t_skips[i].why);
	if (t_failed)
		return 1;
	if (want && !t_passed && !t_skipped) {
		printf("skipped: %s: no case matches SHMAP_TEST_CASE=%s\n",
		       program_invocation_short_name, want);
		return T_SKIP;
	}
	return t_passed == 0 && t_skipped ? T_SKIP : 0;
}

#endif
