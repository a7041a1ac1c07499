/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm_node_priv.h: what storm_node.c (the node's unicast life) and
 * storm_mc.c (its RFC 2090 transfers) share. Not for the storm's other
 * files: they use storm_node.h.
 */
#ifndef RB_BENCH_STORM_NODE_PRIV_H
#define RB_BENCH_STORM_NODE_PRIV_H

#include "storm_node.h"
#include "tftp.h"

/* The node failed: no timer, bitmap freed. */
void sn_fail(struct storm_node *n, enum storm_fail why);

/* ACK `block` (absolute) to the server's transfer port; with keep, it is
 * what a timeout resends. */
void sn_send_ack(struct storm_node *n, struct storm_out *out, uint64_t block, bool keep);

void sn_send_error(struct storm_node *n, struct storm_out *out, uint16_t code, const char *msg);

/* The RRQ of the file under way from the node's current port, with the
 * options cfg asks for (multicast for the files after the boot file). */
void sn_send_rrq(struct storm_node *n, const struct storm_cfg *cfg, bool probe,
		 struct storm_out *out);

/* Start file n->file (0: the boot file), or finish the node. */
void sn_next_file(struct storm_node *n, const struct storm_cfg *cfg, uint64_t now,
		  struct storm_out *out);

/* Check an OACK's blksize, tsize and windowsize against what was asked;
 * false: the node failed. */
bool sn_take_oack(struct storm_node *n, const struct storm_cfg *cfg, const struct tftp_pkt *p);

/* storm_mc.c: the first OACK with "multicast" (state RRQ), a later OACK on
 * the group transfer (state XFER), the transfer's timer. */
void storm_mc_join(struct storm_node *n, const struct storm_cfg *cfg, const struct tftp_pkt *p,
		   uint64_t now, struct storm_out *out);
void storm_mc_oack(struct storm_node *n, const struct storm_cfg *cfg, const struct tftp_pkt *p,
		   uint64_t now, struct storm_out *out);
void storm_mc_tick(struct storm_node *n, const struct storm_cfg *cfg, uint64_t now,
		   struct storm_out *out);

#endif
