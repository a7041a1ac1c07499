/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netif.h"

int
netif_wait(const char *ifname, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		if (if_nametoindex(ifname) != 0)
			return 0;
		usleep(20000);
	}
	return -ENODEV;
}

int
netif_up(const char *ifname, uint16_t mtu)
{
	struct ifreq ifr = {0};
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (mtu) {
		ifr.ifr_mtu = mtu;
		if (ioctl(fd, SIOCSIFMTU, &ifr) < 0) {
			ret = -errno;
			goto out;
		}
	}
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			ret = -errno;
	}
out:
	close(fd);
	return ret;
}

static bool
addr_present(const char *ifname, uint32_t ip)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa) < 0)
		return false;
	for (i = ifa; i; i = i->ifa_next) {
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    strcmp(i->ifa_name, ifname) == 0 &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == ip)
			found = true;
	}
	freeifaddrs(ifa);
	return found;
}

/* Append one attribute; the request buffer has room for the two we add. */
static void
add_attr(struct nlmsghdr *nh, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* One RTM_NEWADDR / RTM_DELADDR request, waiting for the kernel's ack. */
static int
addr_request(int type, const char *ifname, uint32_t ip, uint8_t prefix_len)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		char attrs[64];
	} req = {0};
	char reply[512];
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	unsigned idx = if_nametoindex(ifname);
	int fd, ret;
	ssize_t n;

	if (idx == 0)
		return -ENODEV;
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.nh.nlmsg_type = (uint16_t)type;
	req.nh.nlmsg_flags =
	    NLM_F_REQUEST | NLM_F_ACK | (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0);
	req.nh.nlmsg_seq = 1;
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = prefix_len;
	req.ifa.ifa_index = idx;
	add_attr(&req.nh, IFA_LOCAL, &ip, 4);
	add_attr(&req.nh, IFA_ADDRESS, &ip, 4);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	n = recv(fd, reply, sizeof(reply), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
		ret = n < 0 ? -errno : -EPROTO;
		goto out;
	}
	{
		struct nlmsghdr *nh = (struct nlmsghdr *)reply;
		struct nlmsgerr *e = NLMSG_DATA(nh);

		ret = nh->nlmsg_type == NLMSG_ERROR ? e->error : -EPROTO;
	}
out:
	close(fd);
	return ret;
}

int
netif_addr_ensure(const char *ifname, uint32_t ip, uint8_t prefix_len, bool *added)
{
	int ret;

	*added = false;
	if (addr_present(ifname, ip))
		return 0;
	ret = addr_request(RTM_NEWADDR, ifname, ip, prefix_len);
	if (ret == 0)
		*added = true;
	return ret == -EEXIST ? 0 : ret;
}

int
netif_addr_del(const char *ifname, uint32_t ip, uint8_t prefix_len)
{
	return addr_request(RTM_DELADDR, ifname, ip, prefix_len);
}

/* {family, knob, quiet value} under /proc/sys/net/<family>/conf/<if>/ */
static const char *const quiet_knobs[3][3] = {
    {"ipv4", "rp_filter", "1"},
    {"ipv4", "arp_ignore", "8"},
    {"ipv6", "disable_ipv6", "1"},
};

static int
sysctl_rw(const char *const knob[3], const char *ifname, char *old, size_t cap, const char *val)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", knob[0], ifname, knob[1]);
	f = fopen(path, "r+");
	if (!f)
		return -errno;
	if (old && (!fgets(old, (int)cap, f)))
		old[0] = '\0';
	if (old)
		old[strcspn(old, "\n")] = '\0';
	rewind(f);
	fputs(val, f);
	return fclose(f) == 0 ? 0 : -errno;
}

int
netif_quiet(const char *ifname, struct netif_saved *saved)
{
	int i, ret;

	memset(saved, 0, sizeof(*saved));
	snprintf(saved->ifname, sizeof(saved->ifname), "%s", ifname);
	for (i = 0; i < 3; i++) {
		ret = sysctl_rw(quiet_knobs[i], ifname, saved->values[i], sizeof(saved->values[i]),
				quiet_knobs[i][2]);
		if (ret == -ENOENT && i == 2)
			continue; /* IPv6 not built in: nothing to silence */
		if (ret < 0)
			return ret;
	}
	saved->valid = true;
	return 0;
}

void
netif_restore(const struct netif_saved *saved)
{
	if (!saved->valid)
		return;
	for (int i = 0; i < 3; i++)
		if (saved->values[i][0])
			sysctl_rw(quiet_knobs[i], saved->ifname, NULL, 0, saved->values[i]);
}
