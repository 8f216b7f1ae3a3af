#include "site.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "date.h"
#include "cache.h"
#include "docread.h"
#include "fm.h"
#include "log.h"
#include "permalink.h"
#include "siteconf.h"
#include "store.h"
#include "tree.h"

#define IX_MAGIC "FDX3"
#define IX_HEAD 24	/* magic, configuration, earliest left out, mode */
#define READ_AHEAD_MIN 64	/* fewer documents: the main thread reads them */

/*
 * The front matter fields a publish reads of every document, to know
 * where it is listed and under which URLs: its sketch, kept in the site
 * index. Everything else is read only for a response that shows it.
 */
static const char *const sketch_keys[] = { "title", "layout", "permalink",
	"redirect_from", "redirect_to", "tags", "categories", "sitemap",
	"event_start_date", "event_end_date", NULL };

/* An entry of the stored site index. */
struct ixref {
	struct doc_ix x;
	struct str raw;
};

static void
doc_free(struct doc *d)
{
	if (d == NULL)
		return;
	if (!d->packed) {	/* else the strings are in d's allocation */
		free(d->path);
		free(d->relpath);
		free(d->name);
		free(d->ext);
		free(d->url);
	}
	value_free(d->page_ctx);
	value_free(d->fm);
	value_free(d->sketch);
	buf_release(&d->body);
	buf_release(&d->body_html);
	buf_release(&d->lede_html);
	free(d);
}

/* Undoes the percent-encoding of a permalink: keys hold the URL as nginx
 * passes DOCUMENT_URI, decoded. */
static void
url_decode(struct buf *out, const char *p)
{
	static const char hex[] = "0123456789abcdef0123456789ABCDEF";
	const char *h, *l;

	buf_reset(out);
	for (; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] != '\0' && p[2] != '\0' &&
		    (h = strchr(hex, p[1])) != NULL &&
		    (l = strchr(hex, p[2])) != NULL) {
			buf_addc(out, (char)(((h - hex) % 16) << 4 |
			    ((l - hex) % 16)));
			p += 2;
		} else {
			buf_addc(out, *p);
		}
	}
}

/* The URL of d from its collection's permalink (or its own). */
static int
doc_url(struct site *s, struct doc *d)
{
	const struct value *pv = value_map_get(d->fm, "permalink");
	const char *pattern = value_str(pv), *slug;
	const struct value *cv;
	struct permalink_vars vars;
	struct buf path = BUF_INIT, url = BUF_INIT;
	struct str cats[64];
	struct ferr e;
	struct tm tm;
	size_t i;
	int rc;

	if (pattern == NULL)
		pattern = d->col->permalink;
	if (pattern == NULL)
		pattern = strcmp(d->col->label, "posts") == 0 ?
		    "/:categories/:year/:month/:day/:title:output_ext" :
		    "/:collection/:path:output_ext";
	memset(&vars, 0, sizeof(vars));
	slug = value_str(value_map_get(d->fm, "slug"));
	vars.slug_src = str_from(slug != NULL && slug[0] ? slug : d->name);
	vars.name = str_from(d->name);
	/* :path is the path inside the collection, without extension. */
	buf_add(&path, d->relpath + strlen(d->col->label) + 1,
	    strlen(d->relpath) - strlen(d->col->label) - 1 - strlen(d->ext));
	vars.path = str_make(path.data, path.len);
	vars.collection = str_from(d->col->label);
	cv = value_map_get(d->fm, "categories");
	if (cv == NULL || cv->type == VAL_NULL)
		cv = value_map_get(d->fm, "category");
	if (value_str(cv) != NULL && cv->u.s.len > 0) {
		cats[0] = str_make(cv->u.s.p, cv->u.s.len);
		vars.ncategories = 1;
	}
	for (i = 0; value_is_seq(cv) && i < cv->u.seq.n && i < 64; i++)
		if (value_str(cv->u.seq.items[i]) != NULL)
			cats[vars.ncategories++] = str_make(
			    cv->u.seq.items[i]->u.s.p,
			    cv->u.seq.items[i]->u.s.len);
	vars.categories = cats;
	vars.output_ext = str_from(".html");
	if (d->has_date && date_local(&d->date, &tm) == 0) {
		vars.has_date = 1;
		vars.year = tm.tm_year + 1900;
		vars.month = tm.tm_mon + 1;
		vars.day = tm.tm_mday;
		vars.hour = tm.tm_hour;
		vars.minute = tm.tm_min;
		vars.second = tm.tm_sec;
		vars.yday = tm.tm_yday + 1;
	}
	rc = permalink_expand(&url, pattern, &vars, &e);
	if (rc == -1) {
		/* At the permalink, else the slug, else the document itself. */
		if (e.line == 0) {
			const struct value *at = pv != NULL ? pv :
			    value_map_get(d->fm, "slug");

			e.line = at != NULL ? at->line : 1;
			e.col = at != NULL ? at->col : 1;
		}
		log_ferr(d->path, &e);
		s->nerrors++;
	} else {
		url_decode(&path, url.data);
		d->url = buf_detach(&path, NULL);
	}
	buf_release(&path);
	buf_release(&url);
	return rc;
}

/* The date: front matter first, then a YYYY-MM-DD- file name. */
static int
doc_date(struct site *s, struct doc *d, int fdate, int y, int m, int dd)
{
	const struct value *v = value_map_get(d->fm, "date");
	struct tm tm;

	if (v != NULL && v->type == VAL_TIME) {
		d->date = v->u.t;
		d->has_date = 1;
	} else if (v != NULL && v->type != VAL_NULL) {
		log_at(LOG_LVL_ERROR, d->path, v->line, v->col,
		    "'date' is not a valid date");
		s->nerrors++;
		return -1;
	} else if (fdate) {
		/* A date as written, like a date-only YAML value. */
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = dd;
		d->date.secs = (long long)timegm(&tm);
		d->date.offset = 0;
		d->date.date_only = 1;
		d->has_date = 1;
	}
	return 0;
}

/*
 * The document as the last publish knew it, when the file has not changed
 * since (or, with keep_going after an error, whatever it was). 0, or -1
 * when there is no usable record.
 */
static int
doc_from_cache(struct site *s, struct doc *d, const struct site_opts *opts,
    int stale_ok)
{
	struct buf raw = BUF_INIT;
	struct doc_rec r;
	const unsigned char *p;
	int rc = -1;

	if (opts->pub == NULL ||
	    pub_get(opts->pub, OUT_SRC, d->relpath, strlen(d->relpath),
	    &raw) != 0 || cache_rec_parse(raw.data, raw.len, &r) == -1)
		goto out;
	if (!stale_ok && (r.cfg != s->cfg || r.mtime_ns != d->mtime_ns ||
	    r.size != d->size || r.ino != d->ino))
		goto out;
	p = (const unsigned char *)r.fm.p;
	d->fm = cache_get_value(&p, p + r.fm.len);
	if (d->fm == NULL)
		goto out;
	d->src_hash = r.src_hash;
	d->flags = r.flags;
	d->body_line = r.body_line;
	if (r.flags & CACHE_LINKS)
		buf_add(&d->body, r.text.p, r.text.len);
	d->cached = 1;
	rc = 0;
out:
	buf_release(&raw);
	return rc;
}

/* Whether d is dated in the future and left out (future: false). */
static int
left_for_later(struct site *s, const struct doc *d,
    const struct collection *c, const struct site_opts *opts)
{
	if (d->has_date && !opts->all && !s->future &&
	    d->date.secs > opts->now && strcmp(c->label, "evenements") != 0) {
		log_info("%s: dated in the future; left out (future: false)",
		    d->path);
		/* The site index remembers when to look for it again. */
		if (s->later == 0 || d->date.secs < s->later)
			s->later = d->date.secs;
		return 1;
	}
	return 0;
}

static int
str_order(const struct str *a, const struct str *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->p, b->p, n);

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static int
ix_cmp(const struct str *a, const char *b)
{
	struct str sb = str_from(b);

	return str_order(a, &sb);
}

static const struct ixref *
ix_find(struct site *s, const char *relpath)
{
	size_t lo = 0, hi = s->nix, mid;
	int c;

	/* Files come in the index's order: try the entry after the last. */
	if (s->ixnext < s->nix &&
	    ix_cmp(&s->ix[s->ixnext].x.relpath, relpath) == 0)
		return &s->ix[s->ixnext++];
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = ix_cmp(&s->ix[mid].x.relpath, relpath);
		if (c == 0) {
			s->ixnext = mid + 1;
			return &s->ix[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Reads the site index of the last publish, if it was made alike. */
static void
ix_load(struct site *s, const struct site_opts *opts)
{
	const unsigned char *p, *end;
	struct ixref e;
	size_t cap = 0;

	if (opts->pub == NULL || opts->full ||
	    pub_index_get(opts->pub, SITE_INDEX_KEY, &s->ixbuf) != 0)
		return;
	p = (const unsigned char *)s->ixbuf.data;
	end = p + s->ixbuf.len;
	if (s->ixbuf.len < IX_HEAD || memcmp(p, IX_MAGIC, 4) != 0 ||
	    store_get64(p + 4) != s->cfg)
		goto drop;
	s->ix_later = (int64_t)store_get64(p + 12);
	s->ix_mode = store_get32(p + 20);
	/* Room for the smallest entries: pages never touched cost nothing. */
	cap = s->ixbuf.len / 32 + 16;
	s->ix = xreallocarray(NULL, cap, sizeof(*s->ix));
	for (p += IX_HEAD; p < end; s->nix++) {
		if (cache_ix_next(&p, end, &e.x, &e.raw) == -1)
			goto drop;
		if (s->nix == cap) {
			cap = cap ? cap * 2 : 1024;
			s->ix = xreallocarray(s->ix, cap, sizeof(*s->ix));
		}
		s->ix[s->nix] = e;
		/* In order, or not used at all. */
		if (s->nix > 0 && str_order(&s->ix[s->nix - 1].x.relpath,
		    &e.x.relpath) >= 0)
			goto drop;
	}
	return;
drop:
	free(s->ix);
	s->ix = NULL;
	s->nix = 0;
	buf_release(&s->ixbuf);
}

/*
 * The document as the site index has it (entry e), when its file has not
 * changed (f): a stub (see site.h) whose sketch stands for the front
 * matter once read, in one allocation with its strings. NULL when the
 * file must be read.
 */
static struct doc *
stub_new(const struct site *s, const struct collection *c,
    const struct tree_file *f, const struct ixref *e)
{
	const struct doc_ix *x = e != NULL ? &e->x : NULL;
	size_t dl = strlen(s->dir), rl, el;
	const char *rel, *ext;
	struct doc *d;
	char *p;

	if (x == NULL || (x->mtime_ns == 0 && x->size == 0 && x->ino == 0) ||
	    x->mtime_ns != f->mtime_ns || x->size != f->size ||
	    x->ino != f->ino || (x->flags & CACHE_LINKS))
		return NULL;
	rel = f->path;
	rl = strlen(rel);
	ext = strrchr(rel, '.');
	el = strlen(ext);
	d = xcalloc(1, sizeof(*d) + dl + rl + 2 + rl + 1 + x->name.len + 1 +
	    el + 1 + x->url.len + 1);
	p = (char *)(d + 1);
	d->path = p;
	memcpy(p, s->dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, rel, rl + 1);
	p += dl + rl + 2;
	d->relpath = memcpy(p, rel, rl + 1);
	p += rl + 1;
	d->name = memcpy(p, x->name.p, x->name.len);
	p[x->name.len] = '\0';
	p += x->name.len + 1;
	d->ext = memcpy(p, ext, el + 1);
	p += el + 1;
	d->url = memcpy(p, x->url.p, x->url.len);
	p[x->url.len] = '\0';
	d->packed = 1;
	d->col = c;
	d->mtime_ns = f->mtime_ns;
	d->size = f->size;
	d->ino = f->ino;
	d->stub = 1;
	d->partial = 1;
	d->skraw = x->sketch;
	d->src_hash = x->src_hash;
	d->flags = x->flags;
	d->body_line = x->body_line;
	d->has_date = x->has_date;
	d->date.secs = x->date_secs;
	d->date.offset = x->date_offset;
	d->date.date_only = x->date_only;
	d->title = "";
	d->ix = e->raw;
	d->cached = 1;
	return d;
}

static void
set_title(struct doc *d)
{
	d->title = value_str(value_map_get(d->fm, "title"));
	if (d->title == NULL)
		d->title = "";
}

int
site_doc_sketch(struct site *s, struct doc *d)
{
	const unsigned char *p = (const unsigned char *)d->skraw.p;

	if (!d->stub)
		return 0;
	d->stub = 0;
	d->fm = cache_get_value(&p, p + d->skraw.len);
	if (d->fm == NULL || d->fm->type != VAL_MAP) {
		value_free(d->fm);
		d->fm = value_new(VAL_MAP, 0, 0);
		log_at(LOG_LVL_ERROR, d->path, 0, 0, "the site index is "
		    "damaged; publish again with --full");
		s->nerrors++;
		return -1;
	}
	set_title(d);
	return 0;
}

int
site_sketch_all(struct site *s)
{
	size_t i;
	int n = 0;

	for (i = 0; i < s->ndocs; i++)
		if (s->docs[i]->stub && site_doc_sketch(s, s->docs[i]) == -1)
			n++;
	return n;
}

int
site_doc_full(struct site *s, struct doc *d)
{
	struct buf raw = BUF_INIT;
	struct doc_rec r;
	struct value *fm = NULL;
	const unsigned char *p;

	if (!d->partial)
		return 0;
	if (s->pub != NULL &&
	    pub_get(s->pub, OUT_SRC, d->relpath, strlen(d->relpath),
	    &raw) == 0 && cache_rec_parse(raw.data, raw.len, &r) == 0) {
		p = (const unsigned char *)r.fm.p;
		fm = cache_get_value(&p, p + r.fm.len);
	}
	buf_release(&raw);
	if (fm == NULL) {
		/*
		 * Said once; the sketch stands in while nothing is published.
		 * Unsaid when the publish itself failed (a full map: it is
		 * done again with a larger one).
		 */
		if (s->pub == NULL || !pub_failed(s->pub))
			log_at(LOG_LVL_ERROR, d->path, 0, 0, "the stored front "
			    "matter is missing; publish again with --full");
		s->nerrors++;
		site_doc_sketch(s, d);
		d->partial = 0;
		return -1;
	}
	d->sketch = d->fm;
	d->fm = fm;
	d->stub = 0;
	d->partial = 0;
	set_title(d);
	return 0;
}

static struct value *
sketch_of(const struct value *fm)
{
	struct value *m = value_new(VAL_MAP, fm->line, fm->col);
	const struct value *v;
	size_t i;

	for (i = 0; sketch_keys[i] != NULL; i++)
		if ((v = value_map_get(fm, sketch_keys[i])) != NULL)
			value_map_set(m, sketch_keys[i],
			    strlen(sketch_keys[i]), value_clone(v));
	return m;
}

static int
str_is(const struct str *a, const char *b)
{
	return a->len == strlen(b) && memcmp(a->p, b, a->len) == 0;
}

/*
 * Whether d, read again, is placed where its index entry e says (its
 * sketch says the same, wherever in the file it is written now).
 */
static int
same_place(const struct doc *d, const struct ixref *e)
{
	struct buf sk = BUF_INIT, old = BUF_INIT;
	const unsigned char *p = (const unsigned char *)e->x.sketch.p;
	struct value *m;
	int same;

	/* (Whether a body links to other pages is known once it is
	 * rendered: not a place.) */
	if (d->kept || !str_is(&e->x.url, d->url) ||
	    !str_is(&e->x.name, d->name) ||
	    (e->x.flags & ~(uint32_t)CACHE_LINKS) !=
	    (d->flags & ~(uint32_t)CACHE_LINKS) ||
	    e->x.has_date != (uint8_t)d->has_date ||
	    e->x.date_secs != d->date.secs ||
	    e->x.date_offset != d->date.offset ||
	    e->x.date_only != (uint8_t)d->date.date_only)
		return 0;
	m = sketch_of(d->fm);
	cache_value_sig(&sk, m);
	value_free(m);
	m = cache_get_value(&p, p + e->x.sketch.len);
	same = m != NULL;
	if (m != NULL)
		cache_value_sig(&old, m);
	value_free(m);
	same = same && sk.len == old.len &&
	    memcmp(sk.data, old.data, sk.len) == 0;
	buf_release(&sk);
	buf_release(&old);
	return same;
}

int
site_same_shape(const struct site *s, struct doc ***changed, size_t *n)
{
	struct doc **v = NULL;
	size_t i, nv = 0, cap = 0;

	*changed = NULL;
	*n = 0;
	if (s->ix == NULL || s->ndocs != s->nix)
		return 0;
	for (i = 0; i < s->ndocs; i++) {
		const struct doc *d = s->docs[i];

		if (d->ix.len > 0 && d->ix.p == s->ix[i].raw.p)
			continue;
		/* One that links to others, read from "src" unchanged. */
		if (d->cached && !d->kept && str_is(&s->ix[i].x.relpath,
		    d->relpath) && s->ix[i].x.src_hash == d->src_hash &&
		    s->ix[i].x.mtime_ns == d->mtime_ns &&
		    s->ix[i].x.size == d->size && s->ix[i].x.ino == d->ino &&
		    (s->ix[i].x.mtime_ns | s->ix[i].x.size | s->ix[i].x.ino))
			continue;
		if (d->fm == NULL || !str_is(&s->ix[i].x.relpath, d->relpath) ||
		    !same_place(d, &s->ix[i])) {
			free(v);
			return 0;
		}
		if (nv == cap) {
			cap = cap ? cap * 2 : 8;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[nv++] = s->docs[i];
	}
	*changed = v;
	*n = nv;
	return 1;
}

/* Appends the site index entry of d, read again this time, to out. */
static void
ix_entry(const struct doc *d, struct buf *out)
{
	struct buf sk = BUF_INIT;
	struct doc_ix x;
	struct value *m;

	memset(&x, 0, sizeof(x));
	x.relpath = str_from(d->relpath);
	x.url = str_from(d->url);
	x.name = str_from(d->name);
	if (!d->kept) {		/* a kept one is read again */
		x.mtime_ns = d->mtime_ns;
		x.size = d->size;
		x.ino = d->ino;
	}
	x.src_hash = d->src_hash;
	x.flags = d->flags;
	x.body_line = d->body_line;
	x.has_date = (uint8_t)d->has_date;
	x.date_secs = d->date.secs;
	x.date_offset = d->date.offset;
	x.date_only = (uint8_t)d->date.date_only;
	m = sketch_of(d->fm);
	cache_put_value(&sk, m);
	value_free(m);
	x.sketch = str_make(buf_cstr(&sk), sk.len);
	cache_ix_put(out, &x);
	buf_release(&sk);
}

void
site_index_store(struct site *s, struct pub *pub)
{
	struct buf out = BUF_INIT;
	unsigned char b8[8];
	uint8_t *same;
	size_t i, j, k, n, np, *at;

	/*
	 * Part 0 is the head, part k + 1 the entries of documents
	 * [k * SITE_INDEX_PART, (k + 1) * SITE_INDEX_PART). A part whose
	 * documents are the stored entries at the same places is the stored
	 * part: it is neither made again nor compared.
	 */
	np = 1 + (s->ndocs + SITE_INDEX_PART - 1) / SITE_INDEX_PART;
	same = xcalloc(np, 1);
	at = xcalloc(np + 1, sizeof(*at));
	buf_add(&out, IX_MAGIC, 4);
	store_put64(b8, s->cfg);
	buf_add(&out, b8, 8);
	store_put64(b8, (uint64_t)s->later);
	buf_add(&out, b8, 8);
	store_put32(b8, s->mode);
	buf_add(&out, b8, 4);
	same[0] = s->ix != NULL && s->ixbuf.len >= IX_HEAD &&
	    memcmp(s->ixbuf.data, out.data, IX_HEAD) == 0;
	at[1] = out.len;
	for (k = 1; k < np; k++) {
		i = (k - 1) * SITE_INDEX_PART;
		n = s->ndocs - i < SITE_INDEX_PART ? s->ndocs - i :
		    SITE_INDEX_PART;
		same[k] = s->nix == s->ndocs;
		for (j = i; j < i + n && same[k]; j++)
			same[k] = s->docs[j]->ix.len > 0 &&
			    s->docs[j]->ix.p == s->ix[j].raw.p;
		for (j = i; j < i + n && !same[k]; j++) {
			if (s->docs[j]->ix.len > 0)
				buf_add(&out, s->docs[j]->ix.p,
				    s->docs[j]->ix.len);
			else
				ix_entry(s->docs[j], &out);
		}
		at[k + 1] = out.len;
	}
	pub_index_put_parts(pub, SITE_INDEX_KEY, out.data, at, np, same);
	if (s->walked && (s->dirs_now.len != s->dirs.raw.len ||
	    memcmp(s->dirs_now.data, s->dirs.raw.data, s->dirs_now.len) != 0))
		pub_index_put(pub, SITE_DIRS_KEY, s->dirs_now.data,
		    s->dirs_now.len);
	free(same);
	free(at);
	buf_release(&out);
}

/* Reads one document; NULL when it is left out or broken (reported). */
static struct doc *
doc_load(struct site *s, const struct collection *c, const struct tree_file *f,
    const struct site_opts *opts, struct doc_text *pre)
{
	const char *relpath = f->path;
	struct doc_text own;
	struct doc *d;
	const struct value *v;
	const char *base, *dot;
	int y, m, dd, fdate;
	size_t rest;

	fm_doc_init(&own.fd);
	if ((d = stub_new(s, c, f, ix_find(s, relpath))) != NULL) {
		if (left_for_later(s, d, c, opts))
			goto drop;
		return d;
	}
	d = xcalloc(1, sizeof(*d));
	d->col = c;
	d->relpath = xstrdup(relpath);
	{
		size_t dl = strlen(s->dir), rl = strlen(relpath);

		d->path = xmalloc(dl + rl + 2);
		memcpy(d->path, s->dir, dl);
		d->path[dl] = '/';
		memcpy(d->path + dl + 1, relpath, rl + 1);
	}
	base = strrchr(relpath, '/');
	base = base != NULL ? base + 1 : relpath;
	dot = strrchr(base, '.');
	d->name = xstrndup(base, (size_t)(dot - base));
	d->ext = xstrdup(dot);
	/*
	 * The file's identity: a change of content changes mtime or size,
	 * a replacement (editors, git checkout) the inode.
	 */
	d->mtime_ns = f->mtime_ns;
	d->size = f->size;
	d->ino = f->ino;
	if (!opts->full && doc_from_cache(s, d, opts, 0) == 0)
		goto parsed;
	if (pre == NULL) {
		doc_text_read(&own, d->path, FM_MAX_FILE);
		pre = &own;
	}
	if (pre->rc == -1) {
		log_at(LOG_LVL_ERROR, d->path, 0, 0, "%s", pre->err);
		goto broken;
	}
	d->src_hash = pre->hash;
	if (pre->rc == -2) {
		log_ferr(d->path, &pre->e);
		goto broken;
	}
	d->fm = pre->fd.fm;
	d->body = pre->fd.body;
	d->body_line = pre->fd.body_line;
	fm_doc_init(&pre->fd);
	siteconf_apply_defaults(s, c->label, relpath, d->fm);
parsed:
	v = value_map_get(d->fm, "published");
	if (v != NULL && v->type == VAL_BOOL && !v->u.b && !opts->all)
		goto drop;
	/* The file name's date never takes part in :title. */
	fdate = permalink_filename_date(d->name, strlen(d->name), &y, &m, &dd,
	    &rest) == 0;
	if (fdate)
		memmove(d->name, d->name + rest, strlen(d->name + rest) + 1);
	if (doc_date(s, d, fdate, y, m, dd) == -1)
		goto drop;
	if (left_for_later(s, d, c, opts))
		goto drop;
	/* A title is text; a number is written as text, a list is an error. */
	v = value_map_get(d->fm, "title");
	if (v != NULL && (v->type == VAL_INT || v->type == VAL_FLOAT ||
	    v->type == VAL_BOOL)) {
		struct buf t = BUF_INIT;
		struct value *nv;

		value_text(&t, v);
		nv = value_new_str(buf_cstr(&t), t.len);
		nv->line = v->line;
		nv->col = v->col;
		value_map_set(d->fm, "title", 5, nv);
		v = nv;
		buf_release(&t);
	} else if (v != NULL && v->type != VAL_STR && v->type != VAL_NULL) {
		log_at(LOG_LVL_ERROR, d->path, v->line, v->col,
		    "'title' must be text, not a %s",
		    v->type == VAL_SEQ ? "list" : v->type == VAL_MAP ?
		    "mapping" : "date");
		goto broken;
	}
	d->title = value_str(v);
	if (d->title == NULL)
		d->title = "";
	if (doc_url(s, d) == -1)
		goto drop;
	doc_text_release(&own);
	return d;
broken:
	s->nbroken++;
	/* --keep-going: the last good version stays published. */
	value_free(d->fm);
	d->fm = NULL;
	buf_reset(&d->body);
	if (opts->keep_going && !d->kept && doc_from_cache(s, d, opts, 1) == 0) {
		log_warn("%s: keeping the version published before", d->path);
		d->kept = 1;
		goto parsed;
	}
	if (!opts->keep_going)
		s->nerrors++;
drop:
	doc_text_release(&own);
	doc_free(d);
	return NULL;
}

static int
cmp_doc_url(const void *a, const void *b)
{
	const struct doc *x = *(struct doc *const *)a;
	const struct doc *y = *(struct doc *const *)b;
	int c = strcmp(x->url, y->url);

	return c != 0 ? c : strcmp(x->relpath, y->relpath);
}

/*
 * Whether a document may claim a URL the last publish did not give it:
 * the site index had no two documents on one URL (it is only stored by a
 * publish), so if every document has its entry's URL none do now.
 */
static int
new_urls(struct site *s)
{
	const struct ixref *e;
	size_t i;

	if (s->ix == NULL || s->ndocs > s->nix)
		return 1;
	for (i = 0; i < s->ndocs; i++) {
		const struct doc *d = s->docs[i];

		if (d->ix.len > 0)
			continue;
		e = ix_find(s, d->relpath);
		if (e == NULL || e->x.url.len != strlen(d->url) ||
		    memcmp(e->x.url.p, d->url, e->x.url.len) != 0)
			return 1;
	}
	return 0;
}

/* Whether two documents have one URL (a table of URL hashes, then names). */
static int
urls_clash(const struct site *s)
{
	size_t *slot, n = 16, i, j;
	uint64_t h;
	int clash = 0;

	while (n < s->ndocs * 2)
		n *= 2;
	slot = xcalloc(n, sizeof(*slot));
	for (i = 0; i < s->ndocs && !clash; i++) {
		h = store_hash(STORE_FNV0, s->docs[i]->url,
		    strlen(s->docs[i]->url));
		for (j = h & (n - 1); slot[j] != 0; j = (j + 1) & (n - 1))
			if (strcmp(s->docs[slot[j] - 1]->url,
			    s->docs[i]->url) == 0) {
				clash = 1;
				break;
			}
		slot[j] = i + 1;
	}
	free(slot);
	return clash;
}

static int
cmp_col(const void *a, const void *b)
{
	return strcmp((*(struct collection *const *)a)->label,
	    (*(struct collection *const *)b)->label);
}

static int
cmp_doc_path(const void *a, const void *b)
{
	return strcmp((*(struct doc *const *)a)->relpath,
	    (*(struct doc *const *)b)->relpath);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_changed(const struct site_opts *opts, const char *relpath)
{
	return bsearch(&relpath, opts->changed, opts->nchanged,
	    sizeof(*opts->changed), cmp_str) != NULL;
}

/*
 * Whether walk() of the folder dir ("_x/") would reach relpath ("_x/a/b.md")
 * as a Markdown file: no name in it hidden (".", "#") or a backup ("~"),
 * no deeper than TREE_MAX_DEPTH folders, and each folder a folder, not a link
 * to one (they are lstat'ed).
 */
static int
walkable(const struct site *s, const char *relpath, const char *dir)
{
	struct buf full = BUF_INIT;
	struct stat st;
	const char *p, *slash;
	size_t n;
	int depth = 0, ok;

	ok = strncmp(relpath, dir, strlen(dir)) == 0 && tree_is_doc(relpath);
	for (p = relpath + strlen(dir); ok; p = slash + 1) {
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || p[0] == '.' || p[0] == '#' || p[n - 1] == '~')
			ok = 0;
		if (!ok || slash == NULL)
			break;
		buf_reset(&full);
		buf_printf(&full, "%s/%.*s", s->dir, (int)(slash - relpath),
		    relpath);
		if (++depth > TREE_MAX_DEPTH || lstat(full.data, &st) == -1 ||
		    !S_ISDIR(st.st_mode))
			ok = 0;
	}
	buf_release(&full);
	return ok;
}

/*
 * Adds relpath of folder dir as lstat finds it now (a file named as
 * changed), when walk() would have found it.
 */
static void
found_now(struct site *s, const char *relpath, const char *dir,
    struct tree_list *out)
{
	struct stat st;
	struct buf full = BUF_INIT;

	if (!walkable(s, relpath, dir))
		return;
	buf_printf(&full, "%s/%s", s->dir, relpath);
	if (lstat(full.data, &st) == 0) {
		if (S_ISREG(st.st_mode))
			tree_add(out, xstrdup(relpath), &st);
		else if (!S_ISDIR(st.st_mode))
			log_at(LOG_LVL_WARN, full.data, 0, 0,
			    "not a regular file; skipped");
	}
	buf_release(&full);
}

/*
 * What walk() would find under dir ("_x/"), without walking: the files of
 * the site index there as it has them, but those named as changed as
 * they are now, and the ones named that it does not have.
 */
static void
found_in(struct site *s, const char *dir, const struct site_opts *opts,
    struct tree_list *out, struct buf *names)
{
	size_t dl = strlen(dir);
	struct stat st;
	size_t lo = 0, hi = s->nix, mid, len = strlen(dir), i, first, at;
	struct str sd = str_make(dir, len);
	char *base;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (str_order(&s->ix[mid].x.relpath, &sd) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The paths, one after the other in names: filled once, it does not
	 * move, and the caller keeps it while pl borrows them. */
	for (i = lo; i < s->nix && s->ix[i].x.relpath.len >= len &&
	    memcmp(s->ix[i].x.relpath.p, dir, len) == 0; i++)
		;
	buf_reset(names);
	for (first = lo; first < i; first++) {
		buf_add(names, s->ix[first].x.relpath.p,
		    s->ix[first].x.relpath.len);
		buf_addc(names, '\0');
	}
	base = names->data;
	for (at = 0, first = i, i = lo; i < first; i++) {
		const struct doc_ix *x = &s->ix[i].x;
		char *rel = base + at;

		at += x->relpath.len + 1;
		if (is_changed(opts, rel) ||
		    (x->mtime_ns == 0 && x->size == 0 && x->ino == 0)) {
			found_now(s, rel, dir, out);
			continue;
		}
		memset(&st, 0, sizeof(st));
		st.st_mtim.tv_sec = (time_t)(x->mtime_ns / 1000000000u);
		st.st_mtim.tv_nsec = (long)(x->mtime_ns % 1000000000u);
		st.st_size = (off_t)x->size;
		st.st_ino = (ino_t)x->ino;
		tree_add(out, rel, &st);
		out->v[out->n - 1].borrowed = 1;
	}
	for (i = 0; i < opts->nchanged; i++)
		if (strncmp(opts->changed[i], dir, dl) == 0 &&
		    ix_find(s, opts->changed[i]) == NULL)
			found_now(s, opts->changed[i], dir, out);
}

/*
 * Whether the caller's list of changed files can stand for a walk: a site
 * index of this configuration and these options, no document left for
 * later now due, and no Markdown file named that looks like a document of
 * the site seen from elsewhere ("content/_actualites/x.md": the list is
 * not relative to the site).
 */
static int
trust_changed(const struct site *s, const struct site_opts *opts)
{
	struct buf pat = BUF_INIT;
	size_t i, c;
	int ok;

	ok = opts->changed != NULL && s->ix != NULL && s->ix_mode == s->mode &&
	    (s->ix_later == 0 || s->ix_later > opts->now);
	for (i = 0; ok && i < opts->nchanged; i++) {
		if (!tree_is_doc(opts->changed[i]))
			continue;
		for (c = 0; ok && c < s->ncols; c++) {
			buf_reset(&pat);
			buf_printf(&pat, "/_%s/", s->cols[c].label);
			if (strstr(opts->changed[i], pat.data) != NULL)
				ok = 0;
		}
	}
	buf_release(&pat);
	return ok;
}

/* The walks of the collections' folders, shared by two threads. */
struct walks {
	const struct site *s;
	struct collection *const *order;
	struct tree_list *lists;	/* per collection, in order */
	int drafts;
	int64_t now_ns;		/* the wall clock as they start */
	size_t next;
	pthread_mutex_t mu;
};

static void *
walks_run(void *arg)
{
	struct walks *w = arg;
	struct buf rel = BUF_INIT;
	size_t k;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		k = w->next++;
		pthread_mutex_unlock(&w->mu);
		if (k >= w->s->ncols)
			break;
		if (!w->order[k]->output)
			continue;
		buf_reset(&rel);
		buf_printf(&rel, "_%s", w->order[k]->label);
		tree_walk(w->s->dir, rel.data, &w->s->dirs, w->now_ns,
		    &w->lists[k]);
		if (w->drafts && strcmp(w->order[k]->label, "posts") == 0)
			tree_walk(w->s->dir, "_drafts", &w->s->dirs, w->now_ns,
			    &w->lists[k]);
	}
	buf_release(&rel);
	return NULL;
}

/*
 * Walks every output collection's folder into lists (in order): two
 * folders at a time, as the walk is all readdir and stat, work in the
 * kernel that two cores share.
 */
static void
walk_all(const struct site *s, struct collection *const *order,
    struct tree_list *lists, int drafts)
{
	struct walks w;
	struct timespec ts;
	pthread_t th;
	int two;

	memset(&w, 0, sizeof(w));
	w.s = s;
	w.order = order;
	w.lists = lists;
	w.drafts = drafts;
	clock_gettime(CLOCK_REALTIME, &ts);
	w.now_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	pthread_mutex_init(&w.mu, NULL);
	two = s->ncols > 1 && pthread_create(&th, NULL, walks_run, &w) == 0;
	walks_run(&w);
	if (two)
		pthread_join(th, NULL);
	pthread_mutex_destroy(&w.mu);
}

/* The walk started by site_open(), on a thread of its own. */
struct prewalk {
	pthread_t th;
	int started;
	const struct site *s;
	struct collection **order;
	struct tree_list *lists;
	int drafts;
	/* Waiting for site_give_dirs(): wait set, given not yet. */
	int wait, given;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void *
prewalk_run(void *arg)
{
	struct prewalk *w = arg;

	if (w->wait) {
		pthread_mutex_lock(&w->mu);
		while (!w->given)
			pthread_cond_wait(&w->cv, &w->mu);
		pthread_mutex_unlock(&w->mu);
	}
	walk_all(w->s, w->order, w->lists, w->drafts);
	return NULL;
}

/* Lets the walk go on (with the stamps in s->dirs, if any). */
static void
prewalk_go(struct prewalk *w)
{
	if (w == NULL || !w->wait)
		return;
	pthread_mutex_lock(&w->mu);
	w->given = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void
site_give_dirs(struct site *s, struct buf *raw)
{
	if (s->dirs_given) {	/* the walk may be reading them */
		buf_release(raw);
		return;
	}
	s->dirs_given = 1;
	tree_dirs_load(&s->dirs, raw, s->build);
	prewalk_go(s->prewalk);
}

struct site *
site_open(const char *dir, const struct site_opts *opts)
{
	struct site *s = xcalloc(1, sizeof(*s));
	struct prewalk *w = xcalloc(1, sizeof(*w));
	size_t i;

	s->dir = xstrdup(dir);
	s->build = opts->build;
	s->mode = (opts->drafts ? SITE_MODE_DRAFTS : 0) |
	    (opts->all ? SITE_MODE_ALL : 0);
	siteconf_load(s);
	if (opts->configured != NULL)
		opts->configured(s, opts->arg);
	/* Collections by folder name: the documents come in path order. */
	w->order = xreallocarray(NULL, s->ncols + 1, sizeof(*w->order));
	w->lists = xcalloc(s->ncols + 1, sizeof(*w->lists));
	for (i = 0; i < s->ncols; i++)
		w->order[i] = &s->cols[i];
	if (s->ncols > 1)
		qsort(w->order, s->ncols, sizeof(*w->order), cmp_col);
	w->s = s;
	w->drafts = opts->drafts;
	w->wait = opts->wait_dirs;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* Without a list of changes, the folders are walked for sure. */
	if (opts->changed == NULL)
		w->started = pthread_create(&w->th, NULL, prewalk_run, w) == 0;
	s->prewalk = w;
	return s;
}

/* Waits for the walk site_open() started. 1 if there was one. */
static int
prewalk_join(struct prewalk *w)
{
	if (w == NULL || !w->started)
		return 0;
	if (!w->given)
		prewalk_go(w);		/* no stamps were handed over */
	pthread_join(w->th, NULL);
	w->started = 0;
	return 1;
}

static void
prewalk_free(struct prewalk *w)
{
	size_t k;

	if (w == NULL)
		return;
	prewalk_join(w);
	for (k = 0; k < w->s->ncols; k++)
		tree_list_free(&w->lists[k]);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->lists);
	free(w->order);
	free(w);
}

struct site *
site_load(const char *dir, const struct site_opts *opts)
{
	struct site *s = site_open(dir, opts);

	site_read(s, opts);
	return s;
}

/*
 * When every document is to be read and parsed (a first publish, --full,
 * a site index made by another build or configuration), a second thread
 * reads from the last one back. NULL: the main thread reads what it needs.
 */
static struct reader *
read_ahead(const struct site *s, struct collection **order,
    const struct tree_list *lists, size_t nfiles,
    const struct site_opts *opts, const char ***relpaths)
{
	struct reader *rd;
	size_t k, j, n = 0;

	*relpaths = NULL;
	if ((!opts->full && s->nix > 0) || nfiles < READ_AHEAD_MIN)
		return NULL;
	*relpaths = xreallocarray(NULL, nfiles + 1, sizeof(**relpaths));
	for (k = 0; k < s->ncols; k++) {
		if (!order[k]->output)
			continue;
		for (j = 0; j < lists[k].n; j++)
			(*relpaths)[n++] = lists[k].v[j].path;
	}
	rd = reader_start(s->dir, *relpaths, n, FM_MAX_FILE);
	if (rd == NULL) {
		free(*relpaths);
		*relpaths = NULL;
	}
	return rd;
}

void
site_read(struct site *s, const struct site_opts *opts)
{
	struct prewalk *w = s->prewalk;
	struct tree_list *lists = w->lists, *pl;
	struct collection **order = w->order;
	struct buf rel = BUF_INIT;
	struct buf *names;	/* per found_in(): the paths lists borrow */
	size_t nnames = 0, nfiles = 0, n;
	size_t i, j, k;
	struct reader *rd;
	const char **relpaths;
	struct doc *d;

	s->pub = opts->pub;
	ix_load(s, opts);
	s->walked = !trust_changed(s, opts);
	if (!s->walked)
		s->later = s->ix_later;
	names = xcalloc(s->ncols + 2, sizeof(*names));
	if (!prewalk_join(w) && s->walked)
		walk_all(s, order, lists, opts->drafts);
	if (s->walked)
		tree_dirs_make(&s->dirs_now, lists, s->ncols, s->build);
	for (k = 0; k < s->ncols; k++) {
		s->ndirs += lists[k].ndirs;
		s->ndirs_read += lists[k].nread;
	}
	for (k = 0; k < s->ncols; k++) {
		const struct collection *c = order[k];

		if (!c->output)
			continue;
		pl = &lists[k];
		if (!s->walked) {
			buf_reset(&rel);
			buf_printf(&rel, "_%s/", c->label);
			found_in(s, rel.data, opts, pl, &names[nnames++]);
			if (opts->drafts && strcmp(c->label, "posts") == 0)
				found_in(s, "_drafts/", opts, pl,
				    &names[nnames++]);
		}
		/* In order but for a file beside a folder of its name. */
		for (j = 1; j < pl->n; j++)
			if (tree_cmp(&pl->v[j - 1], &pl->v[j]) > 0)
				break;
		if (j < pl->n)
			qsort(pl->v, pl->n, sizeof(*pl->v), tree_cmp);
		nfiles += pl->n;
	}
	rd = read_ahead(s, order, lists, nfiles, opts, &relpaths);
	for (k = 0, n = 0; k < s->ncols; k++) {
		const struct collection *c = order[k];

		if (!c->output)
			continue;
		pl = &lists[k];
		s->nerrors += tree_say(pl);
		s->docs = xreallocarray(s->docs, s->ndocs + pl->n + 1,
		    sizeof(*s->docs));
		for (j = 0; j < pl->n; j++, n++) {
			struct doc_text *pre = reader_take(rd, n);

			d = doc_load(s, c, &pl->v[j], opts, pre);
			if (pre != NULL)
				doc_text_release(pre);
			if (d == NULL)
				continue;
			d->draft = strncmp(pl->v[j].path, "_drafts/", 8) == 0;
			if (d->cached && !d->kept)
				s->ncached++;
			s->docs[s->ndocs++] = d;
		}
	}
	reader_stop(rd);
	free(relpaths);
	/* Two documents claiming one URL: an error naming both. */
	if (new_urls(s) && urls_clash(s) && s->ndocs > 1) {
		qsort(s->docs, s->ndocs, sizeof(*s->docs), cmp_doc_url);
		for (i = 1; i < s->ndocs; i++) {
			if (strcmp(s->docs[i - 1]->url, s->docs[i]->url) != 0)
				continue;
			log_at(LOG_LVL_ERROR, s->docs[i]->path, 1, 1,
			    "URL %s is also claimed by %s", s->docs[i]->url,
			    s->docs[i - 1]->path);
			s->nerrors++;
		}
	}
	for (i = 1; i < s->ndocs; i++)
		if (cmp_doc_path(&s->docs[i - 1], &s->docs[i]) > 0)
			break;
	if (i < s->ndocs)
		qsort(s->docs, s->ndocs, sizeof(*s->docs), cmp_doc_path);
	prewalk_free(w);
	s->prewalk = NULL;
	buf_release(&rel);
	while (nnames > 0)
		buf_release(&names[--nnames]);
	free(names);
}

void
site_free(struct site *s)
{
	size_t i;

	if (s == NULL)
		return;
	prewalk_free(s->prewalk);	/* first: it reads the collections */
	for (i = 0; i < s->ndocs; i++)
		doc_free(s->docs[i]);
	free(s->docs);
	for (i = 0; i < s->ncols; i++) {
		free(s->cols[i].label);
		free(s->cols[i].permalink);
	}
	free(s->cols);
	value_free(s->config);
	free(s->ix);
	buf_release(&s->ixbuf);
	tree_dirs_free(&s->dirs);
	buf_release(&s->dirs_now);
	free(s->dir);
	free(s);
}

struct site *
site_load_file(const char *path, const struct site_opts *opts,
    struct doc **dp)
{
	struct site *s = xcalloc(1, sizeof(*s));
	struct buf dir = BUF_INIT, cfg = BUF_INIT;
	const struct collection *col = NULL;
	struct collection *c;
	const char *rel, *seg, *slash;
	struct stat st;
	size_t i, n;

	*dp = NULL;
	/* The site root: the nearest parent with a _config.yml. */
	buf_adds(&dir, path);
	for (;;) {
		slash = strrchr(dir.data, '/');
		if (slash == NULL) {
			buf_reset(&dir);
			buf_adds(&dir, ".");
		} else {
			buf_truncate(&dir, (size_t)(slash - dir.data));
			if (dir.len == 0)
				buf_adds(&dir, "/");
		}
		buf_reset(&cfg);
		buf_printf(&cfg, "%s/_config.yml", dir.data);
		if (stat(cfg.data, &st) == 0 || slash == NULL ||
		    strcmp(dir.data, "/") == 0)
			break;
	}
	s->dir = xstrdup(dir.data);
	if (stat(cfg.data, &st) == 0) {
		siteconf_load(s);
	} else {
		s->config = value_new(VAL_MAP, 0, 0);
		siteconf_settings(s);
	}
	if (opts->configured != NULL)
		opts->configured(s, opts->arg);
	n = strlen(s->dir);
	rel = strncmp(path, s->dir, n) == 0 && path[n] == '/' ? path + n + 1 :
	    path;
	while (strncmp(rel, "./", 2) == 0)
		rel += 2;
	/* The collection: the first "_label" folder of the relative path. */
	seg = rel;
	while ((slash = strchr(seg, '/')) != NULL && col == NULL) {
		for (i = 0; seg[0] == '_' && i < s->ncols; i++)
			if (strlen(s->cols[i].label) == (size_t)(slash - seg - 1) &&
			    strncmp(s->cols[i].label, seg + 1,
			    (size_t)(slash - seg - 1)) == 0)
				col = &s->cols[i];
		if (col == NULL && seg[0] == '_') {
			s->cols = xreallocarray(s->cols, s->ncols + 1,
			    sizeof(*s->cols));
			c = &s->cols[s->ncols++];
			memset(c, 0, sizeof(*c));
			c->label = xstrndup(seg + 1, (size_t)(slash - seg - 1));
			c->output = 1;
			col = c;
		}
		seg = slash + 1;
	}
	if (col == NULL)
		col = &s->cols[0];
	if (strrchr(rel, '.') == NULL) {
		log_at(LOG_LVL_ERROR, path, 0, 0, "a document needs an "
		    "extension (.md, .markdown)");
		s->nerrors++;
	} else {
		struct tree_file f;

		memset(&f, 0, sizeof(f));
		f.path = (char *)rel;
		*dp = doc_load(s, col, &f, opts, NULL);
		if (*dp != NULL) {
			s->docs = xreallocarray(NULL, 1, sizeof(*s->docs));
			s->docs[s->ndocs++] = *dp;
		}
	}
	buf_release(&dir);
	buf_release(&cfg);
	return s;
}
