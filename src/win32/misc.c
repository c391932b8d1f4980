/* SPDX-License-Identifier: MIT */
/* Miscellaneous system calls: security descriptors, temporary files, file
 * attributes, system time and version. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "w32.h"

/* ---- security descriptors ---- */

BOOL WINAPI InitializeSecurityDescriptor(PSECURITY_DESCRIPTOR psd, DWORD rev)
{
	if (rev != SECURITY_DESCRIPTOR_REVISION) {
		w32_set_error(ERROR_UNKNOWN_REVISION);
		return FALSE;
	}
	if (!psd) {
		w32_set_error(ERROR_NOACCESS);
		return FALSE;
	}
	SECURITY_DESCRIPTOR *sd = psd;
	memset(sd, 0, sizeof *sd);
	sd->Revision = SECURITY_DESCRIPTOR_REVISION;
	return TRUE;
}

BOOL WINAPI SetSecurityDescriptorDacl(PSECURITY_DESCRIPTOR psd, BOOL present,
                                      PACL dacl, BOOL defaulted)
{
	SECURITY_DESCRIPTOR *sd = psd;
	if (!sd) {
		w32_set_error(ERROR_NOACCESS);
		return FALSE;
	}
	if (sd->Revision != SECURITY_DESCRIPTOR_REVISION) {
		w32_set_error(ERROR_UNKNOWN_REVISION);
		return FALSE;
	}
	if (!present) {
		/* No DACL: the defaulted flag and the pointer are ignored. */
		sd->Control &= (WORD)~(SE_DACL_PRESENT | SE_DACL_DEFAULTED);
		sd->Dacl = NULL;
		return TRUE;
	}
	sd->Control |= SE_DACL_PRESENT;
	if (defaulted)
		sd->Control |= SE_DACL_DEFAULTED;
	else
		sd->Control &= (WORD)~SE_DACL_DEFAULTED;
	sd->Dacl = dacl;
	return TRUE;
}

unsigned w32_sa_mode(const SECURITY_ATTRIBUTES *sa)
{
	const SECURITY_DESCRIPTOR *sd =
	        sa ? (const SECURITY_DESCRIPTOR *)sa->lpSecurityDescriptor
	           : NULL;
	if (sd && sd->Revision == SECURITY_DESCRIPTOR_REVISION &&
	    (sd->Control & SE_DACL_PRESENT) && !sd->Dacl)
		return 0666;
	return 0;
}

/* ---- system time and version ---- */

/* 100-ns intervals from 1601-01-01 to 1970-01-01. */
#define EPOCH_1601 116444736000000000ULL

VOID WINAPI GetSystemTimeAsFileTime(LPFILETIME ft)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t t = (uint64_t)ts.tv_sec * 10000000u +
	             (uint64_t)ts.tv_nsec / 100u + EPOCH_1601;
	ft->dwLowDateTime = (DWORD)t;
	ft->dwHighDateTime = (DWORD)(t >> 32);
}

/* What Windows 8.1 and later report to a program with no compatibility
 * manifest (GetVersionEx's documentation): Windows 8, 6.2.9200. */
#define V_MAJOR 6
#define V_MINOR 2
#define V_BUILD 9200

BOOL WINAPI GetVersionExA(LPOSVERSIONINFOA v)
{
	if (!v || (v->dwOSVersionInfoSize != sizeof(OSVERSIONINFOA) &&
	           v->dwOSVersionInfoSize != sizeof(OSVERSIONINFOEXA))) {
		w32_set_error(ERROR_INSUFFICIENT_BUFFER);
		return FALSE;
	}
	DWORD size = v->dwOSVersionInfoSize;
	memset(v, 0, size);
	v->dwOSVersionInfoSize = size;
	v->dwMajorVersion = V_MAJOR;
	v->dwMinorVersion = V_MINOR;
	v->dwBuildNumber = V_BUILD;
	v->dwPlatformId = VER_PLATFORM_WIN32_NT;
	if (size == sizeof(OSVERSIONINFOEXA))
		((OSVERSIONINFOEXA *)v)->wProductType = VER_NT_WORKSTATION;
	return TRUE;
}

BOOL WINAPI GetVersionExW(LPOSVERSIONINFOW v)
{
	if (!v || (v->dwOSVersionInfoSize != sizeof(OSVERSIONINFOW) &&
	           v->dwOSVersionInfoSize != sizeof(OSVERSIONINFOEXW))) {
		w32_set_error(ERROR_INSUFFICIENT_BUFFER);
		return FALSE;
	}
	DWORD size = v->dwOSVersionInfoSize;
	memset(v, 0, size);
	v->dwOSVersionInfoSize = size;
	v->dwMajorVersion = V_MAJOR;
	v->dwMinorVersion = V_MINOR;
	v->dwBuildNumber = V_BUILD;
	v->dwPlatformId = VER_PLATFORM_WIN32_NT;
	if (size == sizeof(OSVERSIONINFOEXW))
		((OSVERSIONINFOEXW *)v)->wProductType = VER_NT_WORKSTATION;
	return TRUE;
}

/* ---- temporary files ---- */

/* The temporary directory with a trailing '/', malloc'd; or NULL. */
static char *temp_dir(void)
{
	const char *d = getenv("TMPDIR");
	if (!d || !*d)
		d = "/tmp";
	size_t n = strlen(d);
	char *s = malloc(n + 2);
	if (!s)
		return NULL;
	memcpy(s, d, n);
	if (s[n - 1] != '/')
		s[n++] = '/';
	s[n] = '\0';
	return s;
}

DWORD WINAPI GetTempPathA(DWORD len, LPSTR buf)
{
	char *d = temp_dir();
	if (!d) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return 0;
	}
	DWORD n = (DWORD)strlen(d);
	if (!buf || len < n + 1) {
		free(d);
		return n + 1;
	}
	memcpy(buf, d, n + 1);
	free(d);
	return n;
}

DWORD WINAPI GetTempPathW(DWORD len, LPWSTR buf)
{
	char *d = temp_dir();
	wchar_t *w = d ? w32_widen(d) : NULL;
	free(d);
	if (!w) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return 0;
	}
	DWORD n = (DWORD)wcslen(w);
	if (!buf || len < n + 1) {
		free(w);
		return n + 1;
	}
	memcpy(buf, w, (n + 1) * sizeof *w);
	free(w);
	return n;
}

/* The name "<dir>/<pre><hex>.TMP" into out (MAX_PATH bytes); 0 or -1 if
 * it does not fit. */
static int temp_name(char *out, const char *dir, const char *pre, unsigned u)
{
	size_t n = strlen(dir);
	const char *sep = n && dir[n - 1] != '/' ? "/" : "";
	int r = snprintf(out, MAX_PATH, "%s%s%.3s%X.TMP", dir, sep, pre, u);
	return r < 0 || r >= MAX_PATH ? -1 : 0;
}

static UINT temp_file(const char *path, const char *pre, UINT uUnique,
                      char *out)
{
	if (!path || !out) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return 0;
	}
	char *dir = w32_path(path);
	if (!dir) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return 0;
	}
	if (!pre)
		pre = "";
	/* Windows requires room for the 14 characters it may add. */
	if (strlen(dir) > MAX_PATH - 14) {
		free(dir);
		w32_set_error(ERROR_BUFFER_OVERFLOW);
		return 0;
	}
	unsigned u = uUnique & 0xffffu;
	if (uUnique) {
		if (temp_name(out, dir, pre, u) != 0) {
			free(dir);
			w32_set_error(ERROR_BUFFER_OVERFLOW);
			return 0;
		}
		free(dir);
		return u ? u : uUnique; /* non-zero: the call succeeded */
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned start = (unsigned)(ts.tv_nsec / 1000 ^ ts.tv_sec) & 0xffffu;
	for (unsigned k = 0; k < 0x10000u; k++) {
		u = (start + k) & 0xffffu;
		if (!u)
			continue; /* 0 is never a number used */
		if (temp_name(out, dir, pre, u) != 0) {
			free(dir);
			w32_set_error(ERROR_BUFFER_OVERFLOW);
			return 0;
		}
		int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		              0666);
		if (fd >= 0) {
			close(fd);
			free(dir);
			return u;
		}
		if (errno == EEXIST)
			continue;
		int e = errno;
		free(dir);
		w32_set_error(e == ENOENT || e == ENOTDIR ? ERROR_DIRECTORY
		                                          : w32_error(-e));
		return 0;
	}
	free(dir);
	w32_set_error(ERROR_FILE_EXISTS);
	return 0;
}

UINT WINAPI GetTempFileNameA(LPCSTR path, LPCSTR pre, UINT uUnique,
                             LPSTR out)
{
	return temp_file(path, pre, uUnique, out);
}

UINT WINAPI GetTempFileNameW(LPCWSTR path, LPCWSTR pre, UINT uUnique,
                             LPWSTR out)
{
	if (!path || !out) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return 0;
	}
	char *p = w32_narrow(path), *x = pre ? w32_narrow(pre) : NULL;
	char buf[MAX_PATH];
	UINT r = 0;
	if (!p || (pre && !x)) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
	} else if ((r = temp_file(p, x, uUnique, buf)) != 0) {
		wchar_t *w = w32_widen(buf);
		if (w && wcslen(w) < MAX_PATH) {
			wcscpy(out, w);
		} else {
			w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
			r = 0;
		}
		free(w);
	}
	free(p);
	free(x);
	return r;
}

/* ---- file attributes ---- */

/* The last error for a path stat could not find: ERROR_PATH_NOT_FOUND if
 * the directory holding it is missing too, as on Windows. */
static void not_found(const char *p, int e)
{
	if (e == ENOTDIR) {
		w32_set_error(ERROR_PATH_NOT_FOUND);
		return;
	}
	if (e != ENOENT) {
		w32_error(-e);
		return;
	}
	char *d = strdup(p);
	char *slash = d ? strrchr(d, '/') : NULL;
	struct stat st;
	int parent_ok = 1;
	if (slash) {
		if (slash == d)
			slash[1] = '\0';
		else
			*slash = '\0';
		parent_ok = stat(d, &st) == 0;
	}
	free(d);
	w32_set_error(parent_ok ? ERROR_FILE_NOT_FOUND : ERROR_PATH_NOT_FOUND);
}

static DWORD get_attrs(const char *name)
{
	if (!name) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return INVALID_FILE_ATTRIBUTES;
	}
	char *p = w32_path(name);
	if (!p) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return INVALID_FILE_ATTRIBUTES;
	}
	struct stat st;
	if (stat(p, &st) != 0) {
		not_found(p, errno);
		free(p);
		return INVALID_FILE_ATTRIBUTES;
	}
	free(p);
	DWORD a = 0;
	if (S_ISDIR(st.st_mode))
		a |= FILE_ATTRIBUTE_DIRECTORY;
	if (!(st.st_mode & 0222))
		a |= FILE_ATTRIBUTE_READONLY;
	return a ? a : FILE_ATTRIBUTE_NORMAL;
}

static BOOL set_attrs(const char *name, DWORD attrs)
{
	if (!name) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	char *p = w32_path(name);
	if (!p) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return FALSE;
	}
	struct stat st;
	if (stat(p, &st) != 0) {
		not_found(p, errno);
		free(p);
		return FALSE;
	}
	mode_t m = st.st_mode & 07777;
	if (attrs & FILE_ATTRIBUTE_READONLY)
		m &= (mode_t)~0222;
	else if (!(m & 0222))
		m |= 0200 | ((m & 0044) >> 1); /* write where one may read */
	if (m != (st.st_mode & 07777) && chmod(p, m) != 0) {
		int e = errno;
		free(p);
		w32_error(-e);
		return FALSE;
	}
	free(p);
	return TRUE;
}

DWORD WINAPI GetFileAttributesA(LPCSTR name)
{
	return get_attrs(name);
}

DWORD WINAPI GetFileAttributesW(LPCWSTR name)
{
	char *n = name ? w32_narrow(name) : NULL;
	if (name && !n) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return INVALID_FILE_ATTRIBUTES;
	}
	DWORD r = get_attrs(n);
	free(n);
	return r;
}

BOOL WINAPI SetFileAttributesA(LPCSTR name, DWORD attrs)
{
	return set_attrs(name, attrs);
}

BOOL WINAPI SetFileAttributesW(LPCWSTR name, DWORD attrs)
{
	char *n = name ? w32_narrow(name) : NULL;
	if (name && !n) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return FALSE;
	}
	BOOL r = set_attrs(n, attrs);
	free(n);
	return r;
}
