/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp_storm.c: a DHCP load generator acting as a relay agent, for the
 * DORA benchmark (benchmarks/dhcp_bench.sh).
 *
 * perfdhcp spends most of a core per 10k exchanges/s on this box; this tool
 * batches with sendmmsg/recvmmsg and keeps one small struct per emulated
 * client, so the generator stops being the ceiling. It speaks like a relay
 * (giaddr = its own address, from port 67 to the server's port 67), which
 * every server measured accepts, and runs an open loop at a fixed rate:
 * each client does DISCOVER, OFFER, REQUEST (50 and 54 from the offer),
 * ACK; then it is free to start again. An exchange not finished within
 * --timeout is lost. Codecs: proto/dhcp.
 *
 * Clients are numbered 0..--clients-1, and client i's MAC is 02:5e:i
 * (big-endian); --seed S gives instead every run its own scattered MACs:
 * 02:F:perm(i), perm a bijection of the 32-bit numbers keyed by S and F the
 * fold of S's bytes, so the clients of one run never share a MAC, nor
 * those of runs whose seeds fold differently (every seed of 0..255, and
 * seeds that differ in one byte). --acks FILE writes one line per ACK
 * received, "MAC address server" (the server id, "-" without one;
 * tests/integration/test_crash_storm.sh and test_pg.sh compare them with
 * the lease database). Several --server (up to STORM_MAX_SERVERS): every
 * request goes to all of them, as a relay configured with several servers
 * sends it (and as a broadcast reaches every server on a segment); a
 * client takes the first OFFER and names its server in the REQUEST. --discover-only: a DISCOVER
 * flood (tests/integration/ test_flood.sh): each client sends its DISCOVER and is done; OFFERs are
 * counted (offers=), never answered.
 *
 * Output: one line of key=value pairs (rate, started, done, lost, naks,
 * dora_per_s, loss_pct, lat_p50_ms, lat_p99_ms, cpu_s), for scripts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dhcp.h"
#include "storm.h"

#define BATCH 64

struct client {
	uint8_t phase; /* 0 idle, 1 discover sent, 2 request sent */
	uint32_t offered, server;
	uint64_t t0; /* ns, start of this exchange */
};

static struct {
	struct client *c;
	uint32_t n, next;
	uint64_t started, done, lost, naks, stray, offers;
	uint32_t *lat_us; /* one per finished exchange, for percentiles */
	uint64_t lat_n, lat_cap;
} S;

#define STORM_MAX_SERVERS 4

static int seeded; /* --seed given */
static uint32_t seed;
static FILE *acks; /* --acks: one line per ACK */

/* A bijection of the 32-bit numbers keyed by k (xorshift-multiply steps,
 * each invertible): distinct clients keep distinct MACs. */
static uint32_t
perm32(uint32_t x, uint32_t k)
{
	x ^= k * 0x9e3779b9u;
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

static void
client_mac(uint32_t i, uint8_t mac[16])
{
	memset(mac, 0, 16);
	mac[0] = 0x02; /* locally administered */
	mac[1] = 0x5e;
	if (seeded) {
		mac[1] = (uint8_t)(seed ^ seed >> 8 ^ seed >> 16 ^ seed >> 24);
		i = perm32(i, seed + 1);
	}
	mac[2] = (uint8_t)(i >> 24);
	mac[3] = (uint8_t)(i >> 16);
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

/* Build a DISCOVER (offered == 0) or REQUEST for client i into buf. */
static int pxe;		  /* --pxe: send option 60 PXEClient and 93 (proxyDHCP load) */
static int discover_only; /* --discover-only: no REQUESTs */

static int
build(uint32_t i, uint32_t relay, uint8_t *buf, size_t cap)
{
	static const uint8_t prl[] = {1, 3, 6, 15, 51, 54, 66, 67};
	static const uint8_t order[] = {53, 50, 54, 61, 55, 60, 93};
	static const char vc[] = "PXEClient:Arch:00007:UNDI:003016";
	static const uint8_t arch[] = {0, 7};
	struct client *c = &S.c[i];
	struct dhcp_hdr h = {0};
	struct dhcp_opts o;
	uint8_t cid[7];

	h.op = BOOTREQUEST;
	h.htype = 1;
	h.hlen = 6;
	h.hops = 1;
	h.xid = htonl(i);
	h.giaddr = relay;
	client_mac(i, h.chaddr);
	cid[0] = 1;
	memcpy(cid + 1, h.chaddr, 6);
	dhcp_opts_init(&o);
	dhcp_opts_set_u8(&o, DHO_MSG_TYPE, c->phase == 2 ? DHCPREQUEST : DHCPDISCOVER);
	dhcp_opts_set(&o, DHO_CLIENT_ID, cid, sizeof(cid));
	dhcp_opts_set(&o, DHO_PRL, prl, sizeof(prl));
	if (pxe) {
		dhcp_opts_set(&o, DHO_VENDOR_CLASS, vc, sizeof(vc) - 1);
		dhcp_opts_set(&o, DHO_CLIENT_ARCH, arch, sizeof(arch));
	}
	if (c->phase == 2) {
		dhcp_opts_set_ip(&o, DHO_REQUESTED_IP, c->offered);
		dhcp_opts_set_ip(&o, DHO_SERVER_ID, c->server);
	}
	return dhcp_build(buf, cap, 0, &h, &o, order, sizeof(order), NULL);
}

static void
finish(struct client *c, uint64_t t)
{
	uint64_t us = (t - c->t0) / 1000;

	if (S.lat_n < S.lat_cap)
		S.lat_us[S.lat_n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	S.done++;
	c->phase = 0;
}

/* A reply from the server: move its client on. Returns 1 when a REQUEST
 * must go out for that client (index in *who). */
static int
on_reply(const uint8_t *buf, size_t len, uint64_t t, uint32_t *who)
{
	struct dhcp_msg m;
	uint32_t i, sid;
	struct client *c;

	if (dhcp_parse(buf, len, &m) != DHCP_OK || m.h.op != BOOTREPLY) {
		S.stray++;
		return 0;
	}
	i = ntohl(m.h.xid);
	if (i >= S.n) {
		S.stray++;
		return 0;
	}
	c = &S.c[i];
	if (m.type == DHCPOFFER && discover_only) {
		S.offers++;
		return 0;
	}
	if (m.type == DHCPOFFER && c->phase == 1 && dhcp_opt_ip(&m.o, DHO_SERVER_ID, &sid)) {
		c->offered = m.h.yiaddr;
		c->server = sid;
		c->phase = 2;
		*who = i;
		return 1;
	}
	if (m.type == DHCPACK && acks) {
		const uint8_t *a = m.h.chaddr;
		char y[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN] = "-";

		/* Every ACK, whatever the client's phase: it is what a
		 * client would bind. */
		inet_ntop(AF_INET, &m.h.yiaddr, y, sizeof(y));
		if (dhcp_opt_ip(&m.o, DHO_SERVER_ID, &sid))
			inet_ntop(AF_INET, &sid, s, sizeof(s));
		fprintf(acks, "%02x:%02x:%02x:%02x:%02x:%02x %s %s\n", a[0], a[1], a[2], a[3], a[4],
			a[5], y, s);
	}
	if (m.type == DHCPACK && c->phase == 2) {
		finish(c, t);
		return 0;
	}
	if (m.type == DHCPNAK && c->phase == 2) {
		S.naks++;
		c->phase = 0;
		return 0;
	}
	S.stray++; /* duplicate or late */
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr, "usage: dhcp_storm --server IP [--server IP...] --relay IP [--rate N]\n"
			"                  [--clients N] [--duration S] [--timeout MS] [--pxe]\n"
			"                  [--seed N] [--acks FILE] [--discover-only]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"server", required_argument, NULL, 's'},
	    {"relay", required_argument, NULL, 'l'},
	    {"rate", required_argument, NULL, 'r'},
	    {"clients", required_argument, NULL, 'n'},
	    {"duration", required_argument, NULL, 'd'},
	    {"timeout", required_argument, NULL, 't'},
	    {"pxe", no_argument, NULL, 'p'},
	    {"seed", required_argument, NULL, 'S'},
	    {"acks", required_argument, NULL, 'a'},
	    {"discover-only", no_argument, NULL, 'D'},
	    {NULL, 0, NULL, 0},
	};
	static uint8_t txb[BATCH][600], rxb[BATCH][1500];
	static struct mmsghdr txm[BATCH * STORM_MAX_SERVERS];
	struct mmsghdr rxm[BATCH];
	struct iovec txv[BATCH], rxv[BATCH];
	struct sockaddr_in srv[STORM_MAX_SERVERS];
	int nsrv = 0, j;
	struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(67)};
	uint32_t rate = 1000, dur = 10, timeout_ms = 1000, scan = 0, who;
	uint64_t t, start, end, due = 0, interval;
	int fd, c, k, got, ntx, one = 1, sz = 8 << 20;
	double secs;

	S.n = 10000;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (nsrv == STORM_MAX_SERVERS)
				usage();
			srv[nsrv] =
			    (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(67)};
			if (inet_pton(AF_INET, optarg, &srv[nsrv++].sin_addr) != 1)
				usage();
			break;
		case 'l':
			if (inet_pton(AF_INET, optarg, &me.sin_addr) != 1)
				usage();
			break;
		case 'r':
			rate = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			S.n = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			dur = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 't':
			timeout_ms = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			pxe = 1;
			break;
		case 'D':
			discover_only = 1;
			break;
		case 'S':
			errno = 0;
			seed = (uint32_t)strtoul(optarg, NULL, 10);
			if (errno == ERANGE)
				usage();
			seeded = 1;
			break;
		case 'a':
			acks = fopen(optarg, "w");
			if (!acks) {
				perror(optarg);
				return 1;
			}
			break;
		default:
			usage();
		}
	}
	if (!nsrv || !me.sin_addr.s_addr || !rate || !S.n || !dur)
		usage();
	S.c = calloc(S.n, sizeof(*S.c));
	S.lat_cap = (uint64_t)rate * dur + 1024;
	if (S.lat_cap > (1u << 22))
		S.lat_cap = 1u << 22; /* percentiles from the first 4M */
	S.lat_us = malloc(S.lat_cap * sizeof(*S.lat_us));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (!S.c || !S.lat_us || fd < 0) {
		perror("dhcp_storm");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("dhcp_storm: bind to port 67 of --relay");
		return 1;
	}
	for (k = 0; k < BATCH; k++) {
		txv[k] = (struct iovec){txb[k], 0};
		/* Message k * nsrv + j is request k to server j. */
		for (j = 0; j < nsrv; j++)
			txm[k * nsrv + j] =
			    (struct mmsghdr){.msg_hdr = {.msg_name = &srv[j],
							 .msg_namelen = sizeof(srv[j]),
							 .msg_iov = &txv[k],
							 .msg_iovlen = 1}};
		rxv[k] = (struct iovec){rxb[k], sizeof(rxb[k])};
		rxm[k] = (struct mmsghdr){.msg_hdr = {.msg_iov = &rxv[k], .msg_iovlen = 1}};
	}

	interval = 1000000000ull / rate;
	start = now_ns();
	end = start + (uint64_t)dur * 1000000000ull;
	due = start;
	for (;;) {
		t = now_ns();
		ntx = 0;
		/* Replies first: each OFFER turns into a REQUEST right away. */
		got = recvmmsg(fd, rxm, BATCH, MSG_DONTWAIT, NULL);
		if (got < 0)
			got = 0; /* EAGAIN: nothing waiting */
		for (k = 0; k < got; k++)
			if (on_reply(rxb[k], rxm[k].msg_len, t, &who) && ntx < BATCH) {
				txv[ntx].iov_len = (size_t)build(who, me.sin_addr.s_addr, txb[ntx],
								 sizeof(txb[ntx]));
				ntx++;
			}
		/* New exchanges at the target rate (open loop); the sending
		 * side stops at the deadline, replies are awaited a bit more. */
		while (t < end && due <= t && ntx < BATCH) {
			struct client *cl = &S.c[S.next];

			if (cl->phase && t - cl->t0 < (uint64_t)timeout_ms * 1000000ull)
				break; /* every client busy: the server is behind */
			if (cl->phase)
				S.lost++;
			cl->phase = 1;
			cl->t0 = t;
			txv[ntx].iov_len =
			    (size_t)build(S.next, me.sin_addr.s_addr, txb[ntx], sizeof(txb[ntx]));
			if (discover_only)
				cl->phase = 0; /* fire and forget */
			ntx++;
			S.started++;
			S.next = (S.next + 1) % S.n;
			due += interval;
		}
		if (t < end && due + 100 * interval < t)
			due = t; /* do not make up for a stall in one burst */
		for (k = 0; k < ntx * nsrv;) {
			int s = sendmmsg(fd, txm + k, (unsigned)(ntx * nsrv - k), 0);

			if (s <= 0) {
				if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
					continue;
				perror("dhcp_storm: sendmmsg");
				return 1;
			}
			k += s;
		}
		if (t >= end + (uint64_t)timeout_ms * 1000000ull)
			break;
		if (!got && !ntx) {
			/* Nothing to read or send: wait for a reply or the
			 * next send time, whichever comes first (at high
			 * rates that is a few microseconds: the tool spins
			 * then, and its CPU share says so). */
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			uint64_t wait_ns = t < end && due > t ? due - t : 1000000;

			if (wait_ns > 20000) {
				struct timespec ts = {
				    0, (long)(wait_ns < 1000000 ? wait_ns : 1000000)};

				(void)ppoll(&pfd, 1, &ts, NULL);
			}
		}
	}
	/* Whatever is still in flight after the grace period is lost. */
	for (scan = 0; scan < S.n; scan++)
		if (S.c[scan].phase)
			S.lost++;
	if (acks && fclose(acks) != 0) {
		perror("dhcp_storm: --acks");
		return 1;
	}
	secs = (double)dur;
	qsort(S.lat_us, S.lat_n, sizeof(*S.lat_us), cmp_u32);
	printf(
	    "rate=%u started=%lu done=%lu lost=%lu naks=%lu stray=%lu offers=%lu sent_per_s=%.0f "
	    "dora_per_s=%.0f loss_pct=%.2f lat_p50_ms=%.3f lat_p99_ms=%.3f cpu_s=%.2f\n",
	    rate, (unsigned long)S.started, (unsigned long)S.done, (unsigned long)S.lost,
	    (unsigned long)S.naks, (unsigned long)S.stray, (unsigned long)S.offers,
	    (double)S.started / secs, (double)S.done / secs,
	    S.started ? 100.0 * (double)(S.started - S.done) / (double)S.started : 0.0,
	    S.lat_n ? S.lat_us[S.lat_n / 2] / 1000.0 : 0.0,
	    S.lat_n ? S.lat_us[S.lat_n * 99 / 100] / 1000.0 : 0.0, cpu_seconds());
	return 0;
}
