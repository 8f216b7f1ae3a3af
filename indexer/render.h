/*
 * render: every response of the site, rendered from the templates into an
 * outset ready to publish: document pages, listings (collections, tags,
 * categories, paginated), the agenda's fragments and frames, the home page,
 * Atom feeds, iCalendar files, sitemap.xml, robots.txt and the 404 page.
 */
#ifndef FOLIO_RENDER_H
#define FOLIO_RENDER_H

#include "publish.h"
#include "site.h"
#include "tmpl.h"

/*
 * Renders s with the templates of ts into the open publish pub: only the
 * responses whose inputs changed are rendered again (see publish.h).
 * Errors are reported on stderr (path:line:col: what) and counted; returns
 * their number (0 when everything rendered).
 */
int render_site(struct site *s, const struct tmpl_set *ts, struct pub *pub,
    struct buf *plan);

/*
 * The plan render_site() writes into plan (when not NULL) and the caller
 * stores with the site index (pub_index_put(RENDER_PLAN_KEY)): the order of
 * the documents, which are events and when, and the documents of each tag
 * and category, as laid out for this configuration and these templates.
 */
#define RENDER_PLAN_KEY "plan"

/*
 * Renders again only what shows one of changed[0..n): their pages, bodies
 * and agenda entries, and the listings, feeds and calendars they are in,
 * for a site of the same shape as the last publish (site_same_shape()).
 * Everything else the last publish stored is kept as it is. Returns -1,
 * having rendered and claimed nothing, when the stored plan does not fit
 * (another configuration, other templates, no ledger...): the caller then
 * uses render_site(). Otherwise the number of errors, as render_site().
 */
int render_patch(struct site *s, const struct tmpl_set *ts, struct pub *pub,
    struct doc *const *changed, size_t n);

#endif
