/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * leasedb_bench.c: the lease store's commit rate, without the network.
 *
 *   leasedb_bench WHERE BATCH RECORDS
 *
 * Commits RECORDS new bound leases (distinct clients, distinct addresses
 * from 10.0.0.0 up, the kind of record a DORA storm writes) in batches of
 * BATCH records, one leasedb_commit() each, to the store WHERE names (an
 * SQLite file or a postgresql:// URI; the password from $RB_PG_PASSWORD_FILE
 * when set and not empty), and prints one line:
 *
 *   <backend> batch <B> records <N> seconds <S> records/s <R> commits/s <C>
 *   commit_ms_p50 <a> commit_ms_p99 <b> commit_ms_max <c>
 *
 * (one line; the commit times are each leasedb_commit() call's, so a stall
 * of the store, a checkpoint or an fsync that takes long, shows in the
 * tail: a DHCP server holds every ACK that long).
 *
 * It is what benchmarks/leasedb_bench.sh runs for each store and batch
 * size, in the same run, so the figures compare. The store is used as the
 * server uses it: the same calls, the same transaction per batch.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "leasedb.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of sorted v[0..n), n > 0. */
static double
quantile(const double *v, size_t n, double q)
{
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

static void
make_rec(struct rb_lease_rec *r, uint32_t i, uint32_t t)
{
	memset(r, 0, sizeof(*r));
	r->seq = i + 1;
	r->ip = htonl(0x0a000000u + i);
	r->state = RB_LEASE_BOUND;
	r->updated = t;
	r->expires = t + 3600;
	r->htype = 1;
	r->hlen = 6;
	r->chaddr[0] = 0x02;
	memcpy(&r->chaddr[2], &i, sizeof(i));
	r->key_len = 7;
	r->key[0] = 1;
	memcpy(&r->key[1], r->chaddr, 6);
	snprintf(r->hostname, sizeof(r->hostname), "node%u", i);
}

int
main(int argc, char **argv)
{
	struct rb_lease_rec *recs;
	struct leasedb *db;
	char msg[512] = "";
	const char *pw;
	unsigned long batch, total, done = 0, commits = 0;
	double t0, t1, secs, *lat;
	uint32_t t = (uint32_t)time(NULL);

	if (argc != 4 || (batch = strtoul(argv[2], NULL, 10)) == 0 ||
	    (total = strtoul(argv[3], NULL, 10)) == 0 || total > 0x00ffffffUL) {
		fprintf(stderr, "usage: leasedb_bench WHERE BATCH RECORDS (RECORDS < 2^24)\n");
		return 2;
	}
	recs = calloc(batch, sizeof(*recs));
	lat = calloc(total / batch + 1, sizeof(*lat));
	if (!recs || !lat)
		return 1;
	pw = getenv("RB_PG_PASSWORD_FILE");
	db =
	    leasedb_connect(argv[1], pw && *pw ? pw : NULL, geteuid(), getegid(), msg, sizeof(msg));
	if (!db) {
		fprintf(stderr, "leasedb_bench: %s\n", msg);
		return 1;
	}
	t0 = now();
	while (done < total) {
		unsigned long n = total - done < batch ? total - done : batch;

		for (unsigned long i = 0; i < n; i++)
			make_rec(&recs[i], (uint32_t)(done + i), t);
		t1 = now();
		if (leasedb_commit(db, recs, n) < 0) {
			fprintf(stderr, "leasedb_bench: commit %lu failed\n", commits + 1);
			leasedb_close(db);
			return 1;
		}
		lat[commits++] = (now() - t1) * 1e3;
		done += n;
	}
	secs = now() - t0;
	qsort(lat, commits, sizeof(*lat), cmp_double);
	printf("%s batch %lu records %lu seconds %.3f records/s %.0f commits/s %.0f "
	       "commit_ms_p50 %.3f commit_ms_p99 %.3f commit_ms_max %.3f\n",
	       leasedb_backend(db), batch, done, secs, (double)done / secs, (double)commits / secs,
	       quantile(lat, commits, 0.5), quantile(lat, commits, 0.99), lat[commits - 1]);
	leasedb_close(db);
	free(recs);
	free(lat);
	return 0;
}
