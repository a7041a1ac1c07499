/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ftw.h>

#include <cmocka.h>

#include "bootns.h"
#include "provision/snapshot.h"
#include "http.h"
#include "http_parse.h"
#include "http_client.h"

/* ---- rb_http_parse_range -------------------------------------------- */

struct range_vec {
	const char *value;
	uint64_t size;
	int ret;
	uint64_t first, last;
};

static void
test_parse_range(void **state)
{
	static const struct range_vec v[] = {
	    {NULL, 100, 0, 0, 0},
	    {"bytes=0-0", 100, 1, 0, 0},
	    {"bytes=10-19", 100, 1, 10, 19},
	    {"bytes=0-99", 100, 1, 0, 99},
	    {"bytes=10-", 100, 1, 10, 99},
	    {"bytes=99-", 100, 1, 99, 99},
	    {"bytes=-1", 100, 1, 99, 99},
	    {"bytes=-30", 100, 1, 70, 99},
	    {"bytes=-100", 100, 1, 0, 99},
	    {"bytes=-500", 100, 1, 0, 99}, /* suffix longer than the file */
	    {"bytes=-0", 100, -ERANGE, 0, 0},
	    {"bytes=50-1000", 100, 1, 50, 99},	/* last clamps to size - 1 */
	    {"bytes=100-", 100, -ERANGE, 0, 0}, /* first >= size */
	    {"bytes=100-200", 100, -ERANGE, 0, 0},
	    {"bytes=5000-6000", 100, -ERANGE, 0, 0},
	    {"bytes=20-10", 100, 0, 0, 0}, /* first > last: ignored */
	    {"bytes=200-100", 100, 0, 0, 0},
	    {"bytes=1-2,4-5", 100, 0, 0, 0},
	    {"bytes=1-2,", 100, 0, 0, 0},
	    {"items=0-1", 100, 0, 0, 0},
	    {"bytes", 100, 0, 0, 0},
	    {"bytes=", 100, 0, 0, 0},
	    {"bytes=-", 100, 0, 0, 0},
	    {"bytes=a-b", 100, 0, 0, 0},
	    {"bytes=1-2x", 100, 0, 0, 0},
	    {"bytes=--1", 100, 0, 0, 0},
	    {"bytes=1--2", 100, 0, 0, 0},
	    {"bytes=+1-2", 100, 0, 0, 0},
	    {"bytes=0x10-20", 100, 0, 0, 0},
	    {"", 100, 0, 0, 0},
	    {"garbage", 100, 0, 0, 0},
	    {"Bytes=1-2", 100, 1, 1, 2},
	    {"bytes= 1 - 2 ", 100, 1, 1, 2}, /* blanks around numbers: tolerated */
	    {"bytes =\t3-", 100, 1, 3, 99},
	    {"bytes=1 2-3", 100, 0, 0, 0},
	    {"by tes=1-2", 100, 0, 0, 0},
	    {"bytes=99999999999999999999999-", 100, 0, 0, 0}, /* overflow */
	    {"bytes=0-99999999999999999999999", 100, 0, 0, 0},
	    {"bytes=-99999999999999999999999", 100, 0, 0, 0},
	    {"bytes=18446744073709551615-", 100, -ERANGE, 0, 0}, /* UINT64_MAX fits */
	    {"bytes=18446744073709551616-", 100, 0, 0, 0},
	    {"bytes=0-18446744073709551615", 100, 1, 0, 99},
	    {"bytes=4294967296-", 8589934592ULL, 1, 4294967296ULL, 8589934591ULL},
	    {"bytes=0-", 0, -ERANGE, 0, 0}, /* empty file */
	    {"bytes=0-0", 0, -ERANGE, 0, 0},
	    {"bytes=-5", 0, 0, 0, 0}, /* suffix of nothing: whole (empty) file */
	    {"bytes=-0", 0, -ERANGE, 0, 0},
	    {"bytes=0-0", 1, 1, 0, 0},
	    {"bytes=-1", 1, 1, 0, 0},
	    {"bytes=1-", 1, -ERANGE, 0, 0},
	};
	uint64_t first, last;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		first = last = 12345;
		r = rb_http_parse_range(v[i].value, v[i].size, &first, &last);
		if (r != v[i].ret)
			fail_msg("\"%s\" size %llu: got %d, want %d",
				 v[i].value ? v[i].value : "(null)", (unsigned long long)v[i].size,
				 r, v[i].ret);
		if (r == 1 && (first != v[i].first || last != v[i].last))
			fail_msg("\"%s\": got %llu-%llu, want %llu-%llu", v[i].value,
				 (unsigned long long)first, (unsigned long long)last,
				 (unsigned long long)v[i].first, (unsigned long long)v[i].last);
		if (r != 1)
			assert_true(first == 12345 && last == 12345);
	}
}

/* ---- rb_http_url_to_path -------------------------------------------- */

struct url_vec {
	const char *url;
	int ret;
	const char *out;
};

static void
test_url_to_path(void **state)
{
	static const struct url_vec v[] = {
	    {"/", 0, ""},
	    {"", 0, ""},
	    {"/a", 0, "a"},
	    {"/a/b", 0, "a/b"},
	    {"/a/b/", 0, "a/b"},
	    {"//a//./b", 0, "a/b"},
	    {"/./", 0, ""},
	    {"/.", 0, ""},
	    {"/a/.", 0, "a"},
	    {"/./a/./././b/.", 0, "a/b"},
	    {"/.a/..b/...", 0, ".a/..b/..."},
	    {"/a.", 0, "a."},
	    {"/a/../b", -EINVAL, ""},
	    {"/..", -EINVAL, ""},
	    {"/../etc/passwd", -EINVAL, ""},
	    {"/a/..", -EINVAL, ""},
	    {"/%2e%2e/etc", -EINVAL, ""},
	    {"/%2E%2e/etc", -EINVAL, ""},
	    {"/.%2e/etc", -EINVAL, ""},
	    {"/a/%2e/b", 0, "a/b"},
	    {"/a%2Fb", 0, "a/b"},
	    {"/a%2f..%2fb", -EINVAL, ""},
	    {"/a%20b", 0, "a b"},
	    {"/a%2541", 0, "a%41"}, /* decoded once only */
	    {"/%41%42c", 0, "ABc"},
	    {"/a%3Fb", 0, "a?b"},   /* an encoded '?' is a name byte */
	    {"/a?b=/../c", 0, "a"}, /* query dropped */
	    {"/a/?x", 0, "a"},
	    {"/?", 0, ""},
	    {"/%zz", -EINVAL, ""},
	    {"/%", -EINVAL, ""},
	    {"/a%2", -EINVAL, ""},
	    {"/a%g0", -EINVAL, ""},
	    {"/a%00b", -EINVAL, ""},
	    {"/a\\b", -EINVAL, ""},
	    {"/a%5cb", -EINVAL, ""},
	    {"/%c3%a9t%C3%A9", 0, "\xc3\xa9t\xc3\xa9"},
	};
	char out[64];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(out, 'X', sizeof(out));
		r = rb_http_url_to_path(v[i].url, out, sizeof(out));
		if (r != v[i].ret)
			fail_msg("\"%s\": got %d, want %d", v[i].url, r, v[i].ret);
		if (r == 0 && strcmp(out, v[i].out) != 0)
			fail_msg("\"%s\": got \"%s\", want \"%s\"", v[i].url, out, v[i].out);
	}
}

static void
test_url_to_path_length(void **state)
{
	char big[6000], out[PATH_MAX], small[4];
	size_t i;

	(void)state;
	big[0] = '/';
	for (i = 1; i < sizeof(big) - 1; i++)
		big[i] = 'a';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(rb_http_url_to_path(big, out, sizeof(out)), -ENAMETOOLONG);

	/* "abc" needs 4 bytes with the NUL. */
	assert_int_equal(rb_http_url_to_path("/abc", small, sizeof(small)), 0);
	assert_string_equal(small, "abc");
	assert_int_equal(rb_http_url_to_path("/abcd", small, sizeof(small)), -ENAMETOOLONG);
	assert_int_equal(rb_http_url_to_path("/a/bc", small, sizeof(small)), -ENAMETOOLONG);
	/* Collapsed parts do not count against the limit. */
	assert_int_equal(rb_http_url_to_path("/a/././b/./", small, sizeof(small)), 0);
	assert_string_equal(small, "a/b");
	assert_int_equal(rb_http_url_to_path("/%61%62%63", small, sizeof(small)), 0);
	assert_string_equal(small, "abc");
	assert_int_equal(rb_http_url_to_path("/", small, 1), 0);
	assert_string_equal(small, "");
	assert_int_equal(rb_http_url_to_path("/a", small, 1), -ENAMETOOLONG);
	assert_int_equal(rb_http_url_to_path("/", small, 0), -ENAMETOOLONG);
}

/* ---- query values, the callback's arguments, client addresses -------- */

static void
test_unescape(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(rb_http_unescape("a%20b", 5, out, sizeof(out)), 3);
	assert_string_equal(out, "a b");
	assert_int_equal(rb_http_unescape("label%3Arack%3dr1", 17, out, sizeof(out)), 13);
	assert_string_equal(out, "label:rack=r1");
	assert_int_equal(rb_http_unescape("%2541", 5, out, sizeof(out)), 3);
	assert_string_equal(out, "%41"); /* decoded once */
	assert_int_equal(rb_http_unescape("abc", 2, out, sizeof(out)), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(rb_http_unescape("", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(rb_http_unescape("%00", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(rb_http_unescape("%zz", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(rb_http_unescape("%4", 2, out, sizeof(out)), -EINVAL);
	assert_int_equal(rb_http_unescape("%41", 2, out, sizeof(out)), -EINVAL); /* cut short */
	assert_int_equal(rb_http_unescape("%", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(rb_http_unescape("abcd", 4, out, 4), -ENAMETOOLONG);
	assert_int_equal(rb_http_unescape("abc", 3, out, 4), 3);
	assert_int_equal(rb_http_unescape("", 0, out, 0), -ENAMETOOLONG);
}

static void
test_cb_args(void **state)
{
	char reason[RB_CB_REASON_MAX + 2], msg[128];
	bool ok = false;

	(void)state;
	assert_int_equal(rb_http_cb_args(NULL, NULL, &ok, msg, sizeof(msg)), 0);
	assert_true(ok);
	assert_int_equal(
	    rb_http_cb_args("failed", "disk /dev/sda: no space", &ok, msg, sizeof(msg)), 0);
	assert_false(ok);
	assert_int_equal(rb_http_cb_args("ok", "", &ok, msg, sizeof(msg)), 0);
	assert_true(ok);
	assert_int_equal(rb_http_cb_args("OK", NULL, &ok, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "status must be ok or failed");
	assert_int_equal(rb_http_cb_args("", NULL, &ok, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(rb_http_cb_args("failed", "two\nlines", &ok, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "reason holds a control character");
	assert_int_equal(rb_http_cb_args("failed", "del\x7f", &ok, msg, sizeof(msg)), -EINVAL);
	/* UTF-8 is text, not control. */
	assert_int_equal(rb_http_cb_args("failed", "pl\xc3\xa4tze", &ok, msg, sizeof(msg)), 0);
	memset(reason, 'r', RB_CB_REASON_MAX);
	reason[RB_CB_REASON_MAX] = '\0';
	assert_int_equal(rb_http_cb_args("failed", reason, &ok, msg, sizeof(msg)), 0);
	reason[RB_CB_REASON_MAX] = 'r';
	reason[RB_CB_REASON_MAX + 1] = '\0';
	assert_int_equal(rb_http_cb_args("failed", reason, &ok, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "reason is longer than 200 bytes");

	assert_true(rb_http_cb_token_ok("a"));
	assert_true(rb_http_cb_token_ok("Zx-9_8.7~6"));
	assert_false(rb_http_cb_token_ok(""));
	assert_false(rb_http_cb_token_ok("a/b"));
	assert_false(rb_http_cb_token_ok("a%2fb"));
	assert_false(rb_http_cb_token_ok("a b"));
	memset(reason, 'x', RB_CB_TOKEN_MAX);
	reason[RB_CB_TOKEN_MAX] = '\0';
	assert_true(rb_http_cb_token_ok(reason));
	reason[RB_CB_TOKEN_MAX] = 'x';
	reason[RB_CB_TOKEN_MAX + 1] = '\0';
	assert_false(rb_http_cb_token_ok(reason));
}

static void
test_client_addr(void **state)
{
	struct sockaddr_in s4 = {.sin_family = AF_INET};
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	struct sockaddr_un su = {.sun_family = AF_UNIX};

	(void)state;
	s4.sin_addr.s_addr = htonl(0xc6120005);
	assert_int_equal(rb_http_client_ipv4((struct sockaddr *)&s4), htonl(0xc6120005));
	assert_false(rb_http_client_loopback((struct sockaddr *)&s4));
	s4.sin_addr.s_addr = htonl(0x7f000001);
	assert_true(rb_http_client_loopback((struct sockaddr *)&s4));
	s4.sin_addr.s_addr = htonl(0x7f0a0b0c);
	assert_true(rb_http_client_loopback((struct sockaddr *)&s4));

	assert_int_equal(inet_pton(AF_INET6, "::ffff:198.18.0.5", &s6.sin6_addr), 1);
	assert_int_equal(rb_http_client_ipv4((struct sockaddr *)&s6), htonl(0xc6120005));
	assert_false(rb_http_client_loopback((struct sockaddr *)&s6));
	assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6.sin6_addr), 1);
	assert_true(rb_http_client_loopback((struct sockaddr *)&s6));
	assert_int_equal(inet_pton(AF_INET6, "::1", &s6.sin6_addr), 1);
	assert_int_equal(rb_http_client_ipv4((struct sockaddr *)&s6), 0);
	assert_true(rb_http_client_loopback((struct sockaddr *)&s6));
	assert_int_equal(inet_pton(AF_INET6, "fd00::1", &s6.sin6_addr), 1);
	assert_int_equal(rb_http_client_ipv4((struct sockaddr *)&s6), 0);
	assert_false(rb_http_client_loopback((struct sockaddr *)&s6));
	assert_int_equal(rb_http_client_ipv4((struct sockaddr *)&su), 0);
	assert_false(rb_http_client_loopback((struct sockaddr *)&su));
	assert_int_equal(rb_http_client_ipv4(NULL), 0);
	assert_false(rb_http_client_loopback(NULL));
}

/* ---- live server ----------------------------------------------------- */

#define DATA_SIZE (1024 * 1024)

struct live {
	char root[64];
	char boot[64]; /* the boot namespace's trees */
	unsigned char *data;
	struct rb_http *h;
	struct bootns *ns;
	uint16_t port;
};

static size_t
test_metrics_cb(void *arg, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "test_metric_from_callback %d\n", *(int *)arg);

	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

static int metrics_arg = 42;

static void
write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

/* The boot namespace of the live server, in lv->boot:
 *   dA/ pxelinux.0 common sub/f out -> /etc/passwd fifo
 *   dB/ common only-b
 *   single.bin
 * mounted as {"", dA}, {"d-i", dB}, {"boot/ldlinux.c32", single.bin},
 * {"", dB}: dB's common shadows dA's. */
static void
boot_paths(const struct live *lv, char (*p)[256])
{
	snprintf(p[0], 256, "%s/dA", lv->boot);
	snprintf(p[1], 256, "%s/dB", lv->boot);
	snprintf(p[2], 256, "%s/single.bin", lv->boot);
}

static int
boot_set(struct live *lv, bool reversed)
{
	char p[3][256], msg[256];
	struct rb_boot_root r[4];

	boot_paths(lv, p);
	r[0] = (struct rb_boot_root){"", p[reversed ? 1 : 0]};
	r[1] = (struct rb_boot_root){"d-i", p[1]};
	r[2] = (struct rb_boot_root){"/boot//ldlinux.c32", p[2]};
	r[3] = (struct rb_boot_root){"", p[reversed ? 0 : 1]};
	return bootns_set(lv->ns, r, 4, msg, sizeof(msg));
}

static int
boot_setup(struct live *lv)
{
	char p[3][256], path[300];

	strcpy(lv->boot, "/tmp/rb_http_boot.XXXXXX");
	if (!mkdtemp(lv->boot))
		return -1;
	boot_paths(lv, p);
	mkdir(p[0], 0755);
	mkdir(p[1], 0755);
	write_file(lv->boot, "single.bin", "single", 6);
	write_file(p[0], "pxelinux.0", "A-pxe", 5);
	write_file(p[0], "common", "A", 1);
	snprintf(path, sizeof(path), "%s/sub", p[0]);
	mkdir(path, 0755);
	write_file(path, "f", "Asub", 4);
	snprintf(path, sizeof(path), "%s/out", p[0]);
	symlink("/etc/passwd", path);
	snprintf(path, sizeof(path), "%s/fifo", p[0]);
	mkfifo(path, 0644);
	write_file(p[1], "common", "B", 1);
	write_file(p[1], "only-b", "b", 1);
	lv->ns = bootns_new();
	return lv->ns ? boot_set(lv, false) : -1;
}

static int
rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)ftw;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

/* bootns_set() refuses a bad list whole, names the root, keeps the old. */
static void
test_boot_set(void **state)
{
	static struct rb_boot_root many[RB_MAX_BOOT_ROOTS + 1];
	char dir[64] = "/tmp/rb_bootns.XXXXXX", deep[1100], file[100], msg[256];
	struct bootns *ns = bootns_new();
	struct bootns_snap *s;
	struct stat st;
	size_t len, i;

	(void)state;
	assert_non_null(ns);
	assert_null(bootns_get(ns));
	assert_int_equal(bootns_open(NULL, "x", O_RDONLY, &st), -ENOENT);
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/f", dir);
	write_file(dir, "f", "F", 1);
	assert_int_equal(bootns_set(ns, &(struct rb_boot_root){"//a/./b/", dir}, 1, msg, 256), 0);
	s = bootns_get(ns);
	assert_int_equal(bootns_count(s), 1);
	assert_string_equal(bootns_root(s, 0)->prefix, "a/b");
	assert_true(bootns_payload(s, &len) != NULL && len == 8 + 4 + 4 + strlen(dir) + 1);
	i = (size_t)bootns_open(s, "a/b/f", O_RDONLY, &st);
	assert_true((int)i >= 0 && st.st_size == 1);
	close((int)i);
	assert_int_equal(bootns_open(s, "a", O_RDONLY, &st), -ENOENT);
	assert_int_equal(bootns_open(s, "a/b", O_RDONLY, &st), -EISDIR);

	/* refusals: the old list stays, the message names the root */
	assert_int_equal(bootns_set(ns, &(struct rb_boot_root){"x", "/no/such/dir"}, 1, msg, 256),
			 -ENOENT);
	assert_non_null(strstr(msg, "/no/such/dir"));
	assert_int_equal(bootns_set(ns, &(struct rb_boot_root){"x", "rel/dir"}, 1, msg, 256),
			 -EINVAL);
	assert_int_equal(bootns_set(ns, &(struct rb_boot_root){"/", file}, 1, msg, 256), -ENOTDIR);
	assert_non_null(strstr(msg, file));
	assert_int_equal(bootns_set(ns, &(struct rb_boot_root){"a/../b", dir}, 1, msg, 256),
			 -EINVAL);
	assert_int_equal(bootns_set(ns, &(struct rb_boot_root){"a\x01", dir}, 1, msg, 256),
			 -EINVAL);
	for (i = 0; i <= RB_MAX_BOOT_ROOTS; i++)
		many[i] = (struct rb_boot_root){"", dir};
	assert_int_equal(bootns_set(ns, many, RB_MAX_BOOT_ROOTS + 1, msg, 256), -E2BIG);
	/* 70 roots with 1000-byte paths do not fit one TFTP_ROOTS message */
	snprintf(deep, sizeof(deep), "%s", dir);
	for (i = 0; i < 4; i++) {
		len = strlen(deep);
		deep[len] = '/';
		memset(deep + len + 1, 'd', 240);
		deep[len + 241] = '\0';
		assert_int_equal(mkdir(deep, 0755), 0);
	}
	for (i = 0; i < 70; i++)
		many[i] = (struct rb_boot_root){"", deep};
	assert_int_equal(bootns_set(ns, many, 60, msg, 256), 0);
	assert_int_equal(bootns_set(ns, many, 70, msg, 256), -EMSGSIZE);
	bootns_put(s);
	s = bootns_get(ns);
	assert_int_equal(bootns_count(s), 60);
	bootns_put(s);
	/* a file root, found by its exact name only */
	assert_int_equal(bootns_set(ns, &(struct rb_boot_root){"x/y.bin", file}, 1, msg, 256), 0);
	s = bootns_get(ns);
	i = (size_t)bootns_open(s, "x/y.bin", O_RDONLY, &st);
	assert_true((int)i >= 0);
	close((int)i);
	assert_int_equal(bootns_open(s, "x", O_RDONLY, &st), -ENOENT);
	assert_int_equal(bootns_open(s, "x/y.bin/z", O_RDONLY, &st), -ENOENT);
	bootns_put(s);
	bootns_free(ns);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* 0: MHD's thread per connection (the default); 2: an epoll pool. */
static unsigned live_threads;

/* The /t/ hook: echoes what the server passed it, so the test sees the
 * client address and the query arguments as the handler gets them. */
static char *
test_tpl_cb(void *arg, const char *url, const char *mac, const char *profile, uint32_t ip,
	    unsigned *status, size_t *len)
{
	char *body = malloc(256);
	uint8_t a[4];

	(void)arg;
	memcpy(a, &ip, 4);
	if (strcmp(url, "/t/missing") == 0) {
		free(body);
		*status = 404;
		return NULL;
	}
	snprintf(body, 256, "%s mac=%s profile=%s ip=%u.%u.%u.%u", url, mac ? mac : "-",
		 profile ? profile : "-", a[0], a[1], a[2], a[3]);
	*len = strlen(body);
	*status = 200;
	return body;
}

/* The live servers' per-address connection cap (http.per_address_connections). */
#define LIVE_PER_IP 8

static int
live_setup(void **state)
{
	struct live *lv = calloc(1, sizeof(*lv));
	struct rb_http_config cfg = {0};
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char path[256];
	unsigned port;
	size_t i;

	if (!lv)
		return -1;
	strcpy(lv->root, "/tmp/rb_http_test.XXXXXX");
	if (!mkdtemp(lv->root))
		return -1;
	lv->data = malloc(DATA_SIZE);
	for (i = 0; i < DATA_SIZE; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		lv->data[i] = (unsigned char)x;
	}
	write_file(lv->root, "data.bin", lv->data, DATA_SIZE);
	write_file(lv->root, "empty.txt", "", 0);
	write_file(lv->root, "a b%41.txt", "odd name\n", 9);
	write_file(lv->root, "healthz", "not the endpoint\n", 17);
	snprintf(path, sizeof(path), "%s/sub", lv->root);
	mkdir(path, 0755);
	write_file(path, "x<y>.cfg", "cfg\n", 4);
	snprintf(path, sizeof(path), "%s/link.bin", lv->root);
	symlink("data.bin", path);
	snprintf(path, sizeof(path), "%s/sublink", lv->root);
	symlink("sub", path);
	snprintf(path, sizeof(path), "%s/passwd", lv->root);
	symlink("/etc/passwd", path);
	snprintf(path, sizeof(path), "%s/up", lv->root);
	symlink("../../../../../../../etc/passwd", path);
	snprintf(path, sizeof(path), "%s/fifo", lv->root);
	mkfifo(path, 0644);
	if (boot_setup(lv) < 0)
		return -1;

	cfg.root = lv->root;
	cfg.boot = lv->ns;
	cfg.threads = live_threads;
	cfg.per_ip = LIVE_PER_IP;
	cfg.metrics = test_metrics_cb;
	cfg.metrics_arg = &metrics_arg;
	cfg.tpl = test_tpl_cb;
	for (port = 18000; port < 19000 && !lv->h; port++) {
		cfg.port = (uint16_t)port;
		lv->h = rb_http_start(&cfg, NULL, 0);
		if (!lv->h && errno != EADDRINUSE)
			return -1;
	}
	if (!lv->h)
		return -1;
	lv->port = cfg.port;
	*state = lv;
	return 0;
}

static int
live_teardown(void **state)
{
	static const char *const files[] = {"data.bin",	    "empty.txt", "a b%41.txt", "healthz",
					    "sub/x<y>.cfg", "link.bin",	 "sublink",    "passwd",
					    "up",	    "fifo"};
	struct live *lv = *state;
	char path[256];
	size_t i;

	rb_http_stop(lv->h);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", lv->root, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/sub", lv->root);
	rmdir(path);
	rmdir(lv->root);
	bootns_free(lv->ns);
	nftw(lv->boot, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(lv->data);
	free(lv);
	return 0;
}

static void
test_live_get(void **state)
{
	struct live *lv = *state;
	struct rb_http_stats before, after;
	const char *v;
	struct resp r;

	rb_http_get_stats(lv->h, &before);
	http_req(lv->port, "GET", "/data.bin", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, DATA_SIZE);
	assert_memory_equal(r.body, lv->data, DATA_SIZE);
	assert_string_equal(header(&r, "Content-Length"), "1048576");
	assert_string_equal(header(&r, "Accept-Ranges"), "bytes");
	assert_string_equal(header(&r, "Content-Type"), "application/octet-stream");
	v = header(&r, "Server");
	assert_non_null(v);
	assert_true(!strncmp(v, "rackboot", 8));
	v = header(&r, "Last-Modified");
	assert_non_null(v);
	assert_true(strlen(v) == 29 && !strcmp(v + 25, " GMT"));
	resp_free(&r);

	rb_http_get_stats(lv->h, &after);
	assert_true(after.requests >= before.requests + 1);
	assert_true(after.responses_2xx >= before.responses_2xx + 1);
	assert_true(after.bytes_sent >= before.bytes_sent + DATA_SIZE);

	/* A symlink that stays inside the root is followed. */
	http_req(lv->port, "GET", "/link.bin", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, DATA_SIZE);
	assert_memory_equal(r.body, lv->data, DATA_SIZE);
	resp_free(&r);

	http_req(lv->port, "GET", "/sublink/x%3Cy%3E.cfg", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "cfg\n");
	assert_string_equal(header(&r, "Content-Type"), "text/plain; charset=utf-8");
	resp_free(&r);

	/* The path is decoded exactly once. */
	http_req(lv->port, "GET", "/a%20b%2541.txt?x=1", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "odd name\n");
	resp_free(&r);

	http_req(lv->port, "GET", "/empty.txt", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	assert_string_equal(header(&r, "Content-Length"), "0");
	resp_free(&r);
}

static void
test_live_range(void **state)
{
	struct live *lv = *state;
	struct resp r;

	http_req(lv->port, "GET", "/data.bin", "Range: bytes=100-199\r\n", &r);
	assert_int_equal(r.status, 206);
	assert_int_equal(r.body_len, 100);
	assert_memory_equal(r.body, lv->data + 100, 100);
	assert_string_equal(header(&r, "Content-Range"), "bytes 100-199/1048576");
	assert_string_equal(header(&r, "Content-Length"), "100");
	resp_free(&r);

	http_req(lv->port, "GET", "/data.bin", "Range: bytes=-10\r\n", &r);
	assert_int_equal(r.status, 206);
	assert_int_equal(r.body_len, 10);
	assert_memory_equal(r.body, lv->data + DATA_SIZE - 10, 10);
	assert_string_equal(header(&r, "Content-Range"), "bytes 1048566-1048575/1048576");
	resp_free(&r);

	http_req(lv->port, "GET", "/data.bin", "Range: bytes=1048000-\r\n", &r);
	assert_int_equal(r.status, 206);
	assert_int_equal(r.body_len, DATA_SIZE - 1048000);
	assert_memory_equal(r.body, lv->data + 1048000, DATA_SIZE - 1048000);
	resp_free(&r);

	http_req(lv->port, "GET", "/data.bin", "Range: bytes=2000000-\r\n", &r);
	assert_int_equal(r.status, 416);
	assert_string_equal(header(&r, "Content-Range"), "bytes */1048576");
	resp_free(&r);

	http_req(lv->port, "GET", "/empty.txt", "Range: bytes=0-\r\n", &r);
	assert_int_equal(r.status, 416);
	assert_string_equal(header(&r, "Content-Range"), "bytes */0");
	resp_free(&r);

	/* Several ranges: the whole file instead. */
	http_req(lv->port, "GET", "/data.bin", "Range: bytes=0-1,5-6\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, DATA_SIZE);
	resp_free(&r);

	/* A stale If-Range: the whole file instead. */
	http_req(lv->port, "GET", "/data.bin",
		 "Range: bytes=0-1\r\nIf-Range: Thu, 01 Jan 1970 00:00:00 GMT\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, DATA_SIZE);
	resp_free(&r);
}

static void
test_live_head(void **state)
{
	struct live *lv = *state;
	struct rb_http_stats before, after;
	struct resp r;

	rb_http_get_stats(lv->h, &before);
	http_req(lv->port, "HEAD", "/data.bin", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	assert_string_equal(header(&r, "Content-Length"), "1048576");
	resp_free(&r);
	rb_http_get_stats(lv->h, &after);
	assert_true(after.bytes_sent == before.bytes_sent);
}

/* Several requests on one connection: it must stay open between them. */
static void
test_live_keepalive(void **state)
{
	struct rb_http_stats before, after;
	struct live *lv = *state;
	const char *p, *conn;
	struct resp r;
	int n = 0;

	rb_http_get_stats(lv->h, &before);
	http_raw(lv->port,
		 "GET /sub/x%3Cy%3E.cfg HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\n\r\n"
		 "HEAD /empty.txt HTTP/1.1\r\nHost: x\r\n\r\n"
		 "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		 &r);
	assert_int_equal(r.status, 206);
	conn = header(&r, "Connection");
	assert_true(!conn || !strstr(conn, "close"));
	for (p = r.raw; (p = strstr(p, "HTTP/1.1 ")); p++)
		n++;
	assert_int_equal(n, 3);
	assert_non_null(strstr(r.raw, "\r\n\r\ncfHTTP/1.1 200"));
	assert_non_null(strstr(r.raw, "\r\n\r\nok\n"));
	/* Only the last response, which the client asked for, closes. */
	p = strstr(r.raw, "Connection: close");
	assert_true(p && p > strstr(r.raw, "Content-Length: 0") &&
		    !strstr(p + 1, "Connection: close"));
	resp_free(&r);
	rb_http_get_stats(lv->h, &after);
	assert_true(after.requests == before.requests + 3);
	assert_true(after.responses_2xx == before.responses_2xx + 3);
	assert_true(after.bytes_sent == before.bytes_sent + 2 + 3);
}

static void
test_live_errors(void **state)
{
	static const struct {
		const char *method, *path;
		int status;
	} v[] = {
	    {"GET", "/nope", 404},
	    {"GET", "/sub/nope/deeper", 404},
	    {"GET", "/data.bin/x", 404},
	    {"POST", "/data.bin", 405},
	    {"PUT", "/x", 405},
	    {"DELETE", "/data.bin", 405},
	    {"GET", "/passwd", 403}, /* absolute symlink out of the root */
	    {"GET", "/up", 403},     /* relative symlink out of the root */
	    {"GET", "/fifo", 403},
	    {"GET", "/../etc/passwd", 400},
	    {"GET", "/%2e%2e/etc/passwd", 400},
	    {"GET", "/sub/..%2f..%2fetc/passwd", 400},
	    {"GET", "/a%zz", 400},
	    {"GET", "/a%00b", 400},
	};
	struct live *lv = *state;
	struct rb_http_stats before, after;
	struct resp r;
	size_t i;

	rb_http_get_stats(lv->h, &before);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		http_req(lv->port, v[i].method, v[i].path, NULL, &r);
		if (r.status != v[i].status)
			fail_msg("%s %s: got %d, want %d", v[i].method, v[i].path, r.status,
				 v[i].status);
		if (r.status == 405)
			assert_string_equal(header(&r, "Allow"), "GET, HEAD");
		resp_free(&r);
	}
	rb_http_get_stats(lv->h, &after);
	assert_true(after.responses_4xx >= before.responses_4xx + i);

	/* A POST with a body is refused without reading it. */
	http_raw(lv->port, "POST /data.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
		 &r);
	assert_int_equal(r.status, 405);
	resp_free(&r);
}

/* /t/: the handler gets the client's IPv4 address although the socket is
 * dual stack (a v4-mapped address), and the mac= and profile= arguments. */
static void
test_live_template(void **state)
{
	struct live *lv = *state;
	struct resp r;

	http_req(lv->port, "GET", "/t/ks.cfg?mac=52:54:00:00:00:01&profile=p1", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "/t/ks.cfg mac=52:54:00:00:00:01 profile=p1 ip=127.0.0.1");
	assert_string_equal(header(&r, "Content-Type"), "text/plain; charset=utf-8");
	resp_free(&r);
	http_req(lv->port, "GET", "/t/ks.cfg", NULL, &r);
	assert_string_equal(r.body, "/t/ks.cfg mac=- profile=- ip=127.0.0.1");
	resp_free(&r);
	http_req(lv->port, "GET", "/t/missing", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
}

static void
test_live_boot(void **state)
{
	static const struct {
		const char *path, *body;
		int status;
	} v[] = {
	    {"/boot/pxelinux.0", "A-pxe", 200},
	    {"/boot/common", "B", 200}, /* the last root wins */
	    {"/boot/only-b", "b", 200},
	    {"/boot/sub/f", "Asub", 200},
	    {"/boot/d-i/common", "B", 200},
	    {"/boot//d-i/./only-b", "b", 200},
	    {"/boot/boot/ldlinux.c32", "single", 200},
	    {"/boot/boot/ldlinux.c32/x", NULL, 404},
	    {"/boot/boot", NULL, 404}, /* directories: 404 */
	    {"/boot/d-i", NULL, 404},
	    {"/boot/sub/", NULL, 404},
	    {"/boot/", NULL, 404},
	    {"/boot", NULL, 404},
	    {"/boot/d-i/pxelinux.0", NULL, 404},
	    {"/boot/nope", NULL, 404},
	    {"/boot/fifo", NULL, 404},	      /* not served over TFTP either */
	    {"/boot/out", NULL, 403},	      /* a symlink out of its root */
	    {"/boot/../data.bin", NULL, 400}, /* traversal */
	    {"/boot/%2e%2e/data.bin", NULL, 400},
	    {"/boot/d-i/..%2f..%2fsingle.bin", NULL, 400},
	    {"/boot/data.bin", NULL, 404}, /* the repository is not a root */
	};
	struct live *lv = *state;
	struct resp r;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		http_req(lv->port, "GET", v[i].path, NULL, &r);
		if (r.status != v[i].status)
			fail_msg("GET %s: got %d, want %d", v[i].path, r.status, v[i].status);
		if (v[i].body) {
			assert_int_equal(r.body_len, strlen(v[i].body));
			assert_memory_equal(r.body, v[i].body, r.body_len);
		}
		resp_free(&r);
	}
	/* ranges and HEAD as for the repository */
	http_req(lv->port, "GET", "/boot/boot/ldlinux.c32", "Range: bytes=1-3\r\n", &r);
	assert_int_equal(r.status, 206);
	assert_string_equal(r.body, "ing");
	assert_string_equal(header(&r, "Content-Range"), "bytes 1-3/6");
	resp_free(&r);
	http_req(lv->port, "HEAD", "/boot/pxelinux.0", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	assert_string_equal(header(&r, "Content-Length"), "5");
	resp_free(&r);
	/* a new list is served at once; the order decides */
	assert_int_equal(boot_set(lv, true), 0);
	http_req(lv->port, "GET", "/boot/common", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "A");
	resp_free(&r);
	http_req(lv->port, "GET", "/boot/only-b", NULL, &r);
	assert_string_equal(r.body, "b");
	resp_free(&r);
	assert_int_equal(boot_set(lv, false), 0);
	http_req(lv->port, "GET", "/boot/common", NULL, &r);
	assert_string_equal(r.body, "B");
	resp_free(&r);
}

/* The generated files' overlay: consulted before the roots, swapped whole. */
static void
test_live_boot_files(void **state)
{
	struct prov_file set[] = {
	    {(char *)"common", (char *)"generated", 9},
	    {(char *)"pxelinux.cfg/default", (char *)"UI menu.c32\n", 12},
	    {(char *)"empty.cfg", (char *)"", 0},
	};
	struct live *lv = *state;
	struct resp r;

	assert_int_equal(bootns_set_files(lv->ns, set, 3), 0);
	http_req(lv->port, "GET", "/boot/common", NULL, &r); /* shadows every root's */
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 9);
	assert_memory_equal(r.body, "generated", 9);
	assert_string_equal(header(&r, "Content-Length"), "9");
	assert_non_null(header(&r, "Last-Modified"));
	resp_free(&r);
	http_req(lv->port, "GET", "/boot//pxelinux.cfg/./default", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "UI menu.c32\n");
	assert_string_equal(header(&r, "Content-Type"), "application/octet-stream");
	resp_free(&r);
	http_req(lv->port, "GET", "/boot/pxelinux.cfg/default", "Range: bytes=3-6\r\n", &r);
	assert_int_equal(r.status, 206);
	assert_string_equal(r.body, "menu");
	assert_string_equal(header(&r, "Content-Range"), "bytes 3-6/12");
	resp_free(&r);
	http_req(lv->port, "GET", "/boot/pxelinux.cfg/default", "Range: bytes=20-\r\n", &r);
	assert_int_equal(r.status, 416);
	resp_free(&r);
	http_req(lv->port, "HEAD", "/boot/pxelinux.cfg/default", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	assert_string_equal(header(&r, "Content-Length"), "12");
	resp_free(&r);
	http_req(lv->port, "GET", "/boot/empty.cfg", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	resp_free(&r);
	/* the roots still serve what the overlay has not */
	http_req(lv->port, "GET", "/boot/pxelinux.0", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "A-pxe");
	resp_free(&r);
	http_req(lv->port, "GET", "/boot/pxelinux.cfg", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	/* a new set at once; none: the roots alone */
	set[1].data = (char *)"UI vesamenu.c32\n";
	set[1].len = 16;
	assert_int_equal(bootns_set_files(lv->ns, set + 1, 1), 0);
	http_req(lv->port, "GET", "/boot/pxelinux.cfg/default", NULL, &r);
	assert_string_equal(r.body, "UI vesamenu.c32\n");
	resp_free(&r);
	http_req(lv->port, "GET", "/boot/common", NULL, &r);
	assert_string_equal(r.body, "B");
	resp_free(&r);
	assert_int_equal(bootns_set_files(lv->ns, NULL, 0), 0);
	http_req(lv->port, "GET", "/boot/pxelinux.cfg/default", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
}

static void
test_live_dirs(void **state)
{
	struct live *lv = *state;
	struct resp r;
	char *a, *b;

	http_req(lv->port, "GET", "/sub", NULL, &r);
	assert_int_equal(r.status, 301);
	assert_string_equal(header(&r, "Location"), "/sub/");
	resp_free(&r);

	http_req(lv->port, "GET", "//sub/.?q=1", NULL, &r);
	assert_int_equal(r.status, 301);
	assert_string_equal(header(&r, "Location"), "/sub/");
	resp_free(&r);

	http_req(lv->port, "GET", "/sub/", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type"), "text/html; charset=utf-8");
	assert_non_null(strstr(r.body, "<a href=\"x%3Cy%3E.cfg\">x&lt;y&gt;.cfg</a>"));
	assert_non_null(strstr(r.body, "<a href=\"../\">"));
	resp_free(&r);

	http_req(lv->port, "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<a href=\"a%20b%2541.txt\">a b%41.txt</a>"));
	assert_non_null(strstr(r.body, "<a href=\"sub/\">sub/</a>"));
	assert_non_null(strstr(r.body, "<a href=\"sublink/\">sublink/</a>"));
	assert_null(strstr(r.body, "href=\"../\""));
	a = strstr(r.body, "data.bin");
	b = strstr(r.body, "empty.txt");
	assert_true(a && b && a < b); /* sorted */
	resp_free(&r);
}

static void
test_live_endpoints(void **state)
{
	struct live *lv = *state;
	struct resp r;

	/* Takes precedence over the file of the same name. */
	http_req(lv->port, "GET", "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");
	assert_true(!strncmp(header(&r, "Content-Type"), "text/plain", 10));
	resp_free(&r);

	http_req(lv->port, "GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type"), "text/plain; version=0.0.4");
	assert_non_null(strstr(r.body, "# TYPE rackboot_http_requests_total counter\n"));
	assert_non_null(strstr(r.body, "\nrackboot_http_requests_total "));
	assert_non_null(strstr(r.body, "\nrackboot_http_responses_total{code=\"4xx\"} "));
	assert_non_null(strstr(r.body, "\nrackboot_http_body_bytes_total "));
	assert_non_null(strstr(r.body, "# TYPE rackboot_http_connections gauge\n"));
	assert_non_null(strstr(r.body, "\ntest_metric_from_callback 42\n"));
	assert_int_equal(r.body_len, strlen(r.body));
	resp_free(&r);
}

/* Wait until the connection gauge reads `want` (or 5 s pass); returns it. */
static uint64_t
wait_active(const struct live *lv, uint64_t want)
{
	struct rb_http_stats s;
	int i;

	for (i = 0; i < 500; i++) {
		rb_http_get_stats(lv->h, &s);
		if (s.active == want)
			break;
		usleep(10000);
	}
	return s.active;
}

/*
 * The gauge follows one connection up and down. With a thread per
 * connection MHD reaps a finished connection (and reports it closed)
 * lazily, on its next accept, so there the gauge can only be held to
 * "counts the open one"; with a pool it is exact.
 */
static void
test_live_connections(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct live *lv = *state;
	struct rb_http_stats s;
	int fd, i;

	if (live_threads > 0)
		assert_int_equal(wait_active(lv, 0), 0);
	sa.sin_port = htons(lv->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (live_threads > 0) {
		assert_int_equal(wait_active(lv, 1), 1);
	} else {
		for (i = 0; i < 500; i++) {
			rb_http_get_stats(lv->h, &s);
			if (s.active >= 1)
				break;
			usleep(10000);
		}
		assert_true(s.active >= 1);
	}
	close(fd);
	if (live_threads > 0)
		assert_int_equal(wait_active(lv, 0), 0);
}

/* One address holds at most LIVE_PER_IP connections: the next is closed
 * at once, the others still work. */
static void
test_live_per_ip(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct live *lv = *state;
	int fds[LIVE_PER_IP + 1], extra;
	char buf[64];
	ssize_t n;

	sa.sin_port = htons(lv->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i <= LIVE_PER_IP; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(fds[i] >= 0);
		assert_int_equal(connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
		usleep(20000); /* accepted in this order */
	}
	extra = fds[LIVE_PER_IP];
	/* The one over the cap: closed by the server, no answer. */
	assert_true(send(extra, "GET /healthz HTTP/1.0\r\n\r\n", 26, MSG_NOSIGNAL) >= -1);
	{
		struct timeval tv = {.tv_sec = 5};

		setsockopt(extra, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	n = recv(extra, buf, sizeof(buf), 0);
	assert_true(n <= 0);
	/* One within the cap still gets its answer. */
	assert_int_equal(send(fds[0], "GET /healthz HTTP/1.0\r\n\r\n", 26, MSG_NOSIGNAL), 26);
	n = recv(fds[0], buf, sizeof(buf) - 1, MSG_WAITALL);
	assert_true(n > 12);
	buf[n] = '\0';
	assert_true(strncmp(buf, "HTTP/1.0 200", 12) == 0 || strncmp(buf, "HTTP/1.1 200", 12) == 0);
	for (int i = 0; i <= LIVE_PER_IP; i++)
		close(fds[i]);
	if (live_threads > 0)
		assert_int_equal(wait_active(lv, 0), 0);
	/* Closed connections give their places back (a thread per connection
	 * notices the close a moment later): within 2 s a new one is served. */
	for (int i = 0; i < 100; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct timeval tv = {.tv_sec = 2};

		assert_true(fd >= 0);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    send(fd, "GET /healthz HTTP/1.0\r\n\r\n", 26, MSG_NOSIGNAL) == 26)
			n = recv(fd, buf, sizeof(buf) - 1, MSG_WAITALL);
		close(fd);
		if (n > 12)
			break;
		usleep(20000);
	}
	assert_true(n > 12);
}

static void
test_metrics_format(void **state)
{
	struct live *lv = *state;
	char buf[4096], small[100];
	size_t n;

	n = rb_http_metrics(lv->h, buf, sizeof(buf));
	assert_true(n > 0 && n < sizeof(buf));
	assert_int_equal(strlen(buf), n);
	assert_true(buf[n - 1] == '\n');
	/* All or nothing. */
	assert_int_equal(rb_http_metrics(lv->h, small, sizeof(small)), 0);
	assert_string_equal(small, "");
	assert_int_equal(rb_http_metrics(lv->h, buf, n), 0);
	assert_int_equal(rb_http_metrics(lv->h, buf, n + 1), n);
	assert_int_equal(rb_http_metrics(lv->h, small, 0), 0);
}

static void
test_start_failures(void **state)
{
	struct live *lv = *state;
	struct rb_http_config cfg = {.root = "/nonexistent/rackboot", .port = 1, .threads = 1};
	char why[256] = "";

	errno = 0;
	assert_null(rb_http_start(&cfg, why, sizeof(why)));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(why,
			    "cannot open root /nonexistent/rackboot: No such file or directory");

	cfg.root = lv->root;
	cfg.port = lv->port; /* already ours */
	errno = 0;
	assert_null(rb_http_start(&cfg, why, sizeof(why)));
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(why, "cannot listen on port "));

	rb_http_stop(NULL);
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
	    cmocka_unit_test(test_parse_range),	       cmocka_unit_test(test_url_to_path),
	    cmocka_unit_test(test_url_to_path_length), cmocka_unit_test(test_boot_set),
	    cmocka_unit_test(test_unescape),	       cmocka_unit_test(test_cb_args),
	    cmocka_unit_test(test_client_addr),
	};
	const struct CMUnitTest live[] = {
	    cmocka_unit_test(test_live_get),	   cmocka_unit_test(test_live_range),
	    cmocka_unit_test(test_live_head),	   cmocka_unit_test(test_live_keepalive),
	    cmocka_unit_test(test_live_errors),	   cmocka_unit_test(test_live_dirs),
	    cmocka_unit_test(test_live_endpoints), cmocka_unit_test(test_live_connections),
	    cmocka_unit_test(test_live_per_ip),	   cmocka_unit_test(test_metrics_format),
	    cmocka_unit_test(test_start_failures), cmocka_unit_test(test_live_boot),
	    cmocka_unit_test(test_live_template),  cmocka_unit_test(test_live_boot_files),
	};
	int fails;

	fails = cmocka_run_group_tests_name("http_pure", pure, NULL, NULL);
	live_threads = 0;
	fails += cmocka_run_group_tests_name("http_live_per_connection", live, live_setup,
					     live_teardown);
	live_threads = 2;
	fails += cmocka_run_group_tests_name("http_live_pool", live, live_setup, live_teardown);
	return fails;
}
