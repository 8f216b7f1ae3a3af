#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "t.h"
#include "tmpl.h"
#include "value.h"

/* OK() evaluates its condition twice; these conditions have effects. */
#define CHECK(cond, ...) do {						\
	int check_ = (cond);						\
	OK(check_, __VA_ARGS__);					\
} while (0)

static struct value *
map(void)
{
	return value_new(VAL_MAP, 0, 0);
}

static struct value *
seq(void)
{
	return value_new(VAL_SEQ, 0, 0);
}

static void
put(struct value *m, const char *k, struct value *v)
{
	value_map_set(m, k, strlen(k), v);
}

static void
puts_(struct value *m, const char *k, const char *s)
{
	put(m, k, value_new_cstr(s));
}

static struct value *
dbl(double f)
{
	struct value *v = value_new(VAL_FLOAT, 0, 0);

	v->u.f = f;
	return v;
}

static int
add(struct tmpl_set *set, const char *name, const char *src, struct ferr *e)
{
	return tmpl_set_add(set, name, src, strlen(src), NULL, e);
}

/* Renders src (as template "t", with set's other templates) or NULL. */
static char out[8192];

static const char *
run(struct tmpl_set *set, const char *src, const struct value *data)
{
	struct buf b = BUF_INIT;
	struct ferr e;

	out[0] = '\0';
	if (add(set, "t", src, &e) == -1) {
		snprintf(out, sizeof(out), "compile error %u:%u: %s", e.line,
		    e.col, e.msg);
		return out;
	}
	if (tmpl_render(set, "t", data, &b, &e, NULL) == -1)
		snprintf(out, sizeof(out), "render error %u:%u: %s", e.line,
		    e.col, e.msg);
	else
		snprintf(out, sizeof(out), "%s", buf_cstr(&b));
	buf_release(&b);
	return out;
}

/* Compiles src and expects an error at line:col with msg in it. */
static void
bad(const char *src, unsigned line, unsigned col, const char *msg,
    const char *what)
{
	struct tmpl_set *set = tmpl_set_new();
	struct ferr e;
	int rc;

	memset(&e, 0, sizeof(e));
	rc = add(set, "t", src, &e);
	CHECK(rc == -1 && e.line == line && e.col == col &&
	    strstr(e.msg, msg) != NULL, "error: %s", what);
	if (rc != -1 || e.line != line || e.col != col ||
	    strstr(e.msg, msg) == NULL)
		printf("#   got %d %u:%u: %s\n", rc, e.line, e.col, e.msg);
	CHECK(!tmpl_has(set, "t"), "error: %s: nothing added", what);
	tmpl_set_free(set);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static int
collect_use(const char *used, int found, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%s%s%s", b->len ? "," : "", used, found ? "" : "?");
	return 0;
}

static void
test_tags(void)
{
	struct tmpl_set *set = tmpl_set_new();
	struct value *d = map(), *m, *l, *it;
	struct vtime tm;

	puts_(d, "name", "Ségur <numérique> & \"co\"");
	puts_(d, "empty", "");
	put(d, "n", value_new_int(-42));
	put(d, "f", dbl(1.21));
	put(d, "whole", dbl(3.0));
	put(d, "yes", value_new_bool(1));
	put(d, "no", value_new_bool(0));
	put(d, "nil", value_new(VAL_NULL, 0, 0));
	tm.secs = 1709627400;	/* 2024-03-05T08:30:00Z */
	tm.offset = 3600;
	tm.date_only = 0;
	put(d, "when", value_new_time(tm));
	tm.secs = 1709596800 - 3600;	/* 2024-03-05 at +01:00 */
	tm.date_only = 1;
	put(d, "day", value_new_time(tm));
	tm.secs = -86400;
	tm.offset = -5400;
	tm.date_only = 0;
	put(d, "old", value_new_time(tm));
	m = map();
	puts_(m, "title", "Inner");
	put(m, "deep", map());
	puts_(value_map_get(m, "deep"), "x", "X");
	put(d, "page", m);
	l = seq();
	it = map();
	puts_(it, "t", "a");
	value_seq_push(l, it);
	it = map();
	puts_(it, "t", "b");
	value_seq_push(l, it);
	put(d, "items", l);
	l = seq();
	value_seq_push(l, value_new_cstr("x"));
	value_seq_push(l, value_new_int(2));
	put(d, "plain", l);
	put(d, "none", seq());

	EQS(run(set, "{{name}}", d),
	    "Ségur &lt;numérique&gt; &amp; &quot;co&quot;", "{{x}} escapes");
	EQS(run(set, "{{{name}}}|{{& name}}", d),
	    "Ségur <numérique> & \"co\"|Ségur <numérique> & \"co\"",
	    "{{{x}}} and {{&x}} do not");
	EQS(run(set, "{{n}} {{f}} {{whole}} {{yes}} {{no}} [{{nil}}]", d),
	    "-42 1.21 3 true false []", "ints, floats, booleans, null");
	EQS(run(set, "{{when}} {{day}} {{old}}", d),
	    "2024-03-05T09:30:00+01:00 2024-03-05 1969-12-30T22:30:00-01:30",
	    "times in ISO 8601 with their offset");
	EQS(run(set, "[{{missing}}][{{page.nope.x}}]", d), "[][]",
	    "missing names print nothing");
	EQS(run(set, "{{page.title}} {{page.deep.x}}", d), "Inner X",
	    "dotted names");
	EQS(run(set, "{{#page}}{{title}}/{{name}}{{/page}}", d),
	    "Inner/Ségur &lt;numérique&gt; &amp; &quot;co&quot;",
	    "a map section pushes, outer names still seen");
	EQS(run(set, "{{#items}}<{{t}}>{{/items}}", d), "<a><b>",
	    "a list section repeats");
	EQS(run(set, "{{#plain}}({{.}}){{/plain}}", d), "(x)(2)",
	    "implicit iterator");
	EQS(run(set, "{{#none}}x{{/none}}{{^none}}empty{{/none}}", d),
	    "empty", "an empty list is false");
	EQS(run(set, "{{#empty}}x{{/empty}}{{^empty}}no{{/empty}}", d), "no",
	    "an empty string is false");
	EQS(run(set, "{{#nil}}x{{/nil}}{{#missing}}y{{/missing}}"
	    "{{^nil}}a{{/nil}}{{^missing}}b{{/missing}}", d), "ab",
	    "null and missing are false");
	EQS(run(set, "{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{^no}}n{{/no}}", d),
	    "Yn", "booleans");
	EQS(run(set, "{{#name}}{{.}}{{/name}}", d),
	    "Ségur &lt;numérique&gt; &amp; &quot;co&quot;",
	    "a string section pushes the string");
	EQS(run(set, "{{#n}}{{.}}{{/n}}", d), "-42", "a number is true");
	EQS(run(set, "a{{! a comment\nover lines }}b", d), "ab", "comments");
	EQS(run(set, "{{=<% %>=}}<% n %>{{n}}<%={{ }}=%>{{n}}", d),
	    "-42{{n}}-42", "delimiter changes");
	EQS(run(set, "{{=| |=}}|{f}|", d), "1.21",
	    "triple mustache with other delimiters");
	EQS(run(set, "a\n  {{#yes}}\n  b\n  {{/yes}}\nc\n", d), "a\n  b\nc\n",
	    "standalone section lines vanish");
	EQS(run(set, "a\r\n{{#yes}}\r\nb\r\n{{/yes}}\r\n", d), "a\r\nb\r\n",
	    "CRLF standalone lines");
	EQS(run(set, " {{#yes}}x{{/yes}} \n", d), " x \n",
	    "inline sections keep their blanks");
	EQS(run(set, "", d), "", "an empty template");
	EQS(run(set, "{{n}}", NULL), "", "no data at all");

	CHECK(add(set, "item", "* {{t}}\n", NULL) == 0, "add a partial");
	EQS(run(set, "list:\n  {{#items}}\n  {{>item}}\n  {{/items}}\nend\n",
	    d), "list:\n  * a\n  * b\nend\n", "standalone partial indented");
	EQS(run(set, "[{{> item }}]", d), "[* \n]", "inline partial");
	EQS(run(set, "[{{>nothing}}]", d), "[]",
	    "a missing partial renders nothing");
	tmpl_set_free(set);
	value_free(d);
}

static void
test_inheritance(void)
{
	struct tmpl_set *set = tmpl_set_new();
	struct value *d = map();
	struct ferr e;

	puts_(d, "title", "Agenda");
	CHECK(add(set, "layout",
	    "<html>\n"
	    "<title>{{$title}}folio{{/title}}</title>\n"
	    "<body>\n"
	    "  {{$body}}\n"
	    "  <p>nothing</p>\n"
	    "  {{/body}}\n"
	    "{{>footer}}\n"
	    "</body>\n", &e) == 0, "layout compiles");
	CHECK(add(set, "footer", "<footer>{{$foot}}©{{/foot}}</footer>\n", &e) == 0,
	    "footer compiles");
	EQS(run(set, "{{<layout}}{{$title}}{{title}} - folio{{/title}}\n"
	    "{{$body}}\n<h1>{{title}}</h1>\n<p>text</p>\n{{/body}}\n"
	    "{{/layout}}\n", d),
	    "<html>\n<title>Agenda - folio</title>\n<body>\n"
	    "  <h1>Agenda</h1>\n  <p>text</p>\n<footer>©</footer>\n</body>\n",
	    "blocks override the layout, reindented");
	EQS(run(set, "{{<layout}}{{/layout}}", d),
	    "<html>\n<title>folio</title>\n<body>\n  <p>nothing</p>\n"
	    "<footer>©</footer>\n</body>\n", "defaults when not overridden");
	EQS(run(set, "{{<layout}}{{$foot}}RF{{/foot}}{{/layout}}", d),
	    "<html>\n<title>folio</title>\n<body>\n  <p>nothing</p>\n"
	    "<footer>RF</footer>\n</body>\n",
	    "arguments reach blocks of partials the parent includes");
	CHECK(add(set, "page", "{{<layout}}{{$title}}Page{{/title}}{{/layout}}",
	    &e) == 0, "a middle template");
	EQS(run(set, "{{<page}}{{$title}}Top{{/title}}{{/page}}", d),
	    "<html>\n<title>Top</title>\n<body>\n  <p>nothing</p>\n"
	    "<footer>©</footer>\n</body>\n",
	    "the outermost argument wins");
	EQS(run(set, "{{<page}}{{/page}}", d),
	    "<html>\n<title>Page</title>\n<body>\n  <p>nothing</p>\n"
	    "<footer>©</footer>\n</body>\n", "the middle one otherwise");
	EQS(run(set, "{{$x}}default {{title}}{{/x}}", d), "default Agenda",
	    "a block outside any parent shows its default");
	tmpl_set_free(set);
	value_free(d);
}

static void
test_errors(void)
{
	struct tmpl_set *set;
	struct value *d, *n;
	struct buf b = BUF_INIT;
	struct ferr e;
	const char *epath = NULL;
	int i;

	bad("a\n  {{#x}}\nb", 2, 3, "unclosed section \"x\"",
	    "unclosed section");
	bad("{{<p}}{{$a}}x{{/p}}", 1, 14,
	    "close tag \"p\" does not match block \"a\" opened at line 1, "
	    "column 7", "mismatched close");
	bad("x\n{{/x}}", 2, 1, "close tag \"x\" without an open section",
	    "close without open");
	bad("ab\n c {{=<% %>}}", 2, 4, "unclosed tag", "bad delimiter change, "
	    "unclosed");
	bad("{{= <% =}}", 1, 1, "bad delimiter change", "one delimiter only");
	bad("{{=<% = %>=}}", 1, 1, "bad delimiter change",
	    "'=' inside a delimiter");
	bad("é {{name", 1, 3, "unclosed tag \"{{\"",
	    "unclosed tag, column counts characters");
	bad("{{ }}", 1, 1, "empty tag", "empty tag");
	bad("{{a b}}", 1, 1, "bad tag name \"a b\"", "blank inside a name");
	bad("{{<p}}x", 1, 1, "unclosed parent \"p\"", "unclosed parent");
	bad("{{=[ ]=}}\n\n[#s]", 3, 1, "unclosed section \"s\"",
	    "positions with changed delimiters");

	set = tmpl_set_new();
	CHECK(add(set, "t", "old", &e) == 0, "a good template");
	CHECK(add(set, "t", "{{#x}}", &e) == -1, "a bad replacement");
	EQS(run(set, "old", NULL), "old", "the good one stays");

	CHECK(add(set, "a", "x\n  {{> missing }}\n", &e) == 0 &&
	    tmpl_set_check(set, &e, &epath) == -1 && e.line == 2 &&
	    e.col == 3 && strstr(e.msg, "partial \"missing\" not found") &&
	    strcmp(epath, "a") == 0, "check: missing partial at 2:3 in a");
	CHECK(add(set, "missing", "", &e) == 0 &&
	    tmpl_set_check(set, &e, &epath) == 0, "check passes once added");
	CHECK(add(set, "b", "{{#s}}{{<lay}}{{/lay}}{{/s}}", &e) == 0 &&
	    tmpl_set_check(set, &e, &epath) == -1 && e.line == 1 &&
	    e.col == 7 && strstr(e.msg, "parent template \"lay\" not found") &&
	    strcmp(epath, "b") == 0, "check: unknown parent at 1:7 in b");
	tmpl_set_free(set);

	/* a partial that includes itself while the data goes on */
	set = tmpl_set_new();
	CHECK(tmpl_set_add(set, "node", "{{v}}{{#kid}}\n{{>node}}{{/kid}}", 31,
	    "_templates/node.mustache", &e) == 0, "recursive partial");
	d = map();
	n = d;
	for (i = 0; i < 3; i++) {
		put(n, "v", value_new_int(i));
		put(n, "kid", map());
		n = value_map_get(n, "kid");
	}
	/* an empty map would find the outer "kid" again: Mustache scoping */
	put(n, "kid", value_new_bool(0));
	CHECK(tmpl_render(set, "node", d, &b, &e, NULL) == 0 &&
	    strcmp(buf_cstr(&b), "0\n1\n2\n2") == 0,
	    "recursion bounded by data renders");
	for (i = 0; i < 1000; i++) {
		put(n, "kid", map());
		n = value_map_get(n, "kid");
	}
	buf_reset(&b);
	epath = NULL;
	CHECK(tmpl_render(set, "node", d, &b, &e, &epath) == -1 &&
	    e.line == 1 && e.col == 6 && strstr(e.msg, "nested deeper") &&
	    epath != NULL && strcmp(epath, "_templates/node.mustache") == 0,
	    "too deep: a clean error at the tag");
	CHECK(add(set, "loop", "{{<loop}}{{/loop}}", &e) == 0 &&
	    tmpl_render(set, "loop", NULL, &b, &e, NULL) == -1,
	    "a parent that is itself: clean error");
	for (i = 0; i < 30; i++) {
		char name[16], src[64];

		snprintf(name, sizeof(name), "f%d", i);
		snprintf(src, sizeof(src), "{{>f%d}}{{>f%d}}", i + 1, i + 1);
		CHECK(add(set, name, i == 29 ? "0123456789" : src, &e) == 0,
		    "fan-out template %s", name);
	}
	tmpl_set_max_output(set, 1 << 20);
	buf_reset(&b);
	CHECK(tmpl_render(set, "f0", NULL, &b, &e, &epath) == -1 &&
	    strstr(e.msg, "output larger than 1048576 bytes") != NULL &&
	    b.len < (1 << 20) + 100, "doubling templates: output limit");
	CHECK(tmpl_render(set, "nope", NULL, &b, &e, NULL) == -1 &&
	    strstr(e.msg, "no template \"nope\"") != NULL,
	    "render of an unknown template");
	value_free(d);
	buf_release(&b);
	tmpl_set_free(set);
}

static void
test_dirs(void)
{
	char base[] = "/tmp/folio-tmpl.XXXXXX", def[600], site[600],
	    cmd[700];
	struct tmpl_set *set = tmpl_set_new();
	struct buf b = BUF_INIT;
	struct ferr e;
	const char *epath = NULL;
	uint64_t h1, h2, h3;

	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(def, sizeof(def), "%s/default", base);
	snprintf(site, sizeof(site), "%s/site", base);
	mkdir(def, 0700);
	mkdir(site, 0700);
	write_file(def, "page.mustache", "{{<base}}{{$main}}P{{/main}}"
	    "{{/base}}");
	write_file(def, "base.mustache", "[{{>head}}|{{$main}}{{/main}}]");
	write_file(def, "head.mustache", "default head");
	write_file(def, "notes.txt", "{{#not a template");
	write_file(site, "head.mustache", "site head");

	CHECK(tmpl_set_load_dir(set, def, &e, &epath) == 0, "load defaults");
	CHECK(tmpl_has(set, "page") && tmpl_has(set, "base") &&
	    tmpl_has(set, "head") && !tmpl_has(set, "notes"),
	    "only *.mustache files, named without the extension");
	CHECK(tmpl_set_check(set, &e, &epath) == 0, "defaults check");
	CHECK(tmpl_render(set, "page", NULL, &b, &e, NULL) == 0 &&
	    strcmp(buf_cstr(&b), "[default head|P]") == 0, "default render");
	h1 = tmpl_hash(set, "page");
	CHECK(h1 != 0 && h1 == tmpl_hash(set, "page"), "hash is stable");
	buf_reset(&b);
	CHECK(tmpl_uses(set, "page", collect_use, &b) == 0 &&
	    strcmp(buf_cstr(&b), "base,head") == 0, "page uses base, head");

	CHECK(tmpl_set_load_dir(set, site, &e, &epath) == 0, "load site");
	buf_reset(&b);
	CHECK(tmpl_render(set, "page", NULL, &b, &e, NULL) == 0 &&
	    strcmp(buf_cstr(&b), "[site head|P]") == 0,
	    "the later directory overrides a partial");
	h2 = tmpl_hash(set, "page");
	CHECK(h2 != h1, "hash follows an included template");
	h3 = tmpl_hash(set, "head");
	CHECK(add(set, "unrelated", "x", &e) == 0 &&
	    tmpl_hash(set, "page") == h2 && tmpl_hash(set, "head") == h3,
	    "hash ignores templates not used");
	EQI(tmpl_hash(set, "nope"), 0, "no hash for no template");

	write_file(site, "broken.mustache", "line\n{{#open}}\n");
	CHECK(tmpl_set_load_dir(set, site, &e, &epath) == -1 && e.line == 2 &&
	    e.col == 1 && strstr(epath, "site/broken.mustache") != NULL,
	    "a broken file: path, line and column");
	CHECK(tmpl_set_load_dir(set, "/nonexistent/folio", &e, &epath) == -1 &&
	    strcmp(epath, "/nonexistent/folio") == 0,
	    "a missing directory is an error");

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", base);
	buf_release(&b);
	tmpl_set_free(set);
}

/* Random bytes from the template alphabet: never a crash or a hang. */
static void
test_garbage(void)
{
	static const char alpha[] = "{}#^/!<>$&=. \n\tab";
	struct tmpl_set *set = tmpl_set_new();
	struct value *d = map();
	struct buf b = BUF_INIT;
	struct ferr e;
	char src[64];
	unsigned seed = 12345;
	int i, j, compiled = 0, len;

	puts_(d, "a", "A");
	put(d, "b", seq());
	value_seq_push(value_map_get(d, "b"), map());
	for (i = 0; i < 20000; i++) {
		len = (int)(seed % sizeof(src));
		for (j = 0; j < len; j++) {
			seed = seed * 1103515245u + 12345u;
			src[j] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		seed = seed * 1103515245u + 12345u;
		if (tmpl_set_add(set, i % 2 ? "a" : "b", src, (size_t)len,
		    NULL, &e) == 0) {
			compiled++;
			buf_reset(&b);
			(void)tmpl_render(set, i % 2 ? "a" : "b", d, &b, &e,
			    NULL);
		} else if (e.line == 0 || e.col == 0)
			break;
	}
	EQI(i, 20000, "20000 random templates: errors all located");
	CHECK(compiled > 100, "some random templates compile (%d)", compiled);
	buf_release(&b);
	value_free(d);
	tmpl_set_free(set);
}

static void
test_many(void)
{
	struct tmpl_set *set = tmpl_set_new();
	struct value *d = map(), *l = seq(), *it;
	struct buf b = BUF_INIT, first = BUF_INIT;
	struct ferr e;
	struct timespec t0, t1;
	char *data;
	int i, same = 1, moved = 0;

	CHECK(add(set, "layout", "<main>\n  {{$body}}{{/body}}\n</main>\n",
	    &e) == 0 && add(set, "p", "{{<layout}}{{$body}}<h1>{{title}}"
	    "</h1>{{#tags}}<a>{{.}}</a>{{/tags}}{{/body}}{{/layout}}",
	    &e) == 0, "page templates");
	puts_(d, "title", "Un événement & co");
	for (i = 0; i < 5; i++) {
		it = value_new_cstr("tag");
		value_seq_push(l, it);
	}
	put(d, "tags", l);
	(void)tmpl_render(set, "p", d, &first, &e, NULL);
	buf_reset(&b);
	(void)tmpl_render(set, "p", d, &b, &e, NULL);
	data = b.data;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 10000; i++) {
		buf_reset(&b);
		if (tmpl_render(set, "p", d, &b, &e, NULL) == -1 ||
		    strcmp(b.data, first.data) != 0)
			same = 0;
		if (b.data != data)
			moved++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# 10000 renders of %zu bytes: %.1f ms\n", first.len,
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	CHECK(same, "10000 renders give the same page");
	EQI(moved, 0, "a reused buffer is never reallocated");
	buf_release(&b);
	buf_release(&first);
	value_free(d);
	tmpl_set_free(set);
}

int
main(void)
{
	test_tags();
	test_inheritance();
	test_errors();
	test_dirs();
	test_garbage();
	test_many();
	return T_DONE();
}
