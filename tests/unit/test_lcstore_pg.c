/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lcstore_pg.c: the host lifecycle's store on a real PostgreSQL
 * server.
 *
 * Run by scripts/pg_cluster.sh (meson test lcstore-pg, suite integration,
 * root), which starts a temporary server and hands over RB_PG_URI,
 * RB_PG_PASSWORD_FILE, RB_PG_DIR and RB_PG_BIN; without them the test
 * fails (it never skips). Each test starts from an empty database (the
 * tables dropped through a raw libpq connection). Covered: write, get,
 * events, trim, last_event_id; the engine's restart restoring states and
 * history from the database; two servers' rows (the newest state wins,
 * event numbers may repeat); a newer schema and a foreign table refused;
 * the server stopped (writes fail at once with -EIO, counted, the engine
 * keeps its states) and started again (the next write succeeds).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "lc_fixture.h"
#include "leasedb.h"
#include "pg_fixture.h"
#include "lifecycle/lcstore.h"

static const char *uri, *pwfile;

static int
setup(void **state)
{
	(void)state;
	pgfx_sql("DROP TABLE IF EXISTS host_state, host_events, leases, schema_version;"
		 " DROP SEQUENCE IF EXISTS lease_change_seq"); /* lease schema 1 */
	return 0;
}

static struct lcstore *
open_ok(void)
{
	char msg[512] = "";
	struct lcstore *s = lcstore_connect(uri, pwfile, geteuid(), msg, sizeof(msg));

	if (!s)
		fail_msg("lcstore_connect(%s): %s (errno %d)", uri, msg, errno);
	assert_string_equal(lcstore_backend(s), "postgresql");
	return s;
}

static struct lcs_host
host(unsigned i, enum lc_state st, uint64_t updated)
{
	struct lcs_host h;

	memset(&h, 0, sizeof(h));
	fx_mac(h.mac, i);
	snprintf(h.name, sizeof(h.name), "n%u", i);
	h.state = st;
	h.phase = st == LC_BOOTING ? LC_PH_KERNEL : LC_PH_NONE;
	h.since_ms = updated - 1000;
	h.updated_ms = updated;
	if (st == LC_FAILED)
		snprintf(h.reason, sizeof(h.reason), "tftp: timed out");
	return h;
}

static struct lc_event
event(uint64_t id, int mac_of, const char *detail)
{
	struct lc_event e;

	memset(&e, 0, sizeof(e));
	e.id = id;
	e.time_ms = FX_T0 + id;
	if (mac_of >= 0) {
		fx_mac(e.mac, (unsigned)mac_of);
		e.has_mac = true;
	}
	e.kind = LC_EV_STATE;
	e.from = LC_READY;
	e.to = LC_PENDING;
	snprintf(e.detail, sizeof(e.detail), "%s", detail);
	return e;
}

struct seen {
	uint64_t ids[64];
	char details[64][LC_DETAIL_MAX];
	bool has_mac[64];
	int from[64];
	size_t n;
};

static int
collect(void *arg, const struct lc_event *ev)
{
	struct seen *s = arg;

	assert_true(s->n < 64);
	s->ids[s->n] = ev->id;
	s->has_mac[s->n] = ev->has_mac;
	s->from[s->n] = ev->from;
	snprintf(s->details[s->n], LC_DETAIL_MAX, "%s", ev->detail);
	s->n++;
	return 0;
}

/* Rows written in one transaction come back whole; events are kept
 * newest `keep` per MAC (and for no MAC); last_event_id is the largest. */
static void
test_write_read(void **state)
{
	struct lcstore *s = open_ok();
	struct lcs_host hs[2] = {host(1, LC_FAILED, FX_T0 + 5000),
				 host(2, LC_BOOTING, FX_T0 + 6000)};
	struct lc_event ev[6];
	struct lcstore_stats st;
	struct lcs_host got;
	struct seen seen = {0};
	uint8_t mac[6];
	uint64_t last = 99;

	(void)state;
	assert_int_equal(lcstore_last_event_id(s, &last), 0);
	assert_int_equal(last, 0);
	assert_string_equal(pgfx_sql("SELECT version FROM schema_version WHERE component = "
				     "'lifecycle'"),
			    "1");
	ev[0] = event(1, 1, "e1");
	ev[1] = event(2, 2, "e2");
	ev[2] = event(3, 1, "e3");
	ev[3] = event(4, -1, "no host");
	ev[4] = event(5, 1, "e5");
	ev[5] = event(6, -1, "no host either");
	ev[5].from = ev[5].to = -1;
	assert_int_equal(lcstore_write(s, hs, 2, ev, 6, 2), 0);

	assert_int_equal(lcstore_get(s, hs[0].mac, &got), 0);
	assert_string_equal(got.name, "n1");
	assert_int_equal(got.state, LC_FAILED);
	assert_int_equal(got.phase, LC_PH_NONE);
	assert_int_equal(got.since_ms, FX_T0 + 4000);
	assert_int_equal(got.updated_ms, FX_T0 + 5000);
	assert_string_equal(got.reason, "tftp: timed out");
	assert_string_equal(got.token, "");
	assert_int_equal(lcstore_get(s, hs[1].mac, &got), 0);
	assert_int_equal(got.state, LC_BOOTING);
	assert_int_equal(got.phase, LC_PH_KERNEL);
	fx_mac(mac, 3);
	assert_int_equal(lcstore_get(s, mac, &got), -ENOENT);
	assert_string_equal(pgfx_sql("SELECT state || '/' || coalesce(phase, '-') FROM host_state "
				     "WHERE mac = '52:54:00:00:00:02'"),
			    "booting/kernel");

	/* Host 1 had three events, kept two: e3 and e5, oldest first. */
	assert_int_equal(lcstore_events(s, hs[0].mac, 10, collect, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.details[0], "e3");
	assert_string_equal(seen.details[1], "e5");
	assert_int_equal(seen.ids[1], 5);
	assert_true(seen.has_mac[0]);
	assert_int_equal(seen.from[0], LC_READY);
	/* max limits what is read: the newest one. */
	seen.n = 0;
	assert_int_equal(lcstore_events(s, hs[0].mac, 1, collect, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.details[0], "e5");
	/* The events without a host. */
	seen.n = 0;
	assert_int_equal(lcstore_events(s, NULL, 10, collect, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_false(seen.has_mac[0]);
	assert_string_equal(seen.details[1], "no host either");
	assert_int_equal(seen.from[1], -1);
	assert_string_equal(pgfx_sql("SELECT count(*) FROM host_events"), "5");

	assert_int_equal(lcstore_last_event_id(s, &last), 0);
	assert_int_equal(last, 6);
	lcstore_stats(s, &st);
	assert_int_equal(st.commits, 1);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.host_rows, 2);
	assert_int_equal(st.event_rows, 6);
	/* Nothing to write is no transaction. */
	assert_int_equal(lcstore_write(s, NULL, 0, NULL, 0, 2), 0);
	assert_int_equal(lcstore_write(s, NULL, 1, NULL, 0, 2), -EINVAL);
	lcstore_stats(s, &st);
	assert_int_equal(st.commits, 1);
	lcstore_close(s);
}

/* One bad row rolls the whole write back: nothing of it is stored. */
static void
test_one_transaction(void **state)
{
	struct lcstore *s = open_ok();
	struct lcs_host h = host(1, LC_READY, FX_T0);
	struct lc_event ev[2] = {event(1, 1, "ok"), event(2, 1, "bad")};
	struct lcstore_stats st;
	struct lcs_host got;

	(void)state;
	/* A row the table refuses: updated out of bigint's range. */
	h.updated_ms = UINT64_MAX;
	assert_int_equal(lcstore_write(s, &h, 1, ev, 2, 0), -EIO);
	assert_int_equal(lcstore_get(s, h.mac, &got), -ENOENT);
	assert_string_equal(pgfx_sql("SELECT count(*) FROM host_events"), "0");
	lcstore_stats(s, &st);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.commits, 0);
	/* The connection is still good for the next one. */
	h.updated_ms = FX_T0;
	assert_int_equal(lcstore_write(s, &h, 1, ev, 2, 0), 0);
	assert_int_equal(lcstore_get(s, h.mac, &got), 0);
	assert_string_equal(pgfx_sql("SELECT count(*) FROM host_events"), "2");
	lcstore_close(s);
}

/* Two servers on one database: the newest state of a host wins whoever
 * writes last, each numbers its own events, both keep their rows. */
static void
test_two_servers(void **state)
{
	struct lcstore *a = open_ok(), *b = open_ok();
	struct lcs_host newer = host(1, LC_INSTALLED, FX_T0 + 9000);
	struct lcs_host older = host(1, LC_BOOTING, FX_T0 + 8000);
	struct lc_event ea = event(1, 1, "from a"), eb = event(1, 1, "from b");
	struct seen seen = {0};
	struct lcs_host got;
	uint64_t last;

	(void)state;
	assert_int_equal(lcstore_write(a, &newer, 1, &ea, 1, 10), 0);
	/* b flushes late a state older than a's: the stored row stays a's. */
	assert_int_equal(lcstore_write(b, &older, 1, &eb, 1, 10), 0);
	assert_int_equal(lcstore_get(b, newer.mac, &got), 0);
	assert_int_equal(got.state, LC_INSTALLED);
	assert_int_equal(got.updated_ms, FX_T0 + 9000);
	/* A newer one from b replaces it. */
	older.updated_ms = FX_T0 + 10000;
	assert_int_equal(lcstore_write(b, &older, 1, NULL, 0, 10), 0);
	assert_int_equal(lcstore_get(a, newer.mac, &got), 0);
	assert_int_equal(got.state, LC_BOOTING);
	/* Both events, each server's number 1, in the order stored. */
	assert_int_equal(lcstore_events(a, newer.mac, 10, collect, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.details[0], "from a");
	assert_string_equal(seen.details[1], "from b");
	assert_int_equal(seen.ids[0], 1);
	assert_int_equal(seen.ids[1], 1);
	assert_int_equal(lcstore_last_event_id(b, &last), 0);
	assert_int_equal(last, 1);
	assert_string_equal(pgfx_sql("SELECT count(DISTINCT id) FROM host_events"), "2");
	lcstore_close(a);
	lcstore_close(b);
}

/* The engine on PostgreSQL: a restart restores states, tokens, the event
 * numbering and the history the API shows. */
static void
test_engine_restart(void **state)
{
	struct inventory inv;
	struct lc_config cfg;
	struct lcstore *s;
	struct lifecycle *lc;
	struct rb_event ev;
	char err[256], t1[LC_TOKEN_LEN + 1], t[LC_TOKEN_LEN + 1];
	uint8_t mac[6];
	uint64_t last;
	json_t *j;

	(void)state;
	fx_standard(&inv);
	lc_config_default(&cfg);
	s = open_ok();
	lc = lc_create(&cfg, s, err, sizeof(err));
	assert_non_null(lc);
	assert_int_equal(lc_set_inventory(lc, &inv, FX_T0), 0);
	fx_reinstall(lc, "n1,n2", FX_T0, 2);
	ev = fx_dhcp(2, "198.18.1.2");
	lc_on_events(lc, &ev, 1, FX_T0 + 1000);
	fx_mac(mac, 1);
	assert_non_null(lc_token(lc, mac, t1));
	assert_true(lc_flush(lc) > 0);
	last = lc_last_event_id(lc);
	lc_destroy(lc);
	lcstore_close(s);
	assert_string_equal(
	    pgfx_sql("SELECT state FROM host_state WHERE mac = '52:54:00:00:00:02'"), "booting");

	s = open_ok();
	lc = lc_create(&cfg, s, err, sizeof(err));
	assert_non_null(lc);
	assert_int_equal(lc_set_inventory(lc, &inv, FX_T0 + 2000), 0);
	assert_string_equal(fx_field(lc, "n1", "state"), "reinstall-pending");
	assert_string_equal(fx_field(lc, "n2", "state"), "booting");
	assert_string_equal(fx_field(lc, "n2", "phase"), "dhcp");
	assert_string_equal(lc_token(lc, mac, t), t1);
	assert_int_equal(lc_last_event_id(lc), last);
	/* The history: three stored events and one not yet flushed. */
	lc_tick(lc, FX_T0 + 1000 + 3600 * 1000);
	assert_string_equal(fx_field(lc, "n2", "state"), "failed");
	j = lc_host_json(lc, "n2", true);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "events")), 4);
	assert_int_equal(json_integer_value(json_object_get(
			     json_array_get(json_object_get(j, "events"), 3), "id")),
			 last + 1);
	json_decref(j);
	lc_destroy(lc);
	lcstore_close(s);
	inv_free(&inv);
}

static void
expect_refused(int want_errno, const char *want_msg)
{
	char msg[512] = "";

	assert_null(lcstore_connect(uri, pwfile, geteuid(), msg, sizeof(msg)));
	assert_int_equal(errno, want_errno);
	if (!strstr(msg, want_msg))
		fail_msg("message '%s' lacks '%s'", msg, want_msg);
}

/* A newer schema, a foreign host_state table: refused, left as they were;
 * the lease store's version row is its own. */
static void
test_schema_refused(void **state)
{
	char msg[512];
	struct leasedb *db;

	(void)state;
	lcstore_close(open_ok());
	db = leasedb_connect(uri, pwfile, geteuid(), getegid(), msg, sizeof(msg));
	assert_non_null(db);
	leasedb_close(db);
	assert_string_equal(pgfx_sql("SELECT string_agg(component || '=' || version, ',' ORDER BY "
				     "component) FROM schema_version"),
			    "leases=2,lifecycle=1");
	pgfx_sql("UPDATE schema_version SET version = 2 WHERE component = 'lifecycle'");
	expect_refused(
	    ENOTSUP,
	    "lifecycle database schema version 2 is newer than this rackboot supports (1)");
	assert_string_equal(pgfx_sql("SELECT version FROM schema_version WHERE component = "
				     "'lifecycle'"),
			    "2");
	/* The lease store does not mind the lifecycle's version. */
	db = leasedb_connect(uri, pwfile, geteuid(), getegid(), msg, sizeof(msg));
	assert_non_null(db);
	leasedb_close(db);
	pgfx_sql("DROP TABLE host_state, host_events, schema_version");
	pgfx_sql("CREATE TABLE host_state (mac text)");
	expect_refused(EINVAL,
		       "not a lifecycle database: a host_state table without a schema version");
	pgfx_sql("DROP TABLE host_state");
	/* Credentials as the lease store's: none in the URI, the file checked. */
	assert_null(lcstore_connect("postgresql://postgres:secret@/rackboot", NULL, geteuid(), msg,
				    sizeof(msg)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(msg, "the URI carries a password"));
	assert_null(lcstore_connect(uri, "/nonexistent/pw", geteuid(), msg, sizeof(msg)));
	assert_int_equal(errno, ENOENT);
}

/* pg_ctl as postgres on the wrapper's cluster; its exit status. */
static int
pg_ctl(const char *args)
{
	char cmd[1024];
	const char *dir = getenv("RB_PG_DIR"), *bin = getenv("RB_PG_BIN");

	snprintf(cmd, sizeof(cmd),
		 "runuser -u postgres -- %s/pg_ctl -D %s/data -t 30 -l %s/server.log %s >/dev/null",
		 bin, dir, dir, args);
	return system(cmd);
}

/* The server stopped: writes and reads fail at once with -EIO, the
 * failures counted, the engine keeps its states and events; started
 * again: the next write (after PG_RESET_MS) stores what waited. */
static void
test_server_down(void **state)
{
	struct inventory inv;
	struct lc_config cfg;
	struct lcstore *s = open_ok();
	struct lcstore_stats st;
	struct lifecycle *lc;
	struct lcs_host h = host(1, LC_READY, FX_T0), got;
	char err[256], start[512];
	int ret = -EIO, tries;

	(void)state;
	fx_standard(&inv);
	lc_config_default(&cfg);
	lc = lc_create(&cfg, s, err, sizeof(err));
	assert_non_null(lc);
	assert_int_equal(lc_set_inventory(lc, &inv, FX_T0), 0);
	assert_true(lc_flush(lc) > 0);

	assert_int_equal(pg_ctl("-m fast stop"), 0);
	fx_reinstall(lc, "n1", FX_T0 + 1000, 1);
	assert_int_equal(lc_flush(lc), -EIO);
	assert_int_equal(lcstore_write(s, &h, 1, NULL, 0, 0), -EIO);
	assert_int_equal(lcstore_get(s, h.mac, &got), -EIO);
	lcstore_stats(s, &st);
	assert_int_equal(st.failures, 2);
	assert_string_equal(fx_field(lc, "n1", "state"), "reinstall-pending");

	snprintf(start, sizeof(start), "-w -o \"-c listen_addresses='' -k %s -p %s\" start",
		 getenv("RB_PG_DIR"), getenv("PGPORT"));
	assert_int_equal(pg_ctl(start), 0);
	/* A reset is tried at most once a second: bounded retries. */
	for (tries = 0; tries < 50 && ret < 0; tries++) {
		ret = lc_flush(lc);
		if (ret < 0)
			usleep(100 * 1000);
	}
	assert_true(ret > 0);
	lcstore_stats(s, &st);
	assert_int_equal(st.commits, 2);
	assert_true(st.failures >= 2);
	assert_string_equal(
	    pgfx_sql("SELECT state FROM host_state WHERE mac = '52:54:00:00:00:01'"),
	    "reinstall-pending");
	assert_string_equal(pgfx_sql("SELECT detail FROM host_events ORDER BY id DESC LIMIT 1"),
			    "reinstall requested");
	lc_destroy(lc);
	lcstore_close(s);
	inv_free(&inv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_write_read, setup),
	    cmocka_unit_test_setup(test_one_transaction, setup),
	    cmocka_unit_test_setup(test_two_servers, setup),
	    cmocka_unit_test_setup(test_engine_restart, setup),
	    cmocka_unit_test_setup(test_schema_refused, setup),
	    cmocka_unit_test_setup(test_server_down, setup),
	};

	uri = getenv("RB_PG_URI");
	pwfile = getenv("RB_PG_PASSWORD_FILE");
	if (!uri || !pwfile || !getenv("RB_PG_DIR") || !getenv("RB_PG_BIN")) {
		fprintf(stderr, "test_lcstore_pg: run me through scripts/pg_cluster.sh "
				"(RB_PG_URI, RB_PG_PASSWORD_FILE, RB_PG_DIR, RB_PG_BIN)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
