/* SPDX-License-Identifier: MIT */
/* shmap tool: gc, rm, dir and version, the verbs that clean up and tell. */
#include <errno.h>
#include <string.h>

#include "cli.h"

static int run_gc(int argc, char **argv);
static int run_rm(int argc, char **argv);
static int run_dir(int argc, char **argv);
static int run_version(int argc, char **argv);

const struct cli_verb cli_verb_gc = {
	"gc",
	"usage: shmap gc [--dry-run] [--verbose]\n"
	"Removes what holders killed by a signal left in the backing directory,\n"
	"naming each object, then says how many went. Live objects and files\n"
	"that are not shmap objects are never removed.\n"
	"  -n, --dry-run  name what would be removed; remove nothing\n"
	"  -v, --verbose  with each: its type, size, creator, age and file\n",
	"remove what killed holders left behind",
	run_gc,
};

const struct cli_verb cli_verb_rm = {
	"rm",
	"usage: shmap rm NAME\n"
	"Removes the name of a live object now, as ipcrm does: its holders\n"
	"keep their handles and views, and its memory goes with the last of\n"
	"them; an open finds nothing, a create makes a new object.\n",
	"remove the name of a live object",
	run_rm,
};

const struct cli_verb cli_verb_dir = {
	"dir",
	"usage: shmap dir\n"
	"Prints the backing directory: SHMAP_DIR if set, else /dev/shm.\n",
	"print the backing directory",
	run_dir,
};

const struct cli_verb cli_verb_version = {
	"version",
	"usage: shmap version\n"
	"Prints the library version, major.minor.patch.\n",
	"print the library version",
	run_version,
};

/* Parses a verb that takes no options, and NAME if names is 1. */
static void no_options(const struct cli_verb *v, int argc, char **argv,
                       int names)
{
	static const struct option opts[] = {CLI_OPT_HELP, {0}};
	cli_begin(v, argc, argv);
	while (cli_getopt(argc, argv, "", opts) != -1)
		;
	cli_operands(argc, argv, names, names, "NAME");
}

struct gc_ctx {
	int dry_run, verbose;
};

static int gc_one(const shmap_object_info *o, void *ctx)
{
	const struct gc_ctx *g = ctx;
	const char *base = strrchr(o->path, '/');
	printf("%s %s", g->dry_run ? "would remove" : "removed",
	       o->name ? cli_name(o->name)
	               : cli_name(base ? base + 1 : o->path));
	if (!o->name)
		fputs(" (empty: a create killed before it wrote a header)",
		      stdout);
	if (g->verbose && o->name) {
		char b[200];
		printf(": %s, file %s", cli_describe(b, sizeof b, o),
		       cli_name(o->path));
	} else if (g->verbose) {
		printf(": file %s", cli_name(o->path));
	}
	putchar('\n');
	return 0;
}

static int run_gc(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dry-run", no_argument, NULL, 'n'},
		{"verbose", no_argument, NULL, 'v'},
		CLI_OPT_HELP,
		{0},
	};
	struct gc_ctx g = {0, 0};
	cli_begin(&cli_verb_gc, argc, argv);
	for (int c; (c = cli_getopt(argc, argv, "nv", opts)) != -1;) {
		if (c == 'n')
			g.dry_run = 1;
		else
			g.verbose = 1;
	}
	cli_operands(argc, argv, 0, 0, "");
	int n = shmap_sweep(g.dry_run ? SHMAP_SWEEP_DRY_RUN : 0, gc_one, &g);
	if (n < 0)
		return cli_fail_dir(n);
	printf("%s %d leftover object%s from %s\n",
	       g.dry_run ? "would remove" : "removed", n, n == 1 ? "" : "s",
	       cli_name(shmap_backing_dir()));
	return cli_flush_stdout();
}

struct rm_ctx {
	char name[1200];
	unsigned views;
};

static int rm_seen(const shmap_object_info *o, void *ctx)
{
	struct rm_ctx *r = ctx;
	snprintf(r->name, sizeof r->name, "%s", cli_name(o->name ? o->name : ""));
	r->views = o->views;
	return 0;
}

static int run_rm(int argc, char **argv)
{
	no_options(&cli_verb_rm, argc, argv, 1);
	const char *name = argv[optind];
	struct rm_ctx r = {"", 0};
	unsigned handles = 0;
	/* Its views are counted before the name goes: a view that outlived
	 * its handle still holds the memory. */
	int err = shmap_inspect(name, rm_seen, &r);
	if (!err)
		err = shmap_unlink(name, &handles);
	if (err == -EPERM)
		return cli_failf(name, CLI_ERROR,
		                 "%s (only its owner or root may remove it)",
		                 shmap_strerror(err));
	if (err)
		return cli_fail(name, err);
	if (!handles && !r.views)
		printf("removed %s: nothing held it\n", r.name);
	else
		printf("removed %s: %u handle%s and %u view%s still hold it; "
		       "its memory goes with the last of them\n",
		       r.name, handles, handles == 1 ? "" : "s", r.views,
		       r.views == 1 ? "" : "s");
	return cli_flush_stdout();
}

static int run_dir(int argc, char **argv)
{
	no_options(&cli_verb_dir, argc, argv, 0);
	printf("%s\n", shmap_backing_dir());
	return cli_flush_stdout();
}

static int run_version(int argc, char **argv)
{
	no_options(&cli_verb_version, argc, argv, 0);
	cli_version(stdout);
	return cli_flush_stdout();
}
