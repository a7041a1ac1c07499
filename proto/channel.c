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
	case RB_MSG_LEASE_COMMITTED:
		return sizeof(struct rb_lease_ack);
	case RB_MSG_STATS_REQ:
	case RB_MSG_SHUTDOWN:
	case RB_MSG_CONFIG_DONE:
	case RB_MSG_TFTP_RELOAD:
		return 0;
	case RB_MSG_DHCP_RESV:
	case RB_MSG_LEASE_LOAD:
	case RB_MSG_LEASE_COMMIT:
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
		if (check_batch((enum rb_msg_type)hdr->type, (const char *)buf + sizeof(*hdr),
				hdr->len) < 0)
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
