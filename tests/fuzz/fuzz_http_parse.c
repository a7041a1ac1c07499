/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_http_parse.c: libFuzzer target for what the HTTP server reads from
 * a request line and its headers (control/http_parse.c): the URL path, its
 * percent escapes, a Range header, the installer callback's arguments and
 * token, and the client's address. The first 8 bytes are a file size (and
 * a date, and an address); the rest, up to its first NUL, is the text each
 * parser gets (the callback's status and reason are its two halves).
 * Checked: a mapped path is relative, normalised and holds no ".." segment
 * or backslash; a decoded escape fits and has no NUL; a satisfiable range
 * lies inside the file; each parser's result is one it documents.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http_parse.h"
#include "fuzz.h"

#define TEXT_MAX 4096

static void
check_path(const char *url)
{
	char out[256], small[8];
	const char *p;
	int ret;

	ret = rb_http_url_to_path(url, out, sizeof(out));
	CHECK(ret == 0 || ret == -EINVAL || ret == -ENAMETOOLONG);
	if (ret) {
		CHECK(out[0] == '\0');
	} else {
		CHECK(strlen(out) < sizeof(out));
		CHECK(out[0] != '/' && !strstr(out, "//") && !strchr(out, '\\'));
		for (p = out; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
			CHECK(strncmp(p, "..", 2) != 0 || (p[2] != '/' && p[2] != '\0'));
	}
	/* a short buffer is refused or fits, never overrun */
	ret = rb_http_url_to_path(url, small, sizeof(small));
	CHECK(ret == 0 ? strlen(small) < sizeof(small) : small[0] == '\0');
}

static void
check_unescape(const char *in, size_t n)
{
	char out[TEXT_MAX + 1];
	int ret;

	ret = rb_http_unescape(in, n, out, sizeof(out));
	CHECK(ret == -EINVAL || (ret >= 0 && (size_t)ret <= n && strlen(out) == (size_t)ret));
	ret = rb_http_unescape(in, n, out, 4);
	CHECK(ret == -EINVAL || ret == -ENAMETOOLONG || (ret >= 0 && ret < 4));
}

static void
check_range(const char *value, uint64_t size)
{
	uint64_t first = 0, last = 0;
	int ret = rb_http_parse_range(value, size, &first, &last);

	CHECK(ret == 0 || ret == 1 || ret == -ERANGE);
	if (ret == 1)
		CHECK(size > 0 && first <= last && last < size);
}

static void
check_callback(char *text, size_t n, uint64_t bits)
{
	char msg[128] = "";
	bool ok = false;
	size_t half = n / 2;
	char save = text[half];
	int ret;

	text[half] = '\0';
	ret = rb_http_cb_args(bits & 1 ? NULL : text, bits & 2 ? NULL : text + half + 1, &ok, msg,
			      sizeof(msg));
	text[half] = save;
	CHECK(ret == 0 || (ret == -EINVAL && msg[0]));
	(void)rb_http_cb_token_ok(text);
	CHECK(rb_http_content_type(text) != NULL);
}

static void
check_address(const uint8_t *b, uint64_t bits)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	uint32_t ip;

	memset(&ss, 0, sizeof(ss));
	if (bits & 4) {
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, b, 8);
		/* often v4-mapped, sometimes ::1 */
		if (bits & 8)
			memcpy(&in6->sin6_addr.s6_addr[8], "\0\0\xff\xff", 4);
		memcpy(&in6->sin6_addr.s6_addr[12], b + 4, 4);
	} else {
		in4->sin_family = AF_INET;
		memcpy(&in4->sin_addr, b, 4);
	}
	ip = rb_http_client_ipv4((struct sockaddr *)&ss);
	if (rb_http_client_loopback((struct sockaddr *)&ss) && ip)
		CHECK((ntohl(ip) >> 24) == 127);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[TEXT_MAX + 2];
	char date[64];
	uint64_t bits = 0;
	size_t i, n;

	if (size < 8)
		return 0;
	for (i = 0; i < 8; i++)
		bits = bits << 8 | data[i];
	n = size - 8 > TEXT_MAX ? TEXT_MAX : size - 8;
	memcpy(text, data + 8, n);
	text[n] = '\0';
	text[n + 1] = '\0';
	n = strlen(text);

	check_path(text);
	check_unescape(text, n);
	check_range(text, bits);
	check_range(text, bits & 0xffff);
	check_callback(text, n, bits);
	check_address(data, bits);
	rb_http_date((time_t)bits, date, sizeof(date));
	CHECK(strlen(date) < sizeof(date));
	return 0;
}
