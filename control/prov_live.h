/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * prov_live.h: the provisioning snapshot being served, swapped whole on
 * reload while HTTP threads read it, and the HTTP side of it: rendered
 * templates at /t/<name>.
 *
 * Readers take a reference (prov_live_get/put) and use the snapshot
 * without a lock; a reload publishes a new one and the old one is freed
 * when its last reader lets go.
 */
#ifndef RB_CONTROL_PROV_LIVE_H
#define RB_CONTROL_PROV_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "provision/snapshot.h"

struct leasedb;
struct prov_live;

/* NULL with errno on failure. db (may be NULL) finds a requester's MAC. */
struct prov_live *prov_live_new(struct prov_snapshot *first, struct leasedb *db);
void prov_live_free(struct prov_live *l);
void prov_live_set_db(struct prov_live *l, struct leasedb *db);

/* The installer callback token of the machine with this MAC into out
 * (NUL-terminated, at most 63 chars): 0, or -ENOENT when it has none. */
typedef int (*prov_token_fn)(void *arg, const uint8_t mac[6], char out[64]);
void prov_live_set_token(struct prov_live *l, prov_token_fn fn, void *arg);

/* Publish s (taken over); the previous snapshot goes when unused. */
void prov_live_swap(struct prov_live *l, struct prov_snapshot *s);

/* The current snapshot, with a reference, and its release. */
const struct prov_snapshot *prov_live_get(struct prov_live *l);
void prov_live_put(struct prov_live *l, const struct prov_snapshot *s);

/*
 * GET /t/<name>: the template <name> of the requesting machine's profile,
 * rendered for it. The machine is `mac` (the mac= query argument, may be
 * NULL) or else the holder of client_ip's lease. A machine that boots the
 * menu (it has no profile of its own) names the entry it chose with
 * `profile` (profile=, may be NULL), which must be one of the menu's. The
 * template variable callback_url is <http base>/cb/<token>, the token from
 * the function set with prov_live_set_token() ("unmarked" when there is
 * none: the callback is then refused). Returns the body
 * (malloc'd, *len bytes) with *status 200, or NULL with *status 400 (bad
 * name or mac), 404 (no such machine or template), 500 (render failed:
 * logged).
 */
char *prov_live_template(struct prov_live *l, const char *url, const char *mac, const char *profile,
			 uint32_t client_ip, unsigned *status, size_t *len);

#endif
