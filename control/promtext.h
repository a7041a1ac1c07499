/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * promtext.h: a writer of Prometheus text exposition (format 0.0.4) into a
 * caller's buffer: "# HELP" and "# TYPE" lines, then value lines, each with
 * at most one label (histogram buckets add their "le"). Every /metrics producer (http.c, metrics.c,
 * main.c) writes through it, so the lines look the same everywhere.
 *
 * Writes never overrun: what does not fit is cut (the buffer stays NUL
 * terminated) and the sticky `full` flag is set, so a caller that wants all
 * or nothing checks it once at the end.
 */
#ifndef RB_CONTROL_PROMTEXT_H
#define RB_CONTROL_PROMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct prom_out {
	char *buf;
	size_t cap, len; /* len <= cap - 1 when cap > 0 */
	bool full;	 /* something did not fit */
};

/* Start writing at buf (terminated at once when cap > 0). */
void prom_init(struct prom_out *o, char *buf, size_t cap);
/* "# HELP name help" and "# TYPE name type" (counter, gauge, ...). */
void prom_head(struct prom_out *o, const char *name, const char *type, const char *help);
/* "name value", or "name{lkey=\"lval\"} value" when lkey is not NULL. */
void prom_u64(struct prom_out *o, const char *name, const char *lkey, const char *lval, uint64_t v);
/* A metric without labels: its head and its one value line. */
void prom_metric(struct prom_out *o, const char *name, const char *type, const char *help,
		 uint64_t v);
/* A metric with one label: its head, then one line per lvals[i], v[i], i < n. */
void prom_labelled(struct prom_out *o, const char *name, const char *type, const char *help,
		   const char *lkey, const char *const *lvals, const uint64_t *v, size_t n);
/* The same with a fractional value, printed with 3 decimals. */
void prom_f3(struct prom_out *o, const char *name, double v);
/*
 * The lines of one histogram series (write its head first with prom_head(...,
 * "histogram", ...)): name_bucket{lkey="lval",le="le[i]"} for i < n, with the
 * counts made cumulative, then le="+Inf", name_sum and name_count. counts has
 * n + 1 entries: counts[i] observations in (le[i-1], le[i]], counts[n] past
 * the last bound. lkey NULL: no label but le.
 */
void prom_histogram(struct prom_out *o, const char *name, const char *lkey, const char *lval,
		    const double *le, const uint64_t *counts, size_t n, double sum);
/* Cut back to len (a value of o->len taken earlier) and clear full: drops
 * a group of lines that did not fit whole. */
void prom_rewind(struct prom_out *o, size_t len);

#endif
