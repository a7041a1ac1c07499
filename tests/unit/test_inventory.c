/* SPDX-License-Identifier: BSD-3-Clause */
/* The inventory's checks (each with its position) and boot decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>

#include "provision/inventory.h"

static struct inv_pos
at(struct inventory *inv, unsigned line, unsigned col)
{
	return (struct inv_pos){
	    .file = inv_intern_file(inv, "hosts.yaml"), .line = line, .column = col};
}

static struct inv_profile *
profile(struct inventory *inv, const char *name, bool local, unsigned line)
{
	struct inv_profile *p = inv_add_profile(inv);

	assert_non_null(p);
	p->name = strdup(name);
	p->localboot = local;
	p->pos = at(inv, line, 3);
	return p;
}

static struct inv_host *
host(struct inventory *inv, const char *name, uint8_t last, const char *ip, const char *prof,
     unsigned line)
{
	struct inv_host *h = inv_add_host(inv);

	assert_non_null(h);
	h->name = strdup(name);
	memcpy(h->mac, (const uint8_t[]){0x52, 0x54, 0, 0, 0, last}, 6);
	if (ip)
		inet_pton(AF_INET, ip, &h->ip);
	if (prof) {
		h->profile = strdup(prof);
		h->profile_pos = at(inv, line, 14);
	}
	h->pos = at(inv, line, 5);
	return h;
}

static struct inv_group *
group(struct inventory *inv, const char *name, const char *prof, unsigned line)
{
	struct inv_group *g = inv_add_group(inv);

	assert_non_null(g);
	g->name = strdup(name);
	g->profile = strdup(prof);
	g->profile_pos = at(inv, line + 1, 14);
	g->pos = at(inv, line, 5);
	return g;
}

static struct inv_net lab_net;
static char err[512];

static int
setup(void **state)
{
	(void)state;
	inet_pton(AF_INET, "198.18.0.0", &lab_net.net);
	inet_pton(AF_INET, "255.255.0.0", &lab_net.mask);
	err[0] = 0;
	return 0;
}

static void
expect_fail(struct inventory *inv, const char *want)
{
	assert_int_equal(inv_finish(inv, &lab_net, 1, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
	inv_free(inv);
}

static void
test_unknown_profile(void **state)
{
	struct inventory inv = {0};

	(void)state;
	profile(&inv, "install", false, 2);
	host(&inv, "n1", 1, "198.18.0.21", "instal", 10);
	expect_fail(&inv, "hosts.yaml:10:14: error: unknown profile 'instal'");
}

static void
test_duplicates(void **state)
{
	struct inventory inv = {0};

	(void)state;
	host(&inv, "n1", 1, "198.18.0.21", NULL, 10);
	host(&inv, "n2", 1, "198.18.0.22", NULL, 14);
	expect_fail(&inv, "hosts.yaml:14:5: error: host 'n2' has the MAC of host 'n1' "
			  "(hosts.yaml:10:5)");

	memset(&inv, 0, sizeof(inv));
	host(&inv, "n1", 1, "198.18.0.21", NULL, 10);
	host(&inv, "n1", 2, "198.18.0.22", NULL, 14);
	expect_fail(&inv, "hosts.yaml:14:5: error: host 'n1' is declared twice");

	memset(&inv, 0, sizeof(inv));
	host(&inv, "n1", 1, "198.18.0.21", NULL, 10);
	host(&inv, "n2", 2, "198.18.0.21", NULL, 14);
	expect_fail(&inv, "14:5: error: host 'n2' has the address of host 'n1'");

	memset(&inv, 0, sizeof(inv));
	profile(&inv, "a", false, 2);
	profile(&inv, "a", true, 6);
	expect_fail(&inv, "hosts.yaml:6:3: error: profile 'a' is declared twice");
}

static void
test_address_outside(void **state)
{
	struct inventory inv = {0};

	(void)state;
	host(&inv, "n1", 1, "10.1.2.3", NULL, 10);
	expect_fail(&inv, "hosts.yaml:10:5: error: host 'n1': address 10.1.2.3 is outside every "
			  "DHCP subnet");
}

static void
test_group_tie_static(void **state)
{
	struct inventory inv = {0};
	struct inv_group *a, *b;

	(void)state;
	profile(&inv, "p", false, 2);
	a = group(&inv, "efi", "p", 20);
	a->arch_mask = INV_ARCH_EFI_X64;
	b = group(&inv, "lab", "p", 30);
	b->has_subnet = true;
	b->net = lab_net.net;
	b->mask = lab_net.mask;
	expect_fail(&inv, "hosts.yaml:30:5: error: groups 'lab' and 'efi' (hosts.yaml:20:5) are "
			  "equally specific (1 criteria)");

	/* disjoint: same key, different values */
	memset(&inv, 0, sizeof(inv));
	profile(&inv, "p", false, 2);
	a = group(&inv, "efi", "p", 20);
	a->arch_mask = INV_ARCH_EFI_X64;
	b = group(&inv, "bios", "p", 30);
	b->arch_mask = INV_ARCH_BIOS;
	assert_int_equal(inv_finish(&inv, &lab_net, 1, err, sizeof(err)), 0);
	inv_free(&inv);
}

static void
test_group_tie_by_labels(void **state)
{
	struct inventory inv = {0};
	struct inv_group *a, *b;
	struct inv_host *h;
	struct inv_pos p;

	(void)state;
	profile(&inv, "p", false, 2);
	h = host(&inv, "n1", 1, "198.18.0.21", NULL, 10);
	p = at(&inv, 11, 7);
	assert_int_equal(inv_kvs_set(&h->labels, "rack", "r1", p), 0);
	assert_int_equal(inv_kvs_set(&h->labels, "role", "compute", p), 0);
	a = group(&inv, "rack1", "p", 20);
	assert_int_equal(inv_kvs_set(&a->labels, "rack", "r1", p), 0);
	b = group(&inv, "compute", "p", 30);
	assert_int_equal(inv_kvs_set(&b->labels, "role", "compute", p), 0);
	expect_fail(&inv, "hosts.yaml:10:5: error: host 'n1' is matched by groups 'compute' "
			  "(hosts.yaml:30:5) and 'rack1' (hosts.yaml:20:5)");
}

static void
test_group_tie_at_arch(void **state)
{
	struct inventory inv = {0};
	struct inv_group *g;
	struct inv_host *h;

	(void)state;
	profile(&inv, "p", false, 2);
	h = host(&inv, "n2", 2, "198.18.0.22", NULL, 12);
	assert_int_equal(inv_kvs_set(&h->labels, "rack", "r1", at(&inv, 13, 7)), 0);
	g = group(&inv, "rack1", "p", 20);
	assert_int_equal(inv_kvs_set(&g->labels, "rack", "r1", at(&inv, 21, 7)), 0);
	g = group(&inv, "efi", "p", 30);
	g->arch_mask = INV_ARCH_EFI_X64;
	expect_fail(&inv, "hosts.yaml:12:5: error: host 'n2' is matched by groups 'efi' "
			  "(hosts.yaml:30:5) and 'rack1' (hosts.yaml:20:5), equally specific (1 "
			  "criteria) when it boots as efi-x64");
}

static void
test_resolve(void **state)
{
	struct inventory inv = {0};
	struct inv_group *g;
	struct inv_decision d;
	struct inv_machine m = {.arch = 7};
	struct inv_host *h;

	(void)state;
	profile(&inv, "install", false, 2);
	profile(&inv, "local", true, 4);
	host(&inv, "n1", 1, "198.18.0.21", "install", 10);
	h = host(&inv, "n2", 2, "198.18.0.22", NULL, 12);
	assert_int_equal(inv_kvs_set(&h->labels, "rack", "r1", at(&inv, 13, 7)), 0);
	assert_int_equal(inv_kvs_set(&h->labels, "role", "db", at(&inv, 13, 7)), 0);
	g = group(&inv, "rack1-db", "local", 20);
	assert_int_equal(inv_kvs_set(&g->labels, "rack", "r1", at(&inv, 21, 7)), 0);
	assert_int_equal(inv_kvs_set(&g->labels, "role", "db", at(&inv, 21, 7)), 0);
	g = group(&inv, "efi", "install", 30);
	g->arch_mask = INV_ARCH_EFI_X64;
	inv.dflt = INV_DEFAULT_MENU;
	assert_int_equal(inv_finish(&inv, &lab_net, 1, err, sizeof(err)), 0);

	/* a host's own profile */
	memcpy(m.mac, (const uint8_t[]){0x52, 0x54, 0, 0, 0, 1}, 6);
	inv_resolve(&inv, &m, &d);
	assert_int_equal(d.boot, INV_BOOT_PROFILE);
	assert_string_equal(d.profile->name, "install");
	assert_string_equal(d.why, "host 'n1' names profile 'install'");

	/* two labels beat the architecture: local boot, in EFI mode too */
	memcpy(m.mac, (const uint8_t[]){0x52, 0x54, 0, 0, 0, 2}, 6);
	inv_resolve(&inv, &m, &d);
	assert_int_equal(d.boot, INV_BOOT_LOCAL);
	assert_string_equal(d.group->name, "rack1-db");
	assert_string_equal(d.why, "host 'n2' is matched by group 'rack1-db' (2 criteria), which "
				   "gives profile 'local'");

	/* unknown machine: arch group, else the default menu */
	memcpy(m.mac, (const uint8_t[]){0x52, 0x54, 0, 0, 0, 9}, 6);
	m.arch = 7;
	inv_resolve(&inv, &m, &d);
	assert_int_equal(d.boot, INV_BOOT_PROFILE);
	assert_string_equal(d.group->name, "efi");
	m.arch = 0;
	inv_resolve(&inv, &m, &d);
	assert_int_equal(d.boot, INV_BOOT_MENU);
	assert_null(d.host);
	assert_string_equal(d.why, "this machine is not a known host and no group gives a "
				   "profile; the default gives the menu");
	inv_free(&inv);
}

struct seen {
	char out[512];
};

static void
collect(void *arg, const struct inv_kv *kv, const char *source)
{
	struct seen *s = arg;
	size_t n = strlen(s->out);

	snprintf(s->out + n, sizeof(s->out) - n, "%s=%s(%s);", kv->key, kv->val, source);
}

static void
test_vars_order(void **state)
{
	struct inventory inv = {0};
	struct inv_profile *p;
	struct inv_host *h;
	struct inv_decision d;
	struct inv_machine m = {.arch = 0};
	struct seen s = {{0}};
	struct inv_pos pos;

	(void)state;
	pos = at(&inv, 1, 1);
	p = profile(&inv, "install", false, 2);
	assert_int_equal(inv_kvs_set(&p->vars, "disk", "sda", pos), 0);
	h = host(&inv, "n1", 1, NULL, "install", 10);
	assert_int_equal(inv_kvs_set(&h->vars, "disk", "nvme0n1", pos), 0);
	assert_int_equal(inv_kvs_set(&inv.server_vars, "server", "198.18.0.1", pos), 0);
	assert_int_equal(inv_finish(&inv, &lab_net, 1, err, sizeof(err)), 0);
	memcpy(m.mac, h->mac, 6);
	inv_resolve(&inv, &m, &d);
	inv_each_var(&inv, &d, collect, &s);
	assert_string_equal(
	    s.out, "server=198.18.0.1(server);disk=sda(profile install);disk=nvme0n1(host n1);");
	inv_free(&inv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_unknown_profile, setup),
	    cmocka_unit_test_setup(test_duplicates, setup),
	    cmocka_unit_test_setup(test_address_outside, setup),
	    cmocka_unit_test_setup(test_group_tie_static, setup),
	    cmocka_unit_test_setup(test_group_tie_by_labels, setup),
	    cmocka_unit_test_setup(test_group_tie_at_arch, setup),
	    cmocka_unit_test_setup(test_resolve, setup),
	    cmocka_unit_test_setup(test_vars_order, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
