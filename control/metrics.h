/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics.h: turn the dataplane's counters into Prometheus text and into the
 * one-line live status. Pure formatting: no I/O, testable.
 */
#ifndef RB_CONTROL_METRICS_H
#define RB_CONTROL_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "channel.h"
#include "http.h"

/* Appends rackboot_dp_* metrics (or rackboot_dp_up 0 when !ok) to buf.
 * Returns the bytes written (never more than cap - 1; always terminated). */
size_t rb_metrics_format(const struct rb_stats *st, bool ok, char *buf, size_t cap);

/* "up 0:01:02 | rx 12 pps ... " from two snapshots dt seconds apart;
 * "| LEASE DB FAILING: ..." when lease batches were given up between them,
 * "| LEASE DB DOWN: ..." when held ACKs went out from the table's stored
 * leases meanwhile (dhcp.database_down: renew),
 * "| claims lost N" once a shared store refused a claim. */
void rb_status_format(const struct rb_stats *now, const struct rb_stats *prev, double dt,
		      const struct rb_http_stats *hnow, const struct rb_http_stats *hprev,
		      char *buf, size_t cap);

#endif
