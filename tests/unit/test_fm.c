#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "fm.h"
#include "json.h"
#include "log.h"
#include "t.h"

/* OK evaluates its condition twice: calls with effects go through here. */
#define CHECK(cond, ...) do {						\
	int t_c = (cond);						\
	OK(t_c, __VA_ARGS__);						\
} while (0)
#include "value.h"

/* The compact JSON of the whole parse of a YAML text, or "ERR l:c msg". */
static char *
yaml_json(const char *text)
{
	struct buf out = BUF_INIT;
	struct value *v;
	struct ferr e;

	memset(&e, 0, sizeof(e));
	if (fm_parse_yaml(text, strlen(text), 1, &v, &e) == -1) {
		OK(v == NULL, "no tree on error: %s", e.msg);
		buf_printf(&out, "ERR %u:%u %s", e.line, e.col, e.msg);
	} else {
		json_write(&out, v, 0);
		value_free(v);
	}
	return buf_detach(&out, NULL);
}

/* The compact JSON of the plain scalar s, resolved. */
static char *
plain_json(const char *s)
{
	struct buf out = BUF_INIT;
	struct value *v;
	struct ferr e;

	v = fm_resolve_plain(s, strlen(s), 3, 4, &e);
	if (v == NULL)
		buf_printf(&out, "ERR %u:%u", e.line, e.col);
	else {
		json_write(&out, v, 0);
		value_free(v);
	}
	return buf_detach(&out, NULL);
}

#define YJ(text, want) do {						\
	char *t_j = yaml_json(text);					\
	EQS(t_j, want, "yaml (line %d) gives %s", __LINE__, want);				\
	free(t_j);							\
} while (0)

#define PJ(text, want) do {						\
	char *t_j = plain_json(text);					\
	EQS(t_j, want, "plain %s -> %s", text, want);			\
	free(t_j);							\
} while (0)

static void
test_scalars(void)
{
	/* nulls and booleans, as Psych */
	PJ("", "null");
	PJ("~", "null");
	PJ("null", "null");
	PJ("NULL", "null");
	PJ("nUlL", "null");
	PJ("true", "true");
	PJ("True", "true");
	PJ("TRUE", "true");
	PJ("yes", "true");
	PJ("Yes", "true");
	PJ("on", "true");
	PJ("ON", "true");
	PJ("false", "false");
	PJ("no", "false");
	PJ("No", "false");
	PJ("off", "false");
	PJ("y", "\"y\"");
	PJ("n", "\"n\"");
	PJ("truely", "\"truely\"");
	PJ("nope", "\"nope\"");
	PJ("~x", "\"~x\"");
	/* integers */
	PJ("0", "0");
	PJ("22", "22");
	PJ("-22", "-22");
	PJ("+12", "12");
	PJ("0x1F", "31");
	PJ("0x1f_ff", "8191");
	PJ("0b101", "5");
	PJ("017", "15");
	PJ("-017", "-15");
	PJ("0o17", "\"0o17\"");
	PJ("08", "\"08\"");
	PJ("1_000", "1000");
	PJ("1,000", "1000");
	PJ("_1", "\"_1\"");
	PJ("0x", "\"0x\"");
	PJ("0b2", "\"0b2\"");
	PJ("9223372036854775807", "9223372036854775807");
	PJ("-9223372036854775808", "-9223372036854775808");
	PJ("9223372036854775808", "ERR 3:4");
	PJ("-9223372036854775809", "ERR 3:4");
	PJ("123456789012345678901234567890", "ERR 3:4");
	/* base 60, summed as Psych sums it */
	PJ("1:30", "5400");
	PJ("1:02:03", "3723");
	PJ("09:30", "34200");
	PJ("-1:30", "-1800");
	PJ("1:30.5", "5430.0");
	PJ("1:60", "\"1:60\"");
	PJ("10h30", "\"10h30\"");
	/* floats */
	PJ("1.5", "1.5");
	PJ("1.", "1.0");
	PJ("-0.25", "-0.25");
	PJ("1.5e+3", "1500.0");
	PJ("1.5e3", "\"1.5e3\"");
	PJ("1e3", "\"1e3\"");
	PJ("1_000.5", "1000.5");
	PJ(".", "\".\"");
	PJ("-.", "\"-.\"");
	PJ(".inf", "null");
	PJ("1.2.3", "\"1.2.3\"");
	/* symbols and other strings */
	PJ(":sym", "\":sym\"");
	PJ("Segur", "\"Segur\"");
	PJ("été", "\"été\"");
	PJ("10h - 12h", "\"10h - 12h\"");
	PJ("/uploads/a.png", "\"/uploads/a.png\"");
	PJ("https://x.fr/?a=1", "\"https://x.fr/?a=1\"");
	/* timestamps */
	PJ("2020-01-15 10:14:00 +01:00", "\"2020-01-15T10:14:00+01:00\"");
	PJ("2020-01-15T10:14:00+01:00", "\"2020-01-15T10:14:00+01:00\"");
	PJ("2020-01-15t10:14:00-05:00", "\"2020-01-15T10:14:00-05:00\"");
	PJ("2020-01-15 10:14:00 Z", "\"2020-01-15T10:14:00+00:00\"");
	PJ("2020-01-15T10:14:00Z", "\"2020-01-15T10:14:00+00:00\"");
	PJ("2020-01-15 10:14:00", "\"2020-01-15T10:14:00+00:00\"");
	PJ("2020-01-15 10:14:00.25 +01:00", "\"2020-01-15T10:14:00+01:00\"");
	PJ("2020-01-15 10:14:00 +0100", "\"2020-01-15T10:14:00+01:00\"");
	PJ("2020-01-15 10:14:00 +1", "\"2020-01-15T10:14:00+01:00\"");
	PJ("2020-01-15 10:14:00 -00:30", "\"2020-01-15T10:14:00+00:30\"");
	PJ("0005-01-31 23:09:21 +00:09", "\"0005-01-31T23:09:21+00:09\"");
	PJ("2020-1-5 1:02:03", "\"2020-01-05T01:02:03+00:00\"");
	PJ("2023-02-30 10:00:00", "\"2023-03-02T10:00:00+00:00\"");
	PJ("2020-01-15 24:00:00", "\"2020-01-16T00:00:00+00:00\"");
	PJ("2020-01-15 24:00:01", "\"2020-01-15 24:00:01\"");
	PJ("2020-13-15 10:00:00", "\"2020-13-15 10:00:00\"");
	PJ("2020-01-32 10:00:00", "\"2020-01-32 10:00:00\"");
	PJ("2020-01-15 10:60:00", "\"2020-01-15 10:60:00\"");
	PJ("2020-01-15 10:00:00 +24:00", "\"2020-01-15 10:00:00 +24:00\"");
	PJ("2020-01-15 10:00", "\"2020-01-15 10:00\"");
	/* dates */
	PJ("2020-01-15", "\"2020-01-15\"");
	PJ("2020-1-5", "\"2020-01-05\"");
	PJ("2024-02-29", "\"2024-02-29\"");
	PJ("2023-02-29", "\"2023-02-29\"");
	PJ("2024-13-45", "\"2024-13-45\"");
	PJ("2024-00-10", "\"2024-00-10\"");
	PJ("2024-02-30", "\"2024-02-30\"");
	PJ("20240-01-01", "\"20240-01-01\"");
}

static void
test_types(void)
{
	struct value *v, *t;
	struct ferr e;

	const char *y1 = "d: 2020-01-15\nt: 2020-01-15 10:14:00 +01:00\n";
	const char *y2 = "f: 1.5\nn: .nan\ni: -.inf\n";

	CHECK(fm_parse_yaml(y1, strlen(y1), 1, &v, &e) == 0, "dates parse");
	t = value_map_get(v, "d");
	OK(t != NULL && t->type == VAL_TIME && t->u.t.date_only,
	    "date-only is a VAL_TIME with date_only");
	EQI(t->u.t.secs, 1579046400, "date-only at 00:00 UTC");
	t = value_map_get(v, "t");
	OK(t != NULL && t->type == VAL_TIME && !t->u.t.date_only,
	    "timestamp is a VAL_TIME");
	EQI(t->u.t.secs, 1579079640, "timestamp seconds are UTC");
	EQI(t->u.t.offset, 3600, "offset kept");
	value_free(v);
	CHECK(fm_parse_yaml(y2, strlen(y2), 1, &v, &e) == 0, "floats parse");
	OK(value_map_get(v, "f")->type == VAL_FLOAT &&
	    value_map_get(v, "f")->u.f == 1.5, "1.5 is a float");
	OK(isnan(value_map_get(v, "n")->u.f), ".nan is NaN");
	OK(isinf(value_map_get(v, "i")->u.f) &&
	    value_map_get(v, "i")->u.f < 0, "-.inf is -infinity");
	value_free(v);
}

static void
test_yaml_forms(void)
{
	YJ("", "{}");
	YJ("# only a comment\n", "{}");
	YJ("~\n", "{}");
	YJ("nom:\n", "{\"nom\":null}");
	YJ("nom: 22\n", "{\"nom\":22}");
	YJ("a: 'Segur '\n", "{\"a\":\"Segur \"}");
	YJ("a: 'it''s'\n", "{\"a\":\"it's\"}");
	YJ("a: \"l\\u00e9 \\\"q\\\"\\n\"\n", "{\"a\":\"lé \\\"q\\\"\\n\"}");
	YJ("a: '22'\nb: \"true\"\nc: '~'\n",
	    "{\"a\":\"22\",\"b\":\"true\",\"c\":\"~\"}");
	YJ("a: |\n  l1\n  l2\n\nb: x\n", "{\"a\":\"l1\\nl2\\n\",\"b\":\"x\"}");
	YJ("a: |-\n  l1\n  l2\n\nb: x\n", "{\"a\":\"l1\\nl2\",\"b\":\"x\"}");
	YJ("a: |+\n  l1\n\n\nb: x\n", "{\"a\":\"l1\\n\\n\\n\",\"b\":\"x\"}");
	YJ("a: >\n  un\n  deux\n\n  trois\n", "{\"a\":\"un deux\\ntrois\\n\"}");
	YJ("a: |\n  22\n", "{\"a\":\"22\\n\"}");
	YJ("a: un\n  deux\n  trois\n", "{\"a\":\"un deux trois\"}");
	YJ("clé: é\nÉvénement: 1\n", "{\"clé\":\"é\",\"Événement\":1}");
	YJ("l:\n- a\n- - b\n  - c\n- {d: e}\n",
	    "{\"l\":[\"a\",[\"b\",\"c\"],{\"d\":\"e\"}]}");
	YJ("l:\n- intitule: Date\n  contenu: 'Mardi '\n- intitule: Lieu\n",
	    "{\"l\":[{\"intitule\":\"Date\",\"contenu\":\"Mardi \"},"
	    "{\"intitule\":\"Lieu\"}]}");
	YJ("a: [1, \"2\", 3.5, ~, yes]\n", "{\"a\":[1,\"2\",3.5,null,true]}");
	YJ("a: {}\nb: []\n", "{\"a\":{},\"b\":[]}");
	/* keys as Ruby's to_s writes them */
	YJ("1: a\ntrue: b\n~: c\n2020-01-02: d\n1.5: e\n",
	    "{\"1\":\"a\",\"true\":\"b\",\"\":\"c\",\"2020-01-02\":\"d\","
	    "\"1.5\":\"e\"}");
	YJ("2020-01-02 10:00:00 +01:00: a\n",
	    "{\"2020-01-02 10:00:00 +0100\":\"a\"}");
	/* tags */
	YJ("a: !!str 22\nb: !!float 3\nc: !foo 7\nd: !!int \"8\"\n",
	    "{\"a\":\"22\",\"b\":3.0,\"c\":7,\"d\":8}");
	YJ("a: !!map {b: 1}\nc: !!seq [1]\n", "{\"a\":{\"b\":1},\"c\":[1]}");
	/* anchors, aliases, merge keys */
	YJ("a: &x [1, 2]\nb: *x\n", "{\"a\":[1,2],\"b\":[1,2]}");
	YJ("a: &x 1\na2: &x 2\nb: *x\n", "{\"a\":1,\"a2\":2,\"b\":2}");
	YJ("b: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n",
	    "{\"b\":{\"x\":1,\"y\":2},\"c\":{\"x\":1,\"y\":3}}");
	YJ("c:\n  y: 3\n  <<: {x: 1, y: 2}\n", "{\"c\":{\"y\":2,\"x\":1}}");
	YJ("c:\n  <<: [{x: 1}, {x: 2, z: 3}]\n",
	    "{\"c\":{\"x\":1,\"z\":3}}");
	YJ("c:\n  <<: 5\n", "{\"c\":{\"<<\":5}}");
	YJ("c:\n  !!str <<: {x: 1}\n", "{\"c\":{\"<<\":{\"x\":1}}}");
	YJ("*x: 1\n", "ERR 1:1 unknown alias \"*x\"");
	/* explicit document markers are fine, one document only */
	YJ("---\na: 1\n...\n", "{\"a\":1}");
	YJ("a: 1\n---\nb: 2\n",
	    "ERR 2:1 several YAML documents (only one is allowed)");
}

static void
test_errors(void)
{
	YJ("a: 1\na: 2\n", "ERR 2:1 duplicate key \"a\" (first at line 1)");
	YJ("m:\n  k: 1\n  j: 2\n  k: 3\n",
	    "ERR 4:3 duplicate key \"k\" (first at line 2)");
	YJ("1: a\n\"1\": b\n", "ERR 2:1 duplicate key \"1\" (first at line 1)");
	YJ("- a\n",
	    "ERR 1:1 the top level must be a mapping of keys to values, not "
	    "a sequence");
	YJ("texte\n",
	    "ERR 1:1 the top level must be a mapping of keys to values, not "
	    "a single value");
	YJ("a:\n\tb: 1\n",
	    "ERR 2:1 tab character where YAML wants spaces (indent with "
	    "spaces)");
	YJ("a: !!binary aGVsbG8=\n",
	    "ERR 1:4 unsupported tag \"tag:yaml.org,2002:binary\"");
	YJ("a: !!set {x}\n", "ERR 1:4 unsupported tag \"tag:yaml.org,2002:set\"");
	YJ("a: !ruby/object:Foo {}\n",
	    "ERR 1:4 unsupported tag \"!ruby/object:Foo\"");
	YJ("a: !!float x\n", "ERR 1:4 \"x\" is not a float");
	YJ("a: 99999999999999999999\n",
	    "ERR 1:4 integer \"99999999999999999999\" does not fit in 64 bits");
	YJ("? [a]\n: b\n", "ERR 1:3 a sequence or a mapping cannot be a key");
	YJ("a: [1, 2\n", "ERR 2:1 did not find expected ',' or ']' while "
	    "parsing a flow sequence started at line 1, column 4");
	YJ("a: b: c\n", "ERR 1:5 mapping values are not allowed in this "
	    "context");
	YJ("a: \"x\\qy\"\n", "ERR 1:6 found unknown escape character while "
	    "parsing a quoted scalar started at line 1, column 4");
	YJ("a: caf\xc3\n", "ERR 1:7 invalid UTF-8 byte 0xc3");
	YJ("a: \xed\xa0\x80\n", "ERR 1:4 invalid UTF-8 byte 0xed");
	YJ("a: \x01\n",
	    "ERR 1:4 control characters are not allowed (character U+0001)");
}

static void
test_positions(void)
{
	const char *doc = "---\ntitle: Un\nune:\n  image: \"/a.png\"\n"
	    "tags:\n- x\n---\nCorps\n";
	struct fm_doc d;
	struct value *v;
	struct ferr e;

	fm_doc_init(&d);
	CHECK(fm_parse_doc(doc, strlen(doc), &d, &e) == 0, "document parses");
	v = value_map_get(d.fm, "title");
	EQI(v->line, 2, "title on line 2 of the file");
	EQI(v->col, 8, "title value at column 8");
	v = value_path(d.fm, "une.image");
	EQI(v->line, 4, "nested value line");
	EQI(v->col, 10, "quoted value column is its quote");
	v = value_map_get(d.fm, "tags");
	EQI(v->line, 6, "sequence line");
	EQI(v->u.seq.items[0]->col, 3, "item column");
	EQI(d.body_line, 8, "body starts on line 8");
	EQS(d.body.data, "Corps\n", "body");
	OK(d.has_fm, "has front matter");
	fm_doc_release(&d);
	/* columns count characters, not bytes */
	CHECK(fm_parse_yaml("é: \"à\"\n", strlen("é: \"à\"\n"), 5, &v, &e) == 0,
	    "accented");
	EQI(value_map_get(v, "é")->col, 4, "column in characters");
	EQI(value_map_get(v, "é")->line, 5, "first_line offsets lines");
	value_free(v);
}

static void
test_split(void)
{
	struct fm_doc d;
	struct ferr e;
	struct str y, b;
	unsigned yl, bl;
	char *j;
	struct buf out = BUF_INIT;

#define DOC(text) fm_parse_doc(text, sizeof(text) - 1, &d, &e)
	fm_doc_init(&d);
	CHECK(DOC("Pas de front matter\n---\n") == 0, "no front matter");
	OK(!d.has_fm && d.fm->type == VAL_MAP && d.fm->u.map.n == 0,
	    "empty map without front matter");
	EQS(d.body.data, "Pas de front matter\n---\n", "all body");
	EQI(d.body_line, 1, "body from line 1");
	CHECK(DOC("") == 0 && d.body.data != NULL && d.body.len == 0,
	    "empty file");
	CHECK(DOC("\xef\xbb\xbf---\ntitle: a\n---\nx") == 0 && d.has_fm,
	    "BOM skipped");
	EQS(d.body.data, "x", "missing final newline kept as is");
	EQS(value_str(value_map_get(d.fm, "title")), "a", "title after BOM");
	CHECK(DOC("---\r\ntitle: a b \r\nl: |\r\n  x\r\n  y\r\n---\r\nc\r\nd\r") ==
	    0, "CRLF document");
	EQS(value_str(value_map_get(d.fm, "title")), "a b", "CRLF scalar");
	EQS(value_str(value_map_get(d.fm, "l")), "x\ny\n",
	    "CRLF block scalar");
	EQS(d.body.data, "c\nd\n", "body line ends made LF");
	EQI(d.body_line, 7, "CRLF body line");
	CHECK(DOC("---  \ntitle: a\n...\t\nbody") == 0 && d.has_fm,
	    "\"...\" closes, trailing blanks allowed");
	EQS(d.body.data, "body", "body after \"...\"");
	EQI(d.body_line, 4, "body line after \"...\"");
	CHECK(DOC("---\ntitle: a\n---") == 0, "closing line without newline");
	EQS(d.body.data, "", "empty body");
	EQI(d.body_line, 3, "body line at the closing line");
	CHECK(DOC("---\n---\nbody\n") == 0 && d.has_fm && d.fm->u.map.n == 0,
	    "empty front matter");
	CHECK(fm_split("---\n----\n...x\n---\n", 18, &y, &yl, &b, &bl, &e) ==
	    0 && y.len == 10, "\"----\" and \"...x\" do not close");
	CHECK(DOC("--- \n---x\n") == -1, "unclosed front matter fails");
	EQI(e.line, 1, "unclosed points at the opening line");
	CHECK(DOC("---x\ntitle: a\n---\n") == 0 && !d.has_fm,
	    "\"---x\" does not open");
	CHECK(DOC("---") == 0 && !d.has_fm, "a lone \"---\" has no front matter");
	CHECK(DOC("---\na: 1\n---\nbody \0 NUL\n") == -1, "NUL in body refused");
	EQI(e.line, 4, "NUL line");
	EQI(e.col, 6, "NUL column");
	CHECK(DOC("---\na: 1\n---\nbody \xff\n") == -1, "bad UTF-8 in body");
	EQS(e.msg, "invalid UTF-8 byte 0xff", "bad UTF-8 message");
	CHECK(DOC("---\na: [\n---\n") == -1, "bad YAML fails");
	OK(d.fm == NULL && d.body.len == 0, "doc left empty on failure");
	fm_doc_release(&d);
	CHECK(fm_split("---\na: 1\n---\nrest", 17, &y, &yl, &b, &bl, &e) == 0,
	    "fm_split finds front matter");
	OK(y.len == 5 && memcmp(y.p, "a: 1\n", 5) == 0 && yl == 2,
	    "yaml view and line");
	OK(b.len == 4 && memcmp(b.p, "rest", 4) == 0 && bl == 4,
	    "body view and line");
	EQI(fm_split("x", 1, &y, &yl, &b, &bl, &e), FM_NONE,
	    "fm_split says FM_NONE");
	(void)j;
	buf_release(&out);
#undef DOC
}

static void
test_json(void)
{
	struct buf b = BUF_INIT;
	struct value *m, *s;
	struct vtime t = { 0, 0, 0 };

	json_escape(&b, "a\"b\\c\n\t\r\b\f\x01\x1f\x7f é/",
	    sizeof("a\"b\\c\n\t\r\b\f\x01\x1f\x7f é/") - 1);
	EQS(b.data, "a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\x7f é/",
	    "json_escape");
	buf_reset(&b);
	json_escape(&b, "a\0b", 3);
	EQS(b.data, "a\\u0000b", "NUL escaped");
#define DBL(d, want) do {						\
	buf_reset(&b);							\
	json_write_double(&b, d);					\
	EQS(b.data, want, "double %s", want);				\
} while (0)
	DBL(1.0, "1.0");
	DBL(1.5, "1.5");
	DBL(-0.25, "-0.25");
	DBL(100.0, "100.0");
	DBL(0.1, "0.1");
	DBL(1e15, "1000000000000000.0");
	DBL(1e16, "1.0e+16");
	DBL(1.25e20, "1.25e+20");
	DBL(0.0001, "0.0001");
	DBL(0.00001, "1.0e-05");
	DBL(0.0, "0.0");
	DBL(1.0 / 3, "0.3333333333333333");
	DBL(INFINITY, "Infinity");
#undef DBL
	t.secs = 1579079640;
	t.offset = 3600;
	buf_reset(&b);
	json_write_time(&b, &t);
	EQS(b.data, "2020-01-15T10:14:00+01:00", "time with offset");
	t.offset = -(5 * 3600 + 30 * 60);
	buf_reset(&b);
	json_write_time(&b, &t);
	EQS(b.data, "2020-01-15T03:44:00-05:30", "negative offset");
	t.secs = -62135596800LL;	/* 0001-01-01 */
	t.offset = 0;
	t.date_only = 1;
	buf_reset(&b);
	json_write_time(&b, &t);
	EQS(b.data, "0001-01-01", "year 1 date");
	m = value_new(VAL_MAP, 0, 0);
	s = value_new(VAL_SEQ, 0, 0);
	value_seq_push(s, value_new_int(1));
	value_seq_push(s, value_new_cstr("é"));
	value_map_set(m, "l", 1, s);
	value_map_set(m, "e", 1, value_new(VAL_MAP, 0, 0));
	value_map_set(m, "n", 1, value_new(VAL_NULL, 0, 0));
	s = value_new(VAL_FLOAT, 0, 0);
	s->u.f = NAN;
	value_map_set(m, "f", 1, s);
	buf_reset(&b);
	json_write(&b, m, 1);
	EQS(b.data, "{\n  \"l\": [\n    1,\n    \"é\"\n  ],\n  \"e\": {},\n"
	    "  \"n\": null,\n  \"f\": null\n}", "pretty JSON");
	buf_reset(&b);
	json_write(&b, m, 0);
	EQS(b.data, "{\"l\":[1,\"é\"],\"e\":{},\"n\":null,\"f\":null}",
	    "compact JSON");
	buf_reset(&b);
	json_write(&b, NULL, 0);
	EQS(b.data, "null", "NULL value");
	value_free(m);
	buf_release(&b);
}

struct hostile {
	const char *file;
	unsigned line, col;
	const char *msg;	/* start of the message; NULL: must parse */
};

static const struct hostile hostile[] = {
	{ "alias-bomb.md", 7, 8, "alias \"*e\" expands past" },
	{ "bad-float.md", 2, 4, "\"abc\" is not a float" },
	{ "binary-tag.md", 3, 8, "unsupported tag" },
	{ "complex-key.md", 3, 3, "a sequence or a mapping cannot be a key" },
	{ "control-char.md", 2, 9, "control characters are not allowed" },
	{ "deep-nesting.md", 2, 67, "nesting deeper than 64 levels" },
	{ "duplicate-key.md", 4, 1, "duplicate key \"title\" (first at line 2)" },
	{ "huge-integer.md", 3, 9, "integer \"1234567890" },
	{ "invalid-utf8.md", 2, 11, "invalid UTF-8 byte 0xe9" },
	{ "nul-byte.md", 4, 19, "NUL byte in text" },
	{ "overlong-utf8.md", 2, 12, "invalid UTF-8 byte 0xc0" },
	{ "ruby-tag.md", 3, 6, "unsupported tag \"!ruby/object" },
	{ "several-documents.md", 3, 1, "several YAML documents" },
	{ "tab-indent.md", 4, 1, "tab character" },
	{ "top-scalar.md", 2, 1, "the top level must be a mapping" },
	{ "top-sequence.md", 2, 1, "the top level must be a mapping" },
	{ "unclosed-quote.md", 4, 1, "found unexpected end of stream" },
	{ "unclosed.md", 1, 1, "front matter opened here is never closed" },
	{ "unknown-alias.md", 3, 8, "unknown alias \"*inconnu\"" },
	{ "ok-bom-no-final-newline.md", 0, 0, NULL },
	{ "ok-crlf.md", 0, 0, NULL },
	{ "ok-merge.md", 0, 0, NULL },
};

static void
test_hostile_files(void)
{
	struct buf text = BUF_INIT, path = BUF_INIT;
	struct fm_doc d;
	struct ferr e;
	char err[256];
	size_t i;
	int rc;

	fm_doc_init(&d);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const struct hostile *h = &hostile[i];

		buf_reset(&path);
		buf_printf(&path, "tests/hostile/fm/%s", h->file);
		if (buf_read_file(&text, path.data, FM_MAX_FILE, err,
		    sizeof(err)) == -1) {
			OK(0, "%s: %s", path.data, err);
			continue;
		}
		memset(&e, 0, sizeof(e));
		rc = fm_parse_doc(text.data, text.len, &d, &e);
		if (h->msg == NULL) {
			OK(rc == 0, "%s parses", h->file);
			continue;
		}
		OK(rc == -1, "%s is refused", h->file);
		EQI(e.line, h->line, "%s: line", h->file);
		EQI(e.col, h->col, "%s: column", h->file);
		OK(strncmp(e.msg, h->msg, strlen(h->msg)) == 0,
		    "%s: message \"%s\"", h->file, e.msg);
	}
	fm_doc_release(&d);
	buf_release(&text);
	buf_release(&path);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_limits(void)
{
	struct buf b = BUF_INIT;
	struct value *v;
	struct ferr e;
	double t0;
	int i;

	/* 100,000 nested "[" stop at the depth limit, quickly */
	buf_adds(&b, "a: ");
	for (i = 0; i < 100000; i++)
		buf_addc(&b, '[');
	t0 = now();
	CHECK(fm_parse_yaml(b.data, b.len, 1, &v, &e) == -1, "deep [ refused");
	OK(strstr(e.msg, "nesting deeper") != NULL, "depth message: %s",
	    e.msg);
	OK(now() - t0 < 2.0, "depth error is fast");
	/* 64 levels are fine */
	buf_reset(&b);
	buf_adds(&b, "a: ");
	for (i = 0; i < 63; i++)
		buf_addc(&b, '[');
	for (i = 0; i < 63; i++)
		buf_addc(&b, ']');
	CHECK(fm_parse_yaml(b.data, b.len, 1, &v, &e) == 0, "64 levels parse");
	value_free(v);
	/* 50,000 anchors */
	buf_reset(&b);
	buf_adds(&b, "l: [");
	for (i = 0; i < 50000; i++)
		buf_printf(&b, "&%d 1,", i);
	buf_adds(&b, "]\n");
	t0 = now();
	CHECK(fm_parse_yaml(b.data, b.len, 1, &v, &e) == -1, "50,000 anchors");
	OK(strstr(e.msg, "more than 256 anchors") != NULL,
	    "anchor limit: %s", e.msg);
	OK(now() - t0 < 2.0, "anchor limit is fast");
	/* many aliases of one small anchor stay within the node budget */
	buf_reset(&b);
	buf_adds(&b, "a: &a [1, 2, 3]\nl: [");
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "*a,");
	buf_adds(&b, "]\n");
	t0 = now();
	CHECK(fm_parse_yaml(b.data, b.len, 1, &v, &e) == -1, "alias flood");
	OK(strstr(e.msg, "expands past") != NULL, "node budget: %s", e.msg);
	OK(now() - t0 < 2.0, "alias flood stops fast");
	/* a flat list over the node budget */
	buf_reset(&b);
	buf_adds(&b, "l: [");
	for (i = 0; i < FM_MAX_NODES; i++)
		buf_adds(&b, "1,");
	buf_adds(&b, "]\n");
	CHECK(fm_parse_yaml(b.data, b.len, 1, &v, &e) == -1 &&
	    strstr(e.msg, "too large") != NULL, "node budget for plain lists");
	/* a big map with unique keys is fine and not quadratic */
	buf_reset(&b);
	for (i = 0; i < 60000; i++)
		buf_printf(&b, "key%d: %d\n", i, i);
	t0 = now();
	CHECK(fm_parse_yaml(b.data, b.len, 1, &v, &e) == 0, "60,000 keys");
	OK(v != NULL && v->u.map.n == 60000 &&
	    value_map_get(v, "key59999")->u.i == 59999, "all keys kept");
	OK(now() - t0 < 3.0, "60,000 keys parse fast");
	value_free(v);
	/* size limit */
	buf_reset(&b);
	buf_adds(&b, "---\na: 1\n---\n");
	while (b.len <= FM_MAX_FILE)
		buf_adds(&b, "texte texte texte texte\n");
	{
		struct fm_doc d;

		fm_doc_init(&d);
		CHECK(fm_parse_doc(b.data, b.len, &d, &e) == -1 &&
		    strstr(e.msg, "larger than") != NULL, "1 MiB limit");
		fm_doc_release(&d);
	}
	buf_release(&b);
}

int
main(void)
{
	test_scalars();
	test_types();
	test_yaml_forms();
	test_errors();
	test_positions();
	test_split();
	test_json();
	test_hostile_files();
	test_limits();
	return T_DONE();
}
