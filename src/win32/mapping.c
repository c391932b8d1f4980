/* SPDX-License-Identifier: MIT */
/* CreateFileMapping, OpenFileMapping, MapViewOfFile and friends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "w32.h"

#define GRANULARITY 65536u
#define ERROR_BAD_EXE_FORMAT_ 193L

#define SEC_WRITECOMBINE_ 0x40000000u

/*
 * PAGE_* plus SEC_* flags to a shmap protection; 0 if invalid, with the
 * error in *err: exactly one page protection; SEC_COMMIT or SEC_RESERVE
 * (not both), which SEC_NOCACHE and SEC_WRITECOMBINE need; SEC_FILE and
 * SEC_LARGE_PAGES are refused; SEC_IMAGE alone asks for an executable
 * image, which no mapping here is (ERROR_BAD_EXE_FORMAT).
 */
static unsigned to_prot(DWORD fl, DWORD *err)
{
	DWORD sec = fl & ~(DWORD)0xff;
	DWORD cr = sec & (SEC_COMMIT | SEC_RESERVE);
	*err = ERROR_INVALID_PARAMETER;
	if (sec & ~(DWORD)(SEC_COMMIT | SEC_RESERVE | SEC_NOCACHE |
	                   SEC_WRITECOMBINE_ | SEC_IMAGE))
		return 0;
	if (cr == (SEC_COMMIT | SEC_RESERVE))
		return 0;
	if ((sec & SEC_IMAGE) && (cr || (sec & SEC_WRITECOMBINE_)))
		return 0;
	if (!(sec & SEC_IMAGE) && !cr &&
	    (sec & (SEC_NOCACHE | SEC_WRITECOMBINE_)))
		return 0;
	unsigned prot = 0;
	switch (fl & 0xff) {
	case PAGE_READONLY:
	case PAGE_EXECUTE_READ:
		prot = SHMAP_PROT_READONLY;
		break;
	case PAGE_READWRITE:
	case PAGE_EXECUTE_READWRITE:
		prot = SHMAP_PROT_READWRITE;
		break;
	case PAGE_WRITECOPY:
	case PAGE_EXECUTE_WRITECOPY:
		prot = SHMAP_PROT_WRITECOPY;
		break;
	}
	if (prot && (sec & SEC_IMAGE)) {
		*err = ERROR_BAD_EXE_FORMAT_;
		return 0;
	}
	return prot;
}

/* FILE_MAP_* of a handle to a shmap handle access. */
static unsigned to_access(DWORD a)
{
	unsigned r = 0;
	if (a & (FILE_MAP_READ | FILE_MAP_EXECUTE))
		r |= SHMAP_ACCESS_READ;
	if (a & FILE_MAP_WRITE)
		r |= SHMAP_ACCESS_WRITE;
	if (a & FILE_MAP_COPY)
		r |= SHMAP_ACCESS_COPY;
	return r;
}

/*
 * Whether a file handle's access lets a section of page protection fl be
 * made of it, as Windows checks: every protection needs read access (data),
 * a writable one write access too, an executable one execute access too.
 */
static int file_allows(DWORD fa, DWORD fl)
{
	int r = (fa & (GENERIC_READ | GENERIC_ALL | FILE_READ_DATA)) != 0;
	int w = (fa & (GENERIC_WRITE | GENERIC_ALL | FILE_WRITE_DATA)) != 0;
	int x = (fa & (GENERIC_EXECUTE | GENERIC_ALL | FILE_EXECUTE)) != 0;
	DWORD p = fl & 0xff;
	if (!r)
		return 0;
	if ((p == PAGE_READWRITE || p == PAGE_EXECUTE_READWRITE) && !w)
		return 0;
	if ((p == PAGE_EXECUTE_READ || p == PAGE_EXECUTE_READWRITE ||
	     p == PAGE_EXECUTE_WRITECOPY) && !x)
		return 0;
	return 1;
}

static HANDLE create_mapping(HANDLE hFile, LPSECURITY_ATTRIBUTES sa,
                             DWORD flProtect, DWORD hi, DWORD lo,
                             const char *name)
{
	DWORD perr;
	unsigned prot = to_prot(flProtect, &perr);
	uint64_t size = ((uint64_t)hi << 32) | lo;
	/* Inheritance is the handle table's: CreateProcess gives a child
	 * holds of its own, so the native object never crosses exec. */
	shmap_attr attr = {w32_sa_mode(sa), 0};
	struct w32_obj *o;
	int rc;
	if (!prot) {
		w32_set_error(perr);
		return NULL;
	}
	if (!(o = w32_obj_new(W32_MAPPING)))
		return NULL;
	/* NULL, like INVALID_HANDLE_VALUE, means no file: Windows passes it
	 * to the kernel as such, and programs rely on it. */
	if (hFile == INVALID_HANDLE_VALUE || hFile == NULL) {
		/* SEC_RESERVE commits nothing: the native reserve-less
		 * create. SEC_COMMIT (the default) reserves it all. */
		if (flProtect & SEC_RESERVE)
			attr.flags |= SHMAP_ATTR_NORESERVE;
		rc = size ? shmap_map_create(name, size, prot, &attr, &o->map)
		          : -EINVAL;
		/* Memory (with swap) too small to commit the section is
		 * Windows' commit limit; a full tmpfs stays ERROR_DISK_FULL. */
		if (rc == -ENOMEM) {
			free(o);
			w32_set_error(ERROR_COMMITMENT_LIMIT);
			return NULL;
		}
	} else {
		DWORD fa;
		struct w32_obj *f = w32_get(hFile, W32_FILE, &fa);
		if (!f) {
			free(o);
			return NULL;
		}
		if (!file_allows(fa, flProtect)) {
			w32_put(f);
			free(o);
			w32_set_error(ERROR_ACCESS_DENIED);
			return NULL;
		}
		rc = shmap_map_create_file(name, f->fd, size, prot, &attr,
		                           &o->map);
		if (rc == 0 && !(name && *name)) {
			/* Unnamed: what a child needs to rebuild it. */
			shmap_map_info info;
			shmap_map_query(o->map, &info);
			o->size = info.size;
			o->prot = prot;
		}
		w32_put(f);
	}
	if (rc) {
		free(o);
		w32_error(rc);
		return NULL;
	}
	int existed = shmap_map_existed(o->map);
	/* A section opened by name keeps its creator's protection, which is
	 * not known here: only a new one's is. */
	o->noexec = !existed && !(flProtect & (PAGE_EXECUTE_READ |
	                                       PAGE_EXECUTE_READWRITE |
	                                       PAGE_EXECUTE_WRITECOPY));
	HANDLE h = w32_handle_new(o, FILE_MAP_ALL_ACCESS, sa && sa->bInheritHandle);
	if (!h) {
		shmap_map_close(o->map);
		free(o);
		return NULL;
	}
	w32_set_error(existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
	return h;
}

HANDLE WINAPI CreateFileMappingA(HANDLE hFile, LPSECURITY_ATTRIBUTES sa,
                                 DWORD flProtect, DWORD hi, DWORD lo,
                                 LPCSTR lpName)
{
	return create_mapping(hFile, sa, flProtect, hi, lo, lpName);
}

HANDLE WINAPI CreateFileMappingW(HANDLE hFile, LPSECURITY_ATTRIBUTES sa,
                                 DWORD flProtect, DWORD hi, DWORD lo,
                                 LPCWSTR lpName)
{
	char *name = lpName ? w32_narrow(lpName) : NULL;
	if (lpName && !name) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	HANDLE h = create_mapping(hFile, sa, flProtect, hi, lo, name);
	free(name);
	return h;
}

static HANDLE open_mapping(DWORD access, BOOL inherit, const char *name)
{
	unsigned a = to_access(access);
	struct w32_obj *o;
	if (!name) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	if (!a) {
		w32_set_error(ERROR_ACCESS_DENIED);
		return NULL;
	}
	if (!(o = w32_obj_new(W32_MAPPING)))
		return NULL;
	int rc = shmap_map_open(name, a,
	                        &o->map);
	if (rc) {
		free(o);
		w32_error(rc);
		return NULL;
	}
	HANDLE h = w32_handle_new(o, access, inherit != 0);
	if (!h) {
		shmap_map_close(o->map);
		free(o);
		return NULL;
	}
	w32_set_error(ERROR_SUCCESS);
	return h;
}

HANDLE WINAPI OpenFileMappingA(DWORD dwDesiredAccess, BOOL bInheritHandle,
                               LPCSTR lpName)
{
	return open_mapping(dwDesiredAccess, bInheritHandle, lpName);
}

HANDLE WINAPI OpenFileMappingW(DWORD dwDesiredAccess, BOOL bInheritHandle,
                               LPCWSTR lpName)
{
	char *name = lpName ? w32_narrow(lpName) : NULL;
	HANDLE h = open_mapping(dwDesiredAccess, bInheritHandle, name);
	free(name);
	return h;
}

LPVOID WINAPI MapViewOfFileEx(HANDLE hMap, DWORD dwDesiredAccess,
                              DWORD offHigh, DWORD offLow, SIZE_T bytes,
                              LPVOID lpBaseAddress)
{
	DWORD haccess;
	uint64_t off = ((uint64_t)offHigh << 32) | offLow;
	shmap_map_info info;
	void *v = NULL;
	struct w32_obj *o = w32_get(hMap, W32_MAPPING, &haccess);
	if (!o)
		return NULL;
	unsigned want;
	DWORD e = ERROR_SUCCESS;
	/* Write first: FILE_MAP_ALL_ACCESS includes the FILE_MAP_COPY bit
	 * (SECTION_QUERY) and means a shared writable view. Access 0 asks
	 * for a no-access view on Windows; it is mapped read-only here. */
	if (dwDesiredAccess & FILE_MAP_WRITE)
		want = SHMAP_ACCESS_WRITE;
	else if (dwDesiredAccess & FILE_MAP_COPY)
		want = SHMAP_ACCESS_COPY;
	else
		want = SHMAP_ACCESS_READ;
	/* A handle opened for FILE_MAP_COPY alone has SECTION_MAP_READ. */
	if (haccess == FILE_MAP_COPY)
		haccess = FILE_MAP_READ;
	shmap_map_query(o->map, &info);
	if (off % GRANULARITY)
		e = ERROR_MAPPED_ALIGNMENT;
	/* A write view needs SECTION_MAP_WRITE in the handle; any other view
	 * needs SECTION_MAP_READ (FILE_MAP_WRITE alone does not do). */
	else if ((want == SHMAP_ACCESS_WRITE && !(haccess & FILE_MAP_WRITE)) ||
	         (want != SHMAP_ACCESS_WRITE && !(haccess & FILE_MAP_READ)))
		e = ERROR_ACCESS_DENIED;
	/* An executable view needs SECTION_MAP_EXECUTE in the handle and a
	 * section created with an execute protection. */
	else if ((dwDesiredAccess & FILE_MAP_EXECUTE) &&
	         (!(haccess & (SECTION_MAP_EXECUTE | FILE_MAP_EXECUTE)) ||
	          o->noexec))
		e = ERROR_ACCESS_DENIED;
	else if (e == ERROR_SUCCESS &&
	         (off >= info.size || (uint64_t)bytes > info.size - off))
		e = ERROR_ACCESS_DENIED; /* a view past the end */
	else if (e == ERROR_SUCCESS && lpBaseAddress &&
	         (uintptr_t)lpBaseAddress % GRANULARITY)
		e = ERROR_MAPPED_ALIGNMENT;
	if (e == ERROR_SUCCESS) {
		int rc = shmap_view_map_at(o->map, off, bytes, want,
		                           lpBaseAddress, &v);
		if (rc == -EEXIST || (rc == -EINVAL && lpBaseAddress))
			e = ERROR_INVALID_ADDRESS;
		else if (rc)
			e = w32_error(rc);
	}
	w32_put(o);
	w32_set_error(e);
	return e == ERROR_SUCCESS ? v : NULL;
}

LPVOID WINAPI MapViewOfFile(HANDLE hMap, DWORD dwDesiredAccess, DWORD offHigh,
                            DWORD offLow, SIZE_T bytes)
{
	return MapViewOfFileEx(hMap, dwDesiredAccess, offHigh, offLow, bytes,
	                       NULL);
}

BOOL WINAPI UnmapViewOfFile(LPCVOID lpBaseAddress)
{
	if (shmap_view_unmap((void *)lpBaseAddress)) {
		w32_set_error(ERROR_INVALID_ADDRESS);
		return FALSE;
	}
	return TRUE;
}

BOOL WINAPI FlushViewOfFile(LPCVOID lpBaseAddress, SIZE_T n)
{
	int rc = shmap_view_flush(lpBaseAddress, n);
	if (rc) {
		w32_set_error(rc == -EINVAL ? ERROR_INVALID_ADDRESS
		                            : w32_error(rc));
		return FALSE;
	}
	return TRUE;
}

void WINAPI GetSystemInfo(LPSYSTEM_INFO si)
{
	memset(si, 0, sizeof *si);
#if defined(__x86_64__)
	si->wProcessorArchitecture = 9; /* PROCESSOR_ARCHITECTURE_AMD64 */
	si->dwProcessorType = 8664;
#elif defined(__aarch64__)
	si->wProcessorArchitecture = 12; /* PROCESSOR_ARCHITECTURE_ARM64 */
#endif
	si->dwPageSize = (DWORD)sysconf(_SC_PAGESIZE);
	si->lpMinimumApplicationAddress = (LPVOID)(uintptr_t)0x10000;
	si->lpMaximumApplicationAddress = (LPVOID)(uintptr_t)0x7ffffffeffffull;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	si->dwNumberOfProcessors = n > 0 ? (DWORD)n : 1;
	si->dwActiveProcessorMask =
	        n >= 64 ? ~(DWORD_PTR)0 : (((DWORD_PTR)1 << n) - 1);
	si->dwAllocationGranularity = GRANULARITY;
}
