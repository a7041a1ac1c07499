/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loaders.h: the boot loader binaries rackboot serves, where Debian's
 * packages install them, and what DHCP hands each firmware.
 *
 * The files are served from the packages' own paths (single-file roots of
 * the boot namespace), never copied. Only the families the config uses
 * are needed; one that is missing is an error at start naming the file
 * and the package that installs it, not a timeout at boot.
 */
#ifndef RB_PROVISION_LOADERS_H
#define RB_PROVISION_LOADERS_H

#include <stddef.h>

/* One file of the boot namespace. */
struct loader_file {
	const char *name;    /* as served */
	const char *path;    /* where the package installs it */
	const char *package; /* the Debian package */
};

/* Which loaders a config uses (config_provision.h's enums). */
struct loader_choice {
	unsigned bios; /* enum rb_bios_loader */
	unsigned efi;  /* enum rb_efi_loader */
};

/*
 * The files for a choice, in serving order, into out (room for max);
 * returns how many.
 */
size_t loaders_files(const struct loader_choice *c, const struct loader_file **out, size_t max);

/* What DHCP hands BIOS and EFI x64 PXE firmware for a choice. */
const char *loaders_bios_file(const struct loader_choice *c);
const char *loaders_efi64_file(const struct loader_choice *c);

/*
 * Check every file of a choice is a readable regular file (under root, a
 * path prefix; NULL or "" for the real system). 0, or -ENOENT with
 * "LOADER: PATH: reason (install the Debian package PKG)" in err.
 */
int loaders_check(const struct loader_choice *c, const char *root, char *err, size_t errlen);

#endif
