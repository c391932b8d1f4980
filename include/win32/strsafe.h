/* SPDX-License-Identifier: MIT */
/*
 * <strsafe.h>, the subset Windows samples use: StringCch and StringCb
 * Printf, VPrintf, Copy, Cat and Length, A and W and the TCHAR names.
 * Every call always leaves the destination NUL-terminated when its size is
 * valid; output that does not fit is truncated and the call returns
 * STRSAFE_E_INSUFFICIENT_BUFFER; a size of 0 or above STRSAFE_MAX_CCH
 * characters returns STRSAFE_E_INVALID_PARAMETER and leaves the
 * destination alone. Formats follow Microsoft's rules, as the _t printf
 * family does (<tchar.h>): in a wide format %s is a wide string.
 */
#ifndef SHMAP_WIN32_STRSAFE_H
#define SHMAP_WIN32_STRSAFE_H

#include <stdarg.h>
#include <stddef.h>
#include <wchar.h>

#include <windows.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef _HRESULT_DEFINED
#define _HRESULT_DEFINED
typedef LONG HRESULT;
#endif
#ifndef S_OK
#define S_OK ((HRESULT)0L)
#endif
#ifndef SUCCEEDED
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#endif
#ifndef FAILED
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#endif

#define STRSAFE_MAX_CCH 2147483647
#define STRSAFE_E_INSUFFICIENT_BUFFER ((HRESULT)0x8007007AL)
#define STRSAFE_E_INVALID_PARAMETER ((HRESULT)0x80070057L)
#define STRSAFE_E_END_OF_FILE ((HRESULT)0x80070026L)

/* Formats into buf (cap characters, terminator included) with Microsoft's
 * printf rules; returns the full length, or -1 on a bad format. */
SHMAP_W32API int shmap_w32_vsnprintf(char *buf, size_t cap, const char *fmt,
                                     va_list ap);
SHMAP_W32API int shmap_w32_vsnwprintf(wchar_t *buf, size_t cap,
                                      const wchar_t *fmt, va_list ap);

#define SHMAP_STRSAFE_BODY(T)                                                  \
	/* Copies src into dst[0..cch), truncating; the result's HRESULT. */    \
	static inline HRESULT shmap_strsafe_copy_##T(T *dst, size_t cch,       \
	                                             const T *src, size_t at)  \
	{                                                                      \
		size_t i = at;                                                 \
		while (i < cch - 1 && *src)                                    \
			dst[i++] = *src++;                                     \
		dst[i] = 0;                                                    \
		return *src ? STRSAFE_E_INSUFFICIENT_BUFFER : S_OK;            \
	}

SHMAP_STRSAFE_BODY(char)
SHMAP_STRSAFE_BODY(wchar_t)
#undef SHMAP_STRSAFE_BODY

/* Stores the length of psz, which must end within cchMax characters, in
 * *pcchLength (when not NULL); else STRSAFE_E_INVALID_PARAMETER and 0. */
static inline HRESULT StringCchLengthA(const char *psz, size_t cchMax,
                                       size_t *pcchLength)
{
	size_t n = 0;
	if (psz && cchMax <= STRSAFE_MAX_CCH)
		while (n < cchMax && psz[n])
			n++;
	HRESULT hr = psz && cchMax <= STRSAFE_MAX_CCH && n < cchMax
	                     ? S_OK
	                     : STRSAFE_E_INVALID_PARAMETER;
	if (pcchLength)
		*pcchLength = hr == S_OK ? n : 0;
	return hr;
}

static inline HRESULT StringCchLengthW(const wchar_t *psz, size_t cchMax,
                                       size_t *pcchLength)
{
	size_t n = 0;
	if (psz && cchMax <= STRSAFE_MAX_CCH)
		while (n < cchMax && psz[n])
			n++;
	HRESULT hr = psz && cchMax <= STRSAFE_MAX_CCH && n < cchMax
	                     ? S_OK
	                     : STRSAFE_E_INVALID_PARAMETER;
	if (pcchLength)
		*pcchLength = hr == S_OK ? n : 0;
	return hr;
}

/* Copies pszSrc into pszDest, cchDest characters in all. */
static inline HRESULT StringCchCopyA(char *pszDest, size_t cchDest,
                                     const char *pszSrc)
{
	if (cchDest == 0 || cchDest > STRSAFE_MAX_CCH)
		return STRSAFE_E_INVALID_PARAMETER;
	return shmap_strsafe_copy_char(pszDest, cchDest, pszSrc ? pszSrc : "",
	                               0);
}

static inline HRESULT StringCchCopyW(wchar_t *pszDest, size_t cchDest,
                                     const wchar_t *pszSrc)
{
	if (cchDest == 0 || cchDest > STRSAFE_MAX_CCH)
		return STRSAFE_E_INVALID_PARAMETER;
	return shmap_strsafe_copy_wchar_t(pszDest, cchDest,
	                                  pszSrc ? pszSrc : L"", 0);
}

/* Appends pszSrc to pszDest, which must already end within cchDest
 * characters (else STRSAFE_E_INVALID_PARAMETER, pszDest untouched). */
static inline HRESULT StringCchCatA(char *pszDest, size_t cchDest,
                                    const char *pszSrc)
{
	size_t n;
	if (cchDest == 0 || cchDest > STRSAFE_MAX_CCH ||
	    StringCchLengthA(pszDest, cchDest, &n) != S_OK)
		return STRSAFE_E_INVALID_PARAMETER;
	return shmap_strsafe_copy_char(pszDest, cchDest, pszSrc ? pszSrc : "",
	                               n);
}

static inline HRESULT StringCchCatW(wchar_t *pszDest, size_t cchDest,
                                    const wchar_t *pszSrc)
{
	size_t n;
	if (cchDest == 0 || cchDest > STRSAFE_MAX_CCH ||
	    StringCchLengthW(pszDest, cchDest, &n) != S_OK)
		return STRSAFE_E_INVALID_PARAMETER;
	return shmap_strsafe_copy_wchar_t(pszDest, cchDest,
	                                  pszSrc ? pszSrc : L"", n);
}

/* Formats into pszDest, cchDest characters in all. */
static inline HRESULT StringCchVPrintfA(char *pszDest, size_t cchDest,
                                        const char *pszFormat, va_list ap)
{
	if (cchDest == 0 || cchDest > STRSAFE_MAX_CCH)
		return STRSAFE_E_INVALID_PARAMETER;
	int n = shmap_w32_vsnprintf(pszDest, cchDest, pszFormat, ap);
	if (n < 0) {
		pszDest[0] = 0;
		return STRSAFE_E_INVALID_PARAMETER;
	}
	return (size_t)n < cchDest ? S_OK : STRSAFE_E_INSUFFICIENT_BUFFER;
}

static inline HRESULT StringCchVPrintfW(wchar_t *pszDest, size_t cchDest,
                                        const wchar_t *pszFormat, va_list ap)
{
	if (cchDest == 0 || cchDest > STRSAFE_MAX_CCH)
		return STRSAFE_E_INVALID_PARAMETER;
	int n = shmap_w32_vsnwprintf(pszDest, cchDest, pszFormat, ap);
	if (n < 0) {
		pszDest[0] = 0;
		return STRSAFE_E_INVALID_PARAMETER;
	}
	return (size_t)n < cchDest ? S_OK : STRSAFE_E_INSUFFICIENT_BUFFER;
}

static inline HRESULT StringCchPrintfA(char *pszDest, size_t cchDest,
                                       const char *pszFormat, ...)
{
	va_list ap;
	va_start(ap, pszFormat);
	HRESULT hr = StringCchVPrintfA(pszDest, cchDest, pszFormat, ap);
	va_end(ap);
	return hr;
}

static inline HRESULT StringCchPrintfW(wchar_t *pszDest, size_t cchDest,
                                       const wchar_t *pszFormat, ...)
{
	va_list ap;
	va_start(ap, pszFormat);
	HRESULT hr = StringCchVPrintfW(pszDest, cchDest, pszFormat, ap);
	va_end(ap);
	return hr;
}

/* The StringCb forms take the destination's size in bytes. */
#define StringCbCopyA(d, cb, s) StringCchCopyA(d, (cb) / sizeof(char), s)
#define StringCbCopyW(d, cb, s) StringCchCopyW(d, (cb) / sizeof(wchar_t), s)
#define StringCbCatA(d, cb, s) StringCchCatA(d, (cb) / sizeof(char), s)
#define StringCbCatW(d, cb, s) StringCchCatW(d, (cb) / sizeof(wchar_t), s)
#define StringCbPrintfA(d, cb, ...)                                            \
	StringCchPrintfA(d, (cb) / sizeof(char), __VA_ARGS__)
#define StringCbPrintfW(d, cb, ...)                                            \
	StringCchPrintfW(d, (cb) / sizeof(wchar_t), __VA_ARGS__)

#ifdef UNICODE
#define StringCchLength StringCchLengthW
#define StringCchCopy StringCchCopyW
#define StringCchCat StringCchCatW
#define StringCchPrintf StringCchPrintfW
#define StringCchVPrintf StringCchVPrintfW
#define StringCbCopy StringCbCopyW
#define StringCbCat StringCbCatW
#define StringCbPrintf StringCbPrintfW
#else
#define StringCchLength StringCchLengthA
#define StringCchCopy StringCchCopyA
#define StringCchCat StringCchCatA
#define StringCchPrintf StringCchPrintfA
#define StringCchVPrintf StringCchVPrintfA
#define StringCbCopy StringCbCopyA
#define StringCbCat StringCbCatA
#define StringCbPrintf StringCbPrintfA
#endif

#ifdef __cplusplus
}
#endif

#endif
