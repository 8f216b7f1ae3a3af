#include "render.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "date.h"
#include "ics.h"
#include "json.h"
#include "log.h"
#include "page.h"
#include "slug.h"
#include "store.h"
#include "typo.h"

#define FEED_ENTRIES 20
#define PREP_BATCH 256		/* documents whose bodies are rendered at once */
#define HOME_NEWS 4
/* Stands for the list in a frame template; split out after rendering. */
#define ITEMS_MARK "\x01" "folio-items" "\x01"

/* A tag or category and the documents that carry it. */
struct term {
	const char *slug;	/* one string per slug: compare pointers */
	const char *name;	/* first spelling met, borrowed from a doc */
	const struct doc *doc;
};

struct rctx {
	struct site *s;
	const struct tmpl_set *ts;
	struct pub *pub;
	struct value *site_v;
	struct value **page_v;		/* per document, built when needed */
	const struct doc **newest;	/* documents, newest first */
	size_t *pos;			/* index in s->docs of newest[i] */
	uint64_t base;			/* folio's version and the config */
	struct {
		const char *name;
		uint64_t hash;
	} th[64];			/* template hashes, computed once */
	size_t nth;
	uint64_t urls;			/* every document's URL */
	uint64_t *dh;			/* per document: doc_dep_hash() */
	uint8_t *ev;			/* per document: 1 for an event */
	int64_t *evs, *eve;		/* and its start and end (seconds) */
	struct buf *plan;		/* the plan being written, or NULL */
	uint8_t *chg;			/* render_patch(): per document, 1 when
					   changed; 2 when its VEVENT did not */
	int nerr;
};

/* ---- the bodies: rendered once per change, kept in "src" ---- */

static void
doc_rec_put(struct rctx *r, const struct doc *d)
{
	struct buf fm = BUF_INIT, rec = BUF_INIT;
	struct doc_rec dr;

	memset(&dr, 0, sizeof(dr));
	cache_put_value(&fm, d->fm);
	dr.mtime_ns = d->mtime_ns;
	dr.size = d->size;
	dr.ino = d->ino;
	dr.src_hash = d->src_hash;
	dr.cfg = r->s->cfg;
	dr.flags = d->flags;
	dr.body_line = d->body_line;
	dr.fm = str_make(buf_cstr(&fm), fm.len);
	if (d->flags & CACHE_LINKS)
		dr.text = str_make(buf_cstr(&d->body), d->body.len);
	cache_rec_build(&rec, &dr);
	pub_put_raw(r->pub, OUT_SRC, d->relpath, strlen(d->relpath), rec.data,
	    rec.len, 0);
	cache_html_build(&rec, buf_cstr(&d->body_html), d->body_html.len,
	    buf_cstr(&d->lede_html), d->lede_html.len);
	pub_put_raw(r->pub, OUT_HTML, d->relpath, strlen(d->relpath),
	    rec.data, rec.len, 0);
	buf_release(&fm);
	buf_release(&rec);
}

/* The HTML of a document that was not rendered this time: from "src". */
/*
 * Loads d's stored HTML: 0, -1 when it is missing or damaged, -2 when the
 * publish failed (pub_commit() says why).
 */
static int
html_load(struct rctx *r, struct doc *d)
{
	struct buf raw = BUF_INIT;
	struct str body, lede;
	int rc;

	if (d->html_ready)
		return 0;
	rc = pub_get(r->pub, OUT_HTML, d->relpath, strlen(d->relpath), &raw);
	if (rc == -1) {
		rc = -2;
	} else if (rc == 0 &&
	    cache_html_parse(raw.data, raw.len, &body, &lede) == 0) {
		buf_reset(&d->body_html);
		buf_add(&d->body_html, body.p, body.len);
		buf_reset(&d->lede_html);
		buf_add(&d->lede_html, lede.p, lede.len);
		d->html_ready = 1;
	} else {
		rc = -1;
	}
	buf_release(&raw);
	return rc;
}

/* The HTML of a document that was not rendered this time: from "html". */
static int
doc_html(struct rctx *r, struct doc *d)
{
	int rc = html_load(r, d);

	if (rc == -1) {
		log_at(LOG_LVL_ERROR, d->path, 0, 0, "the stored rendering is "
		    "missing; publish again with --full");
		r->nerr++;
	}
	return rc == 0 ? 0 : -1;
}

struct mdjob {
	struct site *s;
	struct doc **docs;
	size_t n, next;
	int nerr;
	pthread_mutex_t mu;
};

static void *
md_worker(void *arg)
{
	struct mdjob *job = arg;
	size_t i;
	int rc;

	for (;;) {
		pthread_mutex_lock(&job->mu);
		i = job->next++;
		pthread_mutex_unlock(&job->mu);
		if (i >= job->n)
			break;
		rc = page_render_html(job->s, job->docs[i]);
		if (rc == -1) {
			pthread_mutex_lock(&job->mu);
			job->nerr++;
			pthread_mutex_unlock(&job->mu);
		}
	}
	return NULL;
}

/*
 * Renders the bodies of every document that changed (on every core),
 * stores their records in "src", and claims the records of the others.
 * The bodies are then dropped: pages read them back when they need them.
 */
static void
prepare_docs(struct rctx *r, const size_t *only, size_t nonly)
{
	struct mdjob job;
	pthread_t th[8];
	long ncpu;
	size_t i, k, nth, started, from = 0;
	size_t ndocs = only != NULL ? nonly : r->s->ndocs;

	memset(&job, 0, sizeof(job));
	job.s = r->s;
	job.docs = xreallocarray(NULL, PREP_BATCH, sizeof(*job.docs));
	pthread_mutex_init(&job.mu, NULL);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	/*
	 * A batch at a time: its bodies are rendered on every core, stored,
	 * and dropped before the next, so that a site's rendered bodies are
	 * never all in memory at once.
	 */
	while (from < ndocs) {
		job.n = job.next = 0;
		for (i = from; i < ndocs && job.n < PREP_BATCH; i++) {
			struct doc *d = r->s->docs[only != NULL ? only[i] : i];

			if (!d->cached || (d->flags & CACHE_LINKS))
				job.docs[job.n++] = d;
		}
		nth = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (size_t)ncpu;
		if (nth > job.n)
			nth = job.n;
		started = 0;
		for (k = 1; k < nth; k++)
			if (pthread_create(&th[started], NULL, md_worker,
			    &job) == 0)
				started++;
		md_worker(&job);
		for (k = 0; k < started; k++)
			pthread_join(th[k], NULL);
		for (k = from; k < i; k++) {
			struct doc *d = r->s->docs[only != NULL ? only[k] : k];

			if ((d->cached && !(d->flags & CACHE_LINKS)) ||
			    d->kept) {
				pub_keep(r->pub, OUT_SRC, d->relpath,
				    strlen(d->relpath));
				pub_keep(r->pub, OUT_HTML, d->relpath,
				    strlen(d->relpath));
				continue;
			}
			if (!d->html_ready)
				continue;
			doc_rec_put(r, d);
			buf_release(&d->body_html);
			buf_release(&d->lede_html);
			if (!(d->flags & CACHE_LINKS))
				buf_release(&d->body);
			d->html_ready = 0;
		}
		from = i;
	}
	pthread_mutex_destroy(&job.mu);
	r->nerr += job.nerr;
	free(job.docs);
}

/* ---- what each response is made of ---- */

/*
 * The hash of what a response is made of goes on from h, eight bytes at a
 * time: every publish hashes the dependencies of every response it looks
 * at (a site's URLs, its documents' hashes).
 */
static uint64_t
dep_u64(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0xff51afd7ed558ccdULL;
	h ^= h >> 32;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

static uint64_t
dep_str(uint64_t h, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i;
	uint64_t w;

	h = dep_u64(h, (uint64_t)len);
	for (; len >= 8; p += 8, len -= 8)
		h = dep_u64(h, store_get64(p));
	for (w = 0, i = 0; i < len; i++)
		w |= (uint64_t)p[i] << (8 * i);
	return dep_u64(h, w);
}

/* Everything a document brings to a response that shows it. */
static uint64_t
doc_dep_hash(const struct rctx *r, const struct doc *d)
{
	uint64_t h = dep_u64(STORE_FNV0, d->src_hash);

	h = dep_str(h, d->url);
	if (d->flags & CACHE_LINKS)
		h = dep_u64(h, r->urls);
	return h;
}

static uint64_t
dep_doc(const struct rctx *r, uint64_t h, const struct doc *d)
{
	return dep_u64(h, r->dh[d->seq]);
}

/* The hash of a template and all it includes (hashing reads them all). */
static uint64_t
template_hash(struct rctx *r, const char *tname)
{
	size_t i;

	for (i = 0; i < r->nth; i++)
		if (strcmp(r->th[i].name, tname) == 0)
			return r->th[i].hash;
	if (r->nth == sizeof(r->th) / sizeof(r->th[0]))
		return tmpl_hash(r->ts, tname);
	r->th[r->nth].name = tname;
	r->th[r->nth].hash = tmpl_hash(r->ts, tname);
	return r->th[r->nth++].hash;
}

/* A response's hash starts with the templates it is rendered with. */
static uint64_t
dep_start(struct rctx *r, const char *tname)
{
	uint64_t h = r->base;

	if (tname != NULL) {
		h = dep_str(h, tname);
		h = dep_u64(h, template_hash(r, tname));
	}
	return h;
}

/* The page context of document i, built the first time it is needed. */
static struct value *
page_of(struct rctx *r, size_t i)
{
	struct doc *d = r->s->docs[i];

	if (r->page_v[i] == NULL) {
		if (site_doc_full(r->s, d) == -1)
			r->nerr++;
		doc_html(r, d);
		r->page_v[i] = page_doc_ctx(r->s, d);
	}
	return r->page_v[i];
}

/* ---- emitting ---- */

/* Frees a sequence of borrowed items (page contexts), not the items. */
static void
seq_unborrow(struct value *seq)
{
	size_t i;

	if (seq == NULL)
		return;
	for (i = 0; i < seq->u.seq.n; i++)
		seq->u.seq.items[i] = NULL;
	value_free(seq);
}

/* Page contexts of docs (in that order), for a list. */
static struct value *
seq_pages(struct rctx *r, const struct doc *const *docs, size_t n)
{
	struct value *seq = value_new(VAL_SEQ, 0, 0);
	size_t i;

	for (i = 0; i < n; i++)
		value_seq_push(seq, page_of(r, docs[i]->seq));
	return seq;
}

static int
is_html(const char *ctype)
{
	return strncmp(ctype, "text/html", 9) == 0;
}

/*
 * Renders template tname with ctx into out (HTML gets the French
 * typography pass). Touches nothing shared but the (read-only) templates
 * and ctx: safe on any thread. Returns 0, or -1 with *e and *epath set.
 */
static int
render_text(const struct tmpl_set *ts, const char *tname,
    const struct value *ctx, const char *ctype, struct buf *out,
    struct ferr *e, const char **epath)
{
	struct buf html = BUF_INIT;

	buf_reset(out);
	*epath = NULL;
	if (tmpl_render(ts, tname, ctx, &html, e, epath) == -1) {
		buf_release(&html);
		return -1;
	}
	if (is_html(ctype)) {
		/*
		 * Typography adds little (no-break spaces): room made once
		 * instead of a series of doublings and copies.
		 */
		buf_grow(out, html.len + html.len / 16);
		typo_fr(out, html.data, html.len);
		buf_release(&html);
	} else {
		buf_release(out);
		*out = html;
	}
	return 0;
}

/* Renders template tname with ctx into out. Returns 0, or -1 (reported). */
static int
render_into(struct rctx *r, const char *tname, const struct value *ctx,
    const char *ctype, struct buf *out)
{
	const char *epath;
	struct ferr e;

	if (render_text(r->ts, tname, ctx, ctype, out, &e, &epath) == -1) {
		log_ferr(epath != NULL ? epath : tname, &e);
		r->nerr++;
		return -1;
	}
	return 0;
}

/* Publishes body (taken over) as the response at url. */
static void
emit_body(struct rctx *r, struct buf *body, const char *url,
    const char *ctype, int64_t lm, uint16_t status, uint64_t dep)
{
	struct output o;

	memset(&o, 0, sizeof(o));
	o.body = *body;
	buf_init(body);
	o.key = url;
	o.key_len = strlen(url);
	o.ctype = ctype;
	o.last_modified = lm;
	o.status = status;
	o.cache = STORE_CACHE_PAGE;
	pub_put_page(r->pub, &o, dep);
}

/* Renders and publishes one response at url. */
static void
emit(struct rctx *r, const char *tname, const struct value *ctx,
    const char *url, const char *ctype, int64_t lm, uint16_t status,
    uint64_t dep)
{
	struct buf body = BUF_INIT;

	if (render_into(r, tname, ctx, ctype, &body) == 0)
		emit_body(r, &body, url, ctype, lm, status, dep);
	buf_release(&body);
}

/* A context {site, page} whose two entries are borrowed. */
static struct value *
ctx_new(struct rctx *r, struct value *page)
{
	struct value *ctx = value_new(VAL_MAP, 0, 0);

	page_lend(ctx, "site", r->site_v);
	page_lend(ctx, "page", page);
	return ctx;
}

/* Takes back what ctx_new() lent, and frees the rest. */
static void
ctx_free(struct value *ctx)
{
	value_map_take(ctx, "site");
	value_map_take(ctx, "page");
	value_free(ctx);
}

static const char *
doc_template(const struct rctx *r, const struct doc *d)
{
	const char *layout = page_fm_str(d, "layout");

	if (layout != NULL && tmpl_has(r->ts, layout))
		return layout;
	if (page_is_event(d) && tmpl_has(r->ts, "evenement"))
		return "evenement";
	return "page";
}

static void
redirect(struct rctx *r, const char *from, const char *to, int64_t lm)
{
	struct output o;
	uint64_t dep = dep_str(dep_str(dep_start(r, NULL), from), to);

	if (pub_fresh(r->pub, OUT_PAGES, from, strlen(from), dep))
		return;
	memset(&o, 0, sizeof(o));
	o.key = from;
	o.key_len = strlen(from);
	o.ctype = "text/html; charset=utf-8";
	o.location = to;
	o.last_modified = lm;
	o.status = 301;
	pub_put_page(r->pub, &o, dep);
}

/* redirect_to turns the page into a 301; redirect_from adds 301s to it. */
static void
redirects(struct rctx *r, const struct doc *d)
{
	const struct value *from = value_map_get(d->fm, "redirect_from");
	const char *list[64];
	struct buf loc = BUF_INIT, key = BUF_INIT;
	size_t i, n;

	n = page_str_list(from, list, 64);
	buf_adds(&loc, r->s->baseurl);
	buf_adds(&loc, d->url);
	for (i = 0; i < n; i++) {
		buf_reset(&key);
		if (list[i][0] != '/')
			buf_addc(&key, '/');
		buf_adds(&key, list[i]);
		if (strstr(key.data, "..") != NULL || strpbrk(key.data,
		    "\r\n") != NULL || key.len > STORE_MAX_KEY) {
			log_at(LOG_LVL_ERROR, d->path, from->line, from->col,
			    "redirect_from: invalid path '%s'", list[i]);
			r->nerr++;
			continue;
		}
		redirect(r, key.data, loc.data, d->date.secs);
	}
	buf_release(&loc);
	buf_release(&key);
}

/*
 * Document pages are rendered on the pool's threads, RENDER_AHEAD
 * documents ahead of the one being published. The main thread keeps
 * everything else, in document order, as if it rendered each page itself:
 * the LMDB lookups and puts (the write transaction is its own), the page
 * contexts (page_of() caches them), the claims, the reports. A page is
 * rendered ahead on a guess that it is not fresh; when pub_fresh() then
 * says it is, the rendering is dropped.
 */
#define RENDER_AHEAD 48
#define DOC_CTYPE "text/html; charset=utf-8"

struct rjob {
	struct work_job job;	/* first: the job is the rjob */
	const struct tmpl_set *ts;
	const char *tname;
	struct value *ctx;	/* {site, page}; page lends "content" */
	uint64_t dep;
	int on;			/* queued for this document */
	int rc;			/* render_text()'s */
	struct ferr e;
	const char *epath;
	struct buf out;
};

static void
rjob_run(struct work_job *job, unsigned th)
{
	struct rjob *j = (struct rjob *)job;

	(void)th;
	j->rc = render_text(j->ts, j->tname, j->ctx, DOC_CTYPE, &j->out,
	    &j->e, &j->epath);
}

/* The context of document i's page, its body lent as "content". */
static struct value *
doc_ctx(struct rctx *r, size_t i)
{
	struct doc *d = r->s->docs[i];
	struct value *page = page_of(r, i);

	/* The body is lent for this page only: lists do not show it. */
	page_lend(page, "content", value_new_str(buf_cstr(&d->body_html),
	    d->body_html.len));
	return ctx_new(r, page);
}

/* Takes back what doc_ctx() lent, and drops the body. */
static void
doc_ctx_free(struct rctx *r, size_t i, struct value *ctx)
{
	struct doc *d = r->s->docs[i];

	ctx_free(ctx);
	value_free(value_map_take(r->page_v[i], "content"));
	/* Bodies are big: the site feed reads back the few it shows. */
	buf_release(&d->body_html);
	d->html_ready = 0;
}

static int
has_redirect_to(const struct doc *d)
{
	const char *to = page_fm_str(d, "redirect_to");

	return to != NULL && to[0] != '\0';
}

/*
 * Queues document i's page unless the last publish stored it from the same
 * inputs. Its stored HTML is loaded quietly: the document's turn reports a
 * missing one (through page_of()).
 */
static void
render_ahead(struct rctx *r, size_t i, struct rjob *j)
{
	struct doc *d = r->s->docs[i];
	const char *tname;
	uint64_t dep;

	if (has_redirect_to(d))
		return;
	tname = doc_template(r, d);
	dep = dep_doc(r, dep_start(r, tname), d);
	if (pub_stored(r->pub, OUT_PAGES, d->url, strlen(d->url), dep))
		return;
	if (site_doc_full(r->s, d) == -1) {
		r->nerr++;
		return;
	}
	if (html_load(r, d) != 0)
		return;
	j->ts = r->ts;
	j->tname = tname;
	j->dep = dep;
	j->ctx = doc_ctx(r, i);
	j->job.run = rjob_run;
	j->on = 1;
	work_submit(pub_work(r->pub), &j->job);
}

/* The pages of the documents only[0..n) (NULL: of every document). */
static void
render_docs(struct rctx *r, const size_t *only, size_t n)
{
	struct rjob *ring, *j;
	struct value *ctx;
	const char *to, *tname;
	uint64_t dep;
	size_t at, i, ahead = 0;

	if (only == NULL)
		n = r->s->ndocs;
	ring = xcalloc(RENDER_AHEAD, sizeof(*ring));
	for (at = 0; at < n; at++) {
		struct doc *d = r->s->docs[i = only != NULL ? only[at] : at];
		const struct value *pv = value_map_get(d->fm, "permalink");

		for (; ahead < n && ahead < at + RENDER_AHEAD; ahead++)
			render_ahead(r, only != NULL ? only[ahead] : ahead,
			    &ring[ahead % RENDER_AHEAD]);
		j = &ring[at % RENDER_AHEAD];
		if (j->on)
			work_wait(pub_work(r->pub), &j->job);

		/* A URL claimed twice is reported where it was made. */
		pub_origin(r->pub, d->path, pv != NULL ? pv->line : 1,
		    pv != NULL ? pv->col : 1);
		redirects(r, d);
		to = page_fm_str(d, "redirect_to");
		if (to != NULL && to[0] != '\0') {
			if (strpbrk(to, "\r\n") != NULL) {
				log_at(LOG_LVL_ERROR, d->path, 0, 0,
				    "redirect_to: invalid URL");
				r->nerr++;
				continue;
			}
			redirect(r, d->url, to, d->date.secs);
			continue;
		}
		tname = doc_template(r, d);
		dep = dep_doc(r, dep_start(r, tname), d);
		if (pub_fresh(r->pub, OUT_PAGES, d->url, strlen(d->url),
		    dep)) {
			if (j->on) {
				doc_ctx_free(r, i, j->ctx);
				buf_release(&j->out);
				j->on = 0;
			}
			continue;
		}
		if (!j->on) {
			ctx = doc_ctx(r, i);
			if (render_into(r, tname, ctx, DOC_CTYPE, &j->out) == 0)
				emit_body(r, &j->out, d->url, DOC_CTYPE,
				    d->date.secs, 200, dep);
			doc_ctx_free(r, i, ctx);
			buf_release(&j->out);
			continue;
		}
		if (j->rc == -1) {
			log_ferr(j->epath != NULL ? j->epath : j->tname, &j->e);
			r->nerr++;
		} else
			emit_body(r, &j->out, d->url, DOC_CTYPE, d->date.secs,
			    200, j->dep);
		doc_ctx_free(r, i, j->ctx);
		buf_release(&j->out);
		j->on = 0;
	}
	free(ring);
	pub_origin(r->pub, NULL, 0, 0);
}

/*
 * A paginated listing of docs (newest first) at base ("/actualites/"):
 * base, base + "page/2/", ... with rel prev/next. extra (the term, may be
 * NULL) adds to every page's dependencies through extra_dep.
 */
static void
listing(struct rctx *r, const char *base, const char *title,
    const char *kind, struct value *extra, uint64_t extra_dep,
    const struct doc *const *docs, size_t n)
{
	struct value *ctx, *page, *pg;
	struct buf url = BUF_INIT, t = BUF_INIT;
	size_t per = r->s->per_page, npages, k, first, cnt, i;
	uint64_t dep;

	npages = n == 0 ? 1 : (n + per - 1) / per;
	for (k = 0; k < npages; k++) {
		first = k * per;
		cnt = n - first < per ? n - first : per;
		buf_reset(&url);
		buf_adds(&url, base);
		if (k > 0)
			buf_printf(&url, "page/%zu/", k + 1);
		dep = dep_start(r, "liste");
		dep = dep_str(dep_str(dep_str(dep, base), title), kind);
		dep = dep_u64(dep_u64(dep_u64(dep, k), npages), extra_dep);
		for (i = 0; i < cnt; i++)
			dep = dep_doc(r, dep, docs[first + i]);
		if (pub_fresh(r->pub, OUT_PAGES, url.data, url.len, dep))
			continue;
		page = value_new(VAL_MAP, 0, 0);
		page_set_str(page, "title", title);
		page_set_str(page, "kind", kind);
		page_lend(page, "items", seq_pages(r, docs + first, cnt));
		if (extra != NULL)
			page_lend(page, "term", extra);
		pg = value_new(VAL_MAP, 0, 0);
		page_set_val(pg, "page", value_new_int((long long)k + 1));
		page_set_val(pg, "pages", value_new_int((long long)npages));
		if (k > 0) {
			buf_reset(&t);
			buf_adds(&t, r->s->baseurl);
			buf_adds(&t, base);
			if (k > 1)
				buf_printf(&t, "page/%zu/", k);
			page_set_buf(pg, "prev", &t);
		}
		if (k + 1 < npages) {
			buf_reset(&t);
			buf_adds(&t, r->s->baseurl);
			buf_printf(&t, "%spage/%zu/", base, k + 2);
			page_set_buf(pg, "next", &t);
		}
		if (npages > 1)
			page_set_val(page, "pagination", pg);
		else
			value_free(pg);
		buf_reset(&t);
		buf_adds(&t, r->s->baseurl);
		buf_addstr(&t, str_make(url.data, url.len));
		page_set_buf(page, "url", &t);
		ctx = ctx_new(r, page);
		emit(r, "liste", ctx, url.data, "text/html; charset=utf-8",
		    n > 0 ? docs[first]->date.secs : 0, 200, dep);
		ctx_free(ctx);
		seq_unborrow(value_map_take(page, "items"));
		value_map_take(page, "term");
		value_free(page);
	}
	buf_release(&url);
	buf_release(&t);
}

/* ---- tags and categories ---- */

/*
 * Slugs of names already met: a site has a few hundred tags over
 * thousands of documents, and each slug costs a Unicode decomposition.
 * Each distinct slug is kept once (names spelled differently can share
 * it) with a group number.
 */
struct slugent {
	const char *name;	/* borrowed from a document */
	size_t group;		/* (size_t)-1: the name gives no slug */
};

struct slugmemo {
	struct slugent *v;
	size_t n, cap;		/* open addressing, cap a power of 2 */
	char **slugs;		/* per group */
	size_t *gslot;		/* open addressing over slugs: group + 1 */
	size_t ngroups, gcap;
};

static size_t
memo_group(struct slugmemo *m, char *slug)
{
	size_t i, j, ocap;
	uint64_t h;

	if (m->ngroups * 2 >= m->gcap) {
		ocap = m->gcap;
		m->gcap = ocap ? ocap * 2 : 256;
		free(m->gslot);
		m->gslot = xcalloc(m->gcap, sizeof(*m->gslot));
		m->slugs = xreallocarray(m->slugs, m->gcap, sizeof(*m->slugs));
		for (j = 0; j < m->ngroups; j++) {
			h = store_hash(STORE_FNV0, m->slugs[j],
			    strlen(m->slugs[j]));
			for (i = h & (m->gcap - 1); m->gslot[i] != 0;
			    i = (i + 1) & (m->gcap - 1))
				;
			m->gslot[i] = j + 1;
		}
	}
	h = store_hash(STORE_FNV0, slug, strlen(slug));
	for (i = h & (m->gcap - 1); m->gslot[i] != 0;
	    i = (i + 1) & (m->gcap - 1)) {
		if (strcmp(m->slugs[m->gslot[i] - 1], slug) == 0) {
			free(slug);
			return m->gslot[i] - 1;
		}
	}
	m->slugs[m->ngroups] = slug;
	m->gslot[i] = ++m->ngroups;
	return m->ngroups - 1;
}

/* The group of name's slug, or (size_t)-1 when it gives none. */
static size_t
memo_slug(struct slugmemo *m, const char *name)
{
	uint64_t h = store_hash(STORE_FNV0, name, strlen(name));
	struct buf b = BUF_INIT;
	struct slugent *old;
	size_t i, j, ocap;

	if (m->n * 2 >= m->cap) {
		old = m->v;
		ocap = m->cap;
		m->cap = m->cap ? m->cap * 2 : 256;
		m->v = xcalloc(m->cap, sizeof(*m->v));
		m->n = 0;
		for (j = 0; j < ocap; j++) {
			const char *nm = old[j].name;

			if (nm == NULL)
				continue;
			i = store_hash(STORE_FNV0, nm, strlen(nm)) &
			    (m->cap - 1);
			while (m->v[i].name != NULL)
				i = (i + 1) & (m->cap - 1);
			m->v[i] = old[j];
			m->n++;
		}
		free(old);
	}
	for (i = h & (m->cap - 1); m->v[i].name != NULL;
	    i = (i + 1) & (m->cap - 1))
		if (strcmp(m->v[i].name, name) == 0)
			return m->v[i].group;
	m->v[i].name = name;
	m->v[i].group = slug_make(&b, name, strlen(name)) == 0 ?
	    memo_group(m, buf_detach(&b, NULL)) : (size_t)-1;
	m->n++;
	buf_release(&b);
	return m->v[i].group;
}

static void
memo_free(struct slugmemo *m)
{
	size_t i;

	for (i = 0; i < m->ngroups; i++)
		free(m->slugs[i]);
	free(m->slugs);
	free(m->gslot);
	free(m->v);
}

static const char *const *cmp_slugs;

static int
cmp_group(const void *a, const void *b)
{
	return strcmp(cmp_slugs[*(const size_t *)a],
	    cmp_slugs[*(const size_t *)b]);
}

/*
 * Every (slug, doc) pair of field ("tags", "categories"), by slug, then
 * newest first: documents are met newest first and placed by a counting
 * sort on their slug's rank. Slugs belong to memo.
 */
static struct term *
collect_terms(struct rctx *r, const char *field, struct slugmemo *memo,
    size_t *np)
{
	struct term *v = NULL, *out;
	size_t *grp = NULL, *rank, *order, *at;
	const char *names[256];
	size_t i, j, k, n = 0, cap = 0, m, g;

	for (i = 0; i < r->s->ndocs; i++) {
		const struct doc *d = r->newest[i];
		const struct value *fv = value_map_get(d->fm, field);

		m = page_str_list(fv, names, 256);
		for (j = 0; j < m; j++) {
			g = memo_slug(memo, names[j]);
			if (g == (size_t)-1) {
				log_at(LOG_LVL_WARN, d->path, fv->line, fv->col,
				    "%s '%s' gives no URL; left out", field,
				    names[j]);
				continue;
			}
			/* One document listed once per term. */
			for (k = 0; k < j; k++)
				if (n > k && v[n - 1 - k].doc == d &&
				    grp[n - 1 - k] == g)
					break;
			if (k < j)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				v = xreallocarray(v, cap, sizeof(*v));
				grp = xreallocarray(grp, cap, sizeof(*grp));
			}
			v[n].name = names[j];
			v[n].doc = d;
			grp[n] = g;
			n++;
		}
	}
	/* Groups in slug order, then each pair at its group's next place. */
	order = xreallocarray(NULL, memo->ngroups + 1, sizeof(*order));
	rank = xreallocarray(NULL, memo->ngroups + 1, sizeof(*rank));
	at = xcalloc(memo->ngroups + 1, sizeof(*at));
	for (g = 0; g < memo->ngroups; g++)
		order[g] = g;
	cmp_slugs = (const char *const *)memo->slugs;
	if (memo->ngroups > 1)
		qsort(order, memo->ngroups, sizeof(*order), cmp_group);
	for (g = 0; g < memo->ngroups; g++)
		rank[order[g]] = g;
	for (i = 0; i < n; i++)
		at[rank[grp[i]] + 1]++;
	for (g = 1; g <= memo->ngroups; g++)
		at[g] += at[g - 1];
	out = xreallocarray(NULL, n + 1, sizeof(*out));
	for (i = 0; i < n; i++) {
		k = at[rank[grp[i]]]++;
		out[k] = v[i];
		out[k].slug = memo->slugs[grp[i]];
	}
	free(v);
	free(grp);
	free(order);
	free(rank);
	free(at);
	*np = n;
	return out;
}

static void feed(struct rctx *, const char *, const char *, const char *,
    int, const struct doc *const *, size_t);
static void calendar(struct rctx *, const char *, const char *,
    const struct doc *const *, size_t);

static void
plan_put32(struct buf *b, uint32_t v)
{
	unsigned char x[4];

	store_put32(x, v);
	buf_add(b, x, 4);
}

static void
plan_putstr(struct buf *b, const char *s)
{
	plan_put32(b, (uint32_t)strlen(s));
	buf_adds(b, s);
}

/*
 * The listing, feed and calendar of one tag or category: docs[0..n) carry
 * it, newest first; events is room for n.
 */
static void
term_outputs(struct rctx *r, const char *pattern, const char *kind,
    const char *slug, const char *name, const struct doc *const *docs,
    size_t n, const struct doc **events)
{
	struct value *term;
	struct buf base = BUF_INIT, u = BUF_INIT, title = BUF_INIT;
	size_t k, ne = 0;
	uint64_t tdep;

	term = value_new(VAL_MAP, 0, 0);
	page_set_str(term, "name", name);
	page_set_str(term, "slug", slug);
	page_term_url(pattern, slug, &base);
	buf_adds(&u, r->s->baseurl);
	buf_printf(&u, "%sfeed.xml", base.data);
	page_set_buf(term, "feed_url", &u);
	for (k = 0; k < n; k++)
		if (r->ev[docs[k]->seq])
			events[ne++] = docs[k];
	if (ne > 0) {
		buf_reset(&u);
		buf_adds(&u, r->s->baseurl);
		buf_printf(&u, "%sagenda.ics", base.data);
		page_set_buf(term, "ics_url", &u);
	}
	tdep = dep_str(dep_u64(0, ne > 0), name);
	listing(r, base.data, name, kind, term, tdep, docs, n);
	buf_printf(&title, "%s – %s", r->s->title, name);
	buf_reset(&u);
	buf_printf(&u, "%sfeed.xml", base.data);
	feed(r, u.data, title.data, base.data, 0, docs, n);
	if (ne > 0) {
		buf_reset(&u);
		buf_printf(&u, "%sagenda.ics", base.data);
		calendar(r, u.data, title.data, events, ne);
	}
	value_free(term);
	buf_release(&base);
	buf_release(&u);
	buf_release(&title);
}

static void
render_terms(struct rctx *r, const char *field, const char *pattern,
    const char *kind)
{
	struct slugmemo memo;
	struct term *t;
	const struct doc **docs, **events;
	size_t n, i, j, k, ng = 0, at = 0;

	memset(&memo, 0, sizeof(memo));
	t = collect_terms(r, field, &memo, &n);
	docs = xreallocarray(NULL, n + 1, sizeof(*docs));
	events = xreallocarray(NULL, n + 1, sizeof(*events));
	if (r->plan != NULL) {
		at = r->plan->len;
		plan_put32(r->plan, 0);
	}
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && t[j].slug == t[i].slug; j++)
			docs[j - i] = t[j].doc;
		/* The display name keeps its first spelling (oldest doc). */
		term_outputs(r, pattern, kind, t[i].slug, t[j - 1].name, docs,
		    j - i, events);
		if (r->plan != NULL) {
			plan_putstr(r->plan, t[i].slug);
			plan_putstr(r->plan, t[j - 1].name);
			plan_put32(r->plan, (uint32_t)(j - i));
			for (k = 0; k < j - i; k++)
				plan_put32(r->plan, (uint32_t)docs[k]->seq);
		}
		ng++;
	}
	if (r->plan != NULL)
		store_put32((unsigned char *)r->plan->data + at, (uint32_t)ng);
	memo_free(&memo);
	free(t);
	free(docs);
	free(events);
}

/*
 * Collection listings at the fixed part of their permalink ("/actualites/"):
 * of every collection, or of those want[] marks.
 */
static void
render_collections(struct rctx *r, const uint8_t *want)
{
	const struct doc **docs;
	struct buf base = BUF_INIT;
	const char *colon, *title;
	size_t c, i, n;

	docs = xreallocarray(NULL, r->s->ndocs + 1, sizeof(*docs));
	for (c = 0; c < r->s->ncols; c++) {
		const struct collection *col = &r->s->cols[c];

		if (!col->output || col->permalink == NULL ||
		    strcmp(col->label, "evenements") == 0 ||
		    (want != NULL && !want[c]))
			continue;
		colon = strchr(col->permalink, ':');
		if (colon == NULL)
			continue;
		buf_reset(&base);
		buf_add(&base, col->permalink, (size_t)(colon -
		    col->permalink));
		while (base.len > 0 && base.data[base.len - 1] != '/')
			buf_truncate(&base, base.len - 1);
		if (base.len <= 1)
			continue;
		for (i = n = 0; i < r->s->ndocs; i++)
			if (r->newest[i]->col == col)
				docs[n++] = r->newest[i];
		title = value_str(value_map_get(col->meta, "title"));
		listing(r, base.data, title != NULL ? title : col->label,
		    col->label, NULL, 0, docs, n);
	}
	free(docs);
	buf_release(&base);
}

/* ---- feeds, calendars, sitemap ---- */

/*
 * An Atom feed of the newest entries. The site's feed carries each entry's
 * whole content; tag and category feeds carry summaries (full = 0), which
 * keeps hundreds of them from each repeating twenty whole pages.
 */
static void
feed(struct rctx *r, const char *url, const char *title, const char *html_url,
    int full, const struct doc *const *docs, size_t n)
{
	struct value *page, *ctx, *entries;
	struct buf t = BUF_INIT;
	struct vtime vt;
	size_t i, m = n < FEED_ENTRIES ? n : FEED_ENTRIES;
	uint64_t dep;

	dep = dep_str(dep_str(dep_start(r, "feed"), title), html_url);
	dep = dep_u64(dep, (uint64_t)full);
	for (i = 0; i < m; i++)
		dep = dep_doc(r, dep, docs[i]);
	if (pub_fresh(r->pub, OUT_PAGES, url, strlen(url), dep))
		return;
	page = value_new(VAL_MAP, 0, 0);
	page_set_str(page, "title", title);
	page_abs_url(r->s, &t, url);
	page_set_buf(page, "feed_url", &t);
	page_abs_url(r->s, &t, html_url);
	page_set_buf(page, "url", &t);
	/* The feed changes when its newest entry does: derived from content. */
	memset(&vt, 0, sizeof(vt));
	vt.secs = n > 0 ? docs[0]->date.secs : 0;
	buf_reset(&t);
	date_rfc3339(&t, &vt);
	page_set_buf(page, "updated", &t);
	entries = seq_pages(r, docs, m);
	for (i = 0; full && i < m; i++) {
		struct doc *d = r->s->docs[docs[i]->seq];

		doc_html(r, d);
		page_lend(entries->u.seq.items[i], "content", value_new_str(
		    buf_cstr(&d->body_html), d->body_html.len));
	}
	page_lend(page, "entries", entries);
	page_set_val(page, "full", value_new_bool(full));
	ctx = ctx_new(r, page);
	emit(r, "feed", ctx, url, "application/atom+xml; charset=utf-8",
	    n > 0 ? docs[0]->date.secs : 0, 200, dep);
	ctx_free(ctx);
	for (i = 0; full && i < m; i++)
		value_free(value_map_take(entries->u.seq.items[i], "content"));
	seq_unborrow(value_map_take(page, "entries"));
	value_free(page);
	buf_release(&t);
}

/* One VEVENT for d (CRLF lines, folded). */
static int
vevent(struct rctx *r, const struct doc *d, struct buf *out)
{
	struct ics_event ev;
	struct vtime st, en;
	struct buf uid = BUF_INIT, url = BUF_INIT, loc = BUF_INIT;
	const struct value *page = page_of(r, d->seq);
	const char *lieu = page_fm_str(d, "lieu"), *adr = page_fm_str(d, "adresse");
	const char *lede;
	int rc;

	page_event_times(d, &st, &en);
	memset(&ev, 0, sizeof(ev));
	/* Stable across publishes and machines: the URL and the host. */
	buf_printf(&uid, "%s@", d->url);
	page_abs_url(r->s, &url, "/");
	buf_adds(&uid, strstr(url.data, "://") ? strstr(url.data, "://") + 3 :
	    url.data);
	while (uid.len > 0 && uid.data[uid.len - 1] == '/')
		buf_truncate(&uid, uid.len - 1);
	ev.uid = str_make(uid.data, uid.len);
	ev.stamp = d->date.secs;
	ev.start = &st;
	ev.end = page_fm_time(d, "event_end_date") != NULL ?
	    &page_fm_time(d, "event_end_date")->u.t : NULL;
	ev.summary = str_from(d->title);
	lede = value_str(value_map_get(page, "lede"));
	if (lede != NULL && lede[0] != '\0')
		ev.description = str_from(lede);
	if (lieu != NULL && lieu[0])
		buf_adds(&loc, lieu);
	if (adr != NULL && adr[0]) {
		if (loc.len > 0)
			buf_adds(&loc, ", ");
		buf_adds(&loc, adr);
	}
	if (loc.len > 0)
		ev.location = str_make(loc.data, loc.len);
	page_abs_url(r->s, &url, d->url);
	ev.url = str_make(url.data, url.len);
	rc = ics_event(out, &ev, r->s->tz);
	if (rc == -1) {
		log_at(LOG_LVL_ERROR, d->path, 0, 0,
		    "the event's dates cannot be written to iCalendar");
		r->nerr++;
	}
	buf_release(&uid);
	buf_release(&url);
	buf_release(&loc);
	return rc;
}

/*
 * The VEVENT of d, appended to out: copied from its agenda fragment when
 * the last publish stored that from the same document, templates,
 * configuration and build (so a calendar of many events does not load each
 * whole document again), rendered otherwise.
 */
static int
event_ics(struct rctx *r, const struct doc *d, struct buf *out)
{
	struct buf key = BUF_INIT, raw = BUF_INIT;
	struct store_frag f;
	int rc = -1;

	if (!(d->flags & CACHE_LINKS) && r->ev[d->seq] &&
	    store_agenda_key_build(&key, r->eve[d->seq], r->evs[d->seq], d->url,
	    strlen(d->url)) == 0 &&
	    pub_stored(r->pub, OUT_AGENDA, key.data, key.len,
	    dep_doc(r, dep_start(r, "agenda-item"), d)) &&
	    pub_get(r->pub, OUT_AGENDA, key.data, key.len, &raw) == 0 &&
	    store_frag_parse(raw.data, raw.len, &f) == 0 && f.ics_len > 0) {
		buf_add(out, f.ics, f.ics_len);
		rc = 0;
	}
	buf_release(&key);
	buf_release(&raw);
	return rc == 0 ? 0 : vevent(r, d, out);
}

static void
calendar(struct rctx *r, const char *url, const char *title,
    const struct doc *const *events, size_t n)
{
	struct output o;
	size_t i;
	uint64_t dep = dep_str(dep_start(r, NULL), title);

	dep = dep_str(dep, "calendar");
	for (i = 0; i < n; i++)
		dep = dep_doc(r, dep, events[i]);
	if (pub_fresh(r->pub, OUT_PAGES, url, strlen(url), dep))
		return;
	/*
	 * Changed documents whose VEVENT came out the same leave the
	 * calendar as it was: a category's may hold thousands.
	 */
	for (i = 0; r->chg != NULL && i < n; i++)
		if (r->chg[events[i]->seq] == 1)
			break;
	if (r->chg != NULL && i == n &&
	    pub_reclaim(r->pub, OUT_PAGES, url, strlen(url), dep))
		return;
	memset(&o, 0, sizeof(o));
	o.key = url;
	o.key_len = strlen(url);
	o.ctype = "text/calendar; charset=utf-8";
	o.status = 200;
	ics_head(&o.body, "-//folio//numerique//FR", title, r->s->tz);
	for (i = 0; i < n; i++) {
		event_ics(r, events[i], &o.body);
		if (events[i]->date.secs > o.last_modified)
			o.last_modified = events[i]->date.secs;
	}
	ics_tail(&o.body);
	pub_put_page(r->pub, &o, dep);
}

/* ---- the agenda and the home page: frames the worker fills in ---- */

/*
 * Renders tname with page.items standing for the list, and stores the
 * parts before and after it under head_key and tail_key in "meta".
 */
static int
frame(struct rctx *r, const char *tname, struct value *page,
    const char *head_key, const char *tail_key)
{
	struct buf fr = BUF_INIT;
	struct value *ctx;
	const char *mark;
	int rc = -1;

	page_set_str(page, "items", ITEMS_MARK);
	ctx = ctx_new(r, page);
	if (render_into(r, tname, ctx, "text/html", &fr) == -1)
		goto out;
	mark = strstr(buf_cstr(&fr), ITEMS_MARK);
	if (mark == NULL || strstr(mark + 1, ITEMS_MARK) != NULL) {
		log_at(LOG_LVL_ERROR, tname, 0, 0, "the template must show "
		    "{{{page.items}}} exactly once");
		r->nerr++;
		goto out;
	}
	pub_put_raw(r->pub, OUT_META, head_key, strlen(head_key), fr.data,
	    (size_t)(mark - fr.data), 0);
	mark += strlen(ITEMS_MARK);
	pub_put_raw(r->pub, OUT_META, tail_key, strlen(tail_key), mark,
	    strlen(mark), 0);
	rc = 0;
out:
	ctx_free(ctx);
	buf_release(&fr);
	return rc;
}

/* A small template stored as it renders (typography applied). */
static void
snippet(struct rctx *r, const char *tname, struct value *page,
    const char *key)
{
	struct buf html = BUF_INIT;
	struct value *ctx = ctx_new(r, page);

	if (render_into(r, tname, ctx, "text/html", &html) == 0)
		pub_put_raw(r->pub, OUT_META, key, strlen(key), html.data,
		    html.len, 0);
	ctx_free(ctx);
	buf_release(&html);
}

/* Whether the stored agenda fragment at key has this VEVENT. */
static int
same_vevent(struct rctx *r, const struct buf *key, const struct buf *ics)
{
	struct buf raw = BUF_INIT;
	struct store_frag f;
	int same;

	same = pub_get(r->pub, OUT_AGENDA, key->data, key->len, &raw) == 0 &&
	    store_frag_parse(raw.data, raw.len, &f) == 0 &&
	    f.ics_len == ics->len && memcmp(f.ics, ics->data, ics->len) == 0;
	buf_release(&raw);
	return same;
}

/* The agenda entries of the events among only[0..n) (NULL: all). */
static void
render_agenda_docs(struct rctx *r, const size_t *only, size_t n)
{
	struct buf key = BUF_INIT, item = BUF_INIT, ics = BUF_INIT;
	struct buf frag = BUF_INIT;
	struct value *ctx;
	uint64_t dep;
	size_t at, i;

	if (only == NULL)
		n = r->s->ndocs;
	for (at = 0; at < n; at++) {
		const struct doc *d = r->s->docs[i = only != NULL ? only[at] :
		    at];

		if (!r->ev[i])
			continue;
		if (store_agenda_key_build(&key, r->eve[i], r->evs[i], d->url,
		    strlen(d->url)) == -1) {
			log_at(LOG_LVL_ERROR, d->path, 0, 0,
			    "URL too long for the agenda: %s", d->url);
			r->nerr++;
			continue;
		}
		dep = dep_doc(r, dep_start(r, "agenda-item"), d);
		if (!pub_fresh(r->pub, OUT_AGENDA, key.data, key.len, dep)) {
			ctx = ctx_new(r, page_of(r, i));
			if (render_into(r, "agenda-item", ctx, "text/html",
			    &item) == 0) {
				buf_reset(&ics);
				if (vevent(r, d, &ics) == 0) {
					if (r->chg != NULL && r->chg[i])
						r->chg[i] = same_vevent(r,
						    &key, &ics) ? 2 : 1;
					store_frag_build(&frag, item.data,
					    item.len, ics.data, ics.len);
					pub_put_raw(r->pub, OUT_AGENDA, key.data,
					    key.len, frag.data, frag.len, dep);
				}
			}
			ctx_free(ctx);
		}
		/* The event's own calendar file, beside its page. */
		buf_reset(&key);
		buf_add(&key, d->url, strlen(d->url) -
		    (d->url[strlen(d->url) - 1] == '/'));
		buf_adds(&key, ".ics");
		calendar(r, key.data, d->title, &d, 1);
	}
	buf_release(&key);
	buf_release(&item);
	buf_release(&ics);
	buf_release(&frag);
}

/* The agenda's frames and what the worker needs to fill them. */
static void
render_agenda(struct rctx *r)
{
	struct buf key = BUF_INIT, ics = BUF_INIT;
	struct value *page;

	render_agenda_docs(r, NULL, 0);
	page = value_new(VAL_MAP, 0, 0);
	page_set_str(page, "title", "Agenda");
	page_set_str(page, "url", "/agenda/");
	page_set_val(page, "upcoming", value_new_bool(1));
	frame(r, "agenda", page, STORE_META_AGENDA_HEAD,
	    STORE_META_AGENDA_TAIL);
	snippet(r, "agenda-vide", page, STORE_META_AGENDA_EMPTY);
	value_free(page);
	page = value_new(VAL_MAP, 0, 0);
	page_set_str(page, "title", "Événements passés");
	page_set_str(page, "url", "/agenda/passes/");
	frame(r, "agenda", page, STORE_META_PASSES_HEAD,
	    STORE_META_PASSES_TAIL);
	snippet(r, "agenda-vide", page, STORE_META_PASSES_EMPTY);
	snippet(r, "agenda-precedent", page, STORE_META_NAV_PREV);
	snippet(r, "agenda-suivant", page, STORE_META_NAV_NEXT);
	value_free(page);

	buf_reset(&key);
	buf_printf(&key, "%zu", r->s->per_page);
	pub_put_raw(r->pub, OUT_META, STORE_META_PAGE_SIZE,
	    strlen(STORE_META_PAGE_SIZE), key.data, key.len, 0);
	buf_reset(&ics);
	ics_head(&ics, "-//folio//numerique//FR", r->s->title, r->s->tz);
	pub_put_raw(r->pub, OUT_META, STORE_META_ICS_HEAD,
	    strlen(STORE_META_ICS_HEAD), ics.data, ics.len, 0);
	buf_reset(&ics);
	ics_tail(&ics);
	pub_put_raw(r->pub, OUT_META, STORE_META_ICS_TAIL,
	    strlen(STORE_META_ICS_TAIL), ics.data, ics.len, 0);
	buf_release(&key);
	buf_release(&ics);
}

static void
render_home(struct rctx *r)
{
	const struct doc **news;
	struct value *page;
	size_t i, n = 0;

	news = xreallocarray(NULL, HOME_NEWS, sizeof(*news));
	for (i = 0; i < r->s->ndocs && n < HOME_NEWS; i++)
		if (strcmp(r->newest[i]->col->label, "actualites") == 0)
			news[n++] = r->newest[i];
	page = value_new(VAL_MAP, 0, 0);
	page_set_str(page, "title", r->s->title);
	page_set_str(page, "url", "/");
	page_lend(page, "news", seq_pages(r, news, n));
	frame(r, "home", page, STORE_META_HOME_HEAD, STORE_META_HOME_TAIL);
	seq_unborrow(value_map_take(page, "news"));
	value_free(page);
	free(news);
}

/* The site's feed: its newest documents, whole. */
static void
site_feed(struct rctx *r)
{
	feed(r, "/feed.xml", r->s->title, "/", 1, r->newest, r->s->ndocs);
}

static void
render_misc(struct rctx *r)
{
	struct value *page, *ctx, *urls, *m;
	struct buf t = BUF_INIT;
	uint64_t dep;
	size_t i;

	site_feed(r);

	/* The sitemap shows URLs and dates, not what the pages say. */
	dep = dep_start(r, "sitemap");
	for (i = 0; i < r->s->ndocs; i++) {
		const struct doc *d = r->s->docs[i];
		const struct value *sm = value_map_get(d->fm, "sitemap");

		dep = dep_str(dep, d->url);
		dep = dep_u64(dep, (uint64_t)d->has_date |
		    (uint64_t)d->date.date_only << 1 |
		    (uint64_t)(page_fm_str(d, "redirect_to") != NULL) << 2 |
		    (uint64_t)(sm != NULL && !value_truthy(sm)) << 3);
		dep = dep_u64(dep, (uint64_t)d->date.secs);
		dep = dep_u64(dep, (uint64_t)(int64_t)d->date.offset);
	}
	if (!pub_fresh(r->pub, OUT_PAGES, "/sitemap.xml", 12, dep)) {
		page = value_new(VAL_MAP, 0, 0);
		urls = value_new(VAL_SEQ, 0, 0);
		for (i = 0; i < r->s->ndocs; i++) {
			const struct doc *d = r->s->docs[i];

			if (page_fm_str(d, "redirect_to") != NULL ||
			    (value_map_get(d->fm, "sitemap") != NULL &&
			    !value_truthy(value_map_get(d->fm, "sitemap"))))
				continue;
			m = value_new(VAL_MAP, 0, 0);
			page_abs_url(r->s, &t, d->url);
			page_set_buf(m, "loc", &t);
			if (d->has_date) {
				buf_reset(&t);
				date_rfc3339(&t, &d->date);
				page_set_buf(m, "lastmod", &t);
			}
			value_seq_push(urls, m);
		}
		page_set_val(page, "urls", urls);
		page_abs_url(r->s, &t, "/");
		page_set_buf(page, "home", &t);
		ctx = ctx_new(r, page);
		emit(r, "sitemap", ctx, "/sitemap.xml",
		    "application/xml; charset=utf-8", r->s->ndocs > 0 ?
		    r->newest[0]->date.secs : 0, 200, dep);
		ctx_free(ctx);
		value_free(page);
	}

	page = value_new(VAL_MAP, 0, 0);
	page_abs_url(r->s, &t, "/sitemap.xml");
	page_set_buf(page, "sitemap_url", &t);
	page_set_str(page, "title", "Page introuvable");
	ctx = ctx_new(r, page);
	dep = dep_start(r, "robots");
	if (!pub_fresh(r->pub, OUT_PAGES, "/robots.txt", 11, dep))
		emit(r, "robots", ctx, "/robots.txt",
		    "text/plain; charset=utf-8", 0, 200, dep);
	dep = dep_start(r, "404");
	if (!pub_fresh(r->pub, OUT_PAGES, "/404.html", 9, dep))
		emit(r, "404", ctx, "/404.html", "text/html; charset=utf-8",
		    0, 404, dep);
	ctx_free(ctx);
	value_free(page);
	buf_release(&t);
}

static struct value *
site_ctx(const struct site *s)
{
	struct value *v = value_clone(s->config);

	page_set_str(v, "title", s->title);
	page_set_str(v, "url", s->url);
	page_set_str(v, "baseurl", s->baseurl);
	page_set_str(v, "lang", s->lang);
	page_set_str(v, "description", s->description);
	page_set_str(v, "tag_pattern", s->tag_pattern);
	return v;
}

struct order {
	const struct doc *d;
	size_t idx;
};

/* Newest first; equal dates by URL, so the order is the same every run. */
static int
cmp_newest(const void *a, const void *b)
{
	const struct doc *x = ((const struct order *)a)->d;
	const struct doc *y = ((const struct order *)b)->d;

	if (x->date.secs != y->date.secs)
		return x->date.secs > y->date.secs ? -1 : 1;
	return strcmp(x->url, y->url);
}

/* What render_site() and render_patch() start from. */
static void
rctx_init(struct rctx *r, struct site *s, const struct tmpl_set *ts,
    struct pub *pub)
{
	size_t i, n = s->ndocs + 1;

	memset(r, 0, sizeof(*r));
	r->s = s;
	r->ts = ts;
	r->pub = pub;
	r->site_v = site_ctx(s);
	/* Code and configuration: a response depends on both. */
	r->base = dep_str(dep_u64(STORE_FNV0, s->cfg), "render-1");
	r->urls = STORE_FNV0;
	for (i = 0; i < s->ndocs; i++)
		r->urls = dep_str(r->urls, s->docs[i]->url);
	r->page_v = xcalloc(n, sizeof(*r->page_v));
	r->dh = xreallocarray(NULL, n, sizeof(*r->dh));
	for (i = 0; i < s->ndocs; i++) {
		s->docs[i]->seq = i;
		r->dh[i] = doc_dep_hash(r, s->docs[i]);
	}
	r->newest = xreallocarray(NULL, n, sizeof(*r->newest));
	r->pos = xreallocarray(NULL, n, sizeof(*r->pos));
	r->ev = xcalloc(n, sizeof(*r->ev));
	r->evs = xcalloc(n, sizeof(*r->evs));
	r->eve = xcalloc(n, sizeof(*r->eve));
}

static void
rctx_free(struct rctx *r)
{
	size_t i;

	for (i = 0; i < r->s->ndocs; i++)
		value_free(r->page_v[i]);
	free(r->page_v);
	free(r->dh);
	free(r->newest);
	free(r->pos);
	free(r->ev);
	free(r->evs);
	free(r->eve);
	value_free(r->site_v);
}

/* The plan's head: what it was laid out for. */
#define PLAN_MAGIC "FPL1"
#define PLAN_HEAD (4 + 8 + 8 + 8 + 4)
#define PLAN_DOC 17		/* per document: event, start, end */

static void
plan_head(const struct rctx *r, struct buf *b)
{
	unsigned char x[8];

	buf_add(b, PLAN_MAGIC, 4);
	store_put64(x, r->s->cfg);
	buf_add(b, x, 8);
	store_put64(x, tmpl_set_hash(r->ts));
	buf_add(b, x, 8);
	store_put64(x, r->urls);
	buf_add(b, x, 8);
	plan_put32(b, (uint32_t)r->s->ndocs);
}

int
render_site(struct site *s, const struct tmpl_set *ts, struct pub *pub,
    struct buf *plan)
{
	struct order *ord;
	struct rctx r;
	struct vtime st, en;
	unsigned char x[8];
	size_t i;

	rctx_init(&r, s, ts, pub);
	ord = xreallocarray(NULL, s->ndocs + 1, sizeof(*ord));
	for (i = 0; i < s->ndocs; i++) {
		ord[i].d = s->docs[i];
		ord[i].idx = i;
	}
	if (s->ndocs > 1)
		qsort(ord, s->ndocs, sizeof(*ord), cmp_newest);
	for (i = 0; i < s->ndocs; i++) {
		r.newest[i] = ord[i].d;
		r.pos[i] = ord[i].idx;
	}
	free(ord);
	for (i = 0; i < s->ndocs; i++) {
		if (page_event_times(s->docs[i], &st, &en) == -1)
			continue;
		r.ev[i] = 1;
		r.evs[i] = st.secs;
		r.eve[i] = en.secs;
	}
	if (plan != NULL) {
		buf_reset(plan);
		plan_head(&r, plan);
		for (i = 0; i < s->ndocs; i++)
			plan_put32(plan, (uint32_t)r.pos[i]);
		for (i = 0; i < s->ndocs; i++) {
			buf_addc(plan, (char)r.ev[i]);
			store_put64(x, (uint64_t)r.evs[i]);
			buf_add(plan, x, 8);
			store_put64(x, (uint64_t)r.eve[i]);
			buf_add(plan, x, 8);
		}
		r.plan = plan;
	}

	prepare_docs(&r, NULL, 0);
	/* Rendering a body says whether it links to other pages. */
	for (i = 0; i < s->ndocs; i++)
		r.dh[i] = doc_dep_hash(&r, s->docs[i]);
	render_docs(&r, NULL, 0);
	render_collections(&r, NULL);
	render_terms(&r, "tags", s->tag_pattern, "tag");
	render_terms(&r, "categories", s->cat_pattern, "categorie");
	render_agenda(&r);
	render_home(&r);
	render_misc(&r);
	rctx_free(&r);
	return r.nerr;
}

/* A view of a stored plan, checked. */
struct plan_view {
	const unsigned char *p, *end;
	const unsigned char *docs;	/* PLAN_DOC bytes per document */
	const unsigned char *terms[2];	/* tags, categories */
};

static int
plan_take(const unsigned char **p, const unsigned char *end, size_t n)
{
	if ((size_t)(end - *p) < n)
		return -1;
	*p += n;
	return 0;
}

/* Skips one section of terms, checking it. 0 or -1. */
static int
plan_terms(const unsigned char **p, const unsigned char *end, size_t ndocs)
{
	uint32_t ng, g, len, k, m;
	const unsigned char *q;

	if (plan_take(p, end, 4) == -1)
		return -1;
	ng = store_get32(*p - 4);
	for (g = 0; g < ng; g++) {
		for (k = 0; k < 2; k++) {
			if (plan_take(p, end, 4) == -1)
				return -1;
			len = store_get32(*p - 4);
			if (plan_take(p, end, len) == -1)
				return -1;
		}
		if (plan_take(p, end, 4) == -1)
			return -1;
		m = store_get32(*p - 4);
		q = *p;
		if (m > ndocs || plan_take(p, end, (size_t)m * 4) == -1)
			return -1;
		for (k = 0; k < m; k++)
			if (store_get32(q + 4 * k) >= ndocs)
				return -1;
	}
	return 0;
}

/*
 * Checks the stored plan raw against r (made for the same configuration,
 * templates and documents) and fills r's order and events from it.
 */
static int
plan_load(struct rctx *r, const struct buf *raw, struct plan_view *v)
{
	struct buf head = BUF_INIT;
	const unsigned char *p = (const unsigned char *)raw->data;
	const unsigned char *end = p + raw->len, *q;
	size_t i, n = r->s->ndocs;
	uint8_t *seen;
	int ok;

	plan_head(r, &head);
	ok = raw->len >= head.len && memcmp(raw->data, head.data,
	    head.len) == 0;
	buf_release(&head);
	if (!ok)
		return -1;
	p += PLAN_HEAD;
	q = p;
	if (plan_take(&p, end, n * 4) == -1)
		return -1;
	seen = xcalloc(n + 1, 1);
	for (i = 0; i < n; i++) {
		uint32_t k = store_get32(q + 4 * i);

		if (k >= n || seen[k]) {
			free(seen);
			return -1;
		}
		seen[k] = 1;
		r->pos[i] = k;
		r->newest[i] = r->s->docs[k];
	}
	free(seen);
	v->docs = p;
	if (plan_take(&p, end, n * PLAN_DOC) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		r->ev[i] = v->docs[i * PLAN_DOC] != 0;
		r->evs[i] = (int64_t)store_get64(v->docs + i * PLAN_DOC + 1);
		r->eve[i] = (int64_t)store_get64(v->docs + i * PLAN_DOC + 9);
	}
	v->terms[0] = p;
	if (plan_terms(&p, end, n) == -1)
		return -1;
	v->terms[1] = p;
	if (plan_terms(&p, end, n) == -1 || p != end)
		return -1;
	v->end = end;
	return 0;
}

/* The terms of one section of the plan that one of the changed carries. */
static void
patch_terms(struct rctx *r, const unsigned char *p, const uint8_t *chg,
    const char *pattern, const char *kind)
{
	const struct doc **docs = NULL, **events = NULL;
	struct buf slug = BUF_INIT, name = BUF_INIT;
	uint32_t ng, g, len, m, k;
	const unsigned char *mem;
	size_t cap = 0;

	ng = store_get32(p);
	p += 4;
	for (g = 0; g < ng; g++) {
		len = store_get32(p);
		buf_reset(&slug);
		buf_add(&slug, p + 4, len);
		p += 4 + len;
		len = store_get32(p);
		buf_reset(&name);
		buf_add(&name, p + 4, len);
		p += 4 + len;
		m = store_get32(p);
		mem = p + 4;
		p += 4 + (size_t)m * 4;
		for (k = 0; k < m; k++)
			if (chg[store_get32(mem + 4 * k)])
				break;
		if (k == m)
			continue;
		if (m > cap) {
			cap = m;
			docs = xreallocarray(docs, cap, sizeof(*docs));
			events = xreallocarray(events, cap, sizeof(*events));
		}
		for (k = 0; k < m; k++)
			docs[k] = r->s->docs[store_get32(mem + 4 * k)];
		term_outputs(r, pattern, kind, buf_cstr(&slug), buf_cstr(&name),
		    docs, m, events);
	}
	free(docs);
	free(events);
	buf_release(&slug);
	buf_release(&name);
}

int
render_patch(struct site *s, const struct tmpl_set *ts, struct pub *pub,
    struct doc *const *changed, size_t n)
{
	struct plan_view v;
	struct buf raw = BUF_INIT;
	struct rctx r;
	size_t *only, i, c;
	uint8_t *chg, *want;

	if (!pub_ledger_whole(pub) ||
	    pub_index_get(pub, RENDER_PLAN_KEY, &raw) != 0) {
		buf_release(&raw);
		return -1;
	}
	rctx_init(&r, s, ts, pub);
	if (plan_load(&r, &raw, &v) == -1) {
		rctx_free(&r);
		buf_release(&raw);
		return -1;
	}
	only = xreallocarray(NULL, n + 1, sizeof(*only));
	chg = xcalloc(s->ndocs + 1, 1);
	want = xcalloc(s->ncols + 1, 1);
	for (i = 0; i < n; i++) {
		only[i] = changed[i]->seq;
		chg[only[i]] = 1;
		for (c = 0; c < s->ncols; c++)
			if (changed[i]->col == &s->cols[c])
				want[c] = 1;
	}
	r.chg = chg;
	prepare_docs(&r, only, n);
	/* Rendering a body says whether it links to other pages. */
	for (i = 0; i < n; i++)
		r.dh[only[i]] = doc_dep_hash(&r, changed[i]);
	render_docs(&r, only, n);
	/* First: it finds out which VEVENTs came out the same. */
	render_agenda_docs(&r, only, n);
	render_collections(&r, want);
	patch_terms(&r, v.terms[0], chg, s->tag_pattern, "tag");
	patch_terms(&r, v.terms[1], chg, s->cat_pattern, "categorie");
	render_home(&r);
	site_feed(&r);
	/* The rest shows none of them: it stays as the last publish left it. */
	pub_keep_rest(pub);
	free(only);
	free(chg);
	free(want);
	rctx_free(&r);
	buf_release(&raw);
	return r.nerr;
}
