/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_provision_check.h: the whole-file check of the provisioning
 * sections (config_provision.h), run once they and every hosts file are
 * read.
 */
#ifndef RB_CONTROL_CONFIG_PROVISION_CHECK_H
#define RB_CONTROL_CONFIG_PROVISION_CHECK_H

#include "config_provision.h"

/*
 * Check cfg's provisioning layer p as a whole and tie it to the rest of
 * cfg: inv_finish() (unique names, known profiles, hosts inside the DHCP
 * subnets, groups that cannot tie), the menu's profiles, each host address
 * made a DHCP reservation in cfg->dhcp (clashes refused), and DHCP's boot
 * files defaulted to the loaders, which must exist. Returns 0, or -EINVAL
 * / -ENOMEM with ctx's error naming file:line:column.
 */
int cfg_provision_check(struct cfg_ctx *ctx, struct rb_config *cfg, struct rb_provision *p);

#endif
