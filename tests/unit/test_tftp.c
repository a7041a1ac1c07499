/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte-level vectors for the TFTP codec (proto/tftp.c): requests as real
 * clients send them, every parse error, option values at and past their
 * limits, the lenient corners (trailing bytes, duplicates, unknown options),
 * transfer packets, every builder, blksize clamping and block rollover.
 *
 * Packets are written as string literals. A literal stops at "\0" only for
 * C strings, not for sizeof, so sizeof(lit) - 1 is the packet length; a digit
 * after "\0" would extend the octal escape, hence the "\0" "1468" splits.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tftp.h"

#define LIT(s) (const uint8_t *)(s), (sizeof(s) - 1)

static struct tftp_req r;
static struct tftp_pkt p;

static int
req(const uint8_t *buf, size_t len)
{
	return tftp_parse_request(buf, len, &r);
}

static int
pkt(const uint8_t *buf, size_t len)
{
	return tftp_parse(buf, len, &p);
}

/* One RRQ for "f" in octet mode carrying a single option. */
static int
one_opt(uint16_t opcode, const char *name, const char *value)
{
	uint8_t b[600];
	size_t n = 0, l;

	b[n++] = 0;
	b[n++] = (uint8_t)opcode;
	memcpy(b + n, "f\0octet", 8);
	n += 8;
	l = strlen(name) + 1;
	memcpy(b + n, name, l);
	n += l;
	l = strlen(value) + 1;
	memcpy(b + n, value, l);
	n += l;
	return req(b, n);
}

/* The option was accepted: in mask, not bad, no flag. */
static void
accepted(uint8_t bit)
{
	assert_int_equal(r.opts.mask, bit);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.flags, 0);
}

/* The option was refused for its value: not in mask, bad, flagged. */
static void
refused(uint8_t bit)
{
	assert_int_equal(r.opts.mask, 0);
	assert_int_equal(r.bad, bit);
	assert_int_equal(r.flags, TFTP_F_BAD_VALUE);
}

/* --- requests as clients send them --------------------------------------- */

static void
test_rrq_pxelinux(void **state)
{
	(void)state;
	assert_int_equal(req(LIT("\0\1pxelinux.0\0octet\0tsize\0"
				 "0\0blksize\0"
				 "1468\0")),
			 TFTP_OK);
	assert_int_equal(r.opcode, TFTP_RRQ);
	assert_string_equal(r.filename, "pxelinux.0");
	assert_int_equal(r.filename_len, 10);
	assert_int_equal(r.mode, TFTP_MODE_OCTET);
	assert_int_equal(r.opts.mask, TFTP_OPT_TSIZE | TFTP_OPT_BLKSIZE);
	assert_int_equal(r.opts.tsize, 0);
	assert_int_equal(r.opts.blksize, 1468);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.flags, 0);
}

static void
test_rrq_ipxe(void **state)
{
	(void)state;
	assert_int_equal(req(LIT("\0\1/boot/undionly.kpxe\0octet\0blksize\0"
				 "1432\0tsize\0"
				 "0\0")),
			 TFTP_OK);
	assert_string_equal(r.filename, "/boot/undionly.kpxe");
	assert_int_equal(r.opts.mask, TFTP_OPT_TSIZE | TFTP_OPT_BLKSIZE);
	assert_int_equal(r.opts.blksize, 1432);
	assert_int_equal(r.flags, 0);
}

static void
test_rrq_curl(void **state)
{
	(void)state;
	assert_int_equal(req(LIT("\0\1images/vmlinuz\0octet\0tsize\0"
				 "0\0blksize\0"
				 "512\0"
				 "timeout\0"
				 "6\0")),
			 TFTP_OK);
	assert_int_equal(r.opts.mask, TFTP_OPT_TSIZE | TFTP_OPT_BLKSIZE | TFTP_OPT_TIMEOUT);
	assert_int_equal(r.opts.blksize, 512);
	assert_int_equal(r.opts.timeout, 6);
}

static void
test_rrq_atftp_windowsize(void **state)
{
	(void)state;
	assert_int_equal(req(LIT("\0\1grubx64.efi\0octet\0blksize\0"
				 "1428\0windowsize\0"
				 "16\0"
				 "tsize\0"
				 "0\0")),
			 TFTP_OK);
	assert_int_equal(r.opts.mask, TFTP_OPT_BLKSIZE | TFTP_OPT_WINDOWSIZE | TFTP_OPT_TSIZE);
	assert_int_equal(r.opts.windowsize, 16);
	assert_int_equal(r.opts.blksize, 1428);
}

static void
test_rrq_modes(void **state)
{
	(void)state;
	assert_int_equal(req(LIT("\0\1f\0netascii\0")), TFTP_OK);
	assert_int_equal(r.mode, TFTP_MODE_NETASCII);
	assert_int_equal(r.opts.mask, 0);
	assert_int_equal(r.flags, 0);
	assert_int_equal(req(LIT("\0\1f\0mail\0")), TFTP_OK);
	assert_int_equal(r.mode, TFTP_MODE_MAIL);
	assert_int_equal(req(LIT("\0\1f\0OCTET\0")), TFTP_OK);
	assert_int_equal(r.mode, TFTP_MODE_OCTET);
	assert_int_equal(req(LIT("\0\1f\0NetAscii\0")), TFTP_OK);
	assert_int_equal(r.mode, TFTP_MODE_NETASCII);
}

static void
test_wrq(void **state)
{
	(void)state;
	assert_int_equal(req(LIT("\0\2upload.bin\0octet\0tsize\0"
				 "1048576\0")),
			 TFTP_OK);
	assert_int_equal(r.opcode, TFTP_WRQ);
	assert_int_equal(r.opts.mask, TFTP_OPT_TSIZE);
	assert_int_equal(r.opts.tsize, 1048576);
}

/* The filename is copied: the packet can go as soon as the parser returns. */
static void
test_req_owns_filename(void **state)
{
	uint8_t b[] = "\0\1pxelinux.cfg/default\0octet\0";

	(void)state;
	assert_int_equal(req(b, sizeof(b) - 1), TFTP_OK);
	memset(b, 'X', sizeof(b));
	assert_string_equal(r.filename, "pxelinux.cfg/default");
}

/* --- request errors ------------------------------------------------------ */

static void
test_req_short(void **state)
{
	(void)state;
	assert_int_equal(req((const uint8_t *)"", 0), TFTP_E_SHORT);
	assert_int_equal(req(LIT("\0")), TFTP_E_SHORT);
	assert_int_equal(req(LIT("\0\1")), TFTP_E_SHORT);
	assert_int_equal(r.opcode, TFTP_RRQ);
	/* filename but no mode at all */
	assert_int_equal(req(LIT("\0\1pxelinux.0\0")), TFTP_E_SHORT);
}

static void
test_req_bad_opcode(void **state)
{
	(void)state;
	assert_int_equal(req(LIT("\0\0f\0octet\0")), TFTP_E_BAD_OPCODE);
	assert_int_equal(req(LIT("\0\3f\0octet\0")), TFTP_E_BAD_OPCODE);
	assert_int_equal(r.opcode, TFTP_DATA);
	assert_int_equal(req(LIT("\0\7f\0octet\0")), TFTP_E_BAD_OPCODE);
	assert_int_equal(req(LIT("\1\1f\0octet\0")), TFTP_E_BAD_OPCODE);
	/* checked before the length of what follows */
	assert_int_equal(req(LIT("\0\4")), TFTP_E_BAD_OPCODE);
}

static void
test_req_unterminated(void **state)
{
	(void)state;
	assert_int_equal(req(LIT("\0\1pxelinux.0")), TFTP_E_UNTERMINATED);
	assert_int_equal(req(LIT("\0\1pxelinux.0\0oct")), TFTP_E_UNTERMINATED);
	assert_int_equal(req(LIT("\0\1pxelinux.0\0octet\0blksize")), TFTP_E_UNTERMINATED);
	assert_int_equal(req(LIT("\0\1pxelinux.0\0octet\0blksize\0"
				 "14")),
			 TFTP_E_UNTERMINATED);
	/* junk after padding still has to end in a NUL */
	assert_int_equal(req(LIT("\0\1f\0octet\0\0junk")), TFTP_E_UNTERMINATED);
}

static void
test_req_filename_length(void **state)
{
	uint8_t b[2 + 256 + 1 + 6];
	size_t n;

	(void)state;
	assert_int_equal(req(LIT("\0\1\0octet\0")), TFTP_E_BAD_FILENAME);

	/* 255 bytes: the longest taken */
	b[0] = 0;
	b[1] = TFTP_RRQ;
	memset(b + 2, 'a', 255);
	memcpy(b + 2 + 255, "\0octet", 7);
	n = 2 + 255 + 7;
	assert_int_equal(req(b, n), TFTP_OK);
	assert_int_equal(r.filename_len, 255);
	assert_int_equal(strlen(r.filename), 255);
	assert_int_equal(r.filename[254], 'a');

	/* 256 bytes: one too many */
	memset(b + 2, 'a', 256);
	memcpy(b + 2 + 256, "\0octet", 7);
	n = 2 + 256 + 7;
	assert_int_equal(req(b, n), TFTP_E_BAD_FILENAME);
}

static void
test_req_bad_mode(void **state)
{
	(void)state;
	assert_int_equal(req(LIT("\0\1f\0binary\0")), TFTP_E_BAD_MODE);
	assert_int_equal(req(LIT("\0\1f\0octets\0")), TFTP_E_BAD_MODE);
	assert_int_equal(req(LIT("\0\1f\0octe\0")), TFTP_E_BAD_MODE);
	assert_int_equal(req(LIT("\0\1f\0octet \0")), TFTP_E_BAD_MODE);
	assert_int_equal(req(LIT("\0\1f\0\0")), TFTP_E_BAD_MODE);
	assert_int_equal(r.opcode, TFTP_RRQ);
	assert_string_equal(r.filename, "f");
}

/* --- option values -------------------------------------------------------- */

/* One option value sent alone, and whether it is taken. */
struct opt_case {
	uint16_t opcode;
	const char *value;
	bool ok;
};

/* The parsed value of the option bit names. */
static uint64_t
opt_value(uint8_t bit)
{
	switch (bit) {
	case TFTP_OPT_BLKSIZE:
		return r.opts.blksize;
	case TFTP_OPT_TIMEOUT:
		return r.opts.timeout;
	case TFTP_OPT_TSIZE:
		return r.opts.tsize;
	case TFTP_OPT_WINDOWSIZE:
		return r.opts.windowsize;
	}
	fail_msg("no value for option bit %u", bit);
	return 0;
}

/* Each case parses; a value taken is in the options as sent (decimal), one
 * refused is flagged. */
static void
check_opt(const char *name, uint8_t bit, const struct opt_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		print_message("%s %s %s\n", c[i].opcode == TFTP_RRQ ? "RRQ" : "WRQ", name,
			      c[i].value);
		assert_int_equal(one_opt(c[i].opcode, name, c[i].value), TFTP_OK);
		if (c[i].ok) {
			accepted(bit);
			assert_int_equal(opt_value(bit), strtoull(c[i].value, NULL, 10));
		} else {
			refused(bit);
		}
	}
}

#define CHECK_OPT(name, bit, t) check_opt(name, bit, t, sizeof(t) / sizeof(t[0]))

static void
test_opt_blksize(void **state)
{
	static const struct opt_case c[] = {
	    {TFTP_RRQ, "7", false},	{TFTP_RRQ, "8", true},	{TFTP_RRQ, "65464", true},
	    {TFTP_RRQ, "65465", false}, {TFTP_RRQ, "0", false},
	};

	(void)state;
	CHECK_OPT("blksize", TFTP_OPT_BLKSIZE, c);
}

static void
test_opt_timeout(void **state)
{
	static const struct opt_case c[] = {
	    {TFTP_RRQ, "0", false},
	    {TFTP_RRQ, "1", true},
	    {TFTP_RRQ, "255", true},
	    {TFTP_RRQ, "256", false},
	};

	(void)state;
	CHECK_OPT("timeout", TFTP_OPT_TIMEOUT, c);
}

static void
test_opt_tsize(void **state)
{
	static const struct opt_case c[] = {
	    {TFTP_RRQ, "0", true},
	    {TFTP_RRQ, "000", true},
	    /* an RRQ asks for the size: anything but 0 is a bad request */
	    {TFTP_RRQ, "5", false},
	    {TFTP_WRQ, "18446744073709551616", false},
	    {TFTP_WRQ, "99999999999999999999", false},
	    {TFTP_WRQ, "184467440737095516150", false},
	    {TFTP_RRQ, "99999999999999999999", false},
	};

	(void)state;
	CHECK_OPT("tsize", TFTP_OPT_TSIZE, c);
}

static void
test_opt_windowsize(void **state)
{
	static const struct opt_case c[] = {
	    {TFTP_RRQ, "0", false},
	    {TFTP_RRQ, "1", true},
	    {TFTP_RRQ, "65535", true},
	    {TFTP_RRQ, "65536", false},
	};

	(void)state;
	CHECK_OPT("windowsize", TFTP_OPT_WINDOWSIZE, c);
}

/* Strict decimal: no sign, space, base prefix or empty value. */
static void
test_opt_malformed_values(void **state)
{
	static const char *const bad[] = {"+1468", "-1",   " 1468", "1468 ", "",
					  "0x10",  "14a8", "1e3",   "1,468", "\t8"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(one_opt(TFTP_RRQ, "blksize", bad[i]), TFTP_OK);
		refused(TFTP_OPT_BLKSIZE);
		assert_int_equal(one_opt(TFTP_RRQ, "timeout", bad[i]), TFTP_OK);
		refused(TFTP_OPT_TIMEOUT);
		assert_int_equal(one_opt(TFTP_RRQ, "windowsize", bad[i]), TFTP_OK);
		refused(TFTP_OPT_WINDOWSIZE);
		assert_int_equal(one_opt(TFTP_WRQ, "tsize", bad[i]), TFTP_OK);
		refused(TFTP_OPT_TSIZE);
	}
	assert_int_equal(one_opt(TFTP_RRQ, "blksize", "0001468"), TFTP_OK);
	accepted(TFTP_OPT_BLKSIZE);
	assert_int_equal(r.opts.blksize, 1468);
}

static void
test_opt_names_any_case(void **state)
{
	(void)state;
	assert_int_equal(req(LIT("\0\1f\0octet\0BLKSIZE\0"
				 "1468\0TSize\0"
				 "0\0TIMEOUT\0"
				 "5\0"
				 "WindowSize\0"
				 "4\0MULTICAST\0\0")),
			 TFTP_OK);
	assert_int_equal(r.opts.mask, TFTP_OPT_ALL);
	assert_int_equal(r.opts.blksize, 1468);
	assert_int_equal(r.opts.timeout, 5);
	assert_int_equal(r.opts.windowsize, 4);
	assert_int_equal(r.flags, 0);
}

static void
test_opt_duplicate(void **state)
{
	(void)state;
	/* the first wins */
	assert_int_equal(req(LIT("\0\1f\0octet\0blksize\0"
				 "1024\0BLKSIZE\0"
				 "512\0")),
			 TFTP_OK);
	assert_int_equal(r.opts.mask, TFTP_OPT_BLKSIZE);
	assert_int_equal(r.opts.blksize, 1024);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.flags, TFTP_F_DUP_OPT);
	/* even when the first is bad: a repeat does not get a second chance */
	assert_int_equal(req(LIT("\0\1f\0octet\0blksize\0"
				 "1\0blksize\0"
				 "512\0")),
			 TFTP_OK);
	assert_int_equal(r.opts.mask, 0);
	assert_int_equal(r.bad, TFTP_OPT_BLKSIZE);
	assert_int_equal(r.flags, TFTP_F_DUP_OPT | TFTP_F_BAD_VALUE);
}

static void
test_opt_unknown(void **state)
{
	(void)state;
	assert_int_equal(req(LIT("\0\1f\0octet\0rollover\0"
				 "0\0blksize2\0"
				 "9\0blksize\0"
				 "1468\0"
				 "utimeout\0"
				 "500\0")),
			 TFTP_OK);
	assert_int_equal(r.opts.mask, TFTP_OPT_BLKSIZE);
	assert_int_equal(r.opts.blksize, 1468);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.flags, TFTP_F_UNKNOWN_OPT);
	/* a prefix of a known name is not that name */
	assert_int_equal(one_opt(TFTP_RRQ, "blk", "1468"), TFTP_OK);
	assert_int_equal(r.opts.mask, 0);
	assert_int_equal(r.flags, TFTP_F_UNKNOWN_OPT);
}

static void
test_opt_multicast_request(void **state)
{
	(void)state;
	/* RFC 2090's own example: | multicast | 0 | 0 | */
	assert_int_equal(req(LIT("\0\1f\0octet\0multicast\0\0")), TFTP_OK);
	accepted(TFTP_OPT_MULTICAST);
	assert_int_equal(one_opt(TFTP_RRQ, "multicast", "1"), TFTP_OK);
	refused(TFTP_OPT_MULTICAST);
	assert_int_equal(one_opt(TFTP_RRQ, "multicast", "224.1.2.3,1758,1"), TFTP_OK);
	refused(TFTP_OPT_MULTICAST);
}

static void
test_req_trailing(void **state)
{
	(void)state;
	/* one NUL of padding */
	assert_int_equal(req(LIT("\0\1pxelinux.0\0octet\0tsize\0"
				 "0\0\0")),
			 TFTP_OK);
	assert_int_equal(r.opts.mask, TFTP_OPT_TSIZE);
	assert_int_equal(r.flags, TFTP_F_TRAILING);
	/* a run of NULs */
	assert_int_equal(req(LIT("\0\1f\0octet\0\0\0\0\0\0\0")), TFTP_OK);
	assert_int_equal(r.flags, TFTP_F_TRAILING);
	/* a name without a value */
	assert_int_equal(req(LIT("\0\1f\0octet\0blksize\0"
				 "1468\0tsize\0")),
			 TFTP_OK);
	assert_int_equal(r.opts.mask, TFTP_OPT_BLKSIZE);
	assert_int_equal(r.flags, TFTP_F_TRAILING);
	/* terminated junk after the padding: nothing after it is an option */
	assert_int_equal(req(LIT("\0\1f\0octet\0\0blksize\0"
				 "1468\0")),
			 TFTP_OK);
	assert_int_equal(r.opts.mask, 0);
	assert_int_equal(r.flags, TFTP_F_TRAILING);
}

/* --- transfer packets ------------------------------------------------------ */

static void
test_parse_ack(void **state)
{
	(void)state;
	assert_int_equal(pkt(LIT("\0\4\0\1")), TFTP_OK);
	assert_int_equal(p.opcode, TFTP_ACK);
	assert_int_equal(p.block, 1);
	assert_int_equal(p.flags, 0);
	assert_int_equal(pkt(LIT("\0\4\xff\xff")), TFTP_OK);
	assert_int_equal(p.block, 65535);
	assert_int_equal(pkt(LIT("\0\4\0\0")), TFTP_OK);
	assert_int_equal(p.block, 0);
	/* tolerated, flagged */
	assert_int_equal(pkt(LIT("\0\4\1\2\0")), TFTP_OK);
	assert_int_equal(p.block, 0x102);
	assert_int_equal(p.flags, TFTP_F_TRAILING);
	assert_int_equal(pkt(LIT("\0\4\0")), TFTP_E_SHORT);
	assert_int_equal(p.opcode, TFTP_ACK);
}

static void
test_parse_data(void **state)
{
	static const uint8_t d[] = "\0\3\x01\x02hello";

	(void)state;
	assert_int_equal(pkt(d, sizeof(d) - 1), TFTP_OK);
	assert_int_equal(p.opcode, TFTP_DATA);
	assert_int_equal(p.block, 0x102);
	assert_ptr_equal(p.data, d + 4);
	assert_int_equal(p.data_len, 5);
	/* an empty DATA ends a transfer whose size is a multiple of blksize */
	assert_int_equal(pkt(LIT("\0\3\0\7")), TFTP_OK);
	assert_int_equal(p.data_len, 0);
	assert_int_equal(pkt(LIT("\0\3\0")), TFTP_E_SHORT);
}

static void
test_parse_error(void **state)
{
	uint8_t b[4 + 300 + 1];

	(void)state;
	assert_int_equal(pkt(LIT("\0\5\0\1File not found\0")), TFTP_OK);
	assert_int_equal(p.opcode, TFTP_ERROR);
	assert_int_equal(p.code, TFTP_EC_NOT_FOUND);
	assert_string_equal(p.msg, "File not found");
	assert_int_equal(p.flags, 0);
	/* what iPXE sends when the user aborts, code outside 0..8 kept */
	assert_int_equal(pkt(LIT("\0\5\0\x63"
				 "abort\0")),
			 TFTP_OK);
	assert_int_equal(p.code, 99);
	assert_string_equal(p.msg, "abort");
	/* no NUL: taken to the end */
	assert_int_equal(pkt(LIT("\0\5\0\0oops")), TFTP_OK);
	assert_string_equal(p.msg, "oops");
	assert_int_equal(p.flags, TFTP_F_NO_NUL);
	assert_int_equal(pkt(LIT("\0\5\0\x08")), TFTP_OK);
	assert_int_equal(p.code, TFTP_EC_OPTION);
	assert_string_equal(p.msg, "");
	assert_int_equal(p.flags, TFTP_F_NO_NUL);
	/* bytes after the NUL */
	assert_int_equal(pkt(LIT("\0\5\0\2denied\0xx")), TFTP_OK);
	assert_string_equal(p.msg, "denied");
	assert_int_equal(p.flags, TFTP_F_TRAILING);
	/* control bytes never reach a log */
	assert_int_equal(pkt(LIT("\0\5\0\0a\nb\x1b[31m\xff\0")), TFTP_OK);
	assert_string_equal(p.msg, "a?b?[31m?");
	/* cut to 255 */
	memcpy(b, "\0\5\0\0", 4);
	memset(b + 4, 'm', 300);
	b[304] = 0;
	assert_int_equal(pkt(b, sizeof(b)), TFTP_OK);
	assert_int_equal(strlen(p.msg), TFTP_ERRMSG_MAX);
	assert_int_equal(p.flags, TFTP_F_MSG_TRUNC);
	assert_int_equal(pkt(LIT("\0\5\0")), TFTP_E_SHORT);
}

static void
test_parse_oack(void **state)
{
	static const uint8_t grp[4] = {224, 1, 2, 3};

	(void)state;
	assert_int_equal(pkt(LIT("\0\6blksize\0"
				 "1468\0tsize\0"
				 "123456\0")),
			 TFTP_OK);
	assert_int_equal(p.opcode, TFTP_OACK);
	assert_int_equal(p.opts.mask, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE);
	assert_int_equal(p.opts.blksize, 1468);
	assert_int_equal(p.opts.tsize, 123456);
	assert_int_equal(p.flags, 0);

	assert_int_equal(pkt(LIT("\0\6multicast\0"
				 "224.1.2.3,1758,1\0")),
			 TFTP_OK);
	assert_int_equal(p.opts.mask, TFTP_OPT_MULTICAST);
	assert_memory_equal(&p.opts.mc_addr, grp, 4);
	assert_int_equal(p.opts.mc_port, 1758);
	assert_int_equal(p.opts.mc_master, 1);
	/* later OACKs may leave addr and port empty (RFC 2090) */
	assert_int_equal(pkt(LIT("\0\6multicast\0,,0\0")), TFTP_OK);
	assert_int_equal(p.opts.mask, TFTP_OPT_MULTICAST);
	assert_int_equal(p.opts.mc_addr, 0);
	assert_int_equal(p.opts.mc_port, 0);
	assert_int_equal(p.opts.mc_master, 0);

	/* a bare OACK is well-formed */
	assert_int_equal(pkt(LIT("\0\6")), TFTP_OK);
	assert_int_equal(p.opts.mask, 0);
	assert_int_equal(pkt(LIT("\0\6blksize\0"
				 "1468")),
			 TFTP_E_UNTERMINATED);
	assert_int_equal(pkt(LIT("\0")), TFTP_E_SHORT);
}

static void
test_parse_oack_bad_multicast(void **state)
{
	static const char *const bad[] = {
	    "",
	    "1",
	    "224.1.2.3,1758",
	    "224.1.2.3,1758,2",
	    "224.1.2,1758,1",
	    "224.1.2.3,0,1",
	    "256.1.2.3,1758,1",
	    "1.2.3.4.5,1758,1",
	    "0224.1.2.3,1,1",
	    "1.2.3.4,1,1,",
	    "1.2.3.4,65536,1",
	    "1.2..4,1,1",
	    "1.2.3.4,+1,1",
	    "1.2.3.4, 1,1",
	    "1.2.3.,1,1",
	    "a.b.c.d,1,1",
	};
	uint8_t b[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(b, "\0\6multicast", 12);
		n = strlen(bad[i]) + 1;
		memcpy(b + 12, bad[i], n);
		assert_int_equal(pkt(b, 12 + n), TFTP_OK);
		assert_int_equal(p.opts.mask, 0);
		assert_int_equal(p.bad, TFTP_OPT_MULTICAST);
		assert_int_equal(p.flags, TFTP_F_BAD_VALUE);
	}
	/* the OACK's tsize is the file size, not 0 */
	assert_int_equal(pkt(LIT("\0\6tsize\0"
				 "18446744073709551615\0")),
			 TFTP_OK);
	assert_true(p.opts.tsize == UINT64_MAX);
}

static void
test_parse_bad_opcode(void **state)
{
	(void)state;
	/* requests belong to tftp_parse_request() */
	assert_int_equal(pkt(LIT("\0\1f\0octet\0")), TFTP_E_BAD_OPCODE);
	assert_int_equal(p.opcode, TFTP_RRQ);
	assert_int_equal(pkt(LIT("\0\2f\0octet\0")), TFTP_E_BAD_OPCODE);
	assert_int_equal(pkt(LIT("\0\0\0\0")), TFTP_E_BAD_OPCODE);
	assert_int_equal(pkt(LIT("\0\7\0\0")), TFTP_E_BAD_OPCODE);
	assert_int_equal(pkt(LIT("\xff\x04\0\0")), TFTP_E_BAD_OPCODE);
	assert_int_equal(pkt((const uint8_t *)"", 0), TFTP_E_SHORT);
}

/* --- builders --------------------------------------------------------------- */

static void
test_build_data(void **state)
{
	uint8_t b[16];

	(void)state;
	assert_int_equal(tftp_build_data_hdr(b, sizeof(b), 0x1234), 4);
	assert_memory_equal(b, "\0\3\x12\x34", 4);
	assert_int_equal(tftp_build_data_hdr(b, 3, 1), -ENOSPC);

	assert_int_equal(tftp_build_data(b, sizeof(b), 65535, "abcdef", 6), 10);
	assert_memory_equal(b,
			    "\0\3\xff\xff"
			    "abcdef",
			    10);
	assert_int_equal(tftp_build_data(b, 10, 1, "abcdef", 6), 10);
	assert_int_equal(tftp_build_data(b, 9, 1, "abcdef", 6), -ENOSPC);
	assert_int_equal(tftp_build_data(b, sizeof(b), 7, NULL, 0), 4);
	assert_memory_equal(b, "\0\3\0\7", 4);
	assert_int_equal(tftp_build_data(b, 3, 7, NULL, 0), -ENOSPC);
}

static void
test_build_ack(void **state)
{
	uint8_t b[4];

	(void)state;
	assert_int_equal(tftp_build_ack(b, sizeof(b), 0), 4);
	assert_memory_equal(b, "\0\4\0\0", 4);
	assert_int_equal(tftp_build_ack(b, sizeof(b), 513), 4);
	assert_memory_equal(b, "\0\4\x02\x01", 4);
	assert_int_equal(tftp_build_ack(b, 3, 0), -ENOSPC);
}

static void
test_build_error(void **state)
{
	uint8_t b[64];

	(void)state;
	assert_int_equal(tftp_build_error(b, sizeof(b), TFTP_EC_NOT_FOUND, "File not found"), 19);
	assert_memory_equal(b, "\0\5\0\1File not found\0", 19);
	assert_int_equal(tftp_build_error(b, sizeof(b), TFTP_EC_OPTION, NULL), 5);
	assert_memory_equal(b, "\0\5\0\x08\0", 5);
	/* cut to fit, still NUL-terminated */
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(tftp_build_error(b, 10, TFTP_EC_ACCESS, "Access violation"), 10);
	assert_memory_equal(b, "\0\5\0\2Acces\0", 10);
	assert_int_equal(b[10], 0xaa);
	assert_int_equal(tftp_build_error(b, 5, TFTP_EC_ACCESS, "Access violation"), 5);
	assert_memory_equal(b, "\0\5\0\2\0", 5);
	assert_int_equal(tftp_build_error(b, 4, TFTP_EC_ACCESS, "x"), -ENOSPC);
	/* and it parses back */
	assert_int_equal(tftp_build_error(b, sizeof(b), TFTP_EC_DISK_FULL, "full"), 9);
	assert_int_equal(pkt(b, 9), TFTP_OK);
	assert_int_equal(p.code, TFTP_EC_DISK_FULL);
	assert_string_equal(p.msg, "full");
	assert_int_equal(p.flags, 0);
}

static void
test_build_oack(void **state)
{
	static const uint8_t all[] = "\0\6blksize\0"
				     "65464\0tsize\0"
				     "18446744073709551615\0"
				     "timeout\0"
				     "255\0windowsize\0"
				     "65535\0"
				     "multicast\0"
				     "255.255.255.255,65535,1\0";
	struct tftp_opts o = {
	    .mask = TFTP_OPT_ALL,
	    .blksize = 65464,
	    .tsize = UINT64_MAX,
	    .timeout = 255,
	    .windowsize = 65535,
	    .mc_addr = 0xffffffffu,
	    .mc_port = 65535,
	    .mc_master = 1,
	};
	uint8_t b[200];
	int n;

	(void)state;
	/* every option, the longest values: the documented 106 bytes */
	n = tftp_build_oack(b, sizeof(b), &o);
	assert_int_equal(n, sizeof(all) - 1);
	assert_int_equal(n, 106);
	assert_memory_equal(b, all, sizeof(all) - 1);
	assert_int_equal(tftp_build_oack(b, 105, &o), -ENOSPC);

	/* only what is in the mask, in the fixed order whatever the request's */
	assert_int_equal(req(LIT("\0\1f\0octet\0windowsize\0"
				 "8\0tsize\0"
				 "0\0blksize\0"
				 "1468\0")),
			 TFTP_OK);
	r.opts.tsize = 4096;			      /* the server fills in the size */
	r.opts.mask &= (uint8_t)~TFTP_OPT_WINDOWSIZE; /* and declines windowsize */
	n = tftp_build_oack(b, sizeof(b), &r.opts);
	assert_int_equal(n, 26);
	assert_memory_equal(b,
			    "\0\6blksize\0"
			    "1468\0tsize\0"
			    "4096\0",
			    26);

	/* multicast with the address and port left empty */
	o.mask = TFTP_OPT_MULTICAST;
	o.mc_addr = 0;
	o.mc_port = 0;
	o.mc_master = 0;
	n = tftp_build_oack(b, sizeof(b), &o);
	assert_int_equal(n, 16);
	assert_memory_equal(b, "\0\6multicast\0,,0\0", 16);

	o.mask = 0;
	assert_int_equal(tftp_build_oack(b, sizeof(b), &o), 2);
	assert_memory_equal(b, "\0\6", 2);
	assert_int_equal(tftp_build_oack(b, 1, &o), -ENOSPC);
}

static void
test_build_oack_round_trip(void **state)
{
	struct tftp_opts o = {
	    .mask = TFTP_OPT_ALL,
	    .blksize = 8,
	    .tsize = 0,
	    .timeout = 1,
	    .windowsize = 1,
	    .mc_port = 1758,
	    .mc_master = 0,
	};
	static const uint8_t grp[4] = {239, 0, 10, 1};
	uint8_t b[128];
	int n;

	(void)state;
	memcpy(&o.mc_addr, grp, 4);
	n = tftp_build_oack(b, sizeof(b), &o);
	assert_true(n > 0);
	assert_int_equal(pkt(b, (size_t)n), TFTP_OK);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.opts.mask, TFTP_OPT_ALL);
	assert_int_equal(p.opts.blksize, 8);
	assert_int_equal(p.opts.tsize, 0);
	assert_int_equal(p.opts.timeout, 1);
	assert_int_equal(p.opts.windowsize, 1);
	assert_memory_equal(&p.opts.mc_addr, grp, 4);
	assert_int_equal(p.opts.mc_port, 1758);
	assert_int_equal(p.opts.mc_master, 0);
}

static void
test_build_rrq(void **state)
{
	static const uint8_t want[] = "\0\1pxelinux.0\0octet\0blksize\0"
				      "1468\0tsize\0"
				      "0\0";
	struct tftp_opts o = {.mask = TFTP_OPT_TSIZE | TFTP_OPT_BLKSIZE, .blksize = 1468};
	uint8_t b[TFTP_REQ_MAX];
	int n;

	(void)state;
	n = tftp_build_rrq(b, sizeof(b), "pxelinux.0", "octet", &o);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(b, want, sizeof(want) - 1);
	assert_int_equal(tftp_build_rrq(b, sizeof(want) - 2, "pxelinux.0", "octet", &o), -ENOSPC);

	/* no options; a request's multicast is empty */
	n = tftp_build_rrq(b, sizeof(b), "f", "netascii", NULL);
	assert_int_equal(n, 13);
	assert_memory_equal(b, "\0\1f\0netascii\0", 13);
	o.mask = TFTP_OPT_MULTICAST | TFTP_OPT_WINDOWSIZE | TFTP_OPT_TIMEOUT;
	o.windowsize = 8;
	o.timeout = 3;
	o.mc_port = 1758;
	n = tftp_build_rrq(b, sizeof(b), "f", "octet", &o);
	assert_int_equal(n, 44);
	assert_memory_equal(b,
			    "\0\1f\0octet\0timeout\0"
			    "3\0windowsize\0"
			    "8\0multicast\0\0",
			    44);
	assert_int_equal(req(b, (size_t)n), TFTP_OK);
	assert_int_equal(r.opts.mask, o.mask);
	assert_int_equal(r.flags, 0);

	/* WRQ, and what is neither */
	o.mask = TFTP_OPT_TSIZE;
	o.tsize = 99;
	n = tftp_build_request(b, sizeof(b), TFTP_WRQ, "up", "octet", &o);
	assert_int_equal(n, 20);
	assert_memory_equal(b,
			    "\0\2up\0octet\0tsize\0"
			    "99\0",
			    20);
	assert_int_equal(tftp_build_request(b, sizeof(b), TFTP_ACK, "f", "octet", &o), -EINVAL);
}

/* --- helpers ------------------------------------------------------------------- */

static void
test_clamp_blksize(void **state)
{
	(void)state;
	assert_int_equal(tftp_clamp_blksize(65464, 1500), 1468);
	assert_int_equal(tftp_clamp_blksize(1468, 1500), 1468);
	assert_int_equal(tftp_clamp_blksize(1469, 1500), 1468);
	assert_int_equal(tftp_clamp_blksize(1432, 1500), 1432);
	assert_int_equal(tftp_clamp_blksize(65464, 9000), 8968);
	assert_int_equal(tftp_clamp_blksize(8192, 9000), 8192);
	assert_int_equal(tftp_clamp_blksize(1468, 576), 544);
	assert_int_equal(tftp_clamp_blksize(512, 576), 512);
	/* never past RFC 2348's range either way */
	assert_int_equal(tftp_clamp_blksize(UINT32_MAX, 65535), 65464);
	assert_int_equal(tftp_clamp_blksize(0, 1500), 8);
	assert_int_equal(tftp_clamp_blksize(1468, 32), 8);
	assert_int_equal(tftp_clamp_blksize(1468, 0), 8);
}

static void
test_block_wire(void **state)
{
	(void)state;
	assert_int_equal(tftp_block_wire(1), 1);
	assert_int_equal(tftp_block_wire(65535), 65535);
	assert_int_equal(tftp_block_wire(65536), 0);
	assert_int_equal(tftp_block_wire(65537), 1);
	assert_int_equal(tftp_block_wire(UINT64_MAX), 65535);
}

static void
test_block_unwrap(void **state)
{
	(void)state;
	/* no rollover */
	assert_true(tftp_block_unwrap(5, 5) == 5);
	assert_true(tftp_block_unwrap(3, 5) == 3);
	assert_true(tftp_block_unwrap(0, 0) == 0);
	/* forward across the wrap: block 0 after 65535 is 65536 */
	assert_true(tftp_block_unwrap(0, 65535) == 65536);
	assert_true(tftp_block_unwrap(2, 65530) == 65538);
	/* backward across the wrap: a late ACK from before it */
	assert_true(tftp_block_unwrap(65534, 65540) == 65534);
	assert_true(tftp_block_unwrap(65535, 65536) == 65535);
	/* several wraps in */
	assert_true(tftp_block_unwrap(1, 5 * 65536 - 1) == 5 * 65536 + 1);
	assert_true(tftp_block_unwrap(65535, 5 * 65536 + 1) == 5 * 65536 - 1);
	/* half way: 32767 up, 32768 down (a tie goes to the lower block) */
	assert_true(tftp_block_unwrap(32767, 0) == 32767);
	assert_true(tftp_block_unwrap(32768, 0) == 32768); /* nothing below 0 */
	assert_true(tftp_block_unwrap(0, 32768) == 0);
	assert_true(tftp_block_unwrap(32768, 65536) == 32768);
	assert_true(tftp_block_unwrap(32767, 65536) == 98303);
	/* never below 0 */
	assert_true(tftp_block_unwrap(65534, 2) == 65534);
	/* never above the top */
	assert_true(tftp_block_unwrap(1, UINT64_MAX) == UINT64_MAX - 65534);
	assert_true(tftp_block_unwrap(65535, UINT64_MAX) == UINT64_MAX);
}

static void
test_names(void **state)
{
	static const int errs[] = {TFTP_OK,
				   TFTP_E_SHORT,
				   TFTP_E_BAD_OPCODE,
				   TFTP_E_UNTERMINATED,
				   TFTP_E_BAD_FILENAME,
				   TFTP_E_BAD_MODE};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		assert_string_not_equal(tftp_err_name(errs[i]), "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(tftp_err_name(errs[i]), tftp_err_name(errs[j]));
	}
	assert_string_equal(tftp_err_name(-100), "unknown");
	/* below -MAX_ERRNO: never mistaken for an errno */
	for (i = 1; i < sizeof(errs) / sizeof(errs[0]); i++)
		assert_true(errs[i] < -4095);
	assert_string_equal(tftp_err_name(TFTP_E_UNTERMINATED), "unterminated");

	assert_string_equal(tftp_code_name(TFTP_EC_UNDEF), "Not defined");
	assert_string_equal(tftp_code_name(TFTP_EC_NOT_FOUND), "File not found");
	assert_string_equal(tftp_code_name(TFTP_EC_ACCESS), "Access violation");
	assert_string_equal(tftp_code_name(TFTP_EC_DISK_FULL), "Disk full or allocation exceeded");
	assert_string_equal(tftp_code_name(TFTP_EC_ILLEGAL_OP), "Illegal TFTP operation");
	assert_string_equal(tftp_code_name(TFTP_EC_UNKNOWN_TID), "Unknown transfer ID");
	assert_string_equal(tftp_code_name(TFTP_EC_FILE_EXISTS), "File already exists");
	assert_string_equal(tftp_code_name(TFTP_EC_NO_USER), "No such user");
	assert_string_equal(tftp_code_name(TFTP_EC_OPTION), "Option negotiation refused");
	assert_string_equal(tftp_code_name(9), "Unknown error");

	assert_string_equal(tftp_opcode_name(TFTP_RRQ), "rrq");
	assert_string_equal(tftp_opcode_name(TFTP_OACK), "oack");
	assert_string_equal(tftp_opcode_name(7), "unknown");
	assert_string_equal(tftp_mode_name(TFTP_MODE_OCTET), "octet");
	assert_string_equal(tftp_mode_name(TFTP_MODE_NETASCII), "netascii");
	assert_string_equal(tftp_mode_name(TFTP_MODE_MAIL), "mail");
	assert_string_equal(tftp_mode_name(4), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rrq_pxelinux),
	    cmocka_unit_test(test_rrq_ipxe),
	    cmocka_unit_test(test_rrq_curl),
	    cmocka_unit_test(test_rrq_atftp_windowsize),
	    cmocka_unit_test(test_rrq_modes),
	    cmocka_unit_test(test_wrq),
	    cmocka_unit_test(test_req_owns_filename),
	    cmocka_unit_test(test_req_short),
	    cmocka_unit_test(test_req_bad_opcode),
	    cmocka_unit_test(test_req_unterminated),
	    cmocka_unit_test(test_req_filename_length),
	    cmocka_unit_test(test_req_bad_mode),
	    cmocka_unit_test(test_opt_blksize),
	    cmocka_unit_test(test_opt_timeout),
	    cmocka_unit_test(test_opt_tsize),
	    cmocka_unit_test(test_opt_windowsize),
	    cmocka_unit_test(test_opt_malformed_values),
	    cmocka_unit_test(test_opt_names_any_case),
	    cmocka_unit_test(test_opt_duplicate),
	    cmocka_unit_test(test_opt_unknown),
	    cmocka_unit_test(test_opt_multicast_request),
	    cmocka_unit_test(test_req_trailing),
	    cmocka_unit_test(test_parse_ack),
	    cmocka_unit_test(test_parse_data),
	    cmocka_unit_test(test_parse_error),
	    cmocka_unit_test(test_parse_oack),
	    cmocka_unit_test(test_parse_oack_bad_multicast),
	    cmocka_unit_test(test_parse_bad_opcode),
	    cmocka_unit_test(test_build_data),
	    cmocka_unit_test(test_build_ack),
	    cmocka_unit_test(test_build_error),
	    cmocka_unit_test(test_build_oack),
	    cmocka_unit_test(test_build_oack_round_trip),
	    cmocka_unit_test(test_build_rrq),
	    cmocka_unit_test(test_clamp_blksize),
	    cmocka_unit_test(test_block_wire),
	    cmocka_unit_test(test_block_unwrap),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
