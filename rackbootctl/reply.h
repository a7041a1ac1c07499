/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reply.h: what a reply from rackboot's API means to rackbootctl's caller:
 * the exit code for its HTTP status, and the sentence to print for an
 * error reply. Pure: tested without a server.
 *
 * Exit codes (the same list is in --help, rackbootctl(1) and
 * docs/rackbootctl.md):
 *   0  ok
 *   1  the command ran but part of it failed (a power action failed for
 *      some hosts)
 *   2  usage error, or the server refused the request (400, 405, 413 and
 *      other 4xx not listed below)
 *   3  not found (404)
 *   4  authentication or authorisation (401, 403)
 *   5  the server cannot be reached, timed out, answered 5xx or
 *      something that is not the API
 */
#ifndef RB_CTL_REPLY_H
#define RB_CTL_REPLY_H

#include <stddef.h>

enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_PARTIAL = 1,
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_NOT_FOUND = 3,
	CTL_EXIT_AUTH = 4,
	CTL_EXIT_SERVER = 5,
};

/* The exit code for an HTTP status (2xx: CTL_EXIT_OK). */
enum ctl_exit ctl_exit_for_status(long status);

/*
 * The message of an error reply into out (always NUL-terminated): the
 * string of its {"error": "..."} body, else "HTTP <status>" and the
 * body's first line when it has one. Control characters become '?'.
 */
void ctl_reply_message(long status, const char *body, size_t len, char *out, size_t outlen);

#endif
