/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * auth.c: the API token file (created once, then only read and checked)
 * and the constant-time check of a Bearer header against it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "hex.h"
#include "secret_file.h"

/* 64 digits and a newline; a longer file is refused unread. */
#define TOKEN_FILE_MAX (API_TOKEN_LEN + 1)

static int
fail(char *err, size_t cap, int e, const char *path, const char *what)
{
	if (err && cap)
		snprintf(err, cap, "%s: %s", path, what ? what : strerror(e));
	return -e;
}

static bool
token_form(const char *s, size_t n)
{
	size_t i;

	if (n == API_TOKEN_LEN + 1 && s[API_TOKEN_LEN] == '\n')
		n--;
	if (n != API_TOKEN_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Reads and checks an existing token file. */
static int
read_token(const char *path, char *token, char *err, size_t cap)
{
	char buf[TOKEN_FILE_MAX + 1];
	ssize_t n;
	int fd, e;

	fd = rb_secret_open(path, "the API token", err, cap);
	if (fd < 0)
		return fd;
	n = read(fd, buf, sizeof(buf));
	e = errno;
	close(fd);
	if (n < 0)
		return fail(err, cap, e, path, NULL);
	if (!token_form(buf, (size_t)n))
		return fail(err, cap, EINVAL, path,
			    "does not hold an API token (64 lower-case hex digits and a newline); "
			    "remove it to have a new one made");
	memcpy(token, buf, API_TOKEN_LEN);
	token[API_TOKEN_LEN] = '\0';
	return 0;
}

/* The parent directory of path, made 0700 when it is missing. */
static int
make_parent(const char *path, char *err, size_t cap)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n == 0)
		return 0; /* "/file": the root exists */
	if (n >= sizeof(dir))
		return fail(err, cap, ENAMETOOLONG, path, NULL);
	memcpy(dir, path, n);
	dir[n] = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		int e = errno;

		if (err && cap)
			snprintf(err, cap, "%s: cannot create its directory %s: %s", path, dir,
				 strerror(e));
		return -e;
	}
	return 0;
}

/* Writes a new token under a private name and links it into place; -EEXIST
 * when another process got there first (its token is then the one). */
static int
create_token(const char *path, char *token, char *err, size_t cap)
{
	unsigned char raw[API_TOKEN_LEN / 2];
	char tmp[PATH_MAX + 32];
	ssize_t got;
	int fd, e = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new.%d", path, (int)getpid()) >= sizeof(tmp))
		return fail(err, cap, ENAMETOOLONG, path, NULL);
	got = getrandom(raw, sizeof(raw), 0);
	if (got != (ssize_t)sizeof(raw))
		return fail(err, cap, got < 0 ? errno : EIO, path, "getrandom() failed");
	rb_hex_format(token, raw, sizeof(raw), 0);
	token[API_TOKEN_LEN] = '\n';
	unlink(tmp); /* a leftover of a crashed start with our pid */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(err, cap, errno, tmp, NULL);
	if (write(fd, token, API_TOKEN_LEN + 1) != API_TOKEN_LEN + 1 || fsync(fd) != 0)
		e = errno ? errno : EIO;
	if (close(fd) != 0 && !e)
		e = errno;
	token[API_TOKEN_LEN] = '\0';
	if (!e && link(tmp, path) != 0)
		e = errno;
	unlink(tmp);
	if (e == EEXIST)
		return -EEXIST;
	if (e)
		return fail(err, cap, e, path, NULL);
	return 0;
}

int
api_token_load(const char *path, char token[API_TOKEN_LEN + 1], char *err, size_t cap)
{
	struct stat st;
	int rc;

	if (!path || path[0] != '/')
		return fail(err, cap, EINVAL, path ? path : "(null)", "is not an absolute path");
	if (lstat(path, &st) == 0 || errno != ENOENT)
		return read_token(path, token, err, cap);
	rc = make_parent(path, err, cap);
	if (rc)
		return rc;
	rc = create_token(path, token, err, cap);
	if (rc == -EEXIST)
		return read_token(path, token, err, cap);
	return rc ? rc : 1;
}

bool
api_token_check(const char *token, const char *authorization)
{
	const char *p = authorization;
	unsigned char diff = 0;
	size_t i;

	if (!token || !p || strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
		return false;
	p += 6;
	while (*p == ' ' || *p == '\t')
		p++;
	/* The length is no secret; the digits are compared all the way. */
	if (strnlen(p, API_TOKEN_LEN + 1) != API_TOKEN_LEN || strlen(token) != API_TOKEN_LEN)
		return false;
	for (i = 0; i < API_TOKEN_LEN; i++)
		diff |= (unsigned char)(p[i] ^ token[i]);
	return diff == 0;
}
