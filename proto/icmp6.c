/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "icmp6.h"
#include "pkt.h"
#include "wire.h"

#define IP6_HLEN 40
#define RS_HLEN 8  /* type, code, checksum, reserved */
#define RA_HLEN 16 /* + hop limit, flags, lifetime, reachable, retrans */
#define OPT_SLLA 1
#define OPT_MTU 5

/* The ICMPv6 checksum: pseudo-header (RFC 8200 8.1) plus the message. */
static uint16_t
icmp6_csum(const uint8_t *ip6, const uint8_t *msg, size_t len)
{
	uint32_t sum = 0;
	uint16_t part;

	part = rb_csum_partial(ip6 + 8, 32, 0); /* source and destination */
	sum = part;
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	sum += IPPROTO_ICMPV6_;
	return (uint16_t)~rb_csum_partial(msg, len, sum);
}

static int
is_unspecified(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

int
rb_rs_check(const uint8_t *f, size_t len)
{
	const uint8_t *ip6, *icmp;
	size_t plen, off;

	if (len < ETH_HLEN_ + IP6_HLEN || get_u16(f + 12) != ETHERTYPE_IPV6_)
		return -ENOENT;
	ip6 = f + ETH_HLEN_;
	if ((ip6[0] >> 4) != 6 || ip6[6] != IPPROTO_ICMPV6_)
		return -ENOENT;
	plen = get_u16(ip6 + 4);
	if (plen < 1 || ETH_HLEN_ + IP6_HLEN + plen > len)
		return -ENOENT;
	icmp = ip6 + IP6_HLEN;
	if (icmp[0] != ICMP6_ROUTER_SOLICIT)
		return -ENOENT;
	/* From here on it claims to be an RS: every failure is a bad one. */
	if (plen < RS_HLEN || ip6[7] != 255 || icmp[1] != 0)
		return -EBADMSG;
	if (icmp6_csum(ip6, icmp, plen) != 0)
		return -EBADMSG;
	for (off = RS_HLEN; off < plen;) {
		size_t olen;

		if (plen - off < 2)
			return -EBADMSG;
		olen = (size_t)icmp[off + 1] * 8;
		if (olen == 0 || olen > plen - off)
			return -EBADMSG;
		if (icmp[off] == OPT_SLLA && is_unspecified(ip6 + 8))
			return -EBADMSG;
		off += olen;
	}
	return 0;
}

void
rb_ip6_link_local(const uint8_t mac[6], uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = mac[0] ^ 0x02; /* the universal/local bit, inverted */
	out[9] = mac[1];
	out[10] = mac[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = mac[3];
	out[14] = mac[4];
	out[15] = mac[5];
}

size_t
rb_ra_len(const struct rb_ra_cfg *cfg)
{
	return ETH_HLEN_ + IP6_HLEN + RA_HLEN + 8 + (cfg->mtu ? 8 : 0);
}

int
rb_ra_build(uint8_t *out, size_t cap, const uint8_t *rs, size_t rs_len, const uint8_t our_mac[6],
	    const struct rb_ra_cfg *cfg)
{
	uint8_t dst_mac[6], dst_ip[16];
	size_t need = rb_ra_len(cfg), mlen = need - ETH_HLEN_ - IP6_HLEN;
	uint8_t *ip6 = out + ETH_HLEN_, *ra = ip6 + IP6_HLEN, *opt;

	if (rs_len < ETH_HLEN_ + IP6_HLEN + RS_HLEN || get_u16(rs + 12) != ETHERTYPE_IPV6_ ||
	    rs[ETH_HLEN_ + IP6_HLEN] != ICMP6_ROUTER_SOLICIT)
		return -EINVAL;
	if (cap < need)
		return -ENOSPC;
	/* Read everything needed from the RS before out (maybe the same
	 * buffer) is written. A solicitor with an address gets a unicast
	 * answer (RFC 4861 6.2.6 allows it), so a rack of booting nodes does
	 * not wake every node for each one's RS. */
	if (is_unspecified(rs + ETH_HLEN_ + 8) || rs[ETH_HLEN_ + 8] == 0xff) {
		static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};

		memcpy(dst_ip, all_nodes, 16);
		memcpy(dst_mac, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	} else {
		memcpy(dst_ip, rs + ETH_HLEN_ + 8, 16);
		memcpy(dst_mac, rs + 6, 6);
	}

	memcpy(out, dst_mac, 6);
	memcpy(out + 6, our_mac, 6);
	put_u16(out + 12, ETHERTYPE_IPV6_);

	put_u32(ip6, 0x60000000u); /* version 6, class 0, flow 0 */
	put_u16(ip6 + 4, (uint16_t)mlen);
	ip6[6] = IPPROTO_ICMPV6_;
	ip6[7] = 255; /* RFC 4861: receivers drop ND with any other */
	rb_ip6_link_local(our_mac, ip6 + 8);
	memcpy(ip6 + 24, dst_ip, 16);

	memset(ra, 0, RA_HLEN);
	ra[0] = ICMP6_ROUTER_ADVERT;
	ra[4] = 0; /* cur hop limit: unspecified */
	ra[5] = cfg->flags & (RB_RA_FLAG_MANAGED | RB_RA_FLAG_OTHER);
	put_u16(ra + 6, cfg->router_lifetime);
	/* reachable time and retrans timer 0: unspecified */

	opt = ra + RA_HLEN;
	opt[0] = OPT_SLLA;
	opt[1] = 1;
	memcpy(opt + 2, our_mac, 6);
	if (cfg->mtu) {
		opt += 8;
		opt[0] = OPT_MTU;
		opt[1] = 1;
		put_u16(opt + 2, 0);
		put_u32(opt + 4, cfg->mtu);
	}
	put_u16(ra + 2, icmp6_csum(ip6, ra, mlen));
	return (int)need;
}
