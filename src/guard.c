/* SPDX-License-Identifier: MIT */
/*
 * Guarded access: SIGBUS inside a guard scope ends the scope, not the
 * process; SIGBUS on a registered sync block loses the block, not the
 * process.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "internal.h"

_Static_assert(sizeof(sigset_t) <= sizeof(((shmap_guard *)0)->mask),
               "a sigset_t fits in shmap_guard");

/* initial-exec: the handler must reach it without calling into the loader. */
static __thread shmap_guard *t_top __attribute__((tls_model("initial-exec")));

static struct sigaction g_prev;
static int g_install_rc;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/*
 * The registry of sync-block mappings: a list of nodes that are never freed
 * (a signal handler may be walking them at any moment), linked at the head
 * by CAS, reused once released. A node is claimed through busy, filled,
 * then published by storing start (struct shmap__region in internal.h).
 */
static struct shmap__region *_Atomic g_regions;

/*
 * A fault inside a registered block: the file under it was cut (or could
 * not be read). Mark the block lost and put a private zero page in its
 * place, so the faulting access and every later one complete on memory
 * that no longer matters; the operation then sees lost and fails. Returns
 * whether the fault was ours to handle.
 */
static int region_fault(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	/* acquire: pairs with the release linking a node; its next is set. */
	for (struct shmap__region *r = atomic_load_explicit(
	             &g_regions, memory_order_acquire);
	     r; r = r->next) {
		/* acquire: pairs with the release publishing start after len. */
		uintptr_t s = atomic_load_explicit(&r->start,
		                                   memory_order_acquire);
		size_t n = atomic_load_explicit(&r->len, memory_order_relaxed);
		if (!s || a < s || a - s >= n)
			continue;
		int saved = errno;
		/* seq_cst: the flag is visible everywhere before the mmap
		 * below (a system call, then a TLB shootdown) swaps the page,
		 * so a reader of the zero page, whose acquire fence keeps the
		 * flag's load after it (shmap__region_lost), sees the flag. */
		atomic_store_explicit(&r->lost, 1, memory_order_seq_cst);
		void *p = mmap((void *)s, n, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		errno = saved;
		return p != MAP_FAILED;
	}
	return 0;
}

/* Passes a signal on as if shmap had never installed a handler: to prev's
 * handler, or to the default action. */
static void chain(int sig, const struct sigaction *prev, siginfo_t *si,
                  void *uc)
{
	/* SIG_DFL and SIG_IGN come first: they share the union with
	 * sa_sigaction, and may come with SA_SIGINFO in the flags. */
	int dfl = prev->sa_handler == SIG_DFL, ign = prev->sa_handler == SIG_IGN;
	if (!dfl && !ign && (prev->sa_flags & SA_SIGINFO)) {
		prev->sa_sigaction(sig, si, uc);
	} else if (!dfl && !ign) {
		prev->sa_handler(sig);
	} else if (ign && si->si_code <= 0) {
		/* A sent signal the program ignores: ignore it. */
	} else {
		/* Returning re-runs a faulting access, which now meets the
		 * default; a sent signal is not re-run, so send it again. */
		signal(sig, SIG_DFL);
		if (si->si_code <= 0)
			raise(sig);
	}
}

/* The structured-exception dispatcher, once something set it. */
static shmap__fault_hook_fn _Atomic g_hook;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	/* A fault (si_code > 0) on a sync block comes first: a sync call
	 * made inside a caller's guard scope must not leave by longjmp. */
	if (si->si_code > 0 && region_fault(si->si_addr))
		return;
	shmap_guard *g = t_top;
	if (g && g->armed != 1)
		g = NULL;
	/* Only a fault (si_code > 0), not a SIGBUS someone sent. The
	 * dispatcher takes the frames opened inside the innermost guard
	 * scope; relaxed: the hook is a plain function pointer, its code
	 * needs no ordering. */
	shmap__fault_hook_fn hook =
	        atomic_load_explicit(&g_hook, memory_order_relaxed);
	if (si->si_code > 0 && hook && hook(sig, si, uc, g))
		return;
	if (g && si->si_code > 0)
		shmap__guard_fault(g, si->si_addr, &((ucontext_t *)uc)->uc_sigmask);
	chain(sig, &g_prev, si, uc);
}

shmap_guard *shmap__guard_top(void)
{
	return t_top;
}

void shmap__guard_fault(shmap_guard *g, void *addr, const sigset_t *mask)
{
	sigset_t now;
	if (!mask) {
		pthread_sigmask(SIG_BLOCK, NULL, &now);
		mask = &now;
	}
	g->armed = 2;
	g->code = SHMAP_EINPAGE;
	g->fault_addr = addr;
	memcpy(g->mask, mask, sizeof(sigset_t));
	longjmp(g->env, 1);
}

static struct sigaction g_prev_segv;
static int g_segv_rc;
static pthread_once_t g_segv_once = PTHREAD_ONCE_INIT;

static void on_sigsegv(int sig, siginfo_t *si, void *uc)
{
	/* relaxed: as in on_sigbus. */
	shmap__fault_hook_fn hook =
	        atomic_load_explicit(&g_hook, memory_order_relaxed);
	if (si->si_code > 0 && hook && hook(sig, si, uc, NULL))
		return;
	chain(sig, &g_prev_segv, si, uc);
}

/* Installs fn for sig, keeping the handler it replaces in *prev. SA_NODEFER
 * and an empty mask: the handler runs with the faulting code's mask. With
 * onstack, on the alternate signal stack if the handler it replaces ran
 * there, as one for stack overflows must. */
static int install_one(int sig, void (*fn)(int, siginfo_t *, void *),
                       struct sigaction *prev, int onstack)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	if (onstack && sigaction(sig, NULL, &sa) < 0)
		return -errno;
	onstack = sa.sa_flags & SA_ONSTACK;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | onstack;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, prev) < 0 ? -errno : 0;
}

static void install(void)
{
	g_install_rc = install_one(SIGBUS, on_sigbus, &g_prev, 0);
}

static void install_segv(void)
{
	g_segv_rc = install_one(SIGSEGV, on_sigsegv, &g_prev_segv, 1);
}

int shmap__fault_hook_set(shmap__fault_hook_fn fn)
{
	SHMAP__ERRNO_SAVE;
	pthread_once(&g_once, install);
	pthread_once(&g_segv_once, install_segv);
	SHMAP__ERRNO_RESTORE;
	if (g_install_rc)
		return g_install_rc;
	if (g_segv_rc)
		return g_segv_rc;
	/* relaxed: see on_sigbus. */
	atomic_store_explicit(&g_hook, fn, memory_order_relaxed);
	return 0;
}

int shmap_guard_begin(shmap_guard *g)
{
	SHMAP__ERRNO_SAVE;
	pthread_once(&g_once, install);
	g->code = g_install_rc;
	g->fault_addr = NULL;
	if (g->code) {
		g->armed = -1;
	} else {
		g->prev = t_top;
		g->armed = 1;
		t_top = g;
	}
	SHMAP__ERRNO_RESTORE;
	return g->code;
}

int shmap_guard_end(shmap_guard *g)
{
	if (g->armed == -1)
		return g->code;
	if (g->armed == 2) {
		/* The handler left by longjmp: restore the fault's mask. */
		SHMAP__ERRNO_SAVE;
		sigset_t mask;
		memcpy(&mask, g->mask, sizeof mask);
		pthread_sigmask(SIG_SETMASK, &mask, NULL);
		SHMAP__ERRNO_RESTORE;
	}
	t_top = g->prev;
	g->armed = 0;
	return g->code;
}

int shmap__guarded_copy(void *dst, const void *src, size_t n)
{
	shmap_guard g;
	SHMAP_GUARDED(&g)
	{
		memcpy(dst, src, n);
	}
	return shmap_guard_end(&g);
}

int shmap__region_add(void *start, size_t len, struct shmap__region **out)
{
	struct shmap__region *r;
	pthread_once(&g_once, install);
	if (g_install_rc)
		return g_install_rc;
	/* Reuse a released node, or link a new one. acquire: pairs with the
	 * release linking a node, as in the handler. */
	for (r = atomic_load_explicit(&g_regions, memory_order_acquire); r;
	     r = r->next) {
		int free_ = 0;
		/* acquire: pairs with the release in shmap__region_del, so
		 * the last user's start = 0 comes before our refill. */
		if (atomic_compare_exchange_strong_explicit(
		            &r->busy, &free_, 1, memory_order_acquire,
		            memory_order_relaxed))
			break;
	}
	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r)
			return -ENOMEM;
		atomic_init(&r->busy, 1);
		/* relaxed: the CAS below checks it. */
		r->next = atomic_load_explicit(&g_regions, memory_order_relaxed);
		/* release: next is set before anyone can walk to r. */
		while (!atomic_compare_exchange_weak_explicit(
		        &g_regions, &r->next, r, memory_order_release,
		        memory_order_relaxed))
			;
	}
	/* relaxed, both: published by the release store of start below. */
	atomic_store_explicit(&r->lost, 0, memory_order_relaxed);
	atomic_store_explicit(&r->len, len, memory_order_relaxed);
	/* release: len is visible to the handler before start is. */
	atomic_store_explicit(&r->start, (uintptr_t)start, memory_order_release);
	*out = r;
	return 0;
}

void shmap__region_del(struct shmap__region *r)
{
	if (!r)
		return;
	/* seq_cst: the range is out of the handler's sight before the caller
	 * goes on to unmap it. */
	atomic_store(&r->start, 0);
	/* release: the node is out of the handler's sight before reuse. */
	atomic_store_explicit(&r->busy, 0, memory_order_release);
}
