/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm_fixture.h: what the tests of rackboot-storm's node state machine
 * share (test_storm_node.c, test_storm_mc.c): a server played by the test
 * at a clock it moves by hand, its replies built with the project's codecs
 * the way rackboot builds them, and checks of the frames a node sends,
 * parsed back with the same codecs.
 */
#ifndef RB_TEST_STORM_FIXTURE_H
#define RB_TEST_STORM_FIXTURE_H

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp.h"
#include "hex.h"
#include "pkt.h"
#include "storm_node.h"
#include "tftp.h"
#include "wire.h"

#define T0 5000000u /* the clock's start, us */
#define SEC 1000000u
#define BLK 1468
#define SRV_PORT 61001 /* the server's transfer port */
#define IDX 7

/* The server the tests play: its MAC (02:00:00:00:00:01 unless a test
 * says otherwise), address, and the address it leases. */
extern uint8_t srv_mac[6];
extern uint32_t srv_ip, lease_ip;
/* The expected files: the boot file (3 blocks, the last short) and an
 * initrd of exactly 2 blocks (a 0-byte DATA 3 ends it). */
extern uint8_t boot_data[2 * BLK + 64], initrd_data[2 * BLK];
extern const struct storm_file boot_file, initrd_file;

struct fx {
	struct storm_cfg cfg;
	struct storm_node n;
	struct storm_out out;
	uint64_t now;
};

/* The boot file by name (storm_cfg.lookup): boot_file or NULL. */
const struct storm_file *lookup(void *arg, const char *name);
/* A fresh node (index IDX) and config: UEFI x86-64, blksize BLK, the
 * initrd as the one further file; the clock at T0. */
void fx_init(struct fx *f);

/* What the node sent: frame k of f->out as UDP (both checksums checked),
 * as DHCP (broadcast from the node's MAC, 68 -> 67), as TFTP to the
 * server (its view filled), as an RRQ, as an ACK of block. */
void out_view(const struct fx *f, unsigned k, struct rb_udp_view *v);
void out_dhcp(const struct fx *f, unsigned k, struct dhcp_msg *m);
void out_tftp(const struct fx *f, unsigned k, struct rb_udp_view *v, struct tftp_pkt *p);
void out_rrq(const struct fx *f, unsigned k, struct rb_udp_view *v, struct tftp_req *rq);
void out_ack(const struct fx *f, unsigned k, uint16_t block);
/* Output frame k is an ACK of block, to the server's UDP port dport. */
void out_ack_to(const struct fx *f, unsigned k, uint16_t dport, uint16_t block);

/* What the server sends: a frame to the node; a DHCP reply built as
 * rackboot builds one; a TFTP packet from port sport to the node's current
 * port; an OACK; DATA block n (1-based) of file d. */
void rx(struct fx *f, const uint8_t *frame, size_t len);
void srv_dhcp(struct fx *f, uint8_t type, uint32_t xid, const char *file, const char *opt67);
void srv_tftp(struct fx *f, uint16_t sport, const uint8_t *pkt, int len);
void srv_oack(struct fx *f, uint16_t sport, uint8_t mask, uint64_t tsize, uint16_t window);
void srv_data(struct fx *f, const uint8_t *d, size_t size, uint64_t n);

/* DHCP up to the ACK: returns with the boot file's RRQ in f->out. */
void lease(struct fx *f);

#endif
