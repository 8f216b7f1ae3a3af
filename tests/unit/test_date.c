#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "date.h"
#include "t.h"
#include "t_time.h"


static const char *
when(struct buf *b, struct vtime s, const struct vtime *e)
{
	buf_reset(b);
	if (date_fr_when(b, &s, e) != 0)
		return "(error)";
	return buf_cstr(b);
}

static const char *
rfc(struct buf *b, struct vtime t)
{
	buf_reset(b);
	if (date_rfc3339(b, &t) != 0)
		return "(error)";
	return buf_cstr(b);
}

static int
parse(const char *s, long long *v)
{
	return date_http_parse(s, strlen(s), v);
}

int
main(void)
{
	struct buf b = BUF_INIT;
	struct vtime t, e, big;
	struct tm tm;
	char h[DATE_HTTP_LEN], ics[DATE_ICS_LEN];
	long long v;
	static const char *const bad[] = {
		"", " ", "garbage", "Sun, 19 Jan 2020 00:00:00",
		"Sun, 19 Jan 2020 00:00:00 PST", "Sun, 19 Jan 20 00:00:00 GMT",
		"Sun, 19 Foo 2020 00:00:00 GMT", "Xyz, 19 Jan 2020 00:00:00 GMT",
		"Sun, 30 Feb 2020 00:00:00 GMT", "Sun, 29 Feb 2019 00:00:00 GMT",
		"Sun, 00 Jan 2020 00:00:00 GMT", "Sun, 19 Jan 2020 24:00:00 GMT",
		"Sun, 19 Jan 2020 23:60:00 GMT", "Sun, 19 Jan 2020 23:59:61 GMT",
		"Sun, 19 Jan 2020 0:00:00 GMT", "Sun, 19 Jan 02020 00:00:00 GMT",
		"Sun, 19 Jan 2020 00:00:00 GMTx", "Sun, 19 Jan 2020 00:00:00 GMT x",
		"Sun, 19 Jan 0000 00:00:00 GMT", "Sun, 123 Jan 2020 00:00:00 GMT",
		"Sunday, 19-Jan-202 00:00:00 GMT", "Sunday 19-Jan-20 00:00:00 GMT",
		"Sun Jan 19 00:00:00 20", "Sun Jan 19 00:00:00 2020 GMT",
		"Sun, -1 Jan 2020 00:00:00 GMT", "Sun, 19 Jan 2020 00:00:0 GMT",
		"Sun,19Jan2020 00:00:00 GMT", "99999999999999999999999",
	};
	size_t i;
	int rc;

	setenv("TZ", "Europe/Paris", 1);
	tzset();

	/* date_local */
	t = at(2020, 1, 19, 16, 0, 3600);
	OK(date_local(&t, &tm) == 0 && tm.tm_hour == 16 && tm.tm_mday == 19 &&
	    tm.tm_wday == 0, "local time of a value written in Paris time");
	t = at(2020, 1, 19, 15, 0, 0);
	OK(date_local(&t, &tm) == 0 && tm.tm_hour == 16,
	    "a value written in UTC is shown in Paris time");
	t = at(2020, 7, 1, 22, 30, 0);
	OK(date_local(&t, &tm) == 0 && tm.tm_hour == 0 && tm.tm_mday == 2 &&
	    tm.tm_min == 30, "summer time moves past midnight");
	t = day(2020, 1, 19);
	t.secs -= 3600;
	t.offset = 3600;
	OK(date_local(&t, &tm) == 0 && tm.tm_mday == 19 && tm.tm_hour == 0 &&
	    tm.tm_wday == 0, "a date-only value keeps its written date");
	big.secs = 300000000000LL;
	big.offset = 0;
	big.date_only = 0;
	OK(date_local(&big, &tm) == -1, "year 11000 refused");
	big.secs = -70000000000LL;
	OK(date_local(&big, &tm) == -1, "year before 1 refused");
	big.secs = 0x7fffffffffffffffLL;
	OK(date_local(&big, &tm) == -1, "largest value refused");
	big.secs = -0x7fffffffffffffffLL - 1;
	OK(date_local(&big, &tm) == -1, "smallest value refused");
	big = day(2020, 1, 1);
	big.offset = 1000000;
	OK(date_local(&big, &tm) == -1, "absurd offset refused");

	/* date_fr_day, date_fr_time */
	t = day(2020, 1, 19);
	rc = date_fr_day(&b, &t);
	EQI(rc, 0, "fr day");
	EQS(buf_cstr(&b), "dimanche 19 janvier 2020", "dimanche 19 janvier");
	buf_reset(&b);
	t = day(2020, 2, 1);
	date_fr_day(&b, &t);
	EQS(buf_cstr(&b), "samedi 1er février 2020", "1er of the month");
	buf_reset(&b);
	t = at(2021, 8, 15, 10, 0, 7200);
	date_fr_day(&b, &t);
	EQS(buf_cstr(&b), "dimanche 15 août 2021", "août with its accent");
	buf_reset(&b);
	t = at(2020, 1, 19, 16, 0, 3600);
	EQI(date_fr_time(&b, &t), 0, "time present");
	EQS(buf_cstr(&b), "16 h", "whole hour");
	buf_reset(&b);
	t = at(2020, 1, 19, 16, 30, 3600);
	date_fr_time(&b, &t);
	EQS(buf_cstr(&b), "16 h 30", "hour and minutes");
	buf_reset(&b);
	t = at(2020, 1, 19, 9, 5, 3600);
	date_fr_time(&b, &t);
	EQS(buf_cstr(&b), "9 h 05", "minutes on two digits, hour on one");
	buf_reset(&b);
	t = at(2020, 1, 19, 0, 0, 3600);
	EQI(date_fr_time(&b, &t), DATE_NO_TIME, "midnight local is no time");
	EQI(b.len, 0, "nothing written for midnight");
	t = day(2020, 1, 19);
	EQI(date_fr_time(&b, &t), DATE_NO_TIME, "date-only is no time");
	t = at(2020, 1, 19, 0, 0, 0);
	EQI(date_fr_time(&b, &t), 0, "midnight UTC is 1 h in Paris");

	/* date_fr_when */
	EQS(when(&b, day(2020, 1, 19), NULL), "dimanche 19 janvier 2020",
	    "single day");
	EQS(when(&b, at(2020, 1, 19, 16, 0, 3600), NULL),
	    "dimanche 19 janvier 2020 à 16 h", "single day with a time");
	EQS(when(&b, at(2020, 2, 1, 16, 30, 3600), NULL),
	    "samedi 1er février 2020 à 16 h 30", "1er with a time");
	e = at(2020, 3, 5, 17, 0, 3600);
	EQS(when(&b, at(2020, 3, 5, 9, 0, 3600), &e),
	    "le 5 mars 2020 de 9 h à 17 h", "same day, two times");
	e = at(2020, 3, 5, 9, 0, 3600);
	EQS(when(&b, at(2020, 3, 5, 9, 0, 3600), &e),
	    "jeudi 5 mars 2020 à 9 h", "end equal to start is no end");
	e = day(2020, 3, 5);
	EQS(when(&b, day(2020, 3, 3), &e), "du 3 au 5 mars 2020",
	    "range within a month");
	e = day(2020, 3, 3);
	EQS(when(&b, day(2020, 3, 1), &e), "du 1er au 3 mars 2020",
	    "range from the 1st");
	e = day(2020, 2, 2);
	EQS(when(&b, day(2020, 1, 30), &e), "du 30 janvier au 2 février 2020",
	    "range across months");
	e = day(2020, 1, 2);
	EQS(when(&b, day(2019, 12, 30), &e),
	    "du 30 décembre 2019 au 2 janvier 2020", "range across years");
	e = at(2020, 3, 5, 18, 0, 3600);
	EQS(when(&b, at(2020, 3, 3, 9, 0, 3600), &e), "du 3 au 5 mars 2020",
	    "times left out of multi-day ranges");
	e = at(2020, 3, 6, 0, 0, 3600);
	EQS(when(&b, at(2020, 3, 3, 0, 0, 3600), &e), "du 3 au 5 mars 2020",
	    "a midnight end closes the day before");
	e = at(2020, 3, 1, 0, 0, 3600);
	EQS(when(&b, at(2020, 2, 28, 0, 0, 3600), &e),
	    "du 28 au 29 février 2020", "midnight end in a leap year");
	e = at(2020, 3, 6, 0, 0, 3600);
	EQS(when(&b, at(2020, 3, 5, 20, 0, 3600), &e),
	    "jeudi 5 mars 2020 à 20 h", "evening until midnight is one day");
	e = day(2020, 3, 5);
	EQS(when(&b, at(2020, 3, 5, 9, 0, 3600), &e),
	    "jeudi 5 mars 2020 à 9 h", "timed start, date-only end");
	buf_reset(&b);
	t = at(2020, 3, 5, 9, 0, 3600);
	e = at(2020, 3, 5, 8, 0, 3600);
	EQI(date_fr_when(&b, &t, &e), -1, "end before start refused");
	e = day(2020, 3, 4);
	EQI(date_fr_when(&b, &t, &e), -1, "end day before start refused");
	EQI(b.len, 0, "nothing written on error");

	/* RFC 3339 */
	EQS(rfc(&b, day(2020, 1, 19)), "2020-01-19T00:00:00+01:00",
	    "date-only in winter");
	EQS(rfc(&b, day(2020, 7, 14)), "2020-07-14T00:00:00+02:00",
	    "date-only in summer");
	EQS(rfc(&b, at(2020, 1, 15, 9, 14, 0)), "2020-01-15T10:14:00+01:00",
	    "UTC value in Paris time");
	EQS(rfc(&b, at(2020, 3, 29, 1, 59, 0)), "2020-03-29T03:59:00+02:00",
	    "just after the spring change");
	EQS(rfc(&b, at(2020, 10, 25, 0, 30, 0)), "2020-10-25T02:30:00+02:00",
	    "first 2:30 of the autumn change");
	EQS(rfc(&b, at(2020, 10, 25, 1, 30, 0)), "2020-10-25T02:30:00+01:00",
	    "second 2:30 of the autumn change");
	EQS(rfc(&b, big), "(error)", "rfc3339 refuses out of range");

	/* HTTP dates */
	t = day(2020, 1, 19);
	OK(date_http(h, t.secs) == 0, "http date");
	EQS(h, "Sun, 19 Jan 2020 00:00:00 GMT", "IMF-fixdate");
	EQI(strlen(h), DATE_HTTP_LEN - 1, "fills the array exactly");
	date_http(h, 0);
	EQS(h, "Thu, 01 Jan 1970 00:00:00 GMT", "the epoch");
	date_http(h, 253402300799LL);
	EQS(h, "Fri, 31 Dec 9999 23:59:59 GMT", "last second of year 9999");
	EQI(date_http(h, 253402300800LL), -1, "year 10000 refused");
	EQS(h, "", "refused leaves an empty string");
	EQI(date_http(h, -62135596801LL), -1, "year 0 refused");

	rc = parse("Sun, 19 Jan 2020 00:00:00 GMT", &v);
	OK(rc == 0 && v == t.secs, "parses IMF-fixdate");
	rc = parse("Sun, 06 Nov 1994 08:49:37 GMT", &v);
	OK(rc == 0 && v == 784111777, "parses the RFC example");
	rc = parse("Sunday, 06-Nov-94 08:49:37 GMT", &v);
	OK(rc == 0 && v == 784111777, "parses RFC 850");
	rc = parse("Sun Nov  6 08:49:37 1994", &v);
	OK(rc == 0 && v == 784111777, "parses asctime");
	rc = parse("Thursday, 01-Jan-04 00:00:00 GMT", &v);
	OK(rc == 0 && v == 1072915200, "RFC 850 year 04 is 2004");
	rc = parse("  sun, 06 NOV 1994 08:49:37 gmt ; length=1234", &v);
	OK(rc == 0 && v == 784111777, "case, blanks and length= tolerated");
	rc = parse("Mon, 06 Nov 1994 08:49:37 GMT", &v);
	OK(rc == 0 && v == 784111777, "a wrong weekday is tolerated");
	rc = parse("Sat, 29 Feb 2020 12:00:00 GMT", &v);
	OK(rc == 0 && v == 1582977600, "29 February of a leap year");
	rc = parse("Sat, 31 Dec 2016 23:59:60 GMT", &v);
	OK(rc == 0 && v == 1483228800, "leap second accepted");
	rc = parse("Fri, 31 Dec 9999 23:59:59 GMT", &v);
	OK(rc == 0 && v == 253402300799LL, "year 9999");
	rc = parse("Mon, 01 Jan 0001 00:00:00 GMT", &v);
	OK(rc == 0 && v == -62135596800LL, "year 1");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		EQI(parse(bad[i], &v), -1, "refuses \"%s\"", bad[i]);
	}
	OK(v == 42, "refusal leaves the result alone");
	EQI(date_http_parse("Sun, 19 Jan 2020 00:00:00 GMT", 20, &v), -1,
	    "the length is honoured");
	EQI(date_http_parse(NULL, 0, &v), -1, "NULL refused");
	{
		char nul[] = "Sun, 19 Jan 2020\0 00:00:00 GMT";

		EQI(date_http_parse(nul, sizeof(nul) - 1, &v), -1,
		    "embedded NUL refused");
	}
	/* round trip over a range of instants */
	{
		long long s;
		int good = 1;

		for (s = -2000000000LL; s < 4000000000LL; s += 7777777) {
			if (date_http(h, s) != 0 || parse(h, &v) != 0 || v != s)
				good = 0;
		}
		OK(good, "format then parse gives the same instant");
	}

	/* iCalendar */
	t = at(2020, 1, 19, 0, 0, 3600);
	OK(date_ics_local(ics, &t) == 0, "ics local");
	EQS(ics, "20200119T000000", "local form");
	t = day(2020, 1, 19);
	date_ics_local(ics, &t);
	EQS(ics, "20200119", "date form");
	t = at(2020, 1, 15, 9, 14, 0);
	OK(date_ics_utc(ics, t.secs) == 0, "ics utc");
	EQS(ics, "20200115T091400Z", "UTC form");
	EQI(strlen(ics), DATE_ICS_LEN - 1, "UTC form fills the array");
	EQI(date_ics_utc(ics, 253402300800LL), -1, "ics refuses year 10000");
	EQI(date_ics_local(ics, &big), -1, "ics local refuses out of range");

	/* date_add_days */
	t = day(2020, 2, 28);
	OK(date_add_days(&e, &t, 1) == 0 && date_ics_local(ics, &e) == 0,
	    "add a day");
	EQS(ics, "20200229", "to 29 February");
	t = day(2019, 12, 31);
	date_add_days(&e, &t, 1);
	date_ics_local(ics, &e);
	EQS(ics, "20200101", "across a new year");
	t = at(2020, 3, 1, 0, 30, 3600);
	date_add_days(&e, &t, -1);
	date_ics_local(ics, &e);
	EQS(ics, "20200229", "backwards from a timed value");
	t = day(9999, 12, 31);
	EQI(date_add_days(&e, &t, 1), -1, "past year 9999 refused");

	buf_release(&b);
	return T_DONE();
}
