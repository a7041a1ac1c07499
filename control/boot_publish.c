/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * boot_publish.c: the boot namespace's roots from the config, and the
 * generated boot configs to HTTP's overlay and the dataplane. See
 * boot_publish.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_publish.h"
#include "provision/loaders.h"

#define MAX_LOADER_FILES 16

/* One set at a time reaches HTTP and the dataplane, in the same order. */
static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;

int
boot_publish(struct bootns *ns, const struct rb_config *cfg, const struct prov_snapshot *s,
	     char *msg, size_t cap)
{
	static char loader_paths[MAX_LOADER_FILES][PATH_MAX];
	struct rb_boot_root r[MAX_LOADER_FILES + 1 + RB_TFTP_MAX_MOUNTS];
	const struct loader_file *lf[MAX_LOADER_FILES];
	struct loader_choice lc;
	const char *lroot;
	size_t n = 0, nf;

	if (s && prov_loaders(s, &lc, &lroot)) {
		nf = loaders_files(&lc, lf, MAX_LOADER_FILES);
		for (size_t i = 0; i < nf; i++) {
			snprintf(loader_paths[i], PATH_MAX, "%s%s", lroot, lf[i]->path);
			r[n++] = (struct rb_boot_root){lf[i]->name, loader_paths[i]};
		}
	}
	r[n++] = (struct rb_boot_root){"", cfg->tftp_root};
	for (unsigned i = 0; i < cfg->nb_tftp_mounts; i++)
		r[n++] = (struct rb_boot_root){cfg->tftp_mounts[i].name, cfg->tftp_mounts[i].path};
	return bootns_set(ns, r, n, msg, cap);
}

int
boot_gen_send(const struct prov_file *files, size_t n, boot_gen_send_fn send, void *arg, char *msg,
	      size_t cap)
{
	struct rb_gen_files_msg empty = {.count = 0, .flags = RB_GEN_F_FIRST};
	uint32_t flags = RB_GEN_F_FIRST;
	char *buf = malloc(RB_CHAN_MAX_MSG);
	size_t off = 0, i;
	int err = 0;

	if (!buf) {
		snprintf(msg, cap, "generated files: out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < n && !err; i++) {
		err = rb_gen_files_add(buf, RB_CHAN_MAX_MSG, &off, flags, files[i].name,
				       files[i].data, files[i].len);
		if (err != -EMSGSIZE)
			continue;
		/* The batch is full: send it, start the next with this file. */
		err = send(arg, RB_MSG_GEN_FILES, buf, off);
		if (err)
			goto sent;
		flags = 0;
		off = 0;
		err = rb_gen_files_add(buf, RB_CHAN_MAX_MSG, &off, flags, files[i].name,
				       files[i].data, files[i].len);
	}
	if (err) {
		snprintf(msg, cap, "generated file %.256s: %s", files[i - 1].name, strerror(-err));
		goto out;
	}
	err = off ? send(arg, RB_MSG_GEN_FILES, buf, off)
		  : send(arg, RB_MSG_GEN_FILES, &empty, sizeof(empty));
	if (!err)
		err = send(arg, RB_MSG_GEN_PUBLISH, NULL, 0);
sent:
	if (err)
		snprintf(msg, cap, "generated files: the dataplane is not listening: %s",
			 strerror(-err));
out:
	free(buf);
	return err;
}

/* What the dataplane would refuse, refused here before anything changes. */
static int
check_set(const struct prov_file *files, size_t n, char *msg, size_t cap)
{
	uint64_t bytes = 0;
	size_t i;

	if (n > RB_GEN_MAX_FILES) {
		snprintf(msg, cap, "generated files: %zu, at most %u", n, RB_GEN_MAX_FILES);
		return -E2BIG;
	}
	for (i = 0; i < n; i++) {
		if (files[i].len > RB_GEN_FILE_MAX) {
			snprintf(msg, cap, "generated file %.256s: %zu bytes, at most %u",
				 files[i].name, files[i].len, RB_GEN_FILE_MAX);
			return -EFBIG;
		}
		bytes += files[i].len;
	}
	if (bytes > RB_GEN_MAX_BYTES) {
		snprintf(msg, cap, "generated files: %" PRIu64 " bytes, at most %u MiB", bytes,
			 RB_GEN_MAX_BYTES >> 20);
		return -E2BIG;
	}
	return 0;
}

static int
chan_send(void *arg, enum rb_msg_type type, const void *payload, size_t len)
{
	return dpchan_send(arg, type, payload, len);
}

int
boot_publish_gen(struct dpchan *c, struct bootns *ns, const struct prov_file *files, size_t n,
		 char *msg, size_t cap)
{
	int err = check_set(files, n, msg, cap);

	if (err)
		return err;
	pthread_mutex_lock(&gen_lock);
	err = bootns_set_files(ns, files, n);
	if (err)
		snprintf(msg, cap, "generated files: %s", strerror(-err));
	else if (c)
		err = boot_gen_send(files, n, chan_send, c, msg, cap);
	pthread_mutex_unlock(&gen_lock);
	return err;
}
