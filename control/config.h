/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.h: rackboot's YAML configuration, parsed once into a validated,
 * immutable snapshot.
 *
 * Every value is range-checked; an error names file:line:column (1-based,
 * from libyaml's marks) and what was expected. Unknown keys are errors too,
 * so a typo never silently falls back to a default. Relative paths are
 * resolved against the directory of the config file.
 */
#ifndef RB_CONTROL_CONFIG_H
#define RB_CONTROL_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "channel.h" /* enum rb_port_mode, enum rb_exception_mode, RB_IFNAME_MAX */

enum rb_hugepages { RB_HUGE_AUTO = 0, RB_HUGE_ON, RB_HUGE_OFF };

#define RB_DHCP_MAX_ADDRS 4 /* routers, dns servers per list */
#define RB_DHCP_MAX_RESV 65536
#define RB_DOMAIN_MAX 128

/* dhcp.subnets[]: one entry. Addresses in network byte order. */
struct rb_dhcp_subnet {
	uint32_t net;		   /* host bits zero */
	uint8_t prefix_len;	   /* 8..30 */
	uint32_t pool_lo, pool_hi; /* inclusive, inside the subnet, neither the
				    * network nor the broadcast address */
	uint32_t routers[RB_DHCP_MAX_ADDRS];
	uint8_t nb_routers;
	uint32_t dns[RB_DHCP_MAX_ADDRS]; /* none given: dhcp.dns */
	uint8_t nb_dns;
	char domain[RB_DOMAIN_MAX]; /* empty: dhcp.domain */
	uint32_t lease_time;	    /* 0: dhcp.lease_time */
};

/* dhcp.reservations[]: one entry (a mac, a client_id, or both). */
struct rb_dhcp_resv {
	bool has_mac;
	uint8_t mac[6];
	uint8_t client_id_len; /* 0: none; else 2..RB_CLIENT_KEY_MAX */
	uint8_t client_id[RB_CLIENT_KEY_MAX];
	uint32_t ip;
	char hostname[RB_HOSTNAME_MAX]; /* empty: none */
};

#define RB_POOL_AUTO (-1) /* dhcp.pool_order: auto */

struct rb_dhcp_cfg {
	enum rb_dhcp_mode mode;	 /* no dhcp section: off; section given: server */
	uint32_t lease_time;	 /* 60..31536000, default 3600 */
	uint32_t offer_time;	 /* 5..3600, default 60: how long an offer is held */
	uint32_t decline_time;	 /* 0..86400, default 600: quarantine after DECLINE */
	uint32_t rate_limit;	 /* 0..100000, default 20 requests/s per client; 0 = off */
	char database[PATH_MAX]; /* SQLite path (default /var/lib/rackboot/leases.db) or a
				  * postgresql:// URI without a password */
	char database_password_file[PATH_MAX]; /* absolute; empty: libpq's environment */
	uint32_t database_poll_ms;	       /* 50..60000, default 500: other servers' changes */
	/* dhcp.pool_order: RB_POOL_AUTO (default; dhcp_ctl_dp_config() makes
	 * it client-hash with a postgresql:// database, fifo otherwise), or an
	 * enum rb_pool_order. */
	int pool_order;
	/* dhcp.database_down: renew (default) or refuse; see
	 * rb_dhcp_dp_config.db_down_renew. */
	int database_down_renew; /* 1 renew, 0 refuse (an int: cfg_set_enum) */
	/* dhcp.balance "K/N": this server answers the DISCOVERs of share K of
	 * N (rb_dhcp_dp_config.balance_n); n 0: not given, every DISCOVER. */
	struct {
		uint8_t k, n;
	} balance;
	uint32_t balance_takeover_s; /* 1..60, default 3 */
	uint32_t dns[RB_DHCP_MAX_ADDRS];
	uint8_t nb_dns;
	char domain[RB_DOMAIN_MAX];
	struct rb_dhcp_subnet subnets[RB_DHCP_MAX_SUBNETS];
	unsigned nb_subnets;	   /* server mode: >= 1; proxy mode: 0 */
	struct rb_dhcp_resv *resv; /* malloc'd, rb_config_free() releases */
	unsigned nb_resv;
	/* dhcp.boot: */
	uint32_t next_server;		    /* default: server.address */
	char boot[RB_BOOT_MAX][RB_URL_MAX]; /* file names (< 128 bytes) or, for HTTP slots, URLs */
	char ipxe_script[RB_URL_MAX];	    /* http:// or https:// URL; empty: iPXE gets boot[] */
};

struct rb_provision; /* config_provision.h */

/* tftp.mounts: one entry. */
#define RB_TFTP_MAX_MOUNTS 64 /* the rest of RB_MAX_BOOT_ROOTS is the provisioning layer's */
struct rb_tftp_mount {
	char name[RB_BOOT_NAME_MAX + 1]; /* normalised; "" = the top (directories only) */
	char path[PATH_MAX];		 /* realpath(): a directory or a regular file */
};

struct rb_config {
	char path[PATH_MAX]; /* the file this came from, as given */

	/* server: */
	uint32_t server_ip;   /* network byte order */
	uint8_t prefix_len;   /* 1..32 */
	uint16_t mtu;	      /* 576..9000, default 1500 */
	int ipv6_ra;	      /* 1 (default): answer IPv6 router solicitations; 0: off */
	char server_user[33]; /* server.user: the control drops root to it (default rackboot) */

	/* port: */
	enum rb_port_mode port_mode;	       /* af_xdp (default) | af_packet | pci */
	char interface[RB_IFNAME_MAX];	       /* required for af_xdp and af_packet */
	char pci_addr[32];		       /* required for pci, e.g. 0000:03:00.0 */
	enum rb_exception_mode exception_mode; /* auto resolves: xdp for af_xdp, tap otherwise */
	char tap_name[RB_IFNAME_MAX];	       /* default "rb-tap0" */
	uint16_t queues;		       /* 1..16, default 1 */

	/* dataplane: */
	char lcores[64];	     /* EAL -l list, default "0,1" */
	enum rb_hugepages hugepages; /* auto | on | off */
	uint32_t memory_mb;	     /* 64..65536, default 256 */
	uint32_t mbufs;		     /* 1024..1048576, default 16384 */
	uint32_t idle_sleep_us;	     /* 0..100000, default 50 */

	/* http: */
	uint16_t http_port;	  /* 1..65535, default 80 */
	char http_root[PATH_MAX]; /* install repository, must be a directory */
	uint16_t http_threads;	  /* 0 = a thread per connection (default), 1..64 = pool */
	uint16_t http_per_ip; /* connections from one address at once, 0..4096 (64; 0: no cap) */

	/* api: */
	char api_address[48];	       /* IPv4 or IPv6 literal, default 127.0.0.1 */
	uint16_t api_port;	       /* 0..65535, default 8081; 0: the API is on http.port */
	char api_token_file[PATH_MAX]; /* absolute; default /var/lib/rackboot/api.token */

	/* tftp: */
	char tftp_root[PATH_MAX];    /* default /var/lib/rackboot/tftp */
	uint16_t tftp_port;	     /* default 69 */
	uint16_t session_port_lo;    /* default 61000; outside Linux's ephemeral range */
	uint16_t session_port_hi;    /* default 65535 */
	uint32_t tftp_cache_mb;	     /* 1..65536, default 1024: image cache limit */
	uint32_t tftp_max_sessions;  /* 1..1048576, default 16384 per worker */
	uint16_t tftp_max_window;    /* 1..1024, default 64 (RFC 7440 windowsize cap) */
	uint16_t tftp_retries;	     /* 1..20, default 6 retransmissions of a window */
	uint16_t tftp_per_source;    /* 0..65535, default 32 transfers per source (0: no cap) */
	uint32_t tftp_rrq_rate;	     /* 0..1000000, default 64 RRQ/s per source (0: no cap) */
	uint32_t mc_group;	     /* RFC 2090 first group, default 239.255.69.1 */
	uint16_t mc_port;	     /* default 1760 */
	uint16_t mc_streams;	     /* 0..256, default 16 (0: option ignored) */
	uint16_t mc_clients;	     /* 1..65535, default 1024 per stream */
	uint16_t mc_window;	     /* 1..64, default 8 blocks in flight */
	uint32_t mtftp_group;	     /* PXE MTFTP group; 0 (default): off */
	uint16_t mtftp_port;	     /* default 1759 */
	uint16_t mtftp_client_port;  /* default 1758 */
	uint16_t mtftp_open_timeout; /* 1..255 s, default 2 (PXE_MTFTP_TMOUT) */
	uint16_t mtftp_reopen_delay; /* 1..255 s, default 2 (PXE_MTFTP_DELAY) */
	/* tftp.mounts: {name: path}, in file order, served after tftp.root
	 * in the boot namespace (TFTP and HTTP /boot/, control/bootns.h);
	 * malloc'd, rb_config_free() releases. */
	struct rb_tftp_mount *tftp_mounts;
	unsigned nb_tftp_mounts;

	/* dhcp: */
	struct rb_dhcp_cfg dhcp;

	/* lifecycle: (control/lifecycle/) */
	uint32_t
	    lc_timeout_pending; /* timeouts.pending: s marked before booting; 0 (default): none */
	uint32_t
	    lc_timeout_booting; /* timeouts.booting: default 600 s from DHCP to the installer */
	uint32_t lc_timeout_installing; /* timeouts.installing: default 3600 s to the callback */
	uint32_t lc_history;		/* events kept per host, 10..100000, default 100 */

	/* power: the scheduler's limits (control/config_power.h; each host's
	 * power settings are in its struct inv_host). */
	uint32_t power_concurrency; /* 1..256, default 8 actions at once */
	uint32_t power_stagger_ms;  /* 0..60000, default 2000 between two starts */
	uint32_t power_timeout_s;   /* 1..600, default 30 per action */

	/* boot, profiles, groups, hosts, hosts_files: NULL when the file has
	 * none of them (rb_config_free releases it). */
	struct rb_provision *prov;
};

/* Where and why a config was refused. */
struct rb_config_error {
	char file[PATH_MAX];
	unsigned line, column; /* 1-based; 0 when the file could not be read at all */
	char message[256];
};

/* Fill *cfg with every default. */
void rb_config_defaults(struct rb_config *cfg);

/* Release what a loaded config owns (reservations, mounts); safe to call twice. */
void rb_config_free(struct rb_config *cfg);

/*
 * Parse and validate the YAML file at path into *cfg. Returns 0, or -EINVAL
 * (bad content) / -errno (could not read) with *err filled. *cfg is only
 * written on success.
 */
int rb_config_load(const char *path, struct rb_config *cfg, struct rb_config_error *err);

/* Same, from a string; `name` is used as the file name in errors and
 * relative paths resolve against the current directory. */
int rb_config_parse_string(const char *name, const char *yaml, size_t len, struct rb_config *cfg,
			   struct rb_config_error *err);

/* "file:line:column: error: message" (or "file: error: message" without a position). */
void rb_config_error_format(const struct rb_config_error *err, char *buf, size_t cap);

/*
 * The inverse, for messages other modules format themselves (templates,
 * the inventory): "file:line:column: [error: ]message" into *err (the
 * file may hold ':'; the first ":N:N: " ends it). Returns 0, or -EINVAL
 * when msg carries no such position (then err->message is msg whole).
 */
int rb_config_error_parse(const char *msg, struct rb_config_error *err);

#endif
