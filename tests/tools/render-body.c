/*
 * render-body FILE: prints the HTML of a content file's body.
 *
 * A leading "---" ... "---" (or "...") front matter block is skipped with
 * a plain line scan. -l runs the Liquid pass first (with no site or page
 * values); without it the body is Markdown only, as the reference
 * renderings of tests/fidelity-body.sh were made.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "markdown.h"

static int
is_fence(const char *p, size_t n, int close)
{
	size_t i = 3;

	if (n >= 3 && (memcmp(p, "---", 3) == 0 ||
	    (close && memcmp(p, "...", 3) == 0))) {
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
			i++;
		return i == n;
	}
	return 0;
}

static void
warn(void *arg, unsigned line, unsigned col, const char *msg)
{
	log_at(LOG_LVL_WARN, arg, line, col, "%s", msg);
}

int
main(int argc, char **argv)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct mkd_ctx ctx;
	struct ferr e;
	const char *path, *body;
	char err[256];
	size_t off = 0, n;
	unsigned line = 1;
	int liquid = 0;

	if (argc == 3 && strcmp(argv[1], "-l") == 0) {
		liquid = 1;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: render-body [-l] file\n");
		return 2;
	}
	path = argv[1];
	if (buf_read_file(&in, path, 64u << 20, err, sizeof(err)) < 0) {
		fprintf(stderr, "render-body: %s\n", err);
		return 1;
	}
	body = buf_cstr(&in);
	n = in.len;
	if (n >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	{
		const char *nl = memchr(body + off, '\n', n - off);

		if (nl != NULL && is_fence(body + off, nl - body - off, 0)) {
			size_t p = nl - body + 1;
			unsigned l = 2;

			while (p < n) {
				const char *e2 = memchr(body + p, '\n', n - p);
				size_t ll = e2 ? (size_t)(e2 - body) - p : n - p;

				if (is_fence(body + p, ll, 1)) {
					off = e2 ? (size_t)(e2 - body) + 1 : n;
					line = l + 1;
					break;
				}
				p = e2 ? (size_t)(e2 - body) + 1 : n;
				l++;
			}
		}
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.path = path;
	ctx.warn = warn;
	ctx.arg = (void *)path;
	ctx.flags = liquid ? MKD_LIQUID : 0;
	if (mkd_render(&out, body + off, n - off, line, &ctx, &e) < 0) {
		log_ferr(path, &e);
		return 1;
	}
	fwrite(buf_cstr(&out), 1, out.len, stdout);
	buf_release(&in);
	buf_release(&out);
	return 0;
}
