/*
 * esc: escaping for the three places text lands in output: HTML text,
 * HTML attribute values, and XML (Atom feeds, sitemaps).
 *
 * Every function appends to out; the input is <p, len>, not necessarily
 * NUL-terminated. Nothing is allocated beyond out's growth.
 */
#ifndef FOLIO_ESC_H
#define FOLIO_ESC_H

#include <stddef.h>

#include "buf.h"

/*
 * HTML escaping of & < > " ' (as &amp; &lt; &gt; &quot; &#39;). Because
 * both quote characters are escaped, the result is also safe inside a
 * quoted attribute value: there is no separate esc_attr.
 */
void esc_html(struct buf *out, const char *p, size_t len);

/*
 * XML 1.0 escaping of & < > " ' (as &amp; &lt; &gt; &quot; &apos;), plus
 * repair of what XML 1.0 forbids: control characters other than tab, LF
 * and CR are dropped, as are U+FFFE and U+FFFF; invalid UTF-8 (stray
 * bytes, overlong forms, surrogates, code points past U+10FFFF) becomes
 * U+FFFD. The output is always a well-formed XML character sequence.
 */
void esc_xml(struct buf *out, const char *p, size_t len);

#endif
