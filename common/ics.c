#include "ics.h"

#include <string.h>

#include <utf8proc.h>

#include "date.h"

#define ICS_LINE_MAX 75		/* octets per line, CRLF excluded */

/*
 * The zones ics_head() can describe. Rules apply since 1996 (when the EU
 * moved the end of summer time to the last Sunday of October): summer time
 * starts on the last Sunday of March at 01:00 UTC and ends on the last
 * Sunday of October at 01:00 UTC. The overseas zones keep one offset.
 */
static const char *const cet_zones[] = {
	"Europe/Paris", "Europe/Brussels", "Europe/Luxembourg",
	"Europe/Monaco", "Europe/Berlin", "Europe/Madrid", "Europe/Rome",
	"Europe/Amsterdam", "Europe/Zurich"
};

static const struct {
	const char *tzid;
	const char *offset;
} fixed_zones[] = {
	{ "America/Guadeloupe", "-0400" },
	{ "America/Martinique", "-0400" },
	{ "America/Cayenne", "-0300" },
	{ "Indian/Reunion", "+0400" },
	{ "Indian/Mayotte", "+0300" },
	{ "Pacific/Noumea", "+1100" },
	{ "Pacific/Tahiti", "-1000" },
	{ "Pacific/Wallis", "+1200" },
};

static int
is_cet(const char *tzid)
{
	size_t i;

	for (i = 0; i < sizeof(cet_zones) / sizeof(cet_zones[0]); i++)
		if (strcmp(tzid, cet_zones[i]) == 0)
			return 1;
	return 0;
}

static const char *
fixed_offset(const char *tzid)
{
	size_t i;

	for (i = 0; i < sizeof(fixed_zones) / sizeof(fixed_zones[0]); i++)
		if (strcmp(tzid, fixed_zones[i].tzid) == 0)
			return fixed_zones[i].offset;
	return NULL;
}

int
ics_tz_known(const char *tzid)
{
	return tzid != NULL && (is_cet(tzid) || fixed_offset(tzid) != NULL);
}

static int
utf8_valid(const char *p, size_t len)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	size_t i = 0;

	while (i < len) {
		if ((unsigned char)p[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8proc_iterate((const utf8proc_uint8_t *)p + i,
		    (utf8proc_ssize_t)(len - i < 4 ? len - i : 4), &cp);
		if (n <= 0)
			return 0;
		i += (size_t)n;
	}
	return 1;
}

/* Octets in the UTF-8 sequence that starts with lead byte c. */
static size_t
seq_len(unsigned char c)
{
	if (c < 0xc0)
		return 1;
	if (c < 0xe0)
		return 2;
	if (c < 0xf0)
		return 3;
	return 4;
}

/* Appends the logical line p[0..len) folded, then CRLF. */
static void
fold(struct buf *out, const char *p, size_t len)
{
	size_t i = 0, j, n, col = 0;

	while (i < len) {
		/* As many whole characters as the line has room for. */
		for (j = i; j < len; j += n) {
			n = seq_len((unsigned char)p[j]);
			if (n > len - j)
				n = len - j;
			if (col + n > ICS_LINE_MAX)
				break;
			col += n;
		}
		buf_add(out, p + i, j - i);
		i = j;
		if (i < len) {
			buf_add(out, "\r\n ", 3);
			col = 1;
		}
	}
	buf_add(out, "\r\n", 2);
}

static void
escape_text(struct buf *line, const char *p, size_t len)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)p[i];
		switch (c) {
		case '\\':
		case ';':
		case ',':
			buf_addc(line, '\\');
			buf_addc(line, (char)c);
			break;
		case '\r':
			if (i + 1 < len && p[i + 1] == '\n')
				i++;
			/* FALLTHROUGH */
		case '\n':
			buf_add(line, "\\n", 2);
			break;
		case '\t':
			buf_addc(line, '\t');
			break;
		default:
			if (c >= 0x20 && c != 0x7f)
				buf_addc(line, (char)c);
			break;
		}
	}
}

int
ics_text(struct buf *out, const char *name, const char *value, size_t len)
{
	struct buf line = BUF_INIT;

	if (!utf8_valid(value, len))
		return -1;
	buf_adds(&line, name);
	buf_addc(&line, ':');
	escape_text(&line, value, len);
	fold(out, line.data, line.len);
	buf_release(&line);
	return 0;
}

int
ics_raw(struct buf *out, const char *name, const char *value, size_t len)
{
	struct buf line = BUF_INIT;
	size_t i;

	if (!utf8_valid(value, len))
		return -1;
	for (i = 0; i < len; i++)
		if (((unsigned char)value[i] < 0x20 && value[i] != '\t') ||
		    value[i] == 0x7f)
			return -1;	/* a raw CR or LF would end the line */
	buf_adds(&line, name);
	buf_addc(&line, ':');
	buf_add(&line, value, len);
	fold(out, line.data, line.len);
	buf_release(&line);
	return 0;
}

static void
tz_cet(struct buf *out, const char *tzid)
{
	ics_raw(out, "BEGIN", "VTIMEZONE", 9);
	ics_text(out, "TZID", tzid, strlen(tzid));
	buf_adds(out,
	    "BEGIN:DAYLIGHT\r\n"
	    "TZOFFSETFROM:+0100\r\n"
	    "TZOFFSETTO:+0200\r\n"
	    "TZNAME:CEST\r\n"
	    "DTSTART:19960331T020000\r\n"
	    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
	    "END:DAYLIGHT\r\n"
	    "BEGIN:STANDARD\r\n"
	    "TZOFFSETFROM:+0200\r\n"
	    "TZOFFSETTO:+0100\r\n"
	    "TZNAME:CET\r\n"
	    "DTSTART:19961027T030000\r\n"
	    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
	    "END:STANDARD\r\n"
	    "END:VTIMEZONE\r\n");
}

static void
tz_fixed(struct buf *out, const char *tzid, const char *offset)
{
	ics_raw(out, "BEGIN", "VTIMEZONE", 9);
	ics_text(out, "TZID", tzid, strlen(tzid));
	buf_adds(out, "BEGIN:STANDARD\r\n");
	buf_printf(out, "TZOFFSETFROM:%s\r\nTZOFFSETTO:%s\r\n", offset, offset);
	buf_adds(out, "DTSTART:19700101T000000\r\nEND:STANDARD\r\n"
	    "END:VTIMEZONE\r\n");
}

int
ics_head(struct buf *out, const char *prodid, const char *calname,
    const char *tzid)
{
	struct buf h = BUF_INIT;
	const char *off;
	int rc = -1;

	if (!ics_tz_known(tzid) || prodid == NULL)
		return -1;
	buf_adds(&h, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
	if (ics_text(&h, "PRODID", prodid, strlen(prodid)) == -1)
		goto out;
	buf_adds(&h, "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
	if (calname != NULL &&
	    ics_text(&h, "X-WR-CALNAME", calname, strlen(calname)) == -1)
		goto out;
	ics_text(&h, "X-WR-TIMEZONE", tzid, strlen(tzid));
	if ((off = fixed_offset(tzid)) != NULL)
		tz_fixed(&h, tzid, off);
	else
		tz_cet(&h, tzid);
	buf_add(out, h.data, h.len);
	rc = 0;
out:
	buf_release(&h);
	return rc;
}

void
ics_tail(struct buf *out)
{
	buf_adds(out, "END:VCALENDAR\r\n");
}

static int
url_ok(struct str u)
{
	size_t i;

	for (i = 0; i < u.len; i++)
		if ((unsigned char)u.p[i] <= 0x20 || u.p[i] == 0x7f)
			return 0;
	return utf8_valid(u.p, u.len);
}

/* "NAME;TZID=zone:" for a timed value, "NAME;VALUE=DATE:" for a date. */
static void
time_line(struct buf *out, const char *name, const char *tzid,
    const char *v, int date)
{
	struct buf n = BUF_INIT;

	buf_adds(&n, name);
	if (date)
		buf_adds(&n, ";VALUE=DATE");
	else
		buf_printf(&n, ";TZID=%s", tzid);
	ics_raw(out, n.data, v, strlen(v));
	buf_release(&n);
}

/*
 * The DTEND value for ev, in the type of DTSTART, into v; empty when
 * there is none. Returns -1 when the end cannot be written.
 */
static int
end_value(char v[DATE_ICS_LEN], const struct ics_event *ev)
{
	const struct vtime *s = ev->start, *e = ev->end;
	struct vtime d;
	struct tm ts, te;
	char sv[DATE_ICS_LEN];

	v[0] = '\0';
	if (e == NULL)
		return 0;
	if (date_local(s, &ts) == -1 || date_local(e, &te) == -1)
		return -1;
	if (s->date_only) {
		/* the day after the last day: DTEND is exclusive */
		if (!e->date_only && te.tm_hour == 0 && te.tm_min == 0 &&
		    te.tm_sec == 0) {
			/* a timed end at midnight closes the day before */
			if (date_add_days(&d, e, 0) == -1)
				return -1;
		} else if (date_add_days(&d, e, 1) == -1)
			return -1;
		if (date_ics_local(v, &d) == -1 ||
		    date_ics_local(sv, s) == -1)
			return -1;
		if (strcmp(v, sv) == 0 && !e->date_only) {
			v[0] = '\0';	/* ends as the start day begins */
			return 0;
		}
		return strcmp(v, sv) > 0 ? 0 : -1;
	}
	if (e->date_only) {
		/* the midnight that closes the end day, as a local time */
		if (date_add_days(&d, e, 1) == -1 || date_ics_local(v, &d) == -1)
			return -1;
		memcpy(v + 8, "T000000", 8);
	} else {
		if (e->secs < s->secs)
			return -1;
		if (date_ics_local(v, e) == -1)
			return -1;
	}
	if (date_ics_local(sv, s) == -1)
		return -1;
	/* both are local times of one zone, so text order is time order */
	if (strcmp(v, sv) < 0)
		return -1;
	if (strcmp(v, sv) == 0)
		v[0] = '\0';
	return 0;
}

static int
opt_text(struct buf *out, const char *name, struct str s)
{
	if (s.p == NULL)
		return 0;
	return ics_text(out, name, s.p, s.len);
}

int
ics_event(struct buf *out, const struct ics_event *ev, const char *tzid)
{
	struct buf e = BUF_INIT;
	char start[DATE_ICS_LEN], end[DATE_ICS_LEN], stamp[DATE_ICS_LEN];
	int rc = -1;

	if (ev->uid.p == NULL || ev->uid.len == 0 || ev->start == NULL ||
	    !ics_tz_known(tzid))
		return -1;
	if (date_ics_local(start, ev->start) == -1 ||
	    end_value(end, ev) == -1 || date_ics_utc(stamp, ev->stamp) == -1)
		return -1;
	if (ev->url.p != NULL && !url_ok(ev->url))
		return -1;
	buf_adds(&e, "BEGIN:VEVENT\r\n");
	if (ics_text(&e, "UID", ev->uid.p, ev->uid.len) == -1)
		goto out;
	ics_raw(&e, "DTSTAMP", stamp, strlen(stamp));
	time_line(&e, "DTSTART", tzid, start, ev->start->date_only);
	if (end[0] != '\0')
		time_line(&e, "DTEND", tzid, end, ev->start->date_only);
	if (opt_text(&e, "SUMMARY", ev->summary) == -1 ||
	    opt_text(&e, "DESCRIPTION", ev->description) == -1 ||
	    opt_text(&e, "LOCATION", ev->location) == -1)
		goto out;
	if (ev->url.p != NULL)
		ics_raw(&e, "URL", ev->url.p, ev->url.len);
	buf_adds(&e, "END:VEVENT\r\n");
	buf_add(out, e.data, e.len);
	rc = 0;
out:
	buf_release(&e);
	return rc;
}
