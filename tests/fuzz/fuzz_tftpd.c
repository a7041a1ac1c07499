/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_tftpd.c: libFuzzer target for the TFTP session engine
 * (dataplane/tftp_server.c, tftp_mcast.c) through its public calls only.
 * Each input makes a fresh server (few sessions and session ports, two
 * RFC 2090 streams and PXE MTFTP) over a small in-memory image cache and
 * is a sequence of packets, each a record:
 *
 *   u8 what      bits 0-1 the call: 0 a request to port 69 (tftpd_rrq),
 *                1 to the MTFTP port (tftpd_mtftp_rrq), 2 a packet to a
 *                session port (tftpd_input), 3 none (the clock only);
 *                bits 2-3 which of four clients sends it; bits 4-7 the
 *                local port: 0 the one the server last sent to this
 *                client from (its TID: session ports are drawn at random),
 *                n > 0 session port lo + n - 1 (n > 8: past the range)
 *   u8 clock     ms: 0..199 as is, 200..255 as (n - 199) * 500 ms
 *   u8 length    cut to what is left
 *   bytes        the UDP payload (requests parsed by the codec first, as
 *                the worker does; one that does not parse is dropped)
 *
 * Before each packet the clock moves and the timers run (tftpd_tick), as
 * the worker's loop does. After every call: the active counts agree with
 * the sessions and streams in use, every session's blocks are within its
 * file, every action's OACK or ERROR parses and its DATA blocks lie inside
 * the file, at most a window at once (and one block more for a probe), one
 * block to a client that has not proven its address, and the boot events
 * are well formed.
 * Everything is freed at the end (the cache outlives inputs).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tftp_server.h"
#include "fuzz.h"

#define PORT_LO 61000
#define PORT_HI 61007
#define MAX_WINDOW 16
#define MC_WINDOW 4
#define T0 1000000u

static const struct tftpd_cfg cfg = {
    .mtu = 1500,
    .port_lo = PORT_LO,
    .port_hi = PORT_HI,
    .max_window = MAX_WINDOW,
    .max_sessions = 3, /* fewer than the clients: one finds the server busy */
    .max_retries = 3,
    .give_up_us = 2000000,
    .rto_min_us = 10000,
    .rto_max_us = 400000,
    .rto_init_us = 100000,
    .oack_wait_us = 300000,
    .mc_port = 1760,
    .mc_streams = 2,
    .mc_members = 3,
    .mc_window = MC_WINDOW,
    .mtftp_cport = 1758,
};

/* Four clients: two ports on one address, another address, another subnet. */
static const struct {
	uint32_t ip; /* host order */
	uint16_t port;
	uint8_t mac[6];
} clients[4] = {
    {0xc612000au, 2001, {0x52, 0x54, 0x00, 0x00, 0x00, 0x0a}},
    {0xc612000au, 2002, {0x52, 0x54, 0x00, 0x00, 0x00, 0x0a}},
    {0xc612000bu, 2001, {0x52, 0x54, 0x00, 0x00, 0x00, 0x0b}},
    {0xc6120514u, 1024, {0x02, 0xee, 0x00, 0x00, 0x05, 0x01}},
};

static void *
m_alloc(size_t size, size_t align, void *arg)
{
	void *p;

	(void)arg;
	if (align < sizeof(void *))
		align = sizeof(void *);
	return posix_memalign(&p, align, size ? size : 1) ? NULL : p;
}

static void
m_free(void *p, void *arg)
{
	(void)arg;
	free(p);
}

static const struct ic_alloc heap = {m_alloc, m_free, NULL};

/* Files of each size class: empty, one block exactly, one and a bit, a
 * few, past RB_EVENT_PROGRESS_BYTES (progress events), and a few more. */
static struct image_cache *
cache(void)
{
	static const struct {
		const char *name;
		size_t size;
	} files[] = {
	    {"empty", 0},
	    {"one", 512},
	    {"pxelinux.0", 513},
	    {"pxelinux.cfg/default", 3 * 512},
	    {"boot/big.img", (1u << 20) + 1468 + 3},
	    /* what the real clients of the codec's seeds ask for */
	    {"boot/undionly.kpxe", 70000},
	    {"grubx64.efi", 40000},
	    {"zImage", 5000},
	};
	static struct image_cache *ic;
	char msg[128];
	uint8_t *data;
	size_t i, j;

	if (ic)
		return ic;
	ic = ic_load_roots(NULL, 0, 1u << 30, &heap, NULL, msg, sizeof(msg));
	CHECK(ic);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		data = malloc(files[i].size + 1);
		CHECK(data);
		for (j = 0; j < files[i].size; j++)
			data[j] = (uint8_t)(j * 131 + i);
		CHECK(ic_add_virtual(ic, files[i].name, data, files[i].size) == 0);
		free(data);
	}
	return ic;
}

/* The port each client last heard the server from (0: none yet). */
static uint16_t tid[4];

/* One action the engine asked for. */
static void
check_action(const struct tftp_server *t, const struct tftpd_action *a)
{
	static struct tftp_pkt p;
	const struct tftp_sess *s = NULL;
	const uint8_t *b;
	uint64_t nblocks, off, limit;
	uint32_t len;
	unsigned c;

	for (c = 0; c < 4; c++)
		if (a->dst_ip == htonl(clients[c].ip) && a->dst_port == clients[c].port &&
		    (a->ctl_len || a->first <= a->last))
			tid[c] = a->local_port;

	CHECK(a->ctl_len <= sizeof(a->ctl));
	if (a->ctl_len) {
		CHECK(tftp_parse(a->ctl, a->ctl_len, &p) == TFTP_OK);
		CHECK(p.opcode == TFTP_OACK || p.opcode == TFTP_ERROR);
	}
	CHECK(a->sess == TFTPD_NONE || a->sess < t->cfg.max_sessions);
	if (a->first > a->last)
		return;
	if (a->sess != TFTPD_NONE && !a->mcast)
		s = &t->s[a->sess];
	CHECK(a->file && a->gen);
	CHECK(a->blksize >= TFTP_BLKSIZE_MIN && a->blksize <= TFTP_BLKSIZE_MAX);
	nblocks = a->file->size / a->blksize + 1;
	CHECK(a->first >= 1 && a->last <= nblocks);
	limit = a->mcast ? MC_WINDOW : s ? s->window : MAX_WINDOW;
	CHECK(a->last - a->first < limit + 1);
	CHECK(!s || s->state == TS_FREE || s->proven || a->last == a->first);
	b = tftpd_act_block(a, a->first, &len, &off);
	CHECK(len <= a->blksize && off + len <= a->file->size);
	CHECK(!len || (b >= a->file->data && b + len <= a->file->data + a->file->size));
	b = tftpd_act_block(a, a->last, &len, &off);
	CHECK(len <= a->blksize && off + len <= a->file->size);
	CHECK(!len || (b >= a->file->data && b + len <= a->file->data + a->file->size));
	if (a->last == nblocks)
		CHECK(len == a->file->size % a->blksize);
}

static void
on_fire(const struct tftpd_action *a, void *arg)
{
	check_action(arg, a);
}

/* The boot events queued so far, drained. */
static void
check_events(struct evq *q)
{
	struct rb_event ev[16];
	uint32_t i, n;

	while ((n = evq_pop(q, ev, 16)))
		for (i = 0; i < n; i++) {
			CHECK(ev[i].kind >= RB_EV_TFTP_START && ev[i].kind <= RB_EV_TFTP_FAIL);
			CHECK(memchr(ev[i].name, 0, sizeof(ev[i].name)) != NULL);
			CHECK(ev[i].kind != RB_EV_TFTP_DONE || ev[i].bytes == ev[i].size);
		}
}

/* The server's own books. */
static void
check_server(const struct tftp_server *t, struct evq *q)
{
	uint32_t i, active = 0;
	uint16_t mc_active = 0;

	for (i = 0; i < t->cfg.max_sessions; i++) {
		const struct tftp_sess *s = &t->s[i];

		if (s->state == TS_FREE)
			continue;
		active++;
		CHECK(s->state == TS_OACK || s->state == TS_DATA);
		CHECK(s->file && s->gen);
		CHECK(s->local_port >= PORT_LO && s->local_port <= PORT_HI);
		CHECK(s->nblocks == s->file->size / s->blksize + 1);
		CHECK(s->acked <= s->sent && s->sent <= s->nblocks);
		CHECK(s->window >= 1 && s->window <= MAX_WINDOW);
	}
	CHECK(active == t->active);
	for (i = 0; i < t->nmc; i++) {
		const struct tftp_mc *c = &t->mc[i];

		if (c->kind == MC_FREE)
			continue;
		mc_active++;
		CHECK(c->file && c->gen && c->nm >= 1);
		CHECK(c->acked <= c->sent && c->sent <= c->nblocks);
	}
	CHECK(mc_active == t->mc_active);
	check_events(q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rb_event slots[64];
	static struct tftp_server t;
	static struct tftpd_action a;
	static struct tftp_req rq;
	uint64_t cnt[RB_CNT_MAX] = {0}, drops[RB_DROP_MAX] = {0};
	struct tftpd_cfg c = cfg;
	struct evq q;
	uint64_t now = T0;
	uint32_t ip;
	uint16_t port, local;
	size_t off = 0, len;
	uint8_t what, step;

	memset(tid, 0, sizeof(tid));
	c.mc_group = htonl(0xefff4501u);
	c.mtftp_group = htonl(0xefff4601u);
	CHECK(tftpd_init(&t, &c) == 0);
	CHECK(evq_init(&q, slots, 64) == 0);
	t.cache = cache();
	t.events = &q;
	tftpd_tick(&t, now, on_fire, &t, cnt, drops);
	while (off + 3 <= size) {
		what = data[off];
		step = data[off + 1];
		len = data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		now += step < 200 ? step * 1000u : (step - 199u) * 500000u;
		tftpd_tick(&t, now, on_fire, &t, cnt, drops);
		check_server(&t, &q);

		ip = htonl(clients[(what >> 2) & 3].ip);
		port = clients[(what >> 2) & 3].port;
		local = what >> 4 ? (uint16_t)(PORT_LO + (what >> 4) - 1) : tid[(what >> 2) & 3];
		switch (what & 3) {
		case 0:
		case 1:
			if (tftp_parse_request(data + off, len, &rq) != TFTP_OK)
				break;
			if ((what & 3) == 0)
				tftpd_rrq(&t, &rq, ip, port, clients[(what >> 2) & 3].mac, now, &a,
					  cnt, drops);
			else
				tftpd_mtftp_rrq(&t, &rq, ip, port, clients[(what >> 2) & 3].mac,
						now, &a, cnt, drops);
			check_action(&t, &a);
			break;
		case 2:
			tftpd_input(&t, data + off, len, ip, port, local, now, &a, cnt, drops);
			check_action(&t, &a);
			break;
		default:
			break;
		}
		check_server(&t, &q);
		off += len;
	}
	tftpd_fini(&t);
	check_events(&q);
	return 0;
}
