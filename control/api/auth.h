/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * auth.h: the API token: the file that holds it, and the check of an
 * Authorization header against it.
 *
 * The token is 32 random bytes written as 64 lower-case hex digits and a
 * newline, in a file only its owner may read (api.token_file, default
 * /var/lib/rackboot/api.token). rackboot creates it at its first start;
 * clients (rackbootctl, curl) read it and send "Authorization: Bearer
 * <token>". Anyone who can read the file can drive the API, which is why
 * a file that others could read, or that is not plainly ours, is refused
 * rather than used.
 *
 * Errors, as everywhere in control/: 0 or -errno, with a sentence in the
 * caller's buffer; nothing is printed.
 */
#ifndef RB_CONTROL_API_AUTH_H
#define RB_CONTROL_API_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define API_TOKEN_LEN 64 /* hex digits */

/*
 * The token in the file at path (absolute), into token (NUL-terminated).
 * A missing file is created: 32 bytes from getrandom(), mode 0600, its
 * parent directory made 0700 when missing (the directories above it must
 * exist), both given to uid:gid, the user rackboot runs as. It is written
 * under a temporary name and linked into place, so two servers starting at
 * once agree on one token and nobody reads half of one. An existing file
 * must be a regular file (not a symlink) owned by uid, with no group or
 * other permission bits (owned_file.h), holding exactly 64 lower-case hex
 * digits and a newline (or no newline). Returns 0 (1 when the file was
 * created), or -errno with "<path>: what is wrong" in err: -ELOOP a
 * symlink, -EPERM wrong owner or mode, -EINVAL not a token or not a
 * regular file, others from the file system.
 */
int api_token_load(const char *path, uid_t uid, gid_t gid, char token[API_TOKEN_LEN + 1], char *err,
		   size_t cap);

/*
 * Does the Authorization header value carry token ("Bearer <token>", the
 * scheme in any case)? NULL or any other form is false. The comparison
 * takes the same time wherever the first difference is.
 */
bool api_token_check(const char *token, const char *authorization);

#endif
