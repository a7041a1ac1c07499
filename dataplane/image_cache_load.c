/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * image_cache_load.c: loading directory trees and files (the roots of a
 * namespace) into a new generation: ic_load(), ic_load_roots(). See
 * image_cache.h for the contract. The walk's scratch (directory listings,
 * the inode table that finds links) comes from malloc and is gone on
 * return; what the generation keeps comes from its allocator.
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
#include "image_cache_int.h"

/* O_NONBLOCK so that a FIFO swapped in for a file cannot block the load. */
#define OPEN_FLAGS (O_RDONLY | O_NOCTTY | O_NONBLOCK)

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

/*
 * Whether w->name (len bytes) is still free for the root being walked:
 * 1 when nobody has it or only as a directory above a later root's
 * prefix, else 0 (a later root has it).
 */
static int
name_free(const struct walk *w, size_t len)
{
	const struct ic_entry *e = ic_entry_of(w->ic, w->name, len);

	return !e || e->implicit;
}

/* Binds w->name (len bytes, name_free()) to f (NULL: a directory). 0 or -errno. */
static int
bind_name(struct walk *w, size_t len, struct ic_file *f)
{
	struct ic_entry *e = ic_entry_of(w->ic, w->name, len);

	if (!e)
		return ic_insert(w->ic, w->name, len, f);
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
	f = ic_file_new(&w->ic->a, (uint64_t)sb.st_size, w->name);
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	err = read_all(fd, (uint8_t *)f + IC_FILE_HDR, f->size);
	close(fd);
	if (err) {
		w->st->skipped_error++;
		w->ic->a.free(f, w->ic->a.arg);
		return 0;
	}
	ic_csum_fill(f);
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
	e = ic_entry_of(w->ic, w->name, len);
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
		if (w->name[i] != '/' || ic_entry_of(w->ic, w->name, i))
			continue;
		err = ic_insert(w->ic, w->name, i, NULL);
		if (err)
			return err;
		ic_entry_of(w->ic, w->name, i)->implicit = 1;
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
	struct walk w = {.root.root_fd = -1, .left = max_bytes, .ino_mask = IC_MIN_SLOTS - 1};
	struct ic_stats scratch;
	const char *what = "out of memory loading";
	size_t i = n;
	int err = 0;

	w.st = st ? st : &scratch;
	memset(w.st, 0, sizeof(*w.st));
	if (msg && cap)
		msg[0] = '\0';
	w.ic = ic_new(a);
	w.inos = calloc(IC_MIN_SLOTS, sizeof(*w.inos));
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
