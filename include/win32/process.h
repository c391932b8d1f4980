/* SPDX-License-Identifier: MIT */
/*
 * <process.h>: the process-id call of Microsoft's C runtime. _getpid is the
 * calling process's id, the value GetCurrentProcessId() returns.
 */
#ifndef SHMAP_WIN32_PROCESS_H
#define SHMAP_WIN32_PROCESS_H

#include <unistd.h>

#define _getpid() ((int)getpid())

/* ---- threads of Microsoft's C runtime ---- */

#include <windows.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Starts a thread as CreateThread does (initflag may be CREATE_SUSPENDED)
 * and returns its handle, to be closed with CloseHandle; stores its ID in
 * *thrdaddr if not NULL. Returns 0 and sets errno (EINVAL for a NULL
 * routine or a bad flag, EAGAIN otherwise) on failure.
 */
SHMAP_W32API uintptr_t _beginthreadex(void *security, unsigned stack_size,
                                      unsigned(__stdcall *start_address)(void *),
                                      void *arglist, unsigned initflag,
                                      unsigned *thrdaddr);
/* Ends the calling thread with exit code retval (ExitThread). */
SHMAP_W32API void _endthreadex(unsigned retval);
/*
 * Starts a thread running start_address(arglist) and returns its handle,
 * which closes itself as the thread ends (so it is safe to use only while
 * the thread surely runs), or (uintptr_t)-1 and errno on failure.
 */
SHMAP_W32API uintptr_t _beginthread(void(__cdecl *start_address)(void *),
                                    unsigned stack_size, void *arglist);
/* Ends the calling thread (exit code 0). */
SHMAP_W32API void _endthread(void);

#ifdef __cplusplus
}
#endif

#endif
