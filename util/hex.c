/* SPDX-License-Identifier: BSD-3-Clause */
/* hex.c: see hex.h. */
#include <errno.h>
#include <string.h>

#include "hex.h"

int
rb_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
rb_hex_octets(const char *s, const char *seps, uint8_t *out, size_t max)
{
	size_t n = 0;
	char sep = 0;
	int hi, lo;

	for (;;) {
		hi = rb_hex_digit((unsigned char)s[0]);
		lo = hi < 0 ? -1 : rb_hex_digit((unsigned char)s[1]);
		if (lo < 0)
			return -EINVAL;
		if (n == max)
			return -E2BIG;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (!*s)
			return (int)n;
		/* The first separator fixes the one every later octet must use. */
		if (!sep && seps && strchr(seps, *s))
			sep = *s;
		if (!sep || *s++ != sep)
			return -EINVAL;
	}
}

size_t
rb_hex_format(char *out, const uint8_t *p, size_t n, char sep)
{
	static const char digits[] = "0123456789abcdef";
	char *o = out;
	size_t i;

	for (i = 0; i < n; i++) {
		if (sep && i)
			*o++ = sep;
		*o++ = digits[p[i] >> 4];
		*o++ = digits[p[i] & 15];
	}
	*o = '\0';
	return (size_t)(o - out);
}

int
rb_uuid_parse(const char *s, uint8_t out[16])
{
	static const int groups[] = {8, 4, 4, 4, 12};
	size_t k = 0;

	for (size_t g = 0; g < 5; g++) {
		for (int i = 0; i < groups[g]; i += 2) {
			int hi = rb_hex_digit((unsigned char)s[0]);
			int lo = hi < 0 ? -1 : rb_hex_digit((unsigned char)s[1]);

			if (lo < 0)
				return -EINVAL;
			out[k++] = (uint8_t)(hi << 4 | lo);
			s += 2;
		}
		if (g < 4 && *s++ != '-')
			return -EINVAL;
	}
	return *s ? -EINVAL : 0;
}

char *
rb_uuid_format(char out[RB_UUID_STRLEN], const uint8_t uuid[16])
{
	static const int groups[] = {4, 2, 2, 2, 6};
	char *o = out;

	for (size_t g = 0, k = 0; g < 5; g++) {
		o += rb_hex_format(o, uuid + k, (size_t)groups[g], 0);
		k += (size_t)groups[g];
		if (g < 4)
			*o++ = '-';
	}
	*o = 0;
	return out;
}
