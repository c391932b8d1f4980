/* SPDX-License-Identifier: MIT */
/*
 * A mutex owner killed at any point after it became the owner leaves an
 * abandoned mutex, never a wedged one: killed right after its take wrote
 * the owner word (single wait and wait-all), a wait-all killed right after
 * it took an object's lock, an owner that created the mutex already owned,
 * and an owner whose first take ran out of descriptors and whose pid was
 * reused afterwards. The next waiter gets SHMAP_EABANDONED promptly.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "harness.h"

#define NAME "Local\\test-mutex-owner"
#define EVNAME "Local\\test-mutex-owner-ev"
#define SEMNAME "Local\\test-mutex-owner-sem"

/* How long the next waiter may take to see the abandonment. */
#define PROMPT 1.5

/* Runs fn in a child that must be SIGKILLed by a crash point. */
static void expect_crash(void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(3); /* the crash point was not reached */
	}
	int st = t_wait(pid, 20);
	T_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/* Waits on m and expects to acquire it as abandoned, quickly. */
static void expect_abandoned(shmap_sync *m)
{
	double t0 = t_now();
	T_EQ(shmap_wait(m, 5000), SHMAP_EABANDONED);
	T_ASSERT(t_now() - t0 < PROMPT);
	T_OK(shmap_mutex_release(m));
	T_EQ(shmap_mutex_release(m), -EPERM);
	/* No longer abandoned. */
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));
}

static void take_and_die(void)
{
	shmap_sync *m;
	T_OK(shmap_mutex_open(NAME, 0, &m));
	shmap__crash_at = SHMAP__CP_MUTEX_OWNED;
	shmap_wait(m, SHMAP_INFINITE);
}

static void killed_after_owner_word(void)
{
	shmap_sync *m;
	T_OK(shmap_mutex_create(NAME, 0, NULL, &m));
	expect_crash(take_and_die);
	expect_abandoned(m);
	T_OK(shmap_sync_close(m));
}

static void take_all_and_die(void)
{
	shmap_sync *o[2];
	unsigned idx;
	T_OK(shmap_event_open(EVNAME, 0, &o[0]));
	T_OK(shmap_mutex_open(NAME, 0, &o[1]));
	shmap__crash_at = SHMAP__CP_MUTEX_OWNED;
	shmap_wait_multiple(o, 2, 1, SHMAP_INFINITE, &idx);
}

static void killed_after_owner_word_wait_all(void)
{
	shmap_sync *m, *e;
	T_OK(shmap_mutex_create(NAME, 0, NULL, &m));
	T_OK(shmap_event_create(EVNAME, SHMAP_EVENT_MANUAL | SHMAP_EVENT_SET,
	                        NULL, &e));
	expect_crash(take_all_and_die);
	expect_abandoned(m);
	T_OK(shmap_sync_close(e));
	T_OK(shmap_sync_close(m));
}

static void lock_and_die(void)
{
	shmap_sync *o[2];
	unsigned idx;
	T_OK(shmap_event_open(EVNAME, 0, &o[0]));
	T_OK(shmap_sem_open(SEMNAME, 0, &o[1]));
	shmap__crash_at = SHMAP__CP_WAITALL_LK;
	shmap_wait_multiple(o, 2, 1, SHMAP_INFINITE, &idx);
}

/* A wait-all killed right after taking an object's lock owner. */
static void killed_after_lock_owner(void)
{
	shmap_sync *o[2];
	unsigned idx = 9;
	T_OK(shmap_event_create(EVNAME, SHMAP_EVENT_SET, NULL, &o[0]));
	T_OK(shmap_sem_create(SEMNAME, 1, 1, NULL, &o[1]));
	expect_crash(lock_and_die);
	double t0 = t_now();
	T_OK(shmap_wait_multiple(o, 2, 1, 5000, &idx));
	T_ASSERT(t_now() - t0 < PROMPT);
	T_EQ(idx, 0);
	T_EQ(shmap_wait(o[0], 0), -ETIMEDOUT);
	T_EQ(shmap_wait(o[1], 0), -ETIMEDOUT);
	T_OK(shmap_sync_close(o[0]));
	T_OK(shmap_sync_close(o[1]));
}

/* Creates NAME already owned, says so on fd arg, waits to be killed. */
static void create_owned_child(int fd)
{
	shmap_sync *m;
	T_OK(shmap_mutex_create(NAME, 1, NULL, &m));
	T_EQ(shmap_sync_existed(m), 0);
	T_EQ(write(fd, "x", 1), 1);
	t_linger();
}

static void created_owned_killed(void)
{
	shmap_sync *m;
	int p[2];
	char c;
	T_OK(pipe(p));
	pid_t pid = t_spawn(create_owned_child, p[1]);
	T_EQ(read(p[0], &c, 1), 1);
	T_OK(shmap_mutex_open(NAME, 0, &m));
	T_EQ(shmap_wait(m, 0), -ETIMEDOUT);
	t_kill_reap(pid);
	expect_abandoned(m);
	T_OK(shmap_sync_close(m));
	close(p[0]);
	close(p[1]);
}

/* A waiter with no descriptor left (EMFILE) still sees its owner killed:
 * an owner thread that no longer exists at all is dead. */
static void waiter_at_emfile(void)
{
	shmap_sync *m;
	int p[2], fds[64], nf = 0;
	char c;
	struct rlimit old, rl;
	T_OK(pipe(p));
	pid_t pid = t_spawn(create_owned_child, p[1]);
	T_EQ(read(p[0], &c, 1), 1);
	T_OK(shmap_mutex_open(NAME, 0, &m));
	T_EQ(shmap_wait(m, 0), -ETIMEDOUT);
	T_OK(getrlimit(RLIMIT_NOFILE, &old));
	rl = old;
	rl.rlim_cur = (rlim_t)t_count_files("/proc/self/fd") + 16;
	T_OK(setrlimit(RLIMIT_NOFILE, &rl));
	while (nf < 64 && (fds[nf] = dup(0)) >= 0)
		nf++;
	T_ASSERT(nf < 64 && errno == EMFILE);
	t_kill_reap(pid);
	double t0 = t_now();
	int rc = shmap_wait(m, 5000);
	double took = t_now() - t0;
	for (int i = 0; i < nf; i++)
		close(fds[i]);
	T_OK(setrlimit(RLIMIT_NOFILE, &old));
	T_EQ(rc, SHMAP_EABANDONED);
	T_ASSERT(took < PROMPT);
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(m));
	close(p[0]);
	close(p[1]);
}

/* Opens NAME, runs out of descriptors, takes the mutex, exits. */
static void emfile_owner(int unused)
{
	shmap_sync *m;
	struct rlimit rl = {64, 64};
	(void)unused;
	T_OK(shmap_mutex_open(NAME, 0, &m));
	T_OK(setrlimit(RLIMIT_NOFILE, &rl));
	while (open("/dev/null", O_RDONLY) >= 0)
		;
	T_EQ(errno, EMFILE);
	T_OK(shmap_wait(m, 0));
	_exit(0); /* still the owner */
}

/* The init process of a fresh PID namespace: see emfile_pid_reused. */
static int emfile_ns_init(void)
{
	shmap_sync *m;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	          NULL))
		return t_skip_code("a /proc of the new PID namespace: %s",
		                   strerror(errno));
	T_OK(shmap_mutex_create(NAME, 0, NULL, &m));
	pid_t owner = t_spawn(emfile_owner, 0);
	t_reap(owner);
	/* A later clock tick than the owner's start, then its pid again. */
	usleep(50000);
	char buf[32];
	int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
	if (fd < 0)
		return t_skip_code("open ns_last_pid: %s", strerror(errno));
	int n = snprintf(buf, sizeof buf, "%d", (int)owner - 1);
	T_EQ(write(fd, buf, (size_t)n), n);
	close(fd);
	fflush(NULL);
	pid_t q = fork();
	if (q == 0)
		t_linger();
	T_ASSERT(q > 0);
	if (q != owner) {
		t_kill_reap(q);
		return t_skip_code("the owner's pid %d was not reused",
		                   (int)owner);
	}
	expect_abandoned(m);
	t_kill_reap(q);
	T_OK(shmap_sync_close(m));
	return 0;
}

/*
 * An owner whose first take came when it had no descriptor left (so it
 * could not read its own start time), dead, its pid reused by a live
 * process: the mutex is abandoned, not held by the newcomer. Needs a PID
 * namespace of its own to reuse a pid on purpose; skipped without one.
 */
static int emfile_ns_launch(void)
{
	if (unshare(CLONE_NEWPID | CLONE_NEWNS) &&
	    unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS))
		return t_skip_code("unshare PID and mount namespaces: %s",
		                   strerror(errno));
	fflush(NULL);
	pid_t init = fork();
	if (init < 0)
		return t_skip_code("fork: %s", strerror(errno));
	if (init == 0)
		_exit(emfile_ns_init());
	return t_exit_code(t_wait(init, 30));
}

static void emfile_pid_reused(void)
{
	/* unshare in a process of its own: this one must fork afterwards. */
	fflush(NULL);
	pid_t l = fork();
	T_ASSERT(l >= 0);
	if (l == 0)
		_exit(emfile_ns_launch());
	int code = t_exit_code(t_wait(l, 40));
	if (code == T_SKIP)
		t_skip("no PID namespace to reuse a pid in");
	T_EQ(code, 0);
}

int main(void)
{
	t_setup();
	t_run("killed right after writing the owner word",
	      killed_after_owner_word, 30);
	t_run("wait-all killed right after writing the owner word",
	      killed_after_owner_word_wait_all, 30);
	t_run("wait-all killed right after taking the lock owner",
	      killed_after_lock_owner, 30);
	t_run("created owned, owner killed", created_owned_killed, 30);
	t_run("first take at EMFILE, pid reused", emfile_pid_reused, 60);
	t_run("a waiter at EMFILE sees its owner killed", waiter_at_emfile,
	      30);
	return t_finish();
}
