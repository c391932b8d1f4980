/* Runtime helpers of Windows programs: local memory, string lengths, and
 * console input and output (<conio.h>). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
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
	{1314, "A required privilege is not held by the client."},
	{1392, "The file or directory is corrupted and unreadable."},
	{1438, "Invalid message box style."},
	{1455, "The paging file is too small for this operation to complete."},
	{1460, "This operation returned because the timeout period expired."},
	{1815, "The specified resource language ID cannot be found in the "
	       "image file."},
};

/* The message for (flags, id, lang) with Windows' "\r\n" ending (none
 * when the width mask is FORMAT_MESSAGE_MAX_WIDTH_MASK), or NULL with the
 * last error set. */
static const char *sys_message(DWORD flags, DWORD id, DWORD lang, int *crlf)
{
	if ((flags & (FORMAT_MESSAGE_FROM_STRING | FORMAT_MESSAGE_FROM_HMODULE |
	              FORMAT_MESSAGE_FROM_SYSTEM)) != FORMAT_MESSAGE_FROM_SYSTEM) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	DWORD primary = lang & 0x3ff;
	if (primary != LANG_NEUTRAL && primary != LANG_ENGLISH) {
		w32_set_error(ERROR_RESOURCE_LANG_NOT_FOUND);
		return NULL;
	}
	for (size_t i = 0; i < sizeof sys_messages / sizeof sys_messages[0]; i++)
		if (sys_messages[i].code == id) {
			*crlf = (flags & FORMAT_MESSAGE_MAX_WIDTH_MASK) !=
			        FORMAT_MESSAGE_MAX_WIDTH_MASK;
			return sys_messages[i].text;
		}
	w32_set_error(ERROR_MR_MID_NOT_FOUND);
	return NULL;
}

/* Stores len characters of text (widened when wide) plus a NUL, into the
 * caller's buffer or a LocalAlloc'd one; returns len, or 0. */
static DWORD format_out(DWORD flags, const char *text, int crlf, void *buf,
                        DWORD size, int wide)
{
	size_t len = strlen(text) + (crlf ? 2 : 0);
	size_t unit = wide ? sizeof(wchar_t) : 1;
	void *out;
	if (!buf) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return 0;
	}
	if (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER) {
		size_t n = len + 1 > size ? len + 1 : size;
		out = LocalAlloc(LMEM_FIXED, n * unit);
		if (!out)
			return 0;
		*(void **)buf = out;
	} else {
		if (len + 1 > size) {
			w32_set_error(ERROR_INSUFFICIENT_BUFFER);
			return 0;
		}
		out = buf;
	}
	for (size_t i = 0; i <= len; i++) {
		char c = i < len - (crlf ? 2 : 0) ? text[i]
		         : i == len               ? 0
		         : i == len - 2           ? '\r'
		                                  : '\n';
		if (wide)
			((wchar_t *)out)[i] = (wchar_t)(unsigned char)c;
		else
			((char *)out)[i] = c;
	}
	w32_set_error(ERROR_SUCCESS);
	return (DWORD)len;
}

DWORD WINAPI FormatMessageA(DWORD dwFlags, LPCVOID lpSource,
                            DWORD dwMessageId, DWORD dwLanguageId,
                            LPSTR lpBuffer, DWORD nSize, va_list *Arguments)
{
	(void)lpSource;
	(void)Arguments;
	int crlf = 0;
	const char *text = sys_message(dwFlags, dwMessageId, dwLanguageId, &crlf);
	return text ? format_out(dwFlags, text, crlf, lpBuffer, nSize, 0) : 0;
}

DWORD WINAPI FormatMessageW(DWORD dwFlags, LPCVOID lpSource,
                            DWORD dwMessageId, DWORD dwLanguageId,
                            LPWSTR lpBuffer, DWORD nSize, va_list *Arguments)
{
	(void)lpSource;
	(void)Arguments;
	int crlf = 0;
	const char *text = sys_message(dwFlags, dwMessageId, dwLanguageId, &crlf);
	return text ? format_out(dwFlags, text, crlf, lpBuffer, nSize, 1) : 0;
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

void WINAPI OutputDebugStringA(LPCSTR lpOutputString)
{
	if (lpOutputString)
		fputs(lpOutputString, stderr);
}

void WINAPI OutputDebugStringW(LPCWSTR lpOutputString)
{
	char *s = lpOutputString ? w32_narrow(lpOutputString) : NULL;
	if (s)
		fputs(s, stderr);
	free(s);
}
