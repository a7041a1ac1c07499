/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_impl.h: what the router (api.c) and the event streams (follow.c)
 * share inside control/api/; nothing outside includes it. api.c uses
 * follow.c, never the other way.
 */
#ifndef RB_CONTROL_API_IMPL_H
#define RB_CONTROL_API_IMPL_H

#include <stdatomic.h>
#include <stdint.h>

#include "api.h"
#include "auth.h"

#define API_ERR_CAP 512 /* a backend's message */

/* Written once by api_new(); the counters by any HTTP thread. */
struct api {
	struct api_backend be;
	char token[API_TOKEN_LEN + 1];
	unsigned keepalive_ms;
	_Atomic uint64_t requests, unauthorized;
	atomic_uint followers; /* streams open, at most API_FOLLOWERS_MAX */
};

/* Calls backend member m with its arg first. */
#define BE_CALL(a, m, ...) ((a)->be.m((a)->be.arg, __VA_ARGS__))

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t api_mono_ms(void);

/*
 * A stream of the events after since, counted in a->followers. NULL with
 * errno EBUSY when API_FOLLOWERS_MAX are open, ENOMEM.
 */
struct api_follow *api_follow_open(struct api *a, uint64_t since);

#endif
