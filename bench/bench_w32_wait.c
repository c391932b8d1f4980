/* SPDX-License-Identifier: MIT */
/*
 * How soon a wait on a Win32 process handle returns after the process
 * ends: a child started by CreateProcess sleeps a random 1-6 ms, stores the
 * time in an inherited mapping and exits; the parent's wait returns at some
 * later time, and the difference (which includes the child's own exit) is
 * the wake latency. Each figure is the median over RUNS children.
 *
 *   waitpid          a plain fork()ed child and a blocking waitpid: the floor
 *   single           WaitForSingleObject(process)
 *   any, event+proc  WaitForMultipleObjects(wait-any) on an event and the process
 *   all, event+proc  WaitForMultipleObjects(wait-all), the event set
 *
 * Usage: bench_w32_wait [runs]. The program is also the child
 * (--child handle sleep_us).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <windows.h>

static char self[4096];

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_w32_wait: %s failed (error %lu)\n", what,
	        (unsigned long)GetLastError());
	exit(1);
}

static int child(HANDLE map, int sleep_us)
{
	volatile double *t = MapViewOfFile(map, FILE_MAP_WRITE, 0, 0, 0);
	if (!t)
		return 1;
	usleep((useconds_t)sleep_us);
	*t = now_us();
	ExitProcess(0);
	return 0;
}

/* One run of mode (0 waitpid, 1 single, 2 any, 3 all): the latency in µs. */
static double one(int mode, HANDLE map, volatile double *t, HANDLE ev)
{
	int sleep_us = 1000 + rand() % 5000;
	*t = 0;
	if (mode == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			usleep((useconds_t)sleep_us);
			*t = now_us();
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			die("fork/waitpid");
		return now_us() - *t;
	}
	char cmd[8192];
	STARTUPINFOA si;
	PROCESS_INFORMATION pi;
	ZeroMemory(&si, sizeof si);
	si.cb = sizeof si;
	snprintf(cmd, sizeof cmd, "\"%s\" --child %lu %d", self,
	         (unsigned long)(uintptr_t)map, sleep_us);
	if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si,
	                    &pi))
		die("CreateProcess");
	HANDLE hs[2] = {ev, pi.hProcess};
	DWORD want = mode == 2 ? WAIT_OBJECT_0 + 1 : WAIT_OBJECT_0;
	DWORD r = mode == 1 ? WaitForSingleObject(pi.hProcess, 30000)
	                    : WaitForMultipleObjects(2, hs, mode == 3, 30000);
	double end = now_us();
	if (r != want || *t == 0)
		die("the wait");
	CloseHandle(pi.hProcess);
	CloseHandle(pi.hThread);
	return end - *t;
}

int main(int argc, char **argv)
{
	ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
	if (k <= 0)
		return 1;
	self[k] = 0;
	if (argc > 3 && !strcmp(argv[1], "--child"))
		return child((HANDLE)(uintptr_t)strtoul(argv[2], NULL, 10),
		             atoi(argv[3]));
	int runs = argc > 1 ? atoi(argv[1]) : 41;
	if (runs < 1)
		runs = 1;
	SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
	HANDLE map = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa,
	                                PAGE_READWRITE, 0, 4096, NULL);
	volatile double *t = map ? MapViewOfFile(map, FILE_MAP_WRITE, 0, 0, 0)
	                         : NULL;
	HANDLE never = CreateEventA(NULL, TRUE, FALSE, NULL);
	HANDLE set = CreateEventA(NULL, TRUE, TRUE, NULL);
	if (!t || !never || !set)
		die("setup");
	static const char *names[] = {"waitpid", "single", "any, event+proc",
	                              "all, event+proc"};
	double *v = malloc((size_t)runs * sizeof *v);
	if (!v)
		return 1;
	srand(1);
	printf("%-18s %12s %12s %12s   (%d children)\n", "wait", "median us",
	       "p10 us", "p90 us", runs);
	for (int mode = 0; mode < 4; mode++) {
		for (int i = 0; i < runs; i++)
			v[i] = one(mode, map, t, mode == 3 ? set : never);
		qsort(v, (size_t)runs, sizeof *v, cmp);
		printf("%-18s %12.1f %12.1f %12.1f\n", names[mode],
		       v[runs / 2], v[runs / 10], v[runs * 9 / 10]);
	}
	free(v);
	return 0;
}
