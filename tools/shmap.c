/* SPDX-License-Identifier: MIT */
/* shmap: command-line tool over the library. */
#include <stdio.h>
#include <string.h>

#include "shmap.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: shmap gc       remove what killed holders left behind\n"
	           "       shmap dir      print the backing directory\n"
	           "       shmap version  print the library version\n");
	return f == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "gc")) {
		int n = shmap_gc();
		if (n < 0) {
			fprintf(stderr, "shmap gc: %s: %s\n", shmap_backing_dir(),
			        shmap_strerror(n));
			return 1;
		}
		printf("removed %d leftover object%s from %s\n", n,
		       n == 1 ? "" : "s", shmap_backing_dir());
		return 0;
	}
	if (!strcmp(argv[1], "dir")) {
		printf("%s\n", shmap_backing_dir());
		return 0;
	}
	if (!strcmp(argv[1], "version")) {
		unsigned v = shmap_version();
		printf("%u.%u.%u\n", v >> 16, (v >> 8) & 0xff, v & 0xff);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return usage(stdout);
	return usage(stderr);
}
