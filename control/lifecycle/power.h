/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * power.h: switching machines on, off and around through their BMCs (or an
 * operator's program), and the scheduler that does it off the caller's
 * thread, a few at a time.
 *
 * Drivers (one file each):
 *   ipmi     ipmitool -I lanplus ... chassis power on|off|cycle|status
 *            (power_ipmi.c)
 *   redfish  ComputerSystem.Reset and PowerState over HTTP(S) with libcurl
 *            (power_redfish.c)
 *   command  an operator's program, run without a shell, the action as its
 *            last argument (power_cmd.c)
 * Credentials live in files: a driver reads password_file when it acts
 * (ipmitool is handed the file's name with -f), never from the config
 * text or a command line.
 *
 * "cycle" means "make it restart": on a machine that is off it means "on"
 * (ipmi and redfish ask for the power state first; many BMCs refuse a
 * cycle of a machine that is off). The command driver is handed "cycle"
 * as it is; its program decides.
 *
 * Results: an action returns 0 or -errno and fills a message. For
 * POWER_STATUS the message on success is "on", "off" or "unknown" (the BMC
 * answered with something else, e.g. Redfish "PoweringOn"); for the other
 * actions it says what was done. On failure it says why, bounded: the
 * tool's stderr tail, or the HTTP status and the BMC's message. Codes:
 * -ETIMEDOUT (the action's time ran out; a program's process group is
 * killed), -EACCES (the BMC refused the credentials, or the password file
 * could not be read), -ENOENT (a program that is not there), -EINVAL (a
 * target that cannot be acted on), -EIO (the tool or BMC said no),
 * -EPROTO (an answer that could not be understood).
 */
#ifndef RB_LIFECYCLE_POWER_H
#define RB_LIFECYCLE_POWER_H

#include <stdbool.h>
#include <stddef.h>

struct inv_host; /* provision/inventory.h */

enum power_action { POWER_ON, POWER_OFF, POWER_CYCLE, POWER_STATUS };
#define POWER_N_ACTIONS 4

/* The same values as enum inv_power_driver (provision/inventory.h). */
enum power_driver { POWER_NONE, POWER_IPMI, POWER_REDFISH, POWER_COMMAND };
#define POWER_N_DRIVERS 4

/* A message a driver fills is cut here (callers' buffers may be smaller). */
#define POWER_MSG_MAX 512

/* "on", "off", "cycle", "status" (the command driver's last argument);
 * "?" for anything else. Inline: every driver file names actions. */
static inline const char *
power_action_name(enum power_action a)
{
	static const char *const n[POWER_N_ACTIONS] = {"on", "off", "cycle", "status"};

	return (unsigned)a < POWER_N_ACTIONS ? n[a] : "?";
}

/* "none", "ipmi", "redfish", "command"; "?" for anything else. */
static inline const char *
power_driver_name(enum power_driver d)
{
	static const char *const n[POWER_N_DRIVERS] = {"none", "ipmi", "redfish", "command"};

	return (unsigned)d < POWER_N_DRIVERS ? n[d] : "?";
}

/*
 * One machine's power control. The strings are the caller's (NULL or ""
 * when not set) and need to live only for the call: power_submit() copies
 * them.
 */
struct power_target {
	const char *host; /* its name: messages, RACKBOOT_HOST */
	char mac[18];	  /* "52:54:00:12:34:56" or "": RACKBOOT_MAC */
	char ip[16];	  /* dotted quad or "": RACKBOOT_IP */
	enum power_driver driver;
	const char *address;	   /* ipmi: the BMC's host name or address;
				    * redfish: its base URL, https://10.0.0.5 */
	const char *username;	   /* ipmi, redfish */
	const char *password_file; /* ipmi, redfish: absolute; read at call time */
	const char *command;	   /* command: "/path/prog fixed args", split on
				    * blanks, run without a shell */
	const char *system_id;	   /* redfish: the Systems member; NULL/"": the first listed */
	/* ipmi: the RMCP+ cipher suite (ipmitool -C), 1..17; 0: ipmitool's
	 * choice, which asks the BMC before the session and waits ~10 s for
	 * a BMC that ignores the question (config power.cipher_suite). */
	unsigned cipher_suite;
	/* redfish: do not check the BMC's certificate (config tls_verify:
	 * false; lab BMCs have self-signed ones). Named for the exception so
	 * that a zeroed target verifies. */
	bool tls_insecure;
};

/* The highest cipher suite ipmitool knows (17: RAKP-HMAC-SHA256,
 * HMAC-SHA256-128, AES-CBC-128). */
#define POWER_IPMI_CIPHER_MAX 17

/*
 * Fill *t from a configured host (strings point into h: keep the
 * inventory alive while t is used, or submit it, which copies). Returns 0,
 * or -ENODEV when the host has no power driver.
 */
int power_target_from_host(const struct inv_host *h, struct power_target *t);

/*
 * Run one action now, on the calling thread, within timeout_s seconds
 * (0: POWER_TIMEOUT_DEFAULT_S). Returns 0 or -errno (header comment) with
 * msg filled (cap > 0). Blocks for up to the timeout: for `rackboot power`,
 * status queries and tests; the control's main loop and HTTP threads use
 * the scheduler.
 */
int power_run(const struct power_target *t, enum power_action a, char *msg, size_t cap,
	      unsigned timeout_s);

/* ---- the scheduler ---- */

#define POWER_CONCURRENCY_DEFAULT 8 /* 1..256 */
#define POWER_STAGGER_MS_DEFAULT 2000
#define POWER_TIMEOUT_DEFAULT_S 30
#define POWER_QUEUE_DEFAULT 4096

struct power_limits {
	unsigned concurrency; /* actions running at once (worker threads), 1..256 */
	unsigned stagger_ms;  /* at least this long between two starts, 0..60000:
			       * a PDU must not see a rack switch on at once */
	unsigned timeout_s;   /* each action, 1..600 */
	unsigned queue_max;   /* actions waiting, 1..1048576; beyond: -EAGAIN */
};

#define POWER_LIMITS_DEFAULT                                                                       \
	((struct power_limits){POWER_CONCURRENCY_DEFAULT, POWER_STAGGER_MS_DEFAULT,                \
			       POWER_TIMEOUT_DEFAULT_S, POWER_QUEUE_DEFAULT})

struct power_sched;

/*
 * Called once for every submitted action, on a scheduler thread (or, for
 * actions still queued when power_sched_free() runs, on the thread freeing
 * it): rc 0 or -errno, msg as power_run() fills it (-ECANCELED: never
 * started).
 * host is the target's name. It may call power_submit(); it must not call
 * power_sched_free(), and should return soon (it holds a worker).
 */
typedef void (*power_done_fn)(void *arg, const char *host, enum power_action action, int rc,
			      const char *msg);

/*
 * Start a scheduler with lim (NULL: POWER_LIMITS_DEFAULT): its worker
 * threads wait for actions. NULL with errno EINVAL (a limit out of range),
 * ENOMEM, or pthread_create's error.
 */
struct power_sched *power_sched_new(const struct power_limits *lim);

/*
 * Queue action a on a copy of t; done(arg, ...) reports the result later.
 * Never waits for an action. Returns 0, -EAGAIN (queue full), -EINVAL
 * (no driver, no done, or a bad action), -ESHUTDOWN (being freed), -ENOMEM.
 */
int power_submit(struct power_sched *s, const struct power_target *t, enum power_action a,
		 power_done_fn done, void *arg);

/*
 * Stop: actions already started run to their end (each within its
 * timeout); queued ones are not started and get done(-ECANCELED). Then the
 * threads are joined and s is released. NULL is a no-op.
 */
void power_sched_free(struct power_sched *s);

/*
 * Prometheus text for /metrics into buf (promtext.h): actions finished by
 * driver, action and result (ok, error, timeout, cancelled), and the
 * actions queued and running now. Returns the bytes written (< cap).
 */
size_t power_metrics(struct power_sched *s, char *buf, size_t cap);

#endif
