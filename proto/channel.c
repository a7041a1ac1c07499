/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "channel.h"

long
rb_msg_payload_size(enum rb_msg_type type)
{
	switch (type) {
	case RB_MSG_DP_CONFIG:
		return sizeof(struct rb_dp_config);
	case RB_MSG_DP_READY:
		return sizeof(struct rb_dp_ready);
	case RB_MSG_DP_ERROR:
		return sizeof(struct rb_dp_error);
	case RB_MSG_STATS_REP:
		return sizeof(struct rb_stats);
	case RB_MSG_DHCP_CONFIG:
		return sizeof(struct rb_dhcp_dp_config);
	case RB_MSG_STATS_REQ:
	case RB_MSG_SHUTDOWN:
	case RB_MSG_CONFIG_DONE:
	case RB_MSG_TFTP_RELOAD:
	case RB_MSG_GEN_PUBLISH:
		return 0;
	case RB_MSG_DHCP_RESV:
	case RB_MSG_LEASE_LOAD:
	case RB_MSG_LEASE_COMMIT:
	case RB_MSG_LEASE_COMMITTED:
	case RB_MSG_TFTP_ROOTS:
	case RB_MSG_EVENTS:
	case RB_MSG_GEN_FILES:
		break; /* counted batches: checked in rb_msg_parse() */
	}
	return -ENOENT;
}

/* A counted batch: a header whose count says exactly how many records follow. */
static int
check_batch(enum rb_msg_type type, const void *pl, size_t len)
{
	size_t head, rec;
	uint32_t count;

	if (type == RB_MSG_DHCP_RESV) {
		head = sizeof(struct rb_resv_batch);
		rec = sizeof(struct rb_dhcp_resv_msg);
		if (len < head)
			return -EBADMSG;
		memcpy(&count, (const char *)pl + offsetof(struct rb_resv_batch, count), 4);
	} else if (type == RB_MSG_EVENTS) {
		head = sizeof(struct rb_event_batch);
		rec = sizeof(struct rb_event);
		if (len < head)
			return -EBADMSG;
		memcpy(&count, (const char *)pl + offsetof(struct rb_event_batch, count), 4);
	} else if (type == RB_MSG_LEASE_COMMITTED) {
		head = sizeof(struct rb_lease_ack);
		rec = sizeof(struct rb_lease_rec);
		if (len < head)
			return -EBADMSG;
		memcpy(&count, (const char *)pl + offsetof(struct rb_lease_ack, nb_lost), 4);
	} else {
		head = sizeof(struct rb_lease_batch);
		rec = sizeof(struct rb_lease_rec);
		if (len < head)
			return -EBADMSG;
		memcpy(&count, (const char *)pl + offsetof(struct rb_lease_batch, count), 4);
	}
	return (size_t)count * rec + head == len ? 0 : -EBADMSG;
}

int
rb_msg_build(void *buf, size_t cap, enum rb_msg_type type, uint32_t seq, const void *payload,
	     size_t len)
{
	struct rb_msg_hdr hdr = {
	    .version = RB_CHAN_VERSION,
	    .type = (uint16_t)type,
	    .len = (uint32_t)len,
	    .seq = seq,
	};

	if (len > RB_CHAN_MAX_MSG || sizeof(hdr) + len > cap)
		return -EMSGSIZE;
	memcpy(buf, &hdr, sizeof(hdr));
	if (len)
		memcpy((char *)buf + sizeof(hdr), payload, len);
	return (int)(sizeof(hdr) + len);
}

int
rb_msg_parse(const void *buf, size_t len, struct rb_msg_hdr *hdr, const void **payload)
{
	uint32_t flags;
	long want;

	if (len < sizeof(*hdr))
		return -EBADMSG;
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->version != RB_CHAN_VERSION)
		return -EPROTO;
	if (hdr->len != len - sizeof(*hdr))
		return -EBADMSG;
	switch (hdr->type) {
	case RB_MSG_DHCP_RESV:
	case RB_MSG_LEASE_LOAD:
	case RB_MSG_LEASE_COMMIT:
	case RB_MSG_LEASE_COMMITTED:
	case RB_MSG_EVENTS:
		if (check_batch((enum rb_msg_type)hdr->type, (const char *)buf + sizeof(*hdr),
				hdr->len) < 0)
			return -EBADMSG;
		break;
	case RB_MSG_TFTP_ROOTS:
		if (rb_roots_decode((const char *)buf + sizeof(*hdr), hdr->len, NULL, 0) < 0)
			return -EBADMSG;
		break;
	case RB_MSG_GEN_FILES:
		if (rb_gen_files_decode((const char *)buf + sizeof(*hdr), hdr->len, &flags, NULL,
					0) < 0)
			return -EBADMSG;
		break;
	default:
		want = rb_msg_payload_size((enum rb_msg_type)hdr->type);
		if (want < 0 || (size_t)want != hdr->len)
			return -EBADMSG;
	}
	*payload = (const char *)buf + sizeof(*hdr);
	return 0;
}

/* One record's length fields. */
struct root_rec {
	uint16_t prefix_len, path_len;
};

int
rb_roots_encode(void *buf, size_t cap, const struct rb_boot_root *roots, size_t n)
{
	struct rb_roots_msg h = {.count = (uint32_t)n};
	size_t off = sizeof(h), i, plen, len;
	struct root_rec r;
	char *p = buf;

	if (n > RB_MAX_BOOT_ROOTS)
		return -E2BIG;
	if (cap > RB_CHAN_MAX_MSG)
		cap = RB_CHAN_MAX_MSG;
	if (off > cap)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		plen = strnlen(roots[i].prefix, RB_BOOT_NAME_MAX + 1);
		len = strnlen(roots[i].path, RB_PATH_MAX);
		if (plen > RB_BOOT_NAME_MAX || !len || len >= RB_PATH_MAX ||
		    roots[i].path[0] != '/')
			return -EINVAL;
		if (cap - off < sizeof(r) + plen + 1 + len + 1)
			return -EMSGSIZE;
		r = (struct root_rec){(uint16_t)plen, (uint16_t)len};
		memcpy(p + off, &r, sizeof(r));
		off += sizeof(r);
		memcpy(p + off, roots[i].prefix, plen + 1);
		off += plen + 1;
		memcpy(p + off, roots[i].path, len + 1);
		off += len + 1;
	}
	memcpy(p, &h, sizeof(h));
	return (int)off;
}

/* The string of n bytes at p[*off], NUL-terminated and with no NUL inside:
 * it, with *off moved past the NUL, or NULL. */
static const char *
take_string(const char *p, size_t len, size_t *off, size_t n)
{
	const char *s = p + *off;

	if (len - *off < n + 1 || s[n] != '\0' || memchr(s, '\0', n))
		return NULL;
	*off += n + 1;
	return s;
}

int
rb_roots_decode(const void *payload, size_t len, struct rb_boot_root *out, size_t cap)
{
	const char *p = payload, *prefix, *path;
	struct rb_roots_msg h;
	size_t off = sizeof(h);
	struct root_rec r;
	uint32_t i;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, p, sizeof(h));
	if (h.count > RB_MAX_BOOT_ROOTS)
		return -EBADMSG;
	if (out && cap < h.count)
		return -ENOBUFS;
	for (i = 0; i < h.count; i++) {
		if (len - off < sizeof(r))
			return -EBADMSG;
		memcpy(&r, p + off, sizeof(r));
		off += sizeof(r);
		if (r.prefix_len > RB_BOOT_NAME_MAX || !r.path_len || r.path_len >= RB_PATH_MAX)
			return -EBADMSG;
		prefix = take_string(p, len, &off, r.prefix_len);
		path = prefix ? take_string(p, len, &off, r.path_len) : NULL;
		if (!path || path[0] != '/')
			return -EBADMSG;
		if (out)
			out[i] = (struct rb_boot_root){.prefix = prefix, .path = path};
	}
	return off == len ? (int)h.count : -EBADMSG;
}

/* One GEN_FILES record's length fields. */
struct gen_rec {
	uint16_t name_len;
	uint32_t data_len;
} __attribute__((packed));

int
rb_gen_files_add(void *buf, size_t cap, size_t *off, uint32_t flags, const char *name,
		 const void *data, size_t len)
{
	struct rb_gen_files_msg h = {.flags = flags};
	size_t nlen = strnlen(name, RB_BOOT_NAME_MAX + 1);
	struct gen_rec r;
	char *p = buf;

	if (!nlen || nlen > RB_BOOT_NAME_MAX || len > RB_GEN_FILE_MAX)
		return -EINVAL;
	if (cap > RB_CHAN_MAX_MSG)
		cap = RB_CHAN_MAX_MSG;
	if (*off == 0) {
		if (cap < sizeof(h))
			return -EMSGSIZE;
		memcpy(p, &h, sizeof(h));
		*off = sizeof(h);
	}
	if (cap - *off < sizeof(r) + nlen + 1 + len)
		return -EMSGSIZE;
	memcpy(&h, p, sizeof(h));
	r = (struct gen_rec){(uint16_t)nlen, (uint32_t)len};
	memcpy(p + *off, &r, sizeof(r));
	*off += sizeof(r);
	memcpy(p + *off, name, nlen + 1);
	*off += nlen + 1;
	if (len)
		memcpy(p + *off, data, len);
	*off += len;
	h.count++;
	memcpy(p, &h, sizeof(h));
	return 0;
}

int
rb_gen_files_decode(const void *payload, size_t len, uint32_t *flags, struct rb_gen_file *out,
		    size_t cap)
{
	const char *p = payload, *name;
	struct rb_gen_files_msg h;
	size_t off = sizeof(h);
	struct gen_rec r;
	uint32_t i;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, p, sizeof(h));
	if (h.count > RB_GEN_MAX_FILES || h.count > len)
		return -EBADMSG;
	if (out && cap < h.count)
		return -ENOBUFS;
	for (i = 0; i < h.count; i++) {
		if (len - off < sizeof(r))
			return -EBADMSG;
		memcpy(&r, p + off, sizeof(r));
		off += sizeof(r);
		if (!r.name_len || r.name_len > RB_BOOT_NAME_MAX || r.data_len > RB_GEN_FILE_MAX)
			return -EBADMSG;
		name = take_string(p, len, &off, r.name_len);
		if (!name || len - off < r.data_len)
			return -EBADMSG;
		if (out)
			out[i] =
			    (struct rb_gen_file){.name = name, .data = p + off, .len = r.data_len};
		off += r.data_len;
	}
	if (off != len)
		return -EBADMSG;
	*flags = h.flags;
	return (int)h.count;
}
