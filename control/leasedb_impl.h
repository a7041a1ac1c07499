/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * leasedb_impl.h: what a lease store backend provides to leasedb.c, the
 * interface the rest of the control uses (leasedb.h). Only leasedb*.c
 * include this.
 *
 * A backend's handle starts with struct leasedb; leasedb.c checks the
 * arguments, then calls the backend's operation. Every operation is
 * thread-safe (the backend serialises its connection).
 */
#ifndef RB_CONTROL_LEASEDB_IMPL_H
#define RB_CONTROL_LEASEDB_IMPL_H

#include "leasedb.h"

struct leasedb_ops {
	const char *name; /* "sqlite", "postgresql" */
	void (*close)(struct leasedb *db);
	/* leasedb_claim()'s contract, n >= 1, lost zeroed by the caller. */
	int (*claim)(struct leasedb *db, const struct rb_lease_rec *recs, size_t n, uint8_t *lost);
	/* fn for every row (state < 0) or the rows of one state, address order. */
	int (*walk)(struct leasedb *db, int state, int (*fn)(const struct rb_lease_rec *, void *),
		    void *arg);
	int (*get)(struct leasedb *db, uint32_t ip, struct rb_lease_rec *out);
	/* leasedb_changes()'s contract; NULL when the store has one writer. */
	int (*changes)(struct leasedb *db, struct lease_cursor *cursor, struct rb_lease_rec *out,
		       size_t cap);
	int (*changes_head)(struct leasedb *db, struct lease_cursor *cursor);
};

struct leasedb {
	const struct leasedb_ops *ops;
};

/* leasedb_open_owned()'s and leasedb_prepare()'s SQLite halves. */
struct leasedb *leasedb_sqlite_open(const char *path, uid_t uid, gid_t gid, char *msg, size_t cap);
int leasedb_sqlite_prepare(const char *path, uid_t uid, gid_t gid, char *msg, size_t cap);
/* leasedb_connect()'s PostgreSQL half (pg_open(), pg_util.h). */
struct leasedb *leasedb_pg_open(const char *uri, const char *password_file, uid_t uid, char *msg,
				size_t cap);

/* Messages go to snprintf(msg, cap, ...): msg may be NULL when cap is 0. */

#endif
