/* SPDX-License-Identifier: MIT */
/*
 * A waiter declares a mutex owner dead only when it can really look the
 * owner up: a live owner stays owned when the waiter's /proc belongs to an
 * ancestor PID namespace, when hidepid=2 hides the owner (another user's
 * process), and when the waiter is in another time namespace (whose boottime
 * offset shifts the start times /proc shows). The table of namespaces in a
 * block (ten entries) is claimed only by takes and reused when full, never
 * while an identity (an owner, a wait-all's lock) names an entry. Each case needs a namespace or mount of
 * its own and is skipped if the kernel refuses one.
 */
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>

#include "harness.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static shmap_sync_mem *g_mem;

/* A free mutex in memory every process forked from here shares. */
static void mem_setup(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	T_ASSERT(p != MAP_FAILED);
	g_mem = p;
	T_OK(shmap_mutex_init(g_mem));
}

static shmap_sync *attach(void)
{
	shmap_sync *m;
	T_OK(shmap_sync_attach(g_mem, &m));
	return m;
}

/* Takes the mutex, says so on ready, holds it until go, releases it. */
static void owner(int ready, int go)
{
	shmap_sync *m = attach();
	char c;
	T_OK(shmap_wait(m, 0));
	T_EQ(write(ready, "o", 1), 1);
	if (read(go, &c, 1) != 1)
		_exit(1);
	/* Still the owner: nobody took the mutex from a live thread. */
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(m));
	_exit(0);
}

/* A waiter must see the live owner's mutex as owned: it times out. */
static int waiter(void)
{
	shmap_sync *m = attach();
	int rc = shmap_wait(m, 300);
	if (rc != -ETIMEDOUT) {
		fprintf(stderr, "waiter: %s, expected a timeout\n",
		        shmap_strerror(rc));
		return 1;
	}
	shmap_sync_close(m);
	return 0;
}

/* Forks fn's process; returns its pid. */
static pid_t spawn(int (*fn)(void))
{
	fflush(NULL);
	pid_t p = fork();
	T_ASSERT(p >= 0);
	if (p == 0)
		_exit(fn());
	return p;
}

static int wait_code(pid_t p)
{
	return t_exit_code(t_wait(p, 30));
}

/* ---- a /proc of an ancestor PID namespace ---- */

static int fp_ready[2], fp_cmd[2], fp_go[2];
static pid_t fp_target;

/* pid 1 of the new namespace, with the outer /proc still on /proc. */
static int foreign_init(void)
{
	char dir[] = "/tmp/shmap-ns-proc.XXXXXX", path[128], buf[32], c;
	/* Make the owner's pid here a pid the outer namespace will give a
	 * newer process: set ns_last_pid through a /proc of our own,
	 * mounted aside, then take it away again. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) || !mkdtemp(dir))
		return t_skip_code("a private mount tree: %s", strerror(errno));
	if (mount("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	          NULL)) {
		int e = errno;
		rmdir(dir);
		return t_skip_code("mount proc: %s", strerror(e));
	}
	snprintf(path, sizeof path, "%s/sys/kernel/ns_last_pid", dir);
	int fd = open(path, O_WRONLY);
	int n = snprintf(buf, sizeof buf, "%d", (int)fp_target - 1);
	int ok = fd >= 0 && write(fd, buf, (size_t)n) == n;
	if (fd >= 0)
		close(fd);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	if (!ok)
		return t_skip_code("cannot set ns_last_pid");
	fflush(NULL);
	pid_t a = fork();
	if (a == 0) {
		if (getpid() != fp_target)
			_exit(t_skip_code("the owner did not get pid %d",
			                  (int)fp_target));
		owner(fp_ready[1], fp_go[0]);
	}
	if (a < 0)
		return t_skip_code("fork: %s", strerror(errno));
	/* The outer side made a newer process of that pid: now wait. */
	int code = T_SKIP;
	if (read(fp_cmd[0], &c, 1) == 1 && c == 'b')
		code = wait_code(spawn(waiter));
	else
		t_skip_code("the outer namespace could not reuse pid %d",
		            (int)fp_target);
	T_EQ(write(fp_go[1], "g", 1), 1);
	int ac = wait_code(a);
	return code ? code : ac;
}

static int foreign_launch(void)
{
	if (unshare(CLONE_NEWPID | CLONE_NEWNS) &&
	    unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS))
		return t_skip_code("unshare PID and mount namespaces: %s",
		                   strerror(errno));
	return wait_code(spawn(foreign_init));
}

/*
 * unshare -pf without --mount-proc: the owner and the waiter share a PID
 * namespace whose /proc is the outer one, where the owner's pid belongs to
 * a process started after the owner. The waiter must not judge from that.
 */
static void foreign_proc(void)
{
	pid_t d, keep = -1;
	char c;
	mem_setup();
	T_OK(pipe(fp_ready));
	T_OK(pipe(fp_cmd));
	T_OK(pipe(fp_go));
	/* The next outer pids, from a throwaway child. */
	fflush(NULL);
	d = fork();
	if (d == 0)
		_exit(0);
	T_ASSERT(d > 0);
	waitpid(d, NULL, 0);
	fp_target = d + 40;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	int max = 0;
	if (f) {
		if (fscanf(f, "%d", &max) != 1)
			max = 0;
		fclose(f);
	}
	if (fp_target + 10 >= max)
		t_skip("pids are about to wrap (pid_max %d)", max);
	pid_t l = spawn(foreign_launch);
	close(fp_ready[1]);
	if (read(fp_ready[0], &c, 1) != 1) {
		int code = wait_code(l);
		exit(code == 0 ? 1 : code);
	}
	/* A later clock tick than the owner's start, then its pid outside. */
	usleep(30000);
	for (int i = 0; i < 400 && keep < 0; i++) {
		fflush(NULL);
		d = fork();
		if (d == 0) {
			if (getpid() == fp_target)
				t_linger();
			_exit(0);
		}
		T_ASSERT(d > 0);
		if (d == fp_target)
			keep = d;
		else
			waitpid(d, NULL, 0);
		if (d > fp_target || d < fp_target - 200)
			break; /* someone else took it, or pids wrapped */
	}
	T_EQ(write(fp_cmd[1], keep > 0 ? "b" : "s", 1), 1);
	int code = wait_code(l);
	if (keep > 0)
		t_kill_reap(keep);
	if (code == T_SKIP)
		t_skip("no PID namespace with its pid reused outside");
	T_EQ(code, 0);
}

/* ---- hidepid=2 ---- */

static int hp_ready[2], hp_go[2];

static int become(uid_t uid)
{
	return setgroups(0, NULL) || setgid(uid) || setuid(uid) ? -1 : 0;
}

static int hidepid_owner(void)
{
	if (become(65534))
		return t_skip_code("cannot become uid 65534: %s",
		                   strerror(errno));
	owner(hp_ready[1], hp_go[0]);
	return 1;
}

static int hidepid_waiter(void)
{
	if (become(65533))
		return t_skip_code("cannot become uid 65533: %s",
		                   strerror(errno));
	return waiter();
}

static int hidepid_launch(void)
{
	char c;
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	          "hidepid=2"))
		return t_skip_code("a /proc with hidepid=2: %s",
		                   strerror(errno));
	pid_t a = spawn(hidepid_owner);
	if (read(hp_ready[0], &c, 1) != 1) {
		int ac = wait_code(a);
		return ac ? ac : 1;
	}
	int code = wait_code(spawn(hidepid_waiter));
	T_EQ(write(hp_go[1], "g", 1), 1);
	int ac = wait_code(a);
	return code ? code : ac;
}

/* A /proc with hidepid=2: the owner, another user, is hidden, not gone. */
static void hidepid(void)
{
	if (geteuid() != 0)
		t_skip("not root");
	mem_setup();
	T_OK(pipe(hp_ready));
	T_OK(pipe(hp_go));
	int code = wait_code(spawn(hidepid_launch));
	if (code == T_SKIP)
		t_skip("no /proc with hidepid=2 here");
	T_EQ(code, 0);
}

/* ---- time namespaces ---- */

static int time_launch(void)
{
	const char *off = "boottime 100000 0\n";
	if (unshare(CLONE_NEWTIME))
		return t_skip_code("unshare a time namespace: %s",
		                   strerror(errno));
	int fd = open("/proc/self/timens_offsets", O_WRONLY);
	int ok = fd >= 0 && write(fd, off, strlen(off)) == (ssize_t)strlen(off);
	if (fd >= 0)
		close(fd);
	if (!ok)
		return t_skip_code("cannot set timens_offsets");
	/* The child is the first process of the new time namespace. */
	return wait_code(spawn(waiter));
}

/*
 * The owner in this time namespace, the waiter in one whose boottime runs
 * 100000 s ahead: the owner's start time read there looks later than the
 * one it recorded, as if its tid had been reused.
 */
static void time_ns(void)
{
	int ready[2], go[2];
	char c;
	mem_setup();
	T_OK(pipe(ready));
	T_OK(pipe(go));
	fflush(NULL);
	pid_t a = fork();
	T_ASSERT(a >= 0);
	if (a == 0)
		owner(ready[1], go[0]);
	T_EQ(read(ready[0], &c, 1), 1);
	int code = wait_code(spawn(time_launch));
	T_EQ(write(go[1], "g", 1), 1);
	int ac = wait_code(a);
	if (code == T_SKIP)
		t_skip("no time namespace here");
	T_EQ(code, 0);
	T_EQ(ac, 0);
}

/* ---- the namespace table: ten entries, claimed by takes, reused ---- */

static long g_offset;         /* boottime offset of the next sandbox */
static int (*g_inside)(void); /* what runs inside it */
static int sb_res[2], sb_end[2];
static pid_t sb_pids[16];
static int sb_n;

/*
 * A sandbox lives until the case ends: a namespace's inode number, and so
 * its key, goes to the next namespace made once it is freed.
 */
static int sandbox_launch(void)
{
	char off[64], x;
	unsigned char c = T_SKIP;
	close(sb_end[1]);
	if (unshare(CLONE_NEWTIME) < 0) {
		t_skip_code("unshare a time namespace: %s", strerror(errno));
	} else {
		int ok = 1;
		if (g_offset) {
			int n = snprintf(off, sizeof off, "boottime %ld 0\n",
			                 g_offset);
			int fd = open("/proc/self/timens_offsets", O_WRONLY);
			ok = fd >= 0 && write(fd, off, (size_t)n) == n;
			if (fd >= 0)
				close(fd);
		}
		if (ok)
			c = (unsigned char)g_inside();
		else
			t_skip_code("cannot set timens_offsets");
	}
	if (write(sb_res[1], &c, 1) != 1)
		return 1;
	/* A skipped sandbox has nothing to keep, and must not hold the
	 * case's pipes open while the case waits on them. */
	if (c == T_SKIP)
		return 0;
	if (read(sb_end[0], &x, 1) < 0)
		return 1;
	return 0;
}

static void sandboxes_begin(void)
{
	mem_setup();
	T_OK(pipe(sb_res));
	T_OK(pipe(sb_end));
	sb_n = 0;
}

/* Starts inside() in the children of a process in a time namespace of its
 * own (so a key of its own), for its result with sandbox_result. */
static void sandbox(int (*inside)(void), long offset)
{
	g_inside = inside;
	g_offset = offset;
	T_ASSERT(sb_n < 16);
	sb_pids[sb_n++] = spawn(sandbox_launch);
}

static int sandbox_result(void)
{
	unsigned char c;
	if (read(sb_res[0], &c, 1) != 1)
		return 1;
	if (c == T_SKIP)
		t_skip("no time namespace here");
	return c;
}

static void sandbox_run(int (*inside)(void))
{
	sandbox(inside, 0);
	T_EQ(sandbox_result(), 0);
}

static void sandboxes_end(void)
{
	close(sb_end[1]);
	for (int i = 0; i < sb_n; i++)
		T_EQ(wait_code(sb_pids[i]), 0);
}

static int do_open_close(void)
{
	shmap_sync *m = attach();
	T_OK(shmap_sync_close(m));
	return 0;
}

static int open_close(void)
{
	return wait_code(spawn(do_open_close));
}

static int do_take_release(void)
{
	shmap_sync *m = attach();
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(m));
	return 0;
}

static int take_release(void)
{
	return wait_code(spawn(do_take_release));
}

static int take_and_exit(void)
{
	shmap_sync *m = attach();
	T_OK(shmap_wait(m, 0));
	_exit(0); /* still the owner */
}

static int expect_abandoned(void)
{
	shmap_sync *m = attach();
	int rc = shmap_wait(m, 3000);
	if (rc != SHMAP_EABANDONED) {
		fprintf(stderr, "waiter: %s, expected the mutex abandoned\n",
		        shmap_strerror(rc));
		return 1;
	}
	T_OK(shmap_mutex_release(m));
	T_OK(shmap_sync_close(m));
	return 0;
}

/* An owner that dies, then a waiter, both in the sandbox's namespaces. */
static int dies_then_waiter(void)
{
	int code = wait_code(spawn(take_and_exit));
	return code ? code : wait_code(spawn(expect_abandoned));
}

/* Eleven sandboxes that only open the mutex claim no entry: a twelfth
 * whose owner dies still has one, and its waiter finds the mutex
 * abandoned. */
static void opens_claim_nothing(void)
{
	sandboxes_begin();
	for (int i = 0; i < 11; i++)
		sandbox_run(open_close);
	sandbox_run(dies_then_waiter);
	sandboxes_end();
}

/* Ten sandboxes took and released the mutex, filling the table: an
 * eleventh reuses an entry no identity names. */
static void full_table_reused(void)
{
	sandboxes_begin();
	for (int i = 0; i < 10; i++)
		sandbox_run(take_release);
	sandbox_run(dies_then_waiter);
	sandboxes_end();
}

/* ---- a process whose entry was reused claims another ---- */

static int ru_ready[2], ru_go[2];

/* Takes and releases (the first entry), waits while the entry is reused,
 * then takes again and dies the owner. */
static int do_reused_owner(void)
{
	shmap_sync *m = attach();
	char c;
	T_OK(shmap_wait(m, 0));
	T_OK(shmap_mutex_release(m));
	T_EQ(write(ru_ready[1], "r", 1), 1);
	if (read(ru_go[0], &c, 1) != 1)
		return 1;
	T_OK(shmap_wait(m, 0));
	_exit(0); /* still the owner */
}

static int reused_owner(void)
{
	int code = wait_code(spawn(do_reused_owner));
	return code ? code : wait_code(spawn(expect_abandoned));
}

/*
 * A handle keeps the index its first take claimed. If a full table gave
 * that entry to another namespace meanwhile, its next take must not name
 * it (a waiter of its own namespace could then never find it dead): it
 * claims an entry again, and after it dies the mutex is found abandoned.
 */
static void reused_entry_claimed_again(void)
{
	char c;
	sandboxes_begin();
	T_OK(pipe(ru_ready));
	T_OK(pipe(ru_go));
	sandbox(reused_owner, 0);
	close(ru_ready[1]);
	if (read(ru_ready[0], &c, 1) != 1)
		T_FAIL("the owner ended before it took the mutex (%d)",
		       sandbox_result());
	for (int i = 0; i < 10; i++)
		sandbox_run(take_release); /* the tenth reuses the first */
	T_EQ(write(ru_go[1], "g", 1), 1);
	T_EQ(sandbox_result(), 0);
	sandboxes_end();
}

/* ---- an entry a live wait-all's lock names is kept ---- */

static int nt_ready[2], nt_go[2];
static shmap_sync_mem *g_ev; /* a set manual-reset event */

static shmap_sync *attach_ev(void)
{
	shmap_sync *e;
	T_OK(shmap_sync_attach(g_ev, &e));
	return e;
}

/* A wait-all on the event alone: claims an entry in its table. */
static int do_wait_all_ev(void)
{
	shmap_sync *e = attach_ev();
	unsigned idx;
	T_OK(shmap_wait_multiple(&e, 1, 1, 0, &idx));
	T_OK(shmap_sync_close(e));
	return 0;
}

static int wait_all_ev(void)
{
	return wait_code(spawn(do_wait_all_ev));
}

/* Inside a wait-all that holds the event locked: wait until told. */
static void hold_locked(void)
{
	char c;
	shmap__waitall_hook = NULL;
	T_EQ(write(nt_ready[1], "l", 1), 1);
	if (read(nt_go[0], &c, 1) != 1)
		_exit(1);
}

/* Claims the first entry, then, told to, locks the event and holds it. */
static int do_lock_holder(void)
{
	shmap_sync *e = attach_ev();
	unsigned idx;
	char c;
	T_OK(shmap_wait_multiple(&e, 1, 1, 0, &idx));
	T_EQ(write(nt_ready[1], "r", 1), 1);
	if (read(nt_go[0], &c, 1) != 1)
		return 1;
	shmap__waitall_hook = hold_locked;
	T_OK(shmap_wait_multiple(&e, 1, 1, 5000, &idx));
	T_OK(shmap_sync_close(e));
	return 0;
}

static int lock_holder(void)
{
	return wait_code(spawn(do_lock_holder));
}

/* The event stays locked by the live holder: a wait-all times out. */
static int do_locked_out(void)
{
	shmap_sync *e = attach_ev();
	unsigned idx;
	int rc = shmap_wait_multiple(&e, 1, 1, 300, &idx);
	if (rc != -ETIMEDOUT) {
		fprintf(stderr, "wait-all: %s, expected a timeout\n",
		        shmap_strerror(rc));
		return 1;
	}
	T_OK(shmap_sync_close(e));
	return 0;
}

static int locked_out(void)
{
	return wait_code(spawn(do_locked_out));
}

/*
 * A live wait-all's entry is never reused while its lock names it: the
 * holder in one sandbox (the first entry) and nine more filling the table,
 * a wait-all in an eleventh sandbox whose boottime runs ahead (so it would
 * find the holder dead through a stolen entry, and free its lock after
 * 100 ms) stays locked out until the holder commits.
 */
static void named_entry_kept(void)
{
	char c;
	sandboxes_begin();
	g_ev = (shmap_sync_mem *)((char *)g_mem + 2048);
	T_OK(shmap_event_init(g_ev, SHMAP_EVENT_MANUAL | SHMAP_EVENT_SET));
	T_OK(pipe(nt_ready));
	T_OK(pipe(nt_go));
	sandbox(lock_holder, 0);
	close(nt_ready[1]);
	if (read(nt_ready[0], &c, 1) != 1)
		T_FAIL("the owner ended before it took the mutex (%d)",
		       sandbox_result());
	for (int i = 0; i < 9; i++)
		sandbox_run(wait_all_ev);
	T_EQ(write(nt_go[1], "t", 1), 1);
	T_EQ(read(nt_ready[0], &c, 1), 1);
	sandbox(locked_out, 100000);
	int code = sandbox_result(); /* the waiter's: the holder's comes */
	T_EQ(write(nt_go[1], "g", 1), 1);
	T_EQ(code, 0);
	T_EQ(sandbox_result(), 0);
	sandboxes_end();
}

int main(void)
{
	t_setup();
	t_run("live owner, /proc of an ancestor PID namespace", foreign_proc,
	      60);
	t_run("live owner of another user, hidepid=2", hidepid, 60);
	t_run("live owner, waiter in another time namespace", time_ns, 60);
	t_run("sandboxes that only open claim no table entry",
	      opens_claim_nothing, 60);
	t_run("a full table reuses an entry nobody names", full_table_reused,
	      60);
	t_run("a handle whose entry was reused claims another",
	      reused_entry_claimed_again, 60);
	t_run("the entry a live wait-all's lock names is kept",
	      named_entry_kept, 60);
	return t_finish();
}
