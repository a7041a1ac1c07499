/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api.c: the /api/v1/ router: auth, the route table, the checks on query
 * arguments and JSON bodies, and the replies' shapes around what the
 * backend returns. Event streams are follow.c's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_impl.h"
#include "hex.h"
#include "promtext.h"
#include "provision/inventory.h"

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)
#define ADD(x, n) atomic_fetch_add_explicit(&(x), (n), memory_order_relaxed)
#define ERR_CAP API_ERR_CAP

/* ---- replies ---- */

/* Takes v (its reference); the body is v compact, then '\n'. */
static void
reply_json(struct api_reply *out, unsigned status, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
	size_t n = s ? strlen(s) : 0;
	char *t = s ? realloc(s, n + 2) : NULL;

	json_decref(v);
	if (!t) {
		free(s);
		/* A fixed body: nothing here can fail again. */
		out->status = 500;
		out->body = strdup("{\"error\":\"out of memory\"}\n");
		out->len = out->body ? strlen(out->body) : 0;
		return;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	out->status = status;
	out->body = t;
	out->len = n + 1;
}

static void __attribute__((format(printf, 3, 4)))
reply_error(struct api_reply *out, unsigned status, const char *fmt, ...)
{
	char msg[ERR_CAP];
	json_t *s;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s = json_string(msg);
	if (!s) {
		/* Not UTF-8 (a path's bytes, say): keep what is printable ASCII. */
		for (char *p = msg; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
		s = json_string(msg);
	}
	reply_json(out, status, s ? json_pack("{s:o}", "error", s) : NULL);
}

static unsigned
errno_status(int e)
{
	switch (e) {
	case EINVAL:
		return 400;
	case ENOENT:
		return 404;
	case EBUSY:
	case EEXIST:
	case EALREADY:
		return 409;
	case ENOSYS:
	case EAGAIN:
	case ENODEV:
		return 503;
	case ETIMEDOUT:
		return 504;
	default:
		return 500;
	}
}

/* A backend member failed with errno e (positive) and maybe a message. */
static void
reply_backend(struct api_reply *out, int e, const char *err)
{
	if (err[0])
		reply_error(out, errno_status(e), "%s", err);
	else
		reply_error(out, errno_status(e), "%s", e ? strerror(e) : "the backend failed");
}

static void
reply_unwired(struct api_reply *out)
{
	reply_error(out, 503, "not wired yet");
}

/* A member returned a value of the wrong JSON type: the backend's bug. */
static bool
check_type(struct api_reply *out, json_t *v, json_type t, const char *what)
{
	if (v && json_typeof(v) == t)
		return true;
	json_decref(v);
	reply_error(out, 500, "the backend returned a bad %s", what);
	return false;
}

/* ---- arguments ---- */

static const char *
query(const struct api_request *rq, const char *key, bool *given)
{
	for (size_t i = 0; i < rq->n_query; i++)
		if (!strcmp(rq->query[i].key, key)) {
			if (given)
				*given = true;
			return rq->query[i].value;
		}
	if (given)
		*given = false;
	return NULL;
}

static bool
has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A selector is the backend's to judge; here only its size and bytes. */
static bool
check_select(struct api_reply *out, const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > API_SELECT_MAX || has_ctrl(s)) {
		reply_error(out, 400, "select: expected 1..%d bytes without control characters",
			    API_SELECT_MAX);
		return false;
	}
	return true;
}

/* All of s in decimal, into *v. */
static bool
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

enum ftype { F_STRING, F_BOOL };

struct field {
	const char *name;
	enum ftype type;
	bool required;
};

/*
 * The body as a JSON object whose members are all among f[0..n), each of
 * its type, every required one present. An empty body is {}. NULL after
 * a 400 reply.
 */
static json_t *
body_object(const struct api_request *rq, const struct field *f, size_t n, struct api_reply *out)
{
	json_error_t jerr;
	const char *key;
	json_t *o, *v;
	size_t i, len = rq->body ? rq->body_len : 0;

	while (len && (rq->body[len - 1] == ' ' || rq->body[len - 1] == '\t' ||
		       rq->body[len - 1] == '\r' || rq->body[len - 1] == '\n'))
		len--;
	if (!len)
		o = json_object();
	else
		o = json_loadb(rq->body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		reply_error(out, 400, "malformed JSON at line %d, column %d: %s", jerr.line,
			    jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		reply_error(out, 400, "the body must be a JSON object");
		return NULL;
	}
	json_object_foreach(o, key, v)
	{
		for (i = 0; i < n && strcmp(f[i].name, key); i++)
			;
		if (i == n) {
			reply_error(out, 400, "unknown field '%s'", key);
			goto bad;
		}
		if (f[i].type == F_STRING ? !json_is_string(v) : !json_is_boolean(v)) {
			reply_error(out, 400, "field '%s' must be a %s", key,
				    f[i].type == F_STRING ? "string" : "boolean");
			goto bad;
		}
	}
	for (i = 0; i < n; i++)
		if (f[i].required && !json_object_get(o, f[i].name)) {
			reply_error(out, 400, "missing field '%s'", f[i].name);
			goto bad;
		}
	return o;
bad:
	json_decref(o);
	return NULL;
}

/* ---- routes ---- */

static void
r_status(struct api *a, const struct api_request *rq, const char *arg, struct api_reply *out)
{
	char err[ERR_CAP] = "";
	json_t *v;

	(void)rq, (void)arg;
	if (!a->be.status)
		return reply_unwired(out);
	v = BE_CALL(a, status, err, sizeof(err));
	if (!v)
		return reply_backend(out, errno, err);
	if (check_type(out, v, JSON_OBJECT, "status"))
		reply_json(out, 200, v);
}

/* {"<key>": v} when v is an array. */
static void
reply_list(struct api_reply *out, const char *key, json_t *v, int e, const char *err)
{
	if (!v)
		return reply_backend(out, e, err);
	if (check_type(out, v, JSON_ARRAY, key))
		reply_json(out, 200, json_pack("{s:o}", key, v));
}

static void
r_hosts(struct api *a, const struct api_request *rq, const char *arg, struct api_reply *out)
{
	const char *sel = query(rq, "select", NULL);
	char err[ERR_CAP] = "";
	json_t *v;

	(void)arg;
	if (!sel)
		sel = "all";
	if (!check_select(out, sel))
		return;
	if (!a->be.hosts)
		return reply_unwired(out);
	v = BE_CALL(a, hosts, sel, err, sizeof(err));
	reply_list(out, "hosts", v, errno, err);
}

static void
r_host(struct api *a, const struct api_request *rq, const char *name, struct api_reply *out)
{
	char err[ERR_CAP] = "";
	json_t *v;

	(void)rq;
	if (has_ctrl(name))
		return reply_error(out, 400, "a host name has no control characters");
	if (!a->be.host)
		return reply_unwired(out);
	v = BE_CALL(a, host, name, err, sizeof(err));
	if (!v)
		return reply_backend(out, errno, err);
	if (check_type(out, v, JSON_OBJECT, "host"))
		reply_json(out, 200, v);
}

static void
r_profiles(struct api *a, const struct api_request *rq, const char *arg, struct api_reply *out)
{
	char err[ERR_CAP] = "";
	json_t *v;

	(void)rq, (void)arg;
	if (!a->be.profiles)
		return reply_unwired(out);
	v = BE_CALL(a, profiles, err, sizeof(err));
	reply_list(out, "profiles", v, errno, err);
}

static void
r_leases(struct api *a, const struct api_request *rq, const char *arg, struct api_reply *out)
{
	static const char *const states[] = {"bound", "released", "declined", "expired"};
	const char *state = query(rq, "state", NULL);
	char err[ERR_CAP] = "", *text, *body;
	size_t i, n;

	(void)arg;
	for (i = 0; state && i < 4 && strcmp(state, states[i]); i++)
		;
	if (i == 4)
		return reply_error(out, 400, "state must be bound, released, declined or expired");
	if (!a->be.leases)
		return reply_unwired(out);
	text = BE_CALL(a, leases, state, err, sizeof(err));
	if (!text)
		return reply_backend(out, errno, err);
	/* The array is already JSON text: wrapped, not parsed again. */
	n = strlen(text);
	body = text[strspn(text, " \t\r\n")] == '[' ? malloc(n + sizeof("{\"leases\":}\n")) : NULL;
	if (!body) {
		free(text);
		return reply_error(out, 500, "the backend returned bad leases");
	}
	out->len = (size_t)sprintf(body, "{\"leases\":%s}\n", text);
	out->body = body;
	out->status = 200;
	free(text);
}

static void
r_explain(struct api *a, const struct api_request *rq, const char *mac, struct api_reply *out)
{
	const char *arch = query(rq, "arch", NULL);
	char err[ERR_CAP] = "", *text = NULL, norm[18];
	uint8_t m[6];
	json_t *t;
	int rc;

	if (rb_hex_octets(mac, ":-", m, 6) != 6)
		return reply_error(out, 400, "'%.64s' is not a MAC address (6 hex octets)", mac);
	if (arch && !inv_arch_parse(arch))
		return reply_error(out, 400,
				   "unknown architecture '%.32s' (bios, efi-ia32, efi-x64, "
				   "efi-arm64, http-x64, http-arm64)",
				   arch);
	if (!a->be.explain)
		return reply_unwired(out);
	rc = BE_CALL(a, explain, m, arch, &text, err, sizeof(err));
	if (rc < 0) {
		free(text);
		return reply_backend(out, -rc, err);
	}
	rb_hex_format(norm, m, 6, ':');
	t = text ? json_string(text) : NULL;
	free(text);
	if (!t)
		return reply_error(out, 500, "the backend returned a bad explain text");
	reply_json(out, 200, json_pack("{s:s, s:o}", "mac", norm, "text", t));
}

static void
r_events(struct api *a, const struct api_request *rq, const char *arg, struct api_reply *out)
{
	const char *since_s = query(rq, "since", NULL), *fol;
	char err[ERR_CAP] = "";
	uint64_t since = 0, last = 0;
	struct api_follow *f;
	bool follow_given;
	json_t *v;

	(void)arg;
	if (since_s && !parse_u64(since_s, &since))
		return reply_error(out, 400, "since: expected an event id (a decimal number)");
	fol = query(rq, "follow", &follow_given);
	if (follow_given && (!fol || (strcmp(fol, "0") && strcmp(fol, "1") &&
				      strcmp(fol, "false") && strcmp(fol, "true"))))
		return reply_error(out, 400, "follow: expected 1 or 0");
	if (!a->be.events)
		return reply_unwired(out);
	if (!follow_given || !strcmp(fol, "0") || !strcmp(fol, "false")) {
		v = BE_CALL(a, events, since, API_EVENTS_MAX, &last, err, sizeof(err));
		if (!v)
			return reply_backend(out, errno, err);
		if (check_type(out, v, JSON_ARRAY, "event list"))
			reply_json(out, 200,
				   json_pack("{s:o, s:I}", "events", v, "last", (json_int_t)last));
		return;
	}
	if (!rq->can_stream)
		return reply_error(out, 503,
				   "event streams need the API listener (api.port) or "
				   "http.threads: 0");
	f = api_follow_open(a, since);
	if (!f && errno == EBUSY)
		return reply_error(out, 503, "too many event streams (at most %d)",
				   API_FOLLOWERS_MAX);
	if (!f)
		return reply_error(out, 500, "out of memory");
	out->status = 200;
	out->follow = f;
}

static void
r_reinstall(struct api *a, const struct api_request *rq, const char *arg, struct api_reply *out)
{
	static const struct field f[] = {
	    {"select", F_STRING, true},
	    {"power_cycle", F_BOOL, false},
	};
	char err[ERR_CAP] = "";
	json_t *o = body_object(rq, f, 2, out), *v;
	const char *sel;
	uint64_t t0;
	bool cycle;

	(void)arg;
	if (!o)
		return;
	sel = json_string_value(json_object_get(o, "select"));
	cycle = json_is_true(json_object_get(o, "power_cycle"));
	if (!check_select(out, sel))
		goto out;
	if (!a->be.reinstall) {
		reply_unwired(out);
		goto out;
	}
	t0 = api_mono_ms();
	v = BE_CALL(a, reinstall, sel, cycle, err, sizeof(err));
	if (!v) {
		reply_backend(out, errno, err);
		goto out;
	}
	if (!check_type(out, v, JSON_OBJECT, "reinstall result"))
		goto out;
	if (json_object_set_new(v, "ms", json_integer((json_int_t)(api_mono_ms() - t0)))) {
		json_decref(v);
		reply_error(out, 500, "out of memory");
		goto out;
	}
	reply_json(out, 200, v);
out:
	json_decref(o);
}

static void
r_power(struct api *a, const struct api_request *rq, const char *arg, struct api_reply *out)
{
	static const struct field f[] = {
	    {"select", F_STRING, true},
	    {"action", F_STRING, true},
	};
	static const char *const actions[] = {"on", "off", "cycle", "status"};
	char err[ERR_CAP] = "";
	json_t *o = body_object(rq, f, 2, out), *v;
	const char *sel, *act;
	size_t i;

	(void)arg;
	if (!o)
		return;
	sel = json_string_value(json_object_get(o, "select"));
	act = json_string_value(json_object_get(o, "action"));
	for (i = 0; i < 4 && strcmp(act, actions[i]); i++)
		;
	if (i == 4) {
		reply_error(out, 400, "action must be on, off, cycle or status");
		goto out;
	}
	if (!check_select(out, sel))
		goto out;
	if (!a->be.power) {
		reply_unwired(out);
		goto out;
	}
	v = BE_CALL(a, power, sel, act, err, sizeof(err));
	if (!v)
		reply_backend(out, errno, err);
	else if (check_type(out, v, JSON_OBJECT, "power result"))
		reply_json(out, 200, v);
out:
	json_decref(o);
}

static void
r_reload(struct api *a, const struct api_request *rq, const char *arg, struct api_reply *out)
{
	char err[ERR_CAP] = "";
	json_t *o = body_object(rq, NULL, 0, out);
	int rc;

	(void)arg;
	if (!o)
		return;
	json_decref(o);
	if (!a->be.reload)
		return reply_unwired(out);
	rc = BE_CALL(a, reload, err, sizeof(err));
	if (rc < 0)
		return reply_backend(out, -rc, err);
	reply_json(out, 200, json_pack("{s:b}", "ok", 1));
}

typedef void route_fn(struct api *, const struct api_request *, const char *, struct api_reply *);

static const struct route {
	const char *name; /* the path's first segment */
	bool arg;	  /* followed by "/<one more segment>" */
	const char *method;
	route_fn *fn;
} routes[] = {
    {"status", false, "GET", r_status}, {"hosts", false, "GET", r_hosts},
    {"hosts", true, "GET", r_host},	{"profiles", false, "GET", r_profiles},
    {"leases", false, "GET", r_leases}, {"explain", true, "GET", r_explain},
    {"events", false, "GET", r_events}, {"reinstall", false, "POST", r_reinstall},
    {"power", false, "POST", r_power},	{"reload", false, "POST", r_reload},
};

/* ---- entry points ---- */

struct api *
api_new(const struct api_backend *backend, const char *token, unsigned keepalive_ms)
{
	struct api *a;

	if (!backend || !token || strlen(token) != API_TOKEN_LEN) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->be = *backend;
	memcpy(a->token, token, API_TOKEN_LEN + 1);
	a->keepalive_ms = keepalive_ms ? keepalive_ms : API_KEEPALIVE_MS;
	return a;
}

void
api_free(struct api *a)
{
	if (a)
		memset(a->token, 0, sizeof(a->token));
	free(a);
}

bool
api_allowed(const struct api *a, const char *method, const char *authorization, bool loopback)
{
	if (api_token_check(a->token, authorization))
		return true;
	/* A wrong token is refused even where none is needed: the client
	 * would not find out otherwise until it POSTs. */
	return !authorization && loopback && !strcmp(method, "GET");
}

void
api_handle(struct api *a, const struct api_request *rq, struct api_reply *out)
{
	const char *path = rq->path, *slash = strchr(path, '/'), *arg = slash ? slash + 1 : NULL;
	size_t seg = slash ? (size_t)(slash - path) : strlen(path), i, j;
	const struct route *r = NULL;

	memset(out, 0, sizeof(*out));
	ADD(a->requests, 1);
	if (!api_allowed(a, rq->method, rq->authorization, rq->loopback)) {
		ADD(a->unauthorized, 1);
		reply_error(out, 401, "token required");
		out->hdr_name[0] = "WWW-Authenticate";
		out->hdr_value[0] = "Bearer realm=\"rackboot\"";
		out->n_hdr = 1;
		return;
	}
	if (rq->body_too_big)
		return reply_error(out, 413, "the request body is over %d bytes", API_BODY_MAX);
	if (rq->n_query > API_QUERY_MAX)
		return reply_error(out, 400, "more than %d query arguments", API_QUERY_MAX);
	for (i = 0; i < rq->n_query; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(rq->query[i].key, rq->query[j].key))
				return reply_error(out, 400, "query argument '%.64s' given twice",
						   rq->query[i].key);
	if (arg && (!*arg || strchr(arg, '/')))
		arg = NULL, seg = 0; /* no route has two segments after its name */
	for (i = 0; seg && i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strlen(routes[i].name) == seg && !strncmp(routes[i].name, path, seg) &&
		    routes[i].arg == (arg != NULL))
			r = &routes[i];
	if (!r)
		return reply_error(out, 404, "no such API: /api/v1/%.200s", path);
	if (strcmp(rq->method, r->method)) {
		reply_error(out, 405, "%s /api/v1/%.200s: use %s", rq->method, path, r->method);
		out->hdr_name[0] = "Allow";
		out->hdr_value[0] = r->method;
		out->n_hdr = 1;
		return;
	}
	r->fn(a, rq, arg, out);
}

void
api_reply_free(struct api_reply *r)
{
	if (!r)
		return;
	free(r->body);
	r->body = NULL;
	api_follow_free(r->follow);
	r->follow = NULL;
}

size_t
api_metrics(const struct api *a, char *buf, size_t cap)
{
	struct prom_out o;

	prom_init(&o, buf, cap);
	prom_metric(&o, "rackboot_api_requests_total", "counter", "API requests answered.",
		    LOAD(a->requests));
	prom_metric(&o, "rackboot_api_unauthorized_total", "counter",
		    "API requests refused for want of a valid token (401).", LOAD(a->unauthorized));
	prom_metric(&o, "rackboot_api_event_streams", "gauge", "API event streams open now.",
		    atomic_load(&a->followers));
	if (!o.full)
		return o.len;
	prom_rewind(&o, 0);
	return 0;
}
