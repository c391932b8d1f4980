/* SPDX-License-Identifier: MIT */
/*
 * CreateFile share modes and ERROR_USER_MAPPED_FILE, against Windows'
 * rules (Microsoft's "Creating and Opening Files" table, Wine's
 * kernel32 test_file_sharing), within one process, across processes and
 * threads, through duplicated and inherited handles, and after kill -9:
 * an open whose access another open does not share, or whose share mode
 * leaves out another open's access, fails with ERROR_SHARING_VIOLATION; a
 * writable section needs FILE_SHARE_WRITE of every later open; while a
 * section of a file lives (its handle or a view), shrinking the file
 * fails with ERROR_USER_MAPPED_FILE and leaves its size.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <windows.h>

#include "harness.h"

static char self[4096];
static char fdir[256]; /* scratch directory for the files */
static char file[300];

#define IHV INVALID_HANDLE_VALUE
#define RW (GENERIC_READ | GENERIC_WRITE)
#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
#define SIZE 200000u

static const DWORD accesses[] = {
	0, GENERIC_READ, GENERIC_WRITE, RW, DELETE, GENERIC_READ | DELETE,
	GENERIC_WRITE | DELETE, RW | DELETE, GENERIC_EXECUTE,
	FILE_READ_ATTRIBUTES, FILE_APPEND_DATA, FILE_WRITE_DATA | FILE_EXECUTE,
};
#define NACC (sizeof accesses / sizeof accesses[0])

/* The classes Windows' table compares: read (data or execute), write
 * (data or append), delete. */
static unsigned classes(DWORD a)
{
	unsigned c = 0;
	if (a & (GENERIC_READ | GENERIC_EXECUTE | FILE_READ_DATA | FILE_EXECUTE))
		c |= FILE_SHARE_READ;
	if (a & (GENERIC_WRITE | FILE_WRITE_DATA | FILE_APPEND_DATA))
		c |= FILE_SHARE_WRITE;
	if (a & DELETE)
		c |= FILE_SHARE_DELETE;
	return c;
}

/* Whether a second open (a2, s2) may join a first (a1, s1): each one's
 * access must be shared by the other; an open with no data or delete
 * access (a query) takes part in neither direction. */
static int compatible(DWORD a1, DWORD s1, DWORD a2, DWORD s2)
{
	unsigned c1 = classes(a1), c2 = classes(a2);
	if (!c1 || !c2)
		return 1;
	return (c1 & s2) == c1 && (c2 & s1) == c2;
}

static HANDLE open_file(DWORD access, DWORD share, DWORD disposition)
{
	return CreateFileA(file, access, share, NULL, disposition, 0, NULL);
}

/* A fresh SIZE-byte file of 'x'. */
static void make_file(void)
{
	static char buf[SIZE];
	memset(buf, 'x', sizeof buf);
	HANDLE h = open_file(RW, 0, CREATE_ALWAYS);
	T_ASSERT(h != IHV);
	DWORD n = 0;
	T_ASSERT(WriteFile(h, buf, SIZE, &n, NULL) && n == SIZE);
	T_ASSERT(CloseHandle(h));
}

static long long file_size(void)
{
	struct stat st;
	return stat(file, &st) ? -1 : (long long)st.st_size;
}

/* Expects an open to fail with err (0: to succeed, closing it). */
static void expect_open(DWORD access, DWORD share, DWORD disposition,
                        DWORD err)
{
	SetLastError(0xdeadbeef);
	HANDLE h = open_file(access, share, disposition);
	DWORD e = GetLastError();
	if (err && (h != IHV || e != err))
		T_FAIL("open %#lx/%#lx/%lu: %s, error %lu; expected error %lu",
		       (unsigned long)access, (unsigned long)share,
		       (unsigned long)disposition, h == IHV ? "failed" : "opened",
		       (unsigned long)e, (unsigned long)err);
	if (!err && h == IHV)
		T_FAIL("open %#lx/%#lx/%lu failed with %lu",
		       (unsigned long)access, (unsigned long)share,
		       (unsigned long)disposition, (unsigned long)e);
	if (h != IHV)
		T_ASSERT(CloseHandle(h));
}

/* SetEndOfFile at pos through a new handle: its result and error. */
static DWORD set_end(LONG pos)
{
	HANDLE h = open_file(RW, SHARE_ALL, OPEN_EXISTING);
	T_ASSERT(h != IHV);
	T_ASSERT(SetFilePointer(h, pos, NULL, FILE_BEGIN) == (DWORD)pos);
	SetLastError(0xdeadbeef);
	DWORD e = SetEndOfFile(h) ? 0 : GetLastError();
	T_ASSERT(CloseHandle(h));
	return e;
}

/* Every truncation of a file a section holds fails, size unchanged;
 * growing works. */
static void truncations_refused(void)
{
	long long size = file_size();
	T_EQ(set_end(100), ERROR_USER_MAPPED_FILE);
	T_EQ(file_size(), size);
	expect_open(GENERIC_WRITE, SHARE_ALL, CREATE_ALWAYS,
	            ERROR_USER_MAPPED_FILE);
	expect_open(GENERIC_WRITE, SHARE_ALL, TRUNCATE_EXISTING,
	            ERROR_USER_MAPPED_FILE);
	T_EQ(file_size(), size);
	T_EQ(set_end((LONG)size + 65536), 0);
	T_EQ(file_size(), size + 65536);
	T_EQ(set_end((LONG)size + 65536), 0); /* the same size: no shrink */
}

/* ---- two processes: one maps, the other truncates ---- */

static int to_child[2], to_parent[2];

static void say(int fd, char c)
{
	T_EQ(write(fd, &c, 1), 1);
}

static char hear(int fd)
{
	char c = 0;
	T_EQ(read(fd, &c, 1), 1);
	return c;
}

/* Maps the file, then on 'v' closes the mapping handle keeping the view,
 * on 'u' unmaps the view and exits; checks the view after each step. */
static void mapper(int prot)
{
	HANDLE h = open_file(RW, SHARE_ALL, OPEN_EXISTING);
	T_ASSERT(h != IHV);
	HANDLE m = CreateFileMappingA(h, NULL, (DWORD)prot, 0, 0, NULL);
	T_ASSERT(m);
	T_ASSERT(CloseHandle(h));
	char *v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	T_ASSERT(v);
	say(to_parent[1], 'r');
	for (char c; (c = hear(to_child[0])) != 'u';) {
		T_EQ(c, 'v');
		T_ASSERT(CloseHandle(m));
		say(to_parent[1], 'r');
	}
	/* Every byte is still there: no truncation slipped through. */
	char copy[4096];
	for (size_t off = 0; off < SIZE; off += sizeof copy)
		T_OK(shmap_view_read(v + off, copy,
		                     SIZE - off < sizeof copy ? SIZE - off
		                                              : sizeof copy));
	T_ASSERT(v[SIZE - 1] == 'x');
	T_ASSERT(UnmapViewOfFile(v));
	say(to_parent[1], 'd');
}

static void cross_process_truncate(void)
{
	make_file();
	T_OK(pipe(to_child));
	T_OK(pipe(to_parent));
	pid_t pid = t_spawn(mapper, PAGE_READWRITE);
	T_EQ(hear(to_parent[0]), 'r');
	truncations_refused(); /* mapping handle and view */
	say(to_child[1], 'v');
	T_EQ(hear(to_parent[0]), 'r');
	truncations_refused(); /* the view alone */
	say(to_child[1], 'u');
	T_EQ(hear(to_parent[0]), 'd');
	t_reap(pid);
	/* The section is gone: every truncation works. */
	T_EQ(set_end(100), 0);
	T_EQ(file_size(), 100);
	expect_open(GENERIC_WRITE, SHARE_ALL, TRUNCATE_EXISTING, 0);
	T_EQ(file_size(), 0);
	make_file();
	expect_open(GENERIC_WRITE, SHARE_ALL, CREATE_ALWAYS, 0);
	T_EQ(file_size(), 0);
	T_ASSERT(DeleteFileA(file));
}

/* A section with no view, and a view whose section handle is closed, in
 * this process: both hold the file. */
static void same_process_truncate(void)
{
	make_file();
	HANDLE h = open_file(RW, SHARE_ALL, OPEN_EXISTING);
	HANDLE m = CreateFileMappingA(h, NULL, PAGE_READONLY, 0, 0, NULL);
	T_ASSERT(m);
	T_ASSERT(CloseHandle(h));
	truncations_refused();
	char *v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	T_ASSERT(v);
	T_ASSERT(CloseHandle(m));
	truncations_refused();
	T_ASSERT(UnmapViewOfFile(v));
	T_EQ(set_end(10), 0);
	T_EQ(file_size(), 10);
	T_ASSERT(DeleteFileA(file));
}

/* A native file mapping holds the file against Win32 truncations too. */
static void native_mapping_truncate(void)
{
	make_file();
	shmap_map *m;
	void *v;
	T_OK(shmap_map_create_path(NULL, file, 0, SHMAP_PROT_READONLY, NULL,
	                           &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, &v));
	truncations_refused();
	T_OK(shmap_map_close(m));
	truncations_refused();
	T_OK(shmap_view_unmap(v));
	T_EQ(set_end(10), 0);
	T_ASSERT(DeleteFileA(file));
}

/* ---- the share-mode matrix ---- */

/* Every second open against every first (a1, s1) held in this process,
 * or, with remote, held by another process. */
static void matrix(int remote)
{
	make_file();
	T_OK(pipe(to_child));
	T_OK(pipe(to_parent));
	for (size_t a1 = 0; a1 < NACC; a1++)
		for (DWORD s1 = 0; s1 < 8; s1++) {
			HANDLE h = IHV;
			pid_t pid = 0;
			if (remote) {
				char c;
				fflush(NULL);
				pid = fork();
				T_ASSERT(pid >= 0);
				if (pid == 0) {
					prctl(PR_SET_PDEATHSIG, SIGKILL);
					h = open_file(accesses[a1], s1,
					              OPEN_EXISTING);
					c = h != IHV ? 'r' : 'f';
					T_EQ(write(to_parent[1], &c, 1), 1);
					T_EQ(read(to_child[0], &c, 1), 1);
					_exit(0);
				}
				T_EQ(hear(to_parent[0]), 'r');
			} else {
				h = open_file(accesses[a1], s1, OPEN_EXISTING);
				T_ASSERT(h != IHV);
			}
			for (size_t a2 = 0; a2 < NACC; a2++)
				for (DWORD s2 = 0; s2 < 8; s2++)
					expect_open(accesses[a2], s2,
					            OPEN_EXISTING,
					            compatible(accesses[a1], s1,
					                       accesses[a2], s2)
					                    ? 0
					                    : ERROR_SHARING_VIOLATION);
			if (remote) {
				say(to_child[1], 'x');
				t_reap(pid);
			} else {
				T_ASSERT(CloseHandle(h));
			}
		}
	T_ASSERT(DeleteFileA(file));
}

static void matrix_local(void)
{
	matrix(0);
}

static void matrix_remote(void)
{
	matrix(1);
}

/* A section counts as an open of its own once its file handle closes:
 * writable, it needs FILE_SHARE_WRITE of every later open, whatever its
 * access; read-only or copy-on-write, it restricts nothing. */
static void section_rules(void)
{
	static const DWORD prots[] = {PAGE_READONLY, PAGE_WRITECOPY,
	                              PAGE_READWRITE};
	for (size_t p = 0; p < 3; p++) {
		make_file();
		HANDLE h = open_file(RW, 0, OPEN_EXISTING);
		T_ASSERT(h != IHV);
		HANDLE m = CreateFileMappingA(h, NULL, prots[p], 0, 0, NULL);
		T_ASSERT(m);
		T_ASSERT(CloseHandle(h));
		for (size_t a = 0; a < NACC; a++)
			for (DWORD s = 0; s < 8; s++)
				expect_open(accesses[a], s, OPEN_EXISTING,
				            prots[p] == PAGE_READWRITE &&
				                            !(s & FILE_SHARE_WRITE)
				                    ? ERROR_SHARING_VIOLATION
				                    : 0);
		/* A sharing violation comes before the mapped file. */
		expect_open(GENERIC_WRITE, FILE_SHARE_READ, CREATE_ALWAYS,
		            prots[p] == PAGE_READWRITE
		                    ? ERROR_SHARING_VIOLATION
		                    : ERROR_USER_MAPPED_FILE);
		expect_open(GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
		            CREATE_ALWAYS, ERROR_USER_MAPPED_FILE);
		/* Deleting a mapped file is allowed (not an image). */
		T_ASSERT(DeleteFileA(file));
		T_ASSERT(CloseHandle(m));
	}
}

/* ---- DeleteFile ---- */

static void delete_file(void)
{
	make_file();
	/* Open without FILE_SHARE_DELETE: refused, the file stays. */
	HANDLE h = open_file(GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
	                     OPEN_EXISTING);
	T_ASSERT(h != IHV);
	SetLastError(0xdeadbeef);
	T_ASSERT(!DeleteFileA(file));
	T_EQ(GetLastError(), ERROR_SHARING_VIOLATION);
	T_EQ(file_size(), SIZE);
	/* An open with delete access refuses a later one not sharing it. */
	T_ASSERT(CloseHandle(h));
	h = open_file(DELETE, SHARE_ALL, OPEN_EXISTING);
	T_ASSERT(h != IHV);
	expect_open(GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
	            OPEN_EXISTING, ERROR_SHARING_VIOLATION);
	T_ASSERT(CloseHandle(h));
	/* A query-only open restricts nothing. */
	h = open_file(0, 0, OPEN_EXISTING);
	T_ASSERT(h != IHV);
	T_ASSERT(DeleteFileA(file));
	T_ASSERT(CloseHandle(h));
	/* Sharing delete: the delete goes through. */
	make_file();
	h = open_file(RW, SHARE_ALL, OPEN_EXISTING);
	T_ASSERT(h != IHV);
	T_ASSERT(DeleteFileA(file));
	T_EQ(file_size(), -1);
	T_ASSERT(CloseHandle(h));
}

/* ---- handles: duplicates, inheritance, kill -9 ---- */

static void duplicates(void)
{
	make_file();
	HANDLE h = open_file(RW, 0, OPEN_EXISTING), d;
	T_ASSERT(h != IHV);
	T_ASSERT(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(),
	                         &d, 0, FALSE, DUPLICATE_SAME_ACCESS));
	T_ASSERT(CloseHandle(h));
	expect_open(GENERIC_READ, SHARE_ALL, OPEN_EXISTING,
	            ERROR_SHARING_VIOLATION);
	T_ASSERT(CloseHandle(d));
	expect_open(GENERIC_READ, SHARE_ALL, OPEN_EXISTING, 0);
	T_ASSERT(DeleteFileA(file));
}

/* The child of inherited(): holds what it inherited until the event. */
static int child_hold(void)
{
	HANDLE ev = OpenEventA(SYNCHRONIZE, FALSE, "share-test-go");
	if (!ev)
		return 3;
	return WaitForSingleObject(ev, 60000) == WAIT_OBJECT_0 ? 0 : 4;
}

static void inherited(void)
{
	make_file();
	SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
	HANDLE ev = CreateEventA(NULL, TRUE, FALSE, "share-test-go");
	T_ASSERT(ev);
	HANDLE h = CreateFileA(file, RW, 0, &sa, OPEN_EXISTING, 0, NULL);
	T_ASSERT(h != IHV);
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "\"%s\" child-hold", self);
	STARTUPINFOA si;
	PROCESS_INFORMATION pi;
	memset(&si, 0, sizeof si);
	si.cb = sizeof si;
	T_ASSERT(CreateProcessA(self, cmd, NULL, NULL, TRUE, 0, NULL, NULL,
	                        &si, &pi));
	T_ASSERT(CloseHandle(h));
	/* The child's inherited handle still holds the open. */
	expect_open(GENERIC_READ, SHARE_ALL, OPEN_EXISTING,
	            ERROR_SHARING_VIOLATION);
	T_ASSERT(SetEvent(ev));
	T_EQ(WaitForSingleObject(pi.hProcess, 60000), WAIT_OBJECT_0);
	DWORD code = 1;
	T_ASSERT(GetExitCodeProcess(pi.hProcess, &code));
	T_EQ(code, 0);
	CloseHandle(pi.hProcess);
	CloseHandle(pi.hThread);
	CloseHandle(ev);
	expect_open(GENERIC_READ, SHARE_ALL, OPEN_EXISTING, 0);
	T_ASSERT(DeleteFileA(file));
}

/* Opens the file sharing nothing and maps it writable, then lingers. */
static void holder(int unused)
{
	(void)unused;
	HANDLE h = open_file(RW, 0, OPEN_EXISTING);
	T_ASSERT(h != IHV);
	HANDLE m = CreateFileMappingA(h, NULL, PAGE_READWRITE, 0, 0, NULL);
	T_ASSERT(m);
	T_ASSERT(MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0));
	say(to_parent[1], 'r');
	t_linger();
}

static void killed(void)
{
	make_file();
	T_OK(pipe(to_parent));
	pid_t pid = t_spawn(holder, 0);
	T_EQ(hear(to_parent[0]), 'r');
	expect_open(0, SHARE_ALL, OPEN_EXISTING, 0);
	expect_open(GENERIC_READ, SHARE_ALL, OPEN_EXISTING,
	            ERROR_SHARING_VIOLATION);
	T_ASSERT(!DeleteFileA(file));
	t_kill_reap(pid);
	expect_open(RW, 0, TRUNCATE_EXISTING, 0);
	T_EQ(file_size(), 0);
	T_ASSERT(DeleteFileA(file));
}

/* Holds a classic fcntl lock of type over the whole file, as a program
 * outside shmap may, until killed. */
static void whole_locker(int type)
{
	t_lock_whole(file, (short)type);
	say(to_parent[1], 'r');
	t_linger();
}

/* Someone else's fcntl lock over the whole file covers the reserved
 * bytes: opens, sections and truncations go ahead at once, unchecked, as
 * on a file system without OFD locks, never failing or waiting as if the
 * file were held. */
static void outside_locks(void)
{
	static const short types[] = {F_RDLCK, F_WRLCK};
	shmap__lock_timeout_ms = 3000;
	make_file();
	T_OK(pipe(to_parent));
	for (size_t i = 0; i < 2; i++) {
		pid_t pid = t_spawn(whole_locker, types[i]);
		T_EQ(hear(to_parent[0]), 'r');
		double t0 = t_now();
		expect_open(GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, 0);
		HANDLE h = open_file(RW, 0, OPEN_EXISTING);
		T_ASSERT(h != IHV);
		HANDLE m = CreateFileMappingA(h, NULL, PAGE_READONLY, 0, 0,
		                              NULL);
		T_ASSERT(m);
		T_ASSERT(CloseHandle(m));
		T_ASSERT(CloseHandle(h));
		T_EQ(set_end(SIZE - 1), 0);
		T_EQ(file_size(), SIZE - 1);
		T_ASSERT(t_now() - t0 < 1.0);
		t_kill_reap(pid);
	}
	T_ASSERT(DeleteFileA(file));
}

/* Without /proc (a tmpfs over it, in a mount namespace of this case's
 * own): CREATE_ALWAYS of a read-only handle still truncates, and a
 * section, native or Win32, still holds the file. Skipped where the
 * namespace or the mount is refused. */
static void without_proc(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("shmap-test", "/proc", "tmpfs", MS_NOSUID | MS_NODEV, NULL))
		t_skip("a mount namespace with a tmpfs on /proc: %s",
		       strerror(errno));
	make_file();
	expect_open(GENERIC_READ, SHARE_ALL, CREATE_ALWAYS, 0);
	T_EQ(file_size(), 0);
	make_file();
	native_mapping_truncate();
	make_file();
	same_process_truncate();
	T_OK(umount("/proc")); /* LeakSanitizer reads it at exit */
}

/* ---- threads and processes racing for one exclusive open ---- */

static atomic_int wins;
static atomic_int *shared_holders;

static void *racer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 300; i++) {
		HANDLE h = open_file(GENERIC_WRITE, FILE_SHARE_READ,
		                     OPEN_EXISTING);
		if (h == IHV) {
			if (GetLastError() != ERROR_SHARING_VIOLATION)
				return (void *)1;
			continue;
		}
		int n = atomic_fetch_add(shared_holders, 1);
		atomic_fetch_add(&wins, 1);
		if (n != 0)
			return (void *)2; /* two writers at once */
		usleep(50);
		atomic_fetch_sub(shared_holders, 1);
		CloseHandle(h);
	}
	return NULL;
}

/* Four threads in each of two processes open for writing, sharing only
 * read: never two at once, and someone wins. */
static void race_proc(void)
{
	pthread_t t[4];
	void *r;
	for (int i = 0; i < 4; i++)
		T_OK(pthread_create(&t[i], NULL, racer, NULL));
	for (int i = 0; i < 4; i++) {
		T_OK(pthread_join(t[i], &r));
		T_ASSERT(r == NULL);
	}
	T_ASSERT(atomic_load(&wins) > 0);
}

static void race_child(int unused)
{
	(void)unused;
	race_proc();
}

static void race(void)
{
	make_file();
	shared_holders = mmap(NULL, sizeof *shared_holders,
	                      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	                      -1, 0);
	T_ASSERT(shared_holders != MAP_FAILED);
	pid_t pid = t_spawn(race_child, 0);
	race_proc();
	t_reap(pid);
	T_ASSERT(DeleteFileA(file));
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child-hold"))
		return child_hold();
	ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
	if (k <= 0)
		return 1;
	self[k] = 0;
	/* TMPDIR picks the file system the files live on. */
	const char *tmp = getenv("TMPDIR");
	snprintf(fdir, sizeof fdir, "%s/w32share-%d", tmp && *tmp ? tmp : "/tmp",
	         (int)getpid());
	if (mkdir(fdir, 0700) < 0)
		return 1;
	snprintf(file, sizeof file, "%s/f", fdir);
	t_setup();
	t_run_dir("two processes: truncations of a mapped file fail",
	          cross_process_truncate, 60, fdir);
	t_run_dir("one process: a section or a view holds the file",
	          same_process_truncate, 60, fdir);
	t_run_dir("a native file mapping holds the file",
	          native_mapping_truncate, 60, fdir);
	t_run_dir("share-mode matrix, one process", matrix_local, 120, fdir);
	t_run_dir("share-mode matrix, two processes", matrix_remote, 120,
	          fdir);
	t_run_dir("a section's own share rules", section_rules, 60, fdir);
	t_run_dir("DeleteFile and FILE_SHARE_DELETE", delete_file, 60, fdir);
	t_run_dir("a duplicated handle keeps the open", duplicates, 60, fdir);
	t_run_dir("an inherited handle keeps the open", inherited, 60, fdir);
	t_run_dir("kill -9 releases opens and sections", killed, 60, fdir);
	t_run_dir("someone else's whole-file lock: unchecked, at once",
	          outside_locks, 60, fdir);
	t_run_dir("without /proc", without_proc, 60, fdir);
	t_run_dir("threads and processes racing for an exclusive open", race,
	          120, fdir);
	t_rm_dir(fdir);
	return t_finish();
}
