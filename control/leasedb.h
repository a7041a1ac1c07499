/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * leasedb.h: the durable lease store, SQLite in WAL mode with
 * synchronous=FULL.
 *
 * One row per address: a lease change replaces the row of its address, so
 * the table can never say one address belongs to two clients. The
 * dataplane's commit batches land here as one transaction each (group
 * commit: one fsync for many leases); the dataplane sends the batch's ACKs
 * only after leasedb_commit() returned 0.
 *
 * Thread safety: every function may be called from any thread. Commits
 * go through one connection under one mutex (the channel thread), reads
 * (listings for the API, lookups) through a second, read-only one under
 * another: in WAL mode a listing never holds up a commit.
 *
 * Errors, as everywhere in control/: 0 (or a count) or -errno; pointer
 * functions return NULL and set errno. Set-up functions that can say why
 * fill the caller's message buffer and print nothing (only main.c prints);
 * failures with no caller to return to (background threads) are logged
 * through util/log.h.
 */
#ifndef RB_CONTROL_LEASEDB_H
#define RB_CONTROL_LEASEDB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "channel.h"

struct leasedb;

/*
 * Open (creating it and its schema if needed) the database at path, the
 * file of uid:gid, the user rackboot runs as. Missing parent directories
 * are created 0755 (the last one uid's), a missing file 0600 uid's. The
 * file and its -wal and -shm, where they exist, must be regular files
 * (not symbolic links) owned by uid that neither the group may write nor
 * others read (owned_file.h); a root caller's SQLite gives the -wal and
 * -shm it makes the database's owner. Returns NULL with errno set and a
 * reason in msg (naming the file and the fix) on failure.
 */
struct leasedb *leasedb_open_owned(const char *path, uid_t uid, gid_t gid, char *msg, size_t cap);

/*
 * What leasedb_open_owned() does to the file before SQLite opens it: the
 * directories and an empty file made, the file (and its -wal and -shm)
 * checked. For a caller that lets another connection (control/lifecycle's
 * store) open the file first. 0, or -errno with msg.
 */
int leasedb_prepare(const char *path, uid_t uid, gid_t gid, char *msg, size_t cap);

/* leasedb_open_owned() by and for the calling user (its effective ids). */
struct leasedb *leasedb_open(const char *path, char *msg, size_t cap);
void leasedb_close(struct leasedb *db);

/*
 * Store n records in one transaction: each replaces the row of its address.
 * Returns 0 once the transaction is durable, or -EIO (the transaction was
 * rolled back; the store is as before). The first failure of a streak is
 * logged with its reason, and the first success after one.
 */
int leasedb_commit(struct leasedb *db, const struct rb_lease_rec *recs, size_t n);

/*
 * Call fn for every stored record, in address order, until fn returns
 * non-zero (which is then returned). 0 when all were visited, -EIO on a
 * read error.
 */
int leasedb_foreach(struct leasedb *db, int (*fn)(const struct rb_lease_rec *, void *), void *arg);

/* The row of address ip (network order): 0, -ENOENT when there is none,
 * -EIO on a read error. */
int leasedb_get(struct leasedb *db, uint32_t ip, struct rb_lease_rec *out);

/*
 * The leases as a JSON array (malloc'd, NUL-terminated, caller frees):
 * [{"address": "198.18.0.100", "state": "bound", "mac": "52:54:00:..",
 *   "client_id": "01525400...", "hostname": "node1", "expires": 1764070000,
 *   "expires_in": 3599, "updated": 1764066400}, ...]
 * state_filter NULL lists every row; otherwise only rows in that state
 * ("bound", "released", "declined", "expired"). Returns NULL with errno set.
 */
char *leasedb_json(struct leasedb *db, uint32_t now, const char *state_filter);

/* Name of an enum rb_lease_state ("bound", ...), or "unknown". */
const char *leasedb_state_name(unsigned state);

#endif
