/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_channel.c: libFuzzer target for the control <-> dataplane channel
 * (proto/channel.c): what either end runs on a datagram it receives. The
 * input goes through rb_msg_parse() as a whole datagram, and through the
 * TFTP_ROOTS and GEN_FILES payload decoders as a bare payload. Checked: a
 * message that parses has exactly the payload its header announces and
 * the size (or count of records) its type requires; a payload that decodes
 * is re-encoded from what was decoded into the same bytes, and every
 * string handed out is NUL-terminated inside the payload.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "fuzz.h"

#define IN_MAX 8192 /* the longest input looked at (run_fuzz.sh gives 4096) */

static uint8_t again[IN_MAX + 64];

/* s lies inside p[0..len) and ends with a NUL there. */
static void
check_str(const char *s, const void *p, size_t len)
{
	const char *b = p;

	CHECK(s >= b && s < b + len);
	CHECK(memchr(s, 0, (size_t)(b + len - s)) != NULL);
}

static void
roots(const uint8_t *p, size_t len)
{
	static struct rb_boot_root out[RB_MAX_BOOT_ROOTS];
	int n, i, m;

	n = rb_roots_decode(p, len, out, RB_MAX_BOOT_ROOTS);
	CHECK(n == -EBADMSG || (n >= 0 && n <= RB_MAX_BOOT_ROOTS));
	CHECK((rb_roots_decode(p, len, NULL, 0) < 0) == (n < 0));
	if (n < 0)
		return;
	for (i = 0; i < n; i++) {
		check_str(out[i].prefix, p, len);
		check_str(out[i].path, p, len);
		CHECK(out[i].path[0] == '/');
	}
	m = rb_roots_encode(again, sizeof(again), out, (size_t)n);
	CHECK(m == (int)len);
	CHECK(memcmp(again, p, 4) == 0 && memcmp(again + 8, p + 8, len - 8) == 0);
}

static void
gen_files(const uint8_t *p, size_t len)
{
	static struct rb_gen_file out[IN_MAX];
	uint32_t flags = 0, f2 = 0;
	size_t off = 0;
	int n, i;

	n = rb_gen_files_decode(p, len, &flags, out, IN_MAX);
	CHECK(n == -EBADMSG || (n >= 0 && (size_t)n <= len));
	CHECK((rb_gen_files_decode(p, len, &f2, NULL, 0) < 0) == (n < 0));
	if (n < 0)
		return;
	CHECK(f2 == flags);
	for (i = 0; i < n; i++) {
		check_str(out[i].name, p, len);
		CHECK(out[i].name[0] != '\0' && out[i].len <= RB_GEN_FILE_MAX);
		CHECK((const uint8_t *)out[i].data + out[i].len <= p + len);
		CHECK(rb_gen_files_add(again, sizeof(again), &off, flags, out[i].name, out[i].data,
				       out[i].len) == 0);
	}
	if (n == 0)
		return;
	CHECK(off == len && memcmp(again, p, len) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_msg_hdr hdr;
	const void *payload = NULL;
	long want;
	int err;

	if (size > IN_MAX)
		return 0;
	err = rb_msg_parse(data, size, &hdr, &payload);
	CHECK(err == 0 || err == -EBADMSG || err == -EPROTO);
	if (err == 0) {
		CHECK(hdr.version == RB_CHAN_VERSION);
		CHECK(payload == data + sizeof(hdr) && hdr.len == size - sizeof(hdr));
		want = rb_msg_payload_size((enum rb_msg_type)hdr.type);
		CHECK(want < 0 || (size_t)want == hdr.len);
		if (hdr.type == RB_MSG_TFTP_ROOTS)
			CHECK(rb_roots_decode(payload, hdr.len, NULL, 0) >= 0);
		if (hdr.type == RB_MSG_GEN_FILES)
			CHECK(rb_gen_files_decode(payload, hdr.len, &(uint32_t){0}, NULL, 0) >= 0);
		CHECK(rb_msg_build(again, sizeof(again), (enum rb_msg_type)hdr.type, hdr.seq,
				   payload, hdr.len) == (int)size);
		CHECK(memcmp(again, data, 12) == 0 && memcmp(again + 16, data + 16, hdr.len) == 0);
	}
	roots(data, size);
	gen_files(data, size);
	return 0;
}
