/* SPDX-License-Identifier: MIT */
/*
 * The C half of the README's Python example: this process and a Python one
 * (python/examples/numpy_share.py) share an array of 1000 doubles and
 * signal each other with two auto-reset events. Either may start first:
 * both create-or-open the events, and the Python side attaches to the
 * array once this side has said it is filled.
 */
#include <shmap.h>
#include <stdio.h>

#define N 1000

static int fail(const char *what, int rc)
{
	fprintf(stderr, "C: %s: %s\n", what, shmap_strerror(rc));
	return 1;
}

int main(void)
{
	shmap_map *m;
	shmap_sync *to_py, *to_c;
	double *a;
	int rc;

	if ((rc = shmap_map_create("numpy_share.array", N * sizeof(double),
	                           SHMAP_PROT_READWRITE, NULL, &m)))
		return fail("create the array", rc);
	if ((rc = shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&a)))
		return fail("map the array", rc);
	if ((rc = shmap_event_create("numpy_share.to_py", 0, NULL, &to_py)) ||
	    (rc = shmap_event_create("numpy_share.to_c", 0, NULL, &to_c)))
		return fail("create the events", rc);

	for (int i = 0; i < N; i++)
		a[i] = i;
	shmap_event_set(to_py); /* "the array is filled" */

	if ((rc = shmap_wait(to_c, 30000))) /* "squared it" */
		return fail("wait for Python", rc);
	double sum = 0;
	for (int i = 0; i < N; i++)
		sum += a[i];
	printf("C: Python squared the array in place: sum %.0f\n", sum);

	shmap_view_unmap(a);
	shmap_map_close(m);
	shmap_sync_close(to_py);
	shmap_sync_close(to_c);
	return sum == 332833500.0 ? 0 : 1;
}
