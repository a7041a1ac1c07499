/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm_dora.h: rackboot-storm's DORA rate mode, as a pure engine (no DPDK,
 * no clock of its own), the DHCP benchmark of dhcp_storm.c on the storm's
 * port instead of kernel sockets.
 *
 * The same open loop as dhcp_storm, so that the figures compare: clients
 * 0..clients-1 (MACs 52:54:<seed>:<index>, each a storm_node with
 * cfg->lease_only) are started in turn at the offered rate, each with
 * DISCOVER -> OFFER -> REQUEST -> ACK (storm_node.c builds and checks the
 * messages, PXE options included); a client is free again once its
 * exchange ended, and the ring wraps (no RELEASE: the server ACKs a client
 * it knows with its lease again, as it does for dhcp_storm's clients, so
 * clients up to the pool's size never drain it). No retransmission: an
 * exchange without its ACK within the timeout is lost (a late ACK too), one
 * that gets a NAK is counted apart (naks) and is not done either. When the
 * next client in the ring is still waiting, every client is busy and the
 * server is behind: the start waits (sent_per_s then falls short of the
 * rate), and a backlog over 100 intervals is dropped, not made up in one
 * burst.
 *
 * Time is in microseconds, from the caller's clock. The caller hands in
 * received frames (storm_dora_rx) and calls storm_dora_poll often (it
 * starts the exchanges due and expires the timed-out ones); frames to send
 * come back through the emit callback.
 */
#ifndef RB_BENCH_STORM_DORA_H
#define RB_BENCH_STORM_DORA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storm_node.h"

#define STORM_DORA_CLIENTS_MAX (1u << 18) /* ~1 KB each: 256 MB at most */
#define STORM_DORA_BURST 64		  /* exchanges one poll may start */

typedef void (*storm_emit_fn)(void *arg, const struct storm_out *out);

/* One step's result. */
struct storm_dora_result {
	uint32_t rate;
	double secs;
	uint64_t started, done, lost, naks, stray;
	double sent_per_s, dora_per_s, loss_pct;
	double lat_p50_ms, lat_p99_ms; /* over the exchanges done */
};

struct storm_dora {
	struct storm_cfg cfg; /* lease_only, dhcp_tries 1: no resends */
	struct storm_node *nodes;
	uint8_t *phase; /* per client: 0 free, 1 under way */
	uint32_t clients, next, tail, round;
	uint32_t timeout_us;
	storm_emit_fn emit;
	void *emit_arg;
	/* The step under way. */
	uint32_t rate;
	uint64_t t0, end, due_ns; /* us, us, ns: the next start */
	uint64_t started, done, lost, naks, stray, inflight;
	uint32_t *lat_us; /* one per exchange done, up to lat_cap */
	uint64_t lat_n, lat_cap;
};

/*
 * Ready `clients` clients (1..STORM_DORA_CLIENTS_MAX) with the node
 * options of `node_cfg` (arch, iPXE, broadcast, seed; lease_only and the
 * DHCP timers are set here), exchanges lost after timeout_us. 0, or
 * -ENOMEM / -EINVAL.
 */
int storm_dora_init(struct storm_dora *d, const struct storm_cfg *node_cfg, uint32_t clients,
		    uint32_t timeout_us, storm_emit_fn emit, void *emit_arg);

/* Start a step at `now`: `rate` exchanges per second for `secs_us`.
 * Clients still under way from a step before count in neither. 0, or
 * -ENOMEM (the latency samples) / -EINVAL (rate 0). */
int storm_dora_begin(struct storm_dora *d, uint32_t rate, uint64_t secs_us, uint64_t now);

/* A received frame; frames for no client under way count as stray. */
void storm_dora_rx(struct storm_dora *d, const uint8_t *frame, size_t len, uint64_t now);

/* Start what is due, expire what timed out. True while the step is on:
 * before its end, and after it until every exchange ended (at most the
 * timeout). */
bool storm_dora_poll(struct storm_dora *d, uint64_t now);

/* The step's figures (exchanges still under way count as lost). */
void storm_dora_result(struct storm_dora *d, struct storm_dora_result *r);

void storm_dora_free(struct storm_dora *d);

#endif
