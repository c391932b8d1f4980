/* SPDX-License-Identifier: MIT */
/*
 * What every transport benchmark of bench_chan and its peer programs shares:
 * the payload rule, pinning, the clock, and the two-process harness.
 *
 * Payload rule: the sender writes every byte of each message (64-bit words
 * derived from the message's sequence number) and the receiver checks every
 * byte; a wrong byte ends the program with status 1.
 *
 * The harness forks: the parent and the child each set their side of a
 * method up, pinned to the first and the second CPU the process may run on
 * (where it may run on two). A round trip is the parent sending a message
 * the child receives, then the child sending one back. One-way throughput
 * is the child sending, the parent receiving; the parent takes the time.
 * Header-only, for C and C++.
 */
#ifndef SHMAP_BENCH_PAIR_H
#define SHMAP_BENCH_PAIR_H

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { BP_RT = 0, BP_TPUT = 1 };

static inline double bp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline void bp_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* The CPU set the process started with (before any bp_pin), and the
 * first two CPUs in it; -1 while unknown, 0 if it has fewer than two. */
static cpu_set_t bp_start_set;
static int bp_cpu[2], bp_have_cpus = -1;

static inline void bp_find_cpus(void)
{
	if (bp_have_cpus >= 0)
		return;
	bp_have_cpus = 0;
	CPU_ZERO(&bp_start_set);
	if (sched_getaffinity(0, sizeof bp_start_set, &bp_start_set))
		return;
	int n = 0;
	for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &bp_start_set))
			bp_cpu[n++] = c;
	bp_have_cpus = n == 2;
}

/* Pins the calling process to the first (side 0) or second (side 1) CPU
 * it may run on; does nothing where it may run on one CPU only. */
static inline void bp_pin(int side)
{
	cpu_set_t set;
	bp_find_cpus();
	if (!bp_have_cpus)
		return;
	CPU_ZERO(&set);
	CPU_SET(bp_cpu[side], &set);
	sched_setaffinity(0, sizeof set, &set);
}

/* Gives the calling process back the CPUs it started with. */
static inline void bp_unpin(void)
{
	if (bp_have_cpus > 0)
		sched_setaffinity(0, sizeof bp_start_set, &bp_start_set);
}

static inline void bp_fail(const char *prog, const char *what)
{
	fprintf(stderr, "%s: %s\n", prog, what);
	exit(1);
}

#define BP_K 0x9E3779B97F4A7C15ull

/* Writes message seq's pattern over all n bytes of p. */
static inline void bp_fill(void *p, size_t n, uint64_t seq)
{
	unsigned char *b = (unsigned char *)p;
	uint64_t base = seq * BP_K, w;
	size_t i, words = n / 8;
	for (i = 0; i < words; i++) {
		w = base + i;
		memcpy(b + 8 * i, &w, 8);
	}
	for (i = 8 * words; i < n; i++)
		b[i] = (unsigned char)(base >> (8 * (i & 7)));
}

/* 1 if all n bytes of p are message seq's pattern. */
static inline int bp_check(const void *p, size_t n, uint64_t seq)
{
	const unsigned char *b = (const unsigned char *)p;
	uint64_t base = seq * BP_K, w, bad = 0;
	size_t i, words = n / 8;
	for (i = 0; i < words; i++) {
		memcpy(&w, b + 8 * i, 8);
		bad |= w ^ (base + i);
	}
	for (i = 8 * words; i < n; i++)
		bad |= b[i] ^ (unsigned char)(base >> (8 * (i & 7)));
	return bad == 0;
}

/* One method's side in one process. setup runs after the fork, in the
 * parent first, then in the child once the parent's is done; send and recv
 * move message seq of `size` bytes; teardown runs once both are finished. */
struct bp_side {
	const char *name;
	void (*setup)(int parent, int mode, size_t size);
	void (*send)(uint64_t seq, size_t size);
	void (*recv)(uint64_t seq, size_t size);
	void (*teardown)(int parent);
};

/* Seconds after which a side that hangs is ended by SIGALRM (0: never). */
static unsigned bp_alarm_s;

static inline void bp_xwrite(int fd)
{
	char c = 0;
	if (write(fd, &c, 1) != 1)
		bp_fail("bench", "pipe write");
}

static inline void bp_xread(int fd)
{
	char c;
	if (read(fd, &c, 1) != 1)
		bp_fail("bench", "pipe read");
}

/* Untimed messages before the clock starts: connecting and the first
 * touches of every slot of an 8-slot ring are not counted. */
#define BP_WARM 8

/*
 * Runs `count` round trips (BP_RT) or one-way messages (BP_TPUT) of `size`
 * bytes between a parent and a forked child and returns the parent's ns per
 * round trip or per message. BP_WARM untimed messages (round trips, or
 * one-way messages) go before the clock starts; in BP_TPUT the child then
 * waits for the parent's go, so no timed message is sent before the clock
 * starts.
 * Returns a negative number if the child failed.
 */
static inline double bp_run(const struct bp_side *m, int mode, size_t size,
                            uint64_t count)
{
	int p2c[2], c2p[2];
	if (pipe(p2c) || pipe(c2p))
		bp_fail(m->name, "pipe");
	pid_t pid = fork();
	if (pid < 0)
		bp_fail(m->name, "fork");
	if (pid == 0) {
		alarm(bp_alarm_s);
		bp_pin(1);
		bp_xread(p2c[0]); /* the parent's side is set up */
		m->setup(0, mode, size);
		bp_xwrite(c2p[1]);
		if (mode == BP_RT) {
			for (uint64_t s = 0; s < BP_WARM + count; s++) {
				m->recv(s, size);
				m->send(s, size);
			}
		} else {
			for (uint64_t s = 0; s < BP_WARM; s++)
				m->send(s, size);
			bp_xread(p2c[0]); /* go */
			for (uint64_t s = BP_WARM; s < BP_WARM + count; s++)
				m->send(s, size);
		}
		bp_xread(p2c[0]); /* done: the parent has every message */
		m->teardown(0);
		_exit(0);
	}
	bp_pin(0);
	m->setup(1, mode, size);
	bp_xwrite(p2c[1]);
	bp_xread(c2p[0]);
	double t0, t1;
	uint64_t s;
	if (mode == BP_RT) {
		for (s = 0; s < BP_WARM; s++) {
			m->send(s, size);
			m->recv(s, size);
		}
		t0 = bp_now_ns();
		for (; s < BP_WARM + count; s++) {
			m->send(s, size);
			m->recv(s, size);
		}
		t1 = bp_now_ns();
	} else {
		for (s = 0; s < BP_WARM; s++)
			m->recv(s, size);
		bp_xwrite(p2c[1]);
		t0 = bp_now_ns();
		for (; s < BP_WARM + count; s++)
			m->recv(s, size);
		t1 = bp_now_ns();
	}
	bp_xwrite(p2c[1]);
	int st;
	waitpid(pid, &st, 0);
	m->teardown(1);
	close(p2c[0]);
	close(p2c[1]);
	close(c2p[0]);
	close(c2p[1]);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return (t1 - t0) / (double)count;
}

/*
 * The main of a peer program: `prog rt|tput SIZE COUNT` prints the ns per
 * round trip or per message of one bp_run, and exits 0; 1 on failure.
 */
static inline int bp_peer_main(const struct bp_side *m, int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "rt") && strcmp(argv[1], "tput"))) {
		fprintf(stderr, "usage: %s rt|tput SIZE COUNT\n", argv[0]);
		return 2;
	}
	int mode = strcmp(argv[1], "rt") ? BP_TPUT : BP_RT;
	size_t size = (size_t)strtoull(argv[2], NULL, 0);
	uint64_t count = strtoull(argv[3], NULL, 0);
	if (size < 8 || count < 1)
		return 2;
	bp_alarm_s = 300; /* a peer that hangs ends, reported as failed */
	alarm(bp_alarm_s);
	double ns = bp_run(m, mode, size, count);
	if (ns < 0)
		return 1;
	printf("%.3f\n", ns);
	return 0;
}

#endif
