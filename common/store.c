#include "store.h"

#include <stdio.h>
#include <string.h>

#include <xxhash.h>

#define HDR_LEN 32
#define VAR_LEN 16

uint16_t
store_get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

uint32_t
store_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

uint64_t
store_get64(const unsigned char *p)
{
	return (uint64_t)store_get32(p) | (uint64_t)store_get32(p + 4) << 32;
}

void
store_put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

void
store_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

void
store_put64(unsigned char *p, uint64_t v)
{
	store_put32(p, (uint32_t)v);
	store_put32(p + 4, (uint32_t)(v >> 32));
}

uint64_t
store_hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t
store_digest(const void *p, size_t len)
{
	return XXH3_64bits(p, len);
}

void
store_etag(char out[24], const void *p, size_t len, uint8_t enc)
{
	static const char *const sfx[] = { "", "-gz", "-br" };
	uint64_t h = store_digest(p, len);

	snprintf(out, 24, "\"%016llx%s\"", (unsigned long long)h,
	    enc < 3 ? sfx[enc] : "");
}

/* Offsets and lengths must lie inside the record. */
static int
in_range(size_t len, uint32_t off, uint32_t n)
{
	return off <= len && n <= len - off;
}

int
store_page_parse(const void *data, size_t len, struct store_page *p)
{
	const unsigned char *r = data;
	uint32_t off, n, eoff;
	uint16_t en;
	unsigned i;

	if (len < HDR_LEN || store_get32(r) != STORE_MAGIC)
		return -1;
	p->status = store_get16(r + 4);
	p->cache = r[6];
	p->nvariants = r[7];
	if (p->nvariants == 0 || p->nvariants > STORE_MAX_VARIANTS ||
	    len < HDR_LEN + (size_t)p->nvariants * VAR_LEN)
		return -1;
	p->last_modified = (int64_t)store_get64(r + 8);
	off = store_get32(r + 16);
	n = store_get32(r + 20);
	if (!in_range(len, off, n))
		return -1;
	p->ctype = (const char *)r + off;
	p->ctype_len = n;
	off = store_get32(r + 24);
	n = store_get32(r + 28);
	if (!in_range(len, off, n))
		return -1;
	p->location = n ? (const char *)r + off : NULL;
	p->location_len = n;
	for (i = 0; i < p->nvariants; i++) {
		const unsigned char *v = r + HDR_LEN + i * VAR_LEN;

		off = store_get32(v);
		n = store_get32(v + 4);
		eoff = store_get32(v + 8);
		en = store_get16(v + 12);
		if (!in_range(len, off, n) || !in_range(len, eoff, en))
			return -1;
		p->v[i].body = (const char *)r + off;
		p->v[i].body_len = n;
		p->v[i].etag = (const char *)r + eoff;
		p->v[i].etag_len = en;
		p->v[i].enc = v[14];
	}
	return 0;
}

static uint32_t
append(struct buf *out, const void *p, size_t n)
{
	uint32_t off = (uint32_t)out->len;

	buf_add(out, p, n);
	return off;
}

int
store_page_build(struct buf *out, const struct store_page_in *in)
{
	unsigned char hdr[HDR_LEN + STORE_MAX_VARIANTS * VAR_LEN];
	size_t total, nhdr, i, loclen;
	char etag[24];
	uint32_t off;

	if (in->nvariants == 0 || in->nvariants > STORE_MAX_VARIANTS)
		return -1;
	loclen = in->location != NULL ? strlen(in->location) : 0;
	total = strlen(in->ctype) + loclen;
	for (i = 0; i < in->nvariants; i++)
		total += in->v[i].body_len + sizeof(etag);
	if (total > 0x7fffffffu)
		return -1;
	nhdr = HDR_LEN + (size_t)in->nvariants * VAR_LEN;
	memset(hdr, 0, sizeof(hdr));
	buf_reset(out);
	buf_add(out, hdr, nhdr);

	store_put32(hdr, STORE_MAGIC);
	store_put16(hdr + 4, in->status);
	hdr[6] = in->cache;
	hdr[7] = in->nvariants;
	store_put64(hdr + 8, (uint64_t)in->last_modified);
	off = append(out, in->ctype, strlen(in->ctype));
	store_put32(hdr + 16, off);
	store_put32(hdr + 20, (uint32_t)strlen(in->ctype));
	if (loclen > 0) {
		off = append(out, in->location, loclen);
		store_put32(hdr + 24, off);
		store_put32(hdr + 28, (uint32_t)loclen);
	}
	for (i = 0; i < in->nvariants; i++) {
		unsigned char *v = hdr + HDR_LEN + i * VAR_LEN;

		store_etag(etag, in->v[i].body, in->v[i].body_len, in->v[i].enc);
		off = append(out, etag, strlen(etag));
		store_put32(v + 8, off);
		store_put16(v + 12, (uint16_t)strlen(etag));
		off = append(out, in->v[i].body, in->v[i].body_len);
		store_put32(v, off);
		store_put32(v + 4, (uint32_t)in->v[i].body_len);
		v[14] = in->v[i].enc;
	}
	memcpy(out->data, hdr, nhdr);
	return 0;
}

static void
put_be_time(unsigned char *p, int64_t t)
{
	uint64_t u = (uint64_t)t ^ 0x8000000000000000ULL;
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)u;
		u >>= 8;
	}
}

static int64_t
get_be_time(const unsigned char *p)
{
	uint64_t u = 0;
	int i;

	for (i = 0; i < 8; i++)
		u = u << 8 | p[i];
	return (int64_t)(u ^ 0x8000000000000000ULL);
}

void
store_agenda_key(unsigned char out[STORE_AGENDA_KEY_LEN], int64_t end,
    int64_t start)
{
	put_be_time(out, end);
	put_be_time(out + 8, start);
}

void
store_agenda_key_times(const unsigned char *key, int64_t *end, int64_t *start)
{
	*end = get_be_time(key);
	*start = get_be_time(key + 8);
}

int
store_frag_parse(const void *data, size_t len, struct store_frag *f)
{
	const unsigned char *r = data;
	uint32_t off, n;

	if (len < STORE_FRAG_HDR || store_get32(r) != STORE_FRAG_MAGIC)
		return -1;
	off = store_get32(r + 4);
	n = store_get32(r + 8);
	if (!in_range(len, off, n))
		return -1;
	f->html = (const char *)r + off;
	f->html_len = n;
	off = store_get32(r + 12);
	n = store_get32(r + 16);
	if (!in_range(len, off, n))
		return -1;
	f->ics = (const char *)r + off;
	f->ics_len = n;
	return 0;
}

int
store_frag_build(struct buf *out, const char *html, size_t html_len,
    const char *ics, size_t ics_len)
{
	unsigned char hdr[STORE_FRAG_HDR];

	if (html_len > 0x3fffffffu || ics_len > 0x3fffffffu)
		return -1;
	store_put32(hdr, STORE_FRAG_MAGIC);
	store_put32(hdr + 4, STORE_FRAG_HDR);
	store_put32(hdr + 8, (uint32_t)html_len);
	store_put32(hdr + 12, (uint32_t)(STORE_FRAG_HDR + html_len));
	store_put32(hdr + 16, (uint32_t)ics_len);
	buf_reset(out);
	buf_add(out, hdr, sizeof(hdr));
	buf_add(out, html, html_len);
	buf_add(out, ics, ics_len);
	return 0;
}

int
store_agenda_key_build(struct buf *out, int64_t end, int64_t start,
    const char *url, size_t url_len)
{
	unsigned char k[STORE_AGENDA_KEY_LEN];

	if (url_len > STORE_MAX_KEY - STORE_AGENDA_KEY_LEN)
		return -1;
	store_agenda_key(k, end, start);
	buf_reset(out);
	buf_add(out, k, sizeof(k));
	buf_add(out, url, url_len);
	return 0;
}

unsigned
store_page_size(const char *p, size_t len)
{
	unsigned v = 0;
	size_t i = 0;

	if (p == NULL)
		return STORE_AGENDA_PAGE_SIZE;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' ||
	    p[i] == '\r'))
		i++;
	if (i == len || p[i] < '0' || p[i] > '9')
		return STORE_AGENDA_PAGE_SIZE;
	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
		v = v * 10 + (unsigned)(p[i] - '0');
		if (v > STORE_AGENDA_PAGE_MAX)
			return STORE_AGENDA_PAGE_SIZE;
	}
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' ||
	    p[i] == '\r'))
		i++;
	if (i != len || v == 0)
		return STORE_AGENDA_PAGE_SIZE;
	return v;
}
