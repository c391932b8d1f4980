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

int main(void)
{
	shmap_map *m, *again;
	struct demo_record *rec;
	int rc = shmap_map_open(DEMO_NAME, SHMAP_ACCESS_ALL, &m);
	if (rc) {
		fprintf(stderr, "demo_reader: open: %s\n", shmap_strerror(rc));
		return 1;
	}
	say("shmap_map_open(\"%s\"): found the writer's object", DEMO_NAME);
	rc = shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, (void **)&rec);
	if (rc) {
		fprintf(stderr, "demo_reader: map: %s\n", shmap_strerror(rc));
		return 1;
	}
	char line[160];
	snprintf(line, sizeof line, "seq=%u from pid %d: \"%s\"", rec->seq,
	         rec->writer_pid, rec->text);
	say("read the record: %s", line);

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
	say("wrote a reply and closes its view and handle%s", "");
	shmap_view_unmap(rec);
	shmap_map_close(m);
	return 0;
}
