/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * watch.h: one frame of `rackbootctl watch`, rendered from the parsed
 * replies of GET /api/v1/status and GET /api/v1/hosts and a terminal size.
 * Pure: no I/O, no clock, no escape codes (the caller adds those for a
 * terminal), so the frame is tested from canned JSON.
 *
 * The frame:
 *   rackboot 198.18.0.1  0.1.0  up 3h12m  leases 480 bound
 *   hosts 500: ready 45, booting 30, installing 120, installed 300, failed 5
 *   phases: kernel 10, initrd 20, kickstart 20, repository 100
 *   rate 812.4 MB/s  eta 4m10s  failures: tftp-timeout 3, dhcp-timeout 2
 *
 *   NAME     STATE       PHASE       SINCE  PROGRESS
 *   node001  booting     kernel      12s    [#######.....]  58%  37.9/65.0 MB
 *   node002  installing  repository  3m12s  1234.5 MB
 *   ... and 380 more: ready 45, installed 300, ...
 *
 *   failed (5):
 *   node077  12m00s  tftp timeout on initrd.img
 *
 * The state counts are those of the hosts listed (the selection); "of N"
 * follows when the server has more. When the frame would pass rows, it is
 * compacted: the failed section keeps about a third of the rows below the
 * header (at least one host and its "... and N more failed" line), the
 * host table the rest, filled with the moving hosts (reinstall-pending,
 * booting, installing) first, then the failed, then the others, shown in
 * the server's order, and one line counts the hidden ones per state.
 */
#ifndef RB_CTL_WATCH_H
#define RB_CTL_WATCH_H

#include <jansson.h>

#include "strbuf.h"

/*
 * Append the frame for status (may be NULL: the poll failed) and hosts
 * (the {"hosts": [...]} reply; may be NULL) to out. note, when not NULL,
 * is shown on the first line (why the data is stale). At most rows lines
 * (0: no limit), each cut to cols columns (0: no limit), each ending in
 * '\n'. 0, or -E2BIG/-ENOMEM from the buffer.
 */
int watch_render(const json_t *status, const json_t *hosts, const char *note, unsigned rows,
		 unsigned cols, struct strbuf *out);

#endif
