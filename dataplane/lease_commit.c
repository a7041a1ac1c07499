/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lease_commit.c: the group commit's bookkeeping. See lease_commit.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "lease_commit.h"

int
lc_init(struct lcommit *c)
{
	*c = (struct lcommit){.next_batch = 1};
	c->b = calloc(1, sizeof(*c->b) + RB_LEASE_BATCH_MAX * sizeof(c->b->rec[0]));
	return c->b ? 0 : -ENOMEM;
}

void
lc_fini(struct lcommit *c)
{
	free(c->b);
	c->b = NULL;
}

struct rb_lease_rec *
lc_slots(struct lcommit *c)
{
	return c->b->rec;
}

static size_t
batch_bytes(const struct lcommit *c)
{
	return sizeof(*c->b) + c->b->count * sizeof(c->b->rec[0]);
}

size_t
lc_start(struct lcommit *c, uint32_t n)
{
	if (!n || c->in_flight)
		return 0;
	c->b->batch = c->next_batch++;
	c->b->count = n;
	c->in_flight = true;
	c->failed = false;
	c->attempts = 0;
	c->batches++;
	return batch_bytes(c);
}

const struct rb_lease_batch *
lc_batch(const struct lcommit *c, size_t *bytes)
{
	*bytes = batch_bytes(c);
	return c->b;
}

/* One failed attempt: wait LC_RETRY_MS, doubled per attempt before this one. */
static void
attempt_failed(struct lcommit *c, int err, uint64_t now_ms)
{
	c->attempts++;
	c->failed = true;
	c->last_error = err;
	c->retry_ms = now_ms + ((uint64_t)LC_RETRY_MS << (c->attempts - 1));
}

void
lc_send_failed(struct lcommit *c, int err, uint64_t now_ms)
{
	if (c->in_flight && !c->failed)
		attempt_failed(c, err, now_ms);
}

/* Records up to the batch's last have an outcome (release: workers read it). */
static void
publish_done(struct lcommit *c)
{
	uint64_t last = c->b->rec[c->b->count - 1].seq;

	__atomic_store_n(&c->out.done_seq, last, __ATOMIC_RELEASE);
	c->in_flight = false;
}

bool
lc_expects(const struct lcommit *c, uint32_t batch)
{
	return c->in_flight && !c->failed && batch == c->b->batch;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Keep the lost claims that are records of the batch in flight, sorted. */
static void
set_lost_claims(struct lcommit *c, const uint64_t *lost, uint32_t nb_lost)
{
	uint64_t first = c->b->rec[0].seq, last = c->b->rec[c->b->count - 1].seq;
	uint32_t i, n = 0;

	for (i = 0; i < nb_lost && n < RB_LEASE_BATCH_MAX; i++)
		if (lost[i] >= first && lost[i] <= last)
			c->out.lost_claims[n++] = lost[i];
	qsort(c->out.lost_claims, n, sizeof(c->out.lost_claims[0]), cmp_u64);
	c->out.nb_lost_claims = n;
	c->claims_lost += n;
}

bool
lc_done(struct lcommit *c, uint32_t batch, int status, const uint64_t *lost, uint32_t nb_lost,
	uint64_t now_ms)
{
	if (!lc_expects(c, batch))
		return false; /* not the answer to the attempt under way */
	if (status < 0) {
		attempt_failed(c, status, now_ms);
		return false;
	}
	/* lc_poll() took this batch only once the last list was consumed. */
	if (nb_lost || c->out.nb_lost_claims)
		set_lost_claims(c, lost, nb_lost);
	publish_done(c);
	c->committed++;
	c->failing = 0;
	return true;
}

enum lc_action
lc_poll(struct lcommit *c, uint64_t now_ms, uint64_t held_min)
{
	if (!c->in_flight) {
		/* The next batch's outcome replaces the lost claims: not before
		 * every held ACK they may concern was decided. */
		if (c->out.nb_lost_claims &&
		    held_min <= __atomic_load_n(&c->out.done_seq, __ATOMIC_RELAXED))
			return LC_NOTHING;
		return LC_TAKE;
	}
	if (!c->failed)
		return LC_NOTHING;
	if (c->attempts < LC_ATTEMPTS) {
		if (now_ms < c->retry_ms)
			return LC_NOTHING;
		c->failed = false;
		return LC_RESEND;
	}
	/* Give up, but only once no worker still holds an ACK whose record
	 * already has an outcome: lost_seq alone then says which held ACKs
	 * were this batch's (lease_commit.h). Workers act on an outcome
	 * within a loop, so this wait is short. */
	if (held_min <= __atomic_load_n(&c->out.done_seq, __ATOMIC_RELAXED))
		return LC_NOTHING;
	__atomic_store_n(&c->out.lost_seq, c->b->rec[c->b->count - 1].seq, __ATOMIC_RELAXED);
	publish_done(c);
	c->given_up++;
	c->records_lost += c->b->count;
	c->failing++;
	return LC_GAVE_UP;
}

/* Is seq one of the published lost claims? Binary search of the list. */
static bool
claim_lost(const struct lc_outcome *o, uint64_t seq)
{
	uint32_t lo = 0, hi = o->nb_lost_claims, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (o->lost_claims[mid] == seq)
			return true;
		if (o->lost_claims[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

enum lc_fate
lc_ack_fate(const struct lc_outcome *o, uint64_t seq)
{
	if (seq > __atomic_load_n(&o->done_seq, __ATOMIC_ACQUIRE))
		return LC_WAIT;
	if (seq <= __atomic_load_n(&o->lost_seq, __ATOMIC_RELAXED))
		return LC_DROP;
	return claim_lost(o, seq) ? LC_LOST : LC_SEND;
}
