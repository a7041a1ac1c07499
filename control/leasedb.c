/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * leasedb.c: the lease store's interface (leasedb.h): picks the backend
 * from the location (control/leasedb_sqlite.c for a file path,
 * control/leasedb_pg.c for a postgresql:// URI), checks arguments, and
 * builds what does not depend on the backend (state names, the JSON
 * listing). The PostgreSQL credentials are pg_util.c's, shared with the
 * host lifecycle's store.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "hex.h"
#include "leasedb_impl.h"
#include "pg_util.h"

static const char *const state_names[] = {
    [RB_LEASE_FREE] = "free",	      [RB_LEASE_OFFERED] = "offered",
    [RB_LEASE_BOUND] = "bound",	      [RB_LEASE_RELEASED] = "released",
    [RB_LEASE_DECLINED] = "declined", [RB_LEASE_EXPIRED] = "expired",
};

#define NB_STATES (sizeof(state_names) / sizeof(state_names[0]))

const char *
leasedb_state_name(unsigned state)
{
	return state < NB_STATES && state_names[state] ? state_names[state] : "unknown";
}

/* The enum value of a state name, or -EINVAL. */
static int
state_from_name(const char *name)
{
	unsigned i;

	for (i = 0; i < NB_STATES; i++)
		if (state_names[i] && !strcmp(state_names[i], name))
			return (int)i;
	return -EINVAL;
}

bool
leasedb_is_uri(const char *where)
{
	return pg_is_uri(where);
}

int
leasedb_uri_check(const char *uri, char *msg, size_t cap)
{
	return pg_uri_check(uri, msg, cap);
}

int
leasedb_where_kind(const char *where, const char *password_file, const char *what, char *msg,
		   size_t cap)
{
	if (msg && cap)
		msg[0] = '\0';
	if (!where || !*where) {
		snprintf(msg, cap, "%s path is empty", what);
		errno = EINVAL;
		return -1;
	}
	if (leasedb_is_uri(where))
		return 1;
	if (password_file && *password_file) {
		snprintf(msg, cap, "%s: a password file is for a postgresql:// database", where);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

struct leasedb *
leasedb_connect(const char *where, const char *password_file, uid_t uid, gid_t gid, char *msg,
		size_t cap)
{
	switch (leasedb_where_kind(where, password_file, "lease database", msg, cap)) {
	case 0:
		return leasedb_sqlite_open(where, uid, gid, msg, cap);
	case 1:
		return leasedb_pg_open(where, password_file, uid, msg, cap);
	default:
		return NULL;
	}
}

struct leasedb *
leasedb_open_owned(const char *where, uid_t uid, gid_t gid, char *msg, size_t cap)
{
	return leasedb_connect(where, NULL, uid, gid, msg, cap);
}

struct leasedb *
leasedb_open(const char *where, char *msg, size_t cap)
{
	return leasedb_connect(where, NULL, geteuid(), getegid(), msg, cap);
}

int
leasedb_prepare(const char *where, uid_t uid, gid_t gid, char *msg, size_t cap)
{
	snprintf(msg, cap, "%s", "");
	if (!where || !*where) {
		snprintf(msg, cap, "lease database path is empty");
		return -EINVAL;
	}
	/* A server's database has no file of ours to prepare. */
	return leasedb_is_uri(where) ? 0 : leasedb_sqlite_prepare(where, uid, gid, msg, cap);
}

/* NULL is a no-op. */
void
leasedb_close(struct leasedb *db)
{
	if (db)
		db->ops->close(db);
}

const char *
leasedb_backend(const struct leasedb *db)
{
	return db ? db->ops->name : "none";
}

int
leasedb_claim(struct leasedb *db, const struct rb_lease_rec *recs, size_t n, uint8_t *lost)
{
	if (!db || (!recs && n))
		return -EINVAL;
	if (!n)
		return 0;
	return db->ops->claim(db, recs, n, lost);
}

int
leasedb_commit(struct leasedb *db, const struct rb_lease_rec *recs, size_t n)
{
	return leasedb_claim(db, recs, n, NULL);
}

int
leasedb_changes(struct leasedb *db, struct lease_cursor *cursor, struct rb_lease_rec *out,
		size_t cap)
{
	if (!db || !cursor || (!out && cap))
		return -EINVAL;
	if (!db->ops->changes)
		return -ENOTSUP;
	return db->ops->changes(db, cursor, out, cap);
}

int
leasedb_changes_head(struct leasedb *db, struct lease_cursor *cursor)
{
	if (!db || !cursor)
		return -EINVAL;
	if (!db->ops->changes_head)
		return -ENOTSUP;
	return db->ops->changes_head(db, cursor);
}

int
leasedb_get(struct leasedb *db, uint32_t ip, struct rb_lease_rec *out)
{
	if (!db || !out)
		return -EINVAL;
	return db->ops->get(db, ip, out);
}

/*
 * The backend's read lock is held while fn runs: fn must not read through
 * this handle again.
 */
int
leasedb_foreach(struct leasedb *db, int (*fn)(const struct rb_lease_rec *, void *), void *arg)
{
	if (!db || !fn)
		return -EINVAL;
	return db->ops->walk(db, -1, fn, arg);
}

/*
 * A JSON string of a hostname. The dataplane sanitises hostnames, but an
 * invalid UTF-8 sequence would make jansson refuse the string, so such
 * bytes are shown as '?' rather than losing the row.
 */
static json_t *
hostname_json(const char *name)
{
	char copy[RB_HOSTNAME_MAX];
	json_t *s = json_string(name);
	size_t i;

	if (s)
		return s;
	snprintf(copy, sizeof(copy), "%s", name);
	for (i = 0; copy[i]; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	return json_string(copy);
}

struct json_ctx {
	json_t *arr;
	uint32_t now;
};

static int
set_new(json_t *obj, const char *key, json_t *val)
{
	return val ? json_object_set_new(obj, key, val) : -1;
}

/* One row as a JSON object appended to the array. Returns 0 or -ENOMEM. */
static int
rec_to_json(const struct rb_lease_rec *r, void *arg)
{
	struct json_ctx *ctx = arg;
	char buf[3 * RB_CLIENT_KEY_MAX + 1], addr[INET_ADDRSTRLEN];
	size_t hw = r->hlen < sizeof(r->chaddr) ? r->hlen : sizeof(r->chaddr);
	struct in_addr in = {.s_addr = r->ip};
	json_t *o = json_object();
	int bad = 0;

	if (!o)
		return -ENOMEM;
	inet_ntop(AF_INET, &in, addr, sizeof(addr));
	bad |= set_new(o, "address", json_string(addr));
	bad |= set_new(o, "state", json_string(leasedb_state_name(r->state)));
	if (r->htype == 1 && r->hlen == 6) {
		rb_hex_format(buf, r->chaddr, 6, ':');
		bad |= set_new(o, "mac", json_string(buf));
	} else {
		rb_hex_format(buf, r->chaddr, hw, 0);
		bad |= set_new(o, "hwaddr", json_string(buf));
	}
	rb_hex_format(buf, r->key, r->key_len, 0);
	bad |= set_new(o, "client_id", json_string(buf));
	if (r->hostname[0])
		bad |= set_new(o, "hostname", hostname_json(r->hostname));
	bad |= set_new(o, "expires", json_integer(r->expires));
	if (r->state == RB_LEASE_BOUND || r->state == RB_LEASE_DECLINED)
		bad |= set_new(o, "expires_in",
			       json_integer(r->expires > ctx->now ? r->expires - ctx->now : 0));
	bad |= set_new(o, "updated", json_integer(r->updated));
	if (bad || json_array_append_new(ctx->arr, o))
		return -ENOMEM;
	return 0;
}

char *
leasedb_json(struct leasedb *db, uint32_t now, const char *state_filter)
{
	struct json_ctx ctx = {.now = now};
	char *out = NULL;
	int ret = 0, state = -1;

	if (!db)
		goto einval;
	if (state_filter) {
		state = state_from_name(state_filter);
		if (state < 0)
			goto einval;
	}
	ctx.arr = json_array();
	if (!ctx.arr) {
		errno = ENOMEM;
		return NULL;
	}
	ret = db->ops->walk(db, state, rec_to_json, &ctx);
	if (!ret) {
		out = json_dumps(ctx.arr, JSON_PRESERVE_ORDER);
		if (!out)
			ret = -ENOMEM;
	}
	json_decref(ctx.arr);
	if (ret)
		errno = -ret;
	return out;
einval:
	errno = EINVAL;
	return NULL;
}
