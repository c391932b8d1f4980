/* SPDX-License-Identifier: MIT */
/*
 * <TlHelp32.h>: snapshots of processes, threads and modules, read from
 * /proc. A snapshot object holds a memory file: a header (how many records
 * of each kind, and each walk's position) and the records, kept in their
 * W layouts; the A calls narrow the names.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "w32.h"
#include <TlHelp32.h>

enum { K_PROC, K_THREAD, K_MODULE, K_KINDS };

struct snap_hdr {
	uint32_t count[K_KINDS];
	uint32_t pos[K_KINDS];
};

static const size_t rec_size[K_KINDS] = {sizeof(PROCESSENTRY32W),
                                         sizeof(THREADENTRY32),
                                         sizeof(MODULEENTRY32W)};

/* Records of one kind while the snapshot is taken. */
struct recs {
	unsigned char *p;
	size_t n, cap;
};

static int recs_add(struct recs *r, const void *rec, size_t size)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		unsigned char *p = realloc(r->p, cap * size);
		if (!p)
			return -1;
		r->p = p;
		r->cap = cap;
	}
	memcpy(r->p + r->n++ * size, rec, size);
	return 0;
}

/* Reads a small /proc file into buf (NUL-terminated, NULs inside kept);
 * its length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = 0;
	return (ssize_t)n;
}

/* Copies the wide form of the narrow s into dst (cap characters). */
static void put_wide(WCHAR *dst, size_t cap, const char *s)
{
	wchar_t *w = w32_widen(s);
	size_t i = 0;
	for (; w && w[i] && i < cap - 1; i++)
		dst[i] = w[i];
	dst[i] = 0;
	free(w);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* Copies s into out (cap bytes), cut short to fit, as Windows cuts a name
 * to its MAX_PATH field. */
static void copy_cut(char *out, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = 0;
}

/* The executable's base name of pid: from /proc/pid/exe, else the name
 * it was started as (argv[0]), else the kernel's short name comm. */
static void exe_name(int pid, const char *comm, char *out, size_t cap)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	if (n > 0) {
		buf[n] = 0;
		char *del = strstr(buf, " (deleted)");
		if (del && !del[10])
			*del = 0;
		copy_cut(out, cap, base_name(buf));
		return;
	}
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	if (read_small(path, buf, sizeof buf) > 0 && buf[0]) {
		copy_cut(out, cap, base_name(buf));
		return;
	}
	copy_cut(out, cap, comm);
}

/* Adds pid's process record (and with threads its threads'); a process
 * that ended meanwhile is left out. */
static int add_process(int pid, struct recs *procs, struct recs *threads)
{
	char path[64], stat[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (read_small(path, stat, sizeof stat) <= 0)
		return 0;
	char *open = strchr(stat, '('), *close = strrchr(stat, ')');
	if (!open || !close || close < open)
		return 0;
	*close = 0;
	int ppid = 0;
	long nthreads = 0;
	/* After the name: state ppid ..., the thread count 17 fields on. */
	if (sscanf(close + 2, "%*c %d %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
	                      "%*s %*s %*s %*s %*s %ld",
	           &ppid, &nthreads) != 2)
		return 0;
	if (procs) {
		PROCESSENTRY32W pe;
		char name[MAX_PATH];
		memset(&pe, 0, sizeof pe);
		pe.dwSize = sizeof pe;
		pe.th32ProcessID = (DWORD)pid;
		pe.th32ParentProcessID = (DWORD)ppid;
		pe.cntThreads = (DWORD)nthreads;
		pe.pcPriClassBase = 8;
		exe_name(pid, open + 1, name, sizeof name);
		put_wide(pe.szExeFile, MAX_PATH, name);
		if (recs_add(procs, &pe, sizeof pe))
			return -1;
	}
	if (threads) {
		snprintf(path, sizeof path, "/proc/%d/task", pid);
		DIR *d = opendir(path);
		for (struct dirent *e; d && (e = readdir(d));) {
			int tid = atoi(e->d_name);
			if (tid <= 0)
				continue;
			THREADENTRY32 te = {sizeof te, 0, (DWORD)tid, (DWORD)pid,
			                    8, 0, 0};
			if (recs_add(threads, &te, sizeof te)) {
				closedir(d);
				return -1;
			}
		}
		if (d)
			closedir(d);
	}
	return 0;
}

/* Makes module m reach hi, if that is further than it reaches. */
static void module_reach(MODULEENTRY32W *m, unsigned long long hi)
{
	uintptr_t base = (uintptr_t)m->modBaseAddr;
	if (hi - base > m->modBaseSize)
		m->modBaseSize = (DWORD)(hi - base);
}

/* Adds pid's modules: each file mapped into it, from its lowest to its
 * highest mapped address, with the nameless mapping right after its last
 * one (its zero-filled data past the file's end, which the image's size
 * counts on Windows), in the order of the maps. 0 or a Win32 error. */
static DWORD add_modules(int pid, struct recs *mods)
{
	char path[64], line[4200];
	size_t last = SIZE_MAX; /* the module of the line before, if any */
	unsigned long long last_hi = 0;
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? ERROR_INVALID_PARAMETER
		                       : ERROR_ACCESS_DENIED;
	while (fgets(line, sizeof line, f)) {
		unsigned long long lo, hi, ino;
		int at = 0;
		size_t prev = last;
		last = SIZE_MAX;
		if (sscanf(line, "%llx-%llx %*s %*s %*s %llu %n", &lo, &hi, &ino,
		           &at) != 3)
			continue;
		if (!ino && !line[at] && prev != SIZE_MAX && lo == last_hi) {
			module_reach((MODULEENTRY32W *)(void *)mods->p + prev, hi);
			continue;
		}
		if (!ino || line[at] != '/')
			continue;
		char *file = line + at;
		file[strcspn(file, "\n")] = 0;
		MODULEENTRY32W me, *m = NULL;
		WCHAR wpath[MAX_PATH];
		put_wide(wpath, MAX_PATH, file);
		for (size_t i = 0; i < mods->n && !m; i++) {
			MODULEENTRY32W *x = (MODULEENTRY32W *)(void *)mods->p + i;
			if (!wcscmp(x->szExePath, wpath))
				m = x, last = i;
		}
		last_hi = hi;
		if (m) {
			module_reach(m, hi);
			continue;
		}
		memset(&me, 0, sizeof me);
		me.dwSize = sizeof me;
		me.th32ModuleID = 1;
		me.th32ProcessID = (DWORD)pid;
		me.GlblcntUsage = me.ProccntUsage = 0xFFFF;
		me.modBaseAddr = (BYTE *)(uintptr_t)lo;
		me.modBaseSize = (DWORD)(hi - lo);
		me.hModule = (HMODULE)(uintptr_t)lo;
		put_wide(me.szModule, MAX_MODULE_NAME32 + 1, base_name(file));
		wcscpy(me.szExePath, wpath);
		if (recs_add(mods, &me, sizeof me)) {
			fclose(f);
			return ERROR_NOT_ENOUGH_MEMORY;
		}
		last = mods->n - 1;
	}
	fclose(f);
	return 0;
}

/* Writes the header and the records into a new memory file; its fd or
 * -1. */
static int snap_file(struct recs *r)
{
	struct snap_hdr h;
	memset(&h, 0, sizeof h);
	int fd = memfd_create("shmap-toolhelp", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	off_t off = sizeof h;
	for (int k = 0; k < K_KINDS; k++) {
		h.count[k] = (uint32_t)r[k].n;
		size_t len = r[k].n * rec_size[k];
		if (len && pwrite(fd, r[k].p, len, off) != (ssize_t)len) {
			close(fd);
			return -1;
		}
		off += (off_t)len;
	}
	if (pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
		close(fd);
		return -1;
	}
	return fd;
}

HANDLE WINAPI CreateToolhelp32Snapshot(DWORD flags, DWORD pid)
{
	struct recs r[K_KINDS];
	DWORD err = 0;
	memset(r, 0, sizeof r);
	if (flags & (TH32CS_SNAPPROCESS | TH32CS_SNAPTHREAD)) {
		DIR *d = opendir("/proc");
		if (!d)
			err = ERROR_NOT_SUPPORTED;
		for (struct dirent *e; !err && (e = readdir(d));) {
			int p = atoi(e->d_name);
			if (p > 0 &&
			    add_process(p,
			                flags & TH32CS_SNAPPROCESS ? &r[K_PROC] : NULL,
			                flags & TH32CS_SNAPTHREAD ? &r[K_THREAD]
			                                          : NULL))
				err = ERROR_NOT_ENOUGH_MEMORY;
		}
		if (d)
			closedir(d);
	}
	if (!err && (flags & TH32CS_SNAPMODULE))
		err = add_modules(pid ? (int)pid : getpid(), &r[K_MODULE]);
	int fd = err ? -1 : snap_file(r);
	if (!err && fd < 0)
		err = ERROR_NOT_ENOUGH_MEMORY;
	for (int k = 0; k < K_KINDS; k++)
		free(r[k].p);
	struct w32_obj *o = err ? NULL : w32_obj_new(W32_SNAPSHOT);
	if (!o) {
		if (fd >= 0)
			close(fd);
		if (err)
			w32_set_error(err);
		return INVALID_HANDLE_VALUE;
	}
	o->fd = fd;
	HANDLE h = w32_handle_new(o, 0, (flags & TH32CS_INHERIT) != 0);
	if (!h) { /* nothing refers to it yet */
		close(fd);
		free(o);
		return INVALID_HANDLE_VALUE;
	}
	return h;
}

/* Walks kind k: the first (first) or next record into rec, whose dwSize
 * (its first field) must be at least size. */
static BOOL snap_next(HANDLE h, int k, int first, void *rec, size_t size)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct w32_obj *o = w32_get(h, W32_SNAPSHOT, NULL);
	if (!o)
		return FALSE;
	DWORD want;
	memcpy(&want, rec, sizeof want);
	if (want < size) {
		w32_put(o);
		w32_set_error(ERROR_BAD_LENGTH);
		return FALSE;
	}
	struct snap_hdr hd;
	BOOL ok = FALSE;
	DWORD err = ERROR_NO_MORE_FILES;
	/* One walk at a time: the position lives in the snapshot. */
	pthread_mutex_lock(&lock);
	if (pread(o->fd, &hd, sizeof hd, 0) == (ssize_t)sizeof hd) {
		uint32_t pos = first ? 0 : hd.pos[k];
		off_t off = sizeof hd;
		for (int j = 0; j < k; j++)
			off += (off_t)(hd.count[j] * rec_size[j]);
		off += (off_t)(pos * rec_size[k]);
		if (pos < hd.count[k] &&
		    pread(o->fd, rec, rec_size[k], off) == (ssize_t)rec_size[k]) {
			hd.pos[k] = pos + 1;
			ok = pwrite(o->fd, &hd, sizeof hd, 0) == (ssize_t)sizeof hd;
		}
	}
	pthread_mutex_unlock(&lock);
	w32_put(o);
	if (!ok)
		w32_set_error(err);
	return ok;
}

/* Copies the narrow form of w into dst (cap bytes). */
static void put_narrow(char *dst, size_t cap, const WCHAR *w)
{
	char *s = w32_narrow(w);
	snprintf(dst, cap, "%s", s ? s : "");
	free(s);
}

BOOL WINAPI Process32FirstW(HANDLE h, LPPROCESSENTRY32W pe)
{
	return snap_next(h, K_PROC, 1, pe, sizeof *pe);
}

BOOL WINAPI Process32NextW(HANDLE h, LPPROCESSENTRY32W pe)
{
	return snap_next(h, K_PROC, 0, pe, sizeof *pe);
}

/* The A form of a walk: the W record into w (w_size bytes), then its
 * fields before the names (fixed bytes) into a, whose own dwSize must be
 * at least a_size and is kept. The caller narrows the names. */
static BOOL walk_a(HANDLE h, int k, int first, void *a, size_t a_size,
                   void *w, size_t w_size, size_t fixed)
{
	DWORD size, wsize = (DWORD)w_size;
	memcpy(&size, a, sizeof size);
	if (size < a_size) {
		w32_set_error(ERROR_BAD_LENGTH);
		return FALSE;
	}
	memcpy(w, &wsize, sizeof wsize);
	if (!snap_next(h, k, first, w, w_size))
		return FALSE;
	memcpy(a, w, fixed);
	memcpy(a, &size, sizeof size);
	return TRUE;
}

static BOOL process_a(HANDLE h, LPPROCESSENTRY32 pe, int first)
{
	PROCESSENTRY32W w;
	if (!walk_a(h, K_PROC, first, pe, sizeof *pe, &w, sizeof w,
	            offsetof(PROCESSENTRY32, szExeFile)))
		return FALSE;
	put_narrow(pe->szExeFile, sizeof pe->szExeFile, w.szExeFile);
	return TRUE;
}

BOOL WINAPI Process32First(HANDLE h, LPPROCESSENTRY32 pe)
{
	return process_a(h, pe, 1);
}

BOOL WINAPI Process32Next(HANDLE h, LPPROCESSENTRY32 pe)
{
	return process_a(h, pe, 0);
}

BOOL WINAPI Thread32First(HANDLE h, LPTHREADENTRY32 te)
{
	return snap_next(h, K_THREAD, 1, te, sizeof *te);
}

BOOL WINAPI Thread32Next(HANDLE h, LPTHREADENTRY32 te)
{
	return snap_next(h, K_THREAD, 0, te, sizeof *te);
}

BOOL WINAPI Module32FirstW(HANDLE h, LPMODULEENTRY32W me)
{
	return snap_next(h, K_MODULE, 1, me, sizeof *me);
}

BOOL WINAPI Module32NextW(HANDLE h, LPMODULEENTRY32W me)
{
	return snap_next(h, K_MODULE, 0, me, sizeof *me);
}

static BOOL module_a(HANDLE h, LPMODULEENTRY32 me, int first)
{
	MODULEENTRY32W w;
	if (!walk_a(h, K_MODULE, first, me, sizeof *me, &w, sizeof w,
	            offsetof(MODULEENTRY32, szModule)))
		return FALSE;
	put_narrow(me->szModule, sizeof me->szModule, w.szModule);
	put_narrow(me->szExePath, sizeof me->szExePath, w.szExePath);
	return TRUE;
}

BOOL WINAPI Module32First(HANDLE h, LPMODULEENTRY32 me)
{
	return module_a(h, me, 1);
}

BOOL WINAPI Module32Next(HANDLE h, LPMODULEENTRY32 me)
{
	return module_a(h, me, 0);
}
