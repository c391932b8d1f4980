/*
 * Win32 standard I/O: <strsafe.h>'s StringCch and StringCb calls;
 * GetStdHandle, SetStdHandle, CreatePipe and a child process with
 * redirected input and output, as Microsoft's sample starts one.
 */
#include <signal.h>

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
	T_EQ(n, 17);
	T_ASSERT(wcscmp(wmsg, L"Access is denied.") == 0);
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
	        ERROR_USER_MAPPED_FILE, ERROR_PRIVILEGE_NOT_HELD,
	        ERROR_FILE_CORRUPT, ERROR_INVALID_MSGBOX_STYLE,
	        ERROR_COMMITMENT_LIMIT, ERROR_TIMEOUT, WAIT_TIMEOUT,
	        ERROR_NO_DATA, ERROR_MR_MID_NOT_FOUND};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		T_ASSERT(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
		                                FORMAT_MESSAGE_IGNORE_INSERTS,
		                        NULL, codes[i], 0, big, sizeof big,
		                        NULL) > 2);
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
	return t_finish();
}
