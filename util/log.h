/* log.h: the one logging call of both processes.
 *
 * Control code logs to stderr (or syslog, rb_log_open()); the dataplane
 * installs a sink that hands every line to rte_log, so EAL's own log
 * options apply there too. The fast path never calls this: it counts.
 * Messages are one line each, without a trailing newline.
 */
#ifndef RB_UTIL_LOG_H
#define RB_UTIL_LOG_H

#include <stdarg.h>

/* Levels use syslog's numbers so they pass through unchanged. */
enum rb_log_level {
	RB_LOG_ERR = 3,
	RB_LOG_WARN = 4,
	RB_LOG_NOTICE = 5,
	RB_LOG_INFO = 6,
	RB_LOG_DEBUG = 7,
};

/* A sink receives each formatted line (no newline). */
typedef void (*rb_log_sink)(enum rb_log_level level, const char *line);

/* Sets the name printed before each stderr line ("rackboot: ..."). */
void rb_log_open(const char *ident, int use_syslog);
/* Lines above max are dropped (default RB_LOG_INFO). */
void rb_log_set_level(enum rb_log_level max);
enum rb_log_level rb_log_get_level(void);
/* Replaces the stderr/syslog output; NULL restores it. */
void rb_log_set_sink(rb_log_sink sink);
/* Parses "err", "warn", "notice", "info", "debug"; -EINVAL otherwise. */
int rb_log_level_parse(const char *s, enum rb_log_level *out);

void rb_log(enum rb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rb_vlog(enum rb_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#define RB_ERR(...) rb_log(RB_LOG_ERR, __VA_ARGS__)
#define RB_WARN(...) rb_log(RB_LOG_WARN, __VA_ARGS__)
#define RB_NOTICE(...) rb_log(RB_LOG_NOTICE, __VA_ARGS__)
#define RB_INFO(...) rb_log(RB_LOG_INFO, __VA_ARGS__)
#define RB_DEBUG(...) rb_log(RB_LOG_DEBUG, __VA_ARGS__)

#endif
