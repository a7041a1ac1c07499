/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tftp_session.c: actions, request lookup, session ports and the round
 * trip estimator that sessions and multicast streams share, pure C. See
 * tftp_session.h.
 */
#include <errno.h>
#include <string.h>

#include "counters.h"
#include "hash.h"
#include "tftp_session.h"

void
tftpd_act_init(struct tftpd_action *a, uint32_t ip, uint16_t port, const uint8_t *mac,
	       uint16_t local)
{
	a->sess = TFTPD_NONE;
	a->local_port = local;
	a->dst_ip = ip;
	a->dst_port = port;
	memcpy(a->dst_mac, mac, 6);
	a->ctl_len = 0;
	a->first = 1;
	a->last = 0;
	a->file = NULL;
	a->gen = NULL;
	a->blksize = 0;
	a->unicast_first = 0;
	a->mcast = 0;
	a->data_ip = ip;
	a->data_port = port;
	memcpy(a->data_mac, mac, 6);
}

void
tftpd_act_error(struct tftpd_action *a, uint16_t code, const char *msg, uint64_t *cnt)
{
	int n = tftp_build_error(a->ctl, sizeof(a->ctl), code, msg);

	a->ctl_len = n > 0 ? (uint16_t)n : 0;
	cnt[RB_CNT_tftp_errors_sent]++;
}

bool
tftpd_act_data(struct tftpd_action *a, const struct ic_file *file, struct image_cache *gen,
	       uint16_t blksize, uint64_t first, uint64_t last, uint64_t *sent, uint64_t *cnt)
{
	bool resend = first <= *sent;

	if (resend)
		cnt[RB_CNT_tftp_retransmits] += (*sent < last ? *sent : last) - first + 1;
	a->first = first;
	a->last = last;
	a->file = file;
	a->gen = gen;
	a->blksize = blksize;
	if (last > *sent)
		*sent = last;
	return resend;
}

const uint8_t *
tftpd_act_block(const struct tftpd_action *a, uint64_t n, uint32_t *len, uint64_t *off)
{
	uint64_t o = (n - 1) * a->blksize, size = a->file->size;

	*off = o;
	*len = o >= size ? 0 : size - o < a->blksize ? (uint32_t)(size - o) : a->blksize;
	return o < size ? a->file->data + o : NULL; /* data is NULL when size is 0 */
}

const struct ic_file *
tftpd_req_file(struct image_cache *cache, const struct tftp_req *rq, struct tftpd_action *a,
	       uint64_t *cnt, uint64_t *drops)
{
	const struct ic_file *f = NULL;
	int ret;

	if (rq->opcode != TFTP_RRQ) {
		drops[RB_DROP_tftp_wrq_refused]++;
		tftpd_act_error(a, TFTP_EC_ACCESS, "read-only server", cnt);
		return NULL;
	}
	ret = cache ? ic_lookup(cache, rq->filename, &f) : -ENOENT;
	if (ret == -EACCES) {
		drops[RB_DROP_tftp_access_denied]++;
		tftpd_act_error(a, TFTP_EC_ACCESS, "access violation", cnt);
		return NULL;
	}
	if (ret < 0) {
		drops[RB_DROP_tftp_not_found]++;
		tftpd_act_error(a, TFTP_EC_NOT_FOUND, "file not found", cnt);
		return NULL;
	}
	return f;
}

int
tftp_ports_init(struct tftp_ports *p, uint16_t lo, uint16_t hi, uint16_t owner, uint16_t nworkers)
{
	uint16_t stride = nworkers > 1 ? nworkers : 1;

	if (lo > hi || (uint32_t)lo + owner > hi || owner >= stride)
		return -EINVAL;
	*p = (struct tftp_ports){.lo = lo,
				 .hi = hi,
				 .owner = owner,
				 .nworkers = nworkers,
				 .count = (uint32_t)(hi - lo - owner) / stride + 1};
	return 0;
}

uint16_t
tftp_ports_take(struct tftp_ports *p)
{
	uint64_t d = p->draws++;
	uint32_t k = rb_hash32_keyed(&d, sizeof(d)) % p->count;

	return (uint16_t)(p->lo + p->owner + k * (p->nworkers > 1 ? p->nworkers : 1));
}

uint32_t
tftp_rto_of(uint32_t srtt_us, uint32_t lo_us, uint32_t hi_us)
{
	uint32_t rto = 4 * srtt_us;

	if (rto < lo_us)
		rto = lo_us;
	if (rto > hi_us)
		rto = hi_us;
	return rto;
}

uint32_t
tftp_rtt_sample(uint32_t *srtt_us, uint32_t r_us, uint32_t lo_us, uint32_t hi_us)
{
	*srtt_us = *srtt_us ? (7 * *srtt_us + r_us) / 8 : r_us;
	return tftp_rto_of(*srtt_us, lo_us, hi_us);
}

uint32_t
tftp_rto_backoff(uint32_t rto_us, uint32_t hi_us)
{
	return rto_us * 2 < hi_us ? rto_us * 2 : hi_us;
}
