/* SPDX-License-Identifier: MIT */
/* Pollable descriptors over abstract unix datagram sockets (see pollfd.h). */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pollfd.h"

static atomic_uint_fast64_t g_listen_seq;
static int g_send_fd = -1;
static pthread_once_t g_send_once = PTHREAD_ONCE_INIT;

/* ---- every open listener of the process, for fork ---- */

static pthread_mutex_t g_reg = PTHREAD_MUTEX_INITIALIZER;
static struct shmap__pollfd *g_head;
static pthread_once_t g_fork_once = PTHREAD_ONCE_INIT;

static void fork_prepare(void)
{
	pthread_mutex_lock(&g_reg);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&g_reg);
}

/* The child is another process: no listener (the parent's slots stay the
 * parent's). */
static void fork_child(void)
{
	for (struct shmap__pollfd *p = g_head; p; p = p->next) {
		close(p->fd);
		p->fd = -1;
		p->slot = -1;
	}
	g_head = NULL;
	pthread_mutex_unlock(&g_reg);
}

static void fork_init(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

static void reg_add(struct shmap__pollfd *p)
{
	pthread_mutex_lock(&g_reg);
	p->prev = NULL;
	p->next = g_head;
	if (g_head)
		g_head->prev = p;
	g_head = p;
	pthread_mutex_unlock(&g_reg);
}

/* Whether p was still registered (a fork child forgot it otherwise). */
static int reg_del(struct shmap__pollfd *p)
{
	pthread_mutex_lock(&g_reg);
	int had = p->fd >= 0;
	if (had) {
		if (p->prev)
			p->prev->next = p->next;
		else if (g_head == p)
			g_head = p->next;
		if (p->next)
			p->next->prev = p->prev;
	}
	pthread_mutex_unlock(&g_reg);
	return had;
}

/* ---- sockets ---- */

static void send_init(void)
{
	g_send_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/* A listener's address; every library version names it so (the block of
 * an event holds the ids, and any process may poke them). */
static socklen_t listen_addr(uint64_t id, struct sockaddr_un *a)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	/* Abstract: no file, gone with the socket, even after kill -9. */
	int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1,
	                 "shmap.event.%016llx", (unsigned long long)id);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	                   (size_t)n);
}

/* Sends one datagram to id; returns 0, or -1 if its socket is gone. */
static int poke(uint64_t id)
{
	struct sockaddr_un a;
	pthread_once(&g_send_once, send_init);
	if (g_send_fd < 0)
		return 0;
	int e = errno, rc = 0;
	socklen_t len = listen_addr(id, &a);
	if (sendto(g_send_fd, "!", 1, MSG_DONTWAIT | MSG_NOSIGNAL,
	           (struct sockaddr *)&a, len) < 0 &&
	    (errno == ECONNREFUSED || errno == ENOENT))
		rc = -1;
	errno = e;
	return rc;
}

void shmap__pollfd_notify(_Atomic uint64_t *slots, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		/* acquire: pairs with the release of a new listener's slot. */
		uint64_t id = atomic_load_explicit(&slots[i],
		                                   memory_order_acquire);
		if (id && poke(id) < 0)
			atomic_compare_exchange_strong(&slots[i], &id, 0);
	}
}

void shmap__pollfd_poke(struct shmap__pollfd *p)
{
	if (p->fd >= 0)
		(void)poke(p->id);
}

void shmap__pollfd_drain(struct shmap__pollfd *p)
{
	char buf[64];
	if (p->fd < 0)
		return;
	int e = errno;
	while (recv(p->fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
		;
	errno = e;
}

void shmap__pollfd_init(struct shmap__pollfd *p)
{
	memset(p, 0, sizeof *p);
	p->fd = -1;
	p->slot = -1;
}

/* Whether the listener id's socket is gone (connect refused). */
static int gone(uint64_t id)
{
	struct sockaddr_un a;
	socklen_t len = listen_addr(id, &a);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = fd >= 0 && connect(fd, (struct sockaddr *)&a, len) < 0 &&
	        (errno == ECONNREFUSED || errno == ENOENT);
	if (fd >= 0)
		close(fd);
	return r;
}

int shmap__pollfd_open(struct shmap__pollfd *p, _Atomic uint64_t *slots,
                       unsigned n)
{
	if (p->fd >= 0)
		return 0;
	pthread_once(&g_fork_once, fork_init);
	int e = errno, rc = 0;
	struct sockaddr_un a;
	uint64_t id = ((uint64_t)getpid() << 24) |
	              ((atomic_fetch_add(&g_listen_seq, 1) + 1) & 0xffffff);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		rc = -errno;
	else if (bind(fd, (struct sockaddr *)&a, listen_addr(id, &a)) < 0)
		rc = -errno;
	int slot = -1;
	for (unsigned i = 0; rc == 0 && i < n && slot < 0; i++) {
		uint64_t zero = 0;
		/* release: the socket exists before notifiers see it. */
		if (atomic_compare_exchange_strong_explicit(
		            &slots[i], &zero, id, memory_order_release,
		            memory_order_relaxed))
			slot = (int)i;
	}
	/* All taken: reclaim the slot of a listener that died. */
	for (unsigned i = 0; rc == 0 && i < n && slot < 0; i++) {
		uint64_t old = atomic_load(&slots[i]);
		if (old && gone(old) &&
		    atomic_compare_exchange_strong(&slots[i], &old, id))
			slot = (int)i;
	}
	if (rc == 0 && slot < 0)
		rc = -ENOSPC;
	if (rc) {
		if (fd >= 0)
			close(fd);
	} else {
		p->fd = fd;
		p->id = id;
		p->slot = slot;
		reg_add(p);
	}
	errno = e;
	return rc;
}

void shmap__pollfd_close(struct shmap__pollfd *p, _Atomic uint64_t *slots)
{
	if (!reg_del(p))
		return;
	uint64_t id = p->id;
	if (p->slot >= 0)
		atomic_compare_exchange_strong(&slots[p->slot], &id, 0);
	int e = errno;
	close(p->fd);
	errno = e;
	p->fd = -1;
	p->slot = -1;
}
