/* SPDX-License-Identifier: MIT */
/*
 * Structured exceptions: the dispatcher behind <excpt.h>'s __try.
 *
 * Every __try opens a frame on its thread's list. A fault (SIGBUS,
 * SIGSEGV) comes to dispatch() through guard.c's handlers, on the stack of
 * the faulting code. Windows evaluates the filters there, before anything
 * is unwound; a filter here is code in its own function, reached by
 * longjmp, and running it overwrites the stack below that function. So
 * the dispatcher first copies that part of the stack (from its own frame up
 * to the frame's function) aside, jumps to the filter, and once the filter
 * has a value copies the stack back and returns into itself by longjmp:
 * the faulting code is then intact, to be resumed (a negative value),
 * passed on to an outer filter (zero) or, if no filter takes it, passed to
 * the handler installed before shmap's, exactly as without __try. A
 * positive value unwinds: the __finally blocks in between run, innermost
 * first, then the handler.
 */
#include <alloca.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "w32.h"

/* gcc says __SANITIZE_ADDRESS__, clang __has_feature(address_sanitizer). */
#if defined(__SANITIZE_ADDRESS__)
#define SHMAP_SEH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SHMAP_SEH_ASAN 1
#endif
#endif

#ifdef SHMAP_SEH_ASAN
#include <sanitizer/asan_interface.h>
/* Memory mapped where a stack was keeps that stack's poisoned shadow. */
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define UNPOISON(p, n) ((void)0)
#endif

/*
 * A dispatch moved off the alternate signal stack (see dispatch): while it
 * runs on the faulting stack, a fresh alternate stack stands in, so that a
 * signal then does not overwrite the handler's frames on the old one.
 */
struct alt {
	stack_t orig;    /* the thread's alternate stack at the fault */
	void *map;       /* the fresh one */
	size_t len;
	int done;        /* orig is back */
	shmap_guard *limit;
	int sig, result;
	siginfo_t *si;
	void *uc;
	ucontext_t back; /* the handler, on the old alternate stack */
};

/* One exception being dispatched, with the stack it saved. */
struct disp {
	struct disp *prev; /* the dispatch whose filter this one arose in */
	EXCEPTION_RECORD rec;
	EXCEPTION_POINTERS ptrs;
	ucontext_t ctx;
	jmp_buf resume;
	shmap_seh_frame *top;  /* the thread's frames at the fault */
	shmap_seh_frame *eval; /* the frame whose filter runs */
	long value;            /* its filter's value */
	int direct;            /* no __finally frame between top and eval */
	struct alt *alt;       /* it runs off the alternate stack */
	char *lo, *hi;         /* the stack saved in save[] */
	size_t map_len, cap;
	char save[];
};

struct seh_thread {
	shmap_seh_frame *top;      /* innermost open frame */
	struct disp *disp;         /* innermost dispatch */
	DWORD code;                /* the exception handled last */
	DWORD unwind_code;         /* the one being unwound */
	shmap_seh_frame *fin_next; /* a __finally frame unwound: go on to */
	struct alt *alt;           /* a dispatch moved off the alternate stack */
	shmap_guard *guard;        /* unwinding to a guard scope: it */
	void *guard_addr;          /* and the address that faulted */
};

/* initial-exec: the signal handler must reach it without the loader. */
static __thread struct seh_thread t __attribute__((tls_model("initial-exec")));

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* The most stack one dispatch copies aside. */
#define SAVE_MAX ((size_t)256 << 20)

/* unwind_to's target when a guard scope takes the fault (t.guard). */
static shmap_seh_frame g_to_guard;

static int dispatch(int sig, siginfo_t *si, void *uc, shmap_guard *limit);

static void install(void)
{
	(void)shmap__fault_hook_set(dispatch);
}

void shmap__seh_enter(shmap_seh_frame *f, int kind)
{
	pthread_once(&g_once, install);
	/* The caller's stack pointer at this call: its frame lies above. */
	f->sp = (char *)__builtin_dwarf_cfa();
	f->kind = kind;
	f->target = NULL;
	f->guard = shmap__guard_top();
	f->state = SHMAP__SEH_BODY;
	f->prev = t.top;
	t.top = f;
}

int shmap__seh_leave(shmap_seh_frame *f)
{
	int st = f->state;
	t.top = f->prev;
	f->state = SHMAP__SEH_DONE;
	if (f->kind == SHMAP__SEH_EXCEPT) {
		if (st != SHMAP__SEH_HANDLER)
			return 1;
		t.code = t.unwind_code;
		return 0;
	}
	t.fin_next = st == SHMAP__SEH_UNWIND ? f->target : NULL;
	return 0;
}

static void die(const char *msg)
{
	ssize_t n = write(2, msg, strlen(msg));
	(void)n;
	abort();
}

void shmap__seh_cleanup(shmap_seh_frame *f)
{
	if (f->state == SHMAP__SEH_DONE)
		return;
	if (f->kind == SHMAP__SEH_EXCEPT) {
		t.top = f->prev;
		f->state = SHMAP__SEH_DONE;
		return;
	}
	/* The Win32 layer ends the process here, as Windows ends one whose
	 * program it cannot run on: skipping the block would be silent. */
	die("shmap: return, break, continue, goto or a C++ exception left a "
	    "__try block that has a __finally block; the __finally block "
	    "cannot run then (see <excpt.h>)\n");
}

/* Unwinds to target: the next __finally frame on the way runs its block
 * (which comes back here through shmap__seh_fin_end), then target's
 * handler runs; for g_to_guard, the frames opened inside the guard scope
 * t.guard unwind, then the scope ends by the fault. */
static __attribute__((noreturn)) void unwind_to(shmap_seh_frame *target)
{
	shmap_seh_frame *f;
	for (f = t.top; f && f != target; f = f->prev) {
		if (target == &g_to_guard && f->guard != t.guard)
			break;
		if (f->kind != SHMAP__SEH_FINALLY)
			continue;
		t.top = f;
		f->target = target;
		f->state = SHMAP__SEH_UNWIND;
		longjmp(f->env, 1);
	}
	if (target == &g_to_guard) {
		t.top = f;
		shmap__guard_fault(t.guard, t.guard_addr, NULL);
	}
	t.top = target;
	target->state = SHMAP__SEH_HANDLER;
	longjmp(target->env, 1);
}

shmap_seh_fin shmap__seh_fin_begin(void)
{
	shmap_seh_fin s;
	s.target = t.fin_next;
	s.abnormal = s.target != NULL;
	s.run = 1;
	t.fin_next = NULL;
	return s;
}

void shmap__seh_fin_end(shmap_seh_fin *s)
{
	if (s->target)
		unwind_to(s->target);
}

/* Whether target encloses f: it is on f's list of outer frames. */
static int encloses(const shmap_seh_frame *target, const shmap_seh_frame *f)
{
	for (f = f ? f->prev : NULL; f; f = f->prev)
		if (f == target)
			return 1;
	return 0;
}

/* Puts a's alternate stack back, once (not while running on it). */
static void alt_end(struct alt *a)
{
	if (!a || a->done)
		return;
	a->done = 1;
	sigaltstack(&a->orig, NULL);
	UNPOISON(a->map, a->len);
	munmap(a->map, a->len);
}

/* Frees d and every dispatch it abandons by unwinding to target (those
 * whose filter ran in a frame target encloses). */
static void disp_end(struct disp *d, const shmap_seh_frame *target)
{
	t.disp = d->prev;
	alt_end(d->alt);
	munmap(d, d->map_len);
	while (target && t.disp && encloses(target, t.disp->eval)) {
		d = t.disp;
		t.disp = d->prev;
		alt_end(d->alt);
		munmap(d, d->map_len);
	}
}

/*
 * The stack copies. Plain word loops the compiler cannot turn into memcpy:
 * the range holds AddressSanitizer's poisoned red zones of live frames.
 */
__attribute__((no_sanitize_address)) static void
copy_words(volatile unsigned long *dst, const volatile unsigned long *src,
           size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}

/* Saves the stack from below the caller's frame up to hi. */
__attribute__((noinline)) static int save(struct disp *d, char *hi)
{
	uintptr_t lo = (uintptr_t)__builtin_frame_address(0);
	lo &= ~(uintptr_t)15;
	if ((uintptr_t)hi <= lo || (uintptr_t)hi - lo > d->cap ||
	    ((uintptr_t)hi & 7))
		return -1;
	d->lo = (char *)lo;
	d->hi = hi;
	copy_words((volatile unsigned long *)d->save,
	           (const volatile unsigned long *)lo, (d->hi - d->lo) / 8);
	return 0;
}

/* Copies the saved stack back and returns into the dispatcher. Runs on a
 * frame below the saved range (see restore). */
__attribute__((noinline, noreturn)) static void copy_back(struct disp *d)
{
	copy_words((volatile unsigned long *)d->lo,
	           (const volatile unsigned long *)d->save, (d->hi - d->lo) / 8);
	longjmp(d->resume, 1);
}

__attribute__((noinline, noreturn)) static void restore(struct disp *d)
{
	char *here = (char *)__builtin_frame_address(0);
	size_t need = here > d->lo ? (size_t)(here - d->lo) + 1024 : 16;
	char *p = alloca(need);
	/* Keep the allocation: copy_back's frame must lie below it. */
	__asm__ volatile("" : : "r"(p) : "memory");
	copy_back(d);
}

int shmap__seh_filtered(shmap_seh_frame *f, long value)
{
	struct disp *d = t.disp;
	if (!d || d->eval != f)
		return 0;
	if (value > 0 && d->direct) {
		/* No __finally frame between the fault and f: the handler
		 * runs here, and the saved stack is not needed. (The frames
		 * below f are not to be read now: the filter ran over them.) */
		t.unwind_code = d->rec.ExceptionCode;
		disp_end(d, f);
		t.top = f;
		f->state = SHMAP__SEH_HANDLER;
		return 1;
	}
	d->value = value;
	restore(d);
}

DWORD _exception_code(void)
{
	if (t.disp && t.disp->eval)
		return t.disp->rec.ExceptionCode;
	return t.code;
}

void *_exception_info(void)
{
	return t.disp && t.disp->eval ? &t.disp->ptrs : NULL;
}

/* Fills d's record as Windows would for this fault. */
static void record(struct disp *d, int sig, const siginfo_t *si,
                   const ucontext_t *uc)
{
	EXCEPTION_RECORD *r = &d->rec;
	ULONG_PTR rw = 0;
	void *pc = NULL;
#if defined(__x86_64__)
	pc = (void *)uc->uc_mcontext.gregs[REG_RIP];
	/* The page-fault error code: bit 1 a write, bit 4 a fetch. */
	unsigned long err = (unsigned long)uc->uc_mcontext.gregs[REG_ERR];
	rw = (err & 16) ? 8 : (err & 2) ? 1 : 0;
#elif defined(__aarch64__)
	pc = (void *)uc->uc_mcontext.pc;
#elif defined(__i386__)
	pc = (void *)uc->uc_mcontext.gregs[REG_EIP];
	unsigned long err = (unsigned long)uc->uc_mcontext.gregs[REG_ERR];
	rw = (err & 16) ? 8 : (err & 2) ? 1 : 0;
#endif
	memset(r, 0, sizeof *r);
	r->ExceptionAddress = pc;
	r->ExceptionInformation[0] = rw;
	r->ExceptionInformation[1] = (ULONG_PTR)si->si_addr;
	if (sig == SIGBUS) {
		r->ExceptionCode = EXCEPTION_IN_PAGE_ERROR;
		r->NumberParameters = 3;
		/* The page lies past the end of the file (or could not be
		 * read, which Linux reports the same way). */
		r->ExceptionInformation[2] = si->si_code == BUS_ADRERR
		                                     ? STATUS_END_OF_FILE
		                                     : STATUS_DEVICE_DATA_ERROR;
	} else {
		r->ExceptionCode = EXCEPTION_ACCESS_VIOLATION;
		r->NumberParameters = 2;
	}
	memcpy(&d->ctx, uc, sizeof d->ctx);
	d->ptrs.ExceptionRecord = r;
	d->ptrs.ContextRecord = (PCONTEXT)(void *)&d->ctx;
}

/* Whether f is a frame this dispatch may enter: on this stack, above here,
 * opened inside the guard scope limit if there is one (frames opened
 * inside an inner scope still open would have that scope as limit). */
static int reachable(const shmap_seh_frame *f, const char *here,
                     const shmap_guard *limit)
{
	if (f->state != SHMAP__SEH_BODY || f->sp <= here ||
	    (size_t)(f->sp - here) > SAVE_MAX)
		return 0;
	return !limit || f->guard == limit;
}

/* No filter takes the fault: it goes on as if there were no __try. With a
 * guard scope limit, which is to take it, the frames opened inside the
 * scope are left: __finally blocks among them run first. */
static int pass_on(shmap_guard *limit, void *addr)
{
	if (!limit)
		return 0;
	shmap_seh_frame *f;
	for (f = t.top; f && f->guard == limit; f = f->prev)
		if (f->kind == SHMAP__SEH_FINALLY) {
			t.guard = limit;
			t.guard_addr = addr;
			unwind_to(&g_to_guard);
		}
	t.top = f;
	return 0;
}

static int dispatch_here(int sig, siginfo_t *si, void *uc, shmap_guard *limit)
{
	char *here = (char *)__builtin_frame_address(0);
	char *hi = NULL;
	for (shmap_seh_frame *f = t.top; f; f = f->prev)
		if (f->kind == SHMAP__SEH_EXCEPT && reachable(f, here, limit))
			hi = f->sp > hi ? f->sp : hi;
	if (!hi)
		return pass_on(limit, si->si_addr);
	int saved_errno = errno;
	size_t cap = (size_t)(hi - here) + 4096;
	size_t len = (sizeof(struct disp) + cap + 4095) & ~(size_t)4095;
	struct disp *d = mmap(NULL, len, PROT_READ | PROT_WRITE,
	                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (d == MAP_FAILED) {
		errno = saved_errno;
		return pass_on(limit, si->si_addr);
	}
	UNPOISON(d, len);
	d->map_len = len;
	d->cap = cap;
	d->prev = t.disp;
	d->top = t.top;
	d->eval = NULL;
	d->alt = t.alt;
	t.alt = NULL;
	record(d, sig, si, uc);
	t.disp = d;

	/* First pass: the filters, innermost first. */
	shmap_seh_frame *target = NULL;
	d->direct = 1;
	for (shmap_seh_frame *f = d->top; f; f = f->prev) {
		if (f->kind == SHMAP__SEH_FINALLY)
			d->direct = 0;
		if (f->kind != SHMAP__SEH_EXCEPT || !reachable(f, here, limit))
			continue;
		d->eval = f;
		d->value = 0;
		if (setjmp(d->resume) == 0) {
			if (save(d, f->sp) < 0)
				break;
			/* A fault in the filter is searched for from the
			 * frames around f on, as on Windows. */
			t.top = f->prev;
			f->state = SHMAP__SEH_FILTER;
			longjmp(f->env, 1);
		}
		/* Back, the stack as it was. */
		d = t.disp;
		f = d->eval;
		f->state = SHMAP__SEH_BODY;
		t.top = d->top;
		d->eval = NULL;
		if (d->value < 0) {
			disp_end(d, NULL);
			errno = saved_errno;
			return 1; /* EXCEPTION_CONTINUE_EXECUTION */
		}
		if (d->value > 0) {
			target = f;
			break;
		}
	}
	d = t.disp;
	d->eval = NULL;
	if (!target) {
		disp_end(d, NULL);
		errno = saved_errno;
		return pass_on(limit, si->si_addr);
	}
	/* Second pass: unwind to the handler. */
	t.unwind_code = d->rec.ExceptionCode;
	disp_end(d, target);
	errno = saved_errno;
	unwind_to(target);
}

/* The faulting code's stack pointer, less its red zone. */
static char *fault_sp(const ucontext_t *uc)
{
#if defined(__x86_64__)
	return (char *)uc->uc_mcontext.gregs[REG_RSP] - 128;
#elif defined(__aarch64__)
	return (char *)uc->uc_mcontext.sp;
#elif defined(__i386__)
	return (char *)uc->uc_mcontext.gregs[REG_ESP];
#else
	(void)uc;
	return NULL;
#endif
}

static int on_stack(const char *p, const stack_t *ss)
{
	return !(ss->ss_flags & SS_DISABLE) && p >= (const char *)ss->ss_sp &&
	       p < (const char *)ss->ss_sp + ss->ss_size;
}

/* Room a moved dispatch takes below the faulting code's frames. */
#define MOVED_STACK ((size_t)64 << 10)

/* Runs on the faulting stack (makecontext). */
static void moved(void)
{
	struct alt *a = t.alt;
	sigset_t mask;
	stack_t fresh = {.ss_sp = a->map, .ss_size = a->len, .ss_flags = 0};
	sigaltstack(&fresh, NULL);
	memcpy(&mask, &((ucontext_t *)a->uc)->uc_sigmask, sizeof mask);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	a->result = dispatch_here(a->sig, a->si, a->uc, a->limit);
	/* Back on the old alternate stack when this returns (uc_link). */
	sigfillset(&mask);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	t.alt = NULL;
	alt_end(a);
}

/*
 * The dispatcher runs on the faulting code's stack: filters run there, and
 * the stack it saves lies between them and it. When the handler runs on the
 * alternate signal stack (it was installed with SA_ONSTACK, for stack
 * overflows), the dispatch moves to the faulting stack, below its red zone,
 * and comes back to return. A fault on the stack just below the faulting
 * code is an overflow: no room to move to, so it goes on at once.
 */
static int dispatch(int sig, siginfo_t *si, void *uc, shmap_guard *limit)
{
	const ucontext_t *u = uc;
	char *here = (char *)__builtin_frame_address(0);
	char *sp = fault_sp(u);
	if (!on_stack(here, &u->uc_stack) || !sp || on_stack(sp, &u->uc_stack))
		return dispatch_here(sig, si, uc, limit);
	if (!t.top)
		return pass_on(limit, si->si_addr);
	char *addr = (char *)si->si_addr;
	if (addr < sp + 4096 && addr + 4 * MOVED_STACK >= sp)
		return 0;
	int saved_errno = errno;
	struct alt a;
	memset(&a, 0, sizeof a);
	a.orig = u->uc_stack;
	a.orig.ss_flags &= ~SS_ONSTACK;
	a.len = u->uc_stack.ss_size;
	a.map = mmap(NULL, a.len, PROT_READ | PROT_WRITE,
	             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ucontext_t there;
	if (a.map == MAP_FAILED || getcontext(&there) < 0) {
		if (a.map != MAP_FAILED)
			munmap(a.map, a.len);
		errno = saved_errno;
		return 0;
	}
	a.limit = limit;
	a.sig = sig;
	a.si = si;
	a.uc = uc;
	uintptr_t top = (uintptr_t)sp & ~(uintptr_t)15;
	there.uc_stack.ss_sp = (void *)(top - MOVED_STACK);
	there.uc_stack.ss_size = MOVED_STACK;
	there.uc_stack.ss_flags = 0;
	there.uc_link = &a.back;
	/* Nothing to interrupt the move until the fresh stack stands in. */
	sigfillset(&there.uc_sigmask);
	makecontext(&there, moved, 0);
	t.alt = &a;
	swapcontext(&a.back, &there);
	errno = saved_errno;
	return a.result;
}
