/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp_server.c: DHCP and proxyDHCP decisions. See dhcp_server.h.
 *
 * Client states are told apart as RFC 2131 4.3.2 does: a REQUEST with a
 * server identifier is SELECTING; with a requested address and no ciaddr
 * it is INIT-REBOOT; with ciaddr it is RENEWING (unicast) or REBINDING
 * (broadcast), which are answered alike.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_server.h"
#include "hash.h"

#define RATE_SLOTS 65536 /* 512 KiB; see util/ratelimit.h */

_Static_assert(sizeof(((struct rb_dhcp_dp_config *)0)->pxe_vendor) >= PXE_VENDOR_MAX,
	       "the channel's option 43 field holds what dhcp_pxe_vendor() writes");

int
dhcpd_init(struct dhcpd *d, const struct rb_dhcp_dp_config *cfg, uint32_t server_ip, uint16_t mtu,
	   char *msg, size_t cap)
{
	unsigned s;
	int ret;

	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	/* A control that sent no option 43 gets the plain PXE one. */
	if (!d->cfg.pxe_vendor_len)
		d->cfg.pxe_vendor_len =
		    (uint8_t)dhcp_pxe_vendor(d->cfg.pxe_vendor, sizeof(d->cfg.pxe_vendor), NULL);
	d->server_ip = server_ip;
	d->max_payload =
	    mtu > 28 && mtu - 28 < DHCPD_MAX_PAYLOAD ? (uint16_t)(mtu - 28) : DHCPD_MAX_PAYLOAD;
	if (cfg->nb_subnets > RB_DHCP_MAX_SUBNETS) {
		snprintf(msg, cap, "dhcp: %u subnets, at most %d", cfg->nb_subnets,
			 RB_DHCP_MAX_SUBNETS);
		return -EINVAL;
	}
	d->subnet_opts = calloc(cfg->nb_subnets ? cfg->nb_subnets : 1, sizeof(*d->subnet_opts));
	if (!d->subnet_opts || rb_rate_init(&d->rate, RATE_SLOTS) < 0)
		goto nomem;
	if (cfg->balance_n > 1) {
		if (!cfg->balance_k || cfg->balance_k > cfg->balance_n ||
		    !cfg->balance_takeover_s) {
			snprintf(msg, cap, "dhcp: balance share %u/%u, takeover %u s",
				 cfg->balance_k, cfg->balance_n, cfg->balance_takeover_s);
			dhcpd_free(d);
			return -EINVAL;
		}
		d->waiting = calloc(DHCPD_WAITING_SLOTS, sizeof(*d->waiting));
		if (!d->waiting)
			goto nomem;
	}
	for (s = 0; s < cfg->nb_subnets; s++) {
		const struct rb_dhcp_subnet_msg *sn = &cfg->subnets[s];

		if (sn->opts_len > sizeof(sn->opts) ||
		    dhcp_opts_from_tlv(&d->subnet_opts[s], sn->opts, sn->opts_len) < 0) {
			snprintf(msg, cap, "dhcp: subnet %u: bad option blob", s);
			dhcpd_free(d);
			return -EINVAL;
		}
	}
	ret = lease_table_init(&d->t, cfg->subnets, cfg->nb_subnets, cfg->nb_resv);
	if (ret < 0)
		goto nomem;
	return 0;
nomem:
	snprintf(msg, cap, "dhcp: out of memory for the lease table");
	dhcpd_free(d);
	return -ENOMEM;
}

int
dhcpd_add_resv(struct dhcpd *d, const struct rb_dhcp_resv_msg *r)
{
	return lease_table_add_resv(&d->t, r);
}

int
dhcpd_ready(struct dhcpd *d)
{
	return lease_table_index(&d->t);
}

int
dhcpd_load(struct dhcpd *d, const struct rb_lease_rec *r)
{
	return lease_load(&d->t, r);
}

void
dhcpd_free(struct dhcpd *d)
{
	lease_table_free(&d->t);
	free(d->subnet_opts);
	rb_rate_free(&d->rate);
	free(d->waiting);
	d->subnet_opts = NULL;
	d->waiting = NULL;
}

/*
 * Requests per second per client (util/ratelimit.h): its hardware address
 * and the frame's source, so that a host forging a victim's chaddr from
 * its own MAC spends its own budget, not the victim's (a relayed request
 * comes from the relay's MAC, and the chaddrs behind it stay apart).
 */
static bool
rate_ok(struct dhcpd *d, const uint8_t *chaddr, const uint8_t *src_mac, uint32_t now)
{
	uint8_t key[22];

	memcpy(key, chaddr, 16);
	memcpy(key + 16, src_mac, 6);
	return rb_rate_ok(&d->rate, key, sizeof(key), now, d->cfg.rate_limit);
}

/* Keep what is safe to store and print: letters, digits, '-', '.', '_'. */
static void
sanitize_hostname(const struct dhcp_opts *o, char *out, size_t cap)
{
	size_t n, i, j = 0;
	const uint8_t *h = dhcp_opt(o, DHO_HOSTNAME, &n);

	for (i = 0; h && i < n && j + 1 < cap; i++) {
		uint8_t c = h[i];

		if (c == 0)
			break;
		out[j++] = (char)(((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9') ||
					  c == '-' || c == '.'
				      ? c
				      : '_');
	}
	out[j] = '\0';
}

static int
boot_slot(int arch)
{
	switch (arch) {
	case 0:
		return RB_BOOT_BIOS;
	case 6:
		return RB_BOOT_EFI_IA32;
	case 7:
	case 9:
		return RB_BOOT_EFI_X64;
	case 11:
		return RB_BOOT_EFI_ARM64;
	case 16:
		return RB_BOOT_HTTP_X64;
	case 19:
		return RB_BOOT_HTTP_ARM64;
	}
	return -ENOENT;
}

/*
 * Boot information for this client into the reply: siaddr, file and 66/67,
 * and for PXE firmware 60, 43 (no discovery: boot the file given; the
 * control's encoding, with the MTFTP parameters when set), 97; for
 * iPXE its script URL and 175.176 so it does not wait for proxyDHCP.
 */
static void
add_boot(struct dhcpd *d, const struct dhcp_msg *m, struct dhcp_hdr *h, struct dhcp_opts *o,
	 uint64_t *cnt)
{
	static const uint8_t ipxe_opts[] = {176, 1, 1}; /* no-pxedhcp */
	bool pxe = dhcp_vendor_class_is(&m->o, "PXEClient");
	bool http = dhcp_vendor_class_is(&m->o, "HTTPClient");
	bool ipxe = dhcp_is_ipxe(&m->o);
	int arch = dhcp_client_arch(&m->o), slot;
	const char *file = NULL;
	char ns[16];
	size_t n;
	const uint8_t *v;

	if (pxe || http)
		cnt[RB_CNT_dhcp_pxe_clients]++;
	if (ipxe)
		cnt[RB_CNT_dhcp_ipxe_clients]++;
	slot = boot_slot(arch < 0 ? 0 : arch);
	if (ipxe && d->cfg.ipxe_script[0])
		file = d->cfg.ipxe_script;
	else if (slot >= 0 && d->cfg.boot[slot][0])
		file = d->cfg.boot[slot];

	h->siaddr = d->cfg.next_server;
	inet_ntop(AF_INET, &d->cfg.next_server, ns, sizeof(ns));
	dhcp_opts_set(o, DHO_TFTP_SERVER, ns, strlen(ns));
	if (file) {
		n = strlen(file);
		if (n < sizeof(h->file))
			memcpy(h->file, file, n);
		dhcp_opts_set(o, DHO_BOOTFILE, file, n);
	}
	if (http)
		dhcp_opts_set(o, DHO_VENDOR_CLASS, "HTTPClient", 10);
	else if (pxe)
		dhcp_opts_set(o, DHO_VENDOR_CLASS, "PXEClient", 9);
	if (pxe)
		dhcp_opts_set(o, DHO_VENDOR, d->cfg.pxe_vendor, d->cfg.pxe_vendor_len);
	v = dhcp_opt(&m->o, DHO_CLIENT_UUID, &n);
	if (v && (pxe || http))
		dhcp_opts_set(o, DHO_CLIENT_UUID, v, n);
	if (ipxe)
		dhcp_opts_set(o, DHO_IPXE, ipxe_opts, sizeof(ipxe_opts));
}

/* Where the reply goes (RFC 2131 4.1; port 4011 answers its sender). */
static void
address_reply(const struct dhcpd_in *in, const struct dhcp_msg *m, struct dhcp_hdr *h,
	      struct dhcpd_out *out)
{
	out->l2_broadcast = false;
	memcpy(out->dst_mac, in->src_mac, 6);
	if (in->dst_port == RB_PORT_PROXYDHCP) {
		out->dst_ip = in->src_ip;
		out->dst_port = in->src_port;
	} else if (m->h.giaddr) {
		out->dst_ip = m->h.giaddr;
		out->dst_port = RB_PORT_DHCP_SERVER;
		if (out->type == DHCPNAK)
			h->flags |= DHCP_FLAG_BROADCAST;
	} else if (out->type != DHCPNAK && m->h.ciaddr) {
		out->dst_ip = m->h.ciaddr;
		out->dst_port = RB_PORT_DHCP_CLIENT;
	} else if (out->type == DHCPNAK || (m->h.flags & DHCP_FLAG_BROADCAST) || !h->yiaddr ||
		   m->h.hlen != 6) {
		out->dst_ip = 0xffffffffu;
		out->dst_port = RB_PORT_DHCP_CLIENT;
		out->l2_broadcast = true;
	} else {
		/* The client has no address yet and asked for unicast: send to
		 * the offered address at its hardware address, no ARP. */
		out->dst_ip = h->yiaddr;
		out->dst_port = RB_PORT_DHCP_CLIENT;
		memcpy(out->dst_mac, m->h.chaddr, 6);
	}
}

/* Build the reply payload: our options, in the client's PRL order first. */
static void
build_reply(struct dhcpd *d, const struct dhcpd_in *in, const struct dhcp_msg *m,
	    struct dhcp_hdr *h, struct dhcp_opts *o, struct dhcpd_out *out, uint64_t *drops)
{
	static const uint8_t head[] = {DHO_MSG_TYPE, DHO_SERVER_ID, DHO_LEASE_TIME, DHO_T1, DHO_T2};
	static const uint8_t tail[] = {
	    DHO_SUBNET_MASK, DHO_ROUTERS,     DHO_DNS,	    DHO_DOMAIN,	      DHO_BROADCAST,
	    DHO_HOSTNAME,    DHO_TFTP_SERVER, DHO_BOOTFILE, DHO_VENDOR_CLASS, DHO_VENDOR,
	    DHO_CLIENT_UUID, DHO_IPXE,	      DHO_MESSAGE};
	uint8_t order[sizeof(head) + 256 + sizeof(tail) + 1], seen[32] = {0};
	struct dhcp_build_stats st;
	size_t n = 0, i, prl_len, maxsz = d->max_payload;
	const uint8_t *prl, *ri;
	uint16_t ms;

	memcpy(order, head, sizeof(head));
	n = sizeof(head);
	prl = dhcp_opt(&m->o, DHO_PRL, &prl_len);
	/* Option 55 may come in several instances (RFC 3396) and be longer
	 * than 255 bytes; only its distinct codes matter, and there are at
	 * most 256 of them. */
	for (i = 0; prl && i < prl_len; i++) {
		if ((seen[prl[i] >> 3] >> (prl[i] & 7)) & 1)
			continue;
		seen[prl[i] >> 3] |= (uint8_t)(1u << (prl[i] & 7));
		order[n++] = prl[i];
	}
	memcpy(order + n, tail, sizeof(tail));
	n += sizeof(tail);
	/* Relay agent information goes back last, as the relay sent it. */
	ri = dhcp_opt(&m->o, DHO_RELAY_INFO, &prl_len);
	if (ri && m->h.giaddr) {
		dhcp_opts_set(o, DHO_RELAY_INFO, ri, prl_len);
		order[n++] = DHO_RELAY_INFO;
	}
	if (dhcp_opt_u16(&m->o, DHO_MAX_SIZE, &ms) && ms >= DHCP_MIN_MAX_SIZE)
		maxsz = ms - 28u < maxsz ? ms - 28u : maxsz; /* 57 counts IP and UDP headers */
	else
		maxsz = DHCP_MIN_MAX_SIZE - 28;

	h->op = BOOTREPLY;
	h->htype = m->h.htype;
	h->hlen = m->h.hlen;
	h->xid = m->h.xid;
	h->flags = m->h.flags;
	h->giaddr = m->h.giaddr;
	memcpy(h->chaddr, m->h.chaddr, sizeof(h->chaddr));
	address_reply(in, m, h, out);
	out->len = dhcp_build(out->payload, sizeof(out->payload), maxsz, h, o, order, n, &st);
	if (st.skipped)
		drops[RB_DROP_dhcp_reply_too_big] += st.skipped;
}

/* Start a reply of this type with the options every reply carries. */
static void
begin(struct dhcpd *d, struct dhcp_hdr *h, struct dhcp_opts *o, struct dhcpd_out *out, uint8_t type)
{
	memset(h, 0, sizeof(*h));
	dhcp_opts_init(o);
	dhcp_opts_set_u8(o, DHO_MSG_TYPE, type);
	dhcp_opts_set_ip(o, DHO_SERVER_ID, d->server_ip);
	out->type = type;
	out->has_rec = false;
	out->len = 0;
}

/* Subnet options and, for a lease, its times. */
static void
add_lease_opts(struct dhcpd *d, int s, struct dhcp_opts *o, const struct lease *l, bool times)
{
	const struct dhcp_opts *so = &d->subnet_opts[s];
	uint32_t lt = d->cfg.subnets[s].lease_time;
	int c;

	for (c = 1; c < 255; c++)
		if (dhcp_has(so, (uint8_t)c))
			dhcp_opts_set(o, (uint8_t)c, &so->data[so->off[c]], so->len[c]);
	if (times) {
		dhcp_opts_set_u32(o, DHO_LEASE_TIME, lt);
		dhcp_opts_set_u32(o, DHO_T1, lt / 2);
		dhcp_opts_set_u32(o, DHO_T2, (uint32_t)((uint64_t)lt * 7 / 8));
	}
	if (l && l->reserved && l->hostname[0])
		dhcp_opts_set(o, DHO_HOSTNAME, l->hostname, strlen(l->hostname));
}

static enum dhcpd_verdict
nak(struct dhcpd *d, const struct dhcpd_in *in, const struct dhcp_msg *m, struct dhcpd_out *out,
    uint64_t *cnt, uint64_t *drops, const char *why)
{
	struct dhcp_hdr h;
	struct dhcp_opts o;

	begin(d, &h, &o, out, DHCPNAK);
	dhcp_opts_set(&o, DHO_MESSAGE, why, strlen(why));
	build_reply(d, in, m, &h, &o, out, drops);
	cnt[RB_CNT_dhcp_nak]++;
	return out->len > 0 ? DHCPD_SEND : DHCPD_DROP;
}

uint32_t
dhcpd_claims_lost(struct dhcpd *d, const struct rb_lease_ack *ack, uint64_t *seqs)
{
	uint32_t i, n = 0;

	if (ack->status != 0)
		return 0;
	for (i = 0; i < ack->nb_lost && n < RB_LEASE_BATCH_MAX; i++) {
		/* An address outside our pools is simply not ours to mark. */
		dhcpd_load(d, &ack->lost[i]);
		seqs[n++] = ack->lost[i].seq;
	}
	return n;
}

enum dhcpd_verdict
dhcpd_nak_held(struct dhcpd *d, const uint8_t *ack, size_t len, const uint8_t *relay_mac,
	       struct dhcpd_out *out, uint64_t *counters, uint64_t *drops)
{
	struct dhcpd_in in = {.dst_port = RB_PORT_DHCP_SERVER, .src_mac = relay_mac};
	struct dhcp_msg m;

	if (dhcp_parse(ack, len, &m) < 0)
		return DHCPD_DROP;
	/* Only what a NAK keeps of the request (xid, flags, giaddr, chaddr,
	 * relay information) matters; the ACK carries the same. */
	return nak(d, &in, &m, out, counters, drops, "address taken by another server");
}

/* Overwrite the 4-byte value of option code in the options at p[0..len),
 * if present. */
static void
patch_u32_opt(uint8_t *p, size_t len, uint8_t code, uint32_t v)
{
	size_t off = 0;

	while (off < len && p[off] != DHO_END) {
		if (p[off] == DHO_PAD) {
			off++;
			continue;
		}
		if (off + 2 > len || off + 2 + p[off + 1] > len)
			return;
		if (p[off] == code && p[off + 1] == 4) {
			p[off + 2] = (uint8_t)(v >> 24);
			p[off + 3] = (uint8_t)(v >> 16);
			p[off + 4] = (uint8_t)(v >> 8);
			p[off + 5] = (uint8_t)v;
		}
		off += 2 + (size_t)p[off + 1];
	}
}

int
dhcpd_renew_held(struct dhcpd *d, uint8_t *ack, size_t len, uint32_t now, uint64_t *counters)
{
	struct dhcp_msg m;
	const struct lease *l;
	uint32_t slot, left;

	if (!d->cfg.db_down_renew || dhcp_parse(ack, len, &m) < 0 || m.type != DHCPACK)
		return -1;
	slot = lease_by_ip(&d->t, m.h.yiaddr);
	if (slot == LEASE_NONE)
		return -1;
	l = &d->t.slots[slot];
	if (l->state != RB_LEASE_BOUND || !l->key_len || l->stored <= now || l->hlen != m.h.hlen ||
	    memcmp(l->chaddr, m.h.chaddr, l->hlen) != 0)
		return -1;
	left = l->stored - now;
	/* Our ACKs carry these in the options field, never in file/sname. */
	patch_u32_opt(ack + DHCP_HDR_LEN, len - DHCP_HDR_LEN, DHO_LEASE_TIME, left);
	patch_u32_opt(ack + DHCP_HDR_LEN, len - DHCP_HDR_LEN, DHO_T1, left / 2);
	patch_u32_opt(ack + DHCP_HDR_LEN, len - DHCP_HDR_LEN, DHO_T2,
		      (uint32_t)((uint64_t)left * 7 / 8));
	counters[RB_CNT_dhcp_ack_db_down]++;
	return 0;
}

void
dhcpd_stored(struct dhcpd *d, const struct rb_lease_batch *b)
{
	uint32_t i;

	for (i = 0; i < b->count; i++)
		lease_stored(&d->t, &b->rec[i]);
}

/* The durable record of slot's change, numbered in the order the table
 * made its changes (the caller's lock serialises dhcpd_handle()). */
static void
record(struct dhcpd *d, const struct lease *l, uint32_t now, struct dhcpd_out *out)
{
	lease_to_rec(l, now, &out->rec);
	out->rec.seq = ++d->rec_seq;
	out->has_rec = true;
}

/* Bind slot to the client of m until now + its lease time; fill the record. */
static void
bind_lease(struct dhcpd *d, uint32_t slot, const struct dhcp_msg *m, const uint8_t *key,
	   size_t klen, uint32_t now, struct dhcpd_out *out)
{
	struct lease *l = &d->t.slots[slot];

	lease_attach(&d->t, slot, key, klen);
	l->state = RB_LEASE_BOUND;
	l->expires = now + d->cfg.subnets[l->subnet].lease_time;
	l->htype = m->h.htype;
	l->hlen = m->h.hlen;
	memcpy(l->chaddr, m->h.chaddr, sizeof(l->chaddr));
	if (!l->reserved)
		sanitize_hostname(&m->o, l->hostname, sizeof(l->hostname));
	record(d, l, now, out);
}

/* The slot this client may have for addr: its reservation, its own lease,
 * or a free pool address. LEASE_NONE when it belongs to someone else. */
static uint32_t
slot_for(struct dhcpd *d, const struct dhcp_msg *m, const uint8_t *key, size_t klen, uint32_t resv,
	 uint32_t addr, uint32_t now)
{
	uint32_t slot;
	struct lease *l;

	if (resv != LEASE_NONE)
		return d->t.slots[resv].ip == addr ? resv : LEASE_NONE;
	slot = lease_by_ip(&d->t, addr);
	if (slot == LEASE_NONE)
		return LEASE_NONE;
	l = &d->t.slots[slot];
	if (l->reserved)
		return LEASE_NONE;
	if (l->key_len == klen && memcmp(l->key, key, klen) == 0 && l->state != RB_LEASE_DECLINED)
		return slot;
	(void)m;
	return lease_available(l, now) ? slot : LEASE_NONE;
}

static enum dhcpd_verdict
ack(struct dhcpd *d, const struct dhcpd_in *in, const struct dhcp_msg *m, uint32_t slot, int s,
    const uint8_t *key, size_t klen, struct dhcpd_out *out, uint64_t *cnt, uint64_t *drops)
{
	struct dhcp_hdr h;
	struct dhcp_opts o;

	begin(d, &h, &o, out, DHCPACK);
	bind_lease(d, slot, m, key, klen, in->now, out);
	add_lease_opts(d, s, &o, &d->t.slots[slot], true);
	add_boot(d, m, &h, &o, cnt);
	h.yiaddr = d->t.slots[slot].ip;
	h.ciaddr = m->h.ciaddr;
	build_reply(d, in, m, &h, &o, out, drops);
	if (out->len <= 0)
		return DHCPD_DROP;
	cnt[RB_CNT_dhcp_ack]++;
	return DHCPD_COMMIT_SEND;
}

/*
 * dhcp.balance (load balancing after RFC 3074, with our own hash and
 * share of the buckets rather than its Pearson hash and bitmap): is
 * this DISCOVER this server's to answer? Its own share's, yes. Another
 * share's once the client has waited balance_takeover_s for an answer:
 * by its secs field (RFC 3074 section 3), or, for firmware that leaves
 * secs 0, by the time since this server first ignored a DISCOVER of the
 * same client (dhcpd.waiting; the slot stays, so its retransmissions are
 * answered too, until WAITING_FORGET_S after the first: then it starts
 * over). That is how a share whose server is down gets served, a few
 * seconds late. REQUESTs, renewals and rebinds are not split: they name
 * their server, or any server may answer them from the shared leases.
 * kh is rb_hash32() of the key, the hash every server computes alike.
 */
#define WAITING_FORGET_S 60

static bool
balance_mine(struct dhcpd *d, const struct dhcp_msg *m, const uint8_t *key, size_t klen,
	     uint32_t kh, uint32_t now, uint64_t *cnt, uint64_t *drops)
{
	uint64_t h;
	struct dhcpd_waiting *w;
	uint32_t tag;

	if (d->cfg.balance_n <= 1 || (kh >> 24) % d->cfg.balance_n == d->cfg.balance_k - 1u)
		return true;
	h = rb_hash64_keyed(key, klen);
	w = &d->waiting[h & (DHCPD_WAITING_SLOTS - 1)];
	tag = (uint32_t)(h >> 32) | 1u; /* never 0: an empty slot */
	if (m->h.secs >= d->cfg.balance_takeover_s ||
	    (w->tag == tag && now - w->since < WAITING_FORGET_S &&
	     now - w->since >= d->cfg.balance_takeover_s)) {
		cnt[RB_CNT_dhcp_balance_takeover]++;
		return true;
	}
	if (w->tag != tag || now - w->since >= WAITING_FORGET_S) {
		w->tag = tag;
		w->since = now;
	}
	drops[RB_DROP_dhcp_balance_other]++;
	return false;
}

static enum dhcpd_verdict
discover(struct dhcpd *d, const struct dhcpd_in *in, const struct dhcp_msg *m, int s,
	 const uint8_t *key, size_t klen, uint32_t resv, struct dhcpd_out *out, uint64_t *cnt,
	 uint64_t *drops)
{
	uint32_t slot = resv, want;
	struct dhcp_hdr h;
	struct dhcp_opts o;
	struct lease *l;
	uint32_t kh = rb_hash32(key, klen);
	bool split = d->cfg.balance_n > 1;

	if (!balance_mine(d, m, key, klen, kh, in->now, cnt, drops))
		return DHCPD_DROP;
	if (slot == LEASE_NONE) {
		/* Its current or last address, then the one it asks for,
		 * then the least recently freed. */
		slot = lease_by_key(&d->t, key, klen);
		/* One address per client: bound elsewhere (another subnet,
		 * through a relay), it gets no second one until that lease
		 * ends or is released. Offering one would move its key and
		 * leave the old address bound to nobody: one MAC going back
		 * and forth between two subnets would take both pools. */
		if (slot != LEASE_NONE && d->t.slots[slot].subnet != s &&
		    d->t.slots[slot].state == RB_LEASE_BOUND &&
		    d->t.slots[slot].expires > in->now) {
			drops[RB_DROP_dhcp_bound_elsewhere]++;
			return DHCPD_DROP;
		}
		if (slot != LEASE_NONE &&
		    (d->t.slots[slot].reserved || d->t.slots[slot].subnet != s ||
		     d->t.slots[slot].state == RB_LEASE_DECLINED))
			slot = LEASE_NONE;
		if (slot != LEASE_NONE && d->t.slots[slot].state != RB_LEASE_BOUND &&
		    d->t.slots[slot].state != RB_LEASE_OFFERED &&
		    !lease_available(&d->t.slots[slot], in->now))
			slot = LEASE_NONE;
		if (slot == LEASE_NONE && dhcp_opt_ip(&m->o, DHO_REQUESTED_IP, &want)) {
			slot = slot_for(d, m, key, klen, LEASE_NONE, want, in->now);
			if (slot != LEASE_NONE && d->t.slots[slot].subnet != s)
				slot = LEASE_NONE;
		}
		/* By the client's key; balanced servers do not hear each
		 * other's offers, so each offers from its own part of the pool. */
		if (slot == LEASE_NONE && (split || d->cfg.pool_order == RB_POOL_CLIENT_HASH))
			slot = lease_alloc_near(&d->t, (unsigned)s, kh,
						split ? d->cfg.balance_k - 1u : 0,
						split ? d->cfg.balance_n : 1, in->now);
		else if (slot == LEASE_NONE)
			slot = lease_alloc(&d->t, (unsigned)s, in->now);
		if (slot == LEASE_NONE) {
			drops[RB_DROP_dhcp_pool_exhausted]++;
			return DHCPD_DROP;
		}
	}
	l = &d->t.slots[slot];
	lease_attach(&d->t, slot, key, klen);
	if (l->state != RB_LEASE_BOUND || l->expires <= in->now) {
		l->state = RB_LEASE_OFFERED;
		l->expires = in->now + d->cfg.offer_time;
	}
	begin(d, &h, &o, out, DHCPOFFER);
	add_lease_opts(d, s, &o, l, true);
	add_boot(d, m, &h, &o, cnt);
	h.yiaddr = l->ip;
	build_reply(d, in, m, &h, &o, out, drops);
	if (out->len <= 0)
		return DHCPD_DROP;
	cnt[RB_CNT_dhcp_offer]++;
	return DHCPD_SEND;
}

static enum dhcpd_verdict
request(struct dhcpd *d, const struct dhcpd_in *in, const struct dhcp_msg *m, int s,
	const uint8_t *key, size_t klen, uint32_t resv, struct dhcpd_out *out, uint64_t *cnt,
	uint64_t *drops)
{
	uint32_t sid, want = 0, slot;
	bool has_sid = dhcp_opt_ip(&m->o, DHO_SERVER_ID, &sid);
	bool has_want = dhcp_opt_ip(&m->o, DHO_REQUESTED_IP, &want);

	if (has_sid && sid != d->server_ip) {
		/* SELECTING another server's offer: ours is free again,
		 * unless both offered the same address (client-hash: servers
		 * sharing a database). The other server is binding it to this
		 * client then, which the feed will say within a poll; freeing
		 * it meanwhile would give it to the next client whose search
		 * starts near it, a claim that loses. It stays held for the
		 * client until the feed's row or the offer's end. */
		slot = lease_by_key(&d->t, key, klen);
		if (slot != LEASE_NONE && d->t.slots[slot].state == RB_LEASE_OFFERED &&
		    !(d->cfg.pool_order == RB_POOL_CLIENT_HASH && has_want &&
		      d->t.slots[slot].ip == want)) {
			d->t.slots[slot].state = RB_LEASE_FREE;
			lease_free(&d->t, slot);
		}
		drops[RB_DROP_dhcp_other_server]++;
		return DHCPD_DROP;
	}
	if (!has_want)
		want = m->h.ciaddr; /* RENEWING / REBINDING */
	if (!want)
		return nak(d, in, m, out, cnt, drops, "no address requested");
	if (lease_subnet_of(&d->t, want) != s)
		return nak(d, in, m, out, cnt, drops, "wrong network");
	/* One address per client: a client bound to one address that asks
	 * for another without an offer (INIT-REBOOT, RENEWING) is told no
	 * (RFC 2131 4.3.2: its notion of its address is wrong). Binding it
	 * would move its key and leave the old address bound to nobody, so
	 * one MAC could take the whole pool. A NAK sends it to DISCOVER,
	 * which offers the address it holds. */
	if (!has_sid && resv == LEASE_NONE) {
		uint32_t held = lease_by_key(&d->t, key, klen);

		if (held != LEASE_NONE && d->t.slots[held].ip != want &&
		    d->t.slots[held].state == RB_LEASE_BOUND && d->t.slots[held].expires > in->now)
			return nak(d, in, m, out, cnt, drops, "client holds another address");
	}
	slot = slot_for(d, m, key, klen, resv, want, in->now);
	if (slot == LEASE_NONE) {
		if (!has_sid && lease_by_ip(&d->t, want) == LEASE_NONE && resv == LEASE_NONE) {
			/* INIT-REBOOT or RENEWING with an address outside
			 * our pools: not ours to judge (RFC 2131 4.3.2). */
			drops[RB_DROP_dhcp_unknown_lease]++;
			return DHCPD_DROP;
		}
		return nak(d, in, m, out, cnt, drops, "address not available");
	}
	if (has_sid && d->t.slots[slot].state != RB_LEASE_OFFERED &&
	    d->t.slots[slot].state != RB_LEASE_BOUND &&
	    !(d->t.slots[slot].key_len == klen && !memcmp(d->t.slots[slot].key, key, klen)))
		return nak(d, in, m, out, cnt, drops, "no offer for this address");
	/* An ACK needs its record queued: without room (the reserve is for
	 * RELEASE and DECLINE) nothing changes and the client, which gets
	 * no answer, sends its REQUEST again (RFC 2131 4.1). */
	if (in->commit_room != DHCPD_ROOM) {
		drops[RB_DROP_dhcp_commit_backlog]++;
		return DHCPD_DROP;
	}
	return ack(d, in, m, slot, s, key, klen, out, cnt, drops);
}

/* RELEASE and DECLINE: only for a lease this client holds from us (DECLINE:
 * one we ACKed). */
static enum dhcpd_verdict
give_back(struct dhcpd *d, const struct dhcpd_in *in, const struct dhcp_msg *m, const uint8_t *key,
	  size_t klen, struct dhcpd_out *out, uint64_t *drops)
{
	uint32_t sid, addr, slot;
	struct lease *l;

	if (!dhcp_opt_ip(&m->o, DHO_SERVER_ID, &sid) || sid != d->server_ip) {
		drops[RB_DROP_dhcp_other_server]++;
		return DHCPD_DROP;
	}
	if (m->type == DHCPDECLINE) {
		if (!dhcp_opt_ip(&m->o, DHO_REQUESTED_IP, &addr))
			addr = 0;
	} else {
		addr = m->h.ciaddr;
	}
	slot = addr ? lease_by_ip(&d->t, addr) : LEASE_NONE;
	l = slot != LEASE_NONE ? &d->t.slots[slot] : NULL;
	if (!l || l->key_len != klen || memcmp(l->key, key, klen) != 0 ||
	    (l->state != RB_LEASE_BOUND && l->state != RB_LEASE_OFFERED)) {
		drops[RB_DROP_dhcp_unknown_lease]++;
		return DHCPD_DROP;
	}
	/* A client declines an address it was given (ACKed) and found in
	 * use. Declining a mere offer would let DISCOVER + DECLINE rounds
	 * from made-up MACs quarantine the whole pool. */
	if (m->type == DHCPDECLINE && l->state != RB_LEASE_BOUND) {
		drops[RB_DROP_dhcp_decline_unbound]++;
		return DHCPD_DROP;
	}
	/* Neither message is ever sent again (RFC 2131 4.4.4, 4.4.6: no
	 * reply, no retransmission), so they may use the commit queue's
	 * reserve; with none left the message is dropped before the table
	 * changes, as if lost on the wire, and table and store stay alike. */
	if (in->commit_room == DHCPD_ROOM_NONE) {
		drops[RB_DROP_dhcp_commit_backlog]++;
		return DHCPD_DROP;
	}
	out->len = 0;
	if (m->type == DHCPDECLINE) {
		/* Someone else answers ARP for it: quarantine, owned by nobody. */
		l->state = RB_LEASE_DECLINED;
		l->expires = in->now + d->cfg.decline_time;
		lease_detach(&d->t, slot);
	} else {
		l->state = RB_LEASE_RELEASED;
		l->expires = 0;
		lease_free(&d->t, slot);
	}
	record(d, l, in->now, out);
	return DHCPD_COMMIT;
}

static enum dhcpd_verdict
inform(struct dhcpd *d, const struct dhcpd_in *in, const struct dhcp_msg *m, int s,
       struct dhcpd_out *out, uint64_t *cnt, uint64_t *drops)
{
	struct dhcp_hdr h;
	struct dhcp_opts o;

	begin(d, &h, &o, out, DHCPACK);
	add_lease_opts(d, s, &o, NULL, false);
	add_boot(d, m, &h, &o, cnt);
	h.ciaddr = m->h.ciaddr;
	build_reply(d, in, m, &h, &o, out, drops);
	if (out->len <= 0)
		return DHCPD_DROP;
	cnt[RB_CNT_dhcp_ack]++;
	return DHCPD_SEND;
}

/* proxyDHCP: boot information only, never an address, never a NAK. */
static enum dhcpd_verdict
proxy(struct dhcpd *d, const struct dhcpd_in *in, const struct dhcp_msg *m, struct dhcpd_out *out,
      uint64_t *cnt, uint64_t *drops)
{
	bool on_4011 = in->dst_port == RB_PORT_PROXYDHCP;
	struct dhcp_hdr h;
	struct dhcp_opts o;

	if (!dhcp_vendor_class_is(&m->o, "PXEClient") &&
	    !dhcp_vendor_class_is(&m->o, "HTTPClient")) {
		drops[RB_DROP_dhcp_not_pxe]++;
		return DHCPD_DROP;
	}
	if (on_4011 ? m->type != DHCPREQUEST && m->type != DHCPINFORM : m->type != DHCPDISCOVER) {
		drops[RB_DROP_dhcp_other_server]++;
		return DHCPD_DROP;
	}
	begin(d, &h, &o, out, on_4011 ? DHCPACK : DHCPOFFER);
	add_boot(d, m, &h, &o, cnt);
	h.ciaddr = on_4011 ? m->h.ciaddr : 0;
	build_reply(d, in, m, &h, &o, out, drops);
	if (out->len <= 0)
		return DHCPD_DROP;
	cnt[on_4011 ? RB_CNT_dhcp_proxy_ack : RB_CNT_dhcp_proxy_offer]++;
	return DHCPD_SEND;
}

enum dhcpd_verdict
dhcpd_handle(struct dhcpd *d, const struct dhcpd_in *in, struct dhcpd_out *out, uint64_t *cnt,
	     uint64_t *drops)
{
	static const enum rb_counter rx[] = {
	    [DHCPDISCOVER] = RB_CNT_dhcp_discover, [DHCPREQUEST] = RB_CNT_dhcp_request,
	    [DHCPDECLINE] = RB_CNT_dhcp_decline,   [DHCPRELEASE] = RB_CNT_dhcp_release,
	    [DHCPINFORM] = RB_CNT_dhcp_inform,
	};
	struct dhcp_msg m;
	uint8_t key[RB_CLIENT_KEY_MAX];
	const uint8_t *cid;
	size_t klen, cid_len;
	uint32_t resv, sel;
	int s, arch;

	out->len = 0;
	out->has_rec = false;
	if (d->cfg.mode == RB_DHCP_OFF) {
		drops[RB_DROP_dhcp_disabled]++;
		return DHCPD_DROP;
	}
	if (dhcp_parse(in->payload, in->len, &m) != DHCP_OK) {
		drops[RB_DROP_dhcp_malformed]++;
		return DHCPD_DROP;
	}
	arch = dhcp_client_arch(&m.o);
	out->arch = arch < 0 ? 0xffff : (uint16_t)arch;
	out->ipxe = dhcp_is_ipxe(&m.o);
	if (m.h.op != BOOTREQUEST || m.h.hlen == 0 ||
	    (m.type != DHCPDISCOVER && m.type != DHCPREQUEST && m.type != DHCPDECLINE &&
	     m.type != DHCPRELEASE && m.type != DHCPINFORM)) {
		drops[RB_DROP_dhcp_not_request]++;
		return DHCPD_DROP;
	}
	cnt[rx[m.type]]++;
	if (!rate_ok(d, m.h.chaddr, in->src_mac, in->now)) {
		drops[RB_DROP_dhcp_rate_limited]++;
		return DHCPD_DROP;
	}
	if (d->cfg.mode == RB_DHCP_PROXY)
		return proxy(d, in, &m, out, cnt, drops);

	/* The client's network: its relay's, else its own address's (INFORM,
	 * RENEWING), else the server's own segment. */
	sel = m.h.giaddr ? m.h.giaddr : m.h.ciaddr ? m.h.ciaddr : d->server_ip;
	s = lease_subnet_of(&d->t, sel);
	if (s < 0) {
		drops[RB_DROP_dhcp_no_subnet]++;
		return DHCPD_DROP;
	}
	klen = dhcp_client_key(&m, key, sizeof(key));
	cid = dhcp_opt(&m.o, DHO_CLIENT_ID, &cid_len);
	resv = lease_resv_for(&d->t, cid, cid_len, m.h.chaddr, m.h.hlen);
	if (resv != LEASE_NONE && lease_subnet_of(&d->t, d->t.slots[resv].ip) != s)
		resv = LEASE_NONE;

	switch (m.type) {
	case DHCPDISCOVER:
		return discover(d, in, &m, s, key, klen, resv, out, cnt, drops);
	case DHCPREQUEST:
		if (in->dst_port == RB_PORT_PROXYDHCP)
			return proxy(d, in, &m, out, cnt, drops);
		return request(d, in, &m, s, key, klen, resv, out, cnt, drops);
	case DHCPDECLINE:
	case DHCPRELEASE:
		return give_back(d, in, &m, key, klen, out, drops);
	default:
		return inform(d, in, &m, s, out, cnt, drops);
	}
}
