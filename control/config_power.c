/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_power.c: the power section and the hosts' power settings
 * (config_power.h).
 *
 * A host's own settings are checked one by one as they are read (YAML
 * here, CSV in hosts_csv.c, both through rb_power_set()); what depends on
 * the power section (the inherited driver and credentials, and so whether
 * an address is needed) is checked in this section's check, which the
 * schema runs after every hosts file is read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_power.h"
#include "config_provision.h" /* struct rb_provision: the hosts */

#define ADDR_MAX 255
#define USER_MAX 64
#define CMD_MAX 4095 /* the command driver's line (control/lifecycle/power_cmd.c) */
#define CMD_WORDS 31 /* its words, the action not counted */
#define SYSID_MAX 128

#define FIELD(T, f) offsetof(T, f), sizeof(((T *)0)->f)

static const char *const driver_names[] = {
    [INV_POWER_NONE] = "none",
    [INV_POWER_IPMI] = "ipmi",
    [INV_POWER_REDFISH] = "redfish",
    [INV_POWER_COMMAND] = "command",
};

/* Printable ASCII (space only when allowed), 1..max bytes. */
static bool
printable(const char *s, size_t max, bool space)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (*s < (space ? 0x20 : 0x21) || *s > 0x7e)
			return false;
	return true;
}

static int
check_command(const char *val, char *why, size_t cap)
{
	size_t words = 0;

	if (!printable(val, CMD_MAX, true) || strchr(val, '\t'))
		goto bad;
	for (const char *s = val; *s;) {
		s += strspn(s, " ");
		if (!*s)
			break;
		if (words == 0 && *s != '/') {
			snprintf(why, cap,
				 "'%.64s': the program must be an absolute path (it runs without "
				 "a shell)",
				 val);
			return -EINVAL;
		}
		words++;
		s += strcspn(s, " ");
	}
	if (words >= 1 && words <= CMD_WORDS)
		return 0;
bad:
	snprintf(why, cap,
		 "expected an absolute program path and its fixed arguments (at most %d words, "
		 "printable, %d bytes), got '%.64s'",
		 CMD_WORDS, CMD_MAX, val);
	return -EINVAL;
}

static int
check_value(enum rb_power_key k, const char *val, char *why, size_t cap)
{
	switch (k) {
	case RB_PW_ADDRESS:
		if (printable(val, ADDR_MAX, false) && val[0] != '-')
			return 0;
		snprintf(why, cap,
			 "expected a BMC host name, address or http(s):// URL (no blanks, at most "
			 "%d bytes), got '%.64s'",
			 ADDR_MAX, val);
		return -EINVAL;
	case RB_PW_USERNAME:
		if (printable(val, USER_MAX, true) && val[0] != '-')
			return 0;
		snprintf(why, cap,
			 "expected a user name (printable, at most %d bytes), got '%.64s'",
			 USER_MAX, val);
		return -EINVAL;
	case RB_PW_PASSWORD_FILE:
		if (val[0] == '/' && printable(val, PATH_MAX - 1, true))
			return 0;
		snprintf(why, cap,
			 "'%.64s' is not an absolute path (the file that holds the password; "
			 "passwords are never written in the config)",
			 val);
		return -EINVAL;
	case RB_PW_COMMAND:
		return check_command(val, why, cap);
	case RB_PW_SYSTEM_ID:
		if (strlen(val) >= 1 && strlen(val) <= SYSID_MAX &&
		    strspn(val,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
			strlen(val))
			return 0;
		snprintf(why, cap,
			 "expected a Redfish Systems member id (1..%d of letters, digits, '.', "
			 "'_', '-'), got '%.64s'",
			 SYSID_MAX, val);
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

int
rb_power_set(enum rb_power_key k, const char *val, void *field, char *why, size_t cap)
{
	char *d;
	int rc;

	if (k == RB_PW_DRIVER) {
		for (int i = 0; i < (int)(sizeof(driver_names) / sizeof(driver_names[0])); i++)
			if (strcmp(val, driver_names[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		snprintf(why, cap, "unknown power driver '%.64s' (ipmi, redfish, command or none)",
			 val);
		return -EINVAL;
	}
	rc = check_value(k, val, why, cap);
	if (rc)
		return rc;
	d = strdup(val);
	if (!d) {
		snprintf(why, cap, "out of memory");
		return -ENOMEM;
	}
	free(*(char **)field);
	*(char **)field = d;
	return 0;
}

/* ---- YAML keys ---- */

/* A string key: key_def.min holds its enum rb_power_key. */
static int
set_field(const struct item *it)
{
	char why[200];
	int rc =
	    rb_power_set((enum rb_power_key)it->def->min, it->val, it->field, why, sizeof(why));

	if (rc == -ENOMEM)
		return cfg_oom(it->ctx);
	return rc ? cfg_bad(it, "%s", why) : 0;
}

/* tls_verify into inv_power.tls_insecure: named for the exception, so a
 * zeroed struct verifies. */
static const struct name_val tls_names[] = {
    {"true", 0}, {"yes", 0}, {"on", 0}, {"false", 1}, {"no", 1}, {"off", 1}, {NULL, 0},
};

#define PW_KEY(T, n, k, f)                                                                         \
	{                                                                                          \
		n, set_field, FIELD(T, f), k, 0, NULL, NULL, false, 0                              \
	}
/* ipmi: ipmitool -C. Not 0: cipher suite 0 has no authentication at all
 * (a BMC that allows it takes any password). */
#define CIPHER_KEY(T, f)                                                                           \
	{                                                                                          \
		"cipher_suite", cfg_set_uint, FIELD(T, f), 1, RB_POWER_CIPHER_MAX, NULL, NULL,     \
		    false, 0                                                                       \
	}
#define TLS_KEY(T, f)                                                                              \
	{                                                                                          \
		"tls_verify", cfg_set_enum, FIELD(T, f), 0, 0, tls_names, "true or false", false,  \
		    0                                                                              \
	}

enum {
	HP_DRIVER,
	HP_ADDRESS,
	HP_USERNAME,
	HP_PASSWORD,
	HP_COMMAND,
	HP_SYSTEM,
	HP_TLS,
	HP_CIPHER,
	N_HP
};
static const struct key_def host_power_keys[N_HP] = {
    [HP_DRIVER] = PW_KEY(struct inv_power, "driver", RB_PW_DRIVER, driver),
    [HP_ADDRESS] = PW_KEY(struct inv_power, "address", RB_PW_ADDRESS, address),
    [HP_USERNAME] = PW_KEY(struct inv_power, "username", RB_PW_USERNAME, username),
    [HP_PASSWORD] = PW_KEY(struct inv_power, "password_file", RB_PW_PASSWORD_FILE, password_file),
    [HP_COMMAND] = PW_KEY(struct inv_power, "command", RB_PW_COMMAND, command),
    [HP_SYSTEM] = PW_KEY(struct inv_power, "system_id", RB_PW_SYSTEM_ID, system_id),
    [HP_TLS] = TLS_KEY(struct inv_power, tls_insecure),
    [HP_CIPHER] = CIPHER_KEY(struct inv_power, cipher_suite),
};
static const struct map_def host_power_map = {host_power_keys, N_HP, "hosts.power",
					      "a host's power"};

int
cfg_set_host_power(const struct item *it)
{
	struct rb_provision *p = it->ctx->walking;
	struct inv_power *pw = it->field;
	const yaml_node_t *vals[N_HP] = {0};
	int rc;

	if (cfg_is_null(it->node))
		return 0;
	if (it->node->type != YAML_MAPPING_NODE)
		return cfg_bad(it,
			       "expected a mapping (driver, address, username, password_file, "
			       "command, system_id, tls_verify, cipher_suite), got %s",
			       cfg_kinds[it->node->type]);
	pw->pos = (struct inv_pos){.file = inv_intern_file(&p->inv, it->ctx->err->file),
				   .line = cfg_line(it->node),
				   .column = (unsigned)it->node->start_mark.column + 1};
	if (!pw->pos.file)
		return cfg_oom(it->ctx);
	rc = cfg_walk_map(it->ctx, it->node, &host_power_map, pw, vals, NULL);
	pw->has_driver = vals[HP_DRIVER] != NULL;
	pw->has_tls = vals[HP_TLS] != NULL;
	return rc;
}

/* ---- the section ---- */

struct power_state {
	struct inv_power dflt; /* driver, username, password_file, command, tls, cipher */
	uint32_t concurrency, stagger_ms, timeout_s;
	const yaml_node_t *driver_node; /* for messages about inherited settings */
};

#define PS struct power_state
enum {
	PS_DRIVER,
	PS_USERNAME,
	PS_PASSWORD,
	PS_COMMAND,
	PS_TLS,
	PS_CIPHER,
	PS_CONC,
	PS_STAGGER,
	PS_TIMEOUT,
	N_PS
};
static const struct key_def section_keys[N_PS] = {
    [PS_DRIVER] = PW_KEY(PS, "driver", RB_PW_DRIVER, dflt.driver),
    [PS_USERNAME] = PW_KEY(PS, "username", RB_PW_USERNAME, dflt.username),
    [PS_PASSWORD] = PW_KEY(PS, "password_file", RB_PW_PASSWORD_FILE, dflt.password_file),
    [PS_COMMAND] = PW_KEY(PS, "command", RB_PW_COMMAND, dflt.command),
    [PS_TLS] = TLS_KEY(PS, dflt.tls_insecure),
    [PS_CIPHER] = CIPHER_KEY(PS, dflt.cipher_suite),
    [PS_CONC] = {"concurrency", cfg_set_uint, FIELD(PS, concurrency), 1, 256, NULL, NULL, false, 0},
    [PS_STAGGER] = {"stagger_ms", cfg_set_uint, FIELD(PS, stagger_ms), 0, 60000, NULL, NULL, false,
		    0},
    [PS_TIMEOUT] = {"timeout_s", cfg_set_uint, FIELD(PS, timeout_s), 1, 600, NULL, NULL, false, 0},
};
static const struct map_def section_map = {section_keys, N_PS, "power", "section 'power'"};

static int
walk_power(struct cfg_ctx *ctx, const struct cfg_section *sec, const yaml_node_t *key,
	   const yaml_node_t *value, void **state)
{
	struct rb_config *cfg = ctx->target;
	const yaml_node_t *vals[N_PS] = {0};
	struct power_state *st;
	int rc;

	(void)sec, (void)key;
	*state = st = calloc(1, sizeof(*st));
	if (!st)
		return cfg_oom(ctx);
	st->concurrency = RB_POWER_CONCURRENCY;
	st->stagger_ms = RB_POWER_STAGGER_MS;
	st->timeout_s = RB_POWER_TIMEOUT_S;
	if (cfg_is_null(value))
		return 0;
	if (value->type != YAML_MAPPING_NODE)
		return cfg_fail(ctx, value->start_mark, "section 'power' must be a mapping, got %s",
				cfg_kinds[value->type]);
	rc = cfg_walk_map(ctx, value, &section_map, st, vals, NULL);
	st->driver_node = vals[PS_DRIVER];
	cfg->power_concurrency = st->concurrency;
	cfg->power_stagger_ms = st->stagger_ms;
	cfg->power_timeout_s = st->timeout_s;
	return rc;
}

static int fail_at(struct cfg_ctx *ctx, const struct inv_pos *pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail_at(struct cfg_ctx *ctx, const struct inv_pos *pos, const char *fmt, ...)
{
	va_list ap;

	snprintf(ctx->err->file, sizeof(ctx->err->file), "%s", pos->file ? pos->file : "");
	ctx->err->line = pos->line;
	ctx->err->column = pos->column;
	va_start(ap, fmt);
	vsnprintf(ctx->err->message, sizeof(ctx->err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int
inherit(char **field, const char *dflt)
{
	if (*field || !dflt)
		return 0;
	*field = strdup(dflt);
	return *field ? 0 : -ENOMEM;
}

/* Fill in what h takes from the section, and check what its driver
 * needs. */
static int
finish_host(struct cfg_ctx *ctx, struct inv_host *h, const struct power_state *st)
{
	static const struct inv_power none;
	const struct inv_power *d = st ? &st->dflt : &none;
	struct inv_power *pw = &h->power;
	const struct inv_pos *at = pw->pos.line ? &pw->pos : &h->pos;
	char from[64] = "";

	if (!pw->has_driver) {
		pw->driver = d->driver;
		if (st && st->driver_node)
			snprintf(from, sizeof(from), " (from the power section, line %u)",
				 cfg_line(st->driver_node));
	}
	if (!pw->has_tls)
		pw->tls_insecure = d->tls_insecure;
	if (inherit(&pw->username, d->username) || inherit(&pw->password_file, d->password_file) ||
	    inherit(&pw->command, d->command))
		return cfg_oom(ctx);

	if (pw->driver != INV_POWER_IPMI && pw->cipher_suite)
		return fail_at(ctx, at, "host '%s': cipher_suite is for the ipmi driver, not %s%s",
			       h->name, driver_names[pw->driver], from);
	if (pw->driver == INV_POWER_IPMI && !pw->cipher_suite)
		pw->cipher_suite = d->cipher_suite;

	switch (pw->driver) {
	case INV_POWER_NONE:
		if (pw->address || pw->system_id)
			return fail_at(ctx, at,
				       "host '%s': power settings without a driver (give "
				       "power.driver, or a driver in the power section)",
				       h->name);
		return 0;
	case INV_POWER_IPMI:
	case INV_POWER_REDFISH:
		if (!pw->address)
			return fail_at(ctx, at, "host '%s': power driver %s%s needs an address",
				       h->name, driver_names[pw->driver], from);
		if (!pw->password_file)
			return fail_at(ctx, at,
				       "host '%s': power driver %s%s needs a password_file (here "
				       "or in the power section)",
				       h->name, driver_names[pw->driver], from);
		if (pw->driver == INV_POWER_REDFISH && strncmp(pw->address, "https://", 8) != 0 &&
		    strncmp(pw->address, "http://", 7) != 0)
			return fail_at(ctx, at,
				       "host '%s': a redfish address is the BMC's base URL "
				       "(https://HOST), got '%.64s'",
				       h->name, pw->address);
		return 0;
	default: /* INV_POWER_COMMAND */
		if (!pw->command)
			return fail_at(ctx, at,
				       "host '%s': power driver command%s needs a command (here or "
				       "in the power section)",
				       h->name, from);
		return 0;
	}
}

static int
check_power(struct cfg_ctx *ctx, void *state)
{
	struct rb_config *cfg = ctx->target;
	const struct power_state *st = state;

	if (!cfg->prov)
		return 0;
	for (size_t i = 0; i < cfg->prov->inv.n_hosts; i++) {
		int rc = finish_host(ctx, &cfg->prov->inv.hosts[i], st);

		if (rc)
			return rc;
	}
	return 0;
}

static void
power_done(void *state)
{
	struct power_state *st = state;

	if (!st)
		return;
	free(st->dflt.username);
	free(st->dflt.password_file);
	free(st->dflt.command);
	free(st);
}

const struct cfg_section cfg_power_section = {"power", walk_power, check_power, power_done, NULL};
