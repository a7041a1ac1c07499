/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dpchan.h"
#include "log.h"

struct dpchan {
	int fd;
	pid_t pid;
	bool reaped;
	int status;
	uint32_t seq;
	pthread_mutex_t lock; /* one request in flight at a time */
	/* Filled by the reader thread once the dataplane is up. */
	pthread_t reader;
	bool reader_running;
	pthread_mutex_t rlock;
	pthread_cond_t rcond;
	uint32_t want_seq; /* the request being waited for */
	bool have_reply, gone;
	struct rb_stats reply;
	dpchan_commit_fn on_commit;
	void *commit_arg;
	/* Boot events: the consumer, held by the channel thread during a call
	 * (so unsetting waits for one under way); discarded: under evlock. */
	pthread_mutex_t evlock;
	dpchan_events_fn on_events;
	void *events_arg;
	uint64_t discarded;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
send_msg(struct dpchan *c, enum rb_msg_type type, uint32_t seq, const void *pl, size_t len)
{
	char buf[RB_CHAN_MAX_MSG + sizeof(struct rb_msg_hdr)];
	int n = rb_msg_build(buf, sizeof(buf), type, seq, pl, len);

	if (n < 0)
		return n;
	return send(c->fd, buf, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -errno;
}

/*
 * Receive until a message of `want` type with `seq` (or, for DP_READY,
 * a DP_ERROR) arrives or the deadline passes. Returns its type or -errno.
 */
static int
recv_msg(struct dpchan *c, int want, uint32_t seq, void *pl, size_t cap, int timeout_ms)
{
	char buf[RB_CHAN_MAX_MSG + sizeof(struct rb_msg_hdr)];
	int64_t deadline = now_ms() + timeout_ms;
	struct rb_msg_hdr hdr;
	const void *p;

	for (;;) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		ssize_t n;
		int ret;

		if (left <= 0)
			return -ETIMEDOUT;
		ret = poll(&pfd, 1, (int)left);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret <= 0)
			continue;
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (rb_msg_parse(buf, (size_t)n, &hdr, &p) < 0)
			return -EPROTO;
		if (hdr.type == RB_MSG_DP_ERROR && want == RB_MSG_DP_READY) {
			memcpy(pl, p, hdr.len < cap ? hdr.len : cap);
			return RB_MSG_DP_ERROR;
		}
		if (hdr.type != want || hdr.seq != seq)
			continue; /* a late reply to a request that timed out */
		if (hdr.len > cap)
			return -EMSGSIZE;
		memcpy(pl, p, hdr.len);
		return (int)hdr.type;
	}
}

int
dpchan_send(struct dpchan *c, enum rb_msg_type type, const void *payload, size_t len)
{
	return send_msg(c, type, 0, payload, len);
}

/* One EVENTS message (its count checked by rb_msg_parse) to the consumer. */
static void
deliver_events(struct dpchan *c, struct rb_event_batch *b)
{
	uint32_t i;

	/* Names are the dataplane's bytes: a consumer may print them. */
	for (i = 0; i < b->count; i++)
		b->ev[i].name[RB_EVENT_NAME_MAX - 1] = '\0';
	pthread_mutex_lock(&c->evlock);
	if (c->on_events)
		c->on_events(b->ev, b->count, b->dropped, c->events_arg);
	else
		c->discarded += b->count;
	pthread_mutex_unlock(&c->evlock);
}

/*
 * After start-up, one thread owns the receiving side: it hands stats
 * replies to their waiter, runs each lease batch through on_commit,
 * answering LEASE_COMMITTED, so a commit never waits behind a stats call,
 * and hands boot events to their consumer.
 */
static void *
reader_main(void *arg)
{
	static char buf[RB_CHAN_MAX_MSG + sizeof(struct rb_msg_hdr)];
	static union {
		struct rb_lease_ack ack;
		char raw[RB_CHAN_MAX_MSG];
	} reply;
	struct rb_lease_ack *ack = &reply.ack;
	struct dpchan *c = arg;
	struct rb_msg_hdr hdr;
	const void *p;
	ssize_t n;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (rb_msg_parse(buf, (size_t)n, &hdr, &p) < 0) {
			RB_WARN("bad message from the dataplane, ignored");
			continue;
		}
		if (hdr.type == RB_MSG_LEASE_COMMIT) {
			const struct rb_lease_batch *b = p;

			/* A batch fits a message, so a reply naming all of it
			 * lost does too (channel.h). */
			memset(ack, 0, sizeof(*ack));
			ack->batch = b->batch;
			ack->status = c->on_commit
					  ? c->on_commit(b, c->commit_arg, ack->lost, &ack->nb_lost)
					  : -ENOSYS;
			if (ack->status)
				ack->nb_lost = 0;
			send_msg(c, RB_MSG_LEASE_COMMITTED, 0, ack,
				 sizeof(*ack) + ack->nb_lost * sizeof(ack->lost[0]));
			continue;
		}
		if (hdr.type == RB_MSG_EVENTS) {
			/* p points into buf, which is this thread's own. */
			deliver_events(c, (struct rb_event_batch *)(uintptr_t)p);
			continue;
		}
		if (hdr.type != RB_MSG_STATS_REP)
			continue;
		pthread_mutex_lock(&c->rlock);
		if (hdr.seq == c->want_seq) {
			memcpy(&c->reply, p, sizeof(c->reply));
			c->have_reply = true;
			pthread_cond_broadcast(&c->rcond);
		}
		pthread_mutex_unlock(&c->rlock);
	}
	pthread_mutex_lock(&c->rlock);
	c->gone = true;
	pthread_cond_broadcast(&c->rcond);
	pthread_mutex_unlock(&c->rlock);
	return NULL;
}

struct dpchan *
dpchan_start(const char *exe, char *const eal_argv[], const struct rb_dp_config *cfg,
	     dpchan_setup_fn setup, void *setup_arg, dpchan_commit_fn on_commit, void *commit_arg,
	     int timeout_ms, struct rb_dp_ready *ready, char *msg, size_t cap)
{
	union {
		struct rb_dp_ready ready;
		struct rb_dp_error error;
	} reply;
	struct dpchan *c;
	int sv[2], ret, i, argc = 0;
	char fdarg[16];
	char **argv;

	for (argc = 0; eal_argv[argc]; argc++)
		;
	argv = calloc((size_t)argc + 5, sizeof(*argv));
	c = calloc(1, sizeof(*c));
	if (!argv || !c) {
		snprintf(msg, cap, "out of memory");
		goto fail_free;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(msg, cap, "socketpair: %s", strerror(errno));
		goto fail_free;
	}
	snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
	argv[0] = (char *)exe;
	for (i = 0; i < argc; i++)
		argv[i + 1] = eal_argv[i];
	argv[argc + 1] = "--";
	argv[argc + 2] = "--channel-fd";
	argv[argc + 3] = fdarg;

	c->pid = fork();
	if (c->pid < 0) {
		snprintf(msg, cap, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		goto fail_free;
	}
	if (c->pid == 0) {
		/* Child: keep only its end of the channel across exec. */
		fcntl(sv[1], F_SETFD, 0);
		execv(exe, argv);
		RB_ERR("cannot run %s: %s", exe, strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	free(argv);
	argv = NULL;
	c->fd = sv[0];
	c->on_commit = on_commit;
	c->commit_arg = commit_arg;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->rlock, NULL);
	pthread_mutex_init(&c->evlock, NULL);
	pthread_cond_init(&c->rcond, NULL);

	ret = send_msg(c, RB_MSG_DP_CONFIG, 1, cfg, sizeof(*cfg));
	if (ret == 0 && setup)
		ret = setup(c, setup_arg);
	if (ret == 0)
		ret = send_msg(c, RB_MSG_CONFIG_DONE, 1, NULL, 0);
	if (ret == 0)
		ret = recv_msg(c, RB_MSG_DP_READY, 1, &reply, sizeof(reply), timeout_ms);
	if (ret == RB_MSG_DP_READY) {
		*ready = reply.ready;
		ret = pthread_create(&c->reader, NULL, reader_main, c);
		if (ret == 0) {
			c->reader_running = true;
			return c;
		}
		snprintf(msg, cap, "cannot start the channel thread: %s", strerror(ret));
		errno = ret;
		dpchan_stop(c, 3000);
		return NULL;
	}
	if (ret == RB_MSG_DP_ERROR) {
		reply.error.message[sizeof(reply.error.message) - 1] = '\0';
		snprintf(msg, cap, "%s", reply.error.message);
		errno = -reply.error.code > 0 ? -reply.error.code : EIO;
	} else if (ret == -EPIPE) {
		snprintf(msg, cap, "the dataplane exited during start-up (its messages are above)");
		errno = EPIPE;
	} else {
		snprintf(msg, cap, "no answer from the dataplane: %s", strerror(-ret));
		errno = -ret;
	}
	dpchan_stop(c, 3000);
	return NULL;

fail_free:
	ret = errno ? errno : ENOMEM; /* keep socketpair's or fork's reason */
	free(argv);
	free(c);
	errno = ret;
	return NULL;
}

int
dpchan_stats(struct dpchan *c, struct rb_stats *out, int timeout_ms)
{
	struct timespec until;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&c->lock);
	pthread_mutex_lock(&c->rlock);
	c->want_seq = ++c->seq;
	c->have_reply = false;
	pthread_mutex_unlock(&c->rlock);
	ret = send_msg(c, RB_MSG_STATS_REQ, c->want_seq, NULL, 0);
	pthread_mutex_lock(&c->rlock);
	while (ret == 0 && !c->have_reply && !c->gone)
		if (pthread_cond_timedwait(&c->rcond, &c->rlock, &until) == ETIMEDOUT)
			ret = -ETIMEDOUT;
	if (ret == 0 && c->have_reply)
		*out = c->reply;
	else if (ret == 0)
		ret = -EPIPE;
	c->want_seq = 0;
	pthread_mutex_unlock(&c->rlock);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

void
dpchan_set_events(struct dpchan *c, dpchan_events_fn fn, void *arg)
{
	pthread_mutex_lock(&c->evlock);
	c->on_events = fn;
	c->events_arg = fn ? arg : NULL;
	pthread_mutex_unlock(&c->evlock);
}

uint64_t
dpchan_events_discarded(struct dpchan *c)
{
	uint64_t n;

	pthread_mutex_lock(&c->evlock);
	n = c->discarded;
	pthread_mutex_unlock(&c->evlock);
	return n;
}

bool
dpchan_alive(struct dpchan *c, int *status)
{
	if (!c->reaped && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->reaped = true;
	if (status)
		*status = c->status;
	return !c->reaped;
}

pid_t
dpchan_pid(const struct dpchan *c)
{
	return c->pid;
}

void
dpchan_stop(struct dpchan *c, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	if (!c)
		return;
	if (dpchan_alive(c, NULL)) {
		pthread_mutex_lock(&c->lock);
		send_msg(c, RB_MSG_SHUTDOWN, ++c->seq, NULL, 0);
		pthread_mutex_unlock(&c->lock);
	}
	while (dpchan_alive(c, NULL) && now_ms() < deadline)
		usleep(20000);
	if (dpchan_alive(c, NULL)) {
		RB_WARN("dataplane (pid %d) did not stop in %d ms, killing it", (int)c->pid,
			timeout_ms);
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &c->status, 0);
		c->reaped = true;
	}
	/* The dataplane is gone, so its end is closed and the reader sees EOF. */
	if (c->reader_running)
		pthread_join(c->reader, NULL);
	close(c->fd);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->rlock);
	pthread_mutex_destroy(&c->evlock);
	pthread_cond_destroy(&c->rcond);
	free(c);
}
