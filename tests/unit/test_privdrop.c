/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_privdrop.c: control/privdrop.c. The drop itself is irreversible, so
 * it runs in a forked child, which reports what it sees by its exit
 * status. As root the child becomes "nobody" and checks its ids, its
 * capabilities, another thread's, and that root cannot come back; as
 * anyone else the drop must fail and say why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privdrop.h"

static void
test_lookup(void **state)
{
	struct priv_user u;
	char msg[512] = "";

	(void)state;
	assert_int_equal(priv_lookup("root", &u, msg, sizeof(msg)), 0);
	assert_string_equal(u.name, "root");
	assert_int_equal(u.uid, 0);
	assert_false(u.drop);
	assert_int_equal(priv_lookup("nobody", &u, msg, sizeof(msg)), 0);
	assert_int_equal(u.uid, 65534);
	assert_true(u.drop);
	assert_int_equal(priv_lookup("rb-no-such-user", &u, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "server.user: no user 'rb-no-such-user'; create it (adduser "
				    "--system --group --home /var/lib/rackboot rb-no-such-user"));
	/* Not dropping does nothing. */
	assert_int_equal(priv_lookup("root", &u, msg, sizeof(msg)), 0);
	assert_int_equal(priv_drop(&u, msg, sizeof(msg)), 0);
	assert_int_equal(geteuid() == 0, getuid() == 0);
}

/* The capability sets of thread tid (0: this one), from /proc. */
static uint64_t
cap_field(pid_t tid, const char *key)
{
	char path[64], line[256];
	unsigned long long v = ~0ull;
	size_t n = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid ? tid : (int)gettid());
	f = fopen(path, "r");
	if (!f)
		return ~0ull;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			sscanf(line + n + 1, "%llx", &v);
	fclose(f);
	return v;
}

static pid_t other_tid;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int phase;

/* A thread that exists before the drop (as HTTP's and the power
 * workers' do), and waits until the test is done with it. */
static void *
other_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	other_tid = gettid();
	phase = 1;
	pthread_cond_broadcast(&cv);
	while (phase != 2)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* The child: exit 0 when everything holds, else the number of the first
 * check that failed (its line is printed). */
#define CHILD_CHECK(n, cond)                                                                       \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "check %d failed: %s\n", n, #cond);                        \
			_exit(n);                                                                  \
		}                                                                                  \
	} while (0)

static void
child_as_root(const char *dir)
{
	const uint64_t two = (1ull << CAP_NET_ADMIN) | (1ull << CAP_KILL);
	struct priv_user u;
	char msg[512];
	pthread_t t;

	CHILD_CHECK(1, priv_lookup("nobody", &u, msg, sizeof(msg)) == 0);
	CHILD_CHECK(2, pthread_create(&t, NULL, other_thread, NULL) == 0);
	pthread_mutex_lock(&mu);
	while (phase != 1)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	if (priv_drop(&u, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "%s\n", msg);
		_exit(3);
	}
	CHILD_CHECK(4, getuid() == 65534 && geteuid() == 65534);
	CHILD_CHECK(5, getgid() == u.gid && getegid() == u.gid);
	CHILD_CHECK(6, getgroups(0, NULL) == 1);
	CHILD_CHECK(7, cap_field(0, "CapEff") == two);
	CHILD_CHECK(8, cap_field(0, "CapPrm") == two);
	CHILD_CHECK(9, cap_field(0, "CapInh") == 0 && cap_field(0, "CapAmb") == 0);
	CHILD_CHECK(10, cap_field(0, "CapBnd") == two);
	/* The other thread changed uid too (glibc) and kept nothing. */
	CHILD_CHECK(11, cap_field(other_tid, "CapEff") == 0 && cap_field(other_tid, "CapPrm") == 0);
	/* Root does not come back, in this thread or by the library. */
	CHILD_CHECK(12, syscall(SYS_setresuid, 0, 0, 0) != 0 && errno == EPERM);
	CHILD_CHECK(13, setuid(0) != 0 && getuid() == 65534);
	CHILD_CHECK(14, syscall(SYS_setgroups, 0, NULL) != 0);
	/* A root-only directory is out of reach now, and the message says so. */
	CHILD_CHECK(15,
		    priv_can_reach("http.root", dir, R_OK, u.name, msg, sizeof(msg)) == -EACCES);
	CHILD_CHECK(16, strstr(msg, "http.root ") && strstr(msg, ": user nobody cannot read it: "));
	/* ... while what anyone may read is within it. */
	CHILD_CHECK(17,
		    priv_can_reach("config", "/etc/hostname", R_OK, u.name, msg, sizeof(msg)) == 0);
	pthread_mutex_lock(&mu);
	phase = 2;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(t, NULL);
	_exit(0);
}

static void
test_drop(void **state)
{
	char dir[] = "/tmp/rb-test-privdrop.XXXXXX", msg[512] = "";
	struct priv_user u;
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		/* Only root can become someone else: the drop fails and says
		 * which step and why. */
		assert_int_equal(priv_lookup("nobody", &u, msg, sizeof(msg)), 0);
		assert_true(priv_drop(&u, msg, sizeof(msg)) < 0);
		assert_non_null(strstr(msg, "cannot become user nobody: "));
		return;
	}
	assert_non_null(mkdtemp(dir)); /* 0700 root */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_as_root(dir);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	rmdir(dir);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("the dropped child failed check %d",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_drop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
