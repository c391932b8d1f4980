/* SPDX-License-Identifier: MIT */
/*
 * Counting an object's handles in the kernel's lock table, across real
 * processes.
 */
#include "harness.h"

#define NAME "Local\\sweep"
#define SIZE 4096

/* The handles open on the object at the backing path of name, counted in
 * the lock table. */
static unsigned handles_of(const char *name)
{
	char path[4096];
	struct stat st;
	unsigned n = 12345;
	t_backing_path(name, path, sizeof path);
	T_OK(stat(path, &st));
	T_OK(shmap__lock_holders(st.st_dev, st.st_ino, 0, &n));
	return n;
}

/* A child holding one handle on NAME until killed; writes a byte to fd
 * once it holds it. */
static void hold_child(int fd)
{
	shmap_map *m;
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_ALL, &m));
	T_EQ(write(fd, "h", 1), 1);
	t_linger();
}

static pid_t spawn_holder(void)
{
	int p[2];
	char c;
	T_OK(pipe(p));
	pid_t pid = t_spawn(hold_child, p[1]);
	T_EQ(read(p[0], &c, 1), 1);
	close(p[0]), close(p[1]);
	return pid;
}

static void lock_table_counts(void)
{
	shmap_map *a, *b;
	void *v;
	T_OK(shmap_map_create(NAME, SIZE, SHMAP_PROT_READWRITE, NULL, &a));
	T_EQ(handles_of(NAME), 1);
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_ALL, &b));
	T_EQ(handles_of(NAME), 2);
	pid_t k1 = spawn_holder(), k2 = spawn_holder();
	T_EQ(handles_of(NAME), 4);
	/* A view holds no lock; a killed holder's lock is gone. */
	T_OK(shmap_view_map(b, 0, 0, SHMAP_ACCESS_READ, &v));
	t_kill_reap(k1);
	T_EQ(handles_of(NAME), 3);
	/* A classic fcntl lock over the byte, from outside the protocol,
	 * is no handle. */
	char path[4096];
	t_backing_path(NAME, path, sizeof path);
	pid_t pid = fork();
	if (pid == 0) {
		struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
		int fd = open(path, O_RDWR);
		T_ASSERT(fd >= 0);
		T_OK(fcntl(fd, F_SETLK, &fl));
		T_EQ(handles_of(NAME), 3);
		exit(0);
	}
	t_reap(pid);
	T_OK(shmap_map_close(b));
	T_EQ(handles_of(NAME), 2);
	t_kill_reap(k2);
	T_EQ(handles_of(NAME), 1);
	/* Only byte 0 of this file counts: its gate byte has none, nor has
	 * a file of our own nobody locks. */
	struct stat st;
	unsigned n = 99;
	T_OK(stat(path, &st));
	T_OK(shmap__lock_holders(st.st_dev, st.st_ino, 1, &n));
	T_EQ(n, 0);
	T_OK(stat(t_dir, &st));
	n = 99;
	T_OK(shmap__lock_holders(st.st_dev, st.st_ino, 0, &n));
	T_EQ(n, 0);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(a));
}

int main(void)
{
	t_setup();
	t_run("lock table counts handles", lock_table_counts, 60);
	return t_finish();
}
