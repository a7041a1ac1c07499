/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte-level vectors for the DHCP codec (proto/dhcp.c): parsing real-looking
 * client messages, option overload and RFC 3396 concatenation, every parse
 * error, the reply builder, the option set and the client helpers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp.h"
#include "hash.h"

#define COOKIE 0x63, 0x82, 0x53, 0x63

/*
 * A message is written as its first 44 bytes (op .. chaddr), sname and file
 * (zero unless a test fills them), the cookie and the option bytes, then
 * zeros up to pad_to, the way clients pad to the BOOTP minimum.
 */
static size_t
msg(uint8_t *buf, const uint8_t *hdr44, const uint8_t *opts, size_t optlen, size_t pad_to)
{
	static const uint8_t cookie[4] = {COOKIE};
	size_t n = DHCP_HDR_LEN + optlen;

	memset(buf, 0, n > pad_to ? n : pad_to);
	memcpy(buf, hdr44, 44);
	memcpy(buf + 236, cookie, 4);
	memcpy(buf + DHCP_HDR_LEN, opts, optlen);
	return n > pad_to ? n : pad_to;
}

static void
expect_opt(const struct dhcp_opts *o, uint8_t code, const void *val, size_t len)
{
	size_t n = 12345;
	const uint8_t *p = dhcp_opt(o, code, &n);

	assert_true(dhcp_has(o, code));
	assert_non_null(p);
	assert_int_equal(n, len);
	if (len)
		assert_memory_equal(p, val, len);
}

static unsigned
count_present(const struct dhcp_opts *o)
{
	unsigned c, n = 0;

	for (c = 0; c < 256; c++)
		n += dhcp_has(o, (uint8_t)c);
	return n;
}

/* --- vectors ------------------------------------------------------------ */

static const uint8_t mac_a[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t mac_b[6] = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};

/* A BIOS PXE ROM (UNDI 2.1) broadcasting its first DISCOVER. */
static const uint8_t pxe_hdr[44] = {
    0x01, 0x01, 0x06, 0x00,			    /* op, htype, hlen, hops */
    0x3d, 0x1d, 0x8a, 0x27,			    /* xid */
    0x00, 0x04, 0x80, 0x00,			    /* secs 4, flags broadcast */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ciaddr, yiaddr */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* siaddr, giaddr */
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x00, 0x00, /* chaddr */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t pxe_opts[] = {
    0x35, 0x01, 0x01,		  /* 53 DISCOVER */
    0x39, 0x02, 0x04, 0xec,	  /* 57 max size 1260 */
    0x5d, 0x02, 0x00, 0x00,	  /* 93 arch 0 (BIOS) */
    0x5e, 0x03, 0x01, 0x02, 0x01, /* 94 UNDI 2.1 */
    0x3c, 0x20, 'P',  'X',  'E',  'C',	'l',  'i',  'e',  'n',	't',  ':',  'A',  'r',	'c',  'h',
    ':',  '0',	'0',  '0',  '0',  '0',	':',  'U',  'N',  'D',	'I',  ':',  '0',  '0',	'2',  '0',
    '0',  '1',	0x37, 0x18, 0x01, 0x02, 0x03, 0x05, 0x06, 0x0b, 0x0c, 0x0d, 0x0f, 0x10, 0x11, 0x12,
    0x2b, 0x36, 0x3c, 0x43, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, /* 55 */
    0x61, 0x11, 0x00, 0x4c, 0x4c, 0x45, 0x44, 0x00, 0x33, 0x10, 0x80, 0x39, 0xb6, 0xc4, 0xc0, 0x4f,
    0x4e, 0x38, 0x32, /* 97 UUID */
    0xff,
};
static const uint8_t pxe_prl[24] = {
    0x01, 0x02, 0x03, 0x05, 0x06, 0x0b, 0x0c, 0x0d, 0x0f, 0x10, 0x11, 0x12,
    0x2b, 0x36, 0x3c, 0x43, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
};
static const uint8_t pxe_uuid[17] = {
    0x00, 0x4c, 0x4c, 0x45, 0x44, 0x00, 0x33, 0x10, 0x80,
    0x39, 0xb6, 0xc4, 0xc0, 0x4f, 0x4e, 0x38, 0x32,
};
static const char pxe_vc[] = "PXEClient:Arch:00000:UNDI:002001";

/* busybox udhcpc: client id, no broadcast flag, hostname, padded to 300. */
static const uint8_t udhcpc_hdr[44] = {
    0x01, 0x01, 0x06, 0x00, 0x6b, 0x8b, 0x45, 0x67, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x42,
    0xac, 0x11, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t udhcpc_opts[] = {
    0x35, 0x01, 0x01,								   /* 53 DISCOVER */
    0x3d, 0x07, 0x01, 0x02, 0x42, 0xac, 0x11, 0x00, 0x02,			   /* 61 */
    0x39, 0x02, 0x02, 0x40,							   /* 57 576 */
    0x37, 0x07, 0x01, 0x03, 0x06, 0x0c, 0x0f, 0x1c, 0x2a,			   /* 55 */
    0x3c, 0x0c, 'u',  'd',  'h',  'c',	'p',  ' ',  '1',  '.', '3', '6', '.', '1', /* 60 */
    0x0c, 0x05, 'n',  'o',  'd',  'e',	'1',					   /* 12 */
    0xff,
};

/* iPXE, relayed, selecting the offer: 50/54/61, user class and 175. */
static const uint8_t ipxe_req_hdr[44] = {
    0x01, 0x01, 0x06, 0x01,			    /* one relay hop */
    0x9a, 0x0b, 0x4f, 0x12, 0x00, 0x00, 0x00, 0x00, /* xid, secs, flags */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ciaddr, yiaddr */
    0x00, 0x00, 0x00, 0x00, 0x0a, 0x01, 0x02, 0x01, /* siaddr, giaddr 10.1.2.1 */
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t ipxe_req_opts[] = {
    0x35, 0x01, 0x03,		  /* 53 REQUEST */
    0x39, 0x02, 0x05, 0xc0,	  /* 57 1472 */
    0x5d, 0x02, 0x00, 0x00,	  /* 93 */
    0x5e, 0x03, 0x01, 0x02, 0x01, /* 94 */
    0x3c, 0x20, 'P',  'X',  'E',  'C',	'l',  'i',  'e',  'n',	't',  ':',  'A',  'r',	'c',  'h',
    ':',  '0',	'0',  '0',  '0',  '0',	':',  'U',  'N',  'D',	'I',  ':',  '0',  '0',	'2',  '0',
    '0',  '1',	0x4d, 0x04, 'i',  'P',	'X',  'E', /* 77 raw, as iPXE sends it */
    0xaf, 0x0c, 0x13, 0x01, 0x01, 0x11, 0x01, 0x01, 0x19, 0x01, 0x01, 0x21, 0x01, 0x01, 0x3d, 0x07,
    0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, /* 61 */
    0x32, 0x04, 0xc0, 0xa8, 0x01, 0x4d,	      /* 50 192.168.1.77 */
    0x36, 0x04, 0xc0, 0xa8, 0x01, 0x01,	      /* 54 192.168.1.1 */
    0x37, 0x0d, 0x01, 0x03, 0x06, 0x07, 0x0c, 0x0f, 0x11, 0x1a, 0x2b, 0x3c, 0x42, 0x43, 0xaf, 0xff,
};

/* A bound client renewing by unicast: ciaddr set, no 50/54. */
static const uint8_t renew_hdr[44] = {
    0x01, 0x01, 0x06, 0x00, 0x5a, 0x77, 0x10, 0xc3, 0x00, 0x00, 0x00, 0x00,
    0xc0, 0xa8, 0x01, 0x4d, 0x00, 0x00, 0x00, 0x00, /* ciaddr 192.168.1.77 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x42, 0xac, 0x11,
    0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t renew_opts[] = {
    0x35, 0x01, 0x03, 0x3d, 0x07, 0x01, 0x02, 0x42, 0xac, 0x11, 0x00, 0x02,
    0x39, 0x02, 0x02, 0x40, 0x37, 0x04, 0x01, 0x03, 0x06, 0x0f, 0xff,
};

/* --- parsing real-looking messages ------------------------------------- */

static void
test_parse_pxe_discover(void **state)
{
	static const uint8_t zero16[16];
	uint8_t b[600];
	struct dhcp_msg m;
	size_t n = msg(b, pxe_hdr, pxe_opts, sizeof(pxe_opts), 548);
	uint16_t u16;
	uint8_t u8;

	(void)state;
	assert_int_equal(n, 548);
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_OK);
	assert_int_equal(m.h.op, BOOTREQUEST);
	assert_int_equal(m.h.htype, 1);
	assert_int_equal(m.h.hlen, 6);
	assert_int_equal(m.h.hops, 0);
	assert_memory_equal(&m.h.xid, "\x3d\x1d\x8a\x27", 4); /* as on the wire */
	assert_int_equal(m.h.secs, 4);
	assert_int_equal(m.h.flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(m.h.ciaddr, 0);
	assert_int_equal(m.h.giaddr, 0);
	assert_memory_equal(m.h.chaddr, mac_a, 6);
	assert_memory_equal(m.h.chaddr + 6, zero16, 10);
	assert_int_equal(m.type, DHCPDISCOVER);
	assert_int_equal(m.overload, 0);

	assert_int_equal(count_present(&m.o), 7);
	expect_opt(&m.o, DHO_MSG_TYPE, "\x01", 1);
	expect_opt(&m.o, DHO_MAX_SIZE, "\x04\xec", 2);
	expect_opt(&m.o, DHO_CLIENT_ARCH, "\x00\x00", 2);
	expect_opt(&m.o, DHO_CLIENT_NDI, "\x01\x02\x01", 3);
	expect_opt(&m.o, DHO_VENDOR_CLASS, pxe_vc, 32);
	expect_opt(&m.o, DHO_PRL, pxe_prl, sizeof(pxe_prl));
	expect_opt(&m.o, DHO_CLIENT_UUID, pxe_uuid, sizeof(pxe_uuid));
	assert_false(dhcp_has(&m.o, DHO_CLIENT_ID));
	assert_false(dhcp_has(&m.o, DHO_PAD));
	assert_false(dhcp_has(&m.o, DHO_END));

	assert_true(dhcp_opt_u16(&m.o, DHO_MAX_SIZE, &u16));
	assert_int_equal(u16, 1260);
	assert_true(dhcp_opt_u8(&m.o, DHO_MSG_TYPE, &u8));
	assert_int_equal(u8, 1);
	assert_false(dhcp_opt_u8(&m.o, DHO_MAX_SIZE, &u8)); /* wrong size */
	assert_false(dhcp_opt_u16(&m.o, DHO_CLIENT_NDI, &u16));
	assert_false(dhcp_opt_u16(&m.o, DHO_BOOTFILE, &u16)); /* absent */
	assert_int_equal(dhcp_client_arch(&m.o), 0);
	assert_true(dhcp_vendor_class_is(&m.o, "PXEClient"));
	assert_true(dhcp_vendor_class_is(&m.o, "PXEClient:Arch:00000"));
	assert_false(dhcp_vendor_class_is(&m.o, "HTTPClient"));
	assert_false(dhcp_vendor_class_is(&m.o, "PXEClient:Arch:00000:UNDI:002001:x"));
	assert_false(dhcp_is_ipxe(&m.o));
}

static void
test_parse_udhcpc_discover(void **state)
{
	uint8_t b[400];
	struct dhcp_msg m;
	size_t n = msg(b, udhcpc_hdr, udhcpc_opts, sizeof(udhcpc_opts), DHCP_MIN_LEN);
	uint16_t u16;

	(void)state;
	assert_int_equal(n, 300);
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_OK);
	assert_memory_equal(&m.h.xid, "\x6b\x8b\x45\x67", 4);
	assert_int_equal(m.h.flags, 0);
	assert_memory_equal(m.h.chaddr, mac_b, 6);
	assert_int_equal(m.type, DHCPDISCOVER);
	assert_int_equal(count_present(&m.o), 6);
	expect_opt(&m.o, DHO_MSG_TYPE, "\x01", 1);
	expect_opt(&m.o, DHO_CLIENT_ID, "\x01\x02\x42\xac\x11\x00\x02", 7);
	expect_opt(&m.o, DHO_MAX_SIZE, "\x02\x40", 2);
	expect_opt(&m.o, DHO_PRL, "\x01\x03\x06\x0c\x0f\x1c\x2a", 7);
	expect_opt(&m.o, DHO_VENDOR_CLASS, "udhcp 1.36.1", 12);
	expect_opt(&m.o, DHO_HOSTNAME, "node1", 5);
	assert_true(dhcp_opt_u16(&m.o, DHO_MAX_SIZE, &u16));
	assert_int_equal(u16, DHCP_MIN_MAX_SIZE);
	assert_int_equal(dhcp_client_arch(&m.o), -ENOENT);
	assert_false(dhcp_vendor_class_is(&m.o, "PXEClient"));
	assert_true(dhcp_vendor_class_is(&m.o, "udhcp"));
	assert_false(dhcp_is_ipxe(&m.o));
}

static void
test_parse_ipxe_request(void **state)
{
	static const uint8_t sub175[12] = {0x13, 0x01, 0x01, 0x11, 0x01, 0x01,
					   0x19, 0x01, 0x01, 0x21, 0x01, 0x01};
	uint8_t b[400];
	struct dhcp_msg m;
	size_t n = msg(b, ipxe_req_hdr, ipxe_req_opts, sizeof(ipxe_req_opts), 0);
	uint32_t ip, u32;

	(void)state;
	assert_int_equal(n, DHCP_HDR_LEN + sizeof(ipxe_req_opts)); /* no padding */
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_OK);
	assert_int_equal(m.h.hops, 1);
	assert_memory_equal(&m.h.xid, "\x9a\x0b\x4f\x12", 4);
	assert_int_equal(m.h.ciaddr, 0);
	assert_memory_equal(&m.h.giaddr, "\x0a\x01\x02\x01", 4); /* network order */
	assert_int_equal(m.type, DHCPREQUEST);
	assert_int_equal(count_present(&m.o), 11);
	expect_opt(&m.o, DHO_MSG_TYPE, "\x03", 1);
	expect_opt(&m.o, DHO_MAX_SIZE, "\x05\xc0", 2);
	expect_opt(&m.o, DHO_CLIENT_ARCH, "\x00\x00", 2);
	expect_opt(&m.o, DHO_CLIENT_NDI, "\x01\x02\x01", 3);
	expect_opt(&m.o, DHO_VENDOR_CLASS, pxe_vc, 32);
	expect_opt(&m.o, DHO_USER_CLASS, "iPXE", 4);
	expect_opt(&m.o, DHO_IPXE, sub175, sizeof(sub175));
	expect_opt(&m.o, DHO_CLIENT_ID, "\x01\x52\x54\x00\x12\x34\x56", 7);
	expect_opt(&m.o, DHO_REQUESTED_IP, "\xc0\xa8\x01\x4d", 4);
	expect_opt(&m.o, DHO_SERVER_ID, "\xc0\xa8\x01\x01", 4);
	expect_opt(&m.o, DHO_PRL, "\x01\x03\x06\x07\x0c\x0f\x11\x1a\x2b\x3c\x42\x43\xaf", 13);

	assert_true(dhcp_opt_ip(&m.o, DHO_REQUESTED_IP, &ip));
	assert_memory_equal(&ip, "\xc0\xa8\x01\x4d", 4);
	assert_true(dhcp_opt_u32(&m.o, DHO_SERVER_ID, &u32));
	assert_int_equal(u32, 0xc0a80101u); /* host order */
	assert_false(dhcp_opt_ip(&m.o, DHO_CLIENT_ID, &ip));
	assert_true(dhcp_is_ipxe(&m.o));
	assert_true(dhcp_vendor_class_is(&m.o, "PXEClient"));
}

static void
test_parse_renew(void **state)
{
	uint8_t b[400];
	struct dhcp_msg m;
	size_t n = msg(b, renew_hdr, renew_opts, sizeof(renew_opts), DHCP_MIN_LEN);

	(void)state;
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_OK);
	assert_memory_equal(&m.h.ciaddr, "\xc0\xa8\x01\x4d", 4); /* network order */
	assert_int_equal(m.h.yiaddr, 0);
	assert_int_equal(m.h.giaddr, 0);
	assert_int_equal(m.type, DHCPREQUEST);
	assert_false(dhcp_has(&m.o, DHO_REQUESTED_IP));
	assert_false(dhcp_has(&m.o, DHO_SERVER_ID));
	expect_opt(&m.o, DHO_PRL, "\x01\x03\x06\x0f", 4);
}

/* Every message type 1..8 is accepted and named. */
static void
test_parse_all_types(void **state)
{
	static const char *const names[] = {"discover", "offer", "request", "decline",
					    "ack",	"nak",	 "release", "inform"};
	uint8_t o[] = {0x35, 0x01, 0x00, 0xff};
	uint8_t b[300];
	struct dhcp_msg m;
	int t;

	(void)state;
	for (t = 1; t <= 8; t++) {
		o[2] = (uint8_t)t;
		assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, o, sizeof(o), 0), &m), DHCP_OK);
		assert_int_equal(m.type, t);
		assert_string_equal(dhcp_type_name((uint8_t)t), names[t - 1]);
	}
	assert_string_equal(dhcp_type_name(0), "none");
	assert_string_equal(dhcp_type_name(9), "unknown");
}

/* PAD anywhere between options is skipped and never reported. */
static void
test_parse_pad_between(void **state)
{
	static const uint8_t o[] = {0x00, 0x00, 0x35, 0x01, 0x01, 0x00, 0x0c, 0x02, 'h',
				    'i',  0x00, 0x00, 0x00, 0x3c, 0x01, 'X',  0x00, 0xff};
	uint8_t b[300];
	struct dhcp_msg m;

	(void)state;
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, o, sizeof(o), 0), &m), DHCP_OK);
	assert_int_equal(count_present(&m.o), 3);
	expect_opt(&m.o, DHO_HOSTNAME, "hi", 2);
	expect_opt(&m.o, DHO_VENDOR_CLASS, "X", 1);
}

/* Some ROMs stop at the last option: a missing END is tolerated. */
static void
test_parse_missing_end(void **state)
{
	static const uint8_t o[] = {0x35, 0x01, 0x01, 0x0c, 0x03, 'a', 'b', 'c'};
	uint8_t b[300];
	struct dhcp_msg m;

	(void)state;
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, o, sizeof(o), 0), &m), DHCP_OK);
	expect_opt(&m.o, DHO_HOSTNAME, "abc", 3);
	/* An options field that is only the 53 option, not even END. */
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, o, 3, 0), &m), DHCP_OK);
	assert_int_equal(count_present(&m.o), 1);
}

/* Bytes after END are not options, whatever they look like. */
static void
test_parse_stops_at_end(void **state)
{
	static const uint8_t o[] = {0x35, 0x01, 0x01, 0xff, 0x0c, 0x40, 'j', 'u', 'n', 'k'};
	uint8_t b[300];
	struct dhcp_msg m;

	(void)state;
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, o, sizeof(o), 0), &m), DHCP_OK);
	assert_false(dhcp_has(&m.o, DHO_HOSTNAME));
}

/* A zero-length option is present, with an empty value. */
static void
test_parse_empty_option(void **state)
{
	static const uint8_t o[] = {0x35, 0x01, 0x01, 0xaf, 0x00, 0xff};
	uint8_t b[300];
	struct dhcp_msg m;

	(void)state;
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, o, sizeof(o), 0), &m), DHCP_OK);
	expect_opt(&m.o, DHO_IPXE, NULL, 0);
	assert_true(dhcp_is_ipxe(&m.o));
}

/* RFC 3396: repeats of one code are concatenated in order. */
static void
test_parse_concat_options_field(void **state)
{
	static const uint8_t o[] = {0x0c, 0x03, 'n', 'o',  'd',	 0x35, 0x01, 0x01, 0x0c,
				    0x02, 'e',	'1', 0x0c, 0x00, 0x0c, 0x01, '7',  0xff};
	uint8_t b[300];
	struct dhcp_msg m;

	(void)state;
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, o, sizeof(o), 0), &m), DHCP_OK);
	expect_opt(&m.o, DHO_HOSTNAME, "node17", 6);
}

/* --- option overload ---------------------------------------------------- */

static const uint8_t ov_file[] = {0x0c, 0x02, 'd', 'e', 0x00, 0x3c, 0x04, 'P', 'X', 'E', 'C', 0xff};
static const uint8_t ov_sname[] = {0x0c, 0x01, 'f', 0x3c, 0x05, 'l', 'i', 'e', 'n', 't', 0xff};

static size_t
overload_msg(uint8_t *b, uint8_t ov)
{
	uint8_t o[] = {0x35, 0x01, 0x01, 0x0c, 0x03, 'a', 'b', 'c', 0x34, 0x01, ov, 0xff};
	size_t n = msg(b, pxe_hdr, o, sizeof(o), 0);

	memcpy(b + 108, ov_file, sizeof(ov_file));
	memcpy(b + 44, ov_sname, sizeof(ov_sname));
	return n;
}

static void
test_overload_both(void **state)
{
	static const uint8_t zero[128];
	uint8_t b[300];
	struct dhcp_msg m;

	(void)state;
	assert_int_equal(dhcp_parse(b, overload_msg(b, 3), &m), DHCP_OK);
	assert_int_equal(m.overload, 3);
	/* options field first, then file, then sname (RFC 2131 4.1) */
	expect_opt(&m.o, DHO_HOSTNAME, "abcdef", 6);
	expect_opt(&m.o, DHO_VENDOR_CLASS, "PXEClient", 9);
	expect_opt(&m.o, DHO_OVERLOAD, "\x03", 1);
	assert_int_equal(count_present(&m.o), 4);
	assert_memory_equal(m.h.file, zero, 128);
	assert_memory_equal(m.h.sname, zero, 64);
}

static void
test_overload_file_only(void **state)
{
	uint8_t b[300];
	struct dhcp_msg m;

	(void)state;
	assert_int_equal(dhcp_parse(b, overload_msg(b, 1), &m), DHCP_OK);
	assert_int_equal(m.overload, 1);
	expect_opt(&m.o, DHO_HOSTNAME, "abcde", 5);
	expect_opt(&m.o, DHO_VENDOR_CLASS, "PXEC", 4);
	assert_int_equal(m.h.file[0], 0);
	assert_memory_equal(m.h.sname, ov_sname, sizeof(ov_sname)); /* left raw */
}

static void
test_overload_sname_only(void **state)
{
	uint8_t b[300];
	struct dhcp_msg m;

	(void)state;
	assert_int_equal(dhcp_parse(b, overload_msg(b, 2), &m), DHCP_OK);
	assert_int_equal(m.overload, 2);
	expect_opt(&m.o, DHO_HOSTNAME, "abcf", 4);
	expect_opt(&m.o, DHO_VENDOR_CLASS, "lient", 5);
	assert_int_equal(m.h.sname[0], 0);
	assert_memory_equal(m.h.file, ov_file, sizeof(ov_file)); /* left raw */
}

/* Without option 52, file and sname are just strings. */
static void
test_no_overload_fields_raw(void **state)
{
	static const uint8_t o[] = {0x35, 0x01, 0x01, 0xff};
	uint8_t b[300];
	struct dhcp_msg m;
	size_t n = msg(b, pxe_hdr, o, sizeof(o), 0);

	(void)state;
	memcpy(b + 108, ov_file, sizeof(ov_file));
	memcpy(b + 44, "boot.example", 12);
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_OK);
	assert_int_equal(m.overload, 0);
	assert_false(dhcp_has(&m.o, DHO_HOSTNAME));
	assert_memory_equal(m.h.file, ov_file, sizeof(ov_file));
	assert_memory_equal(m.h.sname, "boot.example", 12);
}

/* The message type itself may come from the file field. */
static void
test_overload_type_in_file(void **state)
{
	static const uint8_t o[] = {0x34, 0x01, 0x01, 0xff};
	uint8_t b[300];
	struct dhcp_msg m;
	size_t n = msg(b, pxe_hdr, o, sizeof(o), 0);

	(void)state;
	memcpy(b + 108, "\x35\x01\x08\xff", 4);
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_OK);
	assert_int_equal(m.type, DHCPINFORM);
}

static void
test_overload_errors(void **state)
{
	static const uint8_t bad[][8] = {
	    {0x34, 0x01, 0x00, 0x35, 0x01, 0x01, 0xff},	      /* value 0 */
	    {0x34, 0x01, 0x04, 0x35, 0x01, 0x01, 0xff},	      /* value 4 */
	    {0x34, 0x02, 0x01, 0x01, 0x35, 0x01, 0x01, 0xff}, /* length 2 */
	    {0x34, 0x00, 0x35, 0x01, 0x01, 0xff},	      /* length 0 */
	};
	/* two 52s concatenate to a 2-byte value */
	static const uint8_t twice[] = {0x34, 0x01, 0x01, 0x34, 0x01, 0x02, 0x35, 0x01, 0x01};
	uint8_t b[300];
	struct dhcp_msg m;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, bad[i], 8, 0), &m), DHCP_E_OVERLOAD);
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, twice, sizeof(twice), 0), &m),
			 DHCP_E_OVERLOAD);

	/* 52 inside the file field */
	n = overload_msg(b, 1);
	memcpy(b + 108, "\x34\x01\x01\xff", 4);
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_E_OVERLOAD);
	/* 52 inside sname, overloaded with file and sname */
	n = overload_msg(b, 3);
	memcpy(b + 44, "\x00\x34\x01\x03\xff", 5);
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_E_OVERLOAD);
	/* 52 in sname is harmless when only file is overloaded: sname is a name */
	n = overload_msg(b, 1);
	memcpy(b + 44, "\x34\x01\x03\xff", 4);
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_OK);
}

/* An option in file may not run on into the cookie and options field. */
static void
test_overload_optlen_bounded_by_field(void **state)
{
	uint8_t b[300];
	struct dhcp_msg m;
	size_t n = overload_msg(b, 1);

	(void)state;
	memset(b + 108, 0, 128);
	b[108 + 125] = 0x0c; /* hostname, 5 bytes, only 1 left in file */
	b[108 + 126] = 0x05;
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_E_OPTLEN);
	b[108 + 126] = 0x01; /* exactly fits */
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_OK);
	assert_int_equal(m.o.len[DHO_HOSTNAME], 4); /* "abc" + the last byte of file */
}

/* --- parse errors ------------------------------------------------------- */

static void
test_err_length(void **state)
{
	static uint8_t b[DHCP_MAX_LEN + 1];
	static const uint8_t o[] = {0x35, 0x01, 0x01, 0xff};
	struct dhcp_msg m;

	(void)state;
	msg(b, pxe_hdr, o, sizeof(o), sizeof(b));
	assert_int_equal(dhcp_parse(b, 0, &m), DHCP_E_SHORT);
	assert_int_equal(dhcp_parse(b, DHCP_HDR_LEN - 1, &m), DHCP_E_SHORT);
	assert_int_equal(dhcp_parse(b, DHCP_MAX_LEN + 1, &m), DHCP_E_LONG);
	assert_int_equal(dhcp_parse(b, DHCP_MAX_LEN, &m), DHCP_OK);
	/* header and cookie only: no room for 53 */
	assert_int_equal(dhcp_parse(b, DHCP_HDR_LEN, &m), DHCP_E_NOTYPE);
	assert_int_equal(dhcp_parse(b, DHCP_HDR_LEN + 3, &m), DHCP_OK);
}

static void
test_err_magic_hlen(void **state)
{
	static const uint8_t o[] = {0x35, 0x01, 0x01, 0xff};
	uint8_t b[300];
	struct dhcp_msg m;
	size_t n = msg(b, pxe_hdr, o, sizeof(o), 0);

	(void)state;
	b[239] = 0x64;
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_E_MAGIC);
	b[239] = 0x63;
	b[236] = 0x00;
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_E_MAGIC);
	b[236] = 0x63;
	b[2] = 17;
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_E_HLEN);
	b[2] = 16;
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_OK);
	b[2] = 0;
	assert_int_equal(dhcp_parse(b, n, &m), DHCP_OK);
}

static void
test_err_optlen(void **state)
{
	static const uint8_t past[] = {0x35, 0x01, 0x01, 0x0c, 0x05, 'a', 'b'};
	static const uint8_t nolen[] = {0x35, 0x01, 0x01, 0x0c}; /* code, no length */
	static const uint8_t edge[] = {0x35, 0x01, 0x01, 0x0c, 0x02, 'a', 'b'};
	uint8_t b[300];
	struct dhcp_msg m;

	(void)state;
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, past, sizeof(past), 0), &m), DHCP_E_OPTLEN);
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, nolen, sizeof(nolen), 0), &m),
			 DHCP_E_OPTLEN);
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, edge, sizeof(edge), 0), &m), DHCP_OK);
}

static void
test_err_optsize(void **state)
{
	static const uint8_t bad[][8] = {
	    {0x35, 0x02, 0x01, 0x01, 0xff},		/* 53 of 2 */
	    {0x35, 0x01, 0x01, 0x32, 0x03, 1, 2, 3},	/* 50 of 3 */
	    {0x35, 0x01, 0x01, 0x39, 0x01, 0x02, 0xff}, /* 57 of 1 */
	    {0x35, 0x01, 0x01, 0x3d, 0x01, 0x01, 0xff}, /* 61 of 1 */
	    {0x35, 0x01, 0x01, 0x5d, 0x03, 0, 0, 7},	/* 93 of 3 */
	    {0x35, 0x01, 0x01, 0x5d, 0x00, 0xff},	/* 93 of 0 */
	    {0x35, 0x01, 0x01, 0x37, 0x00, 0xff},	/* 55 empty */
	    {0x35, 0x01, 0x01, 0x35, 0x01, 0x01, 0xff}, /* two 53s concatenate to 2 */
	    {0x35, 0x01, 0x01, 0x33, 0x02, 0x0e, 0x10}, /* 51 of 2 */
	};
	static const uint8_t sid5[] = {0x35, 0x01, 0x01, 0x36, 0x05, 1, 2, 3, 4, 5, 0xff};
	uint8_t b[300];
	struct dhcp_msg m;
	size_t i;

	(void)state;
	/* rows shorter than 8 end in zeros: PAD */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, bad[i], 8, 0), &m), DHCP_E_OPTSIZE);
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, sid5, sizeof(sid5), 0), &m), DHCP_E_OPTSIZE);
	/* the legal sizes of the variable ones */
	assert_int_equal(
	    dhcp_parse(b, msg(b, pxe_hdr, (const uint8_t *)"\x35\x01\x01\x3d\x02\x00\x07", 7, 0),
		       &m),
	    DHCP_OK);
	assert_int_equal(
	    dhcp_parse(
		b, msg(b, pxe_hdr, (const uint8_t *)"\x35\x01\x01\x5d\x04\x00\x07\x00\x00", 9, 0),
		&m),
	    DHCP_OK);
	assert_int_equal(dhcp_client_arch(&m.o), 7); /* the first one */
}

static void
test_err_notype(void **state)
{
	static const uint8_t none[] = {0x0c, 0x01, 'x', 0xff};
	static const uint8_t t0[] = {0x35, 0x01, 0x00, 0xff};
	static const uint8_t t9[] = {0x35, 0x01, 0x09, 0xff};
	uint8_t b[300];
	struct dhcp_msg m;

	(void)state;
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, none, sizeof(none), 0), &m), DHCP_E_NOTYPE);
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, t0, sizeof(t0), 0), &m), DHCP_E_NOTYPE);
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, t9, sizeof(t9), 0), &m), DHCP_E_NOTYPE);
}

static void
test_err_names(void **state)
{
	(void)state;
	assert_string_equal(dhcp_err_name(DHCP_OK), "ok");
	assert_string_equal(dhcp_err_name(DHCP_E_SHORT), "short");
	assert_string_equal(dhcp_err_name(DHCP_E_LONG), "long");
	assert_string_equal(dhcp_err_name(DHCP_E_MAGIC), "no_magic");
	assert_string_equal(dhcp_err_name(DHCP_E_HLEN), "bad_hlen");
	assert_string_equal(dhcp_err_name(DHCP_E_OPTLEN), "option_overrun");
	assert_string_equal(dhcp_err_name(DHCP_E_OVERLOAD), "bad_overload");
	assert_string_equal(dhcp_err_name(DHCP_E_OPTSIZE), "bad_option_size");
	assert_string_equal(dhcp_err_name(DHCP_E_NOTYPE), "no_message_type");
	assert_string_equal(dhcp_err_name(-99), "unknown");
	/* an errno is never a parse result: strerror(-ret) cannot lie */
	assert_string_equal(dhcp_err_name(-EINVAL), "unknown");
	assert_true(DHCP_E_SHORT < -4095 && DHCP_E_NOTYPE < -4095);
}

/* --- client helpers ----------------------------------------------------- */

static void
test_is_ipxe(void **state)
{
	static const struct {
		const char *uc;
		size_t len;
		bool ipxe;
	} v[] = {
	    {"iPXE", 4, true},		     /* raw, as iPXE sends it */
	    {"\x04iPXE", 5, true},	     /* RFC 3004 */
	    {"\x05gPXE1\x04iPXE", 11, true}, /* RFC 3004, second class */
	    {"iPXF", 4, false},
	    {"ipxe", 4, false},
	    {"iPX", 3, false},
	    {"iPXEx", 5, false},
	    {"\x05iPXE", 5, false}, /* class runs past the option */
	    {"\x04iPX", 4, false},
	    {"\x03iPX\x04iPXF", 10, false},
	    {"\x00\x00\x04iPXE", 7, true}, /* empty classes before it */
	    {"", 0, false},
	};
	struct dhcp_opts o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		dhcp_opts_init(&o);
		assert_int_equal(dhcp_opts_set(&o, DHO_USER_CLASS, v[i].uc, v[i].len), 0);
		assert_int_equal(dhcp_is_ipxe(&o), v[i].ipxe);
	}
	dhcp_opts_init(&o);
	assert_false(dhcp_is_ipxe(&o));
	dhcp_opts_set(&o, DHO_VENDOR_CLASS, "iPXE", 4); /* the wrong option */
	assert_false(dhcp_is_ipxe(&o));
	dhcp_opts_set(&o, DHO_IPXE, "\x13\x01\x01", 3);
	assert_true(dhcp_is_ipxe(&o));
}

static void
expect_hashed_key(const uint8_t *key, size_t klen, const uint8_t *id, size_t n)
{
	uint64_t h = rb_hash64(id, n);
	int i;

	assert_int_equal(klen, 64);
	assert_memory_equal(key, id, 56);
	for (i = 0; i < 8; i++)
		assert_int_equal(key[56 + i], (uint8_t)(h >> (56 - 8 * i)));
}

/* Option 43 for PXE firmware, byte for byte (PXE 2.1 table 2-1). */
static void
test_pxe_vendor(void **state)
{
	static const uint8_t plain[] = {6, 1, 8, 255};
	static const uint8_t mtftp[] = {1,    4,    224, 1, 2, 3, 2, 2, 0x06, 0xde, 3, 2,
					0x06, 0xdf, 4,	 1, 2, 5, 1, 3, 6,    1,    8, 255};
	struct pxe_mtftp m = {
	    .client_port = 1758, .server_port = 1759, .open_timeout = 2, .reopen_delay = 3};
	uint8_t b[PXE_VENDOR_MAX];

	(void)state;
	assert_int_equal(dhcp_pxe_vendor(b, sizeof(b), NULL), sizeof(plain));
	assert_memory_equal(b, plain, sizeof(plain));
	/* no group: no MTFTP suboptions */
	assert_int_equal(dhcp_pxe_vendor(b, sizeof(b), &m), sizeof(plain));
	assert_memory_equal(b, plain, sizeof(plain));
	memcpy(&m.group, "\xe0\x01\x02\x03", 4);
	assert_int_equal(dhcp_pxe_vendor(b, sizeof(b), &m), sizeof(mtftp));
	assert_memory_equal(b, mtftp, sizeof(mtftp));
	assert_int_equal(sizeof(mtftp), PXE_VENDOR_MAX);
	assert_int_equal(dhcp_pxe_vendor(b, sizeof(mtftp) - 1, &m), -ENOSPC);
	assert_int_equal(dhcp_pxe_vendor(b, 3, NULL), -ENOSPC);
}

static void
test_client_key(void **state)
{
	static uint8_t b[DHCP_MAX_LEN];
	uint8_t o[400], id[300], key[64];
	struct dhcp_msg m;
	size_t i, n;

	(void)state;
	/* the published FNV-1a 64 test values: the key's tail is stored in
	 * the lease database, so its hash must not change unnoticed */
	assert_true(rb_hash64("", 0) == 0xcbf29ce484222325ull);
	assert_true(rb_hash64("a", 1) == 0xaf63dc4c8601ec8cull);
	assert_true(rb_hash64("foobar", 6) == 0x85944171f73967e8ull);

	/* option 61 */
	assert_int_equal(
	    dhcp_parse(b, msg(b, udhcpc_hdr, udhcpc_opts, sizeof(udhcpc_opts), 300), &m), 0);
	assert_int_equal(dhcp_client_key(&m, key, sizeof(key)), 7);
	assert_memory_equal(key, "\x01\x02\x42\xac\x11\x00\x02", 7);

	/* no option 61: htype then chaddr[0..hlen) */
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, pxe_opts, sizeof(pxe_opts), 548), &m), 0);
	assert_int_equal(dhcp_client_key(&m, key, sizeof(key)), 7);
	assert_memory_equal(key, "\x01\x52\x54\x00\x12\x34\x56", 7);
	b[1] = 6;  /* IEEE 802 */
	b[2] = 16; /* the whole chaddr */
	memcpy(b + 28 + 6, "\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9", 10);
	assert_int_equal(dhcp_parse(b, 548, &m), 0);
	assert_int_equal(dhcp_client_key(&m, key, sizeof(key)), 17);
	assert_memory_equal(
	    key, "\x06\x52\x54\x00\x12\x34\x56\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9", 17);
	b[2] = 0;
	assert_int_equal(dhcp_parse(b, 548, &m), 0);
	assert_int_equal(dhcp_client_key(&m, key, sizeof(key)), 1);
	assert_int_equal(key[0], 6);

	for (i = 0; i < sizeof(id); i++)
		id[i] = (uint8_t)(i * 7 + 3);

	/* exactly 64 bytes: kept whole */
	memcpy(o, "\x35\x01\x01\x3d\x40", 5);
	memcpy(o + 5, id, 64);
	o[69] = 0xff;
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, o, 70, 0), &m), 0);
	assert_int_equal(dhcp_client_key(&m, key, sizeof(key)), 64);
	assert_memory_equal(key, id, 64);

	/* 65 and 100 bytes: 56 bytes, then the hash of the whole id */
	for (n = 65; n <= 100; n += 35) {
		memcpy(o, "\x35\x01\x01\x3d", 4);
		o[4] = (uint8_t)n;
		memcpy(o + 5, id, n);
		o[5 + n] = 0xff;
		assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, o, 6 + n, 0), &m), 0);
		expect_hashed_key(key, dhcp_client_key(&m, key, sizeof(key)), id, n);
	}

	/* 300 bytes as two instances (RFC 3396): hashed over the concatenation */
	memcpy(o, "\x35\x01\x01\x3d\xc8", 5);
	memcpy(o + 5, id, 200);
	memcpy(o + 205, "\x3d\x64", 2);
	memcpy(o + 207, id + 200, 100);
	o[307] = 0xff;
	assert_int_equal(dhcp_parse(b, msg(b, pxe_hdr, o, 308, 0), &m), 0);
	expect_opt(&m.o, DHO_CLIENT_ID, id, 300);
	expect_hashed_key(key, dhcp_client_key(&m, key, sizeof(key)), id, 300);
}

/* --- the option set ----------------------------------------------------- */

static void
test_opts_set_replace_del(void **state)
{
	struct dhcp_opts o;
	uint16_t off, used;
	uint32_t u32, ip;
	uint8_t u8;

	(void)state;
	dhcp_opts_init(&o);
	assert_int_equal(count_present(&o), 0);
	assert_null(dhcp_opt(&o, DHO_HOSTNAME, NULL));

	assert_int_equal(dhcp_opts_set(&o, DHO_HOSTNAME, "node01", 6), 0);
	assert_int_equal(dhcp_opts_set(&o, DHO_DOMAIN, "rack.example", 12), 0);
	expect_opt(&o, DHO_HOSTNAME, "node01", 6);
	expect_opt(&o, DHO_DOMAIN, "rack.example", 12);
	assert_int_equal(o.used, 18);

	/* shorter: in place, nothing more used */
	off = o.off[DHO_HOSTNAME];
	assert_int_equal(dhcp_opts_set(&o, DHO_HOSTNAME, "n1", 2), 0);
	expect_opt(&o, DHO_HOSTNAME, "n1", 2);
	assert_int_equal(o.off[DHO_HOSTNAME], off);
	assert_int_equal(o.used, 18);
	expect_opt(&o, DHO_DOMAIN, "rack.example", 12);

	/* longer: appended */
	used = o.used;
	assert_int_equal(dhcp_opts_set(&o, DHO_HOSTNAME, "node-0001", 9), 0);
	expect_opt(&o, DHO_HOSTNAME, "node-0001", 9);
	assert_int_equal(o.off[DHO_HOSTNAME], used);
	assert_int_equal(o.used, used + 9);
	expect_opt(&o, DHO_DOMAIN, "rack.example", 12);

	/* delete, then set again */
	dhcp_opts_del(&o, DHO_HOSTNAME);
	assert_false(dhcp_has(&o, DHO_HOSTNAME));
	{
		size_t n = 99;
		assert_null(dhcp_opt(&o, DHO_HOSTNAME, &n));
		assert_int_equal(n, 0);
	}
	expect_opt(&o, DHO_DOMAIN, "rack.example", 12);
	dhcp_opts_del(&o, DHO_ROUTERS); /* absent: no-op */
	assert_int_equal(dhcp_opts_set(&o, DHO_HOSTNAME, "h", 1), 0);
	expect_opt(&o, DHO_HOSTNAME, "h", 1);

	/* empty value */
	assert_int_equal(dhcp_opts_set(&o, DHO_IPXE, "", 0), 0);
	expect_opt(&o, DHO_IPXE, NULL, 0);

	/* PAD and END are not options */
	assert_int_equal(dhcp_opts_set(&o, DHO_PAD, "x", 1), -EINVAL);
	assert_int_equal(dhcp_opts_set(&o, DHO_END, "x", 1), -EINVAL);
	assert_false(dhcp_has(&o, DHO_PAD));
	assert_false(dhcp_has(&o, DHO_END));

	/* typed setters and getters */
	assert_int_equal(dhcp_opts_set_u8(&o, DHO_MSG_TYPE, DHCPOFFER), 0);
	expect_opt(&o, DHO_MSG_TYPE, "\x02", 1);
	assert_int_equal(dhcp_opts_set_u32(&o, DHO_LEASE_TIME, 3600), 0);
	expect_opt(&o, DHO_LEASE_TIME, "\x00\x00\x0e\x10", 4); /* big-endian */
	assert_true(dhcp_opt_u32(&o, DHO_LEASE_TIME, &u32));
	assert_int_equal(u32, 3600);
	memcpy(&ip, "\xc0\xa8\x01\x01", 4);
	assert_int_equal(dhcp_opts_set_ip(&o, DHO_SERVER_ID, ip), 0);
	expect_opt(&o, DHO_SERVER_ID, "\xc0\xa8\x01\x01", 4); /* as given */
	assert_true(dhcp_opt_u8(&o, DHO_MSG_TYPE, &u8));
	assert_int_equal(u8, 2);
	assert_false(dhcp_opt_u32(&o, DHO_HOSTNAME, &u32));
	assert_false(dhcp_opt_ip(&o, DHO_ROUTERS, &ip));
}

static void
test_opts_full(void **state)
{
	static uint8_t big[DHCP_OPTS_MAX];
	static struct dhcp_opts o, copy;

	(void)state;
	memset(big, 0x5a, sizeof(big));
	dhcp_opts_init(&o);
	assert_int_equal(dhcp_opts_set(&o, DHO_VENDOR, big, DHCP_OPTS_MAX - 10), 0);
	assert_int_equal(dhcp_opts_set(&o, DHO_HOSTNAME, "0123456789", 10), 0);
	assert_int_equal(o.used, DHCP_OPTS_MAX); /* exactly full is fine */

	memcpy(&copy, &o, sizeof(o));
	assert_int_equal(dhcp_opts_set(&o, DHO_DOMAIN, "x", 1), -ENOSPC);
	assert_memory_equal(&o, &copy, sizeof(o));
	/* growing one in place is not possible either */
	assert_int_equal(dhcp_opts_set(&o, DHO_HOSTNAME, "0123456789A", 11), -ENOSPC);
	assert_memory_equal(&o, &copy, sizeof(o));
	expect_opt(&o, DHO_HOSTNAME, "0123456789", 10);
	/* but shrinking still works when full */
	assert_int_equal(dhcp_opts_set(&o, DHO_HOSTNAME, "01", 2), 0);
	expect_opt(&o, DHO_HOSTNAME, "01", 2);
	assert_int_equal(dhcp_opts_set(&o, DHO_DOMAIN, "", 0), 0); /* zero bytes fit */

	dhcp_opts_init(&o);
	assert_int_equal(dhcp_opts_set(&o, DHO_VENDOR, big, DHCP_OPTS_MAX + 1), -ENOSPC);
	assert_false(dhcp_has(&o, DHO_VENDOR));
	assert_int_equal(o.used, 0);
}

static void
test_opts_from_tlv(void **state)
{
	static const uint8_t good[] = {
	    0x01, 0x04, 0xff, 0xff, 0xff, 0x00, /* 1 */
	    0x00,				/* PAD */
	    0x03, 0x04, 0xc0, 0xa8, 0x01, 0x01, /* 3 */
	    0x34, 0x01, 0x03,			/* 52 is fine in a blob */
	    0x0f, 0x04, 'r',  'a',  'c',  'k',	/* 15 ... */
	    0x0f, 0x03, '.',  'e',  'x',	/* ... concatenated */
	    0x42, 0x00,				/* 66, empty */
	    0xff, 0x0c, 0x09, 'i',  'g',  'n',	'o', 'r', 'e', 'd',
	};
	static const uint8_t trunc[] = {0x01, 0x04, 0xff, 0xff, 0xff, 0x00, 0x0c, 0x06, 'a', 'b'};
	static const uint8_t nolen[] = {0x01, 0x04, 0xff, 0xff, 0xff, 0x00, 0x0c};
	struct dhcp_opts o;

	(void)state;
	assert_int_equal(dhcp_opts_from_tlv(&o, good, sizeof(good)), 0);
	assert_int_equal(count_present(&o), 5);
	expect_opt(&o, DHO_SUBNET_MASK, "\xff\xff\xff\x00", 4);
	expect_opt(&o, DHO_ROUTERS, "\xc0\xa8\x01\x01", 4);
	expect_opt(&o, DHO_OVERLOAD, "\x03", 1);
	expect_opt(&o, DHO_DOMAIN, "rack.ex", 7);
	expect_opt(&o, DHO_TFTP_SERVER, NULL, 0);
	assert_false(dhcp_has(&o, DHO_HOSTNAME));

	assert_int_equal(dhcp_opts_from_tlv(&o, trunc, sizeof(trunc)), -EBADMSG);
	assert_int_equal(dhcp_opts_from_tlv(&o, nolen, sizeof(nolen)), -EBADMSG);
	assert_int_equal(dhcp_opts_from_tlv(&o, good, 0), 0); /* empty blob, empty set */
	assert_int_equal(count_present(&o), 0);
	assert_int_equal(dhcp_opts_from_tlv(&o, (const uint8_t *)"\xff", 1), 0);
	assert_int_equal(count_present(&o), 0);
}

/* More value bytes than a set holds: -ENOSPC, not a parse error. */
static void
test_opts_from_tlv_full(void **state)
{
	static uint8_t blob[9 * 257];
	struct dhcp_opts o;
	size_t i;

	(void)state;
	memset(blob, 'z', sizeof(blob));
	for (i = 0; i < 9; i++) { /* 9 x 255 = 2295 value bytes */
		blob[i * 257] = (uint8_t)(200 + i);
		blob[i * 257 + 1] = 255;
	}
	assert_int_equal(dhcp_opts_from_tlv(&o, blob, sizeof(blob)), -ENOSPC);
	/* 8 x 255 = 2040 fit */
	assert_int_equal(dhcp_opts_from_tlv(&o, blob, 8 * 257), 0);
	assert_int_equal(count_present(&o), 8);
	assert_int_equal(o.used, 8 * 255);
}

/* --- the builder -------------------------------------------------------- */

static void
offer_hdr(struct dhcp_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->op = BOOTREPLY;
	h->htype = 1;
	h->hlen = 6;
	memcpy(&h->xid, "\x3d\x1d\x8a\x27", 4);
	h->flags = DHCP_FLAG_BROADCAST;
	memcpy(&h->yiaddr, "\xc0\xa8\x01\x4d", 4);
	memcpy(&h->siaddr, "\xc0\xa8\x01\x01", 4);
	memcpy(h->chaddr, mac_a, 6);
	memcpy(h->file, "undionly.kpxe", 13);
}

static void
offer_opts(struct dhcp_opts *o)
{
	dhcp_opts_init(o);
	dhcp_opts_set_u8(o, DHO_MSG_TYPE, DHCPOFFER);
	dhcp_opts_set(o, DHO_SERVER_ID, "\xc0\xa8\x01\x01", 4);
	dhcp_opts_set_u32(o, DHO_LEASE_TIME, 3600);
	dhcp_opts_set(o, DHO_SUBNET_MASK, "\xff\xff\xff\x00", 4);
	dhcp_opts_set(o, DHO_ROUTERS, "\xc0\xa8\x01\x01", 4);
	dhcp_opts_set(o, DHO_VENDOR_CLASS, "PXEClient", 9);
	dhcp_opts_set(o, DHO_BOOTFILE, "undionly.kpxe", 13);
}

static void
test_build_offer_vector(void **state)
{
	static const uint8_t exp_hdr[44] = {
	    0x02, 0x01, 0x06, 0x00, 0x3d, 0x1d, 0x8a, 0x27,
	    0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, /* ciaddr */
	    0xc0, 0xa8, 0x01, 0x4d,			    /* yiaddr */
	    0xc0, 0xa8, 0x01, 0x01,			    /* siaddr */
	    0x00, 0x00, 0x00, 0x00,			    /* giaddr */
	    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t exp_opts[] = {
	    COOKIE, 0x35, 0x01, 0x02, 0x01, 0x04, 0xff, 0xff, 0xff, 0x00, 0x03, 0x04, 0xc0, 0xa8,
	    0x01,   0x01, 0x33, 0x04, 0x00, 0x00, 0x0e, 0x10, 0x36, 0x04, 0xc0, 0xa8, 0x01, 0x01,
	    0x3c,   0x09, 'P',	'X',  'E',  'C',  'l',	'i',  'e',  'n',  't',	0x43, 0x0d, 'u',
	    'n',    'd',  'i',	'o',  'n',  'l',  'y',	'.',  'k',  'p',  'x',	'e',  0xff,
	};
	static const uint8_t order[] = {53, 1, 3, 51, 54, 60, 67};
	uint8_t exp[DHCP_MIN_LEN] = {0}, out[1500];
	struct dhcp_build_stats st;
	struct dhcp_opts o;
	struct dhcp_hdr h;
	int n;

	(void)state;
	memcpy(exp, exp_hdr, 44);
	memcpy(exp + 108, "undionly.kpxe", 13);
	memcpy(exp + 236, exp_opts, sizeof(exp_opts));
	offer_hdr(&h);
	offer_opts(&o);
	memset(out, 0xaa, sizeof(out));
	n = dhcp_build(out, sizeof(out), DHCP_MIN_MAX_SIZE, &h, &o, order, sizeof(order), &st);
	assert_int_equal(n, DHCP_MIN_LEN);
	assert_memory_equal(out, exp, DHCP_MIN_LEN);
	assert_int_equal(out[DHCP_MIN_LEN], 0xaa); /* nothing past the message */
	assert_int_equal(st.written, 7);
	assert_int_equal(st.skipped, 0);
	/* st is optional */
	n = dhcp_build(out, sizeof(out), 0, &h, &o, order, sizeof(order), NULL);
	assert_int_equal(n, DHCP_MIN_LEN);
	assert_memory_equal(out, exp, DHCP_MIN_LEN);
}

static void
test_build_order_filtering(void **state)
{
	/* PAD, absent 99, duplicate 53, END and a second 3 are all skipped */
	static const uint8_t order[] = {0, 53, 99, 1, 53, 255, 3, 3, 0};
	static const uint8_t exp[] = {COOKIE, 0x35, 0x01, 0x02, 0x01, 0x04, 0xff, 0xff, 0xff,
				      0x00,   0x03, 0x04, 0xc0, 0xa8, 0x01, 0x01, 0xff, 0x00};
	uint8_t out[1500];
	struct dhcp_build_stats st;
	struct dhcp_opts o;
	struct dhcp_hdr h;

	(void)state;
	offer_hdr(&h);
	offer_opts(&o);
	assert_int_equal(dhcp_build(out, sizeof(out), 0, &h, &o, order, sizeof(order), &st), 300);
	assert_memory_equal(out + 236, exp, sizeof(exp));
	assert_int_equal(st.written, 3);
	assert_int_equal(st.skipped, 0);
	/* an empty order: just END */
	assert_int_equal(dhcp_build(out, sizeof(out), 0, &h, &o, NULL, 0, &st), 300);
	assert_int_equal(out[240], 0xff);
	assert_int_equal(out[241], 0x00);
	assert_int_equal(st.written, 0);
}

static void
test_build_split_long_option(void **state)
{
	static const uint8_t order[] = {53, 43};
	uint8_t val[300], out[1500];
	struct dhcp_build_stats st;
	struct dhcp_opts o;
	struct dhcp_hdr h;
	struct dhcp_msg m;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)(i ^ 0x5c);
	offer_hdr(&h);
	dhcp_opts_init(&o);
	dhcp_opts_set_u8(&o, DHO_MSG_TYPE, DHCPOFFER);
	assert_int_equal(dhcp_opts_set(&o, DHO_VENDOR, val, sizeof(val)), 0);
	n = dhcp_build(out, sizeof(out), 0, &h, &o, order, sizeof(order), &st);
	assert_int_equal(n, 240 + 3 + 2 + 255 + 2 + 45 + 1);
	assert_int_equal(st.written, 2);
	assert_memory_equal(out + 240, "\x35\x01\x02\x2b\xff", 5);
	assert_memory_equal(out + 245, val, 255);
	assert_memory_equal(out + 500, "\x2b\x2d", 2);
	assert_memory_equal(out + 502, val + 255, 45);
	assert_int_equal(out[547], 0xff);
	/* and parsing puts the pieces back together */
	assert_int_equal(dhcp_parse(out, (size_t)n, &m), DHCP_OK);
	expect_opt(&m.o, DHO_VENDOR, val, sizeof(val));

	/* exactly 255 is one piece, 256 is two (255 + 1) */
	dhcp_opts_set(&o, DHO_VENDOR, val, 255);
	assert_int_equal(dhcp_build(out, sizeof(out), 0, &h, &o, order, 2, &st), 240 + 3 + 257 + 1);
	assert_int_equal(out[500], 0xff);
	dhcp_opts_set(&o, DHO_VENDOR, val, 256);
	assert_int_equal(dhcp_build(out, sizeof(out), 0, &h, &o, order, 2, &st), 240 + 3 + 260 + 1);
	assert_memory_equal(out + 500, "\x2b\x01", 2);
	assert_int_equal(out[502], val[255]);
}

static void
test_build_max_len(void **state)
{
	static const uint8_t order[] = {53, 60, 43, 67};
	uint8_t val[400], out[1500];
	struct dhcp_build_stats st;
	struct dhcp_opts o;
	struct dhcp_hdr h;
	struct dhcp_msg m;
	int n;

	(void)state;
	memset(val, 'v', sizeof(val));
	offer_hdr(&h);
	dhcp_opts_init(&o);
	dhcp_opts_set_u8(&o, DHO_MSG_TYPE, DHCPOFFER); /* 243 */
	dhcp_opts_set(&o, DHO_VENDOR_CLASS, val, 200); /* 445 */
	dhcp_opts_set(&o, DHO_VENDOR, val, 300);       /* would need 304 */
	dhcp_opts_set(&o, DHO_BOOTFILE, val, 20);      /* 467, END 468 */
	memset(out, 0xaa, sizeof(out));
	n = dhcp_build(out, sizeof(out), 576, &h, &o, order, sizeof(order), &st);
	assert_int_equal(n, 468);
	assert_int_equal(st.written, 3);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(out[576], 0xaa);
	assert_int_equal(dhcp_parse(out, (size_t)n, &m), DHCP_OK);
	assert_false(dhcp_has(&m.o, DHO_VENDOR));
	expect_opt(&m.o, DHO_BOOTFILE, val, 20);

	/* without the cap everything goes */
	n = dhcp_build(out, sizeof(out), 0, &h, &o, order, sizeof(order), &st);
	assert_int_equal(n, 468 + 304);
	assert_int_equal(st.skipped, 0);
	/* the buffer caps too, whatever the client says */
	n = dhcp_build(out, 576, 1500, &h, &o, order, sizeof(order), &st);
	assert_int_equal(n, 468);
	assert_int_equal(st.skipped, 1);
}

/* An option that ends right before END at max_len fits; one byte more not. */
static void
test_build_max_len_boundary(void **state)
{
	static const uint8_t order[] = {53, 43};
	uint8_t val[400], out[1500];
	struct dhcp_build_stats st;
	struct dhcp_opts o;
	struct dhcp_hdr h;

	(void)state;
	memset(val, 'w', sizeof(val));
	offer_hdr(&h);
	dhcp_opts_init(&o);
	dhcp_opts_set_u8(&o, DHO_MSG_TYPE, DHCPOFFER);
	/* 243 + (2 + 255) + (2 + 73) = 575, END at 575 */
	dhcp_opts_set(&o, DHO_VENDOR, val, 328);
	assert_int_equal(dhcp_build(out, sizeof(out), 576, &h, &o, order, 2, &st), 576);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(out[575], 0xff);
	dhcp_opts_set(&o, DHO_VENDOR, val, 329);
	assert_int_equal(dhcp_build(out, sizeof(out), 576, &h, &o, order, 2, &st), 300);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(st.written, 1);
}

static void
test_build_too_small(void **state)
{
	static const uint8_t order[] = {53, 1};
	uint8_t out[1500];
	struct dhcp_build_stats st = {7, 7};
	struct dhcp_opts o;
	struct dhcp_hdr h;
	size_t lim;
	int n;

	(void)state;
	offer_hdr(&h);
	offer_opts(&o);
	assert_int_equal(dhcp_build(out, 0, 0, &h, &o, order, 2, &st), -ENOSPC);
	assert_int_equal(dhcp_build(out, DHCP_HDR_LEN, 0, &h, &o, order, 2, &st), -ENOSPC);
	assert_int_equal(dhcp_build(out, sizeof(out), DHCP_HDR_LEN, &h, &o, order, 2, &st),
			 -ENOSPC);
	/* header, cookie and END: no option fits, nothing is written past cap */
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(dhcp_build(out, DHCP_HDR_LEN + 1, 0, &h, &o, order, 2, &st), 241);
	assert_int_equal(out[240], 0xff);
	assert_int_equal(out[241], 0xaa);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.skipped, 2);
	/* a cap below the BOOTP minimum pads only up to the cap */
	assert_int_equal(dhcp_build(out, 260, 0, &h, &o, order, 2, &st), 260);
	assert_int_equal(out[260], 0xaa);
	/* the same holds for the client's max_len: never past it */
	for (lim = DHCP_HDR_LEN + 1; lim <= DHCP_MIN_LEN + 1; lim++) {
		memset(out, 0xaa, sizeof(out));
		n = dhcp_build(out, sizeof(out), lim, &h, &o, order, 2, &st);
		assert_true(n > 0 && (size_t)n <= lim);
		assert_int_equal(out[lim], 0xaa);
	}
}

static void
test_build_parse_round_trip(void **state)
{
	static const uint8_t order[] = {53, 54, 51, 1, 3, 6, 15, 60, 66, 67, 43, 175};
	uint8_t vendor[40], out[1500];
	struct dhcp_build_stats st;
	struct dhcp_opts o;
	struct dhcp_hdr h;
	struct dhcp_msg m;
	size_t i, n1, n2;
	const uint8_t *a, *b;
	int n;

	(void)state;
	for (i = 0; i < sizeof(vendor); i++)
		vendor[i] = (uint8_t)(0xf0 - i);
	offer_hdr(&h);
	h.hops = 2;
	h.secs = 0x1234;
	memcpy(&h.giaddr, "\x0a\x01\x02\x01", 4);
	memcpy(&h.ciaddr, "\x0a\x09\x08\x07", 4);
	memcpy(h.sname, "boot1", 5);
	offer_opts(&o);
	dhcp_opts_set(&o, DHO_DNS, "\x08\x08\x08\x08\x01\x01\x01\x01", 8);
	dhcp_opts_set(&o, DHO_DOMAIN, "rack.example", 12);
	dhcp_opts_set(&o, DHO_TFTP_SERVER, "192.168.1.1", 11);
	dhcp_opts_set(&o, DHO_VENDOR, vendor, sizeof(vendor));
	dhcp_opts_set(&o, DHO_IPXE, "", 0);
	n = dhcp_build(out, sizeof(out), 0, &h, &o, order, sizeof(order), &st);
	assert_true(n >= DHCP_MIN_LEN);
	assert_int_equal(st.written, sizeof(order));
	assert_int_equal(dhcp_parse(out, (size_t)n, &m), DHCP_OK);
	assert_memory_equal(&m.h, &h, sizeof(h));
	assert_int_equal(m.type, DHCPOFFER);
	assert_int_equal(count_present(&m.o), sizeof(order));
	for (i = 0; i < sizeof(order); i++) {
		a = dhcp_opt(&o, order[i], &n1);
		b = dhcp_opt(&m.o, order[i], &n2);
		assert_non_null(b);
		assert_int_equal(n1, n2);
		if (n1)
			assert_memory_equal(a, b, n1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_pxe_discover),
	    cmocka_unit_test(test_parse_udhcpc_discover),
	    cmocka_unit_test(test_parse_ipxe_request),
	    cmocka_unit_test(test_parse_renew),
	    cmocka_unit_test(test_parse_all_types),
	    cmocka_unit_test(test_parse_pad_between),
	    cmocka_unit_test(test_parse_missing_end),
	    cmocka_unit_test(test_parse_stops_at_end),
	    cmocka_unit_test(test_parse_empty_option),
	    cmocka_unit_test(test_parse_concat_options_field),
	    cmocka_unit_test(test_overload_both),
	    cmocka_unit_test(test_overload_file_only),
	    cmocka_unit_test(test_overload_sname_only),
	    cmocka_unit_test(test_no_overload_fields_raw),
	    cmocka_unit_test(test_overload_type_in_file),
	    cmocka_unit_test(test_overload_errors),
	    cmocka_unit_test(test_overload_optlen_bounded_by_field),
	    cmocka_unit_test(test_err_length),
	    cmocka_unit_test(test_err_magic_hlen),
	    cmocka_unit_test(test_err_optlen),
	    cmocka_unit_test(test_err_optsize),
	    cmocka_unit_test(test_err_notype),
	    cmocka_unit_test(test_err_names),
	    cmocka_unit_test(test_is_ipxe),
	    cmocka_unit_test(test_pxe_vendor),
	    cmocka_unit_test(test_client_key),
	    cmocka_unit_test(test_opts_set_replace_del),
	    cmocka_unit_test(test_opts_full),
	    cmocka_unit_test(test_opts_from_tlv),
	    cmocka_unit_test(test_opts_from_tlv_full),
	    cmocka_unit_test(test_build_offer_vector),
	    cmocka_unit_test(test_build_order_filtering),
	    cmocka_unit_test(test_build_split_long_option),
	    cmocka_unit_test(test_build_max_len),
	    cmocka_unit_test(test_build_max_len_boundary),
	    cmocka_unit_test(test_build_too_small),
	    cmocka_unit_test(test_build_parse_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
