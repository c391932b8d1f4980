/* SPDX-License-Identifier: MIT */
/*
 * Exec helper for test_anon: adopts a mapping descriptor inherited across
 * exec, checks the marker the parent wrote at offset 0 and writes its own
 * in the middle of the mapping.
 *
 * usage: adopt_child FD SIZE NAMED EXPECT WRITE
 *
 * Exit codes: 0 ok, 2 usage, 3 shmap_map_open_fd returned -EBADF, 4 it
 * returned another error, 5 the handle describes another mapping, 6 a view
 * could not be mapped, 7 the marker did not match, 8 close or unmap failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "shmap.h"

int main(int argc, char **argv)
{
	shmap_map *m;
	shmap_map_info info;
	char *v;
	char *end;
	int rc;

	if (argc != 6)
		return 2;
	long fd = strtol(argv[1], &end, 10);
	if (*end || fd < -1)
		return 2;
	unsigned long long size = strtoull(argv[2], &end, 10);
	if (*end || size == 0)
		return 2;
	int named = atoi(argv[3]);
	const char *expect = argv[4], *write = argv[5];
	if (strlen(write) + 1 > size / 2)
		return 2;

	rc = shmap_map_open_fd((int)fd, SHMAP_ACCESS_ALL, &m);
	if (rc) {
		fprintf(stderr, "adopt_child: shmap_map_open_fd(%ld): %s\n", fd,
		        shmap_strerror(rc));
		return rc == -EBADF ? 3 : 4;
	}
	if (shmap_map_query(m, &info) || info.size != size ||
	    info.named != named || info.file_backed ||
	    info.prot != SHMAP_PROT_READWRITE) {
		fprintf(stderr,
		        "adopt_child: unexpected mapping: size %llu "
		        "named %d\n",
		        (unsigned long long)info.size, info.named);
		shmap_map_close(m);
		return 5;
	}
	rc = shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v);
	if (rc) {
		fprintf(stderr, "adopt_child: shmap_view_map: %s\n",
		        shmap_strerror(rc));
		shmap_map_close(m);
		return 6;
	}
	if (strcmp(v, expect)) {
		fprintf(stderr,
		        "adopt_child: found \"%.40s\", expected \"%s\"\n", v,
		        expect);
		shmap_view_unmap(v);
		shmap_map_close(m);
		return 7;
	}
	strcpy(v + size / 2, write);
	if (shmap_view_unmap(v) || shmap_map_close(m))
		return 8;
	return 0;
}
