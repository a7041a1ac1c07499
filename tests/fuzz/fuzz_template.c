/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_template.c: libFuzzer target for the template renderer. Every input
 * is parsed as a template; one that parses is rendered against a fixed
 * context that has strings (some the escape checks refuse), booleans, maps,
 * lists of maps and of strings, with a 64 KiB output cap. Checked: a parse
 * error has a "fuzz:" message; the tag list is sane; a render either
 * succeeds with output inside the cap and no NUL in it, or fails with a
 * known code and a message; tpl_check() finds errors exactly when
 * tpl_render() fails, and a second render gives the same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "fuzz.h"

#define OUT_CAP (64u * 1024)

static struct tpl_ctx *
context(void)
{
	struct tpl_ctx *c = tpl_ctx_new();
	struct tpl_val *root, *host, *disks, *d, *ntp;

	CHECK(c);
	root = tpl_ctx_root(c);
	host = tpl_set_map(root, "host");
	CHECK(host && tpl_set_str(host, "name", "node-01") == 0);
	CHECK(tpl_set_str(host, "ip", "10.0.0.5") == 0);
	CHECK(tpl_set_str(root, "url", "http://10.0.0.1/ks.cfg") == 0);
	CHECK(tpl_set_str(root, "spaced", "a b") == 0);
	CHECK(tpl_set_str(root, "quoted", "say \"hi\"") == 0);
	CHECK(tpl_set_str(root, "nl", "one\ntwo") == 0);
	CHECK(tpl_set_str(root, "empty", "") == 0);
	CHECK(tpl_set_bool(root, "yes", true) == 0);
	CHECK(tpl_set_bool(root, "no", false) == 0);
	disks = tpl_set_list(root, "disks");
	CHECK(disks);
	for (int i = 0; i < 3; i++) {
		d = tpl_list_add_map(disks);
		CHECK(d && tpl_set_str(d, "dev", i ? "sdb" : "sda") == 0);
		CHECK(tpl_set_str(d, "size", "100") == 0);
	}
	CHECK(tpl_set_list(root, "none"));
	ntp = tpl_set_list(root, "ntp");
	CHECK(ntp && tpl_list_add_str(ntp, "ntp1") == 0 && tpl_list_add_str(ntp, "ntp 2") == 0);
	return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tpl_ctx *ctx;
	char err[256], err2[256];
	struct strbuf out, again;
	const struct tpl_tag *tags;
	struct tpl *t;
	size_t n, i;
	int ret, nerr;

	if (!ctx)
		ctx = context();
	t = tpl_parse("fuzz", (const char *)data, size, err, sizeof(err));
	if (!t) {
		CHECK(errno == EINVAL || errno == EFBIG);
		CHECK(strncmp(err, "fuzz:", 5) == 0);
		return 0;
	}
	tags = tpl_tags(t, &n);
	for (i = 0; i < n; i++) {
		CHECK(tags[i].name && tags[i].name[0] && strlen(tags[i].name) <= TPL_NAME_MAX);
		CHECK(tags[i].line >= 1 && tags[i].col >= 1);
		CHECK(strcmp(tpl_kind_name(tags[i].kind), "unknown") != 0);
		CHECK(strcmp(tpl_esc_name(tags[i].esc), "unknown") != 0);
	}

	strbuf_init(&out, OUT_CAP);
	ret = tpl_render(t, ctx, &out, err, sizeof(err));
	nerr = tpl_check(t, ctx, OUT_CAP, NULL, NULL);
	CHECK(nerr >= 0);
	if (ret == 0) {
		CHECK(nerr == 0);
		CHECK(out.len <= OUT_CAP && out.data && out.data[out.len] == 0);
		CHECK(strlen(out.data) == out.len);
		strbuf_init(&again, OUT_CAP);
		CHECK(tpl_render(t, ctx, &again, err2, sizeof(err2)) == 0);
		CHECK(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
		strbuf_free(&again);
	} else {
		CHECK(ret == -EINVAL || ret == -E2BIG);
		CHECK(nerr >= 1 && out.len == 0);
		CHECK(strncmp(err, "fuzz:", 5) == 0);
	}
	strbuf_free(&out);
	tpl_free(t);
	return 0;
}
