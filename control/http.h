/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http.h: the control process's HTTP server (libmicrohttpd).
 *
 * Serves the install repository read-only, with single Range requests and
 * zero-copy (sendfile) file bodies, plus /healthz, /metrics, /api/ and the
 * boot namespace under /boot/. It runs on
 * ordinary kernel sockets: on the provisioning network the kernel side is the
 * af_xdp interface itself or the exception tap.
 *
 * Errors, as everywhere in control/: 0 (or a count) or -errno; pointer
 * functions return NULL and set errno. Set-up functions that can say why
 * fill the caller's message buffer and print nothing (only main.c prints);
 * failures with no caller to return to (background threads) are logged
 * through util/log.h.
 */
#ifndef RB_CONTROL_HTTP_H
#define RB_CONTROL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct rb_http;
struct bootns;

/* Appends Prometheus text to buf (cap bytes); returns bytes written. It is
 * called from an HTTP thread for every GET /metrics. */
typedef size_t (*rb_metrics_fn)(void *arg, char *buf, size_t cap);

/*
 * The JSON API under /api/: for a GET of /api/<path> (path without the
 * prefix, query dropped; `state` is the ?state= argument or NULL) return a
 * malloc'd NUL-terminated JSON body and set *status (200, 400, 404, 503).
 * NULL means 500. Called from HTTP threads.
 */
typedef char *(*rb_api_fn)(void *arg, const char *path, const char *state, unsigned *status);

struct rb_http_config {
	const char *root;      /* directory served at / */
	uint16_t port;	       /* TCP port, on every address */
	unsigned threads;      /* 0: a thread per connection; N: a pool of N epoll threads */
	rb_metrics_fn metrics; /* may be NULL */
	void *metrics_arg;
	rb_api_fn api; /* may be NULL: /api/ is then 404 */
	void *api_arg;
	/* May be NULL: /boot/ is then the repository's. Otherwise GET/HEAD
	 * /boot/<name> serves name from the boot namespace (control/bootns.h:
	 * the last root that has it wins, as over TFTP); a directory, or a
	 * name no root has, is 404. */
	struct bootns *boot;
	/* May be NULL: /t/ is then the repository's. Otherwise GET /t/<name>
	 * is answered by tpl(arg, url, the mac= and profile= arguments or
	 * NULL, the client's IPv4 address in network order or 0, &status,
	 * &len): a malloc'd body (text/plain) or NULL with status (4xx/5xx). */
	char *(*tpl)(void *arg, const char *url, const char *mac, const char *profile,
		     uint32_t client_ip, unsigned *status, size_t *len);
	void *tpl_arg;
};

/* HTTP counters, read by the metrics and status code without locks. */
struct rb_http_stats {
	uint64_t requests;
	uint64_t responses_2xx, responses_3xx, responses_4xx, responses_5xx;
	uint64_t bytes_sent; /* body bytes queued for sending */
	uint64_t active;     /* connections open now */
};

/* Start serving; returns NULL and sets errno on failure, with why in
 * err[0..errlen) ("cannot open root ...", "cannot listen on port ..."). */
struct rb_http *rb_http_start(const struct rb_http_config *cfg, char *err, size_t errlen);
void rb_http_stop(struct rb_http *h);
void rb_http_get_stats(const struct rb_http *h, struct rb_http_stats *out);

/* Append the HTTP counters in Prometheus text; returns bytes written. */
size_t rb_http_metrics(const struct rb_http *h, char *buf, size_t cap);

/*
 * Parse a Range header value against a file of `size` bytes. Only a single
 * "bytes=" range is honoured: "a-b", "a-", "-n".
 * Returns 1 with [*first, *last] set (inclusive) for a satisfiable range,
 * 0 when the header should be ignored (absent, several ranges, other unit,
 * malformed: serve the whole file), -ERANGE when unsatisfiable (416).
 */
int rb_http_parse_range(const char *value, uint64_t size, uint64_t *first, uint64_t *last);

/*
 * Map a URL path onto a path relative to the root: percent-decoded, query
 * dropped, "." and "//" collapsed; any ".." segment, NUL or backslash
 * is refused. Writes the relative path (no leading '/', "" for the root)
 * into out. Returns 0, or -EINVAL / -ENAMETOOLONG.
 */
int rb_http_url_to_path(const char *url, char *out, size_t cap);

#endif
