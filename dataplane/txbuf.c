/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * txbuf.c: burst transmission of a worker's queued frames. See txbuf.h.
 */
#include <rte_ethdev.h>

#include "txbuf.h"

void
txbuf_flush(struct txbuf *b)
{
	uint16_t done;

	if (b->n == 0)
		return;
	done = rte_eth_tx_burst(b->port, b->queue, b->m, b->n);
	*b->sent += done;
	if (done < b->n) {
		*b->refused += b->n - done;
		rte_pktmbuf_free_bulk(&b->m[done], b->n - done);
	}
	b->n = 0;
}
