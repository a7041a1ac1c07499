/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * leasedb_pg.c: the lease store on PostgreSQL, shared by several servers.
 *
 * The leases table is keyed by the address (host byte order), as in
 * SQLite, so "one row per address" is the schema's. What changes with
 * several writers is the write: a record is a claim, an upsert whose
 * update only happens when the row is free for that client (its WHERE,
 * CLAIM_FREE below); a claim that loses changes nothing and returns no
 * row, and the caller hears which records lost.
 *
 * A batch is one transaction sent as one pipeline (one round trip however
 * many records): its statements run in the implicit transaction the
 * extended protocol opens up to the Sync, so an error anywhere rolls all
 * of it back. Servers commit side by side; two claims of one address meet
 * at its row lock, the second waiting for the first's outcome.
 *
 * Each row's `change` is the number of the transaction that wrote it
 * (pg_current_xact_id(), 64 bits: never wraps). Transactions do not commit
 * in the order of their numbers, so a reader of changes (leasedb_changes())
 * reads only below its snapshot's horizon, the oldest transaction still
 * open (pg_snapshot_xmin): every row numbered below it is there to read,
 * and no row numbered below it can appear later. Schema version 1 drew
 * change numbers from a sequence under an advisory lock every commit took
 * (commits one at a time across servers); upgrades[] below turns it into 2.
 *
 * One connection per handle, serialised by a mutex. A connection found
 * broken is reset at the next call; a commit whose outcome is unknown (the
 * connection dropped at the Sync) returns -EIO, and its retry is harmless:
 * a claim of the same client's own row always wins.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "hex.h"
#include "leasedb_impl.h"
#include "log.h"
#include "pg_util.h"
#include "strbuf.h"

/* The schema this code reads and writes; newer ones are refused. */
#define PG_SCHEMA_VERSION 2

#define LEASE_COLS "ip, state, expires, updated, htype, hlen, chaddr, client_key, hostname"
#define LEASE_NCOLS 9

/* Its version row is pg_schema_check()'s (pg_util.h). */
static const char SQL_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS leases ("
    " ip bigint PRIMARY KEY," /* IPv4 address, host byte order */
    " state smallint NOT NULL,"
    " expires bigint NOT NULL,"
    " updated bigint NOT NULL,"
    " htype smallint NOT NULL,"
    " hlen smallint NOT NULL,"
    " chaddr bytea NOT NULL,"
    " client_key bytea NOT NULL,"
    " hostname bytea NOT NULL," /* bytes as the client sent them, sanitised */
    " change bigint NOT NULL,"	/* the last writing transaction's number */
    " origin bigint NOT NULL);" /* the writing handle's random id */
    "CREATE INDEX IF NOT EXISTS leases_change_ip ON leases (change, ip);";

/* A transaction's number as a bigint (xid8 has no direct cast). */
#define SQL_XACT "pg_current_xact_id()::text::bigint"
/* The oldest transaction still open (every one numbered below has ended). */
#define SQL_HORIZON "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"

/* Version 1 to 2: change numbers from the sequence become the upgrading
 * transaction's (below any transaction after it: the sequence's numbers
 * could be above them), and the index follows the feed's new order. */
static const char *const upgrades[] = {
    "DROP INDEX IF EXISTS leases_change;"
    "UPDATE leases SET change = " SQL_XACT ";"
    "DROP SEQUENCE IF EXISTS lease_change_seq;",
};

/*
 * When may a record take the row of its address? The client already holds
 * it, or nobody does: free (0), released (3), expired (5), or bound (2) or
 * declined (4) with an expiry not after this change's time. OFFERED is
 * never stored.
 */
#define CLAIM_FREE                                                                                 \
	"l.client_key = EXCLUDED.client_key OR l.state IN (0, 3, 5) OR "                           \
	"(l.state IN (2, 4) AND l.expires <= EXCLUDED.updated)"

/*
 * The claims of records with distinct addresses, one statement: each
 * column's values come as one array parameter ($1-$9, the bytea columns as
 * hex text), unnest() turns them into rows, and every row is an upsert
 * that only updates a row free for its client. RETURNING names the
 * addresses claimed; a record whose address is not among them lost. One
 * statement does not update a row twice (PostgreSQL refuses: "cannot
 * affect row a second time"), hence distinct addresses (claim_rounds()).
 */
static const char SQL_CLAIM[] =
    "INSERT INTO leases AS l (" LEASE_COLS ", change, origin)"
    " SELECT t.ip, t.state, t.expires, t.updated, t.htype, t.hlen, decode(t.chaddr, 'hex'),"
    " decode(t.client_key, 'hex'), decode(t.hostname, 'hex'), " SQL_XACT ","
    " $10::bigint"
    " FROM unnest($1::bigint[], $2::smallint[], $3::bigint[], $4::bigint[], $5::smallint[],"
    " $6::smallint[], $7::text[], $8::text[], $9::text[])"
    " AS t(ip, state, expires, updated, htype, hlen, chaddr, client_key, hostname)"
    " ON CONFLICT (ip) DO UPDATE SET state = EXCLUDED.state, expires = EXCLUDED.expires,"
    " updated = EXCLUDED.updated, htype = EXCLUDED.htype, hlen = EXCLUDED.hlen,"
    " chaddr = EXCLUDED.chaddr, client_key = EXCLUDED.client_key,"
    " hostname = EXCLUDED.hostname, change = EXCLUDED.change, origin = EXCLUDED.origin"
    " WHERE " CLAIM_FREE " RETURNING ip";

/* The prepared statements, made again on every new connection. */
static const struct pg_statement statements[] = {
    {"claim", SQL_CLAIM, 10}, /* the nine columns' arrays, then the origin */
    {"all", "SELECT " LEASE_COLS " FROM leases ORDER BY ip", 0},
    {"by_state", "SELECT " LEASE_COLS " FROM leases WHERE state = $1 ORDER BY ip", 1},
    {"by_ip", "SELECT " LEASE_COLS " FROM leases WHERE ip = $1", 1},
    /* Other servers' rows after ($1, $2) by (change, ip), at most $3, of
     * transactions that have ended (below the horizon), and the horizon
     * of the same snapshot (the last column; one row of NULLs and the
     * horizon when there is nothing new): this server's own rows are
     * passed over in the database, never read back. */
    {"changes",
     "SELECT c.*, h.horizon FROM (SELECT " SQL_HORIZON " AS horizon) h"
     " LEFT JOIN LATERAL (SELECT " LEASE_COLS ", change FROM leases"
     " WHERE (change, ip) > ($1::bigint, $2::bigint) AND change < h.horizon"
     " AND origin <> $4::bigint ORDER BY change, ip LIMIT $3) c ON true"
     " ORDER BY c.change, c.ip",
     4},
    {"horizon", "SELECT " SQL_HORIZON, 0},
};

static const struct pg_schema schema = {
    .component = "leases",
    .version = PG_SCHEMA_VERSION,
    .table = "leases",
    .what = "lease database",
    .sql = SQL_SCHEMA,
    .upgrades = upgrades,
};

struct pg_db {
	struct leasedb base; /* first: the handle leasedb.c sees */
	struct pg_link link; /* the connection, reset when broken */
	unsigned failing;    /* commits failed in a row (only the first is logged) */
	char origin[24];     /* this handle's id in the rows it writes (decimal) */
	pthread_mutex_t lock;
};

static const struct leasedb_ops pg_ops;

struct leasedb *
leasedb_pg_open(const char *uri, const char *password_file, uid_t uid, char *msg, size_t cap)
{
	struct pg_db *h;
	int64_t origin;
	int ret;

	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(msg, cap, "postgresql: %s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	h->link.stmts = statements;
	h->link.nstmts = sizeof(statements) / sizeof(statements[0]);
	h->link.log = "lease db";
	ret = pg_link_open(&h->link, uri, password_file, uid, &schema, msg, cap);
	if (!ret)
		ret = -pthread_mutex_init(&h->lock, NULL);
	if (ret) {
		pg_link_close(&h->link);
		free(h);
		errno = -ret;
		return NULL;
	}
	if (getrandom(&origin, sizeof(origin), 0) != (ssize_t)sizeof(origin))
		origin = (int64_t)time(NULL) << 20 ^ getpid();
	snprintf(h->origin, sizeof(h->origin), "%" PRId64, origin & INT64_MAX);
	h->base.ops = &pg_ops;
	return &h->base;
}

static void
pg_close(struct leasedb *base)
{
	struct pg_db *db = (struct pg_db *)base;

	pg_link_close(&db->link);
	pthread_mutex_destroy(&db->lock);
	free(db);
}

/* Which round of the batch each record's claim goes in: its address's
 * earlier records in the batch, so a round names an address once and the
 * records of one address are claimed in batch order. */
struct ip_at {
	uint32_t ip;
	uint32_t i;
};

static int
cmp_ip_at(const void *a, const void *b)
{
	const struct ip_at *x = a, *y = b;

	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* round[i] for each record; returns the number of rounds (0 for n 0), or
 * -ENOMEM. */
static int
claim_rounds(const struct rb_lease_rec *recs, size_t n, uint32_t *round)
{
	struct ip_at *by = malloc((n ? n : 1) * sizeof(*by));
	uint32_t k = 0, rounds = 0;

	if (!by)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		by[i] = (struct ip_at){.ip = recs[i].ip, .i = (uint32_t)i};
	qsort(by, n, sizeof(*by), cmp_ip_at);
	for (size_t j = 0; j < n; j++) {
		k = j && by[j].ip == by[j - 1].ip ? k + 1 : 0;
		round[by[j].i] = k;
		if (k + 1 > rounds)
			rounds = k + 1;
	}
	free(by);
	return (int)rounds;
}

/* The nine array parameters of one claim statement, as PostgreSQL array
 * literals ("{1,2}", '{"0a1b",""}'). */
enum {
	COL_IP,
	COL_STATE,
	COL_EXPIRES,
	COL_UPDATED,
	COL_HTYPE,
	COL_HLEN,
	COL_CHADDR,
	COL_KEY,
	COL_HOSTNAME,
	NCOLS
};

/* One number, or one byte string as quoted hex, onto an array literal.
 * By hand, not printf: they run for every record of every batch (perf:
 * vfprintf was most of the control's time in a PostgreSQL storm). */
static int
add_num(struct strbuf *b, uint32_t v)
{
	char d[12];
	size_t i = sizeof(d);

	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	d[--i] = b->len ? ',' : '{';
	return strbuf_add(b, d + i, sizeof(d) - i);
}

static int
add_hex(struct strbuf *b, const void *p, size_t n)
{
	char hex[2 * RB_CLIENT_KEY_MAX + 4];
	size_t len;

	if (n > RB_CLIENT_KEY_MAX)
		n = RB_CLIENT_KEY_MAX;
	hex[0] = b->len ? ',' : '{';
	hex[1] = '"';
	len = 2 + rb_hex_format(hex + 2, p, n, 0);
	hex[len++] = '"';
	return strbuf_add(b, hex, len);
}

/* The arrays of the records of round r, in batch order. */
static int
bind_round(struct strbuf *col, const struct rb_lease_rec *recs, size_t n, const uint32_t *round,
	   uint32_t r)
{
	int ret = 0;

	for (unsigned c = 0; c < NCOLS; c++)
		strbuf_reset(&col[c]);
	for (size_t i = 0; i < n && !ret; i++) {
		const struct rb_lease_rec *x = &recs[i];

		if (round[i] != r)
			continue;
		ret = add_num(&col[COL_IP], ntohl(x->ip)) ?: add_num(&col[COL_STATE], x->state)
			  ?: add_num(&col[COL_EXPIRES], x->expires)
			  ?: add_num(&col[COL_UPDATED], x->updated)
			  ?: add_num(&col[COL_HTYPE], x->htype) ?: add_num(&col[COL_HLEN], x->hlen)
			  ?: add_hex(&col[COL_CHADDR], x->chaddr,
				     x->hlen < sizeof(x->chaddr) ? x->hlen : sizeof(x->chaddr))
			  ?: add_hex(&col[COL_KEY], x->key, x->key_len)
			  ?: add_hex(&col[COL_HOSTNAME], x->hostname,
				     strnlen(x->hostname, sizeof(x->hostname)));
	}
	for (unsigned c = 0; c < NCOLS && !ret; c++)
		ret = strbuf_adds(&col[c], "}");
	return ret;
}

/* What the results of a batch say: the claims that returned no row. */
struct batch_lost {
	const struct rb_lease_rec *recs;
	const uint32_t *round;
	size_t n;
	uint8_t *lost; /* NULL: the caller does not want to know which */
	size_t nlost;
};

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Result k of the batch (round k's claims): its records whose address it
 * did not return lost. */
static void
note_lost(void *arg, size_t k, const PGresult *r)
{
	struct batch_lost *bl = arg;
	int rows = PQntuples(r);
	uint32_t *won, ip;

	won = malloc((rows ? (size_t)rows : 1) * sizeof(*won));
	for (int i = 0; won && i < rows; i++)
		won[i] = (uint32_t)strtoul(PQgetvalue(r, i, 0), NULL, 10);
	if (won)
		qsort(won, (size_t)rows, sizeof(*won), cmp_u32);
	for (size_t i = 0; i < bl->n; i++) {
		if (bl->round[i] != k)
			continue;
		ip = ntohl(bl->recs[i].ip);
		/* Out of memory: a claim may be counted lost that won. The
		 * caller then NAKs a client whose row holds its lease: it asks
		 * again and gets the same address. */
		if (won && bsearch(&ip, won, (size_t)rows, sizeof(*won), cmp_u32))
			continue;
		if (bl->lost)
			bl->lost[i] = 1;
		bl->nlost++;
	}
	free(won);
}

/*
 * Send the batch as one pipeline: one claim statement per round
 * (one round when the batch names each address once, as it nearly always
 * does), a Sync. Then read every result, marking the claims that lost. 0
 * when the Sync came back with every statement done (the transaction
 * committed), -EIO otherwise with libpq's or the server's message in err
 * (the link marked broken when only a reset mends it; out of memory too).
 */
static int
run_batch(struct pg_link *l, const char *origin, struct batch_lost *bl, char *err, size_t cap)
{
	struct strbuf col[NCOLS];
	const char *val[NCOLS + 1];
	uint32_t *round;
	int rounds, ret = 0;

	round = malloc((bl->n ? bl->n : 1) * sizeof(*round));
	rounds = round ? claim_rounds(bl->recs, bl->n, round) : -ENOMEM;
	if (rounds < 0) {
		free(round);
		snprintf(err, cap, "%s", strerror(ENOMEM));
		return -EIO;
	}
	bl->round = round;
	for (unsigned c = 0; c < NCOLS; c++)
		strbuf_init(&col[c], 0);
	if (!PQenterPipelineMode(l->conn)) {
		ret = pg_link_fail(l, err, cap);
		goto out;
	}
	for (int r = 0; r < rounds; r++) {
		if (bind_round(col, bl->recs, bl->n, round, (uint32_t)r)) {
			/* Nothing sent for the round: the link is reset, the
			 * transaction never committed. */
			snprintf(err, cap, "%s", strerror(ENOMEM));
			ret = pg_link_fail(l, err, cap);
			goto out;
		}
		for (unsigned c = 0; c < NCOLS; c++)
			val[c] = col[c].data;
		val[NCOLS] = origin;
		if (!PQsendQueryPrepared(l->conn, "claim", NCOLS + 1, val, NULL, NULL, 0)) {
			ret = pg_link_fail(l, err, cap);
			goto out;
		}
	}
	if (!PQpipelineSync(l->conn))
		ret = pg_link_fail(l, err, cap);
	else
		ret =
		    pg_pipeline_finish(l, (size_t)rounds, PGRES_TUPLES_OK, note_lost, bl, err, cap);
out:
	for (unsigned c = 0; c < NCOLS; c++)
		strbuf_free(&col[c]);
	free(round);
	bl->round = NULL;
	return ret;
}

static int
pg_claim(struct leasedb *base, const struct rb_lease_rec *recs, size_t n, uint8_t *lost)
{
	struct pg_db *db = (struct pg_db *)base;
	struct batch_lost bl = {.recs = recs, .n = n, .lost = lost};
	char err[256] = "";
	size_t i;
	int ret;

	pthread_mutex_lock(&db->lock);
	if (!pg_link_usable(&db->link)) {
		pg_err(db->link.conn, err, sizeof(err));
		ret = -EIO;
	} else {
		ret = run_batch(&db->link, db->origin, &bl, err, sizeof(err));
	}
	if (ret) {
		/* Nothing of the batch was stored: no claim was lost either. */
		if (lost)
			for (i = 0; i < n; i++)
				lost[i] = 0;
		/* A database that is down fails every attempt: say it once per streak. */
		if (!db->failing++)
			RB_ERR("lease db: commit failed: %s (further failures are counted, not "
			       "logged, until one succeeds)",
			       err);
	} else {
		if (db->failing)
			RB_NOTICE("lease db: commits succeed again after %u failed", db->failing);
		db->failing = 0;
		ret = (int)bl.nlost;
	}
	pthread_mutex_unlock(&db->lock);
	return ret;
}

/* The bytes of a text-format bytea value ("\x0a1b...") into out (cap). */
static size_t
get_bytea(const PGresult *r, int row, int col, uint8_t *out, size_t cap)
{
	size_t len = 0;
	unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col), &len);

	if (!b)
		return 0;
	if (len > cap)
		len = cap;
	memcpy(out, b, len);
	PQfreemem(b);
	return len;
}

/* Rebuild a record from one row of a LEASE_COLS select. */
static void
row_to_rec(const PGresult *r, int row, struct rb_lease_rec *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->ip = htonl((uint32_t)strtoul(PQgetvalue(r, row, 0), NULL, 10));
	rec->state = (uint8_t)atoi(PQgetvalue(r, row, 1));
	rec->expires = (uint32_t)strtoul(PQgetvalue(r, row, 2), NULL, 10);
	rec->updated = (uint32_t)strtoul(PQgetvalue(r, row, 3), NULL, 10);
	rec->htype = (uint8_t)atoi(PQgetvalue(r, row, 4));
	rec->hlen = (uint8_t)atoi(PQgetvalue(r, row, 5));
	get_bytea(r, row, 6, rec->chaddr, sizeof(rec->chaddr));
	rec->key_len = (uint8_t)get_bytea(r, row, 7, rec->key, sizeof(rec->key));
	get_bytea(r, row, 8, (uint8_t *)rec->hostname, sizeof(rec->hostname) - 1);
}

/* fn for each row of r; its first non-zero value, or 0. */
static int
walk_rows(const PGresult *r, int (*fn)(const struct rb_lease_rec *, void *), void *arg)
{
	struct rb_lease_rec rec;
	int i, ret = 0;

	for (i = 0; i < PQntuples(r) && !ret; i++) {
		row_to_rec(r, i, &rec);
		ret = fn(&rec, arg);
	}
	return ret;
}

/* The whole result is read before fn runs; the lock is held meanwhile. */
static int
pg_walk(struct leasedb *base, int state, int (*fn)(const struct rb_lease_rec *, void *), void *arg)
{
	struct pg_db *db = (struct pg_db *)base;
	char st[12];
	const char *params[1] = {st};
	PGresult *r;
	int ret;

	snprintf(st, sizeof(st), "%d", state);
	pthread_mutex_lock(&db->lock);
	r = state < 0 ? pg_link_select(&db->link, "all", 0, NULL)
		      : pg_link_select(&db->link, "by_state", 1, params);
	ret = r ? walk_rows(r, fn, arg) : -EIO;
	PQclear(r);
	pthread_mutex_unlock(&db->lock);
	return ret;
}

static int
pg_get(struct leasedb *base, uint32_t ip, struct rb_lease_rec *out)
{
	struct pg_db *db = (struct pg_db *)base;
	char addr[12];
	const char *params[1] = {addr};
	PGresult *r;
	int ret;

	snprintf(addr, sizeof(addr), "%" PRIu32, ntohl(ip));
	pthread_mutex_lock(&db->lock);
	r = pg_link_select(&db->link, "by_ip", 1, params);
	if (!r)
		ret = -EIO;
	else if (PQntuples(r) == 0)
		ret = -ENOENT;
	else {
		row_to_rec(r, 0, out);
		ret = 0;
	}
	PQclear(r);
	pthread_mutex_unlock(&db->lock);
	return ret;
}

/* The cursor just before change number n: every row numbered below it read. */
static struct lease_cursor
before(uint64_t n)
{
	return (struct lease_cursor){.change = n ? n - 1 : 0, .ip = (uint64_t)UINT32_MAX + 1};
}

static bool
cursor_less(const struct lease_cursor *a, const struct lease_cursor *b)
{
	return a->change < b->change || (a->change == b->change && a->ip < b->ip);
}

static int
pg_changes(struct leasedb *base, struct lease_cursor *cursor, struct rb_lease_rec *out, size_t cap)
{
	struct pg_db *db = (struct pg_db *)base;
	char from[24], from_ip[24], limit[24];
	const char *params[4] = {from, from_ip, limit, db->origin};
	PGresult *r;
	int i, rows, ret = 0;

	if (!cap)
		return 0;
	if (cap > INT32_MAX)
		cap = INT32_MAX;
	snprintf(from, sizeof(from), "%" PRIu64, cursor->change);
	snprintf(from_ip, sizeof(from_ip), "%" PRIu64, cursor->ip);
	snprintf(limit, sizeof(limit), "%zu", cap);
	pthread_mutex_lock(&db->lock);
	r = pg_link_select(&db->link, "changes", 4, params);
	if (!r) {
		ret = -EIO;
		goto out;
	}
	rows = PQntuples(r);
	for (i = 0; i < rows; i++) {
		if (PQgetisnull(r, i, 0))
			continue; /* nothing new: the one row of the horizon */
		row_to_rec(r, i, &out[ret]);
		cursor->change = strtoull(PQgetvalue(r, i, LEASE_NCOLS), NULL, 10);
		cursor->ip = ntohl(out[ret].ip);
		ret++;
	}
	/* A page not full holds every change of others below the horizon;
	 * our own are not among them, and transactions still open are at or
	 * above it (a later call reads them once they have ended). */
	if (rows > 0 && (size_t)ret < cap) {
		struct lease_cursor h =
		    before(strtoull(PQgetvalue(r, 0, LEASE_NCOLS + 1), NULL, 10));

		if (cursor_less(cursor, &h))
			*cursor = h;
	}
out:
	PQclear(r);
	pthread_mutex_unlock(&db->lock);
	return ret;
}

static int
pg_changes_head(struct leasedb *base, struct lease_cursor *cursor)
{
	struct pg_db *db = (struct pg_db *)base;
	PGresult *r;

	pthread_mutex_lock(&db->lock);
	r = pg_link_select(&db->link, "horizon", 0, NULL);
	if (r)
		*cursor = before(strtoull(PQgetvalue(r, 0, 0), NULL, 10));
	PQclear(r);
	pthread_mutex_unlock(&db->lock);
	return r ? 0 : -EIO;
}

static const struct leasedb_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .claim = pg_claim,
    .walk = pg_walk,
    .get = pg_get,
    .changes = pg_changes,
    .changes_head = pg_changes_head,
};
