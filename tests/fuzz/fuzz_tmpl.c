/*
 * fuzz_tmpl: the Mustache engine. The input is up to four template
 * sources separated by 0x01 bytes, named "main", "a", "b" and "c" (so
 * partials and parents can refer to each other); they are compiled,
 * checked and "main" is rendered with a small fixed context, with the
 * output limited to 1 MB.
 */
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "tmpl.h"

static const char *const names[] = { "main", "a", "b", "c" };

static struct value *
context(void)
{
	struct value *m = value_new(VAL_MAP, 0, 0);
	struct value *seq = value_new(VAL_SEQ, 0, 0);
	struct value *item, *t;
	struct vtime vt = { 1700000000, 3600, 0 };
	int i;

	value_map_set(m, "title", 5, value_new_cstr("<script>alert(1)</script>"));
	value_map_set(m, "n", 1, value_new_int(-7));
	value_map_set(m, "yes", 3, value_new_bool(1));
	value_map_set(m, "no", 2, value_new_bool(0));
	value_map_set(m, "empty", 5, value_new_cstr(""));
	t = value_new(VAL_FLOAT, 0, 0);
	t->u.f = 1.21;
	value_map_set(m, "f", 1, t);
	value_map_set(m, "when", 4, value_new_time(vt));
	value_map_set(m, "nil", 3, value_new(VAL_NULL, 0, 0));
	for (i = 0; i < 3; i++) {
		item = value_new(VAL_MAP, 0, 0);
		value_map_set(item, "name", 4, value_new_cstr(i == 1 ?
		    "a & b" : "x"));
		value_map_set(item, "i", 1, value_new_int(i));
		value_seq_push(seq, item);
	}
	value_map_set(m, "items", 5, seq);
	item = value_new(VAL_MAP, 0, 0);
	value_map_set(item, "title", 5, value_new_cstr("inner"));
	value_map_set(m, "page", 4, item);
	return m;
}

static int
count(const char *used, int found, void *arg)
{
	(void)used;
	if (found)
		(*(int *)arg)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *q;
	struct tmpl_set *set = tmpl_set_new();
	struct value *ctx;
	struct buf out = BUF_INIT;
	struct ferr e;
	const char *epath = NULL;
	size_t i;
	int n = 0;

	tmpl_set_max_output(set, 1u << 20);
	for (i = 0; i < 4 && p <= end; i++) {
		q = memchr(p, 0x01, (size_t)(end - p));
		if (q == NULL)
			q = end;
		if (tmpl_set_add(set, names[i], p, (size_t)(q - p), NULL,
		    &e) == -1) {
			FUZZ_ASSERT(e.msg[0] != '\0' && e.line >= 1);
			FUZZ_ASSERT(!tmpl_has(set, names[i]));
		} else
			FUZZ_ASSERT(tmpl_has(set, names[i]));
		p = q + 1;
	}
	if (tmpl_has(set, "main")) {
		(void)tmpl_hash(set, "main");
		FUZZ_ASSERT(tmpl_uses(set, "main", count, &n) == 0);
		FUZZ_ASSERT(n <= 3);
	}
	if (tmpl_set_check(set, &e, &epath) == 0 && tmpl_has(set, "main")) {
		ctx = context();
		if (tmpl_render(set, "main", ctx, &out, &e, &epath) == -1)
			FUZZ_ASSERT(e.msg[0] != '\0' && epath != NULL);
		else
			FUZZ_ASSERT(out.len <= (1u << 20) + 65536);
		value_free(ctx);
	}
	buf_release(&out);
	tmpl_set_free(set);
	return 0;
}
