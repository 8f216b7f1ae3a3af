/*
 * date: the site's dates, in French for people and in the exact forms that
 * JSON-LD, Atom, HTTP and iCalendar want.
 *
 * Times are struct vtime (value.h): UTC seconds, the offset they were written
 * with, and whether only a date was written. "Local" below means the site's
 * time zone, which is the process's TZ: the program's main sets TZ once
 * (setenv + tzset) before calling anything here; this module only reads it
 * (localtime_r, mktime, timegm) and never changes process state.
 *
 * Date-only values: the calendar date is the one that was written, i.e. the
 * UTC date of secs + offset. It is never shifted by the site's time zone,
 * so "2020-01-19" is the 19th whatever TZ says. Its local time is 00:00.
 *
 * Range: years 1 to 9999. Anything outside (or outside time_t) is refused
 * with -1, never printed with a wrong number of digits.
 *
 * Output goes into a caller's struct buf (appended) or a fixed array of the
 * documented size. No static storage: every function is reentrant.
 */
#ifndef FOLIO_DATE_H
#define FOLIO_DATE_H

#include <time.h>

#include "buf.h"
#include "value.h"

/* date_fr_time(): the time is midnight or the value is date-only. */
#define DATE_NO_TIME 1

/* Sizes of the fixed arrays, NUL included. */
#define DATE_HTTP_LEN 30	/* "Sun, 19 Jan 2020 00:00:00 GMT" */
#define DATE_ICS_LEN 17		/* "20200115T091400Z" */

/*
 * Broken-down local time of t (date-only: that date at 00:00, tm_isdst -1).
 * tm_wday and tm_yday are filled in. Returns 0, or -1 when the year is out
 * of range.
 */
int date_local(const struct vtime *t, struct tm *out);

/*
 * "dimanche 19 janvier 2020", "samedi 1er février 2020": weekday, day (1er
 * for the first), month, year, all lower case as French writes them.
 * Appends to out. Returns 0 or -1 (out untouched).
 */
int date_fr_day(struct buf *out, const struct vtime *t);

/*
 * "16 h", "16 h 30", "9 h 05": the local time of day. Appends nothing and
 * returns DATE_NO_TIME when t is date-only or exactly midnight local: a
 * time written as 00:00 is read as "no time given". Returns 0 or -1.
 */
int date_fr_time(struct buf *out, const struct vtime *t);

/*
 * When an event happens, as the agenda shows it. end may be NULL.
 *
 *   one day, a start time     "dimanche 19 janvier 2020 à 16 h"
 *   one day, no time          "samedi 1er février 2020"
 *   one day, two times        "le 5 mars 2020 de 9 h à 17 h 30"
 *   several days, one month   "du 3 au 5 mars 2020"
 *   several days, one year    "du 30 janvier au 2 février 2020"
 *   across a new year         "du 30 décembre 2019 au 2 janvier 2020"
 *
 * A timed end at exactly midnight local ends the day before (an event
 * from the 3rd 00:00 to the 6th 00:00 is "du 3 au 5"). Times are left out
 * of ranges over several days. An end equal to the start counts as no end.
 * Returns 0, or -1 when a date is out of range or end is before start
 * (out untouched).
 */
int date_fr_when(struct buf *out, const struct vtime *start,
    const struct vtime *end);

/*
 * RFC 3339 in the site's time zone with its offset at that instant:
 * "2020-01-19T16:00:00+01:00" (JSON-LD, Atom). A date-only value is its
 * local midnight. Appends to out. Returns 0 or -1.
 */
int date_rfc3339(struct buf *out, const struct vtime *t);

/*
 * RFC 7231 IMF-fixdate of a UTC instant: "Sun, 19 Jan 2020 00:00:00 GMT"
 * into out[DATE_HTTP_LEN]. Returns 0, or -1 (out set to "") out of range.
 */
int date_http(char out[DATE_HTTP_LEN], long long secs);

/*
 * Parses an HTTP date (If-Modified-Since): the three forms RFC 7231 makes
 * recipients accept, IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850
 * "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years 70-99 are 19xx, 00-69
 * 20xx) and asctime "Sun Nov  6 08:49:37 1994". Names are matched without
 * regard to case; surrounding blanks and a trailing "; length=..." (sent by
 * old browsers) are allowed. The weekday must be a real weekday name but is
 * not checked against the date. Fields are range-checked (no 30 February,
 * second 60 allowed for a leap second). p need not be NUL-terminated.
 * Returns 0 with *secs set, or -1 for anything else.
 */
int date_http_parse(const char *p, size_t len, long long *secs);

/*
 * iCalendar forms into out[DATE_ICS_LEN]:
 * date_ics_local(): local time "20200119T160000" (for DTSTART;TZID=...),
 *   or "20200119" for a date-only value (for VALUE=DATE);
 * date_ics_utc(): UTC "20200115T091400Z" (for DTSTAMP).
 * Return 0, or -1 (out set to "") out of range.
 */
int date_ics_local(char out[DATE_ICS_LEN], const struct vtime *t);
int date_ics_utc(char out[DATE_ICS_LEN], long long secs);

/*
 * The date-only value for the calendar day n days after t's date (n may be
 * negative). Used for iCalendar's exclusive DTEND. Returns 0 or -1.
 */
int date_add_days(struct vtime *out, const struct vtime *t, int n);

#endif
