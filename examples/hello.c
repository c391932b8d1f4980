/* SPDX-License-Identifier: MIT */
/* The shortest shmap program: named memory shared by two processes. */
#include <shmap.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	shmap_map *m;
	char *view;
	int rc = shmap_map_create("Local\\hello", 4096, SHMAP_PROT_READWRITE,
	                          NULL, &m);
	if (rc) {
		fprintf(stderr, "create: %s\n", shmap_strerror(rc));
		return 1;
	}
	if ((rc = shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&view))) {
		fprintf(stderr, "map: %s\n", shmap_strerror(rc));
		return 1;
	}
	strcpy(view, "hello from the parent");

	if (fork() == 0) {
		/* Any process of this user can open the name. */
		shmap_map *o;
		const char *v;
		if (shmap_map_open("Local\\hello", SHMAP_ACCESS_READ, &o) ||
		    shmap_view_map(o, 0, 0, SHMAP_ACCESS_READ, (void **)&v))
			_exit(1);
		printf("child read: %s\n", v);
		fflush(stdout);
		shmap_view_unmap((void *)v);
		shmap_map_close(o);
		_exit(0);
	}
	int status;
	wait(&status);
	shmap_view_unmap(view);
	shmap_map_close(m); /* the last handle: the name is gone */
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
