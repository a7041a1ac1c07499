/* hash.h: the one non-cryptographic hash of the tree, one entry point per
 * width. Today both are FNV-1a (the published offset bases and primes), so
 * the values are stable across runs and machines.
 *
 * Users: the DHCP client key (rb_hash64 makes the tail of an over-long
 * client id, and that key is stored in the lease database, so a change of
 * algorithm here must keep old keys readable), the lease table's and the
 * image cache's buckets and the DHCP rate limiter (rb_hash32). A keyed hash
 * (SipHash) against flooding would replace the bodies in hash.c, nothing
 * else.
 */
#ifndef RB_UTIL_HASH_H
#define RB_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

/* 32-bit FNV-1a of the n bytes at p (p may be NULL when n is 0). */
uint32_t rb_hash32(const void *p, size_t n);
/* 64-bit FNV-1a of the n bytes at p (p may be NULL when n is 0). */
uint64_t rb_hash64(const void *p, size_t n);

#endif
