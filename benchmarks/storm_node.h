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
 * With cfg->multicast the files after the boot file are fetched the way
 * iPXE's tftm:// does (RFC 2090): the RRQ carries "multicast"; the OACK's
 * "addr,port,mc" names the group and whether the node is the master
 * client. DATA to the group is for every member (storm_mc_parse() reads
 * such a frame once; storm_node_mc_rx() hands it to each member). A node
 * keeps a bitmap of the blocks it holds; as master it ACKs the block
 * before its first hole after each block it takes, as a listener it stays
 * silent; a later OACK with mc=1 makes it master, and it answers with its
 * first hole. With every block held it ACKs the last block (RFC 2090:
 * "each client must terminate the transfer by sending an acknowledgment of
 * the last packet ... even if the client is not the master client"). A
 * listener that hears nothing for cfg->tftp_timeout_us sends its RRQ
 * again (the server answers a member's repeat with its OACK). An OACK
 * without "multicast" (the server fell back) gives a unicast transfer.
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
	bool multicast;		  /* RFC 2090 for the files after the boot file */
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
	bool mc;	 /* this transfer is RFC 2090 multicast (the OACK named a group) */
	bool mc_master;	 /* the server made us the master client (mc=1) */

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

	/* RFC 2090: the group, and the blocks held (next: the first hole). */
	uint32_t mc_group; /* network order */
	uint16_t mc_gport;
	uint16_t mc_last_ack; /* the last ACK sent as master (no repeats of it) */
	uint32_t nblocks;     /* size / blksize + 1, as the server counts them */
	uint32_t have;	      /* blocks held */
	uint64_t *map;	      /* bit b-1: block b held; malloc'd for the transfer */

	/* Timers and the last frame sent (resent on timeout). */
	uint64_t t_start, deadline; /* us; deadline 0: no timer */
	uint64_t last_dup_ack;	    /* us, rate limits ACKs to resent blocks */
	uint16_t last_len;
	uint8_t last[STORM_FRAME_MAX];

	/* Results. */
	uint64_t t_offer; /* us since t_start to the OFFER taken; 0: none */
	uint64_t t_lease; /* us since t_start to the ACK; 0: no lease */
	uint32_t dhcp_retries, tftp_retries, dups, holes, arp_replies;
	uint32_t mc_blocks;  /* blocks taken from a group (verified, not duplicates) */
	uint32_t mc_masters; /* OACKs with mc=1 taken (times made master) */
	uint64_t rx_bytes;   /* TFTP payload taken, duplicates included */
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

/* Free what a node holds (a multicast bitmap), whatever its state. */
void storm_node_release(struct storm_node *n);

/*
 * A DATA frame to a multicast group, read once for all its members. The
 * check_* fields cache the comparison with the expected file: members of
 * one stream share the file and blksize, so the first member compares the
 * payload and the others take its verdict for the same (file, blksize).
 */
struct storm_mc_frame {
	uint32_t src_ip, group; /* network order */
	uint16_t sport, gport;
	uint16_t block;
	const uint8_t *data;
	size_t len;
	const struct storm_file *check_file; /* NULL: not compared yet */
	uint16_t check_blksize;
	uint8_t check_fail; /* enum storm_fail: STORM_F_NONE when it matched */
};

/* 0 when frame is a TFTP DATA to an IPv4 multicast group (d filled), or -1. */
int storm_mc_parse(const uint8_t *frame, size_t len, struct storm_mc_frame *d);

/* The frame for one node; ignored unless the node is a member of d's
 * stream (group, port and the server's address and port). */
void storm_node_mc_rx(struct storm_node *n, const struct storm_cfg *cfg, struct storm_mc_frame *d,
		      uint64_t now, struct storm_out *out);

/* True while the node is a member of a multicast stream. */
static inline bool
storm_node_in_group(const struct storm_node *n)
{
	return n->mc && n->state == STORM_XFER;
}

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
 * in network order to a node index or -1). -1: none of ours, and for a
 * frame to a multicast group (storm_mc_parse() and the group's members).
 */
int storm_frame_node(uint8_t seed, const uint8_t *frame, size_t len,
		     int (*ip_index)(void *arg, uint32_t ip), void *arg);

const char *storm_fail_name(uint8_t reason);
const char *storm_state_name(uint8_t state);

#endif
