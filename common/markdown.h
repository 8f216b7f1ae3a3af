/*
 * markdown: a content body (Markdown with kramdown's extensions, as Jekyll
 * renders it with its default GFM-input kramdown) to HTML.
 *
 * Parsing is md4c's; the HTML is ours, written the way kramdown writes it:
 * block IALs ({: .class #id key="v"}) and ALDs, span IALs after links and
 * images, GFM heading ids made unique per page, smart quotes and
 * typographic symbols, block HTML kept raw up to its closing tag (parsed
 * as Markdown with markdown="1"), span HTML kept, lists made loose or tight
 * item by item, footnotes, entities written as characters.
 *
 * Ownership: nothing is kept after mkd_render returns; ctx and everything
 * it points at is only borrowed for the call.
 */
#ifndef FOLIO_MARKDOWN_H
#define FOLIO_MARKDOWN_H

#include <stddef.h>

#include "buf.h"
#include "liquid.h"
#include "log.h"
#include "value.h"

enum { MKD_LINK = LIQ_LINK, MKD_POST_URL = LIQ_POST_URL };

/* mkd_ctx.flags */
#define MKD_LIQUID	0x01	/* run the Liquid pass first */

struct mkd_ctx {
	const char *path;			/* for warnings; may be NULL */
	const struct value *site, *page;	/* may be NULL */
	/* See struct liquid_ctx; both may be NULL. */
	int (*resolve)(void *arg, int kind, const char *ref, size_t len,
	    struct buf *url);
	void (*warn)(void *arg, unsigned line, unsigned col, const char *msg);
	void *arg;
	unsigned flags;
};

/*
 * Appends the HTML of the body text (len bytes, need not be
 * NUL-terminated) to out. first_line is the file line where the body
 * starts. ctx may be NULL (no Liquid, no warnings). Returns 0, or -1 with
 * e set; out may then hold a partial result.
 */
int mkd_render(struct buf *out, const char *text, size_t len,
    unsigned first_line, const struct mkd_ctx *ctx, struct ferr *e);

#endif
