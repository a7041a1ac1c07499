/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c: rackbootctl, the operator's client of rackboot's HTTP API.
 *
 * Parses the command line (args.c), finds the token, sends the request
 * (client.c), maps the reply to an exit code (reply.c) and prints it:
 * the server's JSON with --json, else the text of show.c and watch.c.
 * This is the only file that prints; errors go to stderr as
 * "rackbootctl: <message>". `watch` and `events --follow` run until
 * Ctrl-C or SIGTERM, after which the terminal is left as it was found.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "args.h"
#include "client.h"
#include "fmt.h"
#include "jget.h"
#include "reply.h"
#include "show.h"
#include "watch.h"

/* A followed stream sends "\n" every 15 s: three missed means it is gone. */
#define FOLLOW_IDLE_S 45

static volatile sig_atomic_t stop_flag, resized;

struct ctx {
	struct ctl_args a;
	struct ctl_client c;
	/* Why no token is sent, for the message of a 401 (empty: one is sent). */
	char no_token[320];
};

static void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "rackbootctl: <message>" on stderr. */
static void
msg(const char *fmt, ...)
{
	va_list ap;

	fputs("rackbootctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
on_signal(int sig)
{
	if (sig == SIGWINCH)
		resized = 1;
	else
		stop_flag = 1;
}

/* Ctrl-C, SIGTERM (and a resize) interrupt sleeps and transfers instead of killing us. */
static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
}

/*
 * Send a request and check its reply: 0 with *out (may be NULL) holding
 * the parsed 2xx body, or the exit code with what went wrong in err.
 */
static int
request(struct ctx *x, const char *method, const char *path, const char *body, struct ctl_reply *r,
	json_t **out, char *err, size_t errlen)
{
	json_error_t je;
	char m[512];
	json_t *j;

	if (out)
		*out = NULL;
	if (ctl_request(&x->c, method, path, body, r)) {
		snprintf(err, errlen, "%s", r->error);
		return CTL_EXIT_SERVER;
	}
	if (ctl_exit_for_status(r->status) != CTL_EXIT_OK) {
		ctl_reply_message(r->status, r->body.data, r->body.len, m, sizeof(m));
		if (r->status == 401 && x->no_token[0])
			snprintf(err, errlen, "%s (no token was sent: %s)", m, x->no_token);
		else
			snprintf(err, errlen, "%s", m);
		return ctl_exit_for_status(r->status);
	}
	j = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &je);
	if (!j) {
		snprintf(err, errlen, "%s%s: the reply is not JSON (%s)", x->c.base, path, je.text);
		return CTL_EXIT_SERVER;
	}
	if (out)
		*out = j;
	else
		json_decref(j);
	return 0;
}

/* request(), printing what went wrong. */
static int
call(struct ctx *x, const char *method, const char *path, const char *body, struct ctl_reply *r,
     json_t **out)
{
	char err[1024];
	int rc = request(x, method, path, body, r, out, err, sizeof(err));

	if (rc)
		msg("%s", err);
	return rc;
}

/* The reply body as received (--json), with a final newline. */
static void
print_raw(const struct ctl_reply *r)
{
	fwrite(r->body.data ? r->body.data : "", 1, r->body.len, stdout);
	if (!r->body.len || r->body.data[r->body.len - 1] != '\n')
		fputc('\n', stdout);
}

/* Print text made by a show function that returned rc; the exit code. */
static int
print_text(struct ctx *x, const struct strbuf *text, int rc, const char *path)
{
	if (rc == -EPROTO) {
		msg("%s%s: the reply is not of the form this client knows", x->c.base, path);
		return CTL_EXIT_SERVER;
	}
	if (rc) {
		msg("%s", strerror(-rc));
		return CTL_EXIT_SERVER;
	}
	fwrite(text->data ? text->data : "", 1, text->len, stdout);
	return 0;
}

/* Append lit, then value percent-encoded but for the bytes in keep (value may be NULL). */
static int
path_add(struct strbuf *p, const char *lit, const char *value, const char *keep)
{
	int rc = strbuf_adds(p, lit);

	return rc || !value ? rc : ctl_escape(p, value, keep);
}

/* status, hosts, host, profiles, leases, events (without --follow). */
static int
cmd_get(struct ctx *x)
{
	int (*show)(const json_t *, struct strbuf *) = NULL;
	const struct ctl_args *a = &x->a;
	struct strbuf path, text;
	struct ctl_reply r;
	json_t *j = NULL;
	char since[32];
	int rc = 0;

	strbuf_init(&path, 0);
	strbuf_init(&text, 0);
	ctl_reply_init(&r);
	switch (a->cmd) {
	case CTL_CMD_STATUS:
		rc = path_add(&path, "/api/v1/status", NULL, NULL);
		show = show_status;
		break;
	case CTL_CMD_HOSTS:
		rc = path_add(&path, "/api/v1/hosts", NULL, NULL);
		if (!rc && a->arg[0])
			rc = path_add(&path, "?select=", a->arg[0], NULL);
		show = show_hosts;
		break;
	case CTL_CMD_HOST:
		rc = path_add(&path, "/api/v1/hosts/", a->arg[0], ":@");
		show = show_host;
		break;
	case CTL_CMD_PROFILES:
		rc = path_add(&path, "/api/v1/profiles", NULL, NULL);
		show = show_profiles;
		break;
	case CTL_CMD_LEASES:
		rc = path_add(&path, "/api/v1/leases", NULL, NULL);
		if (!rc && a->state)
			rc = path_add(&path, "?state=", a->state, NULL);
		show = show_leases;
		break;
	default:
		snprintf(since, sizeof(since), "%llu", a->since);
		rc = path_add(&path, "/api/v1/events", NULL, NULL);
		if (!rc && a->has_since)
			rc = path_add(&path, "?since=", since, NULL);
		show = show_events;
		break;
	}
	rc = rc ? CTL_EXIT_USAGE : call(x, "GET", path.data, NULL, &r, &j);
	if (!rc && a->json)
		print_raw(&r);
	else if (!rc)
		rc = print_text(x, &text, show(j, &text), path.data);
	json_decref(j);
	ctl_reply_free(&r);
	strbuf_free(&text);
	strbuf_free(&path);
	return rc;
}

/* POST body (NULL: an empty body) to path; action: the power action, if any. */
static int
post(struct ctx *x, const char *path, json_t *body, const char *action)
{
	char *b = body ? json_dumps(body, JSON_COMPACT) : strdup("");
	struct ctl_reply r;
	struct strbuf text;
	unsigned failed = 0;
	json_t *j = NULL;
	int rc, s;

	ctl_reply_init(&r);
	strbuf_init(&text, 0);
	if (!b) {
		msg("out of memory");
		rc = CTL_EXIT_SERVER;
		goto out;
	}
	rc = call(x, "POST", path, b, &r, &j);
	if (rc)
		goto out;
	if (action)
		s = show_power(j, action, &text, &failed);
	else if (!strcmp(path, "/api/v1/reload"))
		s = jget_true(j, "ok") ? strbuf_adds(&text, "reloaded\n") : -EPROTO;
	else
		s = show_reinstall(j, &text);
	if (x->a.json)
		print_raw(&r);
	else
		rc = print_text(x, &text, s, path);
	if (!rc && failed) {
		msg("power %s failed for %u host%s", action, failed, failed == 1 ? "" : "s");
		rc = CTL_EXIT_PARTIAL;
	}
out:
	free(b);
	json_decref(j);
	strbuf_free(&text);
	ctl_reply_free(&r);
	return rc;
}

/* reinstall, power, reload. */
static int
cmd_post(struct ctx *x)
{
	const struct ctl_args *a = &x->a;
	json_t *body = NULL;
	int rc;

	switch (a->cmd) {
	case CTL_CMD_REINSTALL:
		body = json_pack("{s:s, s:b}", "select", a->arg[0], "power_cycle", a->power_cycle);
		rc = body ? post(x, "/api/v1/reinstall", body, NULL) : CTL_EXIT_SERVER;
		break;
	case CTL_CMD_POWER:
		body = json_pack("{s:s, s:s}", "select", a->arg[1], "action", a->arg[0]);
		rc = body ? post(x, "/api/v1/power", body, a->arg[0]) : CTL_EXIT_SERVER;
		break;
	default:
		rc = post(x, "/api/v1/reload", NULL, NULL);
		break;
	}
	json_decref(body);
	return rc;
}

static int
cmd_explain(struct ctx *x)
{
	struct strbuf path, text;
	struct ctl_reply r;
	const char *t;
	json_t *j = NULL;
	int rc, s;

	strbuf_init(&path, 0);
	strbuf_init(&text, 0);
	ctl_reply_init(&r);
	rc = path_add(&path, "/api/v1/explain/", x->a.arg[0], ":");
	if (!rc && x->a.arg[1])
		rc = path_add(&path, "?arch=", x->a.arg[1], NULL);
	rc = rc ? CTL_EXIT_USAGE : call(x, "GET", path.data, NULL, &r, &j);
	if (!rc && x->a.json) {
		print_raw(&r);
	} else if (!rc) {
		t = jget_str(j, "text", NULL);
		s = t ? fmt_clean(&text, t, "\n\t") : -EPROTO;
		if (!s && (!text.len || text.data[text.len - 1] != '\n'))
			s = strbuf_adds(&text, "\n");
		rc = print_text(x, &text, s, path.data);
	}
	json_decref(j);
	ctl_reply_free(&r);
	strbuf_free(&text);
	strbuf_free(&path);
	return rc;
}

/* The frame's size: the terminal's, else $LINES and $COLUMNS, else unlimited (0). */
static void
frame_size(unsigned *rows, unsigned *cols)
{
	const char *l = getenv("LINES"), *c = getenv("COLUMNS");
	struct winsize ws;

	*rows = *cols = 0;
	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
		return;
	}
	if (l)
		*rows = (unsigned)strtoul(l, NULL, 10);
	if (c)
		*cols = (unsigned)strtoul(c, NULL, 10);
}

/* Draw one frame: in place on a terminal (tty), else plain. */
static int
draw(bool tty, bool once, const json_t *st, const json_t *hl, const char *note)
{
	unsigned rows, cols;
	struct strbuf frame;
	char *p, *nl;
	int rc;

	frame_size(&rows, &cols);
	strbuf_init(&frame, 0);
	rc = watch_render(st, hl, note, rows, cols, &frame);
	if (rc) {
		strbuf_free(&frame);
		return rc;
	}
	if (!tty) {
		fwrite(frame.data ? frame.data : "", 1, frame.len, stdout);
		if (!once)
			fputc('\n', stdout);
	} else {
		/* Home, each line over the old one, then clear what is left below.
		 * No '\n' after the last line: on the last row it would scroll. */
		fputs("\033[H", stdout);
		for (p = frame.data; p && (nl = strchr(p, '\n')); p = nl + 1) {
			fwrite(p, 1, (size_t)(nl - p), stdout);
			fputs(nl[1] ? "\033[K\n" : "\033[K", stdout);
		}
		fputs("\033[J", stdout);
	}
	fflush(stdout);
	strbuf_free(&frame);
	return 0;
}

/* Sleep s seconds, or until a signal asks to stop or redraw. */
static void
nap(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s,
			      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};

	while (!stop_flag && !resized && nanosleep(&ts, &ts) && errno == EINTR)
		;
	resized = 0;
}

static int
cmd_watch(struct ctx *x)
{
	bool once = x->a.once, tty = !once && !x->a.json && isatty(STDOUT_FILENO);
	json_t *st = NULL, *hl = NULL, *nst, *nhl;
	struct ctl_reply r;
	struct strbuf path;
	char note[1024];
	int rc;

	strbuf_init(&path, 0);
	ctl_reply_init(&r);
	rc = path_add(&path, "/api/v1/hosts", NULL, NULL);
	if (!rc && x->a.arg[0])
		rc = path_add(&path, "?select=", x->a.arg[0], NULL);
	if (rc) {
		msg("%s", strerror(-rc));
		goto out;
	}
	if (!once)
		catch_signals();
	if (tty)
		fputs("\033[?1049h\033[?25l", stdout);
	while (!stop_flag) {
		nhl = NULL;
		rc = request(x, "GET", "/api/v1/status", NULL, &r, &nst, note, sizeof(note));
		if (!rc)
			rc = request(x, "GET", path.data, NULL, &r, &nhl, note, sizeof(note));
		if (rc && stop_flag) {
			json_decref(nst);
			rc = 0;
			break;
		}
		/* Only an unreachable or failing server may come back by itself. */
		if (rc && (once || rc != CTL_EXIT_SERVER)) {
			json_decref(nst);
			break;
		}
		if (!rc) {
			json_decref(st);
			json_decref(hl);
			st = nst;
			hl = nhl;
		} else {
			json_decref(nst);
		}
		if (x->a.json && !rc) {
			json_t *both = json_pack("{s:O, s:O}", "status", st, "hosts", hl);

			if (both)
				json_dumpf(both, stdout, JSON_COMPACT);
			fputc('\n', stdout);
			fflush(stdout);
			json_decref(both);
		} else if (x->a.json) {
			msg("%s", note);
		} else if (draw(tty, once, st, hl, rc ? note : NULL)) {
			snprintf(note, sizeof(note), "cannot draw the frame: out of memory");
			rc = CTL_EXIT_SERVER;
			break;
		}
		rc = 0;
		if (once)
			break;
		nap(x->a.interval);
	}
	if (tty) {
		fputs("\033[?25h\033[?1049l", stdout);
		fflush(stdout);
	}
	if (rc)
		msg("%s", note);
out:
	json_decref(st);
	json_decref(hl);
	ctl_reply_free(&r);
	strbuf_free(&path);
	return rc;
}

/* What events --follow has seen. */
struct follow {
	bool json, seen;
	unsigned long long last;
};

static int
on_event(const char *line, size_t len, void *arg)
{
	struct follow *f = arg;
	struct strbuf text;
	json_t *ev;
	double id;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (!len)
		return 0; /* the keep-alive */
	ev = json_loadb(line, len, 0, NULL);
	if (!ev) {
		msg("skipped a line of the event stream that is not JSON");
		return 0;
	}
	if (!jget_num(ev, "id", &id) && id >= 0) {
		f->last = (unsigned long long)id;
		f->seen = true;
	}
	strbuf_init(&text, 0);
	if (f->json) {
		fwrite(line, 1, len, stdout);
		fputc('\n', stdout);
	} else if (!show_event_line(ev, &text)) {
		fwrite(text.data, 1, text.len, stdout);
	}
	fflush(stdout);
	strbuf_free(&text);
	json_decref(ev);
	return 0;
}

static int
cmd_follow(struct ctx *x)
{
	struct follow f = {.json = x->a.json, .last = x->a.since, .seen = x->a.has_since};
	struct ctl_reply r;
	struct strbuf path;
	char since[32], err[1024];
	int rc;

	strbuf_init(&path, 0);
	ctl_reply_init(&r);
	snprintf(since, sizeof(since), "%llu", x->a.since);
	rc = path_add(&path, "/api/v1/events?follow=1", NULL, NULL);
	if (!rc && x->a.has_since)
		rc = path_add(&path, "&since=", since, NULL);
	if (rc) {
		msg("%s", strerror(-rc));
		rc = CTL_EXIT_SERVER;
		goto out;
	}
	catch_signals();
	rc = ctl_stream(&x->c, path.data, FOLLOW_IDLE_S, on_event, &f, &r);
	if (stop_flag) {
		rc = 0;
	} else if (rc) {
		msg("%s", r.error);
		rc = CTL_EXIT_SERVER;
	} else if (r.status != 200) {
		/* The same message and code as any other error reply. */
		rc = ctl_exit_for_status(r.status);
		ctl_reply_message(r.status, r.body.data, r.body.len, err, sizeof(err));
		if (r.status == 401 && x->no_token[0])
			msg("%s (no token was sent: %s)", err, x->no_token);
		else
			msg("%s", err);
		if (!rc)
			rc = CTL_EXIT_SERVER;
	} else if (f.seen) {
		msg("the server ended the event stream after event %llu (resume with --since %llu)",
		    f.last, f.last);
		rc = CTL_EXIT_SERVER;
	} else {
		msg("the server ended the event stream");
		rc = CTL_EXIT_SERVER;
	}
out:
	ctl_reply_free(&r);
	strbuf_free(&path);
	return rc;
}

/*
 * The token: --token-file, else $RACKBOOT_TOKEN, else the default file
 * when it can be read. 0 (with or without a token), or the exit code.
 */
static int
find_token(struct ctx *x, char **token)
{
	const char *env = getenv("RACKBOOT_TOKEN"), *path = x->a.token_file;
	char err[300];
	bool loose;
	int rc;

	*token = NULL;
	if (!path && env && *env) {
		if (ctl_token_check(env, strlen(env))) {
			msg("RACKBOOT_TOKEN is not a token (1..1024 printable ASCII characters, "
			    "no spaces)");
			return CTL_EXIT_USAGE;
		}
		*token = strdup(env);
		return *token ? 0 : CTL_EXIT_SERVER;
	}
	if (!path)
		path = CTL_DEFAULT_TOKEN_FILE;
	rc = ctl_token_read(path, token, &loose, err, sizeof(err));
	if (rc && x->a.token_file) {
		msg("cannot use the token file %s", err);
		return CTL_EXIT_USAGE;
	}
	if (rc) {
		snprintf(x->no_token, sizeof(x->no_token), "%s", err);
		return 0;
	}
	if (loose)
		msg("warning: the token file %s can be read or written by group or others; "
		    "make it mode 0600",
		    path);
	return 0;
}

static int
run(struct ctx *x)
{
	switch (x->a.cmd) {
	case CTL_CMD_REINSTALL:
	case CTL_CMD_POWER:
	case CTL_CMD_RELOAD:
		return cmd_post(x);
	case CTL_CMD_EXPLAIN:
		return cmd_explain(x);
	case CTL_CMD_WATCH:
		return cmd_watch(x);
	case CTL_CMD_EVENTS:
		return x->a.follow ? cmd_follow(x) : cmd_get(x);
	default:
		return cmd_get(x);
	}
}

int
main(int argc, char **argv)
{
	const char *server = getenv("RACKBOOT_SERVER");
	char err[512], *token = NULL;
	struct strbuf help;
	struct ctx x;
	int rc;

	memset(&x, 0, sizeof(x));
	if (ctl_args_parse(argc, argv, &x.a, err, sizeof(err))) {
		msg("%s", err);
		fputs("Try 'rackbootctl --help'.\n", stderr);
		return CTL_EXIT_USAGE;
	}
	if (x.a.help) {
		strbuf_init(&help, 0);
		rc = ctl_help(&help, x.a.cmd);
		if (!rc)
			fputs(help.data, stdout);
		strbuf_free(&help);
		return rc ? CTL_EXIT_SERVER : CTL_EXIT_OK;
	}
	if (x.a.server || !server || !*server)
		server = x.a.server ? x.a.server : CTL_DEFAULT_SERVER;
	rc = find_token(&x, &token);
	if (rc)
		return rc;
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		msg("cannot initialise libcurl");
		rc = CTL_EXIT_SERVER;
		goto out;
	}
	rc = ctl_client_open(&x.c, server, token, x.a.timeout);
	if (rc) {
		if (rc == -EINVAL)
			msg("'%s' is not an http:// or https:// URL", server);
		else
			msg("out of memory");
		rc = rc == -EINVAL ? CTL_EXIT_USAGE : CTL_EXIT_SERVER;
		goto cleanup;
	}
	x.c.stop = &stop_flag;
	rc = run(&x);
	ctl_client_close(&x.c);
cleanup:
	curl_global_cleanup();
out:
	if (token)
		explicit_bzero(token, strlen(token));
	free(token);
	return rc;
}
