/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hosts_csv.c: hosts files in CSV (hosts_csv.h). Messages name the column
 * as the header does ("mac: ...") and file:line:column like the YAML
 * parser's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config_power.h"
#include "hex.h"
#include "hosts_csv.h"

/* A labels field is cut here, as any YAML string value is refused past
 * it (config_provision.c). */
#define LABELS_MAX 4096

enum {
	C_NAME,
	C_MAC,
	C_ADDRESS,
	C_PROFILE,
	C_UUID,
	C_LABELS,
	C_POWER_DRIVER,
	C_POWER_ADDRESS,
	C_POWER_USERNAME,
	C_POWER_PASSWORD_FILE,
	N_C
};
static const char *const csv_cols[N_C] = {
    "name",   "mac",	      "address",       "profile",	 "uuid",
    "labels", "power_driver", "power_address", "power_username", "power_password_file",
};

static int csv_fail(struct rb_config_error *err, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
csv_fail(struct rb_config_error *err, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	err->column = col;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Splits line at ',' in place: fields and their 1-based columns. */
static size_t
csv_split(char *line, char **f, unsigned *col, size_t max)
{
	size_t n = 0;
	char *s = line;

	while (n < max) {
		f[n] = s;
		col[n] = (unsigned)(s - line) + 1;
		n++;
		s = strchr(s, ',');
		if (!s)
			break;
		*s++ = 0;
	}
	for (size_t i = 0; i < n; i++) {
		char *e = f[i] + strlen(f[i]);

		while (*f[i] == ' ' || *f[i] == '\t')
			f[i]++, col[i]++;
		while (e > f[i] && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = 0;
	}
	return n;
}

/* A power_* column's value v (at vp) into h's power settings. */
static int
power_field(struct inv_host *h, int col, const char *v, struct rb_config_error *err,
	    struct inv_pos vp)
{
	static const struct {
		enum rb_power_key key;
		size_t off;
	} f[] = {
	    [C_POWER_DRIVER - C_POWER_DRIVER] = {RB_PW_DRIVER, offsetof(struct inv_power, driver)},
	    [C_POWER_ADDRESS -
		C_POWER_DRIVER] = {RB_PW_ADDRESS, offsetof(struct inv_power, address)},
	    [C_POWER_USERNAME -
		C_POWER_DRIVER] = {RB_PW_USERNAME, offsetof(struct inv_power, username)},
	    [C_POWER_PASSWORD_FILE -
		C_POWER_DRIVER] = {RB_PW_PASSWORD_FILE, offsetof(struct inv_power, password_file)},
	};
	char why[200];
	int k = col - C_POWER_DRIVER;
	int rc = rb_power_set(f[k].key, v, (char *)&h->power + f[k].off, why, sizeof(why));

	if (rc)
		return csv_fail(err, vp.line, vp.column, "%s: %s", csv_cols[col], why);
	if (!h->power.pos.line)
		h->power.pos = vp;
	if (col == C_POWER_DRIVER)
		h->power.has_driver = true;
	return 0;
}

/* One line after the header: a host into inv. which[i] is field i's column. */
static int
csv_host(struct inventory *inv, struct rb_config_error *err, const char *file, unsigned line,
	 char **f, const unsigned *col, const int *which, size_t n)
{
	struct inv_host *h = inv_add_host(inv);
	struct inv_pos pos = {.file = inv_intern_file(inv, file), .line = line, .column = 1};

	if (!h || !pos.file)
		return csv_fail(err, line, 1, "out of memory");
	h->pos = pos;
	for (size_t i = 0; i < n; i++) {
		const char *v = f[i];
		struct inv_pos vp = {pos.file, line, col[i]};

		if (!*v)
			continue;
		switch (which[i]) {
		case C_NAME:
		case C_PROFILE: {
			char **dst = which[i] == C_NAME ? &h->name : &h->profile;

			if (strlen(v) > INV_NAME_MAX ||
			    strspn(v, "abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789._-") != strlen(v) ||
			    v[0] == '.' || v[0] == '-')
				return csv_fail(err, line, col[i], "%s: '%.64s' is not a name",
						csv_cols[which[i]], v);
			*dst = strdup(v);
			if (!*dst)
				return csv_fail(err, line, 1, "out of memory");
			if (which[i] == C_PROFILE)
				h->profile_pos = vp;
			break;
		}
		case C_MAC:
			if (rb_hex_octets(v, ":-", h->mac, 6) != 6)
				return csv_fail(err, line, col[i],
						"mac: expected 6 hex octets separated by ':' or "
						"'-', got '%.32s'",
						v);
			break;
		case C_ADDRESS:
			if (inet_pton(AF_INET, v, &h->ip) != 1 || h->ip == 0 ||
			    IN_MULTICAST(ntohl(h->ip)) || h->ip == INADDR_BROADCAST)
				return csv_fail(err, line, col[i],
						"address: '%.32s' is not a unicast IPv4 address",
						v);
			break;
		case C_UUID:
			if (rb_uuid_parse(v, h->uuid))
				return csv_fail(err, line, col[i], "uuid: '%.64s' is not a UUID",
						v);
			h->has_uuid = true;
			break;
		case C_LABELS: {
			char buf[LABELS_MAX + 1], *save = NULL;

			snprintf(buf, sizeof(buf), "%s", v);
			for (char *kv = strtok_r(buf, ";", &save); kv;
			     kv = strtok_r(NULL, ";", &save)) {
				char *eq = strchr(kv, '=');

				if (!eq || eq == kv)
					return csv_fail(err, line, col[i],
							"labels: expected key=value;key=value, got "
							"'%.64s'",
							kv);
				*eq = 0;
				if (inv_kvs_set(&h->labels, kv, eq + 1, vp))
					return csv_fail(err, line, 1, "out of memory");
			}
			break;
		}
		default: /* the power_* columns */
			if (power_field(h, which[i], v, err, vp))
				return -EINVAL;
			break;
		}
	}
	if (!h->name)
		return csv_fail(err, line, 1, "a host needs a name");
	if (!memcmp(h->mac, (const uint8_t[6]){0}, 6))
		return csv_fail(err, line, 1, "host '%s' needs a mac", h->name);
	return 0;
}

int
hosts_csv_load(const char *path, struct inventory *inv, size_t max_hosts,
	       struct rb_config_error *err)
{
	FILE *f = fopen(path, "re");
	char line[8192];
	int which[N_C];
	size_t ncols = 0;
	unsigned ln = 0;
	int rc = 0;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	if (!f) {
		rc = -errno;
		snprintf(err->message, sizeof(err->message), "cannot open: %s", strerror(errno));
		return rc;
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		char *fld[N_C + 1];
		unsigned col[N_C + 1];
		size_t n;

		ln++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = csv_fail(err, ln, 1, "line longer than %zu bytes", sizeof(line) - 2);
			break;
		}
		line[strcspn(line, "\n")] = 0;
		if (line[strspn(line, " \t\r")] == 0 || line[strspn(line, " \t")] == '#')
			continue;
		n = csv_split(line, fld, col, N_C + 1);
		if (n > N_C) {
			rc = csv_fail(err, ln, col[N_C], "more than %d columns", N_C);
			break;
		}
		if (!ncols) { /* the header */
			bool seen[N_C] = {0};

			for (size_t i = 0; !rc && i < n; i++) {
				size_t c;

				for (c = 0; c < N_C && strcmp(fld[i], csv_cols[c]); c++)
					;
				if (c == N_C || seen[c])
					rc = csv_fail(
					    err, ln, col[i],
					    "%s column '%.32s' (the header names name, mac, "
					    "address, profile, uuid, labels, power_driver, "
					    "power_address, power_username, power_password_file, "
					    "each once)",
					    c == N_C ? "unknown" : "repeated", fld[i]);
				else
					seen[c] = true, which[i] = (int)c;
			}
			if (!rc && (!seen[C_NAME] || !seen[C_MAC]))
				rc = csv_fail(err, ln, 1,
					      "the header must name the name and mac columns");
			ncols = n;
			continue;
		}
		if (n != ncols) {
			rc = csv_fail(err, ln, 1, "%zu fields, the header has %zu", n, ncols);
			break;
		}
		if (inv->n_hosts >= max_hosts) {
			rc = csv_fail(err, ln, 1, "more than %zu hosts", max_hosts);
			break;
		}
		rc = csv_host(inv, err, path, ln, fld, col, which, n);
	}
	if (!rc && ferror(f))
		rc = csv_fail(err, ln, 0, "read error");
	fclose(f);
	return rc;
}
