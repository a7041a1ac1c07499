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
	double t0, secs;
	uint32_t t = (uint32_t)time(NULL);

	if (argc != 4 || (batch = strtoul(argv[2], NULL, 10)) == 0 ||
	    (total = strtoul(argv[3], NULL, 10)) == 0 || total > 0x00ffffffUL) {
		fprintf(stderr, "usage: leasedb_bench WHERE BATCH RECORDS (RECORDS < 2^24)\n");
		return 2;
	}
	recs = calloc(batch, sizeof(*recs));
	if (!recs)
		return 1;
	pw = getenv("RB_PG_PASSWORD_FILE");
	db = leasedb_connect(argv[1], pw && *pw ? pw : NULL, geteuid(), getegid(), msg,
			     sizeof(msg));
	if (!db) {
		fprintf(stderr, "leasedb_bench: %s\n", msg);
		return 1;
	}
	t0 = now();
	while (done < total) {
		unsigned long n = total - done < batch ? total - done : batch;

		for (unsigned long i = 0; i < n; i++)
			make_rec(&recs[i], (uint32_t)(done + i), t);
		if (leasedb_commit(db, recs, n) < 0) {
			fprintf(stderr, "leasedb_bench: commit %lu failed\n", commits + 1);
			leasedb_close(db);
			return 1;
		}
		done += n;
		commits++;
	}
	secs = now() - t0;
	printf("%s batch %lu records %lu seconds %.3f records/s %.0f commits/s %.0f\n",
	       leasedb_backend(db), batch, done, secs, (double)done / secs, (double)commits / secs);
	leasedb_close(db);
	free(recs);
	return 0;
}
