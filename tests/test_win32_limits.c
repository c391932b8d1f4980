/* SPDX-License-Identifier: MIT */
/*
 * Win32 errors for limits the native layer reports: a name whose lock a
 * peer holds too long (ERROR_BUSY); SEC_RESERVE sections of any size, and
 * SEC_COMMIT ones larger than memory (ERROR_COMMITMENT_LIMIT).
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

/*
 * SEC_RESERVE commits nothing: a 1 TiB page-file-backed section is created
 * at once, and a view at its far end works. SEC_COMMIT (the default) of the
 * same size is refused as Windows refuses it past the commit limit.
 */
static void sec_reserve_tib(void)
{
	static const char *names[] = {"Local\\res", NULL};
	for (int i = 0; i < 2; i++) {
		double t0 = t_now();
		HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL,
		                              PAGE_READWRITE | SEC_RESERVE, 256,
		                              0, names[i]);
		T_ASSERT(h != NULL);
		T_ASSERT(t_now() - t0 < 0.5);
		/* 1 TiB - 1 MiB, a multiple of the 64 KiB granularity. */
		char *v = MapViewOfFile(h, FILE_MAP_WRITE, 255, 0xfff00000u,
		                        1 << 20);
		T_ASSERT(v != NULL);
		strcpy(v + (1 << 20) - 8, "end");
		T_ASSERT(!strcmp(v + (1 << 20) - 8, "end"));
		T_ASSERT(UnmapViewOfFile(v));
		T_ASSERT(CloseHandle(h));
	}
	SetLastError(0);
	T_ASSERT(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL,
	                            PAGE_READWRITE | SEC_COMMIT, 256, 0,
	                            NULL) == NULL);
	T_EQ(GetLastError(), ERROR_COMMITMENT_LIMIT);
	SetLastError(0);
	T_ASSERT(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
	                            256, 0, NULL) == NULL);
	T_EQ(GetLastError(), ERROR_COMMITMENT_LIMIT);
	T_EQ(t_count_files(t_dir), 0);
}

int main(void)
{
	t_setup();
	t_run("a held gate is ERROR_BUSY", busy_gate, 20);
	t_run("SEC_RESERVE of 1 TiB; SEC_COMMIT past the limit",
	      sec_reserve_tib, 30);
	return t_finish();
}
