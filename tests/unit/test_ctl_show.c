/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rackbootctl's text: durations, sizes, bars, widths and cuts in UTF-8,
 * aligned tables, and the tables and sentences of status, hosts, host,
 * leases, profiles, events, reinstall and power from canned replies
 * (times in UTC).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fmt.h"
#include "show.h"

static json_t *
load(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	if (!j)
		fail_msg("canned JSON: %s at %d", e.text, e.position);
	return j;
}

static void
test_durations(void **state)
{
	static const struct {
		double s;
		const char *want;
	} v[] = {
	    {0, "0s"},	       {-5, "0s"},	 {59.9, "59s"},	    {60, "1m00s"},
	    {192, "3m12s"},    {3599, "59m59s"}, {3600, "1h00m"},   {7500, "2h05m"},
	    {86399, "23h59m"}, {86400, "1d00h"}, {273600, "3d04h"}, {1e20, "115740740d17h"},
	};
	char buf[FMT_DUR_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_string_equal(fmt_duration(buf, sizeof(buf), v[i].s), v[i].want);
	assert_string_equal(fmt_duration(buf, sizeof(buf), NAN), "-");
	assert_string_equal(fmt_mb(buf, sizeof(buf), 37900000), "37.9");
	assert_string_equal(fmt_mb(buf, sizeof(buf), 0), "0.0");
	assert_string_equal(fmt_mb(buf, sizeof(buf), 1234567890), "1234.6");
	assert_string_equal(fmt_time(buf, sizeof(buf), 1714557600.25), "2024-05-01 10:00:00.250");
	assert_string_equal(fmt_time(buf, sizeof(buf), NAN), "-");
	assert_string_equal(fmt_time(buf, sizeof(buf), -1), "-");
}

static void
test_text(void **state)
{
	struct strbuf b;

	(void)state;
	assert_int_equal(fmt_width("abc"), 3);
	assert_int_equal(fmt_width("h\xc3\xa9llo"), 5);	 /* é is one column */
	assert_int_equal(fmt_cut("h\xc3\xa9llo", 2), 3); /* not inside é */
	assert_int_equal(fmt_cut("h\xc3\xa9llo", 1), 1);
	assert_int_equal(fmt_cut("abc", 10), 3);
	assert_int_equal(fmt_cut("abc", 0), 0);

	strbuf_init(&b, 0);
	assert_int_equal(fmt_clean(&b, "a\033[1mb\tc\nd\x7f", "\n"), 0);
	assert_string_equal(b.data, "a?[1mb?c\nd?");
	strbuf_reset(&b);
	assert_int_equal(fmt_bar(&b, 5, 10, 4), 0);
	assert_string_equal(b.data, "[##..]");
	strbuf_reset(&b);
	assert_int_equal(fmt_bar(&b, -1, 10, 4), 0);
	assert_string_equal(b.data, "[....]");
	assert_int_equal(fmt_bar(&b, 1, 0, 4), -EINVAL);
	strbuf_free(&b);
}

static void
test_table(void **state)
{
	struct strbuf b;
	struct table t;

	(void)state;
	table_init(&t, 3);
	t.right = 2; /* the middle column */
	assert_int_equal(table_add(&t, (const char *[]){"NAME", "N", "NOTE"}), 0);
	assert_int_equal(table_add(&t, (const char *[]){"h\xc3\xa9", "1234", NULL}), 0);
	assert_int_equal(table_add(&t, (const char *[]){"longer", "5", "x\033y"}), 0);
	strbuf_init(&b, 0);
	assert_int_equal(table_render(&t, 0, &b), 0);
	assert_string_equal(b.data, "NAME       N  NOTE\n"
				    "h\xc3\xa9      1234\n"
				    "longer     5  x?y\n");
	strbuf_reset(&b);
	assert_int_equal(table_render(&t, 8, &b), 0);
	assert_string_equal(b.data, "NAME    \nh\xc3\xa9      \nlonger  \n");
	table_free(&t);
	strbuf_free(&b);
}

static const char hosts_json[] =
    "{\"hosts\": ["
    "{\"name\": \"node001\", \"mac\": \"52:54:00:00:00:01\", \"ip\": \"198.18.0.101\","
    " \"profile\": \"debian12\", \"state\": \"booting\", \"phase\": \"kernel\","
    " \"since\": 1714557588, \"seconds_in_state\": 12, \"progress\": {\"file\":"
    " \"debian/vmlinuz\", \"bytes\": 37900000, \"size\": 65000000}, \"reason\": null,"
    " \"install\": true},"
    "{\"name\": \"node003\", \"mac\": \"52:54:00:00:00:03\", \"ip\": null,"
    " \"profile\": \"debian12\", \"state\": \"failed\", \"phase\": \"initrd\","
    " \"since\": 1714556880, \"seconds_in_state\": 720, \"progress\": null,"
    " \"reason\": \"tftp timeout\", \"install\": false}"
    "]}";

static void
test_hosts(void **state)
{
	json_t *j = load(hosts_json), *bad = load("{\"hosts\": {}}");
	struct strbuf b;

	(void)state;
	strbuf_init(&b, 0);
	assert_int_equal(show_hosts(j, &b), 0);
	assert_string_equal(b.data, "NAME     MAC                IP            PROFILE   STATE    "
				    "PHASE   PROGRESS           "
				    "SINCE   REASON\n"
				    "node001  52:54:00:00:00:01  198.18.0.101  debian12  booting  "
				    "kernel  58%  37.9/65.0 MB  "
				    "12s     -\n"
				    "node003  52:54:00:00:00:03  -             debian12  failed   "
				    "initrd  -                  "
				    "12m00s  tftp timeout\n");
	assert_int_equal(show_hosts(bad, &b), -EPROTO);
	strbuf_free(&b);
	json_decref(j);
	json_decref(bad);
}

static void
test_host(void **state)
{
	json_t *j = load(
	    "{\"name\": \"node001\", \"mac\": \"52:54:00:00:00:01\", \"ip\": \"198.18.0.101\","
	    " \"profile\": \"debian12\", \"state\": \"installing\", \"phase\": \"repository\","
	    " \"since\": 1714557408, \"seconds_in_state\": 192, \"progress\": {\"file\": \"x.deb\","
	    " \"bytes\": 1234500000, \"size\": null}, \"reason\": null, \"install\": true,"
	    " \"events\": [{\"id\": 7, \"time\": 1714557400.5, \"kind\": \"state\", \"from\":"
	    " \"booting\", \"to\": \"installing\", \"phase\": \"kickstart\", \"detail\": "
	    "\"ks.cfg\"},"
	    " {\"id\": 12, \"time\": 1714557401, \"kind\": \"phase\", \"from\": null, \"to\": null,"
	    " \"phase\": \"repository\", \"detail\": null}]}");
	struct strbuf b;

	(void)state;
	strbuf_init(&b, 0);
	assert_int_equal(show_host(j, &b), 0);
	assert_string_equal(
	    b.data, "name      node001\n"
		    "mac       52:54:00:00:00:01\n"
		    "ip        198.18.0.101\n"
		    "profile   debian12\n"
		    "state     installing for 3m12s (since 2024-05-01 09:56:48.000)\n"
		    "phase     repository\n"
		    "progress  1234.5 MB (x.deb)\n"
		    "reason    -\n"
		    "install   yes\n"
		    "\n"
		    "events (2):\n"
		    "ID  TIME                     KIND   CHANGE                 PHASE       "
		    "DETAIL\n"
		    " 7  2024-05-01 09:56:40.500  state  booting -> installing  kickstart   "
		    "ks.cfg\n"
		    "12  2024-05-01 09:56:41.000  phase  -                      repository  -\n");
	strbuf_free(&b);
	json_decref(j);
}

static void
test_status(void **state)
{
	json_t *j = load("{\"server\": \"198.18.0.1\", \"version\": \"0.1.0\", \"uptime_s\": 59,"
			 " \"hosts\": {\"zombie\": 2, \"failed\": 1, \"ready\": 3, \"booting\": 0},"
			 " \"phases\": {}, \"failures\": {\"dhcp-timeout\": 1},"
			 " \"rate_bps\": 0, \"eta_s\": null, \"leases\": {\"bound\": 3}}");
	struct strbuf b;

	(void)state;
	strbuf_init(&b, 0);
	assert_int_equal(show_status(j, &b), 0);
	/* Known states in lifecycle order, zeros left out, unknown ones after. */
	assert_string_equal(b.data, "server    198.18.0.1\n"
				    "version   0.1.0\n"
				    "uptime    59s\n"
				    "hosts     6: ready 3, failed 1, zombie 2\n"
				    "phases    -\n"
				    "failures  dhcp-timeout 1\n"
				    "rate      0.0 MB/s\n"
				    "eta       -\n"
				    "leases    3 bound\n");
	assert_int_equal(show_status(json_object_get(j, "server"), &b), -EPROTO);
	strbuf_free(&b);
	json_decref(j);
}

static void
test_lists(void **state)
{
	json_t *leases = load(
	    "{\"leases\": [{\"address\": \"198.18.0.101\", \"state\": \"bound\", \"mac\":"
	    " \"52:54:00:00:00:01\", \"client_id\": null, \"hostname\": \"node001\", \"expires\":"
	    " 1714560600, \"expires_in\": 3000, \"updated\": 1714557540},"
	    " {\"address\": \"198.18.0.150\", \"state\": \"expired\", \"mac\": "
	    "\"52:54:00:00:00:99\","
	    " \"client_id\": \"01:aa\", \"hostname\": null, \"expires\": 1, \"expires_in\": -10,"
	    " \"updated\": 1714557540}]}");
	json_t *profiles = load(
	    "{\"profiles\": [{\"name\": \"debian12\", \"install\": true, \"localboot\": false,"
	    " \"kernel\": \"vmlinuz\", \"initrd\": [\"a.gz\", \"b.gz\"], \"templates\": []}]}");
	json_t *events = load("{\"events\": [{\"id\": 3, \"time\": 1714557600, \"host\": \"n1\","
			      " \"kind\": \"failure\", \"from\": \"booting\", \"to\": \"failed\","
			      " \"phase\": \"initrd\", \"detail\": \"timeout\"}], \"last\": 3}");
	struct strbuf b;

	(void)state;
	strbuf_init(&b, 0);
	assert_int_equal(show_leases(leases, &b), 0);
	assert_string_equal(
	    b.data,
	    "ADDRESS       STATE    MAC                CLIENT-ID  HOSTNAME  EXPIRES-IN  UPDATED\n"
	    "198.18.0.101  bound    52:54:00:00:00:01  -          node001   50m00s      "
	    "2024-05-01 09:59:00.000\n"
	    "198.18.0.150  expired  52:54:00:00:00:99  01:aa      -         expired     "
	    "2024-05-01 09:59:00.000\n");
	strbuf_reset(&b);
	assert_int_equal(show_profiles(profiles, &b), 0);
	assert_string_equal(b.data, "NAME      INSTALL  LOCALBOOT  KERNEL   INITRD      TEMPLATES\n"
				    "debian12  yes      no         vmlinuz  a.gz, b.gz  -\n");
	strbuf_reset(&b);
	assert_int_equal(show_events(events, &b), 0);
	assert_string_equal(
	    b.data, "ID  TIME                     HOST  KIND     CHANGE             PHASE   "
		    "DETAIL\n"
		    " 3  2024-05-01 10:00:00.000  n1    failure  booting -> failed  initrd  "
		    "timeout\n");
	strbuf_reset(&b);
	assert_int_equal(show_event_line(json_array_get(json_object_get(events, "events"), 0), &b),
			 0);
	assert_string_equal(b.data, "     3  2024-05-01 10:00:00.000  n1            failure     "
				    "booting -> failed           initrd      timeout\n");
	assert_int_equal(show_leases(profiles, &b), -EPROTO);
	assert_int_equal(show_profiles(leases, &b), -EPROTO);
	assert_int_equal(show_events(leases, &b), -EPROTO);
	strbuf_free(&b);
	json_decref(leases);
	json_decref(profiles);
	json_decref(events);
}

static void
test_actions(void **state)
{
	json_t *re = load("{\"marked\": 2, \"hosts\": [\"n1\", \"n2\"], \"ms\": 4}");
	json_t *none = load("{\"marked\": 0, \"hosts\": [], \"ms\": 1}");
	json_t *st = load("{\"results\": [{\"host\": \"n1\", \"ok\": true, \"state\": \"on\"},"
			  " {\"host\": \"n2\", \"ok\": false, \"error\": \"BMC timed out\"},"
			  " {\"host\": \"n3\", \"ok\": true, \"state\": \"off\"}]}");
	json_t *q = load("{\"queued\": 1, \"hosts\": [\"n1\"]}");
	struct strbuf b;
	unsigned failed;

	(void)state;
	strbuf_init(&b, 0);
	assert_int_equal(show_reinstall(re, &b), 0);
	assert_string_equal(b.data, "marked for reinstallation: 2 hosts: n1, n2 (4 ms)\n");
	strbuf_reset(&b);
	assert_int_equal(show_reinstall(none, &b), 0);
	assert_string_equal(b.data, "marked for reinstallation: 0 hosts (1 ms)\n");
	strbuf_reset(&b);
	assert_int_equal(show_power(st, "status", &b, &failed), 0);
	assert_int_equal(failed, 1);
	assert_string_equal(b.data, "HOST  STATE    ERROR\n"
				    "n1    on       -\n"
				    "n2    unknown  BMC timed out\n"
				    "n3    off      -\n");
	strbuf_reset(&b);
	assert_int_equal(show_power(q, "cycle", &b, &failed), 0);
	assert_int_equal(failed, 0);
	assert_string_equal(b.data, "queued power cycle for 1 host: n1\n");
	/* The reply of the other kind: not understood. */
	assert_int_equal(show_power(q, "status", &b, &failed), -EPROTO);
	assert_int_equal(show_power(st, "on", &b, &failed), -EPROTO);
	assert_int_equal(show_reinstall(st, &b), -EPROTO);
	strbuf_free(&b);
	json_decref(re);
	json_decref(none);
	json_decref(st);
	json_decref(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_durations), cmocka_unit_test(test_text),
	    cmocka_unit_test(test_table),     cmocka_unit_test(test_hosts),
	    cmocka_unit_test(test_host),      cmocka_unit_test(test_status),
	    cmocka_unit_test(test_lists),     cmocka_unit_test(test_actions),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
