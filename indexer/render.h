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
int render_site(struct site *s, const struct tmpl_set *ts, struct pub *pub);

#endif
