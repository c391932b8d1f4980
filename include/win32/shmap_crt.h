/* SPDX-License-Identifier: MIT */
/*
 * The Microsoft C runtime's extras that Windows programs use alongside
 * windows.h: the "secure" _s functions, the _itoa and _wtoi families,
 * case-insensitive comparisons, _strdup, the _time64 and _s time calls,
 * errno_t, rsize_t, _TRUNCATE and _countof. windows.h includes this header,
 * so a program gets them where it gets them on Windows (through the CRT
 * headers windows.h and tchar.h pull in).
 *
 * Parameter validation is Microsoft's: a bad parameter (a NULL pointer, a
 * size of 0, a destination too small) runs the invalid-parameter handler.
 * The default one ends the process, as Windows' does (there with
 * STATUS_INVALID_CRT_PARAMETER): it writes a line naming the function to
 * stderr and calls abort(). A program that installs a handler with
 * _set_invalid_parameter_handler gets the documented result once its
 * handler returns: the errno_t code (EINVAL or ERANGE, also stored in
 * errno) and, for a string destination, an empty string. Unlike the rest
 * of shmap, these functions set errno and may end the process: that is
 * the documented behaviour of the runtime they stand in for.
 *
 * Formats follow Microsoft's rules, as the _t printf family of <tchar.h>
 * does: in a wide format %s is a wide string, %S a narrow one, %I64 a
 * 64-bit size. Output to a stream goes out as UTF-8.
 *
 * In C++ the array forms Microsoft's headers add are there too, so
 * strcpy_s(buf, src) or sprintf_s(buf, "%d", n) with a char array takes
 * the size from the array, as with MSVC; C has no such form (nor has
 * MSVC's C).
 */
#ifndef SHMAP_WIN32_CRT_H
#define SHMAP_WIN32_CRT_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#ifndef SHMAP_W32API
#if defined(SHMAP_BUILDING) && defined(__GNUC__)
#define SHMAP_W32API __attribute__((visibility("default")))
#else
#define SHMAP_W32API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifndef _ERRCODE_DEFINED
#define _ERRCODE_DEFINED
typedef int errno_t;
#endif
#ifndef _RSIZE_T_DEFINED
#define _RSIZE_T_DEFINED
typedef size_t rsize_t;
#endif
#ifndef __int64
#define __int64 long long
#endif
#ifndef _TIME64_T_DEFINED
#define _TIME64_T_DEFINED
typedef time_t __time64_t; /* 64 bits, as time_t is on Windows */
#endif

/* As count, "copy as much as fits, then stop": the call truncates and
 * returns STRUNCATE (or -1 for the printf forms) instead of failing. */
#define _TRUNCATE ((size_t)-1)
#ifndef STRUNCATE
#define STRUNCATE 80
#endif

/* The number of elements of an array (in C++, only of an array). */
#ifdef __cplusplus
}
extern "C++" template <typename T, size_t N>
char (*shmap__countof_helper(T (&)[N]))[N];
#define _countof(a) (sizeof(*shmap__countof_helper(a)) + 0)
extern "C" {
#else
#define _countof(a) (sizeof(a) / sizeof((a)[0]))
#endif
#ifndef ARRAYSIZE
#define ARRAYSIZE(a) _countof(a)
#endif
#ifndef RTL_NUMBER_OF
#define RTL_NUMBER_OF(a) _countof(a)
#endif

/* ---- the invalid-parameter handler ---- */

/* The handler's type. shmap passes NULL for the strings and 0 for the
 * numbers, as Windows' release runtime does. */
typedef void (*_invalid_parameter_handler)(const wchar_t *expression,
                                           const wchar_t *function,
                                           const wchar_t *file,
                                           unsigned int line,
                                           uintptr_t reserved);
/* Makes pNew the process's invalid-parameter handler (NULL: the default,
 * which ends the process) and returns the previous one. */
SHMAP_W32API _invalid_parameter_handler
_set_invalid_parameter_handler(_invalid_parameter_handler pNew);
/* The handler _set_invalid_parameter_handler installed last, or NULL. */
SHMAP_W32API _invalid_parameter_handler _get_invalid_parameter_handler(void);

/* ---- strings ---- */

/* Copies src into dest (sizeInElements characters). dest or a size of 0:
 * EINVAL; src NULL: EINVAL and dest empty; src too long: ERANGE and dest
 * empty (each through the invalid-parameter handler). Returns 0. */
SHMAP_W32API errno_t strcpy_s(char *dest, rsize_t size, const char *src);
SHMAP_W32API errno_t wcscpy_s(wchar_t *dest, rsize_t size, const wchar_t *src);
/* Appends src to dest, which must end within size characters (else
 * EINVAL, dest empty); a result too long is ERANGE, dest empty. */
SHMAP_W32API errno_t strcat_s(char *dest, rsize_t size, const char *src);
SHMAP_W32API errno_t wcscat_s(wchar_t *dest, rsize_t size, const wchar_t *src);
/* Copies at most count characters of src and a terminator into dest. With
 * count _TRUNCATE, copies what fits and returns STRUNCATE if src was cut;
 * otherwise a copy that does not fit is ERANGE, dest empty. count 0 makes
 * dest empty (dest NULL with size 0 and count 0 is allowed: 0). */
SHMAP_W32API errno_t strncpy_s(char *dest, rsize_t size, const char *src,
                               rsize_t count);
SHMAP_W32API errno_t wcsncpy_s(wchar_t *dest, rsize_t size,
                               const wchar_t *src, rsize_t count);
/* Appends at most count characters of src, as strncpy_s copies. */
SHMAP_W32API errno_t strncat_s(char *dest, rsize_t size, const char *src,
                               rsize_t count);
SHMAP_W32API errno_t wcsncat_s(wchar_t *dest, rsize_t size,
                               const wchar_t *src, rsize_t count);
/* The length of str, at most size; 0 for NULL. */
SHMAP_W32API size_t strnlen_s(const char *str, size_t size);
SHMAP_W32API size_t wcsnlen_s(const wchar_t *str, size_t size);
/* strtok with its position in *context: str NULL continues from there.
 * context or delimiters NULL, or str and *context both NULL: NULL and
 * EINVAL through the handler. */
SHMAP_W32API char *strtok_s(char *str, const char *delimiters,
                            char **context);
SHMAP_W32API wchar_t *wcstok_s(wchar_t *str, const wchar_t *delimiters,
                               wchar_t **context);
/* Copies count bytes (elements for wmem) from src into dest, destSize in
 * size. count 0: 0. dest NULL: EINVAL; src NULL: dest zeroed, EINVAL;
 * destSize < count: dest zeroed, ERANGE. */
SHMAP_W32API errno_t memcpy_s(void *dest, rsize_t destSize, const void *src,
                              rsize_t count);
SHMAP_W32API errno_t wmemcpy_s(wchar_t *dest, rsize_t destSize,
                               const wchar_t *src, rsize_t count);
/* As memcpy_s for overlapping blocks; dest is left alone on an error. */
SHMAP_W32API errno_t memmove_s(void *dest, rsize_t destSize, const void *src,
                               rsize_t count);
SHMAP_W32API errno_t wmemmove_s(wchar_t *dest, rsize_t destSize,
                                const wchar_t *src, rsize_t count);
/* A malloc'd copy of s (free it with free), or NULL. */
SHMAP_W32API char *_strdup(const char *s);
SHMAP_W32API wchar_t *_wcsdup(const wchar_t *s);
/* Compare ignoring case (ASCII letters as lower case, as the "C" locale
 * does): <0, 0 or >0. The n forms compare at most count characters. */
SHMAP_W32API int _stricmp(const char *a, const char *b);
SHMAP_W32API int _strnicmp(const char *a, const char *b, size_t count);
SHMAP_W32API int _wcsicmp(const wchar_t *a, const wchar_t *b);
SHMAP_W32API int _wcsnicmp(const wchar_t *a, const wchar_t *b, size_t count);
#define _strcmpi _stricmp
#define _wcsicoll _wcsicmp
#define _stricoll _stricmp

/* ---- numbers to text and back ---- */

/* Writes value in radix (2..36) into buffer, size characters; negative
 * values get a '-' in radix 10 only (other radixes show the two's
 * complement of its width, 32 bits for int and long as on Windows).
 * buffer NULL or size 0: EINVAL; radix out of range: EINVAL, buffer
 * empty; too small: ERANGE, buffer empty. */
SHMAP_W32API errno_t _itoa_s(int value, char *buffer, size_t size, int radix);
SHMAP_W32API errno_t _ltoa_s(long value, char *buffer, size_t size, int radix);
SHMAP_W32API errno_t _ultoa_s(unsigned long value, char *buffer, size_t size,
                              int radix);
SHMAP_W32API errno_t _i64toa_s(long long value, char *buffer, size_t size,
                               int radix);
SHMAP_W32API errno_t _ui64toa_s(unsigned long long value, char *buffer,
                                size_t size, int radix);
SHMAP_W32API errno_t _itow_s(int value, wchar_t *buffer, size_t size,
                             int radix);
SHMAP_W32API errno_t _ltow_s(long value, wchar_t *buffer, size_t size,
                             int radix);
SHMAP_W32API errno_t _ultow_s(unsigned long value, wchar_t *buffer,
                              size_t size, int radix);
SHMAP_W32API errno_t _i64tow_s(long long value, wchar_t *buffer, size_t size,
                               int radix);
SHMAP_W32API errno_t _ui64tow_s(unsigned long long value, wchar_t *buffer,
                                size_t size, int radix);
/* The unchecked forms: buffer must be large enough (33 characters for
 * int and long, 65 for 64 bits). Return buffer. */
SHMAP_W32API char *_itoa(int value, char *buffer, int radix);
SHMAP_W32API char *_ltoa(long value, char *buffer, int radix);
SHMAP_W32API char *_ultoa(unsigned long value, char *buffer, int radix);
SHMAP_W32API char *_i64toa(long long value, char *buffer, int radix);
SHMAP_W32API char *_ui64toa(unsigned long long value, char *buffer,
                            int radix);
SHMAP_W32API wchar_t *_itow(int value, wchar_t *buffer, int radix);
SHMAP_W32API wchar_t *_ltow(long value, wchar_t *buffer, int radix);
SHMAP_W32API wchar_t *_ultow(unsigned long value, wchar_t *buffer,
                             int radix);
SHMAP_W32API wchar_t *_i64tow(long long value, wchar_t *buffer, int radix);
SHMAP_W32API wchar_t *_ui64tow(unsigned long long value, wchar_t *buffer,
                               int radix);
/* Decimal text to int, long (32 bits, as on Windows), 64 bits or double;
 * values out of range give the type's limit, as Windows' atoi does. */
SHMAP_W32API int _wtoi(const wchar_t *s);
SHMAP_W32API long _wtol(const wchar_t *s);
SHMAP_W32API long long _wtoi64(const wchar_t *s);
SHMAP_W32API long long _atoi64(const char *s);
SHMAP_W32API double _wtof(const wchar_t *s);

/* ---- formatted output ---- */

/* Formats into buffer (size characters) and returns the length written,
 * without the terminator. format NULL, buffer NULL or size 0: -1 and
 * EINVAL; output that does not fit: -1, buffer empty, ERANGE. */
SHMAP_W32API int sprintf_s(char *buffer, size_t size, const char *format,
                           ...);
SHMAP_W32API int swprintf_s(wchar_t *buffer, size_t size,
                            const wchar_t *format, ...);
SHMAP_W32API int vsprintf_s(char *buffer, size_t size, const char *format,
                            va_list ap);
SHMAP_W32API int vswprintf_s(wchar_t *buffer, size_t size,
                             const wchar_t *format, va_list ap);
/* Writes at most count characters and a terminator into buffer (size
 * characters). Output longer than count is cut there and returns -1;
 * with count _TRUNCATE (or count >= size) output that does not fit in the
 * buffer is cut (returning -1) only for _TRUNCATE, and otherwise is
 * ERANGE with buffer empty. */
SHMAP_W32API int _snprintf_s(char *buffer, size_t size, size_t count,
                             const char *format, ...);
SHMAP_W32API int _snwprintf_s(wchar_t *buffer, size_t size, size_t count,
                              const wchar_t *format, ...);
SHMAP_W32API int _vsnprintf_s(char *buffer, size_t size, size_t count,
                              const char *format, va_list ap);
SHMAP_W32API int _vsnwprintf_s(wchar_t *buffer, size_t size, size_t count,
                               const wchar_t *format, va_list ap);
/* Microsoft's unchecked forms: at most count characters; when the output
 * is exactly count long no terminator is written, when longer it is cut,
 * unterminated, and the result is -1. buffer NULL with count 0 writes
 * nothing and returns the length the output would have; buffer NULL with
 * another count, or format NULL: -1 and EINVAL through the handler. */
SHMAP_W32API int _snprintf(char *buffer, size_t count, const char *format,
                           ...);
SHMAP_W32API int _snwprintf(wchar_t *buffer, size_t count,
                            const wchar_t *format, ...);
SHMAP_W32API int _vsnprintf(char *buffer, size_t count, const char *format,
                            va_list ap);
SHMAP_W32API int _vsnwprintf(wchar_t *buffer, size_t count,
                             const wchar_t *format, va_list ap);
/* The length the output would have, without writing it. */
SHMAP_W32API int _scprintf(const char *format, ...);
SHMAP_W32API int _scwprintf(const wchar_t *format, ...);
SHMAP_W32API int _vscprintf(const char *format, va_list ap);
SHMAP_W32API int _vscwprintf(const wchar_t *format, va_list ap);
/* printf to stdout or stream; format NULL: -1 and EINVAL. */
SHMAP_W32API int printf_s(const char *format, ...);
SHMAP_W32API int wprintf_s(const wchar_t *format, ...);
SHMAP_W32API int fprintf_s(FILE *stream, const char *format, ...);
SHMAP_W32API int fwprintf_s(FILE *stream, const wchar_t *format, ...);
/* The va_list forms of the _t printf family (<tchar.h>). */
SHMAP_W32API int shmap_w32_vfprintf(FILE *f, const char *fmt, va_list ap);
SHMAP_W32API int shmap_w32_vfwprintf(FILE *f, const wchar_t *fmt,
                                     va_list ap);
SHMAP_W32API int shmap_w32_vsnprintf(char *buf, size_t cap, const char *fmt,
                                     va_list ap);
SHMAP_W32API int shmap_w32_vsnwprintf(wchar_t *buf, size_t cap,
                                      const wchar_t *fmt, va_list ap);

/* ---- files ---- */

/* Opens filename as fopen does and stores the stream in *pFile (NULL on
 * failure), returning 0 or the errno value. '\' in the name is '/', as in
 * CreateFile. mode is Microsoft's: r, w or a, then any of + b t x c n N S
 * R T D and ",ccs=UTF-8" (t, c, n, N, S, R, T and ccs mean nothing here; D
 * deletes the file when it is closed, here at once, as its last link).
 * pFile, filename or mode NULL, or another mode character: EINVAL through
 * the handler; an empty name: EINVAL without it. */
SHMAP_W32API errno_t fopen_s(FILE **pFile, const char *filename,
                             const char *mode);
SHMAP_W32API errno_t _wfopen_s(FILE **pFile, const wchar_t *filename,
                               const wchar_t *mode);
/* fopen with a wide name and mode; NULL and errno on failure. */
SHMAP_W32API FILE *_wfopen(const wchar_t *filename, const wchar_t *mode);
/* perror with a wide message: writes message (as UTF-8), ": ", the text
 * for errno and a line break to stderr; with message NULL or empty, the
 * text alone. errno is left as it was. */
SHMAP_W32API void _wperror(const wchar_t *message);

/* ---- time ---- */

/* The current time in seconds since 1970 (UTC), also stored in *t when
 * not NULL. */
SHMAP_W32API __time64_t _time64(__time64_t *t);
/* Breaks *t down as local time (UTC for the gm forms) into *tmDest. tmDest
 * NULL: EINVAL; t NULL: every field -1, EINVAL (both through the
 * handler); *t negative or after the year 3000: every field -1, EINVAL,
 * without the handler. */
SHMAP_W32API errno_t localtime_s(struct tm *tmDest, const time_t *t);
SHMAP_W32API errno_t _localtime64_s(struct tm *tmDest, const __time64_t *t);
SHMAP_W32API errno_t gmtime_s(struct tm *tmDest, const time_t *t);
SHMAP_W32API errno_t _gmtime64_s(struct tm *tmDest, const __time64_t *t);
/* Writes tm as Windows' asctime does, "Wed Jan 02 02:03:55 1980\n" (26
 * characters with the terminator; the day has two digits). buffer NULL or
 * size 0: EINVAL; size below 26, tm NULL or out of range: EINVAL, buffer
 * empty. */
SHMAP_W32API errno_t asctime_s(char *buffer, size_t size,
                               const struct tm *tm);
SHMAP_W32API errno_t _wasctime_s(wchar_t *buffer, size_t size,
                                 const struct tm *tm);
/* asctime_s of localtime_s of *t. */
SHMAP_W32API errno_t ctime_s(char *buffer, size_t size, const time_t *t);
SHMAP_W32API errno_t _ctime64_s(char *buffer, size_t size,
                                const __time64_t *t);
SHMAP_W32API errno_t _wctime_s(wchar_t *buffer, size_t size,
                               const time_t *t);
SHMAP_W32API errno_t _wctime64_s(wchar_t *buffer, size_t size,
                                 const __time64_t *t);

#ifdef __cplusplus
}

/* The array forms MSVC's C++ headers give the _s functions. */
extern "C++" {
#define SHMAP_CRT_ARRAY_COPY(name, T)                                          \
	template <size_t N> inline errno_t name(T(&dest)[N], const T *src)     \
	{                                                                      \
		return name(dest, N, src);                                     \
	}
SHMAP_CRT_ARRAY_COPY(strcpy_s, char)
SHMAP_CRT_ARRAY_COPY(strcat_s, char)
SHMAP_CRT_ARRAY_COPY(wcscpy_s, wchar_t)
SHMAP_CRT_ARRAY_COPY(wcscat_s, wchar_t)
#undef SHMAP_CRT_ARRAY_COPY
#define SHMAP_CRT_ARRAY_NCOPY(name, T)                                         \
	template <size_t N>                                                    \
	inline errno_t name(T(&dest)[N], const T *src, size_t count)           \
	{                                                                      \
		return name(dest, N, src, count);                              \
	}
SHMAP_CRT_ARRAY_NCOPY(strncpy_s, char)
SHMAP_CRT_ARRAY_NCOPY(strncat_s, char)
SHMAP_CRT_ARRAY_NCOPY(wcsncpy_s, wchar_t)
SHMAP_CRT_ARRAY_NCOPY(wcsncat_s, wchar_t)
#undef SHMAP_CRT_ARRAY_NCOPY
#define SHMAP_CRT_ARRAY_PRINTF(name, vname, T)                                 \
	template <size_t N>                                                    \
	inline int name(T(&buffer)[N], const T *format, ...)                   \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, format);                                          \
		int n = vname(buffer, N, format, ap);                          \
		va_end(ap);                                                    \
		return n;                                                      \
	}                                                                      \
	template <size_t N>                                                    \
	inline int vname(T(&buffer)[N], const T *format, va_list ap)           \
	{                                                                      \
		return vname(buffer, N, format, ap);                           \
	}
SHMAP_CRT_ARRAY_PRINTF(sprintf_s, vsprintf_s, char)
SHMAP_CRT_ARRAY_PRINTF(swprintf_s, vswprintf_s, wchar_t)
#undef SHMAP_CRT_ARRAY_PRINTF
#define SHMAP_CRT_ARRAY_NPRINTF(name, vname, T)                                \
	template <size_t N>                                                    \
	inline int name(T(&buffer)[N], size_t count, const T *format, ...)    \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, format);                                          \
		int n = vname(buffer, N, count, format, ap);                   \
		va_end(ap);                                                    \
		return n;                                                      \
	}                                                                      \
	template <size_t N>                                                    \
	inline int vname(T(&buffer)[N], size_t count, const T *format,         \
	                 va_list ap)                                           \
	{                                                                      \
		return vname(buffer, N, count, format, ap);                    \
	}
SHMAP_CRT_ARRAY_NPRINTF(_snprintf_s, _vsnprintf_s, char)
SHMAP_CRT_ARRAY_NPRINTF(_snwprintf_s, _vsnwprintf_s, wchar_t)
#undef SHMAP_CRT_ARRAY_NPRINTF
#define SHMAP_CRT_ARRAY_TOA(name, V, T)                                        \
	template <size_t N> inline errno_t name(V value, T(&buffer)[N], int radix) \
	{                                                                      \
		return name(value, buffer, N, radix);                          \
	}
SHMAP_CRT_ARRAY_TOA(_itoa_s, int, char)
SHMAP_CRT_ARRAY_TOA(_ltoa_s, long, char)
SHMAP_CRT_ARRAY_TOA(_ultoa_s, unsigned long, char)
SHMAP_CRT_ARRAY_TOA(_i64toa_s, long long, char)
SHMAP_CRT_ARRAY_TOA(_ui64toa_s, unsigned long long, char)
SHMAP_CRT_ARRAY_TOA(_itow_s, int, wchar_t)
SHMAP_CRT_ARRAY_TOA(_ltow_s, long, wchar_t)
SHMAP_CRT_ARRAY_TOA(_ultow_s, unsigned long, wchar_t)
SHMAP_CRT_ARRAY_TOA(_i64tow_s, long long, wchar_t)
SHMAP_CRT_ARRAY_TOA(_ui64tow_s, unsigned long long, wchar_t)
#undef SHMAP_CRT_ARRAY_TOA
#define SHMAP_CRT_ARRAY_TIME(name, T, A)                                       \
	template <size_t N> inline errno_t name(T(&buffer)[N], A arg)          \
	{                                                                      \
		return name(buffer, N, arg);                                   \
	}
SHMAP_CRT_ARRAY_TIME(asctime_s, char, const struct tm *)
SHMAP_CRT_ARRAY_TIME(_wasctime_s, wchar_t, const struct tm *)
SHMAP_CRT_ARRAY_TIME(ctime_s, char, const time_t *)
SHMAP_CRT_ARRAY_TIME(_wctime_s, wchar_t, const time_t *)
#undef SHMAP_CRT_ARRAY_TIME
}
#endif

#endif
