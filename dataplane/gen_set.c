/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen_set.c: copies of the control's generated files, and the derived
 * generation that serves them. See gen_set.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "gen_set.h"

struct gen_file {
	size_t len;
	char *data; /* just after the name's NUL */
	char name[];
};

void
gen_set_init(struct gen_set *s)
{
	memset(s, 0, sizeof(*s));
}

void
gen_set_clear(struct gen_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->files[i]);
	free(s->files);
	gen_set_init(s);
}

int
gen_set_add(struct gen_set *s, const char *name, const void *data, size_t len)
{
	size_t nlen = strlen(name), cap;
	struct gen_file *f, **v;

	s->offered++;
	s->offered_bytes += len;
	if (s->over)
		return -E2BIG;
	if (s->n >= RB_GEN_MAX_FILES || len > RB_GEN_MAX_BYTES - s->bytes) {
		s->over = true;
		return -E2BIG;
	}
	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 64;
		v = realloc(s->files, cap * sizeof(*v));
		if (!v)
			goto nomem;
		s->files = v;
		s->cap = cap;
	}
	f = malloc(sizeof(*f) + nlen + 1 + len);
	if (!f)
		goto nomem;
	memcpy(f->name, name, nlen + 1);
	f->data = f->name + nlen + 1;
	f->len = len;
	if (len)
		memcpy(f->data, data, len);
	s->files[s->n++] = f;
	s->bytes += len;
	return 0;

nomem:
	s->over = true;
	return -ENOMEM;
}

void
gen_set_move(struct gen_set *dst, struct gen_set *src)
{
	gen_set_clear(dst);
	*dst = *src;
	gen_set_init(src);
}

struct image_cache *
gen_set_apply(const struct gen_set *s, struct image_cache *base, const struct ic_alloc *a,
	      struct gen_apply_stats *st)
{
	struct image_cache *ic;
	size_t i;
	int err;

	memset(st, 0, sizeof(*st));
	if (!s->n)
		return ic_get(base);
	ic = ic_derive(base, a);
	if (!ic)
		return NULL;
	for (i = 0; i < s->n; i++) {
		err = ic_add_virtual(ic, s->files[i]->name, s->files[i]->data, s->files[i]->len);
		if (err == -ENOMEM || err == -ENOSPC) {
			ic_free(ic);
			errno = -err;
			return NULL;
		}
		if (err) {
			/* The tree has a directory where a config would go,
			 * or a file where its directory would: the tree's
			 * name stays, and the caller says which. */
			if (!st->skipped++) {
				ic_safe_name(s->files[i]->name, st->first, sizeof(st->first));
				st->first_err = err;
			}
			continue;
		}
		st->added++;
	}
	return ic;
}
