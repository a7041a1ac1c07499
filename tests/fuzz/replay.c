/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * replay.c: runs a libFuzzer target's LLVMFuzzerTestOneInput on every file
 * in the directories (or on the files) named on the command line, so a seed
 * corpus replays as an ordinary test without libFuzzer. Fails when an
 * argument cannot be read or a directory holds no inputs.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Run one file. 0, or -1 when it cannot be read. */
static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	int ret = -1;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		/* malloc(0) may return NULL; keep one byte so every input has a buffer */
		buf = malloc((size_t)len + 1);
		if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len) {
			LLVMFuzzerTestOneInput(buf, (size_t)len);
			ret = 0;
		}
	}
	if (ret)
		fprintf(stderr, "replay: %s: read failed\n", path);
	free(buf);
	fclose(f);
	return ret;
}

/* Run every regular file in dir. The number run, or -1. */
static long
run_dir(const char *dir)
{
	char path[4096];
	struct dirent *e;
	struct stat sb;
	long n = 0;
	DIR *d = opendir(dir);

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &sb) || !S_ISREG(sb.st_mode))
			continue;
		if (run_file(path)) {
			n = -1;
			break;
		}
		n++;
	}
	closedir(d);
	return n;
}

int
main(int argc, char **argv)
{
	struct stat sb;
	long n, total = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb)) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(sb.st_mode)) {
			n = run_dir(argv[i]);
			if (n == 0)
				fprintf(stderr, "replay: %s: no inputs\n", argv[i]);
			if (n <= 0)
				return 1;
		} else {
			if (run_file(argv[i]))
				return 1;
			n = 1;
		}
		total += n;
	}
	printf("replay: ran %ld inputs\n", total);
	return 0;
}
