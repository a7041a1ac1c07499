/* SPDX-License-Identifier: BSD-3-Clause */
/* procmem.h: this process's resident memory, for the idle gauges of /metrics. */
#ifndef RB_UTIL_PROCMEM_H
#define RB_UTIL_PROCMEM_H

#include <stdint.h>

/* Resident set size in bytes (/proc/self/statm), 0 when it cannot be read. */
uint64_t rb_rss_bytes(void);

#endif
