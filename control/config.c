/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c: struct rb_config from YAML, with libyaml's document API.
 *
 * The file is composed into a node tree, then walked against a fixed schema:
 * top-level sections, each a mapping of keys to single values. Unlike a
 * stream of events, the tree keeps every node's start mark, so each error
 * points at the key or value at fault, even in the whole-file checks at the
 * end. All parsing goes into a private copy, handed out only on success.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "config_priv.h"

/* A real config is a few kilobytes; the ceiling leaves room for the most
 * reservations dhcp takes (RB_DHCP_MAX_RESV, ~90 bytes each in block style),
 * and anything beyond is a mistake. */
#define CONFIG_MAX_BYTES (16u << 20)

/* exception_mode while parsing, for "auto" or nothing given: it is resolved
 * once port.mode is known, which may come later in the file. */
#define EXC_AUTO 0

/* dhcp is walked by config_dhcp.c; it has no keys[] entries. */
static const char *const section_names[N_SECTIONS] = {"server", "port", "dataplane",
						      "http",	"tftp", "dhcp"};

const char *const cfg_kinds[4] = {"nothing", "a single value", "a list", "a mapping"};

int
cfg_fail(struct parse_ctx *ctx, yaml_mark_t mark, const char *fmt, ...)
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
cfg_oom(struct parse_ctx *ctx)
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

bool
cfg_is_null(const yaml_node_t *node)
{
	const char *s = (const char *)node->data.scalar.value;

	return node->type == YAML_SCALAR_NODE &&
	       node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*s || !strcmp(s, "~") || !strcasecmp(s, "null"));
}

/* The text of a scalar node, or NULL (error set) when it is not a scalar or
 * holds a NUL byte ("\0" in double quotes), where C strings would stop. */
const char *
cfg_scalar_text(struct parse_ctx *ctx, const yaml_node_t *node, const char *what)
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

/* Parse the unsigned decimal integer that makes up all of s[0..n). Returns
 * 0 with *out set, -EINVAL when it is not one, -ERANGE past 64 bits. */
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

/* In enum order: check_whole() indexes it by port_mode. */
static const struct name_val port_modes[] = {
    {"af_xdp", RB_PORT_AF_XDP},
    {"af_packet", RB_PORT_AF_PACKET},
    {"pci", RB_PORT_PCI},
    {NULL, 0},
};

static const struct name_val exception_modes[] = {
    {"auto", EXC_AUTO}, {"xdp", RB_EXC_XDP}, {"tap", RB_EXC_TAP}, {"none", RB_EXC_NONE}, {NULL, 0},
};

/* YAML 1.1 booleans too, since `hugepages: yes` reads naturally. */
static const struct name_val hugepage_modes[] = {
    {"auto", RB_HUGE_AUTO}, {"on", RB_HUGE_ON},	    {"true", RB_HUGE_ON}, {"yes", RB_HUGE_ON},
    {"off", RB_HUGE_OFF},   {"false", RB_HUGE_OFF}, {"no", RB_HUGE_OFF},  {NULL, 0},
};

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

/*
 * "A.B.C.D/P". Refuses addresses a server cannot own: 0.0.0.0, multicast,
 * limited broadcast, and the network and broadcast addresses of its own
 * subnet (/31 and /32 have neither).
 */
static int
set_address(const struct item *it)
{
	const char *slash = strchr(it->val, '/');
	size_t iplen = slash ? (size_t)(slash - it->val) : 0;
	char ip[INET_ADDRSTRLEN];
	uint32_t h, host_mask;
	struct in_addr in;
	uint64_t plen;
	int rc;

	if (!slash)
		return cfg_bad(it, "expected ADDR/PREFIX (e.g. 198.18.0.1/24), got '%.64s'",
			       it->val);
	snprintf(ip, sizeof(ip), "%.*s", (int)(iplen < sizeof(ip) ? iplen : 0), it->val);
	if (iplen >= sizeof(ip) || inet_pton(AF_INET, ip, &in) != 1)
		return cfg_bad(it, "invalid IPv4 address '%.*s'", (int)(iplen > 64 ? 64 : iplen),
			       it->val);
	rc = cfg_parse_dec(slash + 1, strlen(slash + 1), &plen);
	if (rc == -EINVAL)
		return cfg_bad(it, "expected a prefix length after '/', got '%.64s'", slash + 1);
	if (rc == -ERANGE || plen < 1 || plen > 32)
		return cfg_bad(it, "prefix length %.64s out of range 1..32", slash + 1);

	h = ntohl(in.s_addr);
	host_mask = plen == 32 ? 0 : UINT32_MAX >> plen;
	if (h == 0 || h == UINT32_MAX || (h >> 28) == 0xe)
		return cfg_bad(it, "%s is not a unicast host address", ip);
	if (plen <= 30 && ((h & host_mask) == 0 || (h & host_mask) == host_mask))
		return cfg_bad(it, "%s is the %s address of its /%u subnet", ip,
			       (h & host_mask) == 0 ? "network" : "broadcast", (unsigned)plen);
	it->ctx->cfg->server_ip = in.s_addr;
	it->ctx->cfg->prefix_len = (uint8_t)plen;
	return 0;
}

/* A Linux interface name: 1..IFNAMSIZ-1 bytes, not "." or "..", from a
 * character set that needs no quoting wherever the name is passed on. */
static int
set_ifname(const struct item *it)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz0123456789_.-";
	size_t n = strlen(it->val);

	if (n == 0 || n >= it->def->size)
		return cfg_bad(it, "interface name '%.64s' must be 1..%zu characters long", it->val,
			       it->def->size - 1);
	if (strspn(it->val, ok) != n || !strcmp(it->val, ".") || !strcmp(it->val, ".."))
		return cfg_bad(
		    it, "'%s' is not a valid interface name (allowed: A-Z a-z 0-9 _ . -)", it->val);
	memcpy(it->field, it->val, n + 1);
	return 0;
}

/* DDDD:BB:DD.F, or BB:DD.F for domain 0. Stored in full and in lower case,
 * the spelling of sysfs and of DPDK's -a, so it compares equal with both. */
static int
set_pci(const struct item *it)
{
	static const char form[] = "hhhh:hh:hh.h";
	unsigned dom, bus, dev, fn;
	size_t n = strlen(it->val), i;
	char a[sizeof(form)];

	/* Check the shape first: sscanf alone would take signs, spaces, 0x. */
	snprintf(a, sizeof(a), "%s%s", n == 7 ? "0000:" : "", n <= 12 ? it->val : "");
	for (i = 0; form[i] && (form[i] == 'h' ? isxdigit((unsigned char)a[i]) : form[i] == a[i]);
	     i++)
		;
	if (form[i] || sscanf(a, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4 || dev > 0x1f || fn > 7)
		return cfg_bad(it,
			       "expected a PCI address DDDD:BB:DD.F or BB:DD.F (hex), got '%.64s'",
			       it->val);
	snprintf(it->field, it->def->size, "%04x:%02x:%02x.%x", dom & 0xffff, bus & 0xff,
		 dev & 0x1f, fn & 7);
	return 0;
}

/* An EAL -l list; the EAL itself says whether the cores exist. */
static int
set_lcores(const struct item *it)
{
	size_t n = strlen(it->val);

	/* "0,1", "0-3", or EAL's lcore@cpu form ("0@0,(1,2)@1": more lcores
	 * than cores, for tests on small boxes). */
	if (n == 0 || n >= it->def->size || strspn(it->val, "0123456789,-@()") != n)
		return cfg_bad(it,
			       "expected a core list like \"0,1\" or \"0-3\" (1..%zu "
			       "characters of 0-9 , - @ ( )), got '%.64s'",
			       it->def->size - 1, it->val);
	memcpy(it->field, it->val, n + 1);
	return 0;
}

/* An existing directory, relative to the config file's, stored as realpath()
 * has it so that it depends neither on the cwd nor on symlinks. */
static int
set_dir(const struct item *it)
{
	char joined[PATH_MAX], resolved[PATH_MAX];
	const char *base = it->ctx->base_dir;
	struct stat st;
	int n, e = ENOTDIR;

	if (!*it->val)
		return cfg_bad(it, "expected a directory, got ''");
	if (it->val[0] == '/' || !base)
		n = snprintf(joined, sizeof(joined), "%s", it->val);
	else
		n = snprintf(joined, sizeof(joined), "%s/%s", base, it->val);
	if (n < 0 || (size_t)n >= sizeof(joined))
		return cfg_bad(it, "path is too long");
	if (!realpath(joined, resolved) || stat(resolved, &st))
		e = errno;
	else if (S_ISDIR(st.st_mode))
		e = 0;
	if (e)
		return cfg_fail(it->ctx, it->node->start_mark, "%s '%s': %s", it->what, joined,
				strerror(e));
	memcpy(it->field, resolved, strlen(resolved) + 1);
	return 0;
}

/* "LO-HI" above the privileged ports. The checks against the service ports
 * are in check_whole(), as those may come later in the file. */
static int
set_session(const struct item *it)
{
	const char *dash = strchr(it->val, '-');
	uint64_t lo = 0, hi = 0;
	int rc_lo, rc_hi;

	rc_lo = dash ? cfg_parse_dec(it->val, (size_t)(dash - it->val), &lo) : -EINVAL;
	rc_hi = dash ? cfg_parse_dec(dash + 1, strlen(dash + 1), &hi) : -EINVAL;
	if (rc_lo == -EINVAL || rc_hi == -EINVAL)
		return cfg_bad(it, "expected LOW-HIGH (e.g. 61000-65535), got '%.64s'", it->val);
	if (rc_lo || rc_hi || lo < 1024 || hi > 65535)
		return cfg_bad(it, "%.64s is out of range 1024..65535", it->val);
	if (lo > hi)
		return cfg_bad(it, "%.64s is empty (low end above high end)", it->val);
	it->ctx->cfg->session_port_lo = (uint16_t)lo;
	it->ctx->cfg->session_port_hi = (uint16_t)hi;
	return 0;
}

/* A multicast group (224.0.0.0/4, not the link-local 224.0.0.0/24). */
static int
set_group(const struct item *it)
{
	struct in_addr in;
	uint32_t h;

	if (inet_pton(AF_INET, it->val, &in) != 1)
		return cfg_bad(it, "invalid IPv4 address '%.64s'", it->val);
	h = ntohl(in.s_addr);
	if ((h >> 28) != 0xe || (h >> 8) == 0xe00000)
		return cfg_bad(it,
			       "%.64s is not a multicast group outside 224.0.0.0/24 "
			       "(e.g. 239.255.69.1)",
			       it->val);
	memcpy((char *)it->ctx->cfg + it->def->off, &in.s_addr, sizeof(in.s_addr));
	return 0;
}

#define FIELD(f) offsetof(struct rb_config, f), sizeof(((struct rb_config *)0)->f)
#define KEY(s, n, fn, f)                                                                           \
	{                                                                                          \
		SEC_##s, n, fn, FIELD(f), 0, 0, NULL, NULL                                         \
	}
#define UINT_KEY(s, n, f, lo, hi)                                                                  \
	{                                                                                          \
		SEC_##s, n, cfg_set_uint, FIELD(f), lo, hi, NULL, NULL                             \
	}
#define ENUM_KEY(s, n, f, t, e)                                                                    \
	{                                                                                          \
		SEC_##s, n, cfg_set_enum, FIELD(f), 0, 0, t, e                                     \
	}

static const struct key_def keys[] = {
    KEY(SERVER, "address", set_address, server_ip),
    UINT_KEY(SERVER, "mtu", mtu, 576, 9000),
    ENUM_KEY(PORT, "mode", port_mode, port_modes, "af_xdp, af_packet or pci"),
    KEY(PORT, "interface", set_ifname, interface),
    KEY(PORT, "pci", set_pci, pci_addr),
    ENUM_KEY(PORT, "exception", exception_mode, exception_modes, "auto, xdp, tap or none"),
    KEY(PORT, "tap_name", set_ifname, tap_name),
    UINT_KEY(PORT, "queues", queues, 1, 16),
    KEY(DATAPLANE, "lcores", set_lcores, lcores),
    ENUM_KEY(DATAPLANE, "hugepages", hugepages, hugepage_modes, "auto, on or off"),
    UINT_KEY(DATAPLANE, "memory_mb", memory_mb, 64, 65536),
    UINT_KEY(DATAPLANE, "mbufs", mbufs, 1024, 1048576),
    UINT_KEY(DATAPLANE, "idle_sleep_us", idle_sleep_us, 0, 100000),
    UINT_KEY(HTTP, "port", http_port, 1, 65535),
    KEY(HTTP, "root", set_dir, http_root),
    UINT_KEY(HTTP, "threads", http_threads, 0, 64),
    KEY(TFTP, "root", set_dir, tftp_root),
    UINT_KEY(TFTP, "port", tftp_port, 1, 65535),
    KEY(TFTP, "session_ports", set_session, session_port_lo),
    UINT_KEY(TFTP, "cache_mb", tftp_cache_mb, 1, 65536),
    UINT_KEY(TFTP, "max_sessions", tftp_max_sessions, 1, 1048576),
    UINT_KEY(TFTP, "max_window", tftp_max_window, 1, 1024),
    UINT_KEY(TFTP, "retries", tftp_retries, 1, 20),
    KEY(TFTP, "multicast_group", set_group, mc_group),
    UINT_KEY(TFTP, "multicast_port", mc_port, 1, 65535),
    UINT_KEY(TFTP, "multicast_streams", mc_streams, 0, 256),
    UINT_KEY(TFTP, "multicast_clients", mc_clients, 1, 65535),
    UINT_KEY(TFTP, "multicast_window", mc_window, 1, 64),
    KEY(TFTP, "mtftp_group", set_group, mtftp_group),
    UINT_KEY(TFTP, "mtftp_port", mtftp_port, 1, 65535),
    UINT_KEY(TFTP, "mtftp_client_port", mtftp_client_port, 1, 65535),
    UINT_KEY(TFTP, "mtftp_open_timeout", mtftp_open_timeout, 1, 255),
    UINT_KEY(TFTP, "mtftp_reopen_delay", mtftp_reopen_delay, 1, 255),
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(N_KEYS <= MAX_KEYS, "raise MAX_KEYS");

/* keys[] index of section.key, or -1. */
static int
key_index(int sec, const char *name)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++) {
		if (keys[i].sec == sec && !strcmp(keys[i].name, name))
			return (int)i;
	}
	return -1;
}

/* The value node given for section.key, or NULL. */
static const yaml_node_t *
given(const struct parse_ctx *ctx, int sec, const char *name)
{
	return ctx->value[key_index(sec, name)];
}

int
cfg_walk_map(struct parse_ctx *ctx, const yaml_node_t *map, const struct map_def *def, void *base,
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

size_t
cfg_seq_len(const yaml_node_t *seq)
{
	return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

const yaml_node_t *
cfg_seq_item(const struct parse_ctx *ctx, const yaml_node_t *seq, size_t i)
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

static int
walk_section(struct parse_ctx *ctx, int sec, const yaml_node_t *map)
{
	char where[32];
	struct map_def def = {.prefix = section_names[sec], .where = where};
	int first = -1, i;

	/* A section with all of its keys commented out reads as null. */
	if (cfg_is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return cfg_fail(ctx, map->start_mark,
				"section '%s' must be a mapping of keys, "
				"got %s",
				section_names[sec], cfg_kinds[map->type]);
	/* A section's keys are consecutive in keys[]. */
	for (i = 0; i < (int)N_KEYS; i++) {
		if (keys[i].sec == sec && first < 0)
			first = i;
		if (keys[i].sec == sec)
			def.n++;
	}
	def.keys = &keys[first];
	snprintf(where, sizeof(where), "section '%s'", section_names[sec]);
	return cfg_walk_map(ctx, map, &def, ctx->cfg, &ctx->value[first], NULL);
}

static int
walk_root(struct parse_ctx *ctx)
{
	const yaml_node_t *root = ctx->root, *val;
	yaml_node_pair_t *pair;
	int sec, rc;

	if (root->type != YAML_MAPPING_NODE)
		return cfg_fail(ctx, root->start_mark,
				"the top level must be a mapping of sections, got %s",
				cfg_kinds[root->type]);
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(ctx->doc, pair->key);
		const char *name = cfg_scalar_text(ctx, key, "section name");

		if (!name)
			return -EINVAL;
		for (sec = 0; sec < N_SECTIONS && strcmp(section_names[sec], name); sec++)
			;
		if (sec == N_SECTIONS)
			return cfg_fail(ctx, key->start_mark, "unknown section '%.64s'", name);
		if (ctx->section[sec])
			return cfg_fail(ctx, key->start_mark, "duplicate section '%s'", name);
		ctx->section[sec] = key;
		val = yaml_document_get_node(ctx->doc, pair->value);
		rc = sec == SEC_DHCP ? cfg_dhcp_walk(ctx, val) : walk_section(ctx, sec, val);
		if (rc)
			return rc;
	}
	return 0;
}

/* Where a whole-file error points: the node when there is one, else its
 * section's name, else the top of the document. */
static yaml_mark_t
mark_of(const struct parse_ctx *ctx, const yaml_node_t *node, int sec)
{
	if (node)
		return node->start_mark;
	return ctx->section[sec] ? ctx->section[sec]->start_mark : ctx->root->start_mark;
}

/* The session range must not swallow a service port, or the dataplane would
 * take that port's requests for TFTP session traffic. */
static int
check_session(struct parse_ctx *ctx, int sec, uint16_t port)
{
	const struct rb_config *cfg = ctx->cfg;
	const yaml_node_t *at = given(ctx, SEC_TFTP, "session_ports");

	if (port < cfg->session_port_lo || port > cfg->session_port_hi)
		return 0;
	return cfg_fail(ctx, mark_of(ctx, at ? at : given(ctx, sec, "port"), SEC_TFTP),
			"tftp.session_ports: %u-%u contains %s.port %u", cfg->session_port_lo,
			cfg->session_port_hi, section_names[sec], port);
}

/* Checks that need the whole file, and the resolution of exception "auto". */
static int
check_whole(struct parse_ctx *ctx)
{
	struct rb_config *cfg = ctx->cfg;
	const char *mode = port_modes[cfg->port_mode - RB_PORT_AF_XDP].name;
	int rc;

	if (!given(ctx, SEC_SERVER, "address"))
		return cfg_fail(ctx, mark_of(ctx, NULL, SEC_SERVER),
				"missing required key 'server.address'");
	if (cfg->port_mode == RB_PORT_PCI && !given(ctx, SEC_PORT, "pci"))
		return cfg_fail(ctx, mark_of(ctx, NULL, SEC_PORT),
				"missing required key 'port.pci' (port.mode is pci)");
	if (cfg->port_mode != RB_PORT_PCI && !given(ctx, SEC_PORT, "interface"))
		return cfg_fail(ctx, mark_of(ctx, NULL, SEC_PORT),
				"missing required key 'port.interface' (port.mode is %s)", mode);

	if (cfg->exception_mode == EXC_AUTO)
		cfg->exception_mode = cfg->port_mode == RB_PORT_AF_XDP ? RB_EXC_XDP : RB_EXC_TAP;
	if (cfg->exception_mode == RB_EXC_XDP && cfg->port_mode != RB_PORT_AF_XDP)
		return cfg_fail(ctx, mark_of(ctx, given(ctx, SEC_PORT, "exception"), SEC_PORT),
				"port.exception: xdp needs port.mode af_xdp (port.mode is %s)",
				mode);
	rc = check_session(ctx, SEC_TFTP, cfg->tftp_port);
	if (!rc)
		rc = check_session(ctx, SEC_HTTP, cfg->http_port);
	if (!rc && cfg->mc_streams && ((ntohl(cfg->mc_group) + cfg->mc_streams - 1) >> 28) != 0xe)
		return cfg_fail(
		    ctx, mark_of(ctx, given(ctx, SEC_TFTP, "multicast_group"), SEC_TFTP),
		    "tftp.multicast_group: %u streams from here run past 239.255.255.255",
		    cfg->mc_streams);
	if (!rc && cfg->mtftp_group) {
		const yaml_node_t *at = given(ctx, SEC_TFTP, "mtftp_port");

		if (cfg->mtftp_port >= cfg->session_port_lo &&
		    cfg->mtftp_port <= cfg->session_port_hi)
			return cfg_fail(
			    ctx,
			    mark_of(ctx, at ? at : given(ctx, SEC_TFTP, "session_ports"), SEC_TFTP),
			    "tftp.session_ports: %u-%u contains tftp.mtftp_port %u",
			    cfg->session_port_lo, cfg->session_port_hi, cfg->mtftp_port);
		if (cfg->mtftp_port == cfg->tftp_port)
			return cfg_fail(ctx, mark_of(ctx, at, SEC_TFTP),
					"tftp.mtftp_port %u is also tftp.port", cfg->mtftp_port);
		if (cfg->mc_streams && ntohl(cfg->mtftp_group) >= ntohl(cfg->mc_group) &&
		    ntohl(cfg->mtftp_group) - ntohl(cfg->mc_group) < cfg->mc_streams)
			return cfg_fail(ctx,
					mark_of(ctx, given(ctx, SEC_TFTP, "mtftp_group"), SEC_TFTP),
					"tftp.mtftp_group is one of the %u RFC 2090 groups from "
					"tftp.multicast_group",
					cfg->mc_streams);
	}
	return rc ? rc : cfg_dhcp_check(ctx);
}

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

/*
 * Parse buf into *cfg, which is written only on success. base_dir: where
 * relative paths resolve (NULL: the cwd). *err already names the file.
 */
static int
parse_buffer(const char *base_dir, const unsigned char *buf, size_t len, struct rb_config *cfg,
	     struct rb_config_error *err)
{
	struct rb_config tmp;
	struct parse_ctx ctx = {.cfg = &tmp, .err = err, .base_dir = base_dir};
	yaml_document_t doc, extra;
	yaml_parser_t parser;
	int rc;

	rb_config_defaults(&tmp);
	tmp.exception_mode = EXC_AUTO;
	snprintf(tmp.path, sizeof(tmp.path), "%s", err->file);
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
	rc = walk_root(&ctx);
	if (!rc)
		rc = check_whole(&ctx);
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
	if (!rc)
		memcpy(cfg, &tmp, sizeof(tmp)); /* tmp's allocations now belong to cfg */
out_doc:
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	cfg_dhcp_done(&ctx);
	if (rc)
		rb_config_free(&tmp);
	return rc;
}

/* Read all of path into a malloc()ed buffer. Returns 0 or -errno (-EFBIG
 * past CONFIG_MAX_BYTES). */
static int
read_file(const char *path, unsigned char **out, size_t *out_len)
{
	FILE *f = fopen(path, "re");
	int rc = 0;

	if (!f)
		return -errno;
	*out = malloc(CONFIG_MAX_BYTES + 1);
	if (!*out)
		rc = -ENOMEM;
	else
		*out_len = fread(*out, 1, CONFIG_MAX_BYTES + 1, f);
	if (!rc && ferror(f))
		rc = errno ? -errno : -EIO;
	else if (!rc && *out_len > CONFIG_MAX_BYTES)
		rc = -EFBIG;
	fclose(f);
	if (rc)
		free(*out);
	return rc;
}

void
rb_config_defaults(struct rb_config *cfg)
{
	/* server.address and port.interface / port.pci have no default. */
	*cfg = (struct rb_config){
	    .mtu = 1500,
	    .port_mode = RB_PORT_AF_XDP,
	    .exception_mode = RB_EXC_XDP, /* "auto" with af_xdp */
	    .tap_name = "rb-tap0",
	    .queues = 1,
	    .lcores = "0,1",
	    .hugepages = RB_HUGE_AUTO,
	    .memory_mb = 256,
	    .mbufs = 16384,
	    .idle_sleep_us = 50,
	    .http_port = 80,
	    .http_root = "/var/lib/rackboot/repo",
	    .http_threads = 0,
	    .tftp_root = "/var/lib/rackboot/tftp",
	    .tftp_port = 69,
	    .session_port_lo = 61000,
	    .session_port_hi = 65535,
	    .tftp_cache_mb = 1024,
	    .tftp_max_sessions = 16384,
	    .tftp_max_window = 64,
	    .tftp_retries = 6,
	    .mc_group = htonl(0xefff4501u), /* 239.255.69.1 */
	    .mc_port = 1760,
	    .mc_streams = 16,
	    .mc_clients = 1024,
	    .mc_window = 8,
	    .mtftp_port = 1759,
	    .mtftp_client_port = 1758,
	    .mtftp_open_timeout = 2,
	    .mtftp_reopen_delay = 2,
	    .dhcp =
		{
		    .mode = RB_DHCP_OFF,
		    .lease_time = 3600,
		    .offer_time = 60,
		    .decline_time = 600,
		    .rate_limit = 20,
		    .database = "/var/lib/rackboot/leases.db",
		},
	};
}

void
rb_config_free(struct rb_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->dhcp.resv);
	cfg->dhcp.resv = NULL;
	cfg->dhcp.nb_resv = 0;
}

int
rb_config_load(const char *path, struct rb_config *cfg, struct rb_config_error *err)
{
	char dir[PATH_MAX], base[PATH_MAX], *d;
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	rc = strlen(path) >= PATH_MAX ? -ENAMETOOLONG : read_file(path, &buf, &len);
	if (rc) {
		snprintf(err->message, sizeof(err->message), "cannot open: %s", strerror(-rc));
		return rc;
	}
	/* Relative paths in the file resolve against its directory, made
	 * absolute here so that the stored paths are too. */
	snprintf(dir, sizeof(dir), "%s", path);
	d = dirname(dir);
	if (!realpath(d, base))
		snprintf(base, sizeof(base), "%s", d);
	rc = parse_buffer(base, buf, len, cfg, err);
	free(buf);
	return rc;
}

int
rb_config_parse_string(const char *name, const char *yaml, size_t len, struct rb_config *cfg,
		       struct rb_config_error *err)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", name ? name : "<string>");
	return parse_buffer(NULL, (const unsigned char *)(yaml ? yaml : ""), yaml ? len : 0, cfg,
			    err);
}

void
rb_config_error_format(const struct rb_config_error *err, char *buf, size_t cap)
{
	if (!buf || !cap)
		return;
	if (!err)
		buf[0] = '\0';
	else if (err->line)
		snprintf(buf, cap, "%s:%u:%u: error: %s", err->file, err->line, err->column,
			 err->message);
	else
		snprintf(buf, cap, "%s: error: %s", err->file, err->message);
}
