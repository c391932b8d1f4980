/* SPDX-License-Identifier: MIT */
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
	W32_THREAD, /* sync: a private manual-reset event set as it ends */
	W32_SNAPSHOT, /* fd: a toolhelp snapshot's records (toolhelp.c) */
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
	int noexec; /* a mapping known to lack execute protection */
	int overlapped; /* a file opened with FILE_FLAG_OVERLAPPED */
	pid_t pid; /* a process */
	int reaped, status, terminated;
	int self; /* a process: the calling one, never ended */
	int foreign; /* a process from OpenProcess: maybe not our child */
	int exit_known; /* a foreign process: status is its wait status */
	DWORD term_code;
	struct w32_thread *thr; /* a thread: see thread.c */
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

/* The most handles a process passes to a child it starts. */
#define W32_INHERIT_MAX 1024

/*
 * Adopts the handles a parent passed to this process in spec, the value of
 * SHMAP_WIN32_HANDLES: records separated by ',', each
 * "handle:kind:fd:access:dev:ino" (kind F, an unnamed file mapping, adds
 * ":size:prot"), every number decimal with no sign or leading zero. A
 * record is adopted, its object put at exactly its handle value, only if it
 * is well formed and its descriptor is the parent's: open, not
 * close-on-exec, no handle's already, a regular file of exactly that device
 * and inode, holding an object of that kind (a file mapping no larger than
 * its file, which is never grown). Of records naming one handle value or
 * one descriptor, only the first counts. A record whose descriptor checks
 * out but whose object cannot be adopted has the descriptor closed; any
 * other descriptor is left alone. With out not NULL, adopts at most cap
 * handles and stores them in out. Records after the first W32_INHERIT_MAX
 * are ignored. Returns how many handles were adopted.
 */
int shmap__w32_adopt_handles(const char *spec, HANDLE *out, size_t cap);

/* Takes one more reference to obj. */
void w32_hold(struct w32_obj *obj);
/* The calling thread's object, made on first use for a thread CreateThread
 * did not start, with one reference taken; NULL if it cannot be made. */
struct w32_obj *w32_thread_self(void);
/* The calling process's object, made on first use and never freed, with
 * one reference taken; NULL (last error set) if it cannot be made. */
struct w32_obj *w32_process_self(void);
/* Frees a thread object's own part (thread.c). */
void w32_thread_free(struct w32_thread *t);

/* Reaps an ended child process object once; 1 if it has ended. */
int w32_reap(struct w32_obj *p);

/* The native mode of a Global object created with sa: 0666 when its
 * security descriptor has a NULL DACL (every user has full access), else
 * 0 (the default, owner only). */
unsigned w32_sa_mode(const SECURITY_ATTRIBUTES *sa);

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
