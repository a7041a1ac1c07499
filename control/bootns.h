/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootns.h: the boot namespace in the control: the roots that TFTP (the
 * dataplane's image cache) and HTTP under /boot/ both serve.
 *
 * A root is {prefix, path}: a directory mounted at prefix ("" = the top)
 * or a regular file served as exactly prefix. Each name is served from the
 * last root that has it (a regular file or a directory of that name
 * beneath it; the directories above a prefix do not count), the rule of
 * ic_load_roots() in dataplane/image_cache.h, so TFTP and HTTP agree.
 *
 * The list is published whole: bootns_set() builds an immutable snapshot
 * (each directory root opened, the TFTP_ROOTS payload encoded) and swaps
 * it in under a mutex; readers take a reference with bootns_get() and
 * drop it with bootns_put(), so a set never pulls a list from under an
 * HTTP thread. Who writes: main.c at start (tftp.root, then tftp.mounts),
 * the provisioning layer later. Who reads: HTTP threads; main.c, which
 * sends the payload before CONFIG_DONE and before every TFTP_RELOAD. A new
 * list reaches HTTP at once and TFTP at the next reload.
 *
 * On top of the roots lies an in-memory overlay: the generated boot configs
 * (bootns_set_files()), which HTTP /boot/ consults first, so a name in it
 * shadows every root's. The dataplane serves the same set on top of its
 * loaded tree (boot_publish_gen() sends both). The overlay is swapped
 * whole, like the list: readers hold a reference (bootns_files_get()).
 *
 * Errors: 0 or -errno, with a message naming the root in the caller's
 * buffer; pointer functions return NULL and set errno.
 */
#ifndef RB_CONTROL_BOOTNS_H
#define RB_CONTROL_BOOTNS_H

#include <stddef.h>
#include <sys/stat.h>

#include <time.h>

#include "channel.h" /* struct rb_boot_root, RB_MAX_BOOT_ROOTS */

struct bootns;
struct bootns_snap;
struct bootns_files;
struct prov_file; /* provision/snapshot.h */

/* An empty namespace (no roots: everything is 404); NULL and errno on failure. */
struct bootns *bootns_new(void);
/* Frees ns and its list (readers must have put their snapshots). NULL is a no-op. */
void bootns_free(struct bootns *ns);

/*
 * Replaces the list with roots[0 .. n). Checks every root: n at most
 * RB_MAX_BOOT_ROOTS, a prefix a valid name (normalised as a TFTP request
 * is: "/d-i//x/" is "d-i/x"; no "..", no control bytes, at most
 * RB_BOOT_NAME_MAX bytes), an absolute path that is a directory, or a
 * regular file with a non-empty prefix, and the encoded list fitting one
 * TFTP_ROOTS message. Returns 0, or -errno with msg saying which root and
 * why (-E2BIG, -EINVAL, -ENAMETOOLONG, -ENOENT, -ENOTDIR, -EMSGSIZE,
 * -ENOMEM): the old list stays.
 */
int bootns_set(struct bootns *ns, const struct rb_boot_root *roots, size_t n, char *msg,
	       size_t cap);

/* Sets the current list again: directories opened anew (a tree replaced
 * since is seen), every root checked again. As bootns_set(). */
int bootns_reopen(struct bootns *ns, char *msg, size_t cap);

/* The current list with a reference (NULL before the first set); any thread. */
struct bootns_snap *bootns_get(struct bootns *ns);
/* Drops a reference; the last frees the snapshot. NULL is a no-op. */
void bootns_put(struct bootns_snap *s);

/* Its roots (prefixes normalised), and how many. */
size_t bootns_count(const struct bootns_snap *s);
const struct rb_boot_root *bootns_root(const struct bootns_snap *s, size_t i);

/* Its TFTP_ROOTS payload: *len bytes. */
const void *bootns_payload(const struct bootns_snap *s, size_t *len);

/*
 * Opens name (a relative path, already normalised: rb_http_url_to_path())
 * from the last root that has it, with flags (O_CLOEXEC added), and fstat()s
 * it into *st. Returns the fd of a regular file, or
 *   -EISDIR   that root has it as a directory (or name is "")
 *   -EXDEV    no root has it, and one refused it: a symlink out of its root
 *   -ENOENT   no root has it (devices, FIFOs and sockets do not count)
 *   -ENAMETOOLONG  longer than RB_BOOT_NAME_MAX (TFTP could not name it)
 */
int bootns_open(const struct bootns_snap *s, const char *name, int flags, struct stat *st);

/*
 * Replaces the overlay with copies of files[0 .. n) (n 0: no overlay), from
 * any thread; readers see the old set or the new one, whole. Names are
 * normalised as a TFTP request is ("/a//b" is "a/b"); a name given twice
 * serves the later file, as in the dataplane. One allocation for the
 * names and data, one for the index, and a sort: a few milliseconds for
 * thousands of files. 0, or -EINVAL (a name empty, with a ".." segment or
 * a control byte), -ENAMETOOLONG (past RB_BOOT_NAME_MAX), -ENOMEM: the
 * old overlay stays.
 */
int bootns_set_files(struct bootns *ns, const struct prov_file *files, size_t n);

/* The overlay with a reference (NULL: none); any thread. */
struct bootns_files *bootns_files_get(struct bootns *ns);
/* Drops a reference; the last frees the overlay. NULL is a no-op. */
void bootns_files_put(struct bootns_files *f);
/* Its files (after dropping names given twice). */
size_t bootns_files_count(const struct bootns_files *f);

/*
 * The overlay's file called name (normalised: rb_http_url_to_path()):
 * 0 with *data and *len (valid while f is held) and *mtime (when the set
 * was installed), or -ENOENT (f may be NULL).
 */
int bootns_files_find(const struct bootns_files *f, const char *name, const char **data,
		      size_t *len, time_t *mtime);

#endif
