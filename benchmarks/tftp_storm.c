/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tftp_storm.c: many TFTP downloads from one process, for the TFTP
 * benchmark (benchmarks/tftp_bench.sh).
 *
 * One atftp process per download spends, on this 2-core box, more CPU per
 * block than the servers it measures: 200 of them writing 12.8 GB leave the
 * servers waiting for ACKs, so every server looks alike. This tool plays a
 * rack of nodes instead: --clients concurrent RRQs for the same file, each
 * on a UDP socket of its own (the server answers from a port per transfer),
 * driven by one epoll loop that reads with recvmmsg. Nothing is written:
 * every DATA payload is compared with the local copy of the file (--expect,
 * mapped), and a download counts as done only when every byte matched and
 * the last block ended it at the file's size.
 *
 * It is an ordinary client on the wire: RRQ with blksize and windowsize
 * (RFC 2348, 7440; timeout and tsize are not asked for), ACK 0 after an
 * OACK, an ACK after every windowsize blocks or the last one; a block past
 * the next expected one (a hole) makes it ACK the last block it has, once per
 * hole; a block it already has (the server resent) is ACKed again, at most
 * once per 2 ms. A server that did not acknowledge windowsize gets an ACK per
 * block; one that sent no OACK gets 512-byte lockstep, as RFC 1350 says. With
 * no packet for --timeout ms, the last ACK (or the RRQ) is sent again, up to
 * --retries times, then the download fails. Codec: proto/tftp.
 *
 * Output: one line of key=value pairs (clients, done, failed, bytes, secs,
 * resent, holes, dups, cpu_s), for scripts; a line per failure on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "storm.h"
#include "tftp.h"

#define BATCH 32
#define DUP_ACK_GAP_NS 2000000ull

enum state { ST_RRQ, ST_XFER, ST_DONE, ST_FAILED };

struct dl {
	int fd;
	uint8_t state;
	uint8_t hole_acked; /* an ACK for the current hole went out */
	uint16_t blksize, window;
	uint32_t since_ack; /* blocks taken since the last ACK */
	uint32_t retries;
	uint64_t next;	/* absolute number of the next block wanted */
	uint64_t bytes; /* payload taken, in order */
	uint64_t last_rx, last_ack_ns;
	uint64_t t0, t1;
	uint16_t acked;		 /* wire block of the last ACK sent */
	struct sockaddr_in peer; /* the transfer's port, from its first packet */
};

static struct {
	struct dl *d;
	uint32_t n, open;
	const uint8_t *file;
	uint64_t size;
	struct sockaddr_in srv;
	uint8_t rrq[TFTP_REQ_MAX];
	int rrq_len;
	uint64_t timeout_ns;
	uint32_t max_retries;
	uint64_t resent, holes, dups;
} S;

static void
fail(struct dl *d, uint32_t i, const char *why)
{
	if (d->state == ST_DONE || d->state == ST_FAILED)
		return;
	fprintf(stderr, "tftp_storm: client %u: %s (%lu bytes, next block %lu)\n", i + 1, why,
		(unsigned long)d->bytes, (unsigned long)d->next);
	d->state = ST_FAILED;
	d->t1 = now_ns();
	S.open--;
}

static void
send_ack(struct dl *d, uint16_t block, uint64_t t)
{
	uint8_t b[TFTP_HDR_LEN];
	int len = tftp_build_ack(b, sizeof(b), block);

	/* A full socket buffer loses this ACK like the wire would: the
	 * timeout (ours or the server's) brings it back. */
	(void)sendto(d->fd, b, (size_t)len, MSG_DONTWAIT, (struct sockaddr *)&d->peer,
		     sizeof(d->peer));
	d->acked = block;
	d->last_ack_ns = t;
	d->since_ack = 0;
}

/* A DATA block in order: check it against the file, take it. */
static void
take(struct dl *d, uint32_t i, const struct tftp_pkt *p, uint64_t t)
{
	uint64_t off = (d->next - 1) * d->blksize;

	if (p->data_len > d->blksize || off + p->data_len > S.size ||
	    memcmp(p->data, S.file + off, p->data_len)) {
		fail(d, i, "DATA differs from the file");
		return;
	}
	d->bytes += p->data_len;
	d->next++;
	d->since_ack++;
	d->hole_acked = 0;
	if (p->data_len < d->blksize) { /* the last block */
		send_ack(d, p->block, t);
		if (d->bytes != S.size) {
			fail(d, i, "transfer ended short of the file's size");
			return;
		}
		d->state = ST_DONE;
		d->t1 = t;
		S.open--;
		return;
	}
	if (d->since_ack >= d->window)
		send_ack(d, p->block, t);
}

static void
on_packet(struct dl *d, uint32_t i, const uint8_t *buf, size_t len, const struct sockaddr_in *from,
	  uint64_t t)
{
	struct tftp_pkt p;
	uint64_t blk;
	char why[300];

	if (d->state == ST_RRQ) {
		/* The first answer names the transfer's port. */
		d->peer = *from;
	} else if (from->sin_port != d->peer.sin_port ||
		   from->sin_addr.s_addr != d->peer.sin_addr.s_addr) {
		return; /* another transfer's packet: not ours (RFC 1350 says ERROR 5; ignore) */
	}
	if (tftp_parse(buf, len, &p))
		return;
	d->last_rx = t;
	d->retries = 0;
	switch (p.opcode) {
	case TFTP_ERROR:
		snprintf(why, sizeof(why), "ERROR %u from the server: %s", p.code, p.msg);
		fail(d, i, why);
		return;
	case TFTP_OACK:
		if (d->state != ST_RRQ) { /* a resent OACK: our ACK 0 was lost */
			if (d->next == 1)
				send_ack(d, 0, t);
			return;
		}
		d->state = ST_XFER;
		d->blksize =
		    (p.opts.mask & TFTP_OPT_BLKSIZE) ? p.opts.blksize : TFTP_DEFAULT_BLKSIZE;
		d->window = (p.opts.mask & TFTP_OPT_WINDOWSIZE) ? p.opts.windowsize : 1;
		send_ack(d, 0, t);
		return;
	case TFTP_DATA:
		if (d->state == ST_RRQ) { /* no OACK: RFC 1350 lockstep, 512 bytes */
			d->state = ST_XFER;
			d->blksize = TFTP_DEFAULT_BLKSIZE;
			d->window = 1;
		}
		if (d->state != ST_XFER)
			return;
		blk = tftp_block_unwrap(p.block, d->next);
		if (blk == d->next) {
			take(d, i, &p, t);
		} else if (blk > d->next) {
			/* A hole: say once what we have, the server resends. */
			S.holes++;
			if (!d->hole_acked) {
				send_ack(d, tftp_block_wire(d->next - 1), t);
				d->hole_acked = 1;
			}
		} else {
			/* Already have it: the server timed out, so our ACK
			 * may be lost. Say it again, not once per block. */
			S.dups++;
			if (t - d->last_ack_ns >= DUP_ACK_GAP_NS)
				send_ack(d, tftp_block_wire(d->next - 1), t);
		}
		return;
	default:
		return;
	}
}

static int
start(struct dl *d, uint32_t i, int ep, uint64_t t)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
	struct sockaddr_in any = {.sin_family = AF_INET};
	int sz = 1 << 20;

	d->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (d->fd < 0)
		return -1;
	if (setsockopt(d->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(d->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(d->fd, (struct sockaddr *)&any, sizeof(any)) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, d->fd, &ev) < 0)
		return -1;
	d->state = ST_RRQ;
	d->next = 1;
	d->t0 = d->last_rx = t;
	if (sendto(d->fd, S.rrq, (size_t)S.rrq_len, 0, (struct sockaddr *)&S.srv, sizeof(S.srv)) <
	    0)
		return -1;
	return 0;
}

/* Nothing heard for --timeout: send the RRQ or the last ACK again. */
static void
check_timeouts(uint64_t t)
{
	uint32_t i;

	for (i = 0; i < S.n; i++) {
		struct dl *d = &S.d[i];

		if ((d->state != ST_RRQ && d->state != ST_XFER) || t - d->last_rx < S.timeout_ns)
			continue;
		if (++d->retries > S.max_retries) {
			fail(d, i, d->state == ST_RRQ ? "no answer to the RRQ" : "timed out");
			continue;
		}
		S.resent++;
		d->last_rx = t;
		if (d->state == ST_RRQ)
			(void)sendto(d->fd, S.rrq, (size_t)S.rrq_len, MSG_DONTWAIT,
				     (struct sockaddr *)&S.srv, sizeof(S.srv));
		else
			send_ack(d, d->acked, t);
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: tftp_storm --server IP[:PORT] --file NAME --expect PATH\n"
			"                  [--clients N] [--blksize B] [--windowsize W]\n"
			"                  [--timeout MS] [--retries N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"server", required_argument, NULL, 's'},
	    {"file", required_argument, NULL, 'f'},
	    {"expect", required_argument, NULL, 'e'},
	    {"clients", required_argument, NULL, 'n'},
	    {"blksize", required_argument, NULL, 'b'},
	    {"windowsize", required_argument, NULL, 'w'},
	    {"timeout", required_argument, NULL, 't'},
	    {"retries", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	static uint8_t rxb[BATCH][65536];
	static struct sockaddr_in rxa[BATCH];
	struct mmsghdr rxm[BATCH];
	struct iovec rxv[BATCH];
	struct epoll_event ev[64];
	struct tftp_opts o = {.mask = TFTP_OPT_BLKSIZE, .blksize = 1468};
	const char *name = NULL, *expect = NULL;
	uint64_t t, first = 0, last = 0, bytes = 0, last_scan = 0;
	uint32_t i, done = 0, failed = 0, timeout_ms = 1000, win = 1;
	int c, k, ep, fd, nev, got;
	struct stat st;
	char *colon;

	S.n = 1;
	S.max_retries = 10;
	S.srv.sin_family = AF_INET;
	S.srv.sin_port = htons(69);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if ((colon = strchr(optarg, ':'))) {
				*colon = 0;
				S.srv.sin_port = htons((uint16_t)strtoul(colon + 1, NULL, 10));
			}
			if (inet_pton(AF_INET, optarg, &S.srv.sin_addr) != 1 || !S.srv.sin_port)
				usage();
			break;
		case 'f':
			name = optarg;
			break;
		case 'e':
			expect = optarg;
			break;
		case 'n':
			S.n = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			o.blksize = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'w':
			win = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 't':
			timeout_ms = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			S.max_retries = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (!S.srv.sin_addr.s_addr || !name || !expect || !S.n || S.n > 100000 ||
	    o.blksize < TFTP_BLKSIZE_MIN || o.blksize > TFTP_BLKSIZE_MAX ||
	    win < TFTP_WINDOWSIZE_MIN || win > TFTP_WINDOWSIZE_MAX || !timeout_ms)
		usage();
	if (win > 1) {
		o.mask |= TFTP_OPT_WINDOWSIZE;
		o.windowsize = (uint16_t)win;
	}
	S.timeout_ns = (uint64_t)timeout_ms * 1000000ull;
	S.rrq_len = tftp_build_rrq(S.rrq, sizeof(S.rrq), name, "octet", &o);
	fd = open(expect, O_RDONLY);
	if (S.rrq_len < 0 || fd < 0 || fstat(fd, &st) < 0) {
		perror("tftp_storm: --expect");
		return 1;
	}
	S.size = (uint64_t)st.st_size;
	S.file =
	    S.size ? mmap(NULL, S.size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0) : (void *)"";
	S.d = calloc(S.n, sizeof(*S.d));
	ep = epoll_create1(0);
	if (S.file == MAP_FAILED || !S.d || ep < 0) {
		perror("tftp_storm");
		return 1;
	}
	close(fd);
	for (k = 0; k < BATCH; k++) {
		rxv[k] = (struct iovec){rxb[k], sizeof(rxb[k])};
		rxm[k] = (struct mmsghdr){.msg_hdr = {.msg_name = &rxa[k],
						      .msg_namelen = sizeof(rxa[k]),
						      .msg_iov = &rxv[k],
						      .msg_iovlen = 1}};
	}

	/* Every node asks at once, as a rack does after DHCP. */
	t = now_ns();
	for (i = 0; i < S.n; i++) {
		if (start(&S.d[i], i, ep, t) < 0) {
			fprintf(stderr, "tftp_storm: client %u: %s\n", i + 1, strerror(errno));
			return 1;
		}
	}
	S.open = S.n;
	while (S.open) {
		nev = epoll_wait(ep, ev, (int)(sizeof(ev) / sizeof(ev[0])), 10);
		t = now_ns();
		for (k = 0; k < nev; k++) {
			struct dl *d = &S.d[ev[k].data.u32];

			/* Drain this socket: a window arrives as a burst. */
			do {
				for (c = 0; c < BATCH; c++)
					rxm[c].msg_hdr.msg_namelen = sizeof(rxa[c]);
				got = recvmmsg(d->fd, rxm, BATCH, MSG_DONTWAIT, NULL);
				for (c = 0; c < got; c++)
					on_packet(d, ev[k].data.u32, rxb[c], rxm[c].msg_len,
						  &rxa[c], t);
			} while (got == BATCH && (d->state == ST_RRQ || d->state == ST_XFER));
			if (d->state == ST_DONE || d->state == ST_FAILED) {
				epoll_ctl(ep, EPOLL_CTL_DEL, d->fd, NULL);
				close(d->fd);
				d->fd = -1;
			}
		}
		if (t - last_scan >= 10000000ull) {
			check_timeouts(t);
			last_scan = t;
		}
	}

	for (i = 0; i < S.n; i++) {
		struct dl *d = &S.d[i];

		if (d->fd >= 0)
			close(d->fd);
		if (!first || d->t0 < first)
			first = d->t0;
		if (d->t1 > last)
			last = d->t1;
		if (d->state == ST_DONE) {
			done++;
			bytes += d->bytes;
		} else {
			failed++;
		}
	}
	printf("clients=%u done=%u failed=%u bytes=%lu secs=%.3f resent=%lu holes=%lu dups=%lu "
	       "cpu_s=%.2f\n",
	       S.n, done, failed, (unsigned long)bytes, (double)(last - first) / 1e9,
	       (unsigned long)S.resent, (unsigned long)S.holes, (unsigned long)S.dups,
	       cpu_seconds());
	return failed ? 1 : 0;
}
