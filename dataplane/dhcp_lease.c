/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp_lease.c: the live lease table. See dhcp_lease.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_lease.h"
#include "hash.h"

int
lease_table_init(struct lease_table *t, const struct rb_dhcp_subnet_msg *subnets,
		 unsigned nb_subnets, uint32_t nb_resv)
{
	uint32_t n = 0, i, j, size;
	unsigned s;

	memset(t, 0, sizeof(*t));
	for (s = 0; s < nb_subnets && s < RB_DHCP_MAX_SUBNETS; s++) {
		struct lease_subnet *sn = &t->subnets[s];

		sn->net = subnets[s].net;
		sn->mask = subnets[s].mask;
		sn->lo = ntohl(subnets[s].pool_lo);
		sn->hi = ntohl(subnets[s].pool_hi);
		sn->base = n;
		size = (subnets[s].pool_lo || subnets[s].pool_hi) && sn->lo <= sn->hi
			   ? sn->hi - sn->lo + 1
			   : 0;
		if (!size) {
			sn->lo = 1;
			sn->hi = 0;
		}
		sn->fq_cap = size;
		n += size;
	}
	t->nb_subnets = s;
	t->nb_pool = n;
	t->cap_resv = nb_resv;
	t->nb_slots = n + nb_resv;
	for (t->nb_buckets = 64; t->nb_buckets < t->nb_slots * 2; t->nb_buckets <<= 1)
		;
	t->slots = calloc(t->nb_slots ? t->nb_slots : 1, sizeof(*t->slots));
	t->buckets = malloc(t->nb_buckets * sizeof(*t->buckets));
	t->by_mac = calloc(nb_resv ? nb_resv : 1, sizeof(*t->by_mac));
	t->by_cid = calloc(nb_resv ? nb_resv : 1, sizeof(*t->by_cid));
	t->by_ip = calloc(nb_resv ? nb_resv : 1, sizeof(*t->by_ip));
	if (!t->slots || !t->buckets || !t->by_mac || !t->by_cid || !t->by_ip)
		goto nomem;
	for (i = 0; i < t->nb_buckets; i++)
		t->buckets[i] = LEASE_NONE;
	for (s = 0; s < t->nb_subnets; s++) {
		struct lease_subnet *sn = &t->subnets[s];

		sn->fq = malloc((sn->fq_cap ? sn->fq_cap : 1) * sizeof(*sn->fq));
		if (!sn->fq)
			goto nomem;
		for (j = 0; j < sn->fq_cap; j++) {
			struct lease *l = &t->slots[sn->base + j];

			l->ip = htonl(sn->lo + j);
			l->subnet = (uint16_t)s;
			l->next = LEASE_NONE;
			l->in_freeq = true;
			sn->fq[j] = sn->base + j;
		}
		sn->fq_count = sn->fq_cap;
	}
	return 0;
nomem:
	lease_table_free(t);
	return -ENOMEM;
}

void
lease_table_free(struct lease_table *t)
{
	unsigned s;

	for (s = 0; s < RB_DHCP_MAX_SUBNETS; s++)
		free(t->subnets[s].fq);
	free(t->slots);
	free(t->buckets);
	free(t->by_mac);
	free(t->by_cid);
	free(t->by_ip);
	memset(t, 0, sizeof(*t));
}

int
lease_subnet_of(const struct lease_table *t, uint32_t ip)
{
	unsigned s;

	for (s = 0; s < t->nb_subnets; s++)
		if ((ip & t->subnets[s].mask) == t->subnets[s].net)
			return (int)s;
	return -ENOENT;
}

static uint32_t
pool_slot(const struct lease_table *t, uint32_t ip)
{
	uint32_t h = ntohl(ip);
	unsigned s;

	for (s = 0; s < t->nb_subnets; s++) {
		const struct lease_subnet *sn = &t->subnets[s];

		if (h >= sn->lo && h <= sn->hi)
			return sn->base + (h - sn->lo);
	}
	return LEASE_NONE;
}

static int
cmp_resv(const void *a, const void *b)
{
	const struct resv_ent *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->key, y->key, x->len);
}

static const struct lease_table *cmp_table; /* for qsort of by_ip only */

static int
cmp_ip(const void *a, const void *b)
{
	uint32_t x = ntohl(cmp_table->slots[*(const uint32_t *)a].ip);
	uint32_t y = ntohl(cmp_table->slots[*(const uint32_t *)b].ip);

	return x < y ? -1 : x > y;
}

uint32_t
lease_by_ip(const struct lease_table *t, uint32_t ip)
{
	uint32_t lo = 0, hi = t->nb_resv, mid, h = ntohl(ip), x;
	uint32_t slot = pool_slot(t, ip);

	/* A reservation inside a pool lives in its pool slot. */
	if (slot != LEASE_NONE)
		return slot;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		x = ntohl(t->slots[t->by_ip[mid]].ip);
		if (x == h)
			return t->by_ip[mid];
		if (x < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return LEASE_NONE;
}

static uint32_t
resv_find(const struct resv_ent *v, uint32_t n, const uint8_t *key, size_t len)
{
	struct resv_ent k = {.len = (uint8_t)len};
	const struct resv_ent *e;

	if (!n || len > RB_CLIENT_KEY_MAX)
		return LEASE_NONE;
	memcpy(k.key, key, len);
	e = bsearch(&k, v, n, sizeof(*v), cmp_resv);
	return e ? e->slot : LEASE_NONE;
}

int
lease_table_add_resv(struct lease_table *t, const struct rb_dhcp_resv_msg *r)
{
	uint32_t slot, i;
	struct resv_ent *e;
	int s;

	if (t->nb_by_mac + t->nb_by_cid >= t->cap_resv || r->key_len == 0 ||
	    r->key_len > (r->kind == RB_RESV_MAC ? 16 : RB_CLIENT_KEY_MAX))
		return -ENOSPC;
	/* The control checked that no two reservations share an address; the
	 * same address arrives twice only for one reservation that has both
	 * a MAC and a client id, and then both entries name one slot. */
	slot = pool_slot(t, r->ip);
	if (slot == LEASE_NONE) {
		for (i = 0; i < t->nb_resv && slot == LEASE_NONE; i++)
			if (t->slots[t->by_ip[i]].ip == r->ip)
				slot = t->by_ip[i];
	}
	if (slot == LEASE_NONE) {
		slot = t->nb_pool + t->nb_resv;
		t->by_ip[t->nb_resv++] = slot;
		s = lease_subnet_of(t, r->ip);
		t->slots[slot].ip = r->ip;
		t->slots[slot].next = LEASE_NONE;
		t->slots[slot].subnet = (uint16_t)(s < 0 ? 0 : s);
	}
	t->slots[slot].reserved = true;
	snprintf(t->slots[slot].hostname, sizeof(t->slots[slot].hostname), "%s", r->hostname);
	e = r->kind == RB_RESV_MAC ? &t->by_mac[t->nb_by_mac++] : &t->by_cid[t->nb_by_cid++];
	if (r->kind == RB_RESV_MAC) {
		/* Stored as htype 1 + MAC: the form dhcp_client_key() gives. */
		e->len = (uint8_t)(r->key_len + 1);
		e->key[0] = 1;
		memcpy(e->key + 1, r->key, r->key_len);
	} else {
		e->len = r->key_len;
		memcpy(e->key, r->key, r->key_len);
	}
	e->slot = slot;
	return 0;
}

/* Sorted, a key given twice sits next to itself. */
static bool
has_dup(const struct resv_ent *v, uint32_t n)
{
	uint32_t i;

	for (i = 1; i < n; i++)
		if (cmp_resv(&v[i - 1], &v[i]) == 0)
			return true;
	return false;
}

int
lease_table_index(struct lease_table *t)
{
	qsort(t->by_mac, t->nb_by_mac, sizeof(*t->by_mac), cmp_resv);
	qsort(t->by_cid, t->nb_by_cid, sizeof(*t->by_cid), cmp_resv);
	cmp_table = t;
	qsort(t->by_ip, t->nb_resv, sizeof(*t->by_ip), cmp_ip);
	cmp_table = NULL;
	return has_dup(t->by_mac, t->nb_by_mac) || has_dup(t->by_cid, t->nb_by_cid) ? -EEXIST : 0;
}

uint32_t
lease_resv_for(const struct lease_table *t, const uint8_t *cid, size_t cid_len, const uint8_t *mac,
	       uint8_t hlen)
{
	uint8_t key[17];
	uint32_t s = LEASE_NONE;

	if (cid && cid_len)
		s = resv_find(t->by_cid, t->nb_by_cid, cid, cid_len);
	if (s == LEASE_NONE && hlen == 6) {
		key[0] = 1;
		memcpy(key + 1, mac, 6);
		s = resv_find(t->by_mac, t->nb_by_mac, key, 7);
	}
	return s;
}

uint32_t
lease_by_key(const struct lease_table *t, const uint8_t *key, size_t len)
{
	uint32_t i = t->buckets[rb_hash32_keyed(key, len) & (t->nb_buckets - 1)];

	for (; i != LEASE_NONE; i = t->slots[i].next)
		if (t->slots[i].key_len == len && memcmp(t->slots[i].key, key, len) == 0)
			return i;
	return LEASE_NONE;
}

static void
unhash(struct lease_table *t, uint32_t slot)
{
	struct lease *l = &t->slots[slot];
	uint32_t *p = &t->buckets[rb_hash32_keyed(l->key, l->key_len) & (t->nb_buckets - 1)];

	while (*p != LEASE_NONE && *p != slot)
		p = &t->slots[*p].next;
	if (*p == slot)
		*p = l->next;
	l->next = LEASE_NONE;
	l->key_len = 0;
	l->stored = 0;
}

void
lease_detach(struct lease_table *t, uint32_t slot)
{
	if (t->slots[slot].key_len)
		unhash(t, slot);
}

void
lease_attach(struct lease_table *t, uint32_t slot, const uint8_t *key, size_t len)
{
	struct lease *l = &t->slots[slot];
	uint32_t *b;

	if (l->key_len == len && memcmp(l->key, key, len) == 0)
		return;
	lease_detach(t, slot);
	/* Another slot may still remember this client (an old address):
	 * a key names one slot at a time. An offer made to it goes back to
	 * the pool: with nobody to take it, it would stay held until it ran
	 * out (offers are never durable, so loading cannot meet one). */
	uint32_t old = lease_by_key(t, key, len);
	if (old != LEASE_NONE) {
		unhash(t, old);
		if (t->slots[old].state == RB_LEASE_OFFERED) {
			t->slots[old].state = RB_LEASE_FREE;
			lease_free(t, old);
		}
	}
	memcpy(l->key, key, len);
	l->key_len = (uint8_t)len;
	l->stored = 0; /* the store's row, if any, is another client's */
	b = &t->buckets[rb_hash32_keyed(key, len) & (t->nb_buckets - 1)];
	l->next = *b;
	*b = slot;
}

bool
lease_available(const struct lease *l, uint32_t now)
{
	switch (l->state) {
	case RB_LEASE_FREE:
	case RB_LEASE_RELEASED:
	case RB_LEASE_EXPIRED:
		return true;
	default:
		return l->expires <= now;
	}
}

void
lease_free(struct lease_table *t, uint32_t slot)
{
	struct lease *l = &t->slots[slot];
	struct lease_subnet *sn;

	if (slot >= t->nb_pool || l->reserved || l->in_freeq)
		return;
	sn = &t->subnets[l->subnet];
	if (sn->fq_count == sn->fq_cap)
		return;
	sn->fq[(sn->fq_head + sn->fq_count) % sn->fq_cap] = slot;
	sn->fq_count++;
	l->in_freeq = true;
}

/* Queue every pool slot of s that became available (expired offers,
 * leases and quarantines). */
static void
sweep(struct lease_table *t, unsigned s, uint32_t now)
{
	struct lease_subnet *sn = &t->subnets[s];
	uint32_t i;

	sn->last_sweep = now;
	for (i = 0; i < sn->fq_cap; i++)
		if (!t->slots[sn->base + i].in_freeq &&
		    lease_available(&t->slots[sn->base + i], now))
			lease_free(t, sn->base + i);
}

uint32_t
lease_alloc(struct lease_table *t, unsigned s, uint32_t now)
{
	struct lease_subnet *sn = &t->subnets[s];
	uint32_t slot;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		while (sn->fq_count) {
			slot = sn->fq[sn->fq_head];
			sn->fq_head = (sn->fq_head + 1) % sn->fq_cap;
			sn->fq_count--;
			t->slots[slot].in_freeq = false;
			if (!t->slots[slot].reserved && lease_available(&t->slots[slot], now))
				return slot;
		}
		if (pass || sn->last_sweep == now)
			break;
		sweep(t, s, now);
	}
	return LEASE_NONE;
}

uint32_t
lease_alloc_near(struct lease_table *t, unsigned s, uint32_t h, uint32_t part, uint32_t parts,
		 uint32_t now)
{
	struct lease_subnet *sn = &t->subnets[s];
	uint32_t i, off, slot, m;

	if (!parts || part >= parts)
		parts = 1, part = 0;
	/* The part's pool indices: part, part + parts, ... below fq_cap. */
	m = sn->fq_cap > part ? (sn->fq_cap - part + parts - 1) / parts : 0;
	if (!m)
		return lease_alloc(t, s, now);
	off = h % m;
	for (i = 0; i < LEASE_NEAR_PROBES && i < m; i++) {
		slot = sn->base + part + (off + i) % m * parts;
		if (!t->slots[slot].reserved && lease_available(&t->slots[slot], now))
			return slot;
	}
	return lease_alloc(t, s, now);
}

int
lease_load(struct lease_table *t, const struct rb_lease_rec *r)
{
	uint32_t slot = lease_by_ip(t, r->ip);
	struct lease *l;

	if (slot == LEASE_NONE)
		return -ENOENT;
	l = &t->slots[slot];
	l->state = r->state == RB_LEASE_OFFERED ? RB_LEASE_FREE : r->state;
	l->expires = r->expires;
	l->htype = r->htype;
	l->hlen = r->hlen > 16 ? 16 : r->hlen;
	memcpy(l->chaddr, r->chaddr, sizeof(l->chaddr));
	memcpy(l->hostname, r->hostname, sizeof(l->hostname));
	l->hostname[sizeof(l->hostname) - 1] = '\0';
	if (r->key_len && r->key_len <= RB_CLIENT_KEY_MAX)
		lease_attach(t, slot, r->key, r->key_len);
	else
		lease_detach(t, slot);
	l->stored = r->state == RB_LEASE_BOUND && l->key_len ? r->expires : 0;
	return 0;
}

int
lease_stored(struct lease_table *t, const struct rb_lease_rec *r)
{
	uint32_t slot = lease_by_ip(t, r->ip);
	struct lease *l;

	if (slot == LEASE_NONE)
		return -ENOENT;
	l = &t->slots[slot];
	if (l->key_len == r->key_len && memcmp(l->key, r->key, r->key_len) == 0)
		l->stored = r->state == RB_LEASE_BOUND ? r->expires : 0;
	return 0;
}

void
lease_to_rec(const struct lease *l, uint32_t now, struct rb_lease_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->ip = l->ip;
	r->expires = l->expires;
	r->updated = now;
	r->state = l->state;
	r->htype = l->htype;
	r->hlen = l->hlen;
	r->key_len = l->key_len;
	memcpy(r->chaddr, l->chaddr, sizeof(r->chaddr));
	memcpy(r->key, l->key, l->key_len);
	memcpy(r->hostname, l->hostname, sizeof(r->hostname));
}
