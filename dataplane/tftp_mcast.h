/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tftp_mcast.h: what the unicast engine (tftp_server.c) calls in the
 * multicast one (tftp_mcast.c). Not for the worker. Both sit on
 * tftp_session.h; tftp_mcast.c calls nothing in tftp_server.c.
 */
#ifndef RB_DP_TFTP_MCAST_H
#define RB_DP_TFTP_MCAST_H

#include "tftp_server.h"

/* The streams cfg asks for: 0, or -ENOMEM. */
int mc_init(struct tftp_server *t);
/* Ends every stream (their generations are let go) and frees them. */
void mc_fini(struct tftp_server *t);
/*
 * A request with the multicast option for file f. Returns false when it
 * is to be served unicast (multicast off, no stream free, a file too
 * long for 16-bit blocks), true when act holds the answer.
 */
bool mc_rrq(struct tftp_server *t, const struct tftp_req *rq, const struct ic_file *f, uint32_t ip,
	    uint16_t port, const uint8_t *mac, uint64_t now_us, struct tftpd_action *a,
	    uint64_t *cnt, uint64_t *drops);
/* A packet to local_port: false when no stream owns that port. */
bool mc_input(struct tftp_server *t, const struct tftp_pkt *p, uint32_t ip, uint16_t port,
	      uint16_t local_port, uint64_t now_us, struct tftpd_action *a, uint64_t *cnt,
	      uint64_t *drops);
/* Fire the streams' due timers, as tftpd_tick() does for sessions. */
unsigned mc_tick(struct tftp_server *t, uint64_t now_us,
		 void (*fn)(const struct tftpd_action *act, void *arg), void *arg, uint64_t *cnt,
		 uint64_t *drops);

#endif
