/* SPDX-License-Identifier: MIT */
/*
 * iceoryx (its C binding) as a bench_chan peer: zero-copy publish and
 * subscribe through RouDi's shared memory, which must be running
 * (bench/run.sh starts iox-roudi). The sender loans a chunk, writes the
 * message into it and publishes it; the receiver polls for it (a spinning
 * receiver, as a spin-mode channel), checks it in place and releases it.
 * Queue full: the publisher waits for the subscriber, so nothing is lost.
 * Payload rule and harness: bench_pair.h.
 */
#include "../bench_pair.h"

#include <iceoryx_binding_c/enums.h>
#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>

static iox_pub_storage_t pub_st;
static iox_sub_storage_t sub_st;
static iox_pub_t pub;
static iox_sub_t sub;
static int connected;

static void fail(const char *what)
{
	bp_fail("bench_peer_iox", what);
}

/* dir "a" runs parent to child, "b" back. */
static void setup(int parent, int mode, size_t size)
{
	char name[64], inst[32];
	long id = (long)(parent ? getpid() : getppid());
	snprintf(name, sizeof name, "shmap-bench-%ld", (long)getpid());
	snprintf(inst, sizeof inst, "%ld", id);
	iox_set_loglevel(Iceoryx_LogLevel_Warn);
	iox_runtime_init(name);
	pub = NULL;
	sub = NULL;
	connected = 0;
	int sends = mode == BP_RT || !parent, recvs = mode == BP_RT || parent;
	if (sends) {
		iox_pub_options_t o;
		iox_pub_options_init(&o);
		o.historyCapacity = 0;
		o.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
		pub = iox_pub_init(&pub_st, "shmap-bench", inst, parent ? "a" : "b",
		                   &o);
	}
	if (recvs) {
		iox_sub_options_t o;
		iox_sub_options_init(&o);
		o.queueCapacity = mode == BP_RT ? 4 : size <= 4096 ? 256 : 8;
		o.historyRequest = 0;
		o.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
		sub = iox_sub_init(&sub_st, "shmap-bench", inst, parent ? "b" : "a",
		                   &o);
	}
}

static void send_msg(uint64_t seq, size_t size)
{
	void *chunk;
	/* Until the receiver's queue is connected, a message would be lost. */
	while (!connected) {
		connected = iox_pub_has_subscribers(pub);
		if (!connected)
			usleep(1000);
	}
	enum iox_AllocationResult r;
	while ((r = iox_pub_loan_chunk(pub, &chunk, (uint32_t)size)) !=
	       AllocationResult_SUCCESS) {
		if (r != AllocationResult_RUNNING_OUT_OF_CHUNKS)
			fail("loan");
		bp_relax();
	}
	bp_fill(chunk, size, seq);
	iox_pub_publish_chunk(pub, chunk);
}

static void recv_msg(uint64_t seq, size_t size)
{
	const void *chunk;
	enum iox_ChunkReceiveResult r;
	while ((r = iox_sub_take_chunk(sub, &chunk)) != ChunkReceiveResult_SUCCESS) {
		if (r != ChunkReceiveResult_NO_CHUNK_AVAILABLE)
			fail("take");
		bp_relax();
	}
	if (!bp_check(chunk, size, seq))
		fail("a received message is not what was sent");
	iox_sub_release_chunk(sub, chunk);
}

static void teardown(int parent)
{
	(void)parent;
	if (pub)
		iox_pub_deinit(pub);
	if (sub)
		iox_sub_deinit(sub);
	iox_runtime_shutdown();
}

int main(int argc, char **argv)
{
	static const struct bp_side side = {"iceoryx", setup, send_msg, recv_msg,
	                                    teardown};
	return bp_peer_main(&side, argc, argv);
}
