/* SPDX-License-Identifier: MIT */
/*
 * Large mappings: a reserve-less create (SHMAP_ATTR_NORESERVE) is O(1) at
 * any size; a committed one is bounded by memory and space, so a size that
 * cannot be held fails with an error instead of calling the OOM killer; and
 * guarded copies turn the SIGBUS of a full tmpfs into an error code, never
 * reaching outside a view.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>

#include "harness.h"

#define RW SHMAP_PROT_READWRITE
#define MiB (1ull << 20)
#define TiB (1ull << 40)

static const shmap_attr noreserve = {0, SHMAP_ATTR_NORESERVE};

/* Writes a mark at both ends of m (size bytes) and reads it back. */
static void touch_ends(shmap_map *m, uint64_t size)
{
	char *v, *w;
	T_OK(shmap_view_map(m, 0, MiB, SHMAP_ACCESS_WRITE, (void **)&v));
	T_OK(shmap_view_map(m, size - MiB, MiB, SHMAP_ACCESS_WRITE,
	                    (void **)&w));
	strcpy(v, "first");
	strcpy(w + MiB - 8, "last");
	T_ASSERT(!strcmp(v, "first") && !strcmp(w + MiB - 8, "last"));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_view_unmap(w));
}

/* 1 TiB without reservation: created at once, usable at both ends. */
static void noreserve_tib(void)
{
	static const char *names[] = {"Local\\big", NULL};
	for (int i = 0; i < 2; i++) {
		shmap_map *m, *o;
		shmap_map_info info;
		double t0 = t_now();
		T_OK(shmap_map_create(names[i], TiB, RW, &noreserve, &m));
		T_ASSERT(t_now() - t0 < 0.5);
		T_OK(shmap_map_query(m, &info));
		T_EQ(info.size, TiB);
		touch_ends(m, TiB);
		if (names[i]) {
			/* Sized, not reserved: a few pages are in use. */
			char path[4096];
			struct stat st;
			t_backing_path(names[i], path, sizeof path);
			T_OK(stat(path, &st));
			T_EQ((uint64_t)st.st_size, TiB + shmap__data_offset());
			T_ASSERT((uint64_t)st.st_blocks * 512 < 16 * MiB);
			T_OK(shmap_map_open(names[i], SHMAP_ACCESS_READ, &o));
			T_OK(shmap_map_query(o, &info));
			T_EQ(info.size, TiB);
			T_OK(shmap_map_close(o));
		}
		T_OK(shmap_map_close(m));
	}
}

/*
 * 1 TiB committed: refused by the bound (-ENOMEM: more than memory and swap;
 * -ENOSPC: more than the backing tmpfs), quickly, leaving nothing. The bound
 * is checked on its own first, so a broken one fails here, not by OOM.
 */
static void committed_tib_refused(void)
{
	static const char *names[] = {"Local\\big", NULL};
	int mfd = memfd_create("probe", MFD_CLOEXEC);
	T_ASSERT(mfd >= 0);
	T_EQ(shmap__reserve_check(mfd, TiB), -ENOMEM);
	close(mfd);
	int dfd = open(t_dir, O_RDONLY | O_DIRECTORY);
	T_ASSERT(dfd >= 0);
	int dir_rc = shmap__reserve_check(dfd, TiB);
	close(dfd);
	T_ASSERT(dir_rc == -ENOMEM || dir_rc == -ENOSPC);
	for (int i = 0; i < 2; i++) {
		shmap_map *m = NULL;
		double t0 = t_now();
		int rc = shmap_map_create(names[i], TiB, RW, NULL, &m);
		if (rc != -ENOMEM && rc != -ENOSPC)
			T_FAIL("committed 1 TiB %s: %d (%s)",
			       names[i] ? names[i] : "(anonymous)", rc,
			       shmap_strerror(rc));
		T_ASSERT(t_now() - t0 < 0.5);
		T_EQ(t_count_files(t_dir), 0);
	}
	/* Sizes that fit are still reserved. */
	shmap_map *m;
	char path[4096];
	struct stat st;
	T_OK(shmap_map_create("Local\\fits", 8 * MiB, RW, NULL, &m));
	t_backing_path("Local\\fits", path, sizeof path);
	T_OK(stat(path, &st));
	T_ASSERT((uint64_t)st.st_blocks * 512 >= 8 * MiB);
	T_OK(shmap_map_close(m));
}


/*
 * A 64 MiB reserve-less mapping on a 4 MiB tmpfs: guarded writes succeed
 * until the filesystem is full, then return SHMAP_EINPAGE, never SIGBUS;
 * ranges outside a view, or a read-only view, are refused before copying.
 */
static void guarded_full_run(void)
{
	shmap_map *m;
	char *v, *r, buf[65536], small[16];
	uint64_t size = 64 * MiB;
	memset(buf, 0x5a, sizeof buf);
	T_EQ(shmap_map_create("Local\\sparse", size, RW, NULL, &m), -ENOSPC);
	T_OK(shmap_map_create("Local\\sparse", size, RW, &noreserve, &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	T_OK(shmap_view_map(m, 0, 65536, SHMAP_ACCESS_READ, (void **)&r));
	/* Out of the view, or into a read-only one: refused. */
	T_EQ(shmap_view_write(v + size - 1, "ab", 2), -EINVAL);
	T_EQ(shmap_view_read(v + size - 1, small, 2), -EINVAL);
	T_EQ(shmap_view_write(buf, "ab", 2), -EINVAL);
	T_EQ(shmap_view_read(buf + 8, small, 2), -EINVAL);
	T_EQ(shmap_view_write(r, "ab", 2), -EACCES);
	T_OK(shmap_view_read(r, small, 2));
	int rc = 0;
	uint64_t off;
	for (off = 0; off < size && rc == 0; off += sizeof buf)
		rc = shmap_view_write(v + off, buf, sizeof buf);
	T_EQ(rc, SHMAP_EINPAGE);
	T_ASSERT(off > 1 * MiB && off <= 8 * MiB);
	/* What was written is still there. */
	T_OK(shmap_view_read(v, small, 16));
	T_EQ(small[0], 0x5a);
	T_OK(shmap_view_unmap(r));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
}

static void guarded_full(void)
{
	t_with_tmpfs("size=4m,mode=1777", guarded_full_run);
}

/* Writes s to path; 0 or -1. */
static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/*
 * In a memory cgroup limited to 64 MiB (v1 or v2, whichever this machine
 * lets root make), a committed 128 MiB mapping is -ENOMEM at create, not a
 * kill by the cgroup's OOM killer; 8 MiB fits, and 128 MiB without
 * reservation is created.
 */
static void cgroup_bound(void)
{
	static const char *const parents[] = {"/sys/fs/cgroup/memory",
	                                      "/sys/fs/cgroup"};
	static const char *const limits[] = {"memory.limit_in_bytes",
	                                     "memory.max"};
	char dir[128], file[192];
	int k;
	if (geteuid() != 0)
		t_skip("making a memory cgroup needs root");
	for (k = 0; k < 2; k++) {
		snprintf(dir, sizeof dir, "%s/shmap-test-%d", parents[k],
		         (int)getpid());
		if (mkdir(dir, 0755) < 0)
			continue;
		snprintf(file, sizeof file, "%s/%s", dir, limits[k]);
		if (write_file(file, "67108864") == 0)
			break;
		rmdir(dir);
	}
	if (k == 2)
		t_skip("no memory cgroup (v1 or v2) can be made here");
	int to_parent[2];
	T_OK(pipe(to_parent));
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		char pidbuf[32];
		shmap_map *m;
		snprintf(file, sizeof file, "%s/cgroup.procs", dir);
		snprintf(pidbuf, sizeof pidbuf, "%d", (int)getpid());
		if (write_file(file, pidbuf))
			_exit(t_skip_code("cannot join the cgroup %s", dir));
		T_EQ(shmap_map_create(NULL, 128 * MiB, RW, NULL, &m), -ENOMEM);
		T_EQ(shmap_map_create("Local\\cg", 128 * MiB, RW, NULL, &m),
		     -ENOMEM);
		T_EQ(t_count_files(t_dir), 0);
		T_OK(shmap_map_create(NULL, 8 * MiB, RW, NULL, &m));
		T_OK(shmap_map_close(m));
		T_OK(shmap_map_create("Local\\cg", 128 * MiB, RW, &noreserve,
		                      &m));
		T_OK(shmap_map_close(m));
		_exit(0);
	}
	close(to_parent[1]);
	int st = t_wait(pid, 30);
	close(to_parent[0]);
	rmdir(dir);
	if (st != -1 && WIFSIGNALED(st))
		T_FAIL("the child in a 64 MiB cgroup was killed by signal %d",
		       WTERMSIG(st));
	int code = t_exit_code(st);
	if (code == T_SKIP)
		t_skip("cannot join a memory cgroup");
	T_EQ(code, 0);
}

/* Creates dir/leaf holding s. */
static void put(const char *dir, const char *leaf, const char *s)
{
	char p[512];
	snprintf(p, sizeof p, "%.300s/%.100s", dir, leaf);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	T_ASSERT(fd >= 0);
	T_EQ(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

/*
 * The room a cgroup directory leaves, read from its files as the kernel
 * writes them (v2 and v1), on directories made here, so both versions are
 * checked whichever one this machine runs: an unlimited swap allowance adds
 * only the swap the system has free, and reclaimable page cache is room.
 */
static void cgroup_files(void)
{
	char d[] = "/tmp/shmap-cgroup.XXXXXX";
	T_ASSERT(mkdtemp(d) != NULL);
	/* v2, memory.max 64 MiB, swap "max": 64 MiB plus the free swap. */
	put(d, "memory.max", "67108864\n");
	put(d, "memory.current", "0\n");
	put(d, "memory.swap.max", "max\n");
	put(d, "memory.swap.current", "0\n");
	T_EQ(shmap__cgroup_dir_room(d, 1, 0), 64 * MiB);
	T_EQ(shmap__cgroup_dir_room(d, 1, 16 * MiB), 80 * MiB);
	/* Swap not accounted at all: the same. */
	char p[512];
	snprintf(p, sizeof p, "%.300s/memory.swap.max", d);
	T_OK(unlink(p));
	T_EQ(shmap__cgroup_dir_room(d, 1, 16 * MiB), 80 * MiB);
	/* A swap allowance below the free swap bounds it. */
	put(d, "memory.swap.max", "4194304\n");
	T_EQ(shmap__cgroup_dir_room(d, 1, 16 * MiB), 68 * MiB);
	/* 60 MiB used, 50 MiB of it inactive page cache: 54 MiB left. */
	put(d, "memory.current", "62914560\n");
	put(d, "memory.stat", "anon 10485760\nfile 52428800\n"
	                      "inactive_file 52428800\n");
	T_EQ(shmap__cgroup_dir_room(d, 1, 0), 54 * MiB);
	/* Used beyond the limit: no room, not a wrapped number. */
	put(d, "memory.current", "134217728\n");
	put(d, "memory.stat", "inactive_file 0\n");
	T_EQ(shmap__cgroup_dir_room(d, 1, 0), 0);
	/* No memory.max, or "max": no limit. */
	put(d, "memory.max", "max\n");
	T_EQ(shmap__cgroup_dir_room(d, 1, 0), UINT64_MAX);
	/* v1: the lesser of memory and memory+swap, cache reclaimable. */
	put(d, "memory.limit_in_bytes", "67108864\n");
	put(d, "memory.usage_in_bytes", "33554432\n");
	put(d, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
	put(d, "memory.stat", "cache 0\ntotal_inactive_file 16777216\n");
	T_EQ(shmap__cgroup_dir_room(d, 0, 0), 48 * MiB);
	put(d, "memory.memsw.limit_in_bytes", "50331648\n");
	put(d, "memory.memsw.usage_in_bytes", "33554432\n");
	T_EQ(shmap__cgroup_dir_room(d, 0, 0), 32 * MiB);
	static const char *const leaves[] = {
	        "memory.max", "memory.current", "memory.swap.max",
	        "memory.swap.current", "memory.stat", "memory.limit_in_bytes",
	        "memory.usage_in_bytes", "memory.memsw.limit_in_bytes",
	        "memory.memsw.usage_in_bytes"};
	for (size_t i = 0; i < sizeof leaves / sizeof *leaves; i++) {
		snprintf(p, sizeof p, "%.300s/%s", d, leaves[i]);
		unlink(p);
	}
	T_OK(rmdir(d));
}

int main(void)
{
	t_setup();
	t_run("1 TiB without reservation is fast", noreserve_tib, 30);
	t_run("1 TiB committed is refused, never OOM", committed_tib_refused,
	      30);
	t_run("guarded copy past a full tmpfs is an error", guarded_full, 60);
	t_run("a memory cgroup bounds committed mappings", cgroup_bound, 60);
	t_run("cgroup v2 and v1 limits read from their files", cgroup_files,
	      20);
	return t_finish();
}
