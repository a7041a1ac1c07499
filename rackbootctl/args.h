/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * args.h: rackbootctl's command line, parsed and checked without touching
 * the network, and the help text of every command.
 *
 * Options may come before or after the command (`rackbootctl --json hosts`
 * and `rackbootctl hosts --json` are the same); "--" ends the options.
 * Each option is either global or belongs to the commands that name it; a
 * command's option given to another is a usage error. Parsing keeps
 * pointers into argv; nothing is allocated.
 */
#ifndef RB_CTL_ARGS_H
#define RB_CTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

enum ctl_cmd {
	CTL_CMD_NONE,
	CTL_CMD_HELP,
	CTL_CMD_STATUS,
	CTL_CMD_HOSTS,
	CTL_CMD_HOST,
	CTL_CMD_PROFILES,
	CTL_CMD_LEASES,
	CTL_CMD_REINSTALL,
	CTL_CMD_POWER,
	CTL_CMD_RELOAD,
	CTL_CMD_EXPLAIN,
	CTL_CMD_WATCH,
	CTL_CMD_EVENTS,
	CTL_CMD_COUNT
};

#define CTL_DEFAULT_SERVER "http://127.0.0.1:8081"
#define CTL_DEFAULT_TOKEN_FILE "/var/lib/rackboot/api.token"

struct ctl_args {
	enum ctl_cmd cmd;
	bool help; /* print cmd's help (CTL_CMD_NONE: the overview) */
	/* global */
	const char *server;	/* --server, NULL when not given */
	const char *token_file; /* --token-file, NULL when not given */
	bool json;
	double timeout; /* seconds, default 10 */
	/* per command */
	bool yes, power_cycle, once, follow;
	double interval;	  /* watch, seconds, default 1 */
	const char *state;	  /* leases --state */
	unsigned long long since; /* events --since */
	bool has_since;
	const char *arg[2]; /* the command's operands, in order; NULL when absent */
	unsigned nargs;
};

/*
 * Parse argv[1..argc) into a. 0, or -EINVAL with a one-line reason in err
 * (a usage error: exit 2). On success with a->help false, a->cmd is a
 * command other than NONE and HELP, its operands are all there, and the
 * checks that need no server have passed (values in range, `all` with
 * --yes where it must be).
 */
int ctl_args_parse(int argc, char *const argv[], struct ctl_args *a, char *err, size_t errlen);

/* The command's name ("hosts"), or NULL for NONE and unknown values. */
const char *ctl_cmd_name(enum ctl_cmd cmd);

/*
 * The help text of cmd (CTL_CMD_NONE or CTL_CMD_HELP: the overview of
 * every command, the global options, selectors, exit codes and the
 * environment). 0 or -E2BIG/-ENOMEM from the buffer.
 */
int ctl_help(struct strbuf *out, enum ctl_cmd cmd);

/* Whether a selector has the term `all` (terms are comma-separated). */
bool ctl_selects_all(const char *selector);

#endif
