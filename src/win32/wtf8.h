/* SPDX-License-Identifier: MIT */
/*
 * Wide (UTF-32 wchar_t) to narrow text and back, losslessly, for the Win32
 * layer and the wmain entry point (header-only: the entry point's archive
 * links without the layer's internals).
 *
 * Narrowing is WTF-8 extended to every 32-bit value: a surrogate pair (as a
 * program written for 16-bit wchar_t spells a character outside the BMP)
 * becomes the character it stands for, a lone surrogate its own 3-byte
 * sequence, a value above U+10FFFF the 4-, 5- or 6-byte form of the
 * original UTF-8, and a value of 2^31 or more a 0xFE byte and six
 * continuation bytes. So two wide strings that differ (other than a pair
 * against the character it encodes, which Windows' UTF-16 names cannot tell
 * apart either) narrow to different strings, and distinct wide names never
 * alias one object. Widening is the exact reverse; only bytes no wide
 * string narrows to (malformed or overlong sequences) become U+FFFD, one per
 * bad byte.
 */
#ifndef SHMAP_W32_WTF8_H
#define SHMAP_W32_WTF8_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* The most bytes one wide character narrows to. */
#define SHMAP__WTF8_MAX 7

/* Writes the narrow form of c at o; returns its length in bytes. */
static inline size_t shmap__wtf8_put(uint32_t c, char *o)
{
	static const uint32_t lim[] = {0x80,     0x800,     0x10000,
	                               0x200000, 0x4000000, 0x80000000u};
	static const unsigned char lead[] = {0x00, 0xc0, 0xe0, 0xf0,
	                                     0xf8, 0xfc, 0xfe};
	size_t n = 1;
	while (n < 7 && c >= lim[n - 1])
		n++;
	for (size_t k = n - 1; k > 0; k--) {
		o[k] = (char)(0x80 | (c & 0x3f));
		c >>= 6;
	}
	o[0] = (char)(lead[n - 1] | c);
	return n;
}

/* A malloc'd narrow copy of w, or NULL without memory. */
static inline char *shmap__wtf8_narrow(const wchar_t *w)
{
	size_t n = wcslen(w);
	char *s = malloc(n * SHMAP__WTF8_MAX + 1), *o = s;
	if (!s)
		return NULL;
	for (; *w; w++) {
		uint32_t c = (uint32_t)*w;
		uint32_t d = (uint32_t)w[1];
		if (c >= 0xd800 && c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
			c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
			w++;
		}
		o += shmap__wtf8_put(c, o);
	}
	*o = 0;
	return s;
}

/*
 * Decodes the sequence at p: stores its value in *c and returns its length,
 * or returns 0 if no wide character narrows to the bytes there.
 */
static inline size_t shmap__wtf8_get(const unsigned char *p, uint32_t *c)
{
	static const uint64_t min[] = {0,        0x80,      0x800,      0x10000,
	                               0x200000, 0x4000000, 0x80000000u};
	unsigned b = p[0];
	size_t n = b < 0x80    ? 1
	           : b < 0xc0  ? 0
	           : b < 0xe0  ? 2
	           : b < 0xf0  ? 3
	           : b < 0xf8  ? 4
	           : b < 0xfc  ? 5
	           : b < 0xfe  ? 6
	           : b == 0xfe ? 7
	                       : 0;
	if (n == 0)
		return 0;
	uint64_t v = n == 1 ? b : b & (0x7fu >> n);
	for (size_t k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0; /* also stops at the terminator */
		v = (v << 6) | (p[k] & 0x3f);
	}
	if (v < min[n - 1] || v > UINT32_MAX)
		return 0; /* overlong, or more than 32 bits */
	*c = (uint32_t)v;
	return n;
}

/* A malloc'd wide copy of s, the reverse of shmap__wtf8_narrow, or NULL
 * without memory. */
static inline wchar_t *shmap__wtf8_widen(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	wchar_t *w = malloc((strlen(s) + 1) * sizeof *w), *o = w;
	if (!w)
		return NULL;
	while (*p) {
		uint32_t c;
		size_t n = shmap__wtf8_get(p, &c);
		*o++ = n ? (wchar_t)c : (wchar_t)0xfffd;
		p += n ? n : 1;
	}
	*o = 0;
	return w;
}

#endif
