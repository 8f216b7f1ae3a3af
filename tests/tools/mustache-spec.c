/*
 * mustache-spec: runs the official Mustache specification's JSON test
 * files against tmpl. Usage: mustache-spec [-v] file.json ...
 *
 * Prints one TAP line per test ("ok - interpolation: Basic Interpolation")
 * and ends with "mustache spec: K/N passed". Files whose name starts with
 * '~' are optional parts of the specification: ~inheritance is counted
 * like the required files (folio relies on it); ~lambdas and
 * ~dynamic-names are skipped with a "# skip" line, as tmpl supports
 * neither. Exits 0 when every counted test passed.
 *
 * The JSON reader here is strict (RFC 8259) and serves only this tool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "tmpl.h"
#include "value.h"

struct json {
	const char *s;
	size_t len, pos;
	unsigned line, col;
	int depth;
	char err[200];
};

static struct value *json_value(struct json *);

static void
json_ws(struct json *j)
{
	while (j->pos < j->len) {
		char c = j->s[j->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		if (c == '\n') {
			j->line++;
			j->col = 0;
		}
		j->pos++;
		j->col++;
	}
}

static void *
json_fail(struct json *j, const char *what)
{
	if (j->err[0] == '\0')
		snprintf(j->err, sizeof(j->err), "%u:%u: %s", j->line, j->col,
		    what);
	return NULL;
}

static int
json_lit(struct json *j, const char *lit)
{
	size_t n = strlen(lit);

	if (j->len - j->pos < n || memcmp(j->s + j->pos, lit, n) != 0)
		return 0;
	j->pos += n;
	j->col += (unsigned)n;
	return 1;
}

static int
hex4(const char *p, unsigned long *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned long)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned long)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static void
put_utf8(struct buf *b, unsigned long c)
{
	if (c < 0x80)
		buf_addc(b, (char)c);
	else if (c < 0x800) {
		buf_addc(b, (char)(0xc0 | (c >> 6)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_addc(b, (char)(0xe0 | (c >> 12)));
		buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | (c >> 18)));
		buf_addc(b, (char)(0x80 | ((c >> 12) & 0x3f)));
		buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	}
}

/* A string at j->pos (the opening quote); the text goes to b. */
static int
json_string(struct json *j, struct buf *b)
{
	unsigned long c, lo;
	unsigned char ch;

	buf_reset(b);
	if (!json_lit(j, "\""))
		return json_fail(j, "string expected"), -1;
	for (;;) {
		if (j->pos >= j->len)
			return json_fail(j, "unterminated string"), -1;
		ch = (unsigned char)j->s[j->pos++];
		j->col++;
		if (ch == '"')
			break;
		if (ch < 0x20)
			return json_fail(j, "control character in string"), -1;
		if (ch != '\\') {
			buf_addc(b, (char)ch);
			continue;
		}
		if (j->pos >= j->len)
			return json_fail(j, "unterminated string"), -1;
		ch = (unsigned char)j->s[j->pos++];
		j->col++;
		switch (ch) {
		case '"': case '\\': case '/':
			buf_addc(b, (char)ch);
			break;
		case 'b': buf_addc(b, '\b'); break;
		case 'f': buf_addc(b, '\f'); break;
		case 'n': buf_addc(b, '\n'); break;
		case 'r': buf_addc(b, '\r'); break;
		case 't': buf_addc(b, '\t'); break;
		case 'u':
			if (j->len - j->pos < 4 || hex4(j->s + j->pos, &c) == -1)
				return json_fail(j, "bad \\u escape"), -1;
			j->pos += 4;
			if (c >= 0xd800 && c <= 0xdbff) {
				if (j->len - j->pos < 6 ||
				    j->s[j->pos] != '\\' ||
				    j->s[j->pos + 1] != 'u' ||
				    hex4(j->s + j->pos + 2, &lo) == -1 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return json_fail(j, "lone surrogate"), -1;
				j->pos += 6;
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (lo - 0xdc00);
			} else if (c >= 0xdc00 && c <= 0xdfff)
				return json_fail(j, "lone surrogate"), -1;
			put_utf8(b, c);
			break;
		default:
			return json_fail(j, "bad escape"), -1;
		}
	}
	return 0;
}

static struct value *
json_number(struct json *j)
{
	size_t start = j->pos, i = j->pos;
	int isfloat = 0;
	char tmp[64];
	struct value *v;

	if (i < j->len && j->s[i] == '-')
		i++;
	if (i < j->len && j->s[i] == '0')
		i++;
	else if (i < j->len && j->s[i] >= '1' && j->s[i] <= '9')
		while (i < j->len && j->s[i] >= '0' && j->s[i] <= '9')
			i++;
	else
		return json_fail(j, "bad number");
	if (i < j->len && j->s[i] == '.') {
		isfloat = 1;
		i++;
		if (i >= j->len || j->s[i] < '0' || j->s[i] > '9')
			return json_fail(j, "bad number");
		while (i < j->len && j->s[i] >= '0' && j->s[i] <= '9')
			i++;
	}
	if (i < j->len && (j->s[i] == 'e' || j->s[i] == 'E')) {
		isfloat = 1;
		i++;
		if (i < j->len && (j->s[i] == '+' || j->s[i] == '-'))
			i++;
		if (i >= j->len || j->s[i] < '0' || j->s[i] > '9')
			return json_fail(j, "bad number");
		while (i < j->len && j->s[i] >= '0' && j->s[i] <= '9')
			i++;
	}
	if (i - start >= sizeof(tmp))
		return json_fail(j, "number too long");
	memcpy(tmp, j->s + start, i - start);
	tmp[i - start] = '\0';
	if (isfloat) {
		v = value_new(VAL_FLOAT, j->line, j->col);
		v->u.f = strtod(tmp, NULL);
	} else
		v = value_new_int(strtoll(tmp, NULL, 10));
	j->col += (unsigned)(i - start);
	j->pos = i;
	return v;
}

static struct value *
json_container(struct json *j, int map)
{
	struct value *v = value_new(map ? VAL_MAP : VAL_SEQ, j->line, j->col);
	struct value *item;
	struct buf key = BUF_INIT;
	char close = map ? '}' : ']';

	j->pos++;
	j->col++;
	json_ws(j);
	if (j->pos < j->len && j->s[j->pos] == close) {
		j->pos++;
		j->col++;
		return v;
	}
	for (;;) {
		json_ws(j);
		if (map) {
			if (json_string(j, &key) == -1)
				goto fail;
			json_ws(j);
			if (!json_lit(j, ":")) {
				json_fail(j, "':' expected");
				goto fail;
			}
		}
		if ((item = json_value(j)) == NULL)
			goto fail;
		if (map)
			value_map_set(v, buf_cstr(&key), key.len, item);
		else
			value_seq_push(v, item);
		json_ws(j);
		if (json_lit(j, ","))
			continue;
		if (j->pos < j->len && j->s[j->pos] == close) {
			j->pos++;
			j->col++;
			break;
		}
		json_fail(j, "',' or end of container expected");
		goto fail;
	}
	buf_release(&key);
	return v;
fail:
	buf_release(&key);
	value_free(v);
	return NULL;
}

static struct value *
json_value(struct json *j)
{
	struct value *v;
	struct buf b = BUF_INIT;
	char c;

	json_ws(j);
	if (j->pos >= j->len)
		return json_fail(j, "value expected");
	if (++j->depth > 200)
		return json_fail(j, "nested too deep");
	c = j->s[j->pos];
	if (c == '{' || c == '[')
		v = json_container(j, c == '{');
	else if (c == '"') {
		v = NULL;
		if (json_string(j, &b) == 0)
			v = value_new_str(buf_cstr(&b), b.len);
		buf_release(&b);
	} else if (json_lit(j, "true"))
		v = value_new_bool(1);
	else if (json_lit(j, "false"))
		v = value_new_bool(0);
	else if (json_lit(j, "null"))
		v = value_new(VAL_NULL, j->line, j->col);
	else
		v = json_number(j);
	j->depth--;
	return v;
}

static struct value *
json_parse(const char *s, size_t len, char *err, size_t errsz)
{
	struct json j = { s, len, 0, 1, 1, 0, "" };
	struct value *v = json_value(&j);

	if (v != NULL) {
		json_ws(&j);
		if (j.pos != j.len) {
			json_fail(&j, "trailing data");
			value_free(v);
			v = NULL;
		}
	}
	if (v == NULL)
		snprintf(err, errsz, "%s", j.err);
	return v;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* Runs one test; returns 1 when it passed. */
static int
run_test(const char *file, const struct value *t, int verbose)
{
	const char *name = value_str(value_map_get(t, "name"));
	const char *src = value_str(value_map_get(t, "template"));
	const char *want = value_str(value_map_get(t, "expected"));
	const struct value *parts = value_map_get(t, "partials");
	const struct value *data = value_map_get(t, "data");
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	struct ferr e;
	const char *epath = NULL;
	size_t i;
	int ok = 0;

	if (name == NULL || src == NULL || want == NULL) {
		printf("not ok - %s: malformed test\n", file);
		goto out;
	}
	for (i = 0; value_is_map(parts) && i < parts->u.map.n; i++) {
		const struct value_pair *p = &parts->u.map.items[i];

		if (value_str(p->val) == NULL ||
		    tmpl_set_add(set, p->key, p->val->u.s.p, p->val->u.s.len,
		    NULL, &e) == -1) {
			printf("not ok - %s: %s\n# partial %s: %u:%u: %s\n",
			    file, name, p->key, e.line, e.col, e.msg);
			goto out;
		}
	}
	/* the name cannot clash: partial names have no spaces */
	if (tmpl_set_add(set, "test template", src, strlen(src), NULL,
	    &e) == -1) {
		printf("not ok - %s: %s\n# %u:%u: %s\n", file, name, e.line,
		    e.col, e.msg);
		goto out;
	}
	if (tmpl_render(set, "test template", data, &out, &e, &epath) == -1) {
		printf("not ok - %s: %s\n# %s:%u:%u: %s\n", file, name,
		    epath != NULL ? epath : "", e.line, e.col, e.msg);
		goto out;
	}
	ok = strcmp(buf_cstr(&out), want) == 0;
	printf("%s - %s: %s\n", ok ? "ok" : "not ok", file, name);
	if (!ok || verbose)
		printf("#   template: %s\n#   got:  [%s]\n#   want: [%s]\n",
		    src, buf_cstr(&out), want);
out:
	buf_release(&out);
	tmpl_set_free(set);
	return ok;
}

int
main(int argc, char **argv)
{
	struct buf src = BUF_INIT;
	struct value *doc;
	const struct value *tests;
	char err[256], file[256];
	int i, verbose = 0, passed = 0, total = 0, bad = 0;
	size_t k, n;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
		argc--;
		argv++;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: mustache-spec [-v] file.json ...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		snprintf(file, sizeof(file), "%s", base_name(argv[i]));
		n = strlen(file);
		if (n > 5 && strcmp(file + n - 5, ".json") == 0)
			file[n - 5] = '\0';
		if (strcmp(file, "~lambdas") == 0 ||
		    strcmp(file, "~dynamic-names") == 0) {
			printf("# skip %s: optional, not supported\n", file);
			continue;
		}
		if (buf_read_file(&src, argv[i], 16u << 20, err,
		    sizeof(err)) == -1) {
			printf("not ok - %s: %s\n", argv[i], err);
			bad++;
			continue;
		}
		doc = json_parse(buf_cstr(&src), src.len, err, sizeof(err));
		if (doc == NULL) {
			printf("not ok - %s:%s\n", argv[i], err);
			bad++;
			continue;
		}
		tests = value_map_get(doc, "tests");
		for (k = 0; value_is_seq(tests) && k < tests->u.seq.n; k++) {
			total++;
			passed += run_test(file, tests->u.seq.items[k],
			    verbose);
		}
		value_free(doc);
	}
	buf_release(&src);
	printf("mustache spec: %d/%d passed\n", passed, total);
	return passed == total && bad == 0 ? 0 : 1;
}
