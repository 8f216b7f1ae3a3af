#include "tmpl.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"

/* Sections, parents and blocks open at once in one template source. */
#define MAX_NEST 100

enum node_kind {
	N_TEXT,
	N_VAR,		/* {{x}}: escaped */
	N_RAW,		/* {{{x}}}, {{&x}} */
	N_SECTION,
	N_INVERTED,
	N_PARTIAL,
	N_PARENT,
	N_BLOCK
};

/*
 * A compiled template is a flat array of nodes in source order; a
 * container (section, inverted, parent, block) is followed by its
 * descendants and its `end` is the index past the last of them, so a
 * renderer walks a range and skips a container by jumping to `end`.
 * Text, names and indentation are slices of the template's own copy of
 * its source.
 */
struct node {
	unsigned char kind;
	unsigned char bol;		/* text: starts a source line */
	unsigned char standalone;	/* partial/parent/block: alone on its line */
	unsigned char arg;		/* block: argument of its parent tag */
	unsigned char own_strip;	/* block: default strips its own indent */
	unsigned line, col;
	size_t off, len;		/* text, or the tag's name */
	size_t end;
	size_t ind_off, ind_len;	/* indentation added to expanded lines */
	size_t strip_off, strip_len;	/* block: intrinsic indentation */
	uint64_t hash;			/* partial/parent: hash of the name */
};

struct tmpl {
	char *name;
	size_t name_len;
	uint64_t name_hash;
	char *path;
	char *src;
	size_t len;
	struct node *nodes;
	size_t n;
};

struct tmpl_set {
	struct tmpl **t;
	size_t n, cap;
	char *errpath;		/* path named by the last failed load */
	size_t max_output;
};

static uint64_t
fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* --- compiling ----------------------------------------------------------- */

struct open {
	size_t node;		/* index of the container node */
	size_t at;		/* offset of its tag */
	size_t ls;		/* start of the tag's line */
	int left_clear;		/* only blanks between ls and at */
	int trimmed;		/* its leading blanks already cut */
	size_t prev_text;	/* text node ending at `at`, or SIZE_MAX */
};

struct cstate {
	const char *s;
	size_t len;
	struct node *nodes;
	size_t n, cap;
	struct open stack[MAX_NEST];
	size_t depth;
	size_t otag, olen;	/* delimiters: slices of s, or of "{{}}" */
	size_t ctag, clen;
	const char *dsrc_o, *dsrc_c;
	size_t lc_off;		/* line/column tracking, moving forward */
	unsigned lc_line, lc_col;
	struct ferr *e;
};

static void
linecol(struct cstate *cs, size_t off, unsigned *line, unsigned *col)
{
	for (; cs->lc_off < off; cs->lc_off++) {
		unsigned char c = (unsigned char)cs->s[cs->lc_off];

		if (c == '\n') {
			cs->lc_line++;
			cs->lc_col = 1;
		} else if ((c & 0xc0) != 0x80)
			cs->lc_col++;
	}
	*line = cs->lc_line;
	*col = cs->lc_col;
}

static struct node *
add_node(struct cstate *cs, enum node_kind kind, size_t off, size_t len)
{
	struct node *nd;

	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? cs->cap * 2 : 16;
		cs->nodes = xreallocarray(cs->nodes, cs->cap, sizeof(*nd));
	}
	nd = &cs->nodes[cs->n];
	memset(nd, 0, sizeof(*nd));
	nd->kind = kind;
	nd->off = off;
	nd->len = len;
	nd->end = ++cs->n;
	return nd;
}

/* Inside a parent tag only block tags count; text is dropped. */
static int
in_parent(const struct cstate *cs)
{
	return cs->depth > 0 &&
	    cs->nodes[cs->stack[cs->depth - 1].node].kind == N_PARENT;
}

static void
add_text(struct cstate *cs, size_t from, size_t to)
{
	struct node *nd;

	if (to <= from || in_parent(cs))
		return;
	nd = add_node(cs, N_TEXT, from, to - from);
	nd->bol = from == 0 || cs->s[from - 1] == '\n';
}

/* Only blanks between the start of the line and at; *ls is that start. */
static int
left_clear(const struct cstate *cs, size_t at, size_t *ls)
{
	size_t i = at;

	while (i > 0 && (cs->s[i - 1] == ' ' || cs->s[i - 1] == '\t'))
		i--;
	*ls = i;
	return i == 0 || cs->s[i - 1] == '\n';
}

/* Only blanks then a line end (or the end) after off; *after is past it. */
static int
right_clear(const struct cstate *cs, size_t off, size_t *after)
{
	size_t i = off;

	*after = off;
	while (i < cs->len && (cs->s[i] == ' ' || cs->s[i] == '\t'))
		i++;
	if (i == cs->len)
		*after = i;
	else if (cs->s[i] == '\n')
		*after = i + 1;
	else if (cs->s[i] == '\r' && i + 1 < cs->len && cs->s[i + 1] == '\n')
		*after = i + 2;
	else
		return 0;
	return 1;
}

/* Cuts the blanks [ls, at) off the text node that ends at at, if any. */
static void
trim_prev(struct cstate *cs, size_t ls, size_t at)
{
	struct node *nd;

	if (cs->n == 0 || ls == at)
		return;
	nd = &cs->nodes[cs->n - 1];
	if (nd->kind != N_TEXT || nd->off + nd->len != at)
		return;
	nd->len -= at - ls;
	if (nd->len == 0)
		cs->n--;
}

/* Length of the blanks that start the line at off. */
static size_t
line_indent(const struct cstate *cs, size_t off)
{
	size_t i = off;

	while (i < cs->len && (cs->s[i] == ' ' || cs->s[i] == '\t'))
		i++;
	return i - off;
}

static const char *
delim(const struct cstate *cs, int close)
{
	if (close)
		return cs->dsrc_c != NULL ? cs->dsrc_c + cs->ctag : "}}";
	return cs->dsrc_o != NULL ? cs->dsrc_o + cs->otag : "{{";
}

static const char *
kind_word(enum node_kind k)
{
	switch (k) {
	case N_PARENT:
		return "parent";
	case N_BLOCK:
		return "block";
	default:
		return "section";
	}
}

/* {{=<% %>=}}: content is what lies between the two '='. */
static int
set_delims(struct cstate *cs, size_t off, size_t len, unsigned line,
    unsigned col)
{
	size_t i = off, end = off + len, o, ol, c, cl;

	while (i < end && is_ws(cs->s[i]))
		i++;
	o = i;
	while (i < end && !is_ws(cs->s[i]))
		i++;
	ol = i - o;
	while (i < end && is_ws(cs->s[i]))
		i++;
	c = i;
	while (i < end && !is_ws(cs->s[i]))
		i++;
	cl = i - c;
	while (i < end && is_ws(cs->s[i]))
		i++;
	if (ol == 0 || cl == 0 || i != end ||
	    memchr(cs->s + o, '=', ol) != NULL ||
	    memchr(cs->s + c, '=', cl) != NULL) {
		ferr_set(cs->e, line, col, "bad delimiter change \"%.*s\"",
		    (int)(len > 60 ? 60 : len), cs->s + off);
		return -1;
	}
	cs->dsrc_o = cs->s;
	cs->otag = o;
	cs->olen = ol;
	cs->dsrc_c = cs->s;
	cs->ctag = c;
	cs->clen = cl;
	return 0;
}

/*
 * Opens a section, parent or block; standalone: the tag is alone on its
 * line, whose leading blanks are cut now.
 */
static int
open_container(struct cstate *cs, enum node_kind kind, size_t name,
    size_t nlen, size_t at, int standalone, unsigned line, unsigned col)
{
	struct open *op;
	struct node *nd;
	size_t ls;

	if (cs->depth == MAX_NEST) {
		ferr_set(cs->e, line, col, "sections nested deeper than %d",
		    MAX_NEST);
		return -1;
	}
	op = &cs->stack[cs->depth];
	op->at = at;
	op->left_clear = left_clear(cs, at, &ls);
	op->ls = ls;
	op->trimmed = 0;
	op->prev_text = SIZE_MAX;
	if (standalone) {
		trim_prev(cs, ls, at);
		op->trimmed = 1;
	} else if (cs->n > 0 && cs->nodes[cs->n - 1].kind == N_TEXT &&
	    cs->nodes[cs->n - 1].off + cs->nodes[cs->n - 1].len == at)
		op->prev_text = cs->n - 1;
	nd = add_node(cs, kind, name, nlen);
	nd->line = line;
	nd->col = col;
	if (kind == N_PARTIAL || kind == N_PARENT)
		nd->hash = fnv(FNV_INIT, cs->s + name, nlen);
	op->node = cs->n - 1;
	cs->depth++;
	return 0;
}

/* The strip of the innermost enclosing block that strips its own. */
static void
enclosing_strip(const struct cstate *cs, size_t *off, size_t *len)
{
	size_t i;
	const struct node *nd;

	*off = 0;
	*len = 0;
	for (i = cs->depth; i > 0; i--) {
		nd = &cs->nodes[cs->stack[i - 1].node];
		if (nd->kind == N_BLOCK && nd->own_strip) {
			*off = nd->strip_off;
			*len = nd->strip_len;
			return;
		}
	}
}

/*
 * Handles the tag at `at` whose sigil is sig and whose trimmed content is
 * [name, name + nlen); the tag ends at tag_end. Returns where parsing goes
 * on, or SIZE_MAX on error.
 */
static size_t
tag(struct cstate *cs, char sig, size_t at, size_t tag_end, size_t name,
    size_t nlen)
{
	struct node *nd;
	struct open *op;
	unsigned line, col;
	size_t ls, after, i, eo, el;
	int lc, rc, isarg;

	linecol(cs, at, &line, &col);
	lc = left_clear(cs, at, &ls);
	rc = right_clear(cs, tag_end, &after);
	if (sig != '!' && sig != '=') {
		if (nlen == 0) {
			ferr_set(cs->e, line, col, "empty tag");
			return SIZE_MAX;
		}
		for (i = 0; i < nlen; i++)
			if (is_ws(cs->s[name + i])) {
				ferr_set(cs->e, line, col,
				    "bad tag name \"%.*s\"", (int)nlen,
				    cs->s + name);
				return SIZE_MAX;
			}
	}
	switch (sig) {
	case 0:
	case '&':
	case '{':
		nd = add_node(cs, sig == 0 ? N_VAR : N_RAW, name, nlen);
		nd->line = line;
		nd->col = col;
		if (in_parent(cs))
			cs->n--;
		return tag_end;
	case '!':
	case '=':
		if (sig == '=' && set_delims(cs, name, nlen, line, col) == -1)
			return SIZE_MAX;
		break;
	case '>':
		if (lc && rc && !in_parent(cs))
			trim_prev(cs, ls, at);
		nd = add_node(cs, N_PARTIAL, name, nlen);
		nd->line = line;
		nd->col = col;
		nd->hash = fnv(FNV_INIT, cs->s + name, nlen);
		if (in_parent(cs)) {
			cs->n--;
			break;
		}
		if (lc && rc) {
			nd->standalone = 1;
			nd->ind_off = ls;
			nd->ind_len = at - ls;
			return after;
		}
		return tag_end;
	case '#':
	case '^':
	case '<':
		if (open_container(cs, sig == '#' ? N_SECTION :
		    sig == '^' ? N_INVERTED : N_PARENT, name, nlen, at,
		    lc && rc, line, col) == -1)
			return SIZE_MAX;
		return lc && rc ? after : tag_end;
	case '$':
		isarg = in_parent(cs);
		if (open_container(cs, N_BLOCK, name, nlen, at,
		    !isarg && lc && rc, line, col) == -1)
			return SIZE_MAX;
		nd = &cs->nodes[cs->n - 1];
		nd->arg = (unsigned char)isarg;
		nd->own_strip = 1;
		if (nd->arg) {
			/* an argument: what follows the tag on its line is
			 * outside the content; its intrinsic indentation is
			 * that of the next line */
			if (rc) {
				nd->strip_off = after;
				nd->strip_len = line_indent(cs, after);
				return after;
			}
			return tag_end;
		}
		if (lc && rc) {
			nd->standalone = 1;
			nd->strip_off = after;
			nd->strip_len = line_indent(cs, after);
			/* expanded relative to the block around it */
			cs->depth--;
			enclosing_strip(cs, &eo, &el);
			cs->depth++;
			nd->ind_off = nd->strip_off;
			nd->ind_len = nd->strip_len;
			if (el <= nd->strip_len &&
			    memcmp(cs->s + eo, cs->s + nd->strip_off, el) == 0) {
				nd->ind_off += el;
				nd->ind_len -= el;
			}
			return after;
		}
		nd->own_strip = 0;
		if (lc) {
			nd->ind_off = ls;
			nd->ind_len = at - ls;
		}
		return tag_end;
	case '/':
		if (cs->depth == 0) {
			ferr_set(cs->e, line, col,
			    "close tag \"%.*s\" without an open section",
			    (int)nlen, cs->s + name);
			return SIZE_MAX;
		}
		op = &cs->stack[cs->depth - 1];
		nd = &cs->nodes[op->node];
		if (nd->len != nlen ||
		    memcmp(cs->s + nd->off, cs->s + name, nlen) != 0) {
			ferr_set(cs->e, line, col, "close tag \"%.*s\" does not "
			    "match %s \"%.*s\" opened at line %u, column %u",
			    (int)nlen, cs->s + name, kind_word(nd->kind),
			    (int)nd->len, cs->s + nd->off, nd->line, nd->col);
			return SIZE_MAX;
		}
		if (nd->kind == N_BLOCK && nd->arg) {
			if (lc)
				trim_prev(cs, ls, at);
			cs->depth--;
			nd->end = cs->n;
			return tag_end;
		}
		if (nd->kind == N_PARENT && op->left_clear && rc) {
			/* the whole element stands alone: its indentation
			 * goes to every line of the expansion */
			if (!op->trimmed && op->prev_text != SIZE_MAX) {
				cs->nodes[op->prev_text].len -= op->at - op->ls;
			}
			nd->standalone = 1;
			nd->ind_off = op->ls;
			nd->ind_len = op->at - op->ls;
			cs->depth--;
			nd->end = cs->n;
			return after;
		}
		if (lc && rc)
			trim_prev(cs, ls, at);
		cs->depth--;
		nd->end = cs->n;
		return lc && rc ? after : tag_end;
	default:
		break;
	}
	if (lc && rc) {
		trim_prev(cs, ls, at);
		return after;
	}
	return tag_end;
}

static int
compile(struct tmpl *t, struct ferr *e)
{
	struct cstate cs;
	const char *q;
	size_t pos, at, p, cend, tag_end, name, nlen;
	char sig;
	unsigned line, col;
	struct node *nd;

	memset(&cs, 0, sizeof(cs));
	cs.s = t->src;
	cs.len = t->len;
	cs.olen = 2;
	cs.clen = 2;
	cs.lc_line = 1;
	cs.lc_col = 1;
	cs.e = e;
	pos = 0;
	while (pos < cs.len) {
		q = mem_find(cs.s + pos, cs.len - pos, delim(&cs, 0), cs.olen);
		if (q == NULL) {
			add_text(&cs, pos, cs.len);
			break;
		}
		at = (size_t)(q - cs.s);
		add_text(&cs, pos, at);
		p = at + cs.olen;
		sig = p < cs.len ? cs.s[p] : 0;
		if (sig == '{' || sig == '=') {
			/* "}" or "=" comes right before the close delimiter */
			char need[1] = { sig == '{' ? '}' : '=' };

			q = NULL;
			for (cend = p + 1; cend + 1 + cs.clen <= cs.len;
			    cend++) {
				if (cs.s[cend] == need[0] &&
				    memcmp(cs.s + cend + 1, delim(&cs, 1),
				    cs.clen) == 0) {
					q = cs.s + cend;
					break;
				}
			}
			p++;
			if (q != NULL)
				tag_end = cend + 1 + cs.clen;
		} else {
			if (sig != 0 && strchr("#^/!><$&", sig) != NULL)
				p++;
			else
				sig = 0;
			q = mem_find(cs.s + p, cs.len - p, delim(&cs, 1),
			    cs.clen);
			if (q != NULL)
				tag_end = (size_t)(q - cs.s) + cs.clen;
		}
		if (q == NULL) {
			linecol(&cs, at, &line, &col);
			ferr_set(e, line, col, "unclosed tag \"%.*s\"",
			    (int)cs.olen, delim(&cs, 0));
			goto fail;
		}
		cend = (size_t)(q - cs.s);
		name = p;
		nlen = cend - p;
		while (nlen > 0 && is_ws(cs.s[name])) {
			name++;
			nlen--;
		}
		while (nlen > 0 && is_ws(cs.s[name + nlen - 1]))
			nlen--;
		pos = tag(&cs, sig, at, tag_end, name, nlen);
		if (pos == SIZE_MAX)
			goto fail;
	}
	if (cs.depth > 0) {
		nd = &cs.nodes[cs.stack[cs.depth - 1].node];
		ferr_set(e, nd->line, nd->col, "unclosed %s \"%.*s\"",
		    kind_word(nd->kind), (int)nd->len, cs.s + nd->off);
		goto fail;
	}
	t->nodes = cs.nodes;
	t->n = cs.n;
	return 0;
fail:
	free(cs.nodes);
	return -1;
}

static void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->path);
	free(t->src);
	free(t->nodes);
	free(t);
}

/* --- the set ------------------------------------------------------------- */

struct tmpl_set *
tmpl_set_new(void)
{
	struct tmpl_set *set = xcalloc(1, sizeof(*set));

	set->max_output = TMPL_MAX_OUTPUT;
	return set;
}

void
tmpl_set_max_output(struct tmpl_set *set, size_t max)
{
	set->max_output = max;
}

void
tmpl_set_free(struct tmpl_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		tmpl_free(set->t[i]);
	free(set->t);
	free(set->errpath);
	free(set);
}

static struct tmpl *
lookup_tmpl(const struct tmpl_set *set, const char *name, size_t len,
    uint64_t hash)
{
	size_t i;
	const struct tmpl *t;

	for (i = 0; i < set->n; i++) {
		t = set->t[i];
		if (t->name_hash == hash && t->name_len == len &&
		    memcmp(t->name, name, len) == 0)
			return set->t[i];
	}
	return NULL;
}

static struct tmpl *
lookup_cstr(const struct tmpl_set *set, const char *name)
{
	size_t len = strlen(name);

	return lookup_tmpl(set, name, len, fnv(FNV_INIT, name, len));
}

int
tmpl_set_add(struct tmpl_set *set, const char *name, const char *src,
    size_t len, const char *path, struct ferr *e)
{
	struct tmpl *t, *old;
	size_t i;

	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->name_len = strlen(name);
	t->name_hash = fnv(FNV_INIT, name, t->name_len);
	t->path = xstrdup(path != NULL ? path : name);
	t->src = xstrndup(src, len);
	t->len = len;
	if (compile(t, e) == -1) {
		tmpl_free(t);
		return -1;
	}
	old = lookup_tmpl(set, t->name, t->name_len, t->name_hash);
	if (old != NULL) {
		for (i = 0; i < set->n; i++)
			if (set->t[i] == old)
				set->t[i] = t;
		tmpl_free(old);
		return 0;
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->t = xreallocarray(set->t, set->cap, sizeof(*set->t));
	}
	set->t[set->n++] = t;
	return 0;
}

int
tmpl_has(const struct tmpl_set *set, const char *name)
{
	return lookup_cstr(set, name) != NULL;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
set_errpath(struct tmpl_set *set, const char *path, const char **epath)
{
	free(set->errpath);
	set->errpath = xstrdup(path);
	if (epath != NULL)
		*epath = set->errpath;
}

int
tmpl_set_load_dir(struct tmpl_set *set, const char *dir, struct ferr *e,
    const char **epath)
{
	static const char ext[] = ".mustache";
	const size_t extlen = sizeof(ext) - 1;
	struct buf path = BUF_INIT, src = BUF_INIT;
	struct dirent *de;
	char **names = NULL, err[256];
	size_t n = 0, cap = 0, i, len;
	DIR *d;
	int rc = -1;

	if ((d = opendir(dir)) == NULL) {
		ferr_set(e, 0, 0, "cannot open template directory: %s",
		    strerror(errno));
		set_errpath(set, dir, epath);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= extlen || de->d_name[0] == '.' ||
		    strcmp(de->d_name + len - extlen, ext) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, names[i]);
		if (buf_read_file(&src, path.data, TMPL_MAX_FILE, err,
		    sizeof(err)) == -1) {
			ferr_set(e, 0, 0, "%s", err);
			set_errpath(set, path.data, epath);
			goto out;
		}
		names[i][strlen(names[i]) - extlen] = '\0';
		if (tmpl_set_add(set, names[i], buf_cstr(&src), src.len,
		    path.data, e) == -1) {
			set_errpath(set, path.data, epath);
			goto out;
		}
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_release(&path);
	buf_release(&src);
	return rc;
}

int
tmpl_set_check(struct tmpl_set *set, struct ferr *e, const char **epath)
{
	const struct tmpl *t;
	const struct node *nd;
	size_t i, j;

	for (i = 0; i < set->n; i++) {
		t = set->t[i];
		for (j = 0; j < t->n; j++) {
			nd = &t->nodes[j];
			if (nd->kind != N_PARTIAL && nd->kind != N_PARENT)
				continue;
			if (lookup_tmpl(set, t->src + nd->off, nd->len,
			    nd->hash) != NULL)
				continue;
			ferr_set(e, nd->line, nd->col, "%s \"%.*s\" not found",
			    nd->kind == N_PARTIAL ? "partial" :
			    "parent template", (int)nd->len, t->src + nd->off);
			if (epath != NULL)
				*epath = t->path;
			return -1;
		}
	}
	return 0;
}

/* --- dependencies and hashes --------------------------------------------- */

struct dep {
	const char *name;	/* slice of some template's source or name */
	size_t len;
	const struct tmpl *t;	/* NULL when missing */
};

struct deps {
	struct dep *d;
	size_t n, cap;
};

static int
deps_has(const struct deps *ds, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ds->n; i++)
		if (ds->d[i].len == len && memcmp(ds->d[i].name, name, len) == 0)
			return 1;
	return 0;
}

/* Every template reachable from root, root first, in order met. */
static void
collect(const struct tmpl_set *set, const struct tmpl *root, struct deps *ds)
{
	const struct node *nd;
	const struct tmpl *t;
	size_t k, j;

	ds->n = 0;
	ds->cap = 8;
	ds->d = xreallocarray(NULL, ds->cap, sizeof(*ds->d));
	ds->d[ds->n++] = (struct dep){ root->name, root->name_len, root };
	for (k = 0; k < ds->n; k++) {
		if ((t = ds->d[k].t) == NULL)
			continue;
		for (j = 0; j < t->n; j++) {
			nd = &t->nodes[j];
			if (nd->kind != N_PARTIAL && nd->kind != N_PARENT)
				continue;
			if (deps_has(ds, t->src + nd->off, nd->len))
				continue;
			if (ds->n == ds->cap) {
				ds->cap *= 2;
				ds->d = xreallocarray(ds->d, ds->cap,
				    sizeof(*ds->d));
			}
			ds->d[ds->n++] = (struct dep){ t->src + nd->off,
			    nd->len, lookup_tmpl(set, t->src + nd->off, nd->len,
			    nd->hash) };
		}
	}
}

static int
cmp_dep(const void *a, const void *b)
{
	const struct dep *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

uint64_t
tmpl_set_hash(const struct tmpl_set *set)
{
	uint64_t sum = 0, h;
	size_t i;

	/* A sum of each template's hash: the order of loading drops out. */
	for (i = 0; i < set->n; i++) {
		h = fnv(FNV_INIT, set->t[i]->name, set->t[i]->name_len + 1);
		h = fnv(h, set->t[i]->src, set->t[i]->len);
		sum += h ^ (h >> 29);
	}
	return sum;
}

uint64_t
tmpl_hash(const struct tmpl_set *set, const char *name)
{
	const struct tmpl *root = lookup_cstr(set, name);
	struct deps ds;
	unsigned char lenbuf[8];
	uint64_t h = FNV_INIT, len;
	size_t i, b;

	if (root == NULL)
		return 0;
	collect(set, root, &ds);
	/* the root first, then the others by name: order of use does not
	 * change what is rendered */
	qsort(ds.d + 1, ds.n - 1, sizeof(*ds.d), cmp_dep);
	for (i = 0; i < ds.n; i++) {
		h = fnv(h, ds.d[i].name, ds.d[i].len);
		h = fnv(h, "", 1);
		if (ds.d[i].t == NULL) {
			h = fnv(h, "\1missing", 8);
			continue;
		}
		len = ds.d[i].t->len;
		for (b = 0; b < 8; b++)
			lenbuf[b] = (unsigned char)(len >> (8 * b));
		h = fnv(h, lenbuf, 8);
		h = fnv(h, ds.d[i].t->src, ds.d[i].t->len);
	}
	free(ds.d);
	return h;
}

int
tmpl_uses(const struct tmpl_set *set, const char *name,
    int (*fn)(const char *used, int found, void *arg), void *arg)
{
	const struct tmpl *root = lookup_cstr(set, name);
	struct deps ds;
	char *s;
	size_t i;
	int rc = 0;

	if (root == NULL)
		return -1;
	collect(set, root, &ds);
	for (i = 1; i < ds.n && rc == 0; i++) {
		s = xstrndup(ds.d[i].name, ds.d[i].len);
		rc = fn(s, ds.d[i].t != NULL, arg);
		free(s);
	}
	free(ds.d);
	return rc;
}

/* --- rendering ----------------------------------------------------------- */

/*
 * Everything a render keeps lives on the C stack: the context stack, the
 * indentation prefixes and the chain of parent-tag arguments are linked
 * lists whose links are locals of the recursive calls.
 */
struct ctx {
	const struct value *v;
	const struct ctx *up;
};

struct ind {
	const char *p;
	size_t len;
	const struct ind *up;
};

/* The arguments of one parent tag: direct block children of nodes[at]. */
struct blk {
	const struct tmpl *t;
	size_t at;
	const struct blk *up;
};

struct frame {
	const struct tmpl *t;
	const struct ctx *ctx;
	const struct ind *ind;
	const char *strip;
	size_t striplen;
	const struct blk *blk;
};

struct rstate {
	const struct tmpl_set *set;
	struct buf *out;
	struct ferr *e;
	const char **epath;
	size_t limit;		/* out->len past which the render fails */
	int depth;
	int pending;		/* at a line start, indentation not written */
};

static void
put_ind(struct buf *out, const struct ind *ind)
{
	if (ind == NULL)
		return;
	put_ind(out, ind->up);
	buf_add(out, ind->p, ind->len);
}

static void
put_text(struct rstate *rs, const struct frame *fr, const struct node *nd)
{
	const char *p = fr->t->src + nd->off, *end = p + nd->len, *nl;
	int bol = nd->bol;

	if (fr->ind == NULL && fr->striplen == 0) {
		buf_add(rs->out, p, nd->len);
		if (nd->len > 0)
			rs->pending = p[nd->len - 1] == '\n';
		return;
	}
	while (p < end) {
		if (bol && fr->striplen > 0 &&
		    (size_t)(end - p) >= fr->striplen &&
		    memcmp(p, fr->strip, fr->striplen) == 0)
			p += fr->striplen;
		if (p == end)
			break;
		if (rs->pending) {
			put_ind(rs->out, fr->ind);
			rs->pending = 0;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			buf_add(rs->out, p, (size_t)(end - p));
			break;
		}
		buf_add(rs->out, p, (size_t)(nl + 1 - p));
		p = nl + 1;
		rs->pending = 1;
		bol = 1;
	}
}

/* Civil date from days since 1970-01-01 (proleptic Gregorian). */
static void
civil(long long days, long long *y, unsigned *m, unsigned *d)
{
	long long z = days + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
fmt_time(char *b, size_t sz, const struct vtime *t)
{
	long long local = t->secs + t->offset, days, rem, y;
	unsigned m, d;
	int off = t->offset, sign = '+';

	days = local / 86400;
	rem = local % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil(days, &y, &m, &d);
	if (t->date_only)
		return snprintf(b, sz, "%04lld-%02u-%02u", y, m, d);
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	return snprintf(b, sz, "%04lld-%02u-%02uT%02lld:%02lld:%02lld%c%02d:%02d",
	    y, m, d, rem / 3600, rem / 60 % 60, rem % 60, sign, off / 3600,
	    off / 60 % 60);
}

static int
fmt_float(char *b, size_t sz, double f)
{
	int prec, n = 0;

	for (prec = 1; prec <= 17; prec++) {
		n = snprintf(b, sz, "%.*g", prec, f);
		if (strtod(b, NULL) == f)
			break;
	}
	return n;
}

static void
put_value(struct rstate *rs, const struct frame *fr, const struct value *v,
    int escape)
{
	char tmp[80];
	const char *p = tmp;
	size_t len;
	int n;

	if (v == NULL)
		return;
	switch (v->type) {
	case VAL_STR:
		p = v->u.s.p;
		len = v->u.s.len;
		break;
	case VAL_INT:
		n = snprintf(tmp, sizeof(tmp), "%lld", v->u.i);
		len = (size_t)n;
		break;
	case VAL_FLOAT:
		n = fmt_float(tmp, sizeof(tmp), v->u.f);
		len = (size_t)n;
		break;
	case VAL_BOOL:
		p = v->u.b ? "true" : "false";
		len = strlen(p);
		break;
	case VAL_TIME:
		n = fmt_time(tmp, sizeof(tmp), &v->u.t);
		len = (size_t)n;
		break;
	default:
		return;
	}
	if (len == 0)
		return;
	if (rs->pending) {
		put_ind(rs->out, fr->ind);
		rs->pending = 0;
	}
	if (escape)
		esc_html(rs->out, p, len);
	else
		buf_add(rs->out, p, len);
}

static const struct value *
lookup(const struct ctx *c, const char *name, size_t len)
{
	const struct value *v;
	const char *dot, *end = name + len;
	size_t first;

	if (len == 1 && name[0] == '.')
		return c != NULL ? c->v : NULL;
	dot = memchr(name, '.', len);
	first = dot != NULL ? (size_t)(dot - name) : len;
	for (v = NULL; c != NULL; c = c->up)
		if ((v = value_map_getn(c->v, name, first)) != NULL)
			break;
	while (v != NULL && dot != NULL) {
		name = dot + 1;
		dot = memchr(name, '.', (size_t)(end - name));
		v = value_map_getn(v, name, dot != NULL ?
		    (size_t)(dot - name) : (size_t)(end - name));
	}
	return v;
}

/* The outermost argument for block nd, or NULL. */
static const struct node *
find_arg(const struct blk *b, const char *name, size_t len,
    const struct tmpl **tp)
{
	const struct node *found = NULL, *pn, *nd;
	size_t i;

	for (; b != NULL; b = b->up) {
		pn = &b->t->nodes[b->at];
		for (i = b->at + 1; i < pn->end; i = nd->end) {
			nd = &b->t->nodes[i];
			if (nd->kind == N_BLOCK && nd->len == len &&
			    memcmp(b->t->src + nd->off, name, len) == 0) {
				found = nd;
				*tp = b->t;
			}
		}
	}
	return found;
}

static int render(struct rstate *, const struct frame *, size_t, size_t);

static int
deeper(struct rstate *rs, const struct frame *fr, const struct node *nd)
{
	if (rs->depth < TMPL_MAX_DEPTH) {
		rs->depth++;
		return 0;
	}
	ferr_set(rs->e, nd->line, nd->col, "templates nested deeper than %d "
	    "at \"%.*s\" (recursive partial?)", TMPL_MAX_DEPTH, (int)nd->len,
	    fr->t->src + nd->off);
	if (rs->epath != NULL)
		*rs->epath = fr->t->path;
	return -1;
}

static int
render_section(struct rstate *rs, const struct frame *fr, size_t i)
{
	const struct node *nd = &fr->t->nodes[i];
	const struct value *v = lookup(fr->ctx, fr->t->src + nd->off, nd->len);
	struct frame f = *fr;
	struct ctx c;
	size_t k;

	if (nd->kind == N_INVERTED) {
		if (value_truthy(v))
			return 0;
		return render(rs, fr, i + 1, nd->end);
	}
	if (!value_truthy(v))
		return 0;
	f.ctx = &c;
	c.up = fr->ctx;
	if (v->type != VAL_SEQ) {
		c.v = v;
		return render(rs, &f, i + 1, nd->end);
	}
	for (k = 0; k < v->u.seq.n; k++) {
		c.v = v->u.seq.items[k];
		if (render(rs, &f, i + 1, nd->end) == -1)
			return -1;
	}
	return 0;
}

static int
render_include(struct rstate *rs, const struct frame *fr, size_t i)
{
	const struct node *nd = &fr->t->nodes[i];
	const struct tmpl *t;
	struct frame f = *fr;
	struct ind ind;
	struct blk b;

	t = lookup_tmpl(rs->set, fr->t->src + nd->off, nd->len, nd->hash);
	if (t == NULL)
		return 0;
	f.t = t;
	f.strip = NULL;
	f.striplen = 0;
	if (nd->standalone) {
		rs->pending = 1;
		if (nd->ind_len > 0) {
			ind.p = fr->t->src + nd->ind_off;
			ind.len = nd->ind_len;
			ind.up = fr->ind;
			f.ind = &ind;
		}
	}
	if (nd->kind == N_PARENT) {
		b.t = fr->t;
		b.at = i;
		b.up = fr->blk;
		f.blk = &b;
	}
	return render(rs, &f, 0, t->n);
}

static int
render_block(struct rstate *rs, const struct frame *fr, size_t i)
{
	const struct node *nd = &fr->t->nodes[i], *arg;
	const struct tmpl *at = NULL;
	struct frame f = *fr;
	struct ind ind;

	ind.p = fr->t->src + nd->ind_off;
	ind.len = nd->ind_len;
	ind.up = fr->ind;
	arg = find_arg(fr->blk, fr->t->src + nd->off, nd->len, &at);
	if (arg != NULL) {
		f.t = at;
		f.strip = at->src + arg->strip_off;
		f.striplen = arg->strip_len;
		if (ind.len > 0)
			f.ind = &ind;
		if (nd->standalone)
			rs->pending = 1;
		return render(rs, &f, (size_t)(arg - at->nodes) + 1, arg->end);
	}
	if (nd->own_strip) {
		f.strip = fr->t->src + nd->strip_off;
		f.striplen = nd->strip_len;
		if (ind.len > 0)
			f.ind = &ind;
		if (nd->standalone)
			rs->pending = 1;
	}
	return render(rs, &f, i + 1, nd->end);
}

static int
render(struct rstate *rs, const struct frame *fr, size_t lo, size_t hi)
{
	const struct node *nd;
	size_t i;
	int rc;

	for (i = lo; i < hi; i = nd->end) {
		nd = &fr->t->nodes[i];
		if (rs->out->len > rs->limit) {
			ferr_set(rs->e, nd->line, nd->col, "output larger "
			    "than %zu bytes", rs->set->max_output);
			if (rs->epath != NULL)
				*rs->epath = fr->t->path;
			return -1;
		}
		switch (nd->kind) {
		case N_TEXT:
			put_text(rs, fr, nd);
			continue;
		case N_VAR:
		case N_RAW:
			put_value(rs, fr, lookup(fr->ctx, fr->t->src + nd->off,
			    nd->len), nd->kind == N_VAR);
			continue;
		default:
			break;
		}
		if (deeper(rs, fr, nd) == -1)
			return -1;
		switch (nd->kind) {
		case N_SECTION:
		case N_INVERTED:
			rc = render_section(rs, fr, i);
			break;
		case N_PARTIAL:
		case N_PARENT:
			rc = render_include(rs, fr, i);
			break;
		default:
			rc = render_block(rs, fr, i);
			break;
		}
		rs->depth--;
		if (rc == -1)
			return -1;
	}
	return 0;
}

int
tmpl_render(const struct tmpl_set *set, const char *name,
    const struct value *ctx, struct buf *out, struct ferr *e,
    const char **epath)
{
	const struct tmpl *t = lookup_cstr(set, name);
	struct rstate rs;
	struct frame fr;
	struct ctx c;

	if (t == NULL) {
		ferr_set(e, 0, 0, "no template \"%s\"", name);
		return -1;
	}
	rs.set = set;
	rs.out = out;
	rs.e = e;
	rs.epath = epath;
	rs.depth = 0;
	rs.pending = 1;
	rs.limit = out->len + set->max_output;
	if (rs.limit < out->len)
		rs.limit = SIZE_MAX;
	c.v = ctx;
	c.up = NULL;
	fr.t = t;
	fr.ctx = ctx != NULL ? &c : NULL;
	fr.ind = NULL;
	fr.strip = NULL;
	fr.striplen = 0;
	fr.blk = NULL;
	/* an empty render still leaves a valid C string */
	buf_grow(out, 0);
	out->data[out->len] = '\0';
	return render(&rs, &fr, 0, t->n);
}
