/* SPDX-License-Identifier: MIT */
/* shmap tool: what its verbs share (options, numbers, messages, output). */
#ifndef SHMAP_CLI_H
#define SHMAP_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "shmap.h"

/* Exit statuses (shmap(1), EXIT STATUS). */
#define CLI_OK 0
#define CLI_ERROR 1
#define CLI_USAGE 2
#define CLI_NOT_FOUND 3
#define CLI_TIMED_OUT 4

/* One verb: its word, its usage (synopsis and options, for --help), a line
 * for shmap --help, and what runs it with argv[0] the verb. */
struct cli_verb {
	const char *name;
	const char *usage;
	const char *summary;
	int (*run)(int argc, char **argv);
};

/* The verbs, each defined in the file of its group. */
extern const struct cli_verb cli_verb_create, cli_verb_write, cli_verb_dump;
extern const struct cli_verb cli_verb_event, cli_verb_sem, cli_verb_mutex;
extern const struct cli_verb cli_verb_chan;
extern const struct cli_verb cli_verb_ls, cli_verb_info, cli_verb_who;
extern const struct cli_verb cli_verb_watch, cli_verb_gc, cli_verb_rm;
extern const struct cli_verb cli_verb_dir, cli_verb_version;

/* The option every verb takes; ends each verb's option table before the
 * terminating zero entry. */
#define CLI_OPT_HELP {"help", no_argument, NULL, 'h'}

/* Starts the parse of a verb's arguments: argv[0] is the verb, whose usage
 * --help prints and whose name errors begin with. */
void cli_begin(const struct cli_verb *v, int argc, char **argv);

/* Names the action of a verb with actions ("set" of "event") in errors. */
void cli_set_action(const char *action);

/*
 * Returns the next option of the verb's arguments, as getopt_long does
 * with shortopts and longopts, or -1 after the last. Prints the usage and
 * exits 0 for --help; exits 2 with one line naming the word for an option
 * that is unknown or lacks its value.
 */
int cli_getopt(int argc, char **argv, const char *shortopts,
               const struct option *longopts);

/*
 * Checks that argv[optind..argc) holds between min and max words (what,
 * e.g. "NAME", names the missing one), exiting 2 naming the first extra
 * or the missing one otherwise. Returns the number of words.
 */
int cli_operands(int argc, char **argv, int min, int max, const char *what);

/* Prints "shmap VERB: " and the message on stderr and exits 2. */
__attribute__((format(printf, 1, 2), noreturn)) void
cli_usage_error(const char *fmt, ...);

/*
 * Reads a size or offset: a decimal or 0x hexadecimal number with an
 * optional K, M, G or T (or KiB, MiB, GiB, TiB) multiplier of 1024's.
 * Exits 2 naming the option for anything else or a value past UINT64_MAX.
 */
uint64_t cli_size(const char *option, const char *arg);

/* Reads a decimal number from min to max, exiting 2 as cli_size does. */
uint64_t cli_number(const char *option, const char *arg, uint64_t min,
                    uint64_t max);

/* Reads a timeout in milliseconds (a number, or "infinite"): a value for
 * shmap_wait. */
int cli_timeout(const char *option, const char *arg);

/* The exit status for a library error code: 3 for -ENOENT, 4 for
 * -ETIMEDOUT, 1 otherwise. */
int cli_status(int err);

/*
 * Prints "shmap VERB[ ACTION]: OBJECT: CAUSE" on stderr, one line, with
 * the cause from shmap_strerror (or "no such object" for -ENOENT), and
 * returns cli_status(err). object may be NULL.
 */
int cli_fail(const char *object, int err);

/* As cli_fail for the backing directory, which not being there is a
 * failure (1), not an object not found. */
int cli_fail_dir(int err);

/* As cli_fail with a cause of the caller's (a printf format). */
__attribute__((format(printf, 3, 4))) int
cli_failf(const char *object, int status, const char *fmt, ...);

/* Flags of cli_put_text. */
#define CLI_TEXT_DATA 0x1u /* newline and tab pass, a backslash is \\ */
#define CLI_TEXT_LINE 0x2u /* tab passes, a backslash is \\: one line */

/*
 * Writes n bytes of s to f for a terminal: printable ASCII and valid UTF-8
 * as they are, every other byte (controls, C1 controls, bytes of no valid
 * UTF-8 character) as \xHH. A name holds no backslash but its namespace's,
 * so names need no more; data (CLI_TEXT_DATA, CLI_TEXT_LINE) has its
 * backslashes doubled.
 */
void cli_put_text(FILE *f, const char *s, size_t n, unsigned flags);

/* An object type as a word: "mapping", "event", "mutex", "semaphore",
 * "channel"; NULL for another value. */
const char *cli_type_word(unsigned type);

/* A channel's shape as a word: "spsc", "mpmc", "broadcast" ("?" for
 * another value). */
const char *cli_shape_word(unsigned shape);

/* An object name as cli_put_text shows it, in a buffer that stays valid
 * for the next three calls. */
const char *cli_name(const char *name);

/*
 * Writes s as a JSON string, quotes included: '"', '\' and control bytes
 * escaped, valid UTF-8 as it is, and each byte that is not part of valid
 * UTF-8 as \udcXX (Python's surrogateescape). NULL is written as null.
 */
void cli_json_string(FILE *f, const char *s);

/* Whether a byte sequence at s (n bytes left) starts with a valid UTF-8
 * character: its length (1 to 4), or 0 if it does not. */
int cli_utf8_len(const unsigned char *s, size_t n);

/* Blocks SIGINT, SIGTERM and SIGHUP, so that they end a hold (cli_hold)
 * rather than the process, and may be looked for with cli_signalled. */
void cli_block_signals(void);

/* Returns the blocked signal of cli_block_signals pending, or 0. */
int cli_signalled(void);

/* Waits up to *timeout for a signal cli_block_signals blocked: returns
 * it, or 0 when the time has passed. */
int cli_wait_signal(const struct timespec *timeout);

/* Ends the process by sig as the default action would, the signal having
 * been blocked (cli_block_signals); the caller has closed its handles. */
__attribute__((noreturn)) void cli_die_by(int sig);

/*
 * Prints "OBJECT: WHAT; holding it until SIGINT or SIGTERM (pid N)" on
 * stdout at once, for scripts that wait for it, then waits for one of the
 * signals cli_block_signals blocked.
 */
void cli_hold(const char *object, const char *what);

/* Flushes stdout: returns 0, or says why it could not be written and
 * returns 1. */
int cli_flush_stdout(void);

/* An object in a few words: "mapping, 4.0K bytes, made by pid 42, user
 * root, 5m ago". */
const char *cli_describe(char *b, size_t n, const shmap_object_info *o);

/* Writes "shmap" and the library version, as --version prints it. */
void cli_version(FILE *f);

#endif
