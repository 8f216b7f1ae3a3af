#include "esc.h"

#include <string.h>

/* Bytes esc_html rewrites; everything else is copied in runs. */
static const unsigned char html_special[256] = {
	['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1, ['\''] = 1,
};

static const char *
html_entity(unsigned char c, size_t *n)
{
	switch (c) {
	case '&':
		*n = 5;
		return "&amp;";
	case '<':
		*n = 4;
		return "&lt;";
	case '>':
		*n = 4;
		return "&gt;";
	case '"':
		*n = 6;
		return "&quot;";
	default:
		*n = 5;
		return "&#39;";
	}
}

void
esc_html(struct buf *out, const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i, run, n;
	const char *ent;

	run = 0;
	for (i = 0; i < len; i++) {
		if (!html_special[s[i]])
			continue;
		if (i > run)
			buf_add(out, p + run, i - run);
		ent = html_entity(s[i], &n);
		buf_add(out, ent, n);
		run = i + 1;
	}
	if (len > run)
		buf_add(out, p + run, len - run);
}

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), 0 when the
 * bytes there are not one. Sets *cp to the code point.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned long c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

void
esc_xml(struct buf *out, const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned long cp;
	size_t i, run, n;
	const char *ent;

	run = 0;
	i = 0;
	while (i < len) {
		if (s[i] >= 0x20 && s[i] < 0x7f && !html_special[s[i]]) {
			i++;
			continue;
		}
		n = utf8_seq(s + i, len - i, &cp);
		if (n > 1 && cp != 0xfffe && cp != 0xffff) {
			i += n;
			continue;
		}
		if (n == 1 && (cp == '\t' || cp == '\n' || cp == '\r' ||
		    cp == 0x7f)) {
			i++;
			continue;
		}
		if (i > run)
			buf_add(out, p + run, i - run);
		if (n == 1 && html_special[s[i]]) {
			if (s[i] == '\'')
				buf_add(out, "&apos;", 6);
			else {
				ent = html_entity(s[i], &n);
				buf_add(out, ent, n);
			}
			n = 1;
		} else if (n == 0) {
			/* one invalid byte becomes one replacement character */
			buf_add(out, "\xef\xbf\xbd", 3);
			n = 1;
		}
		/* else: a forbidden control character or U+FFFE/U+FFFF: dropped */
		i += n;
		run = i;
	}
	if (len > run)
		buf_add(out, p + run, len - run);
}
