/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp.c: the BOOTP/DHCPv4 codec. See dhcp.h for the contract.
 */
#include <errno.h>
#include <string.h>

#include "dhcp.h"
#include "hash.h"
#include "wire.h"

/* Options whose value has one legal size; anything else is malformed. */
static const uint8_t fixed_size[256] = {
    [DHO_REQUESTED_IP] = 4, [DHO_LEASE_TIME] = 4, [DHO_OVERLOAD] = 1, [DHO_MSG_TYPE] = 1,
    [DHO_SERVER_ID] = 4,    [DHO_MAX_SIZE] = 2,	  [DHO_T1] = 4,	      [DHO_T2] = 4,
};

/* A run of TLV-encoded options: the options field, file or sname. */
struct area {
	const uint8_t *p;
	size_t len;
	bool is_field; /* file or sname: option 52 may not appear inside */
};

static inline void
set_present(struct dhcp_opts *s, uint8_t code)
{
	s->present[code >> 3] |= (uint8_t)(1u << (code & 7));
}

/*
 * Walk one area. Without `s`, only validate and add each code's length to
 * total[]; with `s`, append each value at s->off[code] + fill[code]. Returns
 * 0 or a dhcp_parse_err. A missing END is tolerated (some ROMs stop at the
 * last option); a length that runs past the area is not.
 */
static int
walk(const struct area *a, uint32_t *total, struct dhcp_opts *s, uint16_t *fill)
{
	struct wire w;
	uint8_t code, len;
	const uint8_t *v;

	wire_init(&w, a->p, a->len);
	while (wire_left(&w) > 0) {
		code = wire_u8(&w);
		if (code == DHO_PAD)
			continue;
		if (code == DHO_END)
			break;
		len = wire_u8(&w);
		v = wire_ptr(&w, len);
		if (!v)
			return DHCP_E_OPTLEN;
		if (a->is_field && code == DHO_OVERLOAD)
			return DHCP_E_OVERLOAD;
		if (!s) {
			total[code] += len;
			continue;
		}
		memcpy(&s->data[s->off[code] + fill[code]], v, len);
		fill[code] = (uint16_t)(fill[code] + len);
	}
	return DHCP_OK;
}

/*
 * Gather the options of n areas into s, concatenating repeated codes in
 * area order (RFC 3396): a first pass sizes each code, a second copies, so
 * every value ends up contiguous and no input can make the work quadratic.
 */
static int
gather(const struct area *areas, int n, struct dhcp_opts *s)
{
	uint32_t total[256] = {0};
	uint16_t fill[256] = {0};
	uint32_t off = 0;
	int i, ret, c;

	for (i = 0; i < n; i++) {
		ret = walk(&areas[i], total, NULL, NULL);
		if (ret)
			return ret;
	}
	dhcp_opts_init(s);
	for (c = 1; c < 255; c++) {
		s->off[c] = (uint16_t)off;
		s->len[c] = (uint16_t)total[c];
		off += total[c];
		if (off > DHCP_OPTS_MAX)
			return DHCP_E_LONG;
	}
	s->used = (uint16_t)off;
	for (i = 0; i < n; i++) {
		ret = walk(&areas[i], NULL, s, fill);
		if (ret)
			return ret;
	}
	return DHCP_OK;
}

/* Mark every code that appears as present, zero-length ones included
 * (gather() already proved the area well-formed). */
static void
mark_present(const struct area *a, struct dhcp_opts *s)
{
	struct wire w;
	uint8_t code, len;

	wire_init(&w, a->p, a->len);
	while (wire_left(&w) > 0) {
		code = wire_u8(&w);
		if (code == DHO_PAD)
			continue;
		if (code == DHO_END)
			break;
		len = wire_u8(&w);
		if (!wire_ptr(&w, len))
			break;
		set_present(s, code);
	}
}

static int
collect(const struct area *areas, int n, struct dhcp_opts *s)
{
	int ret = gather(areas, n, s);
	int i;

	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		mark_present(&areas[i], s);
	return DHCP_OK;
}

int
dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *m)
{
	struct area areas[3];
	struct wire w;
	const uint8_t *ov;
	size_t ovlen;
	int n = 0, ret, c;

	memset(&m->h, 0, sizeof(m->h));
	m->type = 0;
	m->overload = 0;
	if (len < DHCP_HDR_LEN)
		return DHCP_E_SHORT;
	if (len > DHCP_MAX_LEN)
		return DHCP_E_LONG;

	wire_init(&w, buf, len);
	m->h.op = wire_u8(&w);
	m->h.htype = wire_u8(&w);
	m->h.hlen = wire_u8(&w);
	m->h.hops = wire_u8(&w);
	wire_copy(&w, &m->h.xid, 4);
	m->h.secs = wire_u16(&w);
	m->h.flags = wire_u16(&w);
	wire_copy(&w, &m->h.ciaddr, 4);
	wire_copy(&w, &m->h.yiaddr, 4);
	wire_copy(&w, &m->h.siaddr, 4);
	wire_copy(&w, &m->h.giaddr, 4);
	wire_copy(&w, m->h.chaddr, 16);
	wire_copy(&w, m->h.sname, 64);
	wire_copy(&w, m->h.file, 128);
	if (wire_u32(&w) != DHCP_MAGIC)
		return DHCP_E_MAGIC;
	if (!wire_ok(&w))
		return DHCP_E_SHORT;
	if (m->h.hlen > 16)
		return DHCP_E_HLEN;

	/* Option 52 can only live in the options field; find it there first. */
	areas[n++] = (struct area){buf + DHCP_HDR_LEN, len - DHCP_HDR_LEN, false};
	ret = collect(areas, 1, &m->o);
	if (ret)
		return ret;
	ov = dhcp_opt(&m->o, DHO_OVERLOAD, &ovlen);
	if (dhcp_has(&m->o, DHO_OVERLOAD)) {
		if (ovlen != 1 || ov[0] < 1 || ov[0] > 3)
			return DHCP_E_OVERLOAD;
		m->overload = ov[0];
		if (m->overload & 1)
			areas[n++] = (struct area){buf + 108, 128, true};
		if (m->overload & 2)
			areas[n++] = (struct area){buf + 44, 64, true};
		ret = collect(areas, n, &m->o);
		if (ret)
			return ret;
		if (m->overload & 1)
			memset(m->h.file, 0, sizeof(m->h.file));
		if (m->overload & 2)
			memset(m->h.sname, 0, sizeof(m->h.sname));
	}

	for (c = 1; c < 255; c++)
		if (fixed_size[c] && dhcp_has(&m->o, (uint8_t)c) && m->o.len[c] != fixed_size[c])
			return DHCP_E_OPTSIZE;
	if (dhcp_has(&m->o, DHO_CLIENT_ID) && m->o.len[DHO_CLIENT_ID] < 2)
		return DHCP_E_OPTSIZE;
	if (dhcp_has(&m->o, DHO_CLIENT_ARCH) &&
	    (m->o.len[DHO_CLIENT_ARCH] < 2 || m->o.len[DHO_CLIENT_ARCH] % 2))
		return DHCP_E_OPTSIZE;
	if (dhcp_has(&m->o, DHO_PRL) && m->o.len[DHO_PRL] == 0)
		return DHCP_E_OPTSIZE;
	if (!dhcp_opt_u8(&m->o, DHO_MSG_TYPE, &m->type) || m->type < DHCPDISCOVER ||
	    m->type > DHCPINFORM)
		return DHCP_E_NOTYPE;
	return DHCP_OK;
}

const char *
dhcp_err_name(int err)
{
	switch (err) {
	case DHCP_OK:
		return "ok";
	case DHCP_E_SHORT:
		return "short";
	case DHCP_E_LONG:
		return "long";
	case DHCP_E_MAGIC:
		return "no_magic";
	case DHCP_E_HLEN:
		return "bad_hlen";
	case DHCP_E_OPTLEN:
		return "option_overrun";
	case DHCP_E_OVERLOAD:
		return "bad_overload";
	case DHCP_E_OPTSIZE:
		return "bad_option_size";
	case DHCP_E_NOTYPE:
		return "no_message_type";
	}
	return "unknown";
}

const char *
dhcp_type_name(uint8_t type)
{
	static const char *const names[] = {"none", "discover", "offer",   "request", "decline",
					    "ack",  "nak",	"release", "inform"};
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

void
dhcp_opts_init(struct dhcp_opts *s)
{
	memset(s->present, 0, sizeof(s->present));
	memset(s->len, 0, sizeof(s->len));
	s->used = 0;
}

const uint8_t *
dhcp_opt(const struct dhcp_opts *s, uint8_t code, size_t *len)
{
	if (!dhcp_has(s, code)) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = s->len[code];
	return &s->data[s->off[code]];
}

/* The value of an option that must be exactly n bytes, or NULL. */
static const uint8_t *
opt_sized(const struct dhcp_opts *s, uint8_t code, size_t n)
{
	size_t len;
	const uint8_t *p = dhcp_opt(s, code, &len);

	return p && len == n ? p : NULL;
}

/* The bytes of an option that must be exactly n long, copied to out as
 * sent (no byte order change); false, out untouched, otherwise. */
static bool
opt_copy(const struct dhcp_opts *s, uint8_t code, void *out, size_t n)
{
	const uint8_t *p = opt_sized(s, code, n);

	if (p)
		memcpy(out, p, n);
	return p != NULL;
}

bool
dhcp_opt_u8(const struct dhcp_opts *s, uint8_t code, uint8_t *v)
{
	return opt_copy(s, code, v, 1);
}

bool
dhcp_opt_u16(const struct dhcp_opts *s, uint8_t code, uint16_t *v)
{
	const uint8_t *p = opt_sized(s, code, 2);

	if (p)
		*v = get_u16(p);
	return p != NULL;
}

bool
dhcp_opt_u32(const struct dhcp_opts *s, uint8_t code, uint32_t *v)
{
	const uint8_t *p = opt_sized(s, code, 4);

	if (p)
		*v = get_u32(p);
	return p != NULL;
}

bool
dhcp_opt_ip(const struct dhcp_opts *s, uint8_t code, uint32_t *ip)
{
	return opt_copy(s, code, ip, 4);
}

int
dhcp_opts_set(struct dhcp_opts *s, uint8_t code, const void *val, size_t len)
{
	if (code == DHO_PAD || code == DHO_END)
		return -EINVAL;
	if (dhcp_has(s, code) && len <= s->len[code]) {
		/* Shrinking or same size: reuse the old bytes in place. */
		memmove(&s->data[s->off[code]], val, len);
		s->len[code] = (uint16_t)len;
		return 0;
	}
	if (len > (size_t)(DHCP_OPTS_MAX - s->used))
		return -ENOSPC;
	memcpy(&s->data[s->used], val, len);
	s->off[code] = s->used;
	s->len[code] = (uint16_t)len;
	s->used = (uint16_t)(s->used + len);
	set_present(s, code);
	return 0;
}

int
dhcp_opts_set_u8(struct dhcp_opts *s, uint8_t code, uint8_t v)
{
	return dhcp_opts_set(s, code, &v, 1);
}

int
dhcp_opts_set_u32(struct dhcp_opts *s, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	put_u32(b, v);
	return dhcp_opts_set(s, code, b, 4);
}

int
dhcp_opts_set_ip(struct dhcp_opts *s, uint8_t code, uint32_t ip)
{
	return dhcp_opts_set(s, code, &ip, 4);
}

void
dhcp_opts_del(struct dhcp_opts *s, uint8_t code)
{
	s->present[code >> 3] &= (uint8_t) ~(1u << (code & 7));
	s->len[code] = 0;
}

int
dhcp_opts_from_tlv(struct dhcp_opts *s, const uint8_t *tlv, size_t len)
{
	struct area a = {tlv, len, false};
	int ret;

	ret = collect(&a, 1, s);
	if (ret == DHCP_E_LONG)
		return -ENOSPC;
	return ret ? -EBADMSG : 0;
}

int
dhcp_build(uint8_t *buf, size_t cap, size_t max_len, const struct dhcp_hdr *h,
	   const struct dhcp_opts *s, const uint8_t *order, size_t norder,
	   struct dhcp_build_stats *st)
{
	uint8_t done[32] = {0};
	size_t limit = cap, off, i, need, left, chunk;
	const uint8_t *v;
	uint8_t code;

	if (max_len && max_len < limit)
		limit = max_len;
	if (st)
		*st = (struct dhcp_build_stats){0};
	if (limit < DHCP_HDR_LEN + 1)
		return -ENOSPC;

	buf[0] = h->op;
	buf[1] = h->htype;
	buf[2] = h->hlen;
	buf[3] = h->hops;
	memcpy(buf + 4, &h->xid, 4);
	put_u16(buf + 8, h->secs);
	put_u16(buf + 10, h->flags);
	memcpy(buf + 12, &h->ciaddr, 4);
	memcpy(buf + 16, &h->yiaddr, 4);
	memcpy(buf + 20, &h->siaddr, 4);
	memcpy(buf + 24, &h->giaddr, 4);
	memcpy(buf + 28, h->chaddr, 16);
	memcpy(buf + 44, h->sname, 64);
	memcpy(buf + 108, h->file, 128);
	put_u32(buf + 236, DHCP_MAGIC);
	off = DHCP_HDR_LEN;

	for (i = 0; i < norder; i++) {
		code = order[i];
		if (code == DHO_PAD || code == DHO_END || !dhcp_has(s, code) ||
		    ((done[code >> 3] >> (code & 7)) & 1))
			continue;
		done[code >> 3] |= (uint8_t)(1u << (code & 7));
		left = s->len[code];
		/* Each 255-byte piece costs two header bytes; an empty
		 * option is one header. One byte stays free for END. */
		need = left + 2 * (left ? (left + 254) / 255 : 1);
		if (off + need + 1 > limit) {
			if (st)
				st->skipped++;
			continue;
		}
		v = &s->data[s->off[code]];
		do {
			chunk = left > 255 ? 255 : left;
			buf[off++] = code;
			buf[off++] = (uint8_t)chunk;
			memcpy(buf + off, v, chunk);
			off += chunk;
			v += chunk;
			left -= chunk;
		} while (left);
		if (st)
			st->written++;
	}
	buf[off++] = DHO_END;
	if (off < DHCP_MIN_LEN) {
		/* Pad up to limit, not cap: a client whose option 57 is below
		 * 300 must not get a message longer than it asked for. */
		size_t to = DHCP_MIN_LEN < limit ? DHCP_MIN_LEN : limit;
		memset(buf + off, 0, to - off);
		off = to;
	}
	return (int)off;
}

bool
dhcp_is_ipxe(const struct dhcp_opts *s)
{
	const uint8_t *uc;
	size_t n, i;

	if (dhcp_has(s, DHO_IPXE))
		return true;
	uc = dhcp_opt(s, DHO_USER_CLASS, &n);
	if (!uc)
		return false;
	if (n == 4 && memcmp(uc, "iPXE", 4) == 0)
		return true;
	/* RFC 3004: a list of length-prefixed class names. */
	for (i = 0; i < n; i += 1 + (size_t)uc[i]) {
		if (uc[i] == 4 && i + 5 <= n && memcmp(uc + i + 1, "iPXE", 4) == 0)
			return true;
	}
	return false;
}

bool
dhcp_vendor_class_is(const struct dhcp_opts *s, const char *prefix)
{
	size_t n, pl = strlen(prefix);
	const uint8_t *vc = dhcp_opt(s, DHO_VENDOR_CLASS, &n);

	return vc && n >= pl && memcmp(vc, prefix, pl) == 0;
}

int
dhcp_client_arch(const struct dhcp_opts *s)
{
	uint16_t a;
	size_t n;
	const uint8_t *p = dhcp_opt(s, DHO_CLIENT_ARCH, &n);

	if (!p || n < 2)
		return -ENOENT;
	a = get_u16(p);
	return a;
}

int
dhcp_pxe_vendor(uint8_t *buf, size_t cap, const struct pxe_mtftp *mtftp)
{
	uint8_t v[PXE_VENDOR_MAX];
	size_t n = 0;

	if (mtftp && mtftp->group) {
		v[n++] = PXE_MTFTP_IP;
		v[n++] = 4;
		memcpy(v + n, &mtftp->group, 4);
		n += 4;
		v[n++] = PXE_MTFTP_CPORT;
		v[n++] = 2;
		v[n++] = (uint8_t)(mtftp->client_port >> 8);
		v[n++] = (uint8_t)mtftp->client_port;
		v[n++] = PXE_MTFTP_SPORT;
		v[n++] = 2;
		v[n++] = (uint8_t)(mtftp->server_port >> 8);
		v[n++] = (uint8_t)mtftp->server_port;
		v[n++] = PXE_MTFTP_TMOUT;
		v[n++] = 1;
		v[n++] = mtftp->open_timeout;
		v[n++] = PXE_MTFTP_DELAY;
		v[n++] = 1;
		v[n++] = mtftp->reopen_delay;
	}
	v[n++] = PXE_DISCOVERY_CONTROL;
	v[n++] = 1;
	v[n++] = 8;
	v[n++] = DHO_END;
	if (n > cap)
		return -ENOSPC;
	memcpy(buf, v, n);
	return (int)n;
}

size_t
dhcp_client_key(const struct dhcp_msg *m, uint8_t *key, size_t cap)
{
	uint8_t tmp[1 + 16];
	const uint8_t *id;
	uint64_t h;
	size_t n, i;

	id = dhcp_opt(&m->o, DHO_CLIENT_ID, &n);
	if (!id) {
		tmp[0] = m->h.htype;
		n = m->h.hlen > 16 ? 16 : m->h.hlen;
		memcpy(tmp + 1, m->h.chaddr, n);
		id = tmp;
		n++;
	}
	if (n <= cap) {
		memcpy(key, id, n);
		return n;
	}
	h = rb_hash64(id, n);
	memcpy(key, id, cap - 8);
	for (i = 0; i < 8; i++)
		key[cap - 8 + i] = (uint8_t)(h >> (56 - 8 * i));
	return cap;
}
