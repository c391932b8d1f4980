/*
 * Lock bytes on users' files: Windows share modes and "a section of this
 * file exists", kept among every process using shmap by OFD locks on
 * reserved bytes of the file itself (docs/lifetime.md, "Share modes and
 * mapped files"). An OFD lock belongs to its open file description: a
 * duplicated or inherited descriptor shares it, and it goes when the last
 * reference (descriptor or memory mapping) to that description goes, also
 * when its process is killed.
 */
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

int shmap__share_lock(int fd, int b)
{
	return shmap__lk(fd, F_OFD_SETLK, F_RDLCK, SHMAP__SHARE_BYTE(b), 1);
}

void shmap__share_unlock(int fd, int b, int n)
{
	(void)shmap__lk(fd, F_OFD_SETLK, F_UNLCK, SHMAP__SHARE_BYTE(b), n);
}

int shmap__share_held(int fd, int b)
{
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK; /* conflicts with any lock another one holds */
	fl.l_whence = SEEK_SET;
	fl.l_start = SHMAP__SHARE_BYTE(b);
	fl.l_len = 1;
	while (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		if (errno != EINTR)
			return -errno;
	return fl.l_type != F_UNLCK;
}

int shmap__share_gate(int fd)
{
	return shmap__lk_wait(fd, F_WRLCK, SHMAP__SHARE_BYTE(SHMAP__SB_GATE));
}

int shmap__share_gate_wait(int fd)
{
	struct timespec nap = {0, 20000};
	long waited_us = 0;
	int rc;
	while ((rc = shmap__share_held(fd, SHMAP__SB_GATE)) == 1) {
		if (waited_us / 1000 >= shmap__lock_timeout_ms)
			return -EBUSY;
		nanosleep(&nap, NULL);
		waited_us += nap.tv_nsec / 1000;
		if (nap.tv_nsec < 10000000)
			nap.tv_nsec *= 2;
	}
	return rc;
}

int shmap__share_unsupported(int rc)
{
	/* EINVAL: a kernel without OFD locks; EOPNOTSUPP/ENOSYS: a file
	 * system that cannot lock; EBADF: a write-only descriptor, which
	 * cannot take a shared lock. */
	return rc == -EINVAL || rc == -EOPNOTSUPP || rc == -ENOSYS ||
	       rc == -EBADF;
}

int shmap__share_mapped(int fd, int writable)
{
	int rc = shmap__share_lock(fd, SHMAP__SB_MAPPED);
	if (rc == 0 && writable)
		rc = shmap__share_lock(fd, SHMAP__SB_MAPPED_W);
	/* Then no truncation may start (it checks the byte under the gate),
	 * and one under way ends before the caller looks at the size. */
	if (rc == 0)
		rc = shmap__share_gate_wait(fd);
	if (rc)
		shmap__share_unlock(fd, SHMAP__SB_MAPPED, 2);
	if (shmap__share_unsupported(rc))
		return 0;
	return rc == -EAGAIN ? -EBUSY : rc;
}
