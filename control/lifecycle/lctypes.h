/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lctypes.h: the words of the host lifecycle, shared by the engine
 * (lifecycle.h), its database (lcstore.h) and the API: states, phases,
 * event kinds, failure classes and the event record.
 *
 * Names are the exact strings the API, the database and the metrics use;
 * each has a parser that refuses anything else, so a name read back from
 * the database or typed into a selector is checked in one place.
 */
#ifndef RB_LIFECYCLE_LCTYPES_H
#define RB_LIFECYCLE_LCTYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "provision/inventory.h"

#define LC_TOKEN_LEN 32			    /* 128 bits as lowercase hex */
#define LC_REASON_MAX 160		    /* a failure's reason, NUL included */
#define LC_DETAIL_MAX 192		    /* an event's detail, NUL included */
#define LC_HOST_NAME_MAX (INV_NAME_MAX + 1) /* a host name, NUL included */

/*
 * unknown: the database holds a state this code cannot read (behaves as
 * ready); ready: tracked, never marked; reinstall-pending: marked, not
 * seen booting yet; booting, installing: on the way; installed: the
 * installer called back; local-boot: booted its disk after installing;
 * failed: a timeout, a TFTP failure or the installer said so.
 */
enum lc_state {
	LC_UNKNOWN = 0,
	LC_READY,
	LC_PENDING,
	LC_BOOTING,
	LC_INSTALLING,
	LC_INSTALLED,
	LC_LOCAL_BOOT,
	LC_FAILED,
	LC_NSTATES
};

/* Within booting: dhcp .. initrd; within installing: kickstart, repository. */
enum lc_phase {
	LC_PH_NONE = 0,
	LC_PH_DHCP,
	LC_PH_LOADER,
	LC_PH_KERNEL,
	LC_PH_INITRD,
	LC_PH_KICKSTART,
	LC_PH_REPOSITORY,
	LC_NPHASES
};

enum lc_ev_kind { LC_EV_STATE = 0, LC_EV_DHCP, LC_EV_FILE, LC_EV_CALLBACK, LC_NKINDS };

/* What a failure's reason says went wrong (metrics, the summary). */
enum lc_fail {
	LC_FAIL_TIMEOUT_BOOTING = 0,
	LC_FAIL_TIMEOUT_INSTALLING,
	LC_FAIL_TIMEOUT_PENDING,
	LC_FAIL_TFTP,
	LC_FAIL_INSTALLER,
	LC_FAIL_OTHER, /* a reason none of the above (from an older database) */
	LC_NFAILS
};

/* One thing that happened to a host (or, for a refused callback, to nobody). */
struct lc_event {
	uint64_t id;	  /* monotonic, survives restarts */
	uint64_t time_ms; /* the engine's clock when it happened */
	uint8_t mac[6];
	bool has_mac;		     /* false: no host (a callback with an unknown token) */
	uint8_t kind;		     /* enum lc_ev_kind */
	int8_t from;		     /* enum lc_state; -1: not a state event */
	int8_t to;		     /* enum lc_state; -1: not a state event */
	uint8_t phase;		     /* enum lc_phase: the host's phase after the event */
	char host[LC_HOST_NAME_MAX]; /* "" when unknown */
	char detail[LC_DETAIL_MAX];
};

/* The exact name ("reinstall-pending", ...); "unknown" out of range. */
const char *lc_state_name(enum lc_state s);
/* The state called s, or -EINVAL. */
int lc_state_parse(const char *s);
/* "dhcp" .. "repository"; NULL for LC_PH_NONE and out of range. */
const char *lc_phase_name(enum lc_phase p);
/* The phase called s (NULL or "" is LC_PH_NONE), or -EINVAL. */
int lc_phase_parse(const char *s);
/* "state", "dhcp", "file", "callback"; "unknown" out of range. */
const char *lc_ev_kind_name(enum lc_ev_kind k);
/* The kind called s, or -EINVAL. */
int lc_ev_kind_parse(const char *s);
/* "timeout_booting", "timeout_installing", "timeout_pending", "tftp",
 * "installer", "other". */
const char *lc_fail_name(enum lc_fail f);
/* The class of a failure reason the engine wrote ("timeout in booting",
 * "tftp: ...", "installer: ..."); LC_FAIL_OTHER for anything else. */
enum lc_fail lc_fail_class(const char *reason);

#endif
