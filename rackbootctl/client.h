/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * client.h: rackbootctl's side of the HTTP API: requests through libcurl,
 * the streamed event feed, the token, and URL escaping.
 *
 * A request "succeeds" when a reply arrives, whatever its status: the
 * caller maps the status to an exit code (reply.h). Only the way there
 * (connection, timeout, interruption) fails here. Nothing prints; errors
 * come back as text in the reply.
 */
#ifndef RB_CTL_CLIENT_H
#define RB_CTL_CLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

struct ctl_client {
	char *base;  /* the server URL, without a trailing '/' */
	char *token; /* NULL: no Authorization header */
	long timeout_ms;
	/* Set by a signal handler: the transfer under way is abandoned. */
	volatile sig_atomic_t *stop;
	void *curl; /* CURL *, reused between requests (one connection) */
};

struct ctl_reply {
	long status;	    /* 0 when no reply arrived */
	struct strbuf body; /* the body (for a stream: only a non-200 body) */
	char error[256];    /* what went wrong on the way, when it did */
};

/*
 * Open a client for server (http:// or https:// URL) with token (NULL:
 * none; copied) and a per-request timeout. Call curl_global_init() first.
 * 0, -EINVAL (not an http(s) URL) or -ENOMEM.
 */
int ctl_client_open(struct ctl_client *c, const char *server, const char *token, double timeout_s);
void ctl_client_close(struct ctl_client *c);

void ctl_reply_init(struct ctl_reply *r);
void ctl_reply_free(struct ctl_reply *r);

/*
 * method ("GET" or "POST") path (from "/api/..."), with a JSON body for
 * POST (NULL: none). 0 when a reply arrived (r->status, r->body);
 * -ETIMEDOUT, -ECANCELED (*stop was set), -EMSGSIZE (the body passed the
 * buffer's cap) or -EIO (cannot connect, or anything else), with r->error
 * saying what happened.
 */
int ctl_request(struct ctl_client *c, const char *method, const char *path, const char *body,
		struct ctl_reply *r);

/* Called with each line of a stream (without its '\n'); non-zero stops it. */
typedef int (*ctl_line_fn)(const char *line, size_t len, void *arg);

/*
 * GET path and, while the status is 200, hand every line of the body to
 * fn as it arrives (a body of another status is collected in r->body).
 * The connection may take the client's timeout to open; after that the
 * stream may last forever but not stay silent for more than idle_s
 * seconds (0: no limit). Returns as ctl_request(), when the server closes
 * the stream or fn stops it (then -ECANCELED too).
 */
int ctl_stream(struct ctl_client *c, const char *path, unsigned idle_s, ctl_line_fn fn, void *arg,
	       struct ctl_reply *r);

/*
 * Read the token from path: its first line, without trailing blanks,
 * printable ASCII (a token goes into a header line). *token is malloc'd.
 * *loose is set when the file is readable or writable by group or
 * others. 0, -ENOENT/-EACCES/... from open, or -EINVAL (empty, too long,
 * or not printable) with a reason in err.
 */
int ctl_token_read(const char *path, char **token, bool *loose, char *err, size_t errlen);

/* Whether s[0..len) can be a token: 1..1024 bytes of printable ASCII
 * without spaces. 0 or -EINVAL. */
int ctl_token_check(const char *s, size_t len);

/*
 * Append s to out with every byte outside the URL's unreserved set
 * (A-Z a-z 0-9 - . _ ~) and keep percent-encoded. 0 or -E2BIG/-ENOMEM.
 */
int ctl_escape(struct strbuf *out, const char *s, const char *keep);

#endif
