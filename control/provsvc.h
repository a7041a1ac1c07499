/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * provsvc.h: the provisioning service: what ties the host lifecycle to the
 * rest of the control process.
 *
 * It owns the lifecycle engine and its store, the power scheduler, and
 * publishing the generated boot configs; it takes in the dataplane's boot
 * events, the HTTP server's finished requests and the installers'
 * callbacks, and answers the API. main.c makes one, hands its functions to
 * dpchan and http, and calls provsvc_tick() from its loop.
 *
 * Threads: events come on the channel thread, requests and callbacks on
 * HTTP threads, ticks on the main thread. Everything here may be called
 * from any of them; the lifecycle engine has its own lock, and publishing
 * is serialised by one here.
 *
 * Errors, as everywhere in control/: 0 (or a count) or -errno; set-up fills
 * the caller's message buffer and prints nothing.
 */
#ifndef RB_CONTROL_PROVSVC_H
#define RB_CONTROL_PROVSVC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

#include <jansson.h>

#include "channel.h"

struct rb_config;
struct prov_live;
struct bootns;
struct dpchan;
struct dhcp_ctl;
struct provsvc;
struct lifecycle;
struct power_sched;
struct prov_snapshot;

/*
 * Start the service for cfg (timeouts, database, power limits) over the
 * snapshot being served by live. dhcp holds the lease database (leases
 * and the address-to-MAC map; NULL db with dhcp off); boot is the HTTP
 * side of the boot namespace. The host states are kept in dhcp.database
 * (SQLite file or PostgreSQL, lcstore.h), opened with the lease store's
 * credentials: dhcp.database_password_file, a file only uid may read.
 * The dataplane channel is attached later (provsvc_attach). NULL with
 * errno set and msg filled on failure.
 */
struct provsvc *provsvc_new(const struct rb_config *cfg, uid_t uid, struct prov_live *live,
			    struct dhcp_ctl *dhcp, struct bootns *boot, char *msg, size_t cap);
void provsvc_free(struct provsvc *p);

/* The dataplane is up: publish the generated configs to it from now on
 * (and once now). 0 or -errno with msg. */
int provsvc_attach(struct provsvc *p, struct dpchan *dp, char *msg, size_t cap);

/* A new snapshot is being served (reload): follow its inventory and
 * publish its files. */
void provsvc_reloaded(struct provsvc *p);

/* From the main loop, every ~200 ms: timeouts, the database flush, and a
 * publish when the set of hosts booting their installer changed. */
void provsvc_tick(struct provsvc *p);

/* dpchan's events callback (arg: the provsvc). */
void provsvc_on_events(const struct rb_event *ev, size_t n, uint32_t dropped, void *arg);

/* http's request-done hook (arg: the provsvc). */
void provsvc_on_http(void *arg, uint32_t client_ip, const char *path, unsigned status,
		     uint64_t bytes);

/* http's installer callback (arg: the provsvc): 0, -EACCES, -EINVAL. */
int provsvc_callback(void *arg, const char *token, bool ok, const char *reason, uint32_t client_ip);

/* The token template renderers put in callback_url (prov_live's hook). */
int provsvc_token(void *arg, const uint8_t mac[6], char out[64]);

/* End the API's event streams (before the HTTP server stops). */
void provsvc_stop_streams(struct provsvc *p);

/* Prometheus text for the lifecycle and power control; bytes written. */
size_t provsvc_metrics(struct provsvc *p, char *buf, size_t cap);

/*
 * A reload asked for through the API is run by the main loop: the API
 * thread waits for its outcome (up to timeout_ms). The main loop calls
 * provsvc_reload_wanted() each tick and provsvc_reload_done() after.
 */
int provsvc_request_reload(struct provsvc *p, int timeout_ms, char *err, size_t cap);
bool provsvc_reload_wanted(struct provsvc *p);
void provsvc_reload_done(struct provsvc *p, int rc, const char *err);

/* ---- for the API's backend (provsvc_api.c) ---- */

/* The lifecycle's clock: wall time in ms (its events are kept across
 * restarts). */
uint64_t provsvc_now_ms(void);
struct lifecycle *provsvc_lc(struct provsvc *p);
/* What the lifecycle database has written since the start (zeros without
 * one). */
struct lcstore_stats;
void provsvc_db_stats(struct provsvc *p, struct lcstore_stats *out);
struct power_sched *provsvc_power(struct provsvc *p);
struct dhcp_ctl *provsvc_dhcp(struct provsvc *p);
/* The snapshot served now, with a reference, and its release. */
const struct prov_snapshot *provsvc_snap_get(struct provsvc *p);
void provsvc_snap_put(struct provsvc *p, const struct prov_snapshot *s);
const char *provsvc_server(const struct provsvc *p);
uint64_t provsvc_uptime_ms(const struct provsvc *p);
/* Publish the generated configs now if the marks changed: 0 or -errno. */
int provsvc_publish_now(struct provsvc *p);

#endif
