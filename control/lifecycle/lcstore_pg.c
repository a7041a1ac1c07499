/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcstore_pg.c: the lifecycle's tables on PostgreSQL (see lcstore.h), in
 * the database the lease store uses (control/leasedb_pg.c), through a
 * connection of its own opened with the same credentials (pg_util.h).
 *
 * Several servers may share the database. host_state has one row per
 * host, whoever wrote it: a row replaces the stored one only when it is
 * not older (its `updated`, the writing server's clock), so two servers
 * that both see a host leave the newest state either saw, and a server
 * flushing late cannot undo a newer one. Event ids: each server numbers
 * its own events (the API's ids, in the column seq, counted on from the
 * largest seq stored when it starts); host_events.id, a bigserial, is the
 * database's order of all of them, used to keep the newest per host.
 *
 * A write is one transaction sent as one pipeline (one round trip however
 * many rows): its statements run in the implicit transaction the extended
 * protocol opens up to the Sync, so an error anywhere rolls all of it
 * back. One connection, serialised by a mutex; a connection found broken
 * is reset at the next call (at most every PG_RESET_MS), and while the
 * database is down every call fails at once with -EIO: the engine keeps
 * its states in memory and writes them again at its next flush.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "hex.h"
#include "lcstore_impl.h"
#include "log.h"
#include "pg_util.h"

/* The schema this code reads and writes; newer ones are refused. */
#define LCS_PG_SCHEMA_VERSION 1

#define HOST_COLS "mac, name, state, phase, since, token, reason, updated"
#define EVENT_COLS "seq, mac, time, kind, from_state, to_state, phase, detail"

/* Its version row is pg_schema_check()'s (pg_util.h). */
static const char SQL_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS host_state ("
    " mac text PRIMARY KEY," /* "52:54:00:12:34:56" */
    " name text NOT NULL,"
    " state text NOT NULL,"
    " phase text,"
    " since bigint NOT NULL," /* ms since the epoch, as every time here */
    " token text,"
    " reason text,"
    " updated bigint NOT NULL);"
    "CREATE TABLE IF NOT EXISTS host_events ("
    " id bigserial PRIMARY KEY," /* the database's order */
    " seq bigint NOT NULL,"	 /* the writing server's event id */
    " mac text,"
    " time bigint NOT NULL,"
    " kind text NOT NULL,"
    " from_state text,"
    " to_state text,"
    " phase text,"
    " detail text NOT NULL);"
    "CREATE INDEX IF NOT EXISTS host_events_mac ON host_events (mac, id);";

static const struct pg_schema schema = {
    .component = "lifecycle",
    .version = LCS_PG_SCHEMA_VERSION,
    .table = "host_state",
    .what = "lifecycle database",
    .sql = SQL_SCHEMA,
};

/* Everything older than the keep-th newest event of one MAC (or of none). */
#define TRIM(cond, off)                                                                            \
	"DELETE FROM host_events WHERE " cond " AND id <= (SELECT id FROM host_events WHERE " cond \
	" ORDER BY id DESC LIMIT 1 OFFSET " off ")"
/* The newest $n of one MAC (or of none), oldest first. */
#define EVENTS(cond, n)                                                                            \
	"SELECT " EVENT_COLS " FROM (SELECT * FROM host_events WHERE " cond                        \
	" ORDER BY id DESC LIMIT " n ") e ORDER BY id"

/* The prepared statements, made again on every new connection. */
static const struct pg_statement statements[] = {
    {"lc_put_host",
     "INSERT INTO host_state AS h (" HOST_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
     " ON CONFLICT (mac) DO UPDATE SET name = EXCLUDED.name, state = EXCLUDED.state,"
     " phase = EXCLUDED.phase, since = EXCLUDED.since, token = EXCLUDED.token,"
     " reason = EXCLUDED.reason, updated = EXCLUDED.updated"
     " WHERE h.updated <= EXCLUDED.updated",
     8},
    {"lc_put_event",
     "INSERT INTO host_events (" EVENT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", 8},
    {"lc_trim_mac", TRIM("mac = $1", "$2"), 2},
    {"lc_trim_none", TRIM("mac IS NULL", "$1"), 1},
    {"lc_get_host", "SELECT " HOST_COLS " FROM host_state WHERE mac = $1", 1},
    {"lc_last_id", "SELECT coalesce(max(seq), 0) FROM host_events", 0},
    {"lc_events_mac", EVENTS("mac = $1", "$2"), 2},
    {"lc_events_none", EVENTS("mac IS NULL", "$1"), 1},
};

struct pg_lcs {
	struct lcstore base; /* first: the handle lcstore.c sees */
	struct pg_link link; /* the connection, reset when broken */
	unsigned failing;    /* writes failed in a row (only the first is logged) */
	struct lcstore_stats stats;
	pthread_mutex_t lock;
};

static const struct lcstore_ops pg_ops;

struct lcstore *
lcstore_pg_open(const char *uri, const char *password_file, uid_t uid, char *msg, size_t cap)
{
	struct pg_lcs *s;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(msg, cap, "postgresql: %s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	s->link.stmts = statements;
	s->link.nstmts = sizeof(statements) / sizeof(statements[0]);
	s->link.log = "lifecycle db";
	ret = pg_link_open(&s->link, uri, password_file, uid, &schema, msg, cap);
	if (!ret)
		ret = -pthread_mutex_init(&s->lock, NULL);
	if (ret) {
		pg_link_close(&s->link);
		free(s);
		errno = -ret;
		return NULL;
	}
	s->base.ops = &pg_ops;
	return &s->base;
}

static void
pg_close(struct lcstore *base)
{
	struct pg_lcs *s = (struct pg_lcs *)base;

	pg_link_close(&s->link);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* A statement's parameters as text; NULL values where a column is NULL. */
struct params {
	char buf[8][24];
	char mac[18];
	const char *val[8];
};

static const char *
num(struct params *p, int i, uint64_t v)
{
	snprintf(p->buf[i], sizeof(p->buf[i]), "%" PRIu64, v);
	return p->buf[i];
}

static const char *
text_or_null(const char *s)
{
	return s && *s ? s : NULL;
}

static const char *
mac_text(struct params *p, const uint8_t *mac)
{
	if (!mac)
		return NULL;
	rb_hex_format(p->mac, mac, 6, ':');
	return p->mac;
}

static int
send_host(PGconn *conn, const struct lcs_host *h)
{
	struct params p;

	p.val[0] = mac_text(&p, h->mac);
	p.val[1] = h->name;
	p.val[2] = lc_state_name(h->state);
	p.val[3] = text_or_null(lc_phase_name(h->phase));
	p.val[4] = num(&p, 4, h->since_ms);
	p.val[5] = text_or_null(h->token);
	p.val[6] = text_or_null(h->reason);
	p.val[7] = num(&p, 7, h->updated_ms);
	return PQsendQueryPrepared(conn, "lc_put_host", 8, p.val, NULL, NULL, 0);
}

static int
send_event(PGconn *conn, const struct lc_event *e)
{
	struct params p;

	p.val[0] = num(&p, 0, e->id);
	p.val[1] = mac_text(&p, e->has_mac ? e->mac : NULL);
	p.val[2] = num(&p, 2, e->time_ms);
	p.val[3] = lc_ev_kind_name(e->kind);
	p.val[4] = e->from < 0 ? NULL : lc_state_name(e->from);
	p.val[5] = e->to < 0 ? NULL : lc_state_name(e->to);
	p.val[6] = text_or_null(lc_phase_name(e->phase));
	p.val[7] = e->detail;
	return PQsendQueryPrepared(conn, "lc_put_event", 8, p.val, NULL, NULL, 0);
}

static int
send_trim(PGconn *conn, const struct lc_event *e, unsigned keep)
{
	struct params p;

	if (!e->has_mac) {
		p.val[0] = num(&p, 0, keep);
		return PQsendQueryPrepared(conn, "lc_trim_none", 1, p.val, NULL, NULL, 0);
	}
	p.val[0] = mac_text(&p, e->mac);
	p.val[1] = num(&p, 1, keep);
	return PQsendQueryPrepared(conn, "lc_trim_mac", 2, p.val, NULL, NULL, 0);
}

/*
 * Send the write as one pipeline: its statements, a Sync. 0 when the
 * transaction committed, -EIO otherwise with the reason in err.
 */
static int
run_write(struct pg_link *l, const struct lcs_host *hosts, size_t nh, const struct lc_event *events,
	  size_t ne, unsigned keep, const struct lc_event *const *tr, size_t nt, char *err,
	  size_t cap)
{
	PGconn *conn = l->conn;

	if (!PQenterPipelineMode(conn))
		return pg_link_fail(l, err, cap);
	for (size_t i = 0; i < nh; i++)
		if (!send_host(conn, &hosts[i]))
			return pg_link_fail(l, err, cap);
	for (size_t i = 0; i < ne; i++)
		if (!send_event(conn, &events[i]))
			return pg_link_fail(l, err, cap);
	for (size_t i = 0; i < nt; i++)
		if (!send_trim(conn, tr[i], keep))
			return pg_link_fail(l, err, cap);
	if (!PQpipelineSync(conn))
		return pg_link_fail(l, err, cap);
	return pg_pipeline_finish(l, nh + ne + nt, PGRES_COMMAND_OK, NULL, NULL, err, cap);
}

static int
pg_write(struct lcstore *base, const struct lcs_host *hosts, size_t nh,
	 const struct lc_event *events, size_t ne, unsigned keep, const struct lc_event *const *tr,
	 size_t nt)
{
	struct pg_lcs *s = (struct pg_lcs *)base;
	char err[256] = "";
	int ret;

	pthread_mutex_lock(&s->lock);
	if (!pg_link_usable(&s->link)) {
		pg_err(s->link.conn, err, sizeof(err));
		ret = -EIO;
	} else {
		ret = run_write(&s->link, hosts, nh, events, ne, keep, tr, nt, err, sizeof(err));
	}
	if (ret) {
		s->stats.failures++;
		/* A database that is down fails every flush: say it once per streak. */
		if (!s->failing++)
			RB_ERR("lifecycle db: write of %zu hosts, %zu events failed: %s (further "
			       "failures are counted, not logged, until one succeeds)",
			       nh, ne, err);
	} else {
		if (s->failing)
			RB_NOTICE("lifecycle db: writes succeed again after %u failed", s->failing);
		s->failing = 0;
		s->stats.commits++;
		s->stats.host_rows += nh;
		s->stats.event_rows += ne;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static uint64_t
col_u64(const PGresult *r, int row, int col)
{
	return strtoull(PQgetvalue(r, row, col), NULL, 10);
}

/* Copy column col (text; NULL reads as "") into out[cap]. */
static void
col_text(const PGresult *r, int row, int col, char *out, size_t cap)
{
	snprintf(out, cap, "%s", PQgetvalue(r, row, col));
}

static int
pg_get(struct lcstore *base, const uint8_t mac[6], struct lcs_host *out)
{
	struct pg_lcs *s = (struct pg_lcs *)base;
	struct params p;
	PGresult *r;
	int v, ret;

	p.val[0] = mac_text(&p, mac);
	pthread_mutex_lock(&s->lock);
	r = pg_link_select(&s->link, "lc_get_host", 1, p.val);
	if (!r) {
		ret = -EIO;
	} else if (PQntuples(r) == 0) {
		ret = -ENOENT;
	} else {
		memset(out, 0, sizeof(*out));
		memcpy(out->mac, mac, 6);
		col_text(r, 0, 1, out->name, sizeof(out->name));
		v = lc_state_parse(PQgetvalue(r, 0, 2));
		out->state = v < 0 ? LC_UNKNOWN : (enum lc_state)v;
		v = lc_phase_parse(PQgetvalue(r, 0, 3));
		out->phase = v < 0 ? LC_PH_NONE : (enum lc_phase)v;
		out->since_ms = col_u64(r, 0, 4);
		col_text(r, 0, 5, out->token, sizeof(out->token));
		col_text(r, 0, 6, out->reason, sizeof(out->reason));
		out->updated_ms = col_u64(r, 0, 7);
		ret = 0;
	}
	PQclear(r);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static int
pg_last_event_id(struct lcstore *base, uint64_t *id)
{
	struct pg_lcs *s = (struct pg_lcs *)base;
	PGresult *r;

	pthread_mutex_lock(&s->lock);
	r = pg_link_select(&s->link, "lc_last_id", 0, NULL);
	if (r)
		*id = col_u64(r, 0, 0);
	PQclear(r);
	pthread_mutex_unlock(&s->lock);
	return r ? 0 : -EIO;
}

/* A state column: -1 for NULL, LC_UNKNOWN for a name this code does not know. */
static int8_t
col_state(const PGresult *r, int row, int col)
{
	int v;

	if (PQgetisnull(r, row, col))
		return -1;
	v = lc_state_parse(PQgetvalue(r, row, col));
	return (int8_t)(v < 0 ? LC_UNKNOWN : v);
}

/* Row `row` of an EVENT_COLS select as an event. */
static void
row_to_event(const PGresult *r, int row, struct lc_event *e)
{
	int v;

	memset(e, 0, sizeof(*e));
	e->id = col_u64(r, row, 0);
	e->has_mac =
	    !PQgetisnull(r, row, 1) && rb_hex_octets(PQgetvalue(r, row, 1), ":", e->mac, 6) == 6;
	e->time_ms = col_u64(r, row, 2);
	v = lc_ev_kind_parse(PQgetvalue(r, row, 3));
	e->kind = v < 0 ? LC_EV_STATE : (uint8_t)v;
	e->from = col_state(r, row, 4);
	e->to = col_state(r, row, 5);
	v = lc_phase_parse(PQgetvalue(r, row, 6));
	e->phase = v < 0 ? LC_PH_NONE : (uint8_t)v;
	col_text(r, row, 7, e->detail, sizeof(e->detail));
}

/* The whole result is read before fn runs; the lock is held meanwhile. */
static int
pg_events(struct lcstore *base, const uint8_t *mac, unsigned max,
	  int (*fn)(void *arg, const struct lc_event *ev), void *arg)
{
	struct pg_lcs *s = (struct pg_lcs *)base;
	struct lc_event ev;
	struct params p;
	PGresult *r;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	if (mac) {
		p.val[0] = mac_text(&p, mac);
		p.val[1] = num(&p, 1, max);
		r = pg_link_select(&s->link, "lc_events_mac", 2, p.val);
	} else {
		p.val[0] = num(&p, 0, max);
		r = pg_link_select(&s->link, "lc_events_none", 1, p.val);
	}
	if (!r)
		ret = -EIO;
	for (int i = 0; r && i < PQntuples(r) && !ret; i++) {
		row_to_event(r, i, &ev);
		ret = fn(arg, &ev);
	}
	PQclear(r);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static void
pg_stats(struct lcstore *base, struct lcstore_stats *out)
{
	struct pg_lcs *s = (struct pg_lcs *)base;

	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->lock);
}

static const struct lcstore_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .write = pg_write,
    .get = pg_get,
    .last_event_id = pg_last_event_id,
    .events = pg_events,
    .stats = pg_stats,
};
