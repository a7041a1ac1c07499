/* SPDX-License-Identifier: BSD-3-Clause */
/* storm_fixture.c: the shared fixture of the storm node tests (storm_fixture.h). */
#include "storm_fixture.h"

uint8_t srv_mac[6]; /* 02:00:00:00:00:01 unless a test says otherwise */
uint32_t srv_ip, lease_ip;

/* The expected files: the boot file (3 blocks, the last short) and an
 * initrd of exactly 2 blocks (a 0-byte DATA 3 ends it). */
uint8_t boot_data[2 * BLK + 64], initrd_data[2 * BLK];
const struct storm_file boot_file = {"loader.efi", boot_data, sizeof(boot_data)};
const struct storm_file initrd_file = {"initrd.img", initrd_data, sizeof(initrd_data)};

const struct storm_file *
lookup(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, boot_file.name) == 0 ? &boot_file : NULL;
}

void
fx_init(struct fx *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < sizeof(boot_data); i++)
		boot_data[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < sizeof(initrd_data); i++)
		initrd_data[i] = (uint8_t)(i * 13 + 5);
	memcpy(srv_mac, ((uint8_t[]){0x02, 0, 0, 0, 0, 0x01}), 6);
	inet_pton(AF_INET, "198.18.0.1", &srv_ip);
	inet_pton(AF_INET, "198.18.0.123", &lease_ip);
	f->cfg = (struct storm_cfg){.seed = 9,
				    .arch = 7,
				    .blksize = BLK,
				    .dhcp_timeout_us = 4 * SEC,
				    .dhcp_tries = 4,
				    .tftp_timeout_us = SEC,
				    .tftp_tries = 3,
				    .lookup = lookup,
				    .files = {&initrd_file},
				    .nfiles = 1};
	f->now = T0;
	storm_node_init(&f->n, &f->cfg, IDX);
}

/* --- what the node sent -------------------------------------------------- */

void
out_view(const struct fx *f, unsigned k, struct rb_udp_view *v)
{
	assert_true(k < f->out.n);
	assert_int_equal(rb_udp_view(f->out.frame[k], f->out.len[k], v), 0);
	/* Both checksums are right: the IPv4 header sums to zero. */
	assert_int_equal(rb_csum(f->out.frame[k] + ETH_HLEN_, 20), 0);
}

void
out_dhcp(const struct fx *f, unsigned k, struct dhcp_msg *m)
{
	struct rb_udp_view v;
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	out_view(f, k, &v);
	assert_memory_equal(v.dst_mac, bcast, 6);
	assert_memory_equal(v.src_mac, f->n.mac, 6);
	assert_int_equal(v.src_ip, 0);
	assert_int_equal(v.dst_ip, 0xffffffffu);
	assert_int_equal(v.sport, 68);
	assert_int_equal(v.dport, 67);
	assert_int_equal(dhcp_parse(v.payload, v.len, m), DHCP_OK);
	assert_int_equal(m->h.op, BOOTREQUEST);
	assert_memory_equal(m->h.chaddr, f->n.mac, 6);
}

/* A TFTP packet the node sent to the server; returns its view. */
void
out_tftp(const struct fx *f, unsigned k, struct rb_udp_view *v, struct tftp_pkt *p)
{
	out_view(f, k, v);
	assert_memory_equal(v->dst_mac, srv_mac, 6);
	assert_memory_equal(v->src_mac, f->n.mac, 6);
	assert_int_equal(v->src_ip, lease_ip); /* its own leased address */
	assert_int_equal(v->dst_ip, srv_ip);
	if (p)
		assert_int_equal(tftp_parse(v->payload, v->len, p), TFTP_OK);
}

void
out_rrq(const struct fx *f, unsigned k, struct rb_udp_view *v, struct tftp_req *rq)
{
	out_view(f, k, v);
	assert_int_equal(v->dport, 69);
	assert_true(v->sport >= 49152);
	assert_int_equal(v->src_ip, lease_ip);
	assert_memory_equal(v->dst_mac, srv_mac, 6);
	assert_int_equal(tftp_parse_request(v->payload, v->len, rq), TFTP_OK);
	assert_int_equal(rq->opcode, TFTP_RRQ);
	assert_int_equal(rq->mode, TFTP_MODE_OCTET);
}

void
out_ack_to(const struct fx *f, unsigned k, uint16_t dport, uint16_t block)
{
	struct rb_udp_view v;
	struct tftp_pkt p;

	out_tftp(f, k, &v, &p);
	assert_int_equal(v.dport, dport);
	assert_int_equal(p.opcode, TFTP_ACK);
	assert_int_equal(p.block, block);
}

void
out_ack(const struct fx *f, unsigned k, uint16_t block)
{
	out_ack_to(f, k, SRV_PORT, block);
}

/* --- what the server sends ----------------------------------------------- */

void
rx(struct fx *f, const uint8_t *frame, size_t len)
{
	storm_node_rx(&f->n, &f->cfg, frame, len, f->now, &f->out);
}

/* A DHCP reply to the node, built as rackboot builds one. */
void
srv_dhcp(struct fx *f, uint8_t type, uint32_t xid, const char *file, const char *opt67)
{
	static const uint8_t order[] = {53, 54, 51, 1, 3, 67};
	uint8_t buf[600], frame[700];
	struct dhcp_hdr h = {0};
	struct dhcp_opts o;
	int len, fl;

	h.op = BOOTREPLY;
	h.htype = 1;
	h.hlen = 6;
	h.xid = xid;
	memcpy(h.chaddr, f->n.mac, 6);
	if (type != DHCPNAK) {
		h.yiaddr = lease_ip;
		h.siaddr = srv_ip;
	}
	if (file)
		snprintf((char *)h.file, sizeof(h.file), "%s", file);
	dhcp_opts_init(&o);
	dhcp_opts_set_u8(&o, DHO_MSG_TYPE, type);
	dhcp_opts_set_ip(&o, DHO_SERVER_ID, srv_ip);
	dhcp_opts_set_u32(&o, DHO_LEASE_TIME, 600);
	if (opt67)
		dhcp_opts_set(&o, DHO_BOOTFILE, opt67, strlen(opt67));
	len = dhcp_build(buf, sizeof(buf), 0, &h, &o, order, sizeof(order), NULL);
	assert_true(len > 0);
	fl = rb_udp_build(frame, sizeof(frame), srv_mac, f->n.mac, srv_ip,
			  type == DHCPNAK ? 0xffffffffu : lease_ip, 67, 68, buf, (size_t)len);
	assert_true(fl > 0);
	rx(f, frame, (size_t)fl);
}

/* A TFTP packet from the server's port sport to the node's current port. */
void
srv_tftp(struct fx *f, uint16_t sport, const uint8_t *pkt, int len)
{
	uint8_t frame[1600];
	int fl;

	assert_true(len > 0);
	fl = rb_udp_build(frame, sizeof(frame), srv_mac, f->n.mac, srv_ip, lease_ip, sport,
			  f->n.lport, pkt, (size_t)len);
	assert_true(fl > 0);
	rx(f, frame, (size_t)fl);
}

void
srv_oack(struct fx *f, uint16_t sport, uint8_t mask, uint64_t tsize, uint16_t window)
{
	struct tftp_opts o = {.mask = mask, .blksize = BLK, .tsize = tsize, .windowsize = window};
	uint8_t pkt[128];

	srv_tftp(f, sport, pkt, tftp_build_oack(pkt, sizeof(pkt), &o));
}

/* DATA block n (1-based) of file d, as the server cuts it. */
void
srv_data(struct fx *f, const uint8_t *d, size_t size, uint64_t n)
{
	uint8_t pkt[4 + BLK];
	size_t off = (n - 1) * BLK, len = off >= size ? 0 : size - off;

	if (len > BLK)
		len = BLK;
	srv_tftp(f, SRV_PORT, pkt,
		 tftp_build_data(pkt, sizeof(pkt), tftp_block_wire(n), d + off, len));
}

/* DHCP up to the ACK: returns with the boot file's RRQ in f->out. */
void
lease(struct fx *f)
{
	storm_node_start(&f->n, &f->cfg, f->now, &f->out);
	f->now += 1000;
	srv_dhcp(f, DHCPOFFER, f->n.xid, "loader.efi", NULL);
	f->now += 1000;
	srv_dhcp(f, DHCPACK, f->n.xid, "loader.efi", NULL);
	assert_int_equal(f->n.state, f->cfg.tsize_probe ? STORM_PROBE : STORM_RRQ);
	assert_int_equal(f->n.t_lease, 2000);
}
