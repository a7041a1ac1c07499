/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * select.c: host selectors (select.h): a union of terms, each marking the
 * hosts it picks in a bitmap over the tracked hosts, read out in inventory
 * order. Runs under the engine's lock, so a selection is one consistent
 * view of the states.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "lc_priv.h"
#include "select.h"

static const char *const term_kinds = "mac:, group:, label:, profile:, state:";

static int
by_name(struct lifecycle *lc, const char *name, bool *mark, char *err, size_t cap)
{
	for (size_t i = 0; i < lc->n_hosts; i++) {
		if (strcmp(lc->hosts[i].name, name) == 0) {
			mark[i] = true;
			return 0;
		}
	}
	snprintf(err, cap, "no host named '%s'", name);
	return -EINVAL;
}

static int
by_mac(struct lifecycle *lc, const char *v, bool *mark, char *err, size_t cap)
{
	uint8_t mac[6];
	struct lc_host *h;

	if (rb_hex_octets(v, ":-", mac, 6) != 6) {
		snprintf(err, cap, "'mac:%s': not a MAC address (like 52:54:00:12:34:56)", v);
		return -EINVAL;
	}
	h = lci_by_mac(lc, mac);
	if (!h) {
		snprintf(err, cap, "no host with MAC %s", v);
		return -EINVAL;
	}
	mark[h - lc->hosts] = true;
	return 0;
}

/*
 * The group's criteria but its architecture, which a host only shows while
 * it boots. A host without a configured address is judged by its lease.
 */
static int
by_group(struct lifecycle *lc, const char *v, bool *mark, char *err, size_t cap)
{
	const struct inventory *inv = lc->inv;

	for (size_t g = 0; inv && g < inv->n_groups; g++) {
		struct inv_group any_arch = inv->groups[g];

		if (strcmp(any_arch.name, v) != 0)
			continue;
		any_arch.arch_mask = 0;
		for (size_t i = 0; i < lc->n_hosts; i++) {
			const struct lc_host *h = &lc->hosts[i];
			struct inv_machine m = {.arch = -1, .has_uuid = h->ih->has_uuid};

			memcpy(m.mac, h->mac, 6);
			memcpy(m.uuid, h->ih->uuid, 16);
			m.ip = h->ip ? h->ip : h->lease_ip;
			if (inv_group_matches(&any_arch, &m, h->ih))
				mark[i] = true;
		}
		return 0;
	}
	snprintf(err, cap, "no group named '%s'", v);
	return -EINVAL;
}

static int
by_label(struct lifecycle *lc, const char *v, bool *mark, char *err, size_t cap)
{
	const char *eq = strchr(v, '=');
	char key[256];

	if (!eq || eq == v || (size_t)(eq - v) >= sizeof(key)) {
		snprintf(err, cap, "'label:%s': expected label:<key>=<value>", v);
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - v), v);
	for (size_t i = 0; i < lc->n_hosts; i++) {
		const struct inv_kv *kv = inv_kvs_get(&lc->hosts[i].ih->labels, key);

		if (kv && strcmp(kv->val, eq + 1) == 0)
			mark[i] = true;
	}
	return 0;
}

static int
by_profile(struct lifecycle *lc, const char *v, bool *mark, char *err, size_t cap)
{
	bool known = false;

	for (size_t p = 0; lc->inv && p < lc->inv->n_profiles && !known; p++)
		known = strcmp(lc->inv->profiles[p].name, v) == 0;
	if (!known) {
		snprintf(err, cap, "no profile named '%s'", v);
		return -EINVAL;
	}
	for (size_t i = 0; i < lc->n_hosts; i++)
		if (lc->hosts[i].prof && strcmp(lc->hosts[i].prof->name, v) == 0)
			mark[i] = true;
	return 0;
}

static int
by_state(struct lifecycle *lc, const char *v, bool *mark, char *err, size_t cap)
{
	int s = lc_state_parse(v);

	if (s < 0) {
		size_t off = (size_t)snprintf(err, cap, "unknown state '%s' (one of", v);

		for (int k = 0; k < LC_NSTATES && off < cap; k++)
			off += (size_t)snprintf(err + off, cap - off, "%s %s", k ? "," : ":",
						lc_state_name((enum lc_state)k));
		if (off < cap)
			snprintf(err + off, cap - off, ")");
		return -EINVAL;
	}
	for (size_t i = 0; i < lc->n_hosts; i++)
		if (lc->hosts[i].state == (enum lc_state)s)
			mark[i] = true;
	return 0;
}

static int
apply_term(struct lifecycle *lc, const char *t, bool *mark, char *err, size_t cap)
{
	static const struct {
		const char *prefix;
		int (*fn)(struct lifecycle *, const char *, bool *, char *, size_t);
	} kinds[] = {
	    {"mac:", by_mac},	      {"group:", by_group}, {"label:", by_label},
	    {"profile:", by_profile}, {"state:", by_state},
	};
	const char *colon = strchr(t, ':');

	if (strcmp(t, "all") == 0) {
		memset(mark, 1, lc->n_hosts * sizeof(*mark));
		return 0;
	}
	if (!colon)
		return by_name(lc, t, mark, err, cap);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t n = strlen(kinds[k].prefix);

		if (strncmp(t, kinds[k].prefix, n) != 0)
			continue;
		if (!t[n]) {
			snprintf(err, cap, "'%s' names nothing", t);
			return -EINVAL;
		}
		return kinds[k].fn(lc, t + n, mark, err, cap);
	}
	snprintf(err, cap, "'%s': unknown kind of term (expected all, a host name, %s)", t,
		 term_kinds);
	return -EINVAL;
}

/* Copy the marked hosts out. Returns their number or -ENOMEM. */
static int
collect(const struct lifecycle *lc, const bool *mark, struct lc_selection *out)
{
	size_t n = 0;

	for (size_t i = 0; i < lc->n_hosts; i++)
		n += mark[i];
	out->v = n ? calloc(n, sizeof(*out->v)) : NULL;
	if (n && !out->v)
		return -ENOMEM;
	out->n = 0;
	for (size_t i = 0; i < lc->n_hosts; i++) {
		if (!mark[i])
			continue;
		memcpy(out->v[out->n].mac, lc->hosts[i].mac, 6);
		memcpy(out->v[out->n].name, lc->hosts[i].name, sizeof(out->v[0].name));
		out->n++;
	}
	return (int)n;
}

int
lc_select(struct lifecycle *lc, const char *selector, struct lc_selection *out, char *err,
	  size_t cap)
{
	char *copy = selector ? strdup(selector) : NULL, *term, *next;
	bool *mark = NULL;
	int ret = 0;

	*out = (struct lc_selection){0};
	if (!selector || !copy) {
		snprintf(err, cap, "%s", selector ? strerror(ENOMEM) : "no selector");
		free(copy);
		return selector ? -ENOMEM : -EINVAL;
	}
	pthread_mutex_lock(&lc->lock);
	mark = calloc(lc->n_hosts + 1, sizeof(*mark));
	if (!mark) {
		snprintf(err, cap, "%s", strerror(ENOMEM));
		ret = -ENOMEM;
		goto out;
	}
	for (term = copy; term && !ret; term = next) {
		char *end;

		next = strchr(term, ',');
		if (next)
			*next++ = '\0';
		term += strspn(term, " \t");
		end = term + strlen(term);
		while (end > term && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*term) {
			snprintf(err, cap, "selector '%s' has an empty term", selector);
			ret = -EINVAL;
			break;
		}
		ret = apply_term(lc, term, mark, err, cap);
	}
	if (!ret) {
		ret = collect(lc, mark, out);
		if (ret == 0) {
			snprintf(err, cap, "selector '%s' matches no host", selector);
			ret = -EINVAL;
		} else if (ret < 0) {
			snprintf(err, cap, "%s", strerror(ENOMEM));
		}
	}
out:
	pthread_mutex_unlock(&lc->lock);
	free(mark);
	free(copy);
	return ret;
}

void
lc_selection_free(struct lc_selection *sel)
{
	if (!sel)
		return;
	free(sel->v);
	sel->v = NULL;
	sel->n = 0;
}
