#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "buf.h"
#include "date.h"
#include "ics.h"
#include "t.h"
#include "t_time.h"

#define TZID "Europe/Paris"


static struct str
S(const char *s)
{
	return str_from(s);
}

/* Every property of every component, recursively: no X-LIC-ERROR. */
static int
lic_errors(icalcomponent *c)
{
	icalcomponent *sub;
	icalproperty *p;
	int n = 0;

	for (p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(c,
	    ICAL_ANY_PROPERTY)) {
		if (icalproperty_isa(p) == ICAL_XLICERROR_PROPERTY) {
			printf("# X-LIC-ERROR: %s\n",
			    icalproperty_get_xlicerror(p));
			n++;
		}
	}
	for (sub = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
	    sub != NULL; sub = icalcomponent_get_next_component(c,
	    ICAL_ANY_COMPONENT))
		n += lic_errors(sub);
	return n;
}

/* Physical lines: all end with CRLF, none longer than 75 octets. */
static int
lines_ok(const struct buf *b)
{
	size_t i, start = 0;

	for (i = 0; i < b->len; i++) {
		if (b->data[i] == '\n') {
			if (i == 0 || b->data[i - 1] != '\r')
				return 0;
			if (i - 1 - start > 75)
				return 0;
			start = i + 1;
		} else if (b->data[i] == '\r' &&
		    (i + 1 >= b->len || b->data[i + 1] != '\n'))
			return 0;
	}
	return start == b->len;
}

static icalcomponent *
find_event(icalcomponent *cal, const char *uid)
{
	icalcomponent *ev;

	for (ev = icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT); ev != NULL;
	    ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		if (strcmp(icalcomponent_get_uid(ev), uid) == 0)
			return ev;
	return NULL;
}

static long long
ical_secs(struct icaltimetype t)
{
	return (long long)icaltime_as_timet_with_zone(t, t.zone);
}

int
main(void)
{
	struct buf b = BUF_INIT, c = BUF_INIT;
	struct vtime s1, e1, s2, e2, s3, s4, e4, big;
	struct ics_event ev;
	icalcomponent *cal, *ve;
	icaltimezone *zone;
	struct icaltimetype it;
	const char *desc = "Programme :\n- accueil, café; ateliers\\pratiques\n"
	    "Lieu : « Ségur » — 20 avenue de Ségur, 75007 Paris. Inscription "
	    "obligatoire avant le 10 janvier ; places limitées. Ça déborde "
	    "sur plusieurs lignes pliées à 75 octets ✓.";
	char want[256];
	size_t i;
	int rc, good;

	setenv("TZ", TZID, 1);
	tzset();

	OK(ics_tz_known("Europe/Paris") && ics_tz_known("Indian/Reunion") &&
	    !ics_tz_known("America/New_York") && !ics_tz_known(NULL),
	    "known zones");

	/* escaping, byte for byte */
	{
		const char *v = "a\\b;c,d\ne\r\nf\rg\x01h\ti:j\x7f\"k\"";

		rc = ics_text(&b, "DESCRIPTION", v, strlen(v));
	}
	EQI(rc, 0, "text line written");
	EQS(buf_cstr(&b), "DESCRIPTION:a\\\\b\\;c\\,d\\ne\\nf\\ngh\ti:j\"k\"\r\n",
	    "backslash, ; , and newlines escaped, controls dropped");

	/* folding at 75 octets */
	buf_reset(&b);
	memset(want, 'a', 100);
	ics_text(&b, "SUMMARY", want, 67);
	OK(b.len == 77 && memcmp(b.data + 75, "\r\n", 2) == 0,
	    "75 octets: not folded");
	buf_reset(&b);
	ics_text(&b, "SUMMARY", want, 68);
	OK(b.len == 81 && memcmp(b.data + 75, "\r\n a\r\n", 6) == 0,
	    "76 octets: last octet on a continuation line");
	buf_reset(&b);
	memcpy(want + 66, "\xc3\xa9", 2);
	ics_text(&b, "SUMMARY", want, 68);
	OK(b.len == 81 && b.data[73] == 'a' &&
	    memcmp(b.data + 74, "\r\n \xc3\xa9\r\n", 7) == 0,
	    "a two-octet letter at the fold moves whole to the next line");
	buf_reset(&b);
	memcpy(want + 66, "\xe2\x9c\x93", 3);
	ics_text(&b, "SUMMARY", want, 69);
	OK(b.len == 82 && memcmp(b.data + 74, "\r\n \xe2\x9c\x93\r\n", 8) == 0,
	    "a three-octet sign at the fold moves whole");
	buf_reset(&b);
	memset(want, 'b', 200);
	ics_text(&b, "X", want, 200);
	/* 2 + 200 = 202 octets: 75, then 74 + 1 space, then the rest */
	OK(b.len == 202 + 2 * 3 + 2 && memcmp(b.data + 75, "\r\n ", 3) == 0 &&
	    memcmp(b.data + 75 + 3 + 74, "\r\n ", 3) == 0 && lines_ok(&b),
	    "continuation lines hold 74 octets after the space");
	buf_reset(&b);
	{
		char wide[300];

		for (i = 0; i < 100; i++)
			memcpy(wide + 3 * i, "\xe2\x82\xac", 3);
		ics_text(&b, "SUMMARY", wide, 300);
		good = lines_ok(&b);
		for (i = 0; i + 2 < b.len; i++)
			if (memcmp(b.data + i, "\r\n ", 3) == 0 &&
			    ((unsigned char)b.data[i + 3] & 0xc0) == 0x80)
				good = 0;
		OK(good, "no fold inside a UTF-8 sequence");
	}
	buf_reset(&b);
	EQI(ics_text(&b, "SUMMARY", "a\xff", 2), -1, "invalid UTF-8 refused");
	EQI(ics_text(&b, "SUMMARY", "\xe2\x82", 2), -1, "truncated refused");
	EQI(ics_raw(&b, "URL", "x\r\nEND:VCALENDAR", 17), -1,
	    "raw value with CRLF refused");
	EQI(b.len, 0, "nothing written on refusal");

	/* a calendar */
	buf_reset(&b);
	EQI(ics_head(&b, "-//DINUM//folio//FR", "Agenda, numérique", TZID), 0,
	    "head");
	{
		const char *h = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
		    "PRODID:-//DINUM//folio//FR\r\nCALSCALE:GREGORIAN\r\n";

		OK(strncmp(b.data, h, strlen(h)) == 0,
		    "head starts as RFC 5545 wants");
	}
	OK(strstr(b.data, "X-WR-CALNAME:Agenda\\, numérique\r\n") != NULL,
	    "calendar name escaped");
	OK(strstr(b.data, "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n") != NULL,
	    "VTIMEZONE present");

	s1 = at(2020, 1, 19, 16, 0, 3600);
	e1 = at(2020, 1, 19, 18, 30, 3600);
	memset(&ev, 0, sizeof(ev));
	ev.uid = S("agenda/2020-01-19-atelier@numerique.gouv.fr");
	ev.stamp = at(2020, 1, 15, 9, 14, 0).secs;
	ev.start = &s1;
	ev.end = &e1;
	ev.summary = S("Atelier : « données, API ; et \\ services »");
	ev.description = S(desc);
	ev.location = S("DINUM, 20 avenue de Ségur; Paris");
	ev.url = S("https://www.numerique.gouv.fr/agenda/atelier/?a=1,2;b");
	c = (struct buf)BUF_INIT;
	EQI(ics_event(&c, &ev, TZID), 0, "timed event");
	OK(strstr(c.data, "\r\nDTSTART;TZID=Europe/Paris:20200119T160000\r\n")
	    != NULL, "DTSTART with TZID");
	OK(strstr(c.data, "\r\nDTEND;TZID=Europe/Paris:20200119T183000\r\n")
	    != NULL, "DTEND with TZID");
	OK(strstr(c.data, "\r\nDTSTAMP:20200115T091400Z\r\n") != NULL,
	    "DTSTAMP in UTC");
	OK(strncmp(c.data, "BEGIN:VEVENT\r\nUID:agenda/2020-01-19-atelier@", 44)
	    == 0, "VEVENT starts with its UID");
	OK(strstr(c.data, "URL:https://www.numerique.gouv.fr/agenda/atelier/"
	    "?a=1,2;b\r\n") != NULL, "URL not escaped");
	buf_add(&b, c.data, c.len);
	{
		struct buf again = BUF_INIT;

		ics_event(&again, &ev, TZID);
		OK(again.len == c.len && memcmp(again.data, c.data, c.len) == 0,
		    "same event, same bytes");
		buf_release(&again);
	}

	s2 = day(2020, 3, 3);
	e2 = day(2020, 3, 5);
	memset(&ev, 0, sizeof(ev));
	ev.uid = S("agenda/semaine");
	ev.stamp = 0;
	ev.start = &s2;
	ev.end = &e2;
	ev.summary = S("Semaine de l’innovation publique");
	buf_reset(&c);
	EQI(ics_event(&c, &ev, TZID), 0, "date-only event");
	OK(strstr(c.data, "\r\nDTSTART;VALUE=DATE:20200303\r\n") != NULL &&
	    strstr(c.data, "\r\nDTEND;VALUE=DATE:20200306\r\n") != NULL,
	    "dates, with DTEND the day after the last");
	buf_add(&b, c.data, c.len);

	s3 = at(2020, 7, 14, 10, 0, 7200);
	memset(&ev, 0, sizeof(ev));
	ev.uid = S("agenda/ete");
	ev.stamp = s3.secs;
	ev.start = &s3;
	ev.summary = S("Summer");
	buf_reset(&c);
	EQI(ics_event(&c, &ev, TZID), 0, "event without an end");
	OK(strstr(c.data, "DTEND") == NULL, "no DTEND without an end");
	buf_add(&b, c.data, c.len);

	s4 = at(2020, 3, 3, 9, 0, 3600);
	e4 = day(2020, 3, 5);
	memset(&ev, 0, sizeof(ev));
	ev.uid = S("agenda/mixed");
	ev.start = &s4;
	ev.end = &e4;
	buf_reset(&c);
	EQI(ics_event(&c, &ev, TZID), 0, "timed start, date-only end");
	OK(strstr(c.data, "\r\nDTEND;TZID=Europe/Paris:20200306T000000\r\n")
	    != NULL, "date-only end closes at the next midnight");
	buf_add(&b, c.data, c.len);
	ics_tail(&b);
	OK(b.len > 15 && strcmp(b.data + b.len - 15, "END:VCALENDAR\r\n") == 0,
	    "tail");
	OK(lines_ok(&b), "every line CRLF-terminated and at most 75 octets");

	/* libical reads it back */
	cal = icalparser_parse_string(b.data);
	OK(cal != NULL && icalcomponent_isa(cal) == ICAL_VCALENDAR_COMPONENT,
	    "libical parses a VCALENDAR");
	if (cal == NULL)
		return T_DONE();
	EQI(lic_errors(cal), 0, "no X-LIC-ERROR anywhere");
	EQI(icalcomponent_count_errors(cal), 0, "libical counts no error");
	EQI(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 4,
	    "four VEVENTs");
	EQI(icalcomponent_count_components(cal, ICAL_VTIMEZONE_COMPONENT), 1,
	    "one VTIMEZONE");
	EQS(icalproperty_get_version(icalcomponent_get_first_property(cal,
	    ICAL_VERSION_PROPERTY)), "2.0", "VERSION");
	ve = find_event(cal, "agenda/2020-01-19-atelier@numerique.gouv.fr");
	OK(ve != NULL, "event found by UID");
	if (ve != NULL) {
		EQS(icalcomponent_get_summary(ve),
		    "Atelier : « données, API ; et \\ services »",
		    "SUMMARY round-trips");
		EQS(icalcomponent_get_description(ve), desc,
		    "folded DESCRIPTION round-trips");
		EQS(icalcomponent_get_location(ve),
		    "DINUM, 20 avenue de Ségur; Paris", "LOCATION round-trips");
		EQS(icalproperty_get_url(icalcomponent_get_first_property(ve,
		    ICAL_URL_PROPERTY)),
		    "https://www.numerique.gouv.fr/agenda/atelier/?a=1,2;b",
		    "URL round-trips");
		it = icalcomponent_get_dtstart(ve);
		OK(it.zone != NULL, "DTSTART zone resolved from the VTIMEZONE");
		EQI(ical_secs(it), s1.secs, "DTSTART instant (winter)");
		EQI(ical_secs(icalcomponent_get_dtend(ve)), e1.secs,
		    "DTEND instant");
		EQI((long long)icaltime_as_timet(icalcomponent_get_dtstamp(ve)),
		    at(2020, 1, 15, 9, 14, 0).secs, "DTSTAMP instant");
	}
	ve = find_event(cal, "agenda/ete");
	OK(ve != NULL && ical_secs(icalcomponent_get_dtstart(ve)) == s3.secs,
	    "DTSTART instant (summer)");
	ve = find_event(cal, "agenda/semaine");
	OK(ve != NULL && icalcomponent_get_dtstart(ve).is_date &&
	    icalcomponent_get_dtend(ve).day == 6, "date values read as dates");

	/* the VTIMEZONE agrees with the system zone over 1996-2040 */
	zone = icalcomponent_get_timezone(cal, TZID);
	OK(zone != NULL, "VTIMEZONE usable");
	good = zone != NULL;
	for (i = 0; good && i < 45 * 365 * 24 / 7; i++) {
		struct vtime v;
		struct tm tm;
		char loc[DATE_ICS_LEN];
		long long got;

		v = at(1996, 4, 1, 0, 0, 0);
		v.secs += (long long)i * 7 * 3600 + (long long)(i % 60) * 60;
		if (date_local(&v, &tm) != 0 || date_ics_local(loc, &v) != 0) {
			good = 0;
			break;
		}
		/* the repeated hour of October cannot name one instant */
		if (tm.tm_mon == 9 && tm.tm_hour == 2 && tm.tm_mday >= 25)
			continue;
		it = icaltime_from_string(loc);
		it = icaltime_set_timezone(&it, zone);
		got = (long long)icaltime_as_timet_with_zone(it, zone);
		if (got != v.secs) {
			printf("# %s: libical %lld, system %lld\n", loc, got,
			    v.secs);
			good = 0;
		}
	}
	OK(good, "VTIMEZONE rules match tzdata, hour by hour");
	icalcomponent_free(cal);

	/* an overseas zone */
	buf_reset(&b);
	EQI(ics_head(&b, "-//x//y//FR", NULL, "Indian/Reunion"), 0,
	    "fixed-offset head");
	ics_tail(&b);
	cal = icalparser_parse_string(b.data);
	OK(cal != NULL && lic_errors(cal) == 0 &&
	    icalcomponent_count_components(cal, ICAL_VTIMEZONE_COMPONENT) == 1,
	    "fixed-offset VTIMEZONE parses");
	if (cal != NULL)
		icalcomponent_free(cal);

	/* refusals leave the output alone */
	buf_reset(&b);
	EQI(ics_head(&b, "p", NULL, "America/New_York"), -1, "unknown zone");
	EQI(ics_head(&b, "\xff", NULL, TZID), -1, "invalid PRODID");
	memset(&ev, 0, sizeof(ev));
	ev.uid = S("u");
	ev.start = &s1;
	e1 = at(2020, 1, 19, 15, 59, 3600);
	ev.end = &e1;
	EQI(ics_event(&b, &ev, TZID), -1, "end before start");
	ev.end = NULL;
	ev.url = S("https://x/a b");
	EQI(ics_event(&b, &ev, TZID), -1, "URL with a space");
	ev.url = S("https://x/\r\nX-EVIL:1");
	EQI(ics_event(&b, &ev, TZID), -1, "URL with CRLF");
	ev.url = S("https://x/");
	ev.summary = S("ok");
	ev.location = S("\xc3");
	EQI(ics_event(&b, &ev, TZID), -1, "invalid LOCATION");
	ev.location = S("x");
	ev.uid = S("");
	EQI(ics_event(&b, &ev, TZID), -1, "empty UID");
	ev.uid = S("u");
	ev.start = NULL;
	EQI(ics_event(&b, &ev, TZID), -1, "no start");
	big.secs = 400000000000LL;
	big.offset = 0;
	big.date_only = 0;
	ev.start = &big;
	EQI(ics_event(&b, &ev, TZID), -1, "start out of range");
	ev.start = &s1;
	ev.stamp = big.secs;
	EQI(ics_event(&b, &ev, TZID), -1, "DTSTAMP out of range");
	ev.stamp = 0;
	e2 = day(2020, 3, 2);
	ev.start = &s2;
	ev.end = &e2;
	EQI(ics_event(&b, &ev, TZID), -1, "date end before date start");
	EQI(ics_event(&b, &ev, "Mars/Olympus"), -1, "event in unknown zone");
	EQI(b.len, 0, "nothing written by refused calls");
	ev.end = &s2;
	EQI(ics_event(&b, &ev, TZID), 0, "one-day date range");
	OK(strstr(b.data, "\r\nDTEND;VALUE=DATE:20200304\r\n") != NULL,
	    "one day ends the next day");
	buf_reset(&b);
	e1 = at(2020, 3, 3, 0, 0, 3600);
	ev.end = &e1;
	EQI(ics_event(&b, &ev, TZID), 0, "date start, midnight end that day");
	OK(strstr(b.data, "DTEND") == NULL, "an empty span has no DTEND");
	buf_reset(&b);
	ev.start = &s1;
	ev.end = &s1;
	EQI(ics_event(&b, &ev, TZID), 0, "end equal to start");
	OK(strstr(b.data, "DTEND") == NULL, "equal end is left out");
	ev.uid = S("ctl\x01\x02");
	buf_reset(&b);
	ics_event(&b, &ev, TZID);
	OK(strstr(b.data, "\r\nUID:ctl\r\n") != NULL, "controls dropped");

	buf_release(&b);
	buf_release(&c);
	return T_DONE();
}
