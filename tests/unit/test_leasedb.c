/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_leasedb.c: the SQLite lease store. Each test gets its own temporary
 * directory and puts the database two levels below it, so every open also
 * exercises the parent creation. Records are compared whole (memcmp of
 * zero-initialised structs): the store must give back exactly what it was
 * given. Failures are provoked through a second, raw SQLite connection
 * (a trigger that raises, a dropped table), since the tests run as root and
 * cannot rely on permission denials.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "leasedb.h"

struct fixture {
	char dir[64];	     /* the per-test temporary directory */
	char path[PATH_MAX]; /* dir/var/lib/leases.db, parents not yet there */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/rb-test-leasedb.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/var/lib/leases.db", f->dir);
	*state = f;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int ret = nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(f);
	return ret;
}

static struct leasedb *
open_ok(const char *path)
{
	char msg[512] = "";
	struct leasedb *db = leasedb_open(path, msg, sizeof(msg));

	if (!db)
		fail_msg("leasedb_open(%s): %s (errno %d)", path, msg, errno);
	return db;
}

/* A record whose every field depends on i, so mix-ups show. */
static struct rb_lease_rec
make_rec(uint32_t host_ip, unsigned i)
{
	struct rb_lease_rec r;
	unsigned k;

	memset(&r, 0, sizeof(r));
	r.ip = htonl(host_ip);
	r.state = (uint8_t)(RB_LEASE_BOUND + i % 4);
	r.expires = 1764070000u + i;
	r.updated = 1764066400u + i;
	r.htype = 1;
	r.hlen = 6;
	r.chaddr[0] = 0x52;
	r.chaddr[1] = 0x54;
	r.chaddr[2] = 0x00;
	r.chaddr[3] = (uint8_t)(i >> 16);
	r.chaddr[4] = (uint8_t)(i >> 8);
	r.chaddr[5] = (uint8_t)i;
	r.key_len = 7;
	r.key[0] = 1;
	for (k = 0; k < 6; k++)
		r.key[1 + k] = r.chaddr[k];
	snprintf(r.hostname, sizeof(r.hostname), "node%u", i);
	return r;
}

/* --- collecting what the store holds --- */

struct vec {
	struct rb_lease_rec *v;
	size_t n, cap;
};

static int
collect(const struct rb_lease_rec *r, void *arg)
{
	struct vec *vec = arg;

	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? 2 * vec->cap : 64;
		struct rb_lease_rec *v = realloc(vec->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	vec->v[vec->n++] = *r;
	return 0;
}

static int
count_cb(const struct rb_lease_rec *r, void *arg)
{
	(void)r;
	(*(size_t *)arg)++;
	return 0;
}

static size_t
count(struct leasedb *db)
{
	size_t n = 0;

	assert_int_equal(leasedb_foreach(db, count_cb, &n), 0);
	return n;
}

static int
cmp_ip(const void *a, const void *b)
{
	uint32_t x = ntohl(((const struct rb_lease_rec *)a)->ip);
	uint32_t y = ntohl(((const struct rb_lease_rec *)b)->ip);

	return x < y ? -1 : x > y;
}

/* The store must hold exactly want[0..n), in any order given; checked in address order. */
static void
expect_contents(struct leasedb *db, const struct rb_lease_rec *want, size_t n)
{
	struct rb_lease_rec *sorted = calloc(n ? n : 1, sizeof(*sorted));
	struct vec got = {0};
	size_t i;

	assert_non_null(sorted);
	if (n)
		memcpy(sorted, want, n * sizeof(*want));
	qsort(sorted, n, sizeof(*sorted), cmp_ip);
	assert_int_equal(leasedb_foreach(db, collect, &got), 0);
	assert_int_equal(got.n, n);
	for (i = 0; i < n; i++)
		if (memcmp(&got.v[i], &sorted[i], sizeof(sorted[i])))
			fail_msg("record %zu (ip %08x) differs from what was committed", i,
				 ntohl(sorted[i].ip));
	free(got.v);
	free(sorted);
}

/* --- a raw SQLite connection, to look behind the store's back --- */

static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	sqlite3_close(db);
}

static void
raw_text(const char *path, const char *sql, char *out, size_t cap)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* --- stderr capture, to check what a failure logs --- */

struct capture {
	int saved;
	char file[PATH_MAX];
};

static void
capture_start(struct capture *c, const char *dir)
{
	int fd;

	snprintf(c->file, sizeof(c->file), "%s/stderr.txt", dir);
	fd = open(c->file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
}

/* Restore stderr and return what was written (static buffer). */
static const char *
capture_end(struct capture *c)
{
	static char buf[4096];
	FILE *f;
	size_t n;

	fflush(stderr);
	assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	f = fopen(c->file, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(c->file);
	fputs(buf, stderr); /* keep it in the test log too */
	return buf;
}

/* --- tests --- */

static void
test_state_names(void **state)
{
	(void)state;
	assert_string_equal(leasedb_state_name(RB_LEASE_FREE), "free");
	assert_string_equal(leasedb_state_name(RB_LEASE_OFFERED), "offered");
	assert_string_equal(leasedb_state_name(RB_LEASE_BOUND), "bound");
	assert_string_equal(leasedb_state_name(RB_LEASE_RELEASED), "released");
	assert_string_equal(leasedb_state_name(RB_LEASE_DECLINED), "declined");
	assert_string_equal(leasedb_state_name(RB_LEASE_EXPIRED), "expired");
	assert_string_equal(leasedb_state_name(6), "unknown");
	assert_string_equal(leasedb_state_name(~0u), "unknown");
}

static void
test_open_creates_parents(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX], mode[32];
	struct leasedb *db;
	struct stat st;
	mode_t old = umask(022);

	db = open_ok(f->path);
	umask(old);
	snprintf(p, sizeof(p), "%s/var", f->dir);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	snprintf(p, sizeof(p), "%s/var/lib", f->dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(count(db), 0);
	leasedb_close(db);

	/* The mode stuck in the file: WAL. And the schema version is 1. */
	raw_text(f->path, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "wal");
	raw_text(f->path, "SELECT value FROM meta WHERE key = 'schema_version'", mode,
		 sizeof(mode));
	assert_string_equal(mode, "1");

	/* Opening again (everything exists now) works too. */
	leasedb_close(open_ok(f->path));
	leasedb_close(NULL);
}

static void
test_open_parent_is_file(void **state)
{
	struct fixture *f = *state;
	char blocker[PATH_MAX], path[PATH_MAX + 16], msg[512];
	FILE *fp;

	snprintf(blocker, sizeof(blocker), "%s/afile", f->dir);
	fp = fopen(blocker, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/sub/leases.db", blocker);
	errno = 0;
	assert_null(leasedb_open(path, msg, sizeof(msg)));
	assert_int_equal(errno, ENOTDIR);
	assert_non_null(strstr(msg, path));
}

/* leasedb_open() refuses msg's file, and msg says want. */
static void
expect_refused(const char *path, uid_t uid, int err, const char *want)
{
	char msg[1024] = "";
	struct leasedb *db;

	errno = 0;
	db = leasedb_open_owned(path, uid, getegid(), msg, sizeof(msg));
	if (db || errno != err || !strstr(msg, want))
		fail_msg("%s: %s errno %d '%s', want errno %d '...%s...'", path,
			 db ? "opened" : "refused", errno, msg, err, want);
}

/* The file, and its -wal and -shm: regular, uid's, not group-writable,
 * not world-readable; each refusal names the file and the fix. */
static void
test_file_refused(void **state)
{
	struct fixture *f = *state;
	char p[PATH_MAX + 8], other[PATH_MAX + 8], want[2 * PATH_MAX + 128];

	leasedb_close(open_ok(f->path)); /* a good database, and its directories */
	assert_int_equal(chmod(f->path, 0644), 0);
	snprintf(want, sizeof(want),
		 "%s: mode 0644 lets others read or change the lease "
		 "database; chmod 640 %s",
		 f->path, f->path);
	expect_refused(f->path, geteuid(), EPERM, want);
	assert_int_equal(chmod(f->path, 0660), 0);
	expect_refused(f->path, geteuid(), EPERM, "mode 0660");
	assert_int_equal(chmod(f->path, 0604), 0);
	expect_refused(f->path, geteuid(), EPERM, "mode 0604");
	assert_int_equal(chmod(f->path, 0640), 0); /* the group may read */
	leasedb_close(open_ok(f->path));

	/* Someone else's (root can make one; others check through uid). */
	expect_refused(f->path, geteuid() + 1, EPERM,
		       "that rackboot runs as; the lease database "
		       "must be rackboot's own: chown ");

	/* A symlink, to a good database. */
	snprintf(other, sizeof(other), "%s.real", f->path);
	assert_int_equal(rename(f->path, other), 0);
	assert_int_equal(symlink(other, f->path), 0);
	expect_refused(f->path, geteuid(), ELOOP, "is a symbolic link; the lease database must be");
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(rename(other, f->path), 0);

	/* A -wal that is a symlink (to anything), or world-readable. */
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	expect_refused(f->path, geteuid(), ELOOP, "-wal: is a symbolic link");
	assert_int_equal(unlink(p), 0);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	assert_int_equal(close(open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600)), 0);
	assert_int_equal(chmod(p, 0644), 0);
	expect_refused(f->path, geteuid(), EPERM, "-shm: mode 0644");
	assert_int_equal(unlink(p), 0);

	/* A directory where the file should be. */
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(mkdir(f->path, 0700), 0);
	expect_refused(f->path, geteuid(), EINVAL, "is not a regular file");
	assert_int_equal(rmdir(f->path), 0);

	/* Made for another user by root: that user's, 0600. */
	if (geteuid() == 0) {
		struct stat st;
		struct leasedb *db;
		char msg[512];

		db = leasedb_open_owned(f->path, 65534, 65534, msg, sizeof(msg));
		if (!db)
			fail_msg("leasedb_open_owned for 65534: %s", msg);
		leasedb_close(db);
		assert_int_equal(stat(f->path, &st), 0);
		assert_int_equal(st.st_uid, 65534);
		assert_int_equal(st.st_gid, 65534);
		assert_int_equal(st.st_mode & 07777, 0600);
	}
}

static void
test_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct rb_lease_rec recs[8];
	struct leasedb *db = open_ok(f->path);
	unsigned i;

	for (i = 0; i < 8; i++)
		recs[i] = make_rec(0xc6120064u - i * 7, i);
	/* Edge addresses: 0, all ones, the sign bit of a 32-bit int. */
	recs[0].ip = htonl(0xffffffffu);
	recs[1].ip = htonl(0);
	recs[2].ip = htonl(0x80000001u);
	/* Every state, including those the store normally does not see. */
	recs[3].state = RB_LEASE_FREE;
	recs[4].state = RB_LEASE_OFFERED;
	/* Full-size fields. */
	memset(recs[5].key, 0xff, sizeof(recs[5].key));
	recs[5].key_len = RB_CLIENT_KEY_MAX;
	memset(recs[5].hostname, 'h', sizeof(recs[5].hostname) - 1);
	recs[5].htype = 6;
	recs[5].hlen = 16;
	memset(recs[5].chaddr, 0xa5, sizeof(recs[5].chaddr));
	/* Empty fields, and bytes that are not printable. */
	recs[6].key_len = 0;
	memset(recs[6].key, 0, sizeof(recs[6].key));
	memset(recs[6].hostname, 0, sizeof(recs[6].hostname));
	recs[6].htype = 0;
	recs[6].hlen = 0;
	memset(recs[6].chaddr, 0, sizeof(recs[6].chaddr));
	recs[7].key[2] = 0;
	recs[7].key[3] = 0;
	recs[7].expires = 0xffffffffu;
	recs[7].updated = 0;
	memset(recs[7].hostname, 0, sizeof(recs[7].hostname));
	snprintf(recs[7].hostname, sizeof(recs[7].hostname), "a\tb\xc3\xa9");

	assert_int_equal(leasedb_commit(db, recs, 8), 0);
	expect_contents(db, recs, 8);
	/* An empty commit is a no-op. */
	assert_int_equal(leasedb_commit(db, NULL, 0), 0);
	expect_contents(db, recs, 8);
	leasedb_close(db);
}

static int
stop_at_third(const struct rb_lease_rec *r, void *arg)
{
	(void)r;
	return ++*(int *)arg == 3 ? 42 : 0;
}

static void
test_foreach_stops(void **state)
{
	struct fixture *f = *state;
	struct rb_lease_rec recs[5];
	struct leasedb *db = open_ok(f->path);
	int seen = 0;
	unsigned i;

	for (i = 0; i < 5; i++)
		recs[i] = make_rec(0x0a000001u + i, i);
	assert_int_equal(leasedb_commit(db, recs, 5), 0);
	assert_int_equal(leasedb_foreach(db, stop_at_third, &seen), 42);
	assert_int_equal(seen, 3);
	/* The statement was reset: a new walk starts from the beginning. */
	assert_int_equal(count(db), 5);
	leasedb_close(db);
}

/* A listing under way (its read transaction open, the reader's lock held)
 * while a commit comes: the commit goes through at once, and the listing
 * sees the table as it was when it began. Before the reader had its own
 * connection this call deadlocked: the listing held the one mutex. */
struct during {
	struct leasedb *db;
	int commits, rows;
};

static int
commit_during(const struct rb_lease_rec *r, void *arg)
{
	struct during *d = arg;
	struct rb_lease_rec more = make_rec(0x0a000100u + (unsigned)d->commits, 100);

	(void)r;
	d->rows++;
	assert_int_equal(leasedb_commit(d->db, &more, 1), 0);
	d->commits++;
	return 0;
}

static void
test_commit_during_listing(void **state)
{
	struct fixture *f = *state;
	struct rb_lease_rec recs[3];
	struct leasedb *db = open_ok(f->path);
	struct during d = {.db = db};
	unsigned i;

	for (i = 0; i < 3; i++)
		recs[i] = make_rec(0x0a000001u + i, i);
	assert_int_equal(leasedb_commit(db, recs, 3), 0);
	assert_int_equal(leasedb_foreach(db, commit_during, &d), 0);
	assert_int_equal(d.rows, 3); /* the snapshot it began with */
	assert_int_equal(d.commits, 3);
	assert_int_equal(count(db), 6); /* the next listing sees them */
	leasedb_close(db);
}

static void
test_replace(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = open_ok(f->path);
	struct rb_lease_rec a = make_rec(0xc6120064u, 1), b, c, other, batch[3];

	assert_int_equal(leasedb_commit(db, &a, 1), 0);
	/* A later commit for the same address replaces the row, shorter fields included. */
	b = make_rec(0xc6120064u, 1234567);
	b.state = RB_LEASE_RELEASED;
	b.key_len = 2;
	memset(b.key + 2, 0, sizeof(b.key) - 2);
	b.htype = 6;
	b.hlen = 0;
	memset(b.chaddr, 0, sizeof(b.chaddr));
	assert_int_equal(leasedb_commit(db, &b, 1), 0);
	expect_contents(db, &b, 1);

	/* Within one batch, the later record wins. */
	c = make_rec(0xc6120064u, 99);
	other = make_rec(0xc6120065u, 100);
	batch[0] = a;
	batch[1] = other;
	batch[2] = c;
	assert_int_equal(leasedb_commit(db, batch, 3), 0);
	assert_int_equal(count(db), 2);
	expect_contents(db, batch + 1, 2);
	leasedb_close(db);
}

/* A second handle counting rows while the big commit happens. */
struct watcher {
	const char *path;
	atomic_int started, stop;
	size_t reads, bad, last;
};

static void *
watch(void *arg)
{
	struct watcher *w = arg;
	char msg[256];
	struct leasedb *db = leasedb_open(w->path, msg, sizeof(msg));

	if (!db) {
		w->bad = (size_t)-1;
		atomic_store(&w->started, 1);
		return NULL;
	}
	do {
		size_t n = 0;

		if (leasedb_foreach(db, count_cb, &n) != 0 || (n != 0 && n != 1000))
			w->bad++;
		w->last = n;
		w->reads++;
		atomic_store(&w->started, 1);
	} while (!atomic_load(&w->stop));
	leasedb_close(db);
	return NULL;
}

static void
test_big_batch_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	struct rb_lease_rec *recs = calloc(1000, sizeof(*recs));
	struct watcher w = {.path = f->path};
	struct leasedb *db = open_ok(f->path);
	struct leasedb *db2;
	pthread_t t;
	unsigned i;

	assert_non_null(recs);
	for (i = 0; i < 1000; i++)
		recs[i] = make_rec(0x0a000000u + i * 3, i);

	/* A batch that fails at its last record leaves nothing behind. */
	raw_exec(f->path, "CREATE TRIGGER boom BEFORE INSERT ON leases WHEN NEW.ip = 167775157 "
			  "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
	assert_int_equal(ntohl(recs[999].ip), 167775157u);
	assert_int_equal(leasedb_commit(db, recs, 1000), -EIO);
	assert_int_equal(count(db), 0);
	raw_exec(f->path, "DROP TRIGGER boom");

	/* While another handle keeps counting, it never sees a partial batch. */
	assert_int_equal(pthread_create(&t, NULL, watch, &w), 0);
	while (!atomic_load(&w.started))
		usleep(100);
	assert_int_equal(leasedb_commit(db, recs, 1000), 0);
	usleep(20000);
	atomic_store(&w.stop, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.bad, 0);
	assert_true(w.reads >= 2);
	assert_int_equal(w.last, 1000);
	/* And a handle opened afterwards sees all of it. */
	db2 = open_ok(f->path);
	expect_contents(db2, recs, 1000);
	leasedb_close(db2);
	leasedb_close(db);
	free(recs);
}

static void
test_reopen_keeps_everything(void **state)
{
	struct fixture *f = *state;
	struct rb_lease_rec recs[300];
	struct leasedb *db = open_ok(f->path);
	unsigned i;

	for (i = 0; i < 300; i++)
		recs[i] = make_rec(0xc6120000u + i, i);
	assert_int_equal(leasedb_commit(db, recs, 100), 0);
	assert_int_equal(leasedb_commit(db, recs + 100, 200), 0);
	leasedb_close(db);
	db = open_ok(f->path);
	expect_contents(db, recs, 300);
	leasedb_close(db);
}

static void
test_survives_kill(void **state)
{
	struct fixture *f = *state;
	struct rb_lease_rec recs[50];
	struct leasedb *db;
	int status;
	unsigned i;
	pid_t pid;

	for (i = 0; i < 50; i++)
		recs[i] = make_rec(0xac100000u + i, i);
	/* A process that commits and is killed without closing anything:
	 * the WAL is not checkpointed and the handle never closed. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char msg[256];
		struct leasedb *c = leasedb_open(f->path, msg, sizeof(msg));

		if (!c || leasedb_commit(c, recs, 50) != 0)
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	db = open_ok(f->path);
	expect_contents(db, recs, 50);
	leasedb_close(db);
}

static json_t *
find_addr(json_t *arr, const char *addr)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
	{
		if (!strcmp(json_string_value(json_object_get(o, "address")), addr))
			return o;
	}
	fail_msg("no row for %s", addr);
	return NULL;
}

static void
expect_str(json_t *o, const char *key, const char *want)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("'%s' missing or not a string", key);
	assert_string_equal(json_string_value(v), want);
}

static void
expect_int(json_t *o, const char *key, json_int_t want)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("'%s' missing or not an integer", key);
	assert_int_equal(json_integer_value(v), want);
}

#define NOW 1764066400u

/* Five leases, committed out of order, for the JSON tests. */
static struct leasedb *
json_fixture(const char *path)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
	struct rb_lease_rec r[5];
	struct leasedb *db = open_ok(path);
	unsigned i;

	memset(r, 0, sizeof(r));
	/* 198.18.0.100: bound, an hour left, an ordinary client. */
	r[0].ip = htonl(0xc6120064u);
	r[0].state = RB_LEASE_BOUND;
	r[0].expires = NOW + 3600;
	r[0].updated = NOW - 10;
	r[0].htype = 1;
	r[0].hlen = 6;
	memcpy(r[0].chaddr, mac, 6);
	r[0].key_len = 7;
	r[0].key[0] = 1;
	memcpy(r[0].key + 1, mac, 6);
	snprintf(r[0].hostname, sizeof(r[0].hostname), "node1");
	/* 198.18.0.5: bound but past its end; a hostname that needs escaping; no key. */
	r[1].ip = htonl(0xc6120005u);
	r[1].state = RB_LEASE_BOUND;
	r[1].expires = NOW - 100;
	r[1].updated = NOW - 4000;
	r[1].htype = 1;
	r[1].hlen = 6;
	memcpy(r[1].chaddr, mac, 6);
	r[1].chaddr[5] = 0x01;
	snprintf(r[1].hostname, sizeof(r[1].hostname), "we\"ird\\name");
	/* 198.18.0.7: declined for another minute; not Ethernet; no hostname. */
	r[2].ip = htonl(0xc6120007u);
	r[2].state = RB_LEASE_DECLINED;
	r[2].expires = NOW + 60;
	r[2].updated = NOW;
	r[2].htype = 6;
	r[2].hlen = 0;
	r[2].key_len = 2;
	r[2].key[0] = 0xff;
	r[2].key[1] = 0x0a;
	/* 10.0.0.1: released; InfiniBand-like hlen past the 16 chaddr bytes. */
	r[3].ip = htonl(0x0a000001u);
	r[3].state = RB_LEASE_RELEASED;
	r[3].expires = NOW - 5;
	r[3].updated = NOW - 5;
	r[3].htype = 32;
	r[3].hlen = 20;
	for (i = 0; i < 16; i++)
		r[3].chaddr[i] = (uint8_t)(0xf0 + i);
	/* 198.18.0.200: expired; htype 1 with a short hlen is not a MAC. */
	r[4].ip = htonl(0xc61200c8u);
	r[4].state = RB_LEASE_EXPIRED;
	r[4].expires = NOW - 1;
	r[4].updated = NOW - 1;
	r[4].htype = 1;
	r[4].hlen = 4;
	memcpy(r[4].chaddr, mac, 4);
	assert_int_equal(leasedb_commit(db, r, 5), 0);
	return db;
}

static void
test_json(void **state)
{
	static const char *const order[] = {"10.0.0.1", "198.18.0.5", "198.18.0.7", "198.18.0.100",
					    "198.18.0.200"};
	struct fixture *f = *state;
	struct leasedb *db = json_fixture(f->path);
	char *text = leasedb_json(db, NOW, NULL);
	json_error_t jerr;
	json_t *arr, *o;
	size_t i;

	assert_non_null(text);
	/* The awkward hostname is escaped, not mangled. */
	assert_non_null(strstr(text, "\"hostname\": \"we\\\"ird\\\\name\""));
	arr = json_loads(text, 0, &jerr);
	if (!arr)
		fail_msg("invalid JSON at %d:%d: %s\n%s", jerr.line, jerr.column, jerr.text, text);
	assert_true(json_is_array(arr));
	assert_int_equal(json_array_size(arr), 5);
	/* Address order, numerically. */
	for (i = 0; i < 5; i++)
		expect_str(json_array_get(arr, i), "address", order[i]);

	o = find_addr(arr, "198.18.0.100");
	expect_str(o, "state", "bound");
	expect_str(o, "mac", "52:54:00:ab:cd:ef");
	assert_null(json_object_get(o, "hwaddr"));
	expect_str(o, "client_id", "01525400abcdef");
	expect_str(o, "hostname", "node1");
	expect_int(o, "expires", NOW + 3600);
	expect_int(o, "expires_in", 3600);
	expect_int(o, "updated", NOW - 10);
	assert_int_equal(json_object_size(o), 8);

	o = find_addr(arr, "198.18.0.5");
	expect_str(o, "hostname", "we\"ird\\name");
	expect_str(o, "mac", "52:54:00:ab:cd:01");
	expect_str(o, "client_id", "");
	expect_int(o, "expires_in", 0); /* clamped, not negative */

	o = find_addr(arr, "198.18.0.7");
	expect_str(o, "state", "declined");
	assert_null(json_object_get(o, "mac"));
	expect_str(o, "hwaddr", "");
	assert_null(json_object_get(o, "hostname"));
	expect_str(o, "client_id", "ff0a");
	expect_int(o, "expires_in", 60);

	o = find_addr(arr, "10.0.0.1");
	expect_str(o, "state", "released");
	assert_null(json_object_get(o, "mac"));
	expect_str(o, "hwaddr", "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
	assert_null(json_object_get(o, "expires_in"));
	expect_int(o, "expires", NOW - 5);

	o = find_addr(arr, "198.18.0.200");
	expect_str(o, "state", "expired");
	expect_str(o, "hwaddr", "525400ab");
	assert_null(json_object_get(o, "mac"));
	assert_null(json_object_get(o, "expires_in"));

	json_decref(arr);
	free(text);
	leasedb_close(db);
}

static size_t
json_rows(struct leasedb *db, const char *filter, const char *first)
{
	char *text = leasedb_json(db, NOW, filter);
	json_t *arr;
	size_t n;

	assert_non_null(text);
	arr = json_loads(text, 0, NULL);
	assert_non_null(arr);
	n = json_array_size(arr);
	if (first)
		expect_str(json_array_get(arr, 0), "address", first);
	json_decref(arr);
	free(text);
	return n;
}

static void
test_json_filter(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = open_ok(f->path);
	char *text;

	/* Empty store: an empty array. */
	text = leasedb_json(db, NOW, NULL);
	assert_non_null(text);
	assert_string_equal(text, "[]");
	free(text);
	leasedb_close(db);

	db = json_fixture(f->path);
	assert_int_equal(json_rows(db, "bound", "198.18.0.5"), 2);
	assert_int_equal(json_rows(db, "declined", "198.18.0.7"), 1);
	assert_int_equal(json_rows(db, "released", "10.0.0.1"), 1);
	assert_int_equal(json_rows(db, "expired", "198.18.0.200"), 1);
	assert_int_equal(json_rows(db, "free", NULL), 0);
	assert_int_equal(json_rows(db, NULL, "10.0.0.1"), 5);

	errno = 0;
	assert_null(leasedb_json(db, NOW, "bogus"));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(leasedb_json(db, NOW, ""));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(leasedb_json(db, NOW, "Bound"));
	assert_int_equal(errno, EINVAL);
	/* The handle is fine after a refusal. */
	assert_int_equal(json_rows(db, "bound", NULL), 2);
	leasedb_close(db);
}

static void
test_not_a_database(void **state)
{
	static const char junk[] = "this is a text file that happens to sit where the lease "
				   "database should be, and it is long enough to have a header\n";
	struct fixture *f = *state;
	char dir[PATH_MAX], msg[512], back[sizeof(junk) + 16];
	FILE *fp;
	size_t n;

	snprintf(dir, sizeof(dir), "%s/var", f->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/var/lib", f->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	fputs(junk, fp);
	fclose(fp);
	assert_int_equal(chmod(f->path, 0600), 0);

	errno = 0;
	assert_null(leasedb_open(f->path, msg, sizeof(msg)));
	assert_int_not_equal(errno, 0);
	assert_non_null(strstr(msg, f->path));
	assert_non_null(strstr(msg, "not a lease database"));
	/* And the file was left alone. */
	fp = fopen(f->path, "r");
	assert_non_null(fp);
	n = fread(back, 1, sizeof(back), fp);
	fclose(fp);
	assert_int_equal(n, sizeof(junk) - 1);
	assert_memory_equal(back, junk, n);
}

static void
test_foreign_database(void **state)
{
	struct fixture *f = *state;
	char msg[512], mode[32];
	sqlite3 *raw = NULL;

	/* Someone else's SQLite database is not ours to add tables to. */
	leasedb_close(open_ok(f->path)); /* just to create the directories */
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(chmod(f->path, 0600), 0);
	assert_null(leasedb_open(f->path, msg, sizeof(msg)));
	assert_non_null(strstr(msg, f->path));
	assert_non_null(strstr(msg, "not a lease database"));
	raw_text(f->path, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "delete");
}

static void
test_newer_schema(void **state)
{
	struct fixture *f = *state;
	struct rb_lease_rec r = make_rec(0xc6120064u, 7);
	struct leasedb *db = open_ok(f->path);
	char msg[512];

	assert_int_equal(leasedb_commit(db, &r, 1), 0);
	leasedb_close(db);
	raw_exec(f->path, "UPDATE meta SET value = 2 WHERE key = 'schema_version'");
	errno = 0;
	assert_null(leasedb_open(f->path, msg, sizeof(msg)));
	assert_int_equal(errno, ENOTSUP);
	assert_non_null(strstr(msg, f->path));
	assert_non_null(strstr(msg, "schema version 2 is newer"));
	/* The refusal changed nothing: back at version 1 it opens with its data. */
	raw_exec(f->path, "UPDATE meta SET value = 1 WHERE key = 'schema_version'");
	db = open_ok(f->path);
	expect_contents(db, &r, 1);
	leasedb_close(db);
}

static void
test_commit_failure_rolls_back(void **state)
{
	struct fixture *f = *state;
	struct rb_lease_rec base[10], batch[100];
	struct leasedb *db = open_ok(f->path);
	struct leasedb *db2;
	struct capture cap;
	const char *err;
	unsigned i;

	for (i = 0; i < 10; i++)
		base[i] = make_rec(0xc6120000u + i, i);
	assert_int_equal(leasedb_commit(db, base, 10), 0);
	/* The batch rewrites the ten existing rows, then adds new ones; it
	 * fails at its 60th record, after 59 successful inserts. */
	for (i = 0; i < 100; i++)
		batch[i] = make_rec(0xc6120000u + i, 1000 + i);
	raw_exec(f->path, "CREATE TRIGGER boom BEFORE INSERT ON leases WHEN NEW.ip = 3323068475 "
			  "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
	assert_int_equal(ntohl(batch[59].ip), 3323068475u);
	capture_start(&cap, f->dir);
	assert_int_equal(leasedb_commit(db, batch, 100), -EIO);
	err = capture_end(&cap);
	assert_non_null(strstr(err, "rackboot: lease db: "));
	assert_non_null(strstr(err, "injected failure"));
	expect_contents(db, base, 10);
	/* Once the cause is gone, the same handle commits again. */
	raw_exec(f->path, "DROP TRIGGER boom");
	assert_int_equal(leasedb_commit(db, batch, 100), 0);
	expect_contents(db, batch, 100);

	/* The table vanishing under the handle: -EIO, and listing reports it too. */
	raw_exec(f->path, "DROP TABLE leases");
	capture_start(&cap, f->dir);
	assert_int_equal(leasedb_commit(db, base, 10), -EIO);
	assert_int_equal(leasedb_foreach(db, count_cb, &(size_t){0}), -EIO);
	errno = 0;
	assert_null(leasedb_json(db, NOW, NULL));
	assert_int_equal(errno, EIO);
	err = capture_end(&cap);
	assert_non_null(strstr(err, "rackboot: lease db: no such table: leases"));
	/* Opening another handle re-creates the schema; the first then works again. */
	db2 = open_ok(f->path);
	assert_int_equal(leasedb_commit(db, base, 10), 0);
	expect_contents(db, base, 10);
	expect_contents(db2, base, 10);
	leasedb_close(db2);
	leasedb_close(db);
}

static void
test_bad_arguments(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = open_ok(f->path);
	char msg[64];

	assert_int_equal(leasedb_commit(NULL, NULL, 0), -EINVAL);
	assert_int_equal(leasedb_commit(db, NULL, 1), -EINVAL);
	assert_int_equal(leasedb_foreach(db, NULL, NULL), -EINVAL);
	errno = 0;
	assert_null(leasedb_open("", msg, sizeof(msg)));
	assert_int_equal(errno, EINVAL);
	leasedb_close(db);
}

/* Several threads on one handle: commits and listings interleave safely. */
struct worker {
	struct leasedb *db;
	unsigned id;
	int failures;
};

static void *
writer(void *arg)
{
	struct worker *w = arg;
	struct rb_lease_rec recs[10];
	unsigned b, i;

	for (b = 0; b < 25; b++) {
		for (i = 0; i < 10; i++)
			recs[i] = make_rec(0x0a000000u + w->id * 1000 + b * 10 + i, b * 10 + i);
		if (leasedb_commit(w->db, recs, 10))
			w->failures++;
	}
	return NULL;
}

static void *
reader(void *arg)
{
	struct worker *w = arg;
	unsigned i;

	for (i = 0; i < 25; i++) {
		char *text = leasedb_json(w->db, NOW, i % 2 ? "bound" : NULL);
		size_t n = 0;

		if (!text || leasedb_foreach(w->db, count_cb, &n))
			w->failures++;
		free(text);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = open_ok(f->path);
	struct worker w[6];
	pthread_t t[6];
	unsigned i;

	for (i = 0; i < 6; i++) {
		w[i] = (struct worker){.db = db, .id = i};
		assert_int_equal(pthread_create(&t[i], NULL, i < 4 ? writer : reader, &w[i]), 0);
	}
	for (i = 0; i < 6; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(count(db), 1000);
	leasedb_close(db);
}

/* leasedb_get(): one row by address, what was committed, or -ENOENT. */
static void
test_get_by_address(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = open_ok(f->path);
	struct rb_lease_rec recs[3], got;

	for (unsigned i = 0; i < 3; i++)
		recs[i] = make_rec(0xc6120064u + i, i + 1);
	assert_int_equal(leasedb_commit(db, recs, 3), 0);
	assert_int_equal(leasedb_get(db, recs[1].ip, &got), 0);
	assert_memory_equal(&got, &recs[1], sizeof(got));
	assert_int_equal(leasedb_get(db, htonl(0xc6120001u), &got), -ENOENT);
	/* the statement is reset: a second lookup works too */
	assert_int_equal(leasedb_get(db, recs[2].ip, &got), 0);
	assert_memory_equal(&got, &recs[2], sizeof(got));
	leasedb_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_state_names),
	    cmocka_unit_test_setup_teardown(test_get_by_address, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commit_during_listing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_creates_parents, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_parent_is_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreach_stops, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_big_batch_all_or_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reopen_keeps_everything, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_survives_kill, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_filter, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_database, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_newer_schema, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commit_failure_rolls_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
