/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * util/: the hash against the published FNV-1a test values for both
 * widths; path normalisation as HTTP and TFTP use it; opening beneath a
 * root made under mkdtemp() (a file, ".." and absolute symlinks out of the
 * root, a symlink that stays inside), both with openat2() and through the
 * realpath() fallback.
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

#include "fs_beneath.h"
#include "hash.h"
#include "ratelimit.h"

/* ---- hash ---------------------------------------------------------------- */

static void
test_hash32(void **state)
{
	(void)state;
	/* Published FNV-1a 32 values (Noll's test suite). */
	assert_int_equal(rb_hash32(NULL, 0), 0x811c9dc5u);
	assert_int_equal(rb_hash32("a", 1), 0xe40c292cu);
	assert_int_equal(rb_hash32("foobar", 6), 0xbf9cf968u);
	/* Every byte counts, a NUL included. */
	assert_int_not_equal(rb_hash32("a\0", 2), rb_hash32("a", 1));
}

static void
test_hash64(void **state)
{
	(void)state;
	assert_true(rb_hash64(NULL, 0) == 0xcbf29ce484222325ull);
	assert_true(rb_hash64("a", 1) == 0xaf63dc4c8601ec8cull);
	assert_true(rb_hash64("foobar", 6) == 0x85944171f73967e8ull);
	assert_true(rb_hash64("a\0", 2) != rb_hash64("a", 1));
}

/* ---- rb_path_normalize --------------------------------------------------- */

struct norm_vec {
	const char *in;
	unsigned flags;
	int ret;
	const char *out;
};

#define BS RB_PATH_BACKSLASH
#define NC RB_PATH_NO_CTRL

/* The reference vectors of the SipHash paper (appendix A and its
 * vectors.h): key 00..0f, messages 00..(n-1). */
static void
test_siphash(void **state)
{
	uint8_t k[16], m[64], k2[16];
	unsigned same = 0;

	(void)state;
	for (unsigned i = 0; i < 16; i++)
		k[i] = (uint8_t)i;
	for (unsigned i = 0; i < 64; i++)
		m[i] = (uint8_t)i;
	assert_true(rb_siphash24(k, m, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(rb_siphash24(k, m, 15) == 0xa129ca6149be45e5ull);
	/* Another key, other values. */
	memcpy(k2, k, sizeof(k2));
	k2[0] ^= 1;
	assert_true(rb_siphash24(k2, m, 15) != rb_siphash24(k, m, 15));
	/* The process key: the same input hashes the same within a run. */
	assert_int_equal(rb_hash32_keyed(m, 16), rb_hash32_keyed(m, 16));
	/* ...and it is not FNV: at most chance agreement over many inputs. */
	for (unsigned i = 0; i < 64; i++)
		same += rb_hash32_keyed(m, i) == rb_hash32(m, i);
	assert_true(same < 2);
}

static void
test_normalize(void **state)
{
	static const struct norm_vec v[] = {
	    {"", 0, 0, ""},
	    {"/", 0, 0, ""},
	    {"a", 0, 1, "a"},
	    {"/a/b/", 0, 3, "a/b"},
	    {"//a//./b", 0, 3, "a/b"},
	    {"./.", 0, 0, ""},
	    {"/.a/..b/...", 0, 10, ".a/..b/..."},
	    {"/a/../b", 0, -EINVAL, ""},
	    {"..", 0, -EINVAL, ""},
	    {"a/..", 0, -EINVAL, ""},
	    {"a\\b", 0, -EINVAL, ""},
	    {"a\\b", BS, 3, "a/b"},
	    {"\\\\a\\.\\b\\", BS, 3, "a/b"},
	    {"a\\..\\b", BS, -EINVAL, ""},
	    {"a\x01"
	     "b",
	     0, 3,
	     "a\x01"
	     "b"},
	    {"a\x01"
	     "b",
	     NC, -EINVAL, ""},
	    {"a\x7f", NC, -EINVAL, ""},
	    {"\xc3\xa9", NC, 2, "\xc3\xa9"},
	};
	char out[32];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(out, 'X', sizeof(out));
		r = rb_path_normalize(v[i].in, strlen(v[i].in), out, sizeof(out), v[i].flags);
		if (r != v[i].ret)
			fail_msg("\"%s\" (%u): got %d, want %d", v[i].in, v[i].flags, r, v[i].ret);
		if (strcmp(out, v[i].out) != 0)
			fail_msg("\"%s\": got \"%s\", want \"%s\"", v[i].in, out, v[i].out);
	}
}

static void
test_normalize_edges(void **state)
{
	char out[4];

	(void)state;
	/* A NUL inside the given length is refused, whatever the flags. */
	assert_int_equal(rb_path_normalize("a\0b", 3, out, sizeof(out), BS | NC), -EINVAL);
	/* Only len bytes are read. */
	assert_int_equal(rb_path_normalize("ab/..", 2, out, sizeof(out), 0), 2);
	assert_string_equal(out, "ab");
	/* "abc" needs 4 bytes with its NUL. */
	assert_int_equal(rb_path_normalize("abc", 3, out, sizeof(out), 0), 3);
	assert_int_equal(rb_path_normalize("abcd", 4, out, sizeof(out), 0), -ENAMETOOLONG);
	assert_string_equal(out, "");
	assert_int_equal(rb_path_normalize("a/bc", 4, out, sizeof(out), 0), -ENAMETOOLONG);
	/* Dropped parts do not count against the limit... */
	assert_int_equal(rb_path_normalize("a/./././b/", 10, out, sizeof(out), 0), 3);
	assert_string_equal(out, "a/b");
	/* ...and a refusal wins over the length. */
	assert_int_equal(rb_path_normalize("abcdef/..", 9, out, sizeof(out), 0), -EINVAL);
	assert_int_equal(rb_path_normalize("", 0, out, 0, 0), -ENAMETOOLONG);
	assert_int_equal(rb_path_normalize("/", 1, out, 1, 0), 0);
}

/* ---- rb_beneath ---------------------------------------------------------- */

static char base[64];

static const char *
path(const char *rel)
{
	static char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return p;
}

static void
put_file(const char *rel, const char *text)
{
	FILE *f = fopen(path(rel), "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int
setup_tree(void **state)
{
	char secret[PATH_MAX];

	(void)state;
	strcpy(base, "/tmp/rb_util_XXXXXX");
	if (!mkdtemp(base))
		return -1;
	/* base/root is the root; base/secret sits beside it. */
	if (mkdir(path("root"), 0755) || mkdir(path("root/d"), 0755))
		return -1;
	put_file("secret", "secret\n");
	put_file("root/d/file", "inside\n");
	snprintf(secret, sizeof(secret), "%s", path("secret")); /* path() reuses its buffer */
	if (symlink("../../secret", path("root/d/up")) || symlink(secret, path("root/abs")) ||
	    symlink("d/file", path("root/in")) || symlink("/", path("root/slash")))
		return -1;
	return 0;
}

static int
teardown_tree(void **state)
{
	static const char *const rels[] = {"root/slash",  "root/in", "root/abs", "root/d/up",
					   "root/d/file", "secret",  "root/d",	 "root"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rels) / sizeof(rels[0]); i++)
		remove(path(rels[i]));
	return rmdir(base);
}

/* Reads what fd holds into buf; closes fd. */
static const char *
slurp(int fd, char *buf, size_t cap)
{
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, cap - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void
check_beneath(const struct rb_beneath *b)
{
	char buf[64];
	struct stat st;
	int fd;

	assert_string_equal(slurp(rb_beneath_open(b, "d/file", O_RDONLY), buf, sizeof(buf)),
			    "inside\n");
	assert_string_equal(slurp(rb_beneath_open(b, "in", O_RDONLY), buf, sizeof(buf)),
			    "inside\n");
	/* The root itself. */
	fd = rb_beneath_open(b, "", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	close(fd);
	/* Out of the root: by "..", by a relative symlink, an absolute one. */
	assert_int_equal(rb_beneath_open(b, "../secret", O_RDONLY), -EXDEV);
	assert_int_equal(rb_beneath_open(b, "d/../../secret", O_RDONLY), -EXDEV);
	assert_int_equal(rb_beneath_open(b, "d/up", O_RDONLY), -EXDEV);
	assert_int_equal(rb_beneath_open(b, "abs", O_RDONLY), -EXDEV);
	assert_int_equal(rb_beneath_open(b, "slash", O_RDONLY | O_DIRECTORY), -EXDEV);
	assert_int_equal(rb_beneath_open(b, "missing", O_RDONLY), -ENOENT);
}

static void
test_beneath_openat2(void **state)
{
	struct rb_beneath b;

	(void)state;
	assert_int_equal(rb_beneath_init(&b, path("root")), 0);
	if (b.root_real)
		skip(); /* no openat2() here: the fallback test covers it */
	check_beneath(&b);
	rb_beneath_close(&b);
	assert_int_equal(b.root_fd, -1);
}

/* The realpath() fallback, forced as when openat2() is unavailable. */
static void
test_beneath_realpath(void **state)
{
	struct rb_beneath b;

	(void)state;
	assert_int_equal(rb_beneath_init(&b, path("root")), 0);
	if (!b.root_real)
		assert_non_null(b.root_real = realpath(path("root"), NULL));
	check_beneath(&b);
	rb_beneath_close(&b);
	assert_null(b.root_real);
}

static void
test_beneath_init_errors(void **state)
{
	struct rb_beneath b;

	(void)state;
	assert_int_equal(rb_beneath_init(&b, path("nope")), -ENOENT);
	assert_int_equal(b.root_fd, -1);
	assert_int_equal(rb_beneath_init(&b, path("secret")), -ENOTDIR);
	assert_int_equal(b.root_fd, -1);
	rb_beneath_close(&b); /* harmless after a failure */
}

/*
 * The rate limiter: one key over its limit is limited; a flood from random
 * keys in the same second (a DISCOVER flood from random MACs, 200,000 of
 * them: about 3 a slot) leaves a real key nearly its whole budget (less
 * the few flood requests its slots share). With one slot a key and the
 * 4096 slots DHCP had, every slot saw about 49 and the real client was
 * limited from its first request.
 */
static void
test_rate_flood(void **state)
{
	struct rb_rate r;
	uint8_t key[8] = {0x52, 0x54, 0, 0, 0, 1, 0, 0};
	uint32_t i, ok = 0, flood_ok = 0;

	(void)state;
	assert_int_equal(rb_rate_init(&r, 65536), 0);
	assert_int_equal(r.mask, 65535);
	for (i = 0; i < 20; i++)
		assert_true(rb_rate_ok(&r, key, sizeof(key), 7, 20));
	assert_false(rb_rate_ok(&r, key, sizeof(key), 7, 20));
	assert_true(rb_rate_ok(&r, key, sizeof(key), 8, 20)); /* a new second */
	for (i = 0; i < 200000; i++) {
		uint64_t k = 0x0200000000000000ull | i;

		flood_ok += rb_rate_ok(&r, &k, sizeof(k), 9, 20);
	}
	assert_int_equal(flood_ok, 200000); /* one each: none over */
	key[5] = 2;
	for (i = 0; i < 20; i++)
		ok += rb_rate_ok(&r, key, sizeof(key), 9, 20);
	/* Its slots carry the few flood requests that share them (about 3). */
	print_message("a real key during the flood: %u of 20 allowed\n", ok);
	assert_true(ok >= 14);
	assert_true(rb_rate_ok(&r, key, sizeof(key), 9, 0)); /* 0: no limit */
	rb_rate_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash32),	     cmocka_unit_test(test_hash64),
	    cmocka_unit_test(test_siphash),	     cmocka_unit_test(test_normalize),
	    cmocka_unit_test(test_normalize_edges),  cmocka_unit_test(test_beneath_openat2),
	    cmocka_unit_test(test_beneath_realpath), cmocka_unit_test(test_beneath_init_errors),
	    cmocka_unit_test(test_rate_flood),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
