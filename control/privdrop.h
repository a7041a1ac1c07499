/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * privdrop.h: the control process gives up root once it has done what
 * needs it (docs/security.md, "Who runs as whom").
 *
 * Started as root, rackboot takes its instance lock, starts the dataplane
 * (which stays root: DPDK, XDP, hugepages), sets up the kernel side of the
 * port and binds its listeners; then the control becomes the service user
 * (server.user, default "rackboot") and keeps two capabilities, in its main
 * thread only: CAP_NET_ADMIN, to take the server address off the interface
 * and restore the interface's sysctls at stop, and CAP_KILL, to kill a
 * dataplane that does not stop when asked (and so that the kernel's
 * parent-death signal still reaches it). Every other thread (HTTP, the
 * channel reader, power actions) holds none, and the programs the control
 * runs (ipmitool, power scripts) start with none.
 */
#ifndef RB_CONTROL_PRIVDROP_H
#define RB_CONTROL_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct priv_user {
	char name[64];
	uid_t uid;
	gid_t gid;
	bool drop; /* false: server.user is root, nothing changes */
};

/*
 * Looks the service user up (getpwnam). Returns 0, or -ENOENT with a
 * message saying how to create the user, or another -errno.
 */
int priv_lookup(const char *name, struct priv_user *u, char *msg, size_t cap);

/*
 * Becomes u for good: supplementary groups to u's primary group only, real,
 * effective and saved gid and uid to u's, and in the calling thread
 * CAP_NET_ADMIN and CAP_KILL alone (permitted and effective; nothing
 * inheritable or ambient; the bounding set emptied of the rest), in every
 * other thread nothing (glibc changes the ids of all threads; the kernel
 * clears a thread's capabilities when it leaves uid 0 without keep-caps).
 * Checks that root cannot be regained. Call from the main thread. Returns
 * 0 or -errno with the failing step in msg; after a failure, exit.
 */
int priv_drop(const struct priv_user *u, char *msg, size_t cap);

/*
 * Can the process, as it now is, reach path with mode (access(2)'s R_OK,
 * W_OK; X_OK is added for a directory)? Returns 0, or -errno with "<what> <path>: not readable by
 * user X: <reason>; ..." in msg.
 */
int priv_can_reach(const char *what, const char *path, int mode, const char *user, char *msg,
		   size_t cap);

#endif
