/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"

static void *
grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(arr, ncap * elem);
	if (!p)
		return NULL;
	memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
	*cap = ncap;
	return p;
}

#define ADD(inv, arr, n, cap)                                                                      \
	do {                                                                                       \
		void *p_ = grow((inv)->arr, &(inv)->cap, (inv)->n, sizeof(*(inv)->arr));           \
		if (!p_) {                                                                         \
			errno = ENOMEM;                                                            \
			return NULL;                                                               \
		}                                                                                  \
		(inv)->arr = p_;                                                                   \
		return &(inv)->arr[(inv)->n++];                                                    \
	} while (0)

struct inv_profile *
inv_add_profile(struct inventory *inv)
{
	ADD(inv, profiles, n_profiles, cap_profiles);
}

struct inv_host *
inv_add_host(struct inventory *inv)
{
	ADD(inv, hosts, n_hosts, cap_hosts);
}

struct inv_group *
inv_add_group(struct inventory *inv)
{
	ADD(inv, groups, n_groups, cap_groups);
}

const char *
inv_intern_file(struct inventory *inv, const char *file)
{
	char **p, *s;

	for (size_t i = 0; i < inv->n_files; i++)
		if (strcmp(inv->files[i], file) == 0)
			return inv->files[i];
	s = strdup(file);
	p = s ? realloc(inv->files, (inv->n_files + 1) * sizeof(*p)) : NULL;
	if (!p) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	inv->files = p;
	inv->files[inv->n_files++] = s;
	return s;
}

int
inv_kvs_set(struct inv_kvs *m, const char *key, const char *val, struct inv_pos pos)
{
	char *v = strdup(val), *k;
	struct inv_kv *p;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->v[i].key, key) == 0) {
			free(m->v[i].val);
			m->v[i].val = v;
			m->v[i].pos = pos;
			return 0;
		}
	}
	k = strdup(key);
	p = k ? grow(m->v, &m->cap, m->n, sizeof(*m->v)) : NULL;
	if (!p) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	m->v = p;
	m->v[m->n++] = (struct inv_kv){.key = k, .val = v, .pos = pos};
	return 0;
}

const struct inv_kv *
inv_kvs_get(const struct inv_kvs *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].key, key) == 0)
			return &m->v[i];
	return NULL;
}

static void
kvs_free(struct inv_kvs *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].val);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

uint32_t
inv_arch_bit(int a)
{
	switch (a) {
	case 0:
		return INV_ARCH_BIOS;
	case 6:
		return INV_ARCH_EFI_IA32;
	case 7:
	case 9:
		return INV_ARCH_EFI_X64;
	case 11:
		return INV_ARCH_EFI_ARM64;
	case 16:
		return INV_ARCH_HTTP_X64;
	case 19:
		return INV_ARCH_HTTP_ARM64;
	default:
		return 0;
	}
}

static const struct {
	const char *name;
	uint32_t bit;
} arch_names[] = {
    {"bios", INV_ARCH_BIOS},	     {"efi-ia32", INV_ARCH_EFI_IA32},
    {"efi-x64", INV_ARCH_EFI_X64},   {"efi-arm64", INV_ARCH_EFI_ARM64},
    {"http-x64", INV_ARCH_HTTP_X64}, {"http-arm64", INV_ARCH_HTTP_ARM64},
};

const char *
inv_arch_name(uint32_t bit)
{
	for (size_t i = 0; i < sizeof(arch_names) / sizeof(arch_names[0]); i++)
		if (arch_names[i].bit == bit)
			return arch_names[i].name;
	return "unknown";
}

uint32_t
inv_arch_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(arch_names) / sizeof(arch_names[0]); i++)
		if (strcmp(s, arch_names[i].name) == 0)
			return arch_names[i].bit;
	return 0;
}

static void __attribute__((format(printf, 4, 5)))
fail(char *err, size_t errlen, const struct inv_pos *pos, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (pos && pos->file)
		n = snprintf(err, errlen, "%s:%u:%u: error: ", pos->file, pos->line, pos->column);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static const struct inv_profile *
find_profile(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->n_profiles; i++)
		if (strcmp(inv->profiles[i].name, name) == 0)
			return &inv->profiles[i];
	return NULL;
}

static int
cmp_mac(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 6);
}

static const struct inventory *sort_inv; /* qsort has no argument; finish is single-threaded */

static int
cmp_by_mac(const void *a, const void *b)
{
	return cmp_mac(sort_inv->hosts[*(const uint32_t *)a].mac,
		       sort_inv->hosts[*(const uint32_t *)b].mac);
}

static unsigned
specificity(const struct inv_group *g)
{
	return (g->n_macs ? 1u : 0u) + (g->has_uuid ? 1u : 0u) + (g->arch_mask ? 1u : 0u) +
	       (g->has_subnet ? 1u : 0u) + (unsigned)g->labels.n;
}

/* Can one machine satisfy both groups' criteria? (Ignores labels' absence:
 * a key stated by only one group never separates them.) */
static bool
groups_overlap(const struct inv_group *a, const struct inv_group *b)
{
	if (a->has_uuid && b->has_uuid && memcmp(a->uuid, b->uuid, 16) != 0)
		return false;
	if (a->n_macs && b->n_macs) {
		bool common = false;

		for (size_t i = 0; i < a->n_macs && !common; i++)
			for (size_t j = 0; j < b->n_macs && !common; j++)
				common = cmp_mac(a->macs[i], b->macs[j]) == 0;
		if (!common)
			return false;
	}
	if (a->arch_mask && b->arch_mask && !(a->arch_mask & b->arch_mask))
		return false;
	if (a->has_subnet && b->has_subnet) {
		uint32_t m = a->mask & b->mask; /* the wider of the two */

		if ((a->net & m) != (b->net & m))
			return false;
	}
	for (size_t i = 0; i < a->labels.n; i++) {
		const struct inv_kv *o = inv_kvs_get(&b->labels, a->labels.v[i].key);

		if (o && strcmp(o->val, a->labels.v[i].val) != 0)
			return false;
	}
	return true;
}

bool
inv_group_matches(const struct inv_group *g, const struct inv_machine *m, const struct inv_host *h)
{
	uint32_t ip = m->ip ? m->ip : (h ? h->ip : 0);

	if (g->n_macs) {
		bool hit = false;

		for (size_t i = 0; i < g->n_macs && !hit; i++)
			hit = cmp_mac(g->macs[i], m->mac) == 0;
		if (!hit)
			return false;
	}
	if (g->has_uuid) {
		const uint8_t *u = m->has_uuid ? m->uuid : (h && h->has_uuid ? h->uuid : NULL);

		if (!u || memcmp(u, g->uuid, 16) != 0)
			return false;
	}
	if (g->arch_mask && !(g->arch_mask & inv_arch_bit(m->arch)))
		return false;
	if (g->has_subnet && (!ip || (ip & g->mask) != g->net))
		return false;
	for (size_t i = 0; i < g->labels.n; i++) {
		const struct inv_kv *l = h ? inv_kvs_get(&h->labels, g->labels.v[i].key) : NULL;

		if (!l || strcmp(l->val, g->labels.v[i].val) != 0)
			return false;
	}
	return true;
}

/* The most specific matching group; *tie set to a second one as specific. */
static const struct inv_group *
best_group(const struct inventory *inv, const struct inv_machine *m, const struct inv_host *h,
	   const struct inv_group **tie)
{
	const struct inv_group *best = NULL;

	*tie = NULL;
	for (size_t i = 0; i < inv->n_groups; i++) {
		const struct inv_group *g = &inv->groups[i];

		if (!inv_group_matches(g, m, h))
			continue;
		if (!best || g->specificity > best->specificity) {
			best = g;
			*tie = NULL;
		} else if (g->specificity == best->specificity) {
			*tie = g;
		}
	}
	return best;
}

static int
check_names(const char *kind, const char *a, const struct inv_pos *pa, const char *b,
	    const struct inv_pos *pb, char *err, size_t errlen)
{
	if (strcmp(a, b) != 0)
		return 0;
	fail(err, errlen, pb, "%s '%s' is declared twice (first at %s:%u:%u)", kind, b, pa->file,
	     pa->line, pa->column);
	return -EINVAL;
}

static int
resolve_profile(const struct inventory *inv, const char *name, const struct inv_pos *pos,
		const struct inv_profile **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!name)
		return 0;
	*out = find_profile(inv, name);
	if (*out)
		return 0;
	fail(err, errlen, pos, "unknown profile '%s'%s", name,
	     inv->n_profiles ? "" : " (no profiles are defined)");
	return -EINVAL;
}

/* Duplicate hosts are found by sorting, not by comparing every pair: an
 * inventory may hold tens of thousands. */
enum host_key { HK_NAME, HK_MAC, HK_UUID, HK_IP };

static const struct inventory *hk_inv;
static enum host_key hk_key;

static int
hk_cmp_raw(const struct inv_host *a, const struct inv_host *b)
{
	switch (hk_key) {
	case HK_NAME:
		return strcmp(a->name, b->name);
	case HK_MAC:
		return cmp_mac(a->mac, b->mac);
	case HK_UUID:
		if (a->has_uuid != b->has_uuid)
			return a->has_uuid ? 1 : -1;
		return a->has_uuid ? memcmp(a->uuid, b->uuid, 16) : 0;
	case HK_IP:
		return a->ip < b->ip ? -1 : a->ip > b->ip;
	}
	return 0;
}

/* Equal keys keep declaration order, so the later one is reported. */
static int
hk_cmp(const void *x, const void *y)
{
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	int c = hk_cmp_raw(&hk_inv->hosts[i], &hk_inv->hosts[j]);

	return c ? c : (i < j ? -1 : i > j);
}

static int
check_unique(struct inventory *inv, uint32_t *idx, enum host_key key, char *err, size_t errlen)
{
	static const char *const what[] = {"name", "MAC", "UUID", "address"};

	for (size_t i = 0; i < inv->n_hosts; i++)
		idx[i] = (uint32_t)i;
	hk_inv = inv;
	hk_key = key;
	qsort(idx, inv->n_hosts, sizeof(*idx), hk_cmp);
	for (size_t i = 1; i < inv->n_hosts; i++) {
		const struct inv_host *o = &inv->hosts[idx[i - 1]], *h = &inv->hosts[idx[i]];

		if (hk_cmp_raw(o, h) != 0 || (key == HK_UUID && !h->has_uuid) ||
		    (key == HK_IP && !h->ip))
			continue;
		if (key == HK_NAME)
			fail(err, errlen, &h->pos,
			     "host '%s' is declared twice (first at %s:%u:%u)", h->name,
			     o->pos.file, o->pos.line, o->pos.column);
		else
			fail(err, errlen, &h->pos, "host '%s' has the %s of host '%s' (%s:%u:%u)",
			     h->name, what[key], o->name, o->pos.file, o->pos.line, o->pos.column);
		return -EINVAL;
	}
	return 0;
}

static int
check_hosts(struct inventory *inv, const struct inv_net *nets, size_t n_nets, char *err,
	    size_t errlen)
{
	uint32_t *idx = malloc((inv->n_hosts ? inv->n_hosts : 1) * sizeof(*idx));
	int rc = 0;

	if (!idx) {
		fail(err, errlen, NULL, "out of memory");
		return -ENOMEM;
	}
	/* In declaration order, so the first bad host is the one reported. */
	for (size_t i = 0; !rc && i < inv->n_hosts; i++) {
		struct inv_host *h = &inv->hosts[i];
		bool inside = n_nets == 0 || h->ip == 0;

		for (size_t j = 0; j < n_nets && !inside; j++)
			inside = (h->ip & nets[j].mask) == nets[j].net;
		if (!inside) {
			const uint8_t *a = (const uint8_t *)&h->ip;

			fail(err, errlen, &h->pos,
			     "host '%s': address %u.%u.%u.%u is outside every DHCP subnet", h->name,
			     a[0], a[1], a[2], a[3]);
			rc = -EINVAL;
		} else {
			rc = resolve_profile(inv, h->profile, &h->profile_pos, &h->prof, err,
					     errlen);
		}
	}
	for (int k = HK_NAME; !rc && k <= HK_IP; k++)
		rc = check_unique(inv, idx, (enum host_key)k, err, errlen);
	free(idx);
	return rc;
}

static int
check_groups(struct inventory *inv, char *err, size_t errlen)
{
	for (size_t i = 0; i < inv->n_groups; i++) {
		struct inv_group *g = &inv->groups[i];

		g->specificity = specificity(g);
		if (resolve_profile(inv, g->profile, &g->profile_pos, &g->prof, err, errlen))
			return -EINVAL;
		for (size_t j = 0; j < i; j++) {
			const struct inv_group *o = &inv->groups[j];

			if (check_names("group", o->name, &o->pos, g->name, &g->pos, err, errlen))
				return -EINVAL;
			/* Groups with labels match known hosts only: those ties
			 * are found host by host below, exactly. */
			if (g->labels.n || o->labels.n || g->specificity != o->specificity ||
			    !groups_overlap(g, o))
				continue;
			fail(err, errlen, &g->pos,
			     "groups '%s' and '%s' (%s:%u:%u) are equally specific (%u criteria) "
			     "and can match the same machine; make one more specific",
			     g->name, o->name, o->pos.file, o->pos.line, o->pos.column,
			     g->specificity);
			return -EINVAL;
		}
	}
	/* A host's architecture is only known when it boots: try each. */
	static const int archs[] = {-1, 0, 6, 7, 11, 16, 19};

	for (size_t i = 0; i < inv->n_hosts; i++) {
		const struct inv_host *h = &inv->hosts[i];
		struct inv_machine m = {.ip = h->ip, .has_uuid = h->has_uuid};
		const struct inv_group *best, *tie;

		memcpy(m.mac, h->mac, 6);
		memcpy(m.uuid, h->uuid, 16);
		for (size_t k = 0; k < sizeof(archs) / sizeof(archs[0]); k++) {
			m.arch = archs[k];
			best = best_group(inv, &m, h, &tie);
			if (!best || !tie)
				continue;
			fail(err, errlen, &h->pos,
			     "host '%s' is matched by groups '%s' (%s:%u:%u) and '%s' (%s:%u:%u), "
			     "equally specific (%u criteria)%s%s; make one more specific",
			     h->name, tie->name, tie->pos.file, tie->pos.line, tie->pos.column,
			     best->name, best->pos.file, best->pos.line, best->pos.column,
			     best->specificity, archs[k] < 0 ? "" : " when it boots as ",
			     archs[k] < 0 ? "" : inv_arch_name(inv_arch_bit(archs[k])));
			return -EINVAL;
		}
	}
	return 0;
}

int
inv_finish(struct inventory *inv, const struct inv_net *nets, size_t n_nets, char *err,
	   size_t errlen)
{
	for (size_t i = 0; i < inv->n_profiles; i++)
		for (size_t j = 0; j < i; j++)
			if (check_names("profile", inv->profiles[j].name, &inv->profiles[j].pos,
					inv->profiles[i].name, &inv->profiles[i].pos, err, errlen))
				return -EINVAL;
	if (check_hosts(inv, nets, n_nets, err, errlen) || check_groups(inv, err, errlen))
		return -EINVAL;
	if (inv->dflt == INV_DEFAULT_PROFILE &&
	    resolve_profile(inv, inv->dflt_profile, &inv->dflt_pos, &inv->dflt_prof, err, errlen))
		return -EINVAL;

	free(inv->by_mac);
	inv->by_mac = malloc((inv->n_hosts ? inv->n_hosts : 1) * sizeof(*inv->by_mac));
	if (!inv->by_mac) {
		fail(err, errlen, NULL, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < inv->n_hosts; i++)
		inv->by_mac[i] = (uint32_t)i;
	sort_inv = inv;
	qsort(inv->by_mac, inv->n_hosts, sizeof(*inv->by_mac), cmp_by_mac);
	sort_inv = NULL;
	return 0;
}

const struct inv_host *
inv_host_by_mac(const struct inventory *inv, const uint8_t mac[6])
{
	size_t lo = 0, hi = inv->by_mac ? inv->n_hosts : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct inv_host *h = &inv->hosts[inv->by_mac[mid]];
		int c = cmp_mac(h->mac, mac);

		if (c == 0)
			return h;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct inv_host *
host_by_uuid(const struct inventory *inv, const uint8_t uuid[16])
{
	for (size_t i = 0; i < inv->n_hosts; i++)
		if (inv->hosts[i].has_uuid && memcmp(inv->hosts[i].uuid, uuid, 16) == 0)
			return &inv->hosts[i];
	return NULL;
}

static void
set_profile(struct inv_decision *d, const struct inv_profile *p)
{
	d->profile = p;
	d->boot = p->localboot ? INV_BOOT_LOCAL : INV_BOOT_PROFILE;
}

void
inv_resolve(const struct inventory *inv, const struct inv_machine *m, struct inv_decision *d)
{
	const struct inv_group *tie;
	char who[INV_NAME_MAX + 8];

	memset(d, 0, sizeof(*d));
	d->host = inv_host_by_mac(inv, m->mac);
	if (!d->host && m->has_uuid)
		d->host = host_by_uuid(inv, m->uuid);
	d->group = best_group(inv, m, d->host, &tie);
	if (d->host)
		snprintf(who, sizeof(who), "host '%s'", d->host->name);
	else
		snprintf(who, sizeof(who), "this machine");
	if (d->host && d->host->prof) {
		set_profile(d, d->host->prof);
		snprintf(d->why, sizeof(d->why), "host '%s' names profile '%s'", d->host->name,
			 d->profile->name);
	} else if (d->group && tie) {
		/* inv_finish() refuses this for known hosts and for groups
		 * without labels; kept safe for whatever slips through. */
		d->group = NULL;
		d->boot = INV_BOOT_NONE;
		snprintf(d->why, sizeof(d->why),
			 "%s is matched by two equally specific groups; nothing is offered", who);
	} else if (d->group && d->group->prof) {
		set_profile(d, d->group->prof);
		snprintf(d->why, sizeof(d->why),
			 "%s is matched by group '%s' (%u criteria), which gives profile '%s'", who,
			 d->group->name, d->group->specificity, d->profile->name);
	} else {
		if (d->host)
			snprintf(d->why, sizeof(d->why),
				 "%s names no profile and no group gives one", who);
		else
			snprintf(d->why, sizeof(d->why),
				 "%s is not a known host and no group gives a profile", who);
		switch (inv->dflt) {
		case INV_DEFAULT_PROFILE:
			set_profile(d, inv->dflt_prof);
			break;
		case INV_DEFAULT_MENU:
			d->boot = INV_BOOT_MENU;
			break;
		case INV_DEFAULT_LOCAL:
			d->boot = INV_BOOT_LOCAL;
			break;
		case INV_DEFAULT_NONE:
			d->boot = INV_BOOT_NONE;
			break;
		}
		{
			size_t n = strlen(d->why);
			const char *what = inv->dflt == INV_DEFAULT_PROFILE ? "profile"
					   : inv->dflt == INV_DEFAULT_MENU  ? "the menu"
					   : inv->dflt == INV_DEFAULT_LOCAL ? "local boot"
									    : "nothing";

			snprintf(d->why + n, sizeof(d->why) - n, "; the default gives %s%s%s%s",
				 what, d->profile ? " '" : "", d->profile ? d->profile->name : "",
				 d->profile ? "'" : "");
		}
	}
}

void
inv_each_var(const struct inventory *inv, const struct inv_decision *d,
	     void (*fn)(void *arg, const struct inv_kv *kv, const char *source), void *arg)
{
	char src[INV_NAME_MAX + 16];

	for (size_t i = 0; i < inv->server_vars.n; i++)
		fn(arg, &inv->server_vars.v[i], "server");
	if (d->profile) {
		snprintf(src, sizeof(src), "profile %s", d->profile->name);
		for (size_t i = 0; i < d->profile->vars.n; i++)
			fn(arg, &d->profile->vars.v[i], src);
	}
	if (d->group) {
		snprintf(src, sizeof(src), "group %s", d->group->name);
		for (size_t i = 0; i < d->group->vars.n; i++)
			fn(arg, &d->group->vars.v[i], src);
	}
	if (d->host) {
		snprintf(src, sizeof(src), "host %s", d->host->name);
		for (size_t i = 0; i < d->host->vars.n; i++)
			fn(arg, &d->host->vars.v[i], src);
	}
}

void
inv_free(struct inventory *inv)
{
	for (size_t i = 0; i < inv->n_profiles; i++) {
		struct inv_profile *p = &inv->profiles[i];

		free(p->name);
		free(p->kernel);
		for (unsigned j = 0; j < p->n_initrd; j++)
			free(p->initrd[j]);
		free(p->cmdline);
		free(p->repo);
		free(p->label);
		kvs_free(&p->templates);
		kvs_free(&p->vars);
	}
	for (size_t i = 0; i < inv->n_hosts; i++) {
		struct inv_host *h = &inv->hosts[i];

		free(h->name);
		free(h->profile);
		free(h->power.address);
		free(h->power.username);
		free(h->power.password_file);
		free(h->power.command);
		free(h->power.system_id);
		kvs_free(&h->labels);
		kvs_free(&h->vars);
	}
	for (size_t i = 0; i < inv->n_groups; i++) {
		struct inv_group *g = &inv->groups[i];

		free(g->name);
		free(g->macs);
		free(g->profile);
		kvs_free(&g->labels);
		kvs_free(&g->vars);
	}
	for (size_t i = 0; i < inv->n_files; i++)
		free(inv->files[i]);
	kvs_free(&inv->server_vars);
	free(inv->profiles);
	free(inv->hosts);
	free(inv->groups);
	free(inv->files);
	free(inv->dflt_profile);
	free(inv->by_mac);
	memset(inv, 0, sizeof(*inv));
}
