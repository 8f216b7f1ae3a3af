#include <string.h>

#include "buf.h"
#include "esc.h"
#include "t.h"

static const char *
html(struct buf *b, const char *s)
{
	buf_reset(b);
	esc_html(b, s, strlen(s));
	return buf_cstr(b);
}

static const char *
xml(struct buf *b, const char *s, size_t len)
{
	buf_reset(b);
	esc_xml(b, s, len);
	return buf_cstr(b);
}

int
main(void)
{
	struct buf b = BUF_INIT;
	char big[3000];
	size_t i;

	EQS(html(&b, ""), "", "html: empty stays empty");
	EQS(html(&b, "plain text, é"), "plain text, é",
	    "html: nothing to escape is copied");
	EQS(html(&b, "<a href=\"x\">Tom & Jerry's</a>"),
	    "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;",
	    "html: & < > \" ' escaped");
	EQS(html(&b, "&&"), "&amp;&amp;", "html: runs of specials");
	buf_reset(&b);
	esc_html(&b, "a<b", 2);
	EQS(buf_cstr(&b), "a&lt;", "html: length respected, not NUL");
	buf_reset(&b);
	buf_adds(&b, "keep:");
	esc_html(&b, "<", 1);
	EQS(buf_cstr(&b), "keep:&lt;", "html: appends to what is there");

	EQS(xml(&b, "a'b\"c<d>e&f", 11), "a&apos;b&quot;c&lt;d&gt;e&amp;f",
	    "xml: five entities");
	EQS(xml(&b, "t\tn\nr\r", 6), "t\tn\nr\r", "xml: tab, LF, CR kept");
	EQS(xml(&b, "a\001b\013c\037d", 7), "abcd",
	    "xml: forbidden controls dropped");
	EQS(xml(&b, "x\0y", 3), "xy", "xml: NUL dropped");
	EQS(xml(&b, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14),
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "xml: valid UTF-8 kept");
	EQS(xml(&b, "a\xff" "b", 3), "a\xef\xbf\xbd" "b",
	    "xml: stray byte becomes U+FFFD");
	EQS(xml(&b, "\xc0\xaf", 2), "\xef\xbf\xbd\xef\xbf\xbd",
	    "xml: overlong form replaced");
	EQS(xml(&b, "\xed\xa0\x80", 3),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "xml: encoded surrogate replaced");
	EQS(xml(&b, "a\xc3", 2), "a\xef\xbf\xbd",
	    "xml: truncated sequence at the end replaced");
	EQS(xml(&b, "\xef\xbf\xbe|\xef\xbf\xbf", 7), "|",
	    "xml: U+FFFE and U+FFFF dropped");
	EQS(xml(&b, "\xf4\x90\x80\x80", 4),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "xml: past U+10FFFF replaced");

	for (i = 0; i < sizeof(big); i++)
		big[i] = "a<&\x01"[i % 4];
	buf_reset(&b);
	esc_xml(&b, big, sizeof(big));
	EQI(b.len, 750 * (1 + 4 + 5), "xml: long input, every byte seen");
	buf_reset(&b);
	esc_html(&b, big, sizeof(big));
	EQI(b.len, 750 * (1 + 4 + 5 + 1), "html: long input, controls kept");
	buf_release(&b);
	return T_DONE();
}
