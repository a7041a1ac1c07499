/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wire.h: a bounds-checked read cursor over wire bytes, with a sticky error.
 *
 * Every read checks what is left before it touches a byte. A failed read sets
 * the error, returns zero and moves nothing; later reads fail too, so a parser
 * can read a whole header and check wire_ok() once at the end.
 * Multi-byte loads are big-endian and go through memcpy (no alignment needs).
 */
#ifndef RB_PROTO_WIRE_H
#define RB_PROTO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wire {
	const uint8_t *buf;
	size_t len;
	size_t off;
	int err; /* 0, or -EBADMSG once any read ran past the end */
};

static inline void
wire_init(struct wire *w, const void *buf, size_t len)
{
	w->buf = buf;
	w->len = len;
	w->off = 0;
	w->err = 0;
}

static inline bool
wire_ok(const struct wire *w)
{
	return w->err == 0;
}

static inline size_t
wire_left(const struct wire *w)
{
	return w->err ? 0 : w->len - w->off;
}

/* True when n more bytes can be read; sets the sticky error otherwise. */
static inline bool
wire_need(struct wire *w, size_t n)
{
	if (w->err || n > w->len - w->off) {
		w->err = -74; /* -EBADMSG, without pulling errno.h into every codec */
		return false;
	}
	return true;
}

static inline const uint8_t *
wire_ptr(struct wire *w, size_t n)
{
	const uint8_t *p;

	if (!wire_need(w, n))
		return NULL;
	p = w->buf + w->off;
	w->off += n;
	return p;
}

static inline uint8_t
wire_u8(struct wire *w)
{
	const uint8_t *p = wire_ptr(w, 1);
	return p ? p[0] : 0;
}

static inline uint16_t
wire_u16(struct wire *w)
{
	const uint8_t *p = wire_ptr(w, 2);
	return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

static inline uint32_t
wire_u32(struct wire *w)
{
	const uint8_t *p = wire_ptr(w, 4);
	return p ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]
		 : 0;
}

static inline void
wire_copy(struct wire *w, void *dst, size_t n)
{
	const uint8_t *p = wire_ptr(w, n);
	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

static inline void
wire_skip(struct wire *w, size_t n)
{
	(void)wire_ptr(w, n);
}

/* Big-endian stores into a buffer the caller has already sized. */
static inline void
put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t
get_u16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
get_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

#endif
