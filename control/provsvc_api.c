/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * provsvc_api.c: the API's backend table (control/api/api.h) over the
 * provisioning service: host states from the lifecycle engine, profiles
 * and explanations from the snapshot served, leases from the database,
 * reinstall and power through the lifecycle and the power scheduler.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "dhcp_ctl.h"
#include "leasedb.h"
#include "log.h"
#include "lifecycle/lcstore.h"
#include "lifecycle/lifecycle.h"
#include "lifecycle/power.h"
#include "lifecycle/select.h"
#include "provision/snapshot.h"
#include "provsvc.h"
#include "provsvc_api.h"
#include "rb_build.h"
#include "strbuf.h"

#define POWER_STATUS_WAIT_S 60 /* a status query of a whole rack waits this long at most */

static int
count_bound(const struct rb_lease_rec *r, void *arg)
{
	uint32_t now = (uint32_t)time(NULL);

	if (r->state == RB_LEASE_BOUND && r->expires > now)
		(*(unsigned long *)arg)++;
	return 0;
}

static json_t *
api_status(void *arg, char *err, size_t cap)
{
	struct provsvc *p = arg;
	json_t *o = lc_summary_json(provsvc_lc(p), provsvc_now_ms());
	unsigned long bound = 0;

	(void)err, (void)cap;
	if (!o) {
		errno = ENOMEM;
		return NULL;
	}
	if (provsvc_dhcp(p)->db)
		leasedb_foreach(provsvc_dhcp(p)->db, count_bound, &bound);
	json_object_set_new(o, "server", json_string(provsvc_server(p)));
	json_object_set_new(o, "version", json_string(RB_VERSION));
	json_object_set_new(o, "uptime_s", json_integer((json_int_t)(provsvc_uptime_ms(p) / 1000)));
	json_object_set_new(o, "leases", json_pack("{s:I}", "bound", (json_int_t)bound));
	return o;
}

/* The array under key in o (o is dropped). */
static json_t *
take_array(json_t *o, const char *key)
{
	json_t *a;

	if (!o)
		return NULL;
	a = json_incref(json_object_get(o, key));
	json_decref(o);
	if (!a)
		errno = ENOMEM;
	return a;
}

static json_t *
api_hosts(void *arg, const char *select, char *err, size_t cap)
{
	struct provsvc *p = arg;

	return take_array(lc_hosts_json(provsvc_lc(p), select, err, cap), "hosts");
}

/* The engine's event objects carry time_ms; the API says time (s). */
static void
event_times(json_t *events)
{
	size_t i;
	json_t *ev;

	json_array_foreach(events, i, ev)
	{
		json_t *ms = json_object_get(ev, "time_ms");

		if (json_is_integer(ms)) {
			json_object_set_new(ev, "time",
					    json_real((double)json_integer_value(ms) / 1000.0));
			json_object_del(ev, "time_ms");
		}
	}
}

static json_t *
api_host(void *arg, const char *name, char *err, size_t cap)
{
	struct provsvc *p = arg;
	json_t *h = lc_host_json(provsvc_lc(p), name, true);

	if (!h) {
		snprintf(err, cap, "no host named '%s'", name);
		errno = ENOENT;
		return NULL;
	}
	event_times(json_object_get(h, "events"));
	return h;
}

static json_t *
api_profiles(void *arg, char *err, size_t cap)
{
	struct provsvc *p = arg;
	const struct prov_snapshot *s = provsvc_snap_get(p);
	const struct inventory *inv = prov_inventory(s);
	json_t *a = json_array();

	(void)err, (void)cap;
	for (size_t i = 0; a && i < inv->n_profiles; i++) {
		const struct inv_profile *pr = &inv->profiles[i];
		json_t *o = json_object(), *initrd = json_array(), *tpls = json_array();

		for (unsigned k = 0; k < pr->n_initrd; k++)
			json_array_append_new(initrd, json_string(pr->initrd[k]));
		for (size_t k = 0; k < pr->templates.n; k++)
			json_array_append_new(tpls, json_string(pr->templates.v[k].key));
		json_object_set_new(o, "name", json_string(pr->name));
		json_object_set_new(o, "install", json_boolean(pr->install));
		json_object_set_new(o, "localboot", json_boolean(pr->localboot));
		json_object_set_new(o, "kernel",
				    pr->kernel ? json_string(pr->kernel) : json_null());
		json_object_set_new(o, "initrd", initrd);
		json_object_set_new(o, "templates", tpls);
		json_array_append_new(a, o);
	}
	provsvc_snap_put(p, s);
	if (!a)
		errno = ENOMEM;
	return a;
}

static char *
api_leases(void *arg, const char *state, char *err, size_t cap)
{
	return dhcp_ctl_leases(provsvc_dhcp(arg), state, err, cap);
}

static int
api_explain(void *arg, const uint8_t mac[6], const char *arch, char **text, char *err, size_t cap)
{
	static const int dhcp_arch[] = {0, 6, 7, 11, 16, 19};
	struct provsvc *p = arg;
	struct inv_machine m = {.arch = -1};
	const struct prov_snapshot *s;
	struct strbuf out;
	int rc;

	memcpy(m.mac, mac, 6);
	if (arch) {
		uint32_t bit = inv_arch_parse(arch);

		for (int i = 0; bit && i < 6; i++)
			if (inv_arch_bit(dhcp_arch[i]) == bit)
				m.arch = dhcp_arch[i];
		if (m.arch < 0) {
			snprintf(err, cap, "unknown architecture '%s'", arch);
			return -EINVAL;
		}
	}
	strbuf_init(&out, 0);
	s = provsvc_snap_get(p);
	rc = prov_explain(s, &m, &out);
	provsvc_snap_put(p, s);
	if (!rc)
		rc = strbuf_addf(&out, "now       %s\n",
				 lc_boots_install(provsvc_lc(p), mac)
				     ? "marked for reinstall: boots its installer"
				     : "not marked: its own configs boot the local drive (or its "
				       "profile, when that does not install)");
	if (rc) {
		strbuf_free(&out);
		return -ENOMEM;
	}
	*text = strbuf_detach(&out, NULL);
	return *text ? 0 : -ENOMEM;
}

static json_t *
api_events(void *arg, uint64_t since, unsigned max, uint64_t *last, char *err, size_t cap)
{
	struct provsvc *p = arg;
	json_t *a;

	(void)err, (void)cap;
	a = take_array(lc_events_json(provsvc_lc(p), since, max, last), "events");
	if (a)
		event_times(a);
	if (a && *last == since && json_array_size(a) == 0 && since == 0)
		*last = lc_last_event_id(provsvc_lc(p));
	return a;
}

static int
api_events_wait(void *arg, uint64_t since, int timeout_ms)
{
	return lc_events_wait(provsvc_lc(arg), since, timeout_ms);
}

/* ---- power ---- */

/* Results of one request's actions, waited for by status queries. */
struct power_batch {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned pending, refs;
	json_t *results;
};

static void
batch_put(struct power_batch *b)
{
	bool last;

	pthread_mutex_lock(&b->lock);
	last = --b->refs == 0;
	pthread_mutex_unlock(&b->lock);
	if (!last)
		return;
	json_decref(b->results);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
	free(b);
}

static void
power_done(void *arg, const char *host, enum power_action a, int rc, const char *msg)
{
	struct power_batch *b = arg;

	if (rc)
		RB_WARN("power %s %s: %s", power_action_name(a), host, msg);
	else
		RB_INFO("power %s %s: %s", power_action_name(a), host, msg && *msg ? msg : "ok");
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	if (a == POWER_STATUS) {
		json_t *o = json_pack("{s:s,s:b}", "host", host, "ok", rc == 0);

		if (rc == 0)
			json_object_set_new(o, "state",
					    json_string(strstr(msg, "on")    ? "on"
							: strstr(msg, "off") ? "off"
									     : "unknown"));
		else
			json_object_set_new(o, "error", json_string(msg));
		json_array_append_new(b->results, o);
	}
	b->pending--;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	batch_put(b);
}

/*
 * Submit action a for every selected host with a power driver. *queued:
 * how many went; names of those without a driver go to skipped. With a
 * batch, each submitted action holds a reference on it.
 */
static int
submit_all(struct provsvc *p, const struct lc_selection *sel, enum power_action a,
	   struct power_batch *b, json_t *queued, json_t *skipped)
{
	const struct prov_snapshot *s = provsvc_snap_get(p);
	const struct inventory *inv = prov_inventory(s);
	int n = 0;

	for (size_t i = 0; i < sel->n; i++) {
		const struct inv_host *h = inv_host_by_mac(inv, sel->v[i].mac);
		struct power_target t;

		if (!h || power_target_from_host(h, &t) < 0) {
			json_array_append_new(skipped, json_string(sel->v[i].name));
			continue;
		}
		if (b) {
			pthread_mutex_lock(&b->lock);
			b->pending++;
			b->refs++;
			pthread_mutex_unlock(&b->lock);
		}
		if (power_submit(provsvc_power(p), &t, a, power_done, b) < 0) {
			json_array_append_new(skipped, json_string(sel->v[i].name));
			if (b) {
				pthread_mutex_lock(&b->lock);
				b->pending--;
				pthread_mutex_unlock(&b->lock);
				batch_put(b);
			}
			continue;
		}
		json_array_append_new(queued, json_string(h->name));
		n++;
	}
	provsvc_snap_put(p, s);
	return n;
}

static json_t *
api_power(void *arg, const char *select, const char *action, char *err, size_t cap)
{
	struct provsvc *p = arg;
	struct lc_selection sel = {0};
	enum power_action a = strcmp(action, "on") == 0	     ? POWER_ON
			      : strcmp(action, "off") == 0   ? POWER_OFF
			      : strcmp(action, "cycle") == 0 ? POWER_CYCLE
							     : POWER_STATUS;
	json_t *queued = json_array(), *skipped = json_array(), *out;
	struct power_batch *b = NULL;
	int rc = lc_select(provsvc_lc(p), select, &sel, err, cap);

	if (rc < 0) {
		json_decref(queued);
		json_decref(skipped);
		errno = -rc;
		return NULL;
	}
	if (a == POWER_STATUS) {
		struct timespec dl;

		b = calloc(1, sizeof(*b));
		if (!b) {
			lc_selection_free(&sel);
			errno = ENOMEM;
			return NULL;
		}
		pthread_mutex_init(&b->lock, NULL);
		pthread_cond_init(&b->cond, NULL);
		b->refs = 1;
		b->results = json_array();
		submit_all(p, &sel, a, b, queued, skipped);
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += POWER_STATUS_WAIT_S;
		pthread_mutex_lock(&b->lock);
		while (b->pending && pthread_cond_timedwait(&b->cond, &b->lock, &dl) == 0)
			;
		out = json_pack("{s:O}", "results", b->results);
		pthread_mutex_unlock(&b->lock);
		batch_put(b);
		for (size_t i = 0; i < json_array_size(skipped); i++)
			json_array_append_new(json_object_get(out, "results"),
					      json_pack("{s:O,s:b,s:s}", "host",
							json_array_get(skipped, i), "ok", 0,
							"error", "no power driver configured"));
		json_decref(queued);
		json_decref(skipped);
	} else {
		int n = submit_all(p, &sel, a, NULL, queued, skipped);

		out =
		    json_pack("{s:i,s:o,s:o}", "queued", n, "hosts", queued, "no_driver", skipped);
	}
	lc_selection_free(&sel);
	return out;
}

static json_t *
api_reinstall(void *arg, const char *select, bool power_cycle, char *err, size_t cap)
{
	struct provsvc *p = arg;
	struct lc_selection sel = {0};
	struct lcstore_stats db0, db1;
	json_t *names, *out;
	uint64_t t0, t1;
	int flushed;
	int rc = lc_select(provsvc_lc(p), select, &sel, err, cap);

	if (rc >= 0)
		rc = lc_reinstall(provsvc_lc(p), &sel, provsvc_now_ms(), err, cap);
	if (rc < 0) {
		lc_selection_free(&sel);
		errno = -rc;
		return NULL;
	}
	/* Durable and served before anything is powered: a machine that
	 * boots at once must already get its installer. */
	provsvc_db_stats(p, &db0);
	t0 = provsvc_now_ms();
	flushed = lc_flush(provsvc_lc(p));
	t1 = provsvc_now_ms();
	provsvc_db_stats(p, &db1);
	if (flushed < 0 || provsvc_publish_now(p) < 0) {
		snprintf(err, cap, "hosts marked, but the %s failed (see the log)",
			 "database write or the boot config publish");
		lc_selection_free(&sel);
		errno = EIO;
		return NULL;
	}
	names = json_array();
	for (size_t i = 0; i < sel.n; i++)
		json_array_append_new(names, json_string(sel.v[i].name));
	out = json_pack("{s:i,s:o}", "marked", rc, "hosts", names);
	/* What marking them cost the database: one transaction, however many. */
	json_object_set_new(
	    out, "db",
	    json_pack("{s:I,s:I,s:f}", "transactions", (json_int_t)(db1.commits - db0.commits),
		      "rows",
		      (json_int_t)(db1.host_rows + db1.event_rows - db0.host_rows - db0.event_rows),
		      "seconds", (double)(t1 - t0) / 1000.0));
	if (power_cycle) {
		json_t *queued = json_array(), *skipped = json_array();
		int n = submit_all(p, &sel, POWER_CYCLE, NULL, queued, skipped);

		json_object_set_new(
		    out, "power",
		    json_pack("{s:i,s:o,s:o}", "queued", n, "hosts", queued, "no_driver", skipped));
	}
	lc_selection_free(&sel);
	return out;
}

static int
api_reload(void *arg, char *err, size_t cap)
{
	return provsvc_request_reload(arg, 30000, err, cap);
}

void
provsvc_api_backend(struct provsvc *p, struct api_backend *b)
{
	*b = (struct api_backend){
	    .arg = p,
	    .status = api_status,
	    .hosts = api_hosts,
	    .host = api_host,
	    .profiles = api_profiles,
	    .leases = api_leases,
	    .explain = api_explain,
	    .events = api_events,
	    .events_wait = api_events_wait,
	    .reinstall = api_reinstall,
	    .power = api_power,
	    .reload = api_reload,
	};
}
