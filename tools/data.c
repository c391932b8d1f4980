/* SPDX-License-Identifier: MIT */
/* shmap tool: create, write and dump, the verbs that make and read objects. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int run_create(int argc, char **argv);
static int run_write(int argc, char **argv);
static int run_dump(int argc, char **argv);

const struct cli_verb cli_verb_create = {
	"create",
	"usage: shmap create NAME --size SIZE [--noreserve] [OPTION...]\n"
	"       shmap create NAME --type event [--manual-reset] [--set] "
	"[OPTION...]\n"
	"       shmap create NAME --type mutex [OPTION...]\n"
	"       shmap create NAME --type semaphore [--initial N] [--maximum N] "
	"[OPTION...]\n"
	"       shmap create NAME --type channel [--shape SHAPE] "
	"[--capacity N]\n"
	"                    [--max-msg BYTES] [--readers-max N] [OPTION...]\n"
	"Creates an object, or opens it if the name exists. An object lives\n"
	"while a handle holds it: without --hold it goes as the command ends,\n"
	"unless another process holds it too.\n"
	"  -s, --size SIZE     bytes of a mapping (suffixes K, M, G, T)\n"
	"      --type TYPE     mapping (the default), event, mutex, semaphore,\n"
	"                      channel\n"
	"      --hold          hold it until SIGINT or SIGTERM, saying when\n"
	"      --exclusive     fail if the name exists\n"
	"      --mode MODE     permission bits of a Global object (octal)\n"
	"      --noreserve     mapping: take memory as pages are written\n"
	"      --manual-reset  event: stay set until reset\n"
	"      --set           event: created set\n"
	"      --initial N     semaphore: the count at first (0)\n"
	"      --maximum N     semaphore: the most it counts (2147483647)\n"
	"      --shape SHAPE   channel: spsc, mpmc (the default) or broadcast\n"
	"      --capacity N    channel: messages it holds (64; rounded up to a\n"
	"                      power of two)\n"
	"      --max-msg BYTES channel: the largest message (4K)\n"
	"      --readers-max N channel: mpmc senders and receivers each, or\n"
	"                      broadcast readers, it has room for (64)\n",
	"create an object, and hold it",
	run_create,
};

const struct cli_verb cli_verb_write = {
	"write",
	"usage: shmap write NAME [--offset OFFSET] < DATA\n"
	"Copies standard input into the mapping from OFFSET on, through a\n"
	"read-write view. Input longer than the rest of the mapping fails.\n"
	"  -o, --offset OFFSET  where to start (suffixes K, M, G, T; 0x hex)\n",
	"copy standard input into a mapping",
	run_write,
};

const struct cli_verb cli_verb_dump = {
	"dump",
	"usage: shmap dump NAME [--offset OFFSET] [--length LENGTH] "
	"[--format FORMAT]\n"
	"Prints the bytes of a mapping, read through a read-only view.\n"
	"  -o, --offset OFFSET  where to start (suffixes K, M, G, T; 0x hex)\n"
	"  -l, --length LENGTH  how many bytes (default: to the end)\n"
	"  -f, --format FORMAT  hex (like xxd, the default), raw, or text\n"
	"                       (up to the first NUL byte, controls as \\xHH)\n",
	"print the bytes of a mapping",
	run_dump,
};

/* Whether a word names a type, and which, in *type. */
static int parse_type(const char *s, enum shmap_type *type)
{
	static const struct {
		const char *word;
		enum shmap_type type;
	} t[] = {
		{"mapping", SHMAP_TYPE_MAPPING},
		{"event", SHMAP_TYPE_EVENT},
		{"mutex", SHMAP_TYPE_MUTEX},
		{"semaphore", SHMAP_TYPE_SEMAPHORE},
		{"sem", SHMAP_TYPE_SEMAPHORE},
		{"channel", SHMAP_TYPE_CHANNEL},
		{"chan", SHMAP_TYPE_CHANNEL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(s, t[i].word)) {
			*type = t[i].type;
			return 1;
		}
	return 0;
}

static const char *type_word(enum shmap_type type)
{
	const char *w = cli_type_word(type);
	return w ? w : "object";
}

enum {
	OPT_TYPE = 256,
	OPT_HOLD,
	OPT_EXCL,
	OPT_MODE,
	OPT_NORESERVE,
	OPT_MANUAL,
	OPT_SET,
	OPT_INITIAL,
	OPT_MAXIMUM,
	OPT_SHAPE,
	OPT_CAPACITY,
	OPT_MAX_MSG,
	OPT_READERS_MAX,
};

/* Whether a word names a channel's shape, and which, in *shape. */
static int parse_shape(const char *s, unsigned *shape)
{
	for (unsigned i = SHMAP_CHAN_SPSC; i <= SHMAP_CHAN_BROADCAST; i++)
		if (!strcmp(s, cli_shape_word(i))) {
			*shape = i;
			return 1;
		}
	return 0;
}

static int run_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{"size", required_argument, NULL, 's'},
		{"type", required_argument, NULL, OPT_TYPE},
		{"hold", no_argument, NULL, OPT_HOLD},
		{"exclusive", no_argument, NULL, OPT_EXCL},
		{"mode", required_argument, NULL, OPT_MODE},
		{"noreserve", no_argument, NULL, OPT_NORESERVE},
		{"manual-reset", no_argument, NULL, OPT_MANUAL},
		{"set", no_argument, NULL, OPT_SET},
		{"initial", required_argument, NULL, OPT_INITIAL},
		{"maximum", required_argument, NULL, OPT_MAXIMUM},
		{"shape", required_argument, NULL, OPT_SHAPE},
		{"capacity", required_argument, NULL, OPT_CAPACITY},
		{"max-msg", required_argument, NULL, OPT_MAX_MSG},
		{"readers-max", required_argument, NULL, OPT_READERS_MAX},
		CLI_OPT_HELP,
		{0},
	};
	enum shmap_type type = SHMAP_TYPE_MAPPING;
	uint64_t size = 0;
	int have_size = 0, hold = 0, event_opts = 0, sem_opts = 0;
	unsigned event_flags = 0;
	uint32_t initial = 0, maximum = INT32_MAX;
	/* 0 readers_max: the library's default, 64. */
	shmap_chan_config chan = {SHMAP_CHAN_MPMC, 64, 4096, 0};
	int chan_opts = 0;
	shmap_attr attr = {0, 0};
	cli_begin(&cli_verb_create, argc, argv);
	for (int c; (c = cli_getopt(argc, argv, "s:", opts)) != -1;) {
		switch (c) {
		case 's':
			size = cli_size("--size", optarg);
			have_size = 1;
			break;
		case OPT_TYPE:
			if (!parse_type(optarg, &type))
				cli_usage_error("--type: '%s' is not mapping, "
				                "event, mutex, semaphore or "
				                "channel",
				                cli_name(optarg));
			break;
		case OPT_HOLD:
			hold = 1;
			break;
		case OPT_EXCL:
			attr.flags |= SHMAP_ATTR_EXCL;
			break;
		case OPT_MODE: {
			char *end;
			unsigned long m = strtoul(optarg, &end, 8);
			if (end == optarg || *end || m > 0777 ||
			    optarg[0] == '-' || optarg[0] == '+')
				cli_usage_error("--mode: '%s' is not an octal "
				                "mode",
				                cli_name(optarg));
			attr.mode = (unsigned)m;
			break;
		}
		case OPT_NORESERVE:
			attr.flags |= SHMAP_ATTR_NORESERVE;
			break;
		case OPT_MANUAL:
			event_flags |= SHMAP_EVENT_MANUAL;
			event_opts = 1;
			break;
		case OPT_SET:
			event_flags |= SHMAP_EVENT_SET;
			event_opts = 1;
			break;
		case OPT_INITIAL:
			initial = (uint32_t)cli_number("--initial", optarg, 0,
			                               INT32_MAX);
			sem_opts = 1;
			break;
		case OPT_MAXIMUM:
			maximum = (uint32_t)cli_number("--maximum", optarg, 1,
			                               INT32_MAX);
			sem_opts = 1;
			break;
		case OPT_SHAPE:
			if (!parse_shape(optarg, &chan.shape))
				cli_usage_error("--shape: '%s' is not spsc, mpmc "
				                "or broadcast",
				                cli_name(optarg));
			chan_opts |= 1;
			break;
		case OPT_CAPACITY:
			chan.capacity = (uint32_t)cli_number(
				"--capacity", optarg, 2, 1u << 24);
			chan_opts |= 1;
			break;
		case OPT_MAX_MSG: {
			uint64_t n = cli_size("--max-msg", optarg);
			if (n < 1 || n > 1u << 30)
				cli_usage_error("--max-msg: %s is not from 1 "
				                "to 1G",
				                cli_name(optarg));
			chan.max_msg = (uint32_t)n;
			chan_opts |= 1;
			break;
		}
		case OPT_READERS_MAX:
			chan.readers_max = (uint32_t)cli_number(
				"--readers-max", optarg, 1, SHMAP_CHAN_ROLES_MAX);
			chan_opts |= 2;
			break;
		}
	}
	cli_operands(argc, argv, 1, 1, "NAME");
	const char *name = argv[optind];
	if (type == SHMAP_TYPE_MAPPING && !have_size)
		cli_usage_error("a mapping needs --size");
	if (type != SHMAP_TYPE_MAPPING &&
	    (have_size || (attr.flags & SHMAP_ATTR_NORESERVE)))
		cli_usage_error("--size and --noreserve are for mappings");
	if (type != SHMAP_TYPE_EVENT && event_opts)
		cli_usage_error("--manual-reset and --set are for events");
	if (type != SHMAP_TYPE_SEMAPHORE && sem_opts)
		cli_usage_error("--initial and --maximum are for semaphores");
	if (type != SHMAP_TYPE_CHANNEL && chan_opts)
		cli_usage_error("--shape, --capacity, --max-msg and --readers-max "
		                "are for channels");
	if ((chan_opts & 2) && chan.shape == SHMAP_CHAN_SPSC)
		cli_usage_error("--readers-max is for mpmc and broadcast "
		                "channels");
	if (initial > maximum)
		cli_usage_error("--initial %u is more than --maximum %u",
		                initial, maximum);

	/* Signals wait until the hold, so that the object is never left
	 * half made. */
	if (hold)
		cli_block_signals();
	shmap_map *m = NULL;
	shmap_sync *s = NULL;
	shmap_chan *ch = NULL;
	int err, existed;
	if (type == SHMAP_TYPE_MAPPING) {
		err = shmap_map_create(name, size, SHMAP_PROT_READWRITE, &attr,
		                       &m);
		if (!err) {
			shmap_map_info info;
			shmap_map_query(m, &info);
			size = info.size;
		}
	} else if (type == SHMAP_TYPE_EVENT)
		err = shmap_event_create(name, event_flags, &attr, &s);
	else if (type == SHMAP_TYPE_MUTEX)
		err = shmap_mutex_create(name, 0, &attr, &s);
	else if (type == SHMAP_TYPE_SEMAPHORE)
		err = shmap_sem_create(name, initial, maximum, &attr, &s);
	else /* no role: the handle only holds it */
		err = shmap_chan_create(name, &chan, 0, &attr, &ch);
	if (err == -EINVAL && type == SHMAP_TYPE_MAPPING && !size)
		return cli_failf(name, CLI_ERROR, "a mapping has 1 byte or more");
	if (err)
		return cli_fail(name, err);
	existed = m    ? shmap_map_existed(m)
	          : ch ? shmap_chan_existed(ch)
	               : shmap_sync_existed(s);
	if (hold) {
		char what[128];
		int n = snprintf(what, sizeof what, "%s %s",
		                 existed ? "opened existing" : "created",
		                 type_word(type));
		struct shmap_chan_stats st;
		if (m)
			snprintf(what + n, sizeof what - (size_t)n,
			         ", %llu bytes", (unsigned long long)size);
		/* An existing channel keeps its own configuration: say it. */
		if (ch && !shmap_chan_stats(ch, &st) && st.valid)
			snprintf(what + n, sizeof what - (size_t)n,
			         ", %s, %u messages of up to %u bytes",
			         cli_shape_word(st.shape), st.capacity,
			         st.max_msg);
		cli_hold(name, what);
	}
	err = m ? shmap_map_close(m) : ch ? shmap_chan_close(ch) : shmap_sync_close(s);
	return err ? cli_fail(name, err) : CLI_OK;
}

/* Opens the mapping name with access, storing its size in *size, and
 * checks that offset is not past its end; on failure prints why and
 * returns the exit status. */
static int open_mapping(const char *name, unsigned access, uint64_t offset,
                        shmap_map **m, uint64_t *size)
{
	int err = shmap_map_open(name, access, m);
	if (err)
		return cli_fail(name, err);
	shmap_map_info info;
	shmap_map_query(*m, &info);
	*size = info.size;
	if (offset <= info.size)
		return CLI_OK;
	shmap_map_close(*m);
	return cli_failf(name, CLI_ERROR,
	                 "offset %llu is past the end (%llu bytes)",
	                 (unsigned long long)offset,
	                 (unsigned long long)info.size);
}

/* Reads up to n bytes of standard input, fewer only at its end; returns
 * the count, or -errno. */
static ssize_t read_input(char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(STDIN_FILENO, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int run_write(int argc, char **argv)
{
	static const struct option opts[] = {
		{"offset", required_argument, NULL, 'o'},
		CLI_OPT_HELP,
		{0},
	};
	uint64_t offset = 0, size = 0;
	cli_begin(&cli_verb_write, argc, argv);
	for (int c; (c = cli_getopt(argc, argv, "o:", opts)) != -1;)
		offset = cli_size("--offset", optarg);
	cli_operands(argc, argv, 1, 1, "NAME");
	const char *name = argv[optind];
	shmap_map *m;
	int status = open_mapping(name, SHMAP_ACCESS_WRITE, offset, &m, &size);
	if (status)
		return status;
	uint64_t room = size - offset;
	/* A file on standard input is checked before anything is written;
	 * a pipe fails once it passes the end. */
	struct stat st;
	if (!fstat(STDIN_FILENO, &st) && S_ISREG(st.st_mode)) {
		off_t at = lseek(STDIN_FILENO, 0, SEEK_CUR);
		uint64_t left = at >= 0 && st.st_size > at
		                        ? (uint64_t)(st.st_size - at)
		                        : 0;
		if (left > room) {
			shmap_map_close(m);
			return cli_failf(name, CLI_ERROR,
			                 "the input's %llu bytes do not fit in "
			                 "the %llu from offset %llu to the end; "
			                 "nothing written",
			                 (unsigned long long)left,
			                 (unsigned long long)room,
			                 (unsigned long long)offset);
		}
	}
	enum { CHUNK = 1 << 16 };
	static char buf[CHUNK];
	uint64_t done = 0;
	int err = 0;
	for (;;) {
		size_t want = room - done < CHUNK ? (size_t)(room - done) : CHUNK;
		ssize_t n = read_input(buf, want ? want : 1);
		if (n < 0) {
			err = (int)n;
			break;
		}
		if (n == 0)
			break;
		if (!want) {
			status = cli_failf(name, CLI_ERROR,
			                   "the input is longer than the %llu "
			                   "bytes from offset %llu to the end: "
			                   "those were written, the rest was "
			                   "not",
			                   (unsigned long long)room,
			                   (unsigned long long)offset);
			break;
		}
		void *v;
		err = shmap_view_map(m, offset + done, (size_t)n,
		                     SHMAP_ACCESS_WRITE, &v);
		if (err)
			break;
		err = shmap_view_write(v, buf, (size_t)n);
		shmap_view_unmap(v);
		if (err)
			break;
		done += (uint64_t)n;
	}
	if (err && !status)
		status = cli_fail(name, err);
	err = shmap_map_close(m);
	if (err && !status)
		status = cli_fail(name, err);
	return status;
}

enum dump_format { DUMP_HEX, DUMP_RAW, DUMP_TEXT };

/* Prints n bytes at p, found at offset at of the object, as xxd does. */
static void dump_hex(const unsigned char *p, size_t n, uint64_t at)
{
	for (size_t i = 0; i < n; i += 16) {
		size_t k = n - i < 16 ? n - i : 16;
		printf("%08llx: ", (unsigned long long)(at + i));
		for (size_t j = 0; j < 16; j++) {
			if (j < k)
				printf("%02x", p[i + j]);
			else
				fputs("  ", stdout);
			if (j & 1)
				putchar(' ');
		}
		putchar(' ');
		for (size_t j = 0; j < k; j++) {
			unsigned char c = p[i + j];
			putchar(c >= 0x20 && c < 0x7f ? c : '.');
		}
		putchar('\n');
	}
}

static int run_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{"offset", required_argument, NULL, 'o'},
		{"length", required_argument, NULL, 'l'},
		{"format", required_argument, NULL, 'f'},
		CLI_OPT_HELP,
		{0},
	};
	uint64_t offset = 0, length = UINT64_MAX, size = 0;
	enum dump_format format = DUMP_HEX;
	cli_begin(&cli_verb_dump, argc, argv);
	for (int c; (c = cli_getopt(argc, argv, "o:l:f:", opts)) != -1;) {
		if (c == 'o')
			offset = cli_size("--offset", optarg);
		else if (c == 'l')
			length = cli_size("--length", optarg);
		else if (!strcmp(optarg, "hex"))
			format = DUMP_HEX;
		else if (!strcmp(optarg, "raw"))
			format = DUMP_RAW;
		else if (!strcmp(optarg, "text"))
			format = DUMP_TEXT;
		else
			cli_usage_error("--format: '%s' is not hex, raw or "
			                "text",
			                cli_name(optarg));
	}
	cli_operands(argc, argv, 1, 1, "NAME");
	const char *name = argv[optind];
	shmap_map *m;
	int status = open_mapping(name, SHMAP_ACCESS_READ, offset, &m, &size);
	if (status)
		return status;
	if (length > size - offset)
		length = size - offset;
	/* A window at a time: a large mapping needs no large view. */
	enum { CHUNK = 1 << 20 };
	static unsigned char buf[CHUNK];
	int err = 0, ended = 0, text_nl = 1;
	for (uint64_t done = 0; done < length && !ended && !err;) {
		size_t n = length - done < CHUNK ? (size_t)(length - done)
		                                 : CHUNK;
		void *v;
		err = shmap_view_map(m, offset + done, n, SHMAP_ACCESS_READ,
		                     &v);
		if (err)
			break;
		err = shmap_view_read(v, buf, n);
		shmap_view_unmap(v);
		if (err)
			break;
		if (format == DUMP_HEX) {
			dump_hex(buf, n, offset + done);
		} else if (format == DUMP_RAW) {
			fwrite(buf, 1, n, stdout);
		} else {
			unsigned char *nul = memchr(buf, 0, n);
			size_t k = nul ? (size_t)(nul - buf) : n;
			cli_put_text(stdout, (const char *)buf, k, CLI_TEXT_DATA);
			if (k)
				text_nl = buf[k - 1] == '\n';
			ended = nul != NULL;
		}
		done += n;
	}
	if (format == DUMP_TEXT && !text_nl)
		putchar('\n');
	if (err)
		status = cli_fail(name, err);
	err = shmap_map_close(m);
	if (err && !status)
		status = cli_fail(name, err);
	if (cli_flush_stdout() && !status)
		status = CLI_ERROR;
	return status;
}
