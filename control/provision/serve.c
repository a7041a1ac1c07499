/* SPDX-License-Identifier: BSD-3-Clause */
/* serve.c: what a built snapshot serves: its files (per reinstall marks),
 * rendered templates, explanations. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loaders.h"
#include "snapshot_priv.h"

const struct inventory *
prov_inventory(const struct prov_snapshot *s)
{
	return &s->p->inv;
}

bool
prov_loaders(const struct prov_snapshot *s, struct loader_choice *lc, const char **root)
{
	lc->bios = s->p->bios_loader;
	lc->efi = s->p->efi_loader;
	*root = s->p->loader_root;
	return s->p->given;
}

const struct prov_file *
prov_files(const struct prov_snapshot *s, size_t *n)
{
	*n = s->files.n;
	return s->files.v;
}

const char *
prov_http_base(const struct prov_snapshot *s)
{
	return s->http;
}

bool
prov_host_installs(const struct prov_snapshot *s, size_t host)
{
	return host < s->p->inv.n_hosts && s->hf && s->hf[host].installs;
}

struct prov_file *
prov_compose(const struct prov_snapshot *s, bool (*marked)(void *arg, const struct inv_host *h),
	     void *arg, size_t *n)
{
	const struct inventory *inv = &s->p->inv;
	size_t cap = s->files.n + s->inst.n, k = 0;
	struct prov_file *out = malloc((cap ? cap : 1) * sizeof(*out));
	bool *on = calloc(inv->n_hosts ? inv->n_hosts : 1, sizeof(*on));
	size_t next = 0; /* the next local range to look at, by file order */

	if (!out || !on) {
		free(out);
		free(on);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t h = 0; h < inv->n_hosts; h++)
		on[h] = s->hf[h].installs && marked && marked(arg, &inv->hosts[h]);
	/* Local variants were added in host order: skip the ranges of the
	 * marked hosts while copying the rest. */
	for (size_t i = 0; i < s->files.n; i++) {
		while (next < inv->n_hosts &&
		       (!s->hf[next].installs || s->hf[next].local_off + s->hf[next].local_n <= i))
			next++;
		if (next < inv->n_hosts && on[next] && i >= s->hf[next].local_off)
			continue;
		out[k++] = s->files.v[i];
	}
	for (size_t h = 0; h < inv->n_hosts; h++)
		for (size_t i = 0; on[h] && i < s->hf[h].inst_n; i++)
			out[k++] = s->inst.v[s->hf[h].inst_off + i];
	free(on);
	*n = k;
	return out;
}

/* ---- serving ---- */

static int
mkdirs(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, rel);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	for (char *q = path + strlen(dir) + 1; (q = strchr(q, '/')); q++) {
		*q = 0;
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*q = '/';
	}
	return 0;
}

int
prov_write_files(const struct prov_snapshot *s, const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0755)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < s->files.n; i++) {
		const struct prov_file *f = &s->files.v[i];
		char path[PATH_MAX];
		int fd, rc = mkdirs(dir, f->name);

		if (!rc && snprintf(path, sizeof(path), "%s/%s", dir, f->name) >= (int)sizeof(path))
			rc = -ENAMETOOLONG;
		if (rc) {
			snprintf(err, errlen, "%s/%s: %s", dir, f->name, strerror(-rc));
			return rc;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, f->data, f->len) != (ssize_t)f->len) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return rc;
		}
		close(fd);
	}
	return 0;
}

int
prov_render(const struct prov_snapshot *s, const struct inv_machine *m, const char *name,
	    const char *menu_choice, const char *callback_url, struct strbuf *out, char *err,
	    size_t errlen)
{
	const struct prov_prof *pp;
	struct inv_decision d;
	struct tpl_ctx *c;
	int rc = -ENOENT;

	inv_resolve(&s->p->inv, m, &d);
	if (d.boot == INV_BOOT_MENU && menu_choice) {
		const struct inv_profile *profs[RB_MENU_MAX];
		size_t dflt, n = prov_menu_of(s, &d, profs, &dflt);

		for (size_t i = 0; i < n && !d.profile; i++)
			if (profs[i] && strcmp(profs[i]->name, menu_choice) == 0)
				d.profile = profs[i];
	}
	if (!d.profile)
		return -ENOENT;
	pp = &s->profs[d.profile - s->p->inv.profiles];
	for (size_t k = 0; k < pp->n_tpls; k++) {
		if (strcmp(pp->tpls[k].name, name) != 0)
			continue;
		c = prov_make_ctx(s, &d, m, m->ip ? m->ip : (d.host ? d.host->ip : 0), callback_url,
				  err, errlen);
		if (!c)
			return errno == ENOMEM ? -ENOMEM : -EINVAL;
		rc = tpl_render(pp->tpls[k].t, c, out, err, errlen);
		tpl_ctx_free(c);
		break;
	}
	return rc;
}

struct explain_arg {
	struct strbuf *out;
	int rc;
};

static void
explain_var(void *arg, const struct inv_kv *kv, const char *source)
{
	struct explain_arg *ea = arg;

	if (!ea->rc)
		ea->rc = strbuf_addf(ea->out, "  %-16s %-24s (%s, %s:%u)\n", kv->key, kv->val,
				     source, kv->pos.file ? kv->pos.file : "-", kv->pos.line);
}

int
prov_explain(const struct prov_snapshot *s, const struct inv_machine *m, struct strbuf *out)
{
	static const char *const boots[] = {"nothing (no boot offered)", "local boot", "the menu",
					    "profile"};
	const struct inventory *inv = &s->p->inv;
	struct inv_decision d;
	struct explain_arg ea = {out, 0};
	char mac[18], mh[18];
	int rc;

	inv_resolve(inv, m, &d);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m->mac[0], m->mac[1], m->mac[2],
		 m->mac[3], m->mac[4], m->mac[5]);
	snprintf(mh, sizeof(mh), "%02x-%02x-%02x-%02x-%02x-%02x", m->mac[0], m->mac[1], m->mac[2],
		 m->mac[3], m->mac[4], m->mac[5]);
	rc = strbuf_addf(out, "machine   %s%s%s\n", mac, m->arch >= 0 ? ", arch " : "",
			 m->arch >= 0 ? inv_arch_name(inv_arch_bit(m->arch)) : "");
	if (!rc && d.host)
		rc = strbuf_addf(out, "host      %s (%s:%u:%u)\n", d.host->name, d.host->pos.file,
				 d.host->pos.line, d.host->pos.column);
	else if (!rc)
		rc = strbuf_adds(out, "host      unknown\n");
	if (!rc && d.group)
		rc = strbuf_addf(out, "group     %s, %u criteria (%s:%u:%u)\n", d.group->name,
				 d.group->specificity, d.group->pos.file, d.group->pos.line,
				 d.group->pos.column);
	if (!rc)
		rc = strbuf_addf(out, "boots     %s%s%s\n", boots[d.boot],
				 d.boot == INV_BOOT_PROFILE ? " " : "",
				 d.boot == INV_BOOT_PROFILE ? d.profile->name : "");
	if (!rc)
		rc = strbuf_addf(out, "because   %s\n", d.why);
	if (!rc && d.host && d.boot == INV_BOOT_PROFILE && d.profile->install)
		rc = strbuf_addf(out,
				 "installs  yes: %s is booted only while the host is marked for "
				 "reinstall\n          (rackbootctl reinstall %s); otherwise it "
				 "boots from its local drive\n",
				 d.profile->name, d.host->name);
	if (!rc)
		rc = strbuf_adds(out, "variables (later lines override earlier ones)\n");
	if (!rc)
		inv_each_var(inv, &d, explain_var, &ea);
	rc = rc ? rc : ea.rc;
	if (!rc && d.host && d.boot != INV_BOOT_MENU)
		rc = strbuf_addf(out,
				 "configs   pxelinux.cfg/01-%s, efi64/pxelinux.cfg/01-%s,\n"
				 "          grub/hosts/%s.cfg, ipxe/%s.ipxe\n",
				 mh, mh, mac, mh);
	else if (!rc)
		rc =
		    strbuf_adds(out, "configs   pxelinux.cfg/default, efi64/pxelinux.cfg/default,\n"
				     "          grub/grub.cfg, ipxe/default.ipxe\n");
	if (!rc && d.host && d.boot != INV_BOOT_MENU) {
		char want[64];

		snprintf(want, sizeof(want), "pxelinux.cfg/01-%s", mh);
		for (size_t i = 0; !rc && i < s->files.n; i++)
			if (strcmp(s->files.v[i].name, want) == 0)
				rc = strbuf_addf(out, "--- %s%s\n%s", want,
						 d.profile && d.profile->install ? " (not marked)"
										 : "",
						 s->files.v[i].data);
		for (size_t i = 0; !rc && i < s->inst.n; i++)
			if (strcmp(s->inst.v[i].name, want) == 0)
				rc = strbuf_addf(out, "--- %s (marked for reinstall)\n%s", want,
						 s->inst.v[i].data);
	} else if (!rc) {
		for (size_t i = 0; !rc && i < s->files.n; i++)
			if (strcmp(s->files.v[i].name, "pxelinux.cfg/default") == 0)
				rc = strbuf_addf(out, "--- pxelinux.cfg/default\n%s",
						 s->files.v[i].data);
	}
	return rc;
}
