/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm_port.c: the DPDK port of rackboot-storm (storm_port.h), and its
 * raw mode. The same approach as the dataplane (dataplane/port.c), none of
 * its code: the port comes from EAL's command line (a vdev such as
 * net_af_packet0,iface=eth0, or a PCI NIC given with -a), one queue pair,
 * promiscuous, a copy per frame (the frames are small or few).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "pkt.h"
#include "storm.h"
#include "storm_port.h"

#define RX_DESC 1024
#define TX_DESC 1024

int
storm_port_open(struct storm_port *p, uint16_t id, unsigned mbufs, char *msg, size_t cap)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	int ret;

	memset(p, 0, sizeof(*p));
	p->id = id;
	if (!rte_eth_dev_is_valid_port(id)) {
		snprintf(msg, cap,
			 "no port %u: give EAL a vdev (--vdev net_af_packet0,iface=eth0) "
			 "or a PCI NIC (-a 0000:01:00.0)",
			 id);
		return -ENODEV;
	}
	p->pool = rte_pktmbuf_pool_create("storm_mbufs", mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  rte_socket_id());
	if (!p->pool) {
		snprintf(msg, cap, "cannot create %u mbufs: %s (more -m)", mbufs,
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	ret = rte_eth_dev_info_get(id, &info);
	if (ret == 0)
		ret = rte_eth_dev_configure(id, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(id, 0, RX_DESC, rte_eth_dev_socket_id(id), NULL,
					     p->pool);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(id, 0, TX_DESC, rte_eth_dev_socket_id(id), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(id);
	if (ret < 0) {
		snprintf(msg, cap, "port %u (%s) setup: %s", id, info.driver_name, strerror(-ret));
		return ret;
	}
	/* The nodes' MACs are not the port's, and DHCP replies may be
	 * broadcast: take everything. */
	rte_eth_promiscuous_enable(id);
	rte_eth_allmulticast_enable(id);
	rte_eth_macaddr_get(id, &mac);
	memcpy(p->mac, mac.addr_bytes, 6);
	return 0;
}

void
storm_port_flush(struct storm_port *p)
{
	unsigned sent = 0, k, spins = 0;

	while (sent < p->ntx && spins < 64) {
		uint16_t s = rte_eth_tx_burst(p->id, 0, p->tx + sent, (uint16_t)(p->ntx - sent));

		sent += s;
		spins = s ? 0 : spins + 1;
	}
	/* A queue that stays full: drop the rest; the nodes' timers resend. */
	for (k = sent; k < p->ntx; k++)
		rte_pktmbuf_free(p->tx[k]);
	p->tx_pkts += sent;
	p->tx_drops += p->ntx - sent;
	p->ntx = 0;
}

void
storm_port_send(struct storm_port *p, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);
	char *d;

	if (!m || !(d = rte_pktmbuf_append(m, (uint16_t)len))) {
		rte_pktmbuf_free(m);
		p->tx_drops++;
		return;
	}
	memcpy(d, frame, len);
	p->tx[p->ntx++] = m;
	if (p->ntx == STORM_BURST)
		storm_port_flush(p);
}

unsigned
storm_port_rx(struct storm_port *p, struct rte_mbuf **m)
{
	return rte_eth_rx_burst(p->id, 0, m, STORM_BURST);
}

void
storm_port_stats(struct storm_port *p, uint64_t *ipackets, uint64_t *opackets, uint64_t *oerrors,
		 uint64_t *imissed)
{
	struct rte_eth_stats st = {0};

	rte_eth_stats_get(p->id, &st);
	*ipackets = st.ipackets;
	*opackets = st.opackets;
	*oerrors = st.oerrors;
	*imissed = st.imissed;
}

long long
storm_port_kernel_rx(struct storm_port *p)
{
	struct rte_eth_dev_info info;
	char name[IF_NAMESIZE], path[96];
	long long v = -1;
	FILE *f;

	if (rte_eth_dev_info_get(p->id, &info) < 0 || !info.if_index ||
	    !if_indextoname(info.if_index, name))
		return -1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/rx_packets", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

void
storm_port_close(struct storm_port *p)
{
	storm_port_flush(p);
	rte_eth_dev_stop(p->id);
	rte_eth_dev_close(p->id);
}

int
storm_raw_run(struct storm_port *p, const struct storm_raw *r)
{
	static const uint8_t zero[1514];
	struct rte_mbuf *m[STORM_BURST];
	uint8_t frame[1514];
	uint64_t t0, end, t, sent = 0, full = 0, ip0, op0, oe0, im0, ip1, op1, oe1, im1;
	double secs, mbit;
	unsigned k;
	int fl;

	fl = rb_udp_build(frame, sizeof(frame), p->mac, r->dst_mac, r->src_ip, r->dst_ip, 9, 9,
			  zero, (size_t)r->size - RB_UDP_HDRS_LEN);
	if (fl < 0)
		return fl;
	storm_port_stats(p, &ip0, &op0, &oe0, &im0);
	t0 = now_ns();
	end = t0 + (uint64_t)(r->secs * 1e9);
	for (t = t0; t < end; t = now_ns()) {
		uint16_t s;

		if (rte_pktmbuf_alloc_bulk(p->pool, m, STORM_BURST) < 0) {
			full += STORM_BURST; /* the PMD still holds every mbuf */
			continue;
		}
		for (k = 0; k < STORM_BURST; k++)
			memcpy(rte_pktmbuf_append(m[k], (uint16_t)fl), frame, (size_t)fl);
		s = rte_eth_tx_burst(p->id, 0, m, STORM_BURST);
		sent += s;
		full += STORM_BURST - s;
		for (k = s; k < STORM_BURST; k++)
			rte_pktmbuf_free(m[k]);
	}
	secs = (double)(t - t0) / 1e9;
	storm_port_stats(p, &ip1, &op1, &oe1, &im1);
	/* On the wire a frame also takes its FCS, preamble and gap: 24 bytes. */
	mbit = (double)sent * (fl + 24) * 8 / secs / 1e6;
	printf("mode=raw size=%d secs=%.2f tx_pkts=%lu tx_pps=%.0f tx_mbit_wire=%.1f "
	       "tx_queue_full=%lu port_opackets=%lu port_oerrors=%lu port_ipackets=%lu "
	       "cpu_s=%.2f\n",
	       fl, secs, (unsigned long)sent, (double)sent / secs, mbit, (unsigned long)full,
	       (unsigned long)(op1 - op0), (unsigned long)(oe1 - oe0), (unsigned long)(ip1 - ip0),
	       cpu_seconds());
	return 0;
}
