#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"

#define PLAN_MAGIC "FPL1"
#define PLAN_HEAD (4 + 8 + 8 + 8 + 4)
#define PLAN_DOC 17

static void
put32(struct buf *b, uint32_t v)
{
	unsigned char x[4];

	store_put32(x, v);
	buf_add(b, x, 4);
}

static void
put64(struct buf *b, uint64_t v)
{
	unsigned char x[8];

	store_put64(x, v);
	buf_add(b, x, 8);
}

static void
head(struct buf *b, const struct plan_head *h)
{
	buf_add(b, PLAN_MAGIC, 4);
	put64(b, h->cfg);
	put64(b, h->templates);
	put64(b, h->urls);
	put32(b, h->ndocs);
}

void
plan_begin(struct buf *b, const struct plan_head *h, const size_t *newest,
    const struct plan_doc *docs)
{
	uint32_t i;

	buf_reset(b);
	head(b, h);
	for (i = 0; i < h->ndocs; i++)
		put32(b, (uint32_t)newest[i]);
	for (i = 0; i < h->ndocs; i++) {
		buf_addc(b, (char)(docs[i].event != 0));
		put64(b, (uint64_t)docs[i].start);
		put64(b, (uint64_t)docs[i].end);
	}
}

size_t
plan_section(struct buf *b)
{
	size_t at = b->len;

	put32(b, 0);
	return at;
}

void
plan_term(struct buf *b, const char *slug, const char *name,
    const size_t *docs, size_t n)
{
	size_t i;

	put32(b, (uint32_t)strlen(slug));
	buf_adds(b, slug);
	put32(b, (uint32_t)strlen(name));
	buf_adds(b, name);
	put32(b, (uint32_t)n);
	for (i = 0; i < n; i++)
		put32(b, (uint32_t)docs[i]);
}

void
plan_section_end(struct buf *b, size_t at, size_t nterms)
{
	store_put32((unsigned char *)b->data + at, (uint32_t)nterms);
}

/* Moves *p past n bytes. 0, or -1 when fewer are left. */
static int
take(const unsigned char **p, const unsigned char *end, size_t n)
{
	if ((size_t)(end - *p) < n)
		return -1;
	*p += n;
	return 0;
}

/* Checks a section of terms and moves past it. 0 or -1. */
static int
section(const unsigned char **p, const unsigned char *end, uint32_t ndocs)
{
	uint32_t nt, t, len, k, n;
	const unsigned char *q;

	if (take(p, end, 4) == -1)
		return -1;
	nt = store_get32(*p - 4);
	for (t = 0; t < nt; t++) {
		for (k = 0; k < 2; k++) {
			if (take(p, end, 4) == -1)
				return -1;
			len = store_get32(*p - 4);
			if (take(p, end, len) == -1)
				return -1;
		}
		if (take(p, end, 4) == -1)
			return -1;
		n = store_get32(*p - 4);
		q = *p;
		if (n > ndocs || take(p, end, (size_t)n * 4) == -1)
			return -1;
		for (k = 0; k < n; k++)
			if (store_get32(q + 4 * k) >= ndocs)
				return -1;
	}
	return 0;
}

int
plan_head_read(const void *data, size_t len, struct plan_head *h)
{
	const unsigned char *q = data;

	if (len < PLAN_HEAD || memcmp(q, PLAN_MAGIC, 4) != 0)
		return -1;
	h->cfg = store_get64(q + 4);
	h->templates = store_get64(q + 12);
	h->urls = store_get64(q + 20);
	h->ndocs = store_get32(q + 28);
	return 0;
}

int
plan_parse(const void *data, size_t len, const struct plan_head *want,
    struct plan *p)
{
	const unsigned char *q = data, *end = q + len;
	struct buf h = BUF_INIT;
	uint8_t *seen;
	uint32_t i, k, n = want->ndocs;
	int same, s;

	head(&h, want);
	same = len >= h.len && memcmp(data, h.data, h.len) == 0;
	buf_release(&h);
	if (!same)
		return -1;
	q += PLAN_HEAD;
	p->ndocs = n;
	p->newest = q;
	if (take(&q, end, (size_t)n * 4) == -1)
		return -1;
	seen = xcalloc((size_t)n + 1, 1);
	for (i = 0; i < n; i++) {
		k = store_get32(p->newest + 4 * (size_t)i);
		if (k >= n || seen[k]) {
			free(seen);
			return -1;
		}
		seen[k] = 1;
	}
	free(seen);
	p->docs = q;
	if (take(&q, end, (size_t)n * PLAN_DOC) == -1)
		return -1;
	for (s = 0; s < PLAN_SECTIONS; s++) {
		p->sections[s] = q;
		if (section(&q, end, n) == -1)
			return -1;
	}
	return q == end ? 0 : -1;
}

size_t
plan_newest(const struct plan *p, size_t i)
{
	return store_get32(p->newest + 4 * i);
}

void
plan_doc_get(const struct plan *p, size_t i, struct plan_doc *d)
{
	const unsigned char *r = p->docs + PLAN_DOC * i;

	d->event = r[0] != 0;
	d->start = (int64_t)store_get64(r + 1);
	d->end = (int64_t)store_get64(r + 9);
}

void
plan_terms(const struct plan *p, int section_no, struct plan_cursor *c)
{
	c->p = p->sections[section_no] + 4;
	c->left = store_get32(p->sections[section_no]);
}

int
plan_next(struct plan_cursor *c, struct plan_term *t)
{
	uint32_t len;

	if (c->left == 0)
		return 0;
	c->left--;
	len = store_get32(c->p);
	t->slug = str_make((const char *)c->p + 4, len);
	c->p += 4 + len;
	len = store_get32(c->p);
	t->name = str_make((const char *)c->p + 4, len);
	c->p += 4 + len;
	t->n = store_get32(c->p);
	t->docs = c->p + 4;
	c->p += 4 + 4 * t->n;
	return 1;
}

size_t
plan_term_doc(const struct plan_term *t, size_t i)
{
	return store_get32(t->docs + 4 * i);
}
