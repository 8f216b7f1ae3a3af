/*
 * ics: an RFC 5545 (iCalendar) writer for the agenda.
 *
 * A calendar is written in three pieces so that the worker can assemble
 * one at request time from stored bytes:
 *
 *   ics_head()    BEGIN:VCALENDAR, VERSION, PRODID, CALSCALE, METHOD,
 *                 optional X-WR-CALNAME, and the VTIMEZONE of the site
 *   ics_event()   one VEVENT, self-contained, any number of them
 *   ics_tail()    END:VCALENDAR
 *
 * Every line ends with CRLF and is folded at 75 octets (CRLF + one space,
 * RFC 5545 3.1), never inside a UTF-8 sequence. TEXT values are escaped
 * (backslash, ";", "," and newlines as "\n"; other control characters but
 * TAB are dropped, since TEXT cannot hold them). Output is deterministic:
 * no clock is read, the caller gives DTSTAMP.
 *
 * Time zones: DTSTART/DTEND are written as local times with TZID, taken
 * from the process's TZ (see date.h), so tzid must name the zone TZ is set
 * to. ics_head() knows the VTIMEZONE of Europe/Paris and of the zones that
 * share its rules since 1996 (Europe/Brussels, Europe/Luxembourg,
 * Europe/Monaco, Europe/Berlin, Europe/Madrid, Europe/Rome,
 * Europe/Amsterdam, Europe/Zurich), and of the French overseas zones,
 * which have no summer time (America/Guadeloupe, America/Martinique,
 * America/Cayenne, Indian/Reunion, Indian/Mayotte, Pacific/Noumea,
 * Pacific/Tahiti, America/Miquelon, Pacific/Wallis). ics_tz_known() says
 * whether a zone is one of them.
 */
#ifndef FOLIO_ICS_H
#define FOLIO_ICS_H

#include "buf.h"
#include "value.h"

/* Borrowed views; a NULL p leaves the property out. */
struct ics_event {
	struct str uid;		/* required, e.g. "agenda/2020-01-19-x@host" */
	long long stamp;	/* DTSTAMP, UTC seconds (e.g. last change) */
	const struct vtime *start;	/* required */
	const struct vtime *end;	/* may be NULL */
	struct str summary;
	struct str description;	/* plain text; newlines kept as \n */
	struct str location;
	struct str url;		/* a URI: written as it is, not escaped */
};

/* 1 when ics_head() has a VTIMEZONE for tzid, else 0. */
int ics_tz_known(const char *tzid);

/*
 * Appends the calendar head. prodid is the PRODID value (e.g.
 * "-//DINUM//folio 0.1//FR"); calname, which may be NULL, becomes
 * X-WR-CALNAME. Returns 0, or -1 when tzid is not known or a value is
 * not valid UTF-8 (out untouched).
 */
int ics_head(struct buf *out, const char *prodid, const char *calname,
    const char *tzid);

/*
 * Appends one VEVENT. A date-only start gives DTSTART;VALUE=DATE and the
 * end, if any, DTEND;VALUE=DATE on the day after it (DTEND is exclusive);
 * a timed end is then rounded to its day. A timed start gives
 * DTSTART;TZID=tzid and DTEND;TZID=tzid; a date-only end is then the
 * midnight that closes that day. No end: no DTEND (RFC 5545: one day for a
 * date, an instant for a time).
 * Returns 0, or -1 (out untouched) when uid or start is missing, a date
 * is out of range, the end is before the start, a text is not valid
 * UTF-8, or the URL holds control characters or spaces.
 */
int ics_event(struct buf *out, const struct ics_event *ev, const char *tzid);

/* Appends END:VCALENDAR. */
void ics_tail(struct buf *out);

/*
 * The building blocks, for other components: append the line
 * "name:value" with value escaped as TEXT (ics_text) or as it is
 * (ics_raw), folded. name may carry parameters ("DTSTART;VALUE=DATE").
 * Return 0, or -1 when value is not valid UTF-8, or for ics_raw() holds
 * a control character other than TAB (out untouched).
 */
int ics_text(struct buf *out, const char *name, const char *value,
    size_t len);
int ics_raw(struct buf *out, const char *name, const char *value, size_t len);

#endif
