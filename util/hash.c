/* hash.c: see hash.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hash.h"

uint32_t
rb_hash32(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

uint64_t
rb_hash64(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* ---- SipHash-2-4 (Aumasson and Bernstein, 2012) ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void
sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

uint64_t
rb_siphash24(const uint8_t k[16], const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t k0 = le64(k), k1 = le64(k + 8), m;
	uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
			 k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
	uint8_t last[8] = {0};
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		m = le64(b + i);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	if (n > i)
		memcpy(last, b + i, n - i);
	last[7] = (uint8_t)n;
	m = le64(last);
	v[3] ^= m;
	sipround(v);
	sipround(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint8_t proc_key[16];
static pthread_once_t proc_key_once = PTHREAD_ONCE_INIT;

static void
proc_key_init(void)
{
	size_t got = 0;

	while (got < sizeof(proc_key)) {
		ssize_t r = getrandom(proc_key + got, sizeof(proc_key) - got, 0);

		if (r <= 0)
			abort(); /* Linux >= 3.17 always has it; nothing sane to fall back on */
		got += (size_t)r;
	}
}

uint64_t
rb_hash64_keyed(const void *p, size_t n)
{
	pthread_once(&proc_key_once, proc_key_init);
	return rb_siphash24(proc_key, p, n);
}

uint32_t
rb_hash32_keyed(const void *p, size_t n)
{
	uint64_t h = rb_hash64_keyed(p, n);

	return (uint32_t)(h ^ (h >> 32));
}
