/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * commit.c: group commit of lease changes, on the main lcore.
 *
 * Workers put each lease change on their own ring and hold the ACK that
 * depends on it. The main lcore takes everything waiting on all rings as
 * one LEASE_COMMIT batch (up to RB_LEASE_BATCH_MAX records), with at most
 * one batch in flight: while the control is inside one transaction, the
 * next batch fills up, so the batch size grows with the load and the fsync
 * cost per lease falls. When the control confirms a batch, each worker's
 * committed_seq moves forward by what was taken from it, and the worker
 * sends the ACKs up to there. A failed batch is sent again after a pause;
 * ACKs that wait too long are dropped (the client asks again).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "dp.h"

#define RETRY_MS 100

static struct {
	struct rb_lease_batch *b; /* the batch in flight (kept for a retry) */
	size_t bytes;
	bool in_flight, failed;
	uint32_t next_batch;
	uint64_t fail_tsc;
	uint64_t taken[DP_MAX_WORKERS]; /* records taken from each worker so far */
} cm;

int
dp_commit_init(struct dp *d, char *msg, size_t cap)
{
	char name[32];
	uint16_t w;

	cm.b = calloc(1, sizeof(*cm.b) + RB_LEASE_BATCH_MAX * sizeof(cm.b->rec[0]));
	if (!cm.b)
		goto nomem;
	cm.next_batch = 1;
	for (w = 0; w < d->nb_workers; w++) {
		struct worker *wk = &d->workers[w];

		snprintf(name, sizeof(name), "rb_commit%u", w);
		wk->commit_ring =
		    rte_ring_create_elem(name, sizeof(struct rb_lease_rec), DP_COMMIT_RING,
					 (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		wk->held = rte_zmalloc("rb_held", DP_HELD_MAX * sizeof(*wk->held), 0);
		if (!wk->commit_ring || !wk->held)
			goto nomem;
	}
	return 0;
nomem:
	snprintf(msg, cap, "no memory for the lease commit rings");
	return -ENOMEM;
}

void
dp_commit_fini(struct dp *d)
{
	uint16_t w;

	for (w = 0; w < d->nb_workers; w++) {
		struct worker *wk = &d->workers[w];

		rte_free(wk->held);
		rte_ring_free(wk->commit_ring);
		wk->held = NULL;
		wk->commit_ring = NULL;
	}
	free(cm.b);
	cm.b = NULL;
}

int
dp_commit_pump(struct dp *d, int (*send)(enum rb_msg_type, uint32_t, const void *, size_t))
{
	uint32_t n = 0, got;
	uint16_t w;

	if (!cm.b)
		return 200;
	if (cm.in_flight) {
		if (!cm.failed)
			return 1;
		if ((rte_get_tsc_cycles() - cm.fail_tsc) * 1000 < RETRY_MS * rte_get_tsc_hz())
			return 1;
		/* Same batch number, same records: the store replaces rows by
		 * address, so a retry after a partial failure is harmless. */
		cm.failed = false;
		if (send(RB_MSG_LEASE_COMMIT, 0, cm.b, cm.bytes) < 0) {
			cm.failed = true;
			cm.fail_tsc = rte_get_tsc_cycles();
		}
		return 1;
	}
	for (w = 0; w < d->nb_workers && n < RB_LEASE_BATCH_MAX; w++) {
		got = rte_ring_dequeue_burst_elem(d->workers[w].commit_ring, &cm.b->rec[n],
						  sizeof(struct rb_lease_rec),
						  RB_LEASE_BATCH_MAX - n, NULL);
		cm.taken[w] += got;
		n += got;
	}
	if (!n)
		return 1;
	cm.b->batch = cm.next_batch++;
	cm.b->count = n;
	cm.bytes = sizeof(*cm.b) + n * sizeof(cm.b->rec[0]);
	cm.in_flight = true;
	d->main_counters[RB_CNT_lease_batches]++;
	d->main_counters[RB_CNT_lease_records] += n;
	if (send(RB_MSG_LEASE_COMMIT, 0, cm.b, cm.bytes) < 0) {
		cm.failed = true;
		cm.fail_tsc = rte_get_tsc_cycles();
	}
	return 1;
}

void
dp_commit_done(struct dp *d, const struct rb_lease_ack *ack)
{
	uint16_t w;

	if (!cm.in_flight || ack->batch != cm.b->batch)
		return; /* stale: a retry's twin already answered */
	if (ack->status < 0) {
		cm.failed = true;
		cm.fail_tsc = rte_get_tsc_cycles();
		return;
	}
	cm.in_flight = false;
	d->main_counters[RB_CNT_lease_batches_committed]++;
	for (w = 0; w < d->nb_workers; w++)
		__atomic_store_n(&d->workers[w].committed_seq, cm.taken[w], __ATOMIC_RELEASE);
}
