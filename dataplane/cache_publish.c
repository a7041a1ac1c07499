/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cache_publish.c: which image cache generation the workers serve, on the
 * main lcore. A generation is the last tree loaded (the base: at start, or
 * the latest TFTP_RELOAD) with the control's generated files on top
 * (gen_set_apply(): a derived generation sharing the base's files). A new
 * set of generated files costs a copy of the base's index table and of
 * the files themselves, never a reload of the images; a new base gets the
 * current set applied before it is published.
 *
 * Publishing: every worker gets the generation, with a reference, through
 * its cache_next and switches between two bursts; sessions, streams and
 * zero-copy mbufs keep theirs alive until the last of them ends. Each
 * publish says so in one line, at NOTICE: the control starts EAL with
 * --log-level=notice, a global cap under which INFO lines never show.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "dp.h"
#include "log.h"

static void *
ic_rte_alloc(size_t size, size_t align, void *arg)
{
	return rte_malloc_socket("rb_image", size, (unsigned)align, (int)(intptr_t)arg);
}

static void
ic_rte_free(void *p, void *arg)
{
	(void)arg;
	rte_free(p);
}

void
dp_cache_alloc(const struct dp *d, struct ic_alloc *a)
{
	a->alloc = ic_rte_alloc;
	a->free = ic_rte_free;
	a->arg = (void *)(intptr_t)rte_eth_dev_socket_id(d->port_id);
}

/* Hands ic (the caller's reference) to every worker and makes it current. */
static void
publish(struct dp *d, struct image_cache *ic)
{
	struct image_cache *old;
	uint16_t w;

	for (w = 0; w < d->nb_workers; w++) {
		old = __atomic_exchange_n(&d->workers[w].cache_next, ic_get(ic), __ATOMIC_RELEASE);
		ic_put(old); /* a generation the worker never took */
	}
	old = d->cache;
	d->cache = ic;
	ic_put(old);
	d->cache_generation++;
}

/* Says which generated names the tree kept (gen_set_apply() skipped them). */
static void
warn_skipped(const struct gen_apply_stats *st)
{
	if (st->skipped)
		RB_WARN("generated files: %zu name(s) left to the tftp tree, which has them as "
			"a directory or under a file (first: %s: %s)",
			st->skipped, st->first, strerror(-st->first_err));
}

void
dp_gen_files(struct dp *d, const void *payload, size_t len)
{
	/* The most records one message can hold: 8 bytes each at least. */
	static struct rb_gen_file files[RB_CHAN_MAX_MSG / 8];
	uint32_t flags;
	int n, i;

	n = rb_gen_files_decode(payload, len, &flags, files, RTE_DIM(files));
	if (n < 0) { /* checked on receipt: cannot happen */
		RB_ERR("generated files: a bad GEN_FILES batch (%s)", strerror(-n));
		d->gen_next.over = true;
		return;
	}
	if (flags & RB_GEN_F_FIRST)
		gen_set_clear(&d->gen_next);
	for (i = 0; i < n; i++)
		gen_set_add(&d->gen_next, files[i].name, files[i].data, files[i].len);
}

/*
 * Serves set (d->gen_next or d->gen_wait) on top of base now: it becomes
 * gen_cur. On failure the previous set keeps serving; set is emptied
 * either way.
 */
static void
apply_now(struct dp *d, struct gen_set *set)
{
	struct gen_apply_stats ast;
	struct image_cache *ic;
	struct ic_alloc a;

	d->gen_waiting = false;
	if (!set->n && !d->gen_cur.n) { /* nothing served, nothing to serve */
		gen_set_clear(set);
		return;
	}
	dp_cache_alloc(d, &a);
	ic = gen_set_apply(set, d->base, &a, &ast);
	if (!ic) {
		d->gen_refused++;
		RB_ERR("generated files: no memory for a generation with %zu file(s) (%s); still "
		       "serving the previous %zu file(s)",
		       set->n, strerror(errno), d->gen_cur.n);
		gen_set_clear(set);
		return;
	}
	publish(d, ic);
	gen_set_move(&d->gen_cur, set);
	d->gen_published++;
	RB_NOTICE("generated files: %zu file(s), %" PRIu64 " bytes published as generation %" PRIu64
		  " (the tftp tree of generation %" PRIu64
		  "); transfers under way finish on the previous one",
		  d->gen_cur.n, d->gen_cur.bytes, d->cache_generation, d->base_generation);
	warn_skipped(&ast);
}

void
dp_cache_loaded(struct dp *d, struct image_cache *loaded, const struct ic_stats *st,
		const char *msg)
{
	struct gen_set *set = d->gen_waiting ? &d->gen_wait : &d->gen_cur;
	struct image_cache *base = loaded ? loaded : d->base, *ic;
	struct gen_apply_stats ast;
	struct ic_alloc a;

	if (!loaded) {
		d->cache_reload_failed++;
		RB_ERR("tftp reload failed, still serving generation %" PRIu64 ": %s",
		       d->cache_generation, msg);
		if (d->gen_waiting) /* what waited for the load goes on the old tree */
			apply_now(d, &d->gen_wait);
		return;
	}
	dp_cache_alloc(d, &a);
	ic = gen_set_apply(set, base, &a, &ast);
	if (!ic) {
		d->cache_reload_failed++;
		RB_ERR("tftp reload: no memory for the generated files on the new tree (%s), "
		       "still serving generation %" PRIu64,
		       strerror(errno), d->cache_generation);
		ic_put(loaded);
		if (d->gen_waiting) {
			d->gen_refused++;
			d->gen_waiting = false;
			gen_set_clear(&d->gen_wait);
		}
		return;
	}
	ic_put(d->base);
	d->base = loaded;
	d->cache_stats = *st;
	publish(d, ic);
	d->base_generation = d->cache_generation;
	if (d->gen_waiting) {
		gen_set_move(&d->gen_cur, &d->gen_wait);
		d->gen_waiting = false;
		d->gen_published++;
	}
	RB_NOTICE("tftp reload: generation %" PRIu64 ", %" PRIu64 " file(s), %.1f MB, %" PRIu64
		  " shadowed name(s); generated files: %zu file(s), %" PRIu64
		  " bytes on top; transfers under way finish on the previous one",
		  d->cache_generation, st->files, (double)st->bytes / 1e6, st->shadowed,
		  d->gen_cur.n, d->gen_cur.bytes);
	warn_skipped(&ast);
}

void
dp_gen_publish(struct dp *d)
{
	struct gen_set *next = &d->gen_next;

	if (next->over) {
		d->gen_refused++;
		RB_ERR("generated files refused: %" PRIu64 " file(s), %" PRIu64
		       " bytes offered, at most %u files and %u MiB in a set (or out of "
		       "memory); still serving the previous %zu file(s)",
		       next->offered, next->offered_bytes, RB_GEN_MAX_FILES, RB_GEN_MAX_BYTES >> 20,
		       d->gen_cur.n);
		gen_set_clear(next);
		return;
	}
	if (__atomic_load_n(&d->loader_state, __ATOMIC_ACQUIRE)) {
		/* A reload is loading: its end publishes this set on the new
		 * tree (a later publish replaces it). */
		gen_set_move(&d->gen_wait, next);
		d->gen_waiting = true;
		RB_DEBUG("generated files: %zu file(s) wait for the tftp reload under way",
			 d->gen_wait.n);
		return;
	}
	apply_now(d, next);
}

void
dp_gen_fini(struct dp *d)
{
	gen_set_clear(&d->gen_next);
	gen_set_clear(&d->gen_cur);
	gen_set_clear(&d->gen_wait);
	ic_put(d->base);
	d->base = NULL;
}
