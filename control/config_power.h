/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_power.h: how machines are switched on and off, in rackboot.yaml.
 *
 *   power:                    # optional; defaults every host inherits
 *     driver: ipmi            # ipmi | redfish | command | none (default)
 *     username: admin
 *     password_file: /etc/rackboot/bmc.pass
 *     command: /usr/local/bin/pdu-power --rack a
 *     tls_verify: true        # redfish
 *     cipher_suite: 3         # ipmi: ipmitool -C, 1..17; default: ipmitool's choice
 *     concurrency: 8          # scheduler: actions at once, 1..256
 *     stagger_ms: 2000        # between two starts, 0..60000
 *     timeout_s: 30           # each action, 1..600
 *   hosts:
 *     - name: web1
 *       ...
 *       power: {driver: redfish, address: https://10.0.0.5,
 *               system_id: 1, tls_verify: false}
 *
 * A host's `power:` mapping takes driver, address, username,
 * password_file, command, system_id, tls_verify and cipher_suite; a CSV
 * hosts file the columns power_driver, power_address, power_username,
 * power_password_file. What a host does not give it takes from the power
 * section (driver, username, password_file, command, tls_verify,
 * cipher_suite; never the address or system_id, which belong to one
 * machine).
 *
 * Refused, at file:line:column: an unknown driver; ipmi or redfish without
 * an address or a password_file; a redfish address that is not an
 * http(s):// URL; the command driver without a command; a relative
 * password_file; a command whose program is not an absolute path (it runs
 * without a shell); an address or system_id on a host without a driver;
 * a host's own cipher_suite when its driver is not ipmi, and cipher suite
 * 0 (no authentication: a BMC that allows it takes any password);
 * a scheduler limit out of range. Passwords are never in the config: only
 * the name of a file that holds one.
 */
#ifndef RB_CONTROL_CONFIG_POWER_H
#define RB_CONTROL_CONFIG_POWER_H

#include <stddef.h>

#include "config_yaml.h"
#include "provision/inventory.h"

/* The scheduler's defaults (control/lifecycle/power.h has the same). */
#define RB_POWER_CONCURRENCY 8
#define RB_POWER_STAGGER_MS 2000
#define RB_POWER_TIMEOUT_S 30
/* The ipmi cipher_suite's highest value (POWER_IPMI_CIPHER_MAX there). */
#define RB_POWER_CIPHER_MAX 17

/* The power settings a host file may give as text. */
enum rb_power_key {
	RB_PW_DRIVER,  /* field: int (enum inv_power_driver) */
	RB_PW_ADDRESS, /* the rest: char * (strdup'd; replaces) */
	RB_PW_USERNAME,
	RB_PW_PASSWORD_FILE,
	RB_PW_COMMAND,
	RB_PW_SYSTEM_ID,
};

/*
 * Check val as power setting k and store it into field (an int * for
 * RB_PW_DRIVER, a char ** otherwise). Returns 0, -EINVAL with why (cap
 * bytes) saying what is wrong without naming a place, or -ENOMEM. The
 * YAML and CSV parsers share it, so both refuse the same things.
 */
int rb_power_set(enum rb_power_key k, const char *val, void *field, char *why, size_t cap);

/* The key_def setter of a host's `power:` mapping (a tree key of struct
 * inv_host, field: its struct inv_power). */
int cfg_set_host_power(const struct item *it);

/*
 * The top-level power section. Its check runs after the hosts (and hosts
 * files) are read: it fills in each host's inherited settings and checks
 * them, and sets rb_config's power_* scheduler limits.
 */
extern const struct cfg_section cfg_power_section;

#endif
