/* SPDX-License-Identifier: MIT */
/* Runtime helpers of Windows programs: local memory, string lengths, and
 * console input and output (<conio.h>). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include "w32.h"
#include <conio.h>

/* A local block carries its requested size in front of it, for LocalSize;
 * 16 bytes keep the block as aligned as malloc's. */
#define LOCAL_HDR 16

HLOCAL WINAPI LocalAlloc(UINT flags, SIZE_T n)
{
	if (flags & ~(UINT)(LMEM_MOVEABLE | LMEM_ZEROINIT)) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	if (n > (SIZE_T)-1 - LOCAL_HDR) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	/* A 0-byte block still has its header, so it is valid and unique. */
	unsigned char *p = flags & LMEM_ZEROINIT ? calloc(1, LOCAL_HDR + n)
	                                         : malloc(LOCAL_HDR + n);
	if (!p) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	memcpy(p, &n, sizeof n);
	return p + LOCAL_HDR;
}

HLOCAL WINAPI LocalFree(HLOCAL h)
{
	if (h)
		free((unsigned char *)h - LOCAL_HDR);
	return NULL;
}

SIZE_T WINAPI LocalSize(HLOCAL h)
{
	SIZE_T n;
	if (!h) {
		w32_set_error(ERROR_INVALID_HANDLE);
		return 0;
	}
	memcpy(&n, (unsigned char *)h - LOCAL_HDR, sizeof n);
	return n;
}

int WINAPI lstrlenA(LPCSTR s)
{
	return s ? (int)strlen(s) : 0;
}

int WINAPI lstrlenW(LPCWSTR s)
{
	return s ? (int)wcslen(s) : 0;
}

/* Console input: descriptor 0 raw for one read when it is a terminal. */

/* Puts fd in raw input mode (no canonical lines, echo, signal keys or
 * CR-to-LF) with the read returning after vmin bytes; saves the old mode
 * in *old. Returns 0, or -1 if fd is not a terminal. */
static int raw_enter(int fd, struct termios *old, int vmin)
{
	struct termios t;
	if (tcgetattr(fd, old) != 0)
		return -1;
	t = *old;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | ISIG | IEXTEN);
	t.c_iflag &= ~(tcflag_t)(ICRNL | INLCR | IGNCR | IXON);
	t.c_cc[VMIN] = (cc_t)vmin;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) != 0)
		return -1;
	return 0;
}

static void raw_leave(int fd, const struct termios *old)
{
	while (tcsetattr(fd, TCSANOW, old) != 0 && errno == EINTR)
		;
}

int _getch(void)
{
	struct termios old;
	int raw = raw_enter(0, &old, 1) == 0;
	unsigned char c;
	ssize_t n;
	int saved = errno;
	do
		n = read(0, &c, 1);
	while (n < 0 && errno == EINTR);
	if (raw)
		raw_leave(0, &old);
	errno = saved;
	return n == 1 ? c : EOF;
}

int _putch(int c)
{
	unsigned char b = (unsigned char)c;
	ssize_t n;
	int saved = errno;
	fflush(stdout);
	do
		n = write(1, &b, 1);
	while (n < 0 && errno == EINTR);
	errno = saved;
	return n == 1 ? b : EOF;
}

int _getche(void)
{
	int c = _getch();
	if (c != EOF)
		_putch(c);
	return c;
}

int _kbhit(void)
{
	struct termios old;
	int raw = raw_enter(0, &old, 1) == 0;
	struct pollfd p = {.fd = 0, .events = POLLIN};
	int saved = errno, r;
	do
		r = poll(&p, 1, 0);
	while (r < 0 && errno == EINTR);
	if (raw)
		raw_leave(0, &old);
	errno = saved;
	return r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

/* Message boxes: the default button of each MB_ type, in screen order. */
static const int mb_buttons[7][3] = {
	[MB_OK] = {IDOK},
	[MB_OKCANCEL] = {IDOK, IDCANCEL},
	[MB_ABORTRETRYIGNORE] = {IDABORT, IDRETRY, IDIGNORE},
	[MB_YESNOCANCEL] = {IDYES, IDNO, IDCANCEL},
	[MB_YESNO] = {IDYES, IDNO},
	[MB_RETRYCANCEL] = {IDRETRY, IDCANCEL},
	[MB_CANCELTRYCONTINUE] = {IDCANCEL, IDTRYAGAIN, IDCONTINUE},
};

static int mb_show(const char *text, const char *caption, UINT type)
{
	UINT kind = type & MB_TYPEMASK;
	if (kind > MB_CANCELTRYCONTINUE) {
		w32_set_error(ERROR_INVALID_MSGBOX_STYLE);
		return 0;
	}
	unsigned def = (type & MB_DEFMASK) >> 8;
	int id = def < 3 ? mb_buttons[kind][def] : 0;
	if (!id)
		id = mb_buttons[kind][0];
	int saved = errno;
	fflush(stdout);
	fprintf(stderr, "%s: %s\n", caption ? caption : "Error",
	        text ? text : "");
	errno = saved;
	return id;
}

int WINAPI MessageBoxA(HWND hWnd, LPCSTR text, LPCSTR caption, UINT type)
{
	(void)hWnd;
	return mb_show(text, caption, type);
}

int WINAPI MessageBoxW(HWND hWnd, LPCWSTR text, LPCWSTR caption, UINT type)
{
	(void)hWnd;
	char *t = text ? w32_narrow(text) : NULL;
	char *c = caption ? w32_narrow(caption) : NULL;
	if ((text && !t) || (caption && !c)) {
		free(t);
		free(c);
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return 0;
	}
	int id = mb_show(t, c, type);
	free(t);
	free(c);
	return id;
}

/* ---- FormatMessage: the system's text for the error codes this layer
 * sets, in Windows' English wording. */

static const struct {
	DWORD code;
	const char *text;
} sys_messages[] = {
	{0, "The operation completed successfully."},
	{1, "Incorrect function."},
	{2, "The system cannot find the file specified."},
	{3, "The system cannot find the path specified."},
	{4, "The system cannot open the file."},
	{5, "Access is denied."},
	{6, "The handle is invalid."},
	{8, "Not enough memory resources are available to process this "
	    "command."},
	{11, "An attempt was made to load a program with an incorrect "
	     "format."},
	{12, "The access code is invalid."},
	{14, "Not enough memory resources are available to complete this "
	     "operation."},
	{32, "The process cannot access the file because it is being used by "
	     "another process."},
	{38, "Reached the end of the file."},
	{50, "The request is not supported."},
	{80, "The file exists."},
	{87, "The parameter is incorrect."},
	{109, "The pipe has been ended."},
	{112, "There is not enough space on the disk."},
	{122, "The data area passed to a system call is too small."},
	{123, "The filename, directory name, or volume label syntax is "
	      "incorrect."},
	{131, "An attempt was made to move the file pointer before the "
	      "beginning of the file."},
	{161, "The specified path is invalid."},
	{170, "The requested resource is in use."},
	{183, "Cannot create a file when that file already exists."},
	{206, "The filename or extension is too long."},
	{232, "The pipe is being closed."},
	{258, "The wait operation timed out."},
	{288, "Attempt to release mutex not owned by caller."},
	{298, "Too many posts were made to a semaphore."},
	{317, "The system cannot find message text for message number 0x%1 in "
	      "the message file for %2."},
	{487, "Attempt to access invalid address."},
	{999, "Error performing inpage operation."},
	{1006, "The volume for a file has been externally altered so that the "
	       "opened file is no longer valid."},
	{1132, "The base address or the file offset specified does not have "
	       "the proper alignment."},
	{1224, "The requested operation cannot be performed on a file with a "
	       "user-mapped section open."},
	{1306, "Indicates two revision levels are incompatible."},
	{1314, "A required privilege is not held by the client."},
	{1392, "The file or directory is corrupted and unreadable."},
	{1438, "Invalid message box style."},
	{1455, "The paging file is too small for this operation to complete."},
	{1460, "This operation returned because the timeout period expired."},
	{1815, "The specified resource language ID cannot be found in the "
	       "image file."},
};

#ifndef ERROR_NO_WORK_DONE
#define ERROR_NO_WORK_DONE 1235L
#endif
#ifndef ERROR_RESOURCE_TYPE_NOT_FOUND
#define ERROR_RESOURCE_TYPE_NOT_FOUND 1813L
#endif

/* The system's text for id, or NULL with the last error set. A Win32
 * HRESULT (0x8007xxxx) stands for its code, as on Windows. */
static const char *sys_message(DWORD id, DWORD lang)
{
	DWORD primary = lang & 0x3ff;
	if (primary != LANG_NEUTRAL && primary != LANG_ENGLISH) {
		w32_set_error(ERROR_RESOURCE_LANG_NOT_FOUND);
		return NULL;
	}
	if ((id & 0xffff0000u) == 0x80070000u)
		id &= 0xffff;
	for (size_t i = 0; i < sizeof sys_messages / sizeof sys_messages[0]; i++)
		if (sys_messages[i].code == id)
			return sys_messages[i].text;
	w32_set_error(ERROR_MR_MID_NOT_FOUND);
	return NULL;
}

/* A growing wide string; oom once an allocation failed. */
struct wbuf {
	wchar_t *p;
	size_t len, cap;
	int oom;
};

static int wb_room(struct wbuf *b, size_t n)
{
	if (b->oom)
		return 0;
	if (b->len + n + 1 <= b->cap)
		return 1;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1)
		cap *= 2;
	wchar_t *p = realloc(b->p, cap * sizeof *p);
	if (!p) {
		b->oom = 1;
		return 0;
	}
	b->p = p;
	b->cap = cap;
	return 1;
}

static void wb_add(struct wbuf *b, const wchar_t *s, size_t n)
{
	if (wb_room(b, n)) {
		wmemcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

/* The inserts' arguments: a va_list (fetched in order, each the size of a
 * pointer, and kept) or an array of DWORD_PTR. */
struct fm_args {
	va_list *list;
	const DWORD_PTR *array;
	int last;
	uint64_t got[102];
};

/* Argument nr (1-based; -1: the one after the last used) of a va_list. */
static uint64_t fm_arg(struct fm_args *a, int nr)
{
	if (nr == -1)
		nr = a->last + 1;
	while (nr > a->last && a->last < 102)
		a->got[a->last++] = va_arg(*a->list, uint64_t);
	return nr >= 1 && nr <= 102 ? a->got[nr - 1] : 0;
}

/* A narrow or wide string argument as a malloc'd wide string. */
static wchar_t *fm_string(uint64_t v, int narrow)
{
	if (!v)
		return wcsdup(L"(null)");
	return narrow ? w32_widen((const char *)(uintptr_t)v)
	              : wcsdup((const wchar_t *)(uintptr_t)v);
}

/*
 * Formats insert nr at *src (after its number: "!spec!" or nothing, which
 * is !s!) into b. In the printf specification, flags, width and precision
 * ('*' taking an argument) are printf's; h, l and w before s, S, c and C
 * and the caller's width choose narrow or wide as in wsprintf; d, i, u,
 * x, X and o take 32 bits unless I64, ll or I (64) precede them, as
 * Windows' long is 32 bits. The arguments are Windows': with a va_list, a
 * '*' takes the insert's argument and the value the one after, then one
 * argument is counted twice (Windows does so); with an array, the value
 * is the insert's and each '*' the next one after the highest used.
 * Returns 0, or ERROR_INVALID_PARAMETER.
 */
static DWORD fm_insert(struct wbuf *b, const wchar_t **src, int nr,
                       int ansi, struct fm_args *a)
{
	const wchar_t *f = *src, *end = NULL;
	wchar_t flags[32] = L"", conv[32] = L"s";
	int stars = 0;
	if (*f == '!') {
		end = wcschr(f + 1, '!');
		if (!end || end - f > 30)
			return ERROR_INVALID_PARAMETER;
		f++;
		size_t k = 0;
		while (wcschr(L"0123456789 +-*#.", *f) && *f && f < end) {
			stars += *f == '*';
			flags[k++] = *f++;
		}
		flags[k] = 0;
		if (stars > 2)
			return ERROR_INVALID_PARAMETER;
		k = 0;
		while (f < end)
			conv[k++] = *f++;
		conv[k] = 0;
		*src = end + 1;
	}
	if (!a->list && !a->array)
		return ERROR_INVALID_PARAMETER;
	uint64_t pa[3];
	int n = 0;
	if (a->list) {
		if (nr > 1)
			fm_arg(a, nr - 1);
		for (int i = 0; i < stars; i++, nr = -1)
			pa[n++] = fm_arg(a, nr);
		if (nr == -1)
			a->last--;
		pa[n++] = fm_arg(a, nr);
	} else {
		pa[n++] = a->array[nr - 1];
		if (a->last < nr)
			a->last = nr;
		for (int i = 0; i < stars; i++)
			pa[n++] = a->array[a->last++];
	}
	/* printf's own format: flags with the stars' numbers. */
	wchar_t fmt[96], *o = fmt;
	int next = 0;
	*o++ = '%';
	for (const wchar_t *p = flags; *p; p++) {
		if (*p == '*')
			o += swprintf(o, 16, L"%d", (int)pa[next++]);
		else
			*o++ = *p;
	}
	uint64_t v = pa[next];
	/* Size prefix and conversion. */
	const wchar_t *c = conv;
	int size = 0; /* 1 narrow/short, 2 wide, 64: 64-bit */
	if (c[0] == 'h')
		size = 1, c++;
	else if (c[0] == 'l' && c[1] == 'l')
		size = 64, c += 2;
	else if (c[0] == 'l' || c[0] == 'w')
		size = 2, c++;
	else if (c[0] == 'I' && c[1] == '6' && c[2] == '4')
		size = 64, c += 3;
	else if (c[0] == 'I' && c[1] == '3' && c[2] == '2')
		c += 3;
	else if (c[0] == 'I')
		size = 64, c++;
	wchar_t *str = NULL, ch[2] = {0, 0}, out[512];
	int len = -1;
	switch (*c) {
	case 's': case 'S': case 'c': case 'C': {
		int upper = *c == 'S' || *c == 'C';
		int narrow = size == 1 || (size != 2 && ansi != upper);
		if (*c == 's' || *c == 'S') {
			if (!(str = fm_string(v, narrow)))
				return ERROR_NOT_ENOUGH_MEMORY;
		} else {
			ch[0] = narrow ? (wchar_t)(unsigned char)v : (wchar_t)v;
			str = wcsdup(ch);
			if (!str)
				return ERROR_NOT_ENOUGH_MEMORY;
		}
		wcscpy(o, L"ls");
		/* Long strings need their own buffer. */
		size_t need = wcslen(str) + 64;
		wchar_t *big = need > 512 ? malloc(need * sizeof *big) : out;
		if (big) {
			len = swprintf(big, need > 512 ? need : 512, fmt, str);
			if (len > 0)
				wb_add(b, big, (size_t)len);
			if (big != out)
				free(big);
		}
		free(str);
		return len < 0 ? ERROR_NOT_ENOUGH_MEMORY : 0;
	}
	case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
		swprintf(o, 8, L"%ls%lc", size == 64 ? L"ll" : size == 1 ? L"h" : L"",
		         (wint_t)*c);
		if (*c == 'd' || *c == 'i')
			len = size == 64 ? swprintf(out, 512, fmt, (long long)v)
			                 : swprintf(out, 512, fmt, (int)v);
		else
			len = size == 64 ? swprintf(out, 512, fmt,
			                            (unsigned long long)v)
			                 : swprintf(out, 512, fmt, (unsigned)v);
		break;
	case 'p':
		wcscpy(o, L"p");
		len = swprintf(out, 512, fmt, (void *)(uintptr_t)v);
		break;
	case 'e': case 'E': case 'f': case 'g': case 'G': case 'a': case 'A': {
		/* The argument's bits, as the callee reads a double. */
		double d;
		memcpy(&d, &v, sizeof d);
		swprintf(o, 4, L"%lc", (wint_t)*c);
		len = swprintf(out, 512, fmt, d);
		break;
	}
	default: /* no conversion printf knows: the text as it stands */
		len = swprintf(out, 512, L"%ls", conv);
		break;
	}
	if (len > 0)
		wb_add(b, out, (size_t)len);
	return 0;
}

/*
 * Formats src as Windows' FormatMessage does into b: inserts %1 to %99
 * (none with ignore, where only %n, %r, %t and %0 act), %0 ends the text,
 * %n is "\r\n", %r "\r", %t a tab, %% %. %! and "% " the character;
 * a line break in src is "\r\n", or with a width a space. A width other
 * than 0 breaks lines at the last space before it. Returns 0 or an error.
 */
static DWORD fm_format(struct wbuf *b, const wchar_t *src, size_t width,
                       int ignore, int ansi, struct fm_args *a)
{
	size_t line = 0;
	ptrdiff_t space = -1; /* the last space in this line */
	for (; *src; src++) {
		DWORD e = 0;
		switch (*src) {
		case '\r':
			if (src[1] == '\n')
				src++;
			/* fall through */
		case '\n':
			if (!width) {
				wb_add(b, L"\r\n", 2);
				line = b->len;
				space = -1;
				break;
			}
			/* fall through */
		case ' ':
			space = (ptrdiff_t)b->len;
			wb_add(b, L" ", 1);
			break;
		case '\t':
			if (space == (ptrdiff_t)b->len - 1)
				space = (ptrdiff_t)b->len;
			wb_add(b, L"\t", 1);
			break;
		case '%':
			src++;
			switch (*src) {
			case 0:
				return ERROR_INVALID_PARAMETER;
			case 't':
				if (!width) {
					wb_add(b, L"\t", 1);
					break;
				}
				/* fall through */
			case 'n':
				wb_add(b, L"\r\n", 2);
				line = b->len;
				space = -1;
				break;
			case 'r':
				wb_add(b, L"\r", 1);
				line = b->len;
				space = -1;
				break;
			case '0':
				while (src[1])
					src++;
				break;
			case '1': case '2': case '3': case '4': case '5':
			case '6': case '7': case '8': case '9':
				if (!ignore) {
					int nr = *src++ - '0';
					if (*src >= '0' && *src <= '9')
						nr = nr * 10 + *src++ - '0';
					e = fm_insert(b, &src, nr, ansi, a);
					src--;
					break;
				}
				/* fall through */
			default:
				wb_add(b, ignore ? src - 1 : src, ignore ? 2 : 1);
				break;
			}
			break;
		default:
			wb_add(b, src, 1);
			break;
		}
		if (e)
			return e;
		if (b->oom)
			return ERROR_NOT_ENOUGH_MEMORY;
		if (width && b->len - line >= width) {
			/* Break at the last space (dropping the blanks before
			 * it), or here. */
			size_t at, next;
			if (space >= 0) {
				at = (size_t)space;
				next = at + 1;
				while (at > line && (b->p[at - 1] == ' ' ||
				                     b->p[at - 1] == '\t'))
					at--;
			} else {
				at = next = b->len;
			}
			if (!wb_room(b, 2))
				return ERROR_NOT_ENOUGH_MEMORY;
			wmemmove(b->p + at + 2, b->p + next, b->len - next);
			b->len = b->len + 2 - (next - at);
			b->p[at] = '\r';
			b->p[at + 1] = '\n';
			line = at + 2;
			space = -1;
		}
	}
	return 0;
}

/* FormatMessageA and FormatMessageW: the message formatted wide, then
 * stored (narrowed for A) in the caller's buffer or a LocalAlloc'd one. */
static DWORD format_message(DWORD flags, const void *source, DWORD id,
                            DWORD lang, void *buffer, DWORD size,
                            va_list *args, int ansi)
{
	if (!buffer && (!ansi || (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER))) {
		w32_set_error(ansi ? ERROR_NOT_ENOUGH_MEMORY
		                   : ERROR_INVALID_PARAMETER);
		return 0;
	}
	if (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER)
		*(void **)buffer = NULL;
	wchar_t *src = NULL;
	if (flags & FORMAT_MESSAGE_FROM_STRING) {
		if (!source) { /* Windows crashes */
			w32_set_error(ERROR_INVALID_PARAMETER);
			return 0;
		}
		src = ansi ? w32_widen(source) : wcsdup(source);
	} else if (flags & FORMAT_MESSAGE_FROM_SYSTEM) {
		const char *text = sys_message(id, lang);
		if (!text)
			return 0;
		/* The system's messages end in a line break. */
		size_t n = strlen(text);
		if ((src = malloc((n + 3) * sizeof *src))) {
			for (size_t i = 0; i < n; i++)
				src[i] = (unsigned char)text[i];
			wcscpy(src + n, L"\r\n");
		}
	} else {
		w32_set_error(flags & FORMAT_MESSAGE_FROM_HMODULE
		                      ? ERROR_RESOURCE_TYPE_NOT_FOUND
		                      : ERROR_INVALID_PARAMETER);
		return 0;
	}
	if (!src) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return 0;
	}
	struct fm_args a = {0};
	if (flags & FORMAT_MESSAGE_ARGUMENT_ARRAY)
		a.array = (const DWORD_PTR *)args;
	else
		a.list = args;
	size_t width = flags & FORMAT_MESSAGE_MAX_WIDTH_MASK;
	if (width == FORMAT_MESSAGE_MAX_WIDTH_MASK)
		width = SIZE_MAX;
	struct wbuf b = {0};
	DWORD e = fm_format(&b, src, width,
	                    (flags & FORMAT_MESSAGE_IGNORE_INSERTS) != 0, ansi,
	                    &a);
	free(src);
	if (!e && !wb_room(&b, 0))
		e = ERROR_NOT_ENOUGH_MEMORY;
	if (e) {
		free(b.p);
		w32_set_error(e);
		return 0;
	}
	b.p[b.len] = 0;
	char *narrow = ansi ? w32_narrow(b.p) : NULL;
	size_t len = ansi ? (narrow ? strlen(narrow) : 0) : b.len;
	size_t unit = ansi ? 1 : sizeof(wchar_t);
	const void *text = ansi ? (const void *)narrow : (const void *)b.p;
	DWORD ret = 0;
	if (ansi && !narrow) {
		e = ERROR_NOT_ENOUGH_MEMORY;
	} else if (ansi && b.len > 32766) {
		e = ERROR_INVALID_PARAMETER; /* Windows' limit for A */
	} else if (len == 0) {
		/* Nothing to store: no buffer, W's gets a terminator. */
		if (!ansi && !(flags & FORMAT_MESSAGE_ALLOCATE_BUFFER) && size)
			*(wchar_t *)buffer = 0;
		e = ERROR_NO_WORK_DONE;
	} else if (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER) {
		void *out = LocalAlloc(LMEM_ZEROINIT,
		                       ((len + 1 > size ? len + 1 : size)) * unit);
		if (out) {
			memcpy(out, text, (len + 1) * unit);
			*(void **)buffer = out;
			ret = (DWORD)len;
		} else {
			e = ERROR_NOT_ENOUGH_MEMORY;
		}
	} else if (len + 1 > size) {
		/* W stores what fits, terminated; A leaves the buffer. */
		if (!ansi && size) {
			wmemcpy(buffer, b.p, size - 1);
			((wchar_t *)buffer)[size - 1] = 0;
		}
		e = ERROR_INSUFFICIENT_BUFFER;
	} else if (!buffer) {
		e = ERROR_INVALID_PARAMETER;
	} else {
		memcpy(buffer, text, (len + 1) * unit);
		ret = (DWORD)len;
	}
	free(narrow);
	free(b.p);
	w32_set_error(e ? e : ERROR_SUCCESS);
	return ret;
}

DWORD WINAPI FormatMessageA(DWORD dwFlags, LPCVOID lpSource,
                            DWORD dwMessageId, DWORD dwLanguageId,
                            LPSTR lpBuffer, DWORD nSize, va_list *Arguments)
{
	return format_message(dwFlags, lpSource, dwMessageId, dwLanguageId,
	                      lpBuffer, nSize, Arguments, 1);
}

DWORD WINAPI FormatMessageW(DWORD dwFlags, LPCVOID lpSource,
                            DWORD dwMessageId, DWORD dwLanguageId,
                            LPWSTR lpBuffer, DWORD nSize, va_list *Arguments)
{
	return format_message(dwFlags, lpSource, dwMessageId, dwLanguageId,
	                      lpBuffer, nSize, Arguments, 0);
}

/* ---- Console control handlers: SIGINT is CTRL_C_EVENT and SIGTERM is
 * CTRL_CLOSE_EVENT. The signal handler only writes the event to a pipe; a
 * thread of the library's own reads it and calls the handlers, as Windows
 * calls them on a thread of their own. */

static pthread_mutex_t ctrl_lock = PTHREAD_MUTEX_INITIALIZER;
static PHANDLER_ROUTINE *ctrl_handlers; /* registration order */
static size_t ctrl_count, ctrl_cap;
static int ctrl_ignore_c; /* SetConsoleCtrlHandler(NULL, TRUE) */
static int ctrl_pipe[2] = {-1, -1};
static pid_t ctrl_pid; /* the process whose thread reads the pipe */
static int ctrl_started;

/* Dies of sig as if no handler were installed. */
static void ctrl_default(int sig)
{
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	signal(sig, SIG_DFL);
	/* Unblocked here, so raise delivers it before it returns. */
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	_exit(128 + sig); /* not reached */
}

static void ctrl_signal(int sig)
{
	int e = errno;
	unsigned char c = (unsigned char)sig;
	/* A forked child has no reading thread: the default action. */
	if (getpid() != ctrl_pid || write(ctrl_pipe[1], &c, 1) != 1)
		ctrl_default(sig);
	errno = e;
}

static void *ctrl_thread(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned char c;
		ssize_t r = read(ctrl_pipe[0], &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 1)
			return NULL;
		int sig = c;
		DWORD type = sig == SIGINT ? CTRL_C_EVENT : CTRL_CLOSE_EVENT;
		pthread_mutex_lock(&ctrl_lock);
		size_t n = ctrl_count;
		int ignore = type == CTRL_C_EVENT && ctrl_ignore_c;
		PHANDLER_ROUTINE *list = n ? malloc(n * sizeof *list) : NULL;
		if (list)
			memcpy(list, ctrl_handlers, n * sizeof *list);
		pthread_mutex_unlock(&ctrl_lock);
		if (ignore) {
			free(list);
			continue;
		}
		BOOL handled = FALSE;
		/* The last registered first, until one returns TRUE. */
		for (size_t i = list ? n : 0; i-- > 0 && !handled;)
			handled = list[i](type);
		free(list);
		/* Windows ends the process after a close event's handler. */
		if (!handled || type == CTRL_CLOSE_EVENT)
			ctrl_default(sig);
	}
}

/* Starts the reading thread and installs the signal handlers once; 0 or
 * a negative errno. Called with ctrl_lock held. */
static int ctrl_start(void)
{
	if (ctrl_started && ctrl_pid == getpid())
		return 0;
	/* In a forked child the parent's pipe descriptors are left open:
	 * the program may have closed and reused those numbers. */
	if (pipe2(ctrl_pipe, O_CLOEXEC) < 0) {
		ctrl_pipe[0] = ctrl_pipe[1] = -1;
		return -errno;
	}
	ctrl_pid = getpid();
	pthread_t t;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	/* The thread takes no signal of its own: it must not run handlers
	 * inside the signal handler. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&t, &a, ctrl_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&a);
	if (rc)
		return -rc;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ctrl_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ctrl_started = 1;
	return 0;
}

BOOL WINAPI SetConsoleCtrlHandler(PHANDLER_ROUTINE HandlerRoutine, BOOL Add)
{
	int rc = 0;
	pthread_mutex_lock(&ctrl_lock);
	if (!HandlerRoutine) {
		ctrl_ignore_c = Add ? 1 : 0;
		if (Add)
			rc = ctrl_start();
	} else if (Add) {
		if (ctrl_count == ctrl_cap) {
			size_t cap = ctrl_cap ? 2 * ctrl_cap : 8;
			PHANDLER_ROUTINE *p =
			        realloc(ctrl_handlers, cap * sizeof *p);
			if (p) {
				ctrl_handlers = p;
				ctrl_cap = cap;
			} else {
				rc = -ENOMEM;
			}
		}
		if (!rc)
			rc = ctrl_start();
		if (!rc)
			ctrl_handlers[ctrl_count++] = HandlerRoutine;
	} else {
		/* The most recent registration of it goes. */
		size_t i = ctrl_count;
		while (i-- > 0 && ctrl_handlers[i] != HandlerRoutine)
			;
		if (i < ctrl_count) {
			memmove(ctrl_handlers + i, ctrl_handlers + i + 1,
			        (ctrl_count - i - 1) * sizeof *ctrl_handlers);
			ctrl_count--;
		} else {
			rc = -EINVAL;
		}
	}
	pthread_mutex_unlock(&ctrl_lock);
	if (rc) {
		if (rc == -EINVAL)
			w32_set_error(ERROR_INVALID_PARAMETER);
		else
			w32_error(rc);
		return FALSE;
	}
	return TRUE;
}

/* The DBWIN protocol, as debug monitors (DebugView, dbmon) speak it: a
 * monitor creates the mapping DBWIN_BUFFER (a DWORD process ID, then the
 * text), the auto-reset events DBWIN_BUFFER_READY (which it sets when the
 * buffer is free) and DBWIN_DATA_READY (which it waits on); writers take
 * the mutex DBWinMutex in turn. */
#define DBWIN_SIZE 4096
#define DBWIN_WAIT_MS 10000

/* Sends s to a listening monitor in buffer-sized parts. Returns 0 if there
 * is no monitor (the caller writes to stderr instead). */
static int dbwin_send(const char *s)
{
	HANDLE map = OpenFileMappingA(FILE_MAP_WRITE, FALSE, "DBWIN_BUFFER");
	if (!map)
		return 0;
	HANDLE ready = OpenEventA(SYNCHRONIZE, FALSE, "DBWIN_BUFFER_READY");
	HANDLE data = OpenEventA(EVENT_MODIFY_STATE, FALSE, "DBWIN_DATA_READY");
	char *view = MapViewOfFile(map, FILE_MAP_WRITE, 0, 0, DBWIN_SIZE);
	int sent = 0;
	if (ready && data && view) {
		HANDLE mtx = CreateMutexA(NULL, FALSE, "DBWinMutex");
		DWORD w = mtx ? WaitForSingleObject(mtx, DBWIN_WAIT_MS)
		              : WAIT_FAILED;
		if (w == WAIT_OBJECT_0 || w == WAIT_ABANDONED) {
			size_t len = strlen(s), at = 0;
			DWORD pid = GetCurrentProcessId();
			/* A monitor that stops taking parts loses the rest. */
			sent = 1;
			do {
				size_t part = len - at;
				if (part > DBWIN_SIZE - sizeof pid - 1)
					part = DBWIN_SIZE - sizeof pid - 1;
				if (WaitForSingleObject(ready, DBWIN_WAIT_MS) !=
				    WAIT_OBJECT_0)
					break;
				memcpy(view, &pid, sizeof pid);
				memcpy(view + sizeof pid, s + at, part);
				view[sizeof pid + part] = 0;
				SetEvent(data);
				at += part;
			} while (at < len);
			ReleaseMutex(mtx);
		}
		if (mtx)
			CloseHandle(mtx);
	}
	if (view)
		UnmapViewOfFile(view);
	if (data)
		CloseHandle(data);
	if (ready)
		CloseHandle(ready);
	CloseHandle(map);
	return sent;
}

void WINAPI OutputDebugStringA(LPCSTR lpOutputString)
{
	if (!lpOutputString)
		return;
	DWORD e = GetLastError();
	if (!dbwin_send(lpOutputString))
		fputs(lpOutputString, stderr);
	SetLastError(e);
}

void WINAPI OutputDebugStringW(LPCWSTR lpOutputString)
{
	char *s = lpOutputString ? w32_narrow(lpOutputString) : NULL;
	if (s)
		OutputDebugStringA(s);
	free(s);
}
