/*
 * fuzz_fm: front matter. The input is a whole document for fm_parse_doc();
 * the same bytes go to fm_parse_yaml() as a YAML text. Checks: success
 * gives a map, failure gives a message and a position inside the text.
 */
#include <string.h>

#include "fm.h"
#include "fuzz.h"

static unsigned
count_lines(const uint8_t *p, size_t n)
{
	unsigned lines = 1;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == n ||
		    p[i + 1] != '\n')))
			lines++;
	return lines;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fm_doc doc;
	struct value *v = NULL;
	struct ferr e;
	unsigned lines = count_lines(data, size);

	fm_doc_init(&doc);
	memset(&e, 0, sizeof(e));
	if (fm_parse_doc((const char *)data, size, &doc, &e) == 0) {
		FUZZ_ASSERT(doc.fm != NULL && doc.fm->type == VAL_MAP);
		FUZZ_ASSERT(doc.body.len <= size);
		FUZZ_ASSERT(doc.body_line >= 1 && doc.body_line <= lines);
	} else {
		FUZZ_ASSERT(e.msg[0] != '\0');
		FUZZ_ASSERT(e.line <= lines);
		FUZZ_ASSERT(doc.fm == NULL || doc.fm->u.map.n == 0);
	}
	fm_doc_release(&doc);

	memset(&e, 0, sizeof(e));
	if (fm_parse_yaml((const char *)data, size, 1, &v, &e) == 0) {
		FUZZ_ASSERT(v != NULL && v->type == VAL_MAP);
		value_free(v);
	} else {
		FUZZ_ASSERT(v == NULL);
		FUZZ_ASSERT(e.msg[0] != '\0');
	}
	return 0;
}
