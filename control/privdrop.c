/* SPDX-License-Identifier: BSD-3-Clause */
/* privdrop.c: see privdrop.h. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privdrop.h"

/* What the control keeps after the drop, and why (privdrop.h). */
static const unsigned kept_caps[] = {CAP_NET_ADMIN, CAP_KILL};

#define NB_KEPT (sizeof(kept_caps) / sizeof(kept_caps[0]))

int
priv_lookup(const char *name, struct priv_user *u, char *msg, size_t cap)
{
	struct passwd pw, *res = NULL;
	char store[4096];
	int rc;

	memset(u, 0, sizeof(*u));
	rc = getpwnam_r(name, &pw, store, sizeof(store), &res);
	if (rc || !res) {
		snprintf(msg, cap,
			 "server.user: no user '%s'%s%s; create it (adduser --system --group "
			 "--home /var/lib/rackboot %s, as scripts/deps.sh does) or name another "
			 "in server.user",
			 name, rc ? ": " : "", rc ? strerror(rc) : "", name);
		return rc ? -rc : -ENOENT;
	}
	snprintf(u->name, sizeof(u->name), "%s", res->pw_name);
	u->uid = res->pw_uid;
	u->gid = res->pw_gid;
	u->drop = u->uid != 0;
	return 0;
}

static bool
kept(unsigned c)
{
	for (size_t i = 0; i < NB_KEPT; i++)
		if (kept_caps[i] == c)
			return true;
	return false;
}

/* The calling thread's capability sets: kept_caps permitted and
 * effective, nothing inheritable. */
static int
set_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	for (size_t i = 0; i < NB_KEPT; i++) {
		d[kept_caps[i] / 32].permitted |= 1u << (kept_caps[i] % 32);
		d[kept_caps[i] / 32].effective |= 1u << (kept_caps[i] % 32);
	}
	return (int)syscall(SYS_capset, &h, d);
}

#define STEP(ok, what)                                                                             \
	do {                                                                                       \
		if (!(ok)) {                                                                       \
			int e_ = errno ? errno : EPERM;                                            \
			snprintf(msg, cap, "cannot become user %s: %s: %s", u->name, what,         \
				 strerror(e_));                                                    \
			return -e_;                                                                \
		}                                                                                  \
	} while (0)

int
priv_drop(const struct priv_user *u, char *msg, size_t cap)
{
	if (!u->drop)
		return 0;
	errno = 0;
	/* Keep the permitted set across the change of uid (this thread only). */
	STEP(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0, "PR_SET_KEEPCAPS");
	/* Nothing outside kept_caps can come back, not even through a file's
	 * capabilities in a program we run. Needs CAP_SETPCAP, so before the
	 * uid changes. The loop ends at the first number the kernel does not know. */
	for (unsigned c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
		if (!kept(c))
			STEP(prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0, "PR_CAPBSET_DROP");
	STEP(setgroups(1, &u->gid) == 0, "setgroups");
	STEP(setresgid(u->gid, u->gid, u->gid) == 0, "setresgid");
	STEP(setresuid(u->uid, u->uid, u->uid) == 0, "setresuid");
	STEP(set_caps() == 0, "capset");
	STEP(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == 0, "PR_SET_KEEPCAPS");
	STEP(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == 0, "clearing ambient");
	/* Root must be gone for good. */
	/* Raw system calls: they touch this thread alone, and this thread
	 * holds what is left. */
	errno = 0;
	STEP(syscall(SYS_setresuid, 0, 0, 0) != 0 && getuid() == u->uid && geteuid() == u->uid,
	     "root could be regained");
	errno = 0;
	STEP(syscall(SYS_setresgid, 0, 0, 0) != 0 && getegid() == u->gid,
	     "group root could be regained");
	return 0;
}

int
priv_can_reach(const char *what, const char *path, int mode, const char *user, char *msg,
	       size_t cap)
{
	struct stat st;
	int e;

	/* What is under a directory is reached through it. */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		mode |= X_OK;
	if (access(path, mode) == 0)
		return 0;
	e = errno;
	snprintf(msg, cap,
		 "%s %s: user %s cannot %s it: %s; give it to that user or make it and the "
		 "directories above it %s by it",
		 what, path, user,
		 mode & W_OK   ? "write"
		 : mode & R_OK ? "read"
			       : "run",
		 strerror(e),
		 mode & W_OK   ? "writable"
		 : mode & R_OK ? "readable"
			       : "reachable");
	return -e;
}
