/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * leasedb_sqlite.c: the lease store on SQLite (the default; one server).
 *
 * WAL mode with synchronous=FULL, so a commit costs one fsync of the WAL
 * however many leases it carries. The table is keyed by the address in
 * host byte order (INTEGER PRIMARY KEY, the rowid), which makes "address
 * order" the table's natural order and "one row per address" a property
 * of the schema rather than of the code. Every statement is prepared once
 * at open and reused. Two connections: commits write through one under
 * its mutex, listings and lookups read through a second, read-only one
 * under another (a SQLite connection and its statements are not to be
 * shared between threads unguarded), so a listing never holds up a
 * commit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "leasedb_impl.h"
#include "owned_file.h"
#include "sqlite_util.h"

/* The schema this code reads and writes; newer ones are refused. */
#define LEASEDB_SCHEMA_VERSION 1

/* How long a statement waits for another connection's lock. */
#define LEASEDB_BUSY_MS 5000

/* The columns every SELECT returns, in this order (see row_to_rec()). */
#define LEASE_COLS "ip, state, expires, updated, htype, hlen, chaddr, client_key, hostname"

static const char SQL_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta ("
    " key TEXT PRIMARY KEY,"
    " value INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', 1);"
    "CREATE TABLE IF NOT EXISTS leases ("
    " ip INTEGER PRIMARY KEY," /* IPv4 address, host byte order */
    " state INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " htype INTEGER NOT NULL,"
    " hlen INTEGER NOT NULL,"
    " chaddr BLOB,"
    " client_key BLOB,"
    " hostname TEXT);";

/*
 * Two connections: commits write through db under lock; listings and
 * lookups read through rdb under rlock. In WAL mode a reader sees the last
 * committed state and never blocks the writer, so a long listing (the
 * API's /api/leases over a big table) cannot delay a commit, which the
 * dataplane's ACKs wait for.
 */
struct sqlite_db {
	struct leasedb base; /* first: the handle leasedb.c sees */
	sqlite3 *db;
	sqlite3_stmt *begin, *commit, *rollback;
	sqlite3_stmt *upsert;
	unsigned failing; /* commits failed in a row (only the first is logged) */
	pthread_mutex_t lock;
	sqlite3 *rdb;		/* read-only */
	sqlite3_stmt *all;	/* every row, address order */
	sqlite3_stmt *by_state; /* rows of one state, address order */
	sqlite3_stmt *by_ip;	/* the row of one address */
	pthread_mutex_t rlock;
};

static void __attribute__((format(printf, 3, 4)))
set_msg(char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !cap)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
}

static void
log_db_error(const char *what)
{
	RB_ERR("lease db: %s", what);
}

/*
 * mkdir -p of path's parent directory, new directories 0755, the last one
 * given to uid:gid (so that the user can create and remove the -wal and
 * -shm files beside the database). Returns 0 or -errno; a component that
 * exists but is not a directory gives -ENOTDIR.
 */
static int
make_parent_dirs(const char *path, uid_t uid, gid_t gid)
{
	char *copy = strdup(path), *p;
	struct stat st;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	p = strrchr(copy, '/');
	if (!p || p == copy)
		goto out; /* relative file name, or a file in "/" */
	*p = '\0';
	for (p = copy + 1;; p++) {
		bool last = *p == '\0', made;

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		made = mkdir(copy, 0755) == 0;
		if (!made && errno != EEXIST) {
			ret = -errno;
			goto out;
		}
		if (stat(copy, &st)) {
			ret = -errno;
			goto out;
		}
		if (!S_ISDIR(st.st_mode)) {
			ret = -ENOTDIR;
			goto out;
		}
		if (last) {
			if (made && (st.st_uid != uid || st.st_gid != gid) && chown(copy, uid, gid))
				ret = -errno;
			break;
		}
		*p = '/';
	}
out:
	free(copy);
	return ret;
}

/*
 * Create path as an empty file of mode 0600, uid:gid's, unless it exists
 * (SQLite would create it 0644 less the umask; the -wal and -shm files
 * then take this file's mode). Returns 0 or -errno.
 */
static int
create_db_file(const char *path, uid_t uid, gid_t gid)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int ret = 0;

	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	if (fchmod(fd, 0600) || ((uid != geteuid() || gid != getegid()) && fchown(fd, uid, gid)))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * The database and, where they exist, its -wal and -shm: uid's regular
 * files, not writable by the group nor readable by others. 0 or -errno
 * with msg.
 */
static int
check_files(const char *path, uid_t uid, char *msg, size_t cap)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char name[4096];
	int ret;

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		if ((size_t)snprintf(name, sizeof(name), "%s%s", path, suffix[i]) >= sizeof(name)) {
			set_msg(msg, cap, "%s: %s", path, strerror(ENAMETOOLONG));
			return -ENAMETOOLONG;
		}
		ret = owned_file_check(name, uid, 027, "lease database", msg, cap);
		if (ret < 0)
			return ret;
		if (ret > 0 && !i) {
			set_msg(msg, cap, "%s: %s", path, strerror(ENOENT));
			return -ENOENT;
		}
	}
	return 0;
}

/*
 * Look at what is already in the file before changing anything: it must be
 * empty (a new database) or one of ours of a version we understand. Returns
 * 0, or -errno with the reason in msg.
 */
static int
check_existing(sqlite3 *db, const char *path, char *msg, size_t cap)
{
	struct sqlite_meta m;
	bool leases = false;
	int ret;

	ret = sqlite_meta_read(db, path, "lease database", "schema_version", &m, msg, cap);
	if (ret || m.empty)
		return ret;
	if (m.has_meta && !m.has_key) {
		/* The host lifecycle's tables (control/lifecycle/lcstore_sqlite.c)
		 * share this file and its meta table under their own key: with
		 * no leases table yet, the lease schema is simply not there. */
		if (sqlite_has_table(db, "leases", &leases) != SQLITE_ROW) {
			set_msg(msg, cap, "%s: %s", path, sqlite3_errmsg(db));
			return -EIO;
		}
		if (!leases)
			return 0;
	}
	if (!m.has_key || m.version < 1) {
		set_msg(msg, cap,
			"%s: not a lease database: an SQLite database without a schema version",
			path);
		return -EINVAL;
	}
	if (m.version > LEASEDB_SCHEMA_VERSION) {
		set_msg(msg, cap,
			"%s: lease database schema version %lld is newer than this rackboot "
			"supports (%d)",
			path, (long long)m.version, LEASEDB_SCHEMA_VERSION);
		return -ENOTSUP;
	}
	return 0;
}

/* Prepare the handle's statements, kept until close. Returns 0 or -EIO. */
static int
prepare_all(struct sqlite_db *h, const char *path, char *msg, size_t cap)
{
	const struct {
		sqlite3 *conn;
		sqlite3_stmt **st;
		const char *sql;
	} list[] = {
	    {h->db, &h->begin, "BEGIN IMMEDIATE"},
	    {h->db, &h->commit, "COMMIT"},
	    {h->db, &h->rollback, "ROLLBACK"},
	    {h->db, &h->upsert,
	     "INSERT OR REPLACE INTO leases (" LEASE_COLS
	     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
	    {h->rdb, &h->all, "SELECT " LEASE_COLS " FROM leases ORDER BY ip"},
	    {h->rdb, &h->by_state,
	     "SELECT " LEASE_COLS " FROM leases WHERE state = ?1 ORDER BY ip"},
	    {h->rdb, &h->by_ip, "SELECT " LEASE_COLS " FROM leases WHERE ip = ?1"},
	};
	size_t i;

	for (i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
		if (sqlite3_prepare_v3(list[i].conn, list[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
				       list[i].st, NULL) != SQLITE_OK) {
			set_msg(msg, cap, "%s: %s", path, sqlite3_errmsg(list[i].conn));
			return -EIO;
		}
	}
	return 0;
}

static void
finalize_all(struct sqlite_db *h)
{
	sqlite3_finalize(h->begin);
	sqlite3_finalize(h->commit);
	sqlite3_finalize(h->rollback);
	sqlite3_finalize(h->upsert);
	sqlite3_finalize(h->all);
	sqlite3_finalize(h->by_state);
	sqlite3_finalize(h->by_ip);
}

int
leasedb_sqlite_prepare(const char *path, uid_t uid, gid_t gid, char *msg, size_t cap)
{
	int ret;

	if (!path || !*path) {
		set_msg(msg, cap, "lease database path is empty");
		return -EINVAL;
	}
	ret = make_parent_dirs(path, uid, gid);
	if (ret) {
		set_msg(msg, cap, "%s: cannot create its directory: %s", path, strerror(-ret));
		return ret;
	}
	ret = create_db_file(path, uid, gid);
	if (ret) {
		set_msg(msg, cap, "%s: %s", path, strerror(-ret));
		return ret;
	}
	return check_files(path, uid, msg, cap);
}

static const struct leasedb_ops sqlite_ops;

struct leasedb *
leasedb_sqlite_open(const char *path, uid_t uid, gid_t gid, char *msg, size_t cap)
{
	struct sqlite_db *h = NULL;
	int ret, rc;

	set_msg(msg, cap, "%s", "");
	if (!path || !*path) {
		set_msg(msg, cap, "lease database path is empty");
		ret = -EINVAL;
		goto fail;
	}
	ret = leasedb_sqlite_prepare(path, uid, gid, msg, cap);
	if (ret)
		goto fail;
	h = calloc(1, sizeof(*h));
	if (!h) {
		ret = -ENOMEM;
		set_msg(msg, cap, "%s: %s", path, strerror(ENOMEM));
		goto fail;
	}
	rc = sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		int sys = h->db ? sqlite3_system_errno(h->db) : 0;

		set_msg(msg, cap, "%s: %s", path,
			h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc));
		ret = sys > 0 ? -sys : rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
		goto fail;
	}
	sqlite3_busy_timeout(h->db, LEASEDB_BUSY_MS);
	sqlite3_extended_result_codes(h->db, 0);
	ret = check_existing(h->db, path, msg, cap);
	if (ret)
		goto fail;
	/* Full syncs: a lease lost to a power cut could be given twice. */
	ret = sqlite_configure(h->db, path, "FULL", SQL_SCHEMA, msg, cap);
	if (ret)
		goto fail;
	/* The reader, once the writer has made the file and its schema. */
	rc = sqlite3_open_v2(path, &h->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		set_msg(msg, cap, "%s: %s", path,
			h->rdb ? sqlite3_errmsg(h->rdb) : sqlite3_errstr(rc));
		ret = -EIO;
		goto fail;
	}
	sqlite3_busy_timeout(h->rdb, LEASEDB_BUSY_MS);
	ret = prepare_all(h, path, msg, cap);
	if (ret)
		goto fail;
	ret = -pthread_mutex_init(&h->lock, NULL);
	if (!ret)
		ret = -pthread_mutex_init(&h->rlock, NULL);
	if (ret) {
		set_msg(msg, cap, "%s: %s", path, strerror(-ret));
		goto fail;
	}
	h->base.ops = &sqlite_ops;
	return &h->base;
fail:
	if (h) {
		finalize_all(h);
		sqlite3_close(h->rdb);
		sqlite3_close(h->db);
		free(h);
	}
	errno = -ret;
	return NULL;
}

/* Close the handle; the last connection's close checkpoints the WAL. */
static void
sqlite_close(struct leasedb *base)
{
	struct sqlite_db *db = (struct sqlite_db *)base;

	finalize_all(db);
	if (sqlite3_close(db->rdb) != SQLITE_OK)
		log_db_error(sqlite3_errmsg(db->rdb));
	if (sqlite3_close(db->db) != SQLITE_OK)
		log_db_error(sqlite3_errmsg(db->db));
	pthread_mutex_destroy(&db->rlock);
	pthread_mutex_destroy(&db->lock);
	free(db);
}

/*
 * Step a statement that returns no rows and reset it. Returns true on
 * success; on failure copies SQLite's message into err first (a later
 * ROLLBACK would replace it).
 */
static bool
step_done(struct sqlite_db *db, sqlite3_stmt *st, char *err, size_t cap)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE) {
		snprintf(err, cap, "%s", sqlite3_errmsg(db->db));
		sqlite3_reset(st);
		return false;
	}
	sqlite3_reset(st);
	return true;
}

/* Bind one record to the upsert. Over-long lengths are clipped to the arrays. */
static int
bind_rec(sqlite3_stmt *st, const struct rb_lease_rec *r)
{
	size_t hw = r->hlen < sizeof(r->chaddr) ? r->hlen : sizeof(r->chaddr);
	size_t kl = r->key_len < sizeof(r->key) ? r->key_len : sizeof(r->key);
	int rc;

	rc = sqlite3_bind_int64(st, 1, ntohl(r->ip));
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 2, r->state);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 3, r->expires);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 4, r->updated);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 5, r->htype);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 6, r->hlen);
	/* A zero-length blob, not NULL, when empty: the pointer is never NULL. */
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob(st, 7, r->chaddr, (int)hw, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob(st, 8, r->key, (int)kl, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 9, r->hostname,
				       (int)strnlen(r->hostname, sizeof(r->hostname)),
				       SQLITE_STATIC);
	return rc;
}

/* The only writer: every record wins, nothing is ever lost. */
static int
sqlite_claim(struct leasedb *base, const struct rb_lease_rec *recs, size_t n, uint8_t *lost)
{
	struct sqlite_db *db = (struct sqlite_db *)base;
	char err[256] = "";
	size_t i;
	int ret = 0;

	(void)lost;
	pthread_mutex_lock(&db->lock);
	if (!step_done(db, db->begin, err, sizeof(err)))
		goto fail;
	for (i = 0; i < n; i++) {
		if (bind_rec(db->upsert, &recs[i]) != SQLITE_OK) {
			snprintf(err, sizeof(err), "%s", sqlite3_errmsg(db->db));
			goto fail;
		}
		if (!step_done(db, db->upsert, err, sizeof(err)))
			goto fail;
	}
	if (!step_done(db, db->commit, err, sizeof(err)))
		goto fail;
	if (db->failing)
		RB_NOTICE("lease db: commits succeed again after %u failed", db->failing);
	db->failing = 0;
	goto out;
fail:
	/* A failing disk fails every attempt: say it once per streak. */
	if (!db->failing++)
		RB_ERR("lease db: commit failed: %s (further failures are counted, not logged, "
		       "until one succeeds)",
		       err);
	/* Some errors (I/O, full disk) already rolled the transaction back. */
	if (!sqlite3_get_autocommit(db->db)) {
		char rb_err[256];

		if (!step_done(db, db->rollback, rb_err, sizeof(rb_err)))
			log_db_error(rb_err);
	}
	ret = -EIO;
out:
	/* Drop the bindings: they point into the caller's array. */
	sqlite3_clear_bindings(db->upsert);
	pthread_mutex_unlock(&db->lock);
	return ret;
}

/* Rebuild a record from the current row of a LEASE_COLS select. */
static void
row_to_rec(sqlite3_stmt *st, struct rb_lease_rec *r)
{
	const void *p;
	size_t len;

	memset(r, 0, sizeof(*r));
	r->ip = htonl((uint32_t)sqlite3_column_int64(st, 0));
	r->state = (uint8_t)sqlite3_column_int(st, 1);
	r->expires = (uint32_t)sqlite3_column_int64(st, 2);
	r->updated = (uint32_t)sqlite3_column_int64(st, 3);
	r->htype = (uint8_t)sqlite3_column_int(st, 4);
	r->hlen = (uint8_t)sqlite3_column_int(st, 5);
	/* Ask for the pointer before the size, as SQLite documents. */
	p = sqlite3_column_blob(st, 6);
	len = (size_t)sqlite3_column_bytes(st, 6);
	if (p && len)
		memcpy(r->chaddr, p, len < sizeof(r->chaddr) ? len : sizeof(r->chaddr));
	p = sqlite3_column_blob(st, 7);
	len = (size_t)sqlite3_column_bytes(st, 7);
	if (len > sizeof(r->key))
		len = sizeof(r->key);
	if (p && len)
		memcpy(r->key, p, len);
	r->key_len = p ? (uint8_t)len : 0;
	p = sqlite3_column_text(st, 8);
	len = (size_t)sqlite3_column_bytes(st, 8);
	if (len > sizeof(r->hostname) - 1)
		len = sizeof(r->hostname) - 1;
	if (p && len)
		memcpy(r->hostname, p, len);
}

/*
 * Walk st's rows (already bound), calling fn for each, then reset st.
 * Called with the lock held. Returns fn's first non-zero value, 0, or -EIO.
 */
static int
walk_stmt(struct sqlite_db *db, sqlite3_stmt *st, int (*fn)(const struct rb_lease_rec *, void *),
	  void *arg)
{
	struct rb_lease_rec rec;
	int rc, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_rec(st, &rec);
		ret = fn(&rec, arg);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE) {
		log_db_error(sqlite3_errmsg(db->rdb));
		ret = -EIO;
	}
	/* Resetting ends the read transaction, letting checkpoints proceed. */
	sqlite3_reset(st);
	return ret;
}

static int
copy_rec(const struct rb_lease_rec *r, void *arg)
{
	*(struct rb_lease_rec *)arg = *r;
	return 1;
}

static int
sqlite_get(struct leasedb *base, uint32_t ip, struct rb_lease_rec *out)
{
	struct sqlite_db *db = (struct sqlite_db *)base;
	int ret;

	pthread_mutex_lock(&db->rlock);
	sqlite3_bind_int64(db->by_ip, 1, (sqlite3_int64)ntohl(ip));
	ret = walk_stmt(db, db->by_ip, copy_rec, out);
	sqlite3_clear_bindings(db->by_ip);
	pthread_mutex_unlock(&db->rlock);
	return ret == 1 ? 0 : ret ? ret : -ENOENT;
}

/*
 * The handle's read lock is held while fn runs: fn must not read through
 * this handle again (commits may).
 */
static int
sqlite_walk(struct leasedb *base, int state, int (*fn)(const struct rb_lease_rec *, void *),
	    void *arg)
{
	struct sqlite_db *db = (struct sqlite_db *)base;
	sqlite3_stmt *st = db->all;
	int ret = 0;

	pthread_mutex_lock(&db->rlock);
	if (state >= 0) {
		st = db->by_state;
		if (sqlite3_bind_int(st, 1, state) != SQLITE_OK) {
			log_db_error(sqlite3_errmsg(db->rdb));
			ret = -EIO;
		}
	}
	if (!ret)
		ret = walk_stmt(db, st, fn, arg);
	pthread_mutex_unlock(&db->rlock);
	return ret;
}

static const struct leasedb_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .claim = sqlite_claim,
    .walk = sqlite_walk,
    .get = sqlite_get,
};
