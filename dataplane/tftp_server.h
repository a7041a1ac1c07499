/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tftp_server.h: TFTP read transfers on a dataplane worker, pure C.
 *
 * A worker owns a tftp_server: its sessions, their timers and counters.
 * The engine never touches packets: tftpd_rrq() and tftpd_input() take a
 * parsed request or packet, update the session and say what to send (an
 * OACK, an ERROR, or a run of DATA blocks); tftpd_tick() fires expired
 * retransmission timers. The worker builds the frames (copying the block
 * from the image cache, or chaining it zero-copy) with tftpd_block().
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
#include "image_cache.h"
#include "tftp.h"

#define TFTPD_WHEEL_SLOTS 4096 /* 1 ms each: a 4 s horizon, longer timers go round */
#define TFTPD_NONE UINT32_MAX

struct tftpd_cfg {
	uint16_t mtu;
	uint16_t port_lo, port_hi; /* session (server TID) ports, host order */
	uint16_t max_window;       /* largest windowsize accepted */
	uint32_t max_sessions;
	uint8_t max_retries;       /* retransmissions of one window before giving up... */
	uint32_t give_up_us;       /* ...once the client has also been silent this long */
	uint32_t rto_min_us, rto_max_us, rto_init_us;
	/*
	 * Least time before an unanswered OACK goes again (0: the rto). The
	 * client retries on its own (the RRQ when the OACK was lost, which is
	 * answered at once; ACK 0 when its ACK was lost), and some clients
	 * (atftp) abort on an OACK they get twice, so the server's own resend
	 * is the last resort, after a client's usual timeout.
	 */
	uint32_t oack_wait_us;
};

struct tftp_sess {
	uint32_t client_ip;   /* network byte order */
	uint16_t client_port; /* host order */
	uint16_t local_port;  /* host order: our TID */
	uint8_t client_mac[6];
	uint8_t state;        /* enum tftp_sess_state */
	uint8_t retries;
	uint16_t blksize, window;
	uint32_t rto_us;      /* current retransmission timeout */
	uint32_t srtt_us;     /* smoothed ACK round trip, 0 until measured */
	const struct ic_file *file;
	struct image_cache *gen; /* pinned generation */
	uint64_t nblocks;     /* DATA blocks in the transfer: size / blksize + 1 */
	uint64_t acked;       /* highest block acknowledged (0: none, or the OACK) */
	uint64_t sent;        /* highest block sent */
	uint64_t sent_us;     /* when the current window went out */
	uint64_t deadline_us; /* retransmission due */
	uint64_t progress_us; /* last time the client acknowledged something new */
	uint32_t hnext;       /* hash chain */
	uint32_t cnext;       /* client hash chain (client ip, client port) */
	uint32_t tnext, tprev; /* timer wheel slot list */
	uint32_t slot;        /* wheel slot, TFTPD_NONE when not armed */
	struct tftp_opts oack; /* what was acknowledged, to send the OACK again */
};

enum tftp_sess_state {
	TS_FREE = 0,
	TS_OACK,  /* OACK sent, waiting for ACK 0 */
	TS_DATA,  /* sending DATA windows */
};

/* What the worker has to send after a call. */
struct tftpd_action {
	uint32_t sess;            /* session index, or TFTPD_NONE */
	uint16_t local_port;      /* source port of what goes out */
	uint32_t dst_ip;
	uint16_t dst_port;
	uint8_t dst_mac[6];
	uint16_t ctl_len;         /* an OACK or ERROR to send first (0: none) */
	uint8_t ctl[512];
	uint64_t first, last;     /* DATA blocks to send, inclusive; first > last: none */
};

struct tftp_server {
	struct tftpd_cfg cfg;
	struct tftp_sess *s;
	uint32_t *hash;    /* (client ip, client port, local port) -> session */
	uint32_t *chash;   /* (client ip, client port) -> session: repeated RRQs */
	uint32_t hmask;
	uint32_t free_head; /* free list through hnext */
	uint32_t active;
	uint32_t wheel[TFTPD_WHEEL_SLOTS];
	uint64_t wheel_now_ms; /* last processed tick */
	uint16_t next_port;
	struct image_cache *cache; /* the current generation (worker's view) */
};

int tftpd_init(struct tftp_server *t, const struct tftpd_cfg *cfg);
void tftpd_fini(struct tftp_server *t);

/*
 * A read (or write) request from client ip:port. Fills act: an ERROR
 * (no session), or a new session with an OACK or its first DATA block.
 * Counters: tftp_* in cnt/drops.
 */
void tftpd_rrq(struct tftp_server *t, const struct tftp_req *rq, uint32_t ip, uint16_t port,
	       const uint8_t *mac, uint64_t now_us, struct tftpd_action *act, uint64_t *cnt,
	       uint64_t *drops);

/* A packet to one of our session ports (ACK or ERROR from the client). */
void tftpd_input(struct tftp_server *t, const uint8_t *buf, size_t len, uint32_t ip,
		 uint16_t port, uint16_t local_port, uint64_t now_us, struct tftpd_action *act,
		 uint64_t *cnt, uint64_t *drops);

/*
 * Fire due timers. For each session whose window must go again, fn is
 * called with the action to carry out; sessions out of retries are ended
 * (an ERROR is sent through fn). Returns the number of actions.
 */
unsigned tftpd_tick(struct tftp_server *t, uint64_t now_us,
		    void (*fn)(const struct tftpd_action *act, void *arg), void *arg,
		    uint64_t *cnt, uint64_t *drops);

/* Payload of block n (1-based) of session i: pointer and length (0..blksize). */
const uint8_t *tftpd_block(const struct tftp_server *t, uint32_t i, uint64_t n, uint32_t *len,
			   uint64_t *off);

/* Session memory, for docs and metrics. */
static inline uint64_t
tftpd_bytes_per_session(void)
{
	return sizeof(struct tftp_sess) + 2 * sizeof(uint32_t);
}

#endif
