/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_dhcp.c: the dhcp section: mode and timers, subnets with their pools
 * and options, reservations, and the PXE boot map.
 *
 * Unlike the other sections, dhcp nests: lists of mappings (subnets,
 * reservations), a mapping (boot) and lists of addresses. Each mapping is
 * walked with its own key table, and every value node is kept: the checks
 * that need more than one mapping run once the whole file is read (mode may
 * follow subnets, subnets may follow the reservations that must lie inside
 * them, server.address may follow the dhcp section), and they still point
 * at the value at fault.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config_dhcp.h"
#include "config_yaml.h"
#include "hex.h"
#include "leasedb.h"

/* Key indices, in the order of each table below. */
enum {
	D_MODE,
	D_LEASE,
	D_OFFER,
	D_DECLINE,
	D_RATE,
	D_DATABASE,
	D_DB_PASSWORD,
	D_DB_POLL,
	D_POOL_ORDER,
	D_DB_DOWN,
	D_BALANCE,
	D_TAKEOVER,
	D_DNS,
	D_DOMAIN,
	D_SUBNETS,
	D_RESV,
	D_BOOT,
	N_D
};
enum { S_SUBNET, S_POOL, S_ROUTERS, S_DNS, S_DOMAIN, S_LEASE, N_S };
enum { R_MAC, R_CLIENT_ID, R_ADDRESS, R_HOSTNAME, N_R };
enum { B_NEXT_SERVER, B_FILE, B_IPXE = B_FILE + RB_BOOT_MAX, N_B }; /* B_FILE + enum rb_boot_slot */

/* The BOOTP `file` field holds 128 bytes with its NUL. */
#define BOOT_FILE_MAX 127

struct subnet_nodes {
	const yaml_node_t *entry; /* the mapping: where a missing key is reported */
	const yaml_node_t *v[N_S];
};

struct resv_nodes {
	const yaml_node_t *entry;
	const yaml_node_t *v[N_R];
};

/* The section's parse state: every value node, for the whole-file checks. */
struct dhcp_parse {
	const yaml_node_t *key; /* the section's name */
	const yaml_node_t *top[N_D], *top_key[N_D];
	const yaml_node_t *boot[N_B];
	struct subnet_nodes subnet[RB_DHCP_MAX_SUBNETS];
	struct resv_nodes *resv; /* one per reservation, malloc'd */
};

/* A dotted quad, by value so that a message can format several at once. */
struct ipstr {
	char s[INET_ADDRSTRLEN];
};

static struct ipstr
ip_str(uint32_t net_order)
{
	struct ipstr r;

	inet_ntop(AF_INET, &net_order, r.s, sizeof(r.s));
	return r;
}

static uint32_t
mask_of(unsigned prefix_len)
{
	return htonl(prefix_len ? UINT32_MAX << (32 - prefix_len) : 0);
}

static uint32_t
bcast_of(const struct rb_dhcp_subnet *s)
{
	return s->net | ~mask_of(s->prefix_len);
}

static bool
in_subnet(const struct rb_dhcp_subnet *s, uint32_t ip)
{
	return (ip & mask_of(s->prefix_len)) == s->net;
}

static bool
in_pool(const struct rb_dhcp_subnet *s, uint32_t ip)
{
	return (s->pool_lo || s->pool_hi) && ntohl(ip) >= ntohl(s->pool_lo) &&
	       ntohl(ip) <= ntohl(s->pool_hi);
}

/* Entry i of an address list, which may also be a single value. */
static const yaml_node_t *
addr_node(const struct cfg_ctx *ctx, const yaml_node_t *list, size_t i)
{
	return list->type == YAML_SEQUENCE_NODE ? cfg_seq_item(ctx, list, i) : list;
}

/* Printable ASCII without spaces: what boot ROMs and URLs cope with. */
static bool
printable(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

/* A DNS label as RFC 1123 has host names: 1..63 letters, digits and '-',
 * not starting or ending with '-'. Spelled out rather than isalnum(), which
 * would follow the locale. */
static bool
ldh_label(const char *s, size_t n)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-";
	size_t i;

	if (n < 1 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++) {
		if (!memchr(ok, s[i], sizeof(ok) - 1))
			return false;
	}
	return true;
}

/* ---- values ---- */

static const struct name_val pool_orders[] = {
    {"auto", RB_POOL_AUTO},
    {"fifo", RB_POOL_FIFO},
    {"client-hash", RB_POOL_CLIENT_HASH},
    {NULL, 0},
};

static const struct name_val db_down_modes[] = {
    {"renew", 1},
    {"refuse", 0},
    {NULL, 0},
};

static const struct name_val dhcp_modes[] = {
    {"server", RB_DHCP_SERVER},
    {"proxy", RB_DHCP_PROXY},
    {"off", RB_DHCP_OFF},
    {NULL, 0},
};

/* Servers that share the clients (dhcp.balance), at most. */
#define BALANCE_MAX 16

/* dhcp.balance: "K/N", this server's share K of N, 1 <= K <= N <= 16. */
static int
set_balance(const struct item *it)
{
	const char *p = it->val;
	unsigned k = 0, n = 0, *v = &k;

	for (; *p >= '0' && *p <= '9' && *v <= BALANCE_MAX; p++) {
		*v = *v * 10 + (unsigned)(*p - '0');
		if (p[1] == '/' && v == &k) {
			v = &n;
			p++;
		}
	}
	if (*p || v != &n || p[-1] == '/')
		return cfg_bad(it,
			       "expected this server's share as K/N (1 <= K <= N <= %d, e.g. 1/2 "
			       "and 2/2 for two servers), got '%.64s'",
			       BALANCE_MAX, it->val);
	if (!n || n > BALANCE_MAX || !k || k > n)
		return cfg_bad(it, "share %u/%u: need 1 <= K <= N <= %d", k, n, BALANCE_MAX);
	((uint8_t *)it->field)[0] = (uint8_t)k;
	((uint8_t *)it->field)[1] = (uint8_t)n;
	return 0;
}

/*
 * A postgresql:// URI (checked here, never echoed: the message says what
 * is wrong with it), or an SQLite file path: need not exist yet (the lease
 * store creates it); stored absolute, as the directories are, so that it
 * does not depend on the cwd.
 */
static int
set_database(const struct item *it)
{
	const char *base = it->ctx->base_dir, *v = it->val;
	char cwd[PATH_MAX], why[256];
	size_t n = strlen(v);
	int len;

	if (leasedb_is_uri(v)) {
		if (leasedb_uri_check(v, why, sizeof(why)))
			return cfg_bad(it, "%s", why);
		if (n >= it->def->size)
			return cfg_bad(it, "URI is too long");
		memcpy(it->field, v, n + 1);
		return 0;
	}
	if (!n || v[n - 1] == '/')
		return cfg_bad(it, "expected a file path, got '%.64s'", v);
	if (v[0] != '/' && !base) {
		base = getcwd(cwd, sizeof(cwd));
		if (!base)
			return cfg_bad(it, "cannot resolve '%.64s': %s", v, strerror(errno));
	}
	if (v[0] == '/')
		len = snprintf(it->field, it->def->size, "%s", v);
	else
		len = snprintf(it->field, it->def->size, "%s%s%s", base,
			       base[strlen(base) - 1] == '/' ? "" : "/", v);
	if (len < 0 || (size_t)len >= it->def->size)
		return cfg_bad(it, "path is too long");
	return 0;
}

static int
set_domain(const struct item *it)
{
	const char *p = it->val, *dot;
	size_t n = strlen(p);

	if (!n || n >= it->def->size)
		return cfg_bad(it, "a domain name must be 1..%zu characters long, got %zu",
			       it->def->size - 1, n);
	for (;; p = dot + 1) {
		dot = strchr(p, '.');
		if (!ldh_label(p, dot ? (size_t)(dot - p) : strlen(p)))
			return cfg_bad(it,
				       "'%.64s' is not a valid domain name (labels of 1..63 "
				       "letters, digits and '-', not first or last, joined by '.')",
				       it->val);
		if (!dot)
			break;
	}
	memcpy(it->field, it->val, n + 1);
	return 0;
}

/* One address or a list of def->min..max of them, none twice, into the
 * uint32_t array at field and its count, a uint8_t, at def->count_off. */
static int
set_addrs(const struct item *it)
{
	const yaml_node_t *list = it->node;
	uint32_t a[RB_DHCP_MAX_ADDRS];
	size_t n, i, j;
	int rc;

	if (list->type == YAML_MAPPING_NODE)
		return cfg_bad(it, "expected an IPv4 address or a list of them, got a mapping");
	n = list->type == YAML_SEQUENCE_NODE ? cfg_seq_len(list) : !cfg_is_null(list);
	if (n < it->def->min || n > it->def->max)
		return cfg_bad(it, "expected %u..%u IPv4 addresses, got %zu", it->def->min,
			       it->def->max, n);
	for (i = 0; i < n; i++) {
		struct item one = *it;

		one.node = addr_node(it->ctx, list, i);
		one.val = cfg_scalar_text(it->ctx, one.node, it->what);
		if (!one.val)
			return -EINVAL;
		rc = cfg_item_host(&one, &a[i]);
		if (rc)
			return rc;
		for (j = 0; j < i; j++) {
			if (a[j] == a[i])
				return cfg_bad(&one, "%s is listed twice", one.val);
		}
	}
	memcpy(it->field, a, n * sizeof(a[0]));
	*((uint8_t *)it->base + it->def->count_off) = (uint8_t)n;
	return 0;
}

/* ---- subnets ---- */

static int
set_net(const struct item *it)
{
	struct rb_dhcp_subnet *s = it->base;
	char ip[INET_ADDRSTRLEN];
	unsigned plen;
	uint32_t a, h;
	int rc;

	/* Below /8 is no provisioning network; above /30 leaves no pool. */
	rc = cfg_item_prefix(it, "NETWORK/PREFIX (e.g. 198.18.0.0/24)", 8, 30, &a, &plen, ip);
	if (rc)
		return rc;
	h = ntohl(a);
	if (h & (UINT32_MAX >> plen))
		return cfg_bad(it, "%s has host bits set for a /%u (the network is %s/%u)", ip,
			       plen, ip_str(a & mask_of(plen)).s, plen);
	if ((h >> 24) == 0 || (h >> 24) == 127 || IN_MULTICAST(h) || IN_BADCLASS(h))
		return cfg_bad(it, "%s is not a unicast network", it->val);
	s->net = a;
	s->prefix_len = (uint8_t)plen;
	return 0;
}

/* LOW-HIGH. Whether it lies inside the subnet is checked with the entry,
 * whose subnet key may come after this one. */
static int
set_pool(const struct item *it)
{
	struct rb_dhcp_subnet *s = it->base;
	const char *dash = strchr(it->val, '-');
	char lo[INET_ADDRSTRLEN];
	size_t lolen = dash ? (size_t)(dash - it->val) : 0;
	uint32_t l, h;

	snprintf(lo, sizeof(lo), "%.*s", (int)(lolen < sizeof(lo) ? lolen : 0), it->val);
	if (!dash || lolen >= sizeof(lo) || cfg_parse_ipv4(lo, &l) || cfg_parse_ipv4(dash + 1, &h))
		return cfg_bad(it,
			       "expected LOW-HIGH addresses (e.g. 198.18.0.100-198.18.0.199), "
			       "got '%.64s'",
			       it->val);
	if (ntohl(l) > ntohl(h))
		return cfg_bad(it, "%.64s is empty (low end above high end)", it->val);
	s->pool_lo = l;
	s->pool_hi = h;
	return 0;
}

#define SF(f)                                                                                      \
	.off = offsetof(struct rb_dhcp_subnet, f), .size = sizeof(((struct rb_dhcp_subnet *)0)->f)
/* An address list in struct T: its array a, its count nb, lo..4 entries. */
#define ADDRS(T, a, nb, lo)                                                                        \
	.set = set_addrs, .off = offsetof(T, a), .count_off = offsetof(T, nb), .min = lo,          \
	.max = RB_DHCP_MAX_ADDRS, .tree = true
static const struct key_def subnet_keys[N_S] = {
    [S_SUBNET] = {.name = "subnet", .set = set_net},
    [S_POOL] = {.name = "pool", .set = set_pool},
    [S_ROUTERS] = {.name = "routers", ADDRS(struct rb_dhcp_subnet, routers, nb_routers, 0)},
    [S_DNS] = {.name = "dns", ADDRS(struct rb_dhcp_subnet, dns, nb_dns, 0)},
    [S_DOMAIN] = {.name = "domain", .set = set_domain, SF(domain)},
    [S_LEASE] =
	{.name = "lease_time", .set = cfg_set_uint, SF(lease_time), .min = 60, .max = 31536000},
};
static const struct map_def subnet_map = {subnet_keys, N_S, "dhcp.subnets", "a dhcp.subnets entry"};

/* What one subnets entry needs on its own; earlier entries are complete. */
static int
check_subnet(struct cfg_ctx *ctx, const struct rb_dhcp_cfg *d, size_t i)
{
	const struct dhcp_parse *dp = ctx->walking;
	const struct subnet_nodes *sn = &dp->subnet[i];
	const struct rb_dhcp_subnet *s = &d->subnets[i], *o;
	unsigned plen = s->prefix_len;
	const yaml_node_t *at;
	size_t j;

	if (!sn->v[S_SUBNET])
		return cfg_fail(ctx, sn->entry->start_mark,
				"missing required key 'subnet' in a dhcp.subnets entry");
	for (j = 0; j < i; j++) {
		o = &d->subnets[j];
		/* Two prefixes overlap when one holds the other's network. */
		if ((s->net & mask_of(o->prefix_len)) == o->net ||
		    (o->net & mask_of(plen)) == s->net)
			return cfg_fail(ctx, sn->v[S_SUBNET]->start_mark,
					"dhcp.subnets.subnet: %s/%u overlaps %s/%u at line %u",
					ip_str(s->net).s, plen, ip_str(o->net).s, o->prefix_len,
					cfg_line(dp->subnet[j].v[S_SUBNET]));
	}
	at = sn->v[S_POOL];
	if (at && (!in_subnet(s, s->pool_lo) || !in_subnet(s, s->pool_hi)))
		return cfg_fail(ctx, at->start_mark, "dhcp.subnets.pool: %s-%s is not inside %s/%u",
				ip_str(s->pool_lo).s, ip_str(s->pool_hi).s, ip_str(s->net).s, plen);
	if (at && (s->pool_lo == s->net || s->pool_hi == bcast_of(s)))
		return cfg_fail(ctx, at->start_mark,
				"dhcp.subnets.pool: %s-%s contains the %s address of %s/%u",
				ip_str(s->pool_lo).s, ip_str(s->pool_hi).s,
				s->pool_lo == s->net ? "network" : "broadcast", ip_str(s->net).s,
				plen);
	for (j = 0; j < s->nb_routers; j++) {
		uint32_t r = s->routers[j];

		at = addr_node(ctx, sn->v[S_ROUTERS], j);
		if (!in_subnet(s, r))
			return cfg_fail(ctx, at->start_mark,
					"dhcp.subnets.routers: %s is not inside %s/%u", ip_str(r).s,
					ip_str(s->net).s, plen);
		if (r == s->net || r == bcast_of(s))
			return cfg_fail(ctx, at->start_mark,
					"dhcp.subnets.routers: %s is the %s address of %s/%u",
					ip_str(r).s, r == s->net ? "network" : "broadcast",
					ip_str(s->net).s, plen);
		/* Nothing keeps the server from leasing it out otherwise. */
		if (in_pool(s, r))
			return cfg_fail(ctx, at->start_mark,
					"dhcp.subnets.routers: %s is inside the pool %s-%s",
					ip_str(r).s, ip_str(s->pool_lo).s, ip_str(s->pool_hi).s);
	}
	return 0;
}

/* Entry i of the list of mappings at it, walked with def into base; its
 * node goes to *entry (NULL when it is not a mapping) and its values to v. */
static int
walk_entry(const struct item *it, size_t i, const struct map_def *def, void *base,
	   const yaml_node_t **entry, const yaml_node_t **v)
{
	*entry = cfg_entry_at(it, i);
	return *entry ? cfg_walk_map(it->ctx, *entry, def, base, v, NULL) : -EINVAL;
}

static int
set_subnets(const struct item *it)
{
	struct cfg_ctx *ctx = it->ctx;
	struct dhcp_parse *dp = ctx->walking;
	struct rb_dhcp_cfg *d = it->base;
	size_t n, i;
	int rc;

	rc = cfg_list_of_maps(it, RB_DHCP_MAX_SUBNETS, &n);
	for (i = 0; !rc && i < n; i++) {
		struct subnet_nodes *sn = &dp->subnet[i];

		rc = walk_entry(it, i, &subnet_map, &d->subnets[i], &sn->entry, sn->v);
		if (!rc)
			rc = check_subnet(ctx, d, i);
		d->nb_subnets = (unsigned)i + 1;
	}
	return rc;
}

/* ---- reservations ---- */

static int
set_mac(const struct item *it)
{
	struct rb_dhcp_resv *r = it->base;
	int rc = cfg_item_mac(it, r->mac);

	if (rc)
		return rc;
	r->has_mac = true;
	return 0;
}

/* Option 61's bytes, type octet first, as the client sends them. */
static int
set_client_id(const struct item *it)
{
	struct rb_dhcp_resv *r = it->base;
	int n = rb_hex_octets(it->val, ":", r->client_id, sizeof(r->client_id));

	if (n < 2)
		return cfg_bad(it,
			       "expected 2..%zu hex octets separated by ':' "
			       "(e.g. \"01:52:54:00:12:34:56\"), got '%.64s'",
			       sizeof(r->client_id), it->val);
	r->client_id_len = (uint8_t)n;
	return 0;
}

static int
set_hostname(const struct item *it)
{
	struct rb_dhcp_resv *r = it->base;
	size_t n = strlen(it->val);

	if (!ldh_label(it->val, n))
		return cfg_bad(it,
			       "'%.64s' is not a valid host name (1..63 letters, digits and "
			       "'-', not first or last)",
			       it->val);
	memcpy(r->hostname, it->val, n + 1);
	return 0;
}

static const struct key_def resv_keys[N_R] = {
    [R_MAC] = {.name = "mac", .set = set_mac},
    [R_CLIENT_ID] = {.name = "client_id", .set = set_client_id},
    [R_ADDRESS] = {.name = "address",
		   .set = cfg_set_host,
		   .off = offsetof(struct rb_dhcp_resv, ip)},
    [R_HOSTNAME] = {.name = "hostname", .set = set_hostname},
};
static const struct map_def resv_map = {resv_keys, N_R, "dhcp.reservations",
					"a dhcp.reservations entry"};

static int
set_reservations(const struct item *it)
{
	struct cfg_ctx *ctx = it->ctx;
	struct dhcp_parse *dp = ctx->walking;
	struct rb_dhcp_cfg *d = it->base;
	size_t n, i;
	int rc;

	rc = cfg_list_of_maps(it, RB_DHCP_MAX_RESV, &n);
	if (rc || !n)
		return rc;
	/* The list's length is known up front: no growing. d->resv is freed
	 * with the config, dp->resv with the parse. */
	d->resv = calloc(n, sizeof(*d->resv));
	dp->resv = calloc(n, sizeof(*dp->resv));
	if (!d->resv || !dp->resv)
		return cfg_oom(ctx);
	for (i = 0; !rc && i < n; i++) {
		struct resv_nodes *rn = &dp->resv[i];

		rc = walk_entry(it, i, &resv_map, &d->resv[i], &rn->entry, rn->v);
		if (!rc && !rn->v[R_ADDRESS])
			rc = cfg_fail(ctx, rn->entry->start_mark,
				      "missing required key "
				      "'address' in a dhcp.reservations entry");
		if (!rc && !rn->v[R_MAC] && !rn->v[R_CLIENT_ID])
			rc = cfg_fail(ctx, rn->entry->start_mark,
				      "a dhcp.reservations entry needs a mac, a client_id or both");
		d->nb_resv = (unsigned)i + 1;
	}
	return rc;
}

/* ---- boot ---- */

/*
 * A TFTP file name, as the firmware sends it back in its read request:
 * printable ASCII without spaces (ROMs are not kind to anything else), no
 * ".." component (the TFTP server would refuse it; better to hear it now).
 * A leading '/' is fine: TFTP names are relative to tftp.root either way.
 */
static int
set_boot_file(const struct item *it)
{
	const char *v = it->val, *p;
	size_t n = strlen(v);

	if (!n || n > BOOT_FILE_MAX)
		return cfg_bad(it, "a boot file name must be 1..%d bytes long, got %zu",
			       BOOT_FILE_MAX, n);
	if (!printable(v))
		return cfg_bad(it,
			       "'%.64s' has a space, control or non-ASCII character "
			       "(boot file names are printable ASCII)",
			       v);
	for (p = v; p; p = strchr(p, '/')) {
		p += *p == '/';
		if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2]))
			return cfg_bad(it,
				       "'%.64s' has a '..' component (boot files are under "
				       "tftp.root)",
				       v);
	}
	memcpy(it->field, v, n + 1);
	return 0;
}

/* What UEFI HTTP boot and iPXE fetch: http:// or https://, a host, and only
 * printable ASCII without spaces (anything else is percent-encoded). */
static int
set_url(const struct item *it)
{
	const char *v = it->val;
	size_t n = strlen(v), skip;

	if (!strncasecmp(v, "http://", 7))
		skip = 7;
	else if (!strncasecmp(v, "https://", 8))
		skip = 8;
	else
		return cfg_bad(it, "expected an http:// or https:// URL, got '%.64s'", v);
	if (n >= it->def->size)
		return cfg_bad(it, "the URL is %zu bytes long, at most %zu are allowed", n,
			       it->def->size - 1);
	if (!printable(v))
		return cfg_bad(it,
			       "'%.64s' has a space, control or non-ASCII character "
			       "(percent-encode it)",
			       v);
	if (!v[skip] || v[skip] == '/')
		return cfg_bad(it, "'%.64s' has no host", v);
	memcpy(it->field, v, n + 1);
	return 0;
}

#define DF(f) .off = offsetof(struct rb_dhcp_cfg, f), .size = sizeof(((struct rb_dhcp_cfg *)0)->f)
#define BOOT_FILE(slot, n) [B_FILE + (slot)] = {.name = n, .set = set_boot_file, DF(boot[slot])}
#define BOOT_URL(slot, n) [B_FILE + (slot)] = {.name = n, .set = set_url, DF(boot[slot])}
static const struct key_def boot_keys[N_B] = {
    [B_NEXT_SERVER] = {.name = "next_server", .set = cfg_set_host, DF(next_server)},
    BOOT_FILE(RB_BOOT_BIOS, "bios"),
    BOOT_FILE(RB_BOOT_EFI_IA32, "efi-ia32"),
    BOOT_FILE(RB_BOOT_EFI_X64, "efi-x64"),
    BOOT_FILE(RB_BOOT_EFI_ARM64, "efi-arm64"),
    BOOT_URL(RB_BOOT_HTTP_X64, "http-x64"),
    BOOT_URL(RB_BOOT_HTTP_ARM64, "http-arm64"),
    [B_IPXE] = {.name = "ipxe_script", .set = set_url, DF(ipxe_script)},
};
static const struct map_def boot_map = {boot_keys, N_B, "dhcp.boot", "dhcp.boot"};

static int
set_boot(const struct item *it)
{
	struct dhcp_parse *dp = it->ctx->walking;

	if (cfg_is_null(it->node))
		return 0;
	if (it->node->type != YAML_MAPPING_NODE)
		return cfg_bad(it, "expected a mapping of keys (bios: ..., efi-x64: ...), got %s",
			       cfg_kinds[it->node->type]);
	return cfg_walk_map(it->ctx, it->node, &boot_map, it->base, dp->boot, NULL);
}

static const struct key_def dhcp_keys[N_D] = {
    [D_MODE] = {.name = "mode",
		.set = cfg_set_enum,
		DF(mode),
		.names = dhcp_modes,
		.expect = "server, proxy or off"},
    [D_LEASE] =
	{.name = "lease_time", .set = cfg_set_uint, DF(lease_time), .min = 60, .max = 31536000},
    [D_OFFER] = {.name = "offer_time", .set = cfg_set_uint, DF(offer_time), .min = 5, .max = 3600},
    [D_DECLINE] = {.name = "decline_time", .set = cfg_set_uint, DF(decline_time), .max = 86400},
    [D_RATE] = {.name = "rate_limit", .set = cfg_set_uint, DF(rate_limit), .max = 100000},
    [D_DATABASE] = {.name = "database", .set = set_database, DF(database)},
    [D_DB_PASSWORD] = {.name = "database_password_file",
		       .set = cfg_set_abs_file, /* read and checked when the database is opened */
		       DF(database_password_file)},
    [D_DB_POLL] = {.name = "database_poll_ms",
		   .set = cfg_set_uint,
		   DF(database_poll_ms),
		   .min = 50,
		   .max = 60000},
    [D_POOL_ORDER] = {.name = "pool_order",
		      .set = cfg_set_enum,
		      DF(pool_order),
		      .names = pool_orders,
		      .expect = "auto, fifo or client-hash"},
    [D_DB_DOWN] = {.name = "database_down",
		   .set = cfg_set_enum,
		   DF(database_down_renew),
		   .names = db_down_modes,
		   .expect = "renew or refuse"},
    [D_BALANCE] = {.name = "balance", .set = set_balance, DF(balance)},
    [D_TAKEOVER] = {.name = "balance_takeover_s",
		    .set = cfg_set_uint,
		    DF(balance_takeover_s),
		    .min = 1,
		    .max = 60},
    [D_DNS] = {.name = "dns", ADDRS(struct rb_dhcp_cfg, dns, nb_dns, 1)},
    [D_DOMAIN] = {.name = "domain", .set = set_domain, DF(domain)},
    [D_SUBNETS] = {.name = "subnets", .set = set_subnets, .tree = true},
    [D_RESV] = {.name = "reservations", .set = set_reservations, .tree = true},
    [D_BOOT] = {.name = "boot", .set = set_boot, .tree = true},
};
static const struct map_def dhcp_map = {dhcp_keys, N_D, "dhcp", "section 'dhcp'"};

static int
dhcp_walk(struct cfg_ctx *ctx, const struct cfg_section *sec, const yaml_node_t *key,
	  const yaml_node_t *value, void **state)
{
	struct rb_config *cfg = ctx->target;
	struct dhcp_parse *dp;

	(void)sec;
	*state = ctx->walking = dp = calloc(1, sizeof(*dp));
	if (!dp)
		return cfg_oom(ctx);
	dp->key = key;
	/* Writing a dhcp section at all means serving; mode says otherwise. */
	cfg->dhcp.mode = RB_DHCP_SERVER;
	if (cfg_is_null(value))
		return 0;
	if (value->type != YAML_MAPPING_NODE)
		return cfg_fail(ctx, value->start_mark,
				"section 'dhcp' must be a mapping of keys, got %s",
				cfg_kinds[value->type]);
	return cfg_walk_map(ctx, value, &dhcp_map, &cfg->dhcp, dp->top, dp->top_key);
}

/* ---- whole-file checks ---- */

/* Proxy DHCP only adds boot information to another server's offers. */
static int
check_proxy(struct cfg_ctx *ctx, const struct dhcp_parse *dp)
{
	const struct rb_config *cfg = ctx->target;
	const struct rb_dhcp_cfg *d = &cfg->dhcp;
	const yaml_node_t *at;
	int i;

	if (dp->top[D_SUBNETS])
		return cfg_fail(ctx, dp->top_key[D_SUBNETS]->start_mark,
				"dhcp.subnets: not allowed in proxy mode (the other DHCP server "
				"assigns the addresses)");
	if (dp->top[D_RESV])
		return cfg_fail(ctx, dp->top_key[D_RESV]->start_mark,
				"dhcp.reservations: not allowed in proxy mode (the other DHCP "
				"server assigns the addresses)");
	for (i = 0; i < RB_BOOT_MAX && !d->boot[i][0]; i++)
		;
	at = dp->top[D_BOOT] ? dp->top_key[D_BOOT] : dp->top[D_MODE];
	if (i == RB_BOOT_MAX && !d->ipxe_script[0])
		return cfg_fail(ctx, at->start_mark,
				"dhcp.boot: proxy mode needs at least one "
				"boot file or URL (it answers PXE clients only)");
	return 0;
}

static int
check_resv_addresses(struct cfg_ctx *ctx, const struct dhcp_parse *dp)
{
	const struct rb_config *cfg = ctx->target;
	const struct rb_dhcp_cfg *d = &cfg->dhcp;
	const struct rb_dhcp_subnet *s;
	size_t i, j, k;

	for (i = 0; i < d->nb_resv; i++) {
		const yaml_node_t *at = dp->resv[i].v[R_ADDRESS];
		uint32_t ip = d->resv[i].ip;

		for (j = 0; j < d->nb_subnets && !in_subnet(&d->subnets[j], ip); j++)
			;
		if (j == d->nb_subnets)
			return cfg_fail(ctx, at->start_mark,
					"dhcp.reservations.address: %s is not "
					"inside any of dhcp.subnets",
					ip_str(ip).s);
		s = &d->subnets[j];
		if (ip == s->net || ip == bcast_of(s))
			return cfg_fail(ctx, at->start_mark,
					"dhcp.reservations.address: %s is the %s address of %s/%u",
					ip_str(ip).s, ip == s->net ? "network" : "broadcast",
					ip_str(s->net).s, s->prefix_len);
		if (ip == cfg->server_ip)
			return cfg_fail(ctx, at->start_mark,
					"dhcp.reservations.address: %s is server.address",
					ip_str(ip).s);
		for (k = 0; k < s->nb_routers; k++) {
			if (ip == s->routers[k])
				return cfg_fail(ctx, at->start_mark,
						"dhcp.reservations.address: "
						"%s is a router of %s/%u",
						ip_str(ip).s, ip_str(s->net).s, s->prefix_len);
		}
	}
	return 0;
}

/* Duplicate reservation keys are found by sorting, not by comparing every
 * pair: there may be tens of thousands of reservations. */
struct dup_sort {
	const struct rb_dhcp_resv *resv;
	int key; /* R_MAC, R_CLIENT_ID or R_ADDRESS */
};

static int
resv_key_cmp(const struct dup_sort *ds, uint32_t a, uint32_t b)
{
	const struct rb_dhcp_resv *x = &ds->resv[a], *y = &ds->resv[b];

	switch (ds->key) {
	case R_MAC:
		return memcmp(x->mac, y->mac, sizeof(x->mac));
	case R_CLIENT_ID:
		if (x->client_id_len != y->client_id_len)
			return x->client_id_len < y->client_id_len ? -1 : 1;
		return memcmp(x->client_id, y->client_id, x->client_id_len);
	default:
		return (ntohl(x->ip) > ntohl(y->ip)) - (ntohl(x->ip) < ntohl(y->ip));
	}
}

/* By key, then by position in the file. */
static int
resv_sort_cmp(const void *a, const void *b, void *arg)
{
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	int c = resv_key_cmp(arg, i, j);

	return c ? c : (i > j) - (i < j);
}

/*
 * Look for a reservation whose `key` repeats an earlier one's, earlier in
 * the file than *second: if there is one, set *second to it and *first to
 * the earlier holder, and return true. idx: room for nb_resv indices.
 */
static bool
find_dup(const struct rb_dhcp_cfg *d, int key, uint32_t *idx, uint32_t *first, uint32_t *second)
{
	struct dup_sort ds = {d->resv, key};
	uint32_t i, n = 0, run = 0;
	bool found = false;

	for (i = 0; i < d->nb_resv; i++) {
		const struct rb_dhcp_resv *r = &d->resv[i];

		if ((key == R_MAC && !r->has_mac) || (key == R_CLIENT_ID && !r->client_id_len))
			continue;
		idx[n++] = i;
	}
	qsort_r(idx, n, sizeof(*idx), resv_sort_cmp, &ds);
	for (i = 1; i < n; i++) {
		if (resv_key_cmp(&ds, idx[run], idx[i])) {
			run = i;
			continue;
		}
		/* A run is in file order: its second entry is its first repeat. */
		if (i == run + 1 && idx[i] < *second) {
			*first = idx[run];
			*second = idx[i];
			found = true;
		}
	}
	return found;
}

/* Of all repeated keys, the one earliest in the file is reported. */
static int
check_resv_dups(struct cfg_ctx *ctx, const struct dhcp_parse *dp)
{
	static const char *const names[] = {
	    [R_MAC] = "mac", [R_CLIENT_ID] = "client_id", [R_ADDRESS] = "address"};
	const struct rb_config *cfg = ctx->target;
	const struct rb_dhcp_cfg *d = &cfg->dhcp;
	uint32_t *idx, first = 0, second = UINT32_MAX;
	const yaml_node_t *at, *prev;
	int key, dup = -1;

	if (d->nb_resv < 2)
		return 0;
	idx = malloc(d->nb_resv * sizeof(*idx));
	if (!idx)
		return cfg_oom(ctx);
	for (key = R_MAC; key <= R_ADDRESS; key++) {
		if (find_dup(d, key, idx, &first, &second))
			dup = key;
	}
	free(idx);
	if (dup < 0)
		return 0;
	at = dp->resv[second].v[dup];
	prev = dp->resv[first].v[dup];
	return cfg_fail(ctx, at->start_mark,
			"dhcp.reservations.%s: %.64s is already reserved at "
			"line %u",
			names[dup], (const char *)at->data.scalar.value, cfg_line(prev));
}

/* Runs also without a dhcp section (dp NULL): next_server's default. */
static int
dhcp_check(struct cfg_ctx *ctx, void *state)
{
	struct rb_config *cfg = ctx->target;
	struct rb_dhcp_cfg *d = &cfg->dhcp;
	const struct dhcp_parse *dp = state;
	const struct rb_dhcp_subnet *s;
	const yaml_node_t *at;
	unsigned i;
	int rc;

	/* The default is known only now: server may follow dhcp. */
	if (!dp || !dp->boot[B_NEXT_SERVER])
		d->next_server = cfg->server_ip;
	if (!dp)
		return 0;
	if (d->mode == RB_DHCP_PROXY)
		return check_proxy(ctx, dp);
	/* At the (empty) subnets key, or at the section that lacks one. */
	at = dp->top_key[D_SUBNETS] ? dp->top_key[D_SUBNETS] : dp->key;
	if (d->mode == RB_DHCP_SERVER && !d->nb_subnets)
		return cfg_fail(ctx, at->start_mark,
				"dhcp.subnets: at least one subnet is required in server mode");
	for (i = 0; i < d->nb_subnets; i++) {
		s = &d->subnets[i];
		at = dp->subnet[i].v[S_POOL];
		if (!at && d->mode == RB_DHCP_SERVER)
			return cfg_fail(ctx, dp->subnet[i].entry->start_mark,
					"missing required key 'pool' in a dhcp.subnets entry "
					"(dhcp.mode is server)");
		if (in_pool(s, cfg->server_ip))
			return cfg_fail(ctx, at->start_mark,
					"dhcp.subnets.pool: %s-%s contains server.address %s",
					ip_str(s->pool_lo).s, ip_str(s->pool_hi).s,
					ip_str(cfg->server_ip).s);
	}
	rc = check_resv_addresses(ctx, dp);
	return rc ? rc : check_resv_dups(ctx, dp);
}

static void
dhcp_done(void *state)
{
	struct dhcp_parse *dp = state;

	if (!dp)
		return;
	free(dp->resv);
	free(dp);
}

const struct cfg_section cfg_dhcp_section = {"dhcp", dhcp_walk, dhcp_check, dhcp_done, NULL};
