/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_yaml.c: the YAML schema walker and the shared scalar converters
 * (see config_yaml.h). Unlike a stream of events, the composed tree keeps
 * every node's start mark, so each error points at the key or value at
 * fault, even in the whole-file checks at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "config_yaml.h"
#include "hex.h"

const char *const cfg_kinds[4] = {"nothing", "a single value", "a list", "a mapping"};

/* ---- errors ---- */

int
cfg_fail(struct cfg_ctx *ctx, yaml_mark_t mark, const char *fmt, ...)
{
	va_list ap;

	ctx->err->line = (unsigned)mark.line + 1;
	ctx->err->column = (unsigned)mark.column + 1;
	va_start(ap, fmt);
	vsnprintf(ctx->err->message, sizeof(ctx->err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int
cfg_bad(const struct item *it, const char *fmt, ...)
{
	char *msg = it->ctx->err->message;
	size_t n;
	va_list ap;

	cfg_fail(it->ctx, it->node->start_mark, "%s: ", it->what);
	n = strlen(msg);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(it->ctx->err->message) - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int
cfg_oom(struct cfg_ctx *ctx)
{
	ctx->err->line = ctx->err->column = 0;
	snprintf(ctx->err->message, sizeof(ctx->err->message), "out of memory");
	return -ENOMEM;
}

unsigned
cfg_line(const yaml_node_t *node)
{
	return (unsigned)node->start_mark.line + 1;
}

/* ---- nodes ---- */

bool
cfg_is_null(const yaml_node_t *node)
{
	const char *s = (const char *)node->data.scalar.value;

	return node->type == YAML_SCALAR_NODE &&
	       node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*s || !strcmp(s, "~") || !strcasecmp(s, "null"));
}

const char *
cfg_scalar_text(struct cfg_ctx *ctx, const yaml_node_t *node, const char *what)
{
	const char *s = (const char *)node->data.scalar.value;

	if (node->type != YAML_SCALAR_NODE)
		cfg_fail(ctx, node->start_mark, "%s: expected a single value, got %s", what,
			 cfg_kinds[node->type]);
	else if (strlen(s) != node->data.scalar.length)
		cfg_fail(ctx, node->start_mark, "%s: contains a NUL byte", what);
	else
		return s;
	return NULL;
}

int
cfg_walk_map(struct cfg_ctx *ctx, const yaml_node_t *map, const struct map_def *def, void *base,
	     const yaml_node_t **values, const yaml_node_t **key_nodes)
{
	yaml_node_pair_t *pair;
	char what[64];
	size_t i;
	int rc;

	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(ctx->doc, pair->key);
		const char *name = cfg_scalar_text(ctx, key, def->prefix);
		struct item it = {.ctx = ctx, .what = what, .base = base};

		if (!name)
			return -EINVAL;
		for (i = 0; i < def->n && strcmp(def->keys[i].name, name); i++)
			;
		if (i == def->n)
			return cfg_fail(ctx, key->start_mark, "unknown key '%.64s' in %s", name,
					def->where);
		if (values[i])
			return cfg_fail(ctx, key->start_mark, "duplicate key '%s' in %s", name,
					def->where);
		if (key_nodes)
			key_nodes[i] = key;
		snprintf(what, sizeof(what), "%s.%s", def->prefix, name);
		it.def = &def->keys[i];
		it.node = values[i] = yaml_document_get_node(ctx->doc, pair->value);
		it.field = (char *)base + it.def->off;
		if (!it.def->tree) {
			it.val = cfg_scalar_text(ctx, it.node, what);
			if (!it.val)
				return -EINVAL;
		}
		rc = it.def->set(&it);
		if (rc)
			return rc;
	}
	return 0;
}

int
cfg_walk_section(struct cfg_ctx *ctx, const struct cfg_section *sec, const yaml_node_t *key,
		 const yaml_node_t *value, void **state)
{
	const yaml_node_t **values;

	(void)key;
	/* A section with all of its keys commented out reads as null. */
	if (cfg_is_null(value))
		return 0;
	if (value->type != YAML_MAPPING_NODE)
		return cfg_fail(ctx, value->start_mark,
				"section '%s' must be a mapping of keys, got %s", sec->name,
				cfg_kinds[value->type]);
	values = calloc(sec->map->n, sizeof(*values));
	if (!values)
		return cfg_oom(ctx);
	*state = values;
	return cfg_walk_map(ctx, value, sec->map, ctx->target, values, NULL);
}

const yaml_node_t *
cfg_given(const struct cfg_ctx *ctx, const struct cfg_schema *schema, size_t i, const char *name)
{
	const struct map_def *map = schema->sections[i]->map;
	const yaml_node_t *const *values = ctx->state[i];
	size_t k;

	for (k = 0; values && k < map->n; k++) {
		if (!strcmp(map->keys[k].name, name))
			return values[k];
	}
	return NULL;
}

size_t
cfg_seq_len(const yaml_node_t *seq)
{
	return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

const yaml_node_t *
cfg_seq_item(const struct cfg_ctx *ctx, const yaml_node_t *seq, size_t i)
{
	return yaml_document_get_node(ctx->doc, seq->data.sequence.items.start[i]);
}

int
cfg_list_of_maps(const struct item *it, size_t max, size_t *n)
{
	*n = 0;
	if (cfg_is_null(it->node))
		return 0;
	if (it->node->type != YAML_SEQUENCE_NODE)
		return cfg_bad(it,
			       "expected a list of mappings (entries starting with '- '), "
			       "got %s",
			       cfg_kinds[it->node->type]);
	*n = cfg_seq_len(it->node);
	if (*n > max)
		return cfg_fail(it->ctx, cfg_seq_item(it->ctx, it->node, max)->start_mark,
				"%s: at most %zu entries are allowed", it->what, max);
	return 0;
}

const yaml_node_t *
cfg_entry_at(const struct item *it, size_t i)
{
	const yaml_node_t *e = cfg_seq_item(it->ctx, it->node, i);

	if (e->type == YAML_MAPPING_NODE)
		return e;
	cfg_fail(it->ctx, e->start_mark, "%s: each entry must be a mapping of keys, got %s",
		 it->what, cfg_kinds[e->type]);
	return NULL;
}

/* ---- scalar converters ---- */

int
cfg_parse_dec(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!n || strspn(s, "0123456789") < n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int
cfg_parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return -EINVAL;
	*out = in.s_addr;
	return 0;
}

bool
cfg_is_unicast_host(uint32_t addr)
{
	uint32_t h = ntohl(addr);

	return h != 0 && h != UINT32_MAX && !IN_MULTICAST(h);
}

int
cfg_set_uint(const struct item *it)
{
	uint64_t v;
	int rc;

	rc = cfg_parse_dec(it->val, strlen(it->val), &v);
	if (rc == -EINVAL)
		return cfg_bad(it, "expected an integer, got '%.64s'", it->val);
	if (rc == -ERANGE || v < it->def->min || v > it->def->max)
		return cfg_bad(it, "%.64s is out of range %u..%u", it->val, it->def->min,
			       it->def->max);
	if (it->def->size == sizeof(uint16_t))
		*(uint16_t *)it->field = (uint16_t)v;
	else
		*(uint32_t *)it->field = (uint32_t)v;
	return 0;
}

int
cfg_set_enum(const struct item *it)
{
	const struct name_val *t;

	for (t = it->def->names; t->name && strcasecmp(t->name, it->val); t++)
		;
	if (!t->name)
		return cfg_bad(it, "expected %s, got '%.64s'", it->def->expect, it->val);
	*(int *)it->field = t->val; /* every enum field is int-sized */
	return 0;
}

int
cfg_set_abs_file(const struct item *it)
{
	size_t n = strlen(it->val);

	if (it->val[0] != '/' || it->val[n - 1] == '/')
		return cfg_bad(it, "expected an absolute file path, got '%.64s'", it->val);
	if (n >= it->def->size)
		return cfg_bad(it, "path is too long");
	memcpy(it->field, it->val, n + 1);
	return 0;
}

int
cfg_item_host(const struct item *it, uint32_t *out)
{
	uint32_t a;

	if (cfg_parse_ipv4(it->val, &a))
		return cfg_bad(it, "expected an IPv4 address, got '%.64s'", it->val);
	if (!cfg_is_unicast_host(a))
		return cfg_bad(it, "%s is not a unicast host address", it->val);
	*out = a;
	return 0;
}

int
cfg_set_host(const struct item *it)
{
	return cfg_item_host(it, it->field);
}

int
cfg_item_prefix(const struct item *it, const char *form, unsigned min_plen, unsigned max_plen,
		uint32_t *addr, unsigned *plen, char ip[16])
{
	const char *slash = strchr(it->val, '/');
	size_t iplen = slash ? (size_t)(slash - it->val) : 0;
	uint64_t p;
	int rc;

	if (!slash)
		return cfg_bad(it, "expected %s, got '%.64s'", form, it->val);
	snprintf(ip, INET_ADDRSTRLEN, "%.*s", (int)(iplen < INET_ADDRSTRLEN ? iplen : 0), it->val);
	if (iplen >= INET_ADDRSTRLEN || cfg_parse_ipv4(ip, addr))
		return cfg_bad(it, "invalid IPv4 address '%.*s'", (int)(iplen > 64 ? 64 : iplen),
			       it->val);
	rc = cfg_parse_dec(slash + 1, strlen(slash + 1), &p);
	if (rc == -EINVAL)
		return cfg_bad(it, "expected a prefix length after '/', got '%.64s'", slash + 1);
	if (rc || p < min_plen || p > max_plen)
		return cfg_bad(it, "prefix length %.64s out of range %u..%u", slash + 1, min_plen,
			       max_plen);
	*plen = (unsigned)p;
	return 0;
}

int
cfg_item_mac(const struct item *it, uint8_t mac[6])
{
	if (rb_hex_octets(it->val, ":-", mac, 6) != 6)
		return cfg_bad(it,
			       "expected a MAC address, 6 hex octets separated by ':' or '-' "
			       "(e.g. 52:54:00:12:34:56), got '%.64s'",
			       it->val);
	return 0;
}

/* ---- files ---- */

/* Fill *err from a libyaml failure; returns -EINVAL, or -ENOMEM. */
static int
yaml_error(const yaml_parser_t *p, const unsigned char *buf, size_t len,
	   struct rb_config_error *err)
{
	char *msg = err->message;
	size_t cap = sizeof(err->message), i;

	if (p->error == YAML_MEMORY_ERROR || !p->problem) {
		snprintf(msg, cap, "out of memory while parsing YAML");
		return -ENOMEM;
	}
	err->line = (unsigned)p->problem_mark.line + 1;
	err->column = (unsigned)p->problem_mark.column + 1;
	if (p->error == YAML_READER_ERROR) {
		/* Bad encoding or control characters come with a byte offset
		 * only: count lines, and columns in UTF-8 characters. */
		err->line = err->column = 1;
		for (i = 0; i < p->problem_offset && i < len; i++) {
			if (buf[i] == '\n') {
				err->line++;
				err->column = 1;
			} else if ((buf[i] & 0xc0) != 0x80) {
				err->column++;
			}
		}
		snprintf(msg, cap, "%s (byte 0x%02x)", p->problem, p->problem_value & 0xff);
	} else if (p->context) {
		snprintf(msg, cap, "%s (%s at %zu:%zu)", p->problem, p->context,
			 p->context_mark.line + 1, p->context_mark.column + 1);
	} else {
		snprintf(msg, cap, "%s", p->problem);
	}
	return -EINVAL;
}

/* The top level: a mapping of the schema's sections, each at most once. */
static int
walk_root(struct cfg_ctx *ctx, const struct cfg_schema *schema)
{
	const yaml_node_t *root = ctx->root;
	yaml_node_pair_t *pair;
	size_t i;
	int rc;

	if (root->type != YAML_MAPPING_NODE)
		return cfg_fail(ctx, root->start_mark,
				"the top level must be a mapping of sections, got %s",
				cfg_kinds[root->type]);
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(ctx->doc, pair->key);
		const char *name = cfg_scalar_text(ctx, key, "section name");
		const struct cfg_section *sec;

		if (!name)
			return -EINVAL;
		for (i = 0; i < schema->n && strcmp(schema->sections[i]->name, name); i++)
			;
		if (i == schema->n)
			return cfg_fail(ctx, key->start_mark, "unknown section '%.64s'", name);
		if (ctx->section[i])
			return cfg_fail(ctx, key->start_mark, "duplicate section '%s'", name);
		ctx->section[i] = key;
		sec = schema->sections[i];
		ctx->walking = NULL;
		rc = sec->walk(ctx, sec, key, yaml_document_get_node(ctx->doc, pair->value),
			       &ctx->state[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* The schema's checks, then each section's, in table order. */
static int
check_all(struct cfg_ctx *ctx, const struct cfg_schema *schema)
{
	size_t i;
	int rc = schema->check ? schema->check(ctx) : 0;

	for (i = 0; !rc && i < schema->n; i++) {
		if (schema->sections[i]->check)
			rc = schema->sections[i]->check(ctx, ctx->state[i]);
	}
	return rc;
}

int
cfg_parse_buffer(const char *name, const char *base_dir, const void *buf, size_t len,
		 const struct cfg_schema *schema, void *target, struct rb_config_error *err)
{
	struct cfg_ctx ctx = {.err = err, .base_dir = base_dir, .target = target};
	yaml_document_t doc, extra;
	yaml_parser_t parser;
	size_t i;
	int rc;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", name ? name : "<string>");
	if (schema->n > CFG_MAX_SECTIONS) {
		snprintf(err->message, sizeof(err->message), "too many sections in the schema");
		return -EINVAL;
	}
	if (!buf) {
		buf = "";
		len = 0;
	}
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, buf, len);
	/* On failure, yaml_parser_load() frees the document itself. */
	if (!yaml_parser_load(&parser, &doc)) {
		rc = yaml_error(&parser, buf, len, err);
		goto out_parser;
	}
	ctx.doc = &doc;
	ctx.root = yaml_document_get_root_node(&doc);
	if (!ctx.root) {
		rc = cfg_fail(&ctx, doc.start_mark, "the configuration is empty");
		goto out_doc;
	}
	rc = walk_root(&ctx, schema);
	if (!rc)
		rc = check_all(&ctx, schema);
	if (rc)
		goto out_doc;

	/* A second document would otherwise be ignored without a word. */
	if (!yaml_parser_load(&parser, &extra)) {
		rc = yaml_error(&parser, buf, len, err);
		goto out_doc;
	}
	if (yaml_document_get_root_node(&extra))
		rc = cfg_fail(&ctx, extra.start_mark, "only one YAML document is allowed");
	yaml_document_delete(&extra);
out_doc:
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	for (i = 0; i < schema->n; i++) {
		if (schema->sections[i]->done)
			schema->sections[i]->done(ctx.state[i]);
		else
			free(ctx.state[i]);
	}
	return rc;
}

/* Read all of path into a malloc()ed buffer. Returns 0 or -errno (-EFBIG
 * past CFG_MAX_BYTES). */
static int
read_file(const char *path, unsigned char **out, size_t *out_len)
{
	FILE *f = fopen(path, "re");
	int rc = 0;

	if (!f)
		return -errno;
	*out = malloc(CFG_MAX_BYTES + 1);
	if (!*out)
		rc = -ENOMEM;
	else
		*out_len = fread(*out, 1, CFG_MAX_BYTES + 1, f);
	if (!rc && ferror(f))
		rc = errno ? -errno : -EIO;
	else if (!rc && *out_len > CFG_MAX_BYTES)
		rc = -EFBIG;
	fclose(f);
	if (rc)
		free(*out);
	return rc;
}

int
cfg_parse_file(const char *path, const struct cfg_schema *schema, void *target,
	       struct rb_config_error *err)
{
	char dir[PATH_MAX], base[PATH_MAX], *d;
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = strlen(path) >= PATH_MAX ? -ENAMETOOLONG : read_file(path, &buf, &len);
	if (rc) {
		memset(err, 0, sizeof(*err));
		snprintf(err->file, sizeof(err->file), "%s", path);
		snprintf(err->message, sizeof(err->message), "cannot open: %s", strerror(-rc));
		return rc;
	}
	/* Relative paths in the file resolve against its directory, made
	 * absolute here so that the stored paths are too. */
	snprintf(dir, sizeof(dir), "%s", path);
	d = dirname(dir);
	if (!realpath(d, base))
		snprintf(base, sizeof(base), "%s", d);
	rc = cfg_parse_buffer(path, base, buf, len, schema, target, err);
	free(buf);
	return rc;
}
