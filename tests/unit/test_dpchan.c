/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control's end of the channel (control/dpchan.c) against fake_dp, a
 * stand-in dataplane (FAKE_DP: its path) that sends an EVENTS batch before
 * each stats reply: events before a consumer is set are discarded and
 * counted, the consumer gets each batch once with its drops and names cut
 * to a NUL, and unsetting it discards again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dpchan.h"

struct got {
	unsigned calls;
	size_t n;
	uint32_t dropped;
	struct rb_event ev[4];
};

static void
collect(const struct rb_event *ev, size_t n, uint32_t dropped, void *arg)
{
	struct got *g = arg;

	g->calls++;
	g->n = n;
	g->dropped = dropped;
	memcpy(g->ev, ev, (n < 4 ? n : 4) * sizeof(*ev));
}

static void
test_events(void **state)
{
	const char *exe = getenv("FAKE_DP");
	char *const eal[] = {NULL};
	struct rb_dp_config cfg = {0};
	struct rb_dp_ready ready;
	struct rb_stats st;
	struct got g = {0};
	struct dpchan *c;
	char msg[256];
	size_t i;

	(void)state;
	assert_non_null(exe);
	c = dpchan_start(exe, eal, &cfg, NULL, NULL, NULL, NULL, 5000, &ready, msg, sizeof(msg));
	if (!c)
		fail_msg("dpchan_start: %s", msg);
	assert_int_equal(ready.nb_workers, 1);

	/* Batch 1 (one event): nobody listens. */
	assert_int_equal(dpchan_stats(c, &st, 5000), 0);
	assert_int_equal(dpchan_events_discarded(c), 1);

	/* Batch 2 (two events, one dropped before it): to the consumer. */
	dpchan_set_events(c, collect, &g);
	assert_int_equal(dpchan_stats(c, &st, 5000), 0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.dropped, 1);
	for (i = 0; i < 2; i++) {
		assert_int_equal(g.ev[i].kind, RB_EV_DHCP_ACK);
		assert_int_equal(g.ev[i].arch, i);
		assert_int_equal(g.ev[i].ip, __builtin_bswap32(0xc6120064u + (uint32_t)i));
		assert_int_equal(strlen(g.ev[i].name), RB_EVENT_NAME_MAX - 1);
	}
	assert_int_equal(dpchan_events_discarded(c), 1);

	/* Batch 3 (three events): unset again, discarded. */
	dpchan_set_events(c, NULL, &g);
	assert_int_equal(dpchan_stats(c, &st, 5000), 0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(dpchan_events_discarded(c), 4);

	dpchan_stop(c, 5000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
