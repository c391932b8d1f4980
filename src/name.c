/* SPDX-License-Identifier: MIT */
/* Names: namespace prefixes, validation, encoding to a backing path. */
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#ifndef SHMAP_GLOBAL_GROUP
#define SHMAP_GLOBAL_GROUP "shmap-global"
#endif

static char g_dir[PATH_MAX] = "/dev/shm";
static int g_dir_set;
static pthread_once_t g_dir_once = PTHREAD_ONCE_INIT;
static pthread_once_t g_sweep_once = PTHREAD_ONCE_INIT;

void shmap__set_dir(const char *dir)
{
	snprintf(g_dir, sizeof g_dir, "%s", dir);
	g_dir_set = 1;
}

static void dir_init(void)
{
	const char *d = getenv("SHMAP_DIR");
	if (!g_dir_set && d && *d && strlen(d) < sizeof g_dir - 1)
		snprintf(g_dir, sizeof g_dir, "%s", d);
}

const char *shmap__dir_raw(void)
{
	return g_dir;
}

const char *shmap__dir(void)
{
	pthread_once(&g_dir_once, dir_init);
	return g_dir;
}

const char *shmap_backing_dir(void)
{
	SHMAP__ERRNO_SAVE;
	const char *d = shmap__dir();
	SHMAP__ERRNO_RESTORE;
	return d;
}

static void sweep_once(void)
{
	(void)shmap__sweep(0, NULL, NULL);
}

static void nothing(void)
{
}

void shmap__init(void)
{
	pthread_once(&g_dir_once, dir_init);
	pthread_once(&g_sweep_once, sweep_once);
}

int shmap_sweep(unsigned flags, shmap_object_fn fn, void *ctx)
{
	SHMAP__ERRNO_SAVE;
	pthread_once(&g_dir_once, dir_init);
	/* A real sweep is this process's first-use sweep too, if none ran
	 * yet; marked first, so that fn's own first object call does not
	 * start another inside this one. */
	if (!(flags & SHMAP_SWEEP_DRY_RUN))
		pthread_once(&g_sweep_once, nothing);
	int rc = flags & ~SHMAP_SWEEP_DRY_RUN ? -EINVAL
	                                       : shmap__sweep(flags, fn, ctx);
	SHMAP__ERRNO_RESTORE;
	return rc;
}

int shmap_gc(void)
{
	return shmap_sweep(0, NULL, NULL);
}

/* Counts characters: UTF-8 continuation bytes do not start one. */
static size_t count_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

int shmap__name_parse(const char *name, struct shmap__name *out)
{
	static const char local[] = "Local\\", global[] = "Global\\";
	const char *body = name;
	int ns = SHMAP__NS_LOCAL;

	if (!name || !*name)
		return -EINVAL;
	if (!strncmp(name, local, sizeof local - 1)) {
		body = name + sizeof local - 1;
	} else if (!strncmp(name, global, sizeof global - 1)) {
		body = name + sizeof global - 1;
		ns = SHMAP__NS_GLOBAL;
	}
	/* The limit is on the name after its prefix: "x" and "Local\x" are
	 * one name and must have one limit. */
	if (count_chars(body) > SHMAP_NAME_MAX)
		return -ENAMETOOLONG;
	/* Any other "X\" is a directory Windows would not find either. */
	if (strchr(body, '\\'))
		return SHMAP_EBADPATH;
	if (!*body)
		return -EINVAL;
	const char *prefix = ns == SHMAP__NS_GLOBAL ? global : local;
	int n = snprintf(out->canon, sizeof out->canon, "%s%s", prefix, body);
	if (n < 0 || (size_t)n >= sizeof out->canon)
		return -ENAMETOOLONG;
	out->ns = ns;
	out->body = out->canon + strlen(prefix);
	return 0;
}

/* 64-bit FNV-1a from a given basis; two bases give 128 bits. */
static uint64_t fnv1a(const char *s, uint64_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

static int keep_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/*
 * The backing file is one path component "shmap.<ns>.<body>" where <ns> is
 * "u<uid>" for Local (so users never collide) and "g" for Global. Bytes
 * outside [A-Za-z0-9._-] become %XX, so no '/', control character or other
 * surprise reaches the path, and the leading "shmap." means the component is
 * never "." or "..". Encodings too long for one component keep a readable
 * prefix and end in '~' and a 128-bit hash; '~' never appears otherwise.
 */
/*
 * Encodes s into out, at most cap bytes, stopping before an escape that would
 * not fit. Returns the bytes written; *done says whether all of s fit.
 */
static size_t encode(const char *s, char *out, size_t cap, int *done)
{
	size_t pos = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		size_t need = keep_char(c) ? 1 : 3;
		if (pos + need > cap)
			break;
		if (need == 1)
			out[pos] = (char)c;
		else
			snprintf(out + pos, 4, "%%%02X", c);
		pos += need;
	}
	*done = !*s;
	return pos;
}

int shmap__name_path(const struct shmap__name *n, uid_t uid, char *buf,
                     size_t len)
{
	char comp[256];
	int k = n->ns == SHMAP__NS_GLOBAL
	                ? snprintf(comp, sizeof comp, "shmap.g.")
	                : snprintf(comp, sizeof comp, "shmap.u%u.", (unsigned)uid);
	const size_t limit = 200 - (size_t)k; /* stays well under NAME_MAX */
	int done;
	size_t e = encode(n->body, comp + k, limit, &done);

	if (!done) {
		/* Too long: keep a readable prefix and name the body by hash. */
		e = encode(n->body, comp + k, limit - 40, &done);
		snprintf(comp + k + e, sizeof comp - (size_t)k - e,
		         "~%016llx%016llx",
		         (unsigned long long)fnv1a(n->body, 0xcbf29ce484222325ull),
		         (unsigned long long)fnv1a(n->body, 0x84222325cbf29ce4ull));
	} else {
		comp[(size_t)k + e] = 0;
	}
	int w = snprintf(buf, len, "%s/%s", shmap__dir(), comp);
	if (w < 0 || (size_t)w >= len)
		return -ENAMETOOLONG;
	return 0;
}

static gid_t g_global_gid;
static int g_global_gid_ok;
static pthread_once_t g_gid_once = PTHREAD_ONCE_INIT;

static void gid_init(void)
{
	struct group gr, *res = NULL;
	char buf[4096];
	if (getgrnam_r(SHMAP_GLOBAL_GROUP, &gr, buf, sizeof buf, &res) == 0 &&
	    res) {
		g_global_gid = res->gr_gid;
		g_global_gid_ok = 1;
	}
}

/* Creating in Global\ needs root or membership of SHMAP_GLOBAL_GROUP. */
int shmap__caller_privileged(void)
{
	if (geteuid() == 0)
		return 1;
	pthread_once(&g_gid_once, gid_init);
	if (!g_global_gid_ok)
		return 0;
	if (getegid() == g_global_gid)
		return 1;
	gid_t groups[256];
	int n = getgroups(256, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == g_global_gid)
			return 1;
	return 0;
}

/* Whether uid (an object's owner) may own Global objects. */
int shmap__uid_privileged(uid_t uid)
{
	if (uid == 0)
		return 1;
	if (uid == geteuid())
		return shmap__caller_privileged();
	pthread_once(&g_gid_once, gid_init);
	if (!g_global_gid_ok)
		return 0;
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) != 0 || !res)
		return 0;
	gid_t groups[256];
	int n = 256;
	if (getgrouplist(res->pw_name, res->pw_gid, groups, &n) < 0)
		return 0;
	for (int i = 0; i < n; i++)
		if (groups[i] == g_global_gid)
			return 1;
	return 0;
}
