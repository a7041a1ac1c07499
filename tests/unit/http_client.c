/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http_client.c: the live tests' HTTP client (http_client.h).
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "http_client.h"

int
http_connect(uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {.tv_sec = 10};
	int fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

void
http_raw(uint16_t port, const char *req, struct resp *r)
{
	size_t cap = 4096, left = strlen(req);
	char *end;
	ssize_t n;
	int fd = http_connect(port);

	memset(r, 0, sizeof(*r));
	while (left) {
		n = write(fd, req, left);
		assert_true(n > 0);
		req += n;
		left -= (size_t)n;
	}
	r->raw = malloc(cap);
	for (;;) {
		if (r->len + 1 == cap) {
			cap *= 2;
			r->raw = realloc(r->raw, cap);
			assert_non_null(r->raw);
		}
		n = read(fd, r->raw + r->len, cap - r->len - 1);
		assert_true(n >= 0);
		if (n == 0)
			break;
		r->len += (size_t)n;
	}
	close(fd);
	r->raw[r->len] = '\0';
	assert_int_equal(sscanf(r->raw, "HTTP/1.1 %d", &r->status), 1);
	end = strstr(r->raw, "\r\n\r\n");
	assert_non_null(end);
	r->body = end + 4;
	r->body_len = r->len - (size_t)(r->body - r->raw);
}

void
http_req(uint16_t port, const char *method, const char *path, const char *extra, struct resp *r)
{
	char req[1024];

	snprintf(req, sizeof(req),
		 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n", method, path,
		 extra ? extra : "");
	http_raw(port, req, r);
}

const char *
header(const struct resp *r, const char *name)
{
	static char val[512];
	size_t nl = strlen(name);
	const char *p = strstr(r->raw, "\r\n"), *e;

	while (p && p + 2 < r->body) {
		p += 2;
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ')
				p++;
			e = strstr(p, "\r\n");
			snprintf(val, sizeof(val), "%.*s", (int)(e - p), p);
			return val;
		}
		p = strstr(p, "\r\n");
	}
	return NULL;
}

void
resp_free(struct resp *r)
{
	free(r->raw);
}
