#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
indent(struct buf *out, int pretty, unsigned depth)
{
	unsigned i;

	if (!pretty)
		return;
	buf_addc(out, '\n');
	for (i = 0; i < depth; i++)
		buf_add(out, "  ", 2);
}

void
json_escape(struct buf *out, const char *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)p[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(out, p + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			buf_add(out, "\\\"", 2);
			break;
		case '\\':
			buf_add(out, "\\\\", 2);
			break;
		case '\n':
			buf_add(out, "\\n", 2);
			break;
		case '\r':
			buf_add(out, "\\r", 2);
			break;
		case '\t':
			buf_add(out, "\\t", 2);
			break;
		case '\b':
			buf_add(out, "\\b", 2);
			break;
		case '\f':
			buf_add(out, "\\f", 2);
			break;
		default:
			buf_add(out, "\\u00", 4);
			buf_addc(out, hex[c >> 4]);
			buf_addc(out, hex[c & 15]);
			break;
		}
	}
	buf_add(out, p + run, len - run);
}

void
json_write_double(struct buf *out, double d)
{
	char tmp[40], digits[24];
	int prec, decpt, nd, i;
	char *e;

	if (isnan(d)) {
		buf_adds(out, "NaN");
		return;
	}
	if (isinf(d)) {
		buf_adds(out, d < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (d == 0) {
		buf_adds(out, signbit(d) ? "-0.0" : "0.0");
		return;
	}
	if (d < 0) {
		buf_addc(out, '-');
		d = -d;
	}
	/* The shortest digit string that reads back as the same double. */
	for (prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	nd = 0;
	for (e = tmp; *e != 'e'; e++)
		if (*e >= '0' && *e <= '9')
			digits[nd++] = *e;
	decpt = atoi(e + 1) + 1;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (decpt < -3 || decpt > 16) {
		buf_addc(out, digits[0]);
		buf_addc(out, '.');
		if (nd > 1)
			buf_add(out, digits + 1, (size_t)nd - 1);
		else
			buf_addc(out, '0');
		buf_printf(out, "e%c%02d", decpt - 1 < 0 ? '-' : '+',
		    abs(decpt - 1));
	} else if (decpt <= 0) {
		buf_add(out, "0.", 2);
		for (i = decpt; i < 0; i++)
			buf_addc(out, '0');
		buf_add(out, digits, (size_t)nd);
	} else if (decpt >= nd) {
		buf_add(out, digits, (size_t)nd);
		for (i = nd; i < decpt; i++)
			buf_addc(out, '0');
		buf_add(out, ".0", 2);
	} else {
		buf_add(out, digits, (size_t)decpt);
		buf_addc(out, '.');
		buf_add(out, digits + decpt, (size_t)(nd - decpt));
	}
}

long long
json_days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
json_civil(long long secs, long long *y, int *mo, int *d, int *h, int *mi,
    int *s)
{
	long long days, rem, era, doe, yoe, doy, mp;

	days = secs / 86400;
	rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	*h = (int)(rem / 3600);
	*mi = (int)(rem / 60 % 60);
	*s = (int)(rem % 60);
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*mo = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*mo <= 2);
}

static void
write_year(struct buf *out, long long y)
{
	if (y < 0)
		buf_printf(out, "-%04lld", -y);
	else
		buf_printf(out, "%04lld", y);
}

void
json_write_time(struct buf *out, const struct vtime *t)
{
	long long y;
	int mo, d, h, mi, s, off;

	json_civil(t->secs + (t->date_only ? 0 : t->offset), &y, &mo, &d, &h,
	    &mi, &s);
	write_year(out, y);
	buf_printf(out, "-%02d-%02d", mo, d);
	if (t->date_only)
		return;
	off = t->offset;
	buf_printf(out, "T%02d:%02d:%02d%c", h, mi, s, off < 0 ? '-' : '+');
	if (off < 0)
		off = -off;
	buf_printf(out, "%02d:%02d", off / 3600, off / 60 % 60);
}

static void
write_value(struct buf *out, const struct value *v, int pretty,
    unsigned depth)
{
	size_t i;

	if (v == NULL) {
		buf_adds(out, "null");
		return;
	}
	switch (v->type) {
	case VAL_NULL:
		buf_adds(out, "null");
		break;
	case VAL_BOOL:
		buf_adds(out, v->u.b ? "true" : "false");
		break;
	case VAL_INT:
		buf_printf(out, "%lld", v->u.i);
		break;
	case VAL_FLOAT:
		if (isnan(v->u.f) || isinf(v->u.f))
			buf_adds(out, "null");
		else
			json_write_double(out, v->u.f);
		break;
	case VAL_STR:
		buf_addc(out, '"');
		json_escape(out, v->u.s.p, v->u.s.len);
		buf_addc(out, '"');
		break;
	case VAL_TIME:
		buf_addc(out, '"');
		json_write_time(out, &v->u.t);
		buf_addc(out, '"');
		break;
	case VAL_SEQ:
		if (v->u.seq.n == 0) {
			buf_adds(out, "[]");
			break;
		}
		buf_addc(out, '[');
		for (i = 0; i < v->u.seq.n; i++) {
			if (i > 0)
				buf_addc(out, ',');
			indent(out, pretty, depth + 1);
			write_value(out, v->u.seq.items[i], pretty, depth + 1);
		}
		indent(out, pretty, depth);
		buf_addc(out, ']');
		break;
	case VAL_MAP:
		if (v->u.map.n == 0) {
			buf_adds(out, "{}");
			break;
		}
		buf_addc(out, '{');
		for (i = 0; i < v->u.map.n; i++) {
			if (i > 0)
				buf_addc(out, ',');
			indent(out, pretty, depth + 1);
			buf_addc(out, '"');
			json_escape(out, v->u.map.items[i].key,
			    v->u.map.items[i].key_len);
			buf_add(out, pretty ? "\": " : "\":", pretty ? 3 : 2);
			write_value(out, v->u.map.items[i].val, pretty,
			    depth + 1);
		}
		indent(out, pretty, depth);
		buf_addc(out, '}');
		break;
	}
}

void
json_write(struct buf *out, const struct value *v, int pretty)
{
	write_value(out, v, pretty, 0);
}
