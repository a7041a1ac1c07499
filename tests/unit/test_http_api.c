/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_http_api.c: the real server (rb_http_start) on 127.0.0.1 with the
 * API on a listener of its own and a fake backend, talked to over TCP:
 * POST bodies and their limit, which listener serves what, the done hook,
 * an event stream, the installer callback, the API on the public port,
 * and a stop that does not wait for an idle stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/api.h"
#include "http.h"
#include "http_client.h"

#define TOKEN "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define AUTH "Authorization: Bearer " TOKEN "\r\n"
#define DATA_SIZE (8 * 1024 * 1024)

/* ---- the fake backend and hooks ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
	char select[128];
	_Atomic uint64_t newest; /* events 1..newest exist */
	/* the done hook's calls */
	struct done_rec {
		uint32_t ip;
		char path[64];
		unsigned status;
		uint64_t bytes;
	} done[64];
	unsigned n_done;
	/* the callback's calls */
	char token[64], reason[256];
	bool ok, reason_null;
	uint32_t cb_ip;
	unsigned cb_calls;
} fk;

static json_t *
fk_status(void *arg, char *err, size_t cap)
{
	(void)arg, (void)err, (void)cap;
	return json_pack("{s:s}", "server", "198.18.0.1");
}

static json_t *
fk_reinstall(void *arg, const char *select, bool power_cycle, char *err, size_t cap)
{
	(void)arg, (void)power_cycle, (void)err, (void)cap;
	pthread_mutex_lock(&lock);
	snprintf(fk.select, sizeof(fk.select), "%s", select);
	pthread_mutex_unlock(&lock);
	return json_pack("{s:i, s:[]}", "marked", 0, "hosts");
}

static json_t *
fk_events(void *arg, uint64_t since, unsigned max, uint64_t *last, char *err, size_t cap)
{
	uint64_t newest = fk.newest;
	json_t *a = json_array();

	(void)arg, (void)err, (void)cap;
	for (uint64_t id = since + 1; id <= newest && json_array_size(a) < max; id++)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "host",
						   "n1", "kind", "state"));
	*last = newest > since ? since + json_array_size(a) : newest;
	return a;
}

static int
fk_events_wait(void *arg, uint64_t since, int timeout_ms)
{
	(void)arg;
	for (int i = 0; i < timeout_ms; i += 10) {
		if (fk.newest > since)
			return 1;
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000}, NULL);
	}
	return 0;
}

static void
fk_done(void *arg, uint32_t ip, const char *path, unsigned status, uint64_t bytes)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	if (fk.n_done < 64) {
		fk.done[fk.n_done] = (struct done_rec){.ip = ip, .status = status, .bytes = bytes};
		snprintf(fk.done[fk.n_done].path, sizeof(fk.done[0].path), "%s", path);
		fk.n_done++;
	}
	pthread_mutex_unlock(&lock);
}

static int
fk_callback(void *arg, const char *token, bool ok, const char *reason, uint32_t ip)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	fk.cb_calls++;
	snprintf(fk.token, sizeof(fk.token), "%s", token);
	snprintf(fk.reason, sizeof(fk.reason), "%s", reason ? reason : "");
	fk.reason_null = !reason;
	fk.ok = ok;
	fk.cb_ip = ip;
	pthread_mutex_unlock(&lock);
	if (!strcmp(token, "used"))
		return -EACCES;
	if (!strcmp(token, "odd"))
		return -EINVAL;
	if (!strcmp(token, "broken"))
		return -EIO;
	return 0;
}

static const struct api_backend backend = {
    .status = fk_status,
    .reinstall = fk_reinstall,
    .events = fk_events,
    .events_wait = fk_events_wait,
};

/* ---- the server ---- */

struct live {
	char root[64];
	struct api *api;
	struct rb_http *h;
	uint16_t port, api_port; /* api_port 0: the API is on port */
};

static struct live *
live_start(bool own_listener, unsigned threads)
{
	struct live *lv = calloc(1, sizeof(*lv));
	struct rb_http_config cfg = {0};
	char path[128], *data;
	int fd;

	assert_non_null(lv);
	strcpy(lv->root, "/tmp/rb_http_api.XXXXXX");
	assert_non_null(mkdtemp(lv->root));
	snprintf(path, sizeof(path), "%s/data.bin", lv->root);
	data = malloc(DATA_SIZE);
	assert_non_null(data);
	memset(data, 'd', DATA_SIZE);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, DATA_SIZE), DATA_SIZE);
	close(fd);
	free(data);

	lv->api = api_new(&backend, TOKEN, 300);
	assert_non_null(lv->api);
	cfg.root = lv->root;
	cfg.threads = threads;
	cfg.api = lv->api;
	cfg.api_address = "127.0.0.1";
	cfg.done = fk_done;
	cfg.callback = fk_callback;
	for (unsigned p = 20000; p < 21000 && !lv->h; p += 2) {
		cfg.port = (uint16_t)p;
		cfg.api_port = own_listener ? (uint16_t)(p + 1) : 0;
		lv->h = rb_http_start(&cfg, NULL, 0);
		assert_true(lv->h || errno == EADDRINUSE);
	}
	assert_non_null(lv->h);
	lv->port = cfg.port;
	lv->api_port = cfg.api_port;
	memset(&fk, 0, sizeof(fk));
	return lv;
}

static void
live_stop(struct live *lv)
{
	char path[128];

	rb_http_stop(lv->h);
	api_free(lv->api);
	snprintf(path, sizeof(path), "%s/data.bin", lv->root);
	unlink(path);
	rmdir(lv->root);
	free(lv);
}

static int
setup_own(void **state)
{
	*state = live_start(true, 0);
	return 0;
}

static int
teardown(void **state)
{
	live_stop(*state);
	return 0;
}

/* A JSON body's "error", or "" ; the reply must be an object. */
static const char *
json_error(const struct resp *r)
{
	static char msg[256];
	json_t *v = json_loadb(r->body, r->body_len, 0, NULL);

	assert_non_null(v);
	snprintf(msg, sizeof(msg), "%s",
		 json_string_value(json_object_get(v, "error"))
		     ? json_string_value(json_object_get(v, "error"))
		     : "");
	json_decref(v);
	return msg;
}

/* A POST of body to the API listener with the token. */
static void
post(const struct live *lv, const char *path, const char *body, const char *extra, struct resp *r)
{
	size_t n = strlen(body);
	char *req = malloc(n + 1024);

	assert_non_null(req);
	snprintf(req, n + 1024,
		 "POST %s HTTP/1.1\r\nHost: x\r\n" AUTH "%sContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n%s",
		 path, extra ? extra : "", n, body);
	http_raw(lv->api_port, req, r);
	free(req);
}

/* ---- tests ---- */

static void
test_listeners(void **state)
{
	struct live *lv = *state;
	struct resp r;

	/* The API listener: the API, from loopback a GET needs no token. */
	http_req(lv->api_port, "GET", "/api/v1/status", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type"), "application/json");
	assert_non_null(strstr(r.body, "\"server\":\"198.18.0.1\""));
	resp_free(&r);
	/* ...and nothing else, in JSON. */
	http_req(lv->api_port, "GET", "/healthz", NULL, &r);
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(json_error(&r), "the API is under /api/v1/"));
	resp_free(&r);
	/* A POST without the token: refused at the headers. */
	http_req(lv->api_port, "POST", "/api/v1/reload", "Content-Length: 2\r\n", &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(json_error(&r), "token required");
	assert_string_equal(header(&r, "WWW-Authenticate"), "Bearer realm=\"rackboot\"");
	resp_free(&r);
	/* Query arguments arrive decoded. */
	http_req(lv->api_port, "GET", "/api/v1/events?since=%31", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"last\":"));
	resp_free(&r);
	http_req(lv->api_port, "GET", "/api/v1/events?since=%zz", NULL, &r);
	assert_int_equal(r.status, 400);
	resp_free(&r);

	/* The public listener: no API there, the old /api/leases is gone. */
	http_req(lv->port, "GET", "/api/v1/status", NULL, &r);
	assert_int_equal(r.status, 404);
	assert_null(strstr(r.body, "198.18.0.1"));
	resp_free(&r);
	http_req(lv->port, "GET", "/api/leases", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	http_req(lv->port, "GET", "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

static void
test_post_bodies(void **state)
{
	struct live *lv = *state;
	char *big = malloc(API_BODY_MAX + 2);
	const char *head = "{\"select\": \"group:web\"}";
	struct resp r;
	size_t n;

	assert_non_null(big);
	post(lv, "/api/v1/reinstall", "{\"select\": \"label:rack=r1\", \"power_cycle\": false}",
	     NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(fk.select, "label:rack=r1");
	assert_non_null(strstr(r.body, "\"ms\":"));
	resp_free(&r);

	/* A body of exactly the limit is read (JSON and blanks after it)... */
	n = strlen(head);
	memcpy(big, head, n);
	memset(big + n, ' ', API_BODY_MAX - n);
	big[API_BODY_MAX] = '\0';
	post(lv, "/api/v1/reinstall", big, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(fk.select, "group:web");
	resp_free(&r);
	/* ...one byte more is 413, said at the headers. */
	big[API_BODY_MAX] = ' ';
	big[API_BODY_MAX + 1] = '\0';
	post(lv, "/api/v1/reinstall", big, NULL, &r);
	assert_int_equal(r.status, 413);
	assert_non_null(strstr(json_error(&r), "over 65536 bytes"));
	resp_free(&r);

	/* Chunked, with no length announced: read past the limit, then 413. */
	{
		char *req = malloc(2 * API_BODY_MAX);
		int len;

		assert_non_null(req);
		len = snprintf(req, 2 * API_BODY_MAX,
			       "POST /api/v1/reinstall HTTP/1.1\r\nHost: x\r\n" AUTH
			       "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
			       "%x\r\n%s\r\n0\r\n\r\n",
			       API_BODY_MAX + 1, big);
		assert_true(len > 0 && len < 2 * API_BODY_MAX);
		http_raw(lv->api_port, req, &r);
		assert_int_equal(r.status, 413);
		resp_free(&r);
		free(req);
	}
	free(big);

	/* The public listener takes no POST but the callback's. */
	http_raw(lv->port, "POST /data.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
		 &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(header(&r, "Allow"), "GET, HEAD");
	resp_free(&r);
}

/* The done record for path, waiting up to ms for it; false if none. */
static bool
done_within(const char *path, unsigned skip, struct done_rec *out, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		unsigned seen = 0;

		pthread_mutex_lock(&lock);
		for (unsigned k = 0; k < fk.n_done; k++)
			if (!strcmp(fk.done[k].path, path) && seen++ == skip) {
				*out = fk.done[k];
				pthread_mutex_unlock(&lock);
				return true;
			}
		pthread_mutex_unlock(&lock);
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000}, NULL);
	}
	return false;
}

static bool
done_for(const char *path, unsigned skip, struct done_rec *out)
{
	return done_within(path, skip, out, 5000);
}

static void
test_done_hook(void **state)
{
	struct live *lv = *state;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct done_rec d;
	struct resp r;
	char buf[4096];
	int fd;

	pthread_mutex_lock(&lock);
	fk.n_done = 0; /* the earlier tests' requests */
	pthread_mutex_unlock(&lock);
	http_req(lv->port, "GET", "/data.bin", NULL, &r);
	assert_int_equal(r.body_len, DATA_SIZE);
	resp_free(&r);
	assert_true(done_for("/data.bin", 0, &d));
	assert_int_equal(d.status, 200);
	assert_int_equal(d.bytes, DATA_SIZE);
	assert_int_equal(d.ip, htonl(INADDR_LOOPBACK));

	http_req(lv->port, "HEAD", "/data.bin", NULL, &r);
	resp_free(&r);
	assert_true(done_for("/data.bin", 1, &d));
	assert_int_equal(d.status, 200);
	assert_int_equal(d.bytes, 0);

	http_req(lv->port, "GET", "/nope?x=1", NULL, &r);
	assert_int_equal(r.status, 404);
	assert_true(done_for("/nope", 0, &d));
	assert_int_equal(d.status, 404);
	assert_int_equal(d.bytes, r.body_len);
	resp_free(&r);

	/* Cut short: a client with a small window reads a little of the file
	 * and goes. The bytes are an estimate: what its TCP acknowledged. */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int){4096}, sizeof(int)), 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(lv->port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_true(write(fd, "GET /data.bin?cut HTTP/1.1\r\nHost: x\r\n\r\n", 39) == 39);
	assert_true(read(fd, buf, sizeof(buf)) > 0);
	close(fd); /* unread data: a reset */
	assert_true(done_for("/data.bin", 2, &d));
	assert_int_equal(d.status, 200);
	assert_true(d.bytes > 0 && d.bytes < DATA_SIZE / 2);

	/* The API's own listener is not the hook's business. */
	http_req(lv->api_port, "GET", "/api/v1/status", NULL, &r);
	resp_free(&r);
	assert_false(done_within("/api/v1/status", 0, &d, 300));
}

/* Reads from fd until buf holds needle (up to 5 s); returns its length. */
static size_t
read_until(int fd, char *buf, size_t cap, size_t len, const char *needle)
{
	ssize_t n;

	for (int i = 0; i < 50 && !memmem(buf, len, needle, strlen(needle)); i++) {
		struct timeval tv = {.tv_usec = 100000};

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = read(fd, buf + len, cap - len - 1);
		if (n > 0)
			len += (size_t)n;
		else if (n == 0)
			break;
	}
	buf[len] = '\0';
	if (!memmem(buf, len, needle, strlen(needle)))
		fail_msg("no '%s' in: %s", needle, buf);
	return len;
}

static void
test_follow(void **state)
{
	static const char req[] = "GET /api/v1/events?follow=1 HTTP/1.1\r\nHost: x\r\n\r\n";
	struct live *lv = *state;
	char buf[8192];
	size_t len = 0;
	int fd = http_connect(lv->api_port);

	fk.newest = 1;
	assert_int_equal(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	len = read_until(fd, buf, sizeof(buf), len, "{\"id\":1,");
	assert_non_null(strstr(buf, "HTTP/1.1 200"));
	assert_non_null(strstr(buf, "application/x-ndjson"));
	/* An event that happens while it waits arrives on its own line. */
	fk.newest = 2;
	len = read_until(fd, buf, sizeof(buf), len,
			 "{\"id\":2,\"host\":\"n1\",\"kind\":\"state\"}\n");
	/* Idle past the keepalive (300 ms here): a chunk holding "\n". */
	len = read_until(fd, buf, sizeof(buf), len, "\r\n1\r\n\n\r\n");
	close(fd);
}

/* rb_http_stop does not wait for a stream to end by itself. */
static void
test_stop_with_stream(void **state)
{
	static const char req[] = "GET /api/v1/events?follow=1 HTTP/1.1\r\nHost: x\r\n\r\n";
	struct live *lv = live_start(true, 0);
	struct timespec t0, t1;
	char buf[4096];
	int fd = http_connect(lv->api_port);

	(void)state;
	assert_int_equal(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	read_until(fd, buf, sizeof(buf), 0, "application/x-ndjson");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	live_stop(lv);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 3000);
	close(fd);
}

static void
test_callback(void **state)
{
	struct live *lv = *state;
	struct rb_http_stats s0, s1;
	char req[1024], reason[3 * 201 + 1];
	struct resp r;

	rb_http_get_stats(lv->h, &s0);
	http_req(lv->port, "GET", "/cb/t0k-1", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");
	assert_string_equal(fk.token, "t0k-1");
	assert_true(fk.ok);
	assert_true(fk.reason_null);
	assert_int_equal(fk.cb_ip, htonl(INADDR_LOOPBACK));
	resp_free(&r);

	http_req(lv->port, "GET", "/cb/t0k-2?status=failed&reason=disk%20%2Fdev%2Fsda+full", NULL,
		 &r);
	assert_int_equal(r.status, 200);
	assert_false(fk.ok);
	assert_string_equal(fk.reason, "disk /dev/sda full");
	resp_free(&r);

	/* cloud-init's phone_home: a form body, read and ignored. */
	snprintf(req, sizeof(req),
		 "POST /cb/t0k-3 HTTP/1.1\r\nHost: x\r\nContent-Type: "
		 "application/x-www-form-urlencoded\r\nContent-Length: 27\r\nConnection: "
		 "close\r\n\r\ninstance_id=i-1&hostname=n1");
	http_raw(lv->port, req, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(fk.token, "t0k-3");
	resp_free(&r);

	/* Refused by the backend: a used token 403, a bad one 400, trouble 500. */
	http_req(lv->port, "GET", "/cb/used", NULL, &r);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	http_req(lv->port, "GET", "/cb/odd", NULL, &r);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	http_req(lv->port, "GET", "/cb/broken", NULL, &r);
	assert_int_equal(r.status, 500);
	resp_free(&r);
	assert_int_equal(fk.cb_calls, 6);

	/* Refused before the backend hears of it. */
	http_req(lv->port, "GET", "/cb/a%2Fb", NULL, &r);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	http_req(lv->port, "GET", "/cb/", NULL, &r);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	http_req(lv->port, "GET", "/cb/t?status=done", NULL, &r);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	http_req(lv->port, "GET", "/cb/t?status=failed&reason=a%0Ab", NULL, &r);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	memset(reason, 'r', 200);
	snprintf(req, sizeof(req), "/cb/t?status=failed&reason=%.200s", reason);
	http_req(lv->port, "GET", req, NULL, &r);
	assert_int_equal(r.status, 200); /* 200 bytes: the limit */
	resp_free(&r);
	snprintf(req, sizeof(req), "/cb/t?status=failed&reason=%.200s%%41", reason);
	http_req(lv->port, "GET", req, NULL, &r);
	assert_int_equal(r.status, 400); /* 201 once decoded */
	resp_free(&r);
	http_req(lv->port, "HEAD", "/cb/t", NULL, &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(header(&r, "Allow"), "GET, POST");
	resp_free(&r);
	assert_int_equal(fk.cb_calls, 7);

	rb_http_get_stats(lv->h, &s1);
	assert_int_equal(s1.callbacks_ok - s0.callbacks_ok, 4);
	assert_int_equal(s1.callbacks_refused - s0.callbacks_refused, 3);
	assert_int_equal(s1.callbacks_bad - s0.callbacks_bad, 4);
	http_req(lv->port, "GET", "/metrics", NULL, &r);
	assert_non_null(strstr(r.body, "rackboot_http_callbacks_total{result=\"refused\"} 3\n"));
	resp_free(&r);
}

/* api_port 0: the API on the public port, same auth; streams only where a
 * connection has a thread of its own. */
static void
test_public_api(void **state)
{
	struct live *lv = live_start(false, 0);
	struct resp r;

	(void)state;
	http_req(lv->port, "GET", "/api/v1/status", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "198.18.0.1"));
	resp_free(&r);
	http_req(lv->port, "POST", "/api/v1/reload", NULL, &r);
	assert_int_equal(r.status, 401);
	resp_free(&r);
	http_req(lv->port, "GET", "/api/v1/reload", AUTH, &r);
	assert_int_equal(r.status, 405);
	resp_free(&r);
	live_stop(lv);

	lv = live_start(false, 2);
	http_req(lv->port, "GET", "/api/v1/events?follow=1", NULL, &r);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(json_error(&r), "event streams need"));
	resp_free(&r);
	live_stop(lv);
}

/* The API listener on an address that is no literal, or taken. */
static void
test_api_start_failures(void **state)
{
	struct live *lv = *state;
	struct rb_http_config cfg = {.root = lv->root, .api = lv->api, .port = lv->port + 2};
	char why[256] = "";

	cfg.api_address = "localhost";
	cfg.api_port = lv->port + 3;
	errno = 0;
	assert_null(rb_http_start(&cfg, why, sizeof(why)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(why, "for the API"));
	cfg.api_address = "127.0.0.1";
	cfg.api_port = lv->api_port;
	assert_null(rb_http_start(&cfg, why, sizeof(why)));
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(why, "cannot listen on 127.0.0.1:"));
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN); /* a refused upload may close before we finish it */
	const struct CMUnitTest own[] = {
	    cmocka_unit_test(test_listeners),  cmocka_unit_test(test_post_bodies),
	    cmocka_unit_test(test_done_hook),  cmocka_unit_test(test_follow),
	    cmocka_unit_test(test_callback),   cmocka_unit_test(test_api_start_failures),
	    cmocka_unit_test(test_public_api), cmocka_unit_test(test_stop_with_stream),
	};

	return cmocka_run_group_tests_name("http_api", own, setup_own, teardown);
}
