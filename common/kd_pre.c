/*
 * kd_pre: the line pass that gives md4c a text it parses the way kramdown
 * parses the original (see kd.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "kd.h"

struct line {
	size_t start, end;	/* [start, end) without the newline */
	size_t next;		/* start of the following line */
	size_t body;		/* after the blockquote markers */
	int depth;		/* number of blockquote markers */
};

static void
line_at(const char *s, size_t len, size_t pos, struct line *l)
{
	const char *nl = memchr(s + pos, '\n', len - pos);
	size_t q, b;
	int sp;

	l->start = pos;
	l->end = nl != NULL ? (size_t)(nl - s) : len;
	l->next = nl != NULL ? l->end + 1 : len;
	l->depth = 0;
	b = pos;
	for (;;) {
		q = b;
		for (sp = 0; sp < 3 && q < l->end && s[q] == ' '; sp++)
			q++;
		if (q >= l->end || s[q] != '>')
			break;
		q++;
		if (q < l->end && s[q] == ' ')
			q++;
		b = q;
		l->depth++;
	}
	l->body = b;
}

static int
blank(const char *s, size_t a, size_t b)
{
	for (; a < b; a++)
		if (s[a] != ' ' && s[a] != '\t' && s[a] != '\r')
			return 0;
	return 1;
}

/* The content of a line once up to depth markers are taken off. */
static size_t
strip_depth(const char *s, const struct line *l, int depth)
{
	struct line t;
	size_t b;

	if (depth >= l->depth)
		return l->body;
	/* re-scan, stopping after depth markers */
	t = *l;
	b = t.start;
	while (depth-- > 0) {
		while (b < t.end && s[b] == ' ')
			b++;
		if (b < t.end && s[b] == '>')
			b++;
		if (b < t.end && s[b] == ' ')
			b++;
	}
	return b;
}

static size_t
skip_sp(const char *s, size_t a, size_t b)
{
	while (a < b && (s[a] == ' ' || s[a] == '\t'))
		a++;
	return a;
}

/*
 * "{:" body "}" alone on a line (after indentation). Sets *bs, *be to the
 * body. Not "{::" (extensions) nor "{:/".
 */
static int
is_ial_line(const char *s, size_t a, size_t b, size_t *bs, size_t *be)
{
	size_t i;

	a = skip_sp(s, a, b);
	if (b - a < 4 || s[a] != '{' || s[a + 1] != ':')
		return 0;
	if (s[a + 2] == ':' || s[a + 2] == '/')
		return 0;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' ||
	    s[b - 1] == '\r'))
		b--;
	if (s[b - 1] != '}')
		return 0;
	for (i = a + 2; i < b - 1; i++) {
		if (s[i] == '\\' && i + 1 < b - 1)
			i++;
		else if (s[i] == '}')
			return 0;
	}
	if (b - 1 == a + 2)
		return 0;
	*bs = a + 2;
	*be = b - 1;
	return 1;
}

/* "{:name: attrs}": an attribute list definition. */
static int
is_ald_line(const char *s, size_t a, size_t b, size_t *ns, size_t *ne)
{
	size_t i;

	a = skip_sp(s, a, b);
	if (b - a < 5 || s[a] != '{' || s[a + 1] != ':')
		return 0;
	i = a + 2;
	if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
		return 0;
	while (i < b && (isalnum((unsigned char)s[i]) || s[i] == '_' ||
	    s[i] == '-'))
		i++;
	if (i >= b || s[i] != ':')
		return 0;
	*ns = a + 2;
	*ne = i;
	return 1;
}

static void
mark(struct buf *t, const char *s, const struct line *l, size_t body,
    char kind, size_t n)
{
	buf_add(t, s + l->start, body - l->start);
	buf_printf(t, "# %c%c%zu\n", KD_MARK, kind, n);
}

static size_t
name_len(const char *s, size_t a, size_t b)
{
	size_t i = a;

	if (i >= b || !isalpha((unsigned char)s[i]))
		return 0;
	while (i < b && (isalnum((unsigned char)s[i]) || s[i] == '-' ||
	    s[i] == ':' || s[i] == '_' || s[i] == '.'))
		i++;
	return i - a;
}

/* The end of the tag starting at s[a] == '<' (after '>'), or 0. */
static size_t
tag_end(const char *s, size_t a, size_t len, int *selfclose)
{
	char q = 0;
	size_t i;

	for (i = a + 1; i < len; i++) {
		if (q) {
			if (s[i] == q)
				q = 0;
		} else if (s[i] == '"' || s[i] == '\'') {
			q = s[i];
		} else if (s[i] == '>') {
			*selfclose = s[i - 1] == '/';
			return i + 1;
		} else if (s[i] == '<') {
			return 0;
		}
	}
	return 0;
}

static int
ncase_eq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return 0;
	return 1;
}

/*
 * From just after the start tag of name, the end of its matching closing
 * tag (same-name tags nest), or len when it has none (kramdown closes it
 * at the end of the text).
 */
static size_t
close_tag(const char *s, size_t pos, size_t len, const char *name,
    size_t nl, size_t *cstart)
{
	int depth = 1, sc;
	size_t i = pos, e;

	while (i < len) {
		const char *lt = memchr(s + i, '<', len - i);

		if (lt == NULL)
			break;
		i = lt - s;
		if (i + 4 <= len && memcmp(s + i, "<!--", 4) == 0) {
			const char *end = NULL;
			size_t k;

			for (k = i + 4; k + 3 <= len; k++)
				if (memcmp(s + k, "-->", 3) == 0) {
					end = s + k;
					break;
				}
			if (end == NULL)
				break;
			i = end - s + 3;
			continue;
		}
		if (i + 2 + nl <= len && s[i + 1] == '/' &&
		    ncase_eq(s + i + 2, name, nl) &&
		    name_len(s, i + 2, len) == nl) {
			e = skip_sp(s, i + 2 + nl, len);
			if (e < len && s[e] == '>') {
				if (--depth == 0) {
					*cstart = i;
					return e + 1;
				}
				i = e + 1;
				continue;
			}
		} else if (i + 1 + nl <= len && ncase_eq(s + i + 1, name, nl) &&
		    name_len(s, i + 1, len) == nl) {
			e = tag_end(s, i, len, &sc);
			if (e != 0 && !sc)
				depth++;
			if (e != 0) {
				i = e;
				continue;
			}
		}
		i++;
	}
	*cstart = len;
	return len;
}

static struct kd_raw *
new_raw(struct kd_pre *p)
{
	if (p->nraws == p->craws) {
		p->craws = p->craws ? 2 * p->craws : 8;
		p->raws = xreallocarray(p->raws, p->craws, sizeof(*p->raws));
	}
	memset(&p->raws[p->nraws], 0, sizeof(*p->raws));
	return &p->raws[p->nraws++];
}

/*
 * Block HTML at s[a] (column 0 of a top-level line): a comment or a start
 * tag of a non-span element. Returns the end of the region (the closing
 * tag and the spaces after it), or 0 when this is not block HTML.
 */
static size_t
html_block(struct kd_pre *p, size_t a)
{
	const char *s = p->src;
	size_t len = p->src_len, n, e, ce, cs, i;
	struct kd_raw *r;
	int sc;

	if (a + 4 <= len && memcmp(s + a, "<!--", 4) == 0) {
		for (i = a + 4; i + 3 <= len; i++)
			if (memcmp(s + i, "-->", 3) == 0)
				break;
		e = i + 3 <= len ? i + 3 : len;
		r = new_raw(p);
		r->off = a;
		r->len = e - a;
		return e;
	}
	if (a >= len || s[a] != '<')
		return 0;
	n = name_len(s, a + 1, len);
	if (n == 0 || kd_html_span_name(s + a + 1, n))
		return 0;
	e = tag_end(s, a, len, &sc);
	if (e == 0)
		return 0;
	r = new_raw(p);
	r->off = a;
	r->name_end = a + 1 + n;
	if (sc || kd_html_void_name(s + a + 1, n)) {
		r->len = e - a;
		return e;
	}
	ce = close_tag(s, e, len, s + a + 1, n, &cs);
	r->len = ce - a;
	/* markdown="1" (or "block"): the inside is Markdown */
	for (i = a + 1 + n; i + 10 < e; i++)
		if (memcmp(s + i, "markdown=", 9) == 0 &&
		    (s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '\n')) {
			const char *v = s + i + 9;

			if (strncmp(v, "\"1\"", 3) == 0 ||
			    strncmp(v, "'1'", 3) == 0 ||
			    strncmp(v, "\"block\"", 7) == 0) {
				r->markdown = 1;
				r->in_off = e;
				r->in_len = cs - e;
			}
			break;
		}
	return ce;
}

static void
footnote(struct kd_pre *p, size_t ns, size_t ne, size_t *pos)
{
	const char *s = p->src;
	struct buf t = BUF_INIT;
	struct line l;
	size_t a;
	struct kd_fn *f;

	line_at(s, p->src_len, *pos, &l);
	a = skip_sp(s, ne + 2, l.end);
	buf_add(&t, s + a, l.end - a);
	buf_addc(&t, '\n');
	*pos = l.next;
	while (*pos < p->src_len) {
		size_t save = *pos, k;
		int blanks = 0;

		line_at(s, p->src_len, *pos, &l);
		while (blank(s, l.start, l.end) && l.next < p->src_len) {
			blanks++;
			line_at(s, p->src_len, l.next, &l);
		}
		if (l.end - l.start < 4 || memcmp(s + l.start, "    ", 4) != 0 ||
		    blank(s, l.start, l.end)) {
			*pos = save;
			break;
		}
		for (k = 0; k < (size_t)blanks; k++)
			buf_addc(&t, '\n');
		buf_add(&t, s + l.start + 4, l.end - l.start - 4);
		buf_addc(&t, '\n');
		*pos = l.next;
	}
	if (kd_pre_fn(p, s + ns, ne - ns) != NULL) {
		buf_release(&t);
		return;
	}
	if (p->nfns == p->cfns) {
		p->cfns = p->cfns ? 2 * p->cfns : 8;
		p->fns = xreallocarray(p->fns, p->cfns, sizeof(*p->fns));
	}
	f = &p->fns[p->nfns++];
	f->name = xstrndup(s + ns, ne - ns);
	f->text = buf_detach(&t, NULL);
	if (f->text == NULL)
		f->text = xstrdup("");
	f->nr = 0;
}

struct kd_fn *
kd_pre_fn(struct kd_pre *p, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < p->nfns; i++)
		if (strlen(p->fns[i].name) == len &&
		    memcmp(p->fns[i].name, name, len) == 0)
			return &p->fns[i];
	return NULL;
}

/* "[^name]:" at the start of a top-level line. */
static int
is_fn_def(const char *s, size_t a, size_t b, size_t *ns, size_t *ne)
{
	size_t i;

	if (b - a < 5 || s[a] != '[' || s[a + 1] != '^')
		return 0;
	i = a + 2;
	if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
		return 0;
	while (i < b && (isalnum((unsigned char)s[i]) || s[i] == '_' ||
	    s[i] == '-'))
		i++;
	if (i + 1 >= b || s[i] != ']' || s[i + 1] != ':')
		return 0;
	*ns = a + 2;
	*ne = i;
	return 1;
}

/* A fence opening or closing line: returns its char and sets *n. */
static char
fence(const char *s, size_t a, size_t b, size_t *n)
{
	size_t i;

	a = skip_sp(s, a, b);
	if (a >= b || (s[a] != '`' && s[a] != '~'))
		return 0;
	for (i = a; i < b && s[i] == s[a]; i++)
		;
	if (i - a < 3)
		return 0;
	*n = i - a;
	return s[a];
}

/*
 * A list item line ("* x", "1. x"): returns the column its content starts
 * at, 0 when the line is not one.
 */
static size_t
list_item(const char *s, size_t a, size_t b)
{
	size_t i = skip_sp(s, a, b), m;

	if (i - a > 3 || i >= b)
		return 0;
	m = i;
	if (s[i] == '*' || s[i] == '+' || s[i] == '-') {
		i++;
	} else {
		while (i < b && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == m || i - m > 9 || i >= b || s[i] != '.')
			return 0;
		i++;
	}
	if (i < b && s[i] != ' ' && s[i] != '\t')
		return 0;
	if (i < b)
		i++;
	return i - a;
}

static struct kd_ial *
new_ial(struct kd_pre *p)
{
	struct kd_ial *ial;

	if (p->nials == p->cials) {
		p->cials = p->cials ? 2 * p->cials : 8;
		p->ials = xreallocarray(p->ials, p->cials, sizeof(*p->ials));
	}
	ial = &p->ials[p->nials++];
	memset(ial, 0, sizeof(*ial));
	return ial;
}

/*
 * "## Title {#id}": kramdown's header id. The line is written without it,
 * followed by a marker giving the heading that id.
 */
static int
header_id(struct kd_pre *p, const struct line *l)
{
	const char *s = p->src;
	size_t a = skip_sp(s, l->body, l->end), b = l->end, h, i;
	struct kd_ial *ial;

	for (h = a; h < b && s[h] == '#'; h++)
		;
	if (h == a || h - a > 6 || h >= b || (s[h] != ' ' && s[h] != '\t'))
		return 0;
	while (b > h && (s[b - 1] == ' ' || s[b - 1] == '\t' ||
	    s[b - 1] == '\r'))
		b--;
	if (b < h + 4 || s[b - 1] != '}')
		return 0;
	for (i = b - 2; i > h + 1 && s[i] != '#'; i--)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' ||
		    s[i] == '-' || s[i] == ':'))
			return 0;
	i--;
	if (s[i] != '{' || s[i + 1] != '#' || i + 2 >= b - 1 ||
	    !isalpha((unsigned char)s[i + 2]) || (s[i - 1] != ' ' &&
	    s[i - 1] != '\t'))
		return 0;
	ial = new_ial(p);
	ial->where = KD_IAL_PREV;
	kd_attrs_set(&ial->a, "id", s + i + 2, b - 1 - (i + 2));
	buf_add(&p->text, s + l->start, i - l->start);
	buf_addc(&p->text, '\n');
	mark(&p->text, s, l, l->body, KD_MARK_IAL, p->nials - 1);
	return 1;
}

void
kd_pre_run(struct kd_pre *p, const char *src, size_t len)
{
	struct buf *t = &p->text;
	struct line l, pl = { 0, 0, 0, 0, 0 }, nl;
	size_t pos = 0, bs, be, e, fn_n = 0, n;
	char fch = 0, c;
	int have_prev = 0, prev_blank = 1;
	size_t list_ind = 0;	/* content column of the open list item */

	memset(p, 0, sizeof(*p));
	p->src = src;
	p->src_len = len;
	buf_grow(t, len + len / 8 + 16);
	while (pos < len) {
		line_at(src, len, pos, &l);
		if (fch) {
			c = fence(src, l.body, l.end, &n);
			if (c == fch && n >= fn_n &&
			    blank(src, skip_sp(src, l.body, l.end) + n, l.end))
				fch = 0;
			goto copy;
		}
		if ((c = fence(src, l.body, l.end, &n)) != 0 &&
		    skip_sp(src, l.body, l.end) - l.body < 4) {
			fch = c;
			fn_n = n;
			goto copy;
		}
		if (is_ald_line(src, l.body, l.end, &bs, &be) &&
		    is_ial_line(src, l.body, l.end, &bs, &e)) {
			struct kd_ald *d;
			size_t ns = skip_sp(src, l.body, l.end) + 2;

			if (p->nalds == p->calds) {
				p->calds = p->calds ? 2 * p->calds : 4;
				p->alds = xreallocarray(p->alds, p->calds,
				    sizeof(*p->alds));
			}
			d = &p->alds[p->nalds++];
			d->name = xstrndup(src + ns, be - ns);
			d->attrs = xstrndup(src + be + 1, e - be - 1);
			pos = l.next;
			continue;
		}
		if (is_ial_line(src, l.body, l.end, &bs, &be)) {
			struct kd_ial *ial;
			int prevblank = 1, nextok = 0;

			if (have_prev)
				prevblank = blank(src, strip_depth(src, &pl,
				    l.depth), pl.end);
			if (l.next < len) {
				line_at(src, len, l.next, &nl);
				nextok = nl.depth >= l.depth &&
				    !blank(src, strip_depth(src, &nl, l.depth),
				    nl.end);
			}
			if (!prevblank || nextok) {
				ial = new_ial(p);
				ial->where = prevblank ? KD_IAL_NEXT :
				    KD_IAL_PREV;
				kd_attrs_parse(&ial->a, src + bs, be - bs, p);
				mark(t, src, &l, skip_sp(src, l.body, l.end),
				    KD_MARK_IAL, p->nials - 1);
			}
			pl = l;
			have_prev = 1;
			prev_blank = 0;
			if (skip_sp(src, l.start, l.end) - l.start < 4)
				list_ind = 0;
			pos = l.next;
			continue;
		}
		if (l.depth == 0 && is_fn_def(src, skip_sp(src, l.start,
		    l.end), l.end, &bs, &be) && skip_sp(src, l.start,
		    l.end) - l.start < 4) {
			footnote(p, bs, be, &pos);
			/* keep the paragraph boundary the definition made */
			buf_addc(t, '\n');
			have_prev = 0;
			continue;
		}
		if (l.depth == 0 && l.start < l.end && src[l.start] == '<' &&
		    (e = html_block(p, l.start)) != 0) {
			mark(t, src, &l, l.start, KD_MARK_RAW, p->nraws - 1);
			list_ind = 0;
			prev_blank = 0;
			e = skip_sp(src, e, len);
			if (e < len && src[e] == '\r')
				e++;
			if (e < len && src[e] == '\n')
				e++;
			/* what follows the closing tag starts a new line */
			pl = l;
			have_prev = 1;
			pos = e;
			continue;
		}
		if (blank(src, l.start, l.end)) {
			prev_blank = 1;
		} else if ((n = list_item(src, l.start, l.end)) != 0) {
			list_ind = n;
			prev_blank = 0;
		} else if (list_ind > 0) {
			size_t ind = skip_sp(src, l.start, l.end) - l.start;

			if (ind < list_ind && prev_blank) {
				list_ind = 0;
			} else if (ind < list_ind) {
				/*
				 * kramdown: a lazy line stays in the item,
				 * whatever block it starts
				 */
				for (n = ind; n < list_ind; n++)
					buf_addc(t, ' ');
			}
			prev_blank = 0;
		} else {
			prev_blank = 0;
		}
		if (header_id(p, &l)) {
			pl = l;
			have_prev = 1;
			pos = l.next;
			continue;
		}
copy:
		buf_add(t, src + l.start, l.end - l.start);
		buf_addc(t, '\n');
		pl = l;
		have_prev = 1;
		pos = l.next;
	}
}

void
kd_pre_free(struct kd_pre *p)
{
	size_t i;

	buf_release(&p->text);
	for (i = 0; i < p->nials; i++)
		kd_attrs_free(&p->ials[i].a);
	free(p->ials);
	free(p->raws);
	for (i = 0; i < p->nfns; i++) {
		free(p->fns[i].name);
		free(p->fns[i].text);
	}
	free(p->fns);
	for (i = 0; i < p->nalds; i++) {
		free(p->alds[i].name);
		free(p->alds[i].attrs);
	}
	free(p->alds);
	memset(p, 0, sizeof(*p));
}
