/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lifecycle.c: the engine's core: which hosts are tracked and how they are
 * found (by MAC, by address), state changes and the events they make,
 * marking hosts for reinstall, timeouts, and the batched writes to the
 * database. The inputs that drive the states live in input.c, the views in
 * report.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "hex.h"
#include "lc_priv.h"
#include "log.h"

const unsigned lc_bucket_s[LC_NBUCKETS] = {1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};

void
lc_config_default(struct lc_config *c)
{
	*c = (struct lc_config){
	    .timeout_pending_s = 0,
	    .timeout_booting_s = 600,
	    .timeout_installing_s = 3600,
	    .history = 100,
	    .ring = 4096,
	};
}

struct lifecycle *
lc_create(const struct lc_config *cfg, struct lcstore *store, char *err, size_t cap)
{
	struct lifecycle *lc = calloc(1, sizeof(*lc));
	pthread_condattr_t ca;
	uint64_t last = 0;
	int ret = -ENOMEM;

	if (!lc) {
		snprintf(err, cap, "lifecycle: %s", strerror(ENOMEM));
		goto fail;
	}
	if (cfg)
		lc->cfg = *cfg;
	else
		lc_config_default(&lc->cfg);
	if (!lc->cfg.ring)
		lc->cfg.ring = 4096;
	lc->ring_cap = lc->cfg.ring;
	lc->ring = calloc(lc->ring_cap, sizeof(*lc->ring));
	if (!lc->ring) {
		snprintf(err, cap, "lifecycle: %s", strerror(ENOMEM));
		goto fail;
	}
	lc->store = store;
	if (store) {
		ret = lcstore_last_event_id(store, &last);
		if (ret) {
			snprintf(err, cap, "lifecycle: cannot read the database's events");
			goto fail;
		}
	}
	lc->next_id = lc->first_id = last + 1;
	lc->install_gen = 1;
	/* The wait measures its timeout on the monotonic clock: wall time jumps. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	ret = -pthread_cond_init(&lc->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (ret) {
		snprintf(err, cap, "lifecycle: %s", strerror(-ret));
		goto fail;
	}
	pthread_mutex_init(&lc->lock, NULL);
	pthread_mutex_init(&lc->flush_lock, NULL);
	return lc;
fail:
	if (lc)
		free(lc->ring);
	free(lc);
	errno = -ret;
	return NULL;
}

void
lc_destroy(struct lifecycle *lc)
{
	if (!lc)
		return;
	pthread_cond_destroy(&lc->cond);
	pthread_mutex_destroy(&lc->lock);
	pthread_mutex_destroy(&lc->flush_lock);
	free(lc->hosts);
	free(lc->by_mac);
	free(lc->ips.ip);
	free(lc->ips.idx);
	free(lc->ring);
	free(lc->pend);
	free(lc->orphans);
	free(lc);
}

void
lci_clock(struct lifecycle *lc, uint64_t now_ms)
{
	if (now_ms > lc->now_ms)
		lc->now_ms = now_ms;
}

bool
lci_boots_install(const struct lc_host *h)
{
	switch (h->state) {
	case LC_PENDING:
	case LC_BOOTING:
	case LC_INSTALLING:
		return true;
	case LC_FAILED:
		return h->token[0] != '\0';
	default:
		return false;
	}
}

/* ---- Finding hosts ---- */

static int
cmp_idx_mac(const void *a, const void *b, void *arg)
{
	const struct lc_host *hosts = arg;

	return memcmp(hosts[*(const uint32_t *)a].mac, hosts[*(const uint32_t *)b].mac, 6);
}

struct lc_host *
lci_by_mac(struct lifecycle *lc, const uint8_t mac[6])
{
	size_t lo = 0, hi = lc->n_hosts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct lc_host *h = &lc->hosts[lc->by_mac[mid]];
		int c = memcmp(mac, h->mac, 6);

		if (!c)
			return h;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static size_t
ip_slot(const struct lc_iphash *t, uint32_t ip)
{
	return (size_t)((ip * 2654435761u) & (uint32_t)(t->cap - 1));
}

/*
 * Map ip to host idx. A configured address is never taken over by another
 * host's lease: the configuration is the truth, a lease on it a mistake.
 */
static void
ip_insert(struct lc_iphash *t, uint32_t ip, uint32_t val)
{
	size_t i = ip_slot(t, ip);

	while (t->ip[i] && t->ip[i] != ip)
		i = (i + 1) & (t->cap - 1);
	if (!t->ip[i]) {
		t->ip[i] = ip;
		t->idx[i] = val;
		t->used++;
	} else if (!(t->idx[i] & LC_IP_CONFIGURED) || (val & LC_IP_CONFIGURED)) {
		t->idx[i] = val;
	}
}

/* The map's size for n hosts: at most a quarter full after a rebuild. */
static size_t
ip_cap(size_t n)
{
	size_t cap = 64;

	while (cap < 4 * (n + 1))
		cap *= 2;
	return cap;
}

/* Arrays for a map of cap slots, or the current ones when they have that size. */
static int
ip_reserve(const struct lifecycle *lc, size_t cap, uint32_t **ip, uint32_t **idx)
{
	if (cap == lc->ips.cap) {
		*ip = lc->ips.ip;
		*idx = lc->ips.idx;
		return 0;
	}
	*ip = calloc(cap, sizeof(**ip));
	*idx = calloc(cap, sizeof(**idx));
	if (*ip && *idx)
		return 0;
	free(*ip);
	free(*idx);
	return -ENOMEM;
}

/* Refill the address map from the hosts, dropping stale lease entries. */
static void
ip_fill(struct lifecycle *lc)
{
	struct lc_iphash *t = &lc->ips;

	memset(t->ip, 0, t->cap * sizeof(*t->ip));
	t->used = 0;
	for (size_t i = 0; i < lc->n_hosts; i++)
		if (lc->hosts[i].ip)
			ip_insert(t, lc->hosts[i].ip, (uint32_t)i | LC_IP_CONFIGURED);
	for (size_t i = 0; i < lc->n_hosts; i++)
		if (lc->hosts[i].lease_ip)
			ip_insert(t, lc->hosts[i].lease_ip, (uint32_t)i);
}

struct lc_host *
lci_by_ip(struct lifecycle *lc, uint32_t ip)
{
	const struct lc_iphash *t = &lc->ips;
	size_t i;

	if (!ip || !t->cap)
		return NULL;
	for (i = ip_slot(t, ip); t->ip[i]; i = (i + 1) & (t->cap - 1)) {
		uint32_t idx = t->idx[i] & ~LC_IP_CONFIGURED;
		struct lc_host *h;

		if (t->ip[i] != ip)
			continue;
		if (idx >= lc->n_hosts)
			return NULL;
		h = &lc->hosts[idx];
		/* A lease entry is stale once its host moved to another address. */
		if ((t->idx[i] & LC_IP_CONFIGURED) ? h->ip == ip : h->lease_ip == ip)
			return h;
		return NULL;
	}
	return NULL;
}

void
lci_set_lease(struct lifecycle *lc, struct lc_host *h, uint32_t ip)
{
	if (!ip || h->lease_ip == ip || !lc->ips.cap)
		return;
	h->lease_ip = ip;
	/* Stale lease entries pile up as addresses move; a refill drops them. */
	if (lc->ips.used + 1 > lc->ips.cap / 2) {
		ip_fill(lc);
		return;
	}
	ip_insert(&lc->ips, ip, (uint32_t)(h - lc->hosts));
}

void
lc_note_lease(struct lifecycle *lc, const uint8_t mac[6], uint32_t ip)
{
	struct lc_host *h;

	pthread_mutex_lock(&lc->lock);
	h = lci_by_mac(lc, mac);
	if (h)
		lci_set_lease(lc, h, ip);
	pthread_mutex_unlock(&lc->lock);
}

/* ---- Events and state changes ---- */

static void
observe_phase(struct lifecycle *lc, enum lc_phase ph, uint64_t ms)
{
	unsigned b = 0;

	while (b < LC_NBUCKETS && ms > (uint64_t)lc_bucket_s[b] * 1000)
		b++;
	lc->hist[ph][b]++;
	lc->hist_sum_ms[ph] += ms;
}

void
lci_move(struct lifecycle *lc, struct lc_host *h, enum lc_state to, enum lc_phase ph,
	 uint64_t now_ms, const char *detail)
{
	enum lc_state from = h->state;
	bool before = lci_boots_install(h);
	bool moved = from != to || h->phase != ph;

	if (h->phase != LC_PH_NONE && moved)
		observe_phase(lc, h->phase,
			      now_ms > h->phase_since_ms ? now_ms - h->phase_since_ms : 0);
	if (from != to)
		h->since_ms = now_ms;
	if (moved)
		h->phase_since_ms = now_ms;
	h->state = to;
	h->phase = ph;
	h->dirty = true;
	if (before != lci_boots_install(h))
		lc->install_gen++;
	lci_emit(lc, h, LC_EV_STATE, from, to, now_ms, "%s", detail);
}

void
lci_fail(struct lifecycle *lc, struct lc_host *h, const char *reason, uint64_t now_ms)
{
	char detail[LC_DETAIL_MAX];
	const char *ph = lc_phase_name(h->phase);

	snprintf(h->reason, sizeof(h->reason), "%s", reason);
	lc->failures[lc_fail_class(h->reason)]++;
	snprintf(detail, sizeof(detail), "%s%s%s%s", h->reason, ph ? " (in phase " : "",
		 ph ? ph : "", ph ? ")" : "");
	lci_move(lc, h, LC_FAILED, LC_PH_NONE, now_ms, detail);
}

void
lci_add_bytes(struct lifecycle *lc, uint64_t now_ms, uint64_t delta)
{
	uint64_t sec = now_ms / 1000;
	unsigned i = (unsigned)(sec % LC_RATE_SLOTS);

	if (lc->rate[i].sec != sec) {
		lc->rate[i].sec = sec;
		lc->rate[i].bytes = 0;
	}
	lc->rate[i].bytes += delta;
}

const struct lc_learned *
lci_learned(const struct lifecycle *lc, const char *name)
{
	for (unsigned i = 0; i < lc->n_learned; i++)
		if (!strcmp(lc->learned[i].profile, name))
			return &lc->learned[i];
	return NULL;
}

void
lci_learn(struct lifecycle *lc, const char *name, bool initrd, uint64_t size)
{
	struct lc_learned *l = (struct lc_learned *)lci_learned(lc, name);

	if (!l) {
		if (lc->n_learned == LC_LEARN_MAX) {
			memmove(&lc->learned[0], &lc->learned[1],
				(LC_LEARN_MAX - 1) * sizeof(lc->learned[0]));
			lc->n_learned--;
		}
		l = &lc->learned[lc->n_learned++];
		memset(l, 0, sizeof(*l));
		snprintf(l->profile, sizeof(l->profile), "%s", name);
	}
	if (initrd)
		l->initrd = size;
	else
		l->kernel = size;
}

/* ---- Tracking the inventory ---- */

/* Take row's stored state into h. */
static void
restore(struct lc_host *h, const struct lcs_host *row)
{
	h->state = row->state;
	h->phase = row->phase;
	h->since_ms = h->phase_since_ms = row->since_ms;
	snprintf(h->token, sizeof(h->token), "%s", row->token);
	snprintf(h->reason, sizeof(h->reason), "%s", row->reason);
	/* The row carries the name it was written under. */
	h->dirty = strcmp(row->name, h->name) != 0;
}

/* A host of inv not tracked before: its orphaned row, its stored row, or ready. */
static int
first_sight(struct lifecycle *lc, struct lc_host *h, uint64_t now_ms)
{
	struct lcs_host row;
	int ret;

	for (size_t i = 0; i < lc->n_orphans; i++) {
		if (memcmp(lc->orphans[i].mac, h->mac, 6) == 0) {
			/* Dropped from the orphans once the new table is in place. */
			restore(h, &lc->orphans[i]);
			h->dirty = true;
			return 0;
		}
	}
	ret = lc->store ? lcstore_get(lc->store, h->mac, &row) : -ENOENT;
	if (ret == -ENOENT) {
		h->state = LC_READY;
		h->since_ms = h->phase_since_ms = now_ms;
		h->dirty = true;
		return 0;
	}
	if (!ret)
		restore(h, &row);
	return ret;
}

/* The row h would be written as. */
static void
to_row(const struct lifecycle *lc, const struct lc_host *h, struct lcs_host *row)
{
	memset(row, 0, sizeof(*row));
	memcpy(row->mac, h->mac, 6);
	memcpy(row->name, h->name, sizeof(row->name));
	row->state = h->state;
	row->phase = h->phase;
	row->since_ms = h->since_ms;
	memcpy(row->token, h->token, sizeof(row->token));
	memcpy(row->reason, h->reason, sizeof(row->reason));
	row->updated_ms = lc->now_ms;
}

static int
add_orphan(struct lifecycle *lc, const struct lcs_host *row)
{
	if (lc->n_orphans == lc->cap_orphans) {
		size_t cap = lc->cap_orphans ? lc->cap_orphans * 2 : 16;
		struct lcs_host *p = realloc(lc->orphans, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		lc->orphans = p;
		lc->cap_orphans = cap;
	}
	lc->orphans[lc->n_orphans++] = *row;
	return 0;
}

static void
resolve(const struct inventory *inv, struct lc_host *h)
{
	struct inv_machine m = {.arch = -1, .ip = h->ih->ip, .has_uuid = h->ih->has_uuid};
	struct inv_decision d;

	memcpy(m.mac, h->mac, 6);
	memcpy(m.uuid, h->ih->uuid, 16);
	inv_resolve(inv, &m, &d);
	h->prof = d.profile;
	h->installs = d.boot == INV_BOOT_PROFILE && d.profile && d.profile->install;
}

int
lc_set_inventory(struct lifecycle *lc, const struct inventory *inv, uint64_t now_ms)
{
	size_t n = inv ? inv->n_hosts : 0;
	struct lc_host *hosts = calloc(n ? n : 1, sizeof(*hosts)), *old_hosts;
	uint32_t *by_mac = malloc((n ? n : 1) * sizeof(*by_mac));
	uint32_t *ip = NULL, *idx = NULL;
	bool changed = false;
	size_t cap, orphans_before;
	int ret = 0;

	if (!hosts || !by_mac) {
		free(hosts);
		free(by_mac);
		return -ENOMEM;
	}
	pthread_mutex_lock(&lc->lock);
	lci_clock(lc, now_ms);
	orphans_before = lc->n_orphans;
	for (size_t i = 0; i < n && !ret; i++) {
		const struct inv_host *ih = &inv->hosts[i];
		struct lc_host *h = &hosts[i], *old = lci_by_mac(lc, ih->mac);

		if (old)
			*h = *old;
		memcpy(h->mac, ih->mac, 6);
		snprintf(h->name, sizeof(h->name), "%s", ih->name);
		if (old && strcmp(old->name, h->name) != 0)
			h->dirty = true;
		h->ih = ih;
		h->ip = ih->ip;
		if (!old)
			ret = first_sight(lc, h, now_ms);
		resolve(inv, h);
		if ((old ? lci_boots_install(old) : false) != lci_boots_install(h))
			changed = true;
		by_mac[i] = (uint32_t)i;
	}
	if (ret)
		goto fail;
	/* Rows of hosts that leave with unwritten changes wait for the flush. */
	for (size_t i = 0; i < lc->n_hosts; i++) {
		struct lc_host *o = &lc->hosts[i];
		struct lcs_host row;

		if (inv && inv_host_by_mac(inv, o->mac))
			continue;
		if (lci_boots_install(o))
			changed = true;
		if (o->dirty) {
			to_row(lc, o, &row);
			ret = add_orphan(lc, &row);
			if (ret)
				goto fail;
		}
	}
	cap = ip_cap(n);
	ret = ip_reserve(lc, cap, &ip, &idx);
	if (ret)
		goto fail;
	qsort_r(by_mac, n, sizeof(*by_mac), cmp_idx_mac, hosts);
	old_hosts = lc->hosts;
	free(lc->by_mac);
	lc->hosts = hosts;
	lc->by_mac = by_mac;
	lc->n_hosts = n;
	lc->inv = inv;
	if (ip != lc->ips.ip) {
		free(lc->ips.ip);
		free(lc->ips.idx);
		lc->ips = (struct lc_iphash){.ip = ip, .idx = idx, .cap = cap};
	}
	ip_fill(lc);
	free(old_hosts);
	for (size_t i = 0; i < lc->n_orphans;) {
		if (lci_by_mac(lc, lc->orphans[i].mac))
			lc->orphans[i] = lc->orphans[--lc->n_orphans];
		else
			i++;
	}
	if (changed)
		lc->install_gen++;
	for (size_t i = 0; i < n; i++) {
		struct lc_host *h = &lc->hosts[i];
		char detail[LC_DETAIL_MAX];

		if (h->installs || !lci_boots_install(h))
			continue;
		snprintf(detail, sizeof(detail), "%s%s%s does not install: reinstall cancelled",
			 h->prof ? "profile '" : "its boot decision", h->prof ? h->prof->name : "",
			 h->prof ? "'" : "");
		h->reason[0] = '\0';
		memset(&h->prog, 0, sizeof(h->prog));
		lci_move(lc, h, LC_READY, LC_PH_NONE, now_ms, detail);
		h->token[0] = '\0';
	}
	pthread_mutex_unlock(&lc->lock);
	return 0;
fail:
	/* The hosts are still tracked: their rows must not be written twice. */
	lc->n_orphans = orphans_before;
	pthread_mutex_unlock(&lc->lock);
	free(hosts);
	free(by_mac);
	return ret;
}

/* ---- Marking hosts, and what they boot ---- */

/* n bytes from getrandom(). 0 or -EIO. */
static int
random_bytes(uint8_t *p, size_t n)
{
	while (n) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -EIO;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

int
lc_reinstall(struct lifecycle *lc, const struct lc_selection *sel, uint64_t now_ms, char *err,
	     size_t cap)
{
	struct lc_host **hs = NULL;
	uint8_t *rnd = NULL;
	char mac[18];
	int ret = 0;

	if (!sel || !sel->n) {
		snprintf(err, cap, "no host selected");
		return -EINVAL;
	}
	hs = malloc(sel->n * sizeof(*hs));
	rnd = malloc(sel->n * 16);
	if (!hs || !rnd) {
		snprintf(err, cap, "%s", strerror(ENOMEM));
		ret = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&lc->lock);
	lci_clock(lc, now_ms);
	for (size_t i = 0; i < sel->n; i++) {
		struct lc_host *h = lci_by_mac(lc, sel->v[i].mac);

		if (!h) {
			rb_hex_format(mac, sel->v[i].mac, 6, ':');
			snprintf(err, cap, "host %s (%s) is no longer in the inventory",
				 sel->v[i].name, mac);
			ret = -ENOENT;
			goto unlock;
		}
		if (!h->installs) {
			if (h->prof)
				snprintf(err, cap, "host %s: profile %s does not install", h->name,
					 h->prof->name);
			else
				snprintf(err, cap,
					 "host %s: it boots no profile, so nothing installs",
					 h->name);
			ret = -EINVAL;
			goto unlock;
		}
		hs[i] = h;
	}
	if (random_bytes(rnd, sel->n * 16)) {
		snprintf(err, cap, "no random bytes for the tokens: %s", strerror(errno));
		ret = -EIO;
		goto unlock;
	}
	for (size_t i = 0; i < sel->n; i++) {
		struct lc_host *h = hs[i];

		rb_hex_format(h->token, rnd + 16 * i, 16, 0);
		h->reason[0] = '\0';
		memset(&h->prog, 0, sizeof(h->prog));
		lci_move(lc, h, LC_PENDING, LC_PH_NONE, now_ms, "reinstall requested");
		/* Marking again starts afresh, the pending timeout too. */
		h->since_ms = h->phase_since_ms = now_ms;
	}
	/* Membership or at least a token changed: either way configs differ. */
	lc->install_gen++;
	ret = (int)sel->n;
unlock:
	pthread_mutex_unlock(&lc->lock);
out:
	free(hs);
	free(rnd);
	return ret;
}

bool
lc_boots_install(struct lifecycle *lc, const uint8_t mac[6])
{
	const struct lc_host *h;
	bool yes;

	pthread_mutex_lock(&lc->lock);
	h = lci_by_mac(lc, mac);
	yes = h && lci_boots_install(h);
	pthread_mutex_unlock(&lc->lock);
	return yes;
}

uint64_t
lc_install_gen(struct lifecycle *lc)
{
	uint64_t g;

	pthread_mutex_lock(&lc->lock);
	g = lc->install_gen;
	pthread_mutex_unlock(&lc->lock);
	return g;
}

int
lc_each_install(struct lifecycle *lc, int (*fn)(void *arg, const struct lc_install *h), void *arg)
{
	int ret = 0;

	pthread_mutex_lock(&lc->lock);
	for (size_t i = 0; i < lc->n_hosts && !ret; i++) {
		const struct lc_host *h = &lc->hosts[i];
		struct lc_install in = {
		    .host = h->ih, .profile = h->prof, .token = h->token, .state = h->state};

		if (lci_boots_install(h))
			ret = fn(arg, &in);
	}
	pthread_mutex_unlock(&lc->lock);
	return ret;
}

const char *
lc_token(struct lifecycle *lc, const uint8_t mac[6], char out[LC_TOKEN_LEN + 1])
{
	const struct lc_host *h;
	const char *ret = NULL;

	pthread_mutex_lock(&lc->lock);
	h = lci_by_mac(lc, mac);
	if (h && h->token[0]) {
		memcpy(out, h->token, LC_TOKEN_LEN + 1);
		ret = out;
	}
	pthread_mutex_unlock(&lc->lock);
	if (!ret)
		errno = ENOENT;
	return ret;
}

/* ---- Time ---- */

/* Has h been in its state for at least limit_s (0: never)? */
static bool
expired(const struct lc_host *h, uint32_t limit_s, uint64_t now_ms)
{
	return limit_s && now_ms >= h->since_ms + (uint64_t)limit_s * 1000;
}

void
lc_tick(struct lifecycle *lc, uint64_t now_ms)
{
	pthread_mutex_lock(&lc->lock);
	lci_clock(lc, now_ms);
	for (size_t i = 0; i < lc->n_hosts; i++) {
		struct lc_host *h = &lc->hosts[i];

		if (h->state == LC_PENDING && expired(h, lc->cfg.timeout_pending_s, now_ms))
			lci_fail(lc, h, "timeout in reinstall-pending", now_ms);
		else if (h->state == LC_BOOTING && expired(h, lc->cfg.timeout_booting_s, now_ms))
			lci_fail(lc, h, "timeout in booting", now_ms);
		else if (h->state == LC_INSTALLING &&
			 expired(h, lc->cfg.timeout_installing_s, now_ms))
			lci_fail(lc, h, "timeout in installing", now_ms);
	}
	pthread_mutex_unlock(&lc->lock);
}

/* ---- Persistence ---- */

/* After a failed write: what was taken goes back in front of what came since
 * (ev is taken over). */
static void
requeue(struct lifecycle *lc, struct lcs_host *rows, size_t nr, struct lc_event *ev, size_t ne)
{
	struct lc_event *p;
	size_t total;

	for (size_t i = 0; i < nr; i++) {
		struct lc_host *h = lci_by_mac(lc, rows[i].mac);

		if (h)
			h->dirty = true;
		else if (add_orphan(lc, &rows[i]))
			RB_ERR("lifecycle: out of memory: a host's state is not saved");
	}
	if (!ne) {
		free(ev);
		return;
	}
	total = ne + lc->n_pend;
	p = total <= LC_PEND_MAX ? realloc(ev, total * sizeof(*p)) : NULL;
	if (!p) {
		lc->events_unsaved += ne;
		free(ev);
		return;
	}
	if (lc->n_pend)
		memcpy(p + ne, lc->pend, lc->n_pend * sizeof(*p));
	free(lc->pend);
	lc->pend = p;
	lc->n_pend = lc->cap_pend = total;
}

int
lc_flush(struct lifecycle *lc)
{
	struct lcs_host *rows = NULL;
	struct lc_event *ev;
	size_t nr = 0, ne, dirty = 0;
	int ret;

	if (!lc->store)
		return 0;
	pthread_mutex_lock(&lc->flush_lock);
	pthread_mutex_lock(&lc->lock);
	for (size_t i = 0; i < lc->n_hosts; i++)
		dirty += lc->hosts[i].dirty;
	if (dirty + lc->n_orphans) {
		rows = malloc((dirty + lc->n_orphans) * sizeof(*rows));
		if (!rows) {
			pthread_mutex_unlock(&lc->lock);
			pthread_mutex_unlock(&lc->flush_lock);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < lc->n_hosts; i++) {
		if (!lc->hosts[i].dirty)
			continue;
		to_row(lc, &lc->hosts[i], &rows[nr++]);
		lc->hosts[i].dirty = false;
	}
	for (size_t i = 0; i < lc->n_orphans; i++)
		rows[nr++] = lc->orphans[i];
	lc->n_orphans = 0;
	ev = lc->pend;
	ne = lc->n_pend;
	lc->pend = NULL;
	lc->n_pend = lc->cap_pend = 0;
	pthread_mutex_unlock(&lc->lock);

	/* The write runs without the engine's lock: events keep flowing. */
	ret = lcstore_write(lc->store, rows, nr, ev, ne, lc->cfg.history);
	if (ret) {
		pthread_mutex_lock(&lc->lock);
		requeue(lc, rows, nr, ev, ne);
		pthread_mutex_unlock(&lc->lock);
	} else {
		free(ev);
		ret = (int)(nr + ne);
	}
	free(rows);
	pthread_mutex_unlock(&lc->flush_lock);
	return ret;
}
