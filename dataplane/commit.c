/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * commit.c: group commit of lease changes, on the main lcore.
 *
 * Workers put each lease change on the one commit ring, under the DHCP
 * lock that also numbered it, and hold the ACK that depends on it. The
 * main lcore takes everything waiting as one LEASE_COMMIT batch (up to
 * RB_LEASE_BATCH_MAX records, in sequence order), with at most one batch
 * in flight: while the control is inside one transaction, the next batch
 * fills up, so the batch size grows with the load and the fsync cost per
 * lease falls. The bookkeeping (retries with backoff, giving up, the
 * outcome the workers read) is lease_commit.c's; this file moves the
 * records and logs a failure streak once.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "dp.h"
#include "log.h"

static struct lcommit cm;
static bool cm_up;

int
dp_commit_init(struct dp *d, char *msg, size_t cap)
{
	uint16_t w;

	if (lc_init(&cm) < 0)
		goto nomem;
	cm_up = true;
	d->commit_out = &cm.out;
	d->commit_ring =
	    rte_ring_create_elem("rb_commit", sizeof(struct rb_lease_rec), DP_COMMIT_RING,
				 (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!d->commit_ring)
		goto nomem;
	for (w = 0; w < d->nb_workers; w++) {
		struct worker *wk = &d->workers[w];

		wk->held_min = UINT64_MAX;
		wk->held = rte_zmalloc("rb_held", DP_HELD_MAX * sizeof(*wk->held), 0);
		if (!wk->held)
			goto nomem;
	}
	return 0;
nomem:
	snprintf(msg, cap, "no memory for the lease commit ring");
	return -ENOMEM;
}

void
dp_commit_fini(struct dp *d)
{
	uint16_t w;

	for (w = 0; w < d->nb_workers; w++) {
		rte_free(d->workers[w].held);
		d->workers[w].held = NULL;
	}
	rte_ring_free(d->commit_ring);
	d->commit_ring = NULL;
	d->commit_out = NULL;
	if (cm_up)
		lc_fini(&cm);
	cm_up = false;
}

static uint64_t
now_ms(void)
{
	return rte_get_tsc_cycles() / (rte_get_tsc_hz() / 1000);
}

/* The record the oldest held ACK of any worker waits for. */
static uint64_t
held_min(const struct dp *d)
{
	uint64_t m = UINT64_MAX, v;
	uint16_t w;

	for (w = 0; w < d->nb_workers; w++) {
		v = __atomic_load_n(&d->workers[w].held_min, __ATOMIC_RELAXED);
		m = v < m ? v : m;
	}
	return m;
}

static void
send_batch(int (*send)(enum rb_msg_type, uint32_t, const void *, size_t))
{
	const struct rb_lease_batch *b;
	size_t bytes;
	int ret;

	b = lc_batch(&cm, &bytes);
	ret = send(RB_MSG_LEASE_COMMIT, 0, b, bytes);
	if (ret < 0)
		lc_send_failed(&cm, ret, now_ms());
}

int
dp_commit_pump(struct dp *d, int (*send)(enum rb_msg_type, uint32_t, const void *, size_t))
{
	const struct rb_lease_batch *b;
	size_t bytes;
	unsigned n;

	if (!cm_up)
		return 200;
	switch (lc_poll(&cm, now_ms(), held_min(d))) {
	case LC_NOTHING:
		return 1;
	case LC_RESEND:
		send_batch(send);
		return 1;
	case LC_GAVE_UP:
		b = lc_batch(&cm, &bytes);
		d->main_counters[RB_CNT_lease_batches_given_up]++;
		d->main_counters[RB_CNT_lease_records_given_up] += b->count;
		/* Once per failure streak; lease_batches_given_up counts the rest. */
		if (cm.failing == 1)
			RB_ERR("lease commit failing (%s): batch %u given up after %d attempts, "
			       "%u lease change(s) not stored and their ACKs not sent; later "
			       "batches go on",
			       strerror(-cm.last_error), b->batch, LC_ATTEMPTS, b->count);
		return 1;
	case LC_TAKE:
		break;
	}
	n = rte_ring_dequeue_burst_elem(d->commit_ring, lc_slots(&cm), sizeof(struct rb_lease_rec),
					RB_LEASE_BATCH_MAX, NULL);
	if (!lc_start(&cm, n))
		return 1;
	d->main_counters[RB_CNT_lease_batches]++;
	d->main_counters[RB_CNT_lease_records] += n;
	send_batch(send);
	return 1;
}

/*
 * The answer to the batch in flight. Its lost claims are applied to the
 * table first (the address's row as the store holds it: taken by another
 * server's client), then published: a client NAKed for one that comes
 * back is offered another address.
 */
void
dp_commit_done(struct dp *d, const struct rb_lease_ack *ack)
{
	static uint64_t lost[RB_LEASE_BATCH_MAX];
	unsigned failing = cm.failing;
	uint32_t n = 0;
	size_t bytes;

	if (!cm_up || !lc_expects(&cm, ack->batch))
		return;
	if (ack->status == 0 && (ack->nb_lost || d->dhcp.cfg.db_down_renew)) {
		rte_spinlock_lock(&d->dhcp_lock);
		n = dhcpd_claims_lost(&d->dhcp, ack, lost);
		/* What the store now holds, for dhcp.database_down: renew (a
		 * lost claim's slot already has the other client's key, so
		 * its record leaves it alone). */
		if (d->dhcp.cfg.db_down_renew)
			dhcpd_stored(&d->dhcp, lc_batch(&cm, &bytes));
		rte_spinlock_unlock(&d->dhcp_lock);
		d->main_counters[RB_CNT_lease_claims_lost] += n;
	}
	if (!lc_done(&cm, ack->batch, ack->status, lost, n, now_ms()))
		return;
	d->main_counters[RB_CNT_lease_batches_committed]++;
	if (failing)
		RB_NOTICE("lease commit works again: batch %u stored after %u batch(es) given up",
			  ack->batch, failing);
}

/*
 * Rows other servers wrote to a shared store (control/lease_feed.c): the
 * table takes them as it takes the start-up load. A row may be older than
 * this table's own view of that address (a change of ours still on its
 * way); the store's claim rule, not this table, keeps an address from
 * being given twice, and at worst a client is NAKed once (see
 * docs/architecture.md).
 */
void
dp_commit_learn(struct dp *d, const struct rb_lease_batch *b)
{
	uint32_t i, n = 0;

	if (!d->dhcp_on)
		return;
	rte_spinlock_lock(&d->dhcp_lock);
	for (i = 0; i < b->count; i++)
		n += dhcpd_load(&d->dhcp, &b->rec[i]) == 0;
	rte_spinlock_unlock(&d->dhcp_lock);
	d->main_counters[RB_CNT_lease_changes_learned] += n;
}
