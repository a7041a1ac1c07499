/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http_parse.h: the pure parts of reading an HTTP request, kept apart from
 * the server (http.c) so the tests drive them directly: Range headers,
 * URL paths, percent escapes in query values, the installer callback's
 * arguments, the client's address; and the two pure parts of an answer,
 * dates and content types.
 *
 * Errors, as everywhere in control/: 0 (or a count) or -errno.
 */
#ifndef RB_CONTROL_HTTP_PARSE_H
#define RB_CONTROL_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>
#include <time.h>

#define RB_CB_REASON_MAX 200 /* bytes of an installer callback's reason= */
#define RB_CB_TOKEN_MAX 128  /* characters of a callback token */

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

/*
 * Percent-decode in[0..n) into out (cap bytes, NUL-terminated). Returns
 * the decoded length, -EINVAL for a bad escape or an encoded NUL,
 * -ENAMETOOLONG when it does not fit.
 */
int rb_http_unescape(const char *in, size_t n, char *out, size_t cap);

/*
 * The installer callback's query values (decoded; NULL when absent):
 * status absent or "ok" sets *ok, "failed" clears it; reason is at most
 * RB_CB_REASON_MAX bytes without control characters. Returns 0, or
 * -EINVAL with why in msg.
 */
int rb_http_cb_args(const char *status, const char *reason, bool *ok, char *msg, size_t cap);

/* A callback token's form: 1..RB_CB_TOKEN_MAX of A-Z a-z 0-9 - _ . ~
 * (what needs no escaping in a URL). Anything else is nobody's token. */
bool rb_http_cb_token_ok(const char *token);

/* An HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT") into out, whatever the
 * locale. */
void rb_http_date(time_t t, char *out, size_t cap);

/* The Content-Type for a file name, by its extension
 * (application/octet-stream when unknown). */
const char *rb_http_content_type(const char *path);

/*
 * A client address: its IPv4 address in network order (a v4-mapped IPv6
 * address included; 0 for other IPv6 or none), and whether it is a
 * loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104).
 */
uint32_t rb_http_client_ipv4(const struct sockaddr *sa);
bool rb_http_client_loopback(const struct sockaddr *sa);

#endif
