/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_provision.h: the provisioning sections of rackboot.yaml and the
 * hosts files beside it.
 *
 *   boot:        what machines get: the menu (title, timeout, default
 *                entry, entries), what an unknown machine gets, which
 *                loader BIOS and EFI firmware are given
 *   profiles:    name -> one way to boot (control/provision/inventory.h)
 *   groups:      a list of selections (match: mac, uuid, arch, subnet,
 *                labels) giving a profile and variables
 *   hosts:       a list of machines (name, mac, uuid, address, profile,
 *                labels, vars); a host's address is its DHCP reservation
 *   hosts_files: more hosts, from YAML files (a `hosts:` list) or CSV files
 *                (name,mac,address,profile,uuid,labels), relative to the
 *                config's directory
 *
 * Everything lands in struct rb_provision (rb_config.prov); the whole-file
 * check builds the inventory (inv_finish) and turns host addresses into
 * DHCP reservations. Errors name file:line:column as everywhere else,
 * hosts files included.
 */
#ifndef RB_CONTROL_CONFIG_PROVISION_H
#define RB_CONTROL_CONFIG_PROVISION_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "config_yaml.h"
#include "provision/inventory.h"

#define RB_MENU_MAX 32 /* entries in the boot menu */
#define RB_HOSTS_FILES_MAX 16
#define RB_HOSTS_MAX 65536 /* hosts in all, like dhcp reservations */

enum rb_bios_loader { RB_BIOS_PXELINUX = 0, RB_BIOS_IPXE };
enum rb_efi_loader { RB_EFI_SYSLINUX = 0, RB_EFI_GRUB, RB_EFI_IPXE };

struct rb_provision {
	bool given; /* the file has a provisioning section */
	struct inventory inv;
	/* boot: */
	char menu_title[128];  /* default "rackboot" */
	uint32_t menu_timeout; /* seconds, 0..3600, default 10; 0: no menu */
	char *menu_default;    /* a menu entry (profile name); NULL: the first local entry */
	struct inv_pos menu_default_pos;
	char *menu[RB_MENU_MAX]; /* profile names in the menu; none given: every profile */
	struct inv_pos menu_pos[RB_MENU_MAX];
	unsigned n_menu;
	uint32_t bios_loader;	    /* enum rb_bios_loader, default pxelinux */
	uint32_t efi_loader;	    /* enum rb_efi_loader, default grub */
	char base_dir[PATH_MAX];    /* the config's directory: templates resolve here */
	char loader_root[PATH_MAX]; /* prefix of the packages' loader paths; "" = / */
};

extern const struct cfg_section cfg_boot_section;
extern const struct cfg_section cfg_profiles_section;
extern const struct cfg_section cfg_groups_section;
extern const struct cfg_section cfg_hosts_section;
extern const struct cfg_section cfg_hosts_files_section;

/* Release what p owns (the inventory and names); safe on a zeroed one. */
void rb_provision_free(struct rb_provision *p);

#endif
