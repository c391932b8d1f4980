/* SPDX-License-Identifier: MIT */
/* shmap tool: ls, info, who and watch, the verbs that look without taking. */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static int run_ls(int argc, char **argv);
static int run_info(int argc, char **argv);
static int run_who(int argc, char **argv);
static int run_watch(int argc, char **argv);

const struct cli_verb cli_verb_ls = {
	"ls",
	"usage: shmap ls [--all-users] [--json]\n"
	"Lists the objects of the backing directory, one a line: its own\n"
	"user's Local names and every Global name.\n"
	"  -a, --all-users  every user's Local names too (root)\n"
	"  -j, --json       one JSON document (schema in shmap(1))\n",
	"list objects, their holders and memory",
	run_ls,
};

const struct cli_verb cli_verb_info = {
	"info",
	"usage: shmap info NAME [--json]\n"
	"Shows an object's header, its state, and every process holding it\n"
	"with its views.\n"
	"  -j, --json  one JSON document (schema in shmap(1))\n",
	"show an object, its state and its holders",
	run_info,
};

const struct cli_verb cli_verb_who = {
	"who",
	"usage: shmap who NAME [--json]\n"
	"Lists the processes holding an object, one a line: pid, access of\n"
	"its views (r, rw, cow), handles, views, command line.\n"
	"  -j, --json  one JSON document (schema in shmap(1))\n",
	"list the processes holding an object",
	run_who,
};

const struct cli_verb cli_verb_watch = {
	"watch",
	"usage: shmap watch [NAME...] [--interval SEC] [--count N]\n"
	"Shows the objects (or those named) and their holders, resident\n"
	"memory and state, refreshed in place on a terminal, as top does;\n"
	"frame after frame of plain text otherwise. Ends on SIGINT.\n"
	"  -i, --interval SEC  seconds between frames (2; fractions allowed)\n"
	"  -c, --count N       print N frames, then exit\n",
	"watch objects and holders live",
	run_watch,
};

/* ---- what the library reports, copied out of its callbacks ---- */

struct obj {
	char *name, *path, *file_path;
	int error;
	enum shmap_type type;
	uint64_t size, ctime_ns, resident;
	unsigned prot, mode, handles, processes, views, processes_hidden;
	uid_t owner, creator_uid;
	pid_t creator_pid;
	int global, live;
	shmap_sync_state sync;
	struct shmap_chan_stats chan;
};

struct objs {
	struct obj *v;
	size_t n, cap;
};

struct holder {
	pid_t pid;
	uid_t uid;
	char *command;
	unsigned handles, nviews, access;
	shmap_view_info *views;
};

struct holders {
	struct holder *v;
	size_t n, cap;
	shmap_holders_summary sum;
};

static char *dup_or_null(const char *s)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		abort(); /* out of memory in a command-line tool */
	return d;
}

/* Grows an array of n elements of size sz to hold one more. */
static void *grow(void *v, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	v = realloc(v, *cap * sz);
	if (!v)
		abort();
	return v;
}

static int add_obj(const shmap_object_info *i, void *ctx)
{
	struct objs *os = ctx;
	os->v = grow(os->v, &os->cap, os->n, sizeof *os->v);
	struct obj *o = &os->v[os->n++];
	o->name = dup_or_null(i->name);
	o->path = dup_or_null(i->path);
	o->file_path = dup_or_null(i->file_path);
	o->error = i->error;
	o->type = i->type;
	o->size = i->size;
	o->ctime_ns = i->ctime_ns;
	o->resident = i->resident;
	o->prot = i->prot;
	o->mode = i->mode;
	o->handles = i->handles;
	o->processes = i->processes;
	o->views = i->views;
	o->processes_hidden = i->processes_hidden;
	o->owner = i->owner;
	o->creator_uid = i->creator_uid;
	o->creator_pid = i->creator_pid;
	o->global = i->global;
	o->live = i->live;
	o->sync = i->sync;
	o->chan = i->chan;
	return 0;
}

static void objs_free(struct objs *os)
{
	for (size_t i = 0; i < os->n; i++) {
		free(os->v[i].name);
		free(os->v[i].path);
		free(os->v[i].file_path);
	}
	free(os->v);
	memset(os, 0, sizeof *os);
}

static int add_holder(const shmap_holder_info *h, void *ctx)
{
	struct holders *hs = ctx;
	hs->v = grow(hs->v, &hs->cap, hs->n, sizeof *hs->v);
	struct holder *d = &hs->v[hs->n++];
	d->pid = h->pid;
	d->uid = h->uid;
	d->command = dup_or_null(h->command ? h->command : "");
	d->handles = h->handles;
	d->nviews = h->nviews;
	d->access = h->access;
	d->views = calloc(h->nviews ? h->nviews : 1, sizeof *d->views);
	if (!d->views)
		abort();
	for (unsigned k = 0; k < h->nviews; k++) {
		d->views[k].start = h->views[k].start;
		d->views[k].end = h->views[k].end;
		d->views[k].offset = h->views[k].offset;
		d->views[k].access = h->views[k].access;
	}
	return 0;
}

static void holders_free(struct holders *hs)
{
	for (size_t i = 0; i < hs->n; i++) {
		free(hs->v[i].command);
		free(hs->v[i].views);
	}
	free(hs->v);
	memset(hs, 0, sizeof *hs);
}

/* The holders of name, or an error code (-ENOENT for a name gone). */
static int get_holders(const char *name, struct holders *hs)
{
	memset(hs, 0, sizeof *hs);
	return shmap_holders(name, add_holder, hs, &hs->sum);
}

/* ---- words and numbers as people read them ---- */

static const char *type_word(const struct obj *o)
{
	const char *w = o->error ? NULL : cli_type_word(o->type);
	return w ? w : "?";
}

static const char *prot_word(unsigned prot)
{
	switch (prot) {
	case SHMAP_PROT_READONLY:
		return "read-only";
	case SHMAP_PROT_READWRITE:
		return "read-write";
	case SHMAP_PROT_WRITECOPY:
		return "copy-on-write";
	}
	return NULL;
}

/* live, leftover, or why the header was not read. */
static const char *state_word(const struct obj *o)
{
	switch (o->error) {
	case 0:
		return o->live ? "live" : "leftover";
	case -EACCES:
		return "no-access";
	case SHMAP_EFORMAT:
		return "other-format";
	default:
		return "invalid";
	}
}

/* The name, or for an object whose header was not read its file. */
static const char *shown_name(const struct obj *o)
{
	if (o->name)
		return cli_name(o->name);
	const char *base = strrchr(o->path, '/');
	return cli_name(base ? base + 1 : o->path);
}

/* A byte count as "512", "4.0K", "12M". */
static const char *human(char *b, size_t n, uint64_t v)
{
	static const char units[] = "KMGTPE";
	if (v < 1024) {
		snprintf(b, n, "%llu", (unsigned long long)v);
		return b;
	}
	double d = (double)v;
	int u = -1;
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	snprintf(b, n, d < 9.95 ? "%.1f%c" : "%.0f%c", d, units[u]);
	return b;
}

/* How long ago a CLOCK_REALTIME time in ns was: "42s", "5m", "3h", "2d". */
static const char *age(char *b, size_t n, uint64_t ns)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t s = (int64_t)now.tv_sec - (int64_t)(ns / 1000000000u);
	if (!ns || s < 0)
		snprintf(b, n, "-");
	else if (s < 120)
		snprintf(b, n, "%llds", (long long)s);
	else if (s < 7200)
		snprintf(b, n, "%lldm", (long long)s / 60);
	else if (s < 172800)
		snprintf(b, n, "%lldh", (long long)s / 3600);
	else
		snprintf(b, n, "%lldd", (long long)s / 86400);
	return b;
}

static const char *user_name(char *b, size_t n, uid_t uid)
{
	struct passwd *pw = getpwuid(uid);
	if (pw && pw->pw_name)
		snprintf(b, n, "%s", cli_name(pw->pw_name));
	else
		snprintf(b, n, "%u", (unsigned)uid);
	return b;
}

/* A view's access: r, rw, cow, with x when executable. */
static const char *view_access(char *b, size_t n, unsigned a)
{
	const char *w = (a & SHMAP_ACCESS_COPY)    ? "cow"
	                : (a & SHMAP_ACCESS_WRITE) ? "rw"
	                : (a & SHMAP_ACCESS_READ)  ? "r"
	                                           : "-";
	snprintf(b, n, "%s%s", w, (a & SHMAP_ACCESS_EXEC) ? "x" : "");
	return b;
}

/* A holder's access: its views' words, each once, joined by ','; "-" for
 * a holder with handles and no view. */
static const char *holder_access(char *b, size_t n, const struct holder *h)
{
	size_t len = 0;
	b[0] = 0;
	for (unsigned k = 0; k < h->nviews; k++) {
		char w[8];
		view_access(w, sizeof w, h->views[k].access);
		int seen = 0;
		for (const char *p = b; *p && !seen; p += strcspn(p, ","),
		                p += *p == ',') {
			size_t l = strcspn(p, ",");
			seen = l == strlen(w) && !strncmp(p, w, l);
		}
		if (!seen && len + strlen(w) + 2 < n)
			len += (size_t)snprintf(b + len, n - len, "%s%s",
			                        len ? "," : "", w);
	}
	if (!len)
		snprintf(b, n, "-");
	return b;
}

/* A channel's counters, for info. */
static void chan_lines(const struct obj *o)
{
	const struct shmap_chan_stats *c = &o->chan;
	if (o->error)
		return;
	if (!c->valid) {
		printf("channel:   unreadable: %s\n", shmap_strerror(c->error));
		return;
	}
	printf("channel:   %s, %u messages of up to %u bytes, %u sender%s, "
	       "%u %s%s\n",
	       cli_shape_word(c->shape), c->capacity, c->max_msg,
	       c->senders, c->senders == 1 ? "" : "s", c->receivers,
	       c->shape == SHMAP_CHAN_BROADCAST ? "reader" : "receiver",
	       c->receivers == 1 ? "" : "s");
	printf("messages:  sent %llu (%llu bytes), received %llu (%llu bytes)",
	       (unsigned long long)c->sent, (unsigned long long)c->sent_bytes,
	       (unsigned long long)c->received,
	       (unsigned long long)c->received_bytes);
	if (c->shape != SHMAP_CHAN_BROADCAST)
		printf(", queued %llu", (unsigned long long)c->queued);
	printf("\nwaits:     %llu full, %llu empty; skipped %llu",
	       (unsigned long long)c->full_waits,
	       (unsigned long long)c->empty_waits,
	       (unsigned long long)c->skipped);
	if (c->shape == SHMAP_CHAN_BROADCAST)
		printf("; overruns %llu, missed %llu, largest lag %llu",
		       (unsigned long long)c->overruns,
		       (unsigned long long)c->missed,
		       (unsigned long long)c->lag_max);
	printf("\n");
	for (unsigned i = 0; c->shape == SHMAP_CHAN_BROADCAST &&
	                     i < c->receivers && i < SHMAP_CHAN_READERS_SHOWN;
	     i++)
		printf("reader:    pid %d at %llu, lag %llu, received %llu, "
		       "missed %llu\n",
		       (int)c->reader[i].pid,
		       (unsigned long long)c->reader[i].position,
		       (unsigned long long)c->reader[i].lag,
		       (unsigned long long)c->reader[i].received,
		       (unsigned long long)c->reader[i].missed);
}

/* The state of an event, mutex or semaphore in words; "" for others. */
static const char *sync_words(char *b, size_t n, const struct obj *o)
{
	const shmap_sync_state *s = &o->sync;
	int k = 0;
	b[0] = 0;
	if (o->error || o->type == SHMAP_TYPE_MAPPING ||
	    o->type == SHMAP_TYPE_CHANNEL)
		return b;
	if (!s->valid) {
		snprintf(b, n, "unreadable: %s", shmap_strerror(s->error));
		return b;
	}
	if (o->type == SHMAP_TYPE_EVENT)
		k = snprintf(b, n, "%s, %s reset", s->set ? "set" : "not set",
		             s->manual_reset ? "manual" : "auto");
	else if (o->type == SHMAP_TYPE_SEMAPHORE)
		k = snprintf(b, n, "count %u of %u", s->count, s->max);
	else if (!s->owner_tid && !s->abandoned)
		k = snprintf(b, n, "free");
	else if (!s->owner_tid)
		k = snprintf(b, n, "free, abandoned");
	else
		k = snprintf(b, n, "owned by pid %d thread %d%s%s",
		             (int)s->owner_pid, (int)s->owner_tid,
		             s->recursion > 1 ? " (recursively)" : "",
		             s->abandoned ? ", abandoned" : "");
	if (s->waiters && k > 0 && (size_t)k < n)
		snprintf(b + k, n - (size_t)k, ", %u waiting", s->waiters);
	return b;
}

/* What a caller without privilege could not see, or NULL. */
static const char *hidden_words(char *b, size_t n, unsigned hidden)
{
	if (!hidden)
		return NULL;
	snprintf(b, n, "%u process%s could not be inspected", hidden,
	         hidden == 1 ? "" : "es");
	return b;
}

/* What shmap_holders could not see, or NULL when it saw every holder. */
static const char *not_seen_words(char *b, size_t n,
                                  const shmap_holders_summary *s)
{
	unsigned h = s->processes_hidden;
	const char *es = h == 1 ? "" : "es";
	if (s->complete)
		return NULL;
	if (s->handles_seen < s->handles)
		snprintf(b, n,
		         "%u of the %u handles open on it, in the %u process%s "
		         "that could not be inspected",
		         s->handles - s->handles_seen, s->handles, h, es);
	else
		snprintf(b, n,
		         "views of it, if any, in the %u process%s that could "
		         "not be inspected (every handle was found)",
		         h, es);
	return b;
}

/* Columns a name takes on a terminal (UTF-8 characters, not bytes). */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Writes s padded with spaces to w columns. */
static void pad(FILE *f, const char *s, size_t w)
{
	fputs(s, f);
	for (size_t k = width(s); k < w; k++)
		fputc(' ', f);
}

const char *cli_describe(char *b, size_t n, const shmap_object_info *i)
{
	struct obj o;
	char sz[16], ag[16], own[64];
	memset(&o, 0, sizeof o);
	o.error = i->error;
	o.type = i->type;
	if (i->error) {
		snprintf(b, n, "%s", shmap_strerror(i->error));
		return b;
	}
	int k = snprintf(b, n, "%s", type_word(&o));
	if (k > 0 && (size_t)k < n && i->type == SHMAP_TYPE_MAPPING)
		k += snprintf(b + k, n - (size_t)k, ", %s bytes",
		              human(sz, sizeof sz, i->size));
	if (k > 0 && (size_t)k < n)
		snprintf(b + k, n - (size_t)k, ", made by pid %d, user %s, %s ago",
		         (int)i->creator_pid,
		         user_name(own, sizeof own, i->creator_uid),
		         age(ag, sizeof ag, i->ctime_ns));
	return b;
}

/* ---- JSON ---- */

static void json_bool(FILE *f, const char *key, int v)
{
	fprintf(f, "\"%s\": %s", key, v ? "true" : "false");
}

static void json_sync(FILE *f, const struct obj *o)
{
	const shmap_sync_state *s = &o->sync;
	if (o->error || o->type == SHMAP_TYPE_MAPPING ||
	    o->type == SHMAP_TYPE_CHANNEL) {
		fputs("null", f);
		return;
	}
	fputs("{", f);
	json_bool(f, "valid", s->valid);
	fputs(", \"error\": ", f);
	cli_json_string(f, s->valid ? NULL : shmap_strerror(s->error));
	if (o->type == SHMAP_TYPE_EVENT) {
		fputs(", ", f);
		json_bool(f, "set", s->set);
		fputs(", ", f);
		json_bool(f, "manual_reset", s->manual_reset);
	} else if (o->type == SHMAP_TYPE_SEMAPHORE) {
		fprintf(f, ", \"count\": %u, \"max\": %u", s->count, s->max);
	} else {
		fprintf(f, ", \"owner_pid\": %d, \"owner_tid\": %d, ",
		        (int)s->owner_pid, (int)s->owner_tid);
		json_bool(f, "abandoned", s->abandoned);
		fprintf(f, ", \"recursion\": %u", s->recursion);
	}
	fprintf(f, ", \"waiters\": %u}", s->waiters);
}

#define U64(x) ((unsigned long long)(x))

/* A channel's counters (null for other types). */
static void json_chan(FILE *f, const struct obj *o)
{
	const struct shmap_chan_stats *c = &o->chan;
	if (o->error || o->type != SHMAP_TYPE_CHANNEL) {
		fputs("null", f);
		return;
	}
	fputs("{", f);
	json_bool(f, "valid", c->valid);
	fputs(", \"error\": ", f);
	cli_json_string(f, c->valid ? NULL : shmap_strerror(c->error));
	if (!c->valid) {
		fputs("}", f);
		return;
	}
	fprintf(f, ", \"shape\": \"%s\", \"capacity\": %u, \"max_msg\": %u, "
	           "\"readers_max\": %u, \"senders\": %u, \"receivers\": %u",
	        cli_shape_word(c->shape), c->capacity, c->max_msg, c->readers_max,
	        c->senders, c->receivers);
	fprintf(f,
	        ", \"sent\": %llu, \"sent_bytes\": %llu, \"received\": %llu, "
	        "\"received_bytes\": %llu, \"full_waits\": %llu, "
	        "\"empty_waits\": %llu, \"skipped\": %llu, \"overruns\": %llu, "
	        "\"missed\": %llu, \"write_position\": %llu, "
	        "\"read_position\": %llu, \"queued\": %llu, \"lag_max\": %llu, "
	        "\"readers\": [",
	        U64(c->sent), U64(c->sent_bytes), U64(c->received),
	        U64(c->received_bytes), U64(c->full_waits), U64(c->empty_waits),
	        U64(c->skipped), U64(c->overruns), U64(c->missed),
	        U64(c->write_position), U64(c->read_position), U64(c->queued),
	        U64(c->lag_max));
	for (unsigned i = 0; c->shape == SHMAP_CHAN_BROADCAST &&
	                     i < c->receivers && i < SHMAP_CHAN_READERS_SHOWN;
	     i++)
		fprintf(f,
		        "%s{\"pid\": %d, \"position\": %llu, \"lag\": %llu, "
		        "\"received\": %llu, \"missed\": %llu}",
		        i ? ", " : "", (int)c->reader[i].pid,
		        U64(c->reader[i].position), U64(c->reader[i].lag),
		        U64(c->reader[i].received), U64(c->reader[i].missed));
	fputs("]}", f);
}

static void json_obj(FILE *f, const struct obj *o)
{
	char b[64];
	fputs("{\"name\": ", f);
	cli_json_string(f, o->name);
	fputs(", \"path\": ", f);
	cli_json_string(f, o->path);
	fputs(", \"error\": ", f);
	cli_json_string(f, o->error ? shmap_strerror(o->error) : NULL);
	fprintf(f, ", \"error_code\": %d, \"type\": ", o->error);
	cli_json_string(f, o->error ? NULL : type_word(o));
	fprintf(f, ", \"state\": \"%s\", ", state_word(o));
	json_bool(f, "live", o->live);
	fputs(", ", f);
	json_bool(f, "global", o->global);
	fprintf(f, ", \"size\": %llu, \"prot\": ", (unsigned long long)o->size);
	cli_json_string(f, prot_word(o->prot));
	fputs(", \"file_path\": ", f);
	cli_json_string(f, o->file_path);
	fprintf(f, ", \"mode\": \"%04o\", \"owner\": %u, \"owner_name\": ",
	        o->mode, (unsigned)o->owner);
	struct passwd *pw = getpwuid(o->owner);
	cli_json_string(f, pw ? pw->pw_name : NULL);
	fprintf(f, ", \"creator_uid\": %u, \"creator_pid\": %d",
	        (unsigned)o->creator_uid, (int)o->creator_pid);
	time_t t = (time_t)(o->ctime_ns / 1000000000u);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, ", \"ctime_ns\": %llu, \"ctime\": ",
	        (unsigned long long)o->ctime_ns);
	cli_json_string(f, o->ctime_ns ? b : NULL);
	fprintf(f,
	        ", \"handles\": %u, \"processes\": %u, \"views\": %u, "
	        "\"processes_hidden\": %u, \"resident\": %llu, \"sync\": ",
	        o->handles, o->processes, o->views, o->processes_hidden,
	        (unsigned long long)o->resident);
	json_sync(f, o);
	fputs(", \"channel\": ", f);
	json_chan(f, o);
	fputs("}", f);
}

static void json_holder(FILE *f, const struct holder *h)
{
	char b[32];
	fprintf(f, "{\"pid\": %d, \"uid\": %u, \"user\": ", (int)h->pid,
	        (unsigned)h->uid);
	struct passwd *pw = getpwuid(h->uid);
	cli_json_string(f, pw ? pw->pw_name : NULL);
	fputs(", \"command\": ", f);
	cli_json_string(f, h->command);
	fprintf(f, ", \"handles\": %u, \"access\": ", h->handles);
	cli_json_string(f, holder_access(b, sizeof b, h));
	fputs(", \"views\": [", f);
	for (unsigned k = 0; k < h->nviews; k++) {
		const shmap_view_info *v = &h->views[k];
		fprintf(f,
		        "%s{\"start\": %llu, \"end\": %llu, \"offset\": %llu, "
		        "\"access\": \"%s\"}",
		        k ? ", " : "", (unsigned long long)v->start,
		        (unsigned long long)v->end,
		        (unsigned long long)v->offset,
		        view_access(b, sizeof b, v->access));
	}
	fputs("]}", f);
}

static void json_summary(FILE *f, const shmap_holders_summary *s)
{
	char b[200];
	fprintf(f,
	        "{\"handles\": %u, \"handles_seen\": %u, \"processes\": %u, "
	        "\"processes_hidden\": %u, ",
	        s->handles, s->handles_seen, s->processes, s->processes_hidden);
	json_bool(f, "complete", s->complete);
	fputs(", \"not_seen\": ", f);
	cli_json_string(f, not_seen_words(b, sizeof b, s));
	fputs("}", f);
}

/* The end of the document of info and who: its holders and summary. */
static void json_holders(FILE *f, const struct holders *hs)
{
	fputs(",\n  \"holders\": [", f);
	for (size_t i = 0; i < hs->n; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		json_holder(f, &hs->v[i]);
	}
	fputs(hs->n ? "\n  ],\n  \"summary\": " : "],\n  \"summary\": ", f);
	json_summary(f, &hs->sum);
	fputs("}\n", f);
}

/* ---- ls ---- */

/* The width of the name column: the longest name's, 4 to 40. */
static size_t name_width(const struct objs *os)
{
	size_t nw = 4;
	for (size_t i = 0; i < os->n; i++) {
		size_t w = width(shown_name(&os->v[i]));
		nw = w > nw ? w : nw;
	}
	return nw > 40 ? 40 : nw;
}

/* The header of the table of ls, or of watch (short_form). */
static void table_header(FILE *f, size_t nw, int short_form)
{
	pad(f, "NAME", nw);
	if (short_form)
		fputs("  TYPE       STATE     HANDLES PROCS VIEWS RESIDENT  "
		      "SYNC\n",
		      f);
	else
		fputs("  TYPE       SIZE MODE OWNER    STATE     HANDLES PROCS "
		      "VIEWS RESIDENT     PID  AGE\n",
		      f);
}

/* One object's line of the table. */
static void table_row(FILE *f, const struct obj *o, size_t nw, int short_form)
{
	char sz[16], res[16], own[64], ag[16], sy[160];
	pad(f, shown_name(o), nw);
	if (o->type == SHMAP_TYPE_MAPPING)
		human(sz, sizeof sz, o->size);
	else
		snprintf(sz, sizeof sz, "-");
	human(res, sizeof res, o->resident);
	if (short_form) {
		fprintf(f, "  %-9s  %-9s %7u %5u %5u %8s", type_word(o),
		        state_word(o), o->handles, o->processes, o->views, res);
		if (*sync_words(sy, sizeof sy, o))
			fprintf(f, "  %s", sy);
		fputc('\n', f);
		return;
	}
	fprintf(f, "  %-9s %5s %04o %-8s %-9s %7u %5u %5u %8s %7d  %s\n",
	        type_word(o), sz, o->mode, user_name(own, sizeof own, o->owner),
	        state_word(o), o->handles, o->processes, o->views, res,
	        (int)o->creator_pid, age(ag, sizeof ag, o->ctime_ns));
}

static int run_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{"all-users", no_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},
		CLI_OPT_HELP,
		{0},
	};
	unsigned flags = 0;
	int json = 0;
	cli_begin(&cli_verb_ls, argc, argv);
	for (int c; (c = cli_getopt(argc, argv, "aj", opts)) != -1;) {
		if (c == 'a')
			flags |= SHMAP_LIST_ALL_USERS;
		else
			json = 1;
	}
	cli_operands(argc, argv, 0, 0, "");
	struct objs os = {0};
	int err = shmap_list(flags, add_obj, &os);
	if (err) {
		objs_free(&os);
		if (err == -EPERM && (flags & SHMAP_LIST_ALL_USERS))
			return cli_failf("--all-users", CLI_ERROR,
			                 "needs root (or CAP_DAC_OVERRIDE)");
		return cli_fail_dir(err);
	}
	unsigned hidden = os.n ? os.v[0].processes_hidden : 0;
	char b[200];
	if (json) {
		fputs("{\"backing_dir\": ", stdout);
		cli_json_string(stdout, shmap_backing_dir());
		fprintf(stdout, ", \"processes_hidden\": %u, \"not_seen\": ",
		        hidden);
		cli_json_string(stdout, hidden_words(b, sizeof b, hidden));
		fputs(", \"objects\": [", stdout);
		for (size_t i = 0; i < os.n; i++) {
			fputs(i ? ",\n  " : "\n  ", stdout);
			json_obj(stdout, &os.v[i]);
		}
		fputs(os.n ? "\n]}\n" : "]}\n", stdout);
	} else if (os.n) {
		size_t nw = name_width(&os);
		table_header(stdout, nw, 0);
		for (size_t i = 0; i < os.n; i++)
			table_row(stdout, &os.v[i], nw, 0);
		if (hidden)
			printf("note: %s: PROCS and VIEWS count the others "
			       "only, HANDLES counts all\n",
			       hidden_words(b, sizeof b, hidden));
	}
	objs_free(&os);
	return cli_flush_stdout();
}

/* ---- info and who ---- */

/* Inspects name into os (one entry) and its holders into hs; on failure
 * prints why, frees both and returns the status. */
static int inspect(const char *name, struct objs *os, struct holders *hs)
{
	memset(os, 0, sizeof *os);
	memset(hs, 0, sizeof *hs);
	int err = shmap_inspect(name, add_obj, os);
	if (!err && os->n != 1)
		err = -ENOENT;
	if (!err && os->v[0].error)
		err = os->v[0].error;
	if (!err)
		err = get_holders(name, hs);
	if (err) {
		objs_free(os);
		holders_free(hs);
		return cli_fail(name, err);
	}
	return CLI_OK;
}

/* Lines of holders: pid, user, access, handles, views, command; with
 * views, each view under its holder. */
static void holder_lines(FILE *f, const struct holders *hs, int views,
                         const char *indent)
{
	char b[32], u[64];
	fprintf(f, "%s    PID USER     ACCESS  HANDLES VIEWS COMMAND\n", indent);
	for (size_t i = 0; i < hs->n; i++) {
		const struct holder *h = &hs->v[i];
		fprintf(f, "%s%7d %-8s %-7s %7u %5u ", indent, (int)h->pid,
		        user_name(u, sizeof u, h->uid),
		        holder_access(b, sizeof b, h), h->handles, h->nviews);
		cli_put_text(f, h->command, strlen(h->command), 0);
		fputc('\n', f);
		for (unsigned k = 0; views && k < h->nviews; k++) {
			const shmap_view_info *v = &h->views[k];
			char sz[16];
			fprintf(f,
			        "%s        view %#llx-%#llx %s, %s bytes from "
			        "offset %llu\n",
			        indent, (unsigned long long)v->start,
			        (unsigned long long)v->end,
			        view_access(b, sizeof b, v->access),
			        human(sz, sizeof sz, v->end - v->start),
			        (unsigned long long)v->offset);
		}
	}
}

/* The line saying what could not be seen, when not all could. */
static void not_seen_line(FILE *f, const shmap_holders_summary *s)
{
	char b[200];
	if (!s->complete)
		fprintf(f, "not seen: %s\n", not_seen_words(b, sizeof b, s));
}

static int parse_json_name(const struct cli_verb *v, int argc, char **argv,
                           const char **name)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		CLI_OPT_HELP,
		{0},
	};
	int json = 0;
	cli_begin(v, argc, argv);
	while (cli_getopt(argc, argv, "j", opts) != -1)
		json = 1;
	cli_operands(argc, argv, 1, 1, "NAME");
	*name = argv[optind];
	return json;
}

static int run_info(int argc, char **argv)
{
	const char *name;
	int json = parse_json_name(&cli_verb_info, argc, argv, &name);
	struct objs os;
	struct holders hs;
	int status = inspect(name, &os, &hs);
	if (status)
		return status;
	const struct obj *o = &os.v[0];
	if (json) {
		fputs("{\"object\": ", stdout);
		json_obj(stdout, o);
		json_holders(stdout, &hs);
	} else {
		char a[32], b[64], c[64], t[64];
		time_t secs = (time_t)(o->ctime_ns / 1000000000u);
		struct tm tm;
		localtime_r(&secs, &tm);
		strftime(t, sizeof t, "%Y-%m-%d %H:%M:%S %z", &tm);
		printf("name:      %s\n", cli_name(o->name));
		printf("type:      %s", type_word(o));
		if (o->type == SHMAP_TYPE_MAPPING)
			printf(", %s, %llu bytes (%s)", prot_word(o->prot),
			       (unsigned long long)o->size,
			       human(a, sizeof a, o->size));
		printf("\nfile:      %s\n", cli_name(o->path));
		if (o->file_path)
			printf("data file: %s\n", cli_name(o->file_path));
		printf("mode:      %04o, owner %s\n", o->mode,
		       user_name(b, sizeof b, o->owner));
		printf("created:   %s by pid %d, user %s (%s ago)\n", t,
		       (int)o->creator_pid,
		       user_name(c, sizeof c, o->creator_uid),
		       age(a, sizeof a, o->ctime_ns));
		printf("state:     %s, %u handle%s, %u process%s, %u view%s\n",
		       state_word(o), o->handles, o->handles == 1 ? "" : "s",
		       o->processes, o->processes == 1 ? "" : "es", o->views,
		       o->views == 1 ? "" : "s");
		printf("resident:  %llu bytes (%s)\n",
		       (unsigned long long)o->resident,
		       human(a, sizeof a, o->resident));
		char sy[160];
		if (*sync_words(sy, sizeof sy, o))
			printf("sync:      %s\n", sy);
		if (o->type == SHMAP_TYPE_CHANNEL)
			chan_lines(o);
		if (hs.n) {
			printf("holders:\n");
			holder_lines(stdout, &hs, 1, "  ");
		} else {
			printf("holders:   none\n");
		}
		not_seen_line(stdout, &hs.sum);
	}
	objs_free(&os);
	holders_free(&hs);
	return cli_flush_stdout();
}

static int run_who(int argc, char **argv)
{
	const char *name;
	int json = parse_json_name(&cli_verb_who, argc, argv, &name);
	struct objs os;
	struct holders hs;
	int status = inspect(name, &os, &hs);
	if (status)
		return status;
	if (json) {
		fputs("{\"name\": ", stdout);
		cli_json_string(stdout, os.v[0].name);
		json_holders(stdout, &hs);
	} else {
		if (hs.n)
			holder_lines(stdout, &hs, 0, "");
		else
			printf("%s: no process holds it\n",
			       cli_name(os.v[0].name));
		not_seen_line(stdout, &hs.sum);
	}
	objs_free(&os);
	holders_free(&hs);
	return cli_flush_stdout();
}

/* ---- watch ---- */

/* A channel's counters in the frame before, for its rates. */
struct seen {
	char *key;
	int64_t ns;
	uint64_t sent, sent_bytes, received, received_bytes;
	int fresh; /* seen in this frame */
};
static struct seen *g_seen;
static size_t g_nseen, g_capseen;

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A per-second rate of the change from before to now over ns, as
 * "12/s", "4.0KB/s" (unit "B"); "-" without a frame before (was NULL). */
static const char *rate(char *b, size_t n, const struct seen *was,
                        uint64_t before, uint64_t now, int64_t ns,
                        const char *unit)
{
	char h[16];
	if (!was || ns <= 0 || now < before) {
		snprintf(b, n, "-");
		return b;
	}
	double r = (double)(now - before) * 1e9 / (double)ns;
	snprintf(b, n, "%s%s/s", human(h, sizeof h, (uint64_t)(r + 0.5)), unit);
	return b;
}

/* Below a channel's row: its traffic, and its rates since the frame
 * before. */
static void chan_watch_line(FILE *f, const struct obj *o, int64_t now)
{
	const struct shmap_chan_stats *c = &o->chan;
	const char *key = o->path ? o->path : o->name;
	if (o->error || !c->valid || !key)
		return;
	struct seen *w = NULL;
	for (size_t i = 0; i < g_nseen && !w; i++)
		if (!strcmp(g_seen[i].key, key))
			w = &g_seen[i];
	int64_t ns = w ? now - w->ns : 0;
	char r1[24], r2[24], r3[24], r4[24], h1[16], h2[16];
	fprintf(f,
	        "    %s: sent %llu msgs %sB (%s, %s), received %llu msgs %sB "
	        "(%s, %s)",
	        cli_shape_word(c->shape), U64(c->sent),
	        human(h1, sizeof h1, c->sent_bytes),
	        rate(r1, sizeof r1, w, w ? w->sent : 0, c->sent, ns, ""),
	        rate(r2, sizeof r2, w, w ? w->sent_bytes : 0, c->sent_bytes, ns,
	             "B"),
	        U64(c->received), human(h2, sizeof h2, c->received_bytes),
	        rate(r3, sizeof r3, w, w ? w->received : 0, c->received, ns, ""),
	        rate(r4, sizeof r4, w, w ? w->received_bytes : 0,
	             c->received_bytes, ns, "B"));
	if (c->shape == SHMAP_CHAN_BROADCAST)
		fprintf(f, ", lag %llu, missed %llu\n", U64(c->lag_max),
		        U64(c->missed));
	else
		fprintf(f, ", queued %llu\n", U64(c->queued));
	if (!w) {
		g_seen = grow(g_seen, &g_capseen, g_nseen, sizeof *g_seen);
		w = &g_seen[g_nseen++];
		w->key = dup_or_null(key);
	}
	w->ns = now;
	w->sent = c->sent;
	w->sent_bytes = c->sent_bytes;
	w->received = c->received;
	w->received_bytes = c->received_bytes;
	w->fresh = 1;
}

/* Forgets the channels a frame did not show. */
static void seen_sweep(void)
{
	size_t k = 0;
	for (size_t i = 0; i < g_nseen; i++) {
		if (!g_seen[i].fresh) {
			free(g_seen[i].key);
			continue;
		}
		g_seen[i].fresh = 0;
		g_seen[k++] = g_seen[i];
	}
	g_nseen = k;
}

/*
 * One frame: the objects (all, or those named), each with its holders.
 * rows, if not 0, is the height of the terminal: what would fall below
 * it is not looked at (each object's holders take a walk of /proc).
 */
static void frame(FILE *f, char **names, int nnames, double interval,
                  unsigned rows)
{
	struct objs os = {0};
	char b[200];
	unsigned lines = 0;
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(b, sizeof b, "%H:%M:%S", &tm);
	fprintf(f, "shmap watch: %s, every %gs, %s\n",
	        cli_name(shmap_backing_dir()), interval, b);
	int err = 0;
	for (int i = 0; i < nnames; i++) {
		size_t before = os.n;
		err = shmap_inspect(names[i], add_obj, &os);
		if (!err && os.n > before)
			continue;
		fprintf(f, "%s: %s\n", cli_name(names[i]),
		        err == -ENOENT || !err ? "no such object"
		                               : shmap_strerror(err));
		lines++;
	}
	if (!nnames && (err = shmap_list(0, add_obj, &os)))
		fprintf(f, "%s: %s\n", cli_name(shmap_backing_dir()),
		        shmap_strerror(err));
	if (!os.n && !err && !nnames)
		fprintf(f, "no objects\n");
	unsigned hidden = os.n ? os.v[0].processes_hidden : 0;
	if (hidden)
		fprintf(f,
		        "note: %s: PROCS and VIEWS count the others only, "
		        "HANDLES counts all\n",
		        hidden_words(b, sizeof b, hidden));
	size_t nw = name_width(&os);
	if (os.n)
		table_header(f, nw, 1);
	lines += 4; /* at most: the lines above but the names' */
	int64_t mono = mono_ns();
	for (size_t i = 0; i < os.n && (!rows || lines < rows); i++) {
		const struct obj *o = &os.v[i];
		struct holders hs;
		table_row(f, o, nw, 1);
		lines++;
		if (o->type == SHMAP_TYPE_CHANNEL && !o->error) {
			chan_watch_line(f, o, mono);
			lines++;
		}
		/* No process seen: a walk would find none. */
		if (o->error || !o->name || !o->processes ||
		    get_holders(o->name, &hs))
			continue;
		for (size_t k = 0; k < hs.n; k++, lines++) {
			const struct holder *h = &hs.v[k];
			fprintf(f, "    pid %d %s, %u handle%s, %u view%s: ",
			        (int)h->pid, holder_access(b, sizeof b, h),
			        h->handles, h->handles == 1 ? "" : "s",
			        h->nviews, h->nviews == 1 ? "" : "s");
			cli_put_text(f, h->command, strlen(h->command), 0);
			fputc('\n', f);
		}
		holders_free(&hs);
	}
	seen_sweep();
	objs_free(&os);
}

/* The size of the terminal on stdout (24 x 80 if it does not say). */
static void term_size(unsigned *rows, unsigned *cols)
{
	struct winsize ws;
	*rows = 24;
	*cols = 80;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

/*
 * Shows a frame on a terminal of the size of stdout: over the last one,
 * from the top left, each line cut to the width and cleared to its end,
 * as many lines as there are rows, the rest of the screen cleared.
 */
static void show_in_place(const char *buf, size_t len, int first)
{
	unsigned rows, cols;
	term_size(&rows, &cols);
	fputs(first ? "\033[H\033[2J" : "\033[H", stdout);
	const char *p = buf, *end = buf + len;
	for (unsigned row = 0; p < end && row < rows; row++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *q = p;
		/* Cut at cols characters (UTF-8 continuation bytes go with
		 * their character). */
		for (unsigned c = 0; q < e; q++) {
			if (((unsigned char)*q & 0xc0) != 0x80 && c++ == cols)
				break;
		}
		fwrite(p, 1, (size_t)(q - p), stdout);
		fputs("\033[K", stdout);
		p = nl ? nl + 1 : end;
		if (p < end && row + 1 < rows)
			fputc('\n', stdout);
	}
	fputs("\033[J", stdout);
}

static int run_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{"interval", required_argument, NULL, 'i'},
		{"count", required_argument, NULL, 'c'},
		CLI_OPT_HELP,
		{0},
	};
	double interval = 2;
	uint64_t count = 0;
	cli_begin(&cli_verb_watch, argc, argv);
	for (int c; (c = cli_getopt(argc, argv, "i:c:", opts)) != -1;) {
		if (c == 'c') {
			count = cli_number("--count", optarg, 1, UINT32_MAX);
			continue;
		}
		char *end;
		interval = strtod(optarg, &end);
		if (end == optarg || *end || !(interval >= 0.01) ||
		    interval > 86400)
			cli_usage_error("--interval: '%s' is not a number of "
			                "seconds from 0.01 to 86400",
			                cli_name(optarg));
	}
	cli_operands(argc, argv, 0, argc, "");
	int tty = isatty(STDOUT_FILENO);
	/* SIGINT and SIGTERM end the wait between frames, not a frame. */
	cli_block_signals();
	for (uint64_t n = 0;; n++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		if (!m)
			return cli_failf(NULL, CLI_ERROR, "%s", strerror(errno));
		unsigned rows = 0, cols;
		if (tty)
			term_size(&rows, &cols);
		frame(m, argv + optind, argc - optind, interval, rows);
		fclose(m);
		if (tty) {
			show_in_place(buf, len, n == 0);
		} else {
			if (n)
				fputc('\n', stdout);
			fwrite(buf, 1, len, stdout);
		}
		free(buf);
		if (cli_flush_stdout())
			return CLI_ERROR;
		if (count && n + 1 == count)
			break;
		struct timespec ts = {(time_t)interval,
		                      (long)((interval - (double)(time_t)interval) *
		                             1e9)};
		if (cli_wait_signal(&ts))
			break;
	}
	if (tty)
		fputc('\n', stdout);
	return cli_flush_stdout();
}
