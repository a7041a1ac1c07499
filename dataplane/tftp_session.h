/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tftp_session.h: the layer under unicast sessions (tftp_server.c) and
 * multicast streams (tftp_mcast.c), pure C: what an engine call asks the
 * worker to send (struct tftpd_action) and how it is set up, the request
 * to file lookup, session port choice and ownership, and the one round
 * trip estimator. Nothing here calls up into either engine.
 */
#ifndef RB_DP_TFTP_SESSION_H
#define RB_DP_TFTP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "image_cache.h"
#include "tftp.h"

#define TFTPD_NONE UINT32_MAX /* no session */

/* What the worker has to send after a call. */
struct tftpd_action {
	uint32_t sess;	     /* session index, or TFTPD_NONE */
	uint16_t local_port; /* source port of what goes out */
	uint32_t dst_ip;     /* where the OACK or ERROR goes */
	uint16_t dst_port;
	uint8_t dst_mac[6];
	uint16_t ctl_len; /* an OACK or ERROR to send first (0: none) */
	uint8_t ctl[512];
	uint64_t first, last;	    /* DATA blocks to send, inclusive; first > last: none */
	const struct ic_file *file; /* ...of this file, blksize bytes each */
	struct image_cache *gen;    /* ...in this generation (pinned by the sender) */
	uint16_t blksize;
	uint8_t unicast_first; /* MTFTP: block 1 goes to dst_* as well */
	uint8_t mcast;	       /* DATA goes to the group below, not dst_* */
	uint32_t data_ip;
	uint16_t data_port;
	uint8_t data_mac[6];
};

/* An action that sends nothing yet, from local to ip:port (DATA too). */
void tftpd_act_init(struct tftpd_action *a, uint32_t ip, uint16_t port, const uint8_t *mac,
		    uint16_t local);

/* Put an ERROR (code, msg) in a's control packet; counts tftp_errors_sent. */
void tftpd_act_error(struct tftpd_action *a, uint16_t code, const char *msg, uint64_t *cnt);

/*
 * Make a send DATA blocks first..last (none when first > last) of file, in
 * generation gen, blksize bytes each. Blocks up to *sent went out before:
 * they count as tftp_retransmits; *sent is raised to last. Returns whether
 * any block is a retransmission.
 */
bool tftpd_act_data(struct tftpd_action *a, const struct ic_file *file, struct image_cache *gen,
		    uint16_t blksize, uint64_t first, uint64_t last, uint64_t *sent, uint64_t *cnt);

/* Payload of block n (1-based) of the file an action sends: pointer and
 * length (0..blksize), *off its offset in the file. */
const uint8_t *tftpd_act_block(const struct tftpd_action *a, uint64_t n, uint32_t *len,
			       uint64_t *off);

/*
 * The file a read request names in generation cache (NULL: none loaded),
 * or NULL with the ERROR for the client in a (write request, path refused,
 * not found) and the drop counted.
 */
const struct ic_file *tftpd_req_file(struct image_cache *cache, const struct tftp_req *rq,
				     struct tftpd_action *a, uint64_t *cnt, uint64_t *drops);

/*
 * Session ports. With n workers sharing lo..hi, worker k owns every n-th
 * port from lo + k, so a packet's destination port names the worker that
 * owns its transfer. This is the only place that rule is written.
 */
static inline uint16_t
tftp_port_owner(uint16_t port, uint16_t lo, uint16_t nworkers)
{
	return nworkers > 1 ? (uint16_t)((uint16_t)(port - lo) % nworkers) : 0;
}

/*
 * One worker's share of the session ports. Each session takes one at
 * random (keyed, util/hash.h): a port nobody can predict is what keeps a
 * spoofed ACK from proving a client's address for it (tftp_server.h).
 */
struct tftp_ports {
	uint16_t lo, hi;	  /* all workers' range, host order, inclusive */
	uint16_t owner, nworkers; /* this worker, of so many */
	uint32_t count;		  /* ports in this worker's share */
	uint64_t draws;		  /* ports taken so far */
};

/*
 * Set up worker owner's share of lo..hi. Returns 0, or -EINVAL when the
 * worker owns no port in lo..hi.
 */
int tftp_ports_init(struct tftp_ports *p, uint16_t lo, uint16_t hi, uint16_t owner,
		    uint16_t nworkers);
/* A port of the worker's share, drawn at random. */
uint16_t tftp_ports_take(struct tftp_ports *p);

/*
 * Retransmission timeouts from ACK round trips (RFC 6298's smoothing,
 * coarse): srtt moves an eighth of the way to each sample, the timeout is
 * 4 * srtt bounded by lo_us and hi_us (hi_us wins where they cross).
 */
uint32_t tftp_rto_of(uint32_t srtt_us, uint32_t lo_us, uint32_t hi_us);
/* Fold sample r_us into *srtt_us; returns the new timeout. */
uint32_t tftp_rtt_sample(uint32_t *srtt_us, uint32_t r_us, uint32_t lo_us, uint32_t hi_us);
/* The timeout after one that expired: doubled, up to hi_us. */
uint32_t tftp_rto_backoff(uint32_t rto_us, uint32_t hi_us);

#endif
