/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c: rackboot, the control process and the one command operators run.
 *
 * It parses and validates the config (exit 2 on any error, with
 * file:line:column), starts the DPDK dataplane as its child, gives the
 * kernel side of the port the server address, serves HTTP, and prints a
 * live status line. SIGINT/SIGTERM stop everything it started, in reverse.
 *
 * The one place that prints: library code in control/ hands errors back
 * (-errno and a message buffer). Logs go through util/log.h (--log-level,
 * --syslog); the terminal's own output stays plain stdio: usage and option
 * errors, --check's verdict, the config's file:line:column diagnostic
 * (compiler style, no prefix) and the live status line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "api/auth.h"
#include "bootns.h"
#include "config.h"
#include "dhcp_ctl.h"
#include "dpchan.h"
#include "http.h"
#include "lease_feed.h"
#include "leasedb.h"
#include "metrics.h"
#include "instlock.h"
#include "netif.h"
#include "log.h"
#include "procmem.h"
#include "promtext.h"
#include "hex.h"
#include "provision/snapshot.h"
#include "prov_live.h"
#include "provsvc.h"
#include "privdrop.h"
#include "provsvc_api.h"
#include "boot_publish.h"
#include "rb_build.h"
#include "rmdir_flat.h"

static volatile sig_atomic_t stop_signal, reload_signal;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_signal = 1;
	else
		stop_signal = sig;
}

struct ctl {
	struct rb_config cfg;
	struct dhcp_ctl dhcp;
	struct dpchan *dp;
	struct lease_feed *feed; /* other servers' lease changes (a shared store) */
	struct rb_http *http;
	struct api *api;     /* the JSON API its listener serves */
	struct provsvc *svc; /* host lifecycle, power, reinstall: the API's backend */
	char token[API_TOKEN_LEN + 1];
	struct priv_user user; /* server.user: who the control becomes */
	struct bootns *boot;   /* TFTP and HTTP /boot/: tftp.root, tftp.mounts, ... */
	char kernel_if[RB_IFNAME_MAX];
	bool addr_added;
	struct netif_saved quiet;
	struct prov_snapshot *prov; /* the snapshot built at start (then owned by live) */
	struct prov_live *live;	    /* what the provisioning layer serves now */
	const char *cfg_path;
	unsigned gen; /* provisioning generation: 1 at start, +1 per good reload */
	int lock_fd;  /* the port's instance lock (instlock.h), -1 before it */
	/* A killed instance's leftovers not taken over yet: the lock file
	 * keeps saying "not stopped cleanly" until they are. */
	bool prev_unclean;
};

static void
usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: rackboot [-c FILE] [--check] [--dataplane PATH] [--status|--no-status]\n"
	    "                [--log-level LEVEL] [--syslog]\n"
	    "       rackboot [-c FILE] explain MAC [ARCH]\n"
	    "  explain MAC [ARCH] say what the machine with this MAC gets (profile, group,\n"
	    "                      variables, boot config) and why, without booting it;\n"
	    "                      ARCH: bios, efi-ia32, efi-x64, efi-arm64, http-x64, http-arm64\n"
	    "  -c, --config FILE   configuration (default /etc/rackboot/rackboot.yaml)\n"
	    "      --check         validate the configuration and exit (0 ok, 2 bad)\n"
	    "      --dataplane P   the rackboot-dataplane binary to run\n"
	    "      --status        live status line on stderr (default when a tty)\n"
	    "      --no-status     no status line\n"
	    "      --status-every S  seconds between status lines when not a tty, 1..3600\n"
	    "                      (default 10)\n"
	    "      --log-level L   err, warn, notice, info (default) or debug\n"
	    "      --syslog        log to syslog (daemon facility) instead of stderr\n");
}

/* `rackboot explain MAC [ARCH]`: 0, or 2 for a bad MAC or ARCH. */
static int
explain(const struct prov_snapshot *s, const char *mac, const char *arch)
{
	static const int dhcp_arch[] = {0, 6, 7, 11, 16, 19};
	struct inv_machine m = {.arch = -1};
	struct strbuf out;
	int rc;

	if (rb_hex_octets(mac, ":-", m.mac, 6) != 6) {
		fprintf(stderr, "rackboot: explain: '%s' is not a MAC address (6 hex octets)\n",
			mac);
		return 2;
	}
	if (arch) {
		uint32_t bit = inv_arch_parse(arch);

		for (int i = 0; bit && i < 6; i++)
			if (inv_arch_bit(dhcp_arch[i]) == bit)
				m.arch = dhcp_arch[i];
		if (m.arch < 0) {
			fprintf(stderr,
				"rackboot: explain: unknown architecture '%s' (bios, efi-ia32, "
				"efi-x64, efi-arm64, http-x64, http-arm64)\n",
				arch);
			return 2;
		}
	}
	strbuf_init(&out, 0);
	rc = prov_explain(s, &m, &out);
	if (!rc)
		fputs(out.data, stdout);
	strbuf_free(&out);
	return rc ? 1 : 0;
}

/*
 * A command-line integer: all of s in decimal, min..max, into *out.
 * Returns 0, or -EINVAL / -ERANGE after saying so on stderr.
 */
static int
parse_int_opt(const char *opt, const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	/* strtol() alone would take blanks, a sign and an empty string. */
	v = (*s >= '0' && *s <= '9') ? strtol(s, &end, 10) : 0;
	if (*s < '0' || *s > '9' || *end) {
		fprintf(stderr, "rackboot: %s: expected an integer %d..%d, got '%s'\n", opt, min,
			max, s);
		return -EINVAL;
	}
	if (errno == ERANGE || v < min || v > max) {
		fprintf(stderr, "rackboot: %s: %s is out of range %d..%d\n", opt, s, min, max);
		return -ERANGE;
	}
	*out = (int)v;
	return 0;
}

/* The dataplane binary: explicit, then the build tree, then the install. */
static const char *
find_dataplane(const char *given)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n;

	if (given)
		return given;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		*strrchr(self, '/') = '\0';
		if (snprintf(path, sizeof(path), "%s/../dataplane/rackboot-dataplane", self) <
			(int)sizeof(path) &&
		    access(path, X_OK) == 0)
			return path;
		if (snprintf(path, sizeof(path), "%s/rackboot-dataplane", self) <
			(int)sizeof(path) &&
		    access(path, X_OK) == 0)
			return path;
	}
	snprintf(path, sizeof(path), "%s/rackboot/rackboot-dataplane", RB_LIBEXECDIR);
	return path;
}

static void
sibling(const char *exe, const char *name, char *out, size_t cap)
{
	const char *slash = strrchr(exe, '/');
	int dirlen = slash ? (int)(slash - exe) : 1;

	snprintf(out, cap, "%.*s/%s", dirlen, slash ? exe : ".", name);
}

/* Hugepages free in the 2 MB pool, in MB. */
static unsigned long
huge_free_mb(void)
{
	unsigned long free_pages = 0, size_kb = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "Hugepagesize: %lu kB", &size_kb);
	}
	fclose(f);
	return free_pages * size_kb / 1024;
}

/* EAL arguments from the config. Returns argc; strings live in store. */
static int
eal_args(const struct rb_config *c, char *argv[], int max, char store[][64])
{
	unsigned long huge = huge_free_mb();
	bool use_huge;
	int n = 0;

	switch (c->hugepages) {
	case RB_HUGE_ON:
		use_huge = true;
		break;
	case RB_HUGE_OFF:
		use_huge = false;
		break;
	default:
		use_huge = huge >= c->memory_mb;
		if (!use_huge)
			RB_WARN("%lu MB of hugepages free, %u MB wanted: running the dataplane "
				"on ordinary pages (--no-huge). Fine for tests; for speed reserve "
				"them: hugeadm --pool-pages-min 2MB:%u",
				huge, c->memory_mb, (c->memory_mb + 1) / 2 + 64);
	}
#define ARG(...) (snprintf(store[n], 64, __VA_ARGS__), argv[n] = store[n], n++)
	ARG("%s", strpbrk(c->lcores, "@(") ? "--lcores" : "-l");
	ARG("%s", c->lcores);
	ARG("-m");
	ARG("%u", c->memory_mb);
	if (use_huge) {
		/* Hugepages from memfd, not files: nothing is left in a
		 * hugetlbfs mount if we are killed. */
		ARG("--in-memory");
	} else {
		ARG("--no-huge");
		ARG("--no-shconf");
	}
	if (c->port_mode == RB_PORT_PCI) {
		ARG("-a");
		ARG("%s", c->pci_addr);
	} else {
		ARG("--no-pci");
	}
	ARG("--log-level=notice");
	ARG("--file-prefix=rackboot%d", (int)getpid());
#undef ARG
	(void)max;
	argv[n] = NULL;
	return n;
}

static void
dp_config(const struct rb_config *c, const char *exe, struct rb_dp_config *d)
{
	memset(d, 0, sizeof(*d));
	d->server_ip = c->server_ip;
	d->prefix_len = c->prefix_len;
	d->port_mode = (uint8_t)c->port_mode;
	d->exception_mode = (uint8_t)c->exception_mode;
	d->mtu = c->mtu;
	d->tftp_port = c->tftp_port;
	d->session_port_lo = c->session_port_lo;
	d->session_port_hi = c->session_port_hi;
	d->tftp_cache_mb = c->tftp_cache_mb;
	d->tftp_max_sessions = c->tftp_max_sessions;
	d->tftp_max_window = c->tftp_max_window;
	d->tftp_retries = c->tftp_retries;
	d->tftp_per_source = c->tftp_per_source;
	d->tftp_rrq_rate = c->tftp_rrq_rate;
	d->mc_group = c->mc_streams ? c->mc_group : 0;
	d->mc_port = c->mc_port;
	d->mc_streams = c->mc_streams;
	d->mc_clients = c->mc_clients;
	d->mc_window = c->mc_window;
	d->mtftp_group = c->mtftp_group;
	d->mtftp_port = c->mtftp_port;
	d->mtftp_client_port = c->mtftp_client_port;
	snprintf(d->tftp_root, sizeof(d->tftp_root), "%s", c->tftp_root);
	d->idle_sleep_us = c->idle_sleep_us;
	d->ipv6_ra = c->ipv6_ra != 0;
	d->mbufs = c->mbufs;
	d->queues = c->queues;
	snprintf(d->interface, sizeof(d->interface), "%s", c->interface);
	snprintf(d->tap_name, sizeof(d->tap_name), "%s", c->tap_name);
	snprintf(d->pci_addr, sizeof(d->pci_addr), "%s", c->pci_addr);
	sibling(exe, "rb_xdp.o", d->xdp_prog, sizeof(d->xdp_prog));
}

static int send_roots(struct ctl *ctl, struct dpchan *c);

/* The boot namespace from the config and the provisioning snapshot
 * (boot_publish.h says the order). 0 or -errno with msg. */
static int
boot_from_config(struct ctl *ctl, char *msg, size_t cap)
{
	ctl->boot = bootns_new();
	if (!ctl->boot) {
		snprintf(msg, cap, "out of memory");
		return -ENOMEM;
	}
	ctl->gen = 1;
	return boot_publish(ctl->boot, &ctl->cfg, ctl->prov, msg, cap);
}

/*
 * SIGHUP: read the config again; when it is good, publish its
 * provisioning layer (profiles, hosts, groups, templates, menus) and boot
 * namespace; when not, say why and keep serving the previous set. Either
 * way the TFTP tree is loaded again (files may have changed). Other
 * sections take effect at the next start.
 */
static int
reload(struct ctl *ctl, char *msg, size_t cap)
{
	struct rb_config cfg;
	struct rb_config_error err;
	struct prov_snapshot *s = NULL;
	int rc = rb_config_load(ctl->cfg_path, &cfg, &err);

	if (rc == 0) {
		rc = prov_snapshot_build(&cfg, &s, &err);
		if (rc)
			rb_config_free(&cfg);
	}
	if (rc) {
		rb_config_error_format(&err, msg, cap);
		RB_ERR("reload: %s; keeping the previous configuration", msg);
	} else if ((rc = boot_publish(ctl->boot, &cfg, s, msg, cap)) < 0) {
		RB_ERR("reload: %s; keeping the previous configuration", msg);
		prov_snapshot_free(s);
		rb_config_free(&cfg);
	} else {
		const struct inventory *inv = prov_inventory(s);

		ctl->gen++;
		prov_live_swap(ctl->live, s);
		provsvc_reloaded(ctl->svc);
		RB_NOTICE("reload: %zu profile(s), %zu host(s), %zu group(s) now served "
			  "(generation %u)",
			  inv->n_profiles, inv->n_hosts, inv->n_groups, ctl->gen);
		rb_config_free(&cfg);
	}
	if (rc) {
		char why[256];

		if (bootns_reopen(ctl->boot, why, sizeof(why)) < 0)
			RB_ERR("reload: %s; keeping the previous boot roots", why);
	}
	if (send_roots(ctl, ctl->dp) < 0 || dpchan_send(ctl->dp, RB_MSG_TFTP_RELOAD, NULL, 0) < 0)
		RB_ERR("reload: the dataplane is not listening");
	return rc < 0 ? rc : 0;
}

static char *
template_cb(void *arg, const char *url, const char *mac, const char *profile, uint32_t client_ip,
	    unsigned *status, size_t *len)
{
	return prov_live_template(arg, url, mac, profile, client_ip, status, len);
}

/* Sends the boot namespace's current list (TFTP_ROOTS). 0 or -errno. */
static int
send_roots(struct ctl *ctl, struct dpchan *c)
{
	struct bootns_snap *s = bootns_get(ctl->boot);
	const void *pl;
	size_t len;
	int ret;

	if (!s)
		return 0; /* the dataplane loads tftp_root alone */
	pl = bootns_payload(s, &len);
	ret = dpchan_send(c, RB_MSG_TFTP_ROOTS, pl, len);
	bootns_put(s);
	return ret;
}

/* Start-up messages after DP_CONFIG: DHCP's, then the boot namespace. */
static int
ctl_setup(struct dpchan *c, void *arg)
{
	struct ctl *ctl = arg;
	int ret = dhcp_ctl_setup(c, &ctl->dhcp);

	return ret ? ret : send_roots(ctl, c);
}

static size_t
metrics_cb(void *arg, char *buf, size_t cap)
{
	struct ctl *ctl = arg;
	struct rb_stats st;
	int ret = dpchan_stats(ctl->dp, &st, 1000);
	size_t n = rb_metrics_format(&st, ret == 0, buf, cap);
	struct prom_out o = {.buf = buf, .cap = cap, .len = n};

	/* The lease lines go in whole or not at all. */
	prom_head(&o, "rackboot_lease_commits_total", "counter",
		  "lease batches written to the database");
	prom_u64(&o, "rackboot_lease_commits_total", "result", "ok",
		 __atomic_load_n(&ctl->dhcp.committed_batches, __ATOMIC_RELAXED));
	prom_u64(&o, "rackboot_lease_commits_total", "result", "failed",
		 __atomic_load_n(&ctl->dhcp.failed_batches, __ATOMIC_RELAXED));
	prom_metric(&o, "rackboot_lease_records_committed_total", "counter",
		    "lease changes on disk",
		    __atomic_load_n(&ctl->dhcp.committed_records, __ATOMIC_RELAXED));
	prom_metric(&o, "rackboot_control_resident_bytes", "gauge",
		    "the control process's resident memory", rb_rss_bytes());
	prom_metric(&o, "rackboot_lease_changes_learned_total", "counter",
		    "other servers' lease changes read from a shared database and sent to the "
		    "dataplane",
		    lease_feed_learned(ctl->feed));
	prom_metric(&o, "rackboot_lease_claims_lost_total", "counter",
		    "lease changes refused by a shared database because another server's "
		    "client holds the address (the client got a NAK)",
		    __atomic_load_n(&ctl->dhcp.lost_claims, __ATOMIC_RELAXED));
	if (o.full)
		prom_rewind(&o, n);
	n = o.len + api_metrics(ctl->api, buf + o.len, cap - o.len);
	return n + provsvc_metrics(ctl->svc, buf + n, cap - n);
}

/* The API's token: loaded (or made) before anything starts, so a bad
 * token file stops rackboot at once. 0 or -errno with msg. */
static int
api_token(struct ctl *ctl, char *msg, size_t cap)
{
	int rc = api_token_load(ctl->cfg.api_token_file, ctl->user.uid, ctl->user.gid, ctl->token,
				msg, cap);

	if (rc == 1)
		RB_NOTICE("api: new token in %s", ctl->cfg.api_token_file);
	return rc < 0 ? rc : 0;
}

/*
 * After the drop: what the control still opens by name (the config and
 * hosts files at a reload, the lease database SQLite stats at each
 * transaction, the roots HTTP serves) must be within the user's reach.
 * 0, or -errno with msg naming the path and the fix.
 */
static int
check_reach(const struct ctl *ctl, char *msg, size_t cap)
{
	const struct rb_config *c = &ctl->cfg;
	const char *u = ctl->user.name;
	int rc;

	rc = priv_can_reach("config", ctl->cfg_path, R_OK, u, msg, cap);
	/* A shared database is a server's, reached through its socket. */
	if (!rc && c->dhcp.database[0] && !leasedb_is_uri(c->dhcp.database))
		rc = priv_can_reach("lease database", c->dhcp.database, R_OK | W_OK, u, msg, cap);
	if (!rc)
		rc = priv_can_reach("http.root", c->http_root, R_OK, u, msg, cap);
	if (!rc)
		rc = priv_can_reach("tftp.root", c->tftp_root, R_OK, u, msg, cap);
	for (unsigned i = 0; !rc && i < c->nb_tftp_mounts; i++)
		rc = priv_can_reach("tftp.mounts", c->tftp_mounts[i].path, R_OK, u, msg, cap);
	return rc;
}

/*
 * After the drop: the power drivers run as the service user and read each
 * host's password_file then, and a command driver runs its program. Say
 * which the user cannot reach (not an error: the other hosts' power still
 * works, and the file may be fixed before it is needed); one line per
 * distinct file, at most 16.
 */
static void
warn_power_files(const struct ctl *ctl)
{
	const struct prov_snapshot *cur = prov_live_get(ctl->live);
	const struct inventory *inv = prov_inventory(cur);
	unsigned said = 0, more = 0;
	char msg[512], last[PATH_MAX] = "";

	for (size_t i = 0; i < inv->n_hosts; i++) {
		const struct inv_power *p = &inv->hosts[i].power;
		char prog[PATH_MAX];
		const char *path = p->password_file;
		int mode = R_OK;

		if (!path && p->command) {
			snprintf(prog, sizeof(prog), "%.*s", (int)strcspn(p->command, " \t"),
				 p->command);
			path = prog;
			mode = X_OK;
		}
		if (!path || !strcmp(last, path))
			continue;
		snprintf(last, sizeof(last), "%s", path);
		if (priv_can_reach("power", path, mode, ctl->user.name, msg, sizeof(msg)) == 0)
			continue;
		if (said++ < 16)
			RB_WARN("host %s: %s; its power actions will fail", inv->hosts[i].name,
				msg);
		else
			more++;
	}
	if (more)
		RB_WARN("power: %u more host(s) whose power files user %s cannot reach", more,
			ctl->user.name);
	prov_live_put(ctl->live, cur);
}

/* The API over the provisioning service. 0 or -ENOMEM. */
static int
api_start(struct ctl *ctl)
{
	struct api_backend be;

	provsvc_api_backend(ctl->svc, &be);
	ctl->api = api_new(&be, ctl->token, 0);
	memset(ctl->token, 0, sizeof(ctl->token));
	return ctl->api ? 0 : -ENOMEM;
}

/*
 * EAL makes /var/run/dpdk/<file-prefix>/ even with --in-memory/--no-shconf
 * and rte_eal_cleanup() leaves it. The dataplane removes its own at exit;
 * this is for one that could not (killed): the prefix is ours
 * (rackboot<pid>), so remove pid's directory once its dataplane is gone (a
 * killed instance's at start; ours at the end, where after the drop of
 * root it fails harmlessly). 1 if there was one, else 0.
 */
static int
remove_runtime_dir(int pid, char *dir, size_t cap)
{
	snprintf(dir, cap, "/var/run/dpdk/rackboot%d", pid);
	if (access(dir, F_OK) != 0)
		return 0;
	rb_rmdir_flat(dir);
	return 1;
}

/* With the port's lock held: what a killed instance left behind (pid from
 * the lock file, gone) that the dataplane does not replace itself, logged:
 * the dataplane's EAL runtime directory (left when the dataplane was
 * killed, even if its control then stopped cleanly). 1 when the previous
 * control did not stop cleanly (the lock file lacks its "stopped" mark:
 * its address may still be on the port), else 0. */
static int
clean_after_crash(const struct instlock_prev *prev)
{
	char dir[64];

	if (prev->waited_ms)
		RB_NOTICE("waited %.1f s for the dataplane of rackboot pid %d, which did not stop "
			  "cleanly, to stop",
			  prev->waited_ms / 1000.0, prev->pid);
	/* The pid is gone (not reused by a live process) before its runtime
	 * directory can be another instance's. */
	if (prev->pid <= 0 || prev->pid == getpid() || kill(prev->pid, 0) == 0 || errno != ESRCH)
		return 0;
	if (remove_runtime_dir(prev->pid, dir, sizeof(dir)))
		RB_NOTICE("removed %s left by rackboot pid %d that did not stop cleanly", dir,
			  prev->pid);
	return !prev->stopped;
}

static void
teardown(struct ctl *ctl)
{
	if (ctl->svc)
		provsvc_stop_streams(ctl->svc); /* event streams end, so HTTP can stop */
	if (ctl->http)
		rb_http_stop(ctl->http);
	ctl->http = NULL;
	api_free(ctl->api); /* after HTTP, its caller */
	ctl->api = NULL;
	/* The dataplane's last events (transfers evicted at its exit) still
	 * reach the provisioning service while the channel stops. */
	lease_feed_stop(ctl->feed); /* before the channel it sends on */
	ctl->feed = NULL;
	if (ctl->dp)
		dpchan_stop(ctl->dp, 10000);
	ctl->dp = NULL;
	provsvc_free(ctl->svc); /* after HTTP and the channel, its callers */
	ctl->svc = NULL;
	if (ctl->addr_added)
		netif_addr_del(ctl->kernel_if, ctl->cfg.server_ip, ctl->cfg.prefix_len);
	ctl->addr_added = false;
	netif_restore(&ctl->quiet);
	ctl->quiet.valid = false;
	/* After HTTP, their reader. */
	prov_live_free(ctl->live);
	ctl->live = NULL;
	prov_snapshot_free(ctl->prov);
	ctl->prov = NULL;
	/* After the dataplane: its channel thread may still be committing. */
	dhcp_ctl_close(&ctl->dhcp);
	bootns_free(ctl->boot); /* after HTTP, its reader */
	ctl->boot = NULL;
	{
		char dir[64];

		remove_runtime_dir((int)getpid(), dir, sizeof(dir));
	}
	rb_config_free(&ctl->cfg);
	/* Everything this control set up is undone: the next start is not
	 * to take anything over (clean_after_crash). */
	if (ctl->lock_fd >= 0 && !ctl->prev_unclean)
		instlock_mark_clean(ctl->lock_fd);
}

/* The live status line (mode 1) is redrawn in place: end it before a log
 * line so that the two do not share a line. */
static void
status_break(int status_mode)
{
	if (status_mode == 1)
		fputc('\n', stderr);
}

static int
run_status_loop(struct ctl *ctl, int status_mode, int every)
{
	struct rb_stats prev = {0}, now;
	struct rb_http_stats hprev = {0}, hnow;
	struct timespec t0, t1;
	int tick = 0, status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop_signal) {
		char msg[512] = "";

		/* Five lifecycle ticks (timeouts, the database, publishing) a
		 * second; the rest of the loop once a second. */
		for (int i = 0; i < 5 && !stop_signal && !reload_signal; i++) {
			struct timespec d = {0, 200 * 1000 * 1000};

			nanosleep(&d, NULL);
			provsvc_tick(ctl->svc);
			if (provsvc_reload_wanted(ctl->svc)) {
				status_break(status_mode);
				RB_NOTICE("api: reloading %s", ctl->cfg_path);
				provsvc_reload_done(ctl->svc, reload(ctl, msg, sizeof(msg)), msg);
			}
		}
		if (reload_signal) {
			reload_signal = 0;
			status_break(status_mode);
			RB_NOTICE("SIGHUP: reloading %s", ctl->cfg_path);
			reload(ctl, msg, sizeof(msg));
		}
		if (!dpchan_alive(ctl->dp, &status)) {
			status_break(status_mode);
			RB_ERR("the dataplane exited (%s %d); stopping",
			       WIFSIGNALED(status) ? "signal" : "status",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			return 1;
		}
		if (!status_mode || stop_signal)
			continue;
		tick++;
		if (status_mode == 2 && tick % every)
			continue;
		if (dpchan_stats(ctl->dp, &now, 1000) == 0) {
			char line[512];
			double dt;

			clock_gettime(CLOCK_MONOTONIC, &t1);
			dt = (double)(t1.tv_sec - t0.tv_sec) +
			     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			rb_http_get_stats(ctl->http, &hnow);
			rb_status_format(&now, &prev, dt, &hnow, &hprev, line, sizeof(line));
			if (status_mode == 1)
				fprintf(stderr, "\r\033[K%s", line);
			else
				fprintf(stderr, "rackboot: %s\n", line);
			prev = now;
			hprev = hnow;
			t0 = t1;
		}
	}
	if (status_mode == 1)
		fputc('\n', stderr);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, 'k'},
	    {"dataplane", required_argument, NULL, 'd'},
	    {"status", no_argument, NULL, 's'},
	    {"no-status", no_argument, NULL, 'n'},
	    {"status-every", required_argument, NULL, 'e'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"syslog", no_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *cfg_path = "/etc/rackboot/rackboot.yaml", *dp_exe = NULL;
	struct ctl ctl = {.lock_fd = -1};
	struct rb_config_error err;
	struct rb_dp_config dpc;
	struct rb_dp_ready ready;
	struct rb_http_config hc;
	char *eal_argv[32], eal_store[32][64], msg[512], ip[INET_ADDRSTRLEN];
	enum rb_log_level level = RB_LOG_INFO;
	int use_syslog = 0;
	int check = 0, status_mode = isatty(STDERR_FILENO) ? 1 : 2, every = 10, c, ret;
	struct sigaction sa = {.sa_handler = on_signal};
	struct instlock_prev lock_prev;
	int lock_fd, crashed = 0;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'k':
			check = 1;
			break;
		case 'd':
			dp_exe = optarg;
			break;
		case 's':
			status_mode = isatty(STDERR_FILENO) ? 1 : 2;
			break;
		case 'n':
			status_mode = 0;
			break;
		case 'e':
			if (parse_int_opt("--status-every", optarg, 1, 3600, &every) < 0)
				return 2;
			break;
		case 'l':
			if (rb_log_level_parse(optarg, &level) < 0) {
				fprintf(stderr,
					"rackboot: --log-level: expected err, warn, notice, info "
					"or debug, got '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'S':
			use_syslog = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("rackboot %s\n", RB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc &&
	    !(strcmp(argv[optind], "explain") == 0 && argc - optind >= 2 && argc - optind <= 3)) {
		usage(stderr);
		return 2;
	}
	rb_log_open("rackboot", use_syslog);
	rb_log_set_level(level);

	ctl.cfg_path = cfg_path;
	ret = rb_config_load(cfg_path, &ctl.cfg, &err);
	if (ret < 0) {
		rb_config_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		return 2;
	}
	ret = prov_snapshot_build(&ctl.cfg, &ctl.prov, &err);
	if (ret < 0) {
		rb_config_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		rb_config_free(&ctl.cfg);
		return 2;
	}
	if (optind != argc) {
		ret = explain(ctl.prov, argv[optind + 1],
			      argc - optind == 3 ? argv[optind + 2] : NULL);
		prov_snapshot_free(ctl.prov);
		rb_config_free(&ctl.cfg);
		return ret;
	}
	inet_ntop(AF_INET, &ctl.cfg.server_ip, ip, sizeof(ip));
	if (check) {
		printf("%s: ok (server %s/%u, port %s %s, http :%u from %s)\n", cfg_path, ip,
		       ctl.cfg.prefix_len,
		       ctl.cfg.port_mode == RB_PORT_AF_XDP	? "af_xdp"
		       : ctl.cfg.port_mode == RB_PORT_AF_PACKET ? "af_packet"
								: "pci",
		       ctl.cfg.port_mode == RB_PORT_PCI ? ctl.cfg.pci_addr : ctl.cfg.interface,
		       ctl.cfg.http_port, ctl.cfg.http_root);
		prov_snapshot_free(ctl.prov);
		rb_config_free(&ctl.cfg);
		return 0;
	}
	if (geteuid() != 0) {
		RB_ERR("the dataplane needs root (DPDK, XDP, taps): run as root");
		return 1;
	}

	if (priv_lookup(ctl.cfg.server_user, &ctl.user, msg, sizeof(msg)) < 0) {
		RB_ERR("%s", msg);
		teardown(&ctl);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* One rackboot per port; held until exit (instlock.h). */
	lock_fd = instlock_take(RB_INSTLOCK_DIR,
				ctl.cfg.interface[0] ? ctl.cfg.interface : ctl.cfg.pci_addr,
				RB_INSTLOCK_WAIT_MS, &lock_prev, msg, sizeof(msg));
	if (lock_fd < 0) {
		RB_ERR("%s", msg);
		teardown(&ctl);
		return 1;
	}
	ctl.lock_fd = lock_fd;
	crashed = clean_after_crash(&lock_prev);
	ctl.prev_unclean = crashed;
	if (api_token(&ctl, msg, sizeof(msg)) < 0) {
		RB_ERR("api.token_file %s", msg);
		teardown(&ctl);
		return 1;
	}
	dp_exe = find_dataplane(dp_exe);
	eal_args(&ctl.cfg, eal_argv, 32, eal_store);
	dp_config(&ctl.cfg, dp_exe, &dpc);
	RB_INFO("version %s: starting dataplane %s", RB_VERSION, dp_exe);
	if (boot_from_config(&ctl, msg, sizeof(msg)) < 0) {
		RB_ERR("tftp: %s", msg);
		teardown(&ctl);
		return 1;
	}
	/* The host lifecycle's store shares the file, with DHCP on or off. */
	if (ctl.cfg.dhcp.database[0] && leasedb_prepare(ctl.cfg.dhcp.database, ctl.user.uid,
							ctl.user.gid, msg, sizeof(msg)) < 0) {
		RB_ERR("lease database: %s", msg);
		teardown(&ctl);
		return 1;
	}
	if (dhcp_ctl_open(&ctl.dhcp, &ctl.cfg, ctl.user.uid, ctl.user.gid, msg, sizeof(msg)) < 0) {
		RB_ERR("lease database: %s", msg);
		teardown(&ctl);
		return 1;
	}
	/* The dataplane inherits the port's lock (instlock.h): only across this
	 * fork, nothing else runs children yet. */
	fcntl(lock_fd, F_SETFD, 0);
	ctl.dp = dpchan_start(dp_exe, eal_argv, &dpc, ctl_setup, &ctl, dhcp_ctl_commit, &ctl.dhcp,
			      60000, &ready, msg, sizeof(msg));
	fcntl(lock_fd, F_SETFD, FD_CLOEXEC);
	if (!ctl.dp) {
		RB_ERR("dataplane failed to start: %s", msg);
		dhcp_ctl_close(&ctl.dhcp);
		teardown(&ctl);
		return 1;
	}
	snprintf(ctl.kernel_if, sizeof(ctl.kernel_if), "%s", ready.tap_name);
	if (ctl.dhcp.db && leasedb_is_uri(ctl.cfg.dhcp.database)) {
		ctl.feed = lease_feed_start(ctl.dhcp.db, ctl.dp, &ctl.dhcp.feed_cursor,
					    ctl.cfg.dhcp.database_poll_ms, msg, sizeof(msg));
		if (!ctl.feed) {
			RB_ERR("%s", msg);
			goto out;
		}
	}
	ctl.live = prov_live_new(ctl.prov, ctl.dhcp.db);
	if (!ctl.live) {
		RB_ERR("out of memory");
		goto out;
	}
	ctl.prov = NULL; /* live owns it */
	ctl.svc =
	    provsvc_new(&ctl.cfg, ctl.user.uid, ctl.live, &ctl.dhcp, ctl.boot, msg, sizeof(msg));
	if (!ctl.svc) {
		RB_ERR("host lifecycle: %s", msg);
		goto out;
	}
	dpchan_set_events(ctl.dp, provsvc_on_events, ctl.svc);
	if (provsvc_attach(ctl.svc, ctl.dp, msg, sizeof(msg)) < 0) {
		RB_ERR("boot configs: %s", msg);
		goto out;
	}
	if (api_start(&ctl) < 0) {
		RB_ERR("out of memory");
		goto out;
	}
	{
		const struct prov_snapshot *cur = prov_live_get(ctl.live);
		const struct inventory *inv = prov_inventory(cur);
		size_t nfiles;

		prov_files(cur, &nfiles);
		if (inv->n_profiles || inv->n_hosts)
			RB_INFO("provisioning: %zu profile(s), %zu host(s), %zu group(s); %zu boot "
				"config(s) generated, served from memory",
				inv->n_profiles, inv->n_hosts, inv->n_groups, nfiles);
		prov_live_put(ctl.live, cur);
	}
	RB_INFO("tftp: %" PRIu64 " file(s), %.1f MB cached from %s (%" PRIu64
		" skipped: outside the root, special, too big or unreadable)",
		ready.cache_files, (double)ready.cache_bytes / 1e6, ctl.cfg.tftp_root,
		ready.cache_skipped);
	for (unsigned i = 0; i < ctl.cfg.nb_tftp_mounts; i++)
		RB_INFO("tftp: mounted %s at '%s' (TFTP and http /boot/)",
			ctl.cfg.tftp_mounts[i].path, ctl.cfg.tftp_mounts[i].name);
	if (ctl.cfg.dhcp.mode == RB_DHCP_SERVER)
		RB_INFO("dhcp server: %u subnet(s), %u reservation(s), %" PRIu64
			" lease record(s) loaded from %s",
			ctl.cfg.dhcp.nb_subnets, ctl.cfg.dhcp.nb_resv, ctl.dhcp.loaded,
			ctl.cfg.dhcp.database);
	else if (ctl.cfg.dhcp.mode == RB_DHCP_PROXY)
		RB_INFO("proxyDHCP: answering PXE clients only (ports 67, 4011)");
	else
		RB_INFO("dhcp off (no dhcp section in the config)");
	RB_INFO("port %s (%s) mac %02x:%02x:%02x:%02x:%02x:%02x, %u worker(s), "
		"exception %s",
		ctl.cfg.port_mode == RB_PORT_PCI ? ctl.cfg.pci_addr : ctl.cfg.interface,
		ready.port_driver, ready.mac[0], ready.mac[1], ready.mac[2], ready.mac[3],
		ready.mac[4], ready.mac[5], ready.nb_workers,
		ctl.cfg.exception_mode == RB_EXC_XDP   ? "xdp (kernel keeps the interface)"
		: ctl.cfg.exception_mode == RB_EXC_TAP ? "tap"
						       : "none");

	ret = 1;
	if (ctl.cfg.port_mode == RB_PORT_AF_PACKET) {
		int r = netif_quiet(ctl.cfg.interface, &ctl.quiet);

		if (r < 0) {
			RB_ERR("cannot quiet the kernel on %s: %s", ctl.cfg.interface,
			       strerror(-r));
			goto out;
		}
	}
	if (ctl.cfg.exception_mode != RB_EXC_NONE) {
		int r = netif_wait(ctl.kernel_if, 5000);

		if (r == 0)
			r = netif_up(ctl.kernel_if, ctl.cfg.mtu);
		if (r == 0)
			r = netif_addr_ensure(ctl.kernel_if, ctl.cfg.server_ip, ctl.cfg.prefix_len,
					      &ctl.addr_added);
		if (r == 0 && !ctl.addr_added && crashed) {
			/* The killed instance's address: ours to remove at stop. */
			ctl.addr_added = true;
			RB_NOTICE(
			    "took over the address %s/%u on %s left by rackboot pid %d that did "
			    "not stop cleanly; it goes at stop",
			    ip, ctl.cfg.prefix_len, ctl.kernel_if, lock_prev.pid);
		}
		if (r < 0) {
			RB_ERR("cannot give %s the address %s/%u: %s", ctl.kernel_if, ip,
			       ctl.cfg.prefix_len, strerror(-r));
			goto out;
		}
	}
	ctl.prev_unclean = false; /* its address, if any, is ours now */
	hc = (struct rb_http_config){
	    .root = ctl.cfg.http_root,
	    .port = ctl.cfg.http_port,
	    .threads = ctl.cfg.http_threads,
	    .per_ip = ctl.cfg.http_per_ip,
	    .metrics = metrics_cb,
	    .metrics_arg = &ctl,
	    .api = ctl.api,
	    .api_address = ctl.cfg.api_address,
	    .api_port = ctl.cfg.api_port,
	    .boot = ctl.boot,
	    .tpl = template_cb,
	    .tpl_arg = ctl.live,
	    .done = provsvc_on_http,
	    .done_arg = ctl.svc,
	    .callback = provsvc_callback,
	    .callback_arg = ctl.svc,
	};
	ctl.http = rb_http_start(&hc, msg, sizeof(msg));
	if (!ctl.http) {
		RB_ERR("http: %s", msg);
		goto out;
	}
	/* Everything that needs root is done (privdrop.h). */
	if (priv_drop(&ctl.user, msg, sizeof(msg)) < 0 ||
	    (ctl.user.drop && check_reach(&ctl, msg, sizeof(msg)) < 0)) {
		RB_ERR("%s", msg);
		goto out;
	}
	if (ctl.user.drop) {
		RB_INFO("running as user %s (uid %u), keeping CAP_NET_ADMIN and CAP_KILL",
			ctl.user.name, (unsigned)ctl.user.uid);
		warn_power_files(&ctl);
	} else
		RB_WARN("server.user is %s (uid 0): the control stays root", ctl.user.name);
	RB_INFO("api: /api/v1/ on %s port %u (token in %s)",
		ctl.cfg.api_port ? ctl.cfg.api_address : "the http",
		ctl.cfg.api_port ? ctl.cfg.api_port : ctl.cfg.http_port, ctl.cfg.api_token_file);
	RB_INFO("serving http://%s:%u/ from %s on %s; Ctrl-C stops", ip, ctl.cfg.http_port,
		ctl.cfg.http_root, ctl.kernel_if);

	ret = run_status_loop(&ctl, status_mode, every);
	if (stop_signal)
		RB_NOTICE("%s, stopping", strsignal(stop_signal));
out:
	teardown(&ctl);
	if (ret == 0)
		RB_INFO("stopped cleanly");
	return ret;
}
