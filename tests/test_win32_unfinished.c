/* SPDX-License-Identifier: MIT */
/*
 * The Win32 view of a Global name whose create has not finished: the
 * creator killed, or stopped, right after making its file. OpenFileMapping
 * and OpenMutex fail with ERROR_FILE_NOT_FOUND, as on Windows, where the
 * object does not exist until its create returns; never with
 * ERROR_ACCESS_DENIED. Needs root (a Global create).
 */
#include <signal.h>
#include <sys/wait.h>
#include <windows.h>

#include "harness.h"

#define NAME "Global\\w32unfinished"

static pid_t g_stopped;

static void kill_stopped(void)
{
	if (g_stopped > 0)
		kill(g_stopped, SIGKILL);
}

/* A native create of NAME (mode 0666, umask 022) that sig stops at the
 * file's creation. */
static pid_t creator(int sig)
{
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		shmap_attr attr = {0666, 0};
		shmap_map *m;
		umask(022);
		shmap__crash_signal = sig;
		shmap__crash_at = SHMAP__CP_CREATE_FILE;
		if (shmap_map_create(NAME, 65536, SHMAP_PROT_READWRITE, &attr, &m))
			_exit(4);
		shmap_map_close(m);
		_exit(0);
	}
	if (sig == SIGSTOP) {
		g_stopped = pid;
		atexit(kill_stopped);
	}
	int st = 0;
	for (int i = 0; i < 2000; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG | WUNTRACED);
		T_ASSERT(r >= 0);
		if (r == pid)
			return pid;
		usleep(5000);
	}
	T_FAIL("the creator did not reach its crash point");
	return -1;
}

static void expect_not_found(void)
{
	SetLastError(0);
	T_ASSERT(OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, NAME) == NULL);
	T_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
}

static void killed(void)
{
	if (geteuid() != 0)
		t_skip("not root");
	creator(SIGKILL);
	expect_not_found();
	creator(SIGKILL);
	SetLastError(0);
	T_ASSERT(OpenMutexA(SYNCHRONIZE, FALSE, NAME) == NULL);
	T_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
	T_EQ(t_count_files(t_dir), 0);
}

static void stopped(void)
{
	if (geteuid() != 0)
		t_skip("not root");
	pid_t pid = creator(SIGSTOP);
	expect_not_found();
	T_OK(kill(pid, SIGCONT));
	T_EQ(t_exit_code(t_wait(pid, 20)), 0);
	g_stopped = 0;
}

int main(void)
{
	t_setup();
	t_run("OpenFileMapping of a killed create: not found", killed, 60);
	t_run("OpenFileMapping during a stopped create: not found", stopped,
	      60);
	return t_finish();
}
