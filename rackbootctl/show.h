/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show.h: the text rackbootctl prints for each reply of the API, from the
 * parsed JSON. Pure (no I/O; times in the local zone), so every table is
 * tested from canned replies.
 *
 * Each function appends to out and returns 0, -EPROTO when the reply is
 * not of the documented shape (its main list or object is missing), or
 * -E2BIG/-ENOMEM from the buffer. Fields inside a row that are missing or
 * null print as "-".
 */
#ifndef RB_CTL_SHOW_H
#define RB_CTL_SHOW_H

#include <stdbool.h>

#include <jansson.h>

#include "strbuf.h"

/* The lifecycle's states and phases in the order a rack moves through them. */
extern const char *const show_states[];
extern const char *const show_phases[];

/* GET /api/v1/status: one "key  value" line each. */
int show_status(const json_t *status, struct strbuf *out);
/* GET /api/v1/hosts: NAME MAC IP PROFILE STATE PHASE PROGRESS SINCE REASON. */
int show_hosts(const json_t *reply, struct strbuf *out);
/* GET /api/v1/hosts/NAME: the fields, then the events oldest first. */
int show_host(const json_t *host, struct strbuf *out);
/* GET /api/v1/profiles. */
int show_profiles(const json_t *reply, struct strbuf *out);
/* GET /api/v1/leases. */
int show_leases(const json_t *reply, struct strbuf *out);
/* GET /api/v1/events: a table. */
int show_events(const json_t *reply, struct strbuf *out);
/* One event of the followed stream, as one line (a stream cannot be aligned). */
int show_event_line(const json_t *event, struct strbuf *out);
/* POST /api/v1/reinstall. */
int show_reinstall(const json_t *reply, struct strbuf *out);
/*
 * POST /api/v1/power for action: the results of status (HOST STATE ERROR;
 * *failed counts the hosts that are not ok), or the hosts queued.
 */
int show_power(const json_t *reply, const char *action, struct strbuf *out, unsigned *failed);

/*
 * A host's "progress" as text: with a size, "[####....]  58%  37.9/65.0 MB"
 * (with bar) or "58%  37.9/65.0 MB"; without one, "37.9 MB" (a running
 * count). Appends nothing when there is no progress.
 */
int show_progress(const json_t *host, bool bar, struct strbuf *out);

/*
 * The non-zero counts of an object of counts, as "a 1, b 2": first the
 * keys of order (NULL-terminated) in that order, then the others as the
 * server sent them; "-" when there are none. *total (may be NULL) gets
 * their sum.
 */
int show_counts(const json_t *counts, const char *const *order, const char *sep, struct strbuf *out,
		double *total);

#endif
