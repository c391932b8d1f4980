/* SPDX-License-Identifier: MIT */
/* The reader half of `make demo`: opens the writer's mapping by name. */
#include <shmap.h>
#include <stdio.h>
#include <unistd.h>

#include "demo_record.h"

static int step;

static void say(const char *fmt, const char *detail)
{
	printf("    %c. [reader %d] ", 'a' + step++, (int)getpid());
	printf(fmt, detail);
	printf("\n");
	fflush(stdout);
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "demo_reader: %s: %s\n", what, shmap_strerror(rc));
	return 1;
}

int main(void)
{
	shmap_map *m, *again;
	shmap_sync *ready, *replied;
	struct demo_record *rec;
	int rc = shmap_map_open(DEMO_NAME, SHMAP_ACCESS_ALL, &m);
	if (rc)
		return fail("open", rc);
	say("shmap_map_open(\"%s\"): found the writer's object", DEMO_NAME);
	if ((rc = shmap_event_open(DEMO_READY, 0, &ready)) ||
	    (rc = shmap_event_open(DEMO_REPLIED, 0, &replied)))
		return fail("shmap_event_open", rc);
	rc = shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&rec);
	if (rc)
		return fail("map", rc);
	say("opened the events; waiting on \"ready\"%s", "");
	if ((rc = shmap_wait(ready, 10000)))
		return fail("waiting for ready", rc);
	char line[160];
	snprintf(line, sizeof line, "seq=%u from pid %d: \"%s\"", rec->seq,
	         rec->writer_pid, rec->text);
	say("\"ready\" is set; read the record: %s", line);

	rc = shmap_map_create(DEMO_NAME, 1 << 20, SHMAP_PROT_READWRITE, NULL,
	                      &again);
	if (rc == 0) {
		say("shmap_map_create on the same name: %s",
		    shmap_map_existed(again)
		            ? "returns the existing object, size kept "
		              "(ERROR_ALREADY_EXISTS)"
		            : "made a new object?!");
		shmap_map_close(again);
	}
	rec->reader_pid = (int)getpid();
	snprintf(rec->reply, sizeof rec->reply, "got it, thanks");
	say("wrote a reply; sets \"replied\", closes its handles and exits%s",
	    "");
	shmap_event_set(replied);
	shmap_view_unmap(rec);
	shmap_sync_close(ready);
	shmap_sync_close(replied);
	shmap_map_close(m);
	return 0;
}
