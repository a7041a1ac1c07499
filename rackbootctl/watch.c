/* SPDX-License-Identifier: BSD-3-Clause */
/* watch.c: one frame of the live view, within a row and column budget. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "jget.h"
#include "show.h"
#include "watch.h"

/* Four header lines and the blank one after them. */
#define HEADER_ROWS 5

/* The frame being written: lines are counted and cut here, nowhere else. */
struct frame {
	struct strbuf *out;
	unsigned rows, cols, n;
};

/* One line (text[0..len), no '\n'), cut and cleaned; dropped past the row budget. */
static int
emit(struct frame *f, const char *text, size_t len)
{
	struct strbuf b;
	int rc;

	if (f->rows && f->n >= f->rows)
		return 0;
	f->n++;
	strbuf_init(&b, 0);
	rc = strbuf_add(&b, text, len);
	if (!rc) {
		/* Cleaning maps one byte to one, so cutting first is the same. */
		b.data[f->cols ? fmt_cut(b.data, f->cols) : b.len] = 0;
		rc = fmt_clean(f->out, b.data, NULL);
	}
	strbuf_free(&b);
	return rc ? rc : strbuf_add(f->out, "\n", 1);
}

static int
emits(struct frame *f, const char *s)
{
	return emit(f, s, strlen(s));
}

/* Every line of text (each ending in '\n'). */
static int
emit_lines(struct frame *f, const char *text)
{
	const char *nl;
	int rc = 0;

	while (!rc && text && (nl = strchr(text, '\n'))) {
		rc = emit(f, text, (size_t)(nl - text));
		text = nl + 1;
	}
	return rc;
}

/* 0: moving, 1: failed, 2: the rest; lower is shown first when compacting. */
static int
priority(const json_t *h)
{
	const char *s = jget_str(h, "state", "");

	if (!strcmp(s, "booting") || !strcmp(s, "installing") || !strcmp(s, "reinstall-pending"))
		return 0;
	return strcmp(s, "failed") ? 2 : 1;
}

static bool
is_failed(const json_t *h)
{
	return priority(h) == 1;
}

/* counts[key]++ (state and phase counts made from a host list). */
static int
count(json_t *counts, const char *key)
{
	json_t *v = json_object_get(counts, key);

	if (v)
		return json_integer_set(v, json_integer_value(v) + 1) ? -ENOMEM : 0;
	return json_object_set_new(counts, key, json_integer(1)) ? -ENOMEM : 0;
}

/* Line 2: the hosts per state; of the list when there is one, else the server's. */
static int
state_line(const json_t *st, const json_t *list, const json_t *states, struct strbuf *l)
{
	const json_t *server_counts = jget_typed(st, "hosts", JSON_OBJECT);
	struct strbuf c, ignore;
	double total = 0;
	int rc;

	strbuf_init(&c, 0);
	strbuf_init(&ignore, 0);
	rc = show_counts(server_counts, NULL, "", &ignore, &total);
	if (!rc && list) {
		rc = strbuf_addf(l, "hosts %zu", json_array_size(list));
		if (!rc && total > (double)json_array_size(list))
			rc = strbuf_addf(l, " of %.0f", total);
	} else if (!rc) {
		rc = strbuf_addf(l, "hosts %.0f", total);
	}
	rc = rc ? rc : show_counts(list ? states : server_counts, show_states, ", ", &c, NULL);
	rc = rc ? rc : strbuf_addf(l, ": %s", c.data);
	strbuf_free(&c);
	strbuf_free(&ignore);
	return rc;
}

static int
header(struct frame *f, const json_t *st, const json_t *list, const char *note)
{
	json_t *states = json_object(), *phases = json_object(), *h;
	char a[64];
	struct strbuf l;
	double n;
	size_t i;
	int rc = 0;

	strbuf_init(&l, 0);
	if (!states || !phases)
		rc = -ENOMEM;
	json_array_foreach(list, i, h)
	{
		if (!rc)
			rc = count(states, jget_str(h, "state", "?"));
		/* A failed host keeps the phase it failed in: count the moving only. */
		if (!rc && jget_str(h, "phase", NULL) && priority(h) == 0)
			rc = count(phases, jget_str(h, "phase", NULL));
	}
	/* 1: the server */
	rc = rc ? rc : strbuf_addf(&l, "rackboot %s", jget_str(st, "server", "?"));
	if (!rc && jget_str(st, "version", NULL))
		rc = strbuf_addf(&l, "  %s", jget_str(st, "version", ""));
	if (!rc && !jget_num(st, "uptime_s", &n))
		rc = strbuf_addf(&l, "  up %s", fmt_duration(a, sizeof(a), n));
	if (!rc && !jget_num(jget_typed(st, "leases", JSON_OBJECT), "bound", &n))
		rc = strbuf_addf(&l, "  leases %.0f bound", n);
	if (!rc && note)
		rc = strbuf_addf(&l, "  (stale: %s)", note);
	rc = rc ? rc : emit(f, l.data, l.len);
	/* 2: states */
	strbuf_reset(&l);
	rc = rc ? rc : state_line(st, list, states, &l);
	rc = rc ? rc : emit(f, l.data, l.len);
	/* 3: phases */
	strbuf_reset(&l);
	rc = rc ? rc : strbuf_adds(&l, "phases: ");
	rc = rc ? rc
		: show_counts(list ? phases : jget_typed(st, "phases", JSON_OBJECT), show_phases,
			      ", ", &l, NULL);
	rc = rc ? rc : emit(f, l.data, l.len);
	/* 4: throughput, ETA, failure classes */
	strbuf_reset(&l);
	if (!rc)
		rc = jget_num(st, "rate_bps", &n)
			 ? strbuf_adds(&l, "rate -")
			 : strbuf_addf(&l, "rate %s MB/s", fmt_mb(a, sizeof(a), n));
	if (!rc)
		rc = jget_num(st, "eta_s", &n)
			 ? strbuf_adds(&l, "  eta -")
			 : strbuf_addf(&l, "  eta %s", fmt_duration(a, sizeof(a), n));
	rc = rc ? rc : strbuf_adds(&l, "  failures: ");
	rc = rc ? rc : show_counts(jget_typed(st, "failures", JSON_OBJECT), NULL, ", ", &l, NULL);
	rc = rc ? rc : emit(f, l.data, l.len);
	rc = rc ? rc : emits(f, "");
	json_decref(states);
	json_decref(phases);
	strbuf_free(&l);
	return rc;
}

/*
 * How many hosts and failed hosts fit in avail rows (the doc comment of
 * watch.h says how the rows are shared). A block of k of n lines costs
 * its heading, k lines and a "... more" line when k < n.
 */
static void
plan(size_t nh, size_t nf, unsigned rows, size_t *hshow, size_t *fshow)
{
	size_t avail, full_h = 1 + nh, full_f = nf ? 2 + nf : 0, fb, hb;

	*hshow = nh;
	*fshow = nf;
	avail = rows > HEADER_ROWS ? rows - HEADER_ROWS : 0;
	if (!rows || full_h + full_f <= avail)
		return;
	fb = 0;
	if (nf) {
		fb = avail / 3 > 4 ? avail / 3 : 4;
		if (full_f < fb)
			fb = full_f;
		/* The hosts need less than what is left: the failed get the rest. */
		if (avail > fb && full_h <= avail - fb)
			fb = avail - full_h;
		if (fb > avail)
			fb = avail;
		*fshow = fb >= full_f ? nf : fb > 3 ? fb - 3 : 0;
	}
	hb = avail - fb;
	*hshow = hb >= full_h ? nh : hb > 2 ? hb - 2 : 0;
}

static int
host_table(struct frame *f, const json_t *list, const char *pick, size_t shown)
{
	char since[FMT_DUR_LEN];
	struct strbuf prog, text;
	struct table t;
	json_t *h;
	size_t i;
	int rc;

	if (!shown)
		return 0;
	table_init(&t, 5);
	strbuf_init(&prog, 0);
	strbuf_init(&text, 0);
	rc = table_add(&t, (const char *[]){"NAME", "STATE", "PHASE", "SINCE", "PROGRESS"});
	json_array_foreach(list, i, h)
	{
		double s;

		if (rc || !pick[i])
			continue;
		strbuf_reset(&prog);
		rc = show_progress(h, true, &prog);
		if (!rc)
			rc = table_add(&t, (const char *[]){
					       jget_str(h, "name", "-"), jget_str(h, "state", "-"),
					       jget_str(h, "phase", "-"),
					       jget_num(h, "seconds_in_state", &s)
						   ? "-"
						   : fmt_duration(since, sizeof(since), s),
					       prog.len ? prog.data : "-"});
	}
	rc = rc ? rc : table_render(&t, f->cols, &text);
	rc = rc ? rc : emit_lines(f, text.data);
	strbuf_free(&prog);
	strbuf_free(&text);
	table_free(&t);
	return rc;
}

/* "... and N more: <state counts>" for the hosts not picked. */
static int
more_line(struct frame *f, const json_t *list, const char *pick, size_t shown)
{
	json_t *hidden = json_object(), *h;
	struct strbuf l;
	size_t i;
	int rc = hidden ? 0 : -ENOMEM;

	strbuf_init(&l, 0);
	json_array_foreach(list, i, h)
	{
		if (!rc && !pick[i])
			rc = count(hidden, jget_str(h, "state", "?"));
	}
	if (!rc)
		rc = shown ? strbuf_addf(&l, "... and %zu more: ", json_array_size(list) - shown)
			   : strbuf_addf(&l, "... %zu hosts: ", json_array_size(list));
	rc = rc ? rc : show_counts(hidden, show_states, ", ", &l, NULL);
	rc = rc ? rc : emit(f, l.data, l.len);
	json_decref(hidden);
	strbuf_free(&l);
	return rc;
}

static int
failed_section(struct frame *f, const json_t *list, size_t nf, size_t fshow)
{
	char since[FMT_DUR_LEN], title[64];
	struct strbuf text;
	struct table t;
	size_t i, n = 0;
	json_t *h;
	int rc;

	if (!nf)
		return 0;
	snprintf(title, sizeof(title), "failed (%zu):", nf);
	rc = emits(f, "");
	rc = rc ? rc : emits(f, title);
	table_init(&t, 3);
	strbuf_init(&text, 0);
	json_array_foreach(list, i, h)
	{
		double s;

		if (rc || n == fshow || !is_failed(h))
			continue;
		n++;
		rc = table_add(&t, (const char *[]){jget_str(h, "name", "-"),
						    jget_num(h, "seconds_in_state", &s)
							? "-"
							: fmt_duration(since, sizeof(since), s),
						    jget_str(h, "reason", "-")});
	}
	rc = rc ? rc : table_render(&t, f->cols, &text);
	rc = rc ? rc : emit_lines(f, text.data);
	if (!rc && fshow < nf) {
		snprintf(title, sizeof(title), "... and %zu more failed", nf - fshow);
		rc = emits(f, title);
	}
	strbuf_free(&text);
	table_free(&t);
	return rc;
}

int
watch_render(const json_t *status, const json_t *hosts, const char *note, unsigned rows,
	     unsigned cols, struct strbuf *out)
{
	json_t *list = jget_typed(hosts, "hosts", JSON_ARRAY), *h;
	struct frame f = {.out = out, .rows = rows, .cols = cols};
	size_t nh = json_array_size(list), nf = 0, hshow, fshow, picked = 0, i;
	char *pick = NULL;
	int rc, p;

	rc = header(&f, status, list, note);
	if (rc || !list)
		return rc;
	if (!nh)
		return emits(&f, "no hosts");
	json_array_foreach(list, i, h) nf += is_failed(h);
	plan(nh, nf, rows, &hshow, &fshow);
	pick = calloc(nh, 1);
	if (!pick)
		return -ENOMEM;
	for (p = 0; p < 3 && picked < hshow; p++)
		json_array_foreach(list, i, h)
		{
			if (picked < hshow && !pick[i] && priority(h) == p) {
				pick[i] = 1;
				picked++;
			}
		}
	rc = host_table(&f, list, pick, picked);
	if (!rc && picked < nh)
		rc = more_line(&f, list, pick, picked);
	if (!rc)
		rc = failed_section(&f, list, nf, fshow);
	free(pick);
	return rc;
}
