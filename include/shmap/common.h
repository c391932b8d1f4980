/* SPDX-License-Identifier: MIT */
/* shmap: common definitions shared by every public header. */
#ifndef SHMAP_COMMON_H
#define SHMAP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SHMAP_BUILDING) && defined(__GNUC__)
#define SHMAP_API __attribute__((visibility("default")))
#else
#define SHMAP_API
#endif

#define SHMAP_VERSION_MAJOR 0
#define SHMAP_VERSION_MINOR 1
#define SHMAP_VERSION_PATCH 0
#define SHMAP_VERSION                                                          \
	((SHMAP_VERSION_MAJOR << 16) | (SHMAP_VERSION_MINOR << 8) |            \
	 SHMAP_VERSION_PATCH)

/*
 * Library-specific error codes. They sit in a reserved negative band so they
 * never collide with a negated errno value; every other failure is -errno.
 */
#define SHMAP_EBADOBJ (-4001) /* magic, type or size does not match */
#define SHMAP_ETYPE (-4002)   /* the name is held by an object of another type */
#define SHMAP_EBADPATH (-4003) /* unknown namespace prefix or '\' inside a name */
#define SHMAP_EINPAGE (-4004) /* a page of a view could not be brought in */
/*
 * The object (its header, or the block of an event, mutex or semaphore) was
 * made by a version of shmap whose shared-memory format differs from this
 * library's: a newer library refuses an older format, and an older library
 * a newer one, rather than misreading it. Close every handle to the object in
 * the processes that use the other version (or run one version only); the
 * next create makes it anew.
 */
#define SHMAP_EFORMAT (-4006)

/* Returns the version the library was built as, in the SHMAP_VERSION layout. */
SHMAP_API unsigned shmap_version(void);

/*
 * Returns a static, human-readable description of an error code returned by
 * any shmap function: a negative errno value or a SHMAP_E* code. Unknown
 * codes give "unknown error". The string must not be freed.
 */
SHMAP_API const char *shmap_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif
