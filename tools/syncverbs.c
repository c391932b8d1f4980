/* SPDX-License-Identifier: MIT */
/* shmap tool: event, sem and mutex, the verbs that signal and wait. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static int run_event(int argc, char **argv);
static int run_sem(int argc, char **argv);
static int run_mutex(int argc, char **argv);

const struct cli_verb cli_verb_event = {
	"event",
	"usage: shmap event set|reset|pulse NAME\n"
	"       shmap event wait NAME [--timeout MS]\n"
	"Sets, resets or pulses an event, or waits until it is set (an\n"
	"auto-reset event is reset by the wait that takes it).\n"
	"  -t, --timeout MS  wait: give up after MS milliseconds (exit 4)\n",
	"set, reset, pulse or wait for an event",
	run_event,
};

const struct cli_verb cli_verb_sem = {
	"sem",
	"usage: shmap sem release NAME [--count N]\n"
	"       shmap sem wait NAME [--count N] [--timeout MS]\n"
	"Adds N to a semaphore's count, or waits until it can take N from\n"
	"it; a wait that times out gives back what it took.\n"
	"  -c, --count N     how many (1)\n"
	"  -t, --timeout MS  wait: give up after MS milliseconds (exit 4)\n",
	"release or wait for a semaphore",
	run_sem,
};

const struct cli_verb cli_verb_mutex = {
	"mutex",
	"usage: shmap mutex wait NAME [--timeout MS] [--hold]\n"
	"Waits until the mutex is free and takes it, says if its owner had\n"
	"ended holding it (abandoned), then releases it, or with --hold keeps\n"
	"it until SIGINT or SIGTERM.\n"
	"  -t, --timeout MS  give up after MS milliseconds (exit 4)\n"
	"      --hold        keep it until SIGINT or SIGTERM, saying when\n",
	"wait for a mutex, report if abandoned, or hold it",
	run_mutex,
};

/*
 * Parses the operands ACTION NAME: returns the index of ACTION in the
 * NULL-ended list (what names them all, for a missing one) and stores NAME
 * in *name. A timeout given to an action other than "wait" is a usage
 * error, as is an unknown action.
 */
static int action_name(int argc, char **argv, const char *const *list,
                       const char *what, int timeout_given, const char **name)
{
	cli_operands(argc, argv, 1, 2, what);
	const char *word = argv[optind];
	int a = 0;
	while (list[a] && strcmp(word, list[a]))
		a++;
	if (!list[a])
		cli_usage_error("unknown action '%s'", cli_name(word));
	cli_set_action(list[a]);
	cli_operands(argc, argv, 2, 2, "NAME");
	if (timeout_given && strcmp(list[a], "wait"))
		cli_usage_error("--timeout is for wait");
	*name = argv[optind + 1];
	return a;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Milliseconds left before deadline (SHMAP_INFINITE for none). */
static int left_ms(int timeout, double deadline)
{
	if (timeout == SHMAP_INFINITE)
		return SHMAP_INFINITE;
	double left = deadline - now_ms();
	return left > 0 ? (int)left + 1 : 0;
}

/* Reports a wait's failure: a timeout with its length, else the error. */
static int wait_failed(const char *name, int err, int timeout)
{
	if (err == -ETIMEDOUT)
		return cli_failf(name, CLI_TIMED_OUT, "timed out after %d ms",
		                 timeout);
	return cli_fail(name, err);
}

/* Closes s, then reports err if not 0, else a close's failure. */
static int close_with(shmap_sync *s, const char *name, int status)
{
	int err = shmap_sync_close(s);
	if (err && !status)
		return cli_fail(name, err);
	return status;
}

enum { OPT_HOLD = 256 };

static int run_event(int argc, char **argv)
{
	static const struct option opts[] = {
		{"timeout", required_argument, NULL, 't'},
		CLI_OPT_HELP,
		{0},
	};
	static const char *const actions[] = {"set", "reset", "pulse", "wait",
	                                      NULL};
	int timeout = SHMAP_INFINITE, have_timeout = 0;
	cli_begin(&cli_verb_event, argc, argv);
	for (int c; (c = cli_getopt(argc, argv, "t:", opts)) != -1;) {
		timeout = cli_timeout("--timeout", optarg);
		have_timeout = 1;
	}
	const char *name;
	int a = action_name(argc, argv, actions, "set, reset, pulse or wait",
	                    have_timeout, &name);
	shmap_sync *e;
	int err = shmap_event_open(name, 0, &e);
	if (err)
		return cli_fail(name, err);
	switch (a) {
	case 0:
		err = shmap_event_set(e);
		break;
	case 1:
		err = shmap_event_reset(e);
		break;
	case 2:
		err = shmap_event_pulse(e);
		break;
	default:
		err = shmap_wait(e, timeout);
		break;
	}
	return close_with(e, name, err ? wait_failed(name, err, timeout) : 0);
}

static int run_sem(int argc, char **argv)
{
	static const struct option opts[] = {
		{"count", required_argument, NULL, 'c'},
		{"timeout", required_argument, NULL, 't'},
		CLI_OPT_HELP,
		{0},
	};
	static const char *const actions[] = {"release", "wait", NULL};
	int timeout = SHMAP_INFINITE, have_timeout = 0;
	uint32_t count = 1;
	cli_begin(&cli_verb_sem, argc, argv);
	for (int c; (c = cli_getopt(argc, argv, "c:t:", opts)) != -1;) {
		if (c == 'c') {
			count = (uint32_t)cli_number("--count", optarg, 1,
			                             INT32_MAX);
		} else {
			timeout = cli_timeout("--timeout", optarg);
			have_timeout = 1;
		}
	}
	const char *name;
	int a = action_name(argc, argv, actions, "release or wait",
	                    have_timeout, &name);
	shmap_sync *s;
	int err = shmap_sem_open(name, 0, &s);
	if (err)
		return cli_fail(name, err);
	int status = 0;
	if (a == 0) {
		err = shmap_sem_release(s, count, NULL);
		if (err == -EOVERFLOW)
			status = cli_failf(name, CLI_ERROR,
			                   "a release of %u would pass the "
			                   "maximum count; nothing changed",
			                   count);
		else if (err)
			status = cli_fail(name, err);
		return close_with(s, name, status);
	}
	double deadline = now_ms() + timeout;
	uint32_t taken = 0;
	while (taken < count && !err) {
		err = shmap_wait(s, left_ms(timeout, deadline));
		taken += !err;
	}
	if (err && taken) {
		/* Not all of them: what was taken goes back. */
		shmap_sem_release(s, taken, NULL);
	}
	if (err)
		status = wait_failed(name, err, timeout);
	return close_with(s, name, status);
}

static int run_mutex(int argc, char **argv)
{
	static const struct option opts[] = {
		{"timeout", required_argument, NULL, 't'},
		{"hold", no_argument, NULL, OPT_HOLD},
		CLI_OPT_HELP,
		{0},
	};
	static const char *const actions[] = {"wait", NULL};
	int timeout = SHMAP_INFINITE, hold = 0;
	cli_begin(&cli_verb_mutex, argc, argv);
	for (int c; (c = cli_getopt(argc, argv, "t:", opts)) != -1;) {
		if (c == 't')
			timeout = cli_timeout("--timeout", optarg);
		else
			hold = 1;
	}
	const char *name;
	action_name(argc, argv, actions, "wait", 0, &name);
	/* A holder must not die between taking the mutex and waiting for
	 * its signal (that would abandon it): the signals stay blocked, and
	 * the wait goes in slices that look for them. */
	if (hold)
		cli_block_signals();
	shmap_sync *m;
	int err = shmap_mutex_open(name, 0, &m);
	if (err)
		return cli_fail(name, err);
	double deadline = now_ms() + timeout;
	for (;;) {
		int left = left_ms(timeout, deadline);
		int slice = hold && (left < 0 || left > 100) ? 100 : left;
		err = shmap_wait(m, slice);
		if (err != -ETIMEDOUT || left == slice)
			break;
		int sig = hold ? cli_signalled() : 0;
		if (sig) {
			shmap_sync_close(m);
			cli_die_by(sig);
		}
	}
	int abandoned = err == SHMAP_EABANDONED;
	if (err && !abandoned)
		return close_with(m, name, wait_failed(name, err, timeout));
	const char *was = abandoned ? "abandoned by an owner that ended "
	                              "holding it; "
	                            : "";
	if (hold) {
		char what[128];
		snprintf(what, sizeof what, "%sacquired", was);
		cli_hold(name, what);
	} else if (abandoned) {
		printf("%s: %sacquired and released\n", cli_name(name), was);
	}
	err = shmap_mutex_release(m);
	return close_with(m, name, err ? cli_fail(name, err) : 0);
}
