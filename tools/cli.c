/* SPDX-License-Identifier: MIT */
/* shmap tool: options, numbers, messages and escaping shared by the verbs. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* The verb being run and its action, for --help and messages. */
static const struct cli_verb *cli_verb;
static const char *cli_action;

void cli_begin(const struct cli_verb *v, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_verb = v;
	cli_action = NULL;
	optind = 0; /* a fresh parse of a new vector (glibc) */
	opterr = 0;
}

void cli_set_action(const char *action)
{
	cli_action = action;
}

/* "shmap VERB[ ACTION]: " on stderr. */
static void cli_prefix(void)
{
	fprintf(stderr, "shmap%s%s%s%s: ", cli_verb ? " " : "",
	        cli_verb ? cli_verb->name : "", cli_action ? " " : "",
	        cli_action ? cli_name(cli_action) : "");
}

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	cli_prefix();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see shmap%s%s --help)\n", cli_verb ? " " : "",
	        cli_verb ? cli_verb->name : "");
	exit(CLI_USAGE);
}

int cli_getopt(int argc, char **argv, const char *shortopts,
               const struct option *longopts)
{
	/* ':' first: a missing value returns ':', told apart from '?'. */
	char so[64];
	snprintf(so, sizeof so, ":%sh", shortopts);
	int c = getopt_long(argc, argv, so, longopts, NULL);
	if (c == 'h') {
		fputs(cli_verb->usage, stdout);
		exit(CLI_OK);
	}
	if (c != '?' && c != ':')
		return c;
	/* A long option is the word just passed (optopt 0 if unknown, its
	 * value if known); a short one is optopt, perhaps inside a word. */
	const char *last = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	size_t len = strcspn(last, "=");
	int is_long = !strncmp(last, "--", 2) && len > 2 && !optopt;
	for (const struct option *o = longopts; optopt && o->name; o++)
		if (o->val == optopt && !strncmp(last, "--", 2) && len > 2 &&
		    !strncmp(o->name, last + 2, len - 2))
			is_long = 1;
	char word[128];
	if (is_long)
		snprintf(word, sizeof word, "%.*s", (int)len, last);
	else
		snprintf(word, sizeof word, "-%c", optopt);
	if (c == ':')
		cli_usage_error("option '%s' needs a value", cli_name(word));
	if (is_long && optopt)
		cli_usage_error("option '%s' takes no value", cli_name(word));
	cli_usage_error("unknown option '%s'", cli_name(word));
}

int cli_operands(int argc, char **argv, int min, int max, const char *what)
{
	int n = argc - optind;
	if (n < min)
		cli_usage_error("missing %s", what);
	if (n > max)
		cli_usage_error("unexpected argument '%s'",
		                cli_name(argv[optind + max]));
	return n;
}

/* The multiplier a suffix names, or 0 for none known. */
static uint64_t cli_suffix(const char *s)
{
	static const char units[] = "KMGT";
	if (!*s)
		return 1;
	const char *u = strchr(units, s[0] & ~0x20);
	if (!u || !s[0] || (s[1] && strcmp(s + 1, "iB")))
		return 0;
	return 1ull << (10 * (u - units + 1));
}

uint64_t cli_size(const char *option, const char *arg)
{
	int hex = arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X');
	const char *digits = arg + (hex ? 2 : 0);
	char *end;
	errno = 0;
	unsigned long long v = strtoull(digits, &end, hex ? 16 : 10);
	uint64_t mul = cli_suffix(end);
	/* strtoull takes signs and blanks; a size is digits only. */
	if (!(*digits >= '0' && *digits <= '9') &&
	    !(hex && strchr("abcdefABCDEF", *digits) && *digits))
		mul = 0;
	if (errno || !mul || end == digits)
		cli_usage_error("%s: '%s' is not a size", option, cli_name(arg));
	if (v > UINT64_MAX / mul)
		cli_usage_error("%s: '%s' is too large", option, cli_name(arg));
	return v * mul;
}

uint64_t cli_number(const char *option, const char *arg, uint64_t min,
                    uint64_t max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || !(*arg >= '0' && *arg <= '9'))
		cli_usage_error("%s: '%s' is not a number", option,
		                cli_name(arg));
	if (v < min || v > max)
		cli_usage_error("%s: %s is not from %llu to %llu", option,
		                cli_name(arg), (unsigned long long)min,
		                (unsigned long long)max);
	return v;
}

int cli_timeout(const char *option, const char *arg)
{
	if (!strcmp(arg, "infinite"))
		return SHMAP_INFINITE;
	return (int)cli_number(option, arg, 0, INT_MAX);
}

int cli_status(int err)
{
	if (err == -ENOENT)
		return CLI_NOT_FOUND;
	if (err == -ETIMEDOUT)
		return CLI_TIMED_OUT;
	return CLI_ERROR;
}

int cli_failf(const char *object, int status, const char *fmt, ...)
{
	va_list ap;
	cli_prefix();
	if (object)
		fprintf(stderr, "%s: ", cli_name(object));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int cli_fail_dir(int err)
{
	return cli_failf(shmap_backing_dir(), CLI_ERROR, "%s",
	                 shmap_strerror(err));
}

int cli_fail(const char *object, int err)
{
	return cli_failf(object, cli_status(err), "%s",
	                 err == -ENOENT ? "no such object"
	                                : shmap_strerror(err));
}

int cli_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	int len;
	unsigned lo = 0x80, hi = 0xbf; /* the range of the second byte */
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0; /* no overlong forms */
		if (c == 0xed)
			hi = 0x9f; /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f; /* nothing past U+10FFFF */
	} else
		return 0;
	if (n < (size_t)len || s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

void cli_put_text(FILE *f, const char *s, size_t n, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		int len = cli_utf8_len(p + i, n - i);
		int data = flags & (CLI_TEXT_DATA | CLI_TEXT_LINE);
		if (data && c == '\\') {
			fputs("\\\\", f);
			i++;
		} else if ((c >= 0x20 && c < 0x7f) || (data && c == '\t') ||
		           ((flags & CLI_TEXT_DATA) && c == '\n')) {
			fputc((int)c, f);
			i++;
		} else if (len > 1 && !(c == 0xc2 && p[i + 1] < 0xa0)) {
			/* C1 controls, U+0080 to U+009F, are C2 80 to C2 9F. */
			fwrite(p + i, 1, (size_t)len, f);
			i += (size_t)len;
		} else {
			fprintf(f, "\\x%02x", c);
			i++;
		}
	}
}

const char *cli_type_word(unsigned type)
{
	switch (type) {
	case SHMAP_TYPE_MAPPING:
		return "mapping";
	case SHMAP_TYPE_EVENT:
		return "event";
	case SHMAP_TYPE_MUTEX:
		return "mutex";
	case SHMAP_TYPE_SEMAPHORE:
		return "semaphore";
	case SHMAP_TYPE_CHANNEL:
		return "channel";
	}
	return NULL;
}

const char *cli_shape_word(unsigned shape)
{
	static const char *const shapes[] = {"?", "spsc", "mpmc", "broadcast"};
	return shapes[shape <= 3 ? shape : 0];
}

const char *cli_name(const char *name)
{
	/* Names are at most 260 characters past their prefix, 4 bytes each;
	 * longer words (a bad name given) are cut with "...". */
	enum { SHOWN = 1100 };
	static char bufs[4][SHOWN * 4 + 8];
	static unsigned next;
	char *b = bufs[next++ % 4];
	size_t n = strlen(name);
	FILE *f = fmemopen(b, sizeof bufs[0], "w");
	if (!f)
		return name;
	cli_put_text(f, name, n > SHOWN ? SHOWN : n, 0);
	if (n > SHOWN)
		fputs("...", f);
	fclose(f);
	return b;
}

void cli_json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		int len = cli_utf8_len(p + i, n - i);
		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else if (len > 1) {
			fwrite(p + i, 1, (size_t)len, f);
			i += (size_t)len;
			continue;
		} else if (len == 0) {
			/* The byte alone, as a lone low surrogate. */
			fprintf(f, "\\udc%02x", c);
		} else {
			fputc((int)c, f);
		}
		i++;
	}
	fputc('"', f);
}

void cli_version(FILE *f)
{
	unsigned v = shmap_version();
	fprintf(f, "%u.%u.%u\n", v >> 16, (v >> 8) & 0xff, v & 0xff);
}

static void cli_hold_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

void cli_block_signals(void)
{
	sigset_t set;
	cli_hold_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

int cli_wait_signal(const struct timespec *timeout)
{
	sigset_t set;
	cli_hold_set(&set);
	int sig;
	/* EINTR: another signal (SIGCONT after SIGSTOP) ended it early. */
	while ((sig = sigtimedwait(&set, NULL, timeout)) < 0 && errno == EINTR)
		;
	return sig > 0 ? sig : 0;
}

int cli_signalled(void)
{
	struct timespec now = {0, 0};
	return cli_wait_signal(&now);
}

void cli_die_by(int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	signal(sig, SIG_DFL);
	raise(sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	_exit(128 + sig); /* not reached: the signal ends the process */
}

void cli_hold(const char *object, const char *what)
{
	sigset_t set;
	int sig;
	cli_hold_set(&set);
	printf("%s: %s; holding it until SIGINT or SIGTERM (pid %d)\n",
	       cli_name(object), what, (int)getpid());
	fflush(stdout);
	while (sigwait(&set, &sig))
		;
}

int cli_flush_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return CLI_OK;
	return cli_failf("standard output", CLI_ERROR, "%s", strerror(errno));
}
