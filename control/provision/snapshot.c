/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../config.h"
#include "../config_provision.h"
#include "bootcfg.h"
#include "hex.h"
#include "loaders.h"
#include "snapshot_priv.h"
#include "template.h"

/* Variables rackboot sets itself; a profile, group or host may not. */
static const char *const builtin_vars[] = {
    "server",  "http",	   "tftp",   "gateway", "dns",		"domain",
    "netmask", "hostname", "name",   "mac",	"mac_hyphen",	"ip",
    "uuid",    "profile",  "labels", "repo",	"callback_url",
};

/* ---- errors ---- */

static int err_at(struct rb_config_error *e, const struct inv_pos *pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
err_at(struct rb_config_error *e, const struct inv_pos *pos, const char *fmt, ...)
{
	va_list ap;

	memset(e, 0, sizeof(*e));
	if (pos && pos->file) {
		snprintf(e->file, sizeof(e->file), "%s", pos->file);
		e->line = pos->line;
		e->column = pos->column;
	}
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The snapshot whose inline templates err_tpl() may have to place. */
static const struct prov_snapshot *placing;

/*
 * An inline template's error names "profiles.NAME.cmdline:1:COL": point it
 * at the YAML value instead, saying the column inside the string (a plain
 * one-line scalar starts at the value's column).
 */
static int
map_inline(struct rb_config_error *e)
{
	const struct inventory *inv = placing ? &placing->p->inv : NULL;
	char name[INV_NAME_MAX + 1], field[16], msg[512];
	const struct inv_pos *pos = NULL;

	if (!inv || sscanf(e->file, "profiles.%64[^.].%15s", name, field) != 2)
		return -EINVAL;
	for (size_t i = 0; i < inv->n_profiles && !pos; i++)
		if (strcmp(inv->profiles[i].name, name) == 0)
			pos = strcmp(field, "cmdline") == 0 ? &inv->profiles[i].cmdline_pos
							    : &inv->profiles[i].repo_pos;
	if (!pos || !pos->file)
		return -EINVAL;
	/* A one-line value: the exact column; else the value's start. */
	if (e->line == 1)
		snprintf(msg, sizeof(msg), "profiles.%s.%s: %.200s", name, field, e->message);
	else
		snprintf(msg, sizeof(msg), "profiles.%s.%s, line %u of the value: %.180s", name,
			 field, e->line, e->message);
	snprintf(e->file, sizeof(e->file), "%s", pos->file);
	e->column = e->line == 1 ? pos->column + e->column - 1 : pos->column;
	e->line = pos->line;
	snprintf(e->message, sizeof(e->message), "%.255s", msg);
	return -EINVAL;
}

/* A template error "name:line:col: text" into e, with a suffix. */
static int
err_tpl(struct rb_config_error *e, const char *msg, const char *suffix)
{
	size_t n;

	if (rb_config_error_parse(msg, e) == 0) {
		n = strlen(e->message);
		snprintf(e->message + n, sizeof(e->message) - n, "%s", suffix);
		return map_inline(e);
	}
	n = strlen(e->message);
	snprintf(e->message + n, sizeof(e->message) - n, "%s", suffix);
	return -EINVAL;
}

/* ---- templates ---- */

static struct tpl *
parse_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct strbuf b;
	struct tpl *t = NULL;
	char chunk[65536];
	ssize_t n;

	if (fd < 0) {
		snprintf(err, errlen, "%s:0:0: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	strbuf_init(&b, TPL_MAX_SIZE + 1);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (strbuf_add(&b, chunk, (size_t)n)) {
			snprintf(err, errlen, "%s:0:0: larger than %u bytes", path, TPL_MAX_SIZE);
			goto out;
		}
	}
	if (n < 0) {
		snprintf(err, errlen, "%s:0:0: read error: %s", path, strerror(errno));
		goto out;
	}
	t = tpl_parse(path, b.data ? b.data : "", b.len, err, errlen);
out:
	close(fd);
	strbuf_free(&b);
	return t;
}

/* An inline template (cmdline, repo): errors point at the YAML value, with
 * the column inside the string. */
static struct tpl *
parse_inline(const char *what, const char *text, struct rb_config_error *e)
{
	char err[512];
	struct tpl *t = tpl_parse(what, text, strlen(text), err, sizeof(err));

	if (!t)
		err_tpl(e, err, "");
	return t;
}

static int
load_profile(struct prov_snapshot *s, size_t i, struct rb_config_error *e)
{
	const struct inv_profile *pr = &s->p->inv.profiles[i];
	struct prov_prof *pp = &s->profs[i];
	char what[INV_NAME_MAX + 32], err[512];

	if (pr->cmdline) {
		snprintf(what, sizeof(what), "profiles.%s.cmdline", pr->name);
		pp->cmdline = parse_inline(what, pr->cmdline, e);
		if (!pp->cmdline)
			return -EINVAL;
	}
	if (pr->repo) {
		snprintf(what, sizeof(what), "profiles.%s.repo", pr->name);
		pp->repo = parse_inline(what, pr->repo, e);
		if (!pp->repo)
			return -EINVAL;
	}
	pp->tpls = calloc(pr->templates.n ? pr->templates.n : 1, sizeof(*pp->tpls));
	if (!pp->tpls)
		return err_at(e, NULL, "out of memory");
	for (size_t k = 0; k < pr->templates.n; k++) {
		pp->tpls[k].name = strdup(pr->templates.v[k].key);
		pp->tpls[k].t = parse_file(pr->templates.v[k].val, err, sizeof(err));
		pp->n_tpls = k + 1;
		if (!pp->tpls[k].name)
			return err_at(e, NULL, "out of memory");
		if (!pp->tpls[k].t) {
			if (strstr(err, ":0:0: "))
				return err_at(e, &pr->templates.v[k].pos, "template %s", err);
			return err_tpl(e, err, "");
		}
	}
	return 0;
}

/* ---- boot configs ---- */

/* FAM_SYSLINUX_EFI is pxelinux's syntax, but syslinux.efi lives in efi64/
 * and puts its own directory before every path, a leading '/' included:
 * "::" names the TFTP server's root instead. */
enum family { FAM_PXELINUX, FAM_GRUB, FAM_IPXE, FAM_SYSLINUX_EFI };

/* Fill entry e for profile pr rendered in c, paths as family f reads them. */
static int
make_entry(const struct prov_snapshot *s, enum family f, const struct inv_profile *pr,
	   const struct tpl_ctx *c, struct bootcfg_entry *e, char paths[][512], struct strbuf *cmd,
	   char *err, size_t errlen)
{
	const struct prov_prof *pp;
	const char *pre = f == FAM_IPXE ? s->http : f == FAM_SYSLINUX_EFI ? "::" : "";
	const char *mid = f == FAM_IPXE ? "/boot/" : "/";

	memset(e, 0, sizeof(*e));
	e->id = pr->name;
	e->label = pr->label ? pr->label : pr->name;
	e->local = pr->localboot;
	if (e->local)
		return 0;
	/* Only now: the synthesised local-boot entry is not in the table. */
	pp = &s->profs[pr - s->p->inv.profiles];
	snprintf(paths[0], 512, "%s%s%s", pre, mid, pr->kernel);
	e->kernel = paths[0];
	for (unsigned k = 0; k < pr->n_initrd && k < BOOTCFG_MAX_INITRD; k++) {
		snprintf(paths[k + 1], 512, "%s%s%s", pre, mid, pr->initrd[k]);
		e->initrd[k] = paths[k + 1];
		e->n_initrd = k + 1;
	}
	if (pp->cmdline) {
		int rc = tpl_render(pp->cmdline, c, cmd, err, errlen);

		if (rc)
			return rc;
		e->cmdline = cmd->data;
	}
	return 0;
}

static int
add_file(struct prov_snapshot *s, const char *name, struct strbuf *b)
{
	struct file_list *l = s->cur;
	struct prov_file *f;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;

		f = realloc(l->v, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		l->v = f;
		l->cap = cap;
	}
	f = &l->v[l->n];
	f->name = strdup(name);
	f->data = strbuf_detach(b, &f->len);
	if (!f->name || !f->data) {
		free(f->name);
		free(f->data);
		return -ENOMEM;
	}
	l->n++;
	return 0;
}

typedef int (*gen_fn)(const struct bootcfg_menu *, struct strbuf *, char *, size_t);

/*
 * Write the config(s) of one family for a list of profiles (NULL entries:
 * a plain local boot) under the names given.
 */
static int
gen_family(struct prov_snapshot *s, enum family f, const struct inv_profile *const *profs, size_t n,
	   size_t dflt, unsigned timeout, const struct inv_decision *d,
	   const struct inv_machine *mach, uint32_t ip, const char *origin,
	   const char *const *names, size_t n_names, char *err, size_t errlen)
{
	static const gen_fn fns[] = {bootcfg_pxelinux, bootcfg_grub, bootcfg_ipxe,
				     bootcfg_pxelinux};
	static const struct inv_profile local = {
	    .name = "local", .label = "Boot from local drive", .localboot = true};
	struct bootcfg_entry e[RB_MENU_MAX];
	char paths[RB_MENU_MAX][1 + BOOTCFG_MAX_INITRD][512];
	struct strbuf cmd[RB_MENU_MAX], out;
	struct bootcfg_menu m = {.title = s->p->menu_title,
				 .origin = origin,
				 .e = e,
				 .n = n,
				 .dflt = dflt,
				 .timeout_s = n > 1 ? timeout : 0};
	int rc = 0;

	strbuf_init(&out, 1 << 20);
	for (size_t i = 0; i < n; i++)
		strbuf_init(&cmd[i], 8192);
	/* Each entry renders with its own profile's variables. */
	for (size_t i = 0; !rc && i < n; i++) {
		struct inv_decision de = *d;
		struct tpl_ctx *c;

		de.profile = profs[i];
		c = prov_make_ctx(s, &de, mach, ip, NULL, err, errlen);
		if (!c) {
			rc = errno == ENOMEM ? -ENOMEM : -EINVAL;
			break;
		}
		rc = make_entry(s, f, profs[i] ? profs[i] : &local, c, &e[i], paths[i], &cmd[i],
				err, errlen);
		tpl_ctx_free(c);
	}
	if (!rc && f == FAM_GRUB && strcmp(names[0], "grub/grub.cfg") == 0)
		/* The menu's file first tries the machine's own (GRUB asks only
		 * for grub/grub.cfg; net_default_mac is its NIC's MAC). */
		rc = strbuf_adds(&out, "if [ -s /grub/hosts/${net_default_mac}.cfg ]; then\n"
				       "\tconfigfile /grub/hosts/${net_default_mac}.cfg\nfi\n");
	if (!rc)
		rc = fns[f](&m, &out, err, errlen);
	for (size_t k = 0; !rc && k < n_names; k++) {
		struct strbuf copy;

		strbuf_init(&copy, 0);
		rc = strbuf_add(&copy, out.data, out.len);
		if (!rc)
			rc = add_file(s, names[k], &copy);
		strbuf_free(&copy);
	}
	for (size_t i = 0; i < n; i++)
		strbuf_free(&cmd[i]);
	strbuf_free(&out);
	return rc;
}

/* The profiles a decision boots, as a menu: one entry, or the menu. */
size_t
prov_menu_of(const struct prov_snapshot *s, const struct inv_decision *d,
	     const struct inv_profile **profs, size_t *dflt)
{
	const struct rb_provision *p = s->p;
	size_t n = 0;

	*dflt = 0;
	switch (d->boot) {
	case INV_BOOT_PROFILE:
		profs[n++] = d->profile;
		return n;
	case INV_BOOT_LOCAL:
	case INV_BOOT_NONE:
		profs[n++] = d->profile && d->profile->localboot ? d->profile : NULL;
		return n;
	case INV_BOOT_MENU:
		break;
	}
	if (p->n_menu) {
		for (unsigned i = 0; i < p->n_menu; i++)
			for (size_t j = 0; j < p->inv.n_profiles; j++)
				if (strcmp(p->inv.profiles[j].name, p->menu[i]) == 0)
					profs[n++] = &p->inv.profiles[j];
	} else {
		for (size_t j = 0; j < p->inv.n_profiles && n < RB_MENU_MAX; j++)
			profs[n++] = &p->inv.profiles[j];
	}
	if (n == 0)
		profs[n++] = NULL;
	/* default: the named entry, else the first local one, else the first */
	*dflt = SIZE_MAX;
	for (size_t i = 0; i < n && *dflt == SIZE_MAX; i++)
		if (profs[i] && p->menu_default && strcmp(profs[i]->name, p->menu_default) == 0)
			*dflt = i;
	for (size_t i = 0; i < n && *dflt == SIZE_MAX; i++)
		if (!profs[i] || profs[i]->localboot)
			*dflt = i;
	if (*dflt == SIZE_MAX)
		*dflt = 0;
	return n;
}

/* All three families' files for one decision (names: NULL mac = defaults). */
static int
gen_decision(struct prov_snapshot *s, const struct inv_decision *d, const struct inv_machine *m,
	     uint32_t ip, bool for_host, struct rb_config_error *e)
{
	const struct inv_profile *profs[RB_MENU_MAX];
	char err[512], origin[128], mac[18], mh[18], n1[64], n2[64], n3[64];
	size_t n, dflt;
	int rc;

	if (for_host && d->boot == INV_BOOT_MENU)
		return 0; /* the loaders fall back to the default names */
	n = prov_menu_of(s, d, profs, &dflt);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m->mac[0], m->mac[1], m->mac[2],
		 m->mac[3], m->mac[4], m->mac[5]);
	snprintf(mh, sizeof(mh), "%02x-%02x-%02x-%02x-%02x-%02x", m->mac[0], m->mac[1], m->mac[2],
		 m->mac[3], m->mac[4], m->mac[5]);
	if (for_host)
		snprintf(origin, sizeof(origin), "host %s (%s)", d->host->name, mac);
	else
		snprintf(origin, sizeof(origin), "machines without a config of their own");
	{
		const char *px[1] = {n1}, *pe[1] = {n2};

		if (for_host) {
			snprintf(n1, sizeof(n1), "pxelinux.cfg/01-%s", mh);
			snprintf(n2, sizeof(n2), "efi64/pxelinux.cfg/01-%s", mh);
		} else {
			snprintf(n1, sizeof(n1), "pxelinux.cfg/default");
			snprintf(n2, sizeof(n2), "efi64/pxelinux.cfg/default");
		}
		rc = gen_family(s, FAM_PXELINUX, profs, n, dflt, s->p->menu_timeout, d, m, ip,
				origin, px, 1, err, sizeof(err));
		if (!rc)
			rc = gen_family(s, FAM_SYSLINUX_EFI, profs, n, dflt, s->p->menu_timeout, d,
					m, ip, origin, pe, 1, err, sizeof(err));
	}
	if (!rc) {
		const char *g[1] = {n3};

		if (for_host)
			snprintf(n3, sizeof(n3), "grub/hosts/%s.cfg", mac);
		else
			snprintf(n3, sizeof(n3), "grub/grub.cfg");
		rc = gen_family(s, FAM_GRUB, profs, n, dflt, s->p->menu_timeout, d, m, ip, origin,
				g, 1, err, sizeof(err));
	}
	if (!rc && n == 1 && profs[0] && profs[0]->via_pxelinux) {
		/* iPXE hands the machine to pxelinux.0, which reads the
		 * pxelinux.cfg written above. */
		struct strbuf b;

		strbuf_init(&b, 4096);
		snprintf(n3, sizeof(n3), for_host ? "ipxe/%s.ipxe" : "ipxe/default.ipxe", mh);
		rc = strbuf_addf(&b,
				 "#!ipxe\n# Generated by rackboot for %s; edits here are lost on "
				 "reload.\nchain tftp://%s/pxelinux.0\n",
				 origin, s->server);
		if (!rc)
			rc = add_file(s, n3, &b);
		strbuf_free(&b);
	} else if (!rc) {
		const char *ip_names[1] = {n3};

		if (for_host)
			snprintf(n3, sizeof(n3), "ipxe/%s.ipxe", mh);
		else
			snprintf(n3, sizeof(n3), "ipxe/default.ipxe");
		rc = gen_family(s, FAM_IPXE, profs, n, dflt, s->p->menu_timeout, d, m, ip, origin,
				ip_names, 1, err, sizeof(err));
	}
	if (rc == -ENOMEM || rc == -E2BIG)
		return err_at(e, NULL, "generating boot configs: %s", strerror(-rc));
	if (rc) {
		if (strstr(err, ":") && strstr(err, ": ") && strchr(err, ':') < strstr(err, ": "))
			return err_tpl(e, err, "");
		if (d->host)
			return err_at(e, &d->host->pos, "host '%s': %s", d->host->name, err);
		return err_at(e, &s->p->inv.profiles[0].pos, "boot menu: %s", err);
	}
	return 0;
}

/*
 * Host i installs with d: its installer configs go to inst, and the local
 * boot it gets while not marked to files.
 */
static int
gen_install_host(struct prov_snapshot *s, size_t i, const struct inv_decision *d,
		 const struct inv_machine *m, struct rb_config_error *e)
{
	struct host_files *hf = &s->hf[i];
	struct inv_decision local = *d;
	int rc;

	hf->installs = true;
	hf->inst_off = s->inst.n;
	s->cur = &s->inst;
	rc = gen_decision(s, d, m, m->ip, true, e);
	s->cur = &s->files;
	hf->inst_n = s->inst.n - hf->inst_off;
	if (rc)
		return rc;
	local.boot = INV_BOOT_LOCAL;
	local.profile = NULL;
	hf->local_off = s->files.n;
	rc = gen_decision(s, &local, m, m->ip, true, e);
	hf->local_n = s->files.n - hf->local_off;
	return rc;
}

/* Strict checks of a profile's templates for one machine. */
struct check_arg {
	struct rb_config_error *e;
	const char *suffix;
	int rc;
};

static void
check_err(const char *msg, void *arg)
{
	struct check_arg *ca = arg;

	if (!ca->rc)
		ca->rc = err_tpl(ca->e, msg, ca->suffix);
}

static int
check_templates(const struct prov_snapshot *s, const struct inv_decision *d,
		const struct inv_machine *m, uint32_t ip, const char *suffix,
		struct rb_config_error *e)
{
	const struct prov_prof *pp;
	struct check_arg ca = {e, suffix, 0};
	struct tpl_ctx *c;
	char err[512];

	if (!d->profile)
		return 0;
	pp = &s->profs[d->profile - s->p->inv.profiles];
	/* Served templates know their machine's callback URL (a stand-in
	 * here); the command line is written into a boot config before any
	 * token exists, so callback_url is undefined there. */
	c = prov_make_ctx(s, d, m, ip, s->http, err, sizeof(err));
	if (!c)
		return errno == ENOMEM ? err_at(e, NULL, "out of memory") : err_tpl(e, err, suffix);
	for (size_t k = 0; !ca.rc && k < pp->n_tpls; k++)
		tpl_check(pp->tpls[k].t, c, 0, check_err, &ca);
	tpl_ctx_free(c);
	if (ca.rc || !pp->cmdline)
		return ca.rc;
	c = prov_make_ctx(s, d, m, ip, NULL, err, sizeof(err));
	if (!c)
		return errno == ENOMEM ? err_at(e, NULL, "out of memory") : err_tpl(e, err, suffix);
	tpl_check(pp->cmdline, c, 0, check_err, &ca);
	tpl_ctx_free(c);
	return ca.rc;
}

static int
check_reserved(const struct inv_kvs *vars, struct rb_config_error *e)
{
	for (size_t i = 0; i < vars->n; i++)
		for (size_t k = 0; k < sizeof(builtin_vars) / sizeof(builtin_vars[0]); k++)
			if (strcmp(vars->v[i].key, builtin_vars[k]) == 0)
				return err_at(e, &vars->v[i].pos,
					      "variable '%s' is set by rackboot (builtin names: "
					      "server, http, tftp, gateway, dns, domain, netmask, "
					      "hostname, name, mac, mac_hyphen, ip, uuid, profile, "
					      "labels, repo, callback_url)",
					      vars->v[i].key);
	return 0;
}

/* ---- build ---- */

int
prov_snapshot_build(struct rb_config *cfg, struct prov_snapshot **out, struct rb_config_error *e)
{
	struct prov_snapshot *s = calloc(1, sizeof(*s));
	struct rb_provision *p = cfg->prov;
	const struct inventory *inv;
	struct inv_decision d;
	struct inv_machine unknown = {.arch = -1};
	int rc = 0;

	memset(e, 0, sizeof(*e));
	if (!s)
		return err_at(e, NULL, "out of memory");
	if (!p) {
		/* No provisioning sections: an empty inventory, nothing generated. */
		p = calloc(1, sizeof(*p));
		if (!p) {
			free(s);
			return err_at(e, NULL, "out of memory");
		}
		p->inv.dflt = INV_DEFAULT_NONE;
		rc = inv_finish(&p->inv, NULL, 0, e->message, sizeof(e->message));
	}
	s->p = p;
	inv = &p->inv;
	placing = s;
	prov_fmt_ip(cfg->server_ip, s->server);
	if (cfg->http_port == 80)
		snprintf(s->http, sizeof(s->http), "http://%s", s->server);
	else
		snprintf(s->http, sizeof(s->http), "http://%s:%u", s->server, cfg->http_port);
	memcpy(s->subnets, cfg->dhcp.subnets, sizeof(s->subnets));
	s->n_subnets = cfg->dhcp.nb_subnets;
	memcpy(s->dns, cfg->dhcp.dns, sizeof(s->dns));
	s->n_dns = cfg->dhcp.nb_dns;
	snprintf(s->domain, sizeof(s->domain), "%s", cfg->dhcp.domain);
	s->profs = calloc(inv->n_profiles ? inv->n_profiles : 1, sizeof(*s->profs));
	if (!rc && !s->profs)
		rc = err_at(e, NULL, "out of memory");
	for (size_t i = 0; !rc && i < inv->n_profiles; i++) {
		rc = check_reserved(&inv->profiles[i].vars, e);
		if (!rc)
			rc = load_profile(s, i, e);
	}
	for (size_t i = 0; !rc && i < inv->n_groups; i++)
		rc = check_reserved(&inv->groups[i].vars, e);
	for (size_t i = 0; !rc && i < inv->n_hosts; i++)
		rc = check_reserved(&inv->hosts[i].vars, e);
	s->cur = &s->files;
	s->hf = calloc(inv->n_hosts ? inv->n_hosts : 1, sizeof(*s->hf));
	if (!rc && !s->hf)
		rc = err_at(e, NULL, "out of memory");
	/* Every known host: its templates, and its own boot configs. */
	for (size_t i = 0; !rc && i < inv->n_hosts; i++) {
		const struct inv_host *h = &inv->hosts[i];
		struct inv_machine m = {.arch = -1, .has_uuid = h->has_uuid, .ip = h->ip};
		char suffix[INV_NAME_MAX + 32];

		memcpy(m.mac, h->mac, 6);
		memcpy(m.uuid, h->uuid, 16);
		inv_resolve(inv, &m, &d);
		snprintf(suffix, sizeof(suffix), " (for host %s)", h->name);
		rc = check_templates(s, &d, &m, h->ip, suffix, e);
		if (!rc && d.boot == INV_BOOT_PROFILE && d.profile->install)
			rc = gen_install_host(s, i, &d, &m, e);
		else if (!rc)
			rc = gen_decision(s, &d, &m, h->ip, true, e);
	}
	/* What a machine nobody knows gets: the default files, checked with a
	 * stand-in machine (all-zero MAC, the first subnet's network). */
	if (!rc && inv->dflt != INV_DEFAULT_NONE) {
		uint32_t ip = s->n_subnets ? s->subnets[0].net : 0;

		inv_resolve(inv, &unknown, &d);
		if (d.boot == INV_BOOT_MENU) {
			const struct inv_profile *profs[RB_MENU_MAX];
			size_t dflt, n = prov_menu_of(s, &d, profs, &dflt);

			for (size_t k = 0; !rc && k < n; k++) {
				struct inv_decision dk = d;

				dk.profile = profs[k];
				rc =
				    check_templates(s, &dk, &unknown, ip, " (in the boot menu)", e);
			}
		} else {
			rc = check_templates(s, &d, &unknown, ip, " (for unknown machines)", e);
		}
		if (!rc)
			rc = gen_decision(s, &d, &unknown, ip, false, e);
	}
	if (!rc && inv->dflt != INV_DEFAULT_NONE) {
		struct strbuf b;

		/* iPXE: the machine's own script, else the default one. Only
		 * a machine without a script of its own may reach the default:
		 * one whose script returns (a local boot's "exit 0", a failed
		 * boot's "exit 1") goes back to the firmware, to its next boot
		 * device. iPXE runs a script line by line; an "||" ending a line
		 * does not join it to the next, so the fetch and the run are
		 * separate lines and the default sits behind a label. */
		strbuf_init(&b, 4096);
		rc = strbuf_addf(
		    &b,
		    "#!ipxe\n# Generated by rackboot; edits here are lost on reload.\n"
		    "imgfetch --name host %s/boot/ipxe/${mac:hexhyp}.ipxe || goto default\n"
		    "imgexec --autofree host\n"
		    "exit 0\n"
		    ":default\n"
		    "chain --autofree %s/boot/ipxe/default.ipxe\n",
		    s->http, s->http);
		if (!rc)
			rc = add_file(s, "boot.ipxe", &b);
		strbuf_free(&b);
		if (rc)
			rc = err_at(e, NULL, "out of memory");
	}
	placing = NULL;
	if (rc) {
		/* On failure cfg keeps its provision struct. */
		if (p == cfg->prov)
			s->keep_p = true;
		prov_snapshot_free(s);
		return rc;
	}
	cfg->prov = NULL;
	*out = s;
	return 0;
}

void
prov_snapshot_free(struct prov_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->p && s->profs && i < s->p->inv.n_profiles; i++) {
		tpl_free(s->profs[i].cmdline);
		tpl_free(s->profs[i].repo);
		for (size_t k = 0; k < s->profs[i].n_tpls; k++) {
			free(s->profs[i].tpls[k].name);
			tpl_free(s->profs[i].tpls[k].t);
		}
		free(s->profs[i].tpls);
	}
	free(s->profs);
	for (size_t i = 0; i < s->files.n; i++) {
		free(s->files.v[i].name);
		free(s->files.v[i].data);
	}
	free(s->files.v);
	for (size_t i = 0; i < s->inst.n; i++) {
		free(s->inst.v[i].name);
		free(s->inst.v[i].data);
	}
	free(s->inst.v);
	free(s->hf);
	if (s->p && !s->keep_p) {
		rb_provision_free(s->p);
		free(s->p);
	}
	free(s);
}
