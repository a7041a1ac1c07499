/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lifecycle's database: a restart restores states and tokens, event ids
 * go on, history is bounded per host, a newer schema (and a file that is
 * not ours) is refused, the lease store shares the file, hosts that leave
 * and come back keep their rows, and a 500-host reinstall is one
 * transaction (timed, with lc_hosts_json for 500 hosts).
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "lc_fixture.h"
#include "leasedb.h"
#include "lifecycle/lcstore.h"

#define S 1000ull

struct fix {
	char dir[64], path[128];
	struct inventory inv;
	struct leasedb *leases;
	struct lcstore *store;
	struct lifecycle *lc;
	struct lc_config cfg;
	uint64_t now;
};

static void
start(struct fix *f)
{
	char err[512] = "";

	f->leases = leasedb_open(f->path, err, sizeof(err));
	if (!f->leases)
		fail_msg("leasedb_open: %s", err);
	f->store = lcstore_open(f->path, err, sizeof(err));
	if (!f->store)
		fail_msg("lcstore_open: %s", err);
	f->lc = lc_create(&f->cfg, f->store, err, sizeof(err));
	if (!f->lc)
		fail_msg("lc_create: %s", err);
	assert_int_equal(lc_set_inventory(f->lc, &f->inv, f->now), 0);
}

static void
stop(struct fix *f)
{
	lc_destroy(f->lc);
	lcstore_close(f->store);
	leasedb_close(f->leases);
	f->lc = NULL;
	f->store = NULL;
	f->leases = NULL;
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/rb-test-lcstore.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/leases.db", f->dir);
	lc_config_default(&f->cfg);
	f->now = FX_T0;
	fx_standard(&f->inv);
	*state = f;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	int ret;

	if (f->lc)
		stop(f);
	inv_free(&f->inv);
	ret = nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return ret;
}

static void
feed(struct fix *f, struct rb_event ev)
{
	lc_on_events(f->lc, &ev, 1, f->now);
}

static void
expect_state(struct fix *f, const char *host, const char *state, const char *phase)
{
	assert_string_equal(fx_field(f->lc, host, "state"), state);
	assert_string_equal(fx_field(f->lc, host, "phase"), phase);
}

static const char *
token(struct fix *f, unsigned host, char out[LC_TOKEN_LEN + 1])
{
	uint8_t mac[6];

	fx_mac(mac, host);
	return lc_token(f->lc, mac, out);
}

static void
sql(const char *path, const char *stmt)
{
	sqlite3 *db;
	char *err = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, stmt, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", stmt, err);
	sqlite3_close(db);
}

static void
test_restart_restores(void **state)
{
	struct fix *f = *state;
	char t1[LC_TOKEN_LEN + 1], t2[LC_TOKEN_LEN + 1], t[LC_TOKEN_LEN + 1];
	struct rb_lease_rec rec = {.state = RB_LEASE_BOUND, .htype = 1, .hlen = 6};
	uint64_t last;
	json_t *j, *ev;

	start(f);
	fx_reinstall(f->lc, "n1,n2,n6", f->now, 3);
	f->now += S;
	feed(f, fx_dhcp(1, "198.18.0.21"));
	feed(f, fx_dhcp(2, "198.18.1.2"));
	feed(f, fx_tftp(1, RB_EV_TFTP_FAIL, "debian/linux", 0, 9, RB_EVR_TIMEOUT));
	assert_non_null(token(f, 1, t1));
	assert_non_null(token(f, 2, t2));
	assert_true(lc_flush(f->lc) > 0);
	assert_int_equal(lc_flush(f->lc), 0);
	last = lc_last_event_id(f->lc);
	rec.ip = fx_ip("198.18.1.2");
	assert_int_equal(leasedb_commit(f->leases, &rec, 1), 0);
	stop(f);

	f->now += 100 * S;
	start(f);
	expect_state(f, "n1", "failed", "");
	assert_string_equal(fx_field(f->lc, "n1", "reason"), "tftp: debian/linux timed out");
	expect_state(f, "n2", "booting", "dhcp");
	assert_string_equal(fx_field(f->lc, "n2", "since"), "1700000001");
	assert_string_equal(fx_field(f->lc, "n2", "seconds_in_state"), "100");
	expect_state(f, "n6", "reinstall-pending", "");
	expect_state(f, "n3", "ready", "");
	assert_string_equal(token(f, 1, t), t1);
	assert_string_equal(token(f, 2, t), t2);
	assert_int_equal(lc_last_event_id(f->lc), last);
	assert_int_equal(leasedb_get(f->leases, rec.ip, &rec), 0);
	/* Timeouts go on from the stored `since`. */
	lc_tick(f->lc, FX_T0 + S + 600 * S);
	expect_state(f, "n2", "failed", "");
	assert_int_equal(lc_last_event_id(f->lc), last + 1);
	/* The history spans the restart, newest last. */
	j = lc_host_json(f->lc, "n2", true);
	assert_non_null(j);
	ev = json_object_get(j, "events");
	assert_int_equal(json_array_size(ev), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 0), "detail")),
			    "reinstall requested");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 0), "host")),
			    "n2");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 1), "kind")),
			    "dhcp");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 3), "detail")),
			    "timeout in booting (in phase dhcp)");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ev, 3), "id")),
			 last + 1);
	json_decref(j);
	/* The restored token is the one the installer holds. */
	assert_int_equal(lc_callback(f->lc, t1, true, NULL, f->now), 0);
	expect_state(f, "n1", "installed", "");
	assert_true(lc_flush(f->lc) > 0);
	stop(f);
	start(f);
	expect_state(f, "n1", "installed", "");
	assert_null(token(f, 1, t));
	assert_int_equal(lc_callback(f->lc, t1, true, NULL, f->now), -EACCES);
}

static int
count_event(void *arg, const struct lc_event *ev)
{
	uint64_t *ids = arg;

	ids[++ids[0]] = ev->id;
	return 0;
}

static void
test_history_bounded(void **state)
{
	struct fix *f = *state;
	uint64_t ids[64];
	uint8_t mac[6];

	f->cfg.history = 10;
	start(f);
	for (int i = 0; i < 25; i++) {
		feed(f, fx_dhcp(1, "198.18.0.21"));
		if (i % 5 == 4)
			assert_int_equal(lc_flush(f->lc), 5 + (i == 4 ? 6 : 0));
	}
	for (int i = 0; i < 3; i++)
		feed(f, fx_dhcp(3, "198.18.0.23"));
	/* One batch larger than the bound, and events of nobody. */
	for (int i = 0; i < 15; i++)
		feed(f, fx_dhcp(4, "198.18.0.24"));
	for (int i = 0; i < 12; i++)
		lc_callback(f->lc, "00000000000000000000000000000000", true, NULL, f->now);
	assert_true(lc_flush(f->lc) > 0);

	fx_mac(mac, 1);
	ids[0] = 0;
	assert_int_equal(lcstore_events(f->store, mac, 1000, count_event, ids), 0);
	assert_int_equal(ids[0], 10);
	/* The newest ten, oldest first: 16..25. */
	assert_int_equal(ids[1], 16);
	assert_int_equal(ids[10], 25);
	fx_mac(mac, 3);
	ids[0] = 0;
	assert_int_equal(lcstore_events(f->store, mac, 1000, count_event, ids), 0);
	assert_int_equal(ids[0], 3);
	fx_mac(mac, 4);
	ids[0] = 0;
	assert_int_equal(lcstore_events(f->store, mac, 1000, count_event, ids), 0);
	assert_int_equal(ids[0], 10);
	ids[0] = 0;
	assert_int_equal(lcstore_events(f->store, NULL, 1000, count_event, ids), 0);
	assert_int_equal(ids[0], 10);
	/* max limits a read to the newest. */
	fx_mac(mac, 1);
	ids[0] = 0;
	assert_int_equal(lcstore_events(f->store, mac, 3, count_event, ids), 0);
	assert_int_equal(ids[0], 3);
	assert_int_equal(ids[1], 23);
}

static void
test_refused_files(void **state)
{
	struct fix *f = *state;
	struct lcstore *s;
	char msg[512], other[128];
	FILE *fp;

	s = lcstore_open(f->path, msg, sizeof(msg));
	assert_non_null(s);
	lcstore_close(s);
	sql(f->path, "UPDATE meta SET value = 2 WHERE key = 'lifecycle_schema_version'");
	assert_null(lcstore_open(f->path, msg, sizeof(msg)));
	assert_int_equal(errno, ENOTSUP);
	if (!strstr(msg, "lifecycle schema version 2 is not one this rackboot supports (1)"))
		fail_msg("message: %s", msg);
	/* Unchanged by the refusal. */
	sql(f->path, "UPDATE meta SET value = 1 WHERE key = 'lifecycle_schema_version'");
	s = lcstore_open(f->path, msg, sizeof(msg));
	assert_non_null(s);
	lcstore_close(s);

	snprintf(other, sizeof(other), "%s/other.db", f->dir);
	sql(other, "CREATE TABLE foo (x)");
	assert_null(lcstore_open(other, msg, sizeof(msg)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(msg, "not a rackboot database (no table 'meta')"));

	snprintf(other, sizeof(other), "%s/text.db", f->dir);
	fp = fopen(other, "w");
	assert_non_null(fp);
	fputs("this is not an SQLite database, not at all, no.\n", fp);
	fclose(fp);
	assert_null(lcstore_open(other, msg, sizeof(msg)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(msg, "not a database"));
	assert_null(lcstore_open("", msg, sizeof(msg)));
	assert_int_equal(errno, EINVAL);
}

static void
test_unknown_stored_state(void **state)
{
	struct fix *f = *state;
	struct lcs_host row;
	uint8_t mac[6];

	start(f);
	fx_reinstall(f->lc, "n1", f->now, 1);
	assert_true(lc_flush(f->lc) > 0);
	stop(f);
	sql(f->path, "UPDATE host_state SET state = 'levitating' WHERE name = 'n1'");
	start(f);
	expect_state(f, "n1", "unknown", "");
	fx_mac(mac, 1);
	assert_false(lc_boots_install(f->lc, mac));
	assert_int_equal(lcstore_get(f->store, mac, &row), 0);
	assert_int_equal(row.state, LC_UNKNOWN);
	assert_string_equal(row.name, "n1");
	fx_mac(mac, 99);
	assert_int_equal(lcstore_get(f->store, mac, &row), -ENOENT);
}

/* An inventory of n2 alone. */
static void
only_n2(struct inventory *inv)
{
	struct inv_net net = {.net = fx_ip("198.18.0.0"), .mask = fx_ip("255.255.0.0")};
	struct inv_profile *p;
	struct inv_host *h;
	char err[256];

	memset(inv, 0, sizeof(*inv));
	p = inv_add_profile(inv);
	assert_non_null(p);
	p->name = strdup("debian");
	p->kernel = strdup("debian/linux");
	p->install = true;
	h = inv_add_host(inv);
	assert_non_null(h);
	h->name = strdup("n2");
	fx_mac(h->mac, 2);
	h->profile = strdup("debian");
	assert_int_equal(inv_finish(inv, &net, 1, err, sizeof(err)), 0);
}

/* Load inv (built by fn) in place of the current one. */
static void
reload(struct fix *f, void (*fn)(struct inventory *))
{
	struct inventory inv;

	fn(&inv);
	assert_int_equal(lc_set_inventory(f->lc, &inv, f->now), 0);
	inv_free(&f->inv);
	f->inv = inv;
}

static void
test_leave_and_return(void **state)
{
	struct fix *f = *state;
	char tok[LC_TOKEN_LEN + 1], t[LC_TOKEN_LEN + 1];

	start(f);
	fx_reinstall(f->lc, "n1,n2", f->now, 2);
	assert_non_null(token(f, 1, tok));
	assert_true(lc_flush(f->lc) > 0);
	feed(f, fx_dhcp(1, "198.18.0.21")); /* not written when n1 leaves */

	/* n1 leaves and comes back before a flush: its unwritten state stays. */
	reload(f, only_n2);
	assert_null(lc_host_json(f->lc, "n1", false));
	expect_state(f, "n2", "reinstall-pending", "");
	reload(f, fx_standard);
	expect_state(f, "n1", "booting", "dhcp");
	assert_string_equal(token(f, 1, t), tok);

	/* Leaves again, is written while away, comes back from the database. */
	reload(f, only_n2);
	assert_true(lc_flush(f->lc) > 0);
	reload(f, fx_standard);
	expect_state(f, "n1", "booting", "dhcp");
	assert_string_equal(token(f, 1, t), tok);
	/* And across a restart. */
	stop(f);
	start(f);
	expect_state(f, "n1", "booting", "dhcp");
}

static int
kinds(void *arg, const struct lc_event *ev)
{
	char *buf = arg;

	snprintf(buf + strlen(buf), 256 - strlen(buf), "%s%s", *buf ? "," : "",
		 lc_ev_kind_name(ev->kind));
	return 0;
}

static void
test_flush_failure_keeps(void **state)
{
	struct fix *f = *state;
	struct lcstore_stats st;
	char got[256] = "";
	uint8_t mac[6];

	start(f);
	fx_reinstall(f->lc, "n1", f->now, 1);
	/* The write fails (its table is gone): nothing is lost, all stays queued. */
	sql(f->path, "ALTER TABLE host_events RENAME TO away");
	assert_int_equal(lc_flush(f->lc), -EIO);
	feed(f, fx_dhcp(1, "198.18.0.21"));
	sql(f->path, "ALTER TABLE away RENAME TO host_events");
	/* 6 hosts first seen, then the mark, the DHCP ACK and the move. */
	assert_int_equal(lc_flush(f->lc), 6 + 3);
	lcstore_stats(f->store, &st);
	assert_int_equal(st.failures, 1);
	fx_mac(mac, 1);
	assert_int_equal(lcstore_events(f->store, mac, 100, kinds, got), 0);
	assert_string_equal(got, "state,dhcp,state");
	stop(f);
	start(f);
	expect_state(f, "n1", "booting", "dhcp");
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
count_install(void *arg, const struct lc_install *h)
{
	(void)h;
	++*(unsigned *)arg;
	return 0;
}

static void
test_500_one_transaction(void **state)
{
	struct fix *f = *state;
	struct lcstore_stats a, b;
	unsigned installing = 0;
	double t0, t_mark, t_flush, t_json;
	char err[256];
	json_t *j;
	int n;

	inv_free(&f->inv);
	fx_bulk(&f->inv, 500);
	start(f);
	/* The first sight of 500 hosts is written once, as one transaction. */
	lcstore_stats(f->store, &a);
	assert_int_equal(lc_flush(f->lc), 500);
	lcstore_stats(f->store, &b);
	assert_int_equal(b.commits - a.commits, 1);

	t0 = mono();
	fx_reinstall(f->lc, "all", f->now, 500);
	t_mark = mono() - t0;
	lcstore_stats(f->store, &a);
	t0 = mono();
	n = lc_flush(f->lc);
	t_flush = mono() - t0;
	lcstore_stats(f->store, &b);
	assert_int_equal(n, 1000);
	assert_int_equal(b.commits - a.commits, 1);
	assert_int_equal(b.host_rows - a.host_rows, 500);
	assert_int_equal(b.event_rows - a.event_rows, 500);
	assert_int_equal(b.failures, 0);
	assert_int_equal(lc_each_install(f->lc, count_install, &installing), 0);
	assert_int_equal(installing, 500);

	t0 = mono();
	j = lc_hosts_json(f->lc, NULL, err, sizeof(err));
	t_json = mono() - t0;
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "hosts")), 500);
	json_decref(j);
	print_message("500 hosts: reinstall %.2f ms, flush (1 transaction, 1000 rows) %.2f ms, "
		      "lc_hosts_json %.2f ms\n",
		      t_mark * 1e3, t_flush * 1e3, t_json * 1e3);

	/* All of it survives a restart. */
	stop(f);
	start(f);
	installing = 0;
	assert_int_equal(lc_each_install(f->lc, count_install, &installing), 0);
	assert_int_equal(installing, 500);
}

/* Host states first, leases later (dhcp turned on after a first run
 * without it): both open the one file. */
static void
test_store_before_leases(void **state)
{
	struct fix *f = *state;
	char err[512] = "";
	struct lcstore *st = lcstore_open(f->path, err, sizeof(err));
	struct leasedb *db;

	if (!st)
		fail_msg("lcstore_open: %s", err);
	/* A file others may read (SQLite makes 0644 less the umask) is
	 * refused; its -wal and -shm too, which took its mode. */
	assert_int_equal(chmod(f->path, 0644), 0);
	db = leasedb_open(f->path, err, sizeof(err));
	if (db || !strstr(err, "lets others read or change the lease database; chmod 640"))
		fail_msg("leasedb_open of a 0644 file: %s", db ? "opened" : err);
	for (int i = 0; i < 3; i++) {
		char name[PATH_MAX + 8];

		snprintf(name, sizeof(name), "%s%s", f->path,
			 (const char *[]){"", "-wal", "-shm"}[i]);
		assert_true(chmod(name, 0640) == 0 || errno == ENOENT);
	}
	db = leasedb_open(f->path, err, sizeof(err));
	if (!db)
		fail_msg("leasedb_open after lcstore_open: %s", err);
	leasedb_close(db);
	lcstore_close(st);
	/* and again, both tables there now */
	db = leasedb_open(f->path, err, sizeof(err));
	if (!db)
		fail_msg("leasedb_open again: %s", err);
	leasedb_close(db);
}

static void
test_no_store(void **state)
{
	struct lifecycle *lc = lc_create(NULL, NULL, NULL, 0);

	(void)state;
	assert_non_null(lc);
	assert_int_equal(lc_flush(lc), 0);
	lc_destroy(lc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_restart_restores, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_history_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_stored_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_leave_and_return, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flush_failure_keeps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_500_one_transaction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_before_leases, setup, teardown),
	    cmocka_unit_test(test_no_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
