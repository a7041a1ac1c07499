/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_yaml.c: libFuzzer target for the YAML config loader (control/
 * config.c, config_yaml.c and the sections it drives: dhcp, provisioning,
 * power). The input is a config file's text, parsed from a buffer as
 * rb_config_parse_string() does for `rackboot --check`. Paths in it resolve
 * against the current directory and are only read. Checked: a refused
 * config has a message and, with a position, one inside the text, and the
 * formatted error parses back to the same position; an accepted one has
 * its ranges in order; everything is freed (leaks fail the run).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rb_config cfg;
	static struct rb_config_error err, back;
	char msg[PATH_MAX + 512];
	unsigned lines = 1;
	size_t i;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = rb_config_parse_string("fuzz.yaml", (const char *)data, size, &cfg, &err);
	if (rc == 0) {
		CHECK(cfg.session_port_lo <= cfg.session_port_hi);
		CHECK(cfg.dhcp.nb_resv == 0 || cfg.dhcp.resv);
		rb_config_free(&cfg);
		rb_config_free(&cfg); /* safe twice */
		return 0;
	}
	CHECK(rc < 0);
	CHECK(err.message[0] != '\0');
	/* YAML's line breaks: LF, CR (CR LF once), NEL, LS and PS */
	for (i = 0; i < size; i++)
		lines += data[i] == '\n' ||
			 (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n')) ||
			 (i + 1 < size && data[i] == 0xc2 && data[i + 1] == 0x85) ||
			 (i + 2 < size && data[i] == 0xe2 && data[i + 1] == 0x80 &&
			  (data[i + 2] == 0xa8 || data[i + 2] == 0xa9));
	/* libyaml may point one line past a text without a final newline */
	if (strcmp(err.file, "fuzz.yaml") == 0)
		CHECK(err.line <= lines + 1);
	rb_config_error_format(&err, msg, sizeof(msg));
	CHECK(msg[0] != '\0');
	/* (another file's name may itself hold ":N:N: ", which ends a file
	 * name in rb_config_error_parse()) */
	if (err.line && strcmp(err.file, "fuzz.yaml") == 0) {
		CHECK(rb_config_error_parse(msg, &back) == 0);
		CHECK(back.line == err.line && back.column == err.column);
	}
	return 0;
}
