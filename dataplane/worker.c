/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.c: the lcore loop.
 *
 * Each worker polls its RX queues, classifies every frame with the pure
 * rb_classify(), answers ARP, ICMP echo and IPv6 router solicitations in
 * place, hands DHCP (dhcp_tx.c) and TFTP (tftp_tx.c) to their glue, and
 * forwards the rest to the kernel through the exception port. In tap mode every worker also
 * drains its own RX queue of the exception port (the tap has a queue pair
 * per worker) back to the wire. It never logs per packet: every outcome is
 * a counter.
 */
#include <limits.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "dp.h"

/* Empty polls in a row before a worker starts napping. */
#define IDLE_POLLS_BEFORE_SLEEP 1024
/* After this many naps in a row (about 0.1 s at the default 50 us) the
 * worker naps DEEP_IDLE_SLEEP_US instead: an idle rackboot costs almost
 * no CPU (on a box it shares with VMs or clients, that CPU is theirs). */
#define IDLE_NAPS_BEFORE_DEEP 2000
#define DEEP_IDLE_SLEEP_US 1000

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

	/* Multi-segment frames only come from jumbo MTUs; the fast path's
	 * requests are small, so only the first segment is looked at and
	 * classify sees the segment length, never more. */
	switch (rb_classify(f, len, &d->net, &why)) {
	case RB_V_ARP_REPLY:
		n = rb_arp_reply_inplace(f, len, &d->net);
		if (n < 0)
			return dp_drop(w, m, RB_DROP_runt);
		w->counters[RB_CNT_arp_replies]++;
		txbuf_push(out, m);
		return;
	case RB_V_ICMP_ECHO:
		n = rb_icmp_echo_reply_inplace(f, len, &d->net);
		if (n < 0 || m->nb_segs > 1)
			return dp_drop(w, m, RB_DROP_runt);
		rte_pktmbuf_trim(m, (uint16_t)(len - (size_t)n));
		w->counters[RB_CNT_icmp_echo_replies]++;
		txbuf_push(out, m);
		return;
	case RB_V_ICMP6_RS:
		/* The RA replaces the RS in the same buffer: it is a few bytes
		 * longer (78 against 70 for iPXE's), well inside the segment. */
		if (m->nb_segs > 1)
			return dp_drop(w, m, RB_DROP_runt);
		n = rb_ra_build(f, len + rte_pktmbuf_tailroom(m), f, len, d->net.mac, &d->ra);
		if (n < 0)
			return dp_drop(w, m, RB_DROP_runt);
		m->data_len = (uint16_t)n;
		m->pkt_len = (uint32_t)n;
		w->counters[RB_CNT_ra_sent]++;
		txbuf_push(out, m);
		return;
	case RB_V_DHCP:
		return dp_dhcp_handle(d, w, m, out);
	case RB_V_TFTP:
		return dp_tftp_handle(d, w, m, out);
	case RB_V_KERNEL:
		if (!d->has_exc_port)
			return dp_drop(w, m, RB_DROP_no_exception_port);
		txbuf_push(exc, m);
		return;
	case RB_V_DROP:
		return dp_drop(w, m, why);
	}
}

int
dp_worker_main(void *arg)
{
	struct worker *w = arg;
	struct dp *d = dp_of(w);
	struct rte_mbuf *rx[DP_BURST];
	struct txbuf out, exc, wire;
	unsigned idle = 0;
	uint16_t i, q, n, got;

	/* Replies and kernel-to-wire frames leave on the provisioning port,
	 * kernel-bound ones on the exception port; this worker's queue on
	 * each. */
	/* Naps are tens of microseconds: without this the kernel's default
	 * timer slack (50 us) would double each one, and a lockstep TFTP
	 * client pays a nap per block. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	txbuf_init(&out, d->port_id, w->index, &w->counters[RB_CNT_tx_frames],
		   &w->drops[RB_DROP_tx_full]);
	txbuf_init(&wire, d->port_id, w->index, &w->counters[RB_CNT_tx_frames],
		   &w->drops[RB_DROP_tx_full]);
	txbuf_init(&exc, d->exc_port_id, w->index, &w->counters[RB_CNT_to_kernel],
		   &w->drops[RB_DROP_exception_tx_full]);
	while (!__atomic_load_n(&d->quit, __ATOMIC_RELAXED)) {
		got = 0;
		for (q = 0; q < w->nb_rxq; q++) {
			n = rte_eth_rx_burst(d->port_id, w->rxq[q], rx, DP_BURST);
			w->counters[RB_CNT_rx_frames] += n;
			got += n;
			for (i = 0; i < n; i++)
				handle(d, w, rx[i], &out, &exc);
			txbuf_flush(&out);
			txbuf_flush(&exc);
		}
		/* A reloaded image cache, then retransmissions: at most one
		 * window per expired session. */
		if (__atomic_load_n(&w->cache_next, __ATOMIC_RELAXED))
			dp_tftp_take_cache(w);
		if (w->tftp_in && !rte_ring_empty(w->tftp_in)) {
			dp_tftp_drain(d, w, &out);
			got++;
			txbuf_flush(&out);
		}
		/* Transfers do not keep the worker awake: a nap is far shorter
		 * than the shortest retransmission timeout (TFTPD_RTO_MIN_US). */
		dp_tftp_tick(d, w, &out);
		txbuf_flush(&out);
		/* ACKs waiting for their commit do not keep the worker
		 * spinning: on a small box the spin takes the very CPU the
		 * commit needs (the control, a PostgreSQL server; dhcp_bench:
		 * the held queue overflowed under PostgreSQL while the worker
		 * spent a fifth of its samples polling it). They only keep it
		 * from the deep naps: an ACK leaves at most a short nap after
		 * its commit. */
		if (w->held_n) {
			dp_dhcp_release_held(d, w, &out);
			txbuf_flush(&out);
		}
		if (w->polls_exception) {
			n = rte_eth_rx_burst(d->exc_port_id, w->index, wire.m, TXBUF_CAP);
			wire.n = n;
			got += n;
			w->counters[RB_CNT_from_kernel] += n;
			txbuf_flush(&wire);
		}
		if (got) {
			idle = 0;
			continue;
		}
		/* Nap when idle, also between the ACKs of running transfers:
		 * where clients, the kernel's forwarding and this worker share
		 * cores, a worker that spins starves the very ACKs it waits
		 * for (tftp_bench measures it). Busy polling (idle_sleep_us 0) is for dedicated
		 * cores and lockstep latency. */
		if (idle < UINT_MAX)
			idle++;
		if (d->cfg.idle_sleep_us && idle >= IDLE_POLLS_BEFORE_SLEEP) {
			/* Long quiet (no frame, no retransmission due for
			 * IDLE_NAPS_BEFORE_DEEP naps): nap longer, so an idle
			 * server leaves the CPU alone; the first frame after
			 * waits at most DEEP_IDLE_SLEEP_US, far below any
			 * client's timeout. */
			bool deep = !w->held_n &&
				    idle >= IDLE_POLLS_BEFORE_SLEEP + IDLE_NAPS_BEFORE_DEEP &&
				    d->cfg.idle_sleep_us < DEEP_IDLE_SLEEP_US;

			w->counters[RB_CNT_idle_sleeps]++;
			usleep(deep ? DEEP_IDLE_SLEEP_US : d->cfg.idle_sleep_us);
		} else {
			rte_pause();
		}
	}
	return 0;
}
