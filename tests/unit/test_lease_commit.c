/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The group commit end to end without DPDK: the DHCP server's decisions
 * (dataplane/dhcp_server.c, as the workers make them under their shared
 * lock), the commit bookkeeping the main lcore runs (dataplane/
 * lease_commit.c, on a clock the test sets), and the control's store
 * (control/dhcp_ctl.c over leasedb.c, a real SQLite file). Two workers are
 * two dhcpd_out buffers: what matters is the order the records reach the
 * store in. Store failures are injected as the leasedb tests do, with a
 * trigger that raises, through a second SQLite connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "dhcp_ctl.h"
#include "dhcp_server.h"
#include "lease_commit.h"
#include "log.h"

#define T0 1700000000u
#define SERVER "198.18.0.1"

static const uint8_t mac_a[6] = {0x52, 0x54, 0x00, 0x00, 0x0a, 0x01};
static const uint8_t mac_b[6] = {0x52, 0x54, 0x00, 0x00, 0x0b, 0x02};

static uint32_t
ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* --- fixture: a server, a store, the commit bookkeeping --- */

struct fx {
	char dir[64], path[PATH_MAX];
	struct dhcpd d;
	struct dhcp_ctl dc;
	struct lcommit lc;
	uint64_t cnt[RB_CNT_MAX], drops[RB_DROP_MAX];
	struct dhcpd_out out[2]; /* worker 0's and worker 1's scratch */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct rb_dhcp_dp_config c;
	char msg[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/rb-test-commit.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/leases.db", f->dir);
	memset(&c, 0, sizeof(c));
	c.mode = RB_DHCP_SERVER;
	c.nb_subnets = 1;
	c.offer_time = 60;
	c.decline_time = 600;
	c.next_server = ip(SERVER);
	c.subnets[0].net = ip("198.18.0.0");
	c.subnets[0].mask = ip("255.255.255.0");
	c.subnets[0].pool_lo = ip("198.18.0.100");
	c.subnets[0].pool_hi = ip("198.18.0.109");
	c.subnets[0].lease_time = 3600;
	assert_int_equal(dhcpd_init(&f->d, &c, ip(SERVER), 1500, msg, sizeof(msg)), 0);
	assert_int_equal(dhcpd_ready(&f->d), 0);
	f->dc.db = leasedb_open(f->path, msg, sizeof(msg));
	assert_non_null(f->dc.db);
	assert_int_equal(lc_init(&f->lc), 0);
	*state = f;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	lc_fini(&f->lc);
	leasedb_close(f->dc.db);
	dhcpd_free(&f->d);
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* A second connection to the store's file: failures behind its back. */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	sqlite3_close(db);
}

/* Every write to the store fails from now on, as a full or failing disk does. */
static void
break_store(struct fx *f)
{
	raw_exec(f->path, "CREATE TRIGGER boom BEFORE INSERT ON leases "
			  "BEGIN SELECT RAISE(ABORT, 'injected: database or disk is full'); END");
}

static void
mend_store(struct fx *f)
{
	raw_exec(f->path, "DROP TRIGGER boom");
}

/* --- a client talking to the server through worker w --- */

static enum dhcpd_verdict
send_req(struct fx *f, int w, uint8_t type, const uint8_t mac[6], const char *want,
	 const char *ciaddr, uint8_t room)
{
	uint8_t buf[DHCPD_MAX_PAYLOAD], order[4];
	struct dhcp_hdr h;
	struct dhcp_opts o;
	struct dhcpd_in in;
	size_t n = 0;
	int len;

	memset(&h, 0, sizeof(h));
	h.op = BOOTREQUEST;
	h.htype = 1;
	h.hlen = 6;
	h.xid = 0x1234;
	memcpy(h.chaddr, mac, 6);
	dhcp_opts_init(&o);
	assert_int_equal(dhcp_opts_set_u8(&o, DHO_MSG_TYPE, type), 0);
	order[n++] = DHO_MSG_TYPE;
	if (type != DHCPDISCOVER && !(type == DHCPREQUEST && ciaddr)) {
		assert_int_equal(dhcp_opts_set_ip(&o, DHO_SERVER_ID, ip(SERVER)), 0);
		order[n++] = DHO_SERVER_ID;
	}
	if (want) {
		assert_int_equal(dhcp_opts_set_ip(&o, DHO_REQUESTED_IP, ip(want)), 0);
		order[n++] = DHO_REQUESTED_IP;
	}
	if (ciaddr)
		h.ciaddr = ip(ciaddr);
	len = dhcp_build(buf, sizeof(buf), 0, &h, &o, order, n, NULL);
	assert_true(len > 0);
	in = (struct dhcpd_in){
	    .payload = buf,
	    .len = (size_t)len,
	    .src_ip = ciaddr ? ip(ciaddr) : 0,
	    .dst_ip = ciaddr ? ip(SERVER) : 0xffffffffu,
	    .src_port = RB_PORT_DHCP_CLIENT,
	    .dst_port = RB_PORT_DHCP_SERVER,
	    .src_mac = mac,
	    .now = T0,
	    .commit_room = room,
	};
	return dhcpd_handle(&f->d, &in, &f->out[w], f->cnt, f->drops);
}

/* DISCOVER + REQUEST on worker w: the ACK's record is f->out[w].rec. */
static void
dora(struct fx *f, int w, const uint8_t mac[6], const char *addr)
{
	assert_int_equal(send_req(f, w, DHCPDISCOVER, mac, NULL, NULL, DHCPD_ROOM), DHCPD_SEND);
	assert_int_equal(send_req(f, w, DHCPREQUEST, mac, addr, NULL, DHCPD_ROOM),
			 DHCPD_COMMIT_SEND);
	assert_int_equal(f->out[w].rec.ip, ip(addr));
	assert_int_equal(f->out[w].rec.state, RB_LEASE_BOUND);
}

/* The store's state for addr. */
static int
stored_state(struct fx *f, const char *addr)
{
	struct rb_lease_rec r;

	assert_int_equal(leasedb_get(f->dc.db, ip(addr), &r), 0);
	return r.state;
}

/* A batch of these records, in this order, through the control. */
static int
commit_recs(struct fx *f, uint32_t batch, const struct rb_lease_rec *const *recs, uint32_t n)
{
	struct rb_lease_batch *b = calloc(1, sizeof(*b) + n * sizeof(b->rec[0]));
	struct rb_lease_rec lost[8];
	uint32_t i, nb_lost = 1;
	int ret;

	assert_non_null(b);
	b->batch = batch;
	b->count = n;
	for (i = 0; i < n; i++)
		b->rec[i] = *recs[i];
	ret = dhcp_ctl_commit(b, &f->dc, lost, &nb_lost);
	assert_int_equal(nb_lost, 0); /* SQLite: the only writer never loses */
	free(b);
	return ret;
}

/* --- 1. the order the table decided in is the order stored --- */

/*
 * Client A holds .100. Its RELEASE lands on worker 0, its next DORA on
 * worker 1 (the broadcast REQUEST hashes to another queue than the unicast
 * RELEASE). Both records wait for the same batch; collected worker by
 * worker, the ACK can come first. The store must end "bound": the client
 * holds that ACK.
 */
static void
test_release_then_ack_one_batch(void **state)
{
	struct fx *f = *state;
	struct rb_lease_rec rel, ack;
	const struct rb_lease_rec *batch[2];

	dora(f, 0, mac_a, "198.18.0.100");
	batch[0] = &f->out[0].rec;
	assert_int_equal(commit_recs(f, 1, batch, 1), 0);

	assert_int_equal(send_req(f, 0, DHCPRELEASE, mac_a, NULL, "198.18.0.100", DHCPD_ROOM),
			 DHCPD_COMMIT);
	rel = f->out[0].rec;
	dora(f, 1, mac_a, "198.18.0.100");
	ack = f->out[1].rec;
	assert_int_equal(rel.state, RB_LEASE_RELEASED);
	assert_true(rel.seq < ack.seq); /* numbered in the order decided */

	/* Worker 1's ring first, then worker 0's: the old drain order's worst case. */
	batch[0] = &ack;
	batch[1] = &rel;
	assert_int_equal(commit_recs(f, 2, batch, 2), 0);
	assert_int_equal(stored_state(f, "198.18.0.100"), RB_LEASE_BOUND);
}

/*
 * The same two records in two batches, the newer first (records queued per
 * worker could be collected so when a worker queued its record after the
 * main lcore had looked at its ring): the older one must not overwrite it.
 */
static void
test_older_batch_never_overwrites(void **state)
{
	struct fx *f = *state;
	struct rb_lease_rec rel, ack;
	const struct rb_lease_rec *batch[1];

	dora(f, 0, mac_a, "198.18.0.100");
	batch[0] = &f->out[0].rec;
	assert_int_equal(commit_recs(f, 1, batch, 1), 0);
	assert_int_equal(send_req(f, 0, DHCPRELEASE, mac_a, NULL, "198.18.0.100", DHCPD_ROOM),
			 DHCPD_COMMIT);
	rel = f->out[0].rec;
	dora(f, 1, mac_a, "198.18.0.100");
	ack = f->out[1].rec;

	batch[0] = &ack;
	assert_int_equal(commit_recs(f, 2, batch, 1), 0);
	batch[0] = &rel;
	assert_int_equal(commit_recs(f, 3, batch, 1), -EPROTO);
	assert_int_equal(stored_state(f, "198.18.0.100"), RB_LEASE_BOUND);
}

/* --- 2. a failed batch: bounded retries, then given up, later ones go --- */

static unsigned err_lines;

static void
count_errors(enum rb_log_level level, const char *line)
{
	(void)line;
	if (level == RB_LOG_ERR)
		err_lines++;
}

/* The main lcore's part: send the batch in flight to the control. */
static void
send_batch(struct fx *f, uint64_t now)
{
	size_t bytes;
	const struct rb_lease_batch *b = lc_batch(&f->lc, &bytes);
	struct rb_lease_rec lost[8];
	uint32_t nb_lost;
	int ret;

	assert_int_equal(bytes, sizeof(*b) + b->count * sizeof(b->rec[0]));
	ret = dhcp_ctl_commit(b, &f->dc, lost, &nb_lost);
	assert_int_equal(nb_lost, 0);
	lc_done(&f->lc, b->batch, ret, NULL, 0, now);
}

static void
test_failed_batch_given_up(void **state)
{
	struct fx *f = *state;
	static const uint64_t resend_at[] = {100, 300, 700}; /* 100, then doubling */
	uint64_t seq_a, seq_b, now = 0;
	unsigned i;

	rb_log_set_sink(count_errors);
	err_lines = 0;
	break_store(f);
	dora(f, 0, mac_a, "198.18.0.100");
	seq_a = f->out[0].rec.seq;
	assert_int_equal(lc_poll(&f->lc, now, UINT64_MAX), LC_TAKE);
	lc_slots(&f->lc)[0] = f->out[0].rec;
	assert_true(lc_start(&f->lc, 1) > 0);
	send_batch(f, now);
	for (i = 0; i < 3; i++) {
		assert_int_equal(lc_ack_fate(&f->lc.out, seq_a), LC_WAIT);
		assert_int_equal(lc_poll(&f->lc, resend_at[i] - 1, UINT64_MAX), LC_NOTHING);
		now = resend_at[i];
		assert_int_equal(lc_poll(&f->lc, now, UINT64_MAX), LC_RESEND);
		send_batch(f, now);
	}
	/* LC_ATTEMPTS failed: given up at once, the held ACK is never sent. */
	assert_int_equal(f->lc.attempts, LC_ATTEMPTS);
	assert_int_equal(lc_poll(&f->lc, now, UINT64_MAX), LC_GAVE_UP);
	assert_int_equal(lc_ack_fate(&f->lc.out, seq_a), LC_DROP);
	assert_int_equal(f->lc.given_up, 1);
	assert_int_equal(f->lc.records_lost, 1);
	assert_int_equal(f->dc.failed_batches, LC_ATTEMPTS);
	/* The store said it once, not once per attempt. */
	assert_int_equal(err_lines, 1);

	/* The next batch goes, and once the store works it commits. */
	mend_store(f);
	dora(f, 1, mac_b, "198.18.0.101");
	seq_b = f->out[1].rec.seq;
	assert_int_equal(lc_poll(&f->lc, now, UINT64_MAX), LC_TAKE);
	lc_slots(&f->lc)[0] = f->out[1].rec;
	assert_true(lc_start(&f->lc, 1) > 0);
	send_batch(f, now);
	assert_int_equal(lc_ack_fate(&f->lc.out, seq_b), LC_SEND);
	assert_int_equal(lc_ack_fate(&f->lc.out, seq_a), LC_DROP);
	assert_int_equal(stored_state(f, "198.18.0.101"), RB_LEASE_BOUND);
	{
		struct rb_lease_rec r;

		assert_int_equal(leasedb_get(f->dc.db, ip("198.18.0.100"), &r), -ENOENT);
	}
	assert_int_equal(f->lc.committed, 1);
	assert_int_equal(f->lc.failing, 0);
	rb_log_set_sink(NULL);
}

/*
 * A worker that has not yet sent an ACK whose record is committed holds
 * the give-up back: the lost range must not cover an ACK it still has to send.
 */
static void
test_give_up_waits_for_workers(void **state)
{
	struct fx *f = *state;
	uint64_t seq_a, seq_b, now = 0;
	unsigned i;

	dora(f, 0, mac_a, "198.18.0.100");
	seq_a = f->out[0].rec.seq;
	assert_int_equal(lc_poll(&f->lc, now, UINT64_MAX), LC_TAKE);
	lc_slots(&f->lc)[0] = f->out[0].rec;
	lc_start(&f->lc, 1);
	send_batch(f, now);
	assert_int_equal(lc_ack_fate(&f->lc.out, seq_a), LC_SEND); /* not yet sent by worker 0 */

	break_store(f);
	dora(f, 1, mac_b, "198.18.0.101");
	seq_b = f->out[1].rec.seq;
	assert_int_equal(lc_poll(&f->lc, now, seq_a), LC_TAKE);
	lc_slots(&f->lc)[0] = f->out[1].rec;
	lc_start(&f->lc, 1);
	send_batch(f, now);
	for (i = 1; i < LC_ATTEMPTS; i++) {
		now += 1000;
		assert_int_equal(lc_poll(&f->lc, now, seq_a), LC_RESEND);
		send_batch(f, now);
	}
	now += 1000;
	assert_int_equal(lc_poll(&f->lc, now, seq_a), LC_NOTHING); /* worker 0 lags */
	assert_int_equal(lc_ack_fate(&f->lc.out, seq_a), LC_SEND);
	/* Worker 0 sent its ACK; it now waits for seq_b only. */
	assert_int_equal(lc_poll(&f->lc, now, seq_b), LC_GAVE_UP);
	assert_int_equal(lc_ack_fate(&f->lc.out, seq_b), LC_DROP);
	mend_store(f);
}

/* A batch the channel would not take counts as a failed attempt. */
static void
test_send_failure_is_an_attempt(void **state)
{
	struct fx *f = *state;
	uint64_t now = 0;
	unsigned i;

	dora(f, 0, mac_a, "198.18.0.100");
	assert_int_equal(lc_poll(&f->lc, now, UINT64_MAX), LC_TAKE);
	lc_slots(&f->lc)[0] = f->out[0].rec;
	lc_start(&f->lc, 1);
	for (i = 0; i < LC_ATTEMPTS; i++) {
		lc_send_failed(&f->lc, -EAGAIN, now);
		now += 1000;
		assert_int_equal(lc_poll(&f->lc, now, UINT64_MAX),
				 i + 1 < LC_ATTEMPTS ? LC_RESEND : LC_GAVE_UP);
	}
	assert_int_equal(f->lc.last_error, -EAGAIN);
	/* A late answer to a given-up batch changes nothing. */
	assert_false(lc_done(&f->lc, f->lc.b->batch, 0, NULL, 0, now));
	assert_int_equal(lc_ack_fate(&f->lc.out, f->out[0].rec.seq), LC_DROP);
}

/* --- 3. a claim lost to another server (a shared store) --- */

static const uint8_t mac_c[6] = {0x52, 0x54, 0x00, 0x00, 0x0c, 0x03};

/*
 * Clients A and B get ACKs for .100 and .101 in one batch; the shared
 * store says another server's client C holds .100 (the reply of a
 * PostgreSQL commit, built here as the control builds it). A's held ACK
 * becomes a NAK, B's goes out, and A coming back is offered another
 * address: the table knows .100 is C's. The next batch waits until the
 * worker holding A's ACK has acted on it.
 */
static void
test_lost_claim_naks(void **state)
{
	struct fx *f = *state;
	union {
		struct rb_lease_ack ack;
		char raw[sizeof(struct rb_lease_ack) + sizeof(struct rb_lease_rec)];
	} reply;
	uint64_t seqs[RB_LEASE_BATCH_MAX], seq_a, seq_b, now = 0;
	struct rb_lease_rec *holder = &reply.ack.lost[0];
	uint8_t ack_a[DHCPD_MAX_PAYLOAD];
	struct dhcpd_out nak;
	struct dhcp_msg m;
	size_t ack_len;
	uint32_t n;

	dora(f, 0, mac_a, "198.18.0.100");
	seq_a = f->out[0].rec.seq;
	ack_len = (size_t)f->out[0].len;
	memcpy(ack_a, f->out[0].payload, ack_len);
	dora(f, 1, mac_b, "198.18.0.101");
	seq_b = f->out[1].rec.seq;
	assert_int_equal(lc_poll(&f->lc, now, seq_a), LC_TAKE);
	lc_slots(&f->lc)[0] = f->out[0].rec;
	lc_slots(&f->lc)[1] = f->out[1].rec;
	assert_true(lc_start(&f->lc, 2) > 0);

	/* The control's answer: committed, A's claim lost to C's row. */
	memset(&reply, 0, sizeof(reply));
	reply.ack.batch = f->lc.b->batch;
	reply.ack.nb_lost = 1;
	*holder = f->out[0].rec;
	memcpy(holder->chaddr, mac_c, 6);
	holder->key_len = 7;
	holder->key[0] = 1;
	memcpy(holder->key + 1, mac_c, 6);
	holder->expires = T0 + 3600;
	n = dhcpd_claims_lost(&f->d, &reply.ack, seqs);
	assert_int_equal(n, 1);
	assert_true(lc_done(&f->lc, reply.ack.batch, 0, seqs, n, now));
	assert_int_equal(f->lc.claims_lost, 1);
	assert_int_equal(lc_ack_fate(&f->lc.out, seq_a), LC_LOST);
	assert_int_equal(lc_ack_fate(&f->lc.out, seq_b), LC_SEND);

	/* The NAK replaces A's ACK: same transaction, A's hardware address,
	 * broadcast (RFC 2131 4.1). */
	assert_int_equal(dhcpd_nak_held(&f->d, ack_a, ack_len, mac_a, &nak, f->cnt, f->drops),
			 DHCPD_SEND);
	assert_int_equal(nak.type, DHCPNAK);
	assert_true(nak.l2_broadcast);
	assert_int_equal(nak.dst_ip, 0xffffffffu);
	assert_int_equal(dhcp_parse(nak.payload, (size_t)nak.len, &m), 0);
	assert_int_equal(m.h.xid, 0x1234);
	assert_memory_equal(m.h.chaddr, mac_a, 6);
	assert_int_equal(m.h.yiaddr, 0);

	/* The worker holding A's ACK has not acted yet: no next batch. */
	assert_int_equal(lc_poll(&f->lc, now, seq_a), LC_NOTHING);
	assert_int_equal(lc_poll(&f->lc, now, UINT64_MAX), LC_TAKE);

	/* A starts over and is offered another address; C's is not given. */
	assert_int_equal(send_req(f, 0, DHCPDISCOVER, mac_a, NULL, NULL, DHCPD_ROOM), DHCPD_SEND);
	assert_int_equal(dhcp_parse(f->out[0].payload, (size_t)f->out[0].len, &m), 0);
	assert_int_not_equal(m.h.yiaddr, ip("198.18.0.100"));
	assert_int_not_equal(m.h.yiaddr, ip("198.18.0.101"));
	assert_int_equal(send_req(f, 0, DHCPREQUEST, mac_a, "198.18.0.100", NULL, DHCPD_ROOM),
			 DHCPD_SEND); /* NAK: not A's */
	assert_int_equal(f->out[0].type, DHCPNAK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_release_then_ack_one_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_older_batch_never_overwrites, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_batch_given_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_give_up_waits_for_workers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_send_failure_is_an_attempt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lost_claim_naks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
