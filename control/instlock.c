/* SPDX-License-Identifier: BSD-3-Clause */
/* instlock.c: one rackboot per port (instlock.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "instlock.h"

int
instlock_take(const char *dir, const char *ifname, char *msg, size_t cap)
{
	char path[512], pid[32] = "";
	ssize_t n;
	int fd, err;

	if (!ifname[0] || strchr(ifname, '/') || !strcmp(ifname, ".") || !strcmp(ifname, "..")) {
		snprintf(msg, cap, "'%s' is not an interface name", ifname);
		return -EINVAL;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		err = errno;
		snprintf(msg, cap, "%s: %s", dir, strerror(err));
		return -err;
	}
	snprintf(path, sizeof(path), "%s/%s.lock", dir, ifname);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		err = errno;
		snprintf(msg, cap, "%s: %s", path, strerror(err));
		return -err;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		err = errno;
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		close(fd);
		if (err == EWOULDBLOCK) {
			snprintf(msg, cap,
				 "interface %s is in use by another rackboot (pid %s, %s)", ifname,
				 pid[0] ? pid : "?", path);
			return -EBUSY;
		}
		snprintf(msg, cap, "%s: %s", path, strerror(err));
		return -err;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		err = errno;
		snprintf(msg, cap, "%s: %s", path, strerror(err));
		close(fd);
		return -err;
	}
	return fd;
}
