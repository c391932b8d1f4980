/* SPDX-License-Identifier: MIT */
/*
 * Object lifetime costs: shmap against raw POSIX shared memory, measured in
 * the same run. Each figure is the median over RUNS runs of the mean time
 * of ITERS operations.
 *
 *   create+map+unmap+close of a fresh 1 MiB object (the last close removes it)
 *   open+close of an object another handle keeps alive
 *   the same for a mapping and an event against the floor of the lock
 *   protocol: open, an OFD read lock on byte 0, close, of a file another
 *   descriptor holds, in the backing directory
 *   create+close of a fresh object of 4 KiB to 1 GiB, reserved (the default:
 *   fallocate) against SHMAP_ATTR_NORESERVE (ftruncate only); sizes above
 *   16 MiB only when iters >= 100, so a short smoke run stays small
 */
#include <fcntl.h>
#include <shmap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SIZE (1u << 20)

/* POSIX names carry the pid so concurrent runs never share an object. */
static char raw_life[48], raw_keep[48];
static char raw_lock[4096]; /* the floor's file, in the backing directory */

static int iters = 2000, runs = 11;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_lifetime: %s: %s\n", what, shmap_strerror(rc));
	exit(1);
}

static void shmap_cycle(void)
{
	shmap_map *m;
	void *v;
	int rc = shmap_map_create("Local\\bench-life", SIZE,
	                          SHMAP_PROT_READWRITE, NULL, &m);
	if (rc)
		die("create", rc);
	if ((rc = shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, &v)))
		die("map", rc);
	shmap_view_unmap(v);
	shmap_map_close(m);
}

static void raw_cycle(int reserve)
{
	int fd = shm_open(raw_life, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, SIZE) < 0)
		die("shm_open/ftruncate", -1);
	if (reserve && fallocate(fd, 0, 0, SIZE) < 0)
		die("fallocate", -1);
	void *v = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (v == MAP_FAILED)
		die("mmap", -1);
	munmap(v, SIZE);
	shm_unlink(raw_life);
	close(fd);
}

static void shmap_open_close(void)
{
	shmap_map *m;
	int rc = shmap_map_open("Local\\bench-keep", SHMAP_ACCESS_ALL, &m);
	if (rc)
		die("open", rc);
	shmap_map_close(m);
}

static void raw_open_close(void)
{
	int fd = shm_open(raw_keep, O_RDWR, 0600);
	if (fd < 0)
		die("shm_open", -1);
	close(fd);
}

static void shmap_event_open_close(void)
{
	shmap_sync *e;
	int rc = shmap_event_open("Local\\bench-event", 0, &e);
	if (rc)
		die("event open", rc);
	shmap_sync_close(e);
}

/* What a handle's open and close cannot do without: a descriptor holding a
 * shared OFD lock on the holder byte, released with the descriptor. */
static int ofd_read_lock(int fd)
{
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	fl.l_len = 1;
	return fcntl(fd, F_OFD_SETLK, &fl);
}

static void raw_lock_open_close(void)
{
	int fd = open(raw_lock, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ofd_read_lock(fd) < 0)
		die("open+lock", -1);
	close(fd);
}

static void raw_cycle_plain(void)
{
	raw_cycle(0);
}

static void raw_cycle_reserved(void)
{
	raw_cycle(1);
}

static uint64_t sz_size;
static unsigned sz_flags;

static void size_cycle(void)
{
	shmap_map *m;
	shmap_attr attr = {0, sz_flags};
	int rc = shmap_map_create("Local\\bench-size", sz_size,
	                          SHMAP_PROT_READWRITE, &attr, &m);
	if (rc)
		die("create by size", rc);
	shmap_map_close(m);
}

static double median_n(void (*fn)(void), int n, int nruns)
{
	double t[64];
	for (int r = 0; r < nruns; r++) {
		double t0 = now_us();
		for (int i = 0; i < n; i++)
			fn();
		t[r] = (now_us() - t0) / n;
	}
	qsort(t, (size_t)nruns, sizeof t[0], cmp);
	return t[nruns / 2];
}

/* create+close by size, reserved and not; the work shrinks with size. */
static void by_size(void)
{
	static const struct {
		const char *label;
		uint64_t size;
	} sizes[] = {{"4 KiB", 4096},          {"1 MiB", 1ull << 20},
	             {"16 MiB", 16ull << 20},  {"256 MiB", 256ull << 20},
	             {"1 GiB", 1ull << 30}};
	printf("\n%-30s %14s %14s %8s\n", "create+close of a fresh object",
	       "reserved us", "noreserve us", "ratio");
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint64_t size = sizes[i].size;
		if (size > (16ull << 20) && iters < 100)
			break;
		uint64_t want = (uint64_t)iters * (1ull << 20) / size;
		int n = want < 3 ? 3 : want > (uint64_t)iters ? iters : (int)want;
		int nruns = size >= (256ull << 20) && runs > 5 ? 5 : runs;
		sz_size = size;
		sz_flags = 0;
		double res = median_n(size_cycle, n, nruns);
		sz_flags = SHMAP_ATTR_NORESERVE;
		double nores = median_n(size_cycle, n, nruns);
		printf("%-30s %14.1f %14.1f %8.1f\n", sizes[i].label, res,
		       nores, res / nores);
	}
}

static double median_us(void (*fn)(void))
{
	double t[64];
	for (int r = 0; r < runs; r++) {
		double t0 = now_us();
		for (int i = 0; i < iters; i++)
			fn();
		t[r] = (now_us() - t0) / iters;
	}
	qsort(t, (size_t)runs, sizeof t[0], cmp);
	return t[runs / 2];
}

int main(int argc, char **argv)
{
	if (argc > 1)
		iters = atoi(argv[1]);
	if (argc > 2)
		runs = atoi(argv[2]);
	if (iters < 1 || runs < 1 || runs > 64) {
		fprintf(stderr, "usage: bench_lifetime [iters] [runs<=64]\n");
		return 2;
	}
	snprintf(raw_life, sizeof raw_life, "/bench-life-raw-%d", (int)getpid());
	snprintf(raw_keep, sizeof raw_keep, "/bench-keep-raw-%d", (int)getpid());
	shmap_map *keep;
	int rc = shmap_map_create("Local\\bench-keep", SIZE, SHMAP_PROT_READWRITE,
	                          NULL, &keep);
	if (rc)
		die("create keep", rc);
	int kfd = shm_open(raw_keep, O_RDWR | O_CREAT, 0600);
	if (kfd < 0 || ftruncate(kfd, SIZE) < 0)
		die("shm_open keep", -1);
	shmap_sync *ekeep;
	if ((rc = shmap_event_create("Local\\bench-event", 0, NULL, &ekeep)))
		die("create event", rc);
	snprintf(raw_lock, sizeof raw_lock, "%s/bench-lock-raw-%d",
	         shmap_backing_dir(), (int)getpid());
	int lfd = open(raw_lock, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (lfd < 0 || ftruncate(lfd, SIZE) < 0 || ofd_read_lock(lfd) < 0)
		die("the floor's file", -1);

	double life = median_us(shmap_cycle);
	double raw = median_us(raw_cycle_plain);
	double rawr = median_us(raw_cycle_reserved);
	double oc = median_us(shmap_open_close);
	double roc = median_us(raw_open_close);
	double eoc = median_us(shmap_event_open_close);
	double loc = median_us(raw_lock_open_close);

	printf("lifetime costs, median of %d runs x %d ops, backing dir %s\n",
	       runs, iters, shmap_backing_dir());
	printf("%-54s %9s %8s\n", "operation", "us/op", "ratio");
	printf("%-54s %9.2f %8s\n",
	       "raw shm_open+ftruncate+mmap+munmap+shm_unlink 1 MiB", raw, "1.00");
	printf("%-54s %9.2f %8.2f\n", "raw, plus fallocate (memory reserved)", rawr,
	       rawr / raw);
	printf("%-54s %9.2f %8.2f\n", "shmap create+map+unmap+close 1 MiB", life,
	       life / raw);
	printf("%-54s %9.2f %8s\n", "raw shm_open+close of an existing object", roc,
	       "1.00");
	printf("%-54s %9.2f %8.2f\n", "shmap open+close of an existing object", oc,
	       oc / roc);
	printf("\n%-54s %9s %8s\n", "open+close of an object held elsewhere",
	       "us/op", "ratio");
	printf("%-54s %9.2f %8s\n", "raw open+OFD read lock+close (protocol floor)",
	       loc, "1.00");
	printf("%-54s %9.2f %8.2f\n", "shmap map open+close", oc, oc / loc);
	printf("%-54s %9.2f %8.2f\n", "shmap event open+close", eoc, eoc / loc);

	by_size();

	shmap_map_close(keep);
	shmap_sync_close(ekeep);
	close(kfd);
	shm_unlink(raw_keep);
	close(lfd);
	unlink(raw_lock);
	return 0;
}
