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
 *   ctl -> dp  DHCP_CONFIG  once: mode, subnets, PXE boot map
 *   ctl -> dp  DHCP_RESV    reservations, in batches (as many as announced)
 *   ctl -> dp  LEASE_LOAD   the durable leases, in batches
 *   ctl -> dp  TFTP_ROOTS   the boot namespace (below); again before each
 *                           TFTP_RELOAD. Without one, tftp_root alone.
 *   ctl -> dp  CONFIG_DONE  the dataplane starts its ports
 *   dp  -> ctl DP_READY     ports started (or DP_ERROR with a message)
 *   ctl -> dp  STATS_REQ    any time;  dp -> ctl STATS_REP
 *   dp  -> ctl LEASE_COMMIT a batch of lease changes to make durable; the
 *                           dataplane holds the ACKs of that batch until
 *   ctl -> dp  LEASE_COMMITTED  says the transaction is on disk (or failed),
 *                           with the claims that lost to another server
 *   ctl -> dp  GEN_FILES    the generated boot configs (below), in batches;
 *   ctl -> dp  GEN_PUBLISH  then: serve them on top of the loaded roots
 *   dp  -> ctl EVENTS       boot events (DHCP ACKs, TFTP transfers), batched;
 *                           never answered, never waited for
 *   ctl -> dp  SHUTDOWN     dp stops its ports, cleans up EAL and exits 0
 * EOF on either end means the peer is gone: the dataplane stops, the control
 * reports it and shuts down.
 */
#ifndef RB_PROTO_CHANNEL_H
#define RB_PROTO_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"

#define RB_CHAN_VERSION 9
#define RB_CHAN_MAX_MSG 65536

enum rb_msg_type {
	RB_MSG_DP_CONFIG = 1,
	RB_MSG_DP_READY = 2,
	RB_MSG_DP_ERROR = 3,
	RB_MSG_STATS_REQ = 4,
	RB_MSG_STATS_REP = 5,
	RB_MSG_SHUTDOWN = 6,
	RB_MSG_DHCP_CONFIG = 7,
	RB_MSG_DHCP_RESV = 8,
	RB_MSG_LEASE_LOAD = 9,
	RB_MSG_CONFIG_DONE = 10,
	RB_MSG_LEASE_COMMIT = 11,
	RB_MSG_LEASE_COMMITTED = 12,
	RB_MSG_TFTP_RELOAD = 13, /* ctl -> dp: load tftp.root again, publish it */
	RB_MSG_TFTP_ROOTS = 14,	 /* ctl -> dp: the roots the next load serves */
	RB_MSG_EVENTS = 15,	 /* dp -> ctl: struct rb_event_batch */
	RB_MSG_GEN_FILES = 16,	 /* ctl -> dp: generated files (struct rb_gen_files_msg) */
	RB_MSG_GEN_PUBLISH = 17, /* ctl -> dp: serve the files sent since the last publish */
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
#define RB_PATH_MAX 4096

/* ctl -> dp: what the dataplane needs beyond its EAL arguments. */
struct rb_dp_config {
	uint32_t server_ip; /* network byte order */
	uint8_t prefix_len;
	uint8_t port_mode;	/* enum rb_port_mode */
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
	char pci_addr[32];	       /* pci mode: the device EAL was allowed (-a) */
	char xdp_prog[256];	       /* af_xdp: path of rb_xdp.o */
	uint16_t queues;	       /* port RX/TX queue pairs */
	uint16_t tftp_max_window;
	uint32_t tftp_cache_mb;
	uint32_t tftp_max_sessions;
	uint8_t tftp_retries;
	uint8_t pad2;
	uint16_t tftp_per_source; /* transfers per source address, per worker; 0: no cap */
	uint32_t mc_group;	  /* RFC 2090 first group, network order; 0: off */
	uint16_t mc_port;
	uint16_t mc_streams;
	uint16_t mc_clients;
	uint16_t mc_window;
	uint32_t mtftp_group;	     /* PXE MTFTP group, network order; 0: off */
	uint16_t mtftp_port;	     /* requests (server port) */
	uint16_t mtftp_client_port;  /* the group's port */
	uint32_t tftp_rrq_rate;	     /* read requests/s per source, per worker; 0: no cap */
	char tftp_root[RB_PATH_MAX]; /* loaded into the image cache at start */
	uint8_t ipv6_ra;	     /* 1: answer IPv6 router solicitations */
	uint8_t pad3[3];
};

/* dp -> ctl: ports are up. */
struct rb_dp_ready {
	uint8_t mac[6];
	uint16_t port_id;
	uint32_t nb_workers;
	uint32_t exc_port_present;
	char port_driver[32];
	char tap_name[RB_IFNAME_MAX]; /* the kernel interface that carries the address */
	uint64_t cache_files, cache_bytes, cache_skipped; /* TFTP image cache */
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
	/* TFTP image cache: the generation new transfers start on (1 at
	 * start, +1 per reload), its files and bytes, reloads that failed. */
	uint64_t cache_generation, cache_files, cache_bytes, cache_reload_failed;
	/* Generated files (GEN_FILES) served on top of the loaded tree: the
	 * set's files and bytes, sets published, sets refused (past
	 * RB_GEN_MAX_FILES or RB_GEN_MAX_BYTES, or out of memory). */
	uint64_t gen_files, gen_bytes, gen_published, gen_refused;
	/* Idle checks (tests/integration/test_loss.sh): unicast TFTP sessions
	 * open now (all workers), mbufs out of the pools (packet pool and the
	 * zero-copy pool, not counting per-lcore caches), the dataplane's
	 * resident memory (bytes, /proc/self/statm). */
	uint64_t tftp_sessions_active, mbufs_in_use, rss_bytes;
};

/* ---- DHCP ---- */

enum rb_dhcp_mode {
	RB_DHCP_OFF = 0,
	RB_DHCP_SERVER = 1, /* addresses, options and PXE boot information */
	RB_DHCP_PROXY = 2,  /* beside another server: PXE boot information only */
};

/* How a new client's address is chosen from the pool (dhcp.pool_order). */
enum rb_pool_order {
	RB_POOL_FIFO = 0,	 /* the least recently freed address */
	RB_POOL_CLIENT_HASH = 1, /* the first free one from a hash of the client's key */
};

/* Boot file slots, chosen by the client's architecture (option 93). */
enum rb_boot_slot {
	RB_BOOT_BIOS = 0,   /* arch 0: x86 BIOS */
	RB_BOOT_EFI_IA32,   /* arch 6 */
	RB_BOOT_EFI_X64,    /* arch 7 and 9 */
	RB_BOOT_EFI_ARM64,  /* arch 11 */
	RB_BOOT_HTTP_X64,   /* arch 16: UEFI HTTP boot, a URL */
	RB_BOOT_HTTP_ARM64, /* arch 19: UEFI HTTP boot, a URL */
	RB_BOOT_MAX
};

#define RB_DHCP_MAX_SUBNETS 16
#define RB_DHCP_OPTS_BLOB 384
#define RB_URL_MAX 256
#define RB_CLIENT_KEY_MAX 64
#define RB_HOSTNAME_MAX 64

struct rb_dhcp_subnet_msg {
	uint32_t net, mask;	   /* network byte order */
	uint32_t pool_lo, pool_hi; /* network byte order, inclusive; both 0: no pool */
	uint32_t lease_time;	   /* seconds */
	uint16_t opts_len;
	uint16_t pad;
	/* Pre-encoded options (code, len, value ...) the control built from the
	 * config: mask, routers, DNS, domain, broadcast. */
	uint8_t opts[RB_DHCP_OPTS_BLOB];
};

/* ctl -> dp: everything the DHCP fast path decides with. */
struct rb_dhcp_dp_config {
	uint8_t mode; /* enum rb_dhcp_mode */
	uint8_t nb_subnets;
	uint8_t pool_order; /* enum rb_pool_order */
	/* dhcp.database_down: renew. While lease batches are given up (the
	 * store unreachable), a held ACK whose client holds that address in
	 * the store goes out anyway, with the lease time the store already
	 * holds (dhcpd_renew_held()); 0: such ACKs are dropped like others. */
	uint8_t db_down_renew;
	/* dhcp.balance "K/N": answer the DISCOVERs of share K (1..N) of the
	 * clients, a client's share being the top byte of the FNV-1a hash of
	 * its key (rb_hash32: every server computes the same) modulo N. N 0
	 * or 1: every DISCOVER. Another share's client is answered once it
	 * has waited balance_takeover_s: its secs field says so, or this
	 * server ignored its DISCOVER that long ago (dhcpd_balance()). */
	uint8_t balance_n, balance_k;
	uint8_t balance_takeover_s; /* 1..60 */
	uint8_t pad0;
	uint32_t offer_time;		    /* seconds an offered address is held */
	uint32_t decline_time;		    /* seconds a declined address is quarantined */
	uint32_t rate_limit;		    /* requests per second per client, 0 = no limit */
	uint32_t next_server;		    /* siaddr and option 66, network byte order */
	uint32_t nb_resv;		    /* reservations sent in DHCP_RESV batches */
	char boot[RB_BOOT_MAX][RB_URL_MAX]; /* empty: no boot file for that arch */
	char ipxe_script[RB_URL_MAX];	    /* what iPXE gets instead of a ROM */
	/* Option 43 for PXE firmware, encoded (suboptions, END): discovery
	 * control, and the PXE MTFTP parameters when tftp.mtftp_group is set. */
	uint8_t pxe_vendor_len;
	uint8_t pxe_vendor[31];
	struct rb_dhcp_subnet_msg subnets[RB_DHCP_MAX_SUBNETS];
};

enum rb_resv_kind { RB_RESV_MAC = 1, RB_RESV_CLIENT_ID = 2 };

struct rb_dhcp_resv_msg {
	uint32_t ip; /* network byte order */
	uint8_t kind;
	uint8_t key_len;
	uint16_t pad;
	/* RB_RESV_MAC: the 6-byte MAC; RB_RESV_CLIENT_ID: option 61's bytes */
	uint8_t key[RB_CLIENT_KEY_MAX];
	char hostname[RB_HOSTNAME_MAX];
};

struct rb_resv_batch {
	uint32_t count;
	uint32_t pad;
	struct rb_dhcp_resv_msg resv[];
};

enum rb_lease_state {
	RB_LEASE_FREE = 0,
	RB_LEASE_OFFERED = 1, /* held for a client; never made durable */
	RB_LEASE_BOUND = 2,
	RB_LEASE_RELEASED = 3,
	RB_LEASE_DECLINED = 4, /* quarantined until `expires` */
	RB_LEASE_EXPIRED = 5,
};

/*
 * One address's lease as the durable store keeps it: the row for `ip` is
 * replaced by each newer record. The client key is option 61's value, or
 * htype followed by chaddr when the client sends none; ids longer than
 * RB_CLIENT_KEY_MAX keep their first 56 bytes and a 64-bit hash of the
 * whole (dhcp_client_key()).
 */
struct rb_lease_rec {
	/* LEASE_COMMIT: the order the lease table decided the changes in
	 * (dhcpd_handle() numbers them under the table's lock, from 1); the
	 * store applies them in this order. LEASE_LOAD: 0. */
	uint64_t seq;
	uint32_t ip;	  /* network byte order */
	uint32_t expires; /* unix time: lease end (bound), quarantine end (declined) */
	uint32_t updated; /* unix time of this change */
	uint8_t state;	  /* enum rb_lease_state */
	uint8_t htype;
	uint8_t hlen;
	uint8_t key_len;
	uint8_t chaddr[16];
	uint8_t key[RB_CLIENT_KEY_MAX];
	char hostname[RB_HOSTNAME_MAX]; /* option 12, sanitised, NUL-terminated */
};

struct rb_lease_batch {
	uint32_t batch; /* LEASE_COMMIT: the dataplane's batch number; LEASE_LOAD: 0 */
	uint32_t count;
	struct rb_lease_rec rec[];
};

#define RB_LEASE_BATCH_MAX                                                                         \
	((RB_CHAN_MAX_MSG - sizeof(struct rb_lease_batch)) / sizeof(struct rb_lease_rec))
#define RB_RESV_BATCH_MAX                                                                          \
	((RB_CHAN_MAX_MSG - sizeof(struct rb_resv_batch)) / sizeof(struct rb_dhcp_resv_msg))

/*
 * ctl -> dp: the outcome of one LEASE_COMMIT, then nb_lost records: the
 * claims of the batch that lost (a store shared with other servers, where
 * another server's client holds the address: control/leasedb.h). In each,
 * seq is the lost record's, the rest is the address's row as the store
 * holds it (the dataplane loads it: the address is taken). The others of
 * the batch are stored. A message of exactly sizeof(struct rb_lease_ack)
 * + nb_lost records; a whole batch lost still fits in RB_CHAN_MAX_MSG.
 */
struct rb_lease_ack {
	uint32_t batch;
	int32_t status;	  /* 0: on disk; -errno: not stored, ACKs must not go out */
	uint32_t nb_lost; /* 0 unless status is 0 */
	uint32_t pad;
	struct rb_lease_rec lost[];
};

_Static_assert(sizeof(struct rb_lease_ack) + RB_LEASE_BATCH_MAX * sizeof(struct rb_lease_rec) <=
		   RB_CHAN_MAX_MSG,
	       "a commit reply must have room for a whole batch lost");

/* ---- The boot namespace (TFTP_ROOTS) ---- */

/*
 * The roots TFTP (the image cache) and HTTP /boot/ serve, in order: each
 * name is served from the last root that has it (dataplane/image_cache.h).
 * The whole list travels in one TFTP_ROOTS message, so it is replaced at
 * once: at most RB_MAX_BOOT_ROOTS roots, and the encoded list must fit in
 * RB_CHAN_MAX_MSG (256 roots of ~250 bytes each; rb_roots_encode() says
 * -EMSGSIZE otherwise).
 */
#define RB_MAX_BOOT_ROOTS 256
#define RB_BOOT_NAME_MAX 255 /* a prefix: a name as TFTP serves it (IC_NAME_MAX) */

struct rb_boot_root {
	const char *prefix; /* "" = the top; a file root needs one */
	const char *path;   /* absolute: a directory, or a regular file served as prefix */
};

/*
 * TFTP_ROOTS payload: this header, then count records, each
 *   uint16_t prefix_len, uint16_t path_len   (host order, unaligned)
 *   prefix bytes, NUL, path bytes, NUL
 * with prefix_len <= RB_BOOT_NAME_MAX, 1 <= path_len < RB_PATH_MAX, no NUL
 * inside either, the path starting with '/', and nothing after the last.
 */
struct rb_roots_msg {
	uint32_t count;
	uint32_t pad;
};

/*
 * Encodes roots[0 .. n) as a TFTP_ROOTS payload into buf (cap bytes).
 * Returns its length, or -E2BIG (n > RB_MAX_BOOT_ROOTS), -EINVAL (a prefix
 * longer than RB_BOOT_NAME_MAX, a path empty, relative or too long),
 * -EMSGSIZE (past cap or RB_CHAN_MAX_MSG).
 */
int rb_roots_encode(void *buf, size_t cap, const struct rb_boot_root *roots, size_t n);

/*
 * Checks a TFTP_ROOTS payload of len bytes and, when out is not NULL,
 * points out[i] into it (cap entries; RB_MAX_BOOT_ROOTS always suffice).
 * Returns the number of roots, or -EBADMSG (anything the format above
 * does not allow, a count past RB_MAX_BOOT_ROOTS included), -ENOBUFS (cap).
 */
int rb_roots_decode(const void *payload, size_t len, struct rb_boot_root *out, size_t cap);

/* ---- Boot events (EVENTS) ---- */

/*
 * What the dataplane saw of a machine booting. Workers queue events on a
 * per-worker ring (a full ring drops the event and counts it); the main
 * lcore sends them in batches at most every RB_EVENT_FLUSH_MS. The control
 * stamps them with its own clock on receipt (batches are at most that old).
 */
enum rb_event_kind {
	RB_EV_DHCP_ACK = 1,	 /* ip bound to mac (an ACK went out); arch, flags */
	RB_EV_TFTP_START = 2,	 /* a read of name (size bytes) began: the first DATA went out */
	RB_EV_TFTP_PROGRESS = 3, /* bytes acknowledged so far (every RB_EVENT_PROGRESS_BYTES) */
	RB_EV_TFTP_DONE = 4,	 /* the last block was acknowledged: bytes == size */
	RB_EV_TFTP_FAIL = 5,	 /* the transfer ended unfinished: reason, bytes acked */
};

/* Why a transfer ended unfinished (RB_EV_TFTP_FAIL). */
enum rb_event_reason {
	RB_EVR_NONE = 0,
	RB_EVR_TIMEOUT = 1,	 /* the client stopped acknowledging: retries exhausted */
	RB_EVR_CLIENT_ERROR = 2, /* the client sent an ERROR (code in `code`); EDK2 aborts
				  * its tsize probe this way, which is no failure */
	RB_EVR_EXPIRED = 3,	 /* the session outlived its lifetime */
	RB_EVR_EVICTED = 4,	 /* the server dropped it (reload, shutdown, table full) */
};

#define RB_EVENT_NAME_MAX 96		   /* name bytes kept, NUL included (truncated) */
#define RB_EVENT_PROGRESS_BYTES (1u << 20) /* a PROGRESS per MiB acknowledged */
#define RB_EVENT_FLUSH_MS 100
#define RB_EV_F_IPXE 0x01  /* DHCP: the client is iPXE (option 175 / user class) */
#define RB_EV_F_MCAST 0x02 /* TFTP: a multicast (RFC 2090 / MTFTP) transfer */

struct rb_event {
	uint8_t kind;	/* enum rb_event_kind */
	uint8_t reason; /* enum rb_event_reason */
	uint8_t flags;	/* RB_EV_F_* */
	uint8_t pad;
	uint16_t arch;	/* DHCP option 93, 0xffff: none */
	uint16_t code;	/* TFTP: the client's ERROR code */
	uint8_t mac[6]; /* DHCP: chaddr; TFTP: the client's Ethernet source */
	uint16_t port;	/* TFTP: the client's UDP port (host order) */
	uint32_t ip;	/* network order: DHCP the bound address, TFTP the client */
	uint32_t pad2;
	uint64_t size;		      /* TFTP: the file's size */
	uint64_t bytes;		      /* TFTP: bytes acknowledged */
	char name[RB_EVENT_NAME_MAX]; /* TFTP: the file as requested, NUL-terminated */
};

struct rb_event_batch {
	uint32_t count;
	uint32_t dropped; /* events lost to full rings since the previous batch */
	struct rb_event ev[];
};

#define RB_EVENT_BATCH_MAX                                                                         \
	((RB_CHAN_MAX_MSG - sizeof(struct rb_event_batch)) / sizeof(struct rb_event))

/* ---- Generated files (GEN_FILES, GEN_PUBLISH) ---- */

/*
 * The control's generated boot configs (pxelinux.cfg files, grub.cfg files, iPXE
 * scripts) travel as contents, not paths: the dataplane keeps the last
 * published set and serves it on top of every generation it loads (a name
 * in the set shadows the roots'), so changing one host's config costs a
 * small index copy, never a reload of the images.
 *
 * GEN_FILES payload: this header, then count records, each
 *   uint16_t name_len, uint32_t data_len   (host order, unaligned)
 *   name bytes, NUL, data bytes
 * with 1 <= name_len <= RB_BOOT_NAME_MAX and no NUL in the name. A batch
 * with RB_GEN_F_FIRST starts a new set (files sent before it and not
 * published are dropped); GEN_PUBLISH (no payload) replaces the served set
 * with the files sent since the last RB_GEN_F_FIRST (none: an empty set,
 * the loaded tree alone). One file must fit in one message: data_len <=
 * RB_GEN_FILE_MAX. A set holds at most RB_GEN_MAX_FILES files and
 * RB_GEN_MAX_BYTES data bytes; the dataplane refuses the publish of a
 * larger one and keeps serving the previous set. A name sent twice in a
 * set: the later file wins.
 */
#define RB_GEN_F_FIRST 0x1
#define RB_GEN_FILE_MAX 60000
#define RB_GEN_MAX_FILES 65536	     /* files in one set */
#define RB_GEN_MAX_BYTES (64u << 20) /* data bytes in one set */

struct rb_gen_files_msg {
	uint32_t count;
	uint32_t flags;
};

/* One generated file as GEN_FILES carries it. */
struct rb_gen_file {
	const char *name; /* NUL-terminated */
	const void *data;
	uint32_t len;
};

/*
 * Appends one file to the GEN_FILES payload being built in buf (cap bytes,
 * capped at RB_CHAN_MAX_MSG) and counts it in the header at buf[0]. Start
 * with *off = 0: the header is written (count 0, flags) then. 0, or
 * -EMSGSIZE when it does not fit (send what is there and start another),
 * -EINVAL (a name empty, too long or holding a NUL; data_len past
 * RB_GEN_FILE_MAX).
 */
int rb_gen_files_add(void *buf, size_t cap, size_t *off, uint32_t flags, const char *name,
		     const void *data, size_t len);

/*
 * Checks a GEN_FILES payload of len bytes and, when out is not NULL, points
 * out[i] into it (cap entries). Returns the number of files with *flags
 * set, or -EBADMSG (anything the format above does not allow), -ENOBUFS.
 */
int rb_gen_files_decode(const void *payload, size_t len, uint32_t *flags, struct rb_gen_file *out,
			size_t cap);

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

/* Expected payload size for a message type, or -ENOENT when it has none fixed. */
long rb_msg_payload_size(enum rb_msg_type type);

#endif
