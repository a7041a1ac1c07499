/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * event_queue.h: a bounded queue of boot events (struct rb_event) from one
 * producer to one consumer, pure C.
 *
 * Each worker owns one: its engines (TFTP sessions, held DHCP ACKs) push,
 * the dataplane's main lcore pops and sends the events to the control in
 * EVENTS batches. The slots are the caller's, given once (no allocation
 * per event), and the two indexes take no lock: the producer publishes a
 * slot with a release store of head, the consumer frees it with a release
 * store of tail, each reads the other's index with an acquire load. A push
 * never waits: when the queue is full the event is dropped and counted, so
 * the fast path never blocks on a slow control.
 *
 * Who calls: one producer thread and one consumer thread per queue (they
 * may be the same, as in the unit tests).
 */
#ifndef RB_DP_EVENT_QUEUE_H
#define RB_DP_EVENT_QUEUE_H

#include <stdint.h>

#include "channel.h"

struct evq {
	struct rb_event *slot; /* cap slots, the caller's */
	uint32_t mask;	       /* cap - 1 */
	/* producer: rw; consumer: ro (acquire). Apart from tail, so the two
	 * sides do not share a cache line. */
	_Alignas(64) uint32_t head;
	/* consumer: rw; producer: ro (acquire) */
	_Alignas(64) uint32_t tail;
};

/*
 * Makes q an empty queue over slots[0 .. cap). 0, or -EINVAL when cap is
 * not a power of two between 2 and 2^31.
 */
int evq_init(struct evq *q, struct rb_event *slots, uint32_t cap);

/*
 * Producer: copies e into the queue. 0 and cnt[RB_CNT_events_queued]
 * counted, or -ENOBUFS (full: the event is dropped) and
 * cnt[RB_CNT_events_dropped] counted. cnt may be NULL (nothing counted). A
 * NULL q takes nothing and counts nothing: events are off.
 */
int evq_push(struct evq *q, const struct rb_event *e, uint64_t *cnt);

/* Consumer: moves up to max events, oldest first, into out. Returns how many. */
uint32_t evq_pop(struct evq *q, struct rb_event *out, uint32_t max);

/* Events waiting, as the caller can see them now (either side). */
uint32_t evq_count(const struct evq *q);

/* Copies name into dst, cut to RB_EVENT_NAME_MAX - 1 bytes, NUL-terminated. */
void evq_name_copy(char *dst, const char *name);

/*
 * A TFTP event (kind: RB_EV_TFTP_*) about client ip:port (mac) and file
 * name (cut to RB_EVENT_NAME_MAX - 1 bytes), everything else 0 (arch
 * 0xffff). The caller sets reason, code and flags when they apply.
 */
void evq_tftp_event(struct rb_event *e, uint8_t kind, uint32_t ip, uint16_t port,
		    const uint8_t *mac, const char *name, uint64_t size, uint64_t bytes);

#endif
