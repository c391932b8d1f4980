/* SPDX-License-Identifier: MIT */
/*
 * ZeroMQ over ipc:// as a bench_chan peer: a PAIR socket each side (the
 * parent binds, the child connects); zmq_send copies a message in, zmq_recv
 * copies it out. Payload rule and harness: bench_pair.h.
 */
#include "../bench_pair.h"

#include <zmq.h>

static void *ctx, *sock;
static unsigned char *buf;
static char url[128];

static void fail(const char *what)
{
	fprintf(stderr, "bench_peer_zmq: %s: %s\n", what,
	        zmq_strerror(zmq_errno()));
	exit(1);
}

static void setup(int parent, int mode, size_t size)
{
	(void)mode;
	snprintf(url, sizeof url, "ipc:///tmp/shmap-bench-zmq-%ld",
	         (long)(parent ? getpid() : getppid()));
	buf = (unsigned char *)calloc(1, size);
	ctx = zmq_ctx_new();
	sock = ctx ? zmq_socket(ctx, ZMQ_PAIR) : NULL;
	if (!sock)
		fail("socket");
	if (parent ? zmq_bind(sock, url) : zmq_connect(sock, url))
		fail(parent ? "bind" : "connect");
}

static void send_msg(uint64_t seq, size_t size)
{
	bp_fill(buf, size, seq);
	if (zmq_send(sock, buf, size, 0) != (int)size)
		fail("send");
}

static void recv_msg(uint64_t seq, size_t size)
{
	if (zmq_recv(sock, buf, size, 0) != (int)size)
		fail("recv");
	if (!bp_check(buf, size, seq))
		bp_fail("bench_peer_zmq", "a received message is not what was sent");
}

static void teardown(int parent)
{
	int zero = 0;
	zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
	zmq_close(sock);
	zmq_ctx_term(ctx);
	if (parent)
		unlink(url + strlen("ipc://"));
	free(buf);
}

int main(int argc, char **argv)
{
	static const struct bp_side side = {"zmq", setup, send_msg, recv_msg,
	                                    teardown};
	return bp_peer_main(&side, argc, argv);
}
