/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_priv.h: what the config parser's files share (config.c: the flat
 * sections and the driver; config_dhcp.c: the nested dhcp section). Not an
 * interface for anything else.
 */
#ifndef RB_CONTROL_CONFIG_PRIV_H
#define RB_CONTROL_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "config.h"

enum { SEC_SERVER, SEC_PORT, SEC_DATAPLANE, SEC_HTTP, SEC_TFTP, SEC_DHCP, N_SECTIONS };
#define MAX_KEYS 48

struct item;

struct name_val {
	const char *name;
	int val;
};

/* One key of a mapping: how to apply it, and to which field of the struct
 * the mapping fills (a struct rb_config, a subnet, a reservation, ...). */
struct key_def {
	int sec;
	const char *name;
	int (*set)(const struct item *it);
	size_t off, size;	      /* the field written */
	uint32_t min, max;	      /* integer keys; list keys: entries */
	const struct name_val *names; /* enumerated keys... */
	const char *expect;	      /* ...and their choices, for messages */
	bool tree;		      /* set() takes any node (lists, mappings);
				       * otherwise the value must be a single one */
	size_t count_off;	      /* address lists: their count's field */
};

/* A mapping's key table, and how messages name the mapping. */
struct map_def {
	const struct key_def *keys;
	size_t n;
	const char *prefix; /* "dhcp.subnets": items are "prefix.key" */
	const char *where;  /* "section 'dhcp'", "a dhcp.subnets entry" */
};

struct dhcp_parse; /* config_dhcp.c's */

struct parse_ctx {
	struct rb_config *cfg;
	struct rb_config_error *err;
	const char *base_dir; /* relative paths resolve here; NULL: the cwd */
	yaml_document_t *doc;
	const yaml_node_t *root;
	/* Section names and values seen so far, by keys[] index: they catch
	 * duplicates and give the whole-file checks a place to point at. */
	const yaml_node_t *section[N_SECTIONS];
	const yaml_node_t *value[MAX_KEYS];
	struct dhcp_parse *dhcp; /* malloc'd once a dhcp section is seen */
};

/* One "key: value" being applied. */
struct item {
	struct parse_ctx *ctx;
	const struct key_def *def;
	const char *what; /* "section.key", for messages */
	const yaml_node_t *node;
	const char *val; /* the text of a single value; NULL for tree keys */
	void *base;	 /* the struct the mapping fills */
	void *field;	 /* def->off into base */
};

/* By yaml_node_type_t, for messages. */
extern const char *const cfg_kinds[4];

/* Record an error at mark; returns -EINVAL for the caller to pass up. */
int cfg_fail(struct parse_ctx *ctx, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same at an item's value, prefixed with its "section.key: ". */
int cfg_bad(const struct item *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An allocation failed: -ENOMEM, with no position. */
int cfg_oom(struct parse_ctx *ctx);

const char *cfg_scalar_text(struct parse_ctx *ctx, const yaml_node_t *node, const char *what);
/* A plain empty, "~" or "null" scalar: what a key with no value (or with
 * everything under it commented out) reads as. */
bool cfg_is_null(const yaml_node_t *node);
int cfg_parse_dec(const char *s, size_t n, uint64_t *out);
/* The 1-based line of a node, for messages that name another place. */
unsigned cfg_line(const yaml_node_t *node);

int cfg_set_uint(const struct item *it);
int cfg_set_enum(const struct item *it);

/*
 * Apply the keys of `map` (a mapping node) to base by the table in def.
 * values[] (def->n entries, zeroed by the caller) receives each key's value
 * node, key_nodes[] (optional) its key node. Unknown and repeated keys are errors.
 */
int cfg_walk_map(struct parse_ctx *ctx, const yaml_node_t *map, const struct map_def *def,
		 void *base, const yaml_node_t **values, const yaml_node_t **key_nodes);

size_t cfg_seq_len(const yaml_node_t *seq);
const yaml_node_t *cfg_seq_item(const struct parse_ctx *ctx, const yaml_node_t *seq, size_t i);
/* it's value as a list of at most max mappings (or nothing): their number
 * in *n. Then cfg_entry_at() gives entry i, or NULL (error set) when that
 * is not a mapping. */
int cfg_list_of_maps(const struct item *it, size_t max, size_t *n);
const yaml_node_t *cfg_entry_at(const struct item *it, size_t i);

/* config_dhcp.c: the dhcp section's value; the checks once the whole file
 * is read (also without a dhcp section); release the parse state. */
int cfg_dhcp_walk(struct parse_ctx *ctx, const yaml_node_t *value);
int cfg_dhcp_check(struct parse_ctx *ctx);
void cfg_dhcp_done(struct parse_ctx *ctx);

#endif
