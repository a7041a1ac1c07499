/* SPDX-License-Identifier: BSD-3-Clause */
/* The channel's framing, and the metrics text built from its stats. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "channel.h"

static void
test_roundtrip(void **state)
{
	struct rb_dp_config cfg = {.server_ip = 0x010012c6, .prefix_len = 24, .mtu = 1500};
	char buf[RB_CHAN_MAX_MSG + 64];
	struct rb_msg_hdr hdr;
	const void *pl;
	int n;

	(void)state;
	strcpy(cfg.interface, "rb-srv0");
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_DP_CONFIG, 7, &cfg, sizeof(cfg));
	assert_int_equal(n, (int)(sizeof(hdr) + sizeof(cfg)));
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &pl), 0);
	assert_int_equal(hdr.type, RB_MSG_DP_CONFIG);
	assert_int_equal(hdr.seq, 7);
	assert_memory_equal(pl, &cfg, sizeof(cfg));

	n = rb_msg_build(buf, sizeof(buf), RB_MSG_STATS_REQ, 8, NULL, 0);
	assert_int_equal(n, (int)sizeof(hdr));
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &pl), 0);
	assert_int_equal(hdr.type, RB_MSG_STATS_REQ);
}

static void
test_rejects(void **state)
{
	struct rb_stats st = {0};
	char buf[RB_CHAN_MAX_MSG + 64], small[8];
	struct rb_msg_hdr hdr;
	const void *pl;
	int n;

	(void)state;
	assert_int_equal(rb_msg_build(small, sizeof(small), RB_MSG_SHUTDOWN, 1, NULL, 0),
			 -EMSGSIZE);
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_STATS_REP, 1, &st, sizeof(st));
	assert_true(n > 0);
	/* truncated datagram */
	assert_int_equal(rb_msg_parse(buf, (size_t)n - 1, &hdr, &pl), -EBADMSG);
	assert_int_equal(rb_msg_parse(buf, 3, &hdr, &pl), -EBADMSG);
	/* a stale binary on the other end */
	buf[0] = 99;
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &pl), -EPROTO);
	/* right length for the header, wrong size for the type */
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_DP_READY, 1, &st, 8);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &pl), -EBADMSG);
	/* unknown type */
	n = rb_msg_build(buf, sizeof(buf), (enum rb_msg_type)77, 1, NULL, 0);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &pl), -EBADMSG);
}

static void
test_roots(void **state)
{
	static const struct rb_boot_root roots[] = {
	    {"", "/var/lib/rackboot/tftp"},
	    {"pxelinux.0", "/usr/lib/PXELINUX/pxelinux.0"},
	    {"d-i/amd64", "/usr/lib/debian-installer/images/12/amd64/text/debian-installer"},
	};
	static char pl[RB_CHAN_MAX_MSG], buf[RB_CHAN_MAX_MSG + 64];
	struct rb_boot_root out[RB_MAX_BOOT_ROOTS];
	struct rb_msg_hdr hdr;
	const void *p;
	int len, n, i;

	(void)state;
	len = rb_roots_encode(pl, sizeof(pl), roots, 3);
	assert_int_equal(len, 8 + 3 * 4 + (0 + 1 + 22 + 1) + (10 + 1 + 28 + 1) + (9 + 1 + 63 + 1));
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_TFTP_ROOTS, 5, pl, (size_t)len);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &p), 0);
	assert_int_equal(hdr.type, RB_MSG_TFTP_ROOTS);
	assert_int_equal(rb_roots_decode(p, hdr.len, out, RB_MAX_BOOT_ROOTS), 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(out[i].prefix, roots[i].prefix);
		assert_string_equal(out[i].path, roots[i].path);
	}
	assert_int_equal(rb_roots_decode(p, hdr.len, out, 2), -ENOBUFS);
	/* every shorter datagram is refused, as is one byte more */
	for (i = 0; i < len; i++)
		assert_int_equal(rb_roots_decode(pl, (size_t)i, NULL, 0), -EBADMSG);
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_TFTP_ROOTS, 5, pl, (size_t)len - 1);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &p), -EBADMSG);
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_TFTP_ROOTS, 5, pl, (size_t)len + 1);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &p), -EBADMSG);
	/* the empty list */
	assert_int_equal(rb_roots_encode(pl, sizeof(pl), NULL, 0), 8);
	assert_int_equal(rb_roots_decode(pl, 8, out, 0), 0);
}

static void
test_roots_rejects(void **state)
{
	static char pl[RB_CHAN_MAX_MSG + 64], path[RB_PATH_MAX + 1], name[RB_BOOT_NAME_MAX + 2];
	static struct rb_boot_root many[RB_MAX_BOOT_ROOTS + 1];
	struct rb_boot_root r = {"x", "/x"};
	uint32_t count;
	int len, i;

	(void)state;
	for (i = 0; i <= RB_MAX_BOOT_ROOTS; i++)
		many[i] = (struct rb_boot_root){"", "/srv"};
	assert_int_equal(rb_roots_encode(pl, sizeof(pl), many, RB_MAX_BOOT_ROOTS + 1), -E2BIG);
	len = rb_roots_encode(pl, sizeof(pl), many, RB_MAX_BOOT_ROOTS);
	assert_true(len > 0);
	assert_int_equal(rb_roots_decode(pl, (size_t)len, NULL, 0), RB_MAX_BOOT_ROOTS);
	/* a count past the limit, or past the records there are */
	count = RB_MAX_BOOT_ROOTS + 1;
	memcpy(pl, &count, 4);
	assert_int_equal(rb_roots_decode(pl, (size_t)len, NULL, 0), -EBADMSG);
	count = 2;
	memcpy(pl, &count, 4);
	assert_int_equal(rb_roots_decode(pl, (size_t)len, NULL, 0), -EBADMSG);
	/* 16 roots with 4095-byte paths do not fit in one message */
	memset(path, 'p', RB_PATH_MAX - 1);
	path[0] = '/';
	for (i = 0; i < 16; i++)
		many[i] = (struct rb_boot_root){"", path};
	assert_int_equal(rb_roots_encode(pl, sizeof(pl), many, 14), 8 + 14 * (4 + 1 + 4096));
	assert_int_equal(rb_roots_encode(pl, sizeof(pl), many, 16), -EMSGSIZE);
	assert_int_equal(rb_roots_encode(pl, 100, many, 1), -EMSGSIZE);
	/* what the format does not allow */
	path[RB_PATH_MAX - 1] = 'p';
	r.path = path;
	assert_int_equal(rb_roots_encode(pl, sizeof(pl), &r, 1), -EINVAL);
	r.path = "relative";
	assert_int_equal(rb_roots_encode(pl, sizeof(pl), &r, 1), -EINVAL);
	r.path = "";
	assert_int_equal(rb_roots_encode(pl, sizeof(pl), &r, 1), -EINVAL);
	memset(name, 'n', sizeof(name) - 1);
	r = (struct rb_boot_root){name, "/x"};
	assert_int_equal(rb_roots_encode(pl, sizeof(pl), &r, 1), -EINVAL);
	r.prefix = "ab";
	len = rb_roots_encode(pl, sizeof(pl), &r, 1);
	assert_int_equal(len, 8 + 4 + 3 + 3);
	assert_int_equal(rb_roots_decode(pl, (size_t)len, NULL, 0), 1);
	pl[12 + 1] = '\0'; /* a NUL inside the prefix */
	assert_int_equal(rb_roots_decode(pl, (size_t)len, NULL, 0), -EBADMSG);
	pl[12 + 1] = 'b';
	pl[12 + 2] = '!'; /* the prefix's NUL missing */
	assert_int_equal(rb_roots_decode(pl, (size_t)len, NULL, 0), -EBADMSG);
	pl[12 + 2] = '\0';
	pl[12 + 3] = 'x'; /* a relative path */
	assert_int_equal(rb_roots_decode(pl, (size_t)len, NULL, 0), -EBADMSG);
	pl[12 + 3] = '/';
	assert_int_equal(rb_roots_decode(pl, (size_t)len, NULL, 0), 1);
	pl[8 + 2] = 0; /* path_len 0 */
	pl[8 + 3] = 0;
	assert_int_equal(rb_roots_decode(pl, (size_t)len, NULL, 0), -EBADMSG);
}

/* GEN_FILES: several files in one batch, through rb_msg_build/parse and back. */
static void
test_gen_files(void **state)
{
	static char pl[RB_CHAN_MAX_MSG], buf[RB_CHAN_MAX_MSG + 64], data[RB_GEN_FILE_MAX + 1];
	static const char menu[] = "UI menu.c32\nTIMEOUT 50\n";
	static const char host[] = "DEFAULT install\n";
	struct rb_gen_file out[4];
	struct rb_msg_hdr hdr;
	size_t off = 0, want;
	uint32_t flags = 0;
	const void *p;
	int n, len, i;

	(void)state;
	assert_int_equal(rb_gen_files_add(pl, sizeof(pl), &off, RB_GEN_F_FIRST,
					  "pxelinux.cfg/default", menu, strlen(menu)),
			 0);
	assert_int_equal(off, 8 + 6 + 21 + strlen(menu));
	assert_int_equal(rb_gen_files_add(pl, sizeof(pl), &off, 0,
					  "pxelinux.cfg/01-52-54-00-00-00-01", host, strlen(host)),
			 0);
	assert_int_equal(rb_gen_files_add(pl, sizeof(pl), &off, 0, "empty", "", 0), 0);
	want = 8 + (6 + 21 + strlen(menu)) + (6 + 34 + strlen(host)) + (6 + 6);
	assert_int_equal(off, want);
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_GEN_FILES, 3, pl, off);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &p), 0);
	assert_int_equal(hdr.type, RB_MSG_GEN_FILES);
	assert_int_equal(rb_gen_files_decode(p, hdr.len, &flags, out, 4), 3);
	/* the flags of the first call stay; later calls' are ignored */
	assert_int_equal(flags, RB_GEN_F_FIRST);
	assert_string_equal(out[0].name, "pxelinux.cfg/default");
	assert_int_equal(out[0].len, strlen(menu));
	assert_memory_equal(out[0].data, menu, strlen(menu));
	assert_string_equal(out[1].name, "pxelinux.cfg/01-52-54-00-00-00-01");
	assert_int_equal(out[1].len, strlen(host));
	assert_memory_equal(out[1].data, host, strlen(host));
	assert_string_equal(out[2].name, "empty");
	assert_int_equal(out[2].len, 0);
	assert_int_equal(rb_gen_files_decode(p, hdr.len, &flags, out, 2), -ENOBUFS);
	assert_int_equal(rb_gen_files_decode(p, hdr.len, &flags, NULL, 0), 3);
	/* a batch that does not start a set */
	off = 0;
	assert_int_equal(rb_gen_files_add(pl, sizeof(pl), &off, 0, "boot.ipxe", "#!ipxe\n", 7), 0);
	assert_int_equal(rb_gen_files_decode(pl, off, &flags, out, 4), 1);
	assert_int_equal(flags, 0);
	assert_memory_equal(out[0].data, "#!ipxe\n", 7);
	/* GEN_PUBLISH carries nothing */
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_GEN_PUBLISH, 4, NULL, 0);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &p), 0);
	assert_int_equal(hdr.type, RB_MSG_GEN_PUBLISH);
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_GEN_PUBLISH, 4, pl, 1);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &p), -EBADMSG);
	/* files of the largest size: as many as fit, then -EMSGSIZE, the
	 * batch unchanged and still whole */
	memset(data, 'd', sizeof(data));
	off = 0;
	assert_int_equal(
	    rb_gen_files_add(pl, sizeof(pl), &off, RB_GEN_F_FIRST, "a", data, RB_GEN_FILE_MAX), 0);
	want = off;
	assert_int_equal(rb_gen_files_add(pl, sizeof(pl), &off, 0, "b", data, RB_GEN_FILE_MAX),
			 -EMSGSIZE);
	assert_int_equal(off, want);
	len = (int)(RB_CHAN_MAX_MSG - off - 6 - 2); /* exactly what is left for "c" */
	assert_int_equal(rb_gen_files_add(pl, sizeof(pl), &off, 0, "c", data, (size_t)len + 1),
			 -EMSGSIZE);
	assert_int_equal(rb_gen_files_add(pl, sizeof(pl), &off, 0, "c", data, (size_t)len), 0);
	assert_int_equal(off, RB_CHAN_MAX_MSG);
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_GEN_FILES, 5, pl, off);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &p), 0);
	assert_int_equal(rb_gen_files_decode(p, hdr.len, &flags, out, 4), 2);
	assert_int_equal(out[1].len, len);
	/* a cap past the largest message counts as the largest message */
	off = 0;
	assert_int_equal(rb_gen_files_add(buf, sizeof(buf), &off, 0, "a", data, RB_GEN_FILE_MAX),
			 0);
	assert_int_equal(rb_gen_files_add(buf, sizeof(buf), &off, 0, "b", data, RB_GEN_FILE_MAX),
			 -EMSGSIZE);
	/* a small buffer: not even the header */
	off = 0;
	assert_int_equal(rb_gen_files_add(pl, 4, &off, 0, "a", "x", 1), -EMSGSIZE);
	assert_int_equal(rb_gen_files_add(pl, 16, &off, 0, "a", "x", 1), -EMSGSIZE);
	for (i = 0; i < 5; i++) /* room for exactly four records of 9 bytes */
		assert_int_equal(rb_gen_files_add(pl, 8 + 4 * (6 + 2 + 1), &off, 0, "a", "x", 1),
				 i < 4 ? 0 : -EMSGSIZE);
	assert_int_equal(rb_gen_files_decode(pl, off, &flags, NULL, 0), 4);
}

static void
test_gen_files_rejects(void **state)
{
	static char pl[RB_CHAN_MAX_MSG], buf[RB_CHAN_MAX_MSG + 64], name[RB_BOOT_NAME_MAX + 2];
	struct rb_msg_hdr hdr;
	uint32_t flags, count;
	size_t off = 0, len;
	const void *p;
	int n, i;

	(void)state;
	/* names and sizes the format does not allow */
	assert_int_equal(rb_gen_files_add(pl, sizeof(pl), &off, 0, "", "x", 1), -EINVAL);
	memset(name, 'n', RB_BOOT_NAME_MAX + 1);
	assert_int_equal(rb_gen_files_add(pl, sizeof(pl), &off, 0, name, "x", 1), -EINVAL);
	name[RB_BOOT_NAME_MAX] = '\0';
	assert_int_equal(rb_gen_files_add(pl, sizeof(pl), &off, 0, name, "x", 1), 0);
	assert_int_equal(rb_gen_files_add(pl, sizeof(pl), &off, 0, "big", pl, RB_GEN_FILE_MAX + 1),
			 -EINVAL);
	assert_int_equal(rb_gen_files_decode(pl, off, &flags, NULL, 0), 1);

	off = 0;
	assert_int_equal(rb_gen_files_add(pl, sizeof(pl), &off, RB_GEN_F_FIRST, "ab", "xyz", 3), 0);
	assert_int_equal(rb_gen_files_add(pl, sizeof(pl), &off, 0, "cd", "", 0), 0);
	len = off;
	assert_int_equal(len, 8 + (6 + 3 + 3) + (6 + 3));
	/* every shorter payload is refused, and one byte more, by both */
	for (i = 0; i < (int)len; i++) {
		assert_int_equal(rb_gen_files_decode(pl, (size_t)i, &flags, NULL, 0), -EBADMSG);
		n = rb_msg_build(buf, sizeof(buf), RB_MSG_GEN_FILES, 1, pl, (size_t)i);
		assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &p), -EBADMSG);
	}
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_GEN_FILES, 1, pl, len + 1);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &p), -EBADMSG);
	/* a datagram cut short of what its header says */
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_GEN_FILES, 1, pl, len);
	assert_int_equal(rb_msg_parse(buf, (size_t)n - 1, &hdr, &p), -EBADMSG);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &p), 0);
	/* counts: past the records there are, fewer than there are, past the limit */
	count = 3;
	memcpy(pl, &count, 4);
	assert_int_equal(rb_gen_files_decode(pl, len, &flags, NULL, 0), -EBADMSG);
	count = 1;
	memcpy(pl, &count, 4);
	assert_int_equal(rb_gen_files_decode(pl, len, &flags, NULL, 0), -EBADMSG);
	count = RB_GEN_MAX_FILES + 1;
	memcpy(pl, &count, 4);
	assert_int_equal(rb_gen_files_decode(pl, len, &flags, NULL, 0), -EBADMSG);
	count = 2;
	memcpy(pl, &count, 4);
	assert_int_equal(rb_gen_files_decode(pl, len, &flags, NULL, 0), 2);
	/* the first record: name_len at 8, data_len at 10, name at 14 */
	pl[14 + 1] = '\0'; /* a NUL inside the name */
	assert_int_equal(rb_gen_files_decode(pl, len, &flags, NULL, 0), -EBADMSG);
	pl[14 + 1] = 'b';
	pl[14 + 2] = '!'; /* the name's NUL missing */
	assert_int_equal(rb_gen_files_decode(pl, len, &flags, NULL, 0), -EBADMSG);
	pl[14 + 2] = '\0';
	pl[8] = 0; /* name_len 0 */
	assert_int_equal(rb_gen_files_decode(pl, len, &flags, NULL, 0), -EBADMSG);
	pl[8] = 2;
	pl[10] = 4; /* data_len one past what is there before the next record */
	assert_int_equal(rb_gen_files_decode(pl, len, &flags, NULL, 0), -EBADMSG);
	pl[10] = 0; /* or past the limit */
	pl[11] = (char)0xff;
	pl[12] = (char)0xff;
	assert_int_equal(rb_gen_files_decode(pl, len, &flags, NULL, 0), -EBADMSG);
	pl[11] = pl[12] = 0;
	pl[10] = 3;
	assert_int_equal(rb_gen_files_decode(pl, len, &flags, NULL, 0), 2);
	n = rb_msg_build(buf, sizeof(buf), RB_MSG_GEN_FILES, 1, pl, len);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &p), 0);
}

static void
test_counter_names(void **state)
{
	(void)state;
	assert_string_equal(rb_counter_names[RB_CNT_rx_frames], "rx_frames");
	assert_string_equal(rb_drop_names[RB_DROP_tx_full], "tx_full");
	for (int i = 0; i < RB_DROP_MAX; i++)
		assert_non_null(rb_drop_help[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),	      cmocka_unit_test(test_rejects),
	    cmocka_unit_test(test_counter_names),     cmocka_unit_test(test_roots),
	    cmocka_unit_test(test_roots_rejects),     cmocka_unit_test(test_gen_files),
	    cmocka_unit_test(test_gen_files_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
