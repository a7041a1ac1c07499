/* fs_beneath.h: serving files from beneath a root directory (HTTP
 * repository, TFTP image cache).
 *
 * rb_path_normalize() turns a requested name into a relative path; the
 * rb_beneath_*() calls open such a path so that neither ".." nor a symlink
 * can leave the root: openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), or,
 * where openat2 is unavailable (old kernel, seccomp), realpath() and a
 * prefix check, which is racy against renames inside the root: acceptable
 * for a tree only the operator writes.
 */
#ifndef RB_UTIL_FS_BENEATH_H
#define RB_UTIL_FS_BENEATH_H

#include <stddef.h>

/* rb_path_normalize() flags. */
#define RB_PATH_BACKSLASH 0x1 /* '\\' separates segments (else it is refused) */
#define RB_PATH_NO_CTRL 0x2   /* refuse bytes 0x01-0x1f and 0x7f */

/*
 * Normalises the len bytes at in into out (a NUL-terminated relative path,
 * "" for the root): leading and repeated '/' and "." segments dropped,
 * segments joined by one '/'. cap >= len + 1 always suffices. Returns the
 * length of out, or
 *   -EINVAL        a ".." segment, a NUL byte, or a byte flags refuse
 *   -ENAMETOOLONG  out would not fit in cap (checked after every refusal)
 * out is "" on error (when cap > 0).
 */
int rb_path_normalize(const char *in, size_t len, char *out, size_t cap, unsigned flags);

/* An open root directory. */
struct rb_beneath {
	int root_fd;	 /* O_PATH */
	char *root_real; /* set only when openat2() is unavailable */
};

/*
 * Opens root for rb_beneath_open() and checks that it can be read. Returns
 * 0 or -errno; on error b holds nothing to close.
 */
int rb_beneath_init(struct rb_beneath *b, const char *root);

/*
 * Opens rel (normalised, "" for the root itself) beneath b's root with
 * flags (O_CLOEXEC is added). Returns the fd or -errno; -EXDEV means the
 * path (through ".." or a symlink) leads outside the root.
 */
int rb_beneath_open(const struct rb_beneath *b, const char *rel, int flags);

/* Closes what rb_beneath_init() opened; b may be zeroed with root_fd -1. */
void rb_beneath_close(struct rb_beneath *b);

#endif
