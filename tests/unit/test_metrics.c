/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_metrics.c: the live status line says when the lease store fails
 * and when claims were lost, and nothing of either otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"

static void
test_status_lease_db(void **state)
{
	static struct rb_stats prev, now;
	char line[512];

	(void)state;
	memset(&prev, 0, sizeof(prev));
	memset(&now, 0, sizeof(now));
	rb_status_format(&now, &prev, 1.0, NULL, NULL, line, sizeof(line));
	assert_null(strstr(line, "LEASE DB"));
	assert_null(strstr(line, "claims lost"));

	now.counters[RB_CNT_lease_batches_given_up] = 3;
	now.counters[RB_CNT_lease_claims_lost] = 2;
	rb_status_format(&now, &prev, 1.0, NULL, NULL, line, sizeof(line));
	assert_non_null(strstr(line, "LEASE DB FAILING: 3 batch(es) given up"));
	assert_non_null(strstr(line, "claims lost 2"));

	/* Working again: the failure is no longer news, the count stays. */
	prev = now;
	rb_status_format(&now, &prev, 1.0, NULL, NULL, line, sizeof(line));
	assert_null(strstr(line, "LEASE DB"));
	assert_non_null(strstr(line, "claims lost 2"));

	/* Down, with leases renewed from what the store holds. */
	now.counters[RB_CNT_dhcp_ack_db_down] = 4;
	rb_status_format(&now, &prev, 1.0, NULL, NULL, line, sizeof(line));
	assert_non_null(strstr(line, "LEASE DB DOWN: 4 lease(s) renewed from the table"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_lease_db),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
