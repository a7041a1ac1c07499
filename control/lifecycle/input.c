/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * input.c: what moves a host along: the dataplane's boot events (DHCP,
 * TFTP), finished HTTP requests, and the installer's callback. Each input
 * is matched to a host (by MAC, or by address for HTTP), classified against
 * the host's profile, recorded as an event where it matters, and may change
 * the host's state or phase. The rules are in docs/architecture.md ("Host
 * lifecycle").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lc_priv.h"

static const char *
ip_text(uint32_t ip, char buf[INET_ADDRSTRLEN])
{
	struct in_addr in = {.s_addr = ip};

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN) ? buf : "?";
}

static void
clear_progress(struct lc_host *h)
{
	memset(&h->prog, 0, sizeof(h->prog));
}

static void
on_dhcp(struct lifecycle *lc, struct lc_host *h, const struct rb_event *ev, uint64_t now_ms)
{
	char ip[INET_ADDRSTRLEN], detail[LC_DETAIL_MAX];

	lci_set_lease(lc, h, ev->ip);
	ip_text(ev->ip, ip);
	if (ev->arch != 0xffff)
		lci_emit(lc, h, LC_EV_DHCP, -1, -1, now_ms, "%s, arch %u%s", ip, ev->arch,
			 ev->flags & RB_EV_F_IPXE ? ", iPXE" : "");
	else
		lci_emit(lc, h, LC_EV_DHCP, -1, -1, now_ms, "%s%s", ip,
			 ev->flags & RB_EV_F_IPXE ? ", iPXE" : "");
	switch (h->state) {
	case LC_PENDING:
		clear_progress(h);
		snprintf(detail, sizeof(detail), "dhcp %s", ip);
		lci_move(lc, h, LC_BOOTING, LC_PH_DHCP, now_ms, detail);
		break;
	case LC_FAILED:
		/* A retry (the machine was power cycled): only while the token
		 * is unused, i.e. it failed before it was installed. */
		if (!h->token[0])
			break;
		h->reason[0] = '\0';
		clear_progress(h);
		snprintf(detail, sizeof(detail), "dhcp %s: booting again after a failure", ip);
		lci_move(lc, h, LC_BOOTING, LC_PH_DHCP, now_ms, detail);
		break;
	case LC_INSTALLED:
		snprintf(detail, sizeof(detail), "dhcp %s: boots its local disk", ip);
		lci_move(lc, h, LC_LOCAL_BOOT, LC_PH_NONE, now_ms, detail);
		break;
	default:
		/* booting and installing machines ask again (iPXE after the ROM,
		 * the installer's kernel); ready and local-boot ones just boot. */
		break;
	}
}

static enum lc_phase
phase_of(enum lc_file_role role)
{
	return role == LC_FILE_KERNEL	? LC_PH_KERNEL
	       : role == LC_FILE_INITRD ? LC_PH_INITRD
					: LC_PH_LOADER;
}

/*
 * h fetches a loader, its kernel or an initrd: while booting that is its
 * phase. A marked host seen fetching one is booting even though its DHCP
 * event was lost (the dataplane drops events when its ring is full).
 */
static void
enter_file_phase(struct lifecycle *lc, struct lc_host *h, enum lc_file_role role, const char *name,
		 uint64_t now_ms)
{
	enum lc_phase ph = phase_of(role);

	if (h->state != LC_BOOTING && h->state != LC_PENDING)
		return;
	if (h->state == LC_BOOTING && h->phase == ph)
		return;
	clear_progress(h);
	lci_move(lc, h, LC_BOOTING, ph, now_ms, name);
}

/* bytes of name acknowledged so far (of size, when size_known). */
static void
file_progress(struct lifecycle *lc, struct lc_host *h, enum lc_file_role role, unsigned k,
	      const char *name, uint64_t bytes, uint64_t size, bool size_known, uint64_t now_ms)
{
	struct lc_progress *p = &h->prog;
	uint64_t before = p->bytes;

	if (h->state != LC_BOOTING || h->phase != phase_of(role))
		return;
	if (role == LC_FILE_KERNEL) {
		p->bytes = bytes;
		p->size = size;
		p->size_known = size_known;
	} else if (role == LC_FILE_INITRD && h->prof && k < h->prof->n_initrd) {
		uint32_t all = (1u << h->prof->n_initrd) - 1;

		p->part_bytes[k] = bytes;
		if (size_known) {
			p->part_size[k] = size;
			p->part_sized |= 1u << k;
		}
		p->bytes = p->size = 0;
		for (unsigned i = 0; i < h->prof->n_initrd; i++) {
			p->bytes += p->part_bytes[i];
			p->size += p->part_size[i];
		}
		p->size_known = (p->part_sized & all) == all;
	} else {
		return;
	}
	p->on = true;
	snprintf(p->file, sizeof(p->file), "%s", name);
	if (p->size_known && h->prof)
		lci_learn(lc, h->prof->name, role == LC_FILE_INITRD, p->size);
	if (p->bytes > before)
		lci_add_bytes(lc, now_ms, p->bytes - before);
}

static const char *
tftp_fail_text(uint8_t reason)
{
	switch (reason) {
	case RB_EVR_TIMEOUT:
		return "timed out";
	case RB_EVR_EXPIRED:
		return "expired";
	case RB_EVR_EVICTED:
		return "dropped by the server";
	default:
		return NULL;
	}
}

static void
on_tftp(struct lifecycle *lc, struct lc_host *h, const struct rb_event *ev, uint64_t now_ms)
{
	char name[RB_EVENT_NAME_MAX], why[LC_REASON_MAX];
	unsigned k = 0;
	enum lc_file_role role;
	const char *fail;
	bool boot_file;

	snprintf(name, sizeof(name), "%.*s", (int)sizeof(ev->name), ev->name);
	role = lci_classify(h->prof, name, &k);
	boot_file = role == LC_FILE_LOADER || role == LC_FILE_KERNEL || role == LC_FILE_INITRD;
	switch (ev->kind) {
	case RB_EV_TFTP_START:
	case RB_EV_TFTP_PROGRESS:
	case RB_EV_TFTP_DONE:
		if (!boot_file)
			break;
		enter_file_phase(lc, h, role, name, now_ms);
		file_progress(lc, h, role, k, name,
			      ev->kind == RB_EV_TFTP_DONE ? ev->size : ev->bytes, ev->size, true,
			      now_ms);
		break;
	default:
		break;
	}
	if (ev->kind == RB_EV_TFTP_DONE) {
		lci_emit(lc, h, LC_EV_FILE, -1, -1, now_ms, "tftp %s: done, %llu bytes", name,
			 (unsigned long long)ev->size);
	} else if (ev->kind == RB_EV_TFTP_FAIL && ev->reason == RB_EVR_CLIENT_ERROR) {
		/* EDK2 ends its tsize probe with ERROR 8: the client's choice. */
		lci_emit(lc, h, LC_EV_FILE, -1, -1, now_ms,
			 "tftp %s: ended by the client (error %u) after %llu of %llu bytes", name,
			 ev->code, (unsigned long long)ev->bytes, (unsigned long long)ev->size);
	} else if (ev->kind == RB_EV_TFTP_FAIL) {
		fail = tftp_fail_text(ev->reason);
		lci_emit(lc, h, LC_EV_FILE, -1, -1, now_ms,
			 "tftp %s: failed (%s) after %llu of %llu bytes", name,
			 fail ? fail : "unknown reason", (unsigned long long)ev->bytes,
			 (unsigned long long)ev->size);
		if (fail && boot_file && h->state == LC_BOOTING) {
			snprintf(why, sizeof(why), "tftp: %s %s", name, fail);
			lci_fail(lc, h, why, now_ms);
		}
	}
}

void
lc_on_events(struct lifecycle *lc, const struct rb_event *ev, size_t n, uint64_t now_ms)
{
	pthread_mutex_lock(&lc->lock);
	lci_clock(lc, now_ms);
	for (size_t i = 0; i < n; i++) {
		struct lc_host *h = lci_by_mac(lc, ev[i].mac);

		if (!h)
			continue;
		if (ev[i].kind == RB_EV_DHCP_ACK)
			on_dhcp(lc, h, &ev[i], now_ms);
		else
			on_tftp(lc, h, &ev[i], now_ms);
	}
	pthread_mutex_unlock(&lc->lock);
}

/* Any other GET by an installing host, or one that has its initrd: the
 * installer is reading its repository. */
static void
repository(struct lifecycle *lc, struct lc_host *h, const char *path, uint64_t bytes,
	   uint64_t now_ms)
{
	if (h->state != LC_INSTALLING && !(h->state == LC_BOOTING && h->phase == LC_PH_INITRD))
		return;
	if (h->state != LC_INSTALLING || h->phase != LC_PH_REPOSITORY) {
		clear_progress(h);
		lci_move(lc, h, LC_INSTALLING, LC_PH_REPOSITORY, now_ms, path);
	}
	h->prog.on = true;
	h->prog.bytes += bytes;
	h->prog.size_known = false;
	snprintf(h->prog.file, sizeof(h->prog.file), "%s", path);
	lci_add_bytes(lc, now_ms, bytes);
}

void
lc_on_http(struct lifecycle *lc, uint32_t client_ip, const char *path, unsigned status,
	   uint64_t bytes, uint64_t now_ms)
{
	enum lc_file_role role;
	struct lc_host *h;
	unsigned k = 0;

	if (!path)
		return;
	pthread_mutex_lock(&lc->lock);
	lci_clock(lc, now_ms);
	h = lci_by_ip(lc, client_ip);
	if (!h)
		goto out;
	role = lci_classify(h->prof, path, &k);
	/* Repository reads are many: they count bytes but make no event. */
	if (role != LC_FILE_OTHER)
		lci_emit(lc, h, LC_EV_FILE, -1, -1, now_ms, "http %s: %u, %llu bytes", path, status,
			 (unsigned long long)bytes);
	if (status < 200 || status > 299)
		goto out;
	switch (role) {
	case LC_FILE_LOADER:
	case LC_FILE_KERNEL:
	case LC_FILE_INITRD:
		/* HTTP reports a file when it is done: the phase starts late. */
		enter_file_phase(lc, h, role, path, now_ms);
		file_progress(lc, h, role, k, path, bytes, bytes, status == 200, now_ms);
		break;
	case LC_FILE_TEMPLATE:
		if (h->state == LC_BOOTING) {
			clear_progress(h);
			lci_move(lc, h, LC_INSTALLING, LC_PH_KICKSTART, now_ms, path);
		}
		break;
	case LC_FILE_OTHER:
		repository(lc, h, path, bytes, now_ms);
		break;
	}
out:
	pthread_mutex_unlock(&lc->lock);
}

/* 32 lowercase hex digits, nothing else. */
static bool
token_well_formed(const char *t)
{
	size_t i;

	for (i = 0; t[i]; i++)
		if (i >= LC_TOKEN_LEN ||
		    !((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return false;
	return i == LC_TOKEN_LEN;
}

/* Compares all of both tokens whatever differs first: the time taken says
 * nothing about how much of a guess was right. */
static bool
token_equal(const char *a, const char *b)
{
	unsigned char d = 0;

	for (size_t i = 0; i < LC_TOKEN_LEN; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static struct lc_host *
host_by_token(struct lifecycle *lc, const char *token)
{
	struct lc_host *found = NULL;

	for (size_t i = 0; i < lc->n_hosts; i++)
		if (lc->hosts[i].token[0] && token_equal(lc->hosts[i].token, token))
			found = &lc->hosts[i];
	return found;
}

int
lc_callback(struct lifecycle *lc, const char *token, bool ok, const char *reason, uint64_t now_ms)
{
	char clean[100], why[LC_REASON_MAX];
	struct lc_host *h = NULL;
	size_t i;

	/* The installer's words go into events and the API: printable only. */
	for (i = 0; reason && reason[i] && i < sizeof(clean) - 1; i++)
		clean[i] = reason[i] >= 0x20 && reason[i] < 0x7f ? reason[i] : '?';
	clean[i] = '\0';
	pthread_mutex_lock(&lc->lock);
	lci_clock(lc, now_ms);
	if (token && token_well_formed(token))
		h = host_by_token(lc, token);
	if (!h) {
		lc->refused++;
		lci_emit(lc, NULL, LC_EV_CALLBACK, -1, -1, now_ms,
			 "refused: an unknown, replaced or used token");
		pthread_mutex_unlock(&lc->lock);
		return -EACCES;
	}
	if (ok) {
		lci_emit(lc, h, LC_EV_CALLBACK, -1, -1, now_ms, "the installer reports success");
		h->reason[0] = '\0';
		clear_progress(h);
		lci_move(lc, h, LC_INSTALLED, LC_PH_NONE, now_ms, "installed");
		/* Used up; after the move, which judges the install set with it. */
		h->token[0] = '\0';
	} else {
		lci_emit(lc, h, LC_EV_CALLBACK, -1, -1, now_ms, "the installer reports failure: %s",
			 clean[0] ? clean : "no reason given");
		snprintf(why, sizeof(why), "installer: %s", clean[0] ? clean : "no reason given");
		lci_fail(lc, h, why, now_ms);
	}
	pthread_mutex_unlock(&lc->lock);
	return 0;
}
