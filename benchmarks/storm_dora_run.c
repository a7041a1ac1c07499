/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm_dora_run.c: the DORA rate mode's loop on the DPDK port
 * (storm_dora_run.h), around the pure engine of storm_dora.c.
 *
 * The search is dhcp_bench.sh's, against one server that keeps running
 * (dhcp_bench.sh restarts the server for each step; here, on a real NIC,
 * the server is usually somebody else's): from --dora-rate, double while
 * the loss stays <= --max-loss and the achieved rate still grows by 2%,
 * halve while even the first rate loses, then bisect (geometrically)
 * between the last good and the first lossy rate. The best is the highest
 * achieved rate of a step within the loss. A pause of the exchange timeout
 * between steps lets the replies of one step drain before the next.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_mbuf.h>

#include "storm.h"
#include "storm_dora.h"
#include "storm_dora_run.h"

#define GROWTH 1.02 /* a step must beat the best by this to go on up */
#define FACTOR 2
#define IDLE_POLLS 4 /* empty polls before a sleep of --idle-us */

static void
emit(void *arg, const struct storm_out *out)
{
	struct storm_port *p = arg;
	unsigned k;

	for (k = 0; k < out->n; k++)
		storm_port_send(p, out->frame[k], out->len[k]);
}

/* One step at `rate`; its line on stdout, its figures in r. */
static int
step(struct storm_port *p, struct storm_dora *d, const struct storm_dora_opts *o, uint32_t rate,
     struct storm_dora_result *r)
{
	struct rte_mbuf *rx[STORM_BURST];
	uint64_t ip0, op0, oe0, im0, ip1, op1, oe1, im1, drops0 = p->tx_drops, now;
	long long krx0, krx1;
	double cpu0 = cpu_seconds();
	unsigned nb, k, idle = 0;
	int ret;

	storm_port_stats(p, &ip0, &op0, &oe0, &im0);
	krx0 = storm_port_kernel_rx(p);
	ret = storm_dora_begin(d, rate, (uint64_t)o->secs * 1000000u, now_ns() / 1000);
	if (ret < 0)
		return ret;
	do {
		now = now_ns() / 1000;
		nb = storm_port_rx(p, rx);
		for (k = 0; k < nb; k++) {
			storm_dora_rx(d, rte_pktmbuf_mtod(rx[k], const uint8_t *),
				      rte_pktmbuf_data_len(rx[k]), now);
			rte_pktmbuf_free(rx[k]);
		}
		if (!storm_dora_poll(d, now))
			break;
		/* Send once the RX ring is drained (or a burst is full): one
		 * syscall for many frames on an af_packet port under load. */
		if (!nb)
			storm_port_flush(p);
		/* Sleep soon when idle: a spinning generator takes a core from
		 * the server on a small box (perf: the clock read spinning). */
		idle = nb ? 0 : idle + 1;
		if (o->idle_us && idle >= IDLE_POLLS) {
			struct timespec ts = {0, (long)o->idle_us * 1000};

			nanosleep(&ts, NULL);
		}
	} while (!*o->quit);
	storm_port_flush(p);
	storm_port_stats(p, &ip1, &op1, &oe1, &im1);
	krx1 = storm_port_kernel_rx(p);
	storm_dora_result(d, r);
	printf("mode=dora rate=%u secs=%.0f clients=%u started=%lu done=%lu lost=%lu naks=%lu "
	       "stray=%lu sent_per_s=%.0f dora_per_s=%.0f loss_pct=%.2f lat_p50_ms=%.3f "
	       "lat_p99_ms=%.3f tx_drops=%lu rx_missed=%lu ",
	       rate, r->secs, d->clients, (unsigned long)r->started, (unsigned long)r->done,
	       (unsigned long)r->lost, (unsigned long)r->naks, (unsigned long)r->stray,
	       r->sent_per_s, r->dora_per_s, r->loss_pct, r->lat_p50_ms, r->lat_p99_ms,
	       (unsigned long)(p->tx_drops - drops0 + (oe1 - oe0)), (unsigned long)(im1 - im0));
	if (krx0 >= 0 && krx1 >= 0)
		printf("rx_lost=%lld ", (krx1 - krx0) - (long long)(ip1 - ip0));
	printf("cpu_s=%.2f\n", cpu_seconds() - cpu0);
	fflush(stdout);
	return 0;
}

/* Wait out the replies still on their way, for the timeout. */
static void
drain(struct storm_port *p, const struct storm_dora_opts *o)
{
	struct rte_mbuf *rx[STORM_BURST];
	uint64_t end = now_ns() + (uint64_t)o->timeout_ms * 1000000u;
	unsigned nb, k;

	while (!*o->quit && now_ns() < end) {
		nb = storm_port_rx(p, rx);
		for (k = 0; k < nb; k++)
			rte_pktmbuf_free(rx[k]);
		if (!nb) {
			struct timespec ts = {0, 100000};

			nanosleep(&ts, NULL);
		}
	}
}

static int
search(struct storm_port *p, struct storm_dora *d, const struct storm_dora_opts *o)
{
	struct storm_dora_result r, best = {0};
	uint32_t rate = o->rate, lo = 0, hi = 0, n = 0, k;
	char why[96] = "";
	int ret;

	while (n < o->steps && !*o->quit) {
		n++;
		if ((ret = step(p, d, o, rate, &r)) < 0)
			return ret;
		drain(p, o);
		if (r.loss_pct <= o->max_loss) {
			if (r.dora_per_s > best.dora_per_s * GROWTH) {
				best = r;
				lo = rate;
				rate *= FACTOR;
				continue;
			}
			snprintf(why, sizeof(why), "achieved stopped growing at offered %u/s",
				 rate);
			break;
		}
		hi = rate;
		if (!lo && rate > 20) {
			rate /= FACTOR; /* even the first rate loses: search down */
			continue;
		}
		snprintf(why, sizeof(why), "loss %.2f%% at offered %u/s", r.loss_pct, rate);
		break;
	}
	if (!why[0])
		snprintf(why, sizeof(why), "step limit at offered %u/s", rate);
	for (k = 0; k < o->refine && lo && hi > lo && !*o->quit; k++, n++) {
		rate = (uint32_t)lround(sqrt((double)lo * (double)hi));
		if (rate <= lo || rate >= hi)
			break;
		if ((ret = step(p, d, o, rate, &r)) < 0)
			return ret;
		drain(p, o);
		if (r.loss_pct > o->max_loss) {
			hi = rate;
		} else {
			lo = rate;
			if (r.dora_per_s > best.dora_per_s)
				best = r;
		}
	}
	printf("mode=dora_search best_rate=%u dora_per_s=%.0f loss_pct=%.2f lat_p50_ms=%.3f "
	       "lat_p99_ms=%.3f steps=%u stopped=\"%s\"\n",
	       best.rate, best.dora_per_s, best.loss_pct, best.lat_p50_ms, best.lat_p99_ms, n, why);
	return 0;
}

/* "MAC address server" for every client holding a lease. */
static int
write_leases(const struct storm_dora *d, const char *path)
{
	const struct storm_node *n;
	uint32_t i;
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	for (i = 0; i < d->clients; i++) {
		const uint8_t *m, *a, *s;

		n = &d->nodes[i];
		if (!n->ip)
			continue;
		m = n->mac;
		a = (const uint8_t *)&n->ip;
		s = (const uint8_t *)&n->server_id;
		fprintf(f, "%02x:%02x:%02x:%02x:%02x:%02x %u.%u.%u.%u %u.%u.%u.%u\n", m[0], m[1],
			m[2], m[3], m[4], m[5], a[0], a[1], a[2], a[3], s[0], s[1], s[2], s[3]);
	}
	return fclose(f) == 0 ? 0 : -errno;
}

int
storm_dora_run(struct storm_port *p, const struct storm_cfg *cfg, const struct storm_dora_opts *o)
{
	struct storm_dora d;
	struct storm_dora_result r;
	int ret;

	ret = storm_dora_init(&d, cfg, o->clients, o->timeout_ms * 1000u, emit, p);
	if (ret < 0) {
		fprintf(stderr, "rackboot-storm: DORA mode: %s\n", strerror(-ret));
		return ret;
	}
	ret = o->search ? search(p, &d, o) : step(p, &d, o, o->rate, &r);
	if (ret == 0 && o->leases && (ret = write_leases(&d, o->leases)) < 0)
		fprintf(stderr, "rackboot-storm: --leases %s: %s\n", o->leases, strerror(-ret));
	storm_dora_free(&d);
	return ret;
}
