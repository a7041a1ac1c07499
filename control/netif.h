/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netif.h: the few kernel interface operations the control needs: wait for
 * the exception interface to appear, bring it up, and give it the server
 * address (remembering whether we added it, so we remove only our own).
 * All return 0 or -errno.
 */
#ifndef RB_CONTROL_NETIF_H
#define RB_CONTROL_NETIF_H

#include <stdbool.h>
#include <stdint.h>

int netif_wait(const char *ifname, int timeout_ms);
int netif_up(const char *ifname, uint16_t mtu);
/* Sets *added when the address was not there before. ip in network order. */
int netif_addr_ensure(const char *ifname, uint32_t ip, uint8_t prefix_len, bool *added);
int netif_addr_del(const char *ifname, uint32_t ip, uint8_t prefix_len);

/*
 * A packet-socket port (af_packet) shares its interface with the kernel,
 * which would answer ARP and ping for the server address a second time
 * (the address sits on the tap, and Linux answers for any local address on
 * any interface). Silence the kernel's IP stack on that interface:
 * rp_filter=1, arp_ignore=8, disable_ipv6=1. The old values are saved in
 * *saved and put back by netif_restore().
 */
struct netif_saved {
	char ifname[16];
	char values[3][16];
	bool valid;
};
int netif_quiet(const char *ifname, struct netif_saved *saved);
void netif_restore(const struct netif_saved *saved);
#endif
