/*
 * Object lifetime costs: shmap against raw POSIX shared memory, measured in
 * the same run. Each figure is the median over RUNS runs of the mean time
 * of ITERS operations.
 *
 *   create+map+unmap+close of a fresh 1 MiB object (the last close removes it)
 *   open+close of an object another handle keeps alive
 */
#include <fcntl.h>
#include <shmap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define SIZE (1u << 20)

/* POSIX names carry the pid so concurrent runs never share an object. */
static char raw_life[48], raw_keep[48];

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

static void raw_cycle_plain(void)
{
	raw_cycle(0);
}

static void raw_cycle_reserved(void)
{
	raw_cycle(1);
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

	double life = median_us(shmap_cycle);
	double raw = median_us(raw_cycle_plain);
	double rawr = median_us(raw_cycle_reserved);
	double oc = median_us(shmap_open_close);
	double roc = median_us(raw_open_close);

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

	shmap_map_close(keep);
	close(kfd);
	shm_unlink(raw_keep);
	return 0;
}
