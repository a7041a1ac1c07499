/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp.h: the dataplane's process-wide state and per-lcore contexts.
 *
 * Ownership (who reads / writes each field):
 *   struct dp          main lcore: wo at setup, then ro; workers: ro
 *   struct dp.quit     main lcore and signal handler: wo; workers: ro (relaxed)
 *   struct worker      its own lcore: rw; main lcore: ro (counters, for stats)
 * Nothing on the fast path takes a lock: each worker owns its RX queues, its
 * TX queue index on every port and its counters.
 */
#ifndef RB_DP_H
#define RB_DP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "channel.h"
#include "counters.h"
#include "dhcp_server.h"
#include "event_queue.h"
#include "gen_set.h"
#include "icmp6.h"
#include "image_cache.h"
#include "lease_commit.h"
#include "pkt.h"
#include "tftp_server.h"
#include "txbuf.h"

#define DP_MAX_WORKERS 16
#define DP_MAX_QUEUES 16
#define DP_BURST 32
#define DP_MAX_PINS 8	     /* cache generations one worker may still send from */
#define DP_COMMIT_RING 16384 /* lease records waiting for a batch, all workers */
/* Of those, the last slots only RELEASE and DECLINE may take (never sent
 * again by the client, unlike a REQUEST): docs/security.md. */
#define DP_COMMIT_RESERVE 1024
#define DP_HELD_MAX 8192 /* ACKs a worker may hold for their commit */
#define DP_HELD_TIMEOUT_MS 2000
#define DP_HELD_FRAME (RB_UDP_HDRS_LEN + DHCPD_MAX_PAYLOAD)
#define DP_EVENT_RING 4096 /* boot events a worker may have waiting (136 B each) */

/*
 * An ACK waiting for the commit of its lease record, as a finished frame,
 * not an mbuf: a slow disk must not pin packet buffers (with af_xdp, a
 * starved mbuf pool stalls the receive fill ring; see docs/architecture.md).
 */
struct held_ack {
	uint64_t seq; /* the worker's record number it waits for */
	uint64_t tsc; /* when it was queued */
	/* Its RB_EV_DHCP_ACK once it goes out: the bound address (network
	 * order), chaddr, option 93 (0xffff: none), RB_EV_F_* flags. */
	uint32_t ev_ip;
	uint8_t ev_mac[6];
	uint16_t ev_arch;
	uint8_t ev_flags;
	uint16_t len;
	uint8_t frame[DP_HELD_FRAME];
};

struct ext_pin;

struct worker {
	unsigned lcore_id;
	uint16_t index;	 /* 0..nb_workers-1, also its TX queue on every port */
	uint16_t nb_rxq; /* provisioning port RX queues this worker polls */
	uint16_t rxq[DP_MAX_QUEUES];
	bool polls_exception; /* drains exception RX queue `index` (tap mode) */
	uint64_t counters[RB_CNT_MAX];
	uint64_t drops[RB_DROP_MAX];
	/* Group commit. held: the ACKs waiting for their record's outcome
	 * (dp.commit_out), in record order. held_min: worker wo (relaxed,
	 * stored before the record is queued), main lcore ro: the record
	 * the oldest held ACK waits for, UINT64_MAX when none. */
	uint64_t held_min;
	struct held_ack *held; /* FIFO, worker rw */
	uint32_t held_head, held_n;
	struct dhcpd_out dout;	 /* scratch for one reply */
	struct tftp_server tftp; /* this worker's TFTP sessions and timers */
	/* A new cache generation for this worker to switch to: main lcore
	 * stores it (with a reference for the worker), worker takes it. */
	struct image_cache *cache_next;
	/* TFTP packets other workers received for this one's transfers (its
	 * session ports; worker 0: multicast and MTFTP). NULL with one worker. */
	struct rte_ring *tftp_in;
	/* Zero-copy blocks: one pin per cache generation this worker sends
	 * from (see tftp_tx.c); worker rw. */
	struct ext_pin *pins[DP_MAX_PINS];
	uint64_t pin_gc_us;
	uint32_t tick_skip; /* loops since dp_tftp_tick() last read the clock */
	/* Boot events (held ACKs sent, TFTP transfers): the worker pushes,
	 * the main lcore pops (events.c). The slots are DP_EVENT_RING
	 * records from events.c; tftp.events points here. */
	struct evq events;
} __rte_cache_aligned;

struct dp {
	struct rb_dp_config cfg;
	struct rb_netcfg net;
	struct rb_ra_cfg ra; /* what our router advertisements say (net.ra_on) */
	uint16_t port_id;
	uint16_t exc_port_id;
	bool has_exc_port;
	int ifindex; /* kernel index of the af_xdp interface, for the XDP map */
	struct rte_mempool *pool;
	uint16_t nb_workers;
	struct worker workers[DP_MAX_WORKERS];
	uint64_t start_tsc;
	volatile bool quit;
	/* DHCP: the table is shared by all workers; dhcp_lock serialises
	 * dhcpd_handle() (one DHCP exchange is a few microseconds). */
	bool dhcp_on;
	struct dhcpd dhcp;
	rte_spinlock_t dhcp_lock;
	/* Lease records on their way to the control, in the order the table
	 * decided them: workers enqueue under dhcp_lock (so one producer at a
	 * time, and ring order is record order), the main lcore dequeues. */
	struct rte_ring *commit_ring;
	/* The records' outcomes (lease_commit.h): main lcore wo, workers ro. */
	const struct lc_outcome *commit_out;
	uint32_t leases_loaded, leases_skipped;
	/* TFTP: the image cache generation workers serve new requests from
	 * (main lcore publishes; sessions pin theirs with ic_get). */
	struct image_cache *cache;
	struct ic_stats cache_stats; /* of base's load */
	uint64_t cache_generation;   /* 1 at start, +1 per published generation */
	uint64_t cache_reload_failed;
	/* Generated files (cache_publish.c; main lcore only). base: the last
	 * tree loaded (a reference), which every published generation derives
	 * from, first published as base_generation. gen_next: the set being
	 * received; gen_cur: the set served on top of base; gen_wait: a set
	 * published while a load ran, applied when it ends. */
	struct image_cache *base;
	uint64_t base_generation;
	struct gen_set gen_next, gen_cur, gen_wait;
	bool gen_waiting;
	uint64_t gen_published, gen_refused;
	/* A reload runs on its own thread (loading can take seconds; the
	 * main lcore keeps serving the channel and the commit path). */
	pthread_t loader;
	int loader_state;	    /* enum: 0 idle, 1 loading, 2 done (atomic) */
	struct image_cache *loaded; /* loader's result, NULL on failure */
	struct ic_stats loaded_stats;
	char loader_msg[256];
	/* The boot namespace: the last TFTP_ROOTS payload (main lcore; NULL:
	 * tftp_root alone), and the copy the loader thread loads from (set
	 * before it starts, freed after it is joined). */
	void *roots;
	size_t roots_len;
	void *loader_roots;
	size_t loader_roots_len;
	uint64_t tsc_per_us;
	bool tx_multiseg;	      /* the port transmits chained mbufs */
	struct rte_mempool *ext_pool; /* data-less mbufs for zero-copy blocks */
	/* Main lcore's own counters (lease batches), summed into stats. */
	uint64_t main_counters[RB_CNT_MAX];
};

extern struct dp dp;

/* The dp a worker belongs to (worker i is d->workers[i]): the worker loop
 * needs no global. */
static inline struct dp *
dp_of(struct worker *w)
{
	return container_of(w - w->index, struct dp, workers[0]);
}

/* port.c: probe and start the provisioning port (and exception port).
 * Returns 0 or -errno with msg filled for the control. */
int dp_ports_setup(struct dp *d, char *msg, size_t cap);
void dp_ports_close(struct dp *d);

/* xdp_cfg.c: write the steering config into the XDP program attached to
 * ifindex (af_xdp mode); detach it at shutdown. */
int dp_xdp_configure(int ifindex, const struct rb_netcfg *nc, char *msg, size_t cap);
void dp_xdp_detach(int ifindex);
/* Before attaching: detach a crashed rackboot's XDP program from ifname.
 * 1: detached (msg says which); 0: none attached; -EBUSY: another
 * program is (msg names it); other -errno with msg. The control holds
 * the port's instance lock (control/instlock.h). */
int dp_xdp_clear_stale(const char *ifname, char *msg, size_t cap);

/* worker.c: the lcore loop: poll, classify, dispatch. */
int dp_worker_main(void *arg);

static inline void
dp_drop(struct worker *w, struct rte_mbuf *m, enum rb_drop why)
{
	w->drops[why]++;
	rte_pktmbuf_free(m);
}

/*
 * dhcp_tx.c: one DHCP/proxyDHCP request in m, its reply (the same mbuf)
 * queued on out, or its ACK held until the lease record is committed.
 */
void dp_dhcp_handle(struct dp *d, struct worker *w, struct rte_mbuf *m, struct txbuf *out);
/* Queue the held ACKs whose leases are on disk; drop those that waited too long. */
void dp_dhcp_release_held(struct dp *d, struct worker *w, struct txbuf *out);

/* tftp_tx.c: TFTP requests and ACKs; retransmission timers. */
void dp_tftp_handle(struct dp *d, struct worker *w, struct rte_mbuf *m, struct txbuf *out);
void dp_tftp_tick(struct dp *d, struct worker *w, struct txbuf *out);
/* Handle TFTP packets other workers passed to this one (w->tftp_in). */
void dp_tftp_drain(struct dp *d, struct worker *w, struct txbuf *out);
/* Worker side of a reload: take cache_next if the main lcore set one. */
void dp_tftp_take_cache(struct worker *w);
/* Drops every pin (shutdown, after the ports stopped). */
void dp_tftp_unpin_all(struct worker *w);

/*
 * cache_publish.c (main lcore): which image cache generation the workers
 * serve. The memory generations come from (hugepages on the port's socket;
 * any thread may allocate from it).
 */
void dp_cache_alloc(const struct dp *d, struct ic_alloc *a);
/* The result of a reload's load (NULL: it failed, msg says why): the new
 * base, published with the generated files on top. Takes loaded's reference. */
void dp_cache_loaded(struct dp *d, struct image_cache *loaded, const struct ic_stats *st,
		     const char *msg);
/* A GEN_FILES payload (checked by rb_msg_parse()): copies kept. */
void dp_gen_files(struct dp *d, const void *payload, size_t len);
/* GEN_PUBLISH: serve the set received since the last RB_GEN_F_FIRST on top
 * of base, now, or when the load under way ends. */
void dp_gen_publish(struct dp *d);
/* Frees the sets and the reference on base (shutdown). */
void dp_gen_fini(struct dp *d);

/* commit.c (main lcore): move lease records from the workers to the control
 * and acknowledgements back. */
int dp_commit_init(struct dp *d, char *msg, size_t cap);
/* Send a batch if none is in flight, resend or give up a failed one;
 * returns the poll timeout to use (ms). */
int dp_commit_pump(struct dp *d, int (*send)(enum rb_msg_type, uint32_t, const void *, size_t));
void dp_commit_done(struct dp *d, const struct rb_lease_ack *ack);
/* Other servers' lease changes (a shared store's feed) into the table. */
void dp_commit_learn(struct dp *d, const struct rb_lease_batch *b);
void dp_commit_fini(struct dp *d);

/*
 * events.c (main lcore): boot events from the workers' queues to the
 * control. dp_events_init gives every worker its queue (and its TFTP
 * engine the queue): 0, or -ENOMEM with msg filled. dp_events_pump takes
 * what the queues hold and sends an EVENTS batch when it is full or its
 * oldest event has waited RB_EVENT_FLUSH_MS (with the events dropped
 * since the last batch); it returns the longest the caller may wait (ms)
 * before calling it again. dp_events_flush sends whatever is waiting now
 * (at exit, after the workers stopped). Never blocks, never retries: a
 * batch the channel refuses is lost and counted as dropped.
 */
int dp_events_init(struct dp *d, char *msg, size_t cap);
int dp_events_pump(struct dp *d, int (*send)(enum rb_msg_type, uint32_t, const void *, size_t));
void dp_events_flush(struct dp *d, int (*send)(enum rb_msg_type, uint32_t, const void *, size_t));
void dp_events_fini(struct dp *d);

#endif
