/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tftp_server.c: TFTP read transfers, pure C. See tftp_server.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "tftp_mcast.h"

/* Keyed (util/hash.h): the client picks its address and port, and must
 * not be able to put every session in one chain. */
static uint32_t
tid_hash(uint32_t ip, uint16_t port, uint16_t local)
{
	uint8_t k[8];

	memcpy(k, &ip, 4);
	memcpy(k + 4, &port, 2);
	memcpy(k + 6, &local, 2);
	return rb_hash32_keyed(k, sizeof(k));
}

/* The source chain's bucket: every session of one client address. */
static uint32_t
src_hash(uint32_t ip)
{
	return rb_hash32_keyed(&ip, sizeof(ip));
}

/* A TFTP timeout option (seconds) in microseconds. */
static inline uint32_t
secs_us(uint8_t secs)
{
	return (uint32_t)secs * 1000000u;
}

int
tftpd_init(struct tftp_server *t, const struct tftpd_cfg *cfg)
{
	uint32_t i, nb = 64;

	memset(t, 0, sizeof(*t));
	t->cfg = *cfg;
	if (!cfg->max_sessions || tftp_ports_init(&t->ports, cfg->port_lo, cfg->port_hi,
						  cfg->port_offset, cfg->port_stride) < 0)
		return -EINVAL;
	while (nb < cfg->max_sessions * 2)
		nb <<= 1;
	t->s = calloc(cfg->max_sessions, sizeof(*t->s));
	t->hash = malloc(nb * sizeof(*t->hash));
	t->chash = malloc(nb * sizeof(*t->chash));
	t->names = calloc(cfg->max_sessions, sizeof(*t->names));
	if (!t->s || !t->hash || !t->chash || !t->names) {
		tftpd_fini(t);
		return -ENOMEM;
	}
	t->hmask = nb - 1;
	for (i = 0; i < nb; i++)
		t->hash[i] = t->chash[i] = TFTPD_NONE;
	for (i = 0; i < cfg->max_sessions; i++) {
		t->s[i].hnext = i + 1 < cfg->max_sessions ? i + 1 : TFTPD_NONE;
		t->s[i].slot = TFTPD_NONE;
	}
	t->free_head = 0;
	t->uhead = t->utail = TFTPD_NONE;
	if (rb_rate_init(&t->rrq_rate, cfg->max_sessions) < 0 ||
	    rb_rate_init(&t->err_rate, cfg->max_sessions) < 0) {
		tftpd_fini(t);
		return -ENOMEM;
	}
	for (i = 0; i < TFTPD_WHEEL_SLOTS; i++)
		t->wheel[i] = TFTPD_NONE;
	if (mc_init(t) < 0) {
		tftpd_fini(t);
		return -ENOMEM;
	}
	return 0;
}

/* ---- boot events ---------------------------------------------------------- */

/* Bytes of s's file the client has acknowledged. */
static uint64_t
sess_bytes(const struct tftp_sess *s)
{
	uint64_t b = s->acked * s->blksize;

	return b < s->file->size ? b : s->file->size;
}

/* Queues a boot event (RB_EV_TFTP_*) about session i, when events are on. */
static void
sess_event(struct tftp_server *t, uint32_t i, uint8_t kind, uint8_t reason, uint16_t code,
	   uint64_t *cnt)
{
	const struct tftp_sess *s = &t->s[i];
	struct rb_event e;

	if (!t->events || !s->file)
		return;
	evq_tftp_event(&e, kind, s->client_ip, s->client_port, s->client_mac, t->names[i],
		       s->file->size, sess_bytes(s));
	e.reason = reason;
	e.code = code;
	evq_push(t->events, &e, cnt);
}

void
tftpd_fini(struct tftp_server *t)
{
	uint32_t i;

	for (i = 0; t->s && i < t->cfg.max_sessions; i++) {
		if (t->s[i].state == TS_FREE)
			continue;
		/* No counters here: the events are not counted. */
		sess_event(t, i, RB_EV_TFTP_FAIL, RB_EVR_EVICTED, 0, NULL);
		if (t->s[i].gen)
			ic_put(t->s[i].gen);
	}
	mc_fini(t);
	free(t->s);
	free(t->hash);
	free(t->chash);
	free(t->names);
	rb_rate_free(&t->rrq_rate);
	rb_rate_free(&t->err_rate);
	t->s = NULL;
	t->hash = NULL;
	t->chash = NULL;
	t->names = NULL;
}

/* ---- timer wheel: 1 ms slots, a session is in at most one ---------------- */

static void
timer_stop(struct tftp_server *t, uint32_t i)
{
	struct tftp_sess *s = &t->s[i];

	if (s->slot == TFTPD_NONE)
		return;
	if (s->tprev != TFTPD_NONE)
		t->s[s->tprev].tnext = s->tnext;
	else
		t->wheel[s->slot] = s->tnext;
	if (s->tnext != TFTPD_NONE)
		t->s[s->tnext].tprev = s->tprev;
	s->slot = TFTPD_NONE;
}

static void
timer_arm(struct tftp_server *t, uint32_t i, uint64_t now_us)
{
	struct tftp_sess *s = &t->s[i];
	uint64_t ms;

	timer_stop(t, i);
	if (!t->wheel_now_ms)
		t->wheel_now_ms = now_us / 1000; /* no tick yet: the wheel starts here */
	s->deadline_us =
	    now_us + (s->state == TS_OACK && t->cfg.oack_wait_us > s->rto_us ? t->cfg.oack_wait_us
									     : s->rto_us);
	ms = (s->deadline_us + 999) / 1000;
	if (ms <= t->wheel_now_ms)
		ms = t->wheel_now_ms + 1;
	s->slot = (uint32_t)(ms % TFTPD_WHEEL_SLOTS);
	s->tprev = TFTPD_NONE;
	s->tnext = t->wheel[s->slot];
	if (s->tnext != TFTPD_NONE)
		t->s[s->tnext].tprev = i;
	t->wheel[s->slot] = i;
}

/* ---- sessions ------------------------------------------------------------ */

static uint32_t
sess_find(const struct tftp_server *t, uint32_t ip, uint16_t port, uint16_t local)
{
	uint32_t i = t->hash[tid_hash(ip, port, local) & t->hmask];

	for (; i != TFTPD_NONE; i = t->s[i].hnext)
		if (t->s[i].client_ip == ip && t->s[i].client_port == port &&
		    t->s[i].local_port == local)
			return i;
	return TFTPD_NONE;
}

/* The newest session of a client ip:port, or TFTPD_NONE. */
static uint32_t
sess_of_client(const struct tftp_server *t, uint32_t ip, uint16_t port)
{
	uint32_t i = t->chash[src_hash(ip) & t->hmask];

	for (; i != TFTPD_NONE; i = t->s[i].cnext)
		if (t->s[i].client_ip == ip && t->s[i].client_port == port)
			return i;
	return TFTPD_NONE;
}

/* ---- unproven sessions: oldest first ------------------------------------ */

static void
unproven_add(struct tftp_server *t, uint32_t i)
{
	struct tftp_sess *s = &t->s[i];

	s->unext = TFTPD_NONE;
	s->uprev = t->utail;
	if (t->utail != TFTPD_NONE)
		t->s[t->utail].unext = i;
	else
		t->uhead = i;
	t->utail = i;
}

static void
unproven_del(struct tftp_server *t, uint32_t i)
{
	struct tftp_sess *s = &t->s[i];

	if (s->uprev != TFTPD_NONE)
		t->s[s->uprev].unext = s->unext;
	else
		t->uhead = s->unext;
	if (s->unext != TFTPD_NONE)
		t->s[s->unext].uprev = s->uprev;
	else
		t->utail = s->uprev;
}

static void
sess_end(struct tftp_server *t, uint32_t i, uint64_t *cnt)
{
	struct tftp_sess *s = &t->s[i];
	uint32_t *p = &t->hash[tid_hash(s->client_ip, s->client_port, s->local_port) & t->hmask];

	timer_stop(t, i);
	if (!s->proven)
		unproven_del(t, i);
	while (*p != TFTPD_NONE && *p != i)
		p = &t->s[*p].hnext;
	if (*p == i)
		*p = s->hnext;
	p = &t->chash[src_hash(s->client_ip) & t->hmask];
	while (*p != TFTPD_NONE && *p != i)
		p = &t->s[*p].cnext;
	if (*p == i)
		*p = s->cnext;
	if (s->gen)
		ic_put(s->gen);
	s->gen = NULL;
	s->file = NULL;
	s->state = TS_FREE;
	s->hnext = t->free_head;
	t->free_head = i;
	t->active--;
	cnt[RB_CNT_tftp_sessions_ended]++;
}

/* An unproven session makes room for a newer request: no ERROR (nothing
 * says its source is listening). */
static void
sess_evict(struct tftp_server *t, uint32_t i, uint64_t *cnt, uint64_t *drops)
{
	drops[RB_DROP_tftp_unproven_evicted]++;
	sess_event(t, i, RB_EV_TFTP_FAIL, RB_EVR_EVICTED, 0, cnt);
	sess_end(t, i, cnt);
}

/*
 * Room for one more session of client ip: under the source's cap (making
 * room by ending its oldest unproven session if it has to) and in the
 * table (ending the oldest unproven session of anyone if it is full).
 * False, with the refusal counted, when only proven sessions stand in
 * the way.
 */
static bool
sess_room(struct tftp_server *t, uint32_t ip, uint64_t *cnt, uint64_t *drops)
{
	uint32_t i, n = 0, oldest = TFTPD_NONE;

	if (t->cfg.max_per_source) {
		/* Newest first: the last unproven one met is the oldest. */
		for (i = t->chash[src_hash(ip) & t->hmask]; i != TFTPD_NONE; i = t->s[i].cnext)
			if (t->s[i].client_ip == ip) {
				n++;
				if (!t->s[i].proven)
					oldest = i;
			}
		if (n >= t->cfg.max_per_source) {
			if (oldest == TFTPD_NONE) {
				drops[RB_DROP_tftp_source_full]++;
				return false;
			}
			sess_evict(t, oldest, cnt, drops);
		}
	}
	if (t->free_head == TFTPD_NONE) {
		if (t->uhead == TFTPD_NONE) {
			drops[RB_DROP_tftp_sessions_full]++;
			return false;
		}
		sess_evict(t, t->uhead, cnt, drops);
	}
	return true;
}

/* A new, unproven session of ip:port on a random port of ours, or
 * TFTPD_NONE (counted) when there is no room for it. */
static uint32_t
sess_new(struct tftp_server *t, uint32_t ip, uint16_t port, uint64_t *cnt, uint64_t *drops)
{
	uint32_t i, *b;
	struct tftp_sess *s;
	uint16_t local;
	unsigned tries;

	if (!sess_room(t, ip, cnt, drops))
		return TFTPD_NONE;
	/* Our TID: a port not already used with this client. */
	for (tries = 0; tries < 64; tries++) {
		local = tftp_ports_take(&t->ports);
		if (sess_find(t, ip, port, local) == TFTPD_NONE)
			break;
	}
	if (tries == 64) {
		drops[RB_DROP_tftp_sessions_full]++;
		return TFTPD_NONE; /* every port tried is this client's already */
	}
	i = t->free_head;
	s = &t->s[i];
	t->free_head = s->hnext;
	memset(s, 0, sizeof(*s));
	s->client_ip = ip;
	s->client_port = port;
	s->local_port = local;
	s->slot = TFTPD_NONE;
	b = &t->hash[tid_hash(ip, port, local) & t->hmask];
	s->hnext = *b;
	*b = i;
	b = &t->chash[src_hash(ip) & t->hmask];
	s->cnext = *b;
	*b = i;
	unproven_add(t, i);
	t->active++;
	return i;
}

/* The client acknowledged from its session's port: its address is real. */
static void
sess_prove(struct tftp_server *t, uint32_t i)
{
	struct tftp_sess *s = &t->s[i];

	if (s->proven)
		return;
	unproven_del(t, i);
	s->proven = 1;
}

/*
 * The window starting after the last acknowledged block; one block only
 * while the session is unproven. `probe` (a second timeout without
 * progress) adds the block after the window: when the client has the
 * whole window but its ACK was lost, some clients (atftp) ignore a window
 * they already hold without acknowledging again, and only a block past it
 * makes them speak.
 */
static void
send_window(struct tftp_server *t, uint32_t i, uint64_t now_us, struct tftpd_action *a,
	    uint64_t *cnt, bool probe)
{
	struct tftp_sess *s = &t->s[i];
	uint64_t first = s->acked + 1, last = s->acked + s->window + (probe ? 1u : 0u);
	bool started = s->sent != 0;

	if (!s->proven)
		last = first;
	if (last > s->nblocks)
		last = s->nblocks;
	a->sess = i;
	tftpd_act_data(a, s->file, s->gen, s->blksize, first, last, &s->sent, cnt);
	s->sent_us = now_us;
	timer_arm(t, i, now_us);
	if (!started)
		sess_event(t, i, RB_EV_TFTP_START, RB_EVR_NONE, 0, cnt);
}

/* Put the session's OACK in a again. */
static void
send_oack(struct tftp_server *t, uint32_t i, uint64_t now_us, struct tftpd_action *a)
{
	struct tftp_sess *s = &t->s[i];
	int n = tftp_build_oack(a->ctl, sizeof(a->ctl), &s->oack);

	a->ctl_len = n > 0 ? (uint16_t)n : 0;
	a->sess = i;
	s->sent_us = now_us;
	timer_arm(t, i, now_us);
}

void
tftpd_rrq(struct tftp_server *t, const struct tftp_req *rq, uint32_t ip, uint16_t port,
	  const uint8_t *mac, uint64_t now_us, struct tftpd_action *a, uint64_t *cnt,
	  uint64_t *drops)
{
	struct tftp_opts acc = {0};
	const struct ic_file *f;
	struct tftp_sess *s;
	uint32_t i;
	int n;

	tftpd_act_init(a, ip, port, mac, 0);
	cnt[RB_CNT_tftp_rrq]++;
	if (!rb_rate_ok(&t->rrq_rate, &ip, sizeof(ip), (uint32_t)(now_us / 1000000),
			t->cfg.rrq_rate)) {
		drops[RB_DROP_tftp_rrq_rate_limited]++;
		return;
	}
	a->local_port = tftp_ports_take(&t->ports); /* an ERROR's source */
	f = tftpd_req_file(t->cache, rq, a, cnt, drops);
	if (!f)
		return;
	if ((rq->opts.mask & TFTP_OPT_MULTICAST) &&
	    mc_rrq(t, rq, f, ip, port, mac, now_us, a, cnt, drops))
		return;
	i = sess_of_client(t, ip, port);
	if (i != TFTPD_NONE && t->s[i].file == f && t->s[i].acked == 0) {
		/* The same request again before anything was acknowledged:
		 * our OACK or first block was lost, and the client retried
		 * before our timer fired. Answer from the same session (a
		 * second one would talk to the client from a second port),
		 * out of the same resend budget while it is unproven: a
		 * repeated request never gets more than the first one. */
		s = &t->s[i];
		a->local_port = s->local_port;
		cnt[RB_CNT_tftp_rrq_repeats]++;
		if (!s->proven) {
			if (s->retries >= TFTPD_UNPROVEN_RESENDS) {
				drops[RB_DROP_tftp_unproven_resends]++;
				return;
			}
			s->retries++;
		}
		if (s->state == TS_OACK)
			send_oack(t, i, now_us, a);
		else
			send_window(t, i, now_us, a, cnt, false);
		return;
	}
	if (i != TFTPD_NONE) {
		/* A new request replaces a transfer under way. */
		sess_event(t, i, RB_EV_TFTP_FAIL, RB_EVR_EVICTED, 0, cnt);
		sess_end(t, i, cnt);
	}
	i = sess_new(t, ip, port, cnt, drops);
	if (i == TFTPD_NONE)
		return tftpd_act_error(a, TFTP_EC_UNDEF, "server busy, try again", cnt);
	s = &t->s[i];
	a->local_port = s->local_port;
	memcpy(s->client_mac, mac, 6);
	evq_name_copy(t->names[i], rq->filename);
	s->file = f;
	s->gen = ic_get(t->cache);
	s->blksize = TFTP_DEFAULT_BLKSIZE;
	s->window = 1;
	s->rto_us = t->cfg.rto_init_us;
	s->progress_us = now_us;
	cnt[RB_CNT_tftp_sessions_started]++;

	/* Options (RFC 2347): acknowledge what we take, as we take it. */
	if (rq->opts.mask & TFTP_OPT_BLKSIZE) {
		s->blksize = tftp_clamp_blksize(rq->opts.blksize, t->cfg.mtu);
		acc.blksize = s->blksize;
		acc.mask |= TFTP_OPT_BLKSIZE;
	}
	if (rq->opts.mask & TFTP_OPT_TSIZE) {
		acc.tsize = f->size;
		acc.mask |= TFTP_OPT_TSIZE;
	}
	if (rq->opts.mask & TFTP_OPT_TIMEOUT) {
		/* The client's retransmission time; ours stays adaptive but
		 * never waits longer than it, so a lost window is resent
		 * before the client gives up on us. */
		acc.timeout = rq->opts.timeout;
		acc.mask |= TFTP_OPT_TIMEOUT;
		if (secs_us(rq->opts.timeout) < s->rto_us)
			s->rto_us = secs_us(rq->opts.timeout);
	}
	if (rq->opts.mask & TFTP_OPT_WINDOWSIZE) {
		s->window = rq->opts.windowsize < t->cfg.max_window ? rq->opts.windowsize
								    : t->cfg.max_window;
		acc.windowsize = s->window;
		acc.mask |= TFTP_OPT_WINDOWSIZE;
	}
	s->nblocks = f->size / s->blksize + 1;
	if (acc.mask) {
		s->oack = acc;
		n = tftp_build_oack(a->ctl, sizeof(a->ctl), &acc);
		if (n > 0) {
			a->ctl_len = (uint16_t)n;
			a->sess = i;
			s->state = TS_OACK;
			s->sent_us = now_us;
			cnt[RB_CNT_tftp_oack]++;
			timer_arm(t, i, now_us);
			return;
		}
	}
	s->state = TS_DATA;
	send_window(t, i, now_us, a, cnt, false);
}

/* The longest rto: rto_max, or the client's timeout option when shorter. */
static uint32_t
rto_cap(const struct tftp_server *t, const struct tftp_sess *s)
{
	uint32_t cap = t->cfg.rto_max_us;

	if ((s->oack.mask & TFTP_OPT_TIMEOUT) && secs_us(s->oack.timeout) < cap)
		cap = secs_us(s->oack.timeout);
	return cap;
}

/* Fold the round trip of the ACK just in into the session's timeout. */
static void
rtt_sample(struct tftp_server *t, struct tftp_sess *s, uint64_t now_us)
{
	s->rto_us = tftp_rtt_sample(&s->srtt_us, (uint32_t)(now_us - s->sent_us), t->cfg.rto_min_us,
				    rto_cap(t, s));
}

void
tftpd_input(struct tftp_server *t, const uint8_t *buf, size_t len, uint32_t ip, uint16_t port,
	    uint16_t local_port, uint64_t now_us, struct tftpd_action *a, uint64_t *cnt,
	    uint64_t *drops)
{
	struct tftp_pkt p;
	struct tftp_sess *s;
	uint64_t n, before;
	uint32_t i;

	tftpd_act_init(a, ip, port, (const uint8_t[6]){0}, local_port);
	i = sess_find(t, ip, port, local_port);
	if (tftp_parse(buf, len, &p) != TFTP_OK) {
		drops[RB_DROP_tftp_malformed]++;
		return;
	}
	if (i == TFTPD_NONE && mc_input(t, &p, ip, port, local_port, now_us, a, cnt, drops))
		return;
	if (i == TFTPD_NONE) {
		/* RFC 1350: a packet from an unknown TID gets error 5 and
		 * disturbs nothing; never answer an ERROR with an ERROR, and
		 * never more than a few a second to one source. */
		drops[RB_DROP_tftp_unknown_tid]++;
		if (p.opcode != TFTP_ERROR &&
		    rb_rate_ok(&t->err_rate, &ip, sizeof(ip), (uint32_t)(now_us / 1000000),
			       TFTPD_TID_ERRORS_PER_S))
			tftpd_act_error(a, TFTP_EC_UNKNOWN_TID, "unknown transfer ID", cnt);
		return;
	}
	s = &t->s[i];
	memcpy(a->dst_mac, s->client_mac, 6);
	if (p.opcode == TFTP_ERROR) {
		/* Also EDK2's tsize probe: RRQ, OACK, then ERROR 8 and a new
		 * RRQ for the file itself. */
		drops[RB_DROP_tftp_client_error]++;
		sess_event(t, i, RB_EV_TFTP_FAIL, RB_EVR_CLIENT_ERROR, p.code, cnt);
		sess_end(t, i, cnt);
		return;
	}
	if (p.opcode != TFTP_ACK) {
		drops[RB_DROP_tftp_malformed]++;
		return;
	}
	if (s->state == TS_OACK) {
		if (p.block != 0) {
			drops[RB_DROP_tftp_stale_ack]++;
			return;
		}
		if (!s->retries) /* Karn: a resent OACK's round trip is ambiguous */
			rtt_sample(t, s, now_us);
		sess_prove(t, i);
		s->state = TS_DATA;
		s->retries = 0;
		s->progress_us = now_us;
		send_window(t, i, now_us, a, cnt, false);
		return;
	}
	n = tftp_block_unwrap(p.block, s->acked);
	if (n <= s->acked || n > s->sent) {
		/* Duplicate, old, or never sent: a timer, not an ACK, decides
		 * when to send again (RFC 1123 4.2.3.1). */
		drops[RB_DROP_tftp_stale_ack]++;
		return;
	}
	if (n == s->sent && !s->retries) /* Karn: not after a retransmission */
		rtt_sample(t, s, now_us);
	sess_prove(t, i);
	before = sess_bytes(s);
	s->acked = n;
	s->retries = 0;
	s->progress_us = now_us;
	if (n == s->nblocks) {
		cnt[RB_CNT_tftp_sessions_done]++;
		sess_event(t, i, RB_EV_TFTP_DONE, RB_EVR_NONE, 0, cnt);
		sess_end(t, i, cnt);
		return;
	}
	if (sess_bytes(s) / RB_EVENT_PROGRESS_BYTES > before / RB_EVENT_PROGRESS_BYTES)
		sess_event(t, i, RB_EV_TFTP_PROGRESS, RB_EVR_NONE, 0, cnt);
	send_window(t, i, now_us, a, cnt, false);
}

unsigned
tftpd_tick(struct tftp_server *t, uint64_t now_us,
	   void (*fn)(const struct tftpd_action *act, void *arg), void *arg, uint64_t *cnt,
	   uint64_t *drops)
{
	uint64_t now_ms = now_us / 1000, ms;
	struct tftpd_action a;
	unsigned fired = 0;
	uint32_t i, next;

	if (!t->wheel_now_ms)
		t->wheel_now_ms = now_ms;
	/* At most one lap per call: a stalled caller catches up next time. */
	for (ms = t->wheel_now_ms + 1; ms <= now_ms && ms <= t->wheel_now_ms + TFTPD_WHEEL_SLOTS;
	     ms++) {
		for (i = t->wheel[ms % TFTPD_WHEEL_SLOTS]; i != TFTPD_NONE; i = next) {
			struct tftp_sess *s = &t->s[i];

			next = s->tnext;
			if (s->deadline_us > now_us)
				continue; /* a later lap */
			timer_stop(t, i);
			if (!s->proven && s->retries >= TFTPD_UNPROVEN_RESENDS) {
				/* Never heard from: end without an ERROR (to
				 * an address that may not be the sender's). */
				drops[RB_DROP_tftp_unproven_timeout]++;
				sess_event(t, i, RB_EV_TFTP_FAIL, RB_EVR_TIMEOUT, 0, cnt);
				sess_end(t, i, cnt);
				continue;
			}
			tftpd_act_init(&a, s->client_ip, s->client_port, s->client_mac,
				       s->local_port);
			/* Give up only when the client has been quiet long
			 * enough for its own retransmission timer (often
			 * seconds) to have fired too: fast retries alone say
			 * nothing about a client that simply waits. */
			if (s->retries >= t->cfg.max_retries &&
			    now_us - s->progress_us >= t->cfg.give_up_us) {
				drops[RB_DROP_tftp_timeout]++;
				tftpd_act_error(&a, TFTP_EC_UNDEF, "timed out", cnt);
				sess_event(t, i, RB_EV_TFTP_FAIL, RB_EVR_TIMEOUT, 0, cnt);
				sess_end(t, i, cnt);
				fn(&a, arg);
				fired++;
				continue;
			}
			if (s->retries < UINT8_MAX)
				s->retries++;
			s->rto_us = tftp_rto_backoff(s->rto_us, rto_cap(t, s));
			if (s->state == TS_OACK) {
				/* The OACK or its ACK went missing: send it again. */
				send_oack(t, i, now_us, &a);
				fn(&a, arg);
			} else {
				send_window(t, i, now_us, &a, cnt, s->retries >= 2);
				fn(&a, arg);
			}
			fired++;
		}
	}
	t->wheel_now_ms = now_ms;
	if (t->mc_active)
		fired += mc_tick(t, now_us, fn, arg, cnt, drops);
	return fired;
}

bool
tftpd_uses_gen(const struct tftp_server *t, const struct image_cache *gen)
{
	uint32_t i;

	for (i = 0; i < t->cfg.max_sessions; i++)
		if (t->s[i].state != TS_FREE && t->s[i].gen == gen)
			return true;
	for (i = 0; i < t->nmc; i++)
		if (t->mc[i].kind != MC_FREE && t->mc[i].gen == gen)
			return true;
	return false;
}
