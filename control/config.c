/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c: struct rb_config from YAML: the flat sections (server, port,
 * dataplane, http, api, tftp), the checks across them, and the section table
 * that the schema walker (config_yaml.c) runs; the dhcp section plugs in
 * from config_dhcp.c as one table entry. All parsing goes into a private
 * copy, handed out only on success.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_dhcp.h"
#include "config_power.h"
#include "config_provision.h"
#include "config_yaml.h"
#include "fs_beneath.h"

enum {
	SEC_SERVER,
	SEC_PORT,
	SEC_DATAPLANE,
	SEC_HTTP,
	SEC_API,
	SEC_TFTP,
	SEC_DHCP,
	SEC_BOOT,
	SEC_PROFILES,
	SEC_GROUPS,
	SEC_HOSTS,
	SEC_LIFECYCLE,
	SEC_HOSTS_FILES, /* its check finishes the provisioning layer */
	SEC_POWER,	 /* after it: its check fills in the hosts' power settings */
	N_SECTIONS
};

/* exception_mode while parsing, for "auto" or nothing given: it is resolved
 * once port.mode is known, which may come later in the file. */
#define EXC_AUTO 0

/* In enum order: check_whole() indexes it by port_mode. */
static const struct name_val port_modes[] = {
    {"af_xdp", RB_PORT_AF_XDP},
    {"af_packet", RB_PORT_AF_PACKET},
    {"pci", RB_PORT_PCI},
    {NULL, 0},
};

/* server.ipv6_ra: the YAML 1.1 booleans as well as on/off. */
static const struct name_val on_off[] = {
    {"on", 1}, {"true", 1}, {"yes", 1}, {"off", 0}, {"false", 0}, {"no", 0}, {NULL, 0},
};

static const struct name_val exception_modes[] = {
    {"auto", EXC_AUTO}, {"xdp", RB_EXC_XDP}, {"tap", RB_EXC_TAP}, {"none", RB_EXC_NONE}, {NULL, 0},
};

/* YAML 1.1 booleans too, since `hugepages: yes` reads naturally. */
static const struct name_val hugepage_modes[] = {
    {"auto", RB_HUGE_AUTO}, {"on", RB_HUGE_ON},	    {"true", RB_HUGE_ON}, {"yes", RB_HUGE_ON},
    {"off", RB_HUGE_OFF},   {"false", RB_HUGE_OFF}, {"no", RB_HUGE_OFF},  {NULL, 0},
};

/*
 * "A.B.C.D/P". Refuses addresses a server cannot own: 0.0.0.0, multicast,
 * limited broadcast, and the network and broadcast addresses of its own
 * subnet (/31 and /32 have neither).
 */
static int
set_address(const struct item *it)
{
	struct rb_config *cfg = it->base;
	char ip[INET_ADDRSTRLEN];
	uint32_t a, h, host_mask;
	unsigned plen;
	int rc;

	rc = cfg_item_prefix(it, "ADDR/PREFIX (e.g. 198.18.0.1/24)", 1, 32, &a, &plen, ip);
	if (rc)
		return rc;
	h = ntohl(a);
	host_mask = plen == 32 ? 0 : UINT32_MAX >> plen;
	if (!cfg_is_unicast_host(a))
		return cfg_bad(it, "%s is not a unicast host address", ip);
	if (plen <= 30 && ((h & host_mask) == 0 || (h & host_mask) == host_mask))
		return cfg_bad(it, "%s is the %s address of its /%u subnet", ip,
			       (h & host_mask) == 0 ? "network" : "broadcast", plen);
	cfg->server_ip = a;
	cfg->prefix_len = (uint8_t)plen;
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

/* server.user: a user name as useradd takes them (a-z or _, then a-z 0-9 _ -),
 * 1..32 characters. Whether it exists is checked at start, not here, so
 * that --check works on a machine where the service user is not made yet. */
static int
set_user(const struct item *it)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";
	size_t n = strlen(it->val);

	if (n == 0 || n > 32 || n >= it->def->size || strspn(it->val, ok) != n ||
	    !((it->val[0] >= 'a' && it->val[0] <= 'z') || it->val[0] == '_'))
		return cfg_bad(it,
			       "'%.64s' is not a user name (1..32 of a-z 0-9 _ -, starting with "
			       "a-z or _)",
			       it->val);
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

/* api.address: where the API listens, an address literal (no names: the
 * listener binds before anything could resolve one). */
static int
set_api_address(const struct item *it)
{
	unsigned char a[16];

	if (strlen(it->val) >= it->def->size ||
	    (inet_pton(AF_INET, it->val, a) != 1 && inet_pton(AF_INET6, it->val, a) != 1))
		return cfg_bad(it, "expected an IPv4 or IPv6 address (e.g. 127.0.0.1), got '%.64s'",
			       it->val);
	memcpy(it->field, it->val, strlen(it->val) + 1);
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
	((struct rb_config *)it->base)->session_port_lo = (uint16_t)lo;
	((struct rb_config *)it->base)->session_port_hi = (uint16_t)hi;
	return 0;
}

/* A multicast group (224.0.0.0/4, not the link-local 224.0.0.0/24). */
static int
set_group(const struct item *it)
{
	uint32_t a, h;

	if (cfg_parse_ipv4(it->val, &a))
		return cfg_bad(it, "invalid IPv4 address '%.64s'", it->val);
	h = ntohl(a);
	if (!IN_MULTICAST(h) || (h >> 8) == 0xe00000)
		return cfg_bad(it,
			       "%.64s is not a multicast group outside 224.0.0.0/24 "
			       "(e.g. 239.255.69.1)",
			       it->val);
	memcpy(it->field, &a, sizeof(a));
	return 0;
}

/*
 * tftp.mounts: a mapping of name -> path, each a directory mounted at that
 * name ("" = the top) or a regular file served as that name. Paths as for
 * set_dir(); names as a TFTP client sends them, normalised ("/d-i/" is
 * "d-i"). The list must fit one TFTP_ROOTS message after tftp.root (at
 * most PATH_MAX).
 */
static int
set_mounts(const struct item *it)
{
	struct rb_config *cfg = it->base;
	const yaml_node_pair_t *pair;
	struct rb_tftp_mount *m;
	const yaml_node_t *k, *v;
	char joined[PATH_MAX];
	const char *key, *val, *base = it->ctx->base_dir;
	size_t n, i, bytes = 8 + 4 + 2 + PATH_MAX;
	struct stat st;
	int len, e;

	if (cfg_is_null(it->node))
		return 0;
	if (it->node->type != YAML_MAPPING_NODE)
		return cfg_bad(it, "expected a mapping of name: path, got %s",
			       cfg_kinds[it->node->type]);
	n = (size_t)(it->node->data.mapping.pairs.top - it->node->data.mapping.pairs.start);
	if (n > RB_TFTP_MAX_MOUNTS)
		return cfg_bad(it, "at most %u mounts are allowed, got %zu", RB_TFTP_MAX_MOUNTS, n);
	cfg->tftp_mounts = m = calloc(n ? n : 1, sizeof(*m));
	if (!m)
		return cfg_oom(it->ctx);
	pair = it->node->data.mapping.pairs.start;
	for (i = 0; i < n; i++, pair++) {
		k = yaml_document_get_node(it->ctx->doc, pair->key);
		v = yaml_document_get_node(it->ctx->doc, pair->value);
		key = cfg_scalar_text(it->ctx, k, it->what);
		val = key ? cfg_scalar_text(it->ctx, v, it->what) : NULL;
		if (!val)
			return -EINVAL;
		len = rb_path_normalize(key, strlen(key), m[i].name, sizeof(m[i].name),
					RB_PATH_BACKSLASH | RB_PATH_NO_CTRL);
		if (len < 0)
			return cfg_fail(
			    it->ctx, k->start_mark, "%s: '%.64s' is not a name TFTP can serve (%s)",
			    it->what, key,
			    len == -ENAMETOOLONG ? "too long" : "'..' or a control byte");
		for (e = 0; (size_t)e < i; e++)
			if (!strcmp(m[e].name, m[i].name))
				return cfg_fail(it->ctx, k->start_mark,
						"%s: '%s' is mounted twice (line %u)", it->what,
						m[i].name,
						cfg_line(yaml_document_get_node(
						    it->ctx->doc, (pair - i + e)->key)));
		if (!*val)
			return cfg_fail(it->ctx, v->start_mark, "%s.%s: expected a path, got ''",
					it->what, m[i].name);
		if (val[0] == '/' || !base)
			e = snprintf(joined, sizeof(joined), "%s", val);
		else
			e = snprintf(joined, sizeof(joined), "%s/%s", base, val);
		if (e < 0 || (size_t)e >= sizeof(joined))
			return cfg_fail(it->ctx, v->start_mark, "%s.%s: path is too long", it->what,
					m[i].name);
		e = !realpath(joined, m[i].path) || stat(m[i].path, &st) ? errno : 0;
		if (e)
			return cfg_fail(it->ctx, v->start_mark, "%s.%s '%s': %s", it->what,
					m[i].name, joined, strerror(e));
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			return cfg_fail(it->ctx, v->start_mark,
					"%s.%s '%s': neither a directory nor a regular file",
					it->what, m[i].name, joined);
		if (S_ISREG(st.st_mode) && !*m[i].name)
			return cfg_fail(it->ctx, k->start_mark,
					"%s: a file is served under a name, '' is the top",
					it->what);
		bytes += 4 + strlen(m[i].name) + 1 + strlen(m[i].path) + 1;
		if (bytes > RB_CHAN_MAX_MSG)
			return cfg_fail(it->ctx, v->start_mark,
					"%s: the mounts' names and paths are too long for one "
					"channel message (%u bytes)",
					it->what, RB_CHAN_MAX_MSG);
		cfg->nb_tftp_mounts = (unsigned)i + 1;
	}
	return 0;
}

#define FIELD(f) offsetof(struct rb_config, f), sizeof(((struct rb_config *)0)->f)
#define KEY(n, fn, f)                                                                              \
	{                                                                                          \
		n, fn, FIELD(f), 0, 0, NULL, NULL, false, 0                                        \
	}
#define UINT_KEY(n, f, lo, hi)                                                                     \
	{                                                                                          \
		n, cfg_set_uint, FIELD(f), lo, hi, NULL, NULL, false, 0                            \
	}
#define ENUM_KEY(n, f, t, e)                                                                       \
	{                                                                                          \
		n, cfg_set_enum, FIELD(f), 0, 0, t, e, false, 0                                    \
	}
#define MAP(sec, keys)                                                                             \
	{                                                                                          \
		keys, sizeof(keys) / sizeof(keys[0]), sec, "section '" sec "'"                     \
	}

static const struct key_def server_keys[] = {
    KEY("address", set_address, server_ip),
    UINT_KEY("mtu", mtu, 576, 9000),
    ENUM_KEY("ipv6_ra", ipv6_ra, on_off, "on or off"),
    KEY("user", set_user, server_user),
};
static const struct key_def port_keys[] = {
    ENUM_KEY("mode", port_mode, port_modes, "af_xdp, af_packet or pci"),
    KEY("interface", set_ifname, interface),
    KEY("pci", set_pci, pci_addr),
    ENUM_KEY("exception", exception_mode, exception_modes, "auto, xdp, tap or none"),
    KEY("tap_name", set_ifname, tap_name),
    UINT_KEY("queues", queues, 1, 16),
};
static const struct key_def dataplane_keys[] = {
    KEY("lcores", set_lcores, lcores),
    ENUM_KEY("hugepages", hugepages, hugepage_modes, "auto, on or off"),
    UINT_KEY("memory_mb", memory_mb, 64, 65536),
    UINT_KEY("mbufs", mbufs, 1024, 1048576),
    UINT_KEY("idle_sleep_us", idle_sleep_us, 0, 100000),
};
static const struct key_def http_keys[] = {
    UINT_KEY("port", http_port, 1, 65535),
    KEY("root", set_dir, http_root),
    UINT_KEY("threads", http_threads, 0, 64),
    UINT_KEY("per_address_connections", http_per_ip, 0, 4096),
};
static const struct key_def api_keys[] = {
    KEY("address", set_api_address, api_address),
    UINT_KEY("port", api_port, 0, 65535),
    /* absolute: the clients read the same file and need not know where the config lives */
    KEY("token_file", cfg_set_abs_file, api_token_file),
};
static const struct key_def tftp_keys[] = {
    KEY("root", set_dir, tftp_root),
    UINT_KEY("port", tftp_port, 1, 65535),
    KEY("session_ports", set_session, session_port_lo),
    UINT_KEY("cache_mb", tftp_cache_mb, 1, 65536),
    UINT_KEY("max_sessions", tftp_max_sessions, 1, 1048576),
    UINT_KEY("max_window", tftp_max_window, 1, 1024),
    UINT_KEY("retries", tftp_retries, 1, 20),
    UINT_KEY("per_source_sessions", tftp_per_source, 0, 65535),
    UINT_KEY("per_source_rrq_rate", tftp_rrq_rate, 0, 1000000),
    KEY("multicast_group", set_group, mc_group),
    UINT_KEY("multicast_port", mc_port, 1, 65535),
    UINT_KEY("multicast_streams", mc_streams, 0, 256),
    UINT_KEY("multicast_clients", mc_clients, 1, 65535),
    UINT_KEY("multicast_window", mc_window, 1, 64),
    KEY("mtftp_group", set_group, mtftp_group),
    UINT_KEY("mtftp_port", mtftp_port, 1, 65535),
    UINT_KEY("mtftp_client_port", mtftp_client_port, 1, 65535),
    UINT_KEY("mtftp_open_timeout", mtftp_open_timeout, 1, 255),
    UINT_KEY("mtftp_reopen_delay", mtftp_reopen_delay, 1, 255),
    {"mounts", set_mounts, FIELD(tftp_mounts), 0, 0, NULL, NULL, true, 0},
};

/* lifecycle.timeouts: seconds a host may stay in a state; 0 = forever. */
static const struct key_def timeout_keys[] = {
    UINT_KEY("pending", lc_timeout_pending, 0, 2592000),
    UINT_KEY("booting", lc_timeout_booting, 0, 2592000),
    UINT_KEY("installing", lc_timeout_installing, 0, 2592000),
};
static const struct map_def timeouts_map = MAP("lifecycle.timeouts", timeout_keys);

static int
set_timeouts(const struct item *it)
{
	const yaml_node_t *vals[sizeof(timeout_keys) / sizeof(timeout_keys[0])] = {0};

	if (cfg_is_null(it->node))
		return 0;
	if (it->node->type != YAML_MAPPING_NODE)
		return cfg_bad(it, "expected a mapping of state: seconds, got %s",
			       cfg_kinds[it->node->type]);
	return cfg_walk_map(it->ctx, it->node, &timeouts_map, it->base, vals, NULL);
}

static const struct key_def lifecycle_keys[] = {
    {"timeouts", set_timeouts, FIELD(lc_timeout_pending), 0, 0, NULL, NULL, true, 0},
    UINT_KEY("history", lc_history, 10, 100000),
};

static const struct map_def maps[] = {
    [SEC_SERVER] = MAP("server", server_keys),
    [SEC_PORT] = MAP("port", port_keys),
    [SEC_DATAPLANE] = MAP("dataplane", dataplane_keys),
    [SEC_HTTP] = MAP("http", http_keys),
    [SEC_API] = MAP("api", api_keys),
    [SEC_TFTP] = MAP("tftp", tftp_keys),
    [SEC_LIFECYCLE] = MAP("lifecycle", lifecycle_keys),
};

static int check_whole(struct cfg_ctx *ctx);

#define FLAT(var, sec, n)                                                                          \
	static const struct cfg_section var = {n, cfg_walk_section, NULL, NULL, &maps[sec]}
FLAT(server_sec, SEC_SERVER, "server");
FLAT(port_sec, SEC_PORT, "port");
FLAT(dataplane_sec, SEC_DATAPLANE, "dataplane");
FLAT(http_sec, SEC_HTTP, "http");
FLAT(api_sec, SEC_API, "api");
FLAT(tftp_sec, SEC_TFTP, "tftp");
FLAT(lifecycle_sec, SEC_LIFECYCLE, "lifecycle");

/* In the order the whole-file checks run: dhcp's need the others' values. */
static const struct cfg_section *const sections[N_SECTIONS] = {
    [SEC_SERVER] = &server_sec,
    [SEC_PORT] = &port_sec,
    [SEC_DATAPLANE] = &dataplane_sec,
    [SEC_HTTP] = &http_sec,
    [SEC_API] = &api_sec,
    [SEC_TFTP] = &tftp_sec,
    [SEC_DHCP] = &cfg_dhcp_section,
    [SEC_BOOT] = &cfg_boot_section,
    [SEC_PROFILES] = &cfg_profiles_section,
    [SEC_GROUPS] = &cfg_groups_section,
    [SEC_HOSTS] = &cfg_hosts_section,
    [SEC_LIFECYCLE] = &lifecycle_sec,
    [SEC_HOSTS_FILES] = &cfg_hosts_files_section,
    [SEC_POWER] = &cfg_power_section,
};
static const struct cfg_schema schema = {sections, N_SECTIONS, check_whole};

/* The value node given for section.key, or NULL. */
static const yaml_node_t *
given(const struct cfg_ctx *ctx, int sec, const char *name)
{
	return cfg_given(ctx, &schema, (size_t)sec, name);
}

/* Where a whole-file error points: the node when there is one, else its
 * section's name, else the top of the document. */
static yaml_mark_t
mark_of(const struct cfg_ctx *ctx, const yaml_node_t *node, int sec)
{
	if (node)
		return node->start_mark;
	return ctx->section[sec] ? ctx->section[sec]->start_mark : ctx->root->start_mark;
}

/* The session range must not swallow a service port, or the dataplane would
 * take that port's requests for TFTP session traffic. */
static int
check_session(struct cfg_ctx *ctx, int sec, uint16_t port)
{
	const struct rb_config *cfg = ctx->target;
	const yaml_node_t *at = given(ctx, SEC_TFTP, "session_ports");

	if (port < cfg->session_port_lo || port > cfg->session_port_hi)
		return 0;
	return cfg_fail(ctx, mark_of(ctx, at ? at : given(ctx, sec, "port"), SEC_TFTP),
			"tftp.session_ports: %u-%u contains %s.port %u", cfg->session_port_lo,
			cfg->session_port_hi, sections[sec]->name, port);
}

/* Checks that need the whole file, and the resolution of exception "auto". */
static int
check_whole(struct cfg_ctx *ctx)
{
	struct rb_config *cfg = ctx->target;
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
	/* The public listener takes its port on every address. */
	if (cfg->api_port && cfg->api_port == cfg->http_port) {
		const yaml_node_t *at = given(ctx, SEC_API, "port");

		return cfg_fail(
		    ctx, at ? at->start_mark : mark_of(ctx, given(ctx, SEC_HTTP, "port"), SEC_HTTP),
		    "api.port %u is also http.port (0 serves the API on http.port)", cfg->api_port);
	}
	rc = check_session(ctx, SEC_TFTP, cfg->tftp_port);
	if (!rc)
		rc = check_session(ctx, SEC_HTTP, cfg->http_port);
	if (!rc && cfg->mc_streams && !IN_MULTICAST(ntohl(cfg->mc_group) + cfg->mc_streams - 1))
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
	return rc;
}

/* Parse with the schema into a private copy, handed out on success. */
static int
parse(const char *path, const char *yaml, size_t len, bool is_file, struct rb_config *cfg,
      struct rb_config_error *err)
{
	struct rb_config tmp;
	int rc;

	rb_config_defaults(&tmp);
	tmp.exception_mode = EXC_AUTO;
	snprintf(tmp.path, sizeof(tmp.path), "%s", path);
	if (is_file)
		rc = cfg_parse_file(path, &schema, &tmp, err);
	else
		rc = cfg_parse_buffer(path, NULL, yaml, len, &schema, &tmp, err);
	if (rc)
		rb_config_free(&tmp);
	else
		memcpy(cfg, &tmp, sizeof(tmp)); /* tmp's allocations now belong to cfg */
	return rc;
}

void
rb_config_defaults(struct rb_config *cfg)
{
	/* server.address and port.interface / port.pci have no default. */
	*cfg = (struct rb_config){
	    .mtu = 1500,
	    .ipv6_ra = 1,
	    .server_user = "rackboot",
	    .port_mode = RB_PORT_AF_XDP,
	    .exception_mode = RB_EXC_XDP, /* "auto" with af_xdp */
	    .tap_name = "rb-tap0",
	    .queues = 1,
	    .lcores = "0,1",
	    .hugepages = RB_HUGE_AUTO,
	    .memory_mb = 256,
	    .mbufs = 16384,
	    .idle_sleep_us = 50,
	    .power_concurrency = RB_POWER_CONCURRENCY,
	    .power_stagger_ms = RB_POWER_STAGGER_MS,
	    .power_timeout_s = RB_POWER_TIMEOUT_S,
	    .http_port = 80,
	    .http_root = "/var/lib/rackboot/repo",
	    .http_threads = 0,
	    .http_per_ip = 64,
	    .api_address = "127.0.0.1",
	    .api_port = 8081,
	    .api_token_file = "/var/lib/rackboot/api.token",
	    .tftp_root = "/var/lib/rackboot/tftp",
	    .tftp_port = 69,
	    .session_port_lo = 61000,
	    .session_port_hi = 65535,
	    .tftp_cache_mb = 1024,
	    .tftp_max_sessions = 16384,
	    .tftp_max_window = 64,
	    .tftp_retries = 6,
	    .tftp_per_source = 32,
	    .tftp_rrq_rate = 64,
	    .lc_timeout_booting = 600,
	    .lc_timeout_installing = 3600,
	    .lc_history = 100,
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
		    .database_poll_ms = 500,
		    .pool_order = RB_POOL_AUTO,
		    .database_down_renew = 1,
		    .balance_takeover_s = 3,
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
	rb_provision_free(cfg->prov);
	free(cfg->prov);
	cfg->prov = NULL;
	free(cfg->tftp_mounts);
	cfg->tftp_mounts = NULL;
	cfg->nb_tftp_mounts = 0;
}

int
rb_config_load(const char *path, struct rb_config *cfg, struct rb_config_error *err)
{
	return parse(path, NULL, 0, true, cfg, err);
}

int
rb_config_parse_string(const char *name, const char *yaml, size_t len, struct rb_config *cfg,
		       struct rb_config_error *err)
{
	return parse(name ? name : "<string>", yaml, yaml ? len : 0, false, cfg, err);
}

int
rb_config_error_parse(const char *msg, struct rb_config_error *err)
{
	memset(err, 0, sizeof(*err));
	for (const char *c = strchr(msg, ':'); c; c = strchr(c + 1, ':')) {
		unsigned line, col;
		int end = 0;

		if (c == msg || sscanf(c, ":%u:%u: %n", &line, &col, &end) != 2 || !end)
			continue;
		snprintf(err->file, sizeof(err->file), "%.*s", (int)(c - msg), msg);
		err->line = line;
		err->column = col;
		c += end;
		if (strncmp(c, "error: ", 7) == 0)
			c += 7;
		snprintf(err->message, sizeof(err->message), "%s", c);
		return 0;
	}
	snprintf(err->message, sizeof(err->message), "%s", msg);
	return -EINVAL;
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
