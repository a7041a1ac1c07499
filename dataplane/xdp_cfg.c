/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_cfg.c: configure the XDP program that the af_xdp PMD attached.
 *
 * The PMD loads dataplane/xdp/rb_xdp.o itself (xdp_prog= devarg) and keeps
 * the bpf_object to itself, so we find the program through the interface
 * (its attached prog id), then its rb_cfg map through the program's map ids.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "dp.h"
#include "xdp/rb_xdp.h"

static int
find_cfg_map(int prog_fd)
{
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info);
	__u32 ids[16];
	__u32 i;

	info.nr_map_ids = RTE_DIM(ids);
	info.map_ids = (__u64)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
		return -errno;
	for (i = 0; i < info.nr_map_ids && i < RTE_DIM(ids); i++) {
		struct bpf_map_info mi = {0};
		__u32 mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0 && strcmp(mi.name, "rb_cfg") == 0)
			return fd;
		close(fd);
	}
	return -ENOENT;
}

int
dp_xdp_configure(int ifindex, const struct rb_netcfg *nc, char *msg, size_t cap)
{
	struct rb_xdp_cfg c = {
	    .ip = nc->ip,
	    .flags = RB_XDP_F_ARP | RB_XDP_F_ICMP | (nc->ra_on ? RB_XDP_F_RS : 0),
	    .tftp_port = nc->tftp_port,
	    .session_lo = nc->session_lo,
	    .session_hi = nc->session_hi,
	    .mtftp_port = nc->mtftp_port,
	};
	__u32 prog_id = 0, key = 0;
	int prog_fd, map_fd, ret;

	ret = bpf_xdp_query_id(ifindex, 0, &prog_id);
	if (ret < 0 || prog_id == 0) {
		snprintf(msg, cap, "no XDP program attached to ifindex %d", ifindex);
		return ret < 0 ? ret : -ENOENT;
	}
	prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0) {
		ret = -errno;
		snprintf(msg, cap, "XDP program %u: %s", prog_id, strerror(-ret));
		return ret;
	}
	map_fd = find_cfg_map(prog_fd);
	close(prog_fd);
	if (map_fd < 0) {
		snprintf(msg, cap, "XDP program %u has no rb_cfg map: is it rackboot's rb_xdp.o?",
			 prog_id);
		return map_fd;
	}
	ret = bpf_map_update_elem(map_fd, &key, &c, BPF_ANY) < 0 ? -errno : 0;
	if (ret)
		snprintf(msg, cap, "rb_cfg update: %s", strerror(-ret));
	close(map_fd);
	return ret;
}

void
dp_xdp_detach(int ifindex)
{
	/* The PMD detaches on close in most versions; make sure, so the next
	 * start finds the interface clean (it attaches with UPDATE_IF_NOEXIST). */
	if (ifindex > 0)
		bpf_xdp_detach(ifindex, 0, NULL);
}

/*
 * Before the PMD attaches: an XDP program still on ifname is either a
 * crashed rackboot's (its dataplane was killed before it could detach; the
 * PMD would then fail with EINVAL/EBUSY) or someone else's. The control
 * holds the port's instance lock (control/instlock.h), so no live rackboot
 * owns the first kind: detach it, and say so. Never touch the second kind.
 */
int
dp_xdp_clear_stale(const char *ifname, char *msg, size_t cap)
{
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info), id = 0;
	int ifindex = (int)if_nametoindex(ifname), fd, err;

	msg[0] = '\0';
	if (ifindex <= 0)
		return 0; /* the PMD says what is wrong with the name */
	if (bpf_xdp_query_id(ifindex, 0, &id) < 0 || id == 0)
		return 0;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
		err = errno;
		if (fd >= 0)
			close(fd);
		snprintf(msg, cap, "%s has XDP program %u attached, which cannot be inspected: %s",
			 ifname, id, strerror(err));
		return -err;
	}
	close(fd);
	if (strcmp(info.name, RB_XDP_PROG_NAME) != 0) {
		snprintf(msg, cap,
			 "%s has another XDP program attached (id %u, '%s'); rackboot does not "
			 "replace it: detach it (ip link set dev %s xdp off) or use port.mode "
			 "af_packet",
			 ifname, id, info.name, ifname);
		return -EBUSY;
	}
	err = bpf_xdp_detach(ifindex, 0, NULL);
	if (err < 0) {
		snprintf(msg, cap,
			 "%s: cannot detach the XDP program %u a previous rackboot left: %s",
			 ifname, id, strerror(-err));
		return err;
	}
	snprintf(msg, cap,
		 "%s: detached XDP program %u (%s) left attached by a rackboot that did not stop "
		 "cleanly",
		 ifname, id, info.name);
	return 1;
}
