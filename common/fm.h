/*
 * fm: front matter. Splits a Jekyll document into its YAML front matter and
 * its body, and reads YAML (front matter, _config.yml) into a value tree the
 * way Jekyll's Ruby (Psych, YAML 1.1) reads it.
 *
 * Splitting follows Jekyll: the first line is "---" (trailing blanks
 * allowed), the front matter ends at the first later line that is "---" or
 * "..." (trailing blanks allowed). A UTF-8 byte order mark is skipped; CRLF
 * line ends are accepted everywhere; a missing final newline is fine. A file
 * whose first line is not "---" has no front matter: it is all body.
 *
 * Scalars resolve as Psych does:
 *   - quoted and block scalars (|, >) are always strings;
 *   - plain "", "~", "null" (any case) are null; "true", "yes", "on" and
 *     "false", "no", "off" (any case) are booleans;
 *   - integers: decimal, 0x hex, 0b binary, leading-0 octal, with "_" and
 *     "," ignored ("1,000" is 1000), and YAML 1.1 base 60 ("1:30" is 90);
 *     "0o17" is a string, as in Psych;
 *   - floats need a dot ("1.5", "1.5e+3", "1."), or are .inf, -.inf, .nan;
 *   - timestamps "YYYY-MM-DD[Tt ]HH:MM:SS[.frac][ ][Z|+HH[:MM]]" become
 *     VAL_TIME with the offset as written (none means UTC, offset 0; Psych
 *     reads those as local time of TZ=UTC). Fractional seconds are dropped.
 *     Out-of-range fields leave the scalar a string; a day past the end of
 *     its month rolls over (2023-02-30 10:00:00 is 2023-03-02), as Ruby's
 *     Time does;
 *   - "YYYY-MM-DD" that is a real date becomes a date-only VAL_TIME at
 *     00:00 UTC; "2024-02-30" or "2024-13-45" stay strings;
 *   - ":sym" stays the string ":sym";
 *   - everything else is a string.
 * Mapping keys are strings: a key that resolves to another type is written
 * as Ruby's to_s would (1 -> "1", true -> "true", null -> "", a date
 * "2020-01-02", a time "2020-01-02 10:00:00 +0100"). Collections as keys are
 * refused. Merge keys ("<<: *base") are honoured as Psych does.
 *
 * Tags: !!str, !!int, !!float, !!bool, !!null, !!timestamp, !!map, !!seq
 * and the non-specific "!" are accepted (!!str forces a string, !!float a
 * float; the others resolve as untagged, as Psych does); other local tags
 * (!foo) are ignored; !!binary, !!set, !!omap, !!pairs and !ruby/... are
 * refused with an error.
 *
 * Refused with an error (line and column of the culprit, 1-based, counted
 * in the original file, columns in characters): invalid UTF-8 (position of
 * the bad byte), NUL bytes, syntax errors, tabs used as indentation,
 * duplicate keys (the message names the first key's line), a top level
 * that is a sequence or a scalar (null is an empty map), several YAML
 * documents, integers beyond 64 bits, nesting deeper than FM_MAX_DEPTH,
 * more than FM_MAX_ANCHORS anchors, a document over FM_MAX_NODES nodes
 * (aliases are expanded and count with their whole subtree, so an alias
 * bomb stops early), an unknown alias, an unclosed front matter.
 */
#ifndef FOLIO_FM_H
#define FOLIO_FM_H

#include <stddef.h>

#include "buf.h"
#include "log.h"
#include "value.h"

#define FM_MAX_FILE	(1024 * 1024)	/* bytes in one document */
#define FM_MAX_DEPTH	64		/* nested collections */
#define FM_MAX_NODES	250000		/* values, alias copies included */
#define FM_MAX_ANCHORS	256		/* anchors in one YAML text */

/* fm_split's answer when the text has no front matter. */
#define FM_NONE		1

struct fm_doc {
	struct value *fm;	/* VAL_MAP, empty when no front matter */
	struct buf body;	/* the rest, line ends made LF */
	unsigned body_line;	/* line of the file where body starts */
	int has_fm;		/* the file opened with "---" */
};

/* An empty doc, safe to release. */
void fm_doc_init(struct fm_doc *doc);
/* Frees what the doc holds; it is then as after fm_doc_init. */
void fm_doc_release(struct fm_doc *doc);

/*
 * Finds the front matter in text (len bytes, no NUL needed). On 0, *yaml is
 * the text between the two marker lines and *yaml_line the file line it
 * starts on, *body what follows the closing line and *body_line its line.
 * Returns FM_NONE when the text does not start with "---" (the whole text,
 * BOM skipped, is *body; *yaml is empty), -1 with e set when the front
 * matter is never closed. The views point into text.
 */
int fm_split(const char *text, size_t len, struct str *yaml,
    unsigned *yaml_line, struct str *body, unsigned *body_line,
    struct ferr *e);

/*
 * Parses a whole document (a file's bytes). Checks the size limit, UTF-8
 * and NUL bytes of the whole text, splits it, parses the front matter.
 * doc must have been initialised; on success it holds the result (release
 * it), on -1 it is left empty and e says what and where.
 */
int fm_parse_doc(const char *text, size_t len, struct fm_doc *doc,
    struct ferr *e);

/*
 * Parses YAML text (len bytes) whose first line is line first_line of its
 * file. On 0, *out is a new VAL_MAP the caller frees with value_free() (an
 * empty text or a null document gives an empty map). On -1, *out is NULL
 * and e is set.
 */
int fm_parse_yaml(const char *text, size_t len, unsigned first_line,
    struct value **out, struct ferr *e);

/*
 * Checks that p (len bytes) is UTF-8 without NUL bytes. Returns 0, or -1
 * with e at the bad byte (lines counted from first_line).
 */
int fm_check_text(const char *p, size_t len, unsigned first_line,
    struct ferr *e);

/*
 * Resolves a plain (unquoted, untagged) scalar as Psych does, into a new
 * node at line/col. Returns it, or NULL with e set (an integer beyond 64
 * bits).
 */
struct value *fm_resolve_plain(const char *p, size_t len, unsigned line,
    unsigned col, struct ferr *e);

#endif
