/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcstore_impl.h: what a lifecycle store backend provides to lcstore.c,
 * the interface the engine uses (lcstore.h). Only lcstore*.c include this.
 *
 * A backend's handle starts with struct lcstore; lcstore.c checks the
 * arguments, then calls the backend's operation. Every operation is
 * thread-safe (the backend serialises its connection).
 */
#ifndef RB_LIFECYCLE_LCSTORE_IMPL_H
#define RB_LIFECYCLE_LCSTORE_IMPL_H

#include <sys/types.h>

#include "lcstore.h"

struct lcstore_ops {
	const char *name; /* "sqlite", "postgresql" */
	void (*close)(struct lcstore *s);
	/*
	 * lcstore_write()'s contract, nh + ne >= 1. trim[0..nt) holds one
	 * event for each MAC (and one for "no MAC") that events name: keep
	 * only the newest keep events of each; nt is 0 when keep is 0.
	 */
	int (*write)(struct lcstore *s, const struct lcs_host *hosts, size_t nh,
		     const struct lc_event *events, size_t ne, unsigned keep,
		     const struct lc_event *const *trim, size_t nt);
	int (*get)(struct lcstore *s, const uint8_t mac[6], struct lcs_host *out);
	int (*last_event_id)(struct lcstore *s, uint64_t *id);
	int (*events)(struct lcstore *s, const uint8_t *mac, unsigned max,
		      int (*fn)(void *arg, const struct lc_event *ev), void *arg);
	void (*stats)(struct lcstore *s, struct lcstore_stats *out);
};

struct lcstore {
	const struct lcstore_ops *ops;
};

struct lcstore *lcstore_sqlite_open(const char *path, char *msg, size_t cap);
struct lcstore *lcstore_pg_open(const char *uri, const char *password_file, uid_t uid, char *msg,
				size_t cap);

#endif
