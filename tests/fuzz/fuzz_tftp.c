/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_tftp.c: libFuzzer target for the TFTP codec. Every input goes through
 * both parsers. A request that parses is rebuilt from the parsed struct and
 * re-parsed: filename, mode and accepted options must come back equal, with
 * nothing flagged, and the server's OACK for those options must fit in 512
 * bytes and parse back equal too. A transfer packet that parses is rebuilt
 * and compared the same way. The first bytes also drive the block-number and
 * blksize helpers, whose results are checked against their contracts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tftp.h"
#include "fuzz.h"

/* Equal in every option a's mask says is there (and the same mask). */
static void
check_opts_equal(const struct tftp_opts *a, const struct tftp_opts *b)
{
	CHECK(a->mask == b->mask);
	if (a->mask & TFTP_OPT_BLKSIZE)
		CHECK(a->blksize == b->blksize);
	if (a->mask & TFTP_OPT_TSIZE)
		CHECK(a->tsize == b->tsize);
	if (a->mask & TFTP_OPT_TIMEOUT)
		CHECK(a->timeout == b->timeout);
	if (a->mask & TFTP_OPT_WINDOWSIZE)
		CHECK(a->windowsize == b->windowsize);
	if (a->mask & TFTP_OPT_MULTICAST)
		CHECK(a->mc_addr == b->mc_addr && a->mc_port == b->mc_port &&
		      a->mc_master == b->mc_master);
}

/* Options a parser accepted are within their RFC ranges. */
static void
check_opts_valid(const struct tftp_opts *o)
{
	CHECK((o->mask & ~TFTP_OPT_ALL) == 0);
	if (o->mask & TFTP_OPT_BLKSIZE)
		CHECK(o->blksize >= TFTP_BLKSIZE_MIN && o->blksize <= TFTP_BLKSIZE_MAX);
	if (o->mask & TFTP_OPT_TIMEOUT)
		CHECK(o->timeout >= TFTP_TIMEOUT_MIN);
	if (o->mask & TFTP_OPT_WINDOWSIZE)
		CHECK(o->windowsize >= TFTP_WINDOWSIZE_MIN);
	if (o->mask & TFTP_OPT_MULTICAST)
		CHECK(o->mc_master <= 1);
}

/* Build the OACK a server would send for o, parse it, compare. */
static void
oack_round_trip(const struct tftp_opts *o)
{
	static struct tftp_pkt back;
	uint8_t b[512];
	int n;

	n = tftp_build_oack(b, sizeof(b), o);
	CHECK(n >= 2 && n <= 106);
	CHECK(tftp_parse(b, (size_t)n, &back) == TFTP_OK);
	CHECK(back.opcode == TFTP_OACK && back.flags == 0 && back.bad == 0);
	check_opts_equal(o, &back.opts);
}

static void
request(const uint8_t *data, size_t size)
{
	static struct tftp_req q, back;
	uint8_t b[TFTP_REQ_MAX];
	int err, n;

	err = tftp_parse_request(data, size, &q);
	if (err) {
		CHECK(err < 0 && strcmp(tftp_err_name(err), "unknown") != 0);
		return;
	}
	CHECK(q.opcode == TFTP_RRQ || q.opcode == TFTP_WRQ);
	CHECK(q.mode >= TFTP_MODE_NETASCII && q.mode <= TFTP_MODE_MAIL);
	CHECK(q.filename_len >= 1 && q.filename_len <= TFTP_FILENAME_MAX);
	CHECK(strlen(q.filename) == q.filename_len);
	CHECK((q.opts.mask & q.bad) == 0); /* a first occurrence is one or the other */
	CHECK(!q.bad == !(q.flags & TFTP_F_BAD_VALUE));
	check_opts_valid(&q.opts);
	if (q.opcode == TFTP_RRQ && (q.opts.mask & TFTP_OPT_TSIZE))
		CHECK(q.opts.tsize == 0);

	/* Any request rebuilt from what was kept fits the RFC 2347 limit. */
	n = tftp_build_request(b, sizeof(b), q.opcode, q.filename, tftp_mode_name(q.mode), &q.opts);
	CHECK(n > 0 && n <= TFTP_REQ_MAX);
	CHECK(tftp_parse_request(b, (size_t)n, &back) == TFTP_OK);
	CHECK(back.opcode == q.opcode && back.mode == q.mode && back.flags == 0 && back.bad == 0);
	CHECK(back.filename_len == q.filename_len);
	CHECK(memcmp(back.filename, q.filename, q.filename_len + 1) == 0);
	check_opts_equal(&q.opts, &back.opts);

	oack_round_trip(&q.opts);
}

static void
transfer(const uint8_t *data, size_t size)
{
	static struct tftp_pkt t, back;
	static uint8_t whole[TFTP_HDR_LEN + TFTP_BLKSIZE_MAX];
	uint8_t b[TFTP_HDR_LEN + TFTP_ERRMSG_MAX + 1];
	size_t i;
	int err, n;

	err = tftp_parse(data, size, &t);
	CHECK(tftp_opcode_name(t.opcode) != NULL);
	if (err) {
		CHECK(err < 0 && strcmp(tftp_err_name(err), "unknown") != 0);
		return;
	}
	switch (t.opcode) {
	case TFTP_DATA:
		CHECK(t.data == data + TFTP_HDR_LEN && t.data_len == size - TFTP_HDR_LEN);
		CHECK(tftp_build_data_hdr(b, sizeof(b), t.block) == TFTP_HDR_LEN);
		CHECK(memcmp(b, data, TFTP_HDR_LEN) == 0);
		if (size <= sizeof(whole)) {
			CHECK(tftp_build_data(whole, size, t.block, t.data, t.data_len) ==
			      (int)size);
			CHECK(memcmp(whole, data, size) == 0);
			CHECK(tftp_build_data(whole, size - 1, t.block, t.data, t.data_len) ==
			      -ENOSPC);
		}
		break;
	case TFTP_ACK:
		CHECK(tftp_build_ack(b, sizeof(b), t.block) == TFTP_HDR_LEN);
		CHECK(memcmp(b, data, TFTP_HDR_LEN) == 0);
		CHECK(!(t.flags & TFTP_F_TRAILING) == (size == TFTP_HDR_LEN));
		break;
	case TFTP_ERROR:
		CHECK(tftp_code_name(t.code) != NULL);
		n = (int)strlen(t.msg);
		CHECK(n <= TFTP_ERRMSG_MAX);
		for (i = 0; i < (size_t)n; i++)
			CHECK(t.msg[i] >= 0x20 && t.msg[i] < 0x7f);
		n = tftp_build_error(b, sizeof(b), t.code, t.msg);
		CHECK(n == TFTP_HDR_LEN + (int)strlen(t.msg) + 1);
		CHECK(tftp_parse(b, (size_t)n, &back) == TFTP_OK);
		CHECK(back.code == t.code && back.flags == 0 && strcmp(back.msg, t.msg) == 0);
		break;
	case TFTP_OACK:
		CHECK((t.opts.mask & t.bad) == 0);
		check_opts_valid(&t.opts);
		oack_round_trip(&t.opts);
		break;
	default:
		CHECK(0);
	}
}

/* The helpers, driven by the first 10 bytes. */
static void
helpers(const uint8_t *data, size_t size)
{
	uint64_t near = 0, got;
	uint16_t wire, mtu, bs;
	uint32_t want;
	size_t i;

	if (size < 10)
		return;
	wire = (uint16_t)(data[0] << 8 | data[1]);
	for (i = 2; i < 10; i++)
		near = near << 8 | data[i];
	got = tftp_block_unwrap(wire, near);
	CHECK(tftp_block_wire(got) == wire);
	/* closest: within half the 16-bit space, unless pushed off an end */
	if (near >= 32768 && near <= UINT64_MAX - 32768)
		CHECK(got >= near ? got - near <= 32767 : near - got <= 32768);
	else
		CHECK(got >= near ? got - near <= 65535 : near - got <= 65535);

	want = (uint32_t)data[2] << 24 | (uint32_t)data[3] << 16 | (uint32_t)data[4] << 8 | data[5];
	mtu = (uint16_t)(data[6] << 8 | data[7]);
	bs = tftp_clamp_blksize(want, mtu);
	CHECK(bs >= TFTP_BLKSIZE_MIN && bs <= TFTP_BLKSIZE_MAX);
	CHECK(bs <= want || bs == TFTP_BLKSIZE_MIN);
	CHECK(bs + 32u <= mtu || bs == TFTP_BLKSIZE_MIN);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	request(data, size);
	transfer(data, size);
	helpers(data, size);
	return 0;
}
