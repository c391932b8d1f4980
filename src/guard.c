/* Guarded access: SIGBUS inside a guard scope ends the scope, not the process. */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "internal.h"

_Static_assert(sizeof(sigset_t) <= sizeof(((shmap_guard *)0)->mask),
               "a sigset_t fits in shmap_guard");

/* initial-exec: the handler must reach it without calling into the loader. */
static __thread shmap_guard *t_top __attribute__((tls_model("initial-exec")));

static struct sigaction g_prev;
static int g_install_rc;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	shmap_guard *g = t_top;
	/* Only a fault (si_code > 0), not a SIGBUS someone sent. */
	if (g && g->armed == 1 && si->si_code > 0) {
		g->armed = 2;
		g->code = SHMAP_EINPAGE;
		g->fault_addr = si->si_addr;
		memcpy(g->mask, &((ucontext_t *)uc)->uc_sigmask, sizeof(sigset_t));
		longjmp(g->env, 1);
	}
	/* Not ours: behave as if shmap had never installed a handler. */
	if (g_prev.sa_flags & SA_SIGINFO) {
		g_prev.sa_sigaction(sig, si, uc);
	} else if (g_prev.sa_handler != SIG_DFL && g_prev.sa_handler != SIG_IGN) {
		g_prev.sa_handler(sig);
	} else if (g_prev.sa_handler == SIG_IGN && si->si_code <= 0) {
		/* A sent SIGBUS the program ignores: ignore it. */
	} else {
		/* Returning re-runs a faulting access, which now meets the
		 * default; a sent signal is not re-run, so send it again. */
		signal(SIGBUS, SIG_DFL);
		if (si->si_code <= 0)
			raise(SIGBUS);
	}
}

static void install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &g_prev) < 0)
		g_install_rc = -errno;
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
