/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * power_ipmi.c: the ipmi power driver (power.h), by running
 *   ipmitool -I lanplus -H ADDRESS [-C CIPHER_SUITE] [-U USERNAME] \
 *            -f PASSWORD_FILE -v chassis power on|off|cycle|status
 * (Debian package ipmitool, found in PATH). ipmitool reads the password
 * from the file itself: it is never on a command line or in this process.
 *
 * -v: ipmitool 1.8.19 says why an RMCP+ session could not be opened
 * ("RAKP 2 HMAC is invalid" for a wrong password, "unauthorized name" for
 * an unknown user) only at verbosity 1; without it every failure is the
 * same "Unable to establish IPMI v2 / RMCP+ session", also printed for a
 * BMC that does not answer. The extra lines go to stderr only; stdout,
 * which status is read from, is the same.
 *
 * -C: without it ipmitool asks the BMC for its cipher suites before the
 * session (Get Channel Cipher Suites) and takes 17 when offered, else 3.
 * Some BMCs (OpenIPMI's ipmi_sim among them) ignore that question, and
 * ipmitool waits ~10 s for it on every call before falling back to 3;
 * the host's cipher_suite (config) skips the question.
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
 * RMCP+ session set-up failures (ipmitool's stderr at -v) that mean the
 * BMC refused these credentials: RAKP is the key exchange that proves the
 * password. "Unable to establish ... session" alone also follows a BMC
 * that does not answer, so it is not among them.
 */
static const char *const auth_errors[] = {
    "RAKP 2 HMAC is invalid",	     /* the password (our check of the BMC's proof) */
    "invalid integrity check value", /* the password (the BMC's check of ours) */
    "unauthorized name",	     /* the user */
    "unauthorized role",	     /* the user's privilege */
};

/* Failures that mean the BMC does not take the cipher suite, whoever logs
 * in: naming the credentials would send the operator the wrong way. */
static const char *const cipher_errors[] = {
    "invalid authentication algorithm",	 "invalid integrity algorithm",
    "invalid confidentiality algorithm", "no matching authentication algorithm",
    "no matching integrity payload",	 "no matching cipher suite",
    "Unsupported cipher suite ID",
};

static bool
has_any(const char *err, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcasestr(err, list[i]))
			return true;
	return false;
}

#define HAS_ANY(err, list) has_any(err, list, sizeof(list) / sizeof(list[0]))

/* -v's first line on every run says nothing about a failure: out of the
 * message, to leave it room for the reason. */
static void
drop_banner(struct power_proc *p)
{
	static const char banner[] = "Loading IANA PEN Registry...\n";
	char *b = strstr(p->err, banner);

	if (b) {
		memmove(b, b + strlen(banner), strlen(b + strlen(banner)) + 1);
		p->err_len -= strlen(banner);
	}
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
	char *argv[20], *env[] = {"PATH=" IPMI_PATH, "LC_ALL=C", NULL}, cipher[12];
	size_t n = 0;
	int rc;

	argv[n++] = "ipmitool";
	argv[n++] = "-I";
	argv[n++] = "lanplus";
	argv[n++] = "-H";
	argv[n++] = (char *)t->address;
	if (t->cipher_suite) {
		snprintf(cipher, sizeof(cipher), "%u", t->cipher_suite);
		argv[n++] = "-C";
		argv[n++] = cipher;
	}
	if (t->username && *t->username) {
		argv[n++] = "-U";
		argv[n++] = (char *)t->username;
	}
	argv[n++] = "-f";
	argv[n++] = (char *)t->password_file;
	argv[n++] = "-v";
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

		drop_banner(p);
		power_proc_explain(p, "ipmitool", why, sizeof(why));
		if (HAS_ANY(p->err, auth_errors)) {
			snprintf(msg, cap,
				 "authentication failed at %s (user, password or privilege): %s",
				 t->address, why);
			return -EACCES;
		}
		if (HAS_ANY(p->err, cipher_errors)) {
			if (t->cipher_suite)
				snprintf(msg, cap, "%s does not take cipher suite %u: %s",
					 t->address, t->cipher_suite, why);
			else
				snprintf(msg, cap,
					 "%s does not take the cipher suite ipmitool chose (set "
					 "cipher_suite): %s",
					 t->address, why);
			return -EIO;
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
