/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * channel.h: every message between the control process and the dataplane.
 *
 * Transport: one AF_UNIX SOCK_SEQPACKET socketpair made by the control before
 * it starts the dataplane (the dataplane gets its end as --channel-fd N).
 * Each datagram is one message: a struct rb_msg_hdr then `len` payload bytes.
 * Both ends are built from the same tree; the version in every header catches
 * a stale binary. Requests carry a seq; the reply echoes it.
 *
 * Conversation:
 *   ctl -> dp  DP_CONFIG    once, right after the dataplane's EAL is up
 *   dp  -> ctl DP_READY     ports started (or DP_ERROR with a message)
 *   ctl -> dp  STATS_REQ    any time;  dp -> ctl STATS_REP
 *   ctl -> dp  SHUTDOWN     dp stops its ports, cleans up EAL and exits 0
 * EOF on either end means the peer is gone: the dataplane stops, the control
 * reports it and shuts down.
 */
#ifndef RB_PROTO_CHANNEL_H
#define RB_PROTO_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"

#define RB_CHAN_VERSION 1
#define RB_CHAN_MAX_MSG 4096

enum rb_msg_type {
	RB_MSG_DP_CONFIG = 1,
	RB_MSG_DP_READY = 2,
	RB_MSG_DP_ERROR = 3,
	RB_MSG_STATS_REQ = 4,
	RB_MSG_STATS_REP = 5,
	RB_MSG_SHUTDOWN = 6,
};

struct rb_msg_hdr {
	uint16_t version;
	uint16_t type;
	uint32_t len; /* payload bytes after this header */
	uint32_t seq;
	uint32_t reserved;
};

enum rb_port_mode {
	RB_PORT_AF_XDP = 1,
	RB_PORT_AF_PACKET = 2,
	RB_PORT_PCI = 3,
};

enum rb_exception_mode {
	RB_EXC_XDP = 1, /* XDP program passes non-fast-path frames to the kernel */
	RB_EXC_TAP = 2, /* frames go through a net_tap port */
	RB_EXC_NONE = 3,
};

#define RB_IFNAME_MAX 16

/* ctl -> dp: what the dataplane needs beyond its EAL arguments. */
struct rb_dp_config {
	uint32_t server_ip; /* network byte order */
	uint8_t prefix_len;
	uint8_t port_mode;      /* enum rb_port_mode */
	uint8_t exception_mode; /* enum rb_exception_mode */
	uint8_t pad0;
	uint16_t mtu;
	uint16_t tftp_port;
	uint16_t session_port_lo; /* TFTP session ports, host order */
	uint16_t session_port_hi;
	uint32_t idle_sleep_us; /* sleep after a run of empty polls; 0 = pure busy poll */
	uint32_t mbufs;
	char interface[RB_IFNAME_MAX]; /* kernel name of the port (af_xdp, af_packet) */
	char tap_name[RB_IFNAME_MAX];  /* exception tap to create (tap mode) */
	char pci_addr[32];             /* pci mode: the device EAL was allowed (-a) */
	char xdp_prog[256];            /* af_xdp: path of rb_xdp.o */
	uint16_t queues;               /* port RX/TX queue pairs */
	uint16_t pad1;
};

/* dp -> ctl: ports are up. */
struct rb_dp_ready {
	uint8_t mac[6];
	uint16_t port_id;
	uint32_t nb_workers;
	uint32_t exc_port_present;
	char port_driver[32];
	char tap_name[RB_IFNAME_MAX]; /* the kernel interface that carries the address */
};

/* dp -> ctl: fatal setup error, human-readable. */
struct rb_dp_error {
	int32_t code; /* -errno */
	char message[256];
};

/* dp -> ctl: counters summed over all workers, plus the port's own. */
struct rb_stats {
	uint64_t counters[RB_CNT_MAX];
	uint64_t drops[RB_DROP_MAX];
	uint64_t port_ipackets, port_opackets;
	uint64_t port_ibytes, port_obytes;
	uint64_t port_imissed, port_ierrors, port_oerrors;
	uint64_t tsc_hz;
	uint64_t uptime_ms;
};

/*
 * Build a message into buf (cap bytes). Returns the datagram length, or
 * -EMSGSIZE when it does not fit.
 */
int rb_msg_build(void *buf, size_t cap, enum rb_msg_type type, uint32_t seq, const void *payload,
		 size_t len);

/*
 * Check a received datagram. On success returns 0, sets *hdr and points
 * *payload at the payload. Returns -EPROTO on a version mismatch and
 * -EBADMSG when the lengths disagree or the payload is not the size its
 * type requires.
 */
int rb_msg_parse(const void *buf, size_t len, struct rb_msg_hdr *hdr, const void **payload);

/* Expected payload size for a message type, or -1 when it has none fixed. */
long rb_msg_payload_size(enum rb_msg_type type);

#endif
