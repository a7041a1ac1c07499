/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * inventory.h: profiles, hosts and groups, and the boot decision made from
 * them (`rackboot explain` prints it).
 *
 * Pure data and rules, no YAML and no network: the config parser fills a
 * struct inventory, inv_finish() checks it as a whole, inv_resolve() says
 * what one machine gets and why. Everything is immutable after
 * inv_finish(); a reload builds a new inventory beside the old one.
 *
 * - A profile is one way to boot (kernel, initrds, command line, templates,
 *   repository, variables) or `localboot`.
 * - A host is one machine (MAC, optional UUID, name, address, labels,
 *   variables) and may name its profile.
 * - A group selects machines by MAC, UUID, client architecture, subnet and
 *   labels (labels only ever match known hosts) and gives them a profile
 *   and variables. The most specific matching group wins; its specificity
 *   is the number of criteria it states (each label counts one). Two groups
 *   that are equally specific and can match the same machine are refused
 *   at load, so a tie can never be decided at boot time.
 *   Hosts are checked at every architecture they could boot as.
 * - The default says what a machine no host and no group covers gets:
 *   nothing, local boot, the menu, or a profile.
 */
#ifndef RB_PROVISION_INVENTORY_H
#define RB_PROVISION_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INV_MAX_INITRD 8
#define INV_NAME_MAX 64 /* profile, host, group names: [A-Za-z0-9._-] */

/* Where a thing was declared, for file:line:column messages. */
struct inv_pos {
	const char *file; /* owned by the inventory (interned) */
	unsigned line, column;
};

struct inv_kv {
	char *key, *val;
	struct inv_pos pos;
};

/* A small ordered map of strings (labels, variables, templates). */
struct inv_kvs {
	struct inv_kv *v;
	size_t n, cap;
};

/* Client architectures (DHCP option 93) as bits, for group matches. */
enum inv_arch {
	INV_ARCH_BIOS = 1u << 0,       /* 0 */
	INV_ARCH_EFI_IA32 = 1u << 1,   /* 6 */
	INV_ARCH_EFI_X64 = 1u << 2,    /* 7, 9 */
	INV_ARCH_EFI_ARM64 = 1u << 3,  /* 11 */
	INV_ARCH_HTTP_X64 = 1u << 4,   /* 16 */
	INV_ARCH_HTTP_ARM64 = 1u << 5, /* 19 */
};

/* The bit for an option 93 value; 0 for one we do not know. */
uint32_t inv_arch_bit(int dhcp_arch);
/* "bios", "efi-ia32", "efi-x64", "efi-arm64", "http-x64", "http-arm64". */
uint32_t inv_arch_parse(const char *s);
/* The name of one bit, "unknown" for anything else. */
const char *inv_arch_name(uint32_t bit);

struct inv_profile {
	char *name;
	struct inv_pos pos;
	bool localboot;
	char *kernel; /* path under tftp.root / repository URL */
	char *initrd[INV_MAX_INITRD];
	unsigned n_initrd;
	char *cmdline;			      /* kernel arguments (a template) */
	struct inv_pos cmdline_pos, repo_pos; /* where those two are written */
	char *repo;			      /* install repository URL (a template) */
	char *label;			      /* menu entry text; NULL: the name */
	bool via_pxelinux;		      /* loader: pxelinux: iPXE chains pxelinux.0 first */
	bool install; /* install: true: a one-shot installer, booted by a known host only
		       * while it is marked for reinstall (control/lifecycle/) */
	struct inv_kvs templates; /* served name -> template file */
	struct inv_kvs vars;
};

/* How a host's power is switched (control/lifecycle/power.h acts on it;
 * the same values as its enum power_driver). */
enum inv_power_driver {
	INV_POWER_NONE = 0,
	INV_POWER_IPMI,
	INV_POWER_REDFISH,
	INV_POWER_COMMAND,
};

/*
 * A host's power control settings, as the config gives them (hosts'
 * `power:`, CSV power_* columns) with the power section's defaults filled
 * in (control/config_power.h). Plain data: nothing here acts on them.
 */
struct inv_power {
	int driver;	       /* enum inv_power_driver */
	char *address;	       /* ipmi: BMC host; redfish: base URL; NULL: none */
	char *username;	       /* NULL: none */
	char *password_file;   /* absolute; NULL: none */
	char *command;	       /* command driver: absolute program and fixed args */
	char *system_id;       /* redfish Systems member; NULL: the first */
	int tls_insecure;      /* redfish: 1 when tls_verify: false */
	uint32_t cipher_suite; /* ipmi: ipmitool -C, 1..17; 0: not given */
	bool has_driver;       /* the host gave its own driver / tls_verify... */
	bool has_tls;	       /* ...else the power section's apply */
	struct inv_pos pos;    /* where the host's settings are; line 0: none given */
};

struct inv_host {
	char *name;
	struct inv_pos pos;
	uint8_t mac[6];
	bool has_uuid;
	uint8_t uuid[16];
	uint32_t ip;   /* network order; 0: from the pool */
	char *profile; /* NULL: groups decide */
	struct inv_pos profile_pos;
	struct inv_kvs labels, vars;
	struct inv_power power;
	const struct inv_profile *prof; /* set by inv_finish() */
};

struct inv_group {
	char *name;
	struct inv_pos pos;
	uint8_t (*macs)[6];
	size_t n_macs;
	bool has_uuid;
	uint8_t uuid[16];
	uint32_t arch_mask; /* 0: any architecture */
	bool has_subnet;
	uint32_t net, mask; /* network order */
	struct inv_kvs labels;
	char *profile;
	struct inv_pos profile_pos;
	struct inv_kvs vars;
	const struct inv_profile *prof; /* set by inv_finish() */
	unsigned specificity;		/* set by inv_finish() */
};

enum inv_default { INV_DEFAULT_NONE = 0, INV_DEFAULT_LOCAL, INV_DEFAULT_MENU, INV_DEFAULT_PROFILE };

/* A subnet rackboot serves, for the host address check. */
struct inv_net {
	uint32_t net, mask; /* network order */
};

struct inventory {
	struct inv_profile *profiles;
	size_t n_profiles, cap_profiles;
	struct inv_host *hosts;
	size_t n_hosts, cap_hosts;
	struct inv_group *groups;
	size_t n_groups, cap_groups;
	enum inv_default dflt;
	char *dflt_profile; /* INV_DEFAULT_PROFILE */
	struct inv_pos dflt_pos;
	const struct inv_profile *dflt_prof;
	struct inv_kvs server_vars; /* set by the server: server, repository, ... */
	/* interned file names */
	char **files;
	size_t n_files;
	/* hosts sorted by MAC (indexes into hosts), built by inv_finish() */
	uint32_t *by_mac;
};

/* Add an element (zeroed) and return it; NULL and errno ENOMEM. */
struct inv_profile *inv_add_profile(struct inventory *inv);
struct inv_host *inv_add_host(struct inventory *inv);
struct inv_group *inv_add_group(struct inventory *inv);
/* A stable copy of a file name for inv_pos.file. NULL on ENOMEM. */
const char *inv_intern_file(struct inventory *inv, const char *file);

/* Set key to val (copies both; replaces an existing key). 0 or -ENOMEM. */
int inv_kvs_set(struct inv_kvs *m, const char *key, const char *val, struct inv_pos pos);
const struct inv_kv *inv_kvs_get(const struct inv_kvs *m, const char *key);

/*
 * Check the whole inventory and index it: names unique per kind; every
 * profile a host, group or the default names exists; no two hosts share a
 * MAC, UUID or address; each host's address lies inside one of nets (when
 * n_nets > 0); no two equally specific groups overlap. On error returns
 * -EINVAL with "file:line:column: message" in err.
 */
int inv_finish(struct inventory *inv, const struct inv_net *nets, size_t n_nets, char *err,
	       size_t errlen);

void inv_free(struct inventory *inv);

/* What a booting machine tells us about itself. */
struct inv_machine {
	uint8_t mac[6];
	bool has_uuid;
	uint8_t uuid[16];
	int arch;    /* DHCP option 93, -1: none given */
	uint32_t ip; /* network order: its address, or 0 */
};

enum inv_boot { INV_BOOT_NONE = 0, INV_BOOT_LOCAL, INV_BOOT_MENU, INV_BOOT_PROFILE };

struct inv_decision {
	enum inv_boot boot;
	const struct inv_host *host;	   /* NULL: unknown machine */
	const struct inv_group *group;	   /* the group that decided, if any */
	const struct inv_profile *profile; /* INV_BOOT_PROFILE */
	char why[256];			   /* one sentence */
};

/* The decision for m. Never fails on a finished inventory. */
void inv_resolve(const struct inventory *inv, const struct inv_machine *m, struct inv_decision *d);

/* A host by MAC (NULL: unknown). */
const struct inv_host *inv_host_by_mac(const struct inventory *inv, const uint8_t mac[6]);

/* Does group g match machine m (whose host, if known, is h)? */
bool inv_group_matches(const struct inv_group *g, const struct inv_machine *m,
		       const struct inv_host *h);

/*
 * The variables in effect for d, most specific last: server, profile,
 * group, host. fn gets each (key, value, where it came from: "server",
 * "profile NAME", "group NAME", "host NAME"); a later call for the same key
 * overrides an earlier one.
 */
void inv_each_var(const struct inventory *inv, const struct inv_decision *d,
		  void (*fn)(void *arg, const struct inv_kv *kv, const char *source), void *arg);

#endif
