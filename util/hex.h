/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hex.h: hexadecimal digits and octet strings ("52:54:00:12:34:56",
 * "01a2ff") and UUIDs, read and written the one way the whole tree does
 * it.
 * Independent of the locale.
 */
#ifndef RB_UTIL_HEX_H
#define RB_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (either case), or -1 when c is not one. */
int rb_hex_digit(int c);

/*
 * Parse the whole of s as octets of two hex digits each, separated by one
 * character of seps, the same one throughout (seps "" or NULL: only
 * a single octet is accepted).
 * Returns how many octets went into out[0..max), -EINVAL when s is not of
 * that form, -E2BIG when it holds more than max.
 */
int rb_hex_octets(const char *s, const char *seps, uint8_t *out, size_t max);

/*
 * Write p[0..n) as lower-case hex digit pairs, separated by sep unless it
 * is 0, and a NUL. out needs room for 3 * n bytes (2 * n + 1 without a
 * separator; 1 when n is 0). Returns the length written, without the NUL.
 */
size_t rb_hex_format(char *out, const uint8_t *p, size_t n, char sep);

/*
 * Parse the whole of s as a UUID: 8-4-4-4-12 hex digits (either case)
 * separated by '-', as SMBIOS firmware sends it in DHCP option 97, into
 * out in the order written. Returns 0, or -EINVAL when s is not of that
 * form (out may then be partly written).
 */
int rb_uuid_parse(const char *s, uint8_t out[16]);

/* The form rb_uuid_parse() reads, lower case, into out (37 bytes with the
 * NUL). Returns out. */
#define RB_UUID_STRLEN 37
char *rb_uuid_format(char out[RB_UUID_STRLEN], const uint8_t uuid[16]);

#endif
