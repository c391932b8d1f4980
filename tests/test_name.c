/* SPDX-License-Identifier: MIT */
/* Names: prefixes, limits, and safe encoding to one backing path component. */
#include "harness.h"

static void parse_prefixes(void)
{
	struct shmap__name n;
	T_OK(shmap__name_parse("abc", &n));
	T_EQ(n.ns, SHMAP__NS_LOCAL);
	T_ASSERT(!strcmp(n.canon, "Local\\abc"));
	T_ASSERT(!strcmp(n.body, "abc"));
	T_OK(shmap__name_parse("Local\\abc", &n));
	T_ASSERT(!strcmp(n.canon, "Local\\abc"));
	T_OK(shmap__name_parse("Global\\abc", &n));
	T_EQ(n.ns, SHMAP__NS_GLOBAL);
	T_ASSERT(!strcmp(n.body, "abc"));
	/* Prefixes are exact; anything else with '\' is a missing directory. */
	T_EQ(shmap__name_parse("local\\abc", &n), SHMAP_EBADPATH);
	T_EQ(shmap__name_parse("Session\\1\\abc", &n), SHMAP_EBADPATH);
	T_EQ(shmap__name_parse("Local\\a\\b", &n), SHMAP_EBADPATH);
	T_EQ(shmap__name_parse("\\abc", &n), SHMAP_EBADPATH);
	T_EQ(shmap__name_parse("", &n), -EINVAL);
	T_EQ(shmap__name_parse(NULL, &n), -EINVAL);
	T_EQ(shmap__name_parse("Local\\", &n), -EINVAL);
	T_EQ(shmap__name_parse("Global\\", &n), -EINVAL);
}

static void length_limit(void)
{
	struct shmap__name n;
	char name[2048];
	memset(name, 'x', 260);
	name[260] = 0;
	T_OK(shmap__name_parse(name, &n));
	name[260] = 'x';
	name[261] = 0;
	T_EQ(shmap__name_parse(name, &n), -ENAMETOOLONG);
	/* 260 characters of UTF-8 count as 260, not as their bytes, and the
	 * prefix does not count: a 4-byte character 260 times still fits. */
	strcpy(name, "Global\\");
	for (int i = 0; i < 260; i++)
		strcat(name, "\xe6\x97\xa5"); /* U+65E5 */
	T_OK(shmap__name_parse(name, &n));
	strcat(name, "\xe6\x97\xa5");
	T_EQ(shmap__name_parse(name, &n), -ENAMETOOLONG);
	strcpy(name, "Global\\");
	for (int i = 0; i < 260; i++)
		strcat(name, "\xf0\x9f\x98\x80"); /* U+1F600 */
	T_OK(shmap__name_parse(name, &n));
}

/*
 * A bare name and the same name with "Local\" are one name, with one limit:
 * 260 characters after the prefix, in either spelling, reach one object.
 */
static void prefix_not_counted(void)
{
	char bare[261], local[300], global[300];
	shmap_map *a, *b;
	memset(bare, 'x', 260);
	bare[260] = 0;
	snprintf(local, sizeof local, "Local\\%s", bare);
	snprintf(global, sizeof global, "Global\\%s", bare);
	T_OK(shmap_map_create(bare, 4096, SHMAP_PROT_READWRITE, NULL, &a));
	T_OK(shmap_map_create(local, 4096, SHMAP_PROT_READWRITE, NULL, &b));
	T_EQ(shmap_map_existed(b), 1);
	T_OK(shmap_map_close(b));
	T_OK(shmap_map_open(local, SHMAP_ACCESS_READ, &b));
	T_OK(shmap_map_close(b));
	T_OK(shmap_map_close(a));
	if (geteuid() == 0) {
		T_OK(shmap_map_create(global, 4096, SHMAP_PROT_READWRITE, NULL,
		                      &a));
		T_OK(shmap_map_close(a));
	}
	strcat(local, "x");
	strcat(global, "x");
	T_EQ(shmap_map_create(local, 4096, SHMAP_PROT_READWRITE, NULL, &a),
	     -ENAMETOOLONG);
	T_EQ(shmap_map_create(global, 4096, SHMAP_PROT_READWRITE, NULL, &a),
	     -ENAMETOOLONG);
	T_EQ(shmap_map_open(local, SHMAP_ACCESS_READ, &a), -ENAMETOOLONG);
}

/* The encoded component: one path component, no surprises, in the dir. */
static void check_path(const char *name, char *out, size_t len)
{
	struct shmap__name n;
	T_OK(shmap__name_parse(name, &n));
	T_OK(shmap__name_path(&n, 1000, out, len));
	size_t dl = strlen(t_dir);
	T_ASSERT(!strncmp(out, t_dir, dl) && out[dl] == '/');
	const char *comp = out + dl + 1;
	T_ASSERT(strlen(comp) <= 255);
	T_ASSERT(!strchr(comp, '/'));
	T_ASSERT(strcmp(comp, ".") && strcmp(comp, ".."));
	for (const char *p = comp; *p; p++)
		T_ASSERT((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f);
}

static void encoding_is_safe(void)
{
	char a[4096], b[4096];
	check_path("../../etc/passwd", a, sizeof a);
	T_ASSERT(!strstr(a + strlen(t_dir), "/.."));
	check_path("..", a, sizeof a);
	check_path(".", a, sizeof a);
	check_path("a/b", a, sizeof a);
	check_path("tab\there\nnewline\x01\x7f", a, sizeof a);
	check_path("100%", a, sizeof a);
	check_path("%25", b, sizeof b);
	T_ASSERT(strcmp(a, b)); /* '%' is escaped, so no aliasing */
	check_path("sp ace", a, sizeof a);
	check_path("sp%20ace", b, sizeof b);
	T_ASSERT(strcmp(a, b));
	/* Case is kept. */
	check_path("Name", a, sizeof a);
	check_path("name", b, sizeof b);
	T_ASSERT(strcmp(a, b));
	/* Local is per user; Global is shared. */
	struct shmap__name n;
	T_OK(shmap__name_parse("same", &n));
	T_OK(shmap__name_path(&n, 1000, a, sizeof a));
	T_OK(shmap__name_path(&n, 1001, b, sizeof b));
	T_ASSERT(strcmp(a, b));
	T_OK(shmap__name_parse("Global\\same", &n));
	T_OK(shmap__name_path(&n, 1000, a, sizeof a));
	T_OK(shmap__name_path(&n, 1001, b, sizeof b));
	T_ASSERT(!strcmp(a, b));
	check_path("Global\\same", b, sizeof b);
	check_path("Local\\same", a, sizeof a);
	T_ASSERT(strcmp(a, b));
}

static void long_names_hash(void)
{
	char n1[300], n2[300], a[4096], b[4096];
	/* 260 bytes that all need escaping would be 780 encoded bytes. */
	memset(n1, '\x01', 260);
	n1[260] = 0;
	memcpy(n2, n1, sizeof n1);
	n2[259] = '\x02'; /* differs only past the readable prefix */
	check_path(n1, a, sizeof a);
	check_path(n2, b, sizeof b);
	T_ASSERT(strcmp(a, b));
	T_ASSERT(strchr(a, '~'));
	/* Short names never contain '~' (it is escaped), so never alias. */
	check_path("~abc", a, sizeof a);
	T_ASSERT(!strchr(a + strlen(t_dir), '~'));
}

/* Real objects with awkward names round-trip and stay in the directory. */
static void awkward_names_work(void)
{
	const char *names[] = {"../escape", "a/b/c", "ctl\x01\x02", "%41",
	                       "A", "\xe6\x97\xa5\xe6\x9c\xac", "dot.", "-"};
	char longname[261];
	memset(longname, 'q', 260);
	longname[260] = 0;
	shmap_map *m[9], *o;
	for (int i = 0; i < 8; i++) {
		T_OK(shmap_map_create(names[i], 4096, SHMAP_PROT_READWRITE, NULL,
		                      &m[i]));
		T_EQ(shmap_map_existed(m[i]), 0);
	}
	T_OK(shmap_map_create(longname, 4096, SHMAP_PROT_READWRITE, NULL, &m[8]));
	T_EQ(t_count_files(t_dir), 9);
	for (int i = 0; i < 8; i++) {
		T_OK(shmap_map_open(names[i], SHMAP_ACCESS_READ, &o));
		T_OK(shmap_map_close(o));
	}
	T_OK(shmap_map_open(longname, SHMAP_ACCESS_READ, &o));
	T_OK(shmap_map_close(o));
	for (int i = 0; i < 9; i++)
		T_OK(shmap_map_close(m[i]));
}

static void strerror_covers_codes(void)
{
	T_ASSERT(strstr(shmap_strerror(SHMAP_EBADOBJ), "header"));
	T_ASSERT(strstr(shmap_strerror(SHMAP_ETYPE), "type"));
	T_ASSERT(strstr(shmap_strerror(SHMAP_EBADPATH), "prefix"));
	T_ASSERT(strstr(shmap_strerror(SHMAP_EINPAGE), "page"));
	T_ASSERT(!strcmp(shmap_strerror(-ENOENT), "No such file or directory"));
	T_ASSERT(!strcmp(shmap_strerror(-99999), "unknown error"));
	T_EQ(shmap_version(), SHMAP_VERSION);
}

int main(void)
{
	t_setup();
	t_run("prefixes", parse_prefixes, 10);
	t_run("260-character limit", length_limit, 10);
	t_run("the prefix does not count in the limit", prefix_not_counted, 10);
	t_run("encoding is safe", encoding_is_safe, 10);
	t_run("long names are hashed", long_names_hash, 10);
	t_run("awkward names work", awkward_names_work, 10);
	t_run("strerror and version", strerror_covers_codes, 10);
	return t_finish();
}
