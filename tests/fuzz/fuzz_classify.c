/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_classify.c: libFuzzer target for the fast-path classifier
 * (proto/pkt.c, proto/icmp6.c). The input is one Ethernet frame, classified
 * with router advertisements on and off. Checked: a drop names a counter;
 * the two verdicts differ only where an IPv6 router solicitation is
 * concerned; each verdict's follow-up works on the frame it was given: the
 * ARP and echo replies are built in place within the frame, the UDP view
 * of a DHCP or TFTP frame lies inside it and says the right port, and an
 * accepted solicitation gets an advertisement.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "icmp6.h"
#include "pkt.h"
#include "fuzz.h"

#define FRAME_MAX 2200 /* run_fuzz.sh's -max_len */

static const struct rb_netcfg base = {
    .mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01},
    .tftp_port = RB_PORT_TFTP,
    .session_lo = 61000,
    .session_hi = 61999,
    .mtftp_port = 1759,
};

/* What the worker does next with a frame of this verdict. */
static void
follow_up(enum rb_verdict v, const uint8_t *data, size_t size, const struct rb_netcfg *nc)
{
	static uint8_t f[FRAME_MAX + 128];
	const struct rb_ra_cfg ra = {.router_lifetime = 1800, .mtu = 1500};
	struct rb_udp_view u;
	int n;

	memcpy(f, data, size);
	switch (v) {
	case RB_V_ARP_REPLY:
		CHECK(rb_arp_reply_inplace(f, size, nc) == ETH_HLEN_ + 28);
		CHECK(memcmp(f + 6, nc->mac, 6) == 0);
		break;
	case RB_V_ICMP_ECHO:
		n = rb_icmp_echo_reply_inplace(f, size, nc);
		CHECK(n > ETH_HLEN_ && (size_t)n <= size);
		break;
	case RB_V_DHCP:
	case RB_V_TFTP:
		CHECK(rb_udp_view(data, size, &u) == 0);
		CHECK(u.payload >= data + RB_UDP_HDRS_LEN && u.payload + u.len <= data + size);
		if (v == RB_V_TFTP)
			CHECK(u.dport == nc->tftp_port || u.dport == nc->mtftp_port ||
			      (u.dport >= nc->session_lo && u.dport <= nc->session_hi));
		else
			CHECK(u.dport == RB_PORT_DHCP_SERVER || u.dport == RB_PORT_PROXYDHCP);
		break;
	case RB_V_ICMP6_RS:
		CHECK(rb_rs_check(data, size) == 0);
		n = rb_ra_build(f, sizeof(f), data, size, nc->mac, &ra);
		CHECK(n > 0 && (size_t)n == rb_ra_len(&ra));
		break;
	case RB_V_DROP:
	case RB_V_KERNEL:
		break;
	default:
		CHECK(0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_netcfg on = base, off = base;
	enum rb_verdict v_on, v_off;
	enum rb_drop why_on, why_off;

	if (size > FRAME_MAX)
		return 0;
	on.ip = off.ip = htonl(0xc6120001); /* 198.18.0.1 */
	on.ra_on = true;
	v_on = rb_classify(data, size, &on, &why_on);
	v_off = rb_classify(data, size, &off, &why_off);
	CHECK(v_on != RB_V_DROP || why_on < RB_DROP_MAX);
	CHECK(v_off != RB_V_DROP || why_off < RB_DROP_MAX);
	CHECK(v_off != RB_V_ICMP6_RS);
	if (v_on != v_off || (v_on == RB_V_DROP && why_on != why_off))
		CHECK(v_off == RB_V_KERNEL &&
		      (v_on == RB_V_ICMP6_RS || (v_on == RB_V_DROP && why_on == RB_DROP_bad_rs)));
	follow_up(v_on, data, size, &on);
	if (v_off != v_on)
		follow_up(v_off, data, size, &off);
	return 0;
}
