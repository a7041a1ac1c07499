/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootns.c: the boot namespace's roots and its in-memory overlay, each
 * published as refcounted immutable snapshots, and the name lookups HTTP
 * /boot/ uses. See bootns.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootns.h"
#include "fs_beneath.h"
#include "provision/snapshot.h"

struct snap_root {
	struct rb_boot_root r; /* strings owned here */
	size_t plen;
	bool file;
	struct rb_beneath dir; /* directory roots: open */
};

struct bootns_snap {
	unsigned refs; /* __atomic builtins */
	size_t n;
	struct snap_root *roots;
	struct rb_boot_root *pub; /* roots[i].r, for bootns_root() */
	void *payload;
	size_t len;
};

/* One overlay file: name and data point into the overlay's arena. */
struct ov_file {
	const char *name;
	const char *data;
	size_t len;
	size_t order; /* its place in the caller's list: the later of two wins */
};

struct bootns_files {
	unsigned refs; /* __atomic builtins */
	size_t n;
	struct ov_file *f; /* sorted by name, each name once */
	char *arena;
	time_t mtime;
};

struct bootns {
	pthread_mutex_t lock; /* guards cur and files (the pointers; what they
			       * point to never changes) */
	struct bootns_snap *cur;
	struct bootns_files *files;
};

static void
snap_free(struct bootns_snap *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; s->roots && i < s->n; i++) {
		rb_beneath_close(&s->roots[i].dir);
		free((char *)s->roots[i].r.prefix);
		free((char *)s->roots[i].r.path);
	}
	free(s->roots);
	free(s->pub);
	free(s->payload);
	free(s);
}

/* Checks and opens one root into sr (zeroed, dir.root_fd -1). 0 or -errno. */
static int
root_open(struct snap_root *sr, const struct rb_boot_root *r, char *msg, size_t cap)
{
	char name[RB_BOOT_NAME_MAX + 1];
	const char *prefix = r->prefix ? r->prefix : "";
	struct stat st;
	int n, err;

	n = rb_path_normalize(prefix, strlen(prefix), name, sizeof(name),
			      RB_PATH_BACKSLASH | RB_PATH_NO_CTRL);
	if (n < 0) {
		snprintf(msg, cap, "boot root %s: '%.64s' is not a valid name (%s)",
			 r->path ? r->path : "(null)", prefix,
			 n == -ENAMETOOLONG ? "too long" : "'..' or a control byte");
		return n;
	}
	if (!r->path || r->path[0] != '/') {
		snprintf(msg, cap, "boot root %.256s at '%s': the path must be absolute",
			 r->path ? r->path : "(null)", name);
		return -EINVAL;
	}
	if (stat(r->path, &st) < 0) {
		err = -errno;
		snprintf(msg, cap, "boot root %.256s: %s", r->path, strerror(-err));
		return err;
	}
	sr->file = S_ISREG(st.st_mode);
	if (!S_ISDIR(st.st_mode) && (!sr->file || !n)) {
		snprintf(msg, cap, "boot root %.256s: %s", r->path,
			 sr->file ? "a file is served under a name: give it one"
				  : "neither a directory nor a regular file");
		return -ENOTDIR;
	}
	if (!sr->file && (err = rb_beneath_init(&sr->dir, r->path)) < 0) {
		snprintf(msg, cap, "boot root %.256s: %s", r->path, strerror(-err));
		return err;
	}
	sr->plen = (size_t)n;
	sr->r.prefix = strdup(name);
	sr->r.path = strdup(r->path);
	return sr->r.prefix && sr->r.path ? 0 : -ENOMEM;
}

static struct bootns_snap *
snap_build(const struct rb_boot_root *roots, size_t n, char *msg, size_t cap, int *err)
{
	struct bootns_snap *s = calloc(1, sizeof(*s));
	size_t i;
	int len;

	*err = -ENOMEM;
	if (!s)
		goto fail;
	if (n > RB_MAX_BOOT_ROOTS) {
		*err = -E2BIG;
		snprintf(msg, cap, "%zu boot roots: at most %u", n, RB_MAX_BOOT_ROOTS);
		goto fail;
	}
	s->refs = 1;
	s->roots = calloc(n ? n : 1, sizeof(*s->roots));
	s->pub = calloc(n ? n : 1, sizeof(*s->pub));
	s->payload = malloc(RB_CHAN_MAX_MSG);
	if (!s->roots || !s->pub || !s->payload)
		goto fail;
	for (i = 0; i < n; i++) {
		s->roots[i].dir.root_fd = -1;
		s->n = i + 1; /* what snap_free() closes */
		*err = root_open(&s->roots[i], &roots[i], msg, cap);
		if (*err)
			goto fail;
		s->pub[i] = s->roots[i].r;
	}
	len = rb_roots_encode(s->payload, RB_CHAN_MAX_MSG, s->pub, n);
	if (len < 0) {
		*err = len;
		snprintf(msg, cap, "%zu boot roots do not fit in one channel message (%u bytes)", n,
			 RB_CHAN_MAX_MSG);
		goto fail;
	}
	s->len = (size_t)len;
	*err = 0;
	return s;

fail:
	if (*err == -ENOMEM)
		snprintf(msg, cap, "boot roots: out of memory");
	snap_free(s);
	return NULL;
}

struct bootns *
bootns_new(void)
{
	struct bootns *ns = calloc(1, sizeof(*ns));

	if (ns)
		pthread_mutex_init(&ns->lock, NULL);
	return ns;
}

void
bootns_free(struct bootns *ns)
{
	if (!ns)
		return;
	bootns_put(ns->cur);
	bootns_files_put(ns->files);
	pthread_mutex_destroy(&ns->lock);
	free(ns);
}

int
bootns_set(struct bootns *ns, const struct rb_boot_root *roots, size_t n, char *msg, size_t cap)
{
	struct bootns_snap *s, *old;
	int err;

	s = snap_build(roots, n, msg, cap, &err);
	if (!s)
		return err;
	pthread_mutex_lock(&ns->lock);
	old = ns->cur;
	ns->cur = s;
	pthread_mutex_unlock(&ns->lock);
	bootns_put(old);
	return 0;
}

int
bootns_reopen(struct bootns *ns, char *msg, size_t cap)
{
	struct bootns_snap *s = bootns_get(ns);
	int err;

	if (!s)
		return 0;
	err = bootns_set(ns, s->pub, s->n, msg, cap);
	bootns_put(s);
	return err;
}

struct bootns_snap *
bootns_get(struct bootns *ns)
{
	struct bootns_snap *s;

	pthread_mutex_lock(&ns->lock);
	s = ns->cur;
	if (s)
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&ns->lock);
	return s;
}

void
bootns_put(struct bootns_snap *s)
{
	if (s && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
		snap_free(s);
}

size_t
bootns_count(const struct bootns_snap *s)
{
	return s ? s->n : 0;
}

const struct rb_boot_root *
bootns_root(const struct bootns_snap *s, size_t i)
{
	return &s->pub[i];
}

const void *
bootns_payload(const struct bootns_snap *s, size_t *len)
{
	*len = s->len;
	return s->payload;
}

/* What name is beneath root sr: NULL when sr does not hold it. */
static const char *
beneath(const struct snap_root *sr, const char *name)
{
	if (!sr->plen)
		return name;
	if (strncmp(name, sr->r.prefix, sr->plen) != 0)
		return NULL;
	if (name[sr->plen] == '\0')
		return "";
	return name[sr->plen] == '/' ? name + sr->plen + 1 : NULL;
}

int
bootns_open(const struct bootns_snap *s, const char *name, int flags, struct stat *st)
{
	const struct snap_root *sr;
	const char *rel;
	int fd, miss = -ENOENT;
	size_t i;

	if (strlen(name) > RB_BOOT_NAME_MAX)
		return -ENAMETOOLONG;
	if (!*name)
		return -EISDIR;
	for (i = s ? s->n : 0; i-- > 0;) {
		sr = &s->roots[i];
		if (sr->file) {
			if (strcmp(name, sr->r.prefix) != 0)
				continue;
			fd = open(sr->r.path, flags | O_CLOEXEC);
			fd = fd < 0 ? -errno : fd;
		} else {
			rel = beneath(sr, name);
			if (!rel)
				continue;
			fd = rb_beneath_open(&sr->dir, rel, flags);
		}
		if (fd < 0) {
			/* Not this root's (the image cache skips it too). */
			if (fd == -EXDEV)
				miss = fd;
			continue;
		}
		if (fstat(fd, st) < 0) {
			close(fd);
			continue;
		}
		if (S_ISREG(st->st_mode))
			return fd;
		close(fd);
		if (S_ISDIR(st->st_mode))
			return -EISDIR;
	}
	return miss;
}

/* ---- the overlay ---- */

static void
files_free(struct bootns_files *f)
{
	if (!f)
		return;
	free(f->f);
	free(f->arena);
	free(f);
}

static int
by_name_then_order(const void *a, const void *b)
{
	const struct ov_file *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Copies files[0 .. n) into a new overlay (n > 0). NULL with *err. */
static struct bootns_files *
files_build(const struct prov_file *files, size_t n, int *err)
{
	struct bootns_files *f = calloc(1, sizeof(*f));
	size_t i, k, size = 0, off = 0, nlen;
	int len;

	*err = -ENOMEM;
	if (!f)
		return NULL;
	/* Normalising never makes a name longer: the raw sizes bound the arena. */
	for (i = 0; i < n; i++)
		size += strnlen(files[i].name, RB_BOOT_NAME_MAX + 1) + 1 + files[i].len;
	f->refs = 1;
	f->f = malloc(n * sizeof(*f->f));
	f->arena = malloc(size ? size : 1);
	if (!f->f || !f->arena)
		goto fail;
	for (i = 0; i < n; i++) {
		nlen = strnlen(files[i].name, RB_BOOT_NAME_MAX + 1);
		*err = -ENAMETOOLONG;
		if (nlen > RB_BOOT_NAME_MAX)
			goto fail;
		len = rb_path_normalize(files[i].name, nlen, f->arena + off, nlen + 1,
					RB_PATH_BACKSLASH | RB_PATH_NO_CTRL);
		*err = len < 0 ? len : -EINVAL;
		if (len <= 0)
			goto fail;
		f->f[i].name = f->arena + off;
		off += (size_t)len + 1;
		f->f[i].data = f->arena + off;
		f->f[i].len = files[i].len;
		f->f[i].order = i;
		if (files[i].len)
			memcpy(f->arena + off, files[i].data, files[i].len);
		off += files[i].len;
	}
	qsort(f->f, n, sizeof(*f->f), by_name_then_order);
	/* Each run of one name keeps its last (sorted by order within it). */
	for (i = 0, k = 0; i < n; i++) {
		if (i + 1 < n && strcmp(f->f[i].name, f->f[i + 1].name) == 0)
			continue;
		f->f[k++] = f->f[i];
	}
	f->n = k;
	f->mtime = time(NULL);
	*err = 0;
	return f;

fail:
	files_free(f);
	return NULL;
}

int
bootns_set_files(struct bootns *ns, const struct prov_file *files, size_t n)
{
	struct bootns_files *f = NULL, *old;
	int err;

	if (n && !(f = files_build(files, n, &err)))
		return err;
	pthread_mutex_lock(&ns->lock);
	old = ns->files;
	ns->files = f;
	pthread_mutex_unlock(&ns->lock);
	bootns_files_put(old);
	return 0;
}

struct bootns_files *
bootns_files_get(struct bootns *ns)
{
	struct bootns_files *f;

	pthread_mutex_lock(&ns->lock);
	f = ns->files;
	if (f)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&ns->lock);
	return f;
}

void
bootns_files_put(struct bootns_files *f)
{
	if (f && __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0)
		files_free(f);
}

size_t
bootns_files_count(const struct bootns_files *f)
{
	return f ? f->n : 0;
}

int
bootns_files_find(const struct bootns_files *f, const char *name, const char **data, size_t *len,
		  time_t *mtime)
{
	size_t lo = 0, hi = f ? f->n : 0, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(name, f->f[mid].name);
		if (c == 0) {
			*data = f->f[mid].data;
			*len = f->f[mid].len;
			*mtime = f->mtime;
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -ENOENT;
}
