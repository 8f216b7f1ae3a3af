/*
 * rctx: the render context render.c and lists.c share while they render a
 * site: the site, the templates, the publish, each document's page
 * context and dependency hash, and the helpers that make a response of a
 * template and publish it. Everything here runs on the main thread but
 * rctx_job_run(), which the pool's threads run.
 */
#ifndef FOLIO_RCTX_H
#define FOLIO_RCTX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fm.h"
#include "plan.h"
#include "publish.h"
#include "site.h"
#include "tmpl.h"
#include "value.h"
#include "work.h"

struct lpage;

struct rctx {
	struct site *s;
	const struct tmpl_set *ts;
	struct pub *pub;
	struct value *site_v;
	const struct doc **newest;	/* documents, newest first */
	size_t *pos;			/* index in s->docs of newest[i] */
	uint64_t base;			/* folio's version and the config */
	struct {
		const char *name;
		uint64_t hash;
	} th[64];			/* template hashes, computed once */
	size_t nth;
	uint64_t urls;			/* every document's URL */
	uint64_t *dh;			/* per document: doc_dep_hash(), or 0
					   (see rctx_dep_doc()) */
	struct plan_doc *ev;		/* per document: an event? when? */
	struct buf *plan;		/* the plan being written, or NULL */
	uint8_t *chg;			/* render_patch(): per document, RCTX_*
					   below, 0 when it did not change */
	uint64_t *odh;			/* render_patch(): per document marked
					   RCTX_WAS, its doc_dep_hash() in the
					   last publish */
	struct buf *vev;		/* per document: its VEVENT once made
					   (an event is in several calendars) */
	struct buf *ovev;		/* render_patch(): per changed event,
					   its VEVENT in the last publish */
	struct lpage *lring;		/* listing pages being rendered */
	size_t lhead, ltail;		/* [lhead, ltail) in lring, mod
					   LIST_AHEAD */
	int nerr;
};

/* What rctx.chg says of a document. */
#define RCTX_CHANGED 1		/* read again: changed since then */
#define RCTX_SAME_VEVENT 2	/* its VEVENT came out as stored */
#define RCTX_SAME_PAGE 4	/* its page context is as the last publish
				   made it (bodies_was.same): a list shows
				   it as it did */
#define RCTX_WAS 8		/* its hash in the last publish is known
				   (rctx.odh); so with RCTX_SAME_PAGE */

/*
 * A page rendered on a thread of the pool (rctx_job_run()): the main
 * thread fills in ts, tname and ctx, and reads rc, e, epath and out once
 * work_wait() returns.
 */
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

/* The hash of what a response is made of goes on from h. */
uint64_t rctx_dep_u64(uint64_t h, uint64_t v);
uint64_t rctx_dep_str(uint64_t h, const char *s);
/* ... with document d (its source, its URL, the URLs it links to). */
uint64_t rctx_dep_doc(const struct rctx *r, uint64_t h, const struct doc *d);
/* A response's hash starts with the template it is rendered with (NULL:
 * none) and everything that template includes. */
uint64_t rctx_dep_start(struct rctx *r, const char *tname);
/*
 * render_patch(): the hash that a response showing docs[0..n), whose hash
 * starts from *h (before rctx_dep_doc() of each), had in the last
 * publish, into *h. Each document that changed must be marked need
 * (RCTX_WAS, RCTX_SAME_PAGE...); returns 1, or 0 when one is not.
 */
int rctx_was_hash(struct rctx *r, uint64_t *h, const struct doc *const *docs,
    size_t n, uint8_t need);
/*
 * render_patch(): claims the response at url as the last publish stored
 * it, with its new hash dep, when it is a list of docs[0..n) whose hash
 * started from h (before rctx_dep_doc() of each), and each of them that
 * changed is marked RCTX_SAME_PAGE: then it renders as it did. Returns 1,
 * or 0 (render it).
 */
int rctx_relist(struct rctx *r, const char *url, uint64_t h,
    const struct doc *const *docs, size_t n, uint64_t dep);

/*
 * The page context of document i, made on first use and kept with the
 * document (its front matter read and its stored bodies loaded if need
 * be; failures are reported and counted in r->nerr).
 */
struct value *rctx_page(struct rctx *r, size_t i);
/* A sequence of the page contexts of docs, borrowed: free it with
 * rctx_seq_unborrow(), which frees the sequence and not its items. */
struct value *rctx_seq_pages(struct rctx *r, const struct doc *const *docs,
    size_t n);
void rctx_seq_unborrow(struct value *seq);
/* A context {site, page} borrowing both; rctx_ctx_free() gives them back. */
struct value *rctx_ctx_new(struct rctx *r, struct value *page);
void rctx_ctx_free(struct value *ctx);

/* Publishes body (taken over) as the response at url. */
void rctx_emit_body(struct rctx *r, struct buf *body, const char *url,
    const char *ctype, int64_t lm, uint16_t status, uint64_t dep);
/* Renders template tname with ctx and publishes it at url (a template
 * error is reported and counted in r->nerr). */
void rctx_emit(struct rctx *r, const char *tname, const struct value *ctx,
    const char *url, const char *ctype, int64_t lm, uint16_t status,
    uint64_t dep);
/* The pool's side of a struct rjob: renders it as HTML. */
void rctx_job_run(struct work_job *job, unsigned th);

#endif
