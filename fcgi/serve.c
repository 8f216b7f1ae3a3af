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

const char *
serve_cache_control(unsigned cache)
{
	switch (cache) {
	case STORE_CACHE_SHORT:
		return "public, max-age=60";
	case STORE_CACHE_ASSET:
		return "public, max-age=31536000";
	default:
		return "public, max-age=300";
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
send_page(FCGX_Stream *out, const struct req *q, const struct store_page *p,
    int status)
{
	const struct store_variant *v = &p->v[0];
	unsigned avail = 0, i;
	char date[32];
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
		resp_header(&r, "Content-Type", p->ctype, p->ctype_len);
		resp_header_u(&r, "Content-Length", v->body_len);
	}
	if (v->enc == STORE_ENC_GZIP && !not_modified)
		resp_header_s(&r, "Content-Encoding", "gzip");
	else if (v->enc == STORE_ENC_BR && !not_modified)
		resp_header_s(&r, "Content-Encoding", "br");
	if (p->nvariants > 1)
		resp_header_s(&r, "Vary", "Accept-Encoding");
	if (status == 200) {
		resp_header(&r, "ETag", v->etag, v->etag_len);
		if (p->last_modified > 0) {
			http_format_date(date, p->last_modified);
			resp_header(&r, "Last-Modified", date, 29);
		}
		resp_header_s(&r, "Cache-Control",
		    serve_cache_control(p->cache));
	} else
		resp_header_s(&r, "Cache-Control", "public, max-age=60");
	if (resp_send_headers(&r) == 0 && !not_modified)
		resp_body(&r, v->body, v->body_len);
}

static void
send_404(struct db *db, FCGX_Stream *out, const struct req *q)
{
	struct store_page p;
	struct resp r;
	struct str v;
	int rc;

	rc = db_get(db, db->pages, "/404.html", 9, &v);
	if (rc == 0 && store_page_parse(v.p, v.len, &p) == 0 &&
	    p.location == NULL) {
		send_page(out, q, &p, 404);
		return;
	}
	if (rc == 0)
		log_error("/404.html: malformed record, sending the built-in page");
	resp_start(&r, out, q->head, 404);
	resp_header_s(&r, "Content-Type", "text/html; charset=utf-8");
	resp_header_u(&r, "Content-Length", sizeof(builtin_404) - 1);
	resp_header_s(&r, "Cache-Control", "public, max-age=60");
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
	resp_header_s(&r, "Location", loc);
	resp_header_s(&r, "Content-Length", "0");
	resp_header_s(&r, "Cache-Control", "public, max-age=300");
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
	resp_header(&r, "Location", loc, n);
	resp_header_s(&r, "Content-Length", "0");
	resp_header_s(&r, "Cache-Control", serve_cache_control(p->cache));
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
miss(struct db *db, FCGX_Stream *out, const struct req *q)
{
	char cand[CAND_MAX + 1];
	long n;
	int changed;

	n = to_nfc(q->uri, q->uri_len, cand);
	if (n < 0) {
		send_404(db, out, q);
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
	send_404(db, out, q);
}

static int64_t
clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

static void
route(struct db *db, FCGX_Stream *out, const struct req *q)
{
	struct store_page p;
	struct str v;
	unsigned page;
	int kind, rc;

	if (q->uri_len > STORE_MAX_KEY || q->uri_len == 0 || q->uri[0] != '/') {
		/* No such key can exist; LMDB is not asked about it. */
		send_404(db, out, q);
		return;
	}
	if (agenda_route(q->uri, q->uri_len, &kind, &page) &&
	    agenda_enabled(db, kind)) {
		rc = agenda_serve(db, out, q, kind, page);
		if (rc == DB_NOTFOUND)
			send_404(db, out, q);
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
		miss(db, out, q);
		return;
	}
	if (store_page_parse(v.p, v.len, &p) == -1) {
		server_error(out, q, "malformed page record");
		return;
	}
	if ((p.status == 301 || p.status == 302) && p.location != NULL)
		send_redirect(out, q, &p);
	else if (p.status == 404)
		send_404(db, out, q);
	else
		send_page(out, q, &p, 200);
}

void
serve_request(struct db *db, FCGX_Request *r, int64_t now_fixed)
{
	const char *method = FCGX_GetParam("REQUEST_METHOD", r->envp);
	struct req q;

	memset(&q, 0, sizeof(q));
	if (method != NULL && strcmp(method, "HEAD") == 0)
		q.head = 1;
	else if (method == NULL || strcmp(method, "GET") != 0) {
		resp_simple(r->out, 0, 405, "Allow: GET, HEAD",
		    "method not allowed\n");
		return;
	}
	q.uri = FCGX_GetParam("DOCUMENT_URI", r->envp);
	if (q.uri == NULL)
		q.uri = "";
	q.uri_len = strlen(q.uri);
	q.query = FCGX_GetParam("QUERY_STRING", r->envp);
	q.query_len = q.query != NULL ? strlen(q.query) : 0;
	q.accept_enc = FCGX_GetParam("HTTP_ACCEPT_ENCODING", r->envp);
	q.inm = FCGX_GetParam("HTTP_IF_NONE_MATCH", r->envp);
	q.ims = FCGX_GetParam("HTTP_IF_MODIFIED_SINCE", r->envp);
	q.now = now_fixed >= 0 ? now_fixed : clock_now();
	if (db_begin(db) != 0) {
		resp_simple(r->out, q.head, 503, "Retry-After: 5",
		    "service unavailable\n");
		return;
	}
	route(db, r->out, &q);
	db_end(db);
}
