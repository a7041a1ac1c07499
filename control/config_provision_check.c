/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_provision_check.c: the provisioning sections checked as a whole
 * (config_provision_check.h), once config_provision.c has walked them and
 * read the hosts files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_provision_check.h"
#include "provision/loaders.h"

static int
fail_inv(struct cfg_ctx *ctx, const char *msg)
{
	/* inv_finish() writes "file:line:col: error: text". */
	rb_config_error_parse(msg, ctx->err);
	return -EINVAL;
}

/* A host's address becomes its DHCP reservation; one declared in
 * dhcp.reservations as well must agree. */
static int
add_reservations(struct cfg_ctx *ctx, struct rb_config *cfg, struct rb_provision *p)
{
	struct rb_dhcp_cfg *d = &cfg->dhcp;
	size_t add = 0;

	for (size_t i = 0; i < p->inv.n_hosts; i++)
		add += p->inv.hosts[i].ip != 0;
	if (!add)
		return 0;
	if (d->mode != RB_DHCP_SERVER) {
		const struct inv_host *h = &p->inv.hosts[0];

		for (size_t i = 0; i < p->inv.n_hosts && !h->ip; i++)
			h = &p->inv.hosts[i];
		snprintf(ctx->err->file, sizeof(ctx->err->file), "%s", h->pos.file);
		ctx->err->line = h->pos.line;
		ctx->err->column = h->pos.column;
		snprintf(ctx->err->message, sizeof(ctx->err->message),
			 "host '%s' has an address, but rackboot assigns none (dhcp.mode is not "
			 "server)",
			 h->name);
		return -EINVAL;
	}
	if (d->nb_resv + add > RB_DHCP_MAX_RESV)
		return cfg_fail(ctx, ctx->root->start_mark,
				"hosts and dhcp.reservations: more than %d addresses",
				RB_DHCP_MAX_RESV);
	{
		struct rb_dhcp_resv *r = realloc(d->resv, (d->nb_resv + add) * sizeof(*r));

		if (!r)
			return cfg_oom(ctx);
		d->resv = r;
	}
	for (size_t i = 0; i < p->inv.n_hosts; i++) {
		const struct inv_host *h = &p->inv.hosts[i];
		struct rb_dhcp_resv *r;
		const char *clash = NULL;

		if (!h->ip)
			continue;
		for (unsigned j = 0; j < d->nb_resv && !clash; j++) {
			if (d->resv[j].ip == h->ip)
				clash = "address";
			else if (d->resv[j].has_mac && !memcmp(d->resv[j].mac, h->mac, 6))
				clash = "MAC";
		}
		for (unsigned s = 0; s < d->nb_subnets && !clash; s++) {
			const struct rb_dhcp_subnet *sn = &d->subnets[s];
			uint32_t mask = sn->prefix_len ? htonl(~0u << (32 - sn->prefix_len)) : 0;

			if ((h->ip & mask) != sn->net)
				continue;
			if (h->ip == sn->net || h->ip == (sn->net | ~mask))
				clash = "subnet's network or broadcast address";
			for (unsigned k = 0; k < sn->nb_routers && !clash; k++)
				if (h->ip == sn->routers[k])
					clash = "router address";
		}
		if (!clash && h->ip == cfg->server_ip)
			clash = "server address";
		if (clash) {
			snprintf(ctx->err->file, sizeof(ctx->err->file), "%s", h->pos.file);
			ctx->err->line = h->pos.line;
			ctx->err->column = h->pos.column;
			snprintf(ctx->err->message, sizeof(ctx->err->message),
				 "host '%s': its address is the %s of %s", h->name, clash,
				 strchr(clash, ' ') ? "this server" : "a dhcp.reservations entry");
			return -EINVAL;
		}
		r = &d->resv[d->nb_resv++];
		memset(r, 0, sizeof(*r));
		r->has_mac = true;
		memcpy(r->mac, h->mac, 6);
		r->ip = h->ip;
		snprintf(r->hostname, sizeof(r->hostname), "%s", h->name);
	}
	return 0;
}

/*
 * With a provisioning layer, DHCP hands out its loaders unless dhcp.boot
 * names others, and iPXE the generated boot.ipxe; every loader file must
 * be there (a missing one is an error now, not a timeout at boot).
 */
static int
boot_defaults(struct cfg_ctx *ctx, struct rb_config *cfg, struct rb_provision *p)
{
	struct loader_choice lc = {p->bios_loader, p->efi_loader};
	struct rb_dhcp_cfg *d = &cfg->dhcp;
	char ip[INET_ADDRSTRLEN], base[64], err[256];

	if (!p->given)
		return 0;
	if (!d->boot[RB_BOOT_BIOS][0])
		snprintf(d->boot[RB_BOOT_BIOS], sizeof(d->boot[0]), "%s", loaders_bios_file(&lc));
	if (!d->boot[RB_BOOT_EFI_X64][0])
		snprintf(d->boot[RB_BOOT_EFI_X64], sizeof(d->boot[0]), "%s",
			 loaders_efi64_file(&lc));
	/* The HTTP base once, for the HTTP boot URL and iPXE's script. */
	inet_ntop(AF_INET, &cfg->server_ip, ip, sizeof(ip));
	if (cfg->http_port == 80)
		snprintf(base, sizeof(base), "http://%s/boot", ip);
	else
		snprintf(base, sizeof(base), "http://%s:%u/boot", ip, cfg->http_port);
	if (!d->boot[RB_BOOT_HTTP_X64][0])
		snprintf(d->boot[RB_BOOT_HTTP_X64], sizeof(d->boot[0]), "%s/ipxe.efi", base);
	if (!d->ipxe_script[0])
		snprintf(d->ipxe_script, sizeof(d->ipxe_script), "%s/boot.ipxe", base);
	if (loaders_check(&lc, p->loader_root, err, sizeof(err)) == 0)
		return 0;
	snprintf(ctx->err->file, sizeof(ctx->err->file), "%s", cfg->path);
	ctx->err->line = ctx->err->column = 0;
	snprintf(ctx->err->message, sizeof(ctx->err->message), "%s", err);
	return -EINVAL;
}

int
cfg_provision_check(struct cfg_ctx *ctx, struct rb_config *cfg, struct rb_provision *p)
{
	struct inv_net nets[RB_DHCP_MAX_SUBNETS];
	char msg[512];
	size_t n_nets = 0;
	int rc;

	for (unsigned i = 0; i < cfg->dhcp.nb_subnets; i++) {
		const struct rb_dhcp_subnet *s = &cfg->dhcp.subnets[i];

		nets[n_nets].net = s->net;
		nets[n_nets++].mask = s->prefix_len ? htonl(~0u << (32 - s->prefix_len)) : 0;
	}
	rc = inv_finish(&p->inv, nets, cfg->dhcp.mode == RB_DHCP_SERVER ? n_nets : 0, msg,
			sizeof(msg));
	if (rc)
		return fail_inv(ctx, msg);
	/* Menu entries and the menu's default name profiles. */
	for (unsigned i = 0; i <= p->n_menu; i++) {
		const char *name = i < p->n_menu ? p->menu[i] : p->menu_default;
		const struct inv_pos *pos = i < p->n_menu ? &p->menu_pos[i] : &p->menu_default_pos;
		bool found = false;

		if (!name)
			continue;
		for (size_t j = 0; j < p->inv.n_profiles && !found; j++)
			found = strcmp(p->inv.profiles[j].name, name) == 0;
		if (!found) {
			snprintf(msg, sizeof(msg), "%s:%u:%u: error: unknown profile '%s'",
				 pos->file, pos->line, pos->column, name);
			return fail_inv(ctx, msg);
		}
	}
	rc = add_reservations(ctx, cfg, p);
	return rc ? rc : boot_defaults(ctx, cfg, p);
}
