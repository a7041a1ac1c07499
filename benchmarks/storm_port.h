/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm_port.h: rackboot-storm's DPDK side: one port, one RX and one TX
 * queue, driven from the main lcore. The only file of the storm that
 * includes rte_* headers besides storm_main.c's EAL start.
 */
#ifndef RB_BENCH_STORM_PORT_H
#define RB_BENCH_STORM_PORT_H

#include <stddef.h>
#include <stdint.h>

#define STORM_BURST 32

struct rte_mbuf;
struct rte_mempool;

struct storm_port {
	uint16_t id;
	uint8_t mac[6];
	struct rte_mempool *pool;
	struct rte_mbuf *tx[STORM_BURST];
	unsigned ntx;
	uint64_t tx_pkts, tx_drops; /* sent; dropped (no mbuf, or the queue stayed full) */
};

/* Configure and start port `id` (promiscuous: the nodes' MACs are not the
 * port's). 0, or -errno with a message in msg. */
int storm_port_open(struct storm_port *p, uint16_t id, unsigned mbufs, char *msg, size_t cap);

/* Queue a copy of a frame for sending; sends when a burst is full. */
void storm_port_send(struct storm_port *p, const uint8_t *frame, size_t len);

/* Send what is queued. */
void storm_port_flush(struct storm_port *p);

/* Receive up to STORM_BURST frames into m; their count. */
unsigned storm_port_rx(struct storm_port *p, struct rte_mbuf **m);

/* The port's own counters (rte_eth_stats): received, sent, errors. */
void storm_port_stats(struct storm_port *p, uint64_t *ipackets, uint64_t *opackets,
		      uint64_t *oerrors, uint64_t *imissed);

/*
 * For a port over a kernel interface (af_packet, af_xdp): the frames the
 * kernel counted as received on it (/sys/class/net/IF/statistics/
 * rx_packets), or -1 for a PCI port. Compared with what the storm took, it
 * shows frames lost between the kernel and the PMD's ring, which 22.11's
 * af_packet PMD does not count in imissed.
 */
long long storm_port_kernel_rx(struct storm_port *p);

void storm_port_close(struct storm_port *p);

/* The raw mode: a UDP frame of `size` bytes (Ethernet header to the end of
 * the payload, no FCS) from the port to dst_mac/dst_ip port 9 (discard),
 * as fast as the port takes them, for secs seconds. */
struct storm_raw {
	uint8_t dst_mac[6];
	uint32_t src_ip, dst_ip; /* network order */
	uint16_t size;		 /* 60..1514 */
	double secs;
};

/* Prints one key=value line. 0, or -errno. */
int storm_raw_run(struct storm_port *p, const struct storm_raw *r);

#endif
