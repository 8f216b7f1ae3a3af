/*
 * lists: the responses that show many documents: collection, tag and
 * category listings (paginated), their feeds and calendars, and the VEVENT
 * of each event they carry. Part of the renderer (rctx.h).
 */
#include "lists.h"

#include <stdlib.h>
#include <string.h>

#include "bodies.h"
#include "date.h"
#include "ics.h"
#include "log.h"
#include "page.h"
#include "plan.h"
#include "store.h"
#include "terms.h"
#include "work.h"

#define FEED_ENTRIES 20

/*
 * Listing pages are rendered on the pool's threads too, up to LIST_AHEAD
 * at a time: the main thread makes each page's context and publishes the
 * pages in the order it made them, while it goes on with feeds and
 * calendars. Their contexts borrow documents' page contexts, which nothing
 * changes until lists_flush(): listings are flushed before a page context
 * is lent anything (a document's body, the site feed's contents).
 */
#define LIST_AHEAD 32
#define LIST_CTYPE "text/html; charset=utf-8"

struct lpage {
	struct rjob j;
	struct value *page;	/* j.ctx's page: "items" and "term" lent */
	struct value *own;	/* freed after this page (its term) */
	char *url;
	int64_t lm;
};

/* Publishes the oldest listing page being rendered. */
static void
list_finish(struct rctx *r)
{
	struct lpage *l = &r->lring[r->lhead++ % LIST_AHEAD];

	work_wait(pub_work(r->pub), &l->j.job);
	if (l->j.rc == -1) {
		log_ferr(l->j.epath != NULL ? l->j.epath : l->j.tname,
		    &l->j.e);
		r->nerr++;
	} else
		rctx_emit_body(r, &l->j.out, l->url, LIST_CTYPE, l->lm, 200,
		    l->j.dep);
	buf_release(&l->j.out);
	rctx_ctx_free(l->j.ctx);
	rctx_seq_unborrow(value_map_take(l->page, "items"));
	value_map_take(l->page, "term");
	value_free(l->page);
	value_free(l->own);
	free(l->url);
	memset(l, 0, sizeof(*l));
}

/* Publishes every listing page being rendered. */
void
lists_flush(struct rctx *r)
{
	while (r->lhead < r->ltail)
		list_finish(r);
}

/* Queues the rendering of a listing page (page and url taken over). */
static void
list_submit(struct rctx *r, struct value *page, char *url, int64_t lm,
    uint64_t dep)
{
	struct lpage *l;

	if (r->lring == NULL)
		r->lring = xcalloc(LIST_AHEAD, sizeof(*r->lring));
	if (r->ltail - r->lhead == LIST_AHEAD)
		list_finish(r);
	l = &r->lring[r->ltail++ % LIST_AHEAD];
	l->page = page;
	l->url = url;
	l->lm = lm;
	l->j.ts = r->ts;
	l->j.tname = "liste";
	l->j.dep = dep;
	l->j.ctx = rctx_ctx_new(r, page);
	l->j.job.run = rctx_job_run;
	work_submit(pub_work(r->pub), &l->j.job);
}

/*
 * A paginated listing of docs (newest first) at base ("/actualites/"):
 * base, base + "page/2/", ... with rel prev/next. extra (the term, may be
 * NULL; taken over) adds to every page's dependencies through extra_dep.
 */
static void
listing(struct rctx *r, const char *base, const char *title,
    const char *kind, struct value *extra, uint64_t extra_dep,
    const struct doc *const *docs, size_t n)
{
	struct value *page, *pg;
	struct buf url = BUF_INIT, t = BUF_INIT;
	size_t per = r->s->per_page, npages, k, first, cnt, i;
	uint64_t dep, h;
	int submitted = 0;

	npages = n == 0 ? 1 : (n + per - 1) / per;
	for (k = 0; k < npages; k++) {
		first = k * per;
		cnt = n - first < per ? n - first : per;
		buf_reset(&url);
		buf_adds(&url, base);
		if (k > 0)
			buf_printf(&url, "page/%zu/", k + 1);
		dep = rctx_dep_start(r, "liste");
		dep = rctx_dep_str(rctx_dep_str(rctx_dep_str(dep, base), title),
		    kind);
		dep = rctx_dep_u64(rctx_dep_u64(rctx_dep_u64(dep, k), npages),
		    extra_dep);
		h = dep;
		for (i = 0; i < cnt; i++)
			dep = rctx_dep_doc(r, dep, docs[first + i]);
		if (pub_fresh(r->pub, OUT_PAGES, url.data, url.len, dep) ||
		    rctx_relist(r, url.data, h, docs + first, cnt, dep))
			continue;
		page = value_new(VAL_MAP, 0, 0);
		page_set_str(page, "title", title);
		page_set_str(page, "kind", kind);
		page_lend(page, "items", rctx_seq_pages(r, docs + first, cnt));
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
		list_submit(r, page, xstrndup(url.data, url.len),
		    n > 0 ? docs[first]->date.secs : 0, dep);
		submitted = 1;
	}
	/* The term goes with the last page that borrows it. */
	if (submitted)
		r->lring[(r->ltail - 1) % LIST_AHEAD].own = extra;
	else
		value_free(extra);
	buf_release(&url);
	buf_release(&t);
}

/* ---- tags and categories ---- */


/*
 * The listing, feed and calendar of one tag or category: docs[0..n) carry
 * it, newest first; events is room for n.
 */
void
lists_term_outputs(struct rctx *r, const char *pattern, const char *kind,
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
		if (r->ev[docs[k]->seq].event)
			events[ne++] = docs[k];
	if (ne > 0) {
		buf_reset(&u);
		buf_adds(&u, r->s->baseurl);
		buf_printf(&u, "%sagenda.ics", base.data);
		page_set_buf(term, "ics_url", &u);
	}
	tdep = rctx_dep_str(rctx_dep_u64(0, ne > 0), name);
	listing(r, base.data, name, kind, term, tdep, docs, n);
	buf_printf(&title, "%s – %s", r->s->title, name);
	buf_reset(&u);
	buf_printf(&u, "%sfeed.xml", base.data);
	lists_feed(r, u.data, title.data, base.data, 0, docs, n);
	if (ne > 0) {
		buf_reset(&u);
		buf_printf(&u, "%sagenda.ics", base.data);
		lists_calendar(r, u.data, title.data, events, ne);
	}
	buf_release(&base);
	buf_release(&u);
	buf_release(&title);
}

void
lists_terms(struct rctx *r, const char *field, const char *pattern,
    const char *kind)
{
	struct terms memo;
	struct term *t;
	const struct doc **docs, **events;
	size_t n, i, j, k, ng = 0, at = 0, *seqs;

	memset(&memo, 0, sizeof(memo));
	t = terms_collect(r->newest, r->s->ndocs, field, &memo, &n);
	docs = xreallocarray(NULL, n + 1, sizeof(*docs));
	events = xreallocarray(NULL, n + 1, sizeof(*events));
	seqs = xreallocarray(NULL, n + 1, sizeof(*seqs));
	if (r->plan != NULL)
		at = plan_section(r->plan);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && t[j].slug == t[i].slug; j++)
			docs[j - i] = t[j].doc;
		/* The display name keeps its first spelling (oldest doc). */
		lists_term_outputs(r, pattern, kind, t[i].slug, t[j - 1].name,
		    docs, j - i, events);
		if (r->plan != NULL) {
			for (k = 0; k < j - i; k++)
				seqs[k] = docs[k]->seq;
			plan_term(r->plan, t[i].slug, t[j - 1].name, seqs,
			    j - i);
		}
		ng++;
	}
	lists_flush(r);
	if (r->plan != NULL)
		plan_section_end(r->plan, at, ng);
	terms_free(&memo);
	free(seqs);
	free(t);
	free(docs);
	free(events);
}

/*
 * Collection listings at the fixed part of their permalink ("/actualites/"):
 * of every collection, or of those want[] marks.
 */
void
lists_collections(struct rctx *r, const uint8_t *want)
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
	lists_flush(r);
	free(docs);
	buf_release(&base);
}

/* ---- feeds, calendars, sitemap ---- */

/*
 * An Atom feed of the newest entries. The site's feed carries each entry's
 * whole content; tag and category feeds carry summaries (full = 0), which
 * keeps hundreds of them from each repeating twenty whole pages.
 */
void
lists_feed(struct rctx *r, const char *url, const char *title,
    const char *html_url, int full, const struct doc *const *docs, size_t n)
{
	struct value *page, *ctx, *entries;
	struct buf t = BUF_INIT;
	struct vtime vt;
	size_t i, m = n < FEED_ENTRIES ? n : FEED_ENTRIES;
	uint64_t dep, h;

	dep = rctx_dep_str(rctx_dep_str(rctx_dep_start(r, "feed"), title),
	    html_url);
	dep = rctx_dep_u64(dep, (uint64_t)full);
	h = dep;
	for (i = 0; i < m; i++)
		dep = rctx_dep_doc(r, dep, docs[i]);
	/* A whole content is not in a page context: the site's feed shows
	 * every change. */
	if (pub_fresh(r->pub, OUT_PAGES, url, strlen(url), dep) ||
	    (!full && rctx_relist(r, url, h, docs, m, dep)))
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
	entries = rctx_seq_pages(r, docs, m);
	for (i = 0; full && i < m; i++) {
		struct doc *d = r->s->docs[docs[i]->seq];

		if (bodies_get(r->pub, d) == -1)
			r->nerr++;
		page_lend(entries->u.seq.items[i], "content", value_new_str(
		    buf_cstr(&d->body_html), d->body_html.len));
	}
	page_lend(page, "entries", entries);
	page_set_val(page, "full", value_new_bool(full));
	ctx = rctx_ctx_new(r, page);
	rctx_emit(r, "feed", ctx, url, "application/atom+xml; charset=utf-8",
	    n > 0 ? docs[0]->date.secs : 0, 200, dep);
	rctx_ctx_free(ctx);
	for (i = 0; full && i < m; i++)
		value_free(value_map_take(entries->u.seq.items[i], "content"));
	rctx_seq_unborrow(value_map_take(page, "entries"));
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
	const struct value *page = rctx_page(r, d->seq);
	const char *lieu = page_fm_str(d, "lieu");
	const char *adr = page_fm_str(d, "adresse");
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

/* The VEVENT of d, appended to out: made once per publish. */
int
lists_vevent(struct rctx *r, const struct doc *d, struct buf *out)
{
	struct buf *m;

	if (r->vev == NULL)
		r->vev = xcalloc(r->s->ndocs + 1, sizeof(*r->vev));
	m = &r->vev[d->seq];
	if (m->len == 0 && vevent(r, d, m) == -1) {
		buf_add(out, m->data, m->len);
		buf_release(m);
		return -1;
	}
	buf_add(out, m->data, m->len);
	return 0;
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

	if (!(d->flags & CACHE_LINKS) && r->ev[d->seq].event &&
	    store_agenda_key_build(&key, r->ev[d->seq].end,
	    r->ev[d->seq].start, d->url,
	    strlen(d->url)) == 0 &&
	    pub_stored(r->pub, OUT_AGENDA, key.data, key.len,
	    rctx_dep_doc(r, rctx_dep_start(r, "agenda-item"), d)) &&
	    pub_get(r->pub, OUT_AGENDA, key.data, key.len, &raw) == 0 &&
	    store_frag_parse(raw.data, raw.len, &f) == 0 && f.ics_len > 0) {
		buf_add(out, f.ics, f.ics_len);
		rc = 0;
	}
	buf_release(&key);
	buf_release(&raw);
	return rc == 0 ? 0 : lists_vevent(r, d, out);
}

/* Publishes body (taken over) as the calendar at url of events[0..n). */
static void
calendar_put(struct rctx *r, const char *url, struct buf *body,
    const struct doc *const *events, size_t n, uint64_t dep)
{
	struct output o;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.key = url;
	o.key_len = strlen(url);
	o.ctype = "text/calendar; charset=utf-8";
	o.status = 200;
	o.body = *body;
	memset(body, 0, sizeof(*body));
	for (i = 0; i < n; i++)
		if (events[i]->date.secs > o.last_modified)
			o.last_modified = events[i]->date.secs;
	pub_put_page(r->pub, &o, dep);
}

/*
 * render_patch(): the calendar at url of events[0..n) as the last publish
 * stored it (from h and each event's hash in that publish), with the
 * VEVENT of each changed event replaced: a category's calendar may hold
 * thousands of events, each read from its agenda fragment otherwise.
 * Returns 1 (published with the hash dep), or 0: make it whole.
 */
static int
calendar_patch(struct rctx *r, const char *url, uint64_t h,
    const struct doc *const *events, size_t n, uint64_t dep)
{
	struct buf raw = BUF_INIT, body = BUF_INIT;
	struct store_page sp;
	const struct buf *was, *now;
	const char *p, *end, *at;
	size_t i, seq;
	uint8_t c;
	int rc = 0;

	if (!rctx_was_hash(r, &h, events, n, RCTX_WAS))
		return 0;
	for (i = 0; i < n; i++) {
		seq = events[i]->seq;
		c = r->chg[seq];
		if (c != 0 && !(c & RCTX_SAME_VEVENT) && (r->ovev == NULL ||
		    r->ovev[seq].len == 0 || r->vev == NULL ||
		    r->vev[seq].len == 0))
			return 0;
	}
	if (!pub_stored(r->pub, OUT_PAGES, url, strlen(url), h) ||
	    pub_get(r->pub, OUT_PAGES, url, strlen(url), &raw) != 0 ||
	    store_page_parse(raw.data, raw.len, &sp) == -1 ||
	    sp.nvariants == 0 || sp.v[0].enc != STORE_ENC_IDENTITY)
		goto out;
	p = sp.v[0].body;
	end = p + sp.v[0].body_len;
	for (i = 0; i < n; i++) {
		seq = events[i]->seq;
		c = r->chg[seq];
		if (c == 0 || (c & RCTX_SAME_VEVENT))
			continue;
		was = &r->ovev[seq];
		now = &r->vev[seq];
		/* The events are in the calendar's order. */
		if ((at = mem_find(p, (size_t)(end - p), was->data,
		    was->len)) == NULL)
			goto out;
		buf_add(&body, p, (size_t)(at - p));
		buf_add(&body, now->data, now->len);
		p = at + was->len;
	}
	buf_add(&body, p, (size_t)(end - p));
	calendar_put(r, url, &body, events, n, dep);
	rc = 1;
out:
	buf_release(&body);
	buf_release(&raw);
	return rc;
}

void
lists_calendar(struct rctx *r, const char *url, const char *title,
    const struct doc *const *events, size_t n)
{
	struct buf body = BUF_INIT;
	size_t i;
	uint64_t dep = rctx_dep_str(rctx_dep_start(r, NULL), title), h;

	dep = rctx_dep_str(dep, "calendar");
	h = dep;
	for (i = 0; i < n; i++)
		dep = rctx_dep_doc(r, dep, events[i]);
	if (pub_fresh(r->pub, OUT_PAGES, url, strlen(url), dep))
		return;
	/*
	 * Changed documents whose VEVENT came out the same leave the
	 * calendar as it was: a category's may hold thousands.
	 */
	for (i = 0; r->chg != NULL && i < n; i++)
		if ((r->chg[events[i]->seq] & (RCTX_CHANGED |
		    RCTX_SAME_VEVENT)) == RCTX_CHANGED)
			break;
	if (r->chg != NULL && i == n &&
	    pub_reclaim(r->pub, OUT_PAGES, url, strlen(url), dep))
		return;
	if (r->chg != NULL && calendar_patch(r, url, h, events, n, dep))
		return;
	ics_head(&body, "-//folio//numerique//FR", title, r->s->tz);
	for (i = 0; i < n; i++)
		event_ics(r, events[i], &body);
	ics_tail(&body);
	calendar_put(r, url, &body, events, n, dep);
}
