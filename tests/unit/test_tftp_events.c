/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TFTP engine's boot events (tftp_server.h, tftp_mcast.c) over a real
 * image cache, at a clock the test moves by hand: TFTP_START when the
 * first DATA goes out (not at an OACK), TFTP_PROGRESS per MiB
 * acknowledged, TFTP_DONE on the last ACK, TFTP_FAIL with the right
 * reason (the client's ERROR and its code, EDK2's tsize probe included;
 * retries exhausted; a request replacing a transfer; the server's
 * shutdown), multicast members, and a full queue counting its drops.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tftp_server.h"

#define T0 1000000u
#define MS 1000u
#define SMALL_SIZE 1500u	  /* 3 blocks of 512, the last 476 */
#define BIG_SIZE ((3u << 20) + 5) /* 2143 blocks of 1468: 3 MiB is passed by the last */
#define MC_GROUP 0xefff4501u	  /* 239.255.69.1, host order */
#define MTFTP_GROUP 0xefff4601u	  /* 239.255.70.1 */
#define QCAP 64			  /* events the fixture's queue holds */
#define EDK2_ABORT TFTP_EC_OPTION /* ERROR 8 */

static char base[64];
static struct image_cache *cache;

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

static void
put(const char *rel, size_t len)
{
	char path[128];
	uint8_t *data = malloc(len);
	size_t i;
	int fd;

	assert_non_null(data);
	for (i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7);
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	free(data);
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
	static const struct ic_alloc a = {m_alloc, m_free, NULL};
	char path[128], msg[256];

	(void)state;
	strcpy(base, "/tmp/rb_tftpev.XXXXXX");
	assert_non_null(mkdtemp(base));
	snprintf(path, sizeof(path), "%s/boot", base);
	assert_int_equal(mkdir(path, 0755), 0);
	put("small.bin", SMALL_SIZE);
	put("boot/big.img", BIG_SIZE);
	cache = ic_load(base, 1u << 30, &a, NULL, msg, sizeof(msg));
	if (!cache)
		fail_msg("ic_load: %s", msg);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	ic_put(cache);
	return nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- the server, its queue and its clients --------------------------------- */

struct fx {
	struct tftp_server t;
	bool started;
	struct evq q;
	struct rb_event slots[QCAP];
	uint64_t now;
	uint64_t cnt[RB_CNT_MAX], drops[RB_DROP_MAX];
	struct rb_event ev[QCAP]; /* what take() popped */
	uint32_t nev;
};

struct client {
	uint32_t ip;
	uint16_t port, local;
	uint8_t mac[6];
};

static const struct tftpd_cfg base_cfg = {
    .mtu = 1500,
    .port_lo = 61000,
    .port_hi = 61009,
    .max_window = 64,
    .max_sessions = 4,
    .max_retries = 3,
    .give_up_us = 2000000,
    .rto_min_us = 10000,
    .rto_max_us = 400000,
    .rto_init_us = 100000,
    .mc_window = 4,
    .mc_port = 1760,
    .mc_streams = 2,
    .mc_members = 4,
    .mtftp_cport = 1758,
};

static struct tftpd_cfg
mc_cfg(void)
{
	struct tftpd_cfg cfg = base_cfg;

	cfg.mc_group = htonl(MC_GROUP);
	cfg.mtftp_group = htonl(MTFTP_GROUP);
	return cfg;
}

/* (Re)starts the server with cfg and a queue of qcap events (0: none). */
static void
fx_start(struct fx *f, const struct tftpd_cfg *cfg, uint32_t qcap)
{
	if (f->started)
		tftpd_fini(&f->t);
	assert_int_equal(tftpd_init(&f->t, cfg), 0);
	f->started = true;
	f->t.cache = cache;
	if (qcap) {
		assert_int_equal(evq_init(&f->q, f->slots, qcap), 0);
		f->t.events = &f->q;
	}
	memset(f->cnt, 0, sizeof(f->cnt));
	memset(f->drops, 0, sizeof(f->drops));
	f->now = T0;
	f->nev = 0;
}

static int
setup(void **state)
{
	/* struct evq keeps its indexes on cache lines of their own. */
	struct fx *f = aligned_alloc(_Alignof(struct fx), sizeof(*f));

	assert_non_null(f);
	memset(f, 0, sizeof(*f));
	fx_start(f, &base_cfg, QCAP);
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

/* Client n: 198.18.0.n, port 2000 + n, MAC 52:54:00:00:00:n. */
static struct client
client(unsigned n)
{
	return (struct client){
	    .ip = htonl(0xc6120000u | n),
	    .port = (uint16_t)(2000 + n),
	    .mac = {0x52, 0x54, 0x00, 0x00, 0x00, (uint8_t)n},
	};
}

/* Pops what the engine queued since the last call into f->ev; returns how many. */
static uint32_t
take(struct fx *f)
{
	f->nev = evq_pop(&f->q, f->ev, QCAP);
	return f->nev;
}

/* Exactly one event was queued since the last take(): it. */
static const struct rb_event *
one(struct fx *f)
{
	assert_int_equal(take(f), 1);
	return &f->ev[0];
}

/* A TFTP event of this kind about c and name, its size and bytes. */
static void
assert_tftp(const struct rb_event *e, uint8_t kind, const struct client *c, const char *name,
	    uint64_t size, uint64_t bytes)
{
	assert_int_equal(e->kind, kind);
	assert_int_equal(e->ip, c->ip);
	assert_int_equal(e->port, c->port);
	assert_memory_equal(e->mac, c->mac, 6);
	assert_string_equal(e->name, name);
	assert_int_equal(e->size, size);
	assert_int_equal(e->bytes, bytes);
	assert_int_equal(e->arch, 0xffff);
}

static void
assert_fail(const struct rb_event *e, uint8_t reason, uint16_t code)
{
	assert_int_equal(e->kind, RB_EV_TFTP_FAIL);
	assert_int_equal(e->reason, reason);
	assert_int_equal(e->code, code);
}

static void
rrq(struct fx *f, struct client *c, const char *name, const struct tftp_opts *o,
    struct tftpd_action *a)
{
	uint8_t buf[TFTP_REQ_MAX];
	struct tftp_req rq;
	int n = tftp_build_request(buf, sizeof(buf), TFTP_RRQ, name, "octet", o);

	assert_true(n > 0);
	assert_int_equal(tftp_parse_request(buf, (size_t)n, &rq), TFTP_OK);
	tftpd_rrq(&f->t, &rq, c->ip, c->port, c->mac, f->now, a, f->cnt, f->drops);
	c->local = a->local_port;
}

static void
mtftp_rrq(struct fx *f, struct client *c, const char *name, struct tftpd_action *a)
{
	uint8_t buf[TFTP_REQ_MAX];
	struct tftp_req rq;
	int n = tftp_build_request(buf, sizeof(buf), TFTP_RRQ, name, "octet", NULL);

	assert_true(n > 0);
	assert_int_equal(tftp_parse_request(buf, (size_t)n, &rq), TFTP_OK);
	tftpd_mtftp_rrq(&f->t, &rq, c->ip, c->port, c->mac, f->now, a, f->cnt, f->drops);
	c->local = a->local_port;
}

static void
ack(struct fx *f, const struct client *c, uint64_t block, struct tftpd_action *a)
{
	uint8_t buf[4];

	assert_int_equal(tftp_build_ack(buf, sizeof(buf), tftp_block_wire(block)), 4);
	f->now += MS;
	tftpd_input(&f->t, buf, 4, c->ip, c->port, c->local, f->now, a, f->cnt, f->drops);
}

static void
error(struct fx *f, const struct client *c, uint16_t code, struct tftpd_action *a)
{
	uint8_t buf[64];
	int n = tftp_build_error(buf, sizeof(buf), code, "aborted");

	assert_true(n > 0);
	tftpd_input(&f->t, buf, (size_t)n, c->ip, c->port, c->local, f->now, a, f->cnt, f->drops);
}

static void
ignore(const struct tftpd_action *a, void *arg)
{
	(void)a, (void)arg;
}

/* Moves the clock in 100 ms steps up to `secs` seconds on, firing timers,
 * until an event is queued; returns the time it was. */
static uint64_t
tick_until_event(struct fx *f, unsigned secs)
{
	uint64_t end = f->now + (uint64_t)secs * 1000000u;

	while (f->now < end && !evq_count(&f->q)) {
		f->now += 100 * MS;
		tftpd_tick(&f->t, f->now, ignore, NULL, f->cnt, f->drops);
	}
	return f->now;
}

/* --- unicast ---------------------------------------------------------------- */

/* No options: DATA 1 answers the request, so START comes with it, carrying
 * the name as requested; DONE on the ACK of the last block, nothing between. */
static void
test_start_and_done(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	rrq(f, &c, "/small.bin", NULL, &a);
	assert_int_equal(a.first, 1);
	assert_tftp(one(f), RB_EV_TFTP_START, &c, "/small.bin", SMALL_SIZE, 0);
	assert_int_equal(f->ev[0].reason, RB_EVR_NONE);
	assert_int_equal(f->ev[0].flags, 0);
	ack(f, &c, 1, &a);
	ack(f, &c, 2, &a);
	assert_int_equal(take(f), 0);
	ack(f, &c, 3, &a);
	assert_tftp(one(f), RB_EV_TFTP_DONE, &c, "/small.bin", SMALL_SIZE, SMALL_SIZE);
	assert_int_equal(f->t.active, 0);
	assert_int_equal(f->cnt[RB_CNT_events_queued], 2);
	assert_int_equal(f->cnt[RB_CNT_events_dropped], 0);
}

/* With options the OACK goes first: START only when ACK 0 brings DATA 1. */
static void
test_start_after_oack(void **state)
{
	struct tftp_opts o = {.mask = TFTP_OPT_TSIZE};
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	rrq(f, &c, "small.bin", &o, &a);
	assert_true(a.ctl_len > 0);
	assert_true(a.first > a.last);
	assert_int_equal(take(f), 0);
	ack(f, &c, 0, &a);
	assert_int_equal(a.first, 1);
	assert_tftp(one(f), RB_EV_TFTP_START, &c, "small.bin", SMALL_SIZE, 0);
}

/* A PROGRESS each time the acknowledged bytes pass another MiB; the last
 * ACK passes 3 MiB and gives DONE alone. */
static void
test_progress_per_mib(void **state)
{
	struct tftp_opts o = {
	    .mask = TFTP_OPT_BLKSIZE | TFTP_OPT_WINDOWSIZE, .blksize = 1468, .windowsize = 16};
	const uint64_t nblocks = BIG_SIZE / 1468 + 1, win_bytes = 16 * 1468;
	struct fx *f = *state;
	struct client c = client(2);
	struct tftpd_action a;
	uint64_t last;
	unsigned progress = 0;

	rrq(f, &c, "boot/big.img", &o, &a);
	ack(f, &c, 0, &a);
	assert_tftp(one(f), RB_EV_TFTP_START, &c, "boot/big.img", BIG_SIZE, 0);
	for (;;) {
		last = a.last;
		assert_true(a.first <= last);
		ack(f, &c, last, &a);
		if (!take(f))
			continue;
		assert_int_equal(f->nev, 1);
		if (f->ev[0].kind == RB_EV_TFTP_DONE)
			break;
		progress++;
		assert_tftp(&f->ev[0], RB_EV_TFTP_PROGRESS, &c, "boot/big.img", BIG_SIZE,
			    last * 1468);
		/* The first ACK at or past progress MiB. */
		assert_true(f->ev[0].bytes >= (uint64_t)progress << 20);
		assert_true(f->ev[0].bytes < ((uint64_t)progress << 20) + win_bytes);
	}
	assert_int_equal(last, nblocks);
	assert_int_equal(progress, 2);
	assert_tftp(&f->ev[0], RB_EV_TFTP_DONE, &c, "boot/big.img", BIG_SIZE, BIG_SIZE);
}

/*
 * EDK2 asks tsize and blksize, takes the OACK's size and aborts with
 * ERROR 8 (then asks again for the file): a CLIENT_ERROR with code 8, no
 * START before it, and no TIMEOUT ever after.
 */
static void
test_edk2_tsize_probe(void **state)
{
	struct tftp_opts o = {.mask = TFTP_OPT_TSIZE | TFTP_OPT_BLKSIZE, .blksize = 1468};
	struct fx *f = *state;
	struct client c = client(3), again = client(3);
	struct tftpd_action a;
	const struct rb_event *e;

	rrq(f, &c, "boot/big.img", &o, &a);
	assert_true(a.ctl_len > 0);
	error(f, &c, EDK2_ABORT, &a);
	e = one(f);
	assert_tftp(e, RB_EV_TFTP_FAIL, &c, "boot/big.img", BIG_SIZE, 0);
	assert_fail(e, RB_EVR_CLIENT_ERROR, 8);
	assert_int_equal(f->t.active, 0);
	tick_until_event(f, 60);
	assert_int_equal(take(f), 0);
	/* The real download, from the client's next port. */
	again.port++;
	rrq(f, &again, "boot/big.img", &o, &a);
	ack(f, &again, 0, &a);
	assert_tftp(one(f), RB_EV_TFTP_START, &again, "boot/big.img", BIG_SIZE, 0);
}

/* A client that stops: TIMEOUT once the retries and give_up_us are spent,
 * with what it had acknowledged. */
static void
test_timeout(void **state)
{
	struct fx *f = *state;
	struct client c = client(4);
	struct tftpd_action a;
	uint64_t silent, at;
	const struct rb_event *e;

	rrq(f, &c, "small.bin", NULL, &a);
	assert_int_equal(one(f)->kind, RB_EV_TFTP_START);
	ack(f, &c, 1, &a);
	silent = f->now;
	at = tick_until_event(f, 30);
	e = one(f);
	assert_tftp(e, RB_EV_TFTP_FAIL, &c, "small.bin", SMALL_SIZE, 512);
	assert_fail(e, RB_EVR_TIMEOUT, 0);
	assert_true(at - silent >= base_cfg.give_up_us);
	assert_int_equal(f->t.active, 0);
	assert_int_equal(f->drops[RB_DROP_tftp_timeout], 1);
}

/* Silent after the OACK: TIMEOUT too, for a transfer that never started. */
static void
test_timeout_after_oack(void **state)
{
	struct tftp_opts o = {.mask = TFTP_OPT_TSIZE};
	struct fx *f = *state;
	struct client c = client(5);
	struct tftpd_action a;

	rrq(f, &c, "small.bin", &o, &a);
	tick_until_event(f, 60);
	assert_fail(one(f), RB_EVR_TIMEOUT, 0);
	assert_tftp(&f->ev[0], RB_EV_TFTP_FAIL, &c, "small.bin", SMALL_SIZE, 0);
}

/* An ERROR in the middle: CLIENT_ERROR with the code and the bytes so far. */
static void
test_client_error(void **state)
{
	struct fx *f = *state;
	struct client c = client(6);
	struct tftpd_action a;

	rrq(f, &c, "small.bin", NULL, &a);
	take(f);
	ack(f, &c, 1, &a);
	error(f, &c, TFTP_EC_UNDEF, &a);
	assert_fail(one(f), RB_EVR_CLIENT_ERROR, TFTP_EC_UNDEF);
	assert_tftp(&f->ev[0], RB_EV_TFTP_FAIL, &c, "small.bin", SMALL_SIZE, 512);
}

/* A new request from the same ip:port replaces the transfer (EVICTED), and
 * so does the server's end (tftpd_fini). */
static void
test_evicted(void **state)
{
	struct fx *f = *state;
	struct client c = client(7);
	struct tftpd_action a;

	rrq(f, &c, "small.bin", NULL, &a);
	take(f);
	ack(f, &c, 1, &a);
	rrq(f, &c, "boot/big.img", NULL, &a);
	assert_int_equal(take(f), 2);
	assert_tftp(&f->ev[0], RB_EV_TFTP_FAIL, &c, "small.bin", SMALL_SIZE, 512);
	assert_fail(&f->ev[0], RB_EVR_EVICTED, 0);
	assert_tftp(&f->ev[1], RB_EV_TFTP_START, &c, "boot/big.img", BIG_SIZE, 0);
	tftpd_fini(&f->t);
	f->started = false;
	assert_fail(one(f), RB_EVR_EVICTED, 0);
	assert_tftp(&f->ev[0], RB_EV_TFTP_FAIL, &c, "boot/big.img", BIG_SIZE, 0);
}

/* A full queue: the event is dropped and counted, the transfer goes on. */
static void
test_full_queue_drops(void **state)
{
	struct fx *f = *state;
	struct client c[3] = {client(1), client(2), client(3)};
	struct tftpd_action a;
	int i;

	fx_start(f, &base_cfg, 2);
	for (i = 0; i < 3; i++) {
		rrq(f, &c[i], "small.bin", NULL, &a);
		assert_int_equal(a.first, 1); /* served all the same */
	}
	assert_int_equal(f->cnt[RB_CNT_events_queued], 2);
	assert_int_equal(f->cnt[RB_CNT_events_dropped], 1);
	assert_int_equal(take(f), 2);
	assert_tftp(&f->ev[0], RB_EV_TFTP_START, &c[0], "small.bin", SMALL_SIZE, 0);
	assert_tftp(&f->ev[1], RB_EV_TFTP_START, &c[1], "small.bin", SMALL_SIZE, 0);
	assert_int_equal(f->t.active, 3);
	/* Room again: the next one gets through. */
	ack(f, &c[2], 1, &a);
	ack(f, &c[2], 2, &a);
	ack(f, &c[2], 3, &a);
	assert_tftp(one(f), RB_EV_TFTP_DONE, &c[2], "small.bin", SMALL_SIZE, SMALL_SIZE);
}

/* No queue: transfers as ever, nothing counted. */
static void
test_no_queue(void **state)
{
	struct fx *f = *state;
	struct client c = client(1);
	struct tftpd_action a;

	fx_start(f, &base_cfg, 0);
	f->t.events = NULL;
	rrq(f, &c, "small.bin", NULL, &a);
	ack(f, &c, 1, &a);
	ack(f, &c, 2, &a);
	ack(f, &c, 3, &a);
	assert_int_equal(f->cnt[RB_CNT_tftp_sessions_done], 1);
	assert_int_equal(f->cnt[RB_CNT_events_queued], 0);
	assert_int_equal(f->cnt[RB_CNT_events_dropped], 0);
}

/* --- multicast --------------------------------------------------------------- */

static void
mc_rrq(struct fx *f, struct client *c, struct tftpd_action *a)
{
	struct tftp_opts o = {.mask = TFTP_OPT_MULTICAST};

	rrq(f, c, "small.bin", &o, a);
}

/* Each member: START when it joins, DONE when it has acknowledged the
 * whole file as the master. */
static void
test_mc_members_start_and_done(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c1 = client(1), c2 = client(2);
	struct tftpd_action a;

	fx_start(f, &cfg, QCAP);
	mc_rrq(f, &c1, &a);
	assert_tftp(one(f), RB_EV_TFTP_START, &c1, "small.bin", SMALL_SIZE, 0);
	assert_int_equal(f->ev[0].flags, RB_EV_F_MCAST);
	mc_rrq(f, &c2, &a);
	assert_int_equal(c2.local, c1.local); /* one stream */
	assert_tftp(one(f), RB_EV_TFTP_START, &c2, "small.bin", SMALL_SIZE, 0);
	assert_int_equal(f->ev[0].flags, RB_EV_F_MCAST);
	ack(f, &c1, 0, &a);
	assert_int_equal(a.last, 3);
	assert_int_equal(take(f), 0);
	ack(f, &c1, 3, &a);
	assert_tftp(one(f), RB_EV_TFTP_DONE, &c1, "small.bin", SMALL_SIZE, SMALL_SIZE);
	assert_int_equal(f->ev[0].flags, RB_EV_F_MCAST);
	/* c2 is promoted and has it all. */
	ack(f, &c2, 3, &a);
	assert_tftp(one(f), RB_EV_TFTP_DONE, &c2, "small.bin", SMALL_SIZE, SMALL_SIZE);
	assert_int_equal(f->t.mc_active, 0);
}

/* A listener's ERROR, then the master's silence; the server's end for the
 * members left. */
static void
test_mc_member_fail(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c1 = client(1), c2 = client(2), c3 = client(3);
	struct tftpd_action a;

	fx_start(f, &cfg, QCAP);
	mc_rrq(f, &c1, &a);
	mc_rrq(f, &c2, &a);
	mc_rrq(f, &c3, &a);
	assert_int_equal(take(f), 3);
	error(f, &c2, TFTP_EC_UNDEF, &a);
	assert_tftp(one(f), RB_EV_TFTP_FAIL, &c2, "small.bin", SMALL_SIZE, 0);
	assert_fail(&f->ev[0], RB_EVR_CLIENT_ERROR, TFTP_EC_UNDEF);
	assert_int_equal(f->ev[0].flags, RB_EV_F_MCAST);
	ack(f, &c1, 0, &a);
	ack(f, &c1, 1, &a);
	tick_until_event(f, 30);
	assert_tftp(one(f), RB_EV_TFTP_FAIL, &c1, "small.bin", SMALL_SIZE, 512);
	assert_fail(&f->ev[0], RB_EVR_TIMEOUT, 0);
	assert_int_equal(f->drops[RB_DROP_tftp_mc_client_lost], 1);
	/* c3 is master now; the server stops. */
	tftpd_fini(&f->t);
	f->started = false;
	assert_tftp(one(f), RB_EV_TFTP_FAIL, &c3, "small.bin", SMALL_SIZE, 0);
	assert_fail(&f->ev[0], RB_EVR_EVICTED, 0);
}

/* PXE MTFTP: the opener STARTs with block 1, and is DONE with the last ACK. */
static void
test_mtftp_opener(void **state)
{
	struct tftpd_cfg cfg = mc_cfg();
	struct fx *f = *state;
	struct client c = client(9);
	struct tftpd_action a;

	fx_start(f, &cfg, QCAP);
	mtftp_rrq(f, &c, "small.bin", &a);
	assert_int_equal(a.first, 1);
	assert_tftp(one(f), RB_EV_TFTP_START, &c, "small.bin", SMALL_SIZE, 0);
	assert_int_equal(f->ev[0].flags, RB_EV_F_MCAST);
	ack(f, &c, 1, &a);
	ack(f, &c, 2, &a);
	assert_int_equal(take(f), 0);
	ack(f, &c, 3, &a);
	assert_tftp(one(f), RB_EV_TFTP_DONE, &c, "small.bin", SMALL_SIZE, SMALL_SIZE);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_start_and_done),
	    T(test_start_after_oack),
	    T(test_progress_per_mib),
	    T(test_edk2_tsize_probe),
	    T(test_timeout),
	    T(test_timeout_after_oack),
	    T(test_client_error),
	    T(test_evicted),
	    T(test_full_queue_drops),
	    T(test_no_queue),
	    T(test_mc_members_start_and_done),
	    T(test_mc_member_fail),
	    T(test_mtftp_opener),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
