/* SPDX-License-Identifier: BSD-3-Clause */
/* args.c: rackbootctl's option and command tables, the parser and the help. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

enum opt_id {
	OPT_SERVER,
	OPT_TOKEN_FILE,
	OPT_JSON,
	OPT_TIMEOUT,
	OPT_HELP,
	OPT_STATE,
	OPT_YES,
	OPT_POWER_CYCLE,
	OPT_ONCE,
	OPT_INTERVAL,
	OPT_SINCE,
	OPT_FOLLOW,
};

#define CMD_BIT(c) (1u << (c))
#define GLOBAL 0u

static const struct opt {
	const char *name; /* without the dashes */
	char short_name;
	bool has_arg;
	unsigned cmds; /* commands that take it; GLOBAL: all */
	const char *arg_name, *help;
} opts[] = {
    [OPT_SERVER] = {"server", 0, true, GLOBAL, "URL",
		    "the API's base URL (default: $RACKBOOT_SERVER, else\n" CTL_DEFAULT_SERVER ")"},
    [OPT_TOKEN_FILE] = {"token-file", 0, true, GLOBAL, "PATH",
			"read the API token from PATH (default: $RACKBOOT_TOKEN,\n"
			"else " CTL_DEFAULT_TOKEN_FILE " when it can be read)"},
    [OPT_JSON] = {"json", 0, false, GLOBAL, NULL,
		  "print the server's JSON instead of tables and sentences"},
    [OPT_TIMEOUT] = {"timeout", 0, true, GLOBAL, "S",
		     "give up on a request after S seconds\n(default 10; 0 < S <= 3600)"},
    [OPT_HELP] = {"help", 'h', false, GLOBAL, NULL, "print the help (of the command) and exit"},
    [OPT_STATE] = {"state", 0, true, CMD_BIT(CTL_CMD_LEASES), "S",
		   "only leases in state S: bound, released, declined or expired"},
    [OPT_YES] = {"yes", 0, false, CMD_BIT(CTL_CMD_REINSTALL) | CMD_BIT(CTL_CMD_POWER), NULL,
		 "confirm an action on every host (a selector with the term all)"},
    [OPT_POWER_CYCLE] = {"power-cycle", 0, false, CMD_BIT(CTL_CMD_REINSTALL), NULL,
			 "also power-cycle the hosts so that they boot now"},
    [OPT_ONCE] = {"once", 0, false, CMD_BIT(CTL_CMD_WATCH), NULL,
		  "print one frame, without escape codes, and exit"},
    [OPT_INTERVAL] = {"interval", 0, true, CMD_BIT(CTL_CMD_WATCH), "S",
		      "seconds between polls (default 1; 0.1 <= S <= 3600)"},
    [OPT_SINCE] = {"since", 0, true, CMD_BIT(CTL_CMD_EVENTS), "ID",
		   "only events after the event numbered ID"},
    [OPT_FOLLOW] = {"follow", 0, false, CMD_BIT(CTL_CMD_EVENTS), NULL,
		    "keep printing events as they happen, until interrupted"},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static const char exit_codes[] =
    "Exit codes:\n"
    "  0  ok\n"
    "  1  the command ran but part of it failed (power: some hosts failed)\n"
    "  2  usage error, or the server refused the request (400, 405, 413)\n"
    "  3  not found (404: no such host, no such path)\n"
    "  4  authentication or authorisation failed (401, 403): no token or a wrong one\n"
    "  5  the server cannot be reached, timed out or failed (5xx)\n";

static const struct cmd {
	const char *name;
	unsigned min_args, max_args;
	const char *synopsis; /* operands and options */
	const char *summary;  /* one line, for the overview */
	const char *text;     /* the paragraph */
	const char *exits;    /* what the exit codes mean here, when more than the list */
} cmds[CTL_CMD_COUNT] = {
    [CTL_CMD_HELP] = {"help", 0, 1, "[COMMAND]", "print the help of a command", NULL, NULL},
    [CTL_CMD_STATUS] = {"status", 0, 0, "", "the server's summary",
			"The server's address, version and uptime; hosts per state and per\n"
			"phase; failures per reason class; the aggregate transfer rate over the\n"
			"last ~5 s; the estimated time until the hosts now booting or installing\n"
			"are done; the bound leases.\n",
			NULL},
    [CTL_CMD_HOSTS] = {"hosts", 0, 1, "[SELECTOR]", "list the hosts",
		       "The hosts SELECTOR picks (default: all) as a table: NAME MAC IP\n"
		       "PROFILE STATE PHASE PROGRESS SINCE REASON. SINCE is the time in the\n"
		       "current state; PROGRESS the file being sent, in MB (10^6 bytes).\n",
		       "2 for a bad selector.\n"},
    [CTL_CMD_HOST] = {"host", 1, 1, "NAME", "one host and its event timeline",
		      "Every field of the host NAME, then its events oldest first: time,\n"
		      "kind, the state change (from -> to), phase and detail.\n",
		      "3 when there is no host NAME.\n"},
    [CTL_CMD_PROFILES] = {"profiles", 0, 0, "", "list the profiles",
			  "The profiles: name, whether they install (one-shot) or boot the\n"
			  "local disk, kernel, initrds and templates.\n",
			  NULL},
    [CTL_CMD_LEASES] = {"leases", 0, 0, "[--state S]", "list the DHCP leases",
			"The DHCP leases: address, state, MAC, client id, host name, and the\n"
			"time left until they expire.\n",
			NULL},
    [CTL_CMD_REINSTALL] = {"reinstall", 1, 1, "SELECTOR [--power-cycle] [--yes]",
			   "mark hosts for reinstallation",
			   "Mark the hosts SELECTOR picks for reinstallation: their next network\n"
			   "boot runs their installer. With --power-cycle the server also\n"
			   "power-cycles them so that they boot now. Prints the hosts marked. A\n"
			   "selector with the term all needs --yes.\n",
			   "2 for a bad selector, or all without --yes (nothing is sent).\n"},
    [CTL_CMD_POWER] = {"power", 2, 2, "ACTION SELECTOR [--yes]", "power the hosts on, off, ...",
		       "ACTION is on, off, cycle or status. status asks each host's BMC and\n"
		       "prints HOST STATE ERROR; on, off and cycle are queued by the server and\n"
		       "the hosts queued are printed. off and cycle with a selector that has\n"
		       "the term all need --yes.\n",
		       "1 when status failed for some hosts; 2 for a bad action or selector, or\n"
		       "off/cycle of all without --yes (nothing is sent).\n"},
    [CTL_CMD_RELOAD] = {"reload", 0, 0, "", "re-read the configuration",
			"Ask rackboot to re-read its configuration (profiles, groups, hosts,\n"
			"templates). When the new one is invalid the server keeps the old one\n"
			"and the message names the file, line and column.\n",
			"2 when the configuration is invalid.\n"},
    [CTL_CMD_EXPLAIN] = {"explain", 1, 2, "MAC [ARCH]", "what a machine would boot, and why",
			 "What the machine with this MAC would boot (profile, group, variables,\n"
			 "boot config) and why, without booting it. ARCH: bios, efi-ia32,\n"
			 "efi-x64, efi-arm64, http-x64 or http-arm64.\n",
			 "2 for a bad MAC or ARCH.\n"},
    [CTL_CMD_WATCH] = {"watch", 0, 1, "[SELECTOR] [--once] [--interval S]",
		       "a live view of the rack",
		       "A live view of the hosts SELECTOR picks (default: all): a header\n"
		       "(server, hosts per state and phase, throughput in MB/s, ETA), one line\n"
		       "per host (state, phase, time in state, progress: a bar for a file of\n"
		       "known size, a running count of MB otherwise), then the failed hosts\n"
		       "with their reasons. On a terminal it redraws in place every --interval\n"
		       "seconds until Ctrl-C; otherwise it prints plain frames separated by a\n"
		       "blank line. --once prints one frame with no escape codes and exits.\n"
		       "When the hosts do not fit the terminal's rows, the hosts that are\n"
		       "moving (reinstall-pending, booting, installing) are shown first, then\n"
		       "the failed ones, then the rest, in the server's order, and one line says\n"
		       "how many more there are per state; the failed section keeps about a\n"
		       "third of the rows. Without a terminal the size comes from $LINES and\n"
		       "$COLUMNS when set, else the frame is not limited. A poll that fails\n"
		       "with 5 (server unreachable, 5xx) is shown in the header and retried.\n",
		       "0 after Ctrl-C or SIGTERM.\n"},
    [CTL_CMD_EVENTS] = {"events", 0, 0, "[--since ID] [--follow]", "the provisioning events",
			"The events the server keeps (state changes, phases, failures) after\n"
			"event ID (default: all): ID, time, host, kind, from -> to, phase and\n"
			"detail. --follow then prints each new event as it happens, until\n"
			"Ctrl-C.\n",
			"With --follow: 0 after Ctrl-C or SIGTERM; 5 when the server ends the\n"
			"stream (the message says after which event: resume with --since).\n"},
};

const char *
ctl_cmd_name(enum ctl_cmd cmd)
{
	if (cmd <= CTL_CMD_NONE || cmd >= CTL_CMD_COUNT)
		return NULL;
	return cmds[cmd].name;
}

static enum ctl_cmd
cmd_lookup(const char *name)
{
	int c;

	for (c = CTL_CMD_NONE + 1; c < CTL_CMD_COUNT; c++)
		if (!strcmp(cmds[c].name, name))
			return (enum ctl_cmd)c;
	return CTL_CMD_NONE;
}

bool
ctl_selects_all(const char *sel)
{
	const char *p = sel;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 3 && !memcmp(p, "all", 3))
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A usage error: the reason into err, and -EINVAL. */
static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* s as a number in [lo, hi]: 0 or -EINVAL. */
static int
parse_seconds(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return -EINVAL;
	*out = v;
	return 0;
}

static bool
one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* Find the option argv names ("--name", "--name=v" or "-h"); its value in *val. */
static int
opt_lookup(const char *arg, const char **val)
{
	size_t i, n;

	*val = NULL;
	if (arg[1] != '-') {
		for (i = 0; i < NOPTS; i++)
			if (opts[i].short_name && arg[1] == opts[i].short_name && !arg[2])
				return (int)i;
		return -1;
	}
	arg += 2;
	n = strcspn(arg, "=");
	for (i = 0; i < NOPTS; i++)
		if (strlen(opts[i].name) == n && !memcmp(opts[i].name, arg, n)) {
			if (arg[n] == '=')
				*val = arg + n + 1;
			return (int)i;
		}
	return -1;
}

static int
set_opt(struct ctl_args *a, enum opt_id id, const char *v, char *err, size_t errlen)
{
	static const char *const lease_states[] = {"bound", "released", "declined", "expired",
						   NULL};
	char *end;

	switch (id) {
	case OPT_SERVER:
		a->server = v;
		break;
	case OPT_TOKEN_FILE:
		a->token_file = v;
		break;
	case OPT_JSON:
		a->json = true;
		break;
	case OPT_TIMEOUT:
		if (parse_seconds(v, 0, 3600, &a->timeout) || a->timeout == 0)
			return fail(err, errlen,
				    "--timeout: '%s' is not a number of seconds in "
				    "(0, 3600]",
				    v);
		break;
	case OPT_HELP:
		a->help = true;
		break;
	case OPT_STATE:
		if (!one_of(v, lease_states))
			return fail(err, errlen,
				    "--state: '%s' is not one of bound, released, "
				    "declined, expired",
				    v);
		a->state = v;
		break;
	case OPT_YES:
		a->yes = true;
		break;
	case OPT_POWER_CYCLE:
		a->power_cycle = true;
		break;
	case OPT_ONCE:
		a->once = true;
		break;
	case OPT_INTERVAL:
		if (parse_seconds(v, 0.1, 3600, &a->interval))
			return fail(err, errlen,
				    "--interval: '%s' is not a number of seconds in "
				    "[0.1, 3600]",
				    v);
		break;
	case OPT_SINCE:
		errno = 0;
		a->since = strtoull(v, &end, 10);
		if (errno || end == v || *end || *v < '0' || *v > '9')
			return fail(err, errlen, "--since: '%s' is not an event id", v);
		a->has_since = true;
		break;
	case OPT_FOLLOW:
		a->follow = true;
		break;
	}
	return 0;
}

/* The checks that need the command and all its operands. */
static int
check_cmd(struct ctl_args *a, char *err, size_t errlen)
{
	static const char *const actions[] = {"on", "off", "cycle", "status", NULL};
	const struct cmd *c = &cmds[a->cmd];
	size_t i;

	if (a->nargs < c->min_args)
		return fail(err, errlen, "%s: missing operand (%s %s)", c->name, c->name,
			    c->synopsis);
	if (a->nargs > c->max_args)
		return fail(err, errlen, "%s: too many operands (%s %s)", c->name, c->name,
			    c->synopsis);
	for (i = 0; i < a->nargs; i++)
		if (!a->arg[i][0])
			return fail(err, errlen, "%s: empty operand", c->name);
	switch (a->cmd) {
	case CTL_CMD_REINSTALL:
		if (ctl_selects_all(a->arg[0]) && !a->yes)
			return fail(err, errlen,
				    "reinstall: the selector '%s' picks every host; "
				    "add --yes to reinstall them all",
				    a->arg[0]);
		break;
	case CTL_CMD_POWER:
		if (!one_of(a->arg[0], actions))
			return fail(err, errlen, "power: '%s' is not one of on, off, cycle, status",
				    a->arg[0]);
		if ((!strcmp(a->arg[0], "off") || !strcmp(a->arg[0], "cycle")) &&
		    ctl_selects_all(a->arg[1]) && !a->yes)
			return fail(err, errlen,
				    "power %s: the selector '%s' picks every host; "
				    "add --yes to confirm",
				    a->arg[0], a->arg[1]);
		break;
	default:
		break;
	}
	return 0;
}

int
ctl_args_parse(int argc, char *const argv[], struct ctl_args *a, char *err, size_t errlen)
{
	const char *vals[NOPTS] = {0};
	bool opts_done = false;
	unsigned seen = 0;
	int i, rc;

	memset(a, 0, sizeof(*a));
	a->timeout = 10;
	a->interval = 1;
	for (i = 1; i < argc; i++) {
		const char *s = argv[i], *val;
		int id;

		if (opts_done || s[0] != '-' || !s[1]) {
			if (a->cmd == CTL_CMD_NONE) {
				a->cmd = cmd_lookup(s);
				if (a->cmd == CTL_CMD_NONE)
					return fail(err, errlen, "'%s' is not a command", s);
			} else if (a->nargs < 2) {
				a->arg[a->nargs++] = s;
			} else {
				return fail(err, errlen, "%s: too many operands",
					    cmds[a->cmd].name);
			}
			continue;
		}
		if (!strcmp(s, "--")) {
			opts_done = true;
			continue;
		}
		id = opt_lookup(s, &val);
		if (id < 0)
			return fail(err, errlen, "unknown option '%s'", s);
		if (opts[id].has_arg && !val) {
			if (i + 1 >= argc)
				return fail(err, errlen, "--%s needs a value (%s)", opts[id].name,
					    opts[id].arg_name);
			val = argv[++i];
		} else if (!opts[id].has_arg && val) {
			return fail(err, errlen, "--%s takes no value", opts[id].name);
		}
		vals[id] = val;
		seen |= 1u << id;
	}
	if (a->cmd == CTL_CMD_HELP) {
		/* `help CMD` is `CMD --help`. */
		seen |= 1u << OPT_HELP;
		a->cmd = CTL_CMD_NONE;
		if (a->nargs > 1)
			return fail(err, errlen, "help: too many operands (help [COMMAND])");
		if (a->nargs) {
			a->cmd = cmd_lookup(a->arg[0]);
			if (a->cmd == CTL_CMD_NONE)
				return fail(err, errlen, "help: '%s' is not a command", a->arg[0]);
			a->nargs = 0;
			a->arg[0] = NULL;
		}
	}
	if (seen & (1u << OPT_HELP)) {
		a->help = true;
		return 0;
	}
	if (a->cmd == CTL_CMD_NONE)
		return fail(err, errlen, "no command given");
	/* Options only now: whether one belongs to the command is known. */
	for (i = 0; i < (int)NOPTS; i++) {
		if (!(seen & (1u << i)))
			continue;
		if (opts[i].cmds != GLOBAL && !(opts[i].cmds & CMD_BIT(a->cmd)))
			return fail(err, errlen, "%s: --%s is not one of its options",
				    cmds[a->cmd].name, opts[i].name);
		rc = set_opt(a, (enum opt_id)i, vals[i], err, errlen);
		if (rc)
			return rc;
	}
	return check_cmd(a, err, errlen);
}

/* The options of mask's commands (0: the global ones), one or more lines each. */
static int
help_opts(struct strbuf *out, unsigned mask)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < NOPTS; i++) {
		const struct opt *o = &opts[i];
		const char *h = o->help, *nl;
		char left[40];

		if (mask ? !(o->cmds & mask) : o->cmds != GLOBAL)
			continue;
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s", o->short_name, o->name);
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
				 o->arg_name ? " " : "", o->arg_name ? o->arg_name : "");
		rc = strbuf_addf(out, "  %-22s ", left);
		/* Continuation lines of the help line up under its first. */
		while (!rc && (nl = strchr(h, '\n'))) {
			rc = strbuf_addf(out, "%.*s\n%25s", (int)(nl - h), h, "");
			h = nl + 1;
		}
		rc = rc ? rc : strbuf_addf(out, "%s\n", h);
	}
	return rc;
}

int
ctl_help(struct strbuf *out, enum ctl_cmd cmd)
{
	const struct cmd *c;
	bool any = false;
	int rc, i;

	if (cmd <= CTL_CMD_HELP || cmd >= CTL_CMD_COUNT) {
		rc = strbuf_adds(out,
				 "usage: rackbootctl [OPTIONS] COMMAND [ARGS]\n"
				 "The operator's client of rackboot's HTTP API.\n\nCommands:\n");
		for (i = CTL_CMD_HELP; !rc && i < CTL_CMD_COUNT; i++) {
			char left[64];

			snprintf(left, sizeof(left), "%s %s", cmds[i].name, cmds[i].synopsis);
			rc = strbuf_addf(out, "  %-42s %s\n", left, cmds[i].summary);
		}
		if (!rc)
			rc = strbuf_adds(out, "\nGlobal options (before or after the command):\n");
		if (!rc)
			rc = help_opts(out, 0);
		if (!rc)
			rc = strbuf_adds(
			    out,
			    "\nSelectors: a comma-separated union of terms: all, a host name,\n"
			    "mac:MAC, group:NAME, label:KEY=VALUE, profile:NAME, state:STATE.\n"
			    "States: unknown, ready, reinstall-pending, booting, installing,\n"
			    "installed, local-boot, failed.\n\n"
			    "Environment: RACKBOOT_SERVER (the URL), RACKBOOT_TOKEN (the token\n"
			    "itself; --token-file wins over it). The token is sent when there is "
			    "one;\n"
			    "the server needs it for every POST, and for GETs from other "
			    "hosts.\n\n");
		return rc ? rc : strbuf_adds(out, exit_codes);
	}
	c = &cmds[cmd];
	rc = strbuf_addf(out, "usage: rackbootctl [OPTIONS] %s%s%s\n\n%s", c->name,
			 c->synopsis[0] ? " " : "", c->synopsis, c->text ? c->text : "");
	for (i = 0; i < (int)NOPTS; i++)
		any |= (opts[i].cmds & CMD_BIT(cmd)) != 0;
	if (!rc && any) {
		rc = strbuf_adds(out, "\nOptions:\n");
		if (!rc)
			rc = help_opts(out, CMD_BIT(cmd));
	}
	if (!rc)
		rc = strbuf_adds(out, "\nGlobal options: --server URL, --token-file PATH, --json, "
				      "--timeout S (rackbootctl --help).\n\n");
	if (!rc)
		rc = strbuf_adds(out, exit_codes);
	if (!rc && c->exits)
		rc = strbuf_addf(out, "For %s: %s", c->name, c->exits);
	return rc;
}
