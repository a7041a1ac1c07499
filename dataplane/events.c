/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * events.c: boot events from the workers to the control, on the main lcore.
 *
 * Each worker pushes events (held DHCP ACKs sent, TFTP transfers started,
 * progressing, done or failed) on its own bounded queue (event_queue.h)
 * and never waits: a full queue drops the event and counts it. The main
 * lcore takes what the queues hold into one EVENTS batch and sends it when
 * it is full or when its oldest event has waited RB_EVENT_FLUSH_MS, with
 * the number of events dropped since the previous batch. Nothing answers
 * a batch. The send does not block either: when the channel's buffer is
 * full the batch waits for the next call, and meanwhile the workers'
 * queues fill and drop (counted), so a slow control costs events, never
 * a stall.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp.h"

/* How often the queues are looked at while nothing is pending: an event
 * waits at most this long before the batch's clock starts. */
#define POLL_MS 10
#define MAX_SENDS_PER_PUMP 8 /* full batches per call: the channel's other work goes on */

static struct {
	struct rb_event_batch *b; /* being filled (RB_EVENT_BATCH_MAX records) */
	uint64_t due_tsc;	  /* when b must go (0: nothing pending) */
	uint64_t reported;	  /* drops already put in a batch */
	struct rb_event *slots[DP_MAX_WORKERS];
} ev;

int
dp_events_init(struct dp *d, char *msg, size_t cap)
{
	uint16_t w;

	ev.b = calloc(1, sizeof(*ev.b) + RB_EVENT_BATCH_MAX * sizeof(ev.b->ev[0]));
	if (!ev.b)
		goto nomem;
	for (w = 0; w < d->nb_workers; w++) {
		struct worker *wk = &d->workers[w];

		ev.slots[w] = rte_zmalloc_socket(
		    "rb_events", DP_EVENT_RING * sizeof(struct rb_event), RTE_CACHE_LINE_SIZE,
		    (int)rte_lcore_to_socket_id(wk->lcore_id));
		if (!ev.slots[w])
			goto nomem;
		evq_init(&wk->events, ev.slots[w], DP_EVENT_RING);
		wk->tftp.events = &wk->events;
	}
	return 0;
nomem:
	snprintf(msg, cap, "no memory for the boot event queues");
	return -ENOMEM;
}

void
dp_events_fini(struct dp *d)
{
	uint16_t w;

	for (w = 0; w < d->nb_workers; w++) {
		d->workers[w].tftp.events = NULL;
		rte_free(ev.slots[w]);
		ev.slots[w] = NULL;
	}
	free(ev.b);
	ev.b = NULL;
}

/* Events dropped so far: the workers' queues and batches the channel refused. */
static uint64_t
drops_total(const struct dp *d)
{
	uint64_t n = d->main_counters[RB_CNT_events_dropped];
	uint16_t w;

	for (w = 0; w < d->nb_workers; w++)
		n += __atomic_load_n(&d->workers[w].counters[RB_CNT_events_dropped],
				     __ATOMIC_RELAXED);
	return n;
}

/*
 * Sends the batch with the drops not yet reported. 0, or the send's
 * -errno: -EAGAIN (the channel is full) keeps the batch for the next try,
 * any other loses it (counted as dropped).
 */
static int
send_batch(struct dp *d, int (*send)(enum rb_msg_type, uint32_t, const void *, size_t))
{
	uint64_t drops = drops_total(d), nd = drops - ev.reported;
	int ret;

	ev.b->dropped = nd > UINT32_MAX ? UINT32_MAX : (uint32_t)nd;
	ret = send(RB_MSG_EVENTS, 0, ev.b, sizeof(*ev.b) + ev.b->count * sizeof(ev.b->ev[0]));
	if (ret == -EAGAIN)
		return ret;
	if (ret < 0) {
		/* Reported with the next batch that gets through. */
		d->main_counters[RB_CNT_events_dropped] += ev.b->count;
	} else {
		ev.reported = drops;
		d->main_counters[RB_CNT_events_sent] += ev.b->count;
		d->main_counters[RB_CNT_event_batches]++;
	}
	ev.b->count = 0;
	ev.due_tsc = 0;
	return ret;
}

/* Takes what the queues hold into the batch, up to its room. */
static void
take(struct dp *d)
{
	uint16_t w;

	for (w = 0; w < d->nb_workers && ev.b->count < RB_EVENT_BATCH_MAX; w++)
		ev.b->count += evq_pop(&d->workers[w].events, &ev.b->ev[ev.b->count],
				       (uint32_t)RB_EVENT_BATCH_MAX - ev.b->count);
}

int
dp_events_pump(struct dp *d, int (*send)(enum rb_msg_type, uint32_t, const void *, size_t))
{
	uint64_t now = rte_get_tsc_cycles(), hz = rte_get_tsc_hz(), left;
	int sends;

	if (!ev.b)
		return 200;
	for (sends = 0; sends < MAX_SENDS_PER_PUMP; sends++) {
		take(d);
		if (!ev.due_tsc && (ev.b->count || drops_total(d) != ev.reported))
			/* Its events may have waited up to POLL_MS already. */
			ev.due_tsc = now + hz / 1000 * (RB_EVENT_FLUSH_MS - POLL_MS);
		if (!ev.due_tsc || (ev.b->count < RB_EVENT_BATCH_MAX && now < ev.due_tsc))
			break;
		if (send_batch(d, send) < 0)
			return 1; /* the channel is full (or gone): try again soon */
	}
	if (!ev.due_tsc)
		return POLL_MS;
	left = ev.due_tsc > now ? ((ev.due_tsc - now) * 1000 + hz - 1) / hz : 0;
	return left < POLL_MS ? (int)left : POLL_MS;
}

void
dp_events_flush(struct dp *d, int (*send)(enum rb_msg_type, uint32_t, const void *, size_t))
{
	if (!ev.b)
		return;
	for (;;) {
		take(d);
		if (!ev.b->count && drops_total(d) == ev.reported)
			return;
		if (send_batch(d, send) < 0)
			return; /* nobody reads: the rest is lost */
	}
}
