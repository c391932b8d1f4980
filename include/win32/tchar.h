/* SPDX-License-Identifier: MIT */
/*
 * TCHAR mappings: with _UNICODE (or UNICODE) TCHAR is wchar_t and the _t
 * names are the wide functions, else char. The _t printf family follows
 * Microsoft's format rules in both modes: in a wide format %s is a wide
 * string and %S a narrow one, in a narrow format the other way round; %hs
 * and %ls are always narrow and wide. _tmain works in both modes: with
 * _UNICODE it is wmain, and argv arrives as wide strings.
 */
#ifndef SHMAP_WIN32_TCHAR_H
#define SHMAP_WIN32_TCHAR_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#if defined(UNICODE) && !defined(_UNICODE)
#define _UNICODE
#endif
#if defined(_UNICODE) && !defined(UNICODE)
#define UNICODE
#endif

#include <windows.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Printf with Microsoft's rules for %s, %S, %c, %C, %I64. Output goes out
 * as UTF-8 bytes, so wide and narrow printing mix on one stream. */
SHMAP_W32API int shmap_w32_printf(const char *fmt, ...);
SHMAP_W32API int shmap_w32_fprintf(FILE *f, const char *fmt, ...);
SHMAP_W32API int shmap_w32_sprintf(char *buf, const char *fmt, ...);
SHMAP_W32API int shmap_w32_snprintf(char *buf, size_t n, const char *fmt, ...);
SHMAP_W32API int shmap_w32_wprintf(const wchar_t *fmt, ...);
SHMAP_W32API int shmap_w32_fwprintf(FILE *f, const wchar_t *fmt, ...);
SHMAP_W32API int shmap_w32_swprintf(wchar_t *buf, const wchar_t *fmt, ...);
SHMAP_W32API int shmap_w32_snwprintf(wchar_t *buf, size_t n,
                                     const wchar_t *fmt, ...);
/* Wide main: the program defines wmain; shmap's main converts argv. C++
 * needs C linkage for it; C needs no prototype, so wmain(void) (MSDN's
 * "int _tmain()") is as valid as on Windows. In C++ an int wmain() is an
 * overload, given wmain's own symbol so that shmap's main calls it (with
 * arguments it ignores, as from C); so is the three-parameter form whose
 * envp is the environment, wide. A program with neither main nor wmain
 * fails to link. */
#ifdef __cplusplus
int wmain(int argc, wchar_t **argv);
extern "C++" int wmain() __asm__("wmain");
extern "C++" int wmain(int argc, wchar_t **argv, wchar_t **envp) __asm__("wmain");
#endif

#ifdef _UNICODE
typedef wchar_t _TCHAR;
typedef wchar_t _TSCHAR;
/* Two levels, so _T(MACRO) expands MACRO before L is pasted. */
#define __T(x) L##x
#define _T(x) __T(x)
#define _TEXT(x) __T(x)
#define _tmain wmain
#define _tprintf shmap_w32_wprintf
#define _ftprintf shmap_w32_fwprintf
#define _stprintf shmap_w32_swprintf
#define _sntprintf shmap_w32_snwprintf
#define _tcslen wcslen
#define _tcscpy wcscpy
#define _tcsncpy wcsncpy
#define _tcscat wcscat
#define _tcsncat wcsncat
#define _tcscmp wcscmp
#define _tcsncmp wcsncmp
#define _tcschr wcschr
#define _tcsrchr wcsrchr
#define _tcsstr wcsstr
#define _tcsdup _wcsdup
#define _tcstol wcstol
#define _tcstoul wcstoul
#define _ttoi _wtoi
#define _ttol _wtol
#define _tstoi _wtoi
#define _tstol _wtol
#define _ttoi64 _wtoi64
#define _tstoi64 _wtoi64
#define _ttof _wtof
#define _tstof _wtof
#define _tcsftime wcsftime
/* The C runtime's _s and Microsoft forms (shmap_crt.h). */
#define _stprintf_s swprintf_s
#define _vstprintf_s vswprintf_s
#define _sntprintf_s _snwprintf_s
#define _vsntprintf_s _vsnwprintf_s
#define _vsntprintf _vsnwprintf
#define _sctprintf _scwprintf
#define _vsctprintf _vscwprintf
#define _tprintf_s wprintf_s
#define _ftprintf_s fwprintf_s
#define _tcscpy_s wcscpy_s
#define _tcscat_s wcscat_s
#define _tcsncpy_s wcsncpy_s
#define _tcsncat_s wcsncat_s
#define _tcsnlen wcsnlen_s
#define _tcstok_s wcstok_s
#define _tcsicmp _wcsicmp
#define _tcsnicmp _wcsnicmp
#define _tfopen _wfopen
#define _tperror _wperror
#define _tfopen_s _wfopen_s
#define _itot_s _itow_s
#define _ltot_s _ltow_s
#define _ultot_s _ultow_s
#define _i64tot_s _i64tow_s
#define _ui64tot_s _ui64tow_s
#define _itot _itow
#define _ltot _ltow
#define _ultot _ultow
#define _i64tot _i64tow
#define _ui64tot _ui64tow
#define _tasctime_s _wasctime_s
#define _tctime_s _wctime_s
#define _tctime64_s _wctime64_s
/* Wide printf on Windows takes %s as wide: so does it here. */
#define wprintf shmap_w32_wprintf
#define fwprintf shmap_w32_fwprintf
#else
typedef char _TCHAR;
typedef char _TSCHAR;
#define __T(x) x
#define _T(x) __T(x)
#define _TEXT(x) __T(x)
#define _tmain main
#define _tprintf shmap_w32_printf
#define _ftprintf shmap_w32_fprintf
#define _stprintf shmap_w32_sprintf
#define _sntprintf shmap_w32_snprintf
#define _tcslen strlen
#define _tcscpy strcpy
#define _tcsncpy strncpy
#define _tcscat strcat
#define _tcsncat strncat
#define _tcscmp strcmp
#define _tcsncmp strncmp
#define _tcschr strchr
#define _tcsrchr strrchr
#define _tcsstr strstr
#define _tcsdup _strdup
#define _tcstol strtol
#define _tcstoul strtoul
#define _ttoi atoi
#define _ttol atol
#define _tstoi atoi
#define _tstol atol
#define _ttoi64 _atoi64
#define _tstoi64 _atoi64
#define _ttof atof
#define _tstof atof
#define _tcsftime strftime
#define _stprintf_s sprintf_s
#define _vstprintf_s vsprintf_s
#define _sntprintf_s _snprintf_s
#define _vsntprintf_s _vsnprintf_s
#define _vsntprintf _vsnprintf
#define _sctprintf _scprintf
#define _vsctprintf _vscprintf
#define _tprintf_s printf_s
#define _ftprintf_s fprintf_s
#define _tcscpy_s strcpy_s
#define _tcscat_s strcat_s
#define _tcsncpy_s strncpy_s
#define _tcsncat_s strncat_s
#define _tcsnlen strnlen_s
#define _tcstok_s strtok_s
#define _tcsicmp _stricmp
#define _tcsnicmp _strnicmp
#define _tfopen fopen
#define _tperror perror
#define _tfopen_s fopen_s
#define _itot_s _itoa_s
#define _ltot_s _ltoa_s
#define _ultot_s _ultoa_s
#define _i64tot_s _i64toa_s
#define _ui64tot_s _ui64toa_s
#define _itot _itoa
#define _ltot _ltoa
#define _ultot _ultoa
#define _i64tot _i64toa
#define _ui64tot _ui64toa
#define _tasctime_s asctime_s
#define _tctime_s ctime_s
#define _tctime64_s _ctime64_s
#endif

#ifdef __cplusplus
}
#endif

#endif
