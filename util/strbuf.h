/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * strbuf.h: a growable string with a size cap.
 *
 * Every append checks the cap first, so text built from operator or
 * network input (templates, generated boot configs, API replies) cannot
 * grow without bound. The data is always NUL-terminated when non-NULL.
 */
#ifndef RB_UTIL_STRBUF_H
#define RB_UTIL_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *data;
	size_t len, cap, max;
};

/* An empty buffer that refuses to grow past max bytes (0: 16 MiB). */
void strbuf_init(struct strbuf *b, size_t max);
void strbuf_free(struct strbuf *b);
/* Forget the contents, keep the memory. */
void strbuf_reset(struct strbuf *b);
/* Append n bytes. 0, -E2BIG past the cap, -ENOMEM. */
int strbuf_add(struct strbuf *b, const void *p, size_t n);
int strbuf_adds(struct strbuf *b, const char *s);
int strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Take the string (caller frees); the buffer is empty afterwards. */
char *strbuf_detach(struct strbuf *b, size_t *len);

#endif
