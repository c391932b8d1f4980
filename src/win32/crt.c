/* SPDX-License-Identifier: MIT */
/*
 * The Microsoft C runtime's extras (shmap_crt.h): the _s functions with
 * Microsoft's parameter validation, the _itoa and _wtoi families,
 * case-insensitive comparisons, fopen_s and the _s time calls.
 *
 * The rest of shmap never prints, aborts or touches errno; this file does
 * all three where the runtime it emulates does: a bad parameter with no
 * handler installed ends the process as Windows' default handler does, and
 * every failure stores its errno_t code in errno as Microsoft documents.
 *
 * The char and wchar_t forms share one implementation each: the strings
 * are walked through get() and put(), which read and write either width.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "w32.h"

/* ---- the invalid-parameter handler ---- */

static _invalid_parameter_handler g_handler;

_invalid_parameter_handler
_set_invalid_parameter_handler(_invalid_parameter_handler pNew)
{
	/* acq_rel: the handler's own setup, done before it is installed, is
	 * seen by a thread that loads it and calls it. */
	return __atomic_exchange_n(&g_handler, pNew, __ATOMIC_ACQ_REL);
}

_invalid_parameter_handler _get_invalid_parameter_handler(void)
{
	/* acquire: pairs with the exchange above. */
	return __atomic_load_n(&g_handler, __ATOMIC_ACQUIRE);
}

/* A bad parameter to fn: errno = err, then the handler. Without one the
 * process ends, as Windows' default handler ends it. Returns err. */
static int crt_invalid(const char *fn, int err)
{
	errno = err;
	_invalid_parameter_handler h = _get_invalid_parameter_handler();
	if (!h) {
		fprintf(stderr,
		        "%s: invalid parameter; the process is ended, as "
		        "Windows ends it (STATUS_INVALID_CRT_PARAMETER)\n",
		        fn);
		abort();
	}
	h(NULL, NULL, NULL, 0, 0);
	errno = err;
	return err;
}

/* ---- one implementation for both character widths ---- */

static uint32_t get(const void *s, size_t i, int w)
{
	return w ? (uint32_t)((const wchar_t *)s)[i]
	         : (uint32_t)((const unsigned char *)s)[i];
}

static void put(void *s, size_t i, uint32_t c, int w)
{
	if (w)
		((wchar_t *)s)[i] = (wchar_t)c;
	else
		((char *)s)[i] = (char)c;
}

/* The copy and append functions, as Microsoft's tcscpy_s, tcsncpy_s,
 * tcscat_s and tcsncat_s behave. has_count: the n forms. */
static errno_t str_copy(void *d, size_t size, const void *s, size_t count,
                        int has_count, int append, int w, const char *fn)
{
	if (has_count && count == 0 && !d && size == 0)
		return 0;
	if (!d || size == 0)
		return crt_invalid(fn, EINVAL);
	if (has_count && count == 0 && !append) {
		put(d, 0, 0, w);
		return 0;
	}
	if (!s && !(has_count && count == 0)) {
		put(d, 0, 0, w);
		return crt_invalid(fn, EINVAL);
	}
	size_t i = 0;
	if (append) {
		while (i < size && get(d, i, w))
			i++;
		if (i == size) { /* dest has no terminator */
			put(d, 0, 0, w);
			return crt_invalid(fn, EINVAL);
		}
	}
	int limited = has_count && count != _TRUNCATE;
	for (size_t k = 0;; k++) {
		if (limited && k == count) {
			put(d, i, 0, w);
			return 0;
		}
		uint32_t c = get(s, k, w);
		put(d, i, c, w);
		if (!c)
			return 0;
		if (++i == size)
			break;
	}
	if (has_count && count == _TRUNCATE) {
		put(d, size - 1, 0, w);
		return STRUNCATE;
	}
	put(d, 0, 0, w);
	return crt_invalid(fn, ERANGE);
}

errno_t strcpy_s(char *d, rsize_t n, const char *s)
{
	return str_copy(d, n, s, 0, 0, 0, 0, __func__);
}

errno_t wcscpy_s(wchar_t *d, rsize_t n, const wchar_t *s)
{
	return str_copy(d, n, s, 0, 0, 0, 1, __func__);
}

errno_t strcat_s(char *d, rsize_t n, const char *s)
{
	return str_copy(d, n, s, 0, 0, 1, 0, __func__);
}

errno_t wcscat_s(wchar_t *d, rsize_t n, const wchar_t *s)
{
	return str_copy(d, n, s, 0, 0, 1, 1, __func__);
}

errno_t strncpy_s(char *d, rsize_t n, const char *s, rsize_t count)
{
	return str_copy(d, n, s, count, 1, 0, 0, __func__);
}

errno_t wcsncpy_s(wchar_t *d, rsize_t n, const wchar_t *s, rsize_t count)
{
	return str_copy(d, n, s, count, 1, 0, 1, __func__);
}

errno_t strncat_s(char *d, rsize_t n, const char *s, rsize_t count)
{
	return str_copy(d, n, s, count, 1, 1, 0, __func__);
}

errno_t wcsncat_s(wchar_t *d, rsize_t n, const wchar_t *s, rsize_t count)
{
	return str_copy(d, n, s, count, 1, 1, 1, __func__);
}

size_t strnlen_s(const char *s, size_t n)
{
	return s ? strnlen(s, n) : 0;
}

size_t wcsnlen_s(const wchar_t *s, size_t n)
{
	return s ? wcsnlen(s, n) : 0;
}

char *strtok_s(char *str, const char *delim, char **ctx)
{
	if (!ctx || !delim || (!str && !*ctx)) {
		crt_invalid(__func__, EINVAL);
		return NULL;
	}
	return strtok_r(str, delim, ctx);
}

wchar_t *wcstok_s(wchar_t *str, const wchar_t *delim, wchar_t **ctx)
{
	if (!ctx || !delim || (!str && !*ctx)) {
		crt_invalid(__func__, EINVAL);
		return NULL;
	}
	return wcstok(str, delim, ctx);
}

/* memcpy_s (zero: clear dest on an error) and memmove_s, in bytes. */
static errno_t mem_copy(void *d, size_t dsize, const void *s, size_t count,
                        int zero, const char *fn)
{
	if (count == 0)
		return 0;
	if (!d)
		return crt_invalid(fn, EINVAL);
	if (!s || dsize < count) {
		if (zero)
			memset(d, 0, dsize);
		return crt_invalid(fn, !s ? EINVAL : ERANGE);
	}
	memmove(d, s, count);
	return 0;
}

errno_t memcpy_s(void *d, rsize_t dsize, const void *s, rsize_t count)
{
	return mem_copy(d, dsize, s, count, 1, __func__);
}

errno_t memmove_s(void *d, rsize_t dsize, const void *s, rsize_t count)
{
	return mem_copy(d, dsize, s, count, 0, __func__);
}

/* Sizes in elements; one above SIZE_MAX / sizeof(wchar_t) cannot be a
 * real buffer's, so it is any size, which never fails. */
static size_t wbytes(size_t n)
{
	return n > SIZE_MAX / sizeof(wchar_t) ? SIZE_MAX : n * sizeof(wchar_t);
}

errno_t wmemcpy_s(wchar_t *d, rsize_t dsize, const wchar_t *s, rsize_t count)
{
	return mem_copy(d, wbytes(dsize), s, wbytes(count), 1, __func__);
}

errno_t wmemmove_s(wchar_t *d, rsize_t dsize, const wchar_t *s,
                   rsize_t count)
{
	return mem_copy(d, wbytes(dsize), s, wbytes(count), 0, __func__);
}

char *_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

wchar_t *_wcsdup(const wchar_t *s)
{
	return s ? wcsdup(s) : NULL;
}

/* Case-insensitive comparison of at most n characters, folding A-Z. */
static int str_icmp(const void *a, const void *b, size_t n, int w,
                    const char *fn)
{
	if (!a || !b) {
		crt_invalid(fn, EINVAL);
		return INT_MAX; /* _NLSCMPERROR */
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t x = get(a, i, w), y = get(b, i, w);
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			break;
	}
	return 0;
}

int _stricmp(const char *a, const char *b)
{
	return str_icmp(a, b, SIZE_MAX, 0, __func__);
}

int _strnicmp(const char *a, const char *b, size_t n)
{
	return str_icmp(a, b, n, 0, __func__);
}

int _wcsicmp(const wchar_t *a, const wchar_t *b)
{
	return str_icmp(a, b, SIZE_MAX, 1, __func__);
}

int _wcsnicmp(const wchar_t *a, const wchar_t *b, size_t n)
{
	return str_icmp(a, b, n, 1, __func__);
}

/* ---- numbers to text ---- */

/* Writes v (negated with a '-' when neg) in radix into buf, size
 * characters, as Microsoft's xtoa_s. */
static errno_t num_text(uint64_t v, int neg, void *buf, size_t size,
                        int radix, int w, const char *fn)
{
	if (!buf || size == 0)
		return crt_invalid(fn, EINVAL);
	put(buf, 0, 0, w);
	if (size <= (size_t)(neg ? 2 : 1))
		return crt_invalid(fn, ERANGE);
	if (radix < 2 || radix > 36)
		return crt_invalid(fn, EINVAL);
	char digits[64];
	size_t n = 0;
	do {
		unsigned d = (unsigned)(v % (unsigned)radix);
		digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= (unsigned)radix;
	} while (v);
	if (n + (size_t)neg >= size)
		return crt_invalid(fn, ERANGE);
	size_t i = 0;
	if (neg)
		put(buf, i++, '-', w);
	while (n)
		put(buf, i++, (unsigned char)digits[--n], w);
	put(buf, i, 0, w);
	return 0;
}

/* A signed value of `bits` bits: '-' in radix 10, else the two's
 * complement of that width. */
static errno_t signed_text(long long v, int bits, void *buf, size_t size,
                           int radix, int w, const char *fn)
{
	int neg = radix == 10 && v < 0;
	uint64_t u = neg ? 0 - (uint64_t)v : (uint64_t)v;
	if (!neg && bits == 32)
		u &= 0xffffffffu;
	return num_text(u, neg, buf, size, radix, w, fn);
}

/* Windows' long is 32 bits: a long that fits shows as one. */
static int long_bits(long long v)
{
	return v >= INT32_MIN && v <= INT32_MAX ? 32 : 64;
}

/* Each _s form and its unchecked twin (whose buffer is taken to be large
 * enough): TO_TEXT(name of the _s form, unchecked name, value type,
 * character type, wide, the conversion of v). */
#define TO_TEXT(name_s, name, V, T, w, conv)                                   \
	errno_t name_s(V v, T *b, size_t n, int r)                             \
	{                                                                      \
		return conv(b, n, r, w, #name_s);                              \
	}                                                                      \
	T *name(V v, T *b, int r)                                              \
	{                                                                      \
		conv(b, SIZE_MAX, r, w, #name);                                \
		return b;                                                      \
	}
#define INT_TEXT(b, n, r, w, fn) signed_text(v, 32, b, n, r, w, fn)
#define LONG_TEXT(b, n, r, w, fn) signed_text(v, long_bits(v), b, n, r, w, fn)
#define I64_TEXT(b, n, r, w, fn) signed_text(v, 64, b, n, r, w, fn)
#define U_TEXT(b, n, r, w, fn) num_text(v, 0, b, n, r, w, fn)

TO_TEXT(_itoa_s, _itoa, int, char, 0, INT_TEXT)
TO_TEXT(_ltoa_s, _ltoa, long, char, 0, LONG_TEXT)
TO_TEXT(_ultoa_s, _ultoa, unsigned long, char, 0, U_TEXT)
TO_TEXT(_i64toa_s, _i64toa, long long, char, 0, I64_TEXT)
TO_TEXT(_ui64toa_s, _ui64toa, unsigned long long, char, 0, U_TEXT)
TO_TEXT(_itow_s, _itow, int, wchar_t, 1, INT_TEXT)
TO_TEXT(_ltow_s, _ltow, long, wchar_t, 1, LONG_TEXT)
TO_TEXT(_ultow_s, _ultow, unsigned long, wchar_t, 1, U_TEXT)
TO_TEXT(_i64tow_s, _i64tow, long long, wchar_t, 1, I64_TEXT)
TO_TEXT(_ui64tow_s, _ui64tow, unsigned long long, wchar_t, 1, U_TEXT)

/* ---- text to numbers ---- */

static long long clamp(long long v, long long lo, long long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int _wtoi(const wchar_t *s)
{
	return (int)clamp(wcstoll(s, NULL, 10), INT_MIN, INT_MAX);
}

long _wtol(const wchar_t *s)
{
	return (long)clamp(wcstoll(s, NULL, 10), INT32_MIN, INT32_MAX);
}

long long _wtoi64(const wchar_t *s)
{
	return wcstoll(s, NULL, 10);
}

long long _atoi64(const char *s)
{
	return strtoll(s, NULL, 10);
}

double _wtof(const wchar_t *s)
{
	return wcstod(s, NULL);
}

/* ---- formatted output, through the _t printf family (tchar.c) ---- */

/* Formats into buf (cap characters) with Microsoft's rules: the full
 * length, or -1. */
static int fmt_into(void *buf, size_t cap, const void *fmt, va_list ap, int w)
{
	return w ? shmap_w32_vsnwprintf(buf, cap, fmt, ap)
	         : shmap_w32_vsnprintf(buf, cap, fmt, ap);
}

/* vsprintf_s and vswprintf_s. */
static int print_s(void *buf, size_t size, const void *fmt, va_list ap, int w,
                   const char *fn)
{
	if (!fmt || !buf || size == 0) {
		crt_invalid(fn, EINVAL);
		return -1;
	}
	int n = fmt_into(buf, size, fmt, ap, w);
	if (n < 0)
		return -1; /* buf is already empty */
	if ((size_t)n >= size) {
		put(buf, 0, 0, w);
		crt_invalid(fn, ERANGE);
		return -1;
	}
	return n;
}

/* _vsnprintf_s and _vsnwprintf_s. */
static int nprint_s(void *buf, size_t size, size_t count, const void *fmt,
                    va_list ap, int w, const char *fn)
{
	if (!fmt) {
		crt_invalid(fn, EINVAL);
		return -1;
	}
	if (count == 0 && !buf && size == 0)
		return 0;
	if (!buf || size == 0) {
		crt_invalid(fn, EINVAL);
		return -1;
	}
	if (size > count) { /* count limits: cut there, -1 */
		int n = fmt_into(buf, count + 1, fmt, ap, w);
		return n < 0 || (size_t)n > count ? -1 : n;
	}
	int n = fmt_into(buf, size, fmt, ap, w);
	if (n < 0)
		return -1;
	if ((size_t)n >= size) {
		if (count == _TRUNCATE)
			return -1;
		put(buf, 0, 0, w);
		crt_invalid(fn, ERANGE);
		return -1;
	}
	return n;
}

/* _vsnprintf and _vsnwprintf: at most count characters, terminated only
 * when shorter than count; buf NULL with count 0 asks for the length. */
static int nprint(void *buf, size_t count, const void *fmt, va_list ap, int w,
                  const char *fn)
{
	if (!fmt || (!buf && count)) {
		crt_invalid(fn, EINVAL);
		return -1;
	}
	va_list aq;
	va_copy(aq, ap);
	int n = fmt_into(NULL, 0, fmt, aq, w);
	va_end(aq);
	if (n < 0 || !buf)
		return n < 0 ? -1 : n;
	size_t unit = w ? sizeof(wchar_t) : 1;
	if ((size_t)n < count)
		return fmt_into(buf, count, fmt, ap, w);
	void *tmp = malloc(((size_t)n + 1) * unit);
	if (!tmp)
		return -1;
	fmt_into(tmp, (size_t)n + 1, fmt, ap, w);
	memcpy(buf, tmp, count * unit);
	free(tmp);
	return (size_t)n == count ? n : -1;
}

#define VA_CALL(expr, last)                                                    \
	va_list ap;                                                            \
	va_start(ap, last);                                                    \
	int n = (expr);                                                        \
	va_end(ap);                                                            \
	return n

int vsprintf_s(char *b, size_t n, const char *f, va_list ap)
{
	return print_s(b, n, f, ap, 0, __func__);
}

int vswprintf_s(wchar_t *b, size_t n, const wchar_t *f, va_list ap)
{
	return print_s(b, n, f, ap, 1, __func__);
}

int sprintf_s(char *b, size_t size, const char *f, ...)
{
	VA_CALL(print_s(b, size, f, ap, 0, __func__), f);
}

int swprintf_s(wchar_t *b, size_t size, const wchar_t *f, ...)
{
	VA_CALL(print_s(b, size, f, ap, 1, __func__), f);
}

int _vsnprintf_s(char *b, size_t n, size_t c, const char *f, va_list ap)
{
	return nprint_s(b, n, c, f, ap, 0, __func__);
}

int _vsnwprintf_s(wchar_t *b, size_t n, size_t c, const wchar_t *f,
                  va_list ap)
{
	return nprint_s(b, n, c, f, ap, 1, __func__);
}

int _snprintf_s(char *b, size_t size, size_t c, const char *f, ...)
{
	VA_CALL(nprint_s(b, size, c, f, ap, 0, __func__), f);
}

int _snwprintf_s(wchar_t *b, size_t size, size_t c, const wchar_t *f, ...)
{
	VA_CALL(nprint_s(b, size, c, f, ap, 1, __func__), f);
}

int _vsnprintf(char *b, size_t c, const char *f, va_list ap)
{
	return nprint(b, c, f, ap, 0, __func__);
}

int _vsnwprintf(wchar_t *b, size_t c, const wchar_t *f, va_list ap)
{
	return nprint(b, c, f, ap, 1, __func__);
}

int _snprintf(char *b, size_t c, const char *f, ...)
{
	VA_CALL(nprint(b, c, f, ap, 0, __func__), f);
}

int _snwprintf(wchar_t *b, size_t c, const wchar_t *f, ...)
{
	VA_CALL(nprint(b, c, f, ap, 1, __func__), f);
}

/* The length the output would have; format NULL: -1, EINVAL. */
static int count_out(const void *fmt, va_list ap, int w, const char *fn)
{
	if (!fmt) {
		crt_invalid(fn, EINVAL);
		return -1;
	}
	return fmt_into(NULL, 0, fmt, ap, w);
}

int _vscprintf(const char *f, va_list ap)
{
	return count_out(f, ap, 0, __func__);
}

int _vscwprintf(const wchar_t *f, va_list ap)
{
	return count_out(f, ap, 1, __func__);
}

int _scprintf(const char *f, ...)
{
	VA_CALL(count_out(f, ap, 0, __func__), f);
}

int _scwprintf(const wchar_t *f, ...)
{
	VA_CALL(count_out(f, ap, 1, __func__), f);
}

/* printf_s and friends: fp NULL or format NULL is EINVAL. */
static int stream_out(FILE *fp, const void *fmt, va_list ap, int w,
                      const char *fn)
{
	if (!fp || !fmt) {
		crt_invalid(fn, EINVAL);
		return -1;
	}
	return w ? shmap_w32_vfwprintf(fp, fmt, ap)
	         : shmap_w32_vfprintf(fp, fmt, ap);
}

int printf_s(const char *f, ...)
{
	VA_CALL(stream_out(stdout, f, ap, 0, __func__), f);
}

int wprintf_s(const wchar_t *f, ...)
{
	VA_CALL(stream_out(stdout, f, ap, 1, __func__), f);
}

int fprintf_s(FILE *fp, const char *f, ...)
{
	VA_CALL(stream_out(fp, f, ap, 0, __func__), f);
}

int fwprintf_s(FILE *fp, const wchar_t *f, ...)
{
	VA_CALL(stream_out(fp, f, ap, 1, __func__), f);
}

/* ---- files ---- */

/* Turns Microsoft's mode into glibc's in out (16 bytes): 0, or EINVAL for
 * a mode Microsoft's runtime refuses. *del: the D flag. */
static int fopen_mode(const char *m, char *out, int *del)
{
	size_t o = 0;
	int plus = 0, bt = 0, x = 0;
	while (*m == ' ')
		m++;
	if (*m != 'r' && *m != 'w' && *m != 'a')
		return EINVAL;
	out[o++] = *m++;
	for (; *m; m++) {
		switch (*m) {
		case '+':
			if (plus++)
				return EINVAL;
			out[o++] = '+';
			break;
		case 'b':
		case 't':
			if (bt++)
				return EINVAL;
			break;
		case 'x':
			if (x++ || out[0] != 'w')
				return EINVAL;
			out[o++] = 'x';
			break;
		case 'D':
			*del = 1;
			break;
		case 'c': case 'n': case 'N': case 'S': case 'R': case 'T':
		case ' ':
			break;
		case ',':
			/* ",ccs=ENCODING" ends the mode. */
			while (m[1] == ' ')
				m++;
			if (strncmp(m + 1, "ccs", 3))
				return EINVAL;
			out[o] = 0;
			return 0;
		default:
			return EINVAL;
		}
	}
	out[o] = 0;
	return 0;
}

errno_t fopen_s(FILE **pf, const char *name, const char *mode)
{
	char m[16];
	int del = 0;
	if (!pf)
		return crt_invalid(__func__, EINVAL);
	*pf = NULL;
	if (!name || !mode || fopen_mode(mode, m, &del))
		return crt_invalid(__func__, EINVAL);
	if (!*name)
		return errno = EINVAL;
	char *path = w32_path(name);
	if (!path)
		return errno = ENOMEM;
	FILE *f = fopen(path, m);
	int e = errno;
	if (f && del)
		unlink(path);
	free(path);
	*pf = f;
	return f ? 0 : (errno = e);
}

errno_t _wfopen_s(FILE **pf, const wchar_t *name, const wchar_t *mode)
{
	if (!pf)
		return crt_invalid(__func__, EINVAL);
	*pf = NULL;
	if (!name || !mode)
		return crt_invalid(__func__, EINVAL);
	char *n = w32_narrow(name), *m = w32_narrow(mode);
	errno_t e = n && m ? fopen_s(pf, n, m) : (errno = ENOMEM);
	free(n);
	free(m);
	return e;
}

FILE *_wfopen(const wchar_t *name, const wchar_t *mode)
{
	FILE *f = NULL;
	_wfopen_s(&f, name, mode);
	return f;
}

void _wperror(const wchar_t *msg)
{
	int e = errno;
	char *n = msg ? w32_narrow(msg) : NULL;
	errno = e; /* the text is errno's as the caller left it */
	perror(n);
	free(n);
	errno = e;
}

/* ---- time ---- */

/* 23:59:59 on 31 December 3000 (UTC), the last time Windows converts. */
#define MAX_TIME64 0x793406fffLL

__time64_t _time64(__time64_t *t)
{
	return time(t);
}

/* localtime_s and gmtime_s. */
static errno_t break_time(struct tm *tm, const time_t *t, int local,
                          const char *fn)
{
	if (!tm)
		return crt_invalid(fn, EINVAL);
	memset(tm, 0, sizeof *tm);
	tm->tm_sec = tm->tm_min = tm->tm_hour = tm->tm_mday = tm->tm_mon =
	        tm->tm_year = tm->tm_wday = tm->tm_yday = tm->tm_isdst = -1;
	if (!t)
		return crt_invalid(fn, EINVAL);
	if (*t < 0 || *t > MAX_TIME64)
		return errno = EINVAL;
	struct tm r;
	if (!(local ? localtime_r(t, &r) : gmtime_r(t, &r)))
		return errno = EINVAL;
	*tm = r;
	return 0;
}

errno_t localtime_s(struct tm *tm, const time_t *t)
{
	return break_time(tm, t, 1, __func__);
}

errno_t _localtime64_s(struct tm *tm, const __time64_t *t)
{
	return break_time(tm, t, 1, __func__);
}

errno_t gmtime_s(struct tm *tm, const time_t *t)
{
	return break_time(tm, t, 0, __func__);
}

errno_t _gmtime64_s(struct tm *tm, const __time64_t *t)
{
	return break_time(tm, t, 0, __func__);
}

/* asctime_s into either width. */
static errno_t asc_time(void *buf, size_t size, const struct tm *tm, int w,
                        const char *fn)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	if (!buf || size == 0)
		return crt_invalid(fn, EINVAL);
	put(buf, 0, 0, w);
	if (size < 26 || !tm || tm->tm_year < 0 || tm->tm_year > 8099 ||
	    tm->tm_mon < 0 || tm->tm_mon > 11 || tm->tm_mday < 1 ||
	    tm->tm_mday > 31 || tm->tm_hour < 0 || tm->tm_hour > 23 ||
	    tm->tm_min < 0 || tm->tm_min > 59 || tm->tm_sec < 0 ||
	    tm->tm_sec > 59 || tm->tm_wday < 0 || tm->tm_wday > 6 ||
	    tm->tm_yday < 0 || tm->tm_yday > 365)
		return crt_invalid(fn, EINVAL);
	char s[64];
	snprintf(s, sizeof s, "%.3s %.3s %02d %02d:%02d:%02d %4d\n",
	         days + 3 * tm->tm_wday, months + 3 * tm->tm_mon, tm->tm_mday,
	         tm->tm_hour, tm->tm_min, tm->tm_sec, tm->tm_year + 1900);
	size_t i = 0;
	for (; s[i]; i++)
		put(buf, i, (unsigned char)s[i], w);
	put(buf, i, 0, w);
	return 0;
}

errno_t asctime_s(char *b, size_t n, const struct tm *tm)
{
	return asc_time(b, n, tm, 0, __func__);
}

errno_t _wasctime_s(wchar_t *b, size_t n, const struct tm *tm)
{
	return asc_time(b, n, tm, 1, __func__);
}

/* ctime_s into either width. */
static errno_t c_time(void *buf, size_t size, const time_t *t, int w,
                      const char *fn)
{
	if (!buf || size == 0)
		return crt_invalid(fn, EINVAL);
	put(buf, 0, 0, w);
	if (size < 26 || !t)
		return crt_invalid(fn, EINVAL);
	struct tm tm;
	errno_t e = break_time(&tm, t, 1, fn);
	return e ? e : asc_time(buf, size, &tm, w, fn);
}

errno_t ctime_s(char *b, size_t n, const time_t *t)
{
	return c_time(b, n, t, 0, __func__);
}

errno_t _ctime64_s(char *b, size_t n, const __time64_t *t)
{
	return c_time(b, n, t, 0, __func__);
}

errno_t _wctime_s(wchar_t *b, size_t n, const time_t *t)
{
	return c_time(b, n, t, 1, __func__);
}

errno_t _wctime64_s(wchar_t *b, size_t n, const __time64_t *t)
{
	return c_time(b, n, t, 1, __func__);
}
