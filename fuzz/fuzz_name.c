/* SPDX-License-Identifier: MIT */
/*
 * Names: narrow (UTF-8) and wide (UTF-32 wchar_t, narrowed the way the Win32
 * layer does), with or without the Local\ and Global\ prefixes. Checks that
 * a parsed name is canonical and parses again to itself, that its backing
 * path is one safe component inside the backing directory that encodes the
 * name without loss (or by hash), that wide names narrow losslessly, and
 * that the Win32 open calls take any name without harm.
 *
 * Selector byte: bit 0 wide; bit 1 also call the Win32 open functions.
 */
#include <limits.h>
#include <wchar.h>
#include <windows.h>

#include "common.h"
#include "win32/w32.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_setup();
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Decodes the %XX escapes of a path component body into out. */
static int decode(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	for (; *s; s++) {
		if (o + 1 >= cap)
			return -1;
		if (*s == '%') {
			int a = hexval(s[1]), b = a < 0 ? -1 : hexval(s[2]);
			if (a < 0 || b < 0)
				return -1;
			out[o++] = (char)(a * 16 + b);
			s += 2;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = 0;
	return 0;
}

static void check_name(const char *name)
{
	struct shmap__name n, again;
	char path[PATH_MAX], dec[PATH_MAX];
	int rc = shmap__name_parse(name, &n);
	FZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENAMETOOLONG ||
	                 rc == SHMAP_EBADPATH,
	         "parse: %d", rc);
	if (rc)
		return;
	const char *pre = n.ns == SHMAP__NS_GLOBAL ? "Global\\" : "Local\\";
	FZ_CHECK(n.ns == SHMAP__NS_LOCAL || n.ns == SHMAP__NS_GLOBAL, "ns");
	FZ_CHECK(!strncmp(n.canon, pre, strlen(pre)) &&
	                 n.body == n.canon + strlen(pre),
	         "canonical prefix of %s", n.canon);
	FZ_CHECK(*n.body && !strchr(n.body, '\\'), "body of %s", n.canon);
	/* The body is the name's, the prefix only where it was given. */
	size_t bl = strlen(n.body), nl = strlen(name);
	FZ_CHECK(bl <= nl && !strcmp(name + nl - bl, n.body), "body changed");
	rc = shmap__name_parse(n.canon, &again);
	FZ_CHECK(rc == 0 && !strcmp(again.canon, n.canon),
	         "canonical name does not parse to itself: %d", rc);

	rc = shmap__name_path(&n, geteuid(), path, sizeof path);
	FZ_CHECK(rc == 0, "path: %d", rc);
	size_t dl = strlen(fz_dir);
	FZ_CHECK(!strncmp(path, fz_dir, dl) && path[dl] == '/',
	         "path outside the directory: %s", path);
	const char *comp = path + dl + 1;
	FZ_CHECK(!strchr(comp, '/') && strlen(comp) <= NAME_MAX &&
	                 !strncmp(comp, "shmap.", 6),
	         "component %s", comp);
	for (const char *c = comp; *c; c++)
		FZ_CHECK((unsigned char)*c > 0x20 && (unsigned char)*c < 0x7f,
		         "byte %02x in the component", (unsigned char)*c);
	const char *ns = n.ns == SHMAP__NS_GLOBAL ? "shmap.g." : NULL;
	char local[32];
	if (!ns) {
		snprintf(local, sizeof local, "shmap.u%u.", (unsigned)geteuid());
		ns = local;
	}
	FZ_CHECK(!strncmp(comp, ns, strlen(ns)), "namespace of %s", comp);
	const char *enc = comp + strlen(ns);
	const char *tilde = strchr(enc, '~');
	if (!tilde) {
		/* Not hashed: the component spells the body exactly. */
		FZ_CHECK(decode(enc, dec, sizeof dec) == 0 &&
		                 !strcmp(dec, n.body),
		         "component %s does not spell %s", comp, n.body);
	} else {
		char pfx[PATH_MAX];
		size_t k = (size_t)(tilde - enc);
		memcpy(pfx, enc, k);
		pfx[k] = 0;
		FZ_CHECK(strlen(tilde) == 33 && decode(pfx, dec, sizeof dec) == 0 &&
		                 !strncmp(dec, n.body, strlen(dec)),
		         "hashed component %s", comp);
	}
}

/* w with each surrogate pair joined into the character it encodes. */
static void join_pairs(const wchar_t *w, wchar_t *out)
{
	for (; *w; w++) {
		uint32_t c = (uint32_t)w[0], d = (uint32_t)w[1];
		if (c >= 0xd800 && c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
			*out++ = (wchar_t)(0x10000 + ((c - 0xd800) << 10) +
			                   (d - 0xdc00));
			w++;
		} else {
			*out++ = (wchar_t)c;
		}
	}
	*out = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	unsigned sel = data[0];
	const uint8_t *d = data + 1;
	size_t n = size - 1;
	char *name;
	wchar_t *w = NULL;
	if (sel & 1) {
		size_t wn = n / sizeof(wchar_t);
		w = calloc(wn + 1, sizeof *w);
		memcpy(w, d, wn * sizeof *w);
		name = w32_narrow(w);
		FZ_CHECK(name, "narrow");
		/* Lossless: widening gives the name back. */
		wchar_t *back = w32_widen(name), *joined = calloc(wn + 1, sizeof *w);
		join_pairs(w, joined);
		FZ_CHECK(back && !wcscmp(back, joined), "wide name not kept");
		char *again = w32_narrow(back);
		FZ_CHECK(again && !strcmp(again, name), "narrowing not stable");
		free(again);
		free(back);
		free(joined);
	} else {
		name = malloc(n + 1);
		memcpy(name, d, n);
		name[n] = 0;
	}
	check_name(name);
	if (sel & 2) {
		/* Nothing exists: every open is refused cleanly. */
		HANDLE h = w ? OpenFileMappingW(FILE_MAP_READ, FALSE, w)
		             : OpenFileMappingA(FILE_MAP_READ, FALSE, name);
		FZ_CHECK(h == NULL, "opened a mapping out of nothing");
		h = w ? OpenEventW(SYNCHRONIZE, FALSE, w)
		      : OpenEventA(SYNCHRONIZE, FALSE, name);
		FZ_CHECK(h == NULL, "opened an event out of nothing");
	}
	free(name);
	free(w);
	return 0;
}
