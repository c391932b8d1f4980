/* SPDX-License-Identifier: MIT */
/*
 * Channels against faults of their peers: a forked child closing the
 * parent's handles.
 */
#include <stdint.h>

#include "harness.h"

#define NAME "Local\\test-chan-faults"

static shmap_chan *g_inherited;

static void close_inherited(int unused)
{
	(void)unused;
	T_OK(shmap_chan_close(g_inherited));
}

/* A child that closes the handles it inherited leaves the parent's roles
 * and reservation alone: nobody else becomes the SPSC sender, and the
 * parent's MPMC reservation is still its own to commit. */
static void forked_close(void)
{
	shmap_chan_config cfg = {SHMAP_CHAN_SPSC, 4, 8, 0};
	shmap_chan *s, *x;
	T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_SEND, NULL, &s));
	g_inherited = s;
	t_reap(t_spawn(close_inherited, 0));
	T_EQ(shmap_chan_open(NAME, SHMAP_CHAN_SEND, &x), -EBUSY);
	T_OK(shmap_chan_close(s));

	cfg.shape = SHMAP_CHAN_MPMC;
	shmap_chan *r;
	T_OK(shmap_chan_create(NAME, &cfg, SHMAP_CHAN_SEND, NULL, &s));
	T_OK(shmap_chan_open(NAME, SHMAP_CHAN_RECV, &r));
	void *p;
	T_OK(shmap_chan_reserve(s, 8, 0, &p));
	g_inherited = s;
	t_reap(t_spawn(close_inherited, 0));
	uint64_t v = 77, got;
	size_t len;
	T_EQ(shmap_chan_recv(r, &got, 8, 0, &len), -EAGAIN);
	memcpy(p, &v, 8);
	T_OK(shmap_chan_commit(s, 8));
	T_OK(shmap_chan_recv(r, &got, 8, 0, &len));
	T_EQ(got, 77);
	struct shmap_chan_stats st;
	T_OK(shmap_chan_stats(r, &st));
	T_EQ(st.skipped, 0);
	T_OK(shmap_chan_close(r));
	T_OK(shmap_chan_close(s));
}

int main(void)
{
	t_setup();
	t_run("a forked child's close keeps the parent's roles", forked_close, 30);
	return t_finish();
}
