/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm_mc.c: an emulated node's RFC 2090 transfers (storm_node.h says
 * what the node does; this file how).
 *
 * The bitmap: bit b-1 is block b, for blocks 1..nblocks (size / blksize
 * + 1, the server's count: a file that is a whole number of blocks ends
 * with an empty one). RFC 2090 keeps 16-bit block numbers with no
 * rollover, so nblocks <= 65535; a server sends a longer file unicast
 * (its OACK then has no "multicast"). 64 MiB at blksize 1468 is 45,716
 * blocks: a 5.6 KiB bitmap per node, only while the transfer runs.
 *
 * As master the node ACKs the block before its first hole each time that
 * hole moves (every in-order block), so the server's window slides one
 * block per ACK; a block it already holds (the server resent after a lost
 * ACK) gets that ACK again, at most one per 2 ms, as in the unicast path.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"
#include "storm_node_priv.h"

#define MC_BLOCKS_MAX 65535u
#define DUP_ACK_GAP_US 2000

static bool
held(const struct storm_node *n, uint32_t b)
{
	return (n->map[(b - 1) >> 6] >> ((b - 1) & 63)) & 1u;
}

int
storm_mc_parse(const uint8_t *frame, size_t len, struct storm_mc_frame *d)
{
	struct rb_udp_view v;
	struct tftp_pkt p;

	if (len < RB_UDP_HDRS_LEN || !(frame[0] & 1) || rb_udp_view(frame, len, &v) < 0 ||
	    (ntohl(v.dst_ip) >> 28) != 14 /* 224.0.0.0/4 */)
		return -1;
	if (tftp_parse(v.payload, v.len, &p) != TFTP_OK || p.opcode != TFTP_DATA)
		return -1;
	memset(d, 0, sizeof(*d));
	d->src_ip = v.src_ip;
	d->group = v.dst_ip;
	d->sport = v.sport;
	d->gport = v.dport;
	d->block = p.block;
	d->data = p.data;
	d->len = p.data_len;
	return 0;
}

/* Mastership as an OACK says: a master ACKs the block before its first
 * hole at once (the answer the server waits for); a listener is silent. */
static void
take_role(struct storm_node *n, const struct storm_cfg *cfg, bool master, uint64_t now,
	  struct storm_out *out)
{
	if (master && !n->mc_master)
		n->mc_masters++;
	n->mc_master = master;
	if (master) {
		sn_send_ack(n, out, n->next - 1, true);
		n->mc_last_ack = (uint16_t)(n->next - 1);
	}
	n->tries = 0;
	n->deadline = now + cfg->tftp_timeout_us;
}

void
storm_mc_join(struct storm_node *n, const struct storm_cfg *cfg, const struct tftp_pkt *p,
	      uint64_t now, struct storm_out *out)
{
	uint64_t nb = n->cur->size / n->blksize + 1;

	/* The first OACK must name the group: there is nothing to listen to
	 * otherwise; and a group stream cannot number past 65535. */
	if (!p->opts.mc_addr || !p->opts.mc_port || nb > MC_BLOCKS_MAX) {
		sn_send_error(n, out, TFTP_EC_OPTION, "bad multicast");
		sn_fail(n, STORM_F_PROTOCOL);
		return;
	}
	storm_node_release(n);
	n->map = calloc((nb + 63) / 64, sizeof(*n->map));
	if (!n->map) {
		sn_fail(n, STORM_F_PROTOCOL);
		return;
	}
	n->mc = true;
	n->mc_master = false;
	n->mc_group = p->opts.mc_addr;
	n->mc_gport = p->opts.mc_port;
	n->nblocks = (uint32_t)nb;
	n->have = 0;
	n->next = 1;
	n->state = STORM_XFER;
	take_role(n, cfg, p->opts.mc_master, now, out);
}

void
storm_mc_oack(struct storm_node *n, const struct storm_cfg *cfg, const struct tftp_pkt *p,
	      uint64_t now, struct storm_out *out)
{
	if (!(p->opts.mask & TFTP_OPT_MULTICAST))
		return;
	/* Later OACKs may leave the address and port empty (RFC 2090). */
	if (p->opts.mc_addr)
		n->mc_group = p->opts.mc_addr;
	if (p->opts.mc_port)
		n->mc_gport = p->opts.mc_port;
	take_role(n, cfg, p->opts.mc_master, now, out);
}

/* STORM_F_NONE when block b's payload is the file's bytes at its offset. */
static uint8_t
check(const struct storm_node *n, uint32_t b, const uint8_t *data, size_t len)
{
	uint64_t off = (uint64_t)(b - 1) * n->blksize;
	uint64_t want = b < n->nblocks ? n->blksize : n->cur->size - off;

	if (len != want)
		return len > n->blksize ? STORM_F_PROTOCOL : STORM_F_SIZE;
	return memcmp(n->cur->data + off, data, len) ? STORM_F_MISMATCH : STORM_F_NONE;
}

void
storm_node_mc_rx(struct storm_node *n, const struct storm_cfg *cfg, struct storm_mc_frame *d,
		 uint64_t now, struct storm_out *out)
{
	uint32_t b = d->block;

	out->n = 0;
	if (!storm_node_in_group(n) || d->group != n->mc_group || d->gport != n->mc_gport ||
	    d->src_ip != n->tftp_ip || (n->rport && d->sport != n->rport))
		return;
	n->rx_bytes += d->len;
	if (b == 0 || b > n->nblocks)
		return; /* not a block of this file: nothing to check it against */
	if (held(n, b)) {
		n->dups++;
		if (n->mc_master && now - n->last_dup_ack >= DUP_ACK_GAP_US) {
			sn_send_ack(n, out, n->next - 1, true);
			n->last_dup_ack = now;
		}
		return;
	}
	if (d->check_file != n->cur || d->check_blksize != n->blksize) {
		d->check_fail = check(n, b, d->data, d->len);
		d->check_file = n->cur;
		d->check_blksize = n->blksize;
	}
	if (d->check_fail != STORM_F_NONE) {
		sn_send_error(n, out, TFTP_EC_UNDEF, "content differs");
		sn_fail(n, (enum storm_fail)d->check_fail);
		return;
	}
	if (b > n->next && !held(n, b - 1))
		n->holes++; /* a gap opens: blocks lost, or we joined late */
	n->map[(b - 1) >> 6] |= 1ull << ((b - 1) & 63);
	n->have++;
	n->mc_blocks++;
	n->done_bytes += d->len;
	n->tries = 0;
	n->deadline = now + cfg->tftp_timeout_us;
	while (n->next <= n->nblocks && held(n, (uint32_t)n->next))
		n->next++;
	if (n->have == n->nblocks) {
		/* Every block: the ACK of the last one ends our part, master
		 * or not (RFC 2090). */
		sn_send_ack(n, out, n->nblocks, false);
		n->fs[n->file].t_done = now - n->t_start;
		n->fs[n->file].bytes = n->done_bytes;
		storm_node_release(n);
		n->mc = n->mc_master = false;
		n->file++;
		sn_next_file(n, cfg, now, out);
		return;
	}
	if (n->mc_master && (uint16_t)(n->next - 1) != n->mc_last_ack) {
		sn_send_ack(n, out, n->next - 1, true);
		n->mc_last_ack = (uint16_t)(n->next - 1);
	}
}

void
storm_mc_tick(struct storm_node *n, const struct storm_cfg *cfg, uint64_t now,
	      struct storm_out *out)
{
	if (++n->tries > cfg->tftp_tries) {
		sn_fail(n, STORM_F_TFTP_TIMEOUT);
		return;
	}
	n->tftp_retries++;
	if (n->mc_master) {
		sn_send_ack(n, out, n->next - 1, true);
	} else {
		/* A listener that hears nothing asks again from the same port:
		 * a member gets its OACK again (mc=1 if it is master now), a
		 * stream that ended starts anew. */
		n->rport = 0;
		sn_send_rrq(n, cfg, false, out);
	}
	n->deadline = now + cfg->tftp_timeout_us;
}
