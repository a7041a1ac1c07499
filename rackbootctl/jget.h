/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jget.h: reading fields of the API's JSON replies without trusting their
 * shape. A field that is missing, null or of another type reads as absent,
 * so a server newer or older than this client shows "-" instead of
 * crashing it.
 */
#ifndef RB_CTL_JGET_H
#define RB_CTL_JGET_H

#include <stdbool.h>

#include <jansson.h>

/* o[key] as a string; dflt when absent, null, not a string, or o is not an object. */
const char *jget_str(const json_t *o, const char *key, const char *dflt);

/* o[key] as a number (integer or real) into out: 0, or -ENOENT. */
int jget_num(const json_t *o, const char *key, double *out);

/* o[key] is JSON true. */
bool jget_true(const json_t *o, const char *key);

/* o[key] when it is of type t (JSON_ARRAY, JSON_OBJECT...), else NULL. */
json_t *jget_typed(const json_t *o, const char *key, json_type t);

#endif
