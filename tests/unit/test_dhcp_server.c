/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DHCP server's decisions (dataplane/dhcp_server.c, dhcp_lease.c),
 * driven through the wire format: each request is built with the codec,
 * handed to dhcpd_handle() at a clock the test advances by hand, and the
 * reply is parsed back. Covers DORA, the REQUEST states of RFC 2131 4.3.2,
 * RELEASE, DECLINE, INFORM, pool exhaustion and expiry, reservations, PXE
 * boot selection, option order and size, relays, proxyDHCP, rate limiting,
 * bad input and loading durable leases.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp_server.h"

#define T0 1700000000u
#define SERVER "198.18.0.1"
#define OTHER_SERVER "198.18.0.2"
#define RELAY "198.18.5.1"
#define NB_DYNAMIC 9 /* .100-.109 less the reserved .105 */

static const uint8_t mac_resv10[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0xaa};
static const uint8_t mac_resv105[6] = {0x52, 0x54, 0x00, 0x00, 0x01, 0x05};
static const uint8_t cid_resv11[] = {0x00, 'a', 's', 's', 'e', 't', '-', '1', '1'};
static const uint8_t relay_mac[6] = {0x02, 0xee, 0x00, 0x00, 0x05, 0x01};
static const uint8_t uuid[17] = {0x00, 0x4c, 0x4c, 0x45, 0x44, 0x00, 0x33, 0x10, 0x80,
				 0x39, 0xb6, 0xc4, 0xc0, 0x4f, 0x4e, 0x38, 0x32};
static const uint8_t relay_info[] = {1, 4, 'p', 'o', 'r', 't', 2, 3, 's', 'w', '1'};

static const char http_url[] = "http://198.18.0.1/boot/ipxe.efi";
static const char ipxe_url[] = "http://198.18.0.1/boot.ipxe";

static uint32_t
ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* A distinct client MAC per n. */
static void
mac_of(unsigned n, uint8_t mac[6])
{
	const uint8_t m[6] = {0x02, 0x00, 0x5e, 0x10, (uint8_t)(n >> 8), (uint8_t)n};

	memcpy(mac, m, 6);
}

/* --- configuration --------------------------------------------------- */

static void
tlv(struct rb_dhcp_subnet_msg *sn, uint8_t code, const void *val, size_t n)
{
	assert_true(sn->opts_len + 2 + n <= sizeof(sn->opts));
	sn->opts[sn->opts_len++] = code;
	sn->opts[sn->opts_len++] = (uint8_t)n;
	memcpy(sn->opts + sn->opts_len, val, n);
	sn->opts_len = (uint16_t)(sn->opts_len + n);
}

static void
subnet(struct rb_dhcp_subnet_msg *sn, const char *net, const char *lo, const char *hi,
       const char *router, const char *domain)
{
	uint32_t mask = ip("255.255.255.0"), gw = ip(router);
	uint32_t dns[2] = {ip(SERVER), ip(OTHER_SERVER)};
	size_t left = strlen(domain), part;

	sn->net = ip(net);
	sn->mask = mask;
	sn->pool_lo = ip(lo);
	sn->pool_hi = ip(hi);
	sn->lease_time = 3600;
	tlv(sn, DHO_SUBNET_MASK, &mask, 4);
	tlv(sn, DHO_ROUTERS, &gw, 4);
	tlv(sn, DHO_DNS, dns, sizeof(dns));
	/* A domain over 255 bytes goes as several instances (RFC 3396). */
	for (; left; left -= part, domain += part) {
		part = left > 200 ? 200 : left;
		tlv(sn, DHO_DOMAIN, domain, part);
	}
}

static void
cfg_default(struct rb_dhcp_dp_config *c, const char *domain)
{
	memset(c, 0, sizeof(*c));
	c->mode = RB_DHCP_SERVER;
	c->nb_subnets = 2;
	c->offer_time = 60;
	c->decline_time = 600;
	c->rate_limit = 0;
	c->next_server = ip(SERVER);
	c->nb_resv = 3;
	snprintf(c->boot[RB_BOOT_BIOS], RB_URL_MAX, "pxelinux.0");
	snprintf(c->boot[RB_BOOT_EFI_X64], RB_URL_MAX, "syslinux.efi");
	snprintf(c->boot[RB_BOOT_EFI_ARM64], RB_URL_MAX, "grubaa64.efi");
	snprintf(c->boot[RB_BOOT_HTTP_X64], RB_URL_MAX, "%s", http_url);
	snprintf(c->ipxe_script, RB_URL_MAX, "%s", ipxe_url);
	subnet(&c->subnets[0], "198.18.0.0", "198.18.0.100", "198.18.0.109", SERVER, domain);
	subnet(&c->subnets[1], "198.18.5.0", "198.18.5.10", "198.18.5.19", RELAY, domain);
}

static void
add_resv(struct dhcpd *d, uint8_t kind, const void *key, size_t len, const char *addr,
	 const char *host)
{
	struct rb_dhcp_resv_msg r;

	memset(&r, 0, sizeof(r));
	r.ip = ip(addr);
	r.kind = kind;
	r.key_len = (uint8_t)len;
	memcpy(r.key, key, len);
	snprintf(r.hostname, sizeof(r.hostname), "%s", host);
	assert_int_equal(dhcpd_add_resv(d, &r), 0);
}

/* --- fixture ----------------------------------------------------------- */

struct fx {
	struct dhcpd d;
	bool up;
	uint32_t now;
	uint64_t cnt[RB_CNT_MAX];
	uint64_t drops[RB_DROP_MAX];
	struct dhcpd_out out;
	struct dhcp_msg rep; /* the parsed reply, when out.len > 0 */
	uint8_t room;	     /* enum dhcpd_room: what the commit queue can take */
};

static void
fx_start(struct fx *f, const struct rb_dhcp_dp_config *c)
{
	char msg[128] = "";

	if (f->up)
		dhcpd_free(&f->d);
	assert_int_equal(dhcpd_init(&f->d, c, ip(SERVER), 1500, msg, sizeof(msg)), 0);
	f->up = true;
	if (c->mode == RB_DHCP_SERVER) {
		add_resv(&f->d, RB_RESV_MAC, mac_resv10, 6, "198.18.0.10", "node10");
		add_resv(&f->d, RB_RESV_CLIENT_ID, cid_resv11, sizeof(cid_resv11), "198.18.0.11",
			 "node11");
		add_resv(&f->d, RB_RESV_MAC, mac_resv105, 6, "198.18.0.105", "node105");
	}
	dhcpd_ready(&f->d);
	f->now = T0;
	memset(f->cnt, 0, sizeof(f->cnt));
	memset(f->drops, 0, sizeof(f->drops));
}

static int
setup(void **state)
{
	struct rb_dhcp_dp_config c;
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	cfg_default(&c, "lab.example");
	fx_start(f, &c);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	if (f->up)
		dhcpd_free(&f->d);
	free(f);
	return 0;
}

/* --- requests ---------------------------------------------------------- */

struct req {
	struct dhcp_hdr h;
	struct dhcp_opts o;
	uint8_t order[256];
	size_t norder;
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
	uint8_t src_mac[6];
	size_t trunc; /* nonzero: hand over only this many bytes */
};

static void
opt(struct req *r, uint8_t code, const void *val, size_t n)
{
	assert_int_equal(dhcp_opts_set(&r->o, code, val, n), 0);
	r->order[r->norder++] = code;
}

static void
opt_ip(struct req *r, uint8_t code, const char *addr)
{
	uint32_t v = ip(addr);

	opt(r, code, &v, 4);
}

static void
opt_str(struct req *r, uint8_t code, const char *s)
{
	opt(r, code, s, strlen(s));
}

static void
opt_u16(struct req *r, uint8_t code, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	opt(r, code, b, 2);
}

/* A client on the server's segment, no address yet, broadcasting. */
static void
req_init(struct req *r, uint8_t type, const uint8_t mac[6])
{
	static uint32_t xid = 0x5eed0000;

	memset(r, 0, sizeof(*r));
	dhcp_opts_init(&r->o);
	r->h.op = BOOTREQUEST;
	r->h.htype = 1;
	r->h.hlen = 6;
	r->h.xid = ++xid;
	memcpy(r->h.chaddr, mac, 6);
	memcpy(r->src_mac, mac, 6);
	r->src_ip = 0;
	r->dst_ip = 0xffffffffu;
	r->src_port = RB_PORT_DHCP_CLIENT;
	r->dst_port = RB_PORT_DHCP_SERVER;
	opt(r, DHO_MSG_TYPE, &type, 1);
}

/* The client already has addr (RENEWING, INFORM, RELEASE): it unicasts. */
static void
req_from(struct req *r, const char *addr)
{
	r->h.ciaddr = ip(addr);
	r->src_ip = ip(addr);
	r->dst_ip = ip(SERVER);
}

/* Through the relay on 198.18.5.0/24. */
static void
req_relayed(struct req *r)
{
	r->h.giaddr = ip(RELAY);
	r->h.hops = 1;
	r->src_ip = ip(RELAY);
	r->src_port = RB_PORT_DHCP_SERVER;
	r->dst_ip = ip(SERVER);
	memcpy(r->src_mac, relay_mac, 6);
	opt(r, DHO_RELAY_INFO, relay_info, sizeof(relay_info));
}

static void
req_pxe(struct req *r, uint16_t arch, const char *vendor_class)
{
	opt_str(r, DHO_VENDOR_CLASS, vendor_class);
	opt_u16(r, DHO_CLIENT_ARCH, arch);
	opt(r, DHO_CLIENT_UUID, uuid, sizeof(uuid));
}

/* Send r to the server; parse and sanity-check whatever comes back. */
static enum dhcpd_verdict
handle(struct fx *f, const struct req *r)
{
	uint8_t buf[DHCPD_MAX_PAYLOAD];
	struct dhcpd_in in;
	enum dhcpd_verdict v;
	uint32_t sid;
	uint8_t type;
	int len;

	len = dhcp_build(buf, sizeof(buf), 0, &r->h, &r->o, r->order, r->norder, NULL);
	assert_true(len >= DHCP_MIN_LEN);
	in = (struct dhcpd_in){
	    .payload = buf,
	    .len = r->trunc ? r->trunc : (size_t)len,
	    .src_ip = r->src_ip,
	    .dst_ip = r->dst_ip,
	    .src_port = r->src_port,
	    .dst_port = r->dst_port,
	    .src_mac = r->src_mac,
	    .now = f->now,
	    .commit_room = f->room,
	};
	memset(&f->out, 0x5a, sizeof(f->out));
	memset(&f->rep, 0, sizeof(f->rep));
	v = dhcpd_handle(&f->d, &in, &f->out, f->cnt, f->drops);

	if (v == DHCPD_SEND || v == DHCPD_COMMIT_SEND) {
		assert_true(f->out.len >= DHCP_MIN_LEN);
		assert_true(f->out.len <= DHCPD_MAX_PAYLOAD);
		assert_int_equal(dhcp_parse(f->out.payload, (size_t)f->out.len, &f->rep), DHCP_OK);
		assert_int_equal(f->rep.h.op, BOOTREPLY);
		assert_int_equal(f->rep.h.htype, r->h.htype);
		assert_int_equal(f->rep.h.hlen, r->h.hlen);
		assert_int_equal(f->rep.h.xid, r->h.xid);
		assert_int_equal(f->rep.h.giaddr, r->h.giaddr);
		assert_memory_equal(f->rep.h.chaddr, r->h.chaddr, 16);
		assert_true(dhcp_opt_u8(&f->rep.o, DHO_MSG_TYPE, &type));
		assert_int_equal(type, f->out.type);
		assert_int_equal(f->rep.type, f->out.type);
		assert_true(dhcp_opt_ip(&f->rep.o, DHO_SERVER_ID, &sid));
		assert_int_equal(sid, ip(SERVER));
	} else {
		assert_int_equal(f->out.len, 0);
	}
	assert_int_equal(f->out.has_rec, v == DHCPD_COMMIT || v == DHCPD_COMMIT_SEND);
	return v;
}

/* --- reply checks ------------------------------------------------------ */

static void
expect_opt(const struct fx *f, uint8_t code, const void *val, size_t len)
{
	size_t n = 0;
	const uint8_t *p = dhcp_opt(&f->rep.o, code, &n);

	if (!p)
		fail_msg("option %u missing from the reply", code);
	assert_int_equal(n, len);
	assert_memory_equal(p, val, len);
}

static void
expect_str(const struct fx *f, uint8_t code, const char *s)
{
	expect_opt(f, code, s, strlen(s));
}

static void
expect_ip(const struct fx *f, uint8_t code, const char *addr)
{
	uint32_t v = ip(addr);

	expect_opt(f, code, &v, 4);
}

static void
expect_u32(const struct fx *f, uint8_t code, uint32_t want)
{
	uint32_t v = 0;

	if (!dhcp_opt_u32(&f->rep.o, code, &v))
		fail_msg("option %u missing or not 4 bytes", code);
	assert_int_equal(v, want);
}

static void
expect_none(const struct fx *f, uint8_t code)
{
	if (dhcp_has(&f->rep.o, code))
		fail_msg("option %u should not be in the reply", code);
}

static void
expect_lease_times(const struct fx *f)
{
	expect_u32(f, DHO_LEASE_TIME, 3600);
	expect_u32(f, DHO_T1, 1800);
	expect_u32(f, DHO_T2, 3150);
}

static void
expect_no_lease_times(const struct fx *f)
{
	expect_none(f, DHO_LEASE_TIME);
	expect_none(f, DHO_T1);
	expect_none(f, DHO_T2);
}

/* Where the reply goes. dst_mac NULL: not checked. */
static void
expect_dst(const struct fx *f, const char *addr, uint16_t port, bool l2_bcast,
	   const uint8_t *dst_mac)
{
	assert_int_equal(f->out.dst_ip, ip(addr));
	assert_int_equal(f->out.dst_port, port);
	assert_int_equal(f->out.l2_broadcast, l2_bcast);
	if (dst_mac)
		assert_memory_equal(f->out.dst_mac, dst_mac, 6);
}

static void
expect_broadcast(const struct fx *f)
{
	expect_dst(f, "255.255.255.255", RB_PORT_DHCP_CLIENT, true, NULL);
}

static void
expect_rec(const struct fx *f, const char *addr, uint8_t state, uint32_t expires,
	   const uint8_t *mac)
{
	const struct rb_lease_rec *r = &f->out.rec;

	assert_true(f->out.has_rec);
	assert_int_equal(r->ip, ip(addr));
	assert_int_equal(r->state, state);
	assert_int_equal(r->expires, expires);
	assert_int_equal(r->updated, f->now);
	if (mac) {
		assert_int_equal(r->key_len, 7);
		assert_int_equal(r->key[0], 1);
		assert_memory_equal(r->key + 1, mac, 6);
	}
}

/* The option codes of the raw reply in wire order, END excluded. */
static size_t
wire_codes(const struct fx *f, uint8_t *codes, size_t cap)
{
	size_t off = DHCP_HDR_LEN, n = 0;
	const uint8_t *p = f->out.payload;

	while (off < (size_t)f->out.len && p[off] != DHO_END) {
		if (p[off] == DHO_PAD) {
			off++;
			continue;
		}
		assert_true(n < cap);
		codes[n++] = p[off];
		off += 2 + (size_t)p[off + 1];
	}
	assert_true(off < (size_t)f->out.len); /* END was found */
	return n;
}

static const struct lease *
slot_of(const struct fx *f, const char *addr)
{
	uint32_t s = lease_by_ip(&f->d.t, ip(addr));

	assert_int_not_equal(s, LEASE_NONE);
	return &f->d.t.slots[s];
}

static char *
ntoa(uint32_t a, char *buf)
{
	return (char *)inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* --- flows ------------------------------------------------------------- */

/* DISCOVER: must be offered; returns the offered address. */
static uint32_t
offer_for(struct fx *f, const uint8_t *mac)
{
	struct req r;

	req_init(&r, DHCPDISCOVER, mac);
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPOFFER);
	return f->rep.h.yiaddr;
}

static enum dhcpd_verdict
discover_verdict(struct fx *f, const uint8_t *mac)
{
	struct req r;

	req_init(&r, DHCPDISCOVER, mac);
	return handle(f, &r);
}

/* REQUEST in SELECTING state: server id sid, requested address addr. */
static enum dhcpd_verdict
select_offer(struct fx *f, const uint8_t *mac, uint32_t addr, const char *sid)
{
	struct req r;

	req_init(&r, DHCPREQUEST, mac);
	opt(&r, DHO_REQUESTED_IP, &addr, 4);
	opt_ip(&r, DHO_SERVER_ID, sid);
	return handle(f, &r);
}

/* DISCOVER, OFFER, REQUEST, ACK; returns the bound address. */
static uint32_t
dora(struct fx *f, const uint8_t *mac)
{
	uint32_t a = offer_for(f, mac);

	assert_int_equal(select_offer(f, mac, a, SERVER), DHCPD_COMMIT_SEND);
	assert_int_equal(f->out.type, DHCPACK);
	assert_int_equal(f->rep.h.yiaddr, a);
	assert_int_equal(f->out.rec.state, RB_LEASE_BOUND);
	return a;
}

/* Bind clients first..first+n-1 (MACs from mac_of). */
static void
dora_many(struct fx *f, unsigned first, unsigned n, uint32_t *got)
{
	uint8_t mac[6];
	unsigned i;

	for (i = 0; i < n; i++) {
		mac_of(first + i, mac);
		got[i] = dora(f, mac);
	}
}

static void
expect_exhausted(struct fx *f, const uint8_t *mac)
{
	uint64_t before = f->drops[RB_DROP_dhcp_pool_exhausted];

	assert_int_equal(discover_verdict(f, mac), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_pool_exhausted], before + 1);
}

static enum dhcpd_verdict
init_reboot(struct fx *f, const uint8_t *mac, const char *addr)
{
	struct req r;

	req_init(&r, DHCPREQUEST, mac);
	opt_ip(&r, DHO_REQUESTED_IP, addr);
	return handle(f, &r);
}

/* --- DORA -------------------------------------------------------------- */

static void
test_dora(void **state)
{
	struct fx *f = *state;
	const struct lease *l;
	uint8_t mac[6];
	struct req r;

	mac_of(1, mac);
	req_init(&r, DHCPDISCOVER, mac);
	r.h.flags = DHCP_FLAG_BROADCAST;
	opt_str(&r, DHO_HOSTNAME, "web 01!");
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPOFFER);
	assert_int_equal(f->rep.h.yiaddr, ip("198.18.0.100"));
	assert_int_equal(f->rep.h.ciaddr, 0);
	assert_int_equal(f->rep.h.siaddr, ip(SERVER));
	assert_int_equal(f->rep.h.flags, DHCP_FLAG_BROADCAST);
	expect_lease_times(f);
	expect_ip(f, DHO_SUBNET_MASK, "255.255.255.0");
	expect_ip(f, DHO_ROUTERS, SERVER);
	expect_str(f, DHO_DOMAIN, "lab.example");
	assert_int_equal(f->rep.o.len[DHO_DNS], 8);
	expect_str(f, DHO_TFTP_SERVER, SERVER);
	expect_broadcast(f);
	l = slot_of(f, "198.18.0.100");
	assert_int_equal(l->state, RB_LEASE_OFFERED);
	assert_int_equal(l->expires, T0 + 60);
	assert_int_equal(f->cnt[RB_CNT_dhcp_discover], 1);
	assert_int_equal(f->cnt[RB_CNT_dhcp_offer], 1);

	f->now += 2;
	req_init(&r, DHCPREQUEST, mac);
	r.h.flags = DHCP_FLAG_BROADCAST;
	opt_ip(&r, DHO_REQUESTED_IP, "198.18.0.100");
	opt_ip(&r, DHO_SERVER_ID, SERVER);
	opt_str(&r, DHO_HOSTNAME, "web 01!");
	assert_int_equal(handle(f, &r), DHCPD_COMMIT_SEND);
	assert_int_equal(f->out.type, DHCPACK);
	assert_int_equal(f->out.arch, 0xffff); /* no option 93: its boot event says none */
	assert_false(f->out.ipxe);
	assert_int_equal(f->rep.h.yiaddr, ip("198.18.0.100"));
	assert_int_equal(f->rep.h.siaddr, ip(SERVER));
	expect_lease_times(f);
	expect_ip(f, DHO_SUBNET_MASK, "255.255.255.0");
	expect_broadcast(f);
	expect_rec(f, "198.18.0.100", RB_LEASE_BOUND, f->now + 3600, mac);
	assert_int_equal(f->out.rec.htype, 1);
	assert_int_equal(f->out.rec.hlen, 6);
	assert_memory_equal(f->out.rec.chaddr, mac, 6);
	assert_string_equal(f->out.rec.hostname, "web_01_");
	assert_int_equal(slot_of(f, "198.18.0.100")->state, RB_LEASE_BOUND);
	assert_int_equal(f->cnt[RB_CNT_dhcp_request], 1);
	assert_int_equal(f->cnt[RB_CNT_dhcp_ack], 1);

	/* The same client asks again: the same address, still bound. */
	f->now += 10;
	assert_int_equal(offer_for(f, mac), ip("198.18.0.100"));
	assert_int_equal(slot_of(f, "198.18.0.100")->state, RB_LEASE_BOUND);
	assert_int_equal(slot_of(f, "198.18.0.100")->expires, T0 + 2 + 3600);
}

/* A client offered but not yet bound also gets its offer again. */
static void
test_rediscover_same_offer(void **state)
{
	struct fx *f = *state;
	uint8_t a[6], b[6];

	mac_of(1, a);
	mac_of(2, b);
	assert_int_equal(offer_for(f, a), ip("198.18.0.100"));
	assert_int_equal(offer_for(f, b), ip("198.18.0.101"));
	f->now += 30;
	assert_int_equal(offer_for(f, a), ip("198.18.0.100"));
	assert_int_equal(slot_of(f, "198.18.0.100")->expires, f->now + 60);
}

/* RFC 2131 4.1: no broadcast bit and no ciaddr: unicast to yiaddr at chaddr. */
static void
test_reply_unicast_to_chaddr(void **state)
{
	struct fx *f = *state;
	static const uint8_t bridge[6] = {0x02, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb};
	uint8_t mac[6];
	struct req r;

	mac_of(1, mac);
	req_init(&r, DHCPDISCOVER, mac);
	memcpy(r.src_mac, bridge, 6); /* chaddr, not the frame's source, is the target */
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_equal(f->rep.h.flags, 0);
	expect_dst(f, "198.18.0.100", RB_PORT_DHCP_CLIENT, false, mac);
}

static void
test_pool_exhaustion(void **state)
{
	struct fx *f = *state;
	uint32_t got[NB_DYNAMIC];
	uint8_t mac[6];
	unsigned i, j;
	char s[INET_ADDRSTRLEN];

	dora_many(f, 1, NB_DYNAMIC, got);
	for (i = 0; i < NB_DYNAMIC; i++) {
		uint32_t h = ntohl(got[i]);

		if (h < ntohl(ip("198.18.0.100")) || h > ntohl(ip("198.18.0.109")))
			fail_msg("address %s outside the pool", ntoa(got[i], s));
		if (got[i] == ip("198.18.0.105"))
			fail_msg("reserved 198.18.0.105 handed to a dynamic client");
		for (j = 0; j < i; j++)
			assert_int_not_equal(got[i], got[j]);
	}
	mac_of(100, mac);
	expect_exhausted(f, mac);
	mac_of(101, mac);
	expect_exhausted(f, mac);
	f->now += 5; /* a later second: a new sweep finds nothing either */
	expect_exhausted(f, mac);
	assert_int_equal(f->drops[RB_DROP_dhcp_pool_exhausted], 3);

	/* Reservations do not come from the pool. */
	assert_int_equal(offer_for(f, mac_resv10), ip("198.18.0.10"));
	assert_int_equal(offer_for(f, mac_resv105), ip("198.18.0.105"));
}

/* --- reservations ------------------------------------------------------ */

static void
test_reservations(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	struct req r;

	/* By MAC, outside the pool, with its hostname. */
	assert_int_equal(offer_for(f, mac_resv10), ip("198.18.0.10"));
	expect_str(f, DHO_HOSTNAME, "node10");
	expect_lease_times(f);
	assert_int_equal(select_offer(f, mac_resv10, ip("198.18.0.10"), SERVER), DHCPD_COMMIT_SEND);
	expect_rec(f, "198.18.0.10", RB_LEASE_BOUND, T0 + 3600, mac_resv10);
	assert_string_equal(f->out.rec.hostname, "node10");
	expect_str(f, DHO_HOSTNAME, "node10");

	/* By client id: the MAC does not matter. */
	mac_of(7, mac);
	req_init(&r, DHCPDISCOVER, mac);
	opt(&r, DHO_CLIENT_ID, cid_resv11, sizeof(cid_resv11));
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_equal(f->rep.h.yiaddr, ip("198.18.0.11"));
	req_init(&r, DHCPREQUEST, mac);
	opt(&r, DHO_CLIENT_ID, cid_resv11, sizeof(cid_resv11));
	opt_ip(&r, DHO_REQUESTED_IP, "198.18.0.11");
	opt_ip(&r, DHO_SERVER_ID, SERVER);
	assert_int_equal(handle(f, &r), DHCPD_COMMIT_SEND);
	expect_rec(f, "198.18.0.11", RB_LEASE_BOUND, T0 + 3600, NULL);
	assert_int_equal(f->out.rec.key_len, sizeof(cid_resv11));
	assert_memory_equal(f->out.rec.key, cid_resv11, sizeof(cid_resv11));

	/* Inside the pool. */
	assert_int_equal(offer_for(f, mac_resv105), ip("198.18.0.105"));

	/* A dynamic client can neither be offered nor take a reserved address. */
	mac_of(8, mac);
	req_init(&r, DHCPDISCOVER, mac);
	opt_ip(&r, DHO_REQUESTED_IP, "198.18.0.105");
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_not_equal(f->rep.h.yiaddr, ip("198.18.0.105"));
	assert_int_equal(init_reboot(f, mac, "198.18.0.105"), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPNAK);
	assert_int_equal(init_reboot(f, mac, "198.18.0.10"), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPNAK);
}

static int
try_resv(struct fx *f, uint8_t kind, const void *key, size_t len, const char *addr)
{
	struct rb_dhcp_resv_msg r;

	memset(&r, 0, sizeof(r));
	r.ip = ip(addr);
	r.kind = kind;
	r.key_len = (uint8_t)len;
	memcpy(r.key, key, len);
	return dhcpd_add_resv(&f->d, &r);
}

/*
 * dhcp_lease.h promises -EEXIST for a key reserved twice. One reservation
 * with both a MAC and a client id (one address, two keys) is legal.
 */
static void
test_resv_duplicate_key(void **state)
{
	static const uint8_t both_mac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0c};
	static const uint8_t both_cid[] = {0x00, 'b', 'o', 't', 'h'};
	struct rb_dhcp_dp_config c;
	struct fx *f = *state;

	cfg_default(&c, "lab.example");
	c.nb_resv = 8;
	fx_start(f, &c);
	assert_int_equal(try_resv(f, RB_RESV_MAC, both_mac, 6, "198.18.0.12"), 0);
	assert_int_equal(try_resv(f, RB_RESV_CLIENT_ID, both_cid, sizeof(both_cid), "198.18.0.12"),
			 0);
	assert_int_equal(dhcpd_ready(&f->d), 0);
	assert_int_equal(offer_for(f, mac_resv10), ip("198.18.0.10"));
	assert_int_equal(offer_for(f, both_mac), ip("198.18.0.12"));

	/* A key given twice is caught when the table is indexed (the control
	 * refuses such configs first; this is the dataplane's own check). */
	fx_start(f, &c);
	assert_int_equal(try_resv(f, RB_RESV_MAC, mac_resv10, 6, "198.18.0.13"), 0);
	assert_int_equal(dhcpd_ready(&f->d), -EEXIST);
	fx_start(f, &c);
	assert_int_equal(
	    try_resv(f, RB_RESV_CLIENT_ID, cid_resv11, sizeof(cid_resv11), "198.18.0.14"), 0);
	assert_int_equal(dhcpd_ready(&f->d), -EEXIST);
}

/* --- REQUEST states ---------------------------------------------------- */

static void
test_selecting_other_server(void **state)
{
	struct fx *f = *state;
	uint32_t got[NB_DYNAMIC];
	uint8_t mac[6], x[6];
	unsigned i;

	for (i = 0; i < NB_DYNAMIC; i++) {
		mac_of(1 + i, mac);
		got[i] = offer_for(f, mac);
	}
	mac_of(100, x);
	expect_exhausted(f, x);

	/* Client 1 takes another server's offer: ours goes back to the pool. */
	mac_of(1, mac);
	assert_int_equal(select_offer(f, mac, got[0], OTHER_SERVER), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_other_server], 1);
	assert_int_equal(f->cnt[RB_CNT_dhcp_nak], 0);
	assert_int_equal(slot_of(f, "198.18.0.100")->state, RB_LEASE_FREE);
	assert_int_equal(offer_for(f, x), got[0]);
}

/* With client-hash (servers sharing a database), another server's REQUEST
 * for the very address we offered means that server is binding it to this
 * client: it stays held, so the next client is not offered it (that claim
 * would lose). Another address in the REQUEST frees ours as before. */
static void
test_selecting_other_server_shared(void **state)
{
	struct fx *f = *state;
	struct rb_dhcp_dp_config c;
	uint8_t a[6], b[6], x[6];
	uint32_t oa, ob;

	cfg_default(&c, "lab.example");
	c.pool_order = RB_POOL_CLIENT_HASH;
	fx_start(f, &c);
	mac_of(1, a);
	mac_of(2, b);
	oa = offer_for(f, a);
	ob = offer_for(f, b);
	assert_int_equal(select_offer(f, a, oa, OTHER_SERVER), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_other_server], 1);
	assert_int_equal(f->d.t.slots[lease_by_ip(&f->d.t, oa)].state, RB_LEASE_OFFERED);
	assert_int_equal(select_offer(f, b, ip("198.18.0.1"), OTHER_SERVER), DHCPD_DROP);
	assert_int_equal(f->d.t.slots[lease_by_ip(&f->d.t, ob)].state, RB_LEASE_FREE);
	/* Until the offer ends, nobody else is offered a's address. */
	for (unsigned i = 0; i < 8; i++) {
		mac_of(10 + i, x);
		assert_int_not_equal(offer_for(f, x), oa);
	}
	/* Client a comes back to us: its held address again. */
	assert_int_equal(offer_for(f, a), oa);
}

static void
test_init_reboot(void **state)
{
	struct fx *f = *state;
	uint8_t a[6], b[6], c[6];

	mac_of(1, a);
	mac_of(2, b);
	mac_of(3, c);
	assert_int_equal(dora(f, a), ip("198.18.0.100"));
	assert_int_equal(dora(f, b), ip("198.18.0.101"));

	/* Its own address. */
	f->now += 100;
	assert_int_equal(init_reboot(f, a, "198.18.0.100"), DHCPD_COMMIT_SEND);
	assert_int_equal(f->out.type, DHCPACK);
	assert_int_equal(f->rep.h.yiaddr, ip("198.18.0.100"));
	expect_lease_times(f);
	expect_rec(f, "198.18.0.100", RB_LEASE_BOUND, f->now + 3600, a);
	expect_dst(f, "198.18.0.100", RB_PORT_DHCP_CLIENT, false, a);

	/* Someone else's: NAK, broadcast, and the lease stays with its owner. */
	assert_int_equal(init_reboot(f, b, "198.18.0.100"), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPNAK);
	assert_int_equal(f->rep.h.yiaddr, 0);
	assert_int_equal(f->rep.h.siaddr, 0);
	expect_no_lease_times(f);
	assert_true(dhcp_has(&f->rep.o, DHO_MESSAGE));
	expect_broadcast(f);
	assert_int_equal(f->cnt[RB_CNT_dhcp_nak], 1);
	assert_int_equal(slot_of(f, "198.18.0.100")->state, RB_LEASE_BOUND);
	assert_int_equal(slot_of(f, "198.18.0.100")->key[1 + 5], a[5]);

	/* Wrong network: another subnet of ours, or nobody's. */
	assert_int_equal(init_reboot(f, c, "198.18.5.12"), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPNAK);
	expect_str(f, DHO_MESSAGE, "wrong network");
	expect_broadcast(f);
	assert_int_equal(init_reboot(f, c, "10.1.2.3"), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPNAK);
	assert_int_equal(f->cnt[RB_CNT_dhcp_nak], 3);

	/* Our subnet but no pool address and no record: not ours to judge. */
	assert_int_equal(init_reboot(f, c, "198.18.0.50"), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_unknown_lease], 1);
	assert_int_equal(f->cnt[RB_CNT_dhcp_nak], 3);
}

/* One MAC, many INIT-REBOOTs for free pool addresses (issue 13): it keeps
 * the one address it holds; the pool is not bound to nobody. */
static void
test_init_reboot_one_address(void **state)
{
	struct fx *f = *state;
	char addr[INET_ADDRSTRLEN];
	uint8_t a[6], b[6];
	unsigned bound = 0;

	mac_of(1, a);
	mac_of(2, b);
	assert_int_equal(dora(f, a), ip("198.18.0.100"));
	for (unsigned i = 1; i < NB_DYNAMIC; i++) {
		snprintf(addr, sizeof(addr), "198.18.0.%u", 100 + i + (i >= 5));
		assert_int_equal(init_reboot(f, a, addr), DHCPD_SEND);
		assert_int_equal(f->out.type, DHCPNAK);
		expect_str(f, DHO_MESSAGE, "client holds another address");
	}
	for (unsigned i = 0; i < f->d.t.nb_slots; i++)
		bound += f->d.t.slots[i].state == RB_LEASE_BOUND;
	assert_int_equal(bound, 1);
	assert_int_equal(slot_of(f, "198.18.0.100")->key[1 + 5], a[5]);
	/* Its own address still renews, and the others are there for others. */
	assert_int_equal(init_reboot(f, a, "198.18.0.100"), DHCPD_COMMIT_SEND);
	assert_int_equal(dora(f, b), ip("198.18.0.101"));
	/* Once its lease has expired, it may ask for another. */
	f->now += 3601;
	assert_int_equal(init_reboot(f, a, "198.18.0.102"), DHCPD_COMMIT_SEND);
}

/* An offer its client leaves for another address (INIT-REBOOT for a free
 * one) goes back to the pool at once rather than staying held by nobody
 * for offer_time (found by fuzz_dhcpd). */
static void
test_offer_left_is_freed(void **state)
{
	struct fx *f = *state;
	uint8_t a[6];

	mac_of(1, a);
	assert_int_equal(offer_for(f, a), ip("198.18.0.100"));
	assert_int_equal(init_reboot(f, a, "198.18.0.102"), DHCPD_COMMIT_SEND);
	assert_int_equal(slot_of(f, "198.18.0.102")->state, RB_LEASE_BOUND);
	assert_int_equal(slot_of(f, "198.18.0.100")->state, RB_LEASE_FREE);
	assert_int_equal(slot_of(f, "198.18.0.100")->key_len, 0);
}

/* One MAC bound on one subnet that DISCOVERs through a relay on another
 * gets no second address (found by fuzz_dhcpd): before, the offer moved
 * its key and left its first address bound to nobody, and going back and
 * forth took both pools. Once that lease has ended, it may move. */
static void
test_bound_elsewhere(void **state)
{
	struct fx *f = *state;
	unsigned i, bound = 0;
	uint8_t a[6];
	struct req r;

	mac_of(1, a);
	assert_int_equal(dora(f, a), ip("198.18.0.100"));
	for (i = 0; i < 3; i++) {
		req_init(&r, DHCPDISCOVER, a);
		req_relayed(&r);
		assert_int_equal(handle(f, &r), DHCPD_DROP);
		assert_int_equal(dora(f, a), ip("198.18.0.100"));
	}
	assert_int_equal(f->drops[RB_DROP_dhcp_bound_elsewhere], 3);
	for (i = 0; i < f->d.t.nb_slots; i++)
		bound += f->d.t.slots[i].state == RB_LEASE_BOUND;
	assert_int_equal(bound, 1);
	assert_int_equal(slot_of(f, "198.18.0.100")->key[1 + 5], a[5]);
	f->now += 3601;
	req_init(&r, DHCPDISCOVER, a);
	req_relayed(&r);
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_equal(f->rep.h.yiaddr, ip("198.18.5.10"));
}

static enum dhcpd_verdict
renew(struct fx *f, const uint8_t *mac, const char *addr, bool rebinding)
{
	struct req r;

	req_init(&r, DHCPREQUEST, mac);
	req_from(&r, addr);
	if (rebinding)
		r.dst_ip = 0xffffffffu;
	return handle(f, &r);
}

static void
test_renew_rebind(void **state)
{
	struct fx *f = *state;
	uint8_t a[6], b[6];

	mac_of(1, a);
	mac_of(2, b);
	assert_int_equal(dora(f, a), ip("198.18.0.100"));

	f->now = T0 + 1800; /* T1 */
	assert_int_equal(renew(f, a, "198.18.0.100", false), DHCPD_COMMIT_SEND);
	assert_int_equal(f->out.type, DHCPACK);
	assert_int_equal(f->rep.h.yiaddr, ip("198.18.0.100"));
	assert_int_equal(f->rep.h.ciaddr, ip("198.18.0.100"));
	expect_lease_times(f);
	expect_dst(f, "198.18.0.100", RB_PORT_DHCP_CLIENT, false, a);
	expect_rec(f, "198.18.0.100", RB_LEASE_BOUND, T0 + 1800 + 3600, a);

	f->now = T0 + 1800 + 3150; /* T2 of the renewed lease */
	assert_int_equal(renew(f, a, "198.18.0.100", true), DHCPD_COMMIT_SEND);
	assert_int_equal(f->out.type, DHCPACK);
	assert_int_equal(f->rep.h.ciaddr, ip("198.18.0.100"));
	expect_dst(f, "198.18.0.100", RB_PORT_DHCP_CLIENT, false, a);
	expect_rec(f, "198.18.0.100", RB_LEASE_BOUND, f->now + 3600, a);
	assert_int_equal(f->cnt[RB_CNT_dhcp_ack], 3);

	/* Renewing someone else's lease: NAK, broadcast (never to ciaddr). */
	assert_int_equal(renew(f, b, "198.18.0.100", false), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPNAK);
	expect_broadcast(f);
}

/* --- RELEASE, DECLINE, INFORM ------------------------------------------ */

static enum dhcpd_verdict
release(struct fx *f, const uint8_t *mac, const char *addr, const char *sid)
{
	struct req r;

	req_init(&r, DHCPRELEASE, mac);
	req_from(&r, addr);
	if (sid)
		opt_ip(&r, DHO_SERVER_ID, sid);
	return handle(f, &r);
}

static void
test_release(void **state)
{
	struct fx *f = *state;
	uint32_t got[NB_DYNAMIC - 1];
	uint8_t a[6], b[6], x[6];

	mac_of(1, a);
	mac_of(2, b);
	mac_of(100, x);
	assert_int_equal(dora(f, a), ip("198.18.0.100"));

	assert_int_equal(release(f, b, "198.18.0.100", SERVER), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_unknown_lease], 1);
	assert_int_equal(release(f, a, "198.18.0.100", NULL), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_other_server], 1);
	assert_int_equal(slot_of(f, "198.18.0.100")->state, RB_LEASE_BOUND);

	f->now += 20;
	assert_int_equal(release(f, a, "198.18.0.100", SERVER), DHCPD_COMMIT);
	assert_int_equal(f->out.len, 0);
	expect_rec(f, "198.18.0.100", RB_LEASE_RELEASED, 0, a);
	assert_int_equal(f->cnt[RB_CNT_dhcp_release], 3);

	/* Reusable: once the rest is taken, a new client gets it. */
	dora_many(f, 10, NB_DYNAMIC - 1, got);
	assert_int_equal(offer_for(f, x), ip("198.18.0.100"));
}

static enum dhcpd_verdict
decline(struct fx *f, const uint8_t *mac, const char *addr)
{
	struct req r;

	req_init(&r, DHCPDECLINE, mac);
	opt_ip(&r, DHO_REQUESTED_IP, addr);
	opt_ip(&r, DHO_SERVER_ID, SERVER);
	return handle(f, &r);
}

static void
test_decline(void **state)
{
	struct fx *f = *state;
	uint32_t got[NB_DYNAMIC - 1];
	uint8_t a[6], x[6];
	struct req r;
	unsigned i;

	mac_of(1, a);
	mac_of(100, x);
	assert_int_equal(dora(f, a), ip("198.18.0.100"));
	assert_int_equal(decline(f, a, "198.18.0.100"), DHCPD_COMMIT);
	assert_int_equal(f->out.len, 0);
	expect_rec(f, "198.18.0.100", RB_LEASE_DECLINED, T0 + 600, NULL);
	assert_int_equal(f->out.rec.key_len, 0);
	assert_int_equal(f->cnt[RB_CNT_dhcp_decline], 1);

	/* Quarantined: the other addresses go, then nothing. */
	dora_many(f, 10, NB_DYNAMIC - 1, got);
	for (i = 0; i < NB_DYNAMIC - 1; i++)
		assert_int_not_equal(got[i], ip("198.18.0.100"));
	expect_exhausted(f, x);
	expect_exhausted(f, a);
	req_init(&r, DHCPDISCOVER, x);
	opt_ip(&r, DHO_REQUESTED_IP, "198.18.0.100");
	f->now += 599;
	assert_int_equal(handle(f, &r), DHCPD_DROP);
	assert_int_equal(init_reboot(f, x, "198.18.0.100"), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPNAK);

	/* Quarantine over. */
	f->now = T0 + 601;
	assert_int_equal(offer_for(f, x), ip("198.18.0.100"));
}

/*
 * The commit queue full (issue 13): a change whose record could not be
 * queued is not made, so the table never holds what the store will not.
 * RELEASE and DECLINE, which no client sends twice, may use the reserve;
 * an ACK may not (its client asks again). DISCOVER changes nothing durable.
 */
static void
test_commit_room(void **state)
{
	struct fx *f = *state;
	uint8_t a[6], b[6];
	uint32_t offered;
	uint64_t seq;

	mac_of(1, a);
	mac_of(2, b);
	assert_int_equal(dora(f, a), ip("198.18.0.100"));
	seq = f->out.rec.seq;
	assert_int_equal(seq, 1);

	f->room = DHCPD_ROOM_NONE;
	assert_int_equal(release(f, a, "198.18.0.100", SERVER), DHCPD_DROP);
	assert_int_equal(decline(f, a, "198.18.0.100"), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_commit_backlog], 2);
	assert_int_equal(slot_of(f, "198.18.0.100")->state, RB_LEASE_BOUND);
	assert_int_equal(slot_of(f, "198.18.0.100")->key_len, 7);
	offered = offer_for(f, b);
	assert_false(f->out.has_rec);
	assert_int_equal(select_offer(f, b, offered, SERVER), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_commit_backlog], 3);
	assert_int_equal(f->d.t.slots[lease_by_ip(&f->d.t, offered)].state, RB_LEASE_OFFERED);

	f->room = DHCPD_ROOM_RESERVE;
	assert_int_equal(select_offer(f, b, offered, SERVER), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_commit_backlog], 4);
	assert_int_equal(release(f, a, "198.18.0.100", SERVER), DHCPD_COMMIT);
	expect_rec(f, "198.18.0.100", RB_LEASE_RELEASED, 0, a);
	assert_int_equal(f->out.rec.seq, seq + 1); /* no number spent on refusals */

	f->room = DHCPD_ROOM;
	assert_int_equal(select_offer(f, b, offered, SERVER), DHCPD_COMMIT_SEND);
	assert_int_equal(f->out.rec.seq, seq + 2);
	assert_int_equal(f->drops[RB_DROP_dhcp_commit_backlog], 4);
}

/* DISCOVER + DECLINE rounds from made-up MACs (issue 13): an offer cannot
 * be declined, so nothing is quarantined and the pool stays usable. */
static void
test_decline_offer_only(void **state)
{
	struct fx *f = *state;
	uint8_t m[6], x[6];
	char addr[INET_ADDRSTRLEN];
	uint32_t off;

	/* Within one decline_time (600 s): were offers declinable, the whole
	 * pool would be quarantined by the end. */
	for (unsigned i = 0; i < 3 * NB_DYNAMIC; i++) {
		mac_of(200 + i, m);
		off = offer_for(f, m);
		assert_int_not_equal(off, 0);
		inet_ntop(AF_INET, &off, addr, sizeof(addr));
		assert_int_equal(decline(f, m, addr), DHCPD_DROP);
		assert_false(f->out.has_rec);
		/* The offer's hold (60 s) ends; the address is free again. */
		f->now += 61;
	}
	assert_int_equal(f->drops[RB_DROP_dhcp_decline_unbound], 3 * NB_DYNAMIC);
	assert_int_equal(f->cnt[RB_CNT_dhcp_decline], 3 * NB_DYNAMIC);
	/* Nothing was quarantined: a real client gets any address. */
	mac_of(1, x);
	assert_int_not_equal(dora(f, x), 0);
}

static void
test_inform(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	struct req r;

	mac_of(1, mac);
	req_init(&r, DHCPINFORM, mac);
	req_from(&r, "198.18.0.50");
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPACK);
	assert_int_equal(f->rep.h.yiaddr, 0);
	assert_int_equal(f->rep.h.ciaddr, ip("198.18.0.50"));
	expect_no_lease_times(f);
	expect_ip(f, DHO_SUBNET_MASK, "255.255.255.0");
	expect_ip(f, DHO_ROUTERS, SERVER);
	expect_str(f, DHO_DOMAIN, "lab.example");
	expect_dst(f, "198.18.0.50", RB_PORT_DHCP_CLIENT, false, mac);
	assert_int_equal(f->cnt[RB_CNT_dhcp_inform], 1);
	assert_int_equal(f->cnt[RB_CNT_dhcp_ack], 1);
	assert_int_equal(lease_by_ip(&f->d.t, ip("198.18.0.50")), LEASE_NONE);
}

/* --- expiry ------------------------------------------------------------ */

static void
test_offer_expiry(void **state)
{
	struct fx *f = *state;
	uint32_t got[NB_DYNAMIC - 1], held;
	uint8_t late[6], x[6];

	dora_many(f, 1, NB_DYNAMIC - 1, got);
	mac_of(50, late);
	mac_of(100, x);
	held = offer_for(f, late);

	f->now = T0 + 30;
	expect_exhausted(f, x);
	f->now = T0 + 61;
	assert_int_equal(offer_for(f, x), held);

	/* The late client's REQUEST now finds its offer gone. */
	f->now = T0 + 62;
	assert_int_equal(select_offer(f, late, held, SERVER), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPNAK);
}

static void
test_expired_lease_reuse(void **state)
{
	struct fx *f = *state;
	uint32_t got[NB_DYNAMIC];
	uint8_t x[6];

	dora_many(f, 1, NB_DYNAMIC, got);
	mac_of(100, x);
	expect_exhausted(f, x);
	f->now = T0 + 3600; /* the lease ends at T0 + 3600 */
	assert_int_equal(offer_for(f, x), got[0]);
	assert_int_equal(slot_of(f, "198.18.0.100")->state, RB_LEASE_OFFERED);
}

static void
test_expired_lease_reuse_later(void **state)
{
	struct fx *f = *state;
	uint32_t got[NB_DYNAMIC];
	uint8_t x[6];

	dora_many(f, 1, NB_DYNAMIC, got);
	mac_of(100, x);
	expect_exhausted(f, x);
	f->now = T0 + 3601;
	assert_int_equal(offer_for(f, x), ip("198.18.0.100"));
}

/* --- PXE ------------------------------------------------------------- */

static void
expect_boot(const struct fx *f, const char *file)
{
	assert_int_equal(f->rep.h.siaddr, ip(SERVER));
	assert_string_equal((const char *)f->rep.h.file, file);
	expect_str(f, DHO_BOOTFILE, file);
	expect_str(f, DHO_TFTP_SERVER, SERVER);
}

static void
test_pxe_arch(void **state)
{
	static const struct {
		uint16_t arch;
		const char *vc, *file;
	} v[] = {
	    {0, "PXEClient:Arch:00000:UNDI:002001", "pxelinux.0"},
	    {7, "PXEClient:Arch:00007:UNDI:003016", "syslinux.efi"},
	    {9, "PXEClient:Arch:00009:UNDI:003016", "syslinux.efi"},
	    {11, "PXEClient:Arch:00011:UNDI:003016", "grubaa64.efi"},
	};
	static const uint8_t pxe43[] = {6, 1, 8, 255};
	struct fx *f = *state;
	uint8_t mac[6];
	struct req r;
	unsigned i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		mac_of(1 + i, mac);
		req_init(&r, DHCPDISCOVER, mac);
		req_pxe(&r, v[i].arch, v[i].vc);
		assert_int_equal(handle(f, &r), DHCPD_SEND);
		expect_boot(f, v[i].file);
		expect_str(f, DHO_VENDOR_CLASS, "PXEClient");
		expect_opt(f, DHO_VENDOR, pxe43, sizeof(pxe43));
		expect_opt(f, DHO_CLIENT_UUID, uuid, sizeof(uuid));
		expect_none(f, DHO_IPXE);
		assert_int_equal(f->cnt[RB_CNT_dhcp_pxe_clients], i + 1);
	}
	assert_int_equal(f->cnt[RB_CNT_dhcp_ipxe_clients], 0);

	/* The ACK carries the same boot information. */
	req_init(&r, DHCPREQUEST, mac);
	req_pxe(&r, 11, v[3].vc);
	opt_ip(&r, DHO_REQUESTED_IP, "198.18.0.103");
	opt_ip(&r, DHO_SERVER_ID, SERVER);
	assert_int_equal(handle(f, &r), DHCPD_COMMIT_SEND);
	expect_boot(f, "grubaa64.efi");
	expect_opt(f, DHO_VENDOR, pxe43, sizeof(pxe43));
	assert_int_equal(f->out.arch, 11); /* for the ACK's boot event */
	assert_false(f->out.ipxe);
}

/*
 * Option 43 as the control encodes it (dhcp_ctl.c pxe_vendor()) when
 * tftp.mtftp_group is set: PXE MTFTP group 239.255.70.1, client port
 * 1758, server port 1759, open timeout 2, reopen delay 3, discovery
 * control 8, END. PXE clients get exactly those bytes, others none.
 */
static void
test_pxe_vendor_mtftp(void **state)
{
	static const uint8_t v43[] = {1,  4, 239,  255,	 70, 1, /* PXE_MTFTP_IP */
				      2,  2, 0x06, 0xde,	/* PXE_MTFTP_CPORT 1758 */
				      3,  2, 0x06, 0xdf,	/* PXE_MTFTP_SPORT 1759 */
				      4,  1, 2,			/* PXE_MTFTP_TMOUT */
				      5,  1, 3,			/* PXE_MTFTP_DELAY */
				      6,  1, 8,			/* PXE_DISCOVERY_CONTROL */
				      255};
	static const char vc[] = "PXEClient:Arch:00000:UNDI:002001";
	struct rb_dhcp_dp_config c;
	struct fx *f = *state;
	uint8_t mac[6];
	struct req r;

	cfg_default(&c, "lab.example");
	assert_true(sizeof(v43) <= sizeof(c.pxe_vendor));
	memcpy(c.pxe_vendor, v43, sizeof(v43));
	c.pxe_vendor_len = sizeof(v43);
	fx_start(f, &c);

	mac_of(1, mac);
	req_init(&r, DHCPDISCOVER, mac);
	req_pxe(&r, 0, vc);
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPOFFER);
	expect_boot(f, "pxelinux.0");
	expect_str(f, DHO_VENDOR_CLASS, "PXEClient");
	expect_opt(f, DHO_VENDOR, v43, sizeof(v43));

	/* The ACK carries the same. */
	req_init(&r, DHCPREQUEST, mac);
	req_pxe(&r, 0, vc);
	opt_ip(&r, DHO_REQUESTED_IP, "198.18.0.100");
	opt_ip(&r, DHO_SERVER_ID, SERVER);
	assert_int_equal(handle(f, &r), DHCPD_COMMIT_SEND);
	assert_int_equal(f->out.type, DHCPACK);
	expect_opt(f, DHO_VENDOR, v43, sizeof(v43));

	/* Not for HTTP boot, nor for a client that is no PXE firmware. */
	mac_of(2, mac);
	req_init(&r, DHCPDISCOVER, mac);
	req_pxe(&r, 16, "HTTPClient:Arch:00016:UNDI:003001");
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	expect_none(f, DHO_VENDOR);
	mac_of(3, mac);
	req_init(&r, DHCPDISCOVER, mac);
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	expect_none(f, DHO_VENDOR);

	/* proxyDHCP answers PXE firmware with it as well. */
	c.mode = RB_DHCP_PROXY;
	c.nb_subnets = 0;
	c.nb_resv = 0;
	memset(c.subnets, 0, sizeof(c.subnets));
	fx_start(f, &c);
	mac_of(4, mac);
	req_init(&r, DHCPDISCOVER, mac);
	req_pxe(&r, 0, vc);
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	expect_opt(f, DHO_VENDOR, v43, sizeof(v43));
}

static void
test_http_boot(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	struct req r;

	mac_of(1, mac);
	req_init(&r, DHCPDISCOVER, mac);
	req_pxe(&r, 16, "HTTPClient:Arch:00016:UNDI:003001");
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	expect_str(f, DHO_BOOTFILE, http_url);
	expect_str(f, DHO_VENDOR_CLASS, "HTTPClient");
	expect_opt(f, DHO_CLIENT_UUID, uuid, sizeof(uuid));
	expect_none(f, DHO_VENDOR);
	assert_string_equal((const char *)f->rep.h.file, http_url);
	assert_int_equal(f->cnt[RB_CNT_dhcp_pxe_clients], 1);
	assert_int_equal(f->cnt[RB_CNT_dhcp_ipxe_clients], 0);
}

static void
test_ipxe(void **state)
{
	static const uint8_t ipxe175[] = {176, 1, 1};
	struct fx *f = *state;
	uint8_t mac[6];
	struct req r;

	mac_of(1, mac);
	req_init(&r, DHCPDISCOVER, mac);
	req_pxe(&r, 7, "PXEClient:Arch:00007:UNDI:003016");
	opt_str(&r, DHO_USER_CLASS, "iPXE");
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	expect_boot(f, ipxe_url);
	expect_opt(f, DHO_IPXE, ipxe175, sizeof(ipxe175));
	assert_int_equal(f->cnt[RB_CNT_dhcp_ipxe_clients], 1);
	assert_int_equal(f->cnt[RB_CNT_dhcp_pxe_clients], 1);
	assert_true(f->out.ipxe);
	assert_int_equal(f->out.arch, 7);

	/* Plain iPXE without a PXE vendor class: still the script. */
	mac_of(2, mac);
	req_init(&r, DHCPDISCOVER, mac);
	opt_str(&r, DHO_USER_CLASS, "iPXE");
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	expect_boot(f, ipxe_url);
	expect_opt(f, DHO_IPXE, ipxe175, sizeof(ipxe175));
	expect_none(f, DHO_VENDOR);
	assert_int_equal(f->cnt[RB_CNT_dhcp_ipxe_clients], 2);
	assert_int_equal(f->cnt[RB_CNT_dhcp_pxe_clients], 1);
}

/* --- option order and size --------------------------------------------- */

static void
test_prl_order(void **state)
{
	static const uint8_t prl[] = {DHO_BOOTFILE, DHO_DNS, DHO_ROUTERS, DHO_SUBNET_MASK};
	static const uint8_t want[] = {DHO_MSG_TYPE, DHO_SERVER_ID, DHO_LEASE_TIME,
				       DHO_T1,	     DHO_T2,	    DHO_BOOTFILE,
				       DHO_DNS,	     DHO_ROUTERS,   DHO_SUBNET_MASK};
	struct fx *f = *state;
	uint8_t mac[6], codes[64];
	struct req r;
	size_t n, i;

	mac_of(1, mac);
	req_init(&r, DHCPDISCOVER, mac);
	opt(&r, DHO_PRL, prl, sizeof(prl));
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	n = wire_codes(f, codes, sizeof(codes));
	assert_true(n > sizeof(want));
	assert_memory_equal(codes, want, sizeof(want));
	for (i = 0; i < n; i++) /* each option once */
		assert_ptr_equal(memchr(codes, codes[i], n), &codes[i]);
}

/*
 * A parameter request list longer than 255 bytes: legal, since a client may
 * send option 55 several times and the instances are concatenated (RFC
 * 3396). The server must still answer, in the list's order.
 */
static void
test_long_prl(void **state)
{
	static const uint8_t want[] = {DHO_MSG_TYPE, DHO_SERVER_ID, DHO_LEASE_TIME,
				       DHO_T1,	     DHO_T2,	    DHO_BOOTFILE,
				       DHO_DNS,	     DHO_ROUTERS,   DHO_SUBNET_MASK};
	struct fx *f = *state;
	uint8_t mac[6], codes[64], prl[600];
	struct req r;
	size_t i;

	prl[0] = DHO_BOOTFILE;
	prl[1] = DHO_DNS;
	prl[2] = DHO_ROUTERS;
	prl[3] = DHO_SUBNET_MASK;
	for (i = 4; i < sizeof(prl); i++)
		prl[i] = (uint8_t)(128 + i % 120); /* codes the server never sends */
	mac_of(1, mac);
	req_init(&r, DHCPDISCOVER, mac);
	opt(&r, DHO_PRL, prl, sizeof(prl)); /* goes out as three instances */
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_equal(f->rep.h.yiaddr, ip("198.18.0.100"));
	assert_true(wire_codes(f, codes, sizeof(codes)) > sizeof(want));
	assert_memory_equal(codes, want, sizeof(want));
}

static void
test_max_message_size(void **state)
{
	static const uint8_t prl[] = {1, 3, 6, 15, 66, 67};
	struct rb_dhcp_dp_config c;
	struct fx *f = *state;
	char domain[301];
	uint8_t mac[6];
	struct req r;

	memset(domain, 'd', 300);
	domain[300] = '\0';
	memcpy(domain + 290, ".lab.local", 10);
	cfg_default(&c, domain);
	fx_start(f, &c);

	mac_of(1, mac);
	req_init(&r, DHCPDISCOVER, mac);
	opt_u16(&r, DHO_MAX_SIZE, 576);
	opt(&r, DHO_PRL, prl, sizeof(prl));
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_true(f->out.len <= 576 - 28);
	expect_none(f, DHO_DOMAIN);
	expect_lease_times(f);
	expect_str(f, DHO_BOOTFILE, "pxelinux.0");
	assert_true(f->drops[RB_DROP_dhcp_reply_too_big] >= 1);

	/* With room, the whole domain goes out (split in two instances). */
	req_init(&r, DHCPDISCOVER, mac);
	opt_u16(&r, DHO_MAX_SIZE, 1500);
	opt(&r, DHO_PRL, prl, sizeof(prl));
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_true(f->out.len > 576 - 28);
	expect_str(f, DHO_DOMAIN, domain);
}

/* --- relays ------------------------------------------------------------ */

static void
expect_relay_info_last(const struct fx *f)
{
	uint8_t codes[64];
	size_t n = wire_codes(f, codes, sizeof(codes));

	assert_true(n > 0);
	assert_int_equal(codes[n - 1], DHO_RELAY_INFO);
	expect_opt(f, DHO_RELAY_INFO, relay_info, sizeof(relay_info));
}

static void
test_relayed(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	struct req r;

	mac_of(1, mac);
	req_init(&r, DHCPDISCOVER, mac);
	req_relayed(&r);
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_equal(f->rep.h.yiaddr, ip("198.18.5.10"));
	assert_int_equal(f->rep.h.giaddr, ip(RELAY));
	expect_ip(f, DHO_ROUTERS, RELAY);
	expect_dst(f, RELAY, RB_PORT_DHCP_SERVER, false, relay_mac);
	expect_relay_info_last(f);

	req_init(&r, DHCPREQUEST, mac);
	req_relayed(&r);
	opt_ip(&r, DHO_REQUESTED_IP, "198.18.5.10");
	opt_ip(&r, DHO_SERVER_ID, SERVER);
	assert_int_equal(handle(f, &r), DHCPD_COMMIT_SEND);
	assert_int_equal(f->out.type, DHCPACK);
	assert_int_equal(f->rep.h.yiaddr, ip("198.18.5.10"));
	expect_rec(f, "198.18.5.10", RB_LEASE_BOUND, T0 + 3600, mac);
	expect_dst(f, RELAY, RB_PORT_DHCP_SERVER, false, relay_mac);
	expect_relay_info_last(f);

	/* A NAK through a relay goes to the relay with the broadcast bit. */
	mac_of(2, mac);
	req_init(&r, DHCPREQUEST, mac);
	req_relayed(&r);
	opt_ip(&r, DHO_REQUESTED_IP, "198.18.0.100");
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPNAK);
	assert_int_equal(f->rep.h.flags & DHCP_FLAG_BROADCAST, DHCP_FLAG_BROADCAST);
	expect_dst(f, RELAY, RB_PORT_DHCP_SERVER, false, relay_mac);
	expect_relay_info_last(f);

	/* A relay on a network we do not serve. */
	req_init(&r, DHCPDISCOVER, mac);
	r.h.giaddr = ip("10.9.9.1");
	assert_int_equal(handle(f, &r), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_no_subnet], 1);
}

/* Option 82 from a client on the local segment is not echoed. */
static void
test_relay_info_local_not_echoed(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	struct req r;

	mac_of(1, mac);
	req_init(&r, DHCPDISCOVER, mac);
	opt(&r, DHO_RELAY_INFO, relay_info, sizeof(relay_info));
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	expect_none(f, DHO_RELAY_INFO);
}

/* --- proxyDHCP --------------------------------------------------------- */

static void
start_proxy(struct fx *f)
{
	struct rb_dhcp_dp_config c;

	cfg_default(&c, "lab.example");
	c.mode = RB_DHCP_PROXY;
	c.nb_subnets = 0;
	c.nb_resv = 0;
	memset(c.subnets, 0, sizeof(c.subnets));
	fx_start(f, &c);
}

static void
test_proxy(void **state)
{
	static const uint8_t pxe43[] = {6, 1, 8, 255};
	static const char vc[] = "PXEClient:Arch:00007:UNDI:003016";
	struct fx *f = *state;
	uint8_t mac[6], plain[6];
	struct req r;

	start_proxy(f);
	mac_of(1, mac);
	mac_of(2, plain);

	req_init(&r, DHCPDISCOVER, mac);
	req_pxe(&r, 7, vc);
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPOFFER);
	assert_int_equal(f->rep.h.yiaddr, 0);
	expect_boot(f, "syslinux.efi");
	expect_str(f, DHO_VENDOR_CLASS, "PXEClient");
	expect_opt(f, DHO_VENDOR, pxe43, sizeof(pxe43));
	expect_opt(f, DHO_CLIENT_UUID, uuid, sizeof(uuid));
	expect_no_lease_times(f);
	expect_none(f, DHO_SUBNET_MASK);
	expect_broadcast(f);
	assert_int_equal(f->cnt[RB_CNT_dhcp_proxy_offer], 1);

	req_init(&r, DHCPDISCOVER, plain);
	assert_int_equal(handle(f, &r), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_not_pxe], 1);

	/* The REQUEST for the real server's offer: never a NAK from us. */
	req_init(&r, DHCPREQUEST, mac);
	req_pxe(&r, 7, vc);
	opt_ip(&r, DHO_REQUESTED_IP, "198.18.0.50");
	opt_ip(&r, DHO_SERVER_ID, OTHER_SERVER);
	assert_int_equal(handle(f, &r), DHCPD_DROP);
	assert_int_equal(f->cnt[RB_CNT_dhcp_nak], 0);

	/* Boot server discovery on 4011: answered to the sender. */
	req_init(&r, DHCPREQUEST, mac);
	req_pxe(&r, 7, vc);
	req_from(&r, "198.18.0.50");
	r.dst_port = RB_PORT_PROXYDHCP;
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPACK);
	assert_int_equal(f->rep.h.yiaddr, 0);
	assert_int_equal(f->rep.h.ciaddr, ip("198.18.0.50"));
	expect_boot(f, "syslinux.efi");
	expect_no_lease_times(f);
	expect_dst(f, "198.18.0.50", RB_PORT_DHCP_CLIENT, false, mac);
	assert_int_equal(f->cnt[RB_CNT_dhcp_proxy_ack], 1);
}

/* A full server also answers port 4011, to the sender's port. */
static void
test_server_port_4011(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	struct req r;

	mac_of(1, mac);
	req_init(&r, DHCPREQUEST, mac);
	req_pxe(&r, 0, "PXEClient:Arch:00000:UNDI:002001");
	req_from(&r, "198.18.0.100");
	r.dst_port = RB_PORT_PROXYDHCP;
	r.src_port = 4011;
	assert_int_equal(handle(f, &r), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPACK);
	expect_boot(f, "pxelinux.0");
	expect_dst(f, "198.18.0.100", 4011, false, mac);
	assert_int_equal(f->cnt[RB_CNT_dhcp_proxy_ack], 1);
}

/* --- rate limit and bad input ------------------------------------------ */

static void
test_rate_limit(void **state)
{
	struct rb_dhcp_dp_config c;
	struct fx *f = *state;
	uint8_t a[6], b[6];
	int i;

	cfg_default(&c, "lab.example");
	c.rate_limit = 3;
	fx_start(f, &c);
	mac_of(1, a);
	mac_of(2, b);
	for (i = 0; i < 3; i++)
		assert_int_equal(discover_verdict(f, a), DHCPD_SEND);
	assert_int_equal(discover_verdict(f, a), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_rate_limited], 1);
	assert_int_equal(f->cnt[RB_CNT_dhcp_discover], 4); /* counted as received */
	assert_int_equal(discover_verdict(f, b), DHCPD_SEND);
	f->now++;
	assert_int_equal(discover_verdict(f, a), DHCPD_SEND);
	assert_int_equal(f->drops[RB_DROP_dhcp_rate_limited], 1);
}

/*
 * Another host sending the victim's chaddr from its own MAC, far over the
 * rate, spends its own budget: the victim's requests still go through.
 * Before the frame's source was part of the key, 21 such requests a
 * second (rate_limit 20) silenced the victim.
 */
static void
test_rate_limit_forged_chaddr(void **state)
{
	struct rb_dhcp_dp_config c;
	struct fx *f = *state;
	uint8_t victim[6], forger[6];
	struct req r;
	int i, dropped = 0;

	cfg_default(&c, "lab.example");
	c.rate_limit = 20;
	fx_start(f, &c);
	mac_of(1, victim);
	mac_of(9, forger);
	for (i = 0; i < 100; i++) {
		req_init(&r, DHCPDISCOVER, victim);
		memcpy(r.src_mac, forger, 6);
		dropped += handle(f, &r) == DHCPD_DROP;
	}
	assert_int_equal(dropped, 80);
	for (i = 0; i < 20; i++)
		assert_int_equal(discover_verdict(f, victim), DHCPD_SEND);
	assert_int_equal(discover_verdict(f, victim), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_rate_limited], 81);
}

static void
test_bad_input(void **state)
{
	struct rb_dhcp_dp_config c;
	struct fx *f = *state;
	uint8_t mac[6];
	struct req r;

	mac_of(1, mac);
	req_init(&r, DHCPDISCOVER, mac);
	r.trunc = 200;
	assert_int_equal(handle(f, &r), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_malformed], 1);

	req_init(&r, DHCPDISCOVER, mac);
	r.h.op = BOOTREPLY;
	assert_int_equal(handle(f, &r), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_not_request], 1);

	req_init(&r, DHCPOFFER, mac);
	assert_int_equal(handle(f, &r), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_not_request], 2);

	req_init(&r, DHCPDISCOVER, mac);
	r.h.hlen = 0;
	assert_int_equal(handle(f, &r), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_not_request], 3);
	assert_int_equal(f->cnt[RB_CNT_dhcp_discover], 0);

	cfg_default(&c, "lab.example");
	c.mode = RB_DHCP_OFF;
	fx_start(f, &c);
	req_init(&r, DHCPDISCOVER, mac);
	assert_int_equal(handle(f, &r), DHCPD_DROP);
	assert_int_equal(f->drops[RB_DROP_dhcp_disabled], 1);
}

/* --- durable leases ---------------------------------------------------- */

static void
bound_rec(struct rb_lease_rec *rec, const char *addr, const uint8_t *mac, uint32_t expires)
{
	memset(rec, 0, sizeof(*rec));
	rec->ip = ip(addr);
	rec->state = RB_LEASE_BOUND;
	rec->expires = expires;
	rec->updated = T0 - 100;
	rec->htype = 1;
	rec->hlen = 6;
	memcpy(rec->chaddr, mac, 6);
	rec->key_len = 7;
	rec->key[0] = 1;
	memcpy(rec->key + 1, mac, 6);
}

static void
test_load(void **state)
{
	struct fx *f = *state;
	struct rb_lease_rec rec;
	uint8_t a[6], mac[6];
	unsigned i;

	mac_of(1, a);
	bound_rec(&rec, "198.18.0.100", a, T0 + 3000);
	assert_int_equal(dhcpd_load(&f->d, &rec), 0);

	for (i = 0; i < NB_DYNAMIC - 1; i++) {
		mac_of(10 + i, mac);
		assert_int_not_equal(offer_for(f, mac), ip("198.18.0.100"));
	}
	mac_of(99, mac);
	expect_exhausted(f, mac);
	assert_int_equal(offer_for(f, a), ip("198.18.0.100"));
	/* Still bound: the offer does not shorten the loaded lease. */
	assert_int_equal(slot_of(f, "198.18.0.100")->state, RB_LEASE_BOUND);
	assert_int_equal(slot_of(f, "198.18.0.100")->expires, T0 + 3000);

	bound_rec(&rec, "198.18.0.50", a, T0 + 3000);
	assert_int_equal(dhcpd_load(&f->d, &rec), -ENOENT);
	bound_rec(&rec, "10.0.0.1", a, T0 + 3000);
	assert_int_equal(dhcpd_load(&f->d, &rec), -ENOENT);
}

/* A loaded lease of a returning client is renewed (INIT-REBOOT). */
static void
test_load_then_init_reboot(void **state)
{
	struct fx *f = *state;
	struct rb_lease_rec rec;
	uint8_t a[6], b[6];

	mac_of(1, a);
	mac_of(2, b);
	bound_rec(&rec, "198.18.0.104", a, T0 + 3000);
	assert_int_equal(dhcpd_load(&f->d, &rec), 0);
	assert_int_equal(init_reboot(f, b, "198.18.0.104"), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPNAK);
	assert_int_equal(init_reboot(f, a, "198.18.0.104"), DHCPD_COMMIT_SEND);
	expect_rec(f, "198.18.0.104", RB_LEASE_BOUND, T0 + 3600, a);
}

/* --- several servers, one database (dhcp.pool_order) ------------------ */

#define ORDER_CLIENTS 8

/*
 * Two servers with the same config see the DISCOVERs of ORDER_CLIENTS
 * clients, one in order and the other in reverse (what two servers on one
 * rack see when packets race): how many clients are offered the same
 * address by both.
 */
static unsigned
same_offers(struct fx *f, uint8_t order)
{
	struct rb_dhcp_dp_config c;
	uint32_t a[ORDER_CLIENTS], b[ORDER_CLIENTS];
	struct fx *g = calloc(1, sizeof(*g));
	uint8_t mac[6];
	unsigned i, same = 0;

	assert_non_null(g);
	cfg_default(&c, "lab.example");
	c.pool_order = order;
	c.subnets[0].pool_lo = ip("198.18.0.20");
	c.subnets[0].pool_hi = ip("198.18.0.250");
	fx_start(f, &c);
	fx_start(g, &c);
	for (i = 0; i < ORDER_CLIENTS; i++) {
		mac_of(i, mac);
		a[i] = offer_for(f, mac);
		mac_of(ORDER_CLIENTS - 1 - i, mac);
		b[ORDER_CLIENTS - 1 - i] = offer_for(g, mac);
	}
	for (i = 0; i < ORDER_CLIENTS; i++)
		same += a[i] == b[i];
	dhcpd_free(&g->d);
	free(g);
	return same;
}

static void
test_pool_order_client_hash(void **state)
{
	struct fx *f = *state;

	/* The FIFO hands out addresses in arrival order: two servers that
	 * see clients in different orders offer them different addresses
	 * (each such offer is a claim lost at the database, a NAK). */
	assert_true(same_offers(f, RB_POOL_FIFO) < ORDER_CLIENTS / 2);
	/* By the client's key, both choose alike whatever the order. */
	assert_int_equal(same_offers(f, RB_POOL_CLIENT_HASH), ORDER_CLIENTS);
}

/* client-hash looks at LEASE_NEAR_PROBES slots from the key's place, then
 * takes the FIFO's: a full stretch costs bounded work and still finds the
 * pool's free addresses. */
static void
test_pool_order_probe_bound(void **state)
{
	struct fx *f = *state;
	struct rb_dhcp_dp_config c;
	uint8_t mac[6];
	uint32_t got[9], i, slot, first;

	cfg_default(&c, "lab.example");
	c.pool_order = RB_POOL_CLIENT_HASH;
	fx_start(f, &c);
	/* Nine free addresses (.105 is reserved): nine clients get nine
	 * distinct ones, the tenth finds none. */
	for (i = 0; i < 9; i++) {
		mac_of(100 + i, mac);
		got[i] = dora(f, mac);
		for (slot = 0; slot < i; slot++)
			assert_int_not_equal(got[slot], got[i]);
		assert_int_not_equal(got[i], ip("198.18.0.105"));
	}
	mac_of(200, mac);
	expect_exhausted(f, mac);
	/* The direct call: a pool wider than the bound, every slot in the
	 * probed stretch taken, the FIFO's first free slot comes back. */
	c.subnets[0].pool_lo = ip("198.18.0.1");
	c.subnets[0].pool_hi = ip("198.18.0.254");
	fx_start(f, &c);
	first = f->d.t.subnets[0].base;
	/* .10, .11 and .105 are reserved; the stretch .21-.84 is bound. */
	for (i = 0; i < LEASE_NEAR_PROBES; i++) {
		f->d.t.slots[first + 20 + i].state = RB_LEASE_BOUND;
		f->d.t.slots[first + 20 + i].expires = f->now + 3600;
	}
	slot = lease_alloc_near(&f->d.t, 0, 20, 0, 1, f->now);
	assert_int_equal(slot, first); /* the FIFO's head: .1 */
	slot = lease_alloc_near(&f->d.t, 0, 19, 0, 1, f->now);
	assert_int_equal(slot, first + 19); /* free where the key starts: .20 */
	slot = lease_alloc_near(&f->d.t, 0, 20 + 254 * 7, 0, 1, f->now);
	assert_int_equal(slot, first + 1); /* wrapped to the same stretch: the FIFO again */
}

/* --- dhcp.balance: servers sharing the clients ------------------------ */

#define BALANCE_CLIENTS 64

static void
balance_cfg(struct rb_dhcp_dp_config *c, uint8_t k)
{
	cfg_default(c, "lab.example");
	c->pool_order = RB_POOL_CLIENT_HASH;
	c->subnets[0].pool_lo = ip("198.18.0.20");
	c->subnets[0].pool_hi = ip("198.18.0.250");
	c->balance_n = 2;
	c->balance_k = k;
	c->balance_takeover_s = 3;
}

/* The DISCOVER of client n with its secs field. */
static enum dhcpd_verdict
discover_secs(struct fx *f, unsigned n, uint16_t secs)
{
	struct req r;
	uint8_t mac[6];

	mac_of(n, mac);
	req_init(&r, DHCPDISCOVER, mac);
	r.h.secs = secs;
	return handle(f, &r);
}

/* Two servers, shares 1/2 and 2/2: each DISCOVER is answered by exactly
 * one of them, each has clients, and the other counts what it left. */
static void
test_balance_split(void **state)
{
	struct fx *f = *state;
	struct fx *g = calloc(1, sizeof(*g));
	struct rb_dhcp_dp_config c;
	unsigned i, by_f = 0, by_g = 0;
	enum dhcpd_verdict a, b;
	uint32_t off;

	assert_non_null(g);
	balance_cfg(&c, 1);
	fx_start(f, &c);
	balance_cfg(&c, 2);
	fx_start(g, &c);
	for (i = 0; i < BALANCE_CLIENTS; i++) {
		a = discover_secs(f, i, 0);
		b = discover_secs(g, i, 0);
		assert_true((a == DHCPD_SEND) != (b == DHCPD_SEND));
		assert_true(a == DHCPD_SEND || a == DHCPD_DROP);
		assert_true(b == DHCPD_SEND || b == DHCPD_DROP);
		by_f += a == DHCPD_SEND;
		by_g += b == DHCPD_SEND;
		/* Each offers from its own part of the pool (.20 is index 0):
		 * f the even indices, g the odd ones, so never one address to
		 * two clients though neither hears the other's offers. */
		off = ntohl((a == DHCPD_SEND ? f : g)->rep.h.yiaddr) - ntohl(ip("198.18.0.20"));
		assert_int_equal(off % 2, a == DHCPD_SEND ? 0 : 1);
	}
	assert_true(by_f > BALANCE_CLIENTS / 4 && by_g > BALANCE_CLIENTS / 4);
	assert_int_equal(f->cnt[RB_CNT_dhcp_offer], by_f);
	assert_int_equal(f->drops[RB_DROP_dhcp_balance_other], by_g);
	assert_int_equal(g->drops[RB_DROP_dhcp_balance_other], by_f);
	assert_int_equal(f->cnt[RB_CNT_dhcp_balance_takeover], 0);
	/* Without a balance both answer everyone. */
	c.balance_n = 0;
	fx_start(g, &c);
	for (i = 0; i < BALANCE_CLIENTS; i++)
		assert_int_equal(discover_secs(g, i, 0), DHCPD_SEND);
	dhcpd_free(&g->d);
	free(g);
}

/* A client of the other share, n: the first whose DISCOVER 1/2 leaves. */
static unsigned
other_share_client(struct fx *f)
{
	unsigned n;

	for (n = 0; n < BALANCE_CLIENTS; n++)
		if (discover_secs(f, n, 0) == DHCPD_DROP)
			return n;
	fail_msg("no client of share 2/2 among %d", BALANCE_CLIENTS);
	return 0;
}

/* Its server down, another share's client is answered once it has
 * waited balance_takeover_s: by its secs field, or by the time since this
 * server first left its DISCOVER (firmware that sends secs 0). */
static void
test_balance_takeover(void **state)
{
	struct fx *f = *state;
	struct rb_dhcp_dp_config c;
	unsigned n, m;
	char msg[128];
	struct dhcpd bad;

	balance_cfg(&c, 1);
	fx_start(f, &c);
	n = other_share_client(f);
	/* secs: 2 is not yet the takeover, 3 is. */
	assert_int_equal(discover_secs(f, n, 2), DHCPD_DROP);
	assert_int_equal(f->cnt[RB_CNT_dhcp_balance_takeover], 0);
	assert_int_equal(discover_secs(f, n, 3), DHCPD_SEND);
	assert_int_equal(f->out.type, DHCPOFFER);
	assert_int_equal(f->cnt[RB_CNT_dhcp_balance_takeover], 1);

	/* secs 0 all along: the first DISCOVER left at T0 (above, by
	 * other_share_client), answered from T0 + 3 on, its retransmissions
	 * too; a minute after the first, the wait starts over. */
	fx_start(f, &c);
	m = other_share_client(f);
	f->now = T0 + 2;
	assert_int_equal(discover_secs(f, m, 0), DHCPD_DROP);
	f->now = T0 + 3;
	assert_int_equal(discover_secs(f, m, 0), DHCPD_SEND);
	f->now = T0 + 5;
	assert_int_equal(discover_secs(f, m, 0), DHCPD_SEND);
	assert_int_equal(f->cnt[RB_CNT_dhcp_balance_takeover], 2);
	f->now = T0 + 61;
	assert_int_equal(discover_secs(f, m, 0), DHCPD_DROP);
	f->now = T0 + 63;
	assert_int_equal(discover_secs(f, m, 0), DHCPD_DROP);
	f->now = T0 + 64;
	assert_int_equal(discover_secs(f, m, 0), DHCPD_SEND);

	/* Shares the control never sends are refused, not served. */
	c.balance_k = 3;
	assert_int_equal(dhcpd_init(&bad, &c, ip(SERVER), 1500, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "balance"));
	c.balance_k = 0;
	assert_int_equal(dhcpd_init(&bad, &c, ip(SERVER), 1500, msg, sizeof(msg)), -EINVAL);
}

/* --- the store unreachable (dhcp.database_down) ----------------------- */

/* Commit the record of the last reply, as the main lcore does on success. */
static void
committed(struct fx *f)
{
	static struct {
		struct rb_lease_batch b;
		struct rb_lease_rec r[1];
	} one;

	assert_true(f->out.has_rec);
	one.b.count = 1;
	one.r[0] = f->out.rec;
	dhcpd_stored(&f->d, &one.b);
}

/* The lease time, T1 and T2 of an ACK payload. */
static void
ack_times(const uint8_t *p, size_t len, uint32_t *lt, uint32_t *t1, uint32_t *t2)
{
	struct dhcp_msg m;

	assert_int_equal(dhcp_parse(p, len, &m), DHCP_OK);
	assert_int_equal(m.type, DHCPACK);
	assert_true(dhcp_opt_u32(&m.o, DHO_LEASE_TIME, lt));
	assert_true(dhcp_opt_u32(&m.o, DHO_T1, t1));
	assert_true(dhcp_opt_u32(&m.o, DHO_T2, t2));
}

/* A renewal's ACK whose batch was given up goes out only for a lease the
 * store holds for this client, and only for the time that lease has left. */
static void
test_renew_held(void **state)
{
	struct fx *f = *state;
	struct rb_dhcp_dp_config c;
	uint8_t a[6], b[6], buf[DHCPD_MAX_PAYLOAD];
	uint32_t ia, ib, lt, t1, t2;
	size_t len;
	struct req r;
	char s[INET_ADDRSTRLEN];

	cfg_default(&c, "lab.example");
	c.db_down_renew = 1;
	fx_start(f, &c);
	mac_of(1, a);
	mac_of(2, b);
	ia = dora(f, a);
	committed(f);	 /* a's lease is in the store until T0 + 3600 */
	ib = dora(f, b); /* b's record never reached the store */

	/* 1000 s later a renews; the store is down: the ACK is rewritten to
	 * the 2600 s the stored lease has left. */
	f->now += 1000;
	req_init(&r, DHCPREQUEST, a);
	req_from(&r, ntoa(ia, s));
	assert_int_equal(handle(f, &r), DHCPD_COMMIT_SEND);
	len = (size_t)f->out.len;
	memcpy(buf, f->out.payload, len);
	ack_times(buf, len, &lt, &t1, &t2);
	assert_int_equal(lt, 3600);
	assert_int_equal(dhcpd_renew_held(&f->d, buf, len, f->now, f->cnt), 0);
	ack_times(buf, len, &lt, &t1, &t2);
	assert_int_equal(lt, 2600);
	assert_int_equal(t1, 1300);
	assert_int_equal(t2, 2275);
	assert_int_equal(f->cnt[RB_CNT_dhcp_ack_db_down], 1);

	/* b: nothing stored, nothing to prove. */
	req_init(&r, DHCPREQUEST, b);
	req_from(&r, ntoa(ib, s));
	assert_int_equal(handle(f, &r), DHCPD_COMMIT_SEND);
	len = (size_t)f->out.len;
	memcpy(buf, f->out.payload, len);
	assert_int_equal(dhcpd_renew_held(&f->d, buf, len, f->now, f->cnt), -1);

	/* a's ACK once its stored lease has ended: nothing left to give. */
	req_init(&r, DHCPREQUEST, a);
	req_from(&r, ntoa(ia, s));
	assert_int_equal(handle(f, &r), DHCPD_COMMIT_SEND);
	len = (size_t)f->out.len;
	memcpy(buf, f->out.payload, len);
	assert_int_equal(dhcpd_renew_held(&f->d, buf, len, T0 + 3600, f->cnt), -1);
	/* Another client's chaddr in the ACK: refused. */
	memcpy(buf + 28, b, 6);
	assert_int_equal(dhcpd_renew_held(&f->d, buf, len, f->now, f->cnt), -1);
	memcpy(buf + 28, a, 6);
	/* The mode off (dhcp.database_down: refuse): never. */
	f->d.cfg.db_down_renew = 0;
	assert_int_equal(dhcpd_renew_held(&f->d, buf, len, f->now, f->cnt), -1);
	f->d.cfg.db_down_renew = 1;
	assert_int_equal(dhcpd_renew_held(&f->d, buf, len, f->now, f->cnt), 0);
	/* The address went to another client (the store said so): the old
	 * client's ACK is not provable any more. */
	{
		struct rb_lease_rec other = f->out.rec;

		other.key[other.key_len - 1] ^= 0xff;
		other.chaddr[5] ^= 0xff;
		assert_int_equal(dhcpd_load(&f->d, &other), 0);
	}
	assert_int_equal(dhcpd_renew_held(&f->d, buf, len, f->now, f->cnt), -1);
	assert_int_equal(f->cnt[RB_CNT_dhcp_ack_db_down], 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_dora),
	    T(test_rediscover_same_offer),
	    T(test_reply_unicast_to_chaddr),
	    T(test_pool_exhaustion),
	    T(test_reservations),
	    T(test_resv_duplicate_key),
	    T(test_selecting_other_server),
	    T(test_selecting_other_server_shared),
	    T(test_init_reboot),
	    T(test_renew_rebind),
	    T(test_release),
	    T(test_decline),
	    T(test_decline_offer_only),
	    T(test_commit_room),
	    T(test_init_reboot_one_address),
	    T(test_offer_left_is_freed),
	    T(test_bound_elsewhere),
	    T(test_inform),
	    T(test_offer_expiry),
	    T(test_expired_lease_reuse),
	    T(test_expired_lease_reuse_later),
	    T(test_pxe_arch),
	    T(test_pxe_vendor_mtftp),
	    T(test_http_boot),
	    T(test_ipxe),
	    T(test_prl_order),
	    T(test_long_prl),
	    T(test_max_message_size),
	    T(test_relayed),
	    T(test_relay_info_local_not_echoed),
	    T(test_proxy),
	    T(test_server_port_4011),
	    T(test_rate_limit),
	    T(test_rate_limit_forged_chaddr),
	    T(test_bad_input),
	    T(test_load),
	    T(test_load_then_init_reboot),
	    T(test_pool_order_client_hash),
	    T(test_pool_order_probe_bound),
	    T(test_balance_split),
	    T(test_balance_takeover),
	    T(test_renew_held),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
