/* SPDX-License-Identifier: MIT */
/*
 * shmap_unlink, as ipcrm: the name goes at once, holders in other processes
 * keep working with their handles and views, their later close leaves a new
 * object of the same name alone, and only the owner (or root) may do it.
 */
#include "harness.h"

#define NAME "Local\\rm"
#define SIZE 65536

static int exists(const char *name)
{
	char path[4096];
	struct stat st;
	t_backing_path(name, path, sizeof path);
	return stat(path, &st) == 0;
}

/* Pipes between the test and its holder child. */
static int to_child[2], to_parent[2];

static void send_byte(int fd, char c)
{
	T_EQ(write(fd, &c, 1), 1);
}

static void recv_byte(int fd, char want)
{
	char c = 0;
	T_EQ(read(fd, &c, 1), 1);
	T_EQ(c, want);
}

/* Holds NAME with a view; after the unlink, reads what the test wrote,
 * writes and reads back through its view, then closes without error. */
static void holder(int unused)
{
	shmap_map *m;
	char *v;
	(void)unused;
	T_OK(shmap_map_create(NAME, SIZE, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	strcpy(v, "before");
	send_byte(to_parent[1], 'h');
	recv_byte(to_child[0], 'u');
	T_ASSERT(!strcmp(v + 100, "from the test"));
	strcpy(v + 200, "after");
	T_ASSERT(!strcmp(v + 200, "after"));
	T_OK(shmap_map_close(m));
	T_ASSERT(!strcmp(v, "before"));
	T_OK(shmap_view_unmap(v));
	send_byte(to_parent[1], 'c');
	recv_byte(to_child[0], 'x');
}

static void unlink_held(void)
{
	shmap_map *old, *fresh, *m;
	char *v, *nv;
	unsigned handles = 99;
	T_OK(pipe(to_child));
	T_OK(pipe(to_parent));
	pid_t pid = t_spawn(holder, 0);
	recv_byte(to_parent[0], 'h');
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_ALL, &old));
	T_OK(shmap_view_map(old, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	T_ASSERT(!strcmp(v, "before"));
	/* Two handles, the child's and ours. */
	T_OK(shmap_unlink(NAME, &handles));
	T_EQ(handles, 2);
	T_ASSERT(!exists(NAME));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &m), -ENOENT);
	T_EQ(shmap_unlink(NAME, NULL), -ENOENT);
	/* The memory is still shared between the holders. */
	strcpy(v + 100, "from the test");
	/* A create makes a new object, zero-filled. */
	T_OK(shmap_map_create(NAME, SIZE, SHMAP_PROT_READWRITE, NULL, &fresh));
	T_EQ(shmap_map_existed(fresh), 0);
	T_OK(shmap_view_map(fresh, 0, 0, SHMAP_ACCESS_WRITE, (void **)&nv));
	for (size_t i = 0; i < SIZE; i++)
		if (nv[i])
			T_FAIL("the new object is not zero at %zu", i);
	strcpy(nv, "new");
	send_byte(to_child[1], 'u');
	recv_byte(to_parent[0], 'c');
	/* The old holder closed its handle: the new object stays. */
	T_ASSERT(!strcmp(v + 200, "after"));
	T_OK(shmap_map_close(old));
	T_ASSERT(exists(NAME));
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_READ, &m));
	T_OK(shmap_map_close(m));
	T_ASSERT(!strcmp(nv, "new"));
	send_byte(to_child[1], 'x');
	t_reap(pid);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_unlink(NAME, &handles));
	T_EQ(handles, 1);
	T_OK(shmap_map_close(fresh));
	T_OK(shmap_view_unmap(nv));
}

static void unlink_errors(void)
{
	shmap_sync *e, *e2;
	unsigned handles = 99;
	T_EQ(shmap_unlink("Local\\none", &handles), -ENOENT);
	T_EQ(handles, 99);
	T_EQ(shmap_unlink("Foo\\bar", NULL), SHMAP_EBADPATH);
	T_EQ(shmap_unlink(NULL, NULL), -EINVAL);
	T_EQ(shmap_unlink("", NULL), -EINVAL);
	/* A killed holder's leftover is no object: it goes, as for open. */
	pid_t pid = fork();
	if (pid == 0) {
		shmap_map *m;
		T_OK(shmap_map_create(NAME, SIZE, SHMAP_PROT_READWRITE, NULL,
		                      &m));
		raise(SIGKILL);
	}
	T_EQ(waitpid(pid, NULL, 0), pid);
	T_ASSERT(exists(NAME));
	T_EQ(shmap_unlink(NAME, NULL), -ENOENT);
	T_ASSERT(!exists(NAME));
	/* A file that is no object is not one either, and stays. */
	char path[4096];
	t_backing_path(NAME, path, sizeof path);
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
	T_ASSERT(fd >= 0);
	T_EQ(write(fd, "7 bytes", 7), 7);
	close(fd);
	T_EQ(shmap_unlink(NAME, NULL), -ENOENT);
	T_ASSERT(exists(NAME));
	T_OK(unlink(path));
	/* Events (any type) go the same way; the handle still works. */
	T_OK(shmap_event_create("Local\\ev", 0, NULL, &e));
	T_OK(shmap_unlink("Local\\ev", &handles));
	T_EQ(handles, 1);
	T_EQ(shmap_event_open("Local\\ev", 0, &e2), -ENOENT);
	T_OK(shmap_event_set(e));
	T_OK(shmap_wait(e, 0));
	T_OK(shmap_sync_close(e));
}

/* As nobody: root's Global objects may not be unlinked, whatever their
 * mode; its own Local object may. */
static void nobody_unlinks(int unused)
{
	shmap_map *m;
	unsigned handles = 99;
	(void)unused;
	if (t_become_nobody())
		T_FAIL("cannot become nobody");
	T_EQ(shmap_unlink("Global\\shared", &handles), -EPERM);
	T_EQ(shmap_unlink("Global\\private", &handles), -EPERM);
	T_EQ(handles, 99);
	T_OK(shmap_map_open("Global\\shared", SHMAP_ACCESS_READ, &m));
	T_OK(shmap_map_close(m));
	T_OK(shmap_map_create("Local\\mine", SIZE, SHMAP_PROT_READWRITE, NULL,
	                      &m));
	T_OK(shmap_unlink("Local\\mine", &handles));
	T_EQ(handles, 1);
	T_OK(shmap_map_close(m));
}

static void unlink_not_owner(void)
{
	if (!t_nobody_ok())
		t_skip("needs root and a switch to uid %d", T_NOBODY);
	shmap_map *shared, *priv, *m;
	shmap_attr rw = {0666, 0};
	T_OK(shmap_map_create("Global\\shared", SIZE, SHMAP_PROT_READWRITE, &rw,
	                      &shared));
	T_OK(shmap_map_create("Global\\private", SIZE, SHMAP_PROT_READWRITE,
	                      NULL, &priv));
	t_reap(t_spawn(nobody_unlinks, 0));
	T_OK(shmap_map_open("Global\\shared", SHMAP_ACCESS_READ, &m));
	T_OK(shmap_map_close(m));
	T_OK(shmap_map_open("Global\\private", SHMAP_ACCESS_READ, &m));
	T_OK(shmap_map_close(m));
	T_OK(shmap_map_close(shared));
	T_OK(shmap_map_close(priv));
}

int main(void)
{
	t_setup();
	t_run("unlink a held name: holders go on, a new object is apart",
	      unlink_held, 60);
	t_run("unlink errors, leftovers, non-objects and events",
	      unlink_errors, 60);
	t_run("another user may not unlink", unlink_not_owner, 60);
	return t_finish();
}
