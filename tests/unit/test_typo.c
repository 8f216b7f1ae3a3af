#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "t.h"
#include "typo.h"

#define N TYPO_NBSP

static struct buf b = BUF_INIT;

static const char *
fr(const char *s)
{
	buf_reset(&b);
	if (typo_fr(&b, s, strlen(s)) != 0)
		return "(error)";
	return buf_cstr(&b);
}

/* Applying typo_fr to its own output must change nothing. */
static int
stable(const char *s)
{
	struct buf once = BUF_INIT, twice = BUF_INIT;
	int same;

	typo_fr(&once, s, strlen(s));
	typo_fr(&twice, once.data, once.len);
	same = once.len == twice.len && memcmp(once.data, twice.data,
	    once.len) == 0;
	if (!same)
		printf("#   once:  \"%s\"\n#   twice: \"%s\"\n", once.data,
		    twice.data);
	buf_release(&once);
	buf_release(&twice);
	return same;
}

int
main(void)
{
	static const struct {
		const char *in, *want, *what;
	} cases[] = {
		/* the rules */
		{ "<p>Note : oui</p>", "<p>Note" N ": oui</p>",
		    "space before : replaced" },
		{ "<p>Note: oui</p>", "<p>Note" N ": oui</p>",
		    "space before : inserted" },
		{ "<p>a ; b</p>", "<p>a" N "; b</p>", "space before ;" },
		{ "<p>a; b</p>", "<p>a" N "; b</p>", "inserted before ;" },
		{ "<p>Vraiment ?</p>", "<p>Vraiment" N "?</p>", "before ?" },
		{ "<p>Vraiment?</p>", "<p>Vraiment" N "?</p>", "inserted ?" },
		{ "<p>Bravo !</p>", "<p>Bravo" N "!</p>", "before !" },
		{ "<p>Bravo!</p>", "<p>Bravo" N "!</p>", "inserted !" },
		{ "<p>« Oui »</p>", "<p>«" N "Oui" N "»</p>",
		    "inside guillemets, spaces replaced" },
		{ "<p>«Oui»</p>", "<p>«" N "Oui" N "»</p>",
		    "inside guillemets, spaces inserted" },
		{ "<p>&laquo;Oui&raquo;</p>", "<p>&laquo;" N "Oui" N "&raquo;</p>",
		    "guillemet references" },
		{ "<p>« Quoi ? »</p>", "<p>«" N "Quoi" N "?" N "»</p>",
		    "» after ?" },
		{ "<p>Quoi ?!</p>", "<p>Quoi" N "?!</p>", "?! gets one space" },
		{ "<p>Note   :</p>", "<p>Note" N ":</p>", "a run of spaces" },
		{ "<p>Note\n: x</p>", "<p>Note" N ": x</p>", "a newline" },
		{ "<p><strong>Note</strong>: x</p>",
		    "<p><strong>Note</strong>" N ": x</p>",
		    "across an inline tag" },
		{ "<p>«<em>Titre</em>»</p>", "<p>«" N "<em>Titre</em>" N "»</p>",
		    "guillemets around an inline tag" },
		{ "<p>Le <a href=\"/x\">lien</a> !</p>",
		    "<p>Le <a href=\"/x\">lien</a>" N "!</p>", "after a link" },
		{ "<p>Tom &amp; Jerry ?</p>", "<p>Tom &amp; Jerry" N "?</p>",
		    "reference copied, not punctuation" },
		{ "<p>Voir <code>x</code>:</p>",
		    "<p>Voir <code>x</code>" N ":</p>", "after code" },
		{ "<p>Attention:</p>\n<p>x</p>", "<p>Attention" N ":</p>\n<p>x</p>",
		    "colon before a tag" },
		{ "Note:", "Note" N ":", "colon at the end" },
		{ "<p>Voir https://www.numerique.gouv.fr!</p>",
		    "<p>Voir https://www.numerique.gouv.fr" N "!</p>",
		    "punctuation after a URL" },
		/* already right: kept */
		{ "<p>Note" N ": oui</p>", "<p>Note" N ": oui</p>",
		    "an existing no-break space" },
		{ "<p>Oui\xe2\x80\xaf!</p>", "<p>Oui\xe2\x80\xaf!</p>",
		    "an existing narrow no-break space" },
		{ "<p>Oui&nbsp;!</p>", "<p>Oui&nbsp;!</p>", "an existing &nbsp;" },
		{ "<p>Oui&#8239;?</p>", "<p>Oui&#8239;?</p>", "an existing &#8239;" },
		{ "<p>&laquo;&nbsp;Oui&nbsp;&raquo;</p>",
		    "<p>&laquo;&nbsp;Oui&nbsp;&raquo;</p>", "&nbsp; in guillemets" },
		/* the exclusions */
		{ "<p>À 16:30</p>", "<p>À 16:30</p>", "a time" },
		{ "<p>Voir https://x.fr/a?b=1&amp;c=2!x</p>",
		    "<p>Voir https://x.fr/a?b=1&amp;c=2!x</p>", "a URL" },
		{ "<p>mailto:a@b.fr</p>", "<p>mailto:a@b.fr</p>", "mailto" },
		{ "<p>www.x.fr/?q=1</p>", "<p>www.x.fr/?q=1</p>", "www." },
		{ "<p>Super :)</p>", "<p>Super :)</p>", "emoticon :)" },
		{ "<p>Super ;-)</p>", "<p>Super ;-)</p>", "emoticon ;-)" },
		{ "<p>Super :D</p>", "<p>Super :D</p>", "emoticon :D" },
		{ "<p>Hum :-?</p>", "<p>Hum :-?</p>", "emoticon :-?" },
		{ "<p>std::vector</p>", "<p>std::vector</p>", "double colon" },
		{ "<p>a?b=1</p>", "<p>a?b=1</p>", "query-like text" },
		{ "<a title=\"Note: x ?\" href=\"https://x\">y</a>",
		    "<a title=\"Note: x ?\" href=\"https://x\">y</a>",
		    "attribute values" },
		{ "<a title='a>b: c ?'>y</a>", "<a title='a>b: c ?'>y</a>",
		    "> inside a quoted attribute" },
		{ "<!-- Note: x ? -->", "<!-- Note: x ? -->", "comments" },
		{ "<pre>a: b ?\n« c »</pre>", "<pre>a: b ?\n« c »</pre>", "pre" },
		{ "<pre><code>a: b</code> c: d</pre>",
		    "<pre><code>a: b</code> c: d</pre>", "code inside pre" },
		{ "<p><code>a: b ?</code></p>", "<p><code>a: b ?</code></p>",
		    "code" },
		{ "<CODE class=\"x\">a: b</CODE>", "<CODE class=\"x\">a: b</CODE>",
		    "upper-case code" },
		{ "<kbd><kbd>Ctrl</kbd>+<kbd>?</kbd>: x</kbd>",
		    "<kbd><kbd>Ctrl</kbd>+<kbd>?</kbd>: x</kbd>", "nested kbd" },
		{ "<script>if (a) { b ? c : d; }</script>",
		    "<script>if (a) { b ? c : d; }</script>", "script" },
		{ "<script>var s = \"<b>a: b</b>\";</script>",
		    "<script>var s = \"<b>a: b</b>\";</script>",
		    "tags inside script" },
		{ "<style>a:hover { color: red; }</style>",
		    "<style>a:hover { color: red; }</style>", "style" },
		{ "<textarea>a: b !</textarea>", "<textarea>a: b !</textarea>",
		    "textarea" },
		{ "<samp>Erreur : x</samp>", "<samp>Erreur : x</samp>", "samp" },
		{ "<code>a: b</code>c: d", "<code>a: b</code>c" N ": d",
		    "text after code is treated" },
		{ "<p>: début</p>", "<p>: début</p>", "start of a block" },
		{ "<p>(?)</p>", "<p>(?)</p>", "after a bracket" },
		{ "<p>« </p>", "<p>« </p>", "a lone « at the end of a block" },
		{ "<p>a <em>: b</em></p>", "<p>a <em>: b</em></p>",
		    "a space behind a tag is not moved" },
		{ "<br>: x", "<br>: x", "after a line break" },
		{ "a < b ? c", "a < b" N "? c", "a bare <" },
		{ "<p>x</p", "<p>x</p", "unterminated tag" },
		{ "<pre>a: b", "<pre>a: b", "unterminated pre" },
		{ "<!-- a: b", "<!-- a: b", "unterminated comment" },
		{ "Oui\xff!", "Oui\xff" N "!", "invalid UTF-8 copied" },
		{ "Oui :\xbb", "Oui :\xbb", "a stray byte is not a guillemet" },
		{ "a;»", "a" N ";" N "»", "; before »" },
		{ "", "", "empty" },
	};
	size_t i;
	char *big;
	int good;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		EQS(fr(cases[i].in), cases[i].want, "%s", cases[i].what);
	good = 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!stable(cases[i].in)) {
			printf("#   case: %s\n", cases[i].what);
			good = 0;
		}
	OK(good, "idempotent on every case");

	buf_reset(&b);
	buf_adds(&b, "head|");
	typo_fr(&b, "a: b", 4);
	EQS(buf_cstr(&b), "head|a" N ": b", "appends; never reaches back");
	buf_reset(&b);
	buf_adds(&b, "x ");
	typo_fr(&b, ": y", 3);
	EQS(buf_cstr(&b), "x : y", "earlier output is not trimmed");

	{
		char nul[] = "a\0: b";

		buf_reset(&b);
		typo_fr(&b, nul, 5);
		OK(b.len == 7 && memcmp(b.data, "a\0" N ": b", 7) == 0,
		    "embedded NUL is text");
	}

	{
		/*
		 * A tag name with NUL bytes is compared by its length, not as
		 * a C string: "<b\0x>" is no <b> and "<code\0\0>" no <code>,
		 * so each comes out as the same name with "q" for the NULs.
		 */
		static const char *const with[] = {
			"\xc2\xab<b\0x>c", "<code\0\0>a: b</code>"
		};
		static const size_t wlen[] = { 8, 19 };
		struct buf q = BUF_INIT;
		size_t k, j;

		for (k = 0; k < 2; k++) {
			char in[32];

			memcpy(in, with[k], wlen[k]);
			buf_reset(&b);
			typo_fr(&b, in, wlen[k]);
			for (j = 0; j < wlen[k]; j++)
				if (in[j] == '\0')
					in[j] = 'q';
			buf_reset(&q);
			typo_fr(&q, in, wlen[k]);
			for (j = 0; j < b.len; j++)
				if (b.data[j] == '\0')
					b.data[j] = 'q';
			OK(b.len == q.len && memcmp(b.data, q.data, b.len) == 0,
			    "a NUL in a tag name: as another name (%s)",
			    k == 0 ? "inline" : "skipped");
		}
		buf_release(&q);
	}

	/* hostile input: long runs and every truncation of a page */
	big = malloc(1 << 20);
	for (i = 0; i < (1 << 20); i++)
		big[i] = "<p:!?« »&;/ \n>'\""[i % 17];
	buf_reset(&b);
	OK(typo_fr(&b, big, 1 << 20) == 0 && b.len >= (1 << 20),
	    "a megabyte of punctuation and brackets");
	memset(big, '<', 1 << 20);
	buf_reset(&b);
	OK(typo_fr(&b, big, 1 << 20) == 0 && b.len == (1 << 20),
	    "a megabyte of <");
	free(big);
	{
		const char *page = "<p>« A » : <a href=\"x?y\">b</a> ! "
		    "<code>c: d</code> &nbsp;? <!-- e --> f;</p>";
		size_t n = strlen(page);

		good = 1;
		for (i = 0; i <= n; i++) {
			buf_reset(&b);
			if (typo_fr(&b, page, i) != 0)
				good = 0;
		}
		OK(good, "every prefix of a page");
	}

	buf_release(&b);
	return T_DONE();
}
