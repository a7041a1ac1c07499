/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "metrics.h"
#include "promtext.h"

size_t
rb_metrics_format(const struct rb_stats *st, bool ok, char *buf, size_t cap)
{
	static const char *const dirs[] = {"rx", "tx"};
	static const char *const errs[] = {"imissed", "ierrors", "oerrors"};
	const uint64_t pkts[] = {st->port_ipackets, st->port_opackets};
	const uint64_t bytes[] = {st->port_ibytes, st->port_obytes};
	const uint64_t errv[] = {st->port_imissed, st->port_ierrors, st->port_oerrors};
	struct prom_out o;
	char name[96];
	int i;

	prom_init(&o, buf, cap);
	prom_metric(&o, "rackboot_dp_up", "gauge",
		    "1 when the dataplane answered the stats request", ok ? 1 : 0);
	if (!ok)
		return o.len;
	for (i = 0; i < RB_CNT_MAX; i++) {
		snprintf(name, sizeof(name), "rackboot_dp_%s_total", rb_counter_names[i]);
		prom_metric(&o, name, "counter", rb_counter_help[i], st->counters[i]);
	}
	prom_labelled(&o, "rackboot_dp_drops_total", "counter",
		      "frames dropped by the dataplane, by reason", "reason", rb_drop_names,
		      st->drops, RB_DROP_MAX);
	prom_labelled(&o, "rackboot_port_packets_total", "counter",
		      "packets on the provisioning port (driver)", "dir", dirs, pkts, 2);
	prom_labelled(&o, "rackboot_port_bytes_total", "counter",
		      "bytes on the provisioning port (driver)", "dir", dirs, bytes, 2);
	prom_labelled(&o, "rackboot_port_errors_total", "counter",
		      "port-level misses and errors (driver)", "kind", errs, errv, 3);
	prom_head(&o, "rackboot_dp_uptime_seconds", "gauge", "seconds since the dataplane started");
	prom_f3(&o, "rackboot_dp_uptime_seconds", (double)st->uptime_ms / 1000.0);
	prom_metric(&o, "rackboot_dp_tftp_cache_generation", "gauge",
		    "image cache generation new transfers start on (+1 per reload)",
		    st->cache_generation);
	prom_metric(&o, "rackboot_dp_tftp_cache_files", "gauge",
		    "files in the current image cache generation", st->cache_files);
	prom_metric(&o, "rackboot_dp_tftp_cache_bytes", "gauge",
		    "bytes in the current image cache generation", st->cache_bytes);
	prom_metric(&o, "rackboot_dp_tftp_cache_reload_failed_total", "counter",
		    "reloads (SIGHUP) that failed; the previous generation stays",
		    st->cache_reload_failed);
	prom_metric(&o, "rackboot_dp_tftp_gen_files", "gauge",
		    "generated boot configs served on top of the loaded tree", st->gen_files);
	prom_metric(&o, "rackboot_dp_tftp_gen_bytes", "gauge",
		    "bytes of the generated boot configs served", st->gen_bytes);
	prom_metric(&o, "rackboot_dp_tftp_gen_published_total", "counter",
		    "sets of generated boot configs published", st->gen_published);
	prom_metric(&o, "rackboot_dp_tftp_gen_refused_total", "counter",
		    "sets of generated boot configs refused (too many files or bytes, or no "
		    "memory); the previous set stays",
		    st->gen_refused);
	prom_metric(&o, "rackboot_dp_tftp_sessions_active", "gauge",
		    "unicast TFTP transfers open now, all workers", st->tftp_sessions_active);
	prom_metric(&o, "rackboot_dp_mbufs_in_use", "gauge",
		    "packet buffers out of the dataplane's pools (not in a pool or an lcore cache)",
		    st->mbufs_in_use);
	prom_metric(&o, "rackboot_dp_resident_bytes", "gauge",
		    "the dataplane process's resident memory", st->rss_bytes);
	return o.len;
}

/* The status line: appended piece by piece, cut at cap. */
struct out {
	char *buf;
	size_t cap, len;
};

static void __attribute__((format(printf, 2, 3))) put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = (size_t)n < o->cap - o->len ? o->len + (size_t)n : o->cap - 1;
}

static double
rate(uint64_t now, uint64_t prev, double dt)
{
	return dt > 0 && now >= prev ? (double)(now - prev) / dt : 0.0;
}

void
rb_status_format(const struct rb_stats *now, const struct rb_stats *prev, double dt,
		 const struct rb_http_stats *hnow, const struct rb_http_stats *hprev, char *buf,
		 size_t cap)
{
	struct out o = {buf, cap, 0};
	uint64_t drops = 0, up = now->uptime_ms / 1000;
	int i;

	for (i = 0; i < RB_DROP_MAX; i++)
		drops += now->drops[i];
	if (cap)
		buf[0] = '\0';
	put(&o, "up %" PRIu64 ":%02" PRIu64 ":%02" PRIu64, up / 3600, up / 60 % 60, up % 60);
	put(&o, " | rx %.0f tx %.0f pps",
	    rate(now->counters[RB_CNT_rx_frames], prev->counters[RB_CNT_rx_frames], dt),
	    rate(now->counters[RB_CNT_tx_frames], prev->counters[RB_CNT_tx_frames], dt));
	put(&o, " | arp %" PRIu64 " icmp %" PRIu64, now->counters[RB_CNT_arp_replies],
	    now->counters[RB_CNT_icmp_echo_replies]);
	put(&o, " | dhcp ack %" PRIu64 " (%.0f/s) offer %" PRIu64 " nak %" PRIu64,
	    now->counters[RB_CNT_dhcp_ack],
	    rate(now->counters[RB_CNT_dhcp_ack], prev->counters[RB_CNT_dhcp_ack], dt),
	    now->counters[RB_CNT_dhcp_offer] + now->counters[RB_CNT_dhcp_proxy_offer],
	    now->counters[RB_CNT_dhcp_nak]);
	put(&o, " | tftp %" PRIu64, now->counters[RB_CNT_tftp_rx]);
	if (hnow && hprev)
		put(&o, " | http %" PRIu64 " conn %.1f MB/s", hnow->active,
		    rate(hnow->bytes_sent, hprev->bytes_sent, dt) / 1e6);
	put(&o, " | drops %" PRIu64, drops);
	/* The lease store: said only when something is wrong, or when
	 * servers sharing one collide. */
	if (now->counters[RB_CNT_lease_batches_given_up] >
	    prev->counters[RB_CNT_lease_batches_given_up])
		put(&o, " | LEASE DB FAILING: %" PRIu64 " batch(es) given up, no ACKs for them",
		    now->counters[RB_CNT_lease_batches_given_up] -
			prev->counters[RB_CNT_lease_batches_given_up]);
	if (now->counters[RB_CNT_dhcp_ack_db_down] > prev->counters[RB_CNT_dhcp_ack_db_down])
		put(&o,
		    " | LEASE DB DOWN: %" PRIu64
		    " lease(s) renewed from the table for the time stored",
		    now->counters[RB_CNT_dhcp_ack_db_down] -
			prev->counters[RB_CNT_dhcp_ack_db_down]);
	if (now->counters[RB_CNT_lease_claims_lost])
		put(&o, " | claims lost %" PRIu64, now->counters[RB_CNT_lease_claims_lost]);
}
