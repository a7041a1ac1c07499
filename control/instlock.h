/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * instlock.h: one rackboot per port. The control holds an advisory lock
 * (flock) on RB_INSTLOCK_DIR/<interface>.lock, with its pid in the file,
 * for as long as it runs; the kernel drops it when the process dies, however
 * it dies. Holding it is what lets the dataplane treat an XDP program of
 * rackboot's still attached to the interface as a crashed instance's
 * leftover and replace it: no live rackboot can be using the port.
 */
#ifndef RB_CONTROL_INSTLOCK_H
#define RB_CONTROL_INSTLOCK_H

#include <stddef.h>

#define RB_INSTLOCK_DIR "/run/rackboot"

/*
 * Take the lock for ifname in dir (RB_INSTLOCK_DIR; made 0755 if missing).
 * The fd (close-on-exec, kept open until exit), or -errno with msg filled:
 * -EBUSY when another process holds it (msg names its pid).
 */
int instlock_take(const char *dir, const char *ifname, char *msg, size_t cap);

#endif
