/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boot_publish.h"
#include "config.h"
#include "dhcp_ctl.h"
#include "hex.h"
#include <inttypes.h>
#include "leasedb.h"
#include "lifecycle/lcstore.h"
#include "lifecycle/lifecycle.h"
#include "lifecycle/power.h"
#include "lifecycle/select.h"
#include "log.h"
#include "prov_live.h"
#include "promtext.h"
#include "provision/snapshot.h"
#include "provsvc.h"
#include "strbuf.h"

struct provsvc {
	struct prov_live *live;
	struct dhcp_ctl *dhcp; /* leases; its db is NULL with dhcp off */
	struct bootns *boot;
	struct dpchan *dp; /* NULL until attached */
	struct lcstore *store;
	struct lifecycle *lc;
	struct power_sched *power;
	char server[INET_ADDRSTRLEN];
	uint64_t started_ms;

	/* The snapshot whose inventory the engine tracks, held with a
	 * reference until the engine follows the next one. */
	pthread_mutex_t snap_lock;
	const struct prov_snapshot *snap;

	/* Publishing the generated configs: one at a time. */
	pthread_mutex_t pub_lock;
	uint64_t published_gen; /* lc_install_gen() at the last publish */
	bool published;		/* at least once */

	/* A reload asked for through the API, run by the main loop. */
	pthread_mutex_t rl_lock;
	pthread_cond_t rl_cond;
	unsigned rl_asked, rl_done; /* request counters */
	int rl_rc;
	char rl_err[512];
};

uint64_t
provsvc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Leases on disk map pool addresses to hosts after a restart. */
static int
note_lease(const struct rb_lease_rec *r, void *arg)
{
	if (r->state == RB_LEASE_BOUND && r->hlen == 6)
		lc_note_lease(arg, r->chaddr, r->ip);
	return 0;
}

struct provsvc *
provsvc_new(const struct rb_config *cfg, uid_t uid, struct prov_live *live, struct dhcp_ctl *dhcp,
	    struct bootns *boot, char *msg, size_t cap)
{
	struct provsvc *p = calloc(1, sizeof(*p));
	struct lc_config lcc;
	struct power_limits lim = POWER_LIMITS_DEFAULT;
	int rc;

	if (!p) {
		snprintf(msg, cap, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&p->snap_lock, NULL);
	pthread_mutex_init(&p->pub_lock, NULL);
	pthread_mutex_init(&p->rl_lock, NULL);
	pthread_cond_init(&p->rl_cond, NULL);
	p->live = live;
	p->dhcp = dhcp;
	p->boot = boot;
	p->started_ms = provsvc_now_ms();
	inet_ntop(AF_INET, &cfg->server_ip, p->server, sizeof(p->server));
	/* The host states live beside the leases: in the SQLite file, or in
	 * the PostgreSQL database the servers share (docs/architecture.md). */
	if (cfg->dhcp.database[0]) {
		p->store = lcstore_connect(cfg->dhcp.database, cfg->dhcp.database_password_file,
					   uid, msg, cap);
		if (!p->store)
			goto fail;
	}
	lc_config_default(&lcc);
	lcc.timeout_pending_s = cfg->lc_timeout_pending;
	lcc.timeout_booting_s = cfg->lc_timeout_booting;
	lcc.timeout_installing_s = cfg->lc_timeout_installing;
	lcc.history = cfg->lc_history;
	p->lc = lc_create(&lcc, p->store, msg, cap);
	if (!p->lc)
		goto fail;
	p->snap = prov_live_get(live);
	rc = lc_set_inventory(p->lc, prov_inventory(p->snap), provsvc_now_ms());
	if (rc < 0) {
		snprintf(msg, cap, "host states: %s", strerror(-rc));
		goto fail;
	}
	if (dhcp->db)
		leasedb_foreach(dhcp->db, note_lease, p->lc);
	lim.concurrency = cfg->power_concurrency;
	lim.stagger_ms = cfg->power_stagger_ms;
	lim.timeout_s = cfg->power_timeout_s;
	p->power = power_sched_new(&lim);
	if (!p->power) {
		snprintf(msg, cap, "power control: %s", strerror(errno));
		goto fail;
	}
	prov_live_set_token(live, provsvc_token, p);
	return p;
fail:
	provsvc_free(p);
	errno = EINVAL;
	return NULL;
}

void
provsvc_free(struct provsvc *p)
{
	if (!p)
		return;
	prov_live_set_token(p->live, NULL, NULL);
	power_sched_free(p->power);
	if (p->lc) {
		lc_stop(p->lc);
		lc_flush(p->lc);
		lc_destroy(p->lc);
	}
	lcstore_close(p->store);
	if (p->snap)
		prov_live_put(p->live, p->snap);
	pthread_mutex_destroy(&p->snap_lock);
	pthread_mutex_destroy(&p->pub_lock);
	pthread_mutex_destroy(&p->rl_lock);
	pthread_cond_destroy(&p->rl_cond);
	free(p);
}

/* ---- publishing the generated configs ---- */

static bool
marked(void *arg, const struct inv_host *h)
{
	return lc_boots_install(arg, h->mac);
}

/* Compose the files for the hosts marked now and send them. Caller holds
 * pub_lock. */
static int
publish_locked(struct provsvc *p, char *msg, size_t cap)
{
	const struct prov_snapshot *s;
	struct prov_file *files;
	uint64_t gen = lc_install_gen(p->lc);
	size_t n;
	int rc;

	pthread_mutex_lock(&p->snap_lock);
	s = p->snap;
	files = prov_compose(s, marked, p->lc, &n);
	pthread_mutex_unlock(&p->snap_lock);
	if (!files) {
		snprintf(msg, cap, "out of memory");
		return -ENOMEM;
	}
	rc = boot_publish_gen(p->dp, p->boot, files, n, msg, cap);
	free(files);
	if (rc == 0) {
		p->published_gen = gen;
		p->published = true;
	}
	return rc;
}

/* Publish when the set of hosts booting their installer changed. */
static int
publish_if_changed(struct provsvc *p, bool force)
{
	char msg[256] = "";
	int rc = 0;

	pthread_mutex_lock(&p->pub_lock);
	if (force || !p->published || lc_install_gen(p->lc) != p->published_gen)
		rc = publish_locked(p, msg, sizeof(msg));
	pthread_mutex_unlock(&p->pub_lock);
	if (rc < 0)
		RB_ERR("publishing boot configs: %s", msg);
	return rc;
}

int
provsvc_attach(struct provsvc *p, struct dpchan *dp, char *msg, size_t cap)
{
	int rc;

	pthread_mutex_lock(&p->pub_lock);
	p->dp = dp;
	rc = publish_locked(p, msg, cap);
	pthread_mutex_unlock(&p->pub_lock);
	return rc;
}

void
provsvc_reloaded(struct provsvc *p)
{
	const struct prov_snapshot *s = prov_live_get(p->live), *old;
	int rc;

	/* The snapshot pointer changes under snap_lock, and the engine follows
	 * the new inventory before the old one is let go. */
	pthread_mutex_lock(&p->snap_lock);
	old = p->snap;
	rc = lc_set_inventory(p->lc, prov_inventory(s), provsvc_now_ms());
	p->snap = rc < 0 ? old : s;
	pthread_mutex_unlock(&p->snap_lock);
	if (rc < 0) {
		RB_ERR("reload: host states: %s; still tracking the previous hosts", strerror(-rc));
		prov_live_put(p->live, s);
		return;
	}
	prov_live_put(p->live, old);
	publish_if_changed(p, true);
}

void
provsvc_tick(struct provsvc *p)
{
	int rc;

	lc_tick(p->lc, provsvc_now_ms());
	rc = lc_flush(p->lc);
	if (rc < 0)
		RB_ERR("host states: writing the database failed (%s); kept for the next try",
		       strerror(-rc));
	if (p->dp)
		publish_if_changed(p, false);
}

/* ---- inputs ---- */

/* Boot events at --log-level debug, one line each (tests read them). */
static void
log_events(const struct rb_event *ev, size_t n, uint32_t dropped)
{
	static const char *const kinds[] = {
	    [RB_EV_DHCP_ACK] = "dhcp-ack",	     [RB_EV_TFTP_START] = "tftp-start",
	    [RB_EV_TFTP_PROGRESS] = "tftp-progress", [RB_EV_TFTP_DONE] = "tftp-done",
	    [RB_EV_TFTP_FAIL] = "tftp-fail",
	};
	static const char *const reasons[] = {
	    [RB_EVR_NONE] = "",
	    [RB_EVR_TIMEOUT] = " timeout",
	    [RB_EVR_CLIENT_ERROR] = " client-error",
	    [RB_EVR_EXPIRED] = " expired",
	    [RB_EVR_EVICTED] = " evicted",
	};
	char mac[18], ip[INET_ADDRSTRLEN], name[RB_EVENT_NAME_MAX], code[16];
	size_t i, j;

	if (dropped)
		RB_DEBUG("event: the dataplane dropped %" PRIu32 " event(s)", dropped);
	for (i = 0; i < n; i++) {
		const struct rb_event *e = &ev[i];
		const char *kind = e->kind < sizeof(kinds) / sizeof(kinds[0]) && kinds[e->kind]
				       ? kinds[e->kind]
				       : "unknown";

		rb_hex_format(mac, e->mac, 6, ':');
		inet_ntop(AF_INET, &e->ip, ip, sizeof(ip));
		if (e->kind == RB_EV_DHCP_ACK) {
			snprintf(code, sizeof(code), e->arch == 0xffff ? "none" : "%u", e->arch);
			RB_DEBUG("event %s %s %s arch %s%s", kind, mac, ip, code,
				 e->flags & RB_EV_F_IPXE ? " ipxe" : "");
			continue;
		}
		/* The client's bytes: print them, never act on them. */
		for (j = 0; e->name[j]; j++)
			name[j] = e->name[j] > ' ' && e->name[j] < 0x7f ? e->name[j] : '?';
		name[j] = '\0';
		code[0] = '\0';
		if (e->reason == RB_EVR_CLIENT_ERROR)
			snprintf(code, sizeof(code), " %u", e->code);
		RB_DEBUG("event %s %s %s:%u %s %" PRIu64 "/%" PRIu64 " B%s%s%s", kind, mac, ip,
			 e->port, name, e->bytes, e->size,
			 e->reason < sizeof(reasons) / sizeof(reasons[0]) ? reasons[e->reason]
									  : " ?",
			 code, e->flags & RB_EV_F_MCAST ? " mcast" : "");
	}
}

void
provsvc_on_events(const struct rb_event *ev, size_t n, uint32_t dropped, void *arg)
{
	struct provsvc *p = arg;

	if (dropped)
		RB_WARN("the dataplane dropped %u boot event(s): host progress may lag", dropped);
	if (rb_log_get_level() >= RB_LOG_DEBUG)
		log_events(ev, n, dropped);
	lc_on_events(p->lc, ev, n, provsvc_now_ms());
}

void
provsvc_on_http(void *arg, uint32_t client_ip, const char *path, unsigned status, uint64_t bytes)
{
	struct provsvc *p = arg;

	if (client_ip)
		lc_on_http(p->lc, client_ip, path, status, bytes, provsvc_now_ms());
}

int
provsvc_callback(void *arg, const char *token, bool ok, const char *reason, uint32_t client_ip)
{
	struct provsvc *p = arg;
	char ip[INET_ADDRSTRLEN] = "?";
	int rc = lc_callback(p->lc, token, ok, reason, provsvc_now_ms());

	if (rc == -EACCES) {
		if (client_ip)
			inet_ntop(AF_INET, &client_ip, ip, sizeof(ip));
		RB_WARN("installer callback from %s refused: unknown, replaced or used token", ip);
	}
	return rc;
}

int
provsvc_token(void *arg, const uint8_t mac[6], char out[64])
{
	struct provsvc *p = arg;
	char tok[LC_TOKEN_LEN + 1];

	if (!lc_token(p->lc, mac, tok))
		return -ENOENT;
	snprintf(out, 64, "%s", tok);
	return 0;
}

/* The lifecycle's database writes (lcstore.h's stats). */
static size_t
db_metrics(struct provsvc *p, char *buf, size_t cap)
{
	struct lcstore_stats st;
	struct prom_out o;

	provsvc_db_stats(p, &st);
	prom_init(&o, buf, cap);
	prom_metric(&o, "rackboot_lifecycle_db_commits_total", "counter",
		    "Lifecycle database transactions committed (host states and events).",
		    st.commits);
	prom_metric(&o, "rackboot_lifecycle_db_failures_total", "counter",
		    "Lifecycle database writes rolled back (kept in memory and retried).",
		    st.failures);
	prom_metric(&o, "rackboot_lifecycle_db_host_rows_total", "counter",
		    "Host state rows written to the lifecycle database.", st.host_rows);
	prom_metric(&o, "rackboot_lifecycle_db_event_rows_total", "counter",
		    "Host events written to the lifecycle database.", st.event_rows);
	return o.full ? 0 : o.len;
}

size_t
provsvc_metrics(struct provsvc *p, char *buf, size_t cap)
{
	size_t n = lc_metrics(p->lc, buf, cap);

	if (n < cap)
		n += power_metrics(p->power, buf + n, cap - n);
	if (n < cap)
		n += db_metrics(p, buf + n, cap - n);
	return n;
}

void
provsvc_db_stats(struct provsvc *p, struct lcstore_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (p->store)
		lcstore_stats(p->store, out);
}

/* ---- reloads asked for through the API ---- */

int
provsvc_request_reload(struct provsvc *p, int timeout_ms, char *err, size_t cap)
{
	struct timespec dl;
	unsigned mine;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->rl_lock);
	mine = ++p->rl_asked;
	while (p->rl_done < mine && rc == 0)
		rc = pthread_cond_timedwait(&p->rl_cond, &p->rl_lock, &dl);
	if (p->rl_done >= mine) {
		rc = p->rl_rc;
		if (rc)
			snprintf(err, cap, "%s", p->rl_err);
	} else {
		snprintf(err, cap, "the reload did not finish within %d ms", timeout_ms);
		rc = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&p->rl_lock);
	return rc;
}

bool
provsvc_reload_wanted(struct provsvc *p)
{
	bool want;

	pthread_mutex_lock(&p->rl_lock);
	want = p->rl_asked > p->rl_done;
	pthread_mutex_unlock(&p->rl_lock);
	return want;
}

void
provsvc_reload_done(struct provsvc *p, int rc, const char *err)
{
	pthread_mutex_lock(&p->rl_lock);
	p->rl_done = p->rl_asked;
	p->rl_rc = rc;
	snprintf(p->rl_err, sizeof(p->rl_err), "%s", err ? err : "");
	pthread_cond_broadcast(&p->rl_cond);
	pthread_mutex_unlock(&p->rl_lock);
}

/* ---- what the API needs beyond the lifecycle (provsvc_api.c) ---- */

struct lifecycle *
provsvc_lc(struct provsvc *p)
{
	return p->lc;
}

struct power_sched *
provsvc_power(struct provsvc *p)
{
	return p->power;
}

const struct prov_snapshot *
provsvc_snap_get(struct provsvc *p)
{
	return prov_live_get(p->live);
}

void
provsvc_snap_put(struct provsvc *p, const struct prov_snapshot *s)
{
	prov_live_put(p->live, s);
}

struct dhcp_ctl *
provsvc_dhcp(struct provsvc *p)
{
	return p->dhcp;
}

void
provsvc_stop_streams(struct provsvc *p)
{
	lc_stop(p->lc);
}

const char *
provsvc_server(const struct provsvc *p)
{
	return p->server;
}

uint64_t
provsvc_uptime_ms(const struct provsvc *p)
{
	return provsvc_now_ms() - p->started_ms;
}

int
provsvc_publish_now(struct provsvc *p)
{
	return publish_if_changed(p, false);
}
