#include "changes.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Unquotes a path git wrote in double quotes (s[0] is '"'). 0 or -1. */
static int
unquote(const char *s, size_t len, struct buf *out)
{
	static const char esc[] = "\\\\\"\"a\ab\bf\fn\nr\rt\tv\v";
	const char *p, *end = s + len;
	unsigned v;
	int k;

	if (len < 2 || s[len - 1] != '"')
		return -1;
	for (p = s + 1, end--; p < end; p++) {
		if (*p != '\\') {
			buf_addc(out, *p);
			continue;
		}
		if (++p == end)
			return -1;
		if (*p >= '0' && *p <= '3') {
			for (v = 0, k = 0; k < 3; k++, p++) {
				if (p == end || *p < '0' || *p > '7')
					return -1;
				v = v * 8 + (unsigned)(*p - '0');
			}
			p--;
			if (v == 0)
				return -1;
			buf_addc(out, (char)v);
			continue;
		}
		for (k = 0; esc[k] != '\0' && esc[k] != *p; k += 2)
			;
		if (esc[k] == '\0')
			return -1;
		buf_addc(out, esc[k + 1]);
	}
	return 0;
}

/* Appends path p[0..len) made canonical to out. 0, or -1 (it goes up). */
static int
canonical(const char *p, size_t len, struct buf *out)
{
	const char *end = p + len, *slash;
	size_t n;

	while (p < end) {
		slash = memchr(p, '/', (size_t)(end - p));
		n = slash != NULL ? (size_t)(slash - p) : (size_t)(end - p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -1;
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (out->len > 0)
				buf_addc(out, '/');
			buf_add(out, p, n);
		}
		p += n + (slash != NULL);
	}
	return 0;
}

static int
cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
changes_parse(const char *data, size_t len, char ***out, size_t *n,
    struct ferr *e)
{
	struct buf raw = BUF_INIT, path = BUF_INIT;
	const char *p = data, *end = data + len, *q;
	char **v = NULL, sep;
	size_t nv = 0, cap = 0, l, i, j;
	unsigned line = 0;

	sep = len > 0 && memchr(data, '\0', len) != NULL ? '\0' : '\n';
	for (; p < end; p = q + 1) {
		line++;
		q = memchr(p, sep, (size_t)(end - p));
		if (q == NULL)
			q = end;
		l = (size_t)(q - p);
		if (sep == '\n' && l > 0 && p[l - 1] == '\r')
			l--;
		buf_reset(&raw);
		if (sep == '\n' && l > 0 && p[0] == '"') {
			if (unquote(p, l, &raw) == -1) {
				ferr_set(e, line, 1, "a path quoted wrongly");
				goto fail;
			}
		} else {
			buf_add(&raw, p, l);
		}
		if (raw.len == 0)
			continue;
		if (memchr(raw.data, '\0', raw.len) != NULL) {
			ferr_set(e, line, 1, "a path with a NUL byte");
			goto fail;
		}
		if (raw.data[0] == '/') {
			ferr_set(e, line, 1, "'%s': not relative to the site",
			    buf_cstr(&raw));
			goto fail;
		}
		buf_reset(&path);
		if (canonical(raw.data, raw.len, &path) == -1) {
			ferr_set(e, line, 1, "'%s' goes out of the site",
			    buf_cstr(&raw));
			goto fail;
		}
		if (path.len == 0)
			continue;
		if (nv == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[nv++] = xstrdup(buf_cstr(&path));
	}
	if (nv > 1)
		qsort(v, nv, sizeof(*v), cmp_path);
	for (i = j = 0; i < nv; i++) {
		if (j > 0 && strcmp(v[j - 1], v[i]) == 0) {
			free(v[i]);
			continue;
		}
		v[j++] = v[i];
	}
	buf_release(&raw);
	buf_release(&path);
	*out = v;
	*n = j;
	return 0;
fail:
	buf_release(&raw);
	buf_release(&path);
	changes_free(v, nv);
	*out = NULL;
	*n = 0;
	return -1;
}

void
changes_free(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}
