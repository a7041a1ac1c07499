/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * csum.h: the Internet checksum (RFC 1071), in a file of its own so that
 * every codec can use it without using the others (pkt.c uses icmp6.c's
 * RS check, and both sum).
 */
#ifndef RB_PROTO_CSUM_H
#define RB_PROTO_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Internet checksum (RFC 1071) of len bytes, folded, not complemented. */
uint16_t rb_csum_partial(const void *buf, size_t len, uint32_t sum);
static inline uint16_t
rb_csum(const void *buf, size_t len)
{
	return (uint16_t)~rb_csum_partial(buf, len, 0);
}

#endif
