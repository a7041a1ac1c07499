/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http_dir.c: directory indexes and the slash redirect (http_dir.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "http_dir.h"

static void
put_html(FILE *f, const char *s)
{
	static const char special[] = "&<>\"'";
	static const char *const entity[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
	const char *e;

	for (; *s; s++) {
		e = strchr(special, *s);
		if (e)
			fputs(entity[e - special], f);
		else
			putc(*s, f);
	}
}

/* Percent-encodes all but RFC 3986 unreserved bytes (and '/' if keep_slash). */
static void
put_url(FILE *f, const char *s, bool keep_slash)
{
	unsigned char c;

	for (; *s; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/'))
			putc(c, f);
		else
			fprintf(f, "%%%02X", c);
	}
}

char *
http_dir_location(const char *rel)
{
	char *loc = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&loc, &len);
	if (!f)
		return NULL;
	putc('/', f);
	put_url(f, rel, true);
	fputs(*rel ? "/" : "", f);
	if (fclose(f) != 0) {
		free(loc);
		return NULL;
	}
	return loc;
}

struct MHD_Response *
http_dir_index(int fd, const char *rel, size_t *len)
{
	const char *slash = *rel ? "/" : "";
	struct MHD_Response *r = NULL;
	struct dirent **v = NULL;
	char *buf = NULL;
	struct stat st;
	int n, i;
	FILE *f;
	bool dir;

	*len = 0;
	n = scandirat(fd, ".", &v, NULL, alphasort);
	f = n < 0 ? NULL : open_memstream(&buf, len);
	if (!f)
		goto cleanup;
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of /", f);
	put_html(f, rel);
	fprintf(f, "%s</title></head>\n<body><h1>Index of /", slash);
	put_html(f, rel);
	fprintf(f, "%s</h1><ul>\n", slash);
	if (*rel)
		fputs("<li><a href=\"../\">../</a></li>\n", f);
	for (i = 0; i < n; i++) {
		if (!strcmp(v[i]->d_name, ".") || !strcmp(v[i]->d_name, ".."))
			continue;
		dir = v[i]->d_type == DT_DIR;
		if (v[i]->d_type == DT_LNK || v[i]->d_type == DT_UNKNOWN)
			dir = fstatat(fd, v[i]->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
		fputs("<li><a href=\"", f);
		put_url(f, v[i]->d_name, false);
		fputs(dir ? "/\">" : "\">", f);
		put_html(f, v[i]->d_name);
		fputs(dir ? "/</a></li>\n" : "</a></li>\n", f);
	}
	fputs("</ul></body></html>\n", f);
	if (fclose(f) == 0)
		r = MHD_create_response_from_buffer(*len, buf, MHD_RESPMEM_MUST_FREE);
	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/html; charset=utf-8");

cleanup:
	if (!r)
		free(buf);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	if (!r && !errno)
		errno = ENOMEM;
	return r;
}
