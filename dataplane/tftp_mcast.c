/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tftp_mcast.c: multicast streams, pure C. See struct tftp_mc.
 *
 * RFC 2090. A read request with the "multicast" option joins the stream
 * already sending that file with that blksize, or starts one on a free
 * group. Every member gets a unicast OACK from the stream's port with
 * "multicast group,port,mc"; mc=1 makes it the master client, whose ACKs
 * (the highest block before its first hole) drive a sliding window of
 * DATA to the group. The others just listen. When the master has the
 * whole file (or errs, or falls silent) the next member is promoted with
 * an OACK mc=1 and answers with its own first hole: the stream resends
 * from there, so late joiners and clients that lost blocks are repaired
 * by the same stream. Block numbers stay 16-bit (what clients keep in
 * their bitmaps): longer files are served unicast.
 *
 * PXE MTFTP (PXE 2.1, what DHCP option 43 suboptions 1-5 advertise). A
 * request to the MTFTP port opens a stream when none runs: block 1 goes
 * to the opening client (unicast) and to the group, every later block to
 * the group only, each after the opener's ACK of the one before. While a
 * stream runs, requests are ignored: the client is meant to be listening
 * to it already, and opens again after it ends if it still misses blocks.
 * Blocks are 512 bytes; PXE MTFTP has no options.
 *
 * Boot events (RB_EV_F_MCAST), per member: TFTP_START when it joins (its
 * OACK names the group, or the MTFTP opener's block 1 goes out), TFTP_DONE
 * when it acknowledges the last block (as the master, or as a listener that
 * holds every block: RFC 2090 lets any client end its part so), TFTP_FAIL when it sends an ERROR,
 * falls silent as the master (TIMEOUT), or its stream is torn down (EVICTED). Only the master
 * acknowledges, so a listener's bytes are 0 and there is no PROGRESS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tftp_mcast.h"

#define MC_MAX_BLOCKS 65535u /* 16-bit block numbers, no rollover on a group */

void
tftpd_group_mac(uint32_t group, uint8_t mac[6])
{
	uint32_t h = ntohl(group);

	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = (uint8_t)((h >> 16) & 0x7f);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

int
mc_init(struct tftp_server *t)
{
	uint16_t n =
	    (uint16_t)((t->cfg.mc_group ? t->cfg.mc_streams : 0) + (t->cfg.mtftp_group ? 1 : 0));
	uint16_t i;

	t->nmc = n;
	t->mc_active = 0;
	if (!n)
		return 0;
	t->mc = calloc(n, sizeof(*t->mc));
	if (!t->mc)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t cap = t->cfg.mtftp_group && i == n - 1 ? 1 : t->cfg.mc_members;

		t->mc[i].m = calloc(cap ? cap : 1, sizeof(*t->mc[i].m));
		if (!t->mc[i].m)
			return -ENOMEM; /* the caller's mc_fini() frees the rest */
	}
	return 0;
}

/* Queues a boot event about member j of stream c, when events are on. */
static void
member_event(struct tftp_server *t, const struct tftp_mc *c, uint32_t j, uint8_t kind,
	     uint8_t reason, uint16_t code, uint64_t *cnt)
{
	const struct tftp_mc_member *m = &c->m[j];
	uint64_t bytes = 0;
	struct rb_event e;

	if (!t->events)
		return;
	/* A master just promoted has not said yet what it holds: acked is
	 * still its predecessor's. */
	if (kind == RB_EV_TFTP_DONE) {
		bytes = c->file->size;
	} else if (j == 0 && c->state == TS_DATA) {
		bytes = c->acked * c->blksize;
		if (bytes > c->file->size)
			bytes = c->file->size;
	}
	evq_tftp_event(&e, kind, m->ip, m->port, m->mac, c->name, c->file->size, bytes);
	e.reason = reason;
	e.code = code;
	e.flags = RB_EV_F_MCAST;
	evq_push(t->events, &e, cnt);
}

void
mc_fini(struct tftp_server *t)
{
	uint16_t i;
	uint32_t j;

	for (i = 0; t->mc && i < t->nmc; i++) {
		struct tftp_mc *c = &t->mc[i];

		for (j = 0; c->kind != MC_FREE && j < c->nm; j++)
			member_event(t, c, j, RB_EV_TFTP_FAIL, RB_EVR_EVICTED, 0, NULL);
		if (c->kind != MC_FREE && c->gen)
			ic_put(c->gen);
		free(c->m);
	}
	free(t->mc);
	t->mc = NULL;
	t->nmc = 0;
}

static struct tftp_mc *
mtftp_slot(struct tftp_server *t)
{
	return t->cfg.mtftp_group ? &t->mc[t->nmc - 1] : NULL;
}

static uint16_t
rfc2090_slots(const struct tftp_server *t)
{
	return t->cfg.mc_group ? t->cfg.mc_streams : 0;
}

static void
mc_arm(struct tftp_server *t, struct tftp_mc *c, uint64_t now_us)
{
	(void)t;
	c->sent_us = now_us;
	c->deadline_us = now_us + c->rto_us;
}

/* A stream of f (requested as name) with its port, pinned to the current
 * cache generation. */
static void
mc_start(struct tftp_server *t, struct tftp_mc *c, uint8_t kind, const struct ic_file *f,
	 const char *name, uint16_t blksize, uint32_t group, uint16_t gport, uint64_t now_us,
	 uint64_t *cnt)
{
	uint16_t port, i;
	unsigned tries;

	/* A port no other stream sends from: listeners tell streams apart
	 * by it (RFC 2090 clients check the source of every block). */
	for (tries = 0; tries < 64; tries++) {
		port = tftp_ports_take(&t->ports);
		for (i = 0; i < t->nmc; i++)
			if (t->mc[i].kind != MC_FREE && t->mc[i].local_port == port)
				break;
		if (i == t->nmc)
			break;
	}
	c->kind = kind;
	c->state = TS_OACK;
	c->retries = 0;
	c->local_port = port;
	c->group_ip = group;
	c->group_port = gport;
	c->blksize = blksize;
	c->file = f;
	evq_name_copy(c->name, name);
	c->gen = ic_get(t->cache);
	c->nblocks = f->size / blksize + 1;
	c->acked = c->sent = 0;
	c->rto_us = t->cfg.rto_init_us;
	c->srtt_us = 0;
	c->probe_block = 0;
	c->progress_us = now_us;
	c->nm = 0;
	t->mc_active++;
	cnt[RB_CNT_tftp_mc_streams]++;
}

static void
mc_end(struct tftp_server *t, struct tftp_mc *c, uint64_t *cnt)
{
	if (c->gen)
		ic_put(c->gen);
	c->gen = NULL;
	c->file = NULL;
	c->kind = MC_FREE;
	c->nm = 0;
	t->mc_active--;
	cnt[RB_CNT_tftp_mc_streams_ended]++;
}

/* The OACK for member j: its own options, the group, mc=1 for the master. */
static void
mc_oack(const struct tftp_mc *c, uint32_t j, struct tftpd_action *a, uint64_t *cnt)
{
	const struct tftp_mc_member *m = &c->m[j];
	struct tftp_opts o = {
	    .mask = (uint8_t)((m->mask & (TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT)) |
			      TFTP_OPT_MULTICAST),
	    .timeout = m->timeout,
	    .blksize = c->blksize,
	    .tsize = c->file->size,
	    .mc_addr = c->group_ip,
	    .mc_port = c->group_port,
	    .mc_master = j == 0,
	};
	int n;

	tftpd_act_init(a, m->ip, m->port, m->mac, c->local_port);
	n = tftp_build_oack(a->ctl, sizeof(a->ctl), &o);
	a->ctl_len = n > 0 ? (uint16_t)n : 0;
	cnt[RB_CNT_tftp_oack]++;
}

/*
 * DATA from block `from` up to the window (or only `from` when `one`), to
 * the group. Blocks up to c->sent count as retransmissions.
 */
static void
mc_data(struct tftp_server *t, struct tftp_mc *c, uint64_t from, bool one, uint64_t now_us,
	struct tftpd_action *a, uint64_t *cnt)
{
	uint64_t last = one ? from : c->acked + (t->cfg.mc_window ? t->cfg.mc_window : 1);

	if (last > c->nblocks)
		last = c->nblocks;
	if (from > last) {
		mc_arm(t, c, now_us); /* progress, nothing new to send: restart the timer */
		return;
	}
	if (tftpd_act_data(a, c->file, c->gen, c->blksize, from, last, &c->sent, cnt)) {
		c->probe_block = 0; /* Karn: a resent block's ACK times nothing */
	} else if (!c->probe_block) {
		c->probe_block = last; /* time the ACK that covers this one */
		c->probe_us = now_us;
	}
	a->mcast = 1;
	a->data_ip = c->group_ip;
	a->data_port = c->group_port;
	tftpd_group_mac(c->group_ip, a->data_mac);
	a->local_port = c->local_port;
	mc_arm(t, c, now_us);
}

/* The master is done or gone: promote the next member, or end the stream. */
static void
mc_next_master(struct tftp_server *t, struct tftp_mc *c, uint64_t now_us, struct tftpd_action *a,
	       uint64_t *cnt)
{
	memmove(&c->m[0], &c->m[1], (c->nm - 1) * sizeof(c->m[0]));
	c->nm--;
	if (!c->nm || c->kind == MC_MTFTP) {
		mc_end(t, c, cnt);
		return;
	}
	cnt[RB_CNT_tftp_mc_promotions]++;
	c->state = TS_OACK;
	c->retries = 0;
	/* The group's round trip says how long an answer takes. */
	c->rto_us = c->srtt_us ? tftp_rto_of(c->srtt_us, t->cfg.rto_min_us, t->cfg.rto_max_us)
		    : t->cfg.rto_init_us < t->cfg.rto_max_us ? t->cfg.rto_init_us
							     : t->cfg.rto_max_us;
	c->probe_block = 0;
	c->progress_us = now_us;
	mc_oack(c, 0, a, cnt);
	mc_arm(t, c, now_us);
}

static int32_t
member_of(const struct tftp_mc *c, uint32_t ip, uint16_t port)
{
	uint32_t j;

	for (j = 0; j < c->nm; j++)
		if (c->m[j].ip == ip && c->m[j].port == port)
			return (int32_t)j;
	return -1;
}

bool
mc_rrq(struct tftp_server *t, const struct tftp_req *rq, const struct ic_file *f, uint32_t ip,
       uint16_t port, const uint8_t *mac, uint64_t now_us, struct tftpd_action *a, uint64_t *cnt,
       uint64_t *drops)
{
	uint16_t blksize = rq->opts.mask & TFTP_OPT_BLKSIZE
			       ? tftp_clamp_blksize(rq->opts.blksize, t->cfg.mtu)
			       : TFTP_DEFAULT_BLKSIZE;
	struct tftp_mc *c = NULL, *free_c = NULL;
	struct tftp_mc_member *m;
	uint16_t i;
	int32_t j;

	if (!rfc2090_slots(t))
		return false; /* the option is ignored: a unicast transfer */
	if (f->size / blksize + 1 > MC_MAX_BLOCKS) {
		cnt[RB_CNT_tftp_mc_fallback]++;
		return false;
	}
	for (i = 0; i < rfc2090_slots(t); i++) {
		struct tftp_mc *x = &t->mc[i];

		if (x->kind == MC_RFC2090 && x->file == f && x->gen == t->cache &&
		    x->blksize == blksize) {
			c = x;
			break;
		}
		if (x->kind == MC_FREE && !free_c)
			free_c = x;
	}
	if (c) {
		j = member_of(c, ip, port);
		if (j >= 0) {
			/* Its OACK was lost: the same answer again, within
			 * the resends an unproven client gets. */
			cnt[RB_CNT_tftp_rrq_repeats]++;
			m = &c->m[j];
			if (!m->proven && m->resends >= TFTPD_UNPROVEN_RESENDS) {
				drops[RB_DROP_tftp_unproven_resends]++;
				return true;
			}
			m->resends++;
			mc_oack(c, (uint32_t)j, a, cnt);
			return true;
		}
		if (c->nm >= t->cfg.mc_members) {
			cnt[RB_CNT_tftp_mc_fallback]++;
			return false;
		}
	} else {
		if (!free_c) {
			cnt[RB_CNT_tftp_mc_fallback]++;
			return false;
		}
		c = free_c;
		mc_start(t, c, MC_RFC2090, f, rq->filename, blksize,
			 htonl(ntohl(t->cfg.mc_group) + (uint32_t)(c - t->mc)), t->cfg.mc_port,
			 now_us, cnt);
	}
	m = &c->m[c->nm++];
	m->ip = ip;
	m->port = port;
	memcpy(m->mac, mac, 6);
	m->mask = rq->opts.mask;
	m->timeout = rq->opts.timeout;
	m->proven = 0;
	m->resends = 0;
	cnt[RB_CNT_tftp_mc_clients]++;
	member_event(t, c, c->nm - 1, RB_EV_TFTP_START, RB_EVR_NONE, 0, cnt);
	mc_oack(c, c->nm - 1, a, cnt);
	if (c->nm == 1)
		mc_arm(t, c, now_us); /* the master's ACK of the OACK is due */
	return true;
}

void
tftpd_mtftp_rrq(struct tftp_server *t, const struct tftp_req *rq, uint32_t ip, uint16_t port,
		const uint8_t *mac, uint64_t now_us, struct tftpd_action *a, uint64_t *cnt,
		uint64_t *drops)
{
	struct tftp_mc *c = mtftp_slot(t);
	const struct ic_file *f;

	tftpd_act_init(a, ip, port, mac, 0);
	cnt[RB_CNT_tftp_mtftp_rrq]++;
	if (!c) {
		drops[RB_DROP_tftp_mtftp_off]++;
		return;
	}
	f = tftpd_req_file(t->cache, rq, a, cnt, drops);
	if (!f)
		return;
	if (f->size / TFTP_DEFAULT_BLKSIZE + 1 > MC_MAX_BLOCKS) {
		drops[RB_DROP_tftp_mtftp_too_big]++;
		return tftpd_act_error(a, TFTP_EC_UNDEF, "file too large for MTFTP", cnt);
	}
	if (c->kind != MC_FREE) {
		struct tftp_mc_member *o = &c->m[0];

		if (o->ip == ip && o->port == port && c->file == f && c->acked == 0) {
			/* The opener asks again: block 1 was lost. */
			cnt[RB_CNT_tftp_rrq_repeats]++;
			if (!o->proven && o->resends >= TFTPD_UNPROVEN_RESENDS) {
				drops[RB_DROP_tftp_unproven_resends]++;
				return;
			}
			o->resends++;
			tftpd_act_init(a, ip, port, mac, c->local_port);
			a->unicast_first = 1;
			mc_data(t, c, 1, true, now_us, a, cnt);
			return;
		}
		if (o->proven || now_us - c->progress_us < t->cfg.rto_init_us) {
			drops[RB_DROP_tftp_mtftp_busy]++;
			return;
		}
		/* An opener that has not acknowledged block 1 within the first
		 * timeout (a real one answers in a round trip; clients of a
		 * rack open together and listen to the first) may be a spoofed
		 * one holding the stream: a newer request takes it over. */
		drops[RB_DROP_tftp_unproven_evicted]++;
		member_event(t, c, 0, RB_EV_TFTP_FAIL, RB_EVR_EVICTED, 0, cnt);
		mc_end(t, c, cnt);
	}
	mc_start(t, c, MC_MTFTP, f, rq->filename, TFTP_DEFAULT_BLKSIZE, t->cfg.mtftp_group,
		 t->cfg.mtftp_cport, now_us, cnt);
	c->state = TS_DATA;
	c->nm = 1;
	c->m[0] = (struct tftp_mc_member){.ip = ip, .port = port};
	memcpy(c->m[0].mac, mac, 6);
	cnt[RB_CNT_tftp_mc_clients]++;
	member_event(t, c, 0, RB_EV_TFTP_START, RB_EVR_NONE, 0, cnt);
	tftpd_act_init(a, ip, port, mac, c->local_port);
	a->unicast_first = 1;
	mc_data(t, c, 1, true, now_us, a, cnt);
}

bool
mc_input(struct tftp_server *t, const struct tftp_pkt *p, uint32_t ip, uint16_t port,
	 uint16_t local_port, uint64_t now_us, struct tftpd_action *a, uint64_t *cnt,
	 uint64_t *drops)
{
	struct tftp_mc *c = NULL;
	uint64_t n;
	uint16_t i;
	int32_t j;

	for (i = 0; t->mc_active && i < t->nmc; i++)
		if (t->mc[i].kind != MC_FREE && t->mc[i].local_port == local_port) {
			c = &t->mc[i];
			break;
		}
	if (!c)
		return false;
	j = member_of(c, ip, port);
	if (j < 0)
		return false; /* a stranger: error 5, as for sessions */
	tftpd_act_init(a, ip, port, c->m[j].mac, local_port);
	if (p->opcode == TFTP_ERROR) {
		drops[RB_DROP_tftp_client_error]++;
		member_event(t, c, (uint32_t)j, RB_EV_TFTP_FAIL, RB_EVR_CLIENT_ERROR, p->code, cnt);
		if (j == 0) {
			mc_next_master(t, c, now_us, a, cnt);
		} else {
			memmove(&c->m[j], &c->m[j + 1],
				(c->nm - (uint32_t)j - 1) * sizeof(c->m[0]));
			c->nm--;
		}
		return true;
	}
	if (p->opcode == TFTP_ACK && j != 0 && p->block == c->nblocks && c->kind == MC_RFC2090) {
		/* RFC 2090: "each client must terminate the transfer by sending
		 * an acknowledgment of the last packet ... even if the client is
		 * not the master client". A listener that has every block is
		 * done: it leaves the list rather than wait for a promotion it
		 * may no longer answer (a client gone on to its next file). */
		cnt[RB_CNT_tftp_mc_done]++;
		member_event(t, c, (uint32_t)j, RB_EV_TFTP_DONE, RB_EVR_NONE, 0, cnt);
		memmove(&c->m[j], &c->m[j + 1], (c->nm - (uint32_t)j - 1) * sizeof(c->m[0]));
		c->nm--;
		return true;
	}
	if (p->opcode != TFTP_ACK || j != 0) {
		/* Only the master's ACKs count; a listener has nothing to say. */
		drops[p->opcode == TFTP_ACK ? RB_DROP_tftp_stale_ack : RB_DROP_tftp_malformed]++;
		return true;
	}
	n = p->block;
	if (n > c->nblocks || (c->state == TS_DATA && n <= c->acked)) {
		drops[RB_DROP_tftp_stale_ack]++;
		return true;
	}
	if (c->kind == MC_MTFTP && n > c->sent) {
		drops[RB_DROP_tftp_stale_ack]++; /* never sent: not an ACK of ours */
		return true;
	}
	/*
	 * A master answering its promotion (or the first OACK) names the
	 * block before its first hole, which may be anywhere, even behind
	 * what the stream sent last: the stream goes back to serve it.
	 */
	if (c->probe_block && n >= c->probe_block) {
		c->rto_us = tftp_rtt_sample(&c->srtt_us, (uint32_t)(now_us - c->probe_us),
					    t->cfg.rto_min_us, t->cfg.rto_max_us);
		c->probe_block = 0;
	}
	if (c->state == TS_OACK) {
		c->state = TS_DATA;
		c->sent = n;
	}
	c->acked = n;
	c->retries = 0;
	c->progress_us = now_us;
	c->m[0].proven = 1;
	if (n == c->nblocks) {
		cnt[RB_CNT_tftp_mc_done]++;
		member_event(t, c, 0, RB_EV_TFTP_DONE, RB_EVR_NONE, 0, cnt);
		mc_next_master(t, c, now_us, a, cnt);
		return true;
	}
	if (c->kind == MC_MTFTP)
		mc_data(t, c, n + 1, true, now_us, a, cnt);
	else
		mc_data(t, c, c->sent + 1 > n + 1 ? c->sent + 1 : n + 1, false, now_us, a, cnt);
	return true;
}

unsigned
mc_tick(struct tftp_server *t, uint64_t now_us,
	void (*fn)(const struct tftpd_action *act, void *arg), void *arg, uint64_t *cnt,
	uint64_t *drops)
{
	struct tftpd_action a;
	unsigned fired = 0;
	uint16_t i;

	for (i = 0; i < t->nmc; i++) {
		struct tftp_mc *c = &t->mc[i];

		if (c->kind == MC_FREE || c->deadline_us > now_us)
			continue;
		tftpd_act_init(&a, c->m[0].ip, c->m[0].port, c->m[0].mac, c->local_port);
		if (c->retries >= (c->m[0].proven ? t->cfg.max_retries : TFTPD_UNPROVEN_RESENDS)) {
			/* The master fell silent: the next one takes over
			 * (MTFTP: the stream ends; listeners open again). */
			drops[RB_DROP_tftp_mc_client_lost]++;
			member_event(t, c, 0, RB_EV_TFTP_FAIL, RB_EVR_TIMEOUT, 0, cnt);
			mc_next_master(t, c, now_us, &a, cnt);
		} else {
			c->retries++;
			c->rto_us = tftp_rto_backoff(c->rto_us, t->cfg.rto_max_us);
			if (c->state == TS_OACK) {
				mc_oack(c, 0, &a, cnt);
				mc_arm(t, c, now_us);
			} else {
				a.unicast_first = c->kind == MC_MTFTP && c->acked == 0;
				mc_data(t, c, c->acked + 1, c->kind == MC_MTFTP, now_us, &a, cnt);
			}
		}
		fn(&a, arg);
		fired++;
	}
	return fired;
}
