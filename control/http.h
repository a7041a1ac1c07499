/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http.h: the control process's HTTP server (libmicrohttpd).
 *
 * The public listener (every address, http.port) serves the install
 * repository read-only, with single Range requests and zero-copy
 * (sendfile) file bodies, plus /healthz, /metrics, the boot namespace
 * under /boot/, template renders under /t/ and the installer callback
 * /cb/<token>. The JSON API (control/api/api.h) has a listener of its own
 * (api.address:api.port, 127.0.0.1:8081 by default), or, with api_port 0,
 * is served under /api/v1/ on the public one. Both run on ordinary kernel
 * sockets: on the provisioning network the kernel side is the af_xdp
 * interface itself or the exception tap.
 *
 * Request bodies: POST only, to the API and /cb/, at most API_BODY_MAX
 * (64 KiB): a longer one is answered 413 (at once when Content-Length
 * says so, else once the body has been read past the limit and dropped).
 * Elsewhere only GET and HEAD are served (405).
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
struct api;

/* Appends Prometheus text to buf (cap bytes); returns bytes written. It is
 * called from an HTTP thread for every GET /metrics. */
typedef size_t (*rb_metrics_fn)(void *arg, char *buf, size_t cap);

/*
 * Called once for every request of the public listener when it is over
 * (not for the API's own listener), from an HTTP thread: the client's
 * IPv4 address (network order; a v4-mapped IPv6 client included; 0 for
 * other IPv6), the request's URL path as sent (percent escapes kept, no
 * query), the status answered (0 when the connection went before any
 * answer), and the body bytes: for a response sent whole, its body's
 * length (0 for HEAD); for one cut short (client gone, timeout, shutdown)
 * the bytes the client's TCP acknowledged since the request came,
 * response headers included, at most the body's length: an estimate
 * (Linux's tcpi_bytes_acked; 0 where the kernel does not say).
 */
typedef void (*rb_http_done_fn)(void *arg, uint32_t client_ip, const char *path, unsigned status,
				uint64_t bytes);

/*
 * The installer callback, GET or POST /cb/<token>[?status=ok|failed
 * &reason=<text>] (a POST body is read, up to the limit, and ignored).
 * Called with the token (1..128 of A-Z a-z 0-9 - _ . ~; any other is
 * answered 403 without a call), ok (status absent or "ok"), reason
 * (decoded, at most 200 bytes without control characters, else 400
 * without a call; NULL when absent) and the client's IPv4 address as for
 * rb_http_done_fn. Returns 0 (answered 200 "ok\n"), -EACCES (an unknown,
 * old or used token: 403) or -EINVAL (400); anything else is 500.
 */
typedef int (*rb_http_callback_fn)(void *arg, const char *token, bool ok, const char *reason,
				   uint32_t client_ip);

struct rb_http_config {
	const char *root; /* directory served at / */
	uint16_t port;	  /* TCP port, on every address */
	unsigned threads; /* 0: a thread per connection; N: a pool of N epoll threads */
	unsigned per_ip;  /* public listener: connections from one address at once; 0: no cap */
	rb_metrics_fn metrics; /* may be NULL */
	void *metrics_arg;
	/* May be NULL: no API anywhere. Otherwise it has a listener of its
	 * own at api_address (an IPv4 or IPv6 literal; NULL: 127.0.0.1) and
	 * api_port, which serves /api/v1/ only (anything else is a JSON 404)
	 * with a thread per connection; with api_port 0 there is no such
	 * listener and /api/v1/ is served on the public port, same auth
	 * (event streams then need threads 0, else they are answered 503). */
	struct api *api;
	const char *api_address;
	uint16_t api_port;
	rb_http_done_fn done; /* may be NULL */
	void *done_arg;
	rb_http_callback_fn callback; /* may be NULL: /cb/ is then the repository's */
	void *callback_arg;
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
	/* /cb/ answers: 200, 403 (unknown, old or used token), 400. */
	uint64_t callbacks_ok, callbacks_refused, callbacks_bad;
};

/* Start serving; returns NULL and sets errno on failure, with why in
 * err[0..errlen) ("cannot open root ...", "cannot listen on port ...",
 * "cannot listen on 127.0.0.1:8081 for the API: ..."). */
struct rb_http *rb_http_start(const struct rb_http_config *cfg, char *err, size_t errlen);
/* Stops both listeners: event streams end within half a second, requests
 * under way are cut. */
void rb_http_stop(struct rb_http *h);
void rb_http_get_stats(const struct rb_http *h, struct rb_http_stats *out);

/* Append the HTTP counters in Prometheus text; returns bytes written. */
size_t rb_http_metrics(const struct rb_http *h, char *buf, size_t cap);

#endif
