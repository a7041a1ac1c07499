/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rackbootctl watch: frames rendered from canned status and hosts replies:
 * the header's counts, bars and percentages, the failed section, a
 * selection, a stale frame, control characters from the server, and a
 * 500-host rack compacted into every terminal height from 1 to 60 rows.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fmt.h"
#include "watch.h"

static const char status_json[] =
    "{\"server\": \"198.18.0.1\", \"version\": \"0.1.0\", \"uptime_s\": 11520,"
    " \"hosts\": {\"booting\": 1, \"installing\": 1, \"failed\": 1, \"installed\": 1,"
    " \"ready\": 1}, \"phases\": {\"kernel\": 1, \"repository\": 1},"
    " \"failures\": {\"tftp-timeout\": 1}, \"rate_bps\": 812400000, \"eta_s\": 250,"
    " \"leases\": {\"bound\": 4}}";

static const char hosts_json[] =
    "{\"hosts\": ["
    "{\"name\": \"node001\", \"mac\": \"52:54:00:00:00:01\", \"ip\": \"198.18.0.101\","
    " \"profile\": \"debian12\", \"state\": \"booting\", \"phase\": \"kernel\","
    " \"since\": 1714557588, \"seconds_in_state\": 12, \"progress\": {\"file\":"
    " \"debian/vmlinuz\", \"bytes\": 37900000, \"size\": 65000000}, \"reason\": null,"
    " \"install\": true},"
    "{\"name\": \"node002\", \"mac\": \"52:54:00:00:00:02\", \"ip\": \"198.18.0.102\","
    " \"profile\": \"debian12\", \"state\": \"installing\", \"phase\": \"repository\","
    " \"since\": 1714557408, \"seconds_in_state\": 192, \"progress\": {\"file\": \"x.deb\","
    " \"bytes\": 1234500000, \"size\": null}, \"reason\": null, \"install\": true},"
    "{\"name\": \"node003\", \"mac\": \"52:54:00:00:00:03\", \"ip\": null,"
    " \"profile\": \"debian12\", \"state\": \"failed\", \"phase\": \"initrd\","
    " \"since\": 1714556880, \"seconds_in_state\": 720, \"progress\": null,"
    " \"reason\": \"tftp timeout on initrd.img\", \"install\": false},"
    "{\"name\": \"node004\", \"mac\": \"52:54:00:00:00:04\", \"ip\": \"198.18.0.104\","
    " \"profile\": \"debian12\", \"state\": \"installed\", \"phase\": null,"
    " \"since\": 1714550400, \"seconds_in_state\": 7200, \"progress\": null,"
    " \"reason\": null, \"install\": false},"
    "{\"name\": \"node005\", \"mac\": \"52:54:00:00:00:05\", \"ip\": null,"
    " \"profile\": null, \"state\": \"ready\", \"phase\": null, \"since\": 1714557600,"
    " \"seconds_in_state\": 0, \"progress\": null, \"reason\": null, \"install\": false}"
    "]}";

static json_t *
load(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	if (!j)
		fail_msg("canned JSON: %s at %d", e.text, e.position);
	return j;
}

/* The frame's lines, split in place (at most max). */
static size_t
lines(char *frame, char **out, size_t max)
{
	size_t n = 0;
	char *nl;

	while (frame && *frame && (nl = strchr(frame, '\n'))) {
		*nl = 0;
		if (n < max)
			out[n] = frame;
		n++;
		frame = nl + 1;
	}
	return n;
}

/* The line starting with prefix, or NULL. */
static const char *
line_with(char **l, size_t n, const char *prefix)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strncmp(l[i], prefix, strlen(prefix)))
			return l[i];
	return NULL;
}

/* Nothing but printable text and newlines: no escape codes. */
static void
assert_plain(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n')
			fail_msg("control character 0x%02x in the frame", (unsigned char)*s);
}

static void
test_frame(void **state)
{
	json_t *st = load(status_json), *hl = load(hosts_json);
	struct strbuf out;
	char *l[64] = {0};
	const char *h;
	size_t n;

	(void)state;
	strbuf_init(&out, 0);
	assert_int_equal(watch_render(st, hl, NULL, 0, 0, &out), 0);
	assert_plain(out.data);
	n = lines(out.data, l, 64);
	assert_int_equal(n, 4 + 1 + 6 + 1 + 2);
	assert_string_equal(l[0], "rackboot 198.18.0.1  0.1.0  up 3h12m  leases 4 bound");
	assert_string_equal(l[1],
			    "hosts 5: ready 1, booting 1, installing 1, installed 1, failed 1");
	/* Phases of the moving hosts only: node003 failed in initrd. */
	assert_string_equal(l[2], "phases: kernel 1, repository 1");
	assert_string_equal(l[3], "rate 812.4 MB/s  eta 4m10s  failures: tftp-timeout 1");
	assert_string_equal(l[4], "");
	assert_string_equal(l[5], "NAME     STATE       PHASE       SINCE   PROGRESS");
	/* 37.9 of 65.0 MB: 58%, 7 of 12 cells. */
	assert_string_equal(
	    l[6], "node001  booting     kernel      12s     [#######.....]  58%  37.9/65.0 MB");
	/* No size: a running count. */
	assert_string_equal(l[7], "node002  installing  repository  3m12s   1234.5 MB");
	assert_string_equal(l[8], "node003  failed      initrd      12m00s  -");
	assert_string_equal(l[9], "node004  installed   -           2h00m   -");
	assert_string_equal(l[10], "node005  ready       -           0s      -");
	assert_string_equal(l[11], "");
	assert_string_equal(l[12], "failed (1):");
	assert_string_equal(l[13], "node003  12m00s  tftp timeout on initrd.img");
	h = line_with(l, n, "...");
	assert_null(h);
	strbuf_free(&out);
	json_decref(st);
	json_decref(hl);
}

static void
test_bars(void **state)
{
	static const struct {
		double bytes, size;
		const char *want;
	} v[] = {
	    {0, 65e6, "[............]   0%  0.0/65.0 MB"},
	    {65e6, 65e6, "[############] 100%  65.0/65.0 MB"},
	    /* 99.9%: not full until it is done. */
	    {64.9e6, 65e6, "[###########.]  99%  64.9/65.0 MB"},
	    {32.5e6, 65e6, "[######......]  50%  32.5/65.0 MB"},
	    /* More than the size (a server that rounds): clamped. */
	    {70e6, 65e6, "[############] 100%  70.0/65.0 MB"},
	};
	struct strbuf out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		json_t *hl = json_pack("{s:[{s:s, s:s, s:s, s:i, s:{s:s, s:f, s:f}}]}", "hosts",
				       "name", "n1", "state", "booting", "phase", "initrd",
				       "seconds_in_state", 3, "progress", "file", "initrd.gz",
				       "bytes", v[i].bytes, "size", v[i].size);
		char *l[16] = {0}, want[128];

		assert_non_null(hl);
		strbuf_init(&out, 0);
		assert_int_equal(watch_render(NULL, hl, NULL, 0, 0, &out), 0);
		assert_true(lines(out.data, l, 16) >= 7);
		snprintf(want, sizeof(want), "n1    booting  initrd  3s     %s", v[i].want);
		assert_string_equal(l[6], want);
		strbuf_free(&out);
		json_decref(hl);
	}
}

static void
test_selection(void **state)
{
	json_t *st = load(status_json), *hl = load(hosts_json), *sel;
	struct strbuf out;
	char *l[32] = {0};

	(void)state;
	/* Two of the five hosts: their counts, "of" the server's total. */
	sel = json_pack("{s:[O, O]}", "hosts", json_array_get(json_object_get(hl, "hosts"), 0),
			json_array_get(json_object_get(hl, "hosts"), 2));
	strbuf_init(&out, 0);
	assert_int_equal(watch_render(st, sel, NULL, 0, 0, &out), 0);
	lines(out.data, l, 32);
	assert_string_equal(l[1], "hosts 2 of 5: booting 1, failed 1");
	assert_string_equal(l[2], "phases: kernel 1");
	strbuf_free(&out);
	json_decref(sel);

	/* An empty selection. */
	sel = json_pack("{s:[]}", "hosts");
	strbuf_init(&out, 0);
	assert_int_equal(watch_render(st, sel, NULL, 0, 0, &out), 0);
	assert_int_equal(lines(out.data, l, 32), 6);
	assert_string_equal(l[1], "hosts 0 of 5: -");
	assert_string_equal(l[5], "no hosts");
	strbuf_free(&out);
	json_decref(sel);
	json_decref(st);
	json_decref(hl);
}

static void
test_stale_and_missing(void **state)
{
	json_t *st = load(status_json);
	struct strbuf out;
	char *l[16] = {0};

	(void)state;
	/* Nothing yet: the header says why, and nothing crashes. */
	strbuf_init(&out, 0);
	assert_int_equal(watch_render(NULL, NULL, "cannot reach http://127.0.0.1:1", 0, 0, &out),
			 0);
	assert_int_equal(lines(out.data, l, 16), 5);
	assert_string_equal(l[0], "rackboot ?  (stale: cannot reach http://127.0.0.1:1)");
	assert_string_equal(l[1], "hosts 0: -");
	assert_string_equal(l[3], "rate -  eta -  failures: -");
	strbuf_free(&out);
	/* Status only: the counts are the server's. */
	strbuf_init(&out, 0);
	assert_int_equal(watch_render(st, NULL, NULL, 0, 0, &out), 0);
	lines(out.data, l, 16);
	assert_string_equal(l[1],
			    "hosts 5: ready 1, booting 1, installing 1, installed 1, failed 1");
	strbuf_free(&out);
	json_decref(st);
}

static void
test_control_chars(void **state)
{
	json_t *hl = json_pack("{s:[{s:s, s:s, s:s}]}", "hosts", "name", "evil\033[2J", "state",
			       "failed", "reason", "bad\rthing\033]0;title\007");
	struct strbuf out;

	(void)state;
	strbuf_init(&out, 0);
	assert_int_equal(watch_render(NULL, hl, "note\033[H", 0, 0, &out), 0);
	assert_plain(out.data);
	assert_non_null(strstr(out.data, "evil?[2J"));
	assert_non_null(strstr(out.data, "bad?thing?]0;title?"));
	strbuf_free(&out);
	json_decref(hl);
}

/* A rack like the integration test's: 500 hosts, 50 moving, 10 failed. */
static json_t *
big_rack(size_t n, size_t *moving, size_t *failed)
{
	json_t *hosts = json_array(), *h;
	char name[16];
	size_t i;

	*moving = *failed = 0;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "r%04zu", i);
		if (i % 50 == 7) {
			h = json_pack("{s:s, s:s, s:s, s:i, s:s}", "name", name, "state", "failed",
				      "phase", "kernel", "seconds_in_state", 300, "reason",
				      "dhcp timeout");
			++*failed;
		} else if (i % 10 == 3) {
			h = json_pack("{s:s, s:s, s:s, s:i, s:{s:s, s:i, s:i}}", "name", name,
				      "state", "booting", "phase", "initrd", "seconds_in_state", 5,
				      "progress", "file", "initrd.gz", "bytes", (int)(i * 100000),
				      "size", 60000000);
			++*moving;
		} else {
			h = json_pack("{s:s, s:s, s:n, s:i}", "name", name, "state", "installed",
				      "phase", "seconds_in_state", 3600);
		}
		json_array_append_new(hosts, h);
	}
	return json_pack("{s:o}", "hosts", hosts);
}

static void
test_500_hosts(void **state)
{
	size_t moving, failed, n, i, host_lines, shown_moving;
	json_t *hl = big_rack(500, &moving, &failed), *st = load(status_json);
	unsigned rows;
	struct strbuf out;
	char *l[128] = {0};

	(void)state;
	assert_int_equal(moving, 50);
	assert_int_equal(failed, 10);
	/* 50 rows, 100 columns: the header, the moving hosts first, the rest counted. */
	strbuf_init(&out, 0);
	assert_int_equal(watch_render(st, hl, NULL, 50, 100, &out), 0);
	assert_plain(out.data);
	n = lines(out.data, l, 128);
	assert_true(n <= 50);
	assert_true(n >= 48); /* the budget is used, not wasted */
	assert_string_equal(l[1], "hosts 500: booting 50, installed 440, failed 10");
	assert_string_equal(l[5], "NAME   STATE    PHASE   SINCE  PROGRESS");
	host_lines = 0;
	shown_moving = 0;
	for (i = 6; i < n && l[i][0] == 'r'; i++) {
		host_lines++;
		shown_moving += strstr(l[i], "booting") != NULL;
	}
	/* Every row a host gets goes to a moving one while there are some. */
	assert_true(host_lines > 20);
	assert_int_equal(shown_moving, host_lines);
	{
		char want[64];

		snprintf(want, sizeof(want), "... and %zu more: ", 500 - host_lines);
		assert_non_null(line_with(l, n, want));
		snprintf(want, sizeof(want), "booting %zu, installed 440, failed 10",
			 50 - host_lines);
		assert_non_null(strstr(line_with(l, n, "... and"), want));
	}
	/* The failed section: its title, at least one host, and how many more. */
	assert_non_null(line_with(l, n, "failed (10):"));
	assert_non_null(line_with(l, n, "r0007  5m00s  dhcp timeout"));
	assert_non_null(line_with(l, n, "... and "));
	for (i = 0; i < n; i++)
		assert_true(fmt_width(l[i]) <= 100);
	strbuf_free(&out);

	/* Every height: never more lines than rows; from 12 rows on, at least
	 * one host line, the failed title and both "more" lines. */
	for (rows = 1; rows <= 60; rows++) {
		strbuf_init(&out, 0);
		assert_int_equal(watch_render(st, hl, NULL, rows, 80, &out), 0);
		n = lines(out.data, l, 128);
		if (n > rows)
			fail_msg("%zu lines for %u rows", n, rows);
		if (rows >= 12) {
			assert_non_null(line_with(l, n, "r00"));
			assert_non_null(line_with(l, n, "failed (10):"));
			assert_non_null(line_with(l, n, "... and "));
			/* All ten failed hosts, or as many as fit and how many more. */
			if (!line_with(l, n, "... and 9 more failed") &&
			    !line_with(l, n, "... and 8 more failed") &&
			    !line_with(l, n, "... and 7 more failed") &&
			    !line_with(l, n, "... and 6 more failed") &&
			    !line_with(l, n, "... and 5 more failed") &&
			    !line_with(l, n, "... and 4 more failed") &&
			    !line_with(l, n, "... and 3 more failed") &&
			    !line_with(l, n, "... and 2 more failed") &&
			    !line_with(l, n, "... and 1 more failed")) {
				size_t k = 0;

				for (i = 0; i < n; i++)
					k += strstr(l[i], "dhcp timeout") != NULL;
				assert_int_equal(k, 10);
			}
		}
		for (i = 0; i < n; i++)
			assert_true(fmt_width(l[i]) <= 80);
		strbuf_free(&out);
	}
	/* Unlimited rows (a pipe): every host and every failed host. */
	strbuf_init(&out, 0);
	assert_int_equal(watch_render(st, hl, NULL, 0, 0, &out), 0);
	n = lines(out.data, l, 128);
	assert_int_equal(n, 5 + 1 + 500 + 2 + 10);
	strbuf_free(&out);
	json_decref(hl);
	json_decref(st);
}

static void
test_fits_exactly(void **state)
{
	json_t *st = load(status_json), *hl = load(hosts_json);
	struct strbuf out;
	char *l[32] = {0};

	(void)state;
	/* The 14-line frame in 14 rows: nothing compacted. */
	strbuf_init(&out, 0);
	assert_int_equal(watch_render(st, hl, NULL, 14, 0, &out), 0);
	assert_null(strstr(out.data, "more"));
	assert_int_equal(lines(out.data, l, 32), 14);
	strbuf_free(&out);
	/* One row less: something gives, and says so. */
	strbuf_init(&out, 0);
	assert_int_equal(watch_render(st, hl, NULL, 13, 0, &out), 0);
	assert_non_null(strstr(out.data, "\n... and 2 more: ready 1, installed 1\n"));
	assert_int_equal(lines(out.data, l, 32), 13);
	strbuf_free(&out);
	json_decref(st);
	json_decref(hl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frame),	  cmocka_unit_test(test_bars),
	    cmocka_unit_test(test_selection),	  cmocka_unit_test(test_stale_and_missing),
	    cmocka_unit_test(test_control_chars), cmocka_unit_test(test_500_hosts),
	    cmocka_unit_test(test_fits_exactly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
