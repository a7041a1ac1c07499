/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pg_util.h: what the two PostgreSQL stores share. The lease store
 * (control/leasedb_pg.c) and the host lifecycle's
 * (control/lifecycle/lcstore_pg.c) each keep a connection of their own to
 * the database dhcp.database names: both open it with the same
 * credentials, check their schema the same way (a row each in the table
 * schema_version, under one advisory lock every server shares), and reset
 * a connection found broken the same way.
 *
 * Errors: 0 or -errno with the reason in msg; pointer functions return
 * NULL and set errno. Nothing is printed.
 */
#ifndef RB_CONTROL_PG_UTIL_H
#define RB_CONTROL_PG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libpq-fe.h>

/* pg_advisory_xact_lock key: "rackboot" in ASCII, shared by every server. */
#define PG_LOCK_KEY "7233174022645165172"

/* leasedb_is_uri() and leasedb_uri_check() (leasedb.h), which the
 * configuration checks use. */
bool pg_is_uri(const char *where);
int pg_uri_check(const char *uri, char *msg, size_t cap);

/* libpq's last message on conn without its trailing newline, in buf. */
const char *pg_err(PGconn *conn, char *buf, size_t cap);

/* Run sql; true when its result has status want. */
bool pg_exec_ok(PGconn *conn, const char *sql, ExecStatusType want);

/* One store's schema. */
struct pg_schema {
	const char *component; /* its row in schema_version: "leases", "lifecycle" */
	int version;	       /* the version this code reads and writes */
	const char *table;     /* its main table: there without a version row, not ours */
	const char *what;      /* "lease database": for messages */
	const char *sql;       /* creates what is missing (IF NOT EXISTS) */
	/* upgrades[v - 1] takes a store of version v to v + 1, for v from 1
	 * to version - 1 (NULL when version is 1). */
	const char *const *upgrades;
};

/*
 * In one transaction under the advisory lock (two servers starting at once
 * do not both create): refuse a newer version (-ENOTSUP) or a main table
 * without a version row (-EINVAL), bring an older version up to date
 * (s->upgrades, in order, then its row), then create schema_version, the
 * store's row in it and what s->sql makes. 0 or -errno with msg.
 */
int pg_schema_check(PGconn *conn, const struct pg_schema *s, char *msg, size_t cap);

/* A prepared statement, made again on every new connection. */
struct pg_statement {
	const char *name, *sql;
	int nparams;
};

/* A store's connection, which mends itself (pg_link_usable()). */
struct pg_link {
	PGconn *conn;
	bool broken;		/* a pipeline or a call was cut short: reset before use */
	uint64_t next_reset_ms; /* CLOCK_MONOTONIC: no reset attempt before it */
	const struct pg_statement *stmts;
	size_t nstmts;
	const char *log; /* the prefix of its log lines: "lease db" */
};

/*
 * Connect l to uri (no password in it: pg_uri_check()), check and
 * create the schema (pg_schema_check()), prepare l->stmts. The password is
 * read from password_file when it is not NULL or empty (a file only uid
 * may read, owned_file.h; one line, at most LEASEDB_PASSWORD_MAX bytes),
 * else libpq finds it (PGPASSWORD, PGPASSFILE, ~/.pgpass) if the server
 * asks for one. 0, or -errno with msg and l->conn NULL: -EINVAL (the URI,
 * the file's content), the file's errors (owned_file.h), -ECONNREFUSED
 * when the server cannot be reached or refuses us, the schema's, -EIO.
 */
int pg_link_open(struct pg_link *l, const char *uri, const char *password_file, uid_t uid,
		 const struct pg_schema *s, char *msg, size_t cap);
void pg_link_close(struct pg_link *l);

/*
 * A broken connection is tried again at most this often: while the
 * database is down, every call in between fails at once instead of
 * waiting for a connect (the channel thread must answer commits).
 */
#define PG_RESET_MS 1000

/*
 * Called with the owner's lock held before each use: a connection that
 * broke is reset (at most every PG_RESET_MS) and its statements made
 * again. True when it is usable.
 */
bool pg_link_usable(struct pg_link *l);

/*
 * Run prepared statement name (a select) with the owner's lock held. The
 * result, the caller's to clear, or NULL: the connection is down (not
 * logged: the writes say so once per streak), or the query failed (logged).
 */
PGresult *pg_link_select(struct pg_link *l, const char *name, int nparams,
			 const char *const *params);

/*
 * The end of a write sent as one pipeline (PQenterPipelineMode, n
 * statements, PQpipelineSync): read each statement's result, which must
 * have status want (each(arg, k, r) is called for those that do), then
 * the Sync's, and leave pipeline mode. 0 when every statement succeeded
 * (the implicit transaction committed); -EIO with the reason in err
 * otherwise, the link marked broken when only a reset mends it.
 */
int pg_pipeline_finish(struct pg_link *l, size_t n, ExecStatusType want,
		       void (*each)(void *arg, size_t k, const PGresult *r), void *arg, char *err,
		       size_t cap);

/* A pipeline cut short (a send failed): libpq's message in err unless it
 * holds one, the link marked broken. Returns -EIO. */
int pg_link_fail(struct pg_link *l, char *err, size_t cap);

#endif
