/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * template.h: the strict, logic-less template renderer behind per-host
 * kickstart, preseed, cloud-init, iPXE, pxelinux and GRUB files.
 *
 * The language is a subset of Mustache:
 *   {{name}} {{host.ip}}     a string value (dotted names walk into maps)
 *   {{{name}}} {{& name}}    the same, "raw" (see contexts below)
 *   {{#name}}..{{/name}}     a section: false, "" or [] skip it; true or a
 *                            string render it once; a map renders it once
 *                            with the map pushed on the context stack; a
 *                            list renders it once per item, item pushed
 *   {{^name}}..{{/name}}     inverted: rendered only when #name would skip
 *   {{! comment }}           nothing (may span lines)
 *   {{.}}                    the item on top of the stack (a list of strings)
 * A name's first part is looked up from the top of the context stack down
 * to the root, as Mustache does; later parts only inside what it found.
 * A section or comment tag alone on its line (spaces and tabs around it)
 * takes the whole line with it, "\n" or "\r\n", as Mustache specifies.
 *
 * Where it deviates from Mustache, on purpose:
 *  - No HTML escaping: the output is config files, not HTML. {{x}} and
 *    {{{x}}} differ only in the context checks below.
 *  - No partials, lambdas or set-delimiter tags; '{{>' and '{{=' are
 *    parse errors that say so.
 *  - Strict: a name the context does not define, in a variable, section or
 *    inverted section, is an error, never "". So is interpolating a map, a
 *    list or a boolean. Define optional values as false or "" instead.
 *  - A "{{" that does not open a valid tag is an error, not text.
 *  - Template text may not contain NUL bytes.
 *
 * Context escapes. Every {{x}} gets a context at parse time from the literal
 * template text around it on its line:
 *   TPL_ESC_DQUOTE  inside "...": the value may not hold '"', '\' or a
 *                   control byte;
 *   TPL_ESC_SQUOTE  inside '...': no "'", '\' or control byte;
 *   TPL_ESC_BARE    anywhere else: no space, tab, quote, backslash or
 *                   control byte, so a value cannot add a kernel argument
 *                   or a kickstart line, nor open a quote that swallows the
 *                   template text after it;
 *   TPL_ESC_RAW     {{{x}}} and {{& x}}: any byte but the control bytes,
 *                   tab and newline excepted.
 * A tag counts as quoted only when both its opening and its closing quote
 * are in literal text on its line with no section tag between the quote and
 * the tag (a section might repeat or drop the quote); in doubt it is BARE,
 * the strictest. Inside quotes a backslash escapes the next byte, and so
 * does one outside them. '$' and '`' are not refused: these are checks
 * against breaking the file's structure, not a shell quoter.
 *
 * Errors for operators read "name:line:column: message", where line and
 * column (1-based, columns count bytes) are those of the offending tag's
 * "{{". Parsing reports the first error; tpl_check() reports every render
 * error a context causes, so a config loader can render each host's
 * templates once at load time and refuse the config before anything boots.
 *
 * A parsed template is immutable: several threads may render it at once.
 */
#ifndef RB_CONTROL_TEMPLATE_H
#define RB_CONTROL_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define TPL_MAX_SIZE (1u << 20)	 /* bytes of template text */
#define TPL_MAX_DEPTH 32	 /* sections open inside each other */
#define TPL_NAME_MAX 128	 /* bytes in a tag name or a context key */
#define TPL_OUT_MAX (4u << 20)	 /* default output cap, bytes */
#define TPL_MAX_STEPS (1u << 18) /* nodes visited + names compared by lookups, one render */

/* --- templates ----------------------------------------------------------- */

struct tpl;

/*
 * Parses len bytes of text (a copy is kept). name is used in messages.
 * NULL with errno EINVAL (a syntax error), EFBIG (more than TPL_MAX_SIZE)
 * or ENOMEM, and a message in err.
 */
struct tpl *tpl_parse(const char *name, const char *text, size_t len, char *err, size_t errlen);
void tpl_free(struct tpl *t);
const char *tpl_name(const struct tpl *t);

enum tpl_kind {
	TPL_VAR,      /* {{x}} */
	TPL_RAW,      /* {{{x}}}, {{& x}} */
	TPL_SECTION,  /* {{#x}} */
	TPL_INVERTED, /* {{^x}} */
};

enum tpl_esc {
	TPL_ESC_BARE,
	TPL_ESC_DQUOTE,
	TPL_ESC_SQUOTE,
	TPL_ESC_RAW,
};

/* One tag, as `rackboot explain` lists it. */
struct tpl_tag {
	const char *name;    /* as written: "host.ip", "." */
	const char *section; /* innermost enclosing section's name, or NULL */
	unsigned line, col;
	enum tpl_kind kind;
	enum tpl_esc esc; /* TPL_ESC_RAW for sections */
};

/* The template's tags in text order (closing tags not listed); *n is set. */
const struct tpl_tag *tpl_tags(const struct tpl *t, size_t *n);
const char *tpl_kind_name(enum tpl_kind k);
const char *tpl_esc_name(enum tpl_esc e);

/* --- contexts ------------------------------------------------------------ */

/*
 * A context is a tree of values the caller builds; every string is copied.
 * Keys are 1..TPL_NAME_MAX bytes of [A-Za-z0-9_-]. Setting a key that
 * exists replaces its value, except tpl_set_map(), which returns the map
 * already there: so profile, group and host layers can be set in that
 * order into one context and merge, the later winning.
 * Pointer functions return NULL with errno EINVAL (bad key, or the target
 * is not a map/list) or ENOMEM; int functions return 0 or -errno.
 */
struct tpl_ctx;
struct tpl_val;

struct tpl_ctx *tpl_ctx_new(void);
void tpl_ctx_free(struct tpl_ctx *c);
/* The root map. */
struct tpl_val *tpl_ctx_root(struct tpl_ctx *c);

int tpl_set_str(struct tpl_val *map, const char *key, const char *s);
int tpl_set_bool(struct tpl_val *map, const char *key, bool b);
struct tpl_val *tpl_set_map(struct tpl_val *map, const char *key);
/* A new empty list under key (replacing what was there). */
struct tpl_val *tpl_set_list(struct tpl_val *map, const char *key);
struct tpl_val *tpl_list_add_map(struct tpl_val *list);
int tpl_list_add_str(struct tpl_val *list, const char *s);

/* --- rendering ----------------------------------------------------------- */

/*
 * Renders t against c into out, replacing what out held. 0, or -EINVAL (an
 * undefined name, a value of the wrong type, a value refused by its tag's
 * context), -E2BIG (output past out->max, or more than TPL_MAX_STEPS nodes
 * visited) or -ENOMEM, with the first error in err; out->len is then 0.
 * out is a util/strbuf; its cap (strbuf_init) bounds the output, e.g.
 * strbuf_init(&out, TPL_OUT_MAX).
 */
int tpl_render(const struct tpl *t, const struct tpl_ctx *c, struct strbuf *out, char *err,
	       size_t errlen);

/* Called once per error with the "name:line:col: message" text. */
typedef void (*tpl_err_fn)(const char *msg, void *arg);

/*
 * Renders t against c without keeping the output, going on past errors:
 * an undefined or refused variable is reported and skipped, an undefined
 * section is reported and not entered. Output past max (0: TPL_OUT_MAX)
 * or too many steps are reported and stop it. Returns the number of errors
 * reported (0: tpl_render would succeed with that max); fn may be NULL.
 */
int tpl_check(const struct tpl *t, const struct tpl_ctx *c, size_t max, tpl_err_fn fn, void *arg);

#endif
