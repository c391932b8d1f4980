/* SPDX-License-Identifier: MIT */
/*
 * A process with both shared libraries, libshmap and libshmap-win32, linked
 * (and libshmap opened again with dlopen) has one library state: a view
 * mapped through one API unmaps through the other, before and after fork,
 * and libshmap-win32 defines none of the native library's functions
 * itself.
 */
#include <dlfcn.h>
#include <string.h>

#include "harness.h"
#include <windows.h>

/* The tests set the backing directory through SHMAP_DIR before the first
 * library call; libshmap.so does not export its setter, so t_setup gets
 * this one. */
void shmap__set_dir(const char *dir)
{
	(void)dir;
}

/* The native calls, looked up in libshmap.so.0 itself. */
static struct {
	int (*map_create)(const char *, uint64_t, unsigned, const shmap_attr *,
	                  shmap_map **);
	int (*map_close)(shmap_map *);
	int (*view_map)(shmap_map *, uint64_t, size_t, unsigned, void **);
	int (*view_unmap)(void *);
} nat;

static void *sym(void *lib, const char *name)
{
	void *p = dlsym(lib, name);
	if (!p)
		T_FAIL("dlsym %s: %s", name, dlerror());
	return p;
}

static void load_native(void)
{
	void *lib = dlopen("libshmap.so.0", RTLD_NOW);
	if (!lib)
		T_FAIL("dlopen libshmap.so.0: %s", dlerror());
	*(void **)&nat.map_create = sym(lib, "shmap_map_create");
	*(void **)&nat.map_close = sym(lib, "shmap_map_close");
	*(void **)&nat.view_map = sym(lib, "shmap_view_map");
	*(void **)&nat.view_unmap = sym(lib, "shmap_view_unmap");
}

/* A view of a new unnamed mapping, through the native API. */
static char *native_view(shmap_map **m, const char *text)
{
	void *v = NULL;
	T_OK(nat.map_create(NULL, 4096, SHMAP_PROT_READWRITE, NULL, m));
	T_OK(nat.view_map(*m, 0, 0, SHMAP_ACCESS_WRITE, &v));
	strcpy(v, text);
	return v;
}

/* A view of a new unnamed mapping, through the Win32 API. */
static char *win32_view(HANDLE *h, const char *text)
{
	*h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
	                        4096, NULL);
	T_ASSERT(*h != NULL);
	char *v = MapViewOfFile(*h, FILE_MAP_WRITE, 0, 0, 0);
	T_ASSERT(v != NULL);
	strcpy(v, text);
	return v;
}

/* Unmaps a native view through Win32 and a Win32 view natively, each once:
 * the second unmap of either finds nothing. */
static void cross_unmap(char *nv, char *wv)
{
	T_ASSERT(FlushViewOfFile(nv, 0));
	T_ASSERT(UnmapViewOfFile(nv));
	T_EQ(nat.view_unmap(nv), -EINVAL);
	T_OK(nat.view_unmap(wv));
	T_ASSERT(!UnmapViewOfFile(wv));
	T_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
}

static void case_cross(void)
{
	shmap_map *m;
	HANDLE h;
	char *nv = native_view(&m, "native");
	char *wv = win32_view(&h, "win32");
	cross_unmap(nv, wv);
	T_OK(nat.map_close(m));
	T_ASSERT(CloseHandle(h));
}

static void case_fork(void)
{
	shmap_map *m;
	HANDLE h;
	char *nv = native_view(&m, "native");
	char *wv = win32_view(&h, "win32");
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		/* The child has the parent's views, in one table. */
		T_ASSERT(!strcmp(nv, "native") && !strcmp(wv, "win32"));
		cross_unmap(nv, wv);
		/* And the table works on: its lock was released once. */
		shmap_map *m2;
		HANDLE h2;
		cross_unmap(native_view(&m2, "n2"), win32_view(&h2, "w2"));
		T_OK(nat.map_close(m2));
		T_ASSERT(CloseHandle(h2));
		exit(0);
	}
	t_reap(pid);
	cross_unmap(nv, wv);
	T_OK(nat.map_close(m));
	T_ASSERT(CloseHandle(h));
}

/* libshmap-win32's native functions are libshmap's, found through its
 * dependency on it. */
static void case_one_copy(void)
{
	static const char *const names[] = {
		"shmap_map_create", "shmap_view_map", "shmap_view_unmap",
		"shmap_wait",       "shmap_strerror",
	};
	void *w32 = dlopen("libshmap-win32.so.0", RTLD_NOW);
	if (!w32)
		T_FAIL("dlopen libshmap-win32.so.0: %s", dlerror());
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		Dl_info info;
		T_ASSERT(dladdr(sym(w32, names[i]), &info));
		if (!strstr(info.dli_fname, "/libshmap.so"))
			T_FAIL("%s found in %s, not libshmap.so", names[i],
			       info.dli_fname);
	}
}

int main(void)
{
	t_setup();
	load_native();
	t_run("a view unmaps through the other API", case_cross, 30);
	t_run("across fork, in parent and child", case_fork, 30);
	t_run("libshmap-win32 uses libshmap's functions", case_one_copy, 30);
	return t_finish();
}
