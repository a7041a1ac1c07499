/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * power_sched.c: the power scheduler (power.h): a bounded FIFO of actions
 * and `concurrency` worker threads that run them with power_run().
 *
 * The worker count is the concurrency cap. The stagger is one clock for
 * all workers: a worker that takes an action claims the next start slot
 * (no earlier than stagger_ms after the previous start) and waits for it,
 * so 500 queued "on"s start one every stagger_ms however many workers are
 * free, and a rack's PDU sees the inrush spread out. A scheduler that has
 * been idle starts the next action at once.
 *
 * Locking: one mutex over the queue, the counters and the clock. `work`
 * wakes idle workers (a new action, or stop); `stop` wakes workers
 * waiting for their start slot (stop only), so that a submit never wakes
 * a worker that cannot take it. Callbacks run with no lock held.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "power_drv.h"
#include "promtext.h"

enum { R_OK, R_ERROR, R_TIMEOUT, N_RESULTS };
static const char *const result_names[N_RESULTS] = {"ok", "error", "timeout"};

struct power_job {
	struct power_job *next;
	struct power_target t; /* its strings point into text[] */
	enum power_action action;
	power_done_fn done;
	void *arg;
	char text[];
};

struct power_sched {
	struct power_limits lim;
	pthread_mutex_t lock;
	pthread_cond_t work, stop;
	struct power_job *head, *tail; /* queued, not yet taken */
	size_t queued;
	size_t waiting;	    /* taken, waiting for their start slot */
	size_t running;	    /* in power_run() */
	int64_t next_start; /* ms, CLOCK_MONOTONIC: the earliest next start */
	bool stopping;
	uint64_t done_count[POWER_N_DRIVERS][POWER_N_ACTIONS][N_RESULTS];
	uint64_t rejected; /* submits refused: queue full */
	pthread_t *threads;
	unsigned n_threads;
};

static int
check_limits(const struct power_limits *l)
{
	if (l->concurrency < 1 || l->concurrency > 256 || l->stagger_ms > 60000 ||
	    l->timeout_s < 1 || l->timeout_s > 600 || l->queue_max < 1 || l->queue_max > (1u << 20))
		return -EINVAL;
	return 0;
}

/* Copy s into the job's text at *at; the copy's address, or NULL for NULL. */
static const char *
stash(char **at, const char *s)
{
	char *d = *at;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	memcpy(d, s, n);
	*at += n;
	return d;
}

static struct power_job *
job_new(const struct power_target *t)
{
	const char *const strs[] = {t->host,	      t->address, t->username,
				    t->password_file, t->command, t->system_id};
	struct power_job *j;
	size_t len = 0;
	char *at;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		len += strs[i] ? strlen(strs[i]) + 1 : 0;
	j = calloc(1, sizeof(*j) + len);
	if (!j)
		return NULL;
	j->t = *t;
	at = j->text;
	j->t.host = stash(&at, t->host);
	j->t.address = stash(&at, t->address);
	j->t.username = stash(&at, t->username);
	j->t.password_file = stash(&at, t->password_file);
	j->t.command = stash(&at, t->command);
	j->t.system_id = stash(&at, t->system_id);
	return j;
}

/* Under the lock. */
static struct power_job *
pop(struct power_sched *s)
{
	struct power_job *j = s->head;

	if (j) {
		s->head = j->next;
		if (!s->head)
			s->tail = NULL;
		s->queued--;
	}
	return j;
}

static void
until(pthread_cond_t *c, pthread_mutex_t *m, int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

	pthread_cond_timedwait(c, m, &ts);
}

static void
cancel(struct power_job *j)
{
	j->done(j->arg, j->t.host, j->action, -ECANCELED, "cancelled: the power scheduler stopped");
	free(j);
}

/* The action's result in the counters; under the lock. */
static void
account(struct power_sched *s, const struct power_job *j, int rc)
{
	int r = rc == 0 ? R_OK : rc == -ETIMEDOUT ? R_TIMEOUT : R_ERROR;

	s->done_count[j->t.driver][j->action][r]++;
}

static void
log_result(const struct power_job *j, int rc, const char *msg)
{
	rb_log(rc ? RB_LOG_WARN : RB_LOG_INFO, "power %s %s (%s): %s", power_action_name(j->action),
	       j->t.host ? j->t.host : "?", power_driver_name(j->t.driver), msg);
}

static void *
worker(void *arg)
{
	struct power_sched *s = arg;
	char msg[POWER_MSG_MAX];

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct power_job *j;
		int64_t start, now;
		int rc;

		while (!s->stopping && !s->head)
			pthread_cond_wait(&s->work, &s->lock);
		if (s->stopping)
			break;
		j = pop(s);
		now = power_now_ms();
		start = s->next_start > now ? s->next_start : now;
		s->next_start = start + s->lim.stagger_ms;
		s->waiting++;
		while (!s->stopping && power_now_ms() < start)
			until(&s->stop, &s->lock, start);
		s->waiting--;
		if (s->stopping) {
			pthread_mutex_unlock(&s->lock);
			cancel(j);
			pthread_mutex_lock(&s->lock);
			break;
		}
		s->running++;
		pthread_mutex_unlock(&s->lock);

		rc = power_run(&j->t, j->action, msg, sizeof(msg), s->lim.timeout_s);

		pthread_mutex_lock(&s->lock);
		account(s, j, rc);
		pthread_mutex_unlock(&s->lock);
		log_result(j, rc, msg);
		j->done(j->arg, j->t.host, j->action, rc, msg);
		free(j);
		pthread_mutex_lock(&s->lock);
		s->running--;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Stop the workers that started and join them; the queue stays. */
static void
stop_threads(struct power_sched *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->work);
	pthread_cond_broadcast(&s->stop);
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < s->n_threads; i++)
		pthread_join(s->threads[i], NULL);
}

static void
destroy(struct power_sched *s)
{
	pthread_cond_destroy(&s->stop);
	pthread_cond_destroy(&s->work);
	pthread_mutex_destroy(&s->lock);
	free(s->threads);
	free(s);
}

struct power_sched *
power_sched_new(const struct power_limits *lim)
{
	struct power_limits l = lim ? *lim : POWER_LIMITS_DEFAULT;
	pthread_condattr_t ca;
	struct power_sched *s;
	int rc;

	if (check_limits(&l)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->threads = calloc(l.concurrency, sizeof(*s->threads)))) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->lim = l;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->work, &ca);
	pthread_cond_init(&s->stop, &ca);
	pthread_condattr_destroy(&ca);
	for (unsigned i = 0; i < l.concurrency; i++) {
		rc = pthread_create(&s->threads[i], NULL, worker, s);
		if (rc) {
			stop_threads(s);
			destroy(s);
			errno = rc;
			return NULL;
		}
		s->n_threads++;
	}
	return s;
}

int
power_submit(struct power_sched *s, const struct power_target *t, enum power_action a,
	     power_done_fn done, void *arg)
{
	struct power_job *j;
	int rc = 0;

	if (!s || !t || !done || (unsigned)a >= POWER_N_ACTIONS || t->driver <= POWER_NONE ||
	    t->driver >= POWER_N_DRIVERS)
		return -EINVAL;
	j = job_new(t);
	if (!j)
		return -ENOMEM;
	j->action = a;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&s->lock);
	if (s->stopping)
		rc = -ESHUTDOWN;
	else if (s->queued >= s->lim.queue_max) {
		s->rejected++;
		rc = -EAGAIN;
	} else {
		if (s->tail)
			s->tail->next = j;
		else
			s->head = j;
		s->tail = j;
		s->queued++;
		pthread_cond_signal(&s->work);
	}
	pthread_mutex_unlock(&s->lock);
	if (rc)
		free(j);
	return rc;
}

void
power_sched_free(struct power_sched *s)
{
	struct power_job *j;

	if (!s)
		return;
	stop_threads(s);
	/* No worker is left: the queue is this thread's alone. */
	while ((j = pop(s)))
		cancel(j);
	destroy(s);
}

size_t
power_metrics(struct power_sched *s, char *buf, size_t cap)
{
	static const char *const keys[] = {"driver", "action", "result"};
	const char *name = "rackboot_power_actions_total";
	uint64_t counts[POWER_N_DRIVERS][POWER_N_ACTIONS][N_RESULTS], rejected;
	size_t queued, running;
	struct prom_out o;

	pthread_mutex_lock(&s->lock);
	memcpy(counts, s->done_count, sizeof(counts));
	rejected = s->rejected;
	queued = s->queued + s->waiting;
	running = s->running;
	pthread_mutex_unlock(&s->lock);

	prom_init(&o, buf, cap);
	prom_head(&o, name, "counter", "power actions finished, by driver, action and result");
	for (int d = POWER_IPMI; d < POWER_N_DRIVERS; d++)
		for (int a = 0; a < POWER_N_ACTIONS; a++)
			for (int r = 0; r < N_RESULTS; r++) {
				const char *vals[] = {power_driver_name(d), power_action_name(a),
						      result_names[r]};

				prom_u64_labels(&o, name, keys, vals, 3, counts[d][a][r]);
			}
	prom_metric(&o, "rackboot_power_rejected_total", "counter",
		    "power actions refused because the queue was full", rejected);
	prom_metric(&o, "rackboot_power_queued", "gauge",
		    "power actions waiting (in the queue or for their start slot)", queued);
	prom_metric(&o, "rackboot_power_running", "gauge", "power actions running now", running);
	return o.len;
}
