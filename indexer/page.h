/*
 * page: what templates see of a document. The "page" context built from
 * its front matter (defaults merged) with everything a template needs
 * ready-made: URLs, dates in French, the lede, images, tags and categories
 * with their URLs, an event's dates, access lines, practical information
 * and JSON-LD. Also the rendering of bodies and ledes (Liquid, then
 * Markdown) and the small value helpers the renderer shares.
 *
 * Returned trees are the caller's to value_free(); strings passed in are
 * copied unless said otherwise.
 */
#ifndef FOLIO_PAGE_H
#define FOLIO_PAGE_H

#include <stddef.h>

#include "buf.h"
#include "site.h"
#include "value.h"

/* Map setters: the key is copied, the value taken (set_val, lend). */
void page_set_str(struct value *m, const char *k, const char *s);
void page_set_buf(struct value *m, const char *k, const struct buf *b);
void page_set_val(struct value *m, const char *k, struct value *v);
/*
 * Lends v to map under k: the caller takes it back with value_map_take()
 * before freeing map, so big shared trees are never copied.
 */
void page_lend(struct value *map, const char *k, struct value *v);

/* A string of d's front matter, or NULL. */
const char *page_fm_str(const struct doc *d, const char *k);
/* A timestamp of d's front matter, or NULL. */
const struct value *page_fm_time(const struct doc *d, const char *k);
/* Whether d is an event (it has an event_start_date). */
int page_is_event(const struct doc *d);
/*
 * An event's start and end (end = start when none is given; a date-only
 * end lasts to the end of its day). 0, or -1 when d is not an event.
 */
int page_event_times(const struct doc *d, struct vtime *start,
    struct vtime *end);

/* The absolute URL of a site path (out is reset). */
void page_abs_url(const struct site *s, struct buf *out, const char *path);
/* The URL of a tag or category: pattern with :name (out is reset). */
void page_term_url(const char *pattern, const char *slug, struct buf *out);
/*
 * The non-empty strings of a field that may be one string or a list of
 * them, at most max, borrowed from v. Returns how many.
 */
size_t page_str_list(const struct value *v, const char **out, size_t max);

/*
 * The "page" context of d. Needs d->lede_html (see page_render_html); the
 * body is not in it: the renderer lends it as "content" where shown.
 */
struct value *page_doc_ctx(const struct site *s, const struct doc *d);

/*
 * Renders d's body (Liquid, then Markdown) into d->body_html and its
 * chapeau-text into d->lede_html, notes CACHE_LINKS in d->flags when the
 * body links to other documents, and sets d->html_ready. Safe to call from
 * several threads on different documents. Returns 0 or -1 (reported).
 */
int page_render_html(const struct site *s, struct doc *d);

/*
 * The HTML of d's body alone (Liquid when asked, then Markdown), for
 * folio-index --render-body. Returns 0 or -1 (reported).
 */
int page_render_body(const struct site *s, const struct doc *d, int liquid,
    struct buf *out);

#endif
