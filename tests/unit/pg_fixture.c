/* SPDX-License-Identifier: BSD-3-Clause */
/* pg_fixture.c: see pg_fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "pg_fixture.h"

PGconn *
pgfx_connect(void)
{
	const char *uri = getenv("RB_PG_URI");
	PGconn *c = PQconnectdb(uri ? uri : "");

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("raw connection: %s", PQerrorMessage(c));
	return c;
}

/* sql's result on c; fails the test unless it succeeded. */
static PGresult *
run(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(r));
	return r;
}

void
pgfx_exec(PGconn *c, const char *sql)
{
	PQclear(run(c, sql));
}

const char *
pgfx_sql(const char *sql)
{
	static char out[256];
	PGconn *c = pgfx_connect();
	PGresult *r = run(c, sql);

	snprintf(out, sizeof(out), "%s",
		 PQntuples(r) > 0 && PQnfields(r) > 0 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	PQfinish(c);
	return out;
}
