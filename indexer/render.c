#include "render.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bodies.h"
#include "cache.h"
#include "date.h"
#include "ics.h"
#include "lists.h"
#include "log.h"
#include "page.h"
#include "plan.h"
#include "rctx.h"
#include "store.h"
#include "typo.h"

#define HOME_NEWS 4
/* Stands for the list in a frame template; split out after rendering. */
#define ITEMS_MARK "\x01" "folio-items" "\x01"


/* ---- what each response is made of ---- */

/*
 * The hash of what a response is made of goes on from h, eight bytes at a
 * time: every publish hashes the dependencies of every response it looks
 * at (a site's URLs, its documents' hashes).
 */
uint64_t
rctx_dep_u64(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0xff51afd7ed558ccdULL;
	h ^= h >> 32;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

uint64_t
rctx_dep_str(uint64_t h, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i;
	uint64_t w;

	h = rctx_dep_u64(h, (uint64_t)len);
	for (; len >= 8; p += 8, len -= 8)
		h = rctx_dep_u64(h, store_get64(p));
	for (w = 0, i = 0; i < len; i++)
		w |= (uint64_t)p[i] << (8 * i);
	return rctx_dep_u64(h, w);
}

/*
 * Everything a document brings to a response that shows it: its source
 * (src_hash), its URL, and the URLs it links to (flags).
 */
static uint64_t
doc_dep_hash(const struct rctx *r, uint64_t src_hash, const char *url,
    uint32_t flags)
{
	uint64_t h = rctx_dep_u64(STORE_FNV0, src_hash);

	h = rctx_dep_str(h, url);
	if (flags & CACHE_LINKS)
		h = rctx_dep_u64(h, r->urls);
	return h;
}

/*
 * A document's dependency hash is made on first use, once the bodies read
 * again are rendered (rendering a body says whether it links to other
 * pages): a publish that renders a few responses looks at a few of them.
 * 0 stands for "not made yet"; a document whose hash is 0 has it made
 * each time.
 */
uint64_t
rctx_dep_doc(const struct rctx *r, uint64_t h, const struct doc *d)
{
	uint64_t v = r->dh[d->seq];

	if (v == 0)
		v = r->dh[d->seq] = doc_dep_hash(r, d->src_hash, d->url,
		    d->flags);
	return rctx_dep_u64(h, v);
}

int
rctx_was_hash(struct rctx *r, uint64_t *h, const struct doc *const *docs,
    size_t n, uint8_t need)
{
	size_t i;
	uint8_t c;

	if (r->chg == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		c = r->chg[docs[i]->seq];
		if (c == 0)
			*h = rctx_dep_doc(r, *h, docs[i]);
		else if ((c & need) == need && (c & RCTX_WAS))
			*h = rctx_dep_u64(*h, r->odh[docs[i]->seq]);
		else
			return 0;
	}
	return 1;
}

int
rctx_relist(struct rctx *r, const char *url, uint64_t h,
    const struct doc *const *docs, size_t n, uint64_t dep)
{
	/* Stored from that hash, it shows each of them as it would now. */
	return rctx_was_hash(r, &h, docs, n, RCTX_SAME_PAGE) &&
	    pub_refresh(r->pub, OUT_PAGES, url, strlen(url), h, dep);
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
uint64_t
rctx_dep_start(struct rctx *r, const char *tname)
{
	uint64_t h = r->base;

	if (tname != NULL) {
		h = rctx_dep_str(h, tname);
		h = rctx_dep_u64(h, template_hash(r, tname));
	}
	return h;
}

/* The page context of document i, built the first time it is needed. */
struct value *
rctx_page(struct rctx *r, size_t i)
{
	struct doc *d = r->s->docs[i];

	if (d->page_ctx == NULL) {
		if (site_doc_full(r->s, d) == -1)
			r->nerr++;
		if (bodies_get(r->pub, d) == -1)
			r->nerr++;
		d->page_ctx = page_doc_ctx(r->s, d);
	}
	return d->page_ctx;
}

/* ---- emitting ---- */

/* Frees a sequence of borrowed items (page contexts), not the items. */
void
rctx_seq_unborrow(struct value *seq)
{
	size_t i;

	if (seq == NULL)
		return;
	for (i = 0; i < seq->u.seq.n; i++)
		seq->u.seq.items[i] = NULL;
	value_free(seq);
}

/* Page contexts of docs (in that order), for a list. */
struct value *
rctx_seq_pages(struct rctx *r, const struct doc *const *docs, size_t n)
{
	struct value *seq = value_new(VAL_SEQ, 0, 0);
	size_t i;

	for (i = 0; i < n; i++)
		value_seq_push(seq, rctx_page(r, docs[i]->seq));
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
void
rctx_emit_body(struct rctx *r, struct buf *body, const char *url,
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
void
rctx_emit(struct rctx *r, const char *tname, const struct value *ctx,
    const char *url, const char *ctype, int64_t lm, uint16_t status,
    uint64_t dep)
{
	struct buf body = BUF_INIT;

	if (render_into(r, tname, ctx, ctype, &body) == 0)
		rctx_emit_body(r, &body, url, ctype, lm, status, dep);
	buf_release(&body);
}

/* A context {site, page} whose two entries are borrowed. */
struct value *
rctx_ctx_new(struct rctx *r, struct value *page)
{
	struct value *ctx = value_new(VAL_MAP, 0, 0);

	page_lend(ctx, "site", r->site_v);
	page_lend(ctx, "page", page);
	return ctx;
}

/* Takes back what rctx_ctx_new() lent, and frees the rest. */
void
rctx_ctx_free(struct value *ctx)
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
	uint64_t dep = rctx_dep_str(rctx_dep_str(rctx_dep_start(r, NULL), from),
	    to);

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
 * contexts (rctx_page() caches them), the claims, the reports. A page is
 * rendered ahead on a guess that it is not fresh; when pub_fresh() then
 * says it is, the rendering is dropped.
 */
#define RENDER_AHEAD 48
#define DOC_CTYPE "text/html; charset=utf-8"


void
rctx_job_run(struct work_job *job, unsigned th)
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
	struct value *page = rctx_page(r, i);

	/* The body is lent for this page only: lists do not show it. */
	page_lend(page, "content", value_new_str(buf_cstr(&d->body_html),
	    d->body_html.len));
	return rctx_ctx_new(r, page);
}

/* Takes back what doc_ctx() lent, and drops the body. */
static void
doc_ctx_free(struct rctx *r, size_t i, struct value *ctx)
{
	struct doc *d = r->s->docs[i];

	rctx_ctx_free(ctx);
	value_free(value_map_take(r->s->docs[i]->page_ctx, "content"));
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
 * missing one (through rctx_page()).
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
	dep = rctx_dep_doc(r, rctx_dep_start(r, tname), d);
	if (pub_stored(r->pub, OUT_PAGES, d->url, strlen(d->url), dep))
		return;
	if (site_doc_full(r->s, d) == -1) {
		r->nerr++;
		return;
	}
	if (bodies_load(r->pub, d) != 0)
		return;
	j->ts = r->ts;
	j->tname = tname;
	j->dep = dep;
	j->ctx = doc_ctx(r, i);
	j->job.run = rctx_job_run;
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
		dep = rctx_dep_doc(r, rctx_dep_start(r, tname), d);
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
				rctx_emit_body(r, &j->out, d->url, DOC_CTYPE,
				    d->date.secs, 200, dep);
			doc_ctx_free(r, i, ctx);
			buf_release(&j->out);
			continue;
		}
		if (j->rc == -1) {
			log_ferr(j->epath != NULL ? j->epath : j->tname, &j->e);
			r->nerr++;
		} else
			rctx_emit_body(r, &j->out, d->url, DOC_CTYPE,
			    d->date.secs, 200, j->dep);
		doc_ctx_free(r, i, j->ctx);
		buf_release(&j->out);
		j->on = 0;
	}
	free(ring);
	pub_origin(r->pub, NULL, 0, 0);
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
	ctx = rctx_ctx_new(r, page);
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
	rctx_ctx_free(ctx);
	buf_release(&fr);
	return rc;
}

/* A small template stored as it renders (typography applied). */
static void
snippet(struct rctx *r, const char *tname, struct value *page,
    const char *key)
{
	struct buf html = BUF_INIT;
	struct value *ctx = rctx_ctx_new(r, page);

	if (render_into(r, tname, ctx, "text/html", &html) == 0)
		pub_put_raw(r->pub, OUT_META, key, strlen(key), html.data,
		    html.len, 0);
	rctx_ctx_free(ctx);
	buf_release(&html);
}

/*
 * Whether the stored agenda fragment at key has this VEVENT of document
 * i; the one it has is kept (rctx.ovev) for the calendars to replace.
 */
static int
same_vevent(struct rctx *r, size_t i, const struct buf *key,
    const struct buf *ics)
{
	struct buf raw = BUF_INIT;
	struct store_frag f;
	int same = 0;

	if (pub_get(r->pub, OUT_AGENDA, key->data, key->len, &raw) == 0 &&
	    store_frag_parse(raw.data, raw.len, &f) == 0) {
		same = f.ics_len == ics->len &&
		    memcmp(f.ics, ics->data, ics->len) == 0;
		if (r->ovev == NULL)
			r->ovev = xcalloc(r->s->ndocs + 1, sizeof(*r->ovev));
		buf_reset(&r->ovev[i]);
		buf_add(&r->ovev[i], f.ics, f.ics_len);
	}
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

		if (!r->ev[i].event)
			continue;
		if (store_agenda_key_build(&key, r->ev[i].end, r->ev[i].start,
		    d->url,
		    strlen(d->url)) == -1) {
			log_at(LOG_LVL_ERROR, d->path, 0, 0,
			    "URL too long for the agenda: %s", d->url);
			r->nerr++;
			continue;
		}
		dep = rctx_dep_doc(r, rctx_dep_start(r, "agenda-item"), d);
		if (!pub_fresh(r->pub, OUT_AGENDA, key.data, key.len, dep)) {
			ctx = rctx_ctx_new(r, rctx_page(r, i));
			if (render_into(r, "agenda-item", ctx, "text/html",
			    &item) == 0) {
				buf_reset(&ics);
				if (lists_vevent(r, d, &ics) == 0) {
					if (r->chg != NULL && r->chg[i] &&
					    same_vevent(r, i, &key, &ics))
						r->chg[i] |= RCTX_SAME_VEVENT;
					store_frag_build(&frag, item.data,
					    item.len, ics.data, ics.len);
					pub_put_raw(r->pub, OUT_AGENDA,
					    key.data, key.len, frag.data,
					    frag.len, dep);
				}
			}
			rctx_ctx_free(ctx);
		}
		/* The event's own calendar file, beside its page. */
		buf_reset(&key);
		buf_add(&key, d->url, strlen(d->url) -
		    (d->url[strlen(d->url) - 1] == '/'));
		buf_adds(&key, ".ics");
		lists_calendar(r, key.data, d->title, &d, 1);
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
	/*
	 * render_patch(): when every news item shows as it did, the stored
	 * frame (every publish renders it or keeps it so) stays as it is.
	 */
	for (i = 0; r->chg != NULL && i < n; i++)
		if ((r->chg[news[i]->seq] & (RCTX_CHANGED | RCTX_SAME_PAGE)) ==
		    RCTX_CHANGED)
			break;
	if (r->chg != NULL && i == n &&
	    pub_stored(r->pub, OUT_META, STORE_META_HOME_HEAD,
	    strlen(STORE_META_HOME_HEAD), 0) &&
	    pub_stored(r->pub, OUT_META, STORE_META_HOME_TAIL,
	    strlen(STORE_META_HOME_TAIL), 0)) {
		pub_reclaim(r->pub, OUT_META, STORE_META_HOME_HEAD,
		    strlen(STORE_META_HOME_HEAD), 0);
		pub_reclaim(r->pub, OUT_META, STORE_META_HOME_TAIL,
		    strlen(STORE_META_HOME_TAIL), 0);
		free(news);
		return;
	}
	page = value_new(VAL_MAP, 0, 0);
	page_set_str(page, "title", r->s->title);
	page_set_str(page, "url", "/");
	page_lend(page, "news", rctx_seq_pages(r, news, n));
	frame(r, "home", page, STORE_META_HOME_HEAD, STORE_META_HOME_TAIL);
	rctx_seq_unborrow(value_map_take(page, "news"));
	value_free(page);
	free(news);
}

/* The site's feed: its newest documents, whole. */
static void
site_feed(struct rctx *r)
{
	lists_feed(r, "/feed.xml", r->s->title, "/", 1, r->newest, r->s->ndocs);
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
	dep = rctx_dep_start(r, "sitemap");
	for (i = 0; i < r->s->ndocs; i++) {
		const struct doc *d = r->s->docs[i];
		const struct value *sm = value_map_get(d->fm, "sitemap");

		dep = rctx_dep_str(dep, d->url);
		dep = rctx_dep_u64(dep, (uint64_t)d->has_date |
		    (uint64_t)d->date.date_only << 1 |
		    (uint64_t)(page_fm_str(d, "redirect_to") != NULL) << 2 |
		    (uint64_t)(sm != NULL && !value_truthy(sm)) << 3);
		dep = rctx_dep_u64(dep, (uint64_t)d->date.secs);
		dep = rctx_dep_u64(dep, (uint64_t)(int64_t)d->date.offset);
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
		ctx = rctx_ctx_new(r, page);
		rctx_emit(r, "sitemap", ctx, "/sitemap.xml",
		    "application/xml; charset=utf-8", r->s->ndocs > 0 ?
		    r->newest[0]->date.secs : 0, 200, dep);
		rctx_ctx_free(ctx);
		value_free(page);
	}

	page = value_new(VAL_MAP, 0, 0);
	page_abs_url(r->s, &t, "/sitemap.xml");
	page_set_buf(page, "sitemap_url", &t);
	page_set_str(page, "title", "Page introuvable");
	ctx = rctx_ctx_new(r, page);
	dep = rctx_dep_start(r, "robots");
	if (!pub_fresh(r->pub, OUT_PAGES, "/robots.txt", 11, dep))
		rctx_emit(r, "robots", ctx, "/robots.txt",
		    "text/plain; charset=utf-8", 0, 200, dep);
	dep = rctx_dep_start(r, "404");
	if (!pub_fresh(r->pub, OUT_PAGES, "/404.html", 9, dep))
		rctx_emit(r, "404", ctx, "/404.html",
		    "text/html; charset=utf-8", 0, 404, dep);
	rctx_ctx_free(ctx);
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

/* The hash of every document's URL, in order (rctx.urls). */
static uint64_t
site_urls(const struct site *s)
{
	uint64_t h = STORE_FNV0;
	size_t i;

	for (i = 0; i < s->ndocs; i++)
		h = rctx_dep_str(h, s->docs[i]->url);
	return h;
}

/* What render_site() and render_patch() start from (but urls). */
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
	r->base = rctx_dep_str(rctx_dep_u64(STORE_FNV0, s->cfg), "render-1");
	r->dh = xcalloc(n, sizeof(*r->dh));
	for (i = 0; i < s->ndocs; i++)
		s->docs[i]->seq = i;
	r->newest = xreallocarray(NULL, n, sizeof(*r->newest));
	r->pos = xreallocarray(NULL, n, sizeof(*r->pos));
	r->ev = xcalloc(n, sizeof(*r->ev));
}

static void
rctx_free(struct rctx *r)
{
	size_t i;

	free(r->dh);
	free(r->odh);
	free(r->newest);
	free(r->pos);
	free(r->ev);
	if (r->vev != NULL)
		for (i = 0; i < r->s->ndocs; i++)
			buf_release(&r->vev[i]);
	free(r->vev);
	if (r->ovev != NULL)
		for (i = 0; i < r->s->ndocs; i++)
			buf_release(&r->ovev[i]);
	free(r->ovev);
	lists_flush(r);
	free(r->lring);
	value_free(r->site_v);
}

/* What the plan of r is made for. */
static void
head_of(const struct rctx *r, struct plan_head *h)
{
	h->cfg = r->s->cfg;
	h->templates = tmpl_set_hash(r->ts);
	h->urls = r->urls;
	h->ndocs = (uint32_t)r->s->ndocs;
}

int
render_site(struct site *s, const struct tmpl_set *ts, struct pub *pub,
    struct buf *plan)
{
	struct plan_head h;
	struct order *ord;
	struct rctx r;
	struct vtime st, en;
	size_t i;

	rctx_init(&r, s, ts, pub);
	r.urls = site_urls(s);
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
		r.ev[i].event = 1;
		r.ev[i].start = st.secs;
		r.ev[i].end = en.secs;
	}
	if (plan != NULL) {
		head_of(&r, &h);
		plan_begin(plan, &h, r.pos, r.ev);
		r.plan = plan;
	}

	r.nerr += bodies_prepare(s, pub, NULL, 0, NULL);
	/*
	 * The sources read on the reader's thread (docread.c) are in its
	 * malloc arena, and bodies_prepare() has just freed them: given
	 * back, or they stay resident (a full publish of the benchmark site
	 * peaked 35-50 MB higher).
	 */
	malloc_trim(0);
	render_docs(&r, NULL, 0);
	lists_collections(&r, NULL);
	lists_terms(&r, "tags", s->tag_pattern, "tag");
	lists_terms(&r, "categories", s->cat_pattern, "categorie");
	render_agenda(&r);
	render_home(&r);
	render_misc(&r);
	rctx_free(&r);
	return r.nerr;
}

/* The terms of one section of the plan that one of the changed carries. */
static void
patch_terms(struct rctx *r, const struct plan *pl, int section,
    const uint8_t *chg, const char *pattern, const char *kind)
{
	const struct doc **docs = NULL, **events = NULL;
	struct buf slug = BUF_INIT, name = BUF_INIT;
	struct plan_cursor c;
	struct plan_term t;
	size_t k, cap = 0;

	for (plan_terms(pl, section, &c); plan_next(&c, &t);) {
		for (k = 0; k < t.n; k++)
			if (chg[plan_term_doc(&t, k)])
				break;
		if (k == t.n)
			continue;
		if (t.n > cap) {
			cap = t.n;
			docs = xreallocarray(docs, cap, sizeof(*docs));
			events = xreallocarray(events, cap, sizeof(*events));
		}
		for (k = 0; k < t.n; k++)
			docs[k] = r->s->docs[plan_term_doc(&t, k)];
		buf_reset(&slug);
		buf_add(&slug, t.slug.p, t.slug.len);
		buf_reset(&name);
		buf_add(&name, t.name.p, t.name.len);
		lists_term_outputs(r, pattern, kind, buf_cstr(&slug),
		    buf_cstr(&name), docs, t.n, events);
	}
	lists_flush(r);
	free(docs);
	free(events);
	buf_release(&slug);
	buf_release(&name);
}

int
render_patch(struct site *s, const struct tmpl_set *ts, struct pub *pub,
    struct doc *const *changed, size_t n)
{
	struct plan_head h;
	struct plan pl;
	struct buf raw = BUF_INIT;
	struct bodies_was *was;
	struct rctx r;
	size_t *only, i, c;
	uint8_t *chg, *want;

	if (!pub_ledger_whole(pub) ||
	    pub_index_get(pub, RENDER_PLAN_KEY, &raw) != 0) {
		buf_release(&raw);
		return -1;
	}
	rctx_init(&r, s, ts, pub);
	/*
	 * The URLs are those the plan was made for: render_site() stores
	 * it with a site index of the same documents and URLs, a patch
	 * stores a site index of those again, and site_same_shape() found
	 * every document at its place in the stored one, with its URL.
	 * (Hashing the 10,000 URLs of the benchmark site took a fifth of a
	 * patch's rendering.)
	 */
	if (plan_head_read(raw.data, raw.len, &h) == -1) {
		rctx_free(&r);
		buf_release(&raw);
		return -1;
	}
	r.urls = h.urls;
	head_of(&r, &h);
	if (plan_parse(raw.data, raw.len, &h, &pl) == -1) {
		rctx_free(&r);
		buf_release(&raw);
		return -1;
	}
	for (i = 0; i < s->ndocs; i++) {
		r.pos[i] = plan_newest(&pl, i);
		r.newest[i] = s->docs[r.pos[i]];
		plan_doc_get(&pl, i, &r.ev[i]);
	}
	only = xreallocarray(NULL, n + 1, sizeof(*only));
	chg = xcalloc(s->ndocs + 1, 1);
	want = xcalloc(s->ncols + 1, 1);
	for (i = 0; i < n; i++) {
		only[i] = changed[i]->seq;
		chg[only[i]] = RCTX_CHANGED;
		for (c = 0; c < s->ncols; c++)
			if (changed[i]->col == &s->cols[c])
				want[c] = 1;
	}
	r.chg = chg;
	was = xcalloc(n + 1, sizeof(*was));
	r.nerr += bodies_prepare(s, pub, only, n, was);
	/*
	 * A change to a body alone leaves the lists that show the document
	 * as they were: they are claimed as stored (rctx_relist()).
	 */
	r.odh = xcalloc(s->ndocs + 1, sizeof(*r.odh));
	for (i = 0; i < n; i++) {
		if (!was[i].stored)
			continue;
		chg[only[i]] |= RCTX_WAS;
		if (was[i].same)
			chg[only[i]] |= RCTX_SAME_PAGE;
		r.odh[only[i]] = doc_dep_hash(&r, was[i].src_hash,
		    changed[i]->url, was[i].flags);
	}
	free(was);
	render_docs(&r, only, n);
	/* First: it finds out which VEVENTs came out the same. */
	render_agenda_docs(&r, only, n);
	lists_collections(&r, want);
	patch_terms(&r, &pl, 0, chg, s->tag_pattern, "tag");
	patch_terms(&r, &pl, 1, chg, s->cat_pattern, "categorie");
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
