/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http.c: the HTTP server (http.h): the install repository, the boot
 * namespace, /t/ renders, /healthz, /metrics and the installer callback on
 * the public listener; the JSON API on a listener of its own (or on the
 * public one). Request bodies, the API's requests and replies are
 * http_api.c's; URL and header parsing is http_parse.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_acked; glibc's lacks it */
#include <netinet/in.h>

#include <microhttpd.h>

#include "api/api.h"
#include "bootns.h"
#include "fs_beneath.h"
#include "http.h"
#include "http_api.h"
#include "http_dir.h"
#include "http_parse.h"
#include "promtext.h"

#if __has_include("rb_build.h")
#include "rb_build.h"
#endif

#ifdef RB_VERSION
#define RB_SERVER "rackboot/" RB_VERSION
#else
#define RB_SERVER "rackboot"
#endif

#define HTTP_CONN_LIMIT 4096
#define HTTP_CONN_TIMEOUT 120 /* seconds */
#define API_CONN_LIMIT 64     /* the API listener's */
#define METRICS_CAP (64 * 1024)

/* O_NONBLOCK so that opening a FIFO cannot park a worker thread; it is
 * cleared again once fstat() has shown a regular file. */
#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

/* A daemon's view of the server: which requests it takes. */
struct listener {
	struct rb_http *h;
	bool api_only;	 /* the API's own listener: /api/v1/ and nothing else */
	bool can_stream; /* a thread per connection: an event stream may block it */
};

struct rb_http {
	struct MHD_Daemon *d, *api_d;
	struct listener pub, apil;
	struct rb_beneath root;
	rb_metrics_fn metrics;
	void *metrics_arg;
	struct api *api;
	struct bootns *boot;
	char *(*tpl)(void *, const char *, const char *, const char *, uint32_t, unsigned *,
		     size_t *);
	void *tpl_arg;
	rb_http_done_fn done;
	void *done_arg;
	rb_http_callback_fn callback;
	void *callback_arg;
	atomic_bool stopping; /* ends event streams */
	_Atomic uint64_t requests, bytes_sent, active;
	_Atomic uint64_t responses[4]; /* 2xx .. 5xx */
	_Atomic uint64_t callbacks[3]; /* ok, refused (403), bad (400) */
};

enum route { RT_PATH, RT_API, RT_CB };

/* What outlives one call of the handler: from the headers to completion. */
struct req_state {
	enum route route;
	struct http_body body; /* POST bodies of the API and /cb/ */
	unsigned status;       /* queued; 0 until then */
	uint64_t bytes;	       /* body bytes queued (0 for HEAD) */
	bool sized;	       /* bytes is the whole body (not a stream) */
	uint64_t acked0;       /* the connection's bytes acked when the request came */
	uint32_t ip;	       /* the client's IPv4 address (network order) or 0 */
	char url[];	       /* for the done hook */
};

/* One request being answered; lives on the handler's stack. */
struct req {
	struct rb_http *h;
	struct listener *l;
	struct MHD_Connection *c;
	struct req_state *st;
	bool head;
};

#define UNUSED __attribute__((unused))
#define ADD(field, n) atomic_fetch_add_explicit(&(field), (n), memory_order_relaxed)
#define LOAD(field) atomic_load_explicit(&(field), memory_order_relaxed)

void
rb_http_get_stats(const struct rb_http *h, struct rb_http_stats *out)
{
	out->requests = LOAD(h->requests);
	out->responses_2xx = LOAD(h->responses[0]);
	out->responses_3xx = LOAD(h->responses[1]);
	out->responses_4xx = LOAD(h->responses[2]);
	out->responses_5xx = LOAD(h->responses[3]);
	out->bytes_sent = LOAD(h->bytes_sent);
	out->active = LOAD(h->active);
	out->callbacks_ok = LOAD(h->callbacks[0]);
	out->callbacks_refused = LOAD(h->callbacks[1]);
	out->callbacks_bad = LOAD(h->callbacks[2]);
}

/* All or nothing: returns 0 (and an empty string) if cap is too small. */
size_t
rb_http_metrics(const struct rb_http *h, char *buf, size_t cap)
{
	static const char *const classes[] = {"2xx", "3xx", "4xx", "5xx"};
	static const char *const cb_results[] = {"ok", "refused", "bad"};
	struct rb_http_stats s;
	struct prom_out o;
	uint64_t by_class[4], cb[3];

	rb_http_get_stats(h, &s);
	by_class[0] = s.responses_2xx;
	by_class[1] = s.responses_3xx;
	by_class[2] = s.responses_4xx;
	by_class[3] = s.responses_5xx;
	prom_init(&o, buf, cap);
	prom_metric(&o, "rackboot_http_requests_total", "counter", "HTTP requests received.",
		    s.requests);
	prom_labelled(&o, "rackboot_http_responses_total", "counter",
		      "HTTP responses sent, by status class.", "code", classes, by_class, 4);
	prom_metric(&o, "rackboot_http_body_bytes_total", "counter",
		    "HTTP body bytes queued for sending.", s.bytes_sent);
	prom_metric(&o, "rackboot_http_connections", "gauge", "HTTP connections open now.",
		    s.active);
	cb[0] = s.callbacks_ok;
	cb[1] = s.callbacks_refused;
	cb[2] = s.callbacks_bad;
	prom_labelled(&o, "rackboot_http_callbacks_total", "counter",
		      "Installer callbacks (/cb/): accepted, refused (403: unknown, old or used "
		      "token), bad (400).",
		      "result", cb_results, cb, 3);
	if (!o.full)
		return o.len;
	prom_rewind(&o, 0);
	return 0;
}

/* Queues r (adding Server) and drops our reference; body: its length. */
static enum MHD_Result
queue(struct req *rq, unsigned status, struct MHD_Response *r, uint64_t body)
{
	enum MHD_Result ret;

	MHD_add_response_header(r, MHD_HTTP_HEADER_SERVER, RB_SERVER);
	ret = MHD_queue_response(rq->c, status, r);
	MHD_destroy_response(r);
	if (ret == MHD_YES) {
		if (status >= 200 && status < 600)
			ADD(rq->h->responses[status / 100 - 2], 1);
		if (!rq->head)
			ADD(rq->h->bytes_sent, body);
		if (rq->st) {
			rq->st->status = status;
			rq->st->bytes = rq->head ? 0 : body;
			rq->st->sized = true;
		}
	}
	return ret;
}

/* A short text/plain answer, with one optional extra header. */
static enum MHD_Result
send_status(struct req *rq, unsigned status, const char *hdr, const char *val)
{
	struct MHD_Response *r;
	char msg[64];
	int n;

	n = status == 200
		? snprintf(msg, sizeof(msg), "ok\n")
		: snprintf(msg, sizeof(msg), "%u %s\n", status, MHD_get_reason_phrase_for(status));
	r = MHD_create_response_from_buffer((size_t)n, msg, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (hdr && MHD_add_response_header(r, hdr, val) != MHD_YES) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	return queue(rq, status, r, (uint64_t)n);
}

static unsigned
errno_status(int err)
{
	if (err == ENOENT || err == ENOTDIR)
		return 404;
	if (err == EXDEV || err == ELOOP || err == EACCES || err == EPERM)
		return 403; /* EXDEV: the path would leave the root */
	if (err == ENAMETOOLONG || err == EINVAL)
		return 400;
	return 500;
}

static enum MHD_Result
serve_metrics(struct req *rq)
{
	struct rb_http *h = rq->h;
	struct MHD_Response *r;
	size_t n, m;
	char *buf;

	buf = malloc(METRICS_CAP);
	if (!buf)
		return send_status(rq, 500, NULL, NULL);
	n = rb_http_metrics(h, buf, METRICS_CAP);
	if (h->metrics) {
		m = h->metrics(h->metrics_arg, buf + n, METRICS_CAP - n);
		n += m < METRICS_CAP - n ? m : METRICS_CAP - n;
	}
	r = MHD_create_response_from_buffer(n, buf, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(buf);
		return send_status(rq, 500, NULL, NULL);
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4");
	return queue(rq, 200, r, n);
}

/* /api/v1/ (http_api.c does the work). */
static enum MHD_Result
serve_api(struct req *rq, const char *method, const char *url)
{
	struct rb_http *h = rq->h;
	struct MHD_Response *r;
	unsigned status;
	uint64_t len;
	bool sized;

	r = http_api_respond(h->api, rq->c, method, url, &rq->st->body, rq->l->can_stream,
			     &h->stopping, &status, &len, &sized);
	if (!r)
		return send_status(rq, 500, NULL, NULL);
	if (queue(rq, status, r, len) != MHD_YES)
		return MHD_NO;
	rq->st->sized = sized;
	return MHD_YES;
}

/* Counts a callback's outcome (0 ok, 1 refused, 2 bad) and answers it. */
static enum MHD_Result
cb_answer(struct req *rq, unsigned outcome, unsigned status)
{
	ADD(rq->h->callbacks[outcome], 1);
	return send_status(rq, status, NULL, NULL);
}

/* A query argument, percent-decoded into buf; NULL when absent, *bad set
 * when it will not decode or fit. */
static const char *
arg_decoded(struct MHD_Connection *c, const char *key, char *buf, size_t cap, bool *bad)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);

	if (!v)
		return NULL;
	if (rb_http_unescape(v, strlen(v), buf, cap) < 0)
		*bad = true;
	return buf;
}

/* /cb/<token>: an installer says it is done (or failed). */
static enum MHD_Result
serve_cb(struct req *rq, const char *url)
{
	/* Room for a reason of RB_CB_REASON_MAX bytes and one more, so a
	 * longer one is told apart from one that fits. */
	char st_buf[16], why[RB_CB_REASON_MAX + 2], msg[128];
	const char *token = url + 4, *status, *reason;
	bool ok = true, bad = false;
	int rc;

	if (!rb_http_cb_token_ok(token))
		return cb_answer(rq, 1, 403);
	status = arg_decoded(rq->c, "status", st_buf, sizeof(st_buf), &bad);
	reason = arg_decoded(rq->c, "reason", why, sizeof(why), &bad);
	if (bad || rb_http_cb_args(status, reason, &ok, msg, sizeof(msg)) < 0)
		return cb_answer(rq, 2, 400);
	rc = rq->h->callback(rq->h->callback_arg, token, ok, reason, rq->st->ip);
	if (rc == 0)
		return cb_answer(rq, 0, 200);
	if (rc == -EACCES)
		return cb_answer(rq, 1, 403);
	if (rc == -EINVAL)
		return cb_answer(rq, 2, 400);
	return send_status(rq, 500, NULL, NULL);
}

/* /t/<name>: a template rendered for the asking machine (prov_live.c). */
static enum MHD_Result
serve_template(struct req *rq, const char *url)
{
	uint32_t ip = rq->st->ip;
	struct MHD_Response *r;
	unsigned status = 500;
	size_t n = 0;
	char *body;

	body = rq->h->tpl(
	    rq->h->tpl_arg, url, MHD_lookup_connection_value(rq->c, MHD_GET_ARGUMENT_KIND, "mac"),
	    MHD_lookup_connection_value(rq->c, MHD_GET_ARGUMENT_KIND, "profile"), ip, &status, &n);
	if (!body)
		return send_status(rq, status >= 400 ? status : 500, NULL, NULL);
	r = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return send_status(rq, 500, NULL, NULL);
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return queue(rq, 200, r, n);
}

/*
 * A body to answer with: an open regular file (fd, closed here), or bytes
 * in memory (buf) that stay valid while hold, an overlay reference, is
 * held: MHD drops it once the response is gone.
 */
struct body {
	int fd;
	const char *buf;
	struct bootns_files *hold;
};

static void
body_release(void *cls)
{
	bootns_files_put(cls);
}

/* The response for body bytes [first, first + len), or NULL; on NULL the
 * body is still the caller's. */
static struct MHD_Response *
body_response(struct body *b, uint64_t first, uint64_t len)
{
	if (b->fd >= 0)
		return MHD_create_response_from_fd_at_offset64(len, b->fd, first);
	/* MHD only reads a buffer it is given with a free callback. */
	return MHD_create_response_from_buffer_with_free_callback_cls(
	    (size_t)len, (void *)(uintptr_t)(b->buf + first), body_release, b->hold);
}

static void
body_drop(struct body *b)
{
	if (b->fd >= 0)
		close(b->fd);
	bootns_files_put(b->hold);
}

/* Answers for a regular file of size bytes modified at mtime, taking
 * ownership of its body. Range is honoured only while If-Range (if any)
 * still matches Last-Modified. */
static enum MHD_Result
serve_body(struct req *rq, struct body *b, uint64_t size, time_t mtime, const char *rel)
{
	uint64_t first = 0, last = 0, len = size;
	const char *range, *ifr;
	struct MHD_Response *r;
	unsigned status = 200;
	char lm[64], cr[80];
	int rr;

	rb_http_date(mtime, lm, sizeof(lm));
	range = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
	ifr = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_RANGE);
	if (range && ifr && strcmp(ifr, lm) != 0)
		range = NULL;
	rr = rb_http_parse_range(range, size, &first, &last);
	if (rr < 0) {
		body_drop(b);
		snprintf(cr, sizeof(cr), "bytes */%" PRIu64, size);
		return send_status(rq, 416, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
	}
	if (rr > 0) {
		status = 206;
		len = last - first + 1;
		snprintf(cr, sizeof(cr), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, first, last,
			 size);
	}
	r = body_response(b, first, len);
	if (!r) {
		body_drop(b);
		return send_status(rq, 500, NULL, NULL);
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rb_http_content_type(rel));
	MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, lm);
	MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	if (rr > 0 && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, cr) != MHD_YES) {
		MHD_destroy_response(r);
		return send_status(rq, 500, NULL, NULL);
	}
	return queue(rq, status, r, len);
}

/* Answers for a regular file, taking ownership of fd. */
static enum MHD_Result
serve_file(struct req *rq, int fd, const struct stat *st, const char *rel)
{
	struct body b = {.fd = fd};

	return serve_body(rq, &b, (uint64_t)st->st_size, st->st_mtime, rel);
}

static enum MHD_Result
redirect_slash(struct req *rq, const char *rel)
{
	char *loc = http_dir_location(rel);
	enum MHD_Result ret;

	if (!loc)
		return send_status(rq, 500, NULL, NULL);
	ret = send_status(rq, 301, MHD_HTTP_HEADER_LOCATION, loc);
	free(loc);
	return ret;
}

/* Answers with the index of the directory fd, which it closes. */
static enum MHD_Result
serve_dir(struct req *rq, int fd, const char *rel)
{
	size_t len = 0;
	struct MHD_Response *r = http_dir_index(fd, rel, &len);

	close(fd);
	if (!r)
		return send_status(rq, 500, NULL, NULL);
	return queue(rq, 200, r, len);
}

/* /boot/<name>: the boot namespace: the generated files' overlay first
 * (the response holds its reference), then the roots, looked up in the
 * snapshot current now (the fd outlives the reference). */
static enum MHD_Result
serve_boot(struct req *rq, const char *name)
{
	struct body b = {.fd = -1, .hold = bootns_files_get(rq->h->boot)};
	struct bootns_snap *s;
	struct stat st;
	size_t len;
	time_t mtime;
	int fd;

	if (bootns_files_find(b.hold, name, &b.buf, &len, &mtime) == 0)
		return serve_body(rq, &b, len, mtime, name);
	bootns_files_put(b.hold);
	s = bootns_get(rq->h->boot);
	fd = bootns_open(s, name, OPEN_FLAGS, &st);
	bootns_put(s);
	if (fd < 0)
		return send_status(rq, fd == -EISDIR ? 404 : errno_status(-fd), NULL, NULL);
	if (fcntl(fd, F_SETFL, O_RDONLY) != 0) {
		close(fd);
		return send_status(rq, 500, NULL, NULL);
	}
	return serve_file(rq, fd, &st, name);
}

/* The connection's TCP bytes acknowledged by the client so far; 0 when
 * the kernel does not say. */
static uint64_t
tcp_acked(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (!ci || getsockopt(ci->connect_fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return 0;
	return len >= offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked)
		   ? ti.tcpi_bytes_acked
		   : 0;
}

/* The state of a request at its headers: which route takes it, who asks. */
static struct req_state *
req_begin(struct req *rq, const char *url)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(rq->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct rb_http *h = rq->h;
	size_t n = strlen(url);
	struct req_state *st = calloc(1, sizeof(*st) + n + 1);

	if (!st)
		return NULL;
	memcpy(st->url, url, n + 1);
	st->ip = rb_http_client_ipv4(ci ? ci->client_addr : NULL);
	if (rq->l->api_only ||
	    (h->api && !h->api_d && !strncmp(url, "/api/v1", 7) && (!url[7] || url[7] == '/')))
		st->route = RT_API;
	else if (h->callback && !strncmp(url, "/cb/", 4))
		st->route = RT_CB;
	if (h->done && !rq->l->api_only)
		st->acked0 = tcp_acked(rq->c);
	return st;
}

/*
 * The first call, with the headers only. MHD 0.9.75 closes the connection
 * after a response queued here: fine for a refusal, which also skips any
 * body, but the answers that keep a connection alive come on a later call.
 */
static enum MHD_Result
first_call(struct req *rq, const char *method)
{
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET),
	     post = !strcmp(method, MHD_HTTP_METHOD_POST);

	switch (rq->st->route) {
	case RT_API:
		if (http_api_early(rq->h->api, rq->c, method, &rq->st->body))
			return serve_api(rq, method, rq->st->url);
		return MHD_YES;
	case RT_CB:
		if (!get && !post)
			return send_status(rq, 405, MHD_HTTP_HEADER_ALLOW, "GET, POST");
		if (post && http_body_announced_too_big(rq->c))
			return send_status(rq, 413, NULL, NULL);
		return MHD_YES;
	default:
		if (!rq->head && !get)
			return send_status(rq, 405, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		return MHD_YES;
	}
}

/* GET and HEAD of everything but the API and the callback. */
static enum MHD_Result
serve_path(struct req *rq, const char *url)
{
	char rel[PATH_MAX];
	struct stat st;
	int fd, err;

	err = rb_http_url_to_path(url, rel, sizeof(rel));
	if (err)
		return send_status(rq, errno_status(-err), NULL, NULL);
	if (!strcmp(rel, "healthz"))
		return send_status(rq, 200, NULL, NULL);
	if (!strcmp(rel, "metrics"))
		return serve_metrics(rq);
	if (rq->h->tpl && !strncmp(rel, "t/", 2))
		return serve_template(rq, url);
	if (rq->h->boot && (!strcmp(rel, "boot") || !strncmp(rel, "boot/", 5)))
		return serve_boot(rq, rel[4] ? rel + 5 : "");

	fd = rb_beneath_open(&rq->h->root, rel, OPEN_FLAGS);
	if (fd < 0)
		return send_status(rq, errno_status(-fd), NULL, NULL);
	if (fstat(fd, &st) != 0 || (S_ISREG(st.st_mode) && fcntl(fd, F_SETFL, O_RDONLY) != 0)) {
		close(fd);
		return send_status(rq, 500, NULL, NULL);
	}
	if (S_ISREG(st.st_mode))
		return serve_file(rq, fd, &st, rel);
	if (S_ISDIR(st.st_mode) && *url && url[strlen(url) - 1] == '/')
		return serve_dir(rq, fd, rel);
	close(fd);
	if (S_ISDIR(st.st_mode))
		return redirect_slash(rq, rel);
	return send_status(rq, 403, NULL, NULL);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version UNUSED, const char *upload_data, size_t *upload_data_size,
       void **req_cls)
{
	struct listener *l = cls;
	struct req rq = {.h = l->h, .l = l, .c = c, .st = *req_cls};

	rq.head = !strcmp(method, MHD_HTTP_METHOD_HEAD);
	if (!rq.st) {
		ADD(rq.h->requests, 1);
		rq.st = req_begin(&rq, url);
		if (!rq.st)
			return MHD_NO;
		*req_cls = rq.st;
		return first_call(&rq, method);
	}
	if (*upload_data_size) {
		/* Kept for the API and the callback's POST; dropped elsewhere. */
		if (rq.st->route != RT_PATH && !strcmp(method, MHD_HTTP_METHOD_POST))
			http_body_add(&rq.st->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	switch (rq.st->route) {
	case RT_API:
		return serve_api(&rq, method, url);
	case RT_CB:
		/* The body (cloud-init's phone_home form, say) says nothing we use. */
		if (rq.st->body.too_big)
			return send_status(&rq, 413, NULL, NULL);
		return serve_cb(&rq, url);
	default:
		return serve_path(&rq, url);
	}
}

/*
 * A request is over (answered, or the connection went). The done hook
 * hears of every request of the public listener exactly once.
 */
static void
completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	struct listener *l = cls;
	struct req_state *st = *req_cls;
	uint64_t bytes;

	if (!st)
		return;
	if (l->h->done && !l->api_only) {
		bytes = st->bytes;
		if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
			/* MHD does not say how far a body got; the client's TCP
			 * does (headers included), close enough for progress. */
			bytes = tcp_acked(c);
			bytes = bytes > st->acked0 ? bytes - st->acked0 : 0;
			if (st->sized && bytes > st->bytes)
				bytes = st->bytes;
		}
		l->h->done(l->h->done_arg, st->ip, st->url, st->status, bytes);
	}
	http_body_free(&st->body);
	free(st);
	*req_cls = NULL;
}

static void
notify_conn(void *cls, struct MHD_Connection *c UNUSED, void **socket_ctx UNUSED,
	    enum MHD_ConnectionNotificationCode toe)
{
	struct rb_http *h = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		ADD(h->active, 1);
	else if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
		atomic_fetch_sub_explicit(&h->active, 1, memory_order_relaxed);
}

/* MHD would percent-decode the path before handing it over; decoding is
 * done once, by rb_http_url_to_path(), so that "%2541" stays "%41". */
static size_t
unescape_none(void *cls UNUSED, struct MHD_Connection *c UNUSED, char *s)
{
	return strlen(s);
}

/* Small stacks keep hundreds of nodes cheap. */
#define THREAD_STACK (256 * 1024)

static struct MHD_Daemon *
start_daemon(struct rb_http *h, const struct rb_http_config *cfg, unsigned extra_flags)
{
	struct MHD_OptionItem ops[] = {
	    {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)cfg->per_ip, NULL},
	    {MHD_OPTION_CONNECTION_LIMIT, HTTP_CONN_LIMIT, NULL},
	    {MHD_OPTION_CONNECTION_TIMEOUT, HTTP_CONN_TIMEOUT, NULL},
	    {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)notify_conn, h},
	    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, &h->pub},
	    {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape_none, NULL},
	    {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg->threads, NULL},
	    {MHD_OPTION_END, 0, NULL},
	};

	if (cfg->threads == 0) {
		/*
		 * A thread per connection: MHD then sendfile()s in 2 MiB steps
		 * instead of 128 KiB, and each transfer blocks in the kernel
		 * rather than cycling through epoll. On the rack benchmark this
		 * was the faster mode for many parallel large downloads (the
		 * figures are in docs/benchmarks.md).
		 */
		ops[6].option = MHD_OPTION_THREAD_STACK_SIZE;
		ops[6].value = THREAD_STACK;
		return MHD_start_daemon(
		    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
			extra_flags,
		    cfg->port, NULL, NULL, handle, &h->pub, MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
	}
	if (cfg->threads == 1) /* no pool: the polling thread does it all */
		ops[6].option = MHD_OPTION_END;

	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | extra_flags,
				cfg->port, NULL, NULL, handle, &h->pub, MHD_OPTION_ARRAY, ops,
				MHD_OPTION_END);
}

/*
 * The API's own listener at address:port: a thread per connection, since
 * an event stream blocks its thread between events. errno set on failure
 * (EINVAL: not an address literal).
 */
static struct MHD_Daemon *
start_api_daemon(struct rb_http *h, const char *address, uint16_t port)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	unsigned flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
	const struct sockaddr *sa = (const struct sockaddr *)&s4;

	if (inet_pton(AF_INET, address, &s4.sin_addr) != 1) {
		if (inet_pton(AF_INET6, address, &s6.sin6_addr) != 1) {
			errno = EINVAL;
			return NULL;
		}
		sa = (const struct sockaddr *)&s6;
		flags |= MHD_USE_IPv6;
	}
	errno = 0;
	return MHD_start_daemon(flags, port, NULL, NULL, handle, &h->apil, MHD_OPTION_SOCK_ADDR, sa,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)API_CONN_LIMIT,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONN_TIMEOUT,
				MHD_OPTION_NOTIFY_CONNECTION, notify_conn, h,
				MHD_OPTION_NOTIFY_COMPLETED, completed, &h->apil,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, NULL,
				MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK, MHD_OPTION_END);
}

struct rb_http *
rb_http_start(const struct rb_http_config *cfg, char *errbuf, size_t errlen)
{
	const char *api_addr = cfg->api_address ? cfg->api_address : "127.0.0.1";
	struct rb_http *h;
	int err;

	h = calloc(1, sizeof(*h));
	if (!h)
		goto fail_listen;
	h->pub = (struct listener){h, false, cfg->threads == 0};
	h->apil = (struct listener){h, true, true};
	h->metrics = cfg->metrics;
	h->metrics_arg = cfg->metrics_arg;
	h->api = cfg->api;
	h->boot = cfg->boot;
	h->tpl = cfg->tpl;
	h->tpl_arg = cfg->tpl_arg;
	h->done = cfg->done;
	h->done_arg = cfg->done_arg;
	h->callback = cfg->callback;
	h->callback_arg = cfg->callback_arg;
	err = rb_beneath_init(&h->root, cfg->root);
	if (err) {
		errno = -err;
		goto fail_root;
	}

	if (h->api && cfg->api_port) {
		h->api_d = start_api_daemon(h, api_addr, cfg->api_port);
		if (!h->api_d)
			goto fail_api;
	}
	errno = 0;
	h->d = start_daemon(h, cfg, MHD_USE_DUAL_STACK);
	if (!h->d)
		h->d = start_daemon(h, cfg, 0);
	if (!h->d)
		goto fail_listen;
	return h;

fail_root:
	err = errno;
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "cannot open root %s: %s", cfg->root, strerror(err));
	goto cleanup;
fail_api:
	err = errno ? errno : EADDRINUSE;
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "cannot listen on %s%s%s:%u for the API: %s",
			 strchr(api_addr, ':') ? "[" : "", api_addr,
			 strchr(api_addr, ':') ? "]" : "", cfg->api_port, strerror(err));
	goto cleanup;
fail_listen:
	/* MHD leaves the bind()/listen() errno in place. */
	err = errno ? errno : EADDRINUSE;
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "cannot listen on port %u: %s", cfg->port, strerror(err));
cleanup:
	if (h) {
		if (h->api_d)
			MHD_stop_daemon(h->api_d);
		rb_beneath_close(&h->root);
	}
	free(h);
	errno = err;
	return NULL;
}

void
rb_http_stop(struct rb_http *h)
{
	if (!h)
		return;
	/* Event streams look at this at least twice a second; MHD then
	 * joins their threads. */
	atomic_store(&h->stopping, true);
	if (h->api_d)
		MHD_stop_daemon(h->api_d);
	MHD_stop_daemon(h->d);
	rb_beneath_close(&h->root);
	free(h);
}
