/* SPDX-License-Identifier: BSD-3-Clause */
/* pg_util.c: see pg_util.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "leasedb.h"
#include "log.h"
#include "monoclock.h"
#include "owned_file.h"
#include "pg_util.h"

/* Seconds libpq waits for a connection. */
#define PG_CONNECT_TIMEOUT "10"

bool
pg_is_uri(const char *where)
{
	return where &&
	       (!strncmp(where, "postgresql://", 13) || !strncmp(where, "postgres://", 11));
}

int
pg_uri_check(const char *uri, char *msg, size_t cap)
{
	PQconninfoOption *opts, *o;
	char *err = NULL;
	int ret = 0;

	if (!pg_is_uri(uri)) {
		snprintf(msg, cap, "not a postgresql:// URI");
		return -EINVAL;
	}
	opts = PQconninfoParse(uri, &err);
	if (!opts) {
		/* libpq's message names the bad part, not the password. */
		snprintf(msg, cap, "not a PostgreSQL URI libpq accepts: %s",
			 err ? err : "out of memory");
		PQfreemem(err);
		return -EINVAL;
	}
	for (o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && *o->val) {
			snprintf(msg, cap,
				 "the URI carries a password: put it in "
				 "dhcp.database_password_file (or PGPASSFILE) instead");
			ret = -EINVAL;
		}
	PQconninfoFree(opts);
	return ret;
}

/*
 * The password in path, a file only uid may read (owned_file.h): one line
 * (a final newline is dropped), not empty, no NUL, at most
 * LEASEDB_PASSWORD_MAX bytes. 0 or -errno with the reason in msg.
 */
static int
read_password(const char *path, uid_t uid, char *pw, size_t cap, char *msg, size_t msg_cap)
{
	ssize_t n;
	size_t len;
	int fd, e;

	fd = owned_file_open(path, uid, 077, "database password", msg, msg_cap);
	if (fd < 0)
		return fd;
	n = read(fd, pw, cap);
	e = errno;
	close(fd);
	if (n < 0) {
		snprintf(msg, msg_cap, "%s: %s", path, strerror(e));
		return -e;
	}
	len = (size_t)n;
	if (len && pw[len - 1] == '\n')
		len--;
	if (len && pw[len - 1] == '\r')
		len--;
	if (!len || len >= cap || memchr(pw, '\0', len) || memchr(pw, '\n', len)) {
		explicit_bzero(pw, cap);
		snprintf(msg, msg_cap,
			 "%s: does not hold a database password (one line of 1 to %d bytes)", path,
			 LEASEDB_PASSWORD_MAX);
		return -EINVAL;
	}
	pw[len] = '\0';
	return 0;
}

const char *
pg_err(PGconn *conn, char *buf, size_t cap)
{
	size_t n;

	snprintf(buf, cap, "%s", conn ? PQerrorMessage(conn) : strerror(ENOMEM));
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return buf;
}

bool
pg_exec_ok(PGconn *conn, const char *sql, ExecStatusType want)
{
	PGresult *r = PQexec(conn, sql);
	bool ok = PQresultStatus(r) == want;

	PQclear(r);
	return ok;
}

/* A connection to uri with the password of password_file (or libpq's). */
static PGconn *
pg_open(const char *uri, const char *password_file, uid_t uid, char *msg, size_t cap)
{
	char pw[LEASEDB_PASSWORD_MAX + 1], err[256];
	const char *keys[] = {"dbname", "fallback_application_name", "connect_timeout", "password",
			      NULL};
	const char *vals[] = {uri, "rackboot", PG_CONNECT_TIMEOUT, pw, NULL};
	bool with_pw = password_file && *password_file;
	PGconn *conn;
	int ret;

	ret = pg_uri_check(uri, msg, cap);
	if (!ret && with_pw)
		ret = read_password(password_file, uid, pw, sizeof(pw), msg, cap);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	/* With no password, the list ends before its key: libpq then looks in
	 * PGPASSWORD and the password file. */
	if (!with_pw)
		keys[3] = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	explicit_bzero(pw, sizeof(pw));
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		/* Not the URI: name the database by what libpq resolved. */
		snprintf(msg, cap, "postgresql: cannot connect: %s",
			 pg_err(conn, err, sizeof(err)));
		PQfinish(conn);
		errno = ECONNREFUSED;
		return NULL;
	}
	return conn;
}

/* The version row of s->component (0: none) and whether s->table exists. */
static int
read_schema(PGconn *conn, const struct pg_schema *s, long *version, bool *table)
{
	const char *params[2] = {s->component, s->table};
	PGresult *r;

	r = PQexecParams(conn,
			 "SELECT to_regclass('schema_version') IS NOT NULL,"
			 " to_regclass($1::text) IS NOT NULL",
			 1, NULL, params + 1, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return -EIO;
	}
	*table = *PQgetvalue(r, 0, 1) == 't';
	*version = 0;
	if (*PQgetvalue(r, 0, 0) != 't') {
		PQclear(r);
		return 0;
	}
	PQclear(r);
	r = PQexecParams(conn, "SELECT version FROM schema_version WHERE component = $1", 1, NULL,
			 params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return -EIO;
	}
	if (PQntuples(r) == 1)
		*version = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

/* From version (>= 1) to s->version: each step's SQL, then the row. In
 * the caller's transaction: a step that fails leaves the old version. */
static int
upgrade(PGconn *conn, const struct pg_schema *s, long version)
{
	char ver[16];
	const char *params[2] = {s->component, ver};
	PGresult *r;
	int ret;

	for (long v = version; v < s->version; v++)
		if (!s->upgrades || !s->upgrades[v - 1] ||
		    !pg_exec_ok(conn, s->upgrades[v - 1], PGRES_COMMAND_OK))
			return -EIO;
	snprintf(ver, sizeof(ver), "%d", s->version);
	r = PQexecParams(conn,
			 "UPDATE schema_version SET version = $2::integer WHERE component = $1", 2,
			 NULL, params, NULL, NULL, 0);
	ret = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -EIO;
	PQclear(r);
	return ret;
}

int
pg_schema_check(PGconn *conn, const struct pg_schema *s, char *msg, size_t cap)
{
	char err[256], ver[16];
	const char *params[2] = {s->component, ver};
	PGresult *r;
	bool table = false;
	long version = 0;
	int ret = -EIO;

	snprintf(ver, sizeof(ver), "%d", s->version);
	if (!pg_exec_ok(conn, "BEGIN", PGRES_COMMAND_OK) ||
	    !pg_exec_ok(conn, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")", PGRES_TUPLES_OK) ||
	    read_schema(conn, s, &version, &table))
		goto db_error;
	if (version > s->version) {
		snprintf(msg, cap,
			 "%s: %s schema version %ld is newer than this rackboot supports (%d)",
			 PQdb(conn), s->what, version, s->version);
		ret = -ENOTSUP;
		goto out;
	}
	if (version < 1 && table) {
		snprintf(msg, cap, "%s: not a %s: a %s table without a schema version", PQdb(conn),
			 s->what, s->table);
		ret = -EINVAL;
		goto out;
	}
	if (version >= 1 && version < s->version && upgrade(conn, s, version))
		goto db_error;
	if (!pg_exec_ok(conn,
			"CREATE TABLE IF NOT EXISTS schema_version ("
			" component text PRIMARY KEY,"
			" version integer NOT NULL)",
			PGRES_COMMAND_OK))
		goto db_error;
	r = PQexecParams(conn,
			 "INSERT INTO schema_version (component, version) VALUES ($1, $2::integer)"
			 " ON CONFLICT (component) DO NOTHING",
			 2, NULL, params, NULL, NULL, 0);
	ret = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -EIO;
	PQclear(r);
	if (ret || !pg_exec_ok(conn, s->sql, PGRES_COMMAND_OK) ||
	    !pg_exec_ok(conn, "COMMIT", PGRES_COMMAND_OK)) {
		ret = -EIO;
		goto db_error;
	}
	return 0;
db_error:
	snprintf(msg, cap, "%s: %s", PQdb(conn), pg_err(conn, err, sizeof(err)));
out:
	pg_exec_ok(conn, "ROLLBACK", PGRES_COMMAND_OK);
	return ret;
}

static bool
prepare_all(const struct pg_link *l)
{
	for (size_t i = 0; i < l->nstmts; i++) {
		PGresult *r = PQprepare(l->conn, l->stmts[i].name, l->stmts[i].sql,
					l->stmts[i].nparams, NULL);
		bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;

		PQclear(r);
		if (!ok)
			return false;
	}
	return true;
}

int
pg_link_open(struct pg_link *l, const char *uri, const char *password_file, uid_t uid,
	     const struct pg_schema *s, char *msg, size_t cap)
{
	char err[256];
	int ret;

	l->conn = pg_open(uri, password_file, uid, msg, cap);
	if (!l->conn)
		return -errno;
	ret = pg_schema_check(l->conn, s, msg, cap);
	if (!ret && !prepare_all(l)) {
		snprintf(msg, cap, "%s: %s", PQdb(l->conn), pg_err(l->conn, err, sizeof(err)));
		ret = -EIO;
	}
	if (ret) {
		PQfinish(l->conn);
		l->conn = NULL;
	}
	return ret;
}

void
pg_link_close(struct pg_link *l)
{
	PQfinish(l->conn);
	l->conn = NULL;
}

bool
pg_link_usable(struct pg_link *l)
{
	uint64_t now;

	if (PQstatus(l->conn) == CONNECTION_OK && !l->broken)
		return true;
	now = rb_mono_ms();
	if (now < l->next_reset_ms)
		return false;
	l->next_reset_ms = now + PG_RESET_MS;
	PQreset(l->conn);
	if (PQpipelineStatus(l->conn) != PQ_PIPELINE_OFF)
		PQexitPipelineMode(l->conn);
	l->broken = PQstatus(l->conn) != CONNECTION_OK ||
		    PQpipelineStatus(l->conn) != PQ_PIPELINE_OFF || !prepare_all(l);
	return !l->broken;
}

PGresult *
pg_link_select(struct pg_link *l, const char *name, int nparams, const char *const *params)
{
	char err[256];
	PGresult *r;

	if (!pg_link_usable(l))
		return NULL;
	r = PQexecPrepared(l->conn, name, nparams, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		RB_ERR("%s: %s", l->log, pg_err(l->conn, err, sizeof(err)));
		PQclear(r);
		return NULL;
	}
	return r;
}

int
pg_link_fail(struct pg_link *l, char *err, size_t cap)
{
	if (!err[0])
		pg_err(l->conn, err, cap);
	/* What is left of the pipeline is of no use: the owner resets the
	 * connection before its next use. */
	l->broken = true;
	return -EIO;
}

int
pg_pipeline_finish(struct pg_link *l, size_t n, ExecStatusType want,
		   void (*each)(void *arg, size_t k, const PGresult *r), void *arg, char *err,
		   size_t cap)
{
	PGresult *r;
	int ret = 0;

	/* Each statement: a result then NULL; then the Sync's result. */
	for (size_t k = 0; k < n; k++) {
		r = PQgetResult(l->conn);
		if (!r)
			return pg_link_fail(l, err, cap);
		if (PQresultStatus(r) != want) {
			if (!ret && PQresultStatus(r) != PGRES_PIPELINE_ABORTED)
				snprintf(err, cap, "%s", PQresultErrorMessage(r));
			ret = -EIO;
		} else if (each) {
			each(arg, k, r);
		}
		PQclear(r);
		while ((r = PQgetResult(l->conn)) != NULL)
			PQclear(r);
	}
	r = PQgetResult(l->conn);
	if (PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
		PQclear(r);
		return pg_link_fail(l, err, cap);
	}
	PQclear(r);
	if (!PQexitPipelineMode(l->conn))
		return pg_link_fail(l, err, cap);
	if (ret && !err[0])
		snprintf(err, cap, "a statement of the write failed");
	return ret;
}
