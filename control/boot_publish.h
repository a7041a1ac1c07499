/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * boot_publish.h: the boot namespace rackboot serves, assembled from the
 * config and the provisioning snapshot, in shadowing order (a later root
 * wins a name):
 *   1. the loader files, from the packages' own paths (provision/loaders.h)
 *   2. tftp.root
 *   3. tftp.mounts, in file order
 *   4. the generated boot configs, written to RUNDIR/gen-N
 * so an operator's file in tftp.root replaces a packaged loader, and
 * nothing replaces a generated config by accident.
 */
#ifndef RB_CONTROL_BOOT_PUBLISH_H
#define RB_CONTROL_BOOT_PUBLISH_H

#include <stddef.h>

#include "bootns.h"
#include "config.h"
#include "provision/snapshot.h"

/*
 * Write s's files to rundir/gen-<gen> (rundir created if missing), set ns
 * to the roots above, and remove rundir/gen-<gen - 2> (a load of gen - 1
 * may still be reading its directory). 0 or -errno with msg; ns is left
 * as it was on failure.
 */
int boot_publish(struct bootns *ns, const struct rb_config *cfg, const struct prov_snapshot *s,
		 const char *rundir, unsigned gen, char *msg, size_t cap);

/* Remove rundir and everything in it (at exit). */
void boot_publish_cleanup(const char *rundir);

#endif
