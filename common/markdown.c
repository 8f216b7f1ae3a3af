/*
 * markdown: md4c's parser, our HTML writer (see markdown.h and kd.h).
 *
 * Output is written once, front to back. What is only known later (an IAL
 * on the next line, a heading's id, whether a list item's first paragraph
 * keeps its <p>) is recorded against an element (struct el) and applied
 * in one final pass that splices attributes in and drops cancelled tags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include <md4c.h>

#include "kd.h"
#include "liquid.h"
#include "markdown.h"

#define MAX_NEST_RAW	8	/* markdown="1" inside markdown="1" */

struct el {
	size_t open, attr, open_end;	/* "<", attributes, after ">" */
	size_t close, close_end;	/* the end tag, for dropping */
	struct kd_attrs a;
	char *heading;			/* text, for the auto id */
	int drop;
};

struct item {
	long first_p;	/* el of the item's first paragraph, or -1 */
	int first_is_p;
	int blank_after;	/* a blank line follows that paragraph */
	int nchild;
};

struct frame {
	MD_BLOCKTYPE type;
	long el;
	long last;	/* last closed child */
	long pending;	/* IAL for the next child */
	int nchild;
	int tight;
	size_t items_base;	/* lists: first of their items */
	size_t cap_off;	/* output length at enter (markers) */
};

struct ids {
	char **keys;
	unsigned *count;
	size_t n, cap;	/* open addressing, cap a power of two */
};

struct rnd {
	struct kd_pre pre;
	struct buf *out;
	size_t base;
	struct el *els;
	size_t nels, cels;
	struct frame *fr;
	size_t nfr, cfr;
	struct item *items;
	size_t nitems, citems;
	struct buf run;		/* pending plain text */
	struct buf lit;		/* one flag per byte of run */
	long run_after;		/* el the run directly follows (span IAL) */
	long span_last;		/* el of the last closed a / img */
	struct buf html;	/* pending inline HTML */
	char **itags;		/* open inline HTML tags */
	size_t nitags, citags;
	struct buf *plain;	/* heading text being collected */
	struct buf hplain;
	int in_img;
	struct buf alt;
	const char *src_lo, *src_hi;
	const char *p_end;	/* last text byte seen in a paragraph */
	int nest;
	struct ids *ids;
	int *fn_next;
	size_t em_at;		/* output length just after an <em> */
	char *sp;		/* em/strong: 1 when written swapped */
	size_t nsp, csp;
};

static void
span_push(struct rnd *r, char v)
{
	if (r->nsp == r->csp) {
		r->csp = r->csp ? 2 * r->csp : 16;
		r->sp = xrealloc(r->sp, r->csp);
	}
	r->sp[r->nsp++] = v;
}

static int
span_pop(struct rnd *r)
{
	return r->nsp > 0 ? r->sp[--r->nsp] : 0;
}

static void render_text(struct rnd *, const char *, size_t, int);
static void html_out(struct buf *, const char *, size_t);

static long
el_new(struct rnd *r)
{
	struct el *e;

	if (r->nels == r->cels) {
		r->cels = r->cels ? 2 * r->cels : 64;
		r->els = xreallocarray(r->els, r->cels, sizeof(*r->els));
	}
	e = &r->els[r->nels];
	memset(e, 0, sizeof(*e));
	e->open = e->attr = e->open_end = r->out->len;
	return (long)r->nels++;
}

/* Writes "<tag", records an el, then rest (">" and what follows). */
static long
open_tag(struct rnd *r, const char *tag, const char *rest)
{
	long i = el_new(r);
	struct el *e = &r->els[i];

	buf_addc(r->out, '<');
	buf_adds(r->out, tag);
	e->attr = r->out->len;
	buf_adds(r->out, rest);
	e->open_end = r->out->len;
	return i;
}

static struct frame *
top(struct rnd *r)
{
	return r->nfr ? &r->fr[r->nfr - 1] : NULL;
}

static void
apply_ial(struct rnd *r, long el, size_t ial)
{
	if (el < 0 || (size_t)el >= r->nels || ial >= r->pre.nials)
		return;
	kd_attrs_merge(&r->els[el].a, &r->pre.ials[ial].a);
}

/* --- text ------------------------------------------------------------ */

static void
flush_html(struct rnd *r)
{
	const char *s = r->html.data;
	size_t n = r->html.len, i = 0;

	while (i < n) {
		size_t j, k, nl;
		int closing, sc;
		const char *name;

		if (s[i] != '<') {
			for (j = i; j < n && s[j] != '<'; j++)
				;
			kd_escape(r->out, s + i, j - i, 0);
			i = j;
			continue;
		}
		if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
			for (j = i + 4; j + 3 <= n && memcmp(s + j, "-->", 3);
			    j++)
				;
			j = j + 3 <= n ? j + 3 : n;
			buf_add(r->out, s + i, j - i);
			i = j;
			continue;
		}
		/* the tag's end, outside quoted values */
		{
			char q = 0;

			for (j = i + 1; j < n; j++) {
				if (q) {
					if (s[j] == q)
						q = 0;
				} else if (s[j] == '"' || s[j] == '\'') {
					q = s[j];
				} else if (s[j] == '>') {
					break;
				}
			}
			j = j < n ? j + 1 : n;
		}
		closing = i + 1 < n && s[i + 1] == '/';
		name = s + i + 1 + closing;
		for (nl = 0; name + nl < s + j && (name[nl] == '-' ||
		    name[nl] == ':' || (name[nl] >= 'a' && name[nl] <= 'z') ||
		    (name[nl] >= 'A' && name[nl] <= 'Z') ||
		    (name[nl] >= '0' && name[nl] <= '9')); nl++)
			;
		sc = j >= 2 && s[j - 2] == '/';
		if (closing) {
			for (k = r->nitags; k > 0; k--)
				if (strlen(r->itags[k - 1]) == nl &&
				    strncasecmp(r->itags[k - 1], name, nl) == 0)
					break;
			if (k == 0) {
				/* kramdown: an end tag nothing opened */
				kd_escape(r->out, s + i, j - i, 0);
			} else {
				while (r->nitags >= k)
					free(r->itags[--r->nitags]);
				buf_add(r->out, s + i, j - i);
			}
		} else if (kd_html_block_name(name, nl)) {
			/* kramdown: block tag in span-level text */
			kd_escape(r->out, s + i, j - i, 0);
		} else if (nl == 2 && strncasecmp(name, "br", 2) == 0) {
			buf_adds(r->out, "<br />");
		} else {
			html_out(r->out, s + i, j - i);
			if (!sc && !kd_html_void_name(name, nl)) {
				if (r->nitags == r->citags) {
					r->citags = r->citags ? 2 * r->citags :
					    8;
					r->itags = xreallocarray(r->itags,
					    r->citags, sizeof(*r->itags));
				}
				r->itags[r->nitags++] = xstrndup(name, nl);
			}
		}
		i = j;
	}
	buf_reset(&r->html);
}

static void
footnote_ref(struct rnd *r, struct kd_fn *f)
{
	if (f->nr == 0)
		f->nr = (*r->fn_next)++;
	buf_adds(r->out, "<sup id=\"fnref:");
	kd_escape(r->out, f->name, strlen(f->name), 1);
	buf_adds(r->out, "\" role=\"doc-noteref\"><a href=\"#fn:");
	kd_escape(r->out, f->name, strlen(f->name), 1);
	buf_printf(r->out, "\" class=\"footnote\" rel=\"footnote\">%d</a>"
	    "</sup>", f->nr);
}

static void
flush_run(struct rnd *r)
{
	const char *s = r->run.data;
	size_t n = r->run.len, i, a = 0;
	const unsigned char *lit = (const unsigned char *)r->lit.data;

	if (r->html.len)
		flush_html(r);
	if (n == 0)
		return;
	/* a span IAL right after a link or an image */
	if (r->run_after >= 0 && (size_t)r->run_after < r->nels && n > 3 &&
	    s[0] == '{' && s[1] == ':') {
		for (i = 2; i < n && s[i] != '}' && s[i] != '\n'; i++)
			if (s[i] == '\\')
				i++;
		if (i < n && s[i] == '}') {
			kd_attrs_parse(&r->els[r->run_after].a, s + 2, i - 2,
			    &r->pre);
			a = i + 1;
		}
	}
	for (i = a; i + 3 < n; i++) {
		size_t k;
		struct kd_fn *f;

		if (s[i] != '[' || s[i + 1] != '^')
			continue;
		for (k = i + 2; k < n && s[k] != ']' && s[k] != '\n' &&
		    s[k] != ' '; k++)
			;
		if (k >= n || s[k] != ']' ||
		    (f = kd_pre_fn(&r->pre, s + i + 2, k - i - 2)) == NULL)
			continue;
		kd_typo(r->out, r->plain, s + a, i - a, lit + a);
		footnote_ref(r, f);
		a = i = k + 1;
		i--;
	}
	kd_typo(r->out, r->plain, s + a, n - a, lit + a);
	buf_reset(&r->run);
	buf_reset(&r->lit);
	r->run_after = -1;
}

static void
flush(struct rnd *r)
{
	if (r->run.len)
		flush_run(r);
	else if (r->html.len)
		flush_html(r);
	r->run_after = -1;
}

static void
add_run(struct rnd *r, const char *p, size_t n)
{
	int lit = 0;

	if (r->html.len)
		flush_html(r);
	if (r->run.len == 0)
		r->run_after = r->span_last;
	r->span_last = -1;
	/* md4c drops the backslash of an escape: keep its char literal */
	if (n > 0 && p > r->src_lo && p < r->src_hi && p[-1] == '\\' &&
	    strchr("\"'-.<>", p[0]) != NULL)
		lit = 1;
	buf_add(&r->run, p, n);
	buf_addc(&r->lit, (char)lit);
	if (n > 1) {
		buf_grow(&r->lit, n - 1);
		memset(r->lit.data + r->lit.len, 0, n - 1);
		r->lit.len += n - 1;
		r->lit.data[r->lit.len] = '\0';
	}
}

/* --- blocks ---------------------------------------------------------- */

static struct frame *
push(struct rnd *r, MD_BLOCKTYPE type, long el)
{
	struct frame *f;

	if (r->nfr == r->cfr) {
		r->cfr = r->cfr ? 2 * r->cfr : 32;
		r->fr = xreallocarray(r->fr, r->cfr, sizeof(*r->fr));
	}
	f = &r->fr[r->nfr++];
	memset(f, 0, sizeof(*f));
	f->type = type;
	f->el = el;
	f->last = -1;
	f->pending = -1;
	f->cap_off = r->out->len;
	return f;
}

static int
line_blank_after(struct rnd *r, const char *p)
{
	const char *e = r->src_hi, *q;

	if (p == NULL)
		return 0;
	q = memchr(p, '\n', e - p);
	if (q == NULL)
		return 0;
	for (q++; q < e && *q != '\n'; q++)
		if (*q != ' ' && *q != '\t' && *q != '>' && *q != '\r')
			return 0;
	return q < e || q == e;
}

/*
 * The attributes of a tag up to (not including) its ">", written with
 * valueless ones as name="". Returns the bytes read.
 */
static size_t
tag_rest(struct buf *out, const char *s, size_t n)
{
	size_t i = 0;
	char q;

		while (i < n && s[i] != '>') {
		size_t k;

		if (strchr(" \t\r\n/", s[i])) {
		buf_addc(out, s[i++]);
		continue;
		}
		for (k = i; k < n && !strchr(" \t\r\n/>=", s[k]); k++)
		;
		buf_add(out, s + i, k - i);
		i = k;
		while (k < n && strchr(" \t\r\n", s[k]))
		k++;
		if (k >= n || s[k] != '=') {
		buf_adds(out, "=\"\"");
		continue;
		}
		k++;
		while (k < n && strchr(" \t\r\n", s[k]))
		k++;
		if (k < n && (s[k] == '"' || s[k] == '\'')) {
		q = s[k];
		for (k++; k < n && s[k] != q; k++)
			;
		if (k < n)
			k++;
		} else {
		while (k < n && !strchr(" \t\r\n>", s[k]))
			k++;
		}
		buf_add(out, s + i, k - i);
		i = k;
	}
	return i;
}

/*
 * Copies HTML, writing attributes without a value as name="", the way
 * kramdown writes back the HTML it parsed.
 */
static void
html_out(struct buf *out, const char *s, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		const char *lt = memchr(s + i, '<', n - i);

		if (lt == NULL) {
			buf_add(out, s + i, n - i);
			return;
		}
		j = lt - s;
		buf_add(out, s + i, j - i);
		i = j;
		if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
			for (j = i + 4; j + 3 <= n && memcmp(s + j, "-->", 3);
			    j++)
				;
			j = j + 3 <= n ? j + 3 : n;
			buf_add(out, s + i, j - i);
			i = j;
			continue;
		}
		if (i + 1 >= n || !((s[i + 1] >= 'a' && s[i + 1] <= 'z') ||
		    (s[i + 1] >= 'A' && s[i + 1] <= 'Z'))) {
			buf_addc(out, '<');
			i++;
			continue;
		}
		for (j = i + 1; j < n && !strchr(" \t\r\n/>", s[j]); j++)
			;
		buf_add(out, s + i, j - i);
		i = j + tag_rest(out, s + j, n - j);
		if (i < n)
			buf_addc(out, s[i++]);
	}
}

static void
raw_region(struct rnd *r, size_t idx)
{
	struct kd_raw *w = &r->pre.raws[idx];
	const char *s = r->pre.src;
	struct frame *f = top(r);
	long el = el_new(r);
	size_t w_rest = 0;

	if (w->name_end) {
		buf_add(r->out, s + w->off, w->name_end - w->off);
		r->els[el].attr = r->out->len;
		if (!w->markdown)
			w_rest = tag_rest(r->out, s + w->name_end,
			    w->off + w->len - w->name_end);
	}
	if (w->markdown && r->nest < MAX_NEST_RAW) {
		size_t i, st = w->name_end ? w->name_end : w->off;

		/* the start tag without its markdown attribute */
		for (i = st; i < w->in_off; i++) {
			if (s[i] == ' ' && strncmp(s + i + 1, "markdown=", 9) ==
			    0) {
				char q = s[i + 10];
				const char *e = memchr(s + i + 11, q,
				    w->in_off - i - 11);

				if (e != NULL) {
					i = e - s;
					continue;
				}
			}
			buf_addc(r->out, s[i]);
		}
		buf_addc(r->out, '\n');
		r->nest++;
		render_text(r, s + w->in_off, w->in_len, 1);
		r->nest--;
		buf_add(r->out, s + w->in_off + w->in_len,
		    w->off + w->len - w->in_off - w->in_len);
	} else {
		size_t st = (w->name_end ? w->name_end : w->off) + w_rest;

		html_out(r->out, s + st, w->off + w->len - st);
	}
	buf_addc(r->out, '\n');
	if (f != NULL) {
		if (f->pending >= 0)
			apply_ial(r, el, (size_t)f->pending);
		f->pending = -1;
		f->last = el;
	}
}

static void
marker(struct rnd *r, const char *t, size_t n)
{
	struct frame *f = top(r);
	size_t idx = 0, i;

	for (i = 2; i < n && t[i] >= '0' && t[i] <= '9'; i++)
		idx = idx * 10 + (size_t)(t[i] - '0');
	if (t[1] == KD_MARK_RAW) {
		if (idx < r->pre.nraws)
			raw_region(r, idx);
		return;
	}
	if (f == NULL || idx >= r->pre.nials)
		return;
	if (r->pre.ials[idx].where == KD_IAL_PREV)
		apply_ial(r, f->last, idx);
	else
		f->pending = (long)idx;
}

static void
code_open(struct rnd *r, const MD_BLOCK_CODE_DETAIL *d)
{
	long el = el_new(r);
	size_t i;

	buf_adds(r->out, "<div");
	r->els[el].attr = r->out->len;
	buf_adds(r->out, " class=\"language-");
	if (d != NULL && d->lang.size > 0) {
		for (i = 0; i < d->lang.size; i++)
			if (d->lang.text[i] == ' ')
				break;
		kd_escape(r->out, d->lang.text, i, 1);
	} else {
		buf_adds(r->out, "plaintext");
	}
	buf_adds(r->out, " highlighter-rouge\"><div class=\"highlight\">"
	    "<pre class=\"highlight\"><code>");
	r->els[el].open_end = r->out->len;
	push(r, MD_BLOCK_CODE, el);
}

static const char *
align(MD_ALIGN a)
{
	switch (a) {
	case MD_ALIGN_LEFT:
		return " style=\"text-align: left\"";
	case MD_ALIGN_CENTER:
		return " style=\"text-align: center\"";
	case MD_ALIGN_RIGHT:
		return " style=\"text-align: right\"";
	default:
		return "";
	}
}

static int
enter_block(MD_BLOCKTYPE type, void *detail, void *arg)
{
	struct rnd *r = arg;
	struct frame *f = top(r), *nf;
	long el = -1;
	char tag[16];

	flush(r);
	r->span_last = -1;
	if (f != NULL) {
		if (f->type == MD_BLOCK_LI && f->nchild == 0 &&
		    r->nitems > 0) {
			struct item *it = &r->items[r->nitems - 1];

			it->first_is_p = type == MD_BLOCK_P;
		}
		f->nchild++;
		if (f->type == MD_BLOCK_LI && r->nitems > 0)
			r->items[r->nitems - 1].nchild++;
	}
	/* kramdown starts a list item's blocks on a line of their own */
	if (f != NULL && f->type == MD_BLOCK_LI && r->out->len > 0 &&
	    r->out->data[r->out->len - 1] != '\n')
		buf_addc(r->out, '\n');
	switch (type) {
	case MD_BLOCK_DOC:
		push(r, type, -1);
		return 0;
	case MD_BLOCK_QUOTE:
		el = open_tag(r, "blockquote", ">\n");
		break;
	case MD_BLOCK_UL:
	case MD_BLOCK_OL:
		el = open_tag(r, type == MD_BLOCK_UL ? "ul" : "ol", ">\n");
		nf = push(r, type, el);
		nf->tight = type == MD_BLOCK_UL ?
		    ((MD_BLOCK_UL_DETAIL *)detail)->is_tight :
		    ((MD_BLOCK_OL_DETAIL *)detail)->is_tight;
		nf->items_base = r->nitems;
		return 0;
	case MD_BLOCK_LI:
		el = open_tag(r, "li", ">");
		if (r->nitems == r->citems) {
			r->citems = r->citems ? 2 * r->citems : 16;
			r->items = xreallocarray(r->items, r->citems,
			    sizeof(*r->items));
		}
		memset(&r->items[r->nitems], 0, sizeof(*r->items));
		r->items[r->nitems++].first_p = -1;
		break;
	case MD_BLOCK_HR:
		el = open_tag(r, "hr", " />\n");
		break;
	case MD_BLOCK_H:
		snprintf(tag, sizeof(tag), "h%u",
		    ((MD_BLOCK_H_DETAIL *)detail)->level);
		nf = push(r, type, -1);
		nf->cap_off = r->out->len;
		nf->el = open_tag(r, tag, ">");
		buf_reset(&r->hplain);
		r->plain = &r->hplain;
		return 0;
	case MD_BLOCK_CODE:
		code_open(r, detail);
		return 0;
	case MD_BLOCK_HTML:
		push(r, type, -1);
		return 0;
	case MD_BLOCK_P:
		el = open_tag(r, "p", ">");
		if (f != NULL && f->type == MD_BLOCK_LI && f->nchild == 1 &&
		    r->nitems > 0) {
			r->items[r->nitems - 1].first_p = el;
			/* dropped with the tag when the item is tight */
			if (r->els[el].open > 0 &&
			    r->out->data[r->els[el].open - 1] == '\n')
				r->els[el].open--;
		}
		r->p_end = NULL;
		break;
	case MD_BLOCK_TABLE:
		el = open_tag(r, "table", ">\n");
		break;
	case MD_BLOCK_THEAD:
		buf_adds(r->out, "<thead>\n");
		break;
	case MD_BLOCK_TBODY:
		buf_adds(r->out, "<tbody>\n");
		break;
	case MD_BLOCK_TR:
		buf_adds(r->out, "<tr>\n");
		break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD:
		buf_adds(r->out, type == MD_BLOCK_TH ? "<th" : "<td");
		buf_adds(r->out, align(((MD_BLOCK_TD_DETAIL *)detail)->align));
		buf_addc(r->out, '>');
		break;
	default:
		break;
	}
	push(r, type, el);
	return 0;
}

/* kramdown's rule for which list items lose their first <p>. */
static void
list_done(struct rnd *r, struct frame *f)
{
	size_t i, n = r->nitems - f->items_base;
	struct item *it = r->items + f->items_base;
	int *transp, any_prev = 0;

	if (f->tight || n == 0) {
		r->nitems = f->items_base;
		return;
	}
	transp = xcalloc(n, sizeof(*transp));
	for (i = 0; i < n; i++) {
		int last = i == n - 1, ok;

		if (!it[i].first_is_p || it[i].first_p < 0) {
			any_prev = 1;
			continue;
		}
		ok = !it[i].blank_after || (last && it[i].nchild == 1);
		if (ok && last && n > 1 && !any_prev)
			ok = 0;
		transp[i] = ok;
		if (ok)
			any_prev = 1;
		if (transp[i] && it[i].first_p >= 0 &&
		    (size_t)it[i].first_p < r->nels) {
			struct el *e = &r->els[it[i].first_p];

			e->drop = 1;
			/* kramdown keeps a newline before what follows */
			if (it[i].nchild > 1)
				e->close_end--;
		}
	}
	free(transp);
	r->nitems = f->items_base;
}

static int
leave_block(MD_BLOCKTYPE type, void *detail, void *arg)
{
	struct rnd *r = arg;
	struct frame *f, *parent;
	long el;
	char tag[16];

	flush(r);
	r->span_last = -1;
	while (r->nitags > 0)
		free(r->itags[--r->nitags]);
	if (r->nfr == 0)
		return 0;
	f = &r->fr[--r->nfr];
	parent = top(r);
	el = f->el;
	/*
	 * Elements are only ever appended, except when a heading turns out
	 * to be a marker line: an index past the end must not be used.
	 */
	if (el >= 0 && (size_t)el >= r->nels)
		el = -1;
	switch (type) {
	case MD_BLOCK_DOC:
		return 0;
	case MD_BLOCK_H:
		r->plain = NULL;
		if (r->hplain.len >= 2 && r->hplain.data[0] == KD_MARK) {
			/* a marker line from kd_pre, not a heading */
			buf_truncate(r->out, f->cap_off);
			/* the heading's element and any opened inside it */
			if (el >= 0 && (size_t)el < r->nels)
				r->nels = (size_t)el;
			if (parent != NULL) {
				parent->nchild--;
				if (parent->type == MD_BLOCK_LI &&
				    r->nitems > 0)
					r->items[r->nitems - 1].nchild--;
			}
			marker(r, r->hplain.data, r->hplain.len);
			return 0;
		}
		if (el >= 0)
			r->els[el].heading = xstrndup(r->hplain.data,
			    r->hplain.len);
		snprintf(tag, sizeof(tag), "</h%u>\n",
		    ((MD_BLOCK_H_DETAIL *)detail)->level);
		buf_adds(r->out, tag);
		break;
	case MD_BLOCK_QUOTE:
		buf_adds(r->out, "</blockquote>\n");
		break;
	case MD_BLOCK_UL:
	case MD_BLOCK_OL:
		buf_adds(r->out, type == MD_BLOCK_UL ? "</ul>\n" : "</ol>\n");
		list_done(r, f);
		break;
	case MD_BLOCK_LI:
		buf_adds(r->out, "</li>\n");
		break;
	case MD_BLOCK_CODE:
		buf_adds(r->out, "</code></pre></div></div>\n");
		break;
	case MD_BLOCK_P:
		if (el < 0) {
			buf_adds(r->out, "</p>\n");
			break;
		}
		r->els[el].close = r->out->len;
		buf_adds(r->out, "</p>");
		buf_addc(r->out, '\n');
		r->els[el].close_end = r->out->len;
		if (parent != NULL && parent->type == MD_BLOCK_LI &&
		    r->nitems > 0 && r->items[r->nitems - 1].first_p == el)
			r->items[r->nitems - 1].blank_after =
			    line_blank_after(r, r->p_end);
		break;
	case MD_BLOCK_TABLE:
		buf_adds(r->out, "</table>\n");
		break;
	case MD_BLOCK_THEAD:
		buf_adds(r->out, "</thead>\n");
		break;
	case MD_BLOCK_TBODY:
		buf_adds(r->out, "</tbody>\n");
		break;
	case MD_BLOCK_TR:
		buf_adds(r->out, "</tr>\n");
		break;
	case MD_BLOCK_TH:
		buf_adds(r->out, "</th>\n");
		break;
	case MD_BLOCK_TD:
		buf_adds(r->out, "</td>\n");
		break;
	default:
		break;
	}
	if (parent != NULL && el >= 0) {
		if (parent->pending >= 0)
			apply_ial(r, el, (size_t)parent->pending);
		parent->pending = -1;
		parent->last = el;
	}
	return 0;
}

/* --- spans ----------------------------------------------------------- */

static void
attr_value(struct buf *out, const MD_ATTRIBUTE *a)
{
	struct buf t = BUF_INIT;
	unsigned i;

	for (i = 0; a->substr_offsets[i] < a->size; i++) {
		const char *p = a->text + a->substr_offsets[i];
		size_t n = a->substr_offsets[i + 1] - a->substr_offsets[i];

		if (a->substr_types[i] == MD_TEXT_ENTITY) {
			if (kd_entity(&t, p, n) < 0)
				buf_add(&t, p, n);
		} else if (a->substr_types[i] == MD_TEXT_NULLCHAR) {
			buf_adds(&t, "\xef\xbf\xbd");
		} else {
			buf_add(&t, p, n);
		}
	}
	kd_escape(out, buf_cstr(&t), t.len, 1);
	buf_release(&t);
}

/* A link's or an image's title="...", when it has one. */
static void
title_attr(struct buf *out, const MD_ATTRIBUTE *title)
{
	if (title->size == 0)
		return;
	buf_adds(out, " title=\"");
	attr_value(out, title);
	buf_addc(out, '"');
}

static int
enter_span(MD_SPANTYPE type, void *detail, void *arg)
{
	struct rnd *r = arg;

	if (r->in_img) {
		if (type == MD_SPAN_IMG)
			r->in_img++;
		return 0;
	}
	flush(r);
	r->span_last = -1;
	switch (type) {
	case MD_SPAN_EM:
		buf_adds(r->out, "<em>");
		r->em_at = r->out->len;
		span_push(r, 0);
		break;
	case MD_SPAN_STRONG:
		/* "***x***": kramdown nests em inside strong */
		if (r->em_at == r->out->len && r->nsp > 0 &&
		    r->sp[r->nsp - 1] == 0) {
			buf_truncate(r->out, r->out->len - 4);
			buf_adds(r->out, "<strong><em>");
			r->sp[r->nsp - 1] = 1;
			span_push(r, 1);
		} else {
			buf_adds(r->out, "<strong>");
			span_push(r, 0);
		}
		break;
	case MD_SPAN_DEL:
		buf_adds(r->out, "<del>");
		break;
	case MD_SPAN_CODE:
		buf_adds(r->out, "<code>");
		break;
	case MD_SPAN_U:
		buf_adds(r->out, "<u>");
		break;
	case MD_SPAN_A: {
		MD_SPAN_A_DETAIL *d = detail;
		long el = el_new(r);

		buf_adds(r->out, "<a href=\"");
		attr_value(r->out, &d->href);
		buf_addc(r->out, '"');
		title_attr(r->out, &d->title);
		r->els[el].attr = r->out->len;
		buf_addc(r->out, '>');
		r->els[el].open_end = r->out->len;
		push(r, (MD_BLOCKTYPE)-1, el);
		break;
	}
	case MD_SPAN_IMG: {
		MD_SPAN_IMG_DETAIL *d = detail;
		long el = el_new(r);

		buf_adds(r->out, "<img src=\"");
		attr_value(r->out, &d->src);
		buf_addc(r->out, '"');
		title_attr(r->out, &d->title);
		r->els[el].attr = r->out->len;
		push(r, (MD_BLOCKTYPE)-2, el);
		r->in_img = 1;
		buf_reset(&r->alt);
		break;
	}
	default:
		break;
	}
	return 0;
}

static int
leave_span(MD_SPANTYPE type, void *detail, void *arg)
{
	struct rnd *r = arg;
	long el;

	(void)detail;
	if (r->in_img > 1) {
		if (type == MD_SPAN_IMG)
			r->in_img--;
		return 0;
	}
	flush(r);
	r->span_last = -1;
	switch (type) {
	case MD_SPAN_EM:
		buf_adds(r->out, span_pop(r) ? "</strong>" : "</em>");
		break;
	case MD_SPAN_STRONG:
		buf_adds(r->out, span_pop(r) ? "</em>" : "</strong>");
		break;
	case MD_SPAN_DEL:
		buf_adds(r->out, "</del>");
		break;
	case MD_SPAN_CODE:
		buf_adds(r->out, "</code>");
		break;
	case MD_SPAN_U:
		buf_adds(r->out, "</u>");
		break;
	case MD_SPAN_A:
		buf_adds(r->out, "</a>");
		el = r->nfr > 0 ? r->fr[--r->nfr].el : -1;
		r->span_last = el >= 0 && (size_t)el < r->nels ? el : -1;
		break;
	case MD_SPAN_IMG:
		r->in_img = 0;
		el = r->nfr > 0 ? r->fr[--r->nfr].el : -1;
		/*
		 * An element dropped since (a heading that was a marker line)
		 * leaves nothing to put the alt text in.
		 */
		if (el < 0 || (size_t)el >= r->nels) {
			buf_adds(r->out, " />");
			break;
		}
		/* the alt text goes before the attributes the IAL adds */
		{
			struct el *e = &r->els[el];
			struct buf tail = BUF_INIT;

			buf_add(&tail, r->out->data + e->attr,
			    r->out->len - e->attr);
			buf_truncate(r->out, e->attr);
			buf_adds(r->out, " alt=\"");
			kd_escape(r->out, buf_cstr(&r->alt), r->alt.len, 1);
			buf_addc(r->out, '"');
			buf_add(r->out, buf_cstr(&tail), tail.len);
			buf_release(&tail);
			e->attr = r->out->len;
		}
		buf_adds(r->out, " />");
		r->span_last = el;
		break;
	default:
		break;
	}
	return 0;
}

static int
on_text(MD_TEXTTYPE type, const MD_CHAR *p, MD_SIZE n, void *arg)
{
	struct rnd *r = arg;

	if (p >= r->src_lo && p + n <= r->src_hi && p + n > r->p_end)
		r->p_end = p + n;
	if (r->in_img) {
		if (type == MD_TEXT_ENTITY && kd_entity(&r->alt, p, n) == 0)
			return 0;
		buf_add(&r->alt, type == MD_TEXT_NULLCHAR ? "\xef\xbf\xbd" : p,
		    type == MD_TEXT_NULLCHAR ? 3 : n);
		return 0;
	}
	switch (type) {
	case MD_TEXT_NORMAL:
		add_run(r, p, n);
		break;
	case MD_TEXT_SOFTBR:
		add_run(r, "\n", 1);
		break;
	case MD_TEXT_NULLCHAR:
		add_run(r, "\xef\xbf\xbd", 3);
		break;
	case MD_TEXT_HTML:
		if (r->run.len)
			flush_run(r);
		r->span_last = -1;
		buf_add(&r->html, p, n);
		break;
	case MD_TEXT_BR:
		flush(r);
		r->span_last = -1;
		buf_adds(r->out, "<br />\n");
		break;
	case MD_TEXT_ENTITY: {
		struct buf t = BUF_INIT;

		flush(r);
		r->span_last = -1;
		if (kd_entity(&t, p, n) == 0) {
			kd_escape(r->out, t.data, t.len, 0);
			if (r->plain != NULL)
				buf_add(r->plain, t.data, t.len);
		} else {
			buf_add(r->out, p, n);
		}
		buf_release(&t);
		break;
	}
	case MD_TEXT_CODE:
	default:
		flush(r);
		r->span_last = -1;
		kd_escape(r->out, p, n, 0);
		if (r->plain != NULL)
			buf_add(r->plain, p, n);
		break;
	}
	return 0;
}

/* --- driver ---------------------------------------------------------- */

static size_t
hash(const char *s)
{
	size_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* kramdown's @id_counter: the number of times base was asked for. */
static unsigned
ids_bump(struct ids *t, const char *base)
{
	size_t i;

	if (2 * (t->n + 1) > t->cap) {
		struct ids nt = { NULL, NULL, 0, t->cap ? 2 * t->cap : 64 };
		size_t j;

		nt.keys = xcalloc(nt.cap, sizeof(*nt.keys));
		nt.count = xcalloc(nt.cap, sizeof(*nt.count));
		for (j = 0; j < t->cap; j++) {
			if (t->keys[j] == NULL)
				continue;
			for (i = hash(t->keys[j]) & (nt.cap - 1);
			    nt.keys[i] != NULL; i = (i + 1) & (nt.cap - 1))
				;
			nt.keys[i] = t->keys[j];
			nt.count[i] = t->count[j];
		}
		free(t->keys);
		free(t->count);
		nt.n = t->n;
		*t = nt;
	}
	for (i = hash(base) & (t->cap - 1); t->keys[i] != NULL;
	    i = (i + 1) & (t->cap - 1))
		if (strcmp(t->keys[i], base) == 0)
			return ++t->count[i];
	t->keys[i] = xstrdup(base);
	t->count[i] = 0;
	t->n++;
	return 0;
}

static void
ids_free(struct ids *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->keys[i]);
	free(t->keys);
	free(t->count);
}

struct ev {
	size_t off;
	size_t end;	/* deletions */
	long el;	/* insertions, -1 for a deletion */
};

static int
ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return (x->el > y->el) - (x->el < y->el);
}

/* Splices the recorded attributes into out from base on. */
static void
finish(struct rnd *r)
{
	struct ev *ev = xcalloc(2 * r->nels + 1, sizeof(*ev));
	size_t nev = 0, i, pos;
	struct buf res = BUF_INIT, id = BUF_INIT;

	for (i = 0; i < r->nels; i++) {
		struct el *e = &r->els[i];

		if (e->heading != NULL && kd_attrs_get(&e->a, "id") == NULL) {
			unsigned c;

			buf_reset(&id);
			kd_gfm_id(&id, e->heading, strlen(e->heading));
			c = ids_bump(r->ids, buf_cstr(&id));
			if (c > 0)
				buf_printf(&id, "-%u", c);
			kd_attrs_set(&e->a, "id", buf_cstr(&id), id.len);
		}
		if (e->drop) {
			ev[nev++] = (struct ev){ e->open, e->open_end, -1 };
			ev[nev++] = (struct ev){ e->close, e->close_end, -1 };
		} else if (e->a.n > 0) {
			ev[nev++] = (struct ev){ e->attr, e->attr, (long)i };
		}
	}
	if (nev == 0)
		goto out;
	qsort(ev, nev, sizeof(*ev), ev_cmp);
	pos = r->base;
	buf_grow(&res, r->out->len - r->base + 64);
	for (i = 0; i < nev; i++) {
		if (ev[i].off < pos)
			continue;
		buf_add(&res, r->out->data + pos, ev[i].off - pos);
		pos = ev[i].off;
		if (ev[i].el < 0)
			pos = ev[i].end;
		else
			kd_attrs_write(&res, &r->els[ev[i].el].a);
	}
	buf_add(&res, r->out->data + pos, r->out->len - pos);
	buf_truncate(r->out, r->base);
	buf_add(r->out, buf_cstr(&res), res.len);
out:
	buf_release(&res);
	buf_release(&id);
	free(ev);
}

static int
render_doc(struct rnd *r, const char *text, size_t len)
{
	MD_PARSER parser;
	size_t i;
	int rc;

	memset(&parser, 0, sizeof(parser));
	parser.flags = MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH |
	    MD_FLAG_NOHTMLBLOCKS;
	parser.enter_block = enter_block;
	parser.leave_block = leave_block;
	parser.enter_span = enter_span;
	parser.leave_span = leave_span;
	parser.text = on_text;
	r->run_after = r->span_last = -1;
	kd_pre_run(&r->pre, text, len);
	r->src_lo = r->pre.text.data;
	r->src_hi = r->pre.text.data + r->pre.text.len;
	rc = md_parse(r->pre.text.data, (MD_SIZE)r->pre.text.len, &parser, r);
	flush(r);
	finish(r);
	for (i = 0; i < r->nels; i++) {
		kd_attrs_free(&r->els[i].a);
		free(r->els[i].heading);
	}
	return rc;
}

static void
rnd_free(struct rnd *r)
{
	free(r->els);
	free(r->fr);
	free(r->items);
	free(r->sp);
	buf_release(&r->run);
	buf_release(&r->lit);
	buf_release(&r->html);
	while (r->nitags > 0)
		free(r->itags[--r->nitags]);
	free(r->itags);
	buf_release(&r->hplain);
	buf_release(&r->alt);
	kd_pre_free(&r->pre);
}

/* Renders text into parent's output with a renderer of its own. */
static void
render_text(struct rnd *parent, const char *text, size_t len, int nested)
{
	struct rnd r;

	(void)nested;
	memset(&r, 0, sizeof(r));
	r.out = parent->out;
	r.base = r.out->len;
	r.ids = parent->ids;
	r.fn_next = parent->fn_next;
	r.nest = parent->nest;
	render_doc(&r, text, len);
	rnd_free(&r);
}

/* kramdown's footnote list, in the order of first reference. */
static void
footnotes(struct rnd *r)
{
	size_t i;
	int nr, any = 0;

	for (nr = 1; nr < *r->fn_next; nr++) {
		struct kd_fn *f = NULL;
		struct buf h = BUF_INIT;
		struct rnd sub;

		for (i = 0; i < r->pre.nfns; i++)
			if (r->pre.fns[i].nr == nr)
				f = &r->pre.fns[i];
		if (f == NULL)
			continue;
		if (!any)
			buf_adds(r->out, "<div class=\"footnotes\" "
			    "role=\"doc-endnotes\">\n<ol>\n");
		any = 1;
		buf_adds(r->out, "<li id=\"fn:");
		kd_escape(r->out, f->name, strlen(f->name), 1);
		buf_adds(r->out, "\">\n");
		memset(&sub, 0, sizeof(sub));
		sub.out = &h;
		sub.ids = r->ids;
		sub.fn_next = r->fn_next;
		sub.nest = r->nest + 1;
		render_doc(&sub, f->text, strlen(f->text));
		rnd_free(&sub);
		while (h.len > 0 && h.data[h.len - 1] == '\n')
			h.len--;
		if (h.len >= 4 && memcmp(h.data + h.len - 4, "</p>", 4) == 0)
			h.len -= 4;
		buf_add(r->out, h.data, h.len);
		buf_adds(r->out, "\xc2\xa0<a href=\"#fnref:");
		kd_escape(r->out, f->name, strlen(f->name), 1);
		buf_adds(r->out, "\" class=\"reversefootnote\" "
		    "role=\"doc-backlink\">\xe2\x86\xa9</a>");
		if (h.len >= 3 && memcmp(h.data, "<p>", 3) == 0)
			buf_adds(r->out, "</p>");
		buf_adds(r->out, "\n</li>\n");
		buf_release(&h);
	}
	if (any)
		buf_adds(r->out, "</ol>\n</div>\n");
}

int
mkd_render(struct buf *out, const char *text, size_t len,
    unsigned first_line, const struct mkd_ctx *ctx, struct ferr *e)
{
	struct buf lq = BUF_INIT;
	struct ids ids;
	struct rnd r;
	int fn_next = 1, rc = 0;

	if (ctx != NULL && (ctx->flags & MKD_LIQUID)) {
		struct liquid_ctx lc;

		lc.path = ctx->path;
		lc.site = ctx->site;
		lc.page = ctx->page;
		lc.resolve = ctx->resolve;
		lc.warn = ctx->warn;
		lc.arg = ctx->arg;
		if (liquid_render(&lq, text, len, first_line, &lc, e) < 0) {
			buf_release(&lq);
			return -1;
		}
		text = buf_cstr(&lq);
		len = lq.len;
	}
	memset(&ids, 0, sizeof(ids));
	memset(&r, 0, sizeof(r));
	r.out = out;
	r.base = out->len;
	r.ids = &ids;
	r.fn_next = &fn_next;
	buf_grow(out, len + len / 4 + 64);
	if (render_doc(&r, text, len) != 0) {
		ferr_set(e, first_line, 1, "markdown parser failed");
		rc = -1;
	} else {
		footnotes(&r);
	}
	if (out->data != NULL)
		out->data[out->len] = '\0';	/* even when nothing was added */
	rnd_free(&r);
	ids_free(&ids);
	buf_release(&lq);
	return rc;
}
