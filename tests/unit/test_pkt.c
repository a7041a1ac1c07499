/* SPDX-License-Identifier: BSD-3-Clause */
/* Byte-level vectors for the classifier and the ARP/ICMP reply builders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pkt.h"

static const uint8_t srv_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t cli_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t srv_ip[4] = {198, 18, 0, 1};
static const uint8_t cli_ip[4] = {198, 18, 0, 10};

static struct rb_netcfg
netcfg(void)
{
	struct rb_netcfg nc = {.tftp_port = 69, .session_lo = 61000, .session_hi = 65535};

	memcpy(nc.mac, srv_mac, 6);
	memcpy(&nc.ip, srv_ip, 4);
	return nc;
}

static size_t
eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, cli_mac, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return 14;
}

static size_t
arp_request(uint8_t *f, const uint8_t *target_ip)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};
	size_t n = eth(f, bcast, 0x0806);

	memcpy(f + n, hdr, 8);
	memcpy(f + n + 8, cli_mac, 6);
	memcpy(f + n + 14, cli_ip, 4);
	memset(f + n + 18, 0, 6);
	memcpy(f + n + 24, target_ip, 4);
	memset(f + n + 28, 0, 18); /* Ethernet padding to 60 */
	return 60;
}

/* IPv4 + proto header with `payload` bytes after an 8-byte L4 header. */
static size_t
ipv4(uint8_t *f, const uint8_t *dst_mac, const uint8_t *dst_ip, uint8_t proto, size_t payload)
{
	size_t n = eth(f, dst_mac, 0x0800);
	uint8_t *ip = f + n;
	uint16_t total = (uint16_t)(20 + 8 + payload);

	memset(ip, 0, total);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(total >> 8);
	ip[3] = (uint8_t)total;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, cli_ip, 4);
	memcpy(ip + 16, dst_ip, 4);
	{
		uint16_t c = rb_csum(ip, 20);
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	return n + total;
}

static size_t
udp(uint8_t *f, const uint8_t *dst_mac, const uint8_t *dst_ip, uint16_t dport)
{
	size_t n = ipv4(f, dst_mac, dst_ip, 17, 4);
	uint8_t *u = f + 14 + 20;

	u[0] = 0x04;
	u[1] = 0x00; /* sport 1024 */
	u[2] = (uint8_t)(dport >> 8);
	u[3] = (uint8_t)dport;
	u[4] = 0;
	u[5] = 12;
	return n;
}

static void
test_arp_request_for_us(void **state)
{
	struct rb_netcfg nc = netcfg();
	uint8_t f[64];
	size_t n = arp_request(f, srv_ip);
	enum rb_drop why;

	(void)state;
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_ARP_REPLY);
	assert_int_equal(rb_arp_reply_inplace(f, n, &nc), 42);
	assert_memory_equal(f, cli_mac, 6);	/* to the asker */
	assert_memory_equal(f + 6, srv_mac, 6); /* from us */
	assert_int_equal(f[21], 2);		/* oper reply */
	assert_memory_equal(f + 22, srv_mac, 6);
	assert_memory_equal(f + 28, srv_ip, 4);
	assert_memory_equal(f + 32, cli_mac, 6);
	assert_memory_equal(f + 38, cli_ip, 4);
}

static void
test_arp_other_goes_to_kernel(void **state)
{
	static const uint8_t other[4] = {198, 18, 0, 99};
	struct rb_netcfg nc = netcfg();
	uint8_t f[64];
	size_t n = arp_request(f, other);
	enum rb_drop why;

	(void)state;
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_KERNEL);
	assert_int_equal(rb_arp_reply_inplace(f, n, &nc), -22);
	n = arp_request(f, srv_ip);
	f[21] = 2; /* a reply: the kernel's neighbour table wants it */
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_KERNEL);
	/* truncated ARP */
	assert_int_equal(rb_classify(f, 30, &nc, &why), RB_V_DROP);
	assert_int_equal(why, RB_DROP_runt);
}

static void
test_icmp_echo(void **state)
{
	struct rb_netcfg nc = netcfg();
	uint8_t f[128];
	size_t n = ipv4(f, srv_mac, srv_ip, 1, 56);
	uint8_t *icmp = f + 34;
	enum rb_drop why;
	int len;

	(void)state;
	icmp[0] = 8;
	memset(icmp + 8, 0xab, 56);
	{
		uint16_t c = rb_csum(icmp, 64);
		icmp[2] = (uint8_t)(c >> 8);
		icmp[3] = (uint8_t)c;
	}
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_ICMP_ECHO);
	len = rb_icmp_echo_reply_inplace(f, n + 4 /* trailing pad */, &nc);
	assert_int_equal(len, (int)n);
	assert_memory_equal(f, cli_mac, 6);
	assert_memory_equal(f + 6, srv_mac, 6);
	assert_memory_equal(f + 14 + 12, srv_ip, 4);
	assert_memory_equal(f + 14 + 16, cli_ip, 4);
	assert_int_equal(icmp[0], 0);
	assert_int_equal(rb_csum_partial(f + 14, 20, 0), 0xffff); /* IP checksum verifies */
	assert_int_equal(rb_csum_partial(icmp, 64, 0), 0xffff);	  /* ICMP checksum verifies */
}

static void
test_bad_ip(void **state)
{
	struct rb_netcfg nc = netcfg();
	uint8_t f[128];
	size_t n = ipv4(f, srv_mac, srv_ip, 1, 8);
	enum rb_drop why;

	(void)state;
	f[14 + 10] ^= 0xff; /* break the checksum */
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_DROP);
	assert_int_equal(why, RB_DROP_bad_ip_checksum);
	n = ipv4(f, srv_mac, srv_ip, 1, 8);
	assert_int_equal(rb_classify(f, 14 + 10, &nc, &why), RB_V_DROP);
	assert_int_equal(why, RB_DROP_runt);
	f[14 + 3] = 200; /* total length beyond the frame */
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_DROP);
	assert_int_equal(why, RB_DROP_bad_ip_header);
	n = ipv4(f, srv_mac, srv_ip, 1, 8);
	f[14] = 0x65; /* version 6 in an IPv4 ethertype */
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_DROP);
	assert_int_equal(why, RB_DROP_bad_ip_header);
	assert_int_equal(rb_classify(f, 13, &nc, &why), RB_V_DROP);
	assert_int_equal(why, RB_DROP_runt);
}

static void
test_udp_steering(void **state)
{
	static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t bcast_ip[4] = {255, 255, 255, 255};
	static const uint8_t other_ip[4] = {198, 18, 0, 77};
	struct rb_netcfg nc = netcfg();
	uint8_t f[128];
	enum rb_drop why;
	size_t n;

	(void)state;
	n = udp(f, bcast_mac, bcast_ip, 67);
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_DHCP);
	n = udp(f, srv_mac, srv_ip, 4011);
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_DHCP);
	n = udp(f, srv_mac, srv_ip, 69);
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_TFTP);
	n = udp(f, srv_mac, srv_ip, 61000);
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_TFTP);
	n = udp(f, srv_mac, srv_ip, 60999); /* just below the session range */
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_KERNEL);
	n = udp(f, srv_mac, srv_ip, 53);
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_KERNEL);
	n = udp(f, bcast_mac, other_ip, 69); /* TFTP for someone else */
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_KERNEL);
	n = udp(f, srv_mac, srv_ip, 69);
	f[14 + 20 + 5] = 200; /* UDP length beyond the IP payload */
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_DROP);
	assert_int_equal(why, RB_DROP_bad_udp_length);
	n = udp(f, srv_mac, srv_ip, 69);
	f[14 + 6] = 0x20; /* MF: a fragment goes to the kernel to reassemble */
	f[14 + 10] = f[14 + 11] = 0;
	{
		uint16_t c = rb_csum(f + 14, 20);
		f[14 + 10] = (uint8_t)(c >> 8);
		f[14 + 11] = (uint8_t)c;
	}
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_KERNEL);
}

static void
test_other_traffic(void **state)
{
	static const uint8_t someone[6] = {0x02, 0, 0, 0, 0, 0x99};
	struct rb_netcfg nc = netcfg();
	uint8_t f[128];
	enum rb_drop why;
	size_t n;

	(void)state;
	n = ipv4(f, srv_mac, srv_ip, 6, 12); /* TCP (HTTP) */
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_KERNEL);
	n = eth(f, srv_mac, 0x86dd); /* IPv6 */
	memset(f + n, 0, 40);
	assert_int_equal(rb_classify(f, n + 40, &nc, &why), RB_V_KERNEL);
	nc.ra_on = true; /* the RA responder takes router solicitations only */
	assert_int_equal(rb_classify(f, n + 40, &nc, &why), RB_V_KERNEL);
	nc.ra_on = false;
	n = udp(f, someone, srv_ip, 69); /* flooded unicast for another MAC */
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_DROP);
	assert_int_equal(why, RB_DROP_other_host);
}

/* A router solicitation as iPXE sends it (link-local source, to ff02::2,
 * with its link-layer address), checksum by the test's own plain sum. */
static size_t
rs_frame(uint8_t *f)
{
	static const uint8_t all_routers_mac[6] = {0x33, 0x33, 0, 0, 0, 2};
	uint8_t *ip6, *icmp;
	size_t n = eth(f, all_routers_mac, 0x86dd), i;
	uint32_t s;

	ip6 = f + n;
	icmp = ip6 + 40;
	memset(ip6, 0, 40 + 16);
	ip6[0] = 0x60;
	ip6[5] = 16; /* payload length */
	ip6[6] = 58; /* ICMPv6 */
	ip6[7] = 255;
	ip6[8] = 0xfe; /* fe80::5054:ff:fe12:3456 */
	ip6[9] = 0x80;
	memcpy(ip6 + 16, (const uint8_t[]){0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56}, 8);
	ip6[24] = 0xff; /* ff02::2 */
	ip6[25] = 0x02;
	ip6[39] = 0x02;
	icmp[0] = 133;
	icmp[8] = 1; /* source link-layer address option */
	icmp[9] = 1;
	memcpy(icmp + 10, cli_mac, 6);
	s = 16 + 58;
	for (i = 8; i < 40 + 16; i += 2) /* addresses, then the message */
		s += (uint32_t)(ip6[i] << 8 | ip6[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	icmp[2] = (uint8_t)(~s >> 8);
	icmp[3] = (uint8_t)~s;
	return n + 40 + 16;
}

static void
test_router_solicitation(void **state)
{
	struct rb_netcfg nc = netcfg();
	uint8_t f[128];
	enum rb_drop why;
	size_t n;

	(void)state;
	nc.ra_on = true;
	n = rs_frame(f);
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_ICMP6_RS);
	/* Unicast to us is an RS too; to another host's MAC it is not ours. */
	memcpy(f, srv_mac, 6);
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_ICMP6_RS);
	f[5] = 0x99;
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_DROP);
	assert_int_equal(why, RB_DROP_other_host);

	/* Responder off: the kernel's, like all IPv6. */
	n = rs_frame(f);
	nc.ra_on = false;
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_KERNEL);
	nc.ra_on = true;

	/* A bad RS is a counted drop: hop limit not 255 (forwarded, so not
	 * from the link), then a checksum that does not verify. */
	f[14 + 7] = 64;
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_DROP);
	assert_int_equal(why, RB_DROP_bad_rs);
	n = rs_frame(f);
	f[14 + 40 + 3] ^= 1;
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_DROP);
	assert_int_equal(why, RB_DROP_bad_rs);

	/* Other ICMPv6 (a neighbour solicitation) and a truncated RS: kernel. */
	n = rs_frame(f);
	f[14 + 40] = 135;
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_KERNEL);
	n = rs_frame(f);
	assert_int_equal(rb_classify(f, 14 + 40, &nc, &why), RB_V_KERNEL);
	/* Next header not ICMPv6 (here: a hop-by-hop header first): kernel. */
	f[14 + 6] = 0;
	assert_int_equal(rb_classify(f, n, &nc, &why), RB_V_KERNEL);
}

static void
test_csum_vector(void **state)
{
	/* RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
	static const uint8_t v[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	(void)state;
	assert_int_equal(rb_csum_partial(v, 8, 0), 0xddf2);
	assert_int_equal(rb_csum(v, 8), (uint16_t)~0xddf2);
	assert_int_equal(rb_csum_partial(v, 3, 0), 0x0001 + 0xf200);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arp_request_for_us),
	    cmocka_unit_test(test_arp_other_goes_to_kernel),
	    cmocka_unit_test(test_icmp_echo),
	    cmocka_unit_test(test_bad_ip),
	    cmocka_unit_test(test_udp_steering),
	    cmocka_unit_test(test_other_traffic),
	    cmocka_unit_test(test_router_solicitation),
	    cmocka_unit_test(test_csum_vector),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
