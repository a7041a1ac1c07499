/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_yaml.h: the YAML schema walker every config file parser plugs into.
 *
 * A file is composed with libyaml's document API into a node tree; its top
 * level is a mapping of sections, each handled by a struct cfg_section from
 * the caller's table (config.c's for rackboot.yaml, config_dhcp.c's dhcp
 * section among them). Mappings inside are walked against key tables
 * (struct map_def): each key's setter converts the value and writes it into
 * the struct the mapping fills. The tree keeps every node's start mark, so
 * any error, even from a whole-file check, names file:line:column.
 *
 * This file knows nothing of rackboot's sections: it is the machinery and
 * the shared scalar converters (integers with ranges, names from a list,
 * IPv4 addresses and prefixes, MACs). A second file (an inventory next to
 * the config, say) is parsed with cfg_parse_file() and its own table, with
 * the same error reporting.
 *
 * Errors: functions return 0 or -errno (-EINVAL for bad content, -ENOMEM);
 * on failure the ctx's struct rb_config_error says where and why, and the
 * caller only passes the code up.
 */
#ifndef RB_CONTROL_CONFIG_YAML_H
#define RB_CONTROL_CONFIG_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "config.h" /* struct rb_config_error */

#define CFG_MAX_SECTIONS 16

/* A file is read whole; anything larger is a mistake. The ceiling leaves
 * room for the most reservations dhcp takes (RB_DHCP_MAX_RESV, ~90 bytes
 * each in block style). */
#define CFG_MAX_BYTES (16u << 20)

struct item;

struct name_val {
	const char *name;
	int val;
};

/* One key of a mapping: how to apply it, and to which field of the struct
 * the mapping fills (a struct rb_config, a subnet, a reservation, ...). */
struct key_def {
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

/* One file being parsed. Sections keep their own state in state[]. */
struct cfg_ctx {
	struct rb_config_error *err;
	const char *base_dir; /* relative paths resolve here; NULL: the cwd */
	void *target;	      /* what the file fills (for rackboot.yaml: a struct rb_config) */
	yaml_document_t *doc;
	const yaml_node_t *root;
	/* By section table index: the name node when the section was given
	 * (for duplicates and for messages about a section), and the state
	 * its walk() left for its check() and done(). */
	const yaml_node_t *section[CFG_MAX_SECTIONS];
	void *state[CFG_MAX_SECTIONS];
	/* The state of the section whose walk() runs now, for its setters
	 * (which see only their item): walk() sets it, NULL before. */
	void *walking;
};

/* One top-level section of a file. */
struct cfg_section {
	const char *name;
	/*
	 * Apply the section's value node; key is its name's node. May leave
	 * malloc'd state in *state. Called at most once (a repeated section
	 * is an error before this).
	 */
	int (*walk)(struct cfg_ctx *ctx, const struct cfg_section *sec, const yaml_node_t *key,
		    const yaml_node_t *value, void **state);
	/* Optional: whole-file checks once every section is walked, also for
	 * a section the file does not have (state then NULL). */
	int (*check)(struct cfg_ctx *ctx, void *state);
	/* Optional: release the state (NULL or not); default free(). */
	void (*done)(void *state);
	/* The section's key table, for cfg_walk_section(); NULL otherwise. */
	const struct map_def *map;
};

/* What a file may hold: its sections, and checks across all of them (run
 * after the walk and before the sections' own checks). */
struct cfg_schema {
	const struct cfg_section *const *sections;
	size_t n; /* <= CFG_MAX_SECTIONS */
	int (*check)(struct cfg_ctx *ctx);
};

/* One "key: value" being applied. */
struct item {
	struct cfg_ctx *ctx;
	const struct key_def *def;
	const char *what; /* "section.key", for messages */
	const yaml_node_t *node;
	const char *val; /* the text of a single value; NULL for tree keys */
	void *base;	 /* the struct the mapping fills */
	void *field;	 /* def->off into base */
};

/* ---- files ---- */

/*
 * Parse the YAML file at path by schema into target. Relative paths in it
 * resolve against the file's directory. Returns 0, or -EINVAL (bad content)
 * / -errno (could not read) with *err filled; err->file is path. The
 * schema's sections decide what target receives, and how much of it on
 * failure (rb_config_load() parses into a copy it hands out on success).
 */
int cfg_parse_file(const char *path, const struct cfg_schema *schema, void *target,
		   struct rb_config_error *err);

/* The same from memory: name is the file name in errors, base_dir where
 * relative paths resolve (NULL: the cwd). */
int cfg_parse_buffer(const char *name, const char *base_dir, const void *buf, size_t len,
		     const struct cfg_schema *schema, void *target, struct rb_config_error *err);

/* ---- errors ---- */

/* By yaml_node_type_t, for messages. */
extern const char *const cfg_kinds[4];

/* Record an error at mark; returns -EINVAL for the caller to pass up. */
int cfg_fail(struct cfg_ctx *ctx, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same at an item's value, prefixed with its "section.key: ". */
int cfg_bad(const struct item *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An allocation failed: -ENOMEM, with no position. */
int cfg_oom(struct cfg_ctx *ctx);
/* The 1-based line of a node, for messages that name another place. */
unsigned cfg_line(const yaml_node_t *node);

/* ---- nodes ---- */

/* The text of a scalar node, or NULL (error set) when it is not a scalar or
 * holds a NUL byte ("\0" in double quotes), where C strings would stop. */
const char *cfg_scalar_text(struct cfg_ctx *ctx, const yaml_node_t *node, const char *what);
/* A plain empty, "~" or "null" scalar: what a key with no value (or with
 * everything under it commented out) reads as. */
bool cfg_is_null(const yaml_node_t *node);

/*
 * Apply the keys of `map` (a mapping node) to base by the table in def.
 * values[] (def->n entries, zeroed by the caller) receives each key's value
 * node, key_nodes[] (optional) its key node. Unknown and repeated keys are errors.
 */
int cfg_walk_map(struct cfg_ctx *ctx, const yaml_node_t *map, const struct map_def *def, void *base,
		 const yaml_node_t **values, const yaml_node_t **key_nodes);

/*
 * A cfg_section.walk for a section that is one mapping of sec->map's keys
 * into ctx->target: null is an empty section, anything but a mapping an
 * error. *state becomes the value nodes by key index (cfg_given()).
 */
int cfg_walk_section(struct cfg_ctx *ctx, const struct cfg_section *sec, const yaml_node_t *key,
		     const yaml_node_t *value, void **state);
/* The value node of key `name` in a section walked by cfg_walk_section()
 * (schema index i), or NULL when the file does not give it. */
const yaml_node_t *cfg_given(const struct cfg_ctx *ctx, const struct cfg_schema *schema, size_t i,
			     const char *name);

size_t cfg_seq_len(const yaml_node_t *seq);
const yaml_node_t *cfg_seq_item(const struct cfg_ctx *ctx, const yaml_node_t *seq, size_t i);
/* it's value as a list of at most max mappings (or nothing): their number
 * in *n. Then cfg_entry_at() gives entry i, or NULL (error set) when that
 * is not a mapping. */
int cfg_list_of_maps(const struct item *it, size_t max, size_t *n);
const yaml_node_t *cfg_entry_at(const struct item *it, size_t i);

/* ---- scalar converters ---- */

/* Parse the unsigned decimal integer that makes up all of s[0..n). Returns
 * 0 with *out set, -EINVAL when it is not one, -ERANGE past 64 bits. */
int cfg_parse_dec(const char *s, size_t n, uint64_t *out);
/* A dotted quad into *out (network order): 0, or -EINVAL. */
int cfg_parse_ipv4(const char *s, uint32_t *out);
/* Not 0.0.0.0, multicast or the limited broadcast (network order). */
bool cfg_is_unicast_host(uint32_t addr);

/* Setters for key_def.set. */
/* An integer in def->min..max into a uint16_t or uint32_t (def->size). */
int cfg_set_uint(const struct item *it);
/* One of def->names (case-insensitive) into an int-sized enum field. */
int cfg_set_enum(const struct item *it);
/* An absolute file path (not ending in '/'), copied as written; the file
 * need not exist yet. */
int cfg_set_abs_file(const struct item *it);
/* A unicast host address (cfg_is_unicast_host()) into a uint32_t field. */
int cfg_set_host(const struct item *it);

/* Converters that leave the storing to the caller's setter. */
/* A unicast host address into *out. */
int cfg_item_host(const struct item *it, uint32_t *out);
/* "A.B.C.D/P" with P in min_plen..max_plen; form names it in the message
 * for a value without '/' (e.g. "ADDR/PREFIX (e.g. 198.18.0.1/24)").
 * *ip (the text before '/') is for the caller's own messages. */
int cfg_item_prefix(const struct item *it, const char *form, unsigned min_plen, unsigned max_plen,
		    uint32_t *addr, unsigned *plen, char ip[16]);
/* A MAC address: 6 hex octets separated by ':' or '-'. */
int cfg_item_mac(const struct item *it, uint8_t mac[6]);

#endif
