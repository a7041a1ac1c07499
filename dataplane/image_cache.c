/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * image_cache.c: loading a TFTP root into memory, the name index, and
 * checksums of file ranges. See image_cache.h for the contract.
 *
 * The index is an open-addressing hash table of entry pointers (linear
 * probing, at most half full, never deleted from). An entry is a name and
 * the file it serves, or no file for a directory. Files are counted by the
 * entries pointing at them (links share one). Everything a generation keeps
 * comes from its allocator; the walk's scratch (directory listings, the
 * inode table that finds links) comes from malloc and is gone on return.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_beneath.h"
#include "hash.h"
#include "image_cache.h"

#define MIN_SLOTS 16
#define EXACT_MAX (128u * 1024) /* ic_csum_range(): longest len summed in O(1) */
#define FILE_HDR ((sizeof(struct ic_file) + IC_DATA_ALIGN - 1) & ~(size_t)(IC_DATA_ALIGN - 1))
/* O_NONBLOCK so that a FIFO swapped in for a file cannot block the load. */
#define OPEN_FLAGS (O_RDONLY | O_NOCTTY | O_NONBLOCK)

struct ic_entry {
	struct ic_file *file; /* NULL: a directory */
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
};

struct ino_slot {
	dev_t dev;
	ino_t ino;
	struct ic_file *f; /* NULL: free slot */
};

/* One ic_load_roots() walk. */
struct walk {
	struct image_cache *ic;
	struct ic_stats *st;
	struct rb_beneath root; /* the directory root being walked */
	uint64_t left;		/* of max_bytes */
	struct ino_slot *inos;	/* files loaded, by inode: links share them */
	size_t ino_mask, ino_used;
	struct stat up[IC_MAX_DEPTH + 1]; /* the directories being walked, root first */
	/* The current name: the root's prefix, '/', the path beneath the root
	 * (rel = name + base). plen: the prefix's length; base: 0 or plen + 1. */
	size_t plen, base;
	char name[IC_NAME_MAX + 1];
};

#define REL(w) ((w)->name + (w)->base)

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

static void
csum_fill(struct ic_file *f)
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

/* Adds name (normalised, not yet in the index) for f (NULL: a directory).
 * 0, -ENOSPC or -ENOMEM. */
static int
insert(struct image_cache *ic, const char *name, size_t len, struct ic_file *f)
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

/* A file of size bytes with no name yet (refs 0), data to be filled in. */
static struct ic_file *
file_new(const struct ic_alloc *a, uint64_t size, const char *path)
{
	uint64_t body = (size + 3) & ~(uint64_t)3, nsum = size / IC_CSUM_STRIDE + 1;
	struct ic_file *f;

	if (size > (SIZE_MAX - FILE_HDR) / 2)
		return NULL;
	f = a->alloc(FILE_HDR + body + nsum * sizeof(uint32_t), IC_DATA_ALIGN, a->arg);
	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->data = size ? (uint8_t *)f + FILE_HDR : NULL;
	f->size = size;
	f->csum = (uint32_t *)((uint8_t *)f + FILE_HDR + body);
	snprintf(f->path, sizeof(f->path), "%s", path);
	return f;
}

static void
file_put(struct image_cache *ic, struct ic_file *f)
{
	if (f && --f->refs == 0)
		ic->a.free(f, ic->a.arg);
}

static struct image_cache *
ic_new(const struct ic_alloc *a)
{
	struct image_cache *ic = zalloc(a, sizeof(*ic), _Alignof(struct image_cache));

	if (!ic)
		return NULL;
	ic->a = *a;
	ic->refs = 1;
	ic->mask = MIN_SLOTS - 1;
	ic->slot = zalloc(a, MIN_SLOTS * sizeof(*ic->slot), _Alignof(struct ic_entry *));
	if (!ic->slot) {
		a->free(ic, a->arg);
		return NULL;
	}
	return ic;
}

void
ic_free(struct image_cache *ic)
{
	struct ic_alloc a;
	uint32_t i;

	if (!ic)
		return;
	a = ic->a;
	for (i = 0; i <= ic->mask; i++) {
		if (!ic->slot[i])
			continue;
		file_put(ic, ic->slot[i]->file);
		a.free(ic->slot[i], a.arg);
	}
	a.free(ic->slot, a.arg);
	a.free(ic, a.arg);
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
	struct ic_entry *e, *up;
	struct ic_file *f;
	int n = ic_normalize(name, buf, sizeof(buf)), err;
	size_t i;

	if (n < 0)
		return n;
	if (n == 0)
		return -EISDIR;
	e = ic->slot[find_slot(ic, buf, (size_t)n, rb_hash32(buf, (size_t)n))];
	if (e && !e->file)
		return -EISDIR;
	/* A new name: its parents must be directories, indexed if missing. */
	for (i = 0; !e && i < (size_t)n; i++) {
		if (buf[i] != '/')
			continue;
		up = ic->slot[find_slot(ic, buf, i, rb_hash32(buf, i))];
		if (up && up->file)
			return -ENOTDIR;
		if (!up && (err = insert(ic, buf, i, NULL)) < 0)
			return err;
	}
	f = file_new(&ic->a, len, buf);
	if (!f)
		return -ENOMEM;
	f->virt = 1;
	if (len)
		memcpy((uint8_t *)f + FILE_HDR, data, len);
	csum_fill(f);
	if (e) {
		file_put(ic, e->file);
		e->file = f;
		f->refs = 1;
		return 0;
	}
	err = insert(ic, buf, (size_t)n, f);
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

/* --- loading -------------------------------------------------------------- */

static void
count_open_error(struct walk *w, int err)
{
	if (err == -EXDEV)
		w->st->skipped_outside++;
	else
		w->st->skipped_error++;
}

static struct ino_slot *
ino_slot(const struct walk *w, dev_t dev, ino_t ino)
{
	size_t i = (size_t)((ino ^ (uint64_t)dev << 40) * 0x9e3779b97f4a7c15ull >> 20);

	for (i &= w->ino_mask;; i = (i + 1) & w->ino_mask)
		if (!w->inos[i].f || (w->inos[i].dev == dev && w->inos[i].ino == ino))
			return &w->inos[i];
}

/* Remembers f as the data of (dev, ino). 0 or -ENOMEM. */
static int
ino_add(struct walk *w, dev_t dev, ino_t ino, struct ic_file *f)
{
	struct ino_slot *old = w->inos, *s;
	size_t i, n = w->ino_mask + 1;

	if ((w->ino_used + 1) * 2 > n) {
		w->inos = calloc(n * 2, sizeof(*w->inos));
		if (!w->inos) {
			w->inos = old;
			return -ENOMEM;
		}
		w->ino_mask = n * 2 - 1;
		for (i = 0; i < n; i++)
			if (old[i].f)
				*ino_slot(w, old[i].dev, old[i].ino) = old[i];
		free(old);
	}
	s = ino_slot(w, dev, ino);
	*s = (struct ino_slot){.dev = dev, .ino = ino, .f = f};
	w->ino_used++;
	return 0;
}

static int
read_all(int fd, uint8_t *p, uint64_t len)
{
	ssize_t n;

	while (len) {
		n = read(fd, p, len > (1u << 30) ? (1u << 30) : (size_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO; /* an error, or the file shrank */
		p += n;
		len -= (uint64_t)n;
	}
	return 0;
}

/* The entry for name[0 .. len), or NULL. */
static struct ic_entry *
entry_of(const struct image_cache *ic, const char *name, size_t len)
{
	return ic->slot[find_slot(ic, name, len, rb_hash32(name, len))];
}

/*
 * Whether w->name (len bytes) is still free for the root being walked:
 * 1 when nobody has it or only as a directory above a later root's
 * prefix, else 0 (a later root has it).
 */
static int
name_free(const struct walk *w, size_t len)
{
	const struct ic_entry *e = entry_of(w->ic, w->name, len);

	return !e || e->implicit;
}

/* Binds w->name (len bytes, name_free()) to f (NULL: a directory). 0 or -errno. */
static int
bind_name(struct walk *w, size_t len, struct ic_file *f)
{
	struct ic_entry *e = entry_of(w->ic, w->name, len);

	if (!e)
		return insert(w->ic, w->name, len, f);
	/* An implicit directory taken by this root: it stays a directory, or
	 * becomes a file (what lies below it stays, every name on its own). */
	e->implicit = 0;
	e->file = f;
	if (f) {
		f->refs++;
		w->st->dirs--;
	}
	return 0;
}

/* Loads the regular file open on fd (closed here) as w->name (len bytes). */
static int
load_fd(struct walk *w, int fd, size_t len)
{
	struct ino_slot *known;
	struct ic_file *f;
	struct stat sb;
	int err;

	err = fstat(fd, &sb) < 0 ? -errno : 0;
	if (err || !S_ISREG(sb.st_mode)) {
		if (err)
			w->st->skipped_error++;
		else
			w->st->skipped_special++; /* swapped since it was looked at */
		close(fd);
		return 0;
	}
	known = ino_slot(w, sb.st_dev, sb.st_ino);
	if (known->f) {
		close(fd);
		err = bind_name(w, len, known->f);
		if (!err) {
			w->st->files++;
			w->st->aliases++;
		}
		return err;
	}
	if ((uint64_t)sb.st_size > w->left) {
		w->st->skipped_too_big++;
		close(fd);
		return 0;
	}
	w->name[len] = '\0';
	f = file_new(&w->ic->a, (uint64_t)sb.st_size, w->name);
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	err = read_all(fd, (uint8_t *)f + FILE_HDR, f->size);
	close(fd);
	if (err) {
		w->st->skipped_error++;
		w->ic->a.free(f, w->ic->a.arg);
		return 0;
	}
	csum_fill(f);
	err = bind_name(w, len, f);
	if (err) {
		w->ic->a.free(f, w->ic->a.arg);
		return err;
	}
	w->left -= f->size;
	w->st->files++;
	w->st->bytes += f->size;
	return ino_add(w, sb.st_dev, sb.st_ino, f);
}

/* Loads REL(w) (rlen bytes beneath the root), a regular file when it was
 * looked at, unless a later root has its name. */
static int
load_file(struct walk *w, size_t rlen)
{
	size_t len = w->base + rlen;
	int fd;

	if (!name_free(w, len)) {
		w->st->shadowed++;
		return 0;
	}
	fd = rb_beneath_open(&w->root, REL(w), OPEN_FLAGS);
	if (fd < 0) {
		count_open_error(w, fd);
		return 0;
	}
	return load_fd(w, fd, len);
}

static int
not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Stats what REL(w) resolves to beneath the root; 0 or -errno. O_PATH:
 * looking at a device or FIFO must not open it. */
static int
look(const struct walk *w, struct stat *sb)
{
	int fd = rb_beneath_open(&w->root, REL(w), O_PATH), err = 0;

	if (fd < 0)
		return fd;
	if (fstat(fd, sb) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Indexes a directory as w->name (len bytes; 0: the top, not indexed),
 * unless a later root has the name: then only what lies below it is
 * walked, name by name. A directory over a directory merges, unnoticed. */
static int
bind_dir(struct walk *w, size_t len)
{
	const struct ic_entry *e;
	int err;

	if (!len)
		return 0;
	e = entry_of(w->ic, w->name, len);
	if (e && !e->implicit) {
		if (e->file)
			w->st->shadowed++;
		return 0;
	}
	err = bind_name(w, len, NULL);
	if (!err && !e)
		w->st->dirs++;
	return err;
}

static int walk_entry(struct walk *w, size_t rlen, const char *name, int depth);

/* Indexes and walks the directory REL(w) (rlen bytes; 0: the root) at
 * depth. Only a failure on the root or of memory fails: -errno. */
static int
walk_dir(struct walk *w, size_t rlen, int depth)
{
	struct dirent **list = NULL;
	int fd, n, i, err = 0;

	if (depth > IC_MAX_DEPTH) {
		w->st->skipped_deep++;
		return 0;
	}
	fd = rb_beneath_open(&w->root, REL(w), O_RDONLY | O_DIRECTORY);
	if (fd < 0 || fstat(fd, &w->up[depth]) < 0) {
		err = fd < 0 ? fd : -errno;
		goto fail;
	}
	for (i = 0; i < depth; i++) {
		if (w->up[i].st_dev == w->up[depth].st_dev &&
		    w->up[i].st_ino == w->up[depth].st_ino) {
			w->st->skipped_loop++;
			close(fd);
			return 0;
		}
	}
	n = scandirat(fd, ".", &list, not_dots, by_name);
	err = n < 0 ? -errno : 0;
	close(fd);
	fd = -1;
	if (err)
		goto fail;
	err = bind_dir(w, rlen ? w->base + rlen : w->plen);
	for (i = 0; i < n && !err; i++)
		err = walk_entry(w, rlen, list[i]->d_name, depth);
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return err;

fail:
	if (fd >= 0)
		close(fd);
	if (depth == 0)
		return err;
	count_open_error(w, err);
	return 0;
}

/* Appends name to REL(w) (rlen bytes) and indexes what it resolves to. */
static int
walk_entry(struct walk *w, size_t rlen, const char *name, int depth)
{
	size_t nlen = strlen(name), len = rlen ? rlen + 1 + nlen : nlen, i;
	char *rel = REL(w);
	struct stat sb;
	int err;

	for (i = 0; i < nlen; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f || name[i] == '\\')
			break;
	if (w->base + len > IC_NAME_MAX || i < nlen) {
		w->st->skipped_name++;
		return 0;
	}
	if (w->ic->used >= IC_MAX_ENTRIES) {
		w->st->skipped_limit++;
		return 0;
	}
	if (rlen)
		rel[rlen] = '/';
	memcpy(rel + len - nlen, name, nlen + 1);
	err = look(w, &sb);
	if (err) {
		count_open_error(w, err);
		err = 0;
	} else if (S_ISDIR(sb.st_mode)) {
		err = walk_dir(w, len, depth + 1);
	} else if (S_ISREG(sb.st_mode)) {
		err = load_file(w, len);
	} else {
		w->st->skipped_special++;
	}
	rel[rlen] = '\0';
	return err;
}

/* Indexes the directories above w->name's prefix that are not there yet,
 * as implicit ones. 0 or -errno. */
static int
bind_parents(struct walk *w)
{
	size_t i;
	int err;

	for (i = 0; i < w->plen; i++) {
		if (w->name[i] != '/' || entry_of(w->ic, w->name, i))
			continue;
		err = insert(w->ic, w->name, i, NULL);
		if (err)
			return err;
		entry_of(w->ic, w->name, i)->implicit = 1;
		w->st->dirs++;
	}
	return 0;
}

/* Loads one root into w->ic. 0 or -errno with *what saying which step. */
static int
load_root(struct walk *w, const struct ic_root *r, const char **what)
{
	struct stat sb;
	int n, fd, err;

	*what = "bad name for root";
	n = ic_normalize(r->prefix ? r->prefix : "", w->name, sizeof(w->name));
	if (n < 0)
		return n == -EACCES ? -EINVAL : n;
	w->plen = (size_t)n;
	w->base = n ? w->plen + 1 : 0;
	*what = "cannot open root";
	if (stat(r->path, &sb) < 0)
		return -errno;
	if (!S_ISDIR(sb.st_mode) && (!S_ISREG(sb.st_mode) || !n)) {
		*what = S_ISREG(sb.st_mode) ? "a file root needs a name" : "cannot open root";
		return -ENOTDIR;
	}
	*what = "cannot index";
	err = bind_parents(w);
	if (err)
		return err;
	*what = "cannot open root";
	if (S_ISREG(sb.st_mode)) {
		if (!name_free(w, w->plen)) {
			w->st->shadowed++;
			return 0;
		}
		fd = open(r->path, OPEN_FLAGS | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		return load_fd(w, fd, w->plen);
	}
	if (n)
		w->name[w->plen] = '/';
	REL(w)[0] = '\0';
	err = -rb_beneath_init(&w->root, r->path);
	if (err)
		return -err;
	*what = "cannot load";
	err = walk_dir(w, 0, 0);
	rb_beneath_close(&w->root);
	return err;
}

struct image_cache *
ic_load_roots(const struct ic_root *roots, size_t n, uint64_t max_bytes, const struct ic_alloc *a,
	      struct ic_stats *st, char *msg, size_t cap)
{
	struct walk w = {.root.root_fd = -1, .left = max_bytes, .ino_mask = MIN_SLOTS - 1};
	struct ic_stats scratch;
	const char *what = "out of memory loading";
	size_t i = n;
	int err = 0;

	w.st = st ? st : &scratch;
	memset(w.st, 0, sizeof(*w.st));
	if (msg && cap)
		msg[0] = '\0';
	w.ic = ic_new(a);
	w.inos = calloc(MIN_SLOTS, sizeof(*w.inos));
	if (!w.ic || !w.inos) {
		err = ENOMEM;
		goto fail;
	}
	/* Last first: a name a later root has is never read again. */
	while (i-- > 0) {
		err = -load_root(&w, &roots[i], &what);
		if (err)
			goto fail;
	}
	goto cleanup;

fail:
	if (msg && cap && i < n)
		snprintf(msg, cap, "image cache: %s %s%s%s: %s", what, roots[i].path,
			 roots[i].prefix && *roots[i].prefix ? " at " : "",
			 roots[i].prefix ? roots[i].prefix : "", strerror(err));
	else if (msg && cap)
		snprintf(msg, cap, "image cache: out of memory: %s", strerror(err));
	ic_free(w.ic);
	w.ic = NULL;
cleanup:
	rb_beneath_close(&w.root);
	free(w.inos);
	if (err)
		errno = err;
	return w.ic;
}

struct image_cache *
ic_load(const char *root, uint64_t max_bytes, const struct ic_alloc *a, struct ic_stats *st,
	char *msg, size_t cap)
{
	const struct ic_root r = {.prefix = "", .path = root};

	return ic_load_roots(&r, 1, max_bytes, a, st, msg, cap);
}
