/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen_set.h: a set of generated boot configs as the control sends them
 * (GEN_FILES, proto/channel.h), kept as copies, and the generation that
 * serves them on top of a loaded one. Pure C (the engine library): the
 * dataplane's main lcore keeps the sets, unit tests drive it directly.
 *
 * A set is bounded: at most RB_GEN_MAX_FILES files and RB_GEN_MAX_BYTES
 * data bytes. A file past either bound is not kept; the set only
 * remembers that it overflowed (and how much was offered), so that its
 * publish is refused and the memory a misbehaving sender could pin stays
 * bounded.
 *
 * Errors: 0 or -errno; pointer functions return NULL and set errno.
 */
#ifndef RB_DP_GEN_SET_H
#define RB_DP_GEN_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image_cache.h"

struct gen_file; /* one copy: name and data in one allocation */

struct gen_set {
	struct gen_file **files;
	size_t n, cap;
	uint64_t bytes;		/* data bytes kept */
	bool over;		/* a file was refused: past a bound, or no memory */
	uint64_t offered;	/* files offered, kept or not */
	uint64_t offered_bytes; /* their data bytes */
};

/* What applying a set found (gen_set_apply()). */
struct gen_apply_stats {
	size_t added;	/* names served from the set */
	size_t skipped; /* names the base's tree would not take as a file */
	char first[64]; /* the first of those, log-safe (ic_safe_name()) */
	int first_err;	/* and why: -EISDIR, -ENOTDIR, -EACCES, -ENAMETOOLONG */
};

/* An empty set (also what gen_set_clear() leaves). */
void gen_set_init(struct gen_set *s);

/* Frees every file and empties the set. */
void gen_set_clear(struct gen_set *s);

/*
 * Keeps a copy of one file. 0, or -E2BIG (past RB_GEN_MAX_FILES or
 * RB_GEN_MAX_BYTES) or -ENOMEM: the file is not kept, the set is marked
 * over and keeps no further file until cleared.
 */
int gen_set_add(struct gen_set *s, const char *name, const void *data, size_t len);

/* Moves src's files into dst (whose own are freed first); src is left empty. */
void gen_set_move(struct gen_set *dst, struct gen_set *src);

/*
 * A new generation, not yet published, serving base's names with s's files
 * on top (ic_derive() from a, then ic_add_virtual() of each file in order,
 * so a name sent twice serves the later file). An empty set gives base
 * itself, with one more reference. A file the base's tree cannot take
 * (the name is a directory there, a parent is a file, the name is bad) is
 * skipped and counted in st. NULL with errno ENOMEM (or ENOSPC: past
 * IC_MAX_ENTRIES); nothing is left allocated then.
 */
struct image_cache *gen_set_apply(const struct gen_set *s, struct image_cache *base,
				  const struct ic_alloc *a, struct gen_apply_stats *st);

#endif /* RB_DP_GEN_SET_H */
