/*
 * lists: the responses that show many documents (part of the renderer,
 * see rctx.h): collection, tag and category listings, their feeds and
 * calendars, and the VEVENT of each event.
 */
#ifndef FOLIO_LISTS_H
#define FOLIO_LISTS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rctx.h"

/*
 * Listing pages are rendered on the pool's threads and published in
 * order; this publishes those not yet published. It must run before a
 * document's page context is lent anything, and before r is freed.
 */
void lists_flush(struct rctx *r);
/* The listings of every collection, or of those want[] marks. */
void lists_collections(struct rctx *r, const uint8_t *want);
/* The listing, feed and calendar of every value of front matter field
 * (tags, categories), at URLs made with pattern; kind names them. */
void lists_terms(struct rctx *r, const char *field, const char *pattern,
    const char *kind);
/*
 * The listing, feed and calendar of one term: docs[0..n) carry it, newest
 * first; events is room for n.
 */
void lists_term_outputs(struct rctx *r, const char *pattern,
    const char *kind, const char *slug, const char *name,
    const struct doc *const *docs, size_t n, const struct doc **events);
/* An Atom feed of the newest of docs[0..n) at url; full: whole contents
 * (the site's feed), else summaries. */
void lists_feed(struct rctx *r, const char *url, const char *title,
    const char *html_url, int full, const struct doc *const *docs, size_t n);
/* The calendar of events[0..n) at url. */
void lists_calendar(struct rctx *r, const char *url, const char *title,
    const struct doc *const *events, size_t n);
/* Appends the VEVENT of d to out (made once per publish): 0, or -1
 * (reported; what was made is appended all the same). */
int lists_vevent(struct rctx *r, const struct doc *d, struct buf *out);

#endif
