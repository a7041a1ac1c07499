/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * select.h: host selectors, the words an operator uses to pick machines
 * ("rackbootctl reinstall rack3,label:role=db").
 *
 * A selector is a comma-separated union of terms (spaces around a term are
 * ignored):
 *   all                every tracked host
 *   <name>             the host of that name
 *   mac:<mac>          the host of that MAC (':' or '-' between octets)
 *   group:<name>       the hosts the group matches, with every criterion
 *                      but its architecture: a host's architecture is only
 *                      known while it boots, so "group:uefi-nodes" means
 *                      the hosts the group would take if they booted as
 *                      one of its architectures. It matches, it need not
 *                      decide: a more specific group may win at boot.
 *   label:<key>=<value> the hosts with that label
 *   profile:<name>     the hosts whose resolved profile it is
 *   state:<state>      the hosts in that lifecycle state
 * An unknown host, group, profile or state, a malformed term, or a selector
 * that picks nobody is an error with a sentence naming it.
 */
#ifndef RB_LIFECYCLE_SELECT_H
#define RB_LIFECYCLE_SELECT_H

#include <stddef.h>

#include "lifecycle.h"

/*
 * The hosts selector picks, in inventory order without duplicates, into
 * out (freed with lc_selection_free). Returns their number (> 0), or
 * -EINVAL with the reason in err ("no host named 'x'"), -ENOMEM.
 */
int lc_select(struct lifecycle *lc, const char *selector, struct lc_selection *out, char *err,
	      size_t cap);

/* Free what lc_select filled (the struct itself is the caller's). */
void lc_selection_free(struct lc_selection *sel);

#endif
