/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_leasedb_pg.c: the PostgreSQL lease store against a real server.
 *
 * Run by scripts/pg_cluster.sh (meson test leasedb-pg, suite
 * integration, root), which starts a temporary server and hands its URI
 * and password file over in RB_PG_URI and RB_PG_PASSWORD_FILE; without
 * them the test fails (it never skips). Each test starts from an empty
 * database (the tables dropped through a raw libpq connection), and two
 * handles stand for two rackboot servers sharing it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "dhcp_ctl.h"
#include "leasedb.h"
#include "pg_fixture.h"

static const char *uri, *pwfile;

static int
setup(void **state)
{
	(void)state;
	pgfx_sql("DROP TABLE IF EXISTS leases, schema_version; DROP SEQUENCE IF EXISTS "
		 "lease_change_seq"); /* schema version 1's (test_schema_upgrade) */
	return 0;
}

static struct leasedb *
open_ok(void)
{
	char msg[512] = "";
	struct leasedb *db = leasedb_connect(uri, pwfile, geteuid(), getegid(), msg, sizeof(msg));

	if (!db)
		fail_msg("leasedb_connect(%s): %s (errno %d)", uri, msg, errno);
	assert_string_equal(leasedb_backend(db), "postgresql");
	return db;
}

/* Client i's bound lease on host address ip, valid until `expires`. */
static struct rb_lease_rec
lease(uint32_t ip, unsigned i, uint32_t updated, uint32_t expires)
{
	struct rb_lease_rec r;

	memset(&r, 0, sizeof(r));
	r.ip = htonl(ip);
	r.state = RB_LEASE_BOUND;
	r.updated = updated;
	r.expires = expires;
	r.htype = 1;
	r.hlen = 6;
	r.chaddr[0] = 0x52;
	r.chaddr[4] = (uint8_t)(i >> 8);
	r.chaddr[5] = (uint8_t)i;
	r.key_len = 7;
	r.key[0] = 1;
	memcpy(r.key + 1, r.chaddr, 6);
	snprintf(r.hostname, sizeof(r.hostname), "node%u", i);
	return r;
}

static int
collect(const struct rb_lease_rec *r, void *arg)
{
	struct rb_lease_rec **p = arg;

	*(*p)++ = *r;
	return 0;
}

/* Schema made on the first open; a second open (another server) uses it;
 * what is stored comes back whole, through get, foreach and the JSON. */
static void
test_open_commit_read(void **state)
{
	struct rb_lease_rec recs[3], got[4], *p = got;
	struct leasedb *a, *b;
	char *json;
	int i;

	(void)state;
	a = open_ok();
	b = open_ok();
	recs[0] = lease(0xc6120064, 1, 1000, 5000);
	recs[1] = lease(0xc6120065, 2, 1000, 5000);
	recs[2] = lease(0xc6120066, 3, 1000, 5000);
	recs[2].hostname[0] = (char)0xff; /* not UTF-8: stored as bytes */
	recs[1].state = RB_LEASE_DECLINED;
	assert_int_equal(leasedb_commit(a, recs, 3), 0);
	assert_int_equal(leasedb_foreach(b, collect, &p), 0);
	assert_int_equal(p - got, 3);
	for (i = 0; i < 3; i++)
		assert_memory_equal(&got[i], &recs[i], sizeof(recs[i]));
	assert_int_equal(leasedb_get(b, recs[1].ip, &got[3]), 0);
	assert_memory_equal(&got[3], &recs[1], sizeof(recs[1]));
	assert_int_equal(leasedb_get(b, htonl(0xc6120001), &got[3]), -ENOENT);
	json = leasedb_json(b, 2000, "declined");
	assert_non_null(json);
	assert_non_null(strstr(json, "\"address\": \"198.18.0.101\""));
	assert_null(strstr(json, "198.18.0.100"));
	free(json);
	leasedb_close(a);
	leasedb_close(b);
}

/* Two servers, one address: the second claim loses while the first
 * client's lease runs, and wins once it has expired; the same client
 * always wins; a released address is free. A lost claim changes nothing,
 * and the rest of its batch is stored. */
static void
test_claim_conflict(void **state)
{
	const uint32_t ip = 0xc6120070;
	struct rb_lease_rec x = lease(ip, 1, 1000, 4600), y = lease(ip, 2, 1100, 4700), got,
			    other = lease(ip + 1, 3, 1100, 4700), batch[2];
	struct leasedb *a, *b;
	uint8_t lost[2] = {0, 0};

	(void)state;
	a = open_ok();
	b = open_ok();
	assert_int_equal(leasedb_claim(a, &x, 1, NULL), 0);
	batch[0] = y;
	batch[1] = other;
	assert_int_equal(leasedb_claim(b, batch, 2, lost), 1);
	assert_int_equal(lost[0], 1);
	assert_int_equal(lost[1], 0);
	assert_int_equal(leasedb_get(a, htonl(ip), &got), 0);
	assert_memory_equal(&got, &x, sizeof(x)); /* still client 1's */
	assert_int_equal(leasedb_get(a, htonl(ip + 1), &got), 0);
	assert_memory_equal(&got, &other, sizeof(other));

	/* Client 1 renews through the other server: its own row. */
	x.updated = 2000;
	x.expires = 5600;
	lost[0] = 0;
	assert_int_equal(leasedb_claim(b, &x, 1, lost), 0);
	assert_int_equal(lost[0], 0);

	/* Expired by the time of client 2's change: taken. */
	y.updated = 5600;
	y.expires = 9200;
	assert_int_equal(leasedb_claim(b, &y, 1, lost), 0);
	assert_int_equal(leasedb_get(a, htonl(ip), &got), 0);
	assert_memory_equal(&got, &y, sizeof(y));

	/* Released by client 2: client 1 may have it at once. */
	y.state = RB_LEASE_RELEASED;
	y.updated = 5700;
	assert_int_equal(leasedb_commit(b, &y, 1), 0);
	x.updated = 5701;
	x.expires = 9301;
	assert_int_equal(leasedb_claim(a, &x, 1, lost), 0);
	assert_int_equal(lost[0], 0);
	assert_int_equal(leasedb_get(b, htonl(ip), &got), 0);
	assert_memory_equal(&got, &x, sizeof(x));
	leasedb_close(a);
	leasedb_close(b);
}

/* A batch names an address more than once (a client released it and
 * another took it before the commit): its records are claimed in batch
 * order, each against what the records before it left, and only the one
 * that finds the address held loses. Bytes the array syntax gives meaning
 * to (quotes, backslashes, commas, braces) and an empty client key are
 * stored as they are. */
static void
test_batch_names_address_twice(void **state)
{
	const uint32_t p = 0xc6120080, q = p + 1;
	struct rb_lease_rec b[5], got;
	struct leasedb *a;
	uint8_t lost[5] = {0};

	(void)state;
	a = open_ok();
	b[0] = lease(p, 1, 1000, 4600);
	b[1] = lease(q, 2, 1000, 4600);
	snprintf(b[1].hostname, sizeof(b[1].hostname), "a\"b\\c,{d}");
	b[2] = b[0]; /* client 1 releases p */
	b[2].state = RB_LEASE_RELEASED;
	b[2].updated = 1001;
	b[3] = lease(p, 3, 1002, 4602); /* client 3 takes it */
	b[3].key_len = 0;
	memset(b[3].key, 0, sizeof(b[3].key));
	b[4] = lease(p, 4, 1003, 4603); /* client 4 finds it held */
	assert_int_equal(leasedb_claim(a, b, 5, lost), 1);
	assert_int_equal(lost[0], 0);
	assert_int_equal(lost[1], 0);
	assert_int_equal(lost[2], 0);
	assert_int_equal(lost[3], 0);
	assert_int_equal(lost[4], 1);
	assert_int_equal(leasedb_get(a, htonl(p), &got), 0);
	assert_memory_equal(&got, &b[3], sizeof(b[3]));
	assert_int_equal(leasedb_get(a, htonl(q), &got), 0);
	assert_memory_equal(&got, &b[1], sizeof(b[1]));
	leasedb_close(a);
}

/* The control's commit over a shared store: the lost claim comes back
 * as the row that holds the address, numbered as the lost record. */
static void
test_ctl_reports_lost(void **state)
{
	const uint32_t ip = 0xc6120090;
	struct dhcp_ctl a = {0}, b = {0};
	union {
		struct rb_lease_batch b;
		char raw[sizeof(struct rb_lease_batch) + 2 * sizeof(struct rb_lease_rec)];
	} batch;
	struct rb_lease_rec lost[2], x = lease(ip, 1, 1000, 4600);
	uint32_t nb_lost = 9;

	(void)state;
	a.db = open_ok();
	b.db = open_ok();
	x.seq = 1;
	batch.b.batch = 1;
	batch.b.count = 1;
	batch.b.rec[0] = x;
	assert_int_equal(dhcp_ctl_commit(&batch.b, &a, lost, &nb_lost), 0);
	assert_int_equal(nb_lost, 0);
	batch.b.count = 2;
	batch.b.rec[0] = lease(ip, 2, 1100, 4700);
	batch.b.rec[0].seq = 7;
	batch.b.rec[1] = lease(ip + 1, 3, 1100, 4700);
	batch.b.rec[1].seq = 8;
	assert_int_equal(dhcp_ctl_commit(&batch.b, &b, lost, &nb_lost), 0);
	assert_int_equal(nb_lost, 1);
	assert_int_equal(lost[0].seq, 7);
	x.seq = 7;
	assert_memory_equal(&lost[0], &x, sizeof(x)); /* client 1's row */
	assert_int_equal(b.lost_claims, 1);
	assert_int_equal(b.committed_records, 2);
	leasedb_close(a.db);
	leasedb_close(b.db);
}

static bool
same_cursor(const struct lease_cursor *x, const struct lease_cursor *y)
{
	return x->change == y->change && x->ip == y->ip;
}

/* The change feed: the other servers' changes, in commit order, once;
 * a server's own writes are passed over. */
static void
test_changes(void **state)
{
	struct rb_lease_rec r1 = lease(0xc6120080, 1, 1000, 5000),
			    r2 = lease(0xc6120081, 2, 1000, 5000), out[8];
	struct leasedb *a, *b;
	struct lease_cursor cursor = {0, 0}, head = {0, 0};

	(void)state;
	a = open_ok();
	b = open_ok();
	assert_int_equal(leasedb_changes_head(b, &head), 0);
	assert_true(head.change > 0); /* just before the next transaction */
	assert_true(head.ip > UINT32_MAX);
	assert_int_equal(leasedb_changes(b, &cursor, out, 8), 0);
	assert_int_equal(leasedb_commit(a, &r2, 1), 0);
	assert_int_equal(leasedb_commit(a, &r1, 1), 0);
	assert_int_equal(leasedb_changes(b, &cursor, out, 1), 1);
	assert_memory_equal(&out[0], &r2, sizeof(r2));
	assert_int_equal(leasedb_changes(b, &cursor, out, 8), 1);
	assert_memory_equal(&out[0], &r1, sizeof(r1));
	assert_int_equal(leasedb_changes(b, &cursor, out, 8), 0);
	assert_int_equal(leasedb_changes_head(b, &head), 0);
	assert_true(same_cursor(&head, &cursor));

	/* b's own change: not news to b, news to a. */
	r2.state = RB_LEASE_RELEASED;
	assert_int_equal(leasedb_commit(b, &r2, 1), 0);
	assert_int_equal(leasedb_changes(b, &cursor, out, 8), 0);
	assert_true(cursor.change > head.change); /* moved past it all the same */
	cursor = head;
	assert_int_equal(leasedb_changes(a, &cursor, out, 8), 1);
	assert_int_equal(out[0].state, RB_LEASE_RELEASED);
	leasedb_close(a);
	leasedb_close(b);
}

/* A server's own writes cost its feed nothing: however many there are
 * since the cursor, one call passes over all of them (in the database)
 * and returns the one change of another server among them. (The feed read
 * its own rows back a page at a time before: 1000 own rows took 100 calls
 * of 10, and the other server's change came last.) */
static void
test_changes_skip_own(void **state)
{
	struct rb_lease_rec mine[250], theirs = lease(0xc6121000, 9999, 1000, 5000), out[10];
	struct leasedb *a, *b;
	struct lease_cursor cursor = {0, 0}, head;

	(void)state;
	a = open_ok();
	b = open_ok();
	for (unsigned k = 0; k < 4; k++) {
		for (unsigned i = 0; i < 250; i++)
			mine[i] = lease(0xc6130000 + k * 250 + i, k * 250 + i, 1000, 5000);
		assert_int_equal(leasedb_commit(a, mine, 250), 0);
		if (k == 1)
			assert_int_equal(leasedb_commit(b, &theirs, 1), 0);
	}
	assert_int_equal(leasedb_changes(a, &cursor, out, 10), 1);
	assert_memory_equal(&out[0], &theirs, sizeof(theirs));
	assert_int_equal(leasedb_changes_head(a, &head), 0);
	assert_true(same_cursor(&cursor, &head));
	assert_int_equal(leasedb_changes(a, &cursor, out, 10), 0);
	assert_true(same_cursor(&cursor, &head));

	/* A full page stops at its last row: the rest comes next call. */
	for (unsigned i = 0; i < 12; i++)
		mine[i] = lease(0xc6140000 + i, 5000 + i, 1000, 5000);
	assert_int_equal(leasedb_commit(b, mine, 12), 0);
	assert_int_equal(leasedb_changes(a, &cursor, out, 10), 10);
	assert_memory_equal(&out[9], &mine[9], sizeof(mine[9]));
	assert_int_equal(leasedb_changes(a, &cursor, out, 10), 2);
	assert_memory_equal(&out[1], &mine[11], sizeof(mine[11]));
	assert_int_equal(leasedb_changes(a, &cursor, out, 10), 0);
	leasedb_close(a);
	leasedb_close(b);
}

/*
 * Transactions commit in any order: a change of a transaction still open
 * when the reader passes a later one is not lost. Another server's batch
 * (here a raw connection's transaction) writes its row and stays open; b
 * commits after it. The reader must not move past the open one: once it
 * commits, its row comes, then b's. (A reader that moved its cursor to the
 * newest change read, as a sequence numbered in commit order allowed,
 * would skip the row for good.)
 */
static void
test_changes_open_transaction(void **state)
{
	struct rb_lease_rec late = lease(0xc6150001, 7001, 1000, 5000),
			    early = lease(0xc6150002, 7002, 1000, 5000), out[8];
	struct lease_cursor cursor;
	struct leasedb *a, *b;
	PGconn *other;

	(void)state;
	a = open_ok();
	b = open_ok();
	assert_int_equal(leasedb_changes_head(a, &cursor), 0);
	other = pgfx_connect();
	pgfx_exec(other, "BEGIN");
	pgfx_exec(other, "INSERT INTO leases (ip, state, expires, updated, htype, hlen, chaddr,"
			 " client_key, hostname, change, origin) VALUES (3323265025, 2, 5000, 1000,"
			 " 1, 6, '\\x02000000000a', '\\x0102000000000a', '',"
			 " pg_current_xact_id()::text::bigint, 1)");
	assert_int_equal(leasedb_commit(b, &early, 1), 0);
	assert_int_equal(leasedb_changes(a, &cursor, out, 8), 0); /* waits for the open one */
	pgfx_exec(other, "COMMIT");
	PQfinish(other);
	assert_int_equal(leasedb_changes(a, &cursor, out, 8), 2);
	assert_int_equal(out[0].ip, late.ip);
	assert_int_equal(out[0].state, RB_LEASE_BOUND);
	assert_memory_equal(&out[1], &early, sizeof(early));
	assert_int_equal(leasedb_changes(a, &cursor, out, 8), 0);
	leasedb_close(a);
	leasedb_close(b);
}

static void
expect_refused(const char *where, const char *pw, int err, const char *want)
{
	char msg[512] = "";

	errno = 0;
	assert_null(leasedb_connect(where, pw, geteuid(), getegid(), msg, sizeof(msg)));
	if (errno != err || !strstr(msg, want))
		fail_msg("got errno %d '%s', want %d '...%s...'", errno, msg, err, want);
}

/* A newer schema, a foreign leases table: refused, left as they were. */
static void
test_schema_refused(void **state)
{
	(void)state;
	leasedb_close(open_ok());
	pgfx_sql("UPDATE schema_version SET version = 3 WHERE component = 'leases'");
	expect_refused(uri, pwfile, ENOTSUP,
		       "lease database schema version 3 is newer than this rackboot supports (2)");
	pgfx_sql("DROP TABLE leases, schema_version");
	pgfx_sql("CREATE TABLE leases (ip bigint)");
	expect_refused(uri, pwfile, EINVAL, "not a lease database");
	pgfx_sql("DROP TABLE leases");
}

/*
 * Schema version 1 (change numbers from a sequence, one commit at a time)
 * is upgraded in place: its rows kept, the sequence gone, and their change
 * numbers below every later transaction's, so a feed reads them before
 * the changes made after the upgrade (left at the sequence's numbers,
 * which count records, they would sort after transactions for a long
 * while and hold the feed's cursor past them).
 */
static void
test_schema_upgrade(void **state)
{
	struct rb_lease_rec mine = lease(0xc6160002, 8002, 1000, 5000), out[4];
	struct lease_cursor cursor = {0, 0};
	struct leasedb *a, *b;

	(void)state;
	pgfx_sql(
	    "CREATE SEQUENCE lease_change_seq;"
	    "CREATE TABLE leases (ip bigint PRIMARY KEY, state smallint NOT NULL,"
	    " expires bigint NOT NULL, updated bigint NOT NULL, htype smallint NOT NULL,"
	    " hlen smallint NOT NULL, chaddr bytea NOT NULL, client_key bytea NOT NULL,"
	    " hostname bytea NOT NULL, change bigint NOT NULL, origin bigint NOT NULL);"
	    "CREATE INDEX leases_change ON leases (change);"
	    "CREATE TABLE schema_version (component text PRIMARY KEY, version integer NOT NULL);"
	    "INSERT INTO schema_version VALUES ('leases', 1);"
	    "INSERT INTO leases VALUES (3323330561, 2, 5000, 1000, 1, 6, '\\x02000000000b',"
	    " '\\x0102000000000b', '', 1000000000000, 1)");
	a = open_ok();
	assert_string_equal(
	    pgfx_sql("SELECT version FROM schema_version WHERE component = 'leases'"), "2");
	assert_string_equal(pgfx_sql("SELECT to_regclass('lease_change_seq') IS NULL"), "t");
	b = open_ok();
	assert_int_equal(leasedb_commit(b, &mine, 1), 0);
	assert_int_equal(leasedb_changes(a, &cursor, out, 4), 2);
	assert_int_equal(out[0].ip, htonl(3323330561u)); /* the old row first */
	assert_int_equal(out[0].expires, 5000);
	assert_memory_equal(&out[1], &mine, sizeof(mine));
	leasedb_close(a);
	leasedb_close(b);
}

/* Credentials: the password file checked as every secret file; a wrong
 * password refused; none in the URI. */
static void
test_credentials(void **state)
{
	char path[] = "/tmp/rb-test-pgpw.XXXXXX", uri_pw[PATH_MAX], *pgpass;
	struct leasedb *db;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "wrong\n", 6), 6);
	close(fd);
	expect_refused(uri, path, ECONNREFUSED, "cannot connect");
	chmod(path, 0640);
	expect_refused(uri, path, EPERM,
		       "lets others read or change the database password; chmod 600");
	unlink(path);
	expect_refused(uri, path, ENOENT, path);

	snprintf(uri_pw, sizeof(uri_pw), "postgresql://postgres:secret@/rackboot");
	expect_refused(uri_pw, NULL, EINVAL, "the URI carries a password");
	snprintf(uri_pw, sizeof(uri_pw), "%s&password=secret", uri);
	expect_refused(uri_pw, NULL, EINVAL, "the URI carries a password");

	/* No file: libpq's own PGPASSFILE (set by the wrapper) is used, and
	 * without it the server's password request cannot be met. */
	db = leasedb_open(uri, NULL, 0);
	assert_non_null(db);
	leasedb_close(db);
	pgpass = strdup(getenv("PGPASSFILE"));
	unsetenv("PGPASSFILE");
	setenv("HOME", "/nonexistent", 1);
	expect_refused(uri, NULL, ECONNREFUSED, "cannot connect");
	setenv("PGPASSFILE", pgpass, 1);
	free(pgpass);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_open_commit_read, setup),
	    cmocka_unit_test_setup(test_claim_conflict, setup),
	    cmocka_unit_test_setup(test_batch_names_address_twice, setup),
	    cmocka_unit_test_setup(test_ctl_reports_lost, setup),
	    cmocka_unit_test_setup(test_changes, setup),
	    cmocka_unit_test_setup(test_changes_skip_own, setup),
	    cmocka_unit_test_setup(test_changes_open_transaction, setup),
	    cmocka_unit_test_setup(test_schema_refused, setup),
	    cmocka_unit_test_setup(test_schema_upgrade, setup),
	    cmocka_unit_test_setup(test_credentials, setup),
	};

	uri = getenv("RB_PG_URI");
	pwfile = getenv("RB_PG_PASSWORD_FILE");
	if (!uri || !pwfile) {
		fprintf(stderr, "test_leasedb_pg: run me through scripts/pg_cluster.sh "
				"(RB_PG_URI, RB_PG_PASSWORD_FILE)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
