/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_dhcpd.c: libFuzzer target for the DHCP server's decisions and its
 * lease table (dataplane/dhcp_server.c, dhcp_lease.c): whole exchanges,
 * not single packets. Each input makes a fresh server (two subnets with
 * small pools, reservations by MAC inside and outside a pool and by client
 * id) and is a sequence of requests, each a record:
 *
 *   u8 clock step   seconds: 0..127 as is, 128..255 as (n - 127) * 64,
 *                   so offers, leases (600 s) and quarantines run out
 *   u8 addressing   bits 0-1 source address (0.0.0.0, a pool address, a
 *                   relay, a reserved address), bit 2 to the server's
 *                   address (else broadcast), bit 3 to port 4011, bits
 *                   4-5 which of four Ethernet sources
 *   u16 length      big-endian, cut to what is left
 *   bytes           the UDP payload
 *
 * The first input byte picks the mode (server, or proxyDHCP) and whether
 * the rate limit is on. After every request the table is checked: a key
 * names one slot and that slot is found by it, an address that is offered
 * or bound has an owner, the free FIFOs hold each free slot once, and a
 * reply is a message the codec parses, an ACK's record naming a bound
 * slot held by the client. Everything is freed at the end.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_server.h"
#include "fuzz.h"

#define T0 1700000000u

static const uint8_t macs[4][6] = {
    {0x52, 0x54, 0x00, 0x00, 0x00, 0xaa}, /* reserved: 198.18.0.10 */
    {0x52, 0x54, 0x00, 0x00, 0x01, 0x01}, /* reserved: 198.18.0.101, in the pool */
    {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01},
    {0x02, 0xee, 0x00, 0x00, 0x05, 0x01}, /* the relay's */
};
static const uint8_t cid_resv11[] = {0x00, 'a', 's', 's', 'e', 't', '-', '1', '1'};

static void
tlv(struct rb_dhcp_subnet_msg *sn, uint8_t code, const void *val, size_t n)
{
	CHECK(sn->opts_len + 2 + n <= sizeof(sn->opts));
	sn->opts[sn->opts_len++] = code;
	sn->opts[sn->opts_len++] = (uint8_t)n;
	memcpy(sn->opts + sn->opts_len, val, n);
	sn->opts_len = (uint16_t)(sn->opts_len + n);
}

static void
subnet(struct rb_dhcp_subnet_msg *sn, uint32_t net, uint32_t lo, uint32_t hi, uint32_t router)
{
	uint32_t mask = htonl(0xffffff00u), gw = htonl(router), dns = htonl(0xc6120001u);

	sn->net = htonl(net);
	sn->mask = mask;
	sn->pool_lo = htonl(lo);
	sn->pool_hi = htonl(hi);
	sn->lease_time = 600;
	tlv(sn, DHO_SUBNET_MASK, &mask, 4);
	tlv(sn, DHO_ROUTERS, &gw, 4);
	tlv(sn, DHO_DNS, &dns, 4);
	tlv(sn, DHO_DOMAIN, "lab.example", 11);
}

static void
resv(struct dhcpd *d, uint8_t kind, const void *key, size_t len, uint32_t ip, const char *host)
{
	struct rb_dhcp_resv_msg r;

	memset(&r, 0, sizeof(r));
	r.ip = htonl(ip);
	r.kind = kind;
	r.key_len = (uint8_t)len;
	memcpy(r.key, key, len);
	snprintf(r.hostname, sizeof(r.hostname), "%s", host);
	CHECK(dhcpd_add_resv(d, &r) == 0);
}

static void
start(struct dhcpd *d, uint8_t flags)
{
	static struct rb_dhcp_dp_config c;
	char msg[128];

	memset(&c, 0, sizeof(c));
	c.mode = flags & 1 ? RB_DHCP_PROXY : RB_DHCP_SERVER;
	c.nb_subnets = 2;
	c.offer_time = 60;
	c.decline_time = 600;
	c.rate_limit = flags & 2 ? 3 : 0;
	c.next_server = htonl(0xc6120001u);
	c.nb_resv = 3;
	snprintf(c.boot[RB_BOOT_BIOS], RB_URL_MAX, "pxelinux.0");
	snprintf(c.boot[RB_BOOT_EFI_X64], RB_URL_MAX, "syslinux.efi");
	snprintf(c.boot[RB_BOOT_HTTP_X64], RB_URL_MAX, "http://198.18.0.1/boot/ipxe.efi");
	snprintf(c.ipxe_script, RB_URL_MAX, "http://198.18.0.1/boot.ipxe");
	/* 198.18.0.100-.103 and 198.18.5.10-.11: a few DISCOVERs exhaust them */
	subnet(&c.subnets[0], 0xc6120000u, 0xc6120064u, 0xc6120067u, 0xc6120001u);
	subnet(&c.subnets[1], 0xc6120500u, 0xc612050au, 0xc612050bu, 0xc6120501u);
	CHECK(dhcpd_init(d, &c, htonl(0xc6120001u), 1500, msg, sizeof(msg)) == 0);
	if (c.mode == RB_DHCP_SERVER) {
		resv(d, RB_RESV_MAC, macs[0], 6, 0xc612000au, "node10");
		resv(d, RB_RESV_CLIENT_ID, cid_resv11, sizeof(cid_resv11), 0xc612000bu, "node11");
		resv(d, RB_RESV_MAC, macs[1], 6, 0xc6120065u, "node101");
	}
	CHECK(dhcpd_ready(d) == 0);
}

/* The lease table's own consistency. */
static void
check_table(const struct lease_table *t, uint32_t now)
{
	uint32_t i, j, inq;
	unsigned s;

	/* (slots past the reservations made stay unused) */
	for (i = 0; i < t->nb_pool + t->nb_resv; i++) {
		const struct lease *l = &t->slots[i];

		CHECK(l->key_len <= RB_CLIENT_KEY_MAX);
		/* a key names one slot, and the hash finds it */
		if (l->key_len)
			CHECK(lease_by_key(t, l->key, l->key_len) == i);
		/* an address held for or bound to a client has that client */
		if ((l->state == RB_LEASE_OFFERED || l->state == RB_LEASE_BOUND) &&
		    l->expires > now)
			CHECK(l->key_len > 0);
		CHECK(lease_by_ip(t, l->ip) == i);
		CHECK(!l->in_freeq || i < t->nb_pool); /* a reserved pool slot may wait there */
	}
	for (s = 0; s < t->nb_subnets; s++) {
		const struct lease_subnet *sn = &t->subnets[s];

		CHECK(sn->fq_count <= sn->fq_cap);
		for (j = 0; j < sn->fq_count; j++) {
			i = sn->fq[(sn->fq_head + j) % sn->fq_cap];
			CHECK(i >= sn->base && i < sn->base + sn->fq_cap);
			CHECK(t->slots[i].in_freeq);
		}
		for (inq = 0, j = 0; j < sn->fq_cap; j++)
			inq += t->slots[sn->base + j].in_freeq;
		CHECK(inq == sn->fq_count);
	}
}

/* What one request produced. */
static void
check_out(const struct dhcpd *d, enum dhcpd_verdict v, const struct dhcpd_out *out)
{
	static struct dhcp_msg rep;
	const struct lease *l;
	uint32_t slot;

	switch (v) {
	case DHCPD_DROP:
		CHECK(out->len == 0 && !out->has_rec);
		return;
	case DHCPD_COMMIT:
		CHECK(out->len == 0 && out->has_rec);
		break;
	case DHCPD_SEND:
	case DHCPD_COMMIT_SEND:
		CHECK(out->len > 0 && out->len <= d->max_payload);
		CHECK(dhcp_parse(out->payload, (size_t)out->len, &rep) == DHCP_OK);
		CHECK(rep.h.op == BOOTREPLY && rep.type == out->type);
		CHECK(v == DHCPD_SEND || (out->has_rec && out->type == DHCPACK));
		break;
	default:
		CHECK(0);
	}
	if (!out->has_rec)
		return;
	slot = lease_by_ip(&d->t, out->rec.ip);
	CHECK(slot != LEASE_NONE);
	CHECK(out->rec.key_len <= RB_CLIENT_KEY_MAX);
	CHECK(memchr(out->rec.hostname, 0, sizeof(out->rec.hostname)) != NULL);
	if (v == DHCPD_COMMIT_SEND) {
		l = &d->t.slots[slot];
		CHECK(out->rec.state == RB_LEASE_BOUND && l->state == RB_LEASE_BOUND);
		CHECK(rep.h.yiaddr == out->rec.ip);
		CHECK(l->key_len == out->rec.key_len &&
		      memcmp(l->key, out->rec.key, l->key_len) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t srcs[4] = {0, 0xc6120064u, 0xc6120501u, 0xc612000au};
	static struct dhcpd_out out;
	uint64_t cnt[RB_CNT_MAX] = {0}, drops[RB_DROP_MAX] = {0};
	struct dhcpd_in in;
	struct dhcpd d;
	enum dhcpd_verdict v;
	uint32_t now = T0;
	size_t off = 1, len;
	uint8_t step, addr;

	if (size < 1)
		return 0;
	start(&d, data[0]);
	while (off + 4 <= size) {
		step = data[off];
		addr = data[off + 1];
		len = (size_t)data[off + 2] << 8 | data[off + 3];
		off += 4;
		if (len > size - off)
			len = size - off;
		now += step < 128 ? step : (uint32_t)(step - 127) * 64;
		memset(&in, 0, sizeof(in));
		in.payload = data + off;
		in.len = len;
		in.src_ip = htonl(srcs[addr & 3]);
		in.dst_ip = addr & 4 ? d.server_ip : 0xffffffffu;
		in.src_port = (addr & 3) == 2 ? RB_PORT_DHCP_SERVER : RB_PORT_DHCP_CLIENT;
		in.dst_port = addr & 8 ? RB_PORT_PROXYDHCP : RB_PORT_DHCP_SERVER;
		in.src_mac = macs[(addr >> 4) & 3];
		in.now = now;
		v = dhcpd_handle(&d, &in, &out, cnt, drops);
		check_out(&d, v, &out);
		check_table(&d.t, now);
		off += len;
	}
	dhcpd_free(&d);
	return 0;
}
