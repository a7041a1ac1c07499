/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rmdir_flat.h: remove a directory that holds only files (EAL's runtime
 * directory /var/run/dpdk/<prefix>/, which rte_eal_cleanup() leaves).
 */
#ifndef RB_UTIL_RMDIR_FLAT_H
#define RB_UTIL_RMDIR_FLAT_H

/* Unlinks every entry of dir (not recursing), then dir. 0, or -errno of
 * the first failure; a missing dir is 0. */
int rb_rmdir_flat(const char *dir);

#endif
