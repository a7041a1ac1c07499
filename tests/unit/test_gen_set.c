/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sets of generated files (dataplane/gen_set.c): copies kept, the bounds
 * (RB_GEN_MAX_FILES, RB_GEN_MAX_BYTES) and what happens past them, and the
 * generation gen_set_apply() makes on a small tree: new names, replaced
 * ones, a name sent twice, names the tree will not give up, an empty set,
 * and allocation failures with an allocator that counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#include "channel.h"
#include "gen_set.h"

static char dir[64];

struct counter {
	long live, attempts, fail_at;
};

static void *
c_alloc(size_t size, size_t align, void *arg)
{
	struct counter *c = arg;
	void *p;

	if (c->fail_at >= 0 && c->attempts++ >= c->fail_at)
		return NULL;
	if (align < sizeof(void *))
		align = sizeof(void *);
	if (posix_memalign(&p, align, size ? size : 1))
		return NULL;
	c->live++;
	return p;
}

static void
c_free(void *p, void *arg)
{
	struct counter *c = arg;

	if (p)
		c->live--;
	free(p);
}

static struct counter cnt = {.fail_at = -1};
static const struct ic_alloc counting = {c_alloc, c_free, &cnt};

static void
put(const char *rel, const char *data)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

/* The tree: pxelinux.0, boot/x, pxelinux.cfg/default (an operator's). */
static int
setup(void **state)
{
	char p[256];

	(void)state;
	strcpy(dir, "/tmp/rb_gs.XXXXXX");
	assert_non_null(mkdtemp(dir));
	put("pxelinux.0", "loader");
	snprintf(p, sizeof(p), "%s/boot", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	put("boot/x", "kernel");
	snprintf(p, sizeof(p), "%s/pxelinux.cfg", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	put("pxelinux.cfg/default", "the operator's menu");
	return 0;
}

static int
rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)ftw;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct image_cache *
load(void)
{
	char msg[256];
	struct image_cache *ic = ic_load(dir, UINT64_MAX, &counting, NULL, msg, sizeof(msg));

	if (!ic)
		fail_msg("%s", msg);
	return ic;
}

static void
serves(const struct image_cache *ic, const char *name, const char *data)
{
	const struct ic_file *f;

	assert_int_equal(ic_lookup(ic, name, &f), 0);
	assert_int_equal(f->size, strlen(data));
	assert_memory_equal(f->data, data, strlen(data));
}

static void
test_copies(void **state)
{
	struct image_cache *b, *d;
	struct gen_apply_stats st;
	struct gen_set s, t;
	char buf[16];

	(void)state;
	gen_set_init(&s);
	gen_set_init(&t);
	strcpy(buf, "menu one");
	assert_int_equal(gen_set_add(&s, "pxelinux.cfg/default", buf, strlen(buf)), 0);
	strcpy(buf, "CHANGED!"); /* the message buffer is reused: the set has its copy */
	assert_int_equal(gen_set_add(&s, "empty", "", 0), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.bytes, 8);
	assert_int_equal(s.offered, 2);
	assert_false(s.over);
	assert_int_equal(gen_set_add(&t, "old", "x", 1), 0);
	gen_set_move(&t, &s);
	assert_int_equal(s.n, 0);
	assert_null(s.files);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.bytes, 8);
	b = load();
	d = gen_set_apply(&t, b, &counting, &st);
	assert_non_null(d);
	serves(d, "pxelinux.cfg/default", "menu one");
	serves(d, "empty", "");
	serves(d, "pxelinux.0", "loader");
	serves(b, "pxelinux.cfg/default", "the operator's menu");
	assert_int_equal(st.added, 2);
	assert_int_equal(st.skipped, 0);
	gen_set_clear(&t);
	serves(d, "pxelinux.cfg/default", "menu one"); /* the generation has its own copy */
	ic_put(b);
	ic_put(d);
	assert_int_equal(cnt.live, 0);
}

/* Past RB_GEN_MAX_FILES: refused, the set over, nothing more kept. */
static void
test_max_files(void **state)
{
	struct gen_set s;
	char name[32];
	int i;

	(void)state;
	gen_set_init(&s);
	for (i = 0; i < RB_GEN_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "ipxe/%06d.ipxe", i);
		assert_int_equal(gen_set_add(&s, name, "#!ipxe\n", 7), 0);
	}
	assert_false(s.over);
	assert_int_equal(gen_set_add(&s, "one-more", "x", 1), -E2BIG);
	assert_true(s.over);
	assert_int_equal(s.n, RB_GEN_MAX_FILES);
	assert_int_equal(s.offered, RB_GEN_MAX_FILES + 1);
	gen_set_clear(&s);
	assert_false(s.over);
	assert_int_equal(s.n, 0);
	assert_int_equal(gen_set_add(&s, "again", "x", 1), 0);
	gen_set_clear(&s);
}

/* Past RB_GEN_MAX_BYTES: exactly the limit is kept, one byte more is not,
 * and once over, not even a small file is kept. */
static void
test_max_bytes(void **state)
{
	char *big = calloc(1, RB_GEN_MAX_BYTES);
	struct gen_set s;

	(void)state;
	assert_non_null(big);
	gen_set_init(&s);
	assert_int_equal(gen_set_add(&s, "a", big, RB_GEN_MAX_BYTES - 10), 0);
	assert_int_equal(gen_set_add(&s, "b", big, 11), -E2BIG);
	assert_true(s.over);
	assert_int_equal(gen_set_add(&s, "c", big, 1), -E2BIG);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.offered_bytes, RB_GEN_MAX_BYTES - 10 + 11 + 1);
	gen_set_clear(&s);
	assert_int_equal(gen_set_add(&s, "a", big, RB_GEN_MAX_BYTES - 10), 0);
	assert_int_equal(gen_set_add(&s, "b", big, 10), 0);
	assert_int_equal(s.bytes, RB_GEN_MAX_BYTES);
	assert_false(s.over);
	assert_int_equal(gen_set_add(&s, "e", "", 0), 0); /* no bytes: still room */
	gen_set_clear(&s);
	free(big);
}

static void
test_apply(void **state)
{
	struct image_cache *b = load(), *d;
	struct gen_apply_stats st;
	struct gen_set s;

	(void)state;
	gen_set_init(&s);
	/* an empty set: the base itself, one more reference */
	d = gen_set_apply(&s, b, &counting, &st);
	assert_ptr_equal(d, b);
	ic_put(d);
	assert_int_equal(gen_set_add(&s, "pxelinux.cfg/default", "first", 5), 0);
	assert_int_equal(gen_set_add(&s, "boot", "a directory in the tree", 23), 0);
	assert_int_equal(gen_set_add(&s, "grub/hosts/52-54-00-00-00-01.cfg", "host", 4), 0);
	assert_int_equal(gen_set_add(&s, "pxelinux.0/x", "under a file", 12), 0);
	assert_int_equal(gen_set_add(&s, "pxelinux.cfg/default", "second", 6), 0);
	assert_int_equal(gen_set_add(&s, "../up", "x", 1), 0);
	d = gen_set_apply(&s, b, &counting, &st);
	assert_non_null(d);
	assert_ptr_not_equal(d, b);
	serves(d, "pxelinux.cfg/default", "second"); /* the later one wins */
	serves(d, "grub/hosts/52-54-00-00-00-01.cfg", "host");
	serves(d, "boot/x", "kernel");
	serves(d, "pxelinux.0", "loader");
	serves(b, "pxelinux.cfg/default", "the operator's menu");
	assert_int_equal(st.added, 3);
	assert_int_equal(st.skipped, 3);
	assert_string_equal(st.first, "boot");
	assert_int_equal(st.first_err, -EISDIR);
	ic_put(b); /* d holds the base */
	serves(d, "boot/x", "kernel");
	ic_put(d);
	assert_int_equal(cnt.live, 0);

	/* every allocation in turn fails: NULL, ENOMEM, nothing left */
	b = load();
	cnt.attempts = 0;
	cnt.fail_at = LONG_MAX;
	d = gen_set_apply(&s, b, &counting, &st);
	ic_put(d);
	for (long n = 0, total = cnt.attempts; n < total; n++) {
		long live = cnt.live;

		cnt.attempts = 0;
		cnt.fail_at = n;
		errno = 0;
		assert_null(gen_set_apply(&s, b, &counting, &st));
		assert_int_equal(errno, ENOMEM);
		assert_int_equal(cnt.live, live);
	}
	cnt.fail_at = -1;
	ic_put(b);
	assert_int_equal(cnt.live, 0);
	gen_set_clear(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_copies),
	    cmocka_unit_test(test_max_files),
	    cmocka_unit_test(test_max_bytes),
	    cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
