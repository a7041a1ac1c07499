/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * image_cache.h: the files TFTP serves, held in memory, pure C.
 *
 * ic_load() walks a directory tree once and copies every regular file into
 * memory taken from the caller's allocator (hugepages on the dataplane,
 * malloc in unit tests); the result is one generation: an index from name to
 * file that lookups never change. A new tree is a new generation: the
 * dataplane publishes it with an atomic pointer swap, each TFTP session pins
 * the generation it started on with ic_get() and drops it with ic_put(), and
 * the last ic_put() frees it.
 *
 * Names: ic_lookup() takes the filename of an RRQ as sent and normalises it
 * (ic_normalize()): leading '/' stripped, '\\' taken as '/', empty and "."
 * components dropped; a ".." component or a control byte anywhere refuses
 * the request (-EACCES). Bytes 0x80..0xff are kept as they are (UTF-8 file
 * names). The match is then exact and case-sensitive.
 *
 * Symlinks are resolved beneath the root (openat2 RESOLVE_BENEATH, or a
 * realpath() check where openat2 is unavailable): one pointing outside,
 * absolute ones included, is skipped. A second name for a file already
 * loaded (hard link, symlink) shares its data; symlinked directories beneath
 * the root are walked, except into one of their own ancestors.
 *
 * Checksums: each file carries prefix sums (1/16 of its size) so that the
 * UDP checksum of a DATA packet costs O(1) instead of a pass over the
 * payload: ic_csum_range().
 *
 * Several roots (ic_load_roots()) make one namespace: a directory mounted
 * at a name prefix ("" = the top), or one regular file served under exactly
 * its name. A later root's name shadows an earlier root's: each name is
 * served from the last root that has it (a file or a directory of that
 * name beneath it; the directories above a root's prefix are not "had" by
 * it, so an earlier root may put a file there). The control's HTTP /boot/
 * resolves names by the same rule (control/bootns.c).
 *
 * Derived generations (ic_derive()): the names of a loaded generation plus
 * a few virtual files (the generated boot configs) on top, without copying
 * a byte of the base's files: the derived index starts as a copy of the
 * base's table of entry pointers and holds a reference on the base, so
 * changing a few KB of configs costs that table, not a reload of the
 * images, and the base lives as long as the last generation derived from
 * it.
 *
 * Who calls: the dataplane's control thread loads, derives and adds
 * virtual files before publishing a generation; workers only look up, read
 * and checksum, which is safe from any number of threads (deriving only
 * reads the base, so it may run while workers serve it). Unit tests call
 * it directly.
 */
#ifndef RB_DP_IMAGE_CACHE_H
#define RB_DP_IMAGE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define IC_NAME_MAX 255		  /* longest name (TFTP_FILENAME_MAX) */
#define IC_MAX_DEPTH 16		  /* directory levels below the root that are walked */
#define IC_MAX_ENTRIES (1u << 20) /* files and directories in one generation */
#define IC_DATA_ALIGN 64	  /* alignment of ic_file.data */
#define IC_CSUM_STRIDE 64	  /* bytes between two ic_file.csum entries */

/*
 * Where a generation's memory comes from. alloc() returns size bytes aligned
 * to align (a power of two, at most IC_DATA_ALIGN) or NULL; free() takes
 * what alloc() returned. Called from the loading thread, and from whichever
 * thread drops the last reference.
 */
struct ic_alloc {
	void *(*alloc)(size_t size, size_t align, void *arg);
	void (*free)(void *p, void *arg);
	void *arg;
};

/* What ic_load() found. Every entry it did not index is in one skipped_*. */
struct ic_stats {
	uint64_t files;		  /* names of regular files indexed, aliases included */
	uint64_t aliases;	  /* of which share the data of another (links) */
	uint64_t dirs;		  /* directories indexed, the root not counted */
	uint64_t bytes;		  /* file data held, aliases counted once */
	uint64_t skipped_outside; /* a symlink resolving outside the root */
	uint64_t skipped_special; /* device, fifo, socket */
	uint64_t skipped_too_big; /* larger than what was left of max_bytes */
	uint64_t skipped_deep;	  /* a directory more than IC_MAX_DEPTH levels down */
	uint64_t skipped_loop;	  /* a directory symlink to one of its ancestors */
	uint64_t skipped_name;	  /* path longer than IC_NAME_MAX, or a name holding a
				   * control byte or '\\': no request could reach it */
	uint64_t skipped_limit;	  /* past IC_MAX_ENTRIES */
	uint64_t skipped_error;	  /* could not be opened or read (dangling symlink,
				   * permissions, symlink loop, file shrank) */
	uint64_t shadowed;	  /* names a later root already had (not read) */
};

/*
 * One root of a namespace. path: a directory, walked beneath itself as
 * ic_load() walks its root, its names served under prefix ("boot/x" with
 * prefix "d-i" is "d-i/boot/x"; "" mounts it at the top); or a regular
 * file, served as prefix (which must then not be ""). prefix is normalised
 * like a request; path is the operator's: symlinks in it are followed.
 */
struct ic_root {
	const char *prefix;
	const char *path;
};

/*
 * One file. data and csum live in a single allocation with this struct
 * (data IC_DATA_ALIGN-aligned) and never change while the generation lives.
 */
struct ic_file {
	const uint8_t *data; /* size bytes; NULL when size is 0 */
	uint64_t size;
	/*
	 * csum[i], i = 0..size/IC_CSUM_STRIDE: the sum of the big-endian 16-bit
	 * words of data[0 .. 64 * i) in 32-bit one's complement arithmetic
	 * (end-around carry at bit 32), i.e. the integer sum modulo 2^32 - 1.
	 * Use ic_csum_range() rather than reading it.
	 */
	uint32_t *csum;
	uint32_t refs;		    /* names in the index that point here */
	uint8_t virt;		    /* 1: from ic_add_virtual() */
	char path[IC_NAME_MAX + 1]; /* under the root, the first name it was found under */
};

struct image_cache; /* one generation */

/*
 * Loads every regular file beneath root (see the top of this file for
 * symlinks) into memory from a: one allocation per file, holding the
 * struct, the data and the checksum prefix. Entries of each directory are
 * taken in strcmp() order, so which file max_bytes leaves out, and which
 * name of a linked file is its path, is the same on every load.
 *
 * max_bytes bounds the file data (not the index or the checksums): a file
 * larger than what is left is skipped. Directories more than IC_MAX_DEPTH
 * levels below the root are not entered. A problem with one entry skips it
 * and is counted in st (zeroed first; may be NULL); ic_load() only fails
 * when the root cannot be opened or listed, or memory runs out: then it
 * returns NULL with errno set and a message in msg (may be NULL).
 *
 * Returns the generation holding one reference (the caller's).
 */
struct image_cache *ic_load(const char *root, uint64_t max_bytes, const struct ic_alloc *a,
			    struct ic_stats *st, char *msg, size_t cap);

/*
 * The same for n roots in one generation (ic_load(root) is the one root
 * {"", root}). Roots are loaded last first, and a name a later root has
 * already taken is skipped without reading it (counted in st->shadowed),
 * so max_bytes goes to the later roots first. The directories above a
 * prefix are indexed too. Fails (NULL, errno, msg naming the root) when a
 * root cannot be opened, is neither a directory nor a regular file, is a
 * file with an empty prefix (ENOTDIR), or its prefix is not a valid name
 * (EINVAL, ENAMETOOLONG); n may be 0 (an empty generation).
 */
struct image_cache *ic_load_roots(const struct ic_root *roots, size_t n, uint64_t max_bytes,
				  const struct ic_alloc *a, struct ic_stats *st, char *msg,
				  size_t cap);

/*
 * Finds name (an RRQ filename as sent) in the index. 0 with *out set, or
 * (with *out NULL):
 *   -EACCES       a ".." component or a control byte (TFTP error 2)
 *   -ENOENT       not in the index (TFTP error 1)
 *   -EISDIR       a directory, the root included ("/", "")
 *   -ENAMETOOLONG longer than IC_NAME_MAX bytes
 * *out stays valid as long as the caller holds a reference to ic.
 */
int ic_lookup(const struct image_cache *ic, const char *name, const struct ic_file **out);

/*
 * Serves data (copied, through the generation's allocator) under name,
 * normalised as by ic_lookup(). A file of that name is replaced (another
 * name linked to it keeps the old data; in a derived generation the base
 * keeps its file and the derived one stops serving it); missing parent
 * directories are indexed. 0, or -EACCES / -ENAMETOOLONG (a bad name),
 * -EISDIR (name is a directory), -ENOTDIR (a parent is a file), -ENOSPC
 * (IC_MAX_ENTRIES), -ENOMEM. Only on a generation not yet published:
 * lookups must not run concurrently.
 */
int ic_add_virtual(struct image_cache *ic, const char *name, const void *data, size_t len);

/*
 * A new generation, not yet published, holding one reference (the
 * caller's), that serves every name base serves from base's own memory
 * (nothing copied but the index's table of pointers, from a) and takes a
 * reference on base. ic_add_virtual() then adds or replaces names in it
 * alone; base never changes, so it may be published and serving while
 * this runs. Freeing the derived generation frees what it made (with a)
 * and drops its reference on base. Deriving from a derived generation
 * works the same way (a chain). NULL with errno ENOMEM.
 */
struct image_cache *ic_derive(struct image_cache *base, const struct ic_alloc *a);

/* Takes one more reference (atomically; any thread). Returns ic; NULL is a no-op. */
struct image_cache *ic_get(struct image_cache *ic);
/* Drops one reference (atomically; any thread); the last frees ic. NULL is a no-op. */
void ic_put(struct image_cache *ic);
/* Frees ic whatever its count: only for a holder of the only reference
 * (a generation never published); a derived one drops its reference on
 * its base. NULL is a no-op. */
void ic_free(struct image_cache *ic);

/* Files and directories indexed (the root not counted). */
uint32_t ic_count(const struct image_cache *ic);

/*
 * The 16-bit one's complement sum (folded, not complemented) of
 * data[off .. off + len), as if the range started at an even offset of the
 * packet: what a UDP checksum over a TFTP DATA payload adds. Equal, bit for
 * bit, to summing the words directly (0 only when every byte is 0, 0xffff
 * for any other multiple of 0xffff). O(1) for len <= 128 KiB: two prefix
 * entries and at most 63 bytes at each end. A range past the end of the
 * file is cut at the end.
 */
uint16_t ic_csum_range(const struct ic_file *f, uint64_t off, uint32_t len);

/*
 * Normalises a requested name into out (cap >= IC_NAME_MAX + 1 always
 * suffices). Returns its length (0: the root) or -EACCES, -ENAMETOOLONG as
 * ic_lookup().
 */
int ic_normalize(const char *name, char *out, size_t cap);

/*
 * A copy of name safe to log: printable ASCII as is, every other byte and
 * '\\' as \xNN. If it does not fit in cap, it is cut between characters and
 * ends in "...". Returns buf ("" if cap is 0; "(null)" for a NULL name).
 */
const char *ic_safe_name(const char *name, char *buf, size_t cap);

#endif /* RB_DP_IMAGE_CACHE_H */
