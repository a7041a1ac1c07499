/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm_dora_run.h: the DORA rate mode on the storm's DPDK port: one step
 * at a fixed rate, or a rate search, each step a key=value line.
 */
#ifndef RB_BENCH_STORM_DORA_RUN_H
#define RB_BENCH_STORM_DORA_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "storm_node.h"
#include "storm_port.h"

struct storm_dora_opts {
	uint32_t rate;	     /* --dora-rate: the offered rate, or the search's first */
	bool search;	     /* --dora-search: search up from rate */
	uint32_t secs;	     /* --duration: each step */
	uint32_t clients;    /* --clients */
	uint32_t timeout_ms; /* --dora-timeout-ms: an exchange's time to its ACK */
	uint32_t steps;	     /* the search's steps up (x2 each) */
	uint32_t refine;     /* the search's bisection steps after */
	double max_loss;     /* --max-loss: % the search accepts */
	const char *leases;  /* --leases FILE: "MAC address server" per client */
	uint32_t idle_us;    /* --idle-us */
	volatile sig_atomic_t *quit;
};

/*
 * Run the mode on port p with the nodes' options in cfg; prints to stdout
 * a line per step:
 *   mode=dora rate= secs= clients= started= done= lost= naks= stray=
 *   sent_per_s= dora_per_s= loss_pct= lat_p50_ms= lat_p99_ms= tx_drops=
 *   rx_missed= [rx_lost=] cpu_s=
 * (dhcp_storm's keys and meaning; cpu_s: this step's), and after a search
 *   mode=dora_search best_rate= dora_per_s= loss_pct= lat_p50_ms=
 *   lat_p99_ms= steps= stopped="..."
 * 0, or -errno (no memory, --leases not written).
 */
int storm_dora_run(struct storm_port *p, const struct storm_cfg *cfg,
		   const struct storm_dora_opts *o);

#endif
