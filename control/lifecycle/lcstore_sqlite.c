/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcstore_sqlite.c: the lifecycle's tables on SQLite, in the lease file
 * (see lcstore.h).
 *
 * The connection runs synchronous=NORMAL, where the lease store's runs
 * FULL. In WAL mode NORMAL skips the fsync at each commit: a power cut can
 * lose the last few transactions, never corrupt the file. For this data
 * that is acceptable: a lost state change or event is recovered by the next
 * boot event or a new reinstall, and the flush runs every ~200 ms, so a
 * fsync each would cost more than it saves. A lost lease is not
 * recoverable (a client could be given an address another holds), which
 * is why the leases keep FULL; sync settings are per connection, so the
 * two do not affect each other (a lease commit's fsync of the shared WAL
 * makes our earlier frames durable too).
 *
 * Statements are prepared once at open and reused under the mutex.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "hex.h"
#include "lcstore_impl.h"
#include "log.h"
#include "sqlite_util.h"

/* The schema this code reads and writes; newer ones are refused. */
#define LCSTORE_SCHEMA_VERSION 1
#define LCSTORE_SCHEMA_KEY "lifecycle_schema_version"
#define LCSTORE_BUSY_MS 5000

static const char SQL_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta ("
    " key TEXT PRIMARY KEY,"
    " value INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('" LCSTORE_SCHEMA_KEY "', 1);"
    "CREATE TABLE IF NOT EXISTS host_state ("
    " mac TEXT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " phase TEXT,"
    " since INTEGER NOT NULL,"
    " token TEXT,"
    " reason TEXT,"
    " updated INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS host_events ("
    " id INTEGER PRIMARY KEY,"
    " mac TEXT,"
    " time INTEGER NOT NULL,"
    " kind TEXT NOT NULL,"
    " from_state TEXT,"
    " to_state TEXT,"
    " phase TEXT,"
    " detail TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS host_events_mac ON host_events (mac, id);";

#define HOST_COLS "mac, name, state, phase, since, token, reason, updated"
#define EVENT_COLS "id, mac, time, kind, from_state, to_state, phase, detail"

struct sqlite_lcs {
	struct lcstore base; /* first: the handle lcstore.c sees */
	sqlite3 *db;
	sqlite3_stmt *begin, *commit, *rollback;
	sqlite3_stmt *put_host, *put_event, *trim, *get_host, *last_id, *events;
	pthread_mutex_t lock;
	struct lcstore_stats stats;
};

/*
 * Before changing anything: the file must be empty or a rackboot database
 * (it has `meta`), and our version in it, if any, one we understand.
 */
static int
check_existing(sqlite3 *db, const char *path, char *msg, size_t cap)
{
	struct sqlite_meta m;
	int ret;

	ret = sqlite_meta_read(db, path, "database", LCSTORE_SCHEMA_KEY, &m, msg, cap);
	if (ret || m.empty)
		return ret;
	if (!m.has_meta) {
		snprintf(msg, cap, "%s: not a rackboot database (no table 'meta')", path);
		return -EINVAL;
	}
	if (m.has_key && (m.version > LCSTORE_SCHEMA_VERSION || m.version < 1)) {
		snprintf(msg, cap,
			 "%s: lifecycle schema version %lld is not one this rackboot supports (%d)",
			 path, (long long)m.version, LCSTORE_SCHEMA_VERSION);
		return -ENOTSUP;
	}
	return 0;
}

static int
prepare_all(struct sqlite_lcs *s, const char *path, char *msg, size_t cap)
{
	const struct {
		sqlite3_stmt **st;
		const char *sql;
	} list[] = {
	    {&s->begin, "BEGIN IMMEDIATE"},
	    {&s->commit, "COMMIT"},
	    {&s->rollback, "ROLLBACK"},
	    {&s->put_host, "INSERT OR REPLACE INTO host_state (" HOST_COLS
			   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
	    {&s->put_event, "INSERT OR REPLACE INTO host_events (" EVENT_COLS
			    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
	    /* Everything older than the keep-th newest of that MAC. */
	    {&s->trim, "DELETE FROM host_events WHERE mac IS ?1 AND id <= "
		       "(SELECT id FROM host_events WHERE mac IS ?1 ORDER BY id DESC "
		       "LIMIT 1 OFFSET ?2)"},
	    {&s->get_host, "SELECT " HOST_COLS " FROM host_state WHERE mac = ?1"},
	    {&s->last_id, "SELECT coalesce(max(id), 0) FROM host_events"},
	    {&s->events, "SELECT * FROM (SELECT " EVENT_COLS " FROM host_events WHERE mac IS ?1 "
			 "ORDER BY id DESC LIMIT ?2) ORDER BY id"},
	};

	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
		if (sqlite3_prepare_v3(s->db, list[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
				       list[i].st, NULL) != SQLITE_OK) {
			snprintf(msg, cap, "%s: %s", path, sqlite3_errmsg(s->db));
			return -EIO;
		}
	}
	return 0;
}

static void
finalize_all(struct sqlite_lcs *s)
{
	sqlite3_stmt *all[] = {s->begin, s->commit,   s->rollback, s->put_host, s->put_event,
			       s->trim,	 s->get_host, s->last_id,  s->events};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sqlite3_finalize(all[i]);
}

static const struct lcstore_ops sqlite_ops;

struct lcstore *
lcstore_sqlite_open(const char *path, char *msg, size_t cap)
{
	struct sqlite_lcs *s;
	int ret, rc;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(msg, cap, "%s: %s", path, strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	rc = sqlite3_open_v2(
	    path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(msg, cap, "%s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		ret = rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
		goto fail;
	}
	sqlite3_busy_timeout(s->db, LCSTORE_BUSY_MS);
	ret = check_existing(s->db, path, msg, cap);
	if (!ret)
		ret = sqlite_configure(s->db, path, "NORMAL", SQL_SCHEMA, msg, cap);
	if (!ret)
		ret = prepare_all(s, path, msg, cap);
	if (!ret)
		ret = -pthread_mutex_init(&s->lock, NULL);
	if (ret)
		goto fail;
	s->base.ops = &sqlite_ops;
	return &s->base;
fail:
	finalize_all(s);
	sqlite3_close(s->db);
	free(s);
	errno = -ret;
	return NULL;
}

static void
sqlite_close(struct lcstore *base)
{
	struct sqlite_lcs *s = (struct sqlite_lcs *)base;

	finalize_all(s);
	if (sqlite3_close(s->db) != SQLITE_OK)
		RB_ERR("lifecycle db: close: %s", sqlite3_errmsg(s->db));
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int
bind_text_or_null(sqlite3_stmt *st, int col, const char *s)
{
	if (!s || !*s)
		return sqlite3_bind_null(st, col);
	return sqlite3_bind_text(st, col, s, -1, SQLITE_TRANSIENT);
}

static int
bind_mac(sqlite3_stmt *st, int col, const uint8_t *mac)
{
	char buf[18];

	if (!mac)
		return sqlite3_bind_null(st, col);
	rb_hex_format(buf, mac, 6, ':');
	return sqlite3_bind_text(st, col, buf, -1, SQLITE_TRANSIENT);
}

/* Step a statement that returns no row, then reset it. SQLITE_DONE or the error. */
static int
run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static int
put_host(struct sqlite_lcs *s, const struct lcs_host *h)
{
	sqlite3_stmt *st = s->put_host;
	int rc = bind_mac(st, 1, h->mac);

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, h->name, -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 3, lc_state_name(h->state), -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = bind_text_or_null(st, 4, lc_phase_name(h->phase));
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 5, (sqlite3_int64)h->since_ms);
	if (rc == SQLITE_OK)
		rc = bind_text_or_null(st, 6, h->token);
	if (rc == SQLITE_OK)
		rc = bind_text_or_null(st, 7, h->reason);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 8, (sqlite3_int64)h->updated_ms);
	return rc == SQLITE_OK ? run(st) : rc;
}

static int
put_event(struct sqlite_lcs *s, const struct lc_event *e)
{
	sqlite3_stmt *st = s->put_event;
	int rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)e->id);

	if (rc == SQLITE_OK)
		rc = bind_mac(st, 2, e->has_mac ? e->mac : NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 3, (sqlite3_int64)e->time_ms);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 4, lc_ev_kind_name(e->kind), -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = bind_text_or_null(st, 5, e->from < 0 ? NULL : lc_state_name(e->from));
	if (rc == SQLITE_OK)
		rc = bind_text_or_null(st, 6, e->to < 0 ? NULL : lc_state_name(e->to));
	if (rc == SQLITE_OK)
		rc = bind_text_or_null(st, 7, lc_phase_name(e->phase));
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 8, e->detail, -1, SQLITE_TRANSIENT);
	return rc == SQLITE_OK ? run(st) : rc;
}

static int
trim(struct sqlite_lcs *s, const uint8_t *mac, unsigned keep)
{
	int rc = bind_mac(s->trim, 1, mac);

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s->trim, 2, keep);
	return rc == SQLITE_OK ? run(s->trim) : rc;
}

static int
sqlite_write(struct lcstore *base, const struct lcs_host *hosts, size_t nh,
	     const struct lc_event *events, size_t ne, unsigned keep,
	     const struct lc_event *const *tr, size_t nt)
{
	struct sqlite_lcs *s = (struct sqlite_lcs *)base;
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = run(s->begin);
	for (size_t i = 0; i < nh && rc == SQLITE_DONE; i++)
		rc = put_host(s, &hosts[i]);
	for (size_t i = 0; i < ne && rc == SQLITE_DONE; i++)
		rc = put_event(s, &events[i]);
	for (size_t i = 0; i < nt && rc == SQLITE_DONE; i++)
		rc = trim(s, tr[i]->has_mac ? tr[i]->mac : NULL, keep);
	if (rc == SQLITE_DONE)
		rc = run(s->commit);
	if (rc != SQLITE_DONE) {
		RB_ERR("lifecycle db: write of %zu hosts, %zu events: %s", nh, ne,
		       sqlite3_errmsg(s->db));
		/* Some errors (I/O, a full disk) have rolled back already. */
		if (!sqlite3_get_autocommit(s->db))
			run(s->rollback);
		s->stats.failures++;
		pthread_mutex_unlock(&s->lock);
		return -EIO;
	}
	s->stats.commits++;
	s->stats.host_rows += nh;
	s->stats.event_rows += ne;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* Copy column col (text or NULL) into out[cap]. */
static void
col_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, cap, "%s", t ? (const char *)t : "");
}

/* A MAC column: false when it is NULL or not six octets. */
static bool
col_mac(sqlite3_stmt *st, int col, uint8_t mac[6])
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t && rb_hex_octets((const char *)t, ":", mac, 6) == 6;
}

/* The end of a read with the lock held: -EIO logged, st reset, the lock
 * released. Returns ret. */
static int
end_read(struct sqlite_lcs *s, sqlite3_stmt *st, int ret)
{
	if (ret == -EIO)
		RB_ERR("lifecycle db: read: %s", sqlite3_errmsg(s->db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static int
sqlite_get(struct lcstore *base, const uint8_t mac[6], struct lcs_host *out)
{
	struct sqlite_lcs *s = (struct sqlite_lcs *)base;
	sqlite3_stmt *st;
	char buf[32];
	int rc, ret = -ENOENT;

	pthread_mutex_lock(&s->lock);
	st = s->get_host;
	rc = bind_mac(st, 1, mac);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int v;

		memset(out, 0, sizeof(*out));
		memcpy(out->mac, mac, 6);
		col_text(st, 1, out->name, sizeof(out->name));
		col_text(st, 2, buf, sizeof(buf));
		v = lc_state_parse(buf);
		out->state = v < 0 ? LC_UNKNOWN : (enum lc_state)v;
		col_text(st, 3, buf, sizeof(buf));
		v = lc_phase_parse(buf);
		out->phase = v < 0 ? LC_PH_NONE : (enum lc_phase)v;
		out->since_ms = (uint64_t)sqlite3_column_int64(st, 4);
		col_text(st, 5, out->token, sizeof(out->token));
		col_text(st, 6, out->reason, sizeof(out->reason));
		out->updated_ms = (uint64_t)sqlite3_column_int64(st, 7);
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = -EIO;
	}
	return end_read(s, st, ret);
}

static int
sqlite_last_event_id(struct lcstore *base, uint64_t *id)
{
	struct sqlite_lcs *s = (struct sqlite_lcs *)base;
	int rc, ret = 0;

	pthread_mutex_lock(&s->lock);
	rc = sqlite3_step(s->last_id);
	if (rc == SQLITE_ROW) {
		*id = (uint64_t)sqlite3_column_int64(s->last_id, 0);
	} else {
		RB_ERR("lifecycle db: read: %s", sqlite3_errmsg(s->db));
		ret = -EIO;
	}
	sqlite3_reset(s->last_id);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* The current row of the events select as an event. */
static void
row_to_event(sqlite3_stmt *st, struct lc_event *e)
{
	char buf[32];
	int v;

	memset(e, 0, sizeof(*e));
	e->id = (uint64_t)sqlite3_column_int64(st, 0);
	e->has_mac = col_mac(st, 1, e->mac);
	e->time_ms = (uint64_t)sqlite3_column_int64(st, 2);
	col_text(st, 3, buf, sizeof(buf));
	v = lc_ev_kind_parse(buf);
	e->kind = v < 0 ? LC_EV_STATE : (uint8_t)v;
	e->from = e->to = -1;
	if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
		col_text(st, 4, buf, sizeof(buf));
		v = lc_state_parse(buf);
		e->from = (int8_t)(v < 0 ? LC_UNKNOWN : v);
	}
	if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
		col_text(st, 5, buf, sizeof(buf));
		v = lc_state_parse(buf);
		e->to = (int8_t)(v < 0 ? LC_UNKNOWN : v);
	}
	col_text(st, 6, buf, sizeof(buf));
	v = lc_phase_parse(buf);
	e->phase = v < 0 ? LC_PH_NONE : (uint8_t)v;
	col_text(st, 7, e->detail, sizeof(e->detail));
}

static int
sqlite_events(struct lcstore *base, const uint8_t *mac, unsigned max,
	      int (*fn)(void *arg, const struct lc_event *ev), void *arg)
{
	struct sqlite_lcs *s = (struct sqlite_lcs *)base;
	struct lc_event ev;
	sqlite3_stmt *st;
	int rc, ret = 0;

	pthread_mutex_lock(&s->lock);
	st = s->events;
	rc = bind_mac(st, 1, mac);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 2, max);
	if (rc == SQLITE_OK) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			row_to_event(st, &ev);
			ret = fn(arg, &ev);
			if (ret)
				break;
		}
	}
	if (!ret && rc != SQLITE_DONE)
		ret = -EIO;
	return end_read(s, st, ret);
}

static void
sqlite_stats(struct lcstore *base, struct lcstore_stats *out)
{
	struct sqlite_lcs *s = (struct sqlite_lcs *)base;

	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->lock);
}

static const struct lcstore_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .write = sqlite_write,
    .get = sqlite_get,
    .last_event_id = sqlite_last_event_id,
    .events = sqlite_events,
    .stats = sqlite_stats,
};
