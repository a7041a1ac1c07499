/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * power_probe: one power action through rackboot's drivers (power_run()),
 * for the integration tests (tests/integration/test_power.sh).
 *
 *   power_probe ACTION key=value...
 *     ACTION  on | off | cycle | status
 *     keys    driver (ipmi|redfish|command), host, address, username,
 *             password_file, command, system_id, insecure (1: no TLS
 *             verification), cipher_suite (ipmi), mac, ip, timeout
 *             (seconds, default 10)
 *
 * Prints "rc=N msg=MESSAGE" (N: 0 or -errno) and exits 0 when the action
 * succeeded, 1 when it failed, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle/power.h"

static int
usage(void)
{
	fprintf(stderr, "usage: power_probe on|off|cycle|status driver=D [host=..] [address=..] "
			"[username=..] [password_file=..] [command=..] [system_id=..] "
			"[insecure=1] [cipher_suite=N] [mac=..] [ip=..] [timeout=S]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	static const char *const actions[] = {"on", "off", "cycle", "status"};
	static const char *const drivers[] = {"none", "ipmi", "redfish", "command"};
	struct power_target t = {.host = "probe"};
	char msg[POWER_MSG_MAX];
	unsigned timeout = 10;
	int a = -1, rc;

	if (argc < 3)
		return usage();
	for (int i = 0; i < 4; i++)
		if (strcmp(argv[1], actions[i]) == 0)
			a = i;
	if (a < 0)
		return usage();
	for (int i = 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		const char *k = argv[i], *v;

		if (!eq)
			return usage();
		*eq = '\0';
		v = eq + 1;
		if (strcmp(k, "driver") == 0) {
			for (int d = 0; d < 4; d++)
				if (strcmp(v, drivers[d]) == 0)
					t.driver = (enum power_driver)d;
		} else if (strcmp(k, "host") == 0)
			t.host = v;
		else if (strcmp(k, "address") == 0)
			t.address = v;
		else if (strcmp(k, "username") == 0)
			t.username = v;
		else if (strcmp(k, "password_file") == 0)
			t.password_file = v;
		else if (strcmp(k, "command") == 0)
			t.command = v;
		else if (strcmp(k, "system_id") == 0)
			t.system_id = v;
		else if (strcmp(k, "insecure") == 0)
			t.tls_insecure = strcmp(v, "1") == 0;
		else if (strcmp(k, "cipher_suite") == 0)
			t.cipher_suite = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(k, "mac") == 0)
			snprintf(t.mac, sizeof(t.mac), "%s", v);
		else if (strcmp(k, "ip") == 0)
			snprintf(t.ip, sizeof(t.ip), "%s", v);
		else if (strcmp(k, "timeout") == 0)
			timeout = (unsigned)strtoul(v, NULL, 10);
		else
			return usage();
	}
	rc = power_run(&t, (enum power_action)a, msg, sizeof(msg), timeout);
	printf("rc=%d msg=%s\n", rc, msg);
	return rc ? 1 : 0;
}
