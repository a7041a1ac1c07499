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

/* A temporary tree shared by the tests that need real directories:
 *   TMP/repo/  TMP/tftp/  TMP/conf/  TMP/afile */
static char tmpdir[PATH_MAX];

/* The minimum a config needs, for tests that vary one thing after it. */
#define BASE "server:\n  address: 198.18.0.1/24\nport:\n  interface: rb-srv0\n"

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
	static const char *const names[] = { "conf/rackboot.yaml", "conf/bad.yaml", "afile",
					     "conf", "repo", "tftp", "" };
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
		fail_msg("rc %d at %u:%u '%s'; wanted -EINVAL at %u:%u containing '%s'", rc,
			 err.line, err.column, err.message, line, col, want);
	assert_string_equal(err.file, "test.yaml");
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
	assert_string_equal(c.tftp_root, "/var/lib/rackboot/tftp");
	assert_int_equal(c.tftp_port, 69);
	assert_int_equal(c.session_port_lo, 61000);
	assert_int_equal(c.session_port_hi, 65535);
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

static void
test_bad_prefix(void **state)
{
	(void)state;
	expect_error("server:\n  address: 198.18.0.1/33\n", 2, 12,
		     "server.address: prefix length 33 out of range 1..32");
	expect_error("server:\n  address: 198.18.0.1/0\n", 2, 12, "prefix length 0 out of range");
	expect_error("server:\n  address: \"198.18.0.1/x\"\n", 2, 12,
		     "expected a prefix length after '/', got 'x'");
	expect_error("server:\n  address: 198.18.0.1\n", 2, 12, "expected ADDR/PREFIX");
}

static void
test_bad_address(void **state)
{
	(void)state;
	expect_error("server:\n  address: 198.18.0/24\n", 2, 12,
		     "server.address: invalid IPv4 address '198.18.0'");
	expect_error("server:\n  address: 198.18.0.256/24\n", 2, 12, "invalid IPv4 address");
	expect_error("server:\n  address: rackboot.example/24\n", 2, 12, "invalid IPv4 address");
	expect_error("server:\n  address: 198.18.0.0/24\n", 2, 12,
		     "198.18.0.0 is the network address");
	expect_error("server:\n  address: 198.18.0.255/24\n", 2, 12,
		     "198.18.0.255 is the broadcast address");
	expect_error("server:\n  address: 0.0.0.0/8\n", 2, 12, "not a unicast host address");
	expect_error("server:\n  address: 224.0.0.5/24\n", 2, 12, "not a unicast host address");
	expect_error("server:\n  address: 255.255.255.255/32\n", 2, 12,
		     "not a unicast host address");
}

static void
test_unknown_names(void **state)
{
	(void)state;
	expect_error(BASE "  foo: 1\n", 5, 3, "unknown key 'foo' in section 'port'");
	expect_error(BASE "dhcp:\n  range: x\n", 5, 1, "unknown section 'dhcp'");
	/* Keys are case-sensitive: a near miss is still a typo. */
	expect_error("server:\n  Address: 198.18.0.1/24\n", 2, 3, "unknown key 'Address'");
}

static void
test_wrong_kind(void **state)
{
	(void)state;
	expect_error("- server\n- port\n", 1, 1, "top level must be a mapping");
	expect_error("just words\n", 1, 1, "top level must be a mapping");
	expect_error("server: [198.18.0.1/24]\n", 1, 9,
		     "section 'server' must be a mapping of keys, got a list");
	expect_error("server: '198.18.0.1/24'\n", 1, 9, "must be a mapping of keys");
	expect_error(BASE "  mode:\n    af_xdp: 1\n", 6, 5,
		     "port.mode: expected a single value, got a mapping");
	expect_error(BASE "dataplane:\n  lcores: [0, 1]\n", 6, 11,
		     "dataplane.lcores: expected a single value, got a list");
	expect_error("server:\n  ? [a]\n  : b\n", 2, 5, "expected a single value");
}

static void
test_duplicates(void **state)
{
	(void)state;
	expect_error(BASE "  interface: rb-srv1\n", 5, 3,
		     "duplicate key 'interface' in section 'port'");
	expect_error(BASE "server:\n  mtu: 1500\n", 5, 1, "duplicate section 'server'");
}

static void
test_integers(void **state)
{
	struct rb_config c;

	(void)state;
	expect_error(BASE "dataplane:\n  memory_mb: 10\n", 6, 14,
		     "dataplane.memory_mb: 10 is out of range 64..65536");
	expect_error(BASE "dataplane:\n  mbufs: lots\n", 6, 10,
		     "dataplane.mbufs: expected an integer, got 'lots'");
	expect_error(BASE "dataplane:\n  mbufs: 1048577\n", 6, 10, "out of range 1024..1048576");
	expect_error(BASE "dataplane:\n  idle_sleep_us: 100001\n", 6, 18, "out of range 0..100000");
	expect_error("server:\n  mtu: 575\n", 2, 8, "server.mtu: 575 is out of range 576..9000");
	expect_error(BASE "  queues: 0\n", 5, 11, "port.queues: 0 is out of range 1..16");
	expect_error(BASE "http:\n  port: 65536\n", 6, 9, "http.port: 65536 is out of range");
	expect_error(BASE "http:\n  threads: 99999999999999999999999\n", 6, 12,
		     "99999999999999999999999 is out of range 0..64");
	expect_error(BASE "http:\n  port: -80\n", 6, 9, "expected an integer, got '-80'");
	expect_error(BASE "http:\n  port: +80\n", 6, 9, "expected an integer, got '+80'");
	expect_error(BASE "http:\n  port: 0x50\n", 6, 9, "expected an integer, got '0x50'");
	expect_error(BASE "http:\n  port: 8e1\n", 6, 9, "expected an integer, got '8e1'");
	expect_error(BASE "http:\n  port: \"80 \"\n", 6, 9, "expected an integer, got '80 '");
	expect_error(BASE "http:\n  port:\n", 6, 8, "expected an integer, got ''");
	/* Decimal only: a leading zero does not make it octal. */
	expect_ok(BASE "http:\n  threads: 010\n", &c);
	assert_int_equal(c.http_threads, 10);
}

static void
test_bad_names(void **state)
{
	(void)state;
	expect_error("server:\n  address: 198.18.0.1/24\nport:\n  interface: eth0/1\n", 4, 14,
		     "port.interface: 'eth0/1' is not a valid interface name");
	expect_error("port:\n  interface: abcdefghijklmnop\n", 2, 14,
		     "interface name 'abcdefghijklmnop' must be 1..15 characters");
	expect_error("port:\n  interface: ''\n", 2, 14, "must be 1..15 characters");
	expect_error("port:\n  interface: ..\n", 2, 14, "not a valid interface name");
	expect_error("port:\n  tap_name: tap 0\n", 2, 13, "port.tap_name: 'tap 0' is not a valid");
	expect_error("port:\n  pci: 03:00\n", 2, 8, "port.pci: expected a PCI address");
	expect_error("port:\n  pci: 0000:03:20.0\n", 2, 8, "expected a PCI address");
	expect_error("port:\n  pci: 0000:03:00.8\n", 2, 8, "expected a PCI address");
	expect_error("port:\n  pci: 0000:03:0x.1\n", 2, 8, "expected a PCI address");
	expect_error("port:\n  mode: dpdk\n", 2, 9,
		     "port.mode: expected af_xdp, af_packet or pci, got 'dpdk'");
	expect_error("port:\n  exception: kni\n", 2, 14, "expected auto, xdp, tap or none");
	expect_error("dataplane:\n  hugepages: maybe\n", 2, 14, "expected auto, on or off");
	expect_error("dataplane:\n  lcores: 0;1\n", 2, 11, "dataplane.lcores: expected a core");
	expect_error("dataplane:\n  lcores: ''\n", 2, 11, "expected a core list");
	expect_error("server:\n  address: \"198.18.0.1/24\\0x\"\n", 2, 12,
		     "server.address: contains a NUL byte");
}

static void
test_missing_required(void **state)
{
	(void)state;
	/* Pointed at the section that lacks it, else at the top. */
	expect_error("server:\n  mtu: 1500\nport:\n  interface: eth1\n", 1, 1,
		     "missing required key 'server.address'");
	expect_error("# comment\nport:\n  interface: eth1\n", 2, 1,
		     "missing required key 'server.address'");
	expect_error("port:\n  interface: eth1\nserver:\n  mtu: 1500\n", 3, 1,
		     "missing required key 'server.address'");
	expect_error("server:\n  address: 198.18.0.1/24\nport:\n  mode: af_packet\n", 3, 1,
		     "missing required key 'port.interface' (port.mode is af_packet)");
	expect_error("server:\n  address: 198.18.0.1/24\n", 1, 1,
		     "missing required key 'port.interface' (port.mode is af_xdp)");
	expect_error("server:\n  address: 198.18.0.1/24\nhttp: {}\nport:\n  mode: pci\n", 4, 1,
		     "missing required key 'port.pci'");
}

static void
test_exception_xdp_needs_af_xdp(void **state)
{
	(void)state;
	expect_error("server:\n  address: 198.18.0.1/24\n"
		     "port:\n  exception: xdp\n  mode: af_packet\n  interface: eth1\n",
		     4, 14, "port.exception: xdp needs port.mode af_xdp (port.mode is af_packet)");
	expect_error("server:\n  address: 198.18.0.1/24\n"
		     "port: {mode: pci, pci: 03:00.0, exception: xdp}\n",
		     3, 44, "xdp needs port.mode af_xdp");
}

static void
test_session_ports(void **state)
{
	struct rb_config c;

	(void)state;
	expect_error(BASE "tftp:\n  session_ports: 60-100\n", 6, 18,
		     "tftp.session_ports: 60-100 is out of range 1024..65535");
	expect_error(BASE "tftp:\n  port: 1069\n  session_ports: 1060-1080\n", 7, 18,
		     "tftp.session_ports: 1060-1080 contains tftp.port 1069");
	/* Without session_ports, the port that moved into the default range. */
	expect_error(BASE "tftp:\n  port: 62000\n", 6, 9,
		     "tftp.session_ports: 61000-65535 contains tftp.port 62000");
	expect_error(BASE "http:\n  port: 8080\ntftp:\n  session_ports: 8000-9000\n", 8, 18,
		     "8000-9000 contains http.port 8080");
	expect_error(BASE "tftp:\n  session_ports: 2000-1500\n", 6, 18,
		     "2000-1500 is empty");
	expect_error(BASE "tftp:\n  session_ports: 61000\n", 6, 18, "expected LOW-HIGH");
	expect_error(BASE "tftp:\n  session_ports: 61000-\n", 6, 18, "expected LOW-HIGH");
	expect_error(BASE "tftp:\n  session_ports: 61000-70000\n", 6, 18, "out of range");
	expect_ok(BASE "tftp:\n  session_ports: 1024-1024\n", &c);
	assert_int_equal(c.session_port_lo, 1024);
	assert_int_equal(c.session_port_hi, 1024);
}

static void
test_yaml_syntax(void **state)
{
	(void)state;
	expect_error("server:\n  address: 198.18.0.1/24\n mtu: 1500\n", 3, 2,
		     "did not find expected key");
	expect_error("server: {address: 198.18.0.1/24\n", 2, 1, "did not find expected");
	expect_error("server:\n  address: \"198.18.0.1/24\n", 3, 1,
		     "found unexpected end of stream");
	expect_error("server: *nope\n", 1, 9, "found undefined alias");
	/* Bad UTF-8 is found by libyaml's reader, which gives only an offset. */
	expect_error("server:\n  mtu: 15\xff\n", 2, 10, "invalid leading UTF-8 octet");
	expect_error("", 1, 1, "the configuration is empty");
	expect_error("# nothing but a comment\n", 1, 1, "the configuration is empty");
	expect_error(BASE "---\nserver: {}\n", 5, 1, "only one YAML document");
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
		BASE "---\n{}\n",              /* refused after everything else was fine */
		"server: {",
		"",
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
	struct rb_config_error err = { .file = "a.yaml", .line = 3, .column = 12 };
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
		cmocka_unit_test(test_yaml_syntax),
		cmocka_unit_test(test_dirs),
		cmocka_unit_test(test_load_relative_root),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_cfg_untouched_on_error),
		cmocka_unit_test(test_error_format),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
