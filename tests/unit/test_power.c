/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Power control without a BMC: the command driver running small shell
 * scripts (arguments, environment, no shell interpretation, status words,
 * errors and their bounded messages, a hanging program killed at the
 * timeout with everything it started), the ipmi driver against a fake
 * ipmitool found first in PATH (its arguments, cycle of a machine that is
 * off, authentication failures), and the scheduler (concurrency cap and
 * stagger seen in the scripts' own start times, queue full, free cancels
 * what has not started, metrics).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lifecycle/power.h"

static char dir[200];

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* dir/rel, in a static buffer of four (for a few in one expression). */
static const char *
at(const char *rel)
{
	static char b[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(b[i], sizeof(b[i]), "%s/%s", dir, rel);
	return b[i];
}

static void
put(const char *rel, const char *text, mode_t mode)
{
	FILE *f = fopen(at(rel), "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(at(rel), mode), 0);
}

/* A script whose text has every "@D" replaced by dir. */
static void
script(const char *rel, const char *text)
{
	char out[8192];
	size_t n = 0;

	for (const char *s = text; *s && n + sizeof(dir) < sizeof(out); s++) {
		if (s[0] == '@' && s[1] == 'D') {
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s", dir);
			s++;
		} else
			out[n++] = *s;
	}
	out[n] = '\0';
	put(rel, out, 0755);
}

static char *
slurp(const char *rel)
{
	static char b[16384];
	FILE *f = fopen(at(rel), "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(b, 1, sizeof(b) - 1, f);
	fclose(f);
	b[n] = '\0';
	return b;
}

static int
setup(void **state)
{
	char p[PATH_MAX], path[PATH_MAX + 64];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rb-test-power.XXXXXX");
	if (!mkdtemp(dir) || !realpath(dir, p) || strlen(p) >= sizeof(dir) - 1)
		return -1;
	snprintf(dir, sizeof(dir), "%s", p);
	if (mkdir(at("bin"), 0755))
		return -1;
	/* The fake ipmitool is found before any real one. */
	snprintf(path, sizeof(path), "%s/bin:%s", dir,
		 getenv("PATH") ? getenv("PATH") : "/usr/bin");
	return setenv("PATH", path, 1);
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct power_target
cmd_target(const char *host, const char *command)
{
	struct power_target t = {.host = host, .driver = POWER_COMMAND, .command = command};

	snprintf(t.mac, sizeof(t.mac), "52:54:00:00:00:01");
	snprintf(t.ip, sizeof(t.ip), "198.18.0.10");
	return t;
}

/* ---- the command driver ---- */

static void
test_cmd_args_env(void **state)
{
	char command[PATH_MAX * 2], msg[POWER_MSG_MAX];
	struct power_target t;

	(void)state;
	script("env.sh", "#!/bin/sh\n"
			 "echo \"$# [$1] [$2] [$3] $RACKBOOT_ACTION $RACKBOOT_HOST $RACKBOOT_MAC "
			 "$RACKBOOT_IP [$RACKBOOT_POWER_ADDRESS] [$HOME]\" > @D/env.out\n");
	/* No shell: "$(touch ...)" is one more argument, never run. */
	snprintf(command, sizeof(command), "%s  %s\t$(touch%s)", at("env.sh"), at("x"),
		 at("pwned"));
	t = cmd_target("node1", command);
	t.address = "pdu-3";
	assert_int_equal(power_run(&t, POWER_CYCLE, msg, sizeof(msg), 5), 0);
	assert_string_equal(msg, "ok");
	assert_non_null(slurp("env.out"));
	{
		char want[PATH_MAX * 3];

		snprintf(want, sizeof(want),
			 "3 [%s] [$(touch%s)] [cycle] cycle node1 52:54:00:00:00:01 198.18.0.10 "
			 "[pdu-3] []\n",
			 at("x"), at("pwned"));
		assert_string_equal(slurp("env.out"), want);
	}
	assert_int_not_equal(access(at("pwned)"), F_OK), 0);
	assert_int_not_equal(access(at("pwned"), F_OK), 0);
}

static void
test_cmd_status(void **state)
{
	static const char *const says[][2] = {{"On", "on"},
					      {"  off\n", "off"},
					      {"OFF now", "off"},
					      {"onward", "unknown"},
					      {"", "unknown"}};
	char msg[POWER_MSG_MAX], text[256];
	char command[PATH_MAX] = "";
	struct power_target t = cmd_target("node1", command);

	(void)state;
	snprintf(command, sizeof(command), "%s", at("st.sh"));
	for (size_t i = 0; i < sizeof(says) / sizeof(says[0]); i++) {
		snprintf(text, sizeof(text), "#!/bin/sh\nprintf '%s'\n", says[i][0]);
		script("st.sh", text);
		assert_int_equal(power_run(&t, POWER_STATUS, msg, sizeof(msg), 5), 0);
		assert_string_equal(msg, says[i][1]);
	}
}

static void
test_cmd_errors(void **state)
{
	char msg[POWER_MSG_MAX], small[40];
	char command[PATH_MAX] = "", missing[PATH_MAX];
	struct power_target t = cmd_target("node1", command);

	(void)state;
	snprintf(command, sizeof(command), "%s", at("fail.sh"));
	snprintf(missing, sizeof(missing), "%s", at("no-such-program"));
	script("fail.sh", "#!/bin/sh\necho 'partial output'\necho 'first problem' >&2\n"
			  "echo 'PDU outlet 7: refused' >&2\nexit 3\n");
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), -EIO);
	assert_non_null(strstr(msg, "exit 3: first problem | PDU outlet 7: refused"));

	/* A flood of stderr: the message is bounded and keeps the end. */
	script("fail.sh", "#!/bin/sh\ni=0\nwhile [ $i -lt 400 ]; do echo "
			  "'noise noise noise noise noise' >&2; i=$((i+1)); done\n"
			  "echo 'THE REAL REASON' >&2\nexit 1\n");
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), -EIO);
	assert_true(strlen(msg) < POWER_MSG_MAX);
	assert_non_null(strstr(msg, "THE REAL REASON"));
	assert_int_equal(power_run(&t, POWER_ON, small, sizeof(small), 5), -EIO);
	assert_int_equal(strlen(small), sizeof(small) - 1);

	/* A signal is not an exit code (a shell's "exit 143" is). */
	script("fail.sh", "#!/bin/sh\nkill -TERM $$\n");
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), -EIO);
	assert_non_null(strstr(msg, "killed by signal 15"));
	script("fail.sh", "#!/bin/sh\nexit 143\n");
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), -EIO);
	assert_non_null(strstr(msg, "exit 143"));

	t.command = missing;
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), -ENOENT);
	assert_non_null(strstr(msg, "cannot run"));
	t.command = "fail.sh"; /* relative: refused before anything runs */
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), -EINVAL);
	t.driver = POWER_NONE;
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), -EINVAL);
}

/* Is pid gone (or a zombie nobody reaped yet)? */
static bool
dead(long pid)
{
	char p[64], b[512];
	FILE *f;
	char *s;

	snprintf(p, sizeof(p), "/proc/%ld/stat", pid);
	f = fopen(p, "r");
	if (!f)
		return true;
	s = fgets(b, sizeof(b), f);
	fclose(f);
	s = s ? strrchr(b, ')') : NULL;
	return !s || s[2] == 'Z' || s[2] == 'X';
}

static void
test_cmd_timeout(void **state)
{
	char msg[POWER_MSG_MAX], command[PATH_MAX] = "";
	struct power_target t = cmd_target("node1", command);
	long child = 0, shell = 0;
	int64_t t0;
	FILE *f;

	(void)state;
	snprintf(command, sizeof(command), "%s", at("hang.sh"));
	/* It starts a child of its own, which must die with it. */
	script("hang.sh", "#!/bin/sh\nsleep 60 &\necho $! > @D/hang.child\necho $$ > @D/hang.pid\n"
			  "wait\n");
	t0 = now_ms();
	assert_int_equal(power_run(&t, POWER_OFF, msg, sizeof(msg), 1), -ETIMEDOUT);
	assert_in_range(now_ms() - t0, 900, 3000);
	assert_non_null(strstr(msg, "timed out"));
	f = fopen(at("hang.child"), "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &child), 1);
	fclose(f);
	f = fopen(at("hang.pid"), "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &shell), 1);
	fclose(f);
	for (int i = 0; i < 100 && !(dead(child) && dead(shell)); i++)
		usleep(10000);
	assert_true(dead(shell));
	assert_true(dead(child));
}

/* ---- the ipmi driver, against a fake ipmitool ---- */

/*
 * As ipmitool 1.8.19 against a BMC that knows user "admin" with password
 * "secret" and only the SHA-1 cipher suites (1..3): the reason a session
 * was refused goes to stderr only with -v (without it: only "Unable to
 * establish"), a banner first; a suite the BMC lacks is refused in the
 * open session response, at any verbosity.
 */
static const char fake_ipmitool[] =
    "#!/bin/sh\n"
    "echo \"$*\" >> @D/ipmi.log\n"
    "pf=; verb=; user=; cs=; v=\n"
    "while [ $# -gt 0 ]; do\n"
    "  case \"$1\" in\n"
    "  -f) pf=$2; shift ;;\n"
    "  -U) user=$2; shift ;;\n"
    "  -C) cs=$2; shift ;;\n"
    "  -v) v=1 ;;\n"
    "  esac\n"
    "  verb=$1; shift\n"
    "done\n"
    "[ -n \"$v\" ] && echo 'Loading IANA PEN Registry...' >&2\n"
    "why=\n"
    "case ${cs:-3} in\n"
    "1|2|3) ;;\n"
    "*) echo 'Error in open session response message : invalid authentication algorithm' >&2\n"
    "   echo >&2; why=cs ;;\n"
    "esac\n"
    "if [ -z \"$why\" ] && [ \"$user\" != admin ]; then\n"
    "  [ -n \"$v\" ] && echo 'RAKP 2 message indicates an error : unauthorized name' >&2\n"
    "  why=user\n"
    "elif [ -z \"$why\" ] && [ \"$(cat \"$pf\")\" != secret ]; then\n"
    "  [ -n \"$v\" ] && echo '> RAKP 2 HMAC is invalid' >&2\n"
    "  why=pass\n"
    "fi\n"
    "if [ -n \"$why\" ]; then\n"
    "  echo 'Error: Unable to establish IPMI v2 / RMCP+ session' >&2\n"
    "  exit 1\n"
    "fi\n"
    "[ -n \"$v\" ] && echo 'Running Get VSO Capabilities my_addr 0x20, transit 0, target 0x20' "
    ">&2\n"
    "state=$(cat @D/state)\n"
    "case $verb in\n"
    "status) echo \"Chassis Power is $state\" ;;\n"
    "on) echo on > @D/state; echo 'Chassis Power Control: Up/On' ;;\n"
    "off) echo off > @D/state; echo 'Chassis Power Control: Down/Off' ;;\n"
    "cycle) if [ $state = off ]; then\n"
    "    echo 'Set Chassis Power Control to Cycle failed: Command not supported in present "
    "state' >&2; exit 1\n"
    "  fi\n"
    "  echo cycled > @D/state; echo 'Chassis Power Control: Cycle' ;;\n"
    "esac\n";

static void
test_ipmi(void **state)
{
	char msg[POWER_MSG_MAX], want[PATH_MAX * 4 + 256], pass[PATH_MAX], none[PATH_MAX];
	struct power_target t = {.host = "bmc1",
				 .driver = POWER_IPMI,
				 .address = "198.18.9.9",
				 .username = "admin",
				 .password_file = pass};

	(void)state;
	snprintf(pass, sizeof(pass), "%s", at("pass"));
	snprintf(none, sizeof(none), "%s", at("no-such-file"));
	script("bin/ipmitool", fake_ipmitool);
	put("pass", "secret", 0600);
	put("state", "off\n", 0644);
	put("ipmi.log", "", 0644);

	if (power_run(&t, POWER_STATUS, msg, sizeof(msg), 5))
		fail_msg("%s", msg);
	assert_string_equal(msg, "off");
	/* cycle of a machine that is off: asked first, then "on" */
	assert_int_equal(power_run(&t, POWER_CYCLE, msg, sizeof(msg), 5), 0);
	assert_string_equal(msg, "was off: powered on");
	assert_string_equal(slurp("state"), "on\n");
	assert_int_equal(power_run(&t, POWER_CYCLE, msg, sizeof(msg), 5), 0);
	assert_string_equal(msg, "ok");
	assert_string_equal(slurp("state"), "cycled\n");
	assert_int_equal(power_run(&t, POWER_OFF, msg, sizeof(msg), 5), 0);
	assert_int_equal(power_run(&t, POWER_STATUS, msg, sizeof(msg), 5), 0);
	assert_string_equal(msg, "off");
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), 0);
	assert_int_equal(power_run(&t, POWER_STATUS, msg, sizeof(msg), 5), 0);
	assert_string_equal(msg, "on");
	/* no cipher_suite: no -C (ipmitool asks the BMC); -v always */
	snprintf(want, sizeof(want),
		 "-I lanplus -H 198.18.9.9 -U admin -f %s -v chassis power status\n"
		 "-I lanplus -H 198.18.9.9 -U admin -f %s -v chassis power status\n"
		 "-I lanplus -H 198.18.9.9 -U admin -f %s -v chassis power on\n",
		 pass, pass, pass);
	assert_memory_equal(slurp("ipmi.log"), want, strlen(want));

	/* cipher_suite: -C, and nothing else changes */
	put("ipmi.log", "", 0644);
	t.cipher_suite = 3;
	assert_int_equal(power_run(&t, POWER_OFF, msg, sizeof(msg), 5), 0);
	assert_string_equal(msg, "ok");
	snprintf(want, sizeof(want),
		 "-I lanplus -H 198.18.9.9 -C 3 -U admin -f %s -v chassis power off\n", pass);
	assert_string_equal(slurp("ipmi.log"), want);
	/* one the BMC lacks: said so, not blamed on the password */
	t.cipher_suite = 17;
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), -EIO);
	assert_non_null(strstr(msg, "198.18.9.9 does not take cipher suite 17"));
	assert_non_null(strstr(msg, "invalid authentication algorithm"));
	assert_null(strstr(msg, "authentication failed"));
	assert_string_equal(slurp("state"), "off\n");
	/* out of ipmitool's range: refused before it runs */
	t.cipher_suite = POWER_IPMI_CIPHER_MAX + 1;
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), -EINVAL);
	assert_non_null(strstr(msg, "cipher suite 18"));
	t.cipher_suite = 0;

	/* a wrong password, an unknown user: named, from ipmitool's -v reason,
	 * without -v's banner */
	put("pass", "wrong", 0600);
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), -EACCES);
	assert_non_null(strstr(msg, "authentication failed at 198.18.9.9"));
	assert_non_null(strstr(msg, "RAKP 2 HMAC is invalid"));
	assert_null(strstr(msg, "IANA"));
	put("pass", "secret", 0600);
	t.username = "nobody";
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), -EACCES);
	assert_non_null(strstr(msg, "unauthorized name"));
	t.username = "admin";
	assert_string_equal(slurp("state"), "off\n");
	t.password_file = none;
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), -EACCES);
	assert_non_null(strstr(msg, "cannot read password_file"));
	t.address = NULL;
	assert_int_equal(power_run(&t, POWER_ON, msg, sizeof(msg), 5), -EINVAL);
}

/* ---- the scheduler ---- */

struct result {
	char host[32];
	enum power_action action;
	int rc;
	char msg[POWER_MSG_MAX];
};

struct results {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t n;
	struct result r[64];
};

static void
on_done(void *arg, const char *host, enum power_action action, int rc, const char *msg)
{
	struct results *rs = arg;

	pthread_mutex_lock(&rs->lock);
	if (rs->n < 64) {
		struct result *r = &rs->r[rs->n++];

		snprintf(r->host, sizeof(r->host), "%s", host);
		r->action = action;
		r->rc = rc;
		snprintf(r->msg, sizeof(r->msg), "%s", msg);
	}
	pthread_cond_broadcast(&rs->cond);
	pthread_mutex_unlock(&rs->lock);
}

static void
results_init(struct results *rs)
{
	memset(rs, 0, sizeof(*rs));
	pthread_mutex_init(&rs->lock, NULL);
	pthread_cond_init(&rs->cond, NULL);
}

/* Wait until n results are in (at most ms); how many there are. */
static size_t
wait_results(struct results *rs, size_t n, int ms)
{
	int64_t end = now_ms() + ms;
	size_t got;

	pthread_mutex_lock(&rs->lock);
	while (rs->n < n && now_ms() < end) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000;
		if (ts.tv_nsec >= 1000000000)
			ts.tv_sec++, ts.tv_nsec -= 1000000000;
		pthread_cond_timedwait(&rs->cond, &rs->lock, &ts);
	}
	got = rs->n;
	pthread_mutex_unlock(&rs->lock);
	return got;
}

static const struct result *
result_of(struct results *rs, const char *host)
{
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].host, host) == 0)
			return &rs->r[i];
	fail_msg("no result for %s", host);
	return NULL;
}

/* The recorder: "start HOST NS" and "end HOST NS" (realtime clock, the
 * script's own) appended to dir/LOG. Arguments: LOG SECONDS ACTION. */
static const char rec_sh[] = "#!/bin/sh\n"
			     "echo \"start $RACKBOOT_HOST $(date +%s%N)\" >> @D/$1\n"
			     "sleep $2\n"
			     "echo \"end $RACKBOOT_HOST $(date +%s%N)\" >> @D/$1\n";

struct event {
	long long ns;
	int delta; /* +1 start, -1 end */
};

static int
by_time(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return x->delta - y->delta; /* an end before a start at the same time */
}

/* The log's events sorted; their number. */
static size_t
events(const char *log, struct event *ev, size_t max)
{
	char *text = slurp(log), *save = NULL;
	size_t n = 0;

	assert_non_null(text);
	for (char *l = strtok_r(text, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
		char kind[8], host[32];
		long long ns;

		assert_int_equal(sscanf(l, "%7s %31s %lld", kind, host, &ns), 3);
		ev[n++] = (struct event){ns, strcmp(kind, "start") == 0 ? 1 : -1};
	}
	qsort(ev, n, sizeof(*ev), by_time);
	return n;
}

/* Submit n "on"s to hosts h0.. running command. */
static void
submit_n(struct power_sched *s, size_t n, const char *command, struct results *rs)
{
	static char names[64][8];

	for (size_t i = 0; i < n; i++) {
		struct power_target t;

		snprintf(names[i], sizeof(names[i]), "h%zu", i);
		t = cmd_target(names[i], command);
		assert_int_equal(power_submit(s, &t, POWER_ON, on_done, rs), 0);
	}
}

static void
test_sched_concurrency(void **state)
{
	struct power_limits lim = {
	    .concurrency = 2, .stagger_ms = 0, .timeout_s = 10, .queue_max = 64};
	char command[PATH_MAX + 32];
	struct power_sched *s;
	struct results rs;
	struct event ev[16];
	int running = 0, most = 0;
	size_t n;

	(void)state;
	script("rec.sh", rec_sh);
	put("cap.log", "", 0644);
	results_init(&rs);
	s = power_sched_new(&lim);
	assert_non_null(s);
	snprintf(command, sizeof(command), "%s cap.log 0.3", at("rec.sh"));
	submit_n(s, 6, command, &rs);
	assert_int_equal(wait_results(&rs, 6, 10000), 6);
	power_sched_free(s);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(rs.r[i].rc, 0);
		assert_string_equal(rs.r[i].msg, "ok");
	}
	n = events("cap.log", ev, 16);
	assert_int_equal(n, 12);
	for (size_t i = 0; i < n; i++) {
		running += ev[i].delta;
		most = running > most ? running : most;
	}
	assert_int_equal(most, 2); /* never more than the cap, and the cap was used */
}

static void
test_sched_stagger(void **state)
{
	struct power_limits lim = {
	    .concurrency = 8, .stagger_ms = 400, .timeout_s = 10, .queue_max = 64};
	char command[PATH_MAX + 32];
	long long starts[8];
	struct power_sched *s;
	struct results rs;
	struct event ev[16];
	size_t n, k = 0;

	(void)state;
	script("rec.sh", rec_sh);
	put("stagger.log", "", 0644);
	results_init(&rs);
	s = power_sched_new(&lim);
	assert_non_null(s);
	snprintf(command, sizeof(command), "%s stagger.log 0", at("rec.sh"));
	submit_n(s, 4, command, &rs);
	assert_int_equal(wait_results(&rs, 4, 10000), 4);
	power_sched_free(s);
	n = events("stagger.log", ev, 16);
	for (size_t i = 0; i < n; i++)
		if (ev[i].delta > 0)
			starts[k++] = ev[i].ns;
	assert_int_equal(k, 4);
	/* 400 ms apart at the scheduler; the scripts' clocks see that less
	 * the jitter of starting a shell on a busy machine. */
	for (size_t i = 1; i < k; i++)
		assert_true(starts[i] - starts[i - 1] >= 300 * 1000000LL);
	assert_true(starts[3] - starts[0] >= 1100 * 1000000LL);
}

/* A script that waits until @D/$1 exists (10 s at most). */
static const char gate_sh[] =
    "#!/bin/sh\n"
    "i=0\n"
    "while [ ! -e @D/$1 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n";

static uint64_t
metric(struct power_sched *s, const char *line)
{
	char buf[16384];
	const char *p;
	size_t n = strlen(line);

	power_metrics(s, buf, sizeof(buf));
	for (p = buf; (p = strstr(p, line)); p++)
		if ((p == buf || p[-1] == '\n') && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
	fail_msg("no metric line %s in:\n%s", line, buf);
	return 0;
}

/* Wait until the scheduler runs n actions (5 s at most). */
static void
wait_running(struct power_sched *s, uint64_t n)
{
	for (int i = 0; i < 500 && metric(s, "rackboot_power_running") != n; i++)
		usleep(10000);
	assert_int_equal(metric(s, "rackboot_power_running"), n);
}

static void
test_sched_queue_full(void **state)
{
	struct power_limits lim = {
	    .concurrency = 1, .stagger_ms = 0, .timeout_s = 20, .queue_max = 2};
	struct power_target t;
	char command[PATH_MAX + 32];
	struct power_sched *s;
	struct results rs;

	(void)state;
	script("gate.sh", gate_sh);
	unlink(at("gate1"));
	results_init(&rs);
	s = power_sched_new(&lim);
	assert_non_null(s);
	snprintf(command, sizeof(command), "%s gate1", at("gate.sh"));
	submit_n(s, 1, command, &rs);
	wait_running(s, 1);
	submit_n(s, 2, command, &rs); /* h0, h1: the queue's two places */
	t = cmd_target("h9", command);
	assert_int_equal(power_submit(s, &t, POWER_ON, on_done, &rs), -EAGAIN);
	assert_int_equal(metric(s, "rackboot_power_queued"), 2);
	assert_int_equal(metric(s, "rackboot_power_rejected_total"), 1);
	t.driver = POWER_NONE;
	assert_int_equal(power_submit(s, &t, POWER_ON, on_done, &rs), -EINVAL);
	put("gate1", "", 0644);
	assert_int_equal(wait_results(&rs, 3, 10000), 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(rs.r[i].rc, 0);
	assert_int_equal(
	    metric(s,
		   "rackboot_power_actions_total{driver=\"command\",action=\"on\",result=\"ok\"}"),
	    3);
	assert_int_equal(
	    metric(
		s,
		"rackboot_power_actions_total{driver=\"command\",action=\"on\",result=\"error\"}"),
	    0);
	power_sched_free(s);
}

static void *
open_gate(void *arg)
{
	usleep(300 * 1000);
	put((const char *)arg, "", 0644);
	return NULL;
}

static void
test_sched_free_cancels(void **state)
{
	struct power_limits lim = {
	    .concurrency = 1, .stagger_ms = 0, .timeout_s = 20, .queue_max = 8};
	char command[PATH_MAX + 32];
	struct power_sched *s;
	struct results rs;
	pthread_t th;

	(void)state;
	script("gate.sh", gate_sh);
	unlink(at("gate2"));
	results_init(&rs);
	s = power_sched_new(&lim);
	assert_non_null(s);
	snprintf(command, sizeof(command), "%s gate2", at("gate.sh"));
	submit_n(s, 3, command, &rs); /* h0 runs; h1, h2 wait */
	wait_running(s, 1);
	assert_int_equal(pthread_create(&th, NULL, open_gate, "gate2"), 0);
	power_sched_free(s); /* waits for h0, cancels the others */
	pthread_join(th, NULL);
	assert_int_equal(rs.n, 3);
	assert_int_equal(result_of(&rs, "h0")->rc, 0);
	assert_int_equal(result_of(&rs, "h1")->rc, -ECANCELED);
	assert_int_equal(result_of(&rs, "h2")->rc, -ECANCELED);
	assert_non_null(strstr(result_of(&rs, "h2")->msg, "cancelled"));
}

/* An action waiting for its start slot is cancelled too, at once. */
static void
test_sched_free_in_stagger(void **state)
{
	struct power_limits lim = {
	    .concurrency = 2, .stagger_ms = 5000, .timeout_s = 10, .queue_max = 8};
	char command[PATH_MAX + 32];
	struct power_sched *s;
	struct results rs;
	int64_t t0;

	(void)state;
	script("rec.sh", rec_sh);
	put("slot.log", "", 0644);
	results_init(&rs);
	s = power_sched_new(&lim);
	assert_non_null(s);
	snprintf(command, sizeof(command), "%s slot.log 0", at("rec.sh"));
	submit_n(s, 2, command, &rs);
	assert_int_equal(wait_results(&rs, 1, 5000), 1);
	assert_int_equal(metric(s, "rackboot_power_queued"), 1);
	t0 = now_ms();
	power_sched_free(s);
	assert_true(now_ms() - t0 < 2000);
	assert_int_equal(rs.n, 2);
	assert_int_equal(result_of(&rs, "h0")->rc, 0);
	assert_int_equal(result_of(&rs, "h1")->rc, -ECANCELED);
}

static void
test_sched_limits(void **state)
{
	struct power_limits lim = POWER_LIMITS_DEFAULT;
	struct power_sched *s;

	(void)state;
	lim.concurrency = 0;
	errno = 0;
	assert_null(power_sched_new(&lim));
	assert_int_equal(errno, EINVAL);
	lim = POWER_LIMITS_DEFAULT;
	lim.timeout_s = 601;
	assert_null(power_sched_new(&lim));
	lim = POWER_LIMITS_DEFAULT;
	lim.stagger_ms = 60001;
	assert_null(power_sched_new(&lim));
	s = power_sched_new(NULL);
	assert_non_null(s);
	assert_int_equal(metric(s, "rackboot_power_running"), 0);
	power_sched_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cmd_args_env),
	    cmocka_unit_test(test_cmd_status),
	    cmocka_unit_test(test_cmd_errors),
	    cmocka_unit_test(test_cmd_timeout),
	    cmocka_unit_test(test_ipmi),
	    cmocka_unit_test(test_sched_concurrency),
	    cmocka_unit_test(test_sched_stagger),
	    cmocka_unit_test(test_sched_queue_full),
	    cmocka_unit_test(test_sched_free_cancels),
	    cmocka_unit_test(test_sched_free_in_stagger),
	    cmocka_unit_test(test_sched_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
