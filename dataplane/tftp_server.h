/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tftp_server.h: TFTP read transfers on a dataplane worker, pure C.
 *
 * A worker owns a tftp_server: its sessions, their timers and counters.
 * The engine never touches packets: tftpd_rrq() and tftpd_input() take a
 * parsed request or packet, update the session and say what to send (an
 * OACK, an ERROR, or a run of DATA blocks); tftpd_tick() fires expired
 * retransmission timers. The worker builds the frames (copying the block
 * from the image cache, or chaining it zero-copy) with tftpd_act_block().
 *
 * Boot events: when t->events is set (after tftpd_init), the engine also
 * queues what a machine's boot did there (event_queue.h): TFTP_START when
 * a transfer's first DATA goes out (a multicast member: when it joins),
 * TFTP_PROGRESS each time the acknowledged bytes pass another
 * RB_EVENT_PROGRESS_BYTES (unicast only: a final ACK gives DONE alone),
 * TFTP_DONE on the last block's ACK, and TFTP_FAIL when a transfer ends
 * unfinished: the client's ERROR (CLIENT_ERROR, with its code; also a
 * tsize probe aborted after the OACK, which never started), retries
 * exhausted (TIMEOUT), or the server dropping it (EVICTED: a new request
 * from the same client ip:port, tftpd_fini). The worker drains the queue;
 * a full queue drops the event and counts it (events_dropped).
 *
 * Transfers follow RFC 1350 with options (RFC 2347/2348/2349) and windows
 * (RFC 7440): after an ACK of block k the server sends k+1 .. k+window; a
 * duplicate or old ACK is ignored (no sorcerer's apprentice), only a timer
 * retransmits, from the first unacknowledged block, with exponential
 * backoff and bounded retries. Block numbers are 64-bit inside and wrap to
 * 0 after 65535 on the wire, so files beyond 32 MiB at 512-byte blocks
 * (93 MiB at 1468) work with clients that roll over the same way.
 *
 * Memory: sessions live in one array sized at start (tftp.max_sessions);
 * struct tftp_sess is the per-session cost, a few more bytes go to the
 * hash and the timer wheel.
 */
#ifndef RB_DP_TFTP_SERVER_H
#define RB_DP_TFTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "counters.h"
#include "event_queue.h"
#include "image_cache.h"
#include "ratelimit.h"
#include "tftp.h"
#include "tftp_session.h"

#define TFTPD_WHEEL_SLOTS 4096 /* 1 ms each: a 4 s horizon, longer timers go round */

/*
 * The dataplane's timer settings (struct tftpd_cfg below says what each
 * one bounds). The retransmission timeout adapts between RTO_MIN and
 * RTO_MAX; RTO_INIT holds until the first ACK gives a round trip, and is
 * long because busy clients can be slow to ACK an OACK and atftp aborts
 * on an OACK it gets twice. GIVE_UP and OACK_WAIT outlast the seconds a
 * client's own retransmission timer usually takes.
 */
#define TFTPD_RTO_MIN_US 10000u	    /* 10 ms */
#define TFTPD_RTO_MAX_US 2000000u   /* 2 s */
#define TFTPD_RTO_INIT_US 1000000u  /* 1 s */
#define TFTPD_GIVE_UP_US 15000000u  /* 15 s of client silence */
#define TFTPD_OACK_WAIT_US 6000000u /* 6 s before an OACK goes again */

/*
 * Until a client has acknowledged something from its session's port (ACK
 * 0 of the OACK, or ACK 1), nothing proves the request came from the
 * address it names: it may be spoofed, to turn the server on a victim.
 * Such an unproven session gets its OACK or its first block (one, whatever
 * windowsize it asked for) and at most this many resends of it, by timer
 * or repeated request together; then it ends without an ERROR. A full
 * table ends its oldest unproven session to make room, and a source at
 * its session cap ends its own oldest unproven one. Per spoofed request,
 * at most (1 + TFTPD_UNPROVEN_RESENDS) packets of at most 512 bytes of
 * payload (an OACK is shorter) go out: under 2.5 KB.
 */
#define TFTPD_UNPROVEN_RESENDS 3

/*
 * RFC 1350 answers a packet for no running transfer with ERROR 5; as many
 * spoofed packets would make as many ERRORs to their forged source, so
 * each source gets at most this many a second (per worker), the rest are
 * only counted (tftp_unknown_tid). A real client that lost its transfer
 * needs one.
 */
#define TFTPD_TID_ERRORS_PER_S 4

struct tftpd_cfg {
	uint16_t mtu;
	uint16_t port_lo, port_hi; /* session (server TID) ports, host order */
	/* With several workers, worker port_offset of port_stride owns the
	 * ports tftp_port_owner() gives it (tftp_session.h). */
	uint16_t port_stride, port_offset;
	uint16_t max_window; /* largest windowsize accepted */
	uint32_t max_sessions;
	/* Per source address (0: no cap): transfers at once, and read
	 * requests per second (counted per worker). */
	uint16_t max_per_source;
	uint32_t rrq_rate;
	uint8_t max_retries; /* retransmissions of one window before giving up... */
	uint32_t give_up_us; /* ...once the client has also been silent this long */
	uint32_t rto_min_us, rto_max_us, rto_init_us;
	/*
	 * Least time before an unanswered OACK goes again (0: the rto). The
	 * client retries on its own (the RRQ when the OACK was lost, which is
	 * answered at once; ACK 0 when its ACK was lost), and some clients
	 * (atftp) abort on an OACK they get twice, so the server's own resend
	 * is the last resort, after a client's usual timeout.
	 */
	uint32_t oack_wait_us;
	/*
	 * Multicast. RFC 2090: a request with the "multicast" option joins
	 * the stream already sending that file (same blksize) or starts one
	 * on group mc_group + k (k < mc_streams), UDP port mc_port; 0 turns
	 * the option off (it is then ignored, the transfer is unicast).
	 * PXE MTFTP: requests to the MTFTP port start one stream to
	 * mtftp_group:mtftp_cport (0: off). Groups in network byte order.
	 */
	uint32_t mc_group;
	uint16_t mc_port;
	uint16_t mc_streams;
	uint16_t mc_members; /* clients one RFC 2090 stream serves at once */
	uint16_t mc_window;  /* blocks in flight on a stream */
	uint32_t mtftp_group;
	uint16_t mtftp_cport;
};

struct tftp_sess {
	uint32_t client_ip;   /* network byte order */
	uint16_t client_port; /* host order */
	uint16_t local_port;  /* host order: our TID */
	uint8_t client_mac[6];
	uint8_t state;	/* enum tftp_sess_state */
	uint8_t proven; /* the client acknowledged from its address (see above) */
	uint8_t retries;
	uint16_t blksize, window;
	uint32_t rto_us;  /* current retransmission timeout */
	uint32_t srtt_us; /* smoothed ACK round trip, 0 until measured */
	const struct ic_file *file;
	struct image_cache *gen; /* pinned generation */
	uint64_t nblocks;	 /* DATA blocks in the transfer: size / blksize + 1 */
	uint64_t acked;		 /* highest block acknowledged (0: none, or the OACK) */
	uint64_t sent;		 /* highest block sent */
	uint64_t sent_us;	 /* when the current window went out */
	uint64_t deadline_us;	 /* retransmission due */
	uint64_t progress_us;	 /* last time the client acknowledged something new */
	uint32_t hnext;		 /* hash chain */
	uint32_t cnext;		 /* source chain (client ip) */
	uint32_t unext, uprev;	 /* unproven sessions, oldest first */
	uint32_t tnext, tprev;	 /* timer wheel slot list */
	uint32_t slot;		 /* wheel slot, TFTPD_NONE when not armed */
	struct tftp_opts oack;	 /* what was acknowledged, to send the OACK again */
};

enum tftp_sess_state {
	TS_FREE = 0,
	TS_OACK, /* OACK sent, waiting for ACK 0 */
	TS_DATA, /* sending DATA windows */
};

/* A client of a multicast stream. */
struct tftp_mc_member {
	uint32_t ip;   /* network byte order */
	uint16_t port; /* host order */
	uint8_t mac[6];
	uint8_t mask; /* options it asked for (TFTP_OPT_*), echoed in its OACKs */
	uint8_t timeout;
	uint8_t proven;	 /* it acknowledged as the master (its address is real) */
	uint8_t resends; /* OACKs or first blocks sent again to it while unproven */
};

enum tftp_mc_kind {
	MC_FREE = 0,
	MC_RFC2090, /* the "multicast" option: master client ACKs, OACK promotes */
	MC_MTFTP,   /* PXE MTFTP: the opening client ACKs, listeners just listen */
};

/*
 * One multicast stream: a file going to a group. m[0] is the master
 * client, the only one whose ACKs move the stream; when it has the whole
 * file the next member is promoted (RFC 2090: an OACK with mc=1) and
 * answers with the first block it misses, which the stream resends from:
 * a client that joined late or lost blocks is repaired that way and ends
 * with the whole file.
 */
struct tftp_mc {
	uint8_t kind;  /* enum tftp_mc_kind */
	uint8_t state; /* TS_OACK: waiting for the master's first ACK; TS_DATA */
	uint8_t retries;
	uint16_t local_port; /* our TID: OACKs and DATA come from it */
	uint16_t group_port;
	uint16_t blksize;
	uint32_t group_ip;	  /* network byte order */
	uint32_t rto_us, srtt_us; /* as a session's, from the master's ACKs */
	const struct ic_file *file;
	struct image_cache *gen; /* pinned generation */
	uint64_t nblocks, acked, sent;
	uint64_t sent_us, deadline_us, progress_us;
	uint64_t probe_block, probe_us; /* RTT: one timed block at a time (0: none) */
	struct tftp_mc_member *m;	/* join order, m[0] the master */
	uint32_t nm;
	char name[RB_EVENT_NAME_MAX]; /* the file as its opener asked for it (events) */
};

struct tftp_server {
	struct tftpd_cfg cfg;
	struct tftp_sess *s;
	uint32_t *hash;	 /* (client ip, client port, local port) -> session */
	uint32_t *chash; /* client ip -> its sessions: repeated RRQs, per-source cap */
	uint32_t hmask;
	uint32_t free_head; /* free list through hnext */
	uint32_t active;
	uint32_t uhead, utail;	 /* unproven sessions, oldest at uhead */
	struct rb_rate rrq_rate; /* read requests per source address */
	struct rb_rate err_rate; /* unknown-TID ERRORs per source address */
	uint32_t wheel[TFTPD_WHEEL_SLOTS];
	uint64_t wheel_now_ms;	   /* last processed tick */
	struct tftp_ports ports;   /* this worker's session ports (cfg.port_*) */
	struct image_cache *cache; /* the current generation (worker's view) */
	struct tftp_mc *mc;	   /* mc_streams RFC 2090 streams, then one MTFTP stream */
	uint16_t nmc;
	uint16_t mc_active;
	/* Boot events out: NULL (none) until the caller sets it after
	 * tftpd_init(). names[i]: session i's file as requested, for them
	 * (apart from struct tftp_sess, which the hot path reads). */
	struct evq *events;
	char (*names)[RB_EVENT_NAME_MAX];
};

/* A server with cfg's limits, no cache and no events yet. 0, -EINVAL, -ENOMEM. */
int tftpd_init(struct tftp_server *t, const struct tftpd_cfg *cfg);
/* Ends every transfer (TFTP_FAIL EVICTED for each, when events are on),
 * lets go of their generations and frees the tables. */
void tftpd_fini(struct tftp_server *t);

/*
 * A read (or write) request from client ip:port. Fills act: an ERROR
 * (no session), or a new session with an OACK or its first DATA block.
 * Counters: tftp_* in cnt/drops.
 */
void tftpd_rrq(struct tftp_server *t, const struct tftp_req *rq, uint32_t ip, uint16_t port,
	       const uint8_t *mac, uint64_t now_us, struct tftpd_action *act, uint64_t *cnt,
	       uint64_t *drops);

/*
 * A read request to the PXE MTFTP port: starts the MTFTP stream, or is
 * ignored while it runs (the client listens to the running one instead).
 */
void tftpd_mtftp_rrq(struct tftp_server *t, const struct tftp_req *rq, uint32_t ip, uint16_t port,
		     const uint8_t *mac, uint64_t now_us, struct tftpd_action *act, uint64_t *cnt,
		     uint64_t *drops);

/* A packet to one of our session ports (ACK or ERROR from the client). */
void tftpd_input(struct tftp_server *t, const uint8_t *buf, size_t len, uint32_t ip, uint16_t port,
		 uint16_t local_port, uint64_t now_us, struct tftpd_action *act, uint64_t *cnt,
		 uint64_t *drops);

/*
 * Fire due timers. For each session whose window must go again, fn is
 * called with the action to carry out; sessions out of retries are ended
 * (an ERROR is sent through fn). Returns the number of actions.
 */
unsigned tftpd_tick(struct tftp_server *t, uint64_t now_us,
		    void (*fn)(const struct tftpd_action *act, void *arg), void *arg, uint64_t *cnt,
		    uint64_t *drops);

/* Ethernet address of an IPv4 group (RFC 1112: 01:00:5e + low 23 bits). */
void tftpd_group_mac(uint32_t group, uint8_t mac[6]);

/* True while a session or stream still sends from generation gen. */
bool tftpd_uses_gen(const struct tftp_server *t, const struct image_cache *gen);

#endif
