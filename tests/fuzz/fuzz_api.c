/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_api.c: libFuzzer target for the JSON API's request handling
 * (control/api/api.c, auth.c): what api_handle() makes of a request the
 * HTTP glue hands it, against a backend whose every member answers. The
 * input is
 *
 *   u8 flags   bits 0-2 the method, bit 3 an Authorization header (bit 4:
 *              the right token, else a wrong one), bit 5 from loopback,
 *              bit 6 the caller can stream, bit 7 the body was too big
 *   path NUL   after "/api/v1/"
 *   query NUL  "k=v&k&...": split like the glue does (a key given twice
 *              is kept twice: the router must refuse it)
 *   body       the rest
 *
 * Checked: the reply has a status the API documents and a body that is
 * one JSON object and a newline (an event stream: no body); 401 exactly
 * when the request may not go on; a 405 or 401 names its header.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "fuzz.h"

#define TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define IN_MAX 8192

static json_t *
be_status(void *arg, char *err, size_t cap)
{
	(void)arg, (void)err, (void)cap;
	return json_pack("{s:s, s:i}", "server", "198.18.0.1", "uptime_s", 5);
}

static json_t *
be_hosts(void *arg, const char *select, char *err, size_t cap)
{
	(void)arg, (void)cap;
	if (!strcmp(select, "fail")) {
		strcpy(err, "bad selector");
		errno = EINVAL;
		return NULL;
	}
	return json_pack("[{s:s}]", "name", select);
}

static json_t *
be_host(void *arg, const char *name, char *err, size_t cap)
{
	(void)arg, (void)err, (void)cap;
	if (strcmp(name, "node-01")) {
		errno = ENOENT;
		return NULL;
	}
	return json_pack("{s:s, s:[]}", "name", name, "events");
}

static json_t *
be_profiles(void *arg, char *err, size_t cap)
{
	(void)arg, (void)err, (void)cap;
	return json_pack("[{s:s}]", "name", "debian12");
}

static char *
be_leases(void *arg, const char *state, char *err, size_t cap)
{
	(void)arg, (void)err, (void)cap;
	return strdup(state ? "[]" : "[{\"ip\":\"198.18.0.100\"}]");
}

static int
be_explain(void *arg, const uint8_t mac[6], const char *arch, char **text, char *err, size_t cap)
{
	(void)arg, (void)err, (void)cap;
	if (mac[0] & 1)
		return -ENOENT;
	*text = strdup(arch ? arch : "no arch");
	return *text ? 0 : -ENOMEM;
}

static json_t *
be_events(void *arg, uint64_t since, unsigned max, uint64_t *last, char *err, size_t cap)
{
	(void)arg, (void)err, (void)cap, (void)max;
	*last = since + 1;
	return json_pack("[{s:I}]", "id", (json_int_t)(since + 1));
}

static json_t *
be_reinstall(void *arg, const char *select, bool power_cycle, char *err, size_t cap)
{
	(void)arg, (void)err, (void)cap;
	return json_pack("{s:i, s:[s], s:b}", "marked", 1, "hosts", select, "cycle", power_cycle);
}

static json_t *
be_power(void *arg, const char *select, const char *action, char *err, size_t cap)
{
	(void)arg, (void)err, (void)cap;
	return json_pack("{s:i, s:[s], s:s}", "queued", 1, "hosts", select, "action", action);
}

static int
be_reload(void *arg, char *err, size_t cap)
{
	(void)arg;
	snprintf(err, cap, "fuzz.yaml:1:1: refused");
	return -EINVAL;
}

static const struct api_backend backend = {
    .status = be_status,
    .hosts = be_hosts,
    .host = be_host,
    .profiles = be_profiles,
    .leases = be_leases,
    .explain = be_explain,
    .events = be_events,
    .reinstall = be_reinstall,
    .power = be_power,
    .reload = be_reload,
};

/* The next NUL-terminated field of in[*off..n), or all that is left. */
static const char *
field(char *in, size_t n, size_t *off)
{
	char *s = in + *off, *end = memchr(s, 0, n - *off);

	*off = end ? (size_t)(end - in) + 1 : n;
	return s;
}

static void
check_reply(const struct api_request *rq, const struct api_reply *out, bool allowed)
{
	static const unsigned ok[] = {200, 400, 401, 404, 405, 409, 413, 500, 503, 504};
	json_error_t jerr;
	json_t *v;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]) && out->status != ok[i]; i++)
		;
	CHECK(i < sizeof(ok) / sizeof(ok[0]));
	CHECK((out->status == 401) == !allowed);
	if (out->status == 401 || out->status == 405)
		CHECK(out->n_hdr == 1 && out->hdr_name[0] && out->hdr_value[0]);
	if (out->follow) {
		CHECK(out->status == 200 && !out->body && rq->can_stream);
		return;
	}
	CHECK(out->body && out->len >= 2 && out->body[out->len - 1] == '\n');
	CHECK(strlen(out->body) == out->len);
	v = json_loadb(out->body, out->len, 0, &jerr);
	CHECK(v && json_is_object(v));
	if (out->status != 200)
		CHECK(json_is_string(json_object_get(v, "error")));
	json_decref(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = {"GET",  "POST",  "PUT", "DELETE",
					      "HEAD", "PATCH", "get", ""};
	static struct api *a;
	static char in[IN_MAX + 1];
	struct api_query q[API_QUERY_MAX + 2];
	struct api_request rq;
	struct api_reply out;
	char *qs, *amp, *eq;
	size_t off = 1, n;
	bool allowed;

	if (size < 1 || size > IN_MAX)
		return 0;
	if (!a)
		CHECK((a = api_new(&backend, TOKEN, 10)) != NULL);
	memcpy(in, data, size);
	in[size] = '\0';
	memset(&rq, 0, sizeof(rq));
	rq.method = methods[data[0] & 7];
	if (data[0] & 8)
		rq.authorization = data[0] & 16 ? "Bearer " TOKEN : "Bearer 0123";
	rq.loopback = data[0] & 32;
	rq.can_stream = data[0] & 64;
	rq.body_too_big = data[0] & 128;
	rq.path = field(in, size, &off);
	qs = (char *)field(in, size, &off);
	rq.body = in + off;
	rq.body_len = size - off;
	rq.query = q;
	for (n = 0; *qs && n < API_QUERY_MAX + 2; qs = amp ? amp + 1 : qs + strlen(qs)) {
		amp = strchr(qs, '&');
		if (amp)
			*amp = '\0';
		eq = strchr(qs, '=');
		if (eq)
			*eq = '\0';
		q[n].key = qs;
		q[n++].value = eq ? eq + 1 : NULL;
	}
	rq.n_query = n;

	allowed = api_allowed(a, rq.method, rq.authorization, rq.loopback);
	api_handle(a, &rq, &out);
	check_reply(&rq, &out, allowed);
	api_reply_free(&out);
	return 0;
}
