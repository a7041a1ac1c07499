/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm_report.h: what rackboot-storm prints at the end of a run: one
 * key=value line (for scripts, like the other storms), a line per failed
 * node, and the per-node JSON (--json). No DPDK.
 */
#ifndef RB_BENCH_STORM_REPORT_H
#define RB_BENCH_STORM_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "storm_node.h"

struct storm_report {
	const struct storm_node *nodes;
	uint32_t n;
	const struct storm_cfg *cfg;
	double secs; /* from the first start to the end of the run */
	uint64_t rx_pkts, tx_pkts, tx_drops;
	uint64_t rx_missed;    /* the port's imissed: frames its RX ring had no room for */
	long long kernel_rx;   /* frames the kernel interface received, -1: no such count */
	uint32_t leased, done; /* set by storm_report_line() */
};

/*
 * nodes= leased= done= failed= bytes= secs= rx_pps= tx_pps= goodput_mbit=
 * lease_ms_p50= lease_ms_p95= lease_ms_max= boot_ms_p50= boot_ms_p95=
 * boot_ms_max= dhcp_retries= tftp_retries= dups= holes= tx_drops= rx_missed=
 * [rx_lost=] cpu_s= (boot: the node's last byte of its last file;
 * percentiles over the nodes that got there; rx_lost: frames the kernel
 * interface received that never reached the storm, for vdev ports).
 */
void storm_report_line(struct storm_report *r, FILE *out);

/* "node N MAC IP: failed in STATE: REASON", for at most `max` nodes. */
void storm_report_failures(const struct storm_report *r, FILE *out, unsigned max);

/*
 * {"summary": {...the line's keys...}, "files": [names, the boot file as
 * the first node's ACK named it], "nodes": [{"index", "mac", "ip", "state",
 * "fail", "offer_ms", "lease_ms", "files": [{"name", "done_ms", "bytes"}],
 * "dhcp_retries", "tftp_retries", "dups", "holes", "arp_replies", and with
 * --multicast "mc_blocks" (blocks taken from a group) and "mc_masters"
 * (times made master)}]}.
 * 0, or -1.
 */
int storm_report_json(const struct storm_report *r, const char *path);

#endif
