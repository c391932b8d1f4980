/* Runtime helpers of Windows programs: local memory, string lengths, and
 * console input and output (<conio.h>). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include "w32.h"
#include <conio.h>

HLOCAL WINAPI LocalAlloc(UINT flags, SIZE_T n)
{
	if (flags & ~(UINT)(LMEM_MOVEABLE | LMEM_ZEROINIT)) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	/* One byte for a 0-byte request, so the block is valid and unique. */
	void *p = flags & LMEM_ZEROINIT ? calloc(1, n ? n : 1)
	                                : malloc(n ? n : 1);
	if (!p)
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
	return p;
}

HLOCAL WINAPI LocalFree(HLOCAL h)
{
	free(h);
	return NULL;
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
