/* SPDX-License-Identifier: BSD-3-Clause */
/* rmdir_flat.c: see rmdir_flat.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "rmdir_flat.h"

int
rb_rmdir_flat(const char *dir)
{
	struct dirent *e;
	int ret = 0;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' &&
		    (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) != 0 && !ret)
			ret = -errno;
	}
	closedir(d);
	if (rmdir(dir) != 0 && !ret)
		ret = -errno;
	return ret;
}
