/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * power.c: one power action, now (power_run()), and a target from a
 * configured host (power.h). The checks every driver would otherwise
 * repeat are made here once; the drivers do the talking.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "power_drv.h"
#include "provision/inventory.h"

_Static_assert((int)POWER_IPMI == INV_POWER_IPMI && (int)POWER_REDFISH == INV_POWER_REDFISH &&
		   (int)POWER_COMMAND == INV_POWER_COMMAND && (int)POWER_NONE == INV_POWER_NONE,
	       "enum power_driver follows enum inv_power_driver");

/* A longer timeout than any config allows is a caller's mistake. */
#define TIMEOUT_MAX_S 3600

int
power_target_from_host(const struct inv_host *h, struct power_target *t)
{
	const struct inv_power *p = &h->power;

	memset(t, 0, sizeof(*t));
	if (p->driver == INV_POWER_NONE)
		return -ENODEV;
	t->host = h->name;
	snprintf(t->mac, sizeof(t->mac), "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1],
		 h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
	if (h->ip)
		inet_ntop(AF_INET, &h->ip, t->ip, sizeof(t->ip));
	t->driver = (enum power_driver)p->driver;
	t->address = p->address;
	t->username = p->username;
	t->password_file = p->password_file;
	t->command = p->command;
	t->system_id = p->system_id;
	t->tls_insecure = p->tls_insecure != 0;
	t->cipher_suite = p->cipher_suite;
	return 0;
}

static bool
empty(const char *s)
{
	return !s || !*s;
}

/* What the target's driver needs is there; -EINVAL with msg otherwise. */
static int
check_target(const struct power_target *t, enum power_action a, char *msg, size_t cap)
{
	const char *host = empty(t->host) ? "?" : t->host;
	int fd;

	if ((unsigned)a >= POWER_N_ACTIONS) {
		snprintf(msg, cap, "%s: no such power action %d", host, (int)a);
		return -EINVAL;
	}
	switch (t->driver) {
	case POWER_IPMI:
	case POWER_REDFISH:
		if (empty(t->address) || empty(t->password_file) || t->password_file[0] != '/') {
			snprintf(msg, cap, "%s: %s needs an address and an absolute password_file",
				 host, power_driver_name(t->driver));
			return -EINVAL;
		}
		if (t->driver == POWER_REDFISH && strncmp(t->address, "https://", 8) != 0 &&
		    strncmp(t->address, "http://", 7) != 0) {
			snprintf(msg, cap, "%s: redfish address '%.64s' is not an http(s):// URL",
				 host, t->address);
			return -EINVAL;
		}
		if (t->driver == POWER_IPMI && t->cipher_suite > POWER_IPMI_CIPHER_MAX) {
			snprintf(msg, cap, "%s: ipmi cipher suite %u is not one of 1..%d", host,
				 t->cipher_suite, POWER_IPMI_CIPHER_MAX);
			return -EINVAL;
		}
		/* Say so plainly before a tool says it in its own words. */
		fd = open(t->password_file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(msg, cap, "%s: cannot read password_file %s: %s", host,
				 t->password_file, strerror(errno));
			return -EACCES;
		}
		close(fd);
		return 0;
	case POWER_COMMAND:
		if (empty(t->command) || t->command[0] != '/') {
			snprintf(msg, cap, "%s: the command driver needs an absolute command",
				 host);
			return -EINVAL;
		}
		return 0;
	default:
		snprintf(msg, cap, "%s: no power driver", host);
		return -EINVAL;
	}
}

int
power_run(const struct power_target *t, enum power_action a, char *msg, size_t cap,
	  unsigned timeout_s)
{
	char buf[POWER_MSG_MAX];
	int64_t deadline;
	int rc;

	if (!cap)
		return -EINVAL;
	if (timeout_s == 0)
		timeout_s = POWER_TIMEOUT_DEFAULT_S;
	if (timeout_s > TIMEOUT_MAX_S)
		timeout_s = TIMEOUT_MAX_S;
	deadline = power_now_ms() + (int64_t)timeout_s * 1000;
	buf[0] = '\0';
	rc = check_target(t, a, buf, sizeof(buf));
	if (!rc) {
		switch (t->driver) {
		case POWER_IPMI:
			rc = power_ipmi(t, a, deadline, buf, sizeof(buf));
			break;
		case POWER_REDFISH:
			rc = power_redfish(t, a, deadline, buf, sizeof(buf));
			break;
		default:
			rc = power_cmd(t, a, deadline, buf, sizeof(buf));
			break;
		}
	}
	snprintf(msg, cap, "%s", buf);
	return rc;
}
