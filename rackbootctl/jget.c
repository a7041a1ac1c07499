/* SPDX-License-Identifier: BSD-3-Clause */
/* jget.c: tolerant accessors for the API's JSON. */
#include <errno.h>

#include "jget.h"

json_t *
jget_typed(const json_t *o, const char *key, json_type t)
{
	json_t *v;

	if (!json_is_object(o))
		return NULL;
	v = json_object_get(o, key);
	return v && json_typeof(v) == t ? v : NULL;
}

const char *
jget_str(const json_t *o, const char *key, const char *dflt)
{
	json_t *v = jget_typed(o, key, JSON_STRING);

	return v ? json_string_value(v) : dflt;
}

int
jget_num(const json_t *o, const char *key, double *out)
{
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

	if (!json_is_number(v))
		return -ENOENT;
	*out = json_number_value(v);
	return 0;
}

bool
jget_true(const json_t *o, const char *key)
{
	return jget_typed(o, key, JSON_TRUE) != NULL;
}
