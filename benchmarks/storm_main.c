/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * storm_main.c: rackboot-storm, a rack of emulated PXE nodes on one DPDK
 * port. A client of the server under test, never part of it: it links the
 * project's codecs (proto/) and its own node state machine
 * (storm_node.c), no dataplane code.
 *
 *   rackboot-storm [EAL options] -- [options]
 *
 * EAL options choose the port, as for any DPDK program:
 *   on the virtual rack (inside a client namespace, `scripts/rack.sh client
 *   NAME`):   --no-pci --no-huge --no-shconf -m 256 --file-prefix storm$$
 *             --vdev net_af_packet0,iface=eth0
 *             (or --vdev net_af_xdp0,iface=eth0; for hundreds of nodes give
 *             af_packet a bigger ring: ,blocksz=4096,framesz=2048,framecnt=8192)
 *   a real NIC bound to vfio-pci:
 *             -a 0000:01:00.0 -m 1024 --in-memory --file-prefix storm
 *
 * What each node does (storm_node.h): DHCP DISCOVER with PXE options,
 * REQUEST, ACK, firmware's 4/8/16/32 s retransmissions (scaled with
 * --dhcp-timeout-ms); optionally EDK2's tsize probe (RRQ tsize, OACK,
 * ERROR 8); TFTP of the boot file the ACK names, then every --file in order,
 * blksize 1468 and --windowsize; every byte compared with the file of that
 * name under --tftp-root (the server's TFTP root, mapped). It answers ARP for
 * its leased address and uses that address as its TFTP source.
 *
 * Options:
 *   --nodes N            nodes to boot, 1..4096 (1)
 *   --tftp-root DIR      where the expected files are (required)
 *   --file NAME          a further file after the boot file (repeat, up to 7)
 *   --arch N             option 93: 7 x86-64 UEFI (default), 0 BIOS, ...
 *   --ipxe               send user class "iPXE"
 *   --broadcast          set the DHCP broadcast flag
 *   --blksize N          TFTP blksize asked for (1468; 0: none, 512 lockstep)
 *   --windowsize N       TFTP windowsize asked for (0: none)
 *   --tsize-probe        EDK2's tsize probe before the boot file
 *   --multicast          the --file files by RFC 2090 multicast, as iPXE's
 *                        tftm:// (the boot file stays unicast, as firmware
 *                        loads it); DATA to a group reaches every member
 *                        through a per-group member list, its payload
 *                        compared once per frame
 *   --dhcp-timeout-ms N  first DHCP wait, doubled per try (4000)
 *   --dhcp-tries N       sends of one DHCP message before giving up (4)
 *   --tftp-timeout-ms N  TFTP wait before resending (1000)
 *   --tftp-tries N       resends without progress before giving up (5)
 *   --concurrency N      nodes booting at once (all)
 *   --start-rate N       nodes started per second (0: as fast as --concurrency lets)
 *   --timeout SECS       the whole run, 1..86400 (120)
 *   --seed N             third MAC byte, 0..255: 52:54:<seed>:<index> (1)
 *   --json FILE          per-node timings and counters
 *   --port N             the DPDK port (0)
 *   --idle-us N          sleep this long after 64 empty polls (20; 0: spin)
 * DORA rate mode, DHCP only (storm_dora.h; dhcp_storm's open loop on this
 * port; no --tftp-root):
 *   --dora-rate R        offered DORA exchanges per second (one step), or
 *   --dora-search R      a rate search from R (x2 up, then 2 bisections)
 *   --duration S         each step, 1..3600 s (10)
 *   --clients N          clients cycled, 1..262144 (10000; at most the pool)
 *   --dora-timeout-ms N  an exchange without its ACK by then is lost (1000)
 *   --max-loss PCT       the loss a search step may have (2.5)
 *   --dora-steps N       a search's steps up, 1..30 (10)
 *   --leases FILE        at the end, "MAC address server" per client leased
 *   (--arch, --ipxe, --broadcast, --seed as for the nodes)
 * Raw mode, the link's own packet rate with the same program:
 *   --raw --dst-mac MAC --dst-ip IP --src-ip IP [--size 60..1514 (64)] [--secs S (5)]
 *   UDP to port 9 (discard); the receiving side counts (ip -s link), the
 *   line printed says what left the port.
 *
 * Output: one line of key=value pairs (nodes, leased, done, failed, bytes,
 * secs, rx_pps, tx_pps, goodput_mbit, lease_ms_p50/p95/max,
 * boot_ms_p50/p95/max, dhcp_retries, tftp_retries, dups, holes, tx_drops,
 * rx_missed, rx_lost (vdev ports: frames the kernel interface got that the
 * storm never saw), cpu_s); a line
 * per failed node on stderr (the first 20). Exit 0 when every node is done.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "storm.h"
#include "storm_dora.h"
#include "storm_dora_run.h"
#include "storm_node.h"
#include "storm_port.h"
#include "storm_report.h"
#include "tftp.h"

#define FILES_CACHE 16
#define IPMAP_BITS 13
#define IPMAP_SIZE (1u << IPMAP_BITS) /* at least 2 * STORM_NODES_MAX */
_Static_assert(IPMAP_SIZE >= 2 * STORM_NODES_MAX, "ipmap: half full at most");
#define FAIL_LINES 20
#define GROUPS_MAX 64 /* multicast streams the storm follows at once */

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* --- expected files: mapped from --tftp-root, by name -------------------- */

static struct {
	const char *root;
	struct storm_file f[FILES_CACHE];
	unsigned n;
} files;

/* Map root/name; NULL (with a message) when it cannot be read. */
static const struct storm_file *
file_load(const char *name)
{
	struct storm_file *f;
	char path[PATH_MAX];
	struct stat st;
	void *p = NULL;
	unsigned i;
	int fd;

	for (i = 0; i < files.n; i++)
		if (!strcmp(files.f[i].name, name))
			return &files.f[i];
	if (files.n == FILES_CACHE || strstr(name, "..")) {
		fprintf(stderr, "rackboot-storm: refusing to map '%s'\n", name);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", files.root, name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "rackboot-storm: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (p == MAP_FAILED) {
			fprintf(stderr, "rackboot-storm: mmap %s: %s\n", path, strerror(errno));
			close(fd);
			return NULL;
		}
	}
	close(fd);
	f = &files.f[files.n++];
	f->name = strdup(name);
	f->data = p;
	f->size = (uint64_t)st.st_size;
	return f->name ? f : NULL;
}

static const struct storm_file *
lookup(void *arg, const char *name)
{
	(void)arg;
	return file_load(name);
}

/* --- leased address -> node, for broadcast ARP requests ------------------ */

static int32_t ipmap_key[IPMAP_SIZE]; /* node index + 1; 0: empty */
static uint32_t ipmap_ip[IPMAP_SIZE];

/*
 * Fibonacci hashing: the product's top bits, which depend on every bit of
 * the address. Its low bits would not do: the address is in network order,
 * so they hold the rack's prefix (198.18), the same for every node, and
 * each lookup walked one chain of all the nodes.
 */
static uint32_t
ipmap_slot(uint32_t ip)
{
	return (ip * 2654435761u) >> (32 - IPMAP_BITS);
}

static void
ipmap_add(uint32_t ip, uint32_t index)
{
	uint32_t h = ipmap_slot(ip);

	while (ipmap_key[h] && ipmap_ip[h] != ip)
		h = (h + 1) & (IPMAP_SIZE - 1);
	ipmap_ip[h] = ip;
	ipmap_key[h] = (int32_t)index + 1;
}

static int
ipmap_find(void *arg, uint32_t ip)
{
	uint32_t h = ipmap_slot(ip);

	(void)arg;
	while (ipmap_key[h]) {
		if (ipmap_ip[h] == ip)
			return ipmap_key[h] - 1;
		h = (h + 1) & (IPMAP_SIZE - 1);
	}
	return -1;
}

/* --- options ------------------------------------------------------------- */

struct opts {
	uint32_t nodes, concurrency, start_rate, timeout_s, idle_us;
	uint16_t port;
	const char *json;
	bool raw, dora;
	struct storm_raw r;
	struct storm_dora_opts d;
};

static void
usage(void)
{
	fprintf(
	    stderr,
	    "usage: rackboot-storm [EAL options] -- --tftp-root DIR [--nodes N] [--file NAME]...\n"
	    "         [--arch N] [--ipxe] [--broadcast] [--blksize N] [--windowsize N]\n"
	    "         [--tsize-probe] [--multicast] [--dhcp-timeout-ms N] [--dhcp-tries N]\n"
	    "         [--tftp-timeout-ms N] [--tftp-tries N] [--concurrency N]\n"
	    "         [--start-rate N] [--timeout SECS] [--seed N] [--json FILE] [--port N]\n"
	    "         [--idle-us N]\n"
	    "       rackboot-storm [EAL options] -- --dora-rate R | --dora-search R [--duration "
	    "S]\n"
	    "         [--clients N] [--dora-timeout-ms N] [--max-loss PCT] [--dora-steps N]\n"
	    "         [--leases FILE] [--arch N] [--ipxe] [--broadcast] [--seed N]\n"
	    "       rackboot-storm [EAL options] -- --raw --dst-mac MAC --dst-ip IP --src-ip IP\n"
	    "         [--size 60..1514] [--secs S]\n"
	    "(benchmarks/storm_main.c's header says what each does)\n");
	exit(2);
}

/* A number in lo..hi, or exit with a message naming the option. */
static unsigned long
num(const char *opt, const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi) {
		fprintf(stderr, "rackboot-storm: --%s: '%s' is not a number in %lu..%lu\n", opt, s,
			lo, hi);
		exit(2);
	}
	return v;
}

/* A percentage 0..100, or exit with a message naming the option. */
static double
pct_arg(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 100)) {
		fprintf(stderr, "rackboot-storm: --%s: '%s' is not a percentage in 0..100\n", opt,
			s);
		exit(2);
	}
	return v;
}

static void
ip_arg(const char *opt, const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "rackboot-storm: --%s: '%s' is not an IPv4 address\n", opt, s);
		exit(2);
	}
	*ip = a.s_addr;
}

static void
parse(int argc, char **argv, struct opts *o, struct storm_cfg *c)
{
	static const struct option lo[] = {
	    {"nodes", 1, NULL, 'n'},
	    {"tftp-root", 1, NULL, 'R'},
	    {"file", 1, NULL, 'f'},
	    {"arch", 1, NULL, 'a'},
	    {"ipxe", 0, NULL, 'i'},
	    {"broadcast", 0, NULL, 'b'},
	    {"blksize", 1, NULL, 'B'},
	    {"windowsize", 1, NULL, 'W'},
	    {"tsize-probe", 0, NULL, 'p'},
	    {"multicast", 0, NULL, 'm'},
	    {"dhcp-timeout-ms", 1, NULL, 'D'},
	    {"dhcp-tries", 1, NULL, 'd'},
	    {"tftp-timeout-ms", 1, NULL, 'T'},
	    {"tftp-tries", 1, NULL, 't'},
	    {"concurrency", 1, NULL, 'c'},
	    {"start-rate", 1, NULL, 'r'},
	    {"timeout", 1, NULL, 'o'},
	    {"seed", 1, NULL, 's'},
	    {"json", 1, NULL, 'j'},
	    {"port", 1, NULL, 'P'},
	    {"idle-us", 1, NULL, 'I'},
	    {"raw", 0, NULL, 'X'},
	    {"dst-mac", 1, NULL, 'M'},
	    {"dst-ip", 1, NULL, 'E'},
	    {"src-ip", 1, NULL, 'S'},
	    {"size", 1, NULL, 'z'},
	    {"secs", 1, NULL, 'x'},
	    {"dora-rate", 1, NULL, 'A'},
	    {"dora-search", 1, NULL, 'H'},
	    {"duration", 1, NULL, 'u'},
	    {"clients", 1, NULL, 'C'},
	    {"dora-timeout-ms", 1, NULL, 'O'},
	    {"max-loss", 1, NULL, 'L'},
	    {"dora-steps", 1, NULL, 'Z'},
	    {"leases", 1, NULL, 'e'},
	    {NULL, 0, NULL, 0},
	};
	const struct storm_file *f;
	const char *names[STORM_FILES_MAX - 1];
	unsigned nnames = 0, k, m[6];
	int ch;

	*o = (struct opts){.nodes = 1, .timeout_s = 120, .idle_us = 20};
	o->r = (struct storm_raw){.size = 64, .secs = 5};
	o->d = (struct storm_dora_opts){.secs = 10,
					.clients = 10000,
					.timeout_ms = 1000,
					.steps = 10,
					.refine = 2,
					.max_loss = 2.5,
					.quit = &quit};
	*c = (struct storm_cfg){.seed = 1,
				.arch = 7,
				.blksize = 1468,
				.dhcp_timeout_us = 4000000,
				.dhcp_tries = 4,
				.tftp_timeout_us = 1000000,
				.tftp_tries = 5,
				.lookup = lookup};
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o->nodes = (uint32_t)num("nodes", optarg, 1, STORM_NODES_MAX);
			break;
		case 'R':
			files.root = optarg;
			break;
		case 'f':
			if (nnames == STORM_FILES_MAX - 1) {
				fprintf(stderr, "rackboot-storm: at most %d --file\n",
					STORM_FILES_MAX - 1);
				exit(2);
			}
			names[nnames++] = optarg;
			break;
		case 'a':
			c->arch = (uint16_t)num("arch", optarg, 0, 65535);
			break;
		case 'i':
			c->ipxe = true;
			break;
		case 'b':
			c->broadcast = true;
			break;
		case 'B':
			c->blksize = (uint16_t)num("blksize", optarg, 0, TFTP_BLKSIZE_MAX);
			if (c->blksize && c->blksize < 8)
				usage();
			break;
		case 'W':
			c->windowsize = (uint16_t)num("windowsize", optarg, 0, 65535);
			break;
		case 'p':
			c->tsize_probe = true;
			break;
		case 'm':
			c->multicast = true;
			break;
		case 'D':
			c->dhcp_timeout_us =
			    (uint32_t)num("dhcp-timeout-ms", optarg, 1, 60000) * 1000;
			break;
		case 'd':
			c->dhcp_tries = (uint8_t)num("dhcp-tries", optarg, 1, 8);
			break;
		case 'T':
			c->tftp_timeout_us =
			    (uint32_t)num("tftp-timeout-ms", optarg, 1, 60000) * 1000;
			break;
		case 't':
			c->tftp_tries = (uint8_t)num("tftp-tries", optarg, 0, 100);
			break;
		case 'c':
			o->concurrency = (uint32_t)num("concurrency", optarg, 1, STORM_NODES_MAX);
			break;
		case 'r':
			o->start_rate = (uint32_t)num("start-rate", optarg, 0, 1000000);
			break;
		case 'o':
			o->timeout_s = (uint32_t)num("timeout", optarg, 1, 86400);
			break;
		case 's':
			c->seed = (uint8_t)num("seed", optarg, 0, 255);
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'P':
			o->port = (uint16_t)num("port", optarg, 0, 1023);
			break;
		case 'I':
			o->idle_us = (uint32_t)num("idle-us", optarg, 0, 10000);
			break;
		case 'X':
			o->raw = true;
			break;
		case 'M':
			if (sscanf(optarg, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
				   &m[5]) != 6)
				usage();
			for (k = 0; k < 6; k++)
				o->r.dst_mac[k] = (uint8_t)m[k];
			break;
		case 'E':
			ip_arg("dst-ip", optarg, &o->r.dst_ip);
			break;
		case 'S':
			ip_arg("src-ip", optarg, &o->r.src_ip);
			break;
		case 'z':
			o->r.size = (uint16_t)num("size", optarg, 60, 1514);
			break;
		case 'x':
			o->r.secs = (double)num("secs", optarg, 1, 3600);
			break;
		case 'H':
			o->d.search = true;
			/* fall through */
		case 'A':
			o->dora = true;
			o->d.rate = (uint32_t)num(ch == 'A' ? "dora-rate" : "dora-search", optarg,
						  1, 10000000);
			break;
		case 'u':
			o->d.secs = (uint32_t)num("duration", optarg, 1, 3600);
			break;
		case 'C':
			o->d.clients = (uint32_t)num("clients", optarg, 1, STORM_DORA_CLIENTS_MAX);
			break;
		case 'O':
			o->d.timeout_ms = (uint32_t)num("dora-timeout-ms", optarg, 1, 60000);
			break;
		case 'L':
			o->d.max_loss = pct_arg("max-loss", optarg);
			break;
		case 'Z':
			o->d.steps = (uint32_t)num("dora-steps", optarg, 1, 30);
			break;
		case 'e':
			o->d.leases = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind < argc)
		usage();
	if (o->raw + o->dora > 1)
		usage();
	if (o->raw) {
		if (!o->r.dst_ip || !o->r.src_ip)
			usage();
		return;
	}
	if (o->dora) {
		o->d.idle_us = o->idle_us;
		return;
	}
	if (!files.root)
		usage();
	if (!o->concurrency)
		o->concurrency = o->nodes;
	for (k = 0; k < nnames; k++) {
		f = file_load(names[k]);
		if (!f)
			exit(1);
		c->files[c->nfiles++] = f;
	}
}

/*
 * EAL makes /var/run/dpdk/<file-prefix>/ even with --no-shconf and leaves
 * it behind; a storm per test run would pile them up. Remove ours at exit
 * (atexit: option errors exit from parse()).
 */
static char runtime_dir[PATH_MAX];

static void
eal_done(void)
{
	char path[PATH_MAX + 256];
	struct dirent *e;
	DIR *d;

	rte_eal_cleanup();
	d = runtime_dir[0] ? opendir(runtime_dir) : NULL;
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", runtime_dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(runtime_dir);
}

/* --- the run ------------------------------------------------------------- */

/*
 * A multicast stream the storm's nodes listen to: the group and the
 * server's address and port it comes from, and its members (node
 * indices). A node joins its list when its OACK names the group and leaves
 * it (lazily, at the next frame) when its transfer ends.
 */
struct mc_group {
	uint32_t group, src_ip; /* network order */
	uint16_t gport, sport;
	uint32_t n, cap;
	uint32_t *m;
};

struct run {
	struct storm_node *nodes;
	bool *counted;	  /* finished (or leased, for leased_at) and counted */
	uint32_t *mapped; /* the address each node has in the ipmap, 0: none */
	int16_t *grp;	  /* the group list a node is on, -1: none */
	uint32_t started, finished;
	uint64_t rx_pkts, mc_frames, mc_deliveries, mc_unknown;
	struct mc_group groups[GROUPS_MAX];
};

/* A member's stream key matches the group's. */
static bool
mc_member_of(const struct storm_node *n, const struct mc_group *g)
{
	return storm_node_in_group(n) && n->mc_group == g->group && n->mc_gport == g->gport &&
	       n->tftp_ip == g->src_ip && (!n->rport || n->rport == g->sport);
}

/* Put node i on the list of its stream (made on first use). */
static void
mc_join(struct run *r, uint32_t i)
{
	const struct storm_node *n = &r->nodes[i];
	struct mc_group *g, *free_g = NULL;
	uint32_t *m;
	int k;

	for (k = 0; k < GROUPS_MAX; k++) {
		g = &r->groups[k];
		if (g->cap && g->n && mc_member_of(n, g))
			break;
		if (!g->n && !free_g)
			free_g = g;
	}
	if (k == GROUPS_MAX) {
		if (!free_g)
			return; /* more streams than we follow: its frames go unheard */
		g = free_g;
		k = (int)(g - r->groups);
		g->group = n->mc_group;
		g->gport = n->mc_gport;
		g->src_ip = n->tftp_ip;
		g->sport = n->rport;
	}
	if (g->n == g->cap) {
		m = realloc(g->m, (g->cap ? 2 * g->cap : 64) * sizeof(*m));
		if (!m)
			return;
		g->m = m;
		g->cap = g->cap ? 2 * g->cap : 64;
	}
	g->m[g->n++] = i;
	r->grp[i] = (int16_t)k;
}

static void
emit(struct storm_port *p, const struct storm_out *out)
{
	unsigned k;

	for (k = 0; k < out->n; k++)
		storm_port_send(p, out->frame[k], out->len[k]);
}

/* Book-keeping after a node moved: its address, and whether it finished. */
static void
after(struct run *r, uint32_t i)
{
	struct storm_node *n = &r->nodes[i];

	if (n->ip != r->mapped[i]) {
		if (n->ip)
			ipmap_add(n->ip, i);
		r->mapped[i] = n->ip;
	}
	if (storm_node_in_group(n) && (r->grp[i] < 0 || !mc_member_of(n, &r->groups[r->grp[i]])))
		mc_join(r, i);
	if (!r->counted[i] && storm_node_finished(n)) {
		r->counted[i] = true;
		r->finished++;
	}
}

/*
 * A frame to a multicast group: read once, handed to each member of its
 * stream's list; members whose transfer ended leave the list here.
 */
static void
mc_dispatch(struct storm_port *p, const struct storm_cfg *c, struct run *r, const uint8_t *f,
	    size_t len, uint64_t now)
{
	struct storm_mc_frame d;
	struct storm_out out;
	struct mc_group *g = NULL;
	uint32_t k, i;
	int gi;

	if (storm_mc_parse(f, len, &d) < 0)
		return;
	r->mc_frames++;
	for (gi = 0; gi < GROUPS_MAX; gi++) {
		g = &r->groups[gi];
		if (g->n && g->group == d.group && g->gport == d.gport && g->src_ip == d.src_ip &&
		    g->sport == d.sport)
			break;
	}
	if (gi == GROUPS_MAX) {
		r->mc_unknown++;
		return;
	}
	for (k = 0; k < g->n;) {
		i = g->m[k];
		storm_node_mc_rx(&r->nodes[i], c, &d, now, &out);
		r->mc_deliveries++;
		emit(p, &out);
		after(r, i);
		if (!mc_member_of(&r->nodes[i], g)) {
			if (r->grp[i] == gi)
				r->grp[i] = -1;
			g->m[k] = g->m[--g->n];
			continue;
		}
		k++;
	}
}

static void
boot(struct storm_port *p, const struct opts *o, const struct storm_cfg *c, struct run *r,
     uint64_t *t_end)
{
	struct rte_mbuf *rx[STORM_BURST];
	struct storm_out out;
	uint64_t t0 = now_ns() / 1000, now = t0, next_scan = t0;
	uint64_t end = t0 + (uint64_t)o->timeout_s * 1000000u;
	unsigned nb, k, idle = 0;
	uint32_t i;
	int who;

	while (!quit && r->finished < o->nodes && now < end) {
		now = now_ns() / 1000;
		nb = storm_port_rx(p, rx);
		for (k = 0; k < nb; k++) {
			const uint8_t *f = rte_pktmbuf_mtod(rx[k], const uint8_t *);
			size_t len = rte_pktmbuf_data_len(rx[k]);

			if (len >= 6 && (f[0] & 1) && f[0] != 0xff) {
				mc_dispatch(p, c, r, f, len, now);
				rte_pktmbuf_free(rx[k]);
				continue;
			}
			who = storm_frame_node(c->seed, f, len, ipmap_find, NULL);
			if (who >= 0 && (uint32_t)who < r->started) {
				storm_node_rx(&r->nodes[who], c, f, len, now, &out);
				emit(p, &out);
				after(r, (uint32_t)who);
			}
			rte_pktmbuf_free(rx[k]);
		}
		r->rx_pkts += nb;
		if (now >= next_scan) {
			for (i = 0; i < r->started; i++) {
				if (!r->nodes[i].deadline || r->nodes[i].deadline > now)
					continue;
				storm_node_tick(&r->nodes[i], c, now, &out);
				emit(p, &out);
				after(r, i);
			}
			next_scan = now + 1000;
		}
		while (r->started < o->nodes && r->started - r->finished < o->concurrency &&
		       (!o->start_rate || r->started < (now - t0) * o->start_rate / 1000000u + 1)) {
			i = r->started++;
			storm_node_start(&r->nodes[i], c, now, &out);
			emit(p, &out);
		}
		storm_port_flush(p);
		idle = nb ? 0 : idle + 1;
		if (o->idle_us && idle >= 64) {
			struct timespec ts = {0, (long)o->idle_us * 1000};

			nanosleep(&ts, NULL);
		}
	}
	*t_end = now;
	/* A node still on its way when time ran out failed: say so. */
	for (i = 0; i < o->nodes; i++)
		if (!storm_node_finished(&r->nodes[i]))
			r->nodes[i].fail_reason = STORM_F_RUN_TIMEOUT;
}

int
main(int argc, char **argv)
{
	struct storm_port port;
	struct storm_cfg cfg;
	struct opts o;
	struct run r = {0};
	struct storm_report rep;
	char msg[256];
	uint64_t t0, t1, ip0, op0, oe0, im0, ip1, op1, oe1, im1;
	long long krx0, krx1;
	uint32_t i;
	int eal, ret;

	eal = rte_eal_init(argc, argv);
	if (eal < 0) {
		fprintf(stderr, "rackboot-storm: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	atexit(eal_done);
	argv[eal] = argv[0];
	parse(argc - eal, argv + eal, &o, &cfg);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	ret = storm_port_open(&port, o.port, o.raw ? 4096 : 8192, msg, sizeof(msg));
	if (ret < 0) {
		fprintf(stderr, "rackboot-storm: %s\n", msg);
		return 1;
	}
	if (o.dora) {
		ret = storm_dora_run(&port, &cfg, &o.d);
		storm_port_close(&port);
		return ret < 0 ? 1 : 0;
	}
	if (o.raw) {
		ret = storm_raw_run(&port, &o.r);
		storm_port_close(&port);
		return ret < 0 ? 1 : 0;
	}

	r.nodes = calloc(o.nodes, sizeof(*r.nodes));
	r.counted = calloc(o.nodes, sizeof(*r.counted));
	r.mapped = calloc(o.nodes, sizeof(*r.mapped));
	r.grp = malloc(o.nodes * sizeof(*r.grp));
	if (!r.nodes || !r.counted || !r.mapped || !r.grp) {
		fprintf(stderr, "rackboot-storm: out of memory\n");
		storm_port_close(&port);
		return 1;
	}
	for (i = 0; i < o.nodes; i++) {
		storm_node_init(&r.nodes[i], &cfg, i);
		r.grp[i] = -1;
	}
	storm_port_stats(&port, &ip0, &op0, &oe0, &im0);
	krx0 = storm_port_kernel_rx(&port);
	t0 = now_ns() / 1000;
	boot(&port, &o, &cfg, &r, &t1);
	storm_port_stats(&port, &ip1, &op1, &oe1, &im1);
	krx1 = storm_port_kernel_rx(&port);

	rep = (struct storm_report){.nodes = r.nodes,
				    .n = o.nodes,
				    .cfg = &cfg,
				    .secs = (double)(t1 - t0) / 1e6,
				    .rx_pkts = r.rx_pkts,
				    .tx_pkts = port.tx_pkts,
				    .tx_drops = port.tx_drops + (oe1 - oe0),
				    .rx_missed = im1 - im0,
				    .kernel_rx = krx0 >= 0 && krx1 >= 0 ? krx1 - krx0 : -1};
	storm_report_line(&rep, stdout);
	storm_report_failures(&rep, stderr, FAIL_LINES);
	if (o.json && storm_report_json(&rep, o.json) < 0)
		fprintf(stderr, "rackboot-storm: cannot write %s\n", o.json);
	if (cfg.multicast)
		printf("mc_frames=%lu mc_deliveries=%lu mc_unknown=%lu\n",
		       (unsigned long)r.mc_frames, (unsigned long)r.mc_deliveries,
		       (unsigned long)r.mc_unknown);
	storm_port_close(&port);
	for (i = 0; i < o.nodes; i++)
		storm_node_release(&r.nodes[i]);
	for (i = 0; i < GROUPS_MAX; i++)
		free(r.groups[i].m);
	free(r.nodes);
	free(r.counted);
	free(r.mapped);
	free(r.grp);
	return rep.done == o.nodes ? 0 : 1;
}
