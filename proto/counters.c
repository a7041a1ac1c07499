/* SPDX-License-Identifier: BSD-3-Clause */
#include "counters.h"

#define RB_X_NAME(name, help) #name,
#define RB_X_HELP(name, help) help,
const char *const rb_counter_names[RB_CNT_MAX] = {RB_DP_COUNTERS(RB_X_NAME)};
const char *const rb_counter_help[RB_CNT_MAX] = {RB_DP_COUNTERS(RB_X_HELP)};
const char *const rb_drop_names[RB_DROP_MAX] = {RB_DP_DROPS(RB_X_NAME)};
const char *const rb_drop_help[RB_DROP_MAX] = {RB_DP_DROPS(RB_X_HELP)};
