/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz.h: what every libFuzzer target here shares: the entry point's
 * prototype (replay.c calls the same one) and CHECK, which aborts so that
 * libFuzzer and the seed replay both report the input as a crash.
 */
#ifndef RB_TESTS_FUZZ_H
#define RB_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

#endif
