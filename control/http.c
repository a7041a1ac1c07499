/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
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

#include <netinet/in.h>

#include <microhttpd.h>

#include "bootns.h"
#include "fs_beneath.h"
#include "hex.h"
#include "http.h"
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
#define METRICS_CAP (64 * 1024)

/* O_NONBLOCK so that opening a FIFO cannot park a worker thread; it is
 * cleared again once fstat() has shown a regular file. */
#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

struct rb_http {
	struct MHD_Daemon *d;
	struct rb_beneath root;
	rb_metrics_fn metrics;
	void *metrics_arg;
	rb_api_fn api;
	void *api_arg;
	struct bootns *boot;
	char *(*tpl)(void *, const char *, const char *, const char *, uint32_t, unsigned *,
		     size_t *);
	void *tpl_arg;
	_Atomic uint64_t requests, bytes_sent, active;
	_Atomic uint64_t responses[4]; /* 2xx .. 5xx */
};

/* One request being answered; lives on the handler's stack. */
struct req {
	struct rb_http *h;
	struct MHD_Connection *c;
	bool head;
};

#define UNUSED __attribute__((unused))
#define ADD(field, n) atomic_fetch_add_explicit(&(field), (n), memory_order_relaxed)
#define LOAD(field) atomic_load_explicit(&(field), memory_order_relaxed)

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Reads decimal digits at *pp into *v: 1 on success (advancing *pp),
 * 0 if there are none, -ERANGE on overflow. */
static int
parse_u64(const char **pp, uint64_t *v)
{
	char *end;

	/* strtoull() alone would also take blanks and signs. */
	if (**pp < '0' || **pp > '9')
		return 0;
	errno = 0;
	*v = strtoull(*pp, &end, 10);
	*pp = end;
	return errno == ERANGE ? -ERANGE : 1;
}

int
rb_http_parse_range(const char *value, uint64_t size, uint64_t *first, uint64_t *last)
{
	const char *p;
	uint64_t a = 0, b = 0;
	int ra, rb;

	if (!value || strncasecmp(value, "bytes", 5) != 0)
		return 0;
	p = skip_ws(value + 5);
	if (*p++ != '=' || strchr(p, ','))
		return 0;
	/* Blanks around the numbers are tolerated, as nginx does. */
	p = skip_ws(p);
	ra = parse_u64(&p, &a);
	p = skip_ws(p);
	if (ra < 0 || *p++ != '-')
		return 0;
	p = skip_ws(p);
	rb = parse_u64(&p, &b);
	p = skip_ws(p);
	if (rb < 0 || *p != '\0')
		return 0;

	if (!ra) {
		/* "-", or a suffix of an empty file: that is the whole file */
		if (!rb || (b && size == 0))
			return 0;
		if (b == 0)
			return -ERANGE;
		*first = b < size ? size - b : 0;
		*last = size - 1;
		return 1;
	}
	if (rb && b < a)
		return 0;
	if (a >= size)
		return -ERANGE;
	*first = a;
	*last = (!rb || b >= size) ? size - 1 : b;
	return 1;
}

int
rb_http_url_to_path(const char *url, char *out, size_t cap)
{
	size_t n = strcspn(url, "?"), len = 0, i;
	char *dec;
	int hi, lo, ret;

	/* Decoded first, then normalised, so an encoded '/' separates and an
	 * encoded ".." is refused like a plain one. */
	dec = malloc(n + 1);
	if (!dec)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (url[i] != '%') {
			dec[len++] = url[i];
			continue;
		}
		hi = rb_hex_digit((unsigned char)url[i + 1]);
		lo = hi < 0 ? -1 : rb_hex_digit((unsigned char)url[i + 2]);
		if (lo < 0) {
			ret = -EINVAL;
			goto out;
		}
		dec[len++] = (char)(hi << 4 | lo);
		i += 2;
	}
	ret = rb_path_normalize(dec, len, out, cap, 0);
	if (ret > 0)
		ret = 0;
out:
	if (ret && cap)
		out[0] = '\0';
	free(dec);
	return ret;
}

static void
put_html(FILE *f, const char *s)
{
	static const char special[] = "&<>\"'";
	static const char *const entity[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
	const char *e;

	for (; *s; s++) {
		e = strchr(special, *s);
		if (e)
			fputs(entity[e - special], f);
		else
			putc(*s, f);
	}
}

/* Percent-encodes all but RFC 3986 unreserved bytes (and '/' if keep_slash). */
static void
put_url(FILE *f, const char *s, bool keep_slash)
{
	unsigned char c;

	for (; *s; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/'))
			putc(c, f);
		else
			fprintf(f, "%%%02X", c);
	}
}

static void
http_date(time_t t, char *out, size_t cap)
{
	/* Not strftime(): %a and %b follow the locale. */
	static const char wday[] = "SunMonTueWedThuFriSat",
			  mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		gmtime_r(&(time_t){0}, &tm);
	snprintf(out, cap, "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT", wday + 3 * tm.tm_wday,
		 tm.tm_mday, mon + 3 * tm.tm_mon, tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

static const char *
content_type(const char *path)
{
	static const char *const types[][2] = {
	    {"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
	    {"txt", "text/plain; charset=utf-8"}, {"cfg", "text/plain; charset=utf-8"},
	    {"ks", "text/plain; charset=utf-8"},  {"xml", "application/xml"},
	    {"json", "application/json"},	  {"iso", "application/octet-stream"},
	    {"rpm", "application/x-rpm"},	  {"deb", "application/vnd.debian.binary-package"},
	    {"gz", "application/gzip"},		  {"xz", "application/x-xz"},
	    {"img", "application/octet-stream"},
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot && !strchr(dot, '/'))
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot + 1, types[i][0]) == 0)
				return types[i][1];
	return "application/octet-stream";
}

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
}

/* All or nothing: returns 0 (and an empty string) if cap is too small. */
size_t
rb_http_metrics(const struct rb_http *h, char *buf, size_t cap)
{
	static const char *const classes[] = {"2xx", "3xx", "4xx", "5xx"};
	struct rb_http_stats s;
	struct prom_out o;
	uint64_t by_class[4];

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

static enum MHD_Result
serve_api(struct req *rq, const char *path)
{
	struct rb_http *h = rq->h;
	struct MHD_Response *r;
	unsigned status = 404;
	char *body;
	size_t n;

	if (!h->api)
		return send_status(rq, 404, NULL, NULL);
	body = h->api(h->api_arg, path,
		      MHD_lookup_connection_value(rq->c, MHD_GET_ARGUMENT_KIND, "state"), &status);
	if (!body)
		return send_status(rq, 500, NULL, NULL);
	n = strlen(body);
	r = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return send_status(rq, 500, NULL, NULL);
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	return queue(rq, status, r, n);
}

/* /t/<name>: a template rendered for the asking machine (prov_live.c). */
static enum MHD_Result
serve_template(struct req *rq, const char *url)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(rq->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	uint32_t ip = 0;
	struct MHD_Response *r;
	unsigned status = 500;
	size_t n = 0;
	char *body;

	if (sa && sa->sa_family == AF_INET) {
		ip = ((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr;
	} else if (sa && sa->sa_family == AF_INET6) {
		/* The socket is dual stack: IPv4 clients come as ::ffff:a.b.c.d. */
		const struct in6_addr *a6 =
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a6))
			memcpy(&ip, &a6->s6_addr[12], 4);
	}
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

	http_date(mtime, lm, sizeof(lm));
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
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(rel));
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
	enum MHD_Result ret;
	char *loc = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&loc, &len);
	if (!f)
		return send_status(rq, 500, NULL, NULL);
	putc('/', f);
	put_url(f, rel, true);
	fputs(*rel ? "/" : "", f);
	ret = fclose(f) == 0 ? send_status(rq, 301, MHD_HTTP_HEADER_LOCATION, loc)
			     : send_status(rq, 500, NULL, NULL);
	free(loc);
	return ret;
}

/* Answers with a sorted HTML index of the directory fd, which it closes. */
static enum MHD_Result
serve_dir(struct req *rq, int fd, const char *rel)
{
	const char *slash = *rel ? "/" : "";
	struct MHD_Response *r = NULL;
	struct dirent **v = NULL;
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int n, i;
	FILE *f;
	bool dir;

	n = scandirat(fd, ".", &v, NULL, alphasort);
	f = n < 0 ? NULL : open_memstream(&buf, &len);
	if (!f)
		goto cleanup;
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of /", f);
	put_html(f, rel);
	fprintf(f, "%s</title></head>\n<body><h1>Index of /", slash);
	put_html(f, rel);
	fprintf(f, "%s</h1><ul>\n", slash);
	if (*rel)
		fputs("<li><a href=\"../\">../</a></li>\n", f);
	for (i = 0; i < n; i++) {
		if (!strcmp(v[i]->d_name, ".") || !strcmp(v[i]->d_name, ".."))
			continue;
		dir = v[i]->d_type == DT_DIR;
		if (v[i]->d_type == DT_LNK || v[i]->d_type == DT_UNKNOWN)
			dir = fstatat(fd, v[i]->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
		fputs("<li><a href=\"", f);
		put_url(f, v[i]->d_name, false);
		fputs(dir ? "/\">" : "\">", f);
		put_html(f, v[i]->d_name);
		fputs(dir ? "/</a></li>\n" : "</a></li>\n", f);
	}
	fputs("</ul></body></html>\n", f);
	if (fclose(f) == 0)
		r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);

cleanup:
	if (!r)
		free(buf);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	close(fd);
	if (!r)
		return send_status(rq, 500, NULL, NULL);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
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

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version UNUSED, const char *upload_data UNUSED, size_t *upload_data_size,
       void **req_cls)
{
	struct req rq = {.h = cls, .c = c};
	char rel[PATH_MAX];
	struct stat st;
	int fd, err;

	/* MHD 0.9.75 closes the connection after a response queued on the
	 * first call (headers only): fine for a refusal, which also skips any
	 * body, but GET and HEAD answer on a later call to keep it alive. */
	if (!*req_cls)
		ADD(rq.h->requests, 1);
	rq.head = !strcmp(method, MHD_HTTP_METHOD_HEAD);
	if (!rq.head && strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return send_status(&rq, 405, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (!*req_cls || *upload_data_size) {
		*req_cls = rq.h;
		*upload_data_size = 0; /* a body on a GET is dropped */
		return MHD_YES;
	}

	err = rb_http_url_to_path(url, rel, sizeof(rel));
	if (err)
		return send_status(&rq, errno_status(-err), NULL, NULL);
	if (!strcmp(rel, "healthz"))
		return send_status(&rq, 200, NULL, NULL);
	if (!strcmp(rel, "metrics"))
		return serve_metrics(&rq);
	if (!strncmp(rel, "api/", 4))
		return serve_api(&rq, rel + 4);
	if (rq.h->tpl && !strncmp(rel, "t/", 2))
		return serve_template(&rq, url);
	if (rq.h->boot && (!strcmp(rel, "boot") || !strncmp(rel, "boot/", 5)))
		return serve_boot(&rq, rel[4] ? rel + 5 : "");

	fd = rb_beneath_open(&rq.h->root, rel, OPEN_FLAGS);
	if (fd < 0)
		return send_status(&rq, errno_status(-fd), NULL, NULL);
	if (fstat(fd, &st) != 0 || (S_ISREG(st.st_mode) && fcntl(fd, F_SETFL, O_RDONLY) != 0)) {
		close(fd);
		return send_status(&rq, 500, NULL, NULL);
	}
	if (S_ISREG(st.st_mode))
		return serve_file(&rq, fd, &st, rel);
	if (S_ISDIR(st.st_mode) && *url && url[strlen(url) - 1] == '/')
		return serve_dir(&rq, fd, rel);
	close(fd);
	if (S_ISDIR(st.st_mode))
		return redirect_slash(&rq, rel);
	return send_status(&rq, 403, NULL, NULL);
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

static struct MHD_Daemon *
start_daemon(struct rb_http *h, const struct rb_http_config *cfg, unsigned extra_flags)
{
	struct MHD_OptionItem ops[] = {
	    {MHD_OPTION_CONNECTION_LIMIT, HTTP_CONN_LIMIT, NULL},
	    {MHD_OPTION_CONNECTION_TIMEOUT, HTTP_CONN_TIMEOUT, NULL},
	    {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)notify_conn, h},
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
		 * Small stacks keep hundreds of nodes cheap.
		 */
		ops[4].option = MHD_OPTION_THREAD_STACK_SIZE;
		ops[4].value = 256 * 1024;
		return MHD_start_daemon(
		    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
			extra_flags,
		    cfg->port, NULL, NULL, handle, h, MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
	}
	if (cfg->threads == 1) /* no pool: the polling thread does it all */
		ops[4].option = MHD_OPTION_END;

	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | extra_flags,
				cfg->port, NULL, NULL, handle, h, MHD_OPTION_ARRAY, ops,
				MHD_OPTION_END);
}

struct rb_http *
rb_http_start(const struct rb_http_config *cfg, char *errbuf, size_t errlen)
{
	struct rb_http *h;
	int err;

	h = calloc(1, sizeof(*h));
	if (!h)
		goto fail_listen;
	h->metrics = cfg->metrics;
	h->metrics_arg = cfg->metrics_arg;
	h->api = cfg->api;
	h->api_arg = cfg->api_arg;
	h->boot = cfg->boot;
	h->tpl = cfg->tpl;
	h->tpl_arg = cfg->tpl_arg;
	err = rb_beneath_init(&h->root, cfg->root);
	if (err) {
		errno = -err;
		goto fail_root;
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
fail_listen:
	/* MHD leaves the bind()/listen() errno in place. */
	err = errno ? errno : EADDRINUSE;
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "cannot listen on port %u: %s", cfg->port, strerror(err));
cleanup:
	if (h)
		rb_beneath_close(&h->root);
	free(h);
	errno = err;
	return NULL;
}

void
rb_http_stop(struct rb_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	rb_beneath_close(&h->root);
	free(h);
}
