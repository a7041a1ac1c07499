/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * counters.h: the dataplane's counters and drop reasons, as X-macro lists.
 *
 * One list drives the per-lcore counter arrays, the channel's stats reply,
 * the status line and /metrics, so names and slots cannot drift apart.
 * Adding an entry changes the stats layout: bump RB_CHAN_VERSION with it.
 */
#ifndef RB_PROTO_COUNTERS_H
#define RB_PROTO_COUNTERS_H

/* X(name, help) */
#define RB_DP_COUNTERS(X)                                                                          \
	X(rx_frames, "frames received on the provisioning port")                                   \
	X(tx_frames, "frames sent on the provisioning port")                                       \
	X(arp_replies, "ARP requests for the server address answered by the dataplane")            \
	X(icmp_echo_replies, "ICMP echo requests to the server address answered by the dataplane") \
	X(ra_sent, "IPv6 router advertisements sent (answers to router solicitations)")            \
	X(dhcp_rx, "DHCP/proxyDHCP frames received on the fast path")                              \
	X(tftp_rx, "TFTP frames received on the fast path")                                        \
	X(to_kernel, "frames passed to the kernel through the exception port")                     \
	X(from_kernel, "frames the kernel sent out through the exception port")                    \
	X(idle_sleeps, "times a worker slept after a run of empty polls")                          \
	X(dhcp_discover, "DHCPDISCOVER received")                                                  \
	X(dhcp_request, "DHCPREQUEST received")                                                    \
	X(dhcp_decline, "DHCPDECLINE received")                                                    \
	X(dhcp_release, "DHCPRELEASE received")                                                    \
	X(dhcp_inform, "DHCPINFORM received")                                                      \
	X(dhcp_offer, "DHCPOFFER sent with an address")                                            \
	X(dhcp_ack, "DHCPACK sent")                                                                \
	X(dhcp_nak, "DHCPNAK sent")                                                                \
	X(dhcp_proxy_offer, "proxyDHCP offers sent (boot information, no address)")                \
	X(dhcp_proxy_ack, "proxyDHCP (port 4011) ACKs sent")                                       \
	X(dhcp_pxe_clients, "requests from PXE or HTTP boot firmware (option 60)")                 \
	X(dhcp_ipxe_clients, "requests from iPXE (user class or option 175)")                      \
	X(lease_records, "lease changes sent to the control process to be made durable")           \
	X(lease_batches, "lease commit batches (transactions) sent to the control process")        \
	X(lease_batches_committed, "lease commit batches the control process confirmed on disk")   \
	X(lease_batches_given_up,                                                                  \
	  "lease commit batches given up after their attempts failed (their ACKs never sent)")     \
	X(lease_records_given_up, "lease changes in batches given up: not in the lease database")  \
	X(dhcp_acks_held, "ACKs that waited for their lease to be committed")                      \
	X(lease_claims_lost,                                                                       \
	  "lease changes a shared database refused: another server's client holds the address")    \
	X(dhcp_balance_takeover,                                                                   \
	  "DISCOVERs of another server's share (dhcp.balance) answered: the client waited")        \
	X(dhcp_nak_claim_lost, "DHCPNAK sent instead of a held ACK whose lease claim was lost")    \
	X(dhcp_ack_db_down,                                                                        \
	  "held ACKs sent though their batch was given up: the lease the store already holds, "    \
	  "for the time it has left (dhcp.database_down: renew)")                                  \
	X(lease_changes_learned, "other servers' lease changes applied to the lease table")        \
	X(tftp_rrq, "TFTP read requests received")                                                 \
	X(tftp_rrq_repeats,                                                                        \
	  "TFTP read requests repeated before the transfer started (answered again)")              \
	X(tftp_sessions_started, "TFTP transfers started")                                         \
	X(tftp_sessions_done, "TFTP transfers completed (last block acknowledged)")                \
	X(tftp_sessions_ended, "TFTP transfers ended for any reason (done, error, timeout)")       \
	X(tftp_oack, "TFTP option acknowledgements sent")                                          \
	X(tftp_blocks, "TFTP DATA blocks sent, retransmissions included")                          \
	X(tftp_retransmits, "TFTP DATA blocks sent again after a timeout")                         \
	X(tftp_bytes, "TFTP DATA payload bytes sent")                                              \
	X(tftp_copies,                                                                             \
	  "TFTP DATA blocks whose payload was copied (goal: 0 on multi-segment ports)")            \
	X(tftp_errors_sent, "TFTP ERROR packets sent")                                             \
	X(tftp_mc_streams, "TFTP multicast streams started (RFC 2090 and PXE MTFTP)")              \
	X(tftp_mc_streams_ended, "TFTP multicast streams ended")                                   \
	X(tftp_mc_clients, "TFTP clients served by a multicast stream")                            \
	X(tftp_mc_done, "TFTP multicast clients that acknowledged the whole file")                 \
	X(tftp_mc_promotions, "TFTP multicast master clients promoted after the previous one")     \
	X(tftp_mc_blocks, "TFTP DATA blocks sent to a multicast group (included in tftp_blocks)")  \
	X(tftp_mc_fallback,                                                                        \
	  "TFTP multicast requests served unicast (no stream free, file too long)")                \
	X(tftp_mtftp_rrq, "PXE MTFTP read requests received")                                      \
	X(tftp_handoffs, "TFTP packets passed to the worker that owns their transfer")             \
	X(events_queued,                                                                           \
	  "boot events (DHCP ACKs, TFTP transfers) a worker queued for the control")               \
	X(events_dropped, "boot events lost because the worker's event queue was full")            \
	X(events_sent, "boot events sent to the control process")                                  \
	X(event_batches, "EVENTS messages (batches of boot events) sent to the control process")

#define RB_DP_DROPS(X)                                                                             \
	X(runt, "frame shorter than the headers it announces")                                     \
	X(other_host, "unicast frame for another MAC address")                                     \
	X(bad_ip_header, "IPv4 header with a bad version, length or total length")                 \
	X(bad_ip_checksum, "IPv4 header checksum does not verify")                                 \
	X(bad_udp_length, "UDP length field disagrees with the IPv4 payload")                      \
	X(bad_rs, "IPv6 router solicitation a router must ignore (RFC 4861 6.1.1)")                \
	X(no_exception_port, "kernel-bound frame but no exception port is configured")             \
	X(unhandled, "fast-path frame for a service this build does not serve yet")                \
	X(tx_full, "provisioning port TX queue full")                                              \
	X(exception_tx_full, "exception port TX queue full")                                       \
	X(alloc_failed, "no mbuf for a reply")                                                     \
	X(dhcp_malformed, "DHCP message the codec refused (see the log-free parse counters)")      \
	X(dhcp_not_request, "BOOTP op is not BOOTREQUEST, or hardware address unusable")           \
	X(dhcp_disabled, "DHCP frame while dhcp.mode is off")                                      \
	X(dhcp_other_server,                                                                       \
	  "REQUEST/DECLINE/RELEASE for another server, or proxy mode ignoring it")                 \
	X(dhcp_not_pxe, "proxy mode: request from a client that is not PXE firmware")              \
	X(dhcp_no_subnet, "no configured subnet for the client's network (giaddr or local)")       \
	X(dhcp_pool_exhausted, "DISCOVER with no free address in the pool")                        \
	X(dhcp_rate_limited, "client over dhcp.rate_limit requests per second")                    \
	X(dhcp_unknown_lease, "RELEASE/DECLINE/INIT-REBOOT for a lease this server does not hold") \
	X(dhcp_decline_unbound,                                                                    \
	  "DECLINE of an address only offered, not ACKed: no quarantine (RFC 2131 4.3.3)")         \
	X(dhcp_balance_other,                                                                      \
	  "DISCOVER of another server's share of the clients (dhcp.balance), not yet waited")      \
	X(dhcp_bound_elsewhere,                                                                    \
	  "DISCOVER from a client bound to an address of another subnet: no second address")       \
	X(dhcp_reply_too_big,                                                                      \
	  "options left out because the client's max message size was reached")                    \
	X(dhcp_commit_failed,                                                                      \
	  "ACKs never sent: their lease batch was given up, or waited over 2 s for its commit")    \
	X(dhcp_commit_backlog,                                                                     \
	  "lease changes refused before they were made: commit queue (or held ACKs) full")         \
	X(tftp_malformed, "TFTP packet the codec refused")                                         \
	X(tftp_wrq_refused, "TFTP write request refused (read-only server)")                       \
	X(tftp_not_found, "TFTP request for a file not in the image cache")                        \
	X(tftp_access_denied, "TFTP request with a path that leaves the root or is not allowed")   \
	X(tftp_sessions_full, "TFTP request refused: tftp.max_sessions transfers running")         \
	X(tftp_source_full,                                                                        \
	  "TFTP request refused: its source runs tftp.per_source_sessions proven transfers")       \
	X(tftp_rrq_rate_limited,                                                                   \
	  "TFTP request from a source over tftp.per_source_rrq_rate (ignored)")                    \
	X(tftp_unproven_evicted,                                                                   \
	  "TFTP transfer never acknowledged, ended to make room for a newer request")              \
	X(tftp_unproven_timeout, "TFTP transfer never acknowledged, ended after its resends")      \
	X(tftp_unproven_resends,                                                                   \
	  "TFTP repeated request of a transfer never acknowledged, its resends spent (ignored)")   \
	X(tftp_unknown_tid,                                                                        \
	  "TFTP packet for no running transfer (error 5, 4/s per source at most)")                 \
	X(tftp_stale_ack, "TFTP ACK duplicate, old or beyond what was sent (ignored)")             \
	X(tftp_client_error, "TFTP transfers the client aborted with an ERROR")                    \
	X(tftp_timeout, "TFTP transfers given up after tftp retries")                              \
	X(tftp_mc_client_lost,                                                                     \
	  "TFTP multicast master client silent after tftp retries (next one promoted)")            \
	X(tftp_mtftp_busy, "PXE MTFTP request while the stream runs (the client listens to it)")   \
	X(tftp_mtftp_off, "PXE MTFTP request, but tftp.mtftp_group is not set")                    \
	X(tftp_mtftp_too_big, "PXE MTFTP request for a file beyond 65535 blocks of 512 bytes")     \
	X(tftp_handoff_full, "TFTP packet for another worker's transfer, its queue full")

#define RB_X_ENUM(name, help) RB_CNT_##name,
enum rb_counter { RB_DP_COUNTERS(RB_X_ENUM) RB_CNT_MAX };
#undef RB_X_ENUM

#define RB_X_ENUM(name, help) RB_DROP_##name,
enum rb_drop { RB_DP_DROPS(RB_X_ENUM) RB_DROP_MAX };
#undef RB_X_ENUM

extern const char *const rb_counter_names[RB_CNT_MAX];
extern const char *const rb_counter_help[RB_CNT_MAX];
extern const char *const rb_drop_names[RB_DROP_MAX];
extern const char *const rb_drop_help[RB_DROP_MAX];

#endif
