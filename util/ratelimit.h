/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelimit.h: per-key request rates in one-second windows, for keys a
 * client chooses (a DHCP client's hardware address, a TFTP source
 * address).
 *
 * A key hashes (keyed: util/hash.h, so nobody can aim at another key's
 * slot) to one slot of a fixed table; the slot counts the requests of the
 * current second. Two keys that share a slot share its count: that only
 * makes the limit stricter for them, never looser, and costs no memory
 * per key. The table is sized once; nothing is allocated afterwards.
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
