#include "serve.h"

#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "agenda.h"
#include "http.h"
#include "log.h"
#include "resp.h"
#include "store.h"

/* Longest path the canonical spellings are built in. */
#define CAND_MAX (STORE_MAX_KEY + 1)
/* Code points an NFC conversion may go through. */
#define NFC_MAX 1024

static const char builtin_404[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
    "<title>Page introuvable</title></head>\n"
    "<body><h1>Page introuvable</h1></body></html>\n";

/* Cache-Control by cache class (enum store_cache). */
static void
cache_line(struct resp *r, unsigned cache)
{
	switch (cache) {
	case STORE_CACHE_SHORT:
		RESP_LINE(r, "Cache-Control: public, max-age=60");
		break;
	case STORE_CACHE_ASSET:
		RESP_LINE(r, "Cache-Control: public, max-age=31536000");
		break;
	default:
		RESP_LINE(r, "Cache-Control: public, max-age=300");
		break;
	}
}

static void
server_error(FCGX_Stream *out, const struct req *q, const char *why)
{
	log_error("\"%.*s\": %s", (int)(q->uri_len > 200 ? 200 : q->uri_len),
	    q->uri, why);
	resp_simple(out, q->head, 500, NULL, "internal server error\n");
}

/*
 * Sends a page record with the given status: picks the coding, answers 304
 * when a validator matches (200 only), else headers and body from the map.
 */
static void
send_page(struct worker *w, FCGX_Stream *out, const struct req *q,
    const struct store_page *p, int status)
{
	const struct store_variant *v = &p->v[0];
	unsigned avail = 0, i;
	int enc, not_modified = 0;
	int64_t ims;
	struct resp r;

	for (i = 0; i < p->nvariants; i++)
		avail |= HTTP_ENC_BIT(p->v[i].enc);
	enc = http_pick_encoding(q->accept_enc, avail);
	for (i = 0; i < p->nvariants; i++)
		if (p->v[i].enc == enc) {
			v = &p->v[i];
			break;
		}
	if (!http_header_safe(p->ctype, p->ctype_len) ||
	    !http_header_safe(v->etag, v->etag_len)) {
		server_error(out, q, "unsafe bytes in a stored header");
		return;
	}
	if (status == 200) {
		if (q->inm != NULL)
			not_modified = http_etag_match(q->inm, v->etag,
			    v->etag_len);
		else if (p->last_modified > 0 &&
		    http_parse_date(q->ims, &ims) == 0)
			not_modified = p->last_modified <= ims;
	}
	resp_start(&r, out, q->head, not_modified ? 304 : status);
	if (!not_modified) {
		RESP_HDR(&r, "Content-Type", p->ctype, p->ctype_len);
		RESP_HDRU(&r, "Content-Length", v->body_len);
	}
	if (v->enc == STORE_ENC_GZIP && !not_modified)
		RESP_LINE(&r, "Content-Encoding: gzip");
	else if (v->enc == STORE_ENC_BR && !not_modified)
		RESP_LINE(&r, "Content-Encoding: br");
	if (p->nvariants > 1)
		RESP_LINE(&r, "Vary: Accept-Encoding");
	if (status == 200) {
		RESP_HDR(&r, "ETag", v->etag, v->etag_len);
		if (p->last_modified > 0) {
			/* a spike hits few pages: keep the last text */
			if (w->lm_time != p->last_modified) {
				http_format_date(w->lm_text, p->last_modified);
				w->lm_time = p->last_modified;
			}
			RESP_HDR(&r, "Last-Modified", w->lm_text, 29);
		}
		cache_line(&r, p->cache);
	} else
		RESP_LINE(&r, "Cache-Control: public, max-age=60");
	if (not_modified)
		resp_send_headers(&r);
	else
		resp_send_direct(&r, q->fcgi, v->body, v->body_len);
}

static void
send_404(struct worker *w, FCGX_Stream *out, const struct req *q)
{
	struct db *db = &w->db;
	struct store_page p;
	struct resp r;
	struct str v;
	int rc;

	rc = db_get(db, db->pages, "/404.html", 9, &v);
	if (rc == 0 && store_page_parse(v.p, v.len, &p) == 0 &&
	    p.location == NULL) {
		send_page(w, out, q, &p, 404);
		return;
	}
	if (rc == 0)
		log_error("/404.html: malformed record, sending the built-in page");
	resp_start(&r, out, q->head, 404);
	RESP_LINE(&r, "Content-Type: text/html; charset=utf-8");
	RESP_HDRU(&r, "Content-Length", sizeof(builtin_404) - 1);
	RESP_LINE(&r, "Cache-Control: public, max-age=60");
	if (resp_send_headers(&r) == 0)
		resp_body(&r, builtin_404, sizeof(builtin_404) - 1);
}

/* A 301 to path, with the request's query string kept. */
static void
redirect_to(FCGX_Stream *out, const struct req *q, const char *path,
    size_t len)
{
	char loc[3 * CAND_MAX + 3 * 1024 + 16];
	struct resp r;
	size_t qlen = q->query_len > 1024 ? 0 : q->query_len;

	if (http_location(loc, sizeof(loc), path, len, q->query, qlen) < 0) {
		server_error(out, q, "redirect target too long");
		return;
	}
	resp_start(&r, out, q->head, 301);
	RESP_HDR(&r, "Location", loc, strlen(loc));
	RESP_LINE(&r, "Content-Length: 0");
	RESP_LINE(&r, "Cache-Control: public, max-age=300");
	resp_send_headers(&r);
}

/* A stored redirect record: its Location as it is, plus the query string. */
static void
send_redirect(FCGX_Stream *out, const struct req *q, const struct store_page *p)
{
	char loc[8192];
	struct resp r;
	size_t n = p->location_len;
	int status = p->status == 302 ? 302 : 301;

	if (!http_header_safe(p->location, n) || n >= sizeof(loc) - 1) {
		server_error(out, q, "unsafe or oversized stored Location");
		return;
	}
	memcpy(loc, p->location, n);
	if (q->query_len > 0 && memchr(loc, '?', n) == NULL &&
	    memchr(loc, '#', n) == NULL) {
		int m = http_location(loc + n, sizeof(loc) - n, "", 0, q->query,
		    q->query_len);

		if (m > 0)
			n += (size_t)m;
	}
	resp_start(&r, out, q->head, status);
	RESP_HDR(&r, "Location", loc, n);
	RESP_LINE(&r, "Content-Length: 0");
	cache_line(&r, p->cache);
	resp_send_headers(&r);
}

/*
 * Whether a page (not a redirect, not a 404 record) or an agenda route is
 * stored under path: the only targets a canonical 301 may point to.
 */
static int
exists(struct db *db, const char *path, size_t len)
{
	struct store_page p;
	struct str v;
	unsigned page;
	int kind;

	if (agenda_route(path, len, &kind, &page) &&
	    agenda_enabled(db, kind))
		return 1;
	if (db_get(db, db->pages, path, len, &v) != 0 ||
	    store_page_parse(v.p, v.len, &p) == -1)
		return 0;
	return p.status == 200 || (p.status == 301 && p.location != NULL);
}

/*
 * NFC form of path into out (CAND_MAX bytes). Returns its length, or -1
 * when path is not valid UTF-8 or the result does not fit.
 */
static long
to_nfc(const char *path, size_t len, char *out)
{
	utf8proc_int32_t cps[NFC_MAX];
	utf8proc_ssize_t n;
	size_t i;
	int ascii = 1;

	for (i = 0; i < len; i++)
		if ((unsigned char)path[i] >= 0x80)
			ascii = 0;
	if (ascii) {
		memcpy(out, path, len);
		return (long)len;
	}
	n = utf8proc_decompose((const utf8proc_uint8_t *)path,
	    (utf8proc_ssize_t)len, cps, NFC_MAX,
	    UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (n < 0 || n > NFC_MAX)
		return -1;
	n = utf8proc_normalize_utf32(cps, n, UTF8PROC_STABLE |
	    UTF8PROC_COMPOSE);
	if (n < 0)
		return -1;
	/* Re-encodes in place: the UTF-8 bytes never outgrow the array. */
	n = utf8proc_reencode(cps, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (n < 0 || n >= CAND_MAX)
		return -1;
	memcpy(out, cps, (size_t)n);
	return (long)n;
}

/*
 * The miss path: another spelling of an existing page gets a 301 to it
 * (NFC, "index.html" dropped, trailing slash added); anything else is 404.
 */
static void
miss(struct worker *w, FCGX_Stream *out, const struct req *q)
{
	struct db *db = &w->db;
	char cand[CAND_MAX + 1];
	long n;
	int changed;

	n = to_nfc(q->uri, q->uri_len, cand);
	if (n < 0) {
		send_404(w, out, q);
		return;
	}
	changed = (size_t)n != q->uri_len || memcmp(cand, q->uri, q->uri_len);
	if (n >= 11 && memcmp(cand + n - 11, "/index.html", 11) == 0) {
		n -= 10;
		changed = 1;
	}
	if (changed && exists(db, cand, (size_t)n)) {
		redirect_to(out, q, cand, (size_t)n);
		return;
	}
	if (n > 0 && cand[n - 1] != '/' && n + 1 <= STORE_MAX_KEY) {
		cand[n] = '/';
		if (exists(db, cand, (size_t)n + 1)) {
			redirect_to(out, q, cand, (size_t)n + 1);
			return;
		}
	}
	send_404(w, out, q);
}

static void
route(struct worker *w, FCGX_Stream *out, const struct req *q)
{
	struct db *db = &w->db;
	struct store_page p;
	struct str v;
	unsigned page;
	int kind, rc;

	if (q->uri_len > STORE_MAX_KEY || q->uri_len == 0 || q->uri[0] != '/') {
		/* No such key can exist; LMDB is not asked about it. */
		send_404(w, out, q);
		return;
	}
	if (agenda_route(q->uri, q->uri_len, &kind, &page) &&
	    agenda_enabled(db, kind)) {
		rc = agenda_serve(db, out, q, kind, page);
		if (rc == DB_NOTFOUND)
			send_404(w, out, q);
		else if (rc == -1)
			server_error(out, q, "agenda database error");
		return;
	}
	rc = db_get(db, db->pages, q->uri, q->uri_len, &v);
	if (rc == -1) {
		server_error(out, q, "database error");
		return;
	}
	if (rc == DB_NOTFOUND) {
		miss(w, out, q);
		return;
	}
	if (store_page_parse(v.p, v.len, &p) == -1) {
		server_error(out, q, "malformed page record");
		return;
	}
	if ((p.status == 301 || p.status == 302) && p.location != NULL)
		send_redirect(out, q, &p);
	else if (p.status == 404)
		send_404(w, out, q);
	else
		send_page(w, out, q, &p, 200);
}

/*
 * Reads the parameters the worker uses in one pass over libfcgi's array
 * (FCGX_GetParam would scan it once per name).
 */
static const char *
read_params(char **envp, struct req *q)
{
	const char *method = NULL, *e;
	char **p;

#define IS(s, lit) (strncmp((s), lit, sizeof(lit) - 1) == 0)
	for (p = envp; p != NULL && *p != NULL; p++) {
		e = *p;
		switch (e[0]) {
		case 'R':
			if (IS(e, "REQUEST_METHOD="))
				method = e + 15;
			break;
		case 'D':
			if (IS(e, "DOCUMENT_URI="))
				q->uri = e + 13;
			break;
		case 'Q':
			if (IS(e, "QUERY_STRING="))
				q->query = e + 13;
			break;
		case 'H':
			if (!IS(e, "HTTP_"))
				break;
			e += 5;
			if (IS(e, "ACCEPT_ENCODING="))
				q->accept_enc = e + 16;
			else if (IS(e, "IF_NONE_MATCH="))
				q->inm = e + 14;
			else if (IS(e, "IF_MODIFIED_SINCE="))
				q->ims = e + 18;
			break;
		}
	}
#undef IS
	return method;
}

void
serve_request(struct worker *w, FCGX_Request *r)
{
	const char *method;
	struct timespec ts;
	struct req q;

	memset(&q, 0, sizeof(q));
	q.fcgi = r;
	method = read_params(r->envp, &q);
	if (method != NULL && strcmp(method, "HEAD") == 0)
		q.head = 1;
	else if (method == NULL || strcmp(method, "GET") != 0) {
		resp_simple(r->out, 0, 405, "Allow: GET, HEAD",
		    "method not allowed\n");
		return;
	}
	if (q.uri == NULL)
		q.uri = "";
	q.uri_len = strlen(q.uri);
	q.query_len = q.query != NULL ? strlen(q.query) : 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	q.now = w->now_fixed >= 0 ? w->now_fixed : (int64_t)ts.tv_sec;
	if (db_begin(&w->db, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000)
	    != 0) {
		resp_simple(r->out, q.head, 503, "Retry-After: 5",
		    "service unavailable\n");
		return;
	}
	route(w, r->out, &q);
	db_end(&w->db);
}
