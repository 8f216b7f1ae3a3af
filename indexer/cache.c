#include "cache.h"

#include <string.h>

#include "store.h"

#define REC_MAGIC 0x32435253u	/* "SRC2" */
#define REC_HDR 64
#define MAX_DEPTH 128

static void
put_varint(struct buf *out, uint64_t v)
{
	while (v >= 0x80) {
		buf_addc(out, (char)(v | 0x80));
		v >>= 7;
	}
	buf_addc(out, (char)v);
}

static int
get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	unsigned shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		unsigned char c = *(*p)++;

		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

static void
put_bytes(struct buf *out, const char *s, size_t n)
{
	put_varint(out, n);
	buf_add(out, s, n);
}

/* pos: with each value's line and column. */
static void
put_value(struct buf *out, const struct value *v, int pos)
{
	unsigned char b8[8];
	size_t i;

	buf_addc(out, (char)v->type);
	if (pos) {
		put_varint(out, v->line);
		put_varint(out, v->col);
	}
	switch (v->type) {
	case VAL_NULL:
		break;
	case VAL_BOOL:
		buf_addc(out, (char)(v->u.b != 0));
		break;
	case VAL_INT:
		store_put64(b8, (uint64_t)v->u.i);
		buf_add(out, b8, 8);
		break;
	case VAL_FLOAT:
		memcpy(b8, &v->u.f, 8);
		buf_add(out, b8, 8);
		break;
	case VAL_STR:
		put_bytes(out, v->u.s.p, v->u.s.len);
		break;
	case VAL_TIME:
		store_put64(b8, (uint64_t)v->u.t.secs);
		buf_add(out, b8, 8);
		put_varint(out, (uint64_t)(int64_t)v->u.t.offset + 86400);
		buf_addc(out, (char)(v->u.t.date_only != 0));
		break;
	case VAL_SEQ:
		put_varint(out, v->u.seq.n);
		for (i = 0; i < v->u.seq.n; i++)
			put_value(out, v->u.seq.items[i], pos);
		break;
	case VAL_MAP:
		put_varint(out, v->u.map.n);
		for (i = 0; i < v->u.map.n; i++) {
			put_bytes(out, v->u.map.items[i].key,
			    v->u.map.items[i].key_len);
			put_value(out, v->u.map.items[i].val, pos);
		}
		break;
	}
}

void
cache_put_value(struct buf *out, const struct value *v)
{
	put_value(out, v, 1);
}

void
cache_value_sig(struct buf *out, const struct value *v)
{
	put_value(out, v, 0);
}

static struct value *
get_value(const unsigned char **p, const unsigned char *end, int depth)
{
	struct value *v = NULL, *item;
	uint64_t line, col, n, i, klen;
	const char *key;

	if (depth > MAX_DEPTH || *p >= end)
		return NULL;
	v = value_new((enum value_type)*(*p)++, 0, 0);
	if (get_varint(p, end, &line) == -1 || get_varint(p, end, &col) == -1)
		goto bad;
	v->line = (unsigned)line;
	v->col = (unsigned)col;
	switch (v->type) {
	case VAL_NULL:
		break;
	case VAL_BOOL:
		if (*p >= end)
			goto bad;
		v->u.b = *(*p)++ != 0;
		break;
	case VAL_INT:
		if (end - *p < 8)
			goto bad;
		v->u.i = (long long)store_get64(*p);
		*p += 8;
		break;
	case VAL_FLOAT:
		if (end - *p < 8)
			goto bad;
		memcpy(&v->u.f, *p, 8);
		*p += 8;
		break;
	case VAL_STR:
		if (get_varint(p, end, &n) == -1 || (uint64_t)(end - *p) < n)
			goto bad;
		v->u.s.p = xstrndup((const char *)*p, (size_t)n);
		v->u.s.len = (size_t)n;
		*p += n;
		break;
	case VAL_TIME:
		if (end - *p < 8)
			goto bad;
		v->u.t.secs = (long long)store_get64(*p);
		*p += 8;
		if (get_varint(p, end, &n) == -1 || *p >= end)
			goto bad;
		v->u.t.offset = (int)((int64_t)n - 86400);
		v->u.t.date_only = *(*p)++ != 0;
		break;
	case VAL_SEQ:
		if (get_varint(p, end, &n) == -1 || n > (uint64_t)(end - *p))
			goto bad;
		for (i = 0; i < n; i++) {
			if ((item = get_value(p, end, depth + 1)) == NULL)
				goto bad;
			value_seq_push(v, item);
		}
		break;
	case VAL_MAP:
		if (get_varint(p, end, &n) == -1 || n > (uint64_t)(end - *p))
			goto bad;
		for (i = 0; i < n; i++) {
			if (get_varint(p, end, &klen) == -1 ||
			    (uint64_t)(end - *p) < klen)
				goto bad;
			key = (const char *)*p;
			*p += klen;
			if ((item = get_value(p, end, depth + 1)) == NULL)
				goto bad;
			value_map_set(v, key, (size_t)klen, item);
		}
		break;
	default:
		goto bad;
	}
	return v;
bad:
	/* A half-built string node must not be freed as a string. */
	if (v->type == VAL_STR && v->u.s.p == NULL)
		v->type = VAL_NULL;
	value_free(v);
	return NULL;
}

struct value *
cache_get_value(const unsigned char **p, const unsigned char *end)
{
	return get_value(p, end, 0);
}

void
cache_rec_build(struct buf *out, const struct doc_rec *r)
{
	unsigned char h[REC_HDR];
	const struct str *parts[2];
	size_t i;

	parts[0] = &r->fm;
	parts[1] = &r->text;
	memset(h, 0, sizeof(h));
	store_put32(h, REC_MAGIC);
	store_put32(h + 4, r->flags);
	store_put64(h + 8, r->mtime_ns);
	store_put64(h + 16, r->size);
	store_put64(h + 24, r->ino);
	store_put64(h + 32, r->src_hash);
	store_put64(h + 40, r->cfg);
	store_put32(h + 48, r->body_line);
	buf_reset(out);
	buf_add(out, h, sizeof(h));
	for (i = 0; i < 2; i++) {
		unsigned char l[4];

		store_put32(l, (uint32_t)parts[i]->len);
		buf_add(out, l, 4);
	}
	for (i = 0; i < 2; i++)
		buf_add(out, parts[i]->p, parts[i]->len);
}

int
cache_rec_parse(const void *data, size_t len, struct doc_rec *r)
{
	const unsigned char *d = data;
	struct str *parts[2];
	size_t i, off;

	if (len < REC_HDR + 8 || store_get32(d) != REC_MAGIC)
		return -1;
	r->flags = store_get32(d + 4);
	r->mtime_ns = store_get64(d + 8);
	r->size = store_get64(d + 16);
	r->ino = store_get64(d + 24);
	r->src_hash = store_get64(d + 32);
	r->cfg = store_get64(d + 40);
	r->body_line = store_get32(d + 48);
	parts[0] = &r->fm;
	parts[1] = &r->text;
	off = REC_HDR + 8;
	for (i = 0; i < 2; i++) {
		uint32_t n = store_get32(d + REC_HDR + 4 * i);

		if (n > len - off)
			return -1;
		parts[i]->p = (const char *)d + off;
		parts[i]->len = n;
		off += n;
	}
	return 0;
}

void
cache_html_build(struct buf *out, const char *body, size_t body_len,
    const char *lede, size_t lede_len)
{
	unsigned char l[4];

	buf_reset(out);
	store_put32(l, (uint32_t)body_len);
	buf_add(out, l, 4);
	buf_add(out, body, body_len);
	buf_add(out, lede, lede_len);
}

int
cache_html_parse(const void *data, size_t len, struct str *body,
    struct str *lede)
{
	const char *d = data;
	uint32_t n;

	if (len < 4)
		return -1;
	n = store_get32(data);
	if (n > len - 4)
		return -1;
	*body = str_make(d + 4, n);
	*lede = str_make(d + 4 + n, len - 4 - n);
	return 0;
}

void
cache_ix_put(struct buf *out, const struct doc_ix *x)
{
	struct buf e = BUF_INIT;
	unsigned char b8[8];

	put_bytes(&e, x->relpath.p, x->relpath.len);
	put_bytes(&e, x->url.p, x->url.len);
	put_bytes(&e, x->name.p, x->name.len);
	put_varint(&e, x->mtime_ns);
	put_varint(&e, x->size);
	put_varint(&e, x->ino);
	store_put64(b8, x->src_hash);
	buf_add(&e, b8, 8);
	put_varint(&e, x->flags);
	put_varint(&e, x->body_line);
	store_put64(b8, (uint64_t)x->date_secs);
	buf_add(&e, b8, 8);
	put_varint(&e, (uint32_t)x->date_offset);
	buf_addc(&e, (char)(x->has_date | x->date_only << 1));
	put_bytes(&e, x->sketch.p, x->sketch.len);
	put_varint(out, e.len);
	buf_add(out, e.data, e.len);
	buf_release(&e);
}

static int
get_str(const unsigned char **p, const unsigned char *end, struct str *s)
{
	uint64_t n;

	if (get_varint(p, end, &n) == -1 || n > (uint64_t)(end - *p))
		return -1;
	s->p = (const char *)*p;
	s->len = (size_t)n;
	*p += n;
	return 0;
}

int
cache_ix_next(const unsigned char **p, const unsigned char *end,
    struct doc_ix *x, struct str *raw)
{
	const unsigned char *q, *e, *start = *p;
	uint64_t n, v;

	if (get_varint(p, end, &n) == -1 || n > (uint64_t)(end - *p))
		return -1;
	q = *p;
	e = q + n;
	*p = e;
	raw->p = (const char *)start;
	raw->len = (size_t)(e - start);
	if (get_str(&q, e, &x->relpath) == -1 || get_str(&q, e, &x->url) == -1 ||
	    get_str(&q, e, &x->name) == -1 ||
	    get_varint(&q, e, &x->mtime_ns) == -1 ||
	    get_varint(&q, e, &x->size) == -1 ||
	    get_varint(&q, e, &x->ino) == -1 || e - q < 8)
		return -1;
	x->src_hash = store_get64(q);
	q += 8;
	if (get_varint(&q, e, &v) == -1)
		return -1;
	x->flags = (uint32_t)v;
	if (get_varint(&q, e, &v) == -1 || e - q < 8)
		return -1;
	x->body_line = (uint32_t)v;
	x->date_secs = (int64_t)store_get64(q);
	q += 8;
	if (get_varint(&q, e, &v) == -1 || q >= e)
		return -1;
	x->date_offset = (int32_t)(uint32_t)v;
	x->has_date = *q & 1;
	x->date_only = (*q >> 1) & 1;
	q++;
	return get_str(&q, e, &x->sketch);
}
