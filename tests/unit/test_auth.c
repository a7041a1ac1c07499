/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_auth.c: the API token file (control/api/auth.c): made once with the
 * right form and mode, then read back; every file that is not plainly
 * ours and private is refused with its path and the reason; and the
 * Bearer check.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/auth.h"

#define GOOD "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static char dir[64];

static void
path_of(char *buf, size_t cap, const char *rel)
{
	assert_true((size_t)snprintf(buf, cap, "%s/%s", dir, rel) < cap);
}

static void
write_mode(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0); /* whatever the umask says */
	close(fd);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rb-test-auth.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The first start makes the file (and its directory); later ones read it. */
static void
test_create(void **state)
{
	char path[PATH_MAX], sub[PATH_MAX], tok[API_TOKEN_LEN + 1], again[API_TOKEN_LEN + 1],
	    err[256] = "", file[80];
	struct stat st;
	ssize_t n;
	int fd;

	(void)state;
	path_of(sub, sizeof(sub), "state");
	path_of(path, sizeof(path), "state/api.token");
	assert_int_equal(api_token_load(path, geteuid(), getegid(), tok, err, sizeof(err)), 1);
	assert_int_equal(strlen(tok), API_TOKEN_LEN);
	assert_int_equal(strspn(tok, "0123456789abcdef"), API_TOKEN_LEN);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, file, sizeof(file));
	close(fd);
	assert_int_equal(n, API_TOKEN_LEN + 1);
	assert_memory_equal(file, tok, API_TOKEN_LEN);
	assert_int_equal(file[API_TOKEN_LEN], '\n');

	assert_int_equal(api_token_load(path, geteuid(), getegid(), again, err, sizeof(err)), 0);
	assert_string_equal(again, tok);
	/* No temporary file is left beside it. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(sub), 0);

	/* Two tokens made are not the same. */
	assert_int_equal(api_token_load(path, geteuid(), getegid(), tok, err, sizeof(err)), 1);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(api_token_load(path, geteuid(), getegid(), again, err, sizeof(err)), 1);
	assert_string_not_equal(tok, again);
	unlink(path);
	rmdir(sub);

	/* A file written by hand, without the newline, is read as well. */
	path_of(path, sizeof(path), "hand.token");
	write_mode(path, GOOD, 0600);
	assert_int_equal(api_token_load(path, geteuid(), getegid(), tok, err, sizeof(err)), 0);
	assert_string_equal(tok, GOOD);
	unlink(path);
}

static void
expect_refused(const char *path, int rc, const char *want)
{
	char tok[API_TOKEN_LEN + 1], err[512] = "";
	int got = api_token_load(path, geteuid(), getegid(), tok, err, sizeof(err));

	if (got != rc || strncmp(err, path, strlen(path)) || !strstr(err, want))
		fail_msg("%s: got %d '%s', want %d '...%s...'", path, got, err, rc, want);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "xyz\n",
	    GOOD "\n\n",
	    GOOD "0\n",
	    "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\n",
	    "0011223344556677 8899aabbccddeeff00112233445566778899aabbccddeeff\n",
	};
	char path[PATH_MAX], target[PATH_MAX], d[PATH_MAX];
	size_t i;

	(void)state;
	path_of(path, sizeof(path), "t");
	write_mode(path, GOOD "\n", 0644);
	expect_refused(path, -EPERM,
		       "mode 0644 lets others read or change the API token; chmod 600 ");
	write_mode(path, GOOD "\n", 0640);
	expect_refused(path, -EPERM, "mode 0640");
	write_mode(path, GOOD "\n", 0601);
	expect_refused(path, -EPERM, "mode 0601");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_mode(path, bad[i], 0600);
		expect_refused(path, -EINVAL, "does not hold an API token");
	}

	/* A symlink, even to a good file, and a dangling one. */
	path_of(target, sizeof(target), "real");
	write_mode(target, GOOD "\n", 0600);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
	expect_refused(path, -ELOOP, "is a symbolic link");
	unlink(target);
	expect_refused(path, -ELOOP, "is a symbolic link");
	unlink(path);

	/* Not a regular file. */
	path_of(d, sizeof(d), "adir");
	assert_int_equal(mkdir(d, 0700), 0);
	expect_refused(d, -EINVAL, "is not a regular file");
	rmdir(d);
	assert_int_equal(mkfifo(path, 0600), 0);
	expect_refused(path, -EINVAL, "is not a regular file");
	unlink(path);

	/* Owned by someone else. Only root can give a file away; as anyone
	 * else the file we make is ours, so check that chown is refused. */
	write_mode(path, GOOD "\n", 0600);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		expect_refused(path, -EPERM,
			       "(uid 65534), not by root (uid 0) that rackboot runs as");
		expect_refused(path, -EPERM, "chown root ");
	} else {
		assert_int_equal(chown(path, 0, 0), -1);
	}
	unlink(path);

	/* A relative path, and a directory that cannot be made. */
	expect_refused("api.token", -EINVAL, "is not an absolute path");
	path_of(path, sizeof(path), "no/such/dir/api.token");
	expect_refused(path, -ENOENT, "cannot create its directory");
}

/* Made by root for the service user: the file and its new directory are
 * that user's, and the next start, checking for that user, takes it. */
static void
test_for_user(void **state)
{
	char path[PATH_MAX], sub[PATH_MAX], tok[API_TOKEN_LEN + 1], again[API_TOKEN_LEN + 1],
	    err[512] = "";
	struct stat st;

	(void)state;
	path_of(sub, sizeof(sub), "svc");
	path_of(path, sizeof(path), "svc/api.token");
	if (geteuid() != 0) {
		/* Only root can make a file for someone else. */
		assert_true(api_token_load(path, 65534, 65534, tok, err, sizeof(err)) < 0);
		return;
	}
	assert_int_equal(api_token_load(path, 65534, 65534, tok, err, sizeof(err)), 1);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_gid, 65534);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(api_token_load(path, 65534, 65534, again, err, sizeof(err)), 0);
	assert_string_equal(again, tok);
	/* The same file is not root's. */
	assert_int_equal(api_token_load(path, 0, 0, again, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "chown root "));
	unlink(path);
	rmdir(sub);
}

static void
test_check(void **state)
{
	(void)state;
	assert_true(api_token_check(GOOD, "Bearer " GOOD));
	assert_true(api_token_check(GOOD, "bearer " GOOD));
	assert_true(api_token_check(GOOD, "BEARER \t " GOOD));
	assert_false(api_token_check(GOOD, NULL));
	assert_false(api_token_check(GOOD, ""));
	assert_false(api_token_check(GOOD, GOOD));
	assert_false(api_token_check(GOOD, "Bearer"));
	assert_false(api_token_check(GOOD, "Bearer "));
	assert_false(api_token_check(GOOD, "Bearer" GOOD));
	assert_false(api_token_check(GOOD, "Basic " GOOD));
	assert_false(api_token_check(GOOD, "Bearer " GOOD "0"));
	assert_false(api_token_check(GOOD, "Bearer " GOOD " "));
	assert_false(api_token_check(GOOD, "Bearer 1" GOOD + 1));
	assert_false(api_token_check(GOOD, "Bearer 00112233445566778899aabbccddeeff"
					   "00112233445566778899aabbccddeefe"));
	assert_false(api_token_check(GOOD, "Bearer 00112233445566778899AABBCCDDEEFF"
					   "00112233445566778899AABBCCDDEEFF"));
	assert_false(api_token_check(NULL, "Bearer " GOOD));
	assert_false(api_token_check("short", "Bearer short"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_for_user),
	    cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests_name("auth", tests, setup, teardown);
}
