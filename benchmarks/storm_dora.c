/* SPDX-License-Identifier: BSD-3-Clause */
/* storm_dora.c: the DORA rate mode's engine (storm_dora.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "storm_dora.h"

#define LAT_CAP_MAX (1u << 22) /* percentiles from the first 4M exchanges, as dhcp_storm */
#define BACKLOG_INTERVALS 100  /* a stall longer than this is not made up */

int
storm_dora_init(struct storm_dora *d, const struct storm_cfg *node_cfg, uint32_t clients,
		uint32_t timeout_us, storm_emit_fn emit, void *emit_arg)
{
	memset(d, 0, sizeof(*d));
	if (!clients || clients > STORM_DORA_CLIENTS_MAX || !timeout_us || !emit)
		return -EINVAL;
	d->cfg = *node_cfg;
	d->cfg.lease_only = true;
	/* One send of each message, a wait longer than the exchange's: the
	 * engine, not the node, decides when an exchange is lost. */
	d->cfg.dhcp_tries = 1;
	d->cfg.dhcp_timeout_us = timeout_us * 2;
	d->nodes = calloc(clients, sizeof(*d->nodes));
	d->phase = calloc(clients, 1);
	if (!d->nodes || !d->phase) {
		storm_dora_free(d);
		return -ENOMEM;
	}
	d->clients = clients;
	d->timeout_us = timeout_us;
	d->emit = emit;
	d->emit_arg = emit_arg;
	return 0;
}

void
storm_dora_free(struct storm_dora *d)
{
	free(d->nodes);
	free(d->phase);
	free(d->lat_us);
	d->nodes = NULL;
	d->phase = NULL;
	d->lat_us = NULL;
}

int
storm_dora_begin(struct storm_dora *d, uint32_t rate, uint64_t secs_us, uint64_t now)
{
	uint64_t cap = (uint64_t)rate * (secs_us / 1000000u + 1) + 1024;
	uint32_t *lat;

	if (!rate || !secs_us)
		return -EINVAL;
	if (cap > LAT_CAP_MAX)
		cap = LAT_CAP_MAX;
	if (cap > d->lat_cap) {
		lat = realloc(d->lat_us, cap * sizeof(*lat));
		if (!lat)
			return -ENOMEM;
		d->lat_us = lat;
		d->lat_cap = cap;
	}
	/* What a step before left under way belongs to no step. */
	memset(d->phase, 0, d->clients);
	d->tail = d->next;
	d->rate = rate;
	d->t0 = now;
	d->end = now + secs_us;
	d->due_ns = now * 1000u;
	d->started = d->done = d->lost = d->naks = d->stray = d->inflight = 0;
	d->lat_n = 0;
	return 0;
}

/* Client i's exchange ended; it counts in *counter (done, lost or naks). */
static void
end_exchange(struct storm_dora *d, uint32_t i, uint64_t *counter)
{
	d->phase[i] = 0;
	d->inflight--;
	(*counter)++;
}

void
storm_dora_rx(struct storm_dora *d, const uint8_t *frame, size_t len, uint64_t now)
{
	struct storm_node *n;
	struct storm_out out;
	int who;

	who = storm_frame_node(d->cfg.seed, frame, len, NULL, NULL);
	if (who < 0 || (uint32_t)who >= d->clients || !d->phase[who]) {
		d->stray++; /* late, duplicate, or not a reply to us */
		return;
	}
	n = &d->nodes[who];
	if (now - n->t_start >= d->timeout_us) {
		/* Past its time: lost, whatever this is (the expiry below
		 * would have said so had it run first). */
		end_exchange(d, (uint32_t)who, &d->lost);
		d->stray++;
		return;
	}
	storm_node_rx(n, &d->cfg, frame, len, now, &out);
	if (out.n)
		d->emit(d->emit_arg, &out);
	if (n->state == STORM_DONE) {
		if (d->lat_n < d->lat_cap)
			d->lat_us[d->lat_n++] =
			    n->t_lease > UINT32_MAX ? UINT32_MAX : (uint32_t)n->t_lease;
		end_exchange(d, (uint32_t)who, &d->done);
	} else if (n->state == STORM_FAILED)
		end_exchange(d, (uint32_t)who, &d->naks); /* a NAK: the only way to fail here */
}

/* Exchanges end in the order they started (one timeout for all), so the
 * oldest under way is at the tail: expire from there. */
static void
expire(struct storm_dora *d, uint64_t now)
{
	while (d->inflight) {
		if (d->phase[d->tail]) {
			if (now - d->nodes[d->tail].t_start < d->timeout_us)
				return;
			end_exchange(d, d->tail, &d->lost);
		}
		d->tail = d->tail + 1 == d->clients ? 0 : d->tail + 1;
	}
	d->tail = d->next;
}

static void
start_due(struct storm_dora *d, uint64_t now)
{
	uint64_t ns = now * 1000u, interval = 1000000000u / d->rate;
	struct storm_node *n;
	struct storm_out out;
	unsigned k;

	if (interval == 0)
		interval = 1;
	if (d->due_ns + BACKLOG_INTERVALS * interval < ns)
		d->due_ns = ns;
	for (k = 0; k < STORM_DORA_BURST && d->due_ns <= ns; k++) {
		if (d->phase[d->next])
			return; /* every client under way: the server is behind */
		n = &d->nodes[d->next];
		storm_node_init(n, &d->cfg, d->next);
		n->xid += d->round; /* each lap its own xid: late replies miss */
		storm_node_start(n, &d->cfg, now, &out);
		d->emit(d->emit_arg, &out);
		d->phase[d->next] = 1;
		d->inflight++;
		d->started++;
		if (++d->next == d->clients) {
			d->next = 0;
			d->round++;
		}
		d->due_ns += interval;
	}
}

bool
storm_dora_poll(struct storm_dora *d, uint64_t now)
{
	expire(d, now);
	if (now < d->end) {
		start_due(d, now);
		return true;
	}
	return d->inflight > 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void
storm_dora_result(struct storm_dora *d, struct storm_dora_result *r)
{
	memset(r, 0, sizeof(*r));
	r->rate = d->rate;
	r->secs = (double)(d->end - d->t0) / 1e6;
	r->started = d->started;
	r->done = d->done;
	r->lost = d->lost + d->inflight;
	r->naks = d->naks;
	r->stray = d->stray;
	r->sent_per_s = (double)d->started / r->secs;
	r->dora_per_s = (double)d->done / r->secs;
	r->loss_pct = d->started ? 100.0 * (double)(d->started - d->done) / (double)d->started : 0;
	qsort(d->lat_us, d->lat_n, sizeof(*d->lat_us), cmp_u32);
	if (d->lat_n) {
		r->lat_p50_ms = d->lat_us[d->lat_n / 2] / 1000.0;
		r->lat_p99_ms = d->lat_us[d->lat_n * 99 / 100] / 1000.0;
	}
}
