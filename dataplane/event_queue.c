/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * event_queue.c: the single-producer, single-consumer queue of boot events.
 * See event_queue.h.
 */
#include <errno.h>
#include <string.h>

#include "counters.h"
#include "event_queue.h"

int
evq_init(struct evq *q, struct rb_event *slots, uint32_t cap)
{
	if (cap < 2 || cap > (1u << 31) || (cap & (cap - 1)))
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->slot = slots;
	q->mask = cap - 1;
	return 0;
}

int
evq_push(struct evq *q, const struct rb_event *e, uint64_t *cnt)
{
	uint32_t h, t;

	if (!q)
		return 0;
	h = q->head; /* ours */
	t = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	/* Indexes run free and wrap at 2^32; cap divides 2^32, so h - t is
	 * the fill level across the wrap. */
	if (h - t > q->mask) {
		if (cnt)
			cnt[RB_CNT_events_dropped]++;
		return -ENOBUFS;
	}
	q->slot[h & q->mask] = *e;
	__atomic_store_n(&q->head, h + 1, __ATOMIC_RELEASE);
	if (cnt)
		cnt[RB_CNT_events_queued]++;
	return 0;
}

uint32_t
evq_pop(struct evq *q, struct rb_event *out, uint32_t max)
{
	uint32_t t = q->tail, h = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE), n, i;

	n = h - t < max ? h - t : max;
	for (i = 0; i < n; i++)
		out[i] = q->slot[(t + i) & q->mask];
	/* Only now may the producer write over the slots just read. */
	__atomic_store_n(&q->tail, t + n, __ATOMIC_RELEASE);
	return n;
}

uint32_t
evq_count(const struct evq *q)
{
	uint32_t t = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);

	return __atomic_load_n(&q->head, __ATOMIC_ACQUIRE) - t;
}

void
evq_name_copy(char *dst, const char *name)
{
	size_t n = strnlen(name, RB_EVENT_NAME_MAX - 1);

	memcpy(dst, name, n);
	dst[n] = '\0';
}

void
evq_tftp_event(struct rb_event *e, uint8_t kind, uint32_t ip, uint16_t port, const uint8_t *mac,
	       const char *name, uint64_t size, uint64_t bytes)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->arch = 0xffff;
	e->ip = ip;
	e->port = port;
	memcpy(e->mac, mac, 6);
	e->size = size;
	e->bytes = bytes;
	evq_name_copy(e->name, name);
}
