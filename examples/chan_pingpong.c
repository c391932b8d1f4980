/* SPDX-License-Identifier: MIT */
/* A message channel between two processes: the parent sends numbered
 * greetings, a child receives them in place and counts them. */
#include <shmap.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAME "Local\\chan-example"
#define COUNT 1000

static int child(void)
{
	shmap_chan *c;
	const void *msg;
	size_t len;
	int rc = shmap_chan_open(NAME, SHMAP_CHAN_RECV, &c);
	for (int i = 0; rc == 0 && i < COUNT; i++) {
		/* Looks at the message where it lies, then lets it go. */
		rc = shmap_chan_peek(c, 5000, &msg, &len);
		if (rc == 0 && i == COUNT - 1)
			printf("child got %d messages, the last: %.*s\n", COUNT,
			       (int)len, (const char *)msg);
		if (rc == 0)
			rc = shmap_chan_release(c);
	}
	if (rc)
		fprintf(stderr, "child: %s\n", shmap_strerror(rc));
	shmap_chan_close(c);
	fflush(stdout); /* the child leaves by _exit */
	return rc != 0;
}

int main(void)
{
	shmap_chan_config cfg = {SHMAP_CHAN_SPSC, 64, 128, 0};
	shmap_chan *c;
	int rc = shmap_chan_create(NAME, &cfg, SHMAP_CHAN_SEND, NULL, &c);
	if (rc) {
		fprintf(stderr, "create: %s\n", shmap_strerror(rc));
		return 1;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(child());
	char text[128];
	for (int i = 0; rc == 0 && i < COUNT; i++) {
		int n = snprintf(text, sizeof text, "hello #%d", i);
		/* Waits while the ring is full. */
		rc = shmap_chan_send(c, text, (size_t)n, SHMAP_INFINITE);
	}
	int status;
	waitpid(pid, &status, 0);
	struct shmap_chan_stats st;
	if (rc == 0)
		rc = shmap_chan_stats(c, &st);
	if (rc == 0)
		printf("sent %llu, received %llu\n", (unsigned long long)st.sent,
		       (unsigned long long)st.received);
	shmap_chan_close(c); /* the last handle: the name is gone */
	return rc == 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
