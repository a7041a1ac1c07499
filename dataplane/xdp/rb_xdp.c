/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rb_xdp.c: rackboot's XDP program for an af_xdp port.
 *
 * Steers only the fast-path flows into the DPDK socket of the receiving
 * queue and passes everything else (HTTP, SSH, ARP replies, IPv6...) to the
 * kernel untouched, so the install repository runs at kernel TCP speed on
 * the same interface and address. The rules mirror rb_classify() in
 * proto/pkt.c: ARP requests for the server address, ICMP echo to it,
 * UDP to 67 (any destination: DHCP is broadcast), and UDP to 4011, the
 * TFTP port and the TFTP session ports at the server address; and, when
 * the RA responder is on, ICMPv6 router solicitations (any address: they go
 * to ff02::2 or to our link-local address).
 *
 * The af_xdp PMD loads this object (xdp_prog= devarg) and fills xsks_map;
 * the dataplane then writes rb_cfg. Until it does (ip == 0) every frame
 * passes to the kernel, so nothing is lost during start-up.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "rb_xdp.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, RB_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rb_xdp_cfg);
} rb_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RB_XDP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} rb_stats SEC(".maps");

struct arp_ipv4 {
	__be16 htype, ptype;
	__u8 hlen, plen;
	__be16 oper;
	__u8 sha[6];
	__be32 spa;
	__u8 tha[6];
	__be32 tpa;
} __attribute__((packed));

static __always_inline int
count(__u32 idx, int action)
{
	__u64 *v = bpf_map_lookup_elem(&rb_stats, &idx);

	if (v)
		*v += 1;
	return action;
}

static __always_inline int
to_dpdk(struct xdp_md *ctx)
{
	count(RB_XDP_STAT_REDIRECT, 0);
	return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

SEC("xdp")
int
rb_xdp_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct rb_xdp_cfg *cfg;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&rb_cfg, &zero);
	if (!cfg || cfg->ip == 0)
		return count(RB_XDP_STAT_PASS, XDP_PASS);
	if ((void *)(eth + 1) > end)
		return count(RB_XDP_STAT_PASS, XDP_PASS);

	if (eth->h_proto == bpf_htons(ETH_P_ARP)) {
		struct arp_ipv4 *arp = (void *)(eth + 1);

		if ((void *)(arp + 1) > end)
			return count(RB_XDP_STAT_PASS, XDP_PASS);
		if (arp->oper == bpf_htons(1) && arp->tpa == cfg->ip && (cfg->flags & RB_XDP_F_ARP))
			return to_dpdk(ctx);
		return count(RB_XDP_STAT_PASS, XDP_PASS);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		__u8 *icmp6 = (__u8 *)(ip6 + 1);

		/* Router solicitations only, and only the ones with ICMPv6
		 * right after the fixed header, as rb_classify() takes them.
		 * The dataplane checks the rest (a bad RS is dropped there: a
		 * host kernel ignores RS, so nothing is lost). */
		if ((void *)(icmp6 + 1) > end || !(cfg->flags & RB_XDP_F_RS))
			return count(RB_XDP_STAT_PASS, XDP_PASS);
		if (ip6->nexthdr == IPPROTO_ICMPV6 && icmp6[0] == 133)
			return to_dpdk(ctx);
		return count(RB_XDP_STAT_PASS, XDP_PASS);
	}
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return count(RB_XDP_STAT_PASS, XDP_PASS);

	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return count(RB_XDP_STAT_PASS, XDP_PASS);
	/* Fragments are the kernel's to reassemble. */
	if (ip->frag_off & bpf_htons(0x3fff))
		return count(RB_XDP_STAT_PASS, XDP_PASS);

	if (ip->protocol == IPPROTO_ICMP) {
		__u8 *icmp = (__u8 *)ip + ip->ihl * 4;

		if ((void *)(icmp + 2) > end)
			return count(RB_XDP_STAT_PASS, XDP_PASS);
		if (ip->daddr == cfg->ip && icmp[0] == 8 && (cfg->flags & RB_XDP_F_ICMP))
			return to_dpdk(ctx);
		return count(RB_XDP_STAT_PASS, XDP_PASS);
	}
	if (ip->protocol != IPPROTO_UDP)
		return count(RB_XDP_STAT_PASS, XDP_PASS);

	struct udphdr *udp = (void *)((__u8 *)ip + ip->ihl * 4);
	if ((void *)(udp + 1) > end)
		return count(RB_XDP_STAT_PASS, XDP_PASS);
	__u16 dport = bpf_ntohs(udp->dest);

	if (dport == 67)
		return to_dpdk(ctx);
	if (ip->daddr != cfg->ip)
		return count(RB_XDP_STAT_PASS, XDP_PASS);
	if (dport == 4011 || dport == cfg->tftp_port ||
	    (cfg->mtftp_port && dport == cfg->mtftp_port) ||
	    (dport >= cfg->session_lo && dport <= cfg->session_hi))
		return to_dpdk(ctx);
	return count(RB_XDP_STAT_PASS, XDP_PASS);
}

char _license[] SEC("license") = "Dual BSD/GPL";
