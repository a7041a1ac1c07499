/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host lifecycle engine on a fake clock, in memory: every transition,
 * each timeout, retries, TFTP failures that count and the one that does
 * not, single-use tokens, all-or-nothing marking, the install set and its
 * counter, inventory reloads, the event ring and its waiters, the file
 * classifier, JSON and metrics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lc_fixture.h"

#define S 1000ull /* a second of the fake clock */

struct fix {
	struct inventory inv;
	struct lifecycle *lc;
	uint64_t now;
};

static int
setup_cfg(void **state, const struct lc_config *cfg)
{
	struct fix *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	fx_standard(&f->inv);
	f->lc = lc_create(cfg, NULL, err, sizeof(err));
	assert_non_null(f->lc);
	f->now = FX_T0;
	assert_int_equal(lc_set_inventory(f->lc, &f->inv, f->now), 0);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_cfg(state, NULL);
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	lc_destroy(f->lc);
	inv_free(&f->inv);
	free(f);
	return 0;
}

static void
feed(struct fix *f, struct rb_event ev)
{
	lc_on_events(f->lc, &ev, 1, f->now);
}

static void
expect_state(struct fix *f, const char *host, const char *state, const char *phase)
{
	const char *s = fx_field(f->lc, host, "state");

	if (strcmp(s, state) != 0)
		fail_msg("%s: state %s, want %s", host, s, state);
	s = fx_field(f->lc, host, "phase");
	if (strcmp(s, phase) != 0)
		fail_msg("%s: phase '%s', want '%s'", host, s, phase);
}

static void
expect_has(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("'%s' not in '%s'", needle, haystack);
}

static char *
token_of(struct fix *f, unsigned host)
{
	static char tok[LC_TOKEN_LEN + 1];
	uint8_t mac[6];

	fx_mac(mac, host);
	assert_non_null(lc_token(f->lc, mac, tok));
	return tok;
}

static bool
boots_install(struct fix *f, unsigned host)
{
	uint8_t mac[6];

	fx_mac(mac, host);
	return lc_boots_install(f->lc, mac);
}

static void
test_starts_ready(void **state)
{
	struct fix *f = *state;
	const char *names[] = {"n1", "n2", "n3", "n4", "n5", "n6"};
	char tok[LC_TOKEN_LEN + 1];
	uint8_t mac[6];

	for (size_t i = 0; i < 6; i++) {
		expect_state(f, names[i], "ready", "");
		assert_false(boots_install(f, (unsigned)i + 1));
	}
	fx_mac(mac, 1);
	assert_null(lc_token(f->lc, mac, tok));
	assert_int_equal(errno, ENOENT);
	fx_mac(mac, 99);
	assert_false(lc_boots_install(f->lc, mac));
	/* Profiles as resolved without an architecture: n5's group needs efi-x64. */
	assert_string_equal(fx_field(f->lc, "n1", "profile"), "debian");
	assert_string_equal(fx_field(f->lc, "n6", "profile"), "multi");
	assert_string_equal(fx_field(f->lc, "n5", "profile"), "");
}

static int
count_install(void *arg, const struct lc_install *h)
{
	char *names = arg;

	strcat(names, h->host->name);
	strcat(names, "=");
	strcat(names, h->profile->name);
	strcat(names, ";");
	assert_int_equal(strlen(h->token), LC_TOKEN_LEN);
	return 0;
}

static void
test_reinstall_marks(void **state)
{
	struct fix *f = *state;
	uint64_t gen = lc_install_gen(f->lc), last = lc_last_event_id(f->lc);
	char names[256] = "", tok[LC_TOKEN_LEN + 1];

	fx_reinstall(f->lc, "n1,n6", f->now, 2);
	expect_state(f, "n1", "reinstall-pending", "");
	expect_state(f, "n6", "reinstall-pending", "");
	assert_true(boots_install(f, 1));
	assert_true(boots_install(f, 6));
	assert_false(boots_install(f, 2));
	assert_true(lc_install_gen(f->lc) > gen);
	strcpy(tok, token_of(f, 1));
	assert_int_equal(strlen(tok), LC_TOKEN_LEN);
	assert_int_equal(strspn(tok, "0123456789abcdef"), LC_TOKEN_LEN);
	assert_string_not_equal(tok, token_of(f, 6));
	assert_int_equal(lc_each_install(f->lc, count_install, names), 0);
	assert_string_equal(names, "n1=debian;n6=multi;");
	assert_string_equal(fx_events(f->lc, last),
			    "state:reinstall requested|state:reinstall requested");
	assert_string_equal(fx_field(f->lc, "n1", "install"), "true");
}

static void
test_reinstall_all_or_nothing(void **state)
{
	struct fix *f = *state;
	uint64_t gen = lc_install_gen(f->lc), last = lc_last_event_id(f->lc);
	struct lc_selection sel;
	char err[256];

	assert_int_equal(lc_select(f->lc, "n1,n3", &sel, err, sizeof(err)), 2);
	assert_int_equal(lc_reinstall(f->lc, &sel, f->now, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "host n3: profile rescue does not install");
	lc_selection_free(&sel);
	expect_state(f, "n1", "ready", "");
	assert_int_equal(lc_install_gen(f->lc), gen);
	assert_int_equal(lc_last_event_id(f->lc), last);

	/* A localboot profile and no profile at all are refused the same way. */
	assert_int_equal(lc_select(f->lc, "n4", &sel, err, sizeof(err)), 1);
	assert_int_equal(lc_reinstall(f->lc, &sel, f->now, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "host n4: profile local does not install");
	lc_selection_free(&sel);
	assert_int_equal(lc_select(f->lc, "n5", &sel, err, sizeof(err)), 1);
	assert_int_equal(lc_reinstall(f->lc, &sel, f->now, err, sizeof(err)), -EINVAL);
	expect_has(err, "host n5: it boots no profile");
	lc_selection_free(&sel);

	/* A host gone from the inventory since it was selected. */
	sel.n = 1;
	sel.v = calloc(1, sizeof(*sel.v));
	assert_non_null(sel.v);
	fx_mac(sel.v[0].mac, 77);
	strcpy(sel.v[0].name, "gone");
	assert_int_equal(lc_reinstall(f->lc, &sel, f->now, err, sizeof(err)), -ENOENT);
	expect_has(err, "host gone (52:54:00:00:00:4d) is no longer in the inventory");
	lc_selection_free(&sel);
	assert_int_equal(lc_reinstall(f->lc, &sel, f->now, err, sizeof(err)), -EINVAL);
}

/* The whole way over TFTP and HTTP: BIOS PXE, pxelinux, an installer. */
static void
test_tftp_path(void **state)
{
	struct fix *f = *state;
	uint64_t gen, last;
	char tok[LC_TOKEN_LEN + 1];

	fx_reinstall(f->lc, "n1", f->now, 1);
	strcpy(tok, token_of(f, 1));
	gen = lc_install_gen(f->lc);
	last = lc_last_event_id(f->lc);

	f->now += S;
	feed(f, fx_dhcp(1, "198.18.0.21"));
	expect_state(f, "n1", "booting", "dhcp");
	assert_string_equal(fx_field(f->lc, "n1", "since"), "1700000001");

	f->now += S;
	feed(f, fx_tftp(1, RB_EV_TFTP_START, "pxelinux.0", 0, 42000, 0));
	expect_state(f, "n1", "booting", "loader");
	feed(f, fx_tftp(1, RB_EV_TFTP_DONE, "pxelinux.0", 42000, 42000, 0));
	feed(f, fx_tftp(1, RB_EV_TFTP_START, "ldlinux.c32", 0, 100, 0));
	feed(f, fx_tftp(1, RB_EV_TFTP_START, "pxelinux.cfg/01-52-54-00-00-00-01", 0, 100, 0));
	expect_state(f, "n1", "booting", "loader");
	assert_int_equal(fx_progress(f->lc, "n1", "bytes"), -1);

	f->now += S;
	feed(f, fx_tftp(1, RB_EV_TFTP_START, "debian/linux", 0, 8000000, 0));
	expect_state(f, "n1", "booting", "kernel");
	assert_string_equal(fx_field(f->lc, "n1", "since"), "1700000001");
	assert_int_equal(fx_progress(f->lc, "n1", "bytes"), 0);
	assert_int_equal(fx_progress(f->lc, "n1", "size"), 8000000);
	feed(f, fx_tftp(1, RB_EV_TFTP_PROGRESS, "debian/linux", 1048576, 8000000, 0));
	assert_int_equal(fx_progress(f->lc, "n1", "bytes"), 1048576);
	feed(f, fx_tftp(1, RB_EV_TFTP_DONE, "debian/linux", 8000000, 8000000, 0));
	assert_int_equal(fx_progress(f->lc, "n1", "bytes"), 8000000);

	f->now += S;
	feed(f, fx_tftp(1, RB_EV_TFTP_START, "debian/initrd.gz", 0, 30000000, 0));
	expect_state(f, "n1", "booting", "initrd");
	feed(f, fx_tftp(1, RB_EV_TFTP_DONE, "debian/initrd.gz", 30000000, 30000000, 0));
	assert_int_equal(fx_progress(f->lc, "n1", "bytes"), 30000000);
	assert_int_equal(fx_progress(f->lc, "n1", "size"), 30000000);

	/* The installer's kernel asks for an address again: nothing moves. */
	feed(f, fx_dhcp(1, "198.18.0.21"));
	expect_state(f, "n1", "booting", "initrd");

	f->now += 10 * S;
	lc_on_http(f->lc, fx_ip("198.18.0.21"), "/t/ks.cfg", 200, 1234, f->now);
	expect_state(f, "n1", "installing", "kickstart");
	assert_string_equal(fx_field(f->lc, "n1", "since"), "1700000014");
	lc_on_http(f->lc, fx_ip("198.18.0.21"), "/debian/pool/main/a.deb", 200, 5000, f->now);
	expect_state(f, "n1", "installing", "repository");
	lc_on_http(f->lc, fx_ip("198.18.0.21"), "/debian/pool/main/b.deb", 200, 3000, f->now);
	assert_int_equal(fx_progress(f->lc, "n1", "bytes"), 8000);
	assert_int_equal(fx_progress(f->lc, "n1", "size"), -1);
	/* A miss counts nothing. */
	lc_on_http(f->lc, fx_ip("198.18.0.21"), "/debian/pool/main/c.deb", 404, 100, f->now);
	assert_int_equal(fx_progress(f->lc, "n1", "bytes"), 8000);
	assert_int_equal(lc_install_gen(f->lc), gen);
	assert_true(boots_install(f, 1));

	f->now += 100 * S;
	assert_int_equal(lc_callback(f->lc, tok, true, NULL, f->now), 0);
	expect_state(f, "n1", "installed", "");
	assert_false(boots_install(f, 1));
	assert_true(lc_install_gen(f->lc) > gen);
	assert_string_equal(fx_field(f->lc, "n1", "progress"), "");

	f->now += 30 * S;
	feed(f, fx_dhcp(1, "198.18.0.21"));
	expect_state(f, "n1", "local-boot", "");
	/* Only what moved, with DHCP, file and callback events between. */
	assert_string_equal(
	    fx_events(f->lc, last),
	    "dhcp:198.18.0.21, arch 7|state:dhcp 198.18.0.21|state:pxelinux.0|"
	    "file:tftp pxelinux.0: done, 42000 bytes|state:debian/linux|"
	    "file:tftp debian/linux: done, 8000000 bytes|state:debian/initrd.gz|"
	    "file:tftp debian/initrd.gz: done, 30000000 bytes|dhcp:198.18.0.21, arch 7|"
	    "file:http /t/ks.cfg: 200, 1234 bytes|state:/t/ks.cfg|"
	    "state:/debian/pool/main/a.deb|callback:the installer reports success|"
	    "state:installed|dhcp:198.18.0.21, arch 7|"
	    "state:dhcp 198.18.0.21: boots its local disk");
}

/* iPXE over HTTP, a pool address, a profile from a group, two initrds. */
static void
test_http_path(void **state)
{
	struct fix *f = *state;
	uint32_t ip = fx_ip("198.18.1.6");

	fx_reinstall(f->lc, "n6", f->now, 1);
	/* Unknown address: nothing happens. */
	lc_on_http(f->lc, ip, "/boot/boot.ipxe", 200, 300, f->now);
	expect_state(f, "n6", "reinstall-pending", "");

	feed(f, fx_dhcp(6, "198.18.1.6"));
	expect_state(f, "n6", "booting", "dhcp");
	assert_string_equal(fx_field(f->lc, "n6", "ip"), "198.18.1.6");
	lc_on_http(f->lc, ip, "/boot/boot.ipxe", 200, 300, f->now);
	expect_state(f, "n6", "booting", "loader");
	lc_on_http(f->lc, ip, "/boot/ipxe/52-54-00-00-00-06.ipxe", 200, 300, f->now);
	expect_state(f, "n6", "booting", "loader");
	lc_on_http(f->lc, ip, "/boot/d12/vmlinuz", 200, 7000000, f->now);
	expect_state(f, "n6", "booting", "kernel");
	assert_int_equal(fx_progress(f->lc, "n6", "bytes"), 7000000);
	assert_int_equal(fx_progress(f->lc, "n6", "size"), 7000000);
	lc_on_http(f->lc, ip, "/boot/d12/initrd.img", 200, 20000000, f->now);
	expect_state(f, "n6", "booting", "initrd");
	/* One of two initrds known: the total is not. */
	assert_int_equal(fx_progress(f->lc, "n6", "bytes"), 20000000);
	assert_int_equal(fx_progress(f->lc, "n6", "size"), -1);
	lc_on_http(f->lc, ip, "/boot/d12/firmware.cpio.gz", 200, 1000000, f->now);
	assert_int_equal(fx_progress(f->lc, "n6", "bytes"), 21000000);
	assert_int_equal(fx_progress(f->lc, "n6", "size"), 21000000);
	/* No template: the first other GET after the initrds is the installer. */
	lc_on_http(f->lc, ip, "/debian/dists/bookworm/Release", 200, 4000, f->now);
	expect_state(f, "n6", "installing", "repository");
	assert_int_equal(fx_progress(f->lc, "n6", "bytes"), 4000);
	/* A template later does not send it back. */
	lc_on_http(f->lc, ip, "/t/late.sh", 200, 10, f->now);
	expect_state(f, "n6", "installing", "repository");
}

/* A GET before the initrd is not the installer; a lease moves with DHCP. */
static void
test_http_before_initrd(void **state)
{
	struct fix *f = *state;

	fx_reinstall(f->lc, "n2", f->now, 1);
	feed(f, fx_dhcp(2, "198.18.1.2"));
	lc_on_http(f->lc, fx_ip("198.18.1.2"), "/debian/whatever", 200, 10, f->now);
	expect_state(f, "n2", "booting", "dhcp");
	feed(f, fx_dhcp(2, "198.18.1.3"));
	lc_on_http(f->lc, fx_ip("198.18.1.2"), "/boot/debian/linux", 200, 10, f->now);
	expect_state(f, "n2", "booting", "dhcp");
	lc_on_http(f->lc, fx_ip("198.18.1.3"), "/boot/debian/linux", 200, 10, f->now);
	expect_state(f, "n2", "booting", "kernel");
	/* A lease on a configured address never takes it from its host. */
	feed(f, fx_dhcp(2, "198.18.0.21"));
	lc_on_http(f->lc, fx_ip("198.18.0.21"), "/boot/debian/initrd.gz", 200, 10, f->now);
	expect_state(f, "n2", "booting", "kernel");
	/* lc_note_lease: the same mapping without an event. */
	lc_note_lease(f->lc, (const uint8_t[]){0x52, 0x54, 0, 0, 0, 2}, fx_ip("198.18.1.9"));
	lc_on_http(f->lc, fx_ip("198.18.1.9"), "/boot/debian/initrd.gz", 200, 10, f->now);
	expect_state(f, "n2", "booting", "initrd");
}

static void
test_pending_file_without_dhcp(void **state)
{
	struct fix *f = *state;

	/* The DHCP event was lost (the dataplane's ring was full). */
	fx_reinstall(f->lc, "n1", f->now, 1);
	feed(f, fx_tftp(1, RB_EV_TFTP_START, "grubx64.efi", 0, 100, 0));
	expect_state(f, "n1", "booting", "loader");
}

static void
test_ready_and_local_boot_dhcp(void **state)
{
	struct fix *f = *state;
	uint64_t last = lc_last_event_id(f->lc);

	feed(f, fx_dhcp(1, "198.18.0.21"));
	expect_state(f, "n1", "ready", "");
	feed(f, fx_tftp(1, RB_EV_TFTP_DONE, "pxelinux.0", 10, 10, 0));
	expect_state(f, "n1", "ready", "");
	assert_string_equal(fx_events(f->lc, last),
			    "dhcp:198.18.0.21, arch 7|file:tftp pxelinux.0: done, 10 bytes");
	/* An unknown MAC is ignored. */
	feed(f, fx_dhcp(77, "198.18.1.77"));
	assert_int_equal(lc_last_event_id(f->lc), last + 2);
}

static void
go_booting(struct fix *f, unsigned host, const char *name, const char *ip)
{
	char sel[16];

	snprintf(sel, sizeof(sel), "%s", name);
	fx_reinstall(f->lc, sel, f->now, 1);
	feed(f, fx_dhcp(host, ip));
	expect_state(f, name, "booting", "dhcp");
}

static void
test_timeout_booting(void **state)
{
	struct fix *f = *state;
	uint64_t t;

	go_booting(f, 1, "n1", "198.18.0.21");
	t = f->now;
	feed(f, fx_tftp(1, RB_EV_TFTP_START, "debian/linux", 0, 100, 0));
	lc_tick(f->lc, t + 600 * S - 1);
	expect_state(f, "n1", "booting", "kernel");
	lc_tick(f->lc, t + 600 * S);
	expect_state(f, "n1", "failed", "");
	assert_string_equal(fx_field(f->lc, "n1", "reason"), "timeout in booting");
	expect_has(fx_events(f->lc, lc_last_event_id(f->lc) - 1),
		   "state:timeout in booting (in phase kernel)");
	/* Failed before it was installed: it still boots its installer. */
	assert_true(boots_install(f, 1));
}

static void
test_timeout_installing(void **state)
{
	struct fix *f = *state;
	uint64_t t;

	go_booting(f, 1, "n1", "198.18.0.21");
	/* 500 s of booting, then the installer: its own clock starts. */
	f->now += 500 * S;
	lc_on_http(f->lc, fx_ip("198.18.0.21"), "/t/ks.cfg", 200, 1, f->now);
	t = f->now;
	lc_tick(f->lc, t + 200 * S);
	expect_state(f, "n1", "installing", "kickstart");
	lc_tick(f->lc, t + 3600 * S - 1);
	expect_state(f, "n1", "installing", "kickstart");
	lc_tick(f->lc, t + 3600 * S);
	expect_state(f, "n1", "failed", "");
	assert_string_equal(fx_field(f->lc, "n1", "reason"), "timeout in installing");
}

static void
test_timeout_pending_default_none(void **state)
{
	struct fix *f = *state;

	fx_reinstall(f->lc, "n1", f->now, 1);
	lc_tick(f->lc, f->now + 365 * 86400 * S);
	expect_state(f, "n1", "reinstall-pending", "");
}

static int
setup_timeouts(void **state)
{
	struct lc_config c;

	lc_config_default(&c);
	c.timeout_pending_s = 60;
	c.timeout_booting_s = 0;
	return setup_cfg(state, &c);
}

static void
test_timeout_pending(void **state)
{
	struct fix *f = *state;

	fx_reinstall(f->lc, "n1", f->now, 1);
	lc_tick(f->lc, f->now + 59 * S);
	expect_state(f, "n1", "reinstall-pending", "");
	/* Marked again: the clock starts over. */
	f->now += 50 * S;
	fx_reinstall(f->lc, "n1", f->now, 1);
	lc_tick(f->lc, f->now + 59 * S);
	expect_state(f, "n1", "reinstall-pending", "");
	lc_tick(f->lc, f->now + 60 * S);
	expect_state(f, "n1", "failed", "");
	assert_string_equal(fx_field(f->lc, "n1", "reason"), "timeout in reinstall-pending");
	/* timeout_booting_s 0: booting forever is allowed. */
	go_booting(f, 2, "n2", "198.18.1.2");
	lc_tick(f->lc, f->now + 365 * 86400 * S);
	expect_state(f, "n2", "booting", "dhcp");
}

static void
test_retry_after_failure(void **state)
{
	struct fix *f = *state;
	char tok[LC_TOKEN_LEN + 1];

	go_booting(f, 1, "n1", "198.18.0.21");
	strcpy(tok, token_of(f, 1));
	f->now += 600 * S;
	lc_tick(f->lc, f->now);
	expect_state(f, "n1", "failed", "");
	f->now += 5 * S;
	feed(f, fx_dhcp(1, "198.18.0.21"));
	expect_state(f, "n1", "booting", "dhcp");
	assert_string_equal(fx_field(f->lc, "n1", "reason"), "");
	assert_string_equal(fx_field(f->lc, "n1", "since"), "1700000605");
	/* The same token completes the retry. */
	assert_string_equal(token_of(f, 1), tok);
	assert_int_equal(lc_callback(f->lc, tok, true, NULL, f->now), 0);
	expect_state(f, "n1", "installed", "");
}

static void
test_tftp_failures(void **state)
{
	struct fix *f = *state;
	const struct {
		enum rb_event_reason r;
		const char *want;
	} cases[] = {
	    {RB_EVR_TIMEOUT, "tftp: debian/linux timed out"},
	    {RB_EVR_EXPIRED, "tftp: debian/linux expired"},
	    {RB_EVR_EVICTED, "tftp: debian/linux dropped by the server"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		go_booting(f, 1, "n1", "198.18.0.21");
		/* EDK2's tsize probe ends with ERROR 8: recorded, no failure. */
		feed(f, fx_tftp(1, RB_EV_TFTP_FAIL, "pxelinux.0", 0, 42000, RB_EVR_CLIENT_ERROR));
		expect_state(f, "n1", "booting", "dhcp");
		expect_has(fx_events(f->lc, lc_last_event_id(f->lc) - 1),
			   "file:tftp pxelinux.0: ended by the client");
		/* A file that is not the host's boot chain fails nobody. */
		feed(f, fx_tftp(1, RB_EV_TFTP_FAIL, "other/file", 0, 10, RB_EVR_TIMEOUT));
		expect_state(f, "n1", "booting", "dhcp");
		feed(f, fx_tftp(1, RB_EV_TFTP_FAIL, "debian/linux", 512, 8000, cases[i].r));
		expect_state(f, "n1", "failed", "");
		assert_string_equal(fx_field(f->lc, "n1", "reason"), cases[i].want);
	}
	/* A ready host's failed transfer is an event only. */
	feed(f, fx_tftp(4, RB_EV_TFTP_FAIL, "pxelinux.0", 0, 10, RB_EVR_TIMEOUT));
	expect_state(f, "n4", "ready", "");
}

static void
test_token_single_use(void **state)
{
	struct fix *f = *state;
	char old[LC_TOKEN_LEN + 1], tok[LC_TOKEN_LEN + 1], buf[8192];
	uint64_t gen;

	fx_reinstall(f->lc, "n1", f->now, 1);
	strcpy(old, token_of(f, 1));
	gen = lc_install_gen(f->lc);
	/* Marking again: a new token; the old one is void. */
	fx_reinstall(f->lc, "n1", f->now, 1);
	strcpy(tok, token_of(f, 1));
	assert_string_not_equal(old, tok);
	assert_true(lc_install_gen(f->lc) > gen);
	assert_int_equal(lc_callback(f->lc, old, true, NULL, f->now), -EACCES);
	expect_state(f, "n1", "reinstall-pending", "");
	expect_has(fx_events(f->lc, lc_last_event_id(f->lc) - 1),
		   "callback:refused: an unknown, replaced or used token");
	assert_int_equal(lc_callback(f->lc, tok, true, NULL, f->now), 0);
	expect_state(f, "n1", "installed", "");
	/* Used. */
	assert_int_equal(lc_callback(f->lc, tok, true, NULL, f->now), -EACCES);
	assert_int_equal(lc_callback(f->lc, tok, false, "late", f->now), -EACCES);
	expect_state(f, "n1", "installed", "");
	/* Malformed ones never match. */
	assert_int_equal(lc_callback(f->lc, "", true, NULL, f->now), -EACCES);
	assert_int_equal(lc_callback(f->lc, NULL, true, NULL, f->now), -EACCES);
	tok[5] = 'G';
	assert_int_equal(lc_callback(f->lc, tok, true, NULL, f->now), -EACCES);
	lc_metrics(f->lc, buf, sizeof(buf));
	expect_has(buf, "\nrackboot_callback_refused_total 6\n");
}

static void
test_callback_failed(void **state)
{
	struct fix *f = *state;
	char tok[LC_TOKEN_LEN + 1];
	uint64_t gen;

	go_booting(f, 1, "n1", "198.18.0.21");
	lc_on_http(f->lc, fx_ip("198.18.0.21"), "/t/ks.cfg", 200, 1, f->now);
	strcpy(tok, token_of(f, 1));
	gen = lc_install_gen(f->lc);
	assert_int_equal(lc_callback(f->lc, tok, false, "no disk\nfound", f->now), 0);
	expect_state(f, "n1", "failed", "");
	assert_string_equal(fx_field(f->lc, "n1", "reason"), "installer: no disk?found");
	/* The token stays for the retry; the install set did not change. */
	assert_true(boots_install(f, 1));
	assert_int_equal(lc_install_gen(f->lc), gen);
	assert_int_equal(lc_callback(f->lc, tok, true, NULL, f->now), 0);
	expect_state(f, "n1", "installed", "");
}

static void
test_install_gen(void **state)
{
	struct fix *f = *state;
	uint64_t g0 = lc_install_gen(f->lc), g1;

	go_booting(f, 1, "n1", "198.18.0.21");
	g1 = lc_install_gen(f->lc);
	assert_true(g1 > g0);
	/* Phases and states within the set change nothing. */
	feed(f, fx_tftp(1, RB_EV_TFTP_START, "debian/linux", 0, 10, 0));
	lc_on_http(f->lc, fx_ip("198.18.0.21"), "/t/ks.cfg", 200, 1, f->now);
	lc_tick(f->lc, f->now + 3600 * S);
	expect_state(f, "n1", "failed", "");
	assert_int_equal(lc_install_gen(f->lc), g1);
	/* Leaving it does. */
	assert_int_equal(lc_callback(f->lc, token_of(f, 1), true, NULL, f->now), 0);
	assert_true(lc_install_gen(f->lc) > g1);
}

static void
test_inventory_reload(void **state)
{
	struct fix *f = *state;
	struct inventory inv2;
	uint64_t gen;
	char tok[LC_TOKEN_LEN + 1];

	fx_reinstall(f->lc, "n1,n2", f->now, 2);
	feed(f, fx_dhcp(2, "198.18.1.2"));
	strcpy(tok, token_of(f, 2));
	gen = lc_install_gen(f->lc);

	/* The same inventory again, rebuilt: states, tokens, leases stay. */
	fx_standard(&inv2);
	assert_int_equal(lc_set_inventory(f->lc, &inv2, f->now), 0);
	inv_free(&f->inv);
	f->inv = inv2;
	expect_state(f, "n2", "booting", "dhcp");
	assert_string_equal(token_of(f, 2), tok);
	assert_int_equal(lc_install_gen(f->lc), gen);
	lc_on_http(f->lc, fx_ip("198.18.1.2"), "/boot/debian/linux", 200, 1, f->now);
	expect_state(f, "n2", "booting", "kernel");

	/* A host is its MAC: renamed, it keeps its state. */
	fx_standard(&inv2);
	free(inv2.hosts[1].name);
	inv2.hosts[1].name = strdup("n2b");
	assert_int_equal(lc_set_inventory(f->lc, &inv2, f->now), 0);
	inv_free(&f->inv);
	f->inv = inv2;
	expect_state(f, "n2b", "booting", "kernel");
	expect_state(f, "n1", "reinstall-pending", "");
	assert_null(lc_host_json(f->lc, "n2", false));
}

static void
test_profile_stops_installing(void **state)
{
	struct fix *f = *state;
	struct inventory inv2;
	uint64_t gen, last;
	uint8_t mac[6];
	char tok[LC_TOKEN_LEN + 1];

	fx_reinstall(f->lc, "n1,n2", f->now, 2);
	strcpy(tok, token_of(f, 1));
	gen = lc_install_gen(f->lc);
	last = lc_last_event_id(f->lc);
	/* debian stops installing: both marked hosts go back to ready. */
	fx_standard(&inv2);
	inv2.profiles[0].install = false;
	assert_int_equal(lc_set_inventory(f->lc, &inv2, f->now), 0);
	inv_free(&f->inv);
	f->inv = inv2;
	expect_state(f, "n1", "ready", "");
	expect_state(f, "n2", "ready", "");
	assert_true(lc_install_gen(f->lc) > gen);
	fx_mac(mac, 1);
	assert_null(lc_token(f->lc, mac, tok));
	assert_int_equal(lc_callback(f->lc, tok, true, NULL, f->now), -EACCES);
	expect_has(fx_events(f->lc, last),
		   "state:profile 'debian' does not install: reinstall cancelled");
}

static void
test_inventory_add_remove(void **state)
{
	struct fix *f = *state;
	struct inventory small = {0};
	struct inv_profile *p;
	struct inv_host *h;
	struct inv_net net = {.net = fx_ip("198.18.0.0"), .mask = fx_ip("255.255.0.0")};
	char err[256];

	fx_reinstall(f->lc, "n6", f->now, 1);
	/* Only n6 (as host 'x', its own profile) and a new host n9. */
	p = inv_add_profile(&small);
	p->name = strdup("multi");
	p->kernel = strdup("d12/vmlinuz");
	p->install = true;
	h = inv_add_host(&small);
	h->name = strdup("x");
	fx_mac(h->mac, 6);
	h->profile = strdup("multi");
	h = inv_add_host(&small);
	h->name = strdup("n9");
	fx_mac(h->mac, 9);
	assert_int_equal(inv_finish(&small, &net, 1, err, sizeof(err)), 0);
	assert_int_equal(lc_set_inventory(f->lc, &small, f->now), 0);
	/* The old inventory can go now: nothing may point into it. */
	inv_free(&f->inv);
	f->inv = small;
	expect_state(f, "x", "reinstall-pending", "");
	expect_state(f, "n9", "ready", "");
	assert_null(lc_host_json(f->lc, "n1", false));
	assert_int_equal(errno, ENOENT);
	assert_true(boots_install(f, 6));
	assert_false(boots_install(f, 1));
	feed(f, fx_dhcp(6, "198.18.1.6"));
	feed(f, fx_tftp(6, RB_EV_TFTP_START, "d12/vmlinuz", 0, 10, 0));
	expect_state(f, "x", "booting", "kernel");
}

/* ---- The event ring and its waiters ---- */

static int
setup_small_ring(void **state)
{
	struct lc_config c;

	lc_config_default(&c);
	c.ring = 8;
	return setup_cfg(state, &c);
}

static int
stop_early(void *arg, const struct lc_event *ev)
{
	(void)ev;
	return ++*(int *)arg == 3;
}

static void
test_ring(void **state)
{
	struct fix *f = *state;
	uint64_t missed = 99;
	json_t *j;
	int calls = 0;

	assert_int_equal(lc_last_event_id(f->lc), 0);
	for (int i = 0; i < 12; i++)
		feed(f, fx_dhcp(1, "198.18.0.21"));
	assert_int_equal(lc_last_event_id(f->lc), 12);
	j = lc_events_json(f->lc, 0, 100, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "events")), 8);
	assert_int_equal(json_integer_value(json_object_get(j, "missed")), 4);
	assert_int_equal(json_integer_value(json_object_get(j, "last")), 12);
	assert_int_equal(json_integer_value(json_object_get(
			     json_array_get(json_object_get(j, "events"), 0), "id")),
			 5);
	json_decref(j);
	assert_int_equal(lc_events_since(f->lc, 10, 100, stop_early, &calls, &missed), 2);
	assert_int_equal(missed, 0);
	assert_int_equal(lc_events_since(f->lc, 0, 100, stop_early, &calls, NULL), 1);
	assert_int_equal(calls, 3);
	assert_int_equal(lc_events_since(f->lc, 12, 100, stop_early, &calls, NULL), 0);
}

struct waiter {
	struct lifecycle *lc;
	uint64_t since;
	int ret;
	double waited;
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
wait_thread(void *arg)
{
	struct waiter *w = arg;
	double t = mono();

	w->ret = lc_events_wait(w->lc, w->since, 10000);
	w->waited = mono() - t;
	return NULL;
}

static void
test_wait(void **state)
{
	struct fix *f = *state;
	struct waiter w = {.lc = f->lc};
	pthread_t th;
	double t;

	/* Nothing new: a short wait times out. */
	t = mono();
	assert_int_equal(lc_events_wait(f->lc, 0, 50), 0);
	assert_true(mono() - t >= 0.045);
	/* An event wakes a waiter at once. */
	w.since = lc_last_event_id(f->lc);
	assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
	usleep(50000);
	feed(f, fx_dhcp(1, "198.18.0.21"));
	pthread_join(th, NULL);
	assert_int_equal(w.ret, 1);
	assert_true(w.waited < 5.0);
	assert_int_equal(lc_events_wait(f->lc, 0, 0), 1);
	/* lc_stop wakes and refuses. */
	w.since = lc_last_event_id(f->lc);
	assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
	usleep(50000);
	lc_stop(f->lc);
	pthread_join(th, NULL);
	assert_int_equal(w.ret, -ECANCELED);
	assert_true(w.waited < 5.0);
	assert_int_equal(lc_events_wait(f->lc, 0, 1000), -ECANCELED);
}

/* ---- Classifier ---- */

static void
test_classify(void **state)
{
	struct fix *f = *state;
	const struct inv_profile *deb = &f->inv.profiles[0], *multi = &f->inv.profiles[1];
	const struct {
		const struct inv_profile *p;
		const char *name;
		enum lc_file_role want;
	} cases[] = {
	    {deb, "pxelinux.0", LC_FILE_LOADER},
	    {deb, "/lpxelinux.0", LC_FILE_LOADER},
	    {deb, "ldlinux.c32", LC_FILE_LOADER},
	    {deb, "menu.c32", LC_FILE_LOADER},
	    {deb, "efi64/syslinux.efi", LC_FILE_LOADER},
	    {deb, "efi64/ldlinux.e64", LC_FILE_LOADER},
	    {deb, "grubx64.efi", LC_FILE_LOADER},
	    {deb, "grubnetx64.efi", LC_FILE_LOADER},
	    {deb, "grubaa64.efi", LC_FILE_LOADER},
	    {deb, "shimx64.efi", LC_FILE_LOADER},
	    {deb, "EFI/BOOT/bootx64.efi", LC_FILE_LOADER},
	    {deb, "undionly.kpxe", LC_FILE_LOADER},
	    {deb, "/boot/ipxe.efi", LC_FILE_LOADER},
	    {deb, "snponly.efi", LC_FILE_LOADER},
	    {deb, "/boot/boot.ipxe", LC_FILE_LOADER},
	    {deb, "pxelinux.cfg/01-52-54-00-00-00-01", LC_FILE_LOADER},
	    {deb, "pxelinux.cfg/C612", LC_FILE_LOADER},
	    {deb, "efi64/pxelinux.cfg/default", LC_FILE_LOADER},
	    {deb, "grub/grub.cfg", LC_FILE_LOADER},
	    {deb, "/boot/grub/hosts/52:54:00:00:00:01.cfg", LC_FILE_LOADER},
	    {deb, "/boot/ipxe/52-54-00-00-00-01.ipxe", LC_FILE_LOADER},
	    {deb, "debian/linux", LC_FILE_KERNEL},
	    {deb, "/debian/linux", LC_FILE_KERNEL},
	    {deb, "::/debian/linux", LC_FILE_KERNEL},
	    {deb, "/boot/debian/linux", LC_FILE_KERNEL},
	    {deb, "linux", LC_FILE_KERNEL},
	    {deb, "debian/initrd.gz", LC_FILE_INITRD},
	    {deb, "/boot/debian/initrd.gz?x=1", LC_FILE_INITRD},
	    {deb, "debian/linux.sig", LC_FILE_OTHER},
	    {deb, "notdebian/linux2", LC_FILE_OTHER},
	    {deb, "xlinux", LC_FILE_OTHER},
	    {deb, "/t/ks.cfg", LC_FILE_TEMPLATE},
	    {deb, "/t/", LC_FILE_TEMPLATE},
	    {deb, "/debian/pool/main/a.deb", LC_FILE_OTHER},
	    {deb, "", LC_FILE_OTHER},
	    {multi, "/boot/d12/vmlinuz", LC_FILE_KERNEL},
	    {multi, "d12/vmlinuz", LC_FILE_KERNEL},
	    {multi, "/boot/d12/firmware.cpio.gz", LC_FILE_INITRD},
	    {multi, "debian/linux", LC_FILE_OTHER},
	    {NULL, "debian/linux", LC_FILE_OTHER},
	    {NULL, "pxelinux.0", LC_FILE_LOADER},
	    {NULL, NULL, LC_FILE_OTHER},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum lc_file_role r = lc_classify(cases[i].p, cases[i].name);

		if (r != cases[i].want)
			fail_msg("lc_classify(%s, %s) = %d, want %d",
				 cases[i].p ? cases[i].p->name : "NULL",
				 cases[i].name ? cases[i].name : "NULL", r, cases[i].want);
	}
}

/* ---- Views ---- */

static void
test_hosts_json(void **state)
{
	struct fix *f = *state;
	json_t *j, *h, *p;
	char err[256] = "";

	go_booting(f, 1, "n1", "198.18.0.21");
	feed(f, fx_tftp(1, RB_EV_TFTP_START, "debian/linux", 0, 1000, 0));
	lc_tick(f->lc, f->now + 7 * S);
	j = lc_hosts_json(f->lc, NULL, err, sizeof(err));
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "hosts")), 6);
	h = json_array_get(json_object_get(j, "hosts"), 0);
	assert_string_equal(json_string_value(json_object_get(h, "name")), "n1");
	assert_string_equal(json_string_value(json_object_get(h, "mac")), "52:54:00:00:00:01");
	assert_string_equal(json_string_value(json_object_get(h, "ip")), "198.18.0.21");
	assert_string_equal(json_string_value(json_object_get(h, "profile")), "debian");
	assert_string_equal(json_string_value(json_object_get(h, "state")), "booting");
	assert_string_equal(json_string_value(json_object_get(h, "phase")), "kernel");
	assert_int_equal(json_integer_value(json_object_get(h, "since")), FX_T0 / 1000);
	assert_int_equal(json_integer_value(json_object_get(h, "seconds_in_state")), 7);
	p = json_object_get(h, "progress");
	assert_string_equal(json_string_value(json_object_get(p, "file")), "debian/linux");
	assert_int_equal(json_integer_value(json_object_get(p, "bytes")), 0);
	assert_int_equal(json_integer_value(json_object_get(p, "size")), 1000);
	assert_true(json_is_null(json_object_get(h, "reason")));
	assert_true(json_is_true(json_object_get(h, "install")));
	assert_int_equal(json_object_size(h), 11);
	h = json_array_get(json_object_get(j, "hosts"), 4);
	assert_string_equal(json_string_value(json_object_get(h, "name")), "n5");
	assert_true(json_is_null(json_object_get(h, "profile")));
	assert_true(json_is_null(json_object_get(h, "phase")));
	assert_true(json_is_null(json_object_get(h, "progress")));
	assert_true(json_is_false(json_object_get(h, "install")));
	h = json_array_get(json_object_get(j, "hosts"), 5);
	assert_true(json_is_null(json_object_get(h, "ip")));
	json_decref(j);

	j = lc_hosts_json(f->lc, "state:booting,n4", err, sizeof(err));
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "hosts")), 2);
	json_decref(j);
	assert_null(lc_hosts_json(f->lc, "nope", err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "no host named 'nope'");

	/* Without a store, a host's events come from memory, newest last. */
	j = lc_host_json(f->lc, "n1", true);
	assert_non_null(j);
	h = json_object_get(j, "events");
	assert_int_equal(json_array_size(h), 4);
	p = json_array_get(h, 3);
	assert_int_equal(json_integer_value(json_object_get(p, "id")), lc_last_event_id(f->lc));
	assert_string_equal(json_string_value(json_object_get(p, "host")), "n1");
	assert_string_equal(json_string_value(json_object_get(p, "mac")), "52:54:00:00:00:01");
	assert_string_equal(json_string_value(json_object_get(p, "kind")), "state");
	assert_string_equal(json_string_value(json_object_get(p, "from")), "booting");
	assert_string_equal(json_string_value(json_object_get(p, "to")), "booting");
	assert_string_equal(json_string_value(json_object_get(p, "phase")), "kernel");
	assert_string_equal(json_string_value(json_object_get(p, "detail")), "debian/linux");
	assert_int_equal(json_integer_value(json_object_get(p, "time_ms")), f->now);
	p = json_array_get(h, 1);
	assert_string_equal(json_string_value(json_object_get(p, "kind")), "dhcp");
	assert_true(json_is_null(json_object_get(p, "from")));
	json_decref(j);
}

static void
test_summary_json(void **state)
{
	struct fix *f = *state;
	json_t *j, *o;

	go_booting(f, 1, "n1", "198.18.0.21");
	go_booting(f, 2, "n2", "198.18.1.2");
	fx_reinstall(f->lc, "n6", f->now, 1);
	feed(f, fx_tftp(1, RB_EV_TFTP_START, "debian/linux", 0, 10000000, 0));
	f->now += 1 * S;
	feed(f, fx_tftp(1, RB_EV_TFTP_PROGRESS, "debian/linux", 5000000, 10000000, 0));
	lc_callback(f->lc, token_of(f, 2), false, "bad disk", f->now);

	/* 5 MB in the window of the last 4 whole seconds plus this one's 0 ms. */
	j = lc_summary_json(f->lc, f->now + 1 * S);
	assert_non_null(j);
	o = json_object_get(j, "hosts");
	assert_int_equal(json_object_size(o), 8);
	assert_int_equal(json_integer_value(json_object_get(o, "booting")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "failed")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "reinstall-pending")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "ready")), 3);
	assert_int_equal(json_integer_value(json_object_get(o, "installed")), 0);
	o = json_object_get(j, "phases");
	assert_int_equal(json_object_size(o), 6);
	assert_int_equal(json_integer_value(json_object_get(o, "kernel")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "dhcp")), 0);
	o = json_object_get(j, "failures");
	assert_int_equal(json_integer_value(json_object_get(o, "installer")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "tftp")), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "rate_bps")), 1250000);
	/* n6 (profile multi, pending) has nothing to estimate with yet: no
	 * host of its profile fetched anything. */
	assert_true(json_is_null(json_object_get(j, "remaining_bytes")));
	assert_true(json_is_null(json_object_get(j, "eta_s")));
	json_decref(j);

	/* Without n6: n1's 5 MB left of its kernel, plus its initrd, whose size
	 * nobody knows yet (counted as 0 until learned). */
	lc_callback(f->lc, token_of(f, 6), true, NULL, f->now);
	j = lc_summary_json(f->lc, f->now + 1 * S);
	assert_int_equal(json_integer_value(json_object_get(j, "remaining_bytes")), 5000000);
	assert_true(json_real_value(json_object_get(j, "eta_s")) > 3.99 &&
		    json_real_value(json_object_get(j, "eta_s")) < 4.01);
	json_decref(j);

	/* n1 finishes its kernel and starts its 2 MB initrd; n2 is marked
	 * again and boots: its kernel and initrd are estimated from n1's. */
	feed(f, fx_tftp(1, RB_EV_TFTP_DONE, "debian/linux", 10000000, 10000000, 0));
	feed(f, fx_tftp(1, RB_EV_TFTP_START, "debian/initrd.gz", 0, 2000000, 0));
	feed(f, fx_tftp(1, RB_EV_TFTP_PROGRESS, "debian/initrd.gz", 500000, 2000000, 0));
	fx_reinstall(f->lc, "n2", f->now, 1);
	j = lc_summary_json(f->lc, f->now + 1 * S);
	assert_int_equal(json_integer_value(json_object_get(j, "remaining_bytes")),
			 1500000 + 10000000 + 2000000);
	json_decref(j);

	/* A minute later nothing moves: no rate, no ETA. */
	j = lc_summary_json(f->lc, f->now + 60 * S);
	assert_int_equal(json_integer_value(json_object_get(j, "rate_bps")), 0);
	assert_true(json_is_null(json_object_get(j, "eta_s")));
	json_decref(j);
}

static void
test_metrics(void **state)
{
	struct fix *f = *state;
	char buf[16384];
	size_t len;

	go_booting(f, 1, "n1", "198.18.0.21");
	f->now += 3 * S;
	feed(f, fx_tftp(1, RB_EV_TFTP_START, "pxelinux.0", 0, 10, 0));
	f->now += 45 * S;
	feed(f, fx_tftp(1, RB_EV_TFTP_FAIL, "pxelinux.0", 0, 10, RB_EVR_TIMEOUT));
	go_booting(f, 2, "n2", "198.18.1.2");
	lc_tick(f->lc, f->now + 600 * S);
	len = lc_metrics(f->lc, buf, sizeof(buf));
	assert_int_equal(len, strlen(buf));
	expect_has(buf, "# TYPE rackboot_hosts gauge\n");
	expect_has(buf, "rackboot_hosts{state=\"failed\"} 2\n");
	expect_has(buf, "rackboot_hosts{state=\"ready\"} 4\n");
	expect_has(buf, "rackboot_hosts{state=\"installing\"} 0\n");
	expect_has(buf, "rackboot_hosts{state=\"unknown\"} 0\n");
	expect_has(buf, "# TYPE rackboot_phase_seconds histogram\n");
	/* n1: 3 s in dhcp, 45 s in loader; n2: 600 s in dhcp. */
	expect_has(buf, "rackboot_phase_seconds_bucket{phase=\"dhcp\",le=\"1\"} 0\n");
	expect_has(buf, "rackboot_phase_seconds_bucket{phase=\"dhcp\",le=\"5\"} 1\n");
	expect_has(buf, "rackboot_phase_seconds_bucket{phase=\"dhcp\",le=\"300\"} 1\n");
	expect_has(buf, "rackboot_phase_seconds_bucket{phase=\"dhcp\",le=\"600\"} 2\n");
	expect_has(buf, "rackboot_phase_seconds_bucket{phase=\"dhcp\",le=\"+Inf\"} 2\n");
	expect_has(buf, "rackboot_phase_seconds_sum{phase=\"dhcp\"} 603.000\n");
	expect_has(buf, "rackboot_phase_seconds_count{phase=\"dhcp\"} 2\n");
	expect_has(buf, "rackboot_phase_seconds_bucket{phase=\"loader\",le=\"30\"} 0\n");
	expect_has(buf, "rackboot_phase_seconds_bucket{phase=\"loader\",le=\"60\"} 1\n");
	expect_has(buf, "rackboot_phase_seconds_count{phase=\"repository\"} 0\n");
	expect_has(buf, "rackboot_host_failures_total{reason=\"tftp\"} 1\n");
	expect_has(buf, "rackboot_host_failures_total{reason=\"timeout_booting\"} 1\n");
	expect_has(buf, "rackboot_host_failures_total{reason=\"timeout_installing\"} 0\n");
	expect_has(buf, "rackboot_host_failures_total{reason=\"timeout_pending\"} 0\n");
	expect_has(buf, "rackboot_host_failures_total{reason=\"installer\"} 0\n");
	expect_has(buf, "rackboot_callback_refused_total 0\n");
	/* A small buffer is cut, never overrun. */
	assert_int_equal(lc_metrics(f->lc, buf, 64), 63);
	assert_int_equal(strlen(buf), 63);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_starts_ready, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reinstall_marks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reinstall_all_or_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tftp_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_before_initrd, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pending_file_without_dhcp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ready_and_local_boot_dhcp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_booting, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_installing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_pending_default_none, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_pending, setup_timeouts, teardown),
	    cmocka_unit_test_setup_teardown(test_retry_after_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tftp_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_single_use, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_callback_failed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_install_gen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inventory_reload, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_profile_stops_installing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inventory_add_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ring, setup_small_ring, teardown),
	    cmocka_unit_test_setup_teardown(test_wait, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_classify, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hosts_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_summary_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
