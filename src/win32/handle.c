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

struct w32_obj *w32_get(HANDLE h, int type, DWORD *access)
{
	struct w32_obj *o = NULL;
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
	if (h == GetCurrentProcess())
		return TRUE; /* a pseudo handle: closing it does nothing */
	pthread_mutex_lock(&g_lock);
	size_t i = slot_of(h);
	if (i != SIZE_MAX) {
		o = g_tab[i].obj;
		g_tab[i].obj = NULL;
	}
	pthread_mutex_unlock(&g_lock);
	if (!o) {
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
	if (dwOptions & ~(DWORD)(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS)) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	struct w32_obj *o = w32_get(hSourceHandle, 0, &access);
	if (!o)
		return FALSE;
	/* With DUPLICATE_CLOSE_SOURCE the source goes even if the copy fails,
	 * as on Windows. */
	HANDLE h = NULL;
	if (lpTargetHandle) {
		if (!(dwOptions & DUPLICATE_SAME_ACCESS))
			access = dwDesiredAccess;
		h = w32_handle_new(o, access, bInheritHandle != 0);
	}
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
		ok = TRUE;
	}
	pthread_mutex_unlock(&g_lock);
	if (!ok)
		w32_set_error(ERROR_INVALID_HANDLE);
	return ok;
}

/* Parses one decimal field up to sep; 0 on success. */
static int field(char **p, char sep, unsigned long long max,
                 unsigned long long *out)
{
	char *end;
	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(*p, &end, 10);
	if (errno || v > max || (*end != sep && !(sep == ':' && *end == 0)))
		return -1;
	*out = v;
	*p = *end ? end + 1 : end;
	return 0;
}

/* Whether fd is open and a regular file (a memfd is one too). */
static int regular_fd(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* Adopts one "handle:kind:fd:access[:size:prot]" entry. Descriptors are
 * closed only once they are known to be what the parent made. */
static void adopt_one(char *e)
{
	unsigned long long hv, fd, acc = 0, size = 0, prot = 0;
	if (field(&e, ':', (unsigned long long)MAX_HANDLES * 4, &hv) || hv == 0 ||
	    hv % 4 || !*e)
		return;
	char kind = *e++;
	/* The parent's holds are never 0, 1 or 2. */
	if (*e++ != ':' || !strchr("MFEXSD", kind) ||
	    field(&e, ':', INT32_MAX, &fd) || fd < 3 || !regular_fd((int)fd))
		return;
	if (*e && field(&e, ':', UINT32_MAX, &acc))
		return;
	if (kind == 'F' && (field(&e, ':', INT64_MAX, &size) ||
	                    field(&e, ':', UINT32_MAX, &prot)))
		return;
	struct w32_obj *o = w32_obj_new(kind == 'M' || kind == 'F' ? W32_MAPPING
	                                : kind == 'E'              ? W32_EVENT
	                                : kind == 'X'              ? W32_MUTEX
	                                : kind == 'S'              ? W32_SEMAPHORE
	                                                           : W32_FILE);
	int rc = -1;
	if (!o)
		return;
	switch (kind) {
	case 'M': {
		/* The access follows the object's own protection. */
		struct shmap__hdr h;
		if (pread((int)fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
			break;
		rc = shmap__map_adopt((int)fd,
		                      (h.prot == SHMAP_PROT_READWRITE
		                               ? SHMAP_ACCESS_ALL
		                               : SHMAP_ACCESS_READ) |
		                              SHMAP_ACCESS_COPY,
		                      &o->map);
		break;
	}
	case 'F':
		rc = shmap_map_create_file(NULL, (int)fd, size, (unsigned)prot,
		                           NULL, &o->map);
		if (rc == 0)
			close((int)fd); /* the mapping keeps its own copy */
		break;
	case 'E':
	case 'X':
	case 'S':
		rc = shmap__sync_adopt((int)fd,
		                       kind == 'E'   ? SHMAP_TYPE_EVENT
		                       : kind == 'X' ? SHMAP_TYPE_MUTEX
		                                     : SHMAP_TYPE_SEMAPHORE,
		                       &o->sync);
		break;
	case 'D':
		rc = fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0 ? -1 : 0;
		if (rc == 0)
			o->fd = (int)fd;
		break;
	}
	if (rc == 0 && handle_at((HANDLE)(uintptr_t)hv, o, (DWORD)acc) == 0)
		return;
	if (rc == 0)
		destroy(o);
	else
		free(o);
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
	char *list, *save = NULL;
	if (!env || getauxval(AT_SECURE) || !(list = strdup(env)))
		return;
	for (char *e = strtok_r(list, ",", &save); e;
	     e = strtok_r(NULL, ",", &save))
		adopt_one(e);
	free(list);
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
