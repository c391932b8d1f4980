/*
 * Win32 errors for limits the native layer reports: a name whose lock a
 * peer holds too long (ERROR_BUSY).
 */
#include <fcntl.h>

#include "harness.h"
#include <windows.h>

/* Takes an OFD read lock on byte 1 (the gate) of path; returns the fd. */
static int hold_gate_read(const char *path)
{
	struct flock fl;
	int fd = open(path, O_RDWR);
	T_ASSERT(fd >= 0);
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 1;
	fl.l_len = 1;
	T_OK(fcntl(fd, F_OFD_SETLK, &fl));
	return fd;
}

/* A peer holding the gate makes OpenFileMapping fail with ERROR_BUSY. */
static void busy_gate(void)
{
	char path[4096];
	HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
	                              0, 4096, "Local\\busy");
	T_ASSERT(h != NULL);
	t_backing_path("Local\\busy", path, sizeof path);
	int fd = hold_gate_read(path);
	SetLastError(0);
	T_ASSERT(OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, "Local\\busy") ==
	         NULL);
	T_EQ(GetLastError(), ERROR_BUSY);
	SetLastError(0);
	T_ASSERT(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
	                            0, 4096, "Local\\busy") == NULL);
	T_EQ(GetLastError(), ERROR_BUSY);
	close(fd);
	T_ASSERT(CloseHandle(h));
}

int main(void)
{
	t_setup();
	t_run("a held gate is ERROR_BUSY", busy_gate, 20);
	return t_finish();
}
