/* SPDX-License-Identifier: BSD-3-Clause */
/* show.c: tables and sentences for the API's replies. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "jget.h"
#include "show.h"

const char *const show_states[] = {"unknown",	 "ready",      "reinstall-pending",
				   "booting",	 "installing", "installed",
				   "local-boot", "failed",     NULL};
const char *const show_phases[] = {"dhcp",	"loader",     "kernel", "initrd",
				   "kickstart", "repository", NULL};

#define BAR_WIDTH 12

static bool
in_list(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

int
show_counts(const json_t *counts, const char *const *order, const char *sep, struct strbuf *out,
	    double *total)
{
	const char *const *o;
	const char *key;
	json_t *v;
	double sum = 0;
	bool any = false;
	int rc = 0;

	/* Two passes: the known keys in lifecycle order, then the rest. */
	for (o = order; !rc && o && *o; o++) {
		double n;

		if (jget_num(counts, *o, &n) || n == 0)
			continue;
		rc = strbuf_addf(out, "%s%s %.0f", any ? sep : "", *o, n);
		any = true;
		sum += n;
	}
	if (json_is_object(counts))
		json_object_foreach((json_t *)counts, key, v)
		{
			if (rc || !json_is_number(v) || json_number_value(v) == 0 ||
			    in_list(key, order))
				continue;
			rc = strbuf_addf(out, "%s", any ? sep : "");
			if (!rc)
				rc = fmt_clean(out, key, NULL);
			if (!rc)
				rc = strbuf_addf(out, " %.0f", json_number_value(v));
			any = true;
			sum += json_number_value(v);
		}
	if (!rc && !any)
		rc = strbuf_adds(out, "-");
	if (total)
		*total = sum;
	return rc;
}

int
show_progress(const json_t *host, bool bar, struct strbuf *out)
{
	json_t *p = jget_typed(host, "progress", JSON_OBJECT);
	char done[32], size_s[32];
	double bytes, size;
	int rc = 0;

	if (!p || jget_num(p, "bytes", &bytes))
		return 0;
	fmt_mb(done, sizeof(done), bytes);
	if (jget_num(p, "size", &size) || !(size > 0))
		return strbuf_addf(out, "%s MB", done);
	if (bar)
		rc = fmt_bar(out, bytes, size, BAR_WIDTH);
	/* After a bar the percentage is padded, so that the sizes line up. */
	if (!rc)
		rc = strbuf_addf(out, bar ? " %3.0f%%  %s/%s MB" : "%.0f%%  %s/%s MB",
				 floor(fmin(fmax(bytes, 0) * 100 / size, 100)), done,
				 fmt_mb(size_s, sizeof(size_s), size));
	return rc;
}

/* A number field as text by conv (fmt_duration, ...), "-" when absent. */
static const char *
num_cell(char *buf, size_t len, const json_t *o, const char *key,
	 char *(*conv)(char *, size_t, double))
{
	double v;

	if (jget_num(o, key, &v))
		return "-";
	if (conv)
		return conv(buf, len, v);
	snprintf(buf, len, "%.0f", v);
	return buf;
}

/* "from -> to", or whichever of them is there. */
static void
change_cell(char *buf, size_t len, const json_t *ev)
{
	const char *from = jget_str(ev, "from", NULL), *to = jget_str(ev, "to", NULL);

	if (from && to)
		snprintf(buf, len, "%s -> %s", from, to);
	else
		snprintf(buf, len, "%s", from ? from : to ? to : "-");
}

int
show_status(const json_t *st, struct strbuf *out)
{
	char a[64], b[64];
	struct strbuf counts, v;
	struct table t;
	double n, total = 0;
	int rc = 0;

	if (!json_is_object(st))
		return -EPROTO;
	table_init(&t, 2);
	strbuf_init(&counts, 0);
	strbuf_init(&v, 0);
#define ROW(k, val) (rc = rc ? rc : table_add(&t, (const char *[]){(k), (val)}))
	ROW("server", jget_str(st, "server", "-"));
	ROW("version", jget_str(st, "version", "-"));
	ROW("uptime", num_cell(a, sizeof(a), st, "uptime_s", fmt_duration));
	rc = rc ? rc
		: show_counts(jget_typed(st, "hosts", JSON_OBJECT), show_states, ", ", &counts,
			      &total);
	rc = rc ? rc : strbuf_addf(&v, "%.0f: %s", total, counts.data);
	ROW("hosts", v.data);
	strbuf_reset(&v);
	rc = rc ? rc
		: show_counts(jget_typed(st, "phases", JSON_OBJECT), show_phases, ", ", &v, NULL);
	ROW("phases", v.data);
	strbuf_reset(&v);
	rc = rc ? rc : show_counts(jget_typed(st, "failures", JSON_OBJECT), NULL, ", ", &v, NULL);
	ROW("failures", v.data);
	if (!jget_num(st, "rate_bps", &n))
		snprintf(b, sizeof(b), "%s MB/s", fmt_mb(a, sizeof(a), n));
	else
		snprintf(b, sizeof(b), "-");
	ROW("rate", b);
	ROW("eta", num_cell(a, sizeof(a), st, "eta_s", fmt_duration));
	if (!jget_num(jget_typed(st, "leases", JSON_OBJECT), "bound", &n))
		snprintf(b, sizeof(b), "%.0f bound", n);
	else
		snprintf(b, sizeof(b), "-");
	ROW("leases", b);
#undef ROW
	if (!rc)
		rc = table_render(&t, 0, out);
	strbuf_free(&counts);
	strbuf_free(&v);
	table_free(&t);
	return rc;
}

/* The PROGRESS cell of a host: the text, or "-". */
static int
progress_cell(const json_t *h, struct strbuf *b)
{
	int rc;

	strbuf_reset(b);
	rc = show_progress(h, false, b);
	if (!rc && !b->len)
		rc = strbuf_adds(b, "-");
	return rc;
}

int
show_hosts(const json_t *reply, struct strbuf *out)
{
	json_t *hosts = jget_typed(reply, "hosts", JSON_ARRAY), *h;
	struct strbuf prog;
	struct table t;
	char since[FMT_DUR_LEN];
	size_t i;
	int rc;

	if (!hosts)
		return -EPROTO;
	table_init(&t, 9);
	strbuf_init(&prog, 0);
	rc = table_add(&t, (const char *[]){"NAME", "MAC", "IP", "PROFILE", "STATE", "PHASE",
					    "PROGRESS", "SINCE", "REASON"});
	json_array_foreach(hosts, i, h)
	{
		if (rc || (rc = progress_cell(h, &prog)))
			break;
		rc = table_add(
		    &t, (const char *[]){
			    jget_str(h, "name", "-"), jget_str(h, "mac", "-"),
			    jget_str(h, "ip", "-"), jget_str(h, "profile", "-"),
			    jget_str(h, "state", "-"), jget_str(h, "phase", "-"), prog.data,
			    num_cell(since, sizeof(since), h, "seconds_in_state", fmt_duration),
			    jget_str(h, "reason", "-")});
	}
	if (!rc)
		rc = table_render(&t, 0, out);
	strbuf_free(&prog);
	table_free(&t);
	return rc;
}

/* The events table of `host` and `events`; with_host adds the HOST column. */
static int
events_table(const json_t *events, bool with_host, struct strbuf *out)
{
	char id[32], when[FMT_TIME_LEN], change[160];
	struct table t;
	json_t *ev;
	size_t i;
	int rc;

	table_init(&t, with_host ? 7 : 6);
	rc = with_host ? table_add(&t, (const char *[]){"ID", "TIME", "HOST", "KIND", "CHANGE",
							"PHASE", "DETAIL"})
		       : table_add(&t, (const char *[]){"ID", "TIME", "KIND", "CHANGE", "PHASE",
							"DETAIL"});
	t.right = 1;
	json_array_foreach(events, i, ev)
	{
		const char *cells[7], **c = cells;

		if (rc)
			break;
		change_cell(change, sizeof(change), ev);
		*c++ = num_cell(id, sizeof(id), ev, "id", NULL);
		*c++ = num_cell(when, sizeof(when), ev, "time", fmt_time);
		if (with_host)
			*c++ = jget_str(ev, "host", "-");
		*c++ = jget_str(ev, "kind", "-");
		*c++ = change;
		*c++ = jget_str(ev, "phase", "-");
		*c++ = jget_str(ev, "detail", "-");
		rc = table_add(&t, cells);
	}
	if (!rc)
		rc = table_render(&t, 0, out);
	table_free(&t);
	return rc;
}

int
show_host(const json_t *h, struct strbuf *out)
{
	char a[FMT_DUR_LEN], b[FMT_TIME_LEN], line[128];
	json_t *events = jget_typed(h, "events", JSON_ARRAY);
	json_t *p = jget_typed(h, "progress", JSON_OBJECT);
	struct strbuf prog;
	struct table t;
	int rc = 0;

	if (!json_is_object(h))
		return -EPROTO;
	table_init(&t, 2);
	strbuf_init(&prog, 0);
#define ROW(k, val) (rc = rc ? rc : table_add(&t, (const char *[]){(k), (val)}))
	ROW("name", jget_str(h, "name", "-"));
	ROW("mac", jget_str(h, "mac", "-"));
	ROW("ip", jget_str(h, "ip", "-"));
	ROW("profile", jget_str(h, "profile", "-"));
	snprintf(line, sizeof(line), "%s for %s (since %s)", jget_str(h, "state", "-"),
		 num_cell(a, sizeof(a), h, "seconds_in_state", fmt_duration),
		 num_cell(b, sizeof(b), h, "since", fmt_time));
	ROW("state", line);
	ROW("phase", jget_str(h, "phase", "-"));
	rc = rc ? rc : progress_cell(h, &prog);
	if (!rc && p && jget_str(p, "file", NULL))
		rc = strbuf_addf(&prog, " (%s)", jget_str(p, "file", ""));
	ROW("progress", prog.data);
	ROW("reason", jget_str(h, "reason", "-"));
	ROW("install", jget_true(h, "install") ? "yes" : "no");
#undef ROW
	if (!rc)
		rc = table_render(&t, 0, out);
	if (!rc && events)
		rc = strbuf_addf(out, "\nevents (%zu):\n", json_array_size(events));
	if (!rc && events && json_array_size(events))
		rc = events_table(events, false, out);
	strbuf_free(&prog);
	table_free(&t);
	return rc;
}

/* The strings of a JSON array joined with ", " ("-" when none). */
static int
join(const json_t *arr, struct strbuf *b)
{
	json_t *v;
	size_t i;
	int rc = 0;

	strbuf_reset(b);
	json_array_foreach(arr, i, v)
	{
		if (!rc && json_is_string(v))
			rc = strbuf_addf(b, "%s%s", b->len ? ", " : "", json_string_value(v));
	}
	return rc ? rc : b->len ? 0 : strbuf_adds(b, "-");
}

int
show_profiles(const json_t *reply, struct strbuf *out)
{
	json_t *profiles = jget_typed(reply, "profiles", JSON_ARRAY), *p;
	struct strbuf initrd, templates;
	struct table t;
	size_t i;
	int rc;

	if (!profiles)
		return -EPROTO;
	table_init(&t, 6);
	strbuf_init(&initrd, 0);
	strbuf_init(&templates, 0);
	rc = table_add(
	    &t, (const char *[]){"NAME", "INSTALL", "LOCALBOOT", "KERNEL", "INITRD", "TEMPLATES"});
	json_array_foreach(profiles, i, p)
	{
		if (rc || (rc = join(jget_typed(p, "initrd", JSON_ARRAY), &initrd)) ||
		    (rc = join(jget_typed(p, "templates", JSON_ARRAY), &templates)))
			break;
		rc = table_add(&t, (const char *[]){jget_str(p, "name", "-"),
						    jget_true(p, "install") ? "yes" : "no",
						    jget_true(p, "localboot") ? "yes" : "no",
						    jget_str(p, "kernel", "-"), initrd.data,
						    templates.data});
	}
	if (!rc)
		rc = table_render(&t, 0, out);
	strbuf_free(&initrd);
	strbuf_free(&templates);
	table_free(&t);
	return rc;
}

int
show_leases(const json_t *reply, struct strbuf *out)
{
	json_t *leases = jget_typed(reply, "leases", JSON_ARRAY), *l;
	char left[FMT_DUR_LEN + 8], upd[FMT_TIME_LEN];
	struct table t;
	size_t i;
	int rc;

	if (!leases)
		return -EPROTO;
	table_init(&t, 7);
	rc = table_add(&t, (const char *[]){"ADDRESS", "STATE", "MAC", "CLIENT-ID", "HOSTNAME",
					    "EXPIRES-IN", "UPDATED"});
	json_array_foreach(leases, i, l)
	{
		double in;

		if (rc)
			break;
		if (jget_num(l, "expires_in", &in))
			snprintf(left, sizeof(left), "-");
		else if (in <= 0)
			snprintf(left, sizeof(left), "expired");
		else
			fmt_duration(left, sizeof(left), in);
		rc = table_add(
		    &t, (const char *[]){jget_str(l, "address", "-"), jget_str(l, "state", "-"),
					 jget_str(l, "mac", "-"), jget_str(l, "client_id", "-"),
					 jget_str(l, "hostname", "-"), left,
					 num_cell(upd, sizeof(upd), l, "updated", fmt_time)});
	}
	if (!rc)
		rc = table_render(&t, 0, out);
	table_free(&t);
	return rc;
}

int
show_events(const json_t *reply, struct strbuf *out)
{
	json_t *events = jget_typed(reply, "events", JSON_ARRAY);

	if (!events)
		return -EPROTO;
	return events_table(events, true, out);
}

int
show_event_line(const json_t *ev, struct strbuf *out)
{
	char id[32], when[FMT_TIME_LEN], change[160], line[512];
	int rc;

	if (!json_is_object(ev))
		return -EPROTO;
	change_cell(change, sizeof(change), ev);
	snprintf(line, sizeof(line), "%6s  %s  %-12s  %-10s  %-26s  %-10s  ",
		 num_cell(id, sizeof(id), ev, "id", NULL),
		 num_cell(when, sizeof(when), ev, "time", fmt_time), jget_str(ev, "host", "-"),
		 jget_str(ev, "kind", "-"), change, jget_str(ev, "phase", "-"));
	rc = fmt_clean(out, line, NULL);
	rc = rc ? rc : fmt_clean(out, jget_str(ev, "detail", "-"), NULL);
	return rc ? rc : strbuf_adds(out, "\n");
}

/* "N hosts: a, b, c" from a reply's "hosts" list. */
static int
host_list(const json_t *reply, struct strbuf *out)
{
	json_t *hosts = jget_typed(reply, "hosts", JSON_ARRAY), *h;
	size_t i, n = json_array_size(hosts);
	int rc;

	rc = strbuf_addf(out, "%zu host%s%s", n, n == 1 ? "" : "s", n ? ": " : "");
	json_array_foreach(hosts, i, h)
	{
		if (!rc && json_is_string(h))
			rc = strbuf_addf(out, "%s", i ? ", " : "");
		if (!rc && json_is_string(h))
			rc = fmt_clean(out, json_string_value(h), NULL);
	}
	return rc;
}

int
show_reinstall(const json_t *reply, struct strbuf *out)
{
	const json_t *db;
	double ms, tx;
	int rc;

	if (!jget_typed(reply, "hosts", JSON_ARRAY))
		return -EPROTO;
	rc = strbuf_adds(out, "marked for reinstallation: ");
	if (!rc)
		rc = host_list(reply, out);
	if (!rc && !jget_num(reply, "ms", &ms))
		rc = strbuf_addf(out, " (%.0f ms", ms);
	else
		ms = -1;
	/* rackboot says what the marks cost its database. */
	db = jget_typed(reply, "db", JSON_OBJECT);
	if (!rc && ms >= 0 && db && !jget_num(db, "transactions", &tx))
		rc = strbuf_addf(out, ", %.0f database transaction%s", tx, tx == 1 ? "" : "s");
	if (!rc && ms >= 0)
		rc = strbuf_adds(out, ")");
	return rc ? rc : strbuf_adds(out, "\n");
}

int
show_power(const json_t *reply, const char *action, struct strbuf *out, unsigned *failed)
{
	json_t *results = jget_typed(reply, "results", JSON_ARRAY), *r;
	struct table t;
	size_t i;
	int rc;

	*failed = 0;
	if (strcmp(action, "status")) {
		if (!jget_typed(reply, "hosts", JSON_ARRAY))
			return -EPROTO;
		rc = strbuf_addf(out, "queued power %s for ", action);
		if (!rc)
			rc = host_list(reply, out);
		return rc ? rc : strbuf_adds(out, "\n");
	}
	if (!results)
		return -EPROTO;
	table_init(&t, 3);
	rc = table_add(&t, (const char *[]){"HOST", "STATE", "ERROR"});
	json_array_foreach(results, i, r)
	{
		bool ok = jget_true(r, "ok");

		if (rc)
			break;
		*failed += !ok;
		rc = table_add(&t, (const char *[]){jget_str(r, "host", "-"),
						    jget_str(r, "state", ok ? "-" : "unknown"),
						    ok ? "-" : jget_str(r, "error", "failed")});
	}
	if (!rc)
		rc = table_render(&t, 0, out);
	table_free(&t);
	return rc;
}
