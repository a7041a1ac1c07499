/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcstore.h: the host lifecycle's database: each host's state and its
 * recent history, in the database that holds the leases (dhcp.database),
 * with either backend the lease store has (leasedb.h):
 *
 * SQLite (a file path; lcstore_sqlite.c): a connection of its own to the
 * lease file (WAL, like the lease store), its schema version in table
 * `meta` under the key 'lifecycle_schema_version'. Tables:
 *
 *   host_state  (mac TEXT PRIMARY KEY "52:54:00:..", name, state, phase,
 *                since, token, reason, updated)   one row per host
 *   host_events (id INTEGER PRIMARY KEY, mac, time, kind, from_state,
 *                to_state, phase, detail)        at most `keep` per host
 *
 * Open it after leasedb_open() on the same file: the lease store refuses
 * a file whose `meta` table lacks its own key, which is what this store
 * would leave in a new file.
 *
 * PostgreSQL (a postgresql:// URI; lcstore_pg.c): the same tables in the
 * database several servers may share, versioned as component 'lifecycle'
 * of the table schema_version the lease store uses. There host_events.id
 * is the database's (bigserial: the order in which all servers' events
 * were stored) and seq the writing server's own event id; a host_state row
 * is replaced only by a newer one (its `updated`), so the row says the
 * newest state any server saw (docs/architecture.md).
 *
 * Times are milliseconds since the Unix epoch; states, phases and kinds are
 * their names (lctypes.h), so the tables read well in sqlite3 or psql.
 * A newer schema is refused.
 *
 * Thread safety: a mutex inside serialises every call. Errors: 0 (or a
 * count) or -errno; lcstore_open returns NULL with errno and a message.
 */
#ifndef RB_LIFECYCLE_LCSTORE_H
#define RB_LIFECYCLE_LCSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lctypes.h"

struct lcstore;

/* One host_state row. */
struct lcs_host {
	uint8_t mac[6];
	char name[LC_HOST_NAME_MAX];
	enum lc_state state; /* LC_UNKNOWN for a name this code does not know */
	enum lc_phase phase;
	uint64_t since_ms;
	char token[LC_TOKEN_LEN + 1]; /* "": none */
	char reason[LC_REASON_MAX];   /* "": none */
	uint64_t updated_ms;
};

/* What the store has done since it was opened. */
struct lcstore_stats {
	uint64_t commits;    /* transactions committed by lcstore_write */
	uint64_t failures;   /* lcstore_write calls rolled back (or not sent: database down) */
	uint64_t host_rows;  /* host_state rows written */
	uint64_t event_rows; /* host_events rows written */
};

/*
 * Open (creating its tables if needed) the lifecycle's part of the database
 * at where: a postgresql:// URI (with leasedb_connect()'s credentials:
 * password_file a file only uid may read, or NULL for libpq's own), or
 * else an SQLite file whose directory must exist (leasedb_prepare()).
 * NULL with errno and a message in msg: ENOTSUP for a newer schema, EINVAL
 * for what is not a rackboot database, ECONNREFUSED for a PostgreSQL
 * server that cannot be reached, EIO otherwise.
 */
struct lcstore *lcstore_connect(const char *where, const char *password_file, uid_t uid, char *msg,
				size_t cap);
/* lcstore_connect(where, NULL, geteuid(), ...). */
struct lcstore *lcstore_open(const char *where, char *msg, size_t cap);
/* NULL is a no-op. */
void lcstore_close(struct lcstore *s);
/* "sqlite", "postgresql"; "none" for NULL. */
const char *lcstore_backend(const struct lcstore *s);

/*
 * In ONE transaction: replace the rows of hosts[0..nh), insert events[0..ne)
 * (an event without a MAC is stored with mac NULL), then keep only the
 * newest `keep` events of each MAC those events name (keep 0: keep all).
 * 0, or -EIO with nothing changed (the reason is logged; with PostgreSQL
 * a database that is down fails at once, logged once per streak), or
 * -ENOMEM.
 */
int lcstore_write(struct lcstore *s, const struct lcs_host *hosts, size_t nh,
		  const struct lc_event *events, size_t ne, unsigned keep);

/* The row of mac: 0, -ENOENT, -EIO. */
int lcstore_get(struct lcstore *s, const uint8_t mac[6], struct lcs_host *out);

/*
 * The largest event id stored (0 when none) in *id: 0 or -EIO. With
 * PostgreSQL, the largest seq: a server numbers its events on from there.
 */
int lcstore_last_event_id(struct lcstore *s, uint64_t *id);

/*
 * The newest max events of mac (NULL: the events without a host), oldest
 * first, each handed to fn until fn returns non-zero (which is returned).
 * The events' host name is left empty; their id is the writing server's
 * (with PostgreSQL: seq). fn runs with the store's lock held:
 * it must not call into the store. Returns 0, fn's value, or -EIO.
 */
int lcstore_events(struct lcstore *s, const uint8_t *mac, unsigned max,
		   int (*fn)(void *arg, const struct lc_event *ev), void *arg);

void lcstore_stats(struct lcstore *s, struct lcstore_stats *out);

#endif
