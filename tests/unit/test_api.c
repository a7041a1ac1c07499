/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_api.c: the /api/v1/ router (control/api/api.c) against a fake
 * backend, without sockets: every route's reply shape, what reaches the
 * backend, bodies and query arguments refused, auth, the backend's errors
 * mapped to statuses, and event streams.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "api/api.h"

#define TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define BEARER "Bearer " TOKEN

/* ---- the fake backend ---- */

/* What the last call received, and what the next one does. */
static struct fake {
	char select[128], action[16], name[64], state[16], arch[16];
	bool power_cycle, state_null, arch_null;
	uint8_t mac[6];
	uint64_t since;
	unsigned max, calls;
	int fail;	    /* errno for the next call to fail with; 0: succeed */
	const char *msg;    /* its message (NULL: none) */
	bool wrong_type;    /* return a JSON value of the wrong type */
	uint64_t newest;    /* events: ids 1..newest exist */
	uint64_t wait_hits; /* events_wait calls */
} fk;

static void
fk_note(const char *s, char *into, size_t cap)
{
	snprintf(into, cap, "%s", s ? s : "(null)");
}

/* Fails the call when fk.fail is set: NULL with errno and the message. */
static bool
fk_fails(char *err, size_t cap)
{
	fk.calls++;
	if (!fk.fail)
		return false;
	if (fk.msg)
		snprintf(err, cap, "%s", fk.msg);
	errno = fk.fail;
	return true;
}

static json_t *
fk_status(void *arg, char *err, size_t cap)
{
	assert_ptr_equal(arg, &fk);
	if (fk_fails(err, cap))
		return NULL;
	if (fk.wrong_type)
		return json_array();
	return json_pack("{s:s, s:s, s:i, s:{s:i}, s:{}, s:{}, s:i, s:n, s:{s:i}}", "server",
			 "198.18.0.1", "version", "test", "uptime_s", 5, "hosts", "installing", 2,
			 "phases", "failures", "rate_bps", 1000, "eta_s", "leases", "bound", 3);
}

static json_t *
fk_host_obj(const char *name)
{
	return json_pack("{s:s, s:s, s:n, s:s, s:s, s:n, s:i, s:i, s:n, s:n, s:b}", "name", name,
			 "mac", "52:54:00:00:00:01", "ip", "profile", "debian", "state", "ready",
			 "phase", "since", 1700000000, "seconds_in_state", 10, "progress", "reason",
			 "install", 0);
}

static json_t *
fk_hosts(void *arg, const char *select, char *err, size_t cap)
{
	(void)arg;
	fk_note(select, fk.select, sizeof(fk.select));
	if (fk_fails(err, cap))
		return NULL;
	if (fk.wrong_type)
		return json_object();
	return json_pack("[o, o]", fk_host_obj("n1"), fk_host_obj("n2"));
}

static json_t *
fk_host(void *arg, const char *name, char *err, size_t cap)
{
	json_t *h;

	(void)arg;
	fk_note(name, fk.name, sizeof(fk.name));
	if (fk_fails(err, cap))
		return NULL;
	h = fk_host_obj(name);
	json_object_set_new(h, "events",
			    json_pack("[{s:i, s:f, s:s}]", "id", 7, "time", 1.5, "kind", "state"));
	return h;
}

static json_t *
fk_profiles(void *arg, char *err, size_t cap)
{
	(void)arg;
	if (fk_fails(err, cap))
		return NULL;
	return json_pack("[{s:s, s:b, s:b, s:s, s:[s], s:[]}]", "name", "debian", "install", 1,
			 "localboot", 0, "kernel", "linux", "initrd", "initrd.gz", "templates");
}

static char *
fk_leases(void *arg, const char *state, char *err, size_t cap)
{
	(void)arg;
	fk.state_null = !state;
	fk_note(state, fk.state, sizeof(fk.state));
	if (fk_fails(err, cap))
		return NULL;
	if (fk.wrong_type)
		return strdup("{\"not\": \"an array\"}");
	return strdup("[{\"address\": \"198.18.0.100\", \"state\": \"bound\"}]");
}

static int
fk_explain(void *arg, const uint8_t mac[6], const char *arch, char **text, char *err, size_t cap)
{
	(void)arg;
	memcpy(fk.mac, mac, 6);
	fk.arch_null = !arch;
	fk_note(arch, fk.arch, sizeof(fk.arch));
	if (fk_fails(err, cap))
		return -errno;
	*text = strdup("host n1 boots debian\nbecause ...\n");
	return 0;
}

static json_t *
fk_events(void *arg, uint64_t since, unsigned max, uint64_t *last, char *err, size_t cap)
{
	json_t *a;

	(void)arg;
	fk.since = since;
	fk.max = max;
	if (fk_fails(err, cap))
		return NULL;
	a = json_array();
	for (uint64_t id = since + 1; id <= fk.newest && json_array_size(a) < max; id++)
		json_array_append_new(a, json_pack("{s:I, s:f, s:s, s:s}", "id", (json_int_t)id,
						   "time", 1.25, "host", "n1", "kind", "state"));
	*last = fk.newest > since ? since + json_array_size(a) : fk.newest;
	return a;
}

static int
fk_events_wait(void *arg, uint64_t since, int timeout_ms)
{
	(void)arg;
	fk.wait_hits++;
	assert_true(timeout_ms > 0 && timeout_ms <= 500);
	if (fk.newest > since)
		return 1;
	nanosleep(&(struct timespec){.tv_nsec = 5 * 1000000}, NULL);
	return 0;
}

static json_t *
fk_reinstall(void *arg, const char *select, bool power_cycle, char *err, size_t cap)
{
	(void)arg;
	fk_note(select, fk.select, sizeof(fk.select));
	fk.power_cycle = power_cycle;
	if (fk_fails(err, cap))
		return NULL;
	return json_pack("{s:i, s:[s]}", "marked", 1, "hosts", "n1");
}

static json_t *
fk_power(void *arg, const char *select, const char *action, char *err, size_t cap)
{
	(void)arg;
	fk_note(select, fk.select, sizeof(fk.select));
	fk_note(action, fk.action, sizeof(fk.action));
	if (fk_fails(err, cap))
		return NULL;
	if (!strcmp(action, "status"))
		return json_pack("{s:[{s:s, s:b, s:s}]}", "results", "host", "n1", "ok", 1, "state",
				 "on");
	return json_pack("{s:i, s:[s]}", "queued", 1, "hosts", "n1");
}

static int
fk_reload(void *arg, char *err, size_t cap)
{
	(void)arg;
	if (fk_fails(err, cap))
		return -errno;
	return 0;
}

static const struct api_backend full = {
    .arg = &fk,
    .status = fk_status,
    .hosts = fk_hosts,
    .host = fk_host,
    .profiles = fk_profiles,
    .leases = fk_leases,
    .explain = fk_explain,
    .events = fk_events,
    .events_wait = fk_events_wait,
    .reinstall = fk_reinstall,
    .power = fk_power,
    .reload = fk_reload,
};

/* ---- helpers ---- */

struct call {
	const char *method, *path, *auth, *body;
	const struct api_query *q;
	size_t nq;
	bool loopback, too_big, can_stream;
};

static struct api *
new_api(const struct api_backend *be)
{
	struct api *a = api_new(be, TOKEN, 100);

	assert_non_null(a);
	memset(&fk, 0, sizeof(fk));
	return a;
}

/* Answers c; the reply's body parsed (an object), NULL for a stream. */
static json_t *
call(struct api *a, const struct call *c, struct api_reply *r)
{
	struct api_request rq = {
	    .method = c->method,
	    .path = c->path,
	    .query = c->q,
	    .n_query = c->nq,
	    .authorization = c->auth,
	    .body = c->body,
	    .body_len = c->body ? strlen(c->body) : 0,
	    .body_too_big = c->too_big,
	    .loopback = c->loopback,
	    .can_stream = c->can_stream,
	};
	json_error_t jerr;
	json_t *v;

	api_handle(a, &rq, r);
	if (r->follow)
		return NULL;
	assert_non_null(r->body);
	assert_int_equal(strlen(r->body), r->len);
	assert_true(r->len > 0 && r->body[r->len - 1] == '\n');
	v = json_loads(r->body, 0, &jerr);
	if (!v)
		fail_msg("reply is not JSON (%s): %s", jerr.text, r->body);
	assert_true(json_is_object(v));
	return v;
}

/* The status of c; when want_error, the error message contains it. */
static void
expect(struct api *a, const struct call *c, unsigned status, const char *want_error)
{
	struct api_reply r;
	json_t *v = call(a, c, &r);
	const char *e = json_string_value(json_object_get(v, "error"));

	if (r.status != status || (want_error && (!e || !strstr(e, want_error))))
		fail_msg("%s /%s%s%s: got %u %s; want %u '%s'", c->method, c->path,
			 c->body ? " " : "", c->body ? c->body : "", r.status, r.body, status,
			 want_error ? want_error : "");
	if (status >= 400)
		assert_int_equal(json_object_size(v), 1); /* {"error": "..."} and nothing else */
	json_decref(v);
	api_reply_free(&r);
}

#define GET(p) (&(struct call){.method = "GET", .path = (p), .auth = BEARER})
#define POST(p, b) (&(struct call){.method = "POST", .path = (p), .auth = BEARER, .body = (b)})

/* ---- routes ---- */

static void
test_reads(void **state)
{
	struct api *a = new_api(&full);
	struct api_query q[2];
	struct api_reply r;
	json_t *v, *h;

	(void)state;
	v = call(a, GET("status"), &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(v, "server")), "198.18.0.1");
	assert_true(json_is_null(json_object_get(v, "eta_s")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "leases"), "bound")),
			 3);
	json_decref(v);
	api_reply_free(&r);

	v = call(a, GET("hosts"), &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(fk.select, "all"); /* no selector: all */
	assert_int_equal(json_array_size(json_object_get(v, "hosts")), 2);
	h = json_array_get(json_object_get(v, "hosts"), 1);
	assert_string_equal(json_string_value(json_object_get(h, "name")), "n2");
	assert_true(json_is_false(json_object_get(h, "install")));
	json_decref(v);
	api_reply_free(&r);

	q[0] = (struct api_query){"select", "label:rack=r1,group:web"};
	v = call(a,
		 &(struct call){.method = "GET", .path = "hosts", .auth = BEARER, .q = q, .nq = 1},
		 &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(fk.select, "label:rack=r1,group:web");
	json_decref(v);
	api_reply_free(&r);

	v = call(a, GET("hosts/n7"), &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(fk.name, "n7");
	assert_string_equal(json_string_value(json_object_get(v, "name")), "n7");
	assert_int_equal(json_array_size(json_object_get(v, "events")), 1);
	json_decref(v);
	api_reply_free(&r);

	v = call(a, GET("profiles"), &r);
	assert_int_equal(r.status, 200);
	h = json_array_get(json_object_get(v, "profiles"), 0);
	assert_string_equal(json_string_value(json_object_get(h, "name")), "debian");
	json_decref(v);
	api_reply_free(&r);

	v = call(a, GET("leases"), &r);
	assert_int_equal(r.status, 200);
	assert_true(fk.state_null);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(v, "leases"), 0), "address")),
			    "198.18.0.100");
	json_decref(v);
	api_reply_free(&r);
	q[0] = (struct api_query){"state", "released"};
	v = call(a,
		 &(struct call){.method = "GET", .path = "leases", .auth = BEARER, .q = q, .nq = 1},
		 &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(fk.state, "released");
	json_decref(v);
	api_reply_free(&r);

	q[0] = (struct api_query){"arch", "efi-x64"};
	v = call(a,
		 &(struct call){.method = "GET",
				.path = "explain/52-54-00-AB-cd-0F",
				.auth = BEARER,
				.q = q,
				.nq = 1},
		 &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(v, "mac")), "52:54:00:ab:cd:0f");
	assert_memory_equal(fk.mac, ((uint8_t[]){0x52, 0x54, 0, 0xab, 0xcd, 0x0f}), 6);
	assert_string_equal(fk.arch, "efi-x64");
	assert_string_equal(json_string_value(json_object_get(v, "text")),
			    "host n1 boots debian\nbecause ...\n");
	json_decref(v);
	api_reply_free(&r);
	v = call(a, GET("explain/52:54:00:ab:cd:0f"), &r);
	assert_int_equal(r.status, 200);
	assert_true(fk.arch_null);
	json_decref(v);
	api_reply_free(&r);

	fk.newest = 5;
	q[0] = (struct api_query){"since", "3"};
	v = call(a,
		 &(struct call){.method = "GET", .path = "events", .auth = BEARER, .q = q, .nq = 1},
		 &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(fk.since, 3);
	assert_int_equal(fk.max, API_EVENTS_MAX);
	assert_int_equal(json_array_size(json_object_get(v, "events")), 2);
	assert_int_equal(json_integer_value(json_object_get(
			     json_array_get(json_object_get(v, "events"), 0), "id")),
			 4);
	assert_int_equal(json_integer_value(json_object_get(v, "last")), 5);
	json_decref(v);
	api_reply_free(&r);
	v = call(a, GET("events"), &r); /* since defaults to 0 */
	assert_int_equal(fk.since, 0);
	assert_int_equal(json_array_size(json_object_get(v, "events")), 5);
	json_decref(v);
	api_reply_free(&r);
	api_free(a);
}

static void
test_writes(void **state)
{
	struct api *a = new_api(&full);
	struct api_reply r;
	json_t *v;

	(void)state;
	v = call(a, POST("reinstall", "{\"select\": \"group:web\", \"power_cycle\": true}"), &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(fk.select, "group:web");
	assert_true(fk.power_cycle);
	assert_int_equal(json_integer_value(json_object_get(v, "marked")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "hosts"), 0)),
			    "n1");
	assert_true(json_is_integer(json_object_get(v, "ms")));
	assert_true(json_integer_value(json_object_get(v, "ms")) >= 0);
	json_decref(v);
	api_reply_free(&r);
	v = call(a, POST("reinstall", "{\"select\": \"n1\"}\n"), &r);
	assert_int_equal(r.status, 200);
	assert_false(fk.power_cycle); /* the default */
	json_decref(v);
	api_reply_free(&r);

	v = call(a, POST("power", "{\"select\": \"all\", \"action\": \"cycle\"}"), &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(fk.action, "cycle");
	assert_int_equal(json_integer_value(json_object_get(v, "queued")), 1);
	json_decref(v);
	api_reply_free(&r);
	v = call(a,
		 POST("power", "{\"action\": \"status\", \"select\": \"mac:52:54:00:00:00:01\"}"),
		 &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(fk.select, "mac:52:54:00:00:00:01");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(v, "results"), 0), "state")),
			    "on");
	json_decref(v);
	api_reply_free(&r);

	v = call(a, POST("reload", NULL), &r);
	assert_int_equal(r.status, 200);
	assert_true(json_is_true(json_object_get(v, "ok")));
	json_decref(v);
	api_reply_free(&r);
	expect(a, POST("reload", "{}"), 200, NULL);
	api_free(a);
}

/* Bodies: not JSON, not an object, wrong types, unknown, duplicate or
 * missing fields, over the limit. None reaches the backend. */
static void
test_bad_bodies(void **state)
{
	static const struct {
		const char *path, *body, *want;
	} v[] = {
	    {"reinstall", "{\"select\": ", "malformed JSON at line 1"},
	    {"reinstall", "select=all", "malformed JSON"},
	    {"reinstall", "{\"select\": \"a\"} x", "malformed JSON"},
	    {"reinstall", "[\"all\"]", "the body must be a JSON object"},
	    {"reinstall", "\"all\"", "malformed JSON"},
	    {"reinstall", "{\"select\": 1}", "field 'select' must be a string"},
	    {"reinstall", "{\"select\": null}", "field 'select' must be a string"},
	    {"reinstall", "{\"select\": \"a\", \"power_cycle\": \"yes\"}",
	     "field 'power_cycle' must be a boolean"},
	    {"reinstall", "{\"select\": \"a\", \"power_cycle\": 1}",
	     "field 'power_cycle' must be a boolean"},
	    {"reinstall", "{\"select\": \"a\", \"force\": true}", "unknown field 'force'"},
	    {"reinstall", "{\"select\": \"a\", \"select\": \"b\"}", "duplicate"},
	    {"reinstall", "{}", "missing field 'select'"},
	    {"reinstall", NULL, "missing field 'select'"},
	    {"reinstall", "{\"select\": \"\"}", "select: expected 1.."},
	    {"reinstall", "{\"select\": \"a\\u0001b\"}", "control characters"},
	    {"reinstall", "{\"select\": \"a\\u0000b\"}", "malformed JSON"},
	    {"power", "{\"select\": \"all\"}", "missing field 'action'"},
	    {"power", "{\"select\": \"all\", \"action\": \"reboot\"}",
	     "action must be on, off, cycle or status"},
	    {"power", "{\"select\": \"all\", \"action\": true}", "field 'action' must be a string"},
	    {"reload", "{\"force\": true}", "unknown field 'force'"},
	    {"reload", "[]", "the body must be a JSON object"},
	};
	struct api *a = new_api(&full);

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		expect(a, POST(v[i].path, v[i].body), 400, v[i].want);
	assert_int_equal(fk.calls, 0);

	/* A NUL byte is no blank: it is not trimmed away. */
	{
		static const char nul[] = "{\"select\": \"a\"}\0";
		struct api_request rq = {.method = "POST",
					 .path = "reinstall",
					 .authorization = BEARER,
					 .body = nul,
					 .body_len = sizeof(nul) - 1};
		struct api_reply r;

		api_handle(a, &rq, &r);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(r.body, "malformed JSON"));
		api_reply_free(&r);
	}
	expect(
	    a,
	    &(struct call){.method = "POST", .path = "reinstall", .auth = BEARER, .too_big = true},
	    413, "over 65536 bytes");
	/* Auth comes first: the body of a stranger is not worth a 413. */
	expect(a, &(struct call){.method = "POST", .path = "reinstall", .too_big = true}, 401,
	       "token required");
	assert_int_equal(fk.calls, 0);
	api_free(a);
}

static void
test_bad_queries(void **state)
{
	struct api_query q[API_QUERY_MAX + 1];
	struct api *a = new_api(&full);
	static const struct {
		const char *path, *key, *val, *want;
	} v[] = {
	    {"events", "since", "x", "since: expected an event id"},
	    {"events", "since", "-1", "since: expected an event id"},
	    {"events", "since", "99999999999999999999999", "since: expected an event id"},
	    {"events", "follow", "2", "follow: expected 1 or 0"},
	    {"events", "follow", NULL, "follow: expected 1 or 0"},
	    {"leases", "state", "bogus", "state must be bound, released, declined or expired"},
	    {"explain/52:54:00:00:00", NULL, NULL, "is not a MAC address"},
	    {"explain/52:54:00:00:00:01", "arch", "sparc", "unknown architecture 'sparc'"},
	    {"explain/zz:54:00:00:00:01", NULL, NULL, "is not a MAC address"},
	    {"hosts", "select", "", "select: expected 1.."},
	    {"hosts", "select", "a\tb", "control characters"},
	};
	char big[API_SELECT_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		q[0] = (struct api_query){v[i].key, v[i].val};
		expect(a,
		       &(struct call){.method = "GET",
				      .path = v[i].path,
				      .auth = BEARER,
				      .q = q,
				      .nq = v[i].key ? 1 : 0},
		       400, v[i].want);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	q[0] = (struct api_query){"select", big};
	expect(a, &(struct call){.method = "GET", .path = "hosts", .auth = BEARER, .q = q, .nq = 1},
	       400, "select: expected 1..4096 bytes");
	big[API_SELECT_MAX] = '\0'; /* exactly the limit passes */
	expect(a, &(struct call){.method = "GET", .path = "hosts", .auth = BEARER, .q = q, .nq = 1},
	       200, NULL);
	assert_int_equal(fk.calls, 1);

	q[0] = (struct api_query){"since", "1"};
	q[1] = (struct api_query){"since", "2"};
	expect(a,
	       &(struct call){.method = "GET", .path = "events", .auth = BEARER, .q = q, .nq = 2},
	       400, "query argument 'since' given twice");
	for (i = 0; i < API_QUERY_MAX + 1; i++)
		q[i] = (struct api_query){"k", "v"};
	expect(
	    a,
	    &(struct call){
		.method = "GET", .path = "status", .auth = BEARER, .q = q, .nq = API_QUERY_MAX + 1},
	    400, "more than 16 query arguments");
	/* Unknown arguments are let be (curl and browsers add their own). */
	q[0] = (struct api_query){"pretty", NULL};
	expect(a,
	       &(struct call){.method = "GET", .path = "status", .auth = BEARER, .q = q, .nq = 1},
	       200, NULL);
	api_free(a);
}

static void
test_routing(void **state)
{
	static const char *const missing[] = {
	    "", "nope", "hosts/a/b", "status/x", "explain", "explain/", "reinstall/x", "v2/status",
	};
	struct api *a = new_api(&full);
	struct api_reply r;
	json_t *v;

	(void)state;
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
		expect(a, GET(missing[i]), 404, "no such API");
	v = call(a, GET("reinstall"), &r);
	assert_int_equal(r.status, 405);
	assert_int_equal(r.n_hdr, 1);
	assert_string_equal(r.hdr_name[0], "Allow");
	assert_string_equal(r.hdr_value[0], "POST");
	json_decref(v);
	api_reply_free(&r);
	v = call(a, POST("status", NULL), &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.hdr_value[0], "GET");
	json_decref(v);
	api_reply_free(&r);
	expect(a, &(struct call){.method = "DELETE", .path = "hosts/n1", .auth = BEARER}, 405,
	       "use GET");
	assert_int_equal(fk.calls, 0);
	api_free(a);
}

static void
test_auth(void **state)
{
	struct api *a = new_api(&full);
	char wrong[sizeof(BEARER)], metrics[2048];
	struct api_reply r;
	json_t *v;

	(void)state;
	/* No token from the rack: 401 with the Bearer challenge. */
	v = call(a, &(struct call){.method = "GET", .path = "status"}, &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(json_string_value(json_object_get(v, "error")), "token required");
	assert_int_equal(r.n_hdr, 1);
	assert_string_equal(r.hdr_name[0], "WWW-Authenticate");
	assert_true(!strncmp(r.hdr_value[0], "Bearer", 6));
	json_decref(v);
	api_reply_free(&r);

	/* A wrong token: its first digit, its last, its length, its scheme. */
	snprintf(wrong, sizeof(wrong), "%s", BEARER);
	wrong[7] = '1';
	expect(a, &(struct call){.method = "GET", .path = "status", .auth = wrong}, 401, NULL);
	snprintf(wrong, sizeof(wrong), "%s", BEARER);
	wrong[sizeof(BEARER) - 2] = '0';
	expect(a, &(struct call){.method = "GET", .path = "status", .auth = wrong}, 401, NULL);
	wrong[sizeof(BEARER) - 2] = '\0';
	expect(a, &(struct call){.method = "GET", .path = "status", .auth = wrong}, 401, NULL);
	expect(a, &(struct call){.method = "GET", .path = "status", .auth = "Basic " TOKEN}, 401,
	       NULL);
	expect(a, &(struct call){.method = "GET", .path = "status", .auth = BEARER "0"}, 401, NULL);
	/* ...refused from loopback too, where no token at all would pass. */
	expect(a,
	       &(struct call){.method = "GET", .path = "status", .auth = wrong, .loopback = true},
	       401, "token required");

	/* Loopback reads need none; loopback writes do. */
	expect(a, &(struct call){.method = "GET", .path = "status", .loopback = true}, 200, NULL);
	expect(a,
	       &(struct call){.method = "POST",
			      .path = "reinstall",
			      .body = "{\"select\": \"n1\"}",
			      .loopback = true},
	       401, "token required");
	assert_int_equal(fk.calls, 1);
	/* The token: anything, from anywhere; the scheme in any case. */
	expect(a, POST("reinstall", "{\"select\": \"n1\"}"), 200, NULL);
	expect(a, &(struct call){.method = "GET", .path = "status", .auth = "bearer   " TOKEN}, 200,
	       NULL);
	assert_int_equal(fk.calls, 3);

	assert_true(api_metrics(a, metrics, sizeof(metrics)) > 0);
	assert_non_null(strstr(metrics, "\nrackboot_api_unauthorized_total 8\n"));
	assert_non_null(strstr(metrics, "\nrackboot_api_requests_total 11\n"));
	assert_int_equal(api_metrics(a, metrics, 20), 0); /* all or nothing */
	assert_string_equal(metrics, "");
	api_free(a);
}

/* What the backend says goes out with the status its errno picks. */
static void
test_backend_errors(void **state)
{
	static const struct {
		int e;
		const char *msg;
		unsigned status;
		const char *want;
	} v[] = {
	    {EINVAL, "bad selector 'group:nope': no such group", 400, "no such group"},
	    {ENOENT, "no host 'n9'", 404, "no host 'n9'"},
	    {EBUSY, "a reload is under way", 409, "a reload is under way"},
	    {EAGAIN, NULL, 503, "Resource temporarily unavailable"},
	    {ETIMEDOUT, "the BMCs did not answer", 504, "the BMCs did not answer"},
	    {EIO, NULL, 500, "Input/output error"},
	};
	struct api *a = new_api(&full);
	struct api_backend none = {.arg = &fk};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		fk.fail = v[i].e;
		fk.msg = v[i].msg;
		expect(a, GET("hosts/n9"), v[i].status, v[i].want);
		expect(a, GET("status"), v[i].status, v[i].want);
		expect(a, GET("explain/52:54:00:00:00:01"), v[i].status, v[i].want);
		expect(a, POST("power", "{\"select\": \"all\", \"action\": \"on\"}"), v[i].status,
		       v[i].want);
		expect(a, POST("reload", NULL), v[i].status, v[i].want);
	}
	fk.fail = EINVAL;
	fk.msg = "/etc/rackboot/rackboot.yaml:12:5: error: unknown key 'prfile'";
	expect(a, POST("reload", NULL), 400, "rackboot.yaml:12:5: error: unknown key");
	fk.fail = 0;
	fk.msg = NULL;

	/* A value of the wrong kind is the backend's bug: 500, not passed on. */
	fk.wrong_type = true;
	expect(a, GET("status"), 500, "bad status");
	expect(a, GET("hosts"), 500, "bad hosts");
	expect(a, GET("leases"), 500, "bad leases");
	api_free(a);

	/* Members not wired yet. */
	a = new_api(&none);
	expect(a, GET("status"), 503, "not wired yet");
	expect(a, GET("hosts"), 503, "not wired yet");
	expect(a, GET("hosts/n1"), 503, "not wired yet");
	expect(a, GET("profiles"), 503, "not wired yet");
	expect(a, GET("leases"), 503, "not wired yet");
	expect(a, GET("explain/52:54:00:00:00:01"), 503, "not wired yet");
	expect(a, GET("events"), 503, "not wired yet");
	expect(a, POST("reinstall", "{\"select\": \"all\"}"), 503, "not wired yet");
	expect(a, POST("power", "{\"select\": \"all\", \"action\": \"off\"}"), 503,
	       "not wired yet");
	expect(a, POST("reload", NULL), 503, "not wired yet");
	/* The checks still come first. */
	expect(a, POST("reinstall", "{\"select\": 3}"), 400, "must be a string");
	api_free(a);
}

/* ---- event streams ---- */

static struct api_reply
open_stream(struct api *a, const char *since, bool can_stream)
{
	struct api_query q[2] = {{"follow", "1"}, {"since", since}};
	struct api_reply r;

	json_decref(call(a,
			 &(struct call){.method = "GET",
					.path = "events",
					.auth = BEARER,
					.q = q,
					.nq = since ? 2 : 1,
					.can_stream = can_stream},
			 &r));
	return r;
}

static void
test_follow(void **state)
{
	struct api *a = new_api(&full);
	struct api_reply r, more[API_FOLLOWERS_MAX];
	atomic_bool stop = false;
	char buf[4096], metrics[2048];
	json_t *ev;
	ssize_t n;
	int i;

	(void)state;
	r = open_stream(a, NULL, false);
	assert_int_equal(r.status, 503);
	assert_null(r.follow);
	assert_non_null(strstr(r.body, "event streams need"));
	api_reply_free(&r);

	fk.newest = 2;
	r = open_stream(a, "1", true);
	assert_int_equal(r.status, 200);
	assert_null(r.body);
	assert_non_null(r.follow);
	/* What is there already: event 2, one compact line. */
	n = api_follow_read(r.follow, buf, sizeof(buf), &stop);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(strchr(buf, '\n') - buf, n - 1);
	ev = json_loads(buf, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(ev, "id")), 2);
	json_decref(ev);
	/* Then new ones as they come, in order, split to fit a small buffer. */
	fk.newest = 4;
	n = api_follow_read(r.follow, buf, 10, &stop);
	assert_int_equal(n, 10);
	assert_true(!strncmp(buf, "{\"id\":3,", 8));
	n = api_follow_read(r.follow, buf, sizeof(buf), &stop);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\n{\"id\":4,"));
	assert_true(buf[n - 1] == '\n');
	/* Idle past the keepalive (100 ms here): a bare newline. */
	n = api_follow_read(r.follow, buf, sizeof(buf), &stop);
	assert_int_equal(n, 1);
	assert_int_equal(buf[0], '\n');
	assert_true(fk.wait_hits > 0);
	/* Stop ends it. */
	atomic_store(&stop, true);
	assert_int_equal(api_follow_read(r.follow, buf, sizeof(buf), &stop), -1);

	/* At most API_FOLLOWERS_MAX at once; freeing one makes room. */
	for (i = 1; i < API_FOLLOWERS_MAX; i++) {
		more[i] = open_stream(a, NULL, true);
		assert_int_equal(more[i].status, 200);
	}
	assert_true(api_metrics(a, metrics, sizeof(metrics)) > 0);
	assert_non_null(strstr(metrics, "\nrackboot_api_event_streams 16\n"));
	more[0] = open_stream(a, NULL, true);
	assert_int_equal(more[0].status, 503);
	assert_non_null(strstr(more[0].body, "too many event streams"));
	api_reply_free(&more[0]);
	api_reply_free(&r);
	more[0] = open_stream(a, NULL, true);
	assert_int_equal(more[0].status, 200);
	for (i = 0; i < API_FOLLOWERS_MAX; i++)
		api_reply_free(&more[i]);
	assert_true(api_metrics(a, metrics, sizeof(metrics)) > 0);
	assert_non_null(strstr(metrics, "\nrackboot_api_event_streams 0\n"));

	/* A backend failure ends the stream. */
	r = open_stream(a, NULL, true);
	fk.newest = 9;
	fk.fail = EIO;
	atomic_store(&stop, false);
	assert_int_equal(api_follow_read(r.follow, buf, sizeof(buf), &stop), -1);
	api_reply_free(&r);
	api_free(a);
}

/* Without events_wait a stream polls events() and still ends on stop. */
static void
test_follow_polling(void **state)
{
	struct api_backend be = full;
	struct api *a;
	struct api_reply r;
	atomic_bool stop = false;
	char buf[256];
	ssize_t n;

	(void)state;
	be.events_wait = NULL;
	a = new_api(&be);
	r = open_stream(a, NULL, true);
	fk.newest = 1;
	n = api_follow_read(r.follow, buf, sizeof(buf), &stop);
	assert_true(n > 0 && !strncmp(buf, "{\"id\":1,", 8));
	assert_int_equal(api_follow_read(r.follow, buf, sizeof(buf), &stop), 1); /* keepalive */
	atomic_store(&stop, true);
	assert_int_equal(api_follow_read(r.follow, buf, sizeof(buf), &stop), -1);
	api_reply_free(&r);
	api_free(a);
}

static void
test_new(void **state)
{
	(void)state;
	errno = 0;
	assert_null(api_new(&full, "abc", 0));
	assert_int_equal(errno, EINVAL);
	assert_null(api_new(NULL, TOKEN, 0));
	api_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reads),	   cmocka_unit_test(test_writes),
	    cmocka_unit_test(test_bad_bodies),	   cmocka_unit_test(test_bad_queries),
	    cmocka_unit_test(test_routing),	   cmocka_unit_test(test_auth),
	    cmocka_unit_test(test_backend_errors), cmocka_unit_test(test_follow),
	    cmocka_unit_test(test_follow_polling), cmocka_unit_test(test_new),
	};

	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
