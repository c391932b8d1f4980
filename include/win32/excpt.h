/* SPDX-License-Identifier: MIT */
/*
 * <excpt.h>: structured exceptions. __try / __except / __finally / __leave,
 * GetExceptionCode, GetExceptionInformation and AbnormalTermination, for
 * the faults Linux reports by signal: SIGBUS in a view (a page that cannot
 * be brought in, such as one past the end of a file another process cut
 * short) is EXCEPTION_IN_PAGE_ERROR, SIGSEGV is EXCEPTION_ACCESS_VIOLATION.
 *
 *     __try {
 *         value = *pView;
 *     } __except (GetExceptionCode() == EXCEPTION_IN_PAGE_ERROR
 *                     ? EXCEPTION_EXECUTE_HANDLER
 *                     : EXCEPTION_CONTINUE_SEARCH) {
 *         // failed to read from the view
 *     }
 *
 * As on Windows, filters are evaluated innermost first before anything is
 * unwound (a positive value runs that handler, zero searches on, a
 * negative one resumes the faulting instruction); then the __finally
 * blocks in between run, and the handler. A fault no filter takes goes on
 * as if no __try were there: to the handler the program installed before,
 * else it ends the process by its signal. return, break, continue and goto
 * out of a __try / __except block behave as on Windows.
 *
 * What differs, and why (README, "Structured exceptions"):
 * - Blocks are entered by longjmp: a local variable changed inside the
 *   __try block and read in a filter, handler or __finally block after an
 *   exception must be volatile, as with setjmp.
 * - A __finally block runs on normal exit, on __leave and when an exception
 *   unwinds through it; leaving its __try block by return, break, continue
 *   or goto cannot run it (the macro sees no such jump in time), so that
 *   ends the process with a message instead of skipping the block. In C,
 *   break and continue directly inside a __finally block end that block.
 * - GetExceptionCode() in a handler (in C) is the code of the exception
 *   handled last on the thread.
 */
#ifndef SHMAP_WIN32_EXCPT_H
#define SHMAP_WIN32_EXCPT_H

#include <setjmp.h>

#include <windows.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef EXCEPTION_EXECUTE_HANDLER
/* Filter values. */
#define EXCEPTION_EXECUTE_HANDLER 1
#define EXCEPTION_CONTINUE_SEARCH 0
#define EXCEPTION_CONTINUE_EXECUTION (-1)
#endif

/* Exception codes (winnt.h, ntstatus.h). */
#define STATUS_ACCESS_VIOLATION ((DWORD)0xC0000005L)
#define STATUS_IN_PAGE_ERROR ((DWORD)0xC0000006L)
#define STATUS_END_OF_FILE ((DWORD)0xC0000011L)
#define STATUS_DEVICE_DATA_ERROR ((DWORD)0xC000009CL)
#define EXCEPTION_ACCESS_VIOLATION STATUS_ACCESS_VIOLATION
#define EXCEPTION_IN_PAGE_ERROR STATUS_IN_PAGE_ERROR
#define EXCEPTION_NONCONTINUABLE 0x1
#define EXCEPTION_MAXIMUM_PARAMETERS 15

typedef struct _EXCEPTION_RECORD {
	DWORD ExceptionCode;
	DWORD ExceptionFlags;
	struct _EXCEPTION_RECORD *ExceptionRecord;
	PVOID ExceptionAddress;
	DWORD NumberParameters;
	ULONG_PTR ExceptionInformation[EXCEPTION_MAXIMUM_PARAMETERS];
} EXCEPTION_RECORD, *PEXCEPTION_RECORD;

/* The processor state at the fault; opaque here (the Linux ucontext_t). */
typedef struct _CONTEXT CONTEXT, *PCONTEXT;

typedef struct _EXCEPTION_POINTERS {
	PEXCEPTION_RECORD ExceptionRecord;
	PCONTEXT ContextRecord;
} EXCEPTION_POINTERS, *PEXCEPTION_POINTERS, *LPEXCEPTION_POINTERS;

/* The code of the exception being filtered, or in a handler the one
 * handled last on the calling thread; 0 if there is none. */
SHMAP_W32API DWORD _exception_code(void);
/* The record and context of the exception being filtered, valid while its
 * filter runs; NULL outside a filter. */
SHMAP_W32API void *_exception_info(void);
#define GetExceptionCode _exception_code
#define GetExceptionInformation() ((struct _EXCEPTION_POINTERS *)_exception_info())
#define exception_code _exception_code
#define exception_info() ((struct _EXCEPTION_POINTERS *)_exception_info())

/* ---- The machinery behind the macros; not for direct use. ---- */

enum {
	SHMAP__SEH_EXCEPT = 1,
	SHMAP__SEH_FINALLY = 2,
	/* states */
	SHMAP__SEH_BODY = 0,
	SHMAP__SEH_FILTER = 1,  /* its filter is to be evaluated */
	SHMAP__SEH_HANDLER = 2, /* its handler is to run */
	SHMAP__SEH_UNWIND = 3,  /* an exception unwinds through it */
	SHMAP__SEH_DONE = 4     /* popped */
};

/* One __try, on its function's stack, linked per thread. */
typedef struct shmap_seh_frame {
	jmp_buf env;
	struct shmap_seh_frame *prev;
	char *sp;                        /* the function's stack pointer */
	struct shmap_seh_frame *target;  /* unwinding: the handler's frame */
	void *guard;                     /* the guard scope it opened in */
	int kind;
	volatile int state;
} shmap_seh_frame;

/* A __finally block in progress. */
typedef struct shmap_seh_fin {
	struct shmap_seh_frame *target; /* unwinding: where to go on to */
	int abnormal;
	int run;
} shmap_seh_fin;

/* Opens frame f of kind (SHMAP__SEH_EXCEPT or _FINALLY) on the thread. */
SHMAP_W32API void shmap__seh_enter(shmap_seh_frame *f, int kind);
/* Closes f after its __try block; returns 0 when the block after the
 * macro (a handler, a __finally block) is to run. */
SHMAP_W32API int shmap__seh_leave(shmap_seh_frame *f);
/* f's scope ends; a jump out of its __try block pops it (__except), or
 * ends the process (__finally, which cannot run then). */
SHMAP_W32API void shmap__seh_cleanup(shmap_seh_frame *f);
/* Hands f's filter value on to the dispatcher. Returns 1 when f's handler
 * is to run now; otherwise leaves by longjmp. */
SHMAP_W32API int shmap__seh_filtered(shmap_seh_frame *f, long value);
/* Starts a __finally block, after shmap__seh_leave of its frame. */
SHMAP_W32API shmap_seh_fin shmap__seh_fin_begin(void);
/* Ends one; an exception unwinding through it goes on (by longjmp). */
SHMAP_W32API void shmap__seh_fin_end(shmap_seh_fin *s);

#ifdef __cplusplus
}
#endif

#define AbnormalTermination() ((BOOL)__seh_fin.abnormal)
#define _abnormal_termination() ((BOOL)__seh_fin.abnormal)

#ifdef __cplusplus
/*
 * libstdc++ writes its own `__try { } __catch (...) { }` in its headers,
 * meaning `try`. Those headers come first, so that they keep that meaning
 * when a program includes them after this one.
 */
#if defined(__GLIBCXX__) || __has_include(<bits/c++config.h>)
#include <bitset>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <forward_list>
#include <fstream>
#include <functional>
#include <future>
#include <iomanip>
#include <iostream>
#include <list>
#include <locale>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>
#if __cplusplus >= 201703L && __has_include(<memory_resource>)
#include <memory_resource>
#endif
#if __cplusplus > 201703L && __has_include(<syncstream>)
#include <syncstream>
#endif
#endif
#ifdef __try
#undef __try
#endif
#endif

/*
 * The __try block runs inside a statement expression that owns the
 * frame. It first jumps to the part __except or __finally writes, which
 * opens the frame with its kind, and back; jumps out of the block leave
 * the statement expression, whose cleanup pops the frame; the dispatcher
 * comes back through setjmp.
 */
#define __try                                                                  \
	if (__extension__({                                                    \
		    __label__ __seh_setup, __seh_body, __seh_leave;            \
		    shmap_seh_frame __seh_f                                    \
		            __attribute__((cleanup(shmap__seh_cleanup)));      \
		    goto __seh_setup;                                          \
		    __seh_body:                                                \
		    if (setjmp(__seh_f.env) == 0)

#define SHMAP__SEH_TAIL(kind)                                                  \
	if (0) {                                                               \
	__seh_setup:                                                           \
		shmap__seh_enter(&__seh_f, kind);                              \
		goto __seh_body;                                               \
	}                                                                      \
	shmap__seh_leave(&__seh_f);                                            \
	}))                                                                    \
	{                                                                      \
	} else

#define __except(...)                                                          \
	__seh_leave: __attribute__((unused));                                  \
	if (__seh_f.state == SHMAP__SEH_FILTER)                                \
		shmap__seh_filtered(&__seh_f, (long)(__VA_ARGS__));            \
	SHMAP__SEH_TAIL(SHMAP__SEH_EXCEPT)

#define __finally                                                              \
	__seh_leave: __attribute__((unused));                                  \
	SHMAP__SEH_TAIL(SHMAP__SEH_FINALLY)                                    \
	for (shmap_seh_fin __seh_fin                                           \
	             __attribute__((cleanup(shmap__seh_fin_end))) =            \
	             shmap__seh_fin_begin();                                   \
	     __seh_fin.run; __seh_fin.run = 0)

#define __leave goto __seh_leave


#if defined(__GNUC__) && !defined(__clang__)
/* GCC warns of every local live across the setjmp in __try; it keeps them
 * in memory, and the rule above (volatile) is the real one. */
#pragma GCC diagnostic ignored "-Wclobbered"
#endif

#endif
