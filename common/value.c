#include "value.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct value *
value_new(enum value_type type, unsigned line, unsigned col)
{
	struct value *v = xcalloc(1, sizeof(*v));

	v->type = type;
	v->line = line;
	v->col = col;
	return v;
}

struct value *
value_new_str(const char *p, size_t len)
{
	struct value *v = value_new(VAL_STR, 0, 0);

	v->u.s.p = xstrndup(p, len);
	v->u.s.len = len;
	return v;
}

struct value *
value_new_cstr(const char *s)
{
	return value_new_str(s, strlen(s));
}

struct value *
value_new_int(long long i)
{
	struct value *v = value_new(VAL_INT, 0, 0);

	v->u.i = i;
	return v;
}

struct value *
value_new_bool(int b)
{
	struct value *v = value_new(VAL_BOOL, 0, 0);

	v->u.b = b != 0;
	return v;
}

struct value *
value_new_time(struct vtime t)
{
	struct value *v = value_new(VAL_TIME, 0, 0);

	v->u.t = t;
	return v;
}

void
value_free(struct value *v)
{
	size_t i;

	if (v == NULL)
		return;
	switch (v->type) {
	case VAL_STR:
		free(v->u.s.p);
		break;
	case VAL_SEQ:
		for (i = 0; i < v->u.seq.n; i++)
			value_free(v->u.seq.items[i]);
		free(v->u.seq.items);
		break;
	case VAL_MAP:
		for (i = 0; i < v->u.map.n; i++) {
			free(v->u.map.items[i].key);
			value_free(v->u.map.items[i].val);
		}
		free(v->u.map.items);
		break;
	default:
		break;
	}
	free(v);
}

struct value *
value_clone(const struct value *v)
{
	struct value *c;
	size_t i;

	if (v == NULL)
		return NULL;
	c = value_new(v->type, v->line, v->col);
	switch (v->type) {
	case VAL_STR:
		c->u.s.p = xstrndup(v->u.s.p, v->u.s.len);
		c->u.s.len = v->u.s.len;
		break;
	case VAL_SEQ:
		for (i = 0; i < v->u.seq.n; i++)
			value_seq_push(c, value_clone(v->u.seq.items[i]));
		break;
	case VAL_MAP:
		for (i = 0; i < v->u.map.n; i++)
			value_map_set(c, v->u.map.items[i].key,
			    v->u.map.items[i].key_len,
			    value_clone(v->u.map.items[i].val));
		break;
	default:
		c->u = v->u;
		break;
	}
	return c;
}

void
value_seq_push(struct value *seq, struct value *item)
{
	if (seq->u.seq.n == seq->u.seq.cap) {
		seq->u.seq.cap = seq->u.seq.cap ? seq->u.seq.cap * 2 : 4;
		seq->u.seq.items = xreallocarray(seq->u.seq.items,
		    seq->u.seq.cap, sizeof(*seq->u.seq.items));
	}
	seq->u.seq.items[seq->u.seq.n++] = item;
}

void
value_map_set(struct value *map, const char *key, size_t key_len,
    struct value *val)
{
	struct value_pair *pr;
	size_t i;

	for (i = 0; i < map->u.map.n; i++) {
		pr = &map->u.map.items[i];
		if (pr->key_len == key_len && memcmp(pr->key, key, key_len) == 0) {
			value_free(pr->val);
			pr->val = val;
			return;
		}
	}
	if (map->u.map.n == map->u.map.cap) {
		map->u.map.cap = map->u.map.cap ? map->u.map.cap * 2 : 4;
		map->u.map.items = xreallocarray(map->u.map.items,
		    map->u.map.cap, sizeof(*map->u.map.items));
	}
	pr = &map->u.map.items[map->u.map.n++];
	pr->key = xstrndup(key, key_len);
	pr->key_len = key_len;
	pr->val = val;
}

struct value *
value_map_take(struct value *map, const char *key)
{
	size_t i, n = strlen(key);
	struct value *v;

	if (map == NULL || map->type != VAL_MAP)
		return NULL;
	for (i = 0; i < map->u.map.n; i++) {
		if (map->u.map.items[i].key_len != n ||
		    memcmp(map->u.map.items[i].key, key, n) != 0)
			continue;
		v = map->u.map.items[i].val;
		free(map->u.map.items[i].key);
		memmove(&map->u.map.items[i], &map->u.map.items[i + 1],
		    (map->u.map.n - i - 1) * sizeof(map->u.map.items[0]));
		map->u.map.n--;
		return v;
	}
	return NULL;
}

struct value *
value_map_getn(const struct value *v, const char *key, size_t key_len)
{
	size_t i;

	if (v == NULL || v->type != VAL_MAP)
		return NULL;
	/* Templates look names up all the time: a call only for likely ones. */
	for (i = 0; i < v->u.map.n; i++)
		if (v->u.map.items[i].key_len == key_len && (key_len == 0 ||
		    (v->u.map.items[i].key[0] == key[0] &&
		    memcmp(v->u.map.items[i].key, key, key_len) == 0)))
			return v->u.map.items[i].val;
	return NULL;
}

struct value *
value_map_get(const struct value *v, const char *key)
{
	return value_map_getn(v, key, strlen(key));
}

struct value *
value_path(const struct value *v, const char *path)
{
	const char *dot;

	while (v != NULL) {
		dot = strchr(path, '.');
		if (dot == NULL)
			return value_map_get(v, path);
		v = value_map_getn(v, path, (size_t)(dot - path));
		path = dot + 1;
	}
	return NULL;
}

void
value_merge_under(struct value *dst, const struct value *src)
{
	struct value *have;
	size_t i;

	if (dst == NULL || src == NULL || dst->type != VAL_MAP ||
	    src->type != VAL_MAP)
		return;
	for (i = 0; i < src->u.map.n; i++) {
		const struct value_pair *pr = &src->u.map.items[i];

		have = value_map_getn(dst, pr->key, pr->key_len);
		if (have == NULL)
			value_map_set(dst, pr->key, pr->key_len,
			    value_clone(pr->val));
		else if (have->type == VAL_MAP && pr->val->type == VAL_MAP)
			value_merge_under(have, pr->val);
	}
}

int
value_text(struct buf *out, const struct value *v)
{
	if (v == NULL)
		return -1;
	switch (v->type) {
	case VAL_STR:
		buf_add(out, v->u.s.p, v->u.s.len);
		return 0;
	case VAL_INT:
		buf_printf(out, "%lld", v->u.i);
		return 0;
	case VAL_FLOAT:
		buf_printf(out, "%g", v->u.f);
		return 0;
	case VAL_BOOL:
		buf_adds(out, v->u.b ? "true" : "false");
		return 0;
	default:
		return -1;
	}
}

const char *
value_str(const struct value *v)
{
	return v != NULL && v->type == VAL_STR ? v->u.s.p : NULL;
}

int
value_truthy(const struct value *v)
{
	if (v == NULL)
		return 0;
	switch (v->type) {
	case VAL_NULL:
		return 0;
	case VAL_BOOL:
		return v->u.b;
	case VAL_STR:
		return v->u.s.len > 0;
	case VAL_SEQ:
		return v->u.seq.n > 0;
	default:
		return 1;
	}
}

int
value_is_map(const struct value *v)
{
	return v != NULL && v->type == VAL_MAP;
}

int
value_is_seq(const struct value *v)
{
	return v != NULL && v->type == VAL_SEQ;
}
