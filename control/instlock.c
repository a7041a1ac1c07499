/* SPDX-License-Identifier: BSD-3-Clause */
/* instlock.c: one rackboot per port (instlock.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "instlock.h"
#include "log.h"
#include "monoclock.h"

/* The pid written in the lock file (0: none). */
static int
holder_pid(int fd, bool *stopped)
{
	char pid[32] = "";
	ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

	pid[n > 0 ? n : 0] = '\0';
	*stopped = strstr(pid, " stopped") != NULL;
	return atoi(pid);
}

/*
 * flock, waiting while the holder is the orphaned dataplane of a control
 * that is gone (the pid in the file no longer exists): it stops as soon as
 * it sees its channel closed. 0, or -errno (-EWOULDBLOCK: a live holder, or
 * still held after wait_ms).
 */
static int
lock_or_wait(int fd, int prev, unsigned wait_ms, unsigned *waited_ms)
{
	uint64_t t0 = rb_mono_ms();
	const struct timespec tick = {0, 50 * 1000000L};

	*waited_ms = 0;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (prev <= 0 || kill(prev, 0) == 0 || errno != ESRCH)
			return -EWOULDBLOCK; /* a live rackboot holds it */
		*waited_ms = (unsigned)(rb_mono_ms() - t0);
		if (*waited_ms >= wait_ms)
			return -EWOULDBLOCK;
		nanosleep(&tick, NULL);
	}
}

int
instlock_take(const char *dir, const char *ifname, unsigned wait_ms, struct instlock_prev *prev,
	      char *msg, size_t cap)
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
	prev->pid = holder_pid(fd, &prev->stopped);
	err = -lock_or_wait(fd, prev->pid, wait_ms, &prev->waited_ms);
	if (err) {
		close(fd);
		if (err == EWOULDBLOCK) {
			if (prev->pid > 0)
				snprintf(pid, sizeof(pid), "%d", prev->pid);
			snprintf(msg, cap,
				 "interface %s is in use by another rackboot (pid %s, %s)%s",
				 ifname, pid[0] ? pid : "?", path,
				 prev->waited_ms ? ": the dataplane of that gone process is still "
						   "running"
						 : "");
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

void
instlock_mark_clean(int fd)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%d stopped\n", (int)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)n, 0) != n)
		RB_WARN("instance lock: cannot mark the stop clean: %s", strerror(errno));
}
