/* SPDX-License-Identifier: MIT */
/*
 * CreateProcess against Windows' rules for finding the program: an
 * application name with an empty or NULL command line, the search order
 * for a command line's bare program name (the parent's own directory,
 * the current directory, then PATH), ".exe" names, and an application
 * name that is never searched for; OpenProcess.
 */
#include <ftw.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <windows.h>

#include "harness.h"

static char self[4096];    /* this program */
static char selfdir[4096]; /* its directory */
static char scratch[64];   /* a directory of our own, the current one */

/* A shell script at dir/name that exits with code. */
static void script(const char *dir, const char *name, int code)
{
	char p[8192];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	T_ASSERT(f);
	fprintf(f, "#!/bin/sh\nexit %d\n", code);
	T_ASSERT(fclose(f) == 0);
	T_OK(chmod(p, 0755));
}

/* Starts app/cmd (cmd copied: CreateProcess may write to it) in cwd and
 * returns its exit code, or -1 with GetLastError() kept if it failed. */
static long run(const char *app, const char *cmd, const char *cwd)
{
	char buf[8192];
	STARTUPINFOA si;
	PROCESS_INFORMATION pi;
	DWORD code = 1234;
	ZeroMemory(&si, sizeof si);
	si.cb = sizeof si;
	if (cmd)
		snprintf(buf, sizeof buf, "%s", cmd);
	if (!CreateProcessA(app, cmd ? buf : NULL, NULL, NULL, FALSE, 0, NULL,
	                    cwd, &si, &pi))
		return -1;
	T_EQ(WaitForSingleObject(pi.hProcess, 30000), WAIT_OBJECT_0);
	T_ASSERT(GetExitCodeProcess(pi.hProcess, &code));
	CloseHandle(pi.hProcess);
	CloseHandle(pi.hThread);
	return (long)code;
}

static int rm_one(const char *p, const struct stat *st, int type,
                  struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(p);
}

/* Empties the scratch directory. */
static void leave(void)
{
	T_OK(chdir("/"));
	T_OK(nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS));
	T_OK(mkdir(scratch, 0700));
}

/* Into the scratch directory, emptied (a failed case leaves files), with
 * a PATH of one directory of it. */
static void enter(void)
{
	char path[128];
	leave();
	T_OK(chdir(scratch));
	T_OK(mkdir("bin", 0700));
	snprintf(path, sizeof path, "%s/bin", scratch);
	T_OK(setenv("PATH", path, 1));
	/* This program, started again, exits 40 + argc. */
	T_OK(setenv("W32P_CHILD", "1", 1));
}

/* An application name with an empty or NULL command line starts it, with
 * its name as argv[0]; "x.exe" runs x when there is no x.exe. */
static void app_empty_cmdline(void)
{
	char exe[8192];
	enter();
	T_EQ(run(self, "", NULL), 41);
	T_EQ(run(self, NULL, NULL), 41);
	snprintf(exe, sizeof exe, "%s.exe", self);
	T_EQ(run(exe, "", NULL), 41);
	T_EQ(run(exe, "child a b", NULL), 43);
	/* A relative name as in "../Debug/Process2.exe". */
	T_OK(mkdir("Debug", 0700));
	T_OK(mkdir("sub", 0700));
	script("Debug", "Process2", 6);
	T_OK(chdir("sub"));
	T_EQ(run("../Debug/Process2.exe", "", NULL), 6);
	T_EQ(run("..\\Debug\\Process2.exe", NULL, NULL), 6);
	T_OK(chdir(".."));
	/* Missing under both names. */
	T_EQ(run("./no-such.exe", "", NULL), -1);
	T_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
	leave();
}

/* A command line's bare program name: this program's directory first,
 * then the current directory, then PATH. */
static void search_order(void)
{
	const char *base = strrchr(self, '/') + 1;
	enter();
	/* In this program's directory only (not in PATH, not here). */
	T_EQ(run(NULL, base, NULL), 41);
	/* Its directory wins over the current directory. */
	script(scratch, base, 9);
	T_EQ(run(NULL, base, NULL), 41);
	/* The current directory wins over PATH. */
	script(scratch, "w32p-prog", 7);
	script("bin", "w32p-prog", 8);
	T_EQ(run(NULL, "w32p-prog arg", NULL), 7);
	/* PATH last. */
	script("bin", "w32p-path-only", 9);
	T_EQ(run(NULL, "w32p-path-only", NULL), 9);
	/* The parent's current directory, not lpCurrentDirectory. */
	T_EQ(run(NULL, "w32p-prog", "/"), 7);
	/* Not found anywhere. */
	T_EQ(run(NULL, "w32p-none", NULL), -1);
	T_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
	leave();
}

/* ".exe": stripped when the file without it exists, appended to a command
 * line's program without an extension as Windows does. */
static void exe_suffix(void)
{
	enter();
	script(scratch, "w32p-prog", 7);
	T_EQ(run(NULL, "w32p-prog.exe", NULL), 7);
	T_EQ(run(NULL, "W32P-PROG.EXE", NULL), -1); /* names keep their case */
	script("bin", "w32p-win.exe", 3);
	T_EQ(run(NULL, "w32p-win", NULL), 3);
	T_EQ(run(NULL, "\"w32p-win.exe\" x", NULL), 3);
	leave();
}

/* An application name is a path, never searched for: a bare name is in
 * the current directory (of the parent, whatever lpCurrentDirectory). */
static void app_not_searched(void)
{
	enter();
	script("bin", "w32p-path-only", 9);
	T_EQ(run("w32p-path-only", "w32p-path-only", NULL), -1);
	T_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
	script(scratch, "w32p-here", 4);
	T_EQ(run("w32p-here", NULL, "/"), 4);
	T_EQ(run("./w32p-here", "x y", "/"), 4);
	leave();
}

/* A forked child that waits for a byte on fd (or its end), then exits
 * with code. */
static pid_t child_until(int fd, int code)
{
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		char c;
		(void)!read(fd, &c, 1);
		_exit(code);
	}
	return pid;
}

/* A thread that stores its ID in *arg and returns once it is cleared. */
static DWORD WINAPI park_thread(LPVOID arg)
{
	__atomic_store_n((DWORD *)arg, GetCurrentThreadId(), __ATOMIC_RELEASE);
	while (__atomic_load_n((DWORD *)arg, __ATOMIC_ACQUIRE))
		Sleep(1);
	return 0;
}

/* OpenProcess: ID 0, a process that is gone and a thread's ID fail with
 * ERROR_INVALID_PARAMETER; our own ID gives a handle that never signals;
 * a child's handle signals as it ends and gives its exit code without
 * reaping it; a process that is not our child (a sibling) is waited for
 * and its exit code read; TerminateProcess through an opened handle; and
 * PROCESS_TERMINATE on another user's process is ERROR_ACCESS_DENIED. */
static void open_process(void)
{
	DWORD code = 1234;
	SetLastError(0);
	T_ASSERT(OpenProcess(SYNCHRONIZE, FALSE, 0) == NULL);
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
	int p[2];
	T_OK(pipe(p));
	pid_t gone = child_until(p[0], 0);
	T_EQ(write(p[1], "x", 1), 1);
	T_EQ(waitpid(gone, NULL, 0), gone);
	SetLastError(0);
	T_ASSERT(OpenProcess(SYNCHRONIZE, FALSE, (DWORD)gone) == NULL);
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);

	/* A thread's ID names no process. */
	DWORD tid = 0;
	HANDLE th = CreateThread(NULL, 0, park_thread, &tid, 0, NULL);
	T_ASSERT(th != NULL);
	while (!__atomic_load_n(&tid, __ATOMIC_ACQUIRE))
		Sleep(1);
	SetLastError(0);
	T_ASSERT(OpenProcess(SYNCHRONIZE, FALSE, tid) == NULL);
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
	__atomic_store_n(&tid, 0, __ATOMIC_RELEASE);
	T_EQ(WaitForSingleObject(th, 10000), WAIT_OBJECT_0);
	T_ASSERT(CloseHandle(th));

	HANDLE h = OpenProcess(PROCESS_ALL_ACCESS, FALSE, GetCurrentProcessId());
	T_ASSERT(h != NULL);
	T_EQ(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
	T_ASSERT(GetExitCodeProcess(h, &code));
	T_EQ(code, STILL_ACTIVE);
	T_ASSERT(CloseHandle(h));

	/* A child: its end signals the handle; it is still ours to reap. */
	pid_t kid = child_until(p[0], 5);
	h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
	                (DWORD)kid);
	T_ASSERT(h != NULL);
	T_EQ(GetLastError(), ERROR_SUCCESS);
	T_EQ(WaitForSingleObject(h, 50), WAIT_TIMEOUT);
	T_ASSERT(GetExitCodeProcess(h, &code));
	T_EQ(code, STILL_ACTIVE);
	T_EQ(write(p[1], "x", 1), 1);
	T_EQ(WaitForSingleObject(h, 10000), WAIT_OBJECT_0);
	T_ASSERT(GetExitCodeProcess(h, &code));
	T_EQ(code, 5);
	int st = 0;
	T_EQ(waitpid(kid, &st, 0), kid);
	T_EQ(WEXITSTATUS(st), 5);
	T_ASSERT(CloseHandle(h));

	/* A sibling: a child of ours opens another child of ours. */
	pid_t target = child_until(p[0], 7);
	fflush(NULL);
	pid_t opener = fork();
	T_ASSERT(opener >= 0);
	if (opener == 0) {
		HANDLE t = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)target);
		T_ASSERT(t != NULL);
		T_EQ(WaitForSingleObject(t, 50), WAIT_TIMEOUT);
		T_EQ(write(p[1], "x", 1), 1);
		T_EQ(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
		DWORD c = 1234;
		T_ASSERT(GetExitCodeProcess(t, &c));
		T_EQ(c, 7); /* its parent has not reaped it yet */
		T_ASSERT(CloseHandle(t));
		_exit(0);
	}
	T_EQ(waitpid(opener, &st, 0), opener);
	T_EQ(st, 0);
	T_EQ(waitpid(target, &st, 0), target);
	T_EQ(WEXITSTATUS(st), 7);

	/* TerminateProcess through an opened handle, once. */
	kid = child_until(p[0], 0);
	h = OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, (DWORD)kid);
	T_ASSERT(h != NULL);
	T_ASSERT(TerminateProcess(h, 3));
	T_EQ(WaitForSingleObject(h, 10000), WAIT_OBJECT_0);
	T_ASSERT(GetExitCodeProcess(h, &code));
	T_EQ(code, 3);
	SetLastError(0);
	T_ASSERT(!TerminateProcess(h, 4));
	T_EQ(GetLastError(), ERROR_ACCESS_DENIED);
	T_ASSERT(CloseHandle(h));
	T_EQ(waitpid(kid, NULL, 0), kid);
	close(p[0]);
	close(p[1]);

	/* Another user's process: waited for, not terminated. */
	if (!t_nobody_ok())
		return;
	fflush(NULL);
	pid_t nb = fork();
	T_ASSERT(nb >= 0);
	if (nb == 0) {
		T_ASSERT(!t_become_nobody());
		SetLastError(0);
		T_ASSERT(OpenProcess(PROCESS_TERMINATE, FALSE, 1) == NULL);
		T_EQ(GetLastError(), ERROR_ACCESS_DENIED);
		HANDLE w = OpenProcess(SYNCHRONIZE, FALSE, 1);
		T_ASSERT(w != NULL);
		T_EQ(WaitForSingleObject(w, 0), WAIT_TIMEOUT);
		T_ASSERT(CloseHandle(w));
		_exit(0);
	}
	T_EQ(waitpid(nb, &st, 0), nb);
	T_EQ(st, 0);
}

/* Makes every pidfd ioctl of this process fail with ENOTTY, as on Linux
 * before 6.13, which has none. 0, or -1 where seccomp is not allowed. */
static int no_pidfd_ioctls(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		         offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 3),
		/* The request's low word (little-endian): type 0xFF is
		 * pidfs's. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		         offsetof(struct seccomp_data, args[1])),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff00),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xff00, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTTY),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* Without the pidfd ioctl (Linux before 6.13), a process that is not our
 * child and has ended but is not yet reaped still gives its exit code,
 * from /proc. */
static void open_process_old_kernel(void)
{
	int p[2], st;
	T_OK(pipe(p));
	pid_t target = child_until(p[0], 9);
	fflush(NULL);
	pid_t opener = fork();
	T_ASSERT(opener >= 0);
	if (opener == 0) {
		if (no_pidfd_ioctls() < 0)
			_exit(t_skip_code("seccomp filters not available: %s",
			                  strerror(errno)));
		HANDLE t = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)target);
		T_ASSERT(t != NULL);
		T_EQ(write(p[1], "x", 1), 1);
		T_EQ(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
		DWORD c = 1234;
		T_ASSERT(GetExitCodeProcess(t, &c));
		T_EQ(c, 9);
		T_ASSERT(CloseHandle(t));
		_exit(0);
	}
	T_EQ(waitpid(opener, &st, 0), opener);
	if (WIFEXITED(st) && WEXITSTATUS(st) == T_SKIP) {
		T_EQ(write(p[1], "x", 1), 1);
		T_EQ(waitpid(target, NULL, 0), target);
		t_skip("seccomp filters not available");
	}
	T_EQ(st, 0);
	T_EQ(waitpid(target, &st, 0), target);
	T_EQ(WEXITSTATUS(st), 9);
	close(p[0]);
	close(p[1]);
}

int main(int argc, char **argv)
{
	(void)argv;
	if (getenv("W32P_CHILD"))
		return 40 + argc;
	ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
	if (k <= 0)
		return 1;
	self[k] = 0;
	snprintf(selfdir, sizeof selfdir, "%s", self);
	*strrchr(selfdir, '/') = 0;
	snprintf(scratch, sizeof scratch, "/tmp/w32p-%d", (int)getpid());
	if (mkdir(scratch, 0700) < 0)
		return 1;
	t_setup();
	t_run_dir("an application name with an empty command line",
	          app_empty_cmdline, 60, scratch);
	t_run_dir("a command line's program: search order", search_order, 60,
	          scratch);
	t_run_dir("a command line's program: .exe", exe_suffix, 60, scratch);
	t_run_dir("an application name is not searched for", app_not_searched,
	          60, scratch);
	t_run("OpenProcess", open_process, 60);
	t_run("OpenProcess: an exit code without the pidfd ioctl",
	      open_process_old_kernel, 60);
	nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS); /* even after a failure */
	return t_finish();
}
