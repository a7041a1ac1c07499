/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Power settings in the config: the power section (defaults and the
 * scheduler's limits), hosts' `power:` mappings and the CSV power_*
 * columns, what hosts inherit, and every refusal at its file:line:column.
 * Files live in a temporary tree: conf/rb.yaml, conf/hosts.csv and a fake
 * loader root (the provisioning check wants the loader files).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "config_power.h"
#include "config_provision.h"
#include "lifecycle/power.h"
#include "provision/loaders.h"

_Static_assert(RB_POWER_CIPHER_MAX == POWER_IPMI_CIPHER_MAX, "one cipher suite range");

static char dir[256];

static void
put(const char *rel, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	for (char *q = p + strlen(dir) + 1; (q = strchr(q, '/')); q++) {
		*q = 0;
		mkdir(p, 0755);
		*q = '/';
	}
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int
setup(void **state)
{
	static const struct loader_choice dflt = {RB_BIOS_PXELINUX, RB_EFI_GRUB};
	const struct loader_file *f[16];
	char p[PATH_MAX];
	size_t n;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rb-test-power-config.XXXXXX");
	if (!mkdtemp(dir) || !realpath(dir, p) || strlen(p) >= sizeof(dir))
		return -1;
	snprintf(dir, sizeof(dir), "%.200s", p);
	put("conf/repo/.keep", "");
	put("conf/tftp/.keep", "");
	n = loaders_files(&dflt, f, 16);
	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "loaders%s", f[i]->path);
		put(p, "loader");
	}
	return 0;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Lines 1..10; what a test adds starts at line 11. */
static const char base[] = "server:\n"			  /* 1 */
			   "  address: 198.18.0.1/16\n"	  /* 2 */
			   "port:\n"			  /* 3 */
			   "  interface: eth9\n"	  /* 4 */
			   "http:\n"			  /* 5 */
			   "  root: repo\n"		  /* 6 */
			   "tftp:\n"			  /* 7 */
			   "  root: tftp\n"		  /* 8 */
			   "boot:\n"			  /* 9 */
			   "  loader_root: %s/loaders\n"; /* 10 */

/* Write conf/rb.yaml (base + more) and conf/hosts.csv (when csv), load. */
static int
load(const char *more, const char *csv, struct rb_config *cfg, char *msg, size_t cap)
{
	struct rb_config_error err;
	char text[8192], path[PATH_MAX];
	int rc;

	snprintf(text, sizeof(text), base, dir);
	strncat(text, more, sizeof(text) - strlen(text) - 1);
	put("conf/rb.yaml", text);
	if (csv)
		put("conf/hosts.csv", csv);
	snprintf(path, sizeof(path), "%s/conf/rb.yaml", dir);
	rc = rb_config_load(path, cfg, &err);
	if (rc)
		rb_config_error_format(&err, msg, cap);
	else
		msg[0] = '\0';
	return rc;
}

static const struct inv_host *
host(const struct rb_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->prov->inv.n_hosts; i++)
		if (strcmp(cfg->prov->inv.hosts[i].name, name) == 0)
			return &cfg->prov->inv.hosts[i];
	fail_msg("no host %s", name);
	return NULL;
}

static void
assert_str(const char *got, const char *want)
{
	if (!want)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static void
test_inherit(void **state)
{
	struct rb_config cfg;
	struct power_target t;
	const struct inv_host *h;
	char msg[512];

	(void)state;
	if (load("power:\n"
		 "  driver: ipmi\n"
		 "  username: admin\n"
		 "  password_file: /etc/rackboot/bmc.pass\n"
		 "  concurrency: 4\n"
		 "  stagger_ms: 500\n"
		 "  timeout_s: 60\n"
		 "hosts:\n"
		 "  - {name: a, mac: '52:54:00:00:00:01', power: {address: 10.0.0.5}}\n"
		 "  - name: b\n"
		 "    mac: 52:54:00:00:00:02\n"
		 "    power: {driver: redfish, address: 'https://10.0.0.6', username: root,\n"
		 "            system_id: System.Embedded.1, tls_verify: false}\n"
		 "  - name: c\n"
		 "    mac: 52:54:00:00:00:03\n"
		 "    power: {driver: command, command: /usr/local/bin/pdu --rack a}\n"
		 "  - {name: d, mac: '52:54:00:00:00:04', power: {driver: none}}\n"
		 "hosts_files: hosts.csv\n",
		 "name,mac,power_driver,power_address,power_username,power_password_file\n"
		 "e,52:54:00:00:00:05,,bmc-e.example,,\n"
		 "f,52:54:00:00:00:06,redfish,http://10.0.0.8/,bob,/etc/f.pass\n",
		 &cfg, msg, sizeof(msg)))
		fail_msg("%s", msg);
	assert_int_equal(cfg.power_concurrency, 4);
	assert_int_equal(cfg.power_stagger_ms, 500);
	assert_int_equal(cfg.power_timeout_s, 60);

	h = host(&cfg, "a");
	assert_int_equal(h->power.driver, INV_POWER_IPMI);
	assert_str(h->power.address, "10.0.0.5");
	assert_str(h->power.username, "admin");
	assert_str(h->power.password_file, "/etc/rackboot/bmc.pass");
	assert_int_equal(h->power.tls_insecure, 0);

	h = host(&cfg, "b");
	assert_int_equal(h->power.driver, INV_POWER_REDFISH);
	assert_str(h->power.username, "root");
	assert_str(h->power.password_file, "/etc/rackboot/bmc.pass");
	assert_str(h->power.system_id, "System.Embedded.1");
	assert_int_equal(h->power.tls_insecure, 1);
	assert_int_equal(power_target_from_host(h, &t), 0);
	assert_int_equal(t.driver, POWER_REDFISH);
	assert_string_equal(t.host, "b");
	assert_string_equal(t.mac, "52:54:00:00:00:02");
	assert_string_equal(t.ip, "");
	assert_string_equal(t.address, "https://10.0.0.6");
	assert_string_equal(t.system_id, "System.Embedded.1");
	assert_true(t.tls_insecure);
	assert_int_equal(t.cipher_suite, 0);

	h = host(&cfg, "c");
	assert_int_equal(h->power.driver, INV_POWER_COMMAND);
	assert_str(h->power.command, "/usr/local/bin/pdu --rack a");

	h = host(&cfg, "d");
	assert_int_equal(h->power.driver, INV_POWER_NONE);
	assert_int_equal(power_target_from_host(h, &t), -ENODEV);

	h = host(&cfg, "e"); /* CSV, inheriting the driver and credentials */
	assert_int_equal(h->power.driver, INV_POWER_IPMI);
	assert_str(h->power.address, "bmc-e.example");
	assert_str(h->power.username, "admin");
	assert_str(h->power.password_file, "/etc/rackboot/bmc.pass");

	h = host(&cfg, "f"); /* CSV, its own */
	assert_int_equal(h->power.driver, INV_POWER_REDFISH);
	assert_str(h->power.address, "http://10.0.0.8/");
	assert_str(h->power.username, "bob");
	assert_str(h->power.password_file, "/etc/f.pass");
	rb_config_free(&cfg);
}

/* No power section: the scheduler's defaults, and hosts without power. */
static void
test_defaults(void **state)
{
	struct rb_config cfg;
	char msg[512];

	(void)state;
	if (load("hosts:\n  - {name: a, mac: '52:54:00:00:00:01'}\n", NULL, &cfg, msg, sizeof(msg)))
		fail_msg("%s", msg);
	assert_int_equal(cfg.power_concurrency, 8);
	assert_int_equal(cfg.power_stagger_ms, 2000);
	assert_int_equal(cfg.power_timeout_s, 30);
	assert_int_equal(host(&cfg, "a")->power.driver, INV_POWER_NONE);
	assert_null(host(&cfg, "a")->power.address);
	rb_config_free(&cfg);

	/* a tls_verify given in the section reaches the hosts */
	if (load("power: {driver: redfish, password_file: /p, tls_verify: off}\n"
		 "hosts:\n  - {name: a, mac: '52:54:00:00:00:01', power: {address: 'https://b'}}\n"
		 "  - {name: b, mac: '52:54:00:00:00:02',\n"
		 "     power: {address: 'https://c', tls_verify: yes}}\n",
		 NULL, &cfg, msg, sizeof(msg)))
		fail_msg("%s", msg);
	assert_int_equal(host(&cfg, "a")->power.tls_insecure, 1);
	assert_int_equal(host(&cfg, "b")->power.tls_insecure, 0);
	rb_config_free(&cfg);

	/* cipher_suite: the section's reaches ipmi hosts that give none, not
	 * the others; a host's own wins */
	if (load("power: {driver: ipmi, password_file: /p, cipher_suite: 3}\n"
		 "hosts:\n  - {name: a, mac: '52:54:00:00:00:01', power: {address: b1}}\n"
		 "  - {name: b, mac: '52:54:00:00:00:02',\n"
		 "     power: {address: b2, cipher_suite: 17}}\n"
		 "  - {name: c, mac: '52:54:00:00:00:03',\n"
		 "     power: {driver: redfish, address: 'https://b3'}}\n",
		 NULL, &cfg, msg, sizeof(msg)))
		fail_msg("%s", msg);
	assert_int_equal(host(&cfg, "a")->power.cipher_suite, 3);
	assert_int_equal(host(&cfg, "b")->power.cipher_suite, 17);
	assert_int_equal(host(&cfg, "c")->power.cipher_suite, 0);
	{
		struct power_target t;

		assert_int_equal(power_target_from_host(host(&cfg, "a"), &t), 0);
		assert_int_equal(t.cipher_suite, 3);
	}
	rb_config_free(&cfg);
}

/* The lines of a host "a" up to its power mapping's first key (line 15). */
#define HOST "hosts:\n  - name: a\n    mac: 52:54:00:00:00:01\n    power:\n"

static const struct bad {
	const char *yaml, *csv;
	const char *where; /* "rb.yaml:L:C: " or "hosts.csv:L:C: " */
	const char *says;
} bad[] = {
    /* hosts' power: */
    {HOST "      driver: wol\n", NULL, "rb.yaml:15:15: ", "unknown power driver 'wol'"},
    {HOST "      driver: ipmi\n      password_file: /p\n", NULL,
     "rb.yaml:15:7: ", "host 'a': power driver ipmi needs an address"},
    {HOST "      driver: ipmi\n      address: 10.0.0.5\n", NULL,
     "rb.yaml:15:7: ", "needs a password_file"},
    {HOST "      password_file: bmc.pass\n", NULL,
     "rb.yaml:15:22: ", "'bmc.pass' is not an absolute path"},
    {HOST "      driver: command\n      command: pdu on\n", NULL,
     "rb.yaml:16:16: ", "the program must be an absolute path"},
    {HOST "      driver: command\n", NULL, "rb.yaml:15:7: ", "needs a command"},
    {HOST "      adress: x\n", NULL, "rb.yaml:15:7: ", "unknown key 'adress'"},
    {HOST "      driver: redfish\n      address: 10.0.0.5\n      password_file: /p\n", NULL,
     "rb.yaml:15:7: ", "a redfish address is the BMC's base URL"},
    {HOST "      address: 10.0.0.5\n", NULL, "rb.yaml:15:7: ", "power settings without a driver"},
    {HOST "      system_id: a/b\n", NULL, "rb.yaml:15:18: ", "Redfish Systems member id"},
    {HOST "      tls_verify: maybe\n", NULL, "rb.yaml:15:19: ", "expected true or false"},
    {HOST "      cipher_suite: 0\n", NULL, "rb.yaml:15:21: ", "0 is out of range 1..17"},
    {HOST "      cipher_suite: 18\n", NULL, "rb.yaml:15:21: ", "18 is out of range 1..17"},
    {HOST "      driver: redfish\n      address: 'https://b'\n      password_file: /p\n"
	  "      cipher_suite: 3\n",
     NULL, "rb.yaml:15:7: ", "host 'a': cipher_suite is for the ipmi driver, not redfish"},
    {HOST "      address: -oProxyCommand=x\n", NULL, "rb.yaml:15:16: ", "expected a BMC host"},
    {"hosts:\n  - {name: a, mac: '52:54:00:00:00:01', power: [ipmi]}\n", NULL,
     "rb.yaml:12:48: ", "expected a mapping"},
    /* the power section */
    {"power:\n  concurrency: 0\n", NULL, "rb.yaml:12:16: ", "out of range 1..256"},
    {"power:\n  concurrency: 257\n", NULL, "rb.yaml:12:16: ", "out of range 1..256"},
    {"power:\n  stagger_ms: 60001\n", NULL, "rb.yaml:12:15: ", "out of range 0..60000"},
    {"power:\n  timeout_s: 0\n", NULL, "rb.yaml:12:14: ", "out of range 1..600"},
    {"power:\n  timeout_s: 601\n", NULL, "rb.yaml:12:14: ", "out of range 1..600"},
    {"power:\n  cipher_suite: 0\n", NULL, "rb.yaml:12:17: ", "0 is out of range 1..17"},
    {"power:\n  driver: magic\n", NULL, "rb.yaml:12:11: ", "unknown power driver 'magic'"},
    {"power:\n  password_file: rel/p\n", NULL, "rb.yaml:12:18: ", "is not an absolute path"},
    {"power:\n  command: ./pdu\n", NULL, "rb.yaml:12:12: ", "the program must be an absolute path"},
    {"power:\n  address: x\n", NULL, "rb.yaml:12:3: ", "unknown key 'address' in section 'power'"},
    {"power: [ipmi]\n", NULL, "rb.yaml:11:8: ", "section 'power' must be a mapping"},
    /* inherited: the host's entry is pointed at, the section's driver named */
    {"power:\n  driver: redfish\n  password_file: /p\n"
     "hosts:\n  - name: a\n    mac: 52:54:00:00:00:01\n",
     NULL, "rb.yaml:15:5: ", "redfish (from the power section, line 12) needs an address"},
    /* CSV columns */
    {"hosts_files: hosts.csv\n", "name,mac,power_driver\na,52:54:00:00:00:01,wol\n",
     "hosts.csv:2:21: ", "power_driver: unknown power driver 'wol'"},
    {"hosts_files: hosts.csv\n",
     "name,mac,power_driver,power_password_file\na,52:54:00:00:00:01,ipmi,p.pass\n",
     "hosts.csv:2:26: ", "power_password_file: 'p.pass' is not an absolute path"},
    {"hosts_files: hosts.csv\n",
     "name,mac,power_driver,power_password_file\na,52:54:00:00:00:01,ipmi,/p\n",
     "hosts.csv:2:21: ", "host 'a': power driver ipmi needs an address"},
    {"hosts_files: hosts.csv\n", "name,mac,power_address,power_username\na,52:54:00:00:00:01,,-x\n",
     "hosts.csv:2:22: ", "power_username: expected a user name"},
    {"power: {driver: ipmi, password_file: /p}\nhosts_files: hosts.csv\n",
     "name,mac\nb,52:54:00:00:00:02\n", "hosts.csv:2:1: ",
     "host 'b': power driver ipmi (from the power section, line 11) needs an address"},
    {"hosts_files: hosts.csv\n", "name,mac,power_bogus\n",
     "hosts.csv:1:10: ", "unknown column 'power_bogus'"},
};

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rb_config cfg;
		char msg[1024];

		if (load(bad[i].yaml, bad[i].csv, &cfg, msg, sizeof(msg)) == 0) {
			rb_config_free(&cfg);
			fail_msg("case %zu loaded: %s", i, bad[i].yaml);
		}
		if (!strstr(msg, bad[i].where) || !strstr(msg, bad[i].says))
			fail_msg("case %zu: want '%s' ... '%s', got: %s", i, bad[i].where,
				 bad[i].says, msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inherit),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
