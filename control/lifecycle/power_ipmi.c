/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * power_ipmi.c: the ipmi power driver (power.h), by running
 *   ipmitool -I lanplus -H ADDRESS [-U USERNAME] -f PASSWORD_FILE \
 *            chassis power on|off|cycle|status
 * (Debian package ipmitool, found in PATH). ipmitool reads the password
 * from the file itself: it is never on a command line or in this process.
 *
 * cycle on a machine that is off: many BMCs refuse it ("Command not
 * supported in present state"), and what the operator means is "make it
 * boot". So cycle asks for the state first and sends "on" when the
 * machine is off, "cycle" otherwise (also when the state is unknown).
 * Asking first, rather than retrying after the refusal, does not depend on
 * any BMC's wording of the error; it costs one round trip.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "power_drv.h"

#define IPMI_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * RMCP+ session set-up failures that mean "wrong user or password"
 * (RAKP is the key exchange that proves the password); ipmitool prints
 * them to stderr. "Unable to establish ... session" alone also follows a
 * BMC that does not answer, so it is not among them.
 */
static const char *const auth_errors[] = {
    "RAKP 2 HMAC is invalid",
    "RAKP 4 HMAC is invalid",
    "unauthorized name",
    "invalid authentication algorithm",
    "insufficient resources for session",
    "Authentication type not supported",
    "invalid integrity check value",
    "unauthorized role or privilege",
};

static bool
is_auth_error(const char *err)
{
	for (size_t i = 0; i < sizeof(auth_errors) / sizeof(auth_errors[0]); i++)
		if (strcasestr(err, auth_errors[i]))
			return true;
	return false;
}

/* "Chassis Power is on" / "... off" in ipmitool's stdout. */
static const char *
parse_state(const char *out)
{
	const char *s = strstr(out, "Chassis Power is ");

	if (!s)
		return "unknown";
	s += strlen("Chassis Power is ");
	if (strncmp(s, "on", 2) == 0 && (s[2] == '\0' || s[2] == '\n' || s[2] == '\r'))
		return "on";
	if (strncmp(s, "off", 3) == 0 && (s[3] == '\0' || s[3] == '\n' || s[3] == '\r'))
		return "off";
	return "unknown";
}

/* One "chassis power VERB"; for status the state into msg. */
static int
ipmitool(const struct power_target *t, const char *verb, int64_t deadline_ms, struct power_proc *p,
	 char *msg, size_t cap)
{
	char *argv[16], *env[] = {"PATH=" IPMI_PATH, "LC_ALL=C", NULL};
	size_t n = 0;
	int rc;

	argv[n++] = "ipmitool";
	argv[n++] = "-I";
	argv[n++] = "lanplus";
	argv[n++] = "-H";
	argv[n++] = (char *)t->address;
	if (t->username && *t->username) {
		argv[n++] = "-U";
		argv[n++] = (char *)t->username;
	}
	argv[n++] = "-f";
	argv[n++] = (char *)t->password_file;
	argv[n++] = "chassis";
	argv[n++] = "power";
	argv[n++] = (char *)verb;
	argv[n] = NULL;

	rc = power_spawn(argv, env, deadline_ms, p);
	if (rc == -ETIMEDOUT) {
		snprintf(msg, cap, "ipmitool chassis power %s on %s: timed out", verb, t->address);
		return rc;
	}
	if (rc) {
		snprintf(msg, cap, "ipmitool: cannot run: %s%s", strerror(-rc),
			 rc == -ENOENT ? " (install the ipmitool package)" : "");
		return rc;
	}
	if (p->status != 0) {
		char why[POWER_MSG_MAX];

		power_proc_explain(p, "ipmitool", why, sizeof(why));
		if (is_auth_error(p->err)) {
			snprintf(msg, cap, "authentication failed at %s (user or password): %s",
				 t->address, why);
			return -EACCES;
		}
		snprintf(msg, cap, "%s", why);
		return -EIO;
	}
	snprintf(msg, cap, "%s", strcmp(verb, "status") == 0 ? parse_state(p->out) : "ok");
	return 0;
}

int
power_ipmi(const struct power_target *t, enum power_action a, int64_t deadline_ms, char *msg,
	   size_t cap)
{
	struct power_proc *p = malloc(sizeof(*p));
	int rc;

	if (!p) {
		snprintf(msg, cap, "ipmi: out of memory");
		return -ENOMEM;
	}
	if (a == POWER_CYCLE) {
		rc = ipmitool(t, "status", deadline_ms, p, msg, cap);
		if (rc)
			goto out;
		if (strcmp(msg, "off") == 0) {
			rc = ipmitool(t, "on", deadline_ms, p, msg, cap);
			if (!rc)
				snprintf(msg, cap, "was off: powered on");
			goto out;
		}
	}
	rc = ipmitool(t, power_action_name(a), deadline_ms, p, msg, cap);
out:
	free(p);
	return rc;
}
