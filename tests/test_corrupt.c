/* SPDX-License-Identifier: MIT */
/*
 * Corrupt object headers: every damage to the header page or the size of a
 * live object's file is an error code from open and create, never a crash,
 * an out-of-bounds access or a hang; a randomized pass backs the list up.
 *
 * The object under test stays live through a handle kept open, so the
 * damaged file is not just a leftover (open treats an object nobody holds
 * as absent and removes it). The damage is done through a separate plain
 * descriptor, which holds no lock.
 */
#include <fcntl.h>
#include <stddef.h>
#include <sys/mman.h>

#include "harness.h"

#define NAME "Local\\corrupt"
#define SIZE 8192u
#define RW SHMAP_PROT_READWRITE
#define HDR SHMAP__HDR_SIZE

struct live {
	shmap_map *keep;
	int fd; /* plain descriptor of the backing file */
	char path[4096];
	unsigned char page[HDR]; /* the header page as built */
	struct shmap__hdr hdr;
	off_t size;
};

static void live_begin(struct live *l)
{
	struct stat st;
	T_OK(shmap_map_create(NAME, SIZE, RW, NULL, &l->keep));
	t_backing_path(NAME, l->path, sizeof l->path);
	l->fd = open(l->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	T_ASSERT(l->fd >= 0);
	T_EQ(pread(l->fd, l->page, HDR, 0), HDR);
	memcpy(&l->hdr, l->page, sizeof l->hdr);
	T_OK(fstat(l->fd, &st));
	l->size = st.st_size;
	T_EQ(l->size, HDR + SIZE);
	T_EQ(l->hdr.data_offset, HDR);
	T_EQ(l->hdr.size, SIZE);
}

static void live_restore(struct live *l)
{
	T_EQ(pwrite(l->fd, l->page, HDR, 0), HDR);
	T_OK(ftruncate(l->fd, l->size));
}

/* Restores the object, shows it works again, closes it: the name goes. */
static void live_end(struct live *l)
{
	shmap_map *m = NULL;
	live_restore(l);
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_ALL, &m));
	T_OK(shmap_map_close(m));
	T_OK(close(l->fd));
	T_OK(shmap_map_close(l->keep));
	T_EQ(access(l->path, F_OK), -1);
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &m), -ENOENT);
}

static void expect(const char *what, const char *call, int rc, int want)
{
	if (rc != want)
		T_FAIL("%s: %s gave %d (%s), expected %d (%s)", what, call, rc,
		       rc < 0 ? shmap_strerror(rc) : "success", want,
		       shmap_strerror(want));
}

/*
 * Writes h over the header (if h) and sets the file size (if size >= 0),
 * checks every way in gives want, then restores the object.
 */
static void check(struct live *l, const char *what, const struct shmap__hdr *h,
                  off_t size, int want)
{
	shmap_map *m = NULL;
	int kfd;
	if (h)
		T_EQ(pwrite(l->fd, h, sizeof *h, 0), (long long)sizeof *h);
	if (size >= 0)
		T_OK(ftruncate(l->fd, size));
	expect(what, "open(read)", shmap_map_open(NAME, SHMAP_ACCESS_READ, &m),
	       want);
	expect(what, "open(all)", shmap_map_open(NAME, SHMAP_ACCESS_ALL, &m),
	       want);
	expect(what, "create", shmap_map_create(NAME, SIZE, RW, NULL, &m),
	       want);
	expect(what, "create(other size)",
	       shmap_map_create(NAME, 3 * SIZE, RW, NULL, &m), want);
	/* Adopting the descriptor reads the same header. */
	T_OK(shmap_map_fd(l->keep, &kfd));
	int rc = shmap_map_open_fd(kfd, SHMAP_ACCESS_READ, &m);
	if (want == SHMAP_EBADOBJ && h &&
	    memcmp(h->name, l->hdr.name, sizeof h->name) && rc < 0)
		; /* it names another object: any refusal will do */
	else
		expect(what, "open_fd", rc, want);
	live_restore(l);
	/* Nothing was held or removed: the object opens again. */
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_ALL, &m));
	T_OK(shmap_map_close(m));
}

static void check_hdr(struct live *l, const char *what,
                      const struct shmap__hdr *h, int want)
{
	check(l, what, h, -1, want);
}

static void bad_magic_format_state(void)
{
	struct live l;
	struct shmap__hdr h;
	live_begin(&l);
	h = l.hdr, h.magic ^= 1;
	check_hdr(&l, "magic ^ 1", &h, SHMAP_EBADOBJ);
	h = l.hdr, h.magic = 0;
	check_hdr(&l, "magic 0", &h, SHMAP_EBADOBJ);
	h = l.hdr, h.magic = __builtin_bswap64(SHMAP__MAGIC);
	check_hdr(&l, "magic byte-swapped", &h, SHMAP_EBADOBJ);
	/* Behind the right magic, another format word is another version's
	 * layout: refused as such. */
	h = l.hdr, h.format = 0;
	check_hdr(&l, "format 0", &h, SHMAP_EFORMAT);
	h = l.hdr, h.format = SHMAP__FORMAT + 1;
	check_hdr(&l, "format + 1", &h, SHMAP_EFORMAT);
	h = l.hdr, h.format = UINT32_MAX;
	check_hdr(&l, "format ~0", &h, SHMAP_EFORMAT);
	h = l.hdr, h.magic ^= 1, h.format = 0;
	check_hdr(&l, "magic ^ 1, format 0", &h, SHMAP_EBADOBJ);
	h = l.hdr, h.state = 0;
	check_hdr(&l, "state 0", &h, SHMAP_EBADOBJ);
	h = l.hdr, h.state = SHMAP__READY ^ 0x100;
	check_hdr(&l, "state almost READY", &h, SHMAP_EBADOBJ);
	live_end(&l);
}

static void bad_type_prot_flags(void)
{
	static const uint32_t types[] = {0, 6, 99, 0x80000001u, UINT32_MAX};
	static const uint32_t prots[] = {0, 4, 99, UINT32_MAX};
	static const uint32_t flags[] = {0x4, 0x8, 0x80000000u, UINT32_MAX,
	                                 SHMAP__HF_FILE};
	struct live l;
	struct shmap__hdr h;
	char what[64];
	live_begin(&l);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		h = l.hdr, h.type = types[i];
		snprintf(what, sizeof what, "type %u", types[i]);
		check_hdr(&l, what, &h, SHMAP_EBADOBJ);
	}
	for (size_t i = 0; i < sizeof prots / sizeof prots[0]; i++) {
		h = l.hdr, h.prot = prots[i];
		snprintf(what, sizeof what, "prot %u", prots[i]);
		check_hdr(&l, what, &h, SHMAP_EBADOBJ);
	}
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		h = l.hdr, h.flags = flags[i];
		snprintf(what, sizeof what, "flags %#x", flags[i]);
		check_hdr(&l, what, &h, SHMAP_EBADOBJ);
	}
	live_end(&l);
}

static void bad_data_offset(void)
{
	static const uint64_t offs[] = {0,
	                                1,
	                                2048,
	                                HDR + 1,
	                                HDR - 1,
	                                2 * HDR,
	                                3 * HDR,
	                                1ull << 20,
	                                (1ull << 20) + HDR,
	                                1ull << 40,
	                                UINT64_MAX,
	                                INT64_MAX,
	                                UINT64_MAX - HDR + 1};
	struct live l;
	struct shmap__hdr h;
	char what[64];
	live_begin(&l);
	for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
		h = l.hdr, h.data_offset = offs[i];
		snprintf(what, sizeof what, "data_offset %llu",
		         (unsigned long long)offs[i]);
		check_hdr(&l, what, &h, SHMAP_EBADOBJ);
	}
	live_end(&l);
}

/* The stored size must match the file: bigger, smaller, overflowing. */
static void bad_size(void)
{
	static const uint64_t sizes[] = {
	    SIZE + 1, SIZE - 1,  SIZE + HDR, SIZE - HDR,       0,
	    1,        INT64_MAX, UINT64_MAX, UINT64_MAX - HDR, 1ull << 63};
	struct live l;
	struct shmap__hdr h;
	char what[64];
	live_begin(&l);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		h = l.hdr, h.size = sizes[i];
		snprintf(what, sizeof what, "size %llu",
		         (unsigned long long)sizes[i]);
		check_hdr(&l, what, &h, SHMAP_EBADOBJ);
	}
	/* The file itself changed size under the header. */
	check(&l, "file one page bigger", NULL, l.size + HDR, SHMAP_EBADOBJ);
	check(&l, "file one byte bigger", NULL, l.size + 1, SHMAP_EBADOBJ);
	check(&l, "file one page smaller", NULL, l.size - HDR, SHMAP_EBADOBJ);
	check(&l, "file one byte smaller", NULL, l.size - 1, SHMAP_EBADOBJ);
	check(&l, "file just the header", NULL, HDR, SHMAP_EBADOBJ);
	check(&l, "file less than a header", NULL, 100, SHMAP_EBADOBJ);
	check(&l, "file one byte", NULL, 1, SHMAP_EBADOBJ);
	check(&l, "file empty", NULL, 0, SHMAP_EBADOBJ);
	check(&l, "file shorter than struct", NULL,
	      (off_t)sizeof(struct shmap__hdr) - 1, SHMAP_EBADOBJ);
	/* An empty object, consistent with its file, is no mapping either. */
	h = l.hdr, h.size = 0;
	check(&l, "size 0, file just the header", &h, HDR, SHMAP_EBADOBJ);
	live_end(&l);
}

static void bad_name_and_path(void)
{
	struct live l;
	struct shmap__hdr h;
	uint32_t len;
	live_begin(&l);
	len = l.hdr.name_len;
	T_EQ(len, strlen(NAME));
	static const uint32_t name_lens[] = {
	    SHMAP__NAME_BYTES, SHMAP__NAME_BYTES + 1, SHMAP__NAME_BYTES - 1,
	    UINT32_MAX,        0x80000000u,           0};
	for (size_t i = 0; i < sizeof name_lens / sizeof name_lens[0]; i++) {
		char what[64];
		h = l.hdr, h.name_len = name_lens[i];
		snprintf(what, sizeof what, "name_len %u", name_lens[i]);
		check_hdr(&l, what, &h, SHMAP_EBADOBJ);
	}
	h = l.hdr, h.name_len = len - 1;
	check_hdr(&l, "name_len one short", &h, SHMAP_EBADOBJ);
	h = l.hdr, h.name_len = len + 1;
	check_hdr(&l, "name_len one long", &h, SHMAP_EBADOBJ);
	/* No NUL anywhere in the name buffer. */
	h = l.hdr, memset(h.name, 'A', sizeof h.name);
	check_hdr(&l, "name unterminated", &h, SHMAP_EBADOBJ);
	h.name_len = SHMAP__NAME_BYTES - 1;
	check_hdr(&l, "name unterminated, len at the end", &h, SHMAP_EBADOBJ);
	h.name_len = SHMAP__NAME_BYTES;
	check_hdr(&l, "name unterminated, len past the end", &h, SHMAP_EBADOBJ);
	/* A well-formed name that is not the one asked for. */
	static const char *const others[] = {"Local\\corrupT",  "Local\\other",
	                                     "Global\\corrupt", "corrupt",
	                                     "Local\\corrupt2", ""};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		char what[64];
		h = l.hdr;
		memset(h.name, 0, sizeof h.name);
		strcpy(h.name, others[i]);
		h.name_len = (uint32_t)strlen(others[i]);
		snprintf(what, sizeof what, "stored name \"%s\"", others[i]);
		check_hdr(&l, what, &h, SHMAP_EBADOBJ);
	}
	/* Path: length out of range, inconsistent, unterminated. */
	static const uint32_t path_lens[] = {
	    SHMAP__PATH_BYTES, SHMAP__PATH_BYTES + 1, SHMAP__PATH_BYTES - 1,
	    UINT32_MAX, 1};
	for (size_t i = 0; i < sizeof path_lens / sizeof path_lens[0]; i++) {
		char what[64];
		h = l.hdr, h.path_len = path_lens[i];
		snprintf(what, sizeof what, "path_len %u", path_lens[i]);
		check_hdr(&l, what, &h, SHMAP_EBADOBJ);
	}
	h = l.hdr, memset(h.path, 'B', sizeof h.path);
	check_hdr(&l, "path unterminated", &h, SHMAP_EBADOBJ);
	h.path_len = SHMAP__PATH_BYTES - 1;
	check_hdr(&l, "path unterminated, len at the end", &h, SHMAP_EBADOBJ);
	h = l.hdr, strcpy(h.path, "/tmp");
	check_hdr(&l, "path without path_len", &h, SHMAP_EBADOBJ);
	live_end(&l);
}

/* A valid header of another known type: the name holds another type. */
static void other_type(void)
{
	static const uint32_t types[] = {SHMAP_TYPE_EVENT, SHMAP_TYPE_MUTEX,
	                                 SHMAP_TYPE_SEMAPHORE,
	                                 SHMAP__TYPE_LAST};
	struct live l;
	struct shmap__hdr h;
	live_begin(&l);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		char what[64];
		h = l.hdr, h.type = types[i];
		snprintf(what, sizeof what, "type %u", types[i]);
		check_hdr(&l, what, &h, SHMAP_ETYPE);
	}
	live_end(&l);
}

/*
 * A corrupt file that nobody holds is a leftover: open treats it as absent
 * and removes it; create replaces it with a fresh object.
 */
static void corrupt_leftover(void)
{
	char path[4096];
	shmap_map *m = NULL;
	unsigned char *v;
	static const char junk[] = "not a header at all";
	t_backing_path(NAME, path, sizeof path);
	for (int i = 0; i < 2; i++) {
		int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
		T_ASSERT(fd >= 0);
		T_OK(fchmod(fd, 0600));
		T_EQ(write(fd, junk, sizeof junk), sizeof junk);
		close(fd);
		if (i == 0) {
			T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &m),
			     -ENOENT);
			T_EQ(access(path, F_OK), -1);
			continue;
		}
		T_OK(shmap_map_create(NAME, SIZE, RW, NULL, &m));
		T_EQ(shmap_map_existed(m), 0);
		T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&v));
		for (unsigned k = 0; k < SIZE; k++)
			T_EQ(v[k], 0);
		T_OK(shmap_view_unmap(v));
		T_OK(shmap_map_close(m));
	}
}

/*
 * Runs shmap_map_open in a child, which must return a refusal within a few
 * seconds. Returns 0 if it did, else 1 after saying what happened.
 */
static int open_returns(const char *what, unsigned access)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		shmap_map *m = NULL;
		int rc = shmap_map_open(NAME, access, &m);
		if (rc == 0)
			T_FAIL("%s: open succeeded", what);
		exit(0);
	}
	int st = t_wait(pid, 3);
	if (st == -1) {
		fprintf(stderr, "  %s: shmap_map_open did not return\n", what);
		return 1;
	}
	return t_exit_code(st) != 0;
}

/*
 * A file mapping's header names the data file by path and by the creator's
 * descriptor. A damaged one may name anything; opening it must not block
 * (a FIFO, a pipe without writers) or succeed.
 */
static void file_header_names_fifo(void)
{
	struct live l;
	struct shmap__hdr h;
	struct stat st;
	char fifo[512];
	int p[2];
	live_begin(&l);
	snprintf(fifo, sizeof fifo, "%s/fifo", t_dir);
	T_OK(mkfifo(fifo, 0600));
	T_OK(stat(fifo, &st));
	h = l.hdr;
	h.flags = SHMAP__HF_FILE;
	h.size = 4096;
	h.file_dev = st.st_dev;
	h.file_ino = st.st_ino;
	strcpy(h.path, fifo);
	h.path_len = (uint32_t)strlen(fifo);
	h.creator_pid = (uint32_t)getpid();
	h.creator_fd = -1;
	T_EQ(pwrite(l.fd, &h, sizeof h, 0), (long long)sizeof h);
	T_OK(ftruncate(l.fd, HDR));
	int failed = open_returns("path of a FIFO, read", SHMAP_ACCESS_READ);
	failed += open_returns("path of a FIFO, write", SHMAP_ACCESS_ALL);
	/* No path: the creator's descriptor, a pipe nobody writes to. */
	T_OK(pipe(p));
	T_OK(close(p[1]));
	T_OK(fstat(p[0], &st));
	memset(h.path, 0, sizeof h.path);
	h.path_len = 0;
	h.creator_pid = (uint32_t)getpid();
	h.creator_fd = p[0];
	h.file_dev = st.st_dev;
	h.file_ino = st.st_ino;
	T_EQ(pwrite(l.fd, &h, sizeof h, 0), (long long)sizeof h);
	failed += open_returns("creator fd of a pipe", SHMAP_ACCESS_READ);
	failed += open_returns("creator fd of a pipe, write", SHMAP_ACCESS_ALL);
	close(p[0]);
	T_OK(unlink(fifo));
	live_end(&l);
	T_EQ(failed, 0);
}

/*
 * A file mapping whose header claims more bytes than its file has: open
 * must refuse it, or give a handle whose whole view can be read.
 */
static void file_header_size_beyond_file(void)
{
	char data[512], path[4096];
	shmap_map *a = NULL, *m = NULL;
	struct shmap__hdr h;
	snprintf(data, sizeof data, "%s/data", t_dir);
	int dfd = open(data, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	T_ASSERT(dfd >= 0);
	T_OK(ftruncate(dfd, 8192));
	T_OK(shmap_map_create_file("Local\\filemap", dfd, 0, RW, NULL, &a));
	t_backing_path("Local\\filemap", path, sizeof path);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_EQ(pread(fd, &h, sizeof h, 0), (long long)sizeof h);
	T_EQ(h.size, 8192);
	T_ASSERT(h.flags & SHMAP__HF_FILE);
	h.size = 1 << 20;
	T_EQ(pwrite(fd, &h, sizeof h, 0), (long long)sizeof h);
	shmap_map_info info = {0};
	int rd = 0;
	int rc = shmap_map_open("Local\\filemap", SHMAP_ACCESS_READ, &m);
	if (rc == 0) {
		unsigned char *v, b;
		T_OK(shmap_map_query(m, &info));
		T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&v));
		rd = shmap_view_read(v + info.size - 1, &b, 1);
		T_OK(shmap_view_unmap(v));
		T_OK(shmap_map_close(m));
	}
	close(fd);
	T_OK(shmap_map_close(a));
	T_OK(close(dfd));
	T_OK(unlink(data));
	T_ASSERT(rc <= 0);
	if (rd)
		T_FAIL("open accepted a header size of %llu for a file of "
		       "8192 bytes; its last byte: %s",
		       (unsigned long long)info.size, shmap_strerror(rd));
}

/* The randomized pass. */

static uint64_t g_rng;
static volatile int g_iter = -1;
static unsigned long long g_seed;
static struct {
	unsigned off, len;
	uint64_t val;
} g_muts[8];
static volatile int g_nmuts;

static uint64_t rnd(void)
{
	/* xorshift64* */
	g_rng ^= g_rng >> 12;
	g_rng ^= g_rng << 25;
	g_rng ^= g_rng >> 27;
	return g_rng * 2685821657736338717ull;
}

static void on_crash(int sig)
{
	char buf[256];
	int n = snprintf(buf, sizeof buf,
	                 "  fuzz crashed: signal %d, seed %llu, iteration %d\n",
	                 sig, g_seed, g_iter);
	if (n > 0)
		(void)!write(2, buf, (size_t)n);
	for (int i = 0; i < g_nmuts && i < 8; i++) {
		n = snprintf(buf, sizeof buf, "    %u byte(s) at %u = %#llx\n",
		             g_muts[i].len, g_muts[i].off,
		             (unsigned long long)g_muts[i].val);
		if (n > 0)
			(void)!write(2, buf, (size_t)n);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Values that sit on the edges of the checks. */
static uint64_t interesting(const struct live *l)
{
	const uint64_t v[] = {0,
	                      1,
	                      2,
	                      3,
	                      5,
	                      6,
	                      0x7f,
	                      0x80,
	                      0xff,
	                      0xffff,
	                      0x7fffffff,
	                      0x80000000u,
	                      UINT32_MAX,
	                      HDR - 1,
	                      HDR,
	                      HDR + 1,
	                      2 * HDR,
	                      3 * HDR,
	                      SIZE,
	                      SIZE - HDR,
	                      (uint64_t)l->size,
	                      1 << 20,
	                      (1 << 20) + HDR,
	                      SHMAP__READY,
	                      SHMAP__FORMAT,
	                      SHMAP__MAGIC,
	                      SHMAP__NAME_BYTES,
	                      SHMAP__NAME_BYTES - 1,
	                      SHMAP__PATH_BYTES,
	                      SHMAP__PATH_BYTES - 1,
	                      INT64_MAX,
	                      UINT64_MAX,
	                      (uint64_t)INT64_MAX + 1,
	                      rnd()};
	return v[rnd() % (sizeof v / sizeof v[0])];
}

static void mutate(const struct live *l, unsigned char *page)
{
	/* The fixed fields end where the name begins. */
	const unsigned fixed = offsetof(struct shmap__hdr, name);
	unsigned off, len;
	uint64_t val;
	switch (rnd() % 6) {
	case 0: /* flip one bit anywhere in the page */
		off = (unsigned)(rnd() % HDR);
		val = page[off] ^ (1u << (rnd() % 8));
		len = 1;
		break;
	case 1: /* a random byte anywhere in the page */
		off = (unsigned)(rnd() % HDR);
		val = rnd() & 0xff;
		len = 1;
		break;
	case 2: /* a random byte among the fixed fields */
		off = (unsigned)(rnd() % fixed);
		val = rnd() & 0xff;
		len = 1;
		break;
	case 3: /* an edge value into a 32-bit field */
		off = (unsigned)(rnd() % (fixed / 4)) * 4;
		val = interesting(l);
		len = 4;
		break;
	case 4: /* an edge value into a 64-bit field */
		off = (unsigned)(rnd() % (fixed / 8)) * 8;
		val = interesting(l);
		len = 8;
		break;
	default: /* a byte of the name or the path, near where they end */
		off = (unsigned)(rnd() % 2 ? offsetof(struct shmap__hdr, name)
		                           : offsetof(struct shmap__hdr, path));
		off += (unsigned)(rnd() % 24);
		val = rnd() % 3 ? 0 : rnd() & 0xff;
		len = 1;
		break;
	}
	memcpy(page + off, &val, len); /* little-endian: the low bytes */
	if (g_nmuts < 8) {
		g_muts[g_nmuts].off = off;
		g_muts[g_nmuts].len = len;
		g_muts[g_nmuts].val = val;
	}
	g_nmuts++;
}

/* A handle the library handed out must work: view all of it, touch ends. */
static void use(shmap_map *m, int write)
{
	shmap_map_info info;
	volatile unsigned char *v;
	T_OK(shmap_map_query(m, &info));
	T_ASSERT(info.size > 0);
	if (!(info.access & SHMAP_ACCESS_WRITE))
		write = 0; /* create of a read-only object */
	int rc = shmap_view_map(m, 0, 0,
	                        write ? SHMAP_ACCESS_WRITE : SHMAP_ACCESS_READ,
	                        (void **)&v);
	if (rc)
		T_FAIL("iteration %d: open succeeded, view of %llu bytes: %s",
		       g_iter, (unsigned long long)info.size,
		       shmap_strerror(rc));
	unsigned char first = v[0], last = v[info.size - 1];
	if (write) {
		v[0] = first;
		v[info.size - 1] = last;
	}
	T_OK(shmap_view_unmap((void *)v));
}

static void randomized(void)
{
	struct live l;
	unsigned char page[HDR];
	int opened = 0, refused = 0;
	const char *s = getenv("SHMAP_FUZZ_SEED");
	int iters = getenv("SHMAP_FUZZ_ITERS")
	                ? atoi(getenv("SHMAP_FUZZ_ITERS"))
	                : 2000;
	g_seed = s ? strtoull(s, NULL, 0) : 0x5eed5eedull;
	/* A header may name the creator's descriptor 0: make it harmless,
	 * whatever the test was started with (the blocking case of that is
	 * file_header_names_fifo's). */
	int null = open("/dev/null", O_RDONLY);
	T_ASSERT(null >= 0);
	T_EQ(dup2(null, 0), 0);
	close(null);
	g_rng = g_seed * 2 + 1;
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGFPE, on_crash);
	signal(SIGILL, on_crash);
	signal(SIGABRT, on_crash);
	live_begin(&l);
	for (int it = 0; it < iters; it++) {
		shmap_map *m = NULL;
		g_iter = it;
		g_nmuts = 0;
		memcpy(page, l.page, HDR);
		int n = 1 + (int)(rnd() % 4);
		for (int k = 0; k < n; k++)
			mutate(&l, page);
		T_EQ(pwrite(l.fd, page, HDR, 0), HDR);
		for (int way = 0; way < 3; way++) {
			int rc;
			if (way == 0)
				rc =
				    shmap_map_open(NAME, SHMAP_ACCESS_READ, &m);
			else if (way == 1)
				rc = shmap_map_open(NAME, SHMAP_ACCESS_ALL, &m);
			else
				rc = shmap_map_create(NAME, SIZE, RW, NULL, &m);
			if (rc > 0)
				T_FAIL("iteration %d: positive result %d", it,
				       rc);
			if (rc < 0) {
				refused++;
				continue;
			}
			opened++;
			if (way == 2)
				T_EQ(shmap_map_existed(m), 1);
			use(m, way != 0);
			T_OK(shmap_map_close(m));
		}
		live_restore(&l);
	}
	g_iter = -1;
	live_end(&l);
	fprintf(stderr, "  %d iterations (seed %#llx): %d opened, %d refused\n",
	        iters, g_seed, opened, refused);
}

/*
 * An object header of the format before format words (format 1), as the
 * previous library wrote it, is refused with SHMAP_EFORMAT by every way in,
 * as is one of a later format (any other word); the object itself is left
 * alone.
 */
static void header_other_format(void)
{
	struct live l;
	struct shmap__hdr h;
	live_begin(&l);
	T_ASSERT(l.hdr.format == SHMAP__FORMAT && SHMAP__FORMAT != 1u);
	h = l.hdr, h.format = 1u;
	check_hdr(&l, "format 1 (the previous library's)", &h, SHMAP_EFORMAT);
	h = l.hdr, h.format = SHMAP__FORMAT ^ 0x10000u;
	check_hdr(&l, "a later format", &h, SHMAP_EFORMAT);
	live_end(&l);
	T_EQ(strcmp(shmap_strerror(SHMAP_EFORMAT), "unknown error") != 0, 1);
}

/* Writes the 32-bit word w at the start of name's sync block; returns the
 * word it replaced. */
static uint32_t swap_block_word(const char *name, uint32_t w)
{
	char path[4096];
	uint32_t old;
	t_backing_path(name, path, sizeof path);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_EQ(pread(fd, &old, sizeof old, (off_t)shmap__data_offset()),
	     (ssize_t)sizeof old);
	T_EQ(pwrite(fd, &w, sizeof w, (off_t)shmap__data_offset()),
	     (ssize_t)sizeof w);
	close(fd);
	return old;
}

/*
 * Sync blocks of earlier layouts ("SYNC", "SYN2", "SYN3", "SYN4": an owner
 * word of another meaning, no tables of waiters, 320 bytes) and of a later
 * one ("SY" and another format) are refused with SHMAP_EFORMAT, named or
 * in caller memory, not misread; a first word without "SY" is no block
 * (SHMAP_EBADOBJ).
 */
static void sync_block_other_format(void)
{
	static const struct {
		const char *what;
		uint32_t word;
		int want;
	} cases[] = {
		{"SYNC", 0x434e5953u, SHMAP_EFORMAT},
		{"SYN2", 0x324e5953u, SHMAP_EFORMAT},
		{"SYN3", 0x334e5953u, SHMAP_EFORMAT},
		{"SYN4 (the previous library's)", 0x344e5953u, SHMAP_EFORMAT},
		{"SY, format 0", 0x00005953u, SHMAP_EFORMAT},
		{"SY, format ffff", 0xffff5953u, SHMAP_EFORMAT},
		{"zero", 0, SHMAP_EBADOBJ},
		{"XY", 0x344e5958u, SHMAP_EBADOBJ},
	};
	shmap_sync *m, *o;
	shmap_sync_mem mem;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		T_OK(shmap_mutex_create(NAME, 0, NULL, &m));
		uint32_t good = swap_block_word(NAME, cases[i].word);
		T_ASSERT(good != cases[i].word);
		expect(cases[i].what, "mutex_open", shmap_mutex_open(NAME, 0, &o),
		       cases[i].want);
		expect(cases[i].what, "mutex_create",
		       shmap_mutex_create(NAME, 0, NULL, &o), cases[i].want);
		swap_block_word(NAME, good);
		T_OK(shmap_mutex_open(NAME, 0, &o));
		T_OK(shmap_sync_close(o));
		T_OK(shmap_sync_close(m));

		T_OK(shmap_mutex_init(&mem));
		memcpy(mem.bytes, &cases[i].word, sizeof cases[i].word);
		expect(cases[i].what, "sync_attach", shmap_sync_attach(&mem, &o),
		       cases[i].want);
	}
	/* A new block: the size the header says, and every byte past the
	 * table of listeners (reserved) zero, whatever was there. */
	T_EQ(sizeof mem, 512);
	memset(&mem, 0xff, sizeof mem);
	T_OK(shmap_event_init(&mem, 0));
	for (size_t i = 128 + 8 * SHMAP_EVENT_LISTENERS_MAX; i < sizeof mem; i++)
		T_EQ(mem.bytes[i], 0);
}

int main(void)
{
	t_setup();
	t_run("bad magic, format, state", bad_magic_format_state, 20);
	t_run("bad type, prot, flags", bad_type_prot_flags, 20);
	t_run("bad data offset", bad_data_offset, 20);
	t_run("size does not match the file", bad_size, 20);
	t_run("bad name or path fields", bad_name_and_path, 20);
	t_run("another known type", other_type, 20);
	t_run("corrupt leftover is absent", corrupt_leftover, 20);
	t_run("file header naming a FIFO or pipe", file_header_names_fifo, 20);
	t_run("file header size beyond the file", file_header_size_beyond_file,
	      20);
	t_run("randomized header damage", randomized, 60);
	t_run("header of another format", header_other_format, 20);
	t_run("sync block of another format", sync_block_other_format, 20);
	return t_finish();
}
