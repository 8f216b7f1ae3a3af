/*
 * icalcheck FILE: parses an iCalendar file with libical and prints one line
 * per VEVENT ("UID<TAB>SUMMARY<TAB>DTSTART as UTC"). Exit 1 when libical
 * reports an error (X-LIC-ERROR properties) or finds no VCALENDAR.
 */
#include <libical/ical.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"

/* Prints libical's X-LIC-ERROR properties of c; 1 when there are any. */
static int
errors_of(icalcomponent *c, const char *path)
{
	icalproperty *p;
	int bad = 0;

	for (p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
		fprintf(stderr, "%s: %s\n", path, icalproperty_get_xlicerror(p));
		bad = 1;
	}
	return bad;
}

int
main(int argc, char **argv)
{
	struct buf text = BUF_INIT;
	icalcomponent *cal, *ev;
	char err[256];
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: icalcheck FILE\n");
		return 2;
	}
	if (buf_read_file(&text, argv[1], 64u << 20, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", argv[1], err);
		return 2;
	}
	cal = icalparser_parse_string(buf_cstr(&text));
	if (cal == NULL || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
		fprintf(stderr, "%s: no VCALENDAR\n", argv[1]);
		return 1;
	}
	bad = errors_of(cal, argv[1]);
	for (ev = icalcomponent_get_first_component(cal,
	    ICAL_ANY_COMPONENT); ev != NULL;
	    ev = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
		bad |= errors_of(ev, argv[1]);
		if (icalcomponent_isa(ev) != ICAL_VEVENT_COMPONENT)
			continue;
		printf("%s\t%s\t%ld\n", icalcomponent_get_uid(ev) ?
		    icalcomponent_get_uid(ev) : "", icalcomponent_get_summary(ev)
		    ? icalcomponent_get_summary(ev) : "",
		    (long)icaltime_as_timet_with_zone(
		    icalcomponent_get_dtstart(ev),
		    icaltimezone_get_utc_timezone()));
	}
	icalcomponent_free(cal);
	buf_release(&text);
	return bad;
}
