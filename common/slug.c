#include "slug.h"

#include <stdint.h>
#include <stdlib.h>

#include <utf8proc.h>

/* Letters that no Unicode decomposition reduces to ASCII, case folded. */
static const struct {
	int32_t cp;
	const char *ascii;
} spell[] = {
	{ 0x00df, "ss" },	/* ß */
	{ 0x00e6, "ae" },	/* æ */
	{ 0x00f0, "d" },	/* ð */
	{ 0x00f8, "o" },	/* ø */
	{ 0x00fe, "th" },	/* þ */
	{ 0x0111, "d" },	/* đ */
	{ 0x0127, "h" },	/* ħ */
	{ 0x0131, "i" },	/* ı */
	{ 0x0138, "k" },	/* ĸ */
	{ 0x0142, "l" },	/* ł */
	{ 0x014b, "n" },	/* ŋ */
	{ 0x0153, "oe" },	/* œ */
	{ 0x0167, "t" },	/* ŧ */
};

static const char *
spelled(int32_t cp)
{
	size_t i;

	if (cp < 0x00df || cp > 0x0167)
		return NULL;
	for (i = 0; i < sizeof(spell) / sizeof(spell[0]); i++)
		if (spell[i].cp == cp)
			return spell[i].ascii;
	return NULL;
}

/* The combining diacritics that are accents on Latin, Greek, Cyrillic. */
static int
is_diacritic(int32_t cp)
{
	return (cp >= 0x0300 && cp <= 0x036f) ||
	    (cp >= 0x1ab0 && cp <= 0x1aff) ||
	    (cp >= 0x1dc0 && cp <= 0x1dff) ||
	    (cp >= 0x20d0 && cp <= 0x20ff) ||
	    (cp >= 0xfe20 && cp <= 0xfe2f);
}

enum kind { K_SEP, K_WORD, K_MARK };

static enum kind
kind_of(int32_t cp)
{
	/* apostrophes are separators whatever their category */
	if (cp == '\'' || cp == 0x2019 || cp == 0x02bc)
		return K_SEP;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return K_WORD;
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		return K_MARK;
	default:
		return K_SEP;
	}
}

/*
 * Decodes p[0..len) with the given utf8proc options into a fresh array of
 * code points (free() it). Returns the count, or -1 for invalid UTF-8.
 */
static utf8proc_ssize_t
decompose(const char *p, size_t len, utf8proc_option_t opts, int32_t **cps)
{
	utf8proc_ssize_t n, m;
	int32_t probe[64], *v;

	*cps = NULL;
	/* decompositions grow text at most 18 times; keep sizes in range */
	if (len > PTRDIFF_MAX / 128)
		return -1;
	n = utf8proc_decompose((const utf8proc_uint8_t *)p,
	    (utf8proc_ssize_t)len, probe, 64, opts);
	if (n < 0)
		return -1;
	v = xreallocarray(NULL, (size_t)n + 1, sizeof(*v));
	m = utf8proc_decompose((const utf8proc_uint8_t *)p,
	    (utf8proc_ssize_t)len, v, n + 1, opts);
	if (m < 0 || m > n) {
		free(v);
		return -1;
	}
	*cps = v;
	return m;
}

static void
add_cps(struct buf *out, const int32_t *v, utf8proc_ssize_t n)
{
	utf8proc_uint8_t u[4];
	utf8proc_ssize_t i, k;

	for (i = 0; i < n; i++) {
		k = utf8proc_encode_char(v[i], u);
		buf_add(out, u, (size_t)k);
	}
}

int
slug_make(struct buf *out, const char *p, size_t len)
{
	int32_t *v;
	utf8proc_ssize_t n, i, w;
	const char *s;
	enum kind k, prev = K_SEP;
	int rc = SLUG_EMPTY;

	n = decompose(p, len, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE |
	    UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE, &v);
	if (n < 0)
		return -1;
	/*
	 * The table spells one code point as up to two, so the filtered text
	 * goes to a second array sized for that worst case.
	 */
	{
		int32_t *o = xreallocarray(NULL, (size_t)n * 2 + 1,
		    sizeof(*o));

		w = 0;
		for (i = 0; i < n; i++) {
			if (is_diacritic(v[i]))
				continue;
			if ((s = spelled(v[i])) != NULL) {
				while (*s != '\0')
					o[w++] = (unsigned char)*s++;
				prev = K_WORD;
				continue;
			}
			k = kind_of(v[i]);
			if (k == K_MARK && prev == K_SEP)
				continue;	/* a mark with no base */
			if (k == K_SEP) {
				if (prev != K_SEP && w > 0)
					o[w++] = '-';
				prev = K_SEP;
				continue;
			}
			o[w++] = v[i];
			prev = k;
		}
		if (w > 0 && o[w - 1] == '-')
			w--;
		free(v);
		v = o;
	}
	if (w > 0) {
		w = utf8proc_normalize_utf32(v, w, UTF8PROC_STABLE |
		    UTF8PROC_COMPOSE);
		if (w > 0) {
			add_cps(out, v, w);
			rc = 0;
		}
	}
	free(v);
	return rc;
}

int
slug_nfc(struct buf *out, const char *p, size_t len)
{
	int32_t *v;
	utf8proc_ssize_t n;

	n = decompose(p, len, UTF8PROC_STABLE | UTF8PROC_COMPOSE, &v);
	if (n < 0)
		return -1;
	n = utf8proc_normalize_utf32(v, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (n < 0) {
		free(v);
		return -1;
	}
	add_cps(out, v, n);
	free(v);
	return 0;
}
