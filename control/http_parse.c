/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http_parse.c: the pure parts of reading an HTTP request (http_parse.h):
 * no sockets, no libmicrohttpd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <netinet/in.h>

#include "fs_beneath.h"
#include "hex.h"
#include "http_parse.h"

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Reads decimal digits at *pp into *v: 1 on success (advancing *pp),
 * 0 if there are none, -ERANGE on overflow. */
static int
parse_u64(const char **pp, uint64_t *v)
{
	char *end;

	/* strtoull() alone would also take blanks and signs. */
	if (**pp < '0' || **pp > '9')
		return 0;
	errno = 0;
	*v = strtoull(*pp, &end, 10);
	*pp = end;
	return errno == ERANGE ? -ERANGE : 1;
}

int
rb_http_parse_range(const char *value, uint64_t size, uint64_t *first, uint64_t *last)
{
	const char *p;
	uint64_t a = 0, b = 0;
	int ra, rb;

	if (!value || strncasecmp(value, "bytes", 5) != 0)
		return 0;
	p = skip_ws(value + 5);
	if (*p++ != '=' || strchr(p, ','))
		return 0;
	/* Blanks around the numbers are tolerated, as nginx does. */
	p = skip_ws(p);
	ra = parse_u64(&p, &a);
	p = skip_ws(p);
	if (ra < 0 || *p++ != '-')
		return 0;
	p = skip_ws(p);
	rb = parse_u64(&p, &b);
	p = skip_ws(p);
	if (rb < 0 || *p != '\0')
		return 0;

	if (!ra) {
		/* "-", or a suffix of an empty file: that is the whole file */
		if (!rb || (b && size == 0))
			return 0;
		if (b == 0)
			return -ERANGE;
		*first = b < size ? size - b : 0;
		*last = size - 1;
		return 1;
	}
	if (rb && b < a)
		return 0;
	if (a >= size)
		return -ERANGE;
	*first = a;
	*last = (!rb || b >= size) ? size - 1 : b;
	return 1;
}

int
rb_http_unescape(const char *in, size_t n, char *out, size_t cap)
{
	size_t len = 0, i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (len + 1 >= cap)
			return -ENAMETOOLONG;
		if (in[i] != '%') {
			out[len++] = in[i];
			continue;
		}
		hi = i + 1 < n ? rb_hex_digit((unsigned char)in[i + 1]) : -1;
		lo = hi < 0 || i + 2 >= n ? -1 : rb_hex_digit((unsigned char)in[i + 2]);
		if (lo < 0 || (hi | lo) == 0)
			return -EINVAL; /* a C string would end at an encoded NUL */
		out[len++] = (char)(hi << 4 | lo);
		i += 2;
	}
	if (cap)
		out[len] = '\0';
	return cap ? (int)len : -ENAMETOOLONG;
}

int
rb_http_url_to_path(const char *url, char *out, size_t cap)
{
	size_t n = strcspn(url, "?");
	char *dec;
	int ret;

	/* Decoded first, then normalised, so an encoded '/' separates and an
	 * encoded ".." is refused like a plain one. */
	dec = malloc(n + 1);
	if (!dec)
		return -ENOMEM;
	ret = rb_http_unescape(url, n, dec, n + 1);
	if (ret >= 0)
		ret = rb_path_normalize(dec, (size_t)ret, out, cap, 0);
	if (ret > 0)
		ret = 0;
	if (ret && cap)
		out[0] = '\0';
	free(dec);
	return ret;
}

int
rb_http_cb_args(const char *status, const char *reason, bool *ok, char *msg, size_t cap)
{
	const char *p;

	if (!status || !strcmp(status, "ok")) {
		*ok = true;
	} else if (!strcmp(status, "failed")) {
		*ok = false;
	} else {
		snprintf(msg, cap, "status must be ok or failed");
		return -EINVAL;
	}
	if (!reason)
		return 0;
	if (strlen(reason) > RB_CB_REASON_MAX) {
		snprintf(msg, cap, "reason is longer than %d bytes", RB_CB_REASON_MAX);
		return -EINVAL;
	}
	for (p = reason; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(msg, cap, "reason holds a control character");
			return -EINVAL;
		}
	return 0;
}

bool
rb_http_cb_token_ok(const char *token)
{
	size_t n =
	    strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~");

	return n > 0 && n <= RB_CB_TOKEN_MAX && token[n] == '\0';
}

uint32_t
rb_http_client_ipv4(const struct sockaddr *sa)
{
	const struct in6_addr *a6;
	uint32_t ip = 0;

	if (sa && sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr;
	if (!sa || sa->sa_family != AF_INET6)
		return 0;
	/* A dual-stack socket hands IPv4 clients over as ::ffff:a.b.c.d. */
	a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a6))
		memcpy(&ip, &a6->s6_addr[12], 4);
	return ip;
}

bool
rb_http_client_loopback(const struct sockaddr *sa)
{
	uint32_t ip = rb_http_client_ipv4(sa);

	if (ip)
		return (ntohl(ip) >> 24) == 127;
	return sa && sa->sa_family == AF_INET6 &&
	       IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
}

void
rb_http_date(time_t t, char *out, size_t cap)
{
	/* Not strftime(): %a and %b follow the locale. */
	static const char wday[] = "SunMonTueWedThuFriSat",
			  mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		gmtime_r(&(time_t){0}, &tm);
	snprintf(out, cap, "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT", wday + 3 * tm.tm_wday,
		 tm.tm_mday, mon + 3 * tm.tm_mon, tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

const char *
rb_http_content_type(const char *path)
{
	static const char *const types[][2] = {
	    {"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
	    {"txt", "text/plain; charset=utf-8"}, {"cfg", "text/plain; charset=utf-8"},
	    {"ks", "text/plain; charset=utf-8"},  {"xml", "application/xml"},
	    {"json", "application/json"},	  {"iso", "application/octet-stream"},
	    {"rpm", "application/x-rpm"},	  {"deb", "application/vnd.debian.binary-package"},
	    {"gz", "application/gzip"},		  {"xz", "application/x-xz"},
	    {"img", "application/octet-stream"},
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot && !strchr(dot, '/'))
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot + 1, types[i][0]) == 0)
				return types[i][1];
	return "application/octet-stream";
}
