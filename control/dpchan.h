/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpchan.h: the control's end of the channel, and the dataplane's lifetime.
 *
 * The control starts the dataplane as a child, hands it one end of a
 * SOCK_SEQPACKET socketpair, and from then on every exchange goes through
 * here. Requests are serialised by a mutex (the main loop and HTTP threads
 * both ask for stats); a reply whose seq does not match (one that arrived
 * after its asker timed out) is discarded. Boot events (EVENTS batches)
 * go to the consumer set with dpchan_set_events(); nothing answers them.
 *
 * Errors, as everywhere in control/: 0 (or a count) or -errno; pointer
 * functions return NULL and set errno. Set-up functions that can say why
 * fill the caller's message buffer and print nothing (only main.c prints);
 * failures with no caller to return to (background threads) are logged
 * through util/log.h.
 */
#ifndef RB_CONTROL_DPCHAN_H
#define RB_CONTROL_DPCHAN_H

#include <stdbool.h>
#include <sys/types.h>

#include "channel.h"

struct dpchan;

/* Sends the start-up messages after DP_CONFIG (DHCP config, reservations,
 * leases) with dpchan_send(); 0 or -errno. */
typedef int (*dpchan_setup_fn)(struct dpchan *c, void *arg);
/*
 * Makes a lease batch durable; 0 or -errno. Runs on the channel thread.
 * The claims that lost to another server (0 or -errno alike) go into
 * lost[0 .. *nb_lost) (room for b->count), as struct rb_lease_ack says.
 */
typedef int (*dpchan_commit_fn)(const struct rb_lease_batch *b, void *arg,
				struct rb_lease_rec *lost, uint32_t *nb_lost);

/*
 * Start `exe` with the EAL arguments in eal_argv (NULL-terminated), then
 * send it cfg, run setup, send CONFIG_DONE and wait for DP_READY up to
 * timeout_ms. Then a channel thread serves the dataplane's LEASE_COMMIT
 * batches through on_commit. Returns the channel, or NULL with errno set
 * and a reason in msg (the dataplane's own DP_ERROR message when it sent
 * one). On failure the child has been reaped.
 */
struct dpchan *dpchan_start(const char *exe, char *const eal_argv[], const struct rb_dp_config *cfg,
			    dpchan_setup_fn setup, void *setup_arg, dpchan_commit_fn on_commit,
			    void *commit_arg, int timeout_ms, struct rb_dp_ready *ready, char *msg,
			    size_t cap);

/* Send one message: from setup, or later from any thread (one datagram
 * each, sent whole; a sequence of them is the caller's to serialise, as
 * boot_publish_gen() does). 0 or -errno. */
int dpchan_send(struct dpchan *c, enum rb_msg_type type, const void *payload, size_t len);

/* Fetch the dataplane's counters; 0 or -errno (-ETIMEDOUT, -EPIPE). */
int dpchan_stats(struct dpchan *c, struct rb_stats *out, int timeout_ms);

/*
 * Receives boot events: n events of one EVENTS message, and the events the
 * dataplane dropped since its previous batch. Runs on the channel thread,
 * so it must be quick (lease commits wait behind it) and must not call
 * dpchan_set_events(). Each ev[i].name is NUL-terminated.
 */
typedef void (*dpchan_events_fn)(const struct rb_event *ev, size_t n, uint32_t dropped, void *arg);

/*
 * Sets (fn, arg), or with fn NULL unsets, the consumer of boot events;
 * the channel thread calls it once per EVENTS message. Events that arrive
 * while none is set are discarded and counted (dpchan_events_discarded).
 * Returns once a call to the previous consumer under way has finished,
 * so its arg may be freed after unsetting it. Any thread.
 */
void dpchan_set_events(struct dpchan *c, dpchan_events_fn fn, void *arg);

/* Events discarded so far because no consumer was set. */
uint64_t dpchan_events_discarded(struct dpchan *c);

/* True while the dataplane process is alive (reaps it when it is not). */
bool dpchan_alive(struct dpchan *c, int *status);

pid_t dpchan_pid(const struct dpchan *c);

/* Ask the dataplane to stop, wait up to timeout_ms, then SIGKILL; free. */
void dpchan_stop(struct dpchan *c, int timeout_ms);

#endif
