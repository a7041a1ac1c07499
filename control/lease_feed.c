/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lease_feed.c: other servers' lease changes to the dataplane. See
 * lease_feed.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channel.h"
#include "dpchan.h"
#include "lease_feed.h"
#include "leasedb.h"
#include "log.h"

struct lease_feed {
	struct leasedb *db;
	struct dpchan *c;
	struct lease_cursor cursor; /* feed thread only */
	unsigned poll_ms;
	uint64_t learned; /* feed thread writes, any thread reads (relaxed) */
	bool stop;	  /* under lock */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	struct rb_lease_batch *b; /* room for RB_LEASE_BATCH_MAX */
};

/* Wait poll_ms or until stopped. True when stopped. */
static bool
wait_tick(struct lease_feed *f)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += f->poll_ms / 1000;
	until.tv_nsec += (long)(f->poll_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->lock);
	while (!f->stop && pthread_cond_timedwait(&f->wake, &f->lock, &until) != ETIMEDOUT)
		;
	stop = f->stop;
	pthread_mutex_unlock(&f->lock);
	return stop;
}

static void *
feed_main(void *arg)
{
	struct lease_feed *f = arg;
	unsigned failing = 0;
	bool more = false;
	int n, ret;

	while (more || !wait_tick(f)) {
		n = leasedb_changes(f->db, &f->cursor, f->b->rec, RB_LEASE_BATCH_MAX);
		if (n < 0) {
			/* A database that is down fails every poll: say it once. */
			if (!failing++)
				RB_ERR("lease feed: reading other servers' changes failed (%s); "
				       "retrying every %u ms",
				       strerror(-n), f->poll_ms);
			more = false;
			continue;
		}
		if (failing)
			RB_NOTICE("lease feed: reading changes again after %u failed polls",
				  failing);
		failing = 0;
		/* A full page: more may be waiting, read on without a pause. */
		more = n == (int)RB_LEASE_BATCH_MAX;
		if (!n)
			continue;
		f->b->batch = 0;
		f->b->count = (uint32_t)n;
		ret = dpchan_send(f->c, RB_MSG_LEASE_LOAD, f->b,
				  sizeof(*f->b) + (size_t)n * sizeof(f->b->rec[0]));
		if (ret < 0) {
			RB_ERR("lease feed: sending %d change(s) to the dataplane failed: %s", n,
			       strerror(-ret));
			continue;
		}
		__atomic_add_fetch(&f->learned, (uint64_t)n, __ATOMIC_RELAXED);
	}
	return NULL;
}

struct lease_feed *
lease_feed_start(struct leasedb *db, struct dpchan *c, const struct lease_cursor *cursor,
		 unsigned poll_ms, char *msg, size_t cap)
{
	struct lease_feed *f = calloc(1, sizeof(*f));
	pthread_condattr_t ca;
	int ret;

	if (!f)
		goto nomem;
	f->b = calloc(1, sizeof(*f->b) + RB_LEASE_BATCH_MAX * sizeof(f->b->rec[0]));
	if (!f->b)
		goto nomem;
	f->db = db;
	f->c = c;
	f->cursor = *cursor;
	f->poll_ms = poll_ms ? poll_ms : 500;
	pthread_mutex_init(&f->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->wake, &ca);
	pthread_condattr_destroy(&ca);
	ret = pthread_create(&f->thread, NULL, feed_main, f);
	if (ret) {
		snprintf(msg, cap, "lease feed: cannot start its thread: %s", strerror(ret));
		pthread_cond_destroy(&f->wake);
		pthread_mutex_destroy(&f->lock);
		free(f->b);
		free(f);
		errno = ret;
		return NULL;
	}
	return f;
nomem:
	if (f)
		free(f->b);
	free(f);
	snprintf(msg, cap, "lease feed: %s", strerror(ENOMEM));
	errno = ENOMEM;
	return NULL;
}

void
lease_feed_stop(struct lease_feed *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	free(f->b);
	free(f);
}

uint64_t
lease_feed_learned(const struct lease_feed *f)
{
	return f ? __atomic_load_n(&f->learned, __ATOMIC_RELAXED) : 0;
}
