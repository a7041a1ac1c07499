/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api.h: the JSON API under /api/v1/ (docs/api.md): who may call it, its
 * routes, the checks on their arguments and bodies, and the shape of
 * every reply.
 *
 * The router is a pure function of the request (method, path, query
 * arguments, Authorization header, body, whether the client is on
 * loopback) to a reply (status, JSON body, extra headers); it does no
 * I/O of its own, so the unit tests drive it without sockets. The work
 * behind each route is done by a table of backend functions (struct
 * api_backend) that the control process fills; a member left NULL answers
 * 503 {"error": "not wired yet"}. control/http.c is the thin glue that
 * turns an HTTP request into a struct api_request and streams the reply.
 *
 * Auth: a request with "Authorization: Bearer <token>" carrying the token
 * (control/api/auth.h) may do anything; without it only a GET from a
 * loopback address is served. Everything else is 401 {"error": "token
 * required"} with "WWW-Authenticate: Bearer", counted in api_metrics().
 *
 * Thread safety: api_handle() and the follow functions may run on any
 * number of HTTP threads at once; the backend's members must allow that.
 */
#ifndef RB_CONTROL_API_API_H
#define RB_CONTROL_API_API_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#define API_BODY_MAX (64 * 1024) /* request body bytes; more is 413 */
#define API_FOLLOWERS_MAX 16	 /* concurrent event streams; more is 503 */
#define API_EVENTS_MAX 1000	 /* events in one GET /events reply */
#define API_SELECT_MAX 4096	 /* bytes of a selector */
#define API_QUERY_MAX 16	 /* query arguments of one request */
#define API_KEEPALIVE_MS 15000	 /* a bare "\n" on an idle event stream */

/*
 * What the routes call. Every member is called from HTTP threads, may be
 * NULL (the route then answers 503 "not wired yet"), and gets `arg` first.
 *
 * Errors: a member returning a pointer returns NULL and sets errno; one
 * returning int returns -errno. The errno chooses the status: EINVAL 400
 * (a bad selector, say), ENOENT 404, EBUSY/EEXIST/EALREADY 409,
 * ENOSYS/EAGAIN/ENODEV 503, ETIMEDOUT 504, anything else 500. The message
 * is what the member wrote into err (cap bytes, starts empty), or
 * strerror() when it wrote nothing. JSON values returned are the caller's
 * (it drops its reference when done).
 */
struct api_backend {
	void *arg;
	/* GET /status: the whole reply object, as docs/api.md shows it. */
	json_t *(*status)(void *arg, char *err, size_t cap);
	/* GET /hosts: an array of host objects (docs/api.md) chosen by the
	 * selector (never NULL: "all" when the client gave none). */
	json_t *(*hosts)(void *arg, const char *select, char *err, size_t cap);
	/* GET /hosts/<name>: the host object with its "events" array; NULL
	 * with ENOENT for an unknown host. */
	json_t *(*host)(void *arg, const char *name, char *err, size_t cap);
	/* GET /profiles: an array of profile objects. */
	json_t *(*profiles)(void *arg, char *err, size_t cap);
	/* GET /leases: a malloc'd JSON array text (leasedb_json()'s form);
	 * state is NULL or one of bound, released, declined, expired (checked
	 * before the call). */
	char *(*leases)(void *arg, const char *state, char *err, size_t cap);
	/* GET /explain/<mac>: the explain text (malloc'd, into *text) for the
	 * machine with this MAC (parsed: 6 octets), arch NULL (not given) or
	 * one of inv_arch_parse()'s names (bios, efi-ia32, efi-x64,
	 * efi-arm64, http-x64, http-arm64; checked before the call). 0 or
	 * -errno. */
	int (*explain)(void *arg, const uint8_t mac[6], const char *arch, char **text, char *err,
		       size_t cap);
	/* GET /events: an array of at most max event objects with ids above
	 * since, oldest first. *last: the id to ask from next time, i.e. the
	 * last id returned, or when none, the newest id there is (0: none). */
	json_t *(*events)(void *arg, uint64_t since, unsigned max, uint64_t *last, char *err,
			  size_t cap);
	/* Blocks until an event with an id above since exists (1, at once if
	 * one does), timeout_ms passes (0) or it fails (-errno). Called with
	 * timeouts of at most 500 ms, so a stream notices shutdown. NULL:
	 * streams poll events() twice a second. */
	int (*events_wait)(void *arg, uint64_t since, int timeout_ms);
	/* POST /reinstall: an object {"marked": N, "hosts": [names]}; the
	 * router adds "ms". EINVAL for a bad selector. */
	json_t *(*reinstall)(void *arg, const char *select, bool power_cycle, char *err,
			     size_t cap);
	/* POST /power, action one of on, off, cycle, status (checked before
	 * the call): for status {"results": [...]}, waiting (bounded) for the
	 * answers; otherwise {"queued": N, "hosts": [names]}. */
	json_t *(*power)(void *arg, const char *select, const char *action, char *err, size_t cap);
	/* POST /reload: read the config again and serve it; -EINVAL with
	 * "file:line:column: ..." in err when it is refused (the old set
	 * stays). */
	int (*reload)(void *arg, char *err, size_t cap);
};

/* One query argument, percent-decoded; value NULL for "?key" alone. */
struct api_query {
	const char *key, *value;
};

struct api_request {
	const char *method;	       /* "GET", "POST", ... */
	const char *path;	       /* after "/api/v1/", decoded and normalised: "hosts/n1" */
	const struct api_query *query; /* n_query arguments, each key once */
	size_t n_query;
	const char *authorization; /* the header's value, or NULL */
	const char *body;	   /* body_len bytes, not NUL-terminated; POST only */
	size_t body_len;
	bool body_too_big; /* more than API_BODY_MAX bytes came: 413 */
	bool loopback;	   /* the client is 127.0.0.0/8, ::1 or v4-mapped loopback */
	bool can_stream;   /* the caller can serve a follow stream (else 503) */
};

struct api_follow;

struct api_reply {
	unsigned status;
	char *body; /* malloc'd JSON text ending in '\n', len bytes; NULL with follow */
	size_t len;
	/* Extra headers: WWW-Authenticate with a 401, Allow with a 405. */
	const char *hdr_name[2], *hdr_value[2];
	unsigned n_hdr;
	/* GET /events?follow=1: a stream (Content-Type application/x-ndjson)
	 * to read with api_follow_read() and free with api_follow_free(). */
	struct api_follow *follow;
};

struct api;

/*
 * A router over a copy of *backend, with the 64-digit token (copied).
 * keepalive_ms: the idle line interval of event streams (0: the default
 * API_KEEPALIVE_MS; tests pass less). NULL with errno set on failure.
 */
struct api *api_new(const struct api_backend *backend, const char *token, unsigned keepalive_ms);
/* After every listener using it has stopped (no request in flight). */
void api_free(struct api *a);

/*
 * Answer one request into *out (always filled: status and body; free it
 * with api_reply_free()). Never blocks beyond the backend member it calls.
 */
void api_handle(struct api *a, const struct api_request *rq, struct api_reply *out);
void api_reply_free(struct api_reply *r);

/* Whether the request may go on (it holds the token, or is a GET from
 * loopback). The glue asks at the headers, before reading a body. */
bool api_allowed(const struct api *a, const char *method, const char *authorization, bool loopback);

/*
 * The next bytes of an event stream into buf (cap >= 2): waits until
 * there are new events (one compact JSON object and '\n' each), the idle
 * interval has passed (a bare "\n"), or *stop becomes true. Returns the
 * bytes written (> 0), or -1 at the end of the stream: *stop, or the
 * backend failed (logged).
 */
ssize_t api_follow_read(struct api_follow *f, char *buf, size_t cap, const atomic_bool *stop);
void api_follow_free(struct api_follow *f);

/* Prometheus text of the API's counters (requests, 401s, streams open);
 * all or nothing: 0 and an empty buf when cap is too small. */
size_t api_metrics(const struct api *a, char *buf, size_t cap);

#endif
