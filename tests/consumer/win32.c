/* SPDX-License-Identifier: MIT */
/*
 * A Win32 program as a consumer builds it: wmain as its entry point, a view
 * mapped through the Win32 API and unmapped through the native one, which
 * works only if both APIs share one library state.
 */
#include <windows.h>
#include <shmap.h>
#include <stdio.h>
#include <string.h>

int wmain(int argc, wchar_t **argv)
{
	HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL,
	                              PAGE_READWRITE, 0, 4096, NULL);
	char *v = h ? MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0) : NULL;
	if (!v) {
		printf("win32 consumer: mapping failed, error %lu\n",
		       (unsigned long)GetLastError());
		return 1;
	}
	strcpy(v, "hello");
	int rc = shmap_view_unmap(v);
	CloseHandle(h);
	printf("win32 consumer (%d argument(s), first %ls): %s\n", argc,
	       argv[0], rc ? shmap_strerror(rc) : "ok");
	return rc != 0;
}
