/* SPDX-License-Identifier: MIT */
/*
 * A pollable descriptor for an object in shared memory (as nng keeps one
 * pollable primitive behind every *_get_recv_poll_fd): an abstract unix
 * datagram socket per listening handle, named by a 64-bit id that the
 * object keeps in a table of slots in its shared memory (0: free). Whoever
 * makes the object signalled pokes every listener in the table (a datagram);
 * a wait through the handle drains its socket first. So the descriptor is
 * readable from a signal until the next wait through that handle; a kind
 * that stays signalled (level-triggered) pokes its own listener again after
 * the drain while it holds (shmap__pollfd_poke).
 *
 * Listeners are private to the process: a fork child has none (its copies
 * are closed), and a listener killed with its process is found gone by the
 * next notify or by an open that finds the table full.
 */
#ifndef SHMAP_POLLFD_H
#define SHMAP_POLLFD_H

#include <stdatomic.h>
#include <stdint.h>

/* One handle's listener; private memory. */
struct shmap__pollfd {
	int fd;      /* the socket, -1 if none */
	int slot;    /* the slot of the table it holds, -1 if none */
	uint64_t id; /* its id, as in the slot */
	struct shmap__pollfd *next, *prev; /* every open one, for fork */
};

/* No listener yet. */
void shmap__pollfd_init(struct shmap__pollfd *p);
/*
 * Makes p's socket and puts its id in a free slot of slots[0..n-1] (or the
 * slot of a listener gone). Returns 0 (p->fd readable when poked), -ENOSPC
 * if n live listeners hold the table, or -errno. Once open, 0 at once.
 */
int shmap__pollfd_open(struct shmap__pollfd *p, _Atomic uint64_t *slots,
                       unsigned n);
/* Frees p's slot in slots (unless taken over) and closes its socket. */
void shmap__pollfd_close(struct shmap__pollfd *p, _Atomic uint64_t *slots);
/* Empties p's socket without blocking. */
void shmap__pollfd_drain(struct shmap__pollfd *p);
/* Pokes p's own socket (readable again). */
void shmap__pollfd_poke(struct shmap__pollfd *p);
/* Pokes every listener of slots[0..n-1]; forgets those whose socket is
 * gone. */
void shmap__pollfd_notify(_Atomic uint64_t *slots, unsigned n);

#endif
