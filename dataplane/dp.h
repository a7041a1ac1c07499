/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp.h: the dataplane's process-wide state and per-lcore contexts.
 *
 * Ownership (who reads / writes each field):
 *   struct dp          main lcore: wo at setup, then ro; workers: ro
 *   struct dp.quit     main lcore and signal handler: wo; workers: ro (relaxed)
 *   struct worker      its own lcore: rw; main lcore: ro (counters, for stats)
 * Nothing on the fast path takes a lock: each worker owns its RX queues, its
 * TX queue index on every port and its counters.
 */
#ifndef RB_DP_H
#define RB_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "channel.h"
#include "counters.h"
#include "pkt.h"

#define DP_MAX_WORKERS 16
#define DP_MAX_QUEUES 16
#define DP_BURST 32

struct worker {
	unsigned lcore_id;
	uint16_t index;        /* 0..nb_workers-1, also its TX queue on every port */
	uint16_t nb_rxq;       /* provisioning port RX queues this worker polls */
	uint16_t rxq[DP_MAX_QUEUES];
	bool polls_exception;  /* worker 0 drains the exception port */
	uint64_t counters[RB_CNT_MAX];
	uint64_t drops[RB_DROP_MAX];
} __rte_cache_aligned;

struct dp {
	struct rb_dp_config cfg;
	struct rb_netcfg net;
	uint16_t port_id;
	uint16_t exc_port_id;
	bool has_exc_port;
	int ifindex; /* kernel index of the af_xdp interface, for the XDP map */
	struct rte_mempool *pool;
	uint16_t nb_workers;
	struct worker workers[DP_MAX_WORKERS];
	uint64_t start_tsc;
	volatile bool quit;
};

extern struct dp dp;

/* port.c: probe and start the provisioning port (and exception port).
 * Returns 0 or -errno with msg filled for the control. */
int dp_ports_setup(struct dp *d, char *msg, size_t cap);
void dp_ports_close(struct dp *d);

/* xdp_cfg.c: write the steering config into the XDP program attached to
 * ifindex (af_xdp mode); detach it at shutdown. */
int dp_xdp_configure(int ifindex, const struct rb_netcfg *nc, char *msg, size_t cap);
void dp_xdp_detach(int ifindex);

/* worker.c: the lcore loop. */
int dp_worker_main(void *arg);

#endif
