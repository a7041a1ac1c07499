/* SPDX-License-Identifier: BSD-3-Clause */
/* Host selectors: every kind of term, unions, and each error's message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_fixture.h"

struct fix {
	struct inventory inv;
	struct lifecycle *lc;
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	fx_standard(&f->inv);
	f->lc = lc_create(NULL, NULL, err, sizeof(err));
	assert_non_null(f->lc);
	assert_int_equal(lc_set_inventory(f->lc, &f->inv, FX_T0), 0);
	*state = f;
	return 0;
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

/* The names selector picks, "a,b,c", or "error: message". */
static const char *
pick(struct fix *f, const char *selector)
{
	static char out[512];
	struct lc_selection sel;
	char err[256] = "";
	int n = lc_select(f->lc, selector, &sel, err, sizeof(err));

	if (n < 0) {
		assert_int_equal(n, -EINVAL);
		assert_null(sel.v);
		snprintf(out, sizeof(out), "error: %s", err);
		return out;
	}
	assert_int_equal((size_t)n, sel.n);
	out[0] = '\0';
	for (size_t i = 0; i < sel.n; i++) {
		uint8_t mac[6];
		unsigned num = (unsigned)atoi(sel.v[i].name + 1);

		/* Every pick carries the host's MAC as well as its name. */
		fx_mac(mac, num);
		assert_memory_equal(sel.v[i].mac, mac, 6);
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "," : "",
			 sel.v[i].name);
	}
	lc_selection_free(&sel);
	assert_null(sel.v);
	return out;
}

static void
test_terms(void **state)
{
	struct fix *f = *state;

	assert_string_equal(pick(f, "all"), "n1,n2,n3,n4,n5,n6");
	assert_string_equal(pick(f, "n3"), "n3");
	assert_string_equal(pick(f, "mac:52:54:00:00:00:04"), "n4");
	assert_string_equal(pick(f, "mac:52-54-00-00-00-04"), "n4");
	assert_string_equal(pick(f, "mac:52:54:00:00:00:0A"), "error: no host with MAC "
							      "52:54:00:00:00:0A");
	assert_string_equal(pick(f, "label:role=web"), "n1,n3");
	assert_string_equal(pick(f, "label:rack=r1"), "n1,n2");
	assert_string_equal(pick(f, "profile:debian"), "n1,n2");
	assert_string_equal(pick(f, "profile:multi"), "n6");
	assert_string_equal(pick(f, "profile:local"), "n4");
	assert_string_equal(pick(f, "state:ready"), "n1,n2,n3,n4,n5,n6");
	/* The group's architecture is set aside: n5 would match as efi-x64. */
	assert_string_equal(pick(f, "group:uefi"), "n5");
	assert_string_equal(pick(f, "group:rack2"), "n6");
}

static void
test_union(void **state)
{
	struct fix *f = *state;

	/* In inventory order, once each, spaces around terms ignored. */
	assert_string_equal(pick(f, "n6, n1 ,label:role=web,n1"), "n1,n3,n6");
	assert_string_equal(pick(f, "group:rack2,profile:debian,mac:52:54:00:00:00:05"),
			    "n1,n2,n5,n6");
	assert_string_equal(pick(f, "all,n1"), "n1,n2,n3,n4,n5,n6");
}

static void
test_state_term(void **state)
{
	struct fix *f = *state;

	fx_reinstall(f->lc, "label:rack=r1", FX_T0, 2);
	assert_string_equal(pick(f, "state:reinstall-pending"), "n1,n2");
	assert_string_equal(pick(f, "state:ready"), "n3,n4,n5,n6");
	assert_string_equal(pick(f, "state:booting"), "error: selector 'state:booting' matches "
						      "no host");
	assert_string_equal(pick(f, "state:booting,state:reinstall-pending,n4"), "n1,n2,n4");
}

static void
test_errors(void **state)
{
	struct fix *f = *state;
	struct lc_selection sel;
	char err[256];

	assert_string_equal(pick(f, "x"), "error: no host named 'x'");
	assert_string_equal(pick(f, "n1,x"), "error: no host named 'x'");
	assert_string_equal(pick(f, "group:nope"), "error: no group named 'nope'");
	assert_string_equal(pick(f, "profile:nope"), "error: no profile named 'nope'");
	assert_string_equal(pick(f, "state:nope"),
			    "error: unknown state 'nope' (one of: unknown, ready, "
			    "reinstall-pending, booting, installing, installed, local-boot, "
			    "failed)");
	assert_string_equal(pick(f, "mac:52:54"),
			    "error: 'mac:52:54': not a MAC address (like 52:54:00:12:34:56)");
	assert_string_equal(pick(f, "label:role"),
			    "error: 'label:role': expected label:<key>=<value>");
	assert_string_equal(pick(f, "label:=web"),
			    "error: 'label:=web': expected label:<key>=<value>");
	assert_string_equal(pick(f, "label:role=nobody"),
			    "error: selector 'label:role=nobody' matches no host");
	assert_string_equal(pick(f, "group:"), "error: 'group:' names nothing");
	assert_string_equal(pick(f, "rack:r1"),
			    "error: 'rack:r1': unknown kind of term (expected all, a host name, "
			    "mac:, group:, label:, profile:, state:)");
	assert_string_equal(pick(f, "n1,,n2"), "error: selector 'n1,,n2' has an empty term");
	assert_string_equal(pick(f, ""), "error: selector '' has an empty term");
	assert_string_equal(pick(f, " "), "error: selector ' ' has an empty term");
	assert_int_equal(lc_select(f->lc, NULL, &sel, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "no selector");
}

static void
test_empty_inventory(void **state)
{
	struct lifecycle *lc = lc_create(NULL, NULL, NULL, 0);
	struct lc_selection sel;
	char err[256];

	(void)state;
	assert_non_null(lc);
	assert_int_equal(lc_select(lc, "all", &sel, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "selector 'all' matches no host");
	assert_int_equal(lc_select(lc, "group:x", &sel, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "no group named 'x'");
	lc_destroy(lc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_terms, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_union, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_state_term, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test(test_empty_inventory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
