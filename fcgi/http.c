#include "http.h"

#include <string.h>
#include <time.h>

#include "store.h"

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
is_ows(int c)
{
	return c == ' ' || c == '\t';
}

/* Case-insensitive comparison of p[0..len) with the lower-case word w. */
static int
token_is(const char *p, size_t len, const char *w)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (w[i] == '\0' || lower((unsigned char)p[i]) != w[i])
			return 0;
	return w[len] == '\0';
}

/*
 * A qvalue as thousandths: "0", "0.5", "1", "1.000". Returns -1 when the
 * text is not a qvalue, so the whole member is ignored.
 */
static int
parse_q(const char *p, size_t len)
{
	int q, scale = 100;
	size_t i;

	if (len == 0 || (p[0] != '0' && p[0] != '1'))
		return -1;
	q = (p[0] - '0') * 1000;
	if (len == 1)
		return q;
	if (p[1] != '.' || len > 5)
		return -1;
	for (i = 2; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		q += (p[i] - '0') * scale;
		scale /= 10;
	}
	return q > 1000 ? -1 : q;
}

int
http_pick_encoding(const char *accept, unsigned avail)
{
	/* q in thousandths per coding; -1: not mentioned */
	int qbr = -1, qgz = -1, qid = -1, qstar = -1, best, bestq, q;
	const char *p = accept;
	static const int order[3] = { STORE_ENC_BR, STORE_ENC_GZIP,
	    STORE_ENC_IDENTITY };
	int i;

	if (accept == NULL)
		return STORE_ENC_IDENTITY;
	while (*p != '\0') {
		const char *tok, *end;
		size_t toklen;

		while (is_ows(*p) || *p == ',')
			p++;
		if (*p == '\0')
			break;
		tok = p;
		while (*p != '\0' && *p != ',' && *p != ';' && !is_ows(*p))
			p++;
		toklen = (size_t)(p - tok);
		q = 1000;
		/* parameters: only q matters; anything odd drops the member */
		while (is_ows(*p))
			p++;
		while (*p == ';') {
			p++;
			while (is_ows(*p))
				p++;
			end = p;
			while (*end != '\0' && *end != ',' && *end != ';' &&
			    !is_ows(*end))
				end++;
			if ((size_t)(end - p) >= 2 && lower((unsigned char)p[0]) ==
			    'q' && p[1] == '=')
				q = parse_q(p + 2, (size_t)(end - p) - 2);
			else
				q = -1;
			p = end;
			while (is_ows(*p))
				p++;
		}
		if (*p != '\0' && *p != ',') {
			/* junk inside a member: skip it */
			while (*p != '\0' && *p != ',')
				p++;
			continue;
		}
		if (q < 0 || toklen == 0)
			continue;
		if (token_is(tok, toklen, "br"))
			qbr = q;
		else if (token_is(tok, toklen, "gzip") ||
		    token_is(tok, toklen, "x-gzip"))
			qgz = q;
		else if (token_is(tok, toklen, "identity"))
			qid = q;
		else if (token_is(tok, toklen, "*"))
			qstar = q;
	}
	if (qbr < 0)
		qbr = qstar < 0 ? 0 : qstar;
	if (qgz < 0)
		qgz = qstar < 0 ? 0 : qstar;
	if (qid < 0)
		qid = qstar == 0 ? 0 : 1;	/* identity is fine unless refused */
	best = STORE_ENC_IDENTITY;
	bestq = 0;
	for (i = 0; i < 3; i++) {
		int e = order[i];

		if (e != STORE_ENC_IDENTITY && (avail & HTTP_ENC_BIT(e)) == 0)
			continue;
		q = e == STORE_ENC_BR ? qbr : e == STORE_ENC_GZIP ? qgz : qid;
		if (q > bestq) {
			best = e;
			bestq = q;
		}
	}
	return best;
}

int
http_etag_match(const char *inm, const char *etag, size_t etag_len)
{
	const char *p = inm, *start;

	if (inm == NULL || etag_len < 2)
		return 0;
	while (*p != '\0') {
		while (is_ows(*p) || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"')
			return 0;
		start = p++;
		while (*p != '\0' && *p != '"')
			p++;
		if (*p != '"')
			return 0;
		p++;
		if ((size_t)(p - start) == etag_len &&
		    memcmp(start, etag, etag_len) == 0)
			return 1;
		while (is_ows(*p))
			p++;
		if (*p != ',' && *p != '\0')
			return 0;
	}
	return 0;
}

static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char wdays[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
    "Sat" };

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), m in 1..12. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
digits(const char *p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	return 0;
}

static int
month_of(const char *p)
{
	int i;

	for (i = 0; i < 12; i++)
		if (memcmp(p, months[i], 3) == 0)
			return i + 1;
	return 0;
}

static int
hms(const char *p, int *h, int *mi, int *s)
{
	if (digits(p, 2, h) == -1 || p[2] != ':' ||
	    digits(p + 3, 2, mi) == -1 || p[5] != ':' ||
	    digits(p + 6, 2, s) == -1)
		return -1;
	return *h < 24 && *mi < 60 && *s < 61 ? 0 : -1;
}

int
http_parse_date(const char *s, int64_t *t)
{
	int y, m, d, h, mi, sec;
	const char *c;
	size_t n;

	if (s == NULL)
		return -1;
	n = strlen(s);
	if (n == 29 && s[3] == ',' && s[4] == ' ' && s[7] == ' ' &&
	    s[11] == ' ' && s[16] == ' ' && s[25] == ' ' &&
	    memcmp(s + 26, "GMT", 3) == 0) {
		/* Sun, 06 Nov 1994 08:49:37 GMT */
		if (digits(s + 5, 2, &d) == -1 || (m = month_of(s + 8)) == 0 ||
		    digits(s + 12, 4, &y) == -1 || hms(s + 17, &h, &mi, &sec))
			return -1;
	} else if (n == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' &&
	    s[19] == ' ') {
		/* Sun Nov  6 08:49:37 1994 */
		char dd[2] = { s[8] == ' ' ? '0' : s[8], s[9] };

		if ((m = month_of(s + 4)) == 0 || digits(dd, 2, &d) == -1 ||
		    hms(s + 11, &h, &mi, &sec) || digits(s + 20, 4, &y) == -1)
			return -1;
	} else if ((c = strchr(s, ',')) != NULL && strlen(c) == 24 &&
	    c[1] == ' ' && c[4] == '-' && c[8] == '-' && c[11] == ' ' &&
	    c[20] == ' ' && memcmp(c + 21, "GMT", 3) == 0) {
		/* Sunday, 06-Nov-94 08:49:37 GMT; two-digit years per RFC 9110 */
		if (digits(c + 2, 2, &d) == -1 || (m = month_of(c + 5)) == 0 ||
		    digits(c + 9, 2, &y) == -1 || hms(c + 12, &h, &mi, &sec))
			return -1;
		y += y < 70 ? 2000 : 1900;
	} else
		return -1;
	if (d < 1 || d > 31)
		return -1;
	*t = (days_from_civil(y, m, d) * 86400) + h * 3600 + mi * 60 + sec;
	return 0;
}

void
http_format_date(char out[32], int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t rem = t - days * 86400;
	int64_t z = days + 719468, era, doe, yoe, y, doy, mp, d, m;
	int wd = (int)(((days % 7) + 11) % 7);	/* 1970-01-01 was a Thursday */

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999) {
		memcpy(out, "Thu, 01 Jan 1970 00:00:00 GMT", 30);
		return;
	}
	memcpy(out, wdays[wd], 3);
	out[3] = ',';
	out[4] = ' ';
	out[5] = (char)('0' + d / 10);
	out[6] = (char)('0' + d % 10);
	out[7] = ' ';
	memcpy(out + 8, months[m - 1], 3);
	out[11] = ' ';
	out[12] = (char)('0' + y / 1000);
	out[13] = (char)('0' + y / 100 % 10);
	out[14] = (char)('0' + y / 10 % 10);
	out[15] = (char)('0' + y % 10);
	out[16] = ' ';
	out[17] = (char)('0' + rem / 36000);
	out[18] = (char)('0' + rem / 3600 % 10);
	out[19] = ':';
	out[20] = (char)('0' + rem % 3600 / 600);
	out[21] = (char)('0' + rem % 3600 / 60 % 10);
	out[22] = ':';
	out[23] = (char)('0' + rem % 60 / 10);
	out[24] = (char)('0' + rem % 10);
	memcpy(out + 25, " GMT", 5);
}

/* RFC 3986 unreserved, sub-delims, ':' and '@' (pchar without '%'). */
static int
is_pchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-._~!$&'()*+,;=:@", c) != NULL;
}

static int
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

int
http_location(char *out, size_t outsz, const char *path, size_t len,
    const char *query, size_t query_len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0, i;

#define PUT(c) do {							\
	if (o + 1 >= outsz)						\
		return -1;						\
	out[o++] = (c);							\
} while (0)
#define PUTPCT(c) do {							\
	PUT('%');							\
	PUT(hex[(unsigned char)(c) >> 4]);				\
	PUT(hex[(unsigned char)(c) & 15]);				\
} while (0)
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];

		if (is_pchar(c) || c == '/')
			PUT((char)c);
		else
			PUTPCT(c);
	}
	if (query != NULL && query_len > 0) {
		PUT('?');
		for (i = 0; i < query_len; i++) {
			unsigned char c = (unsigned char)query[i];

			if (c == '%' && i + 2 < query_len &&
			    is_hex((unsigned char)query[i + 1]) &&
			    is_hex((unsigned char)query[i + 2]))
				PUT('%');
			else if (is_pchar(c) || c == '/' || c == '?')
				PUT((char)c);
			else
				PUTPCT(c);
		}
	}
#undef PUT
#undef PUTPCT
	out[o] = '\0';
	return (int)o;
}

/* Whether one of the 8 bytes is below 0x20 or is 0x7f (may be a tab). */
static int
word_suspect(const char *p)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t w, del;

	memcpy(&w, p, 8);
	del = w ^ (ones * 0x7f);
	return ((((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) & high) != 0;
}

int
http_header_safe(const char *p, size_t len)
{
	const unsigned char *s, *end;
	size_t i;

	/* A word at a time (the last one may overlap); bytes only if needed. */
	if (len >= 8) {
		for (i = 0; i + 8 <= len; i += 8)
			if (word_suspect(p + i))
				goto bytes;
		if (!word_suspect(p + len - 8))
			return 1;
	}
bytes:
	for (s = (const unsigned char *)p, end = s + len; s < end; s++)
		if ((*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	return 1;
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 304:
		return "Not Modified";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}
