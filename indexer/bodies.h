/*
 * bodies: the documents' bodies and ledes as HTML, rendered once per
 * change of their file and kept by the publish (in "src" with the front
 * matter, in "html"), so that pages showing them need not render them
 * again.
 */
#ifndef FOLIO_BODIES_H
#define FOLIO_BODIES_H

#include <stddef.h>
#include <stdint.h>

#include "publish.h"
#include "site.h"

/*
 * What the last publish stored of a document that is read again (see
 * bodies_prepare()).
 */
struct bodies_was {
	int stored;		/* its record is there (this configuration) */
	uint64_t src_hash;	/* and the hash and flags there */
	uint32_t flags;
	int same;		/* its front matter and lede are as stored: its
				   page context is as that publish made it */
};

/*
 * Renders, on every core, the bodies of the documents of s that were read
 * again (all of s's, or those numbered only[0..n)), and stores their
 * records; claims the records of the others as they are. The rendered
 * bodies are not kept in memory: bodies_load() reads them back. When was
 * is not NULL (room for n, zeroed), was[k] says what the last publish
 * stored of the k-th of those documents. Returns the number of errors
 * (reported).
 */
int bodies_prepare(struct site *s, struct pub *pub, const size_t *only,
    size_t n, struct bodies_was *was);
/*
 * Fills d->body_html and d->lede_html from what pub holds: 0, -1 when it
 * is missing or damaged (quietly), -2 when the publish failed
 * (pub_commit() says why).
 */
int bodies_load(struct pub *pub, struct doc *d);
/* The same, reporting a missing rendering: 0, or -1 (an error to count). */
int bodies_get(struct pub *pub, struct doc *d);

#endif
