/*
 * fm: front matter split and the YAML reader. The reader works on libyaml's
 * event stream rather than its document loader so that depth, anchors and
 * alias expansion are bounded before anything is built.
 */
#include "fm.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "json.h"

/* ------------------------------------------------------------------ */
/* Text checks and positions                                          */

static size_t
utf8_seq_len(const unsigned char *p, size_t avail)
{
	unsigned c = p[0], cp;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Line and column of byte i of valid text (columns count characters). */
static void
position(const unsigned char *s, size_t i, unsigned first_line,
    unsigned *line, unsigned *col)
{
	size_t j;

	*line = first_line;
	*col = 1;
	for (j = 0; j < i; j++) {
		if (s[j] == '\n') {
			(*line)++;
			*col = 1;
		} else if ((s[j] & 0xc0) != 0x80)
			(*col)++;
	}
}

int
fm_check_text(const char *p, size_t len, unsigned first_line,
    struct ferr *e)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	const unsigned char *s = (const unsigned char *)p;
	unsigned line, col;
	size_t i = 0, n;
	uint64_t w;

	while (i < len) {
		/* Eight ASCII bytes, none of them NUL, at a time. */
		while (i + 8 <= len) {
			memcpy(&w, s + i, 8);
			if (((w | ((w - ones) & ~w)) & highs) != 0)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if (s[i] == '\0') {
			position(s, i, first_line, &line, &col);
			ferr_set(e, line, col, "NUL byte in text");
			return -1;
		}
		n = utf8_seq_len(s + i, len - i);
		if (n == 0) {
			position(s, i, first_line, &line, &col);
			ferr_set(e, line, col, "invalid UTF-8 byte 0x%02x",
			    s[i]);
			return -1;
		}
		i += n;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Splitting                                                          */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Is [p, end) a marker line: the three characters m then blanks only? */
static int
marker_line(const char *p, const char *end, const char *m)
{
	if (end - p < 3 || memcmp(p, m, 3) != 0)
		return 0;
	for (p += 3; p < end; p++)
		if (!is_blank(*p))
			return 0;
	return 1;
}

int
fm_split(const char *text, size_t len, struct str *yaml,
    unsigned *yaml_line, struct str *body, unsigned *body_line,
    struct ferr *e)
{
	const char *p = text, *end = text + len, *nl, *ystart;
	unsigned line = 1;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	*yaml = str_make(p, 0);
	*yaml_line = 1;
	*body = str_make(p, (size_t)(end - p));
	*body_line = 1;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL || !marker_line(p, nl, "---"))
		return FM_NONE;
	ystart = nl + 1;
	line = 2;
	for (p = ystart; p < end; p = nl + 1, line++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (marker_line(p, nl, "---") || marker_line(p, nl, "...")) {
			*yaml = str_make(ystart, (size_t)(p - ystart));
			*yaml_line = 2;
			if (nl == end) {
				*body = str_make(end, 0);
				*body_line = line;
			} else {
				*body = str_make(nl + 1,
				    (size_t)(end - nl - 1));
				*body_line = line + 1;
			}
			return 0;
		}
		if (nl == end)
			break;
	}
	ferr_set(e, 1, 1, "front matter opened here is never closed "
	    "(no \"---\" line follows)");
	return -1;
}

/* ------------------------------------------------------------------ */
/* Scalar resolution (Psych's ScalarScanner#tokenize)                 */

static int
ieq(const char *p, size_t len, const char *w)
{
	size_t i;

	if (strlen(w) != len)
		return 0;
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != w[i])
			return 0;
	}
	return 1;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v';
}

/* The character class of Psych's "looks like a word" test. */
static int
wordish(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    is_space(c) || (c != '\0' && strchr("_!@#$%^&*(){}<>|/\\~;=", c)
	    != NULL);
}

/* /^[^\d\.:-]?[A-Za-z_\s!@#$%^&*(){}<>|\/\\~;=]+/ */
static int
looks_like_word(const char *p, size_t len)
{
	size_t n;

	if (wordish(p[0]))
		return 1;
	if (is_digit(p[0]) || p[0] == '.' || p[0] == ':' || p[0] == '-')
		return 0;
	n = utf8_seq_len((const unsigned char *)p, len);
	if (n == 0)
		n = 1;
	return n < len && wordish(p[n]);
}

/* Parses n digits at p (no sign). */
static long long
digits_val(const char *p, size_t n)
{
	long long v = 0;

	while (n-- > 0)
		v = v * 10 + (*p++ - '0');
	return v;
}

static size_t
digit_run(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && is_digit(*q))
		q++;
	return (size_t)(q - p);
}

static int
leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(long long y, int m)
{
	static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return m == 2 && leap(y) ? 29 : md[m - 1];
}

/*
 * /^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$/ and then a strict
 * calendar check, as Date.strptime makes.
 */
static int
resolve_date(const char *p, size_t len, struct vtime *t)
{
	const char *end = p + len, *q;
	size_t n;
	long long y;
	int m, d;

	if (len < 8 || digit_run(p, end) != 4 || p[4] != '-')
		return 0;
	y = digits_val(p, 4);
	q = p + 5;
	n = digit_run(q, end);
	if (n < 1 || n > 2 || q + n >= end || q[n] != '-')
		return 0;
	m = (int)digits_val(q, n);
	if (n == 2 && q[0] == '1' && m > 12)
		return 0;
	q += n + 1;
	n = digit_run(q, end);
	if (n < 1 || n > 2 || q + n != end)
		return 0;
	d = (int)digits_val(q, n);
	if (n == 2 && q[0] >= '4')
		return 0;
	if (n == 2 && q[0] == '3' && q[1] > '1')
		return 0;
	if (m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return -1;
	t->secs = json_days_from_civil(y, m, d) * 86400;
	t->offset = 0;
	t->date_only = 1;
	return 1;
}

/*
 * Psych's TIME pattern, then its parse_time and Ruby's Time range checks.
 * Returns 1 with *t, 0 when the text is not a timestamp, -1 when it looks
 * like one but Ruby refuses it (it then stays a string).
 */
static int
resolve_time(const char *p, size_t len, struct vtime *t)
{
	const char *end = p + len, *q = p, *tz;
	size_t n, dn;
	long long y;
	int neg = 0, mo, d, h, mi, s, th, tm, off;

	if (q < end && *q == '-')
		neg = 1, q++;
	if (digit_run(q, end) != 4 || q + 4 >= end || q[4] != '-')
		return 0;
	y = digits_val(q, 4);
	if (neg)
		y = -y;
	q += 5;
	n = digit_run(q, end);
	if (n < 1 || n > 2 || q + n >= end || q[n] != '-')
		return 0;
	mo = (int)digits_val(q, n);
	q += n + 1;
	n = digit_run(q, end);
	if (n < 1 || n > 2 || q + n >= end)
		return 0;
	d = (int)digits_val(q, n);
	q += n;
	if (*q == 'T' || *q == 't')
		q++;
	else if (is_space(*q))
		while (q < end && is_space(*q))
			q++;
	else
		return 0;
	n = digit_run(q, end);
	if (n < 1 || n > 2 || q + n >= end || q[n] != ':')
		return 0;
	h = (int)digits_val(q, n);
	q += n + 1;
	if (digit_run(q, end) != 2 || q + 2 >= end || q[2] != ':')
		return 0;
	mi = (int)digits_val(q, 2);
	q += 3;
	if (digit_run(q, end) != 2)
		return 0;
	s = (int)digits_val(q, 2);
	q += 2;
	if (q < end && *q == '.') {
		q++;
		q += digit_run(q, end);
	}
	while (q < end && is_space(*q))
		q++;
	off = 0;
	if (q < end && *q == 'Z') {
		q++;
	} else if (q < end && (*q == '+' || *q == '-')) {
		tz = q++;
		dn = digit_run(q, end);
		if (q + dn < end && q[dn] == ':') {
			if (dn < 1 || dn > 2)
				return 0;
			th = (int)digits_val(q, dn);
			q += dn + 1;
			n = digit_run(q, end);
			if (n != 0 && n != 2)
				return 0;
			tm = n == 2 ? (int)digits_val(q, 2) : 0;
			q += n;
		} else {
			if (dn < 1 || dn > 4)
				return 0;
			th = (int)digits_val(q, dn < 2 ? dn : 2);
			tm = dn > 2 ? (int)digits_val(q + 2, dn - 2) : 0;
			q += dn;
		}
		/* Psych's sign handling: "-00:30" comes out as +00:30. */
		off = th * 3600;
		if (*tz == '-')
			off = -off;
		off += off < 0 ? -tm * 60 : tm * 60;
	} else if (q != end)
		return 0;
	if (q != end)
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 ||
	    s > 60 || (h == 24 && (mi > 0 || s > 0)) || off <= -86400 ||
	    off >= 86400)
		return -1;
	t->secs = json_days_from_civil(y, mo, d) * 86400 + h * 3600LL +
	    mi * 60LL + s - off;
	t->offset = off;
	t->date_only = 0;
	return 1;
}

/* Copies p without ',' and '_' into tmp (len + 1 bytes, NUL-terminated). */
static void
strip_seps(const char *p, size_t len, char *tmp, size_t *outn)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (p[i] != ',' && p[i] != '_')
			tmp[n++] = p[i];
	tmp[n] = '\0';
	*outn = n;
}

/*
 * Psych's INTEGER pattern on the text without separators, then Ruby's
 * Integer(). Returns 1 with *v, 0 when not an integer, -1 on overflow.
 */
static int
resolve_int(const char *s, size_t n, long long *v)
{
	const char *q = s, *end = s + n;
	unsigned long long acc = 0, lim;
	int neg = 0, base = 10, dv;

	if (q < end && (*q == '+' || *q == '-'))
		neg = *q++ == '-';
	if (q == end)
		return 0;
	if (end - q >= 3 && q[0] == '0' && (q[1] == 'x' || q[1] == 'b')) {
		base = q[1] == 'x' ? 16 : 2;
		q += 2;
	} else if (q[0] == '0' && end - q > 1) {
		base = 8;
		q++;
	} else if (q[0] == '0') {
		*v = 0;
		return 1;
	}
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (; q < end; q++) {
		if (is_digit(*q))
			dv = *q - '0';
		else if (*q >= 'a' && *q <= 'f')
			dv = *q - 'a' + 10;
		else if (*q >= 'A' && *q <= 'F')
			dv = *q - 'A' + 10;
		else
			return 0;
		if (dv >= base)
			return 0;
		if (acc > (lim - (unsigned)dv) / (unsigned)base)
			acc = ULLONG_MAX;
		else
			acc = acc * (unsigned)base + (unsigned)dv;
	}
	if (acc == ULLONG_MAX)
		return -1;
	*v = neg ? (long long)(0 - acc) : (long long)acc;
	return 1;
}

/*
 * /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/, summed as Psych sums
 * it: part number e weighs 60 ** |e - 2| (so "1:30" is 5400, "1:02:03" is
 * 3723) and a sign belongs to the first part only. *isfloat says whether
 * a fraction was written. Sums past 2^53 are left to be strings.
 */
static int
resolve_base60(const char *p, size_t len, long long *iv, double *fv,
    int *isfloat)
{
	const char *q = p, *end = p + len;
	double sum = 0, part, w, scale;
	int neg = 0, e = 0, k;
	size_t n;

	if (q < end && (*q == '+' || *q == '-'))
		neg = *q++ == '-';
	if (q == end || !is_digit(*q))
		return 0;
	part = 0;
	for (; q < end && (is_digit(*q) || *q == '_'); q++)
		if (*q != '_')
			part = part * 10 + (*q - '0');
	if (q == end || *q != ':')
		return 0;
	*isfloat = 0;
	for (;;) {
		if (e > 0 && q < end && *q == '.') {
			*isfloat = 1;
			scale = 0.1;
			for (q++; q < end && (is_digit(*q) || *q == '_'); q++) {
				if (*q == '_')
					continue;
				part += (*q - '0') * scale;
				scale /= 10;
			}
			if (q != end)
				return 0;
		}
		for (w = 1, k = abs(e - 2); k > 0; k--)
			w *= 60;
		sum += (e == 0 && neg ? -part : part) * w;
		e++;
		if (q == end)
			break;
		if (*q != ':' || e > 12)
			return 0;
		q++;
		n = digit_run(q, end);
		if (n < 1 || n > 2 || (n == 2 && q[0] > '5'))
			return 0;
		part = (double)digits_val(q, n);
		q += n;
	}
	if (fabs(sum) > 9007199254740992.0)
		return 0;
	*fv = sum;
	*iv = (long long)sum;
	return 1;
}

/* /^[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?$/ */
static int
float_shape(const char *p, size_t len)
{
	const char *q = p, *end = p + len;

	if (q < end && (*q == '+' || *q == '-'))
		q++;
	if (q < end && is_digit(*q))
		while (q < end && (is_digit(*q) || *q == '_' || *q == ','))
			q++;
	if (q == end || *q != '.')
		return 0;
	q++;
	q += digit_run(q, end);
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q == end || (*q != '+' && *q != '-'))
			return 0;
		q++;
		if (digit_run(q, end) == 0)
			return 0;
		q += digit_run(q, end);
	}
	return q == end;
}

static struct value *
new_str(const char *p, size_t len, unsigned line, unsigned col)
{
	struct value *v = value_new(VAL_STR, line, col);

	v->u.s.p = xstrndup(p, len);
	v->u.s.len = len;
	return v;
}

struct value *
fm_resolve_plain(const char *p, size_t len, unsigned line, unsigned col,
    struct ferr *e)
{
	struct value *v;
	struct vtime t;
	char *tmp;
	size_t n;
	long long iv;
	double fv;
	int isfloat, r;

	if (len == 0)
		return value_new(VAL_NULL, line, col);
	if (looks_like_word(p, len) || memchr(p, '\n', len) != NULL) {
		if (len > 5 || strchr("yYtToOnNfF~", p[0]) == NULL)
			return new_str(p, len, line, col);
		if ((len == 1 && p[0] == '~') || ieq(p, len, "null"))
			return value_new(VAL_NULL, line, col);
		if (ieq(p, len, "yes") || ieq(p, len, "true") ||
		    ieq(p, len, "on") || ieq(p, len, "no") ||
		    ieq(p, len, "false") || ieq(p, len, "off")) {
			v = value_new(VAL_BOOL, line, col);
			v->u.b = ieq(p, len, "yes") || ieq(p, len, "true") ||
			    ieq(p, len, "on");
			return v;
		}
		return new_str(p, len, line, col);
	}
	if ((r = resolve_time(p, len, &t)) != 0 ||
	    (r = resolve_date(p, len, &t)) != 0) {
		if (r < 0)
			return new_str(p, len, line, col);
		v = value_new(VAL_TIME, line, col);
		v->u.t = t;
		return v;
	}
	if (ieq(p, len, ".inf") || ieq(p, len, "+.inf") ||
	    ieq(p, len, "-.inf") || ieq(p, len, ".nan")) {
		v = value_new(VAL_FLOAT, line, col);
		v->u.f = p[1] == 'n' || p[1] == 'N' ? NAN :
		    p[0] == '-' ? -INFINITY : INFINITY;
		return v;
	}
	if (p[0] == ':')
		return new_str(p, len, line, col);
	if (resolve_base60(p, len, &iv, &fv, &isfloat)) {
		v = value_new(isfloat ? VAL_FLOAT : VAL_INT, line, col);
		if (isfloat)
			v->u.f = fv;
		else
			v->u.i = iv;
		return v;
	}
	if (float_shape(p, len)) {
		if (len <= 2 && p[len - 1] == '.' && (len == 1 ||
		    p[0] == '+' || p[0] == '-'))
			return new_str(p, len, line, col);
		tmp = xmalloc(len + 1);
		strip_seps(p, len, tmp, &n);
		v = value_new(VAL_FLOAT, line, col);
		v->u.f = strtod(tmp, NULL);
		free(tmp);
		return v;
	}
	tmp = xmalloc(len + 1);
	strip_seps(p, len, tmp, &n);
	r = resolve_int(tmp, n, &iv);
	free(tmp);
	if (r > 0) {
		v = value_new(VAL_INT, line, col);
		v->u.i = iv;
		return v;
	}
	if (r < 0) {
		ferr_set(e, line, col, "integer \"%.*s%s\" does not fit in "
		    "64 bits", (int)(len > 40 ? 40 : len), p,
		    len > 40 ? "..." : "");
		return NULL;
	}
	return new_str(p, len, line, col);
}

/* ------------------------------------------------------------------ */
/* Keys                                                               */

/* Writes a scalar key as Ruby's to_s would. -1 for collections. */
static int
key_text(const struct value *k, struct buf *out)
{
	long long y;
	int mo, d, h, mi, s, off;

	switch (k->type) {
	case VAL_NULL:
		return 0;
	case VAL_BOOL:
		buf_adds(out, k->u.b ? "true" : "false");
		return 0;
	case VAL_INT:
		buf_printf(out, "%lld", k->u.i);
		return 0;
	case VAL_FLOAT:
		json_write_double(out, k->u.f);
		return 0;
	case VAL_STR:
		buf_add(out, k->u.s.p, k->u.s.len);
		return 0;
	case VAL_TIME:
		if (k->u.t.date_only) {
			json_write_time(out, &k->u.t);
			return 0;
		}
		off = k->u.t.offset;
		json_civil(k->u.t.secs + off, &y, &mo, &d, &h, &mi, &s);
		buf_printf(out, "%04lld-%02d-%02d %02d:%02d:%02d %c%02d%02d",
		    y, mo, d, h, mi, s, off < 0 ? '-' : '+', abs(off) / 3600,
		    abs(off) / 60 % 60);
		return 0;
	default:
		return -1;
	}
}

/* ------------------------------------------------------------------ */
/* The event-driven builder                                           */

struct anchor {
	char *name;
	struct value *v;	/* a private copy */
	size_t count;		/* nodes in v */
	unsigned height;	/* collection levels in v */
};

struct frame {
	struct value *v;	/* VAL_SEQ or VAL_MAP being filled */
	char *anchor;		/* its anchor, owned, or NULL */
	size_t count;		/* nodes so far, itself included */
	unsigned height;	/* levels below it */
	/* maps only */
	struct value *key;	/* key waiting for its value */
	int key_merge;		/* key is the merge key "<<" */
	unsigned *klines;	/* per item: line of its explicit key, 0 */
	size_t *slots;		/* hash of item index + 1, 0 empty */
	size_t nslots;
};

struct builder {
	struct frame stack[FM_MAX_DEPTH];
	unsigned depth;
	struct value *root;
	struct anchor anchors[FM_MAX_ANCHORS];
	unsigned nanchors;
	size_t nodes;
	unsigned first_line;
	int docs;
	struct ferr *e;
};

static uint64_t
key_hash(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n-- > 0)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	return h;
}

static void
slots_insert(struct frame *f, size_t idx)
{
	const struct value_pair *pr = &f->v->u.map.items[idx];
	size_t i = (size_t)key_hash(pr->key, pr->key_len) & (f->nslots - 1);

	while (f->slots[i] != 0)
		i = (i + 1) & (f->nslots - 1);
	f->slots[i] = idx + 1;
}

/* Index of key in the map being built, or (size_t)-1. */
static size_t
frame_find(const struct frame *f, const char *key, size_t len)
{
	const struct value_pair *pr;
	size_t i;

	if (f->nslots == 0)
		return (size_t)-1;
	i = (size_t)key_hash(key, len) & (f->nslots - 1);
	for (; f->slots[i] != 0; i = (i + 1) & (f->nslots - 1)) {
		pr = &f->v->u.map.items[f->slots[i] - 1];
		if (pr->key_len == len && memcmp(pr->key, key, len) == 0)
			return f->slots[i] - 1;
	}
	return (size_t)-1;
}

/*
 * Puts key/val into the map of f. An explicit key (line != 0) that is
 * already there explicitly is a duplicate; keys coming from a merge
 * replace what is there. Takes val; key is copied.
 */
static int
frame_put(struct builder *b, struct frame *f, const char *key, size_t len,
    struct value *val, unsigned line, unsigned col)
{
	struct value *m = f->v;
	struct value_pair *pr;
	size_t idx, i;

	idx = frame_find(f, key, len);
	if (idx != (size_t)-1) {
		if (line != 0 && f->klines[idx] != 0) {
			ferr_set(b->e, line, col, "duplicate key \"%.*s\" "
			    "(first at line %u)", (int)(len > 60 ? 60 : len),
			    key, f->klines[idx]);
			value_free(val);
			return -1;
		}
		value_free(m->u.map.items[idx].val);
		m->u.map.items[idx].val = val;
		if (line != 0)
			f->klines[idx] = line;
		return 0;
	}
	if (m->u.map.n == m->u.map.cap) {
		m->u.map.cap = m->u.map.cap ? m->u.map.cap * 2 : 8;
		m->u.map.items = xreallocarray(m->u.map.items, m->u.map.cap,
		    sizeof(*m->u.map.items));
		f->klines = xreallocarray(f->klines, m->u.map.cap,
		    sizeof(*f->klines));
	}
	pr = &m->u.map.items[m->u.map.n];
	pr->key = xstrndup(key, len);
	pr->key_len = len;
	pr->val = val;
	f->klines[m->u.map.n] = line;
	m->u.map.n++;
	if (m->u.map.n * 2 > f->nslots) {
		free(f->slots);
		f->nslots = f->nslots ? f->nslots * 2 : 16;
		while (m->u.map.n * 2 > f->nslots)
			f->nslots *= 2;
		f->slots = xcalloc(f->nslots, sizeof(*f->slots));
		for (i = 0; i < m->u.map.n; i++)
			slots_insert(f, i);
	} else
		slots_insert(f, m->u.map.n - 1);
	return 0;
}

/* Moves every pair of src (a map) into f as merged keys; frees src. */
static void
merge_from(struct builder *b, struct frame *f, struct value *src)
{
	size_t i;

	for (i = 0; i < src->u.map.n; i++) {
		struct value_pair *pr = &src->u.map.items[i];

		frame_put(b, f, pr->key, pr->key_len, pr->val, 0, 0);
		pr->val = NULL;
	}
	value_free(src);
}

/* Psych's "<<": a map (or alias of one) merges; so does a written
 * sequence of maps, the first map winning; anything else is a plain key. */
static int
put_merge(struct builder *b, struct frame *f, struct value *val,
    int from_alias, unsigned line, unsigned col)
{
	size_t i;

	if (val->type == VAL_MAP) {
		merge_from(b, f, val);
		return 0;
	}
	if (val->type == VAL_SEQ && !from_alias) {
		for (i = 0; i < val->u.seq.n; i++)
			if (val->u.seq.items[i]->type != VAL_MAP)
				break;
		if (i == val->u.seq.n) {
			for (i = val->u.seq.n; i-- > 0;) {
				merge_from(b, f, val->u.seq.items[i]);
				val->u.seq.items[i] = NULL;
			}
			val->u.seq.n = 0;
			value_free(val);
			return 0;
		}
	}
	return frame_put(b, f, "<<", 2, val, line, col);
}

static void
frame_release(struct frame *f)
{
	value_free(f->v);
	value_free(f->key);
	free(f->anchor);
	free(f->klines);
	free(f->slots);
	memset(f, 0, sizeof(*f));
}

static int
add_anchor(struct builder *b, const char *name, const struct value *v,
    size_t count, unsigned height, unsigned line, unsigned col)
{
	struct anchor *a = NULL;
	unsigned i;

	if (b->nodes + count > FM_MAX_NODES) {
		ferr_set(b->e, line, col, "document too large (more than "
		    "%d values with anchors and aliases)", FM_MAX_NODES);
		return -1;
	}
	for (i = 0; i < b->nanchors; i++)
		if (strcmp(b->anchors[i].name, name) == 0) {
			a = &b->anchors[i];
			value_free(a->v);
			break;
		}
	if (a == NULL) {
		if (b->nanchors == FM_MAX_ANCHORS) {
			ferr_set(b->e, line, col, "more than %d anchors",
			    FM_MAX_ANCHORS);
			return -1;
		}
		a = &b->anchors[b->nanchors++];
		a->name = xstrdup(name);
	}
	a->v = value_clone(v);
	a->count = count;
	a->height = height;
	b->nodes += count;
	return 0;
}

/*
 * Hands a finished node (taken) to its parent. count and height describe
 * it; from_alias says it came from "*name".
 */
static int
add_node(struct builder *b, struct value *v, size_t count, unsigned height,
    int from_alias)
{
	struct frame *f;
	struct buf kb = BUF_INIT;
	struct value *k;
	int rc;

	if (b->depth == 0) {
		b->root = v;
		return 0;
	}
	f = &b->stack[b->depth - 1];
	f->count += count;
	if (height + 1 > f->height)
		f->height = height + 1;
	if (f->v->type == VAL_SEQ) {
		value_seq_push(f->v, v);
		return 0;
	}
	if (f->key == NULL) {
		f->key = v;
		return 0;
	}
	k = f->key;
	f->key = NULL;
	if (key_text(k, &kb) == -1) {
		ferr_set(b->e, k->line, k->col, "a sequence or a mapping "
		    "cannot be a key");
		rc = -1;
		value_free(v);
	} else if (f->key_merge)
		rc = put_merge(b, f, v, from_alias, k->line, k->col);
	else
		rc = frame_put(b, f, buf_cstr(&kb), kb.len, v, k->line,
		    k->col);
	f->key_merge = 0;
	buf_release(&kb);
	value_free(k);
	return rc;
}

static int
tag_refused(const char *tag)
{
	static const char *const bad[] = {
		"tag:yaml.org,2002:binary", "tag:yaml.org,2002:set",
		"tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs",
		"!binary", "!set", "!omap", NULL
	};
	size_t i;

	for (i = 0; bad[i] != NULL; i++)
		if (strcmp(tag, bad[i]) == 0)
			return 1;
	return strncmp(tag, "!ruby/", 6) == 0 ||
	    strncmp(tag, "tag:ruby.yaml.org,2002:", 23) == 0;
}

static int
on_scalar(struct builder *b, const yaml_event_t *ev, unsigned line,
    unsigned col)
{
	const char *p = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	size_t len = ev->data.scalar.length;
	struct value *v;
	struct frame *f;

	if (tag != NULL && tag_refused(tag)) {
		ferr_set(b->e, line, col, "unsupported tag \"%s\"", tag);
		return -1;
	}
	if (tag != NULL && (strcmp(tag, "tag:yaml.org,2002:str") == 0 ||
	    strcmp(tag, "!str") == 0))
		v = new_str(p, len, line, col);
	else if (tag == NULL && ev->data.scalar.style !=
	    YAML_PLAIN_SCALAR_STYLE)
		v = new_str(p, len, line, col);
	else if ((v = fm_resolve_plain(p, len, line, col, b->e)) == NULL)
		return -1;
	if (tag != NULL && (strcmp(tag, "tag:yaml.org,2002:float") == 0 ||
	    strcmp(tag, "!float") == 0)) {
		if (v->type == VAL_INT) {
			v->type = VAL_FLOAT;
			v->u.f = (double)v->u.i;
		} else if (v->type != VAL_FLOAT) {
			ferr_set(b->e, line, col, "\"%.*s\" is not a float",
			    (int)(len > 40 ? 40 : len), p);
			value_free(v);
			return -1;
		}
	}
	if (++b->nodes > FM_MAX_NODES) {
		ferr_set(b->e, line, col, "document too large (more than %d "
		    "values)", FM_MAX_NODES);
		value_free(v);
		return -1;
	}
	if (ev->data.scalar.anchor != NULL &&
	    add_anchor(b, (const char *)ev->data.scalar.anchor, v, 1, 0, line,
	    col) == -1) {
		value_free(v);
		return -1;
	}
	f = b->depth > 0 ? &b->stack[b->depth - 1] : NULL;
	if (f != NULL && f->v->type == VAL_MAP && f->key == NULL)
		f->key_merge = v->type == VAL_STR && len == 2 &&
		    memcmp(p, "<<", 2) == 0 && tag == NULL;
	return add_node(b, v, 1, 0, 0);
}

static int
on_start(struct builder *b, enum value_type type, const char *anchor,
    const char *tag, unsigned line, unsigned col)
{
	struct frame *f;

	if (tag != NULL && tag_refused(tag)) {
		ferr_set(b->e, line, col, "unsupported tag \"%s\"", tag);
		return -1;
	}
	if (b->depth == FM_MAX_DEPTH) {
		ferr_set(b->e, line, col, "nesting deeper than %d levels",
		    FM_MAX_DEPTH);
		return -1;
	}
	if (++b->nodes > FM_MAX_NODES) {
		ferr_set(b->e, line, col, "document too large (more than %d "
		    "values)", FM_MAX_NODES);
		return -1;
	}
	f = &b->stack[b->depth++];
	memset(f, 0, sizeof(*f));
	f->v = value_new(type, line, col);
	f->anchor = anchor != NULL ? xstrdup(anchor) : NULL;
	f->count = 1;
	return 0;
}

static int
on_end(struct builder *b)
{
	struct frame *f = &b->stack[b->depth - 1];
	struct value *v = f->v;
	size_t count = f->count;
	unsigned height = f->height;
	int rc = 0;

	if (f->key != NULL) {
		/* libyaml never ends a mapping between key and value */
		value_free(f->key);
		f->key = NULL;
	}
	if (f->anchor != NULL)
		rc = add_anchor(b, f->anchor, v, count, height, v->line,
		    v->col);
	f->v = NULL;
	frame_release(f);
	b->depth--;
	if (rc == -1) {
		value_free(v);
		return -1;
	}
	return add_node(b, v, count, height, 0);
}

static int
on_alias(struct builder *b, const char *name, unsigned line, unsigned col)
{
	struct anchor *a = NULL;
	struct frame *f;
	struct value *v;
	unsigned i;

	for (i = 0; i < b->nanchors; i++)
		if (strcmp(b->anchors[i].name, name) == 0)
			a = &b->anchors[i];
	if (a == NULL) {
		ferr_set(b->e, line, col, "unknown alias \"*%s\"", name);
		return -1;
	}
	if (b->nodes + a->count > FM_MAX_NODES) {
		ferr_set(b->e, line, col, "alias \"*%s\" expands past %d "
		    "values", name, FM_MAX_NODES);
		return -1;
	}
	if (b->depth + a->height > FM_MAX_DEPTH) {
		ferr_set(b->e, line, col, "alias \"*%s\" nests deeper than %d "
		    "levels", name, FM_MAX_DEPTH);
		return -1;
	}
	b->nodes += a->count;
	v = value_clone(a->v);
	f = b->depth > 0 ? &b->stack[b->depth - 1] : NULL;
	if (f != NULL && f->v->type == VAL_MAP && f->key == NULL)
		f->key_merge = v->type == VAL_STR && v->u.s.len == 2 &&
		    memcmp(v->u.s.p, "<<", 2) == 0;
	return add_node(b, v, a->count, a->height, 1);
}

static void
builder_release(struct builder *b)
{
	unsigned i;

	while (b->depth > 0)
		frame_release(&b->stack[--b->depth]);
	for (i = 0; i < b->nanchors; i++) {
		free(b->anchors[i].name);
		value_free(b->anchors[i].v);
	}
	b->nanchors = 0;
	value_free(b->root);
	b->root = NULL;
}

/* The character at a libyaml mark, to word its errors better. */
static int
char_at_mark(const char *text, size_t len, const yaml_mark_t *m)
{
	return m->index < len ? (unsigned char)text[m->index] : -1;
}

static void
parser_error(struct builder *b, const yaml_parser_t *ps, const char *text,
    size_t len)
{
	const yaml_mark_t *m = &ps->problem_mark;
	unsigned line = b->first_line + (unsigned)m->line;
	unsigned col = (unsigned)m->column + 1;
	size_t i;

	if (ps->error == YAML_MEMORY_ERROR) {
		ferr_set(b->e, line, col, "out of memory reading YAML");
		return;
	}
	if (ps->error == YAML_READER_ERROR) {
		/* reader errors carry a byte offset, not a mark */
		line = b->first_line;
		col = 1;
		for (i = 0; i < ps->problem_offset && i < len; i++) {
			if (text[i] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)text[i] & 0xc0) != 0x80)
				col++;
		}
		ferr_set(b->e, line, col, "%s (character U+%04X)",
		    ps->problem ? ps->problem : "unreadable text",
		    (unsigned)ps->problem_value);
		return;
	}
	if (char_at_mark(text, len, m) == '\t') {
		ferr_set(b->e, line, col, "tab character where YAML wants "
		    "spaces (indent with spaces)");
		return;
	}
	if (ps->context != NULL)
		ferr_set(b->e, line, col, "%s %s started at line %u, column %u",
		    ps->problem ? ps->problem : "syntax error", ps->context,
		    b->first_line + (unsigned)ps->context_mark.line,
		    (unsigned)ps->context_mark.column + 1);
	else
		ferr_set(b->e, line, col, "%s",
		    ps->problem ? ps->problem : "syntax error");
}

int
fm_parse_yaml(const char *text, size_t len, unsigned first_line,
    struct value **out, struct ferr *e)
{
	struct builder *b;
	yaml_parser_t ps;
	yaml_event_t ev;
	unsigned line, col;
	int rc = -1, done = 0;

	*out = NULL;
	if (first_line == 0)
		first_line = 1;
	if (len > FM_MAX_FILE) {
		ferr_set(e, first_line, 1, "YAML text larger than %d bytes",
		    FM_MAX_FILE);
		return -1;
	}
	if (fm_check_text(text, len, first_line, e) == -1)
		return -1;
	b = xcalloc(1, sizeof(*b));
	b->first_line = first_line;
	b->e = e;
	if (!yaml_parser_initialize(&ps)) {
		ferr_set(e, first_line, 1, "cannot start the YAML parser");
		free(b);
		return -1;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&ps, YAML_UTF8_ENCODING);
	while (!done) {
		if (!yaml_parser_parse(&ps, &ev)) {
			parser_error(b, &ps, text, len);
			goto out;
		}
		line = first_line + (unsigned)ev.start_mark.line;
		col = (unsigned)ev.start_mark.column + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++b->docs > 1) {
				ferr_set(e, line, col, "several YAML "
				    "documents (only one is allowed)");
				goto fail;
			}
			break;
		case YAML_SCALAR_EVENT:
			if (on_scalar(b, &ev, line, col) == -1)
				goto fail;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (on_start(b, ev.type == YAML_SEQUENCE_START_EVENT ?
			    VAL_SEQ : VAL_MAP,
			    ev.type == YAML_SEQUENCE_START_EVENT ?
			    (const char *)ev.data.sequence_start.anchor :
			    (const char *)ev.data.mapping_start.anchor,
			    ev.type == YAML_SEQUENCE_START_EVENT ?
			    (const char *)ev.data.sequence_start.tag :
			    (const char *)ev.data.mapping_start.tag,
			    line, col) == -1)
				goto fail;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (on_end(b) == -1)
				goto fail;
			break;
		case YAML_ALIAS_EVENT:
			if (on_alias(b, (const char *)ev.data.alias.anchor,
			    line, col) == -1)
				goto fail;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	if (b->root == NULL || b->root->type == VAL_NULL) {
		value_free(b->root);
		b->root = value_new(VAL_MAP, first_line, 1);
	} else if (b->root->type != VAL_MAP) {
		ferr_set(e, b->root->line, b->root->col, "the top level must "
		    "be a mapping of keys to values, not a %s",
		    b->root->type == VAL_SEQ ? "sequence" : "single value");
		goto out;
	}
	*out = b->root;
	b->root = NULL;
	rc = 0;
	goto out;
fail:
	yaml_event_delete(&ev);
out:
	builder_release(b);
	yaml_parser_delete(&ps);
	free(b);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Documents                                                          */

void
fm_doc_init(struct fm_doc *doc)
{
	doc->fm = NULL;
	buf_init(&doc->body);
	doc->body_line = 1;
	doc->has_fm = 0;
}

void
fm_doc_release(struct fm_doc *doc)
{
	value_free(doc->fm);
	buf_release(&doc->body);
	fm_doc_init(doc);
}

/* Appends p with CRLF and lone CR made LF. */
static void
add_lf(struct buf *out, const char *p, size_t len)
{
	size_t i, run = 0;

	buf_grow(out, len);
	for (i = 0; i < len; i++) {
		if (p[i] != '\r')
			continue;
		buf_add(out, p + run, i - run);
		buf_addc(out, '\n');
		if (i + 1 < len && p[i + 1] == '\n')
			i++;
		run = i + 1;
	}
	buf_add(out, p + run, len - run);
}

int
fm_parse_doc(const char *text, size_t len, struct fm_doc *doc,
    struct ferr *e)
{
	struct str yaml, body;
	unsigned yline, bline;
	int r;

	fm_doc_release(doc);
	if (len > FM_MAX_FILE) {
		ferr_set(e, 1, 1, "document larger than %d bytes",
		    FM_MAX_FILE);
		return -1;
	}
	if (fm_check_text(text, len, 1, e) == -1)
		return -1;
	r = fm_split(text, len, &yaml, &yline, &body, &bline, e);
	if (r == -1)
		return -1;
	if (r == 0) {
		if (fm_parse_yaml(yaml.p, yaml.len, yline, &doc->fm, e) == -1)
			return -1;
		doc->has_fm = 1;
	} else
		doc->fm = value_new(VAL_MAP, 1, 1);
	add_lf(&doc->body, body.p, body.len);
	if (doc->body.data == NULL)
		buf_adds(&doc->body, "");
	doc->body_line = bline;
	return 0;
}
