/* Runtime helpers of Windows programs: local memory and string lengths. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "w32.h"

HLOCAL WINAPI LocalAlloc(UINT flags, SIZE_T n)
{
	if (flags & ~(UINT)(LMEM_MOVEABLE | LMEM_ZEROINIT)) {
		w32_set_error(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	/* One byte for a 0-byte request, so the block is valid and unique. */
	void *p = flags & LMEM_ZEROINIT ? calloc(1, n ? n : 1)
	                                : malloc(n ? n : 1);
	if (!p)
		w32_set_error(ERROR_NOT_ENOUGH_MEMORY);
	return p;
}

HLOCAL WINAPI LocalFree(HLOCAL h)
{
	free(h);
	return NULL;
}

int WINAPI lstrlenA(LPCSTR s)
{
	return s ? (int)strlen(s) : 0;
}

int WINAPI lstrlenW(LPCWSTR s)
{
	return s ? (int)wcslen(s) : 0;
}
