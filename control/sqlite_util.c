/* SPDX-License-Identifier: BSD-3-Clause */
/* sqlite_util.c: see sqlite_util.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_util.h"

int
sqlite_query_int(sqlite3 *db, const char *sql, sqlite3_int64 *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc;
}

int
sqlite_has_table(sqlite3 *db, const char *name, bool *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
	    db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", -1, &st,
	    NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0) > 0;
	sqlite3_finalize(st);
	return rc;
}

int
sqlite_meta_read(sqlite3 *db, const char *path, const char *what, const char *key,
		 struct sqlite_meta *out, char *msg, size_t cap)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 tables = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = sqlite_query_int(db, "SELECT count(*) FROM sqlite_master", &tables);
	if (rc == SQLITE_NOTADB) {
		snprintf(msg, cap, "%s: not a %s: %s", path, what, sqlite3_errmsg(db));
		return -EINVAL;
	}
	if (rc != SQLITE_ROW)
		goto db_error;
	out->empty = tables == 0;
	if (out->empty)
		return 0;
	rc = sqlite_has_table(db, "meta", &out->has_meta);
	if (rc != SQLITE_ROW)
		goto db_error;
	if (!out->has_meta)
		return 0;
	rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->has_key = true;
		out->version = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
db_error:
	snprintf(msg, cap, "%s: %s", path, sqlite3_errmsg(db));
	return -EIO;
}

int
sqlite_configure(sqlite3 *db, const char *path, const char *synchronous, const char *schema,
		 char *msg, size_t cap)
{
	char pragma[64], *err = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		snprintf(msg, cap, "%s: journal_mode=WAL: %s", path, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -EIO;
	}
	if (sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal")) {
		snprintf(msg, cap, "%s: cannot use WAL journal mode (got '%s')", path,
			 sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		return -ENOTSUP;
	}
	sqlite3_finalize(st);
	snprintf(pragma, sizeof(pragma), "PRAGMA synchronous = %s", synchronous);
	if (sqlite3_exec(db, pragma, NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(db, schema, NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, &err) != SQLITE_OK) {
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	return 0;
fail:
	snprintf(msg, cap, "%s: %s", path, err ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	return -EIO;
}
