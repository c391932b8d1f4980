/*
 * The Win32 layer's headers as Windows programs spell them, and the small
 * console and runtime calls such programs use: <Windows.h>, <WinBase.h>,
 * <SDKDDKVer.h>, <process.h>; TEXT and _T of a string macro.
 */
#ifndef UNICODE
#define UNICODE
#endif
#include "harness.h"
#include <SDKDDKVer.h>
#include <WinBase.h>
#include <Windows.h>
#include <process.h>
#include <tchar.h>
#include <windows.h>

#define NAME "x"
#define WNAME "Local\\shm-name"

/* Every spelling is one header; _getpid is the process id. */
static void spellings(void)
{
	T_ASSERT(_WIN32_WINNT >= 0x0600);
	T_ASSERT(WINVER == _WIN32_WINNT);
	T_EQ(_getpid(), getpid());
	T_EQ((DWORD)_getpid(), GetCurrentProcessId());
}

/* TEXT(MACRO) expands MACRO before pasting L, as Windows' two-level
 * macro does; so do _T and _TEXT. */
static void text_of_macro(void)
{
	const wchar_t *a = TEXT(NAME), *b = _T(WNAME), *c = _TEXT(NAME);
	T_ASSERT(wcscmp(a, L"x") == 0);
	T_ASSERT(wcscmp(b, L"Local\\shm-name") == 0);
	T_ASSERT(wcscmp(c, L"x") == 0);
	T_ASSERT(wcscmp(TEXT("lit"), L"lit") == 0);
	T_EQ(sizeof(TEXT(NAME)), 2 * sizeof(wchar_t));
}

int main(void)
{
	t_setup();
	t_run("header spellings; _getpid", spellings, 20);
	t_run("TEXT, _T, _TEXT of a string macro", text_of_macro, 20);
	return t_finish();
}
