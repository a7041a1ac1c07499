/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * power_redfish.c: the redfish power driver (power.h), with libcurl and
 * jansson.
 *
 *   status  GET  BASE/redfish/v1/Systems/ID            -> "PowerState"
 *   on      POST BASE/redfish/v1/Systems/ID/Actions/ComputerSystem.Reset
 *                {"ResetType": "On"}
 *   off     the same with "ForceOff"
 *   cycle   PowerState first: "Off" -> "On", else "ForceRestart"
 * ID is the target's system_id, or else the first member of
 * GET BASE/redfish/v1/Systems (its "@odata.id").
 *
 * HTTP basic authentication, the password read from password_file for
 * each action and wiped after. TLS is verified unless the target says
 * tls_insecure; redirects are not followed (a BMC that redirects is
 * misconfigured, and credentials must not follow to another host); only
 * http and https are spoken. A reply is at most RF_BODY_MAX bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "power_drv.h"
#include "strbuf.h"

#define RF_BODY_MAX (256u << 10)
#define RF_PASS_MAX 256
#define RF_URL_MAX 2048
#define SYSTEMS "/redfish/v1/Systems"

struct rf {
	const struct power_target *t;
	int64_t deadline_ms;
	char base[RF_URL_MAX]; /* the address without a trailing '/' */
	char pass[RF_PASS_MAX];
	CURL *c;
	struct strbuf body;
	long status;
	char *msg;
	size_t cap;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

/* curl_global_init is not safe to race with other threads' first use. */
static void
curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The first line of the password file (without its newline). */
static int
read_password(struct rf *r)
{
	int fd = open(r->t->password_file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		goto fail;
	do
		n = read(fd, r->pass, sizeof(r->pass) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		goto fail;
	r->pass[n] = '\0';
	r->pass[strcspn(r->pass, "\r\n")] = '\0';
	return 0;
fail:
	snprintf(r->msg, r->cap, "redfish: cannot read password_file %s: %s", r->t->password_file,
		 strerror(errno));
	return -EACCES;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct strbuf *b = arg;

	return strbuf_add(b, data, size * n) ? 0 : size * n;
}

/* A short reason from a Redfish error body: the first extended message,
 * else error.message, else the start of the body. */
static void
error_text(const struct strbuf *b, char *out, size_t cap)
{
	json_t *j = b->len ? json_loadb(b->data, b->len, 0, NULL) : NULL;
	json_t *e = json_object_get(j, "error");
	json_t *ext = json_array_get(json_object_get(e, "@Message.ExtendedInfo"), 0);
	const char *m = json_string_value(json_object_get(ext, "Message"));
	size_t i;

	if (!m)
		m = json_string_value(json_object_get(e, "message"));
	snprintf(out, cap, "%s", m ? m : b->len ? b->data : "");
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
	if (i > 160)
		snprintf(out + 157, cap - 157, "...");
	json_decref(j);
}

/* One request; 0 for a 2xx answer (its body in r->body), else -errno with
 * r->msg saying what went wrong. json: a POST body, NULL for GET. */
static int
request(struct rf *r, const char *path, const char *json)
{
	const char *method = json ? "POST" : "GET";
	char url[RF_URL_MAX + 512], cerr[CURL_ERROR_SIZE] = "", why[200];
	struct curl_slist *hdr = NULL;
	int64_t left = r->deadline_ms - power_now_ms();
	CURLcode cc;

	if (left <= 0) {
		snprintf(r->msg, r->cap, "redfish %s %s: timed out", method, path);
		return -ETIMEDOUT;
	}
	if (snprintf(url, sizeof(url), "%s%s", r->base, path) >= (int)sizeof(url)) {
		snprintf(r->msg, r->cap, "redfish: URL too long");
		return -EINVAL;
	}
	strbuf_reset(&r->body);
	curl_easy_reset(r->c);
	hdr = curl_slist_append(hdr, "Accept: application/json");
	hdr = curl_slist_append(hdr, "OData-Version: 4.0");
	if (json)
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
	if (!hdr) {
		snprintf(r->msg, r->cap, "redfish: out of memory");
		return -ENOMEM;
	}
	curl_easy_setopt(r->c, CURLOPT_URL, url);
	curl_easy_setopt(r->c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->c, CURLOPT_TIMEOUT_MS, (long)left);
	curl_easy_setopt(r->c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(r->c, CURLOPT_USERNAME, r->t->username ? r->t->username : "");
	curl_easy_setopt(r->c, CURLOPT_PASSWORD, r->pass);
	curl_easy_setopt(r->c, CURLOPT_SSL_VERIFYPEER, r->t->tls_insecure ? 0L : 1L);
	curl_easy_setopt(r->c, CURLOPT_SSL_VERIFYHOST, r->t->tls_insecure ? 0L : 2L);
	curl_easy_setopt(r->c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(r->c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(r->c, CURLOPT_ERRORBUFFER, cerr);
	if (json)
		curl_easy_setopt(r->c, CURLOPT_POSTFIELDS, json);
	cc = curl_easy_perform(r->c);
	curl_slist_free_all(hdr);
	r->status = 0;
	curl_easy_getinfo(r->c, CURLINFO_RESPONSE_CODE, &r->status);
	if (cc != CURLE_OK) {
		snprintf(r->msg, r->cap, "redfish %s %s: %s", method, url,
			 cc == CURLE_WRITE_ERROR ? "reply too large"
			 : cerr[0]		 ? cerr
						 : curl_easy_strerror(cc));
		switch (cc) {
		case CURLE_OPERATION_TIMEDOUT:
			return -ETIMEDOUT;
		case CURLE_COULDNT_CONNECT:
			return -ECONNREFUSED;
		case CURLE_COULDNT_RESOLVE_HOST:
			return -EHOSTUNREACH;
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
			return -EACCES;
		default:
			return -EIO;
		}
	}
	if (r->status >= 200 && r->status < 300)
		return 0;
	error_text(&r->body, why, sizeof(why));
	snprintf(r->msg, r->cap, "redfish %s %s: HTTP %ld%s%s%s", method, url, r->status,
		 r->status == 401 ? " (authentication failed: user or password)" : "",
		 why[0] ? ": " : "", why);
	return r->status == 401 || r->status == 403 ? -EACCES : -EIO;
}

/* The body of the last answer as a JSON object (caller decrefs), or NULL
 * with r->msg set. */
static json_t *
body_json(struct rf *r, const char *path)
{
	json_t *j = r->body.len ? json_loadb(r->body.data, r->body.len, 0, NULL) : NULL;

	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(r->msg, r->cap, "redfish GET %s: the answer is not a JSON object", path);
		return NULL;
	}
	return j;
}

/* The system's path: /redfish/v1/Systems/ID, or the first member listed. */
static int
system_path(struct rf *r, char *path, size_t cap)
{
	const char *id;
	json_t *j;
	int rc;

	if (r->t->system_id && *r->t->system_id) {
		char *esc = curl_easy_escape(r->c, r->t->system_id, 0);

		if (!esc)
			return -ENOMEM;
		rc = snprintf(path, cap, SYSTEMS "/%s", esc) >= (int)cap ? -EINVAL : 0;
		curl_free(esc);
		return rc;
	}
	rc = request(r, SYSTEMS, NULL);
	if (rc)
		return rc;
	j = body_json(r, SYSTEMS);
	if (!j)
		return -EPROTO;
	id = json_string_value(
	    json_object_get(json_array_get(json_object_get(j, "Members"), 0), "@odata.id"));
	/* It becomes part of a URL the credentials go to: it must stay on
	 * this BMC, under Systems. */
	if (!id || strncmp(id, SYSTEMS "/", strlen(SYSTEMS "/")) != 0 || strstr(id, "..") ||
	    strpbrk(id, " \t\r\n?#") || strlen(id) >= cap) {
		snprintf(r->msg, r->cap, "redfish GET %s: no usable Members[0].@odata.id", SYSTEMS);
		rc = -EPROTO;
	} else {
		snprintf(path, cap, "%s", id);
		/* "/redfish/v1/Systems/1/" and ".../1" name the same system. */
		if (path[strlen(path) - 1] == '/')
			path[strlen(path) - 1] = '\0';
	}
	json_decref(j);
	return rc;
}

/* PowerState of the system at path: "on", "off" or "unknown". */
static int
power_state(struct rf *r, const char *path, const char **state)
{
	const char *ps;
	json_t *j;
	int rc = request(r, path, NULL);

	if (rc)
		return rc;
	j = body_json(r, path);
	if (!j)
		return -EPROTO;
	ps = json_string_value(json_object_get(j, "PowerState"));
	if (!ps) {
		snprintf(r->msg, r->cap, "redfish GET %s: no PowerState in the answer", path);
		rc = -EPROTO;
	} else
		*state = strcmp(ps, "On") == 0 ? "on" : strcmp(ps, "Off") == 0 ? "off" : "unknown";
	json_decref(j);
	return rc;
}

static int
reset(struct rf *r, const char *sys, const char *type)
{
	char path[RF_URL_MAX], body[64];

	snprintf(path, sizeof(path), "%s/Actions/ComputerSystem.Reset", sys);
	snprintf(body, sizeof(body), "{\"ResetType\": \"%s\"}", type);
	return request(r, path, body);
}

static int
act(struct rf *r, enum power_action a)
{
	const char *state = "unknown";
	char sys[RF_URL_MAX];
	int rc = system_path(r, sys, sizeof(sys));

	if (rc)
		return rc;
	switch (a) {
	case POWER_STATUS:
		rc = power_state(r, sys, &state);
		if (!rc)
			snprintf(r->msg, r->cap, "%s", state);
		return rc;
	case POWER_ON:
		rc = reset(r, sys, "On");
		break;
	case POWER_OFF:
		rc = reset(r, sys, "ForceOff");
		break;
	case POWER_CYCLE:
		rc = power_state(r, sys, &state);
		if (rc)
			return rc;
		rc = reset(r, sys, strcmp(state, "off") == 0 ? "On" : "ForceRestart");
		if (!rc && strcmp(state, "off") == 0) {
			snprintf(r->msg, r->cap, "was off: powered on");
			return 0;
		}
		break;
	}
	if (!rc)
		snprintf(r->msg, r->cap, "ok");
	return rc;
}

int
power_redfish(const struct power_target *t, enum power_action a, int64_t deadline_ms, char *msg,
	      size_t cap)
{
	struct rf *r;
	size_t n;
	int rc;

	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		snprintf(msg, cap, "redfish: libcurl did not initialise");
		return -ENOMEM;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(msg, cap, "redfish: out of memory");
		return -ENOMEM;
	}
	*r = (struct rf){.t = t, .deadline_ms = deadline_ms, .msg = msg, .cap = cap};
	strbuf_init(&r->body, RF_BODY_MAX);
	snprintf(r->base, sizeof(r->base), "%s", t->address);
	n = strlen(r->base);
	while (n > 0 && r->base[n - 1] == '/')
		r->base[--n] = '\0';
	rc = read_password(r);
	if (rc)
		goto out;
	r->c = curl_easy_init();
	if (!r->c) {
		snprintf(msg, cap, "redfish: out of memory");
		rc = -ENOMEM;
		goto out;
	}
	rc = act(r, a);
	curl_easy_cleanup(r->c);
out:
	explicit_bzero(r->pass, sizeof(r->pass));
	strbuf_free(&r->body);
	free(r);
	return rc;
}
