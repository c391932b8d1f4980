/* SPDX-License-Identifier: MIT */
/*
 * Channel blocks: the input (after a selector byte) is the whole backing
 * file of a live named channel. Reading its counters without opening it
 * (shmap__chan_peek, as shmap info does, over the block and over the bytes
 * as they are), opening it and every operation on it (zero timeouts) must
 * return an error code, never crash, hang or read outside the object.
 *
 * Selector bits: 0-1 the roles (receive, send, both, none); 2 ask for a
 * descriptor; 3 peek and release instead of receiving by copy; 4-7 spare,
 * varied by the fuzzer.
 */
#include "common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_setup();
	return 0;
}

/* The counters of len bytes at blk, checked for what they promise. */
static void peek(const uint8_t *blk, size_t len)
{
	struct shmap_chan_stats st;
	/* A copy of its own: what lies past len is out of reach. */
	uint8_t *b = malloc(len ? len : 1);
	FZ_CHECK(b != NULL, "malloc");
	memcpy(b, blk, len);
	int rc = shmap__chan_peek(b, len, &st);
	FZ_CHECK(rc == 0 || rc == SHMAP_EBADOBJ || rc == SHMAP_EFORMAT,
	         "peek: %d", rc);
	FZ_CHECK(st.valid == (rc == 0) && (rc == 0 || st.error == rc),
	         "valid %d error %d rc %d", st.valid, st.error, rc);
	if (rc == 0) {
		FZ_CHECK(st.shape >= SHMAP_CHAN_SPSC &&
		                 st.shape <= SHMAP_CHAN_BROADCAST,
		         "shape %u", st.shape);
		FZ_CHECK(st.capacity >= 2 && !(st.capacity & (st.capacity - 1)),
		         "capacity %u", st.capacity);
		FZ_CHECK(st.max_msg >= 1 && st.max_msg <= (1u << 30), "max %u",
		         st.max_msg);
		FZ_CHECK(st.queued <= st.capacity, "queued %llu",
		         (unsigned long long)st.queued);
	}
	free(b);
}

static void ops(shmap_chan *c, unsigned sel)
{
	int send = (sel & 3) == 1 || (sel & 3) == 2;
	int recv = (sel & 3) == 0 || (sel & 3) == 2;
	unsigned char buf[256];
	size_t len;
	int rc;
	for (int i = 0; i < 3; i++) {
		memset(buf, i, sizeof buf);
		rc = shmap_chan_send(c, buf, (size_t)(sel >> 4) * 16, 0);
		FZ_CHECK(send ? rc == 0 || rc == -EAGAIN || rc == -EMSGSIZE ||
		                        rc == SHMAP_EBADOBJ
		              : rc == -EPERM,
		         "send: %d", rc);
		if (sel & 8) {
			const void *p;
			rc = shmap_chan_peek(c, 0, &p, &len);
			if (rc == 0) {
				FZ_CHECK(len <= (1u << 30), "peek len %zu", len);
				rc = shmap_chan_release(c);
				FZ_CHECK(rc == 0 || rc == SHMAP_EOVERRUN,
				         "release: %d", rc);
				continue;
			}
		} else {
			rc = shmap_chan_recv(c, buf, sizeof buf, 0, &len);
		}
		FZ_CHECK(recv ? rc == 0 || rc == -EAGAIN || rc == -EMSGSIZE ||
		                        rc == SHMAP_EBADOBJ ||
		                        rc == SHMAP_EOVERRUN
		              : rc == -EPERM,
		         "receive: %d", rc);
		FZ_CHECK(rc != 0 || len <= sizeof buf, "len %zu", len);
	}
	struct shmap_chan_stats st;
	FZ_CHECK(shmap_chan_stats(c, &st) == 0, "stats");
	shmap_sync *w;
	rc = shmap_chan_waitable(c, &w);
	FZ_CHECK(recv ? rc == 0 : rc == -EPERM, "waitable: %d", rc);
	if (rc)
		return;
	rc = shmap_wait(w, 0);
	FZ_CHECK(rc == 0 || rc == -ETIMEDOUT, "wait: %d", rc);
	if (sel & 4) {
		int fd;
		rc = shmap_chan_fd(c, &fd);
		FZ_CHECK(rc == 0 || rc == -ENOSPC, "fd: %d", rc);
	}
	shmap_sync *two[2] = { w, w };
	unsigned idx;
	rc = shmap_wait_multiple(two, 2, 0, 0, &idx);
	FZ_CHECK(rc == 0 || rc == -ETIMEDOUT, "wait-any: %d", rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned roles[] = { SHMAP_CHAN_RECV, SHMAP_CHAN_SEND,
		                          SHMAP_CHAN_SEND | SHMAP_CHAN_RECV, 0 };
	if (size < 1)
		return 0;
	unsigned sel = data[0];
	const uint8_t *d = data + 1;
	size_t n = size - 1;
	size_t off = shmap__data_offset();
	peek(d, n);
	if (n > off)
		peek(d + off, n - off);
	int holder = fz_plant("fz", d, n, 0600);
	if (holder < 0)
		return 0;
	shmap_chan *c;
	int rc = shmap_chan_open("fz", roles[sel & 3], &c);
	FZ_CHECK(rc == 0 || rc == SHMAP_EBADOBJ || rc == SHMAP_EFORMAT ||
	                 rc == SHMAP_ETYPE || rc == -EBUSY || rc == -ENOSPC,
	         "open: %d", rc);
	if (rc == 0) {
		ops(c, sel);
		FZ_CHECK(shmap_chan_close(c) == 0, "close");
	}
	fz_unplant("fz", holder);
	return 0;
}
