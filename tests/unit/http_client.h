/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http_client.h: a tiny HTTP/1.1 client over a loopback TCP socket for
 * the live server tests (test_http.c, test_http_api.c): one request with
 * Connection: close, the reply read to EOF, and its headers looked up.
 * Failures are cmocka assertion failures. Every read is bounded (10 s).
 */
#ifndef RB_TESTS_HTTP_CLIENT_H
#define RB_TESTS_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct resp {
	int status;
	char *raw; /* the whole response, NUL-terminated */
	size_t len;
	char *body; /* inside raw */
	size_t body_len;
};

/* A TCP connection to 127.0.0.1:port, with a 10 s receive timeout. */
int http_connect(uint16_t port);
/* Sends one raw request (all of req) and reads the reply to EOF. */
void http_raw(uint16_t port, const char *req, struct resp *r);
/* "METHOD path HTTP/1.1", Host, the extra header lines (each ending in
 * \r\n) and Connection: close, then the same as http_raw(). */
void http_req(uint16_t port, const char *method, const char *path, const char *extra,
	      struct resp *r);
/* The value of header name (case-insensitive) or NULL; a static buffer. */
const char *header(const struct resp *r, const char *name);
void resp_free(struct resp *r);

#endif
