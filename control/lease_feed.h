/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lease_feed.h: other servers' lease changes, read from a shared lease
 * store (leasedb_changes()) every dhcp.database_poll_ms and sent to the
 * dataplane as LEASE_LOAD batches, which it applies to its table at any
 * time after start-up. Offers then rarely collide with another server's
 * clients; when they do, the claim at commit loses and the client gets a
 * NAK (docs/architecture.md, "Several servers").
 *
 * One thread per feed; it owns its cursor. Errors reading the store are
 * logged once per streak and retried at the next poll.
 */
#ifndef RB_CONTROL_LEASE_FEED_H
#define RB_CONTROL_LEASE_FEED_H

#include <stddef.h>
#include <stdint.h>

struct leasedb;
struct dpchan;
struct lease_feed;
struct lease_cursor;

/*
 * Start reading db's changes after cursor (leasedb_changes_head() taken
 * before the start-up load) every poll_ms, sending them on c. Returns the
 * feed, or NULL with errno set and a reason in msg.
 */
struct lease_feed *lease_feed_start(struct leasedb *db, struct dpchan *c,
				    const struct lease_cursor *cursor, unsigned poll_ms, char *msg,
				    size_t cap);

/* Stop the thread (within one query) and free the feed. NULL is a no-op. */
void lease_feed_stop(struct lease_feed *f);

/* Changes sent to the dataplane so far (any thread). */
uint64_t lease_feed_learned(const struct lease_feed *f);

#endif
