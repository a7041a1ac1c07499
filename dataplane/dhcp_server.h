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
	struct rb_rate rate;	       /* requests per client hardware address */
};

/* One request as received. */
struct dhcpd_in {
	const uint8_t *payload;
	size_t len;
	uint32_t src_ip, dst_ip;     /* network byte order */
	uint16_t src_port, dst_port; /* host order */
	const uint8_t *src_mac;
	uint32_t now; /* unix seconds */
};

/* What to send, where, and what must be durable first. */
struct dhcpd_out {
	int len; /* payload bytes; 0 when nothing is sent */
	uint8_t payload[DHCPD_MAX_PAYLOAD];
	uint32_t dst_ip; /* network byte order; 0xffffffff: broadcast */
	uint16_t dst_port;
	bool l2_broadcast;
	uint8_t dst_mac[6];
	bool has_rec; /* rec must reach the lease store */
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

#endif
