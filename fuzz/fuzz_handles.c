/* SPDX-License-Identifier: MIT */
/*
 * The handle-inheritance variable (SHMAP_WIN32_HANDLES), through
 * shmap__w32_adopt_handles. Before each input the target prepares six
 * descriptors a parent could have passed, at fixed numbers, not
 * close-on-exec: holds of a named mapping, event, mutex and semaphore, a
 * 64 KiB file and an empty file. In the input, "#k" stands for the number
 * of the k-th and "@k" for its "device:inode", so seeds stay valid from run
 * to run; any other text is taken as it is.
 *
 * Checks: no two handles own one descriptor; no file grows; views of
 * adopted mappings read to their end; every adopted handle closes; and no
 * descriptor that cannot be a parent's hold (close-on-exec, or not a
 * regular file) is closed or replaced.
 */
#include <windows.h>

#include "common.h"
#include "win32/w32.h"

#define NPREP 6
#define PREP_FD 100
#define PLAIN_SIZE 65536

static shmap_map *g_map;
static shmap_sync *g_ev, *g_mx, *g_sem;
static char g_plain[2][512];
static uint64_t g_dev[NPREP], g_ino[NPREP];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_setup();
	FZ_CHECK(shmap_map_create("hm", 65536, SHMAP_PROT_READWRITE, NULL,
	                          &g_map) == 0, "mapping");
	FZ_CHECK(shmap_event_create("hev", 0, NULL, &g_ev) == 0, "event");
	FZ_CHECK(shmap_mutex_create("hmx", 0, NULL, &g_mx) == 0, "mutex");
	FZ_CHECK(shmap_sem_create("hsem", 1, 8, NULL, &g_sem) == 0, "sem");
	for (int i = 0; i < 2; i++) {
		snprintf(g_plain[i], sizeof g_plain[i], "%s/plain%d", fz_dir, i);
		int fd = open(g_plain[i], O_RDWR | O_CREAT | O_TRUNC, 0600);
		FZ_CHECK(fd >= 0 && ftruncate(fd, i ? 0 : PLAIN_SIZE) == 0,
		         "plain file");
		close(fd);
	}
	return 0;
}

static void place(int fd, int k)
{
	struct stat st;
	FZ_CHECK(fd >= 0, "prepared descriptor %d", k);
	FZ_CHECK(dup2(fd, PREP_FD + k) == PREP_FD + k, "dup2"); /* no CLOEXEC */
	close(fd);
	FZ_CHECK(fstat(PREP_FD + k, &st) == 0, "fstat");
	g_dev[k] = (uint64_t)st.st_dev;
	g_ino[k] = (uint64_t)st.st_ino;
}

static void prepare(void)
{
	int fd, unnamed;
	FZ_CHECK(shmap__map_hold(g_map, 0, &fd, &unnamed) == 0, "map hold");
	place(fd, 0);
	FZ_CHECK(shmap__sync_hold(g_ev, 0, &fd) == 0, "event hold");
	place(fd, 1);
	FZ_CHECK(shmap__sync_hold(g_mx, 0, &fd) == 0, "mutex hold");
	place(fd, 2);
	FZ_CHECK(shmap__sync_hold(g_sem, 0, &fd) == 0, "sem hold");
	place(fd, 3);
	place(open(g_plain[0], O_RDWR), 4);
	place(open(g_plain[1], O_RDWR), 5);
}

/* Whether fd is open on the file dev/ino. */
static int is_file(int fd, uint64_t dev, uint64_t ino)
{
	struct stat st;
	return fstat(fd, &st) == 0 && (uint64_t)st.st_dev == dev &&
	       (uint64_t)st.st_ino == ino;
}

/* The spec with the placeholders filled in; malloc'd. */
static char *expand(const uint8_t *d, size_t n)
{
	char *s = malloc(n * 48 + 1), *o = s;
	for (size_t i = 0; i < n && d[i]; i++) {
		if ((d[i] == '#' || d[i] == '@') && i + 1 < n && d[i + 1] >= '0' &&
		    d[i + 1] < '0' + NPREP) {
			int k = d[++i] - '0';
			if (d[i - 1] == '#')
				o += sprintf(o, "%d", PREP_FD + k);
			else
				o += sprintf(o, "%llu:%llu",
				             (unsigned long long)g_dev[k],
				             (unsigned long long)g_ino[k]);
		} else {
			*o++ = (char)d[i];
		}
	}
	*o = 0;
	return s;
}

/* The descriptors no record may take: close-on-exec or not a file. */
struct fdsnap {
	int n;
	int fd[256];
	uint64_t dev[256], ino[256];
};

static void snap(struct fdsnap *s)
{
	s->n = 0;
	for (int fd = 0; fd < 256; fd++) {
		struct stat st;
		int fl = fcntl(fd, F_GETFD);
		if (fd >= PREP_FD && fd < PREP_FD + NPREP)
			continue;
		if (fl >= 0 && fstat(fd, &st) == 0 &&
		    ((fl & FD_CLOEXEC) || !S_ISREG(st.st_mode))) {
			s->fd[s->n] = fd;
			s->dev[s->n] = (uint64_t)st.st_dev;
			s->ino[s->n++] = (uint64_t)st.st_ino;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2048)
		return 0;
	prepare();
	char *spec = expand(data, size);
	struct fdsnap before;
	snap(&before);

	HANDLE out[64];
	int got = shmap__w32_adopt_handles(spec, out, 64);
	FZ_CHECK(got >= 0 && got <= 64, "adopted %d", got);
	int owned[64];
	int nowned = 0;
	for (int i = 0; i < got; i++) {
		for (int j = 0; j < i; j++)
			FZ_CHECK(out[i] != out[j], "one handle value twice");
		DWORD acc;
		struct w32_obj *o = w32_get(out[i], 0, &acc);
		FZ_CHECK(o, "adopted handle %p not found", out[i]);
		int fd = -1;
		if (o->type == W32_FILE)
			fd = o->fd;
		else if (o->type == W32_MAPPING && shmap_map_fd(o->map, &fd))
			fd = -1;
		if (fd >= 0) {
			for (int j = 0; j < nowned; j++)
				FZ_CHECK(owned[j] != fd,
				         "two handles own descriptor %d", fd);
			owned[nowned++] = fd;
		}
		if (o->type == W32_MAPPING) {
			shmap_map_info info;
			volatile unsigned char *v;
			FZ_CHECK(shmap_map_query(o->map, &info) == 0, "query");
			if (shmap_view_map(o->map, 0, 0, SHMAP_ACCESS_READ,
			                   (void **)&v) == 0) {
				unsigned sum = 0;
				for (uint64_t b = 0; b < info.size; b += 4096)
					sum += v[b];
				sum += v[info.size - 1];
				(void)sum;
				shmap_view_unmap((void *)v);
			}
		}
		w32_put(o);
	}
	/* Files never grow. */
	struct stat st;
	FZ_CHECK(stat(g_plain[0], &st) == 0 && st.st_size == PLAIN_SIZE,
	         "64 KiB file is now %lld bytes", (long long)st.st_size);
	FZ_CHECK(stat(g_plain[1], &st) == 0 && st.st_size == 0,
	         "empty file is now %lld bytes", (long long)st.st_size);
	for (int i = 0; i < got; i++)
		FZ_CHECK(CloseHandle(out[i]), "CloseHandle %p", out[i]);

	/* Nothing that cannot be a parent's hold was taken or closed. */
	for (int i = 0; i < before.n; i++) {
		int fd = before.fd[i];
		FZ_CHECK(is_file(fd, before.dev[i], before.ino[i]),
		         "descriptor %d, not a prepared one, was closed or "
		         "replaced",
		         fd);
	}
	/* The prepared descriptors nobody took are ours to close. */
	for (int k = 0; k < NPREP; k++)
		if (is_file(PREP_FD + k, g_dev[k], g_ino[k]))
			close(PREP_FD + k);
	free(spec);
	return 0;
}
