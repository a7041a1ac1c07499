/* SPDX-License-Identifier: BSD-3-Clause */
/* lc_fixture.c: see lc_fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_fixture.h"

void
fx_mac(uint8_t mac[6], unsigned i)
{
	const uint8_t m[6] = {0x52, 0x54, 0, 0, (uint8_t)(i >> 8), (uint8_t)i};

	memcpy(mac, m, 6);
}

uint32_t
fx_ip(const char *dotted)
{
	uint32_t ip = 0;

	assert_int_equal(inet_pton(AF_INET, dotted, &ip), 1);
	return ip;
}

static struct inv_pos
at(struct inventory *inv, unsigned line)
{
	return (struct inv_pos){
	    .file = inv_intern_file(inv, "test.yaml"), .line = line, .column = 3};
}

static struct inv_profile *
profile(struct inventory *inv, const char *name, bool install, const char *kernel)
{
	struct inv_profile *p = inv_add_profile(inv);

	assert_non_null(p);
	p->name = strdup(name);
	p->install = install;
	p->pos = at(inv, 1);
	if (kernel)
		p->kernel = strdup(kernel);
	else
		p->localboot = true;
	return p;
}

static void
initrd(struct inv_profile *p, const char *path)
{
	p->initrd[p->n_initrd++] = strdup(path);
}

static struct inv_host *
host(struct inventory *inv, const char *name, unsigned i, const char *ip, const char *prof)
{
	struct inv_host *h = inv_add_host(inv);

	assert_non_null(h);
	h->name = strdup(name);
	fx_mac(h->mac, i);
	if (ip)
		h->ip = fx_ip(ip);
	if (prof) {
		h->profile = strdup(prof);
		h->profile_pos = at(inv, 10 + i);
	}
	h->pos = at(inv, 10 + i);
	return h;
}

static void
label(struct inventory *inv, struct inv_host *h, const char *k, const char *v)
{
	assert_int_equal(inv_kvs_set(&h->labels, k, v, at(inv, 2)), 0);
}

static void
finish(struct inventory *inv)
{
	struct inv_net net = {.net = fx_ip("198.18.0.0"), .mask = fx_ip("255.255.0.0")};
	char err[512] = "";

	if (inv_finish(inv, &net, 1, err, sizeof(err)))
		fail_msg("inv_finish: %s", err);
}

void
fx_standard(struct inventory *inv)
{
	struct inv_profile *p;
	struct inv_host *h;
	struct inv_group *g;

	memset(inv, 0, sizeof(*inv));
	p = profile(inv, "debian", true, "debian/linux");
	initrd(p, "debian/initrd.gz");
	p = profile(inv, "multi", true, "http://198.18.0.1/boot/d12/vmlinuz");
	initrd(p, "d12/initrd.img");
	initrd(p, "d12/firmware.cpio.gz");
	profile(inv, "rescue", false, "rescue/vmlinuz");
	profile(inv, "local", false, NULL);
	h = host(inv, "n1", 1, "198.18.0.21", "debian");
	label(inv, h, "role", "web");
	label(inv, h, "rack", "r1");
	h = host(inv, "n2", 2, NULL, "debian");
	label(inv, h, "role", "db");
	label(inv, h, "rack", "r1");
	h = host(inv, "n3", 3, "198.18.0.23", "rescue");
	label(inv, h, "role", "web");
	host(inv, "n4", 4, "198.18.0.24", "local");
	host(inv, "n5", 5, "198.18.0.25", NULL);
	h = host(inv, "n6", 6, NULL, NULL);
	label(inv, h, "rack", "r2");

	g = inv_add_group(inv);
	assert_non_null(g);
	g->name = strdup("rack2");
	g->pos = at(inv, 40);
	g->profile = strdup("multi");
	g->profile_pos = at(inv, 41);
	assert_int_equal(inv_kvs_set(&g->labels, "rack", "r2", at(inv, 42)), 0);
	g = inv_add_group(inv);
	assert_non_null(g);
	g->name = strdup("uefi");
	g->pos = at(inv, 50);
	g->profile = strdup("debian");
	g->profile_pos = at(inv, 51);
	g->arch_mask = INV_ARCH_EFI_X64;
	g->macs = calloc(1, sizeof(*g->macs));
	assert_non_null(g->macs);
	fx_mac(g->macs[0], 5);
	g->n_macs = 1;
	finish(inv);
}

void
fx_bulk(struct inventory *inv, unsigned n)
{
	struct inv_profile *p;
	char name[32], ip[32];

	memset(inv, 0, sizeof(*inv));
	p = profile(inv, "debian", true, "debian/linux");
	initrd(p, "debian/initrd.gz");
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "bulk%04u", i);
		snprintf(ip, sizeof(ip), "198.18.%u.%u", 10 + i / 200, 10 + i % 200);
		host(inv, name, 0x100 + i, ip, "debian");
	}
	finish(inv);
}

struct rb_event
fx_dhcp(unsigned i, const char *ip)
{
	struct rb_event ev = {.kind = RB_EV_DHCP_ACK, .arch = 7};

	fx_mac(ev.mac, i);
	ev.ip = fx_ip(ip);
	return ev;
}

struct rb_event
fx_tftp(unsigned i, enum rb_event_kind kind, const char *name, uint64_t bytes, uint64_t size,
	enum rb_event_reason reason)
{
	struct rb_event ev = {.kind = (uint8_t)kind, .reason = (uint8_t)reason, .arch = 0xffff};

	fx_mac(ev.mac, i);
	snprintf(ev.name, sizeof(ev.name), "%s", name);
	ev.bytes = bytes;
	ev.size = size;
	return ev;
}

void
fx_reinstall(struct lifecycle *lc, const char *selector, uint64_t now, int want)
{
	struct lc_selection sel;
	char err[256] = "";
	int n;

	n = lc_select(lc, selector, &sel, err, sizeof(err));
	if (n < 0)
		fail_msg("lc_select(%s): %s", selector, err);
	n = lc_reinstall(lc, &sel, now, err, sizeof(err));
	if (n != want)
		fail_msg("lc_reinstall(%s) = %d (%s), want %d", selector, n, err, want);
	lc_selection_free(&sel);
}

const char *
fx_field(struct lifecycle *lc, const char *name, const char *key)
{
	static char buf[256];
	json_t *o = lc_host_json(lc, name, false), *v;

	if (!o)
		fail_msg("no host %s", name);
	v = json_object_get(o, key);
	if (!v)
		fail_msg("host %s has no key %s", name, key);
	if (json_is_string(v))
		snprintf(buf, sizeof(buf), "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, sizeof(buf), "%s", json_is_true(v) ? "true" : "false");
	else
		buf[0] = '\0';
	json_decref(o);
	return buf;
}

long long
fx_progress(struct lifecycle *lc, const char *name, const char *key)
{
	json_t *o = lc_host_json(lc, name, false), *p, *v;
	long long r = -1;

	assert_non_null(o);
	p = json_object_get(o, "progress");
	assert_non_null(p);
	if (json_is_object(p)) {
		v = json_object_get(p, key);
		assert_non_null(v);
		if (json_is_integer(v))
			r = (long long)json_integer_value(v);
	}
	json_decref(o);
	return r;
}

static int
add_event(void *arg, const struct lc_event *ev)
{
	char *buf = arg;
	size_t len = strlen(buf);

	snprintf(buf + len, 8192 - len, "%s%s:%s", len ? "|" : "", lc_ev_kind_name(ev->kind),
		 ev->detail);
	return 0;
}

const char *
fx_events(struct lifecycle *lc, uint64_t since)
{
	static char buf[8192];

	buf[0] = '\0';
	lc_events_since(lc, since, 1000, add_event, buf, NULL);
	return buf;
}
