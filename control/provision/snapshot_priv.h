/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * snapshot_priv.h: the inside of a provisioning snapshot, shared by the
 * files that build it (snapshot.c), make template contexts (context.c) and
 * serve it (serve.c). Nothing outside control/provision/ includes this.
 */
#ifndef RB_PROVISION_SNAPSHOT_PRIV_H
#define RB_PROVISION_SNAPSHOT_PRIV_H

#include <arpa/inet.h>

#include "../config.h"
#include "../config_provision.h"
#include "snapshot.h"
#include "template.h"

struct prov_tpl {
	char *name; /* served name */
	struct tpl *t;
};

struct prov_prof {
	struct tpl *cmdline, *repo; /* NULL when the profile has none */
	struct prov_tpl *tpls;
	size_t n_tpls;
};

struct file_list {
	struct prov_file *v;
	size_t n, cap;
};

/* A known host whose profile installs has two sets of configs: the one it
 * boots while marked for reinstall, and the local boot it gets otherwise. */
struct host_files {
	bool installs;
	size_t local_off, local_n; /* in files: the local boot variant */
	size_t inst_off, inst_n;   /* in inst: the installer variant */
};

struct prov_snapshot {
	struct rb_provision *p;
	bool keep_p;		 /* p still belongs to the config (a failed build) */
	struct prov_prof *profs; /* parallel to p->inv.profiles */
	struct file_list files;	 /* what is served when no host is marked */
	struct file_list inst;	 /* installer variants of the hosts that install */
	struct file_list *cur;	 /* where add_file() writes */
	struct host_files *hf;	 /* parallel to p->inv.hosts */
	/* server values */
	char server[INET_ADDRSTRLEN];
	char http[64];
	struct rb_dhcp_subnet subnets[RB_DHCP_MAX_SUBNETS];
	unsigned n_subnets;
	uint32_t dns[RB_DHCP_MAX_ADDRS];
	uint8_t n_dns;
	char domain[RB_DOMAIN_MAX];
};

/*
 * The template context of machine m under decision d at address ip (0:
 * unknown): the builtin variables, then the decision's variables, then
 * the profile's rendered repo; callback_url (NULL: left undefined) is the
 * machine's installer callback. NULL on ENOMEM, or with errno EINVAL and
 * err set when the repo template fails.
 */
struct tpl_ctx *prov_make_ctx(const struct prov_snapshot *s, const struct inv_decision *d,
			      const struct inv_machine *m, uint32_t ip, const char *callback_url,
			      char *err, size_t errlen);

/* ip (network order) as a dotted quad into out (INET_ADDRSTRLEN). */
void prov_fmt_ip(uint32_t ip, char *out);

/* The profiles decision d boots, as a menu (one entry, or the menu; NULL
 * entries boot the local drive) into profs, the default entry in *dflt.
 * Returns their number. */
size_t prov_menu_of(const struct prov_snapshot *s, const struct inv_decision *d,
		    const struct inv_profile **profs, size_t *dflt);

#endif
