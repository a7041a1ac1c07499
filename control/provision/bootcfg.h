/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bootcfg.h: the text of boot loader configs, one function per loader
 * family: pxelinux/syslinux (pxelinux.cfg/...), GRUB (grub.cfg...) and iPXE
 * scripts.
 *
 * Input is a menu of entries whose paths are already what the loader must
 * ask for (a TFTP path for pxelinux and GRUB, an URL for iPXE) and whose
 * command lines are already rendered. Each family has characters its own
 * parser would act on (GRUB expands $ and splits on ;, iPXE expands ${},
 * a newline ends any directive): a field holding one is refused with
 * -EINVAL and a message naming the entry and the character, so a value can
 * never add a directive to a generated file.
 */
#ifndef RB_PROVISION_BOOTCFG_H
#define RB_PROVISION_BOOTCFG_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define BOOTCFG_MAX_INITRD 8

struct bootcfg_entry {
	const char *id;	   /* [A-Za-z0-9_.-], unique in the menu */
	const char *label; /* what the menu shows */
	bool local;	   /* boot from the local drive instead */
	const char *kernel;
	const char *initrd[BOOTCFG_MAX_INITRD];
	unsigned n_initrd;
	const char *cmdline; /* may be NULL */
};

struct bootcfg_menu {
	const char *title;
	const char *origin; /* one line for the header comment: who this is for */
	const struct bootcfg_entry *e;
	size_t n;
	size_t dflt;	    /* index of the entry booted when the timeout ends */
	unsigned timeout_s; /* 0: no menu, the default entry boots at once */
};

/*
 * Append the config to out. 0, -EINVAL (err says which field and why),
 * -E2BIG/-ENOMEM from the buffer.
 */
int bootcfg_pxelinux(const struct bootcfg_menu *m, struct strbuf *out, char *err, size_t errlen);
int bootcfg_grub(const struct bootcfg_menu *m, struct strbuf *out, char *err, size_t errlen);
int bootcfg_ipxe(const struct bootcfg_menu *m, struct strbuf *out, char *err, size_t errlen);

#endif
