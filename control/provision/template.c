/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * template.c: the strict Mustache-subset renderer (see template.h).
 *
 * Parsing turns the text into a flat array of nodes: text runs, variables,
 * section opens and their closes. A section node holds the index of its
 * close, so rendering walks ranges of the array without building a tree.
 * Each variable's escape context is settled during the same left-to-right
 * pass: a quoted variable stays "pending" until its quote closes (kept) or
 * a newline or section tag comes first (downgraded to bare).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem(); meson sets it, run_fuzz.sh does not */
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

enum node_kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_CLOSE };

struct node {
	uint8_t kind;
	uint8_t esc;
	unsigned line, col;
	size_t end;	 /* sections: index of the matching N_CLOSE */
	size_t off, len; /* text: bytes of tpl->text */
	char *name;	 /* tags (not closes) */
};

struct tpl {
	char *name;
	char *text;
	struct node *nodes;
	size_t n, cap;
	struct tpl_tag *tags;
	size_t ntags;
};

enum vtype { V_STR, V_BOOL, V_MAP, V_LIST };

struct tpl_val {
	enum vtype type;
	struct tpl_val *next; /* the next entry of the parent map or list */
	char *key;	      /* when in a map */
	union {
		char *s;
		bool b;
		struct {
			struct tpl_val *head, *tail;
		} kids;
	};
};

struct tpl_ctx {
	struct tpl_val root;
};

static void __attribute__((format(printf, 6, 7)))
errf(char *err, size_t errlen, const char *name, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return;
	n = line ? snprintf(err, errlen, "%s:%u:%u: ", name, line, col)
		 : snprintf(err, errlen, "%s: ", name);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* --- parsing ------------------------------------------------------------- */

enum { Q_NONE, Q_DOUBLE, Q_SINGLE };

struct parser {
	struct tpl *t;
	const char *s;
	size_t len;
	size_t cur, ls; /* position cursor: offset, start of its line */
	unsigned line;
	int q;	   /* quote state of the literal text so far on this line */
	bool bs;   /* a backslash escapes the next byte */
	long pend; /* first variable whose quote has not closed yet, or -1 */
	size_t open[TPL_MAX_DEPTH];
	int depth;
	char *err;
	size_t errlen;
};

/* Line and column of off; offs passed in must not decrease. */
static void
where(struct parser *p, size_t off, unsigned *line, unsigned *col)
{
	for (; p->cur < off; p->cur++) {
		if (p->s[p->cur] == '\n') {
			p->line++;
			p->ls = p->cur + 1;
		}
	}
	*line = p->line;
	*col = (unsigned)(off - p->ls + 1);
}

static struct node *
add_node(struct parser *p, int kind, size_t off)
{
	struct tpl *t = p->t;
	struct node *nd;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct node *nn = realloc(t->nodes, cap * sizeof(*nn));
		if (!nn)
			return NULL;
		t->nodes = nn;
		t->cap = cap;
	}
	nd = &t->nodes[t->n++];
	memset(nd, 0, sizeof(*nd));
	nd->kind = (uint8_t)kind;
	where(p, off, &nd->line, &nd->col);
	return nd;
}

/* The pending quoted variables did not get their closing quote. */
static void
downgrade(struct parser *p)
{
	size_t i;

	if (p->pend < 0)
		return;
	for (i = (size_t)p->pend; i < p->t->n; i++)
		if (p->t->nodes[i].kind == N_VAR)
			p->t->nodes[i].esc = TPL_ESC_BARE;
	p->pend = -1;
}

static void
qfeed(struct parser *p, char c)
{
	int before = p->q;

	if (c == '\n') {
		p->q = Q_NONE;
		p->bs = false;
	} else if (p->bs) {
		p->bs = false;
	} else if (c == '\\' && p->q != Q_SINGLE) {
		p->bs = true;
	} else if (c == '"' && p->q != Q_SINGLE) {
		p->q = p->q == Q_DOUBLE ? Q_NONE : Q_DOUBLE;
	} else if (c == '\'' && p->q != Q_DOUBLE) {
		p->q = p->q == Q_SINGLE ? Q_NONE : Q_SINGLE;
	}
	if (p->pend >= 0 && p->q != before) {
		if (c == '\n')
			downgrade(p);
		else
			p->pend = -1; /* closed: the pending ones keep their quotes */
	}
}

static int
add_text(struct parser *p, size_t off, size_t len)
{
	struct node *nd;
	size_t i;

	if (!len)
		return 0;
	nd = add_node(p, N_TEXT, off);
	if (!nd)
		return -ENOMEM;
	nd->off = off;
	nd->len = len;
	for (i = off; i < off + len; i++)
		qfeed(p, p->s[i]);
	return 0;
}

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims [*b, *e) and checks it is a name; NULL or what is wrong in why. */
static const char *
check_name(const char *s, size_t *b, size_t *e, char *why, size_t whylen)
{
	size_t i;

	while (*b < *e && blank(s[*b]))
		(*b)++;
	while (*e > *b && blank(s[*e - 1]))
		(*e)--;
	if (*b == *e)
		return "empty tag name";
	if (*e - *b > TPL_NAME_MAX) {
		snprintf(why, whylen, "tag name longer than %d bytes", TPL_NAME_MAX);
		return why;
	}
	if (*e - *b == 1 && s[*b] == '.')
		return NULL;
	for (i = *b; i < *e; i++) {
		unsigned char c = (unsigned char)s[i];
		if (name_char((char)c))
			continue;
		if (c != '.') {
			if (c >= 0x20 && c < 0x7f)
				snprintf(why, whylen, "bad character '%c' in tag name", c);
			else
				snprintf(why, whylen, "bad byte 0x%02x in tag name", c);
			return why;
		}
		if (i == *b || i + 1 == *e || s[i + 1] == '.') {
			snprintf(why, whylen, "bad dotted name '%.*s'", (int)(*e - *b), s + *b);
			return why;
		}
	}
	return NULL;
}

static const char *
find(const char *s, size_t from, size_t to, const char *needle)
{
	size_t n = strlen(needle);
	return from <= to ? memmem(s + from, to - from, needle, n) : NULL;
}

/*
 * The end of the line holding the tag [at, q) if the tag stands alone on it
 * (only blanks around, no other tag), else 0. *ls is set to the line start.
 */
static size_t
standalone(const struct parser *p, size_t at, size_t q, size_t last_end, size_t *ls)
{
	const char *s = p->s;
	size_t i = at;

	while (i > last_end && s[i - 1] != '\n')
		i--;
	if (i > 0 && s[i - 1] != '\n')
		return 0; /* another tag ends on this line */
	*ls = i;
	for (; i < at; i++)
		if (!blank(s[i]))
			return 0;
	for (i = q; i < p->len && blank(s[i]); i++)
		;
	if (i == p->len)
		return i;
	if (s[i] == '\n')
		return i + 1;
	if (s[i] == '\r' && i + 1 < p->len && s[i + 1] == '\n')
		return i + 2;
	return 0;
}

/* Handles one tag whose name is [b, e) and sigil sig, at offset at. */
static int
add_tag(struct parser *p, char sig, size_t at, size_t b, size_t e)
{
	struct tpl *t = p->t;
	char why[128];
	const char *bad;
	struct node *nd, *open;
	unsigned line, col;
	int kind;

	bad = check_name(p->s, &b, &e, why, sizeof(why));
	if (bad) {
		where(p, at, &line, &col);
		errf(p->err, p->errlen, t->name, line, col, "%s", bad);
		return -EINVAL;
	}
	if (sig == '#' || sig == '^' || sig == '/') {
		downgrade(p);
		p->q = Q_NONE;
	}
	p->bs = false;
	if (sig == '/') {
		where(p, at, &line, &col);
		if (!p->depth) {
			errf(p->err, p->errlen, t->name, line, col,
			     "'{{/%.*s}}' closes no open section", (int)(e - b), p->s + b);
			return -EINVAL;
		}
		open = &t->nodes[p->open[p->depth - 1]];
		if (strlen(open->name) != e - b || memcmp(open->name, p->s + b, e - b)) {
			errf(p->err, p->errlen, t->name, line, col,
			     "'{{/%.*s}}' does not close section '%s' opened at %u:%u",
			     (int)(e - b), p->s + b, open->name, open->line, open->col);
			return -EINVAL;
		}
		if (!add_node(p, N_CLOSE, at))
			return -ENOMEM;
		t->nodes[p->open[--p->depth]].end = t->n - 1;
		return 0;
	}
	kind = sig == '#'		    ? N_SECTION
	       : sig == '^'		    ? N_INVERTED
	       : (sig == '{' || sig == '&') ? N_RAW
					    : N_VAR;
	if ((kind == N_SECTION || kind == N_INVERTED) && p->depth == TPL_MAX_DEPTH) {
		where(p, at, &line, &col);
		errf(p->err, p->errlen, t->name, line, col, "sections nested deeper than %d",
		     TPL_MAX_DEPTH);
		return -EINVAL;
	}
	nd = add_node(p, kind, at);
	if (!nd || !(nd->name = strndup(p->s + b, e - b)))
		return -ENOMEM;
	if (kind == N_SECTION || kind == N_INVERTED) {
		nd->esc = TPL_ESC_RAW;
		p->open[p->depth++] = t->n - 1;
	} else if (kind == N_RAW) {
		nd->esc = TPL_ESC_RAW;
	} else {
		nd->esc = p->q == Q_DOUBLE   ? TPL_ESC_DQUOTE
			  : p->q == Q_SINGLE ? TPL_ESC_SQUOTE
					     : TPL_ESC_BARE;
		if (p->q != Q_NONE && p->pend < 0)
			p->pend = (long)(t->n - 1);
	}
	return 0;
}

/* Tokenizes p->s into p->t->nodes. */
static int
tokenize(struct parser *p)
{
	const char *s = p->s, *o, *c;
	size_t pos = 0, text = 0, last_end = 0, at, eol, b, e, q, next, ls;
	unsigned line, col;
	char sig;
	int ret;

	while ((o = find(s, pos, p->len, "{{"))) {
		at = (size_t)(o - s);
		c = memchr(s + at, '\n', p->len - at);
		eol = c ? (size_t)(c - s) : p->len;
		sig = at + 2 < p->len ? s[at + 2] : 0;
		if (sig == '!') {
			c = find(s, at + 3, p->len, "}}");
			b = e = 0;
		} else if (sig == '{') {
			c = find(s, at + 3, eol, "}}}");
			b = at + 3;
		} else {
			c = find(s, at + 2, eol, "}}");
			b = strchr("#^/&=>", sig) && sig ? at + 3 : at + 2;
		}
		if (!c || (sig == '=' || sig == '>')) {
			ret = add_text(p, text, at - text);
			if (ret)
				return ret;
			where(p, at, &line, &col);
			errf(p->err, p->errlen, p->t->name, line, col, "%s",
			     sig == '='	  ? "set-delimiter tags '{{=...=}}' are not supported"
			     : sig == '>' ? "partials '{{>...}}' are not supported"
			     : sig == '!' ? "unclosed comment '{{!'"
					  : "unclosed tag (no '}}' on its line)");
			return -EINVAL;
		}
		e = (size_t)(c - s);
		q = e + (sig == '{' ? 3 : 2);

		next = 0;
		ls = at;
		if (sig == '!' || sig == '#' || sig == '^' || sig == '/')
			next = standalone(p, at, q, last_end, &ls);
		ret = add_text(p, text, (next ? ls : at) - text);
		if (ret)
			return ret;
		if (sig != '!') {
			ret = add_tag(p, sig, at, b, e);
			if (ret)
				return ret;
		}
		last_end = q;
		pos = text = next ? next : q;
	}
	ret = add_text(p, text, p->len - text);
	if (ret)
		return ret;
	downgrade(p);
	if (p->depth) {
		const struct node *nd = &p->t->nodes[p->open[p->depth - 1]];
		errf(p->err, p->errlen, p->t->name, nd->line, nd->col,
		     "section '%s' is never closed", nd->name);
		return -EINVAL;
	}
	return 0;
}

/* The public tag list, with each tag's enclosing section. */
static int
list_tags(struct tpl *t)
{
	const char *stack[TPL_MAX_DEPTH];
	int depth = 0;
	size_t i;

	t->tags = calloc(t->n ? t->n : 1, sizeof(*t->tags));
	if (!t->tags)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		const struct node *nd = &t->nodes[i];
		struct tpl_tag *tg = &t->tags[t->ntags];

		if (nd->kind == N_TEXT)
			continue;
		if (nd->kind == N_CLOSE) {
			depth--;
			continue;
		}
		tg->name = nd->name;
		tg->section = depth ? stack[depth - 1] : NULL;
		tg->line = nd->line;
		tg->col = nd->col;
		tg->esc = nd->esc;
		tg->kind = nd->kind == N_VAR	   ? TPL_VAR
			   : nd->kind == N_RAW	   ? TPL_RAW
			   : nd->kind == N_SECTION ? TPL_SECTION
						   : TPL_INVERTED;
		t->ntags++;
		if (nd->kind == N_SECTION || nd->kind == N_INVERTED)
			stack[depth++] = nd->name;
	}
	return 0;
}

struct tpl *
tpl_parse(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	struct parser p = {.len = len, .line = 1, .pend = -1, .err = err, .errlen = errlen};
	struct tpl *t;
	const char *nul;
	unsigned line, col;
	int ret = -ENOMEM;

	if (err && errlen)
		err[0] = 0;
	if (!name)
		name = "template";
	if (len > TPL_MAX_SIZE) {
		errf(err, errlen, name, 0, 0, "template is %zu bytes, more than the limit of %u",
		     len, TPL_MAX_SIZE);
		errno = EFBIG;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t || !(t->name = strdup(name)) || !(t->text = malloc(len + 1)))
		goto fail;
	if (len)
		memcpy(t->text, text, len);
	t->text[len] = 0;
	p.t = t;
	p.s = t->text;
	nul = memchr(t->text, 0, len);
	if (nul) {
		where(&p, (size_t)(nul - t->text), &line, &col);
		errf(err, errlen, name, line, col, "NUL byte in template");
		ret = -EINVAL;
		goto fail;
	}
	ret = tokenize(&p);
	if (!ret)
		ret = list_tags(t);
	if (!ret)
		return t;
fail:
	if (ret == -ENOMEM)
		errf(err, errlen, name, 0, 0, "out of memory");
	tpl_free(t);
	errno = -ret;
	return NULL;
}

void
tpl_free(struct tpl *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		free(t->nodes[i].name);
	free(t->nodes);
	free(t->tags);
	free(t->text);
	free(t->name);
	free(t);
}

const char *
tpl_name(const struct tpl *t)
{
	return t->name;
}

const struct tpl_tag *
tpl_tags(const struct tpl *t, size_t *n)
{
	*n = t->ntags;
	return t->tags;
}

const char *
tpl_kind_name(enum tpl_kind k)
{
	static const char *const names[] = {"variable", "raw", "section", "inverted"};
	return (unsigned)k < 4 ? names[k] : "unknown";
}

const char *
tpl_esc_name(enum tpl_esc e)
{
	static const char *const names[] = {"unquoted", "double-quoted", "single-quoted", "raw"};
	return (unsigned)e < 4 ? names[e] : "unknown";
}

/* --- contexts ------------------------------------------------------------ */

static void
val_clear(struct tpl_val *v)
{
	struct tpl_val *k, *next;

	if (v->type == V_STR) {
		free(v->s);
	} else if (v->type == V_MAP || v->type == V_LIST) {
		for (k = v->kids.head; k; k = next) {
			next = k->next;
			val_clear(k);
			free(k->key);
			free(k);
		}
	}
	memset(&v->kids, 0, sizeof(v->kids));
}

struct tpl_ctx *
tpl_ctx_new(void)
{
	struct tpl_ctx *c = calloc(1, sizeof(*c));

	if (c)
		c->root.type = V_MAP;
	return c;
}

void
tpl_ctx_free(struct tpl_ctx *c)
{
	if (!c)
		return;
	val_clear(&c->root);
	free(c);
}

struct tpl_val *
tpl_ctx_root(struct tpl_ctx *c)
{
	return &c->root;
}

static bool
valid_key(const char *key)
{
	size_t i;

	for (i = 0; key[i]; i++)
		if (i == TPL_NAME_MAX || !name_char(key[i]))
			return false;
	return i > 0;
}

/* The entry key[0..len) of map, or NULL; each entry compared adds one to
 * *work when work is not NULL (a render's budget, TPL_MAX_STEPS). */
static struct tpl_val *
map_get(const struct tpl_val *map, const char *key, size_t len, unsigned long *work)
{
	struct tpl_val *k;

	for (k = map->kids.head; k; k = k->next) {
		if (work)
			++*work;
		if (strncmp(k->key, key, len) == 0 && k->key[len] == 0)
			return k;
	}
	return NULL;
}

static void
append(struct tpl_val *parent, struct tpl_val *v)
{
	if (parent->kids.tail)
		parent->kids.tail->next = v;
	else
		parent->kids.head = v;
	parent->kids.tail = v;
}

/* The entry for key in map, emptied and typed; NULL with errno. */
static struct tpl_val *
map_slot(struct tpl_val *map, const char *key, enum vtype type)
{
	struct tpl_val *v;

	if (!map || map->type != V_MAP || !key || !valid_key(key)) {
		errno = EINVAL;
		return NULL;
	}
	v = map_get(map, key, strlen(key), NULL);
	if (v) {
		val_clear(v);
	} else {
		v = calloc(1, sizeof(*v));
		if (!v || !(v->key = strdup(key))) {
			free(v);
			errno = ENOMEM;
			return NULL;
		}
		append(map, v);
	}
	v->type = type;
	return v;
}

int
tpl_set_str(struct tpl_val *map, const char *key, const char *s)
{
	char *copy;
	struct tpl_val *v;

	if (!s)
		return -EINVAL;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	v = map_slot(map, key, V_STR);
	if (!v) {
		free(copy);
		return -errno;
	}
	v->s = copy;
	return 0;
}

int
tpl_set_bool(struct tpl_val *map, const char *key, bool b)
{
	struct tpl_val *v = map_slot(map, key, V_BOOL);

	if (!v)
		return -errno;
	v->b = b;
	return 0;
}

struct tpl_val *
tpl_set_map(struct tpl_val *map, const char *key)
{
	struct tpl_val *v;

	if (map && map->type == V_MAP && key && valid_key(key)) {
		v = map_get(map, key, strlen(key), NULL);
		if (v && v->type == V_MAP)
			return v;
	}
	return map_slot(map, key, V_MAP);
}

struct tpl_val *
tpl_set_list(struct tpl_val *map, const char *key)
{
	return map_slot(map, key, V_LIST);
}

static struct tpl_val *
list_add(struct tpl_val *list, enum vtype type)
{
	struct tpl_val *v;

	if (!list || list->type != V_LIST) {
		errno = EINVAL;
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		errno = ENOMEM;
		return NULL;
	}
	v->type = type;
	append(list, v);
	return v;
}

struct tpl_val *
tpl_list_add_map(struct tpl_val *list)
{
	return list_add(list, V_MAP);
}

int
tpl_list_add_str(struct tpl_val *list, const char *s)
{
	char *copy;
	struct tpl_val *v;

	if (!s)
		return -EINVAL;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	v = list_add(list, V_STR);
	if (!v) {
		free(copy);
		return -errno;
	}
	v->s = copy;
	return 0;
}

/* --- rendering ----------------------------------------------------------- */

struct render {
	const struct tpl *t;
	const struct tpl_val *stack[TPL_MAX_DEPTH + 1];
	int sp;
	struct strbuf *out; /* NULL when only checking */
	size_t len, max;
	unsigned long steps;
	bool collect; /* report and go on past -EINVAL errors */
	int nerr;
	tpl_err_fn fn;
	void *arg;
	char *err;
	size_t errlen;
};

static const char *
type_name(enum vtype t)
{
	return t == V_STR ? "string" : t == V_BOOL ? "boolean" : t == V_MAP ? "map" : "list";
}

/* Reports an error at nd. 0 when collecting goes on past it, else code. */
static int __attribute__((format(printf, 4, 5)))
fail(struct render *r, const struct node *nd, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "%s:%u:%u: ", r->t->name, nd->line, nd->col);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	r->nerr++;
	if (r->fn)
		r->fn(msg, r->arg);
	if (r->err && r->errlen && r->nerr == 1)
		snprintf(r->err, r->errlen, "%s", msg);
	return r->collect && code == -EINVAL ? 0 : code;
}

static int
emit(struct render *r, const struct node *nd, const char *s, size_t n)
{
	if (n > r->max - r->len)
		return fail(r, nd, -E2BIG, "output would exceed %zu bytes", r->max);
	if (r->out && strbuf_add(r->out, s, n))
		return fail(r, nd, -ENOMEM, "out of memory");
	r->len += n;
	return 0;
}

/*
 * Resolves name on the stack: the value, or NULL with the reason in msg
 * (the first part undefined, a later part missing, or a non-map walked).
 */
static const struct tpl_val *
lookup(struct render *r, const char *name, char *msg, size_t msglen)
{
	const struct tpl_val *v = NULL;
	const char *part = name, *dot;
	size_t plen;
	int i;

	if (strcmp(name, ".") == 0)
		return r->stack[r->sp - 1];
	dot = strchr(part, '.');
	plen = dot ? (size_t)(dot - part) : strlen(part);
	for (i = r->sp - 1; i >= 0 && !v; i--)
		if (r->stack[i]->type == V_MAP)
			v = map_get(r->stack[i], part, plen, &r->steps);
	if (!v) {
		snprintf(msg, msglen, "'%s' is not defined", name);
		return NULL;
	}
	while (dot) {
		const struct tpl_val *in = v;

		part = dot + 1;
		dot = strchr(part, '.');
		plen = dot ? (size_t)(dot - part) : strlen(part);
		if (in->type != V_MAP) {
			snprintf(msg, msglen, "'%s' is not defined ('%.*s' is a %s, not a map)",
				 name, (int)(part - 1 - name), name, type_name(in->type));
			return NULL;
		}
		v = map_get(in, part, plen, &r->steps);
		if (!v) {
			snprintf(msg, msglen, "'%s' is not defined ('%.*s' has no '%.*s')", name,
				 (int)(part - 1 - name), name, (int)plen, part);
			return NULL;
		}
	}
	return v;
}

/* The first byte of s its context refuses, described in buf; or NULL. */
static const char *
refused(const char *s, enum tpl_esc esc, char *buf, size_t buflen)
{
	const unsigned char *u;

	for (u = (const unsigned char *)s; *u; u++) {
		unsigned char c = *u;
		bool ctl = c < 0x20 || c == 0x7f;

		if (esc == TPL_ESC_RAW	    ? (ctl && c != '\t' && c != '\n')
		    : esc == TPL_ESC_DQUOTE ? (ctl || c == '"' || c == '\\')
		    : esc == TPL_ESC_SQUOTE
			? (ctl || c == '\'' || c == '\\')
			: (ctl || c == ' ' || c == '"' || c == '\'' || c == '\\'))
			break;
	}
	switch (*u) {
	case 0:
		return NULL;
	case '\n':
		return "a newline";
	case '\r':
		return "a carriage return";
	case '\t':
		return "a tab";
	case ' ':
		return "a space";
	case '"':
		return "a double quote";
	case '\'':
		return "a single quote";
	case '\\':
		return "a backslash";
	default:
		snprintf(buf, buflen, "control byte 0x%02x", *u);
		return buf;
	}
}

static int
interpolate(struct render *r, const struct node *nd)
{
	char msg[TPL_NAME_MAX * 3 + 64], cb[32];
	const struct tpl_val *v = lookup(r, nd->name, msg, sizeof(msg));
	const char *why;

	if (!v)
		return fail(r, nd, -EINVAL, "%s", msg);
	if (v->type != V_STR)
		return fail(r, nd, -EINVAL, "'%s' is a %s, not a string", nd->name,
			    type_name(v->type));
	why = refused(v->s, nd->esc, cb, sizeof(cb));
	if (why)
		return fail(r, nd, -EINVAL,
			    "value of '%s' contains %s (not allowed in %s %s value)", nd->name, why,
			    nd->esc == TPL_ESC_BARE ? "an" : "a", tpl_esc_name(nd->esc));
	return emit(r, nd, v->s, strlen(v->s));
}

static int render_range(struct render *r, size_t i, size_t end);

static int
section(struct render *r, size_t i)
{
	const struct node *nd = &r->t->nodes[i];
	char msg[TPL_NAME_MAX * 3 + 64];
	const struct tpl_val *v = lookup(r, nd->name, msg, sizeof(msg)), *k;
	bool truthy;
	int ret;

	if (!v)
		return fail(r, nd, -EINVAL, "%s", msg);
	truthy = v->type == V_STR    ? v->s[0] != 0
		 : v->type == V_BOOL ? v->b
		 : v->type == V_LIST ? v->kids.head != NULL
				     : true;
	if (nd->kind == N_INVERTED)
		return truthy ? 0 : render_range(r, i + 1, nd->end);
	if (!truthy)
		return 0;
	if (v->type != V_LIST) {
		r->stack[r->sp++] = v;
		ret = render_range(r, i + 1, nd->end);
		r->sp--;
		return ret;
	}
	for (k = v->kids.head; k; k = k->next) {
		r->stack[r->sp++] = k;
		ret = render_range(r, i + 1, nd->end);
		r->sp--;
		if (ret)
			return ret;
	}
	return 0;
}

/* Renders nodes [i, end), end not inside a section that starts in it. */
static int
render_range(struct render *r, size_t i, size_t end)
{
	const struct node *nd;
	int ret;

	while (i < end) {
		nd = &r->t->nodes[i];
		if (++r->steps > TPL_MAX_STEPS)
			return fail(r, nd, -E2BIG, "rendering takes more than %u steps",
				    TPL_MAX_STEPS);
		switch (nd->kind) {
		case N_TEXT:
			ret = emit(r, nd, r->t->text + nd->off, nd->len);
			break;
		case N_VAR:
		case N_RAW:
			ret = interpolate(r, nd);
			break;
		case N_SECTION:
		case N_INVERTED:
			ret = section(r, i);
			i = nd->end;
			break;
		default:
			ret = 0;
			break;
		}
		if (ret)
			return ret;
		i++;
	}
	return 0;
}

int
tpl_render(const struct tpl *t, const struct tpl_ctx *c, struct strbuf *out, char *err,
	   size_t errlen)
{
	struct render r = {.t = t, .out = out, .max = out->max, .err = err, .errlen = errlen};
	int ret;

	if (err && errlen)
		err[0] = 0;
	r.stack[r.sp++] = &c->root;
	strbuf_reset(out);
	ret = render_range(&r, 0, t->n);
	if (!ret && !out->data && strbuf_add(out, "", 0)) {
		errf(err, errlen, t->name, 0, 0, "out of memory");
		ret = -ENOMEM;
	}
	if (ret)
		strbuf_reset(out);
	return ret;
}

int
tpl_check(const struct tpl *t, const struct tpl_ctx *c, size_t max, tpl_err_fn fn, void *arg)
{
	struct render r = {
	    .t = t, .max = max ? max : TPL_OUT_MAX, .collect = true, .fn = fn, .arg = arg};

	r.stack[r.sp++] = &c->root;
	render_range(&r, 0, t->n);
	return r.nerr;
}
