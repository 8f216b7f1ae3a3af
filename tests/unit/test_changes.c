#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "changes.h"
#include "t.h"

static struct buf b = BUF_INIT;

/* The parsed list joined with '|', "(error N: msg)" on an error. */
static const char *
parse(const char *data, size_t len)
{
	struct ferr e;
	char **v;
	size_t n, i;

	buf_reset(&b);
	if (changes_parse(data, len, &v, &n, &e) == -1) {
		buf_printf(&b, "(error %u: %s)", e.line, e.msg);
		return buf_cstr(&b);
	}
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i > 0 ? "|" : "", v[i]);
	changes_free(v, n);
	return buf_cstr(&b);
}

#define P(s) parse(s, sizeof(s) - 1)

int
main(void)
{
	EQS(P(""), "", "an empty list");
	EQS(P("\n\n"), "", "blank lines only");
	EQS(P("_actualites/b.md\n_actualites/a.md\n"),
	    "_actualites/a.md|_actualites/b.md", "lines, sorted");
	EQS(P("_actualites/a.md"), "_actualites/a.md", "no final newline");
	EQS(P("a.md\r\nb.md\r\n"), "a.md|b.md", "CRLF lines");
	EQS(P("b.md\0a.md\0"), "a.md|b.md", "NUL-terminated (git diff -z)");
	EQS(P("x y.md\0"), "x y.md", "-z: a space is part of the name");
	EQS(P("dir/\"q\".md\0"), "dir/\"q\".md",
	    "-z: a quote is part of the name");
	EQS(P("./_x/a.md\n_x//b.md\n_x/./c.md\n_x/d/\n"),
	    "_x/a.md|_x/b.md|_x/c.md|_x/d", "made canonical");
	EQS(P("_x/a.md\n./_x/a.md\n_x//a.md\n"), "_x/a.md",
	    "one path named three ways is one path");
	EQS(P("\"_actualites/2026-10-14-\\303\\251t\\303\\251.markdown\"\n"),
	    "_actualites/2026-10-14-\xc3\xa9t\xc3\xa9.markdown",
	    "git's quoting of non-ASCII bytes undone");
	EQS(P("\"a\\tb\\\\c\\\"d.md\"\n"), "a\tb\\c\"d.md",
	    "git's quoting of tab, backslash and quote undone");
	EQS(P("\"a.md\n"), "(error 1: a path quoted wrongly)",
	    "an unterminated quote is an error");
	EQS(P("ok.md\n\"a\\q.md\"\n"), "(error 2: a path quoted wrongly)",
	    "an unknown escape is an error, on its line");
	EQS(P("\"a\\000.md\"\n"), "(error 1: a path quoted wrongly)",
	    "a NUL byte quoted is an error");
	EQS(P("/etc/passwd\n"), "(error 1: '/etc/passwd': not relative to "
	    "the site)", "an absolute path is an error");
	EQS(P("a.md\n_x/../../b.md\n"),
	    "(error 2: '_x/../../b.md' goes out of the site)",
	    "a path going up is an error");
	EQS(P("a..b/c...md\n"), "a..b/c...md", "dots inside names are names");

	buf_release(&b);
	return T_DONE();
}
