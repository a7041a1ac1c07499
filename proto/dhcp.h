/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp.h: BOOTP/DHCPv4 codec (RFC 951, 2131, 2132, 3396), pure.
 *
 * Parsing reads the message through the bounds-checked cursor in wire.h.
 * Options are gathered from the options field and, when option 52 says so,
 * from the file and sname fields (in that order, RFC 2131 4.1); several
 * instances of one code are concatenated (RFC 3396). Every option's length
 * is checked against what is left, and options with a fixed size are
 * checked against it, so a caller can trust what dhcp_opt() returns.
 *
 * Building writes a reply into a caller's buffer: fixed header, magic
 * cookie, options in a caller-given order (53 first, then what the client's
 * parameter request list asks for, in its order), END, and zero padding up
 * to the 300-byte BOOTP minimum. An option longer than 255 bytes is split
 * into several instances (RFC 3396). Nothing is written past the smaller of
 * the buffer and the client's maximum message size (option 57); an option
 * that would not fit is left out and counted, never truncated.
 */
#ifndef RB_PROTO_DHCP_H
#define RB_PROTO_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_FIXED_LEN 236 /* op .. file */
#define DHCP_HDR_LEN 240   /* fixed fields + magic cookie */
#define DHCP_MAGIC 0x63825363u
#define DHCP_MIN_LEN 300      /* BOOTP minimum; replies are padded to it */
#define DHCP_MIN_MAX_SIZE 576 /* smallest option 57 value a client may send */
#define DHCP_MAX_LEN 2048     /* longest message accepted by dhcp_parse() */
#define DHCP_OPTS_MAX 2048    /* option bytes one message can carry */

#define BOOTREQUEST 1
#define BOOTREPLY 2
#define DHCP_FLAG_BROADCAST 0x8000

enum dhcp_msg_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

enum dhcp_opt_code {
	DHO_PAD = 0,
	DHO_SUBNET_MASK = 1,
	DHO_ROUTERS = 3,
	DHO_DNS = 6,
	DHO_HOSTNAME = 12,
	DHO_DOMAIN = 15,
	DHO_BROADCAST = 28,
	DHO_VENDOR = 43, /* PXE: encapsulated PXE vendor options */
	DHO_REQUESTED_IP = 50,
	DHO_LEASE_TIME = 51,
	DHO_OVERLOAD = 52,
	DHO_MSG_TYPE = 53,
	DHO_SERVER_ID = 54,
	DHO_PRL = 55,
	DHO_MESSAGE = 56,
	DHO_MAX_SIZE = 57,
	DHO_T1 = 58,
	DHO_T2 = 59,
	DHO_VENDOR_CLASS = 60,
	DHO_CLIENT_ID = 61,
	DHO_TFTP_SERVER = 66,
	DHO_BOOTFILE = 67,
	DHO_USER_CLASS = 77,
	DHO_RELAY_INFO = 82,
	DHO_CLIENT_ARCH = 93,
	DHO_CLIENT_NDI = 94,
	DHO_CLIENT_UUID = 97,
	DHO_IPXE = 175, /* iPXE encapsulated options */
	DHO_END = 255,
};

/*
 * Why dhcp_parse() refused a message; each is a distinct drop counter.
 * These are a named result, not errno values: they sit below -4095
 * (Linux's MAX_ERRNO), so strerror(-ret) can never mistake one for an
 * errno; dhcp_err_name() names them. Every other function of this codec
 * returns 0 (or a length) or -errno.
 */
enum dhcp_parse_err {
	DHCP_OK = 0,
	DHCP_E_SHORT = -4201,	 /* shorter than the fixed header and cookie */
	DHCP_E_LONG = -4202,	 /* longer than DHCP_MAX_LEN */
	DHCP_E_MAGIC = -4203,	 /* no magic cookie: plain BOOTP is not served */
	DHCP_E_HLEN = -4204,	 /* hlen > 16 */
	DHCP_E_OPTLEN = -4205,	 /* an option runs past the end of its field */
	DHCP_E_OVERLOAD = -4206, /* option 52 bad, or found inside file/sname */
	DHCP_E_OPTSIZE = -4207,	 /* fixed-size option with the wrong length */
	DHCP_E_NOTYPE = -4208,	 /* no option 53, or a type outside 1..8 */
};

/* PXE 2.1 (table 2-1) suboptions of option 43. */
enum pxe_vendor_opt {
	PXE_MTFTP_IP = 1,
	PXE_MTFTP_CPORT = 2,
	PXE_MTFTP_SPORT = 3,
	PXE_MTFTP_TMOUT = 4,
	PXE_MTFTP_DELAY = 5,
	PXE_DISCOVERY_CONTROL = 6,
};

#define PXE_VENDOR_MAX 24 /* dhcp_pxe_vendor() with MTFTP, END included */

/* The MTFTP parameters PXE firmware is told about in option 43. */
struct pxe_mtftp {
	uint32_t group;	      /* multicast group, network order; 0: no MTFTP */
	uint16_t client_port; /* host order */
	uint16_t server_port; /* host order */
	uint8_t open_timeout; /* seconds */
	uint8_t reopen_delay; /* seconds */
};

/* The fixed BOOTP fields. Addresses in network byte order. */
struct dhcp_hdr {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags; /* host order */
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t sname[64]; /* raw; zero when overloaded with options */
	uint8_t file[128]; /* raw; zero when overloaded with options */
};

/*
 * An option set: at most one value per code, each stored contiguously in
 * data[]. Used both for a parsed message and for composing a reply.
 */
struct dhcp_opts {
	uint8_t present[32]; /* bitmap by code */
	uint16_t off[256];
	uint16_t len[256];
	uint16_t used;
	uint8_t data[DHCP_OPTS_MAX];
};

struct dhcp_msg {
	struct dhcp_hdr h;
	uint8_t type;	  /* option 53, 1..8 */
	uint8_t overload; /* option 52 value, 0 when absent */
	struct dhcp_opts o;
};

/*
 * Encodes option 43 for PXE firmware into buf: the MTFTP group, client and
 * server ports, open timeout and reopen delay when mtftp is non-NULL with a
 * group set; always discovery control 8 (no boot server discovery: boot
 * the file in the reply); then END. Returns the length (at most
 * PXE_VENDOR_MAX) or -ENOSPC when cap is too small.
 */
int dhcp_pxe_vendor(uint8_t *buf, size_t cap, const struct pxe_mtftp *mtftp);

/* Parse one DHCP message (the UDP payload). 0 or an enum dhcp_parse_err. */
int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *out);

/* Short name of a parse error or message type, for counters and logs. */
const char *dhcp_err_name(int err);
const char *dhcp_type_name(uint8_t type);

void dhcp_opts_init(struct dhcp_opts *s);

static inline bool
dhcp_has(const struct dhcp_opts *s, uint8_t code)
{
	return (s->present[code >> 3] >> (code & 7)) & 1;
}

/* The value of an option, or NULL when absent (*len is then 0). */
const uint8_t *dhcp_opt(const struct dhcp_opts *s, uint8_t code, size_t *len);

/* Fixed-size getters: true and *v set when present with exactly that size. */
bool dhcp_opt_u8(const struct dhcp_opts *s, uint8_t code, uint8_t *v);
bool dhcp_opt_u16(const struct dhcp_opts *s, uint8_t code, uint16_t *v);
bool dhcp_opt_u32(const struct dhcp_opts *s, uint8_t code, uint32_t *v); /* host order */
bool dhcp_opt_ip(const struct dhcp_opts *s, uint8_t code, uint32_t *ip); /* network order */

/*
 * Set (or replace) an option's value. Returns 0, or -ENOSPC when data[] is
 * full (the set is then unchanged). len may exceed 255: the builder splits.
 */
int dhcp_opts_set(struct dhcp_opts *s, uint8_t code, const void *val, size_t len);
int dhcp_opts_set_u8(struct dhcp_opts *s, uint8_t code, uint8_t v);
int dhcp_opts_set_u32(struct dhcp_opts *s, uint8_t code, uint32_t v); /* host order */
int dhcp_opts_set_ip(struct dhcp_opts *s, uint8_t code, uint32_t ip); /* network order */
void dhcp_opts_del(struct dhcp_opts *s, uint8_t code);

/*
 * Parse a TLV blob (code, len, value ... as in the options field, PAD and
 * END allowed) into s. 0, or -EBADMSG / -ENOSPC. Used for pre-encoded
 * option sets handed over by the control process, and for sub-options
 * (43, 82, 175).
 */
int dhcp_opts_from_tlv(struct dhcp_opts *s, const uint8_t *tlv, size_t len);

struct dhcp_build_stats {
	unsigned written; /* options written */
	unsigned skipped; /* options present in `order` that did not fit */
};

/*
 * Build a message into buf. `max_len` is the client's limit (option 57, or
 * DHCP_MIN_MAX_SIZE; 0 means cap only). Options are written in `order`
 * (codes absent from s, PAD, END and repeats are skipped), so the caller
 * decides which options go and in which order. Returns the message length
 * (>= DHCP_MIN_LEN when cap allows), or -ENOSPC when not even the header,
 * cookie and END fit.
 */
int dhcp_build(uint8_t *buf, size_t cap, size_t max_len, const struct dhcp_hdr *h,
	       const struct dhcp_opts *s, const uint8_t *order, size_t norder,
	       struct dhcp_build_stats *st);

/*
 * Whether the client is iPXE: user class "iPXE" (raw, as iPXE sends it, or
 * RFC 3004 encoded), or option 175 present.
 */
bool dhcp_is_ipxe(const struct dhcp_opts *s);

/* True when option 60 starts with prefix (e.g. "PXEClient", "HTTPClient"). */
bool dhcp_vendor_class_is(const struct dhcp_opts *s, const char *prefix);

/*
 * The client's identity for leases (RFC 2131 4.2): option 61's value, or
 * htype followed by chaddr[0..hlen) when there is none. An identity longer
 * than cap (cap >= 16) keeps its first cap - 8 bytes followed by a 64-bit
 * FNV-1a hash of the whole. Returns the key length.
 */
size_t dhcp_client_key(const struct dhcp_msg *m, uint8_t *key, size_t cap);

/* The first client architecture of option 93, or -ENOENT when absent. */
int dhcp_client_arch(const struct dhcp_opts *s);

#endif
