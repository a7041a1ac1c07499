/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TFTP session engine (dataplane/tftp_server.c) over a real image
 * cache loaded from a mkdtemp() tree, at a clock the test advances by
 * hand. Requests are built and parsed with the codec, ACKs and ERRORs are
 * built with it, and what the engine asks to send (the OACK or ERROR bytes,
 * the run of DATA blocks, the payload of each block) is checked against the
 * file. Covers lockstep transfers of every size class, option negotiation,
 * windows and ACKs inside them, stale ACKs (no sorcerer's apprentice),
 * retransmission timers with backoff, probes and giving up, a lost OACK,
 * block number rollover, client errors, unknown TIDs, refused requests,
 * the session limit, local port choice, RTT sampling and generation pins.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tftp_server.h"

#define T0 1000000u /* the fake clock's start, in microseconds */
#define MS 1000u
#define PORT_LO 61000
#define PORT_HI 61009
#define BIG_SIZE (600u * 1024 + 3) /* 76801 blocks of 8 bytes, the last one 3 */
#define FIRED_MAX 16
#define HUGE_NAME "huge.img"
#define HUGE_SIZE (65535u * 512) /* 65536 blocks of 512: one too many for MTFTP */

/* --- the tree and the cache ---------------------------------------------- */

enum { F_EMPTY, F_ONE, F_ONE_PLUS, F_THREE, F_BIG, F_COUNT };

struct tfile {
	const char *name;
	size_t size;
	uint8_t *data;
};

static struct tfile files[F_COUNT] = {
    [F_EMPTY] = {"empty", 0, NULL},
    [F_ONE] = {"one", 512, NULL},
    [F_ONE_PLUS] = {"one_plus", 513, NULL},
    [F_THREE] = {"three", 3 * 512, NULL},
    [F_BIG] = {"boot/big.img", BIG_SIZE, NULL},
};

static char base[64];
static struct image_cache *cache; /* loaded once for the group */

/* A malloc allocator that counts what is live, for generation lifetimes. */
static void *
m_alloc(size_t size, size_t align, void *arg)
{
	long *live = arg;
	void *p;

	if (align < sizeof(void *))
		align = sizeof(void *);
	if (posix_memalign(&p, align, size ? size : 1))
		return NULL;
	(*live)++;
	return p;
}

static void
m_free(void *p, void *arg)
{
	long *live = arg;

	if (p)
		(*live)--;
	free(p);
}

static long group_live;
static const struct ic_alloc group_alloc = {m_alloc, m_free, &group_live};

static const char *
path(const char *rel)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", base, rel);
	return buf;
}

static void
put(const char *rel, const uint8_t *data, size_t len)
{
	int fd = open(path(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static struct image_cache *
load(const struct ic_alloc *a)
{
	char msg[256];
	struct image_cache *ic = ic_load(path("root"), 1u << 30, a, NULL, msg, sizeof(msg));

	if (!ic)
		fail_msg("ic_load: %s", msg);
	return ic;
}

static int
rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)ftw;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

static int
group_setup(void **state)
{
	char rel[64];
	size_t i, f;
	int fd;

	(void)state;
	srandom(7);
	strcpy(base, "/tmp/rb_tftpd.XXXXXX");
	assert_non_null(mkdtemp(base));
	assert_int_equal(mkdir(path("root"), 0755), 0);
	assert_int_equal(mkdir(path("root/boot"), 0755), 0);
	for (f = 0; f < F_COUNT; f++) {
		files[f].data = malloc(files[f].size ? files[f].size : 1);
		assert_non_null(files[f].data);
		for (i = 0; i < files[f].size; i++)
			files[f].data[i] = (uint8_t)(random() >> 9);
		snprintf(rel, sizeof(rel), "root/%s", files[f].name);
		put(rel, files[f].data, files[f].size);
	}
	/* A sparse file for the MTFTP size limit, in a root of its own so
	 * that the other tests do not load it. */
	assert_int_equal(mkdir(path("mroot"), 0755), 0);
	fd = open(path("mroot/" HUGE_NAME), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, HUGE_SIZE), 0);
	close(fd);
	cache = load(&group_alloc);
	return 0;
}

static int
group_teardown(void **state)
{
	size_t f;

	(void)state;
	ic_put(cache);
	cache = NULL;
	for (f = 0; f < F_COUNT; f++)
		free(files[f].data);
	assert_int_equal(group_live, 0);
	return nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- the server, its clock and its clients -------------------------------- */

struct fx {
	struct tftp_server t;
	bool started;
	uint64_t now;
	uint64_t cnt[RB_CNT_MAX], drops[RB_DROP_MAX];
	struct tftpd_action fired[FIRED_MAX]; /* what the last tick asked for */
	unsigned nfired;
};

struct client {
	uint32_t ip;   /* network byte order */
	uint16_t port; /* host order */
	uint8_t mac[6];
	uint32_t sess; /* from the engine's first answer */
	uint16_t local;
	int file;
	uint16_t blksize;
};

static const struct tftpd_cfg base_cfg = {
    .mtu = 1500,
    .port_lo = PORT_LO,
    .port_hi = PORT_HI,
    .max_window = 16,
    .max_sessions = 4,
    .max_retries = 3,
    .give_up_us = 2000000,
    .rto_min_us = 10000,
    .rto_max_us = 400000,
    .rto_init_us = 100000,
};

static void
on_fire(const struct tftpd_action *a, void *arg)
{
	struct fx *f = arg;

	assert_true(f->nfired < FIRED_MAX);
	f->fired[f->nfired++] = *a;
}

/* Moves the clock to `at` and fires what is due; returns the actions. */
static unsigned
tick_at(struct fx *f, uint64_t at)
{
	unsigned n;

	assert_true(at >= f->now);
	f->now = at;
	f->nfired = 0;
	n = tftpd_tick(&f->t, at, on_fire, f, f->cnt, f->drops);
	assert_int_equal(n, f->nfired);
	return n;
}

/* When the wheel (1 ms slots) fires c's timer: its deadline, rounded up. */
static uint64_t
due(const struct fx *f, const struct client *c)
{
	return (f->t.s[c->sess].deadline_us + MS - 1) / MS * MS;
}

/* (Re)starts the server with cfg, its clock at T0, the wheel synced to it. */
static void
fx_start(struct fx *f, const struct tftpd_cfg *cfg)
{
	if (f->started)
		tftpd_fini(&f->t);
	assert_int_equal(tftpd_init(&f->t, cfg), 0);
	f->started = true;
	f->t.cache = cache;
	memset(f->cnt, 0, sizeof(f->cnt));
	memset(f->drops, 0, sizeof(f->drops));
	f->now = T0;
	tick_at(f, T0);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fx_start(f, &base_cfg);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	if (f->started)
		tftpd_fini(&f->t);
	free(f);
	return 0;
}

/* Client n: 10.0.0.n, port 2000 + n, a MAC of its own. */
static struct client
client(unsigned n)
{
	struct client c = {
	    .ip = htonl(0x0a000000u | n),
	    .port = (uint16_t)(2000 + n),
	    .mac = {0x02, 0x00, 0x5e, 0x00, 0x00, (uint8_t)n},
	    .sess = TFTPD_NONE,
	    .file = -1,
	    .blksize = TFTP_DEFAULT_BLKSIZE,
	};

	return c;
}

static uint64_t
nblocks(const struct client *c)
{
	return files[c->file].size / c->blksize + 1;
}

static void
assert_local_port(uint16_t port)
{
	assert_in_range(port, PORT_LO, PORT_HI);
}

/* Nothing to send at all. */
static void
assert_none(const struct tftpd_action *a)
{
	assert_int_equal(a->sess, TFTPD_NONE);
	assert_int_equal(a->ctl_len, 0);
	assert_true(a->first > a->last);
}

/* The action carries an ERROR with this code (and msg, unless NULL), no DATA. */
static void
assert_error(const struct tftpd_action *a, uint16_t code, const char *msg)
{
	struct tftp_pkt p;

	assert_int_equal(a->sess, TFTPD_NONE);
	assert_true(a->first > a->last);
	assert_true(a->ctl_len > 0);
	assert_int_equal(tftp_parse(a->ctl, a->ctl_len, &p), TFTP_OK);
	assert_int_equal(p.opcode, TFTP_ERROR);
	assert_int_equal(p.code, code);
	if (msg)
		assert_string_equal(p.msg, msg);
}

/* Addressed to c, from its session port. */
static void
assert_to(const struct tftpd_action *a, const struct client *c)
{
	assert_int_equal(a->dst_ip, c->ip);
	assert_int_equal(a->dst_port, c->port);
	assert_memory_equal(a->dst_mac, c->mac, 6);
	assert_int_equal(a->local_port, c->local);
}

/* Block n of session i, the way the worker reads it (tftpd_act_block). */
static const uint8_t *
sess_block(const struct fx *f, uint32_t i, uint64_t n, uint32_t *len, uint64_t *off)
{
	struct tftpd_action a = {.file = f->t.s[i].file, .blksize = f->t.s[i].blksize};

	return tftpd_act_block(&a, n, len, off);
}

/* Block n of c's session is the right slice of the file. */
static void
check_block(const struct fx *f, const struct client *c, uint64_t n)
{
	const struct tfile *tf = &files[c->file];
	uint64_t off = (n - 1) * c->blksize, got_off = UINT64_MAX;
	uint32_t len = UINT32_MAX, want;
	const uint8_t *p;

	want = off >= tf->size		     ? 0
	       : tf->size - off < c->blksize ? (uint32_t)(tf->size - off)
					     : c->blksize;
	p = sess_block(f, c->sess, n, &len, &got_off);
	assert_int_equal(got_off, off);
	assert_int_equal(len, want);
	if (len)
		assert_memory_equal(p, tf->data + off, len);
}

/* DATA blocks first..last of c's session, nothing else. */
static void
assert_window(const struct fx *f, const struct tftpd_action *a, const struct client *c,
	      uint64_t first, uint64_t last)
{
	uint64_t n;

	assert_int_equal(a->sess, c->sess);
	assert_to(a, c);
	assert_int_equal(a->ctl_len, 0);
	assert_int_equal(a->first, first);
	assert_int_equal(a->last, last);
	for (n = first; n <= last; n++)
		check_block(f, c, n);
}

/* An RRQ or WRQ from c as built and parsed by the codec. */
static void
send_req(struct fx *f, struct client *c, uint16_t opcode, const char *name,
	 const struct tftp_opts *o, struct tftpd_action *a)
{
	uint8_t buf[TFTP_REQ_MAX];
	struct tftp_req rq;
	int n = tftp_build_request(buf, sizeof(buf), opcode, name, "octet", o);

	assert_true(n > 0);
	assert_int_equal(tftp_parse_request(buf, (size_t)n, &rq), TFTP_OK);
	memset(a, 0xa5, sizeof(*a));
	tftpd_rrq(&f->t, &rq, c->ip, c->port, c->mac, f->now, a, f->cnt, f->drops);
	assert_int_equal(a->dst_ip, c->ip);
	assert_int_equal(a->dst_port, c->port);
	assert_memory_equal(a->dst_mac, c->mac, 6);
	if (a->ctl_len || a->first <= a->last)
		assert_local_port(a->local_port);
	if (a->sess != TFTPD_NONE) {
		assert_true(a->sess < f->t.cfg.max_sessions);
		c->sess = a->sess;
		c->local = a->local_port;
	}
}

/* An RRQ for file `file`; c remembers the file for block checks. */
static void
send_rrq(struct fx *f, struct client *c, int file, const struct tftp_opts *o,
	 struct tftpd_action *a)
{
	c->file = file;
	send_req(f, c, TFTP_RRQ, files[file].name, o, a);
}

/* A raw packet from c to local port `local`. */
static void
send_raw(struct fx *f, const struct client *c, uint16_t local, const uint8_t *buf, size_t len,
	 struct tftpd_action *a)
{
	memset(a, 0xa5, sizeof(*a));
	tftpd_input(&f->t, buf, len, c->ip, c->port, local, f->now, a, f->cnt, f->drops);
	assert_int_equal(a->dst_ip, c->ip);
	assert_int_equal(a->dst_port, c->port);
	assert_int_equal(a->local_port, local);
}

static void
send_ack(struct fx *f, const struct client *c, uint16_t wire, struct tftpd_action *a)
{
	uint8_t buf[4];

	assert_int_equal(tftp_build_ack(buf, sizeof(buf), wire), 4);
	send_raw(f, c, c->local, buf, 4, a);
}

static void
send_error(struct fx *f, const struct client *c, uint16_t local, struct tftpd_action *a)
{
	uint8_t buf[64];
	int n = tftp_build_error(buf, sizeof(buf), TFTP_EC_UNDEF, "user cancelled");

	assert_true(n > 0);
	send_raw(f, c, local, buf, (size_t)n, a);
}

/* The OACK in a, parsed. */
static struct tftp_opts
oack_of(const struct tftpd_action *a)
{
	struct tftp_pkt p;

	assert_true(a->ctl_len > 0);
	assert_int_equal(tftp_parse(a->ctl, a->ctl_len, &p), TFTP_OK);
	assert_int_equal(p.opcode, TFTP_OACK);
	return p.opts;
}

/*
 * a holds the window starting at a->first; ACKs the last block of each
 * window, `step` after it went out, until the transfer ends. Returns the
 * DATA blocks sent.
 */
static uint64_t
finish(struct fx *f, const struct client *c, struct tftpd_action *a, uint16_t window, uint64_t step)
{
	uint64_t next = a->first, last, blocks = 0, total = nblocks(c);

	for (;;) {
		last = next + window - 1 < total ? next + window - 1 : total;
		assert_window(f, a, c, next, last);
		blocks += last - next + 1;
		f->now += step;
		send_ack(f, c, tftp_block_wire(last), a);
		if (last == total)
			break;
		next = last + 1;
	}
	assert_none(a);
	return blocks;
}

/* A session of c on file with windowsize `window` (OACK), ACK 0 sent 25 ms
 * later: rto = 4 * 25 ms = 100 ms, window 1..window in a. */
static void
start_windowed(struct fx *f, struct client *c, int file, uint16_t window, struct tftpd_action *a)
{
	struct tftp_opts o = {.mask = TFTP_OPT_WINDOWSIZE, .windowsize = window};

	send_rrq(f, c, file, &o, a);
	assert_int_not_equal(a->sess, TFTPD_NONE);
	assert_int_equal(oack_of(a).windowsize, window);
	f->now += 25 * MS;
	send_ack(f, c, 0, a);
	assert_window(f, a, c, 1, window);
	assert_int_equal(f->t.s[c->sess].rto_us, 100 * MS);
}

/* --- plain transfers ------------------------------------------------------ */

static void
test_plain_rrq_first_block(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	send_rrq(f, &c, F_THREE, NULL, &a);
	assert_int_not_equal(a.sess, TFTPD_NONE);
	assert_window(f, &a, &c, 1, 1);
	assert_int_equal(f->t.active, 1);
	assert_int_equal(f->t.s[c.sess].state, TS_DATA);
	assert_int_equal(f->cnt[RB_CNT_tftp_rrq], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_started], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_oack], 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_errors_sent], 0);
}

/* Each size class in lockstep: size / 512 + 1 blocks, the last one short. */
static void
test_lockstep_block_counts(void **state)
{
	static const struct {
		int file;
		uint64_t blocks;
		uint32_t last_len;
	} cases[] = {
	    {F_EMPTY, 1, 0},
	    {F_ONE, 2, 0},
	    {F_ONE_PLUS, 2, 1},
	    {F_THREE, 4, 0},
	};
	struct fx *f = *state;
	struct tftpd_action a;
	uint64_t off;
	uint32_t len;
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct client c = client(10 + (unsigned)k);

		send_rrq(f, &c, cases[k].file, NULL, &a);
		assert_int_equal(f->t.s[c.sess].nblocks, cases[k].blocks);
		sess_block(f, c.sess, cases[k].blocks, &len, &off);
		assert_int_equal(len, cases[k].last_len);
		assert_int_equal(finish(f, &c, &a, 1, MS), cases[k].blocks);
		assert_int_equal(f->t.active, 0);
		assert_int_equal(f->cnt[RB_CNT_tftp_sessions_done], k + 1);
		assert_int_equal(f->cnt[RB_CNT_tftp_sessions_ended], k + 1);
	}
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_started], 4);
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], 0);
	assert_int_equal(f->drops[RB_DROP_tftp_stale_ack], 0);
	/* Freed: the slot's timer is gone too, nothing fires later. */
	assert_int_equal(tick_at(f, f->now + 10000 * MS), 0);
}

/* The ACK of the last block ends the session; a late copy of it is a stranger. */
static void
test_final_ack_frees_session(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	send_rrq(f, &c, F_ONE_PLUS, NULL, &a);
	send_ack(f, &c, 1, &a);
	assert_window(f, &a, &c, 2, 2);
	send_ack(f, &c, 2, &a);
	assert_none(&a);
	assert_int_equal(f->t.active, 0);
	assert_int_equal(f->t.s[c.sess].state, TS_FREE);
	send_ack(f, &c, 2, &a);
	assert_error(&a, TFTP_EC_UNKNOWN_TID, NULL);
	assert_int_equal(f->drops[RB_DROP_tftp_unknown_tid], 1);
}

/* --- options -------------------------------------------------------------- */

static void
test_oack_negotiation(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftp_opts o = {
	    .mask = TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT | TFTP_OPT_WINDOWSIZE,
	    .blksize = TFTP_BLKSIZE_MAX,
	    .timeout = 3,
	    .windowsize = 1000,
	};
	struct tftpd_action a;
	struct tftp_opts got;

	send_rrq(f, &c, F_BIG, &o, &a);
	assert_int_not_equal(a.sess, TFTPD_NONE);
	assert_to(&a, &c);
	assert_true(a.first > a.last); /* no DATA before ACK 0 */
	got = oack_of(&a);
	assert_int_equal(got.mask, o.mask);
	assert_int_equal(got.blksize, 1468);
	assert_int_equal(got.tsize, BIG_SIZE);
	assert_int_equal(got.timeout, 3);
	assert_int_equal(got.windowsize, 16);
	assert_int_equal(f->t.s[c.sess].state, TS_OACK);
	assert_int_equal(f->cnt[RB_CNT_tftp_oack], 1);
	/* An ACK of a DATA block before ACK 0 is nothing. */
	send_ack(f, &c, 1, &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_stale_ack], 1);
	c.blksize = 1468;
	f->now += MS;
	send_ack(f, &c, 0, &a);
	assert_window(f, &a, &c, 1, 16);
	assert_int_equal(f->t.s[c.sess].nblocks, BIG_SIZE / 1468 + 1);
	assert_int_equal(finish(f, &c, &a, 16, MS), BIG_SIZE / 1468 + 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_done], 1);
	assert_int_equal(f->t.active, 0);
}

/* Only what was asked is acknowledged; the rest keeps its RFC 1350 value. */
static void
test_oack_partial(void **state)
{
	struct fx *f = *state;
	struct client c = client(1), d = client(2);
	struct tftp_opts tsize = {.mask = TFTP_OPT_TSIZE};
	struct tftp_opts blk = {.mask = TFTP_OPT_BLKSIZE, .blksize = 1024};
	struct tftp_opts got;
	struct tftpd_action a;

	send_rrq(f, &c, F_ONE_PLUS, &tsize, &a);
	got = oack_of(&a);
	assert_int_equal(got.mask, TFTP_OPT_TSIZE);
	assert_int_equal(got.tsize, 513);
	send_ack(f, &c, 0, &a);
	assert_window(f, &a, &c, 1, 1); /* window 1, 512 bytes */
	assert_int_equal(finish(f, &c, &a, 1, MS), 2);

	send_rrq(f, &d, F_THREE, &blk, &a);
	got = oack_of(&a);
	assert_int_equal(got.mask, TFTP_OPT_BLKSIZE);
	assert_int_equal(got.blksize, 1024); /* fits the MTU: as asked */
	d.blksize = 1024;
	send_ack(f, &d, 0, &a);
	assert_int_equal(finish(f, &d, &a, 1, MS), 2);
	assert_int_equal(f->cnt[RB_CNT_tftp_oack], 2);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_done], 2);
}

/* --- windows and ACKs ----------------------------------------------------- */

/* The client saw a gap after block 2: it ACKs 2, the next window is 3..6. */
static void
test_ack_inside_window(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	start_windowed(f, &c, F_BIG, 4, &a);
	f->now += MS;
	send_ack(f, &c, 2, &a);
	assert_window(f, &a, &c, 3, 6);
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], 2); /* 3 and 4 again */
	assert_int_equal(f->t.s[c.sess].acked, 2);
	assert_int_equal(f->t.s[c.sess].sent, 6);
	f->now += MS;
	send_ack(f, &c, 6, &a);
	assert_window(f, &a, &c, 7, 10);
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], 2);
}

/* Duplicate, old and never-sent ACKs change nothing (no sorcerer's apprentice). */
static void
test_stale_acks_ignored(void **state)
{
	struct fx *f = *state;
	struct client c = client(1), d = client(2);
	struct tftpd_action a;
	uint64_t deadline;

	start_windowed(f, &c, F_BIG, 4, &a);
	send_ack(f, &c, 4, &a);
	assert_window(f, &a, &c, 5, 8);
	deadline = f->t.s[c.sess].deadline_us;
	send_ack(f, &c, 4, &a); /* duplicate */
	assert_none(&a);
	send_ack(f, &c, 3, &a); /* old */
	assert_none(&a);
	send_ack(f, &c, 0, &a); /* the OACK's, again */
	assert_none(&a);
	send_ack(f, &c, 9, &a); /* never sent */
	assert_none(&a);
	send_ack(f, &c, 40000, &a); /* far away */
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_stale_ack], 5);
	assert_int_equal(f->t.s[c.sess].acked, 4);
	assert_int_equal(f->t.s[c.sess].sent, 8);
	assert_int_equal(f->t.s[c.sess].deadline_us, deadline); /* timer untouched */
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], 0);
	send_ack(f, &c, 8, &a);
	assert_window(f, &a, &c, 9, 12);

	/* Lockstep: the classic apprentice case, ACK n twice. */
	send_rrq(f, &d, F_THREE, NULL, &a);
	send_ack(f, &d, 1, &a);
	assert_window(f, &a, &d, 2, 2);
	send_ack(f, &d, 1, &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_stale_ack], 6);
	send_ack(f, &d, 2, &a);
	assert_window(f, &a, &d, 3, 3);
}

/* What is not an ACK or ERROR on a session port. */
static void
test_malformed_input(void **state)
{
	static const uint8_t runt[] = {0, 4, 0};
	static const uint8_t data[] = {0, TFTP_DATA, 0, 1, 'x'};
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	send_rrq(f, &c, F_THREE, NULL, &a);
	send_raw(f, &c, c.local, runt, sizeof(runt), &a);
	assert_none(&a);
	send_raw(f, &c, c.local, data, sizeof(data), &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_malformed], 2);
	assert_int_equal(f->t.active, 1);
	send_ack(f, &c, 1, &a);
	assert_window(f, &a, &c, 2, 2);
}

/* --- timers ---------------------------------------------------------------- */

/* Nothing before the RTO; at it, the same window again, counted. */
static void
test_timeout_resends_window(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;
	uint64_t sent_at;

	start_windowed(f, &c, F_BIG, 4, &a);
	sent_at = f->now;
	assert_int_equal(tick_at(f, sent_at + 100 * MS - 1), 0);
	assert_int_equal(tick_at(f, sent_at + 100 * MS), 1);
	assert_window(f, &f->fired[0], &c, 1, 4);
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], 4);
	assert_int_equal(f->t.s[c.sess].retries, 1);
	assert_int_equal(f->t.s[c.sess].rto_us, 200 * MS);
	/* The client catches up: progress, and windows move on. */
	f->now += MS;
	send_ack(f, &c, 4, &a);
	assert_window(f, &a, &c, 5, 8);
	assert_int_equal(f->t.s[c.sess].retries, 0);
}

/* RTO doubles at each timeout up to rto_max; the second one probes ahead. */
static void
test_backoff_and_probe(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;
	uint64_t at;

	start_windowed(f, &c, F_BIG, 4, &a);
	at = f->now + 100 * MS;
	assert_int_equal(tick_at(f, at), 1);
	assert_window(f, &f->fired[0], &c, 1, 4);
	/* Second timeout: 200 ms later, this window and one block past it
	 * (a probe), never a second window. */
	assert_int_equal(tick_at(f, at + 200 * MS - 1), 0);
	at += 200 * MS;
	assert_int_equal(tick_at(f, at), 1);
	assert_window(f, &f->fired[0], &c, 1, 5);
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], 4 + 4); /* 5 is new */
	assert_int_equal(f->t.s[c.sess].sent, 5);
	assert_int_equal(f->t.s[c.sess].rto_us, 400 * MS);
	/* Third: 400 ms, capped there. */
	assert_int_equal(tick_at(f, at + 400 * MS - 1), 0);
	at += 400 * MS;
	assert_int_equal(tick_at(f, at), 1);
	assert_window(f, &f->fired[0], &c, 1, 5);
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], 8 + 5);
	assert_int_equal(f->t.s[c.sess].rto_us, 400 * MS);
	/* The client had 1..5 all along: its ACK 5 moves on. */
	f->now += MS;
	send_ack(f, &c, 5, &a);
	assert_window(f, &a, &c, 6, 9);
	assert_int_equal(f->t.s[c.sess].retries, 0);
}

/*
 * Giving up takes max_retries retransmissions and give_up_us of silence:
 * ACK 0 at s, timeouts at s+100, +300, +700 (retries 3, 0.7 s quiet), then
 * every 400 ms until 2 s have passed: +1100, +1500, +1900 retransmit, +2300
 * gives up with an ERROR.
 */
static void
test_give_up(void **state)
{
	static const uint64_t fire_ms[] = {100, 300, 700, 1100, 1500, 1900};
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;
	uint64_t s;
	size_t k;

	start_windowed(f, &c, F_BIG, 4, &a);
	s = f->now;
	for (k = 0; k < sizeof(fire_ms) / sizeof(fire_ms[0]); k++) {
		assert_int_equal(tick_at(f, s + fire_ms[k] * MS - 1), 0);
		assert_int_equal(tick_at(f, s + fire_ms[k] * MS), 1);
		assert_int_equal(f->fired[0].sess, c.sess);
		assert_int_equal(f->fired[0].first, 1);
		assert_int_equal(f->fired[0].ctl_len, 0);
	}
	assert_int_equal(f->t.active, 1);
	assert_int_equal(tick_at(f, s + 2300 * MS - 1), 0);
	assert_int_equal(tick_at(f, s + 2300 * MS), 1);
	assert_to(&f->fired[0], &c);
	assert_error(&f->fired[0], TFTP_EC_UNDEF, "timed out");
	assert_int_equal(f->drops[RB_DROP_tftp_timeout], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_ended], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_done], 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_errors_sent], 1);
	assert_int_equal(f->t.active, 0);
	assert_int_equal(tick_at(f, s + 100000 * MS), 0);
	/* Its ACK after that: a stranger. */
	send_ack(f, &c, 4, &a);
	assert_error(&a, TFTP_EC_UNKNOWN_TID, NULL);
}

/* With give_up_us 0, max_retries alone decides: the fourth timeout ends it. */
static void
test_give_up_after_retries(void **state)
{
	struct tftpd_cfg cfg = base_cfg;
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;
	unsigned k;

	cfg.give_up_us = 0;
	fx_start(f, &cfg);
	send_rrq(f, &c, F_THREE, NULL, &a);
	send_ack(f, &c, 1, &a); /* proven: block 2 */
	for (k = 0; k < 3; k++) {
		assert_int_equal(tick_at(f, due(f, &c)), 1);
		assert_int_equal(f->fired[0].sess, c.sess);
	}
	/* 2; then probes 2..3 of which 2 was sent; then 2..3 both again */
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], 1 + 1 + 2);
	assert_int_equal(tick_at(f, due(f, &c)), 1);
	assert_error(&f->fired[0], TFTP_EC_UNDEF, "timed out");
	assert_int_equal(f->t.active, 0);
}

/* Progress resets the count and the silence: retries start over. */
static void
test_progress_resets_give_up(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;
	unsigned k;

	start_windowed(f, &c, F_BIG, 4, &a);
	for (k = 0; k < 5; k++)
		assert_int_equal(tick_at(f, due(f, &c)), 1);
	assert_int_equal(f->t.s[c.sess].retries, 5);
	f->now += MS;
	send_ack(f, &c, 4, &a);
	assert_window(f, &a, &c, 5, 8);
	assert_int_equal(f->t.s[c.sess].retries, 0);
	assert_int_equal(f->t.s[c.sess].progress_us, f->now);
	for (k = 0; k < 3; k++) {
		assert_int_equal(tick_at(f, due(f, &c)), 1);
		assert_int_equal(f->fired[0].first, 5);
		assert_int_equal(f->fired[0].ctl_len, 0);
	}
	assert_int_equal(f->t.active, 1);
}

/* With oack_wait_us, the server leaves the first retries of an unanswered
 * OACK to the client (its RRQ or ACK 0 again) and resends only after it. */
static void
test_oack_wait(void **state)
{
	struct tftpd_cfg cfg = base_cfg;
	struct fx *f = *state;
	struct client c = client(1);
	struct tftp_opts o = {.mask = TFTP_OPT_BLKSIZE, .blksize = 1024};
	struct tftpd_action a, first;

	cfg.oack_wait_us = 500000;
	fx_start(f, &cfg);
	send_rrq(f, &c, F_BIG, &o, &a);
	first = a;
	assert_int_equal(tick_at(f, T0 + 100 * MS), 0); /* the rto alone: not yet */
	/* The client asks again: answered at once, from the same session. */
	send_rrq(f, &c, F_BIG, &o, &a);
	assert_int_equal(a.local_port, first.local_port);
	assert_memory_equal(a.ctl, first.ctl, first.ctl_len);
	assert_int_equal(f->cnt[RB_CNT_tftp_rrq_repeats], 1);
	/* The answer re-armed the wait: 500 ms from the repeat at +100 ms. */
	assert_int_equal(tick_at(f, T0 + 600 * MS - 1), 0);
	assert_int_equal(tick_at(f, T0 + 600 * MS), 1); /* now the server resends */
	assert_memory_equal(f->fired[0].ctl, first.ctl, first.ctl_len);
}

/* The OACK (or its ACK) is lost: the same OACK bytes go again. */
static void
test_oack_lost(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftp_opts o = {
	    .mask = TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_WINDOWSIZE,
	    .blksize = 1024,
	    .windowsize = 8,
	};
	struct tftpd_action a, first;

	send_rrq(f, &c, F_BIG, &o, &a);
	first = a;
	assert_int_equal(tick_at(f, T0 + 100 * MS - 1), 0);
	assert_int_equal(tick_at(f, T0 + 100 * MS), 1);
	assert_int_equal(f->fired[0].sess, c.sess);
	assert_to(&f->fired[0], &c);
	assert_true(f->fired[0].first > f->fired[0].last);
	assert_int_equal(f->fired[0].ctl_len, first.ctl_len);
	assert_memory_equal(f->fired[0].ctl, first.ctl, first.ctl_len);
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], 0);
	assert_int_equal(f->t.s[c.sess].state, TS_OACK);
	/* And again, 200 ms later. */
	assert_int_equal(tick_at(f, T0 + 300 * MS), 1);
	assert_memory_equal(f->fired[0].ctl, first.ctl, first.ctl_len);
	/* The ACK 0 comes at last. */
	c.blksize = 1024;
	f->now += MS;
	send_ack(f, &c, 0, &a);
	assert_window(f, &a, &c, 1, 8);
	assert_int_equal(f->t.s[c.sess].retries, 0);
}

/* --- rollover -------------------------------------------------------------- */

/*
 * 8-byte blocks of the 600 KiB file: 76801 blocks, so the wire numbers wrap
 * (absolute 65536 is wire 0). ACKs of whole windows of 64; stale ACKs right
 * after the wrap are still recognised.
 */
static void
test_rollover(void **state)
{
	struct tftpd_cfg cfg = base_cfg;
	struct fx *f = *state;
	struct client c = client(1);
	struct tftp_opts o = {
	    .mask = TFTP_OPT_BLKSIZE | TFTP_OPT_WINDOWSIZE,
	    .blksize = 8,
	    .windowsize = 64,
	};
	struct tftpd_action a;
	uint64_t next, last, blocks = 0;

	cfg.max_window = 64;
	fx_start(f, &cfg);
	send_rrq(f, &c, F_BIG, &o, &a);
	assert_int_equal(oack_of(&a).blksize, 8);
	assert_int_equal(oack_of(&a).windowsize, 64);
	c.blksize = 8;
	send_ack(f, &c, 0, &a);
	assert_int_equal(f->t.s[c.sess].nblocks, 76801);
	for (next = 1; next <= 76801; next = last + 1) {
		last = next + 63 < 76801 ? next + 63 : 76801;
		assert_window(f, &a, &c, next, last);
		blocks += last - next + 1;
		f->now += MS;
		send_ack(f, &c, tftp_block_wire(last), &a);
		if (last == 65536) {
			/* Wire 0 acknowledged 65536; 0 and 65535 again are stale. */
			struct tftpd_action b;

			assert_int_equal(tftp_block_wire(last), 0);
			assert_int_equal(f->t.s[c.sess].acked, 65536);
			assert_int_equal(a.first, 65537);
			send_ack(f, &c, 0, &b);
			assert_none(&b);
			send_ack(f, &c, 65535, &b);
			assert_none(&b);
			assert_int_equal(f->drops[RB_DROP_tftp_stale_ack], 2);
		}
	}
	assert_none(&a);
	assert_int_equal(blocks, 76801);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_done], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], 0);
	assert_int_equal(f->t.active, 0);
}

/* A timeout right after the wrap resends from the right absolute block. */
static void
test_rollover_retransmit(void **state)
{
	struct tftpd_cfg cfg = base_cfg;
	struct fx *f = *state;
	struct client c = client(1);
	struct tftp_opts o = {
	    .mask = TFTP_OPT_BLKSIZE | TFTP_OPT_WINDOWSIZE, .blksize = 8, .windowsize = 64};
	struct tftpd_action a;
	uint64_t last;

	cfg.max_window = 64;
	fx_start(f, &cfg);
	send_rrq(f, &c, F_BIG, &o, &a);
	c.blksize = 8;
	send_ack(f, &c, 0, &a);
	for (last = 64; last <= 65472; last += 64)
		send_ack(f, &c, tftp_block_wire(last), &a);
	assert_window(f, &a, &c, 65473, 65536);
	/* The client saw up to 65500 only. */
	send_ack(f, &c, 65500, &a);
	assert_window(f, &a, &c, 65501, 65564);
	assert_int_equal(tick_at(f, due(f, &c)), 1);
	assert_window(f, &f->fired[0], &c, 65501, 65564);
	send_ack(f, &c, tftp_block_wire(65540), &a); /* wire 4 */
	assert_window(f, &a, &c, 65541, 65604);
}

/* --- errors and strangers ------------------------------------------------- */

static void
test_client_error_ends_session(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	send_rrq(f, &c, F_BIG, NULL, &a);
	send_error(f, &c, c.local, &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_client_error], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_ended], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_done], 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_errors_sent], 0);
	assert_int_equal(f->t.active, 0);
	assert_int_equal(tick_at(f, T0 + 10000 * MS), 0);
}

/* Wrong port, wrong address, wrong local port: error 5, the session unharmed. */
static void
test_unknown_tid(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct client port = c, addr = c;
	struct tftpd_action a;
	uint8_t ack[4];

	port.port++;
	addr.ip = htonl(0x0a000063);
	send_rrq(f, &c, F_THREE, NULL, &a);
	assert_int_equal(tftp_build_ack(ack, sizeof(ack), 1), 4);
	send_raw(f, &port, c.local, ack, 4, &a);
	assert_error(&a, TFTP_EC_UNKNOWN_TID, NULL);
	send_raw(f, &addr, c.local, ack, 4, &a);
	assert_error(&a, TFTP_EC_UNKNOWN_TID, NULL);
	send_raw(f, &c, c.local == PORT_HI ? PORT_LO : c.local + 1, ack, 4, &a);
	assert_error(&a, TFTP_EC_UNKNOWN_TID, NULL);
	/* An ERROR from a stranger is never answered, nor does it end anything. */
	send_error(f, &port, c.local, &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_unknown_tid], 4);
	assert_int_equal(f->drops[RB_DROP_tftp_client_error], 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_errors_sent], 3);
	assert_int_equal(f->t.active, 1);
	assert_int_equal(f->t.s[c.sess].acked, 0);
	/* The real client's ACK still works. */
	send_ack(f, &c, 1, &a);
	assert_window(f, &a, &c, 2, 2);
}

static void
test_wrq_refused(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	send_req(f, &c, TFTP_WRQ, "upload.bin", NULL, &a);
	assert_error(&a, TFTP_EC_ACCESS, NULL);
	assert_int_equal(f->drops[RB_DROP_tftp_wrq_refused], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_errors_sent], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_started], 0);
	assert_int_equal(f->t.active, 0);
}

static void
test_access_denied(void **state)
{
	static const char *const names[] = {"../x", "boot/../../one", "/../root/one"};
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;
	size_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		send_req(f, &c, TFTP_RRQ, names[k], NULL, &a);
		assert_error(&a, TFTP_EC_ACCESS, "access violation");
	}
	assert_int_equal(f->drops[RB_DROP_tftp_access_denied], 3);
	assert_int_equal(f->t.active, 0);
}

static void
test_not_found(void **state)
{
	static const char *const names[] = {"missing", "boot", "ONE", "boot/big.im"};
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;
	size_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		send_req(f, &c, TFTP_RRQ, names[k], NULL, &a);
		assert_error(&a, TFTP_EC_NOT_FOUND, NULL);
	}
	assert_int_equal(f->drops[RB_DROP_tftp_not_found], 4);
	/* Leading slash and backslashes are the same file. */
	send_req(f, &c, TFTP_RRQ, "/boot\\big.img", NULL, &a);
	assert_int_not_equal(a.sess, TFTPD_NONE);
	assert_int_equal(f->t.s[a.sess].file->size, BIG_SIZE);
	/* No cache at all: not found either. */
	f->t.cache = NULL;
	send_req(f, &c, TFTP_RRQ, "one", NULL, &a);
	assert_error(&a, TFTP_EC_NOT_FOUND, NULL);
}

/* --- sessions and ports ---------------------------------------------------- */

static void
test_sessions_full(void **state)
{
	struct tftpd_cfg cfg = base_cfg;
	struct fx *f = *state;
	struct client c1 = client(1), c2 = client(2), c3 = client(3);
	struct tftpd_action a;
	uint32_t freed;

	cfg.max_sessions = 2;
	fx_start(f, &cfg);
	send_rrq(f, &c1, F_BIG, NULL, &a);
	send_ack(f, &c1, 1, &a);
	send_rrq(f, &c2, F_BIG, NULL, &a);
	send_ack(f, &c2, 1, &a);
	assert_int_not_equal(c1.sess, c2.sess);
	/* Both proven: nothing can make room. */
	send_rrq(f, &c3, F_BIG, NULL, &a);
	assert_error(&a, TFTP_EC_UNDEF, "server busy, try again");
	assert_int_equal(f->drops[RB_DROP_tftp_sessions_full], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_started], 2);
	assert_int_equal(f->t.active, 2);
	/* One ends; its slot takes the next client. */
	freed = c1.sess;
	send_error(f, &c1, c1.local, &a);
	assert_int_equal(f->t.active, 1);
	send_rrq(f, &c3, F_THREE, NULL, &a);
	assert_int_equal(a.sess, freed);
	assert_window(f, &a, &c3, 1, 1);
	assert_int_equal(finish(f, &c3, &a, 1, MS), 4);
	/* c2 never noticed. */
	send_ack(f, &c2, 2, &a);
	assert_window(f, &a, &c2, 3, 3);
}

/*
 * One client ip:port: a TID is a port, so it runs one transfer at a time.
 * The same request repeated before anything was acknowledged (our OACK or
 * first block was lost) is answered from the same session and port; a new
 * request replaces the transfer under way.
 */
static void
test_same_client_repeat_and_replace(void **state)
{
	struct fx *f = *state;
	struct client a1 = client(1), a2 = client(1), a3 = client(1);
	struct tftpd_action x1, x2, x3;

	send_rrq(f, &a1, F_THREE, NULL, &x1);
	send_rrq(f, &a2, F_THREE, NULL, &x2);
	assert_int_equal(a1.sess, a2.sess);
	assert_int_equal(a1.local, a2.local);
	assert_window(f, &x2, &a2, 1, 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_rrq_repeats], 1);
	assert_int_equal(f->t.active, 1);
	send_ack(f, &a1, 1, &x1);
	assert_window(f, &x1, &a1, 2, 2);
	/* Under way: a new request from the same port replaces it. */
	send_rrq(f, &a3, F_ONE_PLUS, NULL, &x3);
	assert_int_equal(f->t.active, 1);
	assert_local_port(a3.local);
	assert_int_equal(finish(f, &a3, &x3, 1, MS), 2);
	assert_int_equal(f->t.active, 0);
}

/*
 * Session ports are drawn at random from the configured range: in range,
 * every one used, and the next one not to be guessed from the last (a
 * round robin would make the next one certain).
 */
static void
test_local_ports_random(void **state)
{
	struct fx *f = *state;
	struct tftpd_action a;
	unsigned k, seen = 0, next_in_order = 0;
	uint16_t prev = 0;

	for (k = 0; k < 200; k++) {
		struct client c = client(1 + k);

		send_rrq(f, &c, F_EMPTY, NULL, &a);
		assert_local_port(c.local);
		seen |= 1u << (c.local - PORT_LO);
		if (k && c.local == (prev == PORT_HI ? PORT_LO : prev + 1))
			next_in_order++;
		prev = c.local;
		send_ack(f, &c, 1, &a);
		assert_none(&a);
	}
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_done], 200);
	assert_int_equal(seen, (1u << (PORT_HI - PORT_LO + 1)) - 1);
	/* 1 in 10 by chance: 20 expected, 199 for a round robin. */
	assert_in_range(next_in_order, 0, 60);
}

/* Session ports are shared between clients, never two sessions per TID. */
static void
test_tid_never_duplicated(void **state)
{
	struct tftpd_cfg cfg = base_cfg;
	struct fx *f = *state;
	struct client c[3] = {client(1), client(2), client(3)};
	struct tftpd_action a;
	unsigned k;

	/* Two ports for three clients: ports are shared between clients
	 * (a TID is the pair of ports). */
	cfg.port_hi = PORT_LO + 1;
	fx_start(f, &cfg);
	for (k = 0; k < 3; k++)
		send_rrq(f, &c[k], F_BIG, NULL, &a);
	assert_int_equal(f->t.active, 3);
	for (k = 0; k < 3; k++) {
		assert_local_port(c[k].local);
		send_ack(f, &c[k], 1, &a); /* each found by its own TID */
		assert_window(f, &a, &c[k], 2, 2);
	}
}

/*
 * Each of n workers draws only the ports tftp_port_owner() gives it, and
 * in time every one of them: what the worker that receives a packet
 * relies on to find the session's owner.
 */
static void
test_ports_owner_random(void **state)
{
	static const struct {
		uint16_t lo, hi;
	} ranges[] = {{61000, 65535}, {100, 109}, {65530, 65535}, {7, 7}};
	static uint8_t seen[65536];
	struct tftp_ports p;
	uint16_t n, k, got;
	uint32_t draws, port, share;
	size_t r;

	(void)state;
	for (r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		uint16_t lo = ranges[r].lo, hi = ranges[r].hi;

		for (n = 1; n <= 5; n++) {
			for (k = 0; k < n; k++) {
				if ((uint32_t)lo + k > hi) {
					assert_int_equal(tftp_ports_init(&p, lo, hi, k, n),
							 -EINVAL);
					continue;
				}
				assert_int_equal(tftp_ports_init(&p, lo, hi, k, n), 0);
				memset(seen, 0, sizeof(seen));
				share = 0;
				for (port = lo; port <= hi; port++)
					share += tftp_port_owner((uint16_t)port, lo, n) ==
						 (n > 1 ? k : 0);
				assert_int_equal(p.count, share);
				/* 20 draws a port: all seen but by a 1 in 10^5 fluke. */
				for (draws = 0; draws < 20 * share; draws++) {
					got = tftp_ports_take(&p);
					assert_in_range(got, lo, hi);
					assert_int_equal(tftp_port_owner(got, lo, n),
							 n > 1 ? k : 0);
					seen[got] = 1;
				}
				for (port = lo; port <= hi; port++)
					if (tftp_port_owner((uint16_t)port, lo, n) ==
					    (n > 1 ? k : 0))
						assert_int_equal(seen[port], 1);
			}
		}
	}
	assert_int_equal(tftp_ports_init(&p, 10, 9, 0, 1), -EINVAL);
	assert_int_equal(tftp_ports_init(&p, 10, 20, 2, 2), -EINVAL); /* no such worker */
	assert_int_equal(tftp_ports_init(&p, 10, 20, 1, 1), -EINVAL);
}

/* Two workers' engines: their sessions never share a port, and the port
 * names the worker that owns the session. */
static void
test_ports_split_between_workers(void **state)
{
	struct tftpd_cfg cfg = base_cfg;
	struct fx *f = *state;
	struct tftp_server other;
	struct tftpd_action a, b;
	struct tftp_req rq = {.opcode = TFTP_RRQ};
	uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
	unsigned k;

	cfg.port_stride = 2;
	cfg.port_offset = 0;
	fx_start(f, &cfg);
	cfg.port_offset = 1;
	assert_int_equal(tftpd_init(&other, &cfg), 0);
	other.cache = f->t.cache;
	snprintf(rq.filename, sizeof(rq.filename), "%s", "empty");
	for (k = 0; k < 4; k++) {
		tftpd_rrq(&f->t, &rq, htonl(0xc6120000u + 10 + k), 1000, mac, f->now, &a, f->cnt,
			  f->drops);
		tftpd_rrq(&other, &rq, htonl(0xc6120000u + 10 + k), 1000, mac, f->now, &b, f->cnt,
			  f->drops);
		assert_int_not_equal(a.sess, TFTPD_NONE);
		assert_int_not_equal(b.sess, TFTPD_NONE);
		assert_int_equal(tftp_port_owner(a.local_port, PORT_LO, 2), 0);
		assert_int_equal(tftp_port_owner(b.local_port, PORT_LO, 2), 1);
		assert_int_not_equal(a.local_port, b.local_port);
	}
	tftpd_fini(&other);
}

/* The one estimator: smoothing, bounds (hi wins when they cross), backoff. */
static void
test_rtt_estimator(void **state)
{
	uint32_t srtt = 0;

	(void)state;
	assert_int_equal(tftp_rtt_sample(&srtt, 5000, 10000, 400000), 20000);
	assert_int_equal(srtt, 5000);
	assert_int_equal(tftp_rtt_sample(&srtt, 13000, 10000, 400000), 4 * 6000);
	assert_int_equal(srtt, 6000);
	assert_int_equal(tftp_rtt_sample(&srtt, 1000000, 10000, 400000), 400000);
	assert_int_equal(tftp_rto_of(0, 10000, 400000), 10000);
	assert_int_equal(tftp_rto_of(50000, 300000, 200000), 200000);
	assert_int_equal(tftp_rto_backoff(150000, 400000), 300000);
	assert_int_equal(tftp_rto_backoff(300000, 400000), 400000);
}

/* --- RTT ------------------------------------------------------------------- */

/* ACK 5 ms after the send: rto = max(4 * srtt, rto_min), smoothed after. */
static void
test_rtt_sample(void **state)
{
	struct tftpd_cfg cfg = base_cfg;
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	send_rrq(f, &c, F_BIG, NULL, &a);
	assert_int_equal(f->t.s[c.sess].rto_us, 100 * MS);
	f->now += 5 * MS;
	send_ack(f, &c, 1, &a);
	assert_int_equal(f->t.s[c.sess].srtt_us, 5 * MS);
	assert_int_equal(f->t.s[c.sess].rto_us, 20 * MS);
	/* Block 2 acknowledged 13 ms after it went out: srtt 6 ms, rto 24 ms. */
	f->now += 13 * MS;
	send_ack(f, &c, 2, &a);
	assert_window(f, &a, &c, 3, 3);
	assert_int_equal(f->t.s[c.sess].srtt_us, (7 * 5 + 13) * MS / 8);
	assert_int_equal(f->t.s[c.sess].rto_us, 4 * (7 * 5 + 13) * MS / 8);
	/* And the timer of block 3 is that. */
	assert_int_equal(tick_at(f, f->now + 24 * MS - 1), 0);
	assert_int_equal(tick_at(f, f->now + 1), 1);
	assert_window(f, &f->fired[0], &c, 3, 3);

	/* A higher floor wins over 4 * srtt. */
	cfg.rto_min_us = 50 * MS;
	fx_start(f, &cfg);
	c = client(2);
	send_rrq(f, &c, F_BIG, NULL, &a);
	f->now += 5 * MS;
	send_ack(f, &c, 1, &a);
	assert_int_equal(f->t.s[c.sess].rto_us, 50 * MS);
	assert_int_equal(tick_at(f, f->now + 50 * MS - 1), 0);
	assert_int_equal(tick_at(f, f->now + 1), 1);
	/* And rto_max caps a slow one: a first sample of 150 ms. */
	c = client(3);
	send_rrq(f, &c, F_BIG, NULL, &a);
	f->now += 150 * MS;
	send_ack(f, &c, 1, &a);
	assert_int_equal(f->t.s[c.sess].srtt_us, 150 * MS);
	assert_int_equal(f->t.s[c.sess].rto_us, 400 * MS);
}

/* An ACK inside the window takes no sample: it does not time the window. */
static void
test_rtt_only_last_block(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	start_windowed(f, &c, F_BIG, 4, &a);
	f->now += 300 * MS;
	send_ack(f, &c, 2, &a);
	assert_int_equal(f->t.s[c.sess].rto_us, 100 * MS);
	assert_int_equal(f->t.s[c.sess].srtt_us, 25 * MS);
}

/*
 * Karn's rule (RFC 6298 section 3): the round trip of a window that went
 * out twice is ambiguous and must not be sampled. A client whose RTT rises
 * from 2 ms to a steady 50 ms: with samples taken from the retransmission,
 * rto settles near 4/5 of the RTT and every window is sent twice for ever;
 * without them, backoff carries rto above the RTT and retransmissions stop.
 */
static void
test_rtt_karn(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftp_opts o = {.mask = TFTP_OPT_WINDOWSIZE, .windowsize = 2};
	struct tftpd_action a;
	uint64_t ack_at, last, before = 0;
	unsigned k;

	send_rrq(f, &c, F_BIG, &o, &a);
	f->now += 2 * MS;
	send_ack(f, &c, 0, &a);
	assert_int_equal(f->t.s[c.sess].rto_us, 10 * MS); /* 4 * 2 ms, floored */
	for (k = 0; k < 60; k++) {
		if (k == 40)
			before = f->cnt[RB_CNT_tftp_retransmits];
		last = a.last;
		assert_int_equal(a.first, last - 1);
		ack_at = f->now + 50 * MS;
		while (due(f, &c) <= ack_at)
			assert_int_equal(tick_at(f, due(f, &c)), 1);
		f->now = ack_at;
		send_ack(f, &c, tftp_block_wire(last), &a);
		assert_int_equal(a.first, last + 1);
	}
	assert_true(f->t.s[c.sess].rto_us > 50 * MS);
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], before);
}

/*
 * The client's timeout option bounds ours: "never waits longer than it"
 * (tftpd_rrq), backoff included, so a lost window is resent before the
 * client gives up.
 */
static void
test_timeout_option_bounds_rto(void **state)
{
	struct tftpd_cfg cfg = base_cfg;
	struct fx *f = *state;
	struct client c = client(1);
	struct tftp_opts o = {.mask = TFTP_OPT_TIMEOUT, .timeout = 1};
	struct tftpd_action a;

	cfg.rto_init_us = 3000 * MS;
	cfg.rto_max_us = 4000 * MS;
	fx_start(f, &cfg);
	send_rrq(f, &c, F_BIG, &o, &a);
	assert_int_equal(oack_of(&a).timeout, 1);
	assert_int_equal(f->t.s[c.sess].rto_us, 1000 * MS);
	assert_int_equal(tick_at(f, T0 + 1000 * MS - 1), 0);
	assert_int_equal(tick_at(f, T0 + 1000 * MS), 1); /* the OACK again */
	assert_true(f->t.s[c.sess].rto_us <= 1000 * MS);
	assert_int_equal(tick_at(f, T0 + 2000 * MS), 1);
}

/* --- the wheel ------------------------------------------------------------- */

/* A fresh server whose first tick comes after the deadline still fires it. */
static void
test_first_tick_fires_due_timer(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	tftpd_fini(&f->t);
	assert_int_equal(tftpd_init(&f->t, &base_cfg), 0);
	f->t.cache = cache;
	f->now = 5 * T0;
	send_rrq(f, &c, F_THREE, NULL, &a);
	assert_int_equal(tick_at(f, 5 * T0 + 150 * MS), 1);
}

/* Timers past the wheel's 4 s horizon, and a caller that stalls a lap. */
static void
test_long_timers(void **state)
{
	struct tftpd_cfg cfg = base_cfg;
	struct fx *f = *state;
	struct client c = client(1), d = client(2);
	struct tftpd_action a;

	cfg.rto_init_us = 5000 * MS;
	cfg.rto_max_us = 10000 * MS;
	cfg.give_up_us = 60000 * MS;
	fx_start(f, &cfg);
	send_rrq(f, &c, F_THREE, NULL, &a);
	/* Lap one passes its slot: not due yet. */
	assert_int_equal(tick_at(f, T0 + 4500 * MS), 0);
	assert_int_equal(tick_at(f, T0 + 5000 * MS - 1), 0);
	assert_int_equal(tick_at(f, T0 + 5000 * MS), 1);
	assert_window(f, &f->fired[0], &c, 1, 1);
	/* Next due at +10 s: a caller silent for 30 s still fires it, once. */
	send_rrq(f, &d, F_ONE, NULL, &a);
	assert_int_equal(tick_at(f, T0 + 35000 * MS), 2);
	assert_int_equal(tick_at(f, T0 + 35001 * MS), 0);
}

/* --- generations ----------------------------------------------------------- */

/* A session keeps its generation alive after a newer one replaces it. */
static void
test_generation_pinned(void **state)
{
	struct fx *f = *state;
	long live = 0, with_a;
	const struct ic_alloc al = {m_alloc, m_free, &live};
	struct image_cache *gen_a, *gen_b;
	struct client c = client(1), d = client(2);
	struct tftpd_action a;

	gen_a = load(&al);
	with_a = live;
	f->t.cache = gen_a;
	send_rrq(f, &c, F_THREE, NULL, &a);
	send_rrq(f, &d, F_ONE, NULL, &a);
	/* Publish B, drop the publisher's reference to A. */
	gen_b = load(&al);
	f->t.cache = gen_b;
	ic_put(gen_a);
	assert_int_equal(live, 2 * with_a);
	send_ack(f, &c, 1, &a);
	assert_window(f, &a, &c, 2, 2); /* A's bytes, still there */
	assert_int_equal(finish(f, &c, &a, 1, MS), 3);
	assert_int_equal(live, 2 * with_a); /* d still holds A */
	send_error(f, &d, d.local, &a);
	assert_int_equal(live, with_a); /* A gone, B stays */
	/* A session on B, left running: tftpd_fini drops it. */
	send_rrq(f, &c, F_BIG, NULL, &a);
	assert_int_equal(f->t.s[c.sess].gen, gen_b);
	tftpd_fini(&f->t);
	f->started = false;
	ic_put(gen_b);
	assert_int_equal(live, 0);
}

/* --- multicast: RFC 2090 streams and PXE MTFTP ----------------------------- */

#define MC_GROUP 0xefff4501u /* 239.255.69.1, host order; stream k is + k */
#define MC_PORT 1760
#define MC_WINDOW 4
#define MTFTP_GROUP 0xefff4601u /* 239.255.70.1 */
#define MTFTP_CPORT 1758

/* Two RFC 2090 streams of 4 clients, windows of 4, and PXE MTFTP. */
static struct tftpd_cfg
mc_cfg(void)
{
	struct tftpd_cfg cfg = base_cfg;

	cfg.mc_group = htonl(MC_GROUP);
	cfg.mc_port = MC_PORT;
	cfg.mc_streams = 2;
	cfg.mc_members = 4;
	cfg.mc_window = MC_WINDOW;
	cfg.mtftp_group = htonl(MTFTP_GROUP);
	cfg.mtftp_cport = MTFTP_CPORT;
	return cfg;
}

/* The running stream that sends from local port `local`, or NULL. */
static struct tftp_mc *
stream_at(struct fx *f, uint16_t local)
{
	uint16_t i;

	for (i = 0; i < f->t.nmc; i++)
		if (f->t.mc[i].kind != MC_FREE && f->t.mc[i].local_port == local)
			return &f->t.mc[i];
	return NULL;
}

/*
 * An RRQ for `name` with the multicast option and the options in `mask`
 * (blksize when mask has it). c->local is the port of the answer, whether
 * from a stream (no session) or a unicast session.
 */
static void
send_mc_req(struct fx *f, struct client *c, const char *name, uint8_t mask, uint16_t blksize,
	    struct tftpd_action *a)
{
	struct tftp_opts o = {.mask = (uint8_t)(TFTP_OPT_MULTICAST | mask), .blksize = blksize};

	send_req(f, c, TFTP_RRQ, name, &o, a);
	c->local = a->local_port;
}

static void
send_mc_rrq(struct fx *f, struct client *c, int file, uint8_t mask, uint16_t blksize,
	    struct tftpd_action *a)
{
	c->file = file;
	send_mc_req(f, c, files[file].name, mask, blksize, a);
}

/* A request to the MTFTP port from c; c->local is the stream's port when one answers. */
static void
send_mtftp(struct fx *f, struct client *c, uint16_t opcode, const char *name,
	   struct tftpd_action *a)
{
	uint8_t buf[TFTP_REQ_MAX];
	struct tftp_req rq;
	int n = tftp_build_request(buf, sizeof(buf), opcode, name, "octet", NULL);

	assert_true(n > 0);
	assert_int_equal(tftp_parse_request(buf, (size_t)n, &rq), TFTP_OK);
	memset(a, 0xa5, sizeof(*a));
	tftpd_mtftp_rrq(&f->t, &rq, c->ip, c->port, c->mac, f->now, a, f->cnt, f->drops);
	assert_int_equal(a->sess, TFTPD_NONE);
	assert_int_equal(a->dst_ip, c->ip);
	assert_int_equal(a->dst_port, c->port);
	assert_memory_equal(a->dst_mac, c->mac, 6);
	if (a->local_port) {
		assert_local_port(a->local_port);
		c->local = a->local_port;
	}
}

/*
 * An ACK or ERROR from c to its stream's port. No check of where the
 * answer goes: a promotion's OACK goes to the next member.
 */
static void
to_stream(struct fx *f, const struct client *c, const uint8_t *buf, size_t len,
	  struct tftpd_action *a)
{
	memset(a, 0xa5, sizeof(*a));
	tftpd_input(&f->t, buf, len, c->ip, c->port, c->local, f->now, a, f->cnt, f->drops);
}

static void
stream_ack(struct fx *f, const struct client *c, uint16_t block, struct tftpd_action *a)
{
	uint8_t buf[4];

	assert_int_equal(tftp_build_ack(buf, sizeof(buf), block), 4);
	to_stream(f, c, buf, 4, a);
}

static void
stream_error(struct fx *f, const struct client *c, struct tftpd_action *a)
{
	uint8_t buf[64];
	int n = tftp_build_error(buf, sizeof(buf), TFTP_EC_UNDEF, "user cancelled");

	assert_true(n > 0);
	to_stream(f, c, buf, (size_t)n, a);
}

/*
 * An OACK to c (from c->local, no DATA) naming group:MC_PORT, mc=master.
 * Returns the options for the caller's checks of the rest.
 */
static struct tftp_opts
assert_mc_oack(const struct tftpd_action *a, const struct client *c, uint32_t group, uint8_t master)
{
	struct tftp_opts o;

	assert_int_equal(a->sess, TFTPD_NONE);
	assert_to(a, c);
	assert_true(a->first > a->last);
	assert_int_equal(a->mcast, 0);
	assert_int_equal(a->unicast_first, 0);
	o = oack_of(a);
	assert_true(o.mask & TFTP_OPT_MULTICAST);
	assert_int_equal(o.mc_addr, htonl(group));
	assert_int_equal(o.mc_port, MC_PORT);
	assert_int_equal(o.mc_master, master);
	return o;
}

/* 01:00:5e and the low 23 bits of the group (host order), built here by hand. */
static void
group_mac(uint32_t group, uint8_t mac[6])
{
	const uint8_t m[6] = {
	    0x01,	   0x00, 0x5e, (uint8_t)((group >> 16) & 0x7f), (uint8_t)(group >> 8),
	    (uint8_t)group};

	memcpy(mac, m, 6);
}

/*
 * DATA blocks first..last of `file` at blksize, to group:gport (its MAC)
 * from local port `local`, no OACK or ERROR; each block the right slice.
 */
static void
assert_group_data(const struct tftpd_action *a, uint16_t local, uint32_t group, uint16_t gport,
		  int file, uint16_t blksize, uint64_t first, uint64_t last)
{
	const struct tfile *tf = &files[file];
	uint8_t mac[6];
	uint64_t n, off, got_off;
	uint32_t len, want;
	const uint8_t *p;

	group_mac(group, mac);
	assert_int_equal(a->sess, TFTPD_NONE);
	assert_int_equal(a->ctl_len, 0);
	assert_int_equal(a->local_port, local);
	assert_int_equal(a->mcast, 1);
	assert_int_equal(a->data_ip, htonl(group));
	assert_int_equal(a->data_port, gport);
	assert_memory_equal(a->data_mac, mac, 6);
	assert_int_equal(a->first, first);
	assert_int_equal(a->last, last);
	assert_int_equal(a->blksize, blksize);
	assert_non_null(a->file);
	assert_int_equal(a->file->size, tf->size);
	for (n = first; n <= last; n++) {
		off = (n - 1) * blksize;
		want = off >= tf->size		  ? 0
		       : tf->size - off < blksize ? (uint32_t)(tf->size - off)
						  : blksize;
		p = tftpd_act_block(a, n, &len, &got_off);
		assert_int_equal(got_off, off);
		assert_int_equal(len, want);
		if (len)
			assert_memory_equal(p, tf->data + off, len);
	}
}

/* (a) Multicast off: the option is ignored, the transfer is a plain one. */
static void
test_mc_option_off(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c = client(1), d = client(2);
	struct tftpd_action a;
	struct tftp_opts got;

	/* base_cfg: no groups at all. */
	assert_int_equal(f->t.nmc, 0);
	send_mc_rrq(f, &c, F_THREE, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE, 1024, &a);
	assert_int_not_equal(a.sess, TFTPD_NONE);
	assert_to(&a, &c);
	assert_true(a.first > a.last);
	got = oack_of(&a);
	assert_int_equal(got.mask, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE); /* no multicast */
	assert_int_equal(got.blksize, 1024);
	assert_int_equal(got.tsize, 3 * 512);
	c.blksize = 1024;
	send_ack(f, &c, 0, &a);
	assert_window(f, &a, &c, 1, 1);
	assert_int_equal(a.mcast, 0);
	assert_int_equal(a.data_ip, c.ip);
	assert_int_equal(f->t.active, 1);
	assert_int_equal(f->t.mc_active, 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_started], 1);

	/* Groups set, but no RFC 2090 stream: the same; only the multicast
	 * option asked, none acknowledged: DATA 1 at once (RFC 2347). */
	cfg.mc_streams = 0;
	fx_start(f, &cfg);
	assert_int_equal(f->t.nmc, 1); /* the MTFTP stream only */
	send_mc_rrq(f, &d, F_THREE, 0, 0, &a);
	assert_int_not_equal(a.sess, TFTPD_NONE);
	assert_window(f, &a, &d, 1, 1);
	assert_int_equal(a.mcast, 0);
	assert_int_equal(f->t.mc_active, 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_oack], 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_started], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams], 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_clients], 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_fallback], 0); /* off, not a fallback */
}

/* (b) The first client starts a stream and is its master; the next joins it. */
static void
test_mc_first_client_and_join(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c1 = client(1), c2 = client(2), c3 = client(3);
	struct tftpd_action a;
	struct tftp_mc *s;
	struct tftp_opts o;

	fx_start(f, &cfg);
	send_mc_rrq(f, &c1, F_BIG, TFTP_OPT_TSIZE, 0, &a);
	assert_local_port(c1.local);
	o = assert_mc_oack(&a, &c1, MC_GROUP, 1);
	assert_int_equal(o.mask, TFTP_OPT_TSIZE | TFTP_OPT_MULTICAST);
	assert_int_equal(o.tsize, BIG_SIZE);
	/* The value on the wire, as RFC 2090 spells it. */
	assert_non_null(memmem(a.ctl, a.ctl_len,
			       "multicast\0"
			       "239.255.69.1,1760,1\0",
			       30));
	s = stream_at(f, c1.local);
	assert_non_null(s);
	assert_ptr_equal(s, &f->t.mc[0]);
	assert_int_equal(s->kind, MC_RFC2090);
	assert_int_equal(s->state, TS_OACK);
	assert_int_equal(s->nm, 1);
	assert_int_equal(s->blksize, 512);
	assert_int_equal(s->nblocks, BIG_SIZE / 512 + 1);
	assert_int_equal(s->group_ip, htonl(MC_GROUP));
	assert_int_equal(f->t.mc_active, 1);
	assert_int_equal(f->t.active, 0); /* no unicast session */
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_clients], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_oack], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_started], 0);

	/* The master's ACK 0: the first window, to the group. */
	f->now += 25 * MS;
	send_ack(f, &c1, 0, &a);
	assert_to(&a, &c1);
	assert_group_data(&a, c1.local, MC_GROUP, MC_PORT, F_BIG, 512, 1, MC_WINDOW);
	assert_int_equal(a.unicast_first, 0);
	assert_int_equal(s->state, TS_DATA);

	/* Same file, same (default) blksize: joins, mc=0, from the same port. */
	send_mc_rrq(f, &c2, F_BIG, TFTP_OPT_TIMEOUT, 0, &a);
	assert_int_equal(c2.local, c1.local);
	o = assert_mc_oack(&a, &c2, MC_GROUP, 0);
	assert_int_equal(o.mask, TFTP_OPT_MULTICAST); /* timeout 0 in the RRQ: not taken */
	/* blksize 512 asked explicitly is the same stream too, and echoed. */
	send_mc_rrq(f, &c3, F_BIG, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE, 512, &a);
	assert_int_equal(c3.local, c1.local);
	o = assert_mc_oack(&a, &c3, MC_GROUP, 0);
	assert_int_equal(o.mask, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_MULTICAST);
	assert_int_equal(o.blksize, 512);
	assert_int_equal(o.tsize, BIG_SIZE);
	assert_int_equal(s->nm, 3);
	assert_int_equal(f->t.mc_active, 1);
	assert_int_equal(f->t.active, 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_clients], 3);
	assert_int_equal(f->cnt[RB_CNT_tftp_oack], 3);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_fallback], 0);
	/* Joining sends no DATA and leaves the master's window alone. */
	assert_int_equal(s->acked, 0);
	assert_int_equal(s->sent, MC_WINDOW);

	/* The master moves the window on. */
	send_ack(f, &c1, MC_WINDOW, &a);
	assert_group_data(&a, c1.local, MC_GROUP, MC_PORT, F_BIG, 512, MC_WINDOW + 1,
			  2 * MC_WINDOW);
}

/* (c) A second blksize gets the second group; beyond the streams, unicast. */
static void
test_mc_second_stream_and_fallback(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c[8];
	struct tftpd_action a;
	struct tftp_opts o;
	unsigned k;

	for (k = 0; k < 8; k++)
		c[k] = client(1 + k);
	fx_start(f, &cfg);
	send_mc_rrq(f, &c[0], F_BIG, 0, 0, &a);
	assert_mc_oack(&a, &c[0], MC_GROUP, 1);
	/* blksize 1024: another stream, on group + 1, from another port. */
	send_mc_rrq(f, &c[1], F_BIG, TFTP_OPT_BLKSIZE, 1024, &a);
	o = assert_mc_oack(&a, &c[1], MC_GROUP + 1, 1);
	assert_int_equal(o.blksize, 1024);
	assert_int_not_equal(c[1].local, c[0].local);
	assert_ptr_equal(stream_at(f, c[1].local), &f->t.mc[1]);
	assert_int_equal(f->t.mc_active, 2);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams], 2);
	f->now += MS;
	send_ack(f, &c[1], 0, &a);
	assert_group_data(&a, c[1].local, MC_GROUP + 1, MC_PORT, F_BIG, 1024, 1, MC_WINDOW);
	assert_memory_equal(a.data_mac, ((const uint8_t[]){0x01, 0x00, 0x5e, 0x7f, 0x45, 0x02}), 6);

	/* A third (file, blksize) while both are busy: a plain session. */
	send_mc_rrq(f, &c[2], F_THREE, 0, 0, &a);
	assert_int_not_equal(a.sess, TFTPD_NONE);
	assert_window(f, &a, &c[2], 1, 1); /* multicast not acknowledged: DATA 1 at once */
	assert_int_equal(a.mcast, 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_fallback], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_started], 1);
	assert_int_equal(f->t.active, 1);
	/* blksize 2000 is cut to 1468: a third blksize, unicast too, its OACK
	 * without multicast. */
	send_mc_rrq(f, &c[3], F_BIG, TFTP_OPT_BLKSIZE, 2000, &a);
	assert_int_not_equal(a.sess, TFTPD_NONE);
	o = oack_of(&a);
	assert_int_equal(o.mask, TFTP_OPT_BLKSIZE);
	assert_int_equal(o.blksize, 1468);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_fallback], 2);
	assert_int_equal(f->t.mc_active, 2);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams], 2);

	/* Stream 1 takes members up to mc_members (4), then unicast. */
	for (k = 4; k < 7; k++) {
		send_mc_rrq(f, &c[k], F_BIG, 0, 0, &a);
		assert_int_equal(c[k].local, c[0].local);
		assert_mc_oack(&a, &c[k], MC_GROUP, 0);
	}
	assert_int_equal(f->t.mc[0].nm, 4);
	send_mc_rrq(f, &c[7], F_BIG, 0, 0, &a);
	assert_int_not_equal(a.sess, TFTPD_NONE);
	assert_window(f, &a, &c[7], 1, 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_fallback], 3);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_clients], 2 + 3);
	assert_int_equal(f->t.active, 3);
}

/*
 * (d) Promotion: the master has the whole file; the next member, promoted
 * by an OACK mc=1, names its first hole and the stream serves it from
 * there; the last one ends the stream. Three members: c2 joined at the
 * start but lost blocks 6 and 7, c3 joined after block 204 went out.
 */
static void
test_mc_promotion(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c1 = client(1), c2 = client(2), c3 = client(3);
	const uint64_t nb = BIG_SIZE / 512 + 1; /* 1201 */
	struct tftpd_action a;
	struct tftp_mc *s;
	uint64_t k;

	fx_start(f, &cfg);
	send_mc_rrq(f, &c1, F_BIG, 0, 0, &a);
	send_mc_rrq(f, &c2, F_BIG, 0, 0, &a);
	s = stream_at(f, c1.local);
	send_ack(f, &c1, 0, &a);
	assert_group_data(&a, c1.local, MC_GROUP, MC_PORT, F_BIG, 512, 1, 4);
	for (k = 4; k < nb; k += 4) {
		if (k == 204) {
			send_mc_rrq(f, &c3, F_BIG, 0, 0, &a);
			assert_mc_oack(&a, &c3, MC_GROUP, 0);
		}
		send_ack(f, &c1, (uint16_t)k, &a);
		assert_group_data(&a, c1.local, MC_GROUP, MC_PORT, F_BIG, 512, k + 1,
				  k + 4 < nb ? k + 4 : nb);
	}
	assert_int_equal(s->sent, nb);
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], 0);

	/* c1 has it all: c2 is promoted. */
	stream_ack(f, &c1, (uint16_t)nb, &a);
	assert_mc_oack(&a, &c2, MC_GROUP, 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_done], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_promotions], 1);
	assert_int_equal(s->nm, 2);
	assert_int_equal(s->state, TS_OACK);
	assert_int_equal(f->t.mc_active, 1);
	/* c1 is no member any more: its ACK now is a stranger's. */
	send_ack(f, &c1, (uint16_t)nb, &a);
	assert_error(&a, TFTP_EC_UNKNOWN_TID, NULL);
	/* c2's first hole is block 6: it ACKs 5, the stream goes back there. */
	f->now += MS;
	send_ack(f, &c2, 5, &a);
	assert_group_data(&a, c2.local, MC_GROUP, MC_PORT, F_BIG, 512, 6, 6 + MC_WINDOW - 1);
	assert_int_equal(s->state, TS_DATA);
	assert_int_equal(s->acked, 5);
	/* With 6..9 it has the whole file: it ACKs the last block, which the
	 * stream sent before the promotion. */
	stream_ack(f, &c2, (uint16_t)nb, &a);
	assert_mc_oack(&a, &c3, MC_GROUP, 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_done], 2);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_promotions], 2);
	/* c3 misses 1..204: ACK 0, and the stream starts over. */
	send_ack(f, &c3, 0, &a);
	assert_group_data(&a, c3.local, MC_GROUP, MC_PORT, F_BIG, 512, 1, 4);
	for (k = 4; k < 204; k += 4) {
		send_ack(f, &c3, (uint16_t)k, &a);
		assert_group_data(&a, c3.local, MC_GROUP, MC_PORT, F_BIG, 512, k + 1, k + 4);
	}
	/* Block 204 closed its hole: the last member done, the stream ends. */
	stream_ack(f, &c3, (uint16_t)nb, &a);
	assert_int_equal(a.ctl_len, 0);
	assert_true(a.first > a.last);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_done], 3);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_promotions], 2);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams_ended], 1);
	assert_int_equal(f->t.mc_active, 0);
	assert_int_equal(f->t.mc[0].kind, MC_FREE);
	assert_null(f->t.mc[0].gen);
	assert_null(stream_at(f, c1.local));
	/* Its port answers no one now; and no timer is left. */
	send_ack(f, &c3, (uint16_t)nb, &a);
	assert_error(&a, TFTP_EC_UNKNOWN_TID, NULL);
	assert_int_equal(tick_at(f, f->now + 10000 * MS), 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_started], 0);
}

/* (d) A stream pins the generation it started on; its end releases it. */
static void
test_mc_generation_pinned(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	long live = 0, with_a;
	const struct ic_alloc al = {m_alloc, m_free, &live};
	struct image_cache *gen_a, *gen_b;
	struct client c1 = client(1), c2 = client(2);
	struct tftpd_action a;

	fx_start(f, &cfg);
	gen_a = load(&al);
	with_a = live;
	f->t.cache = gen_a;
	send_mc_rrq(f, &c1, F_THREE, 0, 0, &a);
	assert_mc_oack(&a, &c1, MC_GROUP, 1);
	assert_ptr_equal(f->t.mc[0].gen, gen_a);
	/* Publish B, drop the publisher's reference to A: the stream keeps it. */
	gen_b = load(&al);
	f->t.cache = gen_b;
	ic_put(gen_a);
	assert_int_equal(live, 2 * with_a);
	/* The same file on B is another stream: A's is not joined. */
	send_mc_rrq(f, &c2, F_THREE, 0, 0, &a);
	assert_mc_oack(&a, &c2, MC_GROUP + 1, 1);
	assert_ptr_equal(f->t.mc[1].gen, gen_b);
	send_ack(f, &c1, 0, &a);
	assert_group_data(&a, c1.local, MC_GROUP, MC_PORT, F_THREE, 512, 1, 4); /* A's bytes */
	send_ack(f, &c1, 4, &a);
	assert_none(&a);
	assert_int_equal(f->t.mc_active, 1);
	assert_int_equal(live, with_a); /* A gone with its stream, B stays */
	/* B's stream left running: tftpd_fini drops it. */
	tftpd_fini(&f->t);
	f->started = false;
	ic_put(gen_b);
	assert_int_equal(live, 0);
}

/* (e) A member's repeated RRQ gets its OACK again and adds no one. */
static void
test_mc_repeat_rrq(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c1 = client(1), c2 = client(2);
	struct tftpd_action a, oack1, oack2;
	struct tftp_mc *s;

	fx_start(f, &cfg);
	send_mc_rrq(f, &c1, F_BIG, TFTP_OPT_TSIZE, 0, &oack1);
	send_mc_rrq(f, &c2, F_BIG, 0, 0, &oack2);
	s = stream_at(f, c1.local);
	send_mc_rrq(f, &c2, F_BIG, 0, 0, &a);
	assert_mc_oack(&a, &c2, MC_GROUP, 0);
	assert_int_equal(a.ctl_len, oack2.ctl_len);
	assert_memory_equal(a.ctl, oack2.ctl, a.ctl_len);
	assert_int_equal(f->cnt[RB_CNT_tftp_rrq_repeats], 1);
	/* The master's too, mc=1 and its tsize. */
	send_mc_rrq(f, &c1, F_BIG, TFTP_OPT_TSIZE, 0, &a);
	assert_mc_oack(&a, &c1, MC_GROUP, 1);
	assert_memory_equal(a.ctl, oack1.ctl, oack1.ctl_len);
	assert_int_equal(f->cnt[RB_CNT_tftp_rrq_repeats], 2);
	/* Also once the stream runs: no DATA in the answer, the window as it was. */
	send_ack(f, &c1, 0, &a);
	send_mc_rrq(f, &c2, F_BIG, 0, 0, &a);
	assert_mc_oack(&a, &c2, MC_GROUP, 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_rrq_repeats], 3);
	assert_int_equal(s->nm, 2);
	assert_int_equal(s->sent, MC_WINDOW);
	assert_int_equal(s->m[0].ip, c1.ip);
	assert_int_equal(s->m[1].ip, c2.ip);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_clients], 2);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams], 1);
	assert_int_equal(f->t.active, 0);
}

/* (f) ERRORs and ACKs from the master and from listeners. */
/* F_BIG's stream with three members, c1 its master: c1's ACK 0 sent
 * the first window to the group. */
static struct tftp_mc *
mc_three(struct fx *f, const struct tftpd_cfg *cfg, struct client *c1, struct client *c2,
	 struct client *c3, struct tftpd_action *a)
{
	struct tftp_mc *s;

	fx_start(f, cfg);
	send_mc_rrq(f, c1, F_BIG, 0, 0, a);
	send_mc_rrq(f, c2, F_BIG, 0, 0, a);
	send_mc_rrq(f, c3, F_BIG, 0, 0, a);
	s = stream_at(f, c1->local);
	send_ack(f, c1, 0, a);
	assert_group_data(a, c1->local, MC_GROUP, MC_PORT, F_BIG, 512, 1, 4);
	return s;
}

static void
test_mc_errors_and_listeners(void **state)
{
	static const uint8_t data[] = {0, TFTP_DATA, 0, 1, 'x'};
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c1 = client(1), c2 = client(2), c3 = client(3), x = client(9);
	struct tftpd_action a;
	struct tftp_mc *s;

	s = mc_three(f, &cfg, &c1, &c2, &c3, &a);
	/* A listener's ACK: counted stale, nothing moves. */
	send_ack(f, &c3, 2, &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_stale_ack], 1);
	assert_int_equal(s->acked, 0);
	assert_int_equal(s->sent, 4);
	/* Neither does the master's DATA, nor a stranger's ACK (error 5). */
	send_raw(f, &c1, c1.local, data, sizeof(data), &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_malformed], 1);
	x.local = c1.local;
	send_ack(f, &x, 4, &a);
	assert_error(&a, TFTP_EC_UNKNOWN_TID, NULL);
	assert_int_equal(s->acked, 0);
	/* A listener's ERROR: it leaves, nothing is sent. */
	send_error(f, &c3, c3.local, &a);
	assert_none(&a);
	assert_int_equal(s->nm, 2);
	assert_int_equal(s->m[1].ip, c2.ip);
	assert_int_equal(f->drops[RB_DROP_tftp_client_error], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_promotions], 0);
	send_ack(f, &c3, 4, &a); /* now a stranger */
	assert_error(&a, TFTP_EC_UNKNOWN_TID, NULL);
	/* The master's ERROR: c2 is promoted. */
	stream_error(f, &c1, &a);
	assert_mc_oack(&a, &c2, MC_GROUP, 1);
	assert_int_equal(f->drops[RB_DROP_tftp_client_error], 2);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_promotions], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_done], 0);
	assert_int_equal(s->nm, 1);
	assert_int_equal(s->state, TS_OACK);
	send_ack(f, &c2, 0, &a);
	assert_group_data(&a, c2.local, MC_GROUP, MC_PORT, F_BIG, 512, 1, 4);
	/* The last member's ERROR ends the stream. */
	send_error(f, &c2, c2.local, &a);
	assert_none(&a);
	assert_int_equal(f->t.mc_active, 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams_ended], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_errors_sent], 2); /* the two error 5 */
	assert_int_equal(tick_at(f, f->now + 10000 * MS), 0);
}

/*
 * (f2) RFC 2090: any client ends its part with an ACK of the last block,
 * master or not. A listener that holds every block leaves the list at
 * once (counted done): the next promotion skips it, so a client that went
 * on to its next file costs the stream no timeouts.
 */
static void
test_mc_listener_done(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c1 = client(1), c2 = client(2), c3 = client(3);
	const uint64_t nb = BIG_SIZE / 512 + 1;
	struct tftpd_action a;
	struct tftp_mc *s;

	s = mc_three(f, &cfg, &c1, &c2, &c3, &a);
	/* A listener's ACK short of the end is still only stale. */
	stream_ack(f, &c2, (uint16_t)(nb - 1), &a);
	assert_none(&a);
	assert_int_equal(s->nm, 3);
	/* Its ACK of the last block: done, off the list, nothing sent. */
	stream_ack(f, &c2, (uint16_t)nb, &a);
	assert_none(&a);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_done], 1);
	assert_int_equal(s->nm, 2);
	assert_int_equal(s->m[0].ip, c1.ip);
	assert_int_equal(s->m[1].ip, c3.ip);
	assert_int_equal(s->acked, 0); /* the stream goes on as the master says */
	/* The master done: c3 is promoted, not c2. */
	stream_ack(f, &c1, (uint16_t)nb, &a);
	assert_mc_oack(&a, &c3, MC_GROUP, 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_done], 2);
	/* c2 is a stranger now. */
	stream_ack(f, &c2, (uint16_t)nb, &a);
	assert_error(&a, TFTP_EC_UNKNOWN_TID, NULL);
}

/*
 * (g) Timers. The group's round trip is 20 ms: rto 80 ms. A silent master
 * gets the window again from acked + 1 with backoff (80, 160, 320 ms, then
 * rto_max 400); after max_retries (3) it is dropped and the next member
 * promoted, its OACK timed from the group's round trip (80 ms, not
 * rto_init); the last one's silence ends the stream.
 */
static void
test_mc_timers(void **state)
{
	static const uint32_t backoff_ms[] = {80, 160, 320};
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c1 = client(1), c2 = client(2), c3 = client(3);
	struct tftpd_action a;
	struct tftp_mc *s;
	uint64_t at;
	size_t k;

	fx_start(f, &cfg);
	send_mc_rrq(f, &c1, F_BIG, 0, 0, &a);
	send_mc_rrq(f, &c2, F_BIG, 0, 0, &a);
	s = stream_at(f, c1.local);
	assert_int_equal(s->rto_us, 100 * MS); /* rto_init */
	f->now += 20 * MS;
	send_ack(f, &c1, 0, &a);
	f->now += 20 * MS;
	send_ack(f, &c1, 4, &a);
	assert_group_data(&a, c1.local, MC_GROUP, MC_PORT, F_BIG, 512, 5, 8);
	assert_int_equal(s->srtt_us, 20 * MS);
	assert_int_equal(s->rto_us, 80 * MS);
	at = f->now;
	for (k = 0; k < 3; k++) {
		at += backoff_ms[k] * MS;
		assert_int_equal(tick_at(f, at - 1), 0);
		assert_int_equal(tick_at(f, at), 1);
		assert_to(&f->fired[0], &c1);
		assert_group_data(&f->fired[0], c1.local, MC_GROUP, MC_PORT, F_BIG, 512, 5, 8);
		assert_int_equal(s->retries, k + 1);
	}
	assert_int_equal(s->rto_us, 400 * MS);
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], 3 * 4);
	/* Progress from the master starts the count over (Karn: no sample). */
	f->now = at + MS;
	send_ack(f, &c1, 6, &a); /* it had 5 and 6 */
	assert_group_data(&a, c1.local, MC_GROUP, MC_PORT, F_BIG, 512, 9, 10);
	assert_int_equal(s->retries, 0);
	assert_int_equal(s->srtt_us, 20 * MS);
	/* Then silence: 7..10 at each timeout, and the fourth drops c1. */
	for (k = 0; k < 3; k++) {
		assert_int_equal(tick_at(f, s->deadline_us), 1);
		assert_group_data(&f->fired[0], c1.local, MC_GROUP, MC_PORT, F_BIG, 512, 7, 10);
	}
	at = s->deadline_us;
	assert_int_equal(tick_at(f, at - 1), 0);
	assert_int_equal(tick_at(f, at), 1);
	assert_mc_oack(&f->fired[0], &c2, MC_GROUP, 1);
	assert_int_equal(f->drops[RB_DROP_tftp_mc_client_lost], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_promotions], 1);
	assert_int_equal(s->nm, 1);
	assert_int_equal(s->state, TS_OACK);
	assert_int_equal(s->retries, 0);
	assert_int_equal(s->rto_us, 80 * MS); /* 4 * srtt */
	/* The promoted one is silent too: its OACK again, with backoff. */
	at = f->now;
	for (k = 0; k < 3; k++) {
		at += backoff_ms[k] * MS;
		assert_int_equal(tick_at(f, at - 1), 0);
		assert_int_equal(tick_at(f, at), 1);
		assert_mc_oack(&f->fired[0], &c2, MC_GROUP, 1);
	}
	at += 400 * MS;
	assert_int_equal(tick_at(f, at - 1), 0);
	assert_int_equal(tick_at(f, at), 1);
	assert_int_equal(f->fired[0].ctl_len, 0); /* nothing to send: no one is left */
	assert_true(f->fired[0].first > f->fired[0].last);
	assert_int_equal(f->drops[RB_DROP_tftp_mc_client_lost], 2);
	assert_int_equal(f->t.mc_active, 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams_ended], 1);
	assert_int_equal(tick_at(f, at + 10000 * MS), 0);

	/* A stream with one member and a master that never ACKs the OACK:
	 * rto_init, doubling. */
	send_mc_rrq(f, &c3, F_THREE, 0, 0, &a);
	s = stream_at(f, c3.local);
	assert_non_null(s);
	assert_int_equal(s->deadline_us, f->now + 100 * MS);
	for (k = 0; k < 3; k++) {
		assert_int_equal(tick_at(f, s->deadline_us), 1);
		assert_mc_oack(&f->fired[0], &c3, MC_GROUP, 1);
	}
	assert_int_equal(tick_at(f, s->deadline_us), 1);
	assert_int_equal(f->fired[0].ctl_len, 0);
	assert_int_equal(f->t.mc_active, 0);
	assert_int_equal(f->drops[RB_DROP_tftp_mc_client_lost], 3);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams_ended], 2);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_promotions], 1);
}

/* (h) PXE MTFTP off: the request is dropped, nothing is sent. */
static void
test_mtftp_off(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	send_mtftp(f, &c, TFTP_RRQ, files[F_THREE].name, &a); /* base_cfg */
	assert_none(&a);
	assert_int_equal(f->cnt[RB_CNT_tftp_mtftp_rrq], 1);
	assert_int_equal(f->drops[RB_DROP_tftp_mtftp_off], 1);
	/* RFC 2090 on, MTFTP off: the same. */
	cfg.mtftp_group = 0;
	fx_start(f, &cfg);
	assert_int_equal(f->t.nmc, 2);
	send_mtftp(f, &c, TFTP_RRQ, files[F_THREE].name, &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_mtftp_off], 1);
	assert_int_equal(f->t.mc_active, 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams], 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_errors_sent], 0);
}

/* (h) One MTFTP stream: block 1 to the opener and the group, then the group. */
static void
test_mtftp_stream(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c1 = client(1), c2 = client(2);
	struct tftpd_action a;
	struct tftp_mc *s;

	fx_start(f, &cfg);
	send_mtftp(f, &c1, TFTP_RRQ, files[F_THREE].name, &a);
	assert_to(&a, &c1);
	assert_int_equal(a.unicast_first, 1);
	assert_group_data(&a, c1.local, MTFTP_GROUP, MTFTP_CPORT, F_THREE, 512, 1, 1);
	assert_memory_equal(a.data_mac, ((const uint8_t[]){0x01, 0x00, 0x5e, 0x7f, 0x46, 0x01}), 6);
	s = stream_at(f, c1.local);
	assert_ptr_equal(s, &f->t.mc[2]); /* after the two RFC 2090 slots */
	assert_int_equal(s->kind, MC_MTFTP);
	assert_int_equal(s->nblocks, 4);
	assert_int_equal(f->cnt[RB_CNT_tftp_mtftp_rrq], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_clients], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_rrq], 0); /* not the TFTP port's */
	assert_int_equal(f->t.mc_active, 1);
	assert_int_equal(f->t.active, 0);
	/* The opener again before any ACK: block 1 was lost, it goes again. */
	send_mtftp(f, &c1, TFTP_RRQ, files[F_THREE].name, &a);
	assert_to(&a, &c1);
	assert_int_equal(a.unicast_first, 1);
	assert_group_data(&a, c1.local, MTFTP_GROUP, MTFTP_CPORT, F_THREE, 512, 1, 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_rrq_repeats], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_retransmits], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams], 1);
	/* ACK 1: block 2, to the group only. */
	send_ack(f, &c1, 1, &a);
	assert_to(&a, &c1);
	assert_int_equal(a.unicast_first, 0);
	assert_group_data(&a, c1.local, MTFTP_GROUP, MTFTP_CPORT, F_THREE, 512, 2, 2);
	/* Another client while it runs (the opener proven by its ACK): it is
	 * to listen, nothing is sent. */
	send_mtftp(f, &c2, TFTP_RRQ, files[F_THREE].name, &a);
	assert_none(&a);
	send_mtftp(f, &c2, TFTP_RRQ, files[F_ONE].name, &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_mtftp_busy], 2);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_clients], 1);
	/* Now the opener's request is a busy one too. */
	send_mtftp(f, &c1, TFTP_RRQ, files[F_THREE].name, &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_mtftp_busy], 3);
	/* Never sent, old, or from a listener: nothing moves. */
	send_ack(f, &c1, 3, &a);
	assert_none(&a);
	send_ack(f, &c1, 1, &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_stale_ack], 2);
	c2.local = c1.local;
	send_ack(f, &c2, 2, &a);
	assert_error(&a, TFTP_EC_UNKNOWN_TID, NULL);
	assert_int_equal(s->acked, 1);
	assert_int_equal(s->sent, 2);
	/* Lockstep to the end: 3, 4 (empty), and the last ACK ends it. */
	send_ack(f, &c1, 2, &a);
	assert_group_data(&a, c1.local, MTFTP_GROUP, MTFTP_CPORT, F_THREE, 512, 3, 3);
	send_ack(f, &c1, 3, &a);
	assert_group_data(&a, c1.local, MTFTP_GROUP, MTFTP_CPORT, F_THREE, 512, 4, 4);
	send_ack(f, &c1, 4, &a);
	assert_none(&a);
	assert_int_equal(f->t.mc_active, 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_done], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams_ended], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_promotions], 0);
	assert_int_equal(tick_at(f, f->now + 10000 * MS), 0);
	/* Free again: the next request opens a new stream. */
	send_mtftp(f, &c2, TFTP_RRQ, files[F_ONE].name, &a);
	assert_int_equal(a.unicast_first, 1);
	assert_group_data(&a, c2.local, MTFTP_GROUP, MTFTP_CPORT, F_ONE, 512, 1, 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams], 2);
	assert_int_equal(f->drops[RB_DROP_tftp_mtftp_busy], 3);
}

/* (h) MTFTP timers: the block after the last ACK again, then the stream ends. */
static void
test_mtftp_timeout(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;
	struct tftp_mc *s;
	unsigned k;

	fx_start(f, &cfg);
	send_mtftp(f, &c, TFTP_RRQ, files[F_THREE].name, &a);
	s = stream_at(f, c.local);
	assert_int_equal(tick_at(f, T0 + 100 * MS - 1), 0);
	assert_int_equal(tick_at(f, T0 + 100 * MS), 1);
	/* Before any ACK, block 1 goes to the opener as well. */
	assert_to(&f->fired[0], &c);
	assert_int_equal(f->fired[0].unicast_first, 1);
	assert_group_data(&f->fired[0], c.local, MTFTP_GROUP, MTFTP_CPORT, F_THREE, 512, 1, 1);
	f->now += 5 * MS;
	send_ack(f, &c, 1, &a);
	assert_group_data(&a, c.local, MTFTP_GROUP, MTFTP_CPORT, F_THREE, 512, 2, 2);
	assert_int_equal(s->rto_us, 200 * MS); /* Karn: no sample after the resend */
	for (k = 0; k < 3; k++) {
		assert_int_equal(tick_at(f, s->deadline_us), 1);
		assert_int_equal(f->fired[0].unicast_first, 0);
		assert_group_data(&f->fired[0], c.local, MTFTP_GROUP, MTFTP_CPORT, F_THREE, 512, 2,
				  2);
	}
	/* Out of retries: no one to promote in MTFTP, the stream ends. */
	assert_int_equal(tick_at(f, s->deadline_us), 1);
	assert_int_equal(f->fired[0].ctl_len, 0);
	assert_true(f->fired[0].first > f->fired[0].last);
	assert_int_equal(f->drops[RB_DROP_tftp_mc_client_lost], 1);
	assert_int_equal(f->t.mc_active, 0);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams_ended], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_promotions], 0);
}

/* (h) WRQ and unknown names on the MTFTP port. */
static void
test_mtftp_refused(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	fx_start(f, &cfg);
	send_mtftp(f, &c, TFTP_WRQ, "upload.bin", &a);
	assert_error(&a, TFTP_EC_ACCESS, "read-only server");
	assert_int_equal(f->drops[RB_DROP_tftp_wrq_refused], 1);
	send_mtftp(f, &c, TFTP_RRQ, "missing", &a);
	assert_error(&a, TFTP_EC_NOT_FOUND, NULL);
	send_mtftp(f, &c, TFTP_RRQ, "../one", &a);
	assert_error(&a, TFTP_EC_ACCESS, "access violation");
	assert_int_equal(f->drops[RB_DROP_tftp_not_found], 1);
	assert_int_equal(f->drops[RB_DROP_tftp_access_denied], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_errors_sent], 3);
	assert_int_equal(f->cnt[RB_CNT_tftp_mtftp_rrq], 3);
	assert_int_equal(f->t.mc_active, 0);
}

/*
 * (h, i) A file of 65535 * 512 bytes needs 65536 blocks of 512: MTFTP
 * refuses it, RFC 2090 serves it unicast at 512 and as a stream at 1024.
 */
static void
test_mc_huge_file(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c1 = client(1), c2 = client(2), c3 = client(3);
	struct tftpd_action a;
	struct image_cache *huge;
	struct tftp_opts o;
	char msg[256];

	huge = ic_load(path("mroot"), 1ull << 30, &group_alloc, NULL, msg, sizeof(msg));
	if (!huge)
		fail_msg("ic_load: %s", msg);
	fx_start(f, &cfg);
	f->t.cache = huge;
	send_mtftp(f, &c1, TFTP_RRQ, HUGE_NAME, &a);
	assert_error(&a, TFTP_EC_UNDEF, "file too large for MTFTP");
	assert_int_equal(f->drops[RB_DROP_tftp_mtftp_too_big], 1);
	assert_int_equal(f->t.mc_active, 0);
	send_mc_req(f, &c2, HUGE_NAME, 0, 0, &a);
	assert_int_not_equal(a.sess, TFTPD_NONE);
	assert_int_equal(a.ctl_len, 0);
	assert_int_equal(a.first, 1);
	assert_int_equal(a.mcast, 0);
	assert_int_equal(f->t.s[a.sess].nblocks, 65536);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_fallback], 1);
	send_mc_req(f, &c3, HUGE_NAME, TFTP_OPT_BLKSIZE, 1024, &a);
	o = assert_mc_oack(&a, &c3, MC_GROUP, 1);
	assert_int_equal(o.blksize, 1024);
	assert_int_equal(stream_at(f, c3.local)->nblocks, 32768);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_fallback], 1);
	/* The session and the stream hold the generation; teardown ends both. */
	f->t.cache = cache;
	ic_put(huge);
}

/* (i) More than 65535 blocks at the blksize asked: served unicast. */
static void
test_mc_too_many_blocks(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c = client(1), d = client(2);
	struct tftpd_action a;
	struct tftp_opts o;

	fx_start(f, &cfg);
	/* 8-byte blocks of the 600 KiB file: 76801. */
	send_mc_rrq(f, &c, F_BIG, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE, 8, &a);
	assert_int_not_equal(a.sess, TFTPD_NONE);
	assert_to(&a, &c);
	o = oack_of(&a);
	assert_int_equal(o.mask, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE);
	assert_int_equal(o.blksize, 8);
	assert_int_equal(f->t.s[c.sess].nblocks, 76801);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_fallback], 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_streams], 0);
	assert_int_equal(f->t.mc_active, 0);
	c.blksize = 8;
	send_ack(f, &c, 0, &a);
	assert_window(f, &a, &c, 1, 1);
	assert_int_equal(a.mcast, 0);
	/* 16-byte blocks: 38401, a stream. */
	send_mc_rrq(f, &d, F_BIG, TFTP_OPT_BLKSIZE, 16, &a);
	assert_mc_oack(&a, &d, MC_GROUP, 1);
	assert_int_equal(stream_at(f, d.local)->nblocks, 38401);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_fallback], 1);
}

/* --- spoofed sources and per-source limits --------------------------------- */

/* Bytes on the wire for what an action sends to its client (Ethernet, IPv4,
 * UDP and TFTP headers included); *pkts counts the packets. */
static uint64_t
wire_bytes(const struct tftpd_action *a, unsigned *pkts)
{
	uint64_t b = 0, n, off;
	uint32_t len;

	if (a->ctl_len) {
		b += 14u + 20 + 8 + a->ctl_len;
		(*pkts)++;
	}
	for (n = a->first; a->file && n <= a->last; n++) {
		tftpd_act_block(a, n, &len, &off);
		b += 14u + 20 + 8 + 4 + len;
		(*pkts)++;
	}
	return b;
}

/*
 * A request from a source that never answers (a spoofed one: the victim
 * gets what the server sends): its OACK or first block and at most
 * TFTPD_UNPROVEN_RESENDS resends, repeated requests included, whatever
 * options it asks for; under 2.5 KB, no ERROR at the end, and the session
 * ends. Before the fix a plain request cost 7.9 KB over 15 s and a
 * windowsize 64 one with a guessed ACK 0 up to 2.7 MB.
 */
static void
test_spoofed_rrq_bounded(void **state)
{
	static const struct tftp_opts opts[] = {
	    {0},
	    {.mask = TFTP_OPT_TSIZE},
	    {.mask = TFTP_OPT_BLKSIZE | TFTP_OPT_WINDOWSIZE, .blksize = 1468, .windowsize = 16},
	    {.mask = TFTP_OPT_BLKSIZE | TFTP_OPT_WINDOWSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT,
	     .blksize = 65464,
	     .windowsize = 64,
	     .timeout = 1},
	};
	struct fx *f = *state;
	struct tftpd_action a;
	size_t k;
	unsigned r, pkts, step;
	uint64_t bytes;

	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		struct client c = client(40 + (unsigned)k);

		fx_start(f, &base_cfg);
		pkts = 0;
		send_rrq(f, &c, F_BIG, k ? &opts[k] : NULL, &a);
		bytes = wire_bytes(&a, &pkts);
		/* Then, until the session is gone, the victim's own... nothing:
		 * only more spoofed requests and the timers. */
		for (step = 0; f->t.active && step < 1000; step++) {
			f->now += 50 * MS;
			f->nfired = 0;
			tftpd_tick(&f->t, f->now, on_fire, f, f->cnt, f->drops);
			for (r = 0; r < f->nfired; r++)
				bytes += wire_bytes(&f->fired[r], &pkts);
			if (step % 4 == 0 && f->t.active) {
				send_rrq(f, &c, F_BIG, k ? &opts[k] : NULL, &a);
				bytes += wire_bytes(&a, &pkts);
			}
		}
		print_message("options %zu: %u packets, %llu bytes to the spoofed source\n", k,
			      pkts, (unsigned long long)bytes);
		assert_int_equal(f->t.active, 0);
		assert_true(pkts <= 1 + TFTPD_UNPROVEN_RESENDS);
		assert_true(bytes < 2500);
		assert_int_equal(f->cnt[RB_CNT_tftp_errors_sent], 0);
		assert_int_equal(f->drops[RB_DROP_tftp_unproven_timeout], 1);
		/* No more requests: the next one starts afresh. */
		send_rrq(f, &c, F_BIG, k ? &opts[k] : NULL, &a);
		assert_int_equal(f->t.active, 1);
	}
}

/* An ACK 0 to a port other than the session's proves nothing: the OACK
 * stays the only thing sent. The right one opens the whole window. */
static void
test_wrong_port_ack_proves_nothing(void **state)
{
	struct tftp_opts o = {.mask = TFTP_OPT_WINDOWSIZE, .windowsize = 16};
	struct fx *f = *state;
	struct client c = client(1), guess;
	struct tftpd_action a;
	unsigned errors = 0;
	uint16_t port;

	send_rrq(f, &c, F_BIG, &o, &a);
	assert_true(a.ctl_len > 0);
	for (port = PORT_LO; port <= PORT_HI; port++) {
		if (port == c.local)
			continue;
		guess = c;
		guess.local = port;
		send_ack(f, &guess, 0, &a);
		assert_true(a.first > a.last);
		if (a.ctl_len) {
			assert_error(&a, TFTP_EC_UNKNOWN_TID, NULL);
			errors++;
		}
	}
	/* ERROR 5 for each, but only so many a second to one source. */
	assert_int_equal(errors, TFTPD_TID_ERRORS_PER_S);
	assert_int_equal(f->drops[RB_DROP_tftp_unknown_tid], PORT_HI - PORT_LO);
	assert_int_equal(f->t.s[c.sess].proven, 0);
	assert_int_equal(f->t.s[c.sess].sent, 0);
	send_ack(f, &c, 0, &a);
	assert_window(f, &a, &c, 1, 16);
	assert_int_equal(f->t.s[c.sess].proven, 1);
}

/*
 * One source address holds at most max_per_source transfers. At the cap a
 * request ends the source's own oldest unproven transfer; with all of them
 * proven it is refused. Before the fix one address held every slot.
 */
static void
test_per_source_cap(void **state)
{
	struct tftpd_cfg cfg = base_cfg;
	struct fx *f = *state;
	struct client c[6], other = client(9);
	struct tftpd_action a;
	unsigned k;

	cfg.max_sessions = 16;
	cfg.max_per_source = 4;
	fx_start(f, &cfg);
	for (k = 0; k < 6; k++) {
		c[k] = client(1);
		c[k].port = (uint16_t)(3000 + k);
	}
	for (k = 0; k < 4; k++)
		send_rrq(f, &c[k], F_BIG, NULL, &a);
	send_ack(f, &c[1], 1, &a); /* c[1..3] proven, c[0] not */
	send_ack(f, &c[2], 1, &a);
	send_ack(f, &c[3], 1, &a);
	/* The fifth: c[0] makes room. */
	send_rrq(f, &c[4], F_BIG, NULL, &a);
	assert_window(f, &a, &c[4], 1, 1);
	assert_int_equal(f->drops[RB_DROP_tftp_unproven_evicted], 1);
	assert_int_equal(f->t.active, 4);
	send_ack(f, &c[0], 1, &a);
	assert_error(&a, TFTP_EC_UNKNOWN_TID, NULL);
	send_ack(f, &c[4], 1, &a);
	/* All four proven: the sixth is refused. */
	send_rrq(f, &c[5], F_BIG, NULL, &a);
	assert_error(&a, TFTP_EC_UNDEF, "server busy, try again");
	assert_int_equal(f->drops[RB_DROP_tftp_source_full], 1);
	assert_int_equal(f->t.active, 4);
	/* Another address is not concerned. */
	send_rrq(f, &other, F_BIG, NULL, &a);
	assert_window(f, &a, &other, 1, 1);
	/* One of the four done: room again. */
	send_error(f, &c[1], c[1].local, &a);
	send_rrq(f, &c[5], F_BIG, NULL, &a);
	assert_window(f, &a, &c[5], 1, 1);
}

/* A full table ends its oldest unproven session for a new request: a flood
 * of spoofed requests cannot keep real clients out. Proven ones stay. */
static void
test_full_table_evicts_unproven(void **state)
{
	struct tftpd_cfg cfg = base_cfg;
	struct fx *f = *state;
	struct client real = client(1), spoof[40], late = client(99);
	struct tftpd_action a;
	unsigned k;

	cfg.max_sessions = 8;
	fx_start(f, &cfg);
	send_rrq(f, &real, F_BIG, NULL, &a);
	send_ack(f, &real, 1, &a);
	for (k = 0; k < 40; k++) {
		spoof[k] = client(100 + k);
		send_rrq(f, &spoof[k], F_BIG, NULL, &a);
		assert_window(f, &a, &spoof[k], 1, 1);
	}
	assert_int_equal(f->t.active, 8);
	assert_int_equal(f->drops[RB_DROP_tftp_unproven_evicted], 40 - 7);
	assert_int_equal(f->drops[RB_DROP_tftp_sessions_full], 0);
	/* The real client's transfer goes on; a late real one gets in and
	 * proves itself before seven more spoofed requests come. */
	send_ack(f, &real, 2, &a);
	assert_window(f, &a, &real, 3, 3);
	send_rrq(f, &late, F_THREE, NULL, &a);
	send_ack(f, &late, 1, &a);
	assert_window(f, &a, &late, 2, 2);
	for (k = 0; k < 40; k++)
		send_rrq(f, &spoof[k], F_BIG, NULL, &a);
	send_ack(f, &late, 2, &a);
	assert_window(f, &a, &late, 3, 3);
	send_ack(f, &real, 3, &a);
	assert_window(f, &a, &real, 4, 4);
}

/* Read requests per source address per second: over the rate, ignored and
 * counted; the next second they are served again. */
static void
test_rrq_rate_per_source(void **state)
{
	struct tftpd_cfg cfg = base_cfg;
	struct fx *f = *state;
	struct client c = client(1), other = client(2);
	struct tftpd_action a;
	unsigned k;

	cfg.rrq_rate = 5;
	fx_start(f, &cfg);
	f->now = 10 * 1000000ull; /* the start of a second */
	for (k = 0; k < 5; k++) {
		c.port = (uint16_t)(3000 + k);
		send_rrq(f, &c, F_EMPTY, NULL, &a);
		assert_int_equal(a.first, 1);
		send_ack(f, &c, 1, &a);
	}
	c.port = 3100;
	send_rrq(f, &c, F_EMPTY, NULL, &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_rrq_rate_limited], 1);
	send_rrq(f, &c, F_EMPTY, NULL, &a);
	assert_none(&a);
	send_rrq(f, &other, F_EMPTY, NULL, &a);
	assert_int_equal(a.first, 1);
	f->now += 1000000;
	send_rrq(f, &c, F_EMPTY, NULL, &a);
	assert_int_equal(a.first, 1);
	assert_int_equal(f->drops[RB_DROP_tftp_rrq_rate_limited], 2);
}

/*
 * RFC 2090: a master that never acknowledges gets its OACK and
 * TFTPD_UNPROVEN_RESENDS resends (not tftp.retries) before the next
 * member is promoted; a member's repeated requests get no more than that.
 */
static void
test_mc_unproven_master(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client spoof = client(1), real = client(2);
	struct tftpd_action a;
	struct tftp_mc *s;
	unsigned k, oacks = 0;

	cfg.max_retries = 10;
	fx_start(f, &cfg);
	send_mc_rrq(f, &spoof, F_THREE, 0, 0, &a);
	s = stream_at(f, spoof.local);
	assert_non_null(s);
	send_mc_rrq(f, &real, F_THREE, 0, 0, &a);
	for (k = 0; k < 10; k++) {
		send_mc_rrq(f, &spoof, F_THREE, 0, 0, &a);
		oacks += a.ctl_len > 0;
	}
	assert_int_equal(oacks, TFTPD_UNPROVEN_RESENDS);
	assert_int_equal(f->drops[RB_DROP_tftp_unproven_resends], 10 - TFTPD_UNPROVEN_RESENDS);
	/* The timers: promoted after 3 resends, not 10. */
	for (k = 0; k < TFTPD_UNPROVEN_RESENDS; k++) {
		assert_int_equal(tick_at(f, s->deadline_us), 1);
		assert_int_equal(f->fired[0].dst_ip, spoof.ip);
	}
	assert_int_equal(tick_at(f, s->deadline_us), 1);
	assert_int_equal(f->fired[0].dst_ip, real.ip);
	assert_int_equal(oack_of(&f->fired[0]).mc_master, 1);
	assert_int_equal(f->cnt[RB_CNT_tftp_mc_promotions], 1);
}

/*
 * PXE MTFTP: an opener that has not acknowledged block 1 within the first
 * timeout does not hold the one stream: a new opener takes it over. Once
 * proven, it holds it.
 */
static void
test_mtftp_unproven_opener(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client spoof = client(1), real = client(2), third = client(3);
	struct tftpd_action a;

	fx_start(f, &cfg);
	send_mtftp(f, &spoof, TFTP_RRQ, files[F_THREE].name, &a);
	assert_int_equal(a.unicast_first, 1);
	/* Within the first timeout (clients of a rack open together): the
	 * next one listens. */
	f->now += cfg.rto_init_us - 1;
	send_mtftp(f, &real, TFTP_RRQ, files[F_THREE].name, &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_mtftp_busy], 1);
	/* Past it, unanswered: taken over. */
	f->now += 1;
	send_mtftp(f, &real, TFTP_RRQ, files[F_THREE].name, &a);
	assert_to(&a, &real);
	assert_int_equal(a.unicast_first, 1);
	assert_group_data(&a, real.local, MTFTP_GROUP, MTFTP_CPORT, F_THREE, 512, 1, 1);
	assert_int_equal(f->drops[RB_DROP_tftp_unproven_evicted], 1);
	assert_int_equal(f->t.mc_active, 1);
	send_ack(f, &real, 1, &a);
	assert_group_data(&a, real.local, MTFTP_GROUP, MTFTP_CPORT, F_THREE, 512, 2, 2);
	f->now += 10 * cfg.rto_init_us;
	send_mtftp(f, &third, TFTP_RRQ, files[F_THREE].name, &a);
	assert_none(&a);
	assert_int_equal(f->drops[RB_DROP_tftp_mtftp_busy], 2);
}

/* (j) RFC 1112: 01:00:5e and the group's low 23 bits. */
static void
test_group_mac(void **state)
{
	static const struct {
		const char *group;
		uint8_t mac[6];
	} v[] = {
	    {"224.1.2.3", {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03}},
	    {"239.255.69.1", {0x01, 0x00, 0x5e, 0x7f, 0x45, 0x01}},
	    {"225.129.2.3", {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03}}, /* bit 23 dropped */
	    {"239.255.70.1", {0x01, 0x00, 0x5e, 0x7f, 0x46, 0x01}},
	    {"224.0.0.1", {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}},
	    {"239.255.255.255", {0x01, 0x00, 0x5e, 0x7f, 0xff, 0xff}},
	};
	uint8_t mac[6];
	struct in_addr in;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		assert_int_equal(inet_pton(AF_INET, v[k].group, &in), 1);
		memset(mac, 0xa5, sizeof(mac));
		tftpd_group_mac(in.s_addr, mac);
		assert_memory_equal(mac, v[k].mac, 6);
	}
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_plain_rrq_first_block),
	    T(test_lockstep_block_counts),
	    T(test_final_ack_frees_session),
	    T(test_oack_negotiation),
	    T(test_oack_partial),
	    T(test_ack_inside_window),
	    T(test_stale_acks_ignored),
	    T(test_malformed_input),
	    T(test_timeout_resends_window),
	    T(test_backoff_and_probe),
	    T(test_give_up),
	    T(test_give_up_after_retries),
	    T(test_progress_resets_give_up),
	    T(test_oack_lost),
	    T(test_oack_wait),
	    T(test_rollover),
	    T(test_rollover_retransmit),
	    T(test_client_error_ends_session),
	    T(test_unknown_tid),
	    T(test_wrq_refused),
	    T(test_access_denied),
	    T(test_not_found),
	    T(test_sessions_full),
	    T(test_spoofed_rrq_bounded),
	    T(test_wrong_port_ack_proves_nothing),
	    T(test_per_source_cap),
	    T(test_full_table_evicts_unproven),
	    T(test_rrq_rate_per_source),
	    T(test_mc_unproven_master),
	    T(test_mtftp_unproven_opener),
	    T(test_same_client_repeat_and_replace),
	    T(test_local_ports_random),
	    T(test_tid_never_duplicated),
	    T(test_ports_split_between_workers),
	    cmocka_unit_test(test_ports_owner_random),
	    cmocka_unit_test(test_rtt_estimator),
	    T(test_rtt_sample),
	    T(test_rtt_only_last_block),
	    T(test_rtt_karn),
	    T(test_timeout_option_bounds_rto),
	    T(test_first_tick_fires_due_timer),
	    T(test_long_timers),
	    T(test_generation_pinned),
	    T(test_mc_option_off),
	    T(test_mc_first_client_and_join),
	    T(test_mc_second_stream_and_fallback),
	    T(test_mc_promotion),
	    T(test_mc_generation_pinned),
	    T(test_mc_repeat_rrq),
	    T(test_mc_errors_and_listeners),
	    T(test_mc_listener_done),
	    T(test_mc_timers),
	    T(test_mtftp_off),
	    T(test_mtftp_stream),
	    T(test_mtftp_timeout),
	    T(test_mtftp_refused),
	    T(test_mc_huge_file),
	    T(test_mc_too_many_blocks),
	    cmocka_unit_test(test_group_mac),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
