/* SPDX-License-Identifier: MIT */
/*
 * <TlHelp32.h> over /proc: CreateToolhelp32Snapshot of processes, threads
 * and modules, walked with the First/Next calls (A and W), with the
 * errors Windows gives: ERROR_BAD_LENGTH for an entry whose dwSize is too
 * small, ERROR_NO_MORE_FILES past the end, ERROR_INVALID_HANDLE for a
 * handle that is not a snapshot.
 */
#include <pthread.h>
#include <limits.h>
#include <sys/resource.h>

#include "harness.h"
#include <windows.h>
#include <TlHelp32.h>
#include <tlhelp32.h>

#define E_KEEP 0xDEADBEEFu

static char g_self[PATH_MAX]; /* this program's base name */

/* Finds pid in a fresh process snapshot (A calls); 1 if there. */
static int find_a(DWORD pid, PROCESSENTRY32 *out)
{
	HANDLE s = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
	T_ASSERT(s != INVALID_HANDLE_VALUE);
	PROCESSENTRY32 pe;
	pe.dwSize = sizeof pe;
	int found = 0;
	for (BOOL ok = Process32First(s, &pe); ok; ok = Process32Next(s, &pe))
		if (pe.th32ProcessID == pid) {
			*out = pe;
			found = 1;
		}
	T_EQ(GetLastError(), ERROR_NO_MORE_FILES);
	T_ASSERT(CloseHandle(s));
	return found;
}

static void processes(void)
{
	PROCESSENTRY32 pe;
	T_ASSERT(find_a(GetCurrentProcessId(), &pe));
	T_EQ(pe.dwSize, sizeof pe);
	T_EQ(pe.th32ParentProcessID, getppid());
	T_EQ(pe.cntThreads, 1);
	T_EQ(pe.pcPriClassBase, 8);
	T_ASSERT(!strcmp(pe.szExeFile, g_self));
	/* A process of another program, found by its name. */
	pid_t child = fork();
	T_ASSERT(child >= 0);
	if (child == 0) {
		execlp("sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	int found = 0;
	for (int i = 0; i < 500 && !found; i++) {
		found = find_a((DWORD)child, &pe) && !strcmp(pe.szExeFile, "sleep");
		if (!found)
			usleep(10000);
	}
	T_ASSERT(found);
	T_EQ(pe.th32ParentProcessID, getpid());
	/* The W walk finds it by its wide name. */
	HANDLE s = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
	PROCESSENTRY32W pw;
	pw.dwSize = sizeof pw;
	found = 0;
	for (BOOL ok = Process32FirstW(s, &pw); ok; ok = Process32NextW(s, &pw))
		found += pw.th32ProcessID == (DWORD)child &&
		         !wcscmp(pw.szExeFile, L"sleep");
	T_EQ(found, 1);
	/* First starts over. */
	T_ASSERT(Process32FirstW(s, &pw));
	DWORD first = pw.th32ProcessID;
	T_ASSERT(Process32NextW(s, &pw));
	T_ASSERT(Process32FirstW(s, &pw));
	T_EQ(pw.th32ProcessID, first);
	T_ASSERT(CloseHandle(s));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* Processes of other users, as /proc shows them: init. */
	if (access("/proc/1/stat", R_OK) == 0)
		T_ASSERT(find_a(1, &pe) && pe.szExeFile[0]);
}

static void *park(void *arg)
{
	HANDLE e = arg;
	WaitForSingleObject(e, INFINITE);
	return NULL;
}

static volatile DWORD g_tid;

static void *park_id(void *arg)
{
	g_tid = GetCurrentThreadId();
	return park(arg);
}

static void threads(void)
{
	HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
	pthread_t t;
	T_OK(pthread_create(&t, NULL, park_id, e));
	while (!g_tid)
		usleep(1000);
	PROCESSENTRY32 pe;
	T_ASSERT(find_a(GetCurrentProcessId(), &pe));
	T_EQ(pe.cntThreads, 2);
	HANDLE s = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
	T_ASSERT(s != INVALID_HANDLE_VALUE);
	THREADENTRY32 te;
	te.dwSize = sizeof te;
	int mine = 0, other = 0, others = 0;
	for (BOOL ok = Thread32First(s, &te); ok; ok = Thread32Next(s, &te)) {
		if (te.th32OwnerProcessID != GetCurrentProcessId()) {
			others++;
			continue;
		}
		mine += te.th32ThreadID == GetCurrentThreadId();
		other += te.th32ThreadID == g_tid;
		T_EQ(te.tpBasePri, 8);
	}
	T_EQ(GetLastError(), ERROR_NO_MORE_FILES);
	T_EQ(mine, 1);
	T_EQ(other, 1);
	T_ASSERT(others > 0); /* every process's threads */
	T_ASSERT(CloseHandle(s));
	SetEvent(e);
	pthread_join(t, NULL);
	CloseHandle(e);
}

/* Zero-filled data, far past the end of the executable's file. */
static char g_zeros[1 << 20];

static void modules(void)
{
	HANDLE s = CreateToolhelp32Snapshot(TH32CS_SNAPMODULE, 0);
	T_ASSERT(s != INVALID_HANDLE_VALUE);
	MODULEENTRY32 me;
	me.dwSize = sizeof me;
	T_ASSERT(Module32First(s, &me));
	/* The executable comes first. */
	T_ASSERT(!strcmp(me.szModule, g_self));
	T_EQ(me.th32ProcessID, GetCurrentProcessId());
	T_ASSERT((BYTE *)&g_self > me.modBaseAddr &&
	         (BYTE *)&g_self < me.modBaseAddr + me.modBaseSize);
	/* The image's size counts its zero-filled data, as on Windows. */
	T_ASSERT((BYTE *)&g_zeros[sizeof g_zeros - 1] <
	         me.modBaseAddr + me.modBaseSize);
	T_ASSERT(me.hModule == (HMODULE)me.modBaseAddr);
	int libc = 0;
	do
		libc += !strncmp(me.szModule, "libc.so", 7) ||
		        !strncmp(me.szModule, "libc-", 5);
	while (Module32Next(s, &me));
	T_EQ(GetLastError(), ERROR_NO_MORE_FILES);
	T_EQ(libc, 1);
	MODULEENTRY32W mw;
	mw.dwSize = sizeof mw;
	T_ASSERT(Module32FirstW(s, &mw));
	T_EQ(mw.szExePath[0], L'/');
	T_ASSERT(CloseHandle(s));
	/* A process that does not exist. */
	SetLastError(E_KEEP);
	T_ASSERT(CreateToolhelp32Snapshot(TH32CS_SNAPMODULE, 0x7ffffff0) ==
	         INVALID_HANDLE_VALUE);
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
}

static void errors(void)
{
	HANDLE s = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
	PROCESSENTRY32 pe;
	pe.dwSize = 0;
	SetLastError(E_KEEP);
	T_ASSERT(!Process32First(s, &pe));
	T_EQ(GetLastError(), ERROR_BAD_LENGTH);
	PROCESSENTRY32W pw;
	pw.dwSize = sizeof(PROCESSENTRY32); /* the A size is too small */
	T_ASSERT(!Process32FirstW(s, &pw));
	T_EQ(GetLastError(), ERROR_BAD_LENGTH);
	/* No threads or modules were taken. */
	THREADENTRY32 te;
	te.dwSize = sizeof te;
	T_ASSERT(!Thread32First(s, &te));
	T_EQ(GetLastError(), ERROR_NO_MORE_FILES);
	/* Not a snapshot; a closed one. */
	HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
	pe.dwSize = sizeof pe;
	T_ASSERT(!Process32First(ev, &pe));
	T_EQ(GetLastError(), ERROR_INVALID_HANDLE);
	CloseHandle(ev);
	T_ASSERT(CloseHandle(s));
	T_ASSERT(!Process32First(s, &pe));
	T_EQ(GetLastError(), ERROR_INVALID_HANDLE);
	/* TH32CS_INHERIT makes an inheritable handle. */
	s = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS | TH32CS_INHERIT, 0);
	DWORD f = 0;
	T_ASSERT(GetHandleInformation(s, &f));
	T_EQ(f, HANDLE_FLAG_INHERIT);
	T_ASSERT(CloseHandle(s));
}

/* The descriptors this process has open, counted without allocating. */
static int open_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 4096; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/*
 * A snapshot whose handle cannot be made (the handle table cannot grow:
 * no address space left) fails with ERROR_NOT_ENOUGH_MEMORY and keeps
 * neither its memory file nor its object. The table is filled to 16384
 * handles, so that the next one needs a larger table, which RLIMIT_AS
 * refuses. The sanitizers' reserved address space defeats the limit.
 */
static void no_handle_no_leak(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	t_skip("the sanitizer's reserved address space defeats RLIMIT_AS");
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
	t_skip("the sanitizer's reserved address space defeats RLIMIT_AS");
#endif
#endif
	HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
	T_ASSERT(ev != NULL);
	for (;;) {
		HANDLE d = NULL;
		T_ASSERT(DuplicateHandle(GetCurrentProcess(), ev,
		                         GetCurrentProcess(), &d, 0, FALSE,
		                         DUPLICATE_SAME_ACCESS));
		T_ASSERT((uintptr_t)d <= 16384 * 4);
		if ((uintptr_t)d == 16384 * 4)
			break; /* the last slot of a 16384-entry table */
	}
	/* Room for the snapshot's small allocations, then no more mappings. */
	free(malloc(4096));
	struct rlimit old, rl;
	T_OK(getrlimit(RLIMIT_AS, &old));
	char statm[128] = "";
	int fd = open("/proc/self/statm", O_RDONLY);
	T_ASSERT(fd >= 0 && read(fd, statm, sizeof statm - 1) > 0);
	close(fd);
	rl = old;
	rl.rlim_cur = (rlim_t)strtoul(statm, NULL, 10) * (rlim_t)getpagesize();
	int before = open_fds();
	T_OK(setrlimit(RLIMIT_AS, &rl));
	int fails = 0;
	for (int i = 0; i < 8; i++) {
		SetLastError(E_KEEP);
		HANDLE s = CreateToolhelp32Snapshot(0, 0);
		if (s == INVALID_HANDLE_VALUE) {
			T_EQ(GetLastError(), ERROR_NOT_ENOUGH_MEMORY);
			fails++;
		} else {
			CloseHandle(s);
		}
	}
	int after = open_fds();
	T_OK(setrlimit(RLIMIT_AS, &old));
	if (fails == 0)
		t_skip("the handle table grew under RLIMIT_AS after all");
	T_EQ(after, before);
}

int main(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		t_skip("readlink /proc/self/exe: %s", strerror(errno));
	exe[n] = 0;
	snprintf(g_self, sizeof g_self, "%s", strrchr(exe, '/') + 1);
	t_setup();
	t_run("Process32First/Next: self, a child by name, init", processes, 30);
	t_run("Thread32First/Next: every process's threads", threads, 30);
	t_run("Module32First/Next: the executable first, libc", modules, 30);
	t_run("errors: dwSize, the end, handles of other kinds", errors, 30);
	t_run("a snapshot without a handle keeps no descriptor",
	      no_handle_no_leak, 60);
	return t_finish();
}
