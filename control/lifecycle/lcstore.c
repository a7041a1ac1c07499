/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcstore.c: the lifecycle store's interface (lcstore.h): picks the
 * backend from the location, as the lease store does (lcstore_sqlite.c for
 * a file path, lcstore_pg.c for a postgresql:// URI), checks arguments,
 * and works out what a write trims, which does not depend on the backend.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lcstore_impl.h"
#include "leasedb.h"

struct lcstore *
lcstore_connect(const char *where, const char *password_file, uid_t uid, char *msg, size_t cap)
{
	switch (leasedb_where_kind(where, password_file, "lifecycle database", msg, cap)) {
	case 0:
		return lcstore_sqlite_open(where, msg, cap);
	case 1:
		return lcstore_pg_open(where, password_file, uid, msg, cap);
	default:
		return NULL;
	}
}

struct lcstore *
lcstore_open(const char *where, char *msg, size_t cap)
{
	return lcstore_connect(where, NULL, geteuid(), msg, cap);
}

void
lcstore_close(struct lcstore *s)
{
	if (s)
		s->ops->close(s);
}

const char *
lcstore_backend(const struct lcstore *s)
{
	return s ? s->ops->name : "none";
}

/* Events ordered by MAC (host-less ones first), to trim each MAC once. */
static int
cmp_event_mac(const void *a, const void *b)
{
	const struct lc_event *x = *(const struct lc_event *const *)a;
	const struct lc_event *y = *(const struct lc_event *const *)b;

	if (x->has_mac != y->has_mac)
		return x->has_mac ? 1 : -1;
	return x->has_mac ? memcmp(x->mac, y->mac, 6) : 0;
}

int
lcstore_write(struct lcstore *s, const struct lcs_host *hosts, size_t nh,
	      const struct lc_event *events, size_t ne, unsigned keep)
{
	const struct lc_event **v = NULL;
	size_t nt = 0;
	int ret;

	if (!s || (nh && !hosts) || (ne && !events))
		return -EINVAL;
	if (!nh && !ne)
		return 0;
	if (keep && ne) {
		v = malloc(ne * sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < ne; i++)
			v[i] = &events[i];
		qsort(v, ne, sizeof(*v), cmp_event_mac);
		for (size_t i = 0; i < ne; i++)
			if (i == 0 || cmp_event_mac(&v[i - 1], &v[i]) != 0)
				v[nt++] = v[i];
	}
	ret = s->ops->write(s, hosts, nh, events, ne, keep, v, nt);
	free(v);
	return ret;
}

int
lcstore_get(struct lcstore *s, const uint8_t mac[6], struct lcs_host *out)
{
	if (!s || !mac || !out)
		return -EINVAL;
	return s->ops->get(s, mac, out);
}

int
lcstore_last_event_id(struct lcstore *s, uint64_t *id)
{
	if (!s || !id)
		return -EINVAL;
	return s->ops->last_event_id(s, id);
}

int
lcstore_events(struct lcstore *s, const uint8_t *mac, unsigned max,
	       int (*fn)(void *arg, const struct lc_event *ev), void *arg)
{
	if (!s || !fn)
		return -EINVAL;
	return s->ops->events(s, mac, max, fn, arg);
}

void
lcstore_stats(struct lcstore *s, struct lcstore_stats *out)
{
	if (!s || !out)
		return;
	s->ops->stats(s, out);
}
