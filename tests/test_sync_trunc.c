/* SPDX-License-Identifier: MIT */
/*
 * Events, mutexes and semaphores whose backing file another process cut
 * short: every operation returns SHMAP_EINPAGE instead of dying of SIGBUS
 * (set, reset, pulse, waits of every kind, waiters already asleep,
 * wait-all, event_fd, releases), close still works and leaves nothing, and
 * an open of a sync object whose header claims file-mapping data, cut to
 * its header page, is refused as corrupt.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "harness.h"

#define EV "Local\\trunc-ev"
#define EV2 "Local\\trunc-ev2"
#define SEM "Local\\trunc-sem"
#define MX "Local\\trunc-mx"

/* Cuts the backing file of name to its header page (len 0: to nothing). */
static void cut(const char *name, off_t len)
{
	char path[4096];
	t_backing_path(name, path, sizeof path);
	T_OK(truncate(path, len));
}

/* Every later operation on a lost object says so too; close works. */
static void expect_lost(shmap_sync *s, int kind)
{
	unsigned idx;
	int fd;
	T_EQ(shmap_wait(s, 0), SHMAP_EINPAGE);
	T_EQ(shmap_wait(s, 10), SHMAP_EINPAGE);
	T_EQ(shmap_wait_multiple(&s, 1, 0, 10, &idx), SHMAP_EINPAGE);
	T_EQ(shmap_wait_multiple(&s, 1, 1, 10, &idx), SHMAP_EINPAGE);
	if (kind == SHMAP_TYPE_EVENT) {
		T_EQ(shmap_event_set(s), SHMAP_EINPAGE);
		T_EQ(shmap_event_reset(s), SHMAP_EINPAGE);
		T_EQ(shmap_event_pulse(s), SHMAP_EINPAGE);
		T_EQ(shmap_event_fd(s, &fd), SHMAP_EINPAGE);
	} else if (kind == SHMAP_TYPE_MUTEX) {
		T_EQ(shmap_mutex_release(s), SHMAP_EINPAGE);
	} else {
		T_EQ(shmap_sem_release(s, 1, NULL), SHMAP_EINPAGE);
	}
	T_OK(shmap_sync_close(s));
}

enum op {
	OP_SET, OP_RESET, OP_PULSE, OP_WAIT_EV, OP_EVENT_FD, OP_WAIT_SEM,
	OP_SEM_RELEASE, OP_WAIT_MX, OP_MX_RELEASE, OP_WAIT_ANY, OP_WAIT_ALL,
	OP_N
};

/* One operation on one object cut short under it. */
static void one_op(enum op op)
{
	shmap_sync *s, *o[3];
	unsigned idx = 99;
	int fd, kind = SHMAP_TYPE_EVENT;
	if (op == OP_WAIT_SEM || op == OP_SEM_RELEASE) {
		kind = SHMAP_TYPE_SEMAPHORE;
		T_OK(shmap_sem_create(SEM, 0, 5, NULL, &s));
		cut(SEM, SHMAP__HDR_SIZE);
	} else if (op == OP_WAIT_MX || op == OP_MX_RELEASE) {
		kind = SHMAP_TYPE_MUTEX;
		T_OK(shmap_mutex_create(MX, op == OP_MX_RELEASE, NULL, &s));
		cut(MX, 0);
	} else if (op == OP_WAIT_ANY || op == OP_WAIT_ALL) {
		/* o[1] is cut; o[0] and o[2] are fine and signalled. */
		T_OK(shmap_event_create(EV, SHMAP_EVENT_SET, NULL, &o[0]));
		T_OK(shmap_mutex_create(MX, 0, NULL, &o[1]));
		T_OK(shmap_sem_create(SEM, 1, 5, NULL, &o[2]));
		cut(MX, SHMAP__HDR_SIZE);
		if (op == OP_WAIT_ANY) {
			/* The lowest signalled index is fine: taken. */
			T_OK(shmap_wait_multiple(o, 3, 0, 100, &idx));
			T_EQ(idx, 0);
			T_EQ(shmap_wait_multiple(o + 1, 1, 0, 100, &idx),
			     SHMAP_EINPAGE);
			shmap_sync *lo[2] = {o[1], o[0]};
			T_EQ(shmap_wait_multiple(lo, 2, 0, 100, &idx),
			     SHMAP_EINPAGE);
			T_OK(shmap_event_set(o[0]));
		} else {
			/* Takes nothing when one is lost. */
			T_EQ(shmap_wait_multiple(o, 3, 1, 100, &idx),
			     SHMAP_EINPAGE);
		}
		T_OK(shmap_wait(o[0], 0));
		T_OK(shmap_wait(o[2], 0));
		T_OK(shmap_sync_close(o[0]));
		T_OK(shmap_sync_close(o[2]));
		expect_lost(o[1], SHMAP_TYPE_MUTEX);
		return;
	} else {
		T_OK(shmap_event_create(EV, op == OP_RESET ? SHMAP_EVENT_SET : 0,
		                        NULL, &s));
		cut(EV, op == OP_SET ? 0 : SHMAP__HDR_SIZE);
	}
	switch (op) {
	case OP_SET:
		T_EQ(shmap_event_set(s), SHMAP_EINPAGE);
		break;
	case OP_RESET:
		T_EQ(shmap_event_reset(s), SHMAP_EINPAGE);
		break;
	case OP_PULSE:
		T_EQ(shmap_event_pulse(s), SHMAP_EINPAGE);
		break;
	case OP_EVENT_FD:
		T_EQ(shmap_event_fd(s, &fd), SHMAP_EINPAGE);
		break;
	case OP_SEM_RELEASE:
		T_EQ(shmap_sem_release(s, 1, NULL), SHMAP_EINPAGE);
		break;
	case OP_MX_RELEASE:
		T_EQ(shmap_mutex_release(s), SHMAP_EINPAGE);
		break;
	default:
		T_EQ(shmap_wait(s, 50), SHMAP_EINPAGE);
		break;
	}
	expect_lost(s, kind);
}

static void op_set(void) { one_op(OP_SET); }
static void op_reset(void) { one_op(OP_RESET); }
static void op_pulse(void) { one_op(OP_PULSE); }
static void op_wait_ev(void) { one_op(OP_WAIT_EV); }
static void op_event_fd(void) { one_op(OP_EVENT_FD); }
static void op_wait_sem(void) { one_op(OP_WAIT_SEM); }
static void op_sem_release(void) { one_op(OP_SEM_RELEASE); }
static void op_wait_mx(void) { one_op(OP_WAIT_MX); }
static void op_mx_release(void) { one_op(OP_MX_RELEASE); }
static void op_wait_any(void) { one_op(OP_WAIT_ANY); }
static void op_wait_all(void) { one_op(OP_WAIT_ALL); }

/* A listener's descriptor exists; then the event is cut and set. */
static void event_fd_then_cut(void)
{
	shmap_sync *e;
	int fd;
	T_OK(shmap_event_create(EV, 0, NULL, &e));
	T_OK(shmap_event_fd(e, &fd));
	cut(EV, 0);
	T_EQ(shmap_event_set(e), SHMAP_EINPAGE);
	T_EQ(shmap_event_fd(e, &fd), SHMAP_EINPAGE);
	expect_lost(e, SHMAP_TYPE_EVENT);
}

/* ---- waiters already asleep when the file is cut ---- */

struct sleeper {
	const char *name;
	int kind;
	int how; /* 0 single wait, 1 wait-any, 2 wait-all */
	atomic_int rc;
	atomic_int started;
	double t;
};

static void *sleeper_thread(void *arg)
{
	struct sleeper *w = arg;
	shmap_sync *s, *o[2];
	unsigned idx;
	int rc;
	if (w->kind == SHMAP_TYPE_EVENT)
		rc = shmap_event_open(w->name, 0, &s);
	else if (w->kind == SHMAP_TYPE_MUTEX)
		rc = shmap_mutex_open(w->name, 0, &s);
	else
		rc = shmap_sem_open(w->name, 0, &s);
	T_OK(rc);
	T_OK(shmap_event_open(EV2, 0, &o[1]));
	o[0] = s;
	atomic_store(&w->started, 1);
	if (w->how == 0)
		rc = shmap_wait(s, SHMAP_INFINITE);
	else
		rc = shmap_wait_multiple(o, 2, w->how == 2, SHMAP_INFINITE,
		                         &idx);
	w->t = t_now();
	atomic_store(&w->rc, rc);
	T_OK(shmap_sync_close(o[1]));
	shmap_sync_close(s);
	return NULL;
}

static int to_parent, from_parent;

/* Waiters of every kind, in threads of this process and in another
 * process, asleep on objects when their files are cut: all wake with
 * SHMAP_EINPAGE within the bound of one sleep (a second). */
static void asleep_child(int arg)
{
	static const char *names[3] = {EV, SEM, MX};
	static const int kinds[3] = {SHMAP_TYPE_EVENT, SHMAP_TYPE_SEMAPHORE,
	                             SHMAP_TYPE_MUTEX};
	struct sleeper w[9];
	pthread_t th[9];
	(void)arg;
	for (int i = 0; i < 9; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].name = names[i % 3];
		w[i].kind = kinds[i % 3];
		w[i].how = i / 3;
		atomic_store(&w[i].rc, 1);
		T_OK(pthread_create(&th[i], NULL, sleeper_thread, &w[i]));
	}
	for (int i = 0; i < 9; i++)
		while (!atomic_load(&w[i].started))
			usleep(1000);
	usleep(300000); /* all asleep */
	for (int i = 0; i < 9; i++)
		T_EQ(atomic_load(&w[i].rc), 1);
	/* The parent cuts the files now and tells us the time. */
	T_EQ(write(to_parent, "x", 1), 1);
	double cut_at;
	T_EQ(read(from_parent, &cut_at, sizeof cut_at), (ssize_t)sizeof cut_at);
	for (int i = 0; i < 9; i++) {
		T_OK(pthread_join(th[i], NULL));
		if (atomic_load(&w[i].rc) != SHMAP_EINPAGE)
			T_FAIL("waiter %d (kind %d, how %d): %d", i, w[i].kind,
			       w[i].how, atomic_load(&w[i].rc));
		if (w[i].t - cut_at > 2.5)
			T_FAIL("waiter %d noticed after %.2f s", i,
			       w[i].t - cut_at);
	}
}

static void asleep_waiters(void)
{
	shmap_sync *e, *s, *m, *e2;
	int a[2], b[2];
	T_OK(shmap_event_create(EV, 0, NULL, &e));
	T_OK(shmap_event_create(EV2, SHMAP_EVENT_MANUAL, NULL, &e2));
	T_OK(shmap_sem_create(SEM, 0, 5, NULL, &s));
	T_OK(shmap_mutex_create(MX, 1, NULL, &m));
	T_OK(pipe(a));
	T_OK(pipe(b));
	to_parent = a[1];
	from_parent = b[0];
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		asleep_child(0);
		exit(0);
	}
	char c;
	T_EQ(read(a[0], &c, 1), 1);
	double now = t_now();
	cut(EV, SHMAP__HDR_SIZE);
	cut(SEM, 0);
	cut(MX, SHMAP__HDR_SIZE);
	T_EQ(write(b[1], &now, sizeof now), (ssize_t)sizeof now);
	T_EQ(t_exit_code(t_wait(pid, 30)), 0);
	/* EV2 was never cut: still usable. */
	T_OK(shmap_event_set(e2));
	T_OK(shmap_wait(e2, 0));
	T_OK(shmap_sync_close(e2));
	T_EQ(shmap_mutex_release(m), SHMAP_EINPAGE);
	/* Two lost blocks read alike: still lost, not "one object twice". */
	shmap_sync *two[2] = {e, s};
	unsigned idx;
	T_EQ(shmap_wait_multiple(two, 2, 1, 10, &idx), SHMAP_EINPAGE);
	expect_lost(e, SHMAP_TYPE_EVENT);
	expect_lost(s, SHMAP_TYPE_SEMAPHORE);
	expect_lost(m, SHMAP_TYPE_MUTEX);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]);
}

/* ---- open ---- */

/* A sync header claiming its data lives in an external file, cut to the
 * header page: open refuses it as corrupt instead of mapping past the end. */
static void open_file_flag_cut(void)
{
	for (int k = 0; k < 3; k++) {
		shmap_sync *s, *o;
		struct shmap__hdr h;
		char path[4096];
		int rc;
		if (k == 0)
			rc = shmap_event_create(EV, 0, NULL, &s);
		else if (k == 1)
			rc = shmap_sem_create(EV, 0, 5, NULL, &s);
		else
			rc = shmap_mutex_create(EV, 0, NULL, &s);
		T_OK(rc);
		t_backing_path(EV, path, sizeof path);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		T_ASSERT(fd >= 0);
		T_EQ(pread(fd, &h, sizeof h, 0), (ssize_t)sizeof h);
		h.flags |= SHMAP__HF_FILE;
		T_EQ(pwrite(fd, &h, sizeof h, 0), (ssize_t)sizeof h);
		T_OK(ftruncate(fd, (off_t)h.data_offset));
		close(fd);
		if (k == 0)
			rc = shmap_event_open(EV, 0, &o);
		else if (k == 1)
			rc = shmap_sem_open(EV, 0, &o);
		else
			rc = shmap_mutex_open(EV, 0, &o);
		T_EQ(rc, SHMAP_EBADOBJ);
		/* The flag alone, with the data still there, is refused too. */
		fd = open(path, O_RDWR | O_CLOEXEC);
		T_ASSERT(fd >= 0);
		T_OK(ftruncate(fd, (off_t)(h.data_offset + h.size)));
		close(fd);
		if (k == 0)
			rc = shmap_event_open(EV, 0, &o);
		else if (k == 1)
			rc = shmap_sem_open(EV, 0, &o);
		else
			rc = shmap_mutex_open(EV, 0, &o);
		T_EQ(rc, SHMAP_EBADOBJ);
		T_OK(shmap_sync_close(s));
	}
}

/* A SIGBUS that is not about a sync block still reaches the program. */
static void other_sigbus_untouched(void)
{
	shmap_sync *e;
	T_OK(shmap_event_create(EV, 0, NULL, &e));
	cut(EV, 0);
	T_EQ(shmap_event_set(e), SHMAP_EINPAGE);
	T_OK(shmap_sync_close(e));
	char path[] = "/tmp/shmap-trunc-XXXXXX";
	int fd = mkstemp(path);
	T_ASSERT(fd >= 0);
	unlink(path);
	T_OK(ftruncate(fd, 4096));
	volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	T_ASSERT(p != MAP_FAILED);
	T_OK(ftruncate(fd, 0));
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		(void)p[0];
		_exit(0);
	}
	/* Killed by SIGBUS; or, under a sanitizer whose handler came
	 * first, reported by it: anything but carrying on. */
	int st = t_wait(pid, 10);
	T_ASSERT(st != -1 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0));
	close(fd);
}

/* ---- the handler installed before shmap's gets what it should ---- */

static volatile char *g_foreign; /* a page of a file cut to nothing */

/* Maps a page of a private file, then cuts the file: touching it faults. */
static void foreign_page(void)
{
	char path[] = "/tmp/shmap-trunc-XXXXXX";
	int fd = mkstemp(path);
	T_ASSERT(fd >= 0);
	unlink(path);
	T_OK(ftruncate(fd, 4096));
	g_foreign = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	T_ASSERT(g_foreign != MAP_FAILED);
	T_OK(ftruncate(fd, 0));
	close(fd);
}

static void prev_info(int sig, siginfo_t *si, void *uc)
{
	_exit(sig == SIGBUS && si->si_code > 0 && uc &&
	                      si->si_addr == (void *)g_foreign
	              ? 42
	              : 43);
}

static void prev_plain(int sig)
{
	_exit(sig == SIGBUS ? 44 : 45);
}

/* Installs prev as SIGBUS's handler (flags as given), then makes a sync
 * handle, which installs shmap's in front of it. */
static void install_prev(void (*handler)(int), void (*action)(int,
                         siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	shmap_sync *e;
	memset(&sa, 0, sizeof sa);
	if (action)
		sa.sa_sigaction = action;
	else
		sa.sa_handler = handler;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	T_OK(sigaction(SIGBUS, &sa, NULL));
	T_OK(shmap_event_create(NULL, 0, NULL, &e));
	foreign_page();
}

static void chain_info(void)
{
	install_prev(NULL, prev_info, SA_SIGINFO);
	(void)g_foreign[0];
	_exit(3);
}

static void chain_plain(void)
{
	install_prev(prev_plain, NULL, 0);
	(void)g_foreign[0];
	_exit(3);
}

/* SIG_DFL, the flags saying SA_SIGINFO: the default, not a call to 0. */
static void chain_dfl_siginfo(void)
{
	install_prev(SIG_DFL, NULL, SA_SIGINFO);
	(void)g_foreign[0];
	_exit(3);
}

/* SIG_IGN: a sent SIGBUS is ignored; a fault still ends the process. */
static void chain_ign(int flags)
{
	install_prev(SIG_IGN, NULL, flags);
	kill(getpid(), SIGBUS);
	(void)g_foreign[0];
	_exit(3);
}

static void chain_ign_plain(void) { chain_ign(0); }
static void chain_ign_siginfo(void) { chain_ign(SA_SIGINFO); }

/* Runs fn in a child; returns its exit code, or 1000 + its signal. */
static int outcome(void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	int st = t_wait(pid, 10);
	T_ASSERT(st != -1);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

static void chained_handlers(void)
{
	T_EQ(outcome(chain_info), 42);
	T_EQ(outcome(chain_plain), 44);
	T_EQ(outcome(chain_dfl_siginfo), 1000 + SIGBUS);
	T_EQ(outcome(chain_ign_plain), 1000 + SIGBUS);
	T_EQ(outcome(chain_ign_siginfo), 1000 + SIGBUS);
}

static void cut_ev2(void)
{
	cut(EV2, SHMAP__HDR_SIZE);
}

/*
 * A block cut after a wait-all checked every block, while it commits: the
 * wait took the objects and says so; the next operation on the cut one
 * reports the loss, the others are held as taken.
 */
static void wait_all_cut_at_commit(void)
{
	shmap_sync *o[3];
	unsigned idx = 99;
	T_OK(shmap_event_create(EV, SHMAP_EVENT_SET, NULL, &o[0]));
	T_OK(shmap_event_create(EV2, SHMAP_EVENT_SET, NULL, &o[1]));
	T_OK(shmap_mutex_create(MX, 0, NULL, &o[2]));
	shmap__waitall_hook = cut_ev2;
	T_OK(shmap_wait_multiple(o, 3, 1, 100, &idx));
	shmap__waitall_hook = NULL;
	T_EQ(idx, 0);
	T_EQ(shmap_wait(o[0], 0), -ETIMEDOUT); /* the auto-reset one taken */
	T_OK(shmap_mutex_release(o[2]));       /* ours */
	T_OK(shmap_sync_close(o[0]));
	T_OK(shmap_sync_close(o[2]));
	expect_lost(o[1], SHMAP_TYPE_EVENT);
}

int main(void)
{
	t_setup();
	t_run("set on a cut event", op_set, 20);
	t_run("reset on a cut event", op_reset, 20);
	t_run("pulse on a cut event", op_pulse, 20);
	t_run("wait on a cut event", op_wait_ev, 20);
	t_run("event_fd on a cut event", op_event_fd, 20);
	t_run("event_fd, then cut, then set", event_fd_then_cut, 20);
	t_run("wait on a cut semaphore", op_wait_sem, 20);
	t_run("release of a cut semaphore", op_sem_release, 20);
	t_run("wait on a cut mutex", op_wait_mx, 20);
	t_run("release of a cut mutex", op_mx_release, 20);
	t_run("wait-any with one object cut", op_wait_any, 20);
	t_run("wait-all with one object cut takes nothing", op_wait_all, 20);
	t_run("wait-all with an object cut while it commits",
	      wait_all_cut_at_commit, 20);
	t_run("waiters asleep when the files are cut", asleep_waiters, 40);
	t_run("open of a cut header claiming file data", open_file_flag_cut,
	      20);
	t_run("the handler installed before gets every other SIGBUS",
	      chained_handlers, 30);
	t_run("other SIGBUS still reaches the program", other_sigbus_untouched,
	      20);
	return t_finish();
}
