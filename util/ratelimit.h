/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelimit.h: per-key request rates in one-second windows, for keys a
 * client chooses (a DHCP client's hardware address, a TFTP source
 * address).
 *
 * A key hashes (keyed: util/hash.h, so nobody can aim at another key's
 * slots) to two slots of a fixed table, each counting the requests of the
 * current second, and its rate is the smaller count (a count-min sketch,
 * with conservative update: only the smaller slots are raised). Keys that
 * share a slot share its count, which can only make the limit stricter,
 * never looser; with two slots a client is wrongly limited only when both
 * of its slots are crowded, so a flood of requests from random keys (a
 * DISCOVER flood from random MACs) does not silence real clients: at
 * 65536 slots and 850,000 random keys a second, about 13 a slot, a client
 * limited at 20 finds both of its slots full about twice in a thousand
 * (and otherwise loses only the few requests its slots share). No memory per
 * key; the table is sized once.
 */
#ifndef RB_UTIL_RATELIMIT_H
#define RB_UTIL_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rb_rate {
	struct rb_rate_slot {
		uint32_t sec, count;
	} * slot;
	uint32_t mask;
};

/* A table of nslots (rounded up to a power of two, at least 64).
 * 0 or -ENOMEM. */
int rb_rate_init(struct rb_rate *r, uint32_t nslots);
void rb_rate_free(struct rb_rate *r);

/*
 * Counts one request of the n-byte key at second `sec`; true while the
 * key's slot has seen at most `limit` requests in that second. A limit of
 * 0 means none (always true, nothing counted).
 */
bool rb_rate_ok(struct rb_rate *r, const void *key, size_t n, uint32_t sec, uint32_t limit);

#endif
