/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_provision.c: the boot, profiles, groups, hosts and hosts_files
 * sections (config_provision.h), and hosts files in YAML (CSV ones:
 * hosts_csv.c).
 *
 * Each mapping is walked with a key table (config_yaml.h) whose setters
 * write straight into the inventory's structs; ctx->walking holds the
 * struct rb_provision being filled. Positions come from the YAML marks, so
 * inv_finish() and the template checks can point at the line that
 * declared a thing long after the walk.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_power.h"
#include "config_provision.h"
#include "config_provision_check.h"
#include "hex.h"
#include "hosts_csv.h"
#include "provision/loaders.h"

#define STR_MAX 4096 /* any one string value (command lines are the longest) */

#define KEYS_MAX 8 /* keys in a table walked by walk_list() or walk_sub_map() */

/* Key table entries (struct key_def) for field f of struct T. */
#define FIELD(T, f) offsetof(T, f), sizeof(((T *)0)->f)
#define KEY(T, n, fn, f, tree)                                                                     \
	{                                                                                          \
		n, fn, FIELD(T, f), 0, 0, NULL, NULL, tree, 0                                      \
	}

/* ---- the struct behind a walk ---- */

static struct rb_provision *
prov_new(const char *base_dir)
{
	struct rb_provision *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	snprintf(p->menu_title, sizeof(p->menu_title), "rackboot");
	p->menu_timeout = 10;
	p->bios_loader = RB_BIOS_PXELINUX;
	p->efi_loader = RB_EFI_GRUB;
	p->inv.dflt = INV_DEFAULT_MENU;
	if (base_dir)
		snprintf(p->base_dir, sizeof(p->base_dir), "%s", base_dir);
	return p;
}

/* The rb_config's provision struct, made on first use. */
static struct rb_provision *
cfg_prov(struct cfg_ctx *ctx)
{
	struct rb_config *cfg = ctx->target;

	if (!cfg->prov)
		cfg->prov = prov_new(ctx->base_dir);
	if (cfg->prov)
		cfg->prov->given = true;
	return cfg->prov;
}

static struct rb_provision *
walking(const struct item *it)
{
	return it->ctx->walking;
}

static struct inv_pos
pos_at(struct cfg_ctx *ctx, const yaml_node_t *node)
{
	struct rb_provision *p = ctx->walking;

	return (struct inv_pos){.file = inv_intern_file(&p->inv, ctx->err->file),
				.line = (unsigned)node->start_mark.line + 1,
				.column = (unsigned)node->start_mark.column + 1};
}

/* ---- scalar setters ---- */

/* A name: 1..INV_NAME_MAX of [A-Za-z0-9._-], not starting with '.' or '-'. */
static int
check_name(const struct item *it, const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > INV_NAME_MAX || s[0] == '.' || s[0] == '-')
		return cfg_bad(it,
			       "'%.64s' is not a name (1..%d of letters, digits, '.', '_', "
			       "'-', not starting with '.' or '-')",
			       s, INV_NAME_MAX);
	for (const char *c = s; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' && *c != '-')
			return cfg_bad(it, "'%.64s' is not a name: '%c' is not allowed", s, *c);
	return 0;
}

static int
dup_into(const struct item *it, char **field, const char *s)
{
	char *d;

	if (strlen(s) > STR_MAX)
		return cfg_bad(it, "longer than %d bytes", STR_MAX);
	d = strdup(s);
	if (!d)
		return cfg_oom(it->ctx);
	free(*field);
	*field = d;
	return 0;
}

static int
set_str(const struct item *it)
{
	return dup_into(it, it->field, it->val);
}

static int
set_name(const struct item *it)
{
	return check_name(it, it->val) ? -EINVAL : dup_into(it, it->field, it->val);
}

static int
parse_bool(const struct item *it, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no",
									       "off"};

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(it->val, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(it->val, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return cfg_bad(it, "expected true or false, got '%.64s'", it->val);
}

static int
set_bool(const struct item *it)
{
	return parse_bool(it, it->field);
}

/* path, relative to base (NULL or "": the cwd) unless absolute, into out.
 * -ENAMETOOLONG when that does not fit. */
static int
resolve_path(char out[PATH_MAX], const char *base, const char *path)
{
	int n;

	if (path[0] == '/' || !base || !base[0])
		n = snprintf(out, PATH_MAX, "%s", path);
	else
		n = snprintf(out, PATH_MAX, "%s/%s", base, path);
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* A name that refers to something (a profile) checked later: set_name(),
 * and where it stands into *pos for that check's message. */
static int
set_name_at(const struct item *it, struct inv_pos *pos)
{
	*pos = pos_at(it->ctx, it->node);
	return set_name(it);
}

/* A UUID into uuid and *has; like (" like ...", or "") shows one in the
 * message. */
static int
set_uuid(const struct item *it, uint8_t uuid[16], bool *has, const char *like)
{
	if (rb_uuid_parse(it->val, uuid))
		return cfg_bad(it, "expected a UUID%s, got '%.64s'", like, it->val);
	*has = true;
	return 0;
}

/* it's value, a mapping of map's keys (named in keys for the message),
 * into base; null is an empty one. */
static int
walk_sub_map(const struct item *it, const struct map_def *map, void *base, const char *keys)
{
	const yaml_node_t *vals[KEYS_MAX] = {0};

	if (cfg_is_null(it->node))
		return 0;
	if (it->node->type != YAML_MAPPING_NODE)
		return cfg_bad(it, "expected a mapping (%s), got %s", keys,
			       cfg_kinds[it->node->type]);
	return cfg_walk_map(it->ctx, it->node, map, base, vals, NULL);
}

/* ---- one scalar or a list of scalars (initrd, match mac and arch, ...) ---- */

static size_t
scalars_len(const yaml_node_t *n)
{
	return n->type == YAML_SEQUENCE_NODE ? cfg_seq_len(n) : 1;
}

/* Scalar i (< scalars_len()) of it's value into *e: it, with that scalar's
 * node and text. -EINVAL (error set) when it is not a scalar. */
static int
scalar_at(const struct item *it, size_t i, struct item *e)
{
	const yaml_node_t *n = it->node;

	*e = *it;
	e->node = n->type == YAML_SEQUENCE_NODE ? cfg_seq_item(it->ctx, n, i) : n;
	e->val = e->node ? cfg_scalar_text(it->ctx, e->node, it->what) : NULL;
	return e->val ? 0 : -EINVAL;
}

/* ---- string maps: labels, vars, templates ---- */

/* A mapping of names to scalars into m. Keys are names (check_name());
 * variable names may not hold '.', which templates use for nesting. */
static int
walk_kvs(const struct item *it, struct inv_kvs *m, bool var_keys)
{
	struct cfg_ctx *ctx = it->ctx;
	const yaml_node_t *map = it->node;

	if (cfg_is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return cfg_bad(it, "expected a mapping of names to values, got %s",
			       cfg_kinds[map->type]);
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++) {
		const yaml_node_t *k = yaml_document_get_node(ctx->doc, pr->key);
		const yaml_node_t *v = yaml_document_get_node(ctx->doc, pr->value);
		const char *ks = cfg_scalar_text(ctx, k, it->what), *vs;
		struct item kit = *it;

		if (!ks)
			return -EINVAL;
		kit.node = k;
		if (check_name(&kit, ks))
			return -EINVAL;
		if (var_keys && strchr(ks, '.'))
			return cfg_bad(&kit,
				       "'%.64s': a variable name may not hold '.' (templates "
				       "read it as nesting)",
				       ks);
		if (inv_kvs_get(m, ks))
			return cfg_fail(ctx, k->start_mark, "duplicate key '%.64s' in %s", ks,
					it->what);
		vs = cfg_scalar_text(ctx, v, it->what);
		if (!vs)
			return -EINVAL;
		if (strlen(vs) > STR_MAX)
			return cfg_fail(ctx, v->start_mark, "%s.%s: longer than %d bytes", it->what,
					ks, STR_MAX);
		if (inv_kvs_set(m, ks, vs, pos_at(ctx, v)))
			return cfg_oom(ctx);
	}
	return 0;
}

static int
set_vars(const struct item *it)
{
	return walk_kvs(it, it->field, true);
}

static int
set_labels(const struct item *it)
{
	return walk_kvs(it, it->field, false);
}

/* ---- profiles ---- */

static int
set_initrd(const struct item *it)
{
	struct inv_profile *pr = it->base;
	size_t count = scalars_len(it->node);

	if (count > INV_MAX_INITRD)
		return cfg_bad(it, "at most %d initrds", INV_MAX_INITRD);
	for (size_t i = 0; i < count; i++) {
		struct item e;

		if (scalar_at(it, i, &e))
			return -EINVAL;
		pr->initrd[i] = strdup(e.val);
		if (!pr->initrd[i])
			return cfg_oom(it->ctx);
		pr->n_initrd = (unsigned)i + 1;
	}
	return 0;
}

/* templates: served name -> template file (relative to the config). */
static int
set_templates(const struct item *it)
{
	struct rb_provision *p = walking(it);
	struct inv_kvs *m = it->field;
	int rc = walk_kvs(it, m, false);

	for (size_t i = 0; !rc && i < m->n; i++) {
		char path[PATH_MAX];

		if (resolve_path(path, p->base_dir, m->v[i].val))
			return cfg_bad(it, "template path is too long");
		rc = inv_kvs_set(m, m->v[i].key, path, m->v[i].pos) ? cfg_oom(it->ctx) : 0;
	}
	return rc;
}

/* The inline templates remember where they are, for template errors. */
static int
set_inline_tpl(const struct item *it)
{
	struct inv_profile *pr = it->base;
	struct inv_pos pos = pos_at(it->ctx, it->node);

	/* Quoted scalars start one column before their text. */
	if (it->node->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
	    it->node->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
		pos.column++;
	if (it->field == &pr->cmdline)
		pr->cmdline_pos = pos;
	else
		pr->repo_pos = pos;
	return set_str(it);
}

/* loader: any (default) or pxelinux: iPXE hands the machine to
 * pxelinux.0, which reads its pxelinux.cfg (the classic path). */
static int
set_profile_loader(const struct item *it)
{
	struct inv_profile *pr = it->base;

	if (strcmp(it->val, "any") == 0)
		pr->via_pxelinux = false;
	else if (strcmp(it->val, "pxelinux") == 0)
		pr->via_pxelinux = true;
	else
		return cfg_bad(it, "expected any or pxelinux, got '%.64s'", it->val);
	return 0;
}

#define PKEY(n, fn, f, tree) KEY(struct inv_profile, n, fn, f, tree)
enum {
	P_LABEL,
	P_LOCAL,
	P_KERNEL,
	P_INITRD,
	P_CMDLINE,
	P_REPO,
	P_TEMPLATES,
	P_VARS,
	P_LOADER,
	P_INSTALL,
	N_P
};
static const struct key_def profile_keys[N_P] = {
    [P_LABEL] = PKEY("label", set_str, label, false),
    [P_LOCAL] = PKEY("localboot", set_bool, localboot, false),
    [P_KERNEL] = PKEY("kernel", set_str, kernel, false),
    [P_INITRD] = PKEY("initrd", set_initrd, initrd, true),
    [P_CMDLINE] = PKEY("cmdline", set_inline_tpl, cmdline, false),
    [P_REPO] = PKEY("repo", set_inline_tpl, repo, false),
    [P_TEMPLATES] = PKEY("templates", set_templates, templates, true),
    [P_VARS] = PKEY("vars", set_vars, vars, true),
    [P_LOADER] = PKEY("loader", set_profile_loader, via_pxelinux, false),
    [P_INSTALL] = PKEY("install", set_bool, install, false),
};
static const struct map_def profile_map = {profile_keys, N_P, "profiles", "a profile"};

static int
walk_profiles(struct cfg_ctx *ctx, const struct cfg_section *sec, const yaml_node_t *key,
	      const yaml_node_t *value, void **state)
{
	struct rb_provision *p = ctx->walking = cfg_prov(ctx);

	(void)sec, (void)key, (void)state;
	if (!p)
		return cfg_oom(ctx);
	if (cfg_is_null(value))
		return 0;
	if (value->type != YAML_MAPPING_NODE)
		return cfg_fail(ctx, value->start_mark,
				"section 'profiles' must map profile names to profiles, got %s",
				cfg_kinds[value->type]);
	for (yaml_node_pair_t *pr = value->data.mapping.pairs.start;
	     pr < value->data.mapping.pairs.top; pr++) {
		const yaml_node_t *k = yaml_document_get_node(ctx->doc, pr->key);
		const yaml_node_t *v = yaml_document_get_node(ctx->doc, pr->value);
		const yaml_node_t *vals[N_P] = {0};
		const char *name = cfg_scalar_text(ctx, k, "profiles");
		struct item nit = {.ctx = ctx, .what = "profiles", .node = k};
		struct inv_profile *prof;
		int rc;

		if (!name || check_name(&nit, name))
			return -EINVAL;
		for (size_t i = 0; i < p->inv.n_profiles; i++)
			if (strcmp(p->inv.profiles[i].name, name) == 0)
				return cfg_fail(ctx, k->start_mark,
						"profile '%s' is declared twice (first at line %u)",
						name, p->inv.profiles[i].pos.line);
		prof = inv_add_profile(&p->inv);
		if (!prof || !(prof->name = strdup(name)))
			return cfg_oom(ctx);
		prof->pos = pos_at(ctx, k);
		if (v->type != YAML_MAPPING_NODE)
			return cfg_fail(ctx, v->start_mark,
					"profile '%s' must be a mapping, got %s", name,
					cfg_kinds[v->type]);
		rc = cfg_walk_map(ctx, v, &profile_map, prof, vals, NULL);
		if (rc)
			return rc;
		if (prof->localboot && (vals[P_KERNEL] || vals[P_INITRD] || vals[P_CMDLINE]))
			return cfg_fail(
			    ctx, k->start_mark,
			    "profile '%s': localboot takes no kernel, initrd or cmdline", name);
		if (prof->localboot && prof->install)
			return cfg_fail(
			    ctx, vals[P_INSTALL]->start_mark,
			    "profile '%s': localboot installs nothing (drop install: true)", name);
		if (!prof->localboot && !prof->kernel)
			return cfg_fail(ctx, k->start_mark,
					"profile '%s' needs a kernel (or localboot: true)", name);
	}
	return 0;
}

/* ---- lists of mappings: hosts, groups ---- */

/* A list whose entries are each added to the inventory and walked with a
 * key table. Messages name the list by map->prefix ("hosts") and an entry
 * by one ("host"). */
struct list_def {
	const char *one;
	const struct map_def *map;	     /* map->n <= KEYS_MAX */
	void *(*add)(struct inventory *inv); /* a new entry, or NULL */
	size_t pos_off;			     /* its struct inv_pos */
	size_t need[2];			     /* keys (map indexes) every entry must give */
	size_t max; /* entries at most, with the have already there; 0: any */
};

static int
walk_list(struct cfg_ctx *ctx, const yaml_node_t *value, const struct list_def *def, size_t have)
{
	struct rb_provision *p = ctx->walking;
	const char *what = def->map->prefix;
	size_t n;

	if (cfg_is_null(value))
		return 0;
	if (value->type != YAML_SEQUENCE_NODE)
		return cfg_fail(ctx, value->start_mark, "%s: expected a list of %s, got %s", what,
				what, cfg_kinds[value->type]);
	n = cfg_seq_len(value);
	if (def->max && have + n > def->max)
		return cfg_fail(ctx, value->start_mark, "%s: more than %zu %s", what, def->max,
				what);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *e = cfg_seq_item(ctx, value, i), *vals[KEYS_MAX] = {0};
		void *entry;
		int rc;

		if (!e)
			return -EINVAL;
		if (e->type != YAML_MAPPING_NODE)
			return cfg_fail(ctx, e->start_mark, "%s: each %s is a mapping, got %s",
					what, def->one, cfg_kinds[e->type]);
		entry = def->add(&p->inv);
		if (!entry)
			return cfg_oom(ctx);
		*(struct inv_pos *)((char *)entry + def->pos_off) = pos_at(ctx, e);
		rc = cfg_walk_map(ctx, e, def->map, entry, vals, NULL);
		if (rc)
			return rc;
		if (!vals[def->need[0]] || !vals[def->need[1]])
			return cfg_fail(ctx, e->start_mark, "%s: a %s needs a %s and a %s", what,
					def->one, def->map->keys[def->need[0]].name,
					def->map->keys[def->need[1]].name);
	}
	return 0;
}

/* ---- hosts ---- */

static int
set_mac(const struct item *it)
{
	return cfg_item_mac(it, it->field);
}

static int
set_host_uuid(const struct item *it)
{
	struct inv_host *h = it->base;

	return set_uuid(it, h->uuid, &h->has_uuid, " like 4c4c4544-0042-3510-8050-b4c04f4b4c31");
}

static int
set_host_address(const struct item *it)
{
	return cfg_item_host(it, it->field);
}

static int
set_host_profile(const struct item *it)
{
	struct inv_host *h = it->base;

	return set_name_at(it, &h->profile_pos);
}

#define HKEY(n, fn, f, tree) KEY(struct inv_host, n, fn, f, tree)
enum { H_NAME, H_MAC, H_UUID, H_ADDRESS, H_PROFILE, H_LABELS, H_VARS, H_POWER, N_H };
_Static_assert(N_H <= KEYS_MAX, "host_keys");
static const struct key_def host_keys[N_H] = {
    [H_NAME] = HKEY("name", set_name, name, false),
    [H_MAC] = HKEY("mac", set_mac, mac, false),
    [H_UUID] = HKEY("uuid", set_host_uuid, uuid, false),
    [H_ADDRESS] = HKEY("address", set_host_address, ip, false),
    [H_PROFILE] = HKEY("profile", set_host_profile, profile, false),
    [H_LABELS] = HKEY("labels", set_labels, labels, true),
    [H_VARS] = HKEY("vars", set_vars, vars, true),
    [H_POWER] = HKEY("power", cfg_set_host_power, power, true),
};
static const struct map_def host_map = {host_keys, N_H, "hosts", "a hosts entry"};

static void *
add_host(struct inventory *inv)
{
	return inv_add_host(inv);
}

static const struct list_def host_list = {
    "host", &host_map, add_host, offsetof(struct inv_host, pos), {H_NAME, H_MAC}, RB_HOSTS_MAX};

static int
walk_host_list(struct cfg_ctx *ctx, const yaml_node_t *value)
{
	struct rb_provision *p = ctx->walking;

	return walk_list(ctx, value, &host_list, p->inv.n_hosts);
}

static int
walk_hosts(struct cfg_ctx *ctx, const struct cfg_section *sec, const yaml_node_t *key,
	   const yaml_node_t *value, void **state)
{
	(void)sec, (void)key, (void)state;
	ctx->walking = cfg_prov(ctx);
	return ctx->walking ? walk_host_list(ctx, value) : cfg_oom(ctx);
}

/* ---- groups ---- */

static int
set_match_mac(const struct item *it)
{
	struct inv_group *g = it->base;
	size_t count = scalars_len(it->node);

	g->macs = calloc(count ? count : 1, sizeof(*g->macs));
	if (!g->macs)
		return cfg_oom(it->ctx);
	for (size_t i = 0; i < count; i++) {
		struct item e;

		if (scalar_at(it, i, &e) || cfg_item_mac(&e, g->macs[i]))
			return -EINVAL;
		g->n_macs = i + 1;
	}
	return 0;
}

static int
set_match_uuid(const struct item *it)
{
	struct inv_group *g = it->base;

	return set_uuid(it, g->uuid, &g->has_uuid, "");
}

static int
set_match_arch(const struct item *it)
{
	struct inv_group *g = it->base;

	for (size_t i = 0; i < scalars_len(it->node); i++) {
		struct item e;
		uint32_t bit;

		if (scalar_at(it, i, &e))
			return -EINVAL;
		bit = inv_arch_parse(e.val);
		if (!bit)
			return cfg_bad(&e,
				       "unknown architecture '%.32s' (bios, efi-ia32, efi-x64, "
				       "efi-arm64, http-x64, http-arm64)",
				       e.val);
		g->arch_mask |= bit;
	}
	return 0;
}

static int
set_match_subnet(const struct item *it)
{
	struct inv_group *g = it->base;
	unsigned plen;
	char ip[16];
	int rc =
	    cfg_item_prefix(it, "NETWORK/PREFIX (e.g. 198.18.0.0/24)", 0, 32, &g->net, &plen, ip);

	if (rc)
		return rc;
	g->mask = plen ? htonl(~0u << (32 - plen)) : 0;
	if (g->net & ~g->mask)
		return cfg_bad(it, "%s has host bits set for a /%u", ip, plen);
	g->has_subnet = true;
	return 0;
}

#define GKEY(n, fn, f, tree) KEY(struct inv_group, n, fn, f, tree)
enum { M_MAC, M_UUID, M_ARCH, M_SUBNET, M_LABELS, N_M };
_Static_assert(N_M <= KEYS_MAX, "match_keys");
static const struct key_def match_keys[N_M] = {
    [M_MAC] = GKEY("mac", set_match_mac, macs, true),
    [M_UUID] = GKEY("uuid", set_match_uuid, uuid, false),
    [M_ARCH] = GKEY("arch", set_match_arch, arch_mask, true),
    [M_SUBNET] = GKEY("subnet", set_match_subnet, net, false),
    [M_LABELS] = GKEY("labels", set_labels, labels, true),
};
static const struct map_def match_map = {match_keys, N_M, "groups.match", "a group's match"};

static int
set_group_match(const struct item *it)
{
	return walk_sub_map(it, &match_map, it->base, "mac, uuid, arch, subnet, labels");
}

static int
set_group_profile(const struct item *it)
{
	struct inv_group *g = it->base;

	return set_name_at(it, &g->profile_pos);
}

enum { G_NAME, G_MATCH, G_PROFILE, G_VARS, N_G };
_Static_assert(N_G <= KEYS_MAX, "group_keys");
static const struct key_def group_keys[N_G] = {
    [G_NAME] = GKEY("name", set_name, name, false),
    [G_MATCH] = GKEY("match", set_group_match, name, true),
    [G_PROFILE] = GKEY("profile", set_group_profile, profile, false),
    [G_VARS] = GKEY("vars", set_vars, vars, true),
};
static const struct map_def group_map = {group_keys, N_G, "groups", "a groups entry"};

static void *
add_group(struct inventory *inv)
{
	return inv_add_group(inv);
}

static const struct list_def group_list = {
    "group", &group_map, add_group, offsetof(struct inv_group, pos), {G_NAME, G_PROFILE}, 0};

static int
walk_groups(struct cfg_ctx *ctx, const struct cfg_section *sec, const yaml_node_t *key,
	    const yaml_node_t *value, void **state)
{
	struct rb_provision *p = ctx->walking = cfg_prov(ctx);

	(void)sec, (void)key, (void)state;
	return p ? walk_list(ctx, value, &group_list, p->inv.n_groups) : cfg_oom(ctx);
}

/* ---- boot ---- */

/* NULL-terminated, as cfg_set_enum() reads them */
static const struct name_val bios_loaders[] = {
    {"pxelinux", RB_BIOS_PXELINUX}, {"ipxe", RB_BIOS_IPXE}, {NULL, 0}};
static const struct name_val efi_loaders[] = {
    {"syslinux", RB_EFI_SYSLINUX}, {"grub", RB_EFI_GRUB}, {"ipxe", RB_EFI_IPXE}, {NULL, 0}};

static int
set_unknown(const struct item *it)
{
	struct rb_provision *p = walking(it);

	if (strcmp(it->val, "menu") == 0)
		p->inv.dflt = INV_DEFAULT_MENU;
	else if (strcmp(it->val, "local") == 0)
		p->inv.dflt = INV_DEFAULT_LOCAL;
	else if (strcmp(it->val, "none") == 0)
		p->inv.dflt = INV_DEFAULT_NONE;
	else if (set_name_at(it, &p->inv.dflt_pos))
		return -EINVAL;
	else
		p->inv.dflt = INV_DEFAULT_PROFILE;
	return 0;
}

static int
set_menu_title(const struct item *it)
{
	struct rb_provision *p = walking(it);

	if (strlen(it->val) >= sizeof(p->menu_title))
		return cfg_bad(it, "longer than %zu bytes", sizeof(p->menu_title) - 1);
	snprintf(p->menu_title, sizeof(p->menu_title), "%s", it->val);
	return 0;
}

static int
set_menu_default(const struct item *it)
{
	return set_name_at(it, &walking(it)->menu_default_pos);
}

static int
set_menu_entries(const struct item *it)
{
	struct rb_provision *p = walking(it);
	const yaml_node_t *n = it->node;
	size_t count;

	if (n->type != YAML_SEQUENCE_NODE)
		return cfg_bad(it, "expected a list of profile names, got %s", cfg_kinds[n->type]);
	count = cfg_seq_len(n);
	if (count == 0 || count > RB_MENU_MAX)
		return cfg_bad(it, "1..%d entries", RB_MENU_MAX);
	for (size_t i = 0; i < count; i++) {
		struct item e;

		if (scalar_at(it, i, &e))
			return -EINVAL;
		e.field = &p->menu[i];
		if (set_name_at(&e, &p->menu_pos[i]))
			return -EINVAL;
		p->n_menu = (unsigned)i + 1;
	}
	return 0;
}

#define BFIELD(f) FIELD(struct rb_provision, f)
#define BKEY(n, fn, f, tree) KEY(struct rb_provision, n, fn, f, tree)
enum { MN_TITLE, MN_TIMEOUT, MN_DEFAULT, MN_ENTRIES, N_MN };
_Static_assert(N_MN <= KEYS_MAX, "menu_keys");
static const struct key_def menu_keys[N_MN] = {
    [MN_TITLE] = BKEY("title", set_menu_title, menu_title, false),
    [MN_TIMEOUT] = {"timeout", cfg_set_uint, BFIELD(menu_timeout), 0, 3600, NULL, NULL, false, 0},
    [MN_DEFAULT] = BKEY("default", set_menu_default, menu_default, false),
    [MN_ENTRIES] = BKEY("entries", set_menu_entries, menu, true),
};
static const struct map_def menu_map = {menu_keys, N_MN, "boot.menu", "boot.menu"};

static int
set_menu(const struct item *it)
{
	return walk_sub_map(it, &menu_map, walking(it), "title, timeout, default, entries");
}

/* A directory standing in for / when looking up the packages' loaders. */
static int
set_loader_root(const struct item *it)
{
	struct rb_provision *p = walking(it);

	if (it->val[0] != '/' || strlen(it->val) >= sizeof(p->loader_root))
		return cfg_bad(it, "expected an absolute directory, got '%.64s'", it->val);
	snprintf(p->loader_root, sizeof(p->loader_root), "%s", it->val);
	return 0;
}

enum { BO_MENU, BO_UNKNOWN, BO_BIOS, BO_EFI, BO_LOADER_ROOT, N_BO };
static const struct key_def boot_keys[N_BO] = {
    [BO_MENU] = BKEY("menu", set_menu, menu, true),
    [BO_UNKNOWN] = BKEY("unknown", set_unknown, inv.dflt_profile, false),
    [BO_BIOS] = {"bios", cfg_set_enum, BFIELD(bios_loader), 0, 0, bios_loaders, "pxelinux or ipxe",
		 false, 0},
    [BO_EFI] = {"efi", cfg_set_enum, BFIELD(efi_loader), 0, 0, efi_loaders,
		"syslinux, grub or ipxe", false, 0},
    [BO_LOADER_ROOT] = BKEY("loader_root", set_loader_root, loader_root, false),
};
static const struct map_def boot_map = {boot_keys, N_BO, "boot", "section 'boot'"};

static int
walk_boot(struct cfg_ctx *ctx, const struct cfg_section *sec, const yaml_node_t *key,
	  const yaml_node_t *value, void **state)
{
	struct rb_provision *p = ctx->walking = cfg_prov(ctx);
	const yaml_node_t *vals[N_BO] = {0};

	(void)sec, (void)key, (void)state;
	if (!p)
		return cfg_oom(ctx);
	if (cfg_is_null(value))
		return 0;
	if (value->type != YAML_MAPPING_NODE)
		return cfg_fail(ctx, value->start_mark, "section 'boot' must be a mapping, got %s",
				cfg_kinds[value->type]);
	return cfg_walk_map(ctx, value, &boot_map, p, vals, NULL);
}

/* ---- hosts files ---- */

/* The hosts_files section: one path or a list, kept for the check (the
 * files are read once the whole config is, so their hosts follow the
 * config's own). */
struct files_state {
	const yaml_node_t *node[RB_HOSTS_FILES_MAX];
	char path[RB_HOSTS_FILES_MAX][PATH_MAX];
	size_t n;
};

static int
walk_hosts_files(struct cfg_ctx *ctx, const struct cfg_section *sec, const yaml_node_t *key,
		 const yaml_node_t *value, void **state)
{
	struct rb_provision *p = ctx->walking = cfg_prov(ctx);
	struct item it = {.ctx = ctx, .what = "hosts_files", .node = value};
	struct files_state *fs;
	size_t count;

	(void)sec, (void)key;
	if (!p)
		return cfg_oom(ctx);
	*state = fs = calloc(1, sizeof(*fs));
	if (!fs)
		return cfg_oom(ctx);
	if (cfg_is_null(value))
		return 0;
	count = scalars_len(value);
	if (value->type == YAML_MAPPING_NODE || count > RB_HOSTS_FILES_MAX)
		return cfg_fail(ctx, value->start_mark,
				"hosts_files: a file name or a list of at most %d",
				RB_HOSTS_FILES_MAX);
	for (size_t i = 0; i < count; i++) {
		struct item e;

		if (scalar_at(&it, i, &e))
			return -EINVAL;
		if (resolve_path(fs->path[i], ctx->base_dir, e.val))
			return cfg_bad(&e, "path is too long");
		fs->node[i] = e.node;
		fs->n = i + 1;
	}
	return 0;
}

/* A hosts file in YAML: one section, `hosts:`, into the struct rb_provision
 * that is the parse's target. */
static int
walk_file_hosts(struct cfg_ctx *ctx, const struct cfg_section *sec, const yaml_node_t *key,
		const yaml_node_t *value, void **state)
{
	(void)sec, (void)key, (void)state;
	ctx->walking = ctx->target;
	return walk_host_list(ctx, value);
}

static const struct cfg_section file_hosts_section = {"hosts", walk_file_hosts, NULL, NULL, NULL};
static const struct cfg_section *const file_sections[] = {&file_hosts_section};
static const struct cfg_schema file_schema = {file_sections, 1, NULL};

static int
load_hosts_file(const char *path, struct rb_provision *p, struct rb_config_error *err)
{
	size_t n = strlen(path);

	if (n > 4 && strcasecmp(path + n - 4, ".csv") == 0)
		return hosts_csv_load(path, &p->inv, RB_HOSTS_MAX, err);
	return cfg_parse_file(path, &file_schema, p, err);
}

static int
check_provision(struct cfg_ctx *ctx, void *state)
{
	struct rb_config *cfg = ctx->target;
	struct rb_provision *p = cfg->prov;
	struct files_state *fs = state;
	int rc;

	if (!p)
		return 0;
	for (size_t i = 0; fs && i < fs->n; i++) {
		struct rb_config_error sub;

		rc = load_hosts_file(fs->path[i], p, &sub);
		if (rc) {
			*ctx->err = sub;
			if (!sub.line) { /* could not read it: point at its name */
				ctx->err->line = (unsigned)fs->node[i]->start_mark.line + 1;
				ctx->err->column = (unsigned)fs->node[i]->start_mark.column + 1;
				snprintf(ctx->err->message, sizeof(ctx->err->message),
					 "hosts_files: '%.120s': %.100s", fs->path[i], sub.message);
				snprintf(ctx->err->file, sizeof(ctx->err->file), "%s", cfg->path);
			}
			return -EINVAL;
		}
	}
	return cfg_provision_check(ctx, cfg, p);
}

static void
files_done(void *state)
{
	free(state);
}

const struct cfg_section cfg_boot_section = {"boot", walk_boot, NULL, NULL, NULL};
const struct cfg_section cfg_profiles_section = {"profiles", walk_profiles, NULL, NULL, NULL};
const struct cfg_section cfg_groups_section = {"groups", walk_groups, NULL, NULL, NULL};
const struct cfg_section cfg_hosts_section = {"hosts", walk_hosts, NULL, NULL, NULL};
/* Its check runs for every config (state NULL without the section) and
 * finishes the whole provisioning layer. */
const struct cfg_section cfg_hosts_files_section = {"hosts_files", walk_hosts_files,
						    check_provision, files_done, NULL};

void
rb_provision_free(struct rb_provision *p)
{
	if (!p)
		return;
	inv_free(&p->inv);
	free(p->menu_default);
	for (unsigned i = 0; i < p->n_menu; i++)
		free(p->menu[i]);
	memset(p, 0, sizeof(*p));
}
