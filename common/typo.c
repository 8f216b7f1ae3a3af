#include "typo.h"

#include <stdint.h>
#include <string.h>

/* What the last character of text was, for the rules that look back. */
enum prev {
	P_NONE,		/* start of a block: nothing to space from */
	P_SPACE,	/* ordinary white space */
	P_NBSP,		/* a no-break space of some width */
	P_OPEN,		/* bracket, quote, dash, slash: no space after */
	P_PUNCT,	/* one of : ; ! ? */
	P_WORD		/* anything else */
};

struct typo {
	struct buf *out;
	const char *p;
	size_t len;
	size_t i;
	size_t text_from;	/* out->len where the current text run began */
	enum prev prev;
	int after_laquo;	/* a « wants its space before what follows */
};

/*
 * The tags markup() looks for, each name zero-padded to TAG_KEY bytes so
 * that it compares in one memcmp() of a fixed size, a word once compiled:
 * a tag is looked up once, for all there is to know of it. (A binary
 * search, whose memcmp() cannot be made a word compare, ran 5% more
 * instructions through typo_fr() than this scan.)
 */
#define TAG_KEY 8
enum tag_kind {
	TAG_INLINE,	/* phrasing: the text on both sides reads as one */
	TAG_SKIP,	/* content never touched */
	TAG_SKIP_RAW	/* the same, and it holds no nested tags */
};
#define TAG(s, kind) { s, sizeof(s) - 1, kind }
static const struct {
	char name[TAG_KEY + 1];
	uint8_t len;
	uint8_t kind;
} tags[] = {
	TAG("a", TAG_INLINE), TAG("abbr", TAG_INLINE), TAG("b", TAG_INLINE),
	TAG("bdi", TAG_INLINE), TAG("bdo", TAG_INLINE),
	TAG("cite", TAG_INLINE), TAG("code", TAG_SKIP),
	TAG("data", TAG_INLINE), TAG("del", TAG_INLINE),
	TAG("dfn", TAG_INLINE), TAG("em", TAG_INLINE), TAG("i", TAG_INLINE),
	TAG("ins", TAG_INLINE), TAG("kbd", TAG_SKIP), TAG("mark", TAG_INLINE),
	TAG("pre", TAG_SKIP), TAG("q", TAG_INLINE), TAG("s", TAG_INLINE),
	TAG("samp", TAG_SKIP), TAG("script", TAG_SKIP_RAW),
	TAG("small", TAG_INLINE), TAG("span", TAG_INLINE),
	TAG("strong", TAG_INLINE), TAG("style", TAG_SKIP_RAW),
	TAG("sub", TAG_INLINE), TAG("sup", TAG_INLINE),
	TAG("textarea", TAG_SKIP_RAW), TAG("time", TAG_INLINE),
	TAG("u", TAG_INLINE), TAG("var", TAG_INLINE),
};
#undef TAG

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Case-insensitive: does p[0..n) start with s[0..k) (lower case)? */
static int
starts_cin(const char *p, size_t n, const char *s, size_t k)
{
	size_t j;

	if (k > n)
		return 0;
	for (j = 0; j < k; j++)
		if (lower((unsigned char)p[j]) != s[j])
			return 0;
	return 1;
}

static int
starts_ci(const char *p, size_t n, const char *s)
{
	return starts_cin(p, n, s, strlen(s));
}

/* Length of the tag name at p: it ends at white space, "/", ">" or the end. */
static size_t
name_len(const char *p, size_t n)
{
	size_t k;

	for (k = 0; k < n && !is_ws((unsigned char)p[k]) && p[k] != '/' &&
	    p[k] != '>'; k++)
		;
	return k;
}

static int
name_is(const char *p, size_t n, const char *name)
{
	size_t k = strlen(name);

	return name_len(p, n < k + 1 ? n : k + 1) == k &&
	    starts_cin(p, k, name, k);
}

/* Decodes one UTF-8 character; invalid bytes decode as themselves. */
static size_t
decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k, j;
	uint32_t c;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		k = 2;
		c = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		k = 3;
		c = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		k = 4;
		c = u[0] & 0x07;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if (k > n) {
		*cp = 0xfffd;
		return 1;
	}
	for (j = 1; j < k; j++) {
		if ((u[j] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (u[j] & 0x3f);
	}
	*cp = c;
	return k;
}

static int
is_nbsp_cp(uint32_t c)
{
	return c == 0xa0 || c == 0x202f || c == 0x2009 || c == 0x2007;
}

static int
is_hex(int c)
{
	return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

/* Length of a character reference at p (0 when there is none). */
static size_t
entity_len(const char *p, size_t n)
{
	size_t j, start;
	int hex = 0;

	if (n < 3 || p[0] != '&')
		return 0;
	if (p[1] == '#') {
		j = 2;
		if (p[j] == 'x' || p[j] == 'X') {
			hex = 1;
			j++;
		}
		start = j;
		while (j < n && j - start < 8 && (hex ?
		    is_hex((unsigned char)p[j]) : is_digit((unsigned char)p[j])))
			j++;
	} else {
		start = j = 1;
		while (j < n && j < 40 && (is_alpha((unsigned char)p[j]) ||
		    (j > 1 && is_digit((unsigned char)p[j]))))
			j++;
	}
	if (j == start || j >= n || p[j] != ';')
		return 0;
	return j + 1;
}

enum ent { E_OTHER, E_NBSP, E_LAQUO, E_RAQUO };

static enum ent
entity_kind(const char *p, size_t n)
{
	static const char *const nbsp[] = {
		"&nbsp;", "&#160;", "&#xa0;", "&#8239;", "&#x202f;",
		"&#8201;", "&#x2009;", "&#8199;", "&#x2007;", "&thinsp;",
		"&#x00a0;"
	};
	static const char *const laquo[] = { "&laquo;", "&#171;", "&#xab;" };
	static const char *const raquo[] = { "&raquo;", "&#187;", "&#xbb;" };
	size_t j;

	for (j = 0; j < sizeof(nbsp) / sizeof(nbsp[0]); j++)
		if (n == strlen(nbsp[j]) && starts_ci(p, n, nbsp[j]))
			return E_NBSP;
	for (j = 0; j < 3; j++) {
		if (n == strlen(laquo[j]) && starts_ci(p, n, laquo[j]))
			return E_LAQUO;
		if (n == strlen(raquo[j]) && starts_ci(p, n, raquo[j]))
			return E_RAQUO;
	}
	return E_OTHER;
}

/* Is a no-break space (character or reference) at p? */
static int
nbsp_at(const char *p, size_t n)
{
	uint32_t c;
	size_t k;

	if (n == 0)
		return 0;
	if (p[0] == '&')
		return (k = entity_len(p, n)) > 0 &&
		    entity_kind(p, k) == E_NBSP;
	decode(p, n, &c);
	return is_nbsp_cp(c);
}

/* Is a closing guillemet (character or reference) at p? */
static int
raquo_at(const char *p, size_t n)
{
	size_t k;

	if (n >= 2 && (unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xbb)
		return 1;
	return p[0] == '&' && (k = entity_len(p, n)) > 0 &&
	    entity_kind(p, k) == E_RAQUO;
}

/* Index just after the '>' that closes the tag at i, honouring quotes. */
static size_t
tag_end(const char *p, size_t i, size_t len)
{
	const char *q;

	for (i++; i < len; i++) {
		if (p[i] == '>')
			return i + 1;
		if (p[i] == '"' || p[i] == '\'') {
			q = memchr(p + i + 1, p[i], len - i - 1);
			if (q == NULL)
				return len;
			i = (size_t)(q - p);
		}
	}
	return len;
}

/* Index just after the end of a comment starting at i ("<!--"). */
static size_t
comment_end(const char *p, size_t i, size_t len)
{
	for (i += 4; i + 2 < len; i++)
		if (p[i] == '-' && p[i + 1] == '-' && p[i + 2] == '>')
			return i + 3;
	return len;
}

/* Index just after the close of a skipped element whose open tag ends at i. */
static size_t
element_end(const char *p, size_t i, size_t len, const char *name, int raw)
{
	size_t nl = strlen(name);
	int depth = 1;

	while (i < len) {
		const char *lt = memchr(p + i, '<', len - i);

		if (lt == NULL)
			return len;
		i = (size_t)(lt - p);
		if (i + 1 < len && p[i + 1] == '/' &&
		    name_is(p + i + 2, len - i - 2, name)) {
			if (--depth == 0)
				return tag_end(p, i, len);
			i += 2 + nl;
		} else if (!raw && name_is(p + i + 1, len - i - 1, name)) {
			i = tag_end(p, i, len);
			if (p[i - 1] == '>' && p[i - 2] != '/')
				depth++;
		} else if (!raw && starts_ci(p + i, len - i, "<!--"))
			i = comment_end(p, i, len);
		else
			i++;
	}
	return len;
}

/* Can a URL (one of url_len's schemes) start with c? */
static int
url_start(int c)
{
	c = lower(c);
	return c == 'h' || c == 'f' || c == 'm' || c == 'w';
}

/* Length of a URL in text at i, trailing punctuation excluded; or 0. */
static size_t
url_len(const char *p, size_t n)
{
#define SCHEME(s) { s, sizeof(s) - 1 }
	static const struct {
		const char *s;
		size_t len;
	} schemes[] = {
		SCHEME("http://"), SCHEME("https://"), SCHEME("ftp://"),
		SCHEME("mailto:"), SCHEME("www.")
	};
#undef SCHEME
	size_t j, k = 0;

	if (n == 0 || !url_start((unsigned char)p[0]))
		return 0;
	for (j = 0; j < sizeof(schemes) / sizeof(schemes[0]); j++)
		if (starts_cin(p, n, schemes[j].s, schemes[j].len))
			break;
	if (j == sizeof(schemes) / sizeof(schemes[0]))
		return 0;
	while (k < n && !is_ws((unsigned char)p[k]) && p[k] != '<' &&
	    p[k] != '"' && !nbsp_at(p + k, n - k))
		k++;
	while (k > 0 && strchr(".,;:!?)", p[k - 1]) != NULL)
		k--;
	return k;
}

static void
add_nbsp(struct typo *t)
{
	buf_add(t->out, TYPO_NBSP, 2);
}

/*
 * Before a sign that wants a no-break space: turn the spaces just
 * written into one, or add one after a word.
 */
static void
space_before(struct typo *t, int after_punct)
{
	struct buf *o = t->out;
	size_t n = o->len;

	if (t->prev == P_SPACE) {
		while (n > t->text_from && is_ws((unsigned char)o->data[n - 1]))
			n--;
		if (n == o->len)
			return;	/* the spaces are behind a tag */
		buf_truncate(o, n);
		add_nbsp(t);
	} else if (t->prev == P_WORD || (after_punct && t->prev == P_PUNCT))
		add_nbsp(t);
}

/* Is what follows p[i] an end for ":" and ";"? */
static int
colon_end(const struct typo *t, size_t i)
{
	if (i >= t->len)
		return 1;
	/* "»" too: the space put before it must not change this answer */
	return is_ws((unsigned char)t->p[i]) || t->p[i] == '<' ||
	    nbsp_at(t->p + i, t->len - i) || raquo_at(t->p + i, t->len - i);
}

/*
 * The tag name at p in lower case, in low[] (0 when it is longer than
 * every name looked for).
 */
#define NAME_MAX 12

static size_t
name_lower(const char *p, size_t n, char low[NAME_MAX])
{
	size_t k = name_len(p, n < NAME_MAX ? n : NAME_MAX), j;

	if (k == NAME_MAX)
		return 0;
	for (j = 0; j < k; j++)
		low[j] = (char)lower((unsigned char)p[j]);
	return k;
}

/* The entry of tags[] naming the tag at p, or -1. */
static int
tag_find(const char *p, size_t n)
{
	char low[NAME_MAX], key[TAG_KEY];
	size_t k = name_lower(p, n, low), j;

	if (k == 0 || k > TAG_KEY)
		return -1;
	memset(key, 0, sizeof(key));
	memcpy(key, low, k);
	for (j = 0; j < sizeof(tags) / sizeof(tags[0]); j++)
		if (memcmp(key, tags[j].name, TAG_KEY) == 0 && tags[j].len == k)
			return (int)j;
	return -1;
}

/* Copies the markup at t->i ('<'); 0 when it is not markup after all. */
static int
markup(struct typo *t)
{
	const char *p = t->p;
	size_t i = t->i, len = t->len, end;
	int closing, tag, in;

	if (i + 1 >= len)
		return 0;
	if (starts_ci(p + i, len - i, "<!--"))
		end = comment_end(p, i, len);
	else if (p[i + 1] == '!' || p[i + 1] == '?')
		end = tag_end(p, i, len);
	else if (is_alpha((unsigned char)p[i + 1]) ||
	    (p[i + 1] == '/' && i + 2 < len && is_alpha((unsigned char)p[i + 2])))
		end = tag_end(p, i, len);
	else
		return 0;

	if (p[i + 1] == '!' || p[i + 1] == '?') {
		/* comments and declarations are not text: nothing changes */
		buf_add(t->out, p + i, end - i);
		t->i = end;
		t->text_from = t->out->len;
		return 1;
	}
	closing = p[i + 1] == '/';
	tag = tag_find(p + i + 1 + closing, len - i - 1 - closing);
	in = tag >= 0 && tags[tag].kind == TAG_INLINE;
	if (t->after_laquo) {
		if (!closing && in)
			add_nbsp(t);
		t->after_laquo = 0;
	}
	/* <code/> has no content */
	if (!closing && tag >= 0 && !in && !(end - i >= 2 &&
	    p[end - 2] == '/')) {
		end = element_end(p, end, len, tags[tag].name,
		    tags[tag].kind == TAG_SKIP_RAW);
		buf_add(t->out, p + i, end - i);
		t->i = end;
		t->text_from = t->out->len;
		t->prev = P_WORD;
		return 1;
	}
	buf_add(t->out, p + i, end - i);
	t->i = end;
	t->text_from = t->out->len;
	if (!in)
		t->prev = P_NONE;
	return 1;
}

static enum prev
class_of(uint32_t c)
{
	if (c < 0x80 && is_ws((int)c))
		return P_SPACE;
	if (is_nbsp_cp(c))
		return P_NBSP;
	if (c == ':' || c == ';' || c == '!' || c == '?')
		return P_PUNCT;
	if (c == '(' || c == '[' || c == '{' || c == '"' || c == '\'' ||
	    c == '-' || c == '/' || c == 0x2013 || c == 0x2014 ||
	    c == 0x201c || c == 0x2018 || c == 0xab)
		return P_OPEN;
	return P_WORD;
}

/* Handles one character of text (or a reference) at t->i. */
static void
text(struct typo *t)
{
	const char *p = t->p + t->i;
	size_t n = t->len - t->i, k;
	uint32_t c;
	enum ent e = E_OTHER;
	enum prev cl;

	if ((k = entity_len(p, n)) > 0) {
		e = entity_kind(p, k);
		c = e == E_NBSP ? 0xa0 : e == E_LAQUO ? 0xab :
		    e == E_RAQUO ? 0xbb : '&';
	} else
		k = decode(p, n, &c);

	if (t->after_laquo) {
		t->after_laquo = 0;
		cl = class_of(c);
		if (cl == P_SPACE) {
			size_t from = t->i;

			while (t->i < t->len && is_ws((unsigned char)t->p[t->i]))
				t->i++;
			if (t->i >= t->len || (t->p[t->i] == '<' &&
			    t->i + 1 < t->len && t->p[t->i + 1] == '/')) {
				/* nothing follows the « in this block */
				buf_add(t->out, t->p + from, t->i - from);
				t->prev = P_SPACE;
				return;
			}
			add_nbsp(t);
			t->prev = P_NBSP;
			return;
		}
		if (cl != P_NBSP)
			add_nbsp(t);
	}

	if (c == 0xbb)
		space_before(t, 1);
	else if ((c == ':' || c == ';') && colon_end(t, t->i + 1))
		space_before(t, 0);
	else if ((c == '!' || c == '?') && (t->i + 1 >= t->len ||
	    (!is_alpha((unsigned char)p[1]) && !is_digit((unsigned char)p[1]) &&
	    p[1] != '=' && p[1] != '/' && p[1] != '_')))
		space_before(t, 0);

	buf_add(t->out, p, k);
	t->i += k;
	if (c == 0xab) {
		t->after_laquo = 1;
		t->prev = P_OPEN;
	} else
		t->prev = class_of(c);
}

/*
 * Bytes that are text of class P_WORD and never start a rule: after a
 * P_WORD character a run of them changes nothing but the output, so it is
 * copied in one piece. Everything else takes the careful path.
 */
static const unsigned char plain_byte[256] = {
	/* a-z A-Z 0-9 . , ) ] } * + = % # @ _ > (ASCII only) */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0,
};

static int
plain(unsigned char c)
{
	return plain_byte[c];
}

/* A Latin-1 letter (U+00C0 to U+00FF: "é", "à"...) at i: class P_WORD. */
static int
latin1(const char *p, size_t len, size_t i)
{
	return (unsigned char)p[i] == 0xc3 && i + 1 < len &&
	    ((unsigned char)p[i + 1] & 0xc0) == 0x80;
}

int
typo_fr(struct buf *out, const char *html, size_t len)
{
	struct typo t;
	size_t k;

	memset(&t, 0, sizeof(t));
	t.out = out;
	t.p = html;
	t.len = len;
	t.text_from = out->len;
	t.prev = P_NONE;
	buf_grow(out, len);
	while (t.i < len) {
		unsigned char c = (unsigned char)html[t.i];

		/*
		 * Runs that only copy, in one piece: words of plain bytes
		 * and Latin-1 letters, and the white space between them, up
		 * to anything else or a URL after a space.
		 */
		if (!t.after_laquo && (plain(c) || latin1(html, len, t.i) ||
		    is_ws(c)) && (t.prev == P_WORD || !url_start(c))) {
			enum prev last = t.prev;

			for (k = t.i; k < len;) {
				unsigned char b = (unsigned char)html[k];

				if (plain(b)) {
					if (last != P_WORD && url_start(b) &&
					    url_len(html + k, len - k) > 0)
						break;
					/* the rest of the word: no URL */
					for (k++; k < len &&
					    plain((unsigned char)html[k]); k++)
						;
					last = P_WORD;
				} else if (latin1(html, len, k)) {
					k += 2;
					last = P_WORD;
				} else if (is_ws(b)) {
					for (k++; k < len &&
					    is_ws((unsigned char)html[k]); k++)
						;
					last = P_SPACE;
				} else
					break;
			}
			buf_add(out, html + t.i, k - t.i);
			t.i = k;
			t.prev = last;
			continue;
		}
		if (html[t.i] == '<' && markup(&t))
			continue;
		if ((t.prev != P_WORD || t.after_laquo ||
		    out->len == t.text_from) &&
		    (k = url_len(html + t.i, len - t.i)) > 0) {
			if (t.after_laquo) {
				add_nbsp(&t);
				t.after_laquo = 0;
			}
			buf_add(out, html + t.i, k);
			t.i += k;
			t.prev = P_WORD;
			continue;
		}
		text(&t);
	}
	return 0;
}
