#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "t.h"
#include "value.h"

int
main(void)
{
	struct buf b = BUF_INIT;
	struct value *m, *d, *v;
	char *p;
	size_t n;
	int i;

	EQS(buf_cstr(&b), "", "an empty buffer reads as \"\"");
	buf_adds(&b, "abc");
	buf_addc(&b, 'd');
	buf_printf(&b, "%d-%s", 42, "x");
	EQS(b.data, "abcd42-x", "adds, addc and printf append");
	EQI(b.len, 8, "length follows");
	buf_truncate(&b, 2);
	EQS(b.data, "ab", "truncate cuts and terminates");
	for (i = 0; i < 10000; i++)
		buf_add(&b, "0123456789", 10);
	EQI(b.len, 100002, "growth keeps every byte");
	OK(b.data[b.len] == '\0', "still NUL-terminated after growth");
	buf_reset(&b);
	EQI(b.len, 0, "reset empties");
	buf_add(&b, "x\0y", 3);
	EQI(b.len, 3, "embedded NUL kept");
	p = buf_detach(&b, &n);
	EQI(n, 3, "detach hands over the length");
	OK(b.data == NULL && b.len == 0, "detach leaves the buffer empty");
	free(p);
	buf_release(&b);

	OK(str_eq(str_from("abc"), "abc") && !str_eq(str_from("ab"), "abc"),
	    "str_eq compares lengths too");

	m = value_new(VAL_MAP, 1, 1);
	value_map_set(m, "a", 1, value_new_cstr("one"));
	d = value_new(VAL_MAP, 0, 0);
	value_map_set(d, "x", 1, value_new_int(7));
	value_map_set(m, "b", 1, d);
	value_map_set(m, "a", 1, value_new_cstr("uno"));
	EQS(value_str(value_map_get(m, "a")), "uno", "map set replaces");
	EQI(m->u.map.n, 2, "replacing keeps one entry");
	v = value_path(m, "b.x");
	OK(v != NULL && v->type == VAL_INT && v->u.i == 7, "dotted path");
	OK(value_path(m, "b.y") == NULL && value_path(m, "c.x") == NULL,
	    "missing path gives NULL");
	d = value_new(VAL_MAP, 0, 0);
	value_map_set(d, "a", 1, value_new_cstr("default"));
	value_map_set(d, "z", 1, value_new_cstr("zed"));
	value_merge_under(m, d);
	EQS(value_str(value_map_get(m, "a")), "uno", "merge keeps own values");
	EQS(value_str(value_map_get(m, "z")), "zed", "merge adds defaults");
	v = value_clone(m);
	value_free(m);
	EQS(value_str(value_path(v, "z")), "zed", "clone is deep");
	value_free(v);
	value_free(d);
	return T_DONE();
}
