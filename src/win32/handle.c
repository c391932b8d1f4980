/* SPDX-License-Identifier: MIT */
/* Handles, last errors and string conversion for the Win32 layer. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "w32.h"
#include "wtf8.h"

static __thread DWORD t_last_error;

DWORD WINAPI GetLastError(void)
{
	return t_last_error;
}

void WINAPI SetLastError(DWORD e)
{
	t_last_error = e;
}

void w32_set_error(DWORD e)
{
	t_last_error = e;
}

DWORD w32_error(int rc)
{
	DWORD e;
	switch (rc) {
	case 0:
		e = ERROR_SUCCESS;
		break;
	case -ENOENT:
		e = ERROR_FILE_NOT_FOUND;
		break;
	case -ENOTDIR:
	case SHMAP_EBADPATH:
		e = ERROR_PATH_NOT_FOUND;
		break;
	case -EACCES:
	case -EPERM:
	case -EROFS:
		e = ERROR_ACCESS_DENIED;
		break;
	case SHMAP_ETYPE:
	case -EBADF:
		e = ERROR_INVALID_HANDLE;
		break;
	case -ENOMEM:
		e = ERROR_NOT_ENOUGH_MEMORY;
		break;
	case -ENOSPC:
	case -EDQUOT:
		e = ERROR_DISK_FULL;
		break;
	case -EEXIST:
		e = ERROR_ALREADY_EXISTS;
		break;
	case -ENAMETOOLONG:
		e = ERROR_FILENAME_EXCED_RANGE;
		break;
	case -ENODATA:
		e = ERROR_FILE_INVALID;
		break;
	case SHMAP_EBADOBJ:
		e = ERROR_FILE_CORRUPT;
		break;
	case SHMAP_EFORMAT:
		/* Windows has no such case: an object made by a version of
		 * shmap with another shared-memory format. */
		e = ERROR_REVISION_MISMATCH;
		break;
	case SHMAP_EINPAGE:
		/* What Windows reports for STATUS_IN_PAGE_ERROR (the page
		 * behind an event, mutex or semaphore was cut away). */
		e = ERROR_SWAPERR;
		break;
	case -EOVERFLOW:
		e = ERROR_TOO_MANY_POSTS;
		break;
	case -ETIMEDOUT:
		e = WAIT_TIMEOUT;
		break;
	case -EMFILE:
	case -ENFILE:
		e = ERROR_TOO_MANY_OPEN_FILES;
		break;
	case -ESTALE:
		e = ERROR_FILE_NOT_FOUND;
		break;
	case -ENOEXEC:
		e = ERROR_BAD_FORMAT;
		break;
	case -EBUSY:
		e = ERROR_BUSY; /* a lock byte held past the lock timeout */
		break;
	default:
		e = ERROR_INVALID_PARAMETER;
		break;
	}
	t_last_error = e;
	return e;
}

/* ---- the handle table: handle values are 4, 8, 12, ... as on Windows */

struct entry {
	struct w32_obj *obj;
	DWORD access;
	int inherit;
	int protect; /* HANDLE_FLAG_PROTECT_FROM_CLOSE */
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *g_tab;
static size_t g_cap;

static HANDLE to_handle(size_t i)
{
	return (HANDLE)(uintptr_t)((i + 1) * 4);
}

/* The table slot of h, or SIZE_MAX. Call with g_lock held. Windows ignores
 * the low two bits of a handle value (applications tag handles in them). */
static size_t slot_of(HANDLE h)
{
	uintptr_t v = (uintptr_t)h & ~(uintptr_t)3;
	if (v == 0 || v / 4 > g_cap)
		return SIZE_MAX;
	size_t i = v / 4 - 1;
	return g_tab[i].obj ? i : SIZE_MAX;
}

struct w32_obj *w32_obj_new(int type)
{
	struct w32_obj *o = calloc(1, sizeof *o);
	if (!o) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	o->type = type;
	o->fd = -1;
	return o;
}

/* The most handles a process may have open at once. */
#define MAX_HANDLES (1u << 20)

static int place(size_t i, struct w32_obj *obj, DWORD access, int inherit)
{
	if (i >= MAX_HANDLES)
		return -1;
	if (i >= g_cap) {
		size_t cap = g_cap ? g_cap : 64;
		while (cap <= i)
			cap *= 2;
		struct entry *t = realloc(g_tab, cap * sizeof *t);
		if (!t)
			return -1;
		memset(t + g_cap, 0, (cap - g_cap) * sizeof *t);
		g_tab = t;
		g_cap = cap;
	}
	g_tab[i].obj = obj;
	g_tab[i].access = access;
	g_tab[i].inherit = inherit;
	g_tab[i].protect = 0;
	return 0;
}

HANDLE w32_handle_new(struct w32_obj *obj, DWORD access, int inherit)
{
	HANDLE h = NULL;
	pthread_mutex_lock(&g_lock);
	size_t i = 0;
	while (i < g_cap && g_tab[i].obj)
		i++;
	if (place(i, obj, access, inherit) == 0) {
		obj->refs++;
		h = to_handle(i);
	}
	pthread_mutex_unlock(&g_lock);
	if (!h)
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
	return h;
}

/* Puts obj at exactly handle value h: an inherited handle, which stays
 * inheritable, as on Windows. */
static int handle_at(HANDLE h, struct w32_obj *obj, DWORD access)
{
	uintptr_t v = (uintptr_t)h;
	int rc = -1;
	if (v == 0 || v % 4)
		return -1;
	pthread_mutex_lock(&g_lock);
	if (v / 4 - 1 >= g_cap || !g_tab[v / 4 - 1].obj) {
		rc = place(v / 4 - 1, obj, access, 1);
		if (rc == 0)
			obj->refs++;
	}
	pthread_mutex_unlock(&g_lock);
	return rc;
}

void w32_hold(struct w32_obj *obj)
{
	pthread_mutex_lock(&g_lock);
	obj->refs++;
	pthread_mutex_unlock(&g_lock);
}

struct w32_obj *w32_get(HANDLE h, int type, DWORD *access)
{
	struct w32_obj *o = NULL;
	if (h == GetCurrentThread()) {
		/* The pseudo handle: the calling thread's own object. */
		o = !type || type == W32_THREAD ? w32_thread_self() : NULL;
		if (o && access)
			*access = THREAD_ALL_ACCESS;
		if (!o)
			w32_set_error(ERROR_INVALID_HANDLE);
		return o;
	}
	if (h == GetCurrentProcess()) {
		/* The pseudo handle: this process, with every right. */
		o = !type || type == W32_PROCESS ? w32_process_self() : NULL;
		if (o && access)
			*access = PROCESS_ALL_ACCESS;
		if (!o && type != W32_PROCESS && type)
			w32_set_error(ERROR_INVALID_HANDLE);
		return o;
	}
	pthread_mutex_lock(&g_lock);
	size_t i = slot_of(h);
	if (i != SIZE_MAX && (!type || g_tab[i].obj->type == type)) {
		o = g_tab[i].obj;
		o->refs++;
		if (access)
			*access = g_tab[i].access;
	}
	pthread_mutex_unlock(&g_lock);
	if (!o)
		w32_set_error(ERROR_INVALID_HANDLE);
	return o;
}

static void destroy(struct w32_obj *o)
{
	switch (o->type) {
	case W32_MAPPING:
		shmap_map_close(o->map);
		break;
	case W32_EVENT:
	case W32_MUTEX:
	case W32_SEMAPHORE:
		shmap_sync_close(o->sync);
		break;
	case W32_THREAD:
		shmap_sync_close(o->sync);
		w32_thread_free(o->thr);
		break;
	default:
		if (o->fd >= 0)
			close(o->fd);
		break;
	}
	free(o);
}

void w32_put(struct w32_obj *o)
{
	pthread_mutex_lock(&g_lock);
	int last = --o->refs == 0;
	pthread_mutex_unlock(&g_lock);
	if (last)
		destroy(o);
}

void w32_each_inheritable(void (*fn)(HANDLE, struct w32_obj *, DWORD, void *),
                          void *arg)
{
	pthread_mutex_lock(&g_lock);
	for (size_t i = 0; i < g_cap; i++)
		if (g_tab[i].obj && g_tab[i].inherit)
			fn(to_handle(i), g_tab[i].obj, g_tab[i].access, arg);
	pthread_mutex_unlock(&g_lock);
}

BOOL WINAPI CloseHandle(HANDLE h)
{
	struct w32_obj *o = NULL;
	if (h == GetCurrentProcess() || h == GetCurrentThread())
		return TRUE; /* a pseudo handle: closing it does nothing */
	pthread_mutex_lock(&g_lock);
	size_t i = slot_of(h);
	if (i != SIZE_MAX && !g_tab[i].protect) {
		o = g_tab[i].obj;
		g_tab[i].obj = NULL;
	}
	pthread_mutex_unlock(&g_lock);
	if (!o) {
		/* Also a protected handle: it stays open (Windows raises an
		 * exception only under a debugger). */
		w32_set_error(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	w32_put(o);
	return TRUE;
}

BOOL WINAPI DuplicateHandle(HANDLE hSourceProcessHandle, HANDLE hSourceHandle,
                            HANDLE hTargetProcessHandle,
                            LPHANDLE lpTargetHandle, DWORD dwDesiredAccess,
                            BOOL bInheritHandle, DWORD dwOptions)
{
	DWORD access;
	if (hSourceProcessHandle != GetCurrentProcess() ||
	    hTargetProcessHandle != GetCurrentProcess()) {
		/* Only within this process. */
		w32_set_error(ERROR_NOT_SUPPORTED);
		return FALSE;
	}
	if (dwOptions & ~(DWORD)(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS |
	                         DUPLICATE_SAME_ATTRIBUTES)) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	struct w32_obj *o = w32_get(hSourceHandle, 0, &access);
	if (!o)
		return FALSE;
	if (!(dwOptions & DUPLICATE_SAME_ACCESS))
		access = dwDesiredAccess;
	int inherit = bInheritHandle != 0;
	HANDLE h = NULL;
	pthread_mutex_lock(&g_lock);
	size_t i = slot_of(hSourceHandle);
	if (i != SIZE_MAX && g_tab[i].obj != o)
		i = SIZE_MAX; /* closed and reused since: not the source */
	if (dwOptions & DUPLICATE_SAME_ATTRIBUTES) /* a pseudo handle: none */
		inherit = i != SIZE_MAX && g_tab[i].inherit;
	if ((dwOptions & DUPLICATE_CLOSE_SOURCE) && lpTargetHandle &&
	    i != SIZE_MAX && !g_tab[i].protect) {
		/* Closing the source frees its entry first, and Windows' handle
		 * table hands the entry just freed to the duplicate: the same
		 * value, now with the duplicate's access and attributes. */
		g_tab[i].access = access;
		g_tab[i].inherit = inherit;
		h = to_handle(i);
	}
	pthread_mutex_unlock(&g_lock);
	if (h) {
		w32_put(o);
		*lpTargetHandle = h;
		return TRUE;
	}
	/* With DUPLICATE_CLOSE_SOURCE the source goes even if the copy fails,
	 * as on Windows. */
	if (lpTargetHandle)
		h = w32_handle_new(o, access, inherit);
	w32_put(o);
	if (dwOptions & DUPLICATE_CLOSE_SOURCE)
		CloseHandle(hSourceHandle);
	if (lpTargetHandle && !h)
		return FALSE;
	if (lpTargetHandle)
		*lpTargetHandle = h;
	return TRUE;
}

BOOL WINAPI SetHandleInformation(HANDLE h, DWORD dwMask, DWORD dwFlags)
{
	BOOL ok = FALSE;
	pthread_mutex_lock(&g_lock);
	size_t i = slot_of(h);
	if (i != SIZE_MAX) {
		if (dwMask & HANDLE_FLAG_INHERIT)
			g_tab[i].inherit = (dwFlags & HANDLE_FLAG_INHERIT) != 0;
		if (dwMask & HANDLE_FLAG_PROTECT_FROM_CLOSE)
			g_tab[i].protect =
			        (dwFlags & HANDLE_FLAG_PROTECT_FROM_CLOSE) != 0;
		ok = TRUE;
	}
	pthread_mutex_unlock(&g_lock);
	if (!ok)
		w32_set_error(ERROR_INVALID_HANDLE);
	return ok;
}

BOOL WINAPI GetHandleInformation(HANDLE h, LPDWORD lpdwFlags)
{
	BOOL ok = FALSE;
	DWORD f = 0;
	pthread_mutex_lock(&g_lock);
	size_t i = slot_of(h);
	if (i != SIZE_MAX) {
		f = (g_tab[i].inherit ? HANDLE_FLAG_INHERIT : 0) |
		    (g_tab[i].protect ? HANDLE_FLAG_PROTECT_FROM_CLOSE : 0);
		ok = TRUE;
	}
	pthread_mutex_unlock(&g_lock);
	if (!ok) {
		w32_set_error(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (!lpdwFlags) {
		w32_set_error(ERROR_NOACCESS);
		return FALSE;
	}
	*lpdwFlags = f;
	return TRUE;
}

/* ---- handles inherited from a parent (see prepare_one in process.c) ---- */

/* One record of SHMAP_WIN32_HANDLES. */
struct rec {
	uint64_t hv, fd, acc, dev, ino, size, prot;
	char kind;
	int ok;   /* well formed */
	int keep; /* adopt it */
	int ours; /* fd is the descriptor the record names: close it if unused */
};

/* Parses a decimal field ending at one of ends: digits only, no sign, no
 * leading zero, at most max. Advances *p past the number. */
static int num(const char **p, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	if (*s < '0' || *s > '9' || (*s == '0' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return 0;
}

/* Parses the record at *p (up to ',' or the end), advancing *p to the next
 * one. 0 if it is well formed. */
static int parse_rec(const char **p, struct rec *r)
{
	const char *s = *p, *e = strchrnul(s, ',');
	*p = *e ? e + 1 : e;
	memset(r, 0, sizeof *r);
	/* handle:kind:fd:access:dev:ino[:size:prot] */
	if (num(&s, (uint64_t)MAX_HANDLES * 4, &r->hv) || r->hv == 0 ||
	    r->hv % 4 || *s++ != ':')
		return -1;
	r->kind = *s;
	if (!r->kind || !strchr("MFEXSD", r->kind) || s[1] != ':')
		return -1;
	s += 2;
	/* The parent's holds are never 0, 1 or 2. */
	if (num(&s, INT32_MAX, &r->fd) || r->fd < 3 || *s++ != ':' ||
	    num(&s, UINT32_MAX, &r->acc) || *s++ != ':' ||
	    num(&s, UINT64_MAX, &r->dev) || *s++ != ':' ||
	    num(&s, UINT64_MAX, &r->ino))
		return -1;
	if (r->kind == 'F' &&
	    (*s++ != ':' || num(&s, INT64_MAX, &r->size) || r->size == 0 ||
	     *s++ != ':' || num(&s, UINT32_MAX, &r->prot)))
		return -1;
	return s == e ? 0 : -1;
}

/* Whether fd is already a handle's descriptor in this process. */
static int fd_in_table(int fd)
{
	int found = 0;
	pthread_mutex_lock(&g_lock);
	for (size_t i = 0; i < g_cap && !found; i++)
		found = g_tab[i].obj && g_tab[i].obj->fd == fd;
	pthread_mutex_unlock(&g_lock);
	return found;
}

/*
 * Whether the record's descriptor is the one a parent made for it: open,
 * not close-on-exec (the parent passes its holds across exec, and every
 * descriptor this library keeps is close-on-exec, so none is taken for a
 * hold), no handle's already, a regular file (every hold is one), and the
 * very file (device and inode) the record names.
 */
static int verify(const struct rec *r)
{
	struct stat st;
	int fd = (int)r->fd, fl = fcntl(fd, F_GETFD);
	return fl >= 0 && !(fl & FD_CLOEXEC) && fstat(fd, &st) == 0 &&
	       S_ISREG(st.st_mode) && (uint64_t)st.st_dev == r->dev &&
	       (uint64_t)st.st_ino == r->ino && !fd_in_table(fd);
}

/* Builds the object of a verified record, taking its descriptor (closed on
 * failure). NULL on failure. */
static struct w32_obj *build(const struct rec *r)
{
	int fd = (int)r->fd, rc = -1;
	struct w32_obj *o = w32_obj_new(r->kind == 'M' || r->kind == 'F'
	                                        ? W32_MAPPING
	                                : r->kind == 'E' ? W32_EVENT
	                                : r->kind == 'X' ? W32_MUTEX
	                                : r->kind == 'S' ? W32_SEMAPHORE
	                                                 : W32_FILE);
	if (!o) {
		close(fd);
		return NULL;
	}
	switch (r->kind) {
	case 'M': {
		/* The access follows the object's own protection. */
		struct shmap__hdr h;
		if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
			close(fd);
			break;
		}
		rc = shmap__map_adopt(fd,
		                      (h.prot == SHMAP_PROT_READWRITE
		                               ? SHMAP_ACCESS_ALL
		                               : SHMAP_ACCESS_READ) |
		                              SHMAP_ACCESS_COPY,
		                      &o->map);
		break;
	}
	case 'F':
		rc = shmap__map_adopt_file(fd, r->size, (unsigned)r->prot,
		                           &o->map);
		if (rc == 0) {
			o->size = r->size;
			o->prot = (unsigned)r->prot;
		}
		break;
	case 'E':
	case 'X':
	case 'S':
		rc = shmap__sync_adopt(fd,
		                       r->kind == 'E'   ? SHMAP_TYPE_EVENT
		                       : r->kind == 'X' ? SHMAP_TYPE_MUTEX
		                                        : SHMAP_TYPE_SEMAPHORE,
		                       &o->sync);
		break;
	default: /* 'D' */
		rc = fcntl(fd, F_SETFD, FD_CLOEXEC);
		if (rc == 0)
			o->fd = fd;
		else
			close(fd);
		break;
	}
	if (rc) {
		free(o);
		return NULL;
	}
	return o;
}

int shmap__w32_adopt_handles(const char *spec, HANDLE *out, size_t cap)
{
	size_t n = 1, got = 0;
	if (!spec || !*spec)
		return 0;
	for (const char *c = spec; *c && n < W32_INHERIT_MAX; c++)
		n += *c == ',';
	struct rec *r = calloc(n, sizeof *r);
	if (!r)
		return 0;
	const char *p = spec;
	for (size_t i = 0; i < n; i++) {
		if (parse_rec(&p, &r[i]))
			continue; /* malformed: its descriptor is not touched */
		r[i].ok = 1;
		r[i].ours = verify(&r[i]);
		r[i].keep = r[i].ours;
		/* One handle value, one descriptor: the first record keeps
		 * them, a later one naming either is dropped. */
		for (size_t j = 0; j < i; j++) {
			if (!r[j].ok)
				continue;
			if (r[j].fd == r[i].fd)
				r[i].ours = r[i].keep = 0;
			if (r[j].keep && r[j].hv == r[i].hv)
				r[i].keep = 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (r[i].keep && out && got == cap)
			r[i].keep = 0;
		if (!r[i].keep) {
			/* Ours and unused: close it, it must not leak. A later
			 * record naming the same fd was never ours. */
			if (r[i].ours)
				close((int)r[i].fd);
			continue;
		}
		struct w32_obj *o = build(&r[i]);
		HANDLE h = (HANDLE)(uintptr_t)r[i].hv;
		if (!o)
			continue;
		if (handle_at(h, o, (DWORD)r[i].acc)) {
			destroy(o); /* the value is taken: closes the fd */
			continue;
		}
		if (out)
			out[got] = h;
		got++;
	}
	free(r);
	return (int)got; /* at most W32_INHERIT_MAX */
}

/*
 * A process started by CreateProcess with inherited handles finds them in
 * SHMAP_WIN32_HANDLES, each a descriptor holding its object that the parent
 * made for it, and puts each at the same handle value it had in the parent.
 * A set-user-ID program ignores the variable.
 */
__attribute__((constructor)) static void adopt_inherited(void)
{
	const char *env = getenv("SHMAP_WIN32_HANDLES");
	if (!env || getauxval(AT_SECURE))
		return;
	shmap__w32_adopt_handles(env, NULL, 0);
	unsetenv("SHMAP_WIN32_HANDLES");
}

/* ---- strings ---- */

char *w32_narrow(const wchar_t *w)
{
	return shmap__wtf8_narrow(w);
}

wchar_t *w32_widen(const char *s)
{
	return shmap__wtf8_widen(s);
}

char *w32_path(const char *p)
{
	char *s = strdup(p);
	if (s)
		for (char *c = s; *c; c++)
			if (*c == '\\')
				*c = '/';
	return s;
}
