/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tftp_priv.h: what tftp_server.c (unicast sessions) and tftp_mcast.c
 * (multicast streams) share inside the engine. Not for the worker.
 */
#ifndef RB_DP_TFTP_PRIV_H
#define RB_DP_TFTP_PRIV_H

#include "tftp_server.h"

void tftpd_act_init(struct tftpd_action *a, uint32_t ip, uint16_t port, const uint8_t *mac,
		    uint16_t local);
void tftpd_act_error(struct tftpd_action *a, uint16_t code, const char *msg, uint64_t *cnt);
const struct ic_file *tftpd_req_file(struct tftp_server *t, const struct tftp_req *rq,
				     struct tftpd_action *a, uint64_t *cnt, uint64_t *drops);
/* The next session port, round robin over cfg.port_lo..port_hi. */
uint16_t tftpd_take_port(struct tftp_server *t);

int mc_init(struct tftp_server *t);
void mc_fini(struct tftp_server *t);
/*
 * A request with the multicast option for file f. Returns false when it
 * is to be served unicast (multicast off, no stream free, a file too
 * long for 16-bit blocks), true when act holds the answer.
 */
bool mc_rrq(struct tftp_server *t, const struct tftp_req *rq, const struct ic_file *f, uint32_t ip,
	    uint16_t port, const uint8_t *mac, uint64_t now_us, struct tftpd_action *a,
	    uint64_t *cnt);
/* A packet to local_port: false when no stream owns that port. */
bool mc_input(struct tftp_server *t, const struct tftp_pkt *p, uint32_t ip, uint16_t port,
	      uint16_t local_port, uint64_t now_us, struct tftpd_action *a, uint64_t *cnt,
	      uint64_t *drops);
unsigned mc_tick(struct tftp_server *t, uint64_t now_us,
		 void (*fn)(const struct tftpd_action *act, void *arg), void *arg, uint64_t *cnt,
		 uint64_t *drops);

#endif
