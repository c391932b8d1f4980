/* SPDX-License-Identifier: MIT */
/*
 * Bounds on reserving memory: before a committed (fallocated) mapping takes
 * its size in tmpfs pages at once, check that the memory and the filesystem
 * can hold it, so a size too large fails with an error instead of the
 * kernel's OOM killer ending a process half way through.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "internal.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define NO_LIMIT UINT64_MAX

/* Reads one unsigned number (or "max") from a file; NO_LIMIT if absent. */
static uint64_t read_u64(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NO_LIMIT;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return NO_LIMIT;
	buf[n] = 0;
	if (!strncmp(buf, "max", 3))
		return NO_LIMIT;
	char *end;
	unsigned long long v = strtoull(buf, &end, 10);
	if (end == buf)
		return NO_LIMIT;
	/* cgroup v1 spells "no limit" as a page-rounded LLONG_MAX. */
	return v >= (1ull << 62) ? NO_LIMIT : (uint64_t)v;
}

/* read_u64 of dir/leaf. */
static uint64_t read_at(const char *dir, const char *leaf)
{
	char p[4096];
	int n = snprintf(p, sizeof p, "%s/%s", dir, leaf);
	return n > 0 && (size_t)n < sizeof p ? read_u64(p) : NO_LIMIT;
}

/*
 * The page cache in dir that the kernel reclaims before it runs out:
 * inactive_file of memory.stat (total_inactive_file under v1, which counts
 * the subtree as v2 does), as MemAvailable counts it. 0 if unknown.
 */
static uint64_t reclaimable(const char *dir, int v2)
{
	char p[4096], line[256];
	const char *key = v2 ? "inactive_file " : "total_inactive_file ";
	size_t klen = strlen(key);
	uint64_t v = 0;
	int n = snprintf(p, sizeof p, "%s/memory.stat", dir);
	if (n <= 0 || (size_t)n >= sizeof p)
		return 0;
	FILE *f = fopen(p, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, key, klen)) {
			char *end;
			unsigned long long x = strtoull(line + klen, &end, 10);
			if (end != line + klen)
				v = (uint64_t)x;
			break;
		}
	}
	fclose(f);
	return v;
}

/*
 * What the limit dir/lim leaves beyond the usage dir/use, less `cache` of
 * the usage that the kernel would reclaim first. The usage is read only
 * under a limit: at an unlimited root it is costly to compute.
 */
static uint64_t headroom(const char *dir, const char *lim, const char *use,
                         uint64_t (*cache)(const char *, int), int v2)
{
	uint64_t limit = read_at(dir, lim);
	if (limit == NO_LIMIT)
		return NO_LIMIT;
	uint64_t used = read_at(dir, use);
	if (used == NO_LIMIT)
		used = 0;
	if (cache) {
		uint64_t c = cache(dir, v2);
		used = used > c ? used - c : 0;
	}
	return limit > used ? limit - used : 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > NO_LIMIT - b ? NO_LIMIT : a + b;
}

uint64_t shmap__cgroup_dir_room(const char *dir, int v2, uint64_t swap_free)
{
	uint64_t mem, swap;
	if (v2) {
		mem = headroom(dir, "memory.max", "memory.current", reclaimable,
		               1);
		if (mem == NO_LIMIT)
			return NO_LIMIT;
		/* An unlimited (or unaccounted) swap allowance adds only the
		 * swap the system has free, never "unlimited". */
		swap = headroom(dir, "memory.swap.max", "memory.swap.current",
		                NULL, 1);
		return add_sat(mem, min_u64(swap, swap_free));
	}
	mem = headroom(dir, "memory.limit_in_bytes", "memory.usage_in_bytes",
	               reclaimable, 0);
	/* v1 memsw counts memory and swap together. */
	swap = headroom(dir, "memory.memsw.limit_in_bytes",
	                "memory.memsw.usage_in_bytes", reclaimable, 0);
	return min_u64(mem, swap);
}

/*
 * The memory cgroups that limit the caller: its own and its ancestors, as
 * far as they are visible (a container sees its own cgroup as the root),
 * found once per process; only their usage is read at each check.
 */
#define MAX_LIMITED 8
static struct {
	char dir[512];
	int v2;
} g_limited[MAX_LIMITED];
static int g_nlimited;
static pthread_once_t g_cg_once = PTHREAD_ONCE_INIT;

static int dir_limited(const char *dir, int v2)
{
	if (v2)
		return read_at(dir, "memory.max") != NO_LIMIT;
	return read_at(dir, "memory.limit_in_bytes") != NO_LIMIT ||
	       read_at(dir, "memory.memsw.limit_in_bytes") != NO_LIMIT;
}

static void cgroup_init(void)
{
	char line[4096];
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		int v2 = !strncmp(line, "0::", 3);
		char *path = NULL;
		if (v2) {
			path = line + 3;
		} else {
			char *c = strchr(line, ':');
			char *c2 = c ? strchr(c + 1, ':') : NULL;
			if (!c2 || strncmp(c + 1, "memory:", 7))
				continue;
			path = c2 + 1;
		}
		path[strcspn(path, "\n")] = 0;
		const char *root = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
		/* From the leaf up to the root; levels not visible are skipped. */
		while (g_nlimited < MAX_LIMITED) {
			char *dir = g_limited[g_nlimited].dir;
			size_t cap = sizeof g_limited[0].dir;
			int n = snprintf(dir, cap, "%s%s", root, path);
			if (n > 0 && (size_t)n < cap && dir_limited(dir, v2))
				g_limited[g_nlimited++].v2 = v2;
			char *slash = strrchr(path, '/');
			if (!slash || !*path)
				break;
			*slash = 0;
		}
	}
	fclose(f);
}

/* The least room left in the cgroups that limit the caller. */
static uint64_t cgroup_room(uint64_t swap_free)
{
	uint64_t room = NO_LIMIT;
	pthread_once(&g_cg_once, cgroup_init);
	for (int i = 0; i < g_nlimited; i++)
		room = min_u64(room, shmap__cgroup_dir_room(g_limited[i].dir,
		                                            g_limited[i].v2,
		                                            swap_free));
	return room;
}

/* MemAvailable plus SwapFree, in bytes; NO_LIMIT if unknown. SwapFree
 * goes to *swap_free (0 if unknown). */
static uint64_t system_room(uint64_t *swap_free)
{
	char line[256];
	uint64_t avail = NO_LIMIT, swap = 0;
	FILE *f = fopen("/proc/meminfo", "re");
	*swap_free = 0;
	if (!f)
		return NO_LIMIT;
	for (int found = 0; found < 2 && fgets(line, sizeof line, f);) {
		unsigned long long kb;
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			avail = (uint64_t)kb * 1024, found++;
		else if (sscanf(line, "SwapFree: %llu kB", &kb) == 1)
			swap = (uint64_t)kb * 1024, found++;
	}
	fclose(f);
	*swap_free = swap;
	return avail == NO_LIMIT ? NO_LIMIT : add_sat(avail, swap);
}

int shmap__reserve_check(int fd, uint64_t bytes)
{
	struct statfs sfs;
	struct statvfs svfs;
	if (bytes < SHMAP__RESERVE_CHECK_MIN)
		return 0;
	if (fstatfs(fd, &sfs) < 0)
		return 0; /* no worse than not checking */
	/* The filesystem first: a tmpfs smaller than memory is full sooner.
	 * One without a size limit (memfds) reports no blocks at all. */
	if (fstatvfs(fd, &svfs) == 0 && svfs.f_blocks && svfs.f_frsize &&
	    bytes / svfs.f_frsize > svfs.f_bavail)
		return -ENOSPC;
	if (sfs.f_type == TMPFS_MAGIC) {
		uint64_t swap_free;
		uint64_t sys = system_room(&swap_free);
		if (bytes > min_u64(sys, cgroup_room(swap_free)))
			return -ENOMEM;
	}
	return 0;
}
