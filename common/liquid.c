/* liquid: see liquid.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "liquid.h"

struct pos {
	const char *text;
	unsigned first_line;
};

/* The file line and column of text[off]. */
static void
where(const struct pos *p, size_t off, unsigned *line, unsigned *col)
{
	size_t i, ls = 0;
	unsigned l = p->first_line;

	for (i = 0; i < off; i++)
		if (p->text[i] == '\n') {
			l++;
			ls = i + 1;
		}
	*line = l;
	*col = (unsigned)(off - ls + 1);
}

static void
warn(const struct liquid_ctx *ctx, const struct pos *p, size_t off,
    const char *pre, const char *a, size_t alen, const char *post)
{
	char msg[256];
	unsigned line, col;

	if (ctx == NULL || ctx->warn == NULL)
		return;
	where(p, off, &line, &col);
	snprintf(msg, sizeof(msg), "%s \"%.*s\"%s", pre,
	    (int)(alen > 80 ? 80 : alen), a, post);
	ctx->warn(ctx->arg, line, col, msg);
}

static const char *
find(const char *s, size_t n, const char *needle)
{
	return mem_find(s, n, needle, strlen(needle));
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t' || **s == '\n' ||
	    **s == '\r' || **s == '-')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' ||
	    (*s)[*n - 1] == '\n' || (*s)[*n - 1] == '\r' ||
	    (*s)[*n - 1] == '-'))
		(*n)--;
}

static void
put_value(struct buf *out, const struct value *v)
{
	size_t i;

	if (value_text(out, v) == 0)
		return;
	switch (v->type) {
	default:	/* null, and the scalars value_text() wrote */
		break;
	case VAL_TIME: {
		/* Jekyll writes a date as "YYYY-MM-DD HH:MM:SS +hhmm" */
		time_t t = (time_t)(v->u.t.secs + v->u.t.offset);
		struct tm tm;
		int off = v->u.t.offset, a = off < 0 ? -off : off;

		gmtime_r(&t, &tm);
		buf_printf(out, "%04d-%02d-%02d %02d:%02d:%02d %c%02d%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', a / 3600,
		    a % 3600 / 60);
		break;
	}
	case VAL_SEQ:
		for (i = 0; i < v->u.seq.n; i++)
			put_value(out, v->u.seq.items[i]);
		break;
	case VAL_MAP:
		break;
	}
}

/* {{ expr }}: expr is s[0..n) */
static void
output(struct buf *out, const char *s, size_t n, size_t off,
    const struct liquid_ctx *ctx, const struct pos *p)
{
	const char *bar = memchr(s, '|', n);
	size_t pn = bar != NULL ? (size_t)(bar - s) : n;
	const struct value *root = NULL, *v;
	char path[256];

	trim(&s, &pn);
	if (bar != NULL)
		warn(ctx, p, off, "liquid filters ignored in", s, n, "");
	if (pn > 5 && memcmp(s, "site.", 5) == 0)
		root = ctx->site;
	else if (pn > 5 && memcmp(s, "page.", 5) == 0)
		root = ctx->page;
	else {
		warn(ctx, p, off, "unknown liquid variable", s, pn, "");
		return;
	}
	if (pn - 5 >= sizeof(path))
		return;
	memcpy(path, s + 5, pn - 5);
	path[pn - 5] = '\0';
	v = root != NULL ? value_path(root, path) : NULL;
	if (v != NULL)
		put_value(out, v);
}

int
liquid_render(struct buf *out, const char *text, size_t len,
    unsigned first_line, const struct liquid_ctx *ctx, struct ferr *e)
{
	struct pos p = { text, first_line };
	size_t i = 0;

	while (i < len) {
		const char *o = memchr(text + i, '{', len - i), *c;
		size_t at, inner, n;

		if (o == NULL || (size_t)(o - text) + 1 >= len) {
			buf_add(out, text + i, len - i);
			break;
		}
		at = o - text;
		buf_add(out, text + i, at - i);
		i = at;
		if (text[at + 1] == '{') {
			c = find(text + at + 2, len - at - 2, "}}");
			if (c == NULL) {
				buf_add(out, text + at, 2);
				i = at + 2;
				continue;
			}
			output(out, text + at + 2, c - text - at - 2, at, ctx,
			    &p);
			i = c - text + 2;
			continue;
		}
		if (text[at + 1] != '%') {
			buf_addc(out, '{');
			i++;
			continue;
		}
		c = find(text + at + 2, len - at - 2, "%}");
		if (c == NULL) {
			buf_add(out, text + at, 2);
			i = at + 2;
			continue;
		}
		{
			const char *s = text + at + 2, *arg;
			size_t an;

			inner = c - s;
			n = inner;
			trim(&s, &n);
			if (n == 3 && memcmp(s, "raw", 3) == 0) {
				const char *end = find(c + 2,
				    len - (c + 2 - text), "endraw");
				const char *lo;

				/* back up to its "{%" */
				for (lo = end; lo != NULL && lo > c + 2 &&
				    !(lo[-1] == '%' && lo[-2] == '{'); lo--)
					if (lo[-1] != ' ' && lo[-1] != '-' &&
					    lo[-1] != '\t')
						break;
				if (end == NULL || lo == NULL || lo < c + 4 ||
				    lo[-1] != '%' || lo[-2] != '{' ||
				    find(end, len - (end - text), "%}") ==
				    NULL) {
					unsigned line, col;

					where(&p, at, &line, &col);
					ferr_set(e, line, col,
					    "\"{%% raw %%}\" without "
					    "\"{%% endraw %%}\"");
					return -1;
				}
				buf_add(out, c + 2, lo - 2 - (c + 2));
				i = find(end, len - (end - text), "%}") - text +
				    2;
				continue;
			}
			for (an = 0; an < n && s[an] != ' ' && s[an] != '\t';
			    an++)
				;
			arg = s + an;
			if ((an == 4 && memcmp(s, "link", 4) == 0) ||
			    (an == 8 && memcmp(s, "post_url", 8) == 0)) {
				size_t rn = n - an;
				int kind = an == 4 ? LIQ_LINK : LIQ_POST_URL;

				trim(&arg, &rn);
				if (ctx->resolve == NULL) {
					warn(ctx, &p, at, "liquid tag", s, n,
					    " not resolved");
					buf_add(out, text + at, c + 2 -
					    (text + at));
				} else if (ctx->resolve(ctx->arg, kind, arg,
				    rn, out) < 0) {
					unsigned line, col;

					where(&p, at, &line, &col);
					ferr_set(e, line, col, "%s \"%.*s\" "
					    "names nothing", kind == LIQ_LINK ?
					    "link" : "post_url",
					    (int)(rn > 200 ? 200 : rn), arg);
					return -1;
				}
				i = c - text + 2;
				continue;
			}
			warn(ctx, &p, at, "liquid tag", s, n,
			    " left as text");
			buf_add(out, text + at, c + 2 - (text + at));
			i = c - text + 2;
		}
	}
	return 0;
}
