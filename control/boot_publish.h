/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * boot_publish.h: what rackboot serves over TFTP and HTTP /boot/, from the
 * config and the provisioning snapshot.
 *
 * The roots (boot_publish()), in shadowing order (a later root wins a name):
 *   1. the loader files, from the packages' own paths (provision/loaders.h)
 *   2. tftp.root
 *   3. tftp.mounts, in file order
 * and on top of them all the generated boot configs (boot_publish_gen()),
 * kept in memory: the dataplane serves them in a generation derived from
 * its loaded tree (GEN_FILES, GEN_PUBLISH; proto/channel.h), HTTP from the
 * boot namespace's overlay. So an operator's file in tftp.root replaces a
 * packaged loader, nothing replaces a generated config by accident, and
 * changing a config never reloads the images.
 *
 * Errors: 0 or -errno with a message in the caller's buffer; nothing is
 * printed.
 */
#ifndef RB_CONTROL_BOOT_PUBLISH_H
#define RB_CONTROL_BOOT_PUBLISH_H

#include <stddef.h>

#include "bootns.h"
#include "config.h"
#include "dpchan.h"
#include "provision/snapshot.h"

/*
 * Sets ns to the roots above for cfg and s (s may be NULL: no
 * provisioning). 0 or -errno with msg; ns is left as it was on failure.
 */
int boot_publish(struct bootns *ns, const struct rb_config *cfg, const struct prov_snapshot *s,
		 char *msg, size_t cap);

/*
 * Serves files[0 .. n) as the generated boot configs, replacing the
 * previous set whole (n 0: none): installs them as ns's overlay
 * (bootns_set_files()), then, when c is not NULL, sends them to the
 * dataplane (boot_gen_send() through dpchan_send()). Checked first, so a
 * set the dataplane would refuse changes nothing: at most
 * RB_GEN_MAX_FILES files and RB_GEN_MAX_BYTES bytes (-E2BIG), each at most
 * RB_GEN_FILE_MAX bytes (-EFBIG), names as bootns_set_files() takes them
 * (-EINVAL, -ENAMETOOLONG). -ENOMEM; a failed send (the dataplane gone):
 * its -errno, with HTTP already serving the new set. Any thread: calls are
 * serialised, so the last call's set is the one HTTP and TFTP serve.
 */
int boot_publish_gen(struct dpchan *c, struct bootns *ns, const struct prov_file *files, size_t n,
		     char *msg, size_t cap);

/* Sends one channel message; 0 or -errno. */
typedef int (*boot_gen_send_fn)(void *arg, enum rb_msg_type type, const void *payload, size_t len);

/*
 * The messages that publish files[0 .. n) (checked by the caller): GEN_FILES
 * batches as full as RB_CHAN_MAX_MSG allows, the first flagged
 * RB_GEN_F_FIRST (an empty set is one empty batch), then GEN_PUBLISH, each
 * through send. 0, or the first failure of send or of the encoding
 * (-EINVAL, -ENOMEM) with msg.
 */
int boot_gen_send(const struct prov_file *files, size_t n, boot_gen_send_fn send, void *arg,
		  char *msg, size_t cap);

#endif
