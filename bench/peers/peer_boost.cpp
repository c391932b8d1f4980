/* SPDX-License-Identifier: MIT */
/*
 * Boost.Interprocess message_queue as a bench_chan peer: a queue each way
 * in POSIX shared memory (the parent creates, the child opens); send copies
 * a message in, receive copies it out, both blocking on the queue's
 * process-shared mutex and condition variables. Payload rule and harness:
 * bench_pair.h.
 */
#include "../bench_pair.h"

#include <boost/interprocess/ipc/message_queue.hpp>
#include <memory>

namespace bip = boost::interprocess;

static std::unique_ptr<bip::message_queue> q_out, q_in;
static unsigned char *buf;
static char names[2][64];

static void setup(int parent, int mode, size_t size)
{
	long id = (long)(parent ? getpid() : getppid());
	for (int d = 0; d < 2; d++)
		snprintf(names[d], sizeof names[d], "shmap-bench-boost-%ld-%d", id, d);
	buf = static_cast<unsigned char *>(calloc(1, size));
	bip::message_queue::size_type cap =
	        mode == BP_RT ? 4 : size <= 4096 ? 1024 : 8;
	try {
		/* dir 0 runs parent to child, 1 back; one-way uses dir 1 */
		int out = parent ? 0 : 1, in = parent ? 1 : 0;
		bool sends = mode == BP_RT || !parent, recvs = mode == BP_RT || parent;
		if (parent) {
			for (int d = 0; d < 2; d++) {
				bip::message_queue::remove(names[d]);
				if (mode == BP_RT || d == 1)
					bip::message_queue(bip::create_only, names[d], cap, size);
			}
		}
		if (sends)
			q_out.reset(new bip::message_queue(bip::open_only, names[out]));
		if (recvs)
			q_in.reset(new bip::message_queue(bip::open_only, names[in]));
	} catch (const std::exception &e) {
		fprintf(stderr, "bench_peer_boost: %s\n", e.what());
		exit(1);
	}
}

static void send_msg(uint64_t seq, size_t size)
{
	bp_fill(buf, size, seq);
	q_out->send(buf, size, 0);
}

static void recv_msg(uint64_t seq, size_t size)
{
	bip::message_queue::size_type n = 0;
	unsigned prio = 0;
	q_in->receive(buf, size, n, prio);
	if (n != size || !bp_check(buf, size, seq))
		bp_fail("bench_peer_boost", "a received message is not what was sent");
}

static void teardown(int parent)
{
	q_out.reset();
	q_in.reset();
	if (parent)
		for (int d = 0; d < 2; d++)
			bip::message_queue::remove(names[d]);
	free(buf);
}

int main(int argc, char **argv)
{
	static const struct bp_side side = {"boost", setup, send_msg, recv_msg,
	                                    teardown};
	return bp_peer_main(&side, argc, argv);
}
