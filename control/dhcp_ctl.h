/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp_ctl.h: the control side of DHCP: the config snapshot the dataplane
 * decides with, the durable lease store behind its commits, and the
 * lease listing the API serves.
 *
 * Errors, as everywhere in control/: 0 (or a count) or -errno; pointer
 * functions return NULL and set errno. Set-up functions that can say why
 * fill the caller's message buffer and print nothing (only main.c prints);
 * failures with no caller to return to (background threads) are logged
 * through util/log.h.
 */
#ifndef RB_CONTROL_DHCP_CTL_H
#define RB_CONTROL_DHCP_CTL_H

#include <stdint.h>

#include "config.h"
#include "dpchan.h"
#include "leasedb.h"

struct dhcp_ctl {
	const struct rb_config *cfg;
	struct leasedb *db; /* NULL unless dhcp.mode is server */
	uint64_t committed_batches, committed_records, failed_batches; /* channel thread writes */
	uint64_t lost_claims; /* records another server's client held (channel thread) */
	uint64_t last_seq;    /* the newest change stored (rb_lease_rec.seq); channel thread */
	struct lease_cursor feed_cursor; /* a shared store's changes before the start-up load */
	uint64_t loaded, load_skipped;
};

/*
 * Open the lease database when the mode needs one, as the file of uid:gid
 * (leasedb_open_owned()). 0, or -errno with a reason in msg.
 */
int dhcp_ctl_open(struct dhcp_ctl *dc, const struct rb_config *cfg, uid_t uid, gid_t gid, char *msg,
		  size_t cap);
void dhcp_ctl_close(struct dhcp_ctl *dc);

/* The dataplane's DHCP snapshot from a validated config (pure). */
void dhcp_ctl_dp_config(const struct rb_config *cfg, struct rb_dhcp_dp_config *out);

/* dpchan_setup_fn: DHCP_CONFIG, reservations and stored leases. */
int dhcp_ctl_setup(struct dpchan *c, void *arg);

/*
 * dpchan_commit_fn: one lease batch, one transaction, its records applied
 * in sequence order. 0, -EIO (the store failed; nothing of the batch
 * stored), -EPROTO (a record older than one already stored: refused),
 * -E2BIG (more than RB_LEASE_BATCH_MAX records). With 0, the claims that
 * lost (a shared store: leasedb_claim()) are in lost[0 .. *nb_lost), each
 * the address's row as stored, its seq the lost record's.
 */
int dhcp_ctl_commit(const struct rb_lease_batch *b, void *arg, struct rb_lease_rec *lost,
		    uint32_t *nb_lost);

/*
 * The lease database as a JSON array text (leasedb_json()'s form; the API's
 * GET /api/v1/leases): every row, or those in state (bound, released,
 * declined, expired). NULL with errno set and why in err: ENOENT when
 * there is no database (dhcp.mode is not server), EINVAL for another state.
 */
char *dhcp_ctl_leases(struct dhcp_ctl *dc, const char *state, char *err, size_t cap);

#endif
