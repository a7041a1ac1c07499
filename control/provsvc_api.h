/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * provsvc_api.h: the API's backend table (control/api/api.h) filled with
 * the provisioning service's functions: host states, profiles, leases,
 * explain, events, reinstall (mark, make durable, publish, then power
 * cycle when asked), power and reload.
 */
#ifndef RB_CONTROL_PROVSVC_API_H
#define RB_CONTROL_PROVSVC_API_H

struct api_backend;
struct provsvc;

/* Fill b so that every route works on p. */
void provsvc_api_backend(struct provsvc *p, struct api_backend *b);

#endif
