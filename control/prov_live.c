/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "leasedb.h"
#include "log.h"
#include "prov_live.h"

/* A published snapshot and its readers. */
struct gen {
	struct prov_snapshot *s;
	unsigned refs; /* readers, plus one while it is the current one */
	struct gen *next;
};

struct prov_live {
	pthread_mutex_t lock;
	struct gen *cur;
	struct gen *old; /* retired, waiting for their readers */
	struct leasedb *db;
	prov_token_fn token; /* the machine's installer callback token */
	void *token_arg;
};

void
prov_live_set_token(struct prov_live *l, prov_token_fn fn, void *arg)
{
	pthread_mutex_lock(&l->lock);
	l->token = fn;
	l->token_arg = arg;
	pthread_mutex_unlock(&l->lock);
}

struct prov_live *
prov_live_new(struct prov_snapshot *first, struct leasedb *db)
{
	struct prov_live *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->cur = calloc(1, sizeof(*l->cur));
	if (!l->cur) {
		free(l);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&l->lock, NULL);
	l->cur->s = first;
	l->cur->refs = 1;
	l->db = db;
	return l;
}

void
prov_live_set_db(struct prov_live *l, struct leasedb *db)
{
	pthread_mutex_lock(&l->lock);
	l->db = db;
	pthread_mutex_unlock(&l->lock);
}

static void
gen_free(struct gen *g)
{
	prov_snapshot_free(g->s);
	free(g);
}

void
prov_live_free(struct prov_live *l)
{
	if (!l)
		return;
	while (l->old) {
		struct gen *g = l->old;

		l->old = g->next;
		gen_free(g);
	}
	if (l->cur)
		gen_free(l->cur);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* Drop retired generations nobody reads. Lock held. */
static void
collect(struct prov_live *l)
{
	for (struct gen **pg = &l->old; *pg;) {
		struct gen *g = *pg;

		if (g->refs) {
			pg = &g->next;
			continue;
		}
		*pg = g->next;
		gen_free(g);
	}
}

void
prov_live_swap(struct prov_live *l, struct prov_snapshot *s)
{
	struct gen *g = calloc(1, sizeof(*g));

	if (!g) {
		RB_ERR("provisioning reload: out of memory, still serving the old set");
		prov_snapshot_free(s);
		return;
	}
	g->s = s;
	g->refs = 1;
	pthread_mutex_lock(&l->lock);
	l->cur->refs--;
	l->cur->next = l->old;
	l->old = l->cur;
	l->cur = g;
	collect(l);
	pthread_mutex_unlock(&l->lock);
}

const struct prov_snapshot *
prov_live_get(struct prov_live *l)
{
	const struct prov_snapshot *s;

	pthread_mutex_lock(&l->lock);
	l->cur->refs++;
	s = l->cur->s;
	pthread_mutex_unlock(&l->lock);
	return s;
}

void
prov_live_put(struct prov_live *l, const struct prov_snapshot *s)
{
	pthread_mutex_lock(&l->lock);
	if (l->cur->s == s) {
		l->cur->refs--;
	} else {
		for (struct gen *g = l->old; g; g = g->next)
			if (g->s == s) {
				g->refs--;
				break;
			}
		collect(l);
	}
	pthread_mutex_unlock(&l->lock);
}

/* A served template name: [A-Za-z0-9._-], not "." or "..". */
static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

char *
prov_live_template(struct prov_live *l, const char *url, const char *mac, const char *profile,
		   uint32_t client_ip, unsigned *status, size_t *len)
{
	struct inv_machine m = {.arch = -1, .ip = client_ip};
	const struct prov_snapshot *s;
	const char *name = url + strlen("/t/");
	struct strbuf out;
	char err[512], token[64], cb[160];
	char *body = NULL;
	prov_token_fn fn;
	void *arg;
	int rc;

	*len = 0;
	if (strncmp(url, "/t/", 3) != 0 || !valid_name(name)) {
		*status = 400;
		return NULL;
	}
	if (mac) {
		if (rb_hex_octets(mac, ":-", m.mac, 6) != 6) {
			*status = 400;
			return NULL;
		}
	} else {
		struct rb_lease_rec r;
		struct leasedb *db;

		pthread_mutex_lock(&l->lock);
		db = l->db;
		pthread_mutex_unlock(&l->lock);
		/* The requester's address names its machine through its lease. */
		if (!db || leasedb_get(db, client_ip, &r) || r.hlen != 6) {
			*status = 404;
			return NULL;
		}
		memcpy(m.mac, r.chaddr, 6);
	}
	s = prov_live_get(l);
	pthread_mutex_lock(&l->lock);
	fn = l->token;
	arg = l->token_arg;
	pthread_mutex_unlock(&l->lock);
	/* A machine that is not marked gets a URL no token matches: its
	 * installer's callback is refused (and counted), never a crash. */
	if (!fn || fn(arg, m.mac, token) != 0)
		snprintf(token, sizeof(token), "unmarked");
	snprintf(cb, sizeof(cb), "%s/cb/%s", prov_http_base(s), token);
	strbuf_init(&out, 0);
	rc = prov_render(s, &m, name, profile, cb, &out, err, sizeof(err));
	prov_live_put(l, s);
	if (rc == 0) {
		body = strbuf_detach(&out, len);
		*status = body ? 200 : 500;
	} else if (rc == -ENOENT) {
		*status = 404;
	} else {
		/* Checked at load for known hosts; an unknown machine's values
		 * (its address) can still be refused here. */
		RB_WARN("template %s for %02x:%02x:%02x:%02x:%02x:%02x: %s", name, m.mac[0],
			m.mac[1], m.mac[2], m.mac[3], m.mac[4], m.mac[5], err);
		*status = 500;
	}
	strbuf_free(&out);
	return body;
}
