/*
 * permalink: Jekyll's URL rules. Slugs from file names (Utils.slugify),
 * permalink templates with their placeholders (Jekyll::URL and
 * Drops::UrlDrop), and the YYYY-MM-DD- prefix of dated file names.
 *
 * Nothing here reads a clock or a time zone: date parts come from the
 * caller, already broken down in the site's time zone.
 */
#ifndef FOLIO_PERMALINK_H
#define FOLIO_PERMALINK_H

#include <stddef.h>

#include "buf.h"
#include "log.h"

#define PERMALINK_MAX	511	/* bytes in an expanded URL */

/* permalink_filename_date's answer when the name has no date prefix. */
#define PERMALINK_NODATE 1

enum permalink_slug_mode {
	PERMALINK_SLUG_DEFAULT,	/* letters, marks, digits; lower-cased */
	PERMALINK_SLUG_PRETTY,	/* also ._~!$&'()+,;=@ */
	PERMALINK_SLUG_RAW	/* only runs of white space become "-" */
};

/*
 * Appends Jekyll's slug of name (len bytes of UTF-8): every run of
 * characters the mode does not keep becomes one "-", a leading and a
 * trailing "-" are dropped, and unless cased the result is lower-cased
 * (full Unicode lower case). Letters (L*), marks (M*) and decimal digits
 * (Nd) are Unicode categories. Invalid UTF-8 bytes count as characters not
 * kept.
 */
void permalink_slugify(struct buf *out, const char *name, size_t len,
    enum permalink_slug_mode mode, int cased);

/* Jekyll's :title from a file name without extension: the pretty slug,
 * case kept. */
void permalink_title_slug(struct buf *out, const char *name, size_t len);

/*
 * What a template's placeholders stand for. Strings are borrowed views;
 * a missing one is { NULL, 0 }.
 */
struct permalink_vars {
	struct str slug_src;	/* front matter "slug", else the file name
				   without extension and date prefix: gives
				   :title (pretty, cased) and :slug */
	struct str name;	/* file name without extension: :name */
	struct str path;	/* path inside the collection without the
				   extension, "/formation/design": :path */
	struct str collection;	/* collection label: :collection */
	const struct str *categories;	/* :categories, lower-cased, */
	size_t ncategories;		/* duplicates dropped, "/"-joined */
	struct str output_ext;	/* ".html": :output_ext */
	int has_date;		/* the date fields below are set */
	int year, month, day;	/* local to the site's time zone */
	int hour, minute, second;
	int yday;		/* day of the year, 1-366: :y_day */
};

/*
 * Expands pattern (a NUL-terminated template such as
 * "/:collection/:year/:month/:title/", or one of the styles "pretty",
 * "date", "ordinal", "none") into out, which is reset first.
 *
 * Placeholders: :title :slug :name :path :collection :categories :year
 * :month :day :i_month :i_day :short_year :y_day :hour :minute :second
 * :output_ext. A placeholder name runs over [a-z_]; a name ending in "_"
 * that is not known is tried without that "_" (":title_" is ":title"
 * then "_"), as Jekyll does. Values are percent-encoded as Jekyll's
 * URL.escape_path does (everything but a-zA-Z0-9-._~!$&'()*+,;=:@/).
 *
 * The result starts with "/", has runs of "/" collapsed and "."
 * segments removed. Returns 0, or -1 with e set (line 0, no position) for
 * an unknown placeholder, a date placeholder without a date, a ".."
 * segment, CR, LF or NUL in a value, or a result over PERMALINK_MAX bytes.
 */
int permalink_expand(struct buf *out, const char *pattern,
    const struct permalink_vars *vars, struct ferr *e);

/*
 * Reads the "YYYY-MM-DD-" prefix of a file name (name, len bytes; month
 * and day may have one digit, as Jekyll allows). Returns 0 with the date
 * in *y, *m, *d and *rest the offset just past the prefix' last "-";
 * PERMALINK_NODATE when there is no such prefix; -1 when the prefix is
 * there but is not a real date (2024-02-30), which Jekyll refuses.
 */
int permalink_filename_date(const char *name, size_t len, int *y, int *m,
    int *d, size_t *rest);

#endif
