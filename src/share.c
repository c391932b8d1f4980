/* SPDX-License-Identifier: MIT */
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
	int rc = shmap__lk(fd, F_OFD_SETLK, F_RDLCK, SHMAP__SHARE_BYTE(b), 1);
	/* Only the gate is ever held exclusive by the protocol: this lock is
	 * someone else's, such as a whole-file fcntl lock. */
	return rc == -EAGAIN ? -EOPNOTSUPP : rc;
}

void shmap__share_unlock(int fd, int b, int n)
{
	(void)shmap__lk(fd, F_OFD_SETLK, F_UNLCK, SHMAP__SHARE_BYTE(b), n);
}

/* A lock another open file description holds on byte b, in *fl (l_type
 * F_UNLCK if none): 0 or a negative errno. */
static int holder(int fd, int b, struct flock *fl)
{
	return shmap__lk_holder(fd, SHMAP__SHARE_BYTE(b), fl);
}

int shmap__share_held(int fd, int b)
{
	struct flock fl;
	int rc = holder(fd, b, &fl);
	return rc ? rc : fl.l_type != F_UNLCK;
}

/*
 * Who holds the gate: 0 nobody, 1 an open or truncation following the
 * protocol (an OFD lock, exclusive, on the gate byte alone), or
 * -EOPNOTSUPP for anyone else (a process's classic fcntl lock, or a lock
 * on a longer range, such as a whole-file lock), which makes the protocol
 * unusable on this file; or another negative errno.
 */
static int gate_holder(int fd)
{
	struct flock fl;
	int rc = holder(fd, SHMAP__SB_GATE, &fl);
	if (rc || fl.l_type == F_UNLCK)
		return rc;
	return fl.l_type == F_WRLCK && fl.l_pid == -1 &&
	                       fl.l_start == SHMAP__SHARE_BYTE(SHMAP__SB_GATE) &&
	                       fl.l_len == 1
	               ? 1
	               : -EOPNOTSUPP;
}

int shmap__share_gate(int fd)
{
	off_t gate = SHMAP__SHARE_BYTE(SHMAP__SB_GATE);
	int rc = shmap__lk(fd, F_OFD_SETLK, F_WRLCK, gate, 1);
	if (rc == -EAGAIN && (rc = gate_holder(fd)) >= 0)
		rc = shmap__lk_wait(fd, F_WRLCK, gate);
	/* A lock from outside that came while we waited. */
	if (rc == -EBUSY && gate_holder(fd) == -EOPNOTSUPP)
		rc = -EOPNOTSUPP;
	return rc;
}

int shmap__share_gate_wait(int fd)
{
	struct timespec nap = {0, 20000};
	long waited_us = 0;
	int rc;
	while ((rc = gate_holder(fd)) == 1) {
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
	 * system that cannot lock, or locks from outside the protocol on the
	 * reserved bytes; EBADF: a write-only descriptor, which cannot take a
	 * shared lock. */
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
	return shmap__share_unsupported(rc) ? 0 : rc;
}
