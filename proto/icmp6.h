/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * icmp6.h: IPv6 router solicitations in, router advertisements out.
 *
 * Why a provisioning server answers RS at all: iPXE (and other firmware
 * with IPv6) waits for IPv6 autoconfiguration to finish before it uses the
 * IPv4 lease it already has; with no router advertisement on the link that
 * wait is about 16 s per boot (shared/FIRMWARE.md). An RA with no prefix,
 * router lifetime 0 (we are not a default router) and the M/O flags clear
 * tells the client "nothing to configure here" and it goes on at once.
 *
 * Pure: (buf, len) in, frames out; no DPDK types.
 */
#ifndef RB_PROTO_ICMP6_H
#define RB_PROTO_ICMP6_H

#include <stddef.h>
#include <stdint.h>

#define ETHERTYPE_IPV6_ 0x86dd
#define IPPROTO_ICMPV6_ 58
#define ICMP6_ROUTER_SOLICIT 133
#define ICMP6_ROUTER_ADVERT 134

#define RB_RA_FLAG_MANAGED 0x80 /* M: addresses from DHCPv6 */
#define RB_RA_FLAG_OTHER 0x40	/* O: other configuration from DHCPv6 */

/* What the advertisement says. All zero is the default described above. */
struct rb_ra_cfg {
	uint8_t flags;		  /* RB_RA_FLAG_* */
	uint16_t router_lifetime; /* seconds; 0: not a default router */
	uint32_t mtu;		  /* 0: no MTU option */
};

/*
 * Is this Ethernet frame a router solicitation that RFC 4861 6.1.1 lets a
 * router accept? IPv6 without extension headers, next header ICMPv6, hop
 * limit 255, type 133 code 0, a valid ICMPv6 checksum, every option with a
 * non-zero length inside the packet, and no source link-layer address
 * option when the source is unspecified (::). 0 when it is, -EBADMSG when
 * it is an RS that fails a check, -ENOENT when it is not an RS at all.
 */
int rb_rs_check(const uint8_t *frame, size_t len);

/* The link-local address fe80::/64 + modified EUI-64 of mac (RFC 4291). */
void rb_ip6_link_local(const uint8_t mac[6], uint8_t out[16]);

/*
 * Build the RA answering the RS in rs (checked by rb_rs_check) into out
 * (cap bytes; out may be rs itself: the RS is read before anything is
 * written). From our link-local address and MAC, hop limit 255; to the
 * solicitor's address and MAC when its source is a unicast address, else
 * to all nodes (ff02::1, 33:33:00:00:00:01). Carries our source link-layer
 * address option and, when cfg->mtu is set, an MTU option. Returns the
 * frame length, -EINVAL for a frame that is not an RS, -ENOSPC when cap is
 * too small.
 */
int rb_ra_build(uint8_t *out, size_t cap, const uint8_t *rs, size_t rs_len,
		const uint8_t our_mac[6], const struct rb_ra_cfg *cfg);

/* Bytes rb_ra_build() writes for cfg. */
size_t rb_ra_len(const struct rb_ra_cfg *cfg);

#endif
