/* SPDX-License-Identifier: MIT */
/* shmap: guarded access to view memory (try/except for in-page errors). */
#ifndef SHMAP_GUARD_H
#define SHMAP_GUARD_H

#include <setjmp.h>

#include <shmap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A guard scope. On Windows a view access that cannot be satisfied raises
 * EXCEPTION_IN_PAGE_ERROR; on Linux it raises SIGBUS. Inside a guard scope
 * that SIGBUS ends the scope instead of the process:
 *
 *     shmap_guard g;
 *     SHMAP_GUARDED(&g) {
 *         total += view[i];            // may fault
 *     }
 *     if (shmap_guard_end(&g) == SHMAP_EINPAGE)
 *         ... g.fault_addr tells where ...
 *
 * Rules: call shmap_guard_end exactly once for every SHMAP_GUARDED, in the
 * same function, whether or not the scope faulted; do not leave the scope by
 * return, goto or longjmp; local variables changed inside the scope and used
 * after a fault must be volatile (as with setjmp). Scopes nest per thread.
 * A SIGBUS outside any scope goes to the handler installed before shmap's
 * (by default, it ends the process), except one on the memory of an
 * event, mutex or semaphore, which loses that object (see shmap_sync). The members are private except
 * fault_addr.
 */
typedef struct shmap_guard {
	jmp_buf env;
	struct shmap_guard *prev;
	void *fault_addr; /* the address that faulted, after SHMAP_EINPAGE */
	int code;
	int armed;
	unsigned long mask[128 / sizeof(unsigned long)]; /* a sigset_t */
} shmap_guard;

/*
 * Opens a guard scope on the calling thread, installing shmap's SIGBUS
 * handler on first use. Returns 0, or a negative errno if the handler could
 * not be installed. Use through SHMAP_GUARDED.
 */
SHMAP_API int shmap_guard_begin(shmap_guard *g);

/*
 * Closes the guard scope g opened. Returns 0 if the scope ran to its end,
 * SHMAP_EINPAGE if an access inside it faulted (g->fault_addr is set), or the
 * error shmap_guard_begin returned.
 */
SHMAP_API int shmap_guard_end(shmap_guard *g);

/*
 * Runs the statement after it as a guard scope g; see shmap_guard. setjmp
 * does not save the signal mask here; shmap_guard_end restores it.
 */
#define SHMAP_GUARDED(g)                                                       \
	if (shmap_guard_begin(g) == 0 && setjmp((g)->env) == 0)

#ifdef __cplusplus
}
#endif

#endif
