/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http_api.h: the glue between libmicrohttpd and the API router
 * (control/api/api.h), used by http.c only: it collects a request body
 * up to API_BODY_MAX, reads the headers, query arguments and client
 * address off the connection, calls api_handle() and turns its reply
 * into an MHD response (a JSON buffer, or an ndjson event stream).
 *
 * Errors, as everywhere in control/: pointer functions return NULL.
 */
#ifndef RB_CONTROL_HTTP_API_H
#define RB_CONTROL_HTTP_API_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

struct api;

/* A request body being received. Zeroed to start. */
struct http_body {
	char *data;
	size_t len, cap;
	bool too_big; /* more than API_BODY_MAX came: the rest is dropped */
};

/* Appends n bytes, or marks the body too big (keeping nothing more). */
void http_body_add(struct http_body *b, const char *p, size_t n);
void http_body_free(struct http_body *b);

/* Whether a body announced by Content-Length is over API_BODY_MAX. */
bool http_body_announced_too_big(struct MHD_Connection *c);

/*
 * At the headers of an API request: true when the answer can be given
 * now, without the body (the client may not do this, or announced a body
 * over the limit, which then marks b too big).
 */
bool http_api_early(struct api *a, struct MHD_Connection *c, const char *method,
		    struct http_body *b);

/*
 * The answer to an API request for url (the whole path, "/api/v1/...";
 * anything else is a JSON 404). can_stream: a follow stream may block
 * this connection's thread; stop ends such streams (rb_http_stop sets
 * it). Sets *status and *len (the body's length; 0 for a stream, whose
 * length nobody knows) and *sized (false for a stream). NULL when out of
 * memory.
 */
struct MHD_Response *http_api_respond(struct api *a, struct MHD_Connection *c, const char *method,
				      const char *url, const struct http_body *b, bool can_stream,
				      const atomic_bool *stop, unsigned *status, uint64_t *len,
				      bool *sized);

#endif
