/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lc_fixture.h: what the lifecycle tests share: inventories built with the
 * inventory.h API, dataplane events, and a host's fields read back through
 * the engine's own JSON.
 *
 * The standard inventory (198.18.0.0/16):
 *   profiles  debian  install, kernel debian/linux, initrd debian/initrd.gz
 *             multi   install, kernel http://198.18.0.1/boot/d12/vmlinuz,
 *                     initrds d12/initrd.img and d12/firmware.cpio.gz
 *             rescue  kernel rescue/vmlinuz (does not install)
 *             local   localboot
 *   hosts     n1 :01 198.18.0.21 debian   role=web rack=r1
 *             n2 :02 (pool)      debian   role=db  rack=r1
 *             n3 :03 198.18.0.23 rescue   role=web
 *             n4 :04 198.18.0.24 local
 *             n5 :05 198.18.0.25 (none: only group uefi, efi-x64, takes it)
 *             n6 :06 (pool)      (group rack2 gives multi) rack=r2
 *   groups    rack2 (label rack=r2) -> multi; uefi (mac :05, efi-x64) -> debian
 * A host's MAC is 52:54:00:00:HH:LL for host number HHLL.
 */
#ifndef RB_TEST_LC_FIXTURE_H
#define RB_TEST_LC_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "lifecycle/lifecycle.h"
#include "lifecycle/select.h"

#define FX_T0 1700000000000ull /* the fake clock's start (ms, a whole second) */

void fx_mac(uint8_t mac[6], unsigned i);
uint32_t fx_ip(const char *dotted);

/* The standard inventory above, finished. */
void fx_standard(struct inventory *inv);
/* n hosts bulk0000.. (MAC number 0x100 + i) with profile debian, finished. */
void fx_bulk(struct inventory *inv, unsigned n);

/* Dataplane events. */
struct rb_event fx_dhcp(unsigned host, const char *ip);
struct rb_event fx_tftp(unsigned host, enum rb_event_kind kind, const char *name, uint64_t bytes,
			uint64_t size, enum rb_event_reason reason);

/* Select and mark for reinstall; asserts it marks want hosts. */
void fx_reinstall(struct lifecycle *lc, const char *selector, uint64_t now, int want);

/* A field of host name as lc_host_json shows it ("" for null), copied. */
const char *fx_field(struct lifecycle *lc, const char *name, const char *key);
/* progress.bytes / progress.size of host name; -1 for null. */
long long fx_progress(struct lifecycle *lc, const char *name, const char *key);

/* The kinds and details of the events after since, "kind:detail|..." */
const char *fx_events(struct lifecycle *lc, uint64_t since);

#endif
