/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelimit.c: per-key request rates. See ratelimit.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "hash.h"
#include "ratelimit.h"

int
rb_rate_init(struct rb_rate *r, uint32_t nslots)
{
	uint32_t n = 64;

	while (n < nslots && n < (1u << 30))
		n <<= 1;
	r->slot = calloc(n, sizeof(*r->slot));
	r->mask = r->slot ? n - 1 : 0;
	return r->slot ? 0 : -ENOMEM;
}

void
rb_rate_free(struct rb_rate *r)
{
	free(r->slot);
	r->slot = NULL;
	r->mask = 0;
}

/* A slot's count in second sec (a count from an older second is 0). */
static uint32_t
slot_count(struct rb_rate_slot *s, uint32_t sec)
{
	if (s->sec != sec) {
		s->sec = sec;
		s->count = 0;
	}
	return s->count;
}

bool
rb_rate_ok(struct rb_rate *r, const void *key, size_t n, uint32_t sec, uint32_t limit)
{
	uint64_t h;
	struct rb_rate_slot *a, *b;
	uint32_t ca, cb, min;

	if (!limit)
		return true;
	h = rb_hash64_keyed(key, n);
	a = &r->slot[(uint32_t)h & r->mask];
	b = &r->slot[(uint32_t)(h >> 32) & r->mask];
	ca = slot_count(a, sec);
	cb = slot_count(b, sec);
	min = ca < cb ? ca : cb;
	if (min == UINT32_MAX)
		return false;
	/* Conservative update: raise only the slots at the minimum. */
	if (ca == min)
		a->count = min + 1;
	if (cb == min)
		b->count = min + 1;
	return min + 1 <= limit;
}
