/* SPDX-License-Identifier: MIT */
/* shmap: named message channels between processes. */
#ifndef SHMAP_CHAN_H
#define SHMAP_CHAN_H

#include <sys/types.h>

#include <shmap/common.h>
#include <shmap/object.h>
#include <shmap/sync.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A channel is a named object (names, lifetime, permissions and inspection
 * as for every shmap object) whose memory holds a ring of capacity slots of
 * max_msg bytes each and the futex words its parties sleep on. Three
 * shapes:
 *
 *   SHMAP_CHAN_SPSC       one sender, one receiver; the fastest.
 *   SHMAP_CHAN_MPMC       any number of senders and receivers; each message
 *                         goes to one receiver, in order per sender.
 *   SHMAP_CHAN_BROADCAST  one sender; every reader gets every message
 *                         written after it joined, unless it falls more than
 *                         capacity messages behind: then it is told how many
 *                         it missed (SHMAP_EOVERRUN) and goes on at the
 *                         oldest message still there. The sender never
 *                         waits for readers.
 *
 * Sending copies a message in (shmap_chan_send) or reserves a slot to fill
 * in place (shmap_chan_reserve, then shmap_chan_commit or _cancel);
 * receiving copies it out (shmap_chan_recv) or looks at it in place
 * (shmap_chan_peek, then shmap_chan_release). A call that has to wait spins
 * a while (shmap_chan_set_spin), then sleeps on a futex; a sender or
 * receiver wakes the other side only when someone sleeps, so a busy
 * channel makes no system call.
 *
 * Processes that die: a sender killed before it committed a message leaves
 * nothing a receiver sees (SPSC, broadcast) or a slot receivers skip once
 * they find its sender dead (MPMC; counted in skipped). A receiver killed
 * while receiving (between its claim and the end of its copy or release)
 * leaves the message to another receiver: such a message may have reached
 * the killed one too, and may arrive out of its sender's order. The roles
 * of dead SPSC and broadcast senders and receivers go to the next process
 * that opens the channel for them. A process only stopped (SIGSTOP) is
 * alive: its slot is never skipped or reused. In an MPMC channel a sender
 * stopped between reserve and commit holds back every message behind its
 * own (receivers wait, and time out, until it commits or dies): the order
 * of the ring is kept over the progress of the others.
 *
 * A handle is used by one thread at a time; threads each open their own.
 * A child forked by the process may only close the parent's handles.
 * Shared memory is not trusted: a corrupt or hostile peer can make a call
 * fail (SHMAP_EBADOBJ) or wait until its timeout, never make the library
 * read or write outside the object. If the object's file is cut short, a
 * call fails with SHMAP_EINPAGE instead of raising SIGBUS.
 */
typedef struct shmap_chan shmap_chan;

/* Shapes (shmap_chan_config.shape). */
#define SHMAP_CHAN_SPSC 1u
#define SHMAP_CHAN_MPMC 2u
#define SHMAP_CHAN_BROADCAST 3u

/* Flags of shmap_chan_create and shmap_chan_open (with SHMAP_OPEN_INHERIT):
 * the handle's roles. A handle with neither role only reads statistics. */
#define SHMAP_CHAN_SEND 0x1u /* sends; SPSC and broadcast: one live sender,
                              * else -EBUSY */
#define SHMAP_CHAN_RECV 0x2u /* receives; SPSC: one live receiver, else
                              * -EBUSY; broadcast: joins as a reader at
                              * the next message written */
#define SHMAP_CHAN_INTR 0x4u /* blocking calls end with -EINTR when a
                              * signal handler runs */

/* Broadcast: messages were overwritten before this reader read them. */
#define SHMAP_EOVERRUN (-4007)

/* The most senders, receivers or readers a channel has room for. */
#define SHMAP_CHAN_ROLES_MAX 1023u

/*
 * What a channel is made of. capacity is rounded up to a power of two
 * (2 .. 2^24 messages), max_msg is the largest message (1 .. 2^30 bytes).
 * readers_max is the number of readers a broadcast channel has room for at
 * once, and of senders and of receivers an MPMC channel has (0 means 64;
 * at most SHMAP_CHAN_ROLES_MAX); SPSC ignores it.
 */
typedef struct shmap_chan_config {
	unsigned shape;       /* SHMAP_CHAN_* */
	uint32_t capacity;    /* messages */
	uint32_t max_msg;     /* bytes per message */
	uint32_t readers_max; /* see above */
} shmap_chan_config;

/* One broadcast reader, as shmap_chan_stats reports it. */
typedef struct shmap_chan_reader {
	pid_t pid;          /* its process */
	uint64_t position;  /* the next message it reads */
	uint64_t lag;       /* messages written it has not read yet */
	uint64_t received;  /* messages it read */
	uint64_t missed;    /* messages overwritten before it read them */
} shmap_chan_reader;

/* How many readers shmap_chan_stats lists one by one. */
#define SHMAP_CHAN_READERS_SHOWN 8

/*
 * A channel's counters (a struct tag only: shmap_chan_stats is also the
 * function that fills it), kept in its shared memory since it was created and
 * read without disturbing it: a snapshot, taken while others send and
 * receive. valid is 0 (and error says why) when the memory could not be
 * read or checked.
 */
struct shmap_chan_stats {
	int valid;
	int error;
	unsigned shape;       /* SHMAP_CHAN_* */
	uint32_t capacity;    /* messages */
	uint32_t max_msg;     /* bytes per message */
	uint32_t readers_max; /* room for readers (MPMC: per role) */
	uint64_t sent;        /* messages committed */
	uint64_t sent_bytes;
	uint64_t received;    /* messages received (broadcast: by all readers) */
	uint64_t received_bytes;
	uint64_t full_waits;  /* sends that waited for room */
	uint64_t empty_waits; /* receives that waited for a message */
	uint64_t skipped;     /* slots skipped: dead senders, bad lengths */
	uint64_t overruns;    /* broadcast: SHMAP_EOVERRUN reports */
	uint64_t missed;      /* broadcast: messages readers missed */
	uint64_t write_position; /* the next message a sender writes */
	uint64_t read_position;  /* SPSC, MPMC: the next message received */
	uint64_t queued;      /* SPSC, MPMC: messages waiting */
	unsigned senders;     /* senders holding a role now */
	unsigned receivers;   /* receivers (broadcast: readers) now */
	uint64_t lag_max;     /* broadcast: the largest lag of a reader */
	/* broadcast: the first SHMAP_CHAN_READERS_SHOWN readers */
	shmap_chan_reader reader[SHMAP_CHAN_READERS_SHOWN];
};

/*
 * Creates the channel name (NULL or "" for an unnamed one, which only this
 * process and its children through SHMAP_ATTR_INHERIT see) as cfg says, or
 * opens it if the name exists (shmap_chan_existed then returns 1; the
 * existing channel's configuration is kept and cfg is not checked against
 * it), with the roles in flags. Returns 0 and stores the handle in *out,
 * -EINVAL for a bad configuration or flags, -EBUSY if the role of an SPSC or
 * broadcast sender or SPSC receiver is held by a live process, -ENOSPC if
 * the table of senders or receivers is full, SHMAP_ETYPE if the name holds
 * another type, -EEXIST with SHMAP_ATTR_EXCL, or another negative error
 * code of shmap_map_create.
 */
SHMAP_API int shmap_chan_create(const char *name, const shmap_chan_config *cfg,
                                unsigned flags, const shmap_attr *attr,
                                shmap_chan **out);

/*
 * Opens the existing channel name with the roles in flags (and
 * SHMAP_OPEN_INHERIT). Returns 0 and stores the handle in *out, -ENOENT if
 * no such channel exists, SHMAP_ETYPE if the name holds another type,
 * SHMAP_EBADOBJ if its memory is not a valid channel, SHMAP_EFORMAT for
 * another version's layout, or the errors of shmap_chan_create.
 */
SHMAP_API int shmap_chan_open(const char *name, unsigned flags,
                              shmap_chan **out);

/*
 * Closes c: an outstanding reservation is cancelled, a message peeked and
 * not released is not received (it goes to another MPMC receiver, or stays
 * for the next SPSC one), the roles are given up and the name goes with the
 * last handle. A forked child's close leaves the parent's roles alone.
 * Returns 0, or a negative error code from closing the object (the handle
 * is freed anyway). NULL is ignored.
 */
SHMAP_API int shmap_chan_close(shmap_chan *c);

/* Returns 1 if the create that made c found the name existing, else 0. */
SHMAP_API int shmap_chan_existed(const shmap_chan *c);

/*
 * Sets how many times a call of c checks again before it sleeps (the
 * default is SHMAP_SPIN's, as for events); UINT_MAX spins and never sleeps,
 * still ending at its timeout. Returns 0, or -EINVAL for a NULL handle.
 */
SHMAP_API int shmap_chan_set_spin(shmap_chan *c, unsigned spins);

/*
 * Sends len bytes at msg. timeout_ms 0 never waits (-EAGAIN when the
 * channel is full), SHMAP_INFINITE waits until there is room, any other
 * value waits at most that many milliseconds (-ETIMEDOUT). A broadcast
 * send never waits. Returns 0, -EMSGSIZE if len is above max_msg, -EPERM
 * if c does not send, -EINVAL while c holds a reservation, -EINTR (with
 * SHMAP_CHAN_INTR), SHMAP_EBADOBJ if the shared state is corrupt, or
 * SHMAP_EINPAGE.
 */
SHMAP_API int shmap_chan_send(shmap_chan *c, const void *msg, size_t len,
                              int timeout_ms);

/*
 * Reserves room for a message of up to len bytes, waiting as
 * shmap_chan_send does, and stores where to write it in *slot (aligned to
 * 16 bytes). Nobody sees it until shmap_chan_commit. Returns 0 or the
 * errors of shmap_chan_send.
 */
SHMAP_API int shmap_chan_reserve(shmap_chan *c, size_t len, int timeout_ms,
                                 void **slot);

/*
 * Sends the reserved message, len bytes of it (at most the reserved
 * length). Returns 0, -EINVAL with no reservation or a longer len (the
 * reservation stays), SHMAP_EBADOBJ if the shared state was corrupted
 * meanwhile, or SHMAP_EINPAGE.
 */
SHMAP_API int shmap_chan_commit(shmap_chan *c, size_t len);

/*
 * Gives the reservation back unsent: SPSC and broadcast reuse the slot,
 * an MPMC channel's receivers pass over it. Returns 0, or -EINVAL with no
 * reservation.
 */
SHMAP_API int shmap_chan_cancel(shmap_chan *c);

/*
 * Receives the next message into buf (cap bytes), storing its length in
 * *len; waits as shmap_chan_send does (-EAGAIN, -ETIMEDOUT when none came).
 * Returns 0, -EMSGSIZE if cap is too small (*len says how much is needed;
 * the message stays, the next receive of c gets it), -EPERM if c does not
 * receive, -EINVAL while c holds a peeked message, SHMAP_EOVERRUN
 * (broadcast: messages were lost to this reader, see shmap_chan_missed;
 * the next receive goes on at the oldest message still there),
 * SHMAP_EBADOBJ if the message's length is corrupt (the slot is skipped)
 * or the shared state is, -EINTR (with SHMAP_CHAN_INTR), or SHMAP_EINPAGE.
 */
SHMAP_API int shmap_chan_recv(shmap_chan *c, void *buf, size_t cap,
                              int timeout_ms, size_t *len);

/*
 * Waits for the next message as shmap_chan_recv does and stores where it
 * lies in *msg and its length in *len, leaving it in the channel until
 * shmap_chan_release. A broadcast sender may overwrite it meanwhile (the
 * release then says so). Returns 0 or the errors of shmap_chan_recv.
 */
SHMAP_API int shmap_chan_peek(shmap_chan *c, int timeout_ms, const void **msg,
                              size_t *len);

/*
 * Ends a peek: the message is received. Returns 0, -EINVAL with no peeked
 * message, SHMAP_EOVERRUN (broadcast) if the sender overwrote it while it
 * was peeked (what was read there may be torn; it counts as missed), or
 * SHMAP_EINPAGE.
 */
SHMAP_API int shmap_chan_release(shmap_chan *c);

/*
 * Stores in *missed how many messages this broadcast reader lost since the
 * last call (0 for other shapes) and starts counting again. Returns 0, or
 * -EINVAL for a NULL argument.
 */
SHMAP_API int shmap_chan_missed(shmap_chan *c, uint64_t *missed);

/*
 * Stores in *out a waitable object owned by c, for shmap_wait,
 * shmap_wait_multiple and shmap_wait_ex beside events, mutexes and
 * semaphores: it is signalled while a message waits for c (SPSC, MPMC: one
 * is queued; broadcast: this reader is behind the writer), and a wait
 * takes nothing (receive it with shmap_chan_recv or _peek, timeout 0).
 * Every call returns the same object; shmap_chan_close frees it
 * (shmap_sync_close on it returns -EINVAL). Returns 0, -EINVAL for a NULL
 * argument, -EPERM if c does not receive, -ENOMEM or SHMAP_EINPAGE.
 */
SHMAP_API int shmap_chan_waitable(shmap_chan *c, shmap_sync **out);

/* How many handles of one channel may have a descriptor at once. */
#define SHMAP_CHAN_LISTENERS_MAX 23

/*
 * Stores in *fd a descriptor (for poll, select or epoll) that is readable
 * while c's waitable (shmap_chan_waitable) is signalled: from a message
 * sent until c receives the last one waiting. It is owned by c (closed
 * by shmap_chan_close); every call returns the same one. Senders make a
 * system call per message only while some handle has one. Returns 0,
 * -EINVAL, -EPERM, -ENOSPC if SHMAP_CHAN_LISTENERS_MAX live handles have
 * one already, SHMAP_EINPAGE, or another negative errno value.
 */
SHMAP_API int shmap_chan_fd(shmap_chan *c, int *fd);

/*
 * Fills *st with the channel's counters (see shmap_chan_stats); reader[]
 * lists this handle's own reader first if it is one. Returns 0, -EINVAL for
 * a NULL argument, or SHMAP_EINPAGE.
 */
SHMAP_API int shmap_chan_stats(shmap_chan *c, struct shmap_chan_stats *st);

#ifdef __cplusplus
}
#endif

#endif
