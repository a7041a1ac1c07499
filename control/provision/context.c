/* SPDX-License-Identifier: BSD-3-Clause */
/* context.c: the variables a template or command line is rendered with. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hex.h"
#include "snapshot_priv.h"

/* ---- contexts ---- */

void
prov_fmt_ip(uint32_t ip, char *out)
{
	inet_ntop(AF_INET, &ip, out, INET_ADDRSTRLEN);
}

static const struct rb_dhcp_subnet *
subnet_of(const struct prov_snapshot *s, uint32_t ip)
{
	for (unsigned i = 0; i < s->n_subnets; i++) {
		const struct rb_dhcp_subnet *sn = &s->subnets[i];
		uint32_t mask = sn->prefix_len ? htonl(~0u << (32 - sn->prefix_len)) : 0;

		if ((ip & mask) == sn->net)
			return sn;
	}
	return s->n_subnets ? &s->subnets[0] : NULL;
}

struct var_sink {
	struct tpl_val *root;
	int rc;
};

static void
put_var(void *arg, const struct inv_kv *kv, const char *source)
{
	struct var_sink *vs = arg;

	(void)source;
	if (!vs->rc && tpl_set_str(vs->root, kv->key, kv->val))
		vs->rc = -ENOMEM;
}

/*
 * The context for machine m under decision d, at address ip (0: unknown).
 * Returns NULL on ENOMEM, or with errno EINVAL and err set when the
 * profile's repo template fails.
 */
struct tpl_ctx *
prov_make_ctx(const struct prov_snapshot *s, const struct inv_decision *d,
	      const struct inv_machine *m, uint32_t ip, const char *callback_url, char *err,
	      size_t errlen)
{
	struct tpl_ctx *c = tpl_ctx_new();
	struct tpl_val *root, *labels;
	const struct rb_dhcp_subnet *sn;
	char buf[64], a[INET_ADDRSTRLEN];
	struct var_sink vs;
	int rc = 0;

	if (!c)
		return NULL;
	root = tpl_ctx_root(c);
	sn = subnet_of(s, ip);
	rc |= tpl_set_str(root, "server", s->server);
	rc |= tpl_set_str(root, "tftp", s->server);
	rc |= tpl_set_str(root, "http", s->http);
	a[0] = 0;
	if (sn && sn->nb_routers)
		prov_fmt_ip(sn->routers[0], a);
	rc |= tpl_set_str(root, "gateway", a);
	a[0] = 0;
	if (sn && sn->nb_dns)
		prov_fmt_ip(sn->dns[0], a);
	else if (s->n_dns)
		prov_fmt_ip(s->dns[0], a);
	rc |= tpl_set_str(root, "dns", a);
	rc |= tpl_set_str(root, "domain", sn && sn->domain[0] ? sn->domain : s->domain);
	a[0] = 0;
	if (sn)
		prov_fmt_ip(sn->prefix_len ? htonl(~0u << (32 - sn->prefix_len)) : 0, a);
	rc |= tpl_set_str(root, "netmask", a);
	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m->mac[0], m->mac[1], m->mac[2],
		 m->mac[3], m->mac[4], m->mac[5]);
	rc |= tpl_set_str(root, "mac", buf);
	for (char *q = buf; *q; q++)
		if (*q == ':')
			*q = '-';
	rc |= tpl_set_str(root, "mac_hyphen", buf);
	if (d->host) {
		rc |= tpl_set_str(root, "hostname", d->host->name);
		rc |= tpl_set_str(root, "name", d->host->name);
	} else {
		snprintf(buf, sizeof(buf), "rb-%02x%02x%02x%02x%02x%02x", m->mac[0], m->mac[1],
			 m->mac[2], m->mac[3], m->mac[4], m->mac[5]);
		rc |= tpl_set_str(root, "hostname", buf);
		rc |= tpl_set_str(root, "name", buf);
	}
	a[0] = 0;
	if (ip)
		prov_fmt_ip(ip, a);
	rc |= tpl_set_str(root, "ip", a);
	buf[0] = 0;
	if (m->has_uuid || (d->host && d->host->has_uuid)) {
		const uint8_t *u = m->has_uuid ? m->uuid : d->host->uuid;

		rb_uuid_format(buf, u);
	}
	rc |= tpl_set_str(root, "uuid", buf);
	rc |= tpl_set_str(root, "profile", d->profile ? d->profile->name : "");
	labels = tpl_set_map(root, "labels");
	if (!labels)
		rc = -1;
	for (size_t i = 0; d->host && labels && i < d->host->labels.n; i++)
		rc |= tpl_set_str(labels, d->host->labels.v[i].key, d->host->labels.v[i].val);
	vs = (struct var_sink){root, 0};
	inv_each_var(&s->p->inv, d, put_var, &vs);
	rc |= vs.rc;
	rc |= tpl_set_str(root, "repo", "");
	if (callback_url)
		rc |= tpl_set_str(root, "callback_url", callback_url);
	if (rc) {
		tpl_ctx_free(c);
		errno = ENOMEM;
		return NULL;
	}
	if (d->profile) {
		const struct prov_prof *pp = &s->profs[d->profile - s->p->inv.profiles];

		if (pp->repo) {
			struct strbuf r;

			strbuf_init(&r, 4096);
			rc = tpl_render(pp->repo, c, &r, err, errlen);
			if (!rc)
				rc = tpl_set_str(root, "repo", r.data);
			strbuf_free(&r);
			if (rc) {
				tpl_ctx_free(c);
				errno = rc == -ENOMEM ? ENOMEM : EINVAL;
				return NULL;
			}
		}
	}
	return c;
}
