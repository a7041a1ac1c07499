/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * snapshot.h: the provisioning layer as served: an immutable snapshot made
 * from a loaded config, swapped whole on reload.
 *
 * Building one parses every template (files and the profiles' inline
 * command lines and repository URLs), renders each known host's templates
 * (which is also the strict check: an undefined variable or a value that
 * would break out of its context refuses the config with file:line:column)
 * and generates every boot loader config:
 *
 *   pxelinux.cfg/default, efi64/pxelinux.cfg/default   the menu (unknown machines)
 *   pxelinux.cfg/01-<mac>, efi64/pxelinux.cfg/01-<mac>  one per known host
 *   grub/grub.cfg                                       the menu, after a
 *                                                       jump to grub/hosts/<mac>.cfg
 *   grub/hosts/<mac>.cfg                                one per known host
 *   boot.ipxe                                           chains ipxe/<mac>.ipxe, else
 *   ipxe/default.ipxe, ipxe/<mac>.ipxe                  the menu / one per host
 *
 * A known host whose decision is "the menu" gets no file of its own: the
 * loaders fall back to the default names by themselves. A known host whose
 * profile installs (install: true) gets two sets of its own files: a local
 * boot, served while it is not marked for reinstall, and its installer,
 * served while it is (prov_compose() picks per host; control/lifecycle/
 * says who is marked). The files are
 * written to a directory that becomes the last root of the boot namespace
 * (TFTP and HTTP /boot/). Templates are served over HTTP at
 * /t/<name>[?mac=<mac>]: the machine is named by mac= or found from the
 * requester's address in the lease database.
 */
#ifndef RB_PROVISION_SNAPSHOT_H
#define RB_PROVISION_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inventory.h"
#include "strbuf.h"

struct rb_config;
struct rb_config_error;
struct prov_snapshot;

/* A generated file. */
struct prov_file {
	char *name; /* in the boot namespace, e.g. "pxelinux.cfg/default" */
	char *data;
	size_t len;
};

/*
 * Build a snapshot from cfg (its prov member is taken over: cfg->prov is
 * NULL afterwards). On error returns -EINVAL/-ENOMEM with *err filled
 * (file:line:column) and cfg unchanged.
 */
int prov_snapshot_build(struct rb_config *cfg, struct prov_snapshot **out,
			struct rb_config_error *err);
void prov_snapshot_free(struct prov_snapshot *s);

/* The inventory the snapshot serves. */
const struct inventory *prov_inventory(const struct prov_snapshot *s);

/* The loaders the config chose, and the root their package paths are
 * under ("" = /). False when the config has no provisioning sections. */
struct loader_choice;
bool prov_loaders(const struct prov_snapshot *s, struct loader_choice *lc, const char **root);

/* The generated files when no host is marked for reinstall. */
const struct prov_file *prov_files(const struct prov_snapshot *s, size_t *n);

/*
 * The generated files when the hosts for which marked(arg, host) is true
 * boot their installer: a malloc'd array of n entries whose names and data
 * point into s (the caller frees the array only; it is valid while s is).
 * marked is asked only about hosts whose profile installs; NULL means none
 * is marked. NULL with errno ENOMEM.
 */
struct prov_file *prov_compose(const struct prov_snapshot *s,
			       bool (*marked)(void *arg, const struct inv_host *h), void *arg,
			       size_t *n);

/* Does host (an index into the inventory's hosts) boot an installer
 * profile when marked? */
bool prov_host_installs(const struct prov_snapshot *s, size_t host);

/* "http://<server>[:port]": what the generated configs fetch over HTTP. */
const char *prov_http_base(const struct prov_snapshot *s);

/*
 * Write the generated files under dir (created; must not exist yet).
 * 0 or -errno with a message in err.
 */
int prov_write_files(const struct prov_snapshot *s, const char *dir, char *err, size_t errlen);

/*
 * Render template `name` (a served name of the machine's profile) for
 * machine m (m->ip: its address, 0 unknown). A machine whose decision is
 * the menu has no profile of its own: menu_choice (may be NULL) names the
 * entry it booted, which must be in the menu. callback_url (may be NULL:
 * then a template using it fails to render) is the machine's installer
 * callback, the template variable callback_url. 0 with the text in out;
 * -ENOENT when there is no such profile or template; -EINVAL with err when
 * rendering fails.
 */
int prov_render(const struct prov_snapshot *s, const struct inv_machine *m, const char *name,
		const char *menu_choice, const char *callback_url, struct strbuf *out, char *err,
		size_t errlen);

/*
 * `rackboot explain`: what machine m gets and why, its variables with
 * where each comes from, and the boot configs it will read.
 */
int prov_explain(const struct prov_snapshot *s, const struct inv_machine *m, struct strbuf *out);

#endif
