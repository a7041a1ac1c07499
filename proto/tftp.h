/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tftp.h: TFTP codec (RFC 1350) with option extension (RFC 2347) and the
 * blksize (2348), tsize and timeout (2349), windowsize (7440) and multicast
 * (2090) options. Pure: no DPDK, no I/O, no allocation.
 *
 * Requests (RRQ, WRQ) go through tftp_parse_request(), everything a transfer
 * sees afterwards (DATA, ACK, ERROR, OACK) through tftp_parse(). Both copy
 * what they keep (filename, error message) into the output struct, so the
 * packet can be freed as soon as they return; only a DATA payload pointer
 * points into the caller's buffer.
 *
 * Strings in RRQ, WRQ and OACK: every string, the last one included, must
 * end in a NUL, so a packet whose last byte is not a NUL is refused
 * (TFTP_E_UNTERMINATED). Between that and the end, the parser is lenient
 * the way RFC 2347 asks a server to be: an option it does not know, or whose
 * value is malformed or out of range, is left out of the result (so it is
 * not acknowledged) and reported in `flags` (and, for a known option, in
 * `bad`); a repeated option keeps its first occurrence; a name without a
 * value at the end, or an empty name (NUL padding) and anything after it,
 * is ignored and flagged TFTP_F_TRAILING.
 *
 * Option values are plain decimal: digits only, no sign, no space, no empty
 * value, no overflow; leading zeros are allowed.
 *
 * Block numbers: the wire carries 16 bits. A transfer longer than 65535
 * blocks wraps to 0 (absolute block 65536 is wire block 0), the convention
 * tftp-hpa, atftp and curl accept; tftp_block_unwrap() maps a wire number
 * back to the absolute one closest to where the transfer is.
 *
 * Builders write into (buf, cap) and return the length written, or -ENOSPC
 * when the packet does not fit (nothing useful is then in buf). Only
 * tftp_build_error() truncates (its message) instead of failing.
 */
#ifndef RB_PROTO_TFTP_H
#define RB_PROTO_TFTP_H

#include <stddef.h>
#include <stdint.h>

#define TFTP_HDR_LEN 4		 /* opcode + block (DATA, ACK) or code (ERROR) */
#define TFTP_DEFAULT_BLKSIZE 512 /* RFC 1350, without a blksize option */
#define TFTP_BLKSIZE_MIN 8	 /* RFC 2348 */
#define TFTP_BLKSIZE_MAX 65464	 /* RFC 2348 */
#define TFTP_TIMEOUT_MIN 1	 /* RFC 2349, seconds */
#define TFTP_TIMEOUT_MAX 255
#define TFTP_WINDOWSIZE_MIN 1 /* RFC 7440 */
#define TFTP_WINDOWSIZE_MAX 65535
#define TFTP_FILENAME_MAX 255 /* longest filename tftp_parse_request() takes */
#define TFTP_ERRMSG_MAX 255   /* longest ERROR message tftp_parse() keeps */
#define TFTP_REQ_MAX 512      /* RFC 2347 request limit (not enforced on parse) */

enum tftp_opcode {
	TFTP_RRQ = 1,
	TFTP_WRQ = 2,
	TFTP_DATA = 3,
	TFTP_ACK = 4,
	TFTP_ERROR = 5,
	TFTP_OACK = 6, /* RFC 2347 */
};

/* ERROR codes (RFC 1350; 8 from RFC 2347). */
enum tftp_error_code {
	TFTP_EC_UNDEF = 0,	 /* not defined, see the message */
	TFTP_EC_NOT_FOUND = 1,	 /* file not found */
	TFTP_EC_ACCESS = 2,	 /* access violation */
	TFTP_EC_DISK_FULL = 3,	 /* disk full or allocation exceeded */
	TFTP_EC_ILLEGAL_OP = 4,	 /* illegal TFTP operation */
	TFTP_EC_UNKNOWN_TID = 5, /* unknown transfer ID (wrong source port) */
	TFTP_EC_FILE_EXISTS = 6, /* file already exists */
	TFTP_EC_NO_USER = 7,	 /* no such user */
	TFTP_EC_OPTION = 8,	 /* option negotiation refused (RFC 2347) */
};

enum tftp_mode {
	TFTP_MODE_NETASCII = 1,
	TFTP_MODE_OCTET = 2,
	TFTP_MODE_MAIL = 3,
};

/*
 * Why a packet was refused; each is a distinct drop counter. A named
 * result, not errno values: they sit below -4095 (Linux's MAX_ERRNO), so
 * strerror(-ret) can never mistake one for an errno; tftp_err_name() names
 * them. The builders return a length or -errno.
 */
enum tftp_parse_err {
	TFTP_OK = 0,
	TFTP_E_SHORT = -4301,	     /* ends before a required field (opcode, block, mode...) */
	TFTP_E_BAD_OPCODE = -4302,   /* opcode unknown, or not one this parser takes */
	TFTP_E_UNTERMINATED = -4303, /* a string runs to the end without its NUL */
	TFTP_E_BAD_FILENAME = -4304, /* empty, or longer than TFTP_FILENAME_MAX */
	TFTP_E_BAD_MODE = -4305,     /* not netascii, octet or mail (any case) */
};

/* The options, as bits of tftp_opts.mask and tftp_req.bad. */
enum tftp_opt_bit {
	TFTP_OPT_BLKSIZE = 1u << 0,
	TFTP_OPT_TSIZE = 1u << 1,
	TFTP_OPT_TIMEOUT = 1u << 2,
	TFTP_OPT_WINDOWSIZE = 1u << 3,
	TFTP_OPT_MULTICAST = 1u << 4,
	TFTP_OPT_ALL = 0x1f,
};

/* Things a parser tolerated, for counters (tftp_req.flags, tftp_pkt.flags). */
enum tftp_flag {
	TFTP_F_BAD_VALUE = 1u << 0,   /* a known option with a bad value, ignored */
	TFTP_F_UNKNOWN_OPT = 1u << 1, /* an option this codec does not know, ignored */
	TFTP_F_DUP_OPT = 1u << 2,     /* an option repeated; the first one counts */
	TFTP_F_TRAILING = 1u << 3,    /* bytes after the last complete field */
	TFTP_F_NO_NUL = 1u << 4,      /* ERROR message without its NUL */
	TFTP_F_MSG_TRUNC = 1u << 5,   /* ERROR message cut to TFTP_ERRMSG_MAX */
};

/*
 * An option set. Parsing sets a bit in `mask` for each option present with
 * a valid value and fills its field; building writes exactly the options in
 * `mask`, always in the order blksize, tsize, timeout, windowsize, multicast,
 * with the values as given. Fields outside `mask` mean nothing.
 */
struct tftp_opts {
	uint8_t mask;	     /* TFTP_OPT_* */
	uint8_t timeout;     /* seconds, 1..255 */
	uint16_t blksize;    /* 8..65464 */
	uint16_t windowsize; /* 1..65535 */
	uint64_t tsize;	     /* bytes; 0 in an RRQ (the client asks for the size) */
	/*
	 * Multicast: empty in a request; "addr,port,mc" in an OACK, where a
	 * zero addr or port stands for an empty field (RFC 2090 allows both
	 * empty in later OACKs to a client).
	 */
	uint32_t mc_addr; /* IPv4 group, network byte order */
	uint16_t mc_port;
	uint8_t mc_master; /* 1: this client sends the ACKs */
};

/* A parsed RRQ or WRQ. Holds no pointer into the packet. */
struct tftp_req {
	uint16_t opcode; /* TFTP_RRQ or TFTP_WRQ (set even on most errors) */
	uint8_t mode;	 /* enum tftp_mode */
	uint8_t bad;	 /* TFTP_OPT_* seen with a malformed or out-of-range value */
	uint32_t flags;	 /* TFTP_F_* */
	uint16_t filename_len;
	/*
	 * As sent, NUL-terminated, never empty; may hold any byte but NUL
	 * ("../", "\\", high bytes): the caller sanitizes it as a path.
	 */
	char filename[TFTP_FILENAME_MAX + 1];
	struct tftp_opts opts;
};

/* A parsed DATA, ACK, ERROR or OACK. Fields that do not apply to the opcode
 * are zero (msg empty, opts.mask 0). */
struct tftp_pkt {
	uint16_t opcode;     /* set whenever the packet has two bytes */
	uint16_t block;	     /* DATA, ACK: wire block number */
	uint16_t code;	     /* ERROR: as sent, may lie outside 0..8 */
	uint8_t bad;	     /* OACK: as tftp_req.bad */
	uint32_t flags;	     /* TFTP_F_* */
	const uint8_t *data; /* DATA: the payload, inside the parsed buffer */
	size_t data_len;     /* DATA: 0..len-4 (0 ends a transfer) */
	/*
	 * ERROR: NUL-terminated, at most TFTP_ERRMSG_MAX bytes; bytes outside
	 * printable ASCII are replaced by '?', so it is safe to log as is.
	 */
	char msg[TFTP_ERRMSG_MAX + 1];
	struct tftp_opts opts; /* OACK */
};

/*
 * Parse an RRQ or WRQ (the UDP payload). 0 or an enum tftp_parse_err; on 0,
 * out is complete. Filename, mode and option names are matched as described
 * at the top; the mode is matched case-insensitively. Option ranges: blksize
 * 8..65464, tsize any 64-bit value in a WRQ and 0 in an RRQ, timeout 1..255,
 * windowsize 1..65535, multicast empty.
 */
int tftp_parse_request(const uint8_t *buf, size_t len, struct tftp_req *out);

/*
 * Parse a packet on an established transfer: DATA, ACK, ERROR or OACK. 0 or
 * an enum tftp_parse_err (RRQ and WRQ give TFTP_E_BAD_OPCODE: they belong to
 * tftp_parse_request()). Lenient where the sender's intent is clear, so a
 * client's ACK or abort is not lost to a formatting slip:
 * - DATA, ACK, ERROR need 4 bytes (TFTP_E_SHORT below that);
 * - ACK: bytes after the block number are ignored and flagged TFTP_F_TRAILING
 *   (iPXE, pxelinux, U-Boot and tftp-hpa send exactly 4);
 * - ERROR: a message without its NUL is taken up to the end (TFTP_F_NO_NUL),
 *   bytes after the NUL are flagged TFTP_F_TRAILING, a longer message is cut
 *   (TFTP_F_MSG_TRUNC);
 * - OACK: options as in a request (tsize any value, multicast
 *   "addr,port,mc" with mc 0 or 1, addr dotted quad or empty, port 1..65535
 *   or empty).
 */
int tftp_parse(const uint8_t *buf, size_t len, struct tftp_pkt *out);

/* Short names for counters and logs: "short", "ack", "octet", ... */
const char *tftp_err_name(int err);
const char *tftp_opcode_name(uint16_t opcode);
const char *tftp_mode_name(uint8_t mode);
/* The RFC's text for an ERROR code ("File not found"), usable as a message. */
const char *tftp_code_name(uint16_t code);

/* The 4-byte DATA header; the payload is chained after it separately. */
int tftp_build_data_hdr(uint8_t *buf, size_t cap, uint16_t block);
/* A DATA packet with its payload copied in (len may be 0). */
int tftp_build_data(uint8_t *buf, size_t cap, uint16_t block, const void *payload, size_t len);
int tftp_build_ack(uint8_t *buf, size_t cap, uint16_t block);
/*
 * An ERROR: code, msg (NULL means empty) and its NUL. A message that does not
 * fit is cut so the packet fills cap exactly; -ENOSPC only when cap < 5.
 */
int tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg);
/*
 * An OACK with the options in accepted->mask (see struct tftp_opts). An empty
 * mask gives a bare 2-byte OACK: a server should send DATA or ACK instead.
 * The longest possible OACK is 106 bytes.
 */
int tftp_build_oack(uint8_t *buf, size_t cap, const struct tftp_opts *accepted);
/*
 * A request (opcode TFTP_RRQ or TFTP_WRQ, else -EINVAL) with filename and
 * mode written as given (any text, so a load generator can send bad ones),
 * then the options in opts->mask (opts may be NULL), multicast with an empty
 * value. For clients, tests and the storm generator.
 */
int tftp_build_request(uint8_t *buf, size_t cap, uint16_t opcode, const char *filename,
		       const char *mode, const struct tftp_opts *opts);

static inline int
tftp_build_rrq(uint8_t *buf, size_t cap, const char *filename, const char *mode,
	       const struct tftp_opts *opts)
{
	return tftp_build_request(buf, cap, TFTP_RRQ, filename, mode, opts);
}

/*
 * The blksize to grant: the requested one, cut so a DATA packet fits one
 * IPv4 frame of this MTU without fragmenting (mtu - 20 IPv4 - 8 UDP - 4
 * TFTP), never more than 65464 nor less than 8. MTU 1500 gives 1468.
 */
uint16_t tftp_clamp_blksize(uint32_t requested, uint16_t mtu);

/* The wire block number of absolute block n (wraps to 0 after 65535). */
static inline uint16_t
tftp_block_wire(uint64_t n)
{
	return (uint16_t)n;
}

/*
 * The absolute block number whose low 16 bits are `wire` and that lies
 * closest to expected_near (e.g. the last block sent): an ACK of wire block
 * 0 while block 65535 is in flight is block 65536. Ties (32768 away) go to
 * the lower number, as an ACK can only be for a block already sent; a result
 * is never below 0 nor above UINT64_MAX.
 */
uint64_t tftp_block_unwrap(uint16_t wire, uint64_t expected_near);

#endif
