/* SPDX-License-Identifier: MIT */
/*
 * `make demo`: a writer and a reader, two real processes, share a named
 * mapping and talk through two named events. The writer creates them and
 * starts the reader, writes a record and sets "ready"; the reader, waiting on
 * "ready", reads the record, writes a reply and sets "replied". Then the
 * objects disappear with their last handles.
 */
#include <shmap.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo_record.h"

extern char **environ;

static int step;

static void say(const char *fmt, const char *detail)
{
	printf("%2d. [writer %d] ", ++step, (int)getpid());
	printf(fmt, detail);
	printf("\n");
	fflush(stdout);
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "demo_writer: %s: %s\n", what, shmap_strerror(rc));
	return 1;
}

/* Counts the backing files of our objects, to show nothing is left. */
static int backing_files(void)
{
	char want[64];
	int n = 0;
	DIR *d = opendir(shmap_backing_dir());
	snprintf(want, sizeof want, "shmap.u%u.shmap-demo", (unsigned)geteuid());
	for (struct dirent *e; d && (e = readdir(d));)
		n += !strncmp(e->d_name, want, strlen(want));
	if (d)
		closedir(d);
	return n;
}

int main(void)
{
	shmap_map *m, *probe;
	shmap_sync *ready, *replied;
	struct demo_record *rec;
	char reader[PATH_MAX], self[PATH_MAX];
	int rc;

	printf("shmap demo: two processes share named memory the Windows way.\n"
	       "The writer plays CreateFileMapping + MapViewOfFile + CreateEvent,\n"
	       "the reader OpenFileMapping + OpenEvent + WaitForSingleObject;\n"
	       "each name lives while any handle to it is open.\n\n");

	rc = shmap_map_create(DEMO_NAME, DEMO_SIZE, SHMAP_PROT_READWRITE, NULL, &m);
	if (rc)
		return fail("shmap_map_create", rc);
	say("shmap_map_create(\"%s\", 4096 bytes): a new, zero-filled object",
	    DEMO_NAME);
	printf("    its backing file: %s/shmap.u%u.shmap-demo,\n"
	       "    a header page then the data; it goes with the last handle\n",
	       shmap_backing_dir(), (unsigned)geteuid());
	if ((rc = shmap_event_create(DEMO_READY, 0, NULL, &ready)) ||
	    (rc = shmap_event_create(DEMO_REPLIED, 0, NULL, &replied)))
		return fail("shmap_event_create", rc);
	say("shmap_event_create: two auto-reset events, %s", "\"ready\" and \"replied\"");

	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return fail("readlink /proc/self/exe", -ENOENT);
	self[n] = 0;
	snprintf(reader, sizeof reader, "%s/demo_reader", dirname(self));
	say("starting the reader, a separate program: %s", reader);
	pid_t pid;
	char *argv[] = {reader, NULL};
	if ((rc = posix_spawn(&pid, reader, NULL, NULL, argv, environ)))
		return fail("posix_spawn", -rc);

	rc = shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&rec);
	if (rc)
		return fail("shmap_view_map", rc);
	rec->seq = 1;
	rec->writer_pid = (int)getpid();
	snprintf(rec->text, sizeof rec->text, "hello from the writer");
	say("mapped a view, wrote a record: \"%s\", and set \"ready\"",
	    rec->text);
	shmap_event_set(ready);

	rc = shmap_wait(replied, 10000);
	if (rc)
		return fail("waiting for the reply", rc);
	say("\"replied\" is set; the reply is in our view: \"%s\"", rec->reply);
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return fail("the reader failed", -EPROTO);

	rc = shmap_map_open(DEMO_NAME, SHMAP_ACCESS_READ, &probe);
	say("the reader has exited; shmap_map_open: %s (we still hold a handle)",
	    rc == 0 ? "found" : shmap_strerror(rc));
	if (rc == 0)
		shmap_map_close(probe);

	shmap_map_close(m);
	shmap_sync_close(ready);
	shmap_sync_close(replied);
	say("closed the mapping and the events: the last handles anywhere%s", "");
	rc = shmap_map_open(DEMO_NAME, SHMAP_ACCESS_READ, &probe);
	say("shmap_map_open now: %s: the name is gone",
	    rc == -ENOENT ? "No such file or directory" : shmap_strerror(rc));
	if (rc != -ENOENT)
		return fail("the name outlived its last handle", rc);
	say("the view still works until unmapped: \"%s\"", rec->text);
	shmap_view_unmap(rec);
	printf("    (backing files left: %d)\n", backing_files());
	printf("\nDone: created, shared, signalled, answered, and gone without a "
	       "trace.\n");
	return backing_files() == 0 ? 0 : 1;
}
