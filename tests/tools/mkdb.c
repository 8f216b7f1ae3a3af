/*
 * mkdb: writes a test database in the layout of common/store.h, as
 * folio-index would publish it: one write transaction that empties the
 * "pages", "agenda" and "meta" databases and puts what the spec lists.
 *
 * usage: mkdb [-m MAPSIZE] DB_DIR SPEC
 *
 * SPEC has one directive a line; fields are separated by blanks; a field
 * "@path" means the bytes of that file (relative to the spec's directory),
 * any other field is taken as it is. Blank lines and lines starting with #
 * are skipped.
 *   page KEY STATUS CACHE LASTMOD CTYPE BODY [gzip=BODY] [br=BODY]
 *        CACHE: page, short or asset; LASTMOD: seconds since the epoch
 *   redirect KEY LOCATION
 *   event END START URL HTML ICS      END and START in seconds
 *   meta NAME VALUE
 *   raw DB KEY VALUE                  bytes as they are (for bad records)
 * Errors name the spec line: "spec:line:col: what".
 */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "log.h"
#include "store.h"

#define MAXF 10

struct field {
	const char *p;
	size_t len;
	unsigned col;
};

static const char *spec_dir = ".";

/* The bytes a field stands for: a file's content for "@path". */
static int
field_value(const struct field *f, struct buf *out, struct ferr *e,
    unsigned line)
{
	char err[256], path[4096];

	buf_reset(out);
	if (f->len > 0 && f->p[0] == '@') {
		if (f->p[1] == '/')
			snprintf(path, sizeof(path), "%.*s", (int)f->len - 1,
			    f->p + 1);
		else
			snprintf(path, sizeof(path), "%s/%.*s", spec_dir,
			    (int)f->len - 1, f->p + 1);
		if (buf_read_file(out, path, 1u << 30, err, sizeof(err)) == -1) {
			ferr_set(e, line, f->col, "%s", err);
			return -1;
		}
		return 0;
	}
	buf_add(out, f->p, f->len);
	return 0;
}

static int
parse_i64(const struct field *f, int64_t *v, struct ferr *e, unsigned line)
{
	char tmp[32], *end;
	long long n;

	if (f->len == 0 || f->len >= sizeof(tmp))
		goto bad;
	memcpy(tmp, f->p, f->len);
	tmp[f->len] = '\0';
	errno = 0;
	n = strtoll(tmp, &end, 10);
	if (errno != 0 || *end != '\0')
		goto bad;
	*v = n;
	return 0;
bad:
	ferr_set(e, line, f->col, "expected an integer, got \"%.*s\"",
	    (int)f->len, f->p);
	return -1;
}

static int
put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v,
    size_t vlen, struct ferr *e, unsigned line)
{
	MDB_val key = { klen, (void *)k }, val = { vlen, (void *)v };
	int rc;

	if (klen == 0 || klen > STORE_MAX_KEY) {
		ferr_set(e, line, 1, "key length %zu out of range", klen);
		return -1;
	}
	if ((rc = mdb_put(txn, dbi, &key, &val, 0)) != 0) {
		ferr_set(e, line, 1, "put: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

static int
do_page(MDB_txn *txn, MDB_dbi pages, struct field *f, int nf, struct ferr *e,
    unsigned line)
{
	struct buf body[STORE_MAX_VARIANTS] = { BUF_INIT, BUF_INIT, BUF_INIT };
	struct buf ctype = BUF_INIT, rec = BUF_INIT;
	struct store_page_in in;
	int64_t status, lm;
	int i, rc = -1;

	memset(&in, 0, sizeof(in));
	if (nf < 7) {
		ferr_set(e, line, 1, "page needs KEY STATUS CACHE LASTMOD "
		    "CTYPE BODY");
		return -1;
	}
	if (parse_i64(&f[2], &status, e, line) == -1 ||
	    parse_i64(&f[4], &lm, e, line) == -1)
		goto out;
	in.status = (uint16_t)status;
	in.last_modified = lm;
	if (f[3].len == 4 && memcmp(f[3].p, "page", 4) == 0)
		in.cache = STORE_CACHE_PAGE;
	else if (f[3].len == 5 && memcmp(f[3].p, "short", 5) == 0)
		in.cache = STORE_CACHE_SHORT;
	else if (f[3].len == 5 && memcmp(f[3].p, "asset", 5) == 0)
		in.cache = STORE_CACHE_ASSET;
	else {
		ferr_set(e, line, f[3].col, "unknown cache class");
		goto out;
	}
	if (field_value(&f[5], &ctype, e, line) == -1 ||
	    field_value(&f[6], &body[0], e, line) == -1)
		goto out;
	in.ctype = buf_cstr(&ctype);
	in.nvariants = 1;
	in.v[0].body = buf_cstr(&body[0]);
	in.v[0].body_len = body[0].len;
	in.v[0].enc = STORE_ENC_IDENTITY;
	for (i = 7; i < nf; i++) {
		struct field v = f[i];
		uint8_t enc;
		unsigned n = in.nvariants;

		if (v.len > 5 && memcmp(v.p, "gzip=", 5) == 0) {
			enc = STORE_ENC_GZIP;
			v.p += 5, v.len -= 5, v.col += 5;
		} else if (v.len > 3 && memcmp(v.p, "br=", 3) == 0) {
			enc = STORE_ENC_BR;
			v.p += 3, v.len -= 3, v.col += 3;
		} else {
			ferr_set(e, line, f[i].col, "expected gzip= or br=");
			goto out;
		}
		if (n >= STORE_MAX_VARIANTS) {
			ferr_set(e, line, f[i].col, "too many variants");
			goto out;
		}
		if (field_value(&v, &body[n], e, line) == -1)
			goto out;
		in.v[n].body = buf_cstr(&body[n]);
		in.v[n].body_len = body[n].len;
		in.v[n].enc = enc;
		in.nvariants++;
	}
	if (store_page_build(&rec, &in) == -1) {
		ferr_set(e, line, 1, "record too large");
		goto out;
	}
	rc = put(txn, pages, f[1].p, f[1].len, rec.data, rec.len, e, line);
out:
	for (i = 0; i < STORE_MAX_VARIANTS; i++)
		buf_release(&body[i]);
	buf_release(&ctype);
	buf_release(&rec);
	return rc;
}

static int
do_redirect(MDB_txn *txn, MDB_dbi pages, struct field *f, int nf,
    struct ferr *e, unsigned line)
{
	struct store_page_in in;
	struct buf loc = BUF_INIT, rec = BUF_INIT;
	static const char body[] = "";
	int rc = -1;

	if (nf != 3) {
		ferr_set(e, line, 1, "redirect needs KEY LOCATION");
		return -1;
	}
	if (field_value(&f[2], &loc, e, line) == -1)
		goto out;
	memset(&in, 0, sizeof(in));
	in.status = 301;
	in.cache = STORE_CACHE_PAGE;
	in.ctype = "text/html; charset=utf-8";
	in.location = buf_cstr(&loc);
	in.nvariants = 1;
	in.v[0].body = body;
	in.v[0].body_len = 0;
	if (store_page_build(&rec, &in) == -1) {
		ferr_set(e, line, 1, "record too large");
		goto out;
	}
	rc = put(txn, pages, f[1].p, f[1].len, rec.data, rec.len, e, line);
out:
	buf_release(&loc);
	buf_release(&rec);
	return rc;
}

static int
do_event(MDB_txn *txn, MDB_dbi agenda, struct field *f, int nf,
    struct ferr *e, unsigned line)
{
	struct buf html = BUF_INIT, ics = BUF_INIT, key = BUF_INIT, val = BUF_INIT;
	int64_t end, start;
	int rc = -1;

	if (nf != 6) {
		ferr_set(e, line, 1, "event needs END START URL HTML ICS");
		return -1;
	}
	if (parse_i64(&f[1], &end, e, line) == -1 ||
	    parse_i64(&f[2], &start, e, line) == -1 ||
	    field_value(&f[4], &html, e, line) == -1 ||
	    field_value(&f[5], &ics, e, line) == -1)
		goto out;
	if (store_agenda_key_build(&key, end, start, f[3].p, f[3].len) == -1) {
		ferr_set(e, line, f[3].col, "url too long");
		goto out;
	}
	if (store_frag_build(&val, html.data, html.len, ics.data, ics.len) ==
	    -1) {
		ferr_set(e, line, 1, "fragment too large");
		goto out;
	}
	rc = put(txn, agenda, key.data, key.len, val.data, val.len, e, line);
out:
	buf_release(&html);
	buf_release(&ics);
	buf_release(&key);
	buf_release(&val);
	return rc;
}

static int
do_meta(MDB_txn *txn, MDB_dbi meta, struct field *f, int nf, struct ferr *e,
    unsigned line)
{
	struct buf v = BUF_INIT;
	int rc = -1;

	if (nf != 3) {
		ferr_set(e, line, 1, "meta needs NAME VALUE");
		return -1;
	}
	if (field_value(&f[2], &v, e, line) == 0)
		rc = put(txn, meta, f[1].p, f[1].len, v.data ? v.data : "",
		    v.len, e, line);
	buf_release(&v);
	return rc;
}

static int
do_raw(MDB_txn *txn, MDB_dbi dbi[3], struct field *f, int nf,
    struct ferr *e, unsigned line)
{
	static const char *const names[3] = { "pages", "agenda", "meta" };
	struct buf v = BUF_INIT;
	int i, rc = -1;

	if (nf != 4) {
		ferr_set(e, line, 1, "raw needs DB KEY VALUE");
		return -1;
	}
	for (i = 0; i < 3; i++)
		if (f[1].len == strlen(names[i]) &&
		    memcmp(f[1].p, names[i], f[1].len) == 0)
			break;
	if (i == 3) {
		ferr_set(e, line, f[1].col, "unknown database");
		return -1;
	}
	if (field_value(&f[3], &v, e, line) == 0)
		rc = put(txn, dbi[i], f[2].p, f[2].len, v.data ? v.data : "",
		    v.len, e, line);
	buf_release(&v);
	return rc;
}

static int
run_spec(MDB_txn *txn, MDB_dbi dbi[3], const struct buf *spec,
    struct ferr *e)
{
	const char *p = spec->data, *end = spec->data + spec->len;
	unsigned line = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q;
		struct field f[MAXF];
		int nf = 0, rc;

		if (eol == NULL)
			eol = end;
		line++;
		for (q = p; q < eol;) {
			while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
				q++;
			if (q == eol)
				break;
			if (nf == MAXF) {
				ferr_set(e, line, (unsigned)(q - p) + 1,
				    "too many fields");
				return -1;
			}
			f[nf].p = q;
			f[nf].col = (unsigned)(q - p) + 1;
			while (q < eol && *q != ' ' && *q != '\t' && *q != '\r')
				q++;
			f[nf].len = (size_t)(q - f[nf].p);
			nf++;
		}
		p = eol + 1;
		if (nf == 0 || f[0].p[0] == '#')
			continue;
#define IS(w) (f[0].len == sizeof(w) - 1 && memcmp(f[0].p, w, f[0].len) == 0)
		if (IS("page"))
			rc = do_page(txn, dbi[0], f, nf, e, line);
		else if (IS("redirect"))
			rc = do_redirect(txn, dbi[0], f, nf, e, line);
		else if (IS("event"))
			rc = do_event(txn, dbi[1], f, nf, e, line);
		else if (IS("meta"))
			rc = do_meta(txn, dbi[2], f, nf, e, line);
		else if (IS("raw"))
			rc = do_raw(txn, dbi, f, nf, e, line);
		else {
			ferr_set(e, line, 1, "unknown directive \"%.*s\"",
			    (int)f[0].len, f[0].p);
			rc = -1;
		}
#undef IS
		if (rc == -1)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const names[3] = { "pages", "agenda", "meta" };
	struct buf spec = BUF_INIT, dir = BUF_INIT;
	size_t mapsize = 64u << 20;
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi[3];
	struct ferr e;
	char err[256];
	const char *slash;
	int rc, i, ret = 1;

	if (argc == 5 && strcmp(argv[1], "-m") == 0) {
		mapsize = (size_t)strtoull(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: mkdb [-m MAPSIZE] DB_DIR SPEC\n");
		return 2;
	}
	if (buf_read_file(&spec, argv[2], 64u << 20, err, sizeof(err)) == -1) {
		fprintf(stderr, "mkdb: %s\n", err);
		return 1;
	}
	if ((slash = strrchr(argv[2], '/')) != NULL) {
		buf_add(&dir, argv[2], (size_t)(slash - argv[2]));
		spec_dir = buf_cstr(&dir);
	}
	if (mkdir(argv[1], 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "mkdb: %s: %s\n", argv[1], strerror(errno));
		goto out;
	}
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(env, STORE_MAXREADERS)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, mapsize)) != 0 ||
	    (rc = mdb_env_open(env, argv[1], 0, 0644)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0) {
		fprintf(stderr, "mkdb: %s: %s\n", argv[1], mdb_strerror(rc));
		goto out;
	}
	for (i = 0; i < 3; i++) {
		if ((rc = mdb_dbi_open(txn, names[i], MDB_CREATE, &dbi[i])) != 0 ||
		    (rc = mdb_drop(txn, dbi[i], 0)) != 0) {
			fprintf(stderr, "mkdb: %s: %s\n", names[i],
			    mdb_strerror(rc));
			goto out;
		}
	}
	memset(&e, 0, sizeof(e));
	if (run_spec(txn, dbi, &spec, &e) == -1) {
		log_ferr(argv[2], &e);
		goto out;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		fprintf(stderr, "mkdb: commit: %s\n", mdb_strerror(rc));
		goto out;
	}
	ret = 0;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	buf_release(&spec);
	buf_release(&dir);
	return ret;
}
