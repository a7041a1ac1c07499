/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * txbuf.h: frames queued for one TX queue of one port, sent in bursts.
 *
 * A buffer belongs to one worker (its TX queue index on the port), so it
 * takes no lock. What the queue refuses is freed and counted, never
 * retried: a full TX ring means the wire is busier than the worker.
 */
#ifndef RB_DP_TXBUF_H
#define RB_DP_TXBUF_H

#include <stdint.h>

#include <rte_mbuf.h>

#define TXBUF_CAP 32 /* frames a buffer holds before it must be flushed */

struct txbuf {
	uint16_t port, queue;
	uint64_t *sent;	   /* counter: frames the queue took */
	uint64_t *refused; /* drop counter: frames it did not */
	uint16_t n;
	struct rte_mbuf *m[TXBUF_CAP];
};

/* An empty buffer for queue q of port, counting into *sent and *refused. */
static inline void
txbuf_init(struct txbuf *b, uint16_t port, uint16_t q, uint64_t *sent, uint64_t *refused)
{
	*b = (struct txbuf){.port = port, .queue = q, .sent = sent, .refused = refused};
}

/* Send what is queued; what the queue refuses is freed and counted. */
void txbuf_flush(struct txbuf *b);

/* Queue m, flushing first when the buffer is full. */
static inline void
txbuf_push(struct txbuf *b, struct rte_mbuf *m)
{
	if (b->n == TXBUF_CAP)
		txbuf_flush(b);
	b->m[b->n++] = m;
}

#endif
