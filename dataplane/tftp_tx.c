/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tftp_tx.c: the worker's side of TFTP: requests and ACKs in, frames out.
 *
 * The session engine (tftp_server.c) decides what to send; this file turns
 * its actions into frames on the provisioning port. On a port that
 * transmits chained mbufs a DATA block is a header mbuf with the block
 * attached behind it as an external buffer into the image cache: no
 * payload byte is copied. Elsewhere (af_xdp) the block is copied into one
 * mbuf and counted in tftp_copies. The UDP checksum of the payload comes
 * from the cache's precomputed partial sums either way.
 */
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_memory.h>
#include <rte_mbuf.h>

#include "dp.h"

#define PIN_GC_INTERVAL_US 1000000u /* how often unused generations are let go */
/* With no transfer running, dp_tftp_tick() reads the clock (for the pin
 * GC alone) once in this many worker loops, a power of two. perf: the TSC
 * read and its 64-bit division were 9-17% of a worker's samples in a
 * DHCP-only storm. A loop is at most a nap (tens of microseconds) or a
 * burst, so the GC still runs within milliseconds of its second. */
#define TICK_IDLE_LOOPS 64u

/*
 * A pin keeps one cache generation alive for the blocks a worker attached
 * from it: the shared info's count is one per mbuf in flight plus one held
 * by the worker while it may attach more (the generation is current, or a
 * session or stream still sends from it). The last drop, by the worker or
 * by the driver freeing the last mbuf, releases the generation.
 */
struct ext_pin {
	struct rte_mbuf_ext_shared_info shinfo;
	struct image_cache *gen;
};

static void
pin_free(void *addr, void *opaque)
{
	struct ext_pin *p = opaque;

	(void)addr;
	ic_put(p->gen);
	free(p);
}

static void
pin_drop(struct ext_pin *p)
{
	if (rte_mbuf_ext_refcnt_update(&p->shinfo, -1) == 0)
		pin_free(NULL, p);
}

/* The pin of generation gen, made on first use; NULL: no slot or memory. */
static struct rte_mbuf_ext_shared_info *
pin_of(struct worker *w, struct image_cache *gen)
{
	struct ext_pin *p;
	int i, spare = -1;

	for (i = 0; i < DP_MAX_PINS; i++) {
		if (w->pins[i] && w->pins[i]->gen == gen)
			return &w->pins[i]->shinfo;
		if (!w->pins[i] && spare < 0)
			spare = i;
	}
	if (spare < 0 || !(p = calloc(1, sizeof(*p))))
		return NULL;
	p->gen = ic_get(gen);
	p->shinfo.free_cb = pin_free;
	p->shinfo.fcb_opaque = p;
	rte_mbuf_ext_refcnt_set(&p->shinfo, 1);
	w->pins[spare] = p;
	return &p->shinfo;
}

/* Drop the worker's hold on pins nothing here sends from any more. */
static void
pin_gc(struct worker *w)
{
	int i;

	for (i = 0; i < DP_MAX_PINS; i++) {
		struct ext_pin *p = w->pins[i];

		if (p && p->gen != w->tftp.cache && !tftpd_uses_gen(&w->tftp, p->gen)) {
			w->pins[i] = NULL;
			pin_drop(p);
		}
	}
}

void
dp_tftp_unpin_all(struct worker *w)
{
	int i;

	for (i = 0; i < DP_MAX_PINS; i++)
		if (w->pins[i]) {
			pin_drop(w->pins[i]);
			w->pins[i] = NULL;
		}
}

void
dp_tftp_take_cache(struct worker *w)
{
	struct image_cache *next = __atomic_exchange_n(&w->cache_next, NULL, __ATOMIC_ACQUIRE);
	struct image_cache *prev;

	if (!next)
		return;
	prev = w->tftp.cache;
	w->tftp.cache = next; /* new requests: the new generation */
	ic_put(prev);	      /* sessions and pins hold their own references */
	pin_gc(w);
}

struct emit_ctx {
	struct dp *d;
	struct worker *w;
	struct txbuf *out;
};

/*
 * Ethernet, IPv4 and UDP headers: to the client, or to the action's
 * multicast group (rb_udp_build_hdr gives that TTL 1).
 */
static void
build_hdr(struct emit_ctx *c, uint8_t *f, const struct tftpd_action *a, bool to_group,
	  size_t udp_payload, uint16_t sum)
{
	const struct dp *d = c->d;

	if (!to_group) {
		rb_udp_build_hdr(f, d->net.mac, a->dst_mac, d->net.ip, a->dst_ip, a->local_port,
				 a->dst_port, udp_payload, sum);
		return;
	}
	rb_udp_build_hdr(f, d->net.mac, a->data_mac, d->net.ip, a->data_ip, a->local_port,
			 a->data_port, udp_payload, sum);
}

/* One DATA block (or a control packet when payload is NULL and ctl set). */
static void
emit_frame(struct emit_ctx *c, const struct tftpd_action *a, bool to_group, const uint8_t *hdr,
	   size_t hlen, const uint8_t *payload, uint32_t plen, uint16_t payload_sum)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(c->d->pool);
	uint8_t *f;
	uint32_t sum;

	if (!m) {
		c->w->drops[RB_DROP_alloc_failed]++;
		return;
	}
	if (RB_UDP_HDRS_LEN + hlen + plen > rte_pktmbuf_tailroom(m)) {
		rte_pktmbuf_free(m);
		c->w->drops[RB_DROP_alloc_failed]++;
		return;
	}
	f = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(f + RB_UDP_HDRS_LEN, hdr, hlen);
	if (plen)
		rte_memcpy(f + RB_UDP_HDRS_LEN + hlen, payload, plen);
	/* hlen is even (4 for DATA), so the payload's sum adds as is. */
	sum = rb_csum_partial(hdr, hlen, 0) + (uint32_t)payload_sum;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	build_hdr(c, f, a, to_group, hlen + plen, (uint16_t)sum);
	m->data_len = (uint16_t)(RB_UDP_HDRS_LEN + hlen + plen);
	m->pkt_len = m->data_len;
	txbuf_push(c->out, m);
}

/*
 * A DATA block without copying it: the headers in one mbuf, the block as
 * an external buffer pointing into the image cache, chained behind. Falls
 * back to the copy when no mbuf is free. Returns true when sent this way.
 */
static bool
emit_zero_copy(struct emit_ctx *c, const struct tftpd_action *a, bool to_group, const uint8_t *hdr,
	       const uint8_t *payload, uint32_t plen, uint16_t payload_sum)
{
	struct rte_mbuf_ext_shared_info *pin = pin_of(c->w, a->gen);
	struct rte_mbuf *m, *x;
	uint32_t sum;
	uint8_t *f;

	if (!pin)
		return false;
	m = rte_pktmbuf_alloc(c->d->pool);
	x = m ? rte_pktmbuf_alloc(c->d->ext_pool) : NULL;
	if (!x) {
		rte_pktmbuf_free(m);
		return false;
	}
	f = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(f + RB_UDP_HDRS_LEN, hdr, TFTP_HDR_LEN);
	sum = rb_csum_partial(hdr, TFTP_HDR_LEN, 0) + (uint32_t)payload_sum;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	build_hdr(c, f, a, to_group, TFTP_HDR_LEN + plen, (uint16_t)sum);
	m->data_len = RB_UDP_HDRS_LEN + TFTP_HDR_LEN;
	rte_mbuf_ext_refcnt_update(pin, 1);
	rte_pktmbuf_attach_extbuf(x, (void *)(uintptr_t)payload, rte_mem_virt2iova(payload),
				  (uint16_t)plen, pin);
	x->data_len = (uint16_t)plen;
	x->pkt_len = plen;
	m->next = x;
	m->nb_segs = 2;
	m->pkt_len = m->data_len + plen;
	txbuf_push(c->out, m);
	return true;
}

static void
emit_block(struct emit_ctx *c, const struct tftpd_action *a, bool to_group, const uint8_t *hdr,
	   const uint8_t *p, uint32_t len, uint16_t sum)
{
	struct worker *w = c->w;

	w->counters[RB_CNT_tftp_blocks]++;
	w->counters[RB_CNT_tftp_bytes] += len;
	if (to_group)
		w->counters[RB_CNT_tftp_mc_blocks]++;
	if (len && c->d->tx_multiseg && emit_zero_copy(c, a, to_group, hdr, p, len, sum))
		return;
	emit_frame(c, a, to_group, hdr, TFTP_HDR_LEN, p, len, sum);
	w->counters[RB_CNT_tftp_copies]++;
}

static void
carry_out(const struct tftpd_action *a, void *arg)
{
	struct emit_ctx *c = arg;
	const uint8_t *p;
	uint8_t hdr[TFTP_HDR_LEN];
	uint64_t n, off;
	uint32_t len;

	if (a->ctl_len)
		emit_frame(c, a, false, a->ctl, a->ctl_len, NULL, 0, 0);
	for (n = a->first; a->file && n <= a->last; n++) {
		p = tftpd_act_block(a, n, &len, &off);
		uint16_t sum = len ? ic_csum_range(a->file, off, len) : 0;

		tftp_build_data_hdr(hdr, sizeof(hdr), tftp_block_wire(n));
		/* MTFTP's first block: to the opener first, then the group,
		 * in that order (a client that sees the group's copy first
		 * takes the stream for someone else's). */
		if (n == 1 && a->unicast_first)
			emit_block(c, a, false, hdr, p, len, sum);
		emit_block(c, a, a->mcast, hdr, p, len, sum);
	}
}

static inline uint64_t
now_us(const struct dp *d)
{
	return rte_get_tsc_cycles() / d->tsc_per_us;
}

/*
 * RSS spreads a client's request and its ACKs over queues by their ports,
 * so a packet may reach a worker that does not own its transfer: it goes
 * to the owner's ring (the owner is named by the session port).
 */
static void
hand_off(struct dp *d, struct worker *w, struct rte_mbuf *m, uint16_t owner)
{
	struct rte_ring *r = d->workers[owner].tftp_in;

	if (!r || rte_ring_mp_enqueue(r, m) != 0)
		return dp_drop(w, m, RB_DROP_tftp_handoff_full);
	w->counters[RB_CNT_tftp_handoffs]++;
}

void
dp_tftp_drain(struct dp *d, struct worker *w, struct txbuf *out)
{
	struct rte_mbuf *m[DP_BURST];
	unsigned n, i;

	n = rte_ring_sc_dequeue_burst(w->tftp_in, (void **)m, DP_BURST, NULL);
	for (i = 0; i < n; i++)
		dp_tftp_handle(d, w, m[i], out);
}

void
dp_tftp_handle(struct dp *d, struct worker *w, struct rte_mbuf *m, struct txbuf *out)
{
	struct emit_ctx c = {d, w, out};
	struct tftpd_action a;
	struct rb_udp_view uv;
	struct tftp_req rq;

	if (m->nb_segs > 1 ||
	    rb_udp_view(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), &uv) < 0)
		return dp_drop(w, m, RB_DROP_runt);
	if (uv.dport == d->net.tftp_port || (d->net.mtftp_port && uv.dport == d->net.mtftp_port)) {
		if (tftp_parse_request(uv.payload, uv.len, &rq) != TFTP_OK) {
			/* Not worth an answer: whoever sends garbage to
			 * port 69 gets none. */
			w->counters[RB_CNT_tftp_rx]++;
			return dp_drop(w, m, RB_DROP_tftp_malformed);
		}
		/* Multicast streams all live on worker 0: one stream per file
		 * and group, whichever queue a request arrives on. */
		if (w->index &&
		    (uv.dport != d->net.tftp_port || (rq.opts.mask & TFTP_OPT_MULTICAST)))
			return hand_off(d, w, m, 0);
		w->counters[RB_CNT_tftp_rx]++;
		if (uv.dport == d->net.tftp_port)
			tftpd_rrq(&w->tftp, &rq, uv.src_ip, uv.sport, uv.src_mac, now_us(d), &a,
				  w->counters, w->drops);
		else
			tftpd_mtftp_rrq(&w->tftp, &rq, uv.src_ip, uv.sport, uv.src_mac, now_us(d),
					&a, w->counters, w->drops);
	} else {
		static const uint8_t none[6];
		uint16_t owner = tftp_port_owner(uv.dport, d->net.session_lo, d->nb_workers);

		if (owner != w->index)
			return hand_off(d, w, m, owner);
		w->counters[RB_CNT_tftp_rx]++;
		tftpd_input(&w->tftp, uv.payload, uv.len, uv.src_ip, uv.sport, uv.dport, now_us(d),
			    &a, w->counters, w->drops);
		if (a.ctl_len && !memcmp(a.dst_mac, none, 6))
			memcpy(a.dst_mac, uv.src_mac, 6); /* error 5 to a stranger */
	}
	rte_pktmbuf_free(m);
	carry_out(&a, &c);
}

void
dp_tftp_tick(struct dp *d, struct worker *w, struct txbuf *out)
{
	struct emit_ctx c = {d, w, out};
	uint64_t now;

	if (!w->tftp.active && !w->tftp.mc_active && (++w->tick_skip & (TICK_IDLE_LOOPS - 1)))
		return;
	now = now_us(d);
	/* Now and then: let go of generations nothing sends from. */
	if (now - w->pin_gc_us >= PIN_GC_INTERVAL_US) {
		w->pin_gc_us = now;
		pin_gc(w);
	}
	if (w->tftp.active || w->tftp.mc_active)
		tftpd_tick(&w->tftp, now, carry_out, &c, w->counters, w->drops);
}
