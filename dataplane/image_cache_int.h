/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * image_cache_int.h: the generation's index as image_cache.c keeps it, for
 * the loader (image_cache_load.c) and nobody else. The loader walks trees
 * and binds names through these; image_cache.c calls nothing in the loader.
 *
 * The index is an open-addressing hash table of entry pointers (linear
 * probing, at most half full, never deleted from). An entry is a name and
 * the file it serves, or no file for a directory. Files are counted by the
 * entries pointing at them (links share one); only the entries of the
 * file's own generation count. Everything a generation keeps comes from
 * its allocator; what it borrows from its base stays the base's.
 */
#ifndef RB_DP_IMAGE_CACHE_INT_H
#define RB_DP_IMAGE_CACHE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "image_cache.h"

#define IC_MIN_SLOTS 16
/* Where a file's data starts in its allocation. */
#define IC_FILE_HDR ((sizeof(struct ic_file) + IC_DATA_ALIGN - 1) & ~(size_t)(IC_DATA_ALIGN - 1))

struct ic_entry {
	struct ic_file *file; /* NULL: a directory */
	/* The generation that made it and frees it: a derived generation
	 * (ic_derive) shares its base's entries and never changes them. */
	const struct image_cache *owner;
	uint32_t hash;
	uint16_t len;
	uint8_t implicit; /* a directory above a root's prefix: an earlier
			   * root's entry of that name may still take it */
	char name[];
};

struct image_cache {
	uint32_t refs; /* __atomic builtins */
	uint32_t mask; /* slots - 1 */
	uint32_t used; /* entries */
	struct ic_entry **slot;
	struct ic_alloc a;
	struct image_cache *base; /* ic_derive(): a reference on it; else NULL */
};

/* An empty generation holding one reference; NULL when out of memory. */
struct image_cache *ic_new(const struct ic_alloc *a);

/* The entry for name[0 .. len) (normalised), or NULL. */
struct ic_entry *ic_entry_of(const struct image_cache *ic, const char *name, size_t len);

/* Adds name (normalised, not yet in the index) for f (NULL: a directory),
 * counting the reference on f. 0, -ENOSPC or -ENOMEM. */
int ic_insert(struct image_cache *ic, const char *name, size_t len, struct ic_file *f);

/* A file of size bytes from a, with no name yet (refs 0), its data to be
 * filled in at IC_FILE_HDR and then ic_csum_fill(); path is kept for logs.
 * NULL when out of memory. */
struct ic_file *ic_file_new(const struct ic_alloc *a, uint64_t size, const char *path);

/* Computes f's checksum prefix table from its data. */
void ic_csum_fill(struct ic_file *f);

#endif /* RB_DP_IMAGE_CACHE_INT_H */
