/*
 * terms: the tags or the categories of a site's documents, grouped by
 * slug, as listings, feeds and calendars of each term show them.
 */
#ifndef FOLIO_TERMS_H
#define FOLIO_TERMS_H

#include <stddef.h>

#include "site.h"

/* A tag or category and a document that carries it. */
struct term {
	const char *slug;	/* one string per slug: compare pointers */
	const char *name;	/* the spelling of doc, borrowed from it */
	const struct doc *doc;
};

/*
 * The slugs met so far (a site has a few hundred tags over thousands of
 * documents, and each slug costs a Unicode decomposition). Zeroed before
 * use; its members are terms.c's own.
 */
struct slugent;
struct terms {
	struct slugent *v;
	size_t n, cap;		/* open addressing, cap a power of 2 */
	char **slugs;		/* per group */
	size_t *gslot;		/* open addressing over slugs: group + 1 */
	size_t ngroups, gcap;
};

/*
 * Every (slug, document) pair of field ("tags", "categories") of
 * newest[0..ndocs) (newest first), by slug in strcmp order, then newest
 * first; a document is listed once per slug. A name that gives no slug is
 * warned about (path:line:col) and left out. Returns the pairs (malloc'd,
 * *np of them); their slugs belong to t, the names and documents to the
 * documents.
 */
struct term *terms_collect(const struct doc *const *newest, size_t ndocs,
    const char *field, struct terms *t, size_t *np);
void terms_free(struct terms *t);

#endif
