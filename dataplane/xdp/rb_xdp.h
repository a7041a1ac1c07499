/* SPDX-License-Identifier: BSD-3-Clause */
/* rb_xdp.h: the maps shared by the XDP program and the dataplane. */
#ifndef RB_XDP_H
#define RB_XDP_H

#define RB_XDP_MAX_QUEUES 64
/* The program's name as the kernel keeps it (rb_xdp.c's SEC("xdp")
 * function; at most 15 characters): how a leftover one is recognised. */
#define RB_XDP_PROG_NAME "rb_xdp_steer"

#define RB_XDP_F_ARP 0x1  /* steer ARP requests for the server address */
#define RB_XDP_F_ICMP 0x2 /* steer ICMP echo to the server address */
#define RB_XDP_F_RS 0x4	  /* steer IPv6 router solicitations (any address) */

/* rb_cfg[0]; written by the dataplane after the port starts. */
struct rb_xdp_cfg {
	__u32 ip; /* network byte order; 0 = steer nothing yet */
	__u32 flags;
	__u16 tftp_port; /* host order */
	__u16 session_lo, session_hi;
	__u16 mtftp_port; /* host order; 0: none */
};

enum {
	RB_XDP_STAT_PASS = 0,
	RB_XDP_STAT_REDIRECT = 1,
	RB_XDP_STAT_MAX,
};

#endif
