/*
 * liquid: the small part of Liquid that content bodies use, run as a text
 * pass before Markdown.
 *
 *   {{ site.x }}, {{ page.x }}	the value at that dotted path (filters are
 *				ignored with a warning; missing values give "")
 *   {% link path %}		resolved through ctx->resolve (LIQ_LINK)
 *   {% post_url name %}	resolved through ctx->resolve (LIQ_POST_URL)
 *   {% raw %}...{% endraw %}	copied verbatim
 *
 * Any other tag, and any other variable, is left as text and reported
 * through ctx->warn with its line and column in the file.
 */
#ifndef FOLIO_LIQUID_H
#define FOLIO_LIQUID_H

#include <stddef.h>

#include "buf.h"
#include "log.h"
#include "value.h"

enum { LIQ_LINK = 1, LIQ_POST_URL = 2 };

struct liquid_ctx {
	const char *path;		/* for messages; may be NULL */
	const struct value *site;	/* may be NULL */
	const struct value *page;	/* may be NULL */
	/*
	 * Appends the URL for ref (len bytes, not NUL-terminated) to url.
	 * Returns 0, or -1 when ref names nothing (the render then fails).
	 * May be NULL: the tags are then left as text with a warning.
	 */
	int (*resolve)(void *arg, int kind, const char *ref, size_t len,
	    struct buf *url);
	/* Told about what was left as text; may be NULL. */
	void (*warn)(void *arg, unsigned line, unsigned col, const char *msg);
	void *arg;
};

/*
 * Appends text (len bytes) with its Liquid evaluated to out. first_line is
 * the file line where text starts (for messages). Returns 0, or -1 with e
 * set (an unterminated raw block, a reference resolve refused).
 */
int liquid_render(struct buf *out, const char *text, size_t len,
    unsigned first_line, const struct liquid_ctx *ctx, struct ferr *e);

#endif
