/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generated boot configs on the control's side: the boot namespace's
 * in-memory overlay (bootns_set_files(): names normalised, a later
 * duplicate wins, bad names refused with the old set kept, readers' sets
 * outliving a swap, readers racing a writer), boot_publish_gen() without a
 * dataplane (the checks that refuse a set before anything changes), and
 * the messages boot_gen_send() makes (batches, the first flag, the
 * publish, a failing send).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot_publish.h"
#include "bootns.h"

#define PF(n, d) ((struct prov_file){(char *)(n), (char *)(d), sizeof(d) - 1})

/* The overlay's file called name has exactly data. */
static void
has(const struct bootns_files *f, const char *name, const char *data)
{
	const char *p;
	size_t len;
	time_t t;

	if (bootns_files_find(f, name, &p, &len, &t) != 0)
		fail_msg("%s: not in the overlay", name);
	assert_int_equal(len, strlen(data));
	assert_memory_equal(p, data, len);
	assert_true(t > 0);
}

static void
hasnt(const struct bootns_files *f, const char *name)
{
	const char *p = NULL;
	size_t len;
	time_t t;

	assert_int_equal(bootns_files_find(f, name, &p, &len, &t), -ENOENT);
}

static void
test_overlay(void **state)
{
	struct prov_file set[] = {
	    PF("pxelinux.cfg/default", "menu"),
	    PF("/grub//grub.cfg", "grub"),
	    PF("boot.ipxe", "#!ipxe"),
	    PF("empty", ""),
	    PF("./pxelinux.cfg/default", "menu, later"),
	    PF("a\\b", "backslash"),
	};
	struct bootns *ns = bootns_new();
	struct bootns_files *f, *old;

	(void)state;
	assert_non_null(ns);
	assert_null(bootns_files_get(ns));
	hasnt(NULL, "x");
	assert_int_equal(bootns_files_count(NULL), 0);
	assert_int_equal(bootns_set_files(ns, set, 6), 0);
	f = bootns_files_get(ns);
	assert_int_equal(bootns_files_count(f), 5);
	has(f, "pxelinux.cfg/default", "menu, later"); /* the later of the two */
	has(f, "grub/grub.cfg", "grub");
	has(f, "boot.ipxe", "#!ipxe");
	has(f, "empty", "");
	has(f, "a/b", "backslash");
	hasnt(f, "pxelinux.cfg");
	hasnt(f, "grub");
	hasnt(f, "/grub//grub.cfg"); /* lookups take normalised names */
	hasnt(f, "boot.ipx");
	hasnt(f, "boot.ipxe2");

	/* a bad name refuses the whole set; the old one stays */
	set[2] = PF("../etc/passwd", "x");
	assert_int_equal(bootns_set_files(ns, set, 6), -EINVAL);
	set[2] = PF("", "x");
	assert_int_equal(bootns_set_files(ns, set, 6), -EINVAL);
	set[2] = PF("/", "x");
	assert_int_equal(bootns_set_files(ns, set, 6), -EINVAL);
	set[2] = PF("a\nb", "x");
	assert_int_equal(bootns_set_files(ns, set, 6), -EINVAL);
	{
		char longname[RB_BOOT_NAME_MAX + 2];

		memset(longname, 'n', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		set[2] = (struct prov_file){longname, "x", 1};
		assert_int_equal(bootns_set_files(ns, set, 6), -ENAMETOOLONG);
		longname[RB_BOOT_NAME_MAX] = '\0';
		assert_int_equal(bootns_set_files(ns, &set[2], 1), 0);
		old = bootns_files_get(ns);
		has(old, longname, "x");
		bootns_files_put(old);
	}
	assert_int_equal(bootns_set_files(ns, set, 2), 0);
	old = f; /* the reader's set outlives the swap */
	f = bootns_files_get(ns);
	assert_int_equal(bootns_files_count(f), 2);
	has(f, "pxelinux.cfg/default", "menu");
	hasnt(f, "boot.ipxe");
	has(old, "boot.ipxe", "#!ipxe");
	bootns_files_put(old);
	bootns_files_put(f);
	/* none */
	assert_int_equal(bootns_set_files(ns, NULL, 0), 0);
	assert_null(bootns_files_get(ns));
	assert_int_equal(bootns_set_files(ns, set, 1), 0);
	bootns_free(ns); /* frees the overlay it holds */
}

/* Readers looking names up while a writer swaps sets of 4000 files: each
 * reader sees one whole set (the generation in every file agrees). */
#define RACE_FILES 4000
#define RACE_SETS 60

struct race {
	struct bootns *ns;
	int stop;
	long lookups;
};

static void *
reader(void *arg)
{
	struct race *r = arg;
	char name[64], want[64];
	const char *p, *q;
	size_t len, len2;
	time_t t;
	int i = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		struct bootns_files *f = bootns_files_get(r->ns);

		i = (i + 37) % RACE_FILES;
		snprintf(name, sizeof(name), "pxelinux.cfg/01-%05d", i);
		if (bootns_files_find(f, name, &p, &len, &t) == 0 &&
		    bootns_files_find(f, "pxelinux.cfg/default", &q, &len2, &t) == 0) {
			/* "gen G host I" in each host file, "gen G" in the menu */
			snprintf(want, sizeof(want), "%.*s host %d", (int)len2, q, i);
			if (len != strlen(want) || memcmp(p, want, len) != 0)
				abort();
			r->lookups++;
		}
		bootns_files_put(f);
	}
	return NULL;
}

static void
test_overlay_race(void **state)
{
	static struct prov_file set[RACE_FILES + 1];
	static char names[RACE_FILES][32], datas[RACE_FILES][48];
	struct race r = {.ns = bootns_new()};
	char menu[32];
	pthread_t t[3];
	int g, i;

	(void)state;
	for (i = 0; i < RACE_FILES; i++)
		snprintf(names[i], sizeof(names[i]), "pxelinux.cfg/01-%05d", i);
	for (g = 0; g < RACE_SETS; g++) {
		snprintf(menu, sizeof(menu), "gen %d", g);
		for (i = 0; i < RACE_FILES; i++) {
			snprintf(datas[i], sizeof(datas[i]), "gen %d host %d", g, i);
			set[i] = (struct prov_file){names[i], datas[i], strlen(datas[i])};
		}
		set[RACE_FILES] = (struct prov_file){"pxelinux.cfg/default", menu, strlen(menu)};
		assert_int_equal(bootns_set_files(r.ns, set, RACE_FILES + 1), 0);
		if (g == 0)
			for (i = 0; i < 3; i++)
				assert_int_equal(pthread_create(&t[i], NULL, reader, &r), 0);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_true(r.lookups > 0);
	bootns_free(r.ns);
}

/* boot_publish_gen() without a dataplane: the overlay only; a set the
 * dataplane would refuse changes nothing. */
static void
test_publish_gen(void **state)
{
	static char big[RB_GEN_FILE_MAX + 1];
	struct prov_file set[] = {PF("pxelinux.cfg/default", "menu"), PF("boot.ipxe", "#!ipxe")};
	struct bootns *ns = bootns_new();
	struct bootns_files *f;
	struct prov_file *many;
	char msg[256];
	size_t i;

	(void)state;
	assert_int_equal(boot_publish_gen(NULL, ns, set, 2, msg, sizeof(msg)), 0);
	f = bootns_files_get(ns);
	has(f, "boot.ipxe", "#!ipxe");
	bootns_files_put(f);
	/* one file too big for a message */
	set[1] = (struct prov_file){"grub/grub.cfg", big, sizeof(big)};
	assert_int_equal(boot_publish_gen(NULL, ns, set, 2, msg, sizeof(msg)), -EFBIG);
	assert_string_equal(msg, "generated file grub/grub.cfg: 60001 bytes, at most 60000");
	set[1].len = RB_GEN_FILE_MAX;
	assert_int_equal(boot_publish_gen(NULL, ns, set, 2, msg, sizeof(msg)), 0);
	/* too many files, too many bytes */
	many = calloc(RB_GEN_MAX_FILES + 1, sizeof(*many));
	assert_non_null(many);
	for (i = 0; i <= RB_GEN_MAX_FILES; i++)
		many[i] = (struct prov_file){"f", big, 0};
	assert_int_equal(boot_publish_gen(NULL, ns, many, RB_GEN_MAX_FILES + 1, msg, sizeof(msg)),
			 -E2BIG);
	assert_non_null(strstr(msg, "at most 65536"));
	for (i = 0; i < 1200; i++)
		many[i] = (struct prov_file){"f", big, RB_GEN_FILE_MAX};
	assert_int_equal(boot_publish_gen(NULL, ns, many, 1200, msg, sizeof(msg)), -E2BIG);
	assert_string_equal(msg, "generated files: 72000000 bytes, at most 64 MiB");
	free(many);
	/* a bad name: refused by the overlay */
	set[0] = PF("../x", "x");
	assert_int_equal(boot_publish_gen(NULL, ns, set, 2, msg, sizeof(msg)), -EINVAL);
	f = bootns_files_get(ns); /* still the last good set */
	has(f, "pxelinux.cfg/default", "menu");
	assert_int_equal(bootns_files_count(f), 2);
	bootns_files_put(f);
	bootns_free(ns);
}

/* What boot_gen_send() hands to send, decoded. */
struct sent {
	int msgs, batches, firsts, publishes, fail_at;
	bool publish_last, first_first;
	size_t files;
	const struct prov_file *want;
};

static int
fake_send(void *arg, enum rb_msg_type type, const void *payload, size_t len)
{
	static char buf[RB_CHAN_MAX_MSG + 64];
	static struct rb_gen_file out[RB_CHAN_MAX_MSG / 8];
	struct sent *s = arg;
	struct rb_msg_hdr hdr;
	const void *pl;
	uint32_t flags;
	int n, i;

	if (s->msgs++ == s->fail_at)
		return -EPIPE;
	n = rb_msg_build(buf, sizeof(buf), type, 0, payload, len);
	assert_true(n > 0);
	assert_int_equal(rb_msg_parse(buf, (size_t)n, &hdr, &pl), 0);
	s->publish_last = type == RB_MSG_GEN_PUBLISH;
	if (type == RB_MSG_GEN_PUBLISH) {
		s->publishes++;
		return 0;
	}
	assert_int_equal(type, RB_MSG_GEN_FILES);
	n = rb_gen_files_decode(pl, hdr.len, &flags, out, sizeof(out) / sizeof(out[0]));
	assert_true(n >= 0);
	if (flags & RB_GEN_F_FIRST) {
		s->firsts++;
		if (s->batches == 0)
			s->first_first = true;
	}
	s->batches++;
	for (i = 0; i < n; i++, s->files++) {
		assert_string_equal(out[i].name, s->want[s->files].name);
		assert_int_equal(out[i].len, s->want[s->files].len);
		assert_memory_equal(out[i].data, s->want[s->files].data, out[i].len);
	}
	return 0;
}

static void
test_gen_send(void **state)
{
	static char names[4000][40], data[4000][700];
	static struct prov_file set[4000];
	struct sent s = {.fail_at = -1, .want = set};
	size_t i, bytes = 0;
	char msg[256];

	(void)state;
	for (i = 0; i < 4000; i++) {
		snprintf(names[i], sizeof(names[i]), "pxelinux.cfg/01-52-54-00-%02zx-%02zx-%02zx",
			 i >> 16, (i >> 8) & 0xff, i & 0xff);
		memset(data[i], 'a' + (int)(i % 26), 100 + i % 600);
		set[i] = (struct prov_file){names[i], data[i], 100 + i % 600};
		bytes += set[i].len + strlen(names[i]) + 7;
	}
	assert_int_equal(boot_gen_send(set, 4000, fake_send, &s, msg, sizeof(msg)), 0);
	assert_int_equal(s.files, 4000);
	assert_int_equal(s.firsts, 1);
	assert_true(s.first_first);
	assert_int_equal(s.publishes, 1);
	assert_true(s.publish_last);
	/* batches as full as a message allows: no more than one beyond the minimum */
	assert_true((size_t)s.batches <= bytes / (RB_CHAN_MAX_MSG - 8 - 700) + 1);
	assert_true(s.batches >= 2);

	/* the empty set: one empty first batch, then the publish */
	s = (struct sent){.fail_at = -1, .want = set};
	assert_int_equal(boot_gen_send(NULL, 0, fake_send, &s, msg, sizeof(msg)), 0);
	assert_int_equal(s.batches, 1);
	assert_int_equal(s.firsts, 1);
	assert_int_equal(s.files, 0);
	assert_true(s.publish_last);

	/* a send that fails, in each place: the error comes back, nothing after it */
	for (int k = 0; k < 4; k++) {
		s = (struct sent){.fail_at = k, .want = set};
		assert_int_equal(boot_gen_send(set, 4000, fake_send, &s, msg, sizeof(msg)), -EPIPE);
		assert_int_equal(s.msgs, k + 1);
		assert_int_equal(s.publishes, 0);
		assert_non_null(strstr(msg, "the dataplane is not listening"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_overlay),
	    cmocka_unit_test(test_overlay_race),
	    cmocka_unit_test(test_publish_gen),
	    cmocka_unit_test(test_gen_send),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
