/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fmt.h: how rackbootctl writes numbers and text for a person: durations
 * ("3m12s"), sizes in MB (10^6 bytes, as the rate in MB/s), progress bars,
 * and column-aligned tables.
 *
 * Everything here is pure and prints nothing. Text that came from the
 * server (host names, reasons, details) goes through fmt_clean() or a
 * table, which replace control characters: an inventory entry must not be
 * able to send escape sequences to the operator's terminal. Widths are
 * counted in UTF-8 code points, one column each.
 */
#ifndef RB_CTL_FMT_H
#define RB_CTL_FMT_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* Room for any fmt_duration() result. */
#define FMT_DUR_LEN 24

/*
 * seconds as "45s", "3m05s", "2h05m", "3d04h" (negative: "0s", not a
 * number: "-"). Returns buf.
 */
char *fmt_duration(char *buf, size_t len, double seconds);

/* bytes as megabytes with one decimal, without the unit ("37.9"). Returns buf. */
char *fmt_mb(char *buf, size_t len, double bytes);

/* Room for any fmt_time() result. */
#define FMT_TIME_LEN 32

/* A unix time (seconds, with a fraction) as local "YYYY-MM-DD HH:MM:SS.mmm";
 * not a number: "-". Returns buf. */
char *fmt_time(char *buf, size_t len, double t);

/* Display columns of s: its UTF-8 code points. */
size_t fmt_width(const char *s);

/* The byte length of the longest prefix of s that fits in cols columns,
 * never splitting a UTF-8 sequence. */
size_t fmt_cut(const char *s, size_t cols);

/*
 * Append s with every control character but those in keep (e.g. "\n\t",
 * or NULL) replaced by '?'. 0, or -E2BIG/-ENOMEM from the buffer.
 */
int fmt_clean(struct strbuf *out, const char *s, const char *keep);

/*
 * Append a bar of width cells between brackets, filled in proportion to
 * done/total, rounded ("[#######.....]" for 58% of 12), full only when
 * done reaches total; done is clamped to [0, total]. total must be > 0
 * (else -EINVAL).
 */
int fmt_bar(struct strbuf *out, double done, double total, unsigned width);

/*
 * A table: rows of ncols cells, printed with each column as wide as its
 * widest cell, two spaces between columns, no padding after the last.
 */
struct table {
	size_t ncols, nrows, cap;
	char **cells;	/* nrows * ncols, owned, cleaned */
	unsigned right; /* bit i set: column i is right-aligned */
};

void table_init(struct table *t, size_t ncols);
void table_free(struct table *t);
/* Add a row of ncols cells (NULL: empty), copied and cleaned. 0 or -ENOMEM. */
int table_add(struct table *t, const char *const *cells);
/*
 * Append every row as one line ending in '\n'; with maxcols > 0 each line
 * is cut to that many columns. 0, or -E2BIG/-ENOMEM from the buffer.
 */
int table_render(const struct table *t, size_t maxcols, struct strbuf *out);

#endif
