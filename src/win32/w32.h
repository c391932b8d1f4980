/* Private to the Win32 layer: the handle table and helpers. */
#ifndef SHMAP_W32_PRIVATE_H
#define SHMAP_W32_PRIVATE_H

#include <sys/types.h>

#include "../internal.h"
#include <windows.h>

enum w32_type {
	W32_MAPPING = 1,
	W32_EVENT,
	W32_MUTEX,
	W32_SEMAPHORE,
	W32_FILE,
	W32_PROCESS,
};

/* A kernel-object-like thing several handles may refer to. */
struct w32_obj {
	int type;
	int refs; /* handles referring to it, plus calls using it */
	shmap_map *map;
	shmap_sync *sync;
	int fd;        /* a file; a process's pidfd */
	uint64_t size; /* an unnamed file mapping: for inheritance */
	unsigned prot;
	pid_t pid; /* a process */
	int reaped, status, terminated;
	DWORD term_code;
};

/* Returns a new handle to obj (taking one reference), or NULL and sets the
 * last error. */
HANDLE w32_handle_new(struct w32_obj *obj, DWORD access, int inherit);
/* Looks up h, of type (0: any); takes a reference; NULL + last error. */
struct w32_obj *w32_get(HANDLE h, int type, DWORD *access);
/* Drops a reference taken by w32_get or held by a handle. */
void w32_put(struct w32_obj *obj);
struct w32_obj *w32_obj_new(int type);
/* Visits every inheritable handle; used by CreateProcess. */
void w32_each_inheritable(void (*fn)(HANDLE, struct w32_obj *, DWORD, void *),
                          void *arg);

/* Reaps an ended child process object once; 1 if it has ended. */
int w32_reap(struct w32_obj *p);

/* Maps a shmap error code to the Win32 one and stores it as last error. */
DWORD w32_error(int rc);
void w32_set_error(DWORD e);

/* wchar_t (UTF-32) <-> narrow text, losslessly (see wtf8.h). Return
 * malloc'd strings, or NULL. */
char *w32_narrow(const wchar_t *w);
wchar_t *w32_widen(const char *s);
/* A Windows path as a Linux one: '\' becomes '/'. malloc'd. */
char *w32_path(const char *p);

#endif
