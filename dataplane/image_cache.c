/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * image_cache.c: a generation's name index (image_cache_int.h says how it
 * is kept), lookups, virtual files, references, and checksums of file
 * ranges. Loading trees is image_cache_load.c's. See image_cache.h for the
 * contract.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_beneath.h"
#include "hash.h"
#include "image_cache_int.h"

#define EXACT_MAX (128u * 1024) /* ic_csum_range(): longest len summed in O(1) */

/* --- checksums ------------------------------------------------------------ */

/* a + b in 32-bit one's complement arithmetic. */
static uint32_t
add32(uint32_t a, uint32_t b)
{
	uint64_t t = (uint64_t)a + b;

	return (uint32_t)t + (uint32_t)(t >> 32);
}

/* Integer sum of the big-endian words of p[0 .. len), p at an even
 * offset; an odd last byte is the high byte of a word. */
static uint64_t
sum_words(const uint8_t *p, uint64_t len)
{
	uint64_t s = 0, i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

void
ic_csum_fill(struct ic_file *f)
{
	uint64_t i, n = f->size / IC_CSUM_STRIDE;

	f->csum[0] = 0;
	for (i = 0; i < n; i++)
		f->csum[i + 1] = add32(
		    f->csum[i], (uint32_t)sum_words(f->data + i * IC_CSUM_STRIDE, IC_CSUM_STRIDE));
}

/* The word sum of data[0 .. x), modulo 2^32 - 1. */
static uint32_t
prefix(const struct ic_file *f, uint64_t x)
{
	uint64_t base = x & ~(uint64_t)(IC_CSUM_STRIDE - 1);

	return add32(f->csum[x / IC_CSUM_STRIDE], (uint32_t)sum_words(f->data + base, x - base));
}

static int
all_zero(const uint8_t *p, uint64_t len)
{
	while (len--)
		if (*p++)
			return 0;
	return 1;
}

/*
 * prefix(end) - prefix(off) is the integer word sum R of the range, with
 * words aligned to the file, modulo 2^32 - 1 (a multiple of 0xffff, so it
 * folds to R mod 0xffff). Folding alone cannot tell R = 0 (all bytes 0,
 * sum 0) from R a non-zero multiple of 0xffff (sum 0xffff): below EXACT_MAX
 * bytes R < 2^32 - 1, so the 32-bit difference is 0 exactly when R is;
 * above, the bytes are looked at. An odd off puts the file's high bytes
 * low in the packet: swapping the folded sum moves them back (RFC 1071).
 */
uint16_t
ic_csum_range(const struct ic_file *f, uint64_t off, uint32_t len)
{
	uint32_t d, s;
	int zero;

	if (off > f->size)
		off = f->size;
	if (len > f->size - off)
		len = (uint32_t)(f->size - off);
	if (!len)
		return 0;
	d = add32(prefix(f, off + len), ~prefix(f, off));
	s = (d & 0xffff) + (d >> 16);
	s = (s & 0xffff) + (s >> 16);
	if (s == 0 || s == 0xffff) {
		zero =
		    len <= EXACT_MAX ? (d == 0 || d == 0xffffffff) : all_zero(f->data + off, len);
		s = zero ? 0 : 0xffff;
	}
	return (uint16_t)(off & 1 ? (s >> 8 | s << 8) : s);
}

/* --- names and the index -------------------------------------------------- */

int
ic_normalize(const char *name, char *out, size_t cap)
{
	size_t len = strnlen(name, IC_NAME_MAX + 1);
	int ret;

	if (len > IC_NAME_MAX || !cap)
		return -ENAMETOOLONG;
	ret = rb_path_normalize(name, len, out, cap, RB_PATH_BACKSLASH | RB_PATH_NO_CTRL);
	return ret == -EINVAL ? -EACCES : ret;
}

/* The slot holding name, or the free slot where it would go. */
static uint32_t
find_slot(const struct image_cache *ic, const char *name, size_t len, uint32_t h)
{
	const struct ic_entry *e;
	uint32_t i;

	for (i = h & ic->mask;; i = (i + 1) & ic->mask) {
		e = ic->slot[i];
		if (!e || (e->hash == h && e->len == len && memcmp(e->name, name, len) == 0))
			return i;
	}
}

static void *
zalloc(const struct ic_alloc *a, size_t size, size_t align)
{
	void *p = a->alloc(size, align, a->arg);

	if (p)
		memset(p, 0, size);
	return p;
}

static int
grow(struct image_cache *ic)
{
	uint32_t n = (ic->mask + 1) * 2, i, j;
	struct ic_entry **s = zalloc(&ic->a, n * sizeof(*s), _Alignof(struct ic_entry *));

	if (!s)
		return -ENOMEM;
	for (i = 0; i <= ic->mask; i++) {
		if (!ic->slot[i])
			continue;
		for (j = ic->slot[i]->hash & (n - 1); s[j]; j = (j + 1) & (n - 1))
			;
		s[j] = ic->slot[i];
	}
	ic->a.free(ic->slot, ic->a.arg);
	ic->slot = s;
	ic->mask = n - 1;
	return 0;
}

int
ic_insert(struct image_cache *ic, const char *name, size_t len, struct ic_file *f)
{
	uint32_t h = rb_hash32(name, len);
	struct ic_entry *e;

	if (ic->used >= IC_MAX_ENTRIES)
		return -ENOSPC;
	if ((ic->used + 1) * 2 > ic->mask + 1 && grow(ic) < 0)
		return -ENOMEM;
	e = ic->a.alloc(sizeof(*e) + len + 1, _Alignof(struct ic_entry), ic->a.arg);
	if (!e)
		return -ENOMEM;
	e->file = f;
	e->owner = ic;
	e->hash = h;
	e->len = (uint16_t)len;
	e->implicit = 0;
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	ic->slot[find_slot(ic, name, len, h)] = e;
	ic->used++;
	if (f)
		f->refs++;
	return 0;
}

struct ic_file *
ic_file_new(const struct ic_alloc *a, uint64_t size, const char *path)
{
	uint64_t body = (size + 3) & ~(uint64_t)3, nsum = size / IC_CSUM_STRIDE + 1;
	struct ic_file *f;

	if (size > (SIZE_MAX - IC_FILE_HDR) / 2)
		return NULL;
	f = a->alloc(IC_FILE_HDR + body + nsum * sizeof(uint32_t), IC_DATA_ALIGN, a->arg);
	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->data = size ? (uint8_t *)f + IC_FILE_HDR : NULL;
	f->size = size;
	f->csum = (uint32_t *)((uint8_t *)f + IC_FILE_HDR + body);
	snprintf(f->path, sizeof(f->path), "%s", path);
	return f;
}

static void
file_put(struct image_cache *ic, struct ic_file *f)
{
	if (f && --f->refs == 0)
		ic->a.free(f, ic->a.arg);
}

struct image_cache *
ic_new(const struct ic_alloc *a)
{
	struct image_cache *ic = zalloc(a, sizeof(*ic), _Alignof(struct image_cache));

	if (!ic)
		return NULL;
	ic->a = *a;
	ic->refs = 1;
	ic->mask = IC_MIN_SLOTS - 1;
	ic->slot = zalloc(a, IC_MIN_SLOTS * sizeof(*ic->slot), _Alignof(struct ic_entry *));
	if (!ic->slot) {
		a->free(ic, a->arg);
		return NULL;
	}
	return ic;
}

struct image_cache *
ic_derive(struct image_cache *base, const struct ic_alloc *a)
{
	size_t bytes = ((size_t)base->mask + 1) * sizeof(*base->slot);
	struct image_cache *ic = zalloc(a, sizeof(*ic), _Alignof(struct image_cache));

	if (!ic)
		goto fail;
	ic->a = *a;
	ic->refs = 1;
	ic->slot = a->alloc(bytes, _Alignof(struct ic_entry *), a->arg);
	if (!ic->slot) {
		a->free(ic, a->arg);
		goto fail;
	}
	/* The same table, so every probe sequence stays valid: new names go
	 * into free slots, replaced ones into their own. */
	memcpy(ic->slot, base->slot, bytes);
	ic->mask = base->mask;
	ic->used = base->used;
	ic->base = ic_get(base);
	return ic;

fail:
	errno = ENOMEM;
	return NULL;
}

void
ic_free(struct image_cache *ic)
{
	struct image_cache *base;
	struct ic_alloc a;
	uint32_t i;

	if (!ic)
		return;
	a = ic->a;
	base = ic->base;
	for (i = 0; i <= ic->mask; i++) {
		if (!ic->slot[i] || ic->slot[i]->owner != ic)
			continue; /* empty, or the base's */
		file_put(ic, ic->slot[i]->file);
		a.free(ic->slot[i], a.arg);
	}
	a.free(ic->slot, a.arg);
	a.free(ic, a.arg);
	ic_put(base);
}

struct image_cache *
ic_get(struct image_cache *ic)
{
	if (ic)
		__atomic_add_fetch(&ic->refs, 1, __ATOMIC_RELAXED);
	return ic;
}

void
ic_put(struct image_cache *ic)
{
	if (ic && __atomic_sub_fetch(&ic->refs, 1, __ATOMIC_ACQ_REL) == 0)
		ic_free(ic);
}

struct ic_entry *
ic_entry_of(const struct image_cache *ic, const char *name, size_t len)
{
	return ic->slot[find_slot(ic, name, len, rb_hash32(name, len))];
}

uint32_t
ic_count(const struct image_cache *ic)
{
	return ic->used;
}

int
ic_lookup(const struct image_cache *ic, const char *name, const struct ic_file **out)
{
	char buf[IC_NAME_MAX + 1];
	const struct ic_entry *e;
	int len = ic_normalize(name, buf, sizeof(buf));

	*out = NULL;
	if (len < 0)
		return len;
	if (len == 0)
		return -EISDIR;
	e = ic->slot[find_slot(ic, buf, (size_t)len, rb_hash32(buf, (size_t)len))];
	if (!e)
		return -ENOENT;
	if (!e->file)
		return -EISDIR;
	*out = e->file;
	return 0;
}

int
ic_add_virtual(struct image_cache *ic, const char *name, const void *data, size_t len)
{
	char buf[IC_NAME_MAX + 1];
	struct ic_entry *e, *up, *mine;
	struct ic_file *f;
	int n = ic_normalize(name, buf, sizeof(buf)), err;
	uint32_t at;
	size_t i;

	if (n < 0)
		return n;
	if (n == 0)
		return -EISDIR;
	at = find_slot(ic, buf, (size_t)n, rb_hash32(buf, (size_t)n));
	e = ic->slot[at];
	if (e && !e->file)
		return -EISDIR;
	/* A new name: its parents must be directories, indexed if missing. */
	for (i = 0; !e && i < (size_t)n; i++) {
		if (buf[i] != '/')
			continue;
		up = ic->slot[find_slot(ic, buf, i, rb_hash32(buf, i))];
		if (up && up->file)
			return -ENOTDIR;
		if (!up && (err = ic_insert(ic, buf, i, NULL)) < 0)
			return err;
	}
	f = ic_file_new(&ic->a, len, buf);
	if (!f)
		return -ENOMEM;
	f->virt = 1;
	if (len)
		memcpy((uint8_t *)f + IC_FILE_HDR, data, len);
	ic_csum_fill(f);
	if (e && e->owner == ic) {
		file_put(ic, e->file);
		e->file = f;
		f->refs = 1;
		return 0;
	}
	if (e) {
		/* The base's entry and file stay as they are: this generation
		 * gets an entry of its own in the same slot. */
		mine =
		    ic->a.alloc(sizeof(*mine) + e->len + 1, _Alignof(struct ic_entry), ic->a.arg);
		if (!mine) {
			ic->a.free(f, ic->a.arg);
			return -ENOMEM;
		}
		memcpy(mine, e, sizeof(*mine) + e->len + 1);
		mine->owner = ic;
		mine->file = f;
		f->refs = 1;
		ic->slot[at] = mine;
		return 0;
	}
	err = ic_insert(ic, buf, (size_t)n, f);
	if (err < 0)
		ic->a.free(f, ic->a.arg);
	return err;
}

const char *
ic_safe_name(const char *name, char *buf, size_t cap)
{
	const unsigned char *p;
	size_t pos = 0, total = 0, budget, w;

	if (!cap)
		return "";
	if (!name)
		name = "(null)";
#define WIDTH(c) ((c) >= 0x20 && (c) < 0x7f && (c) != '\\' ? 1u : 4u)
	for (p = (const unsigned char *)name; *p; p++)
		total += WIDTH(*p);
	budget = total < cap ? total : cap > 4 ? cap - 4 : cap - 1;
	for (p = (const unsigned char *)name; *p; p++) {
		w = WIDTH(*p);
		if (pos + w > budget)
			break;
		if (w == 1)
			buf[pos++] = (char)*p;
		else
			pos += (size_t)sprintf(buf + pos, "\\x%02x", *p);
	}
#undef WIDTH
	if (*p && cap > 4) {
		memcpy(buf + pos, "...", 3);
		pos += 3;
	}
	buf[pos] = '\0';
	return buf;
}
