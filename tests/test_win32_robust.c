/* SPDX-License-Identifier: MIT */
/*
 * The Win32 layer against hostile or careless use: a forged
 * SHMAP_WIN32_HANDLES, descriptors that must not leak into children,
 * TerminateProcess of an ended process, inherited read-only mappings,
 * non-ASCII text through the Microsoft printf family, a mutex created
 * owned whose owner is killed, and sync objects whose file is cut short.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <windows.h>
#include <tchar.h>

#include "harness.h"
#include "win32/w32.h"
#include "win32/wtf8.h"

static char self[4096];

/* Descriptors open in this process, not counting the directory stream. */
static int count_fds(void)
{
	return t_count_files("/proc/self/fd") - 1;
}

/* Runs this program with mode as argument (and env if not NULL) and
 * returns its exit code. */
static int run_self(const char *mode, const char *env)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (env)
			setenv("SHMAP_WIN32_HANDLES", env, 1);
		execl(self, self, mode, (char *)NULL);
		_exit(99);
	}
	return t_exit_code(t_wait(pid, 30));
}

/* A forged variable never crashes, closes or adopts what is not ours. */
static void forged_handles(void)
{
	const char *bad[] = {"-4:D:0", "4:Z:1", "4:E:2", "4:D:1", "4:D:2",
	                     "99999999999999999999:D:0", "9223372036854775812:D:0",
	                     "4:M:0", "8:S:1:2:3", "4:F:2:99:2", ":::", ""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (run_self("--forged", bad[i]) != 0)
			T_FAIL("forged SHMAP_WIN32_HANDLES=\"%s\" hurt the process",
			       bad[i]);
}

static int forged_child(void)
{
	/* stdout and stderr are still ours, and nothing was adopted. */
	if (fcntl(1, F_GETFD) < 0 || fcntl(2, F_GETFD) < 0)
		return 2;
	if (write(1, "", 0) < 0)
		return 3;
	SetLastError(0);
	if (CloseHandle((HANDLE)(uintptr_t)4) ||
	    GetLastError() != ERROR_INVALID_HANDLE)
		return 4;
	if (CloseHandle((HANDLE)(uintptr_t)0x40000))
		return 5;
	HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
	if (!e || !CloseHandle(e))
		return 6;
	return 0;
}

static HANDLE make_inheritables(HANDLE out[4], const char *file)
{
	SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
	out[0] = CreateEventA(&sa, TRUE, FALSE, NULL);
	out[1] = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READONLY, 0,
	                            65536, "Local\\w32r-ro");
	out[2] = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0,
	                            65536, NULL);
	out[3] = CreateFileA(file, GENERIC_READ | GENERIC_WRITE, 0, &sa,
	                     CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	for (int i = 0; i < 4; i++)
		T_ASSERT(out[i] && out[i] != INVALID_HANDLE_VALUE);
	return out[0];
}

static DWORD spawn_child(const char *args, BOOL inherit)
{
	char cmd[8192];
	STARTUPINFOA si;
	PROCESS_INFORMATION pi;
	DWORD code = 1234;
	ZeroMemory(&si, sizeof si);
	si.cb = sizeof si;
	snprintf(cmd, sizeof cmd, "\"%s\" %s", self, args);
	T_ASSERT(CreateProcessA(NULL, cmd, NULL, NULL, inherit, 0, NULL, NULL,
	                        &si, &pi));
	T_EQ(WaitForSingleObject(pi.hProcess, 30000), WAIT_OBJECT_0);
	T_ASSERT(GetExitCodeProcess(pi.hProcess, &code));
	CloseHandle(pi.hProcess);
	CloseHandle(pi.hThread);
	return code;
}

/* Children get exactly the holds CreateProcess made for them. */
static void no_fd_leaks(void)
{
	HANDLE h[4];
	char file[512], args[512];
	/* What a child has when we have no handles (the test environment
	 * may pass a few descriptors of its own). */
	DWORD base = spawn_child("--fds -1", FALSE);
	T_ASSERT(base >= 3 && base < 200);
	snprintf(file, sizeof file, "%s/w32r-file", t_dir);
	make_inheritables(h, file);
	int mine = count_fds();
	/* Not inherited: nothing more than that. */
	snprintf(args, sizeof args, "--fds 0 %lu", (unsigned long)base);
	T_EQ(spawn_child(args, FALSE), 0);
	/* Inherited: one descriptor per inheritable handle, nothing else. */
	snprintf(args, sizeof args, "--fds 4 %lu %lu %lu %lu %lu",
	         (unsigned long)base,
	         (unsigned long)(uintptr_t)h[0], (unsigned long)(uintptr_t)h[1],
	         (unsigned long)(uintptr_t)h[2], (unsigned long)(uintptr_t)h[3]);
	T_EQ(spawn_child(args, TRUE), 0);
	/* And the parent has no descriptor more than before. */
	T_EQ(count_fds(), mine);
	for (int i = 0; i < 4; i++)
		T_ASSERT(CloseHandle(h[i]));
	unlink(file);
}

static int fds_child(int argc, char **argv)
{
	int want = atoi(argv[2]);
	if (want < 0)
		return count_fds(); /* the baseline */
	/* The baseline plus the inherited holds. */
	if (argc < 4 || count_fds() != atoi(argv[3]) + want)
		return 100 + count_fds();
	if (want) {
		HANDLE ro = (HANDLE)(uintptr_t)strtoul(argv[5], NULL, 10);
		/* An inherited read-only mapping maps for reading. */
		void *v = MapViewOfFile(ro, FILE_MAP_READ, 0, 0, 0);
		if (!v)
			return 3;
		UnmapViewOfFile(v);
		for (int i = 4; i < argc; i++)
			if (!CloseHandle((HANDLE)(uintptr_t)strtoul(argv[i], NULL,
			                                            10)))
				return 4;
	}
	return 0;
}

/* An ended process cannot be terminated and keeps its exit code. */
static void terminate_ended(void)
{
	char cmd[8192];
	STARTUPINFOA si;
	PROCESS_INFORMATION pi;
	DWORD code;
	ZeroMemory(&si, sizeof si);
	si.cb = sizeof si;
	snprintf(cmd, sizeof cmd, "\"%s\" --exit7", self);
	T_ASSERT(CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL,
	                        &si, &pi));
	usleep(300000); /* ended, not yet reaped */
	SetLastError(0);
	T_EQ(TerminateProcess(pi.hProcess, 99), FALSE);
	T_EQ(GetLastError(), ERROR_ACCESS_DENIED);
	T_EQ(WaitForSingleObject(pi.hProcess, 30000), WAIT_OBJECT_0);
	T_ASSERT(GetExitCodeProcess(pi.hProcess, &code));
	T_EQ(code, 7);
	CloseHandle(pi.hProcess);
	CloseHandle(pi.hThread);
}

/* Non-ASCII text through %S and %ls converts instead of failing. */
static void printf_non_ascii(void)
{
	wchar_t w[64];
	char n[64];
	T_EQ(shmap_w32_snwprintf(w, 64, L"[%S]", "h\xc3\xa9llo"), 7);
	T_ASSERT(!wcscmp(w, L"[h\x00e9llo]"));
	T_EQ(shmap_w32_snprintf(n, sizeof n, "[%S]", L"h\x00e9llo"), 8);
	T_ASSERT(!strcmp(n, "[h\xc3\xa9llo]"));
	T_EQ(shmap_w32_snprintf(n, 4, "%s", "abcdef"), 6);
	T_ASSERT(!strcmp(n, "abc"));
}

/* Wide names that differ are different objects: lone surrogates and
 * values that are no character narrow losslessly, never to one U+FFFD. */
static void distinct_wide_names(void)
{
	static const uint32_t last[] = {0xd800, 0xdc00, 0xdbff, 0xdfff, 0xfffd,
	                                0xfffe, 0x10ffff, 0x110000, 0x1fffff,
	                                0x200000, 0x3ffffff, 0x4000000,
	                                0x7fffffff, 0x80000000u, 0xffffffffu};
	enum { N = sizeof last / sizeof last[0] };
	HANDLE h[N + 2];
	wchar_t name[32];
	for (size_t i = 0; i < N; i++) {
		wcscpy(name, L"Local\\w32r-nx");
		name[wcslen(name) - 1] = (wchar_t)last[i];
		SetLastError(1234);
		h[i] = CreateEventW(NULL, TRUE, FALSE, name);
		T_ASSERT(h[i] != NULL);
		if (GetLastError() != ERROR_SUCCESS)
			T_FAIL("name ending in U+%lx aliases an earlier one",
			       (unsigned long)last[i]);
		/* Narrowing and widening give the name back. */
		char *n = shmap__wtf8_narrow(name);
		wchar_t *w = n ? shmap__wtf8_widen(n) : NULL;
		T_ASSERT(w && !wcscmp(w, name));
		free(n);
		free(w);
	}
	/* Two high surrogates are not a pair: their own name. */
	h[N] = CreateEventW(NULL, TRUE, FALSE, L"Local\\w32r-n\xd800\xd800");
	T_ASSERT(h[N] && GetLastError() == ERROR_SUCCESS);
	/* A surrogate pair is the character it encodes, as in UTF-16. */
	h[N + 1] = CreateEventW(NULL, TRUE, FALSE, L"Local\\w32r-p\x1f600");
	T_ASSERT(h[N + 1] && GetLastError() == ERROR_SUCCESS);
	HANDLE p = CreateEventW(NULL, TRUE, FALSE, L"Local\\w32r-p\xd83d\xde00");
	T_ASSERT(p && GetLastError() == ERROR_ALREADY_EXISTS);
	T_ASSERT(CloseHandle(p));
	/* The narrow name of U+1F600 is its UTF-8, so A and W names meet. */
	p = OpenEventA(SYNCHRONIZE, FALSE, "Local\\w32r-p\xf0\x9f\x98\x80");
	T_ASSERT(p != NULL);
	T_ASSERT(CloseHandle(p));
	/* Bytes no wide string narrows to widen to U+FFFD, one per byte. */
	wchar_t *w = shmap__wtf8_widen("a\xc0\x80" "b\xf8\x80\x80\x80\x80" "c");
	T_ASSERT(w && !wcscmp(w, L"a\xfffd\xfffd" "b\xfffd\xfffd\xfffd\xfffd\xfffd" "c"));
	free(w);
	for (size_t i = 0; i < N + 2; i++)
		T_ASSERT(CloseHandle(h[i]));
}

static HANDLE start_sleeper(int ms)
{
	char cmd[8192];
	STARTUPINFOA si;
	PROCESS_INFORMATION pi;
	ZeroMemory(&si, sizeof si);
	si.cb = sizeof si;
	snprintf(cmd, sizeof cmd, "\"%s\" --sleep %d", self, ms);
	T_ASSERT(CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL,
	                        &si, &pi));
	CloseHandle(pi.hThread);
	return pi.hProcess;
}

/* The CPU time and voluntary context switches of this process so far. */
static void usage(double *cpu_ms, long *switches)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	*cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	          (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	*switches = ru.ru_nvcsw;
}

/*
 * Waits (how: 0 single, 1 any with an event before the process, 2 all with
 * a set event) on a process that ends after 300 ms, and checks the wait
 * slept instead of polling: few wake-ups, little CPU, and it returned soon
 * after the end (loosely: the machine may be busy).
 */
static void wait_on_sleeper(int how)
{
	HANDLE e = CreateEventA(NULL, TRUE, how == 2, NULL);
	T_ASSERT(e != NULL);
	HANDLE p = start_sleeper(300);
	HANDLE hs[2] = {e, p};
	double cpu0, cpu1, t0 = t_now();
	long sw0, sw1;
	usage(&cpu0, &sw0);
	DWORD r = how == 0 ? WaitForSingleObject(p, 30000)
	                   : WaitForMultipleObjects(2, hs, how == 2, 30000);
	usage(&cpu1, &sw1);
	double took = t_now() - t0;
	if (getenv("T_VERBOSE"))
		printf("wait %d: %ld wake-ups, %.2f ms CPU, %.1f ms\n", how,
		       sw1 - sw0, cpu1 - cpu0, took * 1e3);
	T_EQ(r, how == 1 ? WAIT_OBJECT_0 + 1 : WAIT_OBJECT_0);
	T_ASSERT(took >= 0.2);
	/* Slices of 5 ms woke the waiter some 60 times. */
	if (sw1 - sw0 > 15)
		T_FAIL("wait %d woke %ld times in %.0f ms", how, sw1 - sw0,
		       took * 1e3);
	if (cpu1 - cpu0 > 20)
		T_FAIL("wait %d used %.1f ms of CPU", how, cpu1 - cpu0);
	if (took > 5)
		T_FAIL("wait %d returned %.1f s after the start", how, took);
	DWORD code;
	T_ASSERT(GetExitCodeProcess(p, &code));
	T_EQ(code, 0);
	CloseHandle(p);
	CloseHandle(e);
}

/* A wait on a process sleeps until the process ends, alone or among sync
 * objects, and a sync object still wakes a mixed wait at once. */
static void process_wait_sleeps(void)
{
	long fd = syscall(SYS_pidfd_open, getpid(), 0);
	if (fd < 0) /* no pidfd: 1 ms slices */
		t_skip("pidfd_open: %s", strerror(errno));
	close((int)fd);
	wait_on_sleeper(0);
	wait_on_sleeper(1);
	wait_on_sleeper(2);
	/* The event wins a wait-any over a process still running. */
	HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
	HANDLE p = start_sleeper(5000);
	HANDLE hs[2] = {p, e};
	T_EQ(WaitForMultipleObjects(2, hs, FALSE, 50), WAIT_TIMEOUT);
	T_ASSERT(SetEvent(e));
	T_EQ(WaitForMultipleObjects(2, hs, FALSE, 30000), WAIT_OBJECT_0 + 1);
	T_ASSERT(TerminateProcess(p, 3));
	T_EQ(WaitForMultipleObjects(2, hs, FALSE, 30000), WAIT_OBJECT_0);
	CloseHandle(p);
	CloseHandle(e);
	/* A process the system reaped (SIGCHLD ignored) has ended too. */
	signal(SIGCHLD, SIG_IGN);
	p = start_sleeper(50);
	T_EQ(WaitForSingleObject(p, 10000), WAIT_OBJECT_0);
	CloseHandle(p);
	signal(SIGCHLD, SIG_DFL);
}

/* Creates a mutex owned (CreateMutex(..., TRUE, ...)), says so, lingers. */
static void owned_mutex_child(int fd)
{
	HANDLE h = CreateMutexA(NULL, TRUE, "Local\\w32-owned-killed");
	if (!h || GetLastError() != 0)
		_exit(2);
	if (write(fd, "x", 1) != 1)
		_exit(2);
	t_linger();
}

/* The owner of a mutex created owned is killed: the next wait gets
 * WAIT_ABANDONED promptly, as on Windows, not a timeout. */
static void owned_mutex_killed(void)
{
	int p[2];
	char c;
	T_OK(pipe(p));
	pid_t pid = t_spawn(owned_mutex_child, p[1]);
	T_EQ(read(p[0], &c, 1), 1);
	HANDLE h = OpenMutexA(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE,
	                      "Local\\w32-owned-killed");
	T_ASSERT(h != NULL);
	T_EQ(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
	t_kill_reap(pid);
	double t0 = t_now();
	T_EQ(WaitForSingleObject(h, 5000), WAIT_ABANDONED);
	T_ASSERT(t_now() - t0 < 1.5);
	T_ASSERT(ReleaseMutex(h));
	T_EQ(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
	T_ASSERT(ReleaseMutex(h));
	T_ASSERT(CloseHandle(h));
	close(p[0]);
	close(p[1]);
}

/* Runs this program with args (a NULL-ended list) and SHMAP_WIN32_HANDLES
 * set to env; its exit code. */
static int run_self_args(const char *env, char *const *args)
{
	pid_t pid = fork();
	if (pid == 0) {
		setenv("SHMAP_WIN32_HANDLES", env, 1);
		execv(self, args);
		_exit(99);
	}
	return t_exit_code(t_wait(pid, 30));
}

/* Whether h is a handle of this process (a mask of 0 changes nothing). */
static int valid_handle(uintptr_t h)
{
	return SetHandleInformation((HANDLE)h, 0, 0) != 0;
}

/*
 * The child of hostile_handles: argv[2] lists the handle values that must
 * have been adopted ("-": none), each of argv[3..] is "fd:open" or
 * "fd:closed" for a descriptor as the adoption must have left it.
 */
static int hostile_child(int argc, char **argv)
{
	static const uintptr_t probe[] = {4, 8, 12, 16, 40};
	for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
		char v[16];
		snprintf(v, sizeof v, "%lu", (unsigned long)probe[i]);
		int want = 0;
		for (char *c = argv[2]; (c = strstr(c, v)); c++)
			if ((c == argv[2] || c[-1] == ',') &&
			    (c[strlen(v)] == ',' || !c[strlen(v)]))
				want = 1;
		if (valid_handle(probe[i]) != want)
			return 10 + (int)i;
	}
	for (int i = 3; i < argc; i++) {
		int fd = atoi(argv[i]);
		int open = fcntl(fd, F_GETFD) >= 0;
		if (open != (strstr(argv[i], ":open") != NULL))
			return 20 + i;
	}
	/* Each adopted handle owns its descriptor alone: closing them all
	 * leaves every other descriptor open. */
	for (int i = 0; i < 5; i++)
		if (valid_handle(probe[i]) && !CloseHandle((HANDLE)probe[i]))
			return 30;
	for (int i = 3; i < argc; i++)
		if (strstr(argv[i], ":open") && fcntl(atoi(argv[i]), F_GETFD) < 0 &&
		    !strstr(argv[i], ":open-owned"))
			return 40 + i;
	return 0;
}

/*
 * A forged SHMAP_WIN32_HANDLES naming real descriptors: two records for one
 * descriptor or one handle value, a wrong device or inode, a kind the file
 * is not, a file mapping larger than the file, and malformed records. None
 * may give two handles one descriptor, close a descriptor that is not the
 * record's, or grow the file.
 */
static void hostile_handles(void)
{
	char path[512], path2[512];
	snprintf(path, sizeof path, "%s/w32r-victim", t_dir);
	snprintf(path2, sizeof path2, "%s/w32r-victim2", t_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int fd2 = open(path2, O_RDWR | O_CREAT | O_TRUNC, 0600);
	T_ASSERT(fd >= 3 && fd2 >= 3);
	T_ASSERT(ftruncate(fd, 4096) == 0 && ftruncate(fd2, 4096) == 0);
	T_ASSERT(pwrite(fd, "victim", 6, 0) == 6);
	struct stat st, st2;
	T_ASSERT(fstat(fd, &st) == 0 && fstat(fd2, &st2) == 0);
	unsigned long long dev = (unsigned long long)st.st_dev;
	unsigned long long ino = (unsigned long long)st.st_ino;
	unsigned long long dev2 = (unsigned long long)st2.st_dev;
	unsigned long long ino2 = (unsigned long long)st2.st_ino;
	struct {
		char spec[512];
		const char *handles, *fd_state, *fd2_state;
	} c[32];
	int n = 0;
#define CASE(h, s1, s2, ...)                                                   \
	do {                                                                   \
		snprintf(c[n].spec, sizeof c[n].spec, __VA_ARGS__);            \
		c[n].handles = h;                                              \
		c[n].fd_state = s1;                                            \
		c[n].fd2_state = s2;                                           \
		n++;                                                           \
	} while (0)
	/* One descriptor, two records: the first only. */
	CASE("4", "open-owned", "open", "4:D:%d:3:%llu:%llu,8:D:%d:3:%llu:%llu",
	     fd, dev, ino, fd, dev, ino);
	CASE("4", "open-owned", "open",
	     "4:F:%d:983071:%llu:%llu:4096:2,8:D:%d:3:%llu:%llu", fd, dev, ino,
	     fd, dev, ino);
	CASE("4", "open-owned", "open",
	     "4:D:%d:3:%llu:%llu,8:F:%d:983071:%llu:%llu:4096:2", fd, dev, ino,
	     fd, dev, ino);
	/* One handle value, two records: the second descriptor, checked and
	 * unused, is closed. */
	CASE("4", "open-owned", "closed", "4:D:%d:3:%llu:%llu,4:D:%d:3:%llu:%llu",
	     fd, dev, ino, fd2, dev2, ino2);
	/* Two good records. */
	CASE("4,8", "open-owned", "open-owned",
	     "4:D:%d:3:%llu:%llu,8:D:%d:3:%llu:%llu", fd, dev, ino, fd2, dev2,
	     ino2);
	/* Not the file the record names: left alone. */
	CASE("-", "open", "open", "4:D:%d:3:%llu:%llu", fd, dev, ino + 1);
	CASE("-", "open", "open", "4:D:%d:3:%llu:%llu", fd, dev + 1, ino);
	CASE("-", "open", "open", "4:D:%d:3:%llu:%llu", fd, dev2, ino2);
	/* The file, but not a sync object or mapping object. */
	CASE("-", "closed", "open", "4:E:%d:3:%llu:%llu", fd, dev, ino);
	CASE("-", "closed", "open", "4:M:%d:3:%llu:%llu", fd, dev, ino);
	/* A file mapping larger than the file: never grows it. */
	CASE("-", "closed", "open", "4:F:%d:983071:%llu:%llu:1048576:2", fd,
	     dev, ino);
	CASE("-", "open", "open", "4:F:%d:983071:1048576:2", fd);
	CASE("-", "open", "open", "4:F:%d:983071:%llu:%llu:0:2", fd, dev, ino);
	CASE("-", "closed", "open", "4:F:%d:983071:%llu:%llu:4096:9", fd, dev,
	     ino);
	/* Malformed: nothing adopted, nothing closed. */
	CASE("-", "open", "open", "4:D:%d:3:%llu:%llu:7", fd, dev, ino);
	CASE("-", "open", "open", "04:D:%d:3:%llu:%llu", fd, dev, ino);
	CASE("-", "open", "open", "4:D:0%d:3:%llu:%llu", fd, dev, ino);
	CASE("-", "open", "open", "4:D:%d:3:%llu:%llux", fd, dev, ino);
	CASE("-", "open", "open", "4:D:%d:3:%llu: %llu", fd, dev, ino);
	CASE("-", "open", "open", "4:D:%d:3:%llu:+%llu", fd, dev, ino);
	CASE("-", "open", "open", "4:D:%d:3:%llu", fd, dev);
	CASE("-", "open", "open", "4:D:%d:3::%llu", fd, ino);
	CASE("-", "open", "open", "4:D:%d:3", fd);
	CASE("-", "open", "open", "4:DD:%d:3:%llu:%llu", fd, dev, ino);
	CASE("-", "open", "open", "6:D:%d:3:%llu:%llu", fd, dev, ino);
	CASE("-", "open", "open", "4:D:%d:99999999999:%llu:%llu", fd, dev, ino);
	CASE("-", "open", "open", "4:D:%d:3:%llu:%llu0", fd, dev, ino);
	CASE("4", "open-owned", "open", ",,4:D:%d:3:%llu:%llu,,x,", fd, dev,
	     ino);
#undef CASE
	for (int i = 0; i < n; i++) {
		char a1[32], a2[32];
		snprintf(a1, sizeof a1, "%d:%s", fd, c[i].fd_state);
		snprintf(a2, sizeof a2, "%d:%s", fd2, c[i].fd2_state);
		char *args[] = {self, "--hostile", (char *)c[i].handles, a1, a2,
		                NULL};
		int code = run_self_args(c[i].spec, args);
		if (code != 0)
			T_FAIL("SHMAP_WIN32_HANDLES=\"%s\": child check %d",
			       c[i].spec, code);
		struct stat now;
		char buf[6];
		T_ASSERT(fstat(fd, &now) == 0 && fstat(fd2, &st2) == 0);
		if (now.st_size != 4096 || st2.st_size != 4096)
			T_FAIL("SHMAP_WIN32_HANDLES=\"%s\" grew a file to %lld",
			       c[i].spec, (long long)now.st_size);
		T_ASSERT(pread(fd, buf, 6, 0) == 6 && !memcmp(buf, "victim", 6));
	}
	close(fd);
	close(fd2);
	unlink(path);
	unlink(path2);
}

/* The parser called directly: descriptors that are close-on-exec are never
 * a parent's; at most cap handles; a taken handle value is refused without
 * leaking the descriptor. */
static void adopt_direct(void)
{
	char path[512], spec[256];
	HANDLE out[4];
	struct stat st;
	snprintf(path, sizeof path, "%s/w32r-direct", t_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	T_ASSERT(fd >= 3 && fstat(fd, &st) == 0);
	snprintf(spec, sizeof spec, "400:D:%d:3:%llu:%llu", fd,
	         (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	T_EQ(shmap__w32_adopt_handles(spec, out, 4), 0);
	T_ASSERT(fcntl(fd, F_GETFD) >= 0);
	T_ASSERT(fcntl(fd, F_SETFD, 0) == 0);
	int fd2 = dup(fd);
	T_ASSERT(fd2 >= 3);
	snprintf(spec, sizeof spec, "400:D:%d:3:%llu:%llu,404:D:%d:3:%llu:%llu",
	         fd, (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino, fd2,
	         (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	T_EQ(shmap__w32_adopt_handles(spec, out, 1), 1);
	T_EQ((uintptr_t)out[0], 400);
	T_ASSERT(fcntl(fd2, F_GETFD) < 0); /* not adopted: closed */
	/* Adopted now (close-on-exec), so not again. */
	T_EQ(shmap__w32_adopt_handles(spec, out, 4), 0);
	int fd3 = open(path, O_RDWR);
	T_ASSERT(fd3 >= 3);
	snprintf(spec, sizeof spec, "400:D:%d:3:%llu:%llu", fd3,
	         (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	T_EQ(shmap__w32_adopt_handles(spec, out, 4), 0); /* 400 is taken */
	T_ASSERT(fcntl(fd3, F_GETFD) < 0);
	T_ASSERT(fcntl(fd, F_GETFD) >= 0);
	T_ASSERT(CloseHandle((HANDLE)400));
	T_ASSERT(fcntl(fd, F_GETFD) < 0);
	unlink(path);
}

/* An event, mutex and semaphore whose backing files another process cut
 * short fail with ERROR_SWAPERR (an in-page error), never a SIGBUS. */
static void cut_sync_objects(void)
{
	static const char *names[3] = {"Local\\w32-cut-ev", "Local\\w32-cut-mx",
	                               "Local\\w32-cut-sem"};
	HANDLE h[3];
	char path[4096];
	h[0] = CreateEventA(NULL, FALSE, FALSE, names[0]);
	h[1] = CreateMutexA(NULL, FALSE, names[1]);
	h[2] = CreateSemaphoreA(NULL, 0, 5, names[2]);
	for (int i = 0; i < 3; i++) {
		T_ASSERT(h[i] != NULL);
		t_backing_path(names[i], path, sizeof path);
		T_OK(truncate(path, 0));
	}
	SetLastError(0);
	T_EQ(SetEvent(h[0]), FALSE);
	T_EQ(GetLastError(), ERROR_SWAPERR);
	T_EQ(ResetEvent(h[0]), FALSE);
	T_EQ(GetLastError(), ERROR_SWAPERR);
	T_EQ(ReleaseSemaphore(h[2], 1, NULL), FALSE);
	T_EQ(GetLastError(), ERROR_SWAPERR);
	for (int i = 0; i < 3; i++) {
		SetLastError(0);
		T_EQ(WaitForSingleObject(h[i], 100), WAIT_FAILED);
		T_EQ(GetLastError(), ERROR_SWAPERR);
	}
	T_EQ(ReleaseMutex(h[1]), FALSE);
	T_EQ(GetLastError(), ERROR_SWAPERR);
	SetLastError(0);
	T_EQ(WaitForMultipleObjects(3, h, TRUE, 100), WAIT_FAILED);
	T_EQ(GetLastError(), ERROR_SWAPERR);
	for (int i = 0; i < 3; i++)
		T_ASSERT(CloseHandle(h[i]));
}

/* Writes the 32-bit word w at offset off of name's backing file. */
static void poke(const char *name, off_t off, uint32_t w)
{
	char path[4096];
	t_backing_path(name, path, sizeof path);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_EQ(pwrite(fd, &w, sizeof w, off), (ssize_t)sizeof w);
	close(fd);
}

/* A mapping whose object header, or an event, mutex or semaphore whose
 * block, has another version's format: opening or creating it by name
 * fails with ERROR_REVISION_MISMATCH, and the objects live on. */
static void other_format(void)
{
	static const char *names[4] = {"Local\\w32-fmt-map", "Local\\w32-fmt-ev",
	                               "Local\\w32-fmt-mx", "Local\\w32-fmt-sem"};
	HANDLE h[4];
	h[0] = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
	                          4096, names[0]);
	h[1] = CreateEventA(NULL, FALSE, FALSE, names[1]);
	h[2] = CreateMutexA(NULL, FALSE, names[2]);
	h[3] = CreateSemaphoreA(NULL, 0, 5, names[3]);
	for (int i = 0; i < 4; i++)
		T_ASSERT(h[i] != NULL);
	/* Format 1, the header before format words; "SYN4", the block of
	 * the library before. */
	poke(names[0], 8, 1u);
	for (int i = 1; i < 4; i++)
		poke(names[i], (off_t)shmap__data_offset(), 0x344e5953u);
	SetLastError(0);
	T_ASSERT(OpenFileMappingA(FILE_MAP_READ, FALSE, names[0]) == NULL);
	T_EQ(GetLastError(), ERROR_REVISION_MISMATCH);
	SetLastError(0);
	T_ASSERT(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
	                            0, 4096, names[0]) == NULL);
	T_EQ(GetLastError(), ERROR_REVISION_MISMATCH);
	SetLastError(0);
	T_ASSERT(OpenEventA(SYNCHRONIZE, FALSE, names[1]) == NULL);
	T_EQ(GetLastError(), ERROR_REVISION_MISMATCH);
	SetLastError(0);
	T_ASSERT(CreateEventA(NULL, FALSE, FALSE, names[1]) == NULL);
	T_EQ(GetLastError(), ERROR_REVISION_MISMATCH);
	SetLastError(0);
	T_ASSERT(OpenMutexA(SYNCHRONIZE, FALSE, names[2]) == NULL);
	T_EQ(GetLastError(), ERROR_REVISION_MISMATCH);
	SetLastError(0);
	T_ASSERT(CreateMutexA(NULL, FALSE, names[2]) == NULL);
	T_EQ(GetLastError(), ERROR_REVISION_MISMATCH);
	SetLastError(0);
	T_ASSERT(OpenSemaphoreA(SYNCHRONIZE, FALSE, names[3]) == NULL);
	T_EQ(GetLastError(), ERROR_REVISION_MISMATCH);
	SetLastError(0);
	T_ASSERT(CreateSemaphoreA(NULL, 0, 5, names[3]) == NULL);
	T_EQ(GetLastError(), ERROR_REVISION_MISMATCH);
	char text[128];
	T_ASSERT(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
	                                FORMAT_MESSAGE_IGNORE_INSERTS,
	                        NULL, ERROR_REVISION_MISMATCH, 0, text,
	                        sizeof text, NULL) > 0);
	T_ASSERT(strstr(text, "revision levels are incompatible") != NULL);
	for (int i = 0; i < 4; i++)
		T_ASSERT(CloseHandle(h[i]));
}

/* Takes the mutex named by fd's test, says so, lingers to be killed. */
static void lowest_mutex_child(int fd)
{
	HANDLE h = CreateMutexA(NULL, FALSE, "Local\\w32-lowest-abandoned");
	if (!h || WaitForSingleObject(h, 5000) != WAIT_OBJECT_0)
		_exit(2);
	if (write(fd, "x", 1) != 1)
		_exit(2);
	t_linger();
}

/* A wait-any over processes and sync objects returns the lowest signalled
 * index and takes only that object, as on Windows. */
static void wait_any_lowest(void)
{
	HANDLE proc = start_sleeper(0);
	T_EQ(WaitForSingleObject(proc, 30000), WAIT_OBJECT_0);
	HANDLE ev = CreateEventA(NULL, FALSE, TRUE, NULL); /* auto, set */
	T_ASSERT(ev != NULL);
	HANDLE hs[2] = {ev, proc};
	/* Event set at 0, process ended at 1: 0, and the event is taken. */
	T_EQ(WaitForMultipleObjects(2, hs, FALSE, 0), WAIT_OBJECT_0);
	T_EQ(WaitForSingleObject(ev, 0), WAIT_TIMEOUT);
	T_ASSERT(SetEvent(ev));
	T_EQ(WaitForMultipleObjects(2, hs, FALSE, 1000), WAIT_OBJECT_0);
	T_EQ(WaitForSingleObject(ev, 0), WAIT_TIMEOUT);
	/* Process ended at 0, event set at 1: 0, and the event stays set. */
	T_ASSERT(SetEvent(ev));
	hs[0] = proc;
	hs[1] = ev;
	T_EQ(WaitForMultipleObjects(2, hs, FALSE, 0), WAIT_OBJECT_0);
	T_EQ(WaitForSingleObject(ev, 0), WAIT_OBJECT_0);
	T_ASSERT(CloseHandle(ev));

	/* A mutex abandoned at 0 beats an ended process at 1. */
	int p[2];
	char c;
	T_OK(pipe(p));
	pid_t pid = t_spawn(lowest_mutex_child, p[1]);
	T_EQ(read(p[0], &c, 1), 1);
	HANDLE mx = OpenMutexA(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE,
	                       "Local\\w32-lowest-abandoned");
	T_ASSERT(mx != NULL);
	t_kill_reap(pid);
	/* Ended process at 0, abandoned mutex at 1: 0, the mutex untaken. */
	hs[0] = proc;
	hs[1] = mx;
	T_EQ(WaitForMultipleObjects(2, hs, FALSE, 0), WAIT_OBJECT_0);
	hs[0] = mx;
	hs[1] = proc;
	T_EQ(WaitForMultipleObjects(2, hs, FALSE, 0), WAIT_ABANDONED_0);
	T_ASSERT(ReleaseMutex(mx));
	T_ASSERT(CloseHandle(mx));
	T_ASSERT(CloseHandle(proc));
	close(p[0]);
	close(p[1]);
}

/* Creates the mutex named in argv[2] owned and sleeps until killed. */
static int own_mutex_child(char **argv)
{
	HANDLE h = CreateMutexA(NULL, TRUE, argv[2]);
	if (!h)
		return 2;
	for (;;)
		pause();
}

struct killer {
	HANDLE proc;
	int ms;
};

static void *kill_later(void *arg)
{
	struct killer *k = arg;
	usleep((useconds_t)k->ms * 1000);
	TerminateProcess(k->proc, 9);
	return NULL;
}

/* The owner of a mutex at 0 is the process at 1 and is killed during the
 * wait: both are signalled at once, and 0 (abandoned) wins. With emfile,
 * the waiter has no descriptor left for a watcher thread, so the wait
 * runs sliced. */
static void owner_killed_during_wait(int emfile)
{
	char cmd[8192];
	STARTUPINFOA si;
	PROCESS_INFORMATION pi;
	const char *name = "Local\\w32-lowest-owner";
	ZeroMemory(&si, sizeof si);
	si.cb = sizeof si;
	snprintf(cmd, sizeof cmd, "\"%s\" --own-mutex %s", self, name);
	T_ASSERT(CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL,
	                        &si, &pi));
	CloseHandle(pi.hThread);
	HANDLE mx = NULL;
	for (int i = 0; i < 3000 && !mx; i++) {
		mx = OpenMutexA(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE, name);
		if (!mx)
			usleep(1000);
	}
	T_ASSERT(mx != NULL);
	T_EQ(WaitForSingleObject(mx, 0), WAIT_TIMEOUT);
	struct rlimit old, rl;
	int fds[64], nf = 0;
	if (emfile) {
		T_OK(getrlimit(RLIMIT_NOFILE, &old));
		rl = old;
		rl.rlim_cur = (rlim_t)count_fds() + 16;
		T_OK(setrlimit(RLIMIT_NOFILE, &rl));
		while (nf < 64 && (fds[nf] = dup(0)) >= 0)
			nf++;
		T_ASSERT(nf < 64);
	}
	struct killer k = {pi.hProcess, 100};
	pthread_t th;
	T_EQ(pthread_create(&th, NULL, kill_later, &k), 0);
	HANDLE hs[2] = {mx, pi.hProcess};
	DWORD r = WaitForMultipleObjects(2, hs, FALSE, 10000);
	pthread_join(th, NULL);
	for (int i = 0; i < nf; i++)
		close(fds[i]);
	if (emfile)
		T_OK(setrlimit(RLIMIT_NOFILE, &old));
	T_EQ(r, WAIT_ABANDONED_0);
	T_ASSERT(ReleaseMutex(mx));
	T_ASSERT(CloseHandle(mx));
	T_ASSERT(CloseHandle(pi.hProcess));
}

static void owner_killed_watched(void)
{
	owner_killed_during_wait(0);
}

static void owner_killed_sliced(void)
{
	owner_killed_during_wait(1);
}

int main(int argc, char **argv)
{
	ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
	if (k <= 0)
		return 1;
	self[k] = 0;
	if (argc > 1 && !strcmp(argv[1], "--forged"))
		return forged_child();
	if (argc > 2 && !strcmp(argv[1], "--fds"))
		return fds_child(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "--exit7"))
		return 7;
	if (argc > 2 && !strcmp(argv[1], "--hostile"))
		return hostile_child(argc, argv);
	if (argc > 2 && !strcmp(argv[1], "--own-mutex"))
		return own_mutex_child(argv);
	if (argc > 2 && !strcmp(argv[1], "--sleep")) {
		usleep((useconds_t)atoi(argv[2]) * 1000);
		return 0;
	}
	t_setup();
	t_run("forged SHMAP_WIN32_HANDLES", forged_handles, 60);
	t_run("children get exactly their holds", no_fd_leaks, 60);
	t_run("an ended process cannot be terminated", terminate_ended, 60);
	t_run("non-ASCII text in the printf family", printf_non_ascii, 20);
	t_run("distinct wide names are distinct objects", distinct_wide_names,
	      20);
	t_run("a wait on a process sleeps until it ends", process_wait_sleeps,
	      60);
	t_run("a mutex created owned, owner killed", owned_mutex_killed, 30);
	t_run("hostile SHMAP_WIN32_HANDLES over a real file", hostile_handles,
	      120);
	t_run("adopting handles directly", adopt_direct, 20);
	t_run("sync objects cut short: ERROR_SWAPERR", cut_sync_objects, 30);
	t_run("objects of another format: ERROR_REVISION_MISMATCH",
	      other_format, 30);
	t_run("wait-any returns the lowest signalled index", wait_any_lowest,
	      30);
	t_run("wait-any: an owner killed while waited, watched",
	      owner_killed_watched, 30);
	t_run("wait-any: an owner killed while waited, sliced",
	      owner_killed_sliced, 30);
	return t_finish();
}
