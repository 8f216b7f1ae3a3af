/*
 * fuzz_markdown: a content body through the Liquid pass and the Markdown
 * renderer with its kramdown extensions (mkd_render with MKD_LIQUID), then
 * French typography on the HTML, as the indexer does. The first byte picks
 * whether Liquid runs; the rest is the body.
 */
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "markdown.h"
#include "typo.h"

static int
resolve(void *arg, int kind, const char *ref, size_t len, struct buf *url)
{
	(void)arg;
	/* A reference that starts with "x" names nothing. */
	if (len > 0 && ref[0] == 'x')
		return -1;
	buf_adds(url, kind == MKD_LINK ? "/link/" : "/post/");
	buf_add(url, ref, len > 40 ? 40 : len);
	return 0;
}

static void
warn(void *arg, unsigned line, unsigned col, const char *msg)
{
	(void)arg;
	(void)col;
	FUZZ_ASSERT(line >= 1);
	FUZZ_ASSERT(msg != NULL && msg[0] != '\0');
}

static struct value *
context(void)
{
	struct value *m = value_new(VAL_MAP, 0, 0);

	value_map_set(m, "title", 5, value_new_cstr("Un <titre> & \"x\""));
	value_map_set(m, "n", 1, value_new_int(42));
	value_map_set(m, "url", 3, value_new_cstr("/a/b/"));
	return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct value *site, *page;
	struct buf out = BUF_INIT, fr = BUF_INIT;
	struct mkd_ctx ctx;
	struct ferr e;
	int rc;

	if (size == 0)
		return 0;
	site = context();
	page = context();
	memset(&ctx, 0, sizeof(ctx));
	ctx.path = "fuzz.md";
	ctx.site = site;
	ctx.page = page;
	ctx.resolve = resolve;
	ctx.warn = warn;
	ctx.flags = (data[0] & 1) ? MKD_LIQUID : 0;
	memset(&e, 0, sizeof(e));
	rc = mkd_render(&out, (const char *)data + 1, size - 1, 3, &ctx, &e);
	if (rc == 0) {
		/* Raw HTML is copied as it is, NUL bytes included (the
		 * indexer refuses those before rendering); else none. */
		if (memchr(data + 1, 0, size - 1) == NULL)
			FUZZ_ASSERT(out.len == strlen(out.data));
		typo_fr(&fr, out.data, out.len);
	} else {
		FUZZ_ASSERT(rc == -1);
		FUZZ_ASSERT(e.msg[0] != '\0');
	}
	buf_release(&out);
	buf_release(&fr);
	value_free(site);
	value_free(page);
	return 0;
}
