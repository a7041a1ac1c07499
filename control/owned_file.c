/* SPDX-License-Identifier: BSD-3-Clause */
/* owned_file.c: see owned_file.h. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "owned_file.h"

/* A user's name for messages, "uid N" when it has none. */
static const char *
user_name(uid_t uid, char *buf, size_t cap)
{
	struct passwd pw, *res = NULL;
	char store[1024];

	if (getpwuid_r(uid, &pw, store, sizeof(store), &res) == 0 && res)
		snprintf(buf, cap, "%s", res->pw_name);
	else
		snprintf(buf, cap, "uid %u", (unsigned)uid);
	return buf;
}

int
owned_file_open(const char *path, uid_t uid, mode_t forbidden, const char *what, char *msg,
		size_t cap)
{
	char have[64], want[64];
	struct stat st;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		if (e == ELOOP)
			snprintf(msg, cap,
				 "%s: is a symbolic link; the %s must be a regular file (remove "
				 "the link)",
				 path, what);
		else
			snprintf(msg, cap, "%s: %s", path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		snprintf(msg, cap, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(msg, cap, "%s: is not a regular file", path);
		return -EINVAL;
	}
	if (st.st_uid != uid) {
		close(fd);
		user_name(st.st_uid, have, sizeof(have));
		user_name(uid, want, sizeof(want));
		snprintf(msg, cap,
			 "%s: owned by %s (uid %u), not by %s (uid %u) that rackboot runs as; "
			 "the %s must be rackboot's own: chown %s %s",
			 path, have, (unsigned)st.st_uid, want, (unsigned)uid, what, want, path);
		return -EPERM;
	}
	if (st.st_mode & forbidden) {
		close(fd);
		snprintf(msg, cap, "%s: mode %04o lets others read or change the %s; chmod %03o %s",
			 path, (unsigned)(st.st_mode & 07777), what,
			 (unsigned)(st.st_mode & 0777 & ~forbidden), path);
		return -EPERM;
	}
	return fd;
}

int
owned_file_check(const char *path, uid_t uid, mode_t forbidden, const char *what, char *msg,
		 size_t cap)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) != 0 && errno == ENOENT)
		return 1;
	fd = owned_file_open(path, uid, forbidden, what, msg, cap);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}
