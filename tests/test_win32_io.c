/* SPDX-License-Identifier: MIT */
/*
 * Win32 standard I/O: <strsafe.h>'s StringCch and StringCb calls;
 * GetStdHandle, SetStdHandle, CreatePipe and a child process with
 * redirected input and output, as Microsoft's sample starts one;
 * FormatMessage; console control handlers; OutputDebugString to stderr or
 * to a debug monitor.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "harness.h"
#include <strsafe.h>
#include <windows.h>

/* Copy, Cat, Length and Printf truncate and terminate as documented. */
static void strsafe_narrow(void)
{
	char b[8];
	size_t n = 99;
	T_EQ(StringCchCopyA(b, sizeof b, "abc"), S_OK);
	T_ASSERT(strcmp(b, "abc") == 0);
	T_EQ(StringCchCatA(b, sizeof b, "defg"), S_OK);
	T_ASSERT(strcmp(b, "abcdefg") == 0);
	T_EQ(StringCchCatA(b, sizeof b, "h"), STRSAFE_E_INSUFFICIENT_BUFFER);
	T_ASSERT(strcmp(b, "abcdefg") == 0);
	T_EQ(StringCchCopyA(b, sizeof b, "0123456789"),
	     STRSAFE_E_INSUFFICIENT_BUFFER);
	T_ASSERT(strcmp(b, "0123456") == 0);
	T_EQ(StringCchLengthA(b, sizeof b, &n), S_OK);
	T_EQ(n, 7);
	T_EQ(StringCchLengthA(b, 7, &n), STRSAFE_E_INVALID_PARAMETER);
	T_EQ(n, 0);
	T_EQ(StringCchCopyA(b, 0, "x"), STRSAFE_E_INVALID_PARAMETER);
	T_ASSERT(strcmp(b, "0123456") == 0);
	memset(b, 'z', sizeof b); /* not terminated: Cat refuses */
	T_EQ(StringCchCatA(b, sizeof b, "x"), STRSAFE_E_INVALID_PARAMETER);
	T_EQ(StringCchPrintfA(b, sizeof b, "%d-%s", 42, "ab"), S_OK);
	T_ASSERT(strcmp(b, "42-ab") == 0);
	T_EQ(StringCchPrintfA(b, sizeof b, "%d-%s", 12345, "abcd"),
	     STRSAFE_E_INSUFFICIENT_BUFFER);
	T_ASSERT(strcmp(b, "12345-a") == 0);
	T_EQ(StringCbPrintfA(b, sizeof b, "%s", "hi"), S_OK);
	T_EQ(StringCbCopyA(b, 3, "hello"), STRSAFE_E_INSUFFICIENT_BUFFER);
	T_ASSERT(strcmp(b, "he") == 0);
	T_EQ(StringCbCatA(b, sizeof b, "y"), S_OK);
	T_ASSERT(strcmp(b, "hey") == 0);
	T_ASSERT(FAILED(STRSAFE_E_INSUFFICIENT_BUFFER));
	T_ASSERT(SUCCEEDED(S_OK));
	T_EQ((uint32_t)STRSAFE_E_INSUFFICIENT_BUFFER, 0x8007007AU);
}

/* The wide forms count characters; StringCb counts bytes; %s in a wide
 * format is a wide string, as on Windows. */
static void strsafe_wide(void)
{
	wchar_t w[6];
	size_t n;
	T_EQ(StringCchPrintfW(w, 6, L"%s=%d", L"ab", 7), S_OK);
	T_ASSERT(wcscmp(w, L"ab=7") == 0);
	T_EQ(StringCchPrintfW(w, 6, L"%s=%d", L"abcd", 7),
	     STRSAFE_E_INSUFFICIENT_BUFFER);
	T_ASSERT(wcscmp(w, L"abcd=") == 0);
	T_EQ(StringCbCopyW(w, sizeof w, L"xyz"), S_OK);
	T_EQ(StringCbCatW(w, sizeof w, L"uvw"), STRSAFE_E_INSUFFICIENT_BUFFER);
	T_ASSERT(wcscmp(w, L"xyzuv") == 0);
	T_EQ(StringCchLengthW(w, 6, &n), S_OK);
	T_EQ(n, 5);
	T_EQ(StringCbPrintfW(w, sizeof w, L"%c%S", L'q', "rs"), S_OK);
	T_ASSERT(wcscmp(w, L"qrs") == 0);
}


/* The sample's child: copies standard input to standard output until
 * ReadFile fails or reads nothing; exits 0 if input ended as a pipe's
 * does, with ERROR_BROKEN_PIPE. */
static int child_copy(void)
{
	char buf[4096];
	DWORD n, w;
	/* No pipe is held open past the standard handles: an extra write
	 * end would keep the parent's reader from ever seeing the end. */
	for (int fd = 3; fd < 1024; fd++) {
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
			return 5;
	}
	HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
	HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
	if (in == INVALID_HANDLE_VALUE || out == INVALID_HANDLE_VALUE)
		return 2;
	for (;;) {
		BOOL ok = ReadFile(in, buf, sizeof buf, &n, NULL);
		if (!ok || n == 0)
			return !ok && GetLastError() == ERROR_BROKEN_PIPE ? 0 : 3;
		if (!WriteFile(out, buf, n, &w, NULL) || w != n)
			return 4;
	}
}

/* A pipe's read returns what is there; at end of input FALSE with
 * ERROR_BROKEN_PIPE; a write with no reader fails, with no SIGPIPE. */
static void pipe_basics(void)
{
	HANDLE r, w;
	char buf[16];
	DWORD n = 99;
	T_ASSERT(CreatePipe(&r, &w, NULL, 0));
	T_ASSERT(WriteFile(w, "abc", 3, &n, NULL));
	T_EQ(n, 3);
	T_ASSERT(ReadFile(r, buf, sizeof buf, &n, NULL)); /* does not wait */
	T_EQ(n, 3);
	T_ASSERT(memcmp(buf, "abc", 3) == 0);
	T_ASSERT(CloseHandle(w));
	T_ASSERT(!ReadFile(r, buf, sizeof buf, &n, NULL));
	T_EQ(GetLastError(), ERROR_BROKEN_PIPE);
	T_EQ(n, 0);
	T_ASSERT(CloseHandle(r));
	T_ASSERT(CreatePipe(&r, &w, NULL, 4096));
	T_ASSERT(CloseHandle(r));
	T_ASSERT(!WriteFile(w, "x", 1, &n, NULL));
	T_EQ(GetLastError(), ERROR_BROKEN_PIPE);
	sigset_t pending;
	sigpending(&pending);
	T_ASSERT(!sigismember(&pending, SIGPIPE));
	T_ASSERT(CloseHandle(w));
	T_ASSERT(!CreatePipe(NULL, &w, NULL, 0));
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
}

/* Standard handles read and write descriptors 0, 1, 2; SetStdHandle
 * replaces what GetStdHandle returns; CloseHandle leaves the descriptor. */
static void std_handles(void)
{
	int p[2];
	char buf[8];
	DWORD n;
	T_OK(pipe(p) < 0 ? -1 : 0);
	T_ASSERT(dup2(p[1], 1) == 1);
	HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
	T_ASSERT(out && out != INVALID_HANDLE_VALUE);
	T_ASSERT(GetStdHandle(STD_OUTPUT_HANDLE) == out);
	T_ASSERT(WriteFile(out, "hi", 2, &n, NULL));
	T_ASSERT(CloseHandle(out));
	T_ASSERT(write(1, "!", 1) == 1);
	T_EQ(read(p[0], buf, sizeof buf), 3);
	T_ASSERT(memcmp(buf, "hi!", 3) == 0);
	HANDLE r, w;
	T_ASSERT(CreatePipe(&r, &w, NULL, 0));
	T_ASSERT(SetStdHandle(STD_ERROR_HANDLE, w));
	T_ASSERT(GetStdHandle(STD_ERROR_HANDLE) == w);
	T_ASSERT(GetStdHandle((DWORD)-5) == INVALID_HANDLE_VALUE);
	T_EQ(GetLastError(), ERROR_INVALID_HANDLE);
	T_ASSERT(!SetStdHandle(7, w));
	close(0);
	T_ASSERT(GetStdHandle(STD_INPUT_HANDLE) == NULL);
	T_EQ((DWORD)STD_INPUT_HANDLE, (DWORD)-10);
	T_EQ((DWORD)STD_ERROR_HANDLE, 0xFFFFFFF4u);
}

static char self_exe[4096];

/* Microsoft's "Creating a Child Process with Redirected Input and
 * Output": two inheritable pipes, the parent's ends made not inheritable,
 * the child's ends passed with STARTF_USESTDHANDLES; the parent writes the
 * input and closes it, then reads the child's output until ReadFile
 * fails. */
static void redirected_child(void)
{
	HANDLE out_rd = NULL, out_wr = NULL, in_rd = NULL, in_wr = NULL;
	SECURITY_ATTRIBUTES sa;
	sa.nLength = sizeof sa;
	sa.bInheritHandle = TRUE;
	sa.lpSecurityDescriptor = NULL;
	T_ASSERT(CreatePipe(&out_rd, &out_wr, &sa, 0));
	T_ASSERT(SetHandleInformation(out_rd, HANDLE_FLAG_INHERIT, 0));
	T_ASSERT(CreatePipe(&in_rd, &in_wr, &sa, 0));
	T_ASSERT(SetHandleInformation(in_wr, HANDLE_FLAG_INHERIT, 0));

	/* The harness's own descriptors stay here: the child's check sees
	 * only what CreateProcess passes. */
	for (int fd = 3; fd < 1024; fd++)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "\"%s\" child", self_exe);
	PROCESS_INFORMATION pi;
	STARTUPINFOA si;
	ZeroMemory(&pi, sizeof pi);
	ZeroMemory(&si, sizeof si);
	si.cb = sizeof si;
	si.hStdError = out_wr;
	si.hStdOutput = out_wr;
	si.hStdInput = in_rd;
	si.dwFlags |= STARTF_USESTDHANDLES;
	T_ASSERT(CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL,
	                        &si, &pi));
	T_ASSERT(CloseHandle(out_wr));
	T_ASSERT(CloseHandle(in_rd));

	static char input[20000], output[sizeof input + 1];
	for (size_t i = 0; i < sizeof input; i++)
		input[i] = (char)('a' + i % 26);
	DWORD n, got = 0;
	T_ASSERT(WriteFile(in_wr, input, sizeof input, &n, NULL));
	T_EQ(n, sizeof input);
	T_ASSERT(CloseHandle(in_wr));
	for (;;) {
		BOOL ok = ReadFile(out_rd, output + got, sizeof output - got, &n,
		                   NULL);
		if (!ok || n == 0) {
			T_ASSERT(!ok);
			T_EQ(GetLastError(), ERROR_BROKEN_PIPE);
			break;
		}
		got += n;
	}
	T_EQ(got, sizeof input);
	T_ASSERT(memcmp(input, output, sizeof input) == 0);
	T_EQ(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0);
	DWORD code = 99;
	T_ASSERT(GetExitCodeProcess(pi.hProcess, &code));
	T_EQ(code, 0);
	T_ASSERT(CloseHandle(pi.hProcess));
	T_ASSERT(CloseHandle(pi.hThread));
	T_ASSERT(CloseHandle(out_rd));
}

/* FormatMessage's system text for the layer's codes, as Windows words
 * it, in a LocalAlloc'd buffer or the caller's. */
static void format_message(void)
{
	LPSTR msg = NULL;
	DWORD n = FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER |
	                                 FORMAT_MESSAGE_FROM_SYSTEM |
	                                 FORMAT_MESSAGE_IGNORE_INSERTS,
	                         NULL, ERROR_FILE_NOT_FOUND,
	                         MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT),
	                         (LPSTR)&msg, 0, NULL);
	T_ASSERT(msg);
	T_ASSERT(strcmp(msg, "The system cannot find the file specified.\r\n") ==
	         0);
	T_EQ(n, strlen(msg));
	T_ASSERT(LocalFree(msg) == NULL);
	LPWSTR wmsg = NULL;
	n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER |
	                           FORMAT_MESSAGE_FROM_SYSTEM |
	                           FORMAT_MESSAGE_IGNORE_INSERTS |
	                           FORMAT_MESSAGE_MAX_WIDTH_MASK,
	                   NULL, ERROR_ACCESS_DENIED, 0, (LPWSTR)&wmsg, 0, NULL);
	/* The text's own line break is a space under the width mask. */
	T_EQ(n, 18);
	T_ASSERT(wcscmp(wmsg, L"Access is denied. ") == 0);
	LocalFree(wmsg);
	char small[8], big[128];
	T_EQ(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, ERROR_BROKEN_PIPE,
	                    0, small, sizeof small, NULL),
	     0);
	T_EQ(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
	T_EQ(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, ERROR_BROKEN_PIPE,
	                    0, big, sizeof big, NULL),
	     26);
	T_ASSERT(strcmp(big, "The pipe has been ended.\r\n") == 0);
	T_EQ(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, 123456, 0, big,
	                    sizeof big, NULL),
	     0);
	T_EQ(GetLastError(), ERROR_MR_MID_NOT_FOUND);
	T_EQ(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, 5,
	                    MAKELANGID(0x07, SUBLANG_DEFAULT), big, sizeof big,
	                    NULL),
	     0);
	T_EQ(GetLastError(), ERROR_RESOURCE_LANG_NOT_FOUND);
	T_EQ(MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), 0x400);
	/* Every code the layer defines has its text. */
	static const DWORD codes[] = {
	        ERROR_SUCCESS, ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND,
	        ERROR_TOO_MANY_OPEN_FILES, ERROR_ACCESS_DENIED,
	        ERROR_INVALID_HANDLE, ERROR_NOT_ENOUGH_MEMORY, ERROR_BAD_FORMAT,
	        ERROR_INVALID_ACCESS, ERROR_OUTOFMEMORY, ERROR_SHARING_VIOLATION,
	        ERROR_HANDLE_EOF, ERROR_NOT_SUPPORTED, ERROR_FILE_EXISTS,
	        ERROR_INVALID_PARAMETER, ERROR_BROKEN_PIPE, ERROR_DISK_FULL,
	        ERROR_INSUFFICIENT_BUFFER, ERROR_INVALID_NAME,
	        ERROR_NEGATIVE_SEEK, ERROR_BAD_PATHNAME, ERROR_BUSY,
	        ERROR_ALREADY_EXISTS, ERROR_FILENAME_EXCED_RANGE, ERROR_NOT_OWNER,
	        ERROR_TOO_MANY_POSTS, ERROR_INVALID_ADDRESS, ERROR_SWAPERR,
	        ERROR_FILE_INVALID, ERROR_MAPPED_ALIGNMENT,
	        ERROR_USER_MAPPED_FILE, ERROR_REVISION_MISMATCH,
	        ERROR_PRIVILEGE_NOT_HELD,
	        ERROR_FILE_CORRUPT, ERROR_INVALID_MSGBOX_STYLE,
	        ERROR_COMMITMENT_LIMIT, ERROR_TIMEOUT, WAIT_TIMEOUT,
	        ERROR_NO_DATA, ERROR_MR_MID_NOT_FOUND};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		T_ASSERT(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
		                                FORMAT_MESSAGE_IGNORE_INSERTS,
		                        NULL, codes[i], 0, big, sizeof big,
		                        NULL) > 2);
}

static DWORD fm_a(DWORD flags, const char *src, char *out, DWORD size, ...)
{
	va_list ap;
	va_start(ap, size);
	DWORD r = FormatMessageA(flags, src, 0, 0, out, size, &ap);
	va_end(ap);
	return r;
}

static DWORD fm_w(DWORD flags, const wchar_t *src, wchar_t *out, DWORD size,
                  ...)
{
	va_list ap;
	va_start(ap, size);
	DWORD r = FormatMessageW(flags, src, 0, 0, out, size, &ap);
	va_end(ap);
	return r;
}

#define FS FORMAT_MESSAGE_FROM_STRING
/* A's result for src with the arguments: its text, checked and counted. */
#define FMA(want, flags, src, ...)                                             \
	do {                                                                   \
		char o_[300];                                                  \
		DWORD r_ = fm_a((flags), (src), o_, sizeof o_, __VA_ARGS__);   \
		if (r_ != strlen(want) || strcmp(o_, (want)))                  \
			T_FAIL("FormatMessageA(\"%s\") = %lu \"%s\", "         \
			       "expected \"%s\"",                              \
			       (src), (unsigned long)r_, r_ ? o_ : "", (want));  \
	} while (0)
#define FMW(want, flags, src, ...)                                             \
	do {                                                                   \
		wchar_t o_[300];                                               \
		DWORD r_ = fm_w((flags), (src), o_, 300, __VA_ARGS__);         \
		if (r_ != wcslen(want) || wcscmp(o_, (want)))                  \
			T_FAIL("FormatMessageW(\"%ls\") = %lu \"%ls\", "       \
			       "expected \"%ls\"",                             \
			       (src), (unsigned long)r_, r_ ? o_ : L"", (want)); \
	} while (0)

/* FormatMessage's inserts and escapes, with the results Wine's
 * conformance tests record for Windows. */
static void format_message_inserts(void)
{
	FMA("test", FS, "%1!s!", "test");
	FMA("test", FS, "%1", "test");
	FMA("test", FS, "%1%3%2%1", "t", "s", "e");
	FMA("test", FS, "%1!S!", L"test");
	FMA("test", FS, "%1!ls!%2!hs!", L"te", "st");
	FMA("test", FS, "%1!c!%2!c!%3!c!%1!c!", 't', 'e', 's');
	FMA("test", FS, "%1!C!%2!C!%3!C!%1!C!", 't', 'e', 's');
	FMA("123", FS, "%1!d!%2!d!%3!d!", 1, 2, 3);
	FMA("   1|1   |   b|   B| 1AB", FS, "%1!4d!|%2!-4d!|%3!4x!|%4!4X!|%5!4X!",
	    1, 1, 11, 11, 0x1ab);
	FMA("-1 4294967295 ffffffffffffffff", FS, "%1!d! %2!u! %3!I64x!", -1,
	    -1, (long long)-1);
	FMA(" %% ", FS, " %%%% ", 0);
	FMA(" .. 427", FS, " %.%. %1!d!", 0x1ab);
	FMA("test", FS, "test%0test", 0);
	FMA("yah!", FS, "yah%!%0   ", 0);
	FMA("    ", FS, "% %   ", 0);
	FMA("\r\n\r\t", FS, "%n%r%t", 0);
	FMA("hi\r\n", FS, "hi\n", 0);
	FMA("\r\n\r\n", FS, "\r\r\n", 0);
	FMA("(null)", FS, "%1", NULL);
	FMA("  t", FS, "%1!3s!", "t");
	FMA("   t", FS, "%1!*s!", 4, "t");
	FMA("  03", FS, "%1!4.2u!", 3);
	FMA("  001", FS, "%1!*.*u!", 5, 3, 1);
	FMA("  001, 0002", FS, "%1!*.*u!,%1!*.*u!", 5, 3, 1, 4, 2);
	FMA("  001,  0002", FS, "%1!*.*u!,%3!*.*u!", 5, 3, 1, 6, 4, 2);
	FMW(L"test", FS, L"%1!s!", L"test");
	FMW(L"test", FS, L"%1%2", L"te", L"st");
	FMW(L"test", FS, L"%1!S!", "test");
	FMW(L"t\u00e9st", FS, L"%1!hs!", "t\xc3\xa9st");
	FMW(L"test", FS, L"%1!lc!%2!wc!%3!C!%1!c!", 't', 'e', 's');
	FMW(L"  001,  0002", FS, L"%1!*.*u!,%3!*.*u!", 5, 3, 1, 6, 4, 2);
	/* An argument array counts differently. */
	DWORD_PTR args[] = {6, 4, 2, 5, 3, 1};
	char out[64];
	T_EQ(FormatMessageA(FS | FORMAT_MESSAGE_ARGUMENT_ARRAY,
	                    "%1!*.*u!,%1!*.*u!", 0, 0, out, sizeof out,
	                    (va_list *)args),
	     13);
	T_ASSERT(!strcmp(out, "  0002, 00003"));
	T_EQ(FormatMessageA(FS | FORMAT_MESSAGE_ARGUMENT_ARRAY,
	                    "%1!*.*u!,%4!*.*u!", 0, 0, out, sizeof out,
	                    (va_list *)args),
	     12);
	T_ASSERT(!strcmp(out, "  0002,  001"));
	DWORD_PTR sargs[] = {(DWORD_PTR)"one", (DWORD_PTR)"two"};
	T_EQ(FormatMessageA(FS | FORMAT_MESSAGE_ARGUMENT_ARRAY, "%2 %1", 0, 0,
	                    out, sizeof out, (va_list *)sargs),
	     7);
	T_ASSERT(!strcmp(out, "two one"));
	/* The width mask: line breaks become spaces; lines break at it. */
	FMA("hi ", FS | FORMAT_MESSAGE_MAX_WIDTH_MASK, "hi\r\n", 0);
	FMA("  ", FS | FORMAT_MESSAGE_MAX_WIDTH_MASK, "\r\r\n", 0);
	FMA("short long\r\nline", FS | 11, "short long line", 0);
	FMA("short\r\nlong line", FS | 10, "short long line", 0);
	FMA("short long\r\n  line", FS | 12, "short long    line", 0);
	FMA("shortlon\r\ngline", FS | 8, "shortlongline", 0);
	FMA("short\r\nlong\r\nline", FS | 7, "short long line", 0);
	FMA("short\rlong\r\nline", FS | 8, "short%rlong line", 0);
	FMA("short\r\nlong\r\nline%1",
	    FS | FORMAT_MESSAGE_IGNORE_INSERTS | 8, "short%nlong line%1", 0);
	/* Ignoring inserts: only %n, %r, %t and %0 act. */
	FMA("test%1%2!*.*s!%99", FS | FORMAT_MESSAGE_IGNORE_INSERTS,
	    "test%1%2!*.*s!%99", 0);
	FMA("%%% %.%!", FS | FORMAT_MESSAGE_IGNORE_INSERTS, "%%% %.%!", 0);
	/* Errors: no arguments for an insert, a lone %, nothing out. */
	memcpy(out, "xxxxxx", 7);
	SetLastError(0xdeadbeef);
	T_EQ(FormatMessageA(FS, "%1", 0, 0, out, sizeof out, NULL), 0);
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
	T_ASSERT(!strcmp(out, "xxxxxx"));
	T_EQ(FormatMessageA(FS, "test%", 0, 0, out, sizeof out, NULL), 0);
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
	SetLastError(0xdeadbeef);
	T_EQ(FormatMessageA(FS, "", 0, 0, out, sizeof out, NULL), 0);
	T_EQ(GetLastError(), 1235); /* ERROR_NO_WORK_DONE */
	T_ASSERT(!strcmp(out, "xxxxxx"));
	wchar_t wout[8] = L"xxxxxx";
	T_EQ(FormatMessageW(FS, L"", 0, 0, wout, 8, NULL), 0);
	T_ASSERT(wout[0] == 0);
	T_EQ(FormatMessageA(0, "test", 0, 0, out, sizeof out, NULL), 0);
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
	T_EQ(FormatMessageA(FS | FORMAT_MESSAGE_FROM_SYSTEM, "test", 0, 0, out,
	                    sizeof out, NULL),
	     4);
	/* Too small: A leaves the buffer, W stores what fits. */
	memcpy(out, "xxxxxx", 7);
	T_EQ(FormatMessageA(FS, "test", 0, 0, out, 4, NULL), 0);
	T_EQ(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
	T_ASSERT(!strcmp(out, "xxxxxx"));
	wcscpy(wout, L"xxxxxx");
	T_EQ(FormatMessageW(FS, L"test", 0, 0, wout, 4, NULL), 0);
	T_EQ(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
	T_ASSERT(!wmemcmp(wout, L"tes\0xx", 6));
	/* ALLOCATE_BUFFER with inserts; a system message with its insert. */
	LPSTR msg = (LPSTR)1;
	T_EQ(fm_a(FS | FORMAT_MESSAGE_ALLOCATE_BUFFER, "%1 and %2",
	          (char *)&msg, 0, "this", "that"),
	     13);
	T_ASSERT(!strcmp(msg, "this and that"));
	LocalFree(msg);
	T_EQ(FormatMessageA(FS | FORMAT_MESSAGE_ALLOCATE_BUFFER, "", 0, 0,
	                    (char *)&msg, 0, NULL),
	     0);
	T_ASSERT(msg == NULL);
	DWORD_PTR mid[] = {(DWORD_PTR)"7", (DWORD_PTR)"system"};
	T_EQ(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
	                            FORMAT_MESSAGE_ARGUMENT_ARRAY,
	                    NULL, ERROR_MR_MID_NOT_FOUND, 0, out, sizeof out,
	                    (va_list *)mid),
	     0); /* too long for out */
	char big[256];
	T_ASSERT(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
	                                FORMAT_MESSAGE_ARGUMENT_ARRAY,
	                        NULL, ERROR_MR_MID_NOT_FOUND, 0, big,
	                        sizeof big, (va_list *)mid) > 0);
	T_ASSERT(strstr(big, "number 0x7 in the message file for system."));
	T_EQ(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL,
	                    ERROR_MR_MID_NOT_FOUND, 0, big, sizeof big, NULL),
	     0);
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
	/* A Win32 HRESULT stands for its code. */
	T_EQ(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, 0x80070005, 0,
	                    big, sizeof big, NULL),
	     19);
	T_ASSERT(!strcmp(big, "Access is denied.\r\n"));
}

static _Atomic int ctrl_calls[4], ctrl_order; /* written by the handler thread */
static pthread_t ctrl_main;
static volatile int ctrl_other_thread;
static int ctrl_note_fd = -1;

static BOOL WINAPI ctrl_yes(DWORD type)
{
	ctrl_other_thread = !pthread_equal(pthread_self(), ctrl_main);
	ctrl_calls[0] = (int)type + 1;
	ctrl_order = ctrl_order * 10 + 1;
	return TRUE;
}

static BOOL WINAPI ctrl_no(DWORD type)
{
	ctrl_calls[1] = (int)type + 1;
	ctrl_order = ctrl_order * 10 + 2;
	return FALSE;
}

static BOOL WINAPI ctrl_close_note(DWORD type)
{
	char c = type == CTRL_CLOSE_EVENT ? 'C' : '?';
	ssize_t r = write(ctrl_note_fd, &c, 1);
	(void)r;
	return TRUE;
}

static void wait_for(_Atomic int *v)
{
	for (int i = 0; i < 500 && !*v; i++)
		usleep(10000);
}

/* SIGINT is CTRL_C_EVENT: handlers run on another thread, the last added
 * first, until one returns TRUE; none returning TRUE ends the process by
 * the signal; NULL, TRUE ignores it. SIGTERM is CTRL_CLOSE_EVENT and the
 * process ends after the handlers. */
static void ctrl_handlers(void)
{
	ctrl_main = pthread_self();
	T_ASSERT(SetConsoleCtrlHandler(ctrl_yes, TRUE));
	T_ASSERT(SetConsoleCtrlHandler(ctrl_no, TRUE));
	T_OK(kill(getpid(), SIGINT));
	wait_for(&ctrl_calls[0]);
	T_EQ(ctrl_calls[0], CTRL_C_EVENT + 1);
	T_EQ(ctrl_calls[1], CTRL_C_EVENT + 1);
	T_EQ(ctrl_order, 21);
	T_ASSERT(ctrl_other_thread);
	T_ASSERT(SetConsoleCtrlHandler(ctrl_no, FALSE));
	T_ASSERT(!SetConsoleCtrlHandler(ctrl_no, FALSE));
	T_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
	/* Ignored: no handler runs. */
	ctrl_calls[0] = 0;
	T_ASSERT(SetConsoleCtrlHandler(NULL, TRUE));
	T_OK(kill(getpid(), SIGINT));
	usleep(100000);
	T_EQ(ctrl_calls[0], 0);
	T_ASSERT(SetConsoleCtrlHandler(NULL, FALSE));
	T_ASSERT(SetConsoleCtrlHandler(ctrl_yes, FALSE));
}

/*
 * The default actions, each in a child forked while this case's process has
 * no thread yet (the handler thread starts in the child): only a handler
 * returning FALSE, the process dies of SIGINT; a close event runs the
 * handler, then the process ends by SIGTERM.
 */
static void ctrl_defaults(void)
{
	/* Only a handler returning FALSE: the process dies of SIGINT. */
	pid_t pid = fork();
	if (pid == 0) {
		SetConsoleCtrlHandler(ctrl_no, TRUE);
		kill(getpid(), SIGINT);
		for (int i = 0; i < 500; i++)
			usleep(10000);
		_exit(0);
	}
	int st;
	T_EQ(waitpid(pid, &st, 0), pid);
	T_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);

	/* A close event: the handler runs, then the process ends. */
	int p[2];
	T_OK(pipe(p));
	pid = fork();
	if (pid == 0) {
		ctrl_note_fd = p[1];
		SetConsoleCtrlHandler(ctrl_close_note, TRUE);
		kill(getpid(), SIGTERM);
		for (int i = 0; i < 500; i++)
			usleep(10000);
		_exit(0);
	}
	close(p[1]);
	T_EQ(waitpid(pid, &st, 0), pid);
	T_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	char c = 0;
	T_EQ(read(p[0], &c, 1), 1);
	T_EQ(c, 'C');
	T_EQ(CTRL_CLOSE_EVENT, 2);
}

/* OutputDebugString writes its text to stderr as is. */
static void debug_string(void)
{
	int p[2];
	char buf[32];
	T_OK(pipe(p));
	int saved = dup(2);
	T_ASSERT(dup2(p[1], 2) == 2);
	OutputDebugStringA("one ");
	OutputDebugStringW(L"tw\u00f6\n");
	OutputDebugStringA(NULL);
	fflush(stderr);
	T_ASSERT(dup2(saved, 2) == 2);
	ssize_t n = read(p[0], buf, sizeof buf);
	T_EQ(n, 9);
	T_ASSERT(memcmp(buf, "one tw\xc3\xb6\n", 9) == 0);
}

/* A debug monitor in another process, as DebugView and dbmon are: the
 * DBWIN protocol carries each OutputDebugString (the sender's process ID
 * and its text, a long text in parts), and nothing goes to stderr while
 * the monitor listens. */
static void debug_monitor(void)
{
	int ready[2], out[2];
	T_OK(pipe(ready));
	T_OK(pipe(out));
	pid_t mon = fork();
	T_ASSERT(mon >= 0);
	if (mon == 0) {
		HANDLE br = CreateEventA(NULL, FALSE, FALSE, "DBWIN_BUFFER_READY");
		HANDLE dr = CreateEventA(NULL, FALSE, FALSE, "DBWIN_DATA_READY");
		HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL,
		                              PAGE_READWRITE, 0, 4096,
		                              "DBWIN_BUFFER");
		const char *v = m ? (const char *)MapViewOfFile(
		                            m, FILE_MAP_READ, 0, 0, 4096)
		                  : NULL;
		if (!br || !dr || !v)
			_exit(3);
		if (write(ready[1], "r", 1) != 1)
			_exit(4);
		/* Four parts: "one", the W text, and a long text in two. */
		for (int i = 0; i < 4; i++) {
			SetEvent(br);
			if (WaitForSingleObject(dr, 10000) != WAIT_OBJECT_0)
				_exit(5);
			DWORD pid;
			memcpy(&pid, v, sizeof pid);
			char line[4200];
			int n = snprintf(line, sizeof line, "%u %zu %.8s\n",
			                 (unsigned)pid, strlen(v + 4), v + 4);
			if (write(out[1], line, (size_t)n) != n)
				_exit(6);
		}
		UnmapViewOfFile(v);
		CloseHandle(m);
		CloseHandle(dr);
		CloseHandle(br);
		_exit(0);
	}
	char c;
	T_EQ(read(ready[0], &c, 1), 1);
	int p[2];
	T_OK(pipe(p));
	int saved = dup(2);
	T_ASSERT(dup2(p[1], 2) == 2);
	SetLastError(1234);
	OutputDebugStringA("one");
	T_EQ(GetLastError(), 1234);
	OutputDebugStringW(L"tw\u00f6");
	char big[5000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	OutputDebugStringA(big);
	fflush(stderr);
	T_ASSERT(dup2(saved, 2) == 2);
	close(p[1]);
	T_EQ(read(p[0], &c, 1), 0); /* nothing on stderr */
	int st;
	T_EQ(waitpid(mon, &st, 0), mon);
	T_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(out[1]);
	char got[512] = {0}, want[512];
	T_ASSERT(read(out[0], got, sizeof got - 1) > 0);
	unsigned me = (unsigned)getpid();
	snprintf(want, sizeof want,
	         "%u 3 one\n%u 4 tw\xc3\xb6\n%u 4091 xxxxxxxx\n%u 908 xxxxxxxx\n",
	         me, me, me, me);
	T_EQ(strcmp(got, want), 0);
	/* The monitor has gone: stderr again. */
	T_OK(pipe(p));
	T_ASSERT(dup2(p[1], 2) == 2);
	OutputDebugStringA("back");
	fflush(stderr);
	T_ASSERT(dup2(saved, 2) == 2);
	char buf[8];
	T_EQ(read(p[0], buf, sizeof buf), 4);
	T_EQ(memcmp(buf, "back", 4), 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child_copy();
	ssize_t k = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
	if (k > 0)
		self_exe[k] = 0;
	t_setup();
	t_run("strsafe narrow: copy, cat, length, printf truncate", strsafe_narrow,
	      20);
	t_run("strsafe wide and StringCb", strsafe_wide, 20);
	t_run("CreatePipe: read what is there, ERROR_BROKEN_PIPE at end",
	      pipe_basics, 20);
	t_run("GetStdHandle/SetStdHandle on descriptors 0, 1, 2", std_handles,
	      20);
	t_run("child with redirected input and output (Microsoft's sample)",
	      redirected_child, 30);
	t_run("FormatMessageA/W from the system, LocalFree", format_message,
	      20);
	t_run("FormatMessageA/W inserts, escapes, widths, arguments",
	      format_message_inserts, 20);
	t_run("SetConsoleCtrlHandler: SIGINT, handler order, ignoring",
	      ctrl_handlers, 30);
	t_run("SetConsoleCtrlHandler: the default actions", ctrl_defaults, 30);
	t_run("OutputDebugStringA/W to stderr", debug_string, 20);
	t_run("OutputDebugString to a DBWIN monitor", debug_monitor, 30);
	return t_finish();
}
