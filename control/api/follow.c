/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * follow.c: event streams (GET /api/v1/events?follow=1): the events after
 * an id as ndjson lines, then each new one as the backend has it, a bare
 * newline when idle, and an end that never waits long for shutdown.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_impl.h"
#include "log.h"
#include "strbuf.h"

#define WAIT_SLICE_MS 500 /* the longest a stream waits before it looks at *stop */
#define FOLLOW_BATCH 256  /* events fetched per backend call */
#define FOLLOW_PENDING_MAX (4u << 20)

struct api_follow {
	struct api *a;
	uint64_t since;
	struct strbuf pending; /* lines formatted, not yet handed out */
	size_t off;	       /* of pending, handed out */
	uint64_t last_ms;      /* when bytes last went out */
};

uint64_t
api_mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

struct api_follow *
api_follow_open(struct api *a, uint64_t since)
{
	struct api_follow *f;

	if (atomic_fetch_add(&a->followers, 1) >= API_FOLLOWERS_MAX) {
		atomic_fetch_sub(&a->followers, 1);
		errno = EBUSY;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		atomic_fetch_sub(&a->followers, 1);
		errno = ENOMEM;
		return NULL;
	}
	f->a = a;
	f->since = since;
	f->last_ms = api_mono_ms();
	strbuf_init(&f->pending, FOLLOW_PENDING_MAX);
	return f;
}

/* Formats the next batch of events into f->pending: their count, or -1. */
static int
follow_fetch(struct api_follow *f)
{
	struct api *a = f->a;
	char err[API_ERR_CAP] = "", *s;
	uint64_t last = f->since;
	size_t i, n;
	json_t *v;
	int rc = 0;

	v = BE_CALL(a, events, f->since, FOLLOW_BATCH, &last, err, sizeof(err));
	if (!v || !json_is_array(v)) {
		RB_WARN("api: event stream ends: %s", err[0] ? err
						      : v ? "the backend returned a bad event list"
							  : strerror(errno));
		json_decref(v);
		return -1;
	}
	n = json_array_size(v);
	/* Ids only grow: the same batch again would loop forever. */
	if (n && last <= f->since) {
		RB_WARN("api: event stream ends: the backend's last id did not advance");
		rc = -1;
	}
	for (i = 0; !rc && i < n; i++) {
		s = json_dumps(json_array_get(v, i), JSON_COMPACT);
		if (!s || strbuf_adds(&f->pending, s) || strbuf_add(&f->pending, "\n", 1))
			rc = -1;
		free(s);
	}
	json_decref(v);
	if (rc)
		return -1;
	if (last > f->since)
		f->since = last;
	return (int)n;
}

ssize_t
api_follow_read(struct api_follow *f, char *buf, size_t cap, const atomic_bool *stop)
{
	struct api *a = f->a;
	uint64_t now, idle;
	size_t n;
	int rc, wait;

	for (;;) {
		if (f->pending.len > f->off) {
			n = f->pending.len - f->off;
			n = n < cap ? n : cap;
			memcpy(buf, f->pending.data + f->off, n);
			f->off += n;
			if (f->off == f->pending.len) {
				strbuf_reset(&f->pending);
				f->off = 0;
			}
			f->last_ms = api_mono_ms();
			return (ssize_t)n;
		}
		if (stop && atomic_load(stop))
			return -1;
		now = api_mono_ms();
		idle = now - f->last_ms;
		if (idle >= a->keepalive_ms) {
			buf[0] = '\n';
			f->last_ms = now;
			return 1;
		}
		wait = (int)(a->keepalive_ms - idle);
		wait = wait < WAIT_SLICE_MS ? wait : WAIT_SLICE_MS;
		if (a->be.events_wait) {
			rc = a->be.events_wait(a->be.arg, f->since, wait);
			if (rc < 0) {
				RB_WARN("api: event stream ends: %s", strerror(-rc));
				return -1;
			}
			if (rc == 0)
				continue;
		}
		rc = follow_fetch(f);
		if (rc < 0)
			return -1;
		if (rc == 0 && !a->be.events_wait)
			nanosleep(&(struct timespec){.tv_nsec = (long)wait * 1000000}, NULL);
	}
}

void
api_follow_free(struct api_follow *f)
{
	if (!f)
		return;
	atomic_fetch_sub(&f->a->followers, 1);
	strbuf_free(&f->pending);
	free(f);
}
