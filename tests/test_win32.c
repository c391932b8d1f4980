/* SPDX-License-Identifier: MIT */
/*
 * Win32 layer conformance, table driven. Each row performs one behaviour and
 * reports what it saw: the call's return value (normalised: a handle is
 * "handle", NULL or INVALID_HANDLE_VALUE) and GetLastError() right after it,
 * with 0xdeadbeef set just before, so "unchanged" can be told apart. The
 * expected pairs are what Windows does, from Microsoft's documentation and
 * Wine's conformance tests (which run on real Windows). Rows are grouped into
 * cases run in forked children, so a crash hides only its own group.
 *
 * The program re-executes itself ("test_win32 child ...") for the process
 * rows: CreateProcess, exit codes, TerminateProcess, handle inheritance and
 * mutexes abandoned by a killed process.
 */
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "harness.h"
#include <windows.h>
#include <TlHelp32.h>

#ifndef ERROR_BAD_EXE_FORMAT
#define ERROR_BAD_EXE_FORMAT 193L
#endif

#define IHV INVALID_HANDLE_VALUE
#define E_KEEP 0xDEADBEEFu /* GetLastError() left alone by the call */
#define E_ANY 0xFFFFFFFEu  /* GetLastError() not part of the behaviour */
#define R_SETUP (-7770001LL) /* a row's preparation failed */
#define R_SKIP (-7770002LL)  /* the row cannot run here */

/* How a row's return value prints. */
enum kind { K_HANDLE, K_PTR, K_BOOL, K_WAIT, K_NUM };
/* Normalised handles and pointers. */
#define H_NULL 0
#define H_OK 1
#define H_IHV (-1)
#define P_NULL 0
#define P_OK 1

struct obs {
	long long ret;
	DWORD err;
};

struct row {
	const char *desc;
	struct obs (*fn)(void);
	enum kind kind;
	long long ret;
	DWORD err;
};

static char g_self[4096]; /* this program, for CreateProcess */
static char g_fdir[256];  /* scratch directory for files */

/* Totals over all groups, shared with the forked group runners. */
struct totals {
	atomic_int rows, failed, skipped;
};
static struct totals *g_tot;

#define ARM() SetLastError(E_KEEP)

static long long hv(HANDLE h)
{
	return h == NULL ? H_NULL : h == IHV ? H_IHV : H_OK;
}

/* The observation of a call whose normalised result is r: r is evaluated
 * before the call to seen, so GetLastError() is read after the call. */
static struct obs seen(long long r)
{
	struct obs o = {r, GetLastError()};
	return o;
}

static struct obs val(long long r)
{
	struct obs o = {r, E_ANY};
	return o;
}

static struct obs setup_failed(const char *what, int line)
{
	DWORD e = GetLastError();
	printf("       setup failed (line %d): %s, GetLastError %lu\n", line,
	       what, (unsigned long)e);
	struct obs o = {R_SETUP, e};
	return o;
}

#define NEED(c)                                                                \
	do {                                                                   \
		if (!(c))                                                      \
			return setup_failed(#c, __LINE__);                     \
	} while (0)

static void fpath(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", g_fdir, name);
}

static HANDLE page_map(DWORD prot, DWORD size, const char *name)
{
	return CreateFileMappingA(IHV, NULL, prot, 0, size, name);
}

static long long view_len(const void *v)
{
	size_t len;
	return shmap_view_query(v, NULL, &len) ? -1 : (long long)len;
}

/* A scratch file of n bytes (each 'x'), opened with access; or IHV. */
static HANDLE scratch_file(const char *name, DWORD access, DWORD n)
{
	char p[600];
	fpath(p, sizeof p, name);
	HANDLE f = CreateFileA(p, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	                       CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	if (f == IHV)
		return IHV;
	char buf[4096];
	memset(buf, 'x', sizeof buf);
	for (DWORD left = n, put; left; left -= put)
		if (!WriteFile(f, buf, left < sizeof buf ? left : sizeof buf,
		               &put, NULL) ||
		    !put) {
			CloseHandle(f);
			return IHV;
		}
	if (access == (GENERIC_READ | GENERIC_WRITE))
		return f;
	CloseHandle(f);
	return CreateFileA(p, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
	                   OPEN_EXISTING, 0, NULL);
}

static void rm_file(const char *name)
{
	char p[600];
	fpath(p, sizeof p, name);
	DeleteFileA(p);
}

/* ------------------------------------------------------------------ */
/* CreateFileMapping / OpenFileMapping                                 */

static struct obs m_fresh(void)
{
	ARM();
	HANDLE h = page_map(PAGE_READWRITE, 8192, "w32-fresh");
	struct obs o = seen(hv(h));
	CloseHandle(h);
	return o;
}

static struct obs m_again(void)
{
	HANDLE a = page_map(PAGE_READWRITE, 8192, "w32-again");
	NEED(a);
	ARM();
	HANDLE b = page_map(PAGE_READWRITE, 1 << 20, "w32-again");
	struct obs o = seen(hv(b));
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

static struct obs m_again_keeps_size(void)
{
	HANDLE a = page_map(PAGE_READWRITE, 8192, "w32-again2");
	NEED(a);
	HANDLE b = page_map(PAGE_READWRITE, 1 << 20, "w32-again2");
	NEED(b);
	void *v = MapViewOfFile(b, FILE_MAP_READ, 0, 0, 0);
	NEED(v);
	struct obs o = val(view_len(v));
	UnmapViewOfFile(v);
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

static struct obs m_again_same_object(void)
{
	HANDLE a = page_map(PAGE_READWRITE, 4096, "w32-again3");
	NEED(a);
	HANDLE b = page_map(PAGE_READWRITE, 4096, "w32-again3");
	NEED(b);
	char *va = MapViewOfFile(a, FILE_MAP_WRITE, 0, 0, 0);
	char *vb = MapViewOfFile(b, FILE_MAP_READ, 0, 0, 0);
	NEED(va && vb);
	strcpy(va, "shared");
	struct obs o = val(!strcmp(vb, "shared"));
	UnmapViewOfFile(va);
	UnmapViewOfFile(vb);
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

static struct obs m_sec_commit(void)
{
	ARM();
	HANDLE h = page_map(PAGE_READWRITE | SEC_COMMIT, 4096, "w32-commit");
	struct obs o = seen(hv(h));
	CloseHandle(h);
	return o;
}

static struct obs m_unnamed(void)
{
	ARM();
	HANDLE h = page_map(PAGE_READWRITE, 4096, NULL);
	struct obs o = seen(hv(h));
	CloseHandle(h);
	return o;
}

static struct obs m_wide_fresh(void)
{
	ARM();
	HANDLE h = CreateFileMappingW(IHV, NULL, PAGE_READWRITE, 0, 4096,
	                              L"w32-wide");
	struct obs o = seen(hv(h));
	CloseHandle(h);
	return o;
}

static struct obs m_wide_then_narrow(void)
{
	HANDLE w = CreateFileMappingW(IHV, NULL, PAGE_READWRITE, 0, 4096,
	                              L"Local\\w32-wide2");
	NEED(w);
	ARM();
	HANDLE a = page_map(PAGE_READWRITE, 4096, "w32-wide2");
	struct obs o = seen(hv(a));
	CloseHandle(a);
	CloseHandle(w);
	return o;
}

static struct obs m_wide_nonascii_open(void)
{
	static const wchar_t name[] = L"w32-\u00e9t\u00e9-\u4e2d";
	HANDLE w = CreateFileMappingW(IHV, NULL, PAGE_READWRITE, 0, 4096, name);
	NEED(w);
	ARM();
	HANDLE o2 = OpenFileMappingW(FILE_MAP_READ, FALSE, name);
	struct obs o = seen(hv(o2));
	o.err = E_ANY;
	CloseHandle(o2);
	CloseHandle(w);
	return o;
}

static struct obs m_case_create(void)
{
	HANDLE a = page_map(PAGE_READWRITE, 4096, "w32-Case");
	NEED(a);
	ARM();
	HANDLE b = page_map(PAGE_READWRITE, 4096, "w32-case");
	struct obs o = seen(hv(b));
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

static struct obs m_case_distinct(void)
{
	HANDLE a = page_map(PAGE_READWRITE, 4096, "w32-Case2");
	HANDLE b = page_map(PAGE_READWRITE, 4096, "w32-case2");
	NEED(a && b);
	char *va = MapViewOfFile(a, FILE_MAP_WRITE, 0, 0, 0);
	char *vb = MapViewOfFile(b, FILE_MAP_WRITE, 0, 0, 0);
	NEED(va && vb);
	va[0] = 'A';
	struct obs o = val(vb[0] == 0);
	UnmapViewOfFile(va);
	UnmapViewOfFile(vb);
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

static struct obs m_case_open(void)
{
	HANDLE a = page_map(PAGE_READWRITE, 4096, "w32-Case3");
	NEED(a);
	ARM();
	HANDLE b = OpenFileMappingA(FILE_MAP_READ, FALSE, "W32-CASE3");
	struct obs o = seen(hv(b));
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

/* The name is held by another type: kind 'E', 'X' or 'S'. */
static struct obs name_clash(char kind)
{
	HANDLE s = kind == 'E'   ? CreateEventA(NULL, FALSE, FALSE, "w32-clash")
	           : kind == 'X' ? CreateMutexA(NULL, FALSE, "w32-clash")
	                         : CreateSemaphoreA(NULL, 0, 1, "w32-clash");
	NEED(s);
	ARM();
	HANDLE h = page_map(PAGE_READWRITE, 4096, "w32-clash");
	struct obs o = seen(hv(h));
	CloseHandle(h);
	CloseHandle(s);
	return o;
}

static struct obs m_clash_event(void)
{
	return name_clash('E');
}

static struct obs m_clash_mutex(void)
{
	return name_clash('X');
}

static struct obs m_clash_sem(void)
{
	return name_clash('S');
}

static struct obs m_event_on_mapping_name(void)
{
	HANDLE m = page_map(PAGE_READWRITE, 4096, "w32-clash2");
	NEED(m);
	ARM();
	HANDLE e = CreateEventA(NULL, FALSE, FALSE, "w32-clash2");
	struct obs o = seen(hv(e));
	CloseHandle(e);
	CloseHandle(m);
	return o;
}

static struct obs bad_create(DWORD prot, DWORD size, const char *name)
{
	ARM();
	HANDLE h = page_map(prot, size, name);
	struct obs o = seen(hv(h));
	CloseHandle(h);
	return o;
}

static struct obs m_size0(void)
{
	return bad_create(PAGE_READWRITE, 0, "w32-size0");
}

static struct obs m_size0_unnamed(void)
{
	return bad_create(PAGE_READWRITE, 0, NULL);
}

static struct obs m_prot0(void)
{
	return bad_create(0, 4096, "w32-prot");
}

static struct obs m_prot_noaccess(void)
{
	return bad_create(PAGE_NOACCESS, 4096, "w32-prot");
}

static struct obs m_prot_execute(void)
{
	return bad_create(PAGE_EXECUTE, 4096, "w32-prot");
}

static struct obs m_prot_two(void)
{
	return bad_create(PAGE_READONLY | PAGE_READWRITE, 4096, "w32-prot");
}

static struct obs m_sec_reserve_commit(void)
{
	return bad_create(PAGE_READWRITE | SEC_RESERVE | SEC_COMMIT, 4096,
	                  "w32-sec");
}

static struct obs m_sec_nocache_alone(void)
{
	return bad_create(PAGE_READWRITE | SEC_NOCACHE, 4096, "w32-sec");
}

static struct obs m_sec_file_alone(void)
{
	return bad_create(PAGE_READWRITE | SEC_FILE, 4096, "w32-sec");
}

static struct obs m_sec_image_pagefile(void)
{
	return bad_create(PAGE_READWRITE | SEC_IMAGE, 4096, "w32-sec");
}

static struct obs m_hfile_null(void)
{
	ARM();
	HANDLE h = CreateFileMappingA(NULL, NULL, PAGE_READWRITE, 0, 4096, NULL);
	struct obs o = seen(hv(h));
	CloseHandle(h);
	return o;
}

static struct obs m_empty_file(void)
{
	HANDLE f = scratch_file("empty", GENERIC_READ | GENERIC_WRITE, 0);
	NEED(f != IHV);
	ARM();
	HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
	struct obs o = seen(hv(h));
	CloseHandle(h);
	CloseHandle(f);
	rm_file("empty");
	return o;
}

static struct obs ro_file_map(DWORD prot)
{
	HANDLE f = scratch_file("ro", GENERIC_READ, 4096);
	NEED(f != IHV);
	ARM();
	HANDLE h = CreateFileMappingA(f, NULL, prot, 0, 4096, NULL);
	struct obs o = seen(hv(h));
	CloseHandle(h);
	CloseHandle(f);
	rm_file("ro");
	return o;
}

static struct obs m_ro_file_rw(void)
{
	return ro_file_map(PAGE_READWRITE);
}

static struct obs m_ro_file_ro(void)
{
	return ro_file_map(PAGE_READONLY);
}

static struct obs m_ro_file_writecopy(void)
{
	return ro_file_map(PAGE_WRITECOPY);
}

/* A section of protection prot made of a file opened with access. */
static struct obs file_map_as(DWORD access, DWORD prot)
{
	HANDLE f = scratch_file("acc", access, 4096);
	NEED(f != IHV);
	ARM();
	HANDLE h = CreateFileMappingA(f, NULL, prot, 0, 4096, NULL);
	struct obs o = seen(hv(h));
	CloseHandle(h);
	CloseHandle(f);
	rm_file("acc");
	return o;
}

static struct obs m_noaccess_file_ro(void)
{
	return file_map_as(0, PAGE_READONLY);
}

static struct obs m_noaccess_file_writecopy(void)
{
	return file_map_as(0, PAGE_WRITECOPY);
}

static struct obs m_ro_file_exec_read(void)
{
	return file_map_as(GENERIC_READ, PAGE_EXECUTE_READ);
}

static struct obs m_ro_file_exec_writecopy(void)
{
	return file_map_as(GENERIC_READ, PAGE_EXECUTE_WRITECOPY);
}

static struct obs m_rx_file_exec_read(void)
{
	return file_map_as(GENERIC_READ | GENERIC_EXECUTE, PAGE_EXECUTE_READ);
}

static struct obs m_rx_file_exec_writecopy(void)
{
	return file_map_as(GENERIC_READ | GENERIC_EXECUTE,
	                   PAGE_EXECUTE_WRITECOPY);
}

static struct obs m_rw_file_exec_rw(void)
{
	return file_map_as(GENERIC_READ | GENERIC_WRITE, PAGE_EXECUTE_READWRITE);
}

static struct obs m_rwx_file_exec_rw(void)
{
	return file_map_as(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE,
	                   PAGE_EXECUTE_READWRITE);
}

static struct obs m_wo_file_rw(void)
{
	return file_map_as(GENERIC_WRITE, PAGE_READWRITE);
}

static struct obs m_file_size0_is_file_size(void)
{
	HANDLE f = scratch_file("sz", GENERIC_READ | GENERIC_WRITE, 0x3456);
	NEED(f != IHV);
	HANDLE h = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
	NEED(h);
	void *v = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	NEED(v);
	struct obs o = val(view_len(v));
	UnmapViewOfFile(v);
	CloseHandle(h);
	CloseHandle(f);
	rm_file("sz");
	return o;
}

static struct obs m_file_extended(void)
{
	HANDLE f = scratch_file("ext", GENERIC_READ | GENERIC_WRITE, 4096);
	NEED(f != IHV);
	HANDLE h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 65536, NULL);
	NEED(h);
	struct obs o = val(GetFileSize(f, NULL));
	CloseHandle(h);
	CloseHandle(f);
	rm_file("ext");
	return o;
}

static struct obs m_open_missing(void)
{
	ARM();
	HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, "w32-missing");
	struct obs o = seen(hv(h));
	CloseHandle(h);
	return o;
}

static struct obs m_open_event_name(void)
{
	HANDLE e = CreateEventA(NULL, FALSE, FALSE, "w32-open-ev");
	NEED(e);
	ARM();
	HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, "w32-open-ev");
	struct obs o = seen(hv(h));
	CloseHandle(h);
	CloseHandle(e);
	return o;
}

static struct obs m_open_null_name(void)
{
	ARM();
	HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, NULL);
	struct obs o = seen(hv(h));
	CloseHandle(h);
	return o;
}

static const struct row mapping_rows[] = {
	{"CreateFileMappingA fresh name", m_fresh, K_HANDLE, H_OK, 0},
	{"CreateFileMappingA existing name", m_again, K_HANDLE, H_OK,
	 ERROR_ALREADY_EXISTS},
	{"existing name keeps its size (0-byte view = 8192)",
	 m_again_keeps_size, K_NUM, 8192, E_ANY},
	{"existing name is the same object", m_again_same_object, K_BOOL, 1,
	 E_ANY},
	{"SEC_COMMIT | PAGE_READWRITE accepted", m_sec_commit, K_HANDLE, H_OK,
	 0},
	{"unnamed page-file mapping", m_unnamed, K_HANDLE, H_OK, 0},
	{"CreateFileMappingW fresh name", m_wide_fresh, K_HANDLE, H_OK, 0},
	{"W then A name: same object", m_wide_then_narrow, K_HANDLE, H_OK,
	 ERROR_ALREADY_EXISTS},
	{"non-ASCII W name opens with OpenFileMappingW", m_wide_nonascii_open,
	 K_HANDLE, H_OK, E_ANY},
	{"names are case-sensitive: other case is new", m_case_create,
	 K_HANDLE, H_OK, 0},
	{"names differing in case are different objects", m_case_distinct,
	 K_BOOL, 1, E_ANY},
	{"OpenFileMappingA other case", m_case_open, K_HANDLE, H_NULL,
	 ERROR_FILE_NOT_FOUND},
	{"name held by an event", m_clash_event, K_HANDLE, H_NULL,
	 ERROR_INVALID_HANDLE},
	{"name held by a mutex", m_clash_mutex, K_HANDLE, H_NULL,
	 ERROR_INVALID_HANDLE},
	{"name held by a semaphore", m_clash_sem, K_HANDLE, H_NULL,
	 ERROR_INVALID_HANDLE},
	{"CreateEventA on a mapping's name", m_event_on_mapping_name, K_HANDLE,
	 H_NULL, ERROR_INVALID_HANDLE},
	{"page-file mapping of size 0", m_size0, K_HANDLE, H_NULL,
	 ERROR_INVALID_PARAMETER},
	{"unnamed page-file mapping of size 0", m_size0_unnamed, K_HANDLE,
	 H_NULL, ERROR_INVALID_PARAMETER},
	{"protection 0", m_prot0, K_HANDLE, H_NULL, ERROR_INVALID_PARAMETER},
	{"PAGE_NOACCESS", m_prot_noaccess, K_HANDLE, H_NULL,
	 ERROR_INVALID_PARAMETER},
	{"PAGE_EXECUTE", m_prot_execute, K_HANDLE, H_NULL,
	 ERROR_INVALID_PARAMETER},
	{"PAGE_READONLY | PAGE_READWRITE", m_prot_two, K_HANDLE, H_NULL,
	 ERROR_INVALID_PARAMETER},
	{"SEC_RESERVE | SEC_COMMIT", m_sec_reserve_commit, K_HANDLE, H_NULL,
	 ERROR_INVALID_PARAMETER},
	{"SEC_NOCACHE without SEC_COMMIT/RESERVE", m_sec_nocache_alone,
	 K_HANDLE, H_NULL, ERROR_INVALID_PARAMETER},
	{"SEC_FILE given by the caller", m_sec_file_alone, K_HANDLE, H_NULL,
	 ERROR_INVALID_PARAMETER},
	{"SEC_IMAGE on a page-file mapping", m_sec_image_pagefile, K_HANDLE,
	 H_NULL, ERROR_BAD_EXE_FORMAT},
	{"hFile NULL works like INVALID_HANDLE_VALUE", m_hfile_null, K_HANDLE,
	 H_OK, 0},
	{"empty file, size 0", m_empty_file, K_HANDLE, H_NULL,
	 ERROR_FILE_INVALID},
	{"GENERIC_READ file, PAGE_READWRITE", m_ro_file_rw, K_HANDLE, H_NULL,
	 ERROR_ACCESS_DENIED},
	{"GENERIC_READ file, PAGE_READONLY", m_ro_file_ro, K_HANDLE, H_OK, 0},
	{"GENERIC_READ file, PAGE_WRITECOPY", m_ro_file_writecopy, K_HANDLE,
	 H_OK, 0},
	{"access-0 file, PAGE_READONLY", m_noaccess_file_ro, K_HANDLE, H_NULL,
	 ERROR_ACCESS_DENIED},
	{"access-0 file, PAGE_WRITECOPY", m_noaccess_file_writecopy, K_HANDLE,
	 H_NULL, ERROR_ACCESS_DENIED},
	{"GENERIC_READ file, PAGE_EXECUTE_READ", m_ro_file_exec_read, K_HANDLE,
	 H_NULL, ERROR_ACCESS_DENIED},
	{"GENERIC_READ file, PAGE_EXECUTE_WRITECOPY", m_ro_file_exec_writecopy,
	 K_HANDLE, H_NULL, ERROR_ACCESS_DENIED},
	{"GENERIC_READ|EXECUTE file, PAGE_EXECUTE_READ", m_rx_file_exec_read,
	 K_HANDLE, H_OK, ERROR_SUCCESS},
	{"GENERIC_READ|EXECUTE file, PAGE_EXECUTE_WRITECOPY",
	 m_rx_file_exec_writecopy, K_HANDLE, H_OK, ERROR_SUCCESS},
	{"GENERIC_READ|WRITE file, PAGE_EXECUTE_READWRITE", m_rw_file_exec_rw,
	 K_HANDLE, H_NULL, ERROR_ACCESS_DENIED},
	{"GENERIC_READ|WRITE|EXECUTE file, PAGE_EXECUTE_READWRITE",
	 m_rwx_file_exec_rw, K_HANDLE, H_OK, ERROR_SUCCESS},
	{"GENERIC_WRITE file, PAGE_READWRITE", m_wo_file_rw, K_HANDLE, H_NULL,
	 ERROR_ACCESS_DENIED},
	{"file mapping size 0 = file size (0x3456)", m_file_size0_is_file_size,
	 K_NUM, 0x3456, E_ANY},
	{"file mapping larger than the file extends it", m_file_extended,
	 K_NUM, 65536, E_ANY},
	{"OpenFileMappingA missing name", m_open_missing, K_HANDLE, H_NULL,
	 ERROR_FILE_NOT_FOUND},
	{"OpenFileMappingA on an event's name", m_open_event_name, K_HANDLE,
	 H_NULL, ERROR_INVALID_HANDLE},
	{"OpenFileMappingA NULL name", m_open_null_name, K_HANDLE, H_NULL,
	 ERROR_INVALID_PARAMETER},
};

/* ------------------------------------------------------------------ */
/* MapViewOfFile / UnmapViewOfFile                                    */

#define VSIZE (3 * 65536 + 100)

/* A view with access of a fresh page-file section of protection prot,
 * through a handle opened by name with hacc (0: the creating handle). */
static struct obs exec_view(DWORD prot, DWORD hacc, DWORD access)
{
	HANDLE m = page_map(prot, VSIZE, "w32-xview");
	NEED(m);
	HANDLE h = hacc ? OpenFileMappingA(hacc, FALSE, "w32-xview") : m;
	NEED(h);
	ARM();
	void *v = MapViewOfFile(h, access, 0, 0, 0);
	struct obs o = seen(v != NULL);
	UnmapViewOfFile(v);
	if (h != m)
		CloseHandle(h);
	CloseHandle(m);
	return o;
}

static struct obs v_exec_of_rw_section(void)
{
	return exec_view(PAGE_READWRITE, 0, FILE_MAP_READ | FILE_MAP_EXECUTE);
}

static struct obs v_exec_alone_of_ro_section(void)
{
	return exec_view(PAGE_READONLY, 0, FILE_MAP_EXECUTE);
}

static struct obs v_exec_write_of_rw_section(void)
{
	return exec_view(PAGE_READWRITE, 0, FILE_MAP_WRITE | FILE_MAP_EXECUTE);
}

static struct obs v_exec_of_exec_section(void)
{
	return exec_view(PAGE_EXECUTE_READWRITE, 0,
	                 FILE_MAP_READ | FILE_MAP_EXECUTE);
}

static struct obs v_exec_of_exec_read_section(void)
{
	return exec_view(PAGE_EXECUTE_READ, 0, FILE_MAP_READ | FILE_MAP_EXECUTE);
}

static struct obs v_exec_through_read_handle(void)
{
	return exec_view(PAGE_EXECUTE_READWRITE, FILE_MAP_READ,
	                 FILE_MAP_READ | FILE_MAP_EXECUTE);
}

static struct obs v_exec_through_exec_handle(void)
{
	return exec_view(PAGE_EXECUTE_READWRITE,
	                 FILE_MAP_READ | FILE_MAP_EXECUTE,
	                 FILE_MAP_READ | FILE_MAP_EXECUTE);
}

static struct obs v_unaligned(void)
{
	HANDLE m = page_map(PAGE_READWRITE, VSIZE, "w32-view");
	NEED(m);
	ARM();
	void *v = MapViewOfFile(m, FILE_MAP_READ, 0, 4096, 0);
	struct obs o = seen(v != NULL);
	UnmapViewOfFile(v);
	CloseHandle(m);
	return o;
}

static struct obs v_unaligned_base(void)
{
	HANDLE m = page_map(PAGE_READWRITE, VSIZE, "w32-view");
	NEED(m);
	ARM();
	void *v = MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 4096,
	                          (void *)(uintptr_t)0x10001000);
	struct obs o = seen(v != NULL);
	UnmapViewOfFile(v);
	CloseHandle(m);
	return o;
}

/* Opens the view-test mapping with open_access, maps with view_access. */
static struct obs open_then_map(DWORD open_access, DWORD view_access)
{
	HANDLE m = page_map(PAGE_READWRITE, VSIZE, "w32-view");
	NEED(m);
	HANDLE h = OpenFileMappingA(open_access, FALSE, "w32-view");
	NEED(h);
	ARM();
	void *v = MapViewOfFile(h, view_access, 0, 0, 0);
	struct obs o = seen(v != NULL);
	if (v)
		o.err = E_ANY;
	UnmapViewOfFile(v);
	CloseHandle(h);
	CloseHandle(m);
	return o;
}

static struct obs v_read_handle_write_view(void)
{
	return open_then_map(FILE_MAP_READ, FILE_MAP_WRITE);
}

static struct obs v_read_handle_read_view(void)
{
	return open_then_map(FILE_MAP_READ, FILE_MAP_READ);
}

static struct obs v_read_handle_copy_view(void)
{
	return open_then_map(FILE_MAP_READ, FILE_MAP_COPY);
}

static struct obs v_write_handle_read_view(void)
{
	return open_then_map(FILE_MAP_WRITE, FILE_MAP_READ);
}

static struct obs v_write_handle_write_view(void)
{
	return open_then_map(FILE_MAP_WRITE, FILE_MAP_WRITE);
}

static struct obs v_all_access_0(void)
{
	return open_then_map(FILE_MAP_ALL_ACCESS, 0);
}

static struct obs ro_mapping_view(DWORD access)
{
	HANDLE m = page_map(PAGE_READONLY, 4096, "w32-roview");
	NEED(m);
	ARM();
	void *v = MapViewOfFile(m, access, 0, 0, 0);
	struct obs o = seen(v != NULL);
	if (v)
		o.err = E_ANY;
	UnmapViewOfFile(v);
	CloseHandle(m);
	return o;
}

static struct obs v_ro_mapping_write(void)
{
	return ro_mapping_view(FILE_MAP_WRITE);
}

static struct obs v_ro_mapping_copy(void)
{
	return ro_mapping_view(FILE_MAP_COPY);
}

/* A view of bytes at offset of the view-test mapping. */
static struct obs view_range(DWORD offset, SIZE_T bytes)
{
	HANDLE m = page_map(PAGE_READWRITE, VSIZE, "w32-view");
	NEED(m);
	ARM();
	void *v = MapViewOfFile(m, FILE_MAP_READ, 0, offset, bytes);
	struct obs o = seen(v != NULL);
	UnmapViewOfFile(v);
	CloseHandle(m);
	return o;
}

static struct obs v_past_end(void)
{
	return view_range(0, VSIZE + 1);
}

static struct obs v_offset_plus_size_past_end(void)
{
	return view_range(3 * 65536, 101);
}

static struct obs v_bytes0_to_end(void)
{
	HANDLE m = page_map(PAGE_READWRITE, VSIZE, "w32-view");
	NEED(m);
	void *v = MapViewOfFile(m, FILE_MAP_READ, 0, 65536, 0);
	NEED(v);
	struct obs o = val(view_len(v));
	UnmapViewOfFile(v);
	CloseHandle(m);
	return o;
}

static struct obs v_bytes0_last_byte(void)
{
	HANDLE m = page_map(PAGE_READWRITE, VSIZE, "w32-view");
	NEED(m);
	char *all = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	char *tail = MapViewOfFile(m, FILE_MAP_READ, 0, 2 * 65536, 0);
	NEED(all && tail);
	all[VSIZE - 1] = 'z';
	struct obs o = val(tail[VSIZE - 2 * 65536 - 1] == 'z');
	UnmapViewOfFile(all);
	UnmapViewOfFile(tail);
	CloseHandle(m);
	return o;
}

static struct obs v_two_views_coherent(void)
{
	HANDLE m = page_map(PAGE_READWRITE, VSIZE, "w32-view");
	NEED(m);
	HANDLE m2 = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, "w32-view");
	NEED(m2);
	volatile char *a = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	volatile char *b = MapViewOfFile(m2, FILE_MAP_WRITE, 0, 65536, 65536);
	NEED(a && b);
	a[65536 + 10] = 'q';
	b[11] = 'r';
	struct obs o = val(a != b && b[10] == 'q' && a[65536 + 11] == 'r');
	UnmapViewOfFile((void *)a);
	UnmapViewOfFile((void *)b);
	CloseHandle(m2);
	CloseHandle(m);
	return o;
}

static struct obs v_copy_private(void)
{
	HANDLE m = page_map(PAGE_READWRITE, 4096, "w32-cow");
	NEED(m);
	char *shared = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	NEED(shared);
	strcpy(shared, "base");
	char *priv = MapViewOfFile(m, FILE_MAP_COPY, 0, 0, 0);
	NEED(priv);
	int saw_base = !strcmp(priv, "base");
	strcpy(priv, "mine");
	struct obs o = val(saw_base && !strcmp(shared, "base") &&
	                   !strcmp(priv, "mine"));
	UnmapViewOfFile(priv);
	UnmapViewOfFile(shared);
	CloseHandle(m);
	return o;
}

static struct obs unmap_addr(const void *p)
{
	ARM();
	BOOL ok = UnmapViewOfFile(p);
	return seen(ok);
}

static struct obs v_unmap_heap(void)
{
	char *p = calloc(1, 100000);
	NEED(p);
	struct obs o = unmap_addr(p + 4096);
	free(p);
	return o;
}

static struct obs v_unmap_stack(void)
{
	char buf[64];
	buf[0] = 0;
	return unmap_addr(buf);
}

static struct obs v_unmap_deadbeef(void)
{
	return unmap_addr((void *)(uintptr_t)0xdeadbeef);
}

static struct obs v_unmap_interior(void)
{
	HANDLE m = page_map(PAGE_READWRITE, VSIZE, "w32-view");
	NEED(m);
	char *v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	NEED(v);
	struct obs o = unmap_addr(v + 4096 + 100);
	if (!o.ret)
		UnmapViewOfFile(v);
	CloseHandle(m);
	return o;
}

static struct obs v_unmap_twice(void)
{
	HANDLE m = page_map(PAGE_READWRITE, VSIZE, "w32-view");
	NEED(m);
	char *v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	NEED(v);
	NEED(UnmapViewOfFile(v + 100));
	struct obs o = unmap_addr(v);
	CloseHandle(m);
	return o;
}

static struct obs v_flush(void)
{
	HANDLE m = page_map(PAGE_READWRITE, VSIZE, "w32-view");
	NEED(m);
	char *v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	NEED(v);
	v[5] = 1;
	ARM();
	struct obs o = seen(FlushViewOfFile(v, 0));
	o.err = E_ANY;
	UnmapViewOfFile(v);
	CloseHandle(m);
	return o;
}

/* Creates "w32-gone", writes "data" into a view, closes the only handle. */
static char *gone_view(void)
{
	HANDLE m = page_map(PAGE_READWRITE, 65536, "w32-gone");
	if (!m)
		return NULL;
	char *v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	if (v)
		strcpy(v, "data");
	CloseHandle(m);
	return v;
}

static struct obs v_gone_name(void)
{
	char *v = gone_view();
	NEED(v);
	ARM();
	HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, "w32-gone");
	struct obs o = seen(hv(h));
	CloseHandle(h);
	UnmapViewOfFile(v);
	return o;
}

static struct obs v_gone_view_valid(void)
{
	char *v = gone_view();
	NEED(v);
	struct obs o = val(!strcmp(v, "data"));
	v[65535] = 1; /* and writable to its end */
	UnmapViewOfFile(v);
	return o;
}

static struct obs v_gone_recreate(void)
{
	char *v = gone_view();
	NEED(v);
	ARM();
	HANDLE m = page_map(PAGE_READWRITE, 65536, "w32-gone");
	struct obs o = seen(hv(m));
	char *w = m ? MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0) : NULL;
	if (o.ret == H_OK && (!w || w[0] != 0 || strcmp(v, "data")))
		o.ret = 2; /* not a new, zero-filled object */
	UnmapViewOfFile(w);
	CloseHandle(m);
	UnmapViewOfFile(v);
	return o;
}

/* Duplicates the view-test mapping handle with access (no options) and maps
 * a view with view_access through the duplicate. */
static struct obs dup_then_map(DWORD access, DWORD view_access)
{
	HANDLE m = page_map(PAGE_READWRITE, VSIZE, "w32-view"), d = NULL;
	NEED(m);
	NEED(DuplicateHandle(GetCurrentProcess(), m, GetCurrentProcess(), &d,
	                     access, FALSE, 0));
	ARM();
	void *v = MapViewOfFile(d, view_access, 0, 0, 4096);
	struct obs o = seen(v != NULL);
	if (v)
		o.err = E_ANY;
	UnmapViewOfFile(v);
	CloseHandle(d);
	CloseHandle(m);
	return o;
}

static struct obs v_dup_read_write_view(void)
{
	return dup_then_map(FILE_MAP_READ, FILE_MAP_WRITE);
}

static struct obs v_dup_rw_write_view(void)
{
	return dup_then_map(FILE_MAP_READ | FILE_MAP_WRITE, FILE_MAP_WRITE);
}

static struct obs v_dup_none_view0(void)
{
	return dup_then_map(0, 0);
}

static struct obs v_dup_read_view0(void)
{
	return dup_then_map(FILE_MAP_READ, 0);
}

static const struct row view_rows[] = {
	{"FILE_MAP_EXECUTE view of a PAGE_READWRITE section",
	 v_exec_of_rw_section, K_PTR, P_NULL, ERROR_ACCESS_DENIED},
	{"FILE_MAP_EXECUTE alone of a PAGE_READONLY section",
	 v_exec_alone_of_ro_section, K_PTR, P_NULL, ERROR_ACCESS_DENIED},
	{"FILE_MAP_WRITE|EXECUTE view of a PAGE_READWRITE section",
	 v_exec_write_of_rw_section, K_PTR, P_NULL, ERROR_ACCESS_DENIED},
	{"FILE_MAP_EXECUTE view of a PAGE_EXECUTE_READWRITE section",
	 v_exec_of_exec_section, K_PTR, P_OK, ERROR_SUCCESS},
	{"FILE_MAP_EXECUTE view of a PAGE_EXECUTE_READ section",
	 v_exec_of_exec_read_section, K_PTR, P_OK, ERROR_SUCCESS},
	{"FILE_MAP_EXECUTE view through a FILE_MAP_READ handle",
	 v_exec_through_read_handle, K_PTR, P_NULL, ERROR_ACCESS_DENIED},
	{"FILE_MAP_EXECUTE view through a FILE_MAP_READ|EXECUTE handle",
	 v_exec_through_exec_handle, K_PTR, P_OK, ERROR_SUCCESS},
	{"MapViewOfFile offset not 64 KiB aligned", v_unaligned, K_PTR, P_NULL,
	 ERROR_MAPPED_ALIGNMENT},
	{"MapViewOfFileEx base not 64 KiB aligned", v_unaligned_base, K_PTR,
	 P_NULL, ERROR_MAPPED_ALIGNMENT},
	{"FILE_MAP_READ handle, write view", v_read_handle_write_view, K_PTR,
	 P_NULL, ERROR_ACCESS_DENIED},
	{"FILE_MAP_READ handle, read view", v_read_handle_read_view, K_PTR,
	 P_OK, E_ANY},
	{"FILE_MAP_READ handle, copy view", v_read_handle_copy_view, K_PTR,
	 P_OK, E_ANY},
	{"FILE_MAP_WRITE handle, read view", v_write_handle_read_view, K_PTR,
	 P_NULL, ERROR_ACCESS_DENIED},
	{"FILE_MAP_WRITE handle, write view", v_write_handle_write_view, K_PTR,
	 P_OK, E_ANY},
	{"view access 0 on a full-access handle", v_all_access_0, K_PTR, P_OK,
	 E_ANY},
	{"PAGE_READONLY mapping, write view", v_ro_mapping_write, K_PTR, P_NULL,
	 ERROR_ACCESS_DENIED},
	{"PAGE_READONLY mapping, copy view", v_ro_mapping_copy, K_PTR, P_OK,
	 E_ANY},
	{"view one byte past the end", v_past_end, K_PTR, P_NULL,
	 ERROR_ACCESS_DENIED},
	{"offset + bytes past the end", v_offset_plus_size_past_end, K_PTR,
	 P_NULL, ERROR_ACCESS_DENIED},
	{"bytes 0 maps from the offset to the end", v_bytes0_to_end, K_NUM,
	 VSIZE - 65536, E_ANY},
	{"bytes 0 view reaches the last byte", v_bytes0_last_byte, K_BOOL, 1,
	 E_ANY},
	{"two views (two handles) are coherent", v_two_views_coherent, K_BOOL,
	 1, E_ANY},
	{"FILE_MAP_COPY view is private", v_copy_private, K_BOOL, 1, E_ANY},
	{"UnmapViewOfFile heap address", v_unmap_heap, K_BOOL, FALSE,
	 ERROR_INVALID_ADDRESS},
	{"UnmapViewOfFile stack address", v_unmap_stack, K_BOOL, FALSE,
	 ERROR_INVALID_ADDRESS},
	{"UnmapViewOfFile 0xdeadbeef", v_unmap_deadbeef, K_BOOL, FALSE,
	 ERROR_INVALID_ADDRESS},
	{"UnmapViewOfFile address inside a view", v_unmap_interior, K_BOOL,
	 TRUE, E_KEEP},
	{"UnmapViewOfFile of an unmapped view", v_unmap_twice, K_BOOL, FALSE,
	 ERROR_INVALID_ADDRESS},
	{"FlushViewOfFile(view, 0)", v_flush, K_BOOL, TRUE, E_ANY},
	{"last CloseHandle: OpenFileMapping fails", v_gone_name, K_HANDLE,
	 H_NULL, ERROR_FILE_NOT_FOUND},
	{"last CloseHandle: view still valid", v_gone_view_valid, K_BOOL, 1,
	 E_ANY},
	{"last CloseHandle: same name is a new object", v_gone_recreate,
	 K_HANDLE, H_OK, 0},
	{"duplicate with FILE_MAP_READ, write view", v_dup_read_write_view,
	 K_PTR, P_NULL, ERROR_ACCESS_DENIED},
	{"duplicate with READ|WRITE, write view", v_dup_rw_write_view, K_PTR,
	 P_OK, E_ANY},
	{"duplicate with access 0, view access 0", v_dup_none_view0, K_PTR,
	 P_NULL, ERROR_ACCESS_DENIED},
	{"duplicate with FILE_MAP_READ, view access 0", v_dup_read_view0,
	 K_PTR, P_OK, E_ANY},
};

/* ------------------------------------------------------------------ */
/* Handles                                                            */

static struct obs close_h(HANDLE h)
{
	ARM();
	BOOL ok = CloseHandle(h);
	return seen(ok);
}

static struct obs h_close_garbage(void)
{
	return close_h((HANDLE)(uintptr_t)0xdeadbee0);
}

static struct obs h_close_null(void)
{
	return close_h(NULL);
}

static struct obs h_close_twice(void)
{
	HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
	NEED(e);
	NEED(CloseHandle(e));
	return close_h(e);
}

static struct obs h_close_pseudo(void)
{
	return close_h(GetCurrentProcess());
}

static struct obs h_close_ok(void)
{
	HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
	NEED(e);
	return close_h(e);
}

static struct obs h_dup_same_access(void)
{
	HANDLE m = page_map(PAGE_READWRITE, 4096, "w32-dup"), d = NULL;
	NEED(m);
	ARM();
	BOOL ok = DuplicateHandle(GetCurrentProcess(), m, GetCurrentProcess(),
	                          &d, 0, FALSE, DUPLICATE_SAME_ACCESS);
	struct obs o = seen(ok && d && d != m);
	o.err = E_ANY;
	CloseHandle(d);
	CloseHandle(m);
	return o;
}

static struct obs h_dup_keeps_object(void)
{
	HANDLE m = page_map(PAGE_READWRITE, 4096, "w32-dup"), d = NULL;
	NEED(m);
	NEED(DuplicateHandle(GetCurrentProcess(), m, GetCurrentProcess(), &d, 0,
	                     FALSE, DUPLICATE_SAME_ACCESS));
	char *v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	NEED(v);
	strcpy(v, "dup");
	UnmapViewOfFile(v);
	NEED(CloseHandle(m));
	/* The duplicate alone keeps the object and its write access. */
	v = MapViewOfFile(d, FILE_MAP_WRITE, 0, 0, 0);
	struct obs o = val(v && !strcmp(v, "dup"));
	UnmapViewOfFile(v);
	CloseHandle(d);
	return o;
}

static struct obs h_dup_both_closed(void)
{
	HANDLE m = page_map(PAGE_READWRITE, 4096, "w32-dup"), d = NULL;
	NEED(m);
	NEED(DuplicateHandle(GetCurrentProcess(), m, GetCurrentProcess(), &d, 0,
	                     FALSE, DUPLICATE_SAME_ACCESS));
	NEED(CloseHandle(m));
	NEED(CloseHandle(d));
	ARM();
	HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, "w32-dup");
	struct obs o = seen(hv(h));
	CloseHandle(h);
	return o;
}

static struct obs h_dup_close_source(void)
{
	HANDLE m = page_map(PAGE_READWRITE, 4096, "w32-dup"), d = NULL;
	NEED(m);
	NEED(DuplicateHandle(GetCurrentProcess(), m, GetCurrentProcess(), &d, 0,
	                     FALSE,
	                     DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
	NEED(CloseHandle(d));
	ARM();
	HANDLE again = OpenFileMappingA(FILE_MAP_READ, FALSE, "w32-dup");
	struct obs o = seen(hv(again)); /* d was the last handle */
	CloseHandle(again);
	return o;
}

static struct obs h_dup_close_source_same_value(void)
{
	HANDLE a = CreateEventA(NULL, TRUE, FALSE, NULL);
	HANDLE m = CreateEventA(NULL, TRUE, FALSE, NULL), d = NULL;
	NEED(a && m);
	NEED(DuplicateHandle(GetCurrentProcess(), m, GetCurrentProcess(), &d, 0,
	                     FALSE,
	                     DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
	struct obs o = val(d == m && SetEvent(d) &&
	                   WaitForSingleObject(d, 0) == WAIT_OBJECT_0);
	CloseHandle(d);
	CloseHandle(a);
	return o;
}

static struct obs h_dup_close_source_access(void)
{
	HANDLE m = CreateEventA(NULL, TRUE, FALSE, NULL), d = NULL;
	NEED(m);
	NEED(DuplicateHandle(GetCurrentProcess(), m, GetCurrentProcess(), &d,
	                     SYNCHRONIZE, FALSE, DUPLICATE_CLOSE_SOURCE));
	ARM();
	struct obs o = seen(SetEvent(d)); /* the duplicate's access, not m's */
	CloseHandle(d);
	return o;
}

static struct obs h_dup_same_attributes(void)
{
	HANDLE m = CreateEventA(NULL, TRUE, FALSE, NULL), d = NULL;
	NEED(m);
	ARM();
	BOOL ok = DuplicateHandle(GetCurrentProcess(), m, GetCurrentProcess(),
	                          &d, 0, TRUE,
	                          DUPLICATE_SAME_ACCESS |
	                                  DUPLICATE_SAME_ATTRIBUTES);
	struct obs o = seen(ok);
	CloseHandle(d);
	CloseHandle(m);
	return o;
}

static struct obs h_dup_invalid(void)
{
	HANDLE d = NULL;
	ARM();
	BOOL ok = DuplicateHandle(GetCurrentProcess(),
	                          (HANDLE)(uintptr_t)0xdeadbee0,
	                          GetCurrentProcess(), &d, 0, FALSE,
	                          DUPLICATE_SAME_ACCESS);
	struct obs o = seen(ok);
	if (ok)
		CloseHandle(d);
	return o;
}

static struct obs h_low_bits_ignored(void)
{
	HANDLE e = CreateEventA(NULL, TRUE, TRUE, NULL);
	NEED(e);
	ARM();
	DWORD r = WaitForSingleObject((HANDLE)((uintptr_t)e | 3), 0);
	struct obs o = seen(r);
	CloseHandle(e);
	return o;
}

static struct obs h_wait_invalid(void)
{
	ARM();
	DWORD r = WaitForSingleObject((HANDLE)(uintptr_t)0xdeadbee0, 0);
	return seen(r);
}

static struct obs h_wait_closed(void)
{
	HANDLE e = CreateEventA(NULL, TRUE, TRUE, NULL);
	NEED(e);
	CloseHandle(e);
	ARM();
	DWORD r = WaitForSingleObject(e, 0);
	return seen(r);
}

static struct obs h_granularity(void)
{
	SYSTEM_INFO si;
	memset(&si, 0xff, sizeof si);
	GetSystemInfo(&si);
	return val(si.dwAllocationGranularity);
}

static struct obs h_page_size(void)
{
	SYSTEM_INFO si;
	GetSystemInfo(&si);
	return val(si.dwPageSize == (DWORD)sysconf(_SC_PAGESIZE) &&
	           si.dwNumberOfProcessors >= 1);
}

static const struct row handle_rows[] = {
	{"CloseHandle of a valid handle", h_close_ok, K_BOOL, TRUE, E_KEEP},
	{"CloseHandle of a garbage handle", h_close_garbage, K_BOOL, FALSE,
	 ERROR_INVALID_HANDLE},
	{"CloseHandle(NULL)", h_close_null, K_BOOL, FALSE,
	 ERROR_INVALID_HANDLE},
	{"CloseHandle of a closed handle", h_close_twice, K_BOOL, FALSE,
	 ERROR_INVALID_HANDLE},
	{"CloseHandle(GetCurrentProcess()) (pseudo handle)", h_close_pseudo,
	 K_BOOL, TRUE, E_KEEP},
	{"DuplicateHandle DUPLICATE_SAME_ACCESS", h_dup_same_access, K_BOOL, 1,
	 E_ANY},
	{"duplicate alone keeps object and access", h_dup_keeps_object, K_BOOL,
	 1, E_ANY},
	{"both closed: name gone", h_dup_both_closed, K_HANDLE, H_NULL,
	 ERROR_FILE_NOT_FOUND},
	{"DUPLICATE_CLOSE_SOURCE closes the source", h_dup_close_source,
	 K_HANDLE, H_NULL, ERROR_FILE_NOT_FOUND},
	{"DUPLICATE_CLOSE_SOURCE: the duplicate takes the source's value",
	 h_dup_close_source_same_value, K_BOOL, TRUE, E_ANY},
	{"DUPLICATE_CLOSE_SOURCE: the duplicate has its own access",
	 h_dup_close_source_access, K_BOOL, FALSE, ERROR_ACCESS_DENIED},
	{"DUPLICATE_SAME_ATTRIBUTES accepted", h_dup_same_attributes, K_BOOL,
	 TRUE, E_ANY},
	{"DuplicateHandle of a garbage handle", h_dup_invalid, K_BOOL, FALSE,
	 ERROR_INVALID_HANDLE},
	{"low 2 bits of a handle value are ignored", h_low_bits_ignored, K_WAIT,
	 WAIT_OBJECT_0, E_KEEP},
	{"WaitForSingleObject garbage handle", h_wait_invalid, K_WAIT,
	 WAIT_FAILED, ERROR_INVALID_HANDLE},
	{"WaitForSingleObject closed handle", h_wait_closed, K_WAIT,
	 WAIT_FAILED, ERROR_INVALID_HANDLE},
	{"GetSystemInfo allocation granularity", h_granularity, K_NUM, 65536,
	 E_ANY},
	{"GetSystemInfo page size and processors", h_page_size, K_BOOL, 1,
	 E_ANY},
};

/* ------------------------------------------------------------------ */
/* Events                                                             */

static struct obs e_fresh(void)
{
	ARM();
	HANDLE e = CreateEventA(NULL, FALSE, FALSE, "w32-ev");
	struct obs o = seen(hv(e));
	CloseHandle(e);
	return o;
}

static struct obs e_again(void)
{
	HANDLE a = CreateEventA(NULL, FALSE, FALSE, "w32-ev");
	NEED(a);
	ARM();
	HANDLE b = CreateEventA(NULL, FALSE, FALSE, "w32-ev");
	struct obs o = seen(hv(b));
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

static struct obs e_again_keeps_kind(void)
{
	HANDLE a = CreateEventA(NULL, FALSE, FALSE, "w32-ev");
	NEED(a);
	HANDLE b = CreateEventA(NULL, TRUE, TRUE, "w32-ev");
	NEED(b);
	/* Still auto-reset and unsignalled: the arguments were ignored. */
	ARM();
	DWORD r = WaitForSingleObject(b, 0);
	struct obs o = seen(r);
	if (r == WAIT_TIMEOUT) {
		SetEvent(a);
		WaitForSingleObject(b, 0);
		if (WaitForSingleObject(a, 0) != WAIT_TIMEOUT)
			o.ret = -2; /* manual reset */
	}
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

static struct obs e_case(void)
{
	HANDLE a = CreateEventA(NULL, FALSE, FALSE, "w32-Ev");
	NEED(a);
	ARM();
	HANDLE b = CreateEventA(NULL, FALSE, FALSE, "w32-ev");
	struct obs o = seen(hv(b));
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

static struct obs e_wide(void)
{
	HANDLE a = CreateEventW(NULL, FALSE, FALSE, L"w32-evw");
	NEED(a);
	ARM();
	HANDLE b = OpenEventA(EVENT_ALL_ACCESS, FALSE, "w32-evw");
	struct obs o = seen(hv(b));
	o.err = E_ANY;
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

static struct obs e_open_missing(void)
{
	ARM();
	HANDLE e = OpenEventA(EVENT_ALL_ACCESS, FALSE, "w32-nope");
	struct obs o = seen(hv(e));
	CloseHandle(e);
	return o;
}

static struct obs e_open_null(void)
{
	ARM();
	HANDLE e = OpenEventA(EVENT_ALL_ACCESS, FALSE, NULL);
	struct obs o = seen(hv(e));
	CloseHandle(e);
	return o;
}

static struct obs e_open_mapping_name(void)
{
	HANDLE m = page_map(PAGE_READWRITE, 4096, "w32-evmap");
	NEED(m);
	ARM();
	HANDLE e = OpenEventA(EVENT_ALL_ACCESS, FALSE, "w32-evmap");
	struct obs o = seen(hv(e));
	CloseHandle(e);
	CloseHandle(m);
	return o;
}

/* Waits ms on a fresh event (manual, initial) after ops: 'S' set, 'R' reset,
 * 'P' pulse, 'W' a wait of 0 ms first. */
static struct obs event_wait(BOOL manual, BOOL initial, const char *ops,
                             DWORD ms)
{
	HANDLE e = CreateEventA(NULL, manual, initial, NULL);
	NEED(e);
	for (const char *p = ops; *p; p++)
		if (*p == 'S')
			NEED(SetEvent(e));
		else if (*p == 'R')
			NEED(ResetEvent(e));
		else if (*p == 'P')
			NEED(PulseEvent(e));
		else
			WaitForSingleObject(e, 0);
	ARM();
	DWORD r = WaitForSingleObject(e, ms);
	struct obs o = seen(r);
	CloseHandle(e);
	return o;
}

static struct obs e_timeout0(void)
{
	return event_wait(FALSE, FALSE, "", 0);
}

static struct obs e_timeout100(void)
{
	return event_wait(TRUE, FALSE, "", 100);
}

static struct obs e_timeout_elapsed(void)
{
	HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
	NEED(e);
	double t0 = t_now();
	DWORD r = WaitForSingleObject(e, 150);
	double dt = t_now() - t0;
	CloseHandle(e);
	return val(r == WAIT_TIMEOUT && dt >= 0.140 && dt < 3.0);
}

static struct obs e_signalled(void)
{
	return event_wait(TRUE, FALSE, "S", 0);
}

static struct obs e_initial_set(void)
{
	return event_wait(FALSE, TRUE, "", 0);
}

static struct obs e_manual_stays(void)
{
	return event_wait(TRUE, FALSE, "SWW", 0);
}

static struct obs e_manual_reset(void)
{
	return event_wait(TRUE, TRUE, "R", 0);
}

static struct obs e_auto_resets(void)
{
	return event_wait(FALSE, FALSE, "SW", 0);
}

static struct obs e_pulse_no_waiters(void)
{
	return event_wait(TRUE, FALSE, "P", 0);
}

static struct obs e_set_twice(void)
{
	HANDLE e = CreateEventA(NULL, TRUE, TRUE, NULL);
	NEED(e);
	ARM();
	BOOL ok = SetEvent(e);
	struct obs o = seen(ok);
	CloseHandle(e);
	return o;
}

static struct obs e_set_garbage(void)
{
	ARM();
	BOOL ok = SetEvent((HANDLE)(uintptr_t)0xdeadbee0);
	return seen(ok);
}

static struct obs e_set_on_mutex(void)
{
	HANDLE m = CreateMutexA(NULL, FALSE, NULL);
	NEED(m);
	ARM();
	BOOL ok = SetEvent(m);
	struct obs o = seen(ok);
	CloseHandle(m);
	return o;
}

static void *waiter(void *arg)
{
	return (void *)(uintptr_t)WaitForSingleObject((HANDLE)arg, 10000);
}

static struct obs e_wakes_thread(void)
{
	HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
	NEED(e);
	pthread_t t;
	NEED(pthread_create(&t, NULL, waiter, e) == 0);
	usleep(50000);
	SetEvent(e);
	void *r;
	pthread_join(t, &r);
	CloseHandle(e);
	return val((long long)(uintptr_t)r);
}

/* ---- hand-off to a waiting thread ---- */

struct hwaiter {
	HANDLE h;
	_Atomic pid_t tid;
	DWORD r;
	int is_mutex;
};

static void *hwait(void *arg)
{
	struct hwaiter *w = arg;
	atomic_store(&w->tid, (pid_t)syscall(SYS_gettid));
	w->r = WaitForSingleObject(w->h, 10000);
	if (w->r == WAIT_OBJECT_0 && w->is_mutex)
		ReleaseMutex(w->h);
	return NULL;
}

/*
 * Releases h with rel while another thread waits on it, then waits on it
 * with timeout 0 itself: Windows hands the object to the waiting thread at
 * the release, so the releaser's own wait finds it taken.
 */
static struct obs handoff_row(HANDLE h, BOOL (*rel)(HANDLE), int is_mutex)
{
	struct hwaiter w = {h, 0, WAIT_FAILED, is_mutex};
	pthread_t t;
	NEED(pthread_create(&t, NULL, hwait, &w) == 0);
	while (!atomic_load(&w.tid))
		usleep(1000);
	NEED(t_asleep(atomic_load(&w.tid)));
	NEED(rel(h));
	ARM();
	DWORD r = WaitForSingleObject(h, 0);
	struct obs o = seen(r);
	pthread_join(t, NULL);
	if (r == WAIT_OBJECT_0 && is_mutex)
		ReleaseMutex(h);
	CloseHandle(h);
	NEED(w.r == WAIT_OBJECT_0);
	return o;
}

static BOOL hand_set_event(HANDLE h)
{
	return SetEvent(h);
}

static BOOL hand_release_mutex(HANDLE h)
{
	return ReleaseMutex(h);
}

static BOOL hand_release_sem(HANDLE h)
{
	return ReleaseSemaphore(h, 1, NULL);
}

static struct obs e_set_hands_to_waiter(void)
{
	HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
	NEED(e);
	return handoff_row(e, hand_set_event, 0);
}

static struct obs x_release_hands_to_waiter(void)
{
	HANDLE m = CreateMutexA(NULL, TRUE, NULL);
	NEED(m);
	return handoff_row(m, hand_release_mutex, 1);
}

static struct obs s_release_hands_to_waiter(void)
{
	HANDLE s = CreateSemaphoreA(NULL, 0, 1, NULL);
	NEED(s);
	return handoff_row(s, hand_release_sem, 0);
}

static const struct row event_rows[] = {
	{"CreateEventA fresh name", e_fresh, K_HANDLE, H_OK, 0},
	{"CreateEventA existing name", e_again, K_HANDLE, H_OK,
	 ERROR_ALREADY_EXISTS},
	{"existing event keeps its reset mode and state", e_again_keeps_kind,
	 K_WAIT, WAIT_TIMEOUT, E_KEEP},
	{"event names are case-sensitive", e_case, K_HANDLE, H_OK, 0},
	{"CreateEventW name opens with OpenEventA", e_wide, K_HANDLE, H_OK,
	 E_ANY},
	{"OpenEventA missing name", e_open_missing, K_HANDLE, H_NULL,
	 ERROR_FILE_NOT_FOUND},
	{"OpenEventA NULL name", e_open_null, K_HANDLE, H_NULL,
	 ERROR_INVALID_PARAMETER},
	{"OpenEventA on a mapping's name", e_open_mapping_name, K_HANDLE,
	 H_NULL, ERROR_INVALID_HANDLE},
	{"wait 0 on an unsignalled event", e_timeout0, K_WAIT, WAIT_TIMEOUT,
	 E_KEEP},
	{"wait 100 ms on an unsignalled event", e_timeout100, K_WAIT,
	 WAIT_TIMEOUT, E_KEEP},
	{"a 150 ms timeout takes about 150 ms", e_timeout_elapsed, K_BOOL, 1,
	 E_ANY},
	{"wait on a set event", e_signalled, K_WAIT, WAIT_OBJECT_0, E_KEEP},
	{"bInitialState TRUE", e_initial_set, K_WAIT, WAIT_OBJECT_0, E_KEEP},
	{"manual reset: stays set over waits", e_manual_stays, K_WAIT,
	 WAIT_OBJECT_0, E_KEEP},
	{"manual reset: ResetEvent", e_manual_reset, K_WAIT, WAIT_TIMEOUT,
	 E_KEEP},
	{"auto reset: one wait resets it", e_auto_resets, K_WAIT, WAIT_TIMEOUT,
	 E_KEEP},
	{"PulseEvent without waiters leaves it reset", e_pulse_no_waiters,
	 K_WAIT, WAIT_TIMEOUT, E_KEEP},
	{"SetEvent on a set event", e_set_twice, K_BOOL, TRUE, E_KEEP},
	{"SetEvent garbage handle", e_set_garbage, K_BOOL, FALSE,
	 ERROR_INVALID_HANDLE},
	{"SetEvent on a mutex handle", e_set_on_mutex, K_BOOL, FALSE,
	 ERROR_INVALID_HANDLE},
	{"SetEvent wakes a waiting thread", e_wakes_thread, K_WAIT,
	 WAIT_OBJECT_0, E_ANY},
	{"SetEvent (auto) with a thread waiting: the setter's wait(0) times out",
	 e_set_hands_to_waiter, K_WAIT, WAIT_TIMEOUT, E_KEEP},
};

/* ------------------------------------------------------------------ */
/* Mutexes                                                            */

static struct obs x_fresh(void)
{
	ARM();
	HANDLE m = CreateMutexA(NULL, FALSE, "w32-mx");
	struct obs o = seen(hv(m));
	CloseHandle(m);
	return o;
}

static struct obs x_again(void)
{
	HANDLE a = CreateMutexA(NULL, FALSE, "w32-mx");
	NEED(a);
	ARM();
	HANDLE b = CreateMutexA(NULL, FALSE, "w32-mx");
	struct obs o = seen(hv(b));
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

static struct obs x_open_missing(void)
{
	ARM();
	HANDLE m = OpenMutexA(MUTEX_ALL_ACCESS, FALSE, "w32-nope");
	struct obs o = seen(hv(m));
	CloseHandle(m);
	return o;
}

static struct obs x_open_null(void)
{
	ARM();
	HANDLE m = OpenMutexA(MUTEX_ALL_ACCESS, FALSE, NULL);
	struct obs o = seen(hv(m));
	CloseHandle(m);
	return o;
}

static struct obs x_open_access0(void)
{
	HANDLE a = CreateMutexA(NULL, FALSE, "w32-mx");
	NEED(a);
	ARM();
	HANDLE b = OpenMutexA(0, FALSE, "w32-mx");
	struct obs o = seen(hv(b));
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

static struct obs open_mutex_wait(DWORD access)
{
	HANDLE a = CreateMutexA(NULL, FALSE, "w32-mx");
	NEED(a);
	HANDLE b = OpenMutexA(access, FALSE, "w32-mx");
	NEED(b);
	ARM();
	DWORD r = WaitForSingleObject(b, 0);
	struct obs o = seen(r);
	if (r == WAIT_OBJECT_0)
		ReleaseMutex(b);
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

/* Opens a fresh named object of type t ('e', 'm', 's') with access;
 * with a handle, proves it works: waits on it (which needs SYNCHRONIZE). */
static struct obs open_with_access(char t, DWORD access)
{
	const char *n = "w32-acc";
	HANDLE a = t == 'e'   ? CreateEventA(NULL, TRUE, TRUE, n)
	           : t == 'm' ? CreateMutexA(NULL, FALSE, n)
	                      : CreateSemaphoreA(NULL, 5, 5, n);
	NEED(a);
	ARM();
	HANDLE b = t == 'e'   ? OpenEventA(access, FALSE, n)
	           : t == 'm' ? OpenMutexA(access, FALSE, n)
	                      : OpenSemaphoreA(access, FALSE, n);
	struct obs o = seen(hv(b));
	if (b && WaitForSingleObject(b, 0) != WAIT_OBJECT_0)
		o.ret = -2;
	if (b && t == 'm' && !ReleaseMutex(b))
		o.ret = -3;
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

static struct obs x_open_undefined_right(void)
{
	return open_with_access('m', 0x0002); /* no such mutex right */
}

static struct obs x_open_reserved_bit(void)
{
	return open_with_access('m', SYNCHRONIZE | 0x00200000);
}

static struct obs x_open_system_security(void)
{
	return open_with_access('m', SYNCHRONIZE | 0x01000000);
}

static struct obs x_open_maximum_allowed(void)
{
	return open_with_access('m', 0x02000000); /* MAXIMUM_ALLOWED */
}

static struct obs e_open_undefined_right(void)
{
	return open_with_access('e', SYNCHRONIZE | 0x0004);
}

static struct obs e_open_maximum_allowed(void)
{
	return open_with_access('e', 0x02000000);
}

static struct obs s_open_undefined_right(void)
{
	return open_with_access('s', SYNCHRONIZE | 0x0008);
}

static struct obs s_open_reserved_bit(void)
{
	return open_with_access('s', SYNCHRONIZE | 0x08000000);
}

static struct obs x_generic_execute_waits(void)
{
	return open_mutex_wait(GENERIC_EXECUTE);
}

static struct obs x_synchronize_waits(void)
{
	return open_mutex_wait(SYNCHRONIZE);
}

static struct obs x_generic_rw_no_wait(void)
{
	return open_mutex_wait(GENERIC_READ | GENERIC_WRITE);
}

static struct obs release_mutex(HANDLE m)
{
	ARM();
	BOOL ok = ReleaseMutex(m);
	return seen(ok);
}

static struct obs x_release_unowned(void)
{
	HANDLE m = CreateMutexA(NULL, FALSE, NULL);
	NEED(m);
	struct obs o = release_mutex(m);
	CloseHandle(m);
	return o;
}

struct holder {
	HANDLE m, go;
	atomic_int owned;
	DWORD waited;
};

/* Owns the mutex until go is set (or, with go NULL, exits owning it). */
static void *hold_mutex(void *arg)
{
	struct holder *h = arg;
	h->waited = WaitForSingleObject(h->m, 5000);
	atomic_store(&h->owned, 1);
	if (h->go) {
		WaitForSingleObject(h->go, 10000);
		ReleaseMutex(h->m);
	}
	return NULL;
}

static int wait_flag(atomic_int *f)
{
	for (int i = 0; i < 5000 && !atomic_load(f); i++)
		usleep(1000);
	return atomic_load(f);
}

static struct obs x_release_other_thread(void)
{
	struct holder h = {CreateMutexA(NULL, FALSE, NULL),
	                   CreateEventA(NULL, TRUE, FALSE, NULL), 0, 0};
	NEED(h.m && h.go);
	pthread_t t;
	NEED(pthread_create(&t, NULL, hold_mutex, &h) == 0);
	wait_flag(&h.owned);
	struct obs o = release_mutex(h.m);
	SetEvent(h.go);
	pthread_join(t, NULL);
	CloseHandle(h.go);
	CloseHandle(h.m);
	return o;
}

static struct obs x_recursive(void)
{
	HANDLE m = CreateMutexA(NULL, FALSE, NULL);
	NEED(m);
	for (int i = 0; i < 3; i++)
		NEED(WaitForSingleObject(m, 0) == WAIT_OBJECT_0);
	for (int i = 0; i < 3; i++)
		NEED(ReleaseMutex(m));
	struct obs o = release_mutex(m);
	CloseHandle(m);
	return o;
}

static void *try_mutex(void *arg)
{
	return (void *)(uintptr_t)WaitForSingleObject((HANDLE)arg, 0);
}

/* Another thread's wait of 0 ms on m. */
static DWORD other_thread_try(HANDLE m)
{
	pthread_t t;
	void *r;
	if (pthread_create(&t, NULL, try_mutex, m))
		return 0xbad;
	pthread_join(t, &r);
	return (DWORD)(uintptr_t)r;
}

static struct obs x_recursive_held(void)
{
	/* Two waits, one release: the mutex is still owned. */
	HANDLE m = CreateMutexA(NULL, FALSE, NULL);
	NEED(m);
	NEED(WaitForSingleObject(m, 0) == WAIT_OBJECT_0);
	NEED(WaitForSingleObject(m, 0) == WAIT_OBJECT_0);
	NEED(ReleaseMutex(m));
	struct obs o = val(other_thread_try(m));
	ReleaseMutex(m);
	CloseHandle(m);
	return o;
}

static struct obs x_initial_owner(void)
{
	HANDLE m = CreateMutexA(NULL, TRUE, NULL);
	NEED(m);
	struct obs o = val(other_thread_try(m));
	ReleaseMutex(m);
	CloseHandle(m);
	return o;
}

static struct obs x_initial_owner_existing_ignored(void)
{
	HANDLE a = CreateMutexA(NULL, FALSE, "w32-mx");
	NEED(a);
	HANDLE b = CreateMutexA(NULL, TRUE, "w32-mx");
	NEED(b);
	struct obs o = release_mutex(b);
	CloseHandle(b);
	CloseHandle(a);
	return o;
}

/* A thread takes m and ends without releasing it. */
static int abandon_by_thread(HANDLE m)
{
	struct holder h = {m, NULL, 0, 0};
	pthread_t t;
	if (pthread_create(&t, NULL, hold_mutex, &h))
		return -1;
	pthread_join(t, NULL);
	return h.waited == WAIT_OBJECT_0 ? 0 : -1;
}

static struct obs x_abandoned_thread(void)
{
	HANDLE m = CreateMutexA(NULL, FALSE, NULL);
	NEED(m);
	NEED(abandon_by_thread(m) == 0);
	ARM();
	DWORD r = WaitForSingleObject(m, 5000);
	struct obs o = seen(r);
	o.err = E_ANY;
	if (r == WAIT_ABANDONED || r == WAIT_OBJECT_0)
		ReleaseMutex(m);
	CloseHandle(m);
	return o;
}

static struct obs x_abandoned_then_owned(void)
{
	HANDLE m = CreateMutexA(NULL, FALSE, NULL);
	NEED(m);
	NEED(abandon_by_thread(m) == 0);
	WaitForSingleObject(m, 5000);
	struct obs o = release_mutex(m);
	o.err = E_ANY;
	CloseHandle(m);
	return o;
}

static struct obs x_abandoned_multi(void)
{
	HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
	HANDLE m = CreateMutexA(NULL, FALSE, NULL);
	NEED(ev && m);
	NEED(abandon_by_thread(m) == 0);
	HANDLE hs[2] = {ev, m};
	ARM();
	DWORD r = WaitForMultipleObjects(2, hs, FALSE, 5000);
	struct obs o = seen(r);
	o.err = E_ANY;
	if (r == WAIT_ABANDONED_0 + 1 || r == WAIT_OBJECT_0 + 1)
		ReleaseMutex(m);
	CloseHandle(m);
	CloseHandle(ev);
	return o;
}

static const struct row mutex_rows[] = {
	{"CreateMutexA fresh name", x_fresh, K_HANDLE, H_OK, 0},
	{"CreateMutexA existing name", x_again, K_HANDLE, H_OK,
	 ERROR_ALREADY_EXISTS},
	{"OpenMutexA missing name", x_open_missing, K_HANDLE, H_NULL,
	 ERROR_FILE_NOT_FOUND},
	{"OpenMutexA NULL name", x_open_null, K_HANDLE, H_NULL,
	 ERROR_INVALID_PARAMETER},
	{"OpenMutexA access 0", x_open_access0, K_HANDLE, H_NULL,
	 ERROR_ACCESS_DENIED},
	{"OpenMutexA with a right mutexes do not have", x_open_undefined_right,
	 K_HANDLE, H_NULL, ERROR_ACCESS_DENIED},
	{"OpenMutexA with a reserved access bit", x_open_reserved_bit,
	 K_HANDLE, H_NULL, ERROR_ACCESS_DENIED},
	{"OpenMutexA with ACCESS_SYSTEM_SECURITY", x_open_system_security,
	 K_HANDLE, H_NULL, ERROR_PRIVILEGE_NOT_HELD},
	{"OpenMutexA(MAXIMUM_ALLOWED): waits and releases",
	 x_open_maximum_allowed, K_HANDLE, H_OK, ERROR_SUCCESS},
	{"OpenEventA with a right events do not have", e_open_undefined_right,
	 K_HANDLE, H_NULL, ERROR_ACCESS_DENIED},
	{"OpenEventA(MAXIMUM_ALLOWED) can wait", e_open_maximum_allowed,
	 K_HANDLE, H_OK, ERROR_SUCCESS},
	{"OpenSemaphoreA with a right semaphores do not have",
	 s_open_undefined_right, K_HANDLE, H_NULL, ERROR_ACCESS_DENIED},
	{"OpenSemaphoreA with a reserved access bit", s_open_reserved_bit,
	 K_HANDLE, H_NULL, ERROR_ACCESS_DENIED},
	{"OpenMutexA(GENERIC_EXECUTE) handle can wait",
	 x_generic_execute_waits, K_WAIT, WAIT_OBJECT_0, E_KEEP},
	{"OpenMutexA(SYNCHRONIZE) handle can wait", x_synchronize_waits,
	 K_WAIT, WAIT_OBJECT_0, E_KEEP},
	{"OpenMutexA(GENERIC_READ|WRITE) handle cannot wait",
	 x_generic_rw_no_wait, K_WAIT, WAIT_FAILED, ERROR_ACCESS_DENIED},
	{"ReleaseMutex of an unowned mutex", x_release_unowned, K_BOOL, FALSE,
	 ERROR_NOT_OWNER},
	{"ReleaseMutex by a non-owner thread", x_release_other_thread, K_BOOL,
	 FALSE, ERROR_NOT_OWNER},
	{"recursive: 3 waits, 3 releases, 4th fails", x_recursive, K_BOOL,
	 FALSE, ERROR_NOT_OWNER},
	{"recursive: 2 waits, 1 release: still owned", x_recursive_held,
	 K_WAIT, WAIT_TIMEOUT, E_ANY},
	{"bInitialOwner: another thread cannot take it", x_initial_owner,
	 K_WAIT, WAIT_TIMEOUT, E_ANY},
	{"bInitialOwner ignored for an existing mutex",
	 x_initial_owner_existing_ignored, K_BOOL, FALSE, ERROR_NOT_OWNER},
	{"owner thread ended: WAIT_ABANDONED", x_abandoned_thread, K_WAIT,
	 WAIT_ABANDONED, E_ANY},
	{"abandoned mutex is owned by the waiter", x_abandoned_then_owned,
	 K_BOOL, TRUE, E_ANY},
	{"WaitForMultipleObjects: WAIT_ABANDONED_0 + index", x_abandoned_multi,
	 K_WAIT, WAIT_ABANDONED_0 + 1, E_ANY},
	{"ReleaseMutex with a thread waiting: the releaser's wait(0) times out",
	 x_release_hands_to_waiter, K_WAIT, WAIT_TIMEOUT, E_KEEP},
};

/* ------------------------------------------------------------------ */
/* Semaphores                                                         */

static struct obs bad_sem(LONG initial, LONG max)
{
	ARM();
	HANDLE s = CreateSemaphoreA(NULL, initial, max, "w32-sem");
	struct obs o = seen(hv(s));
	CloseHandle(s);
	return o;
}

static struct obs s_initial_gt_max(void)
{
	return bad_sem(2, 1);
}

static struct obs s_max0(void)
{
	return bad_sem(0, 0);
}

static struct obs s_initial_negative(void)
{
	return bad_sem(-1, 1);
}

static struct obs s_fresh(void)
{
	return bad_sem(0, 1);
}

static struct obs s_again(void)
{
	HANDLE a = CreateSemaphoreA(NULL, 0, 1, "w32-sem");
	NEED(a);
	struct obs o = bad_sem(0, 1);
	CloseHandle(a);
	return o;
}

static struct obs s_again_keeps_counts(void)
{
	HANDLE a = CreateSemaphoreA(NULL, 1, 5, "w32-sem");
	NEED(a);
	HANDLE b = CreateSemaphoreA(NULL, 0, 1, "w32-sem");
	NEED(b);
	LONG prev = -1;
	BOOL ok = ReleaseSemaphore(b, 3, &prev); /* fits in 5, not in 1 */
	CloseHandle(b);
	CloseHandle(a);
	return val(ok ? prev : -100);
}

static struct obs s_open_missing(void)
{
	ARM();
	HANDLE s = OpenSemaphoreA(SEMAPHORE_ALL_ACCESS, FALSE, "w32-nope");
	struct obs o = seen(hv(s));
	CloseHandle(s);
	return o;
}

static struct obs s_past_max(void)
{
	HANDLE s = CreateSemaphoreA(NULL, 1, 2, NULL);
	NEED(s);
	LONG prev = 12345;
	ARM();
	BOOL ok = ReleaseSemaphore(s, 2, &prev);
	struct obs o = seen(ok);
	CloseHandle(s);
	return o;
}

static struct obs s_past_max_count_unchanged(void)
{
	HANDLE s = CreateSemaphoreA(NULL, 1, 2, NULL);
	NEED(s);
	ReleaseSemaphore(s, 2, NULL);
	int n = 0;
	while (n < 5 && WaitForSingleObject(s, 0) == WAIT_OBJECT_0)
		n++;
	CloseHandle(s);
	return val(n);
}

static struct obs s_past_max_prev_untouched(void)
{
	HANDLE s = CreateSemaphoreA(NULL, 1, 2, NULL);
	NEED(s);
	LONG prev = 12345;
	ReleaseSemaphore(s, 2, &prev);
	CloseHandle(s);
	return val(prev);
}

static struct obs s_previous_count(void)
{
	HANDLE s = CreateSemaphoreA(NULL, 0, 3, NULL);
	NEED(s);
	LONG p1 = -1, p2 = -1;
	NEED(ReleaseSemaphore(s, 1, &p1));
	NEED(ReleaseSemaphore(s, 2, &p2));
	CloseHandle(s);
	return val(p1 * 10 + p2);
}

static struct obs s_release_zero(void)
{
	HANDLE s = CreateSemaphoreA(NULL, 0, 3, NULL);
	NEED(s);
	ARM();
	BOOL ok = ReleaseSemaphore(s, 0, NULL);
	struct obs o = seen(ok);
	CloseHandle(s);
	return o;
}

static struct obs s_release_null_prev(void)
{
	HANDLE s = CreateSemaphoreA(NULL, 0, 3, NULL);
	NEED(s);
	ARM();
	BOOL ok = ReleaseSemaphore(s, 1, NULL);
	struct obs o = seen(ok);
	CloseHandle(s);
	return o;
}

static struct obs s_waits_take_counts(void)
{
	HANDLE s = CreateSemaphoreA(NULL, 2, 2, NULL);
	NEED(s);
	NEED(WaitForSingleObject(s, 0) == WAIT_OBJECT_0);
	NEED(WaitForSingleObject(s, 0) == WAIT_OBJECT_0);
	ARM();
	DWORD r = WaitForSingleObject(s, 0);
	struct obs o = seen(r);
	CloseHandle(s);
	return o;
}

static const struct row sem_rows[] = {
	{"CreateSemaphoreA initial > max", s_initial_gt_max, K_HANDLE, H_NULL,
	 ERROR_INVALID_PARAMETER},
	{"CreateSemaphoreA max 0", s_max0, K_HANDLE, H_NULL,
	 ERROR_INVALID_PARAMETER},
	{"CreateSemaphoreA initial < 0", s_initial_negative, K_HANDLE, H_NULL,
	 ERROR_INVALID_PARAMETER},
	{"CreateSemaphoreA fresh name", s_fresh, K_HANDLE, H_OK, 0},
	{"CreateSemaphoreA existing name", s_again, K_HANDLE, H_OK,
	 ERROR_ALREADY_EXISTS},
	{"existing semaphore keeps counts (prev 1, max 5)",
	 s_again_keeps_counts, K_NUM, 1, E_ANY},
	{"OpenSemaphoreA missing name", s_open_missing, K_HANDLE, H_NULL,
	 ERROR_FILE_NOT_FOUND},
	{"ReleaseSemaphore past the maximum", s_past_max, K_BOOL, FALSE,
	 ERROR_TOO_MANY_POSTS},
	{"... count unchanged (1 wait succeeds)", s_past_max_count_unchanged,
	 K_NUM, 1, E_ANY},
	{"... lpPreviousCount not written", s_past_max_prev_untouched, K_NUM,
	 12345, E_ANY},
	{"lpPreviousCount 0 then 1 (shown as 10*p1+p2)", s_previous_count,
	 K_NUM, 1, E_ANY},
	{"ReleaseSemaphore count 0", s_release_zero, K_BOOL, FALSE,
	 ERROR_INVALID_PARAMETER},
	{"ReleaseSemaphore lpPreviousCount NULL", s_release_null_prev, K_BOOL,
	 TRUE, E_KEEP},
	{"each wait takes one count", s_waits_take_counts, K_WAIT,
	 WAIT_TIMEOUT, E_KEEP},
	{"ReleaseSemaphore with a thread waiting: the releaser's wait(0) "
	 "times out",
	 s_release_hands_to_waiter, K_WAIT, WAIT_TIMEOUT, E_KEEP},
};

/* ------------------------------------------------------------------ */
/* WaitForMultipleObjects                                             */

static void close_all(HANDLE *h, int n)
{
	for (int i = 0; i < n; i++)
		CloseHandle(h[i]);
}

static struct obs w_lowest(void)
{
	HANDLE h[3];
	for (int i = 0; i < 3; i++)
		NEED(h[i] = CreateEventA(NULL, TRUE, FALSE, NULL));
	SetEvent(h[2]);
	SetEvent(h[1]);
	ARM();
	DWORD r = WaitForMultipleObjects(3, h, FALSE, 0);
	struct obs o = seen(r);
	close_all(h, 3);
	return o;
}

static struct obs w_others_untouched(void)
{
	HANDLE h[2];
	for (int i = 0; i < 2; i++)
		NEED(h[i] = CreateEventA(NULL, FALSE, TRUE, NULL));
	NEED(WaitForMultipleObjects(2, h, FALSE, 0) == WAIT_OBJECT_0);
	ARM();
	DWORD r = WaitForSingleObject(h[1], 0); /* still set */
	struct obs o = seen(r);
	close_all(h, 2);
	return o;
}

static struct obs w_all_timeout(void)
{
	HANDLE h[2] = {CreateEventA(NULL, FALSE, FALSE, NULL),
	               CreateEventA(NULL, FALSE, TRUE, NULL)};
	NEED(h[0] && h[1]);
	ARM();
	DWORD r = WaitForMultipleObjects(2, h, TRUE, 50);
	struct obs o = seen(r);
	close_all(h, 2);
	return o;
}

static struct obs w_all_nothing_taken(void)
{
	HANDLE h[2] = {CreateEventA(NULL, FALSE, FALSE, NULL),
	               CreateSemaphoreA(NULL, 1, 1, NULL)};
	NEED(h[0] && h[1]);
	WaitForMultipleObjects(2, h, TRUE, 0);
	ARM();
	DWORD r = WaitForSingleObject(h[1], 0);
	struct obs o = seen(r);
	close_all(h, 2);
	return o;
}

static struct obs w_all_ok(void)
{
	HANDLE h[3] = {CreateEventA(NULL, FALSE, TRUE, NULL),
	               CreateSemaphoreA(NULL, 1, 1, NULL),
	               CreateMutexA(NULL, FALSE, NULL)};
	NEED(h[0] && h[1] && h[2]);
	ARM();
	DWORD r = WaitForMultipleObjects(3, h, TRUE, 0);
	struct obs o = seen(r);
	if (r == WAIT_OBJECT_0) {
		ReleaseMutex(h[2]);
		/* All taken: the event and the semaphore are down. */
		if (WaitForMultipleObjects(2, h, FALSE, 0) != WAIT_TIMEOUT)
			o.ret = -2;
	}
	close_all(h, 3);
	return o;
}

static struct obs w_count(DWORD n)
{
	HANDLE h[MAXIMUM_WAIT_OBJECTS + 1];
	for (int i = 0; i <= MAXIMUM_WAIT_OBJECTS; i++)
		NEED(h[i] = CreateEventA(NULL, TRUE, TRUE, NULL));
	ARM();
	DWORD r = WaitForMultipleObjects(n, h, FALSE, 0);
	struct obs o = seen(r);
	close_all(h, MAXIMUM_WAIT_OBJECTS + 1);
	return o;
}

static struct obs w_count0(void)
{
	return w_count(0);
}

static struct obs w_count65(void)
{
	return w_count(MAXIMUM_WAIT_OBJECTS + 1);
}

static struct obs w_count64(void)
{
	HANDLE h[MAXIMUM_WAIT_OBJECTS];
	for (int i = 0; i < MAXIMUM_WAIT_OBJECTS; i++)
		NEED(h[i] = CreateEventA(NULL, TRUE, FALSE, NULL));
	SetEvent(h[63]);
	ARM();
	DWORD r = WaitForMultipleObjects(64, h, FALSE, 0);
	struct obs o = seen(r);
	close_all(h, MAXIMUM_WAIT_OBJECTS);
	return o;
}

static struct obs w_dup(BOOL all)
{
	HANDLE e = CreateEventA(NULL, TRUE, TRUE, NULL);
	NEED(e);
	HANDLE h[2] = {e, e};
	ARM();
	DWORD r = WaitForMultipleObjects(2, h, all, 0);
	struct obs o = seen(r);
	CloseHandle(e);
	return o;
}

static struct obs w_dup_all(void)
{
	return w_dup(TRUE);
}

static struct obs w_dup_any(void)
{
	return w_dup(FALSE);
}

static struct obs w_garbage_in_array(void)
{
	HANDLE e = CreateEventA(NULL, TRUE, TRUE, NULL);
	NEED(e);
	HANDLE h[2] = {e, (HANDLE)(uintptr_t)0xdeadbee0};
	ARM();
	DWORD r = WaitForMultipleObjects(2, h, FALSE, 0);
	struct obs o = seen(r);
	CloseHandle(e);
	return o;
}

static const struct row wait_rows[] = {
	{"wait-any returns the lowest signalled index", w_lowest, K_WAIT,
	 WAIT_OBJECT_0 + 1, E_KEEP},
	{"wait-any takes only that object", w_others_untouched, K_WAIT,
	 WAIT_OBJECT_0, E_KEEP},
	{"wait-all with one unsignalled times out", w_all_timeout, K_WAIT,
	 WAIT_TIMEOUT, E_KEEP},
	{"wait-all timing out takes nothing", w_all_nothing_taken, K_WAIT,
	 WAIT_OBJECT_0, E_KEEP},
	{"wait-all on event+semaphore+mutex takes all", w_all_ok, K_WAIT,
	 WAIT_OBJECT_0, E_KEEP},
	{"nCount 0", w_count0, K_WAIT, WAIT_FAILED, ERROR_INVALID_PARAMETER},
	{"nCount 65", w_count65, K_WAIT, WAIT_FAILED, ERROR_INVALID_PARAMETER},
	{"nCount 64, only the last set", w_count64, K_WAIT, WAIT_OBJECT_0 + 63,
	 E_KEEP},
	{"same object twice, wait-all", w_dup_all, K_WAIT, WAIT_FAILED,
	 ERROR_INVALID_PARAMETER},
	{"same object twice, wait-any", w_dup_any, K_WAIT, WAIT_OBJECT_0,
	 E_KEEP},
	{"garbage handle in the array", w_garbage_in_array, K_WAIT, WAIT_FAILED,
	 ERROR_INVALID_HANDLE},
};

/* ------------------------------------------------------------------ */
/* Files                                                              */

static struct obs create_file(const char *name, DWORD access, DWORD disp,
                              DWORD existing_bytes, long long *size_after)
{
	char p[600];
	fpath(p, sizeof p, name);
	if (existing_bytes != (DWORD)-1) {
		HANDLE f = scratch_file(name, GENERIC_READ | GENERIC_WRITE,
		                        existing_bytes);
		NEED(f != IHV);
		CloseHandle(f);
	}
	ARM();
	HANDLE h = CreateFileA(p, access, FILE_SHARE_READ, NULL, disp,
	                       FILE_ATTRIBUTE_NORMAL, NULL);
	struct obs o = seen(hv(h));
	if (size_after)
		*size_after = h != IHV ? (long long)GetFileSize(h, NULL) : -1;
	if (h != IHV)
		CloseHandle(h);
	DeleteFileA(p);
	return o;
}

#define NONE ((DWORD)-1) /* the file does not exist beforehand */
#define RW (GENERIC_READ | GENERIC_WRITE)

static struct obs f_open_missing(void)
{
	return create_file("f", GENERIC_READ, OPEN_EXISTING, NONE, NULL);
}

static struct obs f_open_missing_dir(void)
{
	return create_file("nodir/f", GENERIC_READ, OPEN_EXISTING, NONE, NULL);
}

static struct obs f_open_existing(void)
{
	return create_file("f", GENERIC_READ, OPEN_EXISTING, 10, NULL);
}

static struct obs f_create_new_fresh(void)
{
	return create_file("f", RW, CREATE_NEW, NONE, NULL);
}

static struct obs f_create_new_existing(void)
{
	return create_file("f", RW, CREATE_NEW, 10, NULL);
}

static struct obs f_create_always_fresh(void)
{
	return create_file("f", RW, CREATE_ALWAYS, NONE, NULL);
}

static struct obs f_create_always_existing(void)
{
	return create_file("f", RW, CREATE_ALWAYS, 10, NULL);
}

static struct obs f_create_always_truncates(void)
{
	long long size;
	struct obs o = create_file("f", RW, CREATE_ALWAYS, 10, &size);
	return o.ret == R_SETUP ? o : val(size);
}

static struct obs f_open_always_fresh(void)
{
	return create_file("f", RW, OPEN_ALWAYS, NONE, NULL);
}

static struct obs f_open_always_existing(void)
{
	return create_file("f", RW, OPEN_ALWAYS, 10, NULL);
}

static struct obs f_open_always_keeps(void)
{
	long long size;
	struct obs o = create_file("f", RW, OPEN_ALWAYS, 10, &size);
	return o.ret == R_SETUP ? o : val(size);
}

static struct obs f_truncate_existing_missing(void)
{
	return create_file("f", RW, TRUNCATE_EXISTING, NONE, NULL);
}

static struct obs f_bad_disposition(void)
{
	return create_file("f", RW, 0, NONE, NULL);
}

static struct obs f_create_w(void)
{
	char p[600];
	wchar_t w[600];
	fpath(p, sizeof p, "wide");
	NEED(mbstowcs(w, p, 600) != (size_t)-1);
	ARM();
	HANDLE h = CreateFileW(w, RW, 0, NULL, CREATE_NEW, 0, NULL);
	struct obs o = seen(hv(h));
	if (h != IHV)
		CloseHandle(h);
	DeleteFileW(w);
	return o;
}

/* An open read-write file "rw" holding "0123456789", pointer at 10. */
static HANDLE ten_bytes(void)
{
	char p[600];
	fpath(p, sizeof p, "rw");
	HANDLE h = CreateFileA(p, RW, 0, NULL, CREATE_ALWAYS, 0, NULL);
	DWORD n = 0;
	if (h != IHV && (!WriteFile(h, "0123456789", 10, &n, NULL) || n != 10)) {
		CloseHandle(h);
		h = IHV;
	}
	return h;
}

static void done_rw(HANDLE h)
{
	CloseHandle(h);
	rm_file("rw");
}

static struct obs f_write(void)
{
	char p[600];
	fpath(p, sizeof p, "rw");
	HANDLE h = CreateFileA(p, RW, 0, NULL, CREATE_ALWAYS, 0, NULL);
	NEED(h != IHV);
	DWORD n = 0;
	ARM();
	BOOL ok = WriteFile(h, "0123456789", 10, &n, NULL);
	struct obs o = seen(ok ? (long long)n : -1);
	o.err = E_ANY;
	done_rw(h);
	return o;
}

static struct obs f_read_back(void)
{
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	NEED(SetFilePointer(h, 0, NULL, FILE_BEGIN) == 0);
	char buf[100] = {0};
	DWORD n = 0;
	BOOL ok = ReadFile(h, buf, sizeof buf, &n, NULL);
	done_rw(h);
	return val(ok && n == 10 && !memcmp(buf, "0123456789", 10) ? (long long)n : -1);
}

static struct obs f_read_eof(void)
{
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	char buf[8];
	DWORD n = 99;
	ARM();
	BOOL ok = ReadFile(h, buf, sizeof buf, &n, NULL);
	struct obs o = seen(ok ? (long long)n : -1);
	o.err = E_ANY;
	done_rw(h);
	return o;
}

static struct obs f_get_size(void)
{
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	DWORD high = 77;
	DWORD lo = GetFileSize(h, &high);
	done_rw(h);
	return val(((long long)high << 32) | lo);
}

static struct obs f_get_size_ex(void)
{
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	LARGE_INTEGER li;
	li.QuadPart = -1;
	BOOL ok = GetFileSizeEx(h, &li);
	done_rw(h);
	return val(ok ? li.QuadPart : -1);
}

static struct obs f_get_size_invalid(void)
{
	ARM();
	DWORD r = GetFileSize((HANDLE)(uintptr_t)0xdeadbee0, NULL);
	return seen(r);
}

static struct obs f_seek_negative(void)
{
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	ARM();
	DWORD r = SetFilePointer(h, -11, NULL, FILE_CURRENT);
	struct obs o = seen(r);
	done_rw(h);
	return o;
}

static struct obs f_seek_negative_not_moved(void)
{
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	SetFilePointer(h, 4, NULL, FILE_BEGIN);
	SetFilePointer(h, -10, NULL, FILE_BEGIN);
	DWORD r = SetFilePointer(h, 0, NULL, FILE_CURRENT);
	done_rw(h);
	return val(r);
}

static struct obs f_seek_end(void)
{
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	ARM();
	DWORD r = SetFilePointer(h, -3, NULL, FILE_END);
	struct obs o = seen(r);
	o.err = E_ANY;
	done_rw(h);
	return o;
}

static struct obs f_seek_high(void)
{
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	LONG high = 1;
	DWORD lo = SetFilePointer(h, 0x10, &high, FILE_BEGIN);
	done_rw(h);
	return val(((long long)high << 32) | lo);
}

static struct obs f_seek_low_all_ones(void)
{
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	LONG high = 0;
	ARM();
	DWORD r = SetFilePointer(h, -1, &high, FILE_BEGIN); /* 0xFFFFFFFF */
	struct obs o = seen(r);
	done_rw(h);
	return o;
}

static struct obs f_seek_ex(void)
{
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	LARGE_INTEGER d, pos;
	d.QuadPart = -3;
	pos.QuadPart = -1;
	BOOL ok = SetFilePointerEx(h, d, &pos, FILE_CURRENT);
	done_rw(h);
	return val(ok ? pos.QuadPart : -1);
}

static struct obs f_set_end(LONG at)
{
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	SetFilePointer(h, at, NULL, FILE_BEGIN);
	BOOL ok = SetEndOfFile(h);
	DWORD size = GetFileSize(h, NULL);
	done_rw(h);
	return val(ok ? (long long)size : -1);
}

static struct obs f_set_end_extend(void)
{
	return f_set_end(4096);
}

static struct obs f_set_end_truncate(void)
{
	return f_set_end(3);
}

/* Opens "rw" (10 bytes) again with access and runs op on it. */
static struct obs on_reopened(DWORD access, char op)
{
	HANDLE w = ten_bytes();
	NEED(w != IHV);
	CloseHandle(w);
	char p[600], buf[4];
	fpath(p, sizeof p, "rw");
	HANDLE h = CreateFileA(p, access, FILE_SHARE_READ | FILE_SHARE_WRITE,
	                       NULL, OPEN_EXISTING, 0, NULL);
	NEED(h != IHV);
	DWORD n;
	BOOL ok;
	ARM();
	if (op == 'W')
		ok = WriteFile(h, "ab", 2, &n, NULL);
	else if (op == 'R')
		ok = ReadFile(h, buf, 2, &n, NULL);
	else if (op == 'E')
		ok = SetEndOfFile(h);
	else
		ok = FlushFileBuffers(h);
	struct obs o = seen(ok);
	if (ok)
		o.err = E_ANY;
	done_rw(h);
	return o;
}

static struct obs f_write_ro(void)
{
	return on_reopened(GENERIC_READ, 'W');
}

static struct obs f_read_wo(void)
{
	return on_reopened(GENERIC_WRITE, 'R');
}

static struct obs f_set_end_ro(void)
{
	return on_reopened(GENERIC_READ, 'E');
}

static struct obs f_flush(void)
{
	return on_reopened(RW, 'F');
}

static struct obs f_flush_ro(void)
{
	return on_reopened(GENERIC_READ, 'F');
}

static struct obs f_delete_missing(void)
{
	char p[600];
	fpath(p, sizeof p, "nothing-here");
	ARM();
	BOOL ok = DeleteFileA(p);
	return seen(ok);
}

static struct obs f_mapping_sees_writes(void)
{
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	HANDLE m = CreateFileMappingA(h, NULL, PAGE_READONLY, 0, 0, NULL);
	NEED(m);
	char *v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	NEED(v);
	SetFilePointer(h, 0, NULL, FILE_BEGIN);
	DWORD n;
	WriteFile(h, "AB", 2, &n, NULL); /* after the view was made */
	struct obs o = val(!memcmp(v, "AB23456789", 10));
	UnmapViewOfFile(v);
	CloseHandle(m);
	done_rw(h);
	return o;
}

static struct obs f_view_writes_file(void)
{
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	HANDLE m = CreateFileMappingA(h, NULL, PAGE_READWRITE, 0, 0, NULL);
	NEED(m);
	char *v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	NEED(v);
	memcpy(v + 8, "yz", 2);
	UnmapViewOfFile(v);
	CloseHandle(m);
	char buf[10];
	DWORD n = 0;
	SetFilePointer(h, 0, NULL, FILE_BEGIN);
	BOOL ok = ReadFile(h, buf, 10, &n, NULL);
	done_rw(h);
	return val(ok && n == 10 && !memcmp(buf, "01234567yz", 10));
}

/* ten_bytes' file with a section of protection prot whose file handle is
 * closed: the section alone holds the file. NULL if it cannot be made. */
static HANDLE mapped_ten(DWORD prot)
{
	HANDLE h = ten_bytes();
	if (h == IHV)
		return NULL;
	HANDLE m = CreateFileMappingA(h, NULL, prot, 0, 0, NULL);
	CloseHandle(h);
	if (!m)
		rm_file("rw");
	return m;
}

/* Opens "rw" with access, share and disposition: the normalised handle,
 * closed again. */
static struct obs open_rw(DWORD access, DWORD share, DWORD disposition)
{
	char p[600];
	fpath(p, sizeof p, "rw");
	ARM();
	HANDLE h = CreateFileA(p, access, share, NULL, disposition, 0, NULL);
	struct obs o = seen(hv(h));
	if (h != IHV)
		CloseHandle(h);
	return o;
}

/* SetEndOfFile at pos on a file a section of holds; with size, the size
 * afterwards instead. */
static struct obs mapped_set_end(LONG pos, int size)
{
	HANDLE m = mapped_ten(PAGE_READONLY);
	NEED(m);
	char p[600];
	fpath(p, sizeof p, "rw");
	HANDLE h = CreateFileA(p, RW, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
	                       OPEN_EXISTING, 0, NULL);
	NEED(h != IHV);
	SetFilePointer(h, pos, NULL, FILE_BEGIN);
	ARM();
	BOOL ok = SetEndOfFile(h);
	struct obs o = seen(ok);
	if (size)
		o = val(GetFileSize(h, NULL));
	CloseHandle(h);
	CloseHandle(m);
	rm_file("rw");
	return o;
}

static struct obs f_mapped_shrink(void)
{
	return mapped_set_end(3, 0);
}

static struct obs f_mapped_shrink_size(void)
{
	return mapped_set_end(3, 1);
}

static struct obs f_mapped_grow(void)
{
	return mapped_set_end(4096, 0);
}

static struct obs mapped_open(DWORD prot, DWORD access, DWORD share,
                              DWORD disposition)
{
	HANDLE m = mapped_ten(prot);
	NEED(m);
	struct obs o = open_rw(access, share, disposition);
	CloseHandle(m);
	rm_file("rw");
	return o;
}

static struct obs f_mapped_create_always(void)
{
	return mapped_open(PAGE_READONLY, GENERIC_WRITE,
	                   FILE_SHARE_READ | FILE_SHARE_WRITE, CREATE_ALWAYS);
}

static struct obs f_mapped_truncate_existing(void)
{
	return mapped_open(PAGE_READONLY, GENERIC_WRITE,
	                   FILE_SHARE_READ | FILE_SHARE_WRITE,
	                   TRUNCATE_EXISTING);
}

static struct obs f_rw_mapping_needs_share_write(void)
{
	return mapped_open(PAGE_READWRITE, GENERIC_READ, FILE_SHARE_READ,
	                   OPEN_EXISTING);
}

static struct obs f_ro_mapping_no_share(void)
{
	return mapped_open(PAGE_READONLY, GENERIC_READ | GENERIC_WRITE, 0,
	                   OPEN_EXISTING);
}

/* A second open, with access and share, of ten_bytes' file while a
 * first open (read-write, sharing share1) holds it. */
static struct obs second_open(DWORD share1, DWORD access, DWORD share)
{
	char p[600];
	fpath(p, sizeof p, "rw");
	HANDLE w = ten_bytes();
	NEED(w != IHV);
	CloseHandle(w);
	HANDLE h = CreateFileA(p, RW, share1, NULL, OPEN_EXISTING, 0, NULL);
	NEED(h != IHV);
	struct obs o = open_rw(access, share, OPEN_EXISTING);
	CloseHandle(h);
	rm_file("rw");
	return o;
}

static struct obs f_write_over_no_share_write(void)
{
	return second_open(FILE_SHARE_READ, GENERIC_WRITE,
	                   FILE_SHARE_READ | FILE_SHARE_WRITE);
}

static struct obs f_read_share_read_over_writer(void)
{
	return second_open(FILE_SHARE_READ, GENERIC_READ, FILE_SHARE_READ);
}

static struct obs f_query_over_no_share(void)
{
	return second_open(0, 0, 0);
}

static struct obs f_delete_open_no_share_delete(void)
{
	char p[600];
	fpath(p, sizeof p, "rw");
	HANDLE h = ten_bytes();
	NEED(h != IHV);
	ARM();
	BOOL ok = DeleteFileA(p);
	struct obs o = seen(ok);
	done_rw(h);
	return o;
}

static const struct row file_rows[] = {
	{"OPEN_EXISTING, missing file", f_open_missing, K_HANDLE, H_IHV,
	 ERROR_FILE_NOT_FOUND},
	{"OPEN_EXISTING, missing directory", f_open_missing_dir, K_HANDLE,
	 H_IHV, ERROR_PATH_NOT_FOUND},
	{"OPEN_EXISTING, existing file", f_open_existing, K_HANDLE, H_OK, 0},
	{"CREATE_NEW, fresh", f_create_new_fresh, K_HANDLE, H_OK, 0},
	{"CREATE_NEW, existing", f_create_new_existing, K_HANDLE, H_IHV,
	 ERROR_FILE_EXISTS},
	{"CREATE_ALWAYS, fresh", f_create_always_fresh, K_HANDLE, H_OK, 0},
	{"CREATE_ALWAYS, existing", f_create_always_existing, K_HANDLE, H_OK,
	 ERROR_ALREADY_EXISTS},
	{"CREATE_ALWAYS truncates (size 0)", f_create_always_truncates, K_NUM,
	 0, E_ANY},
	{"OPEN_ALWAYS, fresh", f_open_always_fresh, K_HANDLE, H_OK, 0},
	{"OPEN_ALWAYS, existing", f_open_always_existing, K_HANDLE, H_OK,
	 ERROR_ALREADY_EXISTS},
	{"OPEN_ALWAYS keeps contents (size 10)", f_open_always_keeps, K_NUM, 10,
	 E_ANY},
	{"TRUNCATE_EXISTING, missing file", f_truncate_existing_missing,
	 K_HANDLE, H_IHV, ERROR_FILE_NOT_FOUND},
	{"dwCreationDisposition 0", f_bad_disposition, K_HANDLE, H_IHV,
	 ERROR_INVALID_PARAMETER},
	{"CreateFileW CREATE_NEW, fresh", f_create_w, K_HANDLE, H_OK, 0},
	{"WriteFile 10 bytes (bytes written)", f_write, K_NUM, 10, E_ANY},
	{"ReadFile reads them back (bytes read)", f_read_back, K_NUM, 10,
	 E_ANY},
	{"ReadFile at end of file: TRUE, 0 bytes", f_read_eof, K_NUM, 0,
	 E_ANY},
	{"GetFileSize (high:low)", f_get_size, K_NUM, 10, E_ANY},
	{"GetFileSizeEx", f_get_size_ex, K_NUM, 10, E_ANY},
	{"GetFileSize garbage handle", f_get_size_invalid, K_NUM,
	 INVALID_FILE_SIZE, ERROR_INVALID_HANDLE},
	{"SetFilePointer before the start", f_seek_negative, K_NUM,
	 INVALID_SET_FILE_POINTER, ERROR_NEGATIVE_SEEK},
	{"... pointer not moved (stays 4)", f_seek_negative_not_moved, K_NUM, 4,
	 E_ANY},
	{"SetFilePointer FILE_END -3", f_seek_end, K_NUM, 7, E_ANY},
	{"SetFilePointer with high part (1:0x10)", f_seek_high, K_NUM,
	 0x100000010LL, E_ANY},
	{"SetFilePointer to 0xFFFFFFFF: error 0", f_seek_low_all_ones, K_NUM,
	 0xFFFFFFFFLL, 0},
	{"SetFilePointerEx FILE_CURRENT -3", f_seek_ex, K_NUM, 7, E_ANY},
	{"SetEndOfFile extends (size 4096)", f_set_end_extend, K_NUM, 4096,
	 E_ANY},
	{"SetEndOfFile truncates (size 3)", f_set_end_truncate, K_NUM, 3,
	 E_ANY},
	{"WriteFile on a GENERIC_READ handle", f_write_ro, K_BOOL, FALSE,
	 ERROR_ACCESS_DENIED},
	{"ReadFile on a GENERIC_WRITE handle", f_read_wo, K_BOOL, FALSE,
	 ERROR_ACCESS_DENIED},
	{"SetEndOfFile on a GENERIC_READ handle", f_set_end_ro, K_BOOL, FALSE,
	 ERROR_ACCESS_DENIED},
	{"FlushFileBuffers", f_flush, K_BOOL, TRUE, E_ANY},
	{"FlushFileBuffers on a GENERIC_READ handle", f_flush_ro, K_BOOL,
	 FALSE, ERROR_ACCESS_DENIED},
	{"DeleteFileA missing file", f_delete_missing, K_BOOL, FALSE,
	 ERROR_FILE_NOT_FOUND},
	{"file view sees later WriteFile", f_mapping_sees_writes, K_BOOL, 1,
	 E_ANY},
	{"writes through a view reach the file", f_view_writes_file, K_BOOL, 1,
	 E_ANY},
	{"SetEndOfFile shrinking a file with a section", f_mapped_shrink,
	 K_BOOL, FALSE, ERROR_USER_MAPPED_FILE},
	{"... size unchanged (10)", f_mapped_shrink_size, K_NUM, 10, E_ANY},
	{"SetEndOfFile growing a file with a section", f_mapped_grow, K_BOOL,
	 TRUE, E_ANY},
	{"CREATE_ALWAYS over a file with a section", f_mapped_create_always,
	 K_HANDLE, H_IHV, ERROR_USER_MAPPED_FILE},
	{"TRUNCATE_EXISTING over a file with a section",
	 f_mapped_truncate_existing, K_HANDLE, H_IHV, ERROR_USER_MAPPED_FILE},
	{"open not sharing write, PAGE_READWRITE section",
	 f_rw_mapping_needs_share_write, K_HANDLE, H_IHV,
	 ERROR_SHARING_VIOLATION},
	{"open sharing nothing, PAGE_READONLY section", f_ro_mapping_no_share,
	 K_HANDLE, H_OK, 0},
	{"GENERIC_WRITE over an open sharing read only",
	 f_write_over_no_share_write, K_HANDLE, H_IHV, ERROR_SHARING_VIOLATION},
	{"open sharing read only over a writer", f_read_share_read_over_writer,
	 K_HANDLE, H_IHV, ERROR_SHARING_VIOLATION},
	{"access 0, share 0 over an open sharing nothing",
	 f_query_over_no_share, K_HANDLE, H_OK, 0},
	{"DeleteFile of a file open without FILE_SHARE_DELETE",
	 f_delete_open_no_share_delete, K_BOOL, FALSE,
	 ERROR_SHARING_VIOLATION},
};

/* ------------------------------------------------------------------ */
/* Processes                                                          */

/* Starts "<self> child <args>". */
static BOOL spawn(const char *args, BOOL inherit, PROCESS_INFORMATION *pi)
{
	char cmd[5000];
	STARTUPINFOA si;
	memset(&si, 0, sizeof si);
	si.cb = sizeof si;
	snprintf(cmd, sizeof cmd, "\"%s\" child %s", g_self, args);
	return CreateProcessA(NULL, cmd, NULL, NULL, inherit, 0, NULL, NULL,
	                      &si, pi);
}

static void done_pi(PROCESS_INFORMATION *pi)
{
	if (WaitForSingleObject(pi->hProcess, 0) != WAIT_OBJECT_0) {
		TerminateProcess(pi->hProcess, 1);
		WaitForSingleObject(pi->hProcess, 10000);
	}
	CloseHandle(pi->hThread);
	CloseHandle(pi->hProcess);
}

/* Waits for the child; TRUE/0 if it exited 0, FALSE/code otherwise. */
static struct obs child_verdict(PROCESS_INFORMATION *pi)
{
	DWORD code = 0xffff;
	if (WaitForSingleObject(pi->hProcess, 20000) != WAIT_OBJECT_0 ||
	    !GetExitCodeProcess(pi->hProcess, &code)) {
		done_pi(pi);
		return setup_failed("the child process did not finish",
		                    __LINE__);
	}
	done_pi(pi);
	struct obs o = {code == 0, code};
	return o;
}

static struct obs p_missing(const char *cmd_fmt)
{
	char cmd[700];
	STARTUPINFOA si;
	PROCESS_INFORMATION pi;
	memset(&si, 0, sizeof si);
	si.cb = sizeof si;
	snprintf(cmd, sizeof cmd, cmd_fmt, g_fdir);
	ARM();
	BOOL ok = CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL,
	                         &si, &pi);
	struct obs o = seen(ok);
	if (ok)
		done_pi(&pi);
	return o;
}

static struct obs p_missing_path(void)
{
	return p_missing("%.0sshmap-w32-no-such-program arg");
}

static struct obs p_missing_abs(void)
{
	return p_missing("%s/no-such-program arg");
}

static struct obs p_create_ok(void)
{
	PROCESS_INFORMATION pi;
	ARM();
	BOOL ok = spawn("exit 0", FALSE, &pi);
	struct obs o = seen(ok);
	if (ok)
		done_pi(&pi);
	return o;
}

/* An application name with an empty command line (app_exe: as
 * "name.exe", a Linux program having no ".exe"): started, exits 0. */
static struct obs p_app_empty_cmdline(int app_exe)
{
	char cmd[1] = "";
	STARTUPINFOA si;
	PROCESS_INFORMATION pi;
	memset(&si, 0, sizeof si);
	si.cb = sizeof si;
	ARM();
	BOOL ok = CreateProcessA(app_exe ? "/bin/true.exe" : "/bin/true", cmd,
	                         NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi);
	if (!ok)
		return seen(ok);
	return child_verdict(&pi);
}

static struct obs p_app_empty(void)
{
	return p_app_empty_cmdline(0);
}

static struct obs p_app_exe_empty(void)
{
	return p_app_empty_cmdline(1);
}

/* A command line's bare program name in the parent's own directory, not
 * in PATH: found there first. */
static struct obs p_own_dir(void)
{
	char cmd[5000];
	STARTUPINFOA si;
	PROCESS_INFORMATION pi;
	memset(&si, 0, sizeof si);
	si.cb = sizeof si;
	const char *old = getenv("PATH");
	char *saved = old ? strdup(old) : NULL;
	NEED(!old || saved);
	snprintf(cmd, sizeof cmd, "%s child exit 0", strrchr(g_self, '/') + 1);
	setenv("PATH", "/nonexistent", 1);
	ARM();
	BOOL ok = CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL,
	                         &si, &pi);
	struct obs o = seen(ok);
	if (saved)
		setenv("PATH", saved, 1);
	else
		unsetenv("PATH");
	free(saved);
	if (!ok)
		return o;
	return child_verdict(&pi);
}

/* A child that waits for the event "w32-go" and then exits with 7. */
static struct obs running_child(char what)
{
	PROCESS_INFORMATION pi;
	HANDLE go = CreateEventA(NULL, TRUE, FALSE, "w32-go");
	NEED(go);
	NEED(spawn("wait w32-go 7", FALSE, &pi));
	struct obs o = {R_SETUP, 0};
	DWORD code = 0;
	if (what == 'A') { /* GetExitCodeProcess while running */
		BOOL ok = GetExitCodeProcess(pi.hProcess, &code);
		o = val(ok ? (long long)code : -1);
	} else if (what == 'T') { /* a wait with timeout while running */
		ARM();
		DWORD r = WaitForSingleObject(pi.hProcess, 0);
		o = seen(r);
	}
	SetEvent(go);
	DWORD r = WaitForSingleObject(pi.hProcess, 20000);
	if (what == 'W') { /* the wait for the end */
		o = val(r);
	} else if (what == 'H') { /* the thread handle ends too */
		o = val(WaitForSingleObject(pi.hThread, 20000));
	} else if (what == 'C') { /* the exit code */
		BOOL ok = GetExitCodeProcess(pi.hProcess, &code);
		o = val(ok ? (long long)code : -1);
	}
	done_pi(&pi);
	CloseHandle(go);
	return o;
}

static struct obs p_still_active(void)
{
	return running_child('A');
}

static struct obs p_wait_running(void)
{
	return running_child('T');
}

static struct obs p_wait_exited(void)
{
	return running_child('W');
}

static struct obs p_thread_handle(void)
{
	return running_child('H');
}

static struct obs p_exit_code(void)
{
	return running_child('C');
}

static struct obs p_wait_self_pseudo(void)
{
	ARM();
	return seen(WaitForSingleObject(GetCurrentProcess(), 0));
}

static struct obs p_wait_self_pseudo_timed(void)
{
	ARM();
	return seen(WaitForSingleObject(GetCurrentProcess(), 30));
}

static struct obs p_code_self_pseudo(void)
{
	DWORD code = 0;
	NEED(GetExitCodeProcess(GetCurrentProcess(), &code));
	return val(code);
}

/* DuplicateHandle of the pseudo handle: a real handle to this process. */
static HANDLE dup_self(void)
{
	HANDLE h = NULL;
	if (!DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(),
	                     GetCurrentProcess(), &h, 0, FALSE,
	                     DUPLICATE_SAME_ACCESS))
		return NULL;
	return h;
}

static struct obs p_dup_self(void)
{
	ARM();
	HANDLE h = dup_self();
	struct obs o = seen(hv(h));
	if (h == GetCurrentProcess())
		o.ret = -2; /* still the pseudo handle */
	CloseHandle(h);
	return o;
}

static struct obs p_dup_self_waits(void)
{
	HANDLE h = dup_self();
	NEED(h);
	ARM();
	struct obs o = seen(WaitForSingleObject(h, 20));
	CloseHandle(h);
	return o;
}

static struct obs p_dup_self_code(void)
{
	HANDLE h = dup_self();
	NEED(h);
	DWORD code = 0;
	struct obs o = val(GetExitCodeProcess(h, &code) ? (long long)code : -1);
	CloseHandle(h);
	return o;
}

static struct obs p_dup_self_close(void)
{
	HANDLE h = dup_self();
	NEED(h);
	ARM();
	return seen(CloseHandle(h));
}

static struct obs p_dup_self_close_twice(void)
{
	HANDLE h = dup_self();
	NEED(h);
	NEED(CloseHandle(h));
	ARM();
	return seen(CloseHandle(h));
}

/* A child checks its own process handles (child mode "self"). */
static struct obs p_child_self(void)
{
	PROCESS_INFORMATION pi;
	NEED(spawn("self", FALSE, &pi));
	return child_verdict(&pi); /* which closes its handles */
}

/* A child terminates itself through a real handle to itself. */
static struct obs p_child_self_terminate(void)
{
	PROCESS_INFORMATION pi;
	NEED(spawn("self-terminate", FALSE, &pi));
	DWORD code = 0;
	NEED(WaitForSingleObject(pi.hProcess, 20000) == WAIT_OBJECT_0);
	struct obs o = val(GetExitCodeProcess(pi.hProcess, &code)
	                           ? (long long)code
	                           : -1);
	done_pi(&pi);
	return o;
}

static struct obs p_terminate(int want_code)
{
	PROCESS_INFORMATION pi;
	NEED(spawn("sleep", FALSE, &pi));
	ARM();
	BOOL ok = TerminateProcess(pi.hProcess, 42);
	struct obs o = seen(ok);
	o.err = E_ANY;
	if (want_code) {
		DWORD code = 0;
		WaitForSingleObject(pi.hProcess, 20000);
		o = val(GetExitCodeProcess(pi.hProcess, &code) ? (long long)code
		                                                  : -1);
	}
	done_pi(&pi);
	return o;
}

static struct obs p_terminate_ok(void)
{
	return p_terminate(0);
}

static struct obs p_terminate_code(void)
{
	return p_terminate(1);
}

static struct obs p_wait_any_process(void)
{
	PROCESS_INFORMATION pi;
	HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
	NEED(ev);
	NEED(spawn("exit 3", FALSE, &pi));
	HANDLE hs[2] = {ev, pi.hProcess};
	DWORD r = WaitForMultipleObjects(2, hs, FALSE, 20000);
	done_pi(&pi);
	CloseHandle(ev);
	return val(r);
}

/*
 * An event handle, inheritable or not, handed to a child by number; the
 * child sets it. TRUE if the child could and the parent sees it set.
 */
static struct obs inherit_event(int inheritable, BOOL inherit, int set_info)
{
	SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
	HANDLE ev = CreateEventA(inheritable ? &sa : NULL, TRUE, FALSE, NULL);
	NEED(ev);
	if (set_info)
		NEED(SetHandleInformation(ev, HANDLE_FLAG_INHERIT,
		                          HANDLE_FLAG_INHERIT));
	char args[64];
	PROCESS_INFORMATION pi;
	snprintf(args, sizeof args, "set-event %lu",
	         (unsigned long)(uintptr_t)ev);
	NEED(spawn(args, inherit, &pi));
	struct obs o = child_verdict(&pi);
	if (o.ret == TRUE && WaitForSingleObject(ev, 0) != WAIT_OBJECT_0)
		o.ret = -2; /* the child set something else */
	CloseHandle(ev);
	return o;
}

/* A child given (by inheritance) a duplicate, made with
 * DUPLICATE_SAME_ATTRIBUTES and bInheritHandle the opposite of the
 * source's inheritability, sets the event through it. */
static struct obs dup_attrs_event(int inheritable)
{
	SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
	HANDLE ev = CreateEventA(inheritable ? &sa : NULL, TRUE, FALSE, NULL);
	HANDLE d = NULL;
	NEED(ev);
	NEED(DuplicateHandle(GetCurrentProcess(), ev, GetCurrentProcess(), &d,
	                     0, !inheritable,
	                     DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES));
	NEED(SetHandleInformation(ev, HANDLE_FLAG_INHERIT, 0));
	char args[64];
	PROCESS_INFORMATION pi;
	snprintf(args, sizeof args, "set-event %lu",
	         (unsigned long)(uintptr_t)d);
	NEED(spawn(args, TRUE, &pi));
	struct obs o = child_verdict(&pi);
	if (o.ret == TRUE && WaitForSingleObject(ev, 0) != WAIT_OBJECT_0)
		o.ret = -2; /* the child set something else */
	CloseHandle(d);
	CloseHandle(ev);
	return o;
}

static struct obs p_dup_same_attributes_inherit(void)
{
	return dup_attrs_event(1);
}

static struct obs p_dup_same_attributes_no_inherit(void)
{
	return dup_attrs_event(0);
}

static struct obs p_inherit_event(void)
{
	return inherit_event(1, TRUE, 0);
}

static struct obs p_inherit_off(void)
{
	return inherit_event(1, FALSE, 0);
}

static struct obs p_not_inheritable(void)
{
	return inherit_event(0, TRUE, 0);
}

static struct obs p_set_handle_information(void)
{
	return inherit_event(0, TRUE, 1);
}

static struct obs p_inherit_mapping(void)
{
	SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
	HANDLE m = CreateFileMappingA(IHV, &sa, PAGE_READWRITE, 0, 65536, NULL);
	NEED(m);
	char *v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
	NEED(v);
	strcpy(v, "parent");
	char args[64];
	PROCESS_INFORMATION pi;
	snprintf(args, sizeof args, "map-write %lu",
	         (unsigned long)(uintptr_t)m);
	NEED(spawn(args, TRUE, &pi));
	struct obs o = child_verdict(&pi);
	if (o.ret == TRUE && strcmp(v, "child"))
		o.ret = -2;
	UnmapViewOfFile(v);
	CloseHandle(m);
	return o;
}

static struct obs p_inherit_file(void)
{
	char p[600];
	SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
	fpath(p, sizeof p, "inh");
	HANDLE f = CreateFileA(p, RW, 0, &sa, CREATE_ALWAYS, 0, NULL);
	NEED(f != IHV);
	char args[64];
	PROCESS_INFORMATION pi;
	snprintf(args, sizeof args, "file-write %lu",
	         (unsigned long)(uintptr_t)f);
	NEED(spawn(args, TRUE, &pi));
	struct obs o = child_verdict(&pi);
	char buf[16] = {0};
	DWORD n = 0;
	SetFilePointer(f, 0, NULL, FILE_BEGIN);
	ReadFile(f, buf, sizeof buf - 1, &n, NULL);
	if (o.ret == TRUE && strcmp(buf, "child"))
		o.ret = -2;
	CloseHandle(f);
	DeleteFileA(p);
	return o;
}

static struct obs p_abandoned(void)
{
	PROCESS_INFORMATION pi;
	HANDLE m = CreateMutexA(NULL, FALSE, "w32-pmx");
	HANDLE ready = CreateEventA(NULL, TRUE, FALSE, "w32-ready");
	NEED(m && ready);
	NEED(spawn("hold-mutex w32-pmx w32-ready", FALSE, &pi));
	DWORD r = WaitForSingleObject(ready, 20000);
	if (r != WAIT_OBJECT_0) {
		done_pi(&pi);
		CloseHandle(ready);
		CloseHandle(m);
		return setup_failed("the child never took the mutex", __LINE__);
	}
	TerminateProcess(pi.hProcess, 9);
	WaitForSingleObject(pi.hProcess, 20000);
	ARM();
	r = WaitForSingleObject(m, 5000);
	struct obs o = seen(r);
	o.err = E_ANY;
	if (r == WAIT_ABANDONED || r == WAIT_OBJECT_0)
		ReleaseMutex(m);
	done_pi(&pi);
	CloseHandle(ready);
	CloseHandle(m);
	return o;
}

static const struct row process_rows[] = {
	{"CreateProcessA of a missing program (PATH)", p_missing_path, K_BOOL,
	 FALSE, ERROR_FILE_NOT_FOUND},
	{"CreateProcessA of a missing program (path)", p_missing_abs, K_BOOL,
	 FALSE, ERROR_FILE_NOT_FOUND},
	{"CreateProcessA of this program", p_create_ok, K_BOOL, TRUE, E_ANY},
	{"CreateProcessA, application name and empty command line", p_app_empty,
	 K_BOOL, TRUE, E_ANY},
	{"CreateProcessA, name.exe and empty command line", p_app_exe_empty,
	 K_BOOL, TRUE, E_ANY},
	{"CreateProcessA, bare name in the parent's directory", p_own_dir,
	 K_BOOL, TRUE, E_ANY},
	{"GetExitCodeProcess while running: STILL_ACTIVE", p_still_active,
	 K_NUM, STILL_ACTIVE, E_ANY},
	{"wait 0 on a running process", p_wait_running, K_WAIT, WAIT_TIMEOUT,
	 E_KEEP},
	{"wait on a process that exits", p_wait_exited, K_WAIT, WAIT_OBJECT_0,
	 E_ANY},
	{"wait on its thread handle", p_thread_handle, K_WAIT, WAIT_OBJECT_0,
	 E_ANY},
	{"GetExitCodeProcess after exit(7)", p_exit_code, K_NUM, 7, E_ANY},
	{"TerminateProcess", p_terminate_ok, K_BOOL, TRUE, E_ANY},
	{"GetExitCodeProcess after TerminateProcess(42)", p_terminate_code,
	 K_NUM, 42, E_ANY},
	{"WaitForMultipleObjects: event + exiting process", p_wait_any_process,
	 K_WAIT, WAIT_OBJECT_0 + 1, E_ANY},
	{"inherited event, same value, usable in child", p_inherit_event,
	 K_BOOL, TRUE, 0},
	{"bInheritHandles FALSE: child gets invalid handle", p_inherit_off,
	 K_BOOL, FALSE, ERROR_INVALID_HANDLE},
	{"non-inheritable handle: child gets invalid handle",
	 p_not_inheritable, K_BOOL, FALSE, ERROR_INVALID_HANDLE},
	{"SetHandleInformation makes it inheritable",
	 p_set_handle_information, K_BOOL, TRUE, 0},
	{"DUPLICATE_SAME_ATTRIBUTES copies an inheritable source's flag",
	 p_dup_same_attributes_inherit, K_BOOL, TRUE, 0},
	{"DUPLICATE_SAME_ATTRIBUTES copies a private source's flag",
	 p_dup_same_attributes_no_inherit, K_BOOL, FALSE,
	 ERROR_INVALID_HANDLE},
	{"inherited unnamed mapping: child writes a view", p_inherit_mapping,
	 K_BOOL, TRUE, 0},
	{"inherited file handle: child writes the file", p_inherit_file,
	 K_BOOL, TRUE, 0},
	{"owner process terminated: WAIT_ABANDONED", p_abandoned, K_WAIT,
	 WAIT_ABANDONED, E_ANY},
	{"wait 0 on GetCurrentProcess()", p_wait_self_pseudo, K_WAIT,
	 WAIT_TIMEOUT, E_KEEP},
	{"wait 30 ms on GetCurrentProcess()", p_wait_self_pseudo_timed, K_WAIT,
	 WAIT_TIMEOUT, E_KEEP},
	{"GetExitCodeProcess(GetCurrentProcess())", p_code_self_pseudo, K_NUM,
	 STILL_ACTIVE, E_ANY},
	{"DuplicateHandle of GetCurrentProcess(): a real handle", p_dup_self,
	 K_HANDLE, H_OK, E_KEEP},
	{"wait on the duplicated process handle", p_dup_self_waits, K_WAIT,
	 WAIT_TIMEOUT, E_KEEP},
	{"GetExitCodeProcess on the duplicated handle", p_dup_self_code, K_NUM,
	 STILL_ACTIVE, E_ANY},
	{"CloseHandle of the duplicated process handle", p_dup_self_close,
	 K_BOOL, TRUE, E_KEEP},
	{"CloseHandle of it twice", p_dup_self_close_twice, K_BOOL, FALSE,
	 ERROR_INVALID_HANDLE},
	{"child: waits on, duplicates and closes its own handle",
	 p_child_self, K_BOOL, TRUE, 0},
	{"child: TerminateProcess(real handle to itself, 9)",
	 p_child_self_terminate, K_NUM, 9, E_ANY},
};

/* ------------------------------------------------------------------ */
/* Global\ namespace                                                  */

#define NOBODY 65534

static struct obs global_map(void)
{
	ARM();
	HANDLE h = page_map(PAGE_READWRITE, 4096, "Global\\w32-global");
	struct obs o = seen(hv(h));
	CloseHandle(h);
	return o;
}

/* Why the row that returned R_SKIP could not run. */
static const char *g_skip_why;

static struct obs g_root(void)
{
	g_skip_why = "not root";
	if (geteuid() != 0)
		return val(R_SKIP);
	return global_map();
}

static struct obs g_nobody(void)
{
	int p[2];
	g_skip_why = "not root";
	if (geteuid() != 0 || pipe(p))
		return val(R_SKIP);
	g_skip_why = "a child cannot become nobody here";
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct obs o = val(R_SKIP);
		if (!setgroups(0, NULL) && !setgid(NOBODY) && !setuid(NOBODY))
			o = global_map();
		_exit(write(p[1], &o, sizeof o) == sizeof o ? 0 : 1);
	}
	close(p[1]);
	struct obs o;
	ssize_t n = read(p[0], &o, sizeof o);
	close(p[0]);
	t_wait(pid, 20);
	NEED(n == sizeof o);
	return o;
}

static const struct row global_rows[] = {
	{"Global\\ mapping created by root", g_root, K_HANDLE, H_OK, 0},
	{"Global\\ mapping created by nobody", g_nobody, K_HANDLE, H_NULL,
	 ERROR_ACCESS_DENIED},
};

/* ------------------------------------------------------------------ */
/* The runner                                                         */

static const char *err_name(DWORD e)
{
	switch (e) {
	case 0: return "ERROR_SUCCESS";
	case ERROR_FILE_NOT_FOUND: return "ERROR_FILE_NOT_FOUND";
	case ERROR_PATH_NOT_FOUND: return "ERROR_PATH_NOT_FOUND";
	case ERROR_ACCESS_DENIED: return "ERROR_ACCESS_DENIED";
	case ERROR_INVALID_HANDLE: return "ERROR_INVALID_HANDLE";
	case ERROR_NOT_ENOUGH_MEMORY: return "ERROR_NOT_ENOUGH_MEMORY";
	case ERROR_NOT_SUPPORTED: return "ERROR_NOT_SUPPORTED";
	case ERROR_FILE_EXISTS: return "ERROR_FILE_EXISTS";
	case ERROR_INVALID_PARAMETER: return "ERROR_INVALID_PARAMETER";
	case ERROR_NEGATIVE_SEEK: return "ERROR_NEGATIVE_SEEK";
	case ERROR_ALREADY_EXISTS: return "ERROR_ALREADY_EXISTS";
	case ERROR_BAD_EXE_FORMAT: return "ERROR_BAD_EXE_FORMAT";
	case ERROR_NOT_OWNER: return "ERROR_NOT_OWNER";
	case ERROR_TOO_MANY_POSTS: return "ERROR_TOO_MANY_POSTS";
	case ERROR_INVALID_ADDRESS: return "ERROR_INVALID_ADDRESS";
	case ERROR_FILE_INVALID: return "ERROR_FILE_INVALID";
	case ERROR_MAPPED_ALIGNMENT: return "ERROR_MAPPED_ALIGNMENT";
	case ERROR_SHARING_VIOLATION: return "ERROR_SHARING_VIOLATION";
	case ERROR_USER_MAPPED_FILE: return "ERROR_USER_MAPPED_FILE";
	case E_KEEP: return "unchanged";
	default: return "";
	}
}

static void fmt_ret(char *buf, size_t len, enum kind k, long long r)
{
	if (r == R_SETUP) {
		snprintf(buf, len, "(setup failed)");
		return;
	}
	switch (k) {
	case K_HANDLE:
		snprintf(buf, len, "%s",
		         r == H_NULL  ? "NULL"
		         : r == H_IHV ? "INVALID_HANDLE_VALUE"
		         : r == H_OK  ? "handle"
		                      : "handle (wrong object)");
		return;
	case K_PTR:
		snprintf(buf, len, "%s", r == P_NULL ? "NULL" : "view");
		return;
	case K_BOOL:
		if (r == 0 || r == 1)
			snprintf(buf, len, "%s", r ? "TRUE" : "FALSE");
		else
			snprintf(buf, len, "%lld (check failed)", r);
		return;
	case K_WAIT:
		if (r == (long long)WAIT_FAILED)
			snprintf(buf, len, "WAIT_FAILED");
		else if (r == WAIT_TIMEOUT)
			snprintf(buf, len, "WAIT_TIMEOUT");
		else if (r >= WAIT_ABANDONED_0 && r < WAIT_ABANDONED_0 + 64)
			snprintf(buf, len, "WAIT_ABANDONED_0+%lld",
			         r - WAIT_ABANDONED_0);
		else if (r >= 0 && r < 64)
			snprintf(buf, len, "WAIT_OBJECT_0+%lld", r);
		else
			snprintf(buf, len, "%lld", r);
		return;
	case K_NUM:
		snprintf(buf, len, r > 9999 || r < -9999 ? "0x%llx" : "%lld",
		         r);
		return;
	}
}

static void fmt_err(char *buf, size_t len, DWORD e)
{
	if (e == E_ANY)
		snprintf(buf, len, "(any)");
	else if (e == E_KEEP)
		snprintf(buf, len, "0xdeadbeef (unchanged)");
	else
		snprintf(buf, len, "%lu %s", (unsigned long)e, err_name(e));
}

static const struct row *g_rows;
static size_t g_nrows;

static void run_rows(void)
{
	int failed = 0;
	for (size_t i = 0; i < g_nrows; i++) {
		const struct row *r = &g_rows[i];
		fflush(NULL);
		g_skip_why = NULL;
		struct obs o = r->fn();
		char er[64], ee[64], gr[64], ge[64];
		atomic_fetch_add(&g_tot->rows, 1);
		if (o.ret == R_SKIP) {
			atomic_fetch_add(&g_tot->skipped, 1);
			printf("  skip %s: %s\n", r->desc,
			       g_skip_why ? g_skip_why : "no reason given");
			continue;
		}
		int ok = o.ret == r->ret && (r->err == E_ANY || o.err == r->err);
		fmt_ret(er, sizeof er, r->kind, r->ret);
		fmt_err(ee, sizeof ee, r->err);
		fmt_ret(gr, sizeof gr, r->kind, o.ret);
		fmt_err(ge, sizeof ge, r->err == E_ANY ? E_ANY : o.err);
		if (ok) {
			printf("  ok   %s: %s, %s\n", r->desc, gr, ge);
		} else {
			atomic_fetch_add(&g_tot->failed, 1);
			failed++;
			fmt_err(ge, sizeof ge, o.err);
			printf("  FAIL %s: expected %s, %s; got %s, %s\n",
			       r->desc, er, ee, gr, ge);
		}
	}
	fflush(NULL);
	exit(failed ? 1 : 0);
}

static void group(const char *name, const struct row *rows, size_t n,
                  double timeout)
{
	g_rows = rows;
	g_nrows = n;
	if (t_selected(name))
		printf("%s\n", name);
	t_run_dir(name, run_rows, timeout, g_fdir);
}

#define GROUP(name, rows, timeout)                                             \
	group(name, rows, sizeof rows / sizeof rows[0], timeout)

/* ------------------------------------------------------------------ */
/* Threads                                                            */

static DWORD WINAPI th_wait_event(LPVOID e)
{
	WaitForSingleObject((HANDLE)e, 20000);
	return 17;
}

static DWORD WINAPI th_return(LPVOID arg)
{
	return (DWORD)(uintptr_t)arg;
}

static struct obs th_still_active(void)
{
	HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
	NEED(e);
	HANDLE t = CreateThread(NULL, 0, th_wait_event, e, 0, NULL);
	NEED(t);
	DWORD code = 0;
	ARM();
	BOOL ok = GetExitCodeThread(t, &code);
	struct obs o = seen(ok ? (long long)code : -1);
	SetEvent(e);
	WaitForSingleObject(t, 20000);
	CloseHandle(t);
	CloseHandle(e);
	return o;
}

static struct obs th_exit_code(void)
{
	HANDLE t = CreateThread(NULL, 0, th_return, (LPVOID)(uintptr_t)1234, 0,
	                        NULL);
	NEED(t);
	NEED(WaitForSingleObject(t, 20000) == WAIT_OBJECT_0);
	DWORD code = 0;
	ARM();
	BOOL ok = GetExitCodeThread(t, &code);
	struct obs o = seen(ok ? (long long)code : -1);
	CloseHandle(t);
	return o;
}

static struct obs th_wait_running(void)
{
	HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
	NEED(e);
	HANDLE t = CreateThread(NULL, 0, th_wait_event, e, 0, NULL);
	NEED(t);
	ARM();
	DWORD r = WaitForSingleObject(t, 20);
	struct obs o = seen(r);
	SetEvent(e);
	WaitForSingleObject(t, 20000);
	CloseHandle(t);
	CloseHandle(e);
	return o;
}

static struct obs th_dup_all(void)
{
	HANDLE t = CreateThread(NULL, 0, th_return, NULL, 0, NULL);
	NEED(t);
	NEED(WaitForSingleObject(t, 20000) == WAIT_OBJECT_0);
	HANDLE h[2] = {t, t};
	ARM();
	DWORD r = WaitForMultipleObjects(2, h, TRUE, 0);
	struct obs o = seen(r);
	CloseHandle(t);
	return o;
}

static struct obs th_null_routine(void)
{
	ARM();
	return seen(hv(CreateThread(NULL, 0, NULL, NULL, 0, NULL)));
}

static struct obs th_code_of_event(void)
{
	HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
	NEED(e);
	DWORD code = 0;
	ARM();
	struct obs o = seen(GetExitCodeThread(e, &code));
	CloseHandle(e);
	return o;
}

static struct obs th_close_pseudo(void)
{
	ARM();
	return seen(CloseHandle(GetCurrentThread()));
}

static struct obs th_wait_self(void)
{
	ARM();
	return seen(WaitForSingleObject(GetCurrentThread(), 0));
}

static const struct row thread_rows[] = {
	{"a thread waiting on itself times out", th_wait_self, K_WAIT,
	 WAIT_TIMEOUT, E_KEEP},
	{"GetExitCodeThread while running", th_still_active, K_NUM,
	 STILL_ACTIVE, E_KEEP},
	{"GetExitCodeThread after return", th_exit_code, K_NUM, 1234, E_KEEP},
	{"wait on a running thread times out", th_wait_running, K_WAIT,
	 WAIT_TIMEOUT, E_KEEP},
	{"same thread twice, wait-all", th_dup_all, K_WAIT, WAIT_FAILED,
	 ERROR_INVALID_PARAMETER},
	{"CreateThread with no routine", th_null_routine, K_HANDLE, H_NULL,
	 ERROR_INVALID_PARAMETER},
	{"GetExitCodeThread on an event", th_code_of_event, K_BOOL, FALSE,
	 ERROR_INVALID_HANDLE},
	{"CloseHandle(GetCurrentThread())", th_close_pseudo, K_BOOL, TRUE,
	 E_KEEP},
};

/* ------------------------------------------------------------------ */
/* Toolhelp snapshots and FormatMessage from a string                  */

static struct obs tl_snapshot(void)
{
	ARM();
	HANDLE s = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
	struct obs o = seen(hv(s));
	CloseHandle(s);
	return o;
}

static struct obs tl_size0(void)
{
	HANDLE s = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
	NEED(s != IHV);
	PROCESSENTRY32 pe;
	pe.dwSize = 0;
	ARM();
	struct obs o = seen(Process32First(s, &pe));
	CloseHandle(s);
	return o;
}

static struct obs tl_past_end(void)
{
	HANDLE s = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
	NEED(s != IHV);
	PROCESSENTRY32W pe;
	pe.dwSize = sizeof pe;
	BOOL ok = Process32FirstW(s, &pe);
	while (ok)
		ok = Process32NextW(s, &pe);
	ARM();
	struct obs o = seen(Process32NextW(s, &pe));
	CloseHandle(s);
	return o;
}

static struct obs tl_not_snapshot(void)
{
	HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
	NEED(e);
	THREADENTRY32 te;
	te.dwSize = sizeof te;
	ARM();
	struct obs o = seen(Thread32First(e, &te));
	CloseHandle(e);
	return o;
}

static struct obs tl_no_process(void)
{
	ARM();
	return seen(hv(CreateToolhelp32Snapshot(TH32CS_SNAPMODULE, 0x7ffffff0)));
}

/* FormatMessageA of src from a string, without arguments. */
static struct obs fm_plain(const char *src)
{
	char out[16];
	ARM();
	return seen(FormatMessageA(FORMAT_MESSAGE_FROM_STRING, src, 0, 0, out,
	                           sizeof out, NULL));
}

static struct obs fm_no_args(void)
{
	return fm_plain("%1");
}

static struct obs fm_array(void)
{
	char out[16];
	DWORD_PTR args[] = {(DWORD_PTR)"b", 7};
	ARM();
	DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_STRING |
	                                 FORMAT_MESSAGE_ARGUMENT_ARRAY,
	                         "a%1%2!d!", 0, 0, out, sizeof out,
	                         (va_list *)args);
	return val(n == 3 && !strcmp(out, "ab7") ? n : 0);
}

static struct obs fm_empty(void)
{
	return fm_plain("");
}

static const struct row toolhelp_rows[] = {
	{"CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS)", tl_snapshot, K_HANDLE,
	 H_OK, E_KEEP},
	{"Process32First with dwSize 0", tl_size0, K_BOOL, FALSE,
	 ERROR_BAD_LENGTH},
	{"Process32NextW past the last", tl_past_end, K_BOOL, FALSE,
	 ERROR_NO_MORE_FILES},
	{"Thread32First on an event", tl_not_snapshot, K_BOOL, FALSE,
	 ERROR_INVALID_HANDLE},
	{"modules of a process that does not exist", tl_no_process, K_HANDLE,
	 H_IHV, ERROR_INVALID_PARAMETER},
	{"FormatMessage %1 without arguments", fm_no_args, K_NUM, 0,
	 ERROR_INVALID_PARAMETER},
	{"FormatMessage inserts from an array", fm_array, K_NUM, 3, E_ANY},
	{"FormatMessage of an empty string", fm_empty, K_NUM, 0,
	 1235 /* ERROR_NO_WORK_DONE */},
};

/* ------------------------------------------------------------------ */
/* The child side of the process rows                                 */

static int child_main(int argc, char **argv)
{
	const char *mode = argv[2];
	HANDLE h = argc > 3 ? (HANDLE)(uintptr_t)strtoull(argv[3], NULL, 0)
	                    : NULL;
	BOOL ok = FALSE;
	if (!strcmp(mode, "exit")) {
		return atoi(argv[3]);
	} else if (!strcmp(mode, "sleep")) {
		Sleep(30000);
		return 0;
	} else if (!strcmp(mode, "wait") && argc > 4) {
		HANDLE e = OpenEventA(SYNCHRONIZE, FALSE, argv[3]);
		if (!e || WaitForSingleObject(e, 20000) != WAIT_OBJECT_0)
			return 100;
		CloseHandle(e);
		return atoi(argv[4]);
	} else if (!strcmp(mode, "hold-mutex") && argc > 4) {
		HANDLE m = OpenMutexA(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE,
		                      argv[3]);
		HANDLE e = OpenEventA(EVENT_MODIFY_STATE, FALSE, argv[4]);
		if (!m || !e || WaitForSingleObject(m, 10000) != WAIT_OBJECT_0)
			return 100;
		SetEvent(e);
		Sleep(30000); /* until terminated */
		return 101;
	} else if (!strcmp(mode, "self") || !strcmp(mode, "self-terminate")) {
		HANDLE me = NULL;
		DWORD code = 0;
		if (WaitForSingleObject(GetCurrentProcess(), 10) != WAIT_TIMEOUT)
			return 105;
		if (!DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(),
		                     GetCurrentProcess(), &me, 0, FALSE,
		                     DUPLICATE_SAME_ACCESS) ||
		    !me || me == GetCurrentProcess())
			return 106;
		if (WaitForSingleObject(me, 10) != WAIT_TIMEOUT)
			return 107;
		if (!GetExitCodeProcess(me, &code) || code != STILL_ACTIVE)
			return 108;
		if (!strcmp(mode, "self-terminate")) {
			TerminateProcess(me, 9);
			return 109;
		}
		ok = CloseHandle(me);
	} else if (!strcmp(mode, "set-event")) {
		ok = SetEvent(h);
	} else if (!strcmp(mode, "map-write")) {
		char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
		if (v && strcmp(v, "parent"))
			return 102;
		if (v)
			strcpy(v, "child");
		ok = v && UnmapViewOfFile(v);
	} else if (!strcmp(mode, "file-write")) {
		DWORD n = 0;
		ok = WriteFile(h, "child", 5, &n, NULL) && n == 5;
	} else {
		return 103;
	}
	if (ok)
		return 0;
	DWORD e = GetLastError();
	return e > 0 && e < 100 ? (int)e : 104;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "child"))
		return child_main(argc, argv);
	ssize_t n = readlink("/proc/self/exe", g_self, sizeof g_self - 1);
	if (n <= 0) {
		perror("readlink /proc/self/exe");
		return 1;
	}
	g_self[n] = 0;
	g_tot = mmap(NULL, sizeof *g_tot, PROT_READ | PROT_WRITE,
	             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g_tot == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	t_setup();
	snprintf(g_fdir, sizeof g_fdir, "/tmp/shmap-w32files.XXXXXX");
	if (!mkdtemp(g_fdir)) {
		perror("mkdtemp");
		return 1;
	}
	GROUP("CreateFileMapping / OpenFileMapping", mapping_rows, 60);
	GROUP("MapViewOfFile / UnmapViewOfFile", view_rows, 60);
	GROUP("handles", handle_rows, 60);
	GROUP("events and waits", event_rows, 60);
	GROUP("mutexes", mutex_rows, 60);
	GROUP("semaphores", sem_rows, 60);
	GROUP("WaitForMultipleObjects", wait_rows, 60);
	GROUP("files", file_rows, 60);
	GROUP("processes", process_rows, 240);
	GROUP("threads", thread_rows, 60);
	GROUP("Global namespace", global_rows, 60);
	GROUP("toolhelp and FormatMessage", toolhelp_rows, 60);
	t_rm_dir(g_fdir);
	if (!t_listing())
		printf("rows: %d, failed %d, skipped %d\n",
		       atomic_load(&g_tot->rows), atomic_load(&g_tot->failed),
		       atomic_load(&g_tot->skipped));
	return t_finish();
}
