/* SPDX-License-Identifier: MIT */
/*
 * The Microsoft C runtime's extras (shmap_crt.h), as Microsoft documents
 * them: the _s functions' results and their invalid-parameter handling (the
 * default handler ends the process; an installed one gets the errno_t
 * code and an empty destination), _TRUNCATE, the _itoa and _wtoi
 * families, fopen_s, the _s time calls and _countof.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "harness.h"
#include <windows.h>

static int g_calls; /* invalid-parameter handler calls */

static void count_handler(const wchar_t *expr, const wchar_t *fn,
                          const wchar_t *file, unsigned line, uintptr_t r)
{
	/* The release runtime passes no details. */
	T_ASSERT(!expr && !fn && !file && line == 0 && r == 0);
	g_calls++;
}

/* Installs the counting handler; the checks below expect `calls` calls
 * since the last one. */
static void with_handler(void)
{
	T_ASSERT(_get_invalid_parameter_handler() == NULL);
	T_ASSERT(_set_invalid_parameter_handler(count_handler) == NULL);
	T_ASSERT(_get_invalid_parameter_handler() == count_handler);
	g_calls = 0;
}

#define CALLS(n)                                                               \
	do {                                                                   \
		T_EQ(g_calls, (n));                                            \
		g_calls = 0;                                                   \
	} while (0)

/* Runs fn in a child without a handler: it must die of SIGABRT, having
 * said which function was given a bad parameter. */
static void dies(void (*fn)(void), const char *name)
{
	int p[2];
	T_ASSERT(pipe(p) == 0);
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 2);
		fn();
		_exit(0); /* survived: wrong */
	}
	close(p[1]);
	char msg[512] = "";
	size_t n = 0;
	ssize_t r;
	while (n < sizeof msg - 1 && (r = read(p[0], msg + n, sizeof msg - 1 - n)) > 0)
		n += (size_t)r;
	msg[n] = 0;
	close(p[0]);
	int st = t_wait(pid, 20);
	if (!(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT))
		T_FAIL("%s: the process was not ended by SIGABRT (status %#x)",
		       name, st);
	if (!strstr(msg, name))
		T_FAIL("%s: message \"%s\" does not name it", name, msg);
}

static void copy_too_long(void)
{
	char b[4];
	strcpy_s(b, sizeof b, "long");
}

static void sprintf_null_buffer(void)
{
	sprintf_s(NULL, 10, "x");
}

static void wcscat_unterminated(void)
{
	wchar_t w[2] = {L'a', L'b'};
	wcscat_s(w, 2, L"c");
}

static void default_handler_ends_process(void)
{
	dies(copy_too_long, "strcpy_s");
	dies(sprintf_null_buffer, "sprintf_s");
	dies(wcscat_unterminated, "wcscat_s");
}

static void string_copies(void)
{
	with_handler();
	char b[8];
	wchar_t w[8];
	T_EQ(strcpy_s(b, sizeof b, "1234567"), 0);
	T_ASSERT(!strcmp(b, "1234567"));
	CALLS(0);
	errno = 0;
	T_EQ(strcpy_s(b, sizeof b, "12345678"), ERANGE);
	T_EQ(errno, ERANGE);
	T_EQ(b[0], 0);
	CALLS(1);
	T_EQ(strcpy_s(NULL, 8, "x"), EINVAL);
	CALLS(1);
	strcpy(b, "keep");
	T_EQ(strcpy_s(b, 0, "x"), EINVAL);
	T_ASSERT(!strcmp(b, "keep")); /* size 0: untouched */
	CALLS(1);
	T_EQ(strcpy_s(b, sizeof b, NULL), EINVAL);
	T_EQ(b[0], 0);
	CALLS(1);
	T_EQ(wcscpy_s(w, 8, L"abc"), 0);
	T_EQ(wcscat_s(w, 8, L"defg"), 0);
	T_ASSERT(!wcscmp(w, L"abcdefg"));
	T_EQ(wcscat_s(w, 8, L"h"), ERANGE);
	T_EQ(w[0], 0);
	CALLS(1);
	/* strcat_s on a destination with no terminator within size. */
	memset(b, 'x', sizeof b);
	T_EQ(strcat_s(b, sizeof b, "y"), EINVAL);
	T_EQ(b[0], 0);
	CALLS(1);
	/* strncpy_s: count limits, _TRUNCATE cuts, too small fails. */
	T_EQ(strncpy_s(b, sizeof b, "abcdef", 3), 0);
	T_ASSERT(!strcmp(b, "abc"));
	T_EQ(strncpy_s(b, 5, "abcdef", _TRUNCATE), STRUNCATE);
	T_ASSERT(!strcmp(b, "abcd"));
	T_EQ(strncpy_s(b, 4, "abcdef", 4), ERANGE);
	T_EQ(b[0], 0);
	CALLS(1);
	T_EQ(strncpy_s(b, 5, "abcdef", 4), 0);
	T_ASSERT(!strcmp(b, "abcd"));
	T_EQ(strncpy_s(NULL, 0, NULL, 0), 0);
	T_EQ(strncpy_s(b, sizeof b, NULL, 0), 0);
	T_EQ(b[0], 0);
	CALLS(0);
	T_EQ(wcsncpy_s(w, 4, L"wxyz", _TRUNCATE), STRUNCATE);
	T_ASSERT(!wcscmp(w, L"wxy"));
	/* strncat_s */
	strcpy(b, "ab");
	T_EQ(strncat_s(b, sizeof b, "cdefgh", 2), 0);
	T_ASSERT(!strcmp(b, "abcd"));
	T_EQ(strncat_s(b, sizeof b, "efghij", _TRUNCATE), STRUNCATE);
	T_ASSERT(!strcmp(b, "abcdefg"));
	T_EQ(wcsncat_s(w, 5, L"12", 2), ERANGE);
	T_EQ(w[0], 0);
	CALLS(1);
	T_EQ(strnlen_s("abc", 2), 2);
	T_EQ(strnlen_s(NULL, 2), 0);
	T_EQ(wcsnlen_s(L"abc", 9), 3);
	_set_invalid_parameter_handler(NULL);
}

/* _vsnprintf(NULL, 0, ...), as programs size a buffer before formatting. */
static int vsnprintf_len(const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	int n = _vsnprintf(NULL, 0, format, ap);
	va_end(ap);
	return n;
}

static void formatting(void)
{
	with_handler();
	char b[16];
	wchar_t w[16];
	T_EQ(sprintf_s(b, sizeof b, "%d-%s", 42, "x"), 4);
	T_ASSERT(!strcmp(b, "42-x"));
	/* Microsoft's rules: %s in a wide format is wide, %S narrow. */
	wchar_t big[32];
	T_EQ(swprintf_s(big, 32, L"%s|%S|%I64d", L"w", "n", (long long)1 << 40),
	     17);
	T_ASSERT(!wcscmp(big, L"w|n|1099511627776"));
	T_EQ(swprintf_s(w, 16, L"%s|%S", L"wide", "narrow"), 11);
	T_ASSERT(!wcscmp(w, L"wide|narrow"));
	T_EQ(sprintf_s(b, 4, "%s", "toolong"), -1);
	T_EQ(errno, ERANGE);
	T_EQ(b[0], 0);
	CALLS(1);
	T_EQ(sprintf_s(b, sizeof b, NULL), -1);
	T_EQ(errno, EINVAL);
	CALLS(1);
	/* _snprintf_s: count cuts (-1), _TRUNCATE cuts to the buffer. */
	T_EQ(_snprintf_s(b, 10, 3, "%s", "abcdef"), -1);
	T_ASSERT(!strcmp(b, "abc"));
	T_EQ(_snprintf_s(b, 5, _TRUNCATE, "%s", "abcdef"), -1);
	T_ASSERT(!strcmp(b, "abcd"));
	T_EQ(_snprintf_s(b, 5, _TRUNCATE, "%s", "abc"), 3);
	CALLS(0);
	T_EQ(_snprintf_s(b, 5, 9, "%s", "abcdef"), -1);
	T_EQ(b[0], 0);
	CALLS(1);
	T_EQ(_snwprintf_s(w, 16, _TRUNCATE, L"%d", 7), 1);
	T_ASSERT(!wcscmp(w, L"7"));
	/* _snprintf: no terminator when the output fills count. */
	memset(b, 'x', sizeof b);
	T_EQ(_snprintf(b, 3, "%s", "abc"), 3);
	T_ASSERT(!memcmp(b, "abcx", 4));
	T_EQ(_snprintf(b, 3, "%s", "abcd"), -1);
	T_ASSERT(!memcmp(b, "abcx", 4));
	T_EQ(_snprintf(b, 8, "%d", 12), 2);
	T_ASSERT(!strcmp(b, "12"));
	T_EQ(_snwprintf(w, 2, L"%s", L"ab"), 2);
	/* buffer NULL and count 0: the length the output needs. */
	T_EQ(_snprintf(NULL, 0, "%s%d", "hello", 42), 7);
	T_EQ(_snwprintf(NULL, 0, L"%s", L"wide"), 4);
	T_EQ(vsnprintf_len("%d-%d", 10, 200), 6);
	CALLS(0);
	errno = 0;
	T_EQ(_snprintf(NULL, 4, "x"), -1);
	T_EQ(errno, EINVAL);
	CALLS(1);
	T_EQ(_snprintf(b, sizeof b, NULL), -1);
	T_EQ(_snwprintf(w, 16, NULL), -1);
	CALLS(2);
	T_EQ(_scprintf("%d%s", 100, "abc"), 6);
	T_EQ(_scwprintf(L"%s", L"abcd"), 4);
	CALLS(0);
	_set_invalid_parameter_handler(NULL);
}

static void numbers(void)
{
	with_handler();
	char b[70];
	wchar_t w[70];
	T_ASSERT(!strcmp(_itoa(-1, b, 16), "ffffffff"));
	T_ASSERT(!strcmp(_itoa(-42, b, 10), "-42"));
	T_ASSERT(!strcmp(_ltoa(-1, b, 16), "ffffffff")); /* long: 32 bits */
	T_ASSERT(!strcmp(_ultoa(255, b, 2), "11111111"));
	T_ASSERT(!strcmp(_i64toa(-1, b, 16), "ffffffffffffffff"));
	T_ASSERT(!strcmp(_ui64toa(0xFFFFFFFFFFFFFFFFull, b, 10),
	                 "18446744073709551615"));
	T_ASSERT(!wcscmp(_itow(35, w, 36), L"z"));
	T_EQ(_itoa_s(-12, b, 4, 10), 0);
	T_ASSERT(!strcmp(b, "-12"));
	T_EQ(_itoa_s(-12, b, 3, 10), ERANGE);
	T_EQ(b[0], 0);
	CALLS(1);
	T_EQ(_itoa_s(5, b, 1, 10), ERANGE); /* room for no digit */
	CALLS(1);
	T_EQ(_itoa_s(5, b, 10, 1), EINVAL);
	CALLS(1);
	T_EQ(_i64tow_s(-9, w, 3, 10), 0);
	T_ASSERT(!wcscmp(w, L"-9"));
	T_EQ(_ui64tow_s(1000, w, 4, 10), ERANGE);
	CALLS(1);
	T_EQ(_wtoi(L" 123abc"), 123);
	T_EQ(_wtoi(L"99999999999"), INT_MAX);
	T_EQ(_wtoi(L"-99999999999"), INT_MIN);
	T_EQ(_wtol(L"-5"), -5);
	T_EQ(_wtoi64(L"12345678901"), 12345678901LL);
	T_EQ(_atoi64("-12345678901"), -12345678901LL);
	T_ASSERT(_wtof(L"2.5") == 2.5);
	CALLS(0);
	_set_invalid_parameter_handler(NULL);
}

static void tokens_memory_compare(void)
{
	with_handler();
	char s[] = "a,b;;c", *ctx = NULL;
	T_ASSERT(!strcmp(strtok_s(s, ",;", &ctx), "a"));
	T_ASSERT(!strcmp(strtok_s(NULL, ",;", &ctx), "b"));
	T_ASSERT(!strcmp(strtok_s(NULL, ",;", &ctx), "c"));
	T_ASSERT(strtok_s(NULL, ",;", &ctx) == NULL);
	CALLS(0);
	T_ASSERT(strtok_s(s, ",", NULL) == NULL);
	T_EQ(errno, EINVAL);
	CALLS(1);
	char *none = NULL;
	T_ASSERT(strtok_s(NULL, ",", &none) == NULL);
	CALLS(1);
	wchar_t ws[] = L"x y", *wctx;
	T_ASSERT(!wcscmp(wcstok_s(ws, L" ", &wctx), L"x"));
	T_ASSERT(!wcscmp(wcstok_s(NULL, L" ", &wctx), L"y"));
	char d[4] = "abc";
	T_EQ(memcpy_s(d, sizeof d, "xyz", 0), 0);
	T_EQ(memcpy_s(d, sizeof d, "wxyz", 4), 0);
	T_ASSERT(!memcmp(d, "wxyz", 4));
	T_EQ(memcpy_s(d, 3, "wxyz", 4), ERANGE);
	T_ASSERT(!memcmp(d, "\0\0\0z", 4)); /* destSize bytes zeroed */
	CALLS(1);
	memcpy(d, "abcd", 4);
	T_EQ(memmove_s(d, 3, "wxyz", 4), ERANGE);
	T_ASSERT(!memcmp(d, "abcd", 4)); /* memmove_s leaves it */
	CALLS(1);
	T_EQ(memmove_s(d + 1, 3, d, 3), 0);
	T_ASSERT(!memcmp(d, "aabc", 4));
	T_EQ(memcpy_s(d, 4, NULL, 1), EINVAL);
	CALLS(1);
	wchar_t wd[3];
	T_EQ(wmemcpy_s(wd, 3, L"abc", 3), 0);
	T_EQ(wmemcpy_s(wd, 2, L"abc", 3), ERANGE);
	CALLS(1);
	T_EQ(_stricmp("Hello", "hELLO"), 0);
	T_ASSERT(_stricmp("a", "B") < 0);
	T_ASSERT(_stricmp("_", "A") < 0); /* as lower case: 0x5f < 0x61 */
	T_EQ(_strnicmp("ABCx", "abcy", 3), 0);
	T_EQ(_wcsicmp(L"MiXeD", L"mixed"), 0);
	T_ASSERT(_wcsnicmp(L"ab", L"AC", 2) < 0);
	T_EQ(_stricmp(NULL, "a"), INT_MAX);
	CALLS(1);
	char *dup = _strdup("dup");
	wchar_t *wdup = _wcsdup(L"wdup");
	T_ASSERT(dup && !strcmp(dup, "dup") && wdup && !wcscmp(wdup, L"wdup"));
	free(dup);
	free(wdup);
	int arr[7];
	T_EQ(_countof(arr), 7);
	T_EQ(ARRAYSIZE(arr), 7);
	_set_invalid_parameter_handler(NULL);
}

static void files(void)
{
	with_handler();
	char dir[] = "/tmp/shmap-crt.XXXXXX", path[128], win[128];
	T_ASSERT(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/f.txt", dir);
	FILE *f = (FILE *)1;
	T_EQ(fopen_s(&f, path, "r"), ENOENT);
	T_ASSERT(f == NULL);
	CALLS(0);
	T_EQ(fopen_s(&f, path, "wt"), 0);
	T_ASSERT(f);
	T_EQ(fprintf_s(f, "%s %d", "x", 1), 3);
	fclose(f);
	/* A Windows path: '\' separates. */
	snprintf(win, sizeof win, "%s\\f.txt", dir);
	T_EQ(fopen_s(&f, win, "rb"), 0);
	char line[16] = "";
	T_ASSERT(fgets(line, sizeof line, f));
	T_ASSERT(!strcmp(line, "x 1"));
	fclose(f);
	T_EQ(_wfopen_s(&f, L"/nonexistent-dir/x", L"r"), ENOENT);
	wchar_t wpath[128];
	mbstowcs(wpath, path, 128);
	T_EQ(_wfopen_s(&f, wpath, L"r, ccs=UTF-8"), 0);
	fclose(f);
	T_ASSERT((f = _wfopen(wpath, L"a+")) != NULL);
	fclose(f);
	CALLS(0);
	/* Bad modes and pointers go through the handler. */
	T_EQ(fopen_s(&f, path, "q"), EINVAL);
	T_ASSERT(f == NULL);
	CALLS(1);
	T_EQ(fopen_s(&f, path, "rbt"), EINVAL);
	CALLS(1);
	T_EQ(fopen_s(NULL, path, "r"), EINVAL);
	CALLS(1);
	T_EQ(fopen_s(&f, NULL, "r"), EINVAL);
	CALLS(1);
	/* An empty name fails without the handler. */
	T_EQ(fopen_s(&f, "", "r"), EINVAL);
	CALLS(0);
	/* D: the file goes away with the stream. */
	snprintf(path, sizeof path, "%s/tmp.txt", dir);
	T_EQ(fopen_s(&f, path, "w+D"), 0);
	T_EQ(access(path, F_OK), -1);
	T_EQ(fputs("ok", f) >= 0, 1);
	fclose(f);
	snprintf(path, sizeof path, "%s/f.txt", dir);
	unlink(path);
	T_OK(rmdir(dir));
	_set_invalid_parameter_handler(NULL);
}

/* What _wperror(msg) writes to stderr, with errno e; errno must be left
 * as it was. */
static void wperror_output(const wchar_t *msg, int e, char *out, size_t cap)
{
	int p[2];
	T_ASSERT(pipe(p) == 0);
	fflush(stderr);
	int saved = dup(2);
	T_ASSERT(saved >= 0 && dup2(p[1], 2) == 2);
	close(p[1]);
	errno = e;
	_wperror(msg);
	T_EQ(errno, e);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ssize_t n = read(p[0], out, cap - 1);
	close(p[0]);
	out[n > 0 ? n : 0] = 0;
}

static void wide_perror(void)
{
	char out[256];
	/* The message as UTF-8, a colon, errno's text, a line break. */
	wperror_output(L"caf\u00e9", ENOENT, out, sizeof out);
	T_ASSERT(!strcmp(out, "caf\xc3\xa9: No such file or directory\n"));
	/* No message, or an empty one: the text alone. */
	wperror_output(NULL, EACCES, out, sizeof out);
	T_ASSERT(!strcmp(out, "Permission denied\n"));
	wperror_output(L"", EACCES, out, sizeof out);
	T_ASSERT(!strcmp(out, "Permission denied\n"));
}

static void times(void)
{
	with_handler();
	__time64_t now = _time64(NULL), t2 = 0;
	T_ASSERT(now > 1500000000);
	T_ASSERT(_time64(&t2) >= now && t2 >= now);
	struct tm tm;
	time_t zero = 0;
	T_EQ(gmtime_s(&tm, &zero), 0);
	T_EQ(tm.tm_year, 70);
	T_EQ(tm.tm_mday, 1);
	char b[32];
	wchar_t w[32];
	T_EQ(asctime_s(b, sizeof b, &tm), 0);
	T_ASSERT(!strcmp(b, "Thu Jan 01 00:00:00 1970\n")); /* "01", not " 1" */
	T_EQ(_wasctime_s(w, 26, &tm), 0);
	T_ASSERT(!wcscmp(w, L"Thu Jan 01 00:00:00 1970\n"));
	T_EQ(asctime_s(b, 25, &tm), EINVAL);
	T_EQ(b[0], 0);
	CALLS(1);
	tm.tm_mon = 12;
	T_EQ(asctime_s(b, sizeof b, &tm), EINVAL);
	CALLS(1);
	T_EQ(localtime_s(&tm, NULL), EINVAL);
	T_EQ(tm.tm_year, -1);
	T_EQ(tm.tm_mday, -1);
	CALLS(1);
	time_t neg = -1;
	T_EQ(localtime_s(&tm, &neg), EINVAL);
	T_EQ(tm.tm_hour, -1);
	CALLS(0); /* a time out of range does not call the handler */
	T_EQ(_localtime64_s(NULL, &now), EINVAL);
	CALLS(1);
	T_EQ(_localtime64_s(&tm, &now), 0);
	T_EQ(ctime_s(b, sizeof b, &zero), 0);
	T_EQ(strlen(b), 25);
	T_EQ(b[24], '\n');
	T_EQ(_ctime64_s(b, sizeof b, &now), 0);
	T_EQ(_wctime_s(w, 32, &zero), 0);
	T_EQ(wcslen(w), 25);
	T_EQ(ctime_s(b, 10, &zero), EINVAL);
	CALLS(1);
	T_EQ(ctime_s(b, sizeof b, &neg), EINVAL);
	T_EQ(b[0], 0);
	CALLS(0);
	_set_invalid_parameter_handler(NULL);
}

int main(void)
{
	t_setup();
	t_run("no handler: a bad parameter ends the process", default_handler_ends_process, 30);
	t_run("strcpy_s, strcat_s, strncpy_s, strncat_s (and wcs)", string_copies, 20);
	t_run("sprintf_s, _snprintf_s, _snprintf, _vsnprintf, _scprintf (and w)", formatting, 20);
	t_run("_itoa_s family, _wtoi family", numbers, 20);
	t_run("strtok_s, memcpy_s, memmove_s, _stricmp, _strdup, _countof",
	      tokens_memory_compare, 20);
	t_run("fopen_s, _wfopen_s, _wfopen", files, 20);
	t_run("_wperror", wide_perror, 20);
	t_run("_time64, localtime_s, gmtime_s, asctime_s, ctime_s", times, 20);
	return t_finish();
}
