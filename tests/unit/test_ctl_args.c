/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rackbootctl: the command line (every command, options before and after
 * it, every usage error), the help, the exit code of each HTTP status,
 * the message of an error reply, the token file and URL escaping.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "args.h"
#include "client.h"
#include "reply.h"

/* Parse a NULL-terminated list of arguments (argv[0] added). */
static int
parse(struct ctl_args *a, char *err, size_t errlen, ...)
{
	char *argv[32] = {"rackbootctl"};
	int argc = 1;
	va_list ap;

	va_start(ap, errlen);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	err[0] = 0;
	return ctl_args_parse(argc, argv, a, err, errlen);
}

#define OK(...) assert_int_equal(parse(&a, err, sizeof(err), __VA_ARGS__, NULL), 0)
#define BAD(substr, ...)                                                                           \
	do {                                                                                       \
		assert_int_equal(parse(&a, err, sizeof(err), __VA_ARGS__, NULL), -EINVAL);         \
		if (!strstr(err, substr))                                                          \
			fail_msg("error '%s' does not say '%s'", err, substr);                     \
	} while (0)

static void
test_commands(void **state)
{
	struct ctl_args a;
	char err[256];

	(void)state;
	OK("status");
	assert_int_equal(a.cmd, CTL_CMD_STATUS);
	assert_false(a.help);
	assert_false(a.json);
	assert_true(a.timeout == 10);
	assert_null(a.server);
	assert_null(a.token_file);

	OK("hosts");
	assert_int_equal(a.cmd, CTL_CMD_HOSTS);
	assert_int_equal(a.nargs, 0);
	OK("hosts", "group:rack1,state:failed");
	assert_int_equal(a.nargs, 1);
	assert_string_equal(a.arg[0], "group:rack1,state:failed");

	OK("host", "node001");
	assert_int_equal(a.cmd, CTL_CMD_HOST);
	assert_string_equal(a.arg[0], "node001");

	OK("profiles");
	assert_int_equal(a.cmd, CTL_CMD_PROFILES);

	OK("leases", "--state", "bound");
	assert_int_equal(a.cmd, CTL_CMD_LEASES);
	assert_string_equal(a.state, "bound");
	OK("leases", "--state=expired");
	assert_string_equal(a.state, "expired");

	OK("reinstall", "node001", "--power-cycle");
	assert_int_equal(a.cmd, CTL_CMD_REINSTALL);
	assert_true(a.power_cycle);
	assert_false(a.yes);

	OK("power", "status", "all");
	assert_int_equal(a.cmd, CTL_CMD_POWER);
	assert_string_equal(a.arg[0], "status");
	assert_string_equal(a.arg[1], "all");
	OK("power", "on", "all");

	OK("reload");
	assert_int_equal(a.cmd, CTL_CMD_RELOAD);

	OK("explain", "52:54:00:12:34:56");
	assert_int_equal(a.cmd, CTL_CMD_EXPLAIN);
	assert_int_equal(a.nargs, 1);
	OK("explain", "52:54:00:12:34:56", "efi-x64");
	assert_string_equal(a.arg[1], "efi-x64");

	OK("watch");
	assert_int_equal(a.cmd, CTL_CMD_WATCH);
	assert_false(a.once);
	assert_true(a.interval == 1);
	OK("watch", "state:booting", "--once", "--interval", "0.5");
	assert_true(a.once);
	assert_true(a.interval == 0.5);
	assert_string_equal(a.arg[0], "state:booting");

	OK("events");
	assert_int_equal(a.cmd, CTL_CMD_EVENTS);
	assert_false(a.has_since);
	OK("events", "--since", "42", "--follow");
	assert_true(a.has_since);
	assert_true(a.since == 42);
	assert_true(a.follow);
}

static void
test_global_options(void **state)
{
	struct ctl_args a;
	char err[256];

	(void)state;
	/* Before and after the command, with = or a separate value. */
	OK("--server", "http://10.0.0.1:8081", "--json", "hosts", "--timeout=2.5", "--token-file",
	   "/tmp/t");
	assert_int_equal(a.cmd, CTL_CMD_HOSTS);
	assert_string_equal(a.server, "http://10.0.0.1:8081");
	assert_string_equal(a.token_file, "/tmp/t");
	assert_true(a.json);
	assert_true(a.timeout == 2.5);
	/* A command's option before the command. */
	OK("--once", "watch");
	assert_true(a.once);
	/* "--" ends the options: what follows is an operand even with a dash. */
	OK("host", "--", "-odd-name");
	assert_string_equal(a.arg[0], "-odd-name");
	/* A lone "-" is an operand. */
	OK("hosts", "-");
	assert_string_equal(a.arg[0], "-");
}

static void
test_usage_errors(void **state)
{
	struct ctl_args a;
	char err[256];

	(void)state;
	assert_int_equal(parse(&a, err, sizeof(err), NULL), -EINVAL);
	assert_non_null(strstr(err, "no command"));
	BAD("'frobnicate' is not a command", "frobnicate");
	BAD("unknown option '--bogus'", "status", "--bogus");
	BAD("unknown option '-x'", "-x", "status");
	BAD("host: missing operand", "host");
	BAD("status: too many operands", "status", "extra");
	BAD("hosts: too many operands", "hosts", "a", "b");
	BAD("power: too many operands", "power", "on", "a", "b");
	BAD("explain: missing operand", "explain");
	BAD("host: empty operand", "host", "");
	/* Options of another command. */
	BAD("hosts: --state is not one of its options", "hosts", "--state", "bound");
	BAD("status: --yes is not one of its options", "--yes", "status");
	BAD("events: --once is not one of its options", "events", "--once");
	BAD("leases: --follow is not one of its options", "leases", "--follow");
	/* Values. */
	BAD("--timeout needs a value", "status", "--timeout");
	BAD("--json takes no value", "status", "--json=yes");
	BAD("--timeout: '0'", "status", "--timeout", "0");
	BAD("--timeout: 'abc'", "status", "--timeout", "abc");
	BAD("--timeout: '3601'", "status", "--timeout", "3601");
	BAD("--interval: '0.05'", "watch", "--interval", "0.05");
	BAD("--interval: '1s'", "watch", "--interval", "1s");
	BAD("--since: '-1'", "events", "--since", "-1");
	BAD("--since: 'x'", "events", "--since", "x");
	BAD("--state: 'leased'", "leases", "--state", "leased");
	BAD("power: 'reboot' is not one of on, off, cycle, status", "power", "reboot", "node1");
}

static void
test_all_needs_yes(void **state)
{
	struct ctl_args a;
	char err[256];

	(void)state;
	BAD("add --yes", "reinstall", "all");
	BAD("add --yes", "reinstall", "node1, all");
	BAD("add --yes", "reinstall", "group:r1,all");
	OK("reinstall", "all", "--yes");
	assert_true(a.yes);
	OK("--yes", "reinstall", "all");
	/* A host whose name only contains "all" is not every host. */
	OK("reinstall", "small");
	OK("reinstall", "all1,ball");
	BAD("add --yes", "power", "off", "all");
	BAD("add --yes", "power", "cycle", "state:failed,all");
	OK("power", "cycle", "all", "--yes");
	/* Asking or powering on harms nothing. */
	OK("power", "status", "all");
	OK("power", "on", "all");

	assert_true(ctl_selects_all("all"));
	assert_true(ctl_selects_all(" all "));
	assert_true(ctl_selects_all("a,b,all"));
	assert_false(ctl_selects_all("allx"));
	assert_false(ctl_selects_all("label:x=all"));
	assert_false(ctl_selects_all(""));
	assert_false(ctl_selects_all(","));
}

static void
test_help(void **state)
{
	struct ctl_args a;
	struct strbuf h;
	char err[256];
	int c;

	(void)state;
	OK("--help");
	assert_true(a.help);
	assert_int_equal(a.cmd, CTL_CMD_NONE);
	OK("-h");
	assert_true(a.help);
	OK("help");
	assert_true(a.help);
	assert_int_equal(a.cmd, CTL_CMD_NONE);
	OK("help", "watch");
	assert_true(a.help);
	assert_int_equal(a.cmd, CTL_CMD_WATCH);
	assert_int_equal(a.nargs, 0);
	OK("reinstall", "--help");
	assert_true(a.help);
	assert_int_equal(a.cmd, CTL_CMD_REINSTALL);
	/* --help wins over missing operands and the --yes check. */
	OK("host", "-h");
	assert_int_equal(a.cmd, CTL_CMD_HOST);
	OK("reinstall", "all", "--help");
	BAD("help: 'nope' is not a command", "help", "nope");
	BAD("help: too many operands", "help", "a", "b");

	strbuf_init(&h, 0);
	assert_int_equal(ctl_help(&h, CTL_CMD_NONE), 0);
	assert_non_null(strstr(h.data, "usage: rackbootctl"));
	assert_non_null(strstr(h.data, "--token-file PATH"));
	assert_non_null(strstr(h.data, "Exit codes:"));
	assert_non_null(strstr(h.data, "  4  authentication"));
	assert_non_null(strstr(h.data, "RACKBOOT_TOKEN"));
	for (c = CTL_CMD_STATUS; c < CTL_CMD_COUNT; c++) {
		assert_non_null(strstr(h.data, ctl_cmd_name((enum ctl_cmd)c)));
	}
	/* Every command: its usage line, its paragraph and the exit codes. */
	for (c = CTL_CMD_STATUS; c < CTL_CMD_COUNT; c++) {
		char usage[64];

		strbuf_reset(&h);
		assert_int_equal(ctl_help(&h, (enum ctl_cmd)c), 0);
		snprintf(usage, sizeof(usage), "usage: rackbootctl [OPTIONS] %s",
			 ctl_cmd_name((enum ctl_cmd)c));
		assert_non_null(strstr(h.data, usage));
		assert_non_null(strstr(h.data, "Exit codes:"));
		assert_true(h.len > strlen(usage) + 300);
	}
	strbuf_reset(&h);
	assert_int_equal(ctl_help(&h, CTL_CMD_WATCH), 0);
	assert_non_null(strstr(h.data, "--interval S"));
	assert_non_null(strstr(h.data, "--once"));
	assert_null(strstr(h.data, "--state"));
	strbuf_reset(&h);
	assert_int_equal(ctl_help(&h, CTL_CMD_POWER), 0);
	assert_non_null(strstr(h.data, "For power: 1 when status failed"));
	strbuf_free(&h);
	assert_null(ctl_cmd_name(CTL_CMD_NONE));
	assert_null(ctl_cmd_name(CTL_CMD_COUNT));
	assert_string_equal(ctl_cmd_name(CTL_CMD_EVENTS), "events");
}

static void
test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(ctl_exit_for_status(200), CTL_EXIT_OK);
	assert_int_equal(ctl_exit_for_status(204), CTL_EXIT_OK);
	assert_int_equal(ctl_exit_for_status(400), CTL_EXIT_USAGE);
	assert_int_equal(ctl_exit_for_status(405), CTL_EXIT_USAGE);
	assert_int_equal(ctl_exit_for_status(413), CTL_EXIT_USAGE);
	assert_int_equal(ctl_exit_for_status(409), CTL_EXIT_USAGE);
	assert_int_equal(ctl_exit_for_status(404), CTL_EXIT_NOT_FOUND);
	assert_int_equal(ctl_exit_for_status(401), CTL_EXIT_AUTH);
	assert_int_equal(ctl_exit_for_status(403), CTL_EXIT_AUTH);
	assert_int_equal(ctl_exit_for_status(500), CTL_EXIT_SERVER);
	assert_int_equal(ctl_exit_for_status(503), CTL_EXIT_SERVER);
	assert_int_equal(ctl_exit_for_status(302), CTL_EXIT_SERVER);
	assert_int_equal(ctl_exit_for_status(0), CTL_EXIT_SERVER);
	/* The numbers are the documented ones. */
	assert_int_equal(CTL_EXIT_PARTIAL, 1);
	assert_int_equal(CTL_EXIT_USAGE, 2);
	assert_int_equal(CTL_EXIT_NOT_FOUND, 3);
	assert_int_equal(CTL_EXIT_AUTH, 4);
	assert_int_equal(CTL_EXIT_SERVER, 5);
}

static void
test_reply_message(void **state)
{
	char m[64];
	const char *b;

	(void)state;
	b = "{\"error\": \"hosts.yaml:12:5: unknown profile 'x'\"}";
	ctl_reply_message(400, b, strlen(b), m, sizeof(m));
	assert_string_equal(m, "hosts.yaml:12:5: unknown profile 'x'");
	b = "<html>Bad Gateway</html>\nmore";
	ctl_reply_message(502, b, strlen(b), m, sizeof(m));
	assert_string_equal(m, "HTTP 502: <html>Bad Gateway</html>");
	ctl_reply_message(500, "", 0, m, sizeof(m));
	assert_string_equal(m, "HTTP 500");
	ctl_reply_message(500, NULL, 0, m, sizeof(m));
	assert_string_equal(m, "HTTP 500");
	/* error of another type: not a message. */
	b = "{\"error\": 7}";
	ctl_reply_message(500, b, strlen(b), m, sizeof(m));
	assert_string_equal(m, "HTTP 500: {\"error\": 7}");
	/* No escape sequences from the server reach the terminal. */
	b = "{\"error\": \"bad\\u001b[2Jthing\"}";
	ctl_reply_message(400, b, strlen(b), m, sizeof(m));
	assert_string_equal(m, "bad?[2Jthing");
	/* Cut to the buffer. */
	b = "{\"error\": \"0123456789abcdef\"}";
	ctl_reply_message(400, b, strlen(b), m, 8);
	assert_string_equal(m, "0123456");
}

static void
test_escape(void **state)
{
	struct strbuf b;

	(void)state;
	strbuf_init(&b, 0);
	assert_int_equal(ctl_escape(&b, "label:rack=r1,state:failed", NULL), 0);
	assert_string_equal(b.data, "label%3Arack%3Dr1%2Cstate%3Afailed");
	strbuf_reset(&b);
	assert_int_equal(ctl_escape(&b, "52:54:00:aB:cd:EF", ":"), 0);
	assert_string_equal(b.data, "52:54:00:aB:cd:EF");
	strbuf_reset(&b);
	assert_int_equal(ctl_escape(&b, "a b/c?d#e%f~g.h_i-j\xc3\xa9", NULL), 0);
	assert_string_equal(b.data, "a%20b%2Fc%3Fd%23e%25f~g.h_i-j%C3%A9");
	strbuf_free(&b);
}

/* A file with content and mode under a fresh temporary name. */
static void
write_file(char *path, const char *content, mode_t mode)
{
	int fd;

	strcpy(path, "/tmp/test_ctl_tokenXXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
test_token(void **state)
{
	char path[64], err[256], *tok;
	bool loose;

	(void)state;
	write_file(path, "0123abcd\n", 0600);
	assert_int_equal(ctl_token_read(path, &tok, &loose, err, sizeof(err)), 0);
	assert_string_equal(tok, "0123abcd");
	assert_false(loose);
	free(tok);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(ctl_token_read(path, &tok, &loose, err, sizeof(err)), 0);
	assert_true(loose);
	free(tok);
	assert_int_equal(chmod(path, 0602), 0);
	assert_int_equal(ctl_token_read(path, &tok, &loose, err, sizeof(err)), 0);
	assert_true(loose);
	free(tok);
	unlink(path);

	/* Trailing blanks and CRLF go; a second line is not read. */
	write_file(path, "tok \r\nsecond\n", 0600);
	assert_int_equal(ctl_token_read(path, &tok, &loose, err, sizeof(err)), 0);
	assert_string_equal(tok, "tok");
	free(tok);
	unlink(path);

	write_file(path, "\n", 0600);
	assert_int_equal(ctl_token_read(path, &tok, &loose, err, sizeof(err)), -EINVAL);
	assert_null(tok);
	assert_non_null(strstr(err, "no token"));
	unlink(path);
	write_file(path, "two words\n", 0600);
	assert_int_equal(ctl_token_read(path, &tok, &loose, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "printable"));
	unlink(path);
	assert_int_equal(ctl_token_read(path, &tok, &loose, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));

	assert_int_equal(ctl_token_check("abc", 3), 0);
	assert_int_equal(ctl_token_check("", 0), -EINVAL);
	assert_int_equal(ctl_token_check("a\nb", 3), -EINVAL);
	assert_int_equal(ctl_token_check("a\x7f", 2), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_commands),	  cmocka_unit_test(test_global_options),
	    cmocka_unit_test(test_usage_errors),  cmocka_unit_test(test_all_needs_yes),
	    cmocka_unit_test(test_help),	  cmocka_unit_test(test_exit_codes),
	    cmocka_unit_test(test_reply_message), cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_token),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
