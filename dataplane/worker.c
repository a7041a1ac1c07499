/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.c: the lcore loop.
 *
 * Each worker polls its RX queues, classifies every frame with the pure
 * rb_classify(), answers ARP and ICMP echo in place, hands DHCP and TFTP to
 * their handlers, and forwards the rest to the kernel through the exception
 * port (worker 0 also drains the exception port back to the wire). It never
 * logs per packet: every outcome is a counter.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "dp.h"

/* Empty polls in a row before a worker starts napping. */
#define IDLE_POLLS_BEFORE_SLEEP 1024

void
dp_flush(struct worker *w, uint16_t port, uint16_t q, struct txbuf *b, enum rb_counter sent,
	 enum rb_drop full)
{
	uint16_t done;

	if (b->n == 0)
		return;
	done = rte_eth_tx_burst(port, q, b->m, b->n);
	w->counters[sent] += done;
	if (done < b->n) {
		w->drops[full] += b->n - done;
		rte_pktmbuf_free_bulk(&b->m[done], b->n - done);
	}
	b->n = 0;
}

#define flush dp_flush
#define drop dp_drop

/*
 * One DHCP/proxyDHCP request. The request mbuf becomes the reply (the
 * server has copied what it needs by then). An ACK waits in the held FIFO
 * for its lease record's commit; RELEASE/DECLINE only queue the record.
 */
static void
handle_dhcp(struct dp *d, struct worker *w, struct rte_mbuf *m, struct txbuf *out)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct dhcpd_out *o = &w->dout;
	enum dhcpd_verdict v;
	struct rb_udp_view uv;
	struct dhcpd_in in;
	struct held_ack *h;
	int n;

	w->counters[RB_CNT_dhcp_rx]++;
	if (!d->dhcp_on)
		return drop(w, m, RB_DROP_dhcp_disabled);
	if (m->nb_segs > 1 ||
	    rb_udp_view(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), &uv) < 0)
		return drop(w, m, RB_DROP_runt);
	in = (struct dhcpd_in){
	    .payload = uv.payload,
	    .len = uv.len,
	    .src_ip = uv.src_ip,
	    .dst_ip = uv.dst_ip,
	    .src_port = uv.sport,
	    .dst_port = uv.dport,
	    .src_mac = uv.src_mac,
	    .now = (uint32_t)time(NULL),
	};
	rte_spinlock_lock(&d->dhcp_lock);
	v = dhcpd_handle(&d->dhcp, &in, o, w->counters, w->drops);
	rte_spinlock_unlock(&d->dhcp_lock);
	if (v == DHCPD_DROP)
		return rte_pktmbuf_free(m);

	if (o->has_rec) {
		if (rte_ring_enqueue_elem(w->commit_ring, &o->rec, sizeof(o->rec)) < 0)
			return drop(w, m, RB_DROP_dhcp_held_full);
		w->commit_seq++;
	}
	if (v == DHCPD_COMMIT)
		return rte_pktmbuf_free(m);

	if (v == DHCPD_COMMIT_SEND) {
		/* Held as bytes until the commit; the mbuf goes back now. */
		if (w->held_n == DP_HELD_MAX)
			return drop(w, m, RB_DROP_dhcp_held_full);
		h = &w->held[(w->held_head + w->held_n) % DP_HELD_MAX];
		n = rb_udp_build(h->frame, sizeof(h->frame), d->net.mac,
				 o->l2_broadcast ? bcast : o->dst_mac, d->net.ip, o->dst_ip,
				 uv.dport, o->dst_port, o->payload, (size_t)o->len);
		rte_pktmbuf_free(m);
		if (n < 0) {
			w->drops[RB_DROP_alloc_failed]++;
			return;
		}
		h->len = (uint16_t)n;
		h->seq = w->commit_seq;
		h->tsc = rte_get_tsc_cycles();
		w->held_n++;
		w->counters[RB_CNT_dhcp_acks_held]++;
		return;
	}
	rte_pktmbuf_reset_headroom(m);
	n = rb_udp_build(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_tailroom(m) + m->data_len,
			 d->net.mac, o->l2_broadcast ? bcast : o->dst_mac, d->net.ip, o->dst_ip,
			 uv.dport, o->dst_port, o->payload, (size_t)o->len);
	if (n < 0)
		return drop(w, m, RB_DROP_alloc_failed);
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	out->m[out->n++] = m;
}

/* Send the ACKs whose leases are on disk; drop those that waited too long. */
static void
release_held(struct dp *d, struct worker *w, struct txbuf *out)
{
	uint64_t done = __atomic_load_n(&w->committed_seq, __ATOMIC_ACQUIRE);
	uint64_t too_old = rte_get_tsc_hz() / 1000 * DP_HELD_TIMEOUT_MS;
	struct held_ack *h;
	struct rte_mbuf *m;

	while (w->held_n) {
		h = &w->held[w->held_head];
		if (h->seq > done) {
			if (rte_get_tsc_cycles() - h->tsc < too_old)
				break;
			w->drops[RB_DROP_dhcp_commit_failed]++;
		} else {
			m = rte_pktmbuf_alloc(d->pool);
			if (!m) {
				w->drops[RB_DROP_alloc_failed]++;
				break; /* try again on the next loop */
			}
			memcpy(rte_pktmbuf_mtod(m, void *), h->frame, h->len);
			m->data_len = h->len;
			m->pkt_len = h->len;
			if (out->n == DP_BURST)
				flush(w, d->port_id, w->index, out, RB_CNT_tx_frames,
				      RB_DROP_tx_full);
			out->m[out->n++] = m;
		}
		w->held_head = (w->held_head + 1) % DP_HELD_MAX;
		w->held_n--;
	}
}

/*
 * Run one frame through the classifier. Replies go to `out` (provisioning
 * port), kernel-bound frames to `exc`.
 */
static void
handle(struct dp *d, struct worker *w, struct rte_mbuf *m, struct txbuf *out, struct txbuf *exc)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	size_t len = rte_pktmbuf_data_len(m);
	enum rb_drop why;
	int n;

	/* Below, a frame adds at most one to each buffer (TFTP windows flush
	 * on their own): room for one is all that must be made here. */
	if (out->n == DP_BURST)
		flush(w, d->port_id, w->index, out, RB_CNT_tx_frames, RB_DROP_tx_full);
	if (exc->n == DP_BURST)
		flush(w, d->exc_port_id, w->index, exc, RB_CNT_to_kernel,
		      RB_DROP_exception_tx_full);

	/* Multi-segment frames only come from jumbo MTUs; the fast path's
	 * requests are small, so only the first segment is looked at and
	 * classify sees the segment length, never more. */
	switch (rb_classify(f, len, &d->net, &why)) {
	case RB_V_ARP_REPLY:
		n = rb_arp_reply_inplace(f, len, &d->net);
		if (n < 0)
			return drop(w, m, RB_DROP_runt);
		w->counters[RB_CNT_arp_replies]++;
		out->m[out->n++] = m;
		return;
	case RB_V_ICMP_ECHO:
		n = rb_icmp_echo_reply_inplace(f, len, &d->net);
		if (n < 0 || m->nb_segs > 1)
			return drop(w, m, RB_DROP_runt);
		rte_pktmbuf_trim(m, (uint16_t)(len - (size_t)n));
		w->counters[RB_CNT_icmp_echo_replies]++;
		out->m[out->n++] = m;
		return;
	case RB_V_DHCP:
		return handle_dhcp(d, w, m, out);
	case RB_V_TFTP:
		return dp_tftp_handle(d, w, m, out);
	case RB_V_KERNEL:
		if (!d->has_exc_port)
			return drop(w, m, RB_DROP_no_exception_port);
		exc->m[exc->n++] = m;
		return;
	case RB_V_DROP:
		return drop(w, m, why);
	}
}

int
dp_worker_main(void *arg)
{
	struct worker *w = arg;
	struct dp *d = &dp;
	struct rte_mbuf *rx[DP_BURST];
	struct txbuf out = {0}, exc = {0}, wire = {0};
	unsigned idle = 0;
	uint16_t i, q, n, got;

	while (!__atomic_load_n(&d->quit, __ATOMIC_RELAXED)) {
		got = 0;
		for (q = 0; q < w->nb_rxq; q++) {
			n = rte_eth_rx_burst(d->port_id, w->rxq[q], rx, DP_BURST);
			w->counters[RB_CNT_rx_frames] += n;
			got += n;
			for (i = 0; i < n; i++)
				handle(d, w, rx[i], &out, &exc);
			/* Every handled frame adds at most one to a buffer, so
			 * after a burst of DP_BURST they may be full: flush. */
			flush(w, d->port_id, w->index, &out, RB_CNT_tx_frames, RB_DROP_tx_full);
			flush(w, d->exc_port_id, w->index, &exc, RB_CNT_to_kernel,
			      RB_DROP_exception_tx_full);
		}
		/* A reloaded image cache, then retransmissions: at most one
		 * window per expired session. */
		if (__atomic_load_n(&w->cache_next, __ATOMIC_RELAXED))
			dp_tftp_take_cache(w);
		if (w->tftp_in && !rte_ring_empty(w->tftp_in)) {
			dp_tftp_drain(d, w, &out);
			got++;
			flush(w, d->port_id, w->index, &out, RB_CNT_tx_frames, RB_DROP_tx_full);
		}
		/* Transfers do not keep the worker awake: a nap is far shorter
		 * than the shortest retransmission timeout (10 ms). */
		dp_tftp_tick(d, w, &out);
		flush(w, d->port_id, w->index, &out, RB_CNT_tx_frames, RB_DROP_tx_full);
		if (w->held_n) {
			release_held(d, w, &out);
			flush(w, d->port_id, w->index, &out, RB_CNT_tx_frames, RB_DROP_tx_full);
			got += w->held_n > 0; /* stay awake while ACKs wait */
		}
		if (w->polls_exception) {
			n = rte_eth_rx_burst(d->exc_port_id, w->index, wire.m, DP_BURST);
			wire.n = n;
			got += n;
			w->counters[RB_CNT_from_kernel] += n;
			flush(w, d->port_id, w->index, &wire, RB_CNT_tx_frames, RB_DROP_tx_full);
		}
		if (got) {
			idle = 0;
			continue;
		}
		/* Nap when idle, also between the ACKs of running transfers:
		 * where clients, the kernel's forwarding and this worker share
		 * cores, a worker that spins starves the very ACKs it waits
		 * for (tftp_bench: 200 lockstep clients went from 92 to 221
		 * MB/s). Busy polling (idle_sleep_us 0) is for dedicated
		 * cores and lockstep latency. */
		if (d->cfg.idle_sleep_us && ++idle >= IDLE_POLLS_BEFORE_SLEEP) {
			w->counters[RB_CNT_idle_sleeps]++;
			usleep(d->cfg.idle_sleep_us);
		} else {
			rte_pause();
		}
	}
	return 0;
}
