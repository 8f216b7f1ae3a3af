/*
 * json: value trees written as JSON (RFC 8259), the way Jekyll's Ruby
 * writes them: timestamps as ISO 8601 with their offset
 * ("2020-01-15T10:14:00+01:00"), date-only values as "2020-01-15", floats
 * as Ruby prints them ("1.0", "1.0e+20"). Infinity and NaN, which JSON
 * cannot hold, are written as null.
 *
 * All output is appended to a caller's buffer; nothing else is allocated
 * that outlives a call.
 */
#ifndef FOLIO_JSON_H
#define FOLIO_JSON_H

#include <stddef.h>

#include "buf.h"
#include "value.h"

/*
 * Appends v as JSON. pretty: two-space indentation and "key": value as
 * Ruby's JSON.pretty_generate lays it out; otherwise compact. A NULL v is
 * written as null.
 */
void json_write(struct buf *out, const struct value *v, int pretty);

/*
 * Appends p (len bytes of UTF-8) as a JSON string body, without the
 * quotes: '"' and '\\' escaped, control characters as \n, \t, ... or
 * \u00XX; everything else copied.
 */
void json_escape(struct buf *out, const char *p, size_t len);

/* Appends d as Ruby's Float#to_s writes it ("1.5", "100.0", "1.0e+20"). */
void json_write_double(struct buf *out, double d);

/*
 * Appends the time t as ISO 8601: "YYYY-MM-DDTHH:MM:SS+HH:MM" in its own
 * offset, or "YYYY-MM-DD" when date_only.
 */
void json_write_time(struct buf *out, const struct vtime *t);

/*
 * Splits secs (seconds since the epoch, already shifted by any offset)
 * into a proleptic Gregorian civil date and time of day.
 */
void json_civil(long long secs, long long *y, int *mo, int *d, int *h,
    int *mi, int *s);

/* Days since 1970-01-01 of a proleptic Gregorian date; d may pass the
 * end of its month and rolls over. */
long long json_days_from_civil(long long y, int m, int d);

#endif
