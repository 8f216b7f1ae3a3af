/*
 * fuzz_slug: slugs, NFC, permalinks and French typography. The input is
 * split at the first 0x01 byte into a permalink pattern and a name; the
 * name is slugged every way the indexer slugs names, the pattern expanded
 * with the name as :title/:slug/:name, and the name run through typo_fr().
 * Checks: slugs hold no "/" and are valid UTF-8, an expanded permalink is
 * a clean absolute path, typo_fr() is idempotent.
 */
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "permalink.h"
#include "slug.h"
#include "typo.h"

static void
check_url(const struct buf *u)
{
	size_t i;

	FUZZ_ASSERT(u->len >= 1 && u->data[0] == '/');
	FUZZ_ASSERT(u->len <= PERMALINK_MAX);
	FUZZ_ASSERT(strstr(u->data, "//") == NULL);
	FUZZ_ASSERT(strstr(u->data, "/../") == NULL);
	FUZZ_ASSERT(u->len < 3 || strcmp(u->data + u->len - 3, "/..") != 0);
	FUZZ_ASSERT(strstr(u->data, "/./") == NULL);
	for (i = 0; i < u->len; i++)
		FUZZ_ASSERT(u->data[i] != '\r' && u->data[i] != '\n' &&
		    u->data[i] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *name, *sep;
	size_t plen, nlen;
	struct buf a = BUF_INIT, b = BUF_INIT, pat = BUF_INIT;
	struct permalink_vars v;
	struct str cats[2];
	struct ferr e;
	size_t rest;
	int rc, y, m, d, mode;

	sep = memchr(p, 0x01, size);
	plen = sep != NULL ? (size_t)(sep - p) : 0;
	name = sep != NULL ? sep + 1 : p;
	nlen = size - (size_t)(name - p);

	rc = slug_make(&a, name, nlen);
	FUZZ_ASSERT(rc == 0 || rc == SLUG_EMPTY || rc == -1);
	if (rc == 0) {
		FUZZ_ASSERT(a.len > 0 && memchr(a.data, '/', a.len) == NULL);
		FUZZ_ASSERT(a.data[0] != '-' && a.data[a.len - 1] != '-');
		FUZZ_ASSERT(slug_nfc(&b, a.data, a.len) == 0);
		FUZZ_ASSERT(b.len == a.len && memcmp(a.data, b.data,
		    a.len) == 0);
	} else
		FUZZ_ASSERT(a.len == 0);
	buf_reset(&a);
	buf_reset(&b);
	(void)slug_nfc(&a, name, nlen);
	buf_reset(&a);

	for (mode = PERMALINK_SLUG_DEFAULT; mode <= PERMALINK_SLUG_RAW; mode++) {
		permalink_slugify(&a, name, nlen, mode, mode == 1);
		FUZZ_ASSERT(a.len <= 4 * nlen + 4);
		buf_reset(&a);
	}
	permalink_title_slug(&a, name, nlen);
	buf_reset(&a);
	rc = permalink_filename_date(name, nlen, &y, &m, &d, &rest);
	if (rc == 0) {
		FUZZ_ASSERT(m >= 1 && m <= 12 && d >= 1 && d <= 31);
		FUZZ_ASSERT(rest <= nlen);
	}

	if (sep != NULL) {
		buf_add(&pat, p, plen);	/* NUL-terminated; an inner NUL cuts */
		memset(&v, 0, sizeof(v));
		v.slug_src.p = name;
		v.slug_src.len = nlen;
		v.name = v.slug_src;
		v.path.p = "/dossier/page";
		v.path.len = 13;
		v.collection.p = "evenements";
		v.collection.len = 10;
		cats[0].p = name;
		cats[0].len = nlen;
		cats[1].p = "Cloud";
		cats[1].len = 5;
		v.categories = cats;
		v.ncategories = 2;
		v.output_ext.p = ".html";
		v.output_ext.len = 5;
		v.has_date = plen & 1;
		v.year = 2024;
		v.month = 2;
		v.day = 29;
		v.hour = 23;
		v.minute = 5;
		v.second = 9;
		v.yday = 60;
		memset(&e, 0, sizeof(e));
		if (permalink_expand(&a, pat.data, &v, &e) == 0)
			check_url(&a);
		else
			FUZZ_ASSERT(e.msg[0] != '\0');
		buf_reset(&a);
	}

	typo_fr(&a, name, nlen);
	typo_fr(&b, a.data, a.len);
	FUZZ_ASSERT(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);

	buf_release(&a);
	buf_release(&b);
	buf_release(&pat);
	return 0;
}
