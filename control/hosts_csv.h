/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hosts_csv.h: a hosts file in CSV (hosts_files: in config_provision.h).
 *
 *   # comment
 *   name,mac,address,profile,uuid,labels
 *   web1,52:54:00:12:34:56,198.18.0.10,debian,,rack=a;role=web
 *
 * A header line naming the columns comes first (any order, each once;
 * name and mac are required); every later line has as many fields. Fields
 * do not hold commas or quotes; blanks around them are dropped; an empty
 * field is not given. labels are key=value pairs separated by ';'.
 * The optional columns power_driver, power_address, power_username and
 * power_password_file are a host's power settings (config_power.h).
 */
#ifndef RB_CONTROL_HOSTS_CSV_H
#define RB_CONTROL_HOSTS_CSV_H

#include <stddef.h>

#include "config.h" /* struct rb_config_error */
#include "provision/inventory.h"

/*
 * Read the CSV hosts file at path and add its hosts to inv (their
 * positions name path), refusing one that would take inv past max_hosts.
 * Returns 0, or -EINVAL (bad content, *err says file:line:column) /
 * -errno (could not open it: *err's line is 0). Hosts added before an
 * error stay in inv, for the caller to free with it. Only each host's own
 * fields are checked here; inv_finish() checks them together.
 */
int hosts_csv_load(const char *path, struct inventory *inv, size_t max_hosts,
		   struct rb_config_error *err);

#endif
