/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c: rackboot-dataplane, the DPDK primary process.
 *
 * Started by the control process (never by hand) as
 *   rackboot-dataplane <EAL args> -- --channel-fd N
 * It initialises EAL, waits for DP_CONFIG on the channel, brings the ports
 * up, answers DP_READY (or DP_ERROR), launches one worker per lcore beyond
 * the main one, and then the main lcore serves the channel until SHUTDOWN,
 * a signal, or the control's end of the channel closing.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "dp.h"
#include "log.h"

struct dp dp;

/* EAL's --log-level=rackboot.dataplane:debug applies to our lines. */
RTE_LOG_REGISTER(rb_dp_logtype, rackboot.dataplane, INFO);

/* The rb_log() sink once EAL is up: every line goes through rte_log, so
 * EAL's log stream and levels apply to it as to EAL's own lines. */
static void
log_to_rte(enum rb_log_level level, const char *line)
{
	uint32_t l;

	switch (level) {
	case RB_LOG_ERR:
		l = RTE_LOG_ERR;
		break;
	case RB_LOG_WARN:
		l = RTE_LOG_WARNING;
		break;
	case RB_LOG_NOTICE:
		l = RTE_LOG_NOTICE;
		break;
	case RB_LOG_INFO:
		l = RTE_LOG_INFO;
		break;
	default:
		l = RTE_LOG_DEBUG;
		break;
	}
	rte_log(l, (uint32_t)rb_dp_logtype, "rackboot-dataplane: %s%s\n",
		level == RB_LOG_WARN ? "warning: " : "", line);
}

static int chan_fd = -1;

static void
on_signal(int sig)
{
	(void)sig;
	dp.quit = true;
}

static int
chan_send_flags(enum rb_msg_type type, uint32_t seq, const void *payload, size_t len, int flags)
{
	char buf[RB_CHAN_MAX_MSG + sizeof(struct rb_msg_hdr)];
	int n = rb_msg_build(buf, sizeof(buf), type, seq, payload, len);

	if (n < 0)
		return n;
	return send(chan_fd, buf, (size_t)n, MSG_NOSIGNAL | flags) == n ? 0 : -errno;
}

static int
chan_send(enum rb_msg_type type, uint32_t seq, const void *payload, size_t len)
{
	return chan_send_flags(type, seq, payload, len, 0);
}

/* For what must never wait for the control (boot events): -EAGAIN when
 * the channel's buffer is full. */
static int
chan_send_nowait(enum rb_msg_type type, uint32_t seq, const void *payload, size_t len)
{
	return chan_send_flags(type, seq, payload, len, MSG_DONTWAIT);
}

static void
send_error(int code, const char *msg)
{
	struct rb_dp_error e = {.code = code};

	snprintf(e.message, sizeof(e.message), "%s", msg);
	RB_ERR("%s", msg);
	chan_send(RB_MSG_DP_ERROR, 0, &e, sizeof(e));
}

/*
 * Wait up to timeout_ms for one message. Returns its type (> 0), 0 on
 * timeout, -EPIPE when the control is gone, or another -errno.
 */
static int
chan_recv(int timeout_ms, struct rb_msg_hdr *hdr, void *payload, size_t cap)
{
	char buf[RB_CHAN_MAX_MSG + sizeof(struct rb_msg_hdr)];
	struct pollfd p = {.fd = chan_fd, .events = POLLIN};
	const void *pl;
	ssize_t n;
	int ret;

	ret = poll(&p, 1, timeout_ms);
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	if (ret == 0)
		return 0;
	n = recv(chan_fd, buf, sizeof(buf), 0);
	if (n == 0)
		return -EPIPE;
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	ret = rb_msg_parse(buf, (size_t)n, hdr, &pl);
	if (ret < 0)
		return ret;
	if (hdr->len > cap)
		return -EMSGSIZE;
	memcpy(payload, pl, hdr->len);
	return hdr->type;
}

static void
collect_stats(struct rb_stats *st)
{
	struct rte_eth_stats es;
	uint16_t w;
	int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < RB_CNT_MAX; i++)
		st->counters[i] += dp.main_counters[i];
	for (w = 0; w < dp.nb_workers; w++) {
		/* Workers write their own counters; 64-bit loads are atomic
		 * here, and a count one burst stale is fine. */
		for (i = 0; i < RB_CNT_MAX; i++)
			st->counters[i] += dp.workers[w].counters[i];
		for (i = 0; i < RB_DROP_MAX; i++)
			st->drops[i] += dp.workers[w].drops[i];
	}
	st->cache_generation = dp.cache_generation;
	st->cache_files = dp.cache_stats.files;
	st->cache_bytes = dp.cache_stats.bytes;
	st->cache_reload_failed = dp.cache_reload_failed;
	st->gen_files = dp.gen_cur.n;
	st->gen_bytes = dp.gen_cur.bytes;
	st->gen_published = dp.gen_published;
	st->gen_refused = dp.gen_refused;
	if (rte_eth_stats_get(dp.port_id, &es) == 0) {
		st->port_ipackets = es.ipackets;
		st->port_opackets = es.opackets;
		st->port_ibytes = es.ibytes;
		st->port_obytes = es.obytes;
		st->port_imissed = es.imissed;
		st->port_ierrors = es.ierrors;
		st->port_oerrors = es.oerrors;
	}
	st->tsc_hz = rte_get_tsc_hz();
	st->uptime_ms = (rte_get_tsc_cycles() - dp.start_tsc) * 1000 / st->tsc_hz;
}

/* Keeps a TFTP_ROOTS payload (checked by rb_msg_parse()) for the next
 * load. 0 or -ENOMEM (the previous list stays). */
static int
roots_keep(const void *pl, size_t len)
{
	void *copy = malloc(len);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, pl, len);
	free(dp.roots);
	dp.roots = copy;
	dp.roots_len = len;
	return 0;
}

/*
 * Loads the image cache from a TFTP_ROOTS payload, or tftp_root alone
 * when there is none (roots NULL). As ic_load_roots().
 */
static struct image_cache *
cache_load(const void *roots, size_t len, const struct ic_alloc *a, struct ic_stats *st, char *msg,
	   size_t cap)
{
	struct rb_boot_root br[RB_MAX_BOOT_ROOTS];
	struct ic_root r[RB_MAX_BOOT_ROOTS];
	int n, i;

	if (!roots)
		return ic_load(dp.cfg.tftp_root, (uint64_t)dp.cfg.tftp_cache_mb << 20, a, st, msg,
			       cap);
	n = rb_roots_decode(roots, len, br, RB_MAX_BOOT_ROOTS);
	if (n < 0) { /* checked on receipt: cannot happen */
		snprintf(msg, cap, "image cache: a bad roots list");
		errno = EBADMSG;
		return NULL;
	}
	for (i = 0; i < n; i++)
		r[i] = (struct ic_root){.prefix = br[i].prefix, .path = br[i].path};
	return ic_load_roots(r, (size_t)n, (uint64_t)dp.cfg.tftp_cache_mb << 20, a, st, msg, cap);
}

/*
 * After DP_CONFIG: the DHCP snapshot, reservations and stored leases, up
 * to CONFIG_DONE. Returns 0, or -errno with a reason in msg.
 */
static int
receive_setup(char *msg, size_t cap)
{
	static union {
		struct rb_dhcp_dp_config dhcp;
		struct rb_resv_batch resv;
		struct rb_lease_batch leases;
		char raw[RB_CHAN_MAX_MSG];
	} pl;
	struct rb_msg_hdr hdr;
	bool have_dhcp = false, indexed = false;
	uint32_t i;
	int t, ret;

	for (;;) {
		t = chan_recv(10000, &hdr, &pl, sizeof(pl));
		if (t <= 0) {
			snprintf(msg, cap, "start-up messages from the control stopped (%d)", t);
			return t < 0 ? t : -ETIMEDOUT;
		}
		switch (t) {
		case RB_MSG_DHCP_CONFIG:
			ret =
			    dhcpd_init(&dp.dhcp, &pl.dhcp, dp.cfg.server_ip, dp.cfg.mtu, msg, cap);
			if (ret < 0)
				return ret;
			have_dhcp = true;
			dp.dhcp_on = pl.dhcp.mode != RB_DHCP_OFF;
			break;
		case RB_MSG_DHCP_RESV:
			for (i = 0; have_dhcp && i < pl.resv.count; i++) {
				ret = dhcpd_add_resv(&dp.dhcp, &pl.resv.resv[i]);
				if (ret < 0) {
					snprintf(msg, cap, "dhcp: reservation %u refused: %s", i,
						 strerror(-ret));
					return ret;
				}
			}
			break;
		case RB_MSG_LEASE_LOAD:
			if (have_dhcp && !indexed) {
				/* Reservations are all in: index them before
				 * leases are matched to addresses. */
				if (dhcpd_ready(&dp.dhcp) < 0)
					goto dup;
				indexed = true;
			}
			for (i = 0; have_dhcp && i < pl.leases.count; i++) {
				if (dhcpd_load(&dp.dhcp, &pl.leases.rec[i]) == 0)
					dp.leases_loaded++;
				else
					dp.leases_skipped++;
			}
			break;
		case RB_MSG_TFTP_ROOTS:
			ret = roots_keep(&pl, hdr.len);
			if (ret < 0) {
				snprintf(msg, cap, "tftp: no memory for the boot namespace");
				return ret;
			}
			break;
		case RB_MSG_CONFIG_DONE:
			if (!have_dhcp) {
				snprintf(msg, cap, "no DHCP config from the control");
				return -EPROTO;
			}
			if (!indexed && dhcpd_ready(&dp.dhcp) < 0)
				goto dup;
			return 0;
		default:
			break;
		}
	}
dup:
	snprintf(msg, cap, "dhcp: a MAC or client id is reserved twice");
	return -EEXIST;
}

/*
 * The reload thread: tftp.root into a new generation, beside the one
 * being served. The main lcore publishes the result (reload_poll).
 */
static void *
loader_main(void *arg)
{
	struct ic_alloc a;

	(void)arg;
	dp_cache_alloc(&dp, &a);
	dp.loader_msg[0] = 0;
	dp.loaded = cache_load(dp.loader_roots, dp.loader_roots_len, &a, &dp.loaded_stats,
			       dp.loader_msg, sizeof(dp.loader_msg));
	__atomic_store_n(&dp.loader_state, 2, __ATOMIC_RELEASE);
	return NULL;
}

static void
reload_start(void)
{
	if (__atomic_load_n(&dp.loader_state, __ATOMIC_ACQUIRE)) {
		RB_WARN("tftp reload already under way");
		return;
	}
	/* The loader's own copy: a TFTP_ROOTS during the load is kept for
	 * the next one. */
	dp.loader_roots = dp.roots ? malloc(dp.roots_len) : NULL;
	dp.loader_roots_len = dp.roots_len;
	if (dp.roots && !dp.loader_roots) {
		dp.cache_reload_failed++;
		RB_ERR("tftp reload: no memory");
		return;
	}
	if (dp.roots)
		memcpy(dp.loader_roots, dp.roots, dp.roots_len);
	__atomic_store_n(&dp.loader_state, 1, __ATOMIC_RELEASE);
	if (pthread_create(&dp.loader, NULL, loader_main, NULL) != 0) {
		__atomic_store_n(&dp.loader_state, 0, __ATOMIC_RELEASE);
		free(dp.loader_roots);
		dp.loader_roots = NULL;
		dp.cache_reload_failed++;
		RB_ERR("tftp reload: no thread");
	}
}

/* A finished load: publish it (cache_publish.c), with the generated files
 * on top. */
static void
reload_poll(void)
{
	if (__atomic_load_n(&dp.loader_state, __ATOMIC_ACQUIRE) != 2)
		return;
	pthread_join(dp.loader, NULL);
	__atomic_store_n(&dp.loader_state, 0, __ATOMIC_RELEASE);
	free(dp.loader_roots);
	dp.loader_roots = NULL;
	dp_cache_loaded(&dp, dp.loaded, &dp.loaded_stats, dp.loader_msg);
	dp.loaded = NULL;
}

/* Load the TFTP root and give every worker its session table. */
static int
tftp_setup(char *msg, size_t cap)
{
	struct ic_alloc a;
	struct tftpd_cfg tc = {
	    .mtu = dp.cfg.mtu,
	    .port_lo = dp.cfg.session_port_lo,
	    .port_hi = dp.cfg.session_port_hi,
	    .max_window = dp.cfg.tftp_max_window,
	    .max_sessions = dp.cfg.tftp_max_sessions,
	    .max_per_source = dp.cfg.tftp_per_source,
	    .rrq_rate = dp.cfg.tftp_rrq_rate,
	    .max_retries = dp.cfg.tftp_retries,
	    .rto_min_us = TFTPD_RTO_MIN_US,
	    .rto_init_us = TFTPD_RTO_INIT_US,
	    .rto_max_us = TFTPD_RTO_MAX_US,
	    .give_up_us = TFTPD_GIVE_UP_US,
	    .oack_wait_us = TFTPD_OACK_WAIT_US,
	    .mc_group = dp.cfg.mc_group,
	    .mc_port = dp.cfg.mc_port,
	    .mc_streams = dp.cfg.mc_streams,
	    .mc_members = dp.cfg.mc_clients,
	    .mc_window = dp.cfg.mc_window,
	    .mtftp_group = dp.cfg.mtftp_group,
	    .mtftp_cport = dp.cfg.mtftp_client_port,
	};
	uint16_t w;
	int ret;

	dp.tsc_per_us = rte_get_tsc_hz() / 1000000;
	if (!dp.tsc_per_us)
		dp.tsc_per_us = 1;
	dp_cache_alloc(&dp, &a);
	dp.cache_generation = 1;
	dp.cache = cache_load(dp.roots, dp.roots_len, &a, &dp.cache_stats, msg, cap);
	if (!dp.cache)
		return -errno;
	dp.base = ic_get(dp.cache); /* the first tree generated files go on */
	dp.base_generation = 1;
	if (dp.tx_multiseg) {
		dp.ext_pool = rte_pktmbuf_pool_create("rb_ext", dp.cfg.mbufs, 256, 0, 0,
						      rte_eth_dev_socket_id(dp.port_id));
		if (!dp.ext_pool)
			dp.tx_multiseg = false; /* fall back to copies, counted */
	}
	for (w = 0; w < dp.nb_workers; w++) {
		tc.port_stride = dp.nb_workers;
		tc.port_offset = w;
		if (dp.nb_workers > 1) {
			char name[RTE_RING_NAMESIZE];

			snprintf(name, sizeof(name), "rb_tftp_in%u", w);
			dp.workers[w].tftp_in = rte_ring_create(
			    name, 4096, rte_eth_dev_socket_id(dp.port_id), RING_F_SC_DEQ);
			if (!dp.workers[w].tftp_in) {
				snprintf(msg, cap, "tftp: no memory for worker %u's handoff ring",
					 w);
				return -ENOMEM;
			}
		}
		ret = tftpd_init(&dp.workers[w].tftp, &tc);
		if (ret < 0) {
			snprintf(msg, cap, "tftp: no memory for %u sessions", tc.max_sessions);
			return ret;
		}
		dp.workers[w].tftp.cache = ic_get(dp.cache); /* the worker's own reference */
	}
	return 0;
}

/*
 * Reads a file descriptor number: decimal, 0..INT_MAX, nothing after it,
 * and open in this process. Returns it, or -EINVAL / -EBADF with a message.
 */
static int
parse_fd(const char *opt, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX) {
		RB_ERR("%s: '%s' is not a file descriptor number (0..%d)", opt, s, INT_MAX);
		return -EINVAL;
	}
	if (fcntl((int)v, F_GETFD) < 0) {
		RB_ERR("%s: %ld is not an open file descriptor", opt, v);
		return -EBADF;
	}
	return (int)v;
}

/* The arguments after EAL's: --channel-fd N, required, nothing else. */
static int
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"channel-fd", required_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			chan_fd = parse_fd("--channel-fd", optarg);
			if (chan_fd < 0)
				return chan_fd;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		RB_ERR("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (chan_fd < 0) {
		RB_ERR("--channel-fd is required");
		return -EINVAL;
	}
	return 0;
}

/* Serve the channel on the main lcore until told to stop; between
 * messages, move lease records (group commit) and boot events to the
 * control. */
static void
serve_channel(void)
{
	static union {
		struct rb_stats stats;
		struct rb_lease_ack ack;
		char raw[RB_CHAN_MAX_MSG];
	} pl;
	struct rb_msg_hdr hdr;
	int t, wait_ms, ev_ms;

	while (!dp.quit) {
		wait_ms = dp.dhcp_on ? dp_commit_pump(&dp, chan_send) : 200;
		ev_ms = dp_events_pump(&dp, chan_send_nowait);
		if (ev_ms < wait_ms)
			wait_ms = ev_ms;
		reload_poll();
		t = chan_recv(wait_ms, &hdr, &pl, sizeof(pl));
		if (t == -EPIPE) {
			RB_INFO("control process gone, stopping");
			break;
		}
		if (t <= 0)
			continue;
		switch (t) {
		case RB_MSG_STATS_REQ:
			collect_stats(&pl.stats);
			chan_send(RB_MSG_STATS_REP, hdr.seq, &pl.stats, sizeof(pl.stats));
			break;
		case RB_MSG_SHUTDOWN:
			dp.quit = true;
			break;
		case RB_MSG_TFTP_RELOAD:
			reload_start();
			break;
		case RB_MSG_TFTP_ROOTS:
			if (roots_keep(&pl, hdr.len) < 0)
				RB_ERR("tftp: no memory for the new roots, keeping the old ones");
			break;
		case RB_MSG_LEASE_COMMITTED:
			dp_commit_done(&dp, &pl.ack);
			break;
		case RB_MSG_GEN_FILES:
			dp_gen_files(&dp, &pl, hdr.len);
			break;
		case RB_MSG_GEN_PUBLISH:
			dp_gen_publish(&dp);
			break;
		default:
			break;
		}
	}
	dp.quit = true;
}

int
main(int argc, char **argv)
{
	struct rb_dp_ready ready = {0};
	struct rte_eth_dev_info info;
	struct rb_msg_hdr hdr;
	char msg[256] = "";
	unsigned lcore;
	int ret, eal, t;

	/* Die with the control process even if it is killed outright. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* Until EAL's log is up, lines go to stderr. */
	rb_log_open("rackboot-dataplane", 0);
	eal = rte_eal_init(argc, argv);
	if (eal < 0) {
		RB_ERR("EAL init failed: %s", rte_strerror(rte_errno));
		return 1;
	}
	rb_log_set_sink(log_to_rte);
	rb_log_set_level(RB_LOG_DEBUG); /* rte_log's level for our type decides */
	if (parse_args(argc - eal, argv + eal) < 0) {
		RB_ERR("usage: rackboot-dataplane <EAL args> -- --channel-fd N "
		       "(started by rackboot; see rackboot --help)");
		rb_log_set_sink(NULL);
		rte_eal_cleanup();
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	t = chan_recv(10000, &hdr, &dp.cfg, sizeof(dp.cfg));
	if (t != RB_MSG_DP_CONFIG) {
		RB_ERR("no config from control (%d)", t);
		ret = 1;
		goto out;
	}
	dp.net.ip = dp.cfg.server_ip;
	dp.net.tftp_port = dp.cfg.tftp_port;
	dp.net.session_lo = dp.cfg.session_port_lo;
	dp.net.session_hi = dp.cfg.session_port_hi;
	dp.net.mtftp_port = dp.cfg.mtftp_group ? dp.cfg.mtftp_port : 0;
	/* Router lifetime 0, no prefix, M and O clear (dp.ra zeroed): "no
	 * router, nothing to configure", which ends firmware's wait. */
	dp.net.ra_on = dp.cfg.ipv6_ra != 0;
	dp.start_tsc = rte_get_tsc_cycles();
	rte_spinlock_init(&dp.dhcp_lock);
	ret = receive_setup(msg, sizeof(msg));
	if (ret < 0) {
		send_error(ret, msg);
		ret = 1;
		goto out;
	}

	dp.nb_workers = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (dp.nb_workers == DP_MAX_WORKERS)
			break;
		dp.workers[dp.nb_workers].lcore_id = lcore;
		dp.workers[dp.nb_workers].index = dp.nb_workers;
		dp.nb_workers++;
	}
	if (dp.nb_workers == 0) {
		send_error(-EINVAL, "dataplane.lcores needs at least two lcores: main + a worker");
		ret = 1;
		goto out;
	}
	ret = dp_commit_init(&dp, msg, sizeof(msg));
	if (ret == 0)
		ret = dp_ports_setup(&dp, msg, sizeof(msg));
	if (ret == 0)
		ret = tftp_setup(msg, sizeof(msg));
	if (ret == 0)
		ret = dp_events_init(&dp, msg, sizeof(msg));
	if (ret < 0) {
		send_error(ret, msg);
		ret = 1;
		goto out;
	}

	memcpy(ready.mac, dp.net.mac, 6);
	ready.port_id = dp.port_id;
	ready.nb_workers = dp.nb_workers;
	ready.exc_port_present = dp.has_exc_port;
	if (rte_eth_dev_info_get(dp.port_id, &info) == 0)
		snprintf(ready.port_driver, sizeof(ready.port_driver), "%s", info.driver_name);
	snprintf(ready.tap_name, sizeof(ready.tap_name), "%s",
		 dp.has_exc_port ? dp.cfg.tap_name : dp.cfg.interface);
	ready.cache_files = dp.cache_stats.files;
	ready.cache_bytes = dp.cache_stats.bytes;
	ready.cache_skipped = dp.cache_stats.skipped_outside + dp.cache_stats.skipped_special +
			      dp.cache_stats.skipped_too_big + dp.cache_stats.skipped_deep +
			      dp.cache_stats.skipped_loop + dp.cache_stats.skipped_name +
			      dp.cache_stats.skipped_limit + dp.cache_stats.skipped_error;

	for (uint16_t w = 0; w < dp.nb_workers; w++)
		rte_eal_remote_launch(dp_worker_main, &dp.workers[w], dp.workers[w].lcore_id);
	chan_send(RB_MSG_DP_READY, hdr.seq, &ready, sizeof(ready));

	serve_channel();
	rte_eal_mp_wait_lcore();
	ret = 0;
out:
	dp_ports_close(&dp);
	dp_commit_fini(&dp);
	dhcpd_free(&dp.dhcp);
	if (__atomic_load_n(&dp.loader_state, __ATOMIC_ACQUIRE)) {
		pthread_join(dp.loader, NULL);
		ic_put(dp.loaded);
	}
	free(dp.loader_roots);
	free(dp.roots);
	for (uint16_t w = 0; w < dp.nb_workers; w++) {
		struct worker *wk = &dp.workers[w];

		tftpd_fini(&wk->tftp); /* drops the sessions' references */
		dp_tftp_unpin_all(wk);
		ic_put(wk->tftp.cache);
		ic_put(wk->cache_next);
	}
	/* The transfers just ended (TFTP_FAIL evicted) and what the workers
	 * left, while the control still reads. */
	dp_events_flush(&dp, chan_send_nowait);
	dp_events_fini(&dp);
	if (dp.cache)
		ic_put(dp.cache);
	dp_gen_fini(&dp);
	rte_mempool_free(dp.ext_pool);
	rb_log_set_sink(NULL); /* rte_log is gone after the cleanup */
	rte_eal_cleanup();
	return ret;
}
