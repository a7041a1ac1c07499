/* SPDX-License-Identifier: BSD-3-Clause */
/* The channel's framing, and the metrics text built from its stats. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "channel.h"

static void
test_roundtrip(void **state)
{
	struct rb_dp_config cfg = {.server_ip = 0x010012c6, .prefix_len = 24, .mtu = 1500};
	char buf[RB_CHAN_MAX_MSG + 64];
	struct rb_msg_hdr hdr;
	const void *pl;
	int n;

	(void)state;
	strcpy(cfg.interface, "rb-srv0");
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_DP_CONFIG, 7, &cfg, sizeof(cfg));
	assert_int_equal(n, (int)(sizeof(hdr) + sizeof(cfg)));
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &pl), 0);
	assert_int_equal(hdr.type, RB_MSG_DP_CONFIG);
	assert_int_equal(hdr.seq, 7);
	assert_memory_equal(pl, &cfg, sizeof(cfg));

	n = rb_msg_build(buf, sizeof(buf), RB_MSG_STATS_REQ, 8, NULL, 0);
	assert_int_equal(n, (int)sizeof(hdr));
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &pl), 0);
	assert_int_equal(hdr.type, RB_MSG_STATS_REQ);
}

static void
test_rejects(void **state)
{
	struct rb_stats st = {0};
	char buf[RB_CHAN_MAX_MSG + 64], small[8];
	struct rb_msg_hdr hdr;
	const void *pl;
	int n;

	(void)state;
	assert_int_equal(rb_msg_build(small, sizeof(small), RB_MSG_SHUTDOWN, 1, NULL, 0),
			 -EMSGSIZE);
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_STATS_REP, 1, &st, sizeof(st));
	assert_true(n > 0);
	/* truncated datagram */
	assert_int_equal(rb_msg_parse(buf, (size_t)n - 1, &hdr, &pl), -EBADMSG);
	assert_int_equal(rb_msg_parse(buf, 3, &hdr, &pl), -EBADMSG);
	/* a stale binary on the other end */
	buf[0] = 99;
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &pl), -EPROTO);
	/* right length for the header, wrong size for the type */
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_DP_READY, 1, &st, 8);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &pl), -EBADMSG);
	/* unknown type */
	n = rb_msg_build(buf, sizeof(buf), (enum rb_msg_type)77, 1, NULL, 0);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &pl), -EBADMSG);
}

static void
test_counter_names(void **state)
{
	(void)state;
	assert_string_equal(rb_counter_names[RB_CNT_rx_frames], "rx_frames");
	assert_string_equal(rb_drop_names[RB_DROP_tx_full], "tx_full");
	for (int i = 0; i < RB_DROP_MAX; i++)
		assert_non_null(rb_drop_help[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_rejects),
	    cmocka_unit_test(test_counter_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
