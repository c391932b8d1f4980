/* SPDX-License-Identifier: MIT */
/* shmap tool: chan, the verb that sends and receives channel messages. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int run_chan(int argc, char **argv);

const struct cli_verb cli_verb_chan = {
	"chan",
	"usage: shmap chan send NAME [--timeout MS] [DATA...]\n"
	"       shmap chan send NAME [--timeout MS] [--raw] -\n"
	"       shmap chan recv NAME [--count N] [--timeout MS] [--raw]\n"
	"send: each DATA is one message; '-' (or no DATA) makes each line of\n"
	"standard input one message, without its newline, or with --raw all\n"
	"of standard input one message.\n"
	"recv: receives N messages and prints each on a line, a backslash as\n"
	"\\\\ and a byte that is not printable as \\xHH, or with --raw as they\n"
	"are, back to back. A broadcast receiver joins as a reader as it\n"
	"starts, and says on standard error how many messages it missed.\n"
	"  -t, --timeout MS  give up after MS milliseconds waiting for one\n"
	"                    message, or for room for it (exit 4)\n"
	"  -c, --count N     recv: how many messages (1; 0: until the timeout)\n"
	"  -r, --raw         send: standard input is one message, as it is;\n"
	"                    recv: messages as they are\n",
	"send or receive channel messages",
	run_chan,
};

/* Opens the channel name with role; on failure says why and returns the
 * exit status. */
static int open_chan(const char *name, unsigned role, shmap_chan **c)
{
	int err = shmap_chan_open(name, role, c);
	const char *what = role == SHMAP_CHAN_SEND ? "sender" : "receiver";
	if (err == -EBUSY)
		return cli_failf(name, CLI_ERROR,
		                 "a live process holds its one %s role (%s)",
		                 what,
		                 role == SHMAP_CHAN_SEND
		                         ? "spsc and broadcast channels have "
		                           "one sender"
		                         : "an spsc channel has one receiver");
	if (err == -ENOSPC)
		return cli_failf(name, CLI_ERROR,
		                 "no room for another %s (the channel's "
		                 "readers-max are all taken)",
		                 role == SHMAP_CHAN_SEND
		                         ? "sender"
		                         : "receiver or reader");
	return err ? cli_fail(name, err) : CLI_OK;
}

/* What a send or recv has done, for its messages. */
struct chan_run {
	const char *name;
	shmap_chan *c;
	uint32_t max_msg;
	int timeout;
	uint64_t done; /* messages sent or received */
};

/* "; N messages sent" (or received), or "" before the first. */
static const char *done_words(const struct chan_run *r, const char *verb)
{
	static char b[64];
	if (!r->done)
		return "";
	snprintf(b, sizeof b, "; %llu message%s %s",
	         (unsigned long long)r->done, r->done == 1 ? "" : "s", verb);
	return b;
}

/* Sends one message of n bytes: returns 0, or says why not and returns
 * the exit status. */
static int send_one(struct chan_run *r, const void *p, size_t n)
{
	int err = shmap_chan_send(r->c, p, n, r->timeout);
	if (!err) {
		r->done++;
		return CLI_OK;
	}
	if (err == -EMSGSIZE)
		return cli_failf(r->name, CLI_ERROR,
		                 "a message of %zu bytes is longer than the "
		                 "channel's largest, %u%s",
		                 n, r->max_msg, done_words(r, "sent"));
	/* -EAGAIN: a timeout of 0 found it full. */
	if (err == -ETIMEDOUT || err == -EAGAIN)
		return cli_failf(r->name, CLI_TIMED_OUT,
		                 "timed out after %d ms waiting for room%s",
		                 r->timeout, done_words(r, "sent"));
	return cli_fail(r->name, err);
}

/* Sends each line of standard input, its newline cut off. */
static int send_lines(struct chan_run *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int status = CLI_OK;
	while (!status && (n = getline(&line, &cap, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			n--;
		status = send_one(r, line, (size_t)n);
	}
	free(line);
	if (!status && ferror(stdin))
		status = cli_failf("standard input", CLI_ERROR, "%s",
		                   strerror(errno));
	return status;
}

/* Sends all of standard input as one message. */
static int send_raw(struct chan_run *r)
{
	/* One byte more than fits tells a message too long. */
	size_t cap = (size_t)r->max_msg + 1;
	char *buf = malloc(cap);
	if (!buf)
		return cli_fail(r->name, -ENOMEM);
	size_t n = fread(buf, 1, cap, stdin);
	int status;
	if (ferror(stdin))
		status = cli_failf("standard input", CLI_ERROR, "%s",
		                   strerror(errno));
	else if (n == cap)
		status = cli_failf(r->name, CLI_ERROR,
		                   "standard input is longer than the "
		                   "channel's largest message, %u bytes; "
		                   "nothing sent",
		                   r->max_msg);
	else
		status = send_one(r, buf, n);
	free(buf);
	return status;
}

/* Receives count messages (0: until the timeout) and prints them. */
static int recv_messages(struct chan_run *r, uint64_t count, int raw)
{
	size_t cap = r->max_msg ? r->max_msg : 1;
	char *buf = malloc(cap);
	int status = CLI_OK;
	while (buf && !status && (!count || r->done < count)) {
		size_t len = 0;
		int err = shmap_chan_recv(r->c, buf, cap, r->timeout, &len);
		if (err == SHMAP_EOVERRUN) {
			uint64_t missed = 0;
			shmap_chan_missed(r->c, &missed);
			cli_failf(r->name, CLI_OK,
			          "overrun: %llu message%s missed",
			          (unsigned long long)missed,
			          missed == 1 ? "" : "s");
			continue;
		}
		if (err == -EMSGSIZE && len > cap && len <= 1u << 30) {
			/* Larger than the channel said: the message stays,
			 * the next receive gets it. */
			char *bigger = realloc(buf, len);
			if (!bigger) {
				status = cli_fail(r->name, -ENOMEM);
				break;
			}
			buf = bigger;
			cap = len;
			continue;
		}
		if (err == -ETIMEDOUT || err == -EAGAIN) {
			status = cli_failf(r->name, CLI_TIMED_OUT,
			                   "timed out after %d ms%s", r->timeout,
			                   done_words(r, "received"));
			break;
		}
		if (err) {
			status = cli_fail(r->name, err);
			break;
		}
		if (raw) {
			fwrite(buf, 1, len, stdout);
		} else {
			cli_put_text(stdout, buf, len, CLI_TEXT_LINE);
			putchar('\n');
		}
		r->done++;
		/* A script reading a pipe sees each message as it comes. */
		if (cli_flush_stdout())
			status = CLI_ERROR;
	}
	if (!buf)
		status = cli_fail(r->name, -ENOMEM);
	free(buf);
	return status;
}

enum { ACT_SEND, ACT_RECV };

static int run_chan(int argc, char **argv)
{
	static const struct option opts[] = {
		{"timeout", required_argument, NULL, 't'},
		{"count", required_argument, NULL, 'c'},
		{"raw", no_argument, NULL, 'r'},
		CLI_OPT_HELP,
		{0},
	};
	struct chan_run r = {NULL, NULL, 0, SHMAP_INFINITE, 0};
	uint64_t count = 1;
	int have_count = 0, raw = 0;
	cli_begin(&cli_verb_chan, argc, argv);
	for (int c; (c = cli_getopt(argc, argv, "t:c:r", opts)) != -1;) {
		if (c == 't') {
			r.timeout = cli_timeout("--timeout", optarg);
		} else if (c == 'c') {
			count = cli_number("--count", optarg, 0, UINT64_MAX);
			have_count = 1;
		} else {
			raw = 1;
		}
	}
	cli_operands(argc, argv, 1, INT_MAX, "send or recv");
	const char *word = argv[optind];
	int act;
	if (!strcmp(word, "send"))
		act = ACT_SEND;
	else if (!strcmp(word, "recv"))
		act = ACT_RECV;
	else
		cli_usage_error("unknown action '%s'", cli_name(word));
	cli_set_action(word);
	int n = cli_operands(argc, argv, 2, act == ACT_RECV ? 2 : INT_MAX,
	                     "NAME");
	r.name = argv[optind + 1];
	char **data = argv + optind + 2;
	int ndata = n - 2;
	/* No DATA reads standard input, as '-' does. */
	int from_stdin = !ndata || (ndata == 1 && !strcmp(data[0], "-"));
	if (act == ACT_SEND && have_count)
		cli_usage_error("--count is for recv");
	for (int i = 0; act == ACT_SEND && ndata > 1 && i < ndata; i++)
		if (!strcmp(data[i], "-"))
			cli_usage_error("'-' (standard input) goes alone");
	if (act == ACT_SEND && raw && !from_stdin)
		cli_usage_error("--raw with send is for '-' (standard input)");

	int status = open_chan(r.name,
	                       act == ACT_SEND ? SHMAP_CHAN_SEND
	                                       : SHMAP_CHAN_RECV,
	                       &r.c);
	if (status)
		return status;
	struct shmap_chan_stats st;
	int err = shmap_chan_stats(r.c, &st);
	if (!err && !st.valid)
		err = st.error ? st.error : SHMAP_EBADOBJ;
	r.max_msg = st.max_msg;
	if (err)
		status = cli_fail(r.name, err);
	else if (act == ACT_RECV)
		status = recv_messages(&r, have_count ? count : 1, raw);
	else if (!from_stdin)
		for (int i = 0; !status && i < ndata; i++)
			status = send_one(&r, data[i], strlen(data[i]));
	else
		status = raw ? send_raw(&r) : send_lines(&r);
	err = shmap_chan_close(r.c);
	if (err && !status)
		status = cli_fail(r.name, err);
	return status;
}
