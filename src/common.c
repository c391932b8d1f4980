/* SPDX-License-Identifier: MIT */
/* Version and error strings. */
#include <string.h>

#include "internal.h"

unsigned shmap_version(void)
{
	return SHMAP_VERSION;
}

const char *shmap_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case SHMAP_EBADOBJ:
		return "object header does not match (bad magic, type or size)";
	case SHMAP_EFORMAT:
		return "the object has the shared-memory format of another "
		       "shmap version";
	case SHMAP_ETYPE:
		return "the name is held by an object of another type";
	case SHMAP_EBADPATH:
		return "unknown namespace prefix or backslash inside a name";
	case SHMAP_EINPAGE:
		return "a page of a view could not be brought in";
	case SHMAP_EABANDONED:
		return "acquired a mutex whose owner ended while holding it";
	case SHMAP_EOVERRUN:
		return "messages were overwritten before this reader read them";
	}
	if (err < 0 && err > -4096) {
		/* strerror's table is static for known codes in glibc; use the
		 * thread-safe GNU variant that never writes a buffer. */
		const char *s = strerrordesc_np(-err);
		if (s)
			return s;
	}
	return "unknown error";
}
