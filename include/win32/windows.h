/* SPDX-License-Identifier: MIT */
/*
 * shmap's Windows API subset: file mappings, views, files, events, mutexes,
 * semaphores, waits and processes, with the types, sizes and error codes of
 * 64-bit Windows. Programs written against these calls build on Linux with
 * `pkg-config --cflags --libs shmap-win32` and behave as on Windows.
 */
#ifndef SHMAP_WIN32_WINDOWS_H
#define SHMAP_WIN32_WINDOWS_H

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SHMAP_BUILDING) && defined(__GNUC__)
#define SHMAP_W32API __attribute__((visibility("default")))
#else
#define SHMAP_W32API
#endif

/* Windows code carries Visual C++'s own pragmas (comment(lib, ...),
 * warning(disable: ...)), which have no meaning here; as Visual C++ ignores
 * pragmas it does not know, so do GCC and Clang after this header. (G++
 * before 13 decides on unknown pragmas before it reads this one, so
 * shmap-win32.pc also gives -Wno-unknown-pragmas.) */
#ifdef __GNUC__
#pragma GCC diagnostic ignored "-Wunknown-pragmas"
#endif

/* A program's wmain, as in tchar.h: C linkage for the two-argument form,
 * and wmain's own symbol for a C++ int wmain() and for the form with
 * envp (the environment, wide), so that shmap's main
 * (libshmap-win32main) finds either; with neither, nor a main, the link
 * fails. */
#ifdef __cplusplus
int wmain(int argc, wchar_t **argv);
extern "C++" int wmain() __asm__("wmain");
extern "C++" int wmain(int argc, wchar_t **argv, wchar_t **envp) __asm__("wmain");
#endif

#define WINAPI
#define APIENTRY
#define CALLBACK
#define CONST const
#define VOID void
#define IN
#define OUT
#define OPTIONAL

/* Types, with the sizes of 64-bit Windows (LLP64). */
typedef int BOOL;
typedef unsigned char BYTE;
typedef unsigned char UCHAR;
typedef unsigned short WORD;
typedef unsigned short USHORT;
typedef int32_t INT;
typedef uint32_t UINT;
typedef uint32_t DWORD;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef uint64_t DWORD64;
typedef intptr_t INT_PTR;
typedef uintptr_t UINT_PTR;
typedef intptr_t LONG_PTR;
typedef uintptr_t ULONG_PTR;
typedef uintptr_t DWORD_PTR;
typedef size_t SIZE_T;
typedef intptr_t SSIZE_T;
typedef void *PVOID;
typedef void *LPVOID;
typedef const void *LPCVOID;
typedef void *HANDLE;
typedef HANDLE *PHANDLE;
typedef HANDLE *LPHANDLE;
typedef HANDLE HMODULE;
typedef HANDLE HINSTANCE;
typedef BOOL *LPBOOL;
typedef BYTE *LPBYTE;
typedef DWORD *LPDWORD;
typedef DWORD *PDWORD;
typedef LONG *PLONG;
typedef LONG *LPLONG;
typedef char CHAR;
typedef wchar_t WCHAR;
typedef CHAR *LPSTR;
typedef const CHAR *LPCSTR;
typedef WCHAR *LPWSTR;
typedef const WCHAR *LPCWSTR;
#ifdef UNICODE
typedef WCHAR TCHAR;
#else
typedef CHAR TCHAR;
#endif
typedef TCHAR *LPTSTR;
typedef const TCHAR *LPCTSTR;
typedef CHAR *PSTR, *PCHAR;
typedef const CHAR *PCSTR;
typedef WCHAR *PWSTR, *PWCHAR;
typedef const WCHAR *PCWSTR;
typedef TCHAR *PTSTR, *PTCHAR;
typedef const TCHAR *PCTSTR;

typedef union _LARGE_INTEGER {
	struct {
		DWORD LowPart;
		LONG HighPart;
	} u;
	struct {
		DWORD LowPart;
		LONG HighPart;
	};
	LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef struct _SECURITY_ATTRIBUTES {
	DWORD nLength;
	LPVOID lpSecurityDescriptor;
	BOOL bInheritHandle;
} SECURITY_ATTRIBUTES, *PSECURITY_ATTRIBUTES, *LPSECURITY_ATTRIBUTES;

typedef struct _OVERLAPPED OVERLAPPED, *LPOVERLAPPED;

typedef struct _SYSTEM_INFO {
	union {
		DWORD dwOemId;
		struct {
			WORD wProcessorArchitecture;
			WORD wReserved;
		};
	};
	DWORD dwPageSize;
	LPVOID lpMinimumApplicationAddress;
	LPVOID lpMaximumApplicationAddress;
	DWORD_PTR dwActiveProcessorMask;
	DWORD dwNumberOfProcessors;
	DWORD dwProcessorType;
	DWORD dwAllocationGranularity;
	WORD wProcessorLevel;
	WORD wProcessorRevision;
} SYSTEM_INFO, *LPSYSTEM_INFO;

typedef struct _STARTUPINFOA {
	DWORD cb;
	LPSTR lpReserved;
	LPSTR lpDesktop;
	LPSTR lpTitle;
	DWORD dwX, dwY, dwXSize, dwYSize, dwXCountChars, dwYCountChars;
	DWORD dwFillAttribute;
	DWORD dwFlags;
	WORD wShowWindow;
	WORD cbReserved2;
	LPBYTE lpReserved2;
	HANDLE hStdInput, hStdOutput, hStdError;
} STARTUPINFOA, *LPSTARTUPINFOA;

typedef struct _STARTUPINFOW {
	DWORD cb;
	LPWSTR lpReserved;
	LPWSTR lpDesktop;
	LPWSTR lpTitle;
	DWORD dwX, dwY, dwXSize, dwYSize, dwXCountChars, dwYCountChars;
	DWORD dwFillAttribute;
	DWORD dwFlags;
	WORD wShowWindow;
	WORD cbReserved2;
	LPBYTE lpReserved2;
	HANDLE hStdInput, hStdOutput, hStdError;
} STARTUPINFOW, *LPSTARTUPINFOW;

typedef struct _PROCESS_INFORMATION {
	HANDLE hProcess;
	HANDLE hThread;
	DWORD dwProcessId;
	DWORD dwThreadId;
} PROCESS_INFORMATION, *PPROCESS_INFORMATION, *LPPROCESS_INFORMATION;

#define TRUE 1
#define FALSE 0
#define MAX_PATH 260
#define INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)
#define INFINITE 0xFFFFFFFFu
#define MAXIMUM_WAIT_OBJECTS 64
#define STILL_ACTIVE 259

/* Errors (GetLastError). */
#define ERROR_SUCCESS 0L
#define NO_ERROR 0L
#define ERROR_FILE_NOT_FOUND 2L
#define ERROR_PATH_NOT_FOUND 3L
#define ERROR_TOO_MANY_OPEN_FILES 4L
#define ERROR_ACCESS_DENIED 5L
#define ERROR_INVALID_HANDLE 6L
#define ERROR_NOT_ENOUGH_MEMORY 8L
#define ERROR_BAD_FORMAT 11L
#define ERROR_INVALID_ACCESS 12L
#define ERROR_OUTOFMEMORY 14L
#define ERROR_NOT_SUPPORTED 50L
#define ERROR_FILE_EXISTS 80L
#define ERROR_INVALID_PARAMETER 87L
#define ERROR_BROKEN_PIPE 109L
#define ERROR_DISK_FULL 112L
#define ERROR_INSUFFICIENT_BUFFER 122L
#define ERROR_INVALID_NAME 123L
#define ERROR_NEGATIVE_SEEK 131L
#define ERROR_BAD_PATHNAME 161L
#define ERROR_BUSY 170L
#define ERROR_ALREADY_EXISTS 183L
#define ERROR_FILENAME_EXCED_RANGE 206L
#define WAIT_TIMEOUT 258L
#define ERROR_NOT_OWNER 288L
#define ERROR_TOO_MANY_POSTS 298L
#define ERROR_INVALID_ADDRESS 487L
#define ERROR_SWAPERR 999L /* an in-page operation failed */
#define ERROR_FILE_INVALID 1006L
#define ERROR_MAPPED_ALIGNMENT 1132L
#define ERROR_REVISION_MISMATCH 1306L /* shmap: another version's format */
#define ERROR_FILE_CORRUPT 1392L
#define ERROR_COMMITMENT_LIMIT 1455L
#define ERROR_TIMEOUT 1460L

/* Waits. */
#define WAIT_OBJECT_0 0x00000000u
#define WAIT_ABANDONED 0x00000080u
#define WAIT_ABANDONED_0 0x00000080u
#define WAIT_FAILED 0xFFFFFFFFu

/* Page protections and section flags. */
#define PAGE_NOACCESS 0x01
#define PAGE_READONLY 0x02
#define PAGE_READWRITE 0x04
#define PAGE_WRITECOPY 0x08
#define PAGE_EXECUTE 0x10
#define PAGE_EXECUTE_READ 0x20
#define PAGE_EXECUTE_READWRITE 0x40
#define PAGE_EXECUTE_WRITECOPY 0x80
#define SEC_FILE 0x800000
#define SEC_IMAGE 0x1000000
#define SEC_RESERVE 0x4000000
#define SEC_COMMIT 0x8000000
#define SEC_NOCACHE 0x10000000
#define SEC_LARGE_PAGES 0x80000000

/* Access rights. */
#define DELETE 0x00010000L
#define READ_CONTROL 0x00020000L
#define SYNCHRONIZE 0x00100000L
#define STANDARD_RIGHTS_REQUIRED 0x000F0000L
#define SECTION_QUERY 0x0001
#define SECTION_MAP_WRITE 0x0002
#define SECTION_MAP_READ 0x0004
#define SECTION_MAP_EXECUTE 0x0008
#define SECTION_EXTEND_SIZE 0x0010
#define SECTION_ALL_ACCESS 0xF001F
#define FILE_MAP_COPY 0x0001
#define FILE_MAP_WRITE 0x0002
#define FILE_MAP_READ 0x0004
#define FILE_MAP_EXECUTE 0x0020
#define FILE_MAP_ALL_ACCESS SECTION_ALL_ACCESS
#define EVENT_MODIFY_STATE 0x0002
#define EVENT_ALL_ACCESS 0x1F0003
#define MUTEX_MODIFY_STATE 0x0001
#define MUTEX_ALL_ACCESS 0x1F0001
#define SEMAPHORE_MODIFY_STATE 0x0002
#define SEMAPHORE_ALL_ACCESS 0x1F0003
#define PROCESS_ALL_ACCESS 0x1FFFFF
#define PROCESS_TERMINATE 0x0001
#define PROCESS_VM_READ 0x0010
#define PROCESS_DUP_HANDLE 0x0040
#define PROCESS_QUERY_INFORMATION 0x0400
#define PROCESS_QUERY_LIMITED_INFORMATION 0x1000
#define GENERIC_READ 0x80000000u
#define GENERIC_WRITE 0x40000000u
#define GENERIC_EXECUTE 0x20000000u
#define GENERIC_ALL 0x10000000u

/* Files. */
#define FILE_SHARE_READ 0x1
#define FILE_SHARE_WRITE 0x2
#define FILE_SHARE_DELETE 0x4
#define CREATE_NEW 1
#define CREATE_ALWAYS 2
#define OPEN_EXISTING 3
#define OPEN_ALWAYS 4
#define TRUNCATE_EXISTING 5
#define FILE_ATTRIBUTE_READONLY 0x1
#define FILE_ATTRIBUTE_NORMAL 0x80
#define FILE_ATTRIBUTE_TEMPORARY 0x100
#define FILE_FLAG_WRITE_THROUGH 0x80000000u
#define FILE_FLAG_RANDOM_ACCESS 0x10000000u
#define FILE_FLAG_SEQUENTIAL_SCAN 0x08000000u
#define FILE_BEGIN 0
#define FILE_CURRENT 1
#define FILE_END 2
#define INVALID_FILE_SIZE ((DWORD)0xFFFFFFFF)
#define INVALID_SET_FILE_POINTER ((DWORD)-1)

/* Handles and processes. */
#define DUPLICATE_CLOSE_SOURCE 0x1
#define DUPLICATE_SAME_ACCESS 0x2
#define HANDLE_FLAG_INHERIT 0x1
#define CREATE_NEW_CONSOLE 0x10
#define CREATE_NO_WINDOW 0x08000000
#define CREATE_UNICODE_ENVIRONMENT 0x400
#define DETACHED_PROCESS 0x8
#define NORMAL_PRIORITY_CLASS 0x20
#define STARTF_USESHOWWINDOW 0x1
#define STARTF_USESTDHANDLES 0x100
#define SW_HIDE 0
#define SW_SHOW 5

/* Memory helpers. */
#define CopyMemory(d, s, n) memcpy((d), (s), (n))
#define MoveMemory(d, s, n) memmove((d), (s), (n))
#define FillMemory(d, n, v) memset((d), (v), (n))
#define ZeroMemory(d, n) memset((d), 0, (n))
#define RtlCopyMemory CopyMemory
#define RtlMoveMemory MoveMemory
#define RtlFillMemory FillMemory
#define RtlZeroMemory ZeroMemory
#define SecureZeroMemory ZeroMemory

/* Errors. */
SHMAP_W32API DWORD WINAPI GetLastError(void);
SHMAP_W32API void WINAPI SetLastError(DWORD dwErrCode);

/* Handles. */
SHMAP_W32API BOOL WINAPI CloseHandle(HANDLE hObject);
SHMAP_W32API BOOL WINAPI DuplicateHandle(HANDLE hSourceProcessHandle,
                                         HANDLE hSourceHandle,
                                         HANDLE hTargetProcessHandle,
                                         LPHANDLE lpTargetHandle,
                                         DWORD dwDesiredAccess,
                                         BOOL bInheritHandle, DWORD dwOptions);
SHMAP_W32API BOOL WINAPI SetHandleInformation(HANDLE hObject, DWORD dwMask,
                                              DWORD dwFlags);

/* File mappings and views. */
SHMAP_W32API HANDLE WINAPI CreateFileMappingA(HANDLE hFile,
                                              LPSECURITY_ATTRIBUTES lpAttributes,
                                              DWORD flProtect,
                                              DWORD dwMaximumSizeHigh,
                                              DWORD dwMaximumSizeLow,
                                              LPCSTR lpName);
SHMAP_W32API HANDLE WINAPI CreateFileMappingW(HANDLE hFile,
                                              LPSECURITY_ATTRIBUTES lpAttributes,
                                              DWORD flProtect,
                                              DWORD dwMaximumSizeHigh,
                                              DWORD dwMaximumSizeLow,
                                              LPCWSTR lpName);
SHMAP_W32API HANDLE WINAPI OpenFileMappingA(DWORD dwDesiredAccess,
                                            BOOL bInheritHandle, LPCSTR lpName);
SHMAP_W32API HANDLE WINAPI OpenFileMappingW(DWORD dwDesiredAccess,
                                            BOOL bInheritHandle, LPCWSTR lpName);
SHMAP_W32API LPVOID WINAPI MapViewOfFile(HANDLE hFileMappingObject,
                                         DWORD dwDesiredAccess,
                                         DWORD dwFileOffsetHigh,
                                         DWORD dwFileOffsetLow,
                                         SIZE_T dwNumberOfBytesToMap);
SHMAP_W32API LPVOID WINAPI MapViewOfFileEx(HANDLE hFileMappingObject,
                                           DWORD dwDesiredAccess,
                                           DWORD dwFileOffsetHigh,
                                           DWORD dwFileOffsetLow,
                                           SIZE_T dwNumberOfBytesToMap,
                                           LPVOID lpBaseAddress);
SHMAP_W32API BOOL WINAPI UnmapViewOfFile(LPCVOID lpBaseAddress);
SHMAP_W32API BOOL WINAPI FlushViewOfFile(LPCVOID lpBaseAddress,
                                         SIZE_T dwNumberOfBytesToFlush);
SHMAP_W32API void WINAPI GetSystemInfo(LPSYSTEM_INFO lpSystemInfo);

/* Files. */
SHMAP_W32API HANDLE WINAPI CreateFileA(LPCSTR lpFileName, DWORD dwDesiredAccess,
                                       DWORD dwShareMode,
                                       LPSECURITY_ATTRIBUTES lpAttributes,
                                       DWORD dwCreationDisposition,
                                       DWORD dwFlagsAndAttributes,
                                       HANDLE hTemplateFile);
SHMAP_W32API HANDLE WINAPI CreateFileW(LPCWSTR lpFileName,
                                       DWORD dwDesiredAccess,
                                       DWORD dwShareMode,
                                       LPSECURITY_ATTRIBUTES lpAttributes,
                                       DWORD dwCreationDisposition,
                                       DWORD dwFlagsAndAttributes,
                                       HANDLE hTemplateFile);
/* ReadFile and WriteFile move up to n bytes and store the count in
 * *lpNumberOf...; a read stops at the end of the file (TRUE, fewer bytes)
 * and a pipe's read returns what one read gives. With lpOverlapped they
 * work at its offset (a pipe has none), set its Internal and InternalHigh,
 * reset its event before and set it after; a read at or past the end is
 * FALSE with ERROR_HANDLE_EOF. A handle opened without
 * FILE_FLAG_OVERLAPPED then has its file pointer just past the bytes
 * moved; one opened with it needs lpOverlapped (else
 * ERROR_INVALID_PARAMETER), keeps its pointer, and its transfers complete
 * at once (TRUE, as Windows reports a transfer done without waiting). */
SHMAP_W32API BOOL WINAPI ReadFile(HANDLE hFile, LPVOID lpBuffer,
                                  DWORD nNumberOfBytesToRead,
                                  LPDWORD lpNumberOfBytesRead,
                                  LPOVERLAPPED lpOverlapped);
SHMAP_W32API BOOL WINAPI WriteFile(HANDLE hFile, LPCVOID lpBuffer,
                                   DWORD nNumberOfBytesToWrite,
                                   LPDWORD lpNumberOfBytesWritten,
                                   LPOVERLAPPED lpOverlapped);
SHMAP_W32API DWORD WINAPI GetFileSize(HANDLE hFile, LPDWORD lpFileSizeHigh);
SHMAP_W32API BOOL WINAPI GetFileSizeEx(HANDLE hFile, PLARGE_INTEGER lpFileSize);
SHMAP_W32API DWORD WINAPI SetFilePointer(HANDLE hFile, LONG lDistanceToMove,
                                         PLONG lpDistanceToMoveHigh,
                                         DWORD dwMoveMethod);
SHMAP_W32API BOOL WINAPI SetFilePointerEx(HANDLE hFile,
                                          LARGE_INTEGER liDistanceToMove,
                                          PLARGE_INTEGER lpNewFilePointer,
                                          DWORD dwMoveMethod);
SHMAP_W32API BOOL WINAPI SetEndOfFile(HANDLE hFile);
SHMAP_W32API BOOL WINAPI FlushFileBuffers(HANDLE hFile);
SHMAP_W32API BOOL WINAPI DeleteFileA(LPCSTR lpFileName);
SHMAP_W32API BOOL WINAPI DeleteFileW(LPCWSTR lpFileName);

/* Events, mutexes, semaphores, waits. */
SHMAP_W32API HANDLE WINAPI CreateEventA(LPSECURITY_ATTRIBUTES lpAttributes,
                                        BOOL bManualReset, BOOL bInitialState,
                                        LPCSTR lpName);
SHMAP_W32API HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES lpAttributes,
                                        BOOL bManualReset, BOOL bInitialState,
                                        LPCWSTR lpName);
SHMAP_W32API HANDLE WINAPI OpenEventA(DWORD dwDesiredAccess,
                                      BOOL bInheritHandle, LPCSTR lpName);
SHMAP_W32API HANDLE WINAPI OpenEventW(DWORD dwDesiredAccess,
                                      BOOL bInheritHandle, LPCWSTR lpName);
SHMAP_W32API BOOL WINAPI SetEvent(HANDLE hEvent);
SHMAP_W32API BOOL WINAPI ResetEvent(HANDLE hEvent);
SHMAP_W32API BOOL WINAPI PulseEvent(HANDLE hEvent);
SHMAP_W32API HANDLE WINAPI CreateMutexA(LPSECURITY_ATTRIBUTES lpAttributes,
                                        BOOL bInitialOwner, LPCSTR lpName);
SHMAP_W32API HANDLE WINAPI CreateMutexW(LPSECURITY_ATTRIBUTES lpAttributes,
                                        BOOL bInitialOwner, LPCWSTR lpName);
SHMAP_W32API HANDLE WINAPI OpenMutexA(DWORD dwDesiredAccess,
                                      BOOL bInheritHandle, LPCSTR lpName);
SHMAP_W32API HANDLE WINAPI OpenMutexW(DWORD dwDesiredAccess,
                                      BOOL bInheritHandle, LPCWSTR lpName);
SHMAP_W32API BOOL WINAPI ReleaseMutex(HANDLE hMutex);
SHMAP_W32API HANDLE WINAPI CreateSemaphoreA(LPSECURITY_ATTRIBUTES lpAttributes,
                                            LONG lInitialCount,
                                            LONG lMaximumCount, LPCSTR lpName);
SHMAP_W32API HANDLE WINAPI CreateSemaphoreW(LPSECURITY_ATTRIBUTES lpAttributes,
                                            LONG lInitialCount,
                                            LONG lMaximumCount,
                                            LPCWSTR lpName);
SHMAP_W32API HANDLE WINAPI OpenSemaphoreA(DWORD dwDesiredAccess,
                                          BOOL bInheritHandle, LPCSTR lpName);
SHMAP_W32API HANDLE WINAPI OpenSemaphoreW(DWORD dwDesiredAccess,
                                          BOOL bInheritHandle, LPCWSTR lpName);
SHMAP_W32API BOOL WINAPI ReleaseSemaphore(HANDLE hSemaphore,
                                          LONG lReleaseCount,
                                          LPLONG lpPreviousCount);
SHMAP_W32API DWORD WINAPI WaitForSingleObject(HANDLE hHandle,
                                              DWORD dwMilliseconds);
SHMAP_W32API DWORD WINAPI WaitForMultipleObjects(DWORD nCount,
                                                 const HANDLE *lpHandles,
                                                 BOOL bWaitAll,
                                                 DWORD dwMilliseconds);
SHMAP_W32API void WINAPI Sleep(DWORD dwMilliseconds);

/* Processes. */
SHMAP_W32API DWORD WINAPI GetCurrentProcessId(void);
SHMAP_W32API HANDLE WINAPI GetCurrentProcess(void);
SHMAP_W32API BOOL WINAPI CreateProcessA(
        LPCSTR lpApplicationName, LPSTR lpCommandLine,
        LPSECURITY_ATTRIBUTES lpProcessAttributes,
        LPSECURITY_ATTRIBUTES lpThreadAttributes, BOOL bInheritHandles,
        DWORD dwCreationFlags, LPVOID lpEnvironment,
        LPCSTR lpCurrentDirectory, LPSTARTUPINFOA lpStartupInfo,
        LPPROCESS_INFORMATION lpProcessInformation);
SHMAP_W32API BOOL WINAPI CreateProcessW(
        LPCWSTR lpApplicationName, LPWSTR lpCommandLine,
        LPSECURITY_ATTRIBUTES lpProcessAttributes,
        LPSECURITY_ATTRIBUTES lpThreadAttributes, BOOL bInheritHandles,
        DWORD dwCreationFlags, LPVOID lpEnvironment,
        LPCWSTR lpCurrentDirectory, LPSTARTUPINFOW lpStartupInfo,
        LPPROCESS_INFORMATION lpProcessInformation);
SHMAP_W32API BOOL WINAPI GetExitCodeProcess(HANDLE hProcess,
                                            LPDWORD lpExitCode);
SHMAP_W32API BOOL WINAPI TerminateProcess(HANDLE hProcess, UINT uExitCode);
/*
 * Returns a handle to the running process dwProcessId, for waits,
 * GetExitCodeProcess and TerminateProcess, inheritable if bInheritHandle;
 * the calling process's ID gives a real handle to it. The process need not
 * be a child: the handle is signalled when it ends, and GetExitCodeProcess
 * then gives its exit code (128 plus the signal number after a signal), or
 * 0 while Linux does not tell it: another user's process until its parent
 * has reaped it, and then only on Linux 6.15 and later.
 * ERROR_INVALID_PARAMETER for ID 0 or no such process; ERROR_ACCESS_DENIED
 * when dwDesiredAccess asks for PROCESS_TERMINATE on a process the caller
 * may not signal (another user's).
 */
SHMAP_W32API HANDLE WINAPI OpenProcess(DWORD dwDesiredAccess,
                                       BOOL bInheritHandle,
                                       DWORD dwProcessId);
SHMAP_W32API void WINAPI ExitProcess(UINT uExitCode);

/* ---- Threads, interlocked operations, critical sections, clocks ---- */

/* Calling conventions mean nothing on x86-64 Linux. */
#ifndef __stdcall
#define __stdcall
#endif
#ifndef __cdecl
#define __cdecl
#endif
/* The old single-underscore spellings Visual C++ still accepts. */
#ifndef _stdcall
#define _stdcall
#endif
#ifndef _cdecl
#define _cdecl
#endif

typedef DWORD(WINAPI *PTHREAD_START_ROUTINE)(LPVOID lpThreadParameter);
typedef PTHREAD_START_ROUTINE LPTHREAD_START_ROUTINE;

#define CREATE_SUSPENDED 0x4
#define STACK_SIZE_PARAM_IS_A_RESERVATION 0x10000
#define THREAD_TERMINATE 0x0001
#define THREAD_SUSPEND_RESUME 0x0002
#define THREAD_QUERY_INFORMATION 0x0040
#define THREAD_ALL_ACCESS 0x1FFFFF

/* The layout of 64-bit Windows' RTL_CRITICAL_SECTION; the fields are the
 * library's own (LockCount is a futex word, OwningThread the owner's
 * thread ID), so a program must only pass it to the calls below. */
typedef struct _RTL_CRITICAL_SECTION {
	PVOID DebugInfo;
	LONG LockCount;
	LONG RecursionCount;
	HANDLE OwningThread;
	HANDLE LockSemaphore;
	ULONG_PTR SpinCount;
} CRITICAL_SECTION, *PCRITICAL_SECTION, *LPCRITICAL_SECTION,
        RTL_CRITICAL_SECTION, *PRTL_CRITICAL_SECTION;

/*
 * Starts a thread running lpStartAddress(lpParameter) and returns a handle
 * to it (THREAD_ALL_ACCESS, never inherited), storing its ID in *lpThreadId
 * if not NULL. The handle is signalled once the thread ends (it returns or
 * calls ExitThread), in WaitForSingleObject and WaitForMultipleObjects;
 * closing it leaves the thread running. dwStackSize, if not 0, is the
 * stack's size (at least the system's minimum). dwCreationFlags may hold
 * CREATE_SUSPENDED (the thread starts at ResumeThread) and
 * STACK_SIZE_PARAM_IS_A_RESERVATION; any other flag fails with
 * ERROR_INVALID_PARAMETER. Returns NULL and sets the last error on failure.
 */
SHMAP_W32API HANDLE WINAPI CreateThread(LPSECURITY_ATTRIBUTES lpThreadAttributes,
                                        SIZE_T dwStackSize,
                                        LPTHREAD_START_ROUTINE lpStartAddress,
                                        LPVOID lpParameter,
                                        DWORD dwCreationFlags,
                                        LPDWORD lpThreadId);
/* Ends the calling thread with exit code dwExitCode; a thread started by
 * CreateThread signals its handle first. Never returns. */
SHMAP_W32API void WINAPI ExitThread(DWORD dwExitCode);
/* Stores the thread's exit code in *lpExitCode, STILL_ACTIVE while it
 * runs. FALSE and the last error for a handle that is not a thread's. */
SHMAP_W32API BOOL WINAPI GetExitCodeThread(HANDLE hThread, LPDWORD lpExitCode);
/* Decrements a thread's suspend count and starts it when the count
 * reaches 0; returns the previous count, or (DWORD)-1 and the last error.
 * Only a thread created with CREATE_SUSPENDED is ever suspended. */
SHMAP_W32API DWORD WINAPI ResumeThread(HANDLE hThread);
/* The pseudo handle (HANDLE)-2 that means "the calling thread" wherever a
 * thread handle is taken: waits (the thread never sees itself end),
 * GetExitCodeThread, GetThreadId, DuplicateHandle (which makes a real
 * handle to the thread, signalled when it ends, for threads CreateThread
 * did not start too) and CloseHandle (a no-op). */
SHMAP_W32API HANDLE WINAPI GetCurrentThread(void);
/* The calling thread's ID (its Linux thread ID), unique among the running
 * threads of the system. */
SHMAP_W32API DWORD WINAPI GetCurrentThreadId(void);
/* The ID of the thread of hThread, or 0 and the last error. */
SHMAP_W32API DWORD WINAPI GetThreadId(HANDLE hThread);
/* Yields the processor; TRUE (another thread may have run). */
SHMAP_W32API BOOL WINAPI SwitchToThread(void);

/* Thread calls Linux cannot honour are declared so that a use fails to
 * compile, with the reason, rather than to link or to run. */
#if defined(__has_attribute)
#if __has_attribute(unavailable)
#define SHMAP_W32_UNAVAILABLE(why) __attribute__((unavailable(why)))
#endif
#endif
#ifndef SHMAP_W32_UNAVAILABLE
#define SHMAP_W32_UNAVAILABLE(why) __attribute__((error(why)))
#endif
/* Not available: Linux cannot stop one thread of a process from another.
 * Have the thread wait on an event or a mutex instead. */
SHMAP_W32_UNAVAILABLE("SuspendThread is not available on Linux, which "
                      "cannot stop one thread from another: have the thread "
                      "wait on an event or a mutex")
DWORD WINAPI SuspendThread(HANDLE hThread);
/* Not available: Linux cannot end one thread of a process from another
 * (and Windows advises against it). Have the thread return or call
 * ExitThread. */
SHMAP_W32_UNAVAILABLE("TerminateThread is not available on Linux, which "
                      "cannot end one thread from another: have the thread "
                      "return or call ExitThread")
BOOL WINAPI TerminateThread(HANDLE hThread, DWORD dwExitCode);
/* Not available: a Linux thread's priority is its nice value or its
 * real-time policy, which do not map onto Windows' priority levels. Call
 * setpriority or pthread_setschedparam for GetCurrentThreadId(). */
SHMAP_W32_UNAVAILABLE("SetThreadPriority is not available on Linux: use "
                      "setpriority(PRIO_PROCESS, GetCurrentThreadId(), nice) "
                      "or pthread_setschedparam")
BOOL WINAPI SetThreadPriority(HANDLE hThread, int nPriority);
/* Not available; see SetThreadPriority. */
SHMAP_W32_UNAVAILABLE("GetThreadPriority is not available on Linux: use "
                      "getpriority(PRIO_PROCESS, GetCurrentThreadId())")
int WINAPI GetThreadPriority(HANDLE hThread);

/* Makes lpCriticalSection a free recursive lock. */
SHMAP_W32API void WINAPI InitializeCriticalSection(
        LPCRITICAL_SECTION lpCriticalSection);
/* As InitializeCriticalSection, spinning up to dwSpinCount times before
 * sleeping in EnterCriticalSection; TRUE. */
SHMAP_W32API BOOL WINAPI InitializeCriticalSectionAndSpinCount(
        LPCRITICAL_SECTION lpCriticalSection, DWORD dwSpinCount);
/* Takes the lock, waiting as long as another thread holds it; the holder
 * may take it again, and must leave as many times. */
SHMAP_W32API void WINAPI EnterCriticalSection(
        LPCRITICAL_SECTION lpCriticalSection);
/* Takes the lock if free or held by the caller: TRUE; FALSE otherwise. */
SHMAP_W32API BOOL WINAPI TryEnterCriticalSection(
        LPCRITICAL_SECTION lpCriticalSection);
/* Leaves the lock once; the last leave frees it. Only the holder may. */
SHMAP_W32API void WINAPI LeaveCriticalSection(
        LPCRITICAL_SECTION lpCriticalSection);
/* Ends the use of an unowned critical section (nothing to free). */
SHMAP_W32API void WINAPI DeleteCriticalSection(
        LPCRITICAL_SECTION lpCriticalSection);

/* A condition variable, one pointer as on Windows; the library keeps a
 * wake count in it, so it needs no cleanup and a zeroed one is ready. */
typedef struct _RTL_CONDITION_VARIABLE {
	PVOID Ptr;
} CONDITION_VARIABLE, *PCONDITION_VARIABLE, RTL_CONDITION_VARIABLE,
        *PRTL_CONDITION_VARIABLE;
#define RTL_CONDITION_VARIABLE_INIT {0}
#define CONDITION_VARIABLE_INIT RTL_CONDITION_VARIABLE_INIT

/* Makes ConditionVariable ready for use, with no sleepers. */
SHMAP_W32API void WINAPI InitializeConditionVariable(
        PCONDITION_VARIABLE ConditionVariable);
/* Leaves CriticalSection (which the caller must have entered exactly
 * once), sleeps until ConditionVariable is woken or dwMilliseconds pass
 * (INFINITE: no limit), and enters CriticalSection again before returning.
 * TRUE when woken (a sleeper may also wake without a wake call, as on
 * Windows: check the condition again); FALSE with ERROR_TIMEOUT when the
 * time ran out. A wake with nobody asleep is not remembered. */
SHMAP_W32API BOOL WINAPI SleepConditionVariableCS(
        PCONDITION_VARIABLE ConditionVariable,
        PCRITICAL_SECTION CriticalSection, DWORD dwMilliseconds);
/* Wakes one thread asleep on ConditionVariable, if any. */
SHMAP_W32API void WINAPI WakeConditionVariable(
        PCONDITION_VARIABLE ConditionVariable);
/* Wakes every thread asleep on ConditionVariable. */
SHMAP_W32API void WINAPI WakeAllConditionVariable(
        PCONDITION_VARIABLE ConditionVariable);

/* Milliseconds since boot (CLOCK_MONOTONIC), wrapping every 49.7 days. */
SHMAP_W32API DWORD WINAPI GetTickCount(void);
/* Milliseconds since boot (CLOCK_MONOTONIC). */
SHMAP_W32API ULONGLONG WINAPI GetTickCount64(void);
/* CLOCK_MONOTONIC in units of 100 ns (the frequency is 10 MHz, as on
 * current Windows); TRUE. */
SHMAP_W32API BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *lpPerformanceCount);
/* Stores 10000000 (10 MHz) in *lpFrequency; TRUE. */
SHMAP_W32API BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *lpFrequency);

/*
 * Interlocked operations: atomic, each a full barrier (sequentially
 * consistent), as on Windows. Increment, Decrement and the Add forms
 * return the new value; Exchange, CompareExchange, ExchangeAdd, And, Or
 * and Xor return the previous one.
 */
static inline LONG InterlockedIncrement(LONG volatile *p)
{
	return __atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST);
}
static inline LONG InterlockedDecrement(LONG volatile *p)
{
	return __atomic_sub_fetch(p, 1, __ATOMIC_SEQ_CST);
}
static inline LONG InterlockedExchange(LONG volatile *p, LONG v)
{
	return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}
static inline LONG InterlockedCompareExchange(LONG volatile *p, LONG v,
                                              LONG cmp)
{
	__atomic_compare_exchange_n(p, &cmp, v, 0, __ATOMIC_SEQ_CST,
	                            __ATOMIC_SEQ_CST);
	return cmp; /* the previous value, whether or not it was cmp */
}
static inline LONG InterlockedExchangeAdd(LONG volatile *p, LONG v)
{
	return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}
static inline LONG InterlockedAdd(LONG volatile *p, LONG v)
{
	return __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST);
}
static inline LONG InterlockedAnd(LONG volatile *p, LONG v)
{
	return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);
}
static inline LONG InterlockedOr(LONG volatile *p, LONG v)
{
	return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);
}
static inline LONG InterlockedXor(LONG volatile *p, LONG v)
{
	return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);
}
static inline LONGLONG InterlockedIncrement64(LONGLONG volatile *p)
{
	return __atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST);
}
static inline LONGLONG InterlockedDecrement64(LONGLONG volatile *p)
{
	return __atomic_sub_fetch(p, 1, __ATOMIC_SEQ_CST);
}
static inline LONGLONG InterlockedExchange64(LONGLONG volatile *p, LONGLONG v)
{
	return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}
static inline LONGLONG InterlockedCompareExchange64(LONGLONG volatile *p,
                                                    LONGLONG v, LONGLONG cmp)
{
	__atomic_compare_exchange_n(p, &cmp, v, 0, __ATOMIC_SEQ_CST,
	                            __ATOMIC_SEQ_CST);
	return cmp;
}
static inline LONGLONG InterlockedExchangeAdd64(LONGLONG volatile *p,
                                                LONGLONG v)
{
	return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}
static inline LONGLONG InterlockedAdd64(LONGLONG volatile *p, LONGLONG v)
{
	return __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST);
}
static inline LONGLONG InterlockedAnd64(LONGLONG volatile *p, LONGLONG v)
{
	return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);
}
static inline LONGLONG InterlockedOr64(LONGLONG volatile *p, LONGLONG v)
{
	return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);
}
static inline LONGLONG InterlockedXor64(LONGLONG volatile *p, LONGLONG v)
{
	return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);
}
static inline PVOID InterlockedExchangePointer(PVOID volatile *p, PVOID v)
{
	return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}
static inline PVOID InterlockedCompareExchangePointer(PVOID volatile *p,
                                                      PVOID v, PVOID cmp)
{
	__atomic_compare_exchange_n(p, &cmp, v, 0, __ATOMIC_SEQ_CST,
	                            __ATOMIC_SEQ_CST);
	return cmp;
}
/* A full memory barrier. ThreadSanitizer does not take fences, so there it
 * is a locked operation on a local, as Windows' own x64 MemoryBarrier is. */
#if defined(__SANITIZE_THREAD__)
#define SHMAP_W32_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SHMAP_W32_TSAN 1
#endif
#endif
static inline void MemoryBarrier(void)
{
#ifdef SHMAP_W32_TSAN
	LONG b = 0;
	__atomic_exchange_n(&b, 0, __ATOMIC_SEQ_CST);
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* ---- end of threads, interlocked operations, critical sections ---- */

/* The A or W name of each call, as UNICODE says. */
#ifdef UNICODE
#define CreateFileMapping CreateFileMappingW
#define OpenFileMapping OpenFileMappingW
#define CreateFile CreateFileW
#define DeleteFile DeleteFileW
#define CreateEvent CreateEventW
#define OpenEvent OpenEventW
#define CreateMutex CreateMutexW
#define OpenMutex OpenMutexW
#define CreateSemaphore CreateSemaphoreW
#define OpenSemaphore OpenSemaphoreW
#define CreateProcess CreateProcessW
#define STARTUPINFO STARTUPINFOW
#define LPSTARTUPINFO LPSTARTUPINFOW
#else
#define CreateFileMapping CreateFileMappingA
#define OpenFileMapping OpenFileMappingA
#define CreateFile CreateFileA
#define DeleteFile DeleteFileA
#define CreateEvent CreateEventA
#define OpenEvent OpenEventA
#define CreateMutex CreateMutexA
#define OpenMutex OpenMutexA
#define CreateSemaphore CreateSemaphoreA
#define OpenSemaphore OpenSemaphoreA
#define CreateProcess CreateProcessA
#define STARTUPINFO STARTUPINFOA
#define LPSTARTUPINFO LPSTARTUPINFOA
#endif

/* TEXT("x") is L"x" with UNICODE. Two levels, as in Windows' winnt.h, so
 * an argument that is itself a string macro expands before L is pasted. */
#ifndef TEXT
#ifdef UNICODE
#define __TEXT(quote) L##quote
#else
#define __TEXT(quote) quote
#endif
#define TEXT(quote) __TEXT(quote)
#endif

/* ---- Runtime helpers and more constants (values from the Windows SDK). */

#ifndef WINAPIV
#define WINAPIV
#endif

#define ERROR_SHARING_VIOLATION 32L
#define ERROR_HANDLE_EOF 38L
#define ERROR_USER_MAPPED_FILE 1224L
#define ERROR_PRIVILEGE_NOT_HELD 1314L

#define WRITE_DAC 0x00040000L
#define WRITE_OWNER 0x00080000L
#define STANDARD_RIGHTS_READ READ_CONTROL
#define STANDARD_RIGHTS_WRITE READ_CONTROL
#define STANDARD_RIGHTS_EXECUTE READ_CONTROL
#define STANDARD_RIGHTS_ALL 0x001F0000L
#define FILE_READ_DATA 0x0001
#define FILE_LIST_DIRECTORY 0x0001
#define FILE_WRITE_DATA 0x0002
#define FILE_ADD_FILE 0x0002
#define FILE_APPEND_DATA 0x0004
#define FILE_ADD_SUBDIRECTORY 0x0004
#define FILE_CREATE_PIPE_INSTANCE 0x0004
#define FILE_READ_EA 0x0008
#define FILE_WRITE_EA 0x0010
#define FILE_EXECUTE 0x0020
#define FILE_TRAVERSE 0x0020
#define FILE_DELETE_CHILD 0x0040
#define FILE_READ_ATTRIBUTES 0x0080
#define FILE_WRITE_ATTRIBUTES 0x0100
#define FILE_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FF)
#define FILE_GENERIC_READ                                                      \
	(STANDARD_RIGHTS_READ | FILE_READ_DATA | FILE_READ_ATTRIBUTES |        \
	 FILE_READ_EA | SYNCHRONIZE)
#define FILE_GENERIC_WRITE                                                     \
	(STANDARD_RIGHTS_WRITE | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES |     \
	 FILE_WRITE_EA | FILE_APPEND_DATA | SYNCHRONIZE)
#define FILE_GENERIC_EXECUTE                                                   \
	(STANDARD_RIGHTS_EXECUTE | FILE_READ_ATTRIBUTES | FILE_EXECUTE |       \
	 SYNCHRONIZE)
#define FILE_FLAG_DELETE_ON_CLOSE 0x04000000u
#define HANDLE_FLAG_PROTECT_FROM_CLOSE 0x2
#ifndef ERROR_NOACCESS
#define ERROR_NOACCESS 998L
#endif
#define DUPLICATE_SAME_ATTRIBUTES 0x4
#define SEC_WRITECOMBINE 0x40000000

/* A parameter the function does not use, without a compiler warning. */
#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))

/* Handle values as 32-bit numbers and back, as Windows' basetsd.h does:
 * handle values fit in 32 bits, so the round trip is exact. */
#define HandleToULong(h) ((ULONG)(ULONG_PTR)(h))
#define HandleToLong(h) ((LONG)(LONG_PTR)(h))
#define ULongToHandle(ul) ((HANDLE)(ULONG_PTR)(ul))
#define LongToHandle(l) ((HANDLE)(LONG_PTR)(l))
#define PtrToUlong(p) ((ULONG)(ULONG_PTR)(p))
#define PtrToLong(p) ((LONG)(LONG_PTR)(p))
#define UlongToPtr(ul) ((PVOID)(ULONG_PTR)(ul))
#define LongToPtr(l) ((PVOID)(LONG_PTR)(l))

/* Local memory: blocks are fixed (a moveable block is fixed too, which is
 * what LocalLock of it would return), from the C heap. */
typedef HANDLE HLOCAL;
#define LMEM_FIXED 0x0000
#define LMEM_MOVEABLE 0x0002
#define LMEM_ZEROINIT 0x0040
#define LPTR (LMEM_FIXED | LMEM_ZEROINIT)
#define LHND (LMEM_MOVEABLE | LMEM_ZEROINIT)
#define NONZEROLPTR LMEM_FIXED
#define NONZEROLHND LMEM_MOVEABLE

/* Allocates uBytes (0 gives a valid, unique block) and returns it, zeroed
 * with LMEM_ZEROINIT. Returns NULL with ERROR_NOT_ENOUGH_MEMORY when memory
 * is short, or ERROR_INVALID_PARAMETER for flags other than LMEM_FIXED,
 * LMEM_MOVEABLE and LMEM_ZEROINIT. */
SHMAP_W32API HLOCAL WINAPI LocalAlloc(UINT uFlags, SIZE_T uBytes);
/* Frees a block from LocalAlloc (NULL is allowed and does nothing) and
 * returns NULL. */
SHMAP_W32API HLOCAL WINAPI LocalFree(HLOCAL hMem);
/* Returns the size in bytes that LocalAlloc was asked for when it made
 * hMem (0 for a 0-byte block); 0 with ERROR_INVALID_HANDLE for NULL. hMem
 * must come from LocalAlloc. */
SHMAP_W32API SIZE_T WINAPI LocalSize(HLOCAL hMem);

/* The length of a string in characters, without the terminator; 0 for
 * NULL. */
SHMAP_W32API int WINAPI lstrlenA(LPCSTR lpString);
SHMAP_W32API int WINAPI lstrlenW(LPCWSTR lpString);

/* Formats into a buffer with Microsoft's printf rules (in wsprintfW a %s is
 * a wide string, %S a narrow one; wsprintfA the reverse) and returns the
 * number of characters stored, not counting the terminator. As on Windows
 * at most 1024 characters, the terminator included, are written; longer
 * output is cut there. Returns -1 for a format error, with the buffer
 * made an empty string. */
SHMAP_W32API int WINAPIV wsprintfA(LPSTR lpOut, LPCSTR lpFmt, ...);
SHMAP_W32API int WINAPIV wsprintfW(LPWSTR lpOut, LPCWSTR lpFmt, ...);

#ifdef UNICODE
#define lstrlen lstrlenW
#define wsprintf wsprintfW
#else
#define lstrlen lstrlenA
#define wsprintf wsprintfA
#endif

/* ---- Message boxes on a console system. */

typedef HANDLE HWND;
#define ERROR_INVALID_MSGBOX_STYLE 1438L
#define MB_OK 0x0
#define MB_OKCANCEL 0x1
#define MB_ABORTRETRYIGNORE 0x2
#define MB_YESNOCANCEL 0x3
#define MB_YESNO 0x4
#define MB_RETRYCANCEL 0x5
#define MB_CANCELTRYCONTINUE 0x6
#define MB_ICONHAND 0x10
#define MB_ICONQUESTION 0x20
#define MB_ICONEXCLAMATION 0x30
#define MB_ICONASTERISK 0x40
#define MB_ICONERROR MB_ICONHAND
#define MB_ICONSTOP MB_ICONHAND
#define MB_ICONWARNING MB_ICONEXCLAMATION
#define MB_ICONINFORMATION MB_ICONASTERISK
#define MB_DEFBUTTON1 0x0
#define MB_DEFBUTTON2 0x100
#define MB_DEFBUTTON3 0x200
#define MB_DEFBUTTON4 0x300
#define MB_APPLMODAL 0x0
#define MB_SYSTEMMODAL 0x1000
#define MB_TASKMODAL 0x2000
#define MB_HELP 0x4000
#define MB_SETFOREGROUND 0x10000
#define MB_DEFAULT_DESKTOP_ONLY 0x20000
#define MB_TOPMOST 0x40000
#define MB_RIGHT 0x80000
#define MB_RTLREADING 0x100000
#define MB_SERVICE_NOTIFICATION 0x200000
#define MB_TYPEMASK 0xF
#define MB_ICONMASK 0xF0
#define MB_DEFMASK 0xF00
#define MB_MODEMASK 0x3000
#define MB_MISCMASK 0xC000
#define IDOK 1
#define IDCANCEL 2
#define IDABORT 3
#define IDRETRY 4
#define IDIGNORE 5
#define IDYES 6
#define IDNO 7
#define IDCLOSE 8
#define IDHELP 9
#define IDTRYAGAIN 10
#define IDCONTINUE 11

/* Shows a message box the console way: flushes stdout, writes
 * "caption: text" and a newline to stderr (a NULL caption is "Error", as
 * on Windows; NULL text is empty), waits for no one, and returns the
 * button that is the box's default: the MB_DEFBUTTONn-th of the buttons
 * the type shows (the first if there is no such button), e.g. IDOK for
 * MB_OK, IDYES for MB_YESNO, IDNO for MB_YESNO | MB_DEFBUTTON2. hWnd is
 * not used. Returns 0 with ERROR_INVALID_MSGBOX_STYLE for a button type
 * above MB_CANCELTRYCONTINUE. */
SHMAP_W32API int WINAPI MessageBoxA(HWND hWnd, LPCSTR lpText,
                                    LPCSTR lpCaption, UINT uType);
SHMAP_W32API int WINAPI MessageBoxW(HWND hWnd, LPCWSTR lpText,
                                    LPCWSTR lpCaption, UINT uType);
#ifdef UNICODE
#define MessageBox MessageBoxW
#else
#define MessageBox MessageBoxA
#endif

/* ---- Standard handles, anonymous pipes, FormatMessage,
 * console control handlers, OutputDebugString. */

#define STD_INPUT_HANDLE ((DWORD)-10)
#define STD_OUTPUT_HANDLE ((DWORD)-11)
#define STD_ERROR_HANDLE ((DWORD)-12)

/* Returns the handle for standard input, output or error, for ReadFile,
 * WriteFile and CloseHandle: the one SetStdHandle last set, else a handle
 * (made on first use, not inheritable) on the open file of descriptor 0, 1
 * or 2, or NULL if that descriptor is not open. Closing it leaves the
 * descriptor itself open. INVALID_HANDLE_VALUE with ERROR_INVALID_HANDLE
 * for another nStdHandle. */
SHMAP_W32API HANDLE WINAPI GetStdHandle(DWORD nStdHandle);
/* Makes hHandle what GetStdHandle(nStdHandle) returns; descriptors 0, 1
 * and 2 are not changed. FALSE with ERROR_INVALID_HANDLE for another
 * nStdHandle. */
SHMAP_W32API BOOL WINAPI SetStdHandle(DWORD nStdHandle, HANDLE hHandle);
/* Creates an anonymous pipe: *hReadPipe reads what *hWritePipe writes.
 * Both handles are inheritable if lpPipeAttributes->bInheritHandle is
 * TRUE; nSize, if not 0, is a hint for the buffer size. ReadFile on the
 * read end returns as soon as some data arrives, and once every write
 * handle (in every process) is closed, FALSE with ERROR_BROKEN_PIPE;
 * WriteFile with no reader left is FALSE with ERROR_BROKEN_PIPE, never a
 * signal. A child gets a pipe end through STARTUPINFO's hStdInput,
 * hStdOutput and hStdError with STARTF_USESTDHANDLES. */
SHMAP_W32API BOOL WINAPI CreatePipe(PHANDLE hReadPipe, PHANDLE hWritePipe,
                                    LPSECURITY_ATTRIBUTES lpPipeAttributes,
                                    DWORD nSize);

#include <stdarg.h>

#define FORMAT_MESSAGE_ALLOCATE_BUFFER 0x00000100
#define FORMAT_MESSAGE_IGNORE_INSERTS 0x00000200
#define FORMAT_MESSAGE_FROM_STRING 0x00000400
#define FORMAT_MESSAGE_FROM_HMODULE 0x00000800
#define FORMAT_MESSAGE_FROM_SYSTEM 0x00001000
#define FORMAT_MESSAGE_ARGUMENT_ARRAY 0x00002000
#define FORMAT_MESSAGE_MAX_WIDTH_MASK 0x000000FF
#ifndef MAKELANGID
#define MAKELANGID(p, s) ((((WORD)(s)) << 10) | (WORD)(p))
#endif
#define PRIMARYLANGID(lgid) ((WORD)(lgid) & 0x3ff)
#define SUBLANGID(lgid) ((WORD)(lgid) >> 10)
#define LANG_NEUTRAL 0x00
#define LANG_ENGLISH 0x09
#define SUBLANG_NEUTRAL 0x00
#define SUBLANG_DEFAULT 0x01
#define SUBLANG_SYS_DEFAULT 0x02
#define SUBLANG_ENGLISH_US 0x01
#define ERROR_INVALID_FUNCTION 1L
#define ERROR_NO_DATA 232L
#define ERROR_MR_MID_NOT_FOUND 317L
#define ERROR_RESOURCE_LANG_NOT_FOUND 1815L

/* Formats a message as Windows does. The text is lpSource with
 * FORMAT_MESSAGE_FROM_STRING (which wins over the other sources), or with
 * FORMAT_MESSAGE_FROM_SYSTEM the English text Windows gives for the error
 * codes this layer sets (every ERROR_ constant here, ERROR_SUCCESS, and a
 * Win32 HRESULT 0x8007xxxx for its code), which ends in a line break;
 * neither: 0 with ERROR_INVALID_PARAMETER (FROM_HMODULE alone:
 * ERROR_RESOURCE_TYPE_NOT_FOUND, there being no message tables). For the
 * system, dwLanguageId must be LANG_NEUTRAL or LANG_ENGLISH in any
 * sublanguage, else ERROR_RESOURCE_LANG_NOT_FOUND; an unknown code is
 * ERROR_MR_MID_NOT_FOUND. In the text %1 to %99 insert arguments (as !s!,
 * or %n!fmt! with a printf format: flags, width and precision, '*' taking
 * an argument; s, S, c, C with h, l and w as in wsprintf; d, i, u, x, X, o
 * of 32 bits unless I64, ll or I precede), taken from *Arguments, a
 * va_list whose arguments are each the size of a pointer, or with
 * FORMAT_MESSAGE_ARGUMENT_ARRAY an array of DWORD_PTR (Windows' counting
 * of '*' arguments, different for the two, is kept); an insert with no
 * arguments is ERROR_INVALID_PARAMETER. %0 ends the message, %n is "\r\n",
 * %r "\r", %t a tab, %% %. %! and "% " the character itself, a lone % at
 * the end ERROR_INVALID_PARAMETER; with FORMAT_MESSAGE_IGNORE_INSERTS the
 * rest stand as written. A line break in the text is "\r\n"; the width
 * mask, if not 0, makes it a space and breaks lines at that width at a
 * space (FORMAT_MESSAGE_MAX_WIDTH_MASK: never). With
 * FORMAT_MESSAGE_ALLOCATE_BUFFER, lpBuffer is really a pointer to a
 * pointer that receives a LocalAlloc'd buffer of at least nSize
 * characters, for LocalFree; else the text goes into lpBuffer, nSize
 * characters, or fails with ERROR_INSUFFICIENT_BUFFER (the W form stores
 * what fits). An empty result is 0 with ERROR_NO_WORK_DONE. Returns the
 * characters stored (bytes for A), the terminator excluded, or 0. */
SHMAP_W32API DWORD WINAPI FormatMessageA(DWORD dwFlags, LPCVOID lpSource,
                                         DWORD dwMessageId,
                                         DWORD dwLanguageId, LPSTR lpBuffer,
                                         DWORD nSize, va_list *Arguments);
SHMAP_W32API DWORD WINAPI FormatMessageW(DWORD dwFlags, LPCVOID lpSource,
                                         DWORD dwMessageId,
                                         DWORD dwLanguageId, LPWSTR lpBuffer,
                                         DWORD nSize, va_list *Arguments);
#ifdef UNICODE
#define FormatMessage FormatMessageW
#else
#define FormatMessage FormatMessageA
#endif

#define CTRL_C_EVENT 0
#define CTRL_BREAK_EVENT 1
#define CTRL_CLOSE_EVENT 2
#define CTRL_LOGOFF_EVENT 5
#define CTRL_SHUTDOWN_EVENT 6
typedef BOOL(WINAPI *PHANDLER_ROUTINE)(DWORD CtrlType);

/* Adds (Add TRUE) or removes (FALSE; the latest registration of it, else
 * FALSE with ERROR_INVALID_PARAMETER) a console control handler. SIGINT
 * is CTRL_C_EVENT and SIGTERM is CTRL_CLOSE_EVENT: on either, the
 * handlers run on a thread of the library's own, the last added first,
 * until one returns TRUE; if none does, the process dies of the signal, as
 * Windows' default handler ends it. After a CTRL_CLOSE_EVENT the process
 * dies of SIGTERM whatever the handlers return, as Windows ends it once
 * they are done. HandlerRoutine NULL with Add TRUE makes the process
 * ignore CTRL_C_EVENT, with FALSE undoes that. The first call installs
 * SIGINT and SIGTERM handlers for good; a process forked (not exec'd)
 * afterwards takes the default action on them. */
SHMAP_W32API BOOL WINAPI SetConsoleCtrlHandler(PHANDLER_ROUTINE HandlerRoutine,
                                               BOOL Add);
/* Sends lpOutputString (UTF-8 for the W form) to the debug monitor that
 * listens in the caller's Local namespace by the DBWIN protocol
 * (DBWIN_BUFFER, DBWIN_BUFFER_READY, DBWIN_DATA_READY, DBWinMutex), in
 * parts of up to 4091 bytes, waiting up to 10 s for the monitor to take
 * each; with no monitor, writes it to stderr as is (the console stands in
 * for the debugger). NULL sends nothing. The last error is kept. */
SHMAP_W32API void WINAPI OutputDebugStringA(LPCSTR lpOutputString);
SHMAP_W32API void WINAPI OutputDebugStringW(LPCWSTR lpOutputString);
#ifdef UNICODE
#define OutputDebugString OutputDebugStringW
#else
#define OutputDebugString OutputDebugStringA
#endif

/* ---- End of standard handles, anonymous pipes, FormatMessage,
 * console control handlers, OutputDebugString. */

/* ---- End of runtime helpers. */

/* ---- Miscellaneous system calls: overlapped I/O's structure, handle
 * flags, SignalObjectAndWait, security descriptors, temporary files, file
 * attributes, system time and version (src/win32/misc.c). ---- */

/* The SDK's layout. With ReadFile/WriteFile it gives the file offset of
 * the transfer (Offset, OffsetHigh; both 0xFFFFFFFF appends a write), an
 * event set when the transfer completes (hEvent; its low bit is a flag),
 * and receives the transfer's status (Internal, an NTSTATUS) and byte
 * count (InternalHigh). */
struct _OVERLAPPED {
	ULONG_PTR Internal;
	ULONG_PTR InternalHigh;
	union {
		struct {
			DWORD Offset;
			DWORD OffsetHigh;
		};
		PVOID Pointer;
	};
	HANDLE hEvent;
};

#define FILE_FLAG_OVERLAPPED 0x40000000u
#define ERROR_GEN_FAILURE 31L
#define ERROR_IO_INCOMPLETE 996L
#define ERROR_IO_PENDING 997L
#define ERROR_NOT_FOUND 1168L
#define STATUS_PENDING ((DWORD)0x00000103L)
/* Whether the transfer lpOverlapped describes has completed. */
#define HasOverlappedIoCompleted(lpOverlapped)                                 \
	(((DWORD)(lpOverlapped)->Internal) != STATUS_PENDING)

/* The result of the transfer lpOverlapped describes: *lpNumberOfBytes
 * gets its byte count; TRUE if it succeeded, else FALSE and its error
 * (ERROR_HANDLE_EOF for a read at or past the end of the file). Transfers
 * complete before ReadFile and WriteFile return, so bWait never waits. */
SHMAP_W32API BOOL WINAPI GetOverlappedResult(HANDLE hFile,
                                             LPOVERLAPPED lpOverlapped,
                                             LPDWORD lpNumberOfBytes,
                                             BOOL bWait);
/* GetOverlappedResult; dwMilliseconds and bAlertable have nothing to wait
 * for. */
SHMAP_W32API BOOL WINAPI GetOverlappedResultEx(HANDLE hFile,
                                               LPOVERLAPPED lpOverlapped,
                                               LPDWORD lpNumberOfBytes,
                                               DWORD dwMilliseconds,
                                               BOOL bAlertable);
/* Cancels the calling thread's pending transfers on hFile: there are
 * none, so TRUE for a file handle. */
SHMAP_W32API BOOL WINAPI CancelIo(HANDLE hFile);
/* Cancels a pending transfer on hFile: there is none, so FALSE with
 * ERROR_NOT_FOUND for a file handle. */
SHMAP_W32API BOOL WINAPI CancelIoEx(HANDLE hFile, LPOVERLAPPED lpOverlapped);
/* Not available: a completion routine runs in an alertable wait, and
 * shmap's waits are not alertable. */
SHMAP_W32_UNAVAILABLE("ReadFileEx is not available: completion routines "
                      "need alertable waits; use ReadFile with an "
                      "OVERLAPPED and its event")
BOOL WINAPI ReadFileEx(HANDLE hFile, LPVOID lpBuffer,
                       DWORD nNumberOfBytesToRead, LPOVERLAPPED lpOverlapped,
                       void *lpCompletionRoutine);
/* Not available; see ReadFileEx. */
SHMAP_W32_UNAVAILABLE("WriteFileEx is not available: completion routines "
                      "need alertable waits; use WriteFile with an "
                      "OVERLAPPED and its event")
BOOL WINAPI WriteFileEx(HANDLE hFile, LPCVOID lpBuffer,
                        DWORD nNumberOfBytesToWrite,
                        LPOVERLAPPED lpOverlapped, void *lpCompletionRoutine);

#define HANDLE_FLAG_PROTECT_FROM_CLOSE 0x2

/* Stores in *lpdwFlags the handle's HANDLE_FLAG_INHERIT and
 * HANDLE_FLAG_PROTECT_FROM_CLOSE flags. Returns FALSE with
 * ERROR_INVALID_HANDLE for a handle not open. (SetHandleInformation sets
 * either flag; CloseHandle of a protected handle fails with
 * ERROR_INVALID_HANDLE and leaves it open, as on Windows without a
 * debugger.) */
SHMAP_W32API BOOL WINAPI GetHandleInformation(HANDLE hObject,
                                              LPDWORD lpdwFlags);

/* Signals hObjectToSignal (an event is set, a mutex released, a semaphore
 * released by one) and then waits for hObjectToWaitOn as
 * WaitForSingleObject does, returning its result. If the signal fails
 * (ERROR_NOT_OWNER for a mutex this thread does not own,
 * ERROR_TOO_MANY_POSTS for a semaphore at its maximum, ERROR_INVALID_HANDLE
 * for an object of another kind) it returns WAIT_FAILED without waiting.
 * bAlertable is accepted; shmap queues no APCs, so WAIT_IO_COMPLETION
 * never comes back. */
SHMAP_W32API DWORD WINAPI SignalObjectAndWait(HANDLE hObjectToSignal,
                                              HANDLE hObjectToWaitOn,
                                              DWORD dwMilliseconds,
                                              BOOL bAlertable);
#ifndef WAIT_IO_COMPLETION
#define WAIT_IO_COMPLETION 0xC0u
#endif

typedef WORD SECURITY_DESCRIPTOR_CONTROL, *PSECURITY_DESCRIPTOR_CONTROL;
typedef PVOID PSID;
typedef struct _ACL {
	BYTE AclRevision;
	BYTE Sbz1;
	WORD AclSize;
	WORD AceCount;
	WORD Sbz2;
} ACL, *PACL;
/* The SDK's absolute form. */
typedef struct _SECURITY_DESCRIPTOR {
	BYTE Revision;
	BYTE Sbz1;
	SECURITY_DESCRIPTOR_CONTROL Control;
	PSID Owner;
	PSID Group;
	PACL Sacl;
	PACL Dacl;
} SECURITY_DESCRIPTOR, *PISECURITY_DESCRIPTOR;
typedef PVOID PSECURITY_DESCRIPTOR;
#define SECURITY_DESCRIPTOR_REVISION 1
#define SECURITY_DESCRIPTOR_REVISION1 1
#define SECURITY_DESCRIPTOR_MIN_LENGTH 20
#define SE_DACL_PRESENT 0x0004
#define SE_DACL_DEFAULTED 0x0008
#define ERROR_UNKNOWN_REVISION 1305L
#define ERROR_INVALID_SECURITY_DESCR 1338L

/* Initialises *pSecurityDescriptor: no owner, group, SACL or DACL.
 * Returns FALSE with ERROR_UNKNOWN_REVISION unless dwRevision is
 * SECURITY_DESCRIPTOR_REVISION. */
SHMAP_W32API BOOL WINAPI InitializeSecurityDescriptor(
        PSECURITY_DESCRIPTOR pSecurityDescriptor, DWORD dwRevision);
/* Sets the descriptor's DACL: with bDaclPresent and a NULL pDacl, a NULL
 * DACL, which grants every user full access. Returns FALSE with
 * ERROR_UNKNOWN_REVISION if the descriptor is not initialised. */
SHMAP_W32API BOOL WINAPI SetSecurityDescriptorDacl(
        PSECURITY_DESCRIPTOR pSecurityDescriptor, BOOL bDaclPresent,
        PACL pDacl, BOOL bDaclDefaulted);

typedef struct _FILETIME {
	DWORD dwLowDateTime;
	DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;

/* Stores the current UTC time in *lpSystemTimeAsFileTime: 100-nanosecond
 * intervals since 1 January 1601. */
SHMAP_W32API VOID WINAPI GetSystemTimeAsFileTime(
        LPFILETIME lpSystemTimeAsFileTime);

typedef struct _OSVERSIONINFOA {
	DWORD dwOSVersionInfoSize;
	DWORD dwMajorVersion;
	DWORD dwMinorVersion;
	DWORD dwBuildNumber;
	DWORD dwPlatformId;
	CHAR szCSDVersion[128];
} OSVERSIONINFOA, *POSVERSIONINFOA, *LPOSVERSIONINFOA;
typedef struct _OSVERSIONINFOW {
	DWORD dwOSVersionInfoSize;
	DWORD dwMajorVersion;
	DWORD dwMinorVersion;
	DWORD dwBuildNumber;
	DWORD dwPlatformId;
	WCHAR szCSDVersion[128];
} OSVERSIONINFOW, *POSVERSIONINFOW, *LPOSVERSIONINFOW;
typedef struct _OSVERSIONINFOEXA {
	DWORD dwOSVersionInfoSize;
	DWORD dwMajorVersion;
	DWORD dwMinorVersion;
	DWORD dwBuildNumber;
	DWORD dwPlatformId;
	CHAR szCSDVersion[128];
	WORD wServicePackMajor;
	WORD wServicePackMinor;
	WORD wSuiteMask;
	BYTE wProductType;
	BYTE wReserved;
} OSVERSIONINFOEXA, *POSVERSIONINFOEXA, *LPOSVERSIONINFOEXA;
typedef struct _OSVERSIONINFOEXW {
	DWORD dwOSVersionInfoSize;
	DWORD dwMajorVersion;
	DWORD dwMinorVersion;
	DWORD dwBuildNumber;
	DWORD dwPlatformId;
	WCHAR szCSDVersion[128];
	WORD wServicePackMajor;
	WORD wServicePackMinor;
	WORD wSuiteMask;
	BYTE wProductType;
	BYTE wReserved;
} OSVERSIONINFOEXW, *POSVERSIONINFOEXW, *LPOSVERSIONINFOEXW;
#define VER_PLATFORM_WIN32_NT 2
#define VER_NT_WORKSTATION 1

/* Fills *lpVersionInformation, whose dwOSVersionInfoSize must be the size
 * of OSVERSIONINFO or OSVERSIONINFOEX (else FALSE with
 * ERROR_INSUFFICIENT_BUFFER), with what Windows 8.1 and later report to a
 * program without a compatibility manifest, which every shmap program is:
 * version 6.2, build 9200, VER_PLATFORM_WIN32_NT, no service pack, a
 * workstation. */
SHMAP_W32API BOOL WINAPI GetVersionExA(LPOSVERSIONINFOA lpVersionInformation);
SHMAP_W32API BOOL WINAPI GetVersionExW(LPOSVERSIONINFOW lpVersionInformation);

/* Stores the directory for temporary files, ending in '/':
 * $TMPDIR if set, else /tmp, followed by '/'. Returns its length without
 * the terminator; if nBufferLength is too small, stores nothing and
 * returns the size needed including the terminator. */
SHMAP_W32API DWORD WINAPI GetTempPathA(DWORD nBufferLength, LPSTR lpBuffer);
SHMAP_W32API DWORD WINAPI GetTempPathW(DWORD nBufferLength, LPWSTR lpBuffer);

/* Stores in lpTempFileName (MAX_PATH characters) the name
 * "<path>/<first three characters of prefix><hex number>.TMP". With
 * uUnique not 0 the number is uUnique's low 16 bits and no file is
 * created; with 0 the number is chosen so the file does not exist yet and
 * the file is created, empty. Returns the number used, or 0 with the last
 * error (ERROR_DIRECTORY, ERROR_BUFFER_OVERFLOW, ERROR_PATH_NOT_FOUND,
 * ERROR_FILE_EXISTS when every number is taken...). */
SHMAP_W32API UINT WINAPI GetTempFileNameA(LPCSTR lpPathName,
                                          LPCSTR lpPrefixString, UINT uUnique,
                                          LPSTR lpTempFileName);
SHMAP_W32API UINT WINAPI GetTempFileNameW(LPCWSTR lpPathName,
                                          LPCWSTR lpPrefixString,
                                          UINT uUnique, LPWSTR lpTempFileName);

#define INVALID_FILE_ATTRIBUTES ((DWORD)-1)
#ifndef FILE_ATTRIBUTE_DIRECTORY
#define FILE_ATTRIBUTE_DIRECTORY 0x10
#endif
#ifndef FILE_ATTRIBUTE_ARCHIVE
#define FILE_ATTRIBUTE_ARCHIVE 0x20
#endif
#ifndef FILE_ATTRIBUTE_HIDDEN
#define FILE_ATTRIBUTE_HIDDEN 0x2
#endif
#ifndef FILE_ATTRIBUTE_SYSTEM
#define FILE_ATTRIBUTE_SYSTEM 0x4
#endif
#ifndef ERROR_DIRECTORY
#define ERROR_DIRECTORY 267L
#endif
#ifndef ERROR_BUFFER_OVERFLOW
#define ERROR_BUFFER_OVERFLOW 111L
#endif

/* A file's attributes: FILE_ATTRIBUTE_DIRECTORY for a directory,
 * FILE_ATTRIBUTE_READONLY when it has no write permission bit, and
 * FILE_ATTRIBUTE_NORMAL when neither applies. INVALID_FILE_ATTRIBUTES
 * with ERROR_FILE_NOT_FOUND (ERROR_PATH_NOT_FOUND if a directory on the
 * way is missing) when there is no such file. */
SHMAP_W32API DWORD WINAPI GetFileAttributesA(LPCSTR lpFileName);
SHMAP_W32API DWORD WINAPI GetFileAttributesW(LPCWSTR lpFileName);
/* Sets FILE_ATTRIBUTE_READONLY by clearing the write permission bits, or
 * clears it by giving back the owner's write bit (and the group's and
 * others' where they can read). Other attributes are accepted and have no
 * effect. FALSE with ERROR_FILE_NOT_FOUND when there is no such file. */
SHMAP_W32API BOOL WINAPI SetFileAttributesA(LPCSTR lpFileName,
                                            DWORD dwFileAttributes);
SHMAP_W32API BOOL WINAPI SetFileAttributesW(LPCWSTR lpFileName,
                                            DWORD dwFileAttributes);

#ifdef UNICODE
typedef OSVERSIONINFOW OSVERSIONINFO, *POSVERSIONINFO, *LPOSVERSIONINFO;
typedef OSVERSIONINFOEXW OSVERSIONINFOEX, *POSVERSIONINFOEX, *LPOSVERSIONINFOEX;
#define GetVersionEx GetVersionExW
#define GetTempPath GetTempPathW
#define GetTempFileName GetTempFileNameW
#define GetFileAttributes GetFileAttributesW
#define SetFileAttributes SetFileAttributesW
#else
typedef OSVERSIONINFOA OSVERSIONINFO, *POSVERSIONINFO, *LPOSVERSIONINFO;
typedef OSVERSIONINFOEXA OSVERSIONINFOEX, *POSVERSIONINFOEX, *LPOSVERSIONINFOEX;
#define GetVersionEx GetVersionExA
#define GetTempPath GetTempPathA
#define GetTempFileName GetTempFileNameA
#define GetFileAttributes GetFileAttributesA
#define SetFileAttributes SetFileAttributesA
#endif

/* ---- End of miscellaneous system calls. */

#ifdef __cplusplus
}
#endif

/* The C runtime's extras windows.h brings along on Windows. */
#include <shmap_crt.h>

/* Structured exceptions: __try, __except, __finally. */
#include <excpt.h>

#endif
