/*
 * typo: French typography on finished HTML.
 *
 * French puts a non-breaking space before the high punctuation ":", ";",
 * "!", "?" and the closing guillemet "»", and after the opening guillemet
 * "«". typo_fr() makes that so in the text of an HTML fragment or page:
 * an ordinary space (or run of spaces, tabs, newlines) there becomes one
 * no-break space, and one is inserted where the author typed none
 * ("Note: oui" -> "Note : oui", "«oui»" -> "« oui »").
 *
 * The space is U+00A0 (NO-BREAK SPACE, written as UTF-8) in every case.
 * The site's content has always been written with ordinary spaces and
 * "&nbsp;" before these signs, never with the narrow U+202F, and U+00A0
 * renders the same in every font and screen reader; so one character,
 * the one authors already use, is kept. A U+202F, U+2009, U+2007 or an
 * "&nbsp;", "&#160;", "&#xa0;", "&#8239;", "&#x202f;" already in place is
 * accepted as the space and left as it is.
 *
 * Left alone:
 *  - tags, attribute values, comments, <!DOCTYPE>, <?...?>, CDATA;
 *  - the content of <pre>, <code>, <kbd>, <samp>, <script>, <style>,
 *    <textarea>;
 *  - URLs in text (http://, https://, ftp://, mailto:, www.), except
 *    punctuation right after them ("voir https://x.fr!" -> "... !");
 *  - ":" and ";" not followed by a space, a tag, "»" or the end: times
 *    ("16:30"), ratios, "::", emoticons (":)", ";-)", ":D");
 *  - "!" and "?" followed by a letter, a digit, "=", "/" or "_", and
 *    any sign after an opening bracket, a quote, a dash, another of
 *    ": ; ! ?" ("?!" gets one space, before the "?"), or at the start of
 *    a block;
 *  - character references other than the ones above (the ";" of "&amp;"
 *    is not punctuation). "&laquo;" and "&raquo;" count as guillemets.
 *
 * A space is only replaced inside the same run of text (never across a
 * tag); the previous character is followed across inline tags (a, em,
 * strong, span, ...) so that "<strong>Note</strong>:" gets its space,
 * and forgotten at any other tag.
 *
 * The transformation is idempotent: running it on its own output changes
 * nothing. Invalid UTF-8 is copied through untouched.
 */
#ifndef FOLIO_TYPO_H
#define FOLIO_TYPO_H

#include <stddef.h>

#include "buf.h"

/* The no-break space typo_fr() writes, as UTF-8. */
#define TYPO_NBSP "\xc2\xa0"

/* Appends html[0..len) with French spacing to out. Returns 0. */
int typo_fr(struct buf *out, const char *html, size_t len);

#endif
