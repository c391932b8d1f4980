/* SPDX-License-Identifier: MIT */
/*
 * Object headers: the input (after a selector byte) is the whole backing file
 * of a live named mapping. Opening, creating over and mapping it must return
 * an error code or a handle whose views stay inside the object, never crash.
 *
 * Selector bits: 0-1 the file's mode (0600, 0600, 0644, 0400); 2 the name is
 * Global\fz instead of fz; 3 open read-only; 4 also try the create path.
 */
#include <sys/mman.h>

#include "common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_setup();
	return 0;
}

/* Reads every page of [p, p+n): a view must be backed to its end. */
static unsigned touch(const volatile unsigned char *p, size_t n)
{
	unsigned s = 0;
	for (size_t i = 0; i < n; i += 4096)
		s += p[i];
	return s + (n ? p[n - 1] : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const mode_t modes[] = { 0600, 0600, 0644, 0400 };
	if (size < 1)
		return 0;
	unsigned sel = data[0];
	const uint8_t *d = data + 1;
	size_t n = size - 1;
	const char *name = sel & 4 ? "Global\\fz" : "fz";
	unsigned access = sel & 8 ? SHMAP_ACCESS_READ : SHMAP_ACCESS_ALL;

	int holder = fz_plant(name, d, n, modes[sel & 3]);
	if (holder < 0)
		return 0;
	shmap_map *m = NULL;
	int rc = shmap_map_open(name, access, &m);
	FZ_CHECK(rc == 0 || rc == SHMAP_EBADOBJ || rc == SHMAP_EFORMAT ||
	                 rc == SHMAP_ETYPE || rc == -EACCES || rc == -ESTALE,
	         "open: %d", rc);
	if (rc == 0) {
		shmap_map_info info;
		FZ_CHECK(shmap_map_query(m, &info) == 0, "query");
		FZ_CHECK(info.size > 0, "size 0");
		/* The data of a page-file object lies inside its file. */
		FZ_CHECK(info.file_backed || info.size < n, "size %llu of %zu",
		         (unsigned long long)info.size, n);
		unsigned char *v;
		size_t len = info.size > (1u << 24) ? (1u << 24) : info.size;
		rc = shmap_view_map(m, 0, len, SHMAP_ACCESS_READ, (void **)&v);
		FZ_CHECK(rc == 0 || rc == -ENOMEM, "read view: %d", rc);
		if (rc == 0) {
			(void)touch(v, len);
			FZ_CHECK(shmap_view_unmap(v) == 0, "unmap");
		}
		/* Writes only where they cannot reach a file: a page-file
		 * object, or a private copy. */
		if (!info.file_backed && (access & SHMAP_ACCESS_WRITE)) {
			rc = shmap_view_map(m, 0, len, SHMAP_ACCESS_WRITE,
			                    (void **)&v);
			FZ_CHECK(rc == 0 || rc == -EACCES, "write view: %d", rc);
			if (rc == 0) {
				v[len - 1] ^= 1;
				FZ_CHECK(shmap_view_unmap(v) == 0, "unmap");
			}
		}
		rc = shmap_view_map(m, 0, len, SHMAP_ACCESS_COPY, (void **)&v);
		FZ_CHECK(rc == 0 || rc == -ENOMEM, "copy view: %d", rc);
		if (rc == 0) {
			v[0] ^= 1;
			FZ_CHECK(shmap_view_unmap(v) == 0, "unmap");
		}
		/* Past the end is refused. */
		rc = shmap_view_map(m, info.size, 1, SHMAP_ACCESS_READ,
		                    (void **)&v);
		FZ_CHECK(rc == -EINVAL, "view past the end: %d", rc);
		int fd;
		FZ_CHECK(shmap_map_fd(m, &fd) == 0 || info.file_backed, "fd");
		FZ_CHECK(shmap_map_close(m) == 0, "close");
	}
	if (sel & 16) {
		/* Create over it: the live object (or an error), never a new
		 * one in its place. */
		rc = shmap_map_create(name, 4096, SHMAP_PROT_READWRITE, NULL, &m);
		FZ_CHECK(rc == 0 || rc == SHMAP_EBADOBJ ||
		                 rc == SHMAP_EFORMAT || rc == SHMAP_ETYPE ||
		                 rc == -EACCES || rc == -ESTALE,
		         "create: %d", rc);
		if (rc == 0) {
			FZ_CHECK(shmap_map_existed(m), "created anew");
			shmap_map_close(m);
		}
		struct shmap__hdr h;
		fz_hdr(d, n, &h);
		if (h.type == SHMAP_TYPE_MAPPING) {
			shmap_sync *s;
			rc = shmap_event_open(name, 0, &s);
			FZ_CHECK(rc != 0, "a mapping opens as an event");
		}
	}
	fz_unplant(name, holder);
	return 0;
}
