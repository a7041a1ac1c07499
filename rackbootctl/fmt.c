/* SPDX-License-Identifier: BSD-3-Clause */
/* fmt.c: durations, sizes, bars and tables for rackbootctl's output. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt.h"

char *
fmt_duration(char *buf, size_t len, double seconds)
{
	unsigned long long s;

	if (isnan(seconds)) {
		snprintf(buf, len, "-");
		return buf;
	}
	/* Past ~3e11 years nobody is waiting; keep the conversion defined. */
	if (seconds < 0)
		seconds = 0;
	if (seconds > 1e13)
		seconds = 1e13;
	s = (unsigned long long)seconds;
	if (s < 60)
		snprintf(buf, len, "%llus", s);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%llud%02lluh", s / 86400, s % 86400 / 3600);
	return buf;
}

char *
fmt_mb(char *buf, size_t len, double bytes)
{
	snprintf(buf, len, "%.1f", bytes / 1e6);
	return buf;
}

char *
fmt_time(char *buf, size_t len, double t)
{
	struct tm tm;
	time_t sec;
	size_t n;

	if (!isfinite(t) || t < 0 || t > 253402300799.0) {
		snprintf(buf, len, "-");
		return buf;
	}
	sec = (time_t)t;
	if (!localtime_r(&sec, &tm) || !(n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf + n, len - n, ".%03u", (unsigned)((t - (double)sec) * 1000) % 1000);
	return buf;
}

/* A UTF-8 continuation byte: part of the code point before it. */
static int
is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

size_t
fmt_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (!is_cont((unsigned char)*s))
			w++;
	return w;
}

size_t
fmt_cut(const char *s, size_t cols)
{
	size_t i = 0, w = 0;

	while (s[i]) {
		if (!is_cont((unsigned char)s[i])) {
			if (w == cols)
				break;
			w++;
		}
		i++;
	}
	return i;
}

int
fmt_clean(struct strbuf *out, const char *s, const char *keep)
{
	const char *p = s;
	int rc;

	while (*p) {
		unsigned char c = (unsigned char)*p;

		if ((c < 0x20 || c == 0x7f) && !(keep && strchr(keep, c))) {
			rc = strbuf_add(out, s, (size_t)(p - s));
			if (!rc)
				rc = strbuf_add(out, "?", 1);
			if (rc)
				return rc;
			s = p + 1;
		}
		p++;
	}
	return strbuf_add(out, s, (size_t)(p - s));
}

int
fmt_bar(struct strbuf *out, double done, double total, unsigned width)
{
	unsigned fill, i;
	int rc;

	if (!(total > 0))
		return -EINVAL;
	if (!(done > 0))
		done = 0;
	if (done > total)
		done = total;
	/* Rounded, so 58% of 12 cells is 7; but only a finished file is full. */
	fill = (unsigned)(done / total * width + 0.5);
	if (fill == width && done < total)
		fill = width - 1;
	rc = strbuf_add(out, "[", 1);
	for (i = 0; !rc && i < width; i++)
		rc = strbuf_add(out, i < fill ? "#" : ".", 1);
	return rc ? rc : strbuf_add(out, "]", 1);
}

void
table_init(struct table *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

int
table_add(struct table *t, const char *const *cells)
{
	struct strbuf b;
	size_t i, base;

	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->cells, ncap * t->ncols * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->cells = p;
		t->cap = ncap;
	}
	base = t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		strbuf_init(&b, 0);
		if (fmt_clean(&b, cells[i] ? cells[i] : "", NULL) ||
		    !(t->cells[base + i] = strbuf_detach(&b, NULL))) {
			strbuf_free(&b);
			while (i-- > 0)
				free(t->cells[base + i]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

/* Append line without its trailing blanks, cut to maxcols, and a '\n'. */
static int
put_line(struct strbuf *out, const char *line, size_t len, size_t maxcols)
{
	int rc;

	while (len > 0 && line[len - 1] == ' ')
		len--;
	if (maxcols) {
		size_t cut = fmt_cut(line, maxcols);

		if (cut < len)
			len = cut;
	}
	rc = strbuf_add(out, line, len);
	return rc ? rc : strbuf_add(out, "\n", 1);
}

int
table_render(const struct table *t, size_t maxcols, struct strbuf *out)
{
	struct strbuf line;
	size_t *width, r, c;
	int rc = 0;

	if (!t->nrows)
		return 0;
	width = calloc(t->ncols, sizeof(*width));
	if (!width)
		return -ENOMEM;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t w = fmt_width(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	strbuf_init(&line, 0);
	for (r = 0; !rc && r < t->nrows; r++) {
		strbuf_reset(&line);
		for (c = 0; !rc && c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			size_t pad = width[c] - fmt_width(cell);
			int right = (t->right >> c) & 1;

			if (c > 0)
				rc = strbuf_adds(&line, "  ");
			if (!rc && right)
				rc = strbuf_addf(&line, "%*s", (int)pad, "");
			if (!rc)
				rc = strbuf_adds(&line, cell);
			if (!rc && !right && c + 1 < t->ncols)
				rc = strbuf_addf(&line, "%*s", (int)pad, "");
		}
		if (!rc)
			rc = put_line(out, line.data ? line.data : "", line.len, maxcols);
	}
	strbuf_free(&line);
	free(width);
	return rc;
}
