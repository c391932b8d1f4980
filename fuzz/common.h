/* SPDX-License-Identifier: MIT */
/*
 * Shared by the fuzz targets: a private backing directory, planting bytes as
 * the backing file of a live named object, checks that abort, and the list
 * of known, not yet fixed bugs the targets step around (fuzz/known-bugs,
 * named by SHMAP_FUZZ_KNOWN_BUGS).
 */
#ifndef SHMAP_FUZZ_COMMON_H
#define SHMAP_FUZZ_COMMON_H

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "shmap.h"

/* A broken invariant: print it and abort, which libFuzzer reports. */
#define FZ_CHECK(c, ...)                                                       \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, \
			        __LINE__, #c);                                 \
			fprintf(stderr, __VA_ARGS__);                          \
			fprintf(stderr, "\n");                                 \
			abort();                                               \
		}                                                              \
	} while (0)

static char fz_dir[256];

#define FZ_MAX_KNOWN 32
static char fz_known_ids[FZ_MAX_KNOWN][64];
static unsigned long fz_known_hits[FZ_MAX_KNOWN];
static int fz_nknown;

/*
 * Whether the known bug id is listed (its fix has not landed), counting the
 * inputs that reach it. Each line of the list is "id target description";
 * '#' starts a comment.
 */
static inline int fz_known(const char *id)
{
	for (int i = 0; i < fz_nknown; i++)
		if (!strcmp(fz_known_ids[i], id)) {
			if (fz_known_hits[i]++ == 0)
				fprintf(stderr, "fuzz: stepping around known "
				                "bug %s (fuzz/known-bugs)\n",
				        id);
			return 1;
		}
	return 0;
}

static inline void fz_load_known(void)
{
	const char *path = getenv("SHMAP_FUZZ_KNOWN_BUGS");
	char line[512];
	FILE *f = path && *path ? fopen(path, "r") : NULL;
	if (!f)
		return;
	while (fgets(line, sizeof line, f) && fz_nknown < FZ_MAX_KNOWN) {
		char id[64];
		if (line[0] == '#' || sscanf(line, "%63s", id) != 1)
			continue;
		snprintf(fz_known_ids[fz_nknown++], sizeof fz_known_ids[0],
		         "%s", id);
	}
	fclose(f);
}

static inline void fz_report_known(void)
{
	for (int i = 0; i < fz_nknown; i++)
		if (fz_known_hits[i])
			fprintf(stderr, "fuzz: known bug %s reached by %lu "
			                "input(s)\n",
			        fz_known_ids[i], fz_known_hits[i]);
}

static inline void fz_cleanup(void)
{
	char p[512];
	DIR *d = opendir(fz_dir);
	fz_report_known();
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", fz_dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(fz_dir);
}

/* Makes the private backing directory; call once, first. */
static inline void fz_setup(void)
{
	snprintf(fz_dir, sizeof fz_dir, "/dev/shm/shmap-fuzz.XXXXXX");
	if (!mkdtemp(fz_dir)) {
		snprintf(fz_dir, sizeof fz_dir, "/tmp/shmap-fuzz.XXXXXX");
		if (!mkdtemp(fz_dir)) {
			perror("fuzz: mkdtemp");
			exit(1);
		}
	}
	chmod(fz_dir, 01777);
	setenv("SHMAP_DIR", fz_dir, 1);
	shmap__set_dir(fz_dir);
	fz_load_known();
	atexit(fz_cleanup);
}

/* The backing path of name for this user. */
static inline int fz_path(const char *name, char *buf, size_t len)
{
	struct shmap__name n;
	int rc = shmap__name_parse(name, &n);
	return rc ? rc : shmap__name_path(&n, geteuid(), buf, len);
}

/*
 * Writes bytes as the backing file of name with mode, and holds it the way
 * a live holder does (a shared lock on byte 0 through an open file
 * description of its own), so opens treat it as a live object. Returns the
 * holder descriptor, or -1.
 */
static inline int fz_plant(const char *name, const void *bytes, size_t n, mode_t mode)
{
	char path[SHMAP__PATH_BYTES];
	if (fz_path(name, path, sizeof path))
		return -1;
	unlink(path);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	              0600);
	FZ_CHECK(fd >= 0, "cannot create %s", path);
	FZ_CHECK(fchmod(fd, mode) == 0, "fchmod");
	for (size_t off = 0; off < n;) {
		ssize_t w = pwrite(fd, (const char *)bytes + off, n - off,
		                   (off_t)off);
		FZ_CHECK(w > 0, "pwrite");
		off += (size_t)w;
	}
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET,
		            .l_start = 0, .l_len = 1 };
	FZ_CHECK(fcntl(fd, F_OFD_SETLK, &fl) == 0, "holder lock");
	return fd;
}

/* Drops the planted hold and removes the file. */
static inline void fz_unplant(const char *name, int fd)
{
	char path[SHMAP__PATH_BYTES];
	if (fz_path(name, path, sizeof path) == 0)
		unlink(path);
	close(fd);
}

/* The header of planted bytes, zero-padded if they are short. */
static inline void fz_hdr(const uint8_t *d, size_t n, struct shmap__hdr *h)
{
	memset(h, 0, sizeof *h);
	memcpy(h, d, n < sizeof *h ? n : sizeof *h);
}

#endif
