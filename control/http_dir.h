/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http_dir.h: what the HTTP server shows for a directory of the install
 * repository: a sorted HTML index, and the redirect of a directory's URL
 * to its form with a trailing slash. Used by http.c only.
 *
 * Errors, as everywhere in control/: pointer functions return NULL and
 * set errno.
 */
#ifndef RB_CONTROL_HTTP_DIR_H
#define RB_CONTROL_HTTP_DIR_H

#include <stddef.h>

#include <microhttpd.h>

/*
 * The index of the directory fd (left open), shown as "/<rel>/": names
 * HTML-escaped, links percent-encoded, directories with a trailing '/'.
 * A text/html response with *len its body's length.
 */
struct MHD_Response *http_dir_index(int fd, const char *rel, size_t *len);

/* "/<rel>/" percent-encoded (malloc'd; "/" for the root). */
char *http_dir_location(const char *rel);

#endif
