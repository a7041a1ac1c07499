/* SPDX-License-Identifier: BSD-3-Clause */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot_publish.h"
#include "provision/loaders.h"

#define MAX_LOADER_FILES 16

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void
rm_tree(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) == 0)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void
boot_publish_cleanup(const char *rundir)
{
	rm_tree(rundir);
}

int
boot_publish(struct bootns *ns, const struct rb_config *cfg, const struct prov_snapshot *s,
	     const char *rundir, unsigned gen, char *msg, size_t cap)
{
	static char loader_paths[MAX_LOADER_FILES][PATH_MAX];
	struct rb_boot_root r[MAX_LOADER_FILES + 1 + RB_TFTP_MAX_MOUNTS + 1];
	const struct loader_file *lf[MAX_LOADER_FILES];
	struct loader_choice lc;
	char gen_dir[PATH_MAX], old[PATH_MAX];
	const char *lroot;
	size_t n = 0, nf, nfiles;
	int rc;

	if (s && prov_loaders(s, &lc, &lroot)) {
		nf = loaders_files(&lc, lf, MAX_LOADER_FILES);
		for (size_t i = 0; i < nf; i++) {
			snprintf(loader_paths[i], PATH_MAX, "%s%s", lroot, lf[i]->path);
			r[n++] = (struct rb_boot_root){lf[i]->name, loader_paths[i]};
		}
	}
	r[n++] = (struct rb_boot_root){"", cfg->tftp_root};
	for (unsigned i = 0; i < cfg->nb_tftp_mounts; i++)
		r[n++] = (struct rb_boot_root){cfg->tftp_mounts[i].name, cfg->tftp_mounts[i].path};
	if (s && (prov_files(s, &nfiles), nfiles)) {
		if (mkdir(rundir, 0755) && errno != EEXIST) {
			snprintf(msg, cap, "%s: %s", rundir, strerror(errno));
			return -errno;
		}
		snprintf(gen_dir, sizeof(gen_dir), "%s/gen-%u", rundir, gen);
		rm_tree(gen_dir); /* a leftover of a crashed run with our pid */
		rc = prov_write_files(s, gen_dir, msg, cap);
		if (rc)
			return rc;
		r[n++] = (struct rb_boot_root){"", gen_dir};
	}
	rc = bootns_set(ns, r, n, msg, cap);
	if (rc == 0 && gen >= 2) {
		snprintf(old, sizeof(old), "%s/gen-%u", rundir, gen - 2);
		rm_tree(old);
	}
	return rc;
}
