#include "agenda.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "resp.h"
#include "store.h"

#define UPCOMING_BASE "/agenda/"
#define PASSES_BASE "/agenda/passes/"
#define MAX_AGE 60

/* The frames of one kind of page, pointing into the map. */
struct frames {
	struct str head, tail, empty, prev, next;
	unsigned size;
};

/*
 * Where bytes go: pass 1 only counts and hashes them (for Content-Length
 * and the ETag), pass 2 writes them.
 */
struct sink {
	struct resp *r;		/* NULL in pass 1 */
	uint64_t len;
	uint64_t hash;
};

static void
emit(struct sink *s, const char *p, size_t n)
{
	if (n == 0)
		return;
	if (s->r != NULL) {
		resp_body(s->r, p, n);
		return;
	}
	s->len += n;
	s->hash = store_hash(s->hash, p, n);
}

/* Decimal page number after prefix; no sign, no leading zero, >= 2. */
static int
page_number(const char *p, size_t len, unsigned *page)
{
	unsigned v = 0;
	size_t i;

	if (len < 2 || p[len - 1] != '/' || p[0] == '0')
		return 0;
	for (i = 0; i + 1 < len; i++) {
		if (p[i] < '0' || p[i] > '9' || v > 100000)
			return 0;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v < 2)
		return 0;
	*page = v;
	return 1;
}

int
agenda_route(const char *path, size_t len, int *kind, unsigned *page)
{
	const char *rest;
	size_t n;

	*page = 1;
	if (len == 1 && path[0] == '/') {
		*kind = AGENDA_HOME;
		return 1;
	}
	if (len == 11 && memcmp(path, "/agenda.ics", 11) == 0) {
		*kind = AGENDA_ICS;
		return 1;
	}
	if (len < 8 || memcmp(path, UPCOMING_BASE, 8) != 0)
		return 0;
	rest = path + 8;
	n = len - 8;
	*kind = AGENDA_UPCOMING;
	if (n >= 7 && memcmp(rest, "passes/", 7) == 0) {
		*kind = AGENDA_PASSES;
		rest += 7;
		n -= 7;
	}
	if (n == 0)
		return 1;
	if (n > 5 && memcmp(rest, "page/", 5) == 0)
		return page_number(rest + 5, n - 5, page);
	return 0;
}

int
agenda_enabled(struct db *db, int kind)
{
	const char *key = kind == AGENDA_HOME ? STORE_META_HOME_HEAD :
	    STORE_META_AGENDA_HEAD;
	struct str v;

	return db_get(db, db->meta, key, strlen(key), &v) == 0;
}

static int
frame(struct db *db, const char *name, struct str *v)
{
	int rc = db_get(db, db->meta, name, strlen(name), v);

	if (rc == DB_NOTFOUND) {
		v->p = "";
		v->len = 0;
		return 0;
	}
	return rc;
}

static int
load_frames(struct db *db, int kind, struct frames *f)
{
	struct str size;
	int rc = 0;

	if (kind == AGENDA_ICS) {
		rc |= frame(db, STORE_META_ICS_HEAD, &f->head);
		rc |= frame(db, STORE_META_ICS_TAIL, &f->tail);
		f->empty.p = f->prev.p = f->next.p = "";
		f->empty.len = f->prev.len = f->next.len = 0;
		f->size = UINT32_MAX;
		return rc == 0 ? 0 : -1;
	}
	if (kind == AGENDA_HOME) {
		/* The next few events, without page navigation. */
		rc |= frame(db, STORE_META_HOME_HEAD, &f->head);
		rc |= frame(db, STORE_META_HOME_TAIL, &f->tail);
		rc |= frame(db, STORE_META_AGENDA_EMPTY, &f->empty);
		f->prev.p = f->next.p = "";
		f->prev.len = f->next.len = 0;
		f->size = STORE_HOME_EVENTS;
		return rc == 0 ? 0 : -1;
	}
	if (kind == AGENDA_UPCOMING) {
		rc |= frame(db, STORE_META_AGENDA_HEAD, &f->head);
		rc |= frame(db, STORE_META_AGENDA_TAIL, &f->tail);
		rc |= frame(db, STORE_META_AGENDA_EMPTY, &f->empty);
	} else {
		rc |= frame(db, STORE_META_PASSES_HEAD, &f->head);
		rc |= frame(db, STORE_META_PASSES_TAIL, &f->tail);
		rc |= frame(db, STORE_META_PASSES_EMPTY, &f->empty);
	}
	rc |= frame(db, STORE_META_NAV_PREV, &f->prev);
	rc |= frame(db, STORE_META_NAV_NEXT, &f->next);
	rc |= frame(db, STORE_META_PAGE_SIZE, &size);
	f->size = store_page_size(size.len > 0 ? size.p : NULL, size.len);
	return rc == 0 ? 0 : -1;
}

/* A navigation frame with every "{url}" replaced by the page's path. */
static void
emit_nav(struct sink *s, struct str f, int kind, unsigned page)
{
	const char *base = kind == AGENDA_PASSES ? PASSES_BASE : UPCOMING_BASE;
	const char *p = f.p, *end = f.p + f.len, *m;
	char url[64];
	int n;

	if (page <= 1)
		n = snprintf(url, sizeof(url), "%s", base);
	else
		n = snprintf(url, sizeof(url), "%spage/%u/", base, page);
	while (p < end) {
		m = memchr(p, '{', (size_t)(end - p));
		if (m == NULL || (size_t)(end - m) < 5) {
			emit(s, p, (size_t)(end - p));
			break;
		}
		if (memcmp(m, "{url}", 5) == 0) {
			emit(s, p, (size_t)(m - p));
			emit(s, url, (size_t)n);
			p = m + 5;
		} else {
			emit(s, p, (size_t)(m + 1 - p));
			p = m + 1;
		}
	}
}

/*
 * Walks the events of one page and emits the list. Sets *count to the
 * number of events on the page and *more when a later page has some.
 * Returns 0 or -1 (database error).
 */
static int
walk(MDB_cursor *cur, int kind, unsigned page, unsigned size, int64_t now,
    struct sink *s, unsigned *count, int *more)
{
	unsigned char k16[STORE_AGENDA_KEY_LEN];
	uint64_t skip = (uint64_t)(page - 1) * size;
	MDB_cursor_op step = kind == AGENDA_PASSES ? MDB_PREV : MDB_NEXT;
	struct store_frag f;
	MDB_val k, v;
	int rc;

	*count = 0;
	*more = 0;
	store_agenda_key(k16, now, INT64_MIN);
	k.mv_size = sizeof(k16);
	k.mv_data = k16;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (kind == AGENDA_PASSES) {
		/* The past lies before the first key at or after now. */
		if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
		else if (rc == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	}
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, step)) {
		if (k.mv_size < STORE_AGENDA_KEY_LEN ||
		    store_frag_parse(v.mv_data, v.mv_size, &f) == -1) {
			if (s->r == NULL)
				log_warn("agenda: skipping a malformed entry");
			continue;
		}
		if (skip > 0) {
			skip--;
			continue;
		}
		if (*count >= size) {
			*more = 1;
			break;
		}
		if (kind == AGENDA_ICS)
			emit(s, f.ics, f.ics_len);
		else
			emit(s, f.html, f.html_len);
		(*count)++;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		log_error("agenda: cursor: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

/* One whole page into s. Returns 0, DB_NOTFOUND (empty page > 1) or -1. */
static int
assemble(MDB_cursor *cur, const struct frames *fr, int kind, unsigned page,
    int64_t now, struct sink *s)
{
	unsigned count;
	int more;

	if (s->r == NULL && page > 1) {
		/* A page past the end is a 404, decided before any output. */
		if (cur == NULL ||
		    walk(cur, kind, page, fr->size, now, s, &count, &more) == -1)
			return cur == NULL ? DB_NOTFOUND : -1;
		if (count == 0)
			return DB_NOTFOUND;
		s->len = 0;
		s->hash = STORE_FNV0;
	}
	emit(s, fr->head.p, fr->head.len);
	count = 0;
	more = 0;
	if (cur != NULL &&
	    walk(cur, kind, page, fr->size, now, s, &count, &more) == -1)
		return -1;
	if (count == 0)
		emit(s, fr->empty.p, fr->empty.len);
	if (page > 1)
		emit_nav(s, fr->prev, kind, page - 1);
	if (more)
		emit_nav(s, fr->next, kind, page + 1);
	emit(s, fr->tail.p, fr->tail.len);
	return 0;
}

/*
 * Seconds the answer stays right: the list changes when the soonest
 * upcoming event ends, so caches must not keep it past that moment.
 */
static int64_t
max_age(MDB_cursor *cur, int64_t now)
{
	unsigned char k16[STORE_AGENDA_KEY_LEN];
	int64_t end, start, left;
	MDB_val k, v;

	if (cur == NULL)
		return MAX_AGE;
	store_agenda_key(k16, now, INT64_MIN);
	k.mv_size = sizeof(k16);
	k.mv_data = k16;
	if (mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) != 0 ||
	    k.mv_size < STORE_AGENDA_KEY_LEN)
		return MAX_AGE;
	store_agenda_key_times(k.mv_data, &end, &start);
	left = end - now + 1;
	return left < 1 ? 1 : left > MAX_AGE ? MAX_AGE : left;
}

int
agenda_serve(struct db *db, FCGX_Stream *out, const struct req *q,
    int kind, unsigned page)
{
	MDB_cursor *cur = db_agenda_cursor(db);
	struct sink s = { NULL, 0, STORE_FNV0 };
	struct frames fr;
	struct resp r;
	char etag[40], cc[40];
	int rc, n, not_modified;

	if (load_frames(db, kind, &fr) == -1)
		return -1;
	if ((rc = assemble(cur, &fr, kind, page, q->now, &s)) != 0)
		return rc;
	n = snprintf(etag, sizeof(etag), "\"a%016llx%08llx\"",
	    (unsigned long long)s.hash, (unsigned long long)(s.len & 0xffffffffu));
	snprintf(cc, sizeof(cc), "public, max-age=%lld",
	    (long long)max_age(cur, q->now));
	not_modified = q->inm != NULL &&
	    http_etag_match(q->inm, etag, (size_t)n);
	resp_start(&r, out, q->head, not_modified ? 304 : 200);
	if (!not_modified) {
		if (kind == AGENDA_ICS)
			RESP_LINE(&r, "Content-Type: text/calendar; charset=utf-8");
		else
			RESP_LINE(&r, "Content-Type: text/html; charset=utf-8");
		RESP_HDRU(&r, "Content-Length", s.len);
	}
	RESP_HDR(&r, "ETag", etag, (size_t)n);
	RESP_HDR(&r, "Cache-Control", cc, strlen(cc));
	if (resp_send_headers(&r) == -1 || not_modified || q->head)
		return 0;
	s.r = &r;
	/* Headers are out: a failure now can only cut the body short. */
	assemble(cur, &fr, kind, page, q->now, &s);
	return 0;
}
