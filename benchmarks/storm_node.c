/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm_node.c: the emulated PXE node's state machine (storm_node.h).
 *
 * What it sends, and why it looks like that:
 *  - DISCOVER and REQUEST carry what EDK2 and iPXE send: 57 (max size
 *    1472), 55, 93 (arch), 94 (UNDI 3.16), 97 (a UUID made from the seed and
 *    index), 60 "PXEClient:Arch:000NN:UNDI:003016", and with cfg->ipxe the
 *    user class "iPXE" as iPXE sends it (raw). No option 61: firmware sends
 *    none, so the server keys the lease by the MAC. The first OFFER wins
 *    (firmware that waits out its timer for a better one only adds delay).
 *  - TFTP uses a fresh source port per request, as EDK2 and iPXE do, from
 *    the leased address, to the ACK's next server through the Ethernet
 *    address the DHCP replies came from (the node does not ARP for the
 *    server: rackboot's DHCP and TFTP are one host).
 *  - The tsize probe is EDK2's Mtftp4 GetInfo: RRQ with tsize and blksize,
 *    the OACK read for the size, then ERROR 8 ends that transfer and the
 *    download proper starts from a new port. Only for the boot file: the
 *    later files are the loader's, which does not probe.
 *  - Windows (RFC 7440) as iPXE and tftp_storm: an ACK after every
 *    `window` blocks and after the last; a block past the next one wanted
 *    (a hole) gets one ACK of the last block in order; a block already taken
 *    (the server resent) gets an ACK again, at most one per 2 ms.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"
#include "pkt.h"
#include "storm_node.h"
#include "storm_node_priv.h"
#include "tftp.h"
#include "wire.h"

#define DUP_ACK_GAP_US 2000
#define DHCP_MAX_MSG 1472 /* option 57, as EDK2 sends it */
#define DHCP_BUF 576

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void
storm_node_mac(uint8_t seed, uint32_t index, uint8_t mac[6])
{
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = seed;
	mac[3] = (uint8_t)(index >> 16);
	mac[4] = (uint8_t)(index >> 8);
	mac[5] = (uint8_t)index;
}

int
storm_mac_index(uint8_t seed, const uint8_t mac[6])
{
	uint32_t i;

	if (mac[0] != 0x52 || mac[1] != 0x54 || mac[2] != seed)
		return -1;
	i = ((uint32_t)mac[3] << 16) | ((uint32_t)mac[4] << 8) | mac[5];
	return (int)i;
}

/* A 32-bit mix (murmur3's finalizer): xids, UUIDs and ports from the index. */
static uint32_t
mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x;
}

void
storm_node_init(struct storm_node *n, const struct storm_cfg *cfg, uint32_t index)
{
	memset(n, 0, sizeof(*n));
	n->index = index;
	storm_node_mac(cfg->seed, index, n->mac);
	n->xid = mix32(((uint32_t)cfg->seed << 24) ^ index ^ 0x5eed0000u);
}

/* --- sending ------------------------------------------------------------- */

/* Append a UDP frame to out; with `keep`, it is the one a timeout resends. */
static void
send_udp(struct storm_node *n, struct storm_out *out, const uint8_t *dst_mac, uint32_t src_ip,
	 uint32_t dst_ip, uint16_t sport, uint16_t dport, const void *payload, size_t len,
	 bool keep)
{
	int fl;

	if (out->n >= STORM_OUT_MAX)
		return;
	fl = rb_udp_build(out->frame[out->n], STORM_FRAME_MAX, n->mac, dst_mac, src_ip, dst_ip,
			  sport, dport, payload, len);
	if (fl < 0)
		return;
	out->len[out->n] = (uint16_t)fl;
	if (keep) {
		memcpy(n->last, out->frame[out->n], (size_t)fl);
		n->last_len = (uint16_t)fl;
	}
	out->n++;
}

void
sn_fail(struct storm_node *n, enum storm_fail why)
{
	n->state = STORM_FAILED;
	n->fail_reason = (uint8_t)why;
	n->deadline = 0;
	storm_node_release(n);
}

void
storm_node_release(struct storm_node *n)
{
	free(n->map);
	n->map = NULL;
}

/* DISCOVER or REQUEST, with the PXE options. */
static void
dhcp_send(struct storm_node *n, const struct storm_cfg *cfg, uint8_t type, uint64_t now,
	  struct storm_out *out)
{
	static const uint8_t prl[] = {1, 3, 6, 12, 15, 28, 43, 60, 66, 67, 97, 175};
	static const uint8_t order[] = {53, 50, 54, 57, 55, 93, 94, 97, 60, 77};
	static const uint8_t ndi[] = {1, 3, 16}; /* UNDI 3.16 */
	uint8_t buf[DHCP_BUF], arch[2], uuid[17], maxsz[2];
	struct dhcp_hdr h = {0};
	struct dhcp_opts o;
	char vc[40];
	uint32_t secs = (uint32_t)((now - n->t_start) / 1000000u), k;
	int len;

	h.op = BOOTREQUEST;
	h.htype = 1;
	h.hlen = 6;
	h.xid = n->xid;
	h.secs = (uint16_t)(secs > 0xffff ? 0xffff : secs);
	h.flags = cfg->broadcast ? DHCP_FLAG_BROADCAST : 0;
	memcpy(h.chaddr, n->mac, 6);
	dhcp_opts_init(&o);
	dhcp_opts_set_u8(&o, DHO_MSG_TYPE, type);
	put_u16(maxsz, DHCP_MAX_MSG);
	dhcp_opts_set(&o, DHO_MAX_SIZE, maxsz, sizeof(maxsz));
	dhcp_opts_set(&o, DHO_PRL, prl, sizeof(prl));
	put_u16(arch, cfg->arch);
	dhcp_opts_set(&o, DHO_CLIENT_ARCH, arch, sizeof(arch));
	dhcp_opts_set(&o, DHO_CLIENT_NDI, ndi, sizeof(ndi));
	uuid[0] = 0; /* type 0: a GUID follows */
	for (k = 0; k < 4; k++)
		put_u32(uuid + 1 + 4 * k, mix32(n->index * 4 + k + ((uint32_t)cfg->seed << 20)));
	dhcp_opts_set(&o, DHO_CLIENT_UUID, uuid, sizeof(uuid));
	snprintf(vc, sizeof(vc), "PXEClient:Arch:%05u:UNDI:003016", cfg->arch);
	dhcp_opts_set(&o, DHO_VENDOR_CLASS, vc, strlen(vc));
	if (cfg->ipxe)
		dhcp_opts_set(&o, DHO_USER_CLASS, "iPXE", 4);
	if (type == DHCPREQUEST) {
		dhcp_opts_set_ip(&o, DHO_REQUESTED_IP, n->offered);
		dhcp_opts_set_ip(&o, DHO_SERVER_ID, n->server_id);
	}
	len = dhcp_build(buf, sizeof(buf), 0, &h, &o, order, sizeof(order), NULL);
	if (len < 0)
		return;
	send_udp(n, out, bcast_mac, 0, 0xffffffffu, RB_PORT_DHCP_CLIENT, RB_PORT_DHCP_SERVER, buf,
		 (size_t)len, true);
	n->deadline = now + ((uint64_t)cfg->dhcp_timeout_us << n->tries);
}

static void
discover(struct storm_node *n, const struct storm_cfg *cfg, uint64_t now, struct storm_out *out)
{
	n->state = STORM_SELECTING;
	n->tries = 0;
	dhcp_send(n, cfg, DHCPDISCOVER, now, out);
}

/* A TFTP packet to the server's transfer port (or 69 for a request). */
static void
tftp_send(struct storm_node *n, struct storm_out *out, const uint8_t *pkt, int len, bool keep)
{
	if (len < 0)
		return;
	send_udp(n, out, n->server_mac, n->ip, n->tftp_ip, n->lport,
		 n->rport ? n->rport : RB_PORT_TFTP, pkt, (size_t)len, keep);
}

void
sn_send_ack(struct storm_node *n, struct storm_out *out, uint64_t block, bool keep)
{
	uint8_t pkt[TFTP_HDR_LEN];

	tftp_send(n, out, pkt, tftp_build_ack(pkt, sizeof(pkt), tftp_block_wire(block)), keep);
}

void
sn_send_error(struct storm_node *n, struct storm_out *out, uint16_t code, const char *msg)
{
	uint8_t pkt[64];

	tftp_send(n, out, pkt, tftp_build_error(pkt, sizeof(pkt), code, msg), false);
}

void
sn_send_rrq(struct storm_node *n, const struct storm_cfg *cfg, bool probe, struct storm_out *out)
{
	struct tftp_opts o = {0};
	uint8_t pkt[TFTP_REQ_MAX];

	if (cfg->blksize) {
		o.mask |= TFTP_OPT_BLKSIZE;
		o.blksize = cfg->blksize;
	}
	if (probe) {
		o.mask |= TFTP_OPT_TSIZE;
	} else if (cfg->windowsize > 1) {
		o.mask |= TFTP_OPT_WINDOWSIZE;
		o.windowsize = cfg->windowsize;
	}
	/* tftm://, as iPXE: the size tells when every block is held. */
	if (!probe && cfg->multicast && n->file > 0)
		o.mask |= TFTP_OPT_MULTICAST | TFTP_OPT_TSIZE;
	tftp_send(n, out, pkt, tftp_build_rrq(pkt, sizeof(pkt), n->cur->name, "octet", &o), true);
}

/*
 * An RRQ for the file under way, from a new port: the probe (tsize and
 * blksize) or the download (blksize, windowsize; multicast for the files
 * after the boot file with cfg->multicast).
 */
static void
rrq(struct storm_node *n, const struct storm_cfg *cfg, bool probe, uint64_t now,
    struct storm_out *out)
{
	n->lport =
	    (uint16_t)(49152 + mix32(n->index ^ ((uint32_t)n->lport << 12) ^ n->xid) % 16384);
	n->rport = 0;
	n->next = 1;
	n->since_ack = 0;
	n->done_bytes = 0;
	n->hole_acked = false;
	n->blksize = TFTP_DEFAULT_BLKSIZE;
	n->window = 1;
	n->mc = n->mc_master = false;
	storm_node_release(n);
	n->state = probe ? STORM_PROBE : STORM_RRQ;
	n->tries = 0;
	sn_send_rrq(n, cfg, probe, out);
	n->deadline = now + cfg->tftp_timeout_us;
}

/* Start file number `file` (0: the boot file), or finish the node. */
void
sn_next_file(struct storm_node *n, const struct storm_cfg *cfg, uint64_t now, struct storm_out *out)
{
	if (n->file > cfg->nfiles) {
		n->state = STORM_DONE;
		n->deadline = 0;
		return;
	}
	if (n->file > 0)
		n->cur = cfg->files[n->file - 1];
	rrq(n, cfg, n->file == 0 && cfg->tsize_probe && !n->probed, now, out);
}

void
storm_node_start(struct storm_node *n, const struct storm_cfg *cfg, uint64_t now,
		 struct storm_out *out)
{
	out->n = 0;
	n->t_start = now;
	discover(n, cfg, now, out);
}

/* --- receiving: ARP ------------------------------------------------------ */

static void
on_arp(struct storm_node *n, const uint8_t *frame, size_t len, struct storm_out *out)
{
	struct rb_netcfg nc = {0};
	int rl;

	if (!n->ip || len > STORM_FRAME_MAX || out->n >= STORM_OUT_MAX)
		return;
	memcpy(nc.mac, n->mac, 6);
	nc.ip = n->ip;
	memcpy(out->frame[out->n], frame, len);
	rl = rb_arp_reply_inplace(out->frame[out->n], len, &nc);
	if (rl < 0)
		return;
	out->len[out->n++] = (uint16_t)rl;
	n->arp_replies++;
}

/* --- receiving: DHCP ----------------------------------------------------- */

/* The boot file of an ACK: option 67, else the file field. */
static void
ack_bootfile(const struct dhcp_msg *m, char *name, size_t cap)
{
	const uint8_t *v;
	size_t len;

	v = dhcp_opt(&m->o, DHO_BOOTFILE, &len);
	if (!v) {
		v = m->h.file;
		len = strnlen((const char *)m->h.file, sizeof(m->h.file));
	}
	len = strnlen((const char *)v, len); /* some servers count the NUL */
	if (len >= cap)
		len = 0; /* longer than any TFTP name: no boot file */
	memcpy(name, v, len);
	name[len] = '\0';
}

/* The next server of an ACK: siaddr, else option 66, else the server id. */
static uint32_t
ack_next_server(const struct dhcp_msg *m, uint32_t server_id)
{
	const uint8_t *v;
	char s[16];
	size_t len;
	struct in_addr a;

	if (m->h.siaddr)
		return m->h.siaddr;
	v = dhcp_opt(&m->o, DHO_TFTP_SERVER, &len);
	if (v && len < sizeof(s)) {
		memcpy(s, v, len);
		s[len] = '\0';
		if (inet_pton(AF_INET, s, &a) == 1)
			return a.s_addr;
	}
	return server_id;
}

static void
on_dhcp(struct storm_node *n, const struct storm_cfg *cfg, const struct rb_udp_view *v,
	uint64_t now, struct storm_out *out)
{
	struct dhcp_msg m;
	uint32_t sid;

	if (v->sport != RB_PORT_DHCP_SERVER || dhcp_parse(v->payload, v->len, &m) != DHCP_OK ||
	    m.h.op != BOOTREPLY || m.h.xid != n->xid || memcmp(m.h.chaddr, n->mac, 6) != 0)
		return;
	if (n->state == STORM_SELECTING && m.type == DHCPOFFER && m.h.yiaddr &&
	    dhcp_opt_ip(&m.o, DHO_SERVER_ID, &sid)) {
		n->offered = m.h.yiaddr;
		n->server_id = sid;
		n->t_offer = now - n->t_start;
		n->state = STORM_REQUESTING;
		n->tries = 0;
		dhcp_send(n, cfg, DHCPREQUEST, now, out);
		return;
	}
	if (n->state != STORM_REQUESTING)
		return; /* a late or duplicate reply */
	if (m.type == DHCPNAK) {
		if (++n->naks >= cfg->dhcp_tries) {
			sn_fail(n, STORM_F_DHCP_NAK);
			return;
		}
		n->xid++; /* a new exchange, as firmware starts over */
		discover(n, cfg, now, out);
		return;
	}
	if (m.type != DHCPACK || !m.h.yiaddr)
		return;
	n->ip = m.h.yiaddr;
	n->t_lease = now - n->t_start;
	memcpy(n->server_mac, v->src_mac, 6);
	n->tftp_ip = ack_next_server(&m, n->server_id);
	if (cfg->lease_only) {
		n->state = STORM_DONE;
		n->deadline = 0;
		return;
	}
	ack_bootfile(&m, n->bootfile, sizeof(n->bootfile));
	n->cur = n->bootfile[0] && cfg->lookup ? cfg->lookup(cfg->lookup_arg, n->bootfile) : NULL;
	if (!n->cur) {
		sn_fail(n, STORM_F_NO_BOOTFILE);
		return;
	}
	n->file = 0;
	sn_next_file(n, cfg, now, out);
}

/* --- receiving: TFTP ----------------------------------------------------- */

/* Check an OACK's options against what was asked; false: the node failed. */
bool
sn_take_oack(struct storm_node *n, const struct storm_cfg *cfg, const struct tftp_pkt *p)
{
	if (p->opts.mask & TFTP_OPT_TSIZE && p->opts.tsize != n->cur->size) {
		sn_fail(n, STORM_F_SIZE);
		return false;
	}
	if (p->opts.mask & TFTP_OPT_BLKSIZE) {
		if (!cfg->blksize || p->opts.blksize > cfg->blksize) {
			sn_fail(n, STORM_F_PROTOCOL);
			return false;
		}
		n->blksize = p->opts.blksize;
	}
	if (p->opts.mask & TFTP_OPT_WINDOWSIZE) {
		if (cfg->windowsize < 2 || p->opts.windowsize > cfg->windowsize) {
			sn_fail(n, STORM_F_PROTOCOL);
			return false;
		}
		n->window = p->opts.windowsize;
	}
	return true;
}

static void
on_data(struct storm_node *n, const struct storm_cfg *cfg, const struct tftp_pkt *p, uint64_t now,
	struct storm_out *out)
{
	uint64_t abs = tftp_block_unwrap(p->block, n->next), off;

	n->rx_bytes += p->data_len;
	if (abs < n->next) {
		n->dups++;
		if (now - n->last_dup_ack >= DUP_ACK_GAP_US) {
			sn_send_ack(n, out, n->next - 1, true);
			n->last_dup_ack = now;
		}
		return;
	}
	if (abs > n->next) {
		if (!n->hole_acked) {
			n->holes++;
			sn_send_ack(n, out, n->next - 1, true);
			n->hole_acked = true;
		}
		return;
	}
	off = (abs - 1) * n->blksize;
	if (p->data_len > n->blksize) {
		sn_send_error(n, out, TFTP_EC_UNDEF, "block longer than blksize");
		sn_fail(n, STORM_F_PROTOCOL);
		return;
	}
	if (off + p->data_len > n->cur->size) {
		sn_send_error(n, out, TFTP_EC_UNDEF, "longer than expected");
		sn_fail(n, STORM_F_SIZE);
		return;
	}
	if (memcmp(n->cur->data + off, p->data, p->data_len) != 0) {
		sn_send_error(n, out, TFTP_EC_UNDEF, "content differs");
		sn_fail(n, STORM_F_MISMATCH);
		return;
	}
	n->done_bytes += p->data_len;
	n->next++;
	n->since_ack++;
	n->hole_acked = false;
	n->tries = 0;
	n->deadline = now + cfg->tftp_timeout_us;
	if (p->data_len < n->blksize) {
		/* The last block: the file ends here, and must end here. */
		sn_send_ack(n, out, abs, false);
		if (off + p->data_len != n->cur->size) {
			sn_fail(n, STORM_F_SIZE);
			return;
		}
		n->fs[n->file].t_done = now - n->t_start;
		n->fs[n->file].bytes = n->done_bytes;
		n->file++;
		sn_next_file(n, cfg, now, out);
		return;
	}
	if (n->since_ack >= n->window) {
		sn_send_ack(n, out, abs, true);
		n->since_ack = 0;
	}
}

static void
on_tftp(struct storm_node *n, const struct storm_cfg *cfg, const struct rb_udp_view *v,
	uint64_t now, struct storm_out *out)
{
	struct tftp_pkt p;

	if (v->src_ip != n->tftp_ip || (n->rport && v->sport != n->rport) ||
	    tftp_parse(v->payload, v->len, &p) != TFTP_OK)
		return;
	if (p.opcode == TFTP_ERROR) {
		if (n->state == STORM_PROBE || n->state == STORM_RRQ || n->state == STORM_XFER)
			sn_fail(n, STORM_F_TFTP_ERROR);
		return;
	}
	switch (n->state) {
	case STORM_PROBE:
		if (p.opcode != TFTP_OACK && p.opcode != TFTP_DATA)
			return;
		n->rport = v->sport;
		if (p.opcode == TFTP_OACK && !sn_take_oack(n, cfg, &p))
			return;
		/* Got the size (or a server that takes no options): end this
		 * transfer the way EDK2 does, then download from a new port. */
		sn_send_error(n, out, TFTP_EC_OPTION, "tsize probe");
		n->probed = true;
		rrq(n, cfg, false, now, out);
		return;
	case STORM_RRQ:
		if (p.opcode != TFTP_OACK && p.opcode != TFTP_DATA)
			return;
		n->rport = v->sport;
		n->state = STORM_XFER;
		if (p.opcode == TFTP_OACK) {
			if (!sn_take_oack(n, cfg, &p))
				return;
			if (p.opts.mask & TFTP_OPT_MULTICAST) {
				storm_mc_join(n, cfg, &p, now, out);
				return;
			}
			n->tries = 0;
			n->deadline = now + cfg->tftp_timeout_us;
			sn_send_ack(n, out, 0, true);
			return;
		}
		on_data(n, cfg, &p, now, out); /* no OACK: RFC 1350 lockstep */
		return;
	case STORM_XFER:
		if (n->mc) {
			/* Only OACKs come unicast on a group transfer: a
			 * promotion, or the answer to a listener's repeat. */
			if (p.opcode == TFTP_OACK) {
				n->rport = v->sport;
				storm_mc_oack(n, cfg, &p, now, out);
			}
			return;
		}
		if (p.opcode == TFTP_DATA)
			on_data(n, cfg, &p, now, out);
		else if (p.opcode == TFTP_OACK && n->next == 1)
			sn_send_ack(n, out, 0, true); /* our ACK 0 was lost */
		return;
	default:
		return;
	}
}

void
storm_node_rx(struct storm_node *n, const struct storm_cfg *cfg, const uint8_t *frame, size_t len,
	      uint64_t now, struct storm_out *out)
{
	struct rb_udp_view v;

	out->n = 0;
	if (len >= ETH_HLEN_ && (frame[0] & 1) && memcmp(frame, bcast_mac, 6) != 0) {
		struct storm_mc_frame d;

		if (storm_mc_parse(frame, len, &d) == 0)
			storm_node_mc_rx(n, cfg, &d, now, out);
		return;
	}
	if (len >= ETH_HLEN_ + 28 && get_u16(frame + 12) == ETHERTYPE_ARP_) {
		on_arp(n, frame, len, out);
		return;
	}
	if (rb_udp_view(frame, len, &v) < 0)
		return;
	if (v.dport == RB_PORT_DHCP_CLIENT) {
		if (n->state == STORM_SELECTING || n->state == STORM_REQUESTING)
			on_dhcp(n, cfg, &v, now, out);
		return;
	}
	if (n->ip && v.dst_ip == n->ip && n->lport && v.dport == n->lport &&
	    (n->state == STORM_PROBE || n->state == STORM_RRQ || n->state == STORM_XFER))
		on_tftp(n, cfg, &v, now, out);
}

/* --- timers -------------------------------------------------------------- */

void
storm_node_tick(struct storm_node *n, const struct storm_cfg *cfg, uint64_t now,
		struct storm_out *out)
{
	out->n = 0;
	if (!n->deadline || now < n->deadline)
		return;
	switch (n->state) {
	case STORM_SELECTING:
	case STORM_REQUESTING:
		if (++n->tries >= cfg->dhcp_tries) {
			sn_fail(n, STORM_F_DHCP_TIMEOUT);
			return;
		}
		n->dhcp_retries++;
		dhcp_send(n, cfg, n->state == STORM_SELECTING ? DHCPDISCOVER : DHCPREQUEST, now,
			  out);
		return;
	case STORM_XFER:
		if (n->mc) {
			storm_mc_tick(n, cfg, now, out);
			return;
		}
		/* fall through */
	case STORM_PROBE:
	case STORM_RRQ:
		if (++n->tries > cfg->tftp_tries) {
			sn_fail(n, STORM_F_TFTP_TIMEOUT);
			return;
		}
		n->tftp_retries++;
		if (n->last_len && out->n < STORM_OUT_MAX) {
			memcpy(out->frame[out->n], n->last, n->last_len);
			out->len[out->n++] = n->last_len;
		}
		n->deadline = now + cfg->tftp_timeout_us;
		return;
	default:
		n->deadline = 0;
		return;
	}
}

/* --- demultiplexing ------------------------------------------------------ */

int
storm_frame_node(uint8_t seed, const uint8_t *frame, size_t len,
		 int (*ip_index)(void *arg, uint32_t ip), void *arg)
{
	struct rb_udp_view v;
	int i;
	uint32_t tpa;

	if (len < ETH_HLEN_)
		return -1;
	i = storm_mac_index(seed, frame);
	if (i >= 0 || memcmp(frame, bcast_mac, 6) != 0)
		return i;
	if (get_u16(frame + 12) == ETHERTYPE_ARP_) {
		/* An ARP request (op 1) for one of our addresses. */
		if (len < ETH_HLEN_ + 28 || get_u16(frame + ETH_HLEN_ + 6) != 1 || !ip_index)
			return -1;
		memcpy(&tpa, frame + ETH_HLEN_ + 24, 4);
		return ip_index(arg, tpa);
	}
	/* A broadcast DHCP reply: the node is its chaddr. */
	if (rb_udp_view(frame, len, &v) < 0 || v.dport != RB_PORT_DHCP_CLIENT ||
	    v.len < DHCP_HDR_LEN)
		return -1;
	return storm_mac_index(seed, v.payload + 28);
}

const char *
storm_fail_name(uint8_t reason)
{
	static const char *const names[] = {
	    [STORM_F_NONE] = "none",
	    [STORM_F_DHCP_TIMEOUT] = "dhcp_timeout",
	    [STORM_F_DHCP_NAK] = "dhcp_nak",
	    [STORM_F_NO_BOOTFILE] = "no_bootfile",
	    [STORM_F_TFTP_TIMEOUT] = "tftp_timeout",
	    [STORM_F_TFTP_ERROR] = "tftp_error",
	    [STORM_F_MISMATCH] = "mismatch",
	    [STORM_F_SIZE] = "size",
	    [STORM_F_PROTOCOL] = "protocol",
	    [STORM_F_RUN_TIMEOUT] = "run_timeout",
	};

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "?";
}

const char *
storm_state_name(uint8_t state)
{
	static const char *const names[] = {
	    [STORM_IDLE] = "idle",
	    [STORM_SELECTING] = "selecting",
	    [STORM_REQUESTING] = "requesting",
	    [STORM_PROBE] = "probe",
	    [STORM_RRQ] = "rrq",
	    [STORM_XFER] = "xfer",
	    [STORM_DONE] = "done",
	    [STORM_FAILED] = "failed",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}
