/* CreateFile, ReadFile, WriteFile and the file calls mappings need. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "w32.h"

static HANDLE create_file(const char *name, DWORD access, DWORD share,
                          LPSECURITY_ATTRIBUTES sa, DWORD disposition,
                          DWORD flags, HANDLE tmpl)
{
	(void)share;
	(void)flags;
	(void)tmpl;
	int acc = (access & (GENERIC_WRITE | GENERIC_ALL))
	                  ? ((access & (GENERIC_READ | GENERIC_ALL)) ? O_RDWR
	                                                             : O_WRONLY)
	                  : O_RDONLY;
	int inherit = sa && sa->bInheritHandle;
	/* Never inherited by exec: CreateProcess hands children their own. */
	int base = acc | O_CLOEXEC;
	int fd = -1, existed = 0;
	char *path;
	if (!name || !(path = w32_path(name))) {
		w32_set_error(name ? ERROR_NOT_ENOUGH_MEMORY : ERROR_PATH_NOT_FOUND);
		return INVALID_HANDLE_VALUE;
	}
	switch (disposition) {
	case CREATE_NEW:
		fd = open(path, base | O_CREAT | O_EXCL, 0666);
		if (fd < 0 && errno == EEXIST) {
			w32_set_error(ERROR_FILE_EXISTS);
			free(path);
			return INVALID_HANDLE_VALUE;
		}
		break;
	case CREATE_ALWAYS:
	case OPEN_ALWAYS:
		fd = open(path, base | O_CREAT | O_EXCL, 0666);
		if (fd < 0 && errno == EEXIST) {
			existed = 1;
			fd = open(path, base |
			                        (disposition == CREATE_ALWAYS ? O_TRUNC
			                                                      : 0));
		}
		break;
	case OPEN_EXISTING:
		fd = open(path, base);
		break;
	case TRUNCATE_EXISTING:
		if (!(access & (GENERIC_WRITE | GENERIC_ALL))) {
			w32_set_error(ERROR_INVALID_PARAMETER);
			free(path);
			return INVALID_HANDLE_VALUE;
		}
		fd = open(path, base | O_TRUNC);
		break;
	default:
		w32_set_error(ERROR_INVALID_PARAMETER);
		free(path);
		return INVALID_HANDLE_VALUE;
	}
	if (fd < 0) {
		int e = errno;
		/* A missing directory is a missing path, as on Windows. */
		if (e == ENOENT) {
			char *slash = strrchr(path, '/');
			struct stat st;
			if (slash && slash != path) {
				*slash = 0;
				if (stat(path, &st) < 0)
					e = ENOTDIR;
			}
		}
		free(path);
		w32_error(e == EISDIR ? -EACCES : -e);
		return INVALID_HANDLE_VALUE;
	}
	free(path);
	struct w32_obj *o = w32_obj_new(W32_FILE);
	if (o)
		o->fd = fd; /* complete before another thread can see it */
	HANDLE h = o ? w32_handle_new(o, access, inherit) : NULL;
	if (!h) {
		free(o);
		close(fd);
		return INVALID_HANDLE_VALUE;
	}
	w32_set_error(existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
	return h;
}

HANDLE WINAPI CreateFileA(LPCSTR lpFileName, DWORD access, DWORD share,
                          LPSECURITY_ATTRIBUTES sa, DWORD disposition,
                          DWORD flags, HANDLE tmpl)
{
	return create_file(lpFileName, access, share, sa, disposition, flags,
	                   tmpl);
}

HANDLE WINAPI CreateFileW(LPCWSTR lpFileName, DWORD access, DWORD share,
                          LPSECURITY_ATTRIBUTES sa, DWORD disposition,
                          DWORD flags, HANDLE tmpl)
{
	char *name = lpFileName ? w32_narrow(lpFileName) : NULL;
	HANDLE h = create_file(name, access, share, sa, disposition, flags, tmpl);
	free(name);
	return h;
}

BOOL WINAPI DeleteFileA(LPCSTR lpFileName)
{
	char *p = lpFileName ? w32_path(lpFileName) : NULL;
	int rc = p && unlink(p) == 0 ? 0 : -errno;
	free(p);
	if (!lpFileName)
		rc = -EINVAL;
	if (rc) {
		w32_error(rc);
		return FALSE;
	}
	return TRUE;
}

BOOL WINAPI DeleteFileW(LPCWSTR lpFileName)
{
	char *name = lpFileName ? w32_narrow(lpFileName) : NULL;
	BOOL ok = DeleteFileA(name);
	free(name);
	return ok;
}

static struct w32_obj *file_of(HANDLE h)
{
	return w32_get(h, W32_FILE, NULL);
}

/* Writes to a pipe with no reader fail with EPIPE instead of raising
 * SIGPIPE, as WriteFile fails on Windows: the signal is blocked in this
 * thread for the write and a SIGPIPE it raised is taken back. */
static ssize_t pipe_write(int fd, const void *buf, size_t n)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	int was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	ssize_t r = write(fd, buf, n);
	int e = errno;
	if (r < 0 && e == EPIPE && !was_pending) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return r;
}

/* Reads or writes all n bytes (a read stops early at end of file). A
 * pipe's read returns what one read gives, and FALSE with
 * ERROR_BROKEN_PIPE at end of input, as an anonymous pipe's ReadFile does
 * once every write handle is closed. */
static BOOL transfer(HANDLE hFile, char *buf, DWORD n, LPDWORD done,
                     LPOVERLAPPED ov, int writing)
{
	if (ov) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	struct w32_obj *o = file_of(hFile);
	if (!o)
		return FALSE;
	struct stat st;
	int is_pipe = fstat(o->fd, &st) == 0 &&
	              (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
	size_t moved = 0;
	int rc = 0;
	while (moved < n) {
		ssize_t r = writing ? (is_pipe ? pipe_write(o->fd, buf + moved,
		                                            n - moved)
		                               : write(o->fd, buf + moved,
		                                       n - moved))
		                    : read(o->fd, buf + moved, n - moved);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0 && is_pipe && !writing && moved == 0 && n > 0)
			rc = -EPIPE; /* every writer is gone */
		if (r == 0)
			break; /* end of file: success with fewer bytes */
		moved += (size_t)r;
		if (is_pipe && !writing)
			break;
	}
	w32_put(o);
	if (done)
		*done = (DWORD)moved;
	if (rc == -EPIPE) {
		w32_set_error(ERROR_BROKEN_PIPE);
		return FALSE;
	}
	if (rc) {
		/* A descriptor not open for this direction: as Windows says. */
		w32_error(rc == -EBADF ? -EACCES : rc);
		return FALSE;
	}
	return TRUE;
}

BOOL WINAPI ReadFile(HANDLE hFile, LPVOID buf, DWORD n, LPDWORD done,
                     LPOVERLAPPED ov)
{
	return transfer(hFile, buf, n, done, ov, 0);
}

BOOL WINAPI WriteFile(HANDLE hFile, LPCVOID buf, DWORD n, LPDWORD done,
                      LPOVERLAPPED ov)
{
	return transfer(hFile, (char *)buf, n, done, ov, 1);
}

BOOL WINAPI GetFileSizeEx(HANDLE hFile, PLARGE_INTEGER size)
{
	struct stat st;
	struct w32_obj *o = file_of(hFile);
	if (!o)
		return FALSE;
	int rc = fstat(o->fd, &st) < 0 ? -errno : 0;
	w32_put(o);
	if (rc) {
		w32_error(rc);
		return FALSE;
	}
	size->QuadPart = (LONGLONG)st.st_size;
	return TRUE;
}

DWORD WINAPI GetFileSize(HANDLE hFile, LPDWORD high)
{
	LARGE_INTEGER li;
	if (!GetFileSizeEx(hFile, &li))
		return INVALID_FILE_SIZE;
	if (high)
		*high = (DWORD)((uint64_t)li.QuadPart >> 32);
	/* A size whose low part looks like the error value says "no error". */
	w32_set_error(ERROR_SUCCESS);
	return (DWORD)li.QuadPart;
}

BOOL WINAPI SetFilePointerEx(HANDLE hFile, LARGE_INTEGER dist,
                             PLARGE_INTEGER newpos, DWORD method)
{
	int whence = method == FILE_BEGIN     ? SEEK_SET
	             : method == FILE_CURRENT ? SEEK_CUR
	             : method == FILE_END     ? SEEK_END
	                                      : -1;
	if (whence < 0) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	struct w32_obj *o = file_of(hFile);
	if (!o)
		return FALSE;
	off_t cur = lseek(o->fd, 0, SEEK_CUR), end = 0;
	struct stat st;
	if (whence == SEEK_END && fstat(o->fd, &st) == 0)
		end = st.st_size;
	off_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? cur : end;
	int64_t target = 0;
	int rc = 0;
	if (cur < 0)
		rc = -errno; /* not seekable: a pipe */
	else if (__builtin_add_overflow((int64_t)base, dist.QuadPart, &target))
		rc = -EINVAL;
	else if (target < 0)
		rc = 1;
	off_t pos = rc ? -1 : lseek(o->fd, (off_t)target, SEEK_SET);
	if (!rc && pos < 0)
		rc = -errno;
	w32_put(o);
	if (rc == 1) {
		w32_set_error(ERROR_NEGATIVE_SEEK);
		return FALSE;
	}
	if (rc) {
		w32_error(rc);
		return FALSE;
	}
	if (newpos)
		newpos->QuadPart = pos;
	return TRUE;
}

DWORD WINAPI SetFilePointer(HANDLE hFile, LONG dist, PLONG high, DWORD method)
{
	LARGE_INTEGER d, pos;
	/* Without a high part the distance is a signed 32-bit value. */
	d.QuadPart = high ? (LONGLONG)(((uint64_t)(uint32_t)*high << 32) |
	                               (uint32_t)dist)
	                  : (LONGLONG)dist;
	if (!SetFilePointerEx(hFile, d, &pos, method))
		return INVALID_SET_FILE_POINTER;
	if (high)
		*high = (LONG)((uint64_t)pos.QuadPart >> 32);
	w32_set_error(ERROR_SUCCESS);
	return (DWORD)pos.QuadPart;
}

BOOL WINAPI SetEndOfFile(HANDLE hFile)
{
	struct w32_obj *o = file_of(hFile);
	if (!o)
		return FALSE;
	off_t cur = lseek(o->fd, 0, SEEK_CUR);
	int rc = cur < 0 || ftruncate(o->fd, cur) < 0 ? -errno : 0;
	w32_put(o);
	if (rc) {
		w32_error(rc == -EINVAL || rc == -EBADF ? -EACCES : rc);
		return FALSE;
	}
	return TRUE;
}

BOOL WINAPI FlushFileBuffers(HANDLE hFile)
{
	struct w32_obj *o = file_of(hFile);
	if (!o)
		return FALSE;
	/* Windows needs write access to the file for this; fsync does not. */
	int fl = fcntl(o->fd, F_GETFL);
	int rc = fl >= 0 && (fl & O_ACCMODE) == O_RDONLY ? -EACCES
	         : fsync(o->fd) < 0                       ? -errno
	                                                  : 0;
	w32_put(o);
	if (rc) {
		w32_error(rc);
		return FALSE;
	}
	return TRUE;
}

/* ---- Standard handles and anonymous pipes. */

/* A new file handle owning fd (closed on failure); NULL + last error. */
static HANDLE file_handle(int fd, DWORD access, int inherit)
{
	struct w32_obj *o = w32_obj_new(W32_FILE);
	if (o)
		o->fd = fd; /* complete before another thread can see it */
	HANDLE h = o ? w32_handle_new(o, access, inherit) : NULL;
	if (!h) {
		free(o);
		close(fd);
	}
	return h;
}

static pthread_mutex_t std_lock = PTHREAD_MUTEX_INITIALIZER;
static HANDLE std_handles[3];
static int std_made[3];

static int std_index(DWORD which)
{
	switch (which) {
	case STD_INPUT_HANDLE:
		return 0;
	case STD_OUTPUT_HANDLE:
		return 1;
	case STD_ERROR_HANDLE:
		return 2;
	}
	return -1;
}

HANDLE WINAPI GetStdHandle(DWORD nStdHandle)
{
	int i = std_index(nStdHandle);
	if (i < 0) {
		w32_set_error(ERROR_INVALID_HANDLE);
		return INVALID_HANDLE_VALUE;
	}
	pthread_mutex_lock(&std_lock);
	if (!std_made[i]) {
		/* A handle of its own on the descriptor's open file, so closing
		 * it leaves descriptor i to the C library; none if i is not
		 * open, as a process without that standard handle has NULL. */
		int fd = fcntl(i, F_DUPFD_CLOEXEC, 3);
		HANDLE h = NULL;
		if (fd >= 0) {
			h = file_handle(fd, i ? GENERIC_WRITE : GENERIC_READ, 0);
			if (!h) {
				pthread_mutex_unlock(&std_lock);
				return INVALID_HANDLE_VALUE;
			}
		}
		std_handles[i] = h;
		std_made[i] = 1;
	}
	HANDLE h = std_handles[i];
	pthread_mutex_unlock(&std_lock);
	w32_set_error(ERROR_SUCCESS);
	return h;
}

BOOL WINAPI SetStdHandle(DWORD nStdHandle, HANDLE hHandle)
{
	int i = std_index(nStdHandle);
	if (i < 0) {
		w32_set_error(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	pthread_mutex_lock(&std_lock);
	std_handles[i] = hHandle;
	std_made[i] = 1;
	pthread_mutex_unlock(&std_lock);
	return TRUE;
}

BOOL WINAPI CreatePipe(PHANDLE hReadPipe, PHANDLE hWritePipe,
                       LPSECURITY_ATTRIBUTES lpPipeAttributes, DWORD nSize)
{
	int fds[2];
	if (!hReadPipe || !hWritePipe) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	/* Never inherited by exec: CreateProcess hands children their own. */
	if (pipe2(fds, O_CLOEXEC) < 0) {
		w32_error(-errno);
		return FALSE;
	}
	if (nSize)
		(void)fcntl(fds[1], F_SETPIPE_SZ, (int)(nSize > 1u << 20 ? 1u << 20
		                                                         : nSize));
	int inherit = lpPipeAttributes && lpPipeAttributes->bInheritHandle;
	HANDLE r = file_handle(fds[0], GENERIC_READ, inherit);
	if (!r) {
		close(fds[1]);
		return FALSE;
	}
	HANDLE w = file_handle(fds[1], GENERIC_WRITE, inherit);
	if (!w) {
		CloseHandle(r);
		return FALSE;
	}
	*hReadPipe = r;
	*hWritePipe = w;
	return TRUE;
}
