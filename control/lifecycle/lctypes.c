/* SPDX-License-Identifier: BSD-3-Clause */
/* lctypes.c: the lifecycle's names and their parsers (see lctypes.h). */
#include <errno.h>
#include <string.h>

#include "lctypes.h"

static const char *const state_names[LC_NSTATES] = {
    [LC_UNKNOWN] = "unknown",		[LC_READY] = "ready",
    [LC_PENDING] = "reinstall-pending", [LC_BOOTING] = "booting",
    [LC_INSTALLING] = "installing",	[LC_INSTALLED] = "installed",
    [LC_LOCAL_BOOT] = "local-boot",	[LC_FAILED] = "failed",
};

static const char *const phase_names[LC_NPHASES] = {
    [LC_PH_NONE] = NULL,
    [LC_PH_DHCP] = "dhcp",
    [LC_PH_LOADER] = "loader",
    [LC_PH_KERNEL] = "kernel",
    [LC_PH_INITRD] = "initrd",
    [LC_PH_KICKSTART] = "kickstart",
    [LC_PH_REPOSITORY] = "repository",
};

static const char *const kind_names[LC_NKINDS] = {
    [LC_EV_STATE] = "state",
    [LC_EV_DHCP] = "dhcp",
    [LC_EV_FILE] = "file",
    [LC_EV_CALLBACK] = "callback",
};

static const char *const fail_names[LC_NFAILS] = {
    [LC_FAIL_TIMEOUT_BOOTING] = "timeout_booting",
    [LC_FAIL_TIMEOUT_INSTALLING] = "timeout_installing",
    [LC_FAIL_TIMEOUT_PENDING] = "timeout_pending",
    [LC_FAIL_TFTP] = "tftp",
    [LC_FAIL_INSTALLER] = "installer",
    [LC_FAIL_OTHER] = "other",
};

static int
find(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

const char *
lc_state_name(enum lc_state s)
{
	return (unsigned)s < LC_NSTATES ? state_names[s] : "unknown";
}

int
lc_state_parse(const char *s)
{
	return s ? find(state_names, LC_NSTATES, s) : -EINVAL;
}

const char *
lc_phase_name(enum lc_phase p)
{
	return (unsigned)p < LC_NPHASES ? phase_names[p] : NULL;
}

int
lc_phase_parse(const char *s)
{
	if (!s || !*s)
		return LC_PH_NONE;
	return find(phase_names, LC_NPHASES, s);
}

const char *
lc_ev_kind_name(enum lc_ev_kind k)
{
	return (unsigned)k < LC_NKINDS ? kind_names[k] : "unknown";
}

int
lc_ev_kind_parse(const char *s)
{
	return s ? find(kind_names, LC_NKINDS, s) : -EINVAL;
}

const char *
lc_fail_name(enum lc_fail f)
{
	return (unsigned)f < LC_NFAILS ? fail_names[f] : "other";
}

enum lc_fail
lc_fail_class(const char *reason)
{
	if (!reason)
		return LC_FAIL_OTHER;
	if (strcmp(reason, "timeout in booting") == 0)
		return LC_FAIL_TIMEOUT_BOOTING;
	if (strcmp(reason, "timeout in installing") == 0)
		return LC_FAIL_TIMEOUT_INSTALLING;
	if (strcmp(reason, "timeout in reinstall-pending") == 0)
		return LC_FAIL_TIMEOUT_PENDING;
	if (strncmp(reason, "tftp: ", 6) == 0)
		return LC_FAIL_TFTP;
	if (strncmp(reason, "installer: ", 11) == 0)
		return LC_FAIL_INSTALLER;
	return LC_FAIL_OTHER;
}
