/* SPDX-License-Identifier: MIT */
/*
 * A full backing filesystem: creating a mapping that does not fit fails
 * with -ENOSPC at create, leaves nothing behind, and a mapping that was
 * created can be written to its last byte however full the filesystem gets
 * afterwards (never a SIGBUS later). Each case mounts its own small tmpfs,
 * so it needs root; it skips where mounting is not allowed.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>

#include "harness.h"

#define RW SHMAP_PROT_READWRITE
#define KiB 1024ull

/* Files in the small filesystem. */
static int mnt_files(void)
{
	return t_count_files(t_mnt);
}

static void mnt_path(const char *leaf, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", t_mnt, leaf);
}

/* Writes zeros to path until the filesystem is full; returns bytes written. */
static size_t fill_fs(const char *path)
{
	static char block[4096];
	size_t total = 0;
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	T_ASSERT(fd >= 0);
	for (;;) {
		ssize_t w = write(fd, block, sizeof block);
		if (w <= 0) {
			T_EQ(errno, ENOSPC);
			break;
		}
		total += (size_t)w;
	}
	T_OK(close(fd));
	return total;
}

/* Writes every byte of m through a view, guarded so a fault is a failure. */
static void write_all(shmap_map *m, unsigned char byte)
{
	shmap_map_info info;
	unsigned char *v;
	static unsigned char buf[64 * 1024];
	T_OK(shmap_map_query(m, &info));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	memset(buf, byte, sizeof buf);
	for (uint64_t off = 0; off < info.size; off += sizeof buf) {
		size_t n = info.size - off < sizeof buf
		               ? (size_t)(info.size - off)
		               : sizeof buf;
		int rc = shmap_view_write(v + off, buf, n);
		if (rc)
			T_FAIL("write at %llu of %llu: %s",
			       (unsigned long long)off,
			       (unsigned long long)info.size,
			       shmap_strerror(rc));
	}
	/* Plain stores too: these would die of SIGBUS. */
	v[0] = byte;
	v[info.size - 1] = byte;
	for (uint64_t i = 0; i < info.size; i += 4096)
		T_EQ(v[i], byte);
	T_EQ(v[info.size - 1], byte);
	T_OK(shmap_view_unmap(v));
}


/* Larger than the whole filesystem: -ENOSPC, and no file is left. */
static void too_big_run(void)
{
	static const char *const names[] = {"Local\\big", "Global\\big", "big"};
	static const uint64_t sizes[] = {2048 * KiB, 1024 * KiB, 100ull << 30};
	shmap_map *m = NULL;
	for (int i = 0; i < 3; i++) {
		for (int s = 0; s < 3; s++) {
			int rc =
			    shmap_map_create(names[i], sizes[s], RW, NULL, &m);
			if (rc != -ENOSPC)
				T_FAIL("create %s of %llu bytes on a 1 MiB "
				       "filesystem: %d (%s)",
				       names[i], (unsigned long long)sizes[s],
				       rc, shmap_strerror(rc));
			T_EQ(mnt_files(), 0);
		}
		T_EQ(shmap_map_open(names[i], SHMAP_ACCESS_READ, &m), -ENOENT);
	}
}

static void too_big(void)
{
	t_with_tmpfs("size=1m,mode=1777", too_big_run);
}

/*
 * A mapping that fits can be written in full; the next one that no longer
 * fits fails at create, the first is unharmed, and the name still opens.
 */
static void fits_then_full_run(void)
{
	shmap_map *a = NULL, *b = NULL, *c = NULL;
	T_OK(shmap_map_create("Local\\a", 512 * KiB, RW, NULL, &a));
	T_EQ(shmap_map_existed(a), 0);
	write_all(a, 0xab);
	T_EQ(shmap_map_create("Local\\b", 768 * KiB, RW, NULL, &b), -ENOSPC);
	T_EQ(mnt_files(), 1);
	T_EQ(shmap_map_open("Local\\b", SHMAP_ACCESS_READ, &b), -ENOENT);
	/* Opening the existing one needs no space. */
	T_OK(shmap_map_open("Local\\a", SHMAP_ACCESS_ALL, &b));
	T_OK(shmap_map_create("Local\\a", 768 * KiB, RW, NULL, &c));
	T_EQ(shmap_map_existed(c), 1);
	write_all(c, 0xcd);
	T_OK(shmap_map_close(c));
	T_OK(shmap_map_close(b));
	T_OK(shmap_map_close(a));
	T_EQ(mnt_files(), 0);
	/* The space came back with the last close. */
	T_OK(shmap_map_create("Local\\b", 768 * KiB, RW, NULL, &b));
	write_all(b, 0xef);
	T_OK(shmap_map_close(b));
}

static void fits_then_full(void)
{
	t_with_tmpfs("size=1m,mode=1777", fits_then_full_run);
}

/* Failed creates hold no space: a mapping of nearly all of it fits after. */
static void failures_leak_nothing_run(void)
{
	shmap_map *m = NULL;
	for (int i = 0; i < 50; i++)
		T_EQ(shmap_map_create(i % 2 ? "Local\\x" : "Global\\x",
		                      (1024 + 4 * (uint64_t)i) * KiB, RW, NULL,
		                      &m),
		     -ENOSPC);
	T_EQ(mnt_files(), 0);
	T_OK(shmap_map_create("Local\\x", 960 * KiB, RW, NULL, &m));
	write_all(m, 0x5a);
	T_OK(shmap_map_close(m));
}

static void failures_leak_nothing(void)
{
	t_with_tmpfs("size=1m,mode=1777", failures_leak_nothing_run);
}

/*
 * The space of a created mapping is reserved: filling the filesystem after
 * create does not take it away, every byte of the view stays writable.
 */
static void reserved_after_create_run(void)
{
	shmap_map *m = NULL, *n = NULL;
	char filler[512];
	mnt_path("filler", filler, sizeof filler);
	T_OK(shmap_map_create("Local\\r", 512 * KiB, RW, NULL, &m));
	size_t filled = fill_fs(filler);
	T_ASSERT(filled < 512 * KiB);
	write_all(m, 0x11);
	T_EQ(shmap_map_create("Local\\s", 4096, RW, NULL, &n), -ENOSPC);
	T_EQ(mnt_files(), 2);
	/* Another process writes through its own handle too. */
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		shmap_map *c = NULL;
		T_OK(shmap_map_open("Local\\r", SHMAP_ACCESS_ALL, &c));
		write_all(c, 0x22);
		T_OK(shmap_map_close(c));
		exit(0);
	}
	T_EQ(t_exit_code(t_wait(pid, 10)), 0);
	T_OK(unlink(filler));
	T_OK(shmap_map_close(m));
}

static void reserved_after_create(void)
{
	t_with_tmpfs("size=1m,mode=1777", reserved_after_create_run);
}

/* No inode left: the create fails with -ENOSPC as well, leaving nothing. */
static void no_inodes_run(void)
{
	shmap_map *m = NULL;
	char filler[512];
	mnt_path("filler", filler, sizeof filler);
	int fd = open(filler, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	T_ASSERT(fd >= 0);
	close(fd);
	T_EQ(shmap_map_create("Local\\i", 4096, RW, NULL, &m), -ENOSPC);
	T_EQ(shmap_map_create("Global\\i", 4096, RW, NULL, &m), -ENOSPC);
	T_EQ(mnt_files(), 1);
	T_OK(unlink(filler));
	T_OK(shmap_map_create("Local\\i", 4096, RW, NULL, &m));
	T_OK(shmap_map_close(m));
}

static void no_inodes(void)
{
	t_with_tmpfs("size=1m,nr_inodes=2,mode=1777", no_inodes_run);
}

/*
 * A file mapping that grows its file on a full filesystem fails at create
 * too, as CreateFileMapping does with ERROR_DISK_FULL, rather than handing
 * out a view whose pages cannot be backed; the file keeps its size.
 */
static void file_growth_run(void)
{
	shmap_map *m = NULL;
	char data[512], filler[512];
	struct stat st;
	mnt_path("data", data, sizeof data);
	mnt_path("filler", filler, sizeof filler);
	int fd = open(data, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	T_ASSERT(fd >= 0);
	T_EQ(write(fd, "file", 4), 4);
	fill_fs(filler);
	int rc = shmap_map_create_file(NULL, fd, 2048 * KiB, RW, NULL, &m);
	if (rc == 0) {
		/* It said yes: then every byte must be writable. */
		unsigned char *v;
		T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
		int wr = shmap_view_write(v + 2048 * KiB - 1, "x", 1);
		T_OK(shmap_view_unmap(v));
		T_OK(shmap_map_close(m));
		T_FAIL("create_file grew the file on a full filesystem "
		       "without reserving it (last byte: %s)",
		       wr ? shmap_strerror(wr) : "writable");
	}
	T_EQ(rc, -ENOSPC);
	rc = shmap_map_create_file("Local\\grow", fd, 2048 * KiB, RW, NULL, &m);
	T_EQ(rc, -ENOSPC);
	T_OK(fstat(fd, &st));
	T_EQ(st.st_size, 4);
	T_OK(close(fd));
	T_OK(unlink(data));
	T_OK(unlink(filler));
}

static void file_growth(void)
{
	t_with_tmpfs("size=1m,mode=1777", file_growth_run);
}

int main(void)
{
	t_setup();
	t_run("larger than the filesystem: -ENOSPC", too_big, 20);
	t_run("fits, then the next one does not", fits_then_full, 20);
	t_run("failed creates hold no space", failures_leak_nothing, 20);
	t_run("space reserved at create", reserved_after_create, 20);
	t_run("no inodes left: -ENOSPC", no_inodes, 20);
	t_run("file growth on a full filesystem", file_growth, 20);
	return t_finish();
}
