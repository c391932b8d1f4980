/* SPDX-License-Identifier: MIT */
/*
 * Sync blocks: the input (after a selector byte) is the whole backing file of
 * a live named event, mutex or semaphore. Opening it and every operation on
 * it (with zero timeouts) must return an error code, never crash or hang.
 *
 * Selector bits: 0-1 which opens to try (event, mutex, semaphore, all
 * three); 2 the file's mode is 0644 instead of 0600; 3 ask for an event
 * descriptor; 4 cut the file after opening to the length in the next two
 * bytes (a peer truncating it); 5-7 spare, varied by the fuzzer.
 */
#include "common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_setup();
	return 0;
}

/* An operation's result: one of the listed, or an in-page error once the
 * file was cut (the object is then lost, never a signal). */
#define RESULT(rc, ok, ...)                                                    \
	FZ_CHECK((ok) || (cut && (rc) == SHMAP_EINPAGE), __VA_ARGS__)

static void ops(shmap_sync *s, int kind, unsigned sel, int cut)
{
	int rc;
	unsigned idx;
	uint32_t prev;
	shmap_sync *two[2] = { s, s };
	/* The other kinds' operations are refused. */
	rc = shmap_event_set(s);
	RESULT(rc, kind == SHMAP_TYPE_EVENT ? rc == 0 : rc == -EINVAL,
	       "event_set on kind %d: %d", kind, rc);
	rc = shmap_mutex_release(s);
	RESULT(rc, kind == SHMAP_TYPE_MUTEX ? rc == 0 || rc == -EPERM
	                                    : rc == -EINVAL,
	       "mutex_release on kind %d: %d", kind, rc);
	rc = shmap_sem_release(s, 1, &prev);
	RESULT(rc, kind == SHMAP_TYPE_SEMAPHORE ? rc == 0 || rc == -EOVERFLOW
	                                        : rc == -EINVAL,
	       "sem_release on kind %d: %d", kind, rc);
	for (int i = 0; i < 3; i++) {
		rc = shmap_wait(s, 0);
		RESULT(rc, rc == 0 || rc == -ETIMEDOUT ||
		                   (rc == SHMAP_EABANDONED &&
		                    kind == SHMAP_TYPE_MUTEX),
		       "wait: %d", rc);
		if (kind == SHMAP_TYPE_MUTEX &&
		    (rc == 0 || rc == SHMAP_EABANDONED)) {
			rc = shmap_mutex_release(s);
			RESULT(rc, rc == 0, "release owned: %d", rc);
		}
		if (kind == SHMAP_TYPE_EVENT) {
			rc = i == 0   ? shmap_event_set(s)
			     : i == 1 ? shmap_event_pulse(s)
			              : shmap_event_reset(s);
			RESULT(rc, rc == 0, "set/pulse/reset: %d", rc);
		}
		if (kind == SHMAP_TYPE_SEMAPHORE) {
			rc = shmap_sem_release(s, 1 + (sel >> 5), &prev);
			RESULT(rc, rc == 0 || rc == -EOVERFLOW, "sem_release: %d",
			       rc);
		}
	}
	rc = shmap_wait_multiple(two, 2, 0, 0, &idx);
	RESULT(rc, rc == 0 || rc == -ETIMEDOUT || rc == SHMAP_EABANDONED,
	       "wait-any: %d", rc);
	if (kind == SHMAP_TYPE_MUTEX && (rc == 0 || rc == SHMAP_EABANDONED))
		shmap_mutex_release(s);
	rc = shmap_wait_multiple(two, 2, 1, 0, &idx);
	RESULT(rc, rc == -EINVAL, "wait-all on one object twice: %d", rc);
	rc = shmap_wait_multiple(two, 1, 1, 0, &idx);
	RESULT(rc, rc == 0 || rc == -ETIMEDOUT || rc == SHMAP_EABANDONED,
	       "wait-all: %d", rc);
	if (kind == SHMAP_TYPE_MUTEX && (rc == 0 || rc == SHMAP_EABANDONED))
		shmap_mutex_release(s);
	if (kind == SHMAP_TYPE_EVENT && (sel & 8)) {
		int fd;
		rc = shmap_event_fd(s, &fd);
		RESULT(rc, rc == 0 || rc == -ENOSPC, "event_fd: %d", rc);
		shmap_event_set(s);
		rc = shmap_wait(s, 0);
		RESULT(rc, rc == 0 || rc == -ETIMEDOUT, "wait after fd: %d", rc);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int kinds[] = { SHMAP_TYPE_EVENT, SHMAP_TYPE_MUTEX,
		                     SHMAP_TYPE_SEMAPHORE };
	if (size < 3)
		return 0;
	unsigned sel = data[0];
	size_t cut = (size_t)data[1] | (size_t)data[2] << 8;
	const uint8_t *d = data + 3;
	size_t n = size - 3;
	const char *name = "fz";
	struct shmap__hdr h;
	fz_hdr(d, n, &h);
	int holder = fz_plant(name, d, n, sel & 4 ? 0644 : 0600);
	if (holder < 0)
		return 0;
	for (int k = 0; k < 3; k++) {
		if ((sel & 3) != 3 && (sel & 3) != (unsigned)k)
			continue;
		shmap_sync *s;
		int rc = k == 0   ? shmap_event_open(name, 0, &s)
		         : k == 1 ? shmap_mutex_open(name, 0, &s)
		                  : shmap_sem_open(name, 0, &s);
		FZ_CHECK(rc == 0 || rc == SHMAP_EBADOBJ ||
		                 rc == SHMAP_EFORMAT || rc == SHMAP_ETYPE ||
		                 rc == -EACCES,
		         "open kind %d: %d", kinds[k], rc);
		if (rc)
			continue;
		FZ_CHECK(h.type == (uint32_t)kinds[k], "type %u opened as %d",
		         h.type, kinds[k]);
		if (sel & 16)
			FZ_CHECK(ftruncate(holder, (off_t)cut) == 0, "truncate");
		ops(s, kinds[k], sel, (sel & 16) != 0);
		FZ_CHECK(shmap_sync_close(s) == 0, "close");
	}
	fz_unplant(name, holder);
	return 0;
}
