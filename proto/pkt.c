/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "icmp6.h"
#include "pkt.h"
#include "wire.h"

static bool
ip_is_ours(const uint8_t *ip_field, const struct rb_netcfg *nc)
{
	return memcmp(ip_field, &nc->ip, 4) == 0;
}

/* ARP for IPv4 over Ethernet: 28 bytes after the Ethernet header. */
static enum rb_verdict
classify_arp(struct wire *w, const struct rb_netcfg *nc, enum rb_drop *why)
{
	uint16_t htype = wire_u16(w), ptype = wire_u16(w);
	uint8_t hlen = wire_u8(w), plen = wire_u8(w);
	uint16_t oper = wire_u16(w);
	const uint8_t *rest = wire_ptr(w, 20); /* sha, spa, tha, tpa */

	if (!wire_ok(w)) {
		*why = RB_DROP_runt;
		return RB_V_DROP;
	}
	if (htype == 1 && ptype == ETHERTYPE_IPV4_ && hlen == 6 && plen == 4 && oper == 1 &&
	    ip_is_ours(rest + 16, nc))
		return RB_V_ARP_REPLY;
	/* Replies, probes and requests for other hosts: the kernel keeps its
	 * neighbour table from these. */
	return RB_V_KERNEL;
}

static enum rb_verdict
classify_ipv4(struct wire *w, const struct rb_netcfg *nc, enum rb_drop *why)
{
	const uint8_t *ip = w->buf + w->off;
	size_t avail = wire_left(w);
	uint8_t vihl = wire_u8(w);
	size_t ihl = (size_t)(vihl & 0x0f) * 4;
	uint16_t total, frag, dport;
	uint8_t proto;
	bool ours;

	if (avail < 20) {
		*why = RB_DROP_runt;
		return RB_V_DROP;
	}
	total = get_u16(ip + 2);
	if ((vihl >> 4) != 4 || ihl < 20 || ihl > avail || total < ihl || total > avail) {
		*why = RB_DROP_bad_ip_header;
		return RB_V_DROP;
	}
	if (rb_csum_partial(ip, ihl, 0) != 0xffff) {
		*why = RB_DROP_bad_ip_checksum;
		return RB_V_DROP;
	}
	proto = ip[9];
	frag = get_u16(ip + 6) & 0x3fff; /* MF flag and fragment offset */
	ours = ip_is_ours(ip + 16, nc);
	/* Fragments go to the kernel, which reassembles; PXE clients never
	 * fragment DHCP or TFTP requests. */
	if (frag)
		return RB_V_KERNEL;

	if (proto == IPPROTO_ICMP_) {
		if (ours && total >= ihl + 8 && ip[ihl] == 8 && ip[ihl + 1] == 0)
			return RB_V_ICMP_ECHO;
		return RB_V_KERNEL;
	}
	if (proto != IPPROTO_UDP_)
		return RB_V_KERNEL;
	if (total < ihl + 8) {
		*why = RB_DROP_bad_udp_length;
		return RB_V_DROP;
	}
	dport = get_u16(ip + ihl + 2);
	{
		uint16_t ulen = get_u16(ip + ihl + 4);
		bool fast = dport == RB_PORT_DHCP_SERVER || (ours && dport == RB_PORT_PROXYDHCP) ||
			    (ours && dport == nc->tftp_port) ||
			    (ours && nc->mtftp_port && dport == nc->mtftp_port) ||
			    (ours && dport >= nc->session_lo && dport <= nc->session_hi);

		if (!fast)
			return RB_V_KERNEL;
		if (ulen < 8 || ulen > total - ihl) {
			*why = RB_DROP_bad_udp_length;
			return RB_V_DROP;
		}
	}
	if (dport == RB_PORT_DHCP_SERVER || dport == RB_PORT_PROXYDHCP)
		return RB_V_DHCP;
	return RB_V_TFTP;
}

enum rb_verdict
rb_classify(const uint8_t *frame, size_t len, const struct rb_netcfg *nc, enum rb_drop *why)
{
	struct wire w;
	uint16_t type;

	*why = RB_DROP_MAX;
	wire_init(&w, frame, len);
	wire_skip(&w, 12); /* destination and source MAC */
	type = wire_u16(&w);
	if (!wire_ok(&w)) {
		*why = RB_DROP_runt;
		return RB_V_DROP;
	}
	/* A bridge floods unicast it has not learnt yet; a packet socket sees
	 * it all. Group bit clear and not our address: someone else's. */
	if (!(frame[0] & 1) && memcmp(frame, nc->mac, 6) != 0) {
		*why = RB_DROP_other_host;
		return RB_V_DROP;
	}
	switch (type) {
	case ETHERTYPE_ARP_:
		return classify_arp(&w, nc, why);
	case ETHERTYPE_IPV4_:
		return classify_ipv4(&w, nc, why);
	case ETHERTYPE_IPV6_:
		if (!nc->ra_on)
			return RB_V_KERNEL;
		switch (rb_rs_check(frame, len)) {
		case 0:
			return RB_V_ICMP6_RS;
		case -EBADMSG:
			*why = RB_DROP_bad_rs;
			return RB_V_DROP;
		default:
			return RB_V_KERNEL; /* ND, MLD, anything else IPv6 */
		}
	default:
		return RB_V_KERNEL; /* VLANs, LLDP...: the kernel decides */
	}
}

int
rb_arp_reply_inplace(uint8_t *f, size_t len, const struct rb_netcfg *nc)
{
	uint8_t *arp = f + ETH_HLEN_;
	uint8_t sha[6], spa[4];

	if (len < ETH_HLEN_ + 28 || get_u16(f + 12) != ETHERTYPE_ARP_ || get_u16(arp + 6) != 1 ||
	    memcmp(arp + 24, &nc->ip, 4) != 0)
		return -EINVAL;
	memcpy(sha, arp + 8, 6);
	memcpy(spa, arp + 14, 4);
	/* Ethernet: back to the asker, from us. */
	memcpy(f, sha, 6);
	memcpy(f + 6, nc->mac, 6);
	put_u16(arp + 6, 2);
	memcpy(arp + 8, nc->mac, 6);
	memcpy(arp + 14, &nc->ip, 4);
	memcpy(arp + 18, sha, 6);
	memcpy(arp + 24, spa, 4);
	return ETH_HLEN_ + 28;
}

int
rb_icmp_echo_reply_inplace(uint8_t *f, size_t len, const struct rb_netcfg *nc)
{
	uint8_t *ip = f + ETH_HLEN_;
	size_t ihl, total;
	uint8_t *icmp;

	if (len < ETH_HLEN_ + 20 || get_u16(f + 12) != ETHERTYPE_IPV4_)
		return -EINVAL;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	total = get_u16(ip + 2);
	if (ihl < 20 || total < ihl + 8 || ETH_HLEN_ + total > len || ip[9] != IPPROTO_ICMP_)
		return -EINVAL;
	icmp = ip + ihl;
	if (icmp[0] != 8)
		return -EINVAL;

	memmove(f, f + 6, 6); /* destination := the asker's MAC */
	memcpy(f + 6, nc->mac, 6);
	memcpy(ip + 16, ip + 12, 4); /* destination := the asker */
	memcpy(ip + 12, &nc->ip, 4);
	ip[8] = 64;
	put_u16(ip + 10, 0);
	put_u16(ip + 10, rb_csum(ip, ihl));
	icmp[0] = 0;
	put_u16(icmp + 2, 0);
	put_u16(icmp + 2, rb_csum(icmp, total - ihl));
	return (int)(ETH_HLEN_ + total);
}

int
rb_udp_view(const uint8_t *f, size_t len, struct rb_udp_view *v)
{
	size_t ihl, ulen;
	const uint8_t *ip = f + ETH_HLEN_;

	if (len < ETH_HLEN_ + 20 + 8 || get_u16(f + 12) != ETHERTYPE_IPV4_)
		return -EINVAL;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || ETH_HLEN_ + ihl + 8 > len || ip[9] != IPPROTO_UDP_)
		return -EINVAL;
	ulen = get_u16(ip + ihl + 4);
	if (ulen < 8 || ETH_HLEN_ + ihl + ulen > len)
		return -EINVAL;
	v->dst_mac = f;
	v->src_mac = f + 6;
	memcpy(&v->src_ip, ip + 12, 4);
	memcpy(&v->dst_ip, ip + 16, 4);
	v->sport = get_u16(ip + ihl);
	v->dport = get_u16(ip + ihl + 2);
	v->payload = ip + ihl + 8;
	v->len = ulen - 8;
	return 0;
}

void
rb_udp_build_hdr(uint8_t *f, const uint8_t *src_mac, const uint8_t *dst_mac, uint32_t src_ip,
		 uint32_t dst_ip, uint16_t sport, uint16_t dport, size_t payload_len,
		 uint16_t payload_sum)
{
	uint8_t *ip = f + ETH_HLEN_, *udp = ip + 20;
	uint16_t ulen = (uint16_t)(8 + payload_len), c;
	uint32_t sum;

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	put_u16(f + 12, ETHERTYPE_IPV4_);
	ip[0] = 0x45;
	ip[1] = 0;
	put_u16(ip + 2, (uint16_t)(20 + ulen));
	put_u16(ip + 4, 0); /* id: no fragments are ever made */
	put_u16(ip + 6, 0);
	/* A multicast group lives on the provisioning segment: TTL 1. */
	ip[8] = (((const uint8_t *)&dst_ip)[0] & 0xf0) == 0xe0 ? 1 : 64;
	ip[9] = IPPROTO_UDP_;
	put_u16(ip + 10, 0);
	memcpy(ip + 12, &src_ip, 4);
	memcpy(ip + 16, &dst_ip, 4);
	put_u16(ip + 10, rb_csum(ip, 20));

	put_u16(udp, sport);
	put_u16(udp + 2, dport);
	put_u16(udp + 4, ulen);
	put_u16(udp + 6, 0);
	/* Pseudo header (addresses, protocol, length), UDP header, payload. */
	sum = rb_csum_partial(ip + 12, 8, 0);
	sum += IPPROTO_UDP_ + ulen;
	sum += rb_csum_partial(udp, 8, 0);
	sum += payload_sum;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	put_u16(udp + 6, c ? c : 0xffff); /* 0 would mean "no checksum" */
}

int
rb_udp_build(uint8_t *frame, size_t cap, const uint8_t *src_mac, const uint8_t *dst_mac,
	     uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport, const void *payload,
	     size_t len)
{
	if (len > 65507 || cap < RB_UDP_HDRS_LEN + len)
		return -ENOSPC;
	memcpy(frame + RB_UDP_HDRS_LEN, payload, len);
	rb_udp_build_hdr(frame, src_mac, dst_mac, src_ip, dst_ip, sport, dport, len,
			 rb_csum_partial(frame + RB_UDP_HDRS_LEN, len, 0));
	return (int)(RB_UDP_HDRS_LEN + len);
}
