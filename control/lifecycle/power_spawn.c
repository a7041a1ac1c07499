/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * power_spawn.c: run a power tool (ipmitool, an operator's command) to a
 * deadline, capturing its output (power_drv.h).
 *
 * posix_spawn, not fork: the control process has many threads and large
 * mappings; glibc's posix_spawn is a vfork-like clone whose child only
 * sets up descriptors and calls exec, and it reports an exec failure
 * (ENOENT, EACCES) to the caller. The child gets its own process group so
 * a timeout kills the tool and anything it started.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "power_drv.h"

/* Without a pidfd (kernels before 5.3) the exit is polled this often. */
#define EXIT_POLL_MS 20

static void
keep_head(struct power_proc *p, const char *b, size_t n)
{
	size_t room = POWER_OUT_MAX - p->out_len;

	if (n > room)
		n = room;
	memcpy(p->out + p->out_len, b, n);
	p->out_len += n;
	p->out[p->out_len] = '\0';
}

static void
keep_tail(struct power_proc *p, const char *b, size_t n)
{
	if (n >= POWER_ERR_MAX) {
		memcpy(p->err, b + n - POWER_ERR_MAX, POWER_ERR_MAX);
		p->err_len = POWER_ERR_MAX;
	} else {
		size_t drop = p->err_len + n > POWER_ERR_MAX ? p->err_len + n - POWER_ERR_MAX : 0;

		memmove(p->err, p->err + drop, p->err_len - drop);
		memcpy(p->err + p->err_len - drop, b, n);
		p->err_len += n - drop;
	}
	p->err[p->err_len] = '\0';
}

/* Read what fd has now into p (head or tail); closes it at EOF or error. */
static void
drain(int *fd, struct power_proc *p, bool tail)
{
	char b[4096];

	while (*fd >= 0) {
		ssize_t n = read(*fd, b, sizeof(b));

		if (n > 0) {
			if (tail)
				keep_tail(p, b, (size_t)n);
			else
				keep_head(p, b, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		close(*fd);
		*fd = -1;
	}
}

static int
spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *at, int out_w, int err_w)
{
	sigset_t none, dfl;
	int rc;

	sigemptyset(&none);
	/* What the control process ignores or handles must not stay so in
	 * the tool (an ignored SIGPIPE survives exec). */
	sigemptyset(&dfl);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaddset(&dfl, s);
	rc = posix_spawnattr_setflags(at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	rc = rc ? rc : posix_spawnattr_setpgroup(at, 0);
	rc = rc ? rc : posix_spawnattr_setsigmask(at, &none);
	rc = rc ? rc : posix_spawnattr_setsigdefault(at, &dfl);
	rc = rc ? rc : posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	rc = rc ? rc : posix_spawn_file_actions_adddup2(fa, out_w, 1);
	rc = rc ? rc : posix_spawn_file_actions_adddup2(fa, err_w, 2);
	/* Sockets, the lease database, the dataplane channel: none of the
	 * control's descriptors reach the tool, CLOEXEC or not. */
	rc = rc ? rc : posix_spawn_file_actions_addclosefrom_np(fa, 3);
	return -rc;
}

static int
status_of(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : 255;
}

int
power_spawn(char *const argv[], char *const envp[], int64_t deadline_ms, struct power_proc *p)
{
	int out[2] = {-1, -1}, err[2] = {-1, -1}, pidfd = -1, ws = 0, rc;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	bool exited = false;
	pid_t pid;

	memset(p, 0, sizeof(*p));
	if (pipe2(out, O_CLOEXEC | O_NONBLOCK) || pipe2(err, O_CLOEXEC | O_NONBLOCK)) {
		rc = -errno;
		goto out_pipes;
	}
	if (posix_spawn_file_actions_init(&fa)) {
		rc = -ENOMEM;
		goto out_pipes;
	}
	if (posix_spawnattr_init(&at)) {
		rc = -ENOMEM;
		goto out_fa;
	}
	rc = spawn_setup(&fa, &at, out[1], err[1]);
	if (!rc)
		rc = -(strchr(argv[0], '/') ? posix_spawn : posix_spawnp)(&pid, argv[0], &fa, &at,
									  argv, envp);
	posix_spawnattr_destroy(&at);
out_fa:
	posix_spawn_file_actions_destroy(&fa);
	/* Only the child writes: EOF comes when it (and its children) close. */
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	if (rc)
		goto out_pipes;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		struct pollfd pf[3] = {
		    {out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {pidfd, POLLIN, 0}};
		int64_t left;

		if (!exited && waitpid(pid, &ws, WNOHANG) == pid)
			exited = true;
		if (exited) {
			/* What it wrote before exiting is in the pipes now. */
			drain(&out[0], p, false);
			drain(&err[0], p, true);
			break;
		}
		left = deadline_ms - power_now_ms();
		if (left <= 0) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
				;
			drain(&out[0], p, false);
			drain(&err[0], p, true);
			rc = -ETIMEDOUT;
			break;
		}
		if (pidfd < 0 && left > EXIT_POLL_MS)
			left = EXIT_POLL_MS;
		if (poll(pf, 3, (int)left) < 0 && errno != EINTR) {
			rc = -errno;
			kill(-pid, SIGKILL);
			while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
				;
			break;
		}
		if (pf[0].revents)
			drain(&out[0], p, false);
		if (pf[1].revents)
			drain(&err[0], p, true);
	}
	p->status = status_of(ws);
	p->signal = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
	if (pidfd >= 0)
		close(pidfd);
out_pipes:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return rc;
}

/* Append s to msg (length *n of cap) with newlines as " | " and other
 * control bytes as '?', dropping blank lines and trailing blanks. */
static void
put_lines(char *msg, size_t cap, size_t *n, const char *s)
{
	bool sep = false;

	for (; *s && *n + 1 < cap; s++) {
		char c = *s;

		if (c == '\n' || c == '\r') {
			sep = *n > 0;
			continue;
		}
		if (sep && *n + 4 < cap) {
			memcpy(msg + *n, " | ", 3);
			*n += 3;
		}
		sep = false;
		msg[(*n)++] = (unsigned char)c < 0x20 || c == 0x7f ? '?' : c;
	}
	while (*n > 0 && (msg[*n - 1] == ' ' || msg[*n - 1] == '\t'))
		(*n)--;
	msg[*n] = '\0';
}

void
power_proc_explain(const struct power_proc *p, const char *who, char *msg, size_t cap)
{
	const char *text = p->err_len ? p->err : p->out;
	size_t n, used = 0;
	int w;

	if (!cap)
		return;
	if (p->signal)
		w = snprintf(msg, cap, "%s: killed by signal %d", who, p->signal);
	else
		w = snprintf(msg, cap, "%s: exit %d", who, p->status);
	n = w < 0 ? 0 : (size_t)w >= cap ? cap - 1 : (size_t)w;
	while (*text == '\n' || *text == '\r' || *text == ' ')
		text++;
	if (!*text || n + 3 >= cap)
		return;
	memcpy(msg + n, ": ", 3);
	n += 2;
	/* The tail is what explains a failure: cut the head when it is long
	 * (a line break costs three bytes of message). */
	for (const char *s = text + strlen(text); s > text; s--) {
		size_t cost = s[-1] == '\n' || s[-1] == '\r' ? 3 : 1;

		if (used + cost > cap - n - 1) {
			text = s;
			break;
		}
		used += cost;
	}
	put_lines(msg, cap, &n, text);
}
