/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed corpus: seedgen DIR fills DIR/<target>/ for each fuzz
 * target. Object seeds are real backing files made by the library (in a
 * private directory) with the selector bytes each target reads in front;
 * name and handle seeds are written out from tables. Run by
 * `make fuzz-seeds`; the output is committed as fuzz/corpus.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "internal.h"
#include "shmap.h"

static const char *g_out;
static char g_dir[256];

static void die(const char *what, int rc)
{
	fprintf(stderr, "seedgen: %s: %s\n", what, shmap_strerror(rc));
	exit(1);
}

static void put(const char *target, const char *seed, const void *pre,
                size_t npre, const void *body, size_t n)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", g_out, target);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/%s", g_out, target, seed);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(pre, 1, npre, f) != npre ||
	    fwrite(body, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* The bytes of the backing file of name. */
static unsigned char *backing(const char *name, size_t *n)
{
	struct shmap__name nm;
	char path[SHMAP__PATH_BYTES];
	struct stat st;
	if (shmap__name_parse(name, &nm) ||
	    shmap__name_path(&nm, geteuid(), path, sizeof path) ||
	    stat(path, &st))
		die(name, -ENOENT);
	unsigned char *b = malloc((size_t)st.st_size);
	FILE *f = fopen(path, "rb");
	if (!b || !f || fread(b, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die(path, -EIO);
	fclose(f);
	*n = (size_t)st.st_size;
	return b;
}

static void map_seed(const char *seed, const char *name, uint64_t size,
                     unsigned prot, const unsigned char *sels, size_t nsel)
{
	shmap_map *m;
	int rc = shmap_map_create(name, size, prot, NULL, &m);
	if (rc == -EACCES && !strncmp(name, "Global\\", 7))
		return; /* not privileged: no Global seeds */
	if (rc)
		die(seed, rc);
	size_t n;
	unsigned char *b = backing(name, &n);
	for (size_t i = 0; i < nsel; i++) {
		char s[128];
		snprintf(s, sizeof s, "%s-%02x", seed, sels[i]);
		put("fuzz_hdr", s, &sels[i], 1, b, n);
	}
	free(b);
	shmap_map_close(m);
}

static void hdr_seeds(void)
{
	static const unsigned char local[] = { 0x00, 0x08, 0x10, 0x02 };
	static const unsigned char global[] = { 0x04, 0x14 };
	map_seed("map-1", "fz", 1, SHMAP_PROT_READWRITE, local, 4);
	map_seed("map-page", "fz", 4096, SHMAP_PROT_READWRITE, local, 2);
	map_seed("map-ro", "fz", 100, SHMAP_PROT_READONLY, local, 2);
	map_seed("map-cow", "fz", 100, SHMAP_PROT_WRITECOPY, local, 1);
	map_seed("map-global", "Global\\fz", 100, SHMAP_PROT_READWRITE, global,
	         2);
	/* A file mapping's header: its file is gone when the seed is read. */
	char path[512];
	snprintf(path, sizeof path, "%s/data", g_dir);
	FILE *f = fopen(path, "wb");
	fputs("file data", f);
	fclose(f);
	shmap_map *m;
	int rc = shmap_map_create_path("fz", path, 0, SHMAP_PROT_READWRITE,
	                               NULL, &m);
	if (rc)
		die("file mapping", rc);
	size_t n;
	unsigned char *b = backing("fz", &n);
	unsigned char sel = 0x08;
	put("fuzz_hdr", "map-file-08", &sel, 1, b, n);
	free(b);
	shmap_map_close(m);
	unlink(path);
	/* Another type under the name. */
	shmap_sync *s;
	if ((rc = shmap_event_create("fz", 0, NULL, &s)))
		die("event", rc);
	b = backing("fz", &n);
	sel = 0x10;
	put("fuzz_hdr", "event-10", &sel, 1, b, n);
	free(b);
	shmap_sync_close(s);
}

static void sync_seed(const char *seed, shmap_sync *s, const unsigned char *sel,
                      size_t nsel)
{
	size_t n;
	unsigned char *b = backing("fz", &n);
	for (size_t i = 0; i < nsel; i++) {
		char name[128];
		unsigned char pre[3] = { sel[i], 0x00, 0x10 }; /* cut: 4096 */
		snprintf(name, sizeof name, "%s-%02x", seed, sel[i]);
		put("fuzz_sync", name, pre, 3, b, n);
	}
	free(b);
	shmap_sync_close(s);
}

static void sync_seeds(void)
{
	static const unsigned char ev[] = { 0x00, 0x03, 0x08, 0x10 };
	static const unsigned char mx[] = { 0x01, 0x03, 0x11 };
	static const unsigned char sem[] = { 0x02, 0x22, 0x12 };
	shmap_sync *s;
	int rc;
	if ((rc = shmap_event_create("fz", 0, NULL, &s)))
		die("event", rc);
	sync_seed("event-auto", s, ev, 4);
	if ((rc = shmap_event_create("fz", SHMAP_EVENT_MANUAL | SHMAP_EVENT_SET,
	                             NULL, &s)))
		die("event", rc);
	sync_seed("event-manual-set", s, ev, 2);
	if ((rc = shmap_mutex_create("fz", 0, NULL, &s)))
		die("mutex", rc);
	sync_seed("mutex-free", s, mx, 3);
	/* Owned by this process, which is gone when the seed is read. */
	if ((rc = shmap_mutex_create("fz", 1, NULL, &s)))
		die("mutex", rc);
	sync_seed("mutex-owned", s, mx, 2);
	/* The file-mapping flag on a mutex, its file cut to the header. */
	if ((rc = shmap_mutex_create("fz", 0, NULL, &s)))
		die("mutex", rc);
	size_t n;
	unsigned char *b = backing("fz", &n);
	struct shmap__hdr *h = (struct shmap__hdr *)(void *)b;
	h->flags |= SHMAP__HF_FILE;
	unsigned char pre[3] = { 0x01, 0, 0 };
	put("fuzz_sync", "mutex-file-flag-01", pre, 3, b,
	    (size_t)h->data_offset);
	free(b);
	shmap_sync_close(s);
	if ((rc = shmap_sem_create("fz", 2, 4, NULL, &s)))
		die("semaphore", rc);
	sync_seed("sem-2-4", s, sem, 3);
	if ((rc = shmap_sem_create("fz", 0, 1, NULL, &s)))
		die("semaphore", rc);
	sync_seed("sem-0-1", s, sem, 1);
}

static void *listed_waiter(void *arg)
{
	shmap_wait(arg, 300); /* times out: the object stays taken */
	return NULL;
}

/*
 * Seeds of s (taken: an owned mutex, a semaphore at 0, an unset event)
 * while a thread of this process, gone when the seed is read, is listed as
 * its waiter; then the same with the object handed to that waiter (the
 * owner word at 32 names place 0, or place 0 has its GRANT bit), the
 * waiter's place being at place_off.
 */
static void listed_seeds(const char *seed, shmap_sync *s, unsigned char sel,
                         size_t place_off, int mutex)
{
	pthread_t t;
	if (pthread_create(&t, NULL, listed_waiter, s))
		die("thread", -1);
	usleep(100000);
	size_t n;
	unsigned char *b = backing("fz", &n);
	pthread_join(t, NULL);
	struct shmap__hdr *h = (struct shmap__hdr *)(void *)b;
	unsigned char pre[3] = { sel, 0x00, 0x10 };
	char name[128];
	snprintf(name, sizeof name, "%s-listed-%02x", seed, sel);
	put("fuzz_sync", name, pre, 3, b, n);
	unsigned char *blk = b + h->data_offset;
	if (mutex) {
		uint64_t pend = 1ull << 22; /* PEND(0) */
		memcpy(blk + 32, &pend, 8);
	} else {
		blk[place_off + 7] |= 0x80; /* GRANT, bit 63 */
	}
	snprintf(name, sizeof name, "%s-handed-%02x", seed, sel);
	put("fuzz_sync", name, pre, 3, b, n);
	free(b);
	shmap_sync_close(s);
}

static void handoff_seeds(void)
{
	shmap_sync *s;
	int rc;
	if ((rc = shmap_mutex_create("fz", 1, NULL, &s)))
		die("mutex", rc);
	listed_seeds("mutex", s, 0x01, 128, 1);
	if ((rc = shmap_sem_create("fz", 0, 1, NULL, &s)))
		die("semaphore", rc);
	listed_seeds("sem", s, 0x02, 128, 0);
	if ((rc = shmap_event_create("fz", 0, NULL, &s)))
		die("event", rc);
	listed_seeds("event", s, 0x00, 32, 0);
}

static void name_seeds(void)
{
	static const char *narrow[] = {
		"fz", "Local\\fz", "Global\\fz", "Local\\", "Global\\",
		"Session\\1\\fz", "a\\b", "Local\\Global\\x", "..", "../x",
		"/etc/passwd", "x y%z~", "caf\xc3\xa9", "\xff\xfe bytes",
		"\xed\xa0\x80 lone surrogate", "\xf4\x90\x80\x80 past U+10FFFF",
	};
	char name[64], buf[400];
	unsigned char sel = 0;
	for (size_t i = 0; i < sizeof narrow / sizeof *narrow; i++) {
		snprintf(name, sizeof name, "narrow-%02zu", i);
		put("fuzz_name", name, &sel, 1, narrow[i], strlen(narrow[i]));
		sel ^= 2;
	}
	/* The longest names, with and without a prefix. */
	memset(buf, 'x', sizeof buf);
	put("fuzz_name", "narrow-long-260", &sel, 1, buf, 260);
	memcpy(buf, "Local\\", 6);
	put("fuzz_name", "narrow-long-local-260", &sel, 1, buf, 266);
	memset(buf, '%', 200);
	put("fuzz_name", "narrow-escapes-200", &sel, 1, buf, 200);
	static const uint32_t wide[][8] = {
		{ 'f', 'z' },
		{ 'L', 'o', 'c', 'a', 'l', '\\', 'f', 'z' },
		{ 'G', 'l', 'o', 'b', 'a', 'l', '\\', 0xe9 },
		{ 0xd83d, 0xde00, 'x' },  /* a surrogate pair */
		{ 0xd800, 'x' },          /* a lone high surrogate */
		{ 0xdc00, 0xd800 },       /* reversed pair */
		{ 0x110000, 0x7fffffff }, /* past Unicode */
		{ 0x80000000u, 0xffffffffu, 'x' },
	};
	for (size_t i = 0; i < sizeof wide / sizeof *wide; i++) {
		unsigned char s = (unsigned char)(1 | (i & 1) << 1);
		size_t n = 0;
		while (n < 8 && wide[i][n])
			n++;
		snprintf(name, sizeof name, "wide-%02zu", i);
		put("fuzz_name", name, &s, 1, wide[i], n * sizeof(uint32_t));
	}
}

/*
 * Handle specs: "#k" stands for the descriptor number of the target's k-th
 * prepared hold and "@k" for its "device:inode" (0 mapping, 1 event,
 * 2 mutex, 3 semaphore, 4 a 64 KiB file, 5 an empty file).
 */
static void handle_seeds(void)
{
	static const char *specs[] = {
		"4:M:#0:983071:@0",
		"8:E:#1:2031619:@1",
		"12:X:#2:2031617:@2",
		"16:S:#3:2031619:@3",
		"20:F:#4:983071:@4:65536:2",
		"24:D:#4:3221225472:@4",
		("4:M:#0:983071:@0,8:E:#1:2031619:@1,12:X:#2:2031617:@2,"
		 "16:S:#3:2031619:@3,20:D:#5:3221225472:@5"),
		"4:D:#4:1:@4,8:D:#4:1:@4",
		"4:D:#4:1:@4,4:D:#5:1:@5",
		"20:F:#4:983071:@4:999999999:2",
		"20:F:#5:983071:@5:1:2",
		"4:M:#1:983071:@1",
		"4:E:#0:2031619:@0",
		"4:D:0:1:0:0,8:D:2:1:0:0",
		",,,4:D:#4:1:@4,",
		"4:D:#4:1:@5",
	};
	char name[64];
	for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
		snprintf(name, sizeof name, "spec-%02zu", i);
		put("fuzz_handles", name, "", 0, specs[i], strlen(specs[i]));
	}
}

/* Channels of each shape with messages in them, under several roles. */
static void chan_seeds(void)
{
	static const char *const shapes[] = { NULL, "spsc", "mpmc", "broadcast" };
	static const unsigned char sels[] = { 0x00, 0x12, 0x0e, 0x23 };
	for (unsigned shape = SHMAP_CHAN_SPSC; shape <= SHMAP_CHAN_BROADCAST;
	     shape++) {
		shmap_chan_config cfg = { shape, 4, 40, 2 };
		shmap_chan *c;
		int rc = shmap_chan_create("fz", &cfg,
		                           SHMAP_CHAN_SEND | SHMAP_CHAN_RECV,
		                           NULL, &c);
		if (rc)
			die(shapes[shape], rc);
		for (unsigned i = 0; i < 3; i++)
			if ((rc = shmap_chan_send(c, "message", 1 + 3 * i, 0)))
				die("send", rc);
		unsigned char buf[40];
		size_t len;
		if ((rc = shmap_chan_recv(c, buf, sizeof buf, 0, &len)))
			die("recv", rc);
		size_t n;
		unsigned char *b = backing("fz", &n);
		for (size_t i = 0; i < sizeof sels; i++) {
			char name[64];
			snprintf(name, sizeof name, "%s-%02x", shapes[shape],
			         sels[i]);
			put("fuzz_chan", name, &sels[i], 1, b, n);
		}
		free(b);
		shmap_chan_close(c);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seedgen DIR\n");
		return 2;
	}
	g_out = argv[1];
	mkdir(g_out, 0755);
	snprintf(g_dir, sizeof g_dir, "/dev/shm/shmap-seedgen.XXXXXX");
	if (!mkdtemp(g_dir))
		die("mkdtemp", -errno);
	setenv("SHMAP_DIR", g_dir, 1);
	shmap__set_dir(g_dir);
	hdr_seeds();
	sync_seeds();
	handoff_seeds();
	name_seeds();
	handle_seeds();
	chan_seeds();
	rmdir(g_dir);
	return 0;
}
