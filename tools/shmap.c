/* SPDX-License-Identifier: MIT */
/* shmap: command-line tool over the library; the verbs and their dispatch. */
#include <string.h>

#include "cli.h"

static const struct cli_verb *const verbs[] = {
	&cli_verb_ls,     &cli_verb_info,  &cli_verb_who,    &cli_verb_watch,
	&cli_verb_create, &cli_verb_write, &cli_verb_dump,   &cli_verb_event,
	&cli_verb_sem,    &cli_verb_mutex, &cli_verb_chan,   &cli_verb_gc,
	&cli_verb_rm,     &cli_verb_dir,   &cli_verb_version,
};

#define NVERBS (sizeof verbs / sizeof verbs[0])

static void usage(FILE *f)
{
	fputs("usage: shmap VERB [OPTION...] [ARGUMENT...]\n"
	      "       shmap --help | --version\n"
	      "\n"
	      "Verbs:\n",
	      f);
	for (size_t i = 0; i < NVERBS; i++)
		fprintf(f, "  %-8s %s\n", verbs[i]->name, verbs[i]->summary);
	fputs("\n"
	      "'shmap VERB --help' shows a verb's options; shmap(1) has "
	      "them all.\n"
	      "Exit status: 0 done, 1 failed, 2 bad usage, 3 no such object,\n"
	      "4 timed out.\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	/* '+': options end at the verb, whose own options follow it. */
	opterr = 0;
	for (int c; (c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1;) {
		if (c == 'h') {
			usage(stdout);
			return CLI_OK;
		}
		if (c == 'V') {
			fputs("shmap ", stdout);
			cli_version(stdout);
			return CLI_OK;
		}
		/* Top-level options take no values: this is an unknown one. */
		if (optopt)
			fprintf(stderr, "shmap: unknown option '-%c'", optopt);
		else
			fprintf(stderr, "shmap: unknown option '%s'",
			        cli_name(argv[optind - 1]));
		fputs(" (see shmap --help)\n", stderr);
		return CLI_USAGE;
	}
	if (optind >= argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	const char *word = argv[optind];
	if (!strcmp(word, "help") && optind + 1 == argc) {
		usage(stdout);
		return CLI_OK;
	}
	/* "shmap help VERB" is "shmap VERB --help". */
	if (!strcmp(word, "help") && optind + 2 == argc) {
		word = argv[++optind];
		for (size_t i = 0; i < NVERBS; i++)
			if (!strcmp(word, verbs[i]->name)) {
				fputs(verbs[i]->usage, stdout);
				return CLI_OK;
			}
	}
	for (size_t i = 0; i < NVERBS; i++)
		if (!strcmp(word, verbs[i]->name))
			return verbs[i]->run(argc - optind, argv + optind);
	fprintf(stderr, "shmap: unknown verb '%s' (see shmap --help)\n",
	        cli_name(word));
	return CLI_USAGE;
}
