/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp_tx.c: the worker's side of DHCP: requests in, replies out.
 *
 * The server (dhcp_server.c) decides under the table's lock and fills a
 * reply payload; this file turns its verdict into a frame on the
 * provisioning port, queues the lease record for the group commit, and
 * holds an ACK until the main lcore says its record is on disk. When a
 * held ACK goes out, its boot event (RB_EV_DHCP_ACK) goes on the worker's
 * event queue.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp.h"

void
dp_dhcp_handle(struct dp *d, struct worker *w, struct rte_mbuf *m, struct txbuf *out)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct dhcpd_out *o = &w->dout;
	enum dhcpd_verdict v;
	struct rb_udp_view uv;
	struct dhcpd_in in;
	struct held_ack *h;
	unsigned free_slots;
	int n;

	w->counters[RB_CNT_dhcp_rx]++;
	if (!d->dhcp_on)
		return dp_drop(w, m, RB_DROP_dhcp_disabled);
	if (m->nb_segs > 1 ||
	    rb_udp_view(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), &uv) < 0)
		return dp_drop(w, m, RB_DROP_runt);
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
	/* Under the lock: the ring's free count only grows behind our back
	 * (the main lcore dequeues), so a change the server makes is sure to
	 * be queued, and the ring holds records in the order they were
	 * numbered. The ring is full only while the store fails or stalls. */
	rte_spinlock_lock(&d->dhcp_lock);
	free_slots = rte_ring_free_count(d->commit_ring);
	in.commit_room = free_slots == 0 ? DHCPD_ROOM_NONE
			 : free_slots <= DP_COMMIT_RESERVE || w->held_n == DP_HELD_MAX
			     ? DHCPD_ROOM_RESERVE
			     : DHCPD_ROOM;
	v = dhcpd_handle(&d->dhcp, &in, o, w->counters, w->drops);
	if (o->has_rec) {
		/* Before the record is visible: the main lcore must not give
		 * a batch up while this ACK's outcome may be published. */
		if (v == DHCPD_COMMIT_SEND && !w->held_n)
			__atomic_store_n(&w->held_min, o->rec.seq, __ATOMIC_RELAXED);
		if (rte_ring_enqueue_elem(d->commit_ring, &o->rec, sizeof(o->rec)) < 0) {
			/* Cannot happen (room checked); never ACK an unqueued change. */
			w->drops[RB_DROP_dhcp_commit_backlog]++;
			if (!w->held_n)
				__atomic_store_n(&w->held_min, UINT64_MAX, __ATOMIC_RELAXED);
			v = DHCPD_DROP;
		}
	}
	rte_spinlock_unlock(&d->dhcp_lock);
	if (v == DHCPD_DROP || v == DHCPD_COMMIT)
		return rte_pktmbuf_free(m);

	if (v == DHCPD_COMMIT_SEND) {
		/* Held as bytes until the commit; the mbuf goes back now.
		 * There is a free slot: the server was told no room otherwise. */
		h = &w->held[(w->held_head + w->held_n) % DP_HELD_MAX];
		n = rb_udp_build(h->frame, sizeof(h->frame), d->net.mac,
				 o->l2_broadcast ? bcast : o->dst_mac, d->net.ip, o->dst_ip,
				 uv.dport, o->dst_port, o->payload, (size_t)o->len);
		rte_pktmbuf_free(m);
		if (n < 0) {
			w->drops[RB_DROP_alloc_failed]++;
			if (!w->held_n)
				__atomic_store_n(&w->held_min, UINT64_MAX, __ATOMIC_RELAXED);
			return;
		}
		h->len = (uint16_t)n;
		h->ev_ip = o->rec.ip;
		memcpy(h->ev_mac, o->rec.chaddr, 6);
		h->ev_arch = o->arch;
		h->ev_flags = o->ipxe ? RB_EV_F_IPXE : 0;
		h->seq = o->rec.seq;
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
		return dp_drop(w, m, RB_DROP_alloc_failed);
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	txbuf_push(out, m);
}

/* The boot event of a held ACK that went out. */
static void
ack_event(struct worker *w, const struct held_ack *h)
{
	struct rb_event e = {
	    .kind = RB_EV_DHCP_ACK,
	    .flags = h->ev_flags,
	    .arch = h->ev_arch,
	    .ip = h->ev_ip,
	};

	memcpy(e.mac, h->ev_mac, 6);
	evq_push(&w->events, &e, w->counters);
}

/* The NAK that replaces held ACK h. 0 (sent or not buildable) or -ENOMEM. */
static int
send_nak(struct dp *d, struct worker *w, const struct held_ack *h, struct txbuf *out)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct dhcpd_out *o = &w->dout;
	struct rte_mbuf *m;
	int n;

	if (h->len <= RB_UDP_HDRS_LEN ||
	    dhcpd_nak_held(&d->dhcp, h->frame + RB_UDP_HDRS_LEN, h->len - RB_UDP_HDRS_LEN, h->frame,
			   o, w->counters, w->drops) != DHCPD_SEND)
		return 0;
	m = rte_pktmbuf_alloc(d->pool);
	if (!m) {
		w->drops[RB_DROP_alloc_failed]++;
		return -ENOMEM;
	}
	n = rb_udp_build(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_tailroom(m), d->net.mac,
			 o->l2_broadcast ? bcast : o->dst_mac, d->net.ip, o->dst_ip,
			 RB_PORT_DHCP_SERVER, o->dst_port, o->payload, (size_t)o->len);
	if (n < 0) {
		rte_pktmbuf_free(m);
		w->drops[RB_DROP_alloc_failed]++;
		return 0;
	}
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	txbuf_push(out, m);
	w->counters[RB_CNT_dhcp_nak_claim_lost]++;
	return 0;
}

/*
 * Held ACK h lost its record (the batch was given up): send it with the
 * lease time the store already holds, when it holds this client's lease
 * (dhcpd_renew_held()). 1 sent, 0 not provable (drop it), -ENOMEM.
 */
static int
send_from_store(struct dp *d, struct worker *w, const struct held_ack *h, struct txbuf *out)
{
	struct dhcpd_out *o = &w->dout;
	struct rb_udp_view v;
	struct rte_mbuf *m;
	size_t len;
	int n, r;

	if (rb_udp_view(h->frame, h->len, &v) < 0 || v.len > sizeof(o->payload))
		return 0;
	len = v.len;
	memcpy(o->payload, v.payload, len);
	rte_spinlock_lock(&d->dhcp_lock);
	r = dhcpd_renew_held(&d->dhcp, o->payload, len, (uint32_t)time(NULL), w->counters);
	rte_spinlock_unlock(&d->dhcp_lock);
	if (r < 0)
		return 0;
	m = rte_pktmbuf_alloc(d->pool);
	if (!m) {
		w->drops[RB_DROP_alloc_failed]++;
		return -ENOMEM;
	}
	n = rb_udp_build(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_tailroom(m), v.src_mac,
			 v.dst_mac, v.src_ip, v.dst_ip, v.sport, v.dport, o->payload, len);
	if (n < 0) {
		rte_pktmbuf_free(m);
		w->drops[RB_DROP_alloc_failed]++;
		return 0;
	}
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	txbuf_push(out, m);
	ack_event(w, h);
	return 1;
}

void
dp_dhcp_release_held(struct dp *d, struct worker *w, struct txbuf *out)
{
	uint64_t too_old = rte_get_tsc_hz() / 1000 * DP_HELD_TIMEOUT_MS;
	struct held_ack *h;
	struct rte_mbuf *m;

	while (w->held_n) {
		h = &w->held[w->held_head];
		switch (lc_ack_fate(d->commit_out, h->seq)) {
		case LC_WAIT:
			if (rte_get_tsc_cycles() - h->tsc < too_old)
				goto out;
			/* Waited too long: the client asks again. */
			__attribute__((fallthrough));
		case LC_DROP:
			/* dhcp.database_down: renew: a lease the store already
			 * holds goes out for the time it has left. */
			if (d->dhcp.cfg.db_down_renew) {
				int r = send_from_store(d, w, h, out);

				if (r < 0)
					goto out; /* no mbuf: try again on the next loop */
				if (r > 0)
					break;
			}
			w->drops[RB_DROP_dhcp_commit_failed]++;
			break;
		case LC_LOST:
			/* Another server's client holds the address: NAK, so
			 * this client starts over (the table knows it taken). */
			if (send_nak(d, w, h, out) < 0)
				goto out; /* no mbuf: try again on the next loop */
			break;
		case LC_SEND:
			m = rte_pktmbuf_alloc(d->pool);
			if (!m) {
				w->drops[RB_DROP_alloc_failed]++;
				goto out; /* try again on the next loop */
			}
			memcpy(rte_pktmbuf_mtod(m, void *), h->frame, h->len);
			m->data_len = h->len;
			m->pkt_len = h->len;
			txbuf_push(out, m);
			ack_event(w, h);
			break;
		}
		w->held_head = (w->held_head + 1) % DP_HELD_MAX;
		w->held_n--;
	}
out:
	__atomic_store_n(&w->held_min, w->held_n ? w->held[w->held_head].seq : UINT64_MAX,
			 __ATOMIC_RELAXED);
}
