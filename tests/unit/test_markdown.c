/*
 * test_markdown: the Liquid pass, mkd_render's edges, and pathological
 * inputs (which must finish quickly with output proportional to input).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "liquid.h"
#include "log.h"
#include "markdown.h"
#include "t.h"
#include "value.h"

struct seen {
	unsigned line, col, n;
	char msg[256];
};

static void
on_warn(void *arg, unsigned line, unsigned col, const char *msg)
{
	struct seen *s = arg;

	s->line = line;
	s->col = col;
	s->n++;
	snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

static int
on_resolve(void *arg, int kind, const char *ref, size_t len, struct buf *url)
{
	(void)arg;
	if (kind == MKD_LINK && len == 12 && memcmp(ref, "_pages/a.md", 11) == 0)
		return -1;
	if (kind == MKD_LINK && len == 11 && memcmp(ref, "_pages/a.md", 11) == 0) {
		buf_adds(url, "/a/");
		return 0;
	}
	if (kind == MKD_POST_URL && len == 12 &&
	    memcmp(ref, "2018-07-19-x", 12) == 0) {
		buf_adds(url, "/2018/07/19/x/");
		return 0;
	}
	return -1;
}

static char *
render(const char *in, struct mkd_ctx *ctx, int *rc, struct ferr *e)
{
	struct buf out = BUF_INIT;

	*rc = mkd_render(&out, in, strlen(in), 1, ctx, e);
	return buf_detach(&out, NULL);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Renders n bytes built by the caller; checks time and output size. */
static void
patho(const char *name, struct buf *in)
{
	struct buf out = BUF_INIT;
	struct ferr e;
	double t0 = now(), dt;
	int rc;

	rc = mkd_render(&out, in->data, in->len, 1, NULL, &e);
	dt = now() - t0;
	OK(rc == 0, "pathological %s renders", name);
	OK(dt < 5.0, "pathological %s in %.3fs", name, dt);
	OK(out.len < 30 * in->len + 1024,
	    "pathological %s output bounded (%zu for %zu)", name, out.len,
	    in->len);
	buf_release(&out);
}

int
main(void)
{
	struct value *site, *page, *v;
	struct mkd_ctx ctx;
	struct seen seen;
	struct ferr e;
	struct buf in = BUF_INIT;
	char *h;
	int rc, i;

	site = value_new(VAL_MAP, 0, 0);
	value_map_set(site, "title", 5, value_new_cstr("Numérique"));
	v = value_new(VAL_MAP, 0, 0);
	value_map_set(v, "mail", 4, value_new_cstr("a@b.fr"));
	value_map_set(site, "contact", 7, v);
	page = value_new(VAL_MAP, 0, 0);
	value_map_set(page, "lieu", 4, value_new_cstr("Paris"));
	value_map_set(page, "n", 1, value_new_int(3));

	memset(&ctx, 0, sizeof(ctx));
	memset(&seen, 0, sizeof(seen));
	ctx.path = "x.md";
	ctx.site = site;
	ctx.page = page;
	ctx.resolve = on_resolve;
	ctx.warn = on_warn;
	ctx.arg = &seen;
	ctx.flags = MKD_LIQUID;

	h = render("{{ site.title }} à {{ page.lieu }} ({{page.n}}), "
	    "{{ site.contact.mail }}.", &ctx, &rc, &e);
	EQS(h, "<p>Numérique à Paris (3), a@b.fr.</p>\n",
	    "liquid values from site and page");
	free(h);
	h = render("[A]({% link _pages/a.md %}) [B]({% post_url 2018-07-19-x %})",
	    &ctx, &rc, &e);
	EQS(h, "<p><a href=\"/a/\">A</a> <a href=\"/2018/07/19/x/\">B</a></p>\n",
	    "link and post_url resolved through the callback");
	free(h);
	h = render("{% raw %}{{ page.lieu }} {% if %}{% endraw %}", &ctx, &rc,
	    &e);
	EQS(h, "<p>{{ page.lieu }} {% if %}</p>\n", "raw kept verbatim");
	EQI(seen.n, 0, "raw gives no warning");
	free(h);
	h = render("Un\n\nDeux {% include x.html %} fin", &ctx, &rc, &e);
	EQS(h, "<p>Un</p>\n<p>Deux {% include x.html %} fin</p>\n",
	    "unknown tag left as text");
	EQI(seen.n, 1, "unknown tag warned once");
	EQI(seen.line, 3, "warning line");
	EQI(seen.col, 6, "warning column");
	OK(strstr(seen.msg, "include x.html") != NULL, "warning names the tag");
	free(h);
	h = render("a\n{% post_url nothing %}", &ctx, &rc, &e);
	EQI(rc, -1, "unknown post_url is an error");
	EQI(e.line, 2, "error line");
	EQI(e.col, 1, "error column");
	free(h);
	h = render("x {% raw %} never closed", &ctx, &rc, &e);
	EQI(rc, -1, "unterminated raw is an error");
	EQI(e.col, 3, "raw error column");
	free(h);
	h = render("{{ page.missing }}|{{ post.url }}", &ctx, &rc, &e);
	EQS(h, "<p>|</p>\n", "missing values give empty text");
	free(h);

	/* without MKD_LIQUID nothing is evaluated */
	h = render("{{ site.title }}", NULL, &rc, &e);
	EQS(h, "<p>{{ site.title }}</p>\n", "no liquid without the flag");
	free(h);
	h = render("", NULL, &rc, &e);
	EQS(h, "", "empty body");
	free(h);
	h = render("# A\n\n# A\n\n# A-1\n\n# A {#x}", NULL, &rc, &e);
	/* kramdown counts per base id, so "A-1" meets the second "A" */
	EQS(h, "<h1 id=\"a\">A</h1>\n<h1 id=\"a-1\">A</h1>\n"
	    "<h1 id=\"a-1\">A-1</h1>\n<h1 id=\"x\">A</h1>\n",
	    "heading ids numbered per base as kramdown, {#id} kept");
	free(h);
	h = render("caf\xc3\xa9 \xff\xfe \x01I0 <", NULL, &rc, &e);
	OK(rc == 0 && h != NULL, "invalid UTF-8 and control bytes survive");
	free(h);
	h = render("{: .x}", NULL, &rc, &e);
	EQS(h, "", "a lone IAL gives nothing");
	free(h);
	h = render("<div>\nnever closed\n\n* x", NULL, &rc, &e);
	EQS(h, "<div>\nnever closed\n\n* x\n", "unclosed div runs to the end");
	free(h);

	for (i = 0; i < 100000; i++)
		buf_addc(&in, '>');
	buf_adds(&in, " deep\n");
	patho("100000 >", &in);
	buf_reset(&in);
	for (i = 0; i < 2000; i++) {
		int k;

		for (k = 0; k < i % 200; k++)
			buf_adds(&in, "  ");
		buf_adds(&in, "* item\n");
	}
	patho("nested lists", &in);
	buf_reset(&in);
	for (i = 0; i < 50000; i++)
		buf_adds(&in, "*_");
	buf_adds(&in, "x\n");
	patho("emphasis runs", &in);
	buf_reset(&in);
	for (i = 0; i < 20000; i++)
		buf_printf(&in, "[r%d]: /u%d\n", i, i);
	for (i = 0; i < 20000; i++)
		buf_printf(&in, "[x][r%d] ", i);
	patho("many link references", &in);
	buf_reset(&in);
	for (i = 0; i < 20000; i++)
		buf_adds(&in, "# Titre\n{: .a}\n<div>\n");
	patho("headings, IALs and open divs", &in);
	buf_reset(&in);
	for (i = 0; i < 100000; i++)
		buf_adds(&in, "\"'");
	patho("quotes", &in);
	buf_release(&in);

	value_free(site);
	value_free(page);
	return T_DONE();
}
