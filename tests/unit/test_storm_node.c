/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rackboot-storm's node state machine (benchmarks/storm_node.c) against a
 * server played here, at a clock the test moves by hand. The server's
 * replies are built with the project's codecs (dhcp_build, tftp_build_*,
 * rb_udp_build) the way rackboot builds them, and every frame the node
 * sends is parsed back with the same codecs and checked: the DISCOVER's PXE
 * options, the REQUEST's server id and requested address, the RRQ's
 * address, ports and options, ACK numbers in and out of windows, EDK2's
 * tsize probe and its ERROR 8, DHCP backoff and TFTP resends on timeout,
 * giving up, content and size checks, ARP for the leased address, and
 * which node a received frame belongs to. One exchange is replayed from a
 * real rackboot run, recorded as hex.
 */
#include "storm_fixture.h"

/* --- the tests ----------------------------------------------------------- */

static void
test_discover_options(void **state)
{
	struct fx f;
	struct dhcp_msg m;
	const uint8_t *v;
	size_t len;
	uint16_t maxsz;

	(void)state;
	fx_init(&f);
	storm_node_start(&f.n, &f.cfg, f.now, &f.out);
	assert_int_equal(f.out.n, 1);
	out_dhcp(&f, 0, &m);
	assert_int_equal(m.type, DHCPDISCOVER);
	assert_int_equal(m.h.xid, f.n.xid);
	assert_int_equal(m.h.flags, 0);
	/* 52:54:<seed>:<index> */
	assert_memory_equal(m.h.chaddr, ((uint8_t[]){0x52, 0x54, 9, 0, 0, IDX}), 6);
	assert_int_equal(dhcp_client_arch(&m.o), 7);
	assert_true(dhcp_vendor_class_is(&m.o, "PXEClient:Arch:00007:UNDI:003016"));
	v = dhcp_opt(&m.o, DHO_CLIENT_UUID, &len);
	assert_non_null(v);
	assert_int_equal(len, 17);
	assert_int_equal(v[0], 0);
	v = dhcp_opt(&m.o, DHO_CLIENT_NDI, &len);
	assert_int_equal(len, 3);
	assert_true(dhcp_opt_u16(&m.o, DHO_MAX_SIZE, &maxsz));
	assert_int_equal(maxsz, 1472);
	assert_true(dhcp_has(&m.o, DHO_PRL));
	assert_false(dhcp_has(&m.o, DHO_CLIENT_ID)); /* firmware sends none */
	assert_false(dhcp_has(&m.o, DHO_REQUESTED_IP));
	assert_false(dhcp_is_ipxe(&m.o));

	/* iPXE, BIOS, broadcast flag. */
	fx_init(&f);
	f.cfg.ipxe = true;
	f.cfg.arch = 0;
	f.cfg.broadcast = true;
	storm_node_start(&f.n, &f.cfg, f.now, &f.out);
	out_dhcp(&f, 0, &m);
	assert_true(dhcp_is_ipxe(&m.o));
	assert_int_equal(dhcp_client_arch(&m.o), 0);
	assert_true(dhcp_vendor_class_is(&m.o, "PXEClient:Arch:00000:"));
	assert_int_equal(m.h.flags, DHCP_FLAG_BROADCAST);
}

static void
test_offer_request_ack(void **state)
{
	struct fx f;
	struct dhcp_msg m;
	struct rb_udp_view v;
	struct tftp_req rq;
	uint32_t ip;

	(void)state;
	fx_init(&f);
	storm_node_start(&f.n, &f.cfg, f.now, &f.out);
	/* Another exchange's OFFER (xid) changes nothing. */
	srv_dhcp(&f, DHCPOFFER, f.n.xid + 1, NULL, NULL);
	assert_int_equal(f.out.n, 0);
	assert_int_equal(f.n.state, STORM_SELECTING);

	f.now += 3000;
	srv_dhcp(&f, DHCPOFFER, f.n.xid, NULL, NULL);
	assert_int_equal(f.n.t_offer, 3000);
	assert_int_equal(f.out.n, 1);
	out_dhcp(&f, 0, &m);
	assert_int_equal(m.type, DHCPREQUEST);
	assert_int_equal(m.h.xid, f.n.xid);
	assert_int_equal(m.h.ciaddr, 0);
	assert_true(dhcp_opt_ip(&m.o, DHO_REQUESTED_IP, &ip));
	assert_int_equal(ip, lease_ip);
	assert_true(dhcp_opt_ip(&m.o, DHO_SERVER_ID, &ip));
	assert_int_equal(ip, srv_ip);
	assert_int_equal(dhcp_client_arch(&m.o), 7);

	/* A second OFFER while requesting is ignored. */
	srv_dhcp(&f, DHCPOFFER, f.n.xid, NULL, NULL);
	assert_int_equal(f.out.n, 0);

	/* The ACK: option 67 wins over the file field. */
	f.now += 2000;
	srv_dhcp(&f, DHCPACK, f.n.xid, "other.efi", "loader.efi");
	assert_int_equal(f.n.state, STORM_RRQ);
	assert_int_equal(f.n.ip, lease_ip);
	assert_int_equal(f.n.t_lease, 5000);
	assert_int_equal(f.out.n, 1);
	out_rrq(&f, 0, &v, &rq);
	assert_string_equal(rq.filename, "loader.efi");
	assert_int_equal(v.sport, f.n.lport);
	assert_int_equal(rq.opts.mask, TFTP_OPT_BLKSIZE); /* no tsize, no window */
	assert_int_equal(rq.opts.blksize, BLK);
}

static void
test_nak_restarts(void **state)
{
	struct fx f;
	struct dhcp_msg m;
	uint32_t xid;

	(void)state;
	fx_init(&f);
	storm_node_start(&f.n, &f.cfg, f.now, &f.out);
	srv_dhcp(&f, DHCPOFFER, f.n.xid, NULL, NULL);
	xid = f.n.xid;
	srv_dhcp(&f, DHCPNAK, xid, NULL, NULL);
	assert_int_equal(f.out.n, 1);
	out_dhcp(&f, 0, &m);
	assert_int_equal(m.type, DHCPDISCOVER);
	assert_int_not_equal(m.h.xid, xid); /* a new exchange */
	assert_int_equal(f.n.state, STORM_SELECTING);
}

static void
test_unknown_bootfile_fails(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f);
	storm_node_start(&f.n, &f.cfg, f.now, &f.out);
	srv_dhcp(&f, DHCPOFFER, f.n.xid, NULL, NULL);
	srv_dhcp(&f, DHCPACK, f.n.xid, "nothing-like-it.efi", NULL);
	assert_int_equal(f.n.state, STORM_FAILED);
	assert_int_equal(f.n.fail_reason, STORM_F_NO_BOOTFILE);
	assert_int_equal(f.out.n, 0);
}

/* Firmware's backoff: 4, 8, 16 s between DISCOVERs, then it gives up. */
static void
test_dhcp_backoff(void **state)
{
	static const uint64_t waits[] = {4, 8, 16};
	struct fx f;
	struct dhcp_msg m;
	unsigned k;

	(void)state;
	fx_init(&f);
	storm_node_start(&f.n, &f.cfg, f.now, &f.out);
	for (k = 0; k < 3; k++) {
		storm_node_tick(&f.n, &f.cfg, f.now + waits[k] * SEC - 1, &f.out);
		assert_int_equal(f.out.n, 0); /* not yet */
		f.now += waits[k] * SEC;
		storm_node_tick(&f.n, &f.cfg, f.now, &f.out);
		assert_int_equal(f.out.n, 1);
		out_dhcp(&f, 0, &m);
		assert_int_equal(m.type, DHCPDISCOVER);
		assert_int_equal(m.h.secs, f.now / SEC - T0 / SEC); /* seconds since power on */
		assert_int_equal(f.n.dhcp_retries, k + 1);
	}
	f.now += 32 * SEC;
	storm_node_tick(&f.n, &f.cfg, f.now, &f.out);
	assert_int_equal(f.out.n, 0);
	assert_int_equal(f.n.state, STORM_FAILED);
	assert_int_equal(f.n.fail_reason, STORM_F_DHCP_TIMEOUT);
}

/* The whole boot: boot file lockstep, initrd with a 0-byte last block. */
static void
test_boot_lockstep(void **state)
{
	struct fx f;
	struct rb_udp_view v;
	struct tftp_req rq;
	struct tftp_pkt p;
	uint16_t first_port;

	(void)state;
	fx_init(&f);
	lease(&f);
	first_port = f.n.lport;
	f.now += 100;
	srv_oack(&f, SRV_PORT, TFTP_OPT_BLKSIZE, 0, 0);
	assert_int_equal(f.out.n, 1);
	out_ack(&f, 0, 0);
	srv_data(&f, boot_data, sizeof(boot_data), 1);
	out_ack(&f, 0, 1);
	/* A DATA from another port (not the transfer's) is not ours. */
	{
		uint8_t pkt[8];

		srv_tftp(&f, SRV_PORT + 1, pkt, tftp_build_data(pkt, sizeof(pkt), 2, "x", 1));
		assert_int_equal(f.out.n, 0);
	}
	srv_data(&f, boot_data, sizeof(boot_data), 2);
	out_ack(&f, 0, 2);
	f.now += 100;
	srv_data(&f, boot_data, sizeof(boot_data), 3);
	/* Its last ACK, then the initrd's RRQ from a new port. */
	assert_int_equal(f.out.n, 2);
	out_ack(&f, 0, 3);
	out_rrq(&f, 1, &v, &rq);
	assert_string_equal(rq.filename, "initrd.img");
	assert_int_not_equal(v.sport, first_port);
	assert_int_equal(f.n.fs[0].bytes, sizeof(boot_data));
	assert_int_equal(f.n.fs[0].t_done, 2000 + 200);

	f.now += 100;
	srv_oack(&f, SRV_PORT, TFTP_OPT_BLKSIZE, 0, 0);
	out_ack(&f, 0, 0);
	srv_data(&f, initrd_data, sizeof(initrd_data), 1);
	srv_data(&f, initrd_data, sizeof(initrd_data), 2);
	out_ack(&f, 0, 2);
	assert_int_equal(f.n.state, STORM_XFER); /* a full last block: not the end */
	f.now += 100;
	srv_data(&f, initrd_data, sizeof(initrd_data), 3); /* 0 bytes */
	assert_int_equal(f.out.n, 1);
	out_tftp(&f, 0, &v, &p);
	assert_int_equal(p.opcode, TFTP_ACK);
	assert_int_equal(p.block, 3);
	assert_int_equal(f.n.state, STORM_DONE);
	assert_true(storm_node_finished(&f.n));
	assert_int_equal(f.n.fs[1].bytes, sizeof(initrd_data));
	assert_int_equal(f.n.fs[1].t_done, 2000 + 400);
	assert_int_equal(f.n.deadline, 0);
	assert_int_equal(f.n.tftp_retries, 0);
}

/* windowsize 2: an ACK after every second block; a hole gets one ACK of
 * the last block in order; a resent block one ACK per 2 ms. */
static void
test_window_hole_dup(void **state)
{
	struct fx f;
	struct rb_udp_view v;
	struct tftp_req rq;

	(void)state;
	fx_init(&f);
	f.cfg.windowsize = 2;
	f.cfg.nfiles = 0;
	lease(&f);
	out_rrq(&f, 0, &v, &rq);
	assert_int_equal(rq.opts.mask, TFTP_OPT_BLKSIZE | TFTP_OPT_WINDOWSIZE);
	assert_int_equal(rq.opts.windowsize, 2);
	srv_oack(&f, SRV_PORT, TFTP_OPT_BLKSIZE | TFTP_OPT_WINDOWSIZE, 0, 2);
	out_ack(&f, 0, 0);
	srv_data(&f, boot_data, sizeof(boot_data), 1);
	assert_int_equal(f.out.n, 0); /* mid-window: no ACK */
	/* Block 2 lost, 3 arrives: ACK 1, once. */
	srv_data(&f, boot_data, sizeof(boot_data), 3);
	out_ack(&f, 0, 1);
	srv_data(&f, boot_data, sizeof(boot_data), 3);
	assert_int_equal(f.out.n, 0);
	assert_int_equal(f.n.holes, 1);
	/* The server resends from 2: the window completes at 2, then 3 ends it. */
	srv_data(&f, boot_data, sizeof(boot_data), 2);
	out_ack(&f, 0, 2);
	/* Block 1 again (resent): ACK 2 again, but not twice within 2 ms. */
	f.now += 3000;
	srv_data(&f, boot_data, sizeof(boot_data), 1);
	out_ack(&f, 0, 2);
	srv_data(&f, boot_data, sizeof(boot_data), 1);
	assert_int_equal(f.out.n, 0);
	assert_int_equal(f.n.dups, 2);
	srv_data(&f, boot_data, sizeof(boot_data), 3);
	out_ack(&f, 0, 3);
	assert_int_equal(f.n.state, STORM_DONE);
}

/* EDK2: RRQ tsize+blksize, OACK, ERROR 8, then the download proper. */
static void
test_tsize_probe(void **state)
{
	struct fx f;
	struct rb_udp_view v;
	struct tftp_req rq;
	struct tftp_pkt p;
	uint16_t probe_port;

	(void)state;
	fx_init(&f);
	f.cfg.tsize_probe = true;
	lease(&f);
	assert_int_equal(f.n.state, STORM_PROBE);
	out_rrq(&f, 0, &v, &rq);
	assert_string_equal(rq.filename, "loader.efi");
	assert_int_equal(rq.opts.mask, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE);
	assert_int_equal(rq.opts.tsize, 0);
	probe_port = v.sport;

	srv_oack(&f, SRV_PORT, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE, sizeof(boot_data), 0);
	assert_int_equal(f.out.n, 2);
	out_tftp(&f, 0, &v, &p);
	assert_int_equal(p.opcode, TFTP_ERROR);
	assert_int_equal(p.code, TFTP_EC_OPTION);
	assert_int_equal(v.sport, probe_port);
	assert_int_equal(v.dport, SRV_PORT);
	out_rrq(&f, 1, &v, &rq);
	assert_int_not_equal(v.sport, probe_port);
	assert_int_equal(rq.opts.mask, TFTP_OPT_BLKSIZE);
	assert_int_equal(f.n.state, STORM_RRQ);

	/* The probe is the boot file's only: the initrd's RRQ is plain. */
	srv_oack(&f, SRV_PORT, TFTP_OPT_BLKSIZE, 0, 0);
	out_ack(&f, 0, 0);
	srv_data(&f, boot_data, sizeof(boot_data), 1);
	srv_data(&f, boot_data, sizeof(boot_data), 2);
	srv_data(&f, boot_data, sizeof(boot_data), 3);
	out_rrq(&f, 1, &v, &rq);
	assert_string_equal(rq.filename, "initrd.img");
	assert_int_equal(rq.opts.mask, TFTP_OPT_BLKSIZE);
}

static void
test_tsize_mismatch_fails(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f);
	f.cfg.tsize_probe = true;
	lease(&f);
	srv_oack(&f, SRV_PORT, TFTP_OPT_TSIZE, sizeof(boot_data) + 1, 0);
	assert_int_equal(f.n.state, STORM_FAILED);
	assert_int_equal(f.n.fail_reason, STORM_F_SIZE);
}

/* No packet: the last ACK (or the RRQ) again, tftp_tries times, then fail. */
static void
test_tftp_resend_and_give_up(void **state)
{
	struct fx f;
	struct rb_udp_view v;
	struct tftp_req rq;
	unsigned k;

	(void)state;
	fx_init(&f);
	lease(&f);
	/* The RRQ is lost: it goes again, byte for byte. */
	f.now += SEC;
	storm_node_tick(&f.n, &f.cfg, f.now, &f.out);
	assert_int_equal(f.out.n, 1);
	out_rrq(&f, 0, &v, &rq);
	assert_int_equal(v.sport, f.n.lport);
	assert_int_equal(f.n.tftp_retries, 1);

	srv_oack(&f, SRV_PORT, TFTP_OPT_BLKSIZE, 0, 0);
	srv_data(&f, boot_data, sizeof(boot_data), 1);
	out_ack(&f, 0, 1);
	/* Progress resets the count; then silence: ACK 1 three times. */
	for (k = 0; k < 3; k++) {
		storm_node_tick(&f.n, &f.cfg, f.now + SEC - 1, &f.out);
		assert_int_equal(f.out.n, 0);
		f.now += SEC;
		storm_node_tick(&f.n, &f.cfg, f.now, &f.out);
		out_ack(&f, 0, 1);
	}
	assert_int_equal(f.n.tftp_retries, 4);
	f.now += SEC;
	storm_node_tick(&f.n, &f.cfg, f.now, &f.out);
	assert_int_equal(f.out.n, 0);
	assert_int_equal(f.n.state, STORM_FAILED);
	assert_int_equal(f.n.fail_reason, STORM_F_TFTP_TIMEOUT);
}

static void
test_lost_ack0(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f);
	lease(&f);
	srv_oack(&f, SRV_PORT, TFTP_OPT_BLKSIZE, 0, 0);
	out_ack(&f, 0, 0);
	srv_oack(&f, SRV_PORT, TFTP_OPT_BLKSIZE, 0, 0); /* the server resent it */
	out_ack(&f, 0, 0);
}

/* A server that ignores options: DATA 1 of 512 bytes answers the RRQ. */
static void
test_no_oack_lockstep_512(void **state)
{
	struct fx f;
	uint8_t pkt[4 + 512];

	(void)state;
	fx_init(&f);
	lease(&f);
	srv_tftp(&f, SRV_PORT, pkt, tftp_build_data(pkt, sizeof(pkt), 1, boot_data, 512));
	out_ack(&f, 0, 1);
	assert_int_equal(f.n.blksize, 512);
	assert_int_equal(f.n.done_bytes, 512);
}

static void
test_content_and_size_checked(void **state)
{
	struct fx f;
	struct rb_udp_view v;
	struct tftp_pkt p;
	uint8_t pkt[4 + BLK], bad[BLK];

	(void)state;
	fx_init(&f);
	lease(&f);
	srv_oack(&f, SRV_PORT, TFTP_OPT_BLKSIZE, 0, 0);
	memcpy(bad, boot_data, BLK);
	bad[100] ^= 1;
	srv_tftp(&f, SRV_PORT, pkt, tftp_build_data(pkt, sizeof(pkt), 1, bad, BLK));
	assert_int_equal(f.n.state, STORM_FAILED);
	assert_int_equal(f.n.fail_reason, STORM_F_MISMATCH);
	out_tftp(&f, 0, &v, &p); /* the server is told */
	assert_int_equal(p.opcode, TFTP_ERROR);

	/* A transfer that ends early (short block before the file's end). */
	fx_init(&f);
	lease(&f);
	srv_oack(&f, SRV_PORT, TFTP_OPT_BLKSIZE, 0, 0);
	srv_tftp(&f, SRV_PORT, pkt, tftp_build_data(pkt, sizeof(pkt), 1, boot_data, 100));
	assert_int_equal(f.n.state, STORM_FAILED);
	assert_int_equal(f.n.fail_reason, STORM_F_SIZE);

	/* A blksize larger than asked for. */
	fx_init(&f);
	f.cfg.blksize = 1024;
	lease(&f);
	srv_oack(&f, SRV_PORT, TFTP_OPT_BLKSIZE, 0, 0);
	assert_int_equal(f.n.fail_reason, STORM_F_PROTOCOL);

	/* An ERROR from the server. */
	fx_init(&f);
	lease(&f);
	srv_tftp(&f, SRV_PORT, pkt, tftp_build_error(pkt, sizeof(pkt), 1, "File not found"));
	assert_int_equal(f.n.fail_reason, STORM_F_TFTP_ERROR);
}

static void
arp_request(uint8_t *f, const uint8_t *sha, uint32_t spa, uint32_t tpa)
{
	memset(f, 0xff, 6);
	memcpy(f + 6, sha, 6);
	put_u16(f + 12, ETHERTYPE_ARP_);
	put_u16(f + 14, 1);
	put_u16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	put_u16(f + 20, 1);
	memcpy(f + 22, sha, 6);
	memcpy(f + 28, &spa, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, &tpa, 4);
}

static int
ip_index(void *arg, uint32_t ip)
{
	(void)arg;
	return ip == lease_ip ? IDX : -1;
}

static void
test_arp_and_demux(void **state)
{
	struct fx f;
	uint8_t frame[60] = {0}, dhcp[600];
	uint32_t other;
	int fl;

	(void)state;
	fx_init(&f);
	inet_pton(AF_INET, "198.18.0.124", &other);
	/* Before a lease: no address to answer for. */
	arp_request(frame, srv_mac, srv_ip, lease_ip);
	rx(&f, frame, sizeof(frame));
	assert_int_equal(f.out.n, 0);
	lease(&f);
	rx(&f, frame, sizeof(frame));
	assert_int_equal(f.out.n, 1);
	assert_int_equal(f.out.len[0], 42);
	assert_memory_equal(f.out.frame[0], srv_mac, 6);	/* to the asker */
	assert_int_equal(get_u16(f.out.frame[0] + 20), 2);	/* a reply */
	assert_memory_equal(f.out.frame[0] + 22, f.n.mac, 6);	/* sha: ours */
	assert_memory_equal(f.out.frame[0] + 28, &lease_ip, 4); /* spa */
	assert_int_equal(f.n.arp_replies, 1);
	arp_request(frame, srv_mac, srv_ip, other);
	rx(&f, frame, sizeof(frame));
	assert_int_equal(f.out.n, 0);

	/* Which node: an ARP request by its target, a unicast by its MAC,
	 * a broadcast DHCP reply by its chaddr; anything else none. */
	arp_request(frame, srv_mac, srv_ip, lease_ip);
	assert_int_equal(storm_frame_node(9, frame, sizeof(frame), ip_index, NULL), IDX);
	arp_request(frame, srv_mac, srv_ip, other);
	assert_int_equal(storm_frame_node(9, frame, sizeof(frame), ip_index, NULL), -1);
	memcpy(frame, f.n.mac, 6);
	assert_int_equal(storm_frame_node(9, frame, sizeof(frame), ip_index, NULL), IDX);
	assert_int_equal(storm_frame_node(8, frame, sizeof(frame), ip_index, NULL), -1);
	memset(dhcp, 0, sizeof(dhcp));
	dhcp[0] = BOOTREPLY;
	memcpy(dhcp + 28, f.n.mac, 6);
	{
		static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
		uint8_t fr[700];

		fl = rb_udp_build(fr, sizeof(fr), srv_mac, bcast, srv_ip, 0xffffffffu, 67, 68, dhcp,
				  300);
		assert_int_equal(storm_frame_node(9, fr, (size_t)fl, ip_index, NULL), IDX);
		fl = rb_udp_build(fr, sizeof(fr), srv_mac, bcast, srv_ip, 0xffffffffu, 67, 69, dhcp,
				  300);
		assert_int_equal(storm_frame_node(9, fr, (size_t)fl, ip_index, NULL), -1);
	}
}

/*
 * --- a recorded exchange --------------------------------------------------
 * What rackboot sent node 0 of seed 7 (52:54:07:00:00:00) in a real run on
 * the virtual rack (rackboot-storm --tsize-probe, tcpdump on the client
 * namespace's eth0): the OFFER, the ACK (198.18.3.38, next server
 * 198.18.0.1, loader.efi of 300000 bytes), the OACK to the tsize probe
 * (tsize 300000, blksize 1468) and the OACK to the download (blksize 1468).
 */
static const char rec_0[] = "525407000000eaf859596388080045000176000000004011ea2bc6120001c612"
			    "0326004300440162633102010600c161c6e40000000000000000c6120326c612"
			    "0001000000005254070000000000000000000000000000000000000000000000"
			    "0000000000000000000000000000000000000000000000000000000000000000"
			    "000000000000000000000000000000000000000000006c6f616465722e656669"
			    "0000000000000000000000000000000000000000000000000000000000000000"
			    "0000000000000000000000000000000000000000000000000000000000000000"
			    "0000000000000000000000000000000000000000000000000000000000000000"
			    "00000000000000000000000000000000000000000000638253633501023604c6"
			    "1200013304000002583a040000012c3b040000020d0104fffffc000304c61200"
			    "011c04c61203ff2b04060108ff3c09505845436c69656e74420a3139382e3138"
			    "2e302e31430a6c6f616465722e656669611100b0114135b71df630c7379c24c8"
			    "99953fff";
static const char rec_1[] = "525407000000eaf859596388080045000176000000004011ea2bc6120001c612"
			    "0326004300440162603102010600c161c6e40000000000000000c6120326c612"
			    "0001000000005254070000000000000000000000000000000000000000000000"
			    "0000000000000000000000000000000000000000000000000000000000000000"
			    "000000000000000000000000000000000000000000006c6f616465722e656669"
			    "0000000000000000000000000000000000000000000000000000000000000000"
			    "0000000000000000000000000000000000000000000000000000000000000000"
			    "0000000000000000000000000000000000000000000000000000000000000000"
			    "00000000000000000000000000000000000000000000638253633501053604c6"
			    "1200013304000002583a040000012c3b040000020d0104fffffc000304c61200"
			    "011c04c61203ff2b04060108ff3c09505845436c69656e74420a3139382e3138"
			    "2e302e31430a6c6f616465722e656669611100b0114135b71df630c7379c24c8"
			    "99953fff";
static const char rec_2[] = "525407000000eaf859596388080045000038000000004011eb69c6120001c612"
			    "0326f348f03700240a360006626c6b73697a650031343638007473697a650033"
			    "303030303000";
static const char rec_3[] = "525407000000eaf85959638808004500002b000000004011eb76c6120001c612"
			    "0326f0f7ef2400178c8a0006626c6b73697a65003134363800";

#define REC_SIZE 300000
static uint8_t rec_loader_data[REC_SIZE]; /* no DATA is replayed: never read */
static const struct storm_file rec_loader = {"loader.efi", rec_loader_data, REC_SIZE};

static const struct storm_file *
rec_lookup(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "loader.efi") == 0 ? &rec_loader : NULL;
}

/* Decode a recorded frame; TFTP ones get the node's current port as their
 * destination (the capture's came from the same derivation, but the test
 * is about the exchange, not about which port a node picks). */
static size_t
rec_frame(const char *hex, uint8_t *out, size_t cap, const struct storm_node *n)
{
	size_t len = strlen(hex) / 2, k;

	assert_true(len <= cap);
	for (k = 0; k < len; k++)
		out[k] = (uint8_t)(rb_hex_digit(hex[2 * k]) << 4 | rb_hex_digit(hex[2 * k + 1]));
	if (get_u16(out + ETH_HLEN_ + 20 + 2) != 68)
		put_u16(out + ETH_HLEN_ + 20 + 2, n->lport);
	return len;
}

static void
test_recorded_rackboot_exchange(void **state)
{
	struct fx f;
	struct dhcp_msg m;
	struct rb_udp_view v;
	struct tftp_req rq;
	struct tftp_pkt p;
	uint8_t frame[400];
	uint32_t ip;
	size_t len;

	(void)state;
	fx_init(&f);
	f.cfg.seed = 7;
	f.cfg.tsize_probe = true;
	f.cfg.lookup = rec_lookup;
	f.cfg.nfiles = 0;
	storm_node_init(&f.n, &f.cfg, 0);
	memcpy(srv_mac, ((uint8_t[]){0xea, 0xf8, 0x59, 0x59, 0x63, 0x88}), 6);
	inet_pton(AF_INET, "198.18.3.38", &lease_ip);
	storm_node_start(&f.n, &f.cfg, f.now, &f.out);
	out_dhcp(&f, 0, &m);
	assert_int_equal(m.h.xid, htonl(0xc161c6e4)); /* the recorded replies' */

	len = rec_frame(rec_0, frame, sizeof(frame), &f.n);
	rx(&f, frame, len);
	assert_int_equal(f.out.n, 1);
	out_dhcp(&f, 0, &m);
	assert_int_equal(m.type, DHCPREQUEST);
	assert_true(dhcp_opt_ip(&m.o, DHO_REQUESTED_IP, &ip));
	assert_int_equal(ip, lease_ip);
	assert_true(dhcp_opt_ip(&m.o, DHO_SERVER_ID, &ip));
	assert_int_equal(ip, srv_ip);

	f.now += 30000;
	len = rec_frame(rec_1, frame, sizeof(frame), &f.n);
	rx(&f, frame, len);
	assert_int_equal(f.n.t_lease, 30000);
	assert_int_equal(f.out.n, 1);
	out_rrq(&f, 0, &v, &rq); /* from 198.18.3.38 to rackboot's MAC */
	assert_string_equal(rq.filename, "loader.efi");
	assert_int_equal(rq.opts.mask, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE);

	len = rec_frame(rec_2, frame, sizeof(frame), &f.n);
	rx(&f, frame, len);
	assert_int_equal(f.out.n, 2);
	out_tftp(&f, 0, &v, &p);
	assert_int_equal(p.opcode, TFTP_ERROR);
	assert_int_equal(p.code, TFTP_EC_OPTION);
	assert_int_equal(v.dport, 62280); /* the probe's transfer port */
	out_rrq(&f, 1, &v, &rq);
	assert_int_equal(rq.opts.mask, TFTP_OPT_BLKSIZE);

	len = rec_frame(rec_3, frame, sizeof(frame), &f.n);
	rx(&f, frame, len);
	assert_int_equal(f.out.n, 1);
	out_tftp(&f, 0, &v, &p);
	assert_int_equal(p.opcode, TFTP_ACK);
	assert_int_equal(p.block, 0);
	assert_int_equal(v.dport, 61687); /* the download's transfer port */
	assert_int_equal(f.n.state, STORM_XFER);
	assert_int_equal(f.n.blksize, 1468);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_discover_options),
	    cmocka_unit_test(test_offer_request_ack),
	    cmocka_unit_test(test_nak_restarts),
	    cmocka_unit_test(test_unknown_bootfile_fails),
	    cmocka_unit_test(test_dhcp_backoff),
	    cmocka_unit_test(test_boot_lockstep),
	    cmocka_unit_test(test_window_hole_dup),
	    cmocka_unit_test(test_tsize_probe),
	    cmocka_unit_test(test_tsize_mismatch_fails),
	    cmocka_unit_test(test_tftp_resend_and_give_up),
	    cmocka_unit_test(test_lost_ack0),
	    cmocka_unit_test(test_no_oack_lockstep_512),
	    cmocka_unit_test(test_content_and_size_checked),
	    cmocka_unit_test(test_arp_and_demux),
	    cmocka_unit_test(test_recorded_rackboot_exchange),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
