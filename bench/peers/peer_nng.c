/* SPDX-License-Identifier: MIT */
/*
 * nng over ipc:// as a bench_chan peer: a pair0 socket each side (the
 * parent listens, the child dials), with send and receive buffers of as
 * many messages as bench_chan's rings; nng_send copies a message in,
 * nng_recv copies it out. Payload rule and harness: bench_pair.h.
 */
#include "../bench_pair.h"

#include <nng/nng.h>
#include <nng/protocol/pair0/pair.h>

static nng_socket sock;
static unsigned char *buf;
static char url[128];

static void fail(const char *what, int rv)
{
	fprintf(stderr, "bench_peer_nng: %s: %s\n", what, nng_strerror(rv));
	exit(1);
}

static void setup(int parent, int mode, size_t size)
{
	int rv;
	/* Room for as many messages as bench_chan's rings hold. */
	int room = mode == BP_RT ? 4 : size <= 4096 ? 1024 : 8;
	snprintf(url, sizeof url, "ipc:///tmp/shmap-bench-nng-%ld",
	         (long)(parent ? getpid() : getppid()));
	buf = (unsigned char *)calloc(1, size);
	if ((rv = nng_pair0_open(&sock)))
		fail("open", rv);
	/* Messages up to the size sent (the default limit is 1 MB). */
	if ((rv = nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, size + 4096)))
		fail("recvmaxsz", rv);
	if ((rv = nng_socket_set_int(sock, NNG_OPT_SENDBUF, room)) ||
	    (rv = nng_socket_set_int(sock, NNG_OPT_RECVBUF, room)))
		fail("buffers", rv);
	if (parent)
		rv = nng_listen(sock, url, NULL, 0);
	else
		rv = nng_dial(sock, url, NULL, 0);
	if (rv)
		fail(parent ? "listen" : "dial", rv);
}

static void send_msg(uint64_t seq, size_t size)
{
	int rv;
	bp_fill(buf, size, seq);
	if ((rv = nng_send(sock, buf, size, 0)))
		fail("send", rv);
}

static void recv_msg(uint64_t seq, size_t size)
{
	size_t n = size;
	int rv;
	if ((rv = nng_recv(sock, buf, &n, 0)))
		fail("recv", rv);
	if (n != size || !bp_check(buf, size, seq))
		bp_fail("bench_peer_nng", "a received message is not what was sent");
}

static void teardown(int parent)
{
	(void)parent;
	nng_close(sock);
	free(buf);
}

int main(int argc, char **argv)
{
	static const struct bp_side side = {"nng", setup, send_msg, recv_msg,
	                                    teardown};
	return bp_peer_main(&side, argc, argv);
}
