/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The template renderer (control/provision/template.c): Mustache behaviour
 * (interpolation, dotted names, sections over booleans, strings, maps and
 * lists, inverted sections, comments, standalone lines with LF and CRLF,
 * the context stack), every parse error with its line:column, strict
 * rendering of undefined names and wrong types, the escape contexts, the
 * output and work caps, tpl_check() collecting every error, the tag list,
 * context layering, and a kickstart and a pxelinux menu compared byte for
 * byte.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "provision/template.h"

/* --- helpers ------------------------------------------------------------- */

/* The context most tests render against. */
static struct tpl_ctx *
std_ctx(void)
{
	struct tpl_ctx *c = tpl_ctx_new();
	struct tpl_val *root, *host, *disks, *d, *parts, *ntp, *net;

	assert_non_null(c);
	root = tpl_ctx_root(c);
	assert_int_equal(tpl_set_str(root, "name", "rack-a"), 0);
	assert_int_equal(tpl_set_str(root, "url", "http://10.0.0.1/ks/node-01.cfg"), 0);
	assert_int_equal(tpl_set_str(root, "empty", ""), 0);
	assert_int_equal(tpl_set_bool(root, "yes", true), 0);
	assert_int_equal(tpl_set_bool(root, "no", false), 0);
	host = tpl_set_map(root, "host");
	assert_non_null(host);
	assert_int_equal(tpl_set_str(host, "name", "node-01"), 0);
	assert_int_equal(tpl_set_str(host, "ip", "10.0.0.5"), 0);
	net = tpl_set_map(host, "net");
	assert_non_null(net);
	assert_int_equal(tpl_set_str(net, "gw", "10.0.0.254"), 0);
	disks = tpl_set_list(root, "disks");
	assert_non_null(disks);
	d = tpl_list_add_map(disks);
	assert_non_null(d);
	assert_int_equal(tpl_set_str(d, "dev", "sda"), 0);
	assert_int_equal(tpl_set_str(d, "name", "boot"), 0);
	parts = tpl_set_list(d, "parts");
	assert_non_null(parts);
	assert_int_equal(tpl_list_add_str(parts, "1"), 0);
	assert_int_equal(tpl_list_add_str(parts, "2"), 0);
	d = tpl_list_add_map(disks);
	assert_non_null(d);
	assert_int_equal(tpl_set_str(d, "dev", "sdb"), 0);
	assert_non_null(tpl_set_list(d, "parts"));
	assert_non_null(tpl_set_list(root, "none"));
	ntp = tpl_set_list(root, "ntp");
	assert_non_null(ntp);
	assert_int_equal(tpl_list_add_str(ntp, "ntp1.lab"), 0);
	assert_int_equal(tpl_list_add_str(ntp, "ntp2.lab"), 0);
	return c;
}

static void
set(struct tpl_ctx *c, const char *key, const char *val)
{
	assert_int_equal(tpl_set_str(tpl_ctx_root(c), key, val), 0);
}

static struct tpl *
parse_ok(const char *text)
{
	char err[256];
	struct tpl *t = tpl_parse("t", text, strlen(text), err, sizeof(err));

	if (!t)
		fail_msg("parse of \"%s\" failed: %s", text, err);
	return t;
}

static void
expect_in(struct tpl_ctx *c, const char *text, const char *want)
{
	struct tpl *t = parse_ok(text);
	struct strbuf out;
	char err[256];
	int ret;

	strbuf_init(&out, TPL_OUT_MAX);
	ret = tpl_render(t, c, &out, err, sizeof(err));
	if (ret)
		fail_msg("render of \"%s\" failed: %s", text, err);
	assert_int_equal(out.len, strlen(want));
	assert_string_equal(out.data, want);
	assert_int_equal(tpl_check(t, c, 0, NULL, NULL), 0);
	strbuf_free(&out);
	tpl_free(t);
}

static void
expect(const char *text, const char *want)
{
	struct tpl_ctx *c = std_ctx();

	expect_in(c, text, want);
	tpl_ctx_free(c);
}

static void
expect_parse_err(const char *text, size_t len, const char *want)
{
	char err[256];

	errno = 0;
	assert_null(tpl_parse("t", text, len, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, want);
}

#define PARSE_ERR(text, want) expect_parse_err(text, strlen(text), want)

static void
expect_err_in(struct tpl_ctx *c, const char *text, int code, const char *want)
{
	struct tpl *t = parse_ok(text);
	struct strbuf out;
	char err[256];

	strbuf_init(&out, TPL_OUT_MAX);
	assert_int_equal(tpl_render(t, c, &out, err, sizeof(err)), code);
	assert_string_equal(err, want);
	assert_int_equal(out.len, 0);
	assert_true(tpl_check(t, c, 0, NULL, NULL) >= 1);
	strbuf_free(&out);
	tpl_free(t);
}

static void
expect_err(const char *text, const char *want)
{
	struct tpl_ctx *c = std_ctx();

	expect_err_in(c, text, -EINVAL, want);
	tpl_ctx_free(c);
}

/* --- Mustache behaviour -------------------------------------------------- */

static void
test_interpolation(void **state)
{
	(void)state;
	expect("", "");
	expect("plain text, no tags }} {", "plain text, no tags }} {");
	expect("label {{name}}\n", "label rack-a\n");
	expect("{{ name }}|{{\tname\t}}", "rack-a|rack-a");
	expect("{{name}}{{name}}", "rack-arack-a");
	expect("{{{name}}} {{& name}} {{&name}}", "rack-a rack-a rack-a");
	/* no HTML escaping: these are config files */
	{
		struct tpl_ctx *c = std_ctx();
		set(c, "cmp", "a<b&c>d");
		expect_in(c, "{{cmp}}", "a<b&c>d");
		tpl_ctx_free(c);
	}
}

static void
test_dotted(void **state)
{
	(void)state;
	expect("{{host.ip}} via {{host.net.gw}}", "10.0.0.5 via 10.0.0.254");
	expect("{{#host}}{{name}}{{/host}}", "node-01");
	expect("{{#host.net}}gw={{gw}}{{/host.net}}", "gw=10.0.0.254");
	/* the first part walks the stack, later parts do not */
	expect("{{#host}}{{host.ip}}{{/host}}", "10.0.0.5");
	expect_err("x{{host.mac}}", "t:1:2: 'host.mac' is not defined ('host' has no 'mac')");
	expect_err("{{host.net.gw.x}}",
		   "t:1:1: 'host.net.gw.x' is not defined ('host.net.gw' is a string, not a map)");
	/* gw exists in host.net, but dotted later parts never search outward */
	expect_err("{{#host.net}}{{net.gw}}{{/host.net}}", "t:1:14: 'net.gw' is not defined");
}

static void
test_sections(void **state)
{
	(void)state;
	expect("a{{#yes}}B{{/yes}}c", "aBc");
	expect("a{{#no}}B{{/no}}c", "ac");
	expect("a{{#empty}}B{{/empty}}c", "ac");
	expect("a{{#name}}[{{.}}]{{/name}}c", "a[rack-a]c");
	expect("a{{#none}}B{{/none}}c", "ac");
	expect("{{#disks}}{{dev}},{{/disks}}", "sda,sdb,");
	expect("{{#ntp}}server {{.}}\n{{/ntp}}", "server ntp1.lab\nserver ntp2.lab\n");
	/* a map renders once with the map pushed */
	expect("{{#host}}{{ip}}/{{name}}{{/host}}", "10.0.0.5/node-01");
}

static void
test_inverted(void **state)
{
	(void)state;
	expect("{{^no}}N{{/no}}{{^yes}}Y{{/yes}}", "N");
	expect("{{^none}}no lists{{/none}}{{^disks}}no disks{{/disks}}", "no lists");
	expect("{{^empty}}E{{/empty}}{{^name}}X{{/name}}{{^host}}H{{/host}}", "E");
	expect("{{#disks}}{{dev}}{{^parts}}(bare){{/parts}} {{/disks}}", "sda sdb(bare) ");
}

static void
test_comments(void **state)
{
	(void)state;
	expect("a{{! a comment }}b", "ab");
	expect("a{{!\nspans {{ lines\n}}b", "ab");
	expect("a\n{{! standalone }}\nb\n", "a\nb\n");
	expect("a\n  {{! standalone\n  over two lines }}  \nb\n", "a\nb\n");
	expect("a {{! inline }}\nb\n", "a \nb\n");
}

static void
test_standalone(void **state)
{
	(void)state;
	expect("a\n{{#yes}}\nb\n{{/yes}}\nc\n", "a\nb\nc\n");
	expect("a\n  {{#yes}}  \n\tb\n\t{{/yes}}\t\nc\n", "a\n\tb\nc\n");
	expect("a\r\n{{#yes}}\r\nb\r\n  {{/yes}}\r\nc", "a\r\nb\r\nc");
	/* first line, last line without a newline */
	expect("{{#yes}}\nx\n{{/yes}}", "x\n");
	expect("{{^no}}\nx\n{{/no}}\n", "x\n");
	/* not alone on the line: kept */
	expect("a {{#yes}}b{{/yes}}\n", "a b\n");
	expect("{{#yes}}{{/yes}}\n", "\n");
	expect(" {{#yes}}x\n{{/yes}} \n", " x\n");
	/* a lone '\r' is not a line end */
	expect("{{#yes}}\rx{{/yes}}", "\rx");
	/* variables never stand alone */
	expect("  {{name}}\n", "  rack-a\n");
	/* a section over a list, one line per item */
	expect("disks:\n{{#disks}}\n  - {{dev}}\n{{/disks}}\nend\n",
	       "disks:\n  - sda\n  - sdb\nend\n");
}

static void
test_context_stack(void **state)
{
	(void)state;
	/* item keys shadow outer ones; others come from further out */
	expect("{{#disks}}{{name}}:{{dev}}@{{host.name}};{{/disks}}",
	       "boot:sda@node-01;rack-a:sdb@node-01;");
	/* nested lists */
	expect("{{#disks}}{{dev}}[{{#parts}}{{dev}}{{.}}{{/parts}}]{{/disks}}",
	       "sda[sda1sda2]sdb[]");
	/* a section inside another of the same name: inner lookup from the item */
	expect("{{#host}}{{#net}}{{gw}}/{{ip}}/{{url}}{{/net}}{{/host}}",
	       "10.0.0.254/10.0.0.5/http://10.0.0.1/ks/node-01.cfg");
	expect_err("{{#disks}}{{dev}}{{/disks}}{{dev}}", "t:1:28: 'dev' is not defined");
}

/* --- parse errors -------------------------------------------------------- */

static void
test_parse_errors(void **state)
{
	(void)state;
	PARSE_ERR("a\nb {{name\n}}", "t:2:3: unclosed tag (no '}}' on its line)");
	PARSE_ERR("{{", "t:1:1: unclosed tag (no '}}' on its line)");
	PARSE_ERR("x {{{name}}", "t:1:3: unclosed tag (no '}}' on its line)");
	PARSE_ERR("x\n\n  {{! never", "t:3:3: unclosed comment '{{!'");
	PARSE_ERR("x\n {{#a}}\n{{#b}}\n{{/b}}\n", "t:2:2: section 'a' is never closed");
	PARSE_ERR("{{#a}}\n{{#b}}\n  {{/a}}\n{{/b}}",
		  "t:3:3: '{{/a}}' does not close section 'b' opened at 2:1");
	PARSE_ERR("ok\n {{/a}}", "t:2:2: '{{/a}}' closes no open section");
	PARSE_ERR("a {{}}", "t:1:3: empty tag name");
	PARSE_ERR("a\n{{#  }}{{/}}", "t:2:1: empty tag name");
	PARSE_ERR("{{{ }}}", "t:1:1: empty tag name");
	PARSE_ERR("x {{a b}}", "t:1:3: bad character ' ' in tag name");
	PARSE_ERR("x {{host/ip}}", "t:1:3: bad character '/' in tag name");
	PARSE_ERR("{{a\tb}}", "t:1:1: bad byte 0x09 in tag name");
	PARSE_ERR("{{.a}}", "t:1:1: bad dotted name '.a'");
	PARSE_ERR("{{a.}}", "t:1:1: bad dotted name 'a.'");
	PARSE_ERR("{{a..b}}", "t:1:1: bad dotted name 'a..b'");
	PARSE_ERR("line\n  {{=<% %>=}}", "t:2:3: set-delimiter tags '{{=...=}}' are not supported");
	PARSE_ERR("{{> common}}", "t:1:1: partials '{{>...}}' are not supported");
	expect_parse_err("ab\ncd\0ef", 8, "t:2:3: NUL byte in template");
}

static void
test_parse_limits(void **state)
{
	char name[TPL_NAME_MAX + 8], text[TPL_MAX_DEPTH * 16 + 64], err[256];
	struct tpl *t;
	char *big;
	int i;

	(void)state;
	/* names: exactly the limit parses, one more does not */
	memset(name, 'n', TPL_NAME_MAX + 1);
	snprintf(text, sizeof(text), "{{%.*s}}", TPL_NAME_MAX, name);
	tpl_free(parse_ok(text));
	snprintf(text, sizeof(text), "{{%.*s}}", TPL_NAME_MAX + 1, name);
	PARSE_ERR(text, "t:1:1: tag name longer than 128 bytes");

	/* depth: TPL_MAX_DEPTH sections nest, one more does not */
	text[0] = 0;
	for (i = 0; i < TPL_MAX_DEPTH; i++)
		strcat(text, "{{#yes}}");
	strcat(text, "x");
	for (i = 0; i < TPL_MAX_DEPTH; i++)
		strcat(text, "{{/yes}}");
	expect(text, "x");
	text[0] = 0;
	for (i = 0; i <= TPL_MAX_DEPTH; i++)
		strcat(text, "{{#yes}}");
	PARSE_ERR(text, "t:1:257: sections nested deeper than 32");

	/* size */
	big = malloc(TPL_MAX_SIZE + 1);
	assert_non_null(big);
	memset(big, 'x', TPL_MAX_SIZE + 1);
	t = tpl_parse("big", big, TPL_MAX_SIZE, err, sizeof(err));
	assert_non_null(t);
	tpl_free(t);
	errno = 0;
	assert_null(tpl_parse("big", big, TPL_MAX_SIZE + 1, err, sizeof(err)));
	assert_int_equal(errno, EFBIG);
	assert_string_equal(err, "big: template is 1048577 bytes, more than the limit of 1048576");
	free(big);
}

/* --- strict rendering ---------------------------------------------------- */

static void
test_undefined(void **state)
{
	(void)state;
	expect_err("a\n  b {{nope}}", "t:2:5: 'nope' is not defined");
	expect_err("{{#nope}}x{{/nope}}", "t:1:1: 'nope' is not defined");
	expect_err("\n{{^nope}}x{{/nope}}", "t:2:1: 'nope' is not defined");
	expect_err("{{{nope}}}", "t:1:1: 'nope' is not defined");
	/* undefined inside a section that is skipped is not looked at */
	expect("{{#no}}{{nope}}{{/no}}", "");
}

static void
test_types(void **state)
{
	(void)state;
	expect_err("{{host}}", "t:1:1: 'host' is a map, not a string");
	expect_err("{{disks}}", "t:1:1: 'disks' is a list, not a string");
	expect_err("{{yes}}", "t:1:1: 'yes' is a boolean, not a string");
	expect_err("{{.}}", "t:1:1: '.' is a map, not a string");
	expect_err("{{#disks}}{{.}}{{/disks}}", "t:1:11: '.' is a map, not a string");
}

/* --- escape contexts ----------------------------------------------------- */

static void
test_escape_bare(void **state)
{
	struct tpl_ctx *c = std_ctx();

	(void)state;
	/* a newline in a kernel argument would start a new config line */
	set(c, "url", "http://10.0.0.1/ks.cfg\nappend init=/bin/sh");
	expect_err_in(c, "label x\n  append ks={{url}}\n", -EINVAL,
		      "t:2:13: value of 'url' contains a newline "
		      "(not allowed in an unquoted value)");
	/* a space would add a kernel argument */
	set(c, "url", "http://x/ks.cfg init=/bin/sh");
	expect_err_in(c, "append ks={{url}} quiet", -EINVAL,
		      "t:1:11: value of 'url' contains a space (not allowed in an unquoted value)");
	set(c, "v", "a\tb");
	expect_err_in(c, "x={{v}}", -EINVAL,
		      "t:1:3: value of 'v' contains a tab (not allowed in an unquoted value)");
	/* a quote would open a string that swallows the text after the tag */
	set(c, "v", "a\"b");
	expect_err_in(c, "x={{v}} y=\"z\"", -EINVAL,
		      "t:1:3: value of 'v' contains a double quote "
		      "(not allowed in an unquoted value)");
	set(c, "v", "it's");
	expect_err_in(c, "{{v}}", -EINVAL,
		      "t:1:1: value of 'v' contains a single quote "
		      "(not allowed in an unquoted value)");
	set(c, "v", "a\\");
	expect_err_in(
	    c, "{{v}}", -EINVAL,
	    "t:1:1: value of 'v' contains a backslash (not allowed in an unquoted value)");
	set(c, "v", "a\x1b[2J");
	expect_err_in(c, "{{v}}", -EINVAL,
		      "t:1:1: value of 'v' contains control byte 0x1b "
		      "(not allowed in an unquoted value)");
	set(c, "v", "a\x7f");
	expect_err_in(c, "{{v}}", -EINVAL,
		      "t:1:1: value of 'v' contains control byte 0x7f "
		      "(not allowed in an unquoted value)");
	/* the rest passes, UTF-8 included */
	set(c, "v", "$6$salt$h/a.sh=,:@%+~\xc3\xa9");
	expect_in(c, "{{v}}", "$6$salt$h/a.sh=,:@%+~\xc3\xa9");
	tpl_ctx_free(c);
}

static void
test_escape_quoted(void **state)
{
	struct tpl_ctx *c = std_ctx();

	(void)state;
	set(c, "repo", "http://mirror/os\" --noverifyssl \"");
	expect_err_in(c, "url --url=\"{{repo}}\"\n", -EINVAL,
		      "t:1:12: value of 'repo' contains a double quote "
		      "(not allowed in a double-quoted value)");
	set(c, "repo", "http://mirror/os\\");
	expect_err_in(c, "url --url=\"{{repo}}\"\n", -EINVAL,
		      "t:1:12: value of 'repo' contains a backslash "
		      "(not allowed in a double-quoted value)");
	set(c, "repo", "http://mirror/os\n");
	expect_err_in(c, "url --url=\"{{repo}}\"\n", -EINVAL,
		      "t:1:12: value of 'repo' contains a newline "
		      "(not allowed in a double-quoted value)");
	/* spaces and the other quote are fine inside double quotes */
	set(c, "v", "Rack A's \"no\"");
	set(c, "w", "Rack A's nodes");
	expect_in(c, "menu title \"{{w}}\"", "menu title \"Rack A's nodes\"");
	expect_err_in(c, "menu title '{{v}}'", -EINVAL,
		      "t:1:13: value of 'v' contains a single quote "
		      "(not allowed in a single-quoted value)");
	set(c, "v", "two words \"x\"");
	expect_in(c, "echo '{{v}}'", "echo 'two words \"x\"'");
	/* several tags in one string, an escaped quote before the closing one */
	expect_in(c, "k=\"{{w}} \\\"{{name}}\\\" {{w}}\"",
		  "k=\"Rack A's nodes \\\"rack-a\\\" Rack A's nodes\"");
	/* a quote that does not close on the line does not count */
	expect_err_in(c, "k=\"{{w}}\nx\"", -EINVAL,
		      "t:1:4: value of 'w' contains a space (not allowed in an unquoted value)");
	expect_err_in(c, "# don't {{w}}", -EINVAL,
		      "t:1:9: value of 'w' contains a space (not allowed in an unquoted value)");
	/* nor one a section tag stands between */
	expect_err_in(c, "k=\"{{#yes}}{{w}}{{/yes}}\"", -EINVAL,
		      "t:1:12: value of 'w' contains a space (not allowed in an unquoted value)");
	expect_err_in(c, "k=\"{{w}}{{#yes}}\"{{/yes}}", -EINVAL,
		      "t:1:4: value of 'w' contains a space (not allowed in an unquoted value)");
	/* an escaped quote does not open a string */
	expect_err_in(c, "k=\\\"{{w}}\"", -EINVAL,
		      "t:1:5: value of 'w' contains a space (not allowed in an unquoted value)");
	tpl_ctx_free(c);
}

static void
test_escape_raw(void **state)
{
	struct tpl_ctx *c = std_ctx();

	(void)state;
	set(c, "v", "line one \"q\" 'q' \\\n\tline two");
	expect_in(c, "{{{v}}}|{{& v}}",
		  "line one \"q\" 'q' \\\n\tline two|line one \"q\" 'q' \\\n\tline two");
	set(c, "v", "a\r\nb");
	expect_err_in(c, "%post\n{{{v}}}\n", -EINVAL,
		      "t:2:1: value of 'v' contains a carriage return "
		      "(not allowed in a raw value)");
	set(c, "v", "a\x01");
	expect_err_in(
	    c, "x {{&v}}", -EINVAL,
	    "t:1:3: value of 'v' contains control byte 0x01 (not allowed in a raw value)");
	tpl_ctx_free(c);
}

/* --- caps ---------------------------------------------------------------- */

static void
test_output_cap(void **state)
{
	struct tpl_ctx *c = std_ctx();
	struct tpl *t = parse_ok("0123456789\n{{#disks}}{{dev}}{{/disks}}");
	struct strbuf out;
	char err[256];

	(void)state;
	strbuf_init(&out, 17); /* exactly the output */
	assert_int_equal(tpl_render(t, c, &out, err, sizeof(err)), 0);
	assert_string_equal(out.data, "0123456789\nsdasdb");
	strbuf_free(&out);
	assert_int_equal(tpl_check(t, c, 17, NULL, NULL), 0);

	strbuf_init(&out, 16);
	assert_int_equal(tpl_render(t, c, &out, err, sizeof(err)), -E2BIG);
	assert_string_equal(err, "t:2:11: output would exceed 16 bytes");
	assert_int_equal(out.len, 0);
	assert_string_equal(out.data, "");
	strbuf_free(&out);
	assert_int_equal(tpl_check(t, c, 16, NULL, NULL), 1);
	tpl_free(t);
	tpl_ctx_free(c);
}

static void
test_work_cap(void **state)
{
	struct tpl_ctx *c = tpl_ctx_new();
	struct tpl_val *l;
	struct tpl *t;
	struct strbuf out;
	char text[TPL_MAX_DEPTH * 16 + 16], err[256];
	int i;

	(void)state;
	/* 16 items nested 16 deep: 16^16 visits, no output at all */
	l = tpl_set_list(tpl_ctx_root(c), "l");
	for (i = 0; i < 16; i++)
		assert_non_null(tpl_list_add_map(l));
	text[0] = 0;
	for (i = 0; i < 16; i++)
		strcat(text, "{{#l}}");
	for (i = 0; i < 16; i++)
		strcat(text, "{{/l}}");
	t = parse_ok(text);
	strbuf_init(&out, TPL_OUT_MAX);
	assert_int_equal(tpl_render(t, c, &out, err, sizeof(err)), -E2BIG);
	assert_string_equal(err, "t:1:91: rendering takes more than 262144 steps");
	strbuf_free(&out);
	tpl_free(t);
	tpl_ctx_free(c);
}

/* A lookup's work counts too: 4,096 variables (16 items, 3 deep) are few
 * nodes, but each one compares 4,000 names of the context before it finds
 * its own (found by fuzz_template: deep sections whose lookups each walked
 * the whole stack took over 10 s under the fuzzer). */
static void
test_work_cap_lookups(void **state)
{
	struct tpl_ctx *c = tpl_ctx_new();
	struct tpl_val *l;
	struct tpl *t;
	struct strbuf out;
	char key[16], err[256];
	int i;

	(void)state;
	l = tpl_set_list(tpl_ctx_root(c), "l");
	for (i = 0; i < 16; i++)
		assert_non_null(tpl_list_add_map(l));
	for (i = 0; i < 4000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(tpl_set_str(tpl_ctx_root(c), key, "v"), 0);
	}
	/* 16 x 16 x 16 = 4,096 renders of k0: cheap, well inside the cap. */
	t = parse_ok("{{#l}}{{#l}}{{#l}}{{k0}}{{/l}}{{/l}}{{/l}}");
	strbuf_init(&out, TPL_OUT_MAX);
	assert_int_equal(tpl_render(t, c, &out, err, sizeof(err)), 0);
	assert_int_equal(out.len, 4096);
	strbuf_free(&out);
	tpl_free(t);
	/* The same number of nodes, each lookup 4,000 comparisons deep. */
	t = parse_ok("{{#l}}{{#l}}{{#l}}{{k3999}}{{/l}}{{/l}}{{/l}}");
	strbuf_init(&out, TPL_OUT_MAX);
	assert_int_equal(tpl_render(t, c, &out, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "rendering takes more than 262144 steps"));
	strbuf_free(&out);
	tpl_free(t);
	tpl_ctx_free(c);
}

/* --- checking, tags, contexts -------------------------------------------- */

struct collected {
	char msgs[8][256];
	int n;
};

static void
collect(const char *msg, void *arg)
{
	struct collected *col = arg;

	if (col->n < 8)
		snprintf(col->msgs[col->n], sizeof(col->msgs[0]), "%s", msg);
	col->n++;
}

static void
test_check_collects(void **state)
{
	struct tpl_ctx *c = std_ctx();
	struct collected col = {.n = 0};
	struct tpl *t;

	(void)state;
	set(c, "bad", "a b");
	t = parse_ok("append ip={{host.ip}} ks={{bad}}\n"
		     "{{#nope}}{{skipped}}{{/nope}}\n"
		     "{{#disks}}part {{dev}} --size={{size}}\n{{/disks}}"
		     "ok {{name}}\n");
	assert_int_equal(tpl_check(t, c, 0, collect, &col), 4);
	assert_string_equal(col.msgs[0], "t:1:26: value of 'bad' contains a space "
					 "(not allowed in an unquoted value)");
	assert_string_equal(col.msgs[1], "t:2:1: 'nope' is not defined");
	assert_string_equal(col.msgs[2], "t:3:31: 'size' is not defined");
	assert_string_equal(col.msgs[3], "t:3:31: 'size' is not defined");
	tpl_free(t);
	tpl_ctx_free(c);
}

static void
test_tags(void **state)
{
	struct tpl *t;
	const struct tpl_tag *tg;
	size_t n;

	(void)state;
	t = parse_ok("a {{x}} \"{{y}}\"\n{{#l}}\n'{{l.z}}' {{{r}}}\n{{^m}}{{/m}}{{/l}}{{! c}}");
	tg = tpl_tags(t, &n);
	assert_int_equal(n, 6);
	assert_string_equal(tg[0].name, "x");
	assert_null(tg[0].section);
	assert_int_equal(tg[0].kind, TPL_VAR);
	assert_int_equal(tg[0].esc, TPL_ESC_BARE);
	assert_int_equal(tg[1].esc, TPL_ESC_DQUOTE);
	assert_int_equal(tg[1].col, 10);
	assert_string_equal(tg[2].name, "l");
	assert_int_equal(tg[2].kind, TPL_SECTION);
	assert_int_equal(tg[2].line, 2);
	assert_string_equal(tg[3].name, "l.z");
	assert_string_equal(tg[3].section, "l");
	assert_int_equal(tg[3].esc, TPL_ESC_SQUOTE);
	assert_int_equal(tg[3].line, 3);
	assert_int_equal(tg[3].col, 2);
	assert_int_equal(tg[4].kind, TPL_RAW);
	assert_int_equal(tg[4].esc, TPL_ESC_RAW);
	assert_int_equal(tg[5].kind, TPL_INVERTED);
	assert_string_equal(tg[5].section, "l");
	assert_string_equal(tpl_kind_name(tg[5].kind), "inverted");
	assert_string_equal(tpl_esc_name(tg[1].esc), "double-quoted");
	assert_string_equal(tpl_name(t), "t");
	tpl_free(t);
}

static void
test_ctx_layers(void **state)
{
	struct tpl_ctx *c = tpl_ctx_new();
	struct tpl_val *root = tpl_ctx_root(c), *m, *m2, *l;

	(void)state;
	/* profile, then group, then host: later wins, maps merge */
	m = tpl_set_map(root, "os");
	assert_int_equal(tpl_set_str(m, "name", "debian"), 0);
	assert_int_equal(tpl_set_str(m, "release", "11"), 0);
	m2 = tpl_set_map(root, "os");
	assert_ptr_equal(m, m2);
	assert_int_equal(tpl_set_str(m2, "release", "12"), 0);
	assert_int_equal(tpl_set_bool(root, "serial", false), 0);
	assert_int_equal(tpl_set_str(root, "serial", "ttyS0"), 0);
	expect_in(c, "{{os.name}} {{os.release}} {{serial}}", "debian 12 ttyS0");
	/* a string replaced by a map and the other way round */
	assert_non_null(tpl_set_map(root, "serial"));
	expect_err_in(c, "{{serial}}", -EINVAL, "t:1:1: 'serial' is a map, not a string");
	assert_int_equal(tpl_set_str(root, "os", "x"), 0);
	expect_in(c, "{{os}}", "x");

	/* bad keys and wrong targets */
	assert_int_equal(tpl_set_str(root, "a.b", "x"), -EINVAL);
	assert_int_equal(tpl_set_str(root, "", "x"), -EINVAL);
	assert_int_equal(tpl_set_str(root, "a b", "x"), -EINVAL);
	assert_int_equal(tpl_set_str(root, "k", NULL), -EINVAL);
	l = tpl_set_list(root, "l");
	assert_non_null(l);
	assert_int_equal(tpl_set_str(l, "k", "x"), -EINVAL);
	errno = 0;
	assert_null(tpl_list_add_map(root));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(tpl_list_add_str(root, "x"), -EINVAL);
	tpl_ctx_free(c);
}

/* --- realistic files ----------------------------------------------------- */

static struct tpl_ctx *
host_ctx(void)
{
	struct tpl_ctx *c = tpl_ctx_new();
	struct tpl_val *root = tpl_ctx_root(c), *h, *d, *l, *s;

	h = tpl_set_map(root, "host");
	assert_int_equal(tpl_set_str(h, "name", "db-07"), 0);
	assert_int_equal(tpl_set_str(h, "ip", "10.20.0.17"), 0);
	assert_int_equal(tpl_set_str(h, "mask", "255.255.255.0"), 0);
	assert_int_equal(tpl_set_str(h, "gw", "10.20.0.1"), 0);
	assert_int_equal(tpl_set_str(h, "mac", "52:54:00:ab:cd:07"), 0);
	s = tpl_set_map(root, "server");
	assert_int_equal(tpl_set_str(s, "url", "http://10.20.0.2:8080"), 0);
	assert_int_equal(tpl_set_str(root, "tz", "Europe/Paris"), 0);
	assert_int_equal(tpl_set_str(root, "rootpw", "$6$rb$Xq9/abc.def"), 0);
	assert_int_equal(tpl_set_str(root, "motd", "Managed by rackboot. Don't edit."), 0);
	assert_int_equal(tpl_set_bool(root, "serial", true), 0);
	assert_int_equal(tpl_set_bool(root, "local", false), 0);
	l = tpl_set_list(root, "disks");
	d = tpl_list_add_map(l);
	assert_int_equal(tpl_set_str(d, "mount", "/boot"), 0);
	assert_int_equal(tpl_set_str(d, "size", "1024"), 0);
	assert_int_equal(tpl_set_str(d, "fs", "xfs"), 0);
	d = tpl_list_add_map(l);
	assert_int_equal(tpl_set_str(d, "mount", "/"), 0);
	assert_int_equal(tpl_set_str(d, "size", "40960"), 0);
	assert_int_equal(tpl_set_str(d, "fs", "xfs"), 0);
	l = tpl_set_list(root, "pkgs");
	assert_int_equal(tpl_list_add_str(l, "@core"), 0);
	assert_int_equal(tpl_list_add_str(l, "chrony"), 0);
	l = tpl_set_list(root, "ntp");
	assert_int_equal(tpl_list_add_str(l, "ntp1.lab"), 0);
	l = tpl_set_list(root, "entries");
	d = tpl_list_add_map(l);
	assert_int_equal(tpl_set_str(d, "label", "install"), 0);
	assert_int_equal(tpl_set_str(d, "title", "Install Rocky 9 on db-07"), 0);
	assert_int_equal(tpl_set_str(d, "kernel", "rocky9/vmlinuz"), 0);
	assert_int_equal(tpl_set_str(d, "initrd", "rocky9/initrd.img"), 0);
	assert_int_equal(tpl_set_str(d, "extra", ""), 0);
	d = tpl_list_add_map(l);
	assert_int_equal(tpl_set_str(d, "label", "rescue"), 0);
	assert_int_equal(tpl_set_str(d, "title", "Rescue shell"), 0);
	assert_int_equal(tpl_set_str(d, "kernel", "rocky9/vmlinuz"), 0);
	assert_int_equal(tpl_set_str(d, "initrd", "rocky9/initrd.img"), 0);
	assert_int_equal(tpl_set_str(d, "extra", "inst.rescue"), 0);
	return c;
}

static void
test_kickstart(void **state)
{
	static const char text[] =
	    "{{! Rocky 9 kickstart, rendered per host }}\n"
	    "text\n"
	    "url --url=\"{{server.url}}/repo/rocky9\"\n"
	    "lang en_US.UTF-8\n"
	    "timezone {{tz}} --utc\n"
	    "network --bootproto=static --ip={{host.ip}} --netmask={{host.mask}} "
	    "--gateway={{host.gw}} --hostname={{host.name}}\n"
	    "rootpw --iscrypted {{rootpw}}\n"
	    "{{#ntp}}\n"
	    "timesource --ntp-server={{.}}\n"
	    "{{/ntp}}\n"
	    "clearpart --all --initlabel\n"
	    "{{#disks}}\n"
	    "part {{mount}} --size={{size}} --fstype={{fs}}\n"
	    "{{/disks}}\n"
	    "\n"
	    "%packages\n"
	    "{{#pkgs}}\n"
	    "{{.}}\n"
	    "{{/pkgs}}\n"
	    "%end\n"
	    "\n"
	    "%post\n"
	    "echo '{{motd}}' > /etc/motd\n"
	    "curl -fsS \"{{server.url}}/api/done?host={{host.name}}\"\n"
	    "%end\n";
	static const char want[] =
	    "text\n"
	    "url --url=\"http://10.20.0.2:8080/repo/rocky9\"\n"
	    "lang en_US.UTF-8\n"
	    "timezone Europe/Paris --utc\n"
	    "network --bootproto=static --ip=10.20.0.17 --netmask=255.255.255.0 "
	    "--gateway=10.20.0.1 --hostname=db-07\n"
	    "rootpw --iscrypted $6$rb$Xq9/abc.def\n"
	    "timesource --ntp-server=ntp1.lab\n"
	    "clearpart --all --initlabel\n"
	    "part /boot --size=1024 --fstype=xfs\n"
	    "part / --size=40960 --fstype=xfs\n"
	    "\n"
	    "%packages\n"
	    "@core\n"
	    "chrony\n"
	    "%end\n"
	    "\n"
	    "%post\n"
	    "echo 'Managed by rackboot. Don't edit.' > /etc/motd\n"
	    "curl -fsS \"http://10.20.0.2:8080/api/done?host=db-07\"\n"
	    "%end\n";
	struct tpl_ctx *c = host_ctx();

	(void)state;
	/* the motd holds a single quote: refused inside '...' */
	expect_err_in(c, text, -EINVAL,
		      "t:23:7: value of 'motd' contains a single quote "
		      "(not allowed in a single-quoted value)");
	assert_int_equal(tpl_set_str(tpl_ctx_root(c), "motd", "Managed by rackboot. Do not edit."),
			 0);
	{
		char fixed[sizeof(want) + 8];
		char *p;

		snprintf(fixed, sizeof(fixed), "%s", want);
		p = strstr(fixed, "Don't");
		assert_non_null(p);
		memmove(p + 6, p + 5, strlen(p + 5) + 1);
		memcpy(p, "Do not", 6);
		expect_in(c, text, fixed);
	}
	tpl_ctx_free(c);
}

static void
test_pxelinux(void **state)
{
	static const char text[] =
	    "# pxelinux.cfg/01-{{host.mac}}\r\n"
	    "DEFAULT menu.c32\r\n"
	    "{{#serial}}\r\n"
	    "SERIAL 0 115200\r\n"
	    "{{/serial}}\r\n"
	    "MENU TITLE {{{host.name}}} ({{host.ip}})\r\n"
	    "{{#entries}}\r\n"
	    "\r\n"
	    "LABEL {{label}}\r\n"
	    "  MENU LABEL {{{title}}}\r\n"
	    "  KERNEL {{kernel}}\r\n"
	    "  APPEND initrd={{initrd}} ip={{host.ip}}::{{host.gw}}:{{host.mask}}:{{host.name}}"
	    "{{#extra}} {{extra}}{{/extra}}\r\n"
	    "{{/entries}}\r\n"
	    "{{^local}}\r\n"
	    "\r\n"
	    "LABEL local\r\n"
	    "  LOCALBOOT 0\r\n"
	    "{{/local}}\r\n";
	static const char want[] =
	    "# pxelinux.cfg/01-52:54:00:ab:cd:07\r\n"
	    "DEFAULT menu.c32\r\n"
	    "SERIAL 0 115200\r\n"
	    "MENU TITLE db-07 (10.20.0.17)\r\n"
	    "\r\n"
	    "LABEL install\r\n"
	    "  MENU LABEL Install Rocky 9 on db-07\r\n"
	    "  KERNEL rocky9/vmlinuz\r\n"
	    "  APPEND initrd=rocky9/initrd.img ip=10.20.0.17::10.20.0.1:255.255.255.0:db-07\r\n"
	    "\r\n"
	    "LABEL rescue\r\n"
	    "  MENU LABEL Rescue shell\r\n"
	    "  KERNEL rocky9/vmlinuz\r\n"
	    "  APPEND initrd=rocky9/initrd.img ip=10.20.0.17::10.20.0.1:255.255.255.0:db-07 "
	    "inst.rescue\r\n"
	    "\r\n"
	    "LABEL local\r\n"
	    "  LOCALBOOT 0\r\n";
	struct tpl_ctx *c = host_ctx();
	struct tpl_val *e;

	(void)state;
	expect_in(c, text, want);
	/* an entry's extra arguments may not smuggle in a second argument */
	e = tpl_list_add_map(tpl_set_list(tpl_ctx_root(c), "entries"));
	assert_non_null(e);
	assert_int_equal(tpl_set_str(e, "label", "x"), 0);
	assert_int_equal(tpl_set_str(e, "title", "X"), 0);
	assert_int_equal(tpl_set_str(e, "kernel", "k"), 0);
	assert_int_equal(tpl_set_str(e, "initrd", "i"), 0);
	assert_int_equal(tpl_set_str(e, "extra", "quiet init=/bin/sh"), 0);
	expect_err_in(c, text, -EINVAL,
		      "t:12:94: value of 'extra' contains a space "
		      "(not allowed in an unquoted value)");
	tpl_ctx_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interpolation),
	    cmocka_unit_test(test_dotted),
	    cmocka_unit_test(test_sections),
	    cmocka_unit_test(test_inverted),
	    cmocka_unit_test(test_comments),
	    cmocka_unit_test(test_standalone),
	    cmocka_unit_test(test_context_stack),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_parse_limits),
	    cmocka_unit_test(test_undefined),
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_escape_bare),
	    cmocka_unit_test(test_escape_quoted),
	    cmocka_unit_test(test_escape_raw),
	    cmocka_unit_test(test_output_cap),
	    cmocka_unit_test(test_work_cap),
	    cmocka_unit_test(test_work_cap_lookups),
	    cmocka_unit_test(test_check_collects),
	    cmocka_unit_test(test_tags),
	    cmocka_unit_test(test_ctx_layers),
	    cmocka_unit_test(test_kickstart),
	    cmocka_unit_test(test_pxelinux),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
