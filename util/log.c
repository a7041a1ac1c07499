/* log.c: see log.h. Thread-safe: each line is formatted into a local buffer
 * and written with one call, so lines from threads never interleave. */
#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static const char *log_ident = "rackboot";
static int log_syslog;
static _Atomic int log_max = RB_LOG_INFO;
static _Atomic(rb_log_sink) log_sink;

static const char *const level_names[] = {
    [RB_LOG_ERR] = "err",   [RB_LOG_WARN] = "warn",   [RB_LOG_NOTICE] = "notice",
    [RB_LOG_INFO] = "info", [RB_LOG_DEBUG] = "debug",
};

void
rb_log_open(const char *ident, int use_syslog)
{
	log_ident = ident;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

void
rb_log_set_level(enum rb_log_level max)
{
	atomic_store(&log_max, (int)max);
}

enum rb_log_level
rb_log_get_level(void)
{
	return (enum rb_log_level)atomic_load(&log_max);
}

void
rb_log_set_sink(rb_log_sink sink)
{
	atomic_store(&log_sink, sink);
}

int
rb_log_level_parse(const char *s, enum rb_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (level_names[i] && strcmp(s, level_names[i]) == 0) {
			*out = (enum rb_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void
rb_vlog(enum rb_log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	rb_log_sink sink;

	if ((int)level > atomic_load(&log_max))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	sink = atomic_load(&log_sink);
	if (sink)
		sink(level, line);
	else if (log_syslog)
		syslog((int)level, "%s", line);
	else
		fprintf(stderr, "%s: %s%s\n", log_ident, level == RB_LOG_WARN ? "warning: " : "",
			line);
}

void
rb_log(enum rb_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rb_vlog(level, fmt, ap);
	va_end(ap);
}
