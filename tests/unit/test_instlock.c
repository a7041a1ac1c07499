/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_instlock.c: one rackboot per port (control/instlock.c). A free
 * port's lock is taken; a live holder is refused at once, named; a holder
 * whose pid in the file is gone (a killed control's orphaned dataplane,
 * which inherited the lock) is waited for, up to the wait given, and the
 * previous pid is reported either way.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "instlock.h"

static char dir[64], path[128];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rb-test-instlock.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/eth9.lock", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

/* A pid that existed and is gone: a child that exited, reaped. */
static pid_t
dead_pid(void)
{
	pid_t p = fork();

	assert_true(p >= 0);
	if (p == 0)
		_exit(0);
	assert_int_equal(waitpid(p, NULL, 0), p);
	return p;
}

/* The lock file says pid, and a child holds the flock for hold_ms, as a
 * dataplane that inherited it would. The child's pid; returns once it holds. */
static pid_t
held_by_orphan(pid_t pid, unsigned hold_ms)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644), pfd[2];
	char buf[32], c;
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	pid_t child;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, (size_t)n), n);
	assert_int_equal(pipe(pfd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct timespec ts = {hold_ms / 1000, (long)(hold_ms % 1000) * 1000000L};

		if (flock(fd, LOCK_EX) < 0 || write(pfd[1], "x", 1) != 1)
			_exit(1);
		nanosleep(&ts, NULL);
		_exit(0);
	}
	close(fd);
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	return child;
}

static void
test_free_then_live_holder(void **state)
{
	struct instlock_prev prev = {-1, 1};
	char msg[512], me[32];
	int fd, again;

	(void)state;
	fd = instlock_take(dir, "eth9", 1000, &prev, msg, sizeof(msg));
	assert_true(fd >= 0);
	assert_int_equal(prev.pid, 0); /* a new file: nobody before */
	assert_int_equal(prev.waited_ms, 0);
	/* We are alive: refused at once, naming us, no wait. */
	again = instlock_take(dir, "eth9", 5000, &prev, msg, sizeof(msg));
	assert_int_equal(again, -EBUSY);
	assert_int_equal(prev.pid, (int)getpid());
	assert_int_equal(prev.waited_ms, 0);
	snprintf(me, sizeof(me), "(pid %d,", (int)getpid());
	assert_non_null(strstr(msg, "in use by another rackboot"));
	assert_non_null(strstr(msg, me));
	close(fd);
	/* Closed: free again, and the file still names the last holder. */
	fd = instlock_take(dir, "eth9", 0, &prev, msg, sizeof(msg));
	assert_true(fd >= 0);
	assert_int_equal(prev.pid, (int)getpid());
	close(fd);
}

static void
test_orphan_waited_for(void **state)
{
	struct instlock_prev prev;
	pid_t gone = dead_pid(), orphan;
	char msg[512];
	int fd, st;

	(void)state;
	orphan = held_by_orphan(gone, 300);
	fd = instlock_take(dir, "eth9", 5000, &prev, msg, sizeof(msg));
	assert_true(fd >= 0);
	assert_int_equal(prev.pid, (int)gone);
	assert_true(prev.waited_ms > 0);
	assert_true(prev.waited_ms < 5000);
	assert_int_equal(waitpid(orphan, &st, 0), orphan);
	assert_int_equal(st, 0);
	close(fd);
}

static void
test_orphan_outlasts_wait(void **state)
{
	struct instlock_prev prev;
	pid_t gone = dead_pid(), orphan;
	char msg[512];

	(void)state;
	orphan = held_by_orphan(gone, 1500);
	assert_int_equal(instlock_take(dir, "eth9", 200, &prev, msg, sizeof(msg)), -EBUSY);
	assert_int_equal(prev.pid, (int)gone);
	assert_true(prev.waited_ms >= 200);
	assert_non_null(strstr(msg, "still running"));
	assert_int_equal(waitpid(orphan, NULL, 0), orphan);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_free_then_live_holder, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_orphan_waited_for, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_orphan_outlasts_wait, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
