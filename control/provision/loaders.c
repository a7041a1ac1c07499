/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../config_provision.h"
#include "loaders.h"

#define SYSLINUX_BIOS "/usr/lib/syslinux/modules/bios/"
#define SYSLINUX_EFI64 "/usr/lib/syslinux/modules/efi64/"

/* pxelinux.0 reads ldlinux.c32 beside itself, and the generated menus'
 * UI menu.c32 needs libutil.c32. */
static const struct loader_file pxelinux[] = {
    {"pxelinux.0", "/usr/lib/PXELINUX/pxelinux.0", "pxelinux"},
    {"ldlinux.c32", SYSLINUX_BIOS "ldlinux.c32", "syslinux-common"},
    {"menu.c32", SYSLINUX_BIOS "menu.c32", "syslinux-common"},
    {"libutil.c32", SYSLINUX_BIOS "libutil.c32", "syslinux-common"},
};

/* syslinux.efi lives in efi64/, so its modules (same names as the BIOS
 * ones, other binaries) and its pxelinux.cfg/ are looked up there. */
static const struct loader_file syslinux_efi[] = {
    {"efi64/syslinux.efi", "/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi", "syslinux-efi"},
    {"efi64/ldlinux.e64", SYSLINUX_EFI64 "ldlinux.e64", "syslinux-common"},
    {"efi64/menu.c32", SYSLINUX_EFI64 "menu.c32", "syslinux-common"},
    {"efi64/libutil.c32", SYSLINUX_EFI64 "libutil.c32", "syslinux-common"},
};

/* Debian's signed network GRUB: prefix /grub, reads grub/grub.cfg. */
static const struct loader_file grub_efi[] = {
    {"grubnetx64.efi", "/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed",
     "grub-efi-amd64-signed"},
};

static const struct loader_file ipxe_bios[] = {
    {"undionly.kpxe", "/usr/lib/ipxe/undionly.kpxe", "ipxe"},
};

static const struct loader_file ipxe_efi[] = {
    {"ipxe.efi", "/usr/lib/ipxe/ipxe.efi", "ipxe"},
};

#define ADD(arr)                                                                                   \
	for (size_t i_ = 0; i_ < sizeof(arr) / sizeof(arr[0]) && n < max; i_++)                    \
	out[n++] = &arr[i_]

size_t
loaders_files(const struct loader_choice *c, const struct loader_file **out, size_t max)
{
	size_t n = 0;

	if (c->bios != RB_BIOS_IPXE)
		ADD(pxelinux);
	if (c->efi == RB_EFI_SYSLINUX)
		ADD(syslinux_efi);
	else if (c->efi != RB_EFI_IPXE)
		ADD(grub_efi);
	/* iPXE always: UEFI HTTP boot's URL and chainloading menus use it. */
	ADD(ipxe_bios);
	ADD(ipxe_efi);
	return n;
}

const char *
loaders_bios_file(const struct loader_choice *c)
{
	return c->bios == RB_BIOS_IPXE ? "undionly.kpxe" : "pxelinux.0";
}

const char *
loaders_efi64_file(const struct loader_choice *c)
{
	switch (c->efi) {
	case RB_EFI_SYSLINUX:
		return "efi64/syslinux.efi";
	case RB_EFI_IPXE:
		return "ipxe.efi";
	default:
		return "grubnetx64.efi";
	}
}

int
loaders_check(const struct loader_choice *c, const char *root, char *err, size_t errlen)
{
	const struct loader_file *f[16];
	size_t n = loaders_files(c, f, 16);

	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		int e = 0;

		snprintf(path, sizeof(path), "%s%s", root ? root : "", f[i]->path);
		if (stat(path, &st))
			e = errno;
		else if (!S_ISREG(st.st_mode))
			e = EINVAL;
		else if (access(path, R_OK))
			e = errno;
		if (e) {
			snprintf(err, errlen,
				 "boot loader %s: %s: %s (install the Debian package %s)",
				 f[i]->name, path, e == EINVAL ? "not a regular file" : strerror(e),
				 f[i]->package);
			return -ENOENT;
		}
	}
	return 0;
}
