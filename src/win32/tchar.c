/* SPDX-License-Identifier: MIT */
/* The _t printf family with Microsoft's format rules. */
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "w32.h"
#include <strsafe.h>
#include <tchar.h>

/*
 * Rewrites a Microsoft format for glibc. In a wide format (wide != 0) %s
 * and %c are wide and %S and %C narrow; in a narrow one the reverse. %hs,
 * %hc are narrow and %ls, %lc, %ws, %wc wide everywhere; %I64 is %ll, %I32
 * nothing, %I the pointer size. Writes at most cap characters of CHAR_T.
 */
#define REWRITE(NAME, CHAR_T, LIT)                                             \
	static CHAR_T *NAME(const CHAR_T *f, int wide)                        \
	{                                                                     \
		size_t n = 0;                                                 \
		while (f[n])                                                  \
			n++;                                                  \
		CHAR_T *o = malloc((n * 2 + 1) * sizeof(CHAR_T)), *w = o;     \
		if (!o)                                                       \
			return NULL;                                          \
		while (*f) {                                                  \
			if (*f != LIT('%')) {                                 \
				*w++ = *f++;                                  \
				continue;                                     \
			}                                                     \
			*w++ = *f++;                                          \
			if (*f == LIT('%')) {                                 \
				*w++ = *f++;                                  \
				continue;                                     \
			}                                                     \
			while (*f && (*f == LIT('-') || *f == LIT('+') ||     \
			              *f == LIT(' ') || *f == LIT('#') ||     \
			              *f == LIT('0') || *f == LIT('.') ||     \
			              *f == LIT('*') ||                       \
			              (*f >= LIT('1') && *f <= LIT('9'))))    \
				*w++ = *f++;                                  \
			int size = 0; /* 1 narrow, 2 wide */                  \
			if (*f == LIT('h') &&                                 \
			    (f[1] == LIT('s') || f[1] == LIT('c') ||          \
			     f[1] == LIT('S') || f[1] == LIT('C'))) {         \
				size = 1;                                     \
				f++;                                          \
			} else if ((*f == LIT('l') || *f == LIT('w')) &&      \
			           (f[1] == LIT('s') || f[1] == LIT('c') ||   \
			            f[1] == LIT('S') || f[1] == LIT('C'))) {  \
				size = 2;                                     \
				f++;                                          \
			} else if (*f == LIT('I')) {                          \
				if (f[1] == LIT('6') && f[2] == LIT('4')) {   \
					*w++ = LIT('l');                      \
					*w++ = LIT('l');                      \
					f += 3;                               \
				} else if (f[1] == LIT('3') &&                \
				           f[2] == LIT('2')) {                \
					f += 3;                               \
				} else {                                      \
					*w++ = LIT('z');                      \
					f++;                                  \
				}                                             \
			}                                                     \
			CHAR_T c = *f;                                        \
			if (c == LIT('s') || c == LIT('S') || c == LIT('c') || \
			    c == LIT('C')) {                                  \
				int upper = c == LIT('S') || c == LIT('C');   \
				if (!size)                                    \
					size = (wide != 0) != (upper != 0) ? 2 \
					                                   : 1; \
				if (size == 2)                                \
					*w++ = LIT('l');                      \
				*w++ = (c == LIT('s') || c == LIT('S'))       \
				               ? LIT('s')                     \
				               : LIT('c');                    \
				f++;                                          \
			} else if (c) {                                       \
				*w++ = *f++;                                  \
			}                                                     \
		}                                                             \
		*w = 0;                                                       \
		return o;                                                     \
	}

#define NARROW_LIT(c) c
#define WIDE_LIT(c) L##c
REWRITE(rewrite_narrow, char, NARROW_LIT)
REWRITE(rewrite_wide, wchar_t, WIDE_LIT)

/* Text goes out as UTF-8: format under a UTF-8 locale, whatever the
 * program's, so %S and %ls convert any character. */
static locale_t g_utf8;
static pthread_once_t g_utf8_once = PTHREAD_ONCE_INIT;

static void utf8_init(void)
{
	g_utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t utf8_enter(void)
{
	pthread_once(&g_utf8_once, utf8_init);
	return g_utf8 ? uselocale(g_utf8) : (locale_t)0;
}

static void utf8_leave(locale_t old)
{
	if (old)
		uselocale(old);
}

static int vfmt_narrow(char **out, const char *fmt, va_list ap)
{
	char *f = rewrite_narrow(fmt, 0);
	if (!f)
		return -1;
	locale_t old = utf8_enter();
	int n = vasprintf(out, f, ap);
	utf8_leave(old);
	free(f);
	return n;
}

/* Formats into a malloc'd wide string. */
static int vfmt_wide(wchar_t **out, const wchar_t *fmt, va_list ap)
{
	wchar_t *f = rewrite_wide(fmt, 1);
	if (!f)
		return -1;
	size_t cap = 256;
	for (;;) {
		wchar_t *buf = malloc(cap * sizeof *buf);
		va_list aq;
		if (!buf) {
			free(f);
			return -1;
		}
		va_copy(aq, ap);
		locale_t old = utf8_enter();
		errno = 0;
		int n = vswprintf(buf, cap, f, aq);
		int e = errno;
		utf8_leave(old);
		va_end(aq);
		if (n >= 0 && (size_t)n < cap) {
			free(f);
			*out = buf;
			return n;
		}
		free(buf);
		/* -1 means too small, or a conversion failed: only the first
		 * is worth a bigger buffer. */
		if (e == EILSEQ || cap > (1u << 24)) {
			free(f);
			return -1;
		}
		cap *= 4;
	}
}

/*
 * Formats fmt and sends the result to fp, or, with fp NULL, copies it into
 * buf (at most cap characters with the terminator; SIZE_MAX: unbounded).
 * Wide output goes to a stream as UTF-8, so the stream stays
 * byte-oriented. Returns the formatted length, or -1.
 */
static int emit_narrow(FILE *fp, char *buf, size_t cap, const char *fmt,
                       va_list ap)
{
	char *s;
	int n = vfmt_narrow(&s, fmt, ap);
	if (n < 0) {
		if (!fp && cap)
			buf[0] = 0;
		return -1;
	}
	if (fp) {
		if (fwrite(s, 1, (size_t)n, fp) != (size_t)n)
			n = -1;
	} else if (cap) {
		size_t k = (size_t)n < cap ? (size_t)n : cap - 1;
		memcpy(buf, s, k);
		buf[k] = 0;
	}
	free(s);
	return n;
}

static int emit_wide(FILE *fp, wchar_t *buf, size_t cap, const wchar_t *fmt,
                     va_list ap)
{
	wchar_t *w;
	int n = vfmt_wide(&w, fmt, ap);
	if (n < 0) {
		if (!fp && cap)
			buf[0] = 0;
		return -1;
	}
	if (fp) {
		char *s = w32_narrow(w);
		size_t len = s ? strlen(s) : 0;
		if (!s || fwrite(s, 1, len, fp) != len)
			n = -1;
		free(s);
	} else if (cap) {
		size_t k = (size_t)n < cap ? (size_t)n : cap - 1;
		memcpy(buf, w, k * sizeof *w);
		buf[k] = 0;
	}
	free(w);
	return n;
}

#define EMIT(fn, fp, buf, cap, fmt)                                            \
	va_list ap;                                                            \
	va_start(ap, fmt);                                                     \
	int n = fn(fp, buf, cap, fmt, ap);                                     \
	va_end(ap);                                                            \
	return n

int shmap_w32_fprintf(FILE *fp, const char *fmt, ...)
{
	EMIT(emit_narrow, fp, NULL, 0, fmt);
}

int shmap_w32_printf(const char *fmt, ...)
{
	EMIT(emit_narrow, stdout, NULL, 0, fmt);
}

int shmap_w32_sprintf(char *buf, const char *fmt, ...)
{
	EMIT(emit_narrow, NULL, buf, SIZE_MAX, fmt);
}

int shmap_w32_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
	EMIT(emit_narrow, NULL, buf, cap, fmt);
}

int shmap_w32_fwprintf(FILE *fp, const wchar_t *fmt, ...)
{
	EMIT(emit_wide, fp, NULL, 0, fmt);
}

int shmap_w32_wprintf(const wchar_t *fmt, ...)
{
	EMIT(emit_wide, stdout, NULL, 0, fmt);
}

int shmap_w32_swprintf(wchar_t *buf, const wchar_t *fmt, ...)
{
	EMIT(emit_wide, NULL, buf, SIZE_MAX, fmt);
}

int shmap_w32_snwprintf(wchar_t *buf, size_t cap, const wchar_t *fmt, ...)
{
	EMIT(emit_wide, NULL, buf, cap, fmt);
}

/* wsprintf's buffer is at most 1024 characters, the terminator included:
 * the count returned is what was stored. */
#define WSPRINTF_MAX 1024

int WINAPIV wsprintfA(LPSTR buf, LPCSTR fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = emit_narrow(NULL, buf, WSPRINTF_MAX, fmt, ap);
	va_end(ap);
	return n < WSPRINTF_MAX ? n : WSPRINTF_MAX - 1;
}

int WINAPIV wsprintfW(LPWSTR buf, LPCWSTR fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = emit_wide(NULL, buf, WSPRINTF_MAX, fmt, ap);
	va_end(ap);
	return n < WSPRINTF_MAX ? n : WSPRINTF_MAX - 1;
}

/* The va_list forms <strsafe.h> and the _s functions format through. */
int shmap_w32_vfprintf(FILE *fp, const char *fmt, va_list ap)
{
	return emit_narrow(fp, NULL, 0, fmt, ap);
}

int shmap_w32_vfwprintf(FILE *fp, const wchar_t *fmt, va_list ap)
{
	return emit_wide(fp, NULL, 0, fmt, ap);
}

int shmap_w32_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	return emit_narrow(NULL, buf, cap, fmt, ap);
}

int shmap_w32_vsnwprintf(wchar_t *buf, size_t cap, const wchar_t *fmt,
                         va_list ap)
{
	return emit_wide(NULL, buf, cap, fmt, ap);
}
