/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port.c: bring up the provisioning port and the exception port.
 *
 * The vdevs are hot-plugged here rather than given to EAL on the command
 * line, because the exception tap must carry the provisioning port's MAC:
 * the kernel behind the tap then owns the same address the clients ARP for,
 * and frames flow both ways without rewriting.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "log.h"

#define RX_DESC 1024
#define TX_DESC 1024

static int
probe(const char *devargs, const char *name, uint16_t *port_id, char *msg, size_t cap)
{
	int ret = rte_dev_probe(devargs);

	if (ret < 0) {
		snprintf(msg, cap, "cannot probe '%s': %s (see the dataplane log above)", devargs,
			 strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_get_port_by_name(name, port_id);
	if (ret < 0) {
		snprintf(msg, cap, "probed '%s' but found no port named %s", devargs, name);
		return ret;
	}
	return 0;
}

static int
port_start(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq, uint16_t mtu, struct rte_mempool *mp,
	   bool *multiseg, char *msg, size_t cap)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint16_t q;
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret < 0)
		goto fail;
	if (nb_rxq > info.max_rx_queues || nb_txq > info.max_tx_queues) {
		snprintf(msg, cap, "port %u (%s) supports %u RX / %u TX queues, %u/%u wanted", port,
			 info.driver_name, info.max_rx_queues, info.max_tx_queues, nb_rxq, nb_txq);
		return -EINVAL;
	}
	if (nb_rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
		    (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	conf.rxmode.mtu = mtu;
	/* Chained mbufs let TFTP send a block straight out of the image
	 * cache; ports that cannot transmit them get one copy per block. */
	if (multiseg) {
		*multiseg = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
		if (*multiseg)
			conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	}
	ret = rte_eth_dev_configure(port, nb_rxq, nb_txq, &conf);
	if (ret < 0)
		goto fail;
	for (q = 0; q < nb_rxq; q++) {
		ret =
		    rte_eth_rx_queue_setup(port, q, RX_DESC, rte_eth_dev_socket_id(port), NULL, mp);
		if (ret < 0)
			goto fail;
	}
	for (q = 0; q < nb_txq; q++) {
		ret = rte_eth_tx_queue_setup(port, q, TX_DESC, rte_eth_dev_socket_id(port), NULL);
		if (ret < 0)
			goto fail;
	}
	ret = rte_eth_dev_start(port);
	if (ret < 0)
		goto fail;
	/* Broadcast DHCP and the kernel's neighbours' multicast must get in. */
	rte_eth_promiscuous_enable(port);
	rte_eth_allmulticast_enable(port);
	return 0;
fail:
	snprintf(msg, cap, "port %u setup: %s", port, strerror(-ret));
	return ret;
}

/* Spread the port's RX queues over the workers, round robin. */
static void
assign_queues(struct dp *d)
{
	uint16_t q, w;

	for (w = 0; w < d->nb_workers; w++)
		d->workers[w].nb_rxq = 0;
	for (q = 0; q < d->cfg.queues; q++) {
		struct worker *wk = &d->workers[q % d->nb_workers];
		wk->rxq[wk->nb_rxq++] = q;
	}
	for (w = 0; w < d->nb_workers; w++)
		d->workers[w].polls_exception = d->has_exc_port; /* its own RX queue */
}

int
dp_ports_setup(struct dp *d, char *msg, size_t cap)
{
	const struct rb_dp_config *c = &d->cfg;
	char devargs[512], name[64];
	struct rte_ether_addr mac;
	uint16_t nb_txq = d->nb_workers;
	int ret;

	d->pool = rte_pktmbuf_pool_create("rb_mbufs", c->mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  rte_socket_id());
	if (d->pool == NULL) {
		snprintf(msg, cap,
			 "cannot create a pool of %u mbufs: %s (raise dataplane.memory_mb)",
			 c->mbufs, rte_strerror(rte_errno));
		return -rte_errno;
	}

	switch ((enum rb_port_mode)c->port_mode) {
	case RB_PORT_AF_XDP:
		ret = dp_xdp_clear_stale(c->interface, msg, cap);
		if (ret < 0)
			return ret;
		if (ret > 0)
			RB_WARN("%s", msg);
		msg[0] = '\0';
		snprintf(name, sizeof(name), "net_af_xdp_%s", c->interface);
		snprintf(devargs, sizeof(devargs),
			 "%s,iface=%s,start_queue=0,queue_count=%u,busy_budget=0%s%s", name,
			 c->interface, c->queues,
			 c->exception_mode == RB_EXC_XDP ? ",xdp_prog=" : "",
			 c->exception_mode == RB_EXC_XDP ? c->xdp_prog : "");
		/* busy_budget=0: no preferred busy polling. With it the PMD makes
		 * a recvfrom() syscall on every empty poll, which on a small box
		 * costs the core the kernel needs for the veth and for HTTP.
		 * One xsk per queue; TX shares them, so no more TX than RX queues. */
		nb_txq = RTE_MIN(nb_txq, c->queues);
		break;
	case RB_PORT_AF_PACKET:
		snprintf(name, sizeof(name), "net_af_packet_%s", c->interface);
		snprintf(
		    devargs, sizeof(devargs),
		    "%s,iface=%s,qpairs=%u,qdisc_bypass=1,blocksz=4096,framesz=2048,framecnt=2048",
		    name, c->interface, RTE_MAX(c->queues, d->nb_workers));
		break;
	case RB_PORT_PCI:
		snprintf(name, sizeof(name), "%s", c->pci_addr);
		devargs[0] = '\0';
		break;
	default:
		snprintf(msg, cap, "unknown port mode %u", c->port_mode);
		return -EINVAL;
	}
	if (devargs[0]) {
		ret = probe(devargs, name, &d->port_id, msg, cap);
		if (ret < 0)
			return ret;
	} else {
		ret = rte_eth_dev_get_port_by_name(name, &d->port_id);
		if (ret < 0) {
			snprintf(msg, cap,
				 "no DPDK port for PCI %s: is it bound to vfio-pci "
				 "(dpdk-devbind.py -b vfio-pci %s)?",
				 name, name);
			return ret;
		}
	}
	if (c->port_mode == RB_PORT_AF_PACKET)
		nb_txq = RTE_MAX(c->queues, d->nb_workers);
	/* Workers beyond the TX queues the port offers would have nowhere to send. */
	if (d->nb_workers > nb_txq)
		d->nb_workers = nb_txq;
	ret = port_start(d->port_id, c->queues, nb_txq, c->mtu, d->pool, &d->tx_multiseg, msg, cap);
	if (ret < 0)
		return ret;
	rte_eth_macaddr_get(d->port_id, &mac);
	memcpy(d->net.mac, mac.addr_bytes, 6);

	if (c->port_mode != RB_PORT_PCI)
		d->ifindex = (int)if_nametoindex(c->interface);
	if (c->exception_mode == RB_EXC_TAP) {
		snprintf(name, sizeof(name), "net_tap_%s", c->tap_name);
		snprintf(devargs, sizeof(devargs), "%s,iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT, name,
			 c->tap_name, RTE_ETHER_ADDR_BYTES(&mac));
		ret = probe(devargs, name, &d->exc_port_id, msg, cap);
		if (ret < 0)
			return ret;
		/* A queue pair per worker (the tap PMD wants as many RX as TX
		 * queues; the kernel spreads what it sends over them). */
		ret = port_start(d->exc_port_id, d->nb_workers, d->nb_workers, c->mtu, d->pool,
				 NULL, msg, cap);
		if (ret < 0)
			return ret;
		d->has_exc_port = true;
	}
	assign_queues(d);

	if (c->exception_mode == RB_EXC_XDP) {
		ret = dp_xdp_configure(d->ifindex, &d->net, msg, cap);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void
dp_ports_close(struct dp *d)
{
	uint16_t pid;

	RTE_ETH_FOREACH_DEV(pid)
	{
		rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid);
	}
	if (d->cfg.exception_mode == RB_EXC_XDP)
		dp_xdp_detach(d->ifindex);
}
