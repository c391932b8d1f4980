/* SPDX-License-Identifier: MIT */
/*
 * How long an open waits on a busy gate. A create reserving a large object
 * holds the gate while its fallocate runs: an open waits for it, however
 * short the lock timeout, because the file grows meanwhile. A creator
 * stopped there, or a peer that holds the gate and keeps growing the file,
 * still makes the open fail with -EBUSY within a bound.
 */
#include <fcntl.h>

#include "harness.h"

#define BIG (512u << 20)

static pid_t g_stopped;

static void kill_stopped(void)
{
	if (g_stopped > 0)
		kill(g_stopped, SIGKILL);
}

/*
 * A creator of name with size bytes, stopped at crash point cp with the
 * gate held; once resumed and built, it holds the object until *hold (the
 * write end of a pipe it reads) is closed.
 */
static pid_t stopped_creator(const char *name, uint64_t size, int *hold)
{
	int p[2];
	T_OK(pipe(p));
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		shmap_map *m;
		char c;
		close(p[1]);
		shmap__crash_signal = SIGSTOP;
		shmap__crash_at = SHMAP__CP_CREATE_EXCL;
		if (shmap_map_create(name, size, SHMAP_PROT_READWRITE, NULL, &m))
			_exit(4);
		if (read(p[0], &c, 1) < 0)
			_exit(5);
		shmap_map_close(m);
		_exit(0);
	}
	close(p[0]);
	*hold = p[1];
	g_stopped = pid;
	atexit(kill_stopped);
	int st = 0;
	for (int i = 0; i < 2000; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG | WUNTRACED);
		T_ASSERT(r >= 0);
		if (r == pid) {
			T_ASSERT(WIFSTOPPED(st));
			return pid;
		}
		usleep(5000);
	}
	T_FAIL("the creator did not stop with the gate held");
	return -1;
}

/*
 * An open waits out a create reserving 512 MiB, with a 50 ms timeout: far
 * less than the reservation takes, far more than a loaded machine leaves
 * the creator without a CPU. The bound on the total is lifted here (the
 * growing holder below checks it), so only progress decides.
 */
static void open_waits_for_reservation(void)
{
	shmap_map *m;
	int hold;
	pid_t pid = stopped_creator("Local\\big", BIG, &hold);
	shmap__lock_timeout_ms = 50;
	shmap__gate_progress_timeouts = 1000;
	T_OK(kill(pid, SIGCONT));
	double t0 = t_now();
	T_OK(shmap_map_open("Local\\big", SHMAP_ACCESS_READ, &m));
	printf("  open waited %.0f ms for a %u MiB reservation\n",
	       (t_now() - t0) * 1e3, BIG >> 20);
	T_OK(shmap_map_close(m));
	close(hold);
	T_EQ(t_exit_code(t_wait(pid, 20)), 0);
	g_stopped = 0;
}

/* A stopped creator makes no progress: -EBUSY after the timeout. */
static void stopped_creator_bounded(void)
{
	shmap_map *m;
	int hold;
	pid_t pid = stopped_creator("Local\\stopped", 65536, &hold);
	shmap__lock_timeout_ms = 50;
	double t0 = t_now();
	T_EQ(shmap_map_open("Local\\stopped", SHMAP_ACCESS_READ, &m), -EBUSY);
	T_EQ(shmap_map_create("Local\\stopped", 65536, SHMAP_PROT_READWRITE,
	                      NULL, &m),
	     -EBUSY);
	T_ASSERT(t_now() - t0 < 2);
	/* Continued, the creator finishes; on a loaded machine that may
	 * take longer than the short timeout above. */
	shmap__lock_timeout_ms = 30000;
	T_OK(kill(pid, SIGCONT));
	T_OK(shmap_map_open("Local\\stopped", SHMAP_ACCESS_READ, &m));
	T_OK(shmap_map_close(m));
	close(hold);
	T_EQ(t_exit_code(t_wait(pid, 20)), 0);
	g_stopped = 0;
}

/*
 * A peer that holds the gate and keeps growing the file stalls an open for
 * at most ten timeouts.
 */
static void growing_gate_holder_bounded(void)
{
	shmap_map *a, *m;
	char path[4096];
	int p[2];
	T_OK(shmap_map_create("Local\\grow", 65536, SHMAP_PROT_READWRITE, NULL,
	                      &a));
	t_backing_path("Local\\grow", path, sizeof path);
	T_OK(pipe(p));
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET,
		                   .l_start = 1, .l_len = 1};
		char c = 1;
		int fd = open(path, O_RDWR);
		if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) < 0)
			_exit(3);
		if (write(p[1], &c, 1) != 1)
			_exit(4);
		/* 64 KiB more every 2 ms, past the end (size unchanged),
		 * for at most 10 s. */
		for (off_t off = 65536 * 2; off < (off_t)5000 * 65536;
		     off += 65536) {
			if (fallocate(fd, FALLOC_FL_KEEP_SIZE, off, 65536))
				_exit(5);
			usleep(2000);
		}
		_exit(0);
	}
	char c;
	T_EQ(read(p[0], &c, 1), 1);
	shmap__lock_timeout_ms = 20;
	double t0 = t_now();
	T_EQ(shmap_map_open("Local\\grow", SHMAP_ACCESS_READ, &m), -EBUSY);
	double ms = (t_now() - t0) * 1e3;
	printf("  open gave up after %.0f ms (timeout 20 ms, bound 200 ms)\n",
	       ms);
	T_ASSERT(ms >= 20 && ms < 2000);
	t_kill_reap(pid);
	T_OK(shmap_map_close(a));
}

/* Holds the gate of name's file until *release is closed; returns its pid. */
static pid_t gate_holder(const char *path, int *release)
{
	int p[2], q[2];
	char c = 1;
	T_OK(pipe(p));
	T_OK(pipe(q));
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET,
		                   .l_start = 1, .l_len = 1};
		close(q[1]);
		int fd = open(path, O_RDWR);
		if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) < 0)
			_exit(3);
		if (write(p[1], &c, 1) != 1 || read(q[0], &c, 1) < 0)
			_exit(4);
		_exit(0);
	}
	close(q[0]);
	T_EQ(read(p[0], &c, 1), 1);
	close(p[0]);
	close(p[1]);
	*release = q[1];
	return pid;
}

/*
 * A last close that finds the gate busy for more than its 100 ms leaves the
 * name on disk, unheld: the next open (or gc) removes it.
 */
static void close_leaves_name_to_next_user(void)
{
	char path[4096];
	struct stat st;
	for (int by_gc = 0; by_gc < 2; by_gc++) {
		shmap_map *m;
		int release;
		T_OK(shmap_map_create("Local\\late", 65536,
		                      SHMAP_PROT_READWRITE, NULL, &m));
		t_backing_path("Local\\late", path, sizeof path);
		pid_t pid = gate_holder(path, &release);
		double t0 = t_now();
		T_OK(shmap_map_close(m));
		T_ASSERT(t_now() - t0 < 2);
		close(release);
		T_EQ(t_exit_code(t_wait(pid, 20)), 0);
		T_OK(stat(path, &st)); /* still on disk, held by nobody */
		if (by_gc)
			T_EQ(shmap_gc(), 1);
		else
			T_EQ(shmap_map_open("Local\\late", SHMAP_ACCESS_READ, &m),
			     -ENOENT);
		T_EQ(stat(path, &st), -1);
		T_EQ(t_count_files(t_dir), 0);
	}
}

int main(void)
{
	t_setup();
	t_run("open waits for a create reserving 512 MiB",
	      open_waits_for_reservation, 60);
	t_run("a stopped creator: -EBUSY after the timeout",
	      stopped_creator_bounded, 60);
	t_run("a gate holder growing the file: -EBUSY within ten timeouts",
	      growing_gate_holder_bounded, 60);
	t_run("a close that cannot get the gate: the next open or gc cleans up",
	      close_leaves_name_to_next_user, 60);
	return t_finish();
}
