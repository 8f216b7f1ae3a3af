/*
 * http: the small pieces of HTTP the worker needs, as pure functions over
 * caller-provided memory (nothing here allocates or keeps state): content
 * coding negotiation, entity-tag and date validators, HTTP dates, and the
 * percent-encoding that keeps request bytes out of headers.
 *
 * Header values come as NUL-terminated strings (what libfcgi hands over) or
 * NULL when the request had no such header. Malformed values are ignored
 * the way RFC 9110 allows, never reported as errors.
 */
#ifndef FOLIO_HTTP_H
#define FOLIO_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* Bit (1 << enum store_enc) for each coding a page has. */
#define HTTP_ENC_BIT(e) (1u << (e))

/*
 * Chooses among the codings in avail (HTTP_ENC_BIT mask, identity assumed
 * present) for an Accept-Encoding value: highest q-value wins, ties go to
 * br, then gzip, then identity. Absent or unparsable header: identity.
 * Returns an enum store_enc value.
 */
int http_pick_encoding(const char *accept, unsigned avail);

/*
 * Whether an If-None-Match value matches etag (etag_len bytes, with its
 * quotes), by weak comparison; "*" matches. Returns 1 or 0; garbage is 0.
 */
int http_etag_match(const char *inm, const char *etag, size_t etag_len);

/*
 * Parses an HTTP date (IMF-fixdate, RFC 850 or asctime form) into seconds
 * since the epoch. Returns 0, or -1 when s is not such a date.
 */
int http_parse_date(const char *s, int64_t *t);

/* Formats t as an IMF-fixdate into out (NUL-terminated, 29 characters). */
void http_format_date(char out[32], int64_t t);

/*
 * Percent-encodes a decoded path (len bytes) for a Location header: bytes
 * outside RFC 3986's pchar set and '/' become %XX (so do '%', '?', '#').
 * With query (query_len bytes, as received), appends '?' and the query,
 * keeping its %XX escapes and encoding any other unsafe byte.
 * Writes at most outsz bytes with a NUL; returns the length, or -1 when out
 * is too small.
 */
int http_location(char *out, size_t outsz, const char *path, size_t len,
    const char *query, size_t query_len);

/*
 * Whether len bytes at p may go into a header value as they are: no control
 * byte (CR, LF, NUL, DEL, ...). Returns 1 or 0.
 */
int http_header_safe(const char *p, size_t len);

/* The reason phrase for a status code ("OK", "Not Found", ...). */
const char *http_reason(int status);

#endif
