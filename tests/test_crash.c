/* SPDX-License-Identifier: MIT */
/*
 * Lifetime under kill -9. A holder killed at every step of open, create and
 * close, and holders killed at random points over hundreds of rounds, must
 * leave the name exactly as Windows would: gone when no holder is left (the
 * next create is fresh and zero-filled, nothing is left behind), intact
 * while someone still holds it.
 */
#include <grp.h>
#include <sys/mman.h>

#include "harness.h"

#define NAME "Local\\crash"
#define SIZE 65536
#define MARK "survivor"

static const char *cp_name(int cp)
{
	static const char *n[] = {
		"none",         "create-file",  "create-gate",  "create-excl",
		"create-sized", "create-built", "create-shared", "open-fd",
		"open-gate",    "open-shared",  "close-gate",   "close-excl",
		"close-unlinked", "stale-unlinked", "waitall-locked",
		"mutex-owned",  "waitall-lk",   "event-set",    "chan-asleep",
		"chan-rescue",
	};
	return cp > 0 && cp < SHMAP__CP_COUNT ? n[cp] : "?";
}

/* The name has no live holder: open fails, create is fresh and zeroed. */
static void expect_gone(void)
{
	shmap_map *m;
	unsigned char *v;
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &m), -ENOENT);
	T_OK(shmap_map_create(NAME, SIZE, SHMAP_PROT_READWRITE, NULL, &m));
	T_EQ(shmap_map_existed(m), 0);
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&v));
	for (size_t i = 0; i < SIZE; i++)
		if (v[i])
			T_FAIL("fresh object not zero at %zu", i);
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
	T_EQ(t_count_files(t_dir), 0);
}

/* The name is live with the marker the surviving holder wrote. */
static void expect_live(void)
{
	shmap_map *m;
	char *v;
	T_OK(shmap_map_open(NAME, SHMAP_ACCESS_READ, &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_READ, (void **)&v));
	T_ASSERT(!strcmp(v, MARK));
	T_OK(shmap_view_unmap(v));
	T_OK(shmap_map_close(m));
}

static shmap_map *hold_with_mark(void)
{
	shmap_map *m;
	char *v;
	T_OK(shmap_map_create(NAME, SIZE, SHMAP_PROT_READWRITE, NULL, &m));
	T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&v));
	strcpy(v, MARK);
	T_OK(shmap_view_unmap(v));
	return m;
}

enum op { OP_CREATE, OP_OPEN, OP_CREATE_CLOSE, OP_OPEN_CLOSE };

/* Runs op in a child that SIGKILLs itself at crash point cp. */
static int child_crash(enum op op, int cp)
{
	pid_t pid = fork();
	if (pid == 0) {
		shmap_map *m;
		int rc;
		if (op == OP_CREATE_CLOSE || op == OP_OPEN_CLOSE) {
			rc = op == OP_OPEN_CLOSE
			             ? shmap_map_open(NAME, SHMAP_ACCESS_ALL, &m)
			             : shmap_map_create(NAME, SIZE,
			                                SHMAP_PROT_READWRITE,
			                                NULL, &m);
			if (rc)
				_exit(3);
			shmap__crash_at = cp;
			shmap_map_close(m);
			_exit(0);
		}
		shmap__crash_at = cp;
		rc = op == OP_OPEN ? shmap_map_open(NAME, SHMAP_ACCESS_ALL, &m)
		                   : shmap_map_create(NAME, SIZE,
		                                      SHMAP_PROT_READWRITE, NULL,
		                                      &m);
		_exit(rc == 0 ? 0 : 4);
	}
	int st = t_wait(pid, 20);
	return st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

/* Leaves a leftover: the sole holder is killed after creating. */
static void make_leftover(void)
{
	T_ASSERT(child_crash(OP_CREATE, SHMAP__CP_CREATE_SHARED));
	char path[4096];
	struct stat st;
	t_backing_path(NAME, path, sizeof path);
	T_OK(stat(path, &st)); /* left behind, holding no lock */
}

static void every_step_sole_holder(void)
{
	/* A sole creator killed anywhere in create: no object. */
	for (int cp = SHMAP__CP_CREATE_FILE; cp <= SHMAP__CP_CREATE_SHARED; cp++) {
		if (!child_crash(OP_CREATE, cp))
			T_FAIL("create did not reach %s", cp_name(cp));
		expect_gone();
	}
	/* A sole holder killed anywhere in close: no object. */
	for (int cp = SHMAP__CP_CLOSE_GATE; cp <= SHMAP__CP_CLOSE_UNLINKED; cp++) {
		if (!child_crash(OP_CREATE_CLOSE, cp))
			T_FAIL("close did not reach %s", cp_name(cp));
		expect_gone();
	}
	/* Killed while removing someone else's leftover: still no object. */
	make_leftover();
	if (!child_crash(OP_OPEN, SHMAP__CP_STALE_UNLINKED))
		T_FAIL("open did not reach stale-unlinked");
	expect_gone();
	make_leftover();
	if (!child_crash(OP_CREATE, SHMAP__CP_STALE_UNLINKED))
		T_FAIL("create did not reach stale-unlinked");
	expect_gone();
	/* An opener killed before it holds the name does not revive it. */
	make_leftover();
	for (int cp = SHMAP__CP_OPEN_FD; cp <= SHMAP__CP_OPEN_GATE; cp++) {
		if (!child_crash(OP_OPEN, cp))
			T_FAIL("open did not reach %s", cp_name(cp));
		/* Still a leftover, still invisible. */
	}
	expect_gone();
}

static void every_step_other_holder(void)
{
	shmap_map *keep = hold_with_mark();
	/* Openers, creators and closers killed anywhere leave it intact. */
	for (int cp = SHMAP__CP_OPEN_FD; cp <= SHMAP__CP_OPEN_SHARED; cp++) {
		if (!child_crash(OP_OPEN, cp))
			T_FAIL("open did not reach %s", cp_name(cp));
		expect_live();
	}
	if (!child_crash(OP_CREATE, SHMAP__CP_CREATE_GATE))
		T_FAIL("create of an existing name did not reach create-gate");
	expect_live();
	for (int cp = SHMAP__CP_CLOSE_GATE; cp <= SHMAP__CP_CLOSE_EXCL; cp++) {
		/* close-excl cannot be reached while we hold: it must not be. */
		int reached = child_crash(OP_OPEN_CLOSE, cp);
		if (cp == SHMAP__CP_CLOSE_GATE && !reached)
			T_FAIL("close did not reach close-gate");
		if (cp == SHMAP__CP_CLOSE_EXCL && reached)
			T_FAIL("close won the exclusive probe while we hold");
		expect_live();
	}
	T_OK(shmap_map_close(keep));
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &keep), -ENOENT);
	T_EQ(t_count_files(t_dir), 0);
}

/* A child that creates/opens, writes, closes, as fast as it can, forever. */
static void churn(unsigned seed)
{
	srand(seed);
	for (;;) {
		shmap_map *m;
		char *v;
		int rc = rand() % 2
		                 ? shmap_map_open(NAME, SHMAP_ACCESS_ALL, &m)
		                 : shmap_map_create(NAME, SIZE,
		                                    SHMAP_PROT_READWRITE, NULL,
		                                    &m);
		if (rc == -ENOENT)
			continue;
		if (rc)
			_exit(10);
		if (rand() % 2 && shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE,
		                                  (void **)&v) == 0) {
			v[1000 + rand() % 1000] = 1;
			shmap_view_unmap(v);
		}
		if (shmap_map_close(m))
			_exit(11);
	}
}

static void random_kills(int rounds, int with_holder)
{
	enum { N = 3 };
	unsigned seed = (unsigned)getpid() * 2654435761u;
	for (int r = 0; r < rounds; r++) {
		shmap_map *keep = with_holder ? hold_with_mark() : NULL;
		pid_t kids[N];
		for (int i = 0; i < N; i++) {
			kids[i] = fork();
			if (kids[i] == 0)
				churn(seed + (unsigned)(r * N + i));
		}
		usleep(200 + rand_r(&seed) % 3000);
		for (int i = 0; i < N; i++) {
			kill(kids[i], SIGKILL);
			usleep(rand_r(&seed) % 300);
		}
		for (int i = 0; i < N; i++) {
			int st = t_wait(kids[i], 20);
			if (st == -1 || !WIFSIGNALED(st))
				T_FAIL("round %d: churn child exited %d", r,
				       t_exit_code(st));
		}
		if (keep) {
			expect_live();
			T_OK(shmap_map_close(keep));
		}
		expect_gone();
	}
}

static void random_kills_sole(void)
{
	random_kills(400, 0);
}

static void random_kills_with_holder(void)
{
	random_kills(200, 1);
}

/*
 * Concurrent churn without kills. Two invariants: a process that creates a
 * fresh object finds it zero-filled, its own slot included, though it stamped
 * that slot in every earlier incarnation; and while a process holds the
 * name, opening it again succeeds and reaches the same object.
 */
static void concurrent_churn(void)
{
	enum { N = 4, CYCLES = 4000 };
	pid_t kids[N];
	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			for (int c = 0; c < CYCLES; c++) {
				shmap_map *m, *again;
				volatile uint32_t *v, *w;
				T_OK(shmap_map_create(NAME, SIZE,
				                      SHMAP_PROT_READWRITE, NULL,
				                      &m));
				T_OK(shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE,
				                    (void **)&v));
				if (!shmap_map_existed(m) && v[i * 16] != 0)
					T_FAIL("fresh object holds an old stamp");
				v[i * 16] = (uint32_t)c + 1;
				T_OK(shmap_map_open(NAME, SHMAP_ACCESS_READ, &again));
				T_OK(shmap_view_map(again, 0, 0, SHMAP_ACCESS_READ,
				                    (void **)&w));
				T_EQ(w[i * 16], (uint32_t)c + 1);
				T_OK(shmap_view_unmap((void *)w));
				T_OK(shmap_map_close(again));
				T_OK(shmap_view_unmap((void *)v));
				T_OK(shmap_map_close(m));
			}
			_exit(0);
		}
	}
	for (int i = 0; i < N; i++)
		T_EQ(t_exit_code(t_wait(kids[i], 120)), 0);
	T_EQ(t_count_files(t_dir), 0);
}

/* What a killed last holder left is removed by the sweep and by shmap_gc. */
static void leftovers_swept(void)
{
	make_leftover();
	T_EQ(t_count_files(t_dir), 1);
	T_EQ(shmap_gc(), 1);
	T_EQ(t_count_files(t_dir), 0);
	/* The first object operation in a new process sweeps too. */
	make_leftover();
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {"/proc/self/exe", "--sweep-child", NULL};
		execv("/proc/self/exe", argv);
		_exit(9);
	}
	T_EQ(t_exit_code(t_wait(pid, 20)), 0);
	T_EQ(t_count_files(t_dir), 0);
	/* A live object is never swept. */
	shmap_map *keep = hold_with_mark();
	T_EQ(shmap_gc(), 0);
	expect_live();
	T_OK(shmap_map_close(keep));
}

/* A create killed before it widened the mode umask narrowed: 0400, empty. */
static void make_narrowed(void)
{
	char path[4096];
	struct stat st;
	mode_t old = umask(0277);
	T_ASSERT(child_crash(OP_CREATE, SHMAP__CP_CREATE_FILE));
	umask(old);
	t_backing_path(NAME, path, sizeof path);
	T_OK(stat(path, &st));
	T_EQ(st.st_mode & 07777, 0400);
	T_EQ(st.st_size, 0);
}

static void narrowed_checks(void)
{
	/* The next create repairs it and makes a fresh object, even under
	 * the same umask. */
	make_narrowed();
	mode_t old = umask(0277);
	expect_gone();
	umask(old);
	/* An open finds nothing there. */
	make_narrowed();
	shmap_map *m;
	T_EQ(shmap_map_open(NAME, SHMAP_ACCESS_READ, &m), -ENOENT);
	T_EQ(t_count_files(t_dir), 0);
	/* And gc removes it. */
	make_narrowed();
	T_EQ(shmap_gc(), 1);
	T_EQ(t_count_files(t_dir), 0);
}

/*
 * A narrowed empty leftover of our own never blocks the name: as root
 * (whom the permission bits do not stop, but the mode check does) and as
 * an ordinary user (whom open refuses with EACCES).
 */
static void narrowed_leftover(void)
{
	narrowed_checks();
	if (geteuid() != 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(5);
		narrowed_checks();
		_exit(0);
	}
	T_EQ(t_exit_code(t_wait(pid, 60)), 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--sweep-child")) {
		/* The first object operation, on another name, sweeps. */
		shmap_map *m;
		return shmap_map_open("Local\\unrelated", SHMAP_ACCESS_READ,
		                      &m) == -ENOENT ? 0 : 1;
	}
	t_setup();
	t_run("kill at every step, sole holder", every_step_sole_holder, 60);
	t_run("kill at every step, another holder", every_step_other_holder, 60);
	t_run("random kills x400, no holder left", random_kills_sole, 200);
	t_run("random kills x200, a holder stays", random_kills_with_holder, 200);
	t_run("concurrent churn 4x4000", concurrent_churn, 200);
	t_run("leftovers swept", leftovers_swept, 60);
	t_run("narrowed empty leftover repaired", narrowed_leftover, 60);
	return t_finish();
}
