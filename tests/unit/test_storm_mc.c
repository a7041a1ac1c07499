/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rackboot-storm's RFC 2090 multicast mode (benchmarks/storm_mc.c, the
 * files after the boot file with cfg.multicast): a listener taking a
 * group's blocks, the master's ACK of its first hole, a handover that
 * refills holes, a byte mismatch shared by every member of a frame,
 * silence and the fallback to unicast, against a server played here
 * (storm_fixture.h).
 */
#include "storm_fixture.h"

/* --- RFC 2090 multicast (cfg.multicast: the files after the boot file) --- */

#define MC_SPORT 61002 /* the stream's port */
#define MC_GPORT 1760
static uint32_t mc_group;
/* 5 full blocks and a short one: blocks 1..6. */
static uint8_t mc_data[5 * BLK + 100];
static const struct storm_file mc_file = {"initrd.img", mc_data, sizeof(mc_data)};
#define MC_NB 6

/* Lease, the boot file by unicast lockstep; returns with the multicast
 * RRQ of mc_file checked (blksize, tsize, multicast; from a new port). */
static void
mc_boot(struct fx *f)
{
	struct rb_udp_view v;
	struct tftp_req rq;
	size_t i;
	uint64_t b;

	for (i = 0; i < sizeof(mc_data); i++)
		mc_data[i] = (uint8_t)(i * 11 + 3);
	inet_pton(AF_INET, "239.255.69.1", &mc_group);
	f->cfg.multicast = true;
	f->cfg.files[0] = &mc_file;
	lease(f);
	/* The boot file: no multicast asked (firmware's own download). */
	out_rrq(f, 0, &v, &rq);
	assert_false(rq.opts.mask & TFTP_OPT_MULTICAST);
	srv_oack(f, SRV_PORT, TFTP_OPT_BLKSIZE, 0, 0);
	for (b = 1; b <= 3; b++)
		srv_data(f, boot_data, sizeof(boot_data), b);
	assert_int_equal(f->out.n, 2);
	out_rrq(f, 1, &v, &rq);
	assert_string_equal(rq.filename, "initrd.img");
	assert_int_equal(rq.opts.mask, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_MULTICAST);
	assert_int_equal(f->n.state, STORM_RRQ);
}

/* The stream's OACK: the group (or empty fields, addr 0), mc=master. */
static void
mc_oack(struct fx *f, uint32_t group, uint8_t master)
{
	struct tftp_opts o = {.mask = TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_MULTICAST,
			      .blksize = BLK,
			      .tsize = sizeof(mc_data),
			      .mc_addr = group,
			      .mc_port = group ? MC_GPORT : 0,
			      .mc_master = master};
	uint8_t pkt[128];

	srv_tftp(f, MC_SPORT, pkt, tftp_build_oack(pkt, sizeof(pkt), &o));
}

/* Block n of mc_file to the group (payload d: mc_data or a bad copy). */
static void
mc_block(struct fx *f, const uint8_t *d, uint64_t n)
{
	static const uint8_t gmac[6] = {0x01, 0x00, 0x5e, 0x7f, 0x45, 0x01};
	uint8_t pkt[4 + BLK], frame[1600];
	size_t off = (n - 1) * BLK, len = sizeof(mc_data) - off;
	int pl, fl;

	if (len > BLK)
		len = BLK;
	pl = tftp_build_data(pkt, sizeof(pkt), (uint16_t)n, d + off, len);
	assert_true(pl > 0);
	fl = rb_udp_build(frame, sizeof(frame), srv_mac, gmac, srv_ip, mc_group, MC_SPORT, MC_GPORT,
			  pkt, (size_t)pl);
	assert_true(fl > 0);
	rx(f, frame, (size_t)fl);
}

/* An ACK to the stream's port. */
static void
mc_out_ack(const struct fx *f, unsigned k, uint16_t block)
{
	out_ack_to(f, k, MC_SPORT, block);
}

/* A listener: silent while it takes blocks, then its ACK of the last one
 * (RFC 2090's termination, master or not) and the node is done. */
static void
test_mc_listener_completes(void **state)
{
	struct fx f;
	uint64_t b;

	(void)state;
	fx_init(&f);
	mc_boot(&f);
	mc_oack(&f, mc_group, 0);
	assert_int_equal(f.out.n, 0); /* a listener does not ACK the OACK */
	assert_true(storm_node_in_group(&f.n));
	assert_int_equal(f.n.nblocks, MC_NB);
	/* Another group's frames, or another stream's port, are not ours. */
	{
		uint32_t g = mc_group;

		inet_pton(AF_INET, "239.255.69.2", &mc_group);
		mc_block(&f, mc_data, 1);
		mc_group = g;
		assert_int_equal(f.n.have, 0);
	}
	for (b = 1; b < MC_NB; b++) {
		f.now += 100;
		mc_block(&f, mc_data, b);
		assert_int_equal(f.out.n, 0);
	}
	mc_block(&f, mc_data, 2); /* a resend: a duplicate, still silent */
	assert_int_equal(f.out.n, 0);
	assert_int_equal(f.n.dups, 1);
	f.now += 100;
	mc_block(&f, mc_data, MC_NB);
	assert_int_equal(f.out.n, 1);
	mc_out_ack(&f, 0, MC_NB);
	assert_int_equal(f.n.state, STORM_DONE);
	assert_int_equal(f.n.fs[1].bytes, sizeof(mc_data));
	assert_int_equal(f.n.fs[1].t_done, f.now - T0);
	assert_int_equal(f.n.mc_blocks, MC_NB);
	assert_int_equal(f.n.mc_masters, 0);
	assert_null(f.n.map);
}

/* The master ACKs the block before its first hole whenever that hole
 * moves; a block past a hole gets no ACK; a resent block the same ACK
 * again (one per 2 ms). */
static void
test_mc_master_first_hole(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f);
	mc_boot(&f);
	mc_oack(&f, mc_group, 1);
	assert_int_equal(f.out.n, 1);
	mc_out_ack(&f, 0, 0);
	assert_int_equal(f.n.mc_masters, 1);
	mc_block(&f, mc_data, 1);
	mc_out_ack(&f, 0, 1);
	mc_block(&f, mc_data, 3); /* 2 lost */
	assert_int_equal(f.out.n, 0);
	assert_int_equal(f.n.holes, 1);
	mc_block(&f, mc_data, 4);
	assert_int_equal(f.out.n, 0);
	mc_block(&f, mc_data, 2); /* the hole closes: 1..4 held */
	mc_out_ack(&f, 0, 4);
	f.now += 3000;
	mc_block(&f, mc_data, 3); /* resent after a lost ACK */
	mc_out_ack(&f, 0, 4);
	mc_block(&f, mc_data, 3); /* again, within 2 ms: nothing */
	assert_int_equal(f.out.n, 0);
	assert_int_equal(f.n.dups, 2);
	mc_block(&f, mc_data, 5);
	mc_out_ack(&f, 0, 5);
	mc_block(&f, mc_data, 6);
	mc_out_ack(&f, 0, MC_NB);
	assert_int_equal(f.n.state, STORM_DONE);
}

/* Joined late (blocks 1-2 missed), a listener is promoted by an OACK with
 * mc=1 and empty address fields: it ACKs 0, takes 1 and 2 as master (the
 * ACK jumps over what it held) and is done. */
static void
test_mc_handover_refills_holes(void **state)
{
	struct fx f;
	uint64_t b;

	(void)state;
	fx_init(&f);
	mc_boot(&f);
	mc_oack(&f, mc_group, 0);
	for (b = 3; b <= MC_NB; b++)
		mc_block(&f, mc_data, b);
	assert_int_equal(f.out.n, 0);
	assert_int_equal(f.n.state, STORM_XFER);
	assert_int_equal(f.n.have, MC_NB - 2);
	assert_int_equal(f.n.next, 1);
	mc_oack(&f, 0, 1); /* promotion */
	assert_int_equal(f.out.n, 1);
	mc_out_ack(&f, 0, 0);
	assert_true(f.n.mc_master);
	assert_int_equal(f.n.mc_group, mc_group); /* kept from the first OACK */
	mc_block(&f, mc_data, 1);
	mc_out_ack(&f, 0, 1);
	mc_block(&f, mc_data, 2);
	mc_out_ack(&f, 0, MC_NB);
	assert_int_equal(f.n.state, STORM_DONE);
	assert_int_equal(f.n.fs[1].bytes, sizeof(mc_data));
	assert_int_equal(f.n.mc_masters, 1);
}

/* A byte off in a group block fails the node (ERROR sent); a short middle
 * block is a size failure. The verdict of one frame is shared by every
 * member through storm_mc_frame. */
static void
test_mc_mismatch_detected(void **state)
{
	static uint8_t bad[sizeof(mc_data)];
	struct storm_mc_frame d;
	struct fx f, g;
	struct tftp_pkt p;
	struct rb_udp_view v;
	uint8_t pkt[4 + BLK], frame[1600];
	int pl, fl;

	(void)state;
	fx_init(&f);
	mc_boot(&f);
	mc_oack(&f, mc_group, 0);
	g = f; /* a second member of the same stream */
	g.n.map = calloc(1, sizeof(uint64_t));
	assert_non_null(g.n.map);
	memcpy(bad, mc_data, sizeof(bad));
	bad[BLK + 17] ^= 0x40; /* block 2 */
	mc_block(&f, mc_data, 1);
	assert_int_equal(f.n.state, STORM_XFER);
	mc_block(&f, bad, 2);
	assert_int_equal(f.n.state, STORM_FAILED);
	assert_int_equal(f.n.fail_reason, STORM_F_MISMATCH);
	assert_int_equal(f.out.n, 1);
	out_tftp(&f, 0, &v, &p);
	assert_int_equal(p.opcode, TFTP_ERROR);
	assert_null(f.n.map);

	/* One parse, two members: the first compares, the second takes its
	 * verdict. */
	pl = tftp_build_data(pkt, sizeof(pkt), 2, bad + BLK, BLK);
	fl = rb_udp_build(frame, sizeof(frame), srv_mac,
			  (const uint8_t[]){1, 0, 0x5e, 0x7f, 0x45, 1}, srv_ip, mc_group, MC_SPORT,
			  MC_GPORT, pkt, (size_t)pl);
	assert_int_equal(storm_mc_parse(frame, (size_t)fl, &d), 0);
	assert_int_equal(d.block, 2);
	assert_null(d.check_file);
	fx_init(&f);
	mc_boot(&f);
	mc_oack(&f, mc_group, 0);
	storm_node_mc_rx(&f.n, &f.cfg, &d, f.now, &f.out);
	assert_int_equal(f.n.fail_reason, STORM_F_MISMATCH);
	assert_ptr_equal(d.check_file, &mc_file);
	storm_node_mc_rx(&g.n, &g.cfg, &d, g.now, &g.out);
	assert_int_equal(g.n.fail_reason, STORM_F_MISMATCH);

	/* A middle block cut short. */
	fx_init(&f);
	mc_boot(&f);
	mc_oack(&f, mc_group, 0);
	pl = tftp_build_data(pkt, sizeof(pkt), 3, mc_data + 2 * BLK, BLK - 1);
	fl = rb_udp_build(frame, sizeof(frame), srv_mac,
			  (const uint8_t[]){1, 0, 0x5e, 0x7f, 0x45, 1}, srv_ip, mc_group, MC_SPORT,
			  MC_GPORT, pkt, (size_t)pl);
	rx(&f, frame, (size_t)fl);
	assert_int_equal(f.n.fail_reason, STORM_F_SIZE);
	/* Not a group frame: a unicast DATA is not storm_mc_parse's. */
	fl = rb_udp_build(frame, sizeof(frame), srv_mac, f.n.mac, srv_ip, lease_ip, MC_SPORT,
			  MC_GPORT, pkt, (size_t)pl);
	assert_int_equal(storm_mc_parse(frame, (size_t)fl, &d), -1);
}

/* Silence: a listener asks again (its RRQ, same port, multicast), a master
 * resends its ACK; past tftp_tries the node fails. An OACK without
 * "multicast" (the server fell back) is a unicast transfer. */
static void
test_mc_silence_and_fallback(void **state)
{
	struct fx f;
	struct rb_udp_view v;
	struct tftp_req rq;
	uint16_t port;
	unsigned k;

	(void)state;
	fx_init(&f);
	mc_boot(&f);
	port = f.n.lport;
	mc_oack(&f, mc_group, 0);
	mc_block(&f, mc_data, 1);
	for (k = 1; k <= f.cfg.tftp_tries; k++) {
		f.now += SEC;
		storm_node_tick(&f.n, &f.cfg, f.now, &f.out);
		assert_int_equal(f.out.n, 1);
		out_rrq(&f, 0, &v, &rq);
		assert_int_equal(v.sport, port);
		assert_true(rq.opts.mask & TFTP_OPT_MULTICAST);
	}
	assert_int_equal(f.n.tftp_retries, f.cfg.tftp_tries);
	/* The answer to the repeat: an OACK, now mc=1 (master). */
	mc_oack(&f, mc_group, 1);
	mc_out_ack(&f, 0, 1);
	assert_int_equal(f.n.tries, 0);
	f.now += SEC;
	storm_node_tick(&f.n, &f.cfg, f.now, &f.out);
	mc_out_ack(&f, 0, 1);
	for (k = 0; k < f.cfg.tftp_tries; k++) {
		f.now += SEC;
		storm_node_tick(&f.n, &f.cfg, f.now, &f.out);
	}
	assert_int_equal(f.n.state, STORM_FAILED);
	assert_int_equal(f.n.fail_reason, STORM_F_TFTP_TIMEOUT);
	assert_null(f.n.map);

	/* Fallback: the OACK has no multicast; unicast lockstep follows. */
	fx_init(&f);
	mc_boot(&f);
	srv_oack(&f, SRV_PORT, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE, sizeof(mc_data), 0);
	out_ack(&f, 0, 0);
	assert_false(f.n.mc);
	for (k = 1; k <= MC_NB; k++)
		srv_data(&f, mc_data, sizeof(mc_data), k);
	assert_int_equal(f.n.state, STORM_DONE);
	assert_int_equal(f.n.fs[1].bytes, sizeof(mc_data));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mc_listener_completes),
	    cmocka_unit_test(test_mc_master_first_hole),
	    cmocka_unit_test(test_mc_handover_refills_holes),
	    cmocka_unit_test(test_mc_mismatch_detected),
	    cmocka_unit_test(test_mc_silence_and_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
