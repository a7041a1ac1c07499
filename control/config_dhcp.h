/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_dhcp.h: the dhcp section of rackboot.yaml, as one entry for the
 * schema walker's section table (config_yaml.h). It fills the dhcp member
 * of the struct rb_config that is the walk's target; its whole-file checks
 * read server.address, so it comes after the server section in a table.
 */
#ifndef RB_CONTROL_CONFIG_DHCP_H
#define RB_CONTROL_CONFIG_DHCP_H

#include "config_yaml.h"

extern const struct cfg_section cfg_dhcp_section;

#endif
