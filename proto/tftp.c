/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tftp.c: the TFTP codec. See tftp.h for the contract.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "tftp.h"
#include "wire.h"

/* Option names, indexed by bit position in enum tftp_opt_bit: the order the
 * builders write them in. */
static const char *const opt_names[] = {"blksize", "tsize", "timeout", "windowsize", "multicast"};
#define N_OPTS (sizeof(opt_names) / sizeof(opt_names[0]))

/* Which packet the options came in: their legal values differ. */
enum opt_ctx { CTX_RRQ, CTX_WRQ, CTX_OACK };

/* ASCII only: the C library's tolower() follows the locale. */
static inline unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 'a' - 'A') : c;
}

/* Case-insensitive match of the n bytes at s against the lowercase word. */
static bool
word_is(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (word[i] == '\0' || lower((unsigned char)s[i]) != (unsigned char)word[i])
			return false;
	return word[n] == '\0';
}

/*
 * Take the NUL-terminated string at the cursor: *s and *n (the NUL not
 * counted), the cursor moved past its NUL. False, cursor unmoved, when no
 * NUL is left.
 */
static bool
take_str(struct wire *w, const char **s, size_t *n)
{
	size_t left = wire_left(w);
	const uint8_t *p, *z;

	if (left == 0)
		return false;
	p = w->buf + w->off;
	z = memchr(p, 0, left);
	if (!z)
		return false;
	*s = (const char *)p;
	*n = (size_t)(z - p);
	wire_skip(w, *n + 1);
	return true;
}

/*
 * Strict decimal, the strtonum() idea without the C library's leniency
 * (no sign, no space, no base prefix, no empty string): true and *v set
 * when s[0..n) is all digits and its value lies in lo..hi.
 */
static bool
dec(const char *s, size_t n, uint64_t lo, uint64_t hi, uint64_t *v)
{
	uint64_t x = 0;
	unsigned d;
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	if (x < lo || x > hi)
		return false;
	*v = x;
	return true;
}

/* A dotted-quad IPv4 address, 1..3 digits per part, into network order. */
static bool
ipv4(const char *s, size_t n, uint32_t *addr)
{
	uint8_t b[4];
	uint64_t v;
	size_t i = 0, start;
	int part;

	for (part = 0; part < 4; part++) {
		start = i;
		while (i < n && s[i] != '.')
			i++;
		if (i - start > 3 || !dec(s + start, i - start, 0, 255, &v))
			return false;
		b[part] = (uint8_t)v;
		if (part < 3) {
			if (i == n)
				return false;
			i++; /* the dot */
		}
	}
	if (i != n)
		return false;
	memcpy(addr, b, 4);
	return true;
}

/* An OACK's multicast value "addr,port,mc", addr and port possibly empty. */
static bool
mcast_value(const char *s, size_t n, struct tftp_opts *o)
{
	const char *c1, *c2;
	uint64_t v;
	size_t alen, plen;

	c1 = memchr(s, ',', n);
	if (!c1)
		return false;
	alen = (size_t)(c1 - s);
	c2 = memchr(c1 + 1, ',', n - alen - 1);
	if (!c2)
		return false;
	plen = (size_t)(c2 - c1 - 1);
	o->mc_addr = 0;
	o->mc_port = 0;
	if (alen && !ipv4(s, alen, &o->mc_addr))
		return false;
	if (plen) {
		if (!dec(c1 + 1, plen, 1, 65535, &v))
			return false;
		o->mc_port = (uint16_t)v;
	}
	/* dec() also refuses a third comma, being no digit */
	if (!dec(c2 + 1, n - alen - plen - 2, 0, 1, &v))
		return false;
	o->mc_master = (uint8_t)v;
	return true;
}

/* Check one known option's value and store it. False when it is bad. */
static bool
opt_value(unsigned idx, const char *v, size_t n, enum opt_ctx ctx, struct tftp_opts *o)
{
	uint64_t x;

	switch (1u << idx) {
	case TFTP_OPT_BLKSIZE:
		if (!dec(v, n, TFTP_BLKSIZE_MIN, TFTP_BLKSIZE_MAX, &x))
			return false;
		o->blksize = (uint16_t)x;
		return true;
	case TFTP_OPT_TSIZE:
		/* In an RRQ the client asks for the size and must send 0. */
		if (!dec(v, n, 0, ctx == CTX_RRQ ? 0 : UINT64_MAX, &x))
			return false;
		o->tsize = x;
		return true;
	case TFTP_OPT_TIMEOUT:
		if (!dec(v, n, TFTP_TIMEOUT_MIN, TFTP_TIMEOUT_MAX, &x))
			return false;
		o->timeout = (uint8_t)x;
		return true;
	case TFTP_OPT_WINDOWSIZE:
		if (!dec(v, n, TFTP_WINDOWSIZE_MIN, TFTP_WINDOWSIZE_MAX, &x))
			return false;
		o->windowsize = (uint16_t)x;
		return true;
	case TFTP_OPT_MULTICAST:
		if (ctx != CTX_OACK) {
			/* RFC 2090: a request carries an empty value. */
			o->mc_addr = 0;
			o->mc_port = 0;
			o->mc_master = 0;
			return n == 0;
		}
		return mcast_value(v, n, o);
	}
	return false;
}

/*
 * Read name/value pairs up to the end. The caller has checked that the
 * packet ends in a NUL, so every string here is terminated and a missing
 * NUL cannot happen; what can happen is tolerated and flagged (tftp.h).
 */
static void
parse_opts(struct wire *w, enum opt_ctx ctx, struct tftp_opts *o, uint8_t *bad, uint32_t *flags)
{
	const char *name, *val;
	size_t nlen, vlen;
	unsigned idx, seen = 0;

	while (take_str(w, &name, &nlen)) {
		/* An empty name is NUL padding, and a lone name has no value:
		 * neither can be an option, nor can anything after them. */
		if (nlen == 0 || !take_str(w, &val, &vlen)) {
			*flags |= TFTP_F_TRAILING;
			return;
		}
		for (idx = 0; idx < N_OPTS; idx++)
			if (word_is(name, nlen, opt_names[idx]))
				break;
		if (idx == N_OPTS) {
			*flags |= TFTP_F_UNKNOWN_OPT;
			continue;
		}
		if (seen & (1u << idx)) {
			*flags |= TFTP_F_DUP_OPT;
			continue;
		}
		seen |= 1u << idx;
		if (opt_value(idx, val, vlen, ctx, o)) {
			o->mask |= (uint8_t)(1u << idx);
		} else {
			*bad |= (uint8_t)(1u << idx);
			*flags |= TFTP_F_BAD_VALUE;
		}
	}
}

int
tftp_parse_request(const uint8_t *buf, size_t len, struct tftp_req *out)
{
	struct wire w;
	const char *s;
	size_t n;

	memset(out, 0, sizeof(*out));
	wire_init(&w, buf, len);
	out->opcode = wire_u16(&w);
	if (!wire_ok(&w))
		return TFTP_E_SHORT;
	if (out->opcode != TFTP_RRQ && out->opcode != TFTP_WRQ)
		return TFTP_E_BAD_OPCODE;
	if (wire_left(&w) == 0)
		return TFTP_E_SHORT;
	/* Every string ends in a NUL, the last one included (tftp.h). */
	if (buf[len - 1] != 0)
		return TFTP_E_UNTERMINATED;

	(void)take_str(&w, &s, &n); /* cannot fail: the last byte is a NUL */
	if (n == 0 || n > TFTP_FILENAME_MAX)
		return TFTP_E_BAD_FILENAME;
	memcpy(out->filename, s, n);
	out->filename[n] = '\0';
	out->filename_len = (uint16_t)n;

	if (!take_str(&w, &s, &n))
		return TFTP_E_SHORT;
	if (word_is(s, n, "octet"))
		out->mode = TFTP_MODE_OCTET;
	else if (word_is(s, n, "netascii"))
		out->mode = TFTP_MODE_NETASCII;
	else if (word_is(s, n, "mail"))
		out->mode = TFTP_MODE_MAIL;
	else
		return TFTP_E_BAD_MODE;

	parse_opts(&w, out->opcode == TFTP_RRQ ? CTX_RRQ : CTX_WRQ, &out->opts, &out->bad,
		   &out->flags);
	return TFTP_OK;
}

/* Copy an ERROR message into out->msg, cut and made printable. */
static void
error_msg(struct wire *w, struct tftp_pkt *out)
{
	size_t left = wire_left(w), n, i;
	const uint8_t *p = w->buf + w->off;
	const uint8_t *z = left ? memchr(p, 0, left) : NULL;
	unsigned char c;

	if (z) {
		n = (size_t)(z - p);
		if (n + 1 < left)
			out->flags |= TFTP_F_TRAILING;
	} else {
		n = left;
		out->flags |= TFTP_F_NO_NUL;
	}
	if (n > TFTP_ERRMSG_MAX) {
		n = TFTP_ERRMSG_MAX;
		out->flags |= TFTP_F_MSG_TRUNC;
	}
	/* The message is peer-chosen and ends up in logs: no control bytes. */
	for (i = 0; i < n; i++) {
		c = p[i];
		out->msg[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out->msg[n] = '\0';
}

int
tftp_parse(const uint8_t *buf, size_t len, struct tftp_pkt *out)
{
	struct wire w;
	uint16_t v;

	/* Not a memset: this runs for every ACK, and msg alone is 256 bytes.
	 * What does not apply to the opcode reads as zero, empty or no options. */
	out->opcode = out->block = out->code = 0;
	out->bad = 0;
	out->flags = 0;
	out->data = NULL;
	out->data_len = 0;
	out->msg[0] = '\0';
	memset(&out->opts, 0, sizeof(out->opts));
	wire_init(&w, buf, len);
	out->opcode = wire_u16(&w);
	if (!wire_ok(&w))
		return TFTP_E_SHORT;

	if (out->opcode < TFTP_DATA || out->opcode > TFTP_OACK)
		return TFTP_E_BAD_OPCODE;
	if (out->opcode == TFTP_OACK) {
		/* Same string rule as a request (tftp.h). */
		if (len > 2 && buf[len - 1] != 0)
			return TFTP_E_UNTERMINATED;
		parse_opts(&w, CTX_OACK, &out->opts, &out->bad, &out->flags);
		return TFTP_OK;
	}

	/* DATA, ACK, ERROR: a 16-bit block number or error code follows. */
	v = wire_u16(&w);
	if (!wire_ok(&w))
		return TFTP_E_SHORT;
	switch (out->opcode) {
	case TFTP_DATA:
		out->block = v;
		out->data = buf + TFTP_HDR_LEN;
		out->data_len = len - TFTP_HDR_LEN;
		break;
	case TFTP_ACK:
		out->block = v;
		if (len > TFTP_HDR_LEN)
			out->flags |= TFTP_F_TRAILING;
		break;
	case TFTP_ERROR:
		out->code = v;
		error_msg(&w, out);
		break;
	}
	return TFTP_OK;
}

const char *
tftp_err_name(int err)
{
	switch (err) {
	case TFTP_OK:
		return "ok";
	case TFTP_E_SHORT:
		return "short";
	case TFTP_E_BAD_OPCODE:
		return "bad_opcode";
	case TFTP_E_UNTERMINATED:
		return "unterminated";
	case TFTP_E_BAD_FILENAME:
		return "bad_filename";
	case TFTP_E_BAD_MODE:
		return "bad_mode";
	}
	return "unknown";
}

const char *
tftp_opcode_name(uint16_t opcode)
{
	static const char *const names[] = {"none", "rrq", "wrq", "data", "ack", "error", "oack"};
	return opcode < sizeof(names) / sizeof(names[0]) ? names[opcode] : "unknown";
}

const char *
tftp_mode_name(uint8_t mode)
{
	static const char *const names[] = {"none", "netascii", "octet", "mail"};
	return mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "unknown";
}

const char *
tftp_code_name(uint16_t code)
{
	static const char *const names[] = {
	    "Not defined",
	    "File not found",
	    "Access violation",
	    "Disk full or allocation exceeded",
	    "Illegal TFTP operation",
	    "Unknown transfer ID",
	    "File already exists",
	    "No such user",
	    "Option negotiation refused",
	};
	return code < sizeof(names) / sizeof(names[0]) ? names[code] : "Unknown error";
}

/* --- building ------------------------------------------------------------ */

/* A write cursor: like struct wire, a failed write sets a sticky error. */
struct out {
	uint8_t *buf;
	size_t cap;
	size_t off;
	bool full;
};

static void
out_bytes(struct out *o, const void *p, size_t n)
{
	if (o->full || n > o->cap - o->off) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->off, p, n);
	o->off += n;
}

static void
out_u16(struct out *o, uint16_t v)
{
	uint8_t b[2];

	put_u16(b, v);
	out_bytes(o, b, 2);
}

/* A C string with its NUL. */
static void
out_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s) + 1);
}

/* Plain decimal, no NUL. */
static void
out_dec(struct out *o, uint64_t v)
{
	char tmp[20]; /* UINT64_MAX has 20 digits */
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	out_bytes(o, tmp + i, sizeof(tmp) - i);
}

static int
out_len(const struct out *o)
{
	return o->full ? -ENOSPC : (int)o->off;
}

/*
 * The options in opts->mask, in the fixed order. A request's multicast is
 * empty; an OACK's is "addr,port,mc" with empty fields for zero values.
 */
static void
out_opts(struct out *o, const struct tftp_opts *opts, bool oack)
{
	const uint8_t *a = (const uint8_t *)&opts->mc_addr;
	unsigned idx, i;

	for (idx = 0; idx < N_OPTS; idx++) {
		if (!(opts->mask & (1u << idx)))
			continue;
		out_str(o, opt_names[idx]);
		switch (1u << idx) {
		case TFTP_OPT_BLKSIZE:
			out_dec(o, opts->blksize);
			break;
		case TFTP_OPT_TSIZE:
			out_dec(o, opts->tsize);
			break;
		case TFTP_OPT_TIMEOUT:
			out_dec(o, opts->timeout);
			break;
		case TFTP_OPT_WINDOWSIZE:
			out_dec(o, opts->windowsize);
			break;
		case TFTP_OPT_MULTICAST:
			if (!oack)
				break;
			for (i = 0; opts->mc_addr && i < 4; i++) {
				if (i)
					out_bytes(o, ".", 1);
				out_dec(o, a[i]);
			}
			out_bytes(o, ",", 1);
			if (opts->mc_port)
				out_dec(o, opts->mc_port);
			out_bytes(o, ",", 1);
			out_dec(o, opts->mc_master);
			break;
		}
		out_bytes(o, "", 1);
	}
}

/* DATA or ACK header: opcode and block. */
static int
hdr4(uint8_t *buf, size_t cap, uint16_t opcode, uint16_t block)
{
	if (cap < TFTP_HDR_LEN)
		return -ENOSPC;
	put_u16(buf, opcode);
	put_u16(buf + 2, block);
	return TFTP_HDR_LEN;
}

int
tftp_build_data_hdr(uint8_t *buf, size_t cap, uint16_t block)
{
	return hdr4(buf, cap, TFTP_DATA, block);
}

int
tftp_build_data(uint8_t *buf, size_t cap, uint16_t block, const void *payload, size_t len)
{
	if (cap < TFTP_HDR_LEN || len > cap - TFTP_HDR_LEN || len > INT32_MAX - TFTP_HDR_LEN)
		return -ENOSPC;
	hdr4(buf, cap, TFTP_DATA, block);
	if (len)
		memcpy(buf + TFTP_HDR_LEN, payload, len);
	return (int)(TFTP_HDR_LEN + len);
}

int
tftp_build_ack(uint8_t *buf, size_t cap, uint16_t block)
{
	return hdr4(buf, cap, TFTP_ACK, block);
}

int
tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg)
{
	size_t n = msg ? strlen(msg) : 0;

	if (cap < TFTP_HDR_LEN + 1)
		return -ENOSPC;
	if (n > cap - TFTP_HDR_LEN - 1)
		n = cap - TFTP_HDR_LEN - 1;
	if (n > INT32_MAX - TFTP_HDR_LEN - 1)
		n = INT32_MAX - TFTP_HDR_LEN - 1;
	put_u16(buf, TFTP_ERROR);
	put_u16(buf + 2, code);
	if (n)
		memcpy(buf + TFTP_HDR_LEN, msg, n);
	buf[TFTP_HDR_LEN + n] = 0;
	return (int)(TFTP_HDR_LEN + n + 1);
}

int
tftp_build_oack(uint8_t *buf, size_t cap, const struct tftp_opts *accepted)
{
	struct out o = {buf, cap, 0, false};

	out_u16(&o, TFTP_OACK);
	out_opts(&o, accepted, true);
	return out_len(&o);
}

int
tftp_build_request(uint8_t *buf, size_t cap, uint16_t opcode, const char *filename,
		   const char *mode, const struct tftp_opts *opts)
{
	struct out o = {buf, cap, 0, false};

	if (opcode != TFTP_RRQ && opcode != TFTP_WRQ)
		return -EINVAL;
	out_u16(&o, opcode);
	out_str(&o, filename);
	out_str(&o, mode);
	if (opts)
		out_opts(&o, opts, false);
	return out_len(&o);
}

uint16_t
tftp_clamp_blksize(uint32_t requested, uint16_t mtu)
{
	/* IPv4 header without options, UDP header, TFTP DATA header */
	const uint32_t overhead = 20 + 8 + TFTP_HDR_LEN;
	uint32_t fit = mtu > overhead ? mtu - overhead : 0;
	uint32_t b = requested;

	if (b > fit)
		b = fit;
	if (b > TFTP_BLKSIZE_MAX)
		b = TFTP_BLKSIZE_MAX;
	if (b < TFTP_BLKSIZE_MIN)
		b = TFTP_BLKSIZE_MIN;
	return (uint16_t)b;
}

uint64_t
tftp_block_unwrap(uint16_t wire, uint64_t expected_near)
{
	/* The signed distance from expected_near's low 16 bits, in -32768..32767:
	 * -32768 rather than +32768 puts a tie on the lower side. */
	uint16_t u = (uint16_t)(wire - (uint16_t)expected_near);
	int32_t d = u >= 32768 ? (int32_t)u - 65536 : (int32_t)u;

	if (d < 0 && expected_near < (uint64_t)-d)
		return expected_near + (uint64_t)(d + 65536); /* no block below 0 */
	if (d > 0 && expected_near > UINT64_MAX - (uint64_t)d)
		return expected_near + (uint64_t)d - 65536; /* none above the top */
	return d < 0 ? expected_near - (uint64_t)-d : expected_near + (uint64_t)d;
}
