/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_config.c: the YAML configuration loader. Every refusal is checked for
 * the exact line:column it reports and a recognisable part of its message,
 * since pointing the operator at the right spot is the point of the loader.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "config.h"
#include "dhcp_ctl.h"

/* A temporary tree shared by the tests that need real directories:
 *   TMP/repo/  TMP/tftp/  TMP/conf/  TMP/afile */
static char tmpdir[PATH_MAX];

/* The minimum a config needs, for tests that vary one thing after it. */
#define BASE "server:\n  address: 198.18.0.1/24\nport:\n  interface: rb-srv0\n"
/* A dhcp section opening on line 5, and one subnet that parses (lines 6-8). */
#define DHCP BASE "dhcp:\n"
#define NET24 "  subnets:\n    - subnet: 198.18.0.0/24\n      pool: 198.18.0.100-198.18.0.199\n"

static void
path_in_tmp(char *buf, size_t cap, const char *rel)
{
	int n = snprintf(buf, cap, "%s/%s", tmpdir, rel);

	assert_true(n > 0 && (size_t)n < cap);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int
setup_tree(void **state)
{
	char p[PATH_MAX];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rb-test-config.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	/* Compare against what realpath() makes of it (e.g. /tmp a symlink). */
	if (!realpath(tmpdir, p))
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", p);
	path_in_tmp(p, sizeof(p), "repo");
	if (mkdir(p, 0755))
		return -1;
	path_in_tmp(p, sizeof(p), "tftp");
	if (mkdir(p, 0755))
		return -1;
	path_in_tmp(p, sizeof(p), "conf");
	if (mkdir(p, 0755))
		return -1;
	path_in_tmp(p, sizeof(p), "afile");
	write_file(p, "not a directory\n");
	return 0;
}

static int
teardown_tree(void **state)
{
	static const char *const names[] = {
	    "conf/rackboot.yaml", "conf/bad.yaml", "afile", "conf", "repo", "tftp", ""};
	char p[PATH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_in_tmp(p, sizeof(p), names[i]);
		remove(p);
	}
	return 0;
}

static int
parse(const char *yaml, struct rb_config *cfg, struct rb_config_error *err)
{
	return rb_config_parse_string("test.yaml", yaml, strlen(yaml), cfg, err);
}

/* yaml must be refused at line:col with a message containing `want`. */
static void
expect_error(const char *yaml, unsigned line, unsigned col, const char *want)
{
	struct rb_config cfg;
	struct rb_config_error err;
	int rc = parse(yaml, &cfg, &err);

	if (rc != -EINVAL || err.line != line || err.column != col || !strstr(err.message, want))
		fail_msg("rc %d at %u:%u '%s'; wanted -EINVAL at %u:%u containing '%s'\n%s", rc,
			 err.line, err.column, err.message, line, col, want, yaml);
	assert_string_equal(err.file, "test.yaml");
}

struct bad_case {
	const char *yaml;
	unsigned line, col;
	const char *want;
};

#define EXPECT_ERRORS(t)                                                                           \
	do {                                                                                       \
		for (size_t i_ = 0; i_ < sizeof(t) / sizeof(t[0]); i_++)                           \
			expect_error(t[i_].yaml, t[i_].line, t[i_].col, t[i_].want);               \
	} while (0)

/* n copies of c, NUL-terminated, at buf (which holds n + 1). */
static char *
chars(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void
expect_ok(const char *yaml, struct rb_config *cfg)
{
	struct rb_config_error err;
	int rc = parse(yaml, cfg, &err);

	if (rc)
		fail_msg("rc %d at %u:%u: %s", rc, err.line, err.column, err.message);
}

static void
test_defaults(void **state)
{
	struct rb_config c;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	rb_config_defaults(&c);
	assert_int_equal(c.server_ip, 0);
	assert_int_equal(c.mtu, 1500);
	assert_int_equal(c.port_mode, RB_PORT_AF_XDP);
	assert_string_equal(c.interface, "");
	assert_string_equal(c.pci_addr, "");
	assert_int_equal(c.exception_mode, RB_EXC_XDP);
	assert_string_equal(c.tap_name, "rb-tap0");
	assert_int_equal(c.queues, 1);
	assert_string_equal(c.lcores, "0,1");
	assert_int_equal(c.hugepages, RB_HUGE_AUTO);
	assert_int_equal(c.memory_mb, 256);
	assert_int_equal(c.mbufs, 16384);
	assert_int_equal(c.idle_sleep_us, 50);
	assert_int_equal(c.http_port, 80);
	assert_string_equal(c.http_root, "/var/lib/rackboot/repo");
	assert_int_equal(c.http_threads, 0);
	assert_string_equal(c.api_address, "127.0.0.1");
	assert_int_equal(c.api_port, 8081);
	assert_string_equal(c.api_token_file, "/var/lib/rackboot/api.token");
	assert_string_equal(c.tftp_root, "/var/lib/rackboot/tftp");
	assert_int_equal(c.tftp_port, 69);
	assert_int_equal(c.session_port_lo, 61000);
	assert_int_equal(c.session_port_hi, 65535);
	assert_int_equal(c.dhcp.mode, RB_DHCP_OFF);
	assert_int_equal(c.dhcp.lease_time, 3600);
	assert_int_equal(c.dhcp.offer_time, 60);
	assert_int_equal(c.dhcp.decline_time, 600);
	assert_int_equal(c.dhcp.rate_limit, 20);
	assert_string_equal(c.dhcp.database, "/var/lib/rackboot/leases.db");
	assert_int_equal(c.dhcp.nb_dns, 0);
	assert_string_equal(c.dhcp.domain, "");
	assert_int_equal(c.dhcp.nb_subnets, 0);
	assert_null(c.dhcp.resv);
	assert_int_equal(c.dhcp.nb_resv, 0);
	assert_int_equal(c.dhcp.next_server, 0);
	assert_string_equal(c.dhcp.boot[RB_BOOT_BIOS], "");
	assert_string_equal(c.dhcp.ipxe_script, "");
	rb_config_free(&c); /* nothing to free, and fine */
}

static void
test_minimal_gets_defaults(void **state)
{
	struct rb_config c, d;

	(void)state;
	expect_ok(BASE, &c);
	rb_config_defaults(&d);
	assert_int_equal(c.server_ip, htonl(0xc6120001));
	assert_int_equal(c.prefix_len, 24);
	assert_string_equal(c.interface, "rb-srv0");
	assert_int_equal(c.exception_mode, RB_EXC_XDP); /* auto, af_xdp */
	assert_string_equal(c.path, "test.yaml");
	/* Unset keys keep their defaults; the unchecked default roots too. */
	assert_string_equal(c.http_root, d.http_root);
	assert_string_equal(c.tftp_root, d.tftp_root);
	assert_int_equal(c.mbufs, d.mbufs);
	/* No dhcp section: no DHCP, but the boot server is still known. */
	assert_int_equal(c.dhcp.mode, RB_DHCP_OFF);
	assert_int_equal(c.dhcp.nb_subnets, 0);
	assert_int_equal(c.dhcp.next_server, htonl(0xc6120001));
	assert_int_equal(c.dhcp.lease_time, d.dhcp.lease_time);
}

static void
test_full_valid(void **state)
{
	char yaml[3 * PATH_MAX], repo[PATH_MAX], tftp[PATH_MAX];
	struct rb_config c;

	(void)state;
	path_in_tmp(repo, sizeof(repo), "repo");
	path_in_tmp(tftp, sizeof(tftp), "tftp");
	snprintf(yaml, sizeof(yaml),
		 "# every key\n"
		 "server:\n"
		 "  address: 10.1.2.3/16\n"
		 "  mtu: 9000\n"
		 "port:\n"
		 "  mode: af_xdp\n"
		 "  interface: eth1.100\n"
		 "  exception: none\n"
		 "  tap_name: rb_exc.1\n"
		 "  queues: 16\n"
		 "dataplane:\n"
		 "  lcores: \"2-5,7\"\n"
		 "  hugepages: off\n"
		 "  memory_mb: 65536\n"
		 "  mbufs: 1024\n"
		 "  idle_sleep_us: 0\n"
		 "http:\n"
		 "  port: 8080\n"
		 "  root: %s/\n"
		 "  threads: 64\n"
		 "tftp:\n"
		 "  root: '%s/../tftp'\n"
		 "  port: 1069\n"
		 "  session_ports: 1070-2000\n",
		 repo, repo);
	expect_ok(yaml, &c);
	assert_int_equal(c.server_ip, htonl(0x0a010203));
	assert_int_equal(c.prefix_len, 16);
	assert_int_equal(c.mtu, 9000);
	assert_int_equal(c.port_mode, RB_PORT_AF_XDP);
	assert_string_equal(c.interface, "eth1.100");
	assert_int_equal(c.exception_mode, RB_EXC_NONE);
	assert_string_equal(c.tap_name, "rb_exc.1");
	assert_int_equal(c.queues, 16);
	assert_string_equal(c.lcores, "2-5,7");
	assert_int_equal(c.hugepages, RB_HUGE_OFF);
	assert_int_equal(c.memory_mb, 65536);
	assert_int_equal(c.mbufs, 1024);
	assert_int_equal(c.idle_sleep_us, 0);
	assert_int_equal(c.http_port, 8080);
	assert_string_equal(c.http_root, repo); /* normalised */
	assert_int_equal(c.http_threads, 64);
	assert_string_equal(c.tftp_root, tftp);
	assert_int_equal(c.tftp_port, 1069);
	assert_int_equal(c.session_port_lo, 1070);
	assert_int_equal(c.session_port_hi, 2000);
}

static void
test_modes(void **state)
{
	struct rb_config c;

	(void)state;
	/* pci: short address normalised; exception auto means tap. */
	expect_ok("server: {address: 198.18.0.1/24}\n"
		  "port: {mode: pci, pci: \"03:1F.7\"}\n",
		  &c);
	assert_int_equal(c.port_mode, RB_PORT_PCI);
	assert_string_equal(c.pci_addr, "0000:03:1f.7");
	assert_int_equal(c.exception_mode, RB_EXC_TAP);
	expect_ok("server: {address: 198.18.0.1/24}\n"
		  "port: {mode: pci, pci: \"ABCD:ff:00.0\", exception: none}\n",
		  &c);
	assert_string_equal(c.pci_addr, "abcd:ff:00.0");
	assert_int_equal(c.exception_mode, RB_EXC_NONE);
	/* af_packet: auto means tap. */
	expect_ok("server: {address: 198.18.0.1/24}\n"
		  "port: {mode: af_packet, interface: eth1}\n",
		  &c);
	assert_int_equal(c.port_mode, RB_PORT_AF_PACKET);
	assert_int_equal(c.exception_mode, RB_EXC_TAP);
	/* The order of sections does not matter for "auto". */
	expect_ok("port: {exception: auto, interface: eth1, mode: af_packet}\n"
		  "server: {address: 198.18.0.1/24}\n",
		  &c);
	assert_int_equal(c.exception_mode, RB_EXC_TAP);
	/* hugepages takes YAML booleans as well. */
	expect_ok(BASE "dataplane:\n  hugepages: yes\n", &c);
	assert_int_equal(c.hugepages, RB_HUGE_ON);
	expect_ok(BASE "dataplane:\n  hugepages: False\n", &c);
	assert_int_equal(c.hugepages, RB_HUGE_OFF);
	expect_ok(BASE "dataplane:\n  hugepages: auto\n", &c);
	assert_int_equal(c.hugepages, RB_HUGE_AUTO);
	/* /31 and /32 have no network or broadcast address. */
	expect_ok("server: {address: 10.0.0.0/31}\nport: {interface: x}\n", &c);
	assert_int_equal(c.prefix_len, 31);
	expect_ok("server: {address: 10.0.0.255/32}\nport: {interface: x}\n", &c);
	/* A section with every key commented out is null, and fine. */
	expect_ok(BASE "http:\n#  port: 80\ntftp: ~\n", &c);
	assert_int_equal(c.http_port, 80);
}

/* server.ipv6_ra: on by default; on/off and the YAML 1.1 booleans. */
static void
test_ipv6_ra(void **state)
{
#define SRV "server:\n  address: 198.18.0.1/24\n"
#define PORT "port:\n  interface: rb-srv0\n"
	static const struct bad_case bad[] = {
	    {SRV "  ipv6_ra: maybe\n" PORT, 3, 12,
	     "server.ipv6_ra: expected on or off, got 'maybe'"},
	    {SRV "  ipv6_ra: 1\n" PORT, 3, 12, "server.ipv6_ra: expected on or off, got '1'"},
	    {SRV "  ipv6_ra: \"\"\n" PORT, 3, 12, "server.ipv6_ra: expected on or off, got ''"},
	    {SRV "  ipv6_ra: {managed: true}\n" PORT, 3, 12,
	     "server.ipv6_ra: expected a single value, got a mapping"},
	    {SRV "  ipv6_ra: on\n  ipv6_ra: off\n" PORT, 4, 3, "ipv6_ra"},
	};
	struct rb_config c;

	(void)state;
	rb_config_defaults(&c);
	assert_int_equal(c.ipv6_ra, 1);
	expect_ok(BASE, &c);
	assert_int_equal(c.ipv6_ra, 1);
	expect_ok(SRV "  ipv6_ra: off\n" PORT, &c);
	assert_int_equal(c.ipv6_ra, 0);
	expect_ok(SRV "  ipv6_ra: on\n" PORT, &c);
	assert_int_equal(c.ipv6_ra, 1);
	expect_ok(SRV "  ipv6_ra: false\n" PORT, &c);
	assert_int_equal(c.ipv6_ra, 0);
	expect_ok(SRV "  ipv6_ra: Yes\n" PORT, &c);
	assert_int_equal(c.ipv6_ra, 1);
	expect_ok("server: {address: 198.18.0.1/24, ipv6_ra: no}\n" PORT, &c);
	assert_int_equal(c.ipv6_ra, 0);
	EXPECT_ERRORS(bad);
#undef SRV
#undef PORT
}

/* server.user: a user name (whether it exists is checked at start). */
static void
test_server_user(void **state)
{
#define SRV "server:\n  address: 198.18.0.1/24\n"
#define PORT "port:\n  interface: rb-srv0\n"
	static const struct bad_case bad[] = {
	    {SRV "  user: Rackboot\n" PORT, 3, 9,
	     "server.user: 'Rackboot' is not a user name (1..32 of a-z 0-9 _ -, starting with a-z "
	     "or _)"},
	    {SRV "  user: \"\"\n" PORT, 3, 9, "server.user: '' is not a user name"},
	    {SRV "  user: 1abc\n" PORT, 3, 9, "is not a user name"},
	    {SRV "  user: ../root\n" PORT, 3, 9, "is not a user name"},
	    {SRV "  user: abcdefghijklmnopqrstuvwxyz0123456\n" PORT, 3, 9, "is not a user name"},
	};
	struct rb_config c;

	(void)state;
	rb_config_defaults(&c);
	assert_string_equal(c.server_user, "rackboot");
	expect_ok(BASE, &c);
	assert_string_equal(c.server_user, "rackboot");
	expect_ok(SRV "  user: _rb-svc9\n" PORT, &c);
	assert_string_equal(c.server_user, "_rb-svc9");
	expect_ok(SRV "  user: root\n" PORT, &c);
	assert_string_equal(c.server_user, "root");
	expect_ok(SRV "  user: abcdefghijklmnopqrstuvwxyz012345\n" PORT, &c); /* 32 */
	EXPECT_ERRORS(bad);
#undef SRV
#undef PORT
}

static void
test_lifecycle(void **state)
{
	static const struct bad_case bad[] = {
	    {BASE "lifecycle:\n  timeouts: {instaling: 20}\n", 6, 14,
	     "unknown key 'instaling' in section 'lifecycle.timeouts'"},
	    {BASE "lifecycle:\n  timeouts: {installing: -1}\n", 6, 26,
	     "lifecycle.timeouts.installing: expected an integer"},
	    {BASE "lifecycle:\n  timeouts: 30\n", 6, 13,
	     "lifecycle.timeouts: expected a mapping of state: seconds"},
	    {BASE "lifecycle:\n  history: 5\n", 6, 12, "lifecycle.history"},
	    {BASE "lifecycle:\n  timeouts: {booting: 2592001}\n", 6, 23,
	     "lifecycle.timeouts.booting"},
	};
	struct rb_config c;

	(void)state;
	expect_ok(BASE, &c);
	assert_int_equal(c.lc_timeout_pending, 0);
	assert_int_equal(c.lc_timeout_booting, 600);
	assert_int_equal(c.lc_timeout_installing, 3600);
	assert_int_equal(c.lc_history, 100);
	expect_ok(BASE "lifecycle:\n  timeouts: {installing: 20, pending: 5}\n  history: 50\n", &c);
	assert_int_equal(c.lc_timeout_pending, 5);
	assert_int_equal(c.lc_timeout_booting, 600);
	assert_int_equal(c.lc_timeout_installing, 20);
	assert_int_equal(c.lc_history, 50);
	expect_ok(BASE "lifecycle:\n  timeouts:\n", &c);
	assert_int_equal(c.lc_timeout_installing, 3600);
	EXPECT_ERRORS(bad);
}

static void
test_bad_prefix(void **state)
{
	static const struct bad_case bad[] = {
	    {"server:\n  address: 198.18.0.1/33\n", 2, 12,
	     "server.address: prefix length 33 out of range 1..32"},
	    {"server:\n  address: 198.18.0.1/0\n", 2, 12, "prefix length 0 out of range"},
	    {"server:\n  address: \"198.18.0.1/x\"\n", 2, 12,
	     "expected a prefix length after '/', got 'x'"},
	    {"server:\n  address: 198.18.0.1\n", 2, 12, "expected ADDR/PREFIX"},
	};

	(void)state;
	EXPECT_ERRORS(bad);
}

static void
test_bad_address(void **state)
{
	static const struct bad_case bad[] = {
	    {"server:\n  address: 198.18.0/24\n", 2, 12,
	     "server.address: invalid IPv4 address '198.18.0'"},
	    {"server:\n  address: 198.18.0.256/24\n", 2, 12, "invalid IPv4 address"},
	    {"server:\n  address: rackboot.example/24\n", 2, 12, "invalid IPv4 address"},
	    {"server:\n  address: 198.18.0.0/24\n", 2, 12, "198.18.0.0 is the network address"},
	    {"server:\n  address: 198.18.0.255/24\n", 2, 12,
	     "198.18.0.255 is the broadcast address"},
	    {"server:\n  address: 0.0.0.0/8\n", 2, 12, "not a unicast host address"},
	    {"server:\n  address: 224.0.0.5/24\n", 2, 12, "not a unicast host address"},
	    {"server:\n  address: 255.255.255.255/32\n", 2, 12, "not a unicast host address"},
	};

	(void)state;
	EXPECT_ERRORS(bad);
}

static void
test_unknown_names(void **state)
{
	static const struct bad_case bad[] = {
	    {BASE "  foo: 1\n", 5, 3, "unknown key 'foo' in section 'port'"},
	    {BASE "dhcpd:\n  range: x\n", 5, 1, "unknown section 'dhcpd'"},
	    {BASE "dhcp:\n  range: x\n", 6, 3, "unknown key 'range' in section 'dhcp'"},
	    /* Keys are case-sensitive: a near miss is still a typo. */
	    {"server:\n  Address: 198.18.0.1/24\n", 2, 3, "unknown key 'Address'"},
	};

	(void)state;
	EXPECT_ERRORS(bad);
}

static void
test_wrong_kind(void **state)
{
	static const struct bad_case bad[] = {
	    {"- server\n- port\n", 1, 1, "top level must be a mapping"},
	    {"just words\n", 1, 1, "top level must be a mapping"},
	    {"server: [198.18.0.1/24]\n", 1, 9,
	     "section 'server' must be a mapping of keys, got a list"},
	    {"server: '198.18.0.1/24'\n", 1, 9, "must be a mapping of keys"},
	    {BASE "  mode:\n    af_xdp: 1\n", 6, 5,
	     "port.mode: expected a single value, got a mapping"},
	    {BASE "dataplane:\n  lcores: [0, 1]\n", 6, 11,
	     "dataplane.lcores: expected a single value, got a list"},
	    {"server:\n  ? [a]\n  : b\n", 2, 5, "expected a single value"},
	};

	(void)state;
	EXPECT_ERRORS(bad);
}

static void
test_duplicates(void **state)
{
	static const struct bad_case bad[] = {
	    {BASE "  interface: rb-srv1\n", 5, 3, "duplicate key 'interface' in section 'port'"},
	    {BASE "server:\n  mtu: 1500\n", 5, 1, "duplicate section 'server'"},
	    {BASE "dhcp: {mode: off}\ndhcp: {mode: off}\n", 6, 1, "duplicate section 'dhcp'"},
	};

	(void)state;
	EXPECT_ERRORS(bad);
}

static void
test_integers(void **state)
{
	static const struct bad_case bad[] = {
	    {BASE "dataplane:\n  memory_mb: 10\n", 6, 14,
	     "dataplane.memory_mb: 10 is out of range 64..65536"},
	    {BASE "dataplane:\n  mbufs: lots\n", 6, 10,
	     "dataplane.mbufs: expected an integer, got 'lots'"},
	    {BASE "dataplane:\n  mbufs: 1048577\n", 6, 10, "out of range 1024..1048576"},
	    {BASE "dataplane:\n  idle_sleep_us: 100001\n", 6, 18, "out of range 0..100000"},
	    {"server:\n  mtu: 575\n", 2, 8, "server.mtu: 575 is out of range 576..9000"},
	    {BASE "  queues: 0\n", 5, 11, "port.queues: 0 is out of range 1..16"},
	    {BASE "http:\n  port: 65536\n", 6, 9, "http.port: 65536 is out of range"},
	    {BASE "http:\n  threads: 99999999999999999999999\n", 6, 12,
	     "99999999999999999999999 is out of range 0..64"},
	    {BASE "http:\n  port: -80\n", 6, 9, "expected an integer, got '-80'"},
	    {BASE "http:\n  port: +80\n", 6, 9, "expected an integer, got '+80'"},
	    {BASE "http:\n  port: 0x50\n", 6, 9, "expected an integer, got '0x50'"},
	    {BASE "http:\n  port: 8e1\n", 6, 9, "expected an integer, got '8e1'"},
	    {BASE "http:\n  port: \"80 \"\n", 6, 9, "expected an integer, got '80 '"},
	    {BASE "http:\n  port:\n", 6, 8, "expected an integer, got ''"},
	};
	struct rb_config c;

	(void)state;
	EXPECT_ERRORS(bad);
	/* Decimal only: a leading zero does not make it octal. */
	expect_ok(BASE "http:\n  threads: 010\n", &c);
	assert_int_equal(c.http_threads, 10);
}

static void
test_bad_names(void **state)
{
	static const struct bad_case bad[] = {
	    {"server:\n  address: 198.18.0.1/24\nport:\n  interface: eth0/1\n", 4, 14,
	     "port.interface: 'eth0/1' is not a valid interface name"},
	    {"port:\n  interface: abcdefghijklmnop\n", 2, 14,
	     "interface name 'abcdefghijklmnop' must be 1..15 characters"},
	    {"port:\n  interface: ''\n", 2, 14, "must be 1..15 characters"},
	    {"port:\n  interface: ..\n", 2, 14, "not a valid interface name"},
	    {"port:\n  tap_name: tap 0\n", 2, 13, "port.tap_name: 'tap 0' is not a valid"},
	    {"port:\n  pci: 03:00\n", 2, 8, "port.pci: expected a PCI address"},
	    {"port:\n  pci: 0000:03:20.0\n", 2, 8, "expected a PCI address"},
	    {"port:\n  pci: 0000:03:00.8\n", 2, 8, "expected a PCI address"},
	    {"port:\n  pci: 0000:03:0x.1\n", 2, 8, "expected a PCI address"},
	    {"port:\n  mode: dpdk\n", 2, 9,
	     "port.mode: expected af_xdp, af_packet or pci, got 'dpdk'"},
	    {"port:\n  exception: kni\n", 2, 14, "expected auto, xdp, tap or none"},
	    {"dataplane:\n  hugepages: maybe\n", 2, 14, "expected auto, on or off"},
	    {"dataplane:\n  lcores: 0;1\n", 2, 11, "dataplane.lcores: expected a core"},
	    {"dataplane:\n  lcores: ''\n", 2, 11, "expected a core list"},
	    {"dataplane:\n  lcores: 0@0;1@1\n", 2, 11, "expected a core list"},
	};

	(void)state;
	EXPECT_ERRORS(bad);
	{ /* EAL's lcore@cpu form: more lcores than cores (tests on small boxes). */
		struct rb_config c;

		expect_ok(BASE "dataplane:\n  lcores: \"0@0,(1,2)@1\"\n", &c);
		assert_string_equal(c.lcores, "0@0,(1,2)@1");
		rb_config_free(&c);
	}
	expect_error("server:\n  address: \"198.18.0.1/24\\0x\"\n", 2, 12,
		     "server.address: contains a NUL byte");
}

static void
test_missing_required(void **state)
{
	static const struct bad_case bad[] = {
	    /* Pointed at the section that lacks it, else at the top. */
	    {"server:\n  mtu: 1500\nport:\n  interface: eth1\n", 1, 1,
	     "missing required key 'server.address'"},
	    {"# comment\nport:\n  interface: eth1\n", 2, 1,
	     "missing required key 'server.address'"},
	    {"port:\n  interface: eth1\nserver:\n  mtu: 1500\n", 3, 1,
	     "missing required key 'server.address'"},
	    {"server:\n  address: 198.18.0.1/24\nport:\n  mode: af_packet\n", 3, 1,
	     "missing required key 'port.interface' (port.mode is af_packet)"},
	    {"server:\n  address: 198.18.0.1/24\n", 1, 1,
	     "missing required key 'port.interface' (port.mode is af_xdp)"},
	    {"server:\n  address: 198.18.0.1/24\nhttp: {}\nport:\n  mode: pci\n", 4, 1,
	     "missing required key 'port.pci'"},
	};

	(void)state;
	EXPECT_ERRORS(bad);
}

static void
test_exception_xdp_needs_af_xdp(void **state)
{
	static const struct bad_case bad[] = {
	    {"server:\n  address: 198.18.0.1/24\n"
	     "port:\n  exception: xdp\n  mode: af_packet\n  interface: eth1\n",
	     4, 14, "port.exception: xdp needs port.mode af_xdp (port.mode is af_packet)"},
	    {"server:\n  address: 198.18.0.1/24\n"
	     "port: {mode: pci, pci: 03:00.0, exception: xdp}\n",
	     3, 44, "xdp needs port.mode af_xdp"},
	};

	(void)state;
	EXPECT_ERRORS(bad);
}

static void
test_session_ports(void **state)
{
	static const struct bad_case bad[] = {
	    {BASE "tftp:\n  session_ports: 60-100\n", 6, 18,
	     "tftp.session_ports: 60-100 is out of range 1024..65535"},
	    {BASE "tftp:\n  port: 1069\n  session_ports: 1060-1080\n", 7, 18,
	     "tftp.session_ports: 1060-1080 contains tftp.port 1069"},
	    /* Without session_ports, the port that moved into the default range. */
	    {BASE "tftp:\n  port: 62000\n", 6, 9,
	     "tftp.session_ports: 61000-65535 contains tftp.port 62000"},
	    {BASE "http:\n  port: 8080\ntftp:\n  session_ports: 8000-9000\n", 8, 18,
	     "8000-9000 contains http.port 8080"},
	    {BASE "tftp:\n  session_ports: 2000-1500\n", 6, 18, "2000-1500 is empty"},
	    {BASE "tftp:\n  session_ports: 61000\n", 6, 18, "expected LOW-HIGH"},
	    {BASE "tftp:\n  session_ports: 61000-\n", 6, 18, "expected LOW-HIGH"},
	    {BASE "tftp:\n  session_ports: 61000-70000\n", 6, 18, "out of range"},
	};
	struct rb_config c;

	(void)state;
	EXPECT_ERRORS(bad);
	expect_ok(BASE "tftp:\n  session_ports: 1024-1024\n", &c);
	assert_int_equal(c.session_port_lo, 1024);
	assert_int_equal(c.session_port_hi, 1024);
}

/* The api section: an address literal, a port (0: none of its own, not
 * http.port), an absolute token file. */
static void
test_api_section(void **state)
{
	static const struct bad_case bad[] = {
	    {BASE "api:\n  address: localhost\n", 6, 12,
	     "api.address: expected an IPv4 or IPv6 address (e.g. 127.0.0.1), got 'localhost'"},
	    {BASE "api:\n  address: 127.0.0.1/8\n", 6, 12, "expected an IPv4 or IPv6 address"},
	    {BASE "api:\n  address: ''\n", 6, 12, "expected an IPv4 or IPv6 address"},
	    {BASE "api:\n  port: 65536\n", 6, 9, "api.port"},
	    {BASE "api:\n  port: -1\n", 6, 9, "api.port"},
	    {BASE "api:\n  token_file: api.token\n", 6, 15,
	     "api.token_file: expected an absolute file path, got 'api.token'"},
	    {BASE "api:\n  token_file: /var/lib/rackboot/\n", 6, 15, "expected an absolute file"},
	    {BASE "api:\n  token_file: ''\n", 6, 15, "expected an absolute file"},
	    {BASE "http:\n  port: 8081\n", 6, 9, "api.port 8081 is also http.port"},
	    {BASE "http:\n  port: 9000\napi:\n  port: 9000\n", 8, 9,
	     "api.port 9000 is also http.port"},
	    {BASE "api:\n  listen: 1\n", 6, 3, "unknown key 'listen'"},
	};
	struct rb_config c;

	(void)state;
	EXPECT_ERRORS(bad);
	expect_ok(BASE "api:\n  address: \"::1\"\n  port: 0\n  token_file: /etc/rb/t\n", &c);
	assert_string_equal(c.api_address, "::1");
	assert_int_equal(c.api_port, 0);
	assert_string_equal(c.api_token_file, "/etc/rb/t");
	expect_ok(BASE "http:\n  port: 8081\napi:\n  port: 0\n", &c);
	assert_int_equal(c.api_port, 0);
	expect_ok(BASE "api:\n  address: 198.18.0.1\n  port: 18081\n", &c);
	assert_string_equal(c.api_address, "198.18.0.1");
	assert_int_equal(c.api_port, 18081);
	expect_ok(BASE "api:\n", &c);
	assert_int_equal(c.api_port, 8081);
}

static void
test_yaml_syntax(void **state)
{
	static const struct bad_case bad[] = {
	    {"server:\n  address: 198.18.0.1/24\n mtu: 1500\n", 3, 2, "did not find expected key"},
	    {"server: {address: 198.18.0.1/24\n", 2, 1, "did not find expected"},
	    {"server:\n  address: \"198.18.0.1/24\n", 3, 1, "found unexpected end of stream"},
	    {"server: *nope\n", 1, 9, "found undefined alias"},
	    /* Bad UTF-8 is found by libyaml's reader, which gives only an offset. */
	    {"server:\n  mtu: 15\xff\n", 2, 10, "invalid leading UTF-8 octet"},
	    {"", 1, 1, "the configuration is empty"},
	    {"# nothing but a comment\n", 1, 1, "the configuration is empty"},
	    {BASE "---\nserver: {}\n", 5, 1, "only one YAML document"},
	};

	(void)state;
	EXPECT_ERRORS(bad);
}

static void
test_dirs(void **state)
{
	char yaml[2 * PATH_MAX], p[PATH_MAX];

	(void)state;
	expect_error(BASE "http:\n  root: /nonexistent/rackboot\n", 6, 9,
		     "http.root '/nonexistent/rackboot': No such file or directory");
	path_in_tmp(p, sizeof(p), "afile");
	snprintf(yaml, sizeof(yaml), BASE "tftp:\n  root: %s\n", p);
	expect_error(yaml, 6, 9, "Not a directory");
	expect_error(BASE "tftp:\n  root: ''\n", 6, 9, "tftp.root: expected a directory");
}

/* tftp.mounts: name -> directory or file, in file order, names normalised. */
static void
test_tftp_mounts(void **state)
{
	char yaml[4 * PATH_MAX], file[PATH_MAX], repo[PATH_MAX], tftp[PATH_MAX];
	struct rb_config c;

	(void)state;
	path_in_tmp(file, sizeof(file), "afile");
	path_in_tmp(repo, sizeof(repo), "repo");
	path_in_tmp(tftp, sizeof(tftp), "tftp");
	snprintf(yaml, sizeof(yaml),
		 BASE "tftp:\n  mounts:\n    pxelinux.0: %s\n    /d-i//amd64/: %s/../repo\n"
		      "    '': %s\n",
		 file, tftp, tftp);
	expect_ok(yaml, &c);
	assert_int_equal(c.nb_tftp_mounts, 3);
	assert_string_equal(c.tftp_mounts[0].name, "pxelinux.0");
	assert_string_equal(c.tftp_mounts[0].path, file);
	assert_string_equal(c.tftp_mounts[1].name, "d-i/amd64");
	assert_string_equal(c.tftp_mounts[1].path, repo);
	assert_string_equal(c.tftp_mounts[2].name, "");
	assert_string_equal(c.tftp_mounts[2].path, tftp);
	rb_config_free(&c);
	assert_null(c.tftp_mounts);
	expect_ok(BASE "tftp:\n  mounts:\n", &c);
	assert_int_equal(c.nb_tftp_mounts, 0);
	rb_config_free(&c);

	expect_error(BASE "tftp:\n  mounts:\n    x: /nonexistent/rb\n", 7, 8,
		     "tftp.mounts.x '/nonexistent/rb': No such file or directory");
	snprintf(yaml, sizeof(yaml), BASE "tftp:\n  mounts:\n    a: %s\n    '': %s\n", repo, file);
	expect_error(yaml, 8, 5, "tftp.mounts: a file is served under a name");
	snprintf(yaml, sizeof(yaml), BASE "tftp:\n  mounts:\n    a/../b: %s\n", repo);
	expect_error(yaml, 7, 5, "tftp.mounts: 'a/../b' is not a name TFTP can serve");
	snprintf(yaml, sizeof(yaml), BASE "tftp:\n  mounts:\n    a: %s\n    /a/: %s\n", repo, file);
	expect_error(yaml, 8, 5, "tftp.mounts: 'a' is mounted twice (line 7)");
	expect_error(BASE "tftp:\n  mounts: [a]\n", 6, 11, "tftp.mounts: expected a mapping");
	expect_error(BASE "tftp:\n  mounts:\n    a: ''\n", 7, 8, "tftp.mounts.a: expected a path");
	expect_error(BASE "tftp:\n  mounts:\n    a: {b: c}\n", 7, 8, "tftp.mounts");
	expect_error(BASE "tftp:\n  mounts:\n    a: /dev/null\n", 7, 8,
		     "neither a directory nor a regular file");
}

/* Relative roots resolve against the config file's directory, not the cwd. */
static void
test_load_relative_root(void **state)
{
	char path[PATH_MAX], want[PATH_MAX], cwd[PATH_MAX];
	struct rb_config_error err;
	struct rb_config c;
	int rc;

	(void)state;
	path_in_tmp(path, sizeof(path), "conf/rackboot.yaml");
	write_file(path, BASE "http:\n  root: ../repo\ntftp:\n  root: ./../tftp/.\n");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir("/"), 0);
	rc = rb_config_load(path, &c, &err);
	assert_int_equal(chdir(cwd), 0);
	if (rc)
		fail_msg("%s:%u:%u: %s", err.file, err.line, err.column, err.message);
	assert_string_equal(c.path, path);
	path_in_tmp(want, sizeof(want), "repo");
	assert_string_equal(c.http_root, want);
	path_in_tmp(want, sizeof(want), "tftp");
	assert_string_equal(c.tftp_root, want);
}

static void
test_load_errors(void **state)
{
	char path[PATH_MAX], msg[PATH_MAX + 300], want[PATH_MAX + 300];
	struct rb_config_error err;
	struct rb_config c;

	(void)state;
	path_in_tmp(path, sizeof(path), "conf/missing.yaml");
	assert_int_equal(rb_config_load(path, &c, &err), -ENOENT);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 0);
	assert_int_equal(err.column, 0);
	assert_string_equal(err.message, "cannot open: No such file or directory");
	rb_config_error_format(&err, msg, sizeof(msg));
	snprintf(want, sizeof(want), "%s: error: cannot open: No such file or directory", path);
	assert_string_equal(msg, want);

	/* The integration test's file, line 3 by design. */
	path_in_tmp(path, sizeof(path), "conf/bad.yaml");
	write_file(path, "# bad\nserver:\n  address: 198.18.0.1/33\nport:\n  interface: rb-srv0\n");
	assert_int_equal(rb_config_load(path, &c, &err), -EINVAL);
	rb_config_error_format(&err, msg, sizeof(msg));
	snprintf(want, sizeof(want),
		 "%s:3:12: error: server.address: prefix length 33 out of range 1..32", path);
	assert_string_equal(msg, want);

	/* A directory cannot be read as a file. */
	path_in_tmp(path, sizeof(path), "conf");
	assert_int_equal(rb_config_load(path, &c, &err), -EISDIR);
	assert_int_equal(err.line, 0);

	/* Formatting into a short buffer truncates, and terminates. */
	rb_config_error_format(&err, msg, 5);
	assert_int_equal(strlen(msg), 4);
}

/* On failure the caller's struct is not touched at all. */
static void
test_cfg_untouched_on_error(void **state)
{
	static const char *const bad[] = {
	    "server:\n  address: 198.18.0.1/33\n",
	    BASE "dataplane:\n  mbufs: 1\n",
	    BASE "tftp:\n  port: 62000\n", /* refused only by the whole-file checks */
	    BASE "---\n{}\n",		   /* refused after everything else was fine */
	    "server: {",
	    "",
	    /* Refused with reservations allocated: during the walk, in the
	     * whole-file checks, after them. */
	    DHCP NET24 "  reservations:\n    - {mac: 52:54:00:00:00:01, address: 198.18.0.9}\n"
		       "    - {mac: 52:54:00:00:00:02}\n",
	    DHCP NET24 "  reservations:\n    - {mac: 52:54:00:00:00:01, address: 198.18.1.9}\n",
	    DHCP NET24 "  reservations: [{mac: 52:54:00:00:00:01, address: 198.18.0.9}]\n"
		       "---\n{}\n",
	};
	struct rb_config c, sentinel;
	struct rb_config_error err;
	size_t i;

	(void)state;
	memset(&sentinel, 0x5a, sizeof(sentinel));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(&c, &sentinel, sizeof(c));
		assert_int_not_equal(parse(bad[i], &c, &err), 0);
		assert_memory_equal(&c, &sentinel, sizeof(c));
	}
	memcpy(&c, &sentinel, sizeof(c));
	assert_int_equal(rb_config_load("/nonexistent/rackboot.yaml", &c, &err), -ENOENT);
	assert_memory_equal(&c, &sentinel, sizeof(c));
}

static void
test_error_format(void **state)
{
	struct rb_config_error err = {.file = "a.yaml", .line = 3, .column = 12};
	char buf[128];

	(void)state;
	snprintf(err.message, sizeof(err.message), "boom");
	rb_config_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "a.yaml:3:12: error: boom");
	err.line = 0;
	err.column = 0;
	rb_config_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "a.yaml: error: boom");
}

/* ---- dhcp ---- */

static void
test_dhcp_full_server(void **state)
{
	struct rb_config c;
	const struct rb_dhcp_subnet *s;
	const struct rb_dhcp_resv *r;
	static const uint8_t mac0[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0x0f};
	static const uint8_t cid1[3] = {0xff, 0x00, 0x01};
	static const uint8_t cid2[7] = {0x01, 0x52, 0x54, 0x00, 0x00, 0x00, 0x01};

	(void)state;
	expect_ok("server:\n  address: 10.1.0.1/16\nport:\n  interface: eth1\n"
		  "dhcp:\n"
		  "  mode: server\n"
		  "  lease_time: 31536000\n"
		  "  offer_time: 5\n"
		  "  decline_time: 0\n"
		  "  rate_limit: 100000\n"
		  "  database: /tmp/rb/leases.db\n"
		  "  dns: [198.18.0.53, 9.9.9.9]\n"
		  "  domain: Rack-1.example.com\n"
		  "  subnets:\n"
		  "    - subnet: 10.1.0.0/16\n"
		  "      pool: 10.1.1.0-10.1.2.255\n"
		  "      routers: 10.1.0.254\n"
		  "      dns: [10.1.0.53, 10.1.0.54, 10.1.0.55, 10.1.0.56]\n"
		  "      domain: a.example\n"
		  "      lease_time: 60\n"
		  "    - {pool: 192.168.7.10-192.168.7.10, subnet: 192.168.7.0/24, routers: []}\n"
		  "  reservations:\n"
		  "    - mac: 52:54:00:AB:cd:0F\n"
		  "      address: 10.1.1.5      # inside the pool: allowed\n"
		  "      hostname: node-01\n"
		  "    - client_id: \"ff:00:01\"\n"
		  "      address: 192.168.7.200\n"
		  "    - {mac: 52-54-00-00-00-01, client_id: 01:52:54:00:00:00:01,\n"
		  "       address: 10.1.0.2}\n"
		  "  boot:\n"
		  "    next_server: 10.1.0.3\n"
		  "    bios: /pxelinux.0\n"
		  "    efi-ia32: ia32/grub..efi\n"
		  "    efi-x64: syslinux.efi\n"
		  "    efi-arm64: grubaa64.efi\n"
		  "    http-x64: http://10.1.0.1/boot/ipxe.efi\n"
		  "    http-arm64: HTTPS://boot.example:8443/a%20b/arm.efi\n"
		  "    ipxe_script: \"http://10.1.0.1/boot.ipxe?mac=${net0/mac}\"\n",
		  &c);
	assert_int_equal(c.dhcp.mode, RB_DHCP_SERVER);
	assert_int_equal(c.dhcp.lease_time, 31536000);
	assert_int_equal(c.dhcp.offer_time, 5);
	assert_int_equal(c.dhcp.decline_time, 0);
	assert_int_equal(c.dhcp.rate_limit, 100000);
	assert_string_equal(c.dhcp.database, "/tmp/rb/leases.db");
	assert_int_equal(c.dhcp.nb_dns, 2);
	assert_int_equal(c.dhcp.dns[0], htonl(0xc6120035));
	assert_int_equal(c.dhcp.dns[1], htonl(0x09090909));
	assert_string_equal(c.dhcp.domain, "Rack-1.example.com");

	assert_int_equal(c.dhcp.nb_subnets, 2);
	s = &c.dhcp.subnets[0];
	assert_int_equal(s->net, htonl(0x0a010000));
	assert_int_equal(s->prefix_len, 16);
	assert_int_equal(s->pool_lo, htonl(0x0a010100));
	assert_int_equal(s->pool_hi, htonl(0x0a0102ff));
	assert_int_equal(s->nb_routers, 1);
	assert_int_equal(s->routers[0], htonl(0x0a0100fe));
	assert_int_equal(s->nb_dns, 4);
	assert_int_equal(s->dns[0], htonl(0x0a010035));
	assert_int_equal(s->dns[3], htonl(0x0a010038));
	assert_string_equal(s->domain, "a.example");
	assert_int_equal(s->lease_time, 60);
	s = &c.dhcp.subnets[1];
	assert_int_equal(s->net, htonl(0xc0a80700));
	assert_int_equal(s->prefix_len, 24);
	assert_int_equal(s->pool_lo, htonl(0xc0a8070a));
	assert_int_equal(s->pool_hi, htonl(0xc0a8070a));
	assert_int_equal(s->nb_routers, 0);
	assert_int_equal(s->nb_dns, 0);	    /* dhcp.dns applies */
	assert_string_equal(s->domain, ""); /* dhcp.domain applies */
	assert_int_equal(s->lease_time, 0); /* dhcp.lease_time applies */

	assert_int_equal(c.dhcp.nb_resv, 3);
	r = &c.dhcp.resv[0];
	assert_true(r->has_mac);
	assert_memory_equal(r->mac, mac0, 6);
	assert_int_equal(r->client_id_len, 0);
	assert_int_equal(r->ip, htonl(0x0a010105));
	assert_string_equal(r->hostname, "node-01");
	r = &c.dhcp.resv[1];
	assert_false(r->has_mac);
	assert_int_equal(r->client_id_len, 3);
	assert_memory_equal(r->client_id, cid1, 3);
	assert_int_equal(r->ip, htonl(0xc0a807c8));
	assert_string_equal(r->hostname, "");
	r = &c.dhcp.resv[2];
	assert_true(r->has_mac);
	assert_memory_equal(r->mac, cid2 + 1, 6);
	assert_int_equal(r->client_id_len, 7);
	assert_memory_equal(r->client_id, cid2, 7);
	assert_int_equal(r->ip, htonl(0x0a010002));

	assert_int_equal(c.dhcp.next_server, htonl(0x0a010003));
	assert_string_equal(c.dhcp.boot[RB_BOOT_BIOS], "/pxelinux.0");
	assert_string_equal(c.dhcp.boot[RB_BOOT_EFI_IA32], "ia32/grub..efi");
	assert_string_equal(c.dhcp.boot[RB_BOOT_EFI_X64], "syslinux.efi");
	assert_string_equal(c.dhcp.boot[RB_BOOT_EFI_ARM64], "grubaa64.efi");
	assert_string_equal(c.dhcp.boot[RB_BOOT_HTTP_X64], "http://10.1.0.1/boot/ipxe.efi");
	assert_string_equal(c.dhcp.boot[RB_BOOT_HTTP_ARM64],
			    "HTTPS://boot.example:8443/a%20b/arm.efi");
	assert_string_equal(c.dhcp.ipxe_script, "http://10.1.0.1/boot.ipxe?mac=${net0/mac}");
	rb_config_free(&c);
	assert_null(c.dhcp.resv);
	assert_int_equal(c.dhcp.nb_resv, 0);
	rb_config_free(&c); /* twice is fine */
}

static void
test_dhcp_modes(void **state)
{
	struct rb_config c;

	(void)state;
	/* A section without mode serves, with the defaults. */
	expect_ok(DHCP NET24, &c);
	assert_int_equal(c.dhcp.mode, RB_DHCP_SERVER);
	assert_int_equal(c.dhcp.lease_time, 3600);
	assert_int_equal(c.dhcp.nb_subnets, 1);
	assert_null(c.dhcp.resv);
	assert_int_equal(c.dhcp.next_server, htonl(0xc6120001)); /* server.address */
	assert_string_equal(c.dhcp.boot[RB_BOOT_EFI_X64], "");
	/* Proxy: boot information only. */
	expect_ok(DHCP "  mode: Proxy\n  boot:\n    efi-x64: ipxe.efi\n", &c);
	assert_int_equal(c.dhcp.mode, RB_DHCP_PROXY);
	assert_int_equal(c.dhcp.nb_subnets, 0);
	assert_string_equal(c.dhcp.boot[RB_BOOT_EFI_X64], "ipxe.efi");
	expect_ok(DHCP "  mode: proxy\n  boot: {ipxe_script: 'https://b/x.ipxe'}\n", &c);
	/* Off needs nothing, but what is given is still checked (below). */
	expect_ok(BASE "dhcp: {mode: off}\n", &c);
	assert_int_equal(c.dhcp.mode, RB_DHCP_OFF);
	expect_ok(DHCP "  mode: off\n  subnets:\n    - subnet: 198.18.0.0/24\n", &c);
	assert_int_equal(c.dhcp.nb_subnets, 1);
	assert_int_equal(c.dhcp.subnets[0].pool_lo, 0);
	/* server.address may come after the dhcp section that defaults to it. */
	expect_ok("dhcp:\n  mode: proxy\n  boot: {bios: pxelinux.0}\n"
		  "port: {interface: eth1}\nserver: {address: 10.9.8.7/8}\n",
		  &c);
	assert_int_equal(c.dhcp.next_server, htonl(0x0a090807));
	/* A single dns server needs no list; a subnet's routers neither. */
	expect_ok(DHCP "  dns: 198.18.0.1\n" NET24 "      routers: 198.18.0.1\n", &c);
	assert_int_equal(c.dhcp.nb_dns, 1);
	assert_int_equal(c.dhcp.subnets[0].nb_routers, 1);

	static const struct bad_case bad[] = {
	    {BASE "dhcp: {}\n", 5, 1,
	     "dhcp.subnets: at least one subnet is required in "
	     "server mode"},
	    {BASE "dhcp:\n", 5, 1, "dhcp.subnets: at least one subnet is required"},
	    {DHCP "  mode: server\n  lease_time: 60\n", 5, 1, "at least one subnet"},
	    {DHCP "  subnets: []\n", 6, 3, "at least one subnet is required in server mode"},
	    {DHCP "  subnets:\n  lease_time: 60\n", 6, 3, "at least one subnet is required"},
	    {DHCP "  mode: relay\n", 6, 9,
	     "dhcp.mode: expected server, proxy or off, got "
	     "'relay'"},
	    {DHCP "  subnets:\n    - subnet: 198.18.0.0/24\n", 7, 7,
	     "missing required key 'pool' in a dhcp.subnets entry (dhcp.mode is server)"},
	    {DHCP "  mode: proxy\n" NET24, 7, 3, "dhcp.subnets: not allowed in proxy mode"},
	    {DHCP "  mode: proxy\n  boot: {bios: a}\n  reservations: []\n", 8, 3,
	     "dhcp.reservations: not allowed in proxy mode"},
	    {DHCP "  mode: proxy\n", 6, 9,
	     "dhcp.boot: proxy mode needs at least one boot "
	     "file or URL"},
	    {DHCP "  mode: proxy\n  boot: {next_server: 198.18.0.2}\n", 7, 3,
	     "proxy mode needs at least one boot file"},
	    /* mode off still checks what is there */
	    {DHCP "  mode: off\n  subnets:\n    - subnet: 198.18.0.0/24\n      pool: 1-2\n", 9, 13,
	     "dhcp.subnets.pool: expected LOW-HIGH"},
	};
	EXPECT_ERRORS(bad);
}

static void
test_dhcp_top_values(void **state)
{
	static const struct bad_case bad[] = {
	    {DHCP "  lease_time: 59\n", 6, 15,
	     "dhcp.lease_time: 59 is out of range "
	     "60..31536000"},
	    {DHCP "  lease_time: 31536001\n", 6, 15, "out of range 60..31536000"},
	    {DHCP "  offer_time: 3601\n", 6, 15, "dhcp.offer_time: 3601 is out of range 5..3600"},
	    {DHCP "  offer_time: 4\n", 6, 15, "out of range 5..3600"},
	    {DHCP "  decline_time: 86401\n", 6, 17,
	     "dhcp.decline_time: 86401 is out of range "
	     "0..86400"},
	    {DHCP "  rate_limit: 100001\n", 6, 15,
	     "dhcp.rate_limit: 100001 is out of range "
	     "0..100000"},
	    {DHCP "  rate_limit: lots\n", 6, 15, "expected an integer, got 'lots'"},
	    {DHCP "  lease_time: [60]\n", 6, 15,
	     "dhcp.lease_time: expected a single value, "
	     "got a list"},
	    {DHCP "  database: ''\n", 6, 13, "dhcp.database: expected a file path, got ''"},
	    {DHCP "  database: /var/lib/\n", 6, 13, "expected a file path, got '/var/lib/'"},
	    {DHCP "  database: postgresql://rb:s3cret@db1/rackboot\n", 6, 13,
	     "dhcp.database: the URI carries a password: put it in dhcp.database_password_file"},
	    {DHCP "  database: postgresql://db1/rackboot?password=s3cret\n", 6, 13,
	     "the URI carries a password"},
	    {DHCP "  database: postgresql://db1/rackboot?nosuchkey=1\n", 6, 13,
	     "dhcp.database: not a PostgreSQL URI libpq accepts"},
	    {DHCP "  database_password_file: db.pw\n", 6, 27,
	     "dhcp.database_password_file: expected an absolute file path, got 'db.pw'"},
	    {DHCP "  database_poll_ms: 10\n", 6, 21,
	     "dhcp.database_poll_ms: 10 is out of range 50..60000"},
	    {DHCP "  database_down: ignore\n", 6, 18,
	     "dhcp.database_down: expected renew or refuse, got 'ignore'"},
	    {DHCP "  pool_order: random\n", 6, 15,
	     "dhcp.pool_order: expected auto, fifo or client-hash, got 'random'"},
	    {DHCP "  balance: 3/2\n", 6, 12, "dhcp.balance: share 3/2: need 1 <= K <= N <= 16"},
	    {DHCP "  balance: 0/2\n", 6, 12, "dhcp.balance: share 0/2"},
	    {DHCP "  balance: 1/17\n", 6, 12, "dhcp.balance: share 1/17"},
	    {DHCP "  balance: 1/\n", 6, 12, "dhcp.balance: expected this server's share as K/N"},
	    {DHCP "  balance: half\n", 6, 12, "got 'half'"},
	    {DHCP "  balance: 1/2/3\n", 6, 12, "got '1/2/3'"},
	    {DHCP "  balance: 100/2\n", 6, 12, "share 100/2"},
	    {DHCP "  balance: 1000/2\n", 6, 12, "got '1000/2'"},
	    {DHCP "  balance_takeover_s: 0\n", 6, 23,
	     "dhcp.balance_takeover_s: 0 is out of range 1..60"},
	    {DHCP "  dns: []\n", 6, 8, "dhcp.dns: expected 1..4 IPv4 addresses, got 0"},
	    {DHCP "  dns: [1.1.1.1, 1.1.1.2, 1.1.1.3, 1.1.1.4, 1.1.1.5]\n", 6, 8,
	     "dhcp.dns: expected 1..4 IPv4 addresses, got 5"},
	    {DHCP "  dns: {a: 1}\n", 6, 8,
	     "dhcp.dns: expected an IPv4 address or a list of "
	     "them, got a mapping"},
	    {DHCP "  dns: [1.1.1.1, 1.1.1]\n", 6, 18,
	     "dhcp.dns: expected an IPv4 address, "
	     "got '1.1.1'"},
	    {DHCP "  dns: 224.0.0.1\n", 6, 8,
	     "dhcp.dns: 224.0.0.1 is not a unicast host "
	     "address"},
	    {DHCP "  dns: 255.255.255.255\n", 6, 8, "not a unicast host address"},
	    {DHCP "  dns: [9.9.9.9, 9.9.9.9]\n", 6, 18, "dhcp.dns: 9.9.9.9 is listed twice"},
	    {DHCP "  dns: [[1.1.1.1]]\n", 6, 9,
	     "dhcp.dns: expected a single value, got a "
	     "list"},
	    {DHCP "  domain: -rack.test\n", 6, 11,
	     "dhcp.domain: '-rack.test' is not a valid "
	     "domain name"},
	    {DHCP "  domain: rack-.test\n", 6, 11, "is not a valid domain name"},
	    {DHCP "  domain: rack..test\n", 6, 11, "is not a valid domain name"},
	    {DHCP "  domain: rack.test.\n", 6, 11, "is not a valid domain name"},
	    {DHCP "  domain: a_b.test\n", 6, 11, "is not a valid domain name"},
	    {DHCP "  domain: 'rack test'\n", 6, 11, "is not a valid domain name"},
	    {DHCP "  domain: ''\n", 6, 11,
	     "dhcp.domain: a domain name must be 1..127 "
	     "characters long, got 0"},
	    {DHCP "  mode: server\n  mode: off\n", 7, 3,
	     "duplicate key 'mode' in section "
	     "'dhcp'"},
	    {BASE "dhcp: [server]\n", 5, 7,
	     "section 'dhcp' must be a mapping of keys, got a "
	     "list"},
	    {BASE "dhcp: server\n", 5, 7, "section 'dhcp' must be a mapping of keys"},
	};
	char yaml[512], l63[64], l62[63], l64[65];
	struct rb_config c;

	(void)state;
	EXPECT_ERRORS(bad);
	/* The longest label and name there are, and one more. */
	chars(l63, 'a', 63);
	chars(l62, 'b', 62);
	chars(l64, 'c', 64);
	snprintf(yaml, sizeof(yaml), DHCP NET24 "  domain: %s.%s\n", l63, l63);
	expect_ok(yaml, &c);
	assert_int_equal(strlen(c.dhcp.domain), 127);
	snprintf(yaml, sizeof(yaml), DHCP "  domain: %s.%s.\n", l63, l62);
	expect_error(yaml, 6, 11, "is not a valid domain name");
	snprintf(yaml, sizeof(yaml), DHCP "  domain: %s.%s.b\n", l63, l62);
	expect_error(yaml, 6, 11, "must be 1..127 characters long, got 128");
	snprintf(yaml, sizeof(yaml), DHCP "  domain: x.%s.b\n", l64);
	expect_error(yaml, 6, 11, "'x.cccccccc");
	expect_ok(DHCP NET24 "  domain: x\n", &c);
	assert_string_equal(c.dhcp.domain, "x");
}

/* A subnet entry without its pool, on line 7. */
#define SUB24 DHCP "  subnets:\n    - subnet: 198.18.0.0/24\n"

static void
test_dhcp_subnets(void **state)
{
	static const struct bad_case bad[] = {
	    {DHCP "  subnets: 198.18.0.0/24\n", 6, 12,
	     "dhcp.subnets: expected a list of mappings (entries starting with '- '), got a "
	     "single value"},
	    {DHCP "  subnets:\n    subnet: 198.18.0.0/24\n", 7, 5,
	     "dhcp.subnets: expected a list of mappings (entries starting with '- '), got a "
	     "mapping"},
	    {DHCP "  subnets:\n    - 198.18.0.0/24\n", 7, 7,
	     "dhcp.subnets: each entry must be a mapping of keys, got a single value"},
	    {DHCP "  subnets:\n    - pool: 198.18.0.100-198.18.0.199\n", 7, 7,
	     "missing required key 'subnet' in a dhcp.subnets entry"},
	    {DHCP NET24 "      gateway: 198.18.0.1\n", 9, 7,
	     "unknown key 'gateway' in a dhcp.subnets entry"},
	    {DHCP NET24 "      pool: 198.18.0.5-198.18.0.6\n", 9, 7,
	     "duplicate key 'pool' in a dhcp.subnets entry"},
	    {DHCP "  subnets:\n    - subnet: 198.18.0.0\n", 7, 15,
	     "dhcp.subnets.subnet: expected NETWORK/PREFIX (e.g. 198.18.0.0/24), got "
	     "'198.18.0.0'"},
	    {DHCP "  subnets:\n    - subnet: 198.18.0.0/31\n", 7, 15,
	     "dhcp.subnets.subnet: prefix length 31 out of range 8..30"},
	    {DHCP "  subnets:\n    - subnet: 198.0.0.0/7\n", 7, 15,
	     "prefix length 7 out of "
	     "range 8..30"},
	    {DHCP "  subnets:\n    - subnet: 198.18.0.0/x\n", 7, 15,
	     "expected a prefix length after '/', got 'x'"},
	    {DHCP "  subnets:\n    - subnet: 198.18.0.1/24\n", 7, 15,
	     "198.18.0.1 has host bits set for a /24 (the network is 198.18.0.0/24)"},
	    {DHCP "  subnets:\n    - subnet: 198.18.0/24\n", 7, 15,
	     "invalid IPv4 address "
	     "'198.18.0'"},
	    {DHCP "  subnets:\n    - subnet: 224.0.0.0/8\n", 7, 15,
	     "224.0.0.0/8 is not a "
	     "unicast network"},
	    {DHCP "  subnets:\n    - subnet: 127.0.0.0/8\n", 7, 15, "not a unicast network"},
	    {DHCP "  subnets:\n    - subnet: 0.0.0.0/8\n", 7, 15, "not a unicast network"},
	    {SUB24 "      pool: 198.18.0.100\n", 8, 13,
	     "dhcp.subnets.pool: expected LOW-HIGH addresses (e.g. "
	     "198.18.0.100-198.18.0.199), got '198.18.0.100'"},
	    {SUB24 "      pool: 198.18.0.1-x\n", 8, 13, "expected LOW-HIGH addresses"},
	    {SUB24 "      pool: 198.18.0.200-198.18.0.100\n", 8, 13,
	     "dhcp.subnets.pool: 198.18.0.200-198.18.0.100 is empty (low end above high "
	     "end)"},
	    {SUB24 "      pool: 198.18.0.100-198.18.1.5\n", 8, 13,
	     "dhcp.subnets.pool: 198.18.0.100-198.18.1.5 is not inside 198.18.0.0/24"},
	    {SUB24 "      pool: 198.18.0.0-198.18.0.10\n", 8, 13,
	     "dhcp.subnets.pool: 198.18.0.0-198.18.0.10 contains the network address of "
	     "198.18.0.0/24"},
	    {SUB24 "      pool: 198.18.0.9-198.18.0.255\n", 8, 13,
	     "contains the broadcast address of 198.18.0.0/24"},
	    /* The subnet key may follow the pool it bounds. */
	    {DHCP "  subnets:\n    - pool: 198.18.1.1-198.18.1.2\n"
		  "      subnet: 198.18.0.0/24\n",
	     7, 13, "198.18.1.1-198.18.1.2 is not inside 198.18.0.0/24"},
	    {SUB24 "      pool: 198.18.0.1-198.18.0.50\n", 8, 13,
	     "dhcp.subnets.pool: 198.18.0.1-198.18.0.50 contains server.address "
	     "198.18.0.1"},
	    {DHCP NET24 "      routers: [198.18.1.1]\n", 9, 17,
	     "dhcp.subnets.routers: 198.18.1.1 is not inside 198.18.0.0/24"},
	    {DHCP NET24 "      routers: 198.18.0.255\n", 9, 16,
	     "dhcp.subnets.routers: 198.18.0.255 is the broadcast address of 198.18.0.0/24"},
	    {DHCP NET24 "      routers: [198.18.0.1, 198.18.0.150]\n", 9, 29,
	     "dhcp.subnets.routers: 198.18.0.150 is inside the pool "
	     "198.18.0.100-198.18.0.199"},
	    {DHCP NET24 "      routers: [198.18.0.1, 198.18.0.2, 198.18.0.3, 198.18.0.4, "
			"198.18.0.5]\n",
	     9, 16, "dhcp.subnets.routers: expected 0..4 IPv4 addresses, got 5"},
	    {DHCP NET24 "      dns: 0.0.0.0\n", 9, 12,
	     "dhcp.subnets.dns: 0.0.0.0 is not a "
	     "unicast host address"},
	    {DHCP NET24 "      lease_time: 59\n", 9, 19,
	     "dhcp.subnets.lease_time: 59 is out of range 60..31536000"},
	    {DHCP NET24 "      domain: x y\n", 9, 15,
	     "dhcp.subnets.domain: 'x y' is not a valid domain name"},
	    {DHCP NET24 "    - subnet: 198.18.0.128/25\n"
			"      pool: 198.18.0.130-198.18.0.140\n",
	     9, 15, "dhcp.subnets.subnet: 198.18.0.128/25 overlaps 198.18.0.0/24 at line 7"},
	    {DHCP NET24 "    - subnet: 198.16.0.0/14\n", 9, 15,
	     "198.16.0.0/14 overlaps 198.18.0.0/24 at line 7"},
	};
	char yaml[2048], *p;
	struct rb_config c;
	int i, n;

	(void)state;
	EXPECT_ERRORS(bad);

	/* RB_DHCP_MAX_SUBNETS, then one more: refused at the one too many. */
	n = snprintf(yaml, sizeof(yaml), DHCP "  subnets: [");
	for (i = 0; i < RB_DHCP_MAX_SUBNETS; i++)
		n += snprintf(yaml + n, sizeof(yaml) - (size_t)n,
			      "{subnet: 10.%d.0.0/16, pool: 10.%d.0.1-10.%d.0.9}, ", i, i, i);
	snprintf(yaml + n - 2, sizeof(yaml) - (size_t)n + 2, "]\n");
	expect_ok(yaml, &c);
	assert_int_equal(c.dhcp.nb_subnets, RB_DHCP_MAX_SUBNETS);
	assert_int_equal(c.dhcp.subnets[15].net, htonl(0x0a0f0000));
	snprintf(yaml + n - 2, sizeof(yaml) - (size_t)n + 2,
		 ", {subnet: 10.99.0.0/16, pool: 10.99.0.1-10.99.0.9}]\n");
	p = strstr(yaml, "{subnet: 10.99.");
	expect_error(yaml, 6, (unsigned)(p - strstr(yaml, "  subnets:")) + 1,
		     "dhcp.subnets: at most 16 entries are allowed");
}

/* The reservation tests' head: a subnet with a router, "reservations:" on
 * line 10, entries from line 11. */
#define RESV DHCP NET24 "      routers: 198.18.0.254\n  reservations:\n"

static void
test_dhcp_reservations(void **state)
{
	static const struct bad_case bad[] = {
	    {RESV "    - mac: 52:54:00:12:34\n      address: 198.18.0.10\n", 11, 12,
	     "dhcp.reservations.mac: expected a MAC address, 6 hex octets separated by ':' "
	     "or '-' (e.g. 52:54:00:12:34:56), got '52:54:00:12:34'"},
	    {RESV "    - mac: 52:54-00:12:34:56\n      address: 198.18.0.10\n", 11, 12,
	     "expected a MAC address"},
	    {RESV "    - mac: 52:54:00:12:34:5g\n      address: 198.18.0.10\n", 11, 12,
	     "expected a MAC address"},
	    {RESV "    - mac: 52:54:00:12:34:56:78\n      address: 198.18.0.10\n", 11, 12,
	     "expected a MAC address"},
	    {RESV "    - mac: 525400123456\n      address: 198.18.0.10\n", 11, 12,
	     "expected a MAC address"},
	    {RESV "    - mac: 5:54:00:12:34:56\n      address: 198.18.0.10\n", 11, 12,
	     "expected a MAC address"},
	    {RESV "    - mac: \"\\x10\\x12:54:00:12:34:56\"\n      address: 198.18.0.10\n", 11, 12,
	     "expected a MAC address"},
	    {RESV "    - mac: '52:54:00:12:34:56:'\n      address: 198.18.0.10\n", 11, 12,
	     "expected a MAC address"},
	    {RESV "    - client_id: \"01\"\n      address: 198.18.0.10\n", 11, 18,
	     "dhcp.reservations.client_id: expected 2..64 hex octets separated by ':'"},
	    {RESV "    - client_id: 01-02\n      address: 198.18.0.10\n", 11, 18,
	     "expected 2..64 hex octets"},
	    {RESV "    - client_id: ''\n      address: 198.18.0.10\n", 11, 18,
	     "expected 2..64 hex octets"},
	    {RESV "    - mac: 52:54:00:12:34:56\n", 11, 7,
	     "missing required key 'address' in a dhcp.reservations entry"},
	    {RESV "    - address: 198.18.0.10\n", 11, 7,
	     "a dhcp.reservations entry needs a mac, a client_id or both"},
	    {RESV "    - mac: 52:54:00:12:34:56\n      ip: 198.18.0.10\n", 12, 7,
	     "unknown key 'ip' in a dhcp.reservations entry"},
	    {RESV "    - {mac: 52:54:00:12:34:56, mac: 52:54:00:12:34:57}\n", 11, 32,
	     "duplicate key 'mac' in a dhcp.reservations entry"},
	    {RESV "    - mac: 52:54:00:12:34:56\n      address: 198.18.0.10\n"
		  "      hostname: -node\n",
	     13, 17, "dhcp.reservations.hostname: '-node' is not a valid host name"},
	    {RESV "    - mac: 52:54:00:12:34:56\n      address: 198.18.0.10\n"
		  "      hostname: node.rack\n",
	     13, 17, "is not a valid host name"},
	    {RESV "    - mac: 52:54:00:12:34:56\n      address: 198.18.0.300\n", 12, 16,
	     "dhcp.reservations.address: expected an IPv4 address, got '198.18.0.300'"},
	    {RESV "    - mac: 52:54:00:12:34:56\n      address: 198.18.1.10\n", 12, 16,
	     "dhcp.reservations.address: 198.18.1.10 is not inside any of dhcp.subnets"},
	    {RESV "    - mac: 52:54:00:12:34:56\n      address: 198.18.0.0\n", 12, 16,
	     "dhcp.reservations.address: 198.18.0.0 is the network address of 198.18.0.0/24"},
	    {RESV "    - mac: 52:54:00:12:34:56\n      address: 198.18.0.255\n", 12, 16,
	     "198.18.0.255 is the broadcast address of 198.18.0.0/24"},
	    {RESV "    - mac: 52:54:00:12:34:56\n      address: 198.18.0.1\n", 12, 16,
	     "dhcp.reservations.address: 198.18.0.1 is server.address"},
	    {RESV "    - mac: 52:54:00:12:34:56\n      address: 198.18.0.254\n", 12, 16,
	     "dhcp.reservations.address: 198.18.0.254 is a router of 198.18.0.0/24"},
	    {RESV "    - [52:54:00:12:34:56, 198.18.0.10]\n", 11, 7,
	     "dhcp.reservations: each entry must be a mapping of keys, got a list"},
	    {DHCP NET24 "  reservations: {mac: 52:54:00:12:34:56, address: 198.18.0.10}\n", 9, 17,
	     "dhcp.reservations: expected a list of mappings (entries starting with "
	     "'- '), got a mapping"},
	    {DHCP NET24 "  reservations: node01\n", 9, 17,
	     "dhcp.reservations: expected a list of mappings (entries starting with '- '), "
	     "got a single value"},
	    /* Duplicates point at the second and name the first's line. */
	    {RESV "    - {mac: 52:54:00:12:34:56, address: 198.18.0.10}\n"
		  "    - {mac: 52-54-00-12-34-56, address: 198.18.0.11}\n",
	     12, 13, "dhcp.reservations.mac: 52-54-00-12-34-56 is already reserved at line 11"},
	    {RESV "    - {client_id: \"01:aa\", address: 198.18.0.10}\n"
		  "    - {client_id: \"01:AA\", address: 198.18.0.11}\n",
	     12, 19, "dhcp.reservations.client_id: 01:AA is already reserved at line 11"},
	    {RESV "    - {mac: 52:54:00:00:00:01, address: 198.18.0.10}\n"
		  "    - {mac: 52:54:00:00:00:02, address: 198.18.0.10}\n",
	     12, 41, "dhcp.reservations.address: 198.18.0.10 is already reserved at line 11"},
	    /* Of several, the earliest repeat in the file; runs of three name
	     * the first holder. */
	    {RESV "    - {mac: 52:54:00:00:00:01, address: 198.18.0.10}\n"
		  "    - {mac: 52:54:00:00:00:02, address: 198.18.0.11}\n"
		  "    - {mac: 52:54:00:00:00:03, address: 198.18.0.11}\n"
		  "    - {mac: 52:54:00:00:00:01, address: 198.18.0.13}\n",
	     13, 41, "198.18.0.11 is already reserved at line 12"},
	    {RESV "    - {mac: 52:54:00:00:00:01, address: 198.18.0.10}\n"
		  "    - {mac: 52:54:00:00:00:02, address: 198.18.0.11}\n"
		  "    - {mac: 52:54:00:00:00:01, address: 198.18.0.12}\n"
		  "    - {mac: 52:54:00:00:00:01, address: 198.18.0.13}\n"
		  "    - {mac: 52:54:00:00:00:05, address: 198.18.0.11}\n",
	     13, 13, "52:54:00:00:00:01 is already reserved at line 11"},
	    /* A mac and a client_id are different keys, even for one host. */
	    {RESV "    - {mac: 52:54:00:00:00:01, client_id: '01:02', address: 198.18.0.10}\n"
		  "    - {client_id: '01:03', address: 198.18.0.11}\n"
		  "    - {client_id: '01:02', address: 198.18.0.12}\n",
	     13, 19, "01:02 is already reserved at line 11"},
	};
	char yaml[1024], id64[64 * 3], id65[65 * 3], h63[64], h64[65];
	struct rb_config c;
	int i;

	(void)state;
	EXPECT_ERRORS(bad);
	/* Client ids of 64 and 65 octets: 00:01:...:3F(:40). */
	for (i = 0; i < 65; i++) /* "00", then ":01" ... at 3 * i - 1 */
		snprintf(id65 + (i ? 3 * i - 1 : 0), 4, "%s%02X", i ? ":" : "", i);
	snprintf(id64, sizeof(id64), "%.*s", 64 * 3 - 1, id65);
	chars(h63, 'h', 63);
	chars(h64, 'h', 64);
	/* Reservations may come before the subnets they lie in; a reserved
	 * address may be inside a pool; the longest host name and client id. */
	snprintf(yaml, sizeof(yaml),
		 DHCP "  reservations:\n"
		      "    - {mac: 52:54:00:12:34:56, address: 198.18.0.150, hostname: %s}\n"
		      "    - {client_id: %s, address: 198.18.0.2}\n" NET24,
		 h63, id64);
	expect_ok(yaml, &c);
	assert_int_equal(c.dhcp.nb_resv, 2);
	assert_string_equal(c.dhcp.resv[0].hostname, h63);
	assert_int_equal(c.dhcp.resv[1].client_id_len, 64);
	assert_int_equal(c.dhcp.resv[1].client_id[63], 0x3f);
	rb_config_free(&c);
	snprintf(yaml, sizeof(yaml),
		 DHCP "  reservations:\n    - {client_id: %s, address: 198.18.0.2}\n" NET24, id65);
	expect_error(yaml, 7, 19, "expected 2..64 hex octets");
	snprintf(yaml, sizeof(yaml),
		 RESV "    - {mac: 52:54:00:12:34:56, address: 198.18.0.10, hostname: %s}\n", h64);
	expect_error(yaml, 11, 64, "is not a valid host name");
	/* An empty list is no reservation at all. */
	expect_ok(DHCP NET24 "  reservations: []\n", &c);
	assert_null(c.dhcp.resv);
	assert_int_equal(c.dhcp.nb_resv, 0);
}

/* The most reservations there may be, one more, and a repeat among them. */
static void
test_dhcp_many_reservations(void **state)
{
	static const char head[] = DHCP "  subnets: [{subnet: 10.0.0.0/8, "
					"pool: 10.255.0.1-10.255.0.9}]\n  reservations:\n";
	size_t cap = sizeof(head) + (RB_DHCP_MAX_RESV + 1) * 64, n;
	char *yaml = malloc(cap);
	struct rb_config c;
	unsigned i;

	(void)state;
	assert_non_null(yaml);
	n = (size_t)snprintf(yaml, cap, "%s", head);
	for (i = 0; i < RB_DHCP_MAX_RESV; i++)
		n += (size_t)snprintf(yaml + n, cap - n,
				      "  - {mac: 52:54:00:00:%02x:%02x, address: 10.1.%u.%u}\n",
				      i >> 8, i & 0xff, i >> 8, i & 0xff);
	expect_ok(yaml, &c);
	assert_int_equal(c.dhcp.nb_resv, RB_DHCP_MAX_RESV);
	assert_int_equal(c.dhcp.resv[RB_DHCP_MAX_RESV - 1].ip, htonl(0x0a01ffff));
	rb_config_free(&c);
	/* The last address again. */
	snprintf(yaml + n, cap - n, "  - {mac: 52:54:00:01:00:00, address: 10.1.255.255}\n");
	expect_error(yaml, 8 + RB_DHCP_MAX_RESV, 5, "dhcp.reservations: at most 65536 entries");
	/* Below the limit, the same repeat is found among them all. */
	n -= strlen("  - {mac: 52:54:00:00:ff:ff, address: 10.1.255.255}\n");
	snprintf(yaml + n, cap - n, "  - {mac: 52:54:00:01:00:00, address: 10.1.0.0}\n");
	expect_error(yaml, 7 + RB_DHCP_MAX_RESV, 39,
		     "dhcp.reservations.address: 10.1.0.0 is already reserved at line 8");
	free(yaml);
}

static void
test_dhcp_boot(void **state)
{
	static const struct bad_case bad[] = {
	    {DHCP NET24 "  boot: pxelinux.0\n", 9, 9,
	     "dhcp.boot: expected a mapping of keys (bios: ..., efi-x64: ...), got a single "
	     "value"},
	    {DHCP NET24 "  boot:\n    uefi: x.efi\n", 10, 5, "unknown key 'uefi' in dhcp.boot"},
	    {DHCP NET24 "  boot:\n    bios: a\n    bios: b\n", 11, 5,
	     "duplicate key 'bios' in dhcp.boot"},
	    {DHCP NET24 "  boot:\n    bios: pxe linux.0\n", 10, 11,
	     "dhcp.boot.bios: 'pxe linux.0' has a space, control or non-ASCII character"},
	    {DHCP NET24 "  boot:\n    bios: \"pxe\\tlinux\"\n", 10, 11, "has a space, control"},
	    {DHCP NET24 "  boot:\n    bios: \"pxe\\u00e9\"\n", 10, 11, "non-ASCII character"},
	    {DHCP NET24 "  boot:\n    efi-x64: ../efi/x.efi\n", 10, 14,
	     "dhcp.boot.efi-x64: '../efi/x.efi' has a '..' component"},
	    {DHCP NET24 "  boot:\n    efi-arm64: efi/../../x.efi\n", 10, 16,
	     "dhcp.boot.efi-arm64: 'efi/../../x.efi' has a '..' component"},
	    {DHCP NET24 "  boot:\n    efi-ia32: /boot/..\n", 10, 15, "has a '..' component"},
	    {DHCP NET24 "  boot:\n    bios: ''\n", 10, 11,
	     "dhcp.boot.bios: a boot file name must be 1..127 bytes long, got 0"},
	    {DHCP NET24 "  boot:\n    http-x64: ftp://x/a.efi\n", 10, 15,
	     "dhcp.boot.http-x64: expected an http:// or https:// URL, got 'ftp://x/a.efi'"},
	    {DHCP NET24 "  boot:\n    http-x64: ipxe.efi\n", 10, 15,
	     "expected an http:// or "
	     "https:// URL"},
	    {DHCP NET24 "  boot:\n    http-arm64: http:///a.efi\n", 10, 17,
	     "dhcp.boot.http-arm64: 'http:///a.efi' has no host"},
	    {DHCP NET24 "  boot:\n    ipxe_script: https://\n", 10, 18, "has no host"},
	    {DHCP NET24 "  boot:\n    ipxe_script: 'http://a/b c'\n", 10, 18,
	     "dhcp.boot.ipxe_script: 'http://a/b c' has a space, control or non-ASCII "
	     "character (percent-encode it)"},
	    {DHCP NET24 "  boot:\n    next_server: 0.0.0.0\n", 10, 18,
	     "dhcp.boot.next_server: 0.0.0.0 is not a unicast host address"},
	    {DHCP NET24 "  boot:\n    next_server: boot.example\n", 10, 18,
	     "dhcp.boot.next_server: expected an IPv4 address, got 'boot.example'"},
	};
	char yaml[1024], f127[128], f128[129], u246[247], u247[248];
	struct rb_config c;

	(void)state;
	EXPECT_ERRORS(bad);
	/* The longest of each, and one more; ".." inside a name is no component. */
	chars(f127, 'f', 127);
	chars(f128, 'f', 128);
	chars(u246, 'u', 246); /* "http://a/" and these: 255 bytes */
	chars(u247, 'u', 247);
	snprintf(yaml, sizeof(yaml),
		 DHCP NET24 "  boot:\n    bios: %s\n    efi-x64: a..b/..c/d..\n"
			    "    ipxe_script: http://a/%s\n",
		 f127, u246);
	expect_ok(yaml, &c);
	assert_int_equal(strlen(c.dhcp.boot[RB_BOOT_BIOS]), 127);
	assert_string_equal(c.dhcp.boot[RB_BOOT_EFI_X64], "a..b/..c/d..");
	assert_int_equal(strlen(c.dhcp.ipxe_script), 255);
	snprintf(yaml, sizeof(yaml), DHCP NET24 "  boot:\n    bios: %s\n", f128);
	expect_error(yaml, 10, 11,
		     "dhcp.boot.bios: a boot file name must be 1..127 bytes long, "
		     "got 128");
	snprintf(yaml, sizeof(yaml), DHCP NET24 "  boot:\n    http-arm64: http://a/%s\n", u247);
	expect_error(yaml, 10, 17,
		     "dhcp.boot.http-arm64: the URL is 256 bytes long, at most 255 "
		     "are allowed");
	/* An empty boot mapping is no boot file. */
	expect_ok(DHCP NET24 "  boot: {}\n", &c);
	assert_string_equal(c.dhcp.boot[RB_BOOT_BIOS], "");
}

/* dhcp.database resolves like the roots: against the file's directory. */
static void
test_dhcp_database_path(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 32], cwd[PATH_MAX];
	struct rb_config_error err;
	struct rb_config c;
	int rc;

	(void)state;
	path_in_tmp(path, sizeof(path), "conf/rackboot.yaml");
	write_file(path, DHCP NET24 "  database: ../db/leases.db\n");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir("/"), 0);
	rc = rb_config_load(path, &c, &err);
	assert_int_equal(chdir(cwd), 0);
	if (rc)
		fail_msg("%s:%u:%u: %s", err.file, err.line, err.column, err.message);
	snprintf(want, sizeof(want), "%s/conf/../db/leases.db", tmpdir);
	assert_string_equal(c.dhcp.database, want);
	rb_config_free(&c);
	/* From a string: against the cwd. */
	expect_ok(DHCP NET24 "  database: leases.db\n", &c);
	snprintf(want, sizeof(want), "%s/leases.db", cwd);
	assert_string_equal(c.dhcp.database, want);
	assert_int_equal(c.dhcp.database_poll_ms, 500);
	assert_string_equal(c.dhcp.database_password_file, "");
	/* A PostgreSQL URI is kept as written, not made a path. */
	expect_ok(DHCP NET24 "  database: postgresql://rb@db1:5433/rackboot?sslmode=require\n"
			     "  database_password_file: /etc/rackboot/db.pw\n"
			     "  database_poll_ms: 250\n",
		  &c);
	assert_string_equal(c.dhcp.database, "postgresql://rb@db1:5433/rackboot?sslmode=require");
	assert_string_equal(c.dhcp.database_password_file, "/etc/rackboot/db.pw");
	assert_int_equal(c.dhcp.database_poll_ms, 250);
}

/* dhcp.pool_order: auto picks client-hash for a shared (PostgreSQL) store;
 * dhcp.database_down: renew unless refuse. */
static void
test_dhcp_pool_order(void **state)
{
	static const struct {
		const char *yaml;
		uint8_t want;
	} cases[] = {
	    {DHCP NET24 "  database: leases.db\n", RB_POOL_FIFO},
	    {DHCP NET24 "  database: postgresql://db1/rackboot\n", RB_POOL_CLIENT_HASH},
	    {DHCP NET24 "  database: postgresql://db1/rackboot\n  pool_order: fifo\n",
	     RB_POOL_FIFO},
	    {DHCP NET24 "  pool_order: client-hash\n", RB_POOL_CLIENT_HASH},
	    {DHCP NET24 "  pool_order: auto\n", RB_POOL_FIFO},
	};
	struct rb_dhcp_dp_config *dp = calloc(1, sizeof(*dp));
	struct rb_config c;
	size_t i;

	(void)state;
	assert_non_null(dp);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expect_ok(cases[i].yaml, &c);
		dhcp_ctl_dp_config(&c, dp);
		if (dp->pool_order != cases[i].want)
			fail_msg("case %zu: pool_order %u, want %u", i, dp->pool_order,
				 cases[i].want);
		assert_int_equal(dp->db_down_renew, 1); /* dhcp.database_down: renew */
		rb_config_free(&c);
	}
	expect_ok(DHCP NET24 "  database_down: refuse\n", &c);
	dhcp_ctl_dp_config(&c, dp);
	assert_int_equal(dp->db_down_renew, 0);
	assert_int_equal(dp->balance_n, 0); /* no balance: every DISCOVER */
	assert_int_equal(dp->balance_takeover_s, 3);
	rb_config_free(&c);
	expect_ok(DHCP NET24 "  balance: 2/3\n  balance_takeover_s: 5\n", &c);
	dhcp_ctl_dp_config(&c, dp);
	assert_int_equal(dp->balance_k, 2);
	assert_int_equal(dp->balance_n, 3);
	assert_int_equal(dp->balance_takeover_s, 5);
	rb_config_free(&c);
	free(dp);
}

/* tftp's multicast keys: RFC 2090 streams and PXE MTFTP. */
static void
test_tftp_multicast_defaults(void **state)
{
	struct rb_config c, d;

	(void)state;
	rb_config_defaults(&d);
	expect_ok(BASE, &c);
	assert_int_equal(ntohl(d.mc_group), 0xefff4501); /* 239.255.69.1 */
	assert_int_equal(d.mc_port, 1760);
	assert_int_equal(d.mc_streams, 16);
	assert_int_equal(d.mc_clients, 1024);
	assert_int_equal(d.mc_window, 8);
	assert_int_equal(d.mtftp_group, 0); /* MTFTP off */
	assert_int_equal(d.mtftp_port, 1759);
	assert_int_equal(d.mtftp_client_port, 1758);
	assert_int_equal(d.mtftp_open_timeout, 2);
	assert_int_equal(d.mtftp_reopen_delay, 2);
	/* A file without them gets the same. */
	assert_int_equal(c.mc_group, d.mc_group);
	assert_int_equal(c.mc_port, d.mc_port);
	assert_int_equal(c.mc_streams, d.mc_streams);
	assert_int_equal(c.mc_clients, d.mc_clients);
	assert_int_equal(c.mc_window, d.mc_window);
	assert_int_equal(c.mtftp_group, 0);
	assert_int_equal(c.mtftp_port, d.mtftp_port);
	assert_int_equal(c.mtftp_client_port, d.mtftp_client_port);
	assert_int_equal(c.mtftp_open_timeout, d.mtftp_open_timeout);
	assert_int_equal(c.mtftp_reopen_delay, d.mtftp_reopen_delay);
}

static void
test_tftp_multicast_full(void **state)
{
	struct rb_config c;

	(void)state;
	expect_ok(BASE "tftp:\n"
		       "  multicast_group: 239.1.2.3\n"
		       "  multicast_port: 2000\n"
		       "  multicast_streams: 256\n"
		       "  multicast_clients: 65535\n"
		       "  multicast_window: 64\n"
		       "  mtftp_group: 239.1.4.1\n"
		       "  mtftp_port: 2001\n"
		       "  mtftp_client_port: 2002\n"
		       "  mtftp_open_timeout: 255\n"
		       "  mtftp_reopen_delay: 1\n",
		  &c);
	assert_int_equal(c.mc_group, htonl(0xef010203));
	assert_int_equal(c.mc_port, 2000);
	assert_int_equal(c.mc_streams, 256);
	assert_int_equal(c.mc_clients, 65535);
	assert_int_equal(c.mc_window, 64);
	assert_int_equal(c.mtftp_group, htonl(0xef010401));
	assert_int_equal(c.mtftp_port, 2001);
	assert_int_equal(c.mtftp_client_port, 2002);
	assert_int_equal(c.mtftp_open_timeout, 255);
	assert_int_equal(c.mtftp_reopen_delay, 1);
	/* The low ends; 0 streams turns the RFC 2090 option off. */
	expect_ok(BASE "tftp:\n"
		       "  multicast_group: 224.0.1.0\n"
		       "  multicast_port: 1\n"
		       "  multicast_streams: 0\n"
		       "  multicast_clients: 1\n"
		       "  multicast_window: 1\n"
		       "  mtftp_group: 224.0.1.0\n" /* no RFC 2090 group to clash with */
		       "  mtftp_port: 1\n"
		       "  mtftp_client_port: 1\n"
		       "  mtftp_open_timeout: 1\n",
		  &c);
	assert_int_equal(c.mc_group, htonl(0xe0000100));
	assert_int_equal(c.mc_streams, 0);
	assert_int_equal(c.mtftp_group, htonl(0xe0000100));
	assert_int_equal(c.mtftp_port, 1);
	/* Flow style, and the groups just outside each other's range. */
	expect_ok(BASE "tftp: {multicast_group: 239.255.69.1, multicast_streams: 16, "
		       "mtftp_group: 239.255.69.17}\n",
		  &c);
	assert_int_equal(c.mtftp_group, htonl(0xefff4511));
	expect_ok(BASE "tftp: {multicast_group: 239.255.69.2, mtftp_group: 239.255.69.1}\n", &c);
	/* With MTFTP off, its port may sit anywhere: nothing listens on it. */
	expect_ok(BASE "tftp:\n  mtftp_port: 62000\n", &c);
	expect_ok(BASE "tftp:\n  port: 1759\n", &c);
}

static void
test_tftp_multicast_errors(void **state)
{
	static const struct bad_case bad[] = {
	    /* Groups: multicast, and not the link-local 224.0.0.0/24. */
	    {BASE "tftp:\n  multicast_group: 198.18.0.1\n", 6, 20,
	     "tftp.multicast_group: 198.18.0.1 is not a multicast group outside "
	     "224.0.0.0/24 (e.g. 239.255.69.1)"},
	    {BASE "tftp:\n  multicast_group: 224.0.0.5\n", 6, 20,
	     "tftp.multicast_group: 224.0.0.5 is not a multicast group"},
	    {BASE "tftp:\n  multicast_group: 224.0.0.255\n", 6, 20, "is not a multicast group"},
	    {BASE "tftp:\n  multicast_group: 240.0.0.1\n", 6, 20, "is not a multicast group"},
	    {BASE "tftp:\n  multicast_group: 255.255.255.255\n", 6, 20, "is not a multicast group"},
	    {BASE "tftp:\n  multicast_group: 239.255.69\n", 6, 20,
	     "tftp.multicast_group: invalid IPv4 address '239.255.69'"},
	    {BASE "tftp:\n  multicast_group: 239.255.69.1/24\n", 6, 20, "invalid IPv4 address"},
	    {BASE "tftp:\n  multicast_group: ''\n", 6, 20, "invalid IPv4 address ''"},
	    {BASE "tftp:\n  mtftp_group: 198.18.0.1\n", 6, 16,
	     "tftp.mtftp_group: 198.18.0.1 is not a multicast group"},
	    {BASE "tftp:\n  mtftp_group: 224.0.0.5\n", 6, 16,
	     "tftp.mtftp_group: 224.0.0.5 is not a multicast group"},
	    /* Ranges. */
	    {BASE "tftp:\n  multicast_port: 0\n", 6, 19,
	     "tftp.multicast_port: 0 is out of range 1..65535"},
	    {BASE "tftp:\n  multicast_streams: 257\n", 6, 22,
	     "tftp.multicast_streams: 257 is out of range 0..256"},
	    {BASE "tftp:\n  multicast_clients: 0\n", 6, 22,
	     "tftp.multicast_clients: 0 is out of range 1..65535"},
	    {BASE "tftp:\n  multicast_window: 65\n", 6, 21,
	     "tftp.multicast_window: 65 is out of range 1..64"},
	    {BASE "tftp:\n  mtftp_port: 65536\n", 6, 15,
	     "tftp.mtftp_port: 65536 is out of range 1..65535"},
	    {BASE "tftp:\n  mtftp_client_port: 0\n", 6, 22,
	     "tftp.mtftp_client_port: 0 is out of range 1..65535"},
	    {BASE "tftp:\n  mtftp_open_timeout: 0\n", 6, 23,
	     "tftp.mtftp_open_timeout: 0 is out of range 1..255"},
	    {BASE "tftp:\n  mtftp_reopen_delay: 256\n", 6, 23,
	     "tftp.mtftp_reopen_delay: 256 is out of range 1..255"},
	    {BASE "tftp:\n  multicast_window: many\n", 6, 21,
	     "tftp.multicast_window: expected an integer, got 'many'"},
	    /* The MTFTP port inside the session ports: at mtftp_port when
	     * given, else at session_ports. */
	    {BASE "tftp:\n  mtftp_group: 239.255.70.1\n  mtftp_port: 62000\n", 7, 15,
	     "tftp.session_ports: 61000-65535 contains tftp.mtftp_port 62000"},
	    {BASE "tftp:\n  mtftp_group: 239.255.70.1\n  session_ports: 1700-1800\n", 7, 18,
	     "tftp.session_ports: 1700-1800 contains tftp.mtftp_port 1759"},
	    /* The MTFTP port is the TFTP port: at mtftp_port, else at the section. */
	    {BASE "tftp:\n  port: 1069\n  mtftp_group: 239.255.70.1\n  mtftp_port: 1069\n", 8, 15,
	     "tftp.mtftp_port 1069 is also tftp.port"},
	    {BASE "tftp:\n  port: 1759\n  mtftp_group: 239.255.70.1\n", 5, 1,
	     "tftp.mtftp_port 1759 is also tftp.port"},
	    /* The MTFTP group among the RFC 2090 ones (multicast_group + 0..streams-1). */
	    {BASE "tftp:\n  mtftp_group: 239.255.69.1\n", 6, 16,
	     "tftp.mtftp_group is one of the 16 RFC 2090 groups from tftp.multicast_group"},
	    {BASE "tftp:\n  mtftp_group: 239.255.69.16\n", 6, 16,
	     "is one of the 16 RFC 2090 groups"},
	    {BASE "tftp:\n  multicast_group: 239.1.2.250\n  multicast_streams: 10\n"
		  "  mtftp_group: 239.1.3.3\n",
	     8, 16, "tftp.mtftp_group is one of the 10 RFC 2090 groups"},
	    /* The RFC 2090 groups must all be multicast groups. */
	    {BASE "tftp:\n  multicast_group: 239.255.255.250\n", 6, 20,
	     "tftp.multicast_group: 16 streams from here run past 239.255.255.255"},
	    /* Keys are checked as they come; the whole-file checks after. */
	    {BASE "tftp:\n  mtftp_group: 239.255.69.1\n  multicast_group: 10.1.1.1\n", 7, 20,
	     "tftp.multicast_group: 10.1.1.1 is not a multicast group"},
	};

	(void)state;
	EXPECT_ERRORS(bad);
}

/*
 * Option 43 for PXE firmware from the config (dhcp_ctl_dp_config):
 * discovery control 8 alone, or the MTFTP suboptions 1-5 before it when
 * tftp.mtftp_group is set.
 */
static void
test_tftp_mtftp_option43(void **state)
{
	static const uint8_t plain[] = {6, 1, 8, 255};
	static const uint8_t dflt[] = {1,    4,	   239, 255, 70, 1, 2, 2, 0x06, 0xde, 3, 2,
				       0x06, 0xdf, 4,	1,   2,	 5, 1, 2, 6,	1,    8, 255};
	static const uint8_t custom[] = {1,    4,    239, 1, 2,	  3, 2, 2, 0x0f, 0xb0, 3, 2,
					 0x0f, 0xaf, 4,	  1, 255, 5, 1, 9, 6,	 1,    8, 255};
	struct rb_dhcp_dp_config *dp = calloc(1, sizeof(*dp));
	struct rb_config c;

	(void)state;
	assert_non_null(dp);
	expect_ok(BASE, &c);
	dhcp_ctl_dp_config(&c, dp);
	assert_int_equal(dp->pxe_vendor_len, sizeof(plain));
	assert_memory_equal(dp->pxe_vendor, plain, sizeof(plain));
	rb_config_free(&c);

	expect_ok(BASE "tftp:\n  mtftp_group: 239.255.70.1\n", &c);
	dhcp_ctl_dp_config(&c, dp);
	assert_int_equal(dp->pxe_vendor_len, sizeof(dflt));
	assert_memory_equal(dp->pxe_vendor, dflt, sizeof(dflt));
	rb_config_free(&c);

	expect_ok(BASE "tftp:\n  mtftp_group: 239.1.2.3\n  mtftp_port: 4015\n"
		       "  mtftp_client_port: 4016\n  mtftp_open_timeout: 255\n"
		       "  mtftp_reopen_delay: 9\n",
		  &c);
	dhcp_ctl_dp_config(&c, dp);
	assert_int_equal(dp->pxe_vendor_len, sizeof(custom));
	assert_true(dp->pxe_vendor_len <= sizeof(dp->pxe_vendor));
	assert_memory_equal(dp->pxe_vendor, custom, sizeof(custom));
	rb_config_free(&c);
	free(dp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_minimal_gets_defaults),
	    cmocka_unit_test(test_full_valid),
	    cmocka_unit_test(test_modes),
	    cmocka_unit_test(test_bad_prefix),
	    cmocka_unit_test(test_bad_address),
	    cmocka_unit_test(test_unknown_names),
	    cmocka_unit_test(test_wrong_kind),
	    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_integers),
	    cmocka_unit_test(test_bad_names),
	    cmocka_unit_test(test_missing_required),
	    cmocka_unit_test(test_exception_xdp_needs_af_xdp),
	    cmocka_unit_test(test_session_ports),
	    cmocka_unit_test(test_tftp_multicast_defaults),
	    cmocka_unit_test(test_tftp_multicast_full),
	    cmocka_unit_test(test_tftp_multicast_errors),
	    cmocka_unit_test(test_tftp_mtftp_option43),
	    cmocka_unit_test(test_yaml_syntax),
	    cmocka_unit_test(test_dirs),
	    cmocka_unit_test(test_tftp_mounts),
	    cmocka_unit_test(test_load_relative_root),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_cfg_untouched_on_error),
	    cmocka_unit_test(test_error_format),
	    cmocka_unit_test(test_dhcp_full_server),
	    cmocka_unit_test(test_dhcp_modes),
	    cmocka_unit_test(test_dhcp_top_values),
	    cmocka_unit_test(test_dhcp_subnets),
	    cmocka_unit_test(test_dhcp_reservations),
	    cmocka_unit_test(test_dhcp_many_reservations),
	    cmocka_unit_test(test_dhcp_boot),
	    cmocka_unit_test(test_dhcp_database_path),
	    cmocka_unit_test(test_dhcp_pool_order),
	    cmocka_unit_test(test_ipv6_ra),
	    cmocka_unit_test(test_server_user),
	    cmocka_unit_test(test_lifecycle),
	    cmocka_unit_test(test_api_section),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
