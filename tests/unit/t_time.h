/*
 * t_time.h: times for the unit tests of dates and calendars, written as a
 * person would: a wall-clock time with its UTC offset, or a date alone.
 */
#ifndef FOLIO_T_TIME_H
#define FOLIO_T_TIME_H

#include <string.h>
#include <time.h>

#include "value.h"

/* A timed value: the UTC instant of a wall-clock time at offset off. */
static struct vtime
at(int y, int mo, int d, int h, int mi, int off)
{
	struct tm tm;
	struct vtime t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	t.secs = (long long)timegm(&tm) - off;
	t.offset = off;
	t.date_only = 0;
	return t;
}

/* A date-only value as the front matter parser stores it. */
static struct vtime
day(int y, int mo, int d)
{
	struct vtime t = at(y, mo, d, 0, 0, 0);

	t.date_only = 1;
	return t;
}

#endif
