/* SPDX-License-Identifier: BSD-3-Clause */
/* promtext.c: see promtext.h. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "promtext.h"

void
prom_init(struct prom_out *o, char *buf, size_t cap)
{
	*o = (struct prom_out){.buf = buf, .cap = cap};
	if (cap)
		buf[0] = '\0';
}

static void __attribute__((format(printf, 2, 3))) put(struct prom_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len + 1 >= o->cap) {
		o->full = true;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < o->cap - o->len) {
		o->len += (size_t)n;
	} else {
		o->len = o->cap - 1;
		o->full = true;
	}
}

void
prom_head(struct prom_out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
prom_u64(struct prom_out *o, const char *name, const char *lkey, const char *lval, uint64_t v)
{
	if (lkey)
		put(o, "%s{%s=\"%s\"} %" PRIu64 "\n", name, lkey, lval, v);
	else
		put(o, "%s %" PRIu64 "\n", name, v);
}

void
prom_metric(struct prom_out *o, const char *name, const char *type, const char *help, uint64_t v)
{
	prom_head(o, name, type, help);
	prom_u64(o, name, NULL, NULL, v);
}

void
prom_labelled(struct prom_out *o, const char *name, const char *type, const char *help,
	      const char *lkey, const char *const *lvals, const uint64_t *v, size_t n)
{
	size_t i;

	prom_head(o, name, type, help);
	for (i = 0; i < n; i++)
		prom_u64(o, name, lkey, lvals[i], v[i]);
}

void
prom_f3(struct prom_out *o, const char *name, double v)
{
	put(o, "%s %.3f\n", name, v);
}

void
prom_histogram(struct prom_out *o, const char *name, const char *lkey, const char *lval,
	       const double *le, const uint64_t *counts, size_t n, double sum)
{
	char lab[160] = "";
	uint64_t total = 0;
	size_t i;

	if (lkey)
		snprintf(lab, sizeof(lab), "%s=\"%s\",", lkey, lval);
	for (i = 0; i < n; i++) {
		total += counts[i];
		put(o, "%s_bucket{%sle=\"%g\"} %" PRIu64 "\n", name, lab, le[i], total);
	}
	total += counts[n];
	put(o, "%s_bucket{%sle=\"+Inf\"} %" PRIu64 "\n", name, lab, total);
	if (lkey) {
		put(o, "%s_sum{%s=\"%s\"} %.3f\n", name, lkey, lval, sum);
		put(o, "%s_count{%s=\"%s\"} %" PRIu64 "\n", name, lkey, lval, total);
	} else {
		put(o, "%s_sum %.3f\n", name, sum);
		put(o, "%s_count %" PRIu64 "\n", name, total);
	}
}

void
prom_rewind(struct prom_out *o, size_t len)
{
	if (len > o->len)
		return;
	o->len = len;
	o->full = false;
	if (o->cap)
		o->buf[len] = '\0';
}
