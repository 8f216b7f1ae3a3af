/*
 * plan: how a site's responses were laid out by the last full render, kept
 * beside the site index so that a publish in which no document moves
 * (same URLs, dates, tags, categories...) renders only what shows the
 * documents that changed. It holds the documents' order (newest first),
 * which are events and when, and the documents of each tag and category.
 * Documents are numbered by their place in the site (relpath order).
 *
 * Layout (integers little-endian): "FPL1", the head (cfg, templates, urls:
 * 8 bytes each; ndocs: 4), ndocs u32 (the newest first), ndocs records of
 * PLAN_DOC bytes (event: 1, start, end: 8 each), then two sections of terms
 * (tags, categories): a u32 count, and per term its slug and name (u32
 * length and bytes each), a u32 count of documents and their numbers.
 */
#ifndef FOLIO_PLAN_H
#define FOLIO_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define PLAN_SECTIONS 2		/* tags, categories */

/* What a plan was made for: a stored one is used only for the same. */
struct plan_head {
	uint64_t cfg;		/* the configuration and folio's build */
	uint64_t templates;	/* tmpl_set_hash() */
	uint64_t urls;		/* every document's URL */
	uint32_t ndocs;
};

struct plan_doc {
	int event;
	int64_t start, end;	/* seconds, when an event */
};

/*
 * Writing, in this order: plan_begin() (newest: the document numbers,
 * newest first; docs: one per document), then for each of the
 * PLAN_SECTIONS sections plan_section() and a plan_term() per term.
 */
void plan_begin(struct buf *b, const struct plan_head *h,
    const size_t *newest, const struct plan_doc *docs);
/* Starts a section: returns where its count goes, for plan_section_end(). */
size_t plan_section(struct buf *b);
void plan_term(struct buf *b, const char *slug, const char *name,
    const size_t *docs, size_t n);
void plan_section_end(struct buf *b, size_t at, size_t nterms);

/* A stored plan, checked; it points into the bytes it was read from. */
struct plan {
	uint32_t ndocs;
	const unsigned char *newest, *docs;
	const unsigned char *sections[PLAN_SECTIONS];
};

/* The head of the plan data[0..len) into *h: 0, or -1 (not a plan). */
int plan_head_read(const void *data, size_t len, struct plan_head *h);
/*
 * Checks data[0..len) whole: made for want, every number in range, the
 * order a permutation. 0, or -1 (another site's plan, or damaged).
 */
int plan_parse(const void *data, size_t len, const struct plan_head *want,
    struct plan *p);
/* The number of the i-th newest document. */
size_t plan_newest(const struct plan *p, size_t i);
void plan_doc_get(const struct plan *p, size_t i, struct plan_doc *d);

/* A term of a section, read with plan_terms() then plan_next(). */
struct plan_term {
	struct str slug, name;
	size_t n;		/* documents carrying it, newest first */
	const unsigned char *docs;	/* see plan_term_doc() */
};
struct plan_cursor {
	const unsigned char *p;
	size_t left;
};
void plan_terms(const struct plan *p, int section, struct plan_cursor *c);
/* The next term: 1, or 0 after the last. */
int plan_next(struct plan_cursor *c, struct plan_term *t);
size_t plan_term_doc(const struct plan_term *t, size_t i);

#endif
