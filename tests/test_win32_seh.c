/* SPDX-License-Identifier: MIT */
/*
 * Win32 structured exceptions: __try/__except/__finally over faults in
 * views (EXCEPTION_IN_PAGE_ERROR for a file cut short by another process,
 * EXCEPTION_ACCESS_VIOLATION for a write to a read-only view or a NULL
 * pointer), filters (nested, functions, the three values), control flow
 * out of __try blocks, __finally and __leave, threads, and programs whose
 * faults no filter takes.
 */
#include <fcntl.h>
#include <sys/mman.h>

#include "harness.h"
#include <shmap/guard.h>
#include <windows.h>

static char g_file[512];
/* An address in the never-mapped first page, as a NULL struct's member. */
static volatile int *volatile g_bad = (volatile int *)(uintptr_t)8;
static long g_page;

/* A file of n bytes of 'x', mapped whole by a view of access. */
static char *file_view(size_t n, DWORD protect, DWORD access, HANDLE *hf,
                       HANDLE *hm)
{
	snprintf(g_file, sizeof g_file, "%s/seh-file", t_dir);
	*hf = CreateFileA(g_file, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	                  CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	T_ASSERT(*hf != INVALID_HANDLE_VALUE);
	char buf[4096];
	memset(buf, 'x', sizeof buf);
	for (size_t done = 0; done < n; done += sizeof buf) {
		DWORD w;
		T_ASSERT(WriteFile(*hf, buf, sizeof buf, &w, NULL));
	}
	*hm = CreateFileMappingA(*hf, NULL, protect, 0, 0, NULL);
	T_ASSERT(*hm != NULL);
	char *v = (char *)MapViewOfFile(*hm, access, 0, 0, 0);
	T_ASSERT(v != NULL);
	return v;
}

static void file_view_close(char *v, HANDLE hf, HANDLE hm)
{
	T_ASSERT(UnmapViewOfFile(v));
	T_ASSERT(CloseHandle(hm));
	T_ASSERT(CloseHandle(hf));
	DeleteFileA(g_file);
}

/* Another process cuts the file to nothing. */
static void cut_by_other_process(void)
{
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		int fd = open(g_file, O_RDWR);
		_exit(fd >= 0 && ftruncate(fd, 0) == 0 ? 0 : 1);
	}
	T_EQ(t_exit_code(t_wait(pid, 10)), 0);
}

/* Microsoft's pattern, as its page on reading and writing a file view
 * writes it. */
static void in_page_error(void)
{
	HANDLE hf, hm;
	volatile char *view = file_view(2 * g_page, PAGE_READWRITE,
	                                FILE_MAP_READ | FILE_MAP_WRITE, &hf, &hm);
	char value = 0;
	__try {
		value = view[g_page];
	} __except (GetExceptionCode() == EXCEPTION_IN_PAGE_ERROR
	                    ? EXCEPTION_EXECUTE_HANDLER
	                    : EXCEPTION_CONTINUE_SEARCH) {
		T_FAIL("the view could be read");
	}
	T_EQ(value, 'x');
	cut_by_other_process();
	volatile int failed = 0;
	volatile DWORD in_filter = 0, in_handler = 0;
	volatile ULONG_PTR info[3] = {9, 9, 9};
	volatile DWORD nparams = 0;
	__try {
		value = view[g_page + 10];
	} __except (GetExceptionCode() == EXCEPTION_IN_PAGE_ERROR
	                    ? (in_filter = GetExceptionCode(),
	                       nparams = GetExceptionInformation()
	                                         ->ExceptionRecord->NumberParameters,
	                       info[0] = GetExceptionInformation()
	                                         ->ExceptionRecord->ExceptionInformation[0],
	                       info[1] = GetExceptionInformation()
	                                         ->ExceptionRecord->ExceptionInformation[1],
	                       info[2] = GetExceptionInformation()
	                                         ->ExceptionRecord->ExceptionInformation[2],
	                       EXCEPTION_EXECUTE_HANDLER)
	                    : EXCEPTION_CONTINUE_SEARCH) {
		failed = 1;
		in_handler = GetExceptionCode();
	}
	T_EQ(failed, 1);
	T_EQ(in_filter, 0xC0000006u);
	T_EQ(in_handler, EXCEPTION_IN_PAGE_ERROR);
	T_EQ(nparams, 3);
	T_EQ(info[0], 0); /* a read */
	T_EQ(info[1], (ULONG_PTR)(view + g_page + 10));
	T_EQ(info[2], STATUS_END_OF_FILE);
	/* A write too. */
	failed = 0;
	__try {
		view[5] = 'y';
	} __except (GetExceptionInformation()->ExceptionRecord->ExceptionInformation[0] == 1
	                    ? EXCEPTION_EXECUTE_HANDLER
	                    : EXCEPTION_CONTINUE_SEARCH) {
		failed = 1;
	}
	T_EQ(failed, 1);
	file_view_close((char *)view, hf, hm);
}

static void access_violation(void)
{
	HANDLE hf, hm;
	volatile char *view = file_view(g_page, PAGE_READONLY, FILE_MAP_READ,
	                                &hf, &hm);
	volatile int caught = 0;
	volatile ULONG_PTR rw = 9, addr = 0;
	volatile PVOID pc = NULL;
	__try {
		view[3] = 'y';
	} __except (rw = GetExceptionInformation()->ExceptionRecord->ExceptionInformation[0],
	            addr = GetExceptionInformation()->ExceptionRecord->ExceptionInformation[1],
	            pc = GetExceptionInformation()->ExceptionRecord->ExceptionAddress,
	            GetExceptionCode() == EXCEPTION_ACCESS_VIOLATION) {
		caught = 1;
		T_EQ(GetExceptionCode(), 0xC0000005u);
	}
	T_EQ(caught, 1);
	T_EQ(rw, 1);
	T_EQ(addr, (ULONG_PTR)(view + 3));
	T_ASSERT(pc != NULL);
	T_EQ(view[3], 'x');
	/* A read through a NULL-based pointer (a member of a NULL struct:
	 * UBSan would stop at NULL itself). */
	volatile int *volatile np = g_bad;
	caught = 0;
	__try {
		caught = *np;
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		caught = 2;
		T_EQ(GetExceptionCode(), EXCEPTION_ACCESS_VIOLATION);
	}
	T_EQ(caught, 2);
	T_ASSERT(GetExceptionInformation() == NULL);
	file_view_close((char *)view, hf, hm);
}

static volatile int g_trace[16];
static volatile int g_ntrace;
static void trace(int x)
{
	g_trace[g_ntrace++] = x;
}

static void fault_null(void)
{
	*g_bad = 1;
}

static LONG filter_fn(DWORD code, EXCEPTION_POINTERS *ep, LONG answer)
{
	trace(answer == EXCEPTION_CONTINUE_SEARCH ? 10 : 11);
	T_EQ(code, ep->ExceptionRecord->ExceptionCode);
	return answer;
}

/* The inner __try is in another function; its filter searches on. */
static void inner_search(void)
{
	__try {
		__try {
			fault_null();
			trace(99);
		} __finally {
			trace(AbnormalTermination() ? 20 : 21);
		}
	} __except (filter_fn(GetExceptionCode(), GetExceptionInformation(),
	                      EXCEPTION_CONTINUE_SEARCH)) {
		trace(98);
	}
}

/* Filters innermost first and before any __finally block; then the
 * __finally blocks, then the handler. */
static void nested(void)
{
	g_ntrace = 0;
	__try {
		inner_search();
		trace(97);
	} __except (filter_fn(GetExceptionCode(), GetExceptionInformation(),
	                      EXCEPTION_EXECUTE_HANDLER)) {
		trace(30);
	}
	int want[] = {10, 11, 20, 30};
	T_EQ(g_ntrace, 4);
	for (int i = 0; i < 4; i++)
		T_EQ(g_trace[i], want[i]);
	/* Nested in one function, with a comma filter. */
	volatile int n = 0;
	__try {
		__try {
			fault_null();
		} __except (n++, EXCEPTION_CONTINUE_SEARCH) {
			T_FAIL("inner handler ran");
		}
	} __except (n += 10, EXCEPTION_EXECUTE_HANDLER) {
		n += 100;
	}
	T_EQ(n, 111);
	/* An exception inside a handler goes to the enclosing __try. */
	n = 0;
	__try {
		__try {
			fault_null();
		} __except (EXCEPTION_EXECUTE_HANDLER) {
			n = 1;
			fault_null();
			n = 2;
		}
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		n += 10;
	}
	T_EQ(n, 11);
}

/* EXCEPTION_CONTINUE_EXECUTION after the filter fixed the cause: the
 * faulting instruction runs again and succeeds. */
static LONG make_writable(volatile char *page)
{
	T_OK(mprotect((void *)page, (size_t)g_page, PROT_READ | PROT_WRITE));
	return EXCEPTION_CONTINUE_EXECUTION;
}

static void continue_execution(void)
{
	volatile char *page = mmap(NULL, (size_t)g_page, PROT_READ,
	                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_ASSERT(page != MAP_FAILED);
	volatile int filters = 0, after = 0;
	__try {
		page[7] = 42;
		after = 1;
	} __except (filters++, make_writable(page)) {
		T_FAIL("handler ran");
	}
	T_EQ(filters, 1);
	T_EQ(after, 1);
	T_EQ(page[7], 42);
	munmap((void *)page, (size_t)g_page);
}

static int ret_from_try(int x)
{
	__try {
		if (x)
			return 5;
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		return -1;
	}
	return 6;
}

/* return, break, continue and goto out of a __try block do what they do
 * on Windows, and leave no frame behind to catch later faults. */
static void control_flow(void)
{
	T_EQ(ret_from_try(1), 5);
	T_EQ(ret_from_try(0), 6);
	int runs = 0, i;
	for (i = 0; i < 10; i++) {
		__try {
			if (i == 2)
				continue;
			if (i == 5)
				break;
			runs++;
		} __except (EXCEPTION_EXECUTE_HANDLER) {
			T_FAIL("handler ran");
		}
	}
	T_EQ(i, 5);
	T_EQ(runs, 4);
	switch (runs) {
	case 4:
		__try {
			break;
		} __except (EXCEPTION_EXECUTE_HANDLER) {
		}
		T_FAIL("break did not leave the switch");
	default:
		T_FAIL("switch");
	}
	__try {
		goto out;
	} __except (EXCEPTION_EXECUTE_HANDLER) {
	}
	T_FAIL("goto did not leave");
out:;
	/* A fault now goes to this handler, not to a frame left above. */
	volatile int where = 0;
	__try {
		fault_null();
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		where = 1;
	}
	T_EQ(where, 1);
	/* A handler may leave too. */
	for (i = 0; i < 3; i++) {
		__try {
			fault_null();
		} __except (EXCEPTION_EXECUTE_HANDLER) {
			if (i == 1)
				break;
			continue;
		}
	}
	T_EQ(i, 1);
}

static void finally_blocks(void)
{
	volatile int fin = 0, abn = -1;
	__try {
		fin = 1;
	} __finally {
		fin++;
		abn = AbnormalTermination();
	}
	T_EQ(fin, 2);
	T_EQ(abn, 0);
	/* __leave ends the __try block normally. */
	fin = 0;
	__try {
		__leave;
		fin = 100;
	} __finally {
		abn = AbnormalTermination();
		fin++;
	}
	T_EQ(fin, 1);
	T_EQ(abn, 0);
	fin = 0;
	__try {
		__try {
			__leave;
		} __except (EXCEPTION_EXECUTE_HANDLER) {
		}
		fin = 1; /* __leave left only the inner block */
	} __finally {
	}
	T_EQ(fin, 1);
	/* An exception unwinding through two of them. */
	g_ntrace = 0;
	__try {
		__try {
			__try {
				fault_null();
			} __finally {
				trace(AbnormalTermination() ? 1 : 2);
			}
		} __finally {
			trace(AbnormalTermination() ? 3 : 4);
		}
	} __except (trace(5), EXCEPTION_EXECUTE_HANDLER) {
		trace(6);
	}
	int want[] = {5, 1, 3, 6};
	T_EQ(g_ntrace, 4);
	for (int i = 0; i < 4; i++)
		T_EQ(g_trace[i], want[i]);
	/* Leaving a __finally block by return ends it normally. */
}

/* A return out of the __try block of a __finally: the block cannot run,
 * and the process ends saying so rather than skip it. */
static int ret_from_finally(void)
{
	__try {
		return 1;
	} __finally {
		_exit(3); /* what Windows would do */
	}
	return 0;
}

static void finally_jump_ends(void)
{
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 2);
		ret_from_finally();
		_exit(0);
	}
	int st = t_wait(pid, 10);
	T_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
}

/* Runs fn in a child; returns its wait status. */
static int in_child(void (*fn)(void))
{
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	return t_wait(pid, 10);
}

static int g_pipe[2];

static void unhandled_segv(void)
{
	signal(SIGSEGV, SIG_DFL); /* a sanitizer's handler aside */
	__try {
		__try {
			fault_null();
		} __finally {
			/* Never runs: no filter takes the fault. */
			if (write(g_pipe[1], "f", 1) < 0)
				_exit(2);
		}
	} __except (EXCEPTION_CONTINUE_SEARCH) {
		_exit(3);
	}
}

static void unhandled_bus(void)
{
	signal(SIGBUS, SIG_DFL); /* a sanitizer's handler aside */
	HANDLE hf, hm;
	volatile char *view = file_view(2 * g_page, PAGE_READWRITE,
	                                FILE_MAP_READ, &hf, &hm);
	cut_by_other_process();
	signal(SIGSEGV, SIG_DFL);
	__try {
		(void)view[g_page];
	} __except (GetExceptionCode() == EXCEPTION_ACCESS_VIOLATION) {
		_exit(3);
	}
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	_exit(si->si_addr == (void *)8 ? 42 : 43);
}

static void chained(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	__try {
		fault_null();
	} __except (EXCEPTION_CONTINUE_SEARCH) {
		_exit(3);
	}
}

static void fault_outside(void)
{
	signal(SIGSEGV, SIG_DFL);
	__try {
	} __except (EXCEPTION_EXECUTE_HANDLER) {
	}
	fault_null();
}

/* Faults no filter takes end the process as they would without __try,
 * with no __finally block run; the handler installed before comes first. */
static void unhandled(void)
{
	T_OK(pipe(g_pipe));
	int st = in_child(unhandled_segv);
	T_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	close(g_pipe[1]);
	char c;
	T_EQ(read(g_pipe[0], &c, 1), 0);
	close(g_pipe[0]);
	st = in_child(unhandled_bus);
	T_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS);
	snprintf(g_file, sizeof g_file, "%s/seh-file", t_dir);
	unlink(g_file);
	T_EQ(t_exit_code(in_child(chained)), 42);
	st = in_child(fault_outside);
	T_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

/* A program that never uses __try keeps its SIGSEGV action. */
static void untouched_child(void)
{
	struct sigaction before, sa;
	sigaction(SIGSEGV, NULL, &before);
	HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL,
	                              PAGE_READWRITE, 0, 4096, NULL);
	char *v = (char *)MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	sigaction(SIGSEGV, NULL, &sa);
	if (!v || sa.sa_handler != before.sa_handler)
		_exit(5);
	signal(SIGSEGV, SIG_DFL);
	fault_null();
}

static void untouched(void)
{
	int st = in_child(untouched_child);
	T_ASSERT(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

static volatile LONG g_caught;

static DWORD WINAPI thread_faults(LPVOID arg)
{
	volatile char *page = (volatile char *)arg;
	for (int i = 0; i < 200; i++) {
		volatile int got = 0;
		__try {
			page[i] = 1;
		} __except (GetExceptionInformation()->ExceptionRecord->ExceptionInformation[1] ==
		                    (ULONG_PTR)(page + i)
		            ? EXCEPTION_EXECUTE_HANDLER
		            : EXCEPTION_CONTINUE_SEARCH) {
			got = 1;
		}
		if (got)
			InterlockedIncrement(&g_caught);
	}
	return 0;
}

/* Threads of CreateThread and the main thread, faulting at once. */
static void threads(void)
{
	volatile char *page = mmap(NULL, (size_t)g_page, PROT_READ,
	                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_ASSERT(page != MAP_FAILED);
	HANDLE h[4];
	for (int i = 0; i < 4; i++) {
		h[i] = CreateThread(NULL, 0, thread_faults, (LPVOID)page, 0, NULL);
		T_ASSERT(h[i] != NULL);
	}
	thread_faults((LPVOID)page);
	T_EQ(WaitForMultipleObjects(4, h, TRUE, 20000), WAIT_OBJECT_0);
	for (int i = 0; i < 4; i++)
		CloseHandle(h[i]);
	T_EQ(g_caught, 5 * 200);
	munmap((void *)page, (size_t)g_page);
}

/* Two pages of a one-page file: the second raises SIGBUS. */
static volatile char *past_end(void)
{
	snprintf(g_file, sizeof g_file, "%s/seh-short", t_dir);
	int fd = open(g_file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	T_ASSERT(fd >= 0);
	T_OK(ftruncate(fd, g_page));
	void *v = mmap(NULL, 2 * (size_t)g_page, PROT_READ, MAP_SHARED, fd, 0);
	T_ASSERT(v != MAP_FAILED);
	close(fd);
	unlink(g_file);
	return (volatile char *)v + g_page;
}

/* shmap_guard scopes and __try blocks nest as written, whatever the places
 * of their variables in the frame; a guard scope that takes a fault leaves
 * the __try blocks inside it, their __finally blocks run first. */
static void guard_scopes(void)
{
	volatile char *bad = past_end();
	volatile int by = 0, fin = -1;
	shmap_guard g;
	SHMAP_GUARDED(&g)
	{
		__try {
			(void)*bad;
		} __except (EXCEPTION_EXECUTE_HANDLER) {
			by = 1;
		}
	}
	T_EQ(shmap_guard_end(&g), 0);
	T_EQ(by, 1);
	by = 0;
	__try {
		shmap_guard g2;
		SHMAP_GUARDED(&g2)
		{
			(void)*bad;
		}
		by = shmap_guard_end(&g2) == SHMAP_EINPAGE ? 2 : 3;
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		by = 1;
	}
	T_EQ(by, 2);
	SHMAP_GUARDED(&g)
	{
		__try {
			__try {
				(void)*bad;
			} __except (EXCEPTION_CONTINUE_SEARCH) {
			}
		} __finally {
			fin = AbnormalTermination();
		}
	}
	T_EQ(shmap_guard_end(&g), SHMAP_EINPAGE);
	T_EQ(fin, 1);
	/* No frame of those is left behind. */
	for (int i = 0; i < 3; i++) {
		by = 0;
		__try {
			fault_null();
		} __except (EXCEPTION_EXECUTE_HANDLER) {
			by = 1;
		}
		T_EQ(by, 1);
		SHMAP_GUARDED(&g)
		{
			(void)*bad;
		}
		T_EQ(shmap_guard_end(&g), SHMAP_EINPAGE);
	}
	munmap((void *)(bad - g_page), 2 * (size_t)g_page);
}

static void on_overflow(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	_exit(42);
}

static volatile int g_depth;
static int recurse(int n)
{
	volatile char buf[512];
	buf[0] = (char)n;
	if (++g_depth < 0) /* never: only the stack ends it */
		return 0;
	return recurse(n + 1) + buf[0];
}

static LONG fault_in_filter(void)
{
	volatile int n = 0;
	__try {
		fault_null();
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		n = 1;
	}
	return n ? EXCEPTION_EXECUTE_HANDLER : EXCEPTION_CONTINUE_SEARCH;
}

/* The program catches stack overflows on an alternate stack: __try works
 * as ever, and an overflow still reaches its handler. */
static void altstack_child(void)
{
	stack_t ss = {.ss_sp = malloc(1 << 16), .ss_size = 1 << 16};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_overflow;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	if (!ss.ss_sp || sigaltstack(&ss, NULL) || sigaction(SIGSEGV, &sa, NULL))
		_exit(5);
	volatile int n = 0, fin = 0;
	for (int i = 0; i < 3; i++) {
		__try {
			__try {
				fault_null();
			} __finally {
				fin++;
			}
		} __except (fault_in_filter()) {
			n++;
		}
	}
	volatile char *page = mmap(NULL, (size_t)g_page, PROT_READ,
	                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__try {
		page[1] = 7;
	} __except (make_writable(page)) {
	}
	stack_t now;
	if (n != 3 || fin != 3 || page[1] != 7 || sigaltstack(NULL, &now) ||
	    now.ss_sp != ss.ss_sp || now.ss_size != ss.ss_size)
		_exit(6);
	__try {
		recurse(0);
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		_exit(7);
	}
}

static void altstack(void)
{
	T_EQ(t_exit_code(in_child(altstack_child)), 42);
}

int main(void)
{
	t_setup();
	g_page = sysconf(_SC_PAGESIZE);
	t_run("EXCEPTION_IN_PAGE_ERROR: a file cut short by another process",
	      in_page_error, 20);
	t_run("EXCEPTION_ACCESS_VIOLATION: read-only view, NULL", access_violation,
	      20);
	t_run("nested filters, filter functions, order of the passes", nested,
	      20);
	t_run("EXCEPTION_CONTINUE_EXECUTION resumes the fixed access",
	      continue_execution, 20);
	t_run("return, break, continue, goto out of __try", control_flow, 20);
	t_run("__finally and __leave", finally_blocks, 20);
	t_run("a jump out of a __try with __finally ends the process",
	      finally_jump_ends, 20);
	t_run("faults no filter takes end the process as without __try",
	      unhandled, 30);
	t_run("a program without __try keeps SIGSEGV's default", untouched, 20);
	t_run("threads", threads, 30);
	t_run("shmap_guard scopes and __try", guard_scopes, 20);
	t_run("a SIGSEGV handler on the alternate stack", altstack, 20);
	return t_finish();
}
