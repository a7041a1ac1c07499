/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report.c: the engine as the API and /metrics see it: hosts, one host with
 * its history, the summary (counts, rate, ETA), the event stream as JSON,
 * and the Prometheus text. Everything is read under the engine's lock and
 * built into new objects; the database is read without it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "lc_priv.h"
#include "promtext.h"
#include "select.h"

/* Set key to val (taken over); a NULL val (out of memory) fails. */
static int
put(json_t *o, const char *key, json_t *val)
{
	return val ? json_object_set_new(o, key, val) : -1;
}

static json_t *
str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *
mac_json(const uint8_t mac[6])
{
	char buf[18];

	rb_hex_format(buf, mac, 6, ':');
	return json_string(buf);
}

static json_t *
ip_json(uint32_t ip)
{
	struct in_addr in = {.s_addr = ip};
	char buf[INET_ADDRSTRLEN];

	if (!ip || !inet_ntop(AF_INET, &in, buf, sizeof(buf)))
		return json_null();
	return json_string(buf);
}

static json_t *
progress_json(const struct lc_progress *p)
{
	json_t *o;

	if (!p->on)
		return json_null();
	o = json_object();
	if (!o || put(o, "file", json_string(p->file)) ||
	    put(o, "bytes", json_integer((json_int_t)p->bytes)) ||
	    put(o, "size", p->size_known ? json_integer((json_int_t)p->size) : json_null())) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
host_json(const struct lifecycle *lc, const struct lc_host *h)
{
	uint64_t in_state = lc->now_ms > h->since_ms ? lc->now_ms - h->since_ms : 0;
	json_t *o = json_object();

	if (!o || put(o, "name", json_string(h->name)) || put(o, "mac", mac_json(h->mac)) ||
	    put(o, "ip", ip_json(h->ip ? h->ip : h->lease_ip)) ||
	    put(o, "profile", str_or_null(h->prof ? h->prof->name : NULL)) ||
	    put(o, "state", json_string(lc_state_name(h->state))) ||
	    put(o, "phase", str_or_null(lc_phase_name(h->phase))) ||
	    put(o, "since", json_integer((json_int_t)(h->since_ms / 1000))) ||
	    put(o, "seconds_in_state", json_integer((json_int_t)(in_state / 1000))) ||
	    put(o, "progress", progress_json(&h->prog)) ||
	    put(o, "reason", str_or_null(h->reason)) ||
	    put(o, "install", json_boolean(lci_boots_install(h)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
event_json(const struct lc_event *e)
{
	json_t *o = json_object();

	if (!o || put(o, "id", json_integer((json_int_t)e->id)) ||
	    put(o, "time_ms", json_integer((json_int_t)e->time_ms)) ||
	    put(o, "host", str_or_null(e->host)) ||
	    put(o, "mac", e->has_mac ? mac_json(e->mac) : json_null()) ||
	    put(o, "kind", json_string(lc_ev_kind_name(e->kind))) ||
	    put(o, "from", e->from < 0 ? json_null() : json_string(lc_state_name(e->from))) ||
	    put(o, "to", e->to < 0 ? json_null() : json_string(lc_state_name(e->to))) ||
	    put(o, "phase", str_or_null(lc_phase_name(e->phase))) ||
	    put(o, "detail", json_string(e->detail))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"hosts": arr} or NULL (arr is taken over either way). */
static json_t *
wrap(const char *key, json_t *arr)
{
	json_t *o = arr ? json_object() : NULL;

	if (!o || json_object_set_new(o, key, arr)) {
		if (!o)
			json_decref(arr);
		json_decref(o);
		errno = ENOMEM;
		return NULL;
	}
	return o;
}

json_t *
lc_hosts_json(struct lifecycle *lc, const char *selector, char *err, size_t cap)
{
	struct lc_selection sel = {0};
	json_t *arr = json_array();
	int ret = 0;

	if (!arr) {
		errno = ENOMEM;
		return NULL;
	}
	if (selector) {
		ret = lc_select(lc, selector, &sel, err, cap);
		if (ret < 0) {
			json_decref(arr);
			errno = -ret;
			return NULL;
		}
	}
	pthread_mutex_lock(&lc->lock);
	for (size_t i = 0; i < (selector ? sel.n : lc->n_hosts) && arr; i++) {
		const struct lc_host *h = selector ? lci_by_mac(lc, sel.v[i].mac) : &lc->hosts[i];
		json_t *o;

		/* A host that left the inventory since it was selected is skipped. */
		if (!h)
			continue;
		o = host_json(lc, h);
		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			arr = NULL;
		}
	}
	pthread_mutex_unlock(&lc->lock);
	lc_selection_free(&sel);
	return wrap("hosts", arr);
}

/* The host's events, collected outside the engine's lock. */
struct history {
	struct lc_event *v;
	size_t n, cap;
};

static int
history_add(void *arg, const struct lc_event *ev)
{
	struct history *hi = arg;

	if (hi->n == hi->cap) {
		size_t cap = hi->cap ? hi->cap * 2 : 64;
		struct lc_event *p = realloc(hi->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		hi->v = p;
		hi->cap = cap;
	}
	hi->v[hi->n++] = *ev;
	return 0;
}

/* Without a store the ring is all there is; with one, what waits for it. */
static int
recent_of(const struct lifecycle *lc, const uint8_t mac[6], struct history *hi)
{
	int ret = 0;

	if (lc->store) {
		for (size_t i = 0; i < lc->n_pend && !ret; i++)
			if (lc->pend[i].has_mac && memcmp(lc->pend[i].mac, mac, 6) == 0)
				ret = history_add(hi, &lc->pend[i]);
		return ret;
	}
	for (uint64_t id = lc->next_id > lc->ring_cap ? lc->next_id - lc->ring_cap : 1;
	     id < lc->next_id && !ret; id++) {
		const struct lc_event *e = &lc->ring[id % lc->ring_cap];

		if (id >= lc->first_id && e->has_mac && memcmp(e->mac, mac, 6) == 0)
			ret = history_add(hi, e);
	}
	return ret;
}

/* The stored history then the newer unflushed events, newest `keep` of them. */
static json_t *
events_array(struct lifecycle *lc, const uint8_t mac[6], const char *name,
	     const struct history *recent)
{
	struct history all = {0};
	unsigned keep = lc->cfg.history ? lc->cfg.history : 100;
	json_t *arr = NULL;
	size_t from;
	int ret = 0;

	if (lc->store)
		ret = lcstore_events(lc->store, mac, keep, history_add, &all);
	if (ret)
		goto out;
	/* No flush ran since recent was taken (the caller holds flush_lock):
	 * what is stored and what waits for the store do not overlap. Ids
	 * cannot tell: with a shared database, other servers' events are
	 * numbered by them. */
	for (size_t i = 0; i < recent->n && !ret; i++)
		ret = history_add(&all, &recent->v[i]);
	if (ret)
		goto out;
	arr = json_array();
	from = all.n > keep ? all.n - keep : 0;
	for (size_t i = from; i < all.n && arr; i++) {
		json_t *e;

		snprintf(all.v[i].host, sizeof(all.v[i].host), "%s", name);
		e = event_json(&all.v[i]);
		if (!e || json_array_append_new(arr, e)) {
			json_decref(arr);
			arr = NULL;
		}
	}
out:
	free(all.v);
	return arr;
}

json_t *
lc_host_json(struct lifecycle *lc, const char *name, bool with_events)
{
	struct history recent = {0};
	const struct lc_host *h = NULL;
	char hname[LC_HOST_NAME_MAX];
	uint8_t mac[6];
	json_t *o = NULL, *ev;
	bool hold_flush = with_events && lc->store;
	int ret = 0;

	/* Held until the stored events are read: no flush moves events from
	 * the pending list to the store in between. */
	if (hold_flush)
		pthread_mutex_lock(&lc->flush_lock);
	pthread_mutex_lock(&lc->lock);
	for (size_t i = 0; name && i < lc->n_hosts && !h; i++)
		if (strcmp(lc->hosts[i].name, name) == 0)
			h = &lc->hosts[i];
	if (h) {
		o = host_json(lc, h);
		memcpy(mac, h->mac, 6);
		memcpy(hname, h->name, sizeof(hname));
		if (with_events)
			ret = recent_of(lc, mac, &recent);
	}
	pthread_mutex_unlock(&lc->lock);
	if (!h) {
		if (hold_flush)
			pthread_mutex_unlock(&lc->flush_lock);
		errno = ENOENT;
		return NULL;
	}
	if (o && with_events) {
		ev = ret ? NULL : events_array(lc, mac, hname, &recent);
		if (put(o, "events", ev)) {
			json_decref(o);
			o = NULL;
		}
	}
	if (hold_flush)
		pthread_mutex_unlock(&lc->flush_lock);
	free(recent.v);
	if (!o)
		errno = ENOMEM;
	return o;
}

/* Progress bytes per second over the last LC_RATE_WINDOW_S seconds, the
 * current partial one included. */
static double
rate_bps(const struct lifecycle *lc, uint64_t now_ms)
{
	uint64_t now_s = now_ms / 1000,
		 first = now_s >= LC_RATE_WINDOW_S - 1 ? now_s - (LC_RATE_WINDOW_S - 1) : 0;
	uint64_t bytes = 0, span_ms = now_ms - first * 1000;

	for (unsigned i = 0; i < LC_RATE_SLOTS; i++)
		if (lc->rate[i].sec >= first && lc->rate[i].sec <= now_s)
			bytes += lc->rate[i].bytes;
	return span_ms ? (double)bytes * 1000.0 / (double)span_ms : 0.0;
}

static json_t *
counts_json(const char *(*name)(unsigned), const uint64_t *v, unsigned n)
{
	json_t *o = json_object();

	for (unsigned i = 0; o && i < n; i++) {
		if (!name(i))
			continue;
		if (put(o, name(i), json_integer((json_int_t)v[i]))) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

static const char *
state_at(unsigned i)
{
	return lc_state_name((enum lc_state)i);
}

static const char *
phase_at(unsigned i)
{
	return lc_phase_name((enum lc_phase)i);
}

static const char *
fail_at(unsigned i)
{
	return lc_fail_name((enum lc_fail)i);
}

/*
 * Bytes h still has to fetch before its kernel starts: what is left of the
 * file it is on, plus, for the files it has not started, the sizes other
 * hosts of its profile fetched. false when nothing is known to estimate
 * with (no host of that profile got that far yet).
 */
static bool
boot_left(const struct lifecycle *lc, const struct lc_host *h, uint64_t *left)
{
	const struct lc_learned *l = h->prof ? lci_learned(lc, h->prof->name) : NULL;
	const struct lc_progress *p = &h->prog;
	uint64_t k = l ? l->kernel : 0, i = l ? l->initrd : 0, size;

	*left = 0;
	if (h->state != LC_PENDING && h->state != LC_BOOTING)
		return true;
	if (h->state == LC_BOOTING && (h->phase == LC_PH_KERNEL || h->phase == LC_PH_INITRD)) {
		size = p->size_known ? p->size : h->phase == LC_PH_KERNEL ? k : i;
		*left = size > p->bytes ? size - p->bytes : 0;
		if (h->phase == LC_PH_KERNEL)
			*left += i;
		return size != 0;
	}
	/* Marked, or at DHCP or its loader: the kernel and initrds to come. */
	*left = k + i;
	return k + i != 0;
}

json_t *
lc_summary_json(struct lifecycle *lc, uint64_t now_ms)
{
	uint64_t states[LC_NSTATES] = {0}, phases[LC_NPHASES] = {0}, fails[LC_NFAILS] = {0};
	uint64_t remaining = 0, left;
	bool known = true;
	double rate;
	json_t *o;

	pthread_mutex_lock(&lc->lock);
	lci_clock(lc, now_ms);
	for (size_t i = 0; i < lc->n_hosts; i++) {
		const struct lc_host *h = &lc->hosts[i];

		states[h->state]++;
		phases[h->phase]++;
		if (h->state == LC_FAILED)
			fails[lc_fail_class(h->reason)]++;
		known = boot_left(lc, h, &left) && known;
		remaining += left;
	}
	rate = rate_bps(lc, now_ms);
	pthread_mutex_unlock(&lc->lock);
	o = json_object();
	if (!o || put(o, "hosts", counts_json(state_at, states, LC_NSTATES)) ||
	    put(o, "phases", counts_json(phase_at, phases, LC_NPHASES)) ||
	    put(o, "failures", counts_json(fail_at, fails, LC_NFAILS)) ||
	    put(o, "rate_bps", json_integer((json_int_t)rate)) ||
	    put(o, "remaining_bytes", known ? json_integer((json_int_t)remaining) : json_null()) ||
	    put(o, "eta_s",
		rate > 0 && known ? json_real((double)remaining / rate) : json_null())) {
		json_decref(o);
		errno = ENOMEM;
		return NULL;
	}
	return o;
}

struct stream {
	json_t *arr;
	uint64_t last;
};

static int
stream_add(void *arg, const struct lc_event *ev)
{
	struct stream *s = arg;
	json_t *e = event_json(ev);

	if (!e || json_array_append_new(s->arr, e))
		return -ENOMEM;
	s->last = ev->id;
	return 0;
}

json_t *
lc_events_json(struct lifecycle *lc, uint64_t since, unsigned max, uint64_t *last)
{
	struct stream s = {.arr = json_array(), .last = since};
	uint64_t missed = 0;
	json_t *o;

	if (!s.arr) {
		errno = ENOMEM;
		return NULL;
	}
	lc_events_since(lc, since, max, stream_add, &s, &missed);
	o = json_object();
	if (!o || put(o, "events", s.arr) || put(o, "last", json_integer((json_int_t)s.last)) ||
	    put(o, "missed", json_integer((json_int_t)missed))) {
		if (!o)
			json_decref(s.arr);
		json_decref(o);
		errno = ENOMEM;
		return NULL;
	}
	if (last)
		*last = s.last;
	return o;
}

size_t
lc_metrics(struct lifecycle *lc, char *buf, size_t cap)
{
	static const char *const fail_labels[] = {"timeout_booting", "timeout_installing",
						  "timeout_pending", "tftp", "installer"};
	uint64_t states[LC_NSTATES] = {0}, hist[LC_NPHASES][LC_NBUCKETS + 1], sum_ms[LC_NPHASES];
	uint64_t fails[LC_NFAILS], refused;
	const char *names[LC_NSTATES];
	double le[LC_NBUCKETS];
	struct prom_out o;

	pthread_mutex_lock(&lc->lock);
	for (size_t i = 0; i < lc->n_hosts; i++)
		states[lc->hosts[i].state]++;
	memcpy(hist, lc->hist, sizeof(hist));
	memcpy(sum_ms, lc->hist_sum_ms, sizeof(sum_ms));
	memcpy(fails, lc->failures, sizeof(fails));
	refused = lc->refused;
	pthread_mutex_unlock(&lc->lock);

	for (unsigned i = 0; i < LC_NSTATES; i++)
		names[i] = lc_state_name((enum lc_state)i);
	for (unsigned i = 0; i < LC_NBUCKETS; i++)
		le[i] = lc_bucket_s[i];
	prom_init(&o, buf, cap);
	prom_labelled(&o, "rackboot_hosts", "gauge", "Tracked hosts per lifecycle state.", "state",
		      names, states, LC_NSTATES);
	prom_head(&o, "rackboot_phase_seconds", "histogram",
		  "Seconds hosts spent in each boot and install phase, counted when it ended.");
	for (unsigned p = LC_PH_NONE + 1; p < LC_NPHASES; p++)
		prom_histogram(&o, "rackboot_phase_seconds", "phase",
			       lc_phase_name((enum lc_phase)p), le, hist[p], LC_NBUCKETS,
			       (double)sum_ms[p] / 1000.0);
	/* The five classes the engine makes, in lctypes.h's order. */
	prom_labelled(&o, "rackboot_host_failures_total", "counter",
		      "Hosts that failed, by the class of the reason.", "reason", fail_labels,
		      fails, sizeof(fail_labels) / sizeof(fail_labels[0]));
	prom_metric(&o, "rackboot_callback_refused_total", "counter",
		    "Installer callbacks refused: unknown, replaced or used tokens.", refused);
	return o.len;
}
