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

bool
rb_rate_ok(struct rb_rate *r, const void *key, size_t n, uint32_t sec, uint32_t limit)
{
	struct rb_rate_slot *s;

	if (!limit)
		return true;
	s = &r->slot[rb_hash32_keyed(key, n) & r->mask];
	if (s->sec != sec) {
		s->sec = sec;
		s->count = 0;
	}
	if (s->count < UINT32_MAX)
		s->count++;
	return s->count <= limit;
}
