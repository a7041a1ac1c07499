/* SPDX-License-Identifier: BSD-3-Clause */
/* client.c: HTTP to rackboot's API through libcurl, and the API token. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "client.h"
#include "rb_build.h"

/* Replies are JSON tables; 500 hosts with their progress are ~200 kB. */
#define REPLY_MAX (64u << 20)
#define TOKEN_MAX 1024

int
ctl_client_open(struct ctl_client *c, const char *server, const char *token, double timeout_s)
{
	size_t n = strlen(server);

	memset(c, 0, sizeof(*c));
	if (strncmp(server, "http://", 7) && strncmp(server, "https://", 8))
		return -EINVAL;
	while (n > 0 && server[n - 1] == '/')
		n--;
	c->base = strndup(server, n);
	c->token = token ? strdup(token) : NULL;
	c->curl = curl_easy_init();
	c->timeout_ms = (long)(timeout_s * 1000);
	if (c->timeout_ms < 1)
		c->timeout_ms = 1;
	if (!c->base || (token && !c->token) || !c->curl) {
		ctl_client_close(c);
		return -ENOMEM;
	}
	return 0;
}

void
ctl_client_close(struct ctl_client *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->base);
	if (c->token)
		explicit_bzero(c->token, strlen(c->token));
	free(c->token);
	memset(c, 0, sizeof(*c));
}

void
ctl_reply_init(struct ctl_reply *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->body, REPLY_MAX);
}

void
ctl_reply_free(struct ctl_reply *r)
{
	strbuf_free(&r->body);
}

/* What one transfer needs in its callbacks. */
struct xfer {
	struct ctl_client *c;
	struct ctl_reply *r;
	bool too_big;
	/* streams only */
	ctl_line_fn fn;
	void *arg;
	bool fn_stopped, idle;
	unsigned idle_s;
	struct timespec last; /* when bytes last arrived */
	struct strbuf line;
};

static double
mono_now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	if (strbuf_add(&x->r->body, p, size * n)) {
		x->too_big = true;
		return 0;
	}
	return size * n;
}

/* Hand every complete line in x->line to the caller's function. */
static int
flush_lines(struct xfer *x)
{
	char *nl, *start = x->line.data;
	size_t left = x->line.len;

	while (left && (nl = memchr(start, '\n', left))) {
		if (x->fn(start, (size_t)(nl - start), x->arg))
			return -ECANCELED;
		left -= (size_t)(nl - start) + 1;
		start = nl + 1;
	}
	memmove(x->line.data, start, left);
	x->line.len = left;
	x->line.data[left] = 0;
	return 0;
}

static size_t
on_stream(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	long status = 0;
	struct timespec ts;

	mono_now(&ts);
	x->last = ts;
	curl_easy_getinfo(x->c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200)
		return on_body(p, size, n, arg);
	if (strbuf_add(&x->line, p, size * n)) {
		x->too_big = true;
		return 0;
	}
	if (flush_lines(x)) {
		x->fn_stopped = true;
		return 0;
	}
	return size * n;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer *x = arg;
	struct timespec now;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (x->c->stop && *x->c->stop)
		return 1;
	if (x->idle_s &&
	    mono_now(&now) - ((double)x->last.tv_sec + x->last.tv_nsec / 1e9) > (double)x->idle_s) {
		x->idle = true;
		return 1;
	}
	return 0;
}

/* Run the transfer set up in c->curl; the return value of ctl_request(). */
static int
perform(struct xfer *x, const char *method, const char *path, const char *body, bool stream)
{
	char errbuf[CURL_ERROR_SIZE] = "", auth[TOKEN_MAX + 32];
	struct curl_slist *hdr = NULL, *h;
	CURL *curl = x->c->curl;
	struct strbuf url;
	CURLcode cc;
	int rc = -ENOMEM;

	strbuf_init(&url, 0);
	if (strbuf_adds(&url, x->c->base) || strbuf_adds(&url, path))
		goto out;
	if (!(h = curl_slist_append(hdr, "Accept: application/json")))
		goto out;
	hdr = h;
	if (body && body[0] && !(h = curl_slist_append(hdr, "Content-Type: application/json")))
		goto out;
	hdr = h;
	if (x->c->token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", x->c->token);
		h = curl_slist_append(hdr, auth);
		explicit_bzero(auth, sizeof(auth));
		if (!h)
			goto out;
		hdr = h;
	}
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url.data);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "rackbootctl/" RB_VERSION);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, x->c->timeout_ms);
	/* A proxy set for the rest of the machine is not the way to loopback. */
	if (!getenv("no_proxy") && !getenv("NO_PROXY"))
		curl_easy_setopt(curl, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
	if (!stream)
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, x->c->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, stream ? on_stream : on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, x);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);

	mono_now(&x->last);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &x->r->status);
	rc = 0;
	if (cc == CURLE_OK)
		goto out;
	if (cc == CURLE_OPERATION_TIMEDOUT || x->idle) {
		rc = -ETIMEDOUT;
		if (x->idle)
			snprintf(x->r->error, sizeof(x->r->error), "%s: nothing received for %u s",
				 url.data, x->idle_s);
		else
			snprintf(x->r->error, sizeof(x->r->error), "%s: timed out after %.1f s",
				 url.data, (double)x->c->timeout_ms / 1000);
	} else if (x->fn_stopped || (cc == CURLE_ABORTED_BY_CALLBACK)) {
		rc = -ECANCELED;
		snprintf(x->r->error, sizeof(x->r->error), "%s: interrupted", url.data);
	} else if (x->too_big) {
		rc = -EMSGSIZE;
		snprintf(x->r->error, sizeof(x->r->error), "%s: the reply is larger than %u MB",
			 url.data, REPLY_MAX >> 20);
	} else {
		rc = -EIO;
		snprintf(x->r->error, sizeof(x->r->error), "cannot reach %s: %s", x->c->base,
			 errbuf[0] ? errbuf : curl_easy_strerror(cc));
	}
out:
	/* The handle keeps pointers to these until the next reset. */
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdr);
	strbuf_free(&url);
	if (rc == -ENOMEM)
		snprintf(x->r->error, sizeof(x->r->error), "out of memory");
	return rc;
}

int
ctl_request(struct ctl_client *c, const char *method, const char *path, const char *body,
	    struct ctl_reply *r)
{
	struct xfer x = {.c = c, .r = r};

	strbuf_reset(&r->body);
	r->status = 0;
	r->error[0] = 0;
	return perform(&x, method, path, body, false);
}

int
ctl_stream(struct ctl_client *c, const char *path, unsigned idle_s, ctl_line_fn fn, void *arg,
	   struct ctl_reply *r)
{
	struct xfer x = {.c = c, .r = r, .fn = fn, .arg = arg, .idle_s = idle_s};
	int rc;

	strbuf_reset(&r->body);
	r->status = 0;
	r->error[0] = 0;
	strbuf_init(&x.line, 1u << 20);
	rc = perform(&x, "GET", path, NULL, true);
	/* A last line without its '\n' is still a line. */
	if (!rc && r->status == 200 && x.line.len && fn(x.line.data, x.line.len, arg))
		rc = -ECANCELED;
	strbuf_free(&x.line);
	return rc;
}

int
ctl_token_check(const char *s, size_t len)
{
	size_t i;

	if (!len || len > TOKEN_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return -EINVAL;
	return 0;
}

int
ctl_token_read(const char *path, char **token, bool *loose, char *err, size_t errlen)
{
	char buf[TOKEN_MAX + 2];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd, rc;

	*token = NULL;
	*loose = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	*loose = (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	buf[n] = 0;
	len = strcspn(buf, "\n");
	while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t' || buf[len - 1] == '\r'))
		len--;
	rc = ctl_token_check(buf, len);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path,
			 !len ? "no token in the file"
			 : len > TOKEN_MAX
			     ? "the token is too long"
			     : "the token has a character that is not printable ASCII");
		goto out;
	}
	*token = strndup(buf, len);
	rc = *token ? 0 : -ENOMEM;
	if (rc)
		snprintf(err, errlen, "out of memory");
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

int
ctl_escape(struct strbuf *out, const char *s, const char *keep)
{
	static const char digits[] = "0123456789ABCDEF";
	int rc = 0;

	for (; !rc && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char enc[3] = {'%', digits[c >> 4], digits[c & 15]};

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c) || (keep && strchr(keep, c)))
			rc = strbuf_add(out, s, 1);
		else
			rc = strbuf_add(out, enc, 3);
	}
	return rc;
}
