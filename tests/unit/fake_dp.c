/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fake_dp.c: a stand-in for rackboot-dataplane that test_dpchan starts
 * through dpchan_start(). It takes DP_CONFIG up to CONFIG_DONE, answers
 * DP_READY, and then answers the k-th STATS_REQ (k = 1, 2, ...) with an
 * EVENTS batch of k events (dropped = k - 1) followed by the STATS_REP, so
 * that when dpchan_stats() returns the batch has been delivered. Every
 * event's name fills its whole field with no NUL, which the control must
 * cut. SHUTDOWN or EOF ends it with status 0; anything unexpected, 3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "channel.h"

static char buf[RB_CHAN_MAX_MSG + sizeof(struct rb_msg_hdr)];

static int
put(int fd, enum rb_msg_type type, uint32_t seq, const void *pl, size_t len)
{
	static char out[RB_CHAN_MAX_MSG + sizeof(struct rb_msg_hdr)];
	int n = rb_msg_build(out, sizeof(out), type, seq, pl, len);

	return n > 0 && send(fd, out, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

/* The k-th batch: k events, event i a DHCP ACK of 198.18.0.(100 + i). */
static int
put_events(int fd, uint32_t k)
{
	static char pl[RB_CHAN_MAX_MSG];
	struct rb_event_batch *b = (struct rb_event_batch *)pl;
	uint32_t i;

	b->count = k;
	b->dropped = k - 1;
	for (i = 0; i < k; i++) {
		struct rb_event *e = &b->ev[i];

		memset(e, 0, sizeof(*e));
		e->kind = RB_EV_DHCP_ACK;
		e->arch = (uint16_t)i;
		e->ip = __builtin_bswap32(0xc6120064u + i);
		memset(e->name, 'x', sizeof(e->name));
	}
	return put(fd, RB_MSG_EVENTS, 0, b, sizeof(*b) + k * sizeof(b->ev[0]));
}

int
main(int argc, char **argv)
{
	static struct rb_stats st;
	struct rb_msg_hdr hdr;
	const void *pl;
	uint32_t k = 0;
	int fd = -1, i;
	ssize_t n;

	for (i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--channel-fd"))
			fd = atoi(argv[i + 1]);
	if (fd < 0)
		return 3;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return n == 0 ? 0 : 3;
		if (rb_msg_parse(buf, (size_t)n, &hdr, &pl) < 0)
			return 3;
		switch (hdr.type) {
		case RB_MSG_DP_CONFIG:
			break;
		case RB_MSG_CONFIG_DONE: {
			struct rb_dp_ready r = {.nb_workers = 1};

			if (put(fd, RB_MSG_DP_READY, hdr.seq, &r, sizeof(r)) < 0)
				return 3;
			break;
		}
		case RB_MSG_STATS_REQ:
			if (put_events(fd, ++k) < 0 ||
			    put(fd, RB_MSG_STATS_REP, hdr.seq, &st, sizeof(st)) < 0)
				return 3;
			break;
		case RB_MSG_SHUTDOWN:
			return 0;
		default:
			return 3;
		}
	}
}
