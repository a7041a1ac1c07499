/* SPDX-License-Identifier: BSD-3-Clause */
/* storm.h: what the load generators (dhcp_storm, tftp_storm) share. */
#ifndef RB_BENCH_STORM_H
#define RB_BENCH_STORM_H

#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

/* Monotonic time in ns. */
static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU seconds (user + system) this process has used, for the cpu_s= key. */
static inline double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

#endif
