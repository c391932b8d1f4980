/* SPDX-License-Identifier: MIT */
/*
 * Miscellaneous Win32 calls, as Microsoft documents them: the OVERLAPPED
 * structure and transfers at an offset with it, handle flags (GetHandleInformation, protection from
 * CloseHandle), SignalObjectAndWait, security descriptors, temporary
 * files, file attributes, GetSystemTimeAsFileTime and GetVersionEx.
 */
#include <fcntl.h>
#include <grp.h>
#include <stddef.h>
#include <sys/stat.h>

#include "harness.h"
#include <windows.h>

#define E_KEEP 0xDEADBEEFu

/* The SDK's layout, so programs declaring one compile and agree. */
static void overlapped(void)
{
	OVERLAPPED ov;
	memset(&ov, 0, sizeof ov);
	ov.Offset = 1;
	ov.OffsetHigh = 2;
	ov.hEvent = NULL;
	T_EQ(offsetof(OVERLAPPED, Internal), 0);
	T_EQ(offsetof(OVERLAPPED, InternalHigh), sizeof(ULONG_PTR));
	T_EQ(offsetof(OVERLAPPED, Offset), 2 * sizeof(ULONG_PTR));
	T_EQ(offsetof(OVERLAPPED, OffsetHigh), 2 * sizeof(ULONG_PTR) + 4);
	T_EQ(offsetof(OVERLAPPED, Pointer), 2 * sizeof(ULONG_PTR));
	T_EQ(sizeof(OVERLAPPED), sizeof(void *) == 8 ? 32 : 20);
	LPOVERLAPPED p = &ov;
	T_EQ(p->Offset, 1);
}

/* ReadFile/WriteFile with an OVERLAPPED: a synchronous handle reads and
 * writes at the offset and its pointer follows; a read at the end is
 * ERROR_HANDLE_EOF; both halves 0xFFFFFFFF append; the event is reset
 * and set; GetOverlappedResult reports; an overlapped handle needs an
 * OVERLAPPED, keeps its pointer and completes at once. */
static void overlapped_io(void)
{
	char path[300], buf[64];
	snprintf(path, sizeof path, "%s/ov.txt", t_dir);
	HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	                       CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	T_ASSERT(f != INVALID_HANDLE_VALUE);
	DWORD n = 0;
	T_ASSERT(WriteFile(f, "0123456789", 10, &n, NULL));
	HANDLE ev = CreateEventA(NULL, TRUE, TRUE, NULL);
	T_ASSERT(ev);
	OVERLAPPED ov;
	memset(&ov, 0, sizeof ov);
	ov.Offset = 3;
	ov.hEvent = ev;
	ov.Internal = 12345;
	T_ASSERT(ReadFile(f, buf, 4, &n, &ov));
	T_EQ(n, 4);
	T_EQ(memcmp(buf, "3456", 4), 0);
	T_EQ(ov.Internal, 0);
	T_EQ(ov.InternalHigh, 4);
	T_EQ(WaitForSingleObject(ev, 0), WAIT_OBJECT_0);
	T_EQ(SetFilePointer(f, 0, NULL, FILE_CURRENT), 7);
	n = 99;
	T_ASSERT(GetOverlappedResult(f, &ov, &n, TRUE));
	T_EQ(n, 4);
	T_ASSERT(HasOverlappedIoCompleted(&ov));
	/* Past the end: FALSE, ERROR_HANDLE_EOF, and so says the result. */
	ov.Offset = 10;
	SetLastError(E_KEEP);
	n = 99;
	T_ASSERT(!ReadFile(f, buf, 4, &n, &ov));
	T_EQ(GetLastError(), ERROR_HANDLE_EOF);
	T_EQ(n, 0);
	T_EQ(ov.Internal, 0xC0000011u);
	SetLastError(E_KEEP);
	T_ASSERT(!GetOverlappedResult(f, &ov, &n, FALSE));
	T_EQ(GetLastError(), ERROR_HANDLE_EOF);
	/* Short read near the end: TRUE, fewer bytes. */
	ov.Offset = 8;
	T_ASSERT(ReadFile(f, buf, 4, &n, &ov));
	T_EQ(n, 2);
	/* Write at an offset past the end, then append. */
	ov.Offset = 12;
	T_ASSERT(WriteFile(f, "AB", 2, &n, &ov));
	T_EQ(n, 2);
	T_EQ(GetFileSize(f, NULL), 14);
	T_EQ(SetFilePointer(f, 0, NULL, FILE_CURRENT), 14);
	ov.Offset = ov.OffsetHigh = 0xFFFFFFFFu;
	T_ASSERT(WriteFile(f, "CD", 2, &n, &ov));
	T_EQ(GetFileSize(f, NULL), 16);
	/* A negative offset is refused. */
	ov.Offset = 0;
	ov.OffsetHigh = 0x80000000u;
	SetLastError(E_KEEP);
	T_ASSERT(!ReadFile(f, buf, 4, &n, &ov));
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
	T_ASSERT(CancelIo(f));
	SetLastError(E_KEEP);
	T_ASSERT(!CancelIoEx(f, NULL));
	T_EQ(GetLastError(), ERROR_NOT_FOUND);
	T_ASSERT(CloseHandle(f));

	/* Without the access: refused first, the OVERLAPPED untouched. */
	f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL,
	                OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	T_ASSERT(f != INVALID_HANDLE_VALUE);
	memset(&ov, 0, sizeof ov);
	ov.Internal = 777;
	ov.hEvent = ev;
	SetEvent(ev);
	SetLastError(E_KEEP);
	T_ASSERT(!WriteFile(f, "zz", 2, &n, &ov));
	T_EQ(GetLastError(), ERROR_ACCESS_DENIED);
	T_EQ(ov.Internal, 777);
	T_EQ(WaitForSingleObject(ev, 0), WAIT_OBJECT_0);
	T_ASSERT(CloseHandle(f));
	f = CreateFileA(path, GENERIC_WRITE, FILE_SHARE_READ, NULL,
	                OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	T_ASSERT(f != INVALID_HANDLE_VALUE);
	SetLastError(E_KEEP);
	T_ASSERT(!ReadFile(f, buf, 2, &n, &ov));
	T_EQ(GetLastError(), ERROR_ACCESS_DENIED);
	T_EQ(ov.Internal, 777);
	T_ASSERT(CloseHandle(f));

	/* FILE_FLAG_OVERLAPPED: an OVERLAPPED is required; the pointer stays. */
	f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL,
	                OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
	T_ASSERT(f != INVALID_HANDLE_VALUE);
	SetLastError(E_KEEP);
	T_ASSERT(!ReadFile(f, buf, 4, &n, NULL));
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
	memset(&ov, 0, sizeof ov);
	ov.Offset = 12;
	ov.hEvent = ev;
	ResetEvent(ev);
	T_ASSERT(ReadFile(f, buf, 4, NULL, &ov));
	T_EQ(memcmp(buf, "ABCD", 4), 0);
	T_EQ(WaitForSingleObject(ev, 0), WAIT_OBJECT_0);
	T_ASSERT(GetOverlappedResult(f, &ov, &n, TRUE));
	T_EQ(n, 4);
	T_EQ(SetFilePointer(f, 0, NULL, FILE_CURRENT), 0);
	T_ASSERT(CloseHandle(f));
	T_ASSERT(CloseHandle(ev));
	T_ASSERT(DeleteFileA(path));
}

static void handle_flags(void)
{
	HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
	T_ASSERT(e);
	DWORD f = 0xff;
	T_ASSERT(GetHandleInformation(e, &f));
	T_EQ(f, 0);
	T_ASSERT(SetHandleInformation(e, HANDLE_FLAG_INHERIT,
	                              HANDLE_FLAG_INHERIT));
	T_ASSERT(GetHandleInformation(e, &f));
	T_EQ(f, HANDLE_FLAG_INHERIT);
	T_ASSERT(SetHandleInformation(e, HANDLE_FLAG_PROTECT_FROM_CLOSE,
	                              HANDLE_FLAG_PROTECT_FROM_CLOSE));
	T_ASSERT(GetHandleInformation(e, &f));
	T_EQ(f, HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE);
	/* A protected handle is not closed: ERROR_INVALID_HANDLE, still
	 * usable. */
	SetLastError(E_KEEP);
	T_ASSERT(!CloseHandle(e));
	T_EQ(GetLastError(), ERROR_INVALID_HANDLE);
	T_ASSERT(SetEvent(e));
	T_EQ(WaitForSingleObject(e, 0), WAIT_OBJECT_0);
	T_ASSERT(SetHandleInformation(e, HANDLE_FLAG_PROTECT_FROM_CLOSE |
	                                         HANDLE_FLAG_INHERIT,
	                              0));
	T_ASSERT(GetHandleInformation(e, &f));
	T_EQ(f, 0);
	T_ASSERT(CloseHandle(e));
	SetLastError(E_KEEP);
	T_ASSERT(!GetHandleInformation(e, &f));
	T_EQ(GetLastError(), ERROR_INVALID_HANDLE);
	SetLastError(E_KEEP);
	T_ASSERT(!GetHandleInformation(NULL, &f));
	T_EQ(GetLastError(), ERROR_INVALID_HANDLE);
	/* A new handle in the freed slot starts unprotected. */
	HANDLE e2 = CreateEventA(NULL, TRUE, FALSE, NULL);
	T_ASSERT(GetHandleInformation(e2, &f));
	T_EQ(f, 0);
	T_ASSERT(CloseHandle(e2));
}

static void signal_and_wait(void)
{
	HANDLE a = CreateEventA(NULL, FALSE, FALSE, NULL);
	HANDLE b = CreateEventA(NULL, TRUE, TRUE, NULL);
	HANDLE c = CreateEventA(NULL, TRUE, FALSE, NULL);
	HANDLE m = CreateMutexA(NULL, FALSE, NULL);
	HANDLE s = CreateSemaphoreA(NULL, 0, 1, NULL);
	T_ASSERT(a && b && c && m && s);
	/* Event: set, then the wait is on another object. */
	T_EQ(SignalObjectAndWait(a, b, 0, FALSE), WAIT_OBJECT_0);
	T_EQ(WaitForSingleObject(a, 0), WAIT_OBJECT_0);
	T_EQ(SignalObjectAndWait(a, c, 10, TRUE), WAIT_TIMEOUT);
	/* Signalling and waiting on one auto-reset event consumes it. */
	T_EQ(SignalObjectAndWait(a, a, 0, FALSE), WAIT_OBJECT_0);
	T_EQ(WaitForSingleObject(a, 0), WAIT_TIMEOUT);
	/* Mutex not owned: ERROR_NOT_OWNER, no wait. */
	SetLastError(E_KEEP);
	T_EQ(SignalObjectAndWait(m, b, 0, FALSE), WAIT_FAILED);
	T_EQ(GetLastError(), ERROR_NOT_OWNER);
	T_EQ(WaitForSingleObject(m, 0), WAIT_OBJECT_0);
	T_EQ(SignalObjectAndWait(m, b, 0, FALSE), WAIT_OBJECT_0);
	/* Released: another thread could take it; this one takes it back. */
	T_EQ(SignalObjectAndWait(s, m, 0, FALSE), WAIT_OBJECT_0);
	T_ASSERT(ReleaseMutex(m));
	/* Semaphore at its maximum: ERROR_TOO_MANY_POSTS. */
	SetLastError(E_KEEP);
	T_EQ(SignalObjectAndWait(s, b, 0, FALSE), WAIT_FAILED);
	T_EQ(GetLastError(), ERROR_TOO_MANY_POSTS);
	T_EQ(WaitForSingleObject(s, 0), WAIT_OBJECT_0);
	T_EQ(WaitForSingleObject(s, 0), WAIT_TIMEOUT);
	/* Neither event, mutex nor semaphore; a bad handle. */
	HANDLE fm = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL,
	                               PAGE_READWRITE, 0, 4096, NULL);
	T_ASSERT(fm);
	SetLastError(E_KEEP);
	T_EQ(SignalObjectAndWait(fm, b, 0, FALSE), WAIT_FAILED);
	T_EQ(GetLastError(), ERROR_INVALID_HANDLE);
	SetLastError(E_KEEP);
	T_EQ(SignalObjectAndWait(NULL, b, 0, FALSE), WAIT_FAILED);
	T_EQ(GetLastError(), ERROR_INVALID_HANDLE);
	CloseHandle(fm);
	CloseHandle(a);
	CloseHandle(b);
	CloseHandle(c);
	CloseHandle(m);
	CloseHandle(s);
}

static void security_descriptor(void)
{
	SECURITY_DESCRIPTOR sd;
	memset(&sd, 0x5a, sizeof sd);
	SetLastError(E_KEEP);
	T_ASSERT(!InitializeSecurityDescriptor(&sd, 2));
	T_EQ(GetLastError(), ERROR_UNKNOWN_REVISION);
	T_ASSERT(!SetSecurityDescriptorDacl(&sd, TRUE, NULL, FALSE));
	T_EQ(GetLastError(), ERROR_UNKNOWN_REVISION);
	T_ASSERT(InitializeSecurityDescriptor(&sd,
	                                      SECURITY_DESCRIPTOR_REVISION));
	T_EQ(sd.Revision, 1);
	T_EQ(sd.Control, 0);
	T_ASSERT(!sd.Owner && !sd.Group && !sd.Sacl && !sd.Dacl);
	T_ASSERT(SetSecurityDescriptorDacl(&sd, TRUE, NULL, FALSE));
	T_EQ(sd.Control, SE_DACL_PRESENT);
	T_ASSERT(sd.Dacl == NULL);
	T_ASSERT(SetSecurityDescriptorDacl(&sd, FALSE, NULL, TRUE));
	T_EQ(sd.Control, 0);
	T_ASSERT(sizeof sd >= SECURITY_DESCRIPTOR_MIN_LENGTH);
	T_EQ(SECURITY_DESCRIPTOR_REVISION, 1);
}

/* Another user opens and uses the four Global objects; want_ok says
 * whether it should be let in. Runs in a child as nobody. */
static void other_user(const char *tag, int want_ok)
{
	char n[64];
	snprintf(n, sizeof n, "Global\\%s-map", tag);
	SetLastError(E_KEEP);
	HANDLE m = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, n);
	if (!want_ok) {
		T_ASSERT(m == NULL);
		T_EQ(GetLastError(), ERROR_ACCESS_DENIED);
		snprintf(n, sizeof n, "Global\\%s-ev", tag);
		T_ASSERT(OpenEventA(EVENT_ALL_ACCESS, FALSE, n) == NULL);
		T_EQ(GetLastError(), ERROR_ACCESS_DENIED);
		return;
	}
	T_ASSERT(m);
	char *v = MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 0);
	T_ASSERT(v);
	T_EQ(v[0], 'r');
	v[0] = 'n';
	UnmapViewOfFile(v);
	snprintf(n, sizeof n, "Global\\%s-ev", tag);
	HANDLE e = OpenEventA(EVENT_ALL_ACCESS, FALSE, n);
	T_ASSERT(e && SetEvent(e));
	snprintf(n, sizeof n, "Global\\%s-mx", tag);
	HANDLE x = OpenMutexA(MUTEX_ALL_ACCESS, FALSE, n);
	T_ASSERT(x);
	T_EQ(WaitForSingleObject(x, 0), WAIT_OBJECT_0);
	T_ASSERT(ReleaseMutex(x));
	snprintf(n, sizeof n, "Global\\%s-sem", tag);
	HANDLE s = OpenSemaphoreA(SEMAPHORE_ALL_ACCESS, FALSE, n);
	T_ASSERT(s && ReleaseSemaphore(s, 1, NULL));
}

/* Creates the four Global objects with sa, lets nobody try them. */
static void share_with(const char *tag, SECURITY_ATTRIBUTES *sa, int want_ok)
{
	char n[64];
	snprintf(n, sizeof n, "Global\\%s-map", tag);
	HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, sa, PAGE_READWRITE,
	                              0, 4096, n);
	T_ASSERT(m);
	char path[4096];
	t_backing_path(n, path, sizeof path);
	struct stat st;
	T_OK(stat(path, &st));
	T_EQ(st.st_mode & 0777, want_ok ? 0666 : 0600);
	char *v = MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 0);
	T_ASSERT(v);
	v[0] = 'r';
	snprintf(n, sizeof n, "Global\\%s-ev", tag);
	HANDLE e = CreateEventA(sa, TRUE, FALSE, n);
	snprintf(n, sizeof n, "Global\\%s-mx", tag);
	HANDLE x = CreateMutexA(sa, FALSE, n);
	snprintf(n, sizeof n, "Global\\%s-sem", tag);
	HANDLE s = CreateSemaphoreA(sa, 0, 1, n);
	T_ASSERT(e && x && s);
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		if (t_become_nobody())
			T_FAIL("cannot become nobody");
		other_user(tag, want_ok);
		exit(0);
	}
	T_EQ(t_exit_code(t_wait(pid, 20)), 0);
	T_EQ(WaitForSingleObject(e, 0), want_ok ? WAIT_OBJECT_0 : WAIT_TIMEOUT);
	T_EQ(WaitForSingleObject(s, 0), want_ok ? WAIT_OBJECT_0 : WAIT_TIMEOUT);
	T_EQ(v[0], want_ok ? 'n' : 'r');
	UnmapViewOfFile(v);
	CloseHandle(m);
	CloseHandle(e);
	CloseHandle(x);
	CloseHandle(s);
}

/* A NULL DACL shares a Global object with every user (mode 0666); no
 * descriptor, or a descriptor without a DACL, keeps the default: the
 * creator only. */
static void null_dacl_shares(void)
{
	if (!t_nobody_ok())
		t_skip("%s", geteuid() ? "not root"
		                       : "a child cannot become nobody here");
	SECURITY_DESCRIPTOR sd;
	T_ASSERT(InitializeSecurityDescriptor(&sd,
	                                      SECURITY_DESCRIPTOR_REVISION));
	SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, FALSE};
	share_with("none", &sa, 0);
	share_with("null", NULL, 0);
	sa.lpSecurityDescriptor = &sd;
	share_with("nodacl", &sa, 0);
	T_ASSERT(SetSecurityDescriptorDacl(&sd, TRUE, NULL, FALSE));
	share_with("world", &sa, 1);
}

static void system_time(void)
{
	FILETIME ft;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	GetSystemTimeAsFileTime(&ft);
	uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
	uint64_t want = (uint64_t)ts.tv_sec * 10000000u + 116444736000000000u;
	T_ASSERT(t >= want && t < want + 2 * 10000000u);
}

static void version(void)
{
	OSVERSIONINFOA a;
	memset(&a, 0xcc, sizeof a);
	a.dwOSVersionInfoSize = sizeof a;
	T_ASSERT(GetVersionExA(&a));
	T_EQ(a.dwMajorVersion, 6);
	T_EQ(a.dwMinorVersion, 2);
	T_EQ(a.dwBuildNumber, 9200);
	T_EQ(a.dwPlatformId, VER_PLATFORM_WIN32_NT);
	T_EQ(a.szCSDVersion[0], 0);
	OSVERSIONINFOEXW w;
	w.dwOSVersionInfoSize = sizeof w;
	T_ASSERT(GetVersionExW((LPOSVERSIONINFOW)&w));
	T_EQ(w.dwMajorVersion, 6);
	T_EQ(w.wProductType, VER_NT_WORKSTATION);
	T_EQ(w.wServicePackMajor, 0);
	a.dwOSVersionInfoSize = sizeof a - 1;
	SetLastError(E_KEEP);
	T_ASSERT(!GetVersionExA(&a));
	T_EQ(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
	T_EQ(sizeof(OSVERSIONINFOA), 148);
	T_EQ(sizeof(OSVERSIONINFOEXA), 156);
	T_EQ(sizeof(OSVERSIONINFOW), 20 + 128 * sizeof(WCHAR));
	T_EQ(sizeof(OSVERSIONINFOEXW), 20 + 128 * sizeof(WCHAR) + 8);
}

static void temp_files(void)
{
	char dir[MAX_PATH], name[MAX_PATH];
	setenv("TMPDIR", t_dir, 1);
	DWORD n = GetTempPathA(sizeof dir, dir);
	T_EQ(n, strlen(t_dir) + 1);
	T_EQ(dir[n - 1], '/');
	T_EQ(strncmp(dir, t_dir, strlen(t_dir)), 0);
	T_EQ(GetTempPathA(n, dir), n + 1); /* too small: the size needed */
	T_EQ(GetTempPathA(0, NULL), n + 1);
	wchar_t wdir[MAX_PATH], wname[MAX_PATH];
	T_EQ(GetTempPathW(MAX_PATH, wdir), n);
	T_EQ(wdir[n - 1], L'/');

	/* uUnique 0: a new, empty file named <prefix><hex>.TMP. */
	UINT u = GetTempFileNameA(t_dir, "abcdef", 0, name);
	T_ASSERT(u != 0 && u <= 0xffff);
	char want[600];
	snprintf(want, sizeof want, "%s/abc%X.TMP", t_dir, u);
	T_ASSERT(strcmp(name, want) == 0);
	struct stat st;
	T_OK(stat(name, &st));
	T_EQ(st.st_size, 0);
	char first[MAX_PATH];
	strcpy(first, name);
	UINT u2 = GetTempFileNameA(t_dir, "abc", 0, name);
	T_ASSERT(u2 != 0 && u2 != u);
	T_OK(unlink(first));
	T_OK(unlink(name));
	/* uUnique not 0: its low 16 bits; nothing created. */
	T_EQ(GetTempFileNameA(dir, "x", 0x12345, name), 0x2345);
	snprintf(want, sizeof want, "%s/x2345.TMP", t_dir);
	T_ASSERT(strcmp(name, want) == 0);
	T_ASSERT(stat(name, &st) != 0);
	/* A directory that does not exist. */
	snprintf(want, sizeof want, "%s/none", t_dir);
	SetLastError(E_KEEP);
	T_EQ(GetTempFileNameA(want, "x", 0, name), 0);
	T_EQ(GetLastError(), ERROR_DIRECTORY);
	/* Wide. */
	u = GetTempFileNameW(wdir, L"w", 0, wname);
	T_ASSERT(u != 0);
	T_EQ(wcsncmp(wname, wdir, n), 0);
	T_EQ(wname[n], L'w');
	T_ASSERT(GetFileAttributesW(wname) == FILE_ATTRIBUTE_NORMAL);
	T_ASSERT(DeleteFileW(wname));
}

static void attributes(void)
{
	char f[512], d[512], miss[512];
	snprintf(f, sizeof f, "%s/attr", t_dir);
	snprintf(d, sizeof d, "%s/adir", t_dir);
	int fd = open(f, O_CREAT | O_WRONLY, 0644);
	T_ASSERT(fd >= 0);
	close(fd);
	T_OK(mkdir(d, 0755));
	T_EQ(GetFileAttributesA(f), FILE_ATTRIBUTE_NORMAL);
	T_EQ(GetFileAttributesA(d), FILE_ATTRIBUTE_DIRECTORY);
	T_ASSERT(SetFileAttributesA(f, FILE_ATTRIBUTE_READONLY));
	T_EQ(GetFileAttributesA(f), FILE_ATTRIBUTE_READONLY);
	struct stat st;
	T_OK(stat(f, &st));
	T_EQ(st.st_mode & 0777, 0444);
	T_ASSERT(SetFileAttributesA(f, FILE_ATTRIBUTE_NORMAL));
	T_EQ(GetFileAttributesA(f), FILE_ATTRIBUTE_NORMAL);
	T_OK(stat(f, &st));
	T_EQ(st.st_mode & 0777, 0666);
	wchar_t wf[512];
	mbstowcs(wf, f, 512);
	T_ASSERT(SetFileAttributesW(wf, FILE_ATTRIBUTE_READONLY));
	T_EQ(GetFileAttributesW(wf), FILE_ATTRIBUTE_READONLY);
	T_ASSERT(SetFileAttributesW(wf, 0));
	T_EQ(GetFileAttributesW(wf), FILE_ATTRIBUTE_NORMAL);

	snprintf(miss, sizeof miss, "%s/missing", t_dir);
	SetLastError(E_KEEP);
	T_EQ(GetFileAttributesA(miss), INVALID_FILE_ATTRIBUTES);
	T_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
	SetLastError(E_KEEP);
	T_ASSERT(!SetFileAttributesA(miss, FILE_ATTRIBUTE_NORMAL));
	T_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
	snprintf(miss, sizeof miss, "%s/nodir/missing", t_dir);
	SetLastError(E_KEEP);
	T_EQ(GetFileAttributesA(miss), INVALID_FILE_ATTRIBUTES);
	T_EQ(GetLastError(), ERROR_PATH_NOT_FOUND);
	T_EQ(INVALID_FILE_ATTRIBUTES, 0xFFFFFFFFu);
	T_OK(unlink(f));
	T_OK(rmdir(d));
}

int main(void)
{
	t_setup();
	t_run("OVERLAPPED has the SDK's layout", overlapped, 20);
	t_run("ReadFile/WriteFile at an OVERLAPPED's offset", overlapped_io, 20);
	t_run("Get/SetHandleInformation, protect from close", handle_flags, 20);
	t_run("SignalObjectAndWait", signal_and_wait, 20);
	t_run("security descriptor with a NULL DACL", security_descriptor, 20);
	t_run("NULL DACL: Global objects every user may use", null_dacl_shares,
	      30);
	t_run("GetSystemTimeAsFileTime", system_time, 20);
	t_run("GetVersionEx: 6.2 without a manifest", version, 20);
	t_run("GetTempPath, GetTempFileName", temp_files, 20);
	t_run("Get/SetFileAttributes", attributes, 20);
	return t_finish();
}
