/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TFTP image cache (dataplane/image_cache.c) on real trees made under
 * a mkdtemp() directory: what a load indexes and skips (symlinks in and
 * out of the root, a FIFO, bad names, depth, max_bytes), name
 * normalisation as clients send names, virtual files, derived generations
 * (the base's files shared, its memory freed after the last derived one),
 * reference counts and allocation failures with allocators that count
 * (one per generation), log-safe names, and
 * checksum ranges against a direct sum for every range of a small file and
 * random ranges of larger ones.
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

#include "image_cache.h"

#define BIG_SIZE (3u * 1024 * 1024)
#define MB_SIZE (1u * 1024 * 1024)
#define LONG_DIR 150

static char base[64];
static uint8_t *pxe, *big;
static const char boot_x[] = "boot x contents\n";
static const char deep_c[] = "deep\n";

/* Counts what is live; refuses every allocation from the fail_at-th on. */
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
/* Derived generations allocate from their own, so the tests can tell
 * whose memory is live. */
static struct counter cnt2 = {.fail_at = -1};
static const struct ic_alloc counting2 = {c_alloc, c_free, &cnt2};

/* --- the trees --------------------------------------------------------------- */

static const char *
path(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", base, rel);
	return buf;
}

static void
put(const char *rel, const void *data, size_t len)
{
	int fd = open(path(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void
mkd(const char *rel)
{
	assert_int_equal(mkdir(path(rel), 0755), 0);
}

static void
lnk(const char *target, const char *rel)
{
	assert_int_equal(symlink(target, path(rel)), 0);
}

static uint8_t *
random_bytes(size_t len)
{
	uint8_t *p = malloc(len);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(random() >> 7);
	return p;
}

static int
rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)ftw;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

static int
setup(void **state)
{
	char name[512];
	int i;

	(void)state;
	srandom(1);
	strcpy(base, "/tmp/rb_ic.XXXXXX");
	assert_non_null(mkdtemp(base));
	put("outside", "secret", 6);
	/* root: the main tree */
	mkd("root");
	pxe = random_bytes(512);
	big = random_bytes(BIG_SIZE);
	put("root/pxelinux.0", pxe, 512);
	put("root/empty", "", 0);
	put("root/big.img", big, BIG_SIZE);
	mkd("root/boot");
	put("root/boot/x", boot_x, strlen(boot_x));
	mkd("root/boot/deep");
	mkd("root/boot/deep/a");
	mkd("root/boot/deep/a/b");
	put("root/boot/deep/a/b/c.txt", deep_c, strlen(deep_c));
	lnk("boot/x", "root/link_in");
	lnk("/etc/passwd", "root/passwd");
	lnk("../outside", "root/out");
	lnk("nope", "root/dangling");
	lnk("boot", "root/bootlink");
	lnk(".", "root/self");
	assert_int_equal(mkfifo(path("root/fifo"), 0644), 0);
	put("root/bad\\name", "b", 1);
	put("root/nl\nname", "n", 1);
	/* LLL... is indexed, LLL.../MMM... is too long a path */
	strcpy(name, "root/");
	memset(name + 5, 'L', LONG_DIR);
	name[5 + LONG_DIR] = '\0';
	mkd(name);
	name[5 + LONG_DIR] = '/';
	memset(name + 6 + LONG_DIR, 'M', LONG_DIR);
	name[6 + 2 * LONG_DIR] = '\0';
	put(name, "m", 1);
	/* deep: 18 nested "d", a file "f" in each */
	strcpy(name, "deep");
	mkd(name);
	for (i = 0; i < 18; i++) {
		strcat(name, "/d");
		mkd(name);
		strcat(name, "/f");
		put(name, "f", 1);
		name[strlen(name) - 2] = '\0';
	}
	/* limit: for max_bytes */
	mkd("limit");
	put("limit/a", big, 600);
	put("limit/b", big, 600);
	put("limit/c", big, 100);
	put("limit/z", "", 0);
	mkd("void");
	/* two roots for one namespace, and a file served on its own */
	mkd("nsA");
	put("nsA/common", "A", 1);
	put("nsA/pxelinux.0", "A-pxe", 5);
	mkd("nsA/sub");
	put("nsA/sub/f", "Asub", 4);
	mkd("nsB");
	put("nsB/common", "B", 1);
	put("nsB/only-b", "b", 1);
	put("single.bin", "single", 6);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(pxe);
	free(big);
	return nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct image_cache *
load(const char *rel, uint64_t max_bytes, struct ic_stats *st)
{
	char msg[256];
	struct image_cache *ic = ic_load(path(rel), max_bytes, &counting, st, msg, sizeof(msg));

	if (!ic)
		fail_msg("%s", msg);
	return ic;
}

static void
done(struct image_cache *ic)
{
	ic_put(ic);
	assert_int_equal(cnt.live, 0);
}

/* name finds a file of exactly these contents */
static const struct ic_file *
found(const struct image_cache *ic, const char *name, const void *data, size_t len)
{
	const struct ic_file *f;

	assert_int_equal(ic_lookup(ic, name, &f), 0);
	assert_non_null(f);
	assert_int_equal(f->size, len);
	if (len)
		assert_memory_equal(f->data, data, len);
	else
		assert_null(f->data);
	assert_int_equal((uintptr_t)f->data % IC_DATA_ALIGN, 0);
	return f;
}

static void
refused(const struct image_cache *ic, const char *name, int err)
{
	const struct ic_file *f = (const void *)1;

	assert_int_equal(ic_lookup(ic, name, &f), err);
	assert_null(f);
}

/* --- loading ----------------------------------------------------------------- */

static void
test_load_tree(void **state)
{
	struct image_cache *ic;
	struct ic_stats st;
	const struct ic_file *f;

	(void)state;
	ic = load("root", UINT64_MAX, &st);
	assert_int_equal(st.files, 8); /* 5 files; link_in, bootlink/x, bootlink/.../c.txt */
	assert_int_equal(st.aliases, 3);
	assert_int_equal(st.dirs, 9); /* boot and bootlink with 3 below each, LLL... */
	assert_int_equal(st.bytes, 512 + BIG_SIZE + strlen(boot_x) + strlen(deep_c));
	assert_int_equal(st.skipped_outside, 2);
	assert_int_equal(st.skipped_special, 1);
	assert_int_equal(st.skipped_error, 1);
	assert_int_equal(st.skipped_loop, 1);
	assert_int_equal(st.skipped_name, 3);
	assert_int_equal(st.skipped_too_big + st.skipped_deep + st.skipped_limit, 0);
	assert_int_equal(ic_count(ic), 17);

	found(ic, "pxelinux.0", pxe, 512);
	found(ic, "empty", "", 0);
	f = found(ic, "big.img", big, BIG_SIZE);
	assert_string_equal(f->path, "big.img");
	assert_int_equal(f->virt, 0);
	found(ic, "boot/deep/a/b/c.txt", deep_c, strlen(deep_c));
	found(ic, "bootlink/deep/a/b/c.txt", deep_c, strlen(deep_c));
	/* links share the data of the first name, in strcmp() order */
	f = found(ic, "boot/x", boot_x, strlen(boot_x));
	assert_ptr_equal(found(ic, "link_in", boot_x, strlen(boot_x)), f);
	assert_ptr_equal(found(ic, "bootlink/x", boot_x, strlen(boot_x)), f);
	assert_string_equal(f->path, "boot/x");
	assert_int_equal(f->refs, 3);

	refused(ic, "passwd", -ENOENT);
	refused(ic, "out", -ENOENT);
	refused(ic, "dangling", -ENOENT);
	refused(ic, "fifo", -ENOENT);
	refused(ic, "self/boot/x", -ENOENT);
	refused(ic, "bad\\name", -ENOENT); /* reads as bad/name */
	refused(ic, "PXELINUX.0", -ENOENT);
	done(ic);
}

static void
test_load_fails(void **state)
{
	struct ic_stats st;
	char msg[256];

	(void)state;
	errno = 0;
	assert_null(ic_load(path("nowhere"), UINT64_MAX, &counting, &st, msg, sizeof(msg)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(msg, "cannot open root"));
	assert_null(ic_load(path("outside"), UINT64_MAX, &counting, NULL, NULL, 0));
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(cnt.live, 0);
}

static void
test_depth(void **state)
{
	struct image_cache *ic;
	struct ic_stats st;
	char name[64] = "d/f";
	int i;

	(void)state;
	ic = load("deep", UINT64_MAX, &st);
	assert_int_equal(st.dirs, IC_MAX_DEPTH);
	assert_int_equal(st.files, IC_MAX_DEPTH);
	assert_int_equal(st.skipped_deep, 1);
	for (i = 1; i <= 18; i++) {
		if (i <= IC_MAX_DEPTH)
			found(ic, name, "f", 1);
		else
			refused(ic, name, -ENOENT);
		memmove(name + 2, name, strlen(name) + 1); /* d/f -> d/d/f */
	}
	done(ic);
}

static void
test_max_bytes(void **state)
{
	struct image_cache *ic;
	struct ic_stats st;

	(void)state;
	ic = load("limit", 1000, &st); /* a fits, b would not, c does */
	assert_int_equal(st.files, 3);
	assert_int_equal(st.bytes, 700);
	assert_int_equal(st.skipped_too_big, 1);
	found(ic, "a", big, 600);
	refused(ic, "b", -ENOENT);
	found(ic, "c", big, 100);
	found(ic, "z", "", 0);
	done(ic);
	ic = load("limit", 0, &st);
	assert_int_equal(st.files, 1);
	assert_int_equal(st.skipped_too_big, 3);
	done(ic);
}

/* --- several roots ------------------------------------------------------------ */

static struct image_cache *
load_roots(const char *const spec[][2], size_t n, uint64_t max_bytes, struct ic_stats *st)
{
	struct ic_root r[8];
	static char paths[8][4096];
	char msg[256];
	struct image_cache *ic;
	size_t i;

	assert_true(n <= 8);
	for (i = 0; i < n; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s", path(spec[i][1]));
		r[i] = (struct ic_root){.prefix = spec[i][0], .path = paths[i]};
	}
	ic = ic_load_roots(r, n, max_bytes, &counting, st, msg, sizeof(msg));
	if (!ic)
		fail_msg("%s", msg);
	return ic;
}

static void
test_roots_mount(void **state)
{
	static const char *const spec[][2] = {{"", "nsA"}, {"/d-i//amd64/", "nsB"}};
	struct image_cache *ic;
	struct ic_stats st;

	(void)state;
	ic = load_roots(spec, 2, UINT64_MAX, &st);
	found(ic, "pxelinux.0", "A-pxe", 5);
	found(ic, "common", "A", 1);
	found(ic, "sub/f", "Asub", 4);
	found(ic, "d-i/amd64/common", "B", 1);
	assert_string_equal(found(ic, "/d-i/amd64/only-b", "b", 1)->path, "d-i/amd64/only-b");
	refused(ic, "d-i", -EISDIR);
	refused(ic, "d-i/amd64", -EISDIR);
	refused(ic, "only-b", -ENOENT);
	refused(ic, "d-i/amd64/sub/f", -ENOENT);
	assert_int_equal(st.files, 5);
	assert_int_equal(st.dirs, 3); /* sub, d-i, d-i/amd64 */
	assert_int_equal(st.shadowed, 0);
	assert_int_equal(ic_count(ic), 8);
	done(ic);
}

static void
test_roots_file(void **state)
{
	static const char *const spec[][2] = {{"", "nsA"}, {"boot/ldlinux.c32", "single.bin"}};
	static const char *const alias[][2] = {{"", "nsA"}, {"x", "nsA/common"}};
	struct image_cache *ic;
	struct ic_stats st;
	char msg[256];

	(void)state;
	ic = load_roots(spec, 2, UINT64_MAX, &st);
	found(ic, "boot/ldlinux.c32", "single", 6);
	found(ic, "common", "A", 1);
	refused(ic, "boot", -EISDIR);
	refused(ic, "boot/ldlinux.c32/x", -ENOENT);
	assert_int_equal(st.files, 4);
	assert_int_equal(st.bytes, 6 + 1 + 5 + 4);
	done(ic);
	/* the same inode through a dir root and a file root shares its data */
	ic = load_roots(alias, 2, UINT64_MAX, &st);
	assert_ptr_equal(found(ic, "x", "A", 1), found(ic, "common", "A", 1));
	assert_int_equal(st.aliases, 1);
	done(ic);
	/* a file needs a name */
	errno = 0;
	assert_null(ic_load_roots(&(struct ic_root){.prefix = "/", .path = path("single.bin")}, 1,
				  UINT64_MAX, &counting, &st, msg, sizeof(msg)));
	assert_int_equal(errno, ENOTDIR);
	assert_non_null(strstr(msg, "single.bin"));
	assert_int_equal(cnt.live, 0);
}

static void
test_roots_shadow(void **state)
{
	static const char *const ab[][2] = {{"", "nsA"}, {"", "nsB"}};
	static const char *const ba[][2] = {{"", "nsB"}, {"", "nsA"}};
	static const char *const file_last[][2] = {{"", "nsA"}, {"common", "single.bin"}};
	static const char *const file_first[][2] = {{"common", "single.bin"}, {"", "nsA"}};
	static const char *const dir_over_file[][2] = {{"", "nsA"}, {"common", "nsB"}};
	static const char *const file_over_parent[][2] = {{"", "nsA"}, {"pxelinux.0/x", "nsB"}};
	struct image_cache *ic;
	struct ic_stats st;

	(void)state;
	ic = load_roots(ab, 2, UINT64_MAX, &st);
	found(ic, "common", "B", 1);
	found(ic, "only-b", "b", 1);
	found(ic, "sub/f", "Asub", 4);
	assert_int_equal(st.shadowed, 1);
	assert_int_equal(st.files, 4);
	assert_int_equal(st.bytes, 1 + 1 + 5 + 4); /* A's common never read */
	done(ic);
	ic = load_roots(ba, 2, UINT64_MAX, &st);
	found(ic, "common", "A", 1);
	assert_int_equal(st.shadowed, 1);
	done(ic);
	ic = load_roots(file_last, 2, UINT64_MAX, &st);
	found(ic, "common", "single", 6);
	assert_int_equal(st.shadowed, 1);
	done(ic);
	ic = load_roots(file_first, 2, UINT64_MAX, &st);
	found(ic, "common", "A", 1);
	assert_int_equal(st.shadowed, 1);
	done(ic);
	/* a directory mounted over a file takes the name */
	ic = load_roots(dir_over_file, 2, UINT64_MAX, &st);
	refused(ic, "common", -EISDIR);
	found(ic, "common/common", "B", 1);
	assert_int_equal(st.shadowed, 1);
	done(ic);
	/* the directory above a prefix is not the later root's own: an
	 * earlier root's file of that name is served, and so is the mount */
	ic = load_roots(file_over_parent, 2, UINT64_MAX, &st);
	found(ic, "pxelinux.0", "A-pxe", 5);
	found(ic, "pxelinux.0/x/only-b", "b", 1);
	assert_int_equal(st.shadowed, 0);
	assert_int_equal(st.dirs, 2); /* sub, pxelinux.0/x */
	done(ic);
}

static void
test_roots_errors(void **state)
{
	struct ic_root r[2] = {{"", path("nsA")}, {"", NULL}};
	char long_prefix[IC_NAME_MAX + 2], missing[4096], msg[256];
	struct image_cache *ic;
	struct ic_stats st;

	(void)state;
	/* a missing root fails the whole load and is named */
	snprintf(missing, sizeof(missing), "%s", path("no-such-dir"));
	r[1] = (struct ic_root){"d-i", missing};
	errno = 0;
	assert_null(ic_load_roots(r, 2, UINT64_MAX, &counting, &st, msg, sizeof(msg)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(msg, missing));
	assert_non_null(strstr(msg, "d-i"));
	/* a FIFO is no root */
	r[1] = (struct ic_root){"f", path("root/fifo")};
	assert_null(ic_load_roots(r, 2, UINT64_MAX, &counting, &st, msg, sizeof(msg)));
	assert_int_equal(errno, ENOTDIR);
	/* prefixes are names: no "..", no control bytes, not too long */
	r[1] = (struct ic_root){"a/../b", path("nsB")};
	assert_null(ic_load_roots(r, 2, UINT64_MAX, &counting, &st, msg, sizeof(msg)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(msg, "a/../b"));
	r[1].prefix = "a\\tb";
	assert_non_null(ic = ic_load_roots(r, 2, UINT64_MAX, &counting, &st, msg, sizeof(msg)));
	found(ic, "a/tb/only-b", "b", 1); /* '\\' separates, as in a request */
	done(ic);
	r[1].prefix = "a\x01b";
	assert_null(ic_load_roots(r, 2, UINT64_MAX, &counting, &st, msg, sizeof(msg)));
	assert_int_equal(errno, EINVAL);
	memset(long_prefix, 'p', sizeof(long_prefix) - 1);
	long_prefix[sizeof(long_prefix) - 1] = '\0';
	r[1].prefix = long_prefix;
	assert_null(ic_load_roots(r, 2, UINT64_MAX, &counting, &st, msg, sizeof(msg)));
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(cnt.live, 0);
	/* no roots: an empty generation */
	ic = ic_load_roots(NULL, 0, UINT64_MAX, &counting, &st, msg, sizeof(msg));
	assert_non_null(ic);
	assert_int_equal(ic_count(ic), 0);
	refused(ic, "common", -ENOENT);
	done(ic);
}

static void
test_roots_limits(void **state)
{
	static const char *const two[][2] = {{"", "limit"}, {"", "nsB"}};
	const char *spec[1][2] = {{NULL, "root"}};
	char prefix[IC_NAME_MAX + 1];
	struct image_cache *ic;
	struct ic_stats st;

	(void)state;
	/* max_bytes goes to the later root first: nsB's 2 bytes, then a */
	ic = load_roots(two, 2, 602, &st);
	found(ic, "common", "B", 1);
	found(ic, "only-b", "b", 1);
	found(ic, "a", big, 600);
	refused(ic, "b", -ENOENT);
	refused(ic, "c", -ENOENT);
	assert_int_equal(st.skipped_too_big, 2);
	assert_int_equal(st.bytes, 602);
	done(ic);
	/* the prefix counts toward IC_NAME_MAX: with 100 bytes of it, the
	 * 150-byte directory LLL... is still indexed, boot/deep/a/b/c.txt
	 * too, and nothing else changes */
	memset(prefix, 'P', 100);
	prefix[100] = '\0';
	spec[0][0] = prefix;
	ic = load_roots(spec, 1, UINT64_MAX, &st);
	assert_int_equal(st.skipped_name, 3);
	assert_int_equal(st.dirs, 9 + 1);
	/* with 105, the directory's name is too long (and what is below it
	 * is not looked at) */
	memset(prefix, 'P', 105);
	prefix[105] = '\0';
	done(ic);
	ic = load_roots(spec, 1, UINT64_MAX, &st);
	assert_int_equal(st.skipped_name, 3);
	assert_int_equal(st.dirs, 8 + 1);
	refused(ic, prefix, -EISDIR);
	done(ic);
}

/* --- names ------------------------------------------------------------------- */

static void
test_lookup_names(void **state)
{
	static const char *const boot[] = {
	    "boot/x",  "/boot/x",   "boot//x",	"boot/./x",
	    "boot\\x", "\\boot\\x", "./boot/x", "//boot/x/",
	};
	static const char *const access[] = {
	    "../etc/passwd", "/../x",	 "boot/../../x", "a/..", "..",
	    "boot\\..\\x",   "boot/x\n", "boot/\x01x",	 "\x7f", "boot/deep/../x",
	};
	struct image_cache *ic;
	char longname[IC_NAME_MAX + 2];
	size_t i;

	(void)state;
	ic = load("root", UINT64_MAX, NULL);
	found(ic, "/pxelinux.0", pxe, 512);
	found(ic, "pxelinux.0", pxe, 512);
	for (i = 0; i < sizeof(boot) / sizeof(boot[0]); i++)
		found(ic, boot[i], boot_x, strlen(boot_x));
	for (i = 0; i < sizeof(access) / sizeof(access[0]); i++)
		refused(ic, access[i], -EACCES);
	refused(ic, "missing", -ENOENT);
	refused(ic, "boot/y", -ENOENT);
	refused(ic, "...", -ENOENT);
	refused(ic, "boot", -EISDIR);
	refused(ic, "/boot/deep/", -EISDIR);
	refused(ic, "/", -EISDIR);
	refused(ic, "", -EISDIR);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[IC_NAME_MAX + 1] = '\0';
	refused(ic, longname, -ENAMETOOLONG);
	longname[IC_NAME_MAX] = '\0';
	refused(ic, longname, -ENOENT);
	done(ic);
}

static void
test_normalize(void **state)
{
	char out[IC_NAME_MAX + 1];

	(void)state;
	assert_int_equal(ic_normalize("//a//b/", out, sizeof(out)), 3);
	assert_string_equal(out, "a/b");
	assert_int_equal(ic_normalize("./.\\.", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(ic_normalize(".hidden/...x/\xc3\xa9", out, sizeof(out)), 15);
	assert_string_equal(out, ".hidden/...x/\xc3\xa9");
	assert_int_equal(ic_normalize("abc/def", out, 4), -ENAMETOOLONG);
	assert_int_equal(ic_normalize("abc", out, 4), 3);
}

/* --- virtual files, references, allocation failure --------------------------- */

static void
test_virtual(void **state)
{
	struct image_cache *ic;
	const struct ic_file *f, *old;

	(void)state;
	ic = load("root", UINT64_MAX, NULL);
	assert_int_equal(ic_add_virtual(ic, "menu.cfg", "one", 3), 0);
	f = found(ic, "/menu.cfg", "one", 3);
	assert_int_equal(f->virt, 1);
	assert_string_equal(f->path, "menu.cfg");
	assert_int_equal(ic_add_virtual(ic, "\\menu.cfg", "second", 6), 0);
	found(ic, "menu.cfg", "second", 6);
	assert_int_equal(ic_add_virtual(ic, "/pxelinux.cfg/default", "menu", 4), 0);
	found(ic, "pxelinux.cfg/default", "menu", 4);
	refused(ic, "pxelinux.cfg", -EISDIR);
	assert_int_equal(ic_add_virtual(ic, "gen/a/b", "", 0), 0);
	found(ic, "gen/a/b", "", 0);
	refused(ic, "gen/a", -EISDIR);
	assert_int_equal(ic_add_virtual(ic, "boot", "x", 1), -EISDIR);
	assert_int_equal(ic_add_virtual(ic, "/", "x", 1), -EISDIR);
	assert_int_equal(ic_add_virtual(ic, "pxelinux.0/x", "x", 1), -ENOTDIR);
	assert_int_equal(ic_add_virtual(ic, "../x", "x", 1), -EACCES);
	/* replacing one name of a linked file: the others keep the old data */
	old = found(ic, "link_in", boot_x, strlen(boot_x));
	assert_int_equal(ic_add_virtual(ic, "boot/x", "new", 3), 0);
	found(ic, "boot/x", "new", 3);
	assert_ptr_equal(found(ic, "link_in", boot_x, strlen(boot_x)), old);
	assert_int_equal(old->refs, 2);
	done(ic);
}

static void
test_refcount(void **state)
{
	struct image_cache *ic;
	long live;

	(void)state;
	ic = load("root", UINT64_MAX, NULL);
	live = cnt.live;
	assert_true(live > 10);
	assert_ptr_equal(ic_get(ic), ic);
	ic_get(ic);
	ic_put(ic);
	ic_put(ic);
	assert_int_equal(cnt.live, live);
	ic_put(ic);
	assert_int_equal(cnt.live, 0);
	ic_put(NULL);
	ic_free(NULL);
	assert_null(ic_get(NULL));
}

/* Every allocation of a load, in turn, fails: ENOMEM and nothing leaks. */
static void
test_alloc_failure(void **state)
{
	struct image_cache *ic;
	char msg[128];
	long n, total;

	(void)state;
	cnt.attempts = 0;
	cnt.fail_at = LONG_MAX;
	ic = load("root", UINT64_MAX, NULL);
	assert_int_equal(ic_add_virtual(ic, "v/w", "v", 1), 0);
	total = cnt.attempts;
	done(ic);
	for (n = 0; n < total; n++) {
		cnt.attempts = 0;
		cnt.fail_at = n;
		ic = ic_load(path("root"), UINT64_MAX, &counting, NULL, msg, sizeof(msg));
		if (ic) {
			assert_int_equal(ic_add_virtual(ic, "v/w", "v", 1), -ENOMEM);
			ic_free(ic);
		} else {
			assert_int_equal(errno, ENOMEM);
			assert_non_null(strstr(msg, "Cannot allocate memory"));
		}
		assert_int_equal(cnt.live, 0);
	}
	cnt.fail_at = -1;
}

static void
test_safe_name(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(ic_safe_name("pxelinux.0", buf, sizeof(buf)), "pxelinux.0");
	assert_string_equal(ic_safe_name("a\nb\\c\x01\xff", buf, sizeof(buf)),
			    "a\\x0ab\\x5cc\\x01\\xff");
	assert_string_equal(ic_safe_name("abcdefg", buf, 8), "abcdefg");
	assert_string_equal(ic_safe_name("abcdefgh", buf, 8), "abcd...");
	assert_string_equal(ic_safe_name("ab\x01", buf, 8), "ab\\x01");
	assert_string_equal(ic_safe_name("ab\x01\x02", buf, 8), "ab...");
	assert_string_equal(ic_safe_name("\x01\x02", buf, 8), "\\x01...");
	assert_string_equal(ic_safe_name("abcdef", buf, 3), "ab");
	assert_string_equal(ic_safe_name("abc", buf, 1), "");
	assert_string_equal(ic_safe_name("abc", buf, 0), "");
	assert_string_equal(ic_safe_name(NULL, buf, sizeof(buf)), "(null)");
}

/* --- checksums --------------------------------------------------------------- */

/* The direct sum: 16-bit one's complement over big-endian words. */
static uint16_t
ref_sum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i < len; i += 2) {
		s += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
		s = (s & 0xffff) + (s >> 16);
	}
	return (uint16_t)s;
}

static void
check_range(const struct ic_file *f, uint64_t off, uint32_t len)
{
	uint16_t want = ref_sum(f->data + off, len), got = ic_csum_range(f, off, len);

	if (want != got)
		fail_msg("off %lu len %u: %#x, want %#x", (unsigned long)off, len, got, want);
}

static void
test_csum_small(void **state)
{
	struct image_cache *ic;
	const struct ic_file *f;
	uint8_t data[333];
	uint32_t off, len;

	(void)state;
	memcpy(data, big, sizeof(data));
	memset(data + 10, 0, 70);     /* ranges summing to 0 */
	memset(data + 100, 0xff, 70); /* and to 0xffff */
	data[200] = 0xff;	      /* an odd-offset one */
	data[201] = 0;
	ic = load("void", UINT64_MAX, NULL);
	assert_int_equal(ic_add_virtual(ic, "s", data, sizeof(data)), 0);
	f = found(ic, "s", data, sizeof(data));
	for (off = 0; off <= sizeof(data); off++)
		for (len = 0; off + len <= sizeof(data); len++)
			check_range(f, off, len);
	assert_int_equal(ic_csum_range(f, 20, 10), 0);
	assert_int_equal(ic_csum_range(f, 100, 2), 0xffff);
	assert_int_equal(ic_csum_range(f, 200, 1), 0xff00);
	assert_int_equal(ic_csum_range(f, 333, 5), 0);
	assert_int_equal(ic_csum_range(f, 400, 5), 0);
	assert_int_equal(ic_csum_range(f, 330, 100), ref_sum(data + 330, 3));
	done(ic);
}

static void
test_csum_large(void **state)
{
	struct image_cache *ic;
	const struct ic_file *f;
	uint8_t *data = malloc(MB_SIZE);
	uint32_t len, i;
	uint64_t off;

	(void)state;
	assert_non_null(data);
	memcpy(data, big + 12345, MB_SIZE);
	memset(data + 300000, 0, 300000); /* long zero runs: the scan past 128 KiB */
	ic = load("void", UINT64_MAX, NULL);
	assert_int_equal(ic_add_virtual(ic, "mb", data, MB_SIZE), 0);
	f = found(ic, "mb", data, MB_SIZE);
	for (i = 0; i < 3000; i++) {
		len = (uint32_t)random() % 65465;
		off = (uint64_t)random() % (MB_SIZE - len + 1);
		check_range(f, off, len);
	}
	for (i = 0; i < 40; i++) {
		len = (uint32_t)random() % (MB_SIZE + 1);
		check_range(f, (uint64_t)random() % (MB_SIZE - len + 1), len);
	}
	check_range(f, 0, MB_SIZE);
	check_range(f, 1, MB_SIZE - 1);
	check_range(f, 300001, 200000);
	check_range(f, 300000, 300000);
	/* a block of an odd blksize, as a transfer would ask for it */
	for (i = 0; i < 20; i++)
		check_range(f, (uint64_t)i * 1467, 1467);
	done(ic);
	/* the 3 MB file from disk */
	ic = load("root", UINT64_MAX, NULL);
	f = found(ic, "big.img", big, BIG_SIZE);
	for (i = 0; i < 1000; i++) {
		len = (uint32_t)random() % 65465;
		check_range(f, (uint64_t)random() % (BIG_SIZE - len + 1), len);
	}
	done(ic);
	free(data);
}

/* --- derived generations ----------------------------------------------------- */

static struct image_cache *
derive(struct image_cache *b)
{
	struct image_cache *d = ic_derive(b, &counting2);

	assert_non_null(d);
	return d;
}

static void
test_derive_lookup(void **state)
{
	const struct ic_file *pxe_f, *x_f, *link_f, *f;
	struct image_cache *b, *d;
	uint32_t n;
	long live;

	(void)state;
	b = load("root", UINT64_MAX, NULL);
	n = ic_count(b);
	pxe_f = found(b, "pxelinux.0", pxe, 512);
	x_f = found(b, "boot/x", boot_x, strlen(boot_x));
	link_f = found(b, "link_in", boot_x, strlen(boot_x));
	live = cnt.live;
	d = derive(b);
	assert_int_equal(cnt.live, live); /* nothing of the base copied */
	assert_int_equal(ic_count(d), n);
	/* every name of the base, served from the base's own memory */
	assert_ptr_equal(found(d, "pxelinux.0", pxe, 512), pxe_f);
	assert_ptr_equal(found(d, "/boot/deep/a/b/c.txt", deep_c, strlen(deep_c)),
			 found(b, "boot/deep/a/b/c.txt", deep_c, strlen(deep_c)));
	found(d, "big.img", big, BIG_SIZE);
	refused(d, "boot/deep", -EISDIR);
	refused(d, "nothing", -ENOENT);
	refused(d, "../outside", -EACCES);

	/* new names, under new directories: in d only */
	assert_int_equal(ic_add_virtual(d, "pxelinux.cfg/default", "menu", 4), 0);
	assert_int_equal(ic_add_virtual(d, "grub/hosts/52-54-00-00-00-01.cfg", "host", 4), 0);
	found(d, "pxelinux.cfg/default", "menu", 4);
	found(d, "grub/hosts/52-54-00-00-00-01.cfg", "host", 4);
	refused(d, "grub/hosts", -EISDIR);
	refused(b, "pxelinux.cfg/default", -ENOENT);
	refused(b, "grub", -ENOENT);
	/* under a directory of the base */
	assert_int_equal(ic_add_virtual(d, "boot/deep/a/new", "n", 1), 0);
	found(d, "boot/deep/a/new", "n", 1);
	refused(b, "boot/deep/a/new", -ENOENT);
	assert_int_equal(ic_count(d), n + 6);
	assert_int_equal(ic_count(b), n);

	/* replacing a borrowed name: the base keeps its file, untouched */
	assert_int_equal(ic_add_virtual(d, "boot/x", "replaced", 8), 0);
	f = found(d, "boot/x", "replaced", 8);
	assert_int_equal(f->virt, 1);
	assert_ptr_equal(found(b, "boot/x", boot_x, strlen(boot_x)), x_f);
	assert_int_equal(x_f->refs, 3); /* boot/x, bootlink/x and link_in, in the base */
	assert_ptr_equal(found(d, "link_in", boot_x, strlen(boot_x)), link_f);
	/* and again: now d's own entry, its first file freed */
	live = cnt2.live;
	assert_int_equal(ic_add_virtual(d, "boot/x", "again", 5), 0);
	assert_int_equal(cnt2.live, live);
	found(d, "boot/x", "again", 5);
	assert_int_equal(ic_add_virtual(d, "pxelinux.0", "p", 1), 0);
	found(d, "pxelinux.0", "p", 1);
	assert_ptr_equal(found(b, "pxelinux.0", pxe, 512), pxe_f);
	assert_int_equal(ic_count(d), n + 6);
	/* what cannot be a file, as in any generation */
	assert_int_equal(ic_add_virtual(d, "boot", "x", 1), -EISDIR);
	assert_int_equal(ic_add_virtual(d, "pxelinux.0/x", "x", 1), -ENOTDIR);
	assert_int_equal(ic_add_virtual(d, "big.img/x", "x", 1), -ENOTDIR);

	/* the caller's reference on the base goes first: d keeps it alive */
	live = cnt.live;
	ic_put(b);
	assert_int_equal(cnt.live, live);
	found(d, "big.img", big, BIG_SIZE);
	found(d, "link_in", boot_x, strlen(boot_x));
	found(d, "boot/x", "again", 5);
	ic_put(d);
	assert_int_equal(cnt2.live, 0);
	assert_int_equal(cnt.live, 0);
}

/* The base is freed only after the last generation derived from it, in
 * whichever order the references go; a chain holds every link. */
static void
test_derive_lifetime(void **state)
{
	struct image_cache *b, *d1, *d2;
	long live;

	(void)state;
	b = load("nsA", UINT64_MAX, NULL);
	live = cnt.live;
	d1 = derive(b);
	assert_int_equal(ic_add_virtual(d1, "common", "d1", 2), 0);
	/* the derived one goes first: only its memory */
	ic_put(d1);
	assert_int_equal(cnt2.live, 0);
	assert_int_equal(cnt.live, live);
	found(b, "common", "A", 1);

	d1 = derive(b);
	assert_int_equal(ic_add_virtual(d1, "gen/one", "1", 1), 0);
	d2 = derive(d1);
	assert_int_equal(ic_add_virtual(d2, "common", "d2", 2), 0);
	assert_int_equal(ic_add_virtual(d2, "gen/one", "one", 3), 0);
	found(d1, "gen/one", "1", 1);
	found(d1, "common", "A", 1);
	ic_put(b);
	ic_put(d1);
	assert_int_equal(cnt.live, live); /* d2 holds d1, d1 holds b */
	found(d2, "common", "d2", 2);
	found(d2, "gen/one", "one", 3);
	found(d2, "sub/f", "Asub", 4);
	found(d2, "pxelinux.0", "A-pxe", 5);
	ic_put(d2);
	assert_int_equal(cnt2.live, 0);
	assert_int_equal(cnt.live, 0);
}

/* Enough new names to grow the derived table: the base's stays as it was. */
static void
test_derive_grow(void **state)
{
	struct image_cache *b, *d;
	char name[32], data[32];
	uint32_t n;
	int i;

	(void)state;
	b = load("nsB", UINT64_MAX, NULL);
	n = ic_count(b);
	d = derive(b);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "pxelinux.cfg/01-%03d", i);
		snprintf(data, sizeof(data), "host %d", i);
		assert_int_equal(ic_add_virtual(d, name, data, strlen(data)), 0);
	}
	assert_int_equal(ic_count(d), n + 301);
	assert_int_equal(ic_count(b), n);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "pxelinux.cfg/01-%03d", i);
		snprintf(data, sizeof(data), "host %d", i);
		found(d, name, data, strlen(data));
		refused(b, name, -ENOENT);
	}
	found(d, "only-b", "b", 1);
	found(d, "common", "B", 1);
	ic_put(b);
	done(d);
	assert_int_equal(cnt2.live, 0);
}

/* Virtual files of a derived generation checksum like any other. */
static void
test_derive_csum(void **state)
{
	struct image_cache *b, *d;
	const struct ic_file *f;
	uint8_t data[777];
	uint32_t off, len, i;

	(void)state;
	memcpy(data, big + 999, sizeof(data));
	memset(data + 64, 0, 128);
	b = load("root", UINT64_MAX, NULL);
	d = derive(b);
	assert_int_equal(ic_add_virtual(d, "gen/small", data, sizeof(data)), 0);
	assert_int_equal(ic_add_virtual(d, "boot/x", big + 7, 200000), 0);
	f = found(d, "gen/small", data, sizeof(data));
	for (off = 0; off <= sizeof(data); off += 3)
		for (len = 0; off + len <= sizeof(data); len += 5)
			check_range(f, off, len);
	f = found(d, "boot/x", big + 7, 200000);
	for (i = 0; i < 500; i++) {
		len = (uint32_t)random() % 65465;
		check_range(f, (uint64_t)random() % (200000 - len + 1), len);
	}
	check_range(f, 0, 200000);
	/* the borrowed big file still sums from the base's table */
	f = found(d, "big.img", big, BIG_SIZE);
	check_range(f, 1, 65000);
	check_range(f, BIG_SIZE - 1468, 1468);
	ic_put(b);
	done(d);
	assert_int_equal(cnt2.live, 0);
}

/* Every allocation of a derive and its additions, in turn, fails: ENOMEM,
 * the base untouched, nothing of the derived one left. */
static void
test_derive_alloc_failure(void **state)
{
	struct image_cache *b, *d;
	long n, total, live;
	int err;

	(void)state;
	b = load("root", UINT64_MAX, NULL);
	live = cnt.live;
	cnt2.attempts = 0;
	cnt2.fail_at = LONG_MAX;
	d = derive(b);
	assert_int_equal(ic_add_virtual(d, "boot/x", "r", 1), 0);
	assert_int_equal(ic_add_virtual(d, "gen/a/b", "v", 1), 0);
	total = cnt2.attempts;
	ic_put(d);
	for (n = 0; n < total; n++) {
		cnt2.attempts = 0;
		cnt2.fail_at = n;
		d = ic_derive(b, &counting2);
		if (!d) {
			assert_int_equal(errno, ENOMEM);
		} else {
			err = ic_add_virtual(d, "boot/x", "r", 1);
			if (!err)
				err = ic_add_virtual(d, "gen/a/b", "v", 1);
			assert_int_equal(err, -ENOMEM);
			ic_free(d);
		}
		assert_int_equal(cnt2.live, 0);
		assert_int_equal(cnt.live, live);
		found(b, "boot/x", boot_x, strlen(boot_x));
		refused(b, "gen", -ENOENT);
	}
	cnt2.fail_at = -1;
	done(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_tree),	    cmocka_unit_test(test_load_fails),
	    cmocka_unit_test(test_depth),	    cmocka_unit_test(test_max_bytes),
	    cmocka_unit_test(test_lookup_names),    cmocka_unit_test(test_normalize),
	    cmocka_unit_test(test_virtual),	    cmocka_unit_test(test_refcount),
	    cmocka_unit_test(test_alloc_failure),   cmocka_unit_test(test_safe_name),
	    cmocka_unit_test(test_csum_small),	    cmocka_unit_test(test_csum_large),
	    cmocka_unit_test(test_roots_mount),	    cmocka_unit_test(test_roots_file),
	    cmocka_unit_test(test_roots_shadow),    cmocka_unit_test(test_roots_errors),
	    cmocka_unit_test(test_roots_limits),    cmocka_unit_test(test_derive_lookup),
	    cmocka_unit_test(test_derive_lifetime), cmocka_unit_test(test_derive_grow),
	    cmocka_unit_test(test_derive_csum),	    cmocka_unit_test(test_derive_alloc_failure),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
