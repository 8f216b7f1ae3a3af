#include "permalink.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

static int
kept(utf8proc_int32_t cp, enum permalink_slug_mode mode)
{
	utf8proc_category_t cat;

	if (mode == PERMALINK_SLUG_RAW)
		return !(cp == ' ' || (cp >= '\t' && cp <= '\r'));
	if (cp < 0)
		return 0;
	if (mode == PERMALINK_SLUG_PRETTY && cp < 0x80 &&
	    strchr("._~!$&'()+,;=@", (int)cp) != NULL && cp != 0)
		return 1;
	cat = utf8proc_category(cp);
	switch (cat) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND:
		return 1;
	default:
		return 0;
	}
}

void
permalink_slugify(struct buf *out, const char *name, size_t len,
    enum permalink_slug_mode mode, int cased)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)name;
	utf8proc_uint8_t enc[4];
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	size_t i = 0, start = out->len;
	int in_run = 0;

	buf_grow(out, len);
	while (i < len) {
		n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0) {
			cp = -1;
			n = 1;
		}
		if (!kept(cp, mode)) {
			if (mode == PERMALINK_SLUG_RAW || !in_run)
				buf_addc(out, '-');
			/* raw mode replaces each run of blanks; a run of
			 * anything else cannot occur there */
			if (mode == PERMALINK_SLUG_RAW)
				while (i + (size_t)n < len &&
				    !kept(p[i + (size_t)n], mode))
					n++;
			in_run = 1;
		} else {
			if (cased)
				buf_add(out, p + i, (size_t)n);
			else
				buf_add(out, enc, (size_t)utf8proc_encode_char(
				    utf8proc_tolower(cp), enc));
			in_run = 0;
		}
		i += (size_t)n;
	}
	if (out->len > start && out->data[start] == '-') {
		memmove(out->data + start, out->data + start + 1,
		    out->len - start - 1);
		buf_truncate(out, out->len - 1);
	}
	if (out->len > start && out->data[out->len - 1] == '-')
		buf_truncate(out, out->len - 1);
	buf_grow(out, 0);
}

void
permalink_title_slug(struct buf *out, const char *name, size_t len)
{
	permalink_slugify(out, name, len, PERMALINK_SLUG_PRETTY, 1);
}

static const char *
style_template(const char *pattern)
{
	if (strcmp(pattern, "pretty") == 0)
		return "/:categories/:year/:month/:day/:title/";
	if (strcmp(pattern, "date") == 0)
		return "/:categories/:year/:month/:day/:title:output_ext";
	if (strcmp(pattern, "ordinal") == 0)
		return "/:categories/:year/:y_day/:title:output_ext";
	if (strcmp(pattern, "none") == 0)
		return "/:categories/:title:output_ext";
	return pattern;
}

/* Jekyll's URL.escape_path. */
static void
escape_path(struct buf *out, const char *p, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)p[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c != 0 &&
		    strchr("-._~!$&'()*+,;=:@/", c) != NULL)) {
			buf_addc(out, (char)c);
		} else {
			buf_addc(out, '%');
			buf_addc(out, hex[c >> 4]);
			buf_addc(out, hex[c & 15]);
		}
	}
}

static int
has_ctl(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] == '\r' || p[i] == '\n' || p[i] == '\0')
			return 1;
	return 0;
}

static int
is_known(const char *n, size_t len)
{
	static const char *const names[] = {
		"title", "slug", "name", "path", "collection", "categories",
		"year", "month", "day", "i_month", "i_day", "short_year",
		"y_day", "hour", "minute", "second", "output_ext", NULL
	};
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == len && memcmp(names[i], n, len) == 0)
			return 1;
	return 0;
}

/* Appends p lower-cased (full Unicode simple case mapping). */
static void
add_lower(struct buf *out, const char *p, size_t len)
{
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)p;
	utf8proc_uint8_t enc[4];
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	size_t i = 0;

	while (i < len) {
		n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0) {
			buf_addc(out, p[i++]);
			continue;
		}
		cp = utf8proc_tolower(cp);
		buf_add(out, enc, (size_t)utf8proc_encode_char(cp, enc));
		i += (size_t)n;
	}
}

/* Jekyll's :categories: each lower-cased, duplicates dropped, "/"-joined. */
static int
categories(struct buf *val, const struct permalink_vars *v, struct ferr *e)
{
	size_t *start, *end, i, j, k = 0;

	if (v->ncategories > PERMALINK_MAX) {
		ferr_set(e, 0, 0, "more than %d categories", PERMALINK_MAX);
		return -1;
	}
	if (v->ncategories == 0)
		return 0;
	start = xreallocarray(NULL, v->ncategories, sizeof(*start));
	end = xreallocarray(NULL, v->ncategories, sizeof(*end));
	for (i = 0; i < v->ncategories; i++) {
		size_t at = val->len;

		if (k > 0)
			buf_addc(val, '/');
		start[k] = val->len;
		add_lower(val, v->categories[i].p, v->categories[i].len);
		end[k] = val->len;
		for (j = 0; j < k; j++)
			if (end[j] - start[j] == end[k] - start[k] &&
			    memcmp(val->data + start[j], val->data + start[k],
			    end[k] - start[k]) == 0)
				break;
		if (j < k)
			buf_truncate(val, at);
		else
			k++;
	}
	free(start);
	free(end);
	return 0;
}

/* Appends the raw value of a known placeholder to val. */
static int
placeholder(struct buf *val, const char *n, size_t len,
    const struct permalink_vars *v, struct ferr *e)
{
	struct str s;
	int date = -1, width = 2;

#define IS(w) (strlen(w) == len && memcmp(w, n, len) == 0)
	if (IS("title")) {
		permalink_slugify(val, v->slug_src.p, v->slug_src.len,
		    PERMALINK_SLUG_PRETTY, 1);
	} else if (IS("slug")) {
		permalink_slugify(val, v->slug_src.p, v->slug_src.len,
		    PERMALINK_SLUG_DEFAULT, 0);
	} else if (IS("name")) {
		permalink_slugify(val, v->name.p, v->name.len,
		    PERMALINK_SLUG_DEFAULT, 0);
	} else if (IS("path") || IS("collection") || IS("output_ext")) {
		s = IS("path") ? v->path : IS("collection") ? v->collection :
		    v->output_ext;
		if (s.p != NULL)
			buf_add(val, s.p, s.len);
	} else if (IS("categories")) {
		if (categories(val, v, e) == -1)
			return -1;
	} else if (IS("year")) {
		date = v->year, width = 4;
	} else if (IS("month")) {
		date = v->month;
	} else if (IS("day")) {
		date = v->day;
	} else if (IS("i_month")) {
		date = v->month, width = 1;
	} else if (IS("i_day")) {
		date = v->day, width = 1;
	} else if (IS("short_year")) {
		date = v->year % 100;
	} else if (IS("y_day")) {
		date = v->yday, width = 3;
	} else if (IS("hour")) {
		date = v->hour;
	} else if (IS("minute")) {
		date = v->minute;
	} else if (IS("second")) {
		date = v->second;
	}
#undef IS
	if (date != -1) {
		if (!v->has_date) {
			ferr_set(e, 0, 0, "permalink uses \":%.*s\" but the "
			    "document has no date", (int)len, n);
			return -1;
		}
		buf_printf(val, "%0*d", width, date);
	}
	return 0;
}

/* Collapses "//", drops "." segments, refuses ".." segments. */
static int
clean_path(struct buf *out, const char *p, size_t len, struct ferr *e)
{
	size_t i = 0, j;

	buf_addc(out, '/');
	while (i < len) {
		while (i < len && p[i] == '/')
			i++;
		for (j = i; j < len && p[j] != '/'; j++)
			;
		if (j == i)
			break;
		if (j - i == 2 && p[i] == '.' && p[i + 1] == '.') {
			ferr_set(e, 0, 0, "permalink has a \"..\" segment");
			return -1;
		}
		if (!(j - i == 1 && p[i] == '.')) {
			buf_add(out, p + i, j - i);
			if (j < len)
				buf_addc(out, '/');
		}
		i = j;
	}
	if (len > 0 && p[len - 1] == '/' && out->data[out->len - 1] != '/')
		buf_addc(out, '/');
	return 0;
}

int
permalink_expand(struct buf *out, const char *pattern,
    const struct permalink_vars *vars, struct ferr *e)
{
	struct buf raw = BUF_INIT, val = BUF_INIT;
	const char *p, *q;
	size_t n;
	int rc = -1;

	buf_reset(out);
	pattern = style_template(pattern);
	if (has_ctl(pattern, strlen(pattern))) {
		ferr_set(e, 0, 0, "permalink has a line break");
		goto out;
	}
	for (p = pattern; *p != '\0'; p++) {
		if (*p != ':') {
			buf_addc(&raw, *p);
			continue;
		}
		for (q = p + 1; (*q >= 'a' && *q <= 'z') || *q == '_'; q++)
			;
		n = (size_t)(q - p - 1);
		if (n == 0) {
			buf_addc(&raw, *p);
			continue;
		}
		if (!is_known(p + 1, n) && p[n] == '_' &&
		    is_known(p + 1, n - 1))
			n--;
		if (!is_known(p + 1, n)) {
			ferr_set(e, 0, 0, "unknown placeholder \":%.*s\" in "
			    "permalink \"%.200s\"", (int)(n > 40 ? 40 : n),
			    p + 1, pattern);
			goto out;
		}
		buf_reset(&val);
		if (placeholder(&val, p + 1, n, vars, e) == -1)
			goto out;
		if (has_ctl(val.data == NULL ? "" : val.data, val.len)) {
			ferr_set(e, 0, 0, "value of \":%.*s\" has a line "
			    "break or a NUL byte", (int)n, p + 1);
			goto out;
		}
		escape_path(&raw, buf_cstr(&val), val.len);
		p += n;
	}
	if (clean_path(out, buf_cstr(&raw), raw.len, e) == -1)
		goto out;
	if (out->len > PERMALINK_MAX) {
		ferr_set(e, 0, 0, "permalink longer than %d bytes",
		    PERMALINK_MAX);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		buf_reset(out);
	buf_release(&raw);
	buf_release(&val);
	return rc;
}

int
permalink_filename_date(const char *name, size_t len, int *y, int *m,
    int *d, size_t *rest)
{
	static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	size_t i = 0, n;
	int part[3], k, dim;

	for (k = 0; k < 3; k++) {
		part[k] = 0;
		for (n = 0; i < len && name[i] >= '0' && name[i] <= '9';
		    n++, i++)
			if (n < 4)	/* more digits is no date: no overflow */
				part[k] = part[k] * 10 + (name[i] - '0');
		if ((k == 0 && n != 4) || (k > 0 && (n < 1 || n > 2)))
			return PERMALINK_NODATE;
		if (i == len || name[i] != '-')
			return PERMALINK_NODATE;
		i++;
	}
	if (part[1] < 1 || part[1] > 12 || part[2] < 1)
		return -1;
	dim = md[part[1] - 1];
	if (part[1] == 2 && ((part[0] % 4 == 0 && part[0] % 100 != 0) ||
	    part[0] % 400 == 0))
		dim = 29;
	if (part[2] > dim)
		return -1;
	*y = part[0];
	*m = part[1];
	*d = part[2];
	*rest = i;
	return 0;
}
