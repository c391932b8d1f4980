/* SPDX-License-Identifier: MIT */
/* The record the demo's two processes exchange. */
#ifndef DEMO_RECORD_H
#define DEMO_RECORD_H

#define DEMO_NAME "Local\\shmap-demo"
#define DEMO_SIZE 4096
#define DEMO_READY "Local\\shmap-demo-ready"     /* auto-reset */
#define DEMO_REPLIED "Local\\shmap-demo-replied" /* auto-reset */

struct demo_record {
	unsigned seq;
	int writer_pid;
	char text[64];
	int reader_pid;
	char reply[64];
};

#endif
