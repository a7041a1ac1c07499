/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * power_drv.h: what the power drivers share, inside control/lifecycle/
 * only: their entry points (power.c dispatches to them) and the program
 * runner two of them use (power_spawn.c).
 *
 * Every driver works to a deadline on CLOCK_MONOTONIC in milliseconds
 * (power_now_ms()), so an action made of two requests (status, then on
 * or cycle) still ends within its one timeout. Drivers fill msg (cap > 0)
 * and return as power.h says; they never log and never print.
 */
#ifndef RB_LIFECYCLE_POWER_DRV_H
#define RB_LIFECYCLE_POWER_DRV_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "power.h"

static inline int64_t
power_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The drivers: t is checked for its driver's fields by power_run(). */
int power_ipmi(const struct power_target *t, enum power_action a, int64_t deadline_ms, char *msg,
	       size_t cap);
int power_redfish(const struct power_target *t, enum power_action a, int64_t deadline_ms, char *msg,
		  size_t cap);
int power_cmd(const struct power_target *t, enum power_action a, int64_t deadline_ms, char *msg,
	      size_t cap);

/* ---- running a program (power_spawn.c) ---- */

#define POWER_OUT_MAX 4096 /* stdout kept: the first bytes */
#define POWER_ERR_MAX 1024 /* stderr kept: the last bytes (errors come last) */

struct power_proc {
	char out[POWER_OUT_MAX + 1]; /* NUL-terminated */
	size_t out_len;
	char err[POWER_ERR_MAX + 1]; /* NUL-terminated */
	size_t err_len;
	int status; /* the exit code, or 128 + the signal that ended it */
	int signal; /* the signal that ended it, or 0 */
};

/*
 * Run argv[0] (searched in PATH when it holds no '/') with argv and the
 * environment envp, stdin /dev/null, no descriptor but 0..2 inherited,
 * default signal handling, in a process group of its own; capture stdout
 * and stderr into *p. Returns 0 once the program has exited (p->status
 * says how; it is not waited for past its exit, so a background child
 * holding the pipes does not hold the caller), -ETIMEDOUT when the deadline
 * passed first (the whole process group was killed with SIGKILL and the
 * program reaped), or -errno when it could not be started (-ENOENT: no
 * such program, -EACCES: not executable).
 */
int power_spawn(char *const argv[], char *const envp[], int64_t deadline_ms, struct power_proc *p);

/*
 * "who: exit 1: <the last lines of stderr>" (stdout's when stderr is
 * empty) into msg, newlines shown as " | ", bounded by cap.
 */
void power_proc_explain(const struct power_proc *p, const char *who, char *msg, size_t cap);

#endif
