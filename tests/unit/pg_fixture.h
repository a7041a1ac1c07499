/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pg_fixture.h: what the PostgreSQL tests share (test_leasedb_pg.c,
 * test_lcstore_pg.c), run by scripts/pg_cluster.sh.
 */
#ifndef RB_TEST_PG_FIXTURE_H
#define RB_TEST_PG_FIXTURE_H

#include <libpq-fe.h>

/*
 * Run sql on a connection of the test's own to $RB_PG_URI (the password
 * from the wrapper's PGPASSFILE), failing the test when it fails. Returns the first
 * column of its first row ("" when none), valid until the next call.
 */
const char *pgfx_sql(const char *sql);

/* A connection of the test's own, kept (PQfinish it): for a transaction
 * left open across calls of the code under test. Fails the test when it
 * cannot connect. */
PGconn *pgfx_connect(void);

/* sql on c, failing the test when it fails. */
void pgfx_exec(PGconn *c, const char *sql);

#endif
