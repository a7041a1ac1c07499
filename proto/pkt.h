/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkt.h: Ethernet/ARP/IPv4/ICMP/UDP helpers and the fast-path classifier.
 *
 * Pure: (buf, len) in, verdicts and in-place rewrites out; no DPDK types.
 * The dataplane, the storm generator, the unit tests and the fuzzers link it.
 * The XDP program (dataplane/xdp/rb_xdp.c) applies the same steering rules
 * in BPF; tests/unit/test_pkt.c pins them down for this side.
 */
#ifndef RB_PROTO_PKT_H
#define RB_PROTO_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "csum.h" /* rb_csum(), rb_csum_partial() */

#define ETH_HLEN_ 14
#define ETHERTYPE_IPV4_ 0x0800
#define ETHERTYPE_ARP_ 0x0806
#define IPPROTO_ICMP_ 1
#define IPPROTO_UDP_ 17

#define RB_PORT_DHCP_SERVER 67
#define RB_PORT_DHCP_CLIENT 68
#define RB_PORT_PROXYDHCP 4011
#define RB_PORT_TFTP 69

/* What the classifier needs to know about the server. */
struct rb_netcfg {
	uint8_t mac[6];
	uint32_t ip; /* network byte order */
	uint16_t tftp_port;
	uint16_t session_lo, session_hi; /* host order, inclusive */
	uint16_t mtftp_port;		 /* PXE MTFTP requests; 0: none */
	bool ra_on;			 /* answer IPv6 router solicitations */
};

enum rb_verdict {
	RB_V_DROP = 0,	/* *why says which drop counter */
	RB_V_ARP_REPLY, /* ARP request for the server address: answer it */
	RB_V_ICMP_ECHO, /* echo request to the server address: answer it */
	RB_V_DHCP,	/* UDP to 67 (any destination), or 4011 to the server */
	RB_V_TFTP,	/* UDP to the TFTP, MTFTP or a session port, to the server */
	RB_V_KERNEL,	/* everything else belongs to the kernel stack */
	RB_V_ICMP6_RS,	/* IPv6 router solicitation, ra_on: answer with an RA */
};

/*
 * Classify one Ethernet frame. Frames that are malformed in a way that
 * matters to the fast path get RB_V_DROP with *why set; anything the fast
 * path does not own goes to the kernel untouched, malformed or not, because
 * the kernel is the right judge of its own traffic. IPv6 is all the
 * kernel's except router solicitations when nc->ra_on (rb_rs_check(): a
 * bad RS is dropped as bad_rs, since no router would accept it either).
 */
enum rb_verdict rb_classify(const uint8_t *frame, size_t len, const struct rb_netcfg *nc,
			    enum rb_drop *why);

/*
 * Turn an ARP request that rb_classify() accepted into the reply, in place.
 * Returns the reply length (42: padding beyond it is left to the caller's
 * frame length), or -EINVAL when the frame is not such a request.
 */
int rb_arp_reply_inplace(uint8_t *frame, size_t len, const struct rb_netcfg *nc);

/*
 * Turn an ICMP echo request that rb_classify() accepted into the echo reply,
 * in place: swaps addresses, sets type 0, fresh TTL and both checksums.
 * Returns the frame length to send, or -EINVAL.
 */
int rb_icmp_echo_reply_inplace(uint8_t *frame, size_t len, const struct rb_netcfg *nc);

/* Where the parts of a UDP/IPv4 frame are (addresses in network order). */
struct rb_udp_view {
	const uint8_t *dst_mac, *src_mac;
	uint32_t src_ip, dst_ip;
	uint16_t sport, dport; /* host order */
	const uint8_t *payload;
	size_t len; /* UDP payload bytes, from the UDP length field */
};

/*
 * Fill v for a frame rb_classify() gave RB_V_DHCP or RB_V_TFTP (lengths
 * already checked there; checked again here). 0 or -EINVAL.
 */
int rb_udp_view(const uint8_t *frame, size_t len, struct rb_udp_view *v);

#define RB_UDP_HDRS_LEN 42 /* Ethernet 14 + IPv4 20 + UDP 8 */

/*
 * Write Ethernet, IPv4 (no options, DF clear, TTL 64, or 1 to a multicast
 * group) and UDP headers for
 * a payload of payload_len bytes whose rb_csum_partial() is payload_sum
 * into frame (RB_UDP_HDRS_LEN bytes), with both checksums filled in. The
 * payload itself may live elsewhere (a chained segment).
 */
void rb_udp_build_hdr(uint8_t *frame, const uint8_t *src_mac, const uint8_t *dst_mac,
		      uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport,
		      size_t payload_len, uint16_t payload_sum);

/* Headers plus a copy of the payload. Frame length, or -ENOSPC. */
int rb_udp_build(uint8_t *frame, size_t cap, const uint8_t *src_mac, const uint8_t *dst_mac,
		 uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport,
		 const void *payload, size_t len);

#endif
