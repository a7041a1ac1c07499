/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The boot event queue (dataplane/event_queue.c): capacities it refuses,
 * order, a full queue dropping and counting, indexes wrapping at 2^32,
 * names cut to fit, and one producer and one consumer thread moving a
 * million events through a small queue without losing or reordering one.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "counters.h"
#include "event_queue.h"

#define CAP 8

/* An event told apart by n (in bytes and size). */
static struct rb_event
numbered(uint64_t n)
{
	struct rb_event e;

	evq_tftp_event(&e, RB_EV_TFTP_PROGRESS, 0x0100a8c0u, 69,
		       (const uint8_t[6]){2, 0, 0, 0, 0, 1}, "f", n * 2, n);
	return e;
}

static void
test_init_caps(void **state)
{
	struct rb_event slots[CAP];
	struct evq q;

	(void)state;
	assert_int_equal(evq_init(&q, slots, 0), -EINVAL);
	assert_int_equal(evq_init(&q, slots, 1), -EINVAL);
	assert_int_equal(evq_init(&q, slots, 6), -EINVAL);
	assert_int_equal(evq_init(&q, slots, 2), 0);
	assert_int_equal(evq_init(&q, slots, CAP), 0);
	assert_int_equal(evq_count(&q), 0);
}

static void
test_fifo_and_full(void **state)
{
	struct rb_event slots[CAP], out[2 * CAP], e;
	uint64_t cnt[RB_CNT_MAX] = {0};
	struct evq q;
	uint32_t i;

	(void)state;
	assert_int_equal(evq_init(&q, slots, CAP), 0);
	for (i = 0; i < CAP; i++) {
		e = numbered(i);
		assert_int_equal(evq_push(&q, &e, cnt), 0);
	}
	assert_int_equal(evq_count(&q), CAP);
	/* Full: dropped and counted, what is queued untouched. */
	e = numbered(99);
	assert_int_equal(evq_push(&q, &e, cnt), -ENOBUFS);
	assert_int_equal(evq_push(&q, &e, cnt), -ENOBUFS);
	assert_int_equal(cnt[RB_CNT_events_queued], CAP);
	assert_int_equal(cnt[RB_CNT_events_dropped], 2);
	/* A partial pop, then room for exactly what was taken. */
	assert_int_equal(evq_pop(&q, out, 3), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(out[i].bytes, i);
	for (i = 0; i < 3; i++) {
		e = numbered(100 + i);
		assert_int_equal(evq_push(&q, &e, cnt), 0);
	}
	e = numbered(200);
	assert_int_equal(evq_push(&q, &e, NULL), -ENOBUFS); /* NULL: not counted */
	assert_int_equal(cnt[RB_CNT_events_dropped], 2);
	assert_int_equal(evq_pop(&q, out, 2 * CAP), CAP);
	for (i = 0; i < CAP - 3; i++)
		assert_int_equal(out[i].bytes, 3 + i);
	for (i = 0; i < 3; i++)
		assert_int_equal(out[CAP - 3 + i].bytes, 100 + i);
	assert_int_equal(evq_pop(&q, out, 2 * CAP), 0);
	assert_int_equal(evq_count(&q), 0);
}

/* Free-running indexes wrap at 2^32 without losing the fill level. */
static void
test_index_wrap(void **state)
{
	struct rb_event slots[CAP], out[CAP], e;
	struct evq q;
	uint32_t i, round;
	uint64_t n = 0, want = 0;

	(void)state;
	assert_int_equal(evq_init(&q, slots, CAP), 0);
	q.head = q.tail = UINT32_MAX - 5;
	for (round = 0; round < 4; round++) {
		for (i = 0; i < CAP; i++) {
			e = numbered(n++);
			assert_int_equal(evq_push(&q, &e, NULL), 0);
		}
		e = numbered(999);
		assert_int_equal(evq_push(&q, &e, NULL), -ENOBUFS);
		assert_int_equal(evq_count(&q), CAP);
		assert_int_equal(evq_pop(&q, out, CAP), CAP);
		for (i = 0; i < CAP; i++)
			assert_int_equal(out[i].bytes, want++);
	}
	assert_true(q.head < 100); /* it did wrap */
}

/* A NULL queue: events are off, nothing is counted. */
static void
test_null_queue(void **state)
{
	uint64_t cnt[RB_CNT_MAX] = {0};
	struct rb_event e = numbered(1);

	(void)state;
	assert_int_equal(evq_push(NULL, &e, cnt), 0);
	assert_int_equal(cnt[RB_CNT_events_queued], 0);
	assert_int_equal(cnt[RB_CNT_events_dropped], 0);
}

static void
test_tftp_event_fields(void **state)
{
	const uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
	char longname[300];
	struct rb_event e;

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	memset(&e, 0x5a, sizeof(e));
	evq_tftp_event(&e, RB_EV_TFTP_START, 0x640012c6u, 2070, mac, "pxelinux.0", 43210, 7);
	assert_int_equal(e.kind, RB_EV_TFTP_START);
	assert_int_equal(e.reason, RB_EVR_NONE);
	assert_int_equal(e.flags, 0);
	assert_int_equal(e.code, 0);
	assert_int_equal(e.arch, 0xffff);
	assert_int_equal(e.ip, 0x640012c6u);
	assert_int_equal(e.port, 2070);
	assert_memory_equal(e.mac, mac, 6);
	assert_int_equal(e.size, 43210);
	assert_int_equal(e.bytes, 7);
	assert_string_equal(e.name, "pxelinux.0");
	evq_tftp_event(&e, RB_EV_TFTP_DONE, 0, 0, mac, longname, 0, 0);
	assert_int_equal(strlen(e.name), RB_EVENT_NAME_MAX - 1);
	assert_memory_equal(e.name, longname, RB_EVENT_NAME_MAX - 1);
}

/* --- one producer thread, one consumer thread ------------------------------ */

#define THREAD_EVENTS 1000000u

struct shared {
	struct evq q;
	uint64_t cnt[RB_CNT_MAX];
	uint64_t full; /* pushes refused (the producer tries again) */
};

static void *
producer(void *arg)
{
	struct shared *s = arg;
	struct rb_event e;
	uint64_t n;

	for (n = 0; n < THREAD_EVENTS; n++) {
		e = numbered(n);
		while (evq_push(&s->q, &e, s->cnt) < 0)
			s->full++;
	}
	return NULL;
}

static void
test_two_threads(void **state)
{
	static struct rb_event slots[64], out[16];
	struct shared s = {0};
	pthread_t th;
	uint64_t want = 0;
	uint32_t n, i;

	(void)state;
	assert_int_equal(evq_init(&s.q, slots, 64), 0);
	assert_int_equal(pthread_create(&th, NULL, producer, &s), 0);
	while (want < THREAD_EVENTS) {
		n = evq_pop(&s.q, out, 16);
		for (i = 0; i < n; i++) {
			/* Every field arrives whole: the slot was published after
			 * it was written. */
			if (out[i].bytes != want || out[i].size != 2 * want)
				fail_msg("event %u: got %llu/%llu", (unsigned)want,
					 (unsigned long long)out[i].bytes,
					 (unsigned long long)out[i].size);
			want++;
		}
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(evq_count(&s.q), 0);
	assert_int_equal(s.cnt[RB_CNT_events_queued], THREAD_EVENTS);
	assert_int_equal(s.cnt[RB_CNT_events_dropped], s.full);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_caps),	      cmocka_unit_test(test_fifo_and_full),
	    cmocka_unit_test(test_index_wrap),	      cmocka_unit_test(test_null_queue),
	    cmocka_unit_test(test_tftp_event_fields), cmocka_unit_test(test_two_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
