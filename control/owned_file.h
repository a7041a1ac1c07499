/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * owned_file.h: files only rackboot's own user may hold (the API token,
 * the lease database and its -wal and -shm): a regular file, not a
 * symbolic link, owned by that user, with none of the permission bits the
 * caller forbids. Anything else is refused with a sentence that names the
 * file, what is wrong with it and the command that fixes it.
 *
 * Errors, as everywhere in control/: -errno, with the sentence in the
 * caller's buffer; nothing is printed.
 */
#ifndef RB_CONTROL_OWNED_FILE_H
#define RB_CONTROL_OWNED_FILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Opens path read-only (O_NOFOLLOW, O_NONBLOCK so that a FIFO cannot hang
 * the start) and checks it: a regular file owned by uid, with none of the
 * mode bits in forbidden (e.g. 077: owner only; 027: group may read).
 * what names the file in messages ("API token", "lease database").
 * Returns the descriptor (close-on-exec); -ENOENT when there is no such
 * file, with msg saying so; or -errno with "<path>: ..." in msg: -ELOOP a
 * symbolic link, -EINVAL not a regular file, -EPERM another owner or a
 * forbidden mode bit, others from open() and fstat().
 */
int owned_file_open(const char *path, uid_t uid, mode_t forbidden, const char *what, char *msg,
		    size_t cap);

/* owned_file_open() without keeping the descriptor: 0, 1 when the file
 * does not exist (msg untouched), or -errno with msg. */
int owned_file_check(const char *path, uid_t uid, mode_t forbidden, const char *what, char *msg,
		     size_t cap);

#endif
