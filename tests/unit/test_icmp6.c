/* SPDX-License-Identifier: BSD-3-Clause */
/* Router solicitations accepted and refused; the advertisement's bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "icmp6.h"

static const uint8_t srv_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t cli_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
/* fe80::5054:ff:fe12:3456, the client's EUI-64 link-local address */
static const uint8_t cli_ll[16] = {0xfe, 0x80, [8] = 0x50, 0x54, 0x00,
				   0xff, 0xfe, 0x12,	   0x34, 0x56};
static const uint8_t all_routers[16] = {0xff, 0x02, [15] = 0x02};

/* The test's own one's-complement sum, written plainly (not rb_csum). */
static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)(p[i] << 8) | (i + 1 < n ? p[i + 1] : 0);
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* ICMPv6 checksum check of a whole frame: the sum must be 0xffff. */
static int
icmp6_sum_ok(const uint8_t *f)
{
	const uint8_t *ip6 = f + 14;
	size_t plen = (size_t)(ip6[4] << 8 | ip6[5]);
	uint32_t s = sum16(ip6 + 8, 32, 0) + (uint32_t)plen + 58;

	return fold(sum16(ip6 + 40, plen, s)) == 0xffff;
}

/* An RS as iPXE sends it: from its link-local address to ff02::2, with a
 * source link-layer address option. src NULL: from ::, no option. */
static size_t
rs_frame(uint8_t *f, const uint8_t *src, int with_slla)
{
	uint8_t *ip6 = f + 14, *icmp = ip6 + 40;
	size_t plen = 8 + (with_slla ? 8 : 0);
	uint16_t c;

	memset(f, 0, 14 + 40 + plen);
	memcpy(f, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 2}, 6);
	memcpy(f + 6, cli_mac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	ip6[0] = 0x60;
	ip6[5] = (uint8_t)plen;
	ip6[6] = 58;
	ip6[7] = 255;
	if (src)
		memcpy(ip6 + 8, src, 16);
	memcpy(ip6 + 24, all_routers, 16);
	icmp[0] = 133;
	if (with_slla) {
		icmp[8] = 1;
		icmp[9] = 1;
		memcpy(icmp + 10, cli_mac, 6);
	}
	c = (uint16_t)~fold(sum16(icmp, plen, sum16(ip6 + 8, 32, 0) + (uint32_t)plen + 58));
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	return 14 + 40 + plen;
}

static void
test_rs_accepted(void **state)
{
	uint8_t f[128];
	size_t n;

	(void)state;
	n = rs_frame(f, cli_ll, 1);
	assert_int_equal(rb_rs_check(f, n), 0);
	n = rs_frame(f, NULL, 0); /* from :: without the option: fine */
	assert_int_equal(rb_rs_check(f, n), 0);
}

static void
test_rs_refused(void **state)
{
	uint8_t f[128];
	size_t n;

	(void)state;
	n = rs_frame(f, cli_ll, 1);
	f[14 + 7] = 64; /* hop limit: forwarded by a router, so not on-link */
	assert_int_equal(rb_rs_check(f, n), -EBADMSG);

	n = rs_frame(f, cli_ll, 1);
	f[14 + 40 + 2] ^= 0x01; /* checksum */
	assert_int_equal(rb_rs_check(f, n), -EBADMSG);

	n = rs_frame(f, cli_ll, 1);
	f[14 + 40 + 1] = 1; /* code */
	assert_int_equal(rb_rs_check(f, n), -EBADMSG);

	n = rs_frame(f, NULL, 1); /* SLLA from the unspecified address */
	assert_int_equal(rb_rs_check(f, n), -EBADMSG);

	n = rs_frame(f, cli_ll, 1);
	f[14 + 40 + 9] = 0; /* an option of length 0 would loop forever */
	assert_int_equal(rb_rs_check(f, n), -EBADMSG);

	n = rs_frame(f, cli_ll, 1);
	f[14 + 40 + 9] = 2; /* an option running past the packet */
	assert_int_equal(rb_rs_check(f, n), -EBADMSG);

	n = rs_frame(f, cli_ll, 1);
	assert_int_equal(rb_rs_check(f, n - 1 - 8 - 8), -ENOENT); /* truncated */

	n = rs_frame(f, cli_ll, 1);
	f[14 + 40] = 135; /* a neighbour solicitation: not ours to judge */
	assert_int_equal(rb_rs_check(f, n), -ENOENT);

	n = rs_frame(f, cli_ll, 1);
	f[12] = 0x08; /* IPv4 */
	f[13] = 0x00;
	assert_int_equal(rb_rs_check(f, n), -ENOENT);
}

static void
test_link_local(void **state)
{
	uint8_t a[16];

	(void)state;
	rb_ip6_link_local(cli_mac, a);
	assert_memory_equal(a, cli_ll, 16);
}

static void
test_ra_unicast(void **state)
{
	uint8_t rs[128], ra[256], ll[16];
	struct rb_ra_cfg cfg = {0};
	size_t n = rs_frame(rs, cli_ll, 1);
	int len;

	(void)state;
	len = rb_ra_build(ra, sizeof(ra), rs, n, srv_mac, &cfg);
	assert_int_equal(len, 14 + 40 + 16 + 8);
	assert_int_equal((size_t)len, rb_ra_len(&cfg));
	assert_memory_equal(ra, cli_mac, 6);
	assert_memory_equal(ra + 6, srv_mac, 6);
	assert_int_equal(ra[12], 0x86);
	assert_int_equal(ra[13], 0xdd);
	assert_int_equal(ra[14] >> 4, 6);
	assert_int_equal(ra[14 + 5], 16 + 8);
	assert_int_equal(ra[14 + 6], 58);
	assert_int_equal(ra[14 + 7], 255);
	rb_ip6_link_local(srv_mac, ll);
	assert_memory_equal(ra + 14 + 8, ll, 16);
	assert_memory_equal(ra + 14 + 24, cli_ll, 16);
	assert_int_equal(ra[54], 134);
	assert_int_equal(ra[55], 0);
	assert_int_equal(ra[59], 0);		   /* no M, no O */
	assert_int_equal(ra[60] << 8 | ra[61], 0); /* not a default router */
	assert_int_equal(ra[70], 1);		   /* SLLA */
	assert_int_equal(ra[71], 1);
	assert_memory_equal(ra + 72, srv_mac, 6);
	assert_true(icmp6_sum_ok(ra));
}

static void
test_ra_multicast_flags_mtu_inplace(void **state)
{
	uint8_t f[256];
	struct rb_ra_cfg cfg = {.flags = RB_RA_FLAG_OTHER, .router_lifetime = 0, .mtu = 1500};
	size_t n = rs_frame(f, NULL, 0);
	int len;

	(void)state;
	/* built over the RS itself, as the dataplane does in the mbuf */
	len = rb_ra_build(f, sizeof(f), f, n, srv_mac, &cfg);
	assert_int_equal(len, 14 + 40 + 16 + 8 + 8);
	assert_memory_equal(f, ((const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}), 6);
	assert_int_equal(f[14 + 24], 0xff);
	assert_int_equal(f[14 + 25], 0x02);
	assert_int_equal(f[14 + 39], 0x01);
	assert_int_equal(f[59], RB_RA_FLAG_OTHER);
	assert_int_equal(f[78], 5); /* MTU option */
	assert_int_equal(f[82] << 24 | f[83] << 16 | f[84] << 8 | f[85], 1500);
	assert_true(icmp6_sum_ok(f));
}

static void
test_ra_errors(void **state)
{
	uint8_t rs[128], ra[256];
	struct rb_ra_cfg cfg = {0};
	size_t n = rs_frame(rs, cli_ll, 1);

	(void)state;
	assert_int_equal(rb_ra_build(ra, rb_ra_len(&cfg) - 1, rs, n, srv_mac, &cfg), -ENOSPC);
	assert_int_equal(rb_ra_build(ra, sizeof(ra), rs, 20, srv_mac, &cfg), -EINVAL);
	rs[54] = 128; /* echo request */
	assert_int_equal(rb_ra_build(ra, sizeof(ra), rs, n, srv_mac, &cfg), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rs_accepted),
	    cmocka_unit_test(test_rs_refused),
	    cmocka_unit_test(test_link_local),
	    cmocka_unit_test(test_ra_unicast),
	    cmocka_unit_test(test_ra_multicast_flags_mtu_inplace),
	    cmocka_unit_test(test_ra_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
