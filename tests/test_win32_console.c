/* SPDX-License-Identifier: MIT */
/*
 * The Win32 layer's headers as Windows programs spell them, and the small
 * console and runtime calls such programs use: <Windows.h>, <WinBase.h>,
 * <SDKDDKVer.h>, <process.h>; TEXT and _T of a string macro.
 */
#ifndef UNICODE
#define UNICODE
#endif
#include <fcntl.h>
#include <poll.h>
#include <termios.h>

#include "harness.h"
#include <conio.h>
#include <SDKDDKVer.h>
#include <WinBase.h>
#include <Windows.h>
#include <process.h>
#include <tchar.h>
#include <windows.h>

#define NAME "x"
#define WNAME "Local\\shm-name"

/* Every spelling is one header; _getpid is the process id. */
static void spellings(void)
{
	T_ASSERT(_WIN32_WINNT >= 0x0600);
	T_ASSERT(WINVER == _WIN32_WINNT);
	T_EQ(_getpid(), getpid());
	T_EQ((DWORD)_getpid(), GetCurrentProcessId());
}

/* TEXT(MACRO) expands MACRO before pasting L, as Windows' two-level
 * macro does; so do _T and _TEXT. */
static void text_of_macro(void)
{
	const wchar_t *a = TEXT(NAME), *b = _T(WNAME), *c = _TEXT(NAME);
	T_ASSERT(wcscmp(a, L"x") == 0);
	T_ASSERT(wcscmp(b, L"Local\\shm-name") == 0);
	T_ASSERT(wcscmp(c, L"x") == 0);
	T_ASSERT(wcscmp(TEXT("lit"), L"lit") == 0);
	T_EQ(sizeof(TEXT(NAME)), 2 * sizeof(wchar_t));
}

/* Constants with the Windows SDK's values. */
static void constants(void)
{
	T_EQ(ERROR_SHARING_VIOLATION, 32);
	T_EQ(ERROR_HANDLE_EOF, 38);
	T_EQ(ERROR_USER_MAPPED_FILE, 1224);
	T_EQ(ERROR_PRIVILEGE_NOT_HELD, 1314);
	T_EQ(FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA, 7);
	T_EQ(FILE_ALL_ACCESS, 0x1F01FF);
	T_EQ(FILE_GENERIC_READ, 0x120089);
	T_EQ(FILE_GENERIC_WRITE, 0x120116);
	T_EQ(FILE_GENERIC_EXECUTE, 0x1200A0);
	T_EQ(FILE_FLAG_DELETE_ON_CLOSE, 0x04000000);
	T_EQ(HANDLE_FLAG_PROTECT_FROM_CLOSE, 2);
	T_EQ(DUPLICATE_SAME_ATTRIBUTES, 4);
	T_EQ(SEC_WRITECOMBINE, 0x40000000);
	T_EQ(LPTR, 0x40);
	T_EQ(LHND, 0x42);
}

static int unused_arg(int used, int unused)
{
	UNREFERENCED_PARAMETER(unused);
	return used;
}

/* UNREFERENCED_PARAMETER, handle/ULONG round trips, lstrlen. */
static void small_helpers(void)
{
	T_EQ(unused_arg(3, 4), 3);
	HANDLE h = CreateEventA(NULL, TRUE, FALSE, NULL);
	T_ASSERT(h != NULL);
	ULONG v = HandleToULong(h);
	T_ASSERT(ULongToHandle(v) == h);
	T_ASSERT(SetEvent(ULongToHandle(v)));
	T_EQ(WaitForSingleObject(LongToHandle(HandleToLong(h)), 0),
	     WAIT_OBJECT_0);
	T_ASSERT(CloseHandle(h));
	T_EQ(lstrlenA("abc"), 3);
	T_EQ(lstrlenA(NULL), 0);
	T_EQ(lstrlenW(L"ab\u00e9"), 3);
	T_EQ(lstrlenW(NULL), 0);
	T_EQ(lstrlen(TEXT("four")), 4);
}

/* LocalAlloc: fixed and zeroed blocks, size 0, bad flags; LocalSize;
 * LocalFree. */
static void local_memory(void)
{
	unsigned char *p = (unsigned char *)LocalAlloc(LPTR, 4096);
	T_ASSERT(p != NULL);
	T_EQ(LocalSize(p), 4096);
	for (int i = 0; i < 4096; i++)
		T_EQ(p[i], 0);
	memset(p, 0xAB, 4096);
	T_ASSERT(LocalFree(p) == NULL);
	char *q = (char *)LocalAlloc(LMEM_FIXED, 16);
	T_ASSERT(q != NULL);
	strcpy(q, "fixed");
	T_ASSERT(LocalFree(q) == NULL);
	void *z1 = LocalAlloc(LMEM_FIXED, 0), *z2 = LocalAlloc(LHND, 0);
	T_ASSERT(z1 != NULL && z2 != NULL && z1 != z2);
	T_EQ(LocalSize(z1), 0);
	T_EQ(LocalSize(q = (char *)LocalAlloc(LMEM_ZEROINIT, 77)), 77);
	LocalFree(q);
	SetLastError(0);
	T_EQ(LocalSize(NULL), 0);
	T_EQ(GetLastError(), ERROR_INVALID_HANDLE);
	LocalFree(z1);
	LocalFree(z2);
	T_ASSERT(LocalFree(NULL) == NULL);
	SetLastError(0);
	T_ASSERT(LocalAlloc(0x8000, 16) == NULL);
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
}

/* wsprintf follows Microsoft's %s rules and stores at most 1024
 * characters, the terminator included. */
static void wsprintf_rules(void)
{
	char a[2048];
	wchar_t w[2048];
	T_EQ(wsprintfA(a, "%s=%d %S", "n", 42, L"wide"), 9);
	T_ASSERT(strcmp(a, "n=42 wide") == 0);
	T_EQ(wsprintfW(w, L"%s/%S/%hs/%ls %c", L"w", "n", "h", L"l", L'x'),
	     9);
	T_ASSERT(wcscmp(w, L"w/n/h/l x") == 0);
	T_EQ(wsprintf(w, TEXT("%s:%u"), TEXT("k"), 7u), 3);
	T_ASSERT(wcscmp(w, L"k:7") == 0);
	char big[1500];
	memset(big, 'y', sizeof big - 1);
	big[sizeof big - 1] = 0;
	memset(a, 'Z', sizeof a);
	T_EQ(wsprintfA(a, "%s", big), 1023);
	T_EQ(strlen(a), 1023);
	T_EQ(a[1024], 'Z');
}

/* Replaces descriptor fd with a new pipe's end; returns the other end. */
static int pipe_onto(int fd, int reading)
{
	int p[2];
	T_OK(pipe(p));
	T_ASSERT(dup2(p[reading ? 0 : 1], fd) == fd);
	close(p[reading ? 0 : 1]);
	return p[reading ? 1 : 0];
}

/* Reads what is waiting on fd (non-blocking) into buf, as a string. */
static size_t drain(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (got + 1 < cap && (n = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = 0;
	return got;
}

/* From a pipe: _kbhit sees waiting bytes and consumes nothing, _getch reads
 * them one at a time without echo, _getche echoes, _putch writes after
 * stdout's buffer; the end of the input is EOF, and _kbhit is then 1. */
static void conio_pipe(void)
{
	int in = pipe_onto(0, 1), out = pipe_onto(1, 0);
	char buf[64];
	T_EQ(_kbhit(), 0);
	T_EQ(write(in, "ab\r\xff", 4), 4);
	T_ASSERT(_kbhit() != 0);
	T_ASSERT(_kbhit() != 0);
	T_EQ(_getch(), 'a');
	T_EQ(_getche(), 'b');
	T_EQ(_getch(), '\r');
	T_EQ(_getch(), 0xff);
	T_EQ(_kbhit(), 0);
	printf("[buffered]");
	T_EQ(_putch('z'), 'z');
	T_EQ(_putch(0x1ff), 0xff);
	close(in);
	T_ASSERT(_kbhit() != 0);
	T_EQ(_getch(), EOF);
	T_EQ(_getche(), EOF);
	T_EQ(drain(out, buf, sizeof buf), 13);
	T_ASSERT(memcmp(buf, "b[buffered]z\xff", 13) == 0);
}

/* From a terminal (a pty): _getch takes one key without Enter, does not
 * echo it, reads Enter as '\r', and leaves the terminal's mode as it was;
 * _getche echoes; _kbhit sees a key without consuming it. */
static void conio_pty(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 || !ptsname(m))
		t_skip("no pseudo-terminal: %s", strerror(errno));
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (s < 0)
		t_skip("open %s: %s", ptsname(m), strerror(errno));
	struct termios before, after;
	T_OK(tcgetattr(s, &before));
	T_ASSERT(before.c_lflag & ECHO);
	T_ASSERT(before.c_lflag & ICANON);
	T_ASSERT(dup2(s, 0) == 0);
	int out = pipe_onto(1, 0);
	char buf[64];

	/* A key typed while _getch waits: no echo, no Enter needed. The
	 * child types once the raw mode is in place. */
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		struct termios t;
		for (int i = 0; i < 5000; i++) {
			if (tcgetattr(s, &t) == 0 && !(t.c_lflag & ECHO))
				break;
			usleep(1000);
		}
		_exit(write(m, "k\r", 2) == 2 ? 0 : 1);
	}
	T_EQ(_getch(), 'k');
	T_EQ(t_exit_code(t_wait(pid, 10)), 0);
	T_OK(tcgetattr(0, &after));
	T_EQ(after.c_lflag, before.c_lflag);
	T_EQ(after.c_iflag, before.c_iflag);
	T_EQ(after.c_cc[VMIN], before.c_cc[VMIN]);
	T_ASSERT(_kbhit() != 0);
	T_EQ(_getch(), '\r');
	T_EQ(_kbhit(), 0);
	T_EQ(drain(m, buf, sizeof buf), 0);
	T_EQ(write(m, "e", 1), 1);
	T_EQ(_getche(), 'e');
	T_EQ(drain(out, buf, sizeof buf), 1);
	T_EQ(buf[0], 'e');
	T_OK(tcgetattr(0, &after));
	T_EQ(after.c_lflag, before.c_lflag);
	close(s);
	close(m);
}

/* MessageBox prints "caption: text" on stderr after stdout's output and
 * returns the default button of the type; a bad type is
 * ERROR_INVALID_MSGBOX_STYLE. */
static void message_box(void)
{
	int err = pipe_onto(2, 0), out = pipe_onto(1, 0);
	char buf[512];
	printf("before");
	T_EQ(MessageBoxA(NULL, "text", "Process2", MB_OK), IDOK);
	T_EQ(drain(out, buf, sizeof buf), 6);
	T_EQ(MessageBox(NULL, TEXT("w\u00e9"), TEXT("Cap"),
	                MB_OK | MB_ICONINFORMATION),
	     IDOK);
	T_EQ(MessageBoxW(NULL, L"q", NULL, MB_YESNO), IDYES);
	T_EQ(drain(err, buf, sizeof buf), 33);
	T_ASSERT(strcmp(buf, "Process2: text\nCap: w\xc3\xa9\nError: q\n") ==
	         0);
	T_EQ(MessageBoxA(NULL, "", "", MB_YESNO | MB_DEFBUTTON2), IDNO);
	T_EQ(MessageBoxA(NULL, "", "", MB_OKCANCEL), IDOK);
	T_EQ(MessageBoxA(NULL, "", "", MB_OKCANCEL | MB_DEFBUTTON2), IDCANCEL);
	T_EQ(MessageBoxA(NULL, "", "", MB_YESNOCANCEL | MB_DEFBUTTON3),
	     IDCANCEL);
	T_EQ(MessageBoxA(NULL, "", "", MB_ABORTRETRYIGNORE | MB_DEFBUTTON2),
	     IDRETRY);
	T_EQ(MessageBoxA(NULL, "", "", MB_RETRYCANCEL), IDRETRY);
	T_EQ(MessageBoxA(NULL, "", "", MB_CANCELTRYCONTINUE | MB_DEFBUTTON3),
	     IDCONTINUE);
	T_EQ(MessageBoxA(NULL, "", "", MB_OK | MB_DEFBUTTON4), IDOK);
	T_EQ(MessageBoxA(NULL, NULL, "", MB_YESNO | MB_DEFBUTTON3), IDYES);
	SetLastError(0);
	T_EQ(MessageBoxA(NULL, "", "", 7), 0);
	T_EQ(GetLastError(), ERROR_INVALID_MSGBOX_STYLE);
	T_EQ(IDTRYAGAIN, 10);
	T_EQ(IDCONTINUE, 11);
	T_EQ(MB_ICONERROR | MB_DEFBUTTON2 | MB_TOPMOST, 0x40110);
}

int main(void)
{
	t_setup();
	t_run("header spellings; _getpid", spellings, 20);
	t_run("TEXT, _T, _TEXT of a string macro", text_of_macro, 20);
	t_run("Windows SDK constant values", constants, 20);
	t_run("UNREFERENCED_PARAMETER, HandleToULong, lstrlen", small_helpers,
	      20);
	t_run("LocalAlloc/LocalFree", local_memory, 20);
	t_run("wsprintfA/W", wsprintf_rules, 20);
	t_run("conio from a pipe: _getch, _getche, _kbhit, _putch, EOF",
	      conio_pipe, 20);
	t_run("conio from a terminal: raw, no echo, mode restored", conio_pty,
	      20);
	t_run("MessageBox on the console: stderr, default button", message_box,
	      20);
	return t_finish();
}
