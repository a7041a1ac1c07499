/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * secret_file.h: the one check every file holding a secret passes before
 * it is read (the API token, the lease database's password).
 *
 * Anyone who can read such a file holds the secret, so a file that others
 * could read, or that is not plainly ours, is refused rather than used.
 */
#ifndef RB_UTIL_SECRET_FILE_H
#define RB_UTIL_SECRET_FILE_H

#include <stddef.h>

/*
 * Open path for reading when it is a regular file (not a symbolic link,
 * not a FIFO or device) owned by the effective uid, with no group or other
 * permission bits. what names the secret in the messages ("the API
 * token"). Returns the descriptor (O_CLOEXEC), or -errno with "<path>:
 * what is wrong" in err: -ELOOP a symlink, -EINVAL not a regular file,
 * -EPERM wrong owner or mode, others from open()/fstat().
 */
int rb_secret_open(const char *path, const char *what, char *err, size_t cap);

#endif
