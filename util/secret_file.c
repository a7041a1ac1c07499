/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * secret_file.c: open a secret's file only when it is private to us.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret_file.h"

int
rb_secret_open(const char *path, const char *what, char *err, size_t cap)
{
	struct stat st;
	int fd, e;

	if (err && cap)
		err[0] = '\0';
	/* O_NONBLOCK: a FIFO put there must not hang the start. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		if (err && cap)
			snprintf(err, cap, "%s: %s", path,
				 e == ELOOP ? "is a symbolic link; a file holding a secret must be "
					      "a regular file (remove the link)"
					    : strerror(e));
		return -e;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		if (err && cap)
			snprintf(err, cap, "%s: %s", path, strerror(e));
		return -e;
	}
	e = 0;
	if (!S_ISREG(st.st_mode)) {
		e = EINVAL;
		if (err && cap)
			snprintf(err, cap, "%s: is not a regular file", path);
	} else if (st.st_uid != geteuid()) {
		e = EPERM;
		if (err && cap)
			snprintf(err, cap, "%s: owned by uid %u, not by us (uid %u); chown it",
				 path, (unsigned)st.st_uid, (unsigned)geteuid());
	} else if (st.st_mode & 077) {
		e = EPERM;
		if (err && cap)
			snprintf(err, cap,
				 "%s: mode %04o lets others read %s; chmod 600 it (and change "
				 "the secret if others may have read it)",
				 path, (unsigned)(st.st_mode & 07777), what);
	}
	if (e) {
		close(fd);
		return -e;
	}
	return fd;
}
