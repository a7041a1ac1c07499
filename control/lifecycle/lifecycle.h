/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lifecycle.h: the host lifecycle engine: where each known host is on the
 * way from "reinstall it" to "it boots its new disk", and what it should
 * boot right now.
 *
 * States (lctypes.h): unknown, ready, reinstall-pending, booting (phases
 * dhcp, loader, kernel, initrd), installing (kickstart, repository),
 * installed, local-boot, failed. docs/architecture.md ("Host lifecycle")
 * draws the transitions.
 *
 * The engine is pure: its inputs are the dataplane's boot events, finished
 * HTTP requests, the installer's callback and the passing of time, and the
 * clock is always a parameter (milliseconds since the Unix epoch: `since`
 * is stored and shown as wall time). It never reads a clock itself, except
 * that lc_events_wait() sleeps on CLOCK_MONOTONIC.
 *
 * Thread safety: one mutex inside; every function may be called from any
 * thread (the channel thread feeds events, HTTP threads feed requests,
 * callbacks and read JSON, the main loop ticks and flushes). Nothing calls
 * out with the lock held except the iterators that say so.
 *
 * Persistence: with a store (lcstore.h) the engine loads a host's state and
 * token when it first tracks it, and lc_flush() writes changed hosts and
 * new events in one transaction. Without one it works in memory only.
 *
 * Errors: 0 (or a count) or -errno; functions that can say why fill the
 * caller's err buffer (never printing); pointer functions return NULL and
 * set errno.
 */
#ifndef RB_LIFECYCLE_LIFECYCLE_H
#define RB_LIFECYCLE_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "channel.h"
#include "lctypes.h"
#include "provision/inventory.h"

struct lcstore;
struct lifecycle;

struct lc_config {
	uint32_t timeout_pending_s;    /* marked, not booting yet; 0 (default): none */
	uint32_t timeout_booting_s;    /* entering booting .. entering installing (600) */
	uint32_t timeout_installing_s; /* entering installing .. the callback (3600) */
	uint32_t history;	       /* events kept per host in the database (100; 0: all) */
	uint32_t ring;		       /* recent events kept in memory for the stream (4096) */
};

/* The defaults above. */
void lc_config_default(struct lc_config *c);

/*
 * A new engine tracking nobody yet (call lc_set_inventory next). store may
 * be NULL (memory only); it stays the caller's and must outlive the engine.
 * Event ids continue after the largest stored one. NULL with errno and a
 * message in err.
 */
struct lifecycle *lc_create(const struct lc_config *cfg, struct lcstore *store, char *err,
			    size_t cap);
/* Frees the engine (unflushed changes are lost: lc_flush first). NULL: no-op. */
void lc_destroy(struct lifecycle *lc);

/*
 * Track inv's hosts: a host still present (same MAC) keeps its state; a new
 * one takes its stored state and token when the store knows its MAC, else
 * starts `ready`; a removed one is forgotten in memory (its rows stay in the
 * database). Each host's profile is inv_resolve() for its MAC and address
 * with no architecture (-1), so an arch-only group never decides here. A
 * host whose profile no longer installs leaves reinstall-pending, booting,
 * installing and failed for `ready`, its token void. The caller keeps inv
 * alive and unchanged until the next call (or lc_destroy); nothing points
 * into an older one. 0, -ENOMEM or -EIO (the store could not be read;
 * nothing changed).
 */
int lc_set_inventory(struct lifecycle *lc, const struct inventory *inv, uint64_t now_ms);

/* ---- Marking hosts ---- */

/* Hosts picked by a selector (select.h), by MAC: stable across reloads. */
struct lc_sel_host {
	uint8_t mac[6];
	char name[LC_HOST_NAME_MAX];
};

struct lc_selection {
	struct lc_sel_host *v; /* malloc'd; lc_selection_free (select.h) */
	size_t n;
};

/*
 * Mark every selected host reinstall-pending with a new single-use token
 * (128 bits from getrandom(), 32 lowercase hex digits), its reason and
 * progress cleared and its previous token void. All or nothing: a host
 * whose profile does not install (-EINVAL, "host X: profile Y does not
 * install") or that left the inventory (-ENOENT), or no randomness (-EIO),
 * changes nobody. Returns the number marked.
 */
int lc_reinstall(struct lifecycle *lc, const struct lc_selection *sel, uint64_t now_ms, char *err,
		 size_t cap);

/* ---- What a host boots ---- */

/*
 * True while mac's host should boot its install profile: reinstall-pending,
 * booting, installing, or failed with its token unused. Otherwise (ready,
 * installed, local-boot, an unknown MAC) it boots its local disk.
 */
bool lc_boots_install(struct lifecycle *lc, const uint8_t mac[6]);

/*
 * A counter that grows whenever the set of hosts booting their installer
 * changes, or a member's token does: regenerate the per-host boot configs
 * when it differs from the value seen last time.
 */
uint64_t lc_install_gen(struct lifecycle *lc);

/* One host that boots its installer now (lc_each_install). */
struct lc_install {
	const struct inv_host *host;	   /* in the current inventory */
	const struct inv_profile *profile; /* its install profile */
	const char *token;		   /* its callback token */
	enum lc_state state;
};

/*
 * Call fn for each host that boots its installer, in inventory order, until
 * fn returns non-zero (returned). fn runs WITH THE LOCK HELD: it must not
 * call lc_* functions. Returns 0, or fn's value.
 */
int lc_each_install(struct lifecycle *lc, int (*fn)(void *arg, const struct lc_install *h),
		    void *arg);

/*
 * The valid token of mac's host into out (for the callback URL
 * http://<server>/cb/<token> rendered into its templates). Returns out, or
 * NULL with errno ENOENT (unknown MAC, or no valid token).
 */
const char *lc_token(struct lifecycle *lc, const uint8_t mac[6], char out[LC_TOKEN_LEN + 1]);

/* ---- Inputs ---- */

/* What a fetched name is to the host's profile (lc_classify). */
enum lc_file_role {
	LC_FILE_OTHER = 0,
	LC_FILE_LOADER,	  /* boot loaders and their configs */
	LC_FILE_KERNEL,	  /* the profile's kernel */
	LC_FILE_INITRD,	  /* one of the profile's initrds */
	LC_FILE_TEMPLATE, /* HTTP /t/... */
};

/*
 * Classify name: a TFTP file name, or an HTTP path (a leading "/boot/" or
 * "/" is stripped, so is a query). Kernel and initrds are the profile's
 * entries (p may be NULL), which may be boot-namespace paths or URLs: they
 * match when one path is the other, or ends with it after a '/'.
 * Loaders: pxelinux.0, lpxelinux.0, *.c32, syslinux.efi, ldlinux.e64,
 * grubx64.efi, grubnetx64.efi, grubaa64.efi, shimx64.efi, bootx64.efi,
 * undionly.kpxe, ipxe.efi, snponly.efi in any directory, and the configs
 * boot.ipxe, pxelinux.cfg/..., efi64/pxelinux.cfg/..., grub/..., ipxe/....
 */
enum lc_file_role lc_classify(const struct inv_profile *p, const char *name);

/*
 * Dataplane boot events (proto/channel.h), all stamped now_ms. DHCP_ACK
 * also remembers the bound address, which maps HTTP requests to the host.
 * Events of MACs not in the inventory are ignored.
 */
void lc_on_events(struct lifecycle *lc, const struct rb_event *ev, size_t n, uint64_t now_ms);

/*
 * An HTTP request finished: client_ip (network order) is mapped to a host
 * by its configured address, else the address its last DHCP ACK bound.
 * status is the HTTP status, bytes the body bytes sent.
 */
void lc_on_http(struct lifecycle *lc, uint32_t client_ip, const char *path, unsigned status,
		uint64_t bytes, uint64_t now_ms);

/*
 * The installer's callback (/cb/<token>): ok moves the token's host to
 * installed and uses the token up; !ok moves it to failed with reason
 * "installer: <reason>" and leaves the token valid for a retry. 0, or
 * -EACCES for an unknown, replaced or used token (counted, and an event).
 */
int lc_callback(struct lifecycle *lc, const char *token, bool ok, const char *reason,
		uint64_t now_ms);

/*
 * Remember that ip (network order) is bound to mac, without an event (for
 * instance the lease database's rows at start, so a host that is installing
 * across a restart is still recognised by its pool address).
 */
void lc_note_lease(struct lifecycle *lc, const uint8_t mac[6], uint32_t ip);

/* Time passes: timeouts fire (failed, "timeout in <state>"). */
void lc_tick(struct lifecycle *lc, uint64_t now_ms);

/* ---- Events ---- */

/*
 * Call fn for the events in memory with id > since, oldest first, at most
 * max, until fn returns non-zero. fn runs WITH THE LOCK HELD: it must not
 * call lc_* functions. *missed (may be NULL) is the number of events after
 * since that have already left the ring. Returns the number handed to fn.
 */
unsigned lc_events_since(struct lifecycle *lc, uint64_t since, unsigned max,
			 int (*fn)(void *arg, const struct lc_event *ev), void *arg,
			 uint64_t *missed);

/*
 * Wait until an event with id > since exists (1), timeout_ms passes (0), or
 * lc_stop() was called (-ECANCELED).
 */
int lc_events_wait(struct lifecycle *lc, uint64_t since, int timeout_ms);

/* Wake every lc_events_wait() and make later ones return -ECANCELED at
 * once (call before stopping the HTTP server). */
void lc_stop(struct lifecycle *lc);

/* The id of the newest event (0: none yet). */
uint64_t lc_last_event_id(struct lifecycle *lc);

/* ---- Persistence ---- */

/*
 * Write the hosts changed and the events made since the last flush in one
 * transaction (call every ~200 ms from the main loop, and right after a
 * reinstall). Returns the number of rows written (0 without a store or
 * with nothing to do), or -EIO: everything stays queued for the next call.
 */
int lc_flush(struct lifecycle *lc);

/* ---- The API's views (report.c) ---- */

/*
 * {"hosts": [{name, mac, ip|null, profile|null, state, phase|null, since
 * (unix s), seconds_in_state, progress: {file, bytes, size|null}|null,
 * reason|null, install: bool}, ...]} in inventory order, of the hosts
 * selector picks (NULL: all). seconds_in_state counts to the newest clock
 * value the engine was given (lc_tick keeps it fresh). NULL with errno
 * EINVAL and the selector's error in err, or ENOMEM.
 */
json_t *lc_hosts_json(struct lifecycle *lc, const char *selector, char *err, size_t cap);

/*
 * One host by name, as above; with_events adds "events": its history from
 * the database and the events not yet flushed, newest last. NULL (errno
 * ENOENT) for an unknown name.
 */
json_t *lc_host_json(struct lifecycle *lc, const char *name, bool with_events);

/*
 * {"hosts": {state: count} (every state), "phases": {phase: count} (every
 * phase), "failures": {class: count} (failed hosts by the class of their
 * reason), "rate_bps": progress bytes per second over the last ~5 s,
 * "eta_s": the bytes still to come of transfers of known size / rate_bps,
 * or null when nothing moves}.
 */
json_t *lc_summary_json(struct lifecycle *lc, uint64_t now_ms);

/*
 * {"events": [{id, time_ms, host|null, mac|null, kind, from|null, to|null,
 * phase|null, detail}, ...], "last": id, "missed": n}: the events in memory
 * after since, at most max. *last (may be NULL) gets the last id returned,
 * or since when there is none.
 */
json_t *lc_events_json(struct lifecycle *lc, uint64_t since, unsigned max, uint64_t *last);

/*
 * Prometheus text (control/promtext.h) into buf: rackboot_hosts{state}
 * gauge, rackboot_phase_seconds{phase} histogram (1 .. 3600 s),
 * rackboot_host_failures_total{reason}, rackboot_callback_refused_total.
 * Returns the length written; a buffer too small cuts the output.
 */
size_t lc_metrics(struct lifecycle *lc, char *buf, size_t cap);

#endif
