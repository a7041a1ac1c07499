/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm_node.h: one emulated PXE node of rackboot-storm, as a pure state
 * machine (no DPDK, no I/O, no clock of its own).
 *
 * A node boots the way PXE firmware and its loader do:
 *   DHCP DISCOVER (PXE options) -> OFFER -> REQUEST -> ACK,
 *   [EDK2's tsize probe: RRQ tsize -> OACK -> ERROR 8,]
 *   TFTP of the boot file the ACK names (file field or option 67),
 *   then each further file of the configuration, in order,
 * and answers ARP for the address it leased. The caller hands it frames
 * (storm_node_rx) and clock ticks (storm_node_tick) with the time in
 * microseconds; the node answers with whole Ethernet frames to send, built
 * with the project's codecs (proto/dhcp, proto/tftp, proto/pkt), and keeps
 * its timings and counters. Every DATA payload is compared with the
 * expected file at its offset; a transfer counts only when every byte
 * matched and the last block ended it at the file's size.
 *
 * Retransmission is firmware's: DHCP waits 4, 8, 16, 32 s (PXE 2.1,
 * scaled by cfg->dhcp_timeout_us for tests) and gives up after
 * cfg->dhcp_tries sends of one message; TFTP resends its last ACK (or
 * the RRQ) after cfg->tftp_timeout_us without a packet, up to
 * cfg->tftp_tries times, then the node fails.
 */
#ifndef RB_BENCH_STORM_NODE_H
#define RB_BENCH_STORM_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORM_NODES_MAX 4096
#define STORM_FILES_MAX 8   /* the boot file + up to 7 further files */
#define STORM_FRAME_MAX 600 /* the longest frame a node sends (a DHCP REQUEST) */
#define STORM_OUT_MAX 2	    /* frames one event can ask for (ERROR 8 + RRQ) */

/* A file every node fetches, and what it must contain. */
struct storm_file {
	const char *name;
	const uint8_t *data; /* the expected bytes (e.g. the server's copy, mapped) */
	uint64_t size;
};

/* Resolves the boot file name an ACK gives to its expected content;
 * NULL when unknown (the node then fails: nothing to check against). */
typedef const struct storm_file *(*storm_lookup_fn)(void *arg, const char *name);

/* What every node shares; read-only while nodes run. */
struct storm_cfg {
	uint8_t seed;		  /* third MAC byte: 52:54:<seed>:<index, 24 bits> */
	uint16_t arch;		  /* option 93 (7: x86-64 UEFI, 0: BIOS) */
	bool ipxe;		  /* user class "iPXE" (77) */
	bool broadcast;		  /* DHCP broadcast flag */
	bool tsize_probe;	  /* EDK2: RRQ tsize, OACK, ERROR 8 before the boot file */
	uint16_t blksize;	  /* asked for; 0: none (512-byte lockstep) */
	uint16_t windowsize;	  /* asked for; 0 or 1: none (an ACK per block) */
	uint32_t dhcp_timeout_us; /* first DHCP wait; doubles per try (4 s in PXE) */
	uint8_t dhcp_tries;	  /* sends of one DHCP message before giving up */
	uint32_t tftp_timeout_us; /* TFTP wait before resending */
	uint8_t tftp_tries;	  /* resends without progress before giving up */
	bool lease_only;	  /* DHCP only: done at the ACK (the DORA rate mode) */
	storm_lookup_fn lookup;	  /* boot file name -> expected content */
	void *lookup_arg;
	/* Further files after the boot file, fetched in order. */
	const struct storm_file *files[STORM_FILES_MAX - 1];
	uint8_t nfiles;
};

enum storm_state {
	STORM_IDLE = 0,	  /* not started */
	STORM_SELECTING,  /* DISCOVER sent, waiting for an OFFER */
	STORM_REQUESTING, /* REQUEST sent, waiting for the ACK */
	STORM_PROBE,	  /* tsize probe RRQ sent, waiting for its OACK */
	STORM_RRQ,	  /* RRQ sent, waiting for OACK or DATA 1 */
	STORM_XFER,	  /* DATA flowing */
	STORM_DONE,	  /* every file fetched and verified */
	STORM_FAILED,	  /* gave up; fail_reason says why */
};

/* Why a node failed (storm_fail_name() names them for the JSON). */
enum storm_fail {
	STORM_F_NONE = 0,
	STORM_F_DHCP_TIMEOUT, /* no OFFER or ACK after dhcp_tries sends */
	STORM_F_DHCP_NAK,     /* NAKs on dhcp_tries REQUESTs in a row */
	STORM_F_NO_BOOTFILE,  /* the ACK names no boot file, or an unknown one */
	STORM_F_TFTP_TIMEOUT, /* tftp_tries resends without progress */
	STORM_F_TFTP_ERROR,   /* the server sent an ERROR */
	STORM_F_MISMATCH,     /* a byte differs from the expected file */
	STORM_F_SIZE,	      /* the transfer ended short of or past the file's size */
	STORM_F_PROTOCOL,     /* a reply that makes no sense (OACK blksize not asked...) */
	STORM_F_RUN_TIMEOUT,  /* still under way when the run's --timeout ended */
};

/* Per-file results, in microseconds since the node started. */
struct storm_file_stat {
	uint64_t t_done; /* time to the file's last byte; 0: not done */
	uint64_t bytes;	 /* verified bytes */
};

struct storm_node {
	uint32_t index;
	uint8_t mac[6];
	uint8_t state;	     /* enum storm_state */
	uint8_t fail_reason; /* enum storm_fail */
	uint8_t file;	     /* which file is under way: 0 boot file, then cfg->files */
	uint8_t tries;	     /* sends of the current message (DHCP) or resends (TFTP) */
	uint8_t naks;
	bool hole_acked; /* an ACK for the current hole went out */
	bool probed;	 /* the tsize probe is behind us */

	/* DHCP */
	uint32_t xid;
	uint32_t offered, server_id; /* network order */
	uint32_t ip;		     /* leased, network order */
	uint32_t tftp_ip;	     /* next server, network order */
	uint8_t server_mac[6];	     /* the DHCP reply's Ethernet source */
	char bootfile[128];
	const struct storm_file *cur; /* the file under way */

	/* TFTP transfer */
	uint16_t lport; /* our port for this transfer */
	uint16_t rport; /* the server's transfer port; 0 until its first packet */
	uint16_t blksize, window;
	uint16_t since_ack; /* blocks taken since the last ACK */
	uint64_t next;	    /* absolute number of the next block wanted */
	uint64_t done_bytes;

	/* Timers and the last frame sent (resent on timeout). */
	uint64_t t_start, deadline; /* us; deadline 0: no timer */
	uint64_t last_dup_ack;	    /* us, rate limits ACKs to resent blocks */
	uint16_t last_len;
	uint8_t last[STORM_FRAME_MAX];

	/* Results. */
	uint64_t t_offer; /* us since t_start to the OFFER taken; 0: none */
	uint64_t t_lease; /* us since t_start to the ACK; 0: no lease */
	uint32_t dhcp_retries, tftp_retries, dups, holes, arp_replies;
	uint64_t rx_bytes; /* TFTP payload taken, duplicates included */
	struct storm_file_stat fs[STORM_FILES_MAX];
};

/* Frames a node asks to send, whole Ethernet frames with checksums. */
struct storm_out {
	unsigned n;
	uint16_t len[STORM_OUT_MAX];
	uint8_t frame[STORM_OUT_MAX][STORM_FRAME_MAX];
};

/* The node's MAC: 52:54:<seed>:<index>. */
void storm_node_mac(uint8_t seed, uint32_t index, uint8_t mac[6]);

/* The node index a MAC of this storm stands for (0..2^24-1: the DORA rate
 * mode has more clients than the boot mode's STORM_NODES_MAX; callers check
 * the index against their own count), or -1. */
int storm_mac_index(uint8_t seed, const uint8_t mac[6]);

/* Ready node `index` (nothing sent yet). */
void storm_node_init(struct storm_node *n, const struct storm_cfg *cfg, uint32_t index);

/* Power on at `now`: the first DISCOVER goes into out. */
void storm_node_start(struct storm_node *n, const struct storm_cfg *cfg, uint64_t now,
		      struct storm_out *out);

/*
 * One received Ethernet frame meant for this node (see storm_frame_node()).
 * Whatever the node answers goes into out (out->n set, 0 when nothing).
 * Frames it has no use for (late, duplicate, foreign) change nothing.
 */
void storm_node_rx(struct storm_node *n, const struct storm_cfg *cfg, const uint8_t *frame,
		   size_t len, uint64_t now, struct storm_out *out);

/* The clock moved: resend or give up when the node's timer is due. */
void storm_node_tick(struct storm_node *n, const struct storm_cfg *cfg, uint64_t now,
		     struct storm_out *out);

/* True once the node is done or failed. */
static inline bool
storm_node_finished(const struct storm_node *n)
{
	return n->state == STORM_DONE || n->state == STORM_FAILED;
}

/*
 * Which node a received frame is for: the destination MAC when it is one
 * of ours; for broadcast, the chaddr of a DHCP reply or the target of an
 * ARP request (by address, through ip_index, which maps a leased address
 * in network order to a node index or -1). -1: none of ours.
 */
int storm_frame_node(uint8_t seed, const uint8_t *frame, size_t len,
		     int (*ip_index)(void *arg, uint32_t ip), void *arg);

const char *storm_fail_name(uint8_t reason);
const char *storm_state_name(uint8_t state);

#endif
