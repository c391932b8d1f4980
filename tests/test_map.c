/* SPDX-License-Identifier: MIT */
/* Mappings and views: create/open/close, lifetime, access, coherence. */
#include <sys/mman.h>

#include "harness.h"

#define NAME "Local\\test-map"

static void create_open_close(void)
{
	shmap_map *a, *b;
	shmap_map_info info;
	void *va, *vb;
	T_OK(shmap_map_create(NAME, 100000, SHMAP_PROT_READWRITE, NULL, &a));
	T_EQ(shmap_map_existed(a), 0);
	T_OK(shmap_map_query(a, &info));
	T_EQ(info.size, 100000);
	T_EQ(info.named, 1);
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_ALL, &b));
	T_OK(shmap_view_map(a, 0, 0, SHMAP_ACCESS_WRITE, &va));
	T_OK(shmap_view_map(b, 0, 0, SHMAP_ACCESS_READ, &vb));
	/* Fresh objects are zero filled, to the last byte. */
	for (size_t i = 0; i < 100000; i++)
		T_EQ(((unsigned char *)vb)[i], 0);
	memcpy(va, "hello", 6);
	T_ASSERT(!strcmp(vb, "hello"));
	T_OK(shmap_view_unmap(va));
	T_OK(shmap_view_unmap(vb));
	T_OK(shmap_map_close(a));
	T_OK(shmap_map_close(b));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &a), -ENOENT);
}

static void already_exists_keeps_size(void)
{
	shmap_map *a, *b;
	shmap_map_info info;
	shmap_attr excl = {0, SHMAP_ATTR_EXCL};
	T_OK(shmap_map_create(NAME, 8192, SHMAP_PROT_READWRITE, NULL, &a));
	T_OK(shmap_map_create(NAME, 1 << 20, SHMAP_PROT_READWRITE, NULL, &b));
	T_EQ(shmap_map_existed(b), 1);
	T_OK(shmap_map_query(b, &info));
	T_EQ(info.size, 8192);
	T_EQ(info.existed, 1);
	T_EQ(shmap_map_create(NAME, 8192, SHMAP_PROT_READWRITE, &excl, &b), -EEXIST);
	T_OK(shmap_map_close(b));
	T_OK(shmap_map_close(a));
}

static void type_mismatch(void)
{
	struct shmap__obj ev;
	struct shmap__hdr tmpl;
	shmap_map *m;
	memset(&tmpl, 0, sizeof tmpl);
	tmpl.type = SHMAP_TYPE_EVENT;
	T_OK(shmap__obj_create("Local\\typed", &tmpl, 64, NULL, &ev));
	T_EQ(shmap_map_open("Local\\typed", SHMAP_ACCESS_READ, &m), SHMAP_ETYPE);
	T_EQ(shmap_map_create("Local\\typed", 4096, SHMAP_PROT_READWRITE, NULL, &m),
	     SHMAP_ETYPE);
	T_OK(shmap__obj_close(&ev));
	/* The refused attempts took no hold: the name is gone now. */
	T_EQ(shmap_map_open("Local\\typed", SHMAP_ACCESS_READ, &m), -ENOENT);
}

static void last_close_keeps_views(void)
{
	shmap_map *a, *b;
	char *v, *w;
	T_OK(shmap_map_create(NAME, 65536, SHMAP_PROT_READWRITE, NULL, &a));
	T_OK(shmap_view_map(a, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	strcpy(v, "old object");
	T_OK(shmap_map_close(a));
	/* The name is gone ... */
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &b), -ENOENT);
	/* ... the view still works ... */
	T_ASSERT(!strcmp(v, "old object"));
	v[100] = 'x';
	/* ... and a new create is a new, zero-filled object. */
	T_OK(shmap_map_create(NAME, 65536, SHMAP_PROT_READWRITE, NULL, &b));
	T_EQ(shmap_map_existed(b), 0);
	T_OK(shmap_view_map(b, 0, 0, SHMAP_ACCESS_WRITE, (void **)&w));
	T_EQ(w[0], 0);
	T_EQ(w[100], 0);
	strcpy(w, "new object");
	T_ASSERT(!strcmp(v, "old object"));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_view_unmap(w));
	T_OK(shmap_map_close(b));
}

/* Two processes see each other's writes through views of one object. */
static void two_processes(void)
{
	shmap_map *m;
	volatile int *v;
	T_OK(shmap_map_create(NAME, 4096, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	pid_t pid = fork();
	if (pid == 0) {
		shmap_map *c;
		volatile int *cv;
		T_OK(shmap_map_open(NAME, SHMAP_ACCESS_ALL, &c));
		T_OK(shmap_view_map(c, 0, 0, SHMAP_ACCESS_WRITE, (void **)&cv));
		while (cv[0] != 1)
			usleep(100);
		cv[1] = 2;
		T_OK(shmap_view_unmap((void *)cv));
		T_OK(shmap_map_close(c));
		exit(0);
	}
	v[0] = 1;
	double end = t_now() + 10;
	while (v[1] != 2 && t_now() < end)
		usleep(100);
	T_EQ(v[1], 2);
	T_EQ(t_exit_code(t_wait(pid, 10)), 0);
	T_OK(shmap_view_unmap((void *)v));
	T_OK(shmap_map_close(m));
}

static void view_bounds_and_access(void)
{
	shmap_map *a, *r;
	void *v;
	const uint64_t size = 3 * 65536 + 100;
	T_OK(shmap_map_create(NAME, size, SHMAP_PROT_READWRITE, NULL, &a));
	T_EQ(shmap_view_map(a, size, 0, SHMAP_ACCESS_READ, &v), -EINVAL);
	T_EQ(shmap_view_map(a, 0, size + 1, SHMAP_ACCESS_READ, &v), -EINVAL);
	T_EQ(shmap_view_map(a, 65536, size, SHMAP_ACCESS_READ, &v), -EINVAL);
	T_EQ(shmap_view_map(a, 0, 10, 0, &v), -EINVAL);
	T_EQ(shmap_view_map(a, 0, 10, 0x80, &v), -EINVAL);
	/* Length 0 reaches the end, from any offset. */
	T_OK(shmap_view_map(a, 65536 + 7, 0, SHMAP_ACCESS_WRITE, &v));
	size_t len;
	T_OK(shmap_view_query((char *)v + 5, NULL, &len));
	T_EQ(len, size - 65536 - 7);
	((char *)v)[len - 1] = 'z';
	T_OK(shmap_view_unmap((char *)v + 3)); /* any address inside */
	/* A read-only handle cannot map a write view, but may copy. */
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_READ, &r));
	T_EQ(shmap_view_map(r, 0, 0, SHMAP_ACCESS_WRITE, &v), -EACCES);
	T_OK(shmap_view_map(r, 0, 0, SHMAP_ACCESS_READ, &v));
	T_EQ(((char *)v)[size - 1], 'z');
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(r));
	T_OK(shmap_map_close(a));
	T_EQ(shmap_view_unmap(v), -EINVAL);
	T_EQ(shmap_view_flush(v, 0), -EINVAL);
}

static void read_only_protection(void)
{
	shmap_map *a, *b;
	void *v;
	T_OK(shmap_map_create(NAME, 4096, SHMAP_PROT_READONLY, NULL, &a));
	T_EQ(shmap_view_map(a, 0, 0, SHMAP_ACCESS_WRITE, &v), -EACCES);
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_WRITE, &b), -EACCES);
	T_OK(shmap_view_map(a, 0, 0, SHMAP_ACCESS_READ, &v));
	T_EQ(((char *)v)[0], 0);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(a));
}

static void copy_on_write(void)
{
	shmap_map *a;
	char *shared, *priv;
	T_OK(shmap_map_create(NAME, 4096, SHMAP_PROT_READWRITE, NULL, &a));
	T_OK(shmap_view_map(a, 0, 0, SHMAP_ACCESS_WRITE, (void **)&shared));
	strcpy(shared, "base");
	T_OK(shmap_view_map(a, 0, 0, SHMAP_ACCESS_COPY, (void **)&priv));
	T_ASSERT(!strcmp(priv, "base"));
	strcpy(priv, "mine");
	T_ASSERT(!strcmp(shared, "base"));
	T_ASSERT(!strcmp(priv, "mine"));
	T_OK(shmap_view_unmap(priv));
	T_OK(shmap_view_unmap(shared));
	T_OK(shmap_map_close(a));
}

static void coherent_views(void)
{
	shmap_map *a;
	volatile char *v1, *v2, *v3;
	T_OK(shmap_map_create(NAME, 4 * 65536, SHMAP_PROT_READWRITE, NULL, &a));
	T_OK(shmap_view_map(a, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v1));
	T_OK(shmap_view_map(a, 65536, 65536, SHMAP_ACCESS_WRITE, (void **)&v2));
	T_OK(shmap_view_map(a, 65536 + 10, 20, SHMAP_ACCESS_READ, (void **)&v3));
	v1[65536 + 10] = 'q';
	T_EQ(v2[10], 'q');
	T_EQ(v3[0], 'q');
	v2[11] = 'r';
	T_EQ(v1[65536 + 11], 'r');
	T_EQ(v3[1], 'r');
	T_OK(shmap_view_flush((void *)(v2 + 5), 100));
	T_OK(shmap_view_unmap((void *)v1));
	T_OK(shmap_view_unmap((void *)v2));
	T_OK(shmap_view_unmap((void *)v3));
	T_OK(shmap_map_close(a));
}

static void bad_arguments(void)
{
	shmap_map *m;
	T_EQ(shmap_map_create(NAME, 0, SHMAP_PROT_READWRITE, NULL, &m), -EINVAL);
	T_EQ(shmap_map_create(NAME, 4096, 0, NULL, &m), -EINVAL);
	T_EQ(shmap_map_create(NAME, 4096, 9, NULL, &m), -EINVAL);
	T_EQ(shmap_map_create(NAME, 4096, SHMAP_PROT_READWRITE, NULL, NULL), -EINVAL);
	T_EQ(shmap_map_open(NAME, 0, &m), -EINVAL);
	T_EQ(shmap_map_open(NULL, SHMAP_ACCESS_READ, &m), -EINVAL);
	T_EQ(shmap_map_open("Bogus\\x", SHMAP_ACCESS_READ, &m), SHMAP_EBADPATH);
	T_EQ(shmap_map_create("Local\\a\\b", 4096, SHMAP_PROT_READWRITE, NULL, &m),
	     SHMAP_EBADPATH);
	T_EQ(shmap_map_create(NAME, UINT64_MAX, SHMAP_PROT_READWRITE, NULL, &m),
	     -EFBIG);
	T_OK(shmap_map_close(NULL));
	/* The library leaves errno alone, success or failure. */
	errno = 1234;
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &m), -ENOENT);
	T_EQ(errno, 1234);
}

/* Case-sensitive names; bare names are Local. */
static void names_are_case_sensitive(void)
{
	shmap_map *a, *b, *c;
	T_OK(shmap_map_create("Local\\Case", 4096, SHMAP_PROT_READWRITE, NULL, &a));
	T_OK(shmap_map_create("Local\\case", 4096, SHMAP_PROT_READWRITE, NULL, &b));
	T_EQ(shmap_map_existed(b), 0);
	T_OK(shmap_map_open("Case", SHMAP_ACCESS_READ, &c));
	T_OK(shmap_map_close(c));
	T_OK(shmap_map_close(a));
	T_OK(shmap_map_close(b));
}

/* Beyond 4 GiB: offsets and sizes are 64-bit all the way. */
static void large_object(void)
{
	shmap_map *a;
	char *v;
	const uint64_t size = (5ull << 30) + 65536;
	T_OK(shmap_map_create(NAME, size, SHMAP_PROT_READWRITE, NULL, &a));
	T_OK(shmap_view_map(a, 5ull << 30, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	v[65535] = 7;
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_view_map(a, (5ull << 30) + 65535, 1, SHMAP_ACCESS_READ,
	                    (void **)&v));
	T_EQ(v[0], 7);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(a));
}

int main(void)
{
	t_setup();
	t_run("create, open, close", create_open_close, 30);
	t_run("already exists keeps size", already_exists_keeps_size, 30);
	t_run("type mismatch", type_mismatch, 30);
	t_run("last close keeps views, name gone", last_close_keeps_views, 30);
	t_run("two processes see writes", two_processes, 30);
	t_run("view bounds and access", view_bounds_and_access, 30);
	t_run("read-only protection", read_only_protection, 30);
	t_run("copy-on-write views", copy_on_write, 30);
	t_run("coherent views", coherent_views, 30);
	t_run("bad arguments", bad_arguments, 30);
	t_run("names are case sensitive", names_are_case_sensitive, 30);
	if (!getenv("SHMAP_TEST_SMALL"))
		t_run("5 GiB object", large_object, 120);
	return t_finish();
}
