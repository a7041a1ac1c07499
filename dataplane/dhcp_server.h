/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp_server.h: DHCP and proxyDHCP decisions (RFC 2131, PXE 2.1), pure C.
 *
 * dhcpd_handle() takes one request (the UDP payload and its addressing)
 * and says what to do: send a reply, make a lease change durable first and
 * then send the reply (an ACK), only make a change durable (RELEASE,
 * DECLINE), or drop with a counted reason. It builds the reply's UDP
 * payload and says where it goes; the caller adds Ethernet/IP/UDP headers.
 *
 * Who calls: dataplane workers, serialised by the caller's lock (the table
 * is shared by every worker); unit tests call it directly.
 */
#ifndef RB_DP_DHCP_SERVER_H
#define RB_DP_DHCP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "channel.h"
#include "counters.h"
#include "dhcp.h"
#include "dhcp_lease.h"
#include "pkt.h"
#include "ratelimit.h"

#define DHCPD_MAX_PAYLOAD 1472 /* 1500-byte MTU less IPv4 and UDP headers */

struct dhcpd {
	struct rb_dhcp_dp_config cfg;
	uint32_t server_ip; /* network byte order */
	uint16_t max_payload;
	struct lease_table t;
	struct dhcp_opts *subnet_opts; /* [nb_subnets], decoded from the config blobs */
	struct rb_rate rate;	       /* requests per client (util/ratelimit.h) */
	uint64_t rec_seq;	       /* the last lease record's sequence number */
	/* dhcp.balance: when this server first ignored a DISCOVER of another
	 * share's client, by keyed hash; NULL without a balance. */
	struct dhcpd_waiting *waiting;
};

/* One slot of dhcpd.waiting: which client (the keyed hash's other half),
 * since when (unix seconds). */
struct dhcpd_waiting {
	uint32_t tag;
	uint32_t since;
};
#define DHCPD_WAITING_SLOTS 4096 /* 32 KiB per worker; a colliding client takes the slot */

/*
 * How much the caller's commit queue can still take (struct dhcpd_in).
 * A lease change is refused before it is made when its record could not
 * be queued, so the table never holds a change the store will not get.
 */
enum dhcpd_room {
	DHCPD_ROOM = 0,	    /* room: every change */
	DHCPD_ROOM_RESERVE, /* only the reserve is left: RELEASE and DECLINE */
	DHCPD_ROOM_NONE,    /* full: no change at all */
};

/* One request as received. */
struct dhcpd_in {
	const uint8_t *payload;
	size_t len;
	uint32_t src_ip, dst_ip;     /* network byte order */
	uint16_t src_port, dst_port; /* host order */
	const uint8_t *src_mac;
	uint32_t now;	     /* unix seconds */
	uint8_t commit_room; /* enum dhcpd_room */
};

/* What to send, where, and what must be durable first. */
struct dhcpd_out {
	int len; /* payload bytes; 0 when nothing is sent */
	uint8_t payload[DHCPD_MAX_PAYLOAD];
	uint32_t dst_ip; /* network byte order; 0xffffffff: broadcast */
	uint16_t dst_port;
	bool l2_broadcast;
	uint8_t dst_mac[6];
	bool has_rec; /* rec must reach the lease store, in rec.seq order */
	struct rb_lease_rec rec;
	uint8_t type; /* DHCP message type of the reply */
	/* The client, for boot events: option 93 (0xffff: none sent) and
	 * whether it is iPXE. Set for every request that parses. */
	uint16_t arch;
	bool ipxe;
};

enum dhcpd_verdict {
	DHCPD_DROP = 0,	   /* a drop counter says why */
	DHCPD_SEND,	   /* send now (OFFER, NAK, INFORM's ACK, proxy replies) */
	DHCPD_COMMIT_SEND, /* send only once rec is committed (ACK) */
	DHCPD_COMMIT,	   /* commit rec, nothing to send (RELEASE, DECLINE) */
};

/*
 * Set the server up from the control's config. 0, or -EINVAL / -ENOMEM
 * with a reason in msg. Then add the announced reservations, call
 * dhcpd_ready(), and load the durable leases.
 */
int dhcpd_init(struct dhcpd *d, const struct rb_dhcp_dp_config *cfg, uint32_t server_ip,
	       uint16_t mtu, char *msg, size_t cap);
int dhcpd_add_resv(struct dhcpd *d, const struct rb_dhcp_resv_msg *r);
int dhcpd_ready(struct dhcpd *d); /* 0, or -EEXIST: a key reserved twice */
int dhcpd_load(struct dhcpd *d, const struct rb_lease_rec *r);
void dhcpd_free(struct dhcpd *d);

enum dhcpd_verdict dhcpd_handle(struct dhcpd *d, const struct dhcpd_in *in, struct dhcpd_out *out,
				uint64_t *counters, uint64_t *drops);

/*
 * The claims of a committed batch that lost (ack->lost[], struct
 * rb_lease_ack): each address is loaded as the store holds it, so the
 * table knows it taken by another server's client. Their sequence numbers
 * go into seqs (room for RB_LEASE_BATCH_MAX), for lc_done(). Returns how
 * many. Under the caller's lock, like dhcpd_handle().
 */
uint32_t dhcpd_claims_lost(struct dhcpd *d, const struct rb_lease_ack *ack, uint64_t *seqs);

/*
 * The NAK that replaces a held ACK whose lease claim was lost (another
 * server's client holds the address): built from the ACK's payload (ack,
 * len bytes, as dhcpd_handle() made it) and sent where RFC 2131 4.1 sends
 * a NAK (broadcast, or the relay of giaddr at relay_mac, the held frame's
 * destination). Reads only the server's configuration, not the table: no
 * lock needed. DHCPD_SEND with out filled, or DHCPD_DROP.
 */
/*
 * dhcp.database_down: renew. The held ACK payload ack[0..len) lost its
 * record (the batch was given up: the store is unreachable). When the
 * table says the store already holds this very lease for this client
 * (slot bound to the ACK's chaddr, lease_stored() end still ahead), the
 * ACK's lease time, T1 and T2 are rewritten in place to what is left of
 * that stored lease, and it may go: it promises nothing the store does not
 * hold. Returns 0 (rewritten, counted dhcp_ack_db_down) or -1 (not
 * provable: drop it, as before). Under the caller's DHCP lock.
 */
int dhcpd_renew_held(struct dhcpd *d, uint8_t *ack, size_t len, uint32_t now, uint64_t *counters);

/* Batch b was committed: its records' slots learn what the store holds
 * (lease_stored()). Under the caller's DHCP lock. */
void dhcpd_stored(struct dhcpd *d, const struct rb_lease_batch *b);

enum dhcpd_verdict dhcpd_nak_held(struct dhcpd *d, const uint8_t *ack, size_t len,
				  const uint8_t *relay_mac, struct dhcpd_out *out,
				  uint64_t *counters, uint64_t *drops);

#endif
