/* SPDX-License-Identifier: BSD-3-Clause */
/* util/hex: digits, octet strings with separators, formatting, UUIDs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"

static void
test_digit(void **state)
{
	(void)state;
	assert_int_equal(rb_hex_digit('0'), 0);
	assert_int_equal(rb_hex_digit('9'), 9);
	assert_int_equal(rb_hex_digit('a'), 10);
	assert_int_equal(rb_hex_digit('F'), 15);
	assert_int_equal(rb_hex_digit('g'), -1);
	assert_int_equal(rb_hex_digit('G'), -1);
	assert_int_equal(rb_hex_digit('/'), -1);
	assert_int_equal(rb_hex_digit(':'), -1);
	assert_int_equal(rb_hex_digit('@'), -1);
	assert_int_equal(rb_hex_digit('`'), -1);
	assert_int_equal(rb_hex_digit('\0'), -1);
	assert_int_equal(rb_hex_digit(0xc1), -1); /* 'A' | 0x80 */
}

static void
test_octets(void **state)
{
	uint8_t out[8];

	(void)state;
	memset(out, 0, sizeof(out));
	assert_int_equal(rb_hex_octets("52:54:00:12:34:5f", ":-", out, 6), 6);
	assert_memory_equal(out, "\x52\x54\x00\x12\x34\x5f", 6);
	assert_int_equal(rb_hex_octets("52-54-00-AB-cd-EF", ":-", out, 6), 6);
	assert_memory_equal(out, "\x52\x54\x00\xab\xcd\xef", 6);
	assert_int_equal(rb_hex_octets("01", ":", out, 8), 1);
	assert_int_equal(out[0], 1);
	/* Octets are always separated: no separators allowed, one octet. */
	assert_int_equal(rb_hex_octets("0a", NULL, out, 8), 1);
	assert_int_equal(out[0], 0x0a);
	assert_int_equal(rb_hex_octets("0a0b", NULL, out, 8), -EINVAL);
	assert_int_equal(rb_hex_octets("0a:0b", "", out, 8), -EINVAL);

	/* The first separator holds for the rest. */
	assert_int_equal(rb_hex_octets("52:54-00", ":-", out, 8), -EINVAL);
	assert_int_equal(rb_hex_octets("52.54", ":-", out, 8), -EINVAL);
	assert_int_equal(rb_hex_octets("5254", ":-", out, 8), -EINVAL);
	/* Malformed octets, empty input, trailing separator. */
	assert_int_equal(rb_hex_octets("", ":", out, 8), -EINVAL);
	assert_int_equal(rb_hex_octets("5", ":", out, 8), -EINVAL);
	assert_int_equal(rb_hex_octets("5:4", ":", out, 8), -EINVAL);
	assert_int_equal(rb_hex_octets("52:", ":", out, 8), -EINVAL);
	assert_int_equal(rb_hex_octets("5g", ":", out, 8), -EINVAL);
	assert_int_equal(rb_hex_octets("+1", ":", out, 8), -EINVAL);
	/* More than max. */
	assert_int_equal(rb_hex_octets("01:02:03", ":", out, 2), -E2BIG);
	assert_int_equal(rb_hex_octets("01:02", ":", out, 2), 2);
	assert_int_equal(rb_hex_octets("01", ":", out, 0), -E2BIG);
}

static void
test_format(void **state)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
	char buf[3 * 6];

	(void)state;
	assert_int_equal(rb_hex_format(buf, mac, 6, ':'), 17);
	assert_string_equal(buf, "52:54:00:ab:cd:ef");
	assert_int_equal(rb_hex_format(buf, mac, 6, 0), 12);
	assert_string_equal(buf, "525400abcdef");
	assert_int_equal(rb_hex_format(buf, mac, 1, '-'), 2);
	assert_string_equal(buf, "52");
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(rb_hex_format(buf, mac, 0, ':'), 0);
	assert_string_equal(buf, "");
}

static void
test_uuid(void **state)
{
	static const uint8_t want[16] = {0x4c, 0x4c, 0x45, 0x44, 0x00, 0x42, 0x35, 0x10,
					 0x80, 0x50, 0xb4, 0xc0, 0x4f, 0x4b, 0x4c, 0x31};
	uint8_t out[16];

	(void)state;
	memset(out, 0, sizeof(out));
	assert_int_equal(rb_uuid_parse("4c4c4544-0042-3510-8050-b4c04f4b4c31", out), 0);
	assert_memory_equal(out, want, 16);
	memset(out, 0, sizeof(out));
	assert_int_equal(rb_uuid_parse("4C4C4544-0042-3510-8050-B4C04F4B4C31", out), 0);
	assert_memory_equal(out, want, 16);
	/* The groups are 8-4-4-4-12 digits, nothing before or after. */
	assert_int_equal(rb_uuid_parse("", out), -EINVAL);
	assert_int_equal(rb_uuid_parse("4c4c4544", out), -EINVAL);
	assert_int_equal(rb_uuid_parse("4c4c45440042351080501b4c04f4b4c31", out), -EINVAL);
	assert_int_equal(rb_uuid_parse("4c4c4544-0042-3510-8050-b4c04f4b4c3", out), -EINVAL);
	assert_int_equal(rb_uuid_parse("4c4c4544-0042-3510-8050-b4c04f4b4c311", out), -EINVAL);
	assert_int_equal(rb_uuid_parse("4c4c4544-0042-3510-8050-b4c04f4b4c31-", out), -EINVAL);
	assert_int_equal(rb_uuid_parse(" 4c4c4544-0042-3510-8050-b4c04f4b4c31", out), -EINVAL);
	assert_int_equal(rb_uuid_parse("4c4c454-40042-3510-8050-b4c04f4b4c31", out), -EINVAL);
	assert_int_equal(rb_uuid_parse("4c4c4544:0042:3510:8050:b4c04f4b4c31", out), -EINVAL);
	assert_int_equal(rb_uuid_parse("4c4c4544-0042-3510-8050-b4c04f4b4cg1", out), -EINVAL);
	assert_int_equal(rb_uuid_parse("{4c4c4544-0042-3510-8050-b4c04f4b4c31}", out), -EINVAL);
	{
		char text[RB_UUID_STRLEN];

		assert_string_equal(rb_uuid_format(text, want),
				    "4c4c4544-0042-3510-8050-b4c04f4b4c31");
	}
}

/* What one writes, the other reads back. */
static void
test_round_trip(void **state)
{
	uint8_t in[16], out[16];
	char text[3 * 16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	rb_hex_format(text, in, sizeof(in), ':');
	assert_int_equal(rb_hex_octets(text, ":", out, sizeof(out)), (int)sizeof(in));
	assert_memory_equal(in, out, sizeof(in));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_digit),      cmocka_unit_test(test_octets),
	    cmocka_unit_test(test_format),     cmocka_unit_test(test_uuid),
	    cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
