/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sqlite_util.h: what the two SQLite stores share. The lease store
 * (control/leasedb_sqlite.c) and the host lifecycle's
 * (control/lifecycle/lcstore_sqlite.c) live in one file, each with its own
 * connection and its own key in the table `meta` (key TEXT PRIMARY KEY,
 * value INTEGER): its schema version.
 *
 * Errors: SQLite result codes where named, else 0 or -errno with the
 * reason in msg (msg may be NULL when cap is 0).
 */
#ifndef RB_CONTROL_SQLITE_UTIL_H
#define RB_CONTROL_SQLITE_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

/* A one-row, one-integer query: SQLITE_ROW with *out set, SQLITE_DONE when
 * there was no row, or the error. */
int sqlite_query_int(sqlite3 *db, const char *sql, sqlite3_int64 *out);

/* Whether the file has a table called name: SQLITE_ROW with *out, or the error. */
int sqlite_has_table(sqlite3 *db, const char *name, bool *out);

/* What a file holds before a store changes anything in it. */
struct sqlite_meta {
	bool empty;	       /* no table at all: a new database */
	bool has_meta;	       /* a table `meta` */
	bool has_key;	       /* ... with a row for the store's key */
	sqlite3_int64 version; /* that row's value */
};

/*
 * Read it for the store whose version is under key: 0; -EINVAL for a file
 * that is not an SQLite database ("<path>: not a <what>: ..."); -EIO.
 */
int sqlite_meta_read(sqlite3 *db, const char *path, const char *what, const char *key,
		     struct sqlite_meta *out, char *msg, size_t cap);

/*
 * WAL journal mode (-ENOTSUP when the file cannot have it), the
 * connection's synchronous setting ("FULL", "NORMAL"), then schema in one
 * IMMEDIATE transaction. 0 or -errno with the reason in msg.
 */
int sqlite_configure(sqlite3 *db, const char *path, const char *synchronous, const char *schema,
		     char *msg, size_t cap);

#endif
