/*
 * kd_typo: kramdown's typographic symbols and smart quotes on a run of
 * text, GFM header ids, entities.
 *
 * The smart quote rules are kramdown's (after RubyPants): which quote a
 * ' or " becomes depends on the character before it in the same text run
 * and on what follows. Ruby's \w and \s are ASCII-only, so are ours.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "kd.h"

#define LDQUO	"\xe2\x80\x9c"
#define RDQUO	"\xe2\x80\x9d"
#define LSQUO	"\xe2\x80\x98"
#define RSQUO	"\xe2\x80\x99"
#define NBSP	"\xc2\xa0"

static int
wch(int c)
{
	return c >= 0 && c < 128 && (isalnum(c) || c == '_');
}

static int
sch(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

static int
punct(int c)
{
	return c > 0 && c < 128 && strchr("!\"#$%'()*+,-./:;<=>?@[\\]^_`{|}~",
	    c) != NULL;
}

static void
put(struct buf *out, struct buf *plain, const char *s, size_t n)
{
	kd_escape(out, s, n, 0);
	if (plain != NULL)
		buf_add(plain, s, n);
}

static const char *
q_open(char q)
{
	return q == '"' ? LDQUO : LSQUO;
}

static const char *
q_close(char q)
{
	return q == '"' ? RDQUO : RSQUO;
}

/*
 * The quote at t[0] (m bytes from there), pc the character before it in
 * the run or -1. Writes what it becomes; returns the bytes consumed.
 */
static size_t
quote(struct buf *out, struct buf *plain, const char *t, size_t m, int pc)
{
	int c1 = m > 1 ? (unsigned char)t[1] : -1;
	int c2 = m > 2 ? (unsigned char)t[2] : -1;
	int c3 = m > 3 ? (unsigned char)t[3] : -1;
	char q = t[0];

	if (pc == -1) {
		if ((c1 == '_' || c1 == '*') && (((c2 == '_' || c2 == '*') &&
		    c3 != -1 && !sch(c3)) || (c2 != -1 && !sch(c2)))) {
			put(out, plain, q_open(q), 3);
			return 1;
		}
		if (punct(c1) && !(c2 == '.' && c3 == '.') &&
		    wch(c1) == wch(c2)) {
			put(out, plain, q_close(q), 3);
			return 1;
		}
	}
	if (pc == -1 || sch(pc)) {
		if (q == '"' && c1 == '\'' && wch(c2)) {
			put(out, plain, LDQUO LSQUO, 6);
			return 2;
		}
		if (q == '\'' && c1 == '"' && wch(c2)) {
			put(out, plain, LSQUO LDQUO, 6);
			return 2;
		}
		if (q == '\'' && c1 >= 0 && isdigit(c1) && c2 >= 0 &&
		    isdigit(c2) && c3 == 's') {
			put(out, plain, RSQUO, 3);
			return 1;
		}
	}
	if (pc != -1) {
		if (sch(pc) && wch(c1)) {
			put(out, plain, q_open(q), 3);
			return 1;
		}
		if (strchr(" \\\t\r\n[{(-", pc) == NULL) {
			put(out, plain, q_close(q), 3);
			return 1;
		}
	} else {
		if (c1 == '"' || c1 == '\'') {
			put(out, plain, t, 1);
			put(out, plain, q_close((char)c1), 3);
			return 2;
		}
		if (c1 == -1 || sch(c1) || (c1 == 's' && !wch(c2))) {
			put(out, plain, q_close(q), 3);
			return 1;
		}
	}
	put(out, plain, q_open(q), 3);
	return 1;
}

/* The bytes kd_typo() looks at twice: symbols, quotes. */
static const unsigned char starts_sym[256] = {
	['-'] = 1, ['.'] = 1, ['<'] = 1, [' '] = 1, ['>'] = 1, ['"'] = 1,
	['\''] = 1
};

void
kd_typo(struct buf *out, struct buf *plain, const char *s, size_t n,
    const unsigned char *lit)
{
	size_t i = 0, run = 0, k;
	int avail = 0;	/* s[i - 1] is plain text of this run */

#define FLUSH() do {							\
	put(out, plain, s + run, i - run);				\
} while (0)
	while (i < n) {
		char c;
		const char *sym = NULL;
		size_t len = 0;

		/* Bytes that start no symbol and no quote: plain text. */
		for (k = i; k < n && !starts_sym[(unsigned char)s[k]] &&
		    (lit == NULL || !lit[k]); k++)
			;
		if (k > i) {
			avail = 1;
			i = k;
			if (i == n)
				break;
		}
		c = s[i];
		if (lit != NULL && lit[i]) {
			FLUSH();
			put(out, plain, s + i, 1);
			i++;
			run = i;
			avail = 0;
			continue;
		}
		if (c == '-' && i + 1 < n && s[i + 1] == '-') {
			if (i + 2 < n && s[i + 2] == '-') {
				sym = "\xe2\x80\x94";
				len = 3;
			} else {
				sym = "\xe2\x80\x93";
				len = 2;
			}
		} else if (c == '.' && i + 2 < n && s[i + 1] == '.' &&
		    s[i + 2] == '.') {
			sym = "\xe2\x80\xa6";
			len = 3;
		} else if (c == '<' && i + 1 < n && s[i + 1] == '<') {
			if (i + 2 < n && s[i + 2] == ' ') {
				sym = "\xc2\xab" NBSP;
				len = 3;
			} else {
				sym = "\xc2\xab";
				len = 2;
			}
		} else if (c == ' ' && i + 2 < n && s[i + 1] == '>' &&
		    s[i + 2] == '>') {
			sym = NBSP "\xc2\xbb";
			len = 3;
		} else if (c == '>' && i + 1 < n && s[i + 1] == '>') {
			sym = "\xc2\xbb";
			len = 2;
		}
		if (sym != NULL) {
			FLUSH();
			put(out, plain, sym, strlen(sym));
			i += len;
			run = i;
			avail = 0;
			continue;
		}
		if (c == '"' || c == '\'') {
			int pc = -1;

			if (avail && i > 0 && s[i - 1] != '\\')
				pc = (unsigned char)s[i - 1];
			FLUSH();
			k = quote(out, plain, s + i, n - i, pc);
			i += k;
			run = i;
			avail = 0;
			continue;
		}
		avail = 1;
		i++;
	}
	FLUSH();
#undef FLUSH
}

static int
word_cp(utf8proc_int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_PC:
		return 1;
	default:
		return 0;
	}
}

void
kd_gfm_id(struct buf *id, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k;
		utf8proc_uint8_t enc[4];

		k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, n - i,
		    &cp);
		if (k <= 0) {
			i++;
			continue;
		}
		i += k;
		if (cp == ' ' || cp == '\t') {
			buf_addc(id, '-');
			continue;
		}
		if (cp == '-') {
			buf_addc(id, '-');
			continue;
		}
		if (!word_cp(cp))
			continue;
		cp = utf8proc_tolower(cp);
		k = utf8proc_encode_char(cp, enc);
		buf_add(id, enc, k);
	}
}

static const struct {
	const char *name;
	unsigned cp;
} entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", 0xa0 }, { "laquo", 0xab },
	{ "raquo", 0xbb }, { "hellip", 0x2026 }, { "mdash", 0x2014 },
	{ "ndash", 0x2013 }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
	{ "ldquo", 0x201c }, { "rdquo", 0x201d }, { "euro", 0x20ac },
	{ "copy", 0xa9 }, { "reg", 0xae }, { "trade", 0x2122 },
	{ "deg", 0xb0 }, { "middot", 0xb7 }, { "times", 0xd7 },
	{ "eacute", 0xe9 }, { "egrave", 0xe8 }, { "ecirc", 0xea },
	{ "agrave", 0xe0 }, { "acirc", 0xe2 }, { "ccedil", 0xe7 },
	{ "ocirc", 0xf4 }, { "ucirc", 0xfb }, { "ugrave", 0xf9 },
	{ "icirc", 0xee }, { "iuml", 0xef }, { "euml", 0xeb },
	{ "Eacute", 0xc9 }, { "Egrave", 0xc8 }, { "Agrave", 0xc0 },
	{ "Ccedil", 0xc7 }, { "oelig", 0x153 }, { "OElig", 0x152 },
	{ "thinsp", 0x2009 }, { "shy", 0xad }, { "bull", 0x2022 },
	{ "larr", 0x2190 }, { "rarr", 0x2192 }, { "sect", 0xa7 },
	{ "para", 0xb6 }, { "iexcl", 0xa1 }, { "iquest", 0xbf },
	{ "zwj", 0x200d }, { "zwnj", 0x200c }, { "ensp", 0x2002 },
	{ "emsp", 0x2003 }, { "hearts", 0x2665 }, { "check", 0x2713 },
};

int
kd_entity(struct buf *out, const char *s, size_t n)
{
	utf8proc_uint8_t enc[4];
	unsigned long cp = 0;
	size_t i;

	if (n < 3 || s[0] != '&' || s[n - 1] != ';')
		return -1;
	if (s[1] == '#') {
		int hex = n > 3 && (s[2] == 'x' || s[2] == 'X');

		for (i = hex ? 3 : 2; i < n - 1; i++) {
			int c = (unsigned char)s[i];

			if (!(hex ? isxdigit(c) : isdigit(c)) || cp > 0x10ffff)
				return -1;
			cp = cp * (hex ? 16 : 10) + (isdigit(c) ? c - '0' :
			    tolower(c) - 'a' + 10);
		}
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 &&
		    cp <= 0xdfff))
			cp = 0xfffd;
	} else {
		for (i = 0; i < sizeof(entities) / sizeof(entities[0]); i++)
			if (strlen(entities[i].name) == n - 2 &&
			    memcmp(entities[i].name, s + 1, n - 2) == 0)
				break;
		if (i == sizeof(entities) / sizeof(entities[0]))
			return -1;
		cp = entities[i].cp;
	}
	buf_add(out, enc, utf8proc_encode_char((utf8proc_int32_t)cp, enc));
	return 0;
}
