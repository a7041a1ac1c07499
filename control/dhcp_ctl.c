/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp_ctl.c: see dhcp_ctl.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dhcp.h"
#include "dhcp_ctl.h"
#include "leasedb.h"
#include "log.h"

int
dhcp_ctl_open(struct dhcp_ctl *dc, const struct rb_config *cfg, uid_t uid, gid_t gid, char *msg,
	      size_t cap)
{
	memset(dc, 0, sizeof(*dc));
	dc->cfg = cfg;
	if (cfg->dhcp.mode != RB_DHCP_SERVER)
		return 0;
	dc->db = leasedb_connect(cfg->dhcp.database, cfg->dhcp.database_password_file, uid, gid,
				 msg, cap);
	return dc->db ? 0 : -errno;
}

void
dhcp_ctl_close(struct dhcp_ctl *dc)
{
	if (dc->db)
		leasedb_close(dc->db);
	dc->db = NULL;
}

/* Append one option (code, len, value) to a blob; false when it is full. */
static bool
put_opt(uint8_t *blob, uint16_t *len, size_t cap, uint8_t code, const void *v, size_t n)
{
	if (n > 255 || *len + 2 + n > cap)
		return false;
	blob[(*len)++] = code;
	blob[(*len)++] = (uint8_t)n;
	memcpy(blob + *len, v, n);
	*len = (uint16_t)(*len + n);
	return true;
}

/* Option 43 for PXE firmware (proto/dhcp.c encodes it). */
static void
pxe_vendor(const struct rb_config *cfg, struct rb_dhcp_dp_config *out)
{
	const struct pxe_mtftp m = {
	    .group = cfg->mtftp_group,
	    .client_port = cfg->mtftp_client_port,
	    .server_port = cfg->mtftp_port,
	    .open_timeout = (uint8_t)cfg->mtftp_open_timeout,
	    .reopen_delay = (uint8_t)cfg->mtftp_reopen_delay,
	};
	int n = dhcp_pxe_vendor(out->pxe_vendor, sizeof(out->pxe_vendor), &m);

	/* pxe_vendor[] holds PXE_VENDOR_MAX bytes: n < 0 cannot happen. */
	out->pxe_vendor_len = n > 0 ? (uint8_t)n : 0;
}

void
dhcp_ctl_dp_config(const struct rb_config *cfg, struct rb_dhcp_dp_config *out)
{
	const struct rb_dhcp_cfg *dc = &cfg->dhcp;
	unsigned s, i;

	memset(out, 0, sizeof(*out));
	out->mode = (uint8_t)dc->mode;
	out->offer_time = dc->offer_time;
	out->decline_time = dc->decline_time;
	out->rate_limit = dc->rate_limit;
	out->next_server = dc->next_server ? dc->next_server : cfg->server_ip;
	out->nb_resv = dc->mode == RB_DHCP_SERVER ? dc->nb_resv : 0;
	/* Servers sharing a database see the same DISCOVERs in different
	 * orders: a choice by the client's key keeps their offers alike. */
	if (dc->pool_order == RB_POOL_AUTO)
		out->pool_order = leasedb_is_uri(dc->database) ? RB_POOL_CLIENT_HASH : RB_POOL_FIFO;
	else
		out->pool_order = (uint8_t)dc->pool_order;
	out->db_down_renew = dc->database_down_renew != 0;
	out->balance_k = dc->balance.k;
	out->balance_n = dc->balance.n;
	out->balance_takeover_s = (uint8_t)dc->balance_takeover_s;
	for (i = 0; i < RB_BOOT_MAX; i++)
		snprintf(out->boot[i], sizeof(out->boot[i]), "%s", dc->boot[i]);
	snprintf(out->ipxe_script, sizeof(out->ipxe_script), "%s", dc->ipxe_script);
	pxe_vendor(cfg, out);
	out->nb_subnets = (uint8_t)(dc->mode == RB_DHCP_SERVER ? dc->nb_subnets : 0);
	for (s = 0; s < out->nb_subnets; s++) {
		const struct rb_dhcp_subnet *in = &dc->subnets[s];
		struct rb_dhcp_subnet_msg *sm = &out->subnets[s];
		uint32_t mask = in->prefix_len ? htonl(~0u << (32 - in->prefix_len)) : 0;
		uint32_t bcast = in->net | ~mask;
		const uint32_t *dns = in->nb_dns ? in->dns : dc->dns;
		unsigned nb_dns = in->nb_dns ? in->nb_dns : dc->nb_dns;
		const char *domain = in->domain[0] ? in->domain : dc->domain;

		sm->net = in->net;
		sm->mask = mask;
		sm->pool_lo = in->pool_lo;
		sm->pool_hi = in->pool_hi;
		sm->lease_time = in->lease_time ? in->lease_time : dc->lease_time;
		/* Sizes are bounded by the config (4 addresses per list, a
		 * domain under 128 bytes): the blob always has room. */
		put_opt(sm->opts, &sm->opts_len, sizeof(sm->opts), DHO_SUBNET_MASK, &mask, 4);
		put_opt(sm->opts, &sm->opts_len, sizeof(sm->opts), DHO_BROADCAST, &bcast, 4);
		if (in->nb_routers)
			put_opt(sm->opts, &sm->opts_len, sizeof(sm->opts), DHO_ROUTERS, in->routers,
				4u * in->nb_routers);
		if (nb_dns)
			put_opt(sm->opts, &sm->opts_len, sizeof(sm->opts), DHO_DNS, dns,
				4u * nb_dns);
		if (domain[0])
			put_opt(sm->opts, &sm->opts_len, sizeof(sm->opts), DHO_DOMAIN, domain,
				strlen(domain));
	}
}

static int
send_resv(struct dpchan *c, const struct rb_config *cfg)
{
	size_t sz =
	    sizeof(struct rb_resv_batch) + RB_RESV_BATCH_MAX * sizeof(struct rb_dhcp_resv_msg);
	struct rb_resv_batch *b = calloc(1, sz);
	unsigned i;
	int ret = 0;

	if (!b)
		return -ENOMEM;
	for (i = 0; i < cfg->dhcp.nb_resv && ret == 0; i++) {
		const struct rb_dhcp_resv *r = &cfg->dhcp.resv[i];
		struct rb_dhcp_resv_msg *m = &b->resv[b->count];

		/* A reservation with both a MAC and a client id matches either:
		 * it goes over as two entries for the one address. The count
		 * announced in DHCP_CONFIG is the number of entries. */
		memset(m, 0, sizeof(*m));
		m->ip = r->ip;
		snprintf(m->hostname, sizeof(m->hostname), "%s", r->hostname);
		if (r->client_id_len) {
			m->kind = RB_RESV_CLIENT_ID;
			m->key_len = r->client_id_len;
			memcpy(m->key, r->client_id, r->client_id_len);
			b->count++;
			if (r->has_mac) {
				m = &b->resv[b->count];
				*m = b->resv[b->count - 1];
			}
		}
		if (r->has_mac) {
			m->kind = RB_RESV_MAC;
			m->key_len = 6;
			memset(m->key, 0, sizeof(m->key));
			memcpy(m->key, r->mac, 6);
			b->count++;
		}
		if (b->count + 2 > RB_RESV_BATCH_MAX || i + 1 == cfg->dhcp.nb_resv) {
			ret = dpchan_send(c, RB_MSG_DHCP_RESV, b,
					  sizeof(*b) + b->count * sizeof(b->resv[0]));
			b->count = 0;
		}
	}
	free(b);
	return ret;
}

struct loader {
	struct dhcp_ctl *dc;
	struct dpchan *c;
	struct rb_lease_batch *b;
	int ret;
};

static int
load_one(const struct rb_lease_rec *r, void *arg)
{
	struct loader *ld = arg;

	ld->dc->loaded++;
	ld->b->rec[ld->b->count++] = *r;
	if (ld->b->count == RB_LEASE_BATCH_MAX) {
		ld->ret = dpchan_send(ld->c, RB_MSG_LEASE_LOAD, ld->b,
				      sizeof(*ld->b) + ld->b->count * sizeof(ld->b->rec[0]));
		ld->b->count = 0;
	}
	return ld->ret;
}

int
dhcp_ctl_setup(struct dpchan *c, void *arg)
{
	struct dhcp_ctl *dc = arg;
	struct rb_dhcp_dp_config *dpc = malloc(sizeof(*dpc));
	struct loader ld = {.dc = dc, .c = c};
	unsigned i;
	int ret;

	if (!dpc)
		return -ENOMEM;
	dhcp_ctl_dp_config(dc->cfg, dpc);
	/* Entries, not reservations: one with a MAC and a client id is two. */
	dpc->nb_resv = 0;
	for (i = 0; dc->cfg->dhcp.mode == RB_DHCP_SERVER && i < dc->cfg->dhcp.nb_resv; i++)
		dpc->nb_resv += (dc->cfg->dhcp.resv[i].has_mac ? 1u : 0u) +
				(dc->cfg->dhcp.resv[i].client_id_len ? 1u : 0u);
	ret = dpchan_send(c, RB_MSG_DHCP_CONFIG, dpc, sizeof(*dpc));
	free(dpc);
	if (ret == 0 && dc->cfg->dhcp.mode == RB_DHCP_SERVER && dc->cfg->dhcp.nb_resv)
		ret = send_resv(c, dc->cfg);
	if (ret || !dc->db)
		return ret;
	/* A shared store: the feed of other servers' changes starts where
	 * this load does (a change made meanwhile comes twice: harmless). */
	ret = leasedb_changes_head(dc->db, &dc->feed_cursor);
	if (ret && ret != -ENOTSUP)
		return ret;
	ld.b = calloc(1, sizeof(*ld.b) + RB_LEASE_BATCH_MAX * sizeof(ld.b->rec[0]));
	if (!ld.b)
		return -ENOMEM;
	ret = leasedb_foreach(dc->db, load_one, &ld);
	if (ret == 0 && ld.ret == 0 && ld.b->count)
		ret = dpchan_send(c, RB_MSG_LEASE_LOAD, ld.b,
				  sizeof(*ld.b) + ld.b->count * sizeof(ld.b->rec[0]));
	free(ld.b);
	return ret ? ret : ld.ret;
}

static int
by_seq(const void *a, const void *b)
{
	uint64_t x = ((const struct rb_lease_rec *)a)->seq,
		 y = ((const struct rb_lease_rec *)b)->seq;

	return x < y ? -1 : x > y;
}

/*
 * The lost claims of recs (flags[i] set) as the reply carries them: the
 * row that holds each address, numbered as the lost record. A row that
 * cannot be read is stood in for by the record itself without its client
 * (the address is still taken until the record's expiry).
 */
static uint32_t
report_lost(struct dhcp_ctl *dc, const struct rb_lease_rec *recs, uint32_t n, const uint8_t *flags,
	    struct rb_lease_rec *lost)
{
	uint32_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (!flags[i])
			continue;
		if (leasedb_get(dc->db, recs[i].ip, &lost[k]) != 0) {
			lost[k] = recs[i];
			lost[k].state = RB_LEASE_BOUND;
			lost[k].key_len = 0;
		}
		lost[k].seq = recs[i].seq;
		k++;
	}
	return k;
}

int
dhcp_ctl_commit(const struct rb_lease_batch *b, void *arg, struct rb_lease_rec *lost,
		uint32_t *nb_lost)
{
	struct dhcp_ctl *dc = arg;
	struct rb_lease_rec *sorted = NULL;
	const struct rb_lease_rec *recs = b->rec;
	uint8_t flags[RB_LEASE_BATCH_MAX] = {0};
	uint32_t i;
	int ret;

	*nb_lost = 0;
	if (!dc->db)
		return -ENOSYS;
	if (b->count > RB_LEASE_BATCH_MAX)
		return -E2BIG;
	/* Applied in the order the lease table made the changes, whatever
	 * order they came in: a RELEASE and a later ACK of the same address
	 * must leave it bound. The dataplane sends them in order already. */
	for (i = 1; i < b->count && recs[i - 1].seq < recs[i].seq; i++)
		;
	if (b->count && i < b->count) {
		sorted = malloc(b->count * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
		memcpy(sorted, recs, b->count * sizeof(*sorted));
		qsort(sorted, b->count, sizeof(*sorted), by_seq);
		recs = sorted;
	}
	/* A record older than one already stored may be older than that
	 * address's row: refuse the batch rather than go back in time
	 * (the dataplane never sends one; its ACKs then never go out). */
	if (b->count && recs[0].seq <= dc->last_seq) {
		RB_ERR("lease batch %u: change %llu is older than the last stored (%llu), refused",
		       b->batch, (unsigned long long)recs[0].seq, (unsigned long long)dc->last_seq);
		ret = -EPROTO;
	} else {
		ret = leasedb_claim(dc->db, recs, b->count, flags);
	}
	if (ret > 0) {
		*nb_lost = report_lost(dc, recs, b->count, flags, lost);
		__atomic_add_fetch(&dc->lost_claims, *nb_lost, __ATOMIC_RELAXED);
		ret = 0;
	}
	if (ret == 0) {
		if (b->count)
			dc->last_seq = recs[b->count - 1].seq;
		__atomic_add_fetch(&dc->committed_batches, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&dc->committed_records, b->count, __ATOMIC_RELAXED);
	} else {
		__atomic_add_fetch(&dc->failed_batches, 1, __ATOMIC_RELAXED);
	}
	free(sorted);
	return ret;
}

char *
dhcp_ctl_leases(struct dhcp_ctl *dc, const char *state, char *err, size_t cap)
{
	char *body;

	if (!dc->db) {
		snprintf(err, cap, "no lease database: dhcp.mode is not server");
		errno = ENOENT;
		return NULL;
	}
	body = leasedb_json(dc->db, (uint32_t)time(NULL), state);
	if (!body && errno == EINVAL)
		snprintf(err, cap, "state must be bound, released, declined or expired");
	return body;
}
