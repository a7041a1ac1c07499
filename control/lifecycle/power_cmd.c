/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * power_cmd.c: the command power driver (power.h): an operator's program
 * (a PDU's CLI wrapper, a script for a hypervisor) run without a shell.
 *
 * The configured command is split on blanks, never interpreted: no
 * quoting, no globbing, no variables, so a host name cannot become shell
 * syntax. The action is the last argument; the program learns which
 * machine from its environment, which holds nothing else of the control
 * process's (no credentials, no sockets):
 *   PATH                      a fixed system PATH
 *   RACKBOOT_ACTION           on | off | cycle | status
 *   RACKBOOT_HOST, _MAC, _IP  the machine (empty when not known)
 *   RACKBOOT_POWER_ADDRESS, RACKBOOT_POWER_USERNAME,
 *   RACKBOOT_POWER_PASSWORD_FILE   the host's power settings, when given
 * Exit status 0 is success; for status the first word on stdout, "on" or
 * "off" (any case), is the answer, anything else "unknown".
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "power_drv.h"

#define CMD_MAX 4096 /* the command line */
#define ARGS_MAX 32  /* its words, the action included */
#define ENV_MAX 8

/* Split t->command (a copy in buf) on blanks into argv, the action last. */
static int
split(const char *command, enum power_action a, char *buf, char *argv[ARGS_MAX + 1])
{
	size_t argc = 0;
	char *save = NULL;

	if (!command || snprintf(buf, CMD_MAX, "%s", command) >= CMD_MAX)
		return -EINVAL;
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (argc == ARGS_MAX - 1)
			return -E2BIG;
		argv[argc++] = w;
	}
	if (!argc || argv[0][0] != '/')
		return -EINVAL;
	argv[argc++] = (char *)power_action_name(a);
	argv[argc] = NULL;
	return 0;
}

/* What one run needs besides the stack (the environment's text, the
 * captured output: ~40 KiB). */
struct cmd_run {
	char vars[ENV_MAX][CMD_MAX];
	char *env[ENV_MAX + 1];
	size_t n_env;
	struct power_proc proc;
};

/* "NAME=value" into the next environment slot. */
static void
env_add(struct cmd_run *r, const char *name, const char *val)
{
	if (r->n_env >= ENV_MAX)
		return;
	snprintf(r->vars[r->n_env], CMD_MAX, "%s=%s", name, val ? val : "");
	r->env[r->n_env] = r->vars[r->n_env];
	r->env[++r->n_env] = NULL;
}

/* The first word of s is "on" or "off": that, else "unknown". */
static const char *
state_word(const char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strcspn(s, " \t\r\n");
	if (n == 2 && strncasecmp(s, "on", 2) == 0)
		return "on";
	if (n == 3 && strncasecmp(s, "off", 3) == 0)
		return "off";
	return "unknown";
}

int
power_cmd(const struct power_target *t, enum power_action a, int64_t deadline_ms, char *msg,
	  size_t cap)
{
	char buf[CMD_MAX], *argv[ARGS_MAX + 1];
	struct cmd_run *r;
	int rc;

	rc = split(t->command, a, buf, argv);
	if (rc) {
		snprintf(msg, cap, "command: '%.64s' is not an absolute path and at most %d words",
			 t->command ? t->command : "", ARGS_MAX - 1);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(msg, cap, "command: out of memory");
		return -ENOMEM;
	}
	env_add(r, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	env_add(r, "RACKBOOT_ACTION", power_action_name(a));
	env_add(r, "RACKBOOT_HOST", t->host);
	env_add(r, "RACKBOOT_MAC", t->mac);
	env_add(r, "RACKBOOT_IP", t->ip);
	if (t->address && *t->address)
		env_add(r, "RACKBOOT_POWER_ADDRESS", t->address);
	if (t->username && *t->username)
		env_add(r, "RACKBOOT_POWER_USERNAME", t->username);
	if (t->password_file && *t->password_file)
		env_add(r, "RACKBOOT_POWER_PASSWORD_FILE", t->password_file);

	rc = power_spawn(argv, r->env, deadline_ms, &r->proc);
	if (rc == -ETIMEDOUT)
		snprintf(msg, cap, "command %s: timed out (process group killed)", argv[0]);
	else if (rc)
		snprintf(msg, cap, "command %s: cannot run: %s", argv[0], strerror(-rc));
	else if (r->proc.status != 0) {
		power_proc_explain(&r->proc, argv[0], msg, cap);
		rc = -EIO;
	} else
		snprintf(msg, cap, "%s", a == POWER_STATUS ? state_word(r->proc.out) : "ok");
	free(r);
	return rc;
}
