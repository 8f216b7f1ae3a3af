/*
 * slug: URL segments for tags and categories, and NFC normalisation of
 * URLs and display names. Built on utf8proc.
 *
 * slug_make() turns a display name into the segment its archive page lives
 * under, so that every spelling of one tag lands on one page:
 *
 *   "Ségur"                        -> "segur"
 *   "FranceConnect", "franceconnect" -> "franceconnect"
 *   "semaine innovation publique"  -> "semaine-innovation-publique"
 *   "Cœur de l’État"               -> "coeur-de-l-etat"
 *   "東京"                          -> "東京"
 *
 * The rules, in order:
 *  1. the text is decomposed with compatibility mappings (NFKD, so "ﬁ" is
 *     "fi" and full-width letters are ASCII) and case folded;
 *  2. combining diacritical marks (U+0300-036F, U+1AB0-1AFF, U+1DC0-1DFF,
 *     U+20D0-20FF, U+FE20-FE2F) are dropped: accents go, "é" is "e";
 *  3. letters that do not decompose are spelled out by a small table:
 *     œ -> oe, æ -> ae, ß -> ss, ø -> o, ł -> l, đ -> d, ð -> d, þ -> th,
 *     ı -> i, ħ -> h, ŧ -> t, ĸ -> k, ŋ -> n (upper case folds to these);
 *  4. letters (L*), numbers (N*) and the remaining marks (M*, such as the
 *     vowel signs of Indic scripts) are kept; letters of scripts without
 *     decomposition (CJK, Arabic, ...) are kept as they are, lower-cased
 *     where the script has case;
 *  5. every run of anything else (spaces, punctuation, the apostrophes '
 *     and ’, symbols, controls) becomes one "-", with none at either end;
 *  6. what is kept is recomposed to NFC.
 *
 * Output is appended to out; out is left as it was on any non-zero return.
 */
#ifndef FOLIO_SLUG_H
#define FOLIO_SLUG_H

#include <stddef.h>

#include "buf.h"

/* slug_make(): the name has nothing that can make a slug. */
#define SLUG_EMPTY 1

/*
 * The slug of p[0..len). Returns 0, SLUG_EMPTY when nothing is left (only
 * punctuation, symbols or spaces; nothing appended), or -1 when p is not
 * valid UTF-8 (overlong forms, surrogates, truncated sequences, bytes
 * above U+10FFFF). NUL bytes count as separators.
 */
int slug_make(struct buf *out, const char *p, size_t len);

/*
 * Appends p[0..len) in Unicode Normalization Form C (canonical
 * composition: "e" + U+0301 becomes "é"; compatibility characters are
 * left alone). Returns 0, or -1 when p is not valid UTF-8.
 */
int slug_nfc(struct buf *out, const char *p, size_t len);

#endif
