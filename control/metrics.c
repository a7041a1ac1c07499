/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "metrics.h"

struct out {
	char *buf;
	size_t cap, len;
};

static void
put(struct out *o, const char *fmt, ...)
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

size_t
rb_metrics_format(const struct rb_stats *st, bool ok, char *buf, size_t cap)
{
	struct out o = {buf, cap, 0};
	int i;

	if (cap)
		buf[0] = '\0';
	put(&o,
	    "# HELP rackboot_dp_up 1 when the dataplane answered the stats request\n"
	    "# TYPE rackboot_dp_up gauge\nrackboot_dp_up %d\n",
	    ok ? 1 : 0);
	if (!ok)
		return o.len;
	for (i = 0; i < RB_CNT_MAX; i++)
		put(&o,
		    "# HELP rackboot_dp_%s_total %s\n# TYPE rackboot_dp_%s_total counter\n"
		    "rackboot_dp_%s_total %" PRIu64 "\n",
		    rb_counter_names[i], rb_counter_help[i], rb_counter_names[i],
		    rb_counter_names[i], st->counters[i]);
	put(&o, "# HELP rackboot_dp_drops_total frames dropped by the dataplane, by reason\n"
		"# TYPE rackboot_dp_drops_total counter\n");
	for (i = 0; i < RB_DROP_MAX; i++)
		put(&o, "rackboot_dp_drops_total{reason=\"%s\"} %" PRIu64 "\n", rb_drop_names[i],
		    st->drops[i]);
	put(&o,
	    "# HELP rackboot_port_packets_total packets on the provisioning port (driver)\n"
	    "# TYPE rackboot_port_packets_total counter\n"
	    "rackboot_port_packets_total{dir=\"rx\"} %" PRIu64 "\n"
	    "rackboot_port_packets_total{dir=\"tx\"} %" PRIu64 "\n",
	    st->port_ipackets, st->port_opackets);
	put(&o,
	    "# HELP rackboot_port_bytes_total bytes on the provisioning port (driver)\n"
	    "# TYPE rackboot_port_bytes_total counter\n"
	    "rackboot_port_bytes_total{dir=\"rx\"} %" PRIu64 "\n"
	    "rackboot_port_bytes_total{dir=\"tx\"} %" PRIu64 "\n",
	    st->port_ibytes, st->port_obytes);
	put(&o,
	    "# HELP rackboot_port_errors_total port-level misses and errors (driver)\n"
	    "# TYPE rackboot_port_errors_total counter\n"
	    "rackboot_port_errors_total{kind=\"imissed\"} %" PRIu64 "\n"
	    "rackboot_port_errors_total{kind=\"ierrors\"} %" PRIu64 "\n"
	    "rackboot_port_errors_total{kind=\"oerrors\"} %" PRIu64 "\n",
	    st->port_imissed, st->port_ierrors, st->port_oerrors);
	put(&o,
	    "# HELP rackboot_dp_uptime_seconds seconds since the dataplane started\n"
	    "# TYPE rackboot_dp_uptime_seconds gauge\nrackboot_dp_uptime_seconds %.3f\n",
	    (double)st->uptime_ms / 1000.0);
	put(&o,
	    "# HELP rackboot_dp_tftp_cache_generation image cache generation new transfers start "
	    "on "
	    "(+1 per reload)\n"
	    "# TYPE rackboot_dp_tftp_cache_generation gauge\nrackboot_dp_tftp_cache_generation "
	    "%" PRIu64 "\n"
	    "# HELP rackboot_dp_tftp_cache_files files in the current image cache generation\n"
	    "# TYPE rackboot_dp_tftp_cache_files gauge\nrackboot_dp_tftp_cache_files %" PRIu64 "\n"
	    "# HELP rackboot_dp_tftp_cache_bytes bytes in the current image cache generation\n"
	    "# TYPE rackboot_dp_tftp_cache_bytes gauge\nrackboot_dp_tftp_cache_bytes %" PRIu64 "\n"
	    "# HELP rackboot_dp_tftp_cache_reload_failed_total reloads (SIGHUP) that failed; the "
	    "previous generation stays\n"
	    "# TYPE rackboot_dp_tftp_cache_reload_failed_total counter\n"
	    "rackboot_dp_tftp_cache_reload_failed_total %" PRIu64 "\n",
	    st->cache_generation, st->cache_files, st->cache_bytes, st->cache_reload_failed);
	return o.len;
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
}
