/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * leasedb.h: the durable lease store, whichever backend holds it: SQLite
 * (a file path, the default: WAL mode, synchronous=FULL, one server) or
 * PostgreSQL (a postgresql:// URI: several servers sharing one database;
 * control/leasedb_pg.c).
 *
 * One row per address: a lease change replaces the row of its address, so
 * the table can never say one address belongs to two clients. The
 * dataplane's commit batches land here as one transaction each (group
 * commit: one fsync for many leases); the dataplane sends the batch's ACKs
 * only after the commit returned, and only for the records it did not
 * lose (leasedb_claim()).
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "channel.h"

struct leasedb;

/*
 * Open (creating it and its schema if needed) the lease store at where:
 * a postgresql:// (or postgres://) URI, or else an SQLite file path, the
 * file of uid:gid, the user rackboot runs as. SQLite: missing parent
 * directories are created 0755 (the last one uid's), a missing file 0600
 * uid's; the file and its -wal and -shm, where they exist, must be regular
 * files (not symbolic links) owned by uid that neither the group may write
 * nor others read (owned_file.h); a root caller's SQLite gives the -wal
 * and -shm it makes the database's owner. PostgreSQL: the URI carries no
 * password (leasedb_uri_check()); the password is read from password_file
 * when it is not NULL (a file only uid may read, owned_file.h; one line,
 * at most LEASEDB_PASSWORD_MAX bytes), else libpq finds it (PGPASSWORD,
 * PGPASSFILE, ~/.pgpass) if the server asks for one. A schema newer than
 * this code is refused. Returns NULL with errno set and a reason in msg
 * (naming the file and the fix) on failure.
 */
struct leasedb *leasedb_connect(const char *where, const char *password_file, uid_t uid, gid_t gid,
				char *msg, size_t cap);

/* leasedb_connect(where, NULL, uid, gid, ...). */
struct leasedb *leasedb_open_owned(const char *where, uid_t uid, gid_t gid, char *msg, size_t cap);

/* leasedb_open_owned() by and for the calling user (its effective ids). */
struct leasedb *leasedb_open(const char *where, char *msg, size_t cap);

/*
 * What leasedb_open_owned() does to an SQLite file before SQLite opens it:
 * the directories and an empty file made, the file (and its -wal and
 * -shm) checked; nothing for a PostgreSQL URI. For a caller that lets
 * another connection (control/lifecycle's store) open the file first. 0,
 * or -errno with msg.
 */
int leasedb_prepare(const char *where, uid_t uid, gid_t gid, char *msg, size_t cap);
void leasedb_close(struct leasedb *db);

#define LEASEDB_PASSWORD_MAX 1024

/* Does where name a PostgreSQL database (a postgresql:// or postgres:// URI)? */
bool leasedb_is_uri(const char *where);

/*
 * Which backend a database location names, for the lease store and the
 * lifecycle store alike: 1 a postgresql:// URI, 0 a SQLite file path; -1
 * with errno EINVAL and a message in msg ("<what> path is empty", or a
 * password file given with a file path).
 */
int leasedb_where_kind(const char *where, const char *password_file, const char *what, char *msg,
		       size_t cap);

/*
 * Is uri a PostgreSQL URI libpq accepts, with no password in it (neither
 * user:password@ nor a password= parameter)? 0, or -EINVAL with the reason
 * in msg. The URI is never copied into msg whole, so no secret leaks into
 * a log.
 */
int leasedb_uri_check(const char *uri, char *msg, size_t cap);

/* "sqlite" or "postgresql". */
const char *leasedb_backend(const struct leasedb *db);

/*
 * Store n records in one transaction, in array order (the caller sorts
 * them by seq). SQLite, the only writer: each replaces the row of its
 * address. PostgreSQL, shared with other servers: each is a claim that
 * replaces the row only when the address is free for it: no row, or a row
 * of the same client, or a row in state free, released or expired, or a
 * bound or declined row whose expiry is not after the record's `updated`
 * time. A claim that loses leaves the row as it is, and lost[i] is set to
 * 1 (lost may be NULL; the caller zeroes it). Returns the number of claims
 * lost (0 with SQLite) once the transaction is durable, or -EIO (rolled
 * back; the store is as before). The first failure of a streak is logged
 * with its reason, and the first success after one.
 */
int leasedb_claim(struct leasedb *db, const struct rb_lease_rec *recs, size_t n, uint8_t *lost);

/* leasedb_claim(db, recs, n, NULL). */
int leasedb_commit(struct leasedb *db, const struct rb_lease_rec *recs, size_t n);

/*
 * Where a reader of a shared store's changes is. A row's change number is
 * the writing transaction's (every row a transaction writes has the same
 * one); the reader has seen the rows numbered below change, and those
 * numbered change with an address up to ip (host byte order; above
 * UINT32_MAX: all of them).
 */
struct lease_cursor {
	uint64_t change;
	uint64_t ip;
};

/*
 * The rows other servers changed since *cursor, by change number then
 * address, at most cap into out; *cursor moves past those looked at (this
 * handle's own writes are passed over). Only the changes of transactions
 * that have ended are read: the cursor never passes a transaction still
 * open, so a change is never numbered below one already read, whatever
 * order the transactions commit in. Returns how many went into out (0
 * with *cursor moved is possible: only our own), or -ENOTSUP (a store with
 * one writer: SQLite), -EIO.
 */
int leasedb_changes(struct leasedb *db, struct lease_cursor *cursor, struct rb_lease_rec *out,
		    size_t cap);

/* The cursor before the oldest transaction still open, for a reader about
 * to read every row. 0, -ENOTSUP (SQLite) or -EIO. */
int leasedb_changes_head(struct leasedb *db, struct lease_cursor *cursor);

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
