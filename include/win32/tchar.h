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
 * arguments it ignores, as from C). A program with neither main nor wmain
 * fails to link. */
#ifdef __cplusplus
int wmain(int argc, wchar_t **argv);
extern "C++" int wmain() __asm__("wmain");
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
#define _tcsdup wcsdup
#define _tcstol wcstol
#define _tcstoul wcstoul
#define _ttoi(s) ((int)wcstol((s), NULL, 10))
#define _ttol(s) wcstol((s), NULL, 10)
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
#define _tcsdup strdup
#define _tcstol strtol
#define _tcstoul strtoul
#define _ttoi atoi
#define _ttol atol
#endif

#ifdef __cplusplus
}
#endif

#endif
