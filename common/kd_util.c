/*
 * kd_util: attribute lists (kramdown IALs and ALDs), HTML escaping and
 * kramdown's lists of HTML element names.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "kd.h"

void
kd_attrs_set(struct kd_attrs *a, const char *key, const char *val,
    size_t vlen)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (strcmp(a->v[i].key, key) != 0)
			continue;
		if (strcmp(key, "class") == 0 && a->v[i].val[0] != '\0') {
			struct buf b = BUF_INIT;

			buf_adds(&b, a->v[i].val);
			buf_addc(&b, ' ');
			buf_add(&b, val, vlen);
			free(a->v[i].val);
			a->v[i].val = buf_detach(&b, NULL);
		} else {
			free(a->v[i].val);
			a->v[i].val = xstrndup(val, vlen);
		}
		return;
	}
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 4;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n].key = xstrdup(key);
	a->v[a->n].val = xstrndup(val, vlen);
	a->n++;
}

const char *
kd_attrs_get(const struct kd_attrs *a, const char *key)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].key, key) == 0)
			return a->v[i].val;
	return NULL;
}

void
kd_attrs_merge(struct kd_attrs *dst, const struct kd_attrs *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		kd_attrs_set(dst, src->v[i].key, src->v[i].val,
		    strlen(src->v[i].val));
}

static int
idch(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

/*
 * Tokens of an IAL: .class, #id, key="value" (or 'value'), and names of
 * ALDs defined in the text. Anything else is skipped, as kramdown does
 * (with a warning there).
 */
void
kd_attrs_parse(struct kd_attrs *a, const char *s, size_t len,
    const struct kd_pre *p)
{
	size_t i = 0, k, j;

	while (i < len) {
		unsigned char c = s[i];

		if (c == ' ' || c == '\t' || c == '\n') {
			i++;
		} else if ((c == '.' || c == '#') && i + 1 < len &&
		    (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '_' ||
		    s[i + 1] == '-')) {
			for (k = i + 1; k < len && (idch((unsigned char)s[k]) ||
			    (c == '#' && s[k] == ':')); k++)
				;
			kd_attrs_set(a, c == '.' ? "class" : "id", s + i + 1,
			    k - i - 1);
			i = k;
		} else if (isalnum(c) || c == '_') {
			char key[64];

			for (k = i; k < len && (idch((unsigned char)s[k]) ||
			    s[k] == ':'); k++)
				;
			if (k < len && s[k] == '=' && k + 1 < len &&
			    (s[k + 1] == '"' || s[k + 1] == '\'')) {
				char q = s[k + 1];
				struct buf v = BUF_INIT;

				for (j = k + 2; j < len && s[j] != q; j++) {
					if (s[j] == '\\' && j + 1 < len &&
					    (s[j + 1] == q || s[j + 1] == '}'))
						j++;
					buf_addc(&v, s[j]);
				}
				if (k - i < sizeof(key)) {
					memcpy(key, s + i, k - i);
					key[k - i] = '\0';
					kd_attrs_set(a, key, buf_cstr(&v),
					    v.len);
				}
				buf_release(&v);
				i = j < len ? j + 1 : len;
			} else {
				size_t d;

				for (d = 0; p != NULL && d < p->nalds; d++)
					if (strlen(p->alds[d].name) == k - i &&
					    memcmp(p->alds[d].name, s + i,
					    k - i) == 0) {
						/* no ALD inside its own use */
						kd_attrs_parse(a,
						    p->alds[d].attrs,
						    strlen(p->alds[d].attrs),
						    NULL);
						break;
					}
				i = k;
			}
		} else {
			i++;
		}
	}
}

void
kd_attrs_write(struct buf *out, const struct kd_attrs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		buf_addc(out, ' ');
		buf_adds(out, a->v[i].key);
		buf_adds(out, "=\"");
		kd_escape(out, a->v[i].val, strlen(a->v[i].val), 1);
		buf_addc(out, '"');
	}
}

void
kd_attrs_free(struct kd_attrs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].key);
		free(a->v[i].val);
	}
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* What kd_escape() replaces: 1 always, 2 in attributes only. */
static const unsigned char esc_byte[256] = {
	['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 2
};

void
kd_escape(struct buf *out, const char *s, size_t n, int attr)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned want = attr ? 3 : 1;
	size_t i = 0, run = 0;

	for (;;) {
		while (i < n && !(esc_byte[u[i]] & want))
			i++;
		if (i >= n)
			break;
		buf_add(out, s + run, i - run);
		buf_adds(out, u[i] == '&' ? "&amp;" : u[i] == '<' ? "&lt;" :
		    u[i] == '>' ? "&gt;" : "&quot;");
		run = ++i;
	}
	buf_add(out, s + run, n - run);
}

static int
in_list(const char *const *list, const char *name, size_t len)
{
	size_t i;

	for (; *list != NULL; list++) {
		if (strlen(*list) != len)
			continue;
		for (i = 0; i < len; i++)
			if (tolower((unsigned char)name[i]) != (*list)[i])
				break;
		if (i == len)
			return 1;
	}
	return 0;
}

/* kramdown's Parser::Html::Constants */
static const char *const span_names[] = {
	"a", "abbr", "acronym", "b", "big", "bdo", "br", "button", "cite",
	"code", "del", "dfn", "em", "i", "img", "input", "ins", "kbd",
	"label", "mark", "option", "q", "rb", "rbc", "rp", "rt", "rtc",
	"ruby", "samp", "select", "small", "span", "strong", "sub", "sup",
	"tt", "u", "var", NULL
};
static const char *const block_names[] = {
	"address", "article", "aside", "applet", "body", "blockquote",
	"caption", "col", "colgroup", "dd", "div", "dl", "dt", "fieldset",
	"figcaption", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
	"header", "hgroup", "hr", "html", "head", "iframe", "legend", "menu",
	"li", "main", "map", "nav", "ol", "optgroup", "p", "pre", "section",
	"summary", "table", "tbody", "td", "th", "thead", "tfoot", "tr", "ul",
	NULL
};
static const char *const void_names[] = {
	"area", "base", "br", "col", "command", "embed", "hr", "img", "input",
	"keygen", "link", "meta", "param", "source", "track", "wbr", NULL
};

int
kd_html_block_name(const char *name, size_t len)
{
	return in_list(block_names, name, len);
}

int
kd_html_span_name(const char *name, size_t len)
{
	return in_list(span_names, name, len);
}

int
kd_html_void_name(const char *name, size_t len)
{
	return in_list(void_names, name, len);
}
