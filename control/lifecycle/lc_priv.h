/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lc_priv.h: the engine's insides, shared by its files and nobody else:
 * lifecycle.c (tracking, transitions, marking, time, flush), events.c
 * (the event ring and queue), classify.c (file roles), input.c (boot events, HTTP, callbacks),
 * select.c (selectors) and report.c (JSON and metrics). The lock guards everything below it in
 * struct lifecycle; functions named lci_* expect it held.
 */
#ifndef RB_LIFECYCLE_LC_PRIV_H
#define RB_LIFECYCLE_LC_PRIV_H

#include <pthread.h>
#include <stdarg.h>

#include "lcstore.h"
#include "lifecycle.h"

/* Histogram buckets of rackboot_phase_seconds, in seconds; one more for +Inf. */
#define LC_NBUCKETS 10
extern const unsigned lc_bucket_s[LC_NBUCKETS];

/* Events waiting for the database beyond this are dropped (and counted):
 * lc_flush is not being called, and memory must not grow without end. */
#define LC_PEND_MAX (1u << 20)

/* Progress is summed in one-second slots; the rate looks at the last ~5 s. */
#define LC_RATE_SLOTS 8
#define LC_RATE_WINDOW_S 5

/* Profiles whose boot file sizes are remembered for the ETA (the oldest
 * learned is replaced past it). */
#define LC_LEARN_MAX 64

/* What a host has fetched of the current phase's files. */
struct lc_progress {
	bool on; /* something to show */
	char file[RB_EVENT_NAME_MAX];
	uint64_t bytes, size;
	bool size_known;
	/* The initrd phase sums the profile's initrds: one slot each. */
	uint64_t part_bytes[INV_MAX_INITRD], part_size[INV_MAX_INITRD];
	uint32_t part_sized; /* bit i: part_size[i] is known */
};

struct lc_host {
	uint8_t mac[6];
	char name[LC_HOST_NAME_MAX];
	uint32_t ip;			/* configured address (network order), 0: none */
	uint32_t lease_ip;		/* what its last DHCP ACK bound, 0: none */
	const struct inv_host *ih;	/* in the current inventory */
	const struct inv_profile *prof; /* resolved profile, NULL: none */
	bool installs;			/* prof boots and installs */
	enum lc_state state;
	enum lc_phase phase;
	uint64_t since_ms;	      /* entered state */
	uint64_t phase_since_ms;      /* entered phase */
	char token[LC_TOKEN_LEN + 1]; /* "": none valid */
	char reason[LC_REASON_MAX];
	struct lc_progress prog;
	bool dirty; /* its row differs from the database's */
};

/* Open addressing, linear probing: address -> host index. */
struct lc_iphash {
	uint32_t *ip;  /* 0: empty slot */
	uint32_t *idx; /* host index; high bit: a configured address */
	size_t cap, used;
};

#define LC_IP_CONFIGURED 0x80000000u

struct lifecycle {
	pthread_mutex_t flush_lock; /* one flush at a time (and a host report's read of the store);
				       taken before lock */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* broadcast on every new event and on lc_stop */
	struct lc_config cfg;
	struct lcstore *store;

	const struct inventory *inv;
	struct lc_host *hosts; /* inventory order: hosts[i] is inv->hosts[i] */
	size_t n_hosts;
	uint32_t *by_mac; /* host indexes sorted by MAC */
	struct lc_iphash ips;
	uint64_t install_gen;
	uint64_t now_ms; /* the newest clock value seen */
	bool stopped;

	/* Events: ids are contiguous, so event id lives at ring[id % ring_cap]. */
	uint64_t first_id; /* the first id this process made */
	uint64_t next_id;
	struct lc_event *ring;
	size_t ring_cap;
	/* Waiting for the database: new events, and rows of hosts that left
	 * the inventory with changes not yet written. */
	struct lc_event *pend;
	size_t n_pend, cap_pend;
	struct lcs_host *orphans;
	size_t n_orphans, cap_orphans;
	uint64_t events_unsaved; /* dropped: pend was full */

	struct {
		uint64_t sec, bytes;
	} rate[LC_RATE_SLOTS];

	/* Sizes of each profile's kernel and initrds (summed) as hosts fetched
	 * them: the ETA's estimate for hosts that have not yet. Kept across
	 * reloads by profile name; the newest size seen wins. */
	struct lc_learned {
		char profile[INV_NAME_MAX + 1];
		uint64_t kernel, initrd;
	} learned[LC_LEARN_MAX];
	unsigned n_learned;

	uint64_t hist[LC_NPHASES][LC_NBUCKETS + 1]; /* per bucket, not cumulative */
	uint64_t hist_sum_ms[LC_NPHASES];
	uint64_t failures[LC_NFAILS];
	uint64_t refused;
};

/* The sizes learned for profile name, or NULL. */
const struct lc_learned *lci_learned(const struct lifecycle *lc, const char *name);
/* Learn a profile's kernel (initrd false) or initrds' total size. */
void lci_learn(struct lifecycle *lc, const char *name, bool initrd, uint64_t size);

/* The host of mac, or NULL. */
struct lc_host *lci_by_mac(struct lifecycle *lc, const uint8_t mac[6]);
/* The host using ip: its configured address first, else its lease. */
struct lc_host *lci_by_ip(struct lifecycle *lc, uint32_t ip);
/* Remember h's lease address. */
void lci_set_lease(struct lifecycle *lc, struct lc_host *h, uint32_t ip);
/* Does h boot its installer now? */
bool lci_boots_install(const struct lc_host *h);
/* Note the clock. */
void lci_clock(struct lifecycle *lc, uint64_t now_ms);

/*
 * Record an event of kind for h (NULL: no host); from/to -1 unless it is a
 * state event. The detail is printf-formatted.
 */
void lci_emit(struct lifecycle *lc, const struct lc_host *h, enum lc_ev_kind kind, int from, int to,
	      uint64_t now_ms, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/*
 * Move h to state `to`, phase ph (a state event with detail, even when
 * neither changes). Ends the current phase in the histogram, restarts
 * `since` when the state changes, marks h dirty, bumps the install
 * generation when lci_boots_install(h) flips.
 */
void lci_move(struct lifecycle *lc, struct lc_host *h, enum lc_state to, enum lc_phase ph,
	      uint64_t now_ms, const char *detail);

/* h fails with reason (counted by its class; the token stays). */
void lci_fail(struct lifecycle *lc, struct lc_host *h, const char *reason, uint64_t now_ms);

/* delta progress bytes moved now (the summary's rate). */
void lci_add_bytes(struct lifecycle *lc, uint64_t now_ms, uint64_t delta);

/* The role of name and, for an initrd, which entry (lc_classify). */
enum lc_file_role lci_classify(const struct inv_profile *p, const char *name, unsigned *initrd);

#endif
