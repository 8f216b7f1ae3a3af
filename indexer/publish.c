#include "publish.h"

#include <brotli/encode.h>
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

/*
 * Levels chosen on a synthetic site of 1,000 documents (bench/index/gen.py):
 * gzip 9 + brotli 9 took 8.6 s of CPU and stored 81.2 MB; gzip 6 + brotli 5
 * took 3.1 s for 81.8 MB (0.7% more). Compression runs once per change, but
 * a full publish must stay fast.
 */
#define GZIP_LEVEL 6
#define BROTLI_QUALITY 5
#define BROTLI_WINDOW 22
#define COMPRESS_MIN 256	/* smaller bodies are sent as they are */
#define INITIAL_MAP (64UL << 20)
#define MAX_THREADS 8

static const char *const db_names[OUT_NDB] = { "pages", "agenda", "meta" };

void
outset_init(struct outset *os)
{
	os->v = NULL;
	os->n = os->cap = 0;
}

void
outset_release(struct outset *os)
{
	size_t i;

	for (i = 0; i < os->n; i++) {
		free(os->v[i].key);
		free(os->v[i].location);
		buf_release(&os->v[i].body);
		buf_release(&os->v[i].gz);
		buf_release(&os->v[i].br);
	}
	free(os->v);
	outset_init(os);
}

struct output *
outset_add(struct outset *os, enum out_db db, const char *key, size_t key_len)
{
	struct output *o;

	if (os->n == os->cap) {
		os->cap = os->cap ? os->cap * 2 : 256;
		os->v = xreallocarray(os->v, os->cap, sizeof(*os->v));
	}
	o = &os->v[os->n++];
	memset(o, 0, sizeof(*o));
	o->db = db;
	o->key = xstrndup(key, key_len);
	o->key_len = key_len;
	o->status = 200;
	o->cache = STORE_CACHE_PAGE;
	o->ctype = "text/html; charset=utf-8";
	buf_add(&o->body, "", 0);	/* data is never NULL from here on */
	return o;
}

static int
compressible(const struct output *o)
{
	return o->db == OUT_PAGES && o->status != 301 &&
	    o->body.len >= COMPRESS_MIN &&
	    (strncmp(o->ctype, "text/", 5) == 0 || strstr(o->ctype, "xml") ||
	    strstr(o->ctype, "json"));
}

/* Work shared by the compression threads: a list and a cursor. */
struct cjob {
	struct output **items;
	size_t n;
	size_t next;
	pthread_mutex_t mu;
};

static void
compress_one(struct output *o, struct libdeflate_compressor *dc)
{
	size_t bound, n;

	buf_reset(&o->gz);
	buf_reset(&o->br);
	bound = libdeflate_gzip_compress_bound(dc, o->body.len);
	buf_grow(&o->gz, bound);
	n = libdeflate_gzip_compress(dc, o->body.data, o->body.len,
	    o->gz.data, bound);
	/* A variant that saves under 5% is not worth a header and a choice. */
	if (n > 0 && n < o->body.len - o->body.len / 20)
		o->gz.len = n;
	bound = BrotliEncoderMaxCompressedSize(o->body.len);
	if (bound == 0)
		return;
	buf_grow(&o->br, bound);
	n = bound;
	if (BrotliEncoderCompress(BROTLI_QUALITY, BROTLI_WINDOW,
	    BROTLI_MODE_TEXT, o->body.len, (const uint8_t *)o->body.data, &n,
	    (uint8_t *)o->br.data) == BROTLI_TRUE &&
	    n < o->body.len - o->body.len / 20)
		o->br.len = n;
}

static void *
compress_worker(void *arg)
{
	struct cjob *job = arg;
	struct libdeflate_compressor *dc;
	size_t i;

	dc = libdeflate_alloc_compressor(GZIP_LEVEL);
	if (dc == NULL) {
		fprintf(stderr, "fatal: out of memory (compressor)\n");
		abort();
	}
	for (;;) {
		pthread_mutex_lock(&job->mu);
		i = job->next++;
		pthread_mutex_unlock(&job->mu);
		if (i >= job->n)
			break;
		compress_one(job->items[i], dc);
	}
	libdeflate_free_compressor(dc);
	return NULL;
}

/* Compresses every changed, compressible page on all cores. */
static void
compress_changed(struct outset *os)
{
	pthread_t th[MAX_THREADS];
	struct cjob job;
	long ncpu;
	size_t i, nth, started;

	memset(&job, 0, sizeof(job));
	job.items = xreallocarray(NULL, os->n ? os->n : 1, sizeof(*job.items));
	for (i = 0; i < os->n; i++)
		if (os->v[i].changed && compressible(&os->v[i]))
			job.items[job.n++] = &os->v[i];
	pthread_mutex_init(&job.mu, NULL);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	nth = ncpu < 1 ? 1 : ncpu > MAX_THREADS ? MAX_THREADS : (size_t)ncpu;
	if (nth > job.n)
		nth = job.n;
	started = 0;
	for (i = 1; i < nth; i++)
		if (pthread_create(&th[started], NULL, compress_worker, &job) == 0)
			started++;
	if (job.n > 0)
		compress_worker(&job);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&job.mu);
	free(job.items);
}

static void
page_record(const struct output *o, struct buf *rec)
{
	struct store_page_in in;

	memset(&in, 0, sizeof(in));
	in.status = o->status;
	in.cache = o->cache;
	in.last_modified = o->last_modified;
	in.ctype = o->ctype;
	in.location = o->location;
	in.v[0].body = o->body.data;
	in.v[0].body_len = o->body.len;
	in.v[0].enc = STORE_ENC_IDENTITY;
	in.nvariants = 1;
	if (o->br.len > 0) {
		in.v[in.nvariants].body = o->br.data;
		in.v[in.nvariants].body_len = o->br.len;
		in.v[in.nvariants++].enc = STORE_ENC_BR;
	}
	if (o->gz.len > 0) {
		in.v[in.nvariants].body = o->gz.data;
		in.v[in.nvariants].body_len = o->gz.len;
		in.v[in.nvariants++].enc = STORE_ENC_GZIP;
	}
	if (store_page_build(rec, &in) == -1) {
		/* Bodies over 2 GiB cannot be produced by the renderer. */
		fprintf(stderr, "fatal: page record too large: %s\n", o->key);
		abort();
	}
}

/*
 * Is the stored page equal to what o would store? The compressed variants
 * follow from the identity body (same levels, same bytes), so comparing
 * that body and the headers suffices; --full rewrites everything anyway.
 */
static int
page_same(const struct output *o, const MDB_val *v)
{
	struct store_page p;

	if (store_page_parse(v->mv_data, v->mv_size, &p) == -1)
		return 0;
	return p.status == o->status && p.cache == o->cache &&
	    p.last_modified == o->last_modified &&
	    p.ctype_len == strlen(o->ctype) &&
	    memcmp(p.ctype, o->ctype, p.ctype_len) == 0 &&
	    (o->location == NULL ? p.location == NULL :
	    p.location_len == strlen(o->location) &&
	    memcmp(p.location, o->location, p.location_len) == 0) &&
	    p.v[0].enc == STORE_ENC_IDENTITY &&
	    p.v[0].body_len == o->body.len &&
	    memcmp(p.v[0].body, o->body.data,
	    o->body.len) == 0;
}

static int
cmp_output(const void *a, const void *b)
{
	const struct output *x = *(struct output *const *)a;
	const struct output *y = *(struct output *const *)b;
	size_t n;
	int c;

	if (x->db != y->db)
		return x->db < y->db ? -1 : 1;
	n = x->key_len < y->key_len ? x->key_len : y->key_len;
	c = memcmp(x->key, y->key, n);
	if (c != 0)
		return c;
	return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

/* Is key claimed by an output of db? sorted: outputs of db in key order. */
static int
claimed(struct output **sorted, size_t n, const MDB_val *k)
{
	size_t lo = 0, hi = n, mid, m;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		m = sorted[mid]->key_len < k->mv_size ? sorted[mid]->key_len :
		    k->mv_size;
		c = memcmp(sorted[mid]->key, k->mv_data, m);
		if (c == 0)
			c = sorted[mid]->key_len < k->mv_size ? -1 :
			    sorted[mid]->key_len > k->mv_size;
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int
lock_dir(const char *db_dir, char *err, size_t errsz)
{
	struct buf path = BUF_INIT;
	int fd;

	buf_printf(&path, "%s/publish.lock", db_dir);
	fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		snprintf(err, errsz, "%s: %s", path.data, strerror(errno));
		buf_release(&path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		log_info("%s: another folio-index is publishing; waiting",
		    db_dir);
		while (flock(fd, LOCK_EX) == -1 && errno == EINTR)
			;
	}
	buf_release(&path);
	return fd;
}

/*
 * Whether the file system under the environment has no room left: LMDB
 * reports a write cut short by ENOSPC as EIO, which alone misleads.
 */
static int
disk_full(MDB_env *env)
{
	struct statvfs sv;
	const char *path;

	if (mdb_env_get_path(env, &path) != 0 || statvfs(path, &sv) == -1)
		return 0;
	return (unsigned long long)sv.f_bavail * sv.f_frsize < 65536;
}

/* The transaction itself; MDB_MAP_FULL is returned for the caller to grow. */
static int
write_txn(MDB_env *env, struct output **sorted, size_t n,
    const struct publish_opts *opts, struct publish_stats *st, char *err,
    size_t errsz)
{
	MDB_txn *txn = NULL;
	MDB_dbi dbi[OUT_NDB];
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	struct buf rec = BUF_INIT;
	size_t i, first, last;
	int rc, d;

	rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (rc != 0)
		goto fail;
	for (d = 0; d < OUT_NDB; d++) {
		rc = mdb_dbi_open(txn, db_names[d], MDB_CREATE, &dbi[d]);
		if (rc != 0)
			goto fail;
	}
	st->written = st->unchanged = st->deleted = st->bytes_written = 0;
	for (i = 0; i < n; i++) {
		struct output *o = sorted[i];

		if (!o->changed) {
			st->unchanged++;
			continue;
		}
		k.mv_data = o->key;
		k.mv_size = o->key_len;
		if (o->db == OUT_PAGES) {
			page_record(o, &rec);
			v.mv_data = rec.data;
			v.mv_size = rec.len;
		} else {
			v.mv_data = o->body.data;
			v.mv_size = o->body.len;
		}
		if (!opts->check_only) {
			rc = mdb_put(txn, dbi[o->db], &k, &v, 0);
			if (rc != 0)
				goto fail;
		}
		st->written++;
		st->bytes_written += v.mv_size;
	}
	/* Delete what no output claims, db by db. */
	for (d = 0, first = 0; d < OUT_NDB; d++) {
		for (last = first; last < n && sorted[last]->db == (enum out_db)d;)
			last++;
		rc = mdb_cursor_open(txn, dbi[d], &cur);
		if (rc != 0)
			goto fail;
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		while (rc == 0) {
			if (!claimed(sorted + first, last - first, &k)) {
				st->deleted++;
				if (!opts->check_only) {
					rc = mdb_cursor_del(cur, 0);
					if (rc != 0)
						goto fail;
				}
			}
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		}
		if (rc != MDB_NOTFOUND)
			goto fail;
		mdb_cursor_close(cur);
		cur = NULL;
		first = last;
	}
	buf_release(&rec);
	if (opts->check_only) {
		mdb_txn_abort(txn);
		return 0;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto fail;
	return 0;
fail:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	buf_release(&rec);
	if (rc == MDB_MAP_FULL)
		return MDB_MAP_FULL;
	snprintf(err, errsz, "writing the database: %s%s", mdb_strerror(rc),
	    (rc == EIO || rc == ENOSPC || rc == EDQUOT) && disk_full(env) ?
	    " (the disk holding it is full)" : "");
	return -1;
}

/* Marks what differs from the stored bytes; a read transaction suffices. */
static int
mark_changed(MDB_env *env, struct outset *os, int full, char *err,
    size_t errsz)
{
	MDB_txn *txn;
	MDB_dbi dbi[OUT_NDB];
	MDB_val k, v;
	int have[OUT_NDB];
	size_t i;
	int rc, d;

	rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (rc != 0) {
		snprintf(err, errsz, "reading the database: %s",
		    mdb_strerror(rc));
		return -1;
	}
	for (d = 0; d < OUT_NDB; d++)
		have[d] = mdb_dbi_open(txn, db_names[d], 0, &dbi[d]) == 0;
	for (i = 0; i < os->n; i++) {
		struct output *o = &os->v[i];

		o->changed = 1;
		if (full || !have[o->db])
			continue;
		k.mv_data = o->key;
		k.mv_size = o->key_len;
		if (mdb_get(txn, dbi[o->db], &k, &v) != 0)
			continue;
		if (o->db == OUT_PAGES)
			o->changed = !page_same(o, &v);
		else
			o->changed = v.mv_size != o->body.len ||
			    memcmp(v.mv_data, o->body.data,
			    v.mv_size) != 0;
	}
	mdb_txn_abort(txn);
	return 0;
}

/*
 * LMDB never shrinks data.mdb: a file shorter than the last page of the
 * last commit was cut (a failed copy, a full disk), and reading the missing
 * pages through the map would end the process with SIGBUS.
 */
static int
check_size(MDB_env *env, const MDB_envinfo *info, const char *db_dir,
    char *err, size_t errsz)
{
	struct stat sb;
	MDB_stat ms;
	char path[4096];
	off_t need;

	mdb_env_stat(env, &ms);
	need = (off_t)(info->me_last_pgno + 1) * ms.ms_psize;
	snprintf(path, sizeof(path), "%s/data.mdb", db_dir);
	if (stat(path, &sb) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (sb.st_size < need) {
		snprintf(err, errsz, "%s: truncated: %lld bytes, its last page "
		    "ends at %lld (move the damaged files aside and publish "
		    "again)", path, (long long)sb.st_size, (long long)need);
		return -1;
	}
	return 0;
}

int
publish(const char *db_dir, struct outset *os,
    const struct publish_opts *opts, struct publish_stats *st, char *err,
    size_t errsz)
{
	struct output **sorted = NULL;
	MDB_env *env = NULL;
	MDB_envinfo info;
	size_t i, mapsize, need;
	int lockfd = -1, rc, ret = -1;

	memset(st, 0, sizeof(*st));
	st->outputs = os->n;
	for (i = 0; i < os->n; i++) {
		if (os->v[i].key_len == 0 || os->v[i].key_len > STORE_MAX_KEY) {
			snprintf(err, errsz, "key of %zu bytes cannot be stored: "
			    "%.80s", os->v[i].key_len, os->v[i].key);
			return -1;
		}
	}
	if (mkdir(db_dir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errsz, "%s: %s", db_dir, strerror(errno));
		return -1;
	}
	lockfd = lock_dir(db_dir, err, errsz);
	if (lockfd == -1)
		return -1;
	sorted = xreallocarray(NULL, os->n ? os->n : 1, sizeof(*sorted));
	for (i = 0; i < os->n; i++)
		sorted[i] = &os->v[i];
	if (os->n > 0)
		qsort(sorted, os->n, sizeof(*sorted), cmp_output);
	for (i = 1; i < os->n; i++) {
		if (cmp_output(&sorted[i - 1], &sorted[i]) == 0) {
			snprintf(err, errsz, "two outputs share the key %s",
			    sorted[i]->key);
			goto out;
		}
	}
	need = 0;
	for (i = 0; i < os->n; i++)
		need += os->v[i].body.len * 2 + os->v[i].key_len + 64;
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(env, STORE_MAXREADERS)) != 0) {
		snprintf(err, errsz, "%s: %s", db_dir, mdb_strerror(rc));
		goto out;
	}
	rc = mdb_env_open(env, db_dir, 0, 0644);
	if (rc != 0) {
		snprintf(err, errsz, "%s: cannot open the database: %s%s",
		    db_dir, mdb_strerror(rc),
		    rc == MDB_INVALID || rc == MDB_CORRUPTED ||
		    rc == MDB_VERSION_MISMATCH ?
		    " (move the damaged files aside and publish again)" : "");
		goto out;
	}
	mdb_env_info(env, &info);
	if (check_size(env, &info, db_dir, err, errsz) == -1)
		goto out;
	mapsize = info.me_mapsize;
	/* Old and new pages coexist until the commit: room for both. */
	if (mapsize < INITIAL_MAP || mapsize < need * 2) {
		mapsize = need * 2 > INITIAL_MAP ? need * 2 : INITIAL_MAP;
		if ((rc = mdb_env_set_mapsize(env, mapsize)) != 0) {
			snprintf(err, errsz, "%s: %s", db_dir, mdb_strerror(rc));
			goto out;
		}
	}
	mdb_reader_check(env, NULL);
	if (mark_changed(env, os, opts->full, err, errsz) == -1)
		goto out;
	compress_changed(os);
	for (;;) {
		rc = write_txn(env, sorted, os->n, opts, st, err, errsz);
		if (rc != MDB_MAP_FULL)
			break;
		/* Grow and start over: nothing of the aborted txn is kept. */
		mapsize *= 2;
		if (opts->verbose)
			log_info("growing the map to %zu MiB", mapsize >> 20);
		if ((rc = mdb_env_set_mapsize(env, mapsize)) != 0) {
			snprintf(err, errsz, "%s: cannot grow the map: %s",
			    db_dir, mdb_strerror(rc));
			goto out;
		}
	}
	if (rc != 0)
		goto out;
	st->map_size = mapsize;
	ret = 0;
out:
	if (env != NULL)
		mdb_env_close(env);
	free(sorted);
	if (lockfd != -1)
		close(lockfd);
	return ret;
}
