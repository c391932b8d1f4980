/* SPDX-License-Identifier: MIT */
/* CreateFile, ReadFile, WriteFile and the file calls mappings need. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "w32.h"

/*
 * Share modes, enforced among every process using shmap by lock bytes on
 * the file itself (src/share.c). An open's access counts in three classes,
 * numbered as FILE_SHARE_READ, _WRITE and _DELETE: read (read data or
 * execute), write (write or append data), delete. An open with none of
 * them (query only) neither conflicts nor restricts.
 */
#define SC_R 1u
#define SC_W 2u
#define SC_D 4u

static unsigned access_classes(DWORD a)
{
	unsigned c = 0;
	if (a & (GENERIC_READ | GENERIC_EXECUTE | GENERIC_ALL | FILE_READ_DATA |
	         FILE_EXECUTE))
		c |= SC_R;
	if (a & (GENERIC_WRITE | GENERIC_ALL | FILE_WRITE_DATA |
	         FILE_APPEND_DATA))
		c |= SC_W;
	if (a & (DELETE | GENERIC_ALL))
		c |= SC_D;
	return c;
}

/* share_try's results besides 0 and a negative errno. */
#define SH_SHARING 1 /* ERROR_SHARING_VIOLATION */
#define SH_MAPPED 2  /* ERROR_USER_MAPPED_FILE */

/* 0 if nobody else holds byte b, else fail (or the negative errno). */
static int none_holds(int fd, int b, int fail)
{
	int h = shmap__share_held(fd, b);
	return h == 1 ? fail : h;
}

/*
 * One attempt to open fd's file with access classes cls and share mode
 * share: takes the open's lock bytes, then checks them against everyone
 * else's in Windows' order (Wine's server/fd.c check_sharing), and if
 * trunc, truncates the file through wfd once allowed. Taking before
 * checking makes two conflicting opens never both succeed; the gate, taken
 * when a writable descriptor wfd exists (always for a truncation), makes
 * such opens exact. Without OFD locks for this file, or with someone
 * else's lock (a whole-file fcntl lock) over the reserved bytes, the open
 * is not checked. Returns 0 (locks held), SH_SHARING, SH_MAPPED or a negative
 * errno, with nothing held but on success.
 */
static int share_try(int fd, int wfd, unsigned cls, unsigned share, int trunc)
{
	unsigned deny = cls ? ~share & 7u : 0;
	int rc = wfd >= 0 ? shmap__share_gate(wfd) : shmap__share_gate_wait(fd);
	for (int i = 0; i < 3 && rc == 0; i++) {
		if (cls & (1u << i))
			rc = shmap__share_lock(fd, SHMAP__SB_ACCESS + i);
		if (rc == 0 && (deny & (1u << i)))
			rc = shmap__share_lock(fd, SHMAP__SB_DENY + i);
	}
	/* Our access against others' share modes; a writable section
	 * against ours; a truncation against any section; then, for an
	 * open with access, our share mode against others' access. */
	for (int i = 0; i < 3 && rc == 0; i++)
		if (cls & (1u << i))
			rc = none_holds(fd, SHMAP__SB_DENY + i, SH_SHARING);
	if (rc == 0 && !(share & SC_W))
		rc = none_holds(fd, SHMAP__SB_MAPPED_W, SH_SHARING);
	if (rc == 0 && trunc)
		rc = none_holds(fd, SHMAP__SB_MAPPED, SH_MAPPED);
	for (int i = 0; i < 3 && rc == 0; i++)
		if (deny & (1u << i))
			rc = none_holds(fd, SHMAP__SB_ACCESS + i, SH_SHARING);
	if (rc && shmap__share_unsupported(rc)) {
		shmap__share_unlock(fd, SHMAP__SB_ACCESS, 6);
		rc = 0; /* no protocol here: unchecked, as any plain open */
	}
	if (rc == 0 && trunc && ftruncate(wfd, 0) < 0)
		rc = -errno;
	if (wfd >= 0)
		shmap__share_unlock(wfd, SHMAP__SB_GATE, 1);
	if (rc)
		shmap__share_unlock(fd, SHMAP__SB_ACCESS, 6);
	return rc;
}

/* share_try, once more after a short pause if it met a sharing violation:
 * a conflicting open that was itself failing may have been what it saw. */
static int share_open(int fd, int wfd, unsigned cls, unsigned share, int trunc)
{
	int rc = share_try(fd, wfd, cls, share, trunc);
	if (rc == SH_SHARING) {
		struct timespec nap = {0, 50000 + (long)(getpid() % 8) * 25000};
		nanosleep(&nap, NULL);
		rc = share_try(fd, wfd, cls, share, trunc);
	}
	return rc;
}

/* Sets the last error for a share_open failure. */
static void share_error(int rc)
{
	if (rc == SH_SHARING)
		w32_set_error(ERROR_SHARING_VIOLATION);
	else if (rc == SH_MAPPED)
		w32_set_error(ERROR_USER_MAPPED_FILE);
	else if (rc == -ENOLCK) /* the kernel's lock table is full */
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
	else
		w32_error(rc);
}

/* A new descriptor of fd's file, write-only, to truncate it through;
 * without /proc, by its path if that still names the same file. */
static int reopen_writable(int fd, const char *path)
{
	char proc[64];
	int fl = O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	int wfd = open(proc, fl);
	if (wfd < 0 && errno == ENOENT) {
		struct stat a, b;
		wfd = open(path, fl);
		if (wfd >= 0 && (fstat(fd, &a) < 0 || fstat(wfd, &b) < 0 ||
		                 a.st_dev != b.st_dev || a.st_ino != b.st_ino)) {
			close(wfd);
			wfd = -1;
			errno = ENOENT;
		}
	}
	return wfd;
}

static HANDLE create_file(const char *name, DWORD access, DWORD share,
                          LPSECURITY_ATTRIBUTES sa, DWORD disposition,
                          DWORD flags, HANDLE tmpl)
{
	(void)tmpl;
	unsigned cls = access_classes(access);
	/* A writer's descriptor is read-write when it can be, so that it can
	 * hold shared lock bytes; ReadFile still refuses a handle without
	 * read access. */
	int acc = cls & SC_W ? O_RDWR : O_RDONLY;
	int inherit = sa && sa->bInheritHandle;
	int fd = -1, existed = 0, created = 0, trunc = 0;
	char *path;
	if (!name || !(path = w32_path(name))) {
		w32_set_error(name ? ERROR_NOT_ENOUGH_MEMORY : ERROR_PATH_NOT_FOUND);
		return INVALID_HANDLE_VALUE;
	}
	if ((disposition == TRUNCATE_EXISTING &&
	     !(access & (GENERIC_WRITE | GENERIC_ALL))) ||
	    disposition < CREATE_NEW || disposition > TRUNCATE_EXISTING) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		free(path);
		return INVALID_HANDLE_VALUE;
	}
	for (int tries = 0; fd < 0 && tries < 2; tries++) {
		/* Never inherited by exec: CreateProcess hands children their
		 * own. A truncation waits for the share check. */
		int base = acc | O_CLOEXEC;
		switch (disposition) {
		case CREATE_NEW:
			fd = open(path, base | O_CREAT | O_EXCL, 0666);
			created = fd >= 0;
			break;
		case CREATE_ALWAYS:
		case OPEN_ALWAYS:
			fd = open(path, base | O_CREAT | O_EXCL, 0666);
			created = fd >= 0;
			if (fd < 0 && errno == EEXIST) {
				existed = 1;
				trunc = disposition == CREATE_ALWAYS;
				fd = open(path, base);
			}
			break;
		default: /* OPEN_EXISTING, TRUNCATE_EXISTING */
			fd = open(path, base);
			trunc = disposition == TRUNCATE_EXISTING;
			break;
		}
		/* Write-only permission: no shared locks, and no checks. */
		if (fd < 0 && errno == EACCES && acc == O_RDWR &&
		    !(cls & SC_R))
			acc = O_WRONLY;
		else
			break;
	}
	if (fd < 0) {
		int e = errno;
		if (disposition == CREATE_NEW && e == EEXIST) {
			w32_set_error(ERROR_FILE_EXISTS);
			free(path);
			return INVALID_HANDLE_VALUE;
		}
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
	int wfd = acc != O_RDONLY ? fd : trunc ? reopen_writable(fd, path) : -1;
	int rc = wfd < 0 && trunc ? -errno : 0;
	struct stat st;
	/* Share modes are a regular file's; nothing else is truncated. */
	if (rc == 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		rc = share_open(fd, wfd, cls, (unsigned)share & 7u, trunc);
	if (wfd >= 0 && wfd != fd)
		close(wfd);
	if (rc) {
		/* Nothing is left behind: a file this call made goes again. */
		struct stat now;
		if (created && fstat(fd, &st) == 0 && stat(path, &now) == 0 &&
		    now.st_dev == st.st_dev && now.st_ino == st.st_ino)
			unlink(path);
		close(fd);
		free(path);
		share_error(rc);
		return INVALID_HANDLE_VALUE;
	}
	free(path);
	struct w32_obj *o = w32_obj_new(W32_FILE);
	if (o) {
		/* complete before another thread can see it */
		o->fd = fd;
		o->overlapped = (flags & FILE_FLAG_OVERLAPPED) != 0;
	}
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
	int rc = 0;
	/* Windows deletes through an open with delete access that shares
	 * everything: an open not sharing delete refuses it. */
	int fd = p ? open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
	                             O_NOFOLLOW)
	           : -1;
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		rc = share_open(fd, -1, SC_D, SC_R | SC_W | SC_D, 0);
	if (rc == 0)
		rc = p && unlink(p) == 0 ? 0 : -errno;
	if (fd >= 0)
		close(fd);
	free(p);
	if (!lpFileName)
		rc = -EINVAL;
	if (rc) {
		share_error(rc);
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

/* NTSTATUS values an OVERLAPPED's Internal holds. */
#define ST_SUCCESS 0x00000000u
#define ST_UNSUCCESSFUL 0xC0000001u
#define ST_END_OF_FILE 0xC0000011u
#define ST_DISK_FULL 0xC000007Fu
#define ST_ACCESS_DENIED 0xC0000022u
#define ST_PIPE_BROKEN 0xC000014Bu

/* The event of ov, without the low bit that only says "no completion
 * port". */
static HANDLE ov_event(LPOVERLAPPED ov)
{
	return (HANDLE)((ULONG_PTR)ov->hEvent & ~(ULONG_PTR)1);
}

/* Moves n bytes between buf and hFile, as ReadFile/WriteFile document:
 * a pipe's read returns what one read gives, and FALSE with
 * ERROR_BROKEN_PIPE at end of input, as an anonymous pipe's ReadFile does
 * once every write handle is closed. With ov, a file's transfer is at
 * ov's offset and its result goes into ov (see ReadFile in windows.h). */
static BOOL transfer(HANDLE hFile, char *buf, DWORD n, LPDWORD done,
                     LPOVERLAPPED ov, int writing)
{
	DWORD access;
	struct w32_obj *o = w32_get(hFile, W32_FILE, &access);
	if (!o)
		return FALSE;
	if (o->overlapped && !ov) {
		w32_put(o);
		w32_set_error(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	struct stat st;
	int is_pipe = fstat(o->fd, &st) == 0 &&
	              (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
	int at = ov && !is_pipe; /* at ov's offset */
	uint64_t off64 = ov ? (uint64_t)ov->OffsetHigh << 32 | ov->Offset : 0;
	off_t pos = 0;
	size_t moved = 0;
	int rc = 0;
	if (at && writing && off64 == UINT64_MAX) {
		pos = lseek(o->fd, 0, SEEK_END); /* both halves 0xFFFFFFFF */
		if (pos < 0)
			rc = -errno;
	} else if (at && off64 > (uint64_t)INT64_MAX - n) {
		w32_put(o);
		w32_set_error(ERROR_INVALID_PARAMETER);
		return FALSE;
	} else {
		pos = (off_t)off64;
	}
	/* A writer's descriptor may be read-write (see create_file); a
	 * handle without the access is refused before anything moves, its
	 * OVERLAPPED untouched, as Windows checks it first. */
	int mode = fcntl(o->fd, F_GETFL) & O_ACCMODE;
	if (rc == 0 &&
	    (writing ? mode == O_RDONLY
	             : mode == O_WRONLY ||
	                       (mode == O_RDWR &&
	                        !(access_classes(access) & SC_R)))) {
		w32_put(o);
		w32_set_error(ERROR_ACCESS_DENIED);
		return FALSE;
	}
	HANDLE ev = ov ? ov_event(ov) : NULL;
	if (ev)
		ResetEvent(ev);
	while (rc == 0 && moved < n) {
		ssize_t r;
		if (at)
			r = writing ? pwrite(o->fd, buf + moved, n - moved,
			                     pos + (off_t)moved)
			            : pread(o->fd, buf + moved, n - moved,
			                    pos + (off_t)moved);
		else if (writing)
			r = is_pipe ? pipe_write(o->fd, buf + moved, n - moved)
			            : write(o->fd, buf + moved, n - moved);
		else
			r = read(o->fd, buf + moved, n - moved);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0 && is_pipe && !writing && moved == 0 && n > 0)
			rc = -EPIPE; /* every writer is gone */
		if (r == 0 && at && !writing && moved == 0 && n > 0)
			rc = -ENODATA; /* at or past the end of the file */
		if (r == 0)
			break; /* end of file: success with fewer bytes */
		moved += (size_t)r;
		if (is_pipe && !writing)
			break;
	}
	/* A synchronous handle's pointer follows a transfer at an offset. */
	if (at && !o->overlapped && (rc == 0 || rc == -ENODATA))
		lseek(o->fd, pos + (off_t)moved, SEEK_SET);
	w32_put(o);
	if (done)
		*done = (DWORD)moved;
	if (ov) {
		ov->Internal = rc == 0              ? ST_SUCCESS
		               : rc == -ENODATA     ? ST_END_OF_FILE
		               : rc == -EPIPE       ? ST_PIPE_BROKEN
		               : rc == -EBADF       ? ST_ACCESS_DENIED
		               : rc == -EACCES      ? ST_ACCESS_DENIED
		               : rc == -ENOSPC      ? ST_DISK_FULL
		               : rc == -EDQUOT      ? ST_DISK_FULL
		                                    : ST_UNSUCCESSFUL;
		ov->InternalHigh = moved;
		if (ev && (rc == 0 || rc == -ENODATA))
			SetEvent(ev);
	}
	if (rc == -ENODATA) {
		w32_set_error(ERROR_HANDLE_EOF);
		return FALSE;
	}
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

BOOL WINAPI GetOverlappedResultEx(HANDLE hFile, LPOVERLAPPED ov, LPDWORD n,
                                  DWORD ms, BOOL alertable)
{
	(void)hFile;
	(void)ms;
	(void)alertable;
	if ((DWORD)ov->Internal == STATUS_PENDING) {
		/* Never left so by shmap: a caller's own marker. */
		w32_set_error(ERROR_IO_INCOMPLETE);
		return FALSE;
	}
	*n = (DWORD)ov->InternalHigh;
	switch ((DWORD)ov->Internal) {
	case ST_SUCCESS:
		return TRUE;
	case ST_END_OF_FILE:
		w32_set_error(ERROR_HANDLE_EOF);
		break;
	case ST_PIPE_BROKEN:
		w32_set_error(ERROR_BROKEN_PIPE);
		break;
	case ST_ACCESS_DENIED:
		w32_set_error(ERROR_ACCESS_DENIED);
		break;
	case ST_DISK_FULL:
		w32_set_error(ERROR_DISK_FULL);
		break;
	default:
		w32_set_error(ERROR_GEN_FAILURE);
		break;
	}
	return FALSE;
}

BOOL WINAPI GetOverlappedResult(HANDLE hFile, LPOVERLAPPED ov, LPDWORD n,
                                BOOL wait)
{
	(void)wait;
	return GetOverlappedResultEx(hFile, ov, n, 0, FALSE);
}

BOOL WINAPI CancelIo(HANDLE hFile)
{
	struct w32_obj *o = file_of(hFile);
	if (!o)
		return FALSE;
	w32_put(o);
	return TRUE;
}

BOOL WINAPI CancelIoEx(HANDLE hFile, LPOVERLAPPED ov)
{
	(void)ov;
	struct w32_obj *o = file_of(hFile);
	if (!o)
		return FALSE;
	w32_put(o);
	w32_set_error(ERROR_NOT_FOUND);
	return FALSE;
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

/*
 * Cuts fd's file to size, as Windows does: not below its size while a
 * section of it exists (its mapped byte is held), ERROR_USER_MAPPED_FILE
 * (SH_MAPPED). Under the gate, so that no section begins meanwhile.
 */
static int shrink(int fd, off_t size)
{
	int rc = shmap__share_gate(fd);
	if (rc == 0) {
		rc = none_holds(fd, SHMAP__SB_MAPPED, SH_MAPPED);
		if (shmap__share_unsupported(rc))
			rc = 0;
		if (rc == 0 && ftruncate(fd, size) < 0)
			rc = -errno;
		shmap__share_unlock(fd, SHMAP__SB_GATE, 1);
	} else if (shmap__share_unsupported(rc) && rc != -EBADF) {
		rc = ftruncate(fd, size) < 0 ? -errno : 0;
	}
	return rc;
}

BOOL WINAPI SetEndOfFile(HANDLE hFile)
{
	struct w32_obj *o = file_of(hFile);
	if (!o)
		return FALSE;
	struct stat st;
	off_t cur = lseek(o->fd, 0, SEEK_CUR);
	int rc = cur < 0 || fstat(o->fd, &st) < 0 ? -errno : 0;
	if (rc == 0 && S_ISREG(st.st_mode) && cur < st.st_size)
		rc = shrink(o->fd, cur);
	else if (rc == 0 && ftruncate(o->fd, cur) < 0)
		rc = -errno;
	w32_put(o);
	if (rc) {
		if (rc == -EINVAL || rc == -EBADF)
			rc = -EACCES; /* not open for writing */
		share_error(rc);
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
