/*
 * <process.h>: the process-id call of Microsoft's C runtime. _getpid is the
 * calling process's id, the value GetCurrentProcessId() returns.
 */
#ifndef SHMAP_WIN32_PROCESS_H
#define SHMAP_WIN32_PROCESS_H

#include <unistd.h>

#define _getpid() ((int)getpid())

#endif
