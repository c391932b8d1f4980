/* SPDX-License-Identifier: MIT */
/*
 * Read-only inspection with real processes: objects made by other
 * processes appear in shmap_list with their fields, a killed last holder's
 * leftover is not live, files that are no objects are skipped, the state of
 * events, semaphores and mutexes (owner, abandoned, waiters) reads right,
 * resident memory grows as pages are written, and shmap_holders names
 * exactly the processes holding an object, with their views and access,
 * another user's included when run as root.
 */
#include <sys/syscall.h>

#include "harness.h"

/* One object as a callback saw it, its strings copied. */
struct seen {
	shmap_object_info info;
	char name[SHMAP__NAME_BYTES];
	char path[512];
	char file_path[512];
};

#define MAXSEEN 64
static struct seen g_seen[MAXSEEN];
static int g_nseen;

static int collect_cb(const shmap_object_info *o, void *ctx)
{
	(void)ctx;
	T_ASSERT(g_nseen < MAXSEEN);
	struct seen *s = &g_seen[g_nseen++];
	memset(s, 0, sizeof *s);
	s->info = *o;
	T_ASSERT(o->path);
	snprintf(s->path, sizeof s->path, "%s", o->path);
	if (o->name)
		snprintf(s->name, sizeof s->name, "%s", o->name);
	if (o->file_path)
		snprintf(s->file_path, sizeof s->file_path, "%s", o->file_path);
	return 0;
}

/* Lists into g_seen; returns the entry named name, or NULL. */
static struct seen *list_find(unsigned flags, const char *name)
{
	g_nseen = 0;
	T_OK(shmap_list(flags, collect_cb, NULL));
	for (int i = 0; i < g_nseen; i++)
		if (g_seen[i].info.name && !strcmp(g_seen[i].name, name))
			return &g_seen[i];
	return NULL;
}

/* Inspects name, which must exist; returns its entry. */
static struct seen *inspect(const char *name)
{
	g_nseen = 0;
	T_OK(shmap_inspect(name, collect_cb, NULL));
	T_EQ(g_nseen, 1);
	return &g_seen[0];
}

/* ---- child processes that report to the parent through a pipe ---- */

struct msg {
	uint64_t a, b, c, d;
	int64_t rc;
};

struct kid {
	pid_t pid;
	int to, from; /* the parent's ends */
};

/* Runs fn(in, out, arg) in a child; fn reports with kid_say and waits for
 * the parent with kid_wait. */
static struct kid kid_start(void (*fn)(int, int, int), int arg)
{
	int down[2], up[2];
	struct kid k;
	T_OK(pipe(down));
	T_OK(pipe(up));
	fflush(NULL);
	k.pid = fork();
	T_ASSERT(k.pid >= 0);
	if (k.pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(down[1]);
		close(up[0]);
		fn(down[0], up[1], arg);
		exit(0);
	}
	close(down[0]);
	close(up[1]);
	k.to = down[1];
	k.from = up[0];
	return k;
}

static void kid_say(int out, struct msg m)
{
	T_EQ(write(out, &m, sizeof m), (ssize_t)sizeof m);
}

/* Waits until the parent says go (or goes away). */
static void kid_wait(int in)
{
	char c;
	(void)!read(in, &c, 1);
}

static struct msg kid_hear(struct kid *k)
{
	struct msg m;
	T_EQ(read(k->from, &m, sizeof m), (ssize_t)sizeof m);
	return m;
}

static void kid_go(struct kid *k)
{
	T_EQ(write(k->to, "g", 1), 1);
}

/* Lets the child finish and collects it. */
static void kid_end(struct kid *k)
{
	close(k->to);
	close(k->from);
	t_reap(k->pid);
}

static void kid_kill(struct kid *k)
{
	t_kill_reap(k->pid);
	close(k->to);
	close(k->from);
}

static size_t pg(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* ---- objects made by another process ---- */

#define MAPNAME "Local\\insp-map"
#define GLOBNAME "Global\\insp-glob"

/* Creates MAPNAME (1 MiB) with a read-write view of its first 64 KiB, and
 * GLOBNAME (mode 0660) when arg says so. */
static void maker(int in, int out, int arg)
{
	shmap_map *m, *g = NULL;
	shmap_attr a = {0660, 0};
	void *v;
	T_OK(shmap_map_create(MAPNAME, 1 << 20, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_view_map(m, 0, 65536, SHMAP_ACCESS_ALL, &v));
	if (arg)
		T_OK(shmap_map_create(GLOBNAME, 8192, SHMAP_PROT_READONLY, &a,
		                      &g));
	kid_say(out, (struct msg){(uint64_t)(uintptr_t)v, 0, 0, 0, 0});
	kid_wait(in);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
	if (g)
		T_OK(shmap_map_close(g));
}

static void list_fields(void)
{
	struct kid k = kid_start(maker, 0);
	kid_hear(&k);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000ull +
	                  (uint64_t)now.tv_nsec;

	struct seen *s = list_find(0, MAPNAME);
	T_ASSERT(s);
	char path[512];
	t_backing_path(MAPNAME, path, sizeof path);
	T_ASSERT(!strcmp(s->path, path));
	T_EQ(s->info.error, 0);
	T_EQ(s->info.type, SHMAP_TYPE_MAPPING);
	T_EQ(s->info.size, 1 << 20);
	T_EQ(s->info.prot, SHMAP_PROT_READWRITE);
	T_EQ(s->info.mode, 0600);
	T_EQ(s->info.owner, geteuid());
	T_EQ(s->info.creator_uid, geteuid());
	T_EQ(s->info.creator_pid, k.pid);
	T_ASSERT(s->info.ctime_ns <= now_ns &&
	         s->info.ctime_ns > now_ns - 120 * 1000000000ull);
	T_EQ(s->info.global, 0);
	T_EQ(s->info.live, 1);
	T_EQ(s->info.handles, 1);
	T_EQ(s->info.processes, 1);
	T_EQ(s->info.views, 1);
	T_ASSERT(!s->file_path[0]);
	T_EQ(s->info.sync.valid, 0);

	/* Our own handle counts too. */
	shmap_map *m;
	T_OK(shmap_map_open(MAPNAME, SHMAP_ACCESS_READ, &m));
	s = inspect(MAPNAME);
	T_EQ(s->info.handles, 2);
	T_EQ(s->info.processes, 2);
	T_EQ(s->info.views, 1);
	/* Without the walk of /proc, still the lock table's count. */
	s = list_find(SHMAP_LIST_NO_HOLDERS, MAPNAME);
	T_ASSERT(s);
	T_EQ(s->info.handles, 2);
	T_EQ(s->info.processes, 0);
	T_EQ(s->info.views, 0);
	T_OK(shmap_map_close(m));
	kid_go(&k);
	kid_end(&k);
	T_EQ(list_find(0, MAPNAME), NULL);
	T_EQ(shmap_inspect(MAPNAME, collect_cb, NULL), -ENOENT);
}

static void global_listed(void)
{
	if (!shmap__caller_privileged())
		t_skip("Global objects need privilege to create");
	struct kid k = kid_start(maker, 1);
	kid_hear(&k);
	struct seen *s = list_find(0, GLOBNAME);
	T_ASSERT(s);
	T_EQ(s->info.global, 1);
	T_EQ(s->info.mode, 0660);
	T_EQ(s->info.prot, SHMAP_PROT_READONLY);
	T_EQ(s->info.size, 8192);
	T_EQ(s->info.creator_pid, k.pid);
	T_EQ(s->info.handles, 1);
	T_EQ(s->info.live, 1);
	kid_go(&k);
	kid_end(&k);
	T_EQ(list_find(0, GLOBNAME), NULL);
}

/* A killed last holder leaves a leftover: listed, not live, no handles. */
static void leftover(void)
{
	struct kid k = kid_start(maker, 0);
	kid_hear(&k);
	kid_kill(&k);
	struct seen *s = list_find(0, MAPNAME);
	T_ASSERT(s);
	T_EQ(s->info.live, 0);
	T_EQ(s->info.handles, 0);
	T_EQ(s->info.processes, 0);
	T_EQ(s->info.views, 0);
	s = inspect(MAPNAME);
	T_EQ(s->info.live, 0);
	T_EQ(shmap_gc(), 1);
	T_EQ(shmap_inspect(MAPNAME, collect_cb, NULL), -ENOENT);
}

/* ---- files that are no objects ---- */

static void put_file(const char *file, const void *data, size_t n,
                     mode_t mode)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", t_dir, file);
	int fd = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
	T_ASSERT(fd >= 0);
	T_EQ(write(fd, data, n), (ssize_t)n);
	T_OK(fchmod(fd, mode));
	close(fd);
}

static void rm_file(const char *file)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", t_dir, file);
	T_OK(unlink(p));
}

static void unreadable_as_nobody(int in, int out, int arg)
{
	(void)in;
	(void)arg;
	int64_t rc = t_become_nobody();
	if (rc == 0) {
		struct seen *s = NULL;
		g_nseen = 0;
		rc = shmap_list(0, collect_cb, NULL);
		for (int i = 0; rc == 0 && i < g_nseen; i++)
			if (strstr(g_seen[i].path, "/shmap.g.private"))
				s = &g_seen[i];
		if (rc == 0)
			rc = !s ? 1000
			     : s->info.error != -EACCES ? 1001
			     : s->info.name ? 1002
			     : s->info.mode != 0600 || s->info.owner != 0 ? 1003
			                                                  : 0;
	}
	kid_say(out, (struct msg){0, 0, 0, 0, rc});
}

static void not_objects(void)
{
	char junk[64], empty[64], bad[64], other[64];
	snprintf(junk, sizeof junk, "shmap.u%u.junk", (unsigned)geteuid());
	snprintf(empty, sizeof empty, "shmap.u%u.empty", (unsigned)geteuid());
	snprintf(bad, sizeof bad, "shmap.u%u.bad", (unsigned)geteuid());
	snprintf(other, sizeof other, "shmap.u%u.other", (unsigned)geteuid());
	put_file(junk, "garbage", 7, 0600);
	put_file(empty, "", 0, 0600);
	/* The magic and format, then a header that does not check. */
	static struct shmap__hdr h;
	memset(&h, 0xa5, sizeof h);
	h.magic = SHMAP__MAGIC;
	h.format = SHMAP__FORMAT;
	put_file(bad, &h, sizeof h, 0600);
	/* Another version's layout. */
	h.format = SHMAP__FORMAT + 1;
	put_file(other, &h, sizeof h, 0600);

	g_nseen = 0;
	T_OK(shmap_list(0, collect_cb, NULL));
	T_EQ(g_nseen, 2);
	/* No names: by path. */
	T_ASSERT(strstr(g_seen[0].path, bad));
	T_EQ(g_seen[0].info.error, SHMAP_EBADOBJ);
	T_ASSERT(!g_seen[0].info.name);
	T_EQ(g_seen[0].info.type, 0);
	T_EQ(g_seen[0].info.mode, 0600);
	T_ASSERT(strstr(g_seen[1].path, other));
	T_EQ(g_seen[1].info.error, SHMAP_EFORMAT);
	T_ASSERT(!g_seen[1].info.name);
	T_EQ(shmap_inspect("Local\\junk", collect_cb, NULL), -ENOENT);
	T_EQ(shmap_inspect("Local\\empty", collect_cb, NULL), -ENOENT);
	T_EQ(shmap_holders("Local\\junk", NULL, NULL, NULL), -EINVAL);
	g_nseen = 0;
	T_OK(shmap_inspect("Local\\bad", collect_cb, NULL));
	T_EQ(g_seen[0].info.error, SHMAP_EBADOBJ);
	rm_file(junk);
	rm_file(empty);
	rm_file(bad);
	rm_file(other);
}

static void unreadable(void)
{
	if (!t_nobody_ok())
		t_skip("an unreadable object needs another user (root)");
	/* Another user's Global file the caller may not read. */
	put_file("shmap.g.private", "whatever, unread", 16, 0600);
	struct kid k = kid_start(unreadable_as_nobody, 0);
	struct msg m = kid_hear(&k);
	kid_end(&k);
	rm_file("shmap.g.private");
	T_EQ(m.rc, 0);
}

/* ---- errors ---- */

static int stop_cb(const shmap_object_info *o, void *ctx)
{
	(void)o;
	++*(int *)ctx;
	return 7;
}

static int hstop_cb(const shmap_holder_info *h, void *ctx)
{
	(void)h;
	++*(int *)ctx;
	return 7;
}

static void all_users_as_nobody(int in, int out, int arg)
{
	(void)in;
	(void)arg;
	int64_t rc = t_become_nobody();
	if (rc == 0)
		rc = shmap_list(SHMAP_LIST_ALL_USERS, collect_cb, NULL);
	kid_say(out, (struct msg){0, 0, 0, 0, rc});
}

static void errors(void)
{
	int calls = 0;
	errno = 1234;
	T_EQ(shmap_inspect("Foo\\x", collect_cb, NULL), SHMAP_EBADPATH);
	T_EQ(shmap_holders("Local\\a\\b", hstop_cb, NULL, NULL), SHMAP_EBADPATH);
	T_EQ(shmap_inspect("Local\\missing", collect_cb, NULL), -ENOENT);
	T_EQ(shmap_holders("Local\\missing", hstop_cb, NULL,
	                   NULL),
	     -ENOENT);
	T_EQ(shmap_inspect("", collect_cb, NULL), -EINVAL);
	T_EQ(shmap_inspect(NULL, collect_cb, NULL), -EINVAL);
	T_EQ(shmap_inspect("Local\\x", NULL, NULL), -EINVAL);
	T_EQ(shmap_list(0, NULL, NULL), -EINVAL);
	T_EQ(shmap_list(0x100, collect_cb, NULL), -EINVAL);
	T_EQ(errno, 1234);

	/* A nonzero return stops the walk and is returned. */
	shmap_map *a, *b;
	T_OK(shmap_map_create("Local\\stop-b", 4096, SHMAP_PROT_READWRITE, NULL,
	                      &b));
	T_OK(shmap_map_create("Local\\stop-a", 4096, SHMAP_PROT_READWRITE, NULL,
	                      &a));
	T_EQ(shmap_list(0, stop_cb, &calls), 7);
	T_EQ(calls, 1);
	calls = 0;
	T_EQ(shmap_inspect("Local\\stop-b", stop_cb, &calls), 7);
	T_EQ(calls, 1);
	/* In name order. */
	g_nseen = 0;
	T_OK(shmap_list(0, collect_cb, NULL));
	T_EQ(g_nseen, 2);
	T_ASSERT(!strcmp(g_seen[0].name, "Local\\stop-a"));
	T_ASSERT(!strcmp(g_seen[1].name, "Local\\stop-b"));
	T_OK(shmap_map_close(a));
	T_OK(shmap_map_close(b));

	/* Every user's names need privilege. */
	if (geteuid() == 0) {
		if (!t_nobody_ok())
			t_skip("cannot switch to an unprivileged user here");
		struct kid k = kid_start(all_users_as_nobody, 0);
		struct msg m = kid_hear(&k);
		kid_end(&k);
		T_EQ(m.rc, -EPERM);
		T_OK(shmap_list(SHMAP_LIST_ALL_USERS, collect_cb, NULL));
	} else {
		int rc = shmap_list(SHMAP_LIST_ALL_USERS, collect_cb, NULL);
		T_ASSERT(rc == -EPERM || rc == 0); /* 0 with CAP_DAC_OVERRIDE */
	}
}

/* ---- sync state ---- */

static shmap_sync_state state_of(const char *name)
{
	struct seen *s = inspect(name);
	T_EQ(s->info.error, 0);
	T_EQ(s->info.sync.error, 0);
	T_EQ(s->info.sync.valid, 1);
	return s->info.sync;
}

/* Waits (at most 20 s) until name shows n waiters. */
static void expect_waiters(const char *name, uint32_t n)
{
	for (int i = 0; i < 2000; i++) {
		if (state_of(name).waiters == n)
			return;
		usleep(10000);
	}
	T_EQ(state_of(name).waiters, n);
}

#define EVNAME "Local\\insp-event"
#define SEMNAME "Local\\insp-sem"
#define MUTNAME "Local\\insp-mutex"

/* Opens the object arg names (0 event, 1 semaphore, 2 mutex) and waits on
 * it; reports the result. */
static void waiter(int in, int out, int arg)
{
	static const char *names[] = {EVNAME, SEMNAME, MUTNAME};
	shmap_sync *s;
	int rc = arg == 0   ? shmap_event_open(names[arg], 0, &s)
	         : arg == 1 ? shmap_sem_open(names[arg], 0, &s)
	                    : shmap_mutex_open(names[arg], 0, &s);
	T_OK(rc);
	rc = shmap_wait(s, 60000);
	kid_say(out, (struct msg){(uint64_t)getpid(), 0, 0, 0, rc});
	kid_wait(in);
	T_OK(shmap_sync_close(s));
}

static void event_state(void)
{
	shmap_sync *e, *a;
	T_OK(shmap_event_create(EVNAME, SHMAP_EVENT_MANUAL | SHMAP_EVENT_SET,
	                        NULL, &e));
	shmap_sync_state st = state_of(EVNAME);
	T_EQ(st.set, 1);
	T_EQ(st.manual_reset, 1);
	T_EQ(st.waiters, 0);
	T_EQ(st.owner_tid, 0);
	T_OK(shmap_event_reset(e));
	st = state_of(EVNAME);
	T_EQ(st.set, 0);
	/* A waiter blocked on it counts. */
	struct kid k = kid_start(waiter, 0);
	expect_waiters(EVNAME, 1);
	T_OK(shmap_event_set(e));
	T_EQ(kid_hear(&k).rc, 0);
	kid_go(&k);
	kid_end(&k);
	expect_waiters(EVNAME, 0);
	T_EQ(state_of(EVNAME).set, 1);
	/* No views: the library's mapping of the block is no user's view. */
	struct seen *s = inspect(EVNAME);
	T_EQ(s->info.processes, 1);
	T_EQ(s->info.views, 0);
	T_EQ(s->info.handles, 1);
	T_EQ(s->info.type, SHMAP_TYPE_EVENT);
	T_EQ(s->info.prot, 0);
	T_OK(shmap_sync_close(e));

	T_OK(shmap_event_create("Local\\insp-auto", 0, NULL, &a));
	st = state_of("Local\\insp-auto");
	T_EQ(st.set, 0);
	T_EQ(st.manual_reset, 0);
	T_OK(shmap_event_set(a));
	T_EQ(state_of("Local\\insp-auto").set, 1);
	T_OK(shmap_sync_close(a));
}

static void semaphore_state(void)
{
	shmap_sync *s;
	T_OK(shmap_sem_create(SEMNAME, 2, 5, NULL, &s));
	shmap_sync_state st = state_of(SEMNAME);
	T_EQ(st.count, 2);
	T_EQ(st.max, 5);
	T_EQ(st.waiters, 0);
	T_OK(shmap_wait(s, 0));
	T_OK(shmap_wait(s, 0));
	T_EQ(state_of(SEMNAME).count, 0);
	struct kid k = kid_start(waiter, 1);
	expect_waiters(SEMNAME, 1);
	T_OK(shmap_sem_release(s, 3, NULL));
	T_EQ(kid_hear(&k).rc, 0);
	expect_waiters(SEMNAME, 0);
	T_EQ(state_of(SEMNAME).count, 2);
	kid_go(&k);
	kid_end(&k);
	T_OK(shmap_sync_close(s));
}

/* Creates MUTNAME owned, takes it again, reports; releases on go. */
static void mutex_owner(int in, int out, int arg)
{
	(void)arg;
	shmap_sync *m;
	T_OK(shmap_mutex_create(MUTNAME, 1, NULL, &m));
	T_OK(shmap_wait(m, 0));
	kid_say(out, (struct msg){(uint64_t)getpid(),
	                          (uint64_t)syscall(SYS_gettid), 0, 0, 0});
	kid_wait(in);
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_mutex_release(m));
	kid_say(out, (struct msg){0, 0, 0, 0, 0});
	kid_wait(in);
	T_OK(shmap_sync_close(m));
}

static void mutex_state(void)
{
	struct kid o = kid_start(mutex_owner, 0);
	struct msg m = kid_hear(&o);
	shmap_sync *mine;
	T_OK(shmap_mutex_open(MUTNAME, 0, &mine));
	shmap_sync_state st = state_of(MUTNAME);
	T_EQ(st.owner_pid, o.pid);
	T_EQ(st.owner_tid, (pid_t)m.b);
	T_EQ(st.recursion, 2);
	T_EQ(st.abandoned, 0);
	T_EQ(st.waiters, 0);
	/* A waiter takes a place in the table of waiters. */
	struct kid w = kid_start(waiter, 2);
	expect_waiters(MUTNAME, 1);
	/* The owner lets go; the waiter owns it and is killed. */
	kid_go(&o);
	kid_hear(&o);
	struct msg wm = kid_hear(&w);
	T_EQ(wm.rc, 0);
	st = state_of(MUTNAME);
	T_EQ(st.owner_pid, w.pid);
	T_EQ(st.owner_tid, w.pid);
	T_EQ(st.recursion, 1);
	T_EQ(st.waiters, 0);
	kid_kill(&w);
	st = state_of(MUTNAME);
	T_EQ(st.abandoned, 1);
	T_EQ(st.owner_tid, w.pid);
	T_EQ(st.owner_pid, 0);
	T_EQ(shmap_wait(mine, 5000), SHMAP_EABANDONED);
	st = state_of(MUTNAME);
	T_EQ(st.abandoned, 0);
	T_EQ(st.owner_pid, getpid());
	T_OK(shmap_mutex_release(mine));
	T_EQ(state_of(MUTNAME).owner_tid, 0);
	kid_go(&o);
	kid_end(&o);
	T_OK(shmap_sync_close(mine));
}

/* ---- resident memory ---- */

#define RESNAME "Local\\insp-resident"

/* Opens RESNAME and writes arg pages of it, 3 pages apart. */
static void toucher(int in, int out, int arg)
{
	shmap_map *m;
	char *v;
	T_OK(shmap_map_open(RESNAME, SHMAP_ACCESS_ALL, &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_ALL, (void **)&v));
	for (int i = 0; i < arg; i++)
		v[(size_t)i * 3 * pg()] = 1;
	kid_say(out, (struct msg){0, 0, 0, 0, 0});
	kid_wait(in);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
}

static void resident(void)
{
	shmap_attr lazy = {0, SHMAP_ATTR_NORESERVE};
	shmap_map *m, *huge;
	T_OK(shmap_map_create(RESNAME, 16 << 20, SHMAP_PROT_READWRITE, &lazy,
	                      &m));
	T_EQ(inspect(RESNAME)->info.resident, 0);
	struct kid k = kid_start(toucher, 5);
	kid_hear(&k);
	for (int no_cs = 0; no_cs <= 1; no_cs++) {
		shmap__inspect_no_cachestat = no_cs;
		uint64_t r = inspect(RESNAME)->info.resident;
		if (r < 5 * pg() || r > 16 << 20)
			T_FAIL("resident %llu bytes, 5 pages written (%s)",
			       (unsigned long long)r,
			       no_cs ? "mincore" : "cachestat");
	}
	shmap__inspect_no_cachestat = 0;
	kid_go(&k);
	kid_end(&k);

	/* A huge sparse object costs no more than its pages. */
	if (shmap_map_create("Local\\insp-huge", 1ull << 40,
	                     SHMAP_PROT_READWRITE, &lazy, &huge) == 0) {
		for (int no_cs = 0; no_cs <= 1; no_cs++) {
			shmap__inspect_no_cachestat = no_cs;
			T_EQ(inspect("Local\\insp-huge")->info.resident, 0);
		}
		shmap__inspect_no_cachestat = 0;
		T_OK(shmap_map_close(huge));
	}
	T_OK(shmap_map_close(m));

	/* A file mapping: its data file's pages. */
	char path[] = "/tmp/shmap-insp.XXXXXX";
	int fd = mkstemp(path);
	T_ASSERT(fd >= 0);
	T_OK(ftruncate(fd, 64 * (off_t)pg()));
	for (int i = 0; i < 3; i++)
		T_EQ(pwrite(fd, "x", 1, (off_t)(i * 10 * pg())), 1);
	T_OK(shmap_map_create_file("Local\\insp-file", fd, 0,
	                           SHMAP_PROT_READWRITE, NULL, &m));
	struct seen *s = inspect("Local\\insp-file");
	T_ASSERT(!strcmp(s->file_path, path));
	T_EQ(s->info.size, 64 * pg());
	T_ASSERT(s->info.resident >= 3 * pg() && s->info.resident <= 64 * pg());
	T_OK(shmap_map_close(m));
	close(fd);
	T_OK(unlink(path));
}

/* ---- files an object's header names ---- */

#define FORGEDNAME "Local\\insp-forged"
#define ROFILENAME "Local\\insp-rofile"

static char g_file[64]; /* root's file, for the children below */

/* As nobody: FORGEDNAME, a file mapping of a file of its own, whose header
 * it then rewrites to name g_file, as the owner of an object file can. */
static void forger(int in, int out, int arg)
{
	char own[] = "/tmp/shmap-insp-own.XXXXXX", path[512];
	struct shmap__hdr h;
	struct stat st;
	shmap_map *m;
	(void)arg;
	T_OK(t_become_nobody());
	int fd = mkstemp(own);
	T_ASSERT(fd >= 0);
	T_OK(ftruncate(fd, 4 * (off_t)pg()));
	T_OK(shmap_map_create_file(FORGEDNAME, fd, 0, SHMAP_PROT_READWRITE,
	                           NULL, &m));
	close(fd);
	T_OK(unlink(own));
	T_OK(stat(g_file, &st));
	t_backing_path(FORGEDNAME, path, sizeof path);
	int b = open(path, O_RDWR | O_CLOEXEC);
	T_ASSERT(b >= 0);
	T_EQ(pread(b, &h, sizeof h, 0), (ssize_t)sizeof h);
	snprintf(h.path, sizeof h.path, "%s", g_file);
	h.path_len = (uint32_t)strlen(h.path);
	h.file_dev = (uint64_t)st.st_dev;
	h.file_ino = (uint64_t)st.st_ino;
	T_EQ(pwrite(b, &h, sizeof h, 0), (ssize_t)sizeof h);
	close(b);
	kid_say(out, (struct msg){0, 0, 0, 0, 0});
	kid_wait(in);
	T_OK(shmap_map_close(m));
}

/* Root's file of 4 pages, in memory, that nobody may read, at g_file. */
static int root_file(mode_t mode)
{
	snprintf(g_file, sizeof g_file, "/tmp/shmap-insp-root.XXXXXX");
	int fd = mkstemp(g_file);
	T_ASSERT(fd >= 0);
	T_OK(fchmod(fd, mode));
	char *page = calloc(1, pg());
	T_ASSERT(page);
	memset(page, 'x', pg());
	for (int i = 0; i < 4; i++)
		T_EQ(write(fd, page, pg()), (ssize_t)pg());
	free(page);
	return fd;
}

/* A header naming another user's file makes a privileged caller neither
 * open nor measure it: only files its owner could have mapped count. */
static void forged_file(void)
{
	if (!t_nobody_ok())
		t_skip("a forged header needs another user (root)");
	int fd = root_file(0600);
	struct kid k = kid_start(forger, 0);
	kid_hear(&k);
	struct seen *s = list_find(SHMAP_LIST_ALL_USERS, FORGEDNAME);
	T_ASSERT(s);
	T_EQ(s->info.error, 0);
	T_ASSERT(!strcmp(s->file_path, g_file));
	T_EQ(s->info.resident, 0);
	kid_go(&k);
	kid_end(&k);
	close(fd);
	T_OK(unlink(g_file));
}

/* As nobody: ROFILENAME, a read-only file mapping of g_file; reports what
 * shmap_inspect says of its resident bytes. */
static void ro_mapper(int in, int out, int arg)
{
	shmap_map *m;
	(void)arg;
	T_OK(t_become_nobody());
	int fd = open(g_file, O_RDONLY | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_OK(shmap_map_create_file(ROFILENAME, fd, 0, SHMAP_PROT_READONLY, NULL,
	                           &m));
	close(fd);
	struct seen *s = inspect(ROFILENAME);
	kid_say(out, (struct msg){s->info.resident, 0, 0, 0, s->info.error});
	kid_wait(in);
	T_OK(shmap_map_close(m));
}

/* A file the caller neither owns nor may write: the kernel will not say
 * which of its pages are in memory (mincore says all are), so 0. */
static void uncountable(void)
{
	if (!t_nobody_ok())
		t_skip("a file nobody may not write needs root");
	int fd = root_file(0644);
	/* Out of memory if the kernel lets go of it: then mincore's "all of
	 * it" is plainly untrue. */
	T_OK(fsync(fd));
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	struct kid k = kid_start(ro_mapper, 0);
	struct msg m = kid_hear(&k);
	T_EQ(m.rc, 0);
	T_EQ(m.a, 0);
	kid_go(&k);
	kid_end(&k);
	close(fd);
	T_OK(unlink(g_file));
}

/* ---- holders ---- */

#define HOLDNAME "Local\\insp-holders"
#define HSIZE (256u << 10)

/* Opens HOLDNAME; arg 0: a read-only view of [0, 128 KiB), then closes the
 * handle; arg 1: a read-write view of [128 KiB, 256 KiB). Reports the
 * view's address. */
static void viewer(int in, int out, int arg)
{
	shmap_map *m;
	void *v;
	T_OK(shmap_map_open(HOLDNAME,
	                    arg ? SHMAP_ACCESS_ALL : SHMAP_ACCESS_READ, &m));
	T_OK(shmap_view_map(m, arg ? HSIZE / 2 : 0, HSIZE / 2,
	                    arg ? SHMAP_ACCESS_ALL : SHMAP_ACCESS_READ, &v));
	if (arg == 0)
		T_OK(shmap_map_close(m));
	kid_say(out, (struct msg){(uint64_t)(uintptr_t)v, 0, 0, 0, 0});
	kid_wait(in);
	T_OK(shmap_view_unmap(v));
	if (arg)
		T_OK(shmap_map_close(m));
}

#define MAXH 16
static struct {
	shmap_holder_info info;
	shmap_view_info views[4];
	char command[256];
} g_h[MAXH];
static int g_nh;

static int holder_cb(const shmap_holder_info *h, void *ctx)
{
	(void)ctx;
	T_ASSERT(g_nh < MAXH);
	g_h[g_nh].info = *h;
	T_ASSERT(h->nviews <= 4);
	if (h->nviews)
		memcpy(g_h[g_nh].views, h->views,
		       h->nviews * sizeof *h->views);
	T_ASSERT(h->command);
	snprintf(g_h[g_nh].command, sizeof g_h[g_nh].command, "%s", h->command);
	g_nh++;
	return 0;
}

/* The holder record of pid, or fails. */
static int holder_of(pid_t pid)
{
	for (int i = 0; i < g_nh; i++)
		if (g_h[i].info.pid == pid)
			return i;
	T_FAIL("pid %d not among the %d holders", (int)pid, g_nh);
}

static void holders(void)
{
	shmap_map *m;
	char *cow;
	T_OK(shmap_map_create(HOLDNAME, HSIZE, SHMAP_PROT_READWRITE, NULL, &m));
	struct kid ro = kid_start(viewer, 0), rw = kid_start(viewer, 1);
	uint64_t ro_at = kid_hear(&ro).a, rw_at = kid_hear(&rw).a;
	/* Mapped after the forks: a child would have a copy of it. */
	T_OK(shmap_view_map(m, 65536, 65536, SHMAP_ACCESS_COPY,
	                    (void **)&cow));
	cow[0] = 1; /* a private copy of that page */

	shmap_holders_summary sum;
	g_nh = 0;
	T_OK(shmap_holders(HOLDNAME, holder_cb, NULL, &sum));
	T_EQ(g_nh, 3);
	for (int i = 1; i < g_nh; i++)
		T_ASSERT(g_h[i - 1].info.pid < g_h[i].info.pid);
	T_EQ(sum.processes, 3);
	T_EQ(sum.handles, 2);
	T_EQ(sum.handles_seen, 2);
	/* Even root may be refused some processes' maps (by a security
	 * module, say); a mapping is complete only if none is hidden. */
	T_EQ(sum.complete, sum.processes_hidden == 0);

	int i = holder_of(getpid());
	T_EQ(g_h[i].info.handles, 1);
	T_EQ(g_h[i].info.uid, geteuid());
	T_ASSERT(strstr(g_h[i].command, program_invocation_short_name));
	T_EQ(g_h[i].info.nviews, 1);
	T_EQ(g_h[i].views[0].start, (uintptr_t)cow);
	T_EQ(g_h[i].views[0].end, (uintptr_t)cow + 65536);
	T_EQ(g_h[i].views[0].offset, 65536);
	T_EQ(g_h[i].views[0].access, SHMAP_ACCESS_READ | SHMAP_ACCESS_COPY);
	T_EQ(g_h[i].info.access, SHMAP_ACCESS_READ | SHMAP_ACCESS_COPY);

	i = holder_of(ro.pid);
	T_EQ(g_h[i].info.handles, 0);
	T_EQ(g_h[i].info.nviews, 1);
	T_EQ(g_h[i].views[0].start, ro_at);
	T_EQ(g_h[i].views[0].end, ro_at + HSIZE / 2);
	T_EQ(g_h[i].views[0].offset, 0);
	T_EQ(g_h[i].views[0].access, SHMAP_ACCESS_READ);
	T_EQ(g_h[i].info.access, SHMAP_ACCESS_READ);

	i = holder_of(rw.pid);
	T_EQ(g_h[i].info.handles, 1);
	T_EQ(g_h[i].info.nviews, 1);
	T_EQ(g_h[i].views[0].start, rw_at);
	T_EQ(g_h[i].views[0].end, rw_at + HSIZE / 2);
	T_EQ(g_h[i].views[0].offset, HSIZE / 2);
	T_EQ(g_h[i].views[0].access, SHMAP_ACCESS_READ | SHMAP_ACCESS_WRITE);

	struct seen *s = inspect(HOLDNAME);
	T_EQ(s->info.handles, 2);
	T_EQ(s->info.processes, 3);
	T_EQ(s->info.views, 3);

	/* A nonzero return stops the walk. */
	int calls = 0;
	T_EQ(shmap_holders(HOLDNAME, hstop_cb, &calls, NULL), 7);
	T_EQ(calls, 1);

	/* The view outlives the child's handle, and ours: gone with it. */
	kid_go(&ro);
	kid_end(&ro);
	g_nh = 0;
	T_OK(shmap_holders(HOLDNAME, holder_cb, NULL, NULL));
	T_EQ(g_nh, 2);
	kid_go(&rw);
	kid_end(&rw);
	T_OK(shmap_view_unmap(cow));
	T_OK(shmap_map_close(m));
}

/* ---- another user ---- */

#define USERNAME "Global\\insp-user"
#define NOBODYNAME "Local\\insp-nobody"

/* As nobody: opens USERNAME with a read-only view and makes NOBODYNAME;
 * reports what shmap_holders sees of USERNAME from there. */
static void nobody_holder(int in, int out, int arg)
{
	(void)arg;
	shmap_map *m, *mine;
	shmap_holders_summary sum;
	void *v;
	T_OK(t_become_nobody());
	T_OK(shmap_map_open(USERNAME, SHMAP_ACCESS_READ, &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, &v));
	T_OK(shmap_map_create(NOBODYNAME, 4096, SHMAP_PROT_READWRITE, NULL,
	                      &mine));
	g_nh = 0;
	T_OK(shmap_holders(USERNAME, holder_cb, NULL, &sum));
	/* Only itself: the root parent's handle is in the lock table. */
	kid_say(out, (struct msg){(uint64_t)g_nh, sum.processes_hidden,
	                          sum.handles, sum.handles_seen,
	                          sum.complete});
	kid_wait(in);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
	T_OK(shmap_map_close(mine));
}

static void other_user(void)
{
	if (!t_nobody_ok())
		t_skip("another user's holder needs root");
	shmap_attr a = {0666, 0};
	shmap_map *m;
	T_OK(shmap_map_create(USERNAME, 8192, SHMAP_PROT_READWRITE, &a, &m));
	struct kid k = kid_start(nobody_holder, 0);
	struct msg r = kid_hear(&k);
	T_EQ(r.a, 1);
	T_ASSERT(r.b > 0); /* this process, root's, at least */
	T_EQ(r.c, 2);
	T_EQ(r.d, 1);
	T_EQ(r.rc, 0);

	g_nh = 0;
	T_OK(shmap_holders(USERNAME, holder_cb, NULL, NULL));
	T_EQ(g_nh, 2);
	int i = holder_of(k.pid);
	T_EQ(g_h[i].info.uid, T_NOBODY);
	T_EQ(g_h[i].info.handles, 1);
	T_EQ(g_h[i].info.nviews, 1);
	T_EQ(g_h[i].info.access, SHMAP_ACCESS_READ);

	/* Its Local name: only with every user's names. */
	T_EQ(list_find(0, NOBODYNAME), NULL);
	struct seen *s = list_find(SHMAP_LIST_ALL_USERS, NOBODYNAME);
	T_ASSERT(s);
	T_EQ(s->info.owner, T_NOBODY);
	T_EQ(s->info.creator_pid, k.pid);
	T_EQ(s->info.live, 1);
	T_EQ(s->info.processes, 1);
	kid_go(&k);
	kid_end(&k);
	T_OK(shmap_map_close(m));
}

/* ---- what a call leaves behind ---- */

/* The descriptors open in this process. */
static int fd_count(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	T_ASSERT(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int pid_cb(const shmap_holder_info *h, void *ctx)
{
	T_ASSERT(h->pid != getpid()); /* our own look is no hold */
	++*(int *)ctx;
	return 0;
}

/* Every call, on objects of every kind and on names that fail, leaves no
 * descriptor open and errno as it was (leaks of memory fail the
 * sanitized build); its own descriptors of an object are no holder's. */
static void nothing_left(void)
{
	shmap_sync *e;
	shmap_map *m;
	int calls = 0;
	struct kid k = kid_start(maker, 0);
	kid_hear(&k);
	T_OK(shmap_event_create(EVNAME, 0, NULL, &e));
	char path[] = "/tmp/shmap-insp.XXXXXX";
	int fd = mkstemp(path);
	T_ASSERT(fd >= 0);
	T_OK(ftruncate(fd, 4 * (off_t)pg()));
	T_OK(shmap_map_create_file("Local\\insp-file", fd, 0,
	                           SHMAP_PROT_READWRITE, NULL, &m));
	close(fd);
	int before = fd_count();
	errno = 4321;
	for (int i = 0; i < 3; i++) {
		T_OK(shmap_list(0, collect_cb, (g_nseen = 0, NULL)));
		T_OK(shmap_list(SHMAP_LIST_NO_HOLDERS, collect_cb,
		                (g_nseen = 0, NULL)));
		if (geteuid() == 0)
			T_OK(shmap_list(SHMAP_LIST_ALL_USERS, collect_cb,
			                (g_nseen = 0, NULL)));
		T_OK(shmap_inspect(MAPNAME, collect_cb, (g_nseen = 0, NULL)));
		T_OK(shmap_inspect(EVNAME, collect_cb, (g_nseen = 0, NULL)));
		T_EQ(shmap_inspect("Local\\missing", collect_cb, NULL),
		     -ENOENT);
		calls = 0;
		T_OK(shmap_holders(MAPNAME, pid_cb, &calls, NULL));
		T_EQ(calls, 1);
		g_nh = 0;
		T_OK(shmap_holders("Local\\insp-file", holder_cb, NULL, NULL));
		T_EQ(g_nh, 1); /* ours, a handle */
		T_EQ(shmap_holders("Local\\missing", pid_cb, NULL, NULL),
		     -ENOENT);
		T_EQ(shmap_holders("Bad\\x", pid_cb, NULL, NULL),
		     SHMAP_EBADPATH);
	}
	T_EQ(errno, 4321);
	T_EQ(fd_count(), before);
	T_OK(shmap_map_close(m));
	T_OK(unlink(path));
	T_OK(shmap_sync_close(e));
	kid_go(&k);
	kid_end(&k);
}

/* ---- the lock table while other locks come and go ---- */

#define CHURNNAME "Local\\insp-churn"
#define CHURN_HELD 24
#define CHURN_BUSY 8

static char g_scratch[64];

/* Opens file i of g_scratch (made if new). */
static int scratch_file(int i)
{
	char p[128];
	snprintf(p, sizeof p, "%s/f%d", g_scratch, i);
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	T_ASSERT(fd >= 0);
	return fd;
}

/* Locks and unlocks files of g_scratch as fast as it can, until killed. */
static void churner(int in, int out, int arg)
{
	int fd[CHURN_BUSY];
	(void)in;
	(void)arg;
	for (int i = 0; i < CHURN_BUSY; i++)
		fd[i] = scratch_file(CHURN_HELD + i);
	kid_say(out, (struct msg){0, 0, 0, 0, 0});
	for (;;) {
		for (int i = 0; i < CHURN_BUSY; i++)
			T_OK(t_ofd_lock(fd[i], F_RDLCK, 0));
		for (int i = 0; i < CHURN_BUSY; i++)
			T_OK(t_ofd_lock(fd[i], F_UNLCK, 0));
	}
}

/* The kernel's lock table, read while other processes take and let go of
 * locks, still counts each handle once: never twice, never not at all. */
static void lock_table_churn(void)
{
	shmap_map *m;
	int held[CHURN_HELD];
	snprintf(g_scratch, sizeof g_scratch, "/tmp/shmap-churn.XXXXXX");
	T_ASSERT(mkdtemp(g_scratch));
	T_OK(shmap_map_create(CHURNNAME, 4096, SHMAP_PROT_READWRITE, NULL, &m));
	/* Lines enough that the table takes more than one small read. */
	for (int i = 0; i < CHURN_HELD; i++) {
		held[i] = scratch_file(i);
		T_OK(t_ofd_lock(held[i], F_RDLCK, 0));
	}
	struct kid k = kid_start(churner, 0);
	kid_hear(&k);
	for (int i = 0; i < 300; i++) {
		struct seen *s = list_find(SHMAP_LIST_NO_HOLDERS, CHURNNAME);
		T_ASSERT(s);
		if (s->info.handles != 1)
			T_FAIL("look %d: %u handles, 1 open", i, s->info.handles);
	}
	kid_kill(&k);
	for (int i = 0; i < CHURN_HELD + CHURN_BUSY; i++) {
		char p[128];
		if (i < CHURN_HELD)
			close(held[i]);
		snprintf(p, sizeof p, "%s/f%d", g_scratch, i);
		T_OK(unlink(p));
	}
	T_OK(rmdir(g_scratch));
	T_OK(shmap_map_close(m));
}

int main(void)
{
	t_setup();
	t_run("an object made by another process is listed", list_fields, 60);
	t_run("a Global object is listed", global_listed, 60);
	t_run("a killed last holder leaves a leftover", leftover, 60);
	t_run("files that are no objects", not_objects, 60);
	t_run("another user's unreadable file", unreadable, 60);
	t_run("errors, stopping and order", errors, 60);
	t_run("event state", event_state, 60);
	t_run("semaphore state", semaphore_state, 60);
	t_run("mutex owner, waiters, abandoned", mutex_state, 60);
	t_run("resident memory", resident, 120);
	t_run("a header naming another user's file", forged_file, 60);
	t_run("a file the kernel will not count for the caller", uncountable,
	      60);
	t_run("holders and their views", holders, 60);
	t_run("another user's holder", other_user, 60);
	t_run("no descriptor or errno left", nothing_left, 60);
	t_run("the lock table read while locks come and go", lock_table_churn,
	      120);
	return t_finish();
}
