/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp_lease.h: the live lease table of the DHCP fast path. Pure C (no
 * DPDK), so unit tests drive it directly.
 *
 * Every address the server may hand out has one slot, made at startup:
 * one per pool address (per subnet, indexed by offset) and one per
 * reservation. Slots never move, so an index names an address for the
 * life of the table. A slot keeps its last client's key after release or
 * expiry, which gives a returning client its old address back when nobody
 * took it meanwhile. Free pool slots wait in a FIFO per subnet, so an
 * address is reused as late as possible (least recently freed first).
 *
 * Not thread safe: the caller serialises (see dhcp_server.h).
 */
#ifndef RB_DP_DHCP_LEASE_H
#define RB_DP_DHCP_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel.h"

#define LEASE_NONE UINT32_MAX

struct lease {
	uint32_t ip;	  /* network byte order */
	uint32_t expires; /* offered: hold end; bound: lease end; declined: quarantine end */
	/* The lease end the store is known to hold for this slot's client:
	 * set by lease_load() and lease_stored() (a committed record), 0
	 * when the store holds no lease of this client here. */
	uint32_t stored;
	uint32_t next; /* key hash chain */
	uint16_t subnet;
	uint8_t state;	 /* enum rb_lease_state */
	uint8_t key_len; /* 0: no client attached */
	uint8_t htype, hlen;
	bool reserved; /* reservation slot, or a pool address a reservation took */
	bool in_freeq;
	uint8_t chaddr[16];
	uint8_t key[RB_CLIENT_KEY_MAX];
	char hostname[RB_HOSTNAME_MAX];
};

struct lease_subnet {
	uint32_t net, mask; /* network byte order */
	uint32_t lo, hi;    /* pool, host byte order, inclusive; lo > hi: none */
	uint32_t base;	    /* index of the first pool slot */
	uint32_t *fq;	    /* free FIFO of slot indices, capacity hi - lo + 1 */
	uint32_t fq_head, fq_count, fq_cap;
	uint32_t last_sweep; /* unix second of the last expiry sweep */
};

struct resv_ent {
	uint8_t len;
	uint8_t key[RB_CLIENT_KEY_MAX];
	uint32_t slot;
};

struct lease_table {
	struct lease *slots;
	uint32_t nb_slots, nb_pool;
	uint32_t *buckets;   /* key hash -> first slot */
	uint32_t nb_buckets; /* power of two */
	struct lease_subnet subnets[RB_DHCP_MAX_SUBNETS];
	unsigned nb_subnets;
	/* Reservations: sorted for bsearch by MAC key, client-id key and address. */
	struct resv_ent *by_mac, *by_cid;
	uint32_t nb_by_mac, nb_by_cid;
	uint32_t *by_ip; /* slot indices sorted by address (reservation slots) */
	uint32_t nb_resv, cap_resv;
};

/* Build the table for these subnets with room for nb_resv reservations. 0 or -ENOMEM. */
int lease_table_init(struct lease_table *t, const struct rb_dhcp_subnet_msg *subnets,
		     unsigned nb_subnets, uint32_t nb_resv);
void lease_table_free(struct lease_table *t);

/*
 * Add a reservation. The address gets a slot of its own (or takes its pool
 * slot out of dynamic use). 0, or -ENOSPC (more than announced).
 */
int lease_table_add_resv(struct lease_table *t, const struct rb_dhcp_resv_msg *r);
/* Sort the reservations for lookup, after the last one: 0, or -EEXIST when
 * a MAC or client id was reserved twice (the control refuses such configs;
 * this keeps the table honest on its own). */
int lease_table_index(struct lease_table *t);

/* The slot of an address, or LEASE_NONE. */
uint32_t lease_by_ip(const struct lease_table *t, uint32_t ip);

/* The slot holding this client key (any state), or LEASE_NONE. */
uint32_t lease_by_key(const struct lease_table *t, const uint8_t *key, size_t len);

/* The reserved slot for a client: by client id first, then by MAC. */
uint32_t lease_resv_for(const struct lease_table *t, const uint8_t *cid, size_t cid_len,
			const uint8_t *mac, uint8_t hlen);

/* The subnet (index) containing ip, or -ENOENT. */
int lease_subnet_of(const struct lease_table *t, uint32_t ip);

/* True when the slot can be given to a new client now. */
bool lease_available(const struct lease *l, uint32_t now);

/* Point a slot at a client (re-hashing it if the key changes). */
void lease_attach(struct lease_table *t, uint32_t slot, const uint8_t *key, size_t len);
/* Forget the slot's client (declined addresses belong to nobody). */
void lease_detach(struct lease_table *t, uint32_t slot);

/*
 * A free pool slot of subnet s for a new client, least recently freed
 * first, or LEASE_NONE when the pool is exhausted (after at most one
 * expiry sweep per second).
 */
uint32_t lease_alloc(struct lease_table *t, unsigned s, uint32_t now);

/*
 * Most pool slots lease_alloc_near() looks at before it falls back to the
 * FIFO: bounds the work one DISCOVER costs when the pool is nearly full or
 * keys were chosen to start at the same place (the hash is unkeyed, since
 * every server sharing a database must compute the same one).
 */
#define LEASE_NEAR_PROBES 64

/*
 * A free pool slot of subnet s for a new client whose key hashes to h: the
 * first available slot from h modulo the pool's size on, looking at most
 * at LEASE_NEAR_PROBES slots, then lease_alloc()'s. Servers that share a
 * lease database and see the same DISCOVERs in a different order choose
 * the same address for each client this way, where the FIFO's choice
 * depends on the order (dhcp.pool_order: client-hash).
 *
 * With parts > 1 it looks only at the pool's part `part` (0..parts-1):
 * the pool indices part, part + parts, part + 2 * parts, ... Servers that
 * split the clients (dhcp.balance) do not hear each other's offers; each
 * offering from its own part of the pool, they do not offer one address
 * to two clients. The fallback, lease_alloc(), takes from the whole pool
 * (a part full lends from the others). parts 0 or 1: the whole pool.
 */
uint32_t lease_alloc_near(struct lease_table *t, unsigned s, uint32_t h, uint32_t part,
			  uint32_t parts, uint32_t now);

/* Hand a pool slot back to its FIFO (after release, decline expiry, ...). */
void lease_free(struct lease_table *t, uint32_t slot);

/* Load one durable record at startup. 0, or -ENOENT for an address not in the config. */
int lease_load(struct lease_table *t, const struct rb_lease_rec *r);

/*
 * Record r is committed: the slot of its address learns the lease end
 * the store now holds, when the slot still belongs to r's client (a
 * later change of the table may have given it to another). 0, -ENOENT.
 */
int lease_stored(struct lease_table *t, const struct rb_lease_rec *r);

/* Fill a durable record from a slot. */
void lease_to_rec(const struct lease *l, uint32_t now, struct rb_lease_rec *r);

#endif
