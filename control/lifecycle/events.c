/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * events.c: the engine's events: each gets the next id, goes into the ring
 * the API streams from, and (with a store) into the queue lc_flush writes.
 * Waiters on the stream sleep on the engine's condition variable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lc_priv.h"
#include "log.h"

/* Queue ev for the database. */
static void
queue_event(struct lifecycle *lc, const struct lc_event *ev)
{
	if (lc->n_pend == lc->cap_pend) {
		size_t cap = lc->cap_pend ? lc->cap_pend * 2 : 256;
		struct lc_event *p;

		if (cap > LC_PEND_MAX || !(p = realloc(lc->pend, cap * sizeof(*p)))) {
			if (!lc->events_unsaved++)
				RB_WARN("lifecycle: events are not being written to the "
					"database (lc_flush); dropping them");
			return;
		}
		lc->pend = p;
		lc->cap_pend = cap;
	}
	lc->pend[lc->n_pend++] = *ev;
}

void
lci_emit(struct lifecycle *lc, const struct lc_host *h, enum lc_ev_kind kind, int from, int to,
	 uint64_t now_ms, const char *fmt, ...)
{
	struct lc_event *ev = &lc->ring[lc->next_id % lc->ring_cap];
	va_list ap;

	memset(ev, 0, sizeof(*ev));
	ev->id = lc->next_id++;
	ev->time_ms = now_ms;
	ev->kind = (uint8_t)kind;
	ev->from = (int8_t)from;
	ev->to = (int8_t)to;
	if (h) {
		memcpy(ev->mac, h->mac, 6);
		ev->has_mac = true;
		ev->phase = (uint8_t)h->phase;
		snprintf(ev->host, sizeof(ev->host), "%s", h->name);
	}
	va_start(ap, fmt);
	vsnprintf(ev->detail, sizeof(ev->detail), fmt, ap);
	va_end(ap);
	if (lc->store)
		queue_event(lc, ev);
	pthread_cond_broadcast(&lc->cond);
}

/* ---- The event stream ---- */

/* The oldest id still in the ring, and the newest made by this process (0: none). */
static uint64_t
ring_oldest(const struct lifecycle *lc)
{
	uint64_t first = lc->next_id > lc->ring_cap ? lc->next_id - lc->ring_cap : 1;

	return first > lc->first_id ? first : lc->first_id;
}

static uint64_t
ring_newest(const struct lifecycle *lc)
{
	return lc->next_id > lc->first_id ? lc->next_id - 1 : 0;
}

unsigned
lc_events_since(struct lifecycle *lc, uint64_t since, unsigned max,
		int (*fn)(void *arg, const struct lc_event *ev), void *arg, uint64_t *missed)
{
	uint64_t id, oldest;
	unsigned n = 0;

	pthread_mutex_lock(&lc->lock);
	oldest = ring_oldest(lc);
	id = since + 1 > lc->first_id ? since + 1 : lc->first_id;
	if (missed)
		*missed = id < oldest ? oldest - id : 0;
	if (id < oldest)
		id = oldest;
	for (; id < lc->next_id && n < max; id++) {
		n++;
		if (fn(arg, &lc->ring[id % lc->ring_cap]))
			break;
	}
	pthread_mutex_unlock(&lc->lock);
	return n;
}

int
lc_events_wait(struct lifecycle *lc, uint64_t since, int timeout_ms)
{
	struct timespec until;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &until);
	if (timeout_ms > 0) {
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&lc->lock);
	while (!lc->stopped && ring_newest(lc) <= since && timeout_ms > 0)
		if (pthread_cond_timedwait(&lc->cond, &lc->lock, &until) == ETIMEDOUT)
			break;
	ret = lc->stopped ? -ECANCELED : ring_newest(lc) > since ? 1 : 0;
	pthread_mutex_unlock(&lc->lock);
	return ret;
}

void
lc_stop(struct lifecycle *lc)
{
	pthread_mutex_lock(&lc->lock);
	lc->stopped = true;
	pthread_cond_broadcast(&lc->cond);
	pthread_mutex_unlock(&lc->lock);
}

uint64_t
lc_last_event_id(struct lifecycle *lc)
{
	uint64_t id;

	pthread_mutex_lock(&lc->lock);
	id = lc->next_id - 1;
	pthread_mutex_unlock(&lc->lock);
	return id;
}
