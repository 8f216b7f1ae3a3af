#include "date.h"

#include <stdio.h>
#include <string.h>

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
#define SECS_MIN (-62135596800LL)
#define SECS_MAX 253402300799LL
/* Offsets written in content never exceed a day. */
#define OFFSET_MAX 86400

static const char *const fr_wday[] = {
	"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
	"samedi"
};
static const char *const fr_month[] = {
	"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
	"août", "septembre", "octobre", "novembre", "décembre"
};
static const char *const en_wday[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const en_wday_long[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};
static const char *const en_month[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"
};

static int
is_leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(long long y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/*
 * Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar,
 * counted in 400-year eras so that no library range limit applies.
 */
static long long
days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
year_ok(const struct tm *tm)
{
	return tm->tm_year >= 1 - 1900 && tm->tm_year <= 9999 - 1900;
}

static int
utc_tm(long long secs, struct tm *out)
{
	time_t tt;

	if (secs < SECS_MIN || secs > SECS_MAX)
		return -1;
	tt = (time_t)secs;
	if (gmtime_r(&tt, out) == NULL)
		return -1;
	return year_ok(out) ? 0 : -1;
}

int
date_local(const struct vtime *t, struct tm *out)
{
	time_t tt;

	if (t->secs < SECS_MIN - OFFSET_MAX || t->secs > SECS_MAX + OFFSET_MAX)
		return -1;
	if (t->date_only) {
		if (t->offset < -OFFSET_MAX || t->offset > OFFSET_MAX)
			return -1;
		tt = (time_t)(t->secs + t->offset);
		if (gmtime_r(&tt, out) == NULL)
			return -1;
		out->tm_hour = out->tm_min = out->tm_sec = 0;
		out->tm_isdst = -1;
	} else {
		tt = (time_t)t->secs;
		if (localtime_r(&tt, out) == NULL)
			return -1;
	}
	return year_ok(out) ? 0 : -1;
}

/* A comparable number for the calendar day of tm. */
static long long
day_number(const struct tm *tm)
{
	return days_from_civil(tm->tm_year + 1900LL, tm->tm_mon + 1,
	    tm->tm_mday);
}

static void
add_day_of_month(struct buf *out, int mday)
{
	if (mday == 1)
		buf_adds(out, "1er");
	else
		buf_printf(out, "%d", mday);
}

static void
add_fr_day(struct buf *out, const struct tm *tm, int weekday, int month,
    int year)
{
	if (weekday)
		buf_printf(out, "%s ", fr_wday[tm->tm_wday]);
	add_day_of_month(out, tm->tm_mday);
	if (month)
		buf_printf(out, " %s", fr_month[tm->tm_mon]);
	if (year)
		buf_printf(out, " %d", tm->tm_year + 1900);
}

static int
has_time(const struct vtime *t, const struct tm *tm)
{
	return !t->date_only &&
	    (tm->tm_hour != 0 || tm->tm_min != 0 || tm->tm_sec != 0);
}

static void
add_fr_time(struct buf *out, const struct tm *tm)
{
	if (tm->tm_min == 0)
		buf_printf(out, "%d h", tm->tm_hour);
	else
		buf_printf(out, "%d h %02d", tm->tm_hour, tm->tm_min);
}

int
date_fr_day(struct buf *out, const struct vtime *t)
{
	struct tm tm;

	if (date_local(t, &tm) == -1)
		return -1;
	add_fr_day(out, &tm, 1, 1, 1);
	return 0;
}

int
date_fr_time(struct buf *out, const struct vtime *t)
{
	struct tm tm;

	if (date_local(t, &tm) == -1)
		return -1;
	if (!has_time(t, &tm))
		return DATE_NO_TIME;
	add_fr_time(out, &tm);
	return 0;
}

int
date_fr_when(struct buf *out, const struct vtime *start,
    const struct vtime *end)
{
	struct tm ts, te;
	long long ds, de;
	int st, et;

	if (date_local(start, &ts) == -1)
		return -1;
	st = has_time(start, &ts);
	ds = day_number(&ts);
	if (end != NULL && end->secs == start->secs &&
	    end->date_only == start->date_only)
		end = NULL;
	if (end == NULL) {
		de = ds;
		et = 0;
	} else {
		if (date_local(end, &te) == -1)
			return -1;
		if (!start->date_only && !end->date_only &&
		    end->secs < start->secs)
			return -1;
		et = has_time(end, &te);
		de = day_number(&te);
		if (!end->date_only && !et && de > ds) {
			/* a timed end at midnight closes the day before */
			de--;
			if (de != ds) {
				struct vtime prev;

				if (date_add_days(&prev, end, -1) == -1 ||
				    date_local(&prev, &te) == -1)
					return -1;
			}
		}
		if (de < ds)
			return -1;
	}
	if (de == ds) {
		if (st && et && (te.tm_hour != ts.tm_hour ||
		    te.tm_min != ts.tm_min)) {
			buf_adds(out, "le ");
			add_fr_day(out, &ts, 0, 1, 1);
			buf_adds(out, " de ");
			add_fr_time(out, &ts);
			buf_adds(out, " à ");
			add_fr_time(out, &te);
			return 0;
		}
		add_fr_day(out, &ts, 1, 1, 1);
		if (st) {
			buf_adds(out, " à ");
			add_fr_time(out, &ts);
		}
		return 0;
	}
	buf_adds(out, "du ");
	if (ts.tm_year != te.tm_year)
		add_fr_day(out, &ts, 0, 1, 1);
	else if (ts.tm_mon != te.tm_mon)
		add_fr_day(out, &ts, 0, 1, 0);
	else
		add_fr_day(out, &ts, 0, 0, 0);
	buf_adds(out, " au ");
	add_fr_day(out, &te, 0, 1, 1);
	return 0;
}

int
date_rfc3339(struct buf *out, const struct vtime *t)
{
	struct tm tm, u;
	time_t tt;
	long long off;

	if (date_local(t, &tm) == -1)
		return -1;
	if (t->date_only) {
		tm.tm_isdst = -1;
		tm.tm_wday = -1;	/* mktime sets it on success only */
		tt = mktime(&tm);
		if (tm.tm_wday == -1)
			return -1;
		if (localtime_r(&tt, &tm) == NULL || !year_ok(&tm))
			return -1;
	} else
		tt = (time_t)t->secs;
	u = tm;
	off = (long long)timegm(&u) - (long long)tt;
	if (off % 60 != 0) {
		/* an offset in seconds (local mean time): say it in UTC */
		if (utc_tm((long long)tt, &tm) == -1)
			return -1;
		off = 0;
	}
	buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	buf_printf(out, "%c%02lld:%02lld", off < 0 ? '-' : '+',
	    (off < 0 ? -off : off) / 3600, (off < 0 ? -off : off) % 3600 / 60);
	return 0;
}

/*
 * Writes v on exactly width digits (the caller has range-checked it) and
 * returns the end; fixed arrays are filled without snprintf's guesswork.
 */
static char *
put_num(char *p, int v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

static char *
put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* "YYYYMMDD", then "THHMMSS" when clock is set. */
static char *
put_ics(char *p, const struct tm *tm, int clock)
{
	p = put_num(p, tm->tm_year + 1900, 4);
	p = put_num(p, tm->tm_mon + 1, 2);
	p = put_num(p, tm->tm_mday, 2);
	if (clock) {
		*p++ = 'T';
		p = put_num(p, tm->tm_hour, 2);
		p = put_num(p, tm->tm_min, 2);
		p = put_num(p, tm->tm_sec, 2);
	}
	return p;
}

int
date_http(char out[DATE_HTTP_LEN], long long secs)
{
	struct tm tm;
	char *p;

	out[0] = '\0';
	if (utc_tm(secs, &tm) == -1)
		return -1;
	p = put_str(out, en_wday[tm.tm_wday]);
	p = put_str(p, ", ");
	p = put_num(p, tm.tm_mday, 2);
	*p++ = ' ';
	p = put_str(p, en_month[tm.tm_mon]);
	*p++ = ' ';
	p = put_num(p, tm.tm_year + 1900, 4);
	*p++ = ' ';
	p = put_num(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_num(p, tm.tm_min, 2);
	*p++ = ':';
	p = put_num(p, tm.tm_sec, 2);
	p = put_str(p, " GMT");
	*p = '\0';
	return 0;
}

int
date_ics_local(char out[DATE_ICS_LEN], const struct vtime *t)
{
	struct tm tm;

	out[0] = '\0';
	if (date_local(t, &tm) == -1)
		return -1;
	*put_ics(out, &tm, !t->date_only) = '\0';
	return 0;
}

int
date_ics_utc(char out[DATE_ICS_LEN], long long secs)
{
	struct tm tm;
	char *p;

	out[0] = '\0';
	if (utc_tm(secs, &tm) == -1)
		return -1;
	p = put_ics(out, &tm, 1);
	*p++ = 'Z';
	*p = '\0';
	return 0;
}

int
date_add_days(struct vtime *out, const struct vtime *t, int n)
{
	struct tm tm, check;
	long long secs;

	if (date_local(t, &tm) == -1)
		return -1;
	secs = (day_number(&tm) + n) * 86400LL;
	if (utc_tm(secs, &check) == -1)
		return -1;
	out->secs = secs;
	out->offset = 0;
	out->date_only = 1;
	return 0;
}

/* The HTTP date parser: a cursor over [p, e). */
struct scan {
	const char *p, *e;
};

static int
blank(int c)
{
	return c == ' ' || c == '\t';
}

static int
skip_blanks(struct scan *s)
{
	const char *p0 = s->p;

	while (s->p < s->e && blank((unsigned char)*s->p))
		s->p++;
	return s->p > p0 ? 0 : -1;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Matches one of names (case-insensitively, as a whole word); its index. */
static int
scan_name(struct scan *s, const char *const *names, int n)
{
	size_t len = 0, k;
	int i;

	while (s->p + len < s->e && ((s->p[len] >= 'a' && s->p[len] <= 'z') ||
	    (s->p[len] >= 'A' && s->p[len] <= 'Z')))
		len++;
	for (i = 0; i < n; i++) {
		if (strlen(names[i]) != len)
			continue;
		for (k = 0; k < len; k++)
			if (lower((unsigned char)s->p[k]) !=
			    lower((unsigned char)names[i][k]))
				break;
		if (k == len) {
			s->p += len;
			return i;
		}
	}
	return -1;
}

/* Exactly min to max digits; the value, or -1. */
static int
scan_num(struct scan *s, int min, int max)
{
	int n = 0, v = 0;

	while (s->p < s->e && n < max && *s->p >= '0' && *s->p <= '9') {
		v = v * 10 + (*s->p - '0');
		s->p++;
		n++;
	}
	if (n < min || (s->p < s->e && *s->p >= '0' && *s->p <= '9'))
		return -1;
	return v;
}

static int
scan_char(struct scan *s, char c)
{
	if (s->p >= s->e || *s->p != c)
		return -1;
	s->p++;
	return 0;
}

static int
scan_clock(struct scan *s, int *h, int *mi, int *sec)
{
	if ((*h = scan_num(s, 2, 2)) == -1 || scan_char(s, ':') == -1 ||
	    (*mi = scan_num(s, 2, 2)) == -1 || scan_char(s, ':') == -1 ||
	    (*sec = scan_num(s, 2, 2)) == -1)
		return -1;
	return *h <= 23 && *mi <= 59 && *sec <= 60 ? 0 : -1;
}

static int
scan_zone(struct scan *s)
{
	static const char *const zones[] = { "GMT", "UTC" };

	return scan_name(s, zones, 2) == -1 ? -1 : 0;
}

int
date_http_parse(const char *p, size_t len, long long *secs)
{
	struct scan s;
	const char *semi, *y0;
	int y, mo, d, h, mi, sec;

	if (p == NULL)
		return -1;
	s.p = p;
	s.e = p + len;
	if ((semi = memchr(p, ';', len)) != NULL)
		s.e = semi;
	while (s.e > s.p && blank((unsigned char)s.e[-1]))
		s.e--;
	skip_blanks(&s);

	if (scan_name(&s, en_wday, 7) != -1) {
		if (scan_char(&s, ',') == 0) {
			/* IMF-fixdate */
			if (skip_blanks(&s) == -1 ||
			    (d = scan_num(&s, 1, 2)) == -1 ||
			    skip_blanks(&s) == -1 ||
			    (mo = scan_name(&s, en_month, 12)) == -1 ||
			    skip_blanks(&s) == -1 ||
			    (y = scan_num(&s, 4, 4)) == -1 ||
			    skip_blanks(&s) == -1 ||
			    scan_clock(&s, &h, &mi, &sec) == -1 ||
			    skip_blanks(&s) == -1 || scan_zone(&s) == -1)
				return -1;
		} else {
			/* asctime */
			if (skip_blanks(&s) == -1 ||
			    (mo = scan_name(&s, en_month, 12)) == -1 ||
			    skip_blanks(&s) == -1 ||
			    (d = scan_num(&s, 1, 2)) == -1 ||
			    skip_blanks(&s) == -1 ||
			    scan_clock(&s, &h, &mi, &sec) == -1 ||
			    skip_blanks(&s) == -1 ||
			    (y = scan_num(&s, 4, 4)) == -1)
				return -1;
		}
	} else if (scan_name(&s, en_wday_long, 7) != -1) {
		/* RFC 850 */
		if (scan_char(&s, ',') == -1 || skip_blanks(&s) == -1 ||
		    (d = scan_num(&s, 1, 2)) == -1 || scan_char(&s, '-') == -1 ||
		    (mo = scan_name(&s, en_month, 12)) == -1 ||
		    scan_char(&s, '-') == -1)
			return -1;
		y0 = s.p;
		if ((y = scan_num(&s, 2, 4)) == -1 || s.p - y0 == 3)
			return -1;
		if (s.p - y0 == 2)
			y += y < 70 ? 2000 : 1900;
		if (skip_blanks(&s) == -1 ||
		    scan_clock(&s, &h, &mi, &sec) == -1 ||
		    skip_blanks(&s) == -1 || scan_zone(&s) == -1)
			return -1;
	} else
		return -1;
	if (s.p != s.e)
		return -1;
	mo++;
	if (y < 1 || d < 1 || d > month_days(y, mo))
		return -1;
	*secs = days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL +
	    sec;
	return 0;
}
