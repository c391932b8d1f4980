/* SPDX-License-Identifier: MIT */
/*
 * <TlHelp32.h>: snapshots of the system's processes and threads and of a
 * process's modules, read from /proc. A snapshot is a handle, closed with
 * CloseHandle; Process32First/Next, Thread32First/Next and
 * Module32First/Next walk it.
 */
#ifndef SHMAP_WIN32_TLHELP32_H
#define SHMAP_WIN32_TLHELP32_H

#include <windows.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TH32CS_SNAPHEAPLIST 0x00000001
#define TH32CS_SNAPPROCESS 0x00000002
#define TH32CS_SNAPTHREAD 0x00000004
#define TH32CS_SNAPMODULE 0x00000008
#define TH32CS_SNAPMODULE32 0x00000010
#define TH32CS_SNAPALL                                                         \
	(TH32CS_SNAPHEAPLIST | TH32CS_SNAPPROCESS | TH32CS_SNAPTHREAD |        \
	 TH32CS_SNAPMODULE)
#define TH32CS_INHERIT 0x80000000u
#define MAX_MODULE_NAME32 255
#ifndef ERROR_NO_MORE_FILES
#define ERROR_NO_MORE_FILES 18L
#endif
#ifndef ERROR_BAD_LENGTH
#define ERROR_BAD_LENGTH 24L
#endif

/* The SDK's layouts. */
typedef struct tagPROCESSENTRY32W {
	DWORD dwSize;
	DWORD cntUsage;
	DWORD th32ProcessID;
	ULONG_PTR th32DefaultHeapID;
	DWORD th32ModuleID;
	DWORD cntThreads;
	DWORD th32ParentProcessID;
	LONG pcPriClassBase;
	DWORD dwFlags;
	WCHAR szExeFile[MAX_PATH];
} PROCESSENTRY32W, *PPROCESSENTRY32W, *LPPROCESSENTRY32W;
typedef struct tagPROCESSENTRY32 {
	DWORD dwSize;
	DWORD cntUsage;
	DWORD th32ProcessID;
	ULONG_PTR th32DefaultHeapID;
	DWORD th32ModuleID;
	DWORD cntThreads;
	DWORD th32ParentProcessID;
	LONG pcPriClassBase;
	DWORD dwFlags;
	CHAR szExeFile[MAX_PATH];
} PROCESSENTRY32, *PPROCESSENTRY32, *LPPROCESSENTRY32;
typedef struct tagTHREADENTRY32 {
	DWORD dwSize;
	DWORD cntUsage;
	DWORD th32ThreadID;
	DWORD th32OwnerProcessID;
	LONG tpBasePri;
	LONG tpDeltaPri;
	DWORD dwFlags;
} THREADENTRY32, *PTHREADENTRY32, *LPTHREADENTRY32;
typedef struct tagMODULEENTRY32W {
	DWORD dwSize;
	DWORD th32ModuleID;
	DWORD th32ProcessID;
	DWORD GlblcntUsage;
	DWORD ProccntUsage;
	BYTE *modBaseAddr;
	DWORD modBaseSize;
	HMODULE hModule;
	WCHAR szModule[MAX_MODULE_NAME32 + 1];
	WCHAR szExePath[MAX_PATH];
} MODULEENTRY32W, *PMODULEENTRY32W, *LPMODULEENTRY32W;
typedef struct tagMODULEENTRY32 {
	DWORD dwSize;
	DWORD th32ModuleID;
	DWORD th32ProcessID;
	DWORD GlblcntUsage;
	DWORD ProccntUsage;
	BYTE *modBaseAddr;
	DWORD modBaseSize;
	HMODULE hModule;
	char szModule[MAX_MODULE_NAME32 + 1];
	char szExePath[MAX_PATH];
} MODULEENTRY32, *PMODULEENTRY32, *LPMODULEENTRY32;

/*
 * Takes a snapshot, as the flags ask, of every process (TH32CS_SNAPPROCESS)
 * and every thread (TH32CS_SNAPTHREAD) that /proc shows, other users'
 * included, and of the modules (TH32CS_SNAPMODULE: the executable and the
 * shared objects mapped from files) of process th32ProcessID, 0 being the
 * caller. A process's szExeFile is its executable's base name (the name
 * it was started as where the executable cannot be read), cntThreads its
 * thread count, pcPriClassBase and tpBasePri 8 (normal). Returns the
 * snapshot's handle (inheritable with TH32CS_INHERIT), or
 * INVALID_HANDLE_VALUE with ERROR_INVALID_PARAMETER for modules of a
 * process that does not exist, ERROR_ACCESS_DENIED for one whose maps
 * cannot be read. TH32CS_INHERIT marks the handle inheritable, but a
 * snapshot does not reach a child. Heap lists are not taken (TH32CS_SNAPHEAPLIST is
 * accepted and gives none).
 */
SHMAP_W32API HANDLE WINAPI CreateToolhelp32Snapshot(DWORD dwFlags,
                                                    DWORD th32ProcessID);
/* Stores the snapshot's first (First) or next (Next) process, thread or
 * module in the entry, whose dwSize must be at least the structure's size
 * (else FALSE with ERROR_BAD_LENGTH). FALSE with ERROR_NO_MORE_FILES past
 * the last, ERROR_INVALID_HANDLE for a handle that is not a snapshot. */
SHMAP_W32API BOOL WINAPI Process32FirstW(HANDLE hSnapshot,
                                         LPPROCESSENTRY32W lppe);
SHMAP_W32API BOOL WINAPI Process32NextW(HANDLE hSnapshot,
                                        LPPROCESSENTRY32W lppe);
SHMAP_W32API BOOL WINAPI Process32First(HANDLE hSnapshot,
                                        LPPROCESSENTRY32 lppe);
SHMAP_W32API BOOL WINAPI Process32Next(HANDLE hSnapshot, LPPROCESSENTRY32 lppe);
SHMAP_W32API BOOL WINAPI Thread32First(HANDLE hSnapshot, LPTHREADENTRY32 lpte);
SHMAP_W32API BOOL WINAPI Thread32Next(HANDLE hSnapshot, LPTHREADENTRY32 lpte);
SHMAP_W32API BOOL WINAPI Module32FirstW(HANDLE hSnapshot,
                                        LPMODULEENTRY32W lpme);
SHMAP_W32API BOOL WINAPI Module32NextW(HANDLE hSnapshot, LPMODULEENTRY32W lpme);
SHMAP_W32API BOOL WINAPI Module32First(HANDLE hSnapshot, LPMODULEENTRY32 lpme);
SHMAP_W32API BOOL WINAPI Module32Next(HANDLE hSnapshot, LPMODULEENTRY32 lpme);

/* With UNICODE the W structures and calls are the plain names, as in the
 * SDK (where Process32First is the A call's own name). */
#ifdef UNICODE
#define Process32First Process32FirstW
#define Process32Next Process32NextW
#define PROCESSENTRY32 PROCESSENTRY32W
#define PPROCESSENTRY32 PPROCESSENTRY32W
#define LPPROCESSENTRY32 LPPROCESSENTRY32W
#define Module32First Module32FirstW
#define Module32Next Module32NextW
#define MODULEENTRY32 MODULEENTRY32W
#define PMODULEENTRY32 PMODULEENTRY32W
#define LPMODULEENTRY32 LPMODULEENTRY32W
#endif

#ifdef __cplusplus
}
#endif

#endif
