/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * instlock.h: one rackboot per port. The control holds an advisory lock
 * (flock) on RB_INSTLOCK_DIR/<interface>.lock, with its pid in the file,
 * for as long as it runs; the kernel drops it when the process dies, however
 * it dies. The dataplane inherits the lock's file (control/main.c), so it
 * stays held until both processes are gone: a dataplane whose control was
 * killed holds it until it sees its channel closed and stops. Holding it is
 * what lets the dataplane treat an XDP program of rackboot's still attached
 * to the interface as a crashed instance's leftover and replace it, and the
 * control remove the crashed instance's runtime directory: no live rackboot
 * can be using the port.
 */
#ifndef RB_CONTROL_INSTLOCK_H
#define RB_CONTROL_INSTLOCK_H

#include <stdbool.h>
#include <stddef.h>

#define RB_INSTLOCK_DIR "/run/rackboot"
/* How long a start waits for the orphaned dataplane of a killed control to
 * stop (it does within about 2 s of its control's death). */
#define RB_INSTLOCK_WAIT_MS 15000

/* Who held the lock before: the pid in the file (0: none) and how long the
 * start waited for that pid's orphaned dataplane to let go (0: not at all). */
struct instlock_prev {
	int pid;
	unsigned waited_ms;
	bool stopped; /* it marked its stop clean (instlock_mark_clean) */
};

/*
 * Take the lock for ifname in dir (RB_INSTLOCK_DIR; made 0755 if missing).
 * When the holder's pid is gone (a killed control whose dataplane still
 * runs), waits up to wait_ms for the lock. Fills prev. The fd (close-on-exec,
 * kept open until exit), or -errno with msg filled: -EBUSY when another
 * process holds it (msg names its pid).
 */
int instlock_take(const char *dir, const char *ifname, unsigned wait_ms, struct instlock_prev *prev,
		  char *msg, size_t cap);

/* Say in the lock file that its holder stopped cleanly ("PID stopped": the
 * next instlock_take() reads it into prev->stopped). The lock stays held. */
void instlock_mark_clean(int fd);

#endif
