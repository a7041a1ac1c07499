/* hash.h: the tree's hashes.
 *
 * rb_hash32 / rb_hash64: FNV-1a (the published offset bases and primes),
 * stable across runs and machines. rb_hash64 makes the tail of an
 * over-long DHCP client id, and that key is stored in the lease database,
 * so it must never change; rb_hash32 places the image cache's names
 * (the server's own files: a client can only look names up).
 *
 * rb_hash32_keyed: SipHash-2-4 under a key drawn from getrandom() once per
 * process, for tables whose keys a client chooses (the DHCP lease table's
 * client keys, the DHCP rate limiter): without the key nobody can compute
 * which bucket a key lands in, so nobody can build colliding chains.
 * Values differ between runs; never store them.
 */
#ifndef RB_UTIL_HASH_H
#define RB_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

/* 32-bit FNV-1a of the n bytes at p (p may be NULL when n is 0). */
uint32_t rb_hash32(const void *p, size_t n);
/* 64-bit FNV-1a of the n bytes at p (p may be NULL when n is 0). */
uint64_t rb_hash64(const void *p, size_t n);
/* SipHash-2-4 of the n bytes at p under the 16-byte key k. */
uint64_t rb_siphash24(const uint8_t k[16], const void *p, size_t n);
/* SipHash-2-4 under this process's random key: all 64 bits, and folded
 * to 32. */
uint64_t rb_hash64_keyed(const void *p, size_t n);
uint32_t rb_hash32_keyed(const void *p, size_t n);

#endif
