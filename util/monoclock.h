/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * monoclock.h: milliseconds on CLOCK_MONOTONIC, for intervals and
 * deadlines that wall-clock jumps must not move.
 */
#ifndef RB_UTIL_MONOCLOCK_H
#define RB_UTIL_MONOCLOCK_H

#include <stdint.h>

uint64_t rb_mono_ms(void);

#endif
