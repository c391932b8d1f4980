/* SPDX-License-Identifier: MIT */
/*
 * A program using the library that tests/tool.sh runs beside the shmap
 * tool: it makes, holds, signals and waits for objects as an application
 * would, says "ready" (or what it did) on stdout when done, and lingers,
 * holding what it made, until killed (at most two minutes).
 *
 *   tool_helper map-write NAME SIZE TEXT  create a mapping, write TEXT at 0
 *   tool_helper view NAME r|rw|cow        map a view, close the handle
 *   tool_helper event-wait NAME           create an event, wait for it
 *   tool_helper event-set NAME            set an event and exit
 *   tool_helper sem-release NAME N        create a semaphore, release N
 *   tool_helper mutex-own NAME            take a mutex (and die owning it)
 *   tool_helper chan-pump NAME            create an MPMC channel, send and
 *                                         receive 100-byte messages, about
 *                                         a thousand a second
 *   tool_helper chan-recv NAME N          open a channel as a receiver, say
 *                                         "ready", receive N messages and
 *                                         print each in hex ("-" if empty)
 *   tool_helper chan-send NAME MSG...     open a channel as a sender, send
 *                                         each MSG and exit
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shmap.h"

static void say(const char *what)
{
	printf("%s\n", what);
	fflush(stdout);
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "tool_helper: %s: %s\n", what, shmap_strerror(err));
	return 1;
}

static void linger(void)
{
	for (int i = 0; i < 1200; i++)
		usleep(100000);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: tool_helper MODE NAME [ARG...]\n");
		return 2;
	}
	const char *mode = argv[1], *name = argv[2];
	int err;
	if (!strcmp(mode, "map-write") && argc == 5) {
		shmap_map *m;
		void *v;
		size_t n = strlen(argv[4]);
		err = shmap_map_create(name, strtoull(argv[3], NULL, 0),
		                       SHMAP_PROT_READWRITE, NULL, &m);
		if (!err)
			err = shmap_view_map(m, 0, n, SHMAP_ACCESS_WRITE, &v);
		if (err)
			return fail(name, err);
		memcpy(v, argv[4], n);
		say("ready");
		linger();
	}
	if (!strcmp(mode, "view") && argc == 4) {
		unsigned access = !strcmp(argv[3], "rw")    ? SHMAP_ACCESS_WRITE
		                  : !strcmp(argv[3], "cow") ? SHMAP_ACCESS_COPY
		                                            : SHMAP_ACCESS_READ;
		shmap_map *m;
		void *v;
		err = shmap_map_open(name, access == SHMAP_ACCESS_WRITE
		                                   ? SHMAP_ACCESS_WRITE
		                                   : SHMAP_ACCESS_READ,
		                     &m);
		if (!err)
			err = shmap_view_map(m, 0, 0, access, &v);
		if (!err)
			err = shmap_map_close(m);
		if (err)
			return fail(name, err);
		say("ready");
		linger();
	}
	if (!strcmp(mode, "event-wait")) {
		shmap_sync *e;
		err = shmap_event_create(name, 0, NULL, &e);
		if (err)
			return fail(name, err);
		say("waiting");
		err = shmap_wait(e, 60000);
		if (err)
			return fail(name, err);
		say("set");
		return shmap_sync_close(e) ? 1 : 0;
	}
	if (!strcmp(mode, "event-set")) {
		shmap_sync *e;
		err = shmap_event_open(name, 0, &e);
		if (!err)
			err = shmap_event_set(e);
		if (err)
			return fail(name, err);
		return shmap_sync_close(e) ? 1 : 0;
	}
	if (!strcmp(mode, "sem-release") && argc == 4) {
		shmap_sync *s;
		err = shmap_sem_create(name, 0, 10, NULL, &s);
		if (!err)
			err = shmap_sem_release(s, (uint32_t)atoi(argv[3]), NULL);
		if (err)
			return fail(name, err);
		say("ready");
		linger();
	}
	if (!strcmp(mode, "mutex-own")) {
		shmap_sync *m;
		err = shmap_mutex_open(name, 0, &m);
		if (!err)
			err = shmap_wait(m, 60000);
		if (err)
			return fail(name, err);
		say("owned");
		linger();
	}
	if (!strcmp(mode, "chan-pump")) {
		shmap_chan_config cfg = {SHMAP_CHAN_MPMC, 16, 128, 4};
		shmap_chan *c;
		char msg[100], buf[128];
		size_t len;
		memset(msg, 'm', sizeof msg);
		err = shmap_chan_create(name, &cfg,
		                        SHMAP_CHAN_SEND | SHMAP_CHAN_RECV, NULL, &c);
		for (int i = 0; !err && i < 120000; i++) {
			err = shmap_chan_send(c, msg, sizeof msg, 1000);
			if (!err)
				err = shmap_chan_recv(c, buf, sizeof buf, 1000, &len);
			if (!err && i == 0)
				say("ready");
			usleep(1000);
		}
		if (err)
			return fail(name, err);
		exit(2);
	}
	if (!strcmp(mode, "chan-recv") && argc == 4) {
		shmap_chan *c;
		static unsigned char buf[1 << 16];
		size_t len;
		err = shmap_chan_open(name, SHMAP_CHAN_RECV, &c);
		if (err)
			return fail(name, err);
		say("ready");
		for (int i = 0; !err && i < atoi(argv[3]); i++) {
			err = shmap_chan_recv(c, buf, sizeof buf, 60000, &len);
			for (size_t k = 0; !err && k < len; k++)
				printf("%02x", buf[k]);
			if (!err)
				say(len ? "" : "-");
		}
		if (err)
			return fail(name, err);
		return shmap_chan_close(c) ? 1 : 0;
	}
	if (!strcmp(mode, "chan-send")) {
		shmap_chan *c;
		err = shmap_chan_open(name, SHMAP_CHAN_SEND, &c);
		for (int i = 3; !err && i < argc; i++)
			err = shmap_chan_send(c, argv[i], strlen(argv[i]), 60000);
		if (err)
			return fail(name, err);
		return shmap_chan_close(c) ? 1 : 0;
	}
	fprintf(stderr, "tool_helper: unknown mode or arguments\n");
	return 2;
}
