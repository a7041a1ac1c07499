/* SPDX-License-Identifier: BSD-3-Clause */
/* reply.c: exit codes and messages for the API's replies. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "jget.h"
#include "reply.h"

enum ctl_exit
ctl_exit_for_status(long status)
{
	if (status >= 200 && status < 300)
		return CTL_EXIT_OK;
	if (status == 404)
		return CTL_EXIT_NOT_FOUND;
	if (status == 401 || status == 403)
		return CTL_EXIT_AUTH;
	if (status >= 400 && status < 500)
		return CTL_EXIT_USAGE;
	/* 5xx, and 1xx/3xx which the API never sends: not a server we know. */
	return CTL_EXIT_SERVER;
}

/* Copy s[0..n) into out, control characters as '?'. */
static void
copy_clean(char *out, size_t outlen, const char *s, size_t n)
{
	size_t i;

	if (n >= outlen)
		n = outlen - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[n] = 0;
}

void
ctl_reply_message(long status, const char *body, size_t len, char *out, size_t outlen)
{
	const char *msg = NULL;
	json_t *j = NULL;
	size_t n;
	int used;

	if (!outlen)
		return;
	if (body && len)
		j = json_loadb(body, len, 0, NULL);
	msg = jget_str(j, "error", NULL);
	if (msg) {
		copy_clean(out, outlen, msg, strlen(msg));
		json_decref(j);
		return;
	}
	json_decref(j);
	used = snprintf(out, outlen, "HTTP %ld", status);
	if (used < 0 || (size_t)used + 3 >= outlen || !body)
		return;
	for (n = 0; n < len && body[n] != '\n' && body[n] != '\r'; n++)
		;
	if (!n)
		return;
	memcpy(out + used, ": ", 2);
	copy_clean(out + used + 2, outlen - (size_t)used - 2, body, n);
}
