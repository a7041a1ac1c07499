/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http_api.c: libmicrohttpd to the API router and back (http_api.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "http_api.h"
#include "http_parse.h"

#define STREAM_BLOCK (16 * 1024)

void
http_body_add(struct http_body *b, const char *p, size_t n)
{
	size_t cap;
	char *d;

	if (b->too_big || n > API_BODY_MAX - b->len) {
		b->too_big = true;
		return;
	}
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap * 2 : 1024;
		while (cap < b->len + n)
			cap *= 2;
		cap = cap < API_BODY_MAX ? cap : API_BODY_MAX;
		d = realloc(b->data, cap);
		if (!d) {
			/* Refused like an over-size body: the client may retry. */
			b->too_big = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
http_body_free(struct http_body *b)
{
	free(b->data);
	*b = (struct http_body){0};
}

bool
http_body_announced_too_big(struct MHD_Connection *c)
{
	const char *cl =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;
	unsigned long long n;

	if (!cl || *cl < '0' || *cl > '9')
		return false; /* MHD refuses a malformed one itself */
	n = strtoull(cl, &end, 10);
	return n > API_BODY_MAX;
}

static bool
loopback(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	return ci && rb_http_client_loopback(ci->client_addr);
}

bool
http_api_early(struct api *a, struct MHD_Connection *c, const char *method, struct http_body *b)
{
	const char *auth =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);

	if (!api_allowed(a, method, auth, loopback(c)))
		return true;
	if (http_body_announced_too_big(c))
		b->too_big = true;
	return b->too_big;
}

/* The query arguments, decoded; -EINVAL for one that will not decode,
 * -E2BIG for too many. */
struct args {
	struct api_query q[API_QUERY_MAX + 1];
	size_t n;
	int err;
};

static enum MHD_Result
add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct args *a = cls;
	char *k = NULL, *v = NULL;
	size_t kn, vn;

	(void)kind;
	if (a->n == API_QUERY_MAX + 1) {
		a->err = -E2BIG;
		return MHD_NO;
	}
	kn = strlen(key);
	vn = value ? strlen(value) : 0;
	k = malloc(kn + 1);
	v = value ? malloc(vn + 1) : NULL;
	if (!k || (value && !v)) {
		a->err = -ENOMEM;
	} else if (rb_http_unescape(key, kn, k, kn + 1) < 0 ||
		   (v && rb_http_unescape(value, vn, v, vn + 1) < 0)) {
		a->err = -EINVAL;
	} else {
		a->q[a->n++] = (struct api_query){k, v};
		return MHD_YES;
	}
	free(k);
	free(v);
	return MHD_NO;
}

static void
args_free(struct args *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free((char *)a->q[i].key);
		free((char *)a->q[i].value);
	}
}

/* A JSON error reply made here, for what never reaches the router. */
static void
local_error(struct api_reply *r, unsigned status, const char *msg)
{
	json_t *v = json_pack("{s:s}", "error", msg);
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;

	json_decref(v);
	r->status = status;
	r->body = s;
	r->len = s ? strlen(s) : 0;
}

struct stream {
	struct api_follow *f;
	const atomic_bool *stop;
};

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	ssize_t n;

	(void)pos;
	n = api_follow_read(s->f, buf, max, s->stop);
	return n > 0 ? n : MHD_CONTENT_READER_END_OF_STREAM;
}

static void
stream_free(void *cls)
{
	struct stream *s = cls;

	api_follow_free(s->f);
	free(s);
}

struct MHD_Response *
http_api_respond(struct api *a, struct MHD_Connection *c, const char *method, const char *url,
		 const struct http_body *b, bool can_stream, const atomic_bool *stop,
		 unsigned *status, uint64_t *len, bool *sized)
{
	struct api_request rq = {.method = method};
	struct api_reply rep = {0};
	struct MHD_Response *r = NULL;
	struct args args = {.n = 0};
	struct stream *s;
	char rel[PATH_MAX];
	unsigned i;

	rq.authorization =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	rq.loopback = loopback(c);
	rq.can_stream = can_stream;
	if (!strcmp(method, MHD_HTTP_METHOD_POST)) {
		rq.body = b->data;
		rq.body_len = b->len;
		rq.body_too_big = b->too_big;
	}
	if (rb_http_url_to_path(url, rel, sizeof(rel)) < 0) {
		local_error(&rep, 400, "bad path");
	} else if (strncmp(rel, "api/v1", 6) || (rel[6] && rel[6] != '/')) {
		local_error(&rep, 404, "no such path; the API is under /api/v1/");
	} else {
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &args);
		if (args.err == -ENOMEM) {
			local_error(&rep, 500, "out of memory");
		} else {
			rq.path = rel[6] ? rel + 7 : "";
			rq.query = args.q;
			/* One over the limit, so the router says "too many". */
			rq.n_query = args.err == -E2BIG ? API_QUERY_MAX + 1 : args.n;
			if (args.err == -EINVAL)
				local_error(&rep, 400, "a query argument has a bad %-escape");
			else
				api_handle(a, &rq, &rep);
		}
	}
	args_free(&args);

	*status = rep.status;
	*len = 0;
	*sized = !rep.follow;
	if (rep.follow) {
		s = malloc(sizeof(*s));
		if (s) {
			*s = (struct stream){rep.follow, stop};
			r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK,
							      stream_read, s, stream_free);
			if (r)
				rep.follow = NULL; /* the response owns it now */
			else
				free(s);
		}
		if (r) {
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
						"application/x-ndjson");
			MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
		}
	} else if (rep.body) {
		r = MHD_create_response_from_buffer(rep.len, rep.body, MHD_RESPMEM_MUST_FREE);
		if (r) {
			*len = rep.len;
			rep.body = NULL;
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
						"application/json");
			MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
		}
	}
	for (i = 0; r && i < rep.n_hdr; i++)
		MHD_add_response_header(r, rep.hdr_name[i], rep.hdr_value[i]);
	api_reply_free(&rep);
	return r;
}
