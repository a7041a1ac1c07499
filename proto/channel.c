/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
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
	case RB_MSG_STATS_REQ:
	case RB_MSG_SHUTDOWN:
		return 0;
	}
	return -1;
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
	want = rb_msg_payload_size((enum rb_msg_type)hdr->type);
	if (want < 0 || (size_t)want != hdr->len)
		return -EBADMSG;
	*payload = (const char *)buf + sizeof(*hdr);
	return 0;
}
