/* SPDX-License-Identifier: MIT */
/* CreateProcess and the process calls. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "w32.h"
#include "wtf8.h"

extern char **environ;

DWORD WINAPI GetCurrentProcessId(void)
{
	return (DWORD)getpid();
}

HANDLE WINAPI GetCurrentProcess(void)
{
	return (HANDLE)(LONG_PTR)-1; /* the pseudo handle, as on Windows */
}

static struct w32_obj *g_self;
static pthread_once_t g_self_once = PTHREAD_ONCE_INIT;

static void self_init(void)
{
	struct w32_obj *p = calloc(1, sizeof *p);
	if (!p)
		return;
	p->type = W32_PROCESS;
	p->self = 1;
	p->refs = 1; /* its own: it is never freed */
	p->pid = getpid();
	/* A pidfd of a running process is not readable: waits on it sleep
	 * until their timeout instead of polling. */
	p->fd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (p->fd >= 0)
		(void)fcntl(p->fd, F_SETFD, FD_CLOEXEC);
	g_self = p;
}

struct w32_obj *w32_process_self(void)
{
	pthread_once(&g_self_once, self_init);
	if (!g_self) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	w32_hold(g_self);
	return g_self;
}

void WINAPI ExitProcess(UINT code)
{
	exit((int)code);
}

/*
 * Splits a command line as the Microsoft C runtime (2008 and later) makes
 * argv for main: the program name ends at the first whitespace, or is
 * everything between the first pair of quotes, backslashes literal; then
 * whitespace separates arguments, double quotes group, 2n backslashes before
 * a quote give n backslashes and a quote that toggles, 2n+1 give n and a
 * literal quote, other backslashes are literal, and "" inside quotes is a
 * literal quote that stays inside.
 */
static char **split_cmdline(const char *cmd, int *argc)
{
	size_t len = strlen(cmd);
	char **argv = calloc(len / 2 + 2, sizeof *argv);
	char *buf = malloc(len + 1);
	int n = 0;
	if (!argv || !buf) {
		free(argv);
		free(buf);
		return NULL;
	}
	const char *p = cmd;
	char *o = buf;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p) {
		/* The program name: its own rule. */
		argv[n++] = o;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				*o++ = *p;
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ' ' && *p != '\t')
				*o++ = *p++;
		}
		*o++ = 0;
	}
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		argv[n++] = o;
		int quoted = 0;
		while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
			if (*p == '\\') {
				size_t bs = 0;
				while (*p == '\\') {
					bs++;
					p++;
				}
				if (*p == '"') {
					for (size_t k = 0; k < bs / 2; k++)
						*o++ = '\\';
					if (bs % 2) {
						*o++ = '"';
						p++;
					}
				} else {
					for (size_t k = 0; k < bs; k++)
						*o++ = '\\';
				}
			} else if (*p == '"') {
				if (quoted && p[1] == '"') {
					*o++ = '"';
					p += 2;
				} else {
					quoted = !quoted;
					p++;
				}
			} else {
				*o++ = *p++;
			}
		}
		*o++ = 0;
	}
	argv[n] = NULL;
	*argc = n;
	if (n == 0)
		free(buf);
	return argv;
}

struct inherit_ctx {
	char *env; /* "SHMAP_WIN32_HANDLES=..." */
	size_t len, cap;
	int fds[W32_INHERIT_MAX];
	int nfds;
	int failed;
};

static void add_entry(struct inherit_ctx *c, const char *e)
{
	size_t n = strlen(e);
	if (c->len + n + 2 > c->cap) {
		size_t cap = (c->cap + n + 2) * 2;
		char *s = realloc(c->env, cap);
		if (!s) {
			c->failed = 1;
			return;
		}
		c->env = s;
		c->cap = cap;
	}
	if (c->len > strlen("SHMAP_WIN32_HANDLES="))
		c->env[c->len++] = ',';
	memcpy(c->env + c->len, e, n + 1);
	c->len += n;
}

/* For each inheritable handle: a descriptor holding its object for the
 * child, close-on-exec so no other child (another thread's spawn) gets it;
 * the spawn opens it to this child alone. And an entry naming handle,
 * kind and fd. */
static void prepare_one(HANDLE h, struct w32_obj *o, DWORD access, void *arg)
{
	struct inherit_ctx *c = arg;
	char e[128];
	int fd = -1, unnamed = 0;
	char kind = 0;
	if (c->nfds >= (int)(sizeof c->fds / sizeof c->fds[0])) {
		c->failed = 1; /* never drop an inheritable handle silently */
		return;
	}
	switch (o->type) {
	case W32_MAPPING:
		if (shmap__map_hold(o->map, 1, &fd, &unnamed) == 0)
			kind = unnamed ? 'F' : 'M';
		break;
	case W32_EVENT:
	case W32_MUTEX:
	case W32_SEMAPHORE:
		if (shmap__sync_hold(o->sync, 1, &fd) == 0)
			kind = o->type == W32_EVENT   ? 'E'
			       : o->type == W32_MUTEX ? 'X'
			                              : 'S';
		break;
	case W32_FILE: {
		/* Only regular files can be adopted; a pipe reaches a child
		 * as a standard handle (STARTF_USESTDHANDLES) and must not be
		 * held open anywhere else, or its reader never sees the end. */
		struct stat fst;
		if (fstat(o->fd, &fst) < 0 || !S_ISREG(fst.st_mode))
			return;
		fd = fcntl(o->fd, F_DUPFD_CLOEXEC, 3);
		kind = fd >= 0 ? 'D' : 0;
		break;
	}
	default:
		return; /* process handles do not cross */
	}
	if (!kind)
		return;
	if (fd < 3) {
		/* Holds are never 0, 1 or 2, which a child's own use. */
		int hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		if (hi < 0) {
			c->failed = 1;
			return;
		}
		fd = hi;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		c->failed = 1;
		return;
	}
	c->fds[c->nfds++] = fd;
	/* The format shmap__w32_adopt_handles reads: the device and inode
	 * let the child check the descriptor is the one meant. */
	int n = snprintf(e, sizeof e, "%lu:%c:%d:%lu:%llu:%llu",
	                 (unsigned long)(uintptr_t)h, kind, fd,
	                 (unsigned long)access, (unsigned long long)st.st_dev,
	                 (unsigned long long)st.st_ino);
	if (kind == 'F')
		snprintf(e + n, sizeof e - (size_t)n, ":%llu:%u",
		         (unsigned long long)o->size, o->prot);
	add_entry(c, e);
}

/* The environment for the child: ours or lpEnvironment, plus handles. */
static char **child_env(const char *block, const char *handles)
{
	size_t n = 0;
	if (block)
		for (const char *p = block; *p; p += strlen(p) + 1)
			n++;
	else
		while (environ[n])
			n++;
	char **env = calloc(n + 2, sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0;
	if (block) {
		for (const char *p = block; *p; p += strlen(p) + 1)
			if (strncmp(p, "SHMAP_WIN32_HANDLES=", 20))
				env[k++] = (char *)p;
	} else {
		for (size_t i = 0; i < n; i++)
			if (strncmp(environ[i], "SHMAP_WIN32_HANDLES=", 20))
				env[k++] = environ[i];
	}
	if (handles)
		env[k++] = (char *)handles;
	env[k] = NULL;
	return env;
}

static int spawn_error(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return -ENOENT;
	case EACCES:
	case EPERM:
		return -EACCES;
	case ENOEXEC:
		return -ENOEXEC;
	default:
		return -e;
	}
}

/* Whether a file exists at path (any type but a directory). */
static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* Whether name (its last component) ends in ".exe", any case. */
static int has_exe(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcasecmp(name + n - 4, ".exe") == 0 &&
	       name[n - 5] != '/';
}

/* Whether name's last component has an extension. */
static int has_ext(const char *name)
{
	const char *b = strrchr(name, '/');
	return strchr(b ? b + 1 : name, '.') != NULL;
}

/*
 * The file to run for name in dir (dir NULL: name as it stands, relative
 * to this process's current directory), or NULL if there is none. Linux
 * programs have no ".exe": "x.exe" that does not exist is tried as "x";
 * and as Windows appends ".exe" to a command line's program without an
 * extension (add_exe), "x" that does not exist is tried as "x.exe".
 */
static char *try_dir(const char *dir, const char *name, int add_exe)
{
	char cwd[4096];
	if (!dir && name[0] != '/') {
		/* Absolute, so lpCurrentDirectory (the child's chdir) cannot
		 * change which file a relative name means: Windows resolves
		 * it in the parent's current directory. */
		if (getcwd(cwd, sizeof cwd))
			dir = cwd;
	}
	size_t dl = dir ? strlen(dir) : 0, nl = strlen(name);
	char *p = malloc(dl + 1 + nl + 5);
	if (!p)
		return NULL;
	if (dir)
		memcpy(p, dir, dl);
	if (dir)
		p[dl++] = '/';
	memcpy(p + dl, name, nl + 1);
	if (exists(p))
		return p;
	if (has_exe(name)) {
		p[dl + nl - 4] = 0;
		if (exists(p))
			return p;
	} else if (add_exe && !has_ext(name)) {
		memcpy(p + dl + nl, ".exe", 5);
		if (exists(p))
			return p;
	}
	free(p);
	return NULL;
}

/*
 * The file CreateProcess runs, or NULL (not found). An application name,
 * or a command line's program with a '/', is a path: no search. A command
 * line's bare program name is searched as Windows does: the directory of
 * this program's executable, the current directory, then PATH (Windows'
 * system directories in between have no Linux counterpart; /usr/bin and
 * /bin come through PATH).
 */
static char *find_program(const char *name, int from_cmdline)
{
	if (!from_cmdline || strchr(name, '/'))
		return try_dir(NULL, name, from_cmdline);
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			char *p = try_dir(slash == self ? "/" : self, name, 1);
			if (p)
				return p;
		}
	}
	char *p = try_dir(NULL, name, 1);
	if (p)
		return p;
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	char dir[4096];
	for (const char *s = path;;) {
		const char *e = strchrnul(s, ':');
		size_t len = (size_t)(e - s);
		if (len && len < sizeof dir) {
			memcpy(dir, s, len);
			dir[len] = 0;
			if ((p = try_dir(dir, name, 1)))
				return p;
		}
		if (!*e)
			return NULL;
		s = e + 1;
	}
}

static BOOL create_process(const char *app, const char *cmdline,
                           BOOL inherit, const char *envblock,
                           const char *cwd, LPSTARTUPINFOA si,
                           LPPROCESS_INFORMATION pi)
{
	int argc = 0;
	char **argv = NULL;
	char *prog = NULL;
	int rc = 0;
	if (!pi || (!app && !cmdline)) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	argv = split_cmdline(cmdline ? cmdline : app, &argc);
	if (!argv) {
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return FALSE;
	}
	if (argc == 0 && !app) {
		free(argv);
		w32_set_error(ERROR_FILE_NOT_FOUND);
		return FALSE;
	}
	/* An application name with an empty command line: Windows starts it
	 * with an empty command line; a Linux program gets its name as argv[0]. */
	char *name = w32_path(app ? app : argv[0]);
	if (argc == 0) {
		free(argv);
		argv = calloc(2, sizeof *argv);
		if (argv && name && !(argv[0] = strdup(name))) {
			free(argv);
			argv = NULL;
		}
		if (!argv || !name) {
			free(argv);
			free(name);
			w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
			return FALSE;
		}
		argc = 1;
	}
	if (name) {
		prog = find_program(name, !app);
		if (!prog)
			rc = -ENOENT;
	}
	struct inherit_ctx ctx = {0};
	ctx.env = strdup("SHMAP_WIN32_HANDLES=");
	ctx.len = ctx.env ? strlen(ctx.env) : 0;
	ctx.cap = ctx.len + 1;
	if (inherit && ctx.env)
		w32_each_inheritable(prepare_one, &ctx);
	char **env = child_env(envblock, inherit && ctx.nfds ? ctx.env : NULL);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (cwd)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	/* dup2 onto itself clears close-on-exec in the child only. */
	for (int i = 0; i < ctx.nfds; i++)
		posix_spawn_file_actions_adddup2(&fa, ctx.fds[i], ctx.fds[i]);
	struct w32_obj *std_obj[3] = {NULL, NULL, NULL};
	if (si && (si->dwFlags & STARTF_USESTDHANDLES)) {
		HANDLE std[3] = {si->hStdInput, si->hStdOutput, si->hStdError};
		for (int i = 0; i < 3; i++) {
			/* Held until the spawn is done with the descriptor. */
			std_obj[i] = w32_get(std[i], W32_FILE, NULL);
			if (std_obj[i])
				posix_spawn_file_actions_adddup2(
				        &fa, std_obj[i]->fd, i);
		}
	}
	pid_t pid = -1;
	if (rc)
		;
	else if (!name || !env || ctx.failed)
		rc = -ENOMEM;
	else
		rc = spawn_error(posix_spawn(&pid, prog, &fa, NULL, argv, env));
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 3; i++)
		if (std_obj[i])
			w32_put(std_obj[i]);
	/* The child has its own copies of the holds now. */
	for (int i = 0; i < ctx.nfds; i++)
		close(ctx.fds[i]);
	free(ctx.env);
	free(env);
	free(prog);
	free(name);
	if (argc)
		free(argv[0]);
	free(argv);
	if (rc) {
		w32_error(rc);
		return FALSE;
	}
	struct w32_obj *p = w32_obj_new(W32_PROCESS);
	/* A pidfd to sleep on; without one (Linux before 5.3), waits poll
	 * the process every millisecond. */
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	HANDLE hp = NULL, ht = NULL;
	if (p) {
		p->pid = pid;
		p->fd = pfd;
		hp = w32_handle_new(p, PROCESS_ALL_ACCESS, 0);
	}
	/* The thread handle stands for the main thread: the same process
	 * object, so either handle sees it end and reaps it once. */
	if (hp)
		ht = w32_handle_new(p, PROCESS_ALL_ACCESS, 0);
	if (!hp || !ht) {
		if (hp) {
			CloseHandle(hp);
		} else {
			if (pfd >= 0)
				close(pfd);
			free(p);
		}
		/* Out of memory after the start: do not leave the child
		 * running unseen. */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
		return FALSE;
	}
	pi->hProcess = hp;
	pi->hThread = ht;
	pi->dwProcessId = (DWORD)pid;
	pi->dwThreadId = (DWORD)pid;
	w32_set_error(ERROR_SUCCESS);
	return TRUE;
}

BOOL WINAPI CreateProcessA(LPCSTR app, LPSTR cmdline,
                           LPSECURITY_ATTRIBUTES psa, LPSECURITY_ATTRIBUTES tsa,
                           BOOL inherit, DWORD flags, LPVOID env, LPCSTR cwd,
                           LPSTARTUPINFOA si, LPPROCESS_INFORMATION pi)
{
	(void)psa;
	(void)tsa;
	if (flags & CREATE_UNICODE_ENVIRONMENT) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	return create_process(app, cmdline, inherit, env, cwd, si, pi);
}

/* A UTF-32 environment block to a UTF-8 one. */
static char *narrow_block(const wchar_t *b)
{
	size_t total = 0;
	for (const wchar_t *p = b; *p; p += wcslen(p) + 1)
		total += wcslen(p) * SHMAP__WTF8_MAX + 1;
	char *out = malloc(total + 1), *o = out;
	if (!out)
		return NULL;
	for (const wchar_t *p = b; *p; p += wcslen(p) + 1) {
		char *s = w32_narrow(p);
		if (!s) {
			free(out);
			return NULL;
		}
		size_t n = strlen(s) + 1;
		memcpy(o, s, n);
		o += n;
		free(s);
	}
	*o = 0;
	return out;
}

BOOL WINAPI CreateProcessW(LPCWSTR app, LPWSTR cmdline,
                           LPSECURITY_ATTRIBUTES psa, LPSECURITY_ATTRIBUTES tsa,
                           BOOL inherit, DWORD flags, LPVOID env, LPCWSTR cwd,
                           LPSTARTUPINFOW si, LPPROCESS_INFORMATION pi)
{
	(void)psa;
	(void)tsa;
	char *a = app ? w32_narrow(app) : NULL;
	char *c = cmdline ? w32_narrow(cmdline) : NULL;
	char *d = cwd ? w32_narrow(cwd) : NULL;
	char *e = NULL;
	if (env)
		e = (flags & CREATE_UNICODE_ENVIRONMENT)
		            ? narrow_block(env)
		            : NULL;
	STARTUPINFOA sa;
	memset(&sa, 0, sizeof sa);
	if (si) {
		sa.cb = sizeof sa;
		sa.dwFlags = si->dwFlags;
		sa.hStdInput = si->hStdInput;
		sa.hStdOutput = si->hStdOutput;
		sa.hStdError = si->hStdError;
	}
	BOOL ok = create_process(a, c, inherit,
	                         env ? (e ? e : (const char *)env) : NULL, d,
	                         si ? &sa : NULL, pi);
	free(a);
	free(c);
	free(d);
	free(e);
	return ok;
}

static pthread_mutex_t g_reap_lock = PTHREAD_MUTEX_INITIALIZER;

/* Linux 6.15's pidfd information, for a process's exit status whoever
 * reaps it; defined here for older headers. */
struct w32_pidfd_info {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid,
	        fsgid;
	int32_t exit_code; /* a wait status */
};
#define W32_PIDFD_GET_INFO _IOWR(0xFF, 11, struct w32_pidfd_info)
#define W32_PIDFD_INFO_EXIT (1u << 3)

/* An ended foreign process's wait status, if it can be had yet: ours to
 * reap (peeked at, not reaped), kept by Linux after its reaping (6.15 and
 * later), or, while it waits to be reaped, its /proc record's exit code. */
static void foreign_status(struct w32_obj *p)
{
	siginfo_t si;
	struct w32_pidfd_info info = {.mask = W32_PIDFD_INFO_EXIT};
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	    si.si_pid == p->pid) {
		p->status = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8
		                                     : si.si_status & 0x7f;
		p->exit_known = 1;
		return;
	}
	if (p->fd < 0)
		return;
	/* Before Linux 6.13 there is no such ioctl; before 6.15 no exit
	 * information in it: both go on to /proc. */
	if (ioctl(p->fd, W32_PIDFD_GET_INFO, &info) == 0 &&
	    (info.mask & W32_PIDFD_INFO_EXIT)) {
		p->status = info.exit_code;
		p->exit_known = 1;
		return;
	}
	/* While it waits to be reaped, /proc has its exit code. */
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)p->pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	/* The fields after the name: state is the 3rd, exit_code the 52nd.
	 * The record is this process's only if it is a zombie (ended, not
	 * reaped) and still unreaped after the read: the pidfd can still
	 * signal it (0, no signal), so the pid was not yet free for another.
	 * Another user's zombie (EPERM) shows no exit code: unknown. */
	char *f = strrchr(buf, ')');
	if (!f || f[1] != ' ' || f[2] != 'Z' ||
	    syscall(SYS_pidfd_send_signal, p->fd, 0, NULL, 0) != 0)
		return;
	int field = 2;
	for (; *f && field < 52; f++)
		if (*f == ' ')
			field++;
	if (field == 52 && *f >= '0' && *f <= '9') {
		p->status = atoi(f);
		p->exit_known = 1;
	}
}

/* Whether an OpenProcess process has ended; once it has, its wait status
 * (0 while Linux gives none). Never reaps: it may be another's child, or
 * one of ours another handle reaps. Called under the reap lock; leaves
 * errno alone. */
static int foreign_ended(struct w32_obj *p)
{
	int e = errno;
	if (!p->reaped) {
		if (p->fd >= 0) {
			struct pollfd pf = {p->fd, POLLIN, 0};
			p->reaped = poll(&pf, 1, 0) > 0 && (pf.revents & POLLIN);
		} else {
			p->reaped = kill(p->pid, 0) < 0 && errno == ESRCH;
		}
	}
	if (p->reaped && !p->exit_known)
		foreign_status(p);
	errno = e;
	return p->reaped;
}

HANDLE WINAPI OpenProcess(DWORD access, BOOL inherit, DWORD id)
{
	if (id == 0 || id > INT32_MAX) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	if ((pid_t)id == getpid()) {
		struct w32_obj *self = w32_process_self();
		HANDLE h = self ? w32_handle_new(self, access, inherit) : NULL;
		if (self)
			w32_put(self);
		return h;
	}
	int e = errno;
	int fd = (int)syscall(SYS_pidfd_open, (pid_t)id, 0);
	int err = fd < 0 ? errno : 0;
	/* ESRCH: no such process. EINVAL (ENOENT since Linux 6.9): the ID
	 * is a thread's, not a process's; on Windows no process has a
	 * thread's ID. */
	int gone = err == ESRCH || err == EINVAL || err == ENOENT;
	if (err == ENOSYS) { /* no pidfd_open (before 5.3): ask kill */
		gone = kill((pid_t)id, 0) < 0 && errno == ESRCH;
	} else if (err && !gone) { /* out of descriptors or memory */
		errno = e;
		w32_error(-err);
		return NULL;
	}
	int denied = !gone && (access & PROCESS_TERMINATE) &&
	             kill((pid_t)id, 0) < 0 && errno == EPERM;
	errno = e;
	if (gone || denied) {
		if (fd >= 0)
			close(fd);
		w32_set_error(gone ? ERROR_INVALID_PARAMETER : ERROR_ACCESS_DENIED);
		return NULL;
	}
	if (fd >= 0)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	struct w32_obj *p = w32_obj_new(W32_PROCESS);
	if (!p) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	p->pid = (pid_t)id;
	p->fd = fd;
	p->foreign = 1;
	HANDLE h = w32_handle_new(p, access, inherit);
	if (!h) { /* nothing refers to it yet */
		if (fd >= 0)
			close(fd);
		free(p);
		return NULL;
	}
	w32_set_error(ERROR_SUCCESS);
	return h;
}

int w32_reap(struct w32_obj *p)
{
	/* One reaper at a time: the pid stays ours until reaped. */
	if (p->self)
		return 0; /* this process: running while anyone asks */
	pthread_mutex_lock(&g_reap_lock);
	if (p->foreign) {
		int r = foreign_ended(p);
		pthread_mutex_unlock(&g_reap_lock);
		return r;
	}
	int st = 0;
	pid_t w = p->reaped ? 0 : waitpid(p->pid, &st, WNOHANG);
	/* ECHILD: reaped by someone else (SIGCHLD ignored, a wait(-1) of
	 * the program's own): it has ended, its exit code is lost. */
	if (w == p->pid || (w < 0 && errno == ECHILD)) {
		p->status = w == p->pid ? st : 0;
		p->reaped = 1;
	}
	int r = p->reaped;
	pthread_mutex_unlock(&g_reap_lock);
	return r;
}

BOOL WINAPI GetExitCodeProcess(HANDLE h, LPDWORD code)
{
	struct w32_obj *p = w32_get(h, 0, NULL);
	if (!p)
		return FALSE;
	if (p->type != W32_PROCESS) {
		w32_put(p);
		w32_set_error(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (!code) {
		w32_put(p);
		w32_set_error(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	int ended = w32_reap(p);
	/* The fields are written under the reap lock (w32_reap, Terminate). */
	pthread_mutex_lock(&g_reap_lock);
	if (!ended)
		*code = STILL_ACTIVE;
	else if (p->terminated)
		*code = p->term_code;
	else if (WIFEXITED(p->status))
		*code = (DWORD)WEXITSTATUS(p->status);
	else
		*code = 128u + (DWORD)WTERMSIG(p->status);
	pthread_mutex_unlock(&g_reap_lock);
	w32_put(p);
	return TRUE;
}

BOOL WINAPI TerminateProcess(HANDLE h, UINT code)
{
	if (h == GetCurrentProcess())
		_exit((int)code);
	struct w32_obj *p = w32_get(h, W32_PROCESS, NULL);
	if (!p)
		return FALSE;
	if (p->self)
		_exit((int)code); /* a real handle to this process */
	int rc = 0;
	siginfo_t si;
	memset(&si, 0, sizeof si);
	/* An ended process cannot be terminated, and keeps its exit code.
	 * Under the reap lock: a reaper may be marking it ended meanwhile. */
	pthread_mutex_lock(&g_reap_lock);
	if (p->reaped || (p->foreign && foreign_ended(p)) ||
	    (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	     si.si_pid == p->pid))
		rc = -EACCES;
	else if ((p->fd >= 0
	                  ? syscall(SYS_pidfd_send_signal, p->fd, SIGKILL, NULL, 0)
	                  : kill(p->pid, SIGKILL)) < 0)
		rc = errno == ESRCH ? -EACCES : -errno;
	else {
		p->terminated = 1;
		p->term_code = code;
	}
	pthread_mutex_unlock(&g_reap_lock);
	w32_put(p);
	if (rc) {
		w32_error(rc);
		return FALSE;
	}
	return TRUE;
}
