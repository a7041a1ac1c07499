/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rackboot-storm's DORA rate mode (benchmarks/storm_dora.c) against a DHCP
 * server played here, at a clock the test moves by hand (100 us a tick).
 * The server answers each DISCOVER with an OFFER and each REQUEST with an
 * ACK, one address per MAC (a MAC it knows gets its address again), after
 * a delay the test sets; it can drop every k-th DISCOVER, NAK every
 * REQUEST, or stay silent. Checked: the count of exchanges started at the
 * offered rate, done, lost after the timeout (late ACKs too), NAKed; the
 * REQUEST names the offered address and the server; the ring of clients
 * wraps without draining the pool; a server that is behind holds the
 * starts back; latency percentiles.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp.h"
#include "pkt.h"
#include "storm_dora.h"

#define TICK 100u /* us */
#define SEC 1000000u
#define QMAX 4096
#define POOL 1024

/* The played server. */
static struct {
	uint8_t mac[6];
	uint32_t ip;
	uint32_t delay_us;   /* each reply goes out this long after its request */
	unsigned drop_every; /* drop every k-th DISCOVER (0: none) */
	bool nak, silent;
	unsigned discovers, requests, bad_requests;
	uint8_t leased_mac[POOL][6]; /* address .2.(i+1): whose */
	unsigned nleased;
} srv;

/* Frames the engine sent, and replies waiting for their time. */
static struct {
	uint8_t frame[QMAX][STORM_FRAME_MAX];
	uint16_t len[QMAX];
	uint64_t at[QMAX];
	unsigned n;
} q;

static uint64_t now;

static void
emit(void *arg, const struct storm_out *out)
{
	unsigned k;

	(void)arg;
	for (k = 0; k < out->n; k++) {
		assert_true(q.n < QMAX);
		memcpy(q.frame[q.n], out->frame[k], out->len[k]);
		q.len[q.n] = out->len[k];
		q.at[q.n] = now + srv.delay_us;
		q.n++;
	}
}

/* The address the server gives a MAC: its old one, or the next free. */
static uint32_t
srv_addr(const uint8_t mac[6])
{
	unsigned i;

	for (i = 0; i < srv.nleased; i++)
		if (!memcmp(srv.leased_mac[i], mac, 6))
			break;
	if (i == srv.nleased) {
		assert_true(srv.nleased < POOL);
		memcpy(srv.leased_mac[srv.nleased++], mac, 6);
	}
	return htonl(0xc6120200u + i + 1); /* 198.18.2.(i+1) */
}

/* The server's answer to one request, handed to the engine. */
static void
srv_answer(struct storm_dora *d, const uint8_t *frame, size_t len)
{
	static const uint8_t order[] = {53, 54, 51, 1, 3};
	uint8_t buf[600], out[700];
	struct rb_udp_view v;
	struct dhcp_msg m;
	struct dhcp_hdr h = {0};
	struct dhcp_opts o;
	uint32_t rip = 0, sid = 0, addr;
	uint8_t type;
	int bl, fl;

	assert_int_equal(rb_udp_view(frame, len, &v), 0);
	assert_int_equal(v.dport, 67);
	assert_int_equal(dhcp_parse(v.payload, v.len, &m), DHCP_OK);
	addr = srv_addr(m.h.chaddr);
	if (m.type == DHCPDISCOVER) {
		srv.discovers++;
		if (srv.silent || (srv.drop_every && srv.discovers % srv.drop_every == 0))
			return;
		type = DHCPOFFER;
	} else {
		assert_int_equal(m.type, DHCPREQUEST);
		srv.requests++;
		if (!dhcp_opt_ip(&m.o, DHO_REQUESTED_IP, &rip) ||
		    !dhcp_opt_ip(&m.o, DHO_SERVER_ID, &sid) || rip != addr || sid != srv.ip)
			srv.bad_requests++;
		type = srv.nak ? DHCPNAK : DHCPACK;
	}
	h.op = BOOTREPLY;
	h.htype = 1;
	h.hlen = 6;
	h.xid = m.h.xid;
	memcpy(h.chaddr, m.h.chaddr, 6);
	if (type != DHCPNAK)
		h.yiaddr = addr;
	dhcp_opts_init(&o);
	dhcp_opts_set_u8(&o, DHO_MSG_TYPE, type);
	dhcp_opts_set_ip(&o, DHO_SERVER_ID, srv.ip);
	dhcp_opts_set_u32(&o, DHO_LEASE_TIME, 600);
	bl = dhcp_build(buf, sizeof(buf), 0, &h, &o, order, sizeof(order), NULL);
	assert_true(bl > 0);
	fl = rb_udp_build(out, sizeof(out), srv.mac, m.h.chaddr, srv.ip,
			  type == DHCPNAK ? 0xffffffffu : addr, 67, 68, buf, (size_t)bl);
	assert_true(fl > 0);
	storm_dora_rx(d, out, (size_t)fl, now);
}

/* Run the clock until the step ends (bounded: 60 s of test time). */
static void
run(struct storm_dora *d)
{
	static uint8_t f[STORM_FRAME_MAX];
	uint64_t limit = now + 60 * (uint64_t)SEC;
	unsigned k, j;
	uint16_t len;

	while (storm_dora_poll(d, now)) {
		assert_true(now < limit);
		/* Answer what is due, in order; what the answers emit waits
		 * its turn. */
		for (k = 0; k < q.n;) {
			if (q.at[k] > now) {
				k++;
				continue;
			}
			len = q.len[k];
			memcpy(f, q.frame[k], len);
			for (j = k + 1; j < q.n; j++) {
				memcpy(q.frame[j - 1], q.frame[j], q.len[j]);
				q.len[j - 1] = q.len[j];
				q.at[j - 1] = q.at[j];
			}
			q.n--;
			srv_answer(d, f, len);
		}
		now += TICK;
	}
}

static void
setup(struct storm_dora *d, uint32_t clients, uint32_t timeout_us)
{
	struct storm_cfg cfg = {.seed = 3, .arch = 7, .dhcp_timeout_us = 4 * SEC, .dhcp_tries = 4};

	memset(&srv, 0, sizeof(srv));
	memset(&q, 0, sizeof(q));
	memcpy(srv.mac, ((uint8_t[]){0x02, 0, 0, 0, 0, 0x01}), 6);
	inet_pton(AF_INET, "198.18.0.1", &srv.ip);
	srv.delay_us = 300;
	now = 7 * SEC;
	assert_int_equal(storm_dora_init(d, &cfg, clients, timeout_us, emit, NULL), 0);
}

/* 200 DORAs at 1000/s from 200 clients: all done, each its own address. */
static void
test_all_done_unique(void **state)
{
	struct storm_dora d;
	struct storm_dora_result r;
	uint32_t i, j;

	(void)state;
	setup(&d, 200, SEC);
	assert_int_equal(storm_dora_begin(&d, 1000, 200000, now), 0);
	run(&d);
	storm_dora_result(&d, &r);
	assert_int_equal(r.started, 200);
	assert_int_equal(r.done, 200);
	assert_int_equal(r.lost, 0);
	assert_int_equal(r.naks, 0);
	assert_int_equal(r.stray, 0);
	assert_true(r.loss_pct == 0);
	assert_true(r.dora_per_s > 999 && r.dora_per_s < 1001);
	assert_int_equal(srv.bad_requests, 0);
	assert_int_equal(srv.nleased, 200);
	/* Two round trips of 300 us, on a 100 us clock. */
	assert_true(r.lat_p50_ms >= 0.6 && r.lat_p50_ms <= 0.8);
	assert_true(r.lat_p99_ms >= 0.6 && r.lat_p99_ms <= 0.8);
	for (i = 0; i < 200; i++) {
		assert_int_equal(d.nodes[i].state, STORM_DONE);
		assert_int_not_equal(d.nodes[i].ip, 0);
		for (j = 0; j < i; j++)
			assert_int_not_equal(d.nodes[i].ip, d.nodes[j].ip);
	}
	storm_dora_free(&d);
}

/* 1000 exchanges from 100 clients: the ring wraps ten times, every lap
 * gets the same 100 addresses back (no pool drain), each with a new xid. */
static void
test_ring_wraps(void **state)
{
	struct storm_dora d;
	struct storm_dora_result r;
	uint32_t xid0;

	(void)state;
	setup(&d, 100, SEC);
	assert_int_equal(storm_dora_begin(&d, 2000, 500000, now), 0);
	run(&d);
	xid0 = d.nodes[0].xid;
	storm_dora_result(&d, &r);
	assert_int_equal(r.started, 1000);
	assert_int_equal(r.done, 1000);
	assert_int_equal(r.lost, 0);
	assert_int_equal(srv.nleased, 100);
	assert_int_equal(d.round, 10);
	/* A second step goes on with the ring: new xids again. */
	assert_int_equal(storm_dora_begin(&d, 2000, 50000, now), 0);
	run(&d);
	storm_dora_result(&d, &r);
	assert_int_equal(r.done, 100);
	assert_int_not_equal(d.nodes[0].xid, xid0);
	storm_dora_free(&d);
}

/* Every 4th DISCOVER unanswered: those exchanges are lost after the
 * timeout, the rest done; the loss is 25%. */
static void
test_lost_counted(void **state)
{
	struct storm_dora d;
	struct storm_dora_result r;

	(void)state;
	setup(&d, 1000, 50000);
	srv.drop_every = 4;
	assert_int_equal(storm_dora_begin(&d, 1000, SEC, now), 0);
	run(&d);
	storm_dora_result(&d, &r);
	assert_int_equal(r.started, 1000);
	assert_int_equal(r.done, 750);
	assert_int_equal(r.lost, 250);
	assert_true(r.loss_pct > 24.99 && r.loss_pct < 25.01);
	storm_dora_free(&d);
}

/* Replies slower than the timeout: every exchange lost, none done, the
 * late OFFERs are stray and get no REQUEST. */
static void
test_late_is_lost(void **state)
{
	struct storm_dora d;
	struct storm_dora_result r;

	(void)state;
	setup(&d, 100, 2000);
	srv.delay_us = 3000;
	assert_int_equal(storm_dora_begin(&d, 1000, 50000, now), 0);
	run(&d);
	storm_dora_result(&d, &r);
	assert_int_equal(r.started, 50);
	assert_int_equal(r.done, 0);
	assert_int_equal(r.lost, 50);
	assert_int_equal(srv.requests, 0);
	storm_dora_free(&d);
}

/* An OFFER that arrives past the timeout before the expiry ran: lost as
 * well, and no REQUEST goes out for it. */
static void
test_late_before_expiry(void **state)
{
	static uint8_t f[STORM_FRAME_MAX];
	struct storm_dora d;
	struct storm_dora_result r;
	uint16_t len;

	(void)state;
	setup(&d, 10, 2000);
	assert_int_equal(storm_dora_begin(&d, 1, SEC, now), 0);
	assert_true(storm_dora_poll(&d, now));
	assert_int_equal(q.n, 1); /* the DISCOVER */
	len = q.len[0];
	memcpy(f, q.frame[0], len);
	q.n = 0;
	now += 2000;
	srv_answer(&d, f, len); /* its OFFER, at the timeout */
	assert_int_equal(q.n, 0);
	storm_dora_result(&d, &r);
	assert_int_equal(r.lost, 1);
	assert_int_equal(r.stray, 1);
	assert_int_equal(r.done, 0);
	storm_dora_free(&d);
}

/* NAKs: counted apart, not done, not lost. */
static void
test_naks(void **state)
{
	struct storm_dora d;
	struct storm_dora_result r;

	(void)state;
	setup(&d, 100, SEC);
	srv.nak = true;
	assert_int_equal(storm_dora_begin(&d, 1000, 20000, now), 0);
	run(&d);
	storm_dora_result(&d, &r);
	assert_int_equal(r.started, 20);
	assert_int_equal(r.naks, 20);
	assert_int_equal(r.done, 0);
	assert_int_equal(r.lost, 0);
	assert_true(r.loss_pct > 99.99);
	assert_int_equal(srv.discovers, 20); /* no DISCOVER again after the NAK */
	storm_dora_free(&d);
}

/* A silent server and few clients: once every client waits, starts stop
 * (the server is behind) until the oldest time out; started falls short of
 * the offered rate. */
static void
test_behind_holds_starts(void **state)
{
	struct storm_dora d;
	struct storm_dora_result r;

	(void)state;
	setup(&d, 10, 100000); /* 10 clients, 100 ms each: at most 100/s */
	srv.silent = true;
	assert_int_equal(storm_dora_begin(&d, 10000, SEC, now), 0);
	run(&d);
	storm_dora_result(&d, &r);
	assert_true(r.started >= 100 && r.started <= 110);
	assert_int_equal(r.done, 0);
	assert_int_equal(r.lost, r.started);
	assert_true(r.sent_per_s < 111);
	storm_dora_free(&d);
}

/* Bad arguments: refused, nothing allocated. */
static void
test_bad_args(void **state)
{
	struct storm_cfg cfg = {.seed = 1};
	struct storm_dora d;

	(void)state;
	assert_int_equal(storm_dora_init(&d, &cfg, 0, SEC, emit, NULL), -EINVAL);
	assert_int_equal(storm_dora_init(&d, &cfg, STORM_DORA_CLIENTS_MAX + 1, SEC, emit, NULL),
			 -EINVAL);
	assert_int_equal(storm_dora_init(&d, &cfg, 10, 0, emit, NULL), -EINVAL);
	assert_null(d.nodes);
	assert_int_equal(storm_dora_init(&d, &cfg, 10, SEC, emit, NULL), 0);
	assert_int_equal(storm_dora_begin(&d, 0, SEC, 0), -EINVAL);
	storm_dora_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_done_unique),	cmocka_unit_test(test_ring_wraps),
	    cmocka_unit_test(test_lost_counted),	cmocka_unit_test(test_late_is_lost),
	    cmocka_unit_test(test_late_before_expiry),	cmocka_unit_test(test_naks),
	    cmocka_unit_test(test_behind_holds_starts), cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
