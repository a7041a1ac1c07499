/* SPDX-License-Identifier: BSD-3-Clause */
/* storm_report.c: rackboot-storm's summary line, failure lines and JSON. */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "storm.h"
#include "storm_report.h"

struct sums {
	uint32_t leased, done, failed;
	uint64_t bytes, dhcp_retries, tftp_retries, dups, holes;
	double lease_ms[3], boot_ms[3]; /* p50, p95, max */
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* p50, p95 and max of v[0..n) in ms (v in us; sorted here). */
static void
pcts(uint64_t *v, uint32_t n, double ms[3])
{
	if (!n) {
		ms[0] = ms[1] = ms[2] = 0;
		return;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	ms[0] = (double)v[(n - 1) / 2] / 1000.0;
	ms[1] = (double)v[(n - 1) * 95 / 100] / 1000.0;
	ms[2] = (double)v[n - 1] / 1000.0;
}

/* The time of a node's last byte: its last file's. */
static uint64_t
boot_us(const struct storm_node *n, const struct storm_cfg *c)
{
	return n->fs[c->nfiles].t_done;
}

static void
sum(const struct storm_report *r, struct sums *s)
{
	uint64_t *lease = calloc(r->n + 1, sizeof(*lease)), *bt = calloc(r->n + 1, sizeof(*bt));
	uint32_t i, nl = 0, nb = 0, f;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < r->n; i++) {
		const struct storm_node *n = &r->nodes[i];

		if (n->t_lease) {
			s->leased++;
			if (lease)
				lease[nl++] = n->t_lease;
		}
		if (n->state == STORM_DONE) {
			s->done++;
			if (bt)
				bt[nb++] = boot_us(n, r->cfg);
		} else {
			s->failed++;
		}
		for (f = 0; f < STORM_FILES_MAX; f++)
			s->bytes += n->fs[f].bytes;
		s->dhcp_retries += n->dhcp_retries;
		s->tftp_retries += n->tftp_retries;
		s->dups += n->dups;
		s->holes += n->holes;
	}
	pcts(lease, nl, s->lease_ms);
	pcts(bt, nb, s->boot_ms);
	free(lease);
	free(bt);
}

void
storm_report_line(struct storm_report *r, FILE *out)
{
	struct sums s;
	double secs = r->secs > 0 ? r->secs : 1e-9;

	sum(r, &s);
	r->leased = s.leased;
	r->done = s.done;
	fprintf(out,
		"nodes=%u leased=%u done=%u failed=%u bytes=%lu secs=%.3f rx_pps=%.0f "
		"tx_pps=%.0f goodput_mbit=%.1f lease_ms_p50=%.1f lease_ms_p95=%.1f "
		"lease_ms_max=%.1f boot_ms_p50=%.1f boot_ms_p95=%.1f boot_ms_max=%.1f "
		"dhcp_retries=%lu tftp_retries=%lu dups=%lu holes=%lu tx_drops=%lu "
		"rx_missed=%lu ",
		r->n, s.leased, s.done, s.failed, (unsigned long)s.bytes, r->secs,
		(double)r->rx_pkts / secs, (double)r->tx_pkts / secs,
		(double)s.bytes * 8 / secs / 1e6, s.lease_ms[0], s.lease_ms[1], s.lease_ms[2],
		s.boot_ms[0], s.boot_ms[1], s.boot_ms[2], (unsigned long)s.dhcp_retries,
		(unsigned long)s.tftp_retries, (unsigned long)s.dups, (unsigned long)s.holes,
		(unsigned long)r->tx_drops, (unsigned long)r->rx_missed);
	/* Frames already queued in the ring when the run began count on the
	 * storm's side only: a few too many received is not a gain. */
	if (r->kernel_rx >= 0)
		fprintf(out, "rx_lost=%lld ",
			r->kernel_rx > (long long)r->rx_pkts ? r->kernel_rx - (long long)r->rx_pkts
							     : 0);
	fprintf(out, "cpu_s=%.2f\n", cpu_seconds());
	fflush(out);
}

static void
fmt_mac(const uint8_t m[6], char *s, size_t cap)
{
	snprintf(s, cap, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void
fmt_ip(uint32_t ip, char *s, size_t cap)
{
	struct in_addr a = {.s_addr = ip};

	if (!inet_ntop(AF_INET, &a, s, (socklen_t)cap))
		snprintf(s, cap, "?");
}

void
storm_report_failures(const struct storm_report *r, FILE *out, unsigned max)
{
	char mac[18], ip[16];
	unsigned shown = 0;
	uint32_t i;

	for (i = 0; i < r->n && shown < max; i++) {
		const struct storm_node *n = &r->nodes[i];

		if (n->state == STORM_DONE)
			continue;
		fmt_mac(n->mac, mac, sizeof(mac));
		fmt_ip(n->ip, ip, sizeof(ip));
		fprintf(out, "node %u %s %s: failed in %s (file %u, block %lu): %s\n", n->index,
			mac, ip, storm_state_name(n->state), n->file, (unsigned long)n->next,
			storm_fail_name(n->fail_reason));
		shown++;
	}
}

static json_t *
node_json(const struct storm_node *n, const struct storm_cfg *c)
{
	char mac[18], ip[16];
	json_t *o, *fa;
	unsigned f;

	fmt_mac(n->mac, mac, sizeof(mac));
	fmt_ip(n->ip, ip, sizeof(ip));
	fa = json_array();
	for (f = 0; f <= c->nfiles; f++) {
		const char *name = f ? c->files[f - 1]->name : n->bootfile;

		json_array_append_new(fa, json_pack("{s:s, s:f, s:I}", "name", name, "done_ms",
						    (double)n->fs[f].t_done / 1000.0, "bytes",
						    (json_int_t)n->fs[f].bytes));
	}
	o = json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:f, s:f, s:o, s:I, s:I, s:I, s:I, s:I}", "index",
	    (json_int_t)n->index, "mac", mac, "ip", ip, "state", storm_state_name(n->state), "fail",
	    storm_fail_name(n->fail_reason), "offer_ms", (double)n->t_offer / 1000.0, "lease_ms",
	    (double)n->t_lease / 1000.0, "files", fa, "dhcp_retries", (json_int_t)n->dhcp_retries,
	    "tftp_retries", (json_int_t)n->tftp_retries, "dups", (json_int_t)n->dups, "holes",
	    (json_int_t)n->holes, "arp_replies", (json_int_t)n->arp_replies);
	if (o && c->multicast) {
		json_object_set_new(o, "mc_blocks", json_integer((json_int_t)n->mc_blocks));
		json_object_set_new(o, "mc_masters", json_integer((json_int_t)n->mc_masters));
	}
	return o;
}

int
storm_report_json(const struct storm_report *r, const char *path)
{
	json_t *root, *nodes, *names;
	struct sums s;
	uint32_t i;
	unsigned f;
	int ret;

	sum(r, &s);
	names = json_array();
	json_array_append_new(names, json_string(r->n ? r->nodes[0].bootfile : ""));
	for (f = 0; f < r->cfg->nfiles; f++)
		json_array_append_new(names, json_string(r->cfg->files[f]->name));
	nodes = json_array();
	for (i = 0; i < r->n; i++)
		json_array_append_new(nodes, node_json(&r->nodes[i], r->cfg));
	root = json_pack(
	    "{s:{s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, "
	    "s:I, s:I}, s:o, s:o}",
	    "summary", "nodes", (json_int_t)r->n, "leased", (json_int_t)s.leased, "done",
	    (json_int_t)s.done, "failed", (json_int_t)s.failed, "bytes", (json_int_t)s.bytes,
	    "secs", r->secs, "rx_pkts", (json_int_t)r->rx_pkts, "tx_pkts", (json_int_t)r->tx_pkts,
	    "tx_drops", (json_int_t)r->tx_drops, "rx_missed", (json_int_t)r->rx_missed,
	    "lease_ms_p50", s.lease_ms[0], "lease_ms_p95", s.lease_ms[1], "lease_ms_max",
	    s.lease_ms[2], "boot_ms_p50", s.boot_ms[0], "boot_ms_p95", s.boot_ms[1], "boot_ms_max",
	    s.boot_ms[2], "dhcp_retries", (json_int_t)s.dhcp_retries, "tftp_retries",
	    (json_int_t)s.tftp_retries, "files", names, "nodes", nodes);
	if (!root)
		return -1;
	json_object_set_new(json_object_get(root, "summary"), "kernel_rx",
			    json_integer((json_int_t)r->kernel_rx));
	ret = json_dump_file(root, path, JSON_INDENT(1));
	json_decref(root);
	return ret < 0 ? -1 : 0;
}
