/* fs_beneath.c: see fs_beneath.h. */
#include "fs_beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
is_sep(unsigned char c, unsigned flags)
{
	return c == '/' || (c == '\\' && (flags & RB_PATH_BACKSLASH));
}

static int
refused(unsigned char c, unsigned flags)
{
	if (c == '\0' || c == '\\')
		return 1; /* a '\\' that is a separator never gets here */
	return (flags & RB_PATH_NO_CTRL) && (c < 0x20 || c == 0x7f);
}

int
rb_path_normalize(const char *in, size_t len, char *out, size_t cap, unsigned flags)
{
	size_t i = 0, pos = 0, start, seg;
	int too_long = 0;

	if (cap)
		out[0] = '\0';
	while (i < len) {
		if (is_sep((unsigned char)in[i], flags)) {
			i++;
			continue;
		}
		for (start = i; i < len && !is_sep((unsigned char)in[i], flags); i++)
			if (refused((unsigned char)in[i], flags))
				goto invalid;
		seg = i - start;
		if (seg == 1 && in[start] == '.')
			continue;
		if (seg == 2 && in[start] == '.' && in[start + 1] == '.')
			goto invalid;
		/* Keep scanning when out is full: a refusal later in the
		 * name still wins over its length. */
		if (too_long || pos + !!pos + seg >= cap) {
			too_long = 1;
			continue;
		}
		if (pos)
			out[pos++] = '/';
		memcpy(out + pos, in + start, seg);
		pos += seg;
	}
	if (too_long || pos >= cap) {
		if (cap)
			out[0] = '\0';
		return -ENAMETOOLONG;
	}
	out[pos] = '\0';
	return (int)pos;

invalid:
	if (cap)
		out[0] = '\0';
	return -EINVAL;
}

int
rb_beneath_init(struct rb_beneath *b, const char *root)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_DIRECTORY,
			       .resolve = RESOLVE_BENEATH};
	int fd, err;

	b->root_real = NULL;
	b->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b->root_fd < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, b->root_fd, ".", &how, sizeof(how));
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	err = errno;
	if ((err == ENOSYS || err == EPERM /* seccomp */) && (b->root_real = realpath(root, NULL)))
		return 0;
	if (err == ENOSYS || err == EPERM)
		err = errno; /* realpath()'s */
	close(b->root_fd);
	b->root_fd = -1;
	return -err;
}

static int
open_realpath(const struct rb_beneath *b, const char *rel, int flags)
{
	size_t n = b->root_real[1] ? strlen(b->root_real) : 0; /* 0: the root is "/" */
	char full[PATH_MAX], *res;
	int fd;

	if ((size_t)snprintf(full, sizeof(full), "%s/%s", b->root_real, rel) >= sizeof(full))
		return -ENAMETOOLONG;
	res = realpath(full, NULL);
	if (!res)
		return -errno;
	if (strncmp(res, b->root_real, n) != 0 || (res[n] != '/' && res[n] != '\0')) {
		free(res);
		return -EXDEV;
	}
	fd = open(res, flags | O_CLOEXEC);
	free(res); /* keeps errno */
	return fd >= 0 ? fd : -errno;
}

int
rb_beneath_open(const struct rb_beneath *b, const char *rel, int flags)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
	int fd, tries = 0;

	if (b->root_real)
		return open_realpath(b, rel, flags);
	/* EAGAIN: a rename raced the kernel's ".." check in a symlink target;
	 * it asks for a retry. */
	do
		fd = (int)syscall(SYS_openat2, b->root_fd, *rel ? rel : ".", &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN && ++tries < 4);
	return fd >= 0 ? fd : -errno;
}

void
rb_beneath_close(struct rb_beneath *b)
{
	if (b->root_fd >= 0)
		close(b->root_fd);
	b->root_fd = -1;
	free(b->root_real);
	b->root_real = NULL;
}
