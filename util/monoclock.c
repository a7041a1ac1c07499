/* SPDX-License-Identifier: BSD-3-Clause */
/* monoclock.c: see monoclock.h. */
#include <time.h>

#include "monoclock.h"

uint64_t
rb_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
