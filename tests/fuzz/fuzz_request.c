/*
 * fuzz_request: what the worker parses from a request or from a stored
 * record. The first byte picks the function, the rest is its input (as a
 * NUL-terminated header value where the function takes one):
 *
 *   0  http_pick_encoding (Accept-Encoding; the second byte is the mask)
 *   1  http_etag_match (If-None-Match against a fixed ETag)
 *   2  http_parse_date (If-Modified-Since), and the round trip through
 *      http_format_date
 *   3  http_location and http_header_safe (a path, then a query after the
 *      first '?', into buffers of several sizes)
 *   4  path canonicalisation: agenda_route and the NFC step of serve.c
 *   5  store_page_parse and store_frag_parse (a record from the map)
 *
 * serve.c is included so that its static to_nfc() can be reached.
 */
#include <string.h>

#include "../../fcgi/serve.c"

#include "fuzz.h"

static const char etag[] = "\"0123456789abcdef-gz\"";

static void
location(const char *p, size_t n)
{
	static const size_t sizes[] = { 1, 2, 8, 64, 4096 };
	const char *q = memchr(p, '?', n);
	size_t plen = q != NULL ? (size_t)(q - p) : n;
	char out[4096];
	size_t i;
	int r;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(out, 'Z', sizeof(out));
		r = http_location(out, sizes[i], p, plen, q != NULL ? q + 1 :
		    NULL, q != NULL ? n - plen - 1 : 0);
		if (r >= 0) {
			FUZZ_ASSERT((size_t)r < sizes[i]);
			FUZZ_ASSERT(out[r] == '\0' && strlen(out) == (size_t)r);
			FUZZ_ASSERT(http_header_safe(out, (size_t)r));
		}
	}
	(void)http_header_safe(p, n);
}

static void
canonical(const char *p, size_t n)
{
	char a[CAND_MAX + 1], b[CAND_MAX + 1];
	long na, nb;
	unsigned page;
	int kind;

	if (agenda_route(p, n, &kind, &page)) {
		FUZZ_ASSERT(kind >= AGENDA_UPCOMING && kind <= AGENDA_HOME);
		FUZZ_ASSERT(page >= 1);
	}
	/* route() hands to_nfc() no path longer than a key. */
	if (n > STORE_MAX_KEY)
		return;
	na = to_nfc(p, n, a);
	if (na < 0)
		return;
	FUZZ_ASSERT(na < CAND_MAX || (size_t)na == n);
	nb = to_nfc(a, (size_t)na, b);
	FUZZ_ASSERT(nb == na && memcmp(a, b, (size_t)na) == 0);
}

static void
records(const char *p, size_t n)
{
	struct store_page pg;
	struct store_frag f;
	unsigned i;

	if (store_page_parse(p, n, &pg) == 0) {
		FUZZ_ASSERT(pg.nvariants >= 1 &&
		    pg.nvariants <= STORE_MAX_VARIANTS);
		FUZZ_ASSERT(pg.ctype >= p && pg.ctype + pg.ctype_len <= p + n);
		if (pg.location != NULL)
			FUZZ_ASSERT(pg.location >= p &&
			    pg.location + pg.location_len <= p + n);
		for (i = 0; i < pg.nvariants; i++) {
			FUZZ_ASSERT(pg.v[i].body >= p &&
			    pg.v[i].body + pg.v[i].body_len <= p + n);
			FUZZ_ASSERT(pg.v[i].etag >= p &&
			    pg.v[i].etag + pg.v[i].etag_len <= p + n);
		}
	}
	if (store_frag_parse(p, n, &f) == 0) {
		FUZZ_ASSERT(f.html >= p && f.html + f.html_len <= p + n);
		FUZZ_ASSERT(f.ics >= p && f.ics + f.ics_len <= p + n);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf s = BUF_INIT;
	char date[32];
	int64_t t, t2;
	int enc;

	if (size == 0)
		return 0;
	buf_add(&s, data + 1, size - 1);	/* NUL-terminated copy */
	switch (data[0] % 6) {
	case 0:
		enc = http_pick_encoding(size > 1 ? s.data + 1 : NULL,
		    size > 1 ? (unsigned)data[1] & 7 : 0);
		FUZZ_ASSERT(enc >= STORE_ENC_IDENTITY && enc <= STORE_ENC_BR);
		if (size > 1)
			FUZZ_ASSERT(enc == STORE_ENC_IDENTITY ||
			    (data[1] & HTTP_ENC_BIT(enc)));
		break;
	case 1:
		(void)http_etag_match(s.data, etag, sizeof(etag) - 1);
		break;
	case 2:
		if (http_parse_date(s.data, &t) == 0 && t >= 0 &&
		    t < 253402300800LL) {
			http_format_date(date, t);
			FUZZ_ASSERT(strlen(date) == 29);
			FUZZ_ASSERT(http_parse_date(date, &t2) == 0 && t2 == t);
		}
		break;
	case 3:
		location(s.data, s.len);
		break;
	case 4:
		canonical(s.data, s.len);
		break;
	default:
		records((const char *)data + 1, size - 1);
		break;
	}
	buf_release(&s);
	return 0;
}
