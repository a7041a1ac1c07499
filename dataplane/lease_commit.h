/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lease_commit.h: the group commit's bookkeeping, pure C (no DPDK), so the
 * unit tests drive it on a fake clock.
 *
 * Lease records carry the global sequence number the DHCP server gave them
 * under the table's lock (rb_lease_rec.seq) and reach the main lcore in
 * that order (one queue, filled under the same lock: dataplane/dhcp_tx.c).
 * The main lcore takes what is waiting as one batch, at most one batch in
 * flight, and learns its outcome from the control. A batch that fails is
 * sent again after LC_RETRY_MS, then twice that, ... ; after LC_ATTEMPTS
 * failed attempts it is given up: its records never reached the disk, the
 * ACKs waiting for them are never sent, and the next batch goes.
 *
 * The outcome of every record is published to the workers as two numbers,
 * struct lc_outcome: records up to done_seq have an outcome, and those up
 * to lost_seq that are not older than the last give-up were given up. A
 * worker asks lc_ack_fate() for the record its held ACK waits for. For the
 * second number to be enough, a batch is given up only when no worker
 * still holds an ACK whose record already has an outcome (lc_poll()'s
 * held_min): then every held ACK at or below the new lost_seq is one of the
 * given-up batch's.
 *
 * A committed batch may also carry claims that lost (a lease store shared
 * with other servers: another server's client holds the address). Their
 * sequence numbers are published with the batch's outcome in
 * lost_claims[]; a worker whose held ACK waits for one sends a NAK instead.
 * That list is replaced by the next batch's, so the next batch is taken
 * only once no worker still holds an ACK at or below the list's batch
 * (held_min again): every held ACK that could be in it has been decided.
 *
 * Who calls: the main lcore (everything but lc_ack_fate), the workers
 * (lc_ack_fate). The outcome's fields are written with release/acquire
 * atomics; nothing else is shared.
 */
#ifndef RB_DP_LEASE_COMMIT_H
#define RB_DP_LEASE_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel.h"

/* Attempts at one batch before it is given up (docs/security.md). */
#define LC_ATTEMPTS 4
/* Pause after the first failed attempt; it doubles after each further one
 * (100, 200, 400 ms: all attempts fit well inside DP_HELD_TIMEOUT_MS). */
#define LC_RETRY_MS 100

struct lc_outcome {
	uint64_t done_seq; /* main lcore: store-release; workers: load-acquire */
	uint64_t lost_seq; /* written before done_seq moves past it */
	/* The lost claims of the last committed batch, ascending; written
	 * before done_seq moves past them. */
	uint32_t nb_lost_claims;
	uint64_t lost_claims[RB_LEASE_BATCH_MAX];
};

struct lcommit {
	struct rb_lease_batch *b; /* the batch in flight, kept for its retries */
	uint32_t next_batch;
	bool in_flight, failed;
	unsigned attempts; /* failed attempts at b */
	uint64_t retry_ms; /* when b may be sent again */
	int last_error;	   /* status of b's last attempt */
	unsigned failing;  /* batches given up since the last commit */
	struct lc_outcome out;
	/* Statistics (main lcore). */
	uint64_t batches, committed, given_up, records_lost, claims_lost;
};

/* What the main lcore must do now. */
enum lc_action {
	LC_NOTHING = 0, /* wait */
	LC_TAKE,	/* take records into lc_slots() and call lc_start() */
	LC_RESEND,	/* send lc_batch() again (then lc_sent()) */
	LC_GAVE_UP,	/* the batch in flight was given up (log it; see failing) */
};

/* What a worker does with a held ACK. */
enum lc_fate {
	LC_WAIT = 0, /* its record has no outcome yet */
	LC_SEND,     /* its record is on disk */
	LC_DROP,     /* its record was given up: never send it */
	LC_LOST,     /* its claim lost to another server: send a NAK instead */
};

/* 0, or -ENOMEM. */
int lc_init(struct lcommit *c);
void lc_fini(struct lcommit *c);

/* Where LC_TAKE's records go: room for RB_LEASE_BATCH_MAX. */
struct rb_lease_rec *lc_slots(struct lcommit *c);

/*
 * n records were taken into lc_slots() (in sequence order): they become
 * the batch in flight. Returns its message size; send lc_batch() then call
 * lc_sent(). n == 0 is a no-op returning 0.
 */
size_t lc_start(struct lcommit *c, uint32_t n);
const struct rb_lease_batch *lc_batch(const struct lcommit *c, size_t *bytes);

/* The send of the batch in flight failed with err (< 0) at now_ms: an attempt. */
void lc_send_failed(struct lcommit *c, int err, uint64_t now_ms);

/* Is the control's answer for batch the one the batch in flight waits for? */
bool lc_expects(const struct lcommit *c, uint32_t batch);

/*
 * The control's answer: status 0 (committed) or -errno, at now_ms, and
 * with 0 the sequence numbers of the claims that lost (lost[0 .. nb_lost),
 * any order; numbers not of this batch are ignored). An answer for another
 * batch than the one in flight is ignored. Returns true when it moved the
 * outcome (a commit).
 */
bool lc_done(struct lcommit *c, uint32_t batch, int status, const uint64_t *lost, uint32_t nb_lost,
	     uint64_t now_ms);

/*
 * What to do at now_ms. held_min: the lowest record sequence any worker
 * still holds an ACK for (UINT64_MAX: none).
 */
enum lc_action lc_poll(struct lcommit *c, uint64_t now_ms, uint64_t held_min);

/* Worker side: the fate of the ACK waiting for record seq. */
enum lc_fate lc_ack_fate(const struct lc_outcome *o, uint64_t seq);

#endif
